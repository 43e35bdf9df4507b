"""``lazy_re.lazy``: a pattern compiled by its first use answers as the compiled one does."""

from __future__ import annotations

import re

from gouvernante.lazy_re import lazy


def test_answers_as_the_compiled_pattern_and_compiles_once() -> None:
    pattern = lazy(r"(?P<name>[a-z]+)-(\d+)", re.I)
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
    pattern = lazy(rb'"[ \t]*:')
    assert pattern.findall(b'{"a" :1, "b":2}') == [b'" :', b'":']
