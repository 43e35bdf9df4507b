"""A scan does only the work its outputs need: the project's identity (CI variables, the git
remote read from .git/config) is looked up for the JSON report and the CycloneDX SBOM only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gouvernante.cli import _project, main

RUNBOOK = Path(__file__).parent.parent / "e2e" / "fixtures" / "runbook"
LOCK = str(RUNBOOK / "test" / "clean-lockfile.json")
RULES = str(RUNBOOK / "rules")


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    seen: list[str | None] = []

    def identity(explicit: str | None, start: str, env: object = None) -> str:
        seen.append(explicit)
        return "example.test/org/app"

    monkeypatch.setattr(_project, "project_identity", identity)
    return seen


@pytest.mark.parametrize("fmt", [[], ["-format", "markdown"], ["-format", "sarif"]])
def test_text_markdown_sarif_do_not_look_up_the_project(
    calls: list[str | None], fmt: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-rules", RULES, "-lockfile", LOCK, *fmt]) == 0
    assert calls == []
    capsys.readouterr()


def test_json_report_names_the_project(
    calls: list[str | None], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-rules", RULES, "-lockfile", LOCK, "-json"]) == 0
    assert calls == [None]
    assert json.loads(capsys.readouterr().out)["scan"]["project"] == "example.test/org/app"
