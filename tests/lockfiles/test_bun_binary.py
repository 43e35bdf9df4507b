"""bun.lockb (bun's binary lockfile) parser.

The files under ``fixtures/bun/bun-*-lockb/`` were written by the real bun 1.0.0, 1.0.36, 1.1.0,
1.1.38 (format 2), 1.2.20 (format 2), 1.3.0 and 1.4.5 (format 3; the last three rewriting 1.1.38's
file; ``fixtures/bun/generate_lockb.sh``) and 1.1.45 (``generate.sh``); beside each, bun's own
reading of it (``bun-print.txt``: ``bun ./bun.lockb``; ``bun-pm-ls.txt``: ``bun pm ls --all``)
and ``expected.json`` derived from those. ``test_fixtures.py`` checks the package sets; here:
integrity, aliases, workspaces, dependency paths, and damaged files (truncated, mutated,
inconsistent, an unknown format version), which must give the exact result or a
``LockfileError`` naming the byte offset.
"""

from __future__ import annotations

import json
import re
import struct
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gouvernante.errors import LockfileError
from gouvernante.lockfiles import bun as bun_lock
from gouvernante.lockfiles import bun_binary, parse_bytes
from gouvernante.match.paths import dependency_paths
from gouvernante.model import Importer, LockedPackage, LockfileFormat, LockfileGraph, Source

FIXTURES = Path(__file__).parent / "fixtures" / "bun"
CASES = [
    "bun-1.0.0-lockb",
    "bun-1.0.36-lockb",
    "bun-1.1.0-lockb",
    "bun-1.1.38-lockb",
    "bun-1.2.20-lockb",
    "bun-1.3.0-lockb",
    "bun-1.4.5-lockb",
]
ALL_CASES = [*CASES, "bun-1.1.45-lockb"]
HEAD = len(bun_binary.MAGIC)  # the u32 format version is at this offset
END_FIELD = HEAD + 36  # u64: end of data


def _data(case: str) -> bytes:
    return (FIXTURES / case / "bun.lockb").read_bytes()


def _graph(case: str) -> LockfileGraph:
    return parse_bytes(_data(case), f"{case}/bun.lockb")


def _expected(case: str) -> dict[str, object]:
    loaded: dict[str, object] = json.loads((FIXTURES / case / "expected.json").read_text())
    return loaded


def _named(graph: LockfileGraph, name: str, version: str) -> LockedPackage:
    (found,) = [p for p in graph.packages if p.name == name and p.version == version]
    return found


_Row = tuple[str, str, str, Source, str | None]
_Signature = tuple[tuple[_Row, ...], tuple[Importer, ...], tuple[tuple[str, tuple[str, ...]], ...]]


def _signature(graph: LockfileGraph) -> _Signature:
    """Everything a scan uses of a graph: packages, importers, edges."""
    packages = sorted((p.id, p.name, p.version, p.source, p.integrity) for p in graph.packages)
    edges = sorted((k, tuple(v)) for k, v in graph.details.edges().items())
    return (tuple(packages), tuple(graph.importers), tuple(edges))


# --- the real files -----------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_real_file_matches_what_bun_printed(case: str) -> None:
    graph = _graph(case)
    expected = _expected(case)
    assert graph.format is LockfileFormat.BUN_BINARY
    registry = [p for p in graph.packages if p.source is not Source.LOCAL]
    got = sorted([p.name, p.version] for p in registry)
    assert got == expected["packages"]
    assert len(got) == len({(p.name, p.version) for p in registry}), "one entry per package"
    integrity = expected["integrity"]
    assert isinstance(integrity, dict)
    for p in registry:  # bun prints a tarball under its URL
        key = f"{p.name}@{p.resolved if p.source is Source.TARBALL else p.version}"
        assert p.integrity == integrity.get(key), p.id
    local = sorted(p.name for p in graph.packages if p.source is Source.LOCAL)
    assert local == expected["local"]


@pytest.mark.parametrize("case", ALL_CASES)
def test_alias_workspaces_and_tarball(case: str) -> None:
    graph = _graph(case)
    names = {p.name for p in graph.packages}
    assert "my-lodash" not in names  # the alias is resolved to the real package
    lodash = _named(graph, "lodash", "4.17.20")
    assert lodash.source is Source.REGISTRY
    assert lodash.resolved == "https://registry.npmjs.org/lodash/-/lodash-4.17.20.tgz"
    assert lodash.integrity is not None and lodash.integrity.startswith("sha512-")
    # the workspace named like a registry package is local, never the registry's is-number
    (workspace,) = [p for p in graph.packages if p.id.startswith("is-number@workspace:")]
    assert workspace.source is Source.LOCAL
    tarball = _named(graph, "left-pad", "1.3.0")
    assert tarball.source is Source.TARBALL
    assert tarball.resolved == "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz"
    labels = {imp.id: imp.label for imp in graph.importers}
    assert labels == {
        "": "fixture-app",
        "@acme/core@workspace:packages/core": "@acme/core",
        "@acme/util@workspace:packages/util": "@acme/util",
        "is-number@workspace:packages/is-number": "is-number",
    }
    assert graph.details.line_of(lodash.id) is None  # a binary file has no lines


def test_workspace_versions_come_from_the_workspace_section() -> None:
    versions = {
        case: {p.name: p.version for p in _graph(case).packages if p.source is Source.LOCAL}
        for case in ALL_CASES
    }
    # bun < 1.0.4 wrote no workspace section: the versions are unknown, not invented
    assert versions.pop("bun-1.0.0-lockb") == {"@acme/core": "", "@acme/util": "", "is-number": ""}
    for found in versions.values():
        assert found == {"@acme/core": "1.0.0", "@acme/util": "1.0.0", "is-number": "99.0.0"}


def test_lockb_and_text_lockfile_of_bun_1_1_45_agree() -> None:
    """generate.sh made bun.lock and bun.lockb of one project with the same bun."""
    binary = _graph("bun-1.1.45-lockb")
    text = bun_lock.parse((FIXTURES / "bun-1.1.45" / "bun.lock").read_bytes(), "bun.lock")

    def view(graph: LockfileGraph) -> set[tuple[str, str, Source, str | None]]:
        return {(p.name, p.version, p.source, p.integrity) for p in graph.packages}

    assert view(binary) == view(text)


@pytest.mark.parametrize("case", CASES)
def test_dependency_paths_and_direct(case: str) -> None:
    graph = _graph(case)

    def paths(name: str, version: str) -> tuple[tuple[tuple[str, ...], ...], bool | None]:
        result = dependency_paths(graph, [_named(graph, name, version).id])
        return result.paths, result.direct

    assert paths("ms", "2.1.2") == ((("fixture-app", "debug@4.3.4", "ms@2.1.2"),), False)
    assert paths("ms", "3.0.0-canary.1") == ((("fixture-app", "ms@3.0.0-canary.1"),), True)
    assert paths("lodash", "4.17.20") == ((("fixture-app", "lodash@4.17.20"),), True)
    # a workspace's own dependency starts at the workspace
    assert paths("ms", "2.0.0") == ((("@acme/core", "ms@2.0.0"),), True)
    assert paths("is-number", "6.0.0") == (
        (("@acme/util", "is-odd@3.0.1", "is-number@6.0.0"),),
        False,
    )
    # dev and optional dependencies of the root are dependencies too
    assert paths("is-number", "3.0.0") == (
        (("fixture-app", "is-even@1.0.0", "is-odd@0.1.2", "is-number@3.0.0"),),
        False,
    )
    assert paths("left-pad", "1.1.3") == ((("fixture-app", "left-pad@1.1.3"),), True)
    assert paths("@esbuild/netbsd-x64", "0.19.12") == (
        (("fixture-app", "esbuild@0.19.12", "@esbuild/netbsd-x64@0.19.12"),),
        False,
    )
    edges = graph.details.edges()
    # the root's "workspaces" entries are importers, not dependencies of the root
    assert not [child for child in edges[""] if "@workspace:" in child]
    assert edges["@acme/core@workspace:packages/core"] == [
        "@acme/util@workspace:packages/util",
        "ms@2.0.0",
    ]


def test_sniff() -> None:
    data = _data("bun-1.1.38-lockb")
    assert bun_binary.sniff(data[:8192])
    assert not bun_lock.sniff(data[:8192])
    assert not bun_binary.sniff((FIXTURES / "bun-1.2.0" / "bun.lock").read_bytes())
    graph = parse_bytes(data, "proj/renamed.bin")  # found by content, not only by name
    assert graph.format is LockfileFormat.BUN_BINARY
    with pytest.raises(LockfileError, match=r"not a bun\.lockb"):
        bun_binary.parse(b"garbage", "x/bun.lockb")


# --- resolution kinds the fixtures do not have (git, folders, local tarballs) -------------


def _inline(text: str) -> bytes:
    raw = text.encode()
    assert len(raw) <= 8
    return raw.ljust(8, b"\0")


def _resolution_of(data: bytes | bytearray, name: str, major: int, minor: int) -> int:
    """Offset of the (format 2) resolution of the npm package ``name@major.minor.x``."""
    count, names_at, _ = _layout(data)
    resolutions_at = names_at + 16 * count
    for i in range(count):
        at = resolutions_at + 64 * i
        named = data[names_at + 8 * i : names_at + 8 * i + 8] == _inline(name)
        if named and data[at] == 2 and struct.unpack_from("<2I", data, at + 16) == (major, minor):
            return at
    raise AssertionError(f"no {name}@{major}.{minor}")


def _dependency_of(data: bytes | bytearray, name: str, literal: str) -> int:
    """Offset of the Dependency.External ``name`` with version literal ``literal``."""
    _, _, arrays = _layout(data)
    start, end = arrays[3]
    for at in range(start, end, 26):
        if data[at : at + 8] == _inline(name) and data[at + 18 : at + 26] == _inline(literal):
            return at
    raise AssertionError(f"no dependency {name}@{literal}")


# (resolution tag, its strings, the dependency tag that asks for it, source, resolved)
KINDS = [
    (16, ["acme", "ms", "", "abc1234", "ms"], 8, Source.GIT, "github:acme/ms#abc1234"),
    (24, ["acme", "ms", "", "abc1234", "ms"], 7, Source.GIT, "gitlab:acme/ms#abc1234"),
    (32, ["", "h:r.git", "", "abc1234", "ms"], 7, Source.GIT, "git+h:r.git#abc1234"),
    (4, ["vendor/m"], 4, Source.LOCAL, None),
    (64, ["../ms"], 5, Source.LOCAL, None),
    (8, ["./ms.tgz"], 3, Source.LOCAL, "./ms.tgz"),  # a local tarball: the project's own copy
    (80, ["h/ms.tgz"], 3, Source.TARBALL, "h/ms.tgz"),
    (72, ["ms"], 6, Source.LOCAL, None),
]


def _rewritten(tag: int, strings: list[str], asked_by: int | None) -> bytearray:
    """bun-1.1.38-lockb with ms@2.0.0 (a dependency of @acme/core) made another kind."""
    data = bytearray(_data("bun-1.1.38-lockb"))
    at = _resolution_of(data, "ms", 2, 0)
    data[at : at + 64] = bytes([tag]) + bytes(7) + b"".join(map(_inline, strings)).ljust(56, b"\0")
    if asked_by is not None:
        data[_dependency_of(data, "ms", "2.0.0") + 17] = asked_by
    return data


@pytest.mark.parametrize(("tag", "strings", "asked_by", "source", "resolved"), KINDS)
def test_other_resolution_kinds(
    tag: int, strings: list[str], asked_by: int, source: Source, resolved: str | None
) -> None:
    graph = bun_binary.parse(bytes(_rewritten(tag, strings, asked_by)), "bun.lockb")
    (ms,) = [p for p in graph.packages if p.name == "ms" and p.source is not Source.REGISTRY]
    assert (ms.source, ms.version, ms.resolved) == (source, "", resolved)
    if source is Source.LOCAL and resolved is None:  # (a folder; a local tarball keeps its hash)
        assert ms.integrity is None
    # still reached from the workspace that depends on it
    assert dependency_paths(graph, [ms.id]).paths == (("@acme/core", "ms"),)


@pytest.mark.parametrize(("tag", "strings", "asked_by", "source", "resolved"), KINDS)
def test_a_kind_no_dependency_asks_for_is_an_error(
    tag: int, strings: list[str], asked_by: int, source: Source, resolved: str | None
) -> None:
    """One changed byte must not turn a registry package into a local one (never matched)."""
    data = _rewritten(tag, strings, None)  # @acme/core still asks for ms "2.0.0" from npm
    at = _resolution_of(_data("bun-1.1.38-lockb"), "ms", 2, 0)
    assert _error_for(data) == (
        f"p/bun.lockb: byte {at}: no dependency asks for this kind of package"
    )


@pytest.mark.parametrize("tag", [0, 1, 3, 100, 255])
def test_unknown_or_misplaced_resolution_kinds_are_errors(tag: int) -> None:
    data = bytearray(_data("bun-1.1.38-lockb"))
    at = _resolution_of(data, "ms", 2, 0)
    data[at] = tag
    message = _error_for(data)
    assert message.startswith(f"p/bun.lockb: byte {at}: ")


# --- versions we do not know ------------------------------------------------------------


@pytest.mark.parametrize("version", [0, 1, 4, 255, 0xFFFFFFFF])
def test_unknown_format_version_fails_closed_with_hint(version: int) -> None:
    data = bytearray(_data("bun-1.1.38-lockb"))
    struct.pack_into("<I", data, HEAD, version)
    for path in ("proj/bun.lockb", "proj/renamed.bin"):
        with pytest.raises(LockfileError) as info:
            parse_bytes(bytes(data), path)
        assert str(info.value).startswith(f"{path}: byte {HEAD}: ")
        assert f"format version {version} is not supported" in info.value.detail
        assert bun_binary.HINT in info.value.detail
    assert "bun install --save-text-lockfile" in bun_binary.HINT


# --- damaged files ------------------------------------------------------------------------


def _boundaries(data: bytes) -> list[int]:
    """Every offset where a structure of the file starts or ends (walked here, independently
    of the parser, from the layout described in bun_binary's docstring)."""
    end = struct.unpack_from("<Q", data, END_FIELD)[0]
    cuts = {0, HEAD, HEAD + 4, HEAD + 36, HEAD + 44, end}
    pos = HEAD + 44
    count, _, fields, begin, stop = struct.unpack_from("<5Q", data, pos)
    cuts.update(range(pos, pos + 41, 8))
    sizes = [8, 8, 64, 8, 8, 88, 20, 49][:fields]
    at = begin
    for size in sizes:
        cuts.update({at, at + size, at + count * size - 1})
        at += count * size
    pos = stop

    def array(pos: int) -> int:
        start, finish = struct.unpack_from("<QQ", data, pos)
        cuts.update({pos, pos + 8, pos + 16, start, finish})
        return int(finish)

    for _ in range(6):
        pos = array(pos)
    cuts.update({pos, pos + 8})
    pos += 8
    if data[pos : pos + 8] == b"wOrKsPaC":
        cuts.add(pos)
        pos += 8
        for _ in range(4):
            pos = array(pos)
    cuts.add(pos)
    return sorted(c for c in cuts if 0 <= c <= end)


def _with_end(data: bytes, end: int) -> bytes:
    """``data`` cut at ``end``, the header's end-of-data field saying so (when it still has one)."""
    cut = bytearray(data[:end])
    if end >= END_FIELD + 8:
        struct.pack_into("<Q", cut, END_FIELD, end)
    return bytes(cut)


def _check_error(info: pytest.ExceptionInfo[LockfileError], path: str) -> None:
    message = str(info.value)
    assert message.startswith(path + ": ")
    assert re.fullmatch(r"[ -~]*", message), "messages are plain text, never the file's bytes"


@pytest.mark.parametrize("case", ALL_CASES)
def test_truncated_files_are_errors_never_smaller_lockfiles(case: str) -> None:
    data = _data(case)
    whole = _signature(bun_binary.parse(data, "bun.lockb"))
    registry = {p for p in whole[0] if p[3] is not Source.LOCAL}
    end = struct.unpack_from("<Q", data, END_FIELD)[0]
    cuts = _boundaries(data)
    assert len(cuts) > 40
    for cut in cuts:
        for at in {cut - 1, cut, cut + 1} - {end}:
            if not 0 <= at < end:
                continue
            # as cut (the header then says more data than there is) ...
            with pytest.raises(LockfileError) as info:
                bun_binary.parse(data[:at], "bun.lockb")
            _check_error(info, "bun.lockb")
            # ... and with the header made to agree: the structures must notice
            try:
                graph = bun_binary.parse(_with_end(data, at), "bun.lockb")
            except LockfileError as exc:
                assert str(exc).startswith("bun.lockb: ")
                continue
            # Only the optional sections may go (what bun < 1.0.4 writes): every package,
            # version, integrity and edge is still there; workspace versions become unknown.
            got = _signature(graph)
            assert {p for p in got[0] if p[3] is not Source.LOCAL} == registry, at
            assert got[2] == whole[2], at
    # past the end of data (bun pads the file) nothing is read
    assert _signature(bun_binary.parse(data[: end + 1], "bun.lockb")) == whole


def _pointer_string(data: bytes | bytearray, column_at: int, count: int) -> int:
    """Offset of the first non-inline String in a column of ``count`` 8-byte Strings."""
    for i in range(count):
        if data[column_at + 8 * i + 7] & 0x80:
            return column_at + 8 * i
    raise AssertionError("no string pointer in that column")


def _layout(data: bytes | bytearray) -> tuple[int, int, list[tuple[int, int]]]:
    """Package count, the packages' first column, and the (start, end) of each buffer."""
    count, _, _, begin, stop = struct.unpack_from("<5Q", data, HEAD + 44)
    arrays = []
    pos = stop
    for _ in range(6):
        start, finish = struct.unpack_from("<QQ", data, pos)
        arrays.append((start, finish))
        pos = finish
    return count, begin, arrays


def _error_for(data: bytes | bytearray) -> str:
    with pytest.raises(LockfileError) as info:
        bun_binary.parse(bytes(data), "p/bun.lockb")
    _check_error(info, "p/bun.lockb")
    return str(info.value)


def test_string_pointer_past_the_string_bytes() -> None:
    data = bytearray(_data("bun-1.1.38-lockb"))
    count, names_at, _ = _layout(data)
    at = _pointer_string(data, names_at, count)
    value = struct.unpack_from("<Q", data, at)[0]
    struct.pack_into("<Q", data, at, value | (0x7FFF0000 << 32))  # a huge length
    assert (
        _error_for(data)
        == f"p/bun.lockb: byte {at}: package name: string points past the string bytes"
    )


def test_dependency_resolving_to_a_missing_package() -> None:
    data = bytearray(_data("bun-1.1.38-lockb"))
    count, _, arrays = _layout(data)
    resolutions_at = arrays[2][0]
    struct.pack_into("<I", data, resolutions_at, count + 5)
    message = _error_for(data)
    assert message == (
        f"p/bun.lockb: byte {resolutions_at}: dependency resolves to package {count + 5}, "
        "which does not exist"
    )


def test_package_slices_out_of_range() -> None:
    data = bytearray(_data("bun-1.1.38-lockb"))
    count, begin, _ = _layout(data)
    deps_column = begin + count * (8 + 8 + 64)
    struct.pack_into("<II", data, deps_column, 0, 10_000)  # the root: 10,000 dependencies
    assert "package dependencies out of range" in _error_for(data)


def test_overlapping_dependency_lists_are_refused() -> None:
    """Every package pointing at the whole dependency buffer would make the work quadratic."""
    data = bytearray(_data("bun-1.1.38-lockb"))
    count, begin, arrays = _layout(data)
    deps_column = begin + count * (8 + 8 + 64)
    whole = (arrays[3][1] - arrays[3][0]) // 26
    for column in (deps_column, deps_column + 8 * count):  # dependencies, then resolutions
        for i in range(count):
            struct.pack_into("<II", data, column + 8 * i, 0, whole)
    assert "package dependency lists overlap" in _error_for(data)


def test_array_range_out_of_bounds() -> None:
    data = bytearray(_data("bun-1.1.38-lockb"))
    stop = struct.unpack_from("<5Q", data, HEAD + 44)[4]
    struct.pack_into("<Q", data, stop + 8, len(data) * 4)  # the trees array ends past the file
    assert f"byte {stop}: trees: array range out of bounds" in _error_for(data)


def test_package_count_that_does_not_fill_the_list() -> None:
    data = bytearray(_data("bun-1.1.38-lockb"))
    count = struct.unpack_from("<Q", data, HEAD + 44)[0]
    struct.pack_into("<Q", data, HEAD + 44, count + 1)
    assert "does not fill its byte range" in _error_for(data)
    struct.pack_into("<Q", data, HEAD + 44, 1 << 60)  # capped by the file size, never allocated
    assert "does not fill its byte range" in _error_for(data)


def test_control_characters_in_a_name() -> None:
    data = bytearray(_data("bun-1.1.38-lockb"))
    count, names_at, _ = _layout(data)
    for i in range(1, count):  # an inline name ("ms", "debug"...): put an escape in it
        at = names_at + 8 * i
        if not data[at + 7] & 0x80 and data[at + 1]:
            data[at + 1] = 0x1B
            break
    assert "package name is empty or has control characters" in _error_for(data)


def test_a_changed_name_is_caught_by_its_stored_hash() -> None:
    data = bytearray(_data("bun-1.1.38-lockb"))
    count, names_at, arrays = _layout(data)
    at = next(
        names_at + 8 * i
        for i in range(count)
        if data[names_at + 8 * i : names_at + 8 * i + 6] == b"debug\0"
    )
    data[at + 4] = ord("f")  # "debug" -> "debuf": a rule on debug would no longer match
    assert (
        _error_for(data) == f"p/bun.lockb: byte {at}: package name does not match its stored hash"
    )
    # a dependency name (the string bytes are shared, so change the stored hash instead)
    data = bytearray(_data("bun-1.1.38-lockb"))
    deps_at = arrays[3][0]
    data[deps_at + 8] ^= 1
    assert "dependency name does not match its stored hash" in _error_for(data)


def test_overlapping_strings_are_bounded() -> None:
    """Many distinct pointers into one long string would decode the file many times over."""
    size = 60_000
    pointers = b"".join(
        struct.pack("<Q", k | (size - k) << 32 | 1 << 63) for k in range(1000)
    )  # offset k, length size - k: all distinct, each almost the whole buffer
    reader = bun_binary._Reader(b"x" * size + pointers, "p/bun.lockb")
    strings = bun_binary._Strings(reader, bun_binary._Array(0, size, 1))
    with pytest.raises(LockfileError, match="strings overlap far more than bun writes"):
        for k in range(1000):
            strings.get(size + 8 * k, "version")


def test_a_changed_version_is_caught_by_its_tarball_url() -> None:
    data = bytearray(_data("bun-1.1.38-lockb"))
    at = _resolution_of(data, "debug", 4, 3)
    struct.pack_into("<I", data, at + 16, 5)  # debug 4.3.4 -> 5.3.4: a rule on 4.3.4 would miss
    message = _error_for(data)
    assert (
        message
        == f"p/bun.lockb: byte {at + 16}: package name and version do not match its tarball URL"
    )


@pytest.mark.parametrize(
    ("name", "version", "url", "agrees"),
    [
        ("debug", "4.3.4", "https://registry.npmjs.org/debug/-/debug-4.3.4.tgz", True),
        ("debug", "4.3.5", "https://registry.npmjs.org/debug/-/debug-4.3.4.tgz", False),
        ("debug", "4.3.4", "https://registry.npmjs.org/debug/-/debug-4.3.4.tgzx", False),
        ("@b/c-f", "7.0.0", "https://r.example/@b/c-f/-/c-f-7.0.0.tgz", True),
        ("@b/c-f", "7.0.1", "https://r.example/@b/c-f/-/c-f-7.0.0.tgz", False),
        ("@b/c-f", "7.0.0", "https://r.example/api/npm/@b/c-f/-/@b/c-f-7.0.0.tgz", True),
        ("@b/c-f", "7.0.0", "https://r.example/@b/c-f/-/other-7.0.0.tgz", False),
        ("x", "1.0.0-rc.1", "https://r.example/x/-/x-1.0.0-rc.1.tgz?token=1#frag", True),
        ("x", "1.0.0+b.2", "https://r.example/x/-/x-1.0.0%2Bb.2.tgz", True),
        ("x", "1.0.0", "https://r.example/x/-/x-old-1.0.0.tgz", False),  # another package
        ("x", "1.0.0", "https://registry.npmjs.org/is-odd/-/is-odd-3.0.1.tgz", False),
        # the folder names the package too (decision 0030): a scope put before the name, or
        # another package's folder holding a file of this name
        ("x", "1.0.0", "https://registry.npmjs.org/@evil/x/-/x-1.0.0.tgz", False),
        ("x", "1.0.0", "https://registry.npmjs.org/evil/-/x-1.0.0.tgz", False),
        ("@b/c-f", "7.0.0", "https://r.example/@b%2fc-f/-/c-f-7.0.0.tgz", True),
        # not npm's tarball path: nothing to compare
        ("x", "1.0.0", "https://r.example/files/x.tgz", True),
        ("x", "1.0.0", "https://npm.pkg.github.com/download/@o/x/1.0.0/0123abcd", True),
        ("x", "1.0.0", "", True),
    ],
)
def test_version_against_tarball_url(name: str, version: str, url: str, agrees: bool) -> None:
    reader = bun_binary._Reader(bytes(64), "p/bun.lockb")
    if agrees:
        bun_binary._check_tarball_version(reader, name, version, url, 8)
    else:
        with pytest.raises(LockfileError, match=r"byte 8: package name and version do not match"):
            bun_binary._check_tarball_version(reader, name, version, url, 8)


def test_unknown_section_before_the_end_of_data() -> None:
    data = bytearray(_data("bun-1.0.0-lockb"))  # no optional sections: add an unknown one
    end = struct.unpack_from("<Q", data, END_FIELD)[0]
    data[end:end] = b"sOmEtHiNg" + bytes(15)
    struct.pack_into("<Q", data, END_FIELD, end + 24)
    assert f"byte {end}: unrecognised data before the end of data" in _error_for(data)


_ORIGINAL = _data("bun-1.1.38-lockb")
_ORIGINAL_GRAPH = bun_binary.parse(_ORIGINAL, "bun.lockb")
_ORIGINAL_NAMES = sorted(p.name for p in _ORIGINAL_GRAPH.packages)
_ORIGINAL_REGISTRY = sorted(
    (p.name, p.version) for p in _ORIGINAL_GRAPH.packages if p.source is Source.REGISTRY
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.integers(0, len(_ORIGINAL) - 1), st.integers(0, 255)), min_size=1, max_size=4
    )
)
def test_mutated_bytes_never_crash_hang_or_drop_packages(changes: list[tuple[int, int]]) -> None:
    data = bytearray(_ORIGINAL)
    for at, value in changes:
        data[at] = value
    started = time.process_time()  # CPU time: the machine's load does not count
    try:
        graph = bun_binary.parse(bytes(data), "bun.lockb")
    except LockfileError as exc:
        assert re.fullmatch(r"bun\.lockb: byte \d+: [ -~]*", str(exc)) or str(exc).startswith(
            "bun.lockb: not a bun.lockb"
        )
        return
    finally:
        assert time.process_time() - started < 2
    # A file that still reads has every package under its own name (names are checked against
    # their stored hashes), every registry package at its own version (checked against its
    # tarball URL) and still from the registry (a local or git package must be asked for by a
    # dependency of that kind), and every edge lands on a package. What can still change
    # unseen: an integrity digest, a workspace's version, a tarball URL.
    assert sorted(p.name for p in graph.packages) == _ORIGINAL_NAMES
    registry = [(p.name, p.version) for p in graph.packages if p.source is Source.REGISTRY]
    assert sorted(registry) == _ORIGINAL_REGISTRY
    nodes = {p.id for p in graph.packages} | {imp.id for imp in graph.importers}
    for parent, children in graph.details.edges().items():
        assert parent in nodes
        assert set(children) <= nodes


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_after_the_header_give_a_graph_or_an_error(tail: bytes) -> None:
    for blob in (bun_binary.MAGIC + tail, _ORIGINAL[:126] + tail):
        try:
            bun_binary.parse(blob, "bun.lockb")
        except LockfileError:
            continue
