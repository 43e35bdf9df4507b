"""Container images read without a daemon and without extracting anything to disk.

An image is a ``docker save`` archive (``manifest.json``) or an OCI image layout (``oci-layout``
and ``index.json``), as a directory or a tar. Its layers are applied in order to an in-memory map
``path -> Node`` (the layer that wrote the path, and where its bytes are): whiteouts
(``.wh.NAME``) and opaque directories (``.wh..wh..opq``) remove what lower layers wrote, a
non-directory hides a lower directory, hardlinks point at a path already in the map. Only the
bytes of files the scan reads (lockfiles, package.json) are kept; the rest is a name.

Every blob read is checked, as it is read, against the digest that names it (decision 0032):
an OCI manifest, nested index and config against their descriptors in the document above them,
a docker-archive config against the digest its name carries, each layer's uncompressed content
against the config's ``rootfs.diff_ids`` and an OCI layer's blob against its descriptor. A
mismatch is an error naming where that digest was read (``index.json: manifests[0]``), so the
scan reads the image its names say, or nothing.

Hostile archives are refused with an error that names the member's index, never its bytes:
absolute names and ``..`` (path traversal), more members than ``MAX_MEMBERS``, more decompressed
bytes than ``MAX_LAYER_BYTES`` a layer or ``MAX_TOTAL_BYTES`` an image, a hardlink to a path not
written before it, unknown layer media types, member types the runtimes refuse to apply (GNU
sparse, contiguous, vendor types: ``_refuse_type``). Symbolic links are recorded and never
followed, so no link leads out of the image.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import posixpath
import re
import stat
import sys
import tarfile
import zlib
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import IO, BinaryIO, Self, cast

from gouvernante.errors import InputError, SourceError
from gouvernante.fs import digest
from gouvernante.fs.digest import GZIP_MAGIC, ZSTD_MAGIC, ArchiveLimits, Readable, ZstdStream
from gouvernante.fs.read import open_regular_stream
from gouvernante.image.seekgzip import SeekableGzip
from gouvernante.safetext import capped

MAX_LAYER_BYTES = 4 * 1024**3  # decompressed, one layer
MAX_TOTAL_BYTES = 16 * 1024**3  # decompressed, every layer of one image
MAX_MEMBERS = 2_000_000  # tar members, one image (outer archive and every layer)
MAX_KEPT_BYTES = 512 * 1024**2  # bytes of lockfiles and package.json files kept in memory
MAX_FILE_BYTES = 64 * 1024**2  # one kept file (a lockfile larger than this is an error)
MAX_JSON_BYTES = 4 * 1024**2  # manifest.json, index.json, image manifests and configs
MAX_INDEX_DEPTH = 4  # nested OCI indexes (multi-platform images)
MAX_LINKS = 40  # symbolic links followed to resolve one name (Linux's ELOOP)
_IN_TOTO = "application/vnd.in-toto"  # attestation layers: application/vnd.in-toto+json
MAX_HEADER_BYTES = 1024 * 1024  # one GNU long name or pax header, read whole into memory
MAX_LABEL_CHARS = 256  # an image's tag or ref name, as shown in findings
# A member's name, once normalized: Linux's PATH_MAX (4096 bytes with the final NUL). A runtime
# creates each member by its whole path below the layer's folder, so it cannot create a longer
# one (ENAMETOOLONG); it also caps a name's depth (2048 folders) and so what one member's
# folders cost (the map keeps each folder as its whole path: ~4 MiB for the deepest name).
MAX_NAME_BYTES = 4095
# Paths the layers of one image write, every folder a member's name implies included, each time
# it is written (a path removed and written again counts again): each costs its length and a
# map entry, so these two bound memory and time whatever the names (one name 65,536 folders
# deep took 4.2 GB before). At the caps a scan peaks at ~0.9 GB (2 million short paths) or
# ~0.65 GB (512 Mi characters of deep ones), as large a real image would: 2 million paths of
# 268 characters on average (pnpm's store paths run to ~150); MAX_MEMBERS bounds the members.
MAX_PATHS = 2_000_000
MAX_PATH_CHARS = 512 * 1024**2

WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}\Z")

_TAR_TYPES = frozenset(
    {
        "application/vnd.oci.image.layer.v1.tar",
        "application/vnd.oci.image.layer.nondistributable.v1.tar",
        "application/vnd.docker.image.rootfs.diff.tar",
    }
)
_GZIP_TYPES = frozenset(
    {
        "application/vnd.oci.image.layer.v1.tar+gzip",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
        "application/vnd.docker.image.rootfs.diff.tar.gzip",
        "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
    }
)
_ZSTD_TYPES = frozenset(
    {
        "application/vnd.oci.image.layer.v1.tar+zstd",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
    }
)
# the window a zstd layer may ask for (``fs.digest``'s; a module global so that a test can lower it)
MAX_ZSTD_WINDOW = digest.MAX_ZSTD_WINDOW
_MANIFEST_TYPES = frozenset(
    {
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    }
)
_INDEX_TYPES = frozenset(
    {
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    }
)


class ImageError(SourceError):
    """An image archive that cannot be read exactly (damaged, hostile or unsupported)."""


class _BadHeader(tarfile.TarError):
    """A tar header ``tarfile`` would read whole into memory (a GNU long name, a pax header)
    larger than ``MAX_HEADER_BYTES``, or a damaged header after the first member."""


_LONG_HEADERS = frozenset(
    {
        tarfile.GNUTYPE_LONGNAME,
        tarfile.GNUTYPE_LONGLINK,
        tarfile.XHDTYPE,
        tarfile.XGLTYPE,
        tarfile.SOLARIS_XHDTYPE,
    }
)


# Headers that change the member after them: Go's reader keeps the last of each kind and lets a
# GNU long name or link beat a pax ``path`` or ``linkpath``; ``tarfile`` applies the first of a
# chain last (so the first wins). The chains real writers make (one pax header; GNU ``K`` and
# ``L`` once each, in either order) read the same in both; any other chain is an error.
_META_HEADERS = frozenset({tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK, tarfile.XHDTYPE})

# (tarfile's own subclasses of HeaderError, which its type stubs do not list)
_DAMAGED_HEADER = frozenset({"InvalidHeaderError", "TruncatedHeaderError"})


_USTAR_MAGIC = b"ustar\0"  # POSIX ustar and pax headers (bytes 257-263; GNU's is "ustar  \0")
_STAR_TRAILER = b"tar\0"  # star's header (bytes 508-512)


def _field(raw: bytes | bytearray, encoding: str, errors: str) -> str:
    """A NUL-terminated header field, decoded as ``tarfile`` decodes the name."""
    return raw.split(b"\0", 1)[0].decode(encoding, errors)


class _BoundedTarInfo(tarfile.TarInfo):
    """``tarfile``'s member reader with two refusals of its own, reading members as Go's
    ``archive/tar`` does where ``tarfile`` differs (a name's prefix field: ``frombuf``; pax
    global headers: ``_proc_global``).

    ``tarfile`` reads a long-name or pax header whole, whatever size the header declares: a
    gzip layer of a few megabytes declaring a 4 GiB long name would take 4 GiB of memory. And
    a damaged header after the first member ends the archive without a word (the members after
    it would be missing, never said). Both are errors here.
    """

    @classmethod
    def frombuf(cls, buf: bytes | bytearray, encoding: str, errors: str) -> Self:
        """A header's fields, its name read as Go's ``archive/tar`` (docker, containerd,
        podman) and GNU tar read it: ``tarfile`` joins bytes 345-500 to the name as a POSIX
        prefix in any header, where Go joins a prefix only to a header with the ustar magic
        (``ustar\\0``): a V7 header has none, and GNU's own header (``ustar  \\0``) keeps
        atime, ctime and sparse data there (``tar --atime-preserve``, incremental dumps). A
        star header (``tar\\0`` at 508) has a 131-byte prefix, then atime and ctime."""
        member = super().frombuf(buf, encoding, errors)
        prefix: bytes | bytearray = b""
        if buf[257:263] == _USTAR_MAGIC:
            prefix = buf[345:476] if buf[508:512] == _STAR_TRAILER else buf[345:500]
        name = _field(buf[0:100], encoding, errors)
        if member.isdir():
            name = name.rstrip("/")
        head = _field(prefix, encoding, errors)
        member.name = f"{head}/{name}" if head else name
        return member

    @classmethod
    def fromtarfile(cls, archive: tarfile.TarFile) -> Self:
        try:
            return super().fromtarfile(archive)
        except tarfile.HeaderError as exc:
            if type(exc).__name__ == "EOFHeaderError":
                _lone_zero_block(archive)
            # A zero block (the end) and a clean end of data stay the end of the archive; a
            # bad checksum or a header cut short is damage (at offset 0: not a tar at all,
            # which ``tarfile`` says itself, or tries gzip next).
            if archive.offset == 0 or type(exc).__name__ not in _DAMAGED_HEADER:
                raise
            raise _BadHeader("a damaged member header") from None

    def _proc_member(self, archive: tarfile.TarFile) -> tarfile.TarInfo:
        if self.type in _LONG_HEADERS and self.size > MAX_HEADER_BYTES:
            raise _BadHeader(f"a member header larger than {MAX_HEADER_BYTES} bytes")
        if self.type == tarfile.XGLTYPE:
            return self._proc_global(archive)
        if self.type == tarfile.SOLARIS_XHDTYPE:
            # tarfile reads its records as a pax header's, renaming the member after it; Go's
            # reader returns it as a member of its own, which the runtimes refuse to apply
            raise _BadHeader(
                f"a Solaris extended header (type 'X', at byte {self.offset} of the tar), which"
                " container runtimes refuse ('unhandled tar header type')"
            )
        chain: list[bytes] = archive.__dict__.setdefault("_gouvernante_meta", [])
        if self.type in _META_HEADERS:
            if self.type in chain or (tarfile.XHDTYPE in chain):
                raise _BadHeader(
                    f"a pax or GNU long-name header (at byte {self.offset} of the tar) after"
                    " another one before the same member (tar readers differ on which"
                    " applies: Go's, the runtimes', keeps the last, Python's the first)"
                )
            chain.append(self.type)
        try:
            member: tarfile.TarInfo = super()._proc_member(archive)  # type: ignore[misc]
        finally:
            if self.type in _META_HEADERS:
                chain.pop()
        if self.type in _LONG_HEADERS and member.type == tarfile.XGLTYPE:
            # Go drops a pax or GNU long-name header a global header follows; tarfile would
            # rename (or resize) the global header with it
            raise _BadHeader(
                f"a pax or long-name header (at byte {self.offset} of the tar) followed by a"
                " pax global header"
            )
        return member

    def _proc_global(self, archive: tarfile.TarFile) -> Self:
        """A pax global header (typeflag 'g'), read as Go's ``archive/tar`` reads it: a member
        of its own, named by its own ``path`` record (else its header's name), whose records
        change no other member. ``tarfile`` would copy them (``path``, ``size``...) into every
        later member, so another name, or other bytes, than the runtime reads."""
        blocks = -(-self.size // tarfile.BLOCKSIZE) * tarfile.BLOCKSIZE
        data = archive.fileobj.read(blocks)
        if len(data) < self.size:
            raise _BadHeader("a pax global header cut short")
        path = _pax_path(data[: self.size])
        if path is not None:
            self.name = path
        self.offset_data = archive.offset = archive.fileobj.tell()
        return self


def _lone_zero_block(archive: tarfile.TarFile) -> None:
    """After a zero block, which ends the archive for ``tarfile``: Go's reader (the runtimes')
    reads the block after it and takes anything but a second zero block or the end of the data
    as damage (``ErrHeader``, ``ErrUnexpectedEOF``), so an error, never members read by
    neither reader and never said."""
    after = archive.fileobj.read(tarfile.BLOCKSIZE)
    if after and after != bytes(tarfile.BLOCKSIZE):
        raise _BadHeader(
            f"a lone zero block (at byte {archive.offset} of the tar) followed by more than the"
            " end of the tar, which container runtimes refuse"
        )


def _pax_path(data: bytes) -> str | None:
    """The last ``path`` record of pax records (``"%d %s=%s\n"``), as Go's ``parsePAX`` reads
    them; records it would refuse are a damaged header."""
    path = None
    pos = 0
    while pos < len(data):
        space = data.find(b" ", pos, pos + 21)
        digits = data[pos:space]
        if space < 0 or not digits.isdigit():
            raise _BadHeader("a damaged pax global header")
        end = pos + int(digits)
        if end <= space + 1 or end > len(data) or data[end - 1] != 0x0A:
            raise _BadHeader("a damaged pax global header")
        key, equals, value = data[space + 1 : end - 1].partition(b"=")
        if not key or not equals or b"\0" in key:
            raise _BadHeader("a damaged pax global header")
        if key == b"path":
            if b"\0" in value:
                raise _BadHeader("a damaged pax global header")
            path = value.decode("utf-8", "surrogateescape")
        pos = end
    return path


class NodeKind(Enum):
    FILE = "file"
    DIR = "dir"
    SYMLINK = "symlink"
    # what no scan reads (a lockfile's name on one is an error: ``special``)
    CHAR = "a character device"
    BLOCK = "a block device"
    FIFO = "a FIFO"


_SPECIAL_TYPES = {
    tarfile.CHRTYPE: NodeKind.CHAR,
    tarfile.BLKTYPE: NodeKind.BLOCK,
    tarfile.FIFOTYPE: NodeKind.FIFO,
}


def special(node: Node) -> str | None:
    """What a device or FIFO node is (``a FIFO``), as ``-dir`` names it; None for the others."""
    kind = node.kind
    return kind.value if kind in (NodeKind.CHAR, NodeKind.BLOCK, NodeKind.FIFO) else None


# Member types the container runtimes apply (moby's, containerd's and containers/storage's
# ``createTarFile``; a pax global header is handled apart): any other is "unhandled tar header
# type", the layer is not applied. ``tarfile`` reads a contiguous file ('7') and an old GNU
# sparse file ('S') as regular files and keeps other types as nameless specials.
_APPLIED_TYPES = frozenset(
    {tarfile.REGTYPE, tarfile.AREGTYPE, tarfile.LNKTYPE, tarfile.SYMTYPE, tarfile.DIRTYPE}
    | _SPECIAL_TYPES.keys()
)
_TYPE_NAMES = {
    tarfile.CONTTYPE: "a contiguous file",
    tarfile.GNUTYPE_SPARSE: "a GNU sparse file",
    b"V": "a GNU volume label",
    b"D": "a GNU dump directory",
    b"M": "a GNU multi-volume continuation",
    b"N": "a GNU old long name",
}


def _refuse_type(member: tarfile.TarInfo, where: str, what: str) -> None:
    """A member of a type the runtimes do not apply, or a sparse file (pax ``GNU.sparse.*``
    records, which Python's and Go's readers take differently: the name, the version, the
    map): an error, so no lockfile a runtime would write differently is read, or hidden."""
    kind = member.type
    if kind not in _APPLIED_TYPES:
        named = _TYPE_NAMES.get(kind, "a type no runtime knows")
        raise ImageError(
            where,
            f"{what}: a tar member of type {kind.decode('latin-1')!a} ({named}), which"
            " container runtimes refuse to apply ('unhandled tar header type'): the layer's"
            " files are not known",
        )
    if any(key.startswith("GNU.sparse.") for key in member.pax_headers):
        raise ImageError(
            where,
            f"{what}: a GNU sparse file (pax GNU.sparse records), which tar readers read"
            " differently: not read",
        )


@dataclass(frozen=True, slots=True)
class Node:
    """One path of the image's final filesystem: its kind, the layer that wrote it (index and
    digest) and, for files the scan reads, the bytes (``None`` for the others)."""

    kind: NodeKind
    layer: int
    digest: str
    data: bytes | None = None
    size: int = 0
    source: tuple[int, int] = (-1, 0)  # (layer index, member number) holding a file's bytes
    # a symlink's target as written (where a package entry's package is, pnpm's global virtual
    # store; where a ``node_modules`` link's packages are; where a whiteout below it applies)
    target: str | None = None
    # written below a symbolic link of the image (``Filesystem.add``): a runtime writes it where
    # the link leads (``_apply`` refuses a file the scan reads there)
    linked: bool = False


def top_package_entry(path: str) -> bool:
    """``…/node_modules/<name>`` or ``…/node_modules/@scope/<name>`` with no other
    ``node_modules`` above it: a package entry of a project's (or a global) install."""
    parts = path.split("/")
    if parts.count("node_modules") != 1 or len(parts) < 2 or parts[-1][:1] in (".", ""):
        return False
    if parts[-2] == "node_modules":
        return parts[-1][0] != "@"
    return len(parts) >= 3 and parts[-3] == "node_modules" and parts[-2][:1] == "@"


@dataclass(frozen=True, slots=True)
class Layer:
    """One layer as the image's manifest and config name it. Reading it checks its content
    against ``digest`` (the config's diff_id) and, for an OCI layer, its blob against the
    manifest's descriptor (``blob_digest``, ``blob_size``)."""

    digest: str  # the layer's diff_id: sha256 of its uncompressed tar
    media_type: str | None  # None for docker-archive layers (sniffed)
    open: Callable[[], BinaryIO]
    named_at: str  # where the manifest names it: ``manifest.json: [0].Layers[2]``
    diff_id_at: str  # where the config gives its diff_id: ``...: rootfs.diff_ids[2]``
    blob_digest: str | None = None  # OCI: the descriptor's digest of the (compressed) blob
    blob_size: int | None = None  # OCI: the descriptor's size of the blob


@dataclass(frozen=True)
class ImageSpec:
    label: str  # the archive, with the tag or manifest digest when it holds several images
    layers: tuple[Layer, ...]
    # An image of the archive that cannot be read (its manifest, config or layer list): an
    # error of its own, so the archive's other images are still scanned
    error: ImageError | None = None
    config: str | None = None  # its config's digest (the image ID), when checked against it


@dataclass
class Filesystem:
    """The final filesystem of one image: paths are relative, without a leading slash."""

    nodes: dict[str, Node] = field(default_factory=dict)
    children: dict[str, set[str]] = field(default_factory=dict)
    kept_bytes: int = 0
    # ``remove_below``: the layer being applied and the folders it has already cleared of what
    # lower layers wrote (nothing lower comes back while it is applied): each folder is walked
    # once a layer, however many whiteouts and opaque markers name it or a folder above it
    cleared_layer: int = -1
    cleared: set[str] = field(default_factory=set)
    # paths written, every implied folder too, and their characters (``MAX_PATHS``,
    # ``MAX_PATH_CHARS``): never decreased, so they bound the time spent as well
    created: int = 0
    created_chars: int = 0

    def add(self, path: str, node: Node) -> None:
        if self.nodes.get(path, node).kind is not NodeKind.DIR or node.kind is not NodeKind.DIR:
            # Anything but a folder over a folder: the runtimes remove the path whole first
            # (containerd's and moby's ``RemoveAll``), what this very layer wrote below it too
            self.remove(path)
        if path not in self.nodes:
            self.created += 1
            self.created_chars += len(path)
        missing: list[str] = []  # the folders the name implies that are not there yet
        parent = posixpath.dirname(path)
        while parent and parent not in self.nodes:
            missing.append(parent)
            parent = posixpath.dirname(parent)
        above = self.nodes.get(parent) if parent else None
        # (a link removed or replaced takes everything below it along: the mark never outlives it)
        linked = above is not None and (above.kind is NodeKind.SYMLINK or above.linked)
        self.nodes[path] = replace(node, linked=True) if linked else node
        self.children.setdefault(posixpath.dirname(path), set()).add(path)
        for folder in missing:
            self.created += 1
            self.created_chars += len(folder)
            self.nodes[folder] = Node(NodeKind.DIR, node.layer, node.digest, linked=linked)
            self.children.setdefault(posixpath.dirname(folder), set()).add(folder)

    def through_links(self, folder: str) -> str | None:
        """``folder`` as a runtime applying a layer reaches it: through the symbolic links of
        the image on its way (umoci's securejoin, containerd's ``fs.RootPath``: an absolute
        target from the image's root, ``..`` no higher than it); ``folder`` itself when no link
        is on its way (one look-up for a folder that is there). None after 40 links (ELOOP:
        the runtime fails)."""
        node = self.nodes.get(folder)
        above = folder
        while node is None and above:  # (a folder not there: is a link above it?)
            above = posixpath.dirname(above)
            node = self.nodes.get(above)
        if node is None or (node.kind is not NodeKind.SYMLINK and not node.linked):
            return folder
        parts = folder.split("/")
        parts.reverse()
        done = ""
        hops = 0
        while parts:
            name = f"{done}/{parts[-1]}" if done else parts[-1]
            parts.pop()
            node = self.nodes.get(name)
            if node is None or node.kind is not NodeKind.SYMLINK:
                done = name
                continue
            hops += 1
            if hops > MAX_LINKS or node.target is None:
                return None
            target = posixpath.normpath("/" + posixpath.join(done, node.target)).lstrip("/")
            parts.extend(reversed(target.split("/") if target else []))
            done = ""
        return done

    def remove(self, path: str) -> None:
        """``path`` and everything below it."""
        todo = [path]
        while todo:
            p = todo.pop()
            gone = self.nodes.pop(p, None)
            if gone is not None and gone.data is not None:
                self.kept_bytes -= len(gone.data)
            todo.extend(self.children.pop(p, ()))
        siblings = self.children.get(posixpath.dirname(path))
        if siblings is not None:
            siblings.discard(path)

    def remove_below(self, path: str, layer: int) -> None:
        """What lower layers (index < ``layer``) wrote below ``path``; ``path`` itself stays.
        A lower layer's folder holding what this layer or a later one wrote keeps that (the
        OCI rule: a whiteout hides lower layers only, whatever the member order in the tar)."""
        if self.cleared_layer != layer:
            self.cleared_layer, self.cleared = layer, set()
        cleared = self.cleared
        if path in cleared:
            return
        cleared.add(path)
        todo = [path]
        dirs: list[str] = []  # lower-layer folders emptied, removed deepest first if empty
        while todo:
            for child in list(self.children.get(todo.pop(), ())):
                node = self.nodes.get(child)
                if node is None:
                    continue
                if node.kind is NodeKind.DIR:
                    if child in cleared:
                        continue
                    cleared.add(child)
                    todo.append(child)
                    if node.layer < layer:
                        dirs.append(child)
                elif node.layer < layer:
                    self.remove(child)
        for folder in reversed(dirs):
            if not self.children.get(folder):
                self.remove(folder)


# --- reading an archive -------------------------------------------------------------------


class ArchiveBudget:
    """Decompressed bytes counted across every image of one archive, each read of a layer
    again: an index or a ``manifest.json`` may name the same small layers for any number of
    images, each read in full (and again in a second pass). No more than ``MAX_TOTAL_BYTES``,
    or ``ArchiveLimits.max_ratio`` times the archive's size on disk when that is more (the
    ratio rule of every archive reader, decision 0094)."""

    def __init__(self, archive_bytes: int) -> None:
        self.archive_bytes = archive_bytes
        ratio = ArchiveLimits(max_total_bytes=sys.maxsize, ratio_floor=MAX_TOTAL_BYTES)
        self.limit = ratio.unpacked_limit(archive_bytes)
        self.total = 0

    @classmethod
    def of(cls, path: str) -> ArchiveBudget:
        """For the archive at ``path``: a file's size, or an OCI layout folder's files' sizes
        added up (links not followed)."""
        try:
            st = os.lstat(path)
        except OSError:
            return cls(0)
        if not stat.S_ISDIR(st.st_mode):
            return cls(st.st_size)
        size = 0
        for folder, _dirs, files in os.walk(path):
            for name in files:
                with contextlib.suppress(OSError):
                    size += os.lstat(os.path.join(folder, name)).st_size
        return cls(size)


class _Budget:
    """Decompressed bytes and members counted across one image (and its ``shared`` archive)."""

    def __init__(self, where: str, shared: ArchiveBudget | None = None) -> None:
        self.where = where
        self.shared = shared
        self.total = 0
        self.members = 0

    def member(self, what: str) -> None:
        self.members += 1
        if self.members > MAX_MEMBERS:
            raise ImageError(self.where, f"{what}: more than {MAX_MEMBERS} archive members")


class _Counted:
    """A read-only stream that hashes and counts what it hands out and stops at the caps."""

    def __init__(self, raw: Readable, budget: _Budget, what: str) -> None:
        self.raw = raw
        self.budget = budget
        self.what = what
        self.count = 0
        self.sha = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        want = 1024 * 1024 if size is None or size < 0 else min(size, 1024 * 1024)
        chunk = self.raw.read(want)
        self.count += len(chunk)
        self.budget.total += len(chunk)
        if self.count > MAX_LAYER_BYTES:
            raise ImageError(
                self.budget.where, f"{self.what}: more than {MAX_LAYER_BYTES} bytes decompressed"
            )
        if self.budget.total > MAX_TOTAL_BYTES:
            raise ImageError(
                self.budget.where,
                f"{self.what}: the layers decompress to more than {MAX_TOTAL_BYTES} bytes",
            )
        shared = self.budget.shared
        if shared is not None:
            shared.total += len(chunk)
            if shared.total > shared.limit:
                raise ImageError(
                    self.budget.where,
                    f"{self.what}: the archive's images decompress to more than {shared.limit}"
                    f" bytes together (their layers read for each image that names them; the"
                    f" archive is {shared.archive_bytes} bytes)",
                )
        self.sha.update(chunk)
        return chunk

    def drain(self) -> None:
        while self.read(1024 * 1024):
            pass


def member_path(name: str, where: str, what: str) -> str:
    """A tar member's name as a relative path; absolute names, ``..`` and names longer than
    ``MAX_NAME_BYTES`` are refused."""
    if name.startswith("/") or ("\\" in name and name.startswith("\\")):
        raise ImageError(where, f"{what}: an absolute name (path traversal refused)")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise ImageError(where, f"{what}: a name with '..' (path traversal refused)")
    if any("\x00" in p for p in parts):
        raise ImageError(where, f"{what}: a NUL character in its name")
    path = "/".join(parts)
    if len(path) > MAX_NAME_BYTES or len(path.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES:
        raise ImageError(
            where,
            f"{what}: a name longer than {MAX_NAME_BYTES} bytes (Linux's PATH_MAX: no runtime"
            " creates it)",
        )
    return path


def _whiteout(fs: Filesystem, target: str, position: int) -> None:
    """What lower layers wrote at ``target`` goes; what this layer wrote there stays."""
    node = fs.nodes.get(target)
    if node is None:
        return
    if node.kind is NodeKind.DIR:
        fs.remove_below(target, position)
        if node.layer < position and not fs.children.get(target):
            fs.remove(target)
    elif node.layer < position:
        fs.remove(target)


def _written(fs: Filesystem, path: str, read: bool, where: str, what: str) -> None:
    """After a member other than a folder is applied: the paths' caps, and a file of a name the
    scan reads (``read``) written below a symbolic link refused. A runtime that applies the
    layer onto the layers below it (umoci, containerd's ``fs.RootPath``) writes it where the
    link leads: in another folder than its name says, perhaps a ``node_modules``
    (``opt/x/evil/package.json``, ``opt/x`` a link to ``/usr/local/lib/node_modules``). Never
    a real filesystem's tar: a runtime's diff names the folder the file is in."""
    _check_created(fs, where, what)
    if read and fs.nodes[path].linked:
        raise ImageError(
            where,
            f"{what}: a file of a name the scan reads, written below a symbolic link of the"
            " image (umoci and containerd write it where the link leads, which is not followed"
            " here): not read",
        )


def _check_created(fs: Filesystem, where: str, what: str) -> None:
    if fs.created > MAX_PATHS:
        raise ImageError(
            where, f"{what}: the layers write more than {MAX_PATHS} paths (implied folders too)"
        )
    if fs.created_chars > MAX_PATH_CHARS:
        raise ImageError(
            where,
            f"{what}: the paths the layers write (implied folders too) come to more than"
            f" {MAX_PATH_CHARS} characters",
        )


def _global_header(fs: Filesystem, name: str, where: str, what: str) -> None:
    """A pax global header of a layer (read by ``_BoundedTarInfo``: Go's reader returns it as a
    member named by its own ``path`` record). docker's overlay2 driver skips it; moby's
    ``UnpackLayer`` (its other storage drivers) and containerd's ``applyNaive`` take its name
    as any member's: a whiteout name removes its target, another name removes what is there,
    then nothing is written. Those readings agree only when its name names nothing the image
    holds (git archive's ``pax_global_header``): else an error, never one reading chosen."""
    path = member_path(name, where, what)
    folder, _, base = path.rpartition("/")
    named = not path or base.startswith(WHITEOUT) or path in fs.nodes
    while not named and folder:  # a symbolic link above: where it leads is not read
        above = fs.nodes.get(folder)
        if above is not None:
            named = above.kind is not NodeKind.DIR
            break
        folder = folder.rpartition("/")[0]
    if named:
        raise ImageError(
            where,
            f"{what}: a pax global header named as a path of the image (container runtimes"
            " differ on whether it removes what is there)",
        )


def check_media_type(media: str | None, where: str, what: str) -> None:
    """Plain, gzip and zstd tar layers only: unknown media types fail closed."""
    if media is None or media in _TAR_TYPES or media in _GZIP_TYPES or media in _ZSTD_TYPES:
        return
    raise ImageError(where, f"{what}: unsupported layer media type")


class _Hashed:
    """The raw bytes of a compressed blob (``head`` already read), hashed and counted as they
    are read."""

    def __init__(self, raw: BinaryIO, head: bytes) -> None:
        self.raw = raw
        self.count = len(head)
        self.sha = hashlib.sha256(head)

    def read(self, size: int = -1) -> bytes:
        chunk = self.raw.read(size)
        self.count += len(chunk)
        self.sha.update(chunk)
        return chunk


class _LayerReader:
    """The uncompressed tar stream of a layer (plain tar, gzip or zstd, as its media type says
    and its first bytes agree; unknown media types are refused: fail closed), hashed as it is
    read, and the check of what was read against the digests that name it once the stream has
    been read to its end."""

    def __init__(self, layer: Layer, raw: BinaryIO, budget: _Budget, what: str) -> None:
        where = budget.where
        head = raw.read(4)
        media = layer.media_type
        check_media_type(media, where, what)
        is_gzip = head.startswith(GZIP_MAGIC)
        is_zstd = head.startswith(ZSTD_MAGIC)
        if media in _GZIP_TYPES and not is_gzip:
            raise ImageError(where, f"{what}: declared gzip, but the blob is not gzip data")
        if media in _ZSTD_TYPES and not is_zstd:
            raise ImageError(where, f"{what}: declared zstd, but the blob is not zstd data")
        if media in _TAR_TYPES and (is_gzip or is_zstd):
            kind = "gzip" if is_gzip else "zstd"
            raise ImageError(where, f"{what}: declared an uncompressed tar, but the blob is {kind}")
        # A plain tar's blob is its content: one hash serves for both digests.
        self.blob = _Hashed(raw, head) if is_gzip or is_zstd else None
        rest = _Prefixed(head, self.blob or raw)
        stream: Readable = rest
        if is_gzip:
            stream = gzip.GzipFile(fileobj=cast("IO[bytes]", rest), mode="rb")
        elif is_zstd:
            stream = ZstdStream(rest, MAX_ZSTD_WINDOW)
        self.counted = _Counted(stream, budget, what)
        self.layer = layer
        self.what = what

    def verify(self) -> None:
        """Read what is left (the tar's end blocks, the gzip trailer) and compare: the
        uncompressed content with the config's diff_id, the blob with its descriptor."""
        self.counted.drain()
        blob = self.blob
        if blob is not None:
            while blob.read(1024 * 1024):
                pass
        layer, where, what = self.layer, self.counted.budget.where, self.what
        content = "sha256:" + self.counted.sha.hexdigest()
        if content != layer.digest:
            raise ImageError(
                where,
                f"{what}: its content does not match the config's diff_id"
                f" ({layer.diff_id_at}; the layer is {layer.named_at})",
            )
        stored = "sha256:" + blob.sha.hexdigest() if blob is not None else content
        if layer.blob_digest is not None and stored != layer.blob_digest:
            raise ImageError(
                where, f"{what}: its blob does not match its digest ({layer.named_at}.digest)"
            )
        size = blob.count if blob is not None else self.counted.count
        if layer.blob_size is not None and size != layer.blob_size:
            raise ImageError(where, f"{what}: its size does not match {layer.named_at}.size")


class _Prefixed:
    """``head`` (already read) then the rest of ``raw``."""

    def __init__(self, head: bytes, raw: Readable) -> None:
        self.head = head
        self.raw = raw

    def read(self, size: int = -1) -> bytes:
        if self.head:
            if size is None or size < 0:
                out, self.head = self.head + self.raw.read(), b""
                return out
            out, self.head = self.head[:size], self.head[size:]
            if len(out) < size:
                out += self.raw.read(size - len(out))
            return out
        return self.raw.read(size)


def _each(tar: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    """The members of a layer read as a stream, each once. ``tarfile`` keeps every member it
    has read (``TarFile.members``), which only random access needs: a layer of 2 million
    members would keep them all (~1 GB) while it is read."""
    while (member := tar.next()) is not None:
        tar.members.clear()  # type: ignore[attr-defined]
        yield member


def read_layers(
    spec: ImageSpec,
    where: str,
    keep: Callable[[str], bool],
    budget: _Budget | None = None,
    later: Callable[[Filesystem], Collection[str]] | None = None,
    *,
    read_name: Callable[[str], bool] | None = None,
    shared: ArchiveBudget | None = None,
) -> Filesystem:
    """Apply every layer of ``spec`` in order; ``keep(path)`` says which files' bytes to keep,
    ``later(fs)`` which more once the final filesystem is known (what a kept file names: the
    lockfile a ``.yarnrc.yml`` names, whichever layer wrote it). A member whose base name
    ``read_name`` takes (the names the scan reads in some folder) written below a symbolic
    link the image holds then is an error: ``_written``. ``shared``: what the archive's other
    images read counts too (both passes)."""
    fs = Filesystem()
    budget = budget or _Budget(where, shared)
    reads = read_name or keep
    for position, layer in enumerate(spec.layers):
        _apply(fs, position, layer, where, keep=keep, budget=budget, read_name=reads)
    more = later(fs) if later is not None else ()
    # A hardlink named package.json (pnpm's store links) to a file whose name was not one to
    # keep, and a file ``later`` names: its bytes are read in a second pass over the layer that
    # holds them.
    pending: dict[int, dict[int, list[str]]] = {}
    for path, node in fs.nodes.items():
        if node.kind is NodeKind.FILE and node.data is None and (keep(path) or path in more):
            at, number = node.source
            pending.setdefault(at, {}).setdefault(number, []).append(path)
    for at, wanted in sorted(pending.items()):
        for number, data in _fetch(spec.layers[at], at, where, set(wanted), _Budget(where, shared)):
            for path in wanted[number]:
                fs.nodes[path] = replace(fs.nodes[path], data=data)
                fs.kept_bytes += len(data)
                if fs.kept_bytes > MAX_KEPT_BYTES:
                    raise ImageError(
                        where,
                        f"more than {MAX_KEPT_BYTES} bytes of lockfiles and package.json files",
                    )
    return fs


def _fetch(
    layer: Layer, position: int, where: str, wanted: set[int], budget: _Budget
) -> Iterator[tuple[int, bytes]]:
    """The bytes of members ``wanted`` (by number) of one layer, already applied once."""
    what = f"layer {position + 1} ({layer.digest})"
    raw = layer.open()
    try:
        reader = _LayerReader(layer, raw, budget, what)
        with tarfile.open(  # type: ignore[call-overload]
            fileobj=reader.counted, mode="r|", tarinfo=_BoundedTarInfo
        ) as tar:
            for number, member in enumerate(_each(tar), 1):
                if number not in wanted:
                    continue
                if member.size > MAX_FILE_BYTES:
                    raise ImageError(
                        where, f"{what}, member {number}: larger than {MAX_FILE_BYTES} bytes"
                    )
                fobj = tar.extractfile(member)
                data = fobj.read() if fobj is not None else b""
                if len(data) != member.size:
                    raise ImageError(where, f"{what}, member {number}: cut short")
                yield number, data
        # Read again, so checked again: the layer may have changed since the first pass.
        reader.verify()
    except _BadHeader as exc:
        raise ImageError(where, f"{what}: {exc}") from None
    except (tarfile.TarError, EOFError, OSError, zlib.error, ValueError) as exc:
        raise ImageError(
            where, f"{what}: not a readable tar layer ({type(exc).__name__})"
        ) from None
    finally:
        raw.close()


def _apply(  # noqa: C901 - listed in pyproject, to shrink
    fs: Filesystem,
    position: int,
    layer: Layer,
    where: str,
    *,
    keep: Callable[[str], bool],
    budget: _Budget,
    read_name: Callable[[str], bool],
) -> None:
    what = f"layer {position + 1} ({layer.digest})"
    digest = layer.digest
    raw = layer.open()
    try:
        reader = _LayerReader(layer, raw, budget, what)
        try:
            with tarfile.open(  # type: ignore[call-overload]
                fileobj=reader.counted, mode="r|", tarinfo=_BoundedTarInfo
            ) as tar:
                for number, member in enumerate(_each(tar), 1):
                    mwhat = f"{what}, member {number}"
                    budget.member(mwhat)
                    if member.type == tarfile.XGLTYPE:
                        _global_header(fs, member.name, where, mwhat)
                        continue
                    _refuse_type(member, where, mwhat)
                    path = member_path(member.name, where, mwhat)
                    if not path:
                        continue  # the layer's root folder
                    folder, _, base = path.rpartition("/")
                    if base.startswith(WHITEOUT):  # (below a link: where the link leads)
                        hidden = base[len(WHITEOUT) :]
                        if not hidden:
                            raise ImageError(where, f"{mwhat}: a whiteout without a name")
                        reached = fs.through_links(folder) if folder else ""
                        if reached is None:
                            continue  # (a loop of links: the runtime fails; nothing removed)
                        if base == OPAQUE:
                            fs.remove_below(reached, position)
                            continue
                        _whiteout(fs, f"{reached}/{hidden}" if reached else hidden, position)
                        continue
                    if member.isdir():
                        fs.add(path, Node(NodeKind.DIR, position, digest))
                        _check_created(fs, where, mwhat)
                        continue
                    if member.issym():
                        linked = member.linkname
                        fs.add(path, Node(NodeKind.SYMLINK, position, digest, target=linked))
                        fs.created_chars += len(linked)
                    elif member.islnk():
                        link = member_path(member.linkname, where, f"{mwhat} (hardlink target)")
                        source = fs.nodes.get(link)
                        if source is not None and special(source) is not None:
                            fs.add(path, Node(source.kind, position, digest))  # (link(2) does)
                            _written(fs, path, read_name(base), where, mwhat)
                            continue
                        if source is None or source.kind is not NodeKind.FILE:
                            raise ImageError(
                                where,
                                f"{mwhat}: a hardlink to a file not written before it",
                            )
                        data = source.data
                        fs.add(
                            path,
                            Node(NodeKind.FILE, position, digest, data, source.size, source.source),
                        )
                        if data is not None:
                            fs.kept_bytes += len(data)
                    elif member.isreg():
                        data = None
                        if keep(path):
                            if member.size > MAX_FILE_BYTES:
                                raise ImageError(
                                    where, f"{mwhat}: larger than {MAX_FILE_BYTES} bytes"
                                )
                            fobj = tar.extractfile(member)
                            data = fobj.read() if fobj is not None else b""
                            if len(data) != member.size:
                                raise ImageError(where, f"{mwhat}: cut short")
                            fs.kept_bytes += len(data)
                            if fs.kept_bytes > MAX_KEPT_BYTES:
                                raise ImageError(
                                    where,
                                    f"{mwhat}: more than {MAX_KEPT_BYTES} bytes of"
                                    " lockfiles and package.json files",
                                )
                        fs.add(
                            path,
                            Node(
                                NodeKind.FILE,
                                position,
                                digest,
                                data,
                                member.size,
                                (position, number),
                            ),
                        )
                    else:
                        fs.add(path, Node(_SPECIAL_TYPES[member.type], position, digest))
                    _written(fs, path, read_name(base), where, mwhat)
            reader.verify()
        except ImageError:
            raise
        except _BadHeader as exc:
            raise ImageError(where, f"{what}: {exc}") from None
        except (tarfile.TarError, EOFError, OSError, zlib.error, ValueError) as exc:
            kind = type(exc).__name__
            raise ImageError(where, f"{what}: not a readable tar layer ({kind})") from None
    finally:
        raw.close()


# --- finding the images of an archive -----------------------------------------------------


class _Store:
    """Named blobs of an image archive: a directory or the members of an outer tar."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.tar: tarfile.TarFile | None = None
        self.file: BinaryIO | None = None
        self.members: dict[str, tarfile.TarInfo] = {}
        if os.path.isdir(path):
            return
        try:
            # (never a plain open: a FIFO given as the image would block it for ever)
            self.file = open_regular_stream(path)
            # ``docker save | gzip``: members are read out of archive order, and tarfile's own
            # gzip reader decompresses from the start on each backward seek.
            is_gzip = self.file.read(2) == GZIP_MAGIC
            self.file.seek(0)
            outer = cast("IO[bytes]", SeekableGzip(self.file)) if is_gzip else self.file
            self.tar = tarfile.open(  # noqa: SIM115 - closed by close()
                fileobj=outer, mode="r:" if is_gzip else "r:*", tarinfo=_BoundedTarInfo
            )
            budget = _Budget(path)
            for number, member in enumerate(self.tar, 1):
                what = f"archive member {number}"
                budget.member(what)
                if member.type == tarfile.XGLTYPE:
                    continue  # (``docker load`` skips a pax global header: it names nothing)
                name = member_path(member.name, path, what)
                # Listing a compressed archive decompresses it: bounded like the layers.
                budget.total += member.size
                if budget.total > MAX_TOTAL_BYTES:
                    raise ImageError(
                        path, f"{what}: the archive holds more than {MAX_TOTAL_BYTES} bytes"
                    )
                if member.isreg() or member.issym() or member.islnk():
                    self.members[name] = member
        except ImageError:
            self.close()
            raise
        except InputError as exc:
            self.close()
            raise ImageError(path, exc.detail) from None
        except _BadHeader as exc:
            self.close()
            raise ImageError(path, f"not a readable image archive: {exc}") from None
        except (tarfile.TarError, EOFError, OSError, zlib.error, ValueError) as exc:
            self.close()
            raise ImageError(path, f"not a readable image archive ({type(exc).__name__})") from None

    def close(self) -> None:
        if self.tar is not None:
            self.tar.close()
        if self.file is not None:
            self.file.close()

    def exists(self, name: str) -> bool:
        if self.tar is None:
            return os.path.isfile(os.path.join(self.path, name))
        return name in self.members

    # ``name`` comes from the archive's own JSON (manifest.json's Config and Layers): messages
    # name it by ``what``, where it was read (``manifest.json: [0].Layers[2]``), never by itself.

    def _member(self, name: str, what: str) -> tarfile.TarInfo:
        member = self.members.get(name)
        for _ in range(8):  # docker-archive's layer.tar links to the blob beside it
            if member is None or member.isreg():
                break
            target = member.linkname
            if member.issym():
                target = posixpath.join(posixpath.dirname(name), target)
            name = member_path(posixpath.normpath(target), self.path, f"{what}: a link's target")
            member = self.members.get(name)
        if member is None or not member.isreg():
            raise ImageError(self.path, f"{what}: missing from the archive")
        return member

    def _open_file(self, name: str, what: str) -> BinaryIO:
        """A file of an image layout folder: a regular file, not through a symlinked folder
        that leads out of the layout."""
        full = os.path.join(self.path, *name.split("/"))
        try:
            top = os.path.realpath(self.path)
            if os.path.commonpath([top, os.path.realpath(full)]) != top:
                raise ImageError(self.path, f"{what}: outside the image folder (a symlink)")
            st = os.lstat(full)
            if not stat.S_ISREG(st.st_mode):
                raise ImageError(self.path, f"{what}: not a regular file")
            # the same open as every reader (``fs.read``): a FIFO swapped in after the check
            # would block a plain open for ever
            return open_regular_stream(full)
        except InputError:
            raise ImageError(self.path, f"{what}: not a regular file") from None
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else None
            raise ImageError(self.path, f"{what}: cannot read ({reason or 'error'})") from None

    def open(self, name: str, what: str) -> BinaryIO:
        if self.tar is None:
            return self._open_file(name, what)
        fobj = self.tar.extractfile(self._member(name, what))
        if fobj is None:
            raise ImageError(self.path, f"{what}: not a file")
        return fobj  # type: ignore[return-value]

    def json(self, name: str, what: str, expect: _Blob | None = None) -> object:
        """The JSON document ``name``; with ``expect``, its bytes must be the blob it names."""
        with self.open(name, what) as f:
            data = f.read(MAX_JSON_BYTES + 1)
        if len(data) > MAX_JSON_BYTES:
            raise ImageError(self.path, f"{what}: larger than {MAX_JSON_BYTES} bytes")
        if expect is not None:
            expect.check(data, self.path)
        try:
            return json.loads(data)
        except (ValueError, RecursionError) as exc:
            raise ImageError(self.path, f"{what}: not JSON ({type(exc).__name__})") from None


@dataclass(frozen=True, slots=True)
class _Blob:
    """What names a blob: its digest, its size if the descriptor gives one, and where they
    were read (``index.json: manifests[0]``), which is what a mismatch names."""

    digest: str
    size: int | None
    at: str

    def check(self, data: bytes, where: str) -> None:
        if "sha256:" + hashlib.sha256(data).hexdigest() != self.digest:
            raise ImageError(where, f"{self.at}: the blob does not match its digest")
        if self.size is not None and len(data) != self.size:
            raise ImageError(where, f"{self.at}: the blob's size does not match {self.at}.size")


def _blob_name(digest: object, where: str, what: str) -> str:
    if not isinstance(digest, str) or _DIGEST.match(digest) is None:
        raise ImageError(where, f"{what}: not a sha256 digest")
    return "blobs/sha256/" + digest[len("sha256:") :]


def _descriptor(desc: dict[str, object], where: str, what: str) -> tuple[str, _Blob]:
    """An OCI descriptor's blob: its name in the layout, and what its content must match."""
    digest = desc.get("digest")
    name = _blob_name(digest, where, f"{what}.digest")
    size = desc.get("size")
    if size is not None and (type(size) is not int or size < 0):
        raise ImageError(where, f"{what}.size: not a size")
    return name, _Blob(cast("str", digest), size, what)


# Names a docker-archive's manifest.json gives its config, each the sha256 of the config (the
# image ID): docker 25 and later, docker before 25 and skopeo, crane.
_CONFIG_NAMES = (
    re.compile(r"blobs/sha256/([0-9a-f]{64})\Z"),
    re.compile(r"([0-9a-f]{64})\.json\Z"),
    re.compile(r"sha256:([0-9a-f]{64})\Z"),
)


def _named_digest(name: str) -> str | None:
    for pattern in _CONFIG_NAMES:
        found = pattern.match(name)
        if found is not None:
            return "sha256:" + found[1]
    return None


def _obj(value: object, where: str, what: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise ImageError(where, f"{what}: not a JSON object")
    return value


def _list(value: object, where: str, what: str) -> list[object]:
    if not isinstance(value, list):
        raise ImageError(where, f"{what}: not a JSON array")
    return value


def _diff_ids(config: object, where: str, what: str) -> list[object]:
    rootfs = _obj(_obj(config, where, what).get("rootfs"), where, f"{what}: rootfs")
    return _list(rootfs.get("diff_ids"), where, f"{what}: rootfs.diff_ids")


def _layer_opener(store: _Store, name: str, what: str) -> Callable[[], BinaryIO]:
    return lambda: store.open(name, what)


# An index entry still to read: its descriptor, where it was read, its depth of nesting and the
# ref name of the index entry that led to it (a multi-platform image's tag names its index)
_Todo = tuple[dict[str, object], str, int, str | None]


def _oci_images(store: _Store, where: str) -> Iterator[ImageSpec]:
    """Every image index.json leads to. index.json is the root, which nothing names; each blob
    read below it must match the digest (and size) of the descriptor that names it."""
    index = _obj(store.json("index.json", "index.json"), where, "index.json")
    todo: list[_Todo] = [
        (_obj(d, where, f"index.json: manifests[{i}]"), f"index.json: manifests[{i}]", 0, None)
        for i, d in enumerate(_list(index.get("manifests"), where, "index.json: manifests"))
    ]
    seen: set[str] = set()  # the blobs named so far: one named again is read once
    while todo:
        desc, what, depth, ref = todo.pop(0)
        named = desc.get("digest")
        if isinstance(named, str):
            if named in seen:
                continue
            seen.add(named)
        try:
            spec = _oci_descriptor(store, where, (desc, what, depth, ref), todo)
        except ImageError as exc:  # this image (or nested index) only: the others are read
            yield ImageSpec(f"{where} ({what})", (), exc)
            continue
        if spec is not None:
            yield spec


def _ref_name(desc: dict[str, object]) -> str | None:
    annotations = desc.get("annotations")
    ref = (
        annotations.get("org.opencontainers.image.ref.name")
        if isinstance(annotations, dict)
        else None
    )
    return ref if isinstance(ref, str) and ref else None


def _platform(desc: dict[str, object]) -> str | None:
    """The platform an index entry gives its manifest (``linux/arm64/v8``), as shown."""
    platform = desc.get("platform")
    if not isinstance(platform, dict):
        return None
    parts = [platform.get(k) for k in ("os", "architecture", "variant")]
    shown = "/".join(p for p in parts if isinstance(p, str) and p)
    return _label(shown) if shown else None


def _oci_label(where: str, desc: dict[str, object], name: str, inherited: str | None) -> str:
    """An image's label: its ref name (``img.tar:latest``), else the ref name of the index
    that led to it with its manifest's digest (``img.tar:latest@0123456789ab``), else the
    digest alone; then the platform its index entry gives (``(linux/arm64)``), so that a
    finding in one platform's image of a multi-platform index says which."""
    ref = _ref_name(desc)
    if ref is not None:
        label = f"{where}:{_label(ref)}"
    elif inherited is not None:
        label = f"{where}:{_label(inherited)}@{name[13:25]}"
    else:
        label = f"{where}@{name[13:25]}"
    platform = _platform(desc)
    return f"{label} ({platform})" if platform is not None else label


def _oci_descriptor(store: _Store, where: str, entry: _Todo, todo: list[_Todo]) -> ImageSpec | None:
    """The image one index entry names; None for a nested index (its entries go to ``todo``)
    and for an attestation manifest."""
    desc, what, depth, inherited = entry
    media = desc.get("mediaType")
    name, blob = _descriptor(desc, where, what)
    if media in _INDEX_TYPES:
        if depth >= MAX_INDEX_DEPTH:
            raise ImageError(where, f"{what}: indexes nested deeper than {MAX_INDEX_DEPTH}")
        nested = _obj(store.json(name, name, blob), where, name)
        ref = _ref_name(desc) or inherited
        for i, d in enumerate(_list(nested.get("manifests"), where, f"{name}: manifests")):
            at = f"{name}: manifests[{i}]"
            todo.append((_obj(d, where, at), at, depth + 1, ref))
        return None
    if media not in _MANIFEST_TYPES:
        raise ImageError(where, f"{what}: unsupported media type")
    manifest = _obj(store.json(name, name, blob), where, name)
    annotations = desc.get("annotations")
    annotations = annotations if isinstance(annotations, dict) else {}
    if _attestation(annotations, manifest):
        return None
    layers = _oci_layers(store, where, name, manifest)
    config = _obj(manifest.get("config"), where, f"{name}: config").get("digest")
    label = _oci_label(where, desc, name, inherited)
    return ImageSpec(label, layers, config=config if isinstance(config, str) else None)


def _attestation(annotations: dict[object, object], manifest: dict[str, object]) -> bool:
    """buildkit's attestation manifest (provenance, SBOM) beside an image in an index: marked
    ``vnd.docker.reference.type: attestation-manifest``, its layers in-toto statements (JSON,
    no filesystem). Only both together: a marked manifest with any other layer is read."""
    if annotations.get("vnd.docker.reference.type") != "attestation-manifest":
        return False
    layers = manifest.get("layers")
    return (
        isinstance(layers, list)
        and bool(layers)
        and all(
            isinstance(layer, dict)
            and isinstance(layer.get("mediaType"), str)
            and str(layer.get("mediaType")).startswith(_IN_TOTO)
            for layer in layers
        )
    )


def _oci_layers(
    store: _Store, where: str, name: str, manifest: dict[str, object]
) -> tuple[Layer, ...]:
    """The layers of the image manifest ``name``, with their diff_ids from its config."""
    config_at = f"{name}: config"
    config_name, config_blob = _descriptor(
        _obj(manifest.get("config"), where, config_at), where, config_at
    )
    diff_ids = _diff_ids(store.json(config_name, config_name, config_blob), where, config_name)
    descs = _list(manifest.get("layers"), where, f"{name}: layers")
    if len(descs) != len(diff_ids):
        raise ImageError(where, f"{name}: {len(descs)} layers but {len(diff_ids)} diff_ids")
    layers = []
    for i, (ld, diff_id) in enumerate(zip(descs, diff_ids, strict=True)):
        lwhat = f"{name}: layers[{i}]"
        ldesc = _obj(ld, where, lwhat)
        lmedia = ldesc.get("mediaType")
        if not isinstance(lmedia, str):
            raise ImageError(where, f"{lwhat}: no mediaType")
        diff_id_at = f"{config_name}: rootfs.diff_ids[{i}]"
        if not isinstance(diff_id, str) or _DIGEST.match(diff_id) is None:
            raise ImageError(where, f"{diff_id_at}: not a sha256 digest")
        check_media_type(lmedia, where, lwhat)
        blob_name, blob = _descriptor(ldesc, where, lwhat)
        layers.append(
            Layer(
                diff_id,
                lmedia,
                _layer_opener(store, blob_name, blob_name),
                lwhat,
                diff_id_at,
                blob.digest,
                blob.size,
            )
        )
    return tuple(layers)


def _label(name: str) -> str:
    """An image's tag or ref name as its findings show it: a name, escaped and capped."""
    return capped(name, MAX_LABEL_CHARS)


def _docker_images(store: _Store, where: str) -> Iterator[ImageSpec]:
    entries = _list(store.json("manifest.json", "manifest.json"), where, "manifest.json")
    for i, e in enumerate(entries):
        what = f"manifest.json: [{i}]"
        try:
            yield _docker_image(store, where, e, what, len(entries))
        except ImageError as exc:  # this image only: the others are read
            yield ImageSpec(f"{where} ({what})", (), exc)


def _docker_image(store: _Store, where: str, e: object, what: str, count: int) -> ImageSpec:
    """One entry of a docker save archive's manifest.json."""
    entry = _obj(e, where, what)
    config = entry.get("Config")
    if not isinstance(config, str):
        raise ImageError(where, f"{what}.Config: not a string")
    config_name = member_path(config, where, f"{what}.Config")
    config_what = f"{what}.Config"
    # The config's name is its digest (the image ID) in what docker, skopeo and crane write.
    named = _named_digest(config_name)
    expect = _Blob(named, None, config_what) if named is not None else None
    config_doc = store.json(config_name, config_what, expect)
    diff_ids = _diff_ids(config_doc, where, config_what)
    names = _list(entry.get("Layers"), where, f"{what}.Layers")
    if len(names) != len(diff_ids):
        raise ImageError(where, f"{what}: {len(names)} layers but {len(diff_ids)} diff_ids")
    layers = []
    for n, (layer_name, diff_id) in enumerate(zip(names, diff_ids, strict=True)):
        if not isinstance(layer_name, str):
            raise ImageError(where, f"{what}.Layers[{n}]: not a string")
        diff_id_at = f"{config_what}: rootfs.diff_ids[{n}]"
        if not isinstance(diff_id, str) or _DIGEST.match(diff_id) is None:
            raise ImageError(where, f"{diff_id_at}: not a sha256 digest")
        lwhat = f"{what}.Layers[{n}]"
        lname = member_path(layer_name, where, lwhat)
        opener = _layer_opener(store, lname, lwhat)
        layers.append(Layer(diff_id, None, opener, lwhat, diff_id_at))
    tags = entry.get("RepoTags")
    tag = tags[0] if isinstance(tags, list) and tags and isinstance(tags[0], str) else None
    label = where
    if count > 1:  # (the archive's images named apart: a tag, else the image ID)
        if tag:
            label = f"{where}:{_label(tag)}"
        else:
            label = f"{where}@{named[7:19]}" if named is not None else f"{where} ({what})"
    return ImageSpec(label, tuple(layers), config=named)


def open_images(path: str) -> tuple[_Store, list[ImageSpec]]:
    """The images of an archive or OCI layout folder; the store must be closed by the caller."""
    store = _Store(path)
    try:
        if store.exists("oci-layout") and store.exists("index.json"):
            images = list(_oci_images(store, path))
            none = "index.json leads to no image manifest"
            if store.exists("manifest.json"):
                # docker save 25 and later writes both, and ``docker load`` reads manifest.json
                # (with the containerd image store, index.json): an image only one of them
                # names is read too, one both name once (by its config's digest)
                seen = {spec.config for spec in images if spec.config is not None}
                images += [s for s in _docker_images(store, path) if s.config not in seen]
        elif store.exists("manifest.json"):
            images = list(_docker_images(store, path))
            none = "manifest.json lists none"
        else:
            raise ImageError(
                path,
                "neither an OCI image layout (oci-layout, index.json) nor a docker save"
                " archive (manifest.json)",
            )
        if not images:  # nothing to scan: never a clean result
            raise ImageError(path, f"no image in the archive ({none})")
    except BaseException:
        store.close()
        raise
    return store, images
