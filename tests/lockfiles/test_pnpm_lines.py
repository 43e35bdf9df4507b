"""pnpm's line reader (``_pnpm_lines``, decision 0028) reads exactly what the full loader reads.

Every pnpm-lock.yaml under ``tests/`` (the generated fixtures and the realworld trees), and
copies of them truncated, mutated byte by byte or line by line, with keys quoted, unquoted or
double-quoted, with comments, tabs, flow mappings, blank lines, anchors, duplicate entries..., is
read both ways: by the line reader (which hands the file to the full loader when it is unsure),
and by the full loader alone. Both must give the same error (message and YAML path), or the same
packages and the same findings (dependency paths, lines and ``direct``) for rules naming
packages of the file.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gouvernante.errors import LockfileError
from gouvernante.lockfiles import _pnpm_lines, parse_bytes, pnpm
from gouvernante.match.hits import match_graph
from gouvernante.match.paths import GraphView
from gouvernante.model import LockfileGraph, Source
from gouvernante.rules.index import RuleIndex, build_index
from gouvernante.rules.model import PackageRule, Rule, RuleKind
from gouvernante.vocab import Severity
from lockfiles.fuzzcore import fixture_paths, mutate

PNPM_PATHS = [p for p in fixture_paths(realworld=True) if p.name == "pnpm-lock.yaml"]
# Edited files drawn per run; set the variable higher for a longer search (600 and 800 passed).
_EXAMPLES = int(os.environ.get("GOUVERNANTE_PNPM_EXAMPLES", "60"))


def _label(path: Path) -> str:
    folder = path.parent.parent.name if path.parent.name == "tree" else path.parent.name
    return folder


@contextlib.contextmanager
def _full_loader() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pnpm, "_read_lines", lambda text, path, data=None: None)
        yield


def _index_for(graph: LockfileGraph, seed: int) -> RuleIndex:
    table = graph.table
    registry = sorted(
        {(p.name, p.version) for p in table if p.source is not Source.LOCAL and p.version}
    )
    chosen = random.Random(seed).sample(registry, min(6, len(registry)))
    integrity = sorted({p.integrity for p in table if p.integrity})
    hashes = random.Random(seed).sample(integrity, min(2, len(integrity)))
    rule = Rule(
        id="PNPM-LINES-1",
        title="planted",
        kind=RuleKind.COMPROMISED_RELEASE,
        ecosystem="npm",
        severity=Severity.CRITICAL,
        source="test",
        package_rules=tuple(PackageRule(n, (f"={v}",), frozenset()) for n, v in chosen),
        bad_integrity=tuple(hashes),
    )
    return build_index((rule,))


def _outcome(data: bytes, index: RuleIndex) -> object:
    try:
        graph = parse_bytes(data, "pnpm-lock.yaml")
        findings = match_graph(graph, index, "pnpm-lock.yaml")
    except LockfileError as exc:
        return ("error", str(exc), exc.json_path)
    packages = [(p.id, p.name, p.version, p.source, p.integrity, p.resolved) for p in graph.table]
    importers = [(i.id, i.label, i.folder) for i in graph.importers]
    return ("read", packages, importers, tuple(graph.notes), sorted(findings, key=repr))


def _same_both_ways(data: bytes, seed: int) -> str:
    with _full_loader():
        try:
            reference: LockfileGraph | None = parse_bytes(data, "pnpm-lock.yaml")
        except LockfileError:
            reference = None
    index = _index_for(reference, seed) if reference is not None else build_index(())
    with _full_loader():
        exact = _outcome(data, index)
    fast = _outcome(data, index)
    assert fast == exact
    return str(exact[0])  # type: ignore[index]


@pytest.mark.parametrize("path", PNPM_PATHS, ids=[_label(p) for p in PNPM_PATHS])
def test_every_pnpm_lockfile_reads_the_same_both_ways(path: Path) -> None:
    data = path.read_bytes()
    for seed in (1, 2, 3):
        assert _same_both_ways(data, seed) == "read"


@pytest.mark.parametrize("path", PNPM_PATHS, ids=[_label(p) for p in PNPM_PATHS])
def test_children_read_per_entry_are_the_edges(path: Path) -> None:
    text = path.read_bytes().decode("utf-8-sig")
    graph = pnpm._read_lines(text, "pnpm-lock.yaml")
    if graph is None:
        pytest.skip("not in the shape the line reader takes")
    edges = parse_bytes(path.read_bytes(), "pnpm-lock.yaml").details.edges()
    details: Any = graph.details
    view = GraphView(graph)
    for node in edges:
        assert list(details.children_of(node)) == list(edges[node]), node
        assert list(view.children_of(node)) == list(edges[node])


def test_the_line_reader_takes_the_fixtures() -> None:
    """Else this file would compare the full loader with itself."""
    taken = [
        p
        for p in PNPM_PATHS
        if _pnpm_lines.read(p.read_text(encoding="utf-8-sig"), pnpm._KEEP) is not None
    ]
    # (not taken: astro's two-document pnpm 11 file and the two 5.1 files, pnpm/action-setup's
    # and @pnpm/tabtab's, whose ``resolution:`` maps are block style: read by the full loader)
    assert len(taken) >= len(PNPM_PATHS) - 3
    assert any("snapshots:" in p.read_text() for p in taken)
    assert any("lockfileVersion: 5" in p.read_text() for p in taken)


def _edit(data: bytes, position: int, kind: int, rng: random.Random) -> bytes:
    """One pnpm-shaped edit of the line at ``position``."""
    text = data.decode("utf-8", "replace")
    lines = text.split("\n")
    at = position % max(1, len(lines))
    line = lines[at]
    key = re.match(r"^( *)('?)([^' :][^:']*)\2:(.*)$", line)
    if kind == 0 and key:  # quote or unquote the key
        indent, quote, body, rest = key.groups()
        lines[at] = f"{indent}{body if quote else repr(body)}:{rest}"
    elif kind == 1 and key:  # a double-quoted key
        indent, _, body, rest = key.groups()
        lines[at] = f'{indent}"{body}":{rest}'
    elif kind == 2:  # a comment line, or a comment after the content
        lines[at] = line + " # note" if rng.random() < 0.5 else "# note\n" + line
    elif kind == 3:  # a tab, a carriage return, a BOM, a control character
        lines[at] = line + rng.choice(["\t", "\r", "\ufeff", "\x07", "\u2028", "\xa0"])
    elif kind == 4 and key and key.group(4) == "":  # an empty mapping written in flow style
        lines[at] = line + " {}"
    elif kind == 5:  # a blank line, or one of spaces
        lines.insert(at, rng.choice(["", "   ", "  "]))
    elif kind == 6 and key:  # the value quoted
        indent, quote, body, rest = key.groups()
        if rest.startswith(" ") and len(rest) > 1:
            lines[at] = f"{indent}{quote}{body}{quote}: '{rest[1:]}'"
    elif kind == 7:  # another entry with the same key, or the line again
        lines.insert(at, line)
    elif kind == 8 and key:  # an anchor or an alias
        lines[at] = line + rng.choice([" &a", " *a"])
    elif kind == 9:  # indentation off by one
        lines[at] = " " + line
    elif kind == 10 and key:  # a key YAML reads as a scalar
        indent, _, _, rest = key.groups()
        lines[at] = f"{indent}{rng.choice(['null', 'true', '~', 'False'])}:{rest}"
    elif kind == 11:  # a flow resolution with more fields
        lines[at] = line.replace("{integrity: ", "{tarball: https://x/-/y-1.0.0.tgz, integrity: ")
    return "\n".join(lines).encode()


@pytest.mark.property
@settings(
    max_examples=_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    which=st.sampled_from(PNPM_PATHS[:5] or PNPM_PATHS),
    position=st.integers(min_value=0, max_value=1 << 20),
    kind=st.integers(min_value=0, max_value=17),
    value=st.integers(min_value=-255, max_value=255),
    seed=st.integers(min_value=0, max_value=1000),
)
def test_edited_files_read_the_same_both_ways(
    *, which: Path, position: int, kind: int, value: int, seed: int
) -> None:
    data = which.read_bytes()
    rng = random.Random(seed)
    if kind < 12:
        damaged = _edit(data, position, kind, rng)
    elif kind == 12:  # cut anywhere
        damaged = data[: position % max(1, len(data))]
    else:
        damaged = mutate(data, position, kind - 13, value)[0]
    _same_both_ways(damaged, seed)


@pytest.mark.parametrize(
    "body",
    [
        "    dependencies:\n      a: 1.0.0\n" * 4000 + "     odd\n",
        "    engines: x\n      y\n" * 4000 + "   odd\n",
        "    resolution: {integrity: sha512-x}\n" * 4000 + "     odd\n",
        "    resolution: {integrity: sha512-x}\n" + "    engines: x\n" * 16000 + "     odd\n",
        "    dependencies:\n      a: 1.0.0\n    cpu: [x]\n" * 8000 + "     odd\n",
        ("    dependencies:\n      a: 1.0.0\n" + "    engines: x\n" * 100) * 160 + "     odd\n",
        "  a:b:c:d:e:f:g:h" * 20000 + "\n",
    ],
)
def test_a_refused_section_costs_linear_time(body: str) -> None:
    """No reading of an entry is tried again another way (the field patterns exclude each
    other): refusing a long odd entry is one pass, and the full loader then decides."""
    text = f"lockfileVersion: '9.0'\n\nsnapshots:\n\n  a@1.0.0:\n{body}"
    started = time.process_time()
    assert _pnpm_lines.read(text, pnpm._KEEP) is None
    assert time.process_time() - started < 1.0


def test_plain_and_odd_entries_read_by_their_loader() -> None:
    """A tarball resolution, a named entry, a scalar dependency: ``load_fast`` reads those
    entries; the rest of the section stays columns."""
    text = (
        "lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n"
        "      a:\n        specifier: ^1.0.0\n        version: 1.0.0\n"
        "      b:\n        specifier: https://x/b.tgz\n        version: https://x/b.tgz\n\n"
        "packages:\n\n  a@1.0.0:\n    resolution: {integrity: sha512-aaa}\n"
        "    engines: {node: '>=14'}\n\n"
        "  b@https://x/b.tgz:\n    resolution: {tarball: https://x/b.tgz}\n"
        "    name: b\n    version: 2.0.0\n\n"
        "snapshots:\n\n  a@1.0.0:\n    dependencies:\n      b: https://x/b.tgz\n"
        "      c: 'null'\n      d: null\n\n  b@https://x/b.tgz: {}\n"
    )
    document = _pnpm_lines.read(text, pnpm._KEEP)
    assert document is not None
    packages = document.sections["packages"]
    assert packages.keys == ["a@1.0.0", "b@https://x/b.tgz"]
    assert list(packages.loaded) == [1]
    assert packages.loaded[1]["name"] == "b"
    assert _pnpm_lines.entry_deps(document.sections["snapshots"].body(0)) == {
        "dependencies": {"b": "https://x/b.tgz", "c": "null", "d": None}
    }
    _same_both_ways(text.encode(), 1)
    graph = parse_bytes(text.encode(), "pnpm-lock.yaml")
    assert [(p.name, p.version) for p in graph.table] == [("a", "1.0.0"), ("b", "2.0.0")]


_ODD_AND_PLAIN = (
    "lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n"
    "      a:\n        specifier: ^1.0.0\n        version: 1.0.0\n\n"
    "packages:\n\n  a@1.0.0:\n    resolution: {integrity: sha512-aaa}\n"
    "    engines: {node: '>=14'}\n\n"
    "  b@https://x/b.tgz:\n    resolution: {tarball: https://x/b.tgz}\n    name: b\n\n"
    "snapshots:\n\n  a@1.0.0:\n    dependencies:\n      b: https://x/b.tgz\n"
    "    optionalDependencies:\n      b: https://x/b.tgz\n    optional: true\n\n"
    "  b@https://x/b.tgz: {}\n"
)


@pytest.mark.parametrize(
    ("after", "field"),
    [
        ("    engines: {node: '>=14'}\n", "    resolution: {integrity: sha512-bbb}\n"),
        ("  a@1.0.0:\n", "    resolution: {integrity: sha512-bbb}\n"),
        ("  a@1.0.0:\n", "    resolution: {integrity: sha512-bbb}\n    cpu: [x]\n"),
        ("    optional: true\n", "    dependencies:\n      c: 1.0.0\n"),
        ("snapshots:\n\n  a@1.0.0:\n", "    optionalDependencies:\n      c: 1.0.0\n"),
        ("    optional: true\n", "    optionalDependencies:\n      c: 1.0.0\n"),
    ],
)
def test_a_field_read_twice_in_an_entry_sends_the_file_to_the_full_loader(
    after: str, field: str
) -> None:
    """The entry pattern reads a field into its group once: a second one (before or after
    other fields, next to an entry read by load_fast) is no line it reads, which sends the
    file to the full loader (read last-wins, the first would be hidden)."""
    assert _pnpm_lines.read(_ODD_AND_PLAIN, pnpm._KEEP) is not None
    at = _ODD_AND_PLAIN.index(after) + len(after)
    text = _ODD_AND_PLAIN[:at] + field + _ODD_AND_PLAIN[at:]
    assert _pnpm_lines.read(text, pnpm._KEEP) is None
    with pytest.raises(LockfileError, match="twice"):
        parse_bytes(text.encode(), "pnpm-lock.yaml")


@pytest.mark.parametrize(
    "change",
    [
        lambda d: b"\xef\xbb\xbf" + d,  # a byte-order mark
        lambda d: d.replace(b"\n", b"\r\n"),  # Windows line ends
        lambda d: d.replace(b"\nsnapshots:\n", b"\nsnapshots:\n  # a comment\n", 1),
        lambda d: d.replace(b"\npackages:\n", b"\nother: x\npackages:\n", 1),
        lambda d: d + b"settings:\n  a: b\n",  # a section after the big ones
        lambda d: d.replace(b"\npackages:\n", b"\npackages: {}\npackages:\n", 1),
        lambda d: d.replace(b"  ", b"\t", 1),
    ],
)
def test_whole_file_changes_read_the_same_both_ways(change: Any) -> None:
    for path in PNPM_PATHS[:5]:
        _same_both_ways(change(path.read_bytes()), 1)


@pytest.mark.parametrize("path", PNPM_PATHS, ids=[_label(p) for p in PNPM_PATHS])
def test_entries_without_blank_lines_between_them_read_the_same_both_ways(path: Path) -> None:
    """YAML reads entries with no blank line between them as pnpm's own layout. The integrity
    column's pattern took the line end after each resolution, which the next key line needed:
    one resolution counted fewer than keys, an internal error with the bundled pack (seen with
    `scripts/fuzz-lockfiles.py --seed 1304`, one blank line dropped in pnpm6-vesktop)."""
    assert _same_both_ways(path.read_bytes().replace(b"\n\n  ", b"\n  "), 1) == "read"


def test_a_package_no_snapshot_names_is_listed_both_ways() -> None:
    """A snapshot naming a key missing from ``packages`` while a ``packages`` entry is named by
    no snapshot: both are packages of the file (the full path once skipped the second when the
    counts matched; found by the edit test)."""
    text = (
        b"lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n"
        b"      a:\n        specifier: ^1.0.0\n        version: 1.0.0\n\n"
        b"packages:\n\n  b@1.0.0:\n    resolution: {integrity: sha512-bbb}\n\n"
        b"snapshots:\n\n  a@1.0.0: {}\n"
    )
    for fast in (True, False):
        with contextlib.nullcontext() if fast else _full_loader():
            graph = parse_bytes(text, "pnpm-lock.yaml")
        assert sorted(p.id for p in graph.table) == ["a@1.0.0", "b@1.0.0"]
    _same_both_ways(text, 1)
