"""Bytes that cost an attacker nothing cost the scan no more than real content (decision 0154).

A run of one byte is free to plant: a sparse file of zeros takes no disk, and git stores a
512 MiB blob of newlines in a few hundred KiB. Every reader was fed 20 MiB of each of eight such
fills (NUL, space, newline, tab, ``a``, ``"``, ``[``, ``#``): all refused them, the JSON and YAML
readers at once, yarn.lock's reader at 50 to 500 ns a byte. The newline run was the dearest:
each blank block cost two regex calls, and the yarn-layout reader split the whole file before
looking at its preamble (20 MiB: 10.2 s CPU, 6 times a real yarn.lock of the same size).
"""

from __future__ import annotations

import pytest

from gouvernante.errors import LockfileError
from gouvernante.lockfiles import parse_bytes
from helpers import cpu_seconds

SIZE = 2 * 1024 * 1024


def _real_yarn_lock(size: int) -> bytes:
    parts = ["# yarn lockfile v1\n\n"]
    total = len(parts[0])
    i = 0
    while total < size:
        part = (
            f'\npkg{i}@^1.0.0:\n  version "1.0.{i}"\n  resolved'
            f' "https://registry.yarnpkg.com/pkg{i}/-/pkg{i}-1.0.{i}.tgz#0123456789abcdef"\n'
            f'  integrity sha512-{"A" * 86}==\n  dependencies:\n    dep{i} "^2.0.0"\n'
        )
        parts.append(part)
        total += len(part)
        i += 1
    return "".join(parts).encode()


def _yarn_layout_lock(size: int) -> bytes:
    """A yarn.lock in yarn's own layout (the fast path reads it: about 12 ns a byte)."""
    parts = ["# yarn lockfile v1\n\n"]
    total = len(parts[0])
    i = 0
    while total < size:
        dep = f'  dependencies:\n    pkg{i - 1} "^1.0.{i - 1}"\n' if i else ""
        part = (
            f'\npkg{i}@^1.0.{i}:\n  version "1.0.{i}"\n  resolved'
            f' "https://registry.yarnpkg.com/pkg{i}/-/pkg{i}-1.0.{i}.tgz#{"0" * 40}"\n'
            f"  integrity sha512-{'A' * 86}==\n{dep}"
        )
        parts.append(part)
        total += len(part)
        i += 1
    return "".join(parts).encode()


def _refused(data: bytes) -> None:
    with pytest.raises(LockfileError):
        parse_bytes(data, "yarn.lock")


def test_a_yarn_lock_of_blank_lines_costs_no_more_than_a_real_one() -> None:
    real = _real_yarn_lock(SIZE)
    blank = b"\n" * len(real)
    real_cost = cpu_seconds(lambda: parse_bytes(real, "yarn.lock"))
    blank_cost = cpu_seconds(lambda: _refused(blank))
    # before: 6 times; now about as much (the rest is the line reader's one pass)
    assert blank_cost <= 2 * real_cost + 0.05, (blank_cost, real_cost)


def test_blank_runs_between_entries_keep_the_line_numbers() -> None:
    entry = '  version "1.0.0"\n  resolved "https://registry.yarnpkg.com/a/-/a-1.0.0.tgz"\n'
    text = "# yarn lockfile v1\n\n" + "\n" * 7 + "a@^1.0.0:\n" + entry + "\n" * 9 + "b@^1:\n"
    with pytest.raises(LockfileError) as caught:
        parse_bytes(text.encode(), "yarn.lock")
    assert "line 22" in str(caught.value)  # b's header, after 2 + 7 + 3 + 9 lines


@pytest.mark.parametrize("byte", [b"\x00", b"a", b"{", b"@", b"-", b":", b" ", b"\t"], ids=repr)
def test_a_yarn_lock_of_one_byte_costs_no_more_than_a_real_one(byte: bytes) -> None:
    # decision 0161: the fast path's readers (the yarn-layout reader, the column reader, the
    # block reader) each ran over the one long line before the line reader refused it: 150 to
    # 290 ns a byte, six to twenty times a real yarn.lock's parse (about 15). Now a first line
    # that no header can be sends the file to the line reader at once.
    real = _yarn_layout_lock(SIZE)
    fill = byte * len(real)
    real_cost = cpu_seconds(lambda: parse_bytes(real, "yarn.lock"))
    fill_cost = cpu_seconds(lambda: _refused(fill))
    # (measured: 0.03 s a fill, 0.06 for tabs, the real file 0.025; before, 0.08 to 0.46)
    assert fill_cost <= 3 * real_cost + 0.03, (fill_cost, real_cost)


def test_a_header_of_many_descriptors_classifies_only_those_that_may_be_urls(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # decision 0161: a header of 800,000 "a@1" (4 MB) took 2.1 s, most of it classifying each
    # range for a tarball URL (6 us apiece); a URL range holds a ":", the others are not asked.
    from gouvernante.lockfiles import _yarn_classic
    from gouvernante.lockfiles._yarn_common import classify as real_classify

    calls: list[str] = []

    def spy(reference: str) -> object:
        calls.append(reference)
        return real_classify(reference)

    monkeypatch.setattr(_yarn_classic, "classify", spy)
    url = "https://example.org/a-1.0.0.tgz"
    header = ", ".join([*(f"a@1.0.{i}" for i in range(20_000)), f'"a@{url}"'])
    text = f'# yarn lockfile v1\n\n{header}:\n  version "1.0.0"\n'
    graph = parse_bytes(text.encode(), "yarn.lock")
    assert graph.packages
    assert len([c for c in calls if ":" not in c]) <= 10, len(calls)


@pytest.mark.parametrize("run", [b"\n", b"#\n"], ids=["blank", "comments"])
def test_a_berry_lock_of_blank_or_comment_lines_costs_no_more_than_a_real_one(run: bytes) -> None:
    # decision 0161: berry's block reader split the text at blank lines and tried each empty
    # piece with two regexes (270 ns a byte, 2 MB of newlines after ``__metadata``: 0.6 s)
    real = _yarn_layout_lock(SIZE)
    head = b"__metadata:\n  version: 8\n  cacheKey: 10\n"
    runs = head + run * ((len(real) - len(head)) // len(run))
    real_cost = cpu_seconds(lambda: parse_bytes(real, "yarn.lock"))
    runs_cost = cpu_seconds(lambda: _refused(runs))
    assert runs_cost <= 3 * real_cost + 0.03, (runs_cost, real_cost)
