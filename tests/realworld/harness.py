"""The public realworld set (``data/``, copied from ``/work/shared/realworld/``; see
``data/README.md`` and ``data/index.json`` for the repositories, commits and the oracle).

``evaluate(case, mode)`` scans one case as a responder would, with a ``<name> *`` rule for every
registry name the oracle lists and for every workspace name no registry pair has, and compares
what the scanner resolves with the oracle. Shared by ``test_realworld.py`` and
``scripts/realworld-check.py``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from gouvernante.gitscan import GitScanOutput, GitScanRequest, run_git_scan
from gouvernante.inventory import evaluate as inventory_evaluate
from gouvernante.inventory.record import add
from gouvernante.lockfiles import parse_bytes
from gouvernante.model import Finding, MatchKind, ScanResult, Source
from gouvernante.pipeline import ScanRequest, run_image_scan, run_scan
from gouvernante.rules.index import build_index
from gouvernante.rules.loader import load_rules
from gouvernante.rules.ruleset import RuleSet
from helpers import docker_save

DATA = Path(__file__).parent / "data"
MODES = ("lockfile", "dir", "recursive", "git", "inventory", "image")


def case_ids() -> list[str]:
    index = json.loads((DATA / "index.json").read_text())
    return [row["id"] for row in index]


@dataclass(frozen=True)
class Outcome:
    missing: frozenset[tuple[str, str]]  # oracle pairs the scanner did not resolve
    extra: frozenset[tuple[str, str]]  # registry pairs the scanner resolved beyond the oracle
    workspace_hits: tuple[str, ...]  # findings on a workspace-only name (never allowed)
    declared: tuple[str, ...]  # declared-range findings (a lockfile resolves every case)
    errors: tuple[str, ...]
    expected_pairs: int = 0

    @property
    def exact(self) -> bool:
        return not (
            self.missing or self.extra or self.workspace_hits or self.declared or self.errors
        )


def _rules(names: list[str]) -> dict[str, object]:
    return {
        "schema_version": "1.0.0",
        "rules": [
            {
                "id": f"RW-{i:05d}",
                "title": f"every release of {name}",
                "kind": "malicious-package",
                "ecosystem": "npm",
                "severity": "low",
                "package_rules": [{"package_name": name, "affected_versions": ["*"]}],
            }
            for i, name in enumerate(names)
        ],
    }


def _label(f: Finding) -> str:
    return f"{f.lockfile}: {f.package}@{f.version or f.declared_range} ({f.match.value})"


_GIT_ENV = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_AUTHOR_NAME": "realworld",
    "GIT_AUTHOR_EMAIL": "realworld@example.invalid",
    "GIT_COMMITTER_NAME": "realworld",
    "GIT_COMMITTER_EMAIL": "realworld@example.invalid",
}


def _git_scan(
    folder: Path, ruleset: RuleSet, tmp: Path, *, inventory: bool = False
) -> GitScanOutput:
    """``-git`` on a repository whose one commit holds the case's tree (from the lockfile's
    folder down, as ``-dir`` sees it); ``inventory``: that repository recorded with ``inventory
    add`` into a fresh SQLite inventory, answered by ``-inventory``."""
    repo = tmp / "repo"
    shutil.copytree(folder, repo)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "case"]):
        subprocess.run(["git", *args], cwd=repo, env=_GIT_ENV, check=True, capture_output=True)
    index = build_index(ruleset.rules)
    if inventory:
        database = str(tmp / "inventory.db")
        summary = add(database, [str(repo)], workers=1)
        assert not summary.errors, summary.errors
        asked = inventory_evaluate.InventoryRequest(database)
        return inventory_evaluate.evaluate(asked, ruleset.rules, index)
    return run_git_scan(GitScanRequest(paths=(str(repo),), workers=1), ruleset.rules, index)


def _image(folder: Path, tmp: Path) -> Path:
    """A ``docker save`` archive of one layer holding the case's tree under ``/app``."""
    files = sorted(f for f in folder.rglob("*") if f.is_file())
    layer = {f"app/{f.relative_to(folder).as_posix()}": f.read_bytes() for f in files}
    return docker_save(tmp / "image.tar", [layer])


def declared_names(case: str, data: Path = DATA) -> set[str]:
    """Every name a package.json of the case's tree declares (aliases resolved)."""
    names: set[str] = set()
    for manifest in (data / case / "tree").rglob("package.json"):
        graph = parse_bytes(manifest.read_bytes(), str(manifest))
        names.update(dep.name for dep in graph.declared)
    return names


def evaluate(
    case: str,
    mode: str,
    *,
    declared_only: bool = False,
    data: Path = DATA,
    non_registry_rules: bool = False,
) -> Outcome:
    """Scan one case in ``mode``. ``declared_only``: rules only for the names the manifests
    declare (and the workspace names), which is what ``-dir`` adds to ``-lockfile``: the
    comparison is then over those names only. ``data``: the folder of cases (another set laid
    out the same way, e.g. scripts/published-lockfiles/sweep.py's). ``non_registry_rules``: a
    rule for the names of the oracle's git / non-registry entries too, so a registry release the
    scanner reports for one of them counts as extra (a bogus finding the registry rules miss)."""
    expected = json.loads((data / case / "expected.json").read_text())
    pairs = {(n, v) for n, v in expected["packages"]}
    registry_names = {n for n, _ in pairs}
    non_registry = {(e["name"], e.get("version") or "") for e in expected["non_registry"]}
    workspace_only = sorted(set(expected["workspace_names"]) - registry_names)
    if declared_only:
        registry_names &= declared_names(case, data)
        pairs = {(n, v) for n, v in pairs if n in registry_names}
    names = sorted(registry_names | set(workspace_only))
    # a name only git / non-registry entries have: only a registry release reported for it is
    # extra (the scanner may report the git or tarball package itself, with its version)
    non_registry_only = {n for n, _ in non_registry} - registry_names
    if not non_registry_rules:
        non_registry_only = set()
    names = sorted(set(names) | non_registry_only)
    lockfile = data / case / expected["lockfile"]
    folder = lockfile.parent  # the tree's root, or the lockfile's folder in the repository
    with tempfile.TemporaryDirectory() as tmp:
        rules_path = Path(tmp) / "rules.json"
        rules_path.write_text(json.dumps(_rules(names)))
        ruleset = load_rules([str(rules_path)])
        result: ScanResult | GitScanOutput
        if mode in ("git", "inventory"):
            result = _git_scan(folder, ruleset, Path(tmp), inventory=mode == "inventory")
        elif mode == "image":
            result = run_image_scan((str(_image(folder, Path(tmp))),), ruleset)
        elif mode == "lockfile":
            result = run_scan(ScanRequest(lockfiles=(str(lockfile),), workers=1), ruleset)
        else:
            recursive = mode == "recursive"
            request = ScanRequest(directory=str(folder), recursive=recursive, workers=1)
            result = run_scan(request, ruleset)
    resolved: set[tuple[str, str]] = set()
    workspace_hits: list[str] = []
    declared: list[str] = []
    ws = set(workspace_only)
    for f in result.findings:
        assert f.package is not None
        if f.package in ws:
            workspace_hits.append(_label(f))
        if f.match is MatchKind.DECLARED_RANGE:
            declared.append(_label(f))
        elif f.match is MatchKind.VERSION:
            pair = (f.package, f.version or "")
            if f.source is Source.REGISTRY or (
                pair not in non_registry and f.package not in non_registry_only
            ):
                resolved.add(pair)
    return Outcome(
        missing=frozenset(pairs - resolved),
        extra=frozenset(resolved - pairs),
        workspace_hits=tuple(sorted(workspace_hits)),
        declared=tuple(sorted(declared)),
        errors=tuple(f"{e.path}: {e.message}" for e in result.errors),
        expected_pairs=len(pairs),
    )
