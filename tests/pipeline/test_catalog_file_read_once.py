"""A pnpm-workspace.yaml is parsed once per scan for the catalog: references of all its members,
not once per manifest: a 4 MiB catalog under 200 manifests (each a few bytes) took a minute,
and time grew with manifests x workspace size on hostile input. What a member reads is the same
(the range, or the file's error worded with that member's path to it), and the next scan reads
the file again even when it was rewritten with the same size and time."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from gouvernante.cli import main
from gouvernante.lockfiles import pnpm_workspace

RULES = {
    "schema_version": "1.0.0",
    "rules": [
        {
            "id": "AXIOS-1",
            "title": "axios 1.14.1",
            "kind": "compromised-release",
            "ecosystem": "npm",
            "severity": "critical",
            "package_rules": [{"package_name": "axios", "affected_versions": ["=1.14.1"]}],
        }
    ],
}
MEMBERS = ("a", "b", "c", "d", "e")


def _project(tmp_path: Path, workspace: str) -> Path:
    root = tmp_path / "project"
    (root / "packages").mkdir(parents=True)
    (root / "pnpm-workspace.yaml").write_text(workspace, encoding="utf-8")
    for name in MEMBERS:
        member = root / "packages" / name
        member.mkdir()
        manifest = {"name": name, "dependencies": {"axios": "catalog:"}}
        (member / "package.json").write_text(json.dumps(manifest), encoding="utf-8")
    return root


def _scan(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(RULES), encoding="utf-8")
    report = tmp_path / "report.json"
    code = main(["-rules", str(rules), *args, "-workers", "1", "-json", "-output", str(report)])
    return code, json.loads(report.read_text(encoding="utf-8"))


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    reads: list[str] = []
    real = pnpm_workspace.read

    def counted(data: bytes, path: str) -> pnpm_workspace.Workspace:
        reads.append(path)
        return real(data, path)

    monkeypatch.setattr(pnpm_workspace, "read", counted)
    return reads


def test_members_share_one_read_of_their_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path, "catalog:\n  axios: ^1.14.0\n")
    reads = _count_reads(monkeypatch)
    code, report = _scan(tmp_path, "-dir", str(root), "-recursive")
    assert code == 2
    assert sorted((f["lockfile"], f["declared_range"]) for f in report["findings"]) == [
        (f"packages/{name}/package.json", "^1.14.0") for name in MEMBERS
    ]
    # once as a scanned file (its overrides), once for the five members' catalog: references
    assert reads == ["pnpm-workspace.yaml", "pnpm-workspace.yaml"]


def test_an_unreadable_workspace_is_each_members_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path, "catalog:\n  axios: [1]\n")
    reads = _count_reads(monkeypatch)
    given = [str(root / "packages" / name / "package.json") for name in ("a", "b")]
    code, report = _scan(tmp_path, "-lockfile", given[0], "-lockfile", given[1])
    assert code == 1
    shown = os.path.join(str(root), "pnpm-workspace.yaml").replace(os.sep, "/")
    assert sorted(e["path"] for e in report["errors"]) == sorted(given)
    assert {e["message"] for e in report["errors"]} == {
        f"{shown}: catalog['axios']: expected a string; its catalog: references are not checked"
    }
    assert len(reads) == 1


def test_the_next_scan_reads_a_rewritten_workspace_again(tmp_path: Path) -> None:
    root = _project(tmp_path, "catalog:\n  axios: ^1.14.0\n")
    workspace = root / "pnpm-workspace.yaml"
    assert _scan(tmp_path, "-dir", str(root), "-recursive")[0] == 2
    stat = workspace.stat()
    workspace.write_text("catalog:\n  axios: ~1.13.0\n", encoding="utf-8")  # same size
    os.utime(workspace, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    code, report = _scan(tmp_path, "-dir", str(root), "-recursive")
    assert (code, report["findings"]) == (0, [])
