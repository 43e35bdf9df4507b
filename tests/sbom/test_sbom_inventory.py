"""``inventory add -sbom`` and ``inventory add REPORT.json``: SBOMs answer rules like the lockfile
they were made from; an unreadable SBOM is an error of its source; a JSON report, which holds
findings and not the package set, is a source ``-inventory`` lists as not answerable (never
clean)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from gouvernante.cli import main
from gouvernante.inventory.evaluate import InventoryRequest, evaluate
from gouvernante.inventory.merge import merge
from gouvernante.inventory.record import add
from gouvernante.lockfiles import parse_bytes
from gouvernante.lockfiles.sbom import parse_sbom
from gouvernante.model import Source
from gouvernante.rules.index import RuleIndex, build_index
from gouvernante.rules.loader import load_rule_files
from gouvernante.rules.model import Rule

HERE = Path(__file__).parent / "fixtures"
LOCK = Path(__file__).parents[1] / "lockfiles" / "fixtures" / "npm" / "npm11-v3"
T0 = 1788868800
RULES = {
    "schema_version": "1.0.0",
    "rules": [
        {
            "id": "SBOM-TEST-1",
            "title": "lodash 4.17.20, and a registry is-number 99.0.0 (a workspace's name)",
            "kind": "compromised-release",
            "ecosystem": "npm",
            "severity": "critical",
            "package_rules": [
                {"package_name": "lodash", "affected_versions": ["=4.17.20"]},
                {"package_name": "is-number", "affected_versions": ["=99.0.0"]},
                {"package_name": "ms", "affected_versions": ["=2.0.0"]},
            ],
        }
    ],
}


OTHER_RULES = {
    "schema_version": "1.0.0",
    "rules": [
        {
            "id": "SBOM-TEST-0",
            "title": "a package none of the fixtures holds",
            "kind": "compromised-release",
            "ecosystem": "npm",
            "severity": "high",
            "package_rules": [{"package_name": "left-pad", "affected_versions": ["=9.9.9"]}],
        }
    ],
}


def _rules(tmp_path: Path) -> tuple[tuple[Rule, ...], RuleIndex]:
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(RULES), encoding="utf-8")
    ruleset, errors = load_rule_files([str(path)])
    assert errors == []
    return tuple(ruleset.rules), build_index(ruleset.rules)


def _answers(db: str, rules: tuple[Rule, ...], index: RuleIndex) -> set[tuple[str, str, str]]:
    out = evaluate(InventoryRequest(db, now=T0 + 10), rules, index)
    assert out.errors == []
    return {(f.rule_id, f.package or "", f.version or "") for f in out.findings}


@pytest.mark.parametrize(
    "sbom", ["npm-sbom.cdx", "npm-sbom.spdx", "cdxgen.cdx", "cyclonedx-npm.cdx"]
)
def test_an_sbom_answers_like_the_lockfile_it_was_made_from(tmp_path: Path, sbom: str) -> None:
    rules, index = _rules(tmp_path)
    project = tmp_path / "checkout"
    project.mkdir()
    shutil.copy(LOCK / "package-lock.json", project / "package-lock.json")
    by_dir = str(tmp_path / "dir.db")
    add(by_dir, [], dirs=[str(project)], now=T0)
    by_sbom = str(tmp_path / "sbom.db")
    path = tmp_path / f"app.{sbom}.json"
    shutil.copy(HERE / f"npm11-v3.{sbom}.json", path)
    summary = add(by_sbom, [], sboms=[str(path)], now=T0)
    assert (summary.sboms, summary.errors, summary.refs) == (1, [], 1)
    expected = _answers(by_dir, rules, index)
    assert ("SBOM-TEST-1", "lodash", "4.17.20") in expected  # behind the my-lodash alias
    assert ("SBOM-TEST-1", "ms", "2.0.0") in expected  # inside a workspace
    got = _answers(by_sbom, rules, index)
    if sbom != "cdxgen.cdx":
        # the documented exception: only cdxgen marks a workspace; the others write it like a
        # registry release (no hash, no download location, as npm writes a registry release
        # whose lockfile entry lost its integrity, decision 0083), so the workspace
        # is-number@99.0.0 is reported (never a wrong clean the other way round)
        assert got == expected | {("SBOM-TEST-1", "is-number", "99.0.0")}
    else:
        assert got == expected
    out = evaluate(InventoryRequest(by_sbom, now=T0 + 10), rules, index)
    assert {f.ref for f in out.findings} == {
        "sbom:npm11-v3@1.0.0" if sbom == "npm-sbom.cdx" else "sbom:fixture-app@1.0.0"
    }
    assert {f.lockfile for f in out.findings} == {path.name}
    assert all(f.repository and f.repository.endswith(f":{path}") for f in out.findings)


def test_a_new_sbom_at_the_same_path_moves_the_source(tmp_path: Path) -> None:
    rules, index = _rules(tmp_path)
    db = str(tmp_path / "inv.db")
    path = tmp_path / "bom.json"
    shutil.copy(HERE / "npm11-v3.npm-sbom.spdx.json", path)
    first = add(db, [], sboms=[str(path)], now=T0)
    assert (first.refs_moved, first.blobs_parsed) == (1, 1)
    assert add(db, [], sboms=[str(path)], now=T0 + 1).blobs_parsed == 0
    shutil.copy(HERE / "bundled.npm-sbom.spdx.json", path)
    moved = add(db, [], sboms=[str(path)], now=T0 + 5)
    assert (moved.refs_moved, moved.refs_gone, moved.blobs_parsed) == (1, 1, 1)
    assert _answers(db, rules, index) == set()
    then = evaluate(InventoryRequest(db, at=T0 + 2, now=T0 + 10), rules, index)
    # and the workspace is-number@99.0.0, which npm sbom does not mark (decision 0083)
    assert {f.package for f in then.findings} == {"lodash", "ms", "is-number"}


def test_an_unreadable_sbom_is_an_error_of_its_source_never_clean(tmp_path: Path) -> None:
    rules, index = _rules(tmp_path)
    doc = json.loads((HERE / "npm11-v3.npm-sbom.cdx.json").read_text())
    doc["components"][3]["purl"] = "pkg:npm/%40evil/x@"  # no version
    path = tmp_path / "bad.cdx.json"
    path.write_text(json.dumps(doc))
    db = str(tmp_path / "inv.db")
    summary = add(db, [], sboms=[str(path), str(tmp_path / "missing.json")], now=T0)
    assert summary.sboms == 1
    messages = [f"{e.path}: {e.message}" for e in summary.errors]
    assert any("components[3].purl: npm package URL whose version is empty" in m for m in messages)
    assert any("missing.json" in m for m in messages)
    assert not any("evil" in m for m in messages)  # the value is never shown
    out = evaluate(InventoryRequest(db, now=T0 + 10), rules, index)
    assert out.findings == []
    [error] = out.errors
    assert "components[3].purl" in error.message


def _report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A real scan's JSON report (the CLI on a lockfile fixture)."""
    project = tmp_path / "laptop-project"
    project.mkdir()
    shutil.copy(LOCK / "package-lock.json", project / "package-lock.json")
    rules = tmp_path / "old-rules.json"
    rules.write_text(json.dumps(OTHER_RULES), encoding="utf-8")
    report = tmp_path / "report.json"
    code = main(["-rules", str(rules), "-dir", str(project), "-output", str(report)])
    capsys.readouterr()
    assert code == 0, code
    return report


def test_a_json_report_is_a_source_that_cannot_answer_a_new_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules, index = _rules(tmp_path)
    report = _report(tmp_path, capsys)
    db = str(tmp_path / "inv.db")
    summary = add(db, [], reports=[str(report), str(report)], now=T0)
    assert (summary.reports, summary.reports_new, summary.errors) == (2, 1, [])
    assert add(db, [], reports=[str(report)], now=T0 + 1).reports_new == 0
    row = sqlite3.connect(db).execute("SELECT name, host, files FROM report_sources").fetchone()
    assert row[0].endswith(":" + str(tmp_path / "laptop-project"))
    assert json.loads(row[2]) == ["package-lock.json"]
    out = evaluate(InventoryRequest(db, now=2**40), rules, index)
    # The laptop resolved lodash 4.17.20, but the report cannot say so: never a clean answer.
    assert out.findings == []
    [error] = out.errors
    assert error.path == row[0]
    assert "known only from a JSON report" in error.message
    assert "cannot answer these rules" in error.message
    # Before the scan, nothing was known: no source then.
    assert evaluate(InventoryRequest(db, at=1, now=2**40), rules, index).errors == []
    # Once the folder itself is recorded (HOST:ROOT, the name the report gave it), it answers.
    add(db, [], dirs=[str(tmp_path / "laptop-project")], now=2**39)
    answered = evaluate(InventoryRequest(db, now=2**39 + 1), rules, index)
    assert answered.errors == []
    assert {(f.repository, f.package) for f in answered.findings} == {
        (row[0], "lodash"),
        (row[0], "ms"),
    }


def test_an_sbom_over_the_size_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("gouvernante.inventory.external.MAX_SBOM_BYTES", 1000)
    db = str(tmp_path / "inv.db")
    summary = add(db, [], sboms=[str(HERE / "npm11-v3.cdxgen.cdx.json")], now=T0)
    assert summary.sboms == 0
    [error] = summary.errors
    assert error.message.startswith("file is too large (")
    assert error.message.endswith("the limit is 1000 bytes)")


def test_cli_inventory_add_sbom_and_report_then_inventory_exit_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = _report(tmp_path, capsys)
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(RULES), encoding="utf-8")
    db = str(tmp_path / "inv.db")
    sbom = HERE / "npm11-v3.cdxgen.cdx.json"
    assert main(["inventory", "add", "-db", db, "-sbom", str(sbom)]) == 0
    assert "1 SBOMs" in capsys.readouterr().out
    assert main(["-rules", str(rules), "-inventory", db]) == 2  # findings
    capsys.readouterr()
    assert main(["inventory", "add", "-db", db, str(report)]) == 0
    assert "1 reports (1 new; packages unknown)" in capsys.readouterr().out
    empty = tmp_path / "none.json"
    empty.write_text(json.dumps(OTHER_RULES), encoding="utf-8")
    assert main(["-rules", str(empty), "-inventory", db]) == 1  # the report source: an error
    assert "known only from a JSON report" in capsys.readouterr().err
    assert main(["inventory", "add", "-db", db, str(sbom.parent / "bundled")]) == 1
    assert main(["inventory", "add", "-db", db, "-sbom", str(rules)]) == 1
    err = capsys.readouterr().err
    assert "not a CycloneDX or SPDX JSON SBOM" in err


def test_a_second_sbom_after_one_sbom_flag_is_said_to_be_an_sbom(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``-sbom a.json b.json`` reads b.json as a JSON report (``-sbom`` takes one file each
    time): the error says what it is and how to give it, not a report's missing key."""
    db = str(tmp_path / "inv.db")
    sbom = str(HERE / "npm11-v3.cdxgen.cdx.json")
    assert main(["inventory", "add", "-db", db, "-sbom", sbom, sbom]) == 1
    err = capsys.readouterr().err
    assert f"{sbom}: an SBOM, not a gouvernante JSON report: give it with -sbom" in err
    assert "schema_version" not in err


def test_our_own_cyclonedx_output_reads_back_to_the_lockfile_package_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(OTHER_RULES), encoding="utf-8")
    out = tmp_path / "own.cdx.json"
    lock = LOCK / "package-lock.json"
    assert main(["-rules", str(rules), "-lockfile", str(lock), "-format", "cyclonedx",
                 "-output", str(out)]) == 0  # fmt: skip
    capsys.readouterr()
    sbom = parse_sbom(out.read_bytes(), str(out))
    graph = parse_bytes(lock.read_bytes(), "package-lock.json")
    expected = {(p.name, p.version) for p in graph.table if p.source is not Source.LOCAL}
    assert {(p.name, p.version) for p in sbom.graph.packages} == expected
    # workspaces and importers carry no purl in our output: counted, not read
    assert sbom.without_purl > 0 and sbom.local == 0


def test_our_sbom_of_a_scan_with_an_error_reads_back_as_an_error_never_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A scan that could not read one lockfile writes an SBOM without it: ingested, that SBOM
    is an error of its source (its findings kept), not a clean package set. (A real case: a
    yarn 1 lockfile a scan refused; its SBOM, once ingested, answered CLEAN.)"""
    rules, index = _rules(tmp_path)
    rules_path = tmp_path / "rules.json"
    project = tmp_path / "monorepo"
    (project / "app").mkdir(parents=True)
    (project / "cut").mkdir()
    lock = (LOCK / "package-lock.json").read_bytes()
    (project / "app" / "package-lock.json").write_bytes(lock)
    (project / "cut" / "package-lock.json").write_bytes(lock[: len(lock) // 2])
    out = tmp_path / "own.cdx.json"
    code = main(["-rules", str(rules_path), "-dir", str(project), "-recursive",
                 "-format", "cyclonedx", "-output", str(out)])  # fmt: skip
    assert code == 2  # findings in app/, an error for cut/
    capsys.readouterr()
    db = str(tmp_path / "inv.db")
    summary = add(db, [], sboms=[str(out)], now=T0)
    assert (summary.sboms, summary.errors) == (1, [])
    result = evaluate(InventoryRequest(db, now=T0 + 10), rules, index)
    assert ("lodash", "4.17.20") in {(f.package, f.version) for f in result.findings}
    [error] = result.errors
    assert "metadata.properties[0]: the scan that wrote this SBOM could not read" in error.message
    assert "cut" not in error.message  # the property's text is not echoed
    assert main(["-rules", str(rules_path), "-inventory", db]) == 2
    assert "could not read everything" in capsys.readouterr().err
    empty = tmp_path / "none.json"
    empty.write_text(json.dumps(OTHER_RULES), encoding="utf-8")
    assert main(["-rules", str(empty), "-inventory", db]) == 1  # never clean


def test_merge_carries_sboms_and_report_sources(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules, index = _rules(tmp_path)
    report = _report(tmp_path, capsys)
    sbom = tmp_path / "bom.json"
    shutil.copy(HERE / "npm11-v3.cdxgen.cdx.json", sbom)
    one, two, both = (str(tmp_path / n) for n in ("one.db", "two.db", "both.db"))
    add(one, [], sboms=[str(sbom)], now=T0)
    add(two, [], reports=[str(report)], now=T0)
    add(both, [], sboms=[str(sbom)], reports=[str(report)], now=T0)
    target = str(tmp_path / "merged.db")
    for _ in range(2):  # idempotent
        summary = merge(target, [one, two])
        assert summary.errors == []
    now = 2**40

    def answer(db: str) -> tuple[set[tuple[str | None, str | None]], list[str]]:
        out = evaluate(InventoryRequest(db, now=now), rules, index)
        return {(f.ref, f.package) for f in out.findings}, [e.path for e in out.errors]

    assert answer(target) == answer(both)
    assert len(answer(target)[1]) == 1  # the report's project: not answerable
    rows = sqlite3.connect(target).execute("SELECT COUNT(*) FROM report_sources").fetchone()
    assert rows == (1,)
