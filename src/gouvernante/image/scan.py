"""``-image``: the final filesystem of each image of an archive, matched like a scan.

Lockfiles (and package.json files) outside ``node_modules`` go through the same parsers and
matcher as a directory or git scan (``parse_bytes``, ``match_lockfile``, ``resolve_declared``);
installed packages (``node_modules/<name>/package.json``, ``node_modules/@scope/<name>/...``, at
any depth, so global installs under the image's own prefix such as ``/usr/local/lib/node_modules``
count too) through the same exact-release test as ``-host`` (``package_hits``). Every finding
names the image, the layer (its diff_id) that wrote the file, and the path in the image.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Collection, Container, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import msgspec

from gouvernante.errors import GouvernanteError
from gouvernante.fs.walk import YARN_INTEGRITY
from gouvernante.host.install_state import (
    HIDDEN_LOCKFILE,
    PNPM_STATE,
    YARN_STATE,
    Places,
    RecordedRelease,
    disagreement_note,
    hidden_lockfile_places,
    pnpm_modules_places,
    record_field,
    same_release,
    store_release,
    yarn_integrity_places,
    yarn_state_places,
)
from gouvernante.host.installed import (
    NOT_A_MANIFEST,
    SCOPE_LINK_IN_TREE,
    YARN_STORE,
    YARN_STORE_PACKAGE,
    links_not_there,
    local_copy_note,
    pnpm_local_copy,
    yarn_stub,
)
from gouvernante.host.matching import package_finding, package_hits, unknown_version
from gouvernante.image.layers import (
    MAX_FILE_BYTES,
    MAX_LINKS,
    ArchiveBudget,
    Filesystem,
    ImageError,
    Node,
    NodeKind,
    open_images,
    read_layers,
    special,
    top_package_entry,
)
from gouvernante.lazy import lazy_pattern
from gouvernante.lockfiles import (
    MANIFEST,
    PNPM_WORKSPACE,
    TARBALL_BYTES,
    needs_manifest,
    own_lockfile_in,
    parse_bytes,
    reads_member_manifests,
    tarball_release,
    with_manifest_beside,
    with_tarball_releases,
)
from gouvernante.lockfiles._tarball_url import local_tarball
from gouvernante.lockfiles.package_json import (
    installed_release,
    manifest_name,
    read_manifest,
)
from gouvernante.lockfiles.package_json import parse as parse_manifest
from gouvernante.match.lockfile import (
    CatalogFiles,
    LockfileMatch,
    PlacedMatch,
    match_lockfile,
    resolve_declared,
    with_workspace_catalogs,
)
from gouvernante.match.placing import posix_relative, with_links, workspace_members
from gouvernante.model import Finding, FindingType, LockfileGraph, ScanIssue
from gouvernante.rules.index import RuleIndex
from gouvernante.sources.names import lockfile_name
from gouvernante.sources.yarnrc import (
    NOT_A_FILE,
    NOT_A_FILE_INHERITED,
    YARN_LOCK,
    YARNRC,
    Setting,
    folder_name,
    lockfile_setting,
)

NODE_MODULES = "node_modules"


@dataclass
class ImageScanOutput:
    findings: list[Finding] = field(default_factory=list)
    errors: list[ScanIssue] = field(default_factory=list)
    notes: list[ScanIssue] = field(default_factory=list)
    scanned: list[str] = field(default_factory=list)  # image labels and their lockfiles
    lockfiles: int = 0
    packages: int = 0
    installed: int = 0


def keep(path: str) -> bool:
    """The files whose bytes the scan reads: lockfiles and package.json files, yarn's
    ``.yarnrc.yml`` (the lockfile it names is read in a second pass: ``named_lockfiles``) and
    the package managers' records of a ``node_modules`` folder (``_recorded_copy``)."""
    folder, _, base = path.rpartition("/")
    if base in _RECORDS or base == YARN_INTEGRITY:
        return folder == NODE_MODULES or folder.endswith("/" + NODE_MODULES)
    return base == YARNRC or lockfile_name(base) is not None


def read_name(base: str) -> bool:
    """A file name the scan reads in some folder (``keep`` of one of them): one written below
    a symbolic link is refused (``layers.read_layers``), wherever the link leads."""
    return base in _RECORDS or base == YARN_INTEGRITY or keep(base)


# each record's reading, once per image: (copies, releases) of the folders it places
_RECORDS: dict[str, Callable[[bytes], tuple[Places, Places] | None]] = {
    HIDDEN_LOCKFILE: hidden_lockfile_places,
    YARN_STATE: yarn_state_places,
    PNPM_STATE: pnpm_modules_places,
}
_Records = dict[str, "tuple[Places, Places] | tuple[dict[str, str], Places] | None"]
_COPIES, _RELEASES = 0, 1


def _recorded_releases(
    fs: Filesystem, package_dir: str, *, layer: int, cache: _Records
) -> list[RecordedRelease]:
    """What the package managers' records in the image name for the package folder
    ``package_dir``: its virtual store's folder (``install_state.store_release``), npm's
    hidden lockfile, yarn's install state and pnpm's hoistedLocations, each written by the
    layer that wrote its package.json or a later one (as ``-host`` reads them)."""
    found: list[RecordedRelease] = []
    store = store_release(package_dir, "/")
    if store is not None:
        found.append(store)
    parts = package_dir.split("/")
    for cut in range(len(parts) - 1, -1, -1):
        prefix = "/".join(parts[:cut])
        rel = "/".join(parts[cut:])
        records = f"{prefix}/{NODE_MODULES}/" if prefix else f"{NODE_MODULES}/"
        for base, reader in _RECORDS.items():
            path = records + base
            read = _record(fs, path, reader, cache, layer)
            release = read[_RELEASES].get(rel) if read is not None else None
            if isinstance(release, tuple):
                where = (
                    f'hoistedLocations["{release[0]}@{release[1]}"]'
                    if base == PNPM_STATE
                    else record_field(path, rel, release)
                )
                found.append(RecordedRelease(release[0], release[1], path, where))
        top = rel.split("/")
        if top[0] == NODE_MODULES and (len(top) == 2 or (len(top) == 3 and top[1][:1] == "@")):
            path = records + YARN_INTEGRITY
            read = _record(fs, path, yarn_integrity_places, cache, layer)
            release = read[_RELEASES].get("/".join(top[1:])) if read is not None else None
            if isinstance(release, tuple):
                where = "lockfileEntries (every pattern of the folder's name)"
                found.append(RecordedRelease(release[0], release[1], path, where))
    return found


def _recorded_copy(
    fs: Filesystem, package_dir: str, folder: str, name: str, *, layer: int, cache: _Records
) -> tuple[str, str] | None:
    """(where from, the record saying so) when a package manager's record in the image says
    the package ``name`` at ``package_dir`` was installed from the project itself (a ``file:``
    tarball or folder, an injected workspace: ``install_state.local_copies``, as ``-host``
    reads them), written by the layer that wrote its package.json or a later one."""
    parts = package_dir.split("/")
    for cut in range(len(parts) - 1, -1, -1):  # every folder above, the nearest first
        prefix = "/".join(parts[:cut])
        rel = "/".join(parts[cut:])
        records = f"{prefix}/{NODE_MODULES}/" if prefix else f"{NODE_MODULES}/"
        for base, reader in _RECORDS.items():
            read = _record(fs, records + base, reader, cache, layer)
            found = read[_COPIES].get(rel) if read is not None else None
            if isinstance(found, tuple) and found[0] == name:
                return found[1], records + base
        if parts[cut] == NODE_MODULES and folder == name:
            read = _record(fs, records + YARN_INTEGRITY, yarn_integrity_places, cache, layer)
            source = read[_COPIES].get(name) if read is not None else None
            if isinstance(source, str):
                return source, records + YARN_INTEGRITY
    return None


def _record(
    fs: Filesystem,
    path: str,
    reader: Callable[[bytes], tuple[Any, Places] | None],
    cache: _Records,
    layer: int,
) -> tuple[Any, Places] | None:
    """The record at ``path`` read once, (copies, releases) (None: none, a link, or not read),
    if written by ``layer`` or a later one."""
    node = fs.nodes.get(path)
    if node is None or node.kind is not NodeKind.FILE or node.data is None or node.layer < layer:
        return None
    if path not in cache:
        cache[path] = reader(node.data)
    return cache[path]


def named_lockfiles(
    fs: Filesystem, label: str = "", errors: list[ScanIssue] | None = None
) -> dict[str, str]:
    """The lockfiles yarn berry's ``lockfileFilename`` names (decision 0044), by path, with
    the parser they are read with: a file of a folder whose name, from the closest
    ``.yarnrc.yml`` at or above it that sets one (``yarnrc.inherit``; none inside
    ``node_modules``), is its own. ``errors`` gets a ``.yarnrc.yml`` not read (a symbolic link,
    a setting refused) and a name that is a folder or a special file."""

    def refuse(path: str, reason: str) -> None:
        if errors is not None:
            errors.append(ScanIssue(f"{label}:/{path}", reason))

    settings = _yarnrc_settings(fs, label, refuse)
    wanted = {s[0] for s in settings.values() if s is not None and s[0] is not None}
    if not wanted:
        return {}
    names: dict[str, str | None] = {}  # each folder's name, found going up
    found: dict[str, str] = {}
    for path, node in fs.nodes.items():
        folder, _, base = path.rpartition("/")
        if base not in wanted or NODE_MODULES in path.split("/")[:-1]:
            continue
        if folder_name(folder, settings, names) != base:
            continue
        if node.kind in (NodeKind.FILE, NodeKind.SYMLINK):
            found[path] = YARN_LOCK  # (a link: refused where lockfiles are read)
        elif folder in settings:
            refuse(f"{folder}/{YARNRC}" if folder else YARNRC, NOT_A_FILE)
        else:
            refuse(path, NOT_A_FILE_INHERITED)
    return found


@dataclass
class Parsed:
    """The lockfiles of one image parsed before its scan (``tarball_files``), kept for it
    (``_parsed``) so that each is parsed once: path -> (the bytes parsed, the parser's name,
    the graph or the error)."""

    files: dict[str, tuple[bytes, str, LockfileGraph | GouvernanteError]] = field(
        default_factory=dict
    )


def read_later(fs: Filesystem, label: str = "", parsed: Parsed | None = None) -> set[str]:
    """The files whose bytes are read once the image's filesystem is known: the lockfiles yarn
    berry's ``lockfileFilename`` names (``named_lockfiles``) and the ``file:`` tarballs its
    yarn lockfiles name (``tarball_files``; the lockfiles parsed kept in ``parsed``)."""
    return set(named_lockfiles(fs)) | tarball_files(fs, label, parsed)


# the lockfiles whose ``file:`` tarballs are read for their package (``unnamed_tarballs``): yarn's
# name the dependency only, bun.lock records no version, npm 6's v1 file neither (decision 0146)
_TARBALL_LOCKFILES = frozenset(
    {YARN_LOCK, "bun.lock", "bun.lockb", "package-lock.json", "npm-shrinkwrap.json"}
)


# a yarn 1 ``resolved`` that is no http(s) URL: yarn 1 reads ``./vendor/x.tgz``, ``C:…`` or
# ``/…`` as a local tarball with no ``file:`` (decisions 0159, 0163)
_OTHER_RESOLVED = lazy_pattern(rb'\n  resolved "?(?![Hh][Tt][Tt][Pp][Ss]?://)')


def tarball_files(fs: Filesystem, label: str = "", parsed: Parsed | None = None) -> set[str]:
    """The ``file:`` tarballs the image's yarn lockfiles name (``LockfileGraph.unnamed_tarballs``,
    read with them: ``_with_tarball_releases``): a regular file inside the lockfile's folder, no
    larger than a kept file may be (``MAX_FILE_BYTES``; a larger one is not read, its entries
    stay unnamed). Only a yarn.lock naming some ``file:`` reference is parsed here, as the
    image's scan names it (``label``), and kept in ``parsed`` for that scan."""
    found: set[str] = set()
    for path, node in fs.nodes.items():
        base = path.rpartition("/")[2]
        name = lockfile_name(base)
        if name not in _TARBALL_LOCKFILES or name is None or node.data is None:
            continue
        if b"file:" not in node.data and not (
            name == YARN_LOCK and _OTHER_RESOLVED.search(node.data)
        ):
            continue
        if NODE_MODULES in path.split("/")[:-1]:
            continue
        try:
            graph = parse_bytes(node.data, f"{label}:/{path}", name)
        except GouvernanteError as exc:
            if parsed is not None:
                parsed.files[path] = (node.data, name, exc)
            continue  # (its error is said where it is read)
        if parsed is not None:
            parsed.files[path] = (node.data, name, graph)
        for full in _tarball_paths(path, graph):
            tarball = fs.nodes.get(full)
            if (
                tarball is not None
                and tarball.kind is NodeKind.FILE
                and tarball.size <= min(MAX_FILE_BYTES, TARBALL_BYTES)
            ):
                found.add(full)
    return found


def _tarball_paths(path: str, graph: LockfileGraph) -> list[str]:
    folder = posixpath.dirname(path)
    return [posixpath.join(folder, rel) for _node, rel in graph.unnamed_tarballs if rel]


def _yarnrc_settings(
    fs: Filesystem, label: str, refuse: Callable[[str, str], None]
) -> dict[str, Setting]:
    """Each folder whose ``.yarnrc.yml`` sets ``lockfileFilename`` or is not read (refused)."""
    settings: dict[str, Setting] = {}
    for path, node in fs.nodes.items():
        folder, _, base = path.rpartition("/")
        if base != YARNRC or NODE_MODULES in path.split("/")[:-1]:
            continue
        unread = _not_a_file(node)
        if unread is not None:
            refuse(path, unread)
            settings[folder] = None
            continue
        if node.kind is not NodeKind.FILE or node.data is None:
            continue
        try:
            setting = lockfile_setting(node.data, f"{label}:/{path}")
        except GouvernanteError as exc:
            refuse(path, exc.detail)
            settings[folder] = None
            continue
        if setting is not None:
            settings[folder] = (None if lockfile_name(setting) is not None else setting,)
    return settings


def installed_folder(path: str, renamed: Container[str] = ()) -> str | None:
    """``node_modules/<name>`` or ``node_modules/@scope/<name>`` for a package's package.json,
    the folder name the package is installed under; else None. ``renamed``: the folders yarn 1
    installed packages in under another name (``modules_folders``), which count as
    ``node_modules``."""
    parts = path.split("/")
    if (
        len(parts) >= 3
        and parts[-1] == MANIFEST
        and (parts[-3] == NODE_MODULES or (renamed and path.rsplit("/", 2)[0] in renamed))
    ):
        name = parts[-2]
        return None if name.startswith((".", "@")) else name
    if (
        len(parts) >= 4
        and parts[-1] == MANIFEST
        and (parts[-4] == NODE_MODULES or (renamed and path.rsplit("/", 3)[0] in renamed))
    ):
        scope, name = parts[-3], parts[-2]
        if scope.startswith("@") and len(scope) > 1:
            return f"{scope}/{name}"
    if (
        len(parts) >= 5
        and parts[-1] == MANIFEST
        and parts[-2] == YARN_STORE_PACKAGE
        and parts[-4] == YARN_STORE
        and parts[-5] == NODE_MODULES
    ):
        return ""  # yarn's pnpm linker: ``node_modules/.store/<locator>/package``, no name
    return None


def modules_folders(paths: Collection[str]) -> frozenset[str]:
    """The folders yarn 1 installed a project's packages in under another name than
    ``node_modules`` (``--modules-folder``): those holding its ``.yarn-integrity`` and no
    package.json, as -host finds them (``fs.walk.modules_folder``)."""
    marker = "/" + YARN_INTEGRITY
    return frozenset(
        folder
        for path in paths
        if path.endswith(marker)
        and (folder := path[: -len(marker)])
        and folder.rpartition("/")[2] != NODE_MODULES
        and f"{folder}/{MANIFEST}" not in paths
    )


def scan_images(paths: Sequence[str], index: RuleIndex) -> ImageScanOutput:
    out = ImageScanOutput()
    for path in paths:
        try:
            store, images = open_images(path)
        except ImageError as exc:
            out.errors.append(ScanIssue(path, exc.detail))
            continue
        try:
            shared = ArchiveBudget.of(path)
            for spec in images:
                if spec.error is not None:  # this image only: the others are scanned
                    out.errors.append(ScanIssue(path, spec.error.detail))
                    continue
                parsed = Parsed()
                try:
                    fs = read_layers(
                        spec,
                        path,
                        keep,
                        later=partial(read_later, label=spec.label, parsed=parsed),
                        read_name=read_name,
                        shared=shared,
                    )
                except ImageError as exc:
                    out.errors.append(ScanIssue(spec.label, exc.detail))
                    continue
                out.scanned.append(f"{spec.label} ({len(spec.layers)} layers)")
                scan_filesystem(fs, spec.label, index, out, parsed)
        finally:
            store.close()
    return out


def _links_not_there(fs: Filesystem, label: str) -> list[ScanIssue]:
    """A note for each install whose package entries (``top_package_entry``) are links to
    folders not in the image (pnpm 10's global virtual store: the store was left out of the
    image), as -host says of a store missing from the host."""
    missing: dict[str, list[str]] = {}
    ends: dict[str, str | None] = {}
    for path, node in fs.nodes.items():
        if node.target is None or not top_package_entry(path):
            continue
        if not _leads_somewhere(fs, path, node.target, ends):
            parts = path.split("/")
            tree = "/".join(parts[: parts.index(NODE_MODULES) + 1])
            missing.setdefault(tree, []).append(path)
    return [
        ScanIssue(
            f"{label}:/{tree}",
            links_not_there(len(links), f"{label}:/{min(links)}", image=True),
        )
        for tree, links in sorted(missing.items())
    ]


def _leads_somewhere(fs: Filesystem, link: str, target: str, ends: dict[str, str | None]) -> bool:
    """Does the symlink ``link`` (written ``target``) lead to a path of the image (``_link_end``)?
    A path below a link whose target is not kept is taken as there (unknown: never a note said
    on a guess); a loop of links leads nowhere."""
    end = _link_end(fs, link, target, ends)
    if end is None:
        return True
    node = fs.nodes.get(end)
    return node is not None and node.kind is not NodeKind.SYMLINK


def _link_end(fs: Filesystem, link: str, target: str, ends: dict[str, str | None]) -> str | None:
    """The path the symlink ``link`` (written ``target``) leads to in the image, through the
    links whose targets are kept; None when that cannot be told (a link above it whose target
    is not kept). A loop, or more than 40 links (the kernel's ELOOP), ends at a link: nowhere.
    ``ends``: each link's answer, so a chain shared by many links is followed once."""
    chain: list[str] = []
    end: str | None = None
    for _hop in range(MAX_LINKS):
        if link in ends:
            end = ends[link]
            break
        chain.append(link)
        path = posixpath.normpath("/" + posixpath.join(posixpath.dirname(link), target))
        path = path.lstrip("/")
        node = fs.nodes.get(path)
        if node is None:
            above = posixpath.dirname(path)
            while above and above not in fs.nodes:
                above = posixpath.dirname(above)
            end = None if above and fs.nodes[above].kind is NodeKind.SYMLINK else path
            break
        if node.kind is not NodeKind.SYMLINK:
            end = path
            break
        if node.target is None:
            break
        link, target = path, node.target
    else:
        end = link  # (a link: leads nowhere)
    for hop in chain:
        ends[hop] = end
    return end


def _linked_modules(fs: Filesystem, label: str, renamed: Container[str]) -> list[ScanIssue]:
    """An error for each ``node_modules`` that is a symbolic link to a folder holding anything
    whose packages the scan does not read as installed (``/app/node_modules`` ->
    ``/opt/deps``: node loads ``/opt/deps/<name>`` for ``require('<name>')``), as ``-host``
    says of a link out of the scanned folders. One to a ``node_modules`` folder is read there,
    one to nothing installs nothing."""
    errors: list[ScanIssue] = []
    ends: dict[str, str | None] = {}
    for path, node in fs.nodes.items():
        if node.target is None or path.rpartition("/")[2] != NODE_MODULES:
            continue
        end = _link_end(fs, path, node.target, ends)
        if end is not None:
            found = fs.nodes.get(end)
            if found is None or found.kind is not NodeKind.DIR or not fs.children.get(end):
                continue  # (nothing there, or not a folder: nothing installed)
            if end.rpartition("/")[2] == NODE_MODULES or end in renamed:
                continue  # (read where it is)
        errors.append(
            ScanIssue(
                f"{label}:/{path}",
                "node_modules is a symbolic link to a folder that is not a node_modules folder"
                " of the image (or where it leads is not known): not followed, the packages"
                " installed there were not checked",
            )
        )
    return errors


def scan_filesystem(
    fs: Filesystem,
    label: str,
    index: RuleIndex,
    out: ImageScanOutput,
    parsed: Parsed | None = None,
) -> None:
    """Each lockfile, manifest and installed package of the image's filesystem ``fs`` matched
    into ``out`` (``parsed``: its lockfiles already parsed, ``tarball_files``)."""
    out.notes.extend(_links_not_there(fs, label))
    read: list[tuple[str, Node, LockfileMatch, str]] = []
    records: _Records = {}  # the package managers' records of node_modules folders, once each
    workspaces = CatalogFiles()
    named = named_lockfiles(fs, label, out.errors)
    _yarn_catalogs(fs, label, workspaces)
    renamed = modules_folders(fs.nodes)
    out.errors.extend(_linked_modules(fs, label, renamed))
    inside = tuple(f"{folder}/" for folder in renamed)
    for path in sorted(fs.nodes):
        node = fs.nodes[path]
        base = named.get(path) or lockfile_name(path.rpartition("/")[2])
        if base is None:
            continue
        folder = installed_folder(path, renamed)
        if folder is not None:
            _installed(fs, path, node, folder, label, index, out, records)
            continue
        if NODE_MODULES in path.split("/")[:-1] or (inside and path.startswith(inside)):
            continue  # a package's own lockfile or package.json: not what the image installed
        graph = _parsed(parsed, path, node, base)
        match = _lockfile(fs, path, node, base, f"{label}:/{path}", index, out, graph)
        workspaces.add(  # (a workspace file not read answers nothing)
            "/" + posixpath.dirname(path), match, workspace_file=base == PNPM_WORKSPACE
        )
        if match is not None:
            read.append((path, node, match, base))
    _linked_entries(fs, renamed, label, index, out)
    placed: list[PlacedMatch] = []
    for path, node, found, base in read:
        shown = f"{label}:/{path}"
        directory = "/" + posixpath.dirname(path)
        match, error = with_workspace_catalogs(found, directory, shown, workspaces, index, "/")
        if error is not None:
            out.errors.append(ScanIssue(shown, error))
        out.lockfiles += 1
        out.packages += match.packages
        out.notes.extend(ScanIssue(shown, n) for n in match.notes)
        out.errors.extend(ScanIssue(shown, e) for e in match.entry_errors)
        out.scanned.append(shown)
        out.findings.extend(placed_finding(f, label, node, "/" + path) for f in match.findings)
        if match.declared:
            declared = tuple(
                msgspec.structs.replace(
                    d, finding=placed_finding(d.finding, label, node, "/" + path)
                )
                for d in match.declared
            )
            match = replace(match, declared=declared)
        placed.append(PlacedMatch(directory, shown, match, base))
    if any(p.match.declared for p in placed):
        links = {"/" + link: "/" + end for link, end in _image_links(fs).items()}
        declared_findings, declared_notes = resolve_declared(placed, "/", links)
        out.findings.extend(declared_findings)
        out.notes.extend(ScanIssue(p, msg) for p, msg in declared_notes)


def _entry_tree(path: str, renamed: Collection[str]) -> str | None:
    """The install tree (its top ``node_modules``, or yarn 1's renamed folder) whose package
    entry or scope folder ``path`` is (``node_modules/<name>``, ``node_modules/@scope/<name>``,
    ``node_modules/@scope`` at any depth, no name starting with ``.``); None for any other
    path."""
    folder, _, name = path.rpartition("/")
    if not name or name[0] == ".":
        return None
    parent = folder.rpartition("/")[2]
    if parent[:1] == "@" and len(parent) > 1 and name[0] != "@":
        folder = folder.rpartition("/")[0]
    elif name == "@":
        return None
    if folder.rpartition("/")[2] != NODE_MODULES and folder not in renamed:
        return None
    parts = path.split("/")
    if NODE_MODULES in parts:
        return "/".join(parts[: parts.index(NODE_MODULES) + 1])
    return min((r for r in renamed if path.startswith(r + "/")), key=len, default=None)


def _linked_entries(
    fs: Filesystem, renamed: Collection[str], label: str, index: RuleIndex, out: ImageScanOutput
) -> None:
    """Each package entry that is a symbolic link to a folder of its own install tree that the
    scan does not read as a package (``node_modules/kind-of -> .evil/is-number``): its
    package.json read as the package ``require()`` loads there, named by the link's place, no
    record's hint applied (decision 0152, as 0150 for ``-host``). Where it leads is as a
    runtime goes (``Filesystem.through_links``: in the image, an absolute target from its root;
    a loop ends nowhere). A link to a folder read as a package (pnpm's into ``.pnpm``) reads
    nothing more; one out of its tree is not followed, as ``-host`` does (decision 0050); no
    folder is entered through a link, so nothing loops. A scope folder linked to a folder of
    its tree not read as one is an error (``SCOPE_LINK_IN_TREE``): its packages are not read."""
    for path, node in list(fs.nodes.items()):
        if node.kind is not NodeKind.SYMLINK:
            continue
        tree = _entry_tree(path, renamed)
        if tree is None:
            continue
        if node.linked or node.target is None:
            end = fs.through_links(path)
        else:  # (no link above it: where it leads is its target's, one look-up when no link)
            there = posixpath.join(posixpath.dirname(path), node.target)
            end = fs.through_links(posixpath.normpath("/" + there).lstrip("/"))
        if end is None or (end != tree and not end.startswith(tree + "/")):
            continue
        found = fs.nodes.get(end)
        manifest_path = f"{end}/{MANIFEST}"
        if found is None or found.kind is not NodeKind.DIR:
            continue
        name = path.rpartition("/")[2]
        if name[0] == "@":  # a scope folder: its packages are read only in one the scan reads
            above, _, base = end.rpartition("/")
            scope_read = base[:1] == "@" and (
                above.rpartition("/")[2] == NODE_MODULES or above in renamed
            )
            if not scope_read and fs.children.get(end):
                out.errors.append(ScanIssue(f"{label}:/{path}", SCOPE_LINK_IN_TREE))
            continue
        if installed_folder(manifest_path, renamed) is not None:
            continue  # (read where it is)
        manifest = fs.nodes.get(manifest_path)
        if manifest is None:
            continue
        scope = posixpath.dirname(path).rpartition("/")[2]
        folder = f"{scope}/{name}" if scope[:1] == "@" else name
        shown = f"{path}/{MANIFEST}"
        _installed(fs, shown, manifest, folder, label, index, out, {}, through_link=True)


def _yarn_catalogs(fs: Filesystem, label: str, files: CatalogFiles) -> None:
    """The catalogs of each ``.yarnrc.yml`` of the image (yarn 4.10+, decision 0056) in
    ``files``, or why one is not read (said where a manifest's ``catalog:`` references would
    have been answered by it, as -dir says it)."""
    from gouvernante.lockfiles import pnpm_workspace  # noqa: PLC0415 - .yarnrc.yml only

    for path, node in fs.nodes.items():
        folder, _, base = path.rpartition("/")
        if base != YARNRC or NODE_MODULES in path.split("/")[:-1]:
            continue
        shown = f"{label}:/{path}"
        directory = "/" + folder
        unread = _not_a_file(node)
        if unread is not None:
            files.yarnrc[directory] = f"{shown}: {unread}"
            continue
        if node.kind is not NodeKind.FILE or node.data is None:
            continue
        try:
            lockfile_setting(node.data, shown)  # (a file not read exactly: nor its catalogs)
            catalogs = pnpm_workspace.yarnrc_catalogs(node.data, shown)
        except GouvernanteError as exc:
            files.yarnrc[directory] = f"{shown}: {exc.located()}"
            continue
        if catalogs is not None:
            files.yarnrc[directory] = catalogs


def _parsed(
    parsed: Parsed | None, path: str, node: Node, base: str
) -> LockfileGraph | GouvernanteError | None:
    """The graph (or the error) ``tarball_files`` had from the very bytes of ``path``, given up
    to its one reader; None when it did not parse them."""
    kept = parsed.files.pop(path, None) if parsed is not None else None
    if kept is None or kept[0] is not node.data or kept[1] != base:
        return None
    return kept[2]


def _lockfile(  # noqa: PLR0917 - one private helper of scan_filesystem
    fs: Filesystem,
    path: str,
    node: Node,
    base: str,
    shown: str,
    index: RuleIndex,
    out: ImageScanOutput,
    parsed: LockfileGraph | GouvernanteError | None = None,
) -> LockfileMatch | None:
    """The match of one lockfile or manifest of the image, or None (an error said why, or not
    a file); ``parsed``: what parsing its bytes gave before (``tarball_files``)."""
    unread = _not_a_file(node)
    if unread is not None:
        out.errors.append(ScanIssue(shown, unread))
        return None
    if node.kind is not NodeKind.FILE or node.data is None:
        return None
    catalogs = None
    try:
        if isinstance(parsed, GouvernanteError):
            raise parsed
        if parsed is not None:
            graph = parsed
        elif base == PNPM_WORKSPACE:
            from gouvernante.lockfiles import pnpm_workspace  # noqa: PLC0415 - workspace only

            graph, workspace = pnpm_workspace.parse_with_workspace(node.data, shown)
            catalogs = workspace.catalogs
        else:
            own = own_lockfile_in(posixpath.dirname(path), partial(_holds_file, fs))
            graph = parse_bytes(node.data, shown, base, own_lockfile=own)
    except GouvernanteError as exc:
        where = exc.located()
        out.errors.append(ScanIssue(shown, where))
        return None
    if needs_manifest(graph):
        graph = _with_manifest_beside(fs, graph, path)
    if graph.unnamed_tarballs:
        graph = _with_tarball_releases(fs, graph, path, shown)
    workspace_file = base == PNPM_WORKSPACE
    return match_lockfile(graph, index, shown, workspace=workspace_file, catalogs=catalogs)


def _holds_file(fs: Filesystem, path: str) -> bool:
    """Does the merged image hold a regular file at ``path``, with no symbolic link among the
    folders above it (``lockfiles.own_lockfile_in``: links are never followed)?"""
    node = fs.nodes.get(path)
    if node is None or node.kind is not NodeKind.FILE:
        return False
    folder = posixpath.dirname(path)
    while folder:
        above = fs.nodes.get(folder)
        if above is not None and above.kind is NodeKind.SYMLINK:
            return False
        folder = posixpath.dirname(folder)
    return True


LINKED = "a symbolic link in the image: not followed"


def _not_a_file(node: Node) -> str | None:
    """Why a lockfile, manifest or ``.yarnrc.yml`` of the image is not read: a symbolic link
    (never followed) or a device or FIFO (what it holds is known only when it is read, as
    ``-dir`` says of one); None for a file or folder."""
    if node.kind is NodeKind.SYMLINK:
        return LINKED
    what = special(node)
    return None if what is None else f"not a regular file ({what}); refusing to read it"


def placed_finding(f: Finding, label: str, node: Node, path: str) -> Finding:
    if f.type is FindingType.INSTALLED:
        return msgspec.structs.replace(f, image=label, layer=node.digest, path=path)
    return msgspec.structs.replace(f, lockfile=path, image=label, layer=node.digest)


# node follows a package.json that is a symbolic link; links in an image are never followed
LINKED_MANIFEST = (
    "a symbolic link in the image: not followed, so the package installed here is unknown"
)


def _installed(  # noqa: PLR0917 - one private helper of scan_filesystem
    fs: Filesystem,
    path: str,
    node: Node,
    folder: str,
    label: str,
    index: RuleIndex,
    out: ImageScanOutput,
    records: _Records,
    *,
    through_link: bool = False,
) -> None:
    """One installed package.json at ``path`` (``folder``: the name it is installed under);
    ``through_link``: read at a link's place (``_linked_entries``), no record's hint applied."""
    shown = f"{label}:/{path}"
    if node.kind is NodeKind.SYMLINK:
        # (a symlinked package folder has no node below it: never followed, as with -host)
        out.errors.append(ScanIssue(shown, LINKED_MANIFEST))
        return
    unread = _not_a_file(node)
    if unread is not None:
        out.errors.append(ScanIssue(shown, unread))
        return
    if node.kind is not NodeKind.FILE or node.data is None:
        return
    manifest = read_manifest(node.data)
    if manifest is None:
        out.errors.append(ScanIssue(shown, NOT_A_MANIFEST))
        return
    if not folder and yarn_stub(manifest):
        return
    out.installed += 1
    package_dir = posixpath.dirname(path)
    name, version, scripts = installed_release(
        manifest, folder, lambda: f"{package_dir}/binding.gyp" in fs.nodes
    )
    names = index.names
    # what the package manager recorded here, where it is not what the package.json says
    recorded = [
        r
        for r in (
            ()
            if through_link
            else _recorded_releases(fs, package_dir, layer=node.layer, cache=records)
        )
        if not same_release(name, version, r)
    ]
    if (name not in names and not any(r.name in names for r in recorded)) or (
        pnpm_local_copy(package_dir, name, "/")
        or (folder and folder != name and pnpm_local_copy(package_dir, folder, "/"))
    ):
        return
    copy = (
        None
        if through_link
        else _recorded_copy(fs, package_dir, folder, name, layer=node.layer, cache=records)
    )
    if copy is not None and not local_tarball(copy[0]):  # (a packed tarball: decision 0072)
        if package_hits(index, name, version, None):
            note = local_copy_note(name, version, f"{label}:/{copy[1]}")
            out.notes.append(ScanIssue(f"{label}:/{package_dir}", note))
        return
    for record in recorded:
        shown_record = replace(record, record=f"{label}:/{record.record}")
        note = disagreement_note(name, version, shown_record)
        out.notes.append(ScanIssue(f"{label}:/{package_dir}", note))
    if name in names:
        unknown = unknown_version(index, name, version)
        if unknown is not None:
            out.errors.append(ScanIssue(shown, unknown))
    releases = dict.fromkeys([(name, version), *((r.name, r.version) for r in recorded)])
    for release_name, release_version in releases:
        for hit in package_hits(index, release_name, release_version, None):
            finding = package_finding(
                hit,
                kind=FindingType.INSTALLED,
                name=release_name,
                version=release_version,
                path="/" + package_dir,
                where=f"image {label}",
                install_scripts=scripts,
            )
            out.findings.append(msgspec.structs.replace(finding, image=label, layer=node.digest))


def _with_manifest_beside(fs: Filesystem, graph: LockfileGraph, path: str) -> LockfileGraph:
    """npm v1 and yarn classic do not record the project's own dependencies: the package.json
    beside the lockfile in the image does (as ``pipeline`` does on disk)."""
    folder = posixpath.dirname(path)
    node = fs.nodes.get(posixpath.join(folder, MANIFEST))
    if path.endswith("/" + MANIFEST) or path == MANIFEST:
        return graph
    if node is None or node.kind is not NodeKind.FILE or node.data is None:
        return with_manifest_beside(graph, None)
    try:
        manifest = parse_manifest(node.data, path)
    except GouvernanteError:
        return with_manifest_beside(graph, None)
    members = _workspace_members(fs, folder, manifest.workspaces)
    read: dict[str, LockfileGraph] = {}
    for member, (_name, data) in members.items() if reads_member_manifests(graph) else ():
        try:
            read[posix_relative(member, folder)] = parse_manifest(data, member + "/" + MANIFEST)
        except GouvernanteError:
            continue  # (its own error is the file's, reported where it is read)
    names = {name for name, _data in members.values()}
    return with_manifest_beside(graph, manifest, names, read)


def _with_tarball_releases(
    fs: Filesystem, graph: LockfileGraph, path: str, shown: str
) -> LockfileGraph:
    """A yarn lockfile's ``file:`` tarballs named by their package.json, read from the image's
    merged layers where the lockfile says they are (``tarball_files``: inside its folder, a
    regular file; no link followed), as ``pipeline`` reads them on disk. One not there, not
    read or damaged stays unnamed (an entry error when a rule may name it)."""
    folder = posixpath.dirname(path)
    releases: dict[str, tuple[str, str]] = {}
    for node_id, relative in graph.unnamed_tarballs:
        node = fs.nodes.get(posixpath.join(folder, relative)) if relative else None
        if node is None or node.kind is not NodeKind.FILE or node.data is None:
            continue
        release = tarball_release(f"{shown}: {relative}", node.data)
        if release is not None:
            releases[node_id] = release
    return with_tarball_releases(graph, releases)


def _workspace_members(
    fs: Filesystem, folder: str, patterns: Sequence[str]
) -> dict[str, tuple[str, bytes]]:
    """The workspace folders the patterns match -> the name and bytes of their package.json
    (``match.placing.workspace_members``, as every mode lists them)."""
    if not patterns:
        return {}
    suffix = "/" + MANIFEST
    held = {
        p[: -len(suffix)]: node
        for p, node in fs.nodes.items()
        if p.endswith(suffix) and node.data is not None
    }
    held = with_links(held, _image_links(fs))

    def name_of(directory: str) -> str | None:
        data = held[directory].data
        return manifest_name(data) if data is not None else None

    named = workspace_members(folder, patterns, held, name_of)
    return {d: (name, data) for d, name in named.items() if (data := held[d].data) is not None}


def _image_links(fs: Filesystem) -> dict[str, str]:
    """Each symbolic link of the image (none below ``node_modules``: installs) -> where it
    leads (``Filesystem.through_links``, as a runtime follows it: an absolute target from the
    image's root); a loop leads nowhere. npm, pnpm and yarn 1 install a workspace member that
    is a link at the link's path (decision 0113)."""
    out: dict[str, str] = {}
    for path, node in fs.nodes.items():
        if node.kind is not NodeKind.SYMLINK or NODE_MODULES in path.split("/"):
            continue
        end = fs.through_links(path)
        if end is not None and end != path:
            out[path] = end
    return out
