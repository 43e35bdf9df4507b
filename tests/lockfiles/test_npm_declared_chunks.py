"""npm's dependency check reads the entries' ``dependencies`` maps a chunk at a time and searches
each chunk's maps joined once for what an ``npm:`` alias spec is written with (decision 0141);
decision 0139's alias check then gets the maps of a chunk holding one. These tests pin that the
chunked reading collects what a map-by-map reading does (``_Declared._add_each``, the reading
before 0141): the same names, the same "a map is no object of names", the same maps for the
alias check (so every map holding a spec npm's JSON.parse reads as ``npm:...``, escapes
included), on every npm lockfile of the tests and on generated maps.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gouvernante.lockfiles import npm
from lockfiles.fuzzcore import fixture_paths


def _packages(path: Path) -> dict[str, npm._Entry] | None:
    """The ``packages`` map of an npm lockfile (None for a v1 file, which has none)."""
    data = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    return msgspec.json.decode(data, type=npm._Lock).packages or None


# (v1 files have no ``packages`` map: nothing to collect, so not listed)
NPM_FILES = [
    p
    for p in fixture_paths(realworld=True)
    if p.name in ("package-lock.json", "npm-shrinkwrap.json") and _packages(p) is not None
]


def _collected(
    entries: list[npm._Entry], keys: list[str], *, chunked: bool
) -> tuple[set[str], bool, list[tuple[str, str]]]:
    declared = npm._Declared()
    if chunked:
        declared.add(entries, keys)
    else:
        declared._add_each(entries, keys)
    return declared._names, declared._bad, [(k, f) for k, f, _ in declared._aliasing]


def _alias_maps(entries: list[npm._Entry], keys: list[str]) -> Iterator[tuple[str, str]]:
    """The (key, field) of the maps holding a spec that npm reads as an alias, ``npm:`` in any
    case (npm-package-arg lowercases the spec first; decision 0147), in ``dependencies``,
    ``optionalDependencies`` or ``peerDependencies`` (up to a bad ``dependencies`` map)."""
    for entry, key in zip(entries, keys, strict=True):
        if entry.link:
            continue
        if entry.dependencies:
            try:
                msgspec.json.decode(entry.dependencies, type=dict[str, msgspec.Raw])
            except msgspec.MsgspecError:
                return
        for field in npm._ALIAS_FIELDS:
            raw = getattr(entry, field)
            try:
                specs = npm._SPECS_DECODER.decode(raw) if raw else {}
            except msgspec.MsgspecError:
                continue
            if not isinstance(specs, dict):
                continue
            if any(isinstance(s, str) and s[:4].lower() == "npm:" for s in specs.values()):
                yield key, field


def _same_both_ways(entries: list[npm._Entry], keys: list[str]) -> None:
    chunked = _collected(entries, keys, chunked=True)
    assert chunked == _collected(entries, keys, chunked=False)
    assert set(chunked[2]).issuperset(_alias_maps(entries, keys))


def test_the_tests_npm_lockfiles_are_read() -> None:
    assert len(NPM_FILES) >= 10  # (11 v2/v3 files when written)


@pytest.mark.parametrize("path", NPM_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
@pytest.mark.parametrize("chunk", [npm._CHUNK, 3])
def test_every_npm_lockfile_collects_the_same(
    path: Path, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(npm, "_CHUNK", chunk)
    packages = _packages(path)
    assert packages is not None
    _same_both_ways(list(packages.values()), list(packages))


_HEX = st.sampled_from("0123456789abcdefABCDEF")


def _escaped(char: str) -> st.SearchStrategy[str]:
    """``char`` as JSON writes it: itself, or a ``\\u`` escape in either case."""
    code = f"{ord(char):04x}"
    return st.sampled_from(
        [char, f"\\u{code}", f"\\u{code.upper()}", f"\\u{code[:2]}{code[2:].upper()}"]
    )


@st.composite
def _spec_text(draw: st.DrawFn) -> str:
    """A spec as written in the file (the JSON value's text)."""
    kinds = ["range", "alias", "escaped-alias", "cased-alias", "other-escape", "odd"]
    kind = draw(st.sampled_from(kinds))
    if kind == "range":
        return json.dumps(draw(st.sampled_from(["^1.0.0", "~2.3.4", "*", "latest", "1.x"])))
    if kind == "alias":
        return '"npm:is-number@7.0.0"'
    if kind == "escaped-alias":
        head = "".join(draw(_escaped(c)) for c in "npm:")
        return f'"{head}is-number@^7.0.0"'
    if kind == "cased-alias":  # (npm reads ``NPM:`` as ``npm:``: decision 0147)
        head = "".join(draw(st.sampled_from([c, c.upper()])) for c in "npm:")
        return f'"{head}is-number@^7.0.0"'
    if kind == "other-escape":
        return draw(st.sampled_from(['"\\u005e1.0.0"', '"a\\\\b"', '"\\u0000npm:x"', '"^1\\/2"']))
    return draw(st.sampled_from(["1", "null", '{"a": "npm:x"}', '["npm:x"]', '"x npm: y"']))


@st.composite
def _map_text(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 30)) == 0:  # no object of names
        return draw(st.sampled_from(["[]", "1", '"npm:x"', "null"]))
    names = draw(st.lists(st.sampled_from(["a", "b", "is-number", "@s/c", "npm"]), max_size=4))
    members = [f"{json.dumps(n)}: {draw(_spec_text())}" for n in names]
    return "{" + ", ".join(members) + "}"


@st.composite
def _entries_text(draw: st.DrawFn) -> str:
    count = draw(st.integers(0, 12))
    texts = []
    for i in range(count):
        fields = [f'"version": "1.0.{i}"']
        if draw(st.booleans()):
            fields.append(f'"dependencies": {draw(_map_text())}')
        for field in ("optionalDependencies", "peerDependencies"):
            if draw(st.integers(0, 3)) == 0:
                fields.append(f'"{field}": {draw(_map_text())}')
        if draw(st.integers(0, 8)) == 0:
            fields.append('"link": true')
        texts.append("{" + ", ".join(fields) + "}")
    return "[" + ", ".join(texts) + "]"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_entries_text(), chunk=st.integers(1, 5))
def test_generated_maps_collect_the_same(text: str, chunk: int) -> None:
    entries = msgspec.json.decode(text.encode(), type=list[npm._Entry])
    keys = [f"node_modules/p{i}" for i in range(len(entries))]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(npm, "_CHUNK", chunk)
        _same_both_ways(entries, keys)


def test_an_escaped_alias_in_a_later_chunk_is_searched(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(npm, "_CHUNK", 2)
    maps = ['{"a": "^1.0.0"}'] * 5 + ['{"foo": "\\u006epm:is-number@7.0.0"}']
    text = "[" + ", ".join(f'{{"version": "1.0.0", "dependencies": {m}}}' for m in maps) + "]"
    entries = msgspec.json.decode(text.encode(), type=list[npm._Entry])
    keys = [f"node_modules/p{i}" for i in range(len(entries))]
    names, bad, aliasing = _collected(entries, keys, chunked=True)
    assert (names, bad, aliasing) == ({"a", "foo"}, False, [("node_modules/p5", "dependencies")])
