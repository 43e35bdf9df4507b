"""The scan's parser holds only the flags given (decision 0121): the namespace and every refusal
are the whole parser's."""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools

import pytest

from gouvernante.cli import scan
from gouvernante.errors import UsageError


def _whole() -> argparse.ArgumentParser:
    return scan.build_scan_parser()


def _flags() -> list[argparse.Action]:
    return [a for a in _whole()._actions if a.option_strings and a.dest != "help"]


def _sample(action: argparse.Action, long: bool) -> list[str]:
    spelled = action.option_strings[1 if long else 0]
    if action.nargs == 0:
        return [spelled]
    if action.choices:
        return [spelled, str(next(iter(action.choices)))]
    if action.type is int:
        return [f"{spelled}=3"]
    return [spelled, f"value-of-{action.dest}"]


def _outcome(parser: argparse.ArgumentParser, args: list[str]) -> object:
    """The namespace, the refusal, or the exit with what was printed (help)."""
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            return vars(parser.parse_args(args))
    except UsageError as exc:
        return ("refused", str(exc))
    except SystemExit as exc:
        return ("exit", exc.code, printed.getvalue())


def _lean(args: list[str]) -> argparse.ArgumentParser:
    return scan.scan_parser_for(args)


def _argvs() -> list[list[str]]:
    flags = _flags()
    one = [_sample(a, long) for a in flags for long in (False, True)]
    pairs = [a + b for a, b in itertools.combinations(one[::2], 2)]
    odd = [
        [],
        ["-lockfile"],
        ["-lockfile", "a", "b"],
        ["-lockfile", "-rules"],
        ["-lockfile", "-git"],
        ["-lockfile=-x.json"],
        ["-lockfile", "-x.json"],
        ["-lock", "a"],
        ["--lockf", "a"],
        ["-format", "yaml"],
        ["-workers", "two"],
        ["-json=yes"],
        ["-lockfile", "a", "--", "b"],
        ["-lockfile", "a", "-"],
        ["-project", "-my project", "-lockfile", "a"],
        ["-lockfile", "a", "-lockfile", "b", "-rules", "r", "-builtin-rules"],
        ["---lockfile", "a"],
        ["-1"],
        ["-lockfile", "-1"],
        # a value given to a flag that takes none: Python < 3.13 reads its characters as short
        # options ("-json=h" is "-json -h": the help), 3.13 refuses it
        ["-json=h"],
        ["-trace=hh"],
        ["-version=h"],
        ["-lockfile", "a", "-json=h"],
        ["-json="],
        ["--json=h"],
        # options of other spellings: a Unicode dash is no option, "--" ends them, repeats
        ["\u2014lockfile", "a"],
        ["-lockfile", "\u2013json"],
        ["--", "-lockfile", "a"],
        ["-lockfile", "--", "-a"],
        ["-lockfile=", "a"],
        ["-json", "-json", "-lockfile=a", "--lockfile", "b"],
        ["-lockfile", "-a b"],
        ["-lockfile", "-1e5"],
    ]
    return one + pairs + odd


@pytest.mark.parametrize("args", _argvs(), ids=" ".join)
def test_lean_parser_reads_as_the_whole_one(args: list[str]) -> None:
    assert _outcome(_lean(args), args) == _outcome(_whole(), args)


def test_only_the_given_flags_are_added() -> None:
    lean = _lean(["-lockfile", "a"])
    assert [a.dest for a in lean._actions] == ["help", "lockfile"]
    both = _lean(["-json", "-lockfile=a"])
    assert [a.dest for a in both._actions] == ["help", "lockfile", "json"]
    assert len(_lean(["-json=h"])._actions) == len(_whole()._actions)
    assert len(_lean(["-lockfile", "a", "-h"])._actions) == len(_whole()._actions)
    assert len(_lean(["-lockfile", "a", "-nope"])._actions) == len(_whole()._actions)
