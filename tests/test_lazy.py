"""``gouvernante.lazy``: a pattern or object made by its first use answers as the made one does."""

from __future__ import annotations

import re

from gouvernante.lazy import lazy_object, lazy_pattern


def test_answers_as_the_compiled_pattern_and_compiles_once() -> None:
    pattern = lazy_pattern(r"(?P<name>[a-z]+)-(\d+)", re.I)
    assert "fullmatch" not in vars(pattern)  # (nothing compiled at definition)
    compiled = re.compile(r"(?P<name>[a-z]+)-(\d+)", re.I)
    for text in ("Left-12", "left-", "a-1 b-2", ""):
        got, want = pattern.fullmatch(text), compiled.fullmatch(text)
        assert (got and got.groups()) == (want and want.groups())
        assert pattern.sub("x", text) == compiled.sub("x", text)
        assert pattern.findall(text) == compiled.findall(text)
    assert pattern.fullmatch is pattern.fullmatch  # (kept in the instance: looked up once)
    assert (pattern.pattern, pattern.flags, pattern.groupindex) == (
        compiled.pattern,
        compiled.flags,
        compiled.groupindex,
    )


def test_bytes_patterns() -> None:
    pattern = lazy_pattern(rb'"[ \t]*:')
    assert pattern.findall(b'{"a" :1, "b":2}') == [b'" :', b'":']


def test_an_object_is_made_once_by_its_first_attribute() -> None:
    made: list[int] = []

    def make() -> dict[str, int]:
        made.append(1)
        return {"a": 1}

    table = lazy_object(make)
    assert made == []  # (nothing made at definition)
    assert table.get("a") == 1
    assert table.get("b") is None
    assert sorted(table.keys()) == ["a"]
    assert made == [1]
