"""Payload hashes without a path (a rule's ``file_hashes``) against installed and cached packages.

The installed-package and cache scanners call this module for every package they meet (a
``PayloadHook`` on the ``Collector``), so no folder is listed twice: the files of each package
folder (its own, never a nested ``node_modules``, never through a symlink), every member of a yarn
berry zip, and the members of an npm cache tarball of a package some rule names. Which files and
how much: ``fs.digest``. A match is an ``installed_package`` or ``cached_package`` finding with
match ``hash`` naming the file (``ARCHIVE!/MEMBER`` inside an archive).
"""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from gouvernante.errors import InputError
from gouvernante.fs.digest import (
    ContentHasher,
    is_candidate,
    tar_members,
    zip_member,
    zip_members,
)
from gouvernante.fs.read import Unread, read_small
from gouvernante.fs.walk import walk
from gouvernante.lockfiles.package_json import manifest_release
from gouvernante.match.hits import rule_finding
from gouvernante.model import Finding, FindingType, HashResult, MatchKind, ScanIssue
from gouvernante.rules.model import ContentHash, Rule

if TYPE_CHECKING:
    from gouvernante.match.hits import Place

__all__ = ["PayloadScanner", "payload_table"]

_BERRY_VERSION = re.compile(r"-npm-(.+?)-[0-9a-f]{10}-[0-9a-z]+\.zip$")
_PRUNE = frozenset({"node_modules", ".git"})
MAX_FILES_PER_PACKAGE = 50_000
MAX_INDEX_BYTES = 64 * 1024 * 1024  # a pnpm index file (as host.caches)
# the index of a pnpm package with no integrity: ``vN/<package id>/<one of these>`` (with
# ``integrity.json`` when pnpm ran its scripts, ``integrity-not-built.json`` when not)
PNPM_ID_INDEXES = ("integrity.json", "integrity-not-built.json")

# member name -> (package, version) it belongs to
_Owner = Callable[[str], tuple[str | None, str | None]]


def payload_table(rules: Sequence[Rule]) -> dict[str, list[tuple[Rule, ContentHash]]]:
    """SHA-256 hex -> the rules (and entries) naming it."""
    table: dict[str, list[tuple[Rule, ContentHash]]] = {}
    for rule in rules:
        for entry in rule.file_hashes:
            table.setdefault(entry.value, []).append((rule, entry))
    return table


class PayloadScanner:
    """Hashes what the host scanners hand it; findings, errors and a measured summary."""

    def __init__(
        self,
        rules: Sequence[Rule],
        hasher: ContentHasher | None = None,
    ) -> None:
        self.table = payload_table(rules)
        self.hasher = hasher or ContentHasher()
        self.findings: list[Finding] = []
        self.errors: list[ScanIssue] = []
        self.notes: list[ScanIssue] = []
        self._folders: set[tuple[int, int]] = set()
        self.folders_again = 0

    def __bool__(self) -> bool:
        return bool(self.table)

    # --- what the scanners call ----------------------------------------------------------

    def package_dir(
        self, path: str, name: str | None, version: str | None, kind: FindingType, where: str
    ) -> None:
        """The files of one package folder (installed, or an unpacked cache entry); a folder
        met again (the same tree reached through two locations) is not listed again."""
        try:
            st = os.stat(path)
        except OSError:
            return  # gone since it was listed: the scanner reading its manifest said so
        folder = (st.st_dev, st.st_ino)
        if folder in self._folders:
            self.folders_again += 1
            return
        self._folders.add(folder)
        hasher = self.hasher
        for file_path in self._files(path):
            got = hasher.file(file_path)
            if got is None:
                continue
            if isinstance(got, Unread):
                if got.is_error:
                    self.errors.append(ScanIssue(file_path, got.reason))
                continue
            if got in self.table:
                self._found(
                    got, shown=file_path, name=name, version=version, kind=kind, where=where
                )

    def zip_archive(self, path: str, where: str) -> None:
        """Every candidate member of a yarn berry zip (``node_modules/<name>/...`` inside)."""
        if not self.hasher.first_visit(path):
            return
        m = _BERRY_VERSION.search(os.path.basename(path))
        version = m.group(1) if m else None

        def owner(member: str) -> tuple[str | None, str | None]:
            name = _zip_package(member)
            if name is None or version is not None:
                return name, version
            # file:, patch:, git: zips carry no version in their name: the package.json inside
            manifest = zip_member(
                path, f"node_modules/{name}/package.json", 1 << 20, self.hasher.limits
            )
            release = manifest_release(manifest) if manifest is not None else None
            return (
                (name, release[1]) if release is not None and release[0] == name else (name, None)
            )

        members = zip_members(path, self.hasher.cap, self.hasher.limits)
        self._members(path, members, owner, where)

    def tarball(self, path: str, name: str, version: str, where: str) -> None:
        """Every candidate member of a cached package tarball (``package/...`` inside), read as
        node-tar reads it (gzip, zstd or a plain tar: npm 11 installs each from its cache)."""
        if not self.hasher.first_visit(path):
            return
        members = tar_members(path, self.hasher.cap, self.hasher.limits, node_tar=True)
        self._members(path, members, lambda _member: (name, version), where)

    def pnpm_index(self, path: str, name: str, version: str, where: str) -> None:
        """The store's copies of the files a pnpm index file (``vN/{index,files}/xx/<file>`` or
        ``vN/<package id>/integrity[-not-built].json``) lists (``files: {member: {integrity,
        mode, size}}``): content-addressed at ``<store>/vN/files/<hex[:2]>/<hex[2:]>`` (``-exec``
        for an executable), hashed like installed files (they are hard-linked into installs)."""
        data = read_small(path, MAX_INDEX_BYTES)
        if not isinstance(data, bytes):
            if data.is_error:
                self.errors.append(ScanIssue(path, data.reason))
            return
        try:
            index = json.loads(data)
        except (ValueError, RecursionError):
            self.errors.append(ScanIssue(path, "not a JSON document: its files were not compared"))
            return
        version_dir = os.path.dirname(os.path.dirname(path))  # vN/<package id>/<index>
        if os.path.basename(path) not in PNPM_ID_INDEXES:
            version_dir = os.path.dirname(version_dir)  # vN/{index,files}/xx/<index>
        self.pnpm_record(version_dir, index, name, version, where)

    def pnpm_record(
        self, version_dir: str, record: object, name: str, version: str, where: str
    ) -> None:
        """The store's copies of the files one package's index record lists: a v10-and-older
        index file's JSON (``files: {member: {integrity: "sha512-<base64>", mode, size}}``) or
        a pnpm 11+ ``index.db`` row's value (``algo: "sha512"``, ``files: {member: {digest:
        <hex>, mode, size}}``). ``version_dir``: the store's ``vN`` folder."""
        files = record.get("files") if isinstance(record, dict) else None
        if not isinstance(files, dict):
            return
        algo = record.get("algo") if isinstance(record, dict) else None
        for member, meta in files.items():
            content = _store_file(version_dir, member, meta, self.hasher.cap, algo)
            if content is None:
                continue
            got = self.hasher.file(content)
            if isinstance(got, str) and got in self.table:
                self._found(
                    got,
                    shown=content,
                    label=f"{content} (the pnpm store's copy of {member})",
                    name=name,
                    version=version,
                    kind=FindingType.CACHED,
                    where=where,
                )
            elif isinstance(got, Unread) and got.is_error:
                self.errors.append(ScanIssue(content, got.reason))

    def summary(self, flag: str) -> ScanIssue:
        """The measured cost, as a note of the scan flag that ran it."""
        text = self.hasher.stats.summary(self.hasher.cap)
        if self.folders_again:
            text += f"; {self.folders_again} package folders met again, not listed again"
        return ScanIssue(flag, text)

    # --- internals -----------------------------------------------------------------------

    def _files(self, pkg_dir: str) -> Iterator[str]:
        count = 0
        for wd in walk(
            pkg_dir,
            prune=lambda name, _path: name in _PRUNE,
            on_error=lambda p, msg: self.errors.append(ScanIssue(p, msg)),
        ):
            for file_name in wd.files:
                if file_name in wd.links or not is_candidate(file_name):
                    continue
                count += 1
                if count > MAX_FILES_PER_PACKAGE:
                    self.notes.append(
                        ScanIssue(
                            pkg_dir,
                            f"more than {MAX_FILES_PER_PACKAGE} candidate files: the rest were "
                            "not hashed",
                        )
                    )
                    return
                yield os.path.join(wd.path, file_name)

    def _members(
        self,
        path: str,
        members: Iterator[tuple[str, bytes | None]],
        owner: _Owner,
        where: str,
    ) -> None:
        hasher = self.hasher
        try:
            for member, body in members:
                if body is None:
                    hasher.stats.over_cap += 1
                    continue
                digest = hasher.member(body)
                if digest in self.table:
                    name, version = owner(member)
                    shown = f"{path}!/{member}"
                    self._found(
                        digest,
                        shown=shown,
                        name=name,
                        version=version,
                        kind=FindingType.CACHED,
                        where=where,
                    )
        except InputError as exc:
            self.errors.append(ScanIssue(path, exc.detail))

    def _found(
        self,
        digest: str,
        *,
        shown: str,
        name: str | None,
        version: str | None,
        kind: FindingType,
        where: str,
        label: str | None = None,
    ) -> None:
        owner = f"{name}@{version}" if name and version else name or "an unnamed package"
        verb = "installed" if kind is FindingType.INSTALLED else "cached"
        for rule, entry in self.table[digest]:
            text = (
                f"{label or shown} has the SHA-256 of a payload named by {rule.id}; it is part of "
                f"{owner}, {verb} in {where}"
            )
            if entry.notes:
                text += f" ({entry.notes})"
            place: Place = {"path": shown, "hashes": (HashResult("sha256", digest, True),)}
            if name:
                place["package"] = name
                place["version"] = version
            self.findings.append(rule_finding(rule, kind, MatchKind.HASH, text, **place))


def _store_file(
    version_dir: str, member: str, meta: object, cap: int, algo: object = None
) -> str | None:
    """Where the pnpm store keeps a listed file, if it is a candidate within the cap: by its
    ``integrity`` (v10 and older) or, with ``algo`` "sha512", its hex ``digest`` (pnpm 11+)."""
    if not isinstance(member, str) or not isinstance(meta, dict):
        return None
    if not is_candidate(member.rpartition("/")[2]):
        return None
    size, mode = meta.get("size"), meta.get("mode")
    if not isinstance(size, int) or size > cap:
        return None
    digest = _store_digest(meta, algo)
    if digest is None:
        return None
    path = os.path.join(version_dir, "files", digest[:2], digest[2:])
    if isinstance(mode, int) and mode & 0o111 and os.path.lexists(path + "-exec"):
        return path + "-exec"
    return path


def _store_digest(meta: dict[object, object], algo: object) -> str | None:
    """A listed file's SHA-512 in hex (the store's file name), or None."""
    integrity, hexdigest = meta.get("integrity"), meta.get("digest")
    if isinstance(integrity, str):
        algorithm, dash, b64 = integrity.partition("-")
        if algorithm != "sha512" or not dash:
            return None
        try:
            digest = base64.b64decode(b64, validate=True).hex()
        except ValueError:
            return None
    elif isinstance(hexdigest, str) and algo == "sha512":
        digest = hexdigest
    else:
        return None
    if len(digest) != 128 or digest.strip("0123456789abcdef"):
        return None
    return digest


def _zip_package(member: str) -> str | None:
    """The package a berry zip member belongs to: ``node_modules/@s/n/x.js`` -> ``@s/n``."""
    parts = member.split("/")
    try:
        at = len(parts) - 1 - parts[::-1].index("node_modules")
    except ValueError:
        return None
    rest = parts[at + 1 : -1]
    if rest and rest[0].startswith("@") and len(rest) >= 2:
        return f"{rest[0]}/{rest[1]}"
    return rest[0] if rest else None
