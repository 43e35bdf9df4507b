"""argparse's help width is worked out once per process (cli._base.help_width), as
``shutil.get_terminal_size`` would: ``COLUMNS`` first, 2 columns kept free."""

from __future__ import annotations

import argparse
import shutil

import pytest

from gouvernante.cli import _base
from gouvernante.cli.scan import build_scan_parser


@pytest.mark.parametrize("columns", ["60", "132"])
def test_help_is_wrapped_to_columns(monkeypatch: pytest.MonkeyPatch, columns: str) -> None:
    monkeypatch.setattr(_base, "_help_width", [])
    monkeypatch.setenv("COLUMNS", columns)
    assert _base.help_width() == shutil.get_terminal_size().columns - 2 == int(columns) - 2
    parser = build_scan_parser()
    text = parser.format_help()
    # the same text as argparse's own formatter, which asks shutil for the width itself
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    assert text == parser.format_help()
    assert "-lockfile FILE" in text


def test_width_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_base, "_help_width", [])
    monkeypatch.setenv("COLUMNS", "70")
    assert _base.help_width() == 68
    monkeypatch.setenv("COLUMNS", "200")
    assert _base.help_width() == 68


def test_unusable_columns_fall_back_like_shutil(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_base, "_help_width", [])
    monkeypatch.setenv("COLUMNS", "not a number")
    assert _base.help_width() == shutil.get_terminal_size().columns - 2
