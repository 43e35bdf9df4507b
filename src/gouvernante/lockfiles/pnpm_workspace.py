"""``pnpm-workspace.yaml``: pnpm's catalogs and, since pnpm 10, its overrides.

- ``catalog:`` (the default catalog) and ``catalogs: {name: {...}}`` map a package to the range
  a manifest's ``"axios": "catalog:"`` (or ``catalog:name``) stands for: ``with_catalogs`` puts
  that range in place of the reference, so a declared-range check judges what pnpm would
  install. A reference the file does not answer (no such catalog, no entry for the package, no
  workspace file) stays as written: the matcher makes it a note that it cannot be decided.
- ``overrides:`` forces versions like ``pnpm.overrides`` in package.json (pnpm 10 moved them
  here): ``parse`` reads the file as a manifest whose declared dependencies are those versions
  (field ``WORKSPACE_OVERRIDES``), with ``package_json.overridden_versions``.

The file is read with the pnpm lockfile's YAML reader (``_pnpm_yaml``: its fast subset, else
PyYAML refusing anchors, aliases and repeated keys) within ``MAX_WORKSPACE_BYTES``; anything else
than the expected shape is an error naming the file and the YAML path. Decision record:
docs/decisions/0036-pnpm-workspace-sbom-case-submodules.md.

yarn berry (4.10+) reads its catalogs from ``.yarnrc.yml`` (``yarnrc_catalogs``), the same
reader, and names them its own way: ``catalog:`` is the ``catalog`` key only, ``catalog:NAME``
``catalogs.NAME`` only (``catalog:default`` too), the name as written (decision 0056).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import msgspec
from msgspec.structs import replace

from gouvernante.errors import LockfileError
from gouvernante.lockfiles import MANIFEST, PNPM_WORKSPACE, WORKSPACE_OVERRIDES, _pnpm_yaml
from gouvernante.lockfiles.package_json import (
    DEFAULT_CATALOG,
    declared_dependency,
    overridden_versions,
)
from gouvernante.lockfiles.package_json import parse as parse_manifest
from gouvernante.lockfiles.pnpm import _load_yaml, _mapping
from gouvernante.model import (
    Catalogs,
    DeclaredDependency,
    LockfileFormat,
    LockfileGraph,
    YarnView,
)
from gouvernante.safetext import key_segment

WORKSPACE_FILE = PNPM_WORKSPACE
# Real files are a few kilobytes; a bigger one is refused before PyYAML builds it.
MAX_WORKSPACE_BYTES = 4 * 1024 * 1024
CATALOG_PREFIX = "catalog:"
# yarn's default catalog (``catalog`` in .yarnrc.yml, what ``catalog:`` reads) in ``Catalogs``:
# "" (``catalog:default`` reads ``catalogs.default``, another catalog; yarn never looks a
# ``catalogs`` entry named "" up: ``catalog:`` with an empty name is the default one).
YARN_DEFAULT_CATALOG = ""
YARNRC_FILE = ".yarnrc.yml"
# The limit every source reads a .yarnrc.yml within (``sources.yarnrc.MAX_YARNRC_BYTES``, the
# same: a test says so); an image keeps bigger files.
MAX_YARNRC_BYTES = 1024 * 1024


class Workspace(msgspec.Struct, frozen=True):
    """What a pnpm-workspace.yaml says about dependencies."""

    catalogs: dict[str, dict[str, str]]  # catalog name ("default" for ``catalog:``) -> entries
    overrides: tuple[tuple[str, str], ...]  # (package, spec) each override forces
    packages: tuple[str, ...]  # the workspace globs


def sniff(head: bytes) -> bool:
    """Never by content: only a file of this name is a workspace file."""
    return False


def read(data: bytes, path: str) -> Workspace:
    """The catalogs, overrides and package globs of a pnpm-workspace.yaml; ``LockfileError``
    naming ``path`` and the YAML path when it is not valid YAML of that shape."""
    doc = _document(data, path, MAX_WORKSPACE_BYTES, "pnpm-workspace.yaml", numbers=True)
    if doc is None:
        return Workspace({}, (), ())  # an empty file (pnpm reads it as no settings)
    catalogs: dict[str, dict[str, str]] = {}
    default = doc.get("catalog")
    if default is not None:
        catalogs[DEFAULT_CATALOG] = _entries(default, path, "catalog")
    for name, entries in _mapping(doc.get("catalogs"), path, "catalogs").items():
        where = f"catalogs{key_segment(name)}"
        if name.__class__ is not str:
            raise LockfileError(path, "a catalog name that is not a string", json_path=where)
        if name == DEFAULT_CATALOG and DEFAULT_CATALOG in catalogs:
            # pnpm refuses the default catalog defined twice
            raise LockfileError(
                path, "the default catalog is defined by both catalog and catalogs", json_path=where
            )
        catalogs[name] = _entries(entries, path, where)
    overrides = _mapping(doc.get("overrides"), path, "overrides")
    _entries(overrides, path, "overrides")
    packages = doc.get("packages")
    if packages.__class__ is not list:
        return Workspace(catalogs, tuple(overridden_versions(overrides)), ())
    from gouvernante.fs.globs import too_many  # noqa: PLC0415 - a file with packages only

    refused = too_many(packages)
    if refused is not None:
        raise LockfileError(path, refused[1], json_path=f"packages[{refused[0]}]")
    named = tuple(p for p in packages if p.__class__ is str)
    return Workspace(catalogs, tuple(overridden_versions(overrides)), named)


def parse(data: bytes, path: str) -> LockfileGraph:
    """The file as a manifest: no packages, and the versions its ``overrides`` force; no
    importer either (the project is its package.json's: an SBOM lists it once)."""
    return parse_with_workspace(data, path)[0]


def parse_with_workspace(data: bytes, path: str) -> tuple[LockfileGraph, Workspace]:
    """``parse``, and what ``read`` reads (the catalogs a source without a file system, a git
    tree, an image, an inventory, gives the manifests below it), from one read."""
    workspace = read(data, path)
    declared = [
        declared_dependency(name, spec, WORKSPACE_OVERRIDES) for name, spec in workspace.overrides
    ]
    declared = [resolve_catalog(dep, workspace.catalogs) or dep for dep in declared]
    graph = LockfileGraph(
        LockfileFormat.PACKAGE_JSON,
        (),
        (),
        tuple(declared),
        workspaces=workspace.packages,
    )
    return graph, workspace


def uses_catalogs(graph: LockfileGraph) -> bool:
    return any(dep.spec.startswith(CATALOG_PREFIX) for dep in graph.declared)


def resolve_catalog(
    dep: DeclaredDependency, catalogs: Catalogs, source: str = WORKSPACE_FILE
) -> DeclaredDependency | None:
    """The dependency with the range its ``catalog:`` reference stands for, or None (not a
    catalog reference, or one the catalogs do not answer). The entry is looked up by the
    manifest's key, as pnpm and bun do; its value may itself be an ``npm:`` alias. ``source``:
    the file that defines the catalogs (a bun root ``package.json``), as findings name it."""
    if not dep.spec.startswith(CATALOG_PREFIX):
        return None
    name = dep.spec[len(CATALOG_PREFIX) :].strip() or DEFAULT_CATALOG
    key = dep.alias or dep.name
    return _answered(dep, key, catalogs.get(name, {}).get(key), source)


def resolve_yarn_catalog(dep: DeclaredDependency, view: YarnView) -> DeclaredDependency | None:
    """``resolve_catalog`` as yarn 4.10+ reads its .yarnrc.yml catalogs (``view``: the files it
    reads, the closer first): the name after ``catalog:`` as written ("" the default catalog),
    the entry of the closest file that has one (yarn merges them entry by entry)."""
    if not dep.spec.startswith(CATALOG_PREFIX):
        return None
    name = dep.spec[len(CATALOG_PREFIX) :]
    key = dep.alias or dep.name
    for catalogs in view:
        spec = catalogs.get(name, {}).get(key)
        if spec is not None:
            return _answered(dep, key, spec, YARNRC_FILE)
    return None


def _answered(
    dep: DeclaredDependency, key: str, spec: str | None, source: str
) -> DeclaredDependency | None:
    if spec is None or spec.startswith(CATALOG_PREFIX):
        return None
    resolved = declared_dependency(key, spec, dep.field)
    return replace(resolved, catalog=dep.spec, catalog_file=source)


def answer_catalogs(
    declared: Iterable[DeclaredDependency],
    pnpm: Catalogs | None,
    bun: Catalogs | None,
    yarn: Sequence[YarnView] = (),
) -> list[DeclaredDependency]:
    """``declared`` with each ``catalog:`` reference replaced by the ranges it stands for:
    the nearest pnpm-workspace.yaml's (``pnpm``), the bun workspace root's (``bun``) and yarn's
    .yarnrc.yml ones (``yarn``: a view for each folder yarn may be run in, decision 0056). Each
    different range is kept (pnpm reads only its file, bun only the package.json, yarn its rc
    files from the folder it runs in: which tool installs, and where, is not known, and each
    range is installable); one none answers stays as written (a note: not decidable). Decision
    0054."""
    out: list[DeclaredDependency] = []
    for dep in declared:
        answers = [
            answer
            for catalogs, source in ((pnpm, WORKSPACE_FILE), (bun, MANIFEST))
            if catalogs is not None and (answer := resolve_catalog(dep, catalogs, source))
        ]
        answers.extend(answer for view in yarn if (answer := resolve_yarn_catalog(dep, view)))
        kept: dict[str, DeclaredDependency] = {}
        for answer in answers:
            kept.setdefault(answer.spec, answer)
        out.extend(kept.values() or (dep,))
    return out


# yarn reads a file starting with this header (after comment lines) in its legacy syntax.
_LEGACY = re.compile(rb"^(?:#.*\r?\n)*?#\s+yarn\s+lockfile\s+v1\r?\n", re.IGNORECASE)
# yarn puts an environment variable of the installing machine in place of ``${NAME}``
# (``${NAME:-fallback}``, ``${NAME-fallback}``) in a setting's value.
_ENV_REFERENCE = "${"


def may_define_yarn_catalogs(data: bytes) -> bool:
    """Whether a ``.yarnrc.yml`` may define catalogs: any spelling of the keys holds the letters
    ``catalog``, or a backslash escape (a YAML ``"\\x63atalog"`` key)."""
    return b"catalog" in data or b"\\" in data


def catalog_file(data: bytes, path: str, name: str) -> tuple[tuple[str, ...], Catalogs | None]:
    """(workspace globs, catalogs) of a file that may define catalogs, by its base ``name``: a
    pnpm-workspace.yaml, a package.json (a bun workspace root) or a ``.yarnrc.yml`` (no globs).
    ``LockfileError`` as each reader raises it."""
    if name == PNPM_WORKSPACE:
        workspace = read(data, path)
        return workspace.packages, workspace.catalogs
    if name == MANIFEST:
        manifest = parse_manifest(data, path)
        return tuple(manifest.workspaces), manifest.catalogs
    return (), yarnrc_catalogs(data, path)


def yarnrc_catalogs(data: bytes, path: str) -> Catalogs | None:
    """The catalogs a ``.yarnrc.yml`` defines (yarn 4.10+; None when it defines none): ``catalog``
    under ``YARN_DEFAULT_CATALOG`` and each of ``catalogs`` under its name. Read with the
    pnpm-workspace.yaml reader (anchors, aliases and repeated keys refused: yarn takes the last
    of a repeated key, npm tools and this reader cannot tell which was meant); a null catalog
    defines nothing, as for yarn. ``LockfileError`` naming ``path`` and the YAML path for anything
    yarn does not read as a map of strings, and for a value naming an environment variable
    (``${NAME}``): yarn reads the installing machine's environment there, which a scan never
    reads in its place (decision 0056). The bytes are never quoted."""
    if not may_define_yarn_catalogs(data):
        return None
    if len(data) <= MAX_YARNRC_BYTES and _LEGACY.match(data.removeprefix(b"\xef\xbb\xbf")):
        raise LockfileError(path, "written in yarn's legacy (v1 lockfile) syntax: not read")
    doc = _document(data, path, MAX_YARNRC_BYTES, ".yarnrc.yml")
    if doc is None:
        return None
    if doc.get("catalog") is None and doc.get("catalogs") is None:
        return None
    catalogs: dict[str, dict[str, str]] = {}
    for name, entries in _mapping(doc.get("catalogs"), path, "catalogs").items():
        where = f"catalogs{key_segment(name)}"
        if name.__class__ is not str:
            raise LockfileError(path, "a catalog name that is not a string", json_path=where)
        if name != YARN_DEFAULT_CATALOG:  # (never looked up: see YARN_DEFAULT_CATALOG)
            catalogs[name] = _yarn_entries(entries, path, where)
    catalogs[YARN_DEFAULT_CATALOG] = _yarn_entries(doc.get("catalog"), path, "catalog")
    return catalogs


def yarnrc_document(data: bytes, path: str) -> dict[Any, Any] | None:
    """A ``.yarnrc.yml`` as this YAML reader reads it (None: empty); ``LockfileError`` naming
    ``path`` for anything it does not read (anchors, repeated keys, another top level)."""
    return _document(data, path, MAX_YARNRC_BYTES, ".yarnrc.yml")


def settings_document(
    data: bytes, path: str, what: str, limit: int = MAX_WORKSPACE_BYTES
) -> dict[Any, Any] | None:
    """Any YAML settings file (``what``: its kind, as errors name it) read as ``yarnrc_document``
    reads a ``.yarnrc.yml``, within ``limit`` bytes."""
    return _document(data, path, limit, what)


def _yarn_entries(value: Any, path: str, where: str) -> dict[str, str]:
    entries = _entries(value, path, where)
    for key, spec in entries.items():
        if _ENV_REFERENCE in spec:
            raise LockfileError(
                path,
                "a catalog entry naming an environment variable (${...}): yarn puts the"
                " installing machine's value there, which this scan does not read; not read",
                json_path=f"{where}{key_segment(key)}",
            )
    return entries


def _document(
    data: bytes, path: str, limit: int, what: str, *, numbers: bool = False
) -> dict[Any, Any] | None:
    """The YAML mapping a settings file holds (None: an empty one), within ``limit`` bytes;
    ``LockfileError`` naming ``path`` for a bigger file, bad UTF-8 or another top level. With
    ``numbers``, plain scalars pnpm's js-yaml reads as numbers are ``_pnpm_yaml.Number``s (read
    by PyYAML: the fast loader does not tell a plain ``2`` from a quoted one)."""
    if len(data) > limit:
        raise LockfileError(path, f"larger than {limit} bytes; not read")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LockfileError(path, f"not valid UTF-8 (byte {exc.start})") from None
    doc = _load(text, path, numbers=numbers)
    if doc is None:
        return None
    if doc.__class__ is not dict:
        raise LockfileError(path, f"not a {what} (the top level is not a mapping)")
    return doc


def _load(text: str, path: str, *, numbers: bool = False) -> Any:
    if numbers:
        return _load_yaml(text, path, numbers=True) if text.strip() else None
    try:
        return _pnpm_yaml.load_fast(text) if text.strip() else None
    except _pnpm_yaml.Unsupported:
        return _load_yaml(text, path)


def _entries(value: Any, path: str, where: str) -> dict[str, str]:
    """A catalog's (or the overrides') package -> spec map: strings only."""
    out: dict[str, str] = {}
    for key, spec in _mapping(value, path, where).items():
        if key.__class__ is _pnpm_yaml.Number or spec.__class__ is _pnpm_yaml.Number:
            # pnpm 10: "Invalid catalog entry for ms. Expected string, but found: number"
            # (an override's number stops its install too): refused, never read as text
            raise LockfileError(
                path,
                "a number where pnpm expects a string (pnpm refuses the file; quote it)",
                json_path=f"{where}{key_segment(key)}",
            )
        if key.__class__ is not str or spec.__class__ is not str:
            raise LockfileError(path, "expected a string", json_path=f"{where}{key_segment(key)}")
        out[key] = spec
    return out
