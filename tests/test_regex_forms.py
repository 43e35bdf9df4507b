"""The patterns of ``src`` read the same on every CPython we run on, Debian 12's 3.11.2 included
(decision 0131).

CPython before 3.11.5 misreads a possessive quantifier over more than one character
(``(?:ab?c)*+``, ``((?!C).)++``: CPython gh-106052, gh-100061): after a failed try of the body its
``POSSESSIVE_REPEAT`` does not put the position back, and the rest of the pattern goes on from
where the failed try stopped. 3.11.5 added that one line. The engine's ``ATOMIC_GROUP`` puts the
position back when its body fails, and it and ``POSSESSIVE_REPEAT_ONE`` (a possessive quantifier
over one character) are the same code in 3.11.2 and 3.13. So every possessive quantifier over more
than one character in ``src`` is written ``(?>X)*+`` (not ``(?:X)*+``): on 3.11.5 and later it is
the same as before (each try of the body is already atomic there), on 3.11.2 a failed try puts the
position back.

Here:

- every pattern ``src`` holds (compiled, lazy, or a pattern's source text at module level) and
  every string literal of ``src`` is checked for that form;
- each such pattern is run against its original (``(?>X)*+`` turned back into ``(?:X)*+``, on a
  Python that reads that right) and against a form with neither possessive quantifiers nor atomic
  groups (``(?=(X))\\g`` for ``(?>X)``, ``(?=(X*))\\g`` for ``X*+``: a look-ahead takes its
  body's first match and never gives it back), on the lockfiles and scripts of the test fixtures
  and on Hypothesis' texts: same matches, same groups (against the emulation, the groups the
  pattern sets).
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import sys
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from re import _compiler, _parser  # type: ignore[attr-defined]
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gouvernante
from gouvernante.lazy import _Lazy

SRC = Path(gouvernante.__file__).resolve().parent
TESTS = Path(__file__).resolve().parent
C = _parser  # the opcodes (``re._constants``, re-exported by the parser in 3.11 to 3.13)

# The first Python whose POSSESSIVE_REPEAT puts the position back (3.11.5's changelog).
FIXED = (3, 11, 5)


# --- the patterns of src ------------------------------------------------------------------------


def _possessive_or_atomic(text: str | bytes) -> bool:
    marks = ("*+", "++", "?+", "}+", "(?>")
    if isinstance(text, bytes):
        return any(m.encode() in text for m in marks)
    return any(m in text for m in marks)


def _visit(
    found: dict[tuple[str | bytes, int], list[str]], where: str, value: object, depth: int
) -> None:
    if isinstance(value, re.Pattern):
        if _possessive_or_atomic(value.pattern):
            found.setdefault((value.pattern, value.flags), []).append(where)
    elif isinstance(value, _Lazy):
        if getattr(value._make, "__qualname__", "") == "lazy_pattern.<locals>.<lambda>":
            value.pattern  # noqa: B018 - compiles it
            _visit(found, where, value.__dict__["_made"], depth)
    elif isinstance(value, str | bytes):
        if len(value) > 2 and _possessive_or_atomic(value):
            try:
                compiled = re.compile(value)
            except re.error:  # a piece of a pattern
                return
            found.setdefault((compiled.pattern, compiled.flags), []).append(where)
    elif depth < 3 and isinstance(value, tuple | list | set | frozenset):
        for i, item in enumerate(value):
            _visit(found, f"{where}[{i}]", item, depth + 1)
    elif depth < 3 and isinstance(value, dict):
        for i, item in enumerate(value.values()):
            _visit(found, f"{where}[#{i}]", item, depth + 1)


@cache
def src_patterns() -> dict[tuple[str | bytes, int], list[str]]:
    """Every pattern ``src`` holds at module level (compiled, lazy, in containers, or as the
    source text of one: ``_BLOCK`` compiled in a function) that uses a possessive quantifier or an
    atomic group, with the names it was found under."""
    found: dict[tuple[str | bytes, int], list[str]] = {}
    for info in pkgutil.walk_packages(gouvernante.__path__, "gouvernante."):
        if info.name.endswith(".__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            _visit(found, f"{info.name}.{name}", value, 0)
    return found


def test_the_inventory_holds_the_readers_patterns() -> None:
    """The walk finds what it is for (a walk that found nothing would pass every test below)."""
    where = {name for names in src_patterns().values() for name in names}
    for name in (
        "gouvernante.lockfiles._yarn_classic._C_ENTRY",
        "gouvernante.lockfiles._yarn_classic._BLOCK",
        "gouvernante.lockfiles._yarn_berry._BLOCK",
        "gouvernante.lockfiles._pnpm_lines._STRICT_PACKAGES",
        "gouvernante.lockfiles._tarball_url._PLAIN_LINES",
        "gouvernante.host.install_state._STATE_BODY",
        "gouvernante.heuristic.signals.RX_PREFIX_FILTER",
    ):
        assert name in where, name
    assert len(src_patterns()) >= 40, len(src_patterns())


# --- the form -----------------------------------------------------------------------------------


def _children(op: Any, av: Any) -> list[Any]:
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
        return [av[2]]
    if op is C.SUBPATTERN:
        return [av[3]]
    if op in (C.ASSERT, C.ASSERT_NOT):
        return [av[1]]
    if op is C.ATOMIC_GROUP:
        return [av]
    if op is C.BRANCH:
        return list(av[1])
    if op is C.GROUPREF_EXISTS:
        return [av[1]] + ([av[2]] if av[2] is not None else [])
    return []


def _nodes(sub: Any) -> Iterator[tuple[Any, Any]]:
    for op, av in sub.data:
        yield op, av
        for child in _children(op, av):
            yield from _nodes(child)


def misread_before_3_11_5(pattern: str | bytes, flags: int = 0) -> list[str]:
    """The possessive quantifiers of ``pattern`` that CPython 3.11.2 to 3.11.4 misread: over more
    than one character (what this Python's compiler makes a ``POSSESSIVE_REPEAT``) and not over an
    atomic group."""
    bad = []
    for op, av in _nodes(_parser.parse(pattern, flags)):
        if op is C.POSSESSIVE_REPEAT and not _compiler._simple(av[2]):
            body = av[2].data
            if not (len(body) == 1 and body[0][0] is C.ATOMIC_GROUP):
                bad.append(f"{av[0]},{av[1]} over {body!r:.80}")
    return bad


def test_the_form_tells_the_misread_quantifiers() -> None:
    assert misread_before_3_11_5("(?:ab?c)*+")
    assert misread_before_3_11_5("(((?!C).)++)")
    assert misread_before_3_11_5("(?:  [^\\n]*+\\n)?+")
    assert misread_before_3_11_5(b"(?:ab|c)*+")
    assert not misread_before_3_11_5("(?>ab?c)*+")
    assert not misread_before_3_11_5("((?>(?!C).)++)")
    assert not misread_before_3_11_5("[^\\n]*+\\s++(?:a)*+x?+\\w{2,120}+")


def test_no_pattern_of_src_is_misread_before_3_11_5() -> None:
    bad = {
        where[0]: found
        for (pattern, flags), where in src_patterns().items()
        if (found := misread_before_3_11_5(pattern, flags))
    }
    assert not bad


_QUANTIFIER = re.compile(r"(?:[*+?]|\{\d*,?\d*\})\+")


def _groups_before_possessive(body: str) -> Iterator[str]:
    """How the group opens (``?`` when its ``(`` is not in ``body``) for each ``)`` of a
    literal's text followed by a possessive quantifier."""
    opened: list[int] = []
    i, n = 0, len(body)
    while i < n:
        c = body[i]
        if c == "\\":
            i += 1
        elif c == "[":  # a class: ``]`` first is a member, ``\`` escapes
            i += 1
            i += body[i] == "^" if i < n else 0
            i += body[i] == "]" if i < n else 0
            while i < n and body[i] != "]":
                i += 2 if body[i] == "\\" else 1
        elif c == "(":
            opened.append(i)
        elif c == ")":
            start = opened.pop() if opened else None
            if _QUANTIFIER.match(body, i + 1):
                yield "?" if start is None else body[start : start + 3]
        i += 1


def _literals(source: str) -> Iterator[tuple[int, str]]:
    """(line, text) of each string literal of a Python ``source`` (an implicit concatenation is
    one; an f-string's fields are NUL)."""
    tree = ast.parse(source)
    parts = {
        id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and id(node) not in parts:
            if isinstance(node.value, str | bytes):
                value = node.value
                yield node.lineno, value.decode("latin-1") if isinstance(value, bytes) else value
        elif isinstance(node, ast.JoinedStr):
            text = "".join(
                str(v.value) if isinstance(v, ast.Constant) else "\0" for v in node.values
            )
            yield node.lineno, text


def literal_groups_misread(source: str) -> list[str]:
    """The possessive quantifiers over a group in the string literals of a Python ``source``
    whose group is not an atomic one written in the same literal (patterns a function compiles
    from literals are not in ``src_patterns``)."""
    return [
        f"line {line}: {opens}"
        for line, body in sorted(_literals(source))
        for opens in _groups_before_possessive(body)
        if opens != "(?>"
    ]


def test_the_literal_check_tells_the_misread_quantifiers() -> None:
    assert literal_groups_misread('X = r"(?:ab?c)*+"\n') == ["line 1: (?:"]
    assert literal_groups_misread('X = r"((?!C).)++"\n') == ["line 1: ((?"]
    assert literal_groups_misread('X = (rf"(?:{A}"\n r"b{1}\\)(?:x)?+")\n') == ["line 1: (?:"]
    assert not literal_groups_misread('X = (rf"(?>{A}"  # a comment\n r"b{1})?+")\n')
    assert literal_groups_misread('X = r"a)++"\n') == ["line 1: ?"]
    assert literal_groups_misread('X = rb"[)]*+(?:\\))++"\nY = f"{{1,2}}+(?:a){{1,2}}+"\n') == [
        "line 1: (?:",
        "line 2: (?:",
    ]
    assert not literal_groups_misread('X = r"(?>ab?c)*+[^\\n]*+\\)++" f"{B}++(?>{A})++"\n')


def test_no_literal_of_src_is_misread_before_3_11_5() -> None:
    bad = {
        str(path.relative_to(SRC)): found
        for path in sorted(SRC.rglob("*.py"))
        if (found := literal_groups_misread(path.read_text(encoding="utf-8")))
    }
    assert not bad


def test_this_python_reads_the_form_right() -> None:
    """The two bug reports written in the form: right on every Python (3.11.2 included)."""
    assert re.fullmatch("(?>ab?c)*+", "a") is None
    assert re.fullmatch("(?>ab?c)*+", "abcac").span() == (0, 5)  # type: ignore[union-attr]
    assert re.findall("((?>(?!C).)++)", "ABC") == ["AB"]
    assert re.match("((?>.(?!C))++)", "ABCD").span() == (0, 1)  # type: ignore[union-attr]
    misread = sys.version_info[:3] < FIXED
    assert (re.fullmatch("(?:ab?c)*+", "a") is not None) is misread


# --- the differential test ----------------------------------------------------------------------


def _rebuild(sub: Any, node: Callable[[Any, Any, Any], list[tuple[Any, Any]]]) -> Any:
    """A copy of the tree ``sub`` with ``node(op, av, state)`` put for each node, bottom up."""
    out = _parser.SubPattern(sub.state)
    for op, av in sub.data:
        if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
            av = (av[0], av[1], _rebuild(av[2], node))
        elif op is C.SUBPATTERN:
            av = (av[0], av[1], av[2], _rebuild(av[3], node))
        elif op in (C.ASSERT, C.ASSERT_NOT):
            av = (av[0], _rebuild(av[1], node))
        elif op is C.ATOMIC_GROUP:
            av = _rebuild(av, node)
        elif op is C.BRANCH:
            av = (av[0], [_rebuild(b, node) for b in av[1]])
        elif op is C.GROUPREF_EXISTS:
            no = None if av[2] is None else _rebuild(av[2], node)
            av = (av[0], _rebuild(av[1], node), no)
        out.data.extend(node(op, av, sub.state))
    return out


def original(pattern: str | bytes, flags: int) -> re.Pattern[Any]:
    """``pattern`` with each ``(?>X){m,n}+`` written ``(?:X){m,n}+`` again (its form before 0131;
    the same code as those sources gave, checked when it was written)."""

    def node(op: Any, av: Any, state: Any) -> list[tuple[Any, Any]]:
        body: Any = av[2].data if op is C.POSSESSIVE_REPEAT else ()
        if len(body) == 1 and body[0][0] is C.ATOMIC_GROUP:
            return [(op, (av[0], av[1], body[0][1]))]
        return [(op, av)]

    return _compiler.compile(_rebuild(_parser.parse(pattern, flags), node), flags)  # type: ignore[no-any-return]


def emulated(pattern: str | bytes, flags: int) -> re.Pattern[Any]:
    """``pattern`` with neither possessive quantifiers nor atomic groups: ``(?>X)`` is
    ``(?=(X))\\g`` and ``X{m,n}+`` is ``(?=(X{m,n}))\\g`` (``m`` at most 1, or ``X`` one
    character: the greedy repeat's first match is then the possessive one), the groups numbered
    after the pattern's own."""

    def wrap(state: Any, body: Any) -> list[tuple[Any, Any]]:
        gid = state.opengroup()
        state.closegroup(gid, body)
        group = _parser.SubPattern(state, [(C.SUBPATTERN, (gid, 0, 0, body))])
        return [(C.ASSERT, (1, group)), (C.GROUPREF, gid)]

    def node(op: Any, av: Any, state: Any) -> list[tuple[Any, Any]]:
        if op is C.ATOMIC_GROUP:
            return wrap(state, av)
        if op is C.POSSESSIVE_REPEAT:
            assert av[0] <= 1 or _compiler._simple(av[2]), av
            return wrap(state, _parser.SubPattern(state, [(C.MAX_REPEAT, av)]))
        return [(op, av)]

    tree = _rebuild(_parser.parse(pattern, flags), node)
    assert not any(op in (C.POSSESSIVE_REPEAT, C.ATOMIC_GROUP) for op, _ in _nodes(tree))
    return _compiler.compile(tree, flags)  # type: ignore[no-any-return]


@cache
def forms() -> list[tuple[str, re.Pattern[Any], list[re.Pattern[Any]]]]:
    """(where, the pattern, what it is compared with)."""
    out = []
    for (pattern, flags), where in sorted(src_patterns().items(), key=lambda kv: kv[1]):
        compiled = re.compile(pattern, flags)
        others = [emulated(pattern, flags)]
        if sys.version_info[:3] >= FIXED:
            others.insert(0, original(pattern, flags))
        out.append((where[0], compiled, others))
    return out


Outcome = tuple[tuple[tuple[int, int], ...], int | None] | None


def _outcome(m: re.Match[Any] | None, groups: int) -> Outcome:
    return None if m is None else (m.regs[: groups + 1], m.lastindex)


def _run(pattern: re.Pattern[Any], subject: Any, at: list[int], n: int) -> list[Outcome]:
    """``finditer`` (not for a pattern that matches the empty text: it is one match at each
    position, and such a pattern is matched at a place, not searched), ``fullmatch``, and
    ``match`` at each of ``at``."""
    found = [] if pattern.match(subject[:0]) else pattern.finditer(subject)
    return [
        *(_outcome(m, n) for m in found),
        _outcome(pattern.fullmatch(subject), n),
        *(_outcome(pattern.match(subject, i), n) for i in at),
    ]


def _span(m: re.Match[Any] | None) -> tuple[int, int] | None:
    return None if m is None else m.span()


def _same_as_emulated(want: Outcome, got: Outcome) -> bool:
    """The same match, and the same span for each group the pattern sets. (sre does not always
    unset a group set on a path it left: after the emulation's look-aheads, a group of a branch
    that failed can read as set; the pattern's own lastindex is not the emulation's either.)"""
    if want is None or got is None:
        return want is got
    return all(a == b for a, b in zip(want[0], got[0], strict=False) if a != (-1, -1))


def _compare(text: str, starts: int = 50) -> None:
    """Each pattern and what it is compared with give the same ``finditer``, ``fullmatch`` and
    ``match`` at the first ``starts`` line starts of ``text``: the original everything
    (``lastindex`` too), the emulation the matches and the groups the pattern sets."""
    data = text.encode("utf-8", "surrogatepass")
    at_text = [0, *[m.end() for m in re.finditer("\n", text)][: starts - 1]]
    at_data = [0, *[m.end() for m in re.finditer(b"\n", data)][: starts - 1]]
    for where, compiled, others in forms():
        subject: Any = data if isinstance(compiled.pattern, bytes) else text
        at = at_data if subject is data else at_text
        n = compiled.groups
        want = _run(compiled, subject, at, n)
        for other in others:
            got = _run(other, subject, at, n)
            if other.groups == n:  # the original
                assert got == want, (where, "original", text[:300])
            else:
                assert len(got) == len(want), (where, "emulated", text[:300])
                for w, g in zip(want, got, strict=True):
                    assert _same_as_emulated(w, g), (where, "emulated", w, g, text[:300])


def _fixture_texts() -> list[tuple[str, str]]:
    """The first 8 KiB of each lockfile, ``.yarn-state.yml`` and script of the tests."""
    names = ("yarn.lock", "pnpm-lock.yaml", ".yarn-state.yml")
    paths = [p for p in TESTS.rglob("*") if p.name in names or p.suffix in (".js", ".cjs", ".mjs")]
    out = []
    for path in sorted(paths):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        text = path.read_bytes()[:8192].decode("utf-8", "replace")
        out.append((str(path.relative_to(TESTS)), text))
    return out


def test_the_fixtures_read_the_same() -> None:
    """Each fixture whole, and the first 40 lines of each one by one."""
    texts = _fixture_texts()
    assert len(texts) > 200, len(texts)
    lines: set[str] = set()
    for _name, text in texts:
        _compare(text, starts=30)
        lines.update(text.splitlines(keepends=True)[:40])
    for line in sorted(lines):
        _compare(line, starts=1)


@cache
def _pieces() -> list[str]:
    """Lines of the fixtures and pieces of the patterns: what Hypothesis puts together."""
    pieces: set[str] = set()
    for _name, text in _fixture_texts():
        for line in text.splitlines(keepends=True)[:60]:
            pieces.add(line)
            pieces.update(line.split(" "))
    for (pattern, _flags), _where in src_patterns().items():
        text = pattern.decode("latin-1") if isinstance(pattern, bytes) else pattern
        pieces.update(re.findall(r"[A-Za-z_]{2,}|[ \n]{1,6}|[^\\\w\s()\[\]]{1,3}", text))
    return sorted(pieces)


_TEXT = st.lists(
    st.one_of(
        st.deferred(lambda: st.sampled_from(_pieces())),
        st.text(alphabet=" \n\t\"'#:@/-,.^|=>(){}[]\\aAzZ09_~$!*+?%&`;<é\x00", max_size=6),
    ),
    max_size=40,
).map("".join)


@settings(max_examples=400)
@given(_TEXT)
def test_hypothesis_texts_read_the_same(text: str) -> None:
    _compare(text, starts=40)


@pytest.mark.parametrize(
    ("misread", "form"),
    [
        ("(?:ab?c)*+", "(?>ab?c)*+"),
        ("(((?!C).)++)", "((?>(?!C).)++)"),
        ("(.(?!C))++", "(?>.(?!C))++"),
    ],
)
def test_the_comparison_sees_the_bug(misread: str, form: str) -> None:
    """The bug reports' patterns against their emulation: different on a Python with the bug,
    the same on one without; the form is the emulation's on every Python."""
    texts = ["a", "abc", "abcab", "ABC", "ABCD", "xABCD"]
    emulation = emulated(misread, 0)
    want = [_span(emulation.search(t)) for t in texts]
    assert [_span(re.search(form, t)) for t in texts] == want
    plain = [_span(re.search(misread, t)) for t in texts]
    assert (plain != want) is (sys.version_info[:3] < FIXED)
