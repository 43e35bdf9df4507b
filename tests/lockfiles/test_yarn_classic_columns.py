"""yarn classic: what a scan reads without an entry's block (decision 0067). A scan asks the
version and the source of every entry a rule names, the labels of its findings' paths and the
positions of their ancestors; it reads the blocks of its findings only. Each answer is the one
the built package gives, on every classic fixture of the repository and on a bench-shaped file.
"""

from __future__ import annotations

import importlib.util
import random
from collections.abc import Callable
from pathlib import Path
from typing import cast

import pytest

from gouvernante.lockfiles import _yarn_classic, parse_bytes
from gouvernante.match.paths import GraphView
from gouvernante.model import LockedPackage, LockfileGraph, PackageTable, Source

TESTS = Path(__file__).resolve().parent.parent


def _bench_file() -> Callable[[int], bytes]:
    """``bench/yarn_scan.make_classic`` (bench/ is no package: loaded by path)."""
    spec = importlib.util.spec_from_file_location("yarn_scan", TESTS.parent / "bench/yarn_scan.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return cast("Callable[[int], bytes]", module.make_classic)


make_classic = _bench_file()

CLASSIC = [
    path
    for path in sorted(TESTS.rglob("yarn.lock"))
    if b"__metadata:" not in path.read_bytes() and "/.hypothesis/" not in str(path)
]


def _sources() -> list[tuple[str, bytes]]:
    found = [(str(path.relative_to(TESTS)), path.read_bytes()) for path in CLASSIC]
    return [*found, ("bench-3000", make_classic(3000))]


@pytest.mark.parametrize("size", [0, 1, 2, 1023, 1024, 1025, 2048, 5000])
def test_joined_is_one_join(size: int) -> None:
    """``_joined`` joins a thousand pieces at a time: the same bytes as one ``join``."""
    rng = random.Random(size)
    pieces = [bytes(rng.randrange(33, 127) for _ in range(rng.randrange(4))) for _ in range(size)]
    for separator in (b"", b"\n", b", "):
        assert _yarn_classic._joined(separator, pieces) == separator.join(pieces)


def test_versions_and_sources_without_reading_blocks() -> None:
    """The version the yarn-layout grammar read between quotes and the source the first
    descriptor's range says are the built package's; asking them reads no block."""
    canonical = 0
    for name, data in _sources():
        graph = parse_bytes(data, "yarn.lock")
        built = parse_bytes(data, "yarn.lock").packages
        table = graph.table
        assert [table.version(i) for i in range(len(table))] == [p.version for p in built], name
        assert [table.source(i) for i in range(len(table))] == [p.source for p in built], name
        entries = getattr(graph.details, "_entries", None)
        if (
            entries is not None
            and entries.versions_read is None
            and entries.fields
            and all(field is None for field in entries.fields)
        ):
            canonical += 1  # (every version from the grammar: no block was read)
    assert canonical >= 3


def test_a_scan_reads_the_blocks_of_its_findings_only() -> None:
    """Matching 300 named entries and labelling their paths builds the packages that match
    only: their versions, sources and labels come from the columns."""
    data = make_classic(3000)
    graph = parse_bytes(data, "yarn.lock")
    table = graph.table
    entries = graph.details._entries  # type: ignore[attr-defined]
    named = range(0, 3000, 10)
    for position in named:
        assert table.version(position)
        assert table.source(position) is Source.REGISTRY
    view = GraphView(graph)
    for position in named:
        assert view.label(table.ids[position]).startswith(table.names[position] + "@")
    assert all(field is None for field in entries.fields)  # no block read
    assert not table._built  # (no package built)


def test_known_positions_are_the_first() -> None:
    """The positions the table knows from the entries handed out are the entries' own, before
    a package that an entry's URL names under the same id (decision 0031)."""
    text = (
        "# yarn lockfile v1\n\n\n"
        'a@^1.0.0:\n  version "1.0.0"\n'
        '  resolved "https://registry.yarnpkg.com/evil/-/evil-6.6.6.tgz"\n'
        "  dependencies:\n"
        '    b "^2.0.0"\n\n'
        'b@^2.0.0:\n  version "2.0.0"\n'
        '  resolved "https://registry.yarnpkg.com/b/-/b-2.0.0.tgz"\n'
    )
    graph: LockfileGraph = parse_bytes(text.encode(), "yarn.lock")
    table = graph.table
    assert list(table.ids) == ["a@^1.0.0", "b@^2.0.0", "a@^1.0.0"]
    assert table[2].name == "evil"
    assert table.position_of("a@^1.0.0") == 0
    assert list(graph.details.parents_of("b@^2.0.0")) == ["a@^1.0.0"]  # type: ignore[attr-defined]
    assert table.position_of("a@^1.0.0") == 0
    assert table.position_of("b@^2.0.0") == 1
    assert table.position_of("missing") is None


def test_table_source_and_known_positions_default_to_the_packages() -> None:
    """A table without a source column builds the package to answer; known positions are
    answered before the ids are scanned or indexed, others as before."""
    packages = [
        LockedPackage("x", "x", "1.0.0", Source.LOCAL),
        LockedPackage("y", "y", "1.0.0", Source.REGISTRY),
        LockedPackage("x", "x", "2.0.0", Source.TARBALL),
    ]
    table = PackageTable.of(packages)
    assert [table.source(i) for i in range(3)] == [Source.LOCAL, Source.REGISTRY, Source.TARBALL]
    known = PackageTable(
        [p.id for p in packages],
        [p.name for p in packages],
        packages.__getitem__,
        known={"y": 1},
    )
    assert known.position_of("y") == 1
    assert known.position_of("x") == 0
    assert known.position_of("z") is None


def test_the_grammar_reads_which_entries_have_no_resolved() -> None:
    """``_Entries.unresolved`` (decision 0075's check: an entry with no ``resolved``, or an
    empty one, is resolved again by yarn 1 at install time) is what the built packages say, on
    every classic fixture the column reader takes and on hand-made entries."""
    made = (
        b"# yarn lockfile v1\n\n\n"
        b'a@^1.0.0:\n  version "1.0.0"\n  resolved "https://registry.yarnpkg.com/a/-/a-1.0.0.tgz"\n'
        b'\nb@^1.0.0:\n  version "1.0.0"\n  integrity sha512-x\n'
        b'\nc@^1.0.0:\n  version "1.0.0"\n  resolved ""\n'
        b'\nd@^1.0.0:\n  version "1.0.0"\n  resolved "d"\n'
    )
    read = 0
    for where, data in [*_sources(), ("made", made)]:
        graph = parse_bytes(data, "yarn.lock")
        entries = graph.details._entries  # type: ignore[attr-defined]
        if entries.unresolved is None:
            continue
        read += 1
        table = graph.table
        expected = {p for p in range(len(entries.ids)) if not table[p].resolved}
        assert entries.unresolved == expected, where
        if where == "made":
            assert entries.unresolved == {1, 2}
    assert read >= 5


def test_the_resolved_check_builds_no_package_of_an_entry_the_grammar_read() -> None:
    """Every entry of the bench file has its ``resolved``: the check of 300 rule-named entries
    builds none of their packages (it built all 300, ~8 ms at 50,000 entries)."""
    from gouvernante.match.hits import _unresolved_yarn_entries

    graph = parse_bytes(make_classic(3000), "yarn.lock")
    assert _unresolved_yarn_entries(graph, range(0, 3000, 10)) == []
    assert not graph.table._built
