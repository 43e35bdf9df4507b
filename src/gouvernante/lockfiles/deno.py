"""deno.lock: the npm packages Deno resolved (lockfile versions 1 to 5; decision 0053).

Shapes, as deno writes them (``tests/lockfiles/fixtures/deno/generate.sh``)::

    v2 (deno 1.28-1.39)  {"version": "2", "remote": {...},
                          "npm": {"specifiers": {"chalk@5": "chalk@5.0.1"},
                                  "packages": {"chalk@5.0.1": {"integrity": "sha512-...",
                                                               "dependencies": {"x": "x@1.0.0"}}}}}
    v3 (deno 1.40-1.46)  {"version": "3",
                          "packages": {"specifiers": {"npm:chalk@5": "npm:chalk@5.0.1"},
                                       "npm": {<id>: <entry as v2>}}, ...}
    v4 (deno 2.0-2.2)    {"version": "4", "specifiers": {"npm:chalk@5": "5.0.1"},
                          "npm": {<id>: {"integrity": "...", "dependencies": ["x", ...]}},
                          "workspace": {"dependencies": [...], "members": {...}}}
    v5 (deno 2.3-)       v4, and per entry "optionalDependencies", "os", "cpu", "tarball", ...

An id is ``<name>@<version>``, followed by ``_<peer id>...`` when deno resolved the package for
particular peers (``react-dom@18.2.0_react@18.2.0``). A v4/v5 dependency is the bare name (the
one entry of that name), an id, or ``<alias>@npm:<id>``; v2/v3 map each alias to an id. Version
1 (deno before 1.28) records only remote module hashes: no npm package.

Only npm packages are read: JSR packages (``jsr``) come from another registry. ``remote`` (and
``redirects``) hold the URLs of ``https:`` imports: one of a known npm CDN naming an exact release
(``https://esm.sh/axios@1.14.1``) is that release (``cdn_release``; decision 0053).
Every dependency and specifier must name an entry of the file, else it is an entry error: a cut
or edited file could have lost the compromised entry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import msgspec

from gouvernante.errors import LockfileError
from gouvernante.fs.jsonpath import Document
from gouvernante.lockfiles import _sniff
from gouvernante.lockfiles._common import (
    json_errors,
    shape_error,
    split_at_version,
    version_label,
)
from gouvernante.lockfiles._tarball_url import built_url, injected, injection_error
from gouvernante.model import Importer, LockedPackage, LockfileFormat, LockfileGraph, Source
from gouvernante.safetext import key_segment

SUPPORTED = ("1", "2", "3", "4", "5")
ROOT_ID = ""  # the project's own node
_MAX_LISTED = 50

# A version as deno writes it in an id: plain semver (its ``parse_standard``), no leading "v".
_VERSION = re.compile(r"\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?")


class _Head(msgspec.Struct):
    version: object = msgspec.UNSET  # (absent: version 1; null is no version at all)


class _OldEntry(msgspec.Struct):
    """A v2/v3 ``npm`` entry: dependencies as alias -> id."""

    integrity: str | None = None
    dependencies: dict[str, str] = {}


class _Entry(msgspec.Struct):
    """A v4/v5 ``npm`` entry: dependencies as names, ids or ``alias@npm:id``."""

    integrity: str | None = None
    dependencies: list[str] = []
    optionalDependencies: list[str] = []
    tarball: str | None = None


class _V2Npm(msgspec.Struct, forbid_unknown_fields=True):
    specifiers: dict[str, str] = {}
    packages: dict[str, _OldEntry] = {}


# The sections are closed sets (``forbid_unknown_fields``): a section under a key deno does not
# write (a renamed "npm", "packages" or "specifiers") would hold entries nobody reads, so the
# file is refused rather than read as having none.
class _V2(msgspec.Struct, forbid_unknown_fields=True):
    version: str
    npm: _V2Npm = msgspec.field(default_factory=_V2Npm)
    remote: dict[str, str] = {}
    redirects: dict[str, str] = {}


class _V3Packages(msgspec.Struct, forbid_unknown_fields=True):
    specifiers: dict[str, str] = {}
    npm: dict[str, _OldEntry] = {}
    jsr: msgspec.Raw = msgspec.Raw()


class _V3(msgspec.Struct, forbid_unknown_fields=True):
    version: str
    packages: _V3Packages = msgspec.field(default_factory=_V3Packages)
    redirects: dict[str, str] = {}
    remote: dict[str, str] = {}
    workspace: _Workspace | None = None


class _Deps(msgspec.Struct):
    dependencies: list[str] = []
    devDependencies: list[str] = []
    optionalDependencies: list[str] = []
    peerDependencies: list[str] = []


class _Member(msgspec.Struct):
    dependencies: list[str] = []
    packageJson: _Deps | None = None


class _Workspace(msgspec.Struct):
    dependencies: list[str] = []
    packageJson: _Deps | None = None
    members: dict[str, _Member] = {}
    # local packages used in place of npm ones (``links``; ``patches`` in early v4)
    links: dict[str, msgspec.Raw] = {}
    patches: dict[str, msgspec.Raw] = {}


class _V4(msgspec.Struct, forbid_unknown_fields=True):
    version: str
    specifiers: dict[str, str] = {}
    jsr: msgspec.Raw = msgspec.Raw()
    npm: dict[str, _Entry] = {}
    redirects: dict[str, str] = {}
    remote: dict[str, str] = {}
    workspace: _Workspace | None = None


_HEAD = msgspec.json.Decoder(_Head)
_V1 = msgspec.json.Decoder(dict[str, str])
_DECODERS: dict[str, msgspec.json.Decoder[_V2 | _V3 | _V4]] = {
    "2": msgspec.json.Decoder(_V2),
    "3": msgspec.json.Decoder(_V3),
    "4": msgspec.json.Decoder(_V4),
    "5": msgspec.json.Decoder(_V4),
}


def sniff(head: bytes) -> bool:
    return _sniff.deno(head)  # (in ``_sniff``: detection imports nothing of this module)


def parse(data: bytes, path: str) -> LockfileGraph:
    # (msgspec reads the bytes; json_errors words a refusal, invalid UTF-8 included)
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    with json_errors(path, body):
        try:
            head = _HEAD.decode(body)
        except msgspec.ValidationError:
            raise LockfileError(path, "not a JSON object (expected a deno.lock)") from None
    version = head.version
    if version is msgspec.UNSET:  # version 1: URL -> hash, nothing else
        with json_errors(path, body):
            try:
                remote = _V1.decode(body)
            except msgspec.ValidationError as exc:
                raise shape_error(
                    path, exc, "deno.lock", Document.of_json(body, _V1.decode)
                ) from None
        reader = _Reader(body, "npm", remote)
        return reader.graph([], {ROOT_ID: []}, [Importer(ROOT_ID, "(root)", "")])
    if not isinstance(version, str) or version not in _DECODERS:
        raise LockfileError(
            path,
            f"unsupported deno.lock version {version_label(version)} (supported: "
            + ", ".join(SUPPORTED)
            + ")",
            json_path="version",
        )
    with json_errors(path, body):
        try:
            lock = _DECODERS[version].decode(body)
        except msgspec.ValidationError as exc:
            raise _shape_error(
                path, exc, Document.of_json(body, _DECODERS[version].decode)
            ) from None
    urls = [*lock.remote, *lock.redirects, *lock.redirects.values()]
    if isinstance(lock, _V2):
        return _Reader(body, "npm.packages", urls).old(lock.npm.packages, lock.npm.specifiers, "")
    if isinstance(lock, _V3):
        # (v3's workspace names specifiers only: every one is a root already)
        return _Reader(body, "packages.npm", urls).old(
            lock.packages.npm, lock.packages.specifiers, "npm:"
        )
    assert isinstance(lock, _V4)
    return _Reader(body, "npm", urls).new(lock)


def _shape_error(path: str, exc: msgspec.ValidationError, document: Document) -> LockfileError:
    message = str(exc)
    if not message.startswith("Object contains unknown field"):
        return shape_error(path, exc, "deno.lock", document)
    # (the key itself is the file's text: only where it is, never what, is said)
    if " - at `$" not in message:  # (msgspec names no path for the top level)
        return LockfileError(
            path,
            "a top-level key deno does not write in a file of this version (renamed, edited, or"
            " another version's layout?): what it holds would not be read",
        )
    where = message.rpartition(" - at `$")[2].rstrip("`").lstrip(".")
    if re.fullmatch(r"[A-Za-z0-9_.\[\]]*", where) is None:
        where = ""
    return LockfileError(
        path,
        "a key deno does not write at this level (renamed or edited?): what it holds would not"
        " be read",
        json_path=where or None,
    )


def exact_version(text: str) -> bool:
    """A version as deno writes it (plain semver, no leading "v")."""
    return _VERSION.fullmatch(text) is not None


def split_id(node: str) -> tuple[str, str] | None:
    """``(name, version)`` of an id (``@s/x@1.0.0_peer@2.0.0`` -> ``@s/x``, ``1.0.0``); None when
    it is not ``<name>@<version>``."""
    name, rest = split_at_version(node)
    version = rest.partition("_")[0]
    return (name, version) if rest and exact_version(version) else None


class _Reader:
    def __init__(self, body: bytes, section: str, urls: Iterable[str]) -> None:
        self.body = body
        self.section = section
        self.urls = urls
        self.errors: list[str] = []

    def where(self, key: str) -> str:
        return f"{self.section}{key_segment(key)}"

    def packages(
        self, entries: Mapping[str, _OldEntry | _Entry], local: frozenset[tuple[str, str]]
    ) -> list[LockedPackage]:
        out: list[LockedPackage] = []
        for key, entry in entries.items():
            found = split_id(key)
            if found is None:
                self.errors.append(
                    f"{self.where(key)}: expected <name>@<version> (this entry is not read)"
                )
                continue
            name, version = found
            integrity = entry.integrity
            tarball = entry.tarball if isinstance(entry, _Entry) else None
            source = Source.LOCAL if (name, version) in local else Source.REGISTRY
            out.append(LockedPackage(key, name, version, source, integrity, tarball))
            if source is not Source.REGISTRY:
                continue
            if tarball is not None:
                # deno downloads the URL it records (a registry not at its default address)
                other = injected(key, name, version, tarball, integrity)
                if other is not None:
                    self.errors.append(injection_error(f"{self.where(key)}.tarball", "deno"))
                    out.append(other)
                continue
            built = built_url(name, version)  # (None: a plain name, the common case)
            other = None if built is None else injected(key, name, version, built, integrity)
            if other is not None:
                # deno 2.9.6 fetched ms for the name "%6ds" or "./ms" (the registry decodes the
                # path) and installed it under the dependency's folder name
                self.errors.append(
                    f"{self.where(key)}: a name the registry reads as another package's; deno"
                    " installs that package (lockfile injection?)"
                )
                out.append(other)
        return out

    def target(self, node: str, entries: Mapping[str, object], where: str) -> str | None:
        if node in entries:
            return node
        self.errors.append(
            f"{where}: names no entry of {self.section} (truncated or edited lockfile?)"
        )
        return None

    def old(
        self,
        entries: Mapping[str, _OldEntry],
        specifiers: Mapping[str, str],
        prefix: str,
    ) -> LockfileGraph:
        """Versions 2 and 3: ids everywhere (``npm:``-prefixed in v3's specifiers)."""
        packages = self.packages(entries, frozenset())
        edges: dict[str, list[str]] = {}
        for key, entry in entries.items():
            targets = edges[key] = []
            for alias, node in entry.dependencies.items():
                found = self.target(
                    node, entries, f"{self.where(key)}.dependencies{key_segment(alias)}"
                )
                if found is not None:
                    targets.append(found)
        spec_section = "packages.specifiers" if prefix else "npm.specifiers"
        roots: list[str] = []
        for spec, value in specifiers.items():
            if prefix and not spec.startswith(prefix):
                continue  # (jsr: and other registries)
            node = value[len(prefix) :] if value.startswith(prefix) else value
            found = self.target(node, entries, f"{spec_section}{key_segment(spec)}")
            if found is not None:
                roots.append(found)
        edges[ROOT_ID] = roots
        return self.graph(packages, edges, [Importer(ROOT_ID, "(root)", "")])

    def new(self, lock: _V4) -> LockfileGraph:
        entries = lock.npm
        workspace = lock.workspace
        local = _linked(workspace) if workspace is not None else frozenset()
        packages = self.packages(entries, local)
        by_name: dict[str, list[str]] = {}
        for pkg in packages:
            if pkg.id in entries:
                by_name.setdefault(pkg.name, []).append(pkg.id)
        edges: dict[str, list[str]] = {}
        for key, entry in entries.items():
            targets = edges[key] = []
            for field, deps in (
                ("dependencies", entry.dependencies),
                ("optionalDependencies", entry.optionalDependencies),
            ):
                for index, dep in enumerate(deps):
                    found = self.dependency(
                        dep, entries, by_name, f"{self.where(key)}.{field}[{index}]"
                    )
                    if found is not None:
                        targets.append(found)
        resolved: dict[str, str] = {}  # npm: specifier -> id
        for spec, value in lock.specifiers.items():
            if not spec.startswith("npm:"):
                continue
            name = split_at_version(spec[4:])[0]
            found = self.target(f"{name}@{value}", entries, f"specifiers{key_segment(spec)}")
            if found is not None:
                resolved[spec] = found
        edges[ROOT_ID] = list(dict.fromkeys(resolved.values()))
        importers = [Importer(ROOT_ID, "(root)", "")]
        if workspace is not None:
            for folder, member in workspace.members.items():
                node = f"workspace:{folder}"
                importers.append(Importer(node, folder, folder))
                specs = [*member.dependencies]
                if member.packageJson is not None:
                    specs.extend(_declared(member.packageJson))
                edges[node] = [resolved[s] for s in specs if s in resolved]
        return self.graph(packages, edges, importers)

    def dependency(
        self,
        dep: str,
        entries: Mapping[str, _Entry],
        by_name: Mapping[str, list[str]],
        where: str,
    ) -> str | None:
        alias_at = dep.find("@npm:", 1)
        if alias_at > 0:
            return self.target(dep[alias_at + 5 :], entries, where)
        if dep.find("@", 1) > 0:
            return self.target(dep, entries, where)
        named = by_name.get(dep, ())
        if len(named) == 1:
            return named[0]
        if not named:
            return self.target(dep, entries, where)  # (no entry: its error)
        self.errors.append(f"{where}: a bare name with several entries of that name (edited?)")
        return None

    def graph(
        self,
        packages: Sequence[LockedPackage],
        edges: Mapping[str, Sequence[str]],
        importers: Sequence[Importer],
    ) -> LockfileGraph:
        served = _cdn_packages(self.urls)
        if served:
            packages = [*packages, *served]
            edges = {**edges, ROOT_ID: [*edges.get(ROOT_ID, ()), *(p.id for p in served)]}
        return LockfileGraph(
            LockfileFormat.DENO,
            packages,
            importers,
            details=DenoDetails(self.body, edges),
            entry_errors=self.listed_errors(),
        )

    def listed_errors(self) -> tuple[str, ...]:
        """The first ``_MAX_LISTED`` errors, then how many more (a cut file may have thousands)."""
        errors = tuple(dict.fromkeys(self.errors))
        if len(errors) <= _MAX_LISTED:
            return errors
        more = len(errors) - _MAX_LISTED
        return (*errors[:_MAX_LISTED], f"{self.section}: {more} more entry errors (not listed)")


# npm CDNs: the host, then what precedes "<name>@<version>" in the path. Each serves the
# registry release's own files (esm.sh and jspm build modules from them), so an https: import
# of one runs that release's code.
_CDNS = {
    "esm.sh": "",
    "cdn.esm.sh": "",
    "cdn.jsdelivr.net": "npm/",
    "fastly.jsdelivr.net": "npm/",
    "gcore.jsdelivr.net": "npm/",
    "unpkg.com": "",
    "cdn.skypack.dev": "",
    "ga.jspm.io": "npm:",
    "jspm.dev": "npm:",
}
_ESM_SH_PREFIX = re.compile(r"(?:v\d+/|stable/)?\*?")
_NAME = re.compile(r"(?:@[A-Za-z0-9._~-]+/)?[A-Za-z0-9._~-]+")


def cdn_release(url: str) -> tuple[str, str] | None:
    """``(name, version)`` of a URL of a known npm CDN naming an exact release
    (``https://esm.sh/v135/axios@1.14.1/denonext/axios.mjs``,
    ``https://cdn.jsdelivr.net/npm/@s/x@1.0.0/+esm``); None for any other URL or a range."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in ("https", "http"):
        return None
    host, _, path = rest.partition("/")
    prefix = _CDNS.get(host.lower())
    if prefix is None:
        return None
    path = path.partition("?")[0].partition("#")[0]
    if "%" in path:
        from urllib.parse import unquote  # noqa: PLC0415 - escaped URLs only (decision 0024)

        path = unquote(path)
    if not path.startswith(prefix):
        return None
    path = path[len(prefix) :]
    if not prefix:
        path = path[_ESM_SH_PREFIX.match(path).end() :]  # type: ignore[union-attr]
    at = path.find("@", 1)
    if at <= 0:
        return None
    name = path[:at]
    version = path[at + 1 :].partition("/")[0]
    if _NAME.fullmatch(name) is None or not exact_version(version):
        return None
    return name, version


def _cdn_packages(urls: Iterable[str]) -> list[LockedPackage]:
    """One package per release the remote modules (and redirects) name, the first URL its id."""
    out: dict[tuple[str, str], LockedPackage] = {}
    for url in urls:
        found = cdn_release(url)
        if found is not None and found not in out:
            out[found] = LockedPackage(url, found[0], found[1], Source.REGISTRY, None, url)
    return list(out.values())


def _declared(deps: _Deps) -> Iterable[str]:
    yield from deps.dependencies
    yield from deps.devDependencies
    yield from deps.optionalDependencies
    yield from deps.peerDependencies


def _linked(workspace: _Workspace) -> frozenset[tuple[str, str]]:
    """(name, version) of the local packages a workspace links in place of npm ones (keys
    ``npm:<name>@<version>``)."""
    out: set[tuple[str, str]] = set()
    for spec in (*workspace.links, *workspace.patches):
        if spec.startswith("npm:"):
            found = split_id(spec[4:])
            if found is not None:
                out.add(found)
    return frozenset(out)


class DenoDetails:
    """Edges (computed while reading) and the line of each entry, found on first ask."""

    def __init__(self, body: bytes, edges: Mapping[str, Sequence[str]]) -> None:
        self._body = body
        self._edges = edges

    def edges(self) -> Mapping[str, Sequence[str]]:
        return self._edges

    def line_of(self, node_id: str) -> int | None:
        if node_id == ROOT_ID or node_id.startswith("workspace:"):
            return None
        needle = msgspec.json.encode(node_id) + b":"
        at = self._body.find(b"\n" + b" " * 4 + needle)
        if at < 0:
            at = self._body.find(needle)
            if at < 0:
                return None
        else:
            at += 1
        return self._body.count(b"\n", 0, at) + 1
