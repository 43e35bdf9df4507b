"""npm's big-file path (files over ``npm.LEAN_BYTES``): entries located in the file's bytes.

The path keeps, per entry, its key and where its JSON text lies in the bytes (checked byte for
byte against the text the decoder kept), derives the names column from the keys and decodes an
entry when it is looked up (decision 0007). It must give what the whole-file decode gives, and
hand the file to that decode whenever the walk over the bytes does not find an entry where it
expects it. ``test_prefilter.py`` compares both paths on every fixture and on mutated copies;
this file checks that the path is really taken, its refusals, and its parts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from gouvernante.errors import LockfileError
from gouvernante.lockfiles import npm
from gouvernante.match.hits import match_graph
from gouvernante.model import LockfileFormat, LockfileGraph
from gouvernante.pipeline import _control_in_names
from gouvernante.rules.index import build_index
from gouvernante.rules.model import Rule, RuleKind
from gouvernante.vocab import Severity
from lockfiles.fuzzcore import fixture_paths

NPM_PATHS = [
    p
    for p in fixture_paths(realworld=True)
    if p.name in ("package-lock.json", "npm-shrinkwrap.json")
    and json.loads(p.read_bytes()).get("lockfileVersion") in (2, 3)
]
_FMT = LockfileFormat.PACKAGE_LOCK


def _lock(packages: Mapping[str, Any], **top: Any) -> bytes:
    body: dict[str, Any] = {"name": "app", "version": "1.0.0", "lockfileVersion": 3, **top}
    body["packages"] = {"": {"name": "app", "version": "1.0.0"}, **packages}
    return json.dumps(body, indent=2).encode()


def _picture(graph: LockfileGraph) -> object:
    """Everything a scan reads from a graph: packages, names column, notes, errors, importers,
    every edge, the line of every node."""
    table = graph.table
    edges = graph.details.edges()
    return (
        [(p.id, p.name, p.version, p.source, p.integrity, p.resolved) for p in table],
        list(table.names),
        [table.version(i) for i in range(len(table))],
        list(table.integrity()),
        graph.notes,
        graph.entry_errors,
        graph.importers,
        {k: list(v) for k, v in edges.items()},
        {node: graph.details.line_of(node) for node in edges},
    )


def _whole(data: bytes, path: str = "package-lock.json") -> object:
    try:
        return _picture(npm.parse(data, path))
    except LockfileError as exc:
        return ("error", str(exc), exc.json_path)


@pytest.mark.parametrize("path", NPM_PATHS, ids=[p.parent.name for p in NPM_PATHS])
def test_every_v2_v3_lockfile_takes_the_path_and_reads_the_same(path: Path) -> None:
    data = path.read_bytes()
    graph = npm._parse_lean(data, _FMT, path.name)
    assert graph is not None  # taken, not handed to the whole-file decode
    assert _picture(graph) == _whole(data, path.name)


def _lean_graph(data: bytes) -> LockfileGraph:
    graph = npm._parse_lean(data, _FMT, "package-lock.json")
    assert graph is not None
    return graph


# Aliases (an entry's own ``name``), nested copies, a workspace and its link, a husk (skipped), a
# version-less git entry, an entry whose version no semver reads (an entry error).
_MIXED = _lock(
    {
        "node_modules/lodash": {"version": "4.17.21", "dependencies": {"b": "^1.0.0"}},
        "node_modules/my-alias": {"name": "real-name", "version": "2.0.0"},
        "node_modules/b": {"version": "1.0.0", "dependencies": {"my-alias": "npm:real-name@2"}},
        "node_modules/b/node_modules/lodash": {"version": "3.10.1"},
        "node_modules/@s/c": {"version": "1.2.3", "integrity": "sha512-AAAA"},
        "node_modules/husk": {},
        "node_modules/from-git": {"resolved": "git+ssh://git@example.com/x.git#abc"},
        "node_modules/odd": {"version": "latest"},
        "node_modules/ws": {"resolved": "packages/ws", "link": True},
        "packages/ws": {"name": "ws-pkg", "version": "0.1.0", "dependencies": {"lodash": "*"}},
    }
)


def test_names_versions_edges_and_lines_as_the_whole_file_decode() -> None:
    graph = _lean_graph(_MIXED)
    assert _picture(graph) == _whole(_MIXED)
    names = graph.table.names
    assert isinstance(names, npm._KeyNames)
    as_list = list(names)
    assert "real-name" in as_list and "my-alias" not in as_list
    assert [names[i] for i in range(len(names))] == as_list
    assert names[-1] == as_list[-1] and names[1:3] == as_list[1:3]
    with pytest.raises(IndexError):
        names[len(names)]
    assert graph.notes == ("skipped 1 entries with no version, no resolved and no link",)
    assert len(graph.entry_errors) == 1


def test_a_husk_answering_a_dependency_is_the_same_error_on_this_path() -> None:
    data = _lock(
        {
            "node_modules/a": {"version": "1.0.0", "dependencies": {"husk": "^1"}},
            "node_modules/husk": {},
        }
    )
    graph = _lean_graph(data)
    assert _picture(graph) == _whole(data)
    assert graph.entry_errors == (
        "packages['node_modules/a'].dependencies['husk']: answered by"
        " packages['node_modules/husk'], an entry with no version, no resolved and no link (npm"
        " ci refuses the file; npm install fetches whatever the spec gives: the file does not say"
        " which release is installed)",
    )


def test_a_path_search_keeps_the_maps_own_key_strings() -> None:
    graph = _lean_graph(_MIXED)
    details = graph.details
    assert isinstance(details, npm._PackagesDetails)
    entries = details._entries
    assert isinstance(entries, npm._LazyEntries)
    own = {id(key) for key in entries._keys}
    whole = npm.parse(_MIXED, "package-lock.json").details
    assert isinstance(whole, npm._PackagesDetails)
    visited = 0
    assert details.children_of("node_modules/ws") == ["packages/ws"]  # a link: its target
    for node in ("", "node_modules/lodash", "node_modules/b", "packages/ws"):
        children = details.children_of(node)
        assert children == whole.children_of(node)
        assert all(id(child) in own for child in children)
        visited += len(children)
    assert visited == 3
    assert "node_modules/husk" not in entries  # dropped from the index, in place


def _refusals() -> Iterator[tuple[str, bytes]]:
    entry = {"version": "1.0.0"}
    plain = {"node_modules/a": entry, "node_modules/b": {"version": "2.0.0"}}
    body = _lock(plain).decode()
    yield (
        "repeated key, other text",
        body.replace(
            '"node_modules/b": {',
            '"node_modules/a": {"version": "9.9.9"},\n    "node_modules/b": {',
        ).encode(),
    )
    yield (
        "repeated key, same text",
        body.replace(
            '"node_modules/b": {',
            '"node_modules/a": {\n      "version": "1.0.0"\n    },\n    "node_modules/b": {',
        ).encode(),
    )
    # Another layout (one space of indent): the places are looked for entry by entry, at the
    # first "{" after the previous entry, which is inside the key.
    braced: dict[str, Any] = {"lockfileVersion": 3, "packages": {"": {}, "node_modules/a{": entry}}
    yield "brace in a key", json.dumps(braced, indent=1).encode()
    yield "packages inside an earlier value", _lock(plain, x={"packages": {"": {}}})
    yield "an entry that is not an object", _lock({"node_modules/s": "1.0.0", **plain})
    yield "an entry of the wrong shape", _lock({"node_modules/n": {"version": 1}, **plain})
    yield "keys to normalise", _lock({"node_modules/x/../a2": entry, **plain})
    yield "lockfileVersion 1", json.dumps({"lockfileVersion": 1, "dependencies": {}}).encode()
    yield "no packages map", json.dumps({"lockfileVersion": 3}).encode()
    yield "cut short", _lock(plain)[:-30]


@pytest.mark.parametrize("case", list(_refusals()), ids=[label for label, _ in _refusals()])
def test_the_whole_file_decode_takes_what_the_walk_does_not_find(case: tuple[str, bytes]) -> None:
    _, data = case
    assert npm._parse_lean(data, _FMT, "package-lock.json") is None
    whole = _whole(data)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(npm, "LEAN_BYTES", 0)
        assert _whole(data) == whole


def test_every_chunk_is_checked() -> None:
    """An entry of the wrong type past the first chunk still sends the file to the whole-file
    decode, which words the error with its JSON path."""
    packages: dict[str, Any] = {f"node_modules/p{i}": {"version": "1.0.0"} for i in range(2500)}
    packages["node_modules/p2400"] = {"version": "1.0.0", "resolved": 7}
    data = _lock(packages)
    assert npm._parse_lean(data, _FMT, "package-lock.json") is None
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(npm, "LEAN_BYTES", 0)
        with pytest.raises(LockfileError) as caught:
            npm.parse(data, "package-lock.json")
    assert caught.value.json_path == "packages['node_modules/p2400'].resolved"
    assert str(caught.value).startswith(
        "package-lock.json: packages['node_modules/p2400'].resolved: "
    )
    with pytest.raises(LockfileError) as whole:
        npm.parse(data, "package-lock.json")
    assert str(whole.value) == str(caught.value)


def test_many_entries_in_many_groups() -> None:
    """Lookups through the group index (16 keys a group) over several chunks."""
    packages = {
        f"node_modules/p{i}": {"version": f"1.0.{i}", "dependencies": {f"p{i + 1}": "*"}}
        for i in range(3000)
    }
    data = _lock(packages)
    graph = _lean_graph(data)
    assert _picture(graph) == _whole(data)
    entries = graph.details._entries  # type: ignore[attr-defined]
    for i in (0, 15, 16, 1023, 1024, 2999):
        assert entries[f"node_modules/p{i}"].version == f"1.0.{i}"
    with pytest.raises(KeyError):
        entries["node_modules/p3000"]


def test_a_control_character_is_found_in_any_slice_of_the_names() -> None:
    names = [f"pkg-{i}" for i in range(40_000)]
    assert _control_in_names(names) is None
    names[-1] = "bad\x07name"
    assert _control_in_names(names) == 39_999


def test_the_integrity_column_is_read_a_chunk_at_a_time() -> None:
    packages: dict[str, Any] = {
        f"node_modules/p{i}": {"version": "1.0.0", "integrity": f"sha512-{i}"} for i in range(2100)
    }
    packages["node_modules/p7"] = {"version": "1.0.0"}
    packages["node_modules/git"] = {"resolved": "git+https://example.com/g.git", "integrity": "x"}
    data = _lock(packages)
    graph = _lean_graph(data)
    column = graph.table.integrity()
    assert isinstance(column, npm._IntegrityColumn)
    whole = list(npm.parse(data, "package-lock.json").table.integrity())
    assert list(column) == whole and len(column) == len(whole) == 2101
    assert [column[i] for i in (0, 7, 2099, -1)] == [whole[i] for i in (0, 7, 2099, -1)]
    assert column[-1] == "x" and column[7] is None and column[1:3] == whole[1:3]
    with pytest.raises(IndexError):
        column[2101]


def test_an_integrity_rule_finds_the_same_entries_both_ways() -> None:
    packages: dict[str, Any] = {
        f"node_modules/p{i}": {"version": "1.0.0", "integrity": f"sha512-{i % 700}"}
        for i in range(1500)
    }
    data = _lock(packages)
    rule = Rule(
        id="INTEGRITY-1",
        title="bad tarball",
        kind=RuleKind.MALICIOUS_PACKAGE,
        ecosystem="npm",
        severity=Severity.CRITICAL,
        package_rules=(),
        source="test",
        bad_integrity=("sha512-5", "sha512-699"),
    )
    index = build_index((rule,))
    whole = match_graph(npm.parse(data, "package-lock.json"), index, "package-lock.json")
    lean = match_graph(_lean_graph(data), index, "package-lock.json")
    assert sorted(lean, key=repr) == sorted(whole, key=repr)
    assert len(whole) == 5  # p5, p705, p1405, p699, p1399


def _layouts() -> Iterator[tuple[str, bytes]]:
    packages: dict[str, Any] = {
        f"node_modules/p{i}": {"version": "1.0.0", "dependencies": {f"p{i + 1}": "^1"}}
        for i in range(2500)
    }
    packages["node_modules/p1500"] = {"version": "1.0.0", "name": "al{ias"}
    ascii_only: dict[str, Any] = {"lockfileVersion": 3, "packages": {"": {}, **packages}}
    ascii_only["packages"]["node_modules/{x}"] = {"version": "2.0.0"}
    yield "brace in a key, npm's layout", json.dumps(ascii_only, indent=2).encode()
    packages["node_modules/caf\u00e9"] = {"version": "1.0.0"}  # a key longer in bytes
    packages["node_modules/{x}"] = {"version": "2.0.0"}  # in the same chunk
    body: dict[str, Any] = {"name": "app", "lockfileVersion": 3, "packages": {"": {}, **packages}}
    yield "brace in a key, searched", json.dumps(body, indent=2).encode()
    del packages["node_modules/{x}"]
    body["packages"] = {"": {}, **packages}
    yield "npm's", json.dumps(body, indent=2, ensure_ascii=False).encode()
    body["packages"] = {"": {"name": "app"}, **packages}
    yield "escaped", json.dumps(body, indent=2).encode()
    yield "one space", json.dumps(body, indent=1).encode()
    yield "tabs and CRLF", json.dumps(body, indent="\t").replace("\n", "\r\n").encode()
    yield "compact", json.dumps(body, separators=(",", ":")).encode()


@pytest.mark.parametrize("case", list(_layouts()), ids=[label for label, _ in _layouts()])
def test_any_layout_is_read_the_same(case: tuple[str, bytes]) -> None:
    """The places of the entries are guessed from npm's layout and checked; another layout, a
    key not written as itself, a brace in a key are found entry by entry or refused."""
    _, data = case
    graph = npm._parse_lean(data, _FMT, "package-lock.json")
    whole = _whole(data)
    if graph is not None:
        assert _picture(graph) == whole
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(npm, "LEAN_BYTES", 0)
        assert _whole(data) == whole


def test_npm_layouts_are_taken() -> None:
    for label, data in _layouts():
        taken = npm._parse_lean(data, _FMT, "package-lock.json") is not None
        assert taken == (label != "brace in a key, searched"), label


def test_a_byte_order_mark_is_read_past_without_a_copy() -> None:
    data = b"\xef\xbb\xbf" + _MIXED
    assert npm._parse_lean(data, _FMT, "package-lock.json") is None  # not JSON from byte 0
    graph = npm._parse_lean(data, _FMT, "package-lock.json", 3)
    assert graph is not None
    whole = _whole(data)  # the mark replaced by spaces: same offsets, same lines
    assert _picture(graph) == whole
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(npm, "LEAN_BYTES", 0)
        assert _whole(data) == whole
        assert _whole(data[:-5]) == _whole(b"   " + _MIXED[:-5])  # damaged: worded the same
