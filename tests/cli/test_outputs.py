"""Several reports from one scan: each -output file's format from its extension."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gouvernante.cli import main
from gouvernante.cli.scan import output_targets
from gouvernante.errors import UsageError
from gouvernante.report import ReportFormat


def test_formats_from_extensions() -> None:
    targets = output_targets(["r.json", "r.sarif", "s.md", "r.txt"], None)
    assert [t.format for t in targets] == [
        ReportFormat.JSON,
        ReportFormat.SARIF,
        ReportFormat.MARKDOWN,
        ReportFormat.TEXT,
    ]


def test_one_output_keeps_the_explicit_format() -> None:
    (target,) = output_targets(["report.out"], "sarif")
    assert target.format is ReportFormat.SARIF
    (auto,) = output_targets(["auto"], "json")
    assert auto.format is ReportFormat.JSON
    (plain,) = output_targets(["report.out"], None)
    assert plain.format is ReportFormat.TEXT


@pytest.mark.parametrize(
    "outputs", [["a.json", "b.unknown"], ["a.json", "a.json"]], ids=["extension", "twice"]
)
def test_refused(outputs: list[str]) -> None:
    with pytest.raises(UsageError):
        output_targets(outputs, None)


def test_unknown_extension_names_every_known_one() -> None:
    with pytest.raises(UsageError) as err:
        output_targets(["a.json", "b.unknown"], None)
    assert ".cdx.json" in str(err.value) and ".sarif" in str(err.value)


def test_one_scan_writes_every_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / "package.json").write_text('{"name": "p", "dependencies": {}}')
    out = tmp_path / "out"
    out.mkdir()
    names = ["report.json", "report.sarif", "summary.md"]
    args = ["-dir", str(project)]
    for name in names:
        args += ["-output", str(out / name)]
    assert main(args) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(names)
    assert json.loads((out / "report.json").read_text())["summary"]
    assert json.loads((out / "report.sarif").read_text())["version"] == "2.1.0"
    assert (out / "summary.md").read_text().startswith("#")
    assert "report:" in capsys.readouterr().out


def test_symlinked_output_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / "package.json").write_text('{"name": "p"}')
    victim = tmp_path / "victim"
    victim.write_text("keep")
    link = tmp_path / "report.json"
    link.symlink_to(victim)
    assert main(["-dir", str(project), "-output", str(link)]) == 1
    assert victim.read_text() == "keep"
    assert "symlink" in capsys.readouterr().err
