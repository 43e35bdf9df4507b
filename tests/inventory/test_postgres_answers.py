"""``-inventory`` over SQLite and over PostgreSQL give identical answers on the same sources: a
bounded property test over generated organisations (branches, tags, moved lockfiles, worm
workflows, ``-at``), and the JSON reports of the command line over repositories holding every
lockfile fixture of tests/lockfiles/fixtures (made by the real npm, pnpm, yarn and bun)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from gitsrc.gitrepo import ORG_STEPS, Repo, make_org, mirror, write_rules
from gouvernante.cli import main
from gouvernante.gitscan import GitScanOutput
from gouvernante.inventory.backend import shown_location
from gouvernante.inventory.evaluate import InventoryRequest, evaluate
from gouvernante.inventory.record import add
from gouvernante.rules.index import build_index
from gouvernante.rules.loader import load_rule_files
from inventory.pg import admin_url, fresh_database

T0 = 1788868800
FIXTURES = Path(__file__).resolve().parents[1] / "lockfiles" / "fixtures"


def _answer(out: GitScanOutput) -> tuple[object, ...]:
    return (out.findings, out.errors, out.notes, out.scanned, out.lockfiles, out.packages)


@pytest.mark.property
@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ORG_STEPS)
def test_sqlite_and_postgresql_answer_alike(
    tmp_path_factory: pytest.TempPathFactory, org_steps: list[list[tuple[str, str, str, bool]]]
) -> None:
    admin = admin_url()
    tmp_path = tmp_path_factory.mktemp("org")
    ruleset, errors = load_rule_files([str(write_rules(tmp_path))])
    assert errors == []
    index = build_index(ruleset.rules)
    org = make_org(tmp_path, org_steps)
    lite = str(tmp_path / "inv.db")
    with fresh_database(admin) as server:
        answers = []
        for db in (lite, server):
            add(db, [str(org)], recursive=True, workers=1, now=T0 + 50_000)
            now = evaluate(InventoryRequest(db, now=T0 + 50_100), ruleset.rules, index)
            then = evaluate(
                InventoryRequest(db, at=T0 + 7200, now=T0 + 50_100), ruleset.rules, index
            )
            answers.append((_answer(now), _answer(then)))
    assert answers[0] == answers[1]


def _fixture_rules(directory: Path) -> Path:
    """One rule naming every seventh package of every fixture at its locked version."""
    picked: dict[str, set[str]] = {}
    for expected in sorted(FIXTURES.glob("*/*/expected.json")):
        packages = json.loads(expected.read_text(encoding="utf-8"))["packages"]
        for name, version in packages[::7]:
            picked.setdefault(name, set()).add(version)
    doc = {
        "schema_version": "1.0.0",
        "rules": [
            {
                "id": "PGTEST-001",
                "title": "Fixture packages (PostgreSQL equality test rule)",
                "kind": "compromised-release",
                "ecosystem": "npm",
                "severity": "critical",
                "package_rules": [
                    {"package_name": name, "affected_versions": [f"={v}" for v in sorted(vs)]}
                    for name, vs in sorted(picked.items())
                ],
            }
        ],
    }
    path = directory / "rules.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _fixture_org(tmp_path: Path) -> Path:
    """One repository per fixture: main holds it at the root, a branch in a subfolder."""
    org = tmp_path / "org"
    for expected in sorted(FIXTURES.glob("*/*/expected.json")):
        src = expected.parent
        r = Repo(tmp_path / "work" / f"{src.parent.name}-{src.name}")
        files = [p for p in src.iterdir() if p.is_file() and p.name != "expected.json"]
        for f in files:
            shutil.copyfile(f, r.path / f.name)
        r.commit("fixture", at=T0)
        r.git("checkout", "-q", "-b", "moved")
        (r.path / "sub").mkdir()
        for f in files:
            r.git("mv", f.name, f"sub/{f.name}")
        r.commit("moved", at=T0 + 60)
        r.git("checkout", "-q", "main")
        mirror(r.path, org / f"{src.parent.name}-{src.name}.git")
    return org


def _stable(report: dict[str, Any]) -> dict[str, Any]:
    """The report without what differs between any two runs: its id, times, and where the
    inventory is (the scan's root and project name)."""
    scan = {k: v for k, v in report["scan"].items() if k not in {"id", "root", "project"}}
    scan = {k: v for k, v in scan.items() if k not in {"started_at", "finished_at"}}
    summary = {k: v for k, v in report["summary"].items() if k != "elapsed_ms"}
    return {**report, "scan": scan, "summary": summary}


def test_the_json_reports_over_sqlite_and_postgresql_are_identical(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    admin = admin_url()
    org = _fixture_org(tmp_path)
    rules = str(_fixture_rules(tmp_path))
    lite = str(tmp_path / "inv.db")
    with fresh_database(admin) as server:
        reports = []
        for n, db in enumerate((lite, server)):
            assert main(["inventory", "add", "-db", db, "-git", str(org), "-recursive"]) == 0
            out = tmp_path / f"report{n}.json"
            assert main(["-rules", rules, "-inventory", db, "-json", "-output", str(out)]) == 2
            reports.append(json.loads(out.read_text(encoding="utf-8")))
    capsys.readouterr()
    assert reports[0]["findings"], "the rule must hit the fixtures for the test to mean much"
    assert {f["lockfile"].rsplit("/", 1)[-1] for f in reports[0]["findings"]} >= {
        "package-lock.json",
        "pnpm-lock.yaml",
        "yarn.lock",
        "bun.lock",
        "bun.lockb",
    }
    assert reports[1]["scan"]["root"] == shown_location(server)
    assert _stable(reports[0]) == _stable(reports[1])
