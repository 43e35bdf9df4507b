"""Decode failures are explained in this project's words: a position, never the bytes, and the
same message whatever the decoding library's version or exception class."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gouvernante.fs.decode import json_problem, utf8_problem
from helpers import json_says

SECRET = b"npm_SECRETTOKEN0123456789"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"a": "\xff"}', "byte 7: invalid JSON: not valid UTF-8"),
        (b"", "invalid JSON: the document is empty"),
        (b"  \n", "invalid JSON: the document is empty"),
        (b'{"a": 1,}', "invalid JSON: " + json_says('{"a": 1,}').msg),
        (b'{"a": [1, 2', "line 1 column 12 (byte 11): invalid JSON: Expecting ',' delimiter"),
        (b"\xef\xbb\xbf{", "invalid JSON: Expecting property name enclosed in double quotes"),
        (b'{"a": NaN}', "invalid JSON: a value is not strict JSON"),
        # said as what they are (the strict decoder refuses them; "not strict JSON" before)
        (b'\xef\xbb\xbf{"a": 1}', "byte 0: invalid JSON: starts with a UTF-8 byte-order mark"),
        ('{"a": 1}'.encode("utf-16"), "byte 0: invalid JSON: UTF-16 text (read as UTF-8 only)"),
        ('{"a": 1}'.encode("utf-16-be"), "invalid JSON: NUL bytes at the start"),
        ('{"a": 1}'.encode("utf-16-le"), "invalid JSON: NUL bytes at the start"),
    ],
)
def test_known_problems(data: bytes, message: str) -> None:
    """The position first (when there is one), then the reason (decision 0108)."""
    said = json_problem(data).message()
    assert said.startswith(message) or said.split(": ", 1)[1].startswith(message), said


def test_offsets_count_bytes_not_characters() -> None:
    data = '{"é": 1 2}'.encode()
    problem = json_problem(data)
    assert problem.offset == data.index(b"2")
    assert (problem.line, problem.column) == (1, 9)


def test_utf8_problem() -> None:
    assert utf8_problem(b"ok") is None
    bad = utf8_problem(b"abc\xc3(")
    assert bad is not None and bad.offset == 3


@settings(max_examples=200, deadline=None, derandomize=True)
@given(prefix=st.binary(max_size=40), suffix=st.binary(max_size=40))
def test_message_never_quotes_the_input(prefix: bytes, suffix: bytes) -> None:
    data = prefix + SECRET + suffix
    try:
        msgspec.json.decode(data)
    except (msgspec.DecodeError, UnicodeDecodeError, ValueError, RecursionError):
        message = json_problem(data).message()
        assert "SECRETTOKEN" not in message
        assert "invalid JSON" in message
        assert message.startswith(("invalid JSON", "line ", "byte "))


def test_utf8_problem_reads_in_chunks_and_counts_bytes_across_them() -> None:
    """(0114: read a chunk at a time, never as one text of the whole document)"""
    before = b"a" * ((1 << 20) - 1)
    assert utf8_problem(before + "é".encode() + b"b") is None
    bad = utf8_problem(before + "é".encode() + b"b\xff")
    assert bad is not None and bad.offset == len(before) + 3
    cut = utf8_problem(before + b"\xc3")
    assert cut is not None and cut.offset == len(before)
    split = utf8_problem(before + b"\xe2\x82(")
    assert split is not None and split.offset == len(before)
