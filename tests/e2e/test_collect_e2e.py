"""Runbook step 9 end to end: several projects scanned with ``-json -output``, then ``collect``
reads exactly what the scans wrote (same types both ways) and groups them by project identity.

Fixtures: the runbook's rule and lockfiles (tests/e2e/fixtures/runbook).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from gouvernante.cli import main
from gouvernante.collect.load import load_reports
from gouvernante.report.model import Report

FIXTURES = Path(__file__).parent / "fixtures" / "runbook"
SECRET = "s3cret-token-not-for-reports"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Scan times one minute apart, from 2026-04-01T13:00Z (the rule is published at 12:00)."""
    from gouvernante import pipeline

    times = [f"2026-04-01T13:{m:02d}:{s:02d}Z" for m in range(60) for s in (0, 30)]
    used: list[str] = []

    def now() -> str:
        used.append(times[len(used)])
        return used[-1]

    monkeypatch.setattr(pipeline, "_utc_now", now)
    yield used


def _project(base: Path, name: str, lockfile: str) -> Path:
    folder = base / name
    folder.mkdir()
    shutil.copy(FIXTURES / "test" / lockfile, folder / "package-lock.json")
    return folder


def _scan(
    rules: Path, folder: Path, out: Path, monkeypatch: pytest.MonkeyPatch, *extra: str
) -> int:
    monkeypatch.chdir(folder)
    return main(["-rules", str(rules), "-dir", ".", "-json", "-output", str(out), *extra])


def test_collect_reads_what_scans_wrote(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    clock: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    rules = FIXTURES / "rules"
    reports = tmp_path / "reports"
    reports.mkdir()
    for var in ("GITHUB_REPOSITORY", "GITHUB_SERVER_URL", "CI_PROJECT_PATH", "CI_SERVER_HOST"):
        monkeypatch.delenv(var, raising=False)
    work = tmp_path / "work"
    work.mkdir()
    # a: a GitHub Actions job, affected, then remediated in a later job on another runner
    a = _project(work, "a", "affected-lockfile.json")
    monkeypatch.setenv("GITHUB_REPOSITORY", "org/a")
    assert _scan(rules, a, reports / "a1.json", monkeypatch) == 2
    shutil.copy(FIXTURES / "test" / "clean-lockfile.json", a / "package-lock.json")
    monkeypatch.setattr("gouvernante.pipeline._hostname", lambda: "other-runner")
    assert _scan(rules, a, reports / "a2.json", monkeypatch) == 0
    monkeypatch.delenv("GITHUB_REPOSITORY")
    # b: a clone whose origin URL carries credentials
    b = _project(work, "b", "clean-lockfile.json")
    (b / ".git").mkdir()
    (b / ".git" / "config").write_text(
        '[core]\n\tbare = false\n[remote "origin"]\n'
        f"\turl = https://ci:{SECRET}@github.com/org/b.git\n"
        "\tfetch = +refs/heads/*:refs/remotes/origin/*\n"
    )
    assert _scan(rules, b, reports / "b.json", monkeypatch) == 0
    # c: nothing says who it is: its scan root on its host; d: named on the command line
    c = _project(work, "c", "clean-lockfile.json")
    assert _scan(rules, c, reports / "c.json", monkeypatch) == 0
    d = _project(work, "d", "affected-lockfile.json")
    assert _scan(rules, d, reports / "d.json", monkeypatch, "-project", "team-d/web") == 2
    capsys.readouterr()

    written = sorted(reports.glob("*.json"))
    assert len(written) == 5
    for path in written:
        assert SECRET not in path.read_text(encoding="utf-8")
        report = msgspec.json.decode(path.read_bytes(), type=Report)
        # written and read with the same types: nothing lost, nothing added
        assert msgspec.to_builtins(report) == json.loads(path.read_text(encoding="utf-8"))

    loaded = load_reports([str(reports)])
    assert loaded.issues == [] and loaded.duplicates == 0 and loaded.conflicts == []
    by_source = {Path(r.source).name: r for r in loaded.reports}
    assert set(by_source) == {p.name for p in written}
    for path in written:
        doc = json.loads(path.read_text(encoding="utf-8"))
        rec = by_source[path.name]
        assert rec.scan_id == doc["scan"]["id"]
        assert rec.project == doc["scan"]["project"]
        assert rec.verdict == doc["summary"]["verdict"]
        assert len(rec.findings) == doc["summary"]["total_findings"]
        assert set(rec.rules) == {r["id"] for r in doc["rules"]["loaded"]}
    host = by_source["c.json"].host
    assert by_source["a1.json"].project == "github.com/org/a"
    assert by_source["a2.json"].project == "github.com/org/a"
    assert by_source["b.json"].project == "github.com/org/b"
    assert by_source["c.json"].project == f"{host}:{c}"
    assert by_source["d.json"].project == "team-d/web"

    code = main(["collect", str(reports), "-format", "json", "-now", "2026-04-01T14:00:00Z"])
    out = capsys.readouterr()
    assert SECRET not in out.out + out.err
    data = json.loads(out.out)
    assert code == 2
    (rule,) = data["rules"]
    assert rule["id"] == "SSC-2026-005"
    assert rule["projects"] == {
        "affected": 1,
        "remediated": 1,
        "clean": 2,
        "not_scanned": 0,
        "errored": 0,
    }
    assert rule["affected_projects"] == ["team-d/web"]
    assert rule["remediated_projects"] == ["github.com/org/a"]
    projects = {p["label"]: p for p in data["projects"]}
    assert projects["github.com/org/a"]["reports"] == 2
    assert projects["github.com/org/a"]["host"] == "other-runner"
    assert data["summary"]["projects"] == 4
