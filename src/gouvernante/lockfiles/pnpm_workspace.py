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
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec
from msgspec.structs import replace

from gouvernante.errors import LockfileError
from gouvernante.lockfiles import MANIFEST, PNPM_WORKSPACE, _pnpm_yaml
from gouvernante.lockfiles.package_json import (
    DEFAULT_CATALOG,
    WORKSPACE_OVERRIDES,
    declared_dependency,
    overridden_versions,
)
from gouvernante.lockfiles.pnpm import _load_yaml, _mapping
from gouvernante.model import Catalogs, DeclaredDependency, LockfileFormat, LockfileGraph
from gouvernante.safetext import key_segment

WORKSPACE_FILE = PNPM_WORKSPACE
# Real files are a few kilobytes; a bigger one is refused before PyYAML builds it.
MAX_WORKSPACE_BYTES = 4 * 1024 * 1024
CATALOG_PREFIX = "catalog:"


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
    if len(data) > MAX_WORKSPACE_BYTES:
        raise LockfileError(path, f"larger than {MAX_WORKSPACE_BYTES} bytes; not read")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LockfileError(path, f"not valid UTF-8 (byte {exc.start})") from None
    doc = _load(text, path)
    if doc is None:
        return Workspace({}, (), ())  # an empty file (pnpm reads it as no settings)
    if doc.__class__ is not dict:
        raise LockfileError(path, "not a pnpm-workspace.yaml (the top level is not a mapping)")
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
    globs = tuple(p for p in packages if p.__class__ is str) if packages.__class__ is list else ()
    return Workspace(catalogs, tuple(overridden_versions(overrides)), globs)


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
    spec = catalogs.get(name, {}).get(key)
    if spec is None or spec.startswith(CATALOG_PREFIX):
        return None
    resolved = declared_dependency(key, spec, dep.field)
    return replace(resolved, catalog=dep.spec, catalog_file=source)


def answer_catalogs(
    declared: Iterable[DeclaredDependency], pnpm: Catalogs | None, bun: Catalogs | None
) -> list[DeclaredDependency]:
    """``declared`` with each ``catalog:`` reference replaced by the ranges it stands for:
    the nearest pnpm-workspace.yaml's (``pnpm``) and the bun workspace root's (``bun``). Both
    are kept when both answer with different ranges (pnpm reads only its file, bun only the
    package.json: which tool installs is not known, and either range is installable); one
    neither answers stays as written (a note: not decidable). Decision 0054."""
    out: list[DeclaredDependency] = []
    for dep in declared:
        answers = [
            answer
            for catalogs, source in ((pnpm, WORKSPACE_FILE), (bun, MANIFEST))
            if catalogs is not None and (answer := resolve_catalog(dep, catalogs, source))
        ]
        if len(answers) == 2 and answers[0].spec == answers[1].spec:
            answers.pop()
        out.extend(answers or (dep,))
    return out


def _load(text: str, path: str) -> Any:
    try:
        return _pnpm_yaml.load_fast(text) if text.strip() else None
    except _pnpm_yaml.Unsupported:
        return _load_yaml(text, path)


def _entries(value: Any, path: str, where: str) -> dict[str, str]:
    """A catalog's (or the overrides') package -> spec map: strings only."""
    out: dict[str, str] = {}
    for key, spec in _mapping(value, path, where).items():
        if key.__class__ is not str or spec.__class__ is not str:
            raise LockfileError(path, "expected a string", json_path=f"{where}{key_segment(key)}")
        out[key] = spec
    return out
