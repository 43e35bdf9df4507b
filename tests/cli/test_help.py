"""``gouvernante -h`` lists every command, so a new one cannot be hidden."""

from __future__ import annotations

import pytest

from gouvernante.cli import COMMANDS, main


@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help_lists_every_command(flag: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([flag]) == 0
    out = capsys.readouterr().out
    assert "-rules" in out
    for word in COMMANDS:
        assert f"\n  {word} " in out
    assert {"rules", "collect"} <= set(COMMANDS)


@pytest.mark.parametrize("word", sorted(COMMANDS))
def test_each_command_has_its_own_help(word: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([word, "-h"]) == 0
    assert f"gouvernante {word}" in capsys.readouterr().out
