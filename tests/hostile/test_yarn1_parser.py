"""yarn 1 stops reading its lockfile at an indented line it meets outside any entry (decision
0099): the entries after it are resolved from the registry again by ``install
--frozen-lockfile``, while our readers, which read blank and comment lines as nothing, read them
as written. A lone carriage return is a line end to yarn after which spaces are no indentation,
and part of a comment: normalised to ``\n``, the lines around it read otherwise. A quoted
header token is one key as written: split at a comma or stripped, it answered a dependency
yarn resolves again. Each fixture
was made and installed by yarn 1.22.22 (``fixtures/yarn1-parser/generate.sh``;
``installed.json``: what yarn installed); every case but the held one read CLEAN (exit 0)
before. ``parser-verdicts.txt``: yarn's own parser on 3,000 edited texts, which our port of it
must match.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from gouvernante.errors import LockfileError
from gouvernante.lockfiles import yarn
from gouvernante.lockfiles._yarn_classic_stop import _stop_offset, _Throws, stop_line
from helpers import compromised_rules, scan_report

FIXTURES = Path(__file__).parent / "fixtures" / "yarn1-parser"
RULES = compromised_rules("Y1-STOP", ("ms", "=2.1.3"), published_at=None)
STOPS = "yarn 1 stops reading the file at this indented line"
LONE_CR = "a carriage return not before a line feed"
KEYED = "a quoted header token holding a comma, or white space at an end"
# case -> the error and its line (None: yarn reads the file as we do)
EXPECTED: dict[str, tuple[str, int] | None] = {
    "stop-indented-comment": (STOPS, 13),
    "stop-blank-line": (STOPS, 13),
    "stop-crlf": (STOPS, 13),
    # a lone CR: the fields after it are no entry's, the next indented line stops yarn
    "stop-lone-cr": (LONE_CR, 10),
    # a comment holding lone CRs hides 2.1.2's fields after 2.1.3's from yarn
    "cr-comment-hides": (LONE_CR, 16),
    # the last entry's resolved line after a lone CR is no field of it: yarn resolves it again
    "cr-resolved-out": (LONE_CR, 14),
    # a quoted header token is one key as written: no dependency is answered by it
    "key-quoted-comma": (KEYED, 12),
    "key-quoted-space": (KEYED, 12),
    "held-comment-one-blank": None,
    # CRLF: yarn's readFile makes each \r\n a \n before parsing (one blank line, not two)
    "held-crlf-comment-one-blank": None,
}


def _installed(case: str) -> list[list[str]]:
    record = json.loads((FIXTURES / case / "installed.json").read_text(encoding="utf-8"))
    assert record["exit"] == 0, case  # yarn accepted the file
    installed: list[list[str]] = record["installed"]
    return installed


def test_every_fixture_is_expected() -> None:
    cases = {p.name for p in FIXTURES.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert cases == set(EXPECTED)
    for case, error in EXPECTED.items():
        # yarn installed the release the file hides exactly where it reads the file otherwise
        assert (["ms", "2.1.3"] in _installed(case)) == (error is not None), case
        assert (["ms", "2.1.2"] in _installed(case)) == (error is None), case


@pytest.mark.parametrize("mode", ["-lockfile", "-dir"])
@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_a_file_yarn_reads_otherwise_is_an_error(tmp_path: Path, case: str, mode: str) -> None:
    folder = tmp_path / "project"
    shutil.copytree(FIXTURES / case, folder, ignore=shutil.ignore_patterns("installed.json"))
    target = str(folder / "yarn.lock") if mode == "-lockfile" else str(folder)
    code, report = scan_report(tmp_path, RULES, mode, target)
    errors = [e["message"] if isinstance(e, dict) else str(e) for e in report["errors"]]
    assert not report["findings"]  # (the file says ms 2.1.2)
    expected = EXPECTED[case]
    if expected is None:
        assert code == 0, errors
        return
    message, line = expected
    assert code == 1, errors
    assert any(f"line {line}: {message}" in e for e in errors), errors


def _corpus_texts(base: str) -> list[str]:
    """``corpus.py``'s texts (run from its source: no bytecode left in the fixtures)."""
    path = FIXTURES / "corpus.py"
    namespace: dict[str, Any] = {"__name__": "yarn1_corpus"}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    texts: list[str] = namespace["texts"](base)
    return texts


def _texts_and_verdicts(*, normalised: bool = False) -> list[tuple[str, str]]:
    """The corpus and yarn's parser's verdicts on it: as made, or (``normalised``) as yarn's
    ``readFile`` hands each text to its parser (``\\r\\n`` made ``\\n``)."""
    base = (FIXTURES / "base.lock").read_bytes().decode("utf-8")
    texts = _corpus_texts(base)
    raw, as_read = (FIXTURES / "parser-verdicts.txt").read_text(encoding="ascii").split()
    verdicts = as_read if normalised else raw
    assert len(verdicts) == len(texts)
    if normalised:
        texts = [text.replace("\r\n", "\n") for text in texts]
    return list(zip(texts, verdicts, strict=True))


def _port(text: str) -> str:
    try:
        return "o" if _stop_offset(text) is None else "s"
    except _Throws:
        return "t"


@pytest.mark.parametrize("normalised", [False, True])
def test_the_port_reads_as_yarns_own_parser(normalised: bool) -> None:
    pairs = _texts_and_verdicts(normalised=normalised)
    assert {verdict for _, verdict in pairs} == {"o", "s", "t"}
    differ = [i for i, (text, verdict) in enumerate(pairs) if _port(text) != verdict]
    assert not differ


def test_every_text_yarn_stops_reading_is_refused_or_an_error() -> None:
    """The cheap test that sends a file to the port misses no stop a reader lets through (the
    verdicts on the texts as yarn's readFile hands them to its parser; our readers read the
    texts as made)."""
    read = 0
    made = [text for text, _ in _texts_and_verdicts()]
    for text, (as_read, verdict) in zip(made, _texts_and_verdicts(normalised=True), strict=True):
        if verdict != "s":
            continue
        try:
            graph = yarn.parse(text.encode("utf-8"), "yarn.lock")
        except LockfileError:
            continue
        read += 1
        assert stop_line(as_read) is not None
        assert any(STOPS in e or LONE_CR in e for e in graph.entry_errors)
    assert read > 100  # (the readers take many of them)


def test_yarns_own_layout_never_reaches_the_port() -> None:
    base = (FIXTURES / "base.lock").read_text(encoding="utf-8")
    assert stop_line(base) is None
    for text in (base, base.replace("\n", "\r\n")):
        graph = yarn.parse(text.encode(), "yarn.lock")
        assert not graph.entry_errors


@pytest.mark.parametrize(
    ("header", "keyed_otherwise"),
    [
        ('"ms@^2.1.1, ms@^2.0.0":', True),
        ('"ms@^2.1.1,ms@^2.0.0":', True),
        ('"ms@^2.0.0, ms@^2.1.1":', True),
        ('"ms@^2.1.1 ":', True),
        ('" ms@^2.1.1":', True),
        ('"ms@^2.1.1\\t":', True),  # (an escape: the line reader's path)
        ('"ms@^2.1.1\\u002c ms@^2.0.0":', True),
        ('ms@^2.1.1, "ms@^2.0.0":', False),
        ('"ms@^2.1.1", "ms@^2.0.0":', False),
        ('"ms@>= 2.1.1 < 3":', False),  # (inner spaces: yarn writes such keys)
        ("ms@^2.1.1:", False),
    ],
)
def test_a_quoted_token_yarn_keys_as_written_is_an_error(
    header: str, keyed_otherwise: bool
) -> None:
    base = (FIXTURES / "base.lock").read_text(encoding="utf-8")
    text = base.replace("ms@^2.1.1:", header)
    graph = yarn.parse(text.encode(), "yarn.lock")
    assert any(KEYED in e for e in graph.entry_errors) == keyed_otherwise, graph.entry_errors


def test_a_quoted_token_a_dependency_names_as_written_is_no_error() -> None:
    """``"ms@^2.1.1 ":`` answers ``ms "^2.1.1 "`` in yarn too (its pattern is the token)."""
    base = (FIXTURES / "base.lock").read_text(encoding="utf-8")
    text = base.replace("ms@^2.1.1:", '"ms@^2.1.1 ":').replace('ms "^2.1.1"', 'ms "^2.1.1 "')
    graph = yarn.parse(text.encode(), "yarn.lock")
    assert not any(KEYED in e for e in graph.entry_errors), graph.entry_errors


def test_what_follows_a_stop_is_never_read() -> None:
    """yarn's lexer makes tokens as its parser asks: text after the stop (here an odd
    indentation, which throws once read, and a megabyte of it) is never read; the port reads
    tokens as it goes too (memory: one token, not the file's)."""
    stopped = (FIXTURES / "stop-indented-comment" / "yarn.lock").read_text(encoding="utf-8")
    assert stop_line(stopped) == 13
    tail = "   odd\n" + 'x@1:\n  version "1"\n' * 50_000
    assert stop_line(stopped + tail) == 13
    assert _port(tail) == "t"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # 300,000 line ends before the entry (the gate's regex tried each of them again)
        ("ms@^2.1.1:", "\n" * 300_000 + "ms@^2.1.1:"),
        # 300,000 spaces after a header's comma (the port skipped them one match at a time)
        ("ms@^2.1.1:", "ms@^2.1.1," + " " * 300_000 + "ms@^2.0.0:"),
    ],
    ids=["line-ends", "spaces"],
)
def test_the_port_and_its_gate_take_linear_time(old: str, new: str) -> None:
    """Hostile runs the readers accept (red team, decision 0104): 300,000 line ends or spaces
    cost 13.5 s and 5.8 s of CPU per 200,000 before (quadratic); now a stop at the end
    of the file is found in well under a second."""
    base = (FIXTURES / "base.lock").read_text(encoding="utf-8")
    text = base.replace(old, new) + "\n\n  # pinned\n"
    start = time.process_time()  # CPU time: the machine may be shared
    graph = yarn.parse(text.encode(), "yarn.lock")
    spent = time.process_time() - start
    assert any(STOPS in e for e in graph.entry_errors), graph.entry_errors
    assert spent < 2.0, f"{spent:.2f} s of CPU"
