"""yarn classic, decision 0093: the yarn-layout reader hands the reference check the number of
separators its ids' joined text holds (the headers' commas, each written ``", "``, and one more
per id joined), and neither the check nor the duplicate-header answer counts them again. The
count, and each answer it feeds, is the one a count of the text gives."""

from __future__ import annotations

import random

import pytest

from gouvernante.lockfiles import _yarn_classic


def _header(rng: random.Random, index: int) -> str:
    """One entry's header: one to three descriptors, quoted or not, a scoped name or not, a
    range with a space or an alias (quoted only)."""
    tokens = []
    for k in range(1 + rng.randrange(3)):
        name = f"@s{index % 3}/p{index}" if rng.random() < 0.4 else f"p{index}"
        range_ = rng.choice([f"^1.{k}.0", f"~1.{k}.1", f">= 1.{k} < 2", f"npm:q{index}@^{k}"])
        # (yarn quotes a key holding a space or a colon, or starting with "@")
        quoted = name.startswith("@") or " " in range_ or ":" in range_ or rng.random() < 0.3
        tokens.append(f'"{name}@{range_}"' if quoted else f"{name}@{range_}")
    return ", ".join(dict.fromkeys(tokens))


def _file(seed: int, count: int) -> bytes:
    rng = random.Random(seed)
    blocks = [f'{_header(rng, i)}:\n  version "1.0.{i}"\n' for i in range(count)]
    return ("# yarn lockfile v1\n\n\n" + "\n".join(blocks) + "\n").encode()


@pytest.mark.parametrize("seed", range(12))
def test_the_readers_separator_count_is_the_texts(seed: int) -> None:
    data = _file(seed, 1 + seed * 7)
    columns = _yarn_classic._canonical_columns(data, "yarn.lock", twice_later=True)
    assert isinstance(columns, tuple)
    keys = columns[0].header_keys
    assert keys is not None
    assert keys.separators == keys.joined.count(", ") == keys.joined.count(",")
    assert keys.unique() is (len(set(keys.joined.split(", "))) == keys.separators + 1)
    # the check reads the reader's keys as it reads the same ids joined again
    lines = columns[0].dependency_lines
    assert lines is not None
    by_reader = _yarn_classic._references_resolve(lines, keys)
    by_ids = _yarn_classic._references_resolve(lines, list(keys.ids))
    assert (by_reader is None) is (by_ids is None)


@pytest.mark.parametrize(
    ("headers", "unique"),
    [
        (["a@1", "b@1"], True),
        (["a@1, a@2", "b@1"], True),
        (["a@1, a@2", "a@2"], False),  # a descriptor heading two entries
        (['"a@1", "b@1"', "c@1, d@1, e@1"], True),
        (['"@s/a@1", b@1', '"@s/a@1"'], False),
    ],
)
def test_a_piece_in_two_places_is_told_by_the_count(headers: list[str], unique: bool) -> None:
    blocks = [f'{header}:\n  version "1.0.0"\n' for header in headers]
    data = ("# yarn lockfile v1\n\n\n" + "\n".join(blocks) + "\n").encode()
    columns = _yarn_classic._canonical_columns(data, "yarn.lock", twice_later=True)
    assert isinstance(columns, tuple)
    keys = columns[0].header_keys
    assert keys is not None
    assert keys.separators == sum(header.count(",") for header in headers) + len(headers) - 1
    assert keys.unique() is unique
