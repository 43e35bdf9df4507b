"""A scan of a bun.lockb, through the command line: findings exit 2, damage exits 1.

The lockfile and its project are the fixture bun 1.1.38 wrote
(``tests/lockfiles/fixtures/bun/bun-1.1.38-lockb``, made by ``generate_lockb.sh``).
"""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path

import pytest

from gouvernante.lockfiles import bun_binary
from helpers import run_cli

PROJECT = Path(__file__).parents[1] / "lockfiles" / "fixtures" / "bun" / "bun-1.1.38-lockb"

RULES = {
    "schema_version": "1.0.0",
    "rules": [
        {
            "id": "TEST-LOCKB-1",
            "title": "Compromised debug and is-number",
            "kind": "compromised-release",
            "ecosystem": "npm",
            "severity": "critical",
            "summary": "A rule on packages of the bun.lockb fixture.",
            "package_rules": [
                {"package_name": "debug", "affected_versions": ["=4.3.4"]},
                # 3.0.0 is deep in the dev dependencies; 99.0.0 is the workspace named
                # is-number, which is not the registry package
                {"package_name": "is-number", "affected_versions": ["=3.0.0", "=99.0.0"]},
            ],
            "remediation": {"summary": "Upgrade."},
        }
    ],
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(PROJECT, tmp_path / "proj")
    (tmp_path / "rules.json").write_text(json.dumps(RULES))
    return tmp_path / "proj"


def _findings(stdout: str) -> list[tuple[str, str, tuple[tuple[str, ...], ...], bool | None]]:
    report = json.loads(stdout)
    return sorted(
        (f["package"], f["version"], tuple(map(tuple, f["dependency_paths"])), f.get("direct"))
        for f in report["findings"]
    )


WANTED = [
    ("debug", "4.3.4", (("fixture-app", "debug@4.3.4"),), True),
    (
        "is-number",
        "3.0.0",
        (("fixture-app", "is-even@1.0.0", "is-odd@0.1.2", "is-number@3.0.0"),),
        False,
    ),
]


def test_lockfile_scan_exits_2_with_paths(project: Path) -> None:
    r = run_cli("-rules", "../rules.json", "-lockfile", "bun.lockb", "-json", cwd=project)
    assert r.returncode == 2, r.stdout + r.stderr
    assert _findings(r.stdout) == WANTED
    assert {f["lockfile_format"] for f in json.loads(r.stdout)["findings"]} == {"bun-lockb"}


def test_dir_scan_with_an_unreadable_lockb_falls_back_to_the_manifest(project: Path) -> None:
    """The lockfile cannot say what is installed: the manifest's ranges are findings, and the
    error is reported (never a clean result)."""
    (project / "bun.lockb").write_bytes(bun_binary.MAGIC + bytes(4))
    r = run_cli("-rules", "../rules.json", "-dir", ".", cwd=project)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "declared-range" in r.stdout
    assert "bun.lockb: byte " in r.stdout


@pytest.mark.parametrize("recursive", [False, True])
def test_dir_scan_gives_what_the_lockfile_scan_gives(project: Path, recursive: bool) -> None:
    args = ["-rules", "../rules.json", "-dir", ".", "-json"]
    r = run_cli(*args, *(["-recursive"] if recursive else []), cwd=project)
    assert r.returncode == 2, r.stdout + r.stderr
    assert _findings(r.stdout) == WANTED


def test_damaged_lockfile_exits_1_naming_the_byte(project: Path) -> None:
    lockfile = project / "bun.lockb"
    data = bytearray(lockfile.read_bytes())
    data = data[: len(data) // 2]  # cut in half
    lockfile.write_bytes(bytes(data))
    r = run_cli("-rules", "../rules.json", "-lockfile", "bun.lockb", cwd=project)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "bun.lockb: byte 78: truncated: the header says" in r.stdout + r.stderr


def test_unknown_lockb_version_exits_1_with_the_hint(project: Path) -> None:
    lockfile = project / "bun.lockb"
    data = bytearray(lockfile.read_bytes())
    struct.pack_into("<I", data, len(bun_binary.MAGIC), 4)
    lockfile.write_bytes(bytes(data))
    r = run_cli("-rules", "../rules.json", "-lockfile", "bun.lockb", cwd=project)
    assert r.returncode == 1, r.stdout + r.stderr
    output = r.stdout + r.stderr
    assert "bun.lockb: byte 42: bun.lockb format version 4 is not supported" in output
    assert "bun install --save-text-lockfile" in output
