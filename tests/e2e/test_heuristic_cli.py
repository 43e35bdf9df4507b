"""`gouvernante -heuristic`: techniques found in installed packages, with no rule for them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from helpers import run_cli

RECALL = Path(__file__).parents[1] / "heuristic" / "fixtures" / "recall"


def test_heuristic_scan_of_project_node_modules(tmp_path: Path) -> None:
    case = sorted(p for p in RECALL.iterdir() if p.is_dir())[0]
    pkg_json = json.loads((case / "package.json").read_text())
    target = tmp_path / "node_modules" / pkg_json["name"]
    shutil.copytree(case, target, ignore=shutil.ignore_patterns("expected*.json"))
    (tmp_path / "package.json").write_text('{"name": "app", "version": "1.0.0"}')
    r = run_cli("-dir", ".", "-heuristic", "-json", cwd=tmp_path)
    assert r.returncode == 2, r.stdout + r.stderr
    report = json.loads(r.stdout)
    heur = [f for f in report["findings"] if f["type"] == "heuristic"]
    assert heur, report
    assert all(f["rule_id"].startswith("GH-") and f["match"] == "pattern" for f in heur)
    assert {f["package"] for f in heur} == {pkg_json["name"]}
    assert all(f["path"].startswith(str(tmp_path)) and "excerpt" in f for f in heur)


def test_heuristic_without_node_modules_is_clean_with_a_note(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"name": "app", "version": "1.0.0"}')
    r = run_cli("-dir", ".", "-heuristic", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "no installed packages" in r.stdout


def _two_projects(tmp_path: Path, integrity: str | None) -> str:
    case = sorted(p for p in RECALL.iterdir() if p.is_dir())[0]
    name: str = json.loads((case / "package.json").read_text())["name"]
    for project in ("a", "b"):
        target = tmp_path / project / "node_modules" / name
        shutil.copytree(case, target, ignore=shutil.ignore_patterns("expected*.json"))
        (tmp_path / project / "package.json").write_text('{"name": "p", "version": "1.0.0"}')
        if integrity is not None:  # npm's hidden lockfile, as npm writes it after an install
            lock = {"packages": {f"node_modules/{name}": {"integrity": integrity}}}
            (tmp_path / project / "node_modules" / ".package-lock.json").write_text(
                json.dumps(lock)
            )
    return name


def _heuristic_paths(tmp_path: Path) -> set[str]:
    r = run_cli("-dir", ".", "-recursive", "-heuristic", "-json", cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    return {f["path"] for f in json.loads(r.stdout)["findings"] if f["type"] == "heuristic"}


def test_a_release_installed_in_two_projects_is_scanned_once(tmp_path: Path) -> None:
    """The same integrity in both projects' hidden lockfiles: one release, scanned once."""
    _two_projects(tmp_path, "sha512-c2FtZQ==")
    paths = _heuristic_paths(tmp_path)
    assert paths and all(p.startswith(str(tmp_path / "a")) for p in paths), paths


def test_copies_without_an_integrity_are_each_scanned(tmp_path: Path) -> None:
    """No integrity: a package.json's name and version are claims, so each copy is scanned and
    each location reported."""
    _two_projects(tmp_path, None)
    paths = _heuristic_paths(tmp_path)
    assert {Path(p).relative_to(tmp_path).parts[0] for p in paths} == {"a", "b"}, paths
