"""bun.lock (text) parser (bun.lockb: ``test_bun_binary.py``).

The real lockfiles under ``fixtures/bun/`` were written by bun 1.1.45, 1.2.0 and 1.4.5 (see
``fixtures/bun/generate.sh``); ``test_fixtures.py`` checks their package sets against ``bun pm
ls``. Here: the graph details (edges, importers, lines) of those files, and hand-written inputs
for what the real files do not show (comments, git and tarball entries, errors).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gouvernante.errors import LockfileError
from gouvernante.lockfiles import bun as bun_lock
from gouvernante.lockfiles import detect, parse_bytes
from gouvernante.model import LockedPackage, LockfileFormat, LockfileGraph, Source

FIXTURES = Path(__file__).parent / "fixtures" / "bun"
TEXT_CASES = ["bun-1.1.45", "bun-1.2.0", "bun-1.4.5"]


def _load(case: str) -> tuple[bytes, LockfileGraph]:
    data = (FIXTURES / case / "bun.lock").read_bytes()
    return data, parse_bytes(data, f"{case}/bun.lock")


def _by_id(graph: LockfileGraph) -> dict[str, LockedPackage]:
    return {p.id: p for p in graph.packages}


def _parse(text: str) -> LockfileGraph:
    return bun_lock.parse(text.encode(), "bun.lock")


def _lock(packages: str, workspaces: str = '"": {"name": "app"}', version: int = 1) -> str:
    return (
        f'{{"lockfileVersion": {version}, "workspaces": {{{workspaces}}}, '
        f'"packages": {{{packages}}}}}'
    )


# --- the real files -----------------------------------------------------------------------


@pytest.mark.parametrize("case", TEXT_CASES)
def test_real_file_packages(case: str) -> None:
    _, graph = _load(case)
    assert graph.format is LockfileFormat.BUN
    pkgs = _by_id(graph)
    assert len(pkgs) == len(graph.packages), "ids are unique"
    alias = pkgs["my-lodash"]
    assert (alias.name, alias.version, alias.source) == ("lodash", "4.17.20", Source.REGISTRY)
    assert alias.integrity is not None and alias.integrity.startswith("sha512-")
    assert (pkgs["is-number"].source, pkgs["is-number"].version) == (Source.LOCAL, "99.0.0")
    nested = pkgs["is-odd/is-number"]
    assert (nested.name, nested.version, nested.source) == ("is-number", "6.0.0", Source.REGISTRY)
    assert pkgs["@acme/core"].source is Source.LOCAL
    assert (pkgs["@acme/core/ms"].name, pkgs["@acme/core/ms"].version) == ("ms", "2.0.0")
    assert (pkgs["debug/ms"].name, pkgs["debug/ms"].version) == ("ms", "2.1.2")
    assert pkgs["ms"].version == "3.0.0-canary.1"
    deep = pkgs["@babel/code-frame/chalk/ansi-styles/color-convert/color-name"]
    assert (deep.name, deep.version) == ("color-name", "1.1.3")
    tarball = pkgs["left-pad"]
    assert (tarball.name, tarball.version, tarball.source) == ("left-pad", "1.3.0", Source.TARBALL)
    assert tarball.resolved == "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz"
    # bun 1.2 records no integrity for tarball URLs; bun 1.4 does.
    assert (tarball.integrity is not None) is (case == "bun-1.4.5")
    assert pkgs["@esbuild/netbsd-x64"].version == "0.19.12"


@pytest.mark.parametrize("case", TEXT_CASES)
def test_real_file_importers(case: str) -> None:
    _, graph = _load(case)
    assert sorted((i.id, i.label) for i in graph.importers) == [
        ("", "fixture-app"),
        ("@acme/core", "@acme/core"),
        ("@acme/util", "@acme/util"),
        ("is-number", "is-number"),
    ]


@pytest.mark.parametrize("case", TEXT_CASES)
def test_real_file_edges(case: str) -> None:
    _, graph = _load(case)
    edges = graph.details.edges()
    assert set(edges[""]) == {
        "@babel/code-frame",
        "chalk",
        "debug",
        "esbuild",
        "ms",
        "my-lodash",
        "react",
        "react-dom",
    }
    assert list(edges["debug/ms"]) == []
    assert "debug/ms" in edges["debug"]
    assert set(edges["@babel/code-frame"]) == {"@babel/highlight", "@babel/code-frame/chalk"}
    assert set(edges["@babel/code-frame/chalk"]) == {
        "@babel/code-frame/chalk/ansi-styles",
        "escape-string-regexp",
        "@babel/code-frame/chalk/supports-color",
    }
    assert list(edges["@babel/code-frame/chalk/ansi-styles/color-convert"]) == [
        "@babel/code-frame/chalk/ansi-styles/color-convert/color-name"
    ]
    assert list(edges["chalk"]) == ["ansi-styles", "supports-color"]
    assert set(edges["@acme/core"]) == {"@acme/core/ms", "@acme/util"}
    assert set(edges["@acme/util"]) == {"is-odd", "left-pad"}
    assert list(edges["is-odd"]) == ["is-odd/is-number"]
    assert set(edges["react-dom"]) == {"loose-envify", "scheduler", "react"}  # peer included
    assert len(edges["esbuild"]) == 23
    assert all(child.startswith("@esbuild/") for child in edges["esbuild"])
    assert list(edges["is-number"]) == []
    assert graph.details.edges() is edges, "computed once"


@pytest.mark.parametrize("case", TEXT_CASES)
def test_real_file_lines(case: str) -> None:
    data, graph = _load(case)
    lines = data.decode().splitlines()

    def line_starting(prefix: str) -> int:
        return next(n for n, line in enumerate(lines, 1) if line.lstrip().startswith(prefix))

    for key in ("debug", "my-lodash", "@babel/code-frame/chalk", "is-odd/is-number", "is-number"):
        line = graph.details.line_of(key)
        assert line == line_starting(json.dumps(key) + ": ["), key
        assert f'"{key}": [' in lines[line - 1]
    assert graph.details.line_of("") == line_starting('"": {')
    assert graph.details.line_of("no-such-package") is None


def test_real_files_agree_across_bun_versions() -> None:
    graphs = [_load(case)[1] for case in TEXT_CASES]
    sets = [{(p.id, p.name, p.version, p.source) for p in g.packages} for g in graphs]
    assert sets[0] == sets[1] == sets[2]


# --- detection ----------------------------------------------------------------------------


@pytest.mark.parametrize("case", TEXT_CASES)
def test_sniff_real_files(case: str) -> None:
    head = (FIXTURES / case / "bun.lock").read_bytes()[:8192]
    assert bun_lock.sniff(head)
    spec = detect("affected-lockfile.json", head)
    assert spec is not None and spec.module == "bun"


@pytest.mark.parametrize(
    "head",
    [
        b'{\n  "name": "x",\n  "lockfileVersion": 3,\n'
        b'  "packages": {\n    "": {"workspaces": ["a"]}}}',
        b"lockfileVersion: '9.0'\n",
        b"# yarn lockfile v1\n",
        b'{"name": "x", "workspaces": {"packages": ["a"]}}',
    ],
)
def test_sniff_rejects_other_formats(head: bytes) -> None:
    assert not bun_lock.sniff(head)


def test_sniff_allows_comments() -> None:
    head = (
        b'// made by hand\n{"lockfileVersion": 1,'
        b' "workspaces": /* roots */ {\n // the root\n "": {}}}'
    )
    assert bun_lock.sniff(head)


# --- JSONC --------------------------------------------------------------------------------


def test_strip_jsonc_keeps_strings() -> None:
    text = '{"a": "x // y", /* c */ "b": ["/* z */", "q, }", ], // end\n "c": "\\"//", }'
    assert json.loads(bun_lock.strip_jsonc(text)) == {
        "a": "x // y",
        "b": ["/* z */", "q, }"],
        "c": '"//',
    }


_SCALARS = (
    st.none() | st.booleans() | st.integers() | st.text(alphabet='ab/*,]}"\\\n :', max_size=8)
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(alphabet='k/*,"\\', max_size=4), inner, max_size=4)
    ),
    max_leaves=15,
)
_GAPS = st.sampled_from(["", " ", "\n  ", ' // note, ] } "x\n', "/* a, } // */", "\n/* \n */\n"])


def _jsonc(value: object, data: st.DataObject, *, block_comments: bool) -> str:
    def gap() -> str:
        text = data.draw(_GAPS)
        return text if block_comments or "/*" not in text else " "

    if isinstance(value, list):
        items = [gap() + _jsonc(v, data, block_comments=block_comments) + gap() for v in value]
        trailing = "," + gap() if bool(items) and data.draw(st.booleans()) else ""
        return "[" + ",".join(items) + trailing + "]"
    if isinstance(value, dict):
        members = [
            gap() + json.dumps(k) + gap() + ":" + _jsonc(v, data, block_comments=block_comments)
            for k, v in value.items()
        ]
        trailing = "," + gap() if bool(members) and data.draw(st.booleans()) else ""
        return "{" + ",".join(members) + trailing + gap() + "}"
    return gap() + json.dumps(value) + gap()


@settings(max_examples=150)
@given(_VALUES, st.booleans(), st.data())
def test_strip_jsonc_round_trips(value: object, block_comments: bool, data: st.DataObject) -> None:
    text = _jsonc(value, data, block_comments=block_comments)
    assert json.loads(bun_lock.strip_jsonc(text)) == value


def test_strip_jsonc_long_lines() -> None:
    # One long line full of "//" and ", ]" inside strings: the line-local shortcut gives up and
    # the whole-text tokeniser answers (exactly, and without rescanning the line each time).
    value = {f"k{i}": ["https://x.test//a, ]", "\\//"] for i in range(20_000)}
    members = (
        f"{json.dumps(k)}: [{json.dumps(a)}, {json.dumps(b)}, ]" for k, (a, b) in value.items()
    )
    text = "{" + ", ".join(members) + ", } // end"
    assert len(text) > 1 << 19 and "\n" not in text
    assert json.loads(bun_lock.strip_jsonc(text)) == value


@pytest.mark.parametrize(
    "text",
    [
        '{"a": "*/"' + "/*" * 100_000,  # unterminated block comments
        '{"a": /**/ "' + '\\"' * 100_000,  # an unterminated string full of escaped quotes
        '{"a": "' + "//" * 100_000,  # no block comment: the line-local path
        "[" + ", " * 100_000 + "]",
    ],
)
def test_hostile_jsonc_fails_fast(text: str) -> None:
    with pytest.raises(LockfileError):
        bun_lock.parse(text.encode(), "bun.lock")


def test_comments_and_trailing_commas() -> None:
    text = """// bun.lock written by hand
{
  "lockfileVersion": 1, /* text */
  "workspaces": {
    "": { "name": "app", "dependencies": { "a": "https://x.test/a//b", }, },
  },
  "packages": {
    // the one package
    "a": ["a@1.0.0", "https://x.test/a//b", { /* none */ }, "sha512-AA=="],
  },
}
"""
    graph = _parse(text)
    assert list(graph.packages) == [
        LockedPackage("a", "a", "1.0.0", Source.REGISTRY, "sha512-AA==", "https://x.test/a//b")
    ]
    assert graph.details.line_of("a") == 9
    assert graph.details.line_of("") == 5
    assert graph.details.edges() == {"a": [], "": ["a"]}


def test_bom_is_ignored() -> None:
    graph = bun_lock.parse(b"\xef\xbb\xbf" + _lock('"a": ["a@1.0.0", "", {}, ""]').encode(), "p")
    assert [p.version for p in graph.packages] == ["1.0.0"]


# --- resolutions --------------------------------------------------------------------------


def test_resolution_kinds() -> None:
    text = _lock(
        """
        "gh": ["gh@github:user/gh#0123abc", {}, "user-gh-0123abc"],
        "gp": ["gp@git+https://git.test/gp.git#4567def", {}, "gp-tag", "sha512-GP=="],
        "tb": ["tb@https://files.test/dl/tb-2.0.0-rc.1.tgz", {}, "sha512-TB=="],
        "@s/tc": ["@s/tc@https://files.test/-/tc-1.2.3.tgz?x=1#y", {}],
        "od": ["od@https://files.test/download/latest.tgz", {}],
        "lt": ["lt@./vendor/lt-4.5.6.tgz", {}],
        "ln": ["ln@link:ln", {}],
        "fo": ["fo@file:../fo", {}],
        "rt": ["rt@root:", {}],
        "cr": ["cr@1.0.0", "https://npm.corp.test/", {}, "sha512-CR=="]
        """
    )
    got = {
        p.id: (p.name, p.version, p.source, p.integrity, p.resolved) for p in _parse(text).packages
    }
    assert got == {
        "gh": ("gh", "", Source.GIT, None, "github:user/gh#0123abc"),
        "gp": ("gp", "", Source.GIT, "sha512-GP==", "git+https://git.test/gp.git#4567def"),
        "tb": (
            "tb",
            "2.0.0-rc.1",
            Source.TARBALL,
            "sha512-TB==",
            "https://files.test/dl/tb-2.0.0-rc.1.tgz",
        ),
        "@s/tc": (
            "@s/tc",
            "1.2.3",
            Source.TARBALL,
            None,
            "https://files.test/-/tc-1.2.3.tgz?x=1#y",
        ),
        "od": ("od", "", Source.TARBALL, None, "https://files.test/download/latest.tgz"),
        # a local tarball is the project's own copy: no version from its file name
        "lt": ("lt", "", Source.LOCAL, None, "./vendor/lt-4.5.6.tgz"),
        "ln": ("ln", "", Source.LOCAL, None, None),
        "fo": ("fo", "", Source.LOCAL, None, None),
        "rt": ("rt", "", Source.LOCAL, None, None),
        "cr": ("cr", "1.0.0", Source.REGISTRY, "sha512-CR==", "https://npm.corp.test/"),
    }


def test_importer_without_name_uses_folder_and_root_label() -> None:
    text = _lock(
        '"w": ["w@workspace:libs/w"]',
        workspaces='"": {}, "libs/w": {"version": "2.0.0"}, "libs/gone": {"name": "gone"}',
    )
    graph = _parse(text)
    assert [(i.id, i.label) for i in graph.importers] == [
        ("", "(root)"),
        ("w", "libs/w"),
        ("libs/gone", "gone"),
    ]
    assert [(p.id, p.version, p.source) for p in graph.packages] == [("w", "2.0.0", Source.LOCAL)]
    assert graph.details.line_of("libs/gone") == 1


def test_edges_walk_up_the_nesting() -> None:
    text = _lock(
        """
        "a": ["a@1.0.0", "", {"dependencies": {"@s/b": "1"}}, ""],
        "@s/b": ["@s/b@1.0.0", "", {"dependencies": {"c": "1", "d": "1", "e": "1"}}, ""],
        "a/@s/b": ["@s/b@2.0.0", "", {"optionalDependencies": {"c": "1", "d": "1", "e": "1"},
                   "peerDependencies": {"a": "*", "zz": "*"}}, ""],
        "a/@s/b/c": ["c@2.0.0", "", {}, ""],
        "a/d": ["d@2.0.0", "", {}, ""],
        "c": ["c@1.0.0", "", {}, ""],
        "d": ["d@1.0.0", "", {}, ""],
        "e": ["e@1.0.0", "", {"dependencies": {"e": "1"}}, ""]
        """,
        workspaces='"": {"name": "app", "devDependencies": {"a": "1"}}',
    )
    edges = _parse(text).details.edges()
    assert edges["a"] == ["a/@s/b"]
    assert edges["a/@s/b"] == ["a/@s/b/c", "a/d", "e", "a"]  # "zz" is not installed
    assert edges["@s/b"] == ["c", "d", "e"]
    assert edges["e"] == []  # no self loop
    assert edges[""] == ["a"]


def test_parent_of_keys() -> None:
    assert bun_lock._parent("a") is None
    assert bun_lock._parent("@s/a") is None
    assert bun_lock._parent("a/b") == "a"
    assert bun_lock._parent("@s/a/b") == "@s/a"
    assert bun_lock._parent("a/@s/b") == "a"
    assert bun_lock._parent("@s/a/@t/b") == "@s/a"


def test_line_of_escaped_and_minified() -> None:
    graph = _parse(_lock('"a\\u0062": ["ab@1.0.0", "", {}, ""], "c": ["c@1.0.0"]'))
    assert {p.id for p in graph.packages} == {"ab", "c"}
    assert graph.details.line_of("c") == 1
    text = (
        '{"lockfileVersion": 0, "workspaces": {"": {}},\n "packages": {\n  "x\\"y": ["q@1.0.0"]}}'
    )
    graph = _parse(text)
    assert graph.details.line_of('x"y') == 3


# --- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "detail", "json_path"),
    [
        (_lock("", version=3), "unsupported bun.lock version 3", "lockfileVersion"),
        ('{"workspaces": {}}', "Object missing required field `lockfileVersion`", None),
        ('{"lockfileVersion": "1"}', "Expected `int`, got `str`", "lockfileVersion"),
        ("[1, 2]", "Expected `object`, got `array`", None),
        (_lock('"a": []'), "Expected `array` of at least length 1, got 0", "packages['a']"),
        (_lock('"a": [{}]'), "Expected `str`, got `object`", "packages['a'][0]"),
        (_lock('"a": ["a"]'), "expected name@resolution", "packages['a'][0]"),
        (_lock('"a": ["a@"]'), "expected name@resolution", "packages['a'][0]"),
        (_lock('"a": ["a@weird"]'), "unrecognised resolution", "packages['a'][0]"),
        (_lock('"a": ["a@1.0.0", 5]'), "Expected `str | object | null`", "packages['a'][1]"),
        (
            _lock('"a": ["a@1.0.0", "", {}, 7]'),
            "Expected `str | null`, got `int`",
            "packages['a'][3]",
        ),
        (_lock('"g": ["g@github:u/g", {}, null]'), "expected a string or", "packages['g'][2]"),
        (_lock('"a": "a@1.0.0"'), "Expected `array`, got `str`", "packages['a']"),
        (_lock("", workspaces='"": []'), "Expected `object`, got `array`", "workspaces['']"),
        (
            '{"lockfileVersion": 1, "packages": {',
            "line 1 column 37 (byte 36): not valid JSON(C)",
            None,
        ),
        ("", "not valid JSON(C)", None),
    ],
)
def test_errors(text: str, detail: str, json_path: str | None) -> None:
    with pytest.raises(LockfileError) as info:
        _parse(text)
    assert info.value.path == "bun.lock"
    assert info.value.detail.removeprefix("unexpected bun.lock shape: ").startswith(detail)
    assert info.value.json_path == json_path


def test_malformed_info_object_is_an_entry_error() -> None:
    # a malformed INFO object hides no package, but what its entry depends on cannot be
    # checked against the file: an entry error (exit 1), the packages still read
    text = _lock(
        '"a": ["a@1.0.0", "", {"dependencies": []}, ""], "b": ["b@1.0.0", "", {}, ""]',
        workspaces='"": {"dependencies": {"a": "1", "b": "1"}}',
    )
    graph = _parse(text)
    assert [(p.id, p.version) for p in graph.packages] == [("a", "1.0.0"), ("b", "1.0.0")]
    assert graph.details.edges() == {"a": [], "b": [], "": ["a", "b"]}
    assert len(graph.entry_errors) == 1
    assert graph.entry_errors[0].startswith("packages['a']: malformed dependencies object")


@pytest.mark.parametrize(
    ("packages", "workspaces", "where"),
    [
        # the "packages" key damaged: msgspec would ignore it as an unknown field
        ("", '"": {"dependencies": {"a": "1"}}', "workspaces['']"),
        ('"b": ["b@1.0.0", "", {}, ""]', '"": {"devDependencies": {"a": "1"}}', "workspaces['']"),
        (
            '"a": ["a@1.0.0", "", {"dependencies": {"gone": "^2"}}, ""]',
            '"": {"dependencies": {"a": "1"}}',
            "packages['a']",
        ),
        (
            '"w": ["w@workspace:packages/w"]',
            '"": {"name": "app"}, "packages/w": {"name": "w", "dependencies": {"gone": "1"}}',
            "workspaces['packages/w']",
        ),
    ],
)
def test_dependency_with_no_entry_is_an_entry_error(
    packages: str, workspaces: str, where: str
) -> None:
    graph = _parse(_lock(packages, workspaces))
    assert len(graph.entry_errors) == 1, graph.entry_errors
    error = graph.entry_errors[0]
    assert error.startswith(f"{where}.dependencies[") and "resolves to no entry" in error


def test_dependency_answered_up_the_nesting_or_as_a_peer_is_no_error() -> None:
    text = _lock(
        '"a": ["a@1.0.0", "", {"dependencies": {"c": "1"}, "peerDependencies": {"p": "1"}}, ""],'
        ' "a/c": ["c@1.0.0", "", {"dependencies": {"d": "1"}}, ""],'
        ' "d": ["d@1.0.0", "", {}, ""]',
        workspaces='"": {"dependencies": {"a": "1"}, "peerDependencies": {"q": "1"}}',
    )
    assert _parse(text).entry_errors == ()


def test_optional_dependency_with_no_entry_is_no_error() -> None:
    # bun writes no entry for an optional dependency the registry does not serve, and installs
    # nothing for one whose entry is absent (decision 0059; test_bun_optional_unpublished.py)
    text = _lock(
        '"a": ["a@1.0.0", "", {"optionalDependencies": {"gone": "^2"}}, ""]',
        workspaces='"": {"dependencies": {"a": "1"}, "optionalDependencies": {"also-gone": "1"}}',
    )
    graph = _parse(text)
    assert graph.entry_errors == ()
    assert [(p.id, p.version) for p in graph.packages] == [("a", "1.0.0")]


@pytest.mark.parametrize("case", TEXT_CASES)
def test_every_dropped_entry_a_dependency_names_is_an_error(case: str) -> None:
    # a package entry line removed (a hand edit, a bad merge): what depended on it is unanswered
    lines = (FIXTURES / case / "bun.lock").read_bytes().split(b"\n")
    graph = parse_bytes(b"\n".join(lines), "bun.lock")
    assert graph.entry_errors == ()
    keys = set(_by_id(graph))
    # (an optional dependency may be left unanswered: test_optional_dependency_with_no_entry...)
    doc = json.loads(re.sub(rb",(\s*[}\]])", rb"\1", b"\n".join(lines)))
    metas = [e[2] for e in doc["packages"].values() if len(e) > 2 and isinstance(e[2], dict)]
    metas += list(doc["workspaces"].values())
    required = {n for m in metas for f in ("dependencies", "devDependencies") for n in m.get(f, {})}
    checked = 0
    for number, line in enumerate(lines):
        key = line.strip().partition(b'":')[0].removeprefix(b'"').decode()
        top_level = key.count("/") == (1 if key.startswith("@") else 0)
        # a top-level entry no nested entry of its name shadows: nothing else can answer
        entry = line.rstrip().endswith(b"],")  # not a dependency line of a workspace
        if not entry or key not in required or not top_level:
            continue
        if any(k.endswith(f"/{key}") for k in keys):
            continue
        damaged = parse_bytes(b"\n".join(lines[:number] + lines[number + 1 :]), "bun.lock")
        assert damaged.entry_errors, key
        checked += 1
    assert checked >= 5


def test_bad_utf8() -> None:
    with pytest.raises(LockfileError, match=r"^x/bun.lock: byte 29: not valid UTF-8"):
        bun_lock.parse(b'{"lockfileVersion": 1, "a": "\xff"}', "x/bun.lock")


def test_deep_nesting() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    with pytest.raises(LockfileError):
        _parse('{"lockfileVersion": 1, "x": ' + deep + "}")


# --- properties ---------------------------------------------------------------------------


def _exercise(data: bytes) -> None:
    """A result whose details work, or a LockfileError: nothing else."""
    try:
        graph = bun_lock.parse(data, "fuzz/bun.lock")
    except LockfileError:
        return
    edges = graph.details.edges()
    ids = {p.id for p in graph.packages} | {i.id for i in graph.importers}
    for children in edges.values():
        assert set(children) <= ids
    for node in ids:
        line = graph.details.line_of(node)
        assert line is None or 1 <= line <= data.count(b"\n") + 1


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_random_bytes(data: bytes) -> None:
    _exercise(data)


@settings(max_examples=200)
@given(st.sampled_from(TEXT_CASES), st.integers(min_value=0, max_value=14_000))
def test_truncated_real_files(case: str, cut: int) -> None:
    data = (FIXTURES / case / "bun.lock").read_bytes()
    cut = min(cut, len(data.rstrip()) - 1)  # always lose the closing brace
    with pytest.raises(LockfileError):
        bun_lock.parse(data[:cut], "cut/bun.lock")


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=150)
@given(
    version=st.sampled_from([0, 1, 2]) | _JSON,
    workspaces=st.dictionaries(st.sampled_from(["", "p/a", "p/b"]), _JSON, max_size=3) | _JSON,
    packages=st.dictionaries(
        st.sampled_from(["a", "b", "a/b", "@s/c", "a/@s/c", "@s/c/b"]),
        st.lists(
            st.sampled_from(["a@1.0.0", "b@workspace:p/b", "@s/c@github:u/c", "", "sha512-x"])
            | _JSON,
            max_size=5,
        )
        | _JSON,
        max_size=6,
    ),
)
def test_wrong_shapes(version: object, workspaces: object, packages: object) -> None:
    doc = {"lockfileVersion": version, "workspaces": workspaces, "packages": packages}
    _exercise(json.dumps(doc).encode())


@settings(max_examples=100)
@given(st.sampled_from(TEXT_CASES), st.integers(min_value=0), st.binary(min_size=1, max_size=3))
def test_mutated_real_files(case: str, where: int, junk: bytes) -> None:
    data = (FIXTURES / case / "bun.lock").read_bytes()
    at = where % len(data)
    _exercise(data[:at] + junk + data[at + len(junk) :])


@pytest.mark.parametrize("case", TEXT_CASES)
def test_a_key_given_twice_is_refused_in_any_layout(case: str) -> None:
    # bun's layout (one member a line) is checked line by line; any other (here: minified) is
    # read again with every member kept. The real files have no repeated key either way.
    text = (FIXTURES / case / "bun.lock").read_text()
    minified = json.dumps(json.loads(bun_lock.strip_jsonc(text)), separators=(",", ":"))
    assert bun_lock._layout_keys(bun_lock.strip_jsonc(text)) is not None
    assert bun_lock._layout_keys(minified) is None
    for layout in (text, minified):
        assert len(_parse(layout).packages) == len(_load(case)[1].packages)
    line = next(ln for ln in text.split("\n") if ln.startswith('    "is-odd": ['))
    twice = text.replace(line, f"{line}\n{line}")
    twice_minified = minified.replace('"packages":{', '"packages":{"is-odd":["x@1.0.0"],')
    for damaged in (twice, twice_minified):
        with pytest.raises(LockfileError, match="a package key given twice") as info:
            _parse(damaged)
        assert info.value.json_path == "packages['is-odd']"
