"""yarn classic, decision 0088: the yarn-layout reader finds an entry's start around where an
even spacing of the entries puts it (then anywhere between the entries known), and leaves its
check for a header written twice to the reference check's set of the ids' pieces. Each answer is
the one the exact readers give."""

from __future__ import annotations

import random
import re

import pytest

from gouvernante.lockfiles import _yarn_classic
from gouvernante.lockfiles.yarn import parse


def _name(index: int) -> str:
    return f"@s{index % 5}/p{index}" if index % 2 == 0 else f"p{index}"


def _entry(index: int, deps: int, version: str = "1.0.0") -> str:
    """Entry ``index`` (one of 1, 4, 7, ... 1198), depending on the ``deps`` entries after it."""
    name = _name(index)
    header = f'"{name}@^1.0.0"' if name.startswith("@") else f"{name}@^1.0.0, {name}@~1.0.0"
    base = name.rsplit("/", 1)[-1]
    lines = [
        f"{header}:",
        f'  version "{version}"',
        f'  resolved "https://registry.yarnpkg.com/{name}/-/{base}-{version}.tgz#{index:040x}"',
        f"  integrity sha512-{'A' * 86}==",
    ]
    if deps:
        lines.append("  dependencies:")
        for k in range(1, deps + 1):
            dep = _name((index // 3 + k) % 400 * 3 + 1)
            lines.append(f'    "{dep}" "^1.0.0"' if dep.startswith("@") else f'    {dep} "^1.0.0"')
    return "\n".join(lines) + "\n"


def _uneven_file() -> str:
    """400 entries (indexes 0-1199, by threes: every dependency names one): the first twenty
    with 2,000 dependency lines each, the others with none to three, so that an even spacing
    puts most entries far from where they are."""
    entries = [_entry(i, 2000 if i < 60 else i % 4) for i in range(1, 1200, 3)]
    return "# yarn lockfile v1\n\n\n" + "\n".join(entries)


@pytest.mark.parametrize("around", [0, 1, 256, _yarn_classic._AROUND_A_GUESS])
def test_entry_starts_found_around_a_guess_or_anywhere(around: int) -> None:
    """Asked in any order, with the first look 0, 1, 256 bytes or the default on each side of
    the guess (so that it misses for most entries, or finds them), each entry's body and header
    line are the file's own (the text from the header line to the blank line after it, the
    line reader's lines), from the bytes and from the text."""
    text = _uneven_file()
    expected_lines = _yarn_classic._lines(text, "yarn.lock")[0].lines
    chunks = re.split(r"\n\n(?=[^\n])", text)[1:]
    expected = ["\n" + c.partition("\n")[2].rstrip("\n") for c in chunks]
    assert len(expected) == len(expected_lines) == 400
    rng = random.Random(around)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_yarn_classic, "_AROUND_A_GUESS", around)
        for source in (text, text.encode()):
            found = _yarn_classic._canonical_columns(source, "yarn.lock")
            assert isinstance(found, tuple)
            entries = found[0]
            bodies = entries.texts
            assert isinstance(bodies, _yarn_classic._Bodies)
            order = list(range(len(expected)))
            rng.shuffle(order)
            assert [bodies[i] for i in order] == [expected[i] for i in order]
            rng.shuffle(order)
            assert [entries.line_at(i) for i in order] == [expected_lines[i] for i in order]


@pytest.mark.parametrize("where", ["first", "middle", "last"])
@pytest.mark.parametrize("quoted", [False, True])
def test_a_header_written_twice_reads_as_block_by_block(where: str, quoted: bool) -> None:
    """The bytes reader does not check its ids for a header written twice: the reference
    check's set of their pieces says none is, or the ids' own set is asked then. A file with
    a header written twice (the entry's copy with another version, at the start, in the
    middle or at the end; a scoped, quoted header or an unquoted pair) reads from its bytes as
    from its text, which the block-by-block reader reads (yarn 1 keeps the last): the same
    ids, packages, header lines, edges and errors."""
    entries = [_entry(i, i % 4) for i in range(1, 90, 3)]
    twice = 3 if quoted else 4  # entry 10 (scoped, quoted) or 13 (an unquoted pair)
    copy = _entry(10 if quoted else 13, 2, version="1.0.1")
    assert copy.split(":", 1)[0] == entries[twice].split(":", 1)[0]
    at = {"first": 0, "middle": 15, "last": len(entries)}[where]
    entries.insert(at, copy)
    text = "# yarn lockfile v1\n\n\n" + "\n".join(entries)
    from_bytes = parse(text.encode(), "yarn.lock")
    from_text = _yarn_classic.parse_classic(text, "yarn.lock", has_marker=True)
    assert from_bytes.entry_keys == from_text.entry_keys
    assert len(set(from_bytes.entry_keys or ())) == len(entries) - 1
    assert list(from_bytes.packages) == list(from_text.packages)
    keys = list(from_text.entry_keys or ())
    lines = [from_bytes.details.line_of(key) for key in keys]
    assert lines == [from_text.details.line_of(key) for key in keys]
    assert None not in lines
    assert from_bytes.details.edges() == from_text.details.edges()
    assert from_bytes.entry_errors == from_text.entry_errors
    key = copy.split(":", 1)[0].replace('"', "")
    kept = [p for p in from_bytes.packages if p.id == key]
    assert [p.version for p in kept] == ["1.0.1" if at > twice else "1.0.0"]


@pytest.mark.parametrize("dep", ['a "1 "', 'a "1"', '" a" "1"', '"a " "1"'])
@pytest.mark.parametrize(
    "header",
    ['"a@1 "', 'b@2, "a@1 "', '" a@1"', '"a@1 ", b@2', "a@1, b@2", '" a@1", b@2', 'b@2, " a@1"'],
)
def test_the_readers_ids_are_stripped_as_every_key_is(header: str, dep: str) -> None:
    """The reference check reads the yarn-layout reader's ids (``_HeaderKeys``) as stripped
    from their joined text's first and last characters (decision 0088: the 50,000 ids are not
    touched): it refuses, or passes, the file's dependency lines as it does with every key
    stripped and compared, a key starting or ending with a space first, last, alone or beside
    another."""
    entry = f'{header}:\n  version "1.0.0"\n'
    depending = f'c@1:\n  version "1.0.0"\n  dependencies:\n    {dep}\n'
    # (the header's entry last, then first: a space ending or starting its key ends or starts
    # the keys joined)
    for source in (
        f"# yarn lockfile v1\n\n\n{depending}\n{entry}",
        f"# yarn lockfile v1\n\n\n{entry}\n{depending}",
    ):
        columns = _yarn_classic._canonical_columns(source.encode(), "yarn.lock")
        assert isinstance(columns, tuple)
        entries = columns[0]
        assert entries.header_keys is not None and entries.dependency_lines is not None
        by_pieces = _yarn_classic._references_resolve(entries.dependency_lines, entries.header_keys)
        by_keys = _yarn_classic._references_resolve(entries.dependency_lines, list(entries.ids))
        assert (by_pieces is None) is (by_keys is None), source
