"""A Deno project is scanned like any other (decision 0053): its deno.lock in -dir, -recursive
and -lockfile (under any name), the package.json beside it judged against it."""

from __future__ import annotations

import shutil
from pathlib import Path

from helpers import compromised_rules, scan_report

FIXTURE = Path(__file__).parents[1] / "lockfiles" / "fixtures" / "deno" / "deno-2.9.6"
RULES = compromised_rules("TEST-DENO", ("strip-ansi", "=6.0.1"), ("ms", "=2.1.3"))


def _project(root: Path) -> Path:
    """The project deno made the fixture from: deno.json, package.json, a member, deno.lock."""
    shutil.copytree(FIXTURE, root)
    (root / "expected.json").unlink()
    return root


def test_dir_scan_finds_a_transitive_package_and_the_manifest_defers(tmp_path: Path) -> None:
    project = _project(tmp_path / "app")
    code, report = scan_report(tmp_path, RULES, "-dir", str(project))
    assert code == 2
    found = {(f["package"], f["version"], f["lockfile_format"]) for f in report["findings"]}
    assert found == {("strip-ansi", "6.0.1", "deno-lock"), ("ms", "2.1.3", "deno-lock")}
    strip = next(f for f in report["findings"] if f["package"] == "strip-ansi")
    assert ["(root)", "@isaacs/cliui@8.0.2", "strip-ansi@6.0.1"] in strip["dependency_paths"]
    # the package.json's declared ms 2.1.3 is resolved by deno.lock: no declared-range finding
    assert not [f for f in report["findings"] if f["match"] == "declared-range"]
    assert report["errors"] == []


def test_recursive_scan_reaches_deno_projects(tmp_path: Path) -> None:
    _project(tmp_path / "org" / "svc")
    code, report = scan_report(tmp_path, RULES, "-dir", str(tmp_path / "org"), "-recursive")
    assert code == 2
    assert {f["package"] for f in report["findings"]} == {"strip-ansi", "ms"}


def test_lockfile_under_another_name(tmp_path: Path) -> None:
    """Before the reader: sniffed as a package.json, 0 packages, CLEAN."""
    copy = tmp_path / "affected-lockfile.json"
    shutil.copy(FIXTURE / "deno.lock", copy)
    code, report = scan_report(tmp_path, RULES, "-lockfile", str(copy))
    assert code == 2
    assert report["summary"]["packages_scanned"] == 56


def test_an_import_map_without_a_lockfile_declares_ranges(tmp_path: Path) -> None:
    """deno.json alone (the lockfile not committed, or "lock": false): its npm: targets and npm
    CDN URLs are declared ranges, judged as a package.json's are without a lockfile."""
    project = _project(tmp_path / "app")
    (project / "deno.lock").unlink()
    (project / "package.json").unlink()
    (project / "deno.json").write_text(
        '{\n  // JSONC\n  "imports": {"ms": "npm:ms@^2.1.0", "strip": "npm:strip-ansi@6/x.js",'
        ' "ax": "https://esm.sh/axios@1.14.1", "@std/path": "jsr:@std/path@1",},\n}'
    )
    rules = compromised_rules(
        "TEST-DENO", ("strip-ansi", "=6.0.1"), ("ms", "=2.1.3"), ("axios", "=1.14.1")
    )
    code, report = scan_report(tmp_path, rules, "-dir", str(project))
    assert code == 2
    found = {(f["package"], f["declared_range"], f["match"]) for f in report["findings"]}
    assert found == {
        ("ms", "^2.1.0", "declared-range"),
        ("strip-ansi", "6", "declared-range"),
        ("axios", "1.14.1", "declared-range"),
    }
    assert all(f["description"].startswith("deno.json declares") for f in report["findings"])
