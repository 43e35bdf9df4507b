"""SBOMs as package sets: CycloneDX JSON (1.4 to 1.7) and SPDX JSON (2.2, 2.3).

What a build pipeline's SBOM says was resolved, read into the same ``LockfileGraph`` a lockfile
parser returns, so ``inventory add -sbom`` records it like any lockfile and the same matcher
answers rules against it. Decision record: docs/decisions/0020-sbom-and-report-sources.md.

- A package's identity is its purl (``pkg:npm/%40scope/name@version``), never ``name``:
  ``npm sbom`` writes an alias's name (``my-lodash``) there. Only the spelling of a purl's name
  comes from ``name`` when the two differ by case alone: the purl spec lowercases npm names
  (``pkg:npm/jsonstream`` for the registry's ``JSONStream``), rules use the registry's; the
  purl's lowercased name is read too when it is not that (``pkg:npm/AXIOS`` is axios to a
  conforming reader: decision 0090). Only
  ``pkg:npm`` purls count; other components are ignored and counted, components without any
  purl are counted and said so.
- A component whose own fields (CycloneDX ``group``/``name`` and ``version``, SPDX ``name`` and
  ``versionInfo``) name another npm release than its purl is read as both releases: which one
  is installed cannot be told, and reading only one would let an edited or sloppy SBOM hide
  the other (decision 0083). A field left out (no ``version``, a ``name`` without the purl's
  scope, as ``npm sbom`` writes a workspace) or one that is no npm name or version states
  nothing; ``npm sbom``'s alias name (``my-lodash`` for ``pkg:npm/lodash``) is read too.
- Hashes (CycloneDX ``hashes`` and a ``distribution`` reference's hashes, SPDX ``checksums``)
  become lockfile-style integrity (``sha512-<base64>``) for the integrity rules.
- The document's subject (CycloneDX ``metadata.component``, SPDX's single described package) is
  the project itself, like a lockfile's root: not a resolved package (decision 0090: matching
  it would report the upstream project's own repository at an affected version).
- A key given twice in any object refuses the SBOM, naming its JSON path: readers differ on
  which value counts (``_decode``; decision 0090).
- Workspaces and links come out with registry-looking purls. They are read as local packages
  (``Source.LOCAL``, never matched) only on the generator's own mark: cdxgen's
  ``cdx:npm:isWorkspace`` or ``cdx:npm:isLink``. Every other ``pkg:npm`` component is a registry
  release, and a note counts the ones that carry neither a hash nor a download location (how
  ``npm sbom``, cyclonedx-npm and pnpm write a workspace, and also a registry release whose
  lockfile entry lost ``integrity``: npm writes such lockfiles, decision 0083).
- Bounded: nesting deeper than ``MAX_DEPTH`` (CycloneDX ``components`` in components) or more
  than ``MAX_COMPONENTS`` entries is refused. A malformed npm purl or hash refuses the SBOM,
  naming the JSON path (``components[12].purl``), never the value.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar
from urllib.parse import unquote

import msgspec

from gouvernante.errors import LockfileError
from gouvernante.fs.jsonpath import Document
from gouvernante.lockfiles._common import (
    first_repeated_key,
    gc_paused,
    json_errors,
    may_repeat_a_key,
    shape_error,
)
from gouvernante.lockfiles._tarball_url import may_name_a_package, registry_identity
from gouvernante.model import (
    Importer,
    KnownEdges,
    LockedPackage,
    LockfileFormat,
    LockfileGraph,
    Source,
)
from gouvernante.purl import PurlProblem, split_npm_purl
from gouvernante.rules.loader import PACKAGE_NAME_RE

MAX_DEPTH = 32
MAX_COMPONENTS = 2_000_000
# 1.7 is the default of cdxgen 12.8.4 and pnpm 12.25.1: the fields read are as in 1.6.
CYCLONEDX_VERSIONS = ("1.4", "1.5", "1.6", "1.7")
SPDX_VERSIONS = ("SPDX-2.2", "SPDX-2.3")

_SRI_ALGORITHMS = {  # CycloneDX / SPDX algorithm -> (SRI prefix, digest bytes)
    "SHA-1": ("sha1", 20),
    "SHA1": ("sha1", 20),
    "SHA-256": ("sha256", 32),
    "SHA256": ("sha256", 32),
    "SHA-384": ("sha384", 48),
    "SHA384": ("sha384", 48),
    "SHA-512": ("sha512", 64),
    "SHA512": ("sha512", 64),
}
_HEX = re.compile(r"[0-9A-Fa-f]+")
_VERSION_OK = re.compile(r"[^\s\x00-\x1f\x7f]{1,256}")
LOCAL_PROPERTIES = frozenset({"cdx:npm:isWorkspace", "cdx:npm:isLink"})
# What ``-format cyclonedx`` writes in ``metadata.properties`` for each error of its scan.
SCAN_ERROR_PROPERTY = "gouvernante:scan_error"
NO_ASSERTION = "NOASSERTION"
_T = TypeVar("_T")


class SbomKind(StrEnum):
    CYCLONEDX = "cyclonedx"
    SPDX = "spdx"


# --- the shapes read (unknown fields are skipped) -------------------------------------------


class _Hash(msgspec.Struct, frozen=True):
    alg: str = ""
    content: str = ""


class _ExternalReference(msgspec.Struct, frozen=True):
    type: str = ""
    url: str = ""
    hashes: list[_Hash] = []


class _Property(msgspec.Struct, frozen=True):
    name: str = ""
    value: str | None = None


class _Component(msgspec.Struct, frozen=True, rename={"bom_ref": "bom-ref"}):
    type: str = ""
    group: str = ""
    name: str = ""
    version: str | None = None
    purl: str | None = None
    bom_ref: str | None = None
    hashes: list[_Hash] = []
    externalReferences: list[_ExternalReference] = []
    properties: list[_Property] = []
    components: list[_Component] = []


class _Dependency(msgspec.Struct, frozen=True):
    ref: str
    dependsOn: list[str] = []


class _Tool(msgspec.Struct, frozen=True):
    vendor: str | None = None
    group: str | None = None
    name: str | None = None
    version: str | None = None


class _Tools(msgspec.Struct, frozen=True):
    components: list[_Tool] = []


class _Metadata(msgspec.Struct, frozen=True):
    component: _Component | None = None
    tools: list[_Tool] | _Tools | None = None
    properties: list[_Property] = []


class _Service(msgspec.Struct, frozen=True, rename={"bom_ref": "bom-ref"}):
    bom_ref: str | None = None
    services: list[_Service] = []


class _Bom(msgspec.Struct, frozen=True):
    metadata: _Metadata | None = None
    components: list[_Component] = []
    services: list[_Service] = []
    dependencies: list[_Dependency] = []


class _Checksum(msgspec.Struct, frozen=True):
    algorithm: str = ""
    checksumValue: str = ""


class _SpdxRef(msgspec.Struct, frozen=True):
    referenceCategory: str = ""
    referenceType: str = ""
    referenceLocator: str = ""


class _Package(msgspec.Struct, frozen=True):
    SPDXID: str = ""
    name: str = ""
    versionInfo: str | None = None
    downloadLocation: str | None = None
    checksums: list[_Checksum] = []
    externalRefs: list[_SpdxRef] = []


class _Relationship(msgspec.Struct, frozen=True):
    spdxElementId: str = ""
    relatedSpdxElement: str = ""
    relationshipType: str = ""


class _CreationInfo(msgspec.Struct, frozen=True):
    creators: list[str] = []


class _Element(msgspec.Struct, frozen=True):
    SPDXID: str = ""


class _Spdx(msgspec.Struct, frozen=True):
    SPDXID: str = ""
    creationInfo: _CreationInfo | None = None
    documentDescribes: list[str] = []
    packages: list[_Package] = []
    files: list[_Element] = []
    snippets: list[_Element] = []
    relationships: list[_Relationship] = []


class _Head(msgspec.Struct, frozen=True, rename={"context": "@context"}):
    bomFormat: object = None
    specFormat: object = None  # CycloneDX 2.0 (cdxgen --spec-version 2)
    specVersion: object = None
    spdxVersion: object = None
    context: object = None  # JSON-LD: SPDX 3


# --- what is returned -------------------------------------------------------------------------


@dataclass(frozen=True)
class Sbom:
    """One SBOM read: its package graph and what was not taken from it."""

    kind: SbomKind
    spec_version: str
    graph: LockfileGraph
    subject: str | None  # the project the SBOM describes, "name@version" (for display)
    generator: str | None  # the first tool named, "name version"
    npm_components: int  # pkg:npm entries read (registry releases and local ones)
    local: int  # of those, workspaces and links (not matched against rules)
    ignored: int  # components of another ecosystem
    without_purl: int  # components with no purl: their ecosystem is unknown
    stated: int  # npm components also read as another release they state (fields, URL)


@dataclass(frozen=True)
class Purl:
    name: str
    version: str
    qualifiers: tuple[tuple[str, str], ...]


class _Refused(Exception):
    """A malformed value, with the JSON path where it is (the value is never shown)."""

    def __init__(self, json_path: str, message: str) -> None:
        super().__init__(message)
        self.json_path = json_path
        self.message = message


def parse_purl(purl: str, json_path: str) -> Purl | None:
    """``pkg:npm/...`` as (name, version, qualifiers); None for another package type."""
    try:
        split = split_npm_purl(purl)
    except PurlProblem as exc:
        raise _Refused(json_path, str(exc)) from None
    if split is None:
        return None
    if split.version is None:
        raise _Refused(json_path, "npm package URL without a version")
    if PACKAGE_NAME_RE.fullmatch(split.name) is None:
        raise _Refused(json_path, "npm package URL whose name is not an npm package name")
    if _VERSION_OK.fullmatch(split.version) is None:
        raise _Refused(json_path, "npm package URL whose version is empty or not one word")
    return Purl(split.name, split.version, _qualifiers(split.query, json_path))


def _spelled(purl: Purl, name: str) -> Purl:
    """The purl with the package's registry spelling: the purl spec lowercases npm names
    (``pkg:npm/jsonstream@1.3.5`` for ``JSONStream``, as cdxgen and syft write them), so when the
    component's own name equals the purl's ignoring case, that name is the package's (an alias
    ``npm sbom`` writes there differs by more than case and is left aside). ASCII case only:
    ``str.lower`` also folds other letters to ASCII ones (the Kelvin sign to ``k``), and a name
    spelled that way matched no rule."""
    if name != purl.name and name.isascii() and name.lower() == purl.name.lower():
        return Purl(name, purl.version, purl.qualifiers)
    return purl


def _stated(purl: Purl, name: str, version: str | None) -> Purl | None:
    """The release a component's own name and version fields state when it is not its purl's
    (``purl`` as ``_spelled`` made it); None when they agree, or say nothing the purl does not:
    an empty field, a ``name`` without the purl's scope (``npm sbom`` writes a workspace's folder
    name, ``core`` for ``pkg:npm/%40acme/core``), a value that is no npm name or version."""
    stated_name = name or purl.name
    _scope, slash, bare = purl.name.partition("/")
    if slash and stated_name == bare:
        stated_name = purl.name
    stated_version = version if version and version != NO_ASSERTION else purl.version
    if (stated_name, stated_version) == (purl.name, purl.version):
        return None
    if PACKAGE_NAME_RE.fullmatch(stated_name) is None or not _VERSION_OK.fullmatch(stated_version):
        return None
    return Purl(stated_name, stated_version, purl.qualifiers)


def _url_release(url: str, purl: Purl) -> Purl | None:
    """The registry release a download URL names (``<registry>/<name>/-/<base>-<version>.tgz``,
    read as the package managers read it: ``registry_identity``); None for any other URL. The
    yarn plugin names a URL dependency by its key (``pkg:npm/is-odd-url@3.0.1``) and gives the
    tarball it installs only as its ``distribution`` reference."""
    identity = registry_identity(url) if may_name_a_package(url) else None
    if identity is None or not _VERSION_OK.fullmatch(identity[1]):
        return None
    if PACKAGE_NAME_RE.fullmatch(identity[0]) is None:
        return None
    return Purl(identity[0], identity[1], purl.qualifiers)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _lowercased(written: Purl, spelled: Purl) -> Purl | None:
    """The purl spec's reading of a purl (purl-spec 1.0, ``npm``: names and scopes are not
    case-sensitive, "the name must be lowercased"), when it is not the release read already
    (``spelled``: the purl as written, or as the component's name spells it, ``_spelled``):
    ``pkg:npm/AXIOS@1.14.1`` is axios 1.14.1 to a conforming reader; ``pkg:npm/JSONStream``
    and ``pkg:npm/jsonstream`` named ``JSONStream`` are read as JSONStream and as jsonstream
    (an old name the registry has in both spellings: which one the purl means cannot be told).
    ASCII capitals only (see ``_spelled``)."""
    lower = written.name.translate(_ASCII_LOWER)
    if lower == spelled.name:
        return None
    return Purl(lower, written.version, written.qualifiers)


def _others(
    readings: Sequence[Purl],
    stated: Purl | None,
    urls: Sequence[str],
    lowered: Sequence[Purl] = (),
) -> list[Purl]:
    """The releases a component states besides its purls' (``readings``): its fields' (see
    ``_stated``), its download URLs' (a ``download_url`` qualifier, a CycloneDX
    ``distribution`` reference, SPDX ``downloadLocation``) and its purls' lowercased
    (``_lowercased``), each once."""
    seen = {(purl.name, purl.version) for purl in readings}
    out: list[Purl] = []
    for other in (stated, *(_url_release(url, readings[0]) for url in urls), *lowered):
        if other is not None and (other.name, other.version) not in seen:
            seen.add((other.name, other.version))
            out.append(other)
    return out


def _download_urls(purls: Sequence[Purl], *more: str | None) -> list[str]:
    urls = [value for purl in purls for key, value in purl.qualifiers if key == "download_url"]
    return urls + [url for url in more if url and url not in (NO_ASSERTION, "NONE")]


def _qualifiers(query: str, json_path: str) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for item in query.split("&") if query else ():
        key, eq, value = item.partition("=")
        if not eq or not key:
            raise _Refused(json_path, "package URL qualifier without key=value")
        out.append((key.lower(), unquote(value)))
    return tuple(out)


def integrity_of(alg: str, content: str, json_path: str) -> str | None:
    """A hex digest as SRI (``sha512-<base64>``); None for an algorithm npm does not use."""
    spec = _SRI_ALGORITHMS.get(alg.upper())
    if spec is None:
        return None
    prefix, size = spec
    if len(content) != 2 * size or _HEX.fullmatch(content) is None:
        raise _Refused(json_path, f"not a hex {alg.upper()} digest")
    try:
        raw = binascii.unhexlify(content)
    except binascii.Error:  # pragma: no cover - the pattern above admits only hex
        raise _Refused(json_path, "not a hex digest") from None
    return f"{prefix}-{base64.b64encode(raw).decode('ascii')}"


# --- reading ----------------------------------------------------------------------------------


_UTF8_BOM = b"\xef\xbb\xbf"
_XML = re.compile(rb"\s*<")
_TAG_VALUE = re.compile(rb"(?:\s|#[^\n]*\n)*SPDXVersion\s*:")
MAX_UNLISTED = 3  # dependency references to unlisted elements named in the error, at most


def sniff(head: bytes) -> bool:
    return b'"bomFormat"' in head or b'"spdxVersion"' in head


def parse_sbom(data: bytes, path: str) -> Sbom:
    """Read ``data`` as a CycloneDX or SPDX JSON SBOM; ``path`` is used in messages only."""
    start = bytes(data[:4096]).removeprefix(_UTF8_BOM)
    if _XML.match(start):
        raise LockfileError(path, "an XML document: only CycloneDX and SPDX JSON are read")
    if _TAG_VALUE.match(start):
        raise LockfileError(path, "an SPDX tag-value document: only SPDX JSON is read")
    with json_errors(path, data):
        try:
            head = msgspec.json.decode(data, type=_Head)
        except msgspec.ValidationError:
            raise LockfileError(path, "not an SBOM: the document is not a JSON object") from None
    try:
        if head.bomFormat == "CycloneDX":
            if head.specVersion not in CYCLONEDX_VERSIONS:
                raise LockfileError(
                    path,
                    f"CycloneDX specVersion not supported (read: {', '.join(CYCLONEDX_VERSIONS)})",
                )
            return _cyclonedx(data, path, str(head.specVersion))
        if head.spdxVersion is not None and head.bomFormat is None:
            if head.spdxVersion not in SPDX_VERSIONS:
                raise LockfileError(path, "SPDX spdxVersion not supported (read: 2.2, 2.3)")
            return _spdx(data, path, str(head.spdxVersion))
    except _Refused as exc:
        raise LockfileError(path, exc.message, json_path=exc.json_path) from None
    if head.specFormat == "CycloneDX":
        raise LockfileError(path, "CycloneDX 2 (specFormat) not supported (read: 1.4 to 1.7)")
    if isinstance(head.context, str) and "spdx" in head.context.lower():
        raise LockfileError(path, "SPDX 3 JSON-LD not supported (read: SPDX 2.2, 2.3 JSON)")
    raise LockfileError(path, "not a CycloneDX or SPDX JSON SBOM (no bomFormat or spdxVersion)")


# The fields named ``.field`` in a JSON path (any other key as ``['key']``).
_PATH_FIELDS = frozenset(
    field
    for struct in (_Bom, _Metadata, _Component, _Dependency, _Spdx, _Package)
    for field in struct.__struct_encode_fields__
)


def _decode(data: bytes, path: str, kind: type[_T], what: str) -> _T:
    """The document as ``kind``; a key given twice in any object is an error naming its JSON
    path: the readers of an SBOM do not agree on which value counts (``JSON.parse``, msgspec,
    Jackson keep the last, streaming and path readers such as gjson the first), so it cannot be
    one answer. Read once without a type (``may_repeat_a_key`` on it), then converted, the
    cyclic garbage collector paused (a tree of new objects without a cycle)."""
    with json_errors(path, data):
        tree = gc_paused(lambda: msgspec.json.decode(data))
        if may_repeat_a_key(data, tree):
            repeated = first_repeated_key(data, _PATH_FIELDS)
            if repeated is not None:
                raise LockfileError(
                    path,
                    "a key given twice (readers differ on which one counts: JSON.parse keeps"
                    " the last, others the first): not one answer, not read",
                    json_path=repeated[0],
                )
        try:
            return gc_paused(lambda: msgspec.convert(tree, type=kind))
        except msgspec.ValidationError as exc:
            raise shape_error(path, exc, what, Document.of_tree(tree, kind)) from None


class _Builder:
    """Packages, ids and counts of one SBOM as they are read."""

    def __init__(self) -> None:
        self.packages: list[LockedPackage] = []
        self.ids: set[str] = set()
        self.ignored = self.without_purl = self.unprovenanced = 0
        self.components = 0  # npm components read (each one package, or more: see _others)
        self.stated = 0  # of those, read as other releases too
        self.marked = 0  # local by the generator's own mark
        self.paths: dict[str, str] = {}  # node id -> the component's JSON path

    def node_id(self, wanted: str | None, json_path: str) -> str:
        node = wanted if wanted and wanted not in self.ids else json_path
        self.ids.add(node)
        self.paths.setdefault(node, json_path)
        return node

    def release(
        self,
        node: str,
        purl: Purl,
        others: Sequence[Purl],
        *,
        integrity: list[str],
        located: bool,
        marked_local: bool = False,
    ) -> list[str]:
        """One npm component read: its purl's release at ``node``, and each other release the
        component states (``_others``) at ``node#stated``, ``node#stated-2``... Returns the
        node ids."""
        self.components += 1
        self.add(node, purl, integrity=integrity, located=located, marked_local=marked_local)
        ids = [node]
        self.stated += bool(others)
        for k, other in enumerate(others):
            suffix = "#stated" if k == 0 else f"#stated-{k + 1}"
            ids.append(self.node_id(None, f"{self.paths[node]}{suffix}"))
            self.add(
                ids[-1],
                other,
                integrity=integrity,
                located=located,
                marked_local=marked_local,
                counted=False,
            )
        return ids

    def add(
        self,
        node: str,
        purl: Purl,
        *,
        integrity: list[str],
        located: bool,
        marked_local: bool = False,
        counted: bool = True,
    ) -> None:
        vcs = dict(purl.qualifiers).get("vcs_url")
        source = Source.GIT if vcs else Source.REGISTRY
        if not integrity and not located:
            if marked_local:
                source = Source.LOCAL
            self.marked += counted and marked_local
            self.unprovenanced += counted and not marked_local
        sri = " ".join(dict.fromkeys(integrity)) or None
        self.packages.append(LockedPackage(node, purl.name, purl.version, source, sri, vcs))

    def notes(self, generator: str | None) -> list[str]:
        out: list[str] = []
        if self.marked:
            out.append(
                f"{self.marked} npm components read as workspaces or links (marked so by"
                f" {generator}): not matched against rules"
            )
        if self.stated:
            out.append(
                f"{self.stated} npm components name another release in their name or version"
                " field or download URL than in their package URL (an alias's name, a URL"
                " dependency, or an edited SBOM): every release named is read"
            )
        if self.unprovenanced:
            out.append(
                f"{self.unprovenanced} npm components carry neither a hash nor a download"
                " location: taken as registry releases (a workspace named like a registry"
                " package cannot be told apart in this SBOM)"
            )
        if self.ignored:
            out.append(f"{self.ignored} components of other ecosystems ignored (not pkg:npm)")
        if self.without_purl:
            out.append(
                f"{self.without_purl} components without a package URL not read"
                " (their ecosystem is unknown)"
            )
        return out


def _walk(items: Sequence[_Component], json_path: str) -> Iterator[tuple[_Component, str]]:
    stack: list[tuple[Sequence[_Component], str, int]] = [(items, json_path, 0)]
    count = 0
    while stack:
        children, where, depth = stack.pop()
        if depth >= MAX_DEPTH:
            raise _Refused(where, f"components nested deeper than {MAX_DEPTH}")
        for i, component in enumerate(children):
            count += 1
            if count > MAX_COMPONENTS:
                raise _Refused(where, f"more than {MAX_COMPONENTS} components")
            here = f"{where}[{i}]"
            yield component, here
            if component.components:
                stack.append((component.components, f"{here}.components", depth + 1))


def _cdx_components(bom: _Bom) -> Iterator[tuple[_Component, str]]:
    """Every component: the BOM's, and those nested in the subject (a monorepo's packages, as
    some generators write them), each with its JSON path."""
    yield from _walk(bom.components, "components")
    root = bom.metadata.component if bom.metadata is not None else None
    if root is not None and root.components:
        yield from _walk(root.components, "metadata.component.components")


def _cdx_tools(meta: _Metadata | None) -> list[_Tool]:
    if meta is None or meta.tools is None:
        return []
    return meta.tools.components if isinstance(meta.tools, _Tools) else list(meta.tools)


def _cdx_npm_tool(tools: Sequence[_Tool]) -> _Tool | None:
    """The tool entry of ``npm sbom`` (the generator named in notes)."""
    for tool in tools:
        if tool.vendor == "npm" and tool.name == "cli":
            return tool
    return None


def _tool_label(tool: _Tool) -> str:
    name = f"{tool.group}/{tool.name}" if tool.group else f"{tool.vendor or ''} {tool.name}"
    return f"{name.strip()} {tool.version or ''}".strip()[:80]


def _cdx_hashes(component: _Component, where: str) -> tuple[list[str], bool]:
    found: list[str] = []
    for j, h in enumerate(component.hashes):
        sri = integrity_of(h.alg, h.content, f"{where}.hashes[{j}].content")
        if sri is not None:
            found.append(sri)
    located = False
    for j, ref in enumerate(component.externalReferences):
        if ref.type != "distribution":
            continue
        located = located or bool(ref.url)
        for k, h in enumerate(ref.hashes):
            at = f"{where}.externalReferences[{j}].hashes[{k}].content"
            sri = integrity_of(h.alg, h.content, at)
            if sri is not None:
                found.append(sri)
    return found, located


def _cdx_others(component: _Component, written: Purl, purl: Purl, full_name: str) -> Sequence[Purl]:
    """``_others`` of a component (most state nothing else: no list is built for them);
    ``written``: its purl as written, ``purl`` as ``_spelled`` made it."""
    stated = _stated(purl, full_name, component.version)
    urls = [r.url for r in component.externalReferences if r.type == "distribution" and r.url]
    if purl.qualifiers:
        urls += _download_urls([purl])
    lowered = _lowercased(written, purl)
    if stated is None and not urls and lowered is None:
        return ()
    return _others([purl], stated, urls, [lowered] if lowered is not None else ())


def _cdx_marked_local(component: _Component) -> bool:
    """cdxgen's own marks of a workspace or link (``cdx:npm:isWorkspace``, ``cdx:npm:isLink``)."""
    return any(
        prop.name in LOCAL_PROPERTIES and prop.value == "true" for prop in component.properties
    )


def _cyclonedx(data: bytes, path: str, spec: str) -> Sbom:
    bom = _decode(data, path, _Bom, "CycloneDX")
    tools = _cdx_tools(bom.metadata)
    npm_tool = _cdx_npm_tool(tools)
    named = npm_tool or next((t for t in tools if t.name == "cyclonedx-npm"), None)
    named = named or next((t for t in tools if t.name), None)
    generator = _tool_label(named) if named is not None else None
    build = _Builder()
    root = bom.metadata.component if bom.metadata is not None else None
    root_ref = root.bom_ref if root is not None else None
    root_purl = root.purl if root is not None else None
    if root_ref:
        build.ids.add(root_ref)
    by_ref: dict[str, list[str]] = {}
    listed = _cdx_service_refs(bom.services)  # every bom-ref a dependency may name
    if root_ref:
        listed.add(root_ref)
    seen = 0
    for component, where in _cdx_components(bom):
        seen += 1
        if component.bom_ref:
            listed.add(component.bom_ref)
        if root_ref and component.bom_ref == root_ref and component.purl == root_purl:
            continue  # the subject listed again (another package with its bom-ref is read)
        if component.purl is None:
            build.without_purl += 1
            continue
        written = parse_purl(component.purl, f"{where}.purl")
        if written is None:
            build.ignored += 1
            continue
        full_name = f"{component.group}/{component.name}" if component.group else component.name
        purl = _spelled(written, full_name)
        integrity, located = _cdx_hashes(component, where)
        node = build.node_id(component.bom_ref, where)
        nodes = build.release(
            node,
            purl,
            _cdx_others(component, written, purl, full_name),
            integrity=integrity,
            located=located,
            marked_local=_cdx_marked_local(component),
        )
        if component.bom_ref:
            by_ref.setdefault(component.bom_ref, nodes)
    if root is None and seen == 0:
        raise LockfileError(path, "lists no component and no subject: nothing to answer with")
    unlisted: list[str] = []  # (paths formatted only for what is missing)
    for i, dep in enumerate(bom.dependencies):
        if dep.ref not in listed:
            unlisted.append(f"dependencies[{i}].ref")
        if not listed.issuperset(dep.dependsOn):
            unlisted.extend(
                f"dependencies[{i}].dependsOn[{j}]"
                for j, t in enumerate(dep.dependsOn)
                if t not in listed
            )
    edges: dict[str, list[str]] = {}
    for dep in bom.dependencies:
        sources = [root_ref] if dep.ref == root_ref else by_ref.get(dep.ref, [])
        targets = [n for t in dep.dependsOn for n in by_ref.get(t, ())]
        for source in sources:
            edges.setdefault(source, []).extend(targets)
    importers = [Importer(root_ref, _label(root))] if root is not None and root_ref else []
    subject = _subject(root.name, root.version) if root is not None else None
    return _result(
        SbomKind.CYCLONEDX,
        spec,
        build,
        edges=edges,
        importers=importers,
        subject=subject,
        generator=generator,
        errors=_cdx_scan_errors(bom.metadata) + _unlisted_error(unlisted, "component"),
    )


def _cdx_service_refs(services: Sequence[_Service]) -> set[str]:
    refs: set[str] = set()
    stack = list(services)
    while stack:
        service = stack.pop()
        if service.bom_ref:
            refs.add(service.bom_ref)
        stack.extend(service.services)
    return refs


def _unlisted_error(unlisted: Sequence[str], what: str) -> list[str]:
    """An error when the dependency graph names elements the SBOM does not list: no generator
    writes that (measured on every fixture), and a list that lost entries (a component deleted,
    a key given twice) must not read as a clean one. Named by JSON path, never by value."""
    if not unlisted:
        return []
    more = f" (and {len(unlisted) - MAX_UNLISTED} more)" if len(unlisted) > MAX_UNLISTED else ""
    return [
        f"{', '.join(unlisted[:MAX_UNLISTED])}{more}: the dependency graph names a {what} the"
        " SBOM does not list: the list is incomplete, so it cannot be a clean answer"
    ]


def _cdx_scan_errors(metadata: _Metadata | None) -> list[str]:
    """One error per ``gouvernante:scan_error`` property of ``metadata``: the scan that wrote
    this SBOM (``-format cyclonedx``) could not read everything, so the SBOM lacks what it
    missed and is never a clean answer. Named by JSON path, never by the property's text."""
    if metadata is None:
        return []
    return [
        f"metadata.properties[{i}]: the scan that wrote this SBOM could not read everything"
        f" ({SCAN_ERROR_PROPERTY}): what it missed is not in this SBOM"
        for i, prop in enumerate(metadata.properties)
        if prop.name == SCAN_ERROR_PROPERTY
    ]


def _label(root: _Component | None) -> str:
    return root.name if root is not None and root.name else "(the SBOM's subject)"


MAX_SUBJECT = 200  # the subject names a ref: bounded, whatever the SBOM holds


def _subject(name: str, version: str | None) -> str | None:
    if not name:
        return None
    return (f"{name}@{version}" if version else name)[:MAX_SUBJECT]


class _Edges(KnownEdges):
    """The SBOM's edges, and each node's component by its JSON path (``component_path``)."""

    def __init__(self, edges: dict[str, list[str]], paths: dict[str, str]) -> None:
        super().__init__(edges)
        self.paths = paths


def component_path(graph: LockfileGraph, node_id: str) -> str | None:
    """The JSON path (``components[3]``, ``packages[7]#0``) of the component an SBOM's graph
    read as ``node_id``; None for a graph not read here (one an inventory rebuilt)."""
    details = graph.details
    return details.paths.get(node_id) if isinstance(details, _Edges) else None


def _result(
    kind: SbomKind,
    spec: str,
    build: _Builder,
    *,
    edges: dict[str, list[str]],
    importers: list[Importer],
    subject: str | None,
    generator: str | None,
    errors: Sequence[str] = (),
) -> Sbom:
    fmt = LockfileFormat.CYCLONEDX if kind is SbomKind.CYCLONEDX else LockfileFormat.SPDX
    graph = LockfileGraph(
        format=fmt,
        packages=build.packages,
        importers=importers,
        details=_Edges({k: list(dict.fromkeys(v)) for k, v in edges.items()}, build.paths),
        notes=build.notes(generator),
        roots_known=bool(importers),
        entry_errors=tuple(errors),
    )
    return Sbom(
        kind,
        spec,
        graph,
        subject,
        generator,
        build.components,
        build.marked,
        build.ignored,
        build.without_purl,
        build.stated,
    )


# --- SPDX ------------------------------------------------------------------------------------

_DEPENDS = frozenset({"DEPENDS_ON", "CONTAINS"})
_DEPENDENCY_OF = frozenset(
    {
        "DEPENDENCY_OF",
        "DEV_DEPENDENCY_OF",
        "OPTIONAL_DEPENDENCY_OF",
        "PROVIDED_DEPENDENCY_OF",
        "TEST_DEPENDENCY_OF",
        "RUNTIME_DEPENDENCY_OF",
        "BUILD_DEPENDENCY_OF",
        "CONTAINED_BY",
    }
)


def _spdx_generator(doc: _Spdx) -> str | None:
    for creator in doc.creationInfo.creators if doc.creationInfo is not None else ():
        if creator.startswith("Tool:"):
            return creator[len("Tool:") :].strip()[:80] or None
    return None


def _spdx_described(doc: _Spdx) -> list[str]:
    described = list(doc.documentDescribes)
    for rel in doc.relationships:
        if rel.relationshipType == "DESCRIBES" and rel.spdxElementId == doc.SPDXID:
            described.append(rel.relatedSpdxElement)
        elif rel.relationshipType == "DESCRIBED_BY" and rel.relatedSpdxElement == doc.SPDXID:
            described.append(rel.spdxElementId)
    return list(dict.fromkeys(described))


def _is_purl_ref(ref: _SpdxRef) -> bool:
    """A reference that names a package: a package URL (SPDX spells the type ``purl``), or the
    spec's own ``npm`` type (Annex F: ``package@version``, ``http-server@0.3.0``); read in any
    case."""
    return ref.referenceType.lower() in ("purl", "npm")


def _npm_locator(locator: str, json_path: str) -> Purl:
    """An SPDX ``npm`` reference's ``package@version`` (``@scope/name@1.0.0`` too)."""
    name, at, version = locator.rpartition("@")
    if not at or PACKAGE_NAME_RE.fullmatch(name) is None:
        raise _Refused(json_path, "npm reference whose locator is not package@version")
    if _VERSION_OK.fullmatch(version) is None:
        raise _Refused(json_path, "npm reference whose version is empty or not one word")
    return Purl(name, version, ())


def _spdx_purls(package: _Package, where: str) -> Iterator[Purl]:
    for j, ref in enumerate(package.externalRefs):
        at = f"{where}.externalRefs[{j}].referenceLocator"
        if ref.referenceType.lower() == "npm":
            yield _npm_locator(ref.referenceLocator, at)
        elif _is_purl_ref(ref) and (purl := parse_purl(ref.referenceLocator, at)) is not None:
            yield purl


def _spdx(data: bytes, path: str, spec: str) -> Sbom:
    doc = _decode(data, path, _Spdx, "SPDX")
    if len(doc.packages) > MAX_COMPONENTS:
        raise _Refused("packages", f"more than {MAX_COMPONENTS} packages")
    if not doc.packages:
        raise LockfileError(path, "lists no package: nothing to answer with")
    generator = _spdx_generator(doc)
    build = _Builder()
    described = _spdx_described(doc)
    root = described[0] if len(described) == 1 else None
    # The subject is the one package with the described id: ids are unique in SPDX, and when
    # several packages share it none is taken for the subject (each is read).
    subject_count = [package.SPDXID for package in doc.packages].count(root) if root else 0
    subject: str | None = None
    nodes: dict[str, list[str]] = {}
    for i, package in enumerate(doc.packages):
        where = f"packages[{i}]"
        if root is not None and root == package.SPDXID and subject_count == 1:
            subject = _subject(package.name, package.versionInfo)
            continue
        has_purl = any(_is_purl_ref(r) for r in package.externalRefs)
        if not has_purl:
            build.without_purl += 1
            continue
        purls = list(_spdx_purls(package, where))
        if not purls:
            build.ignored += 1
            continue
        integrity = [
            sri
            for j, c in enumerate(package.checksums)
            if (sri := integrity_of(c.algorithm, c.checksumValue, f"{where}.checksums[{j}]"))
        ]
        located = package.downloadLocation not in (None, "", NO_ASSERTION, "NONE")
        readings = [_spelled(written, package.name) for written in purls]
        stated = _stated(readings[0], package.name, package.versionInfo)
        lowered = [
            p for w, r in zip(purls, readings, strict=True) if (p := _lowercased(w, r)) is not None
        ]
        others = _others(
            readings, stated, _download_urls(readings, package.downloadLocation), lowered
        )
        for k, purl in enumerate(readings):
            node = build.node_id(package.SPDXID if k == 0 else None, f"{where}#{k}")
            nodes.setdefault(package.SPDXID, []).extend(
                build.release(
                    node,
                    purl,
                    others if k == 0 else (),
                    integrity=integrity,
                    located=located,
                )
            )
    edges, unlisted = _spdx_edges(doc, nodes, root)
    importers = [Importer(root, subject or "(the SBOM's subject)")] if root is not None else []
    return _result(
        SbomKind.SPDX,
        spec,
        build,
        edges=edges,
        importers=importers,
        subject=subject,
        generator=generator,
        errors=_unlisted_error(unlisted, "package"),
    )


_NOT_AN_ELEMENT = frozenset({"NONE", "NOASSERTION"})


def _spdx_edges(
    doc: _Spdx, nodes: dict[str, list[str]], root: str | None
) -> tuple[dict[str, list[str]], list[str]]:
    """The dependency edges, and the JSON paths of dependency relationships that name an element
    the document does not hold (not a package, file or snippet of its own, nor another
    document's ``DocumentRef-...``)."""

    def ids(element: str) -> list[str]:
        return [root] if element == root and root is not None else nodes.get(element, [])

    held = {doc.SPDXID, *(p.SPDXID for p in doc.packages)}
    held.update(e.SPDXID for e in (*doc.files, *doc.snippets))
    unlisted: list[str] = []
    edges: dict[str, list[str]] = {}
    for i, rel in enumerate(doc.relationships):
        if rel.relationshipType in _DEPENDS:
            parent, child = rel.spdxElementId, rel.relatedSpdxElement
        elif rel.relationshipType in _DEPENDENCY_OF:
            parent, child = rel.relatedSpdxElement, rel.spdxElementId
        else:
            continue
        for field, element in (
            ("spdxElementId", rel.spdxElementId),
            ("relatedSpdxElement", rel.relatedSpdxElement),
        ):
            if not (
                element in held or element in _NOT_AN_ELEMENT or element.startswith("DocumentRef-")
            ):
                unlisted.append(f"relationships[{i}].{field}")
        for p in ids(parent):
            edges.setdefault(p, []).extend(c for c in ids(child) if c != p)
    return edges, unlisted
