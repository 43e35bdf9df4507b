"""yarn.lock (classic v1 and berry 2-4): real fixtures, hand-written edge cases, properties."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gouvernante.errors import LockfileError
from gouvernante.lockfiles import parse_bytes, yarn
from gouvernante.lockfiles._yarn_berry import FALLBACK_NOTE, parse_berry
from gouvernante.model import LockedPackage, LockfileFormat, LockfileGraph, Source
from helpers import shortest_path

FIXTURES = Path(__file__).parent / "fixtures" / "yarn"
CASES = sorted(p.parent for p in FIXTURES.glob("*/expected.json"))
BERRY_CASES = [c for c in CASES if c.name.startswith("berry")]


def _parse(text: str, path: str = "yarn.lock") -> LockfileGraph:
    return yarn.parse(text.encode(), path)


def _lockfile(case: Path) -> bytes:
    return (case / "yarn.lock").read_bytes()


def _by_name_version(graph: LockfileGraph) -> dict[tuple[str, str], LockedPackage]:
    return {(p.name, p.version): p for p in graph.packages}


def _nv(graph: LockfileGraph, node: str) -> tuple[str, str]:
    pkg = {p.id: p for p in graph.packages}[node]
    return pkg.name, pkg.version


def _children(graph: LockfileGraph, node: str) -> set[tuple[str, str]]:
    return {_nv(graph, c) for c in graph.details.edges()[node]}


# --------------------------------------------------------------------------- real fixtures


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fixture_format_sniff_and_packages(case: Path) -> None:
    data = _lockfile(case)
    assert yarn.sniff(data[:8192])
    graph = yarn.parse(data, str(case / "yarn.lock"))
    berry = case.name.startswith("berry")
    assert graph.format is (LockfileFormat.YARN_BERRY if berry else LockfileFormat.YARN_CLASSIC)
    expected = json.loads((case / "expected.json").read_text())
    got = sorted({(p.name, p.version) for p in graph.packages if p.source is not Source.LOCAL})
    assert got == sorted((n, v) for n, v in expected["packages"])
    assert len({p.id for p in graph.packages}) == len(graph.packages)
    pkgs = _by_name_version(graph)
    # The alias is reported under the real name, the registry is-number is REGISTRY.
    assert pkgs[("lodash", "4.17.20")].source is Source.REGISTRY
    assert pkgs[("is-number", "6.0.0")].source is Source.REGISTRY
    assert pkgs[("ms", "3.0.0-canary.1")].source is Source.REGISTRY
    assert all(p.source is Source.REGISTRY for p in graph.packages if p.source is not Source.LOCAL)
    if berry:
        local = {p.name: p for p in graph.packages if p.source is Source.LOCAL}
        assert sorted(local) == ["@acme/core", "@acme/util", "fixture-app", "is-number"]
        assert local["is-number"].id == "is-number@workspace:packages/is-number"
        assert local["is-number"].version == ""
        assert pkgs[("lodash", "4.17.20")].id == "lodash@npm:4.17.20"
        assert pkgs[("lodash", "4.17.20")].integrity is None  # berry checksums are not SRI
    else:
        lodash = pkgs[("lodash", "4.17.20")]
        assert lodash.id == "my-lodash@npm:lodash@4.17.20"
        assert lodash.resolved is not None
        assert lodash.resolved.startswith("https://registry.npmjs.org/lodash/-/lodash-4.17.20.tgz")
        assert lodash.integrity is not None
        assert lodash.integrity.startswith("sha512-")
        assert not any(p.source is Source.LOCAL for p in graph.packages)


@pytest.mark.parametrize("case", BERRY_CASES, ids=[c.name for c in BERRY_CASES])
def test_berry_fixture_importers_and_edges(case: Path) -> None:
    graph = yarn.parse(_lockfile(case), "yarn.lock")
    assert [(i.id, i.label) for i in graph.importers] == [
        ("fixture-app@workspace:.", "fixture-app"),
        ("@acme/core@workspace:packages/core", "@acme/core"),
        ("@acme/util@workspace:packages/util", "@acme/util"),
        ("is-number@workspace:packages/is-number", "is-number"),
    ]
    edges = graph.details.edges()
    assert edges is graph.details.edges()  # built once
    assert _children(graph, "fixture-app@workspace:.") == {
        ("@babel/code-frame", "7.22.13"),
        ("chalk", "4.1.2"),
        ("debug", "4.3.4"),
        ("esbuild", "0.19.12"),
        ("ms", "3.0.0-canary.1"),
        ("lodash", "4.17.20"),
        ("react", "18.2.0"),
        ("react-dom", "18.2.0"),
    }
    assert edges["@acme/core@workspace:packages/core"] == [
        "@acme/util@workspace:packages/util",
        "ms@npm:2.0.0",
    ]
    assert edges["@acme/util@workspace:packages/util"] == ["is-odd@npm:3.0.1"]
    assert edges["is-number@workspace:packages/is-number"] == []
    # The registry is-number, not the workspace of the same name.
    assert edges["is-odd@npm:3.0.1"] == ["is-number@npm:6.0.0"]
    assert edges["debug@npm:4.3.4"] == ["ms@npm:2.1.2"]
    # peerDependencies are not edges: the parent provides the peer.
    assert _children(graph, "react-dom@npm:18.2.0") == {
        ("loose-envify", "1.4.0"),
        ("scheduler", "0.23.2"),
    }
    esbuild = _children(graph, "esbuild@npm:0.19.12")
    assert len(esbuild) == 23
    assert all(n.startswith("@esbuild/") and v == "0.19.12" for n, v in esbuild)
    path = shortest_path(graph.details.edges(), "fixture-app@workspace:.", "has-flag@npm:3.0.0")
    assert path
    assert [_nv(graph, n)[0] for n in path[1:]] == [
        "@babel/code-frame",
        "chalk",
        "supports-color",
        "has-flag",
    ]
    assert _nv(graph, path[2]) == ("chalk", "2.4.2")


@pytest.mark.parametrize("case", BERRY_CASES, ids=[c.name for c in BERRY_CASES])
def test_berry_fixture_line_of(case: Path) -> None:
    data = _lockfile(case)
    graph = yarn.parse(data, "yarn.lock")
    lines = data.decode().split("\n")
    by_nv = _by_name_version(graph)
    for key, node in (
        ('"debug@npm:4.3.4":', by_nv[("debug", "4.3.4")].id),
        ('"fixture-app@workspace:.":', "fixture-app@workspace:."),
        ('"my-lodash@npm:lodash@4.17.20":', "lodash@npm:4.17.20"),
        (
            '"@acme/util@workspace:*, @acme/util@workspace:packages/util":',
            "@acme/util@workspace:packages/util",
        ),
    ):
        assert graph.details.line_of(node) == lines.index(key) + 1
    assert graph.details.line_of("nope@npm:1.0.0") is None
    # Every node sits on a line naming its resolution on the next few lines.
    for pkg in graph.packages:
        line = graph.details.line_of(pkg.id)
        assert line is not None
        assert f'  resolution: "{pkg.id}"' in lines[line : line + 3]


def test_classic_fixture_edges_roots_and_lines() -> None:
    case = FIXTURES / "classic-1.22"
    data = _lockfile(case)
    graph = yarn.parse(data, "yarn.lock")
    assert [(i.id, i.label) for i in graph.importers] == [("(root)", "(root)")]
    edges = graph.details.edges()
    # The project's direct dependencies are not recorded: the roots are what nothing needs.
    assert {_nv(graph, n) for n in edges["(root)"]} == {
        ("@babel/code-frame", "7.22.13"),
        ("chalk", "4.1.2"),
        ("debug", "4.3.4"),
        ("esbuild", "0.19.12"),
        ("is-odd", "3.0.1"),
        ("ms", "2.0.0"),
        ("ms", "3.0.0-canary.1"),
        ("lodash", "4.17.20"),
        ("react", "18.2.0"),
        ("react-dom", "18.2.0"),
    }
    assert edges["debug@4.3.4"] == ["ms@2.1.2"]
    assert edges["is-odd@3.0.1"] == ["is-number@^6.0.0"]
    assert _children(graph, "@babel/highlight@^7.22.13") == {
        ("@babel/helper-validator-identifier", "7.29.7"),
        ("chalk", "2.4.2"),
        ("js-tokens", "4.0.0"),
        ("picocolors", "1.1.1"),
    }
    assert "js-tokens@^3.0.0 || ^4.0.0, js-tokens@^4.0.0" in edges["loose-envify@^1.1.0"]
    assert len(edges["esbuild@0.19.12"]) == 23  # optionalDependencies are edges too
    path = shortest_path(graph.details.edges(), "(root)", "has-flag@^3.0.0")
    assert path
    assert [_nv(graph, n) for n in path[1:]] == [
        ("@babel/code-frame", "7.22.13"),
        ("chalk", "2.4.2"),
        ("supports-color", "5.5.0"),
        ("has-flag", "3.0.0"),
    ]
    lines = data.decode().split("\n")
    for header, node in (
        ('"@babel/code-frame@7.22.13":', "@babel/code-frame@7.22.13"),
        ("debug@4.3.4:", "debug@4.3.4"),
        ('"my-lodash@npm:lodash@4.17.20":', "my-lodash@npm:lodash@4.17.20"),
        (
            '"js-tokens@^3.0.0 || ^4.0.0", js-tokens@^4.0.0:',
            "js-tokens@^3.0.0 || ^4.0.0, js-tokens@^4.0.0",
        ),
    ):
        assert graph.details.line_of(node) == lines.index(header) + 1
    assert graph.details.line_of("debug@4.3.4") == 198
    assert graph.details.line_of("(root)") is None


def test_parse_bytes_selects_yarn_by_name() -> None:
    case = FIXTURES / "berry-4.18"
    graph = parse_bytes(_lockfile(case), "somewhere/yarn.lock")
    assert graph.format is LockfileFormat.YARN_BERRY


# --------------------------------------------------------------------------- classic by hand

CLASSIC = """\
# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.
# yarn lockfile v1


"@scope/a@^1.0.0", "@scope/a@^1.1.0":
  version "1.2.0"
  resolved "https://registry.yarnpkg.com/@scope/a/-/a-1.2.0.tgz#abc"
  integrity sha512-AAAA
  dependencies:
    b "^2.0.0"
    gitdep "github:owner/gitdep"
  optionalDependencies:
    "tar-dep" "https://example.com/tar-dep-1.0.0.tgz"

b@^2.0.0:
  version "2.1.0"
  dependencies:
    "@scope/a" "^1.1.0"

"gitdep@github:owner/gitdep":
  version "0.3.0"
  resolved "https://codeload.github.com/owner/gitdep/tar.gz/0123456789abcdef"

"tar-dep@https://example.com/tar-dep-1.0.0.tgz":
  version "1.0.0"
  resolved "https://example.com/tar-dep-1.0.0.tgz#deadbeef"

"other@git+https://github.com/owner/other.git#v1":
  version "1.0.0"
  resolved "git+https://github.com/owner/other.git#0123456789abcdef"

"mine@file:./local/mine":
  version "0.0.1"

"tool@link:../tool":
  version "0.0.0"

"with\\"quote@^1.0.0":
  version "1.0.0"

top@^3.0.0:
  version "3.0.0"
  dependencies:
    "@scope/a" "^1.0.0"
    b "^2.0.0"
"""


def test_classic_sources_names_and_fields() -> None:
    graph = _parse(CLASSIC)
    assert graph.format is LockfileFormat.YARN_CLASSIC
    got = {p.id: (p.name, p.version, p.source) for p in graph.packages}
    assert got == {
        "@scope/a@^1.0.0, @scope/a@^1.1.0": ("@scope/a", "1.2.0", Source.REGISTRY),
        "b@^2.0.0": ("b", "2.1.0", Source.REGISTRY),
        "gitdep@github:owner/gitdep": ("gitdep", "0.3.0", Source.GIT),
        "tar-dep@https://example.com/tar-dep-1.0.0.tgz": ("tar-dep", "1.0.0", Source.TARBALL),
        "other@git+https://github.com/owner/other.git#v1": ("other", "1.0.0", Source.GIT),
        "mine@file:./local/mine": ("mine", "0.0.1", Source.LOCAL),
        "tool@link:../tool": ("tool", "0.0.0", Source.LOCAL),
        'with"quote@^1.0.0': ('with"quote', "1.0.0", Source.REGISTRY),
        "top@^3.0.0": ("top", "3.0.0", Source.REGISTRY),
    }
    first = graph.packages[0]
    assert first.integrity == "sha512-AAAA"
    assert first.resolved == "https://registry.yarnpkg.com/@scope/a/-/a-1.2.0.tgz#abc"
    assert graph.packages[1].resolved is None


def test_classic_edges_cycles_and_name_fallback() -> None:
    graph = _parse(CLASSIC)
    edges = graph.details.edges()
    a = "@scope/a@^1.0.0, @scope/a@^1.1.0"
    assert edges[a] == [
        "b@^2.0.0",
        "gitdep@github:owner/gitdep",
        "tar-dep@https://example.com/tar-dep-1.0.0.tgz",
    ]
    assert edges["b@^2.0.0"] == [a]  # a cycle a <-> b
    assert edges["top@^3.0.0"] == [a, "b@^2.0.0"]
    # yarn 1 keys an entry by every range that asked for it, resolutions overrides included
    # (tests/pipeline/fixtures/yarn1-resolutions): a range that is no key is a cut file, or a
    # workspace of that name yarn 1 linked (fixtures/yarn-classic-monorepos), which only
    # the package.json beside can tell: an entry error, taken back for a workspace named so
    broken = CLASSIC.replace('    b "^2.0.0"\n', '    b "~2.0.0"\n')
    assert broken != CLASSIC
    cut = _parse(broken)
    assert [e[:40] for e in cut.entry_errors] == [
        "line 5: a dependency on b resolves to no",
        "line 41: a dependency on b resolves to n",
    ]
    assert list(cut.unkeyed) == [("b", 5, "~2.0.0"), ("b", 41, "~2.0.0")]
    assert edges["(root)"] == [
        "other@git+https://github.com/owner/other.git#v1",
        "mine@file:./local/mine",
        "tool@link:../tool",
        'with"quote@^1.0.0',
        "top@^3.0.0",
    ]
    assert graph.details.line_of(a) == 5
    assert graph.details.line_of("top@^3.0.0") == 41


def test_classic_cycle_nothing_else_reaches_becomes_a_root() -> None:
    text = (
        '# yarn lockfile v1\n\nx@1:\n  version "1"\n  dependencies:\n    y "1"\n\n'
        'y@1:\n  version "1"\n  dependencies:\n    x "1"\n'
    )
    edges = _parse(text).details.edges()
    assert edges["(root)"] == ["x@1"]
    assert edges["x@1"] == ["y@1"]


def test_classic_crlf_bom_and_duplicate_header() -> None:
    text = (
        '\ufeff# yarn lockfile v1\r\n\r\nx@^1:\r\n  version "1.0.0"\r\n\r\n'
        'x@^1:\r\n  version "1.0.0"\r\n\r\ny@^2:\r\n  version "2.0.0"\r\n'
    )
    graph = _parse(text)
    assert [(p.id, p.version) for p in graph.packages] == [("x@^1", "1.0.0"), ("y@^2", "2.0.0")]
    assert graph.details.line_of("y@^2") == 9


def test_classic_empty_project_has_no_packages() -> None:
    text = (
        "# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.\n# yarn lockfile v1\n\n\n"
    )
    graph = _parse(text)
    assert graph.packages == []
    assert graph.details.edges() == {"(root)": []}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "not a yarn lockfile"),
        ("   \n\n", "not a yarn lockfile"),
        ('# yarn lockfile v1\n\nx@1:\n  resolved "u"\n', "line 3: entry has no version"),
        ('# yarn lockfile v1\n\nx@1:\n  version "1\n', "line 4: expected a 'key value' field line"),
        ('# yarn lockfile v1\n\nx@1:\n   version "1"\n', "line 4: unexpected indentation"),
        ('# yarn lockfile v1\n\nx@1:\n    version "1"\n', "line 4: unexpected indentation"),
        ('# yarn lockfile v1\n\nx@1:\n\tversion "1"\n', "line 4: expected an entry header"),
        ('# yarn lockfile v1\n\n  version "1"\n', "line 3: field outside any entry"),
        ('# yarn lockfile v1\n\nx@1\n  version "1"\n', "line 3: expected an entry header"),
        (
            '# yarn lockfile v1\n\n<<<<<<< HEAD\nx@1:\n  version "1"\n',
            "line 3: unresolved merge conflict markers",
        ),
        ('# yarn lockfile v1\n\n"x\\q@1":\n  version "1"\n', "line 3: bad escape"),
        ("hello world\n", "expected an entry header"),
    ],
)
def test_classic_errors(text: str, message: str) -> None:
    with pytest.raises(LockfileError) as info:
        _parse(text, "p/yarn.lock")
    assert str(info.value).startswith("p/yarn.lock: ")
    assert message in str(info.value)


def test_bad_utf8_is_a_lockfile_error() -> None:
    with pytest.raises(LockfileError, match="not valid UTF-8"):
        yarn.parse(b'# yarn lockfile v1\n\nx@1:\n  version "\xff"\n', "yarn.lock")


def test_sniff() -> None:
    assert yarn.sniff(b"# THIS IS AN AUTOGENERATED FILE.\n# yarn lockfile v1\n")
    assert yarn.sniff(b"# comment\n\n__metadata:\n  version: 6\n")
    assert yarn.sniff(b"__metadata:\r\n  version: 6\r\n")
    assert not yarn.sniff(b"lockfileVersion: '9.0'\n\nimporters:\n")
    assert not yarn.sniff(b'{"lockfileVersion": 3, "packages": {}}')
    assert not yarn.sniff(b"  __metadata:\n")


# --------------------------------------------------------------------------- berry by hand

BERRY = """\
# This file is generated by running "yarn install" inside your project.
# Manual changes might be lost - proceed with caution!

__metadata:
  version: 6
  cacheKey: 8

"app@workspace:.":
  version: 0.0.0-use.local
  resolution: "app@workspace:."
  dependencies:
    "@types/node": ^20.0.0
    gitdep: "https://github.com/owner/gitdep.git#commit=0123abc"
    local-portal: "portal:./vendor/portal"
    local-link: "link:./vendor/link"
    local-file: "file:./vendor/file.tgz"
    my-resolve: "npm:resolve@^1.22.8"
    resolve: ^1.22.8
    tar: "https://example.com/tar-1.0.0.tgz"
  languageName: unknown
  linkType: soft

"@types/node@npm:^20.0.0":
  version: 20.11.5
  resolution: "@types/node@npm:20.11.5"
  dependencies:
    undici-types: ~5.26.4
  checksum: 10c0/abc
  languageName: node
  linkType: hard

"gitdep@https://github.com/owner/gitdep.git#commit=0123abc":
  version: 0.3.0
  resolution: "gitdep@https://github.com/owner/gitdep.git#commit=0123abc"
  languageName: node
  linkType: hard

"local-file@file:./vendor/file.tgz::locator=app%40workspace%3A.":
  version: 1.0.0
  resolution: "local-file@file:./vendor/file.tgz#./vendor/file.tgz::hash=1&locator=app%40workspace%3A."
  languageName: node
  linkType: hard

"local-link@link:./vendor/link::locator=app%40workspace%3A.":
  version: 0.0.0-use.local
  resolution: "local-link@link:./vendor/link::locator=app%40workspace%3A."
  languageName: node
  linkType: soft

"local-portal@portal:./vendor/portal::locator=app%40workspace%3A.":
  version: 0.0.0-use.local
  resolution: "local-portal@portal:./vendor/portal::locator=app%40workspace%3A."
  languageName: node
  linkType: soft

"resolve@npm:^1.22.8, my-resolve@npm:resolve@^1.22.8":
  version: 1.22.8
  resolution: "resolve@npm:1.22.8"
  checksum: 10c0/def
  languageName: node
  linkType: hard

"resolve@patch:resolve@npm%3A^1.22.8#~builtin<compat/resolve>":
  version: 1.22.8
  resolution: "resolve@patch:resolve@npm%3A1.22.8#~builtin<compat/resolve>::version=1.22.8&hash=c3c19d"
  languageName: node
  linkType: hard

"tar@https://example.com/tar-1.0.0.tgz":
  version: 1.0.0
  resolution: "tar@https://example.com/tar-1.0.0.tgz"
  languageName: node
  linkType: hard

"undici-types@npm:~5.26.4":
  version: 5.26.5
  resolution: "undici-types@npm:5.26.5"
  languageName: node
  linkType: hard
"""  # noqa: E501


def test_berry_sources_and_versions() -> None:
    graph = _parse(BERRY)
    assert graph.format is LockfileFormat.YARN_BERRY
    assert graph.notes == ()
    got = {p.id: (p.name, p.version, p.source, p.resolved) for p in graph.packages}
    git = "https://github.com/owner/gitdep.git#commit=0123abc"
    patch = (
        "resolve@patch:resolve@npm%3A1.22.8#~builtin<compat/resolve>::version=1.22.8&hash=c3c19d"
    )
    file_res = (
        "local-file@file:./vendor/file.tgz#./vendor/file.tgz::hash=1&locator=app%40workspace%3A."
    )
    assert got == {
        "app@workspace:.": ("app", "", Source.LOCAL, None),
        "@types/node@npm:20.11.5": ("@types/node", "20.11.5", Source.REGISTRY, None),
        f"gitdep@{git}": ("gitdep", "0.3.0", Source.GIT, git),
        file_res: ("local-file", "1.0.0", Source.LOCAL, None),
        "local-link@link:./vendor/link::locator=app%40workspace%3A.": (
            "local-link",
            "",
            Source.LOCAL,
            None,
        ),
        "local-portal@portal:./vendor/portal::locator=app%40workspace%3A.": (
            "local-portal",
            "",
            Source.LOCAL,
            None,
        ),
        "resolve@npm:1.22.8": ("resolve", "1.22.8", Source.REGISTRY, None),
        patch: ("resolve", "1.22.8", Source.REGISTRY, None),
        "tar@https://example.com/tar-1.0.0.tgz": (
            "tar",
            "1.0.0",
            Source.TARBALL,
            "https://example.com/tar-1.0.0.tgz",
        ),
        "undici-types@npm:5.26.5": ("undici-types", "5.26.5", Source.REGISTRY, None),
    }
    assert [(i.id, i.label) for i in graph.importers] == [("app@workspace:.", "app")]


def test_berry_edges_follow_yarn_descriptor_rules() -> None:
    graph = _parse(BERRY)
    edges = graph.details.edges()
    patch = (
        "resolve@patch:resolve@npm%3A1.22.8#~builtin<compat/resolve>::version=1.22.8&hash=c3c19d"
    )
    assert edges["app@workspace:."] == [
        "@types/node@npm:20.11.5",  # "^20.0.0" is "npm:^20.0.0"
        "gitdep@https://github.com/owner/gitdep.git#commit=0123abc",
        "local-portal@portal:./vendor/portal::locator=app%40workspace%3A.",
        "local-link@link:./vendor/link::locator=app%40workspace%3A.",
        "local-file@file:./vendor/file.tgz#./vendor/file.tgz::hash=1&locator=app%40workspace%3A.",
        "resolve@npm:1.22.8",  # the alias descriptor
        patch,  # yarn applies its built-in patch to resolve@npm:^1.22.8
        "tar@https://example.com/tar-1.0.0.tgz",
    ]
    assert edges["@types/node@npm:20.11.5"] == ["undici-types@npm:5.26.5"]
    assert graph.details.line_of("app@workspace:.") == 8
    assert graph.details.line_of(patch) == 63


def test_berry_anonymous_root_long_keys_and_yarn4_patch_syntax() -> None:
    long_key = ", ".join(f"lodash@npm:^4.17.{i}" for i in range(60))
    assert len(long_key) > 1024
    text = f"""\
__metadata:
  version: 8
  cacheKey: 10c0

"root-workspace-0b6124@workspace:.":
  version: 0.0.0-use.local
  resolution: "root-workspace-0b6124@workspace:."
  dependencies:
    lodash: "npm:^4.17.3"
    typescript: "npm:^5.3.0"
  languageName: unknown
  linkType: soft

? "{long_key}"
:
  version: 4.17.21
  resolution: "lodash@npm:4.17.21"
  languageName: node
  linkType: hard

"typescript@npm:^5.3.0":
  version: 5.3.3
  resolution: "typescript@npm:5.3.3"
  languageName: node
  linkType: hard

"typescript@patch:typescript@npm%3A^5.3.0#optional!builtin<compat/typescript>":
  version: 5.3.3
  resolution: "typescript@patch:typescript@npm%3A5.3.3#optional!builtin<compat/typescript>::version=5.3.3&hash=e012d7"
  languageName: node
  linkType: hard
"""  # noqa: E501
    graph = _parse(text)
    assert graph.notes == ()  # the fast path reads "? key" entries
    assert [(i.id, i.label) for i in graph.importers] == [
        ("root-workspace-0b6124@workspace:.", "(root)")
    ]
    assert graph.details.line_of("lodash@npm:4.17.21") == 14
    assert graph.details.edges()["root-workspace-0b6124@workspace:."] == [
        "lodash@npm:4.17.21",
        "typescript@patch:typescript@npm%3A5.3.3#optional!builtin<compat/typescript>"
        "::version=5.3.3&hash=e012d7",
    ]
    assert parse_berry(text, "x", force_yaml=True).details.line_of("lodash@npm:4.17.21") == 14


def test_berry_yaml_fallback_reads_other_layouts() -> None:
    text = """\
__metadata: {version: 6, cacheKey: 8}
'a@npm:^1.0.0':
    version: '1.0.0'   # single quotes, 4-space indentation, a comment
    resolution: "a@npm:1.0.0"
    dependencies: {b: ^2.0.0}
"b@npm:^2.0.0": {version: 2.0.1, resolution: "b@npm:2.0.1"}
"c@workspace:.": {version: 0.0.0-use.local, resolution: "c@workspace:.", linkType: soft}
"""
    graph = _parse(text)
    assert graph.notes == (FALLBACK_NOTE,)
    assert [(p.id, p.name, p.version) for p in graph.packages] == [
        ("a@npm:1.0.0", "a", "1.0.0"),
        ("b@npm:2.0.1", "b", "2.0.1"),
        ("c@workspace:.", "c", ""),
    ]
    assert graph.details.edges()["a@npm:1.0.0"] == ["b@npm:2.0.1"]
    assert graph.details.line_of("b@npm:2.0.1") == 6


@pytest.mark.parametrize("case", BERRY_CASES, ids=[c.name for c in BERRY_CASES])
def test_berry_fast_path_equals_yaml_fallback(case: Path) -> None:
    text = _lockfile(case).decode()
    fast = parse_berry(text, "yarn.lock")
    slow = parse_berry(text, "yarn.lock", force_yaml=True)
    assert fast.notes == ()
    assert slow.notes == (FALLBACK_NOTE,)
    assert fast.packages == slow.packages
    assert fast.importers == slow.importers
    assert fast.details.edges() == slow.details.edges()
    for pkg in fast.packages:
        assert fast.details.line_of(pkg.id) == slow.details.line_of(pkg.id)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "__metadata:\n  version: 99\n  cacheKey: 1\n",
            "line 1: unsupported yarn lockfile version 99",
        ),
        ("__metadata:\n  version: six\n", "is not a number"),
        ("__metadata:\n  cacheKey: 8\n", "__metadata has no version"),
        (
            '__metadata:\n  version: 6\n\n"a@npm:1":\n  version: 1.0.0\n',
            "line 4: entry has no resolution",
        ),
        ("__metadata:\n  version: 6\n\na: [1, 2\n", "not valid YAML"),
        ("__metadata:\n  version: 6\n\na: 1\n", "entry is not a mapping"),
        ("__metadata:\n  version: 6\n\n- a\n", "not valid YAML"),
        (
            '__metadata:\n  version: 6\n"a@npm:1":\n  resolution: [x]\n  version: 1\n',
            "resolution must be a string",
        ),
        (
            '__metadata:\n  version: 6\n"a@npm:1":\n  resolution: "a@npm:1"\n  dependencies: [x]\n',
            "dependencies must be a mapping",
        ),
        (
            "__metadata:\n  version: 6\nx: &a {resolution: x@npm:1, version: 1}\ny: *a\n",
            "YAML aliases are not supported",
        ),
        ("__metadata:\n  version: 6\nx: " + "[" * 500 + "]" * 500 + "\n", "nesting too deep"),
        # libyaml's own composer would crash the interpreter on these.
        ("__metadata:\n  version: 6\nx: " + "[" * 100_000 + "\n", "nesting too deep"),
        ("__metadata:\n  version: 6\nx:\n  " + "- " * 100_000 + "y\n", "nesting too deep"),
        ("__metadata:\n  version: 6\nx:\n  " + "? " * 100_000 + "y\n", "nesting too deep"),
        ("__metadata:\n  version: 6\n---\nx: 1\n", "line 3: more than one YAML document"),
        ("__metadata:\n  version: 6\n[a]: {resolution: a@npm:1}\n", "mapping keys must be strings"),
        (
            "__metadata:\n  version: 6\n" + "".join(" " * i + f"k{i}:\n" for i in range(0, 600, 2)),
            "nesting too deep",
        ),
    ],
)
def test_berry_errors(text: str, message: str) -> None:
    with pytest.raises(LockfileError) as info:
        _parse(text, "p/yarn.lock")
    assert str(info.value).startswith("p/yarn.lock: ")
    assert message in str(info.value)


# --------------------------------------------------------------------------- properties

ALL_LOCKFILES = [_lockfile(c) for c in CASES] + [CLASSIC.encode(), BERRY.encode()]


def _exercise(data: bytes) -> LockfileGraph | None:
    """Parse; on success every lazy detail must work and point at known nodes."""
    try:
        graph = yarn.parse(data, "fuzz/yarn.lock")
    except LockfileError as exc:
        assert str(exc).startswith("fuzz/yarn.lock")
        return None
    ids = {p.id for p in graph.packages} | {i.id for i in graph.importers}
    for node, children in graph.details.edges().items():
        assert node in ids
        assert set(children) <= ids
    for pkg in graph.packages:
        line = graph.details.line_of(pkg.id)
        assert line is not None
        assert line >= 1
    return graph


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_any_bytes_give_a_result_or_a_lockfile_error(data: bytes) -> None:
    _exercise(data)


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list(" \n\t\"'#:,@^~-{}[]&*!|>?\\abcnpmv1.2")), max_size=300)
)
def test_yarnish_text_gives_a_result_or_a_lockfile_error(text: str) -> None:
    _exercise(("# yarn lockfile v1\n" + text).encode())
    _exercise(("__metadata:\n  version: 6\n" + text).encode())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(range(len(ALL_LOCKFILES))), st.floats(0, 1))
def test_truncated_lockfiles_fail_or_keep_a_subset(index: int, where: float) -> None:
    data = ALL_LOCKFILES[index]
    full = {(p.id, p.name, p.version, p.source) for p in yarn.parse(data, "yarn.lock").packages}
    graph = _exercise(data[: int(len(data) * where)])
    if graph is not None:
        assert {(p.id, p.name, p.version, p.source) for p in graph.packages} <= full


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(range(len(ALL_LOCKFILES))),
    st.lists(
        st.tuples(st.floats(0, 1), st.sampled_from(["del", "dup", "char"]), st.characters()),
        min_size=1,
        max_size=4,
    ),
)
def test_mutated_lockfiles_give_a_result_or_a_lockfile_error(
    index: int, edits: list[tuple[float, str, str]]
) -> None:
    lines = ALL_LOCKFILES[index].decode().split("\n")
    for where, kind, char in edits:
        at = int(where * (len(lines) - 1))
        if kind == "del":
            del lines[at]
        elif kind == "dup":
            lines.insert(at, lines[at])
        else:
            col = int(where * len(lines[at]))
            lines[at] = lines[at][:col] + char + lines[at][col:]
    _exercise("\n".join(lines).encode("utf-8", "surrogatepass"))


_NAMES = st.from_regex(r"(@[a-z]{1,4}/)?[a-z][a-z0-9-]{0,6}", fullmatch=True)
_VERSIONS = st.from_regex(r"[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{1,2}(-rc\.[0-9])?", fullmatch=True)


def _plain_or_quoted(draw: st.DrawFn, value: str, must_quote: bool) -> str:
    if must_quote or draw(st.booleans()):
        return json.dumps(value)
    return value


@st.composite
def _berry_documents(draw: st.DrawFn) -> tuple[str, dict[str, list[str]]]:
    packages = draw(st.dictionaries(_NAMES, _VERSIONS, min_size=1, max_size=8))
    names = sorted(packages)
    out = ["__metadata:", f"  version: {draw(st.sampled_from([4, 6, 8, 10]))}", "  cacheKey: 8", ""]
    expected: dict[str, list[str]] = {}
    for name in names:
        version = packages[name]
        descriptors = [f"{name}@npm:^{version}"]
        if draw(st.booleans()):
            descriptors.append(f"{name}@npm:{version}")
        key = ", ".join(descriptors)
        if len(key) > 60 and draw(st.booleans()):
            out += [f"? {json.dumps(key)}", ":"]
        else:
            out.append(f"{json.dumps(key)}:")
        out.append(f"  version: {_plain_or_quoted(draw, version, False)}")
        out.append(f'  resolution: "{name}@npm:{version}"')
        deps = draw(st.lists(st.sampled_from(names), unique=True, max_size=3))
        expected[f"{name}@npm:{version}"] = [
            f"{dep}@npm:{packages[dep]}" for dep in deps if dep != name
        ]
        if deps:
            out.append("  dependencies:")
            for dep in deps:
                dep_key = _plain_or_quoted(draw, dep, dep.startswith("@"))
                range_ = draw(st.sampled_from([f"^{packages[dep]}", f"npm:^{packages[dep]}"]))
                out.append(f"    {dep_key}: {_plain_or_quoted(draw, range_, ':' in range_)}")
            if draw(st.booleans()):
                out += [
                    "  dependenciesMeta:",
                    f"    {json.dumps(deps[0])}:",
                    "      optional: true",
                ]
        out += ["  checksum: 10c0/abc", "  languageName: node", "  linkType: hard", ""]
    # the project itself, which yarn always locks (its name sorts after every package's)
    out += [
        '"~root@workspace:.":',
        "  version: 0.0.0-use.local",
        '  resolution: "~root@workspace:."',
    ]
    out += ["  languageName: unknown", "  linkType: soft", ""]
    expected["~root@workspace:."] = []
    return "\n".join(out), expected


@settings(max_examples=60, deadline=None)
@given(_berry_documents())
def test_generated_berry_documents_fast_path_matches_yaml(
    document: tuple[str, dict[str, list[str]]],
) -> None:
    text, expected_edges = document
    fast = parse_berry(text, "yarn.lock")
    slow = parse_berry(text, "yarn.lock", force_yaml=True)
    assert fast.notes == ()
    assert fast.packages == slow.packages
    assert fast.details.edges() == slow.details.edges()
    assert fast.details.edges() == expected_edges
    for pkg in fast.packages:
        assert fast.details.line_of(pkg.id) == slow.details.line_of(pkg.id)


# --------------------------------------------------------------------------- classic fast == slow


def _classic_views(text: str) -> tuple[object, object]:
    from gouvernante.lockfiles import _yarn_classic

    fast = _yarn_classic._blocks(text, "yarn.lock")
    slow = _yarn_classic._lines(text, "yarn.lock")
    assert fast is not None, "the block reader should take yarn's own layout"
    fast_entries, fast_text = fast
    slow_entries, slow_text = slow
    assert fast_entries.packages == slow_entries.packages
    assert fast_entries.lines == slow_entries.lines
    assert fast_entries.descriptors == slow_entries.descriptors
    for index in range(len(fast_entries.ids)):
        assert _yarn_classic._entry_deps(fast_text(index)) == _yarn_classic._entry_deps(
            slow_text(index)
        )
    return fast, slow


@pytest.mark.parametrize("text", [_lockfile(FIXTURES / "classic-1.22").decode(), CLASSIC])
def test_classic_block_reader_equals_line_reader(text: str) -> None:
    _classic_views(text)


def test_classic_line_reader_takes_what_the_block_reader_refuses() -> None:
    # A blank line inside an entry and a comment between fields: not yarn's layout, still valid.
    text = (
        '# yarn lockfile v1\n\nx@^1:\n  version "1.0.0"\n\n  dependencies:\n'
        '    y "^2"\n\n# note\ny@^2:\n  # comment\n  version "2.0.0"\n'
    )
    from gouvernante.lockfiles import _yarn_classic

    assert _yarn_classic._blocks(text, "yarn.lock") is None
    graph = _parse(text)
    assert [(p.id, p.version) for p in graph.packages] == [("x@^1", "1.0.0"), ("y@^2", "2.0.0")]
    assert graph.details.edges()["x@^1"] == ["y@^2"]
    assert graph.details.line_of("y@^2") == 10


@st.composite
def _classic_documents(draw: st.DrawFn) -> tuple[str, dict[str, list[str]]]:
    packages = draw(st.dictionaries(_NAMES, _VERSIONS, min_size=1, max_size=8))
    names = sorted(packages)
    out = ["# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.", "# yarn lockfile v1"]
    out.append("")
    expected: dict[str, list[str]] = {}

    def key(descriptor: str) -> str:
        return (
            json.dumps(descriptor)
            if descriptor.startswith("@") or " " in descriptor
            else (descriptor)
        )

    ids: dict[str, str] = {}
    for name in names:
        version = packages[name]
        descriptors = [f"{name}@^{version}"]
        if draw(st.booleans()):
            descriptors.append(f"{name}@>= {version}")
        ids[name] = ", ".join(descriptors)
    for name in names:
        version = packages[name]
        out.append("")
        out.append(", ".join(key(d) for d in ids[name].split(", ")) + ":")
        out.append(f'  version "{version}"')
        if draw(st.booleans()):
            out.append(f'  resolved "https://registry.yarnpkg.com/{name}/-/x-{version}.tgz#ab"')
        if draw(st.booleans()):
            out.append("  integrity sha512-" + "A" * draw(st.integers(1, 20)) + "==")
        deps = draw(st.lists(st.sampled_from(names), unique=True, max_size=3))
        expected[ids[name]] = [ids[dep] for dep in deps if dep != name]
        if deps:
            out.append(draw(st.sampled_from(["  dependencies:", "  optionalDependencies:"])))
            for dep in deps:
                dep_name = json.dumps(dep) if dep.startswith("@") else dep
                range_ = draw(st.sampled_from(ids[dep].split(", ")))[len(dep) + 1 :]
                out.append(f"    {dep_name} {json.dumps(range_)}")
    return "\n".join(out) + "\n", expected


@settings(max_examples=60, deadline=None)
@given(_classic_documents())
def test_generated_classic_documents_read_the_same_both_ways(
    document: tuple[str, dict[str, list[str]]],
) -> None:
    text, expected_edges = document
    _classic_views(text)
    edges = dict(_parse(text).details.edges())
    del edges["(root)"]
    assert edges == expected_edges


@pytest.mark.parametrize(
    ("reference", "source"),
    [
        ("^1.0.0", Source.REGISTRY),
        ("latest", Source.REGISTRY),
        ("npm:lodash@^4", Source.REGISTRY),
        ("patch:resolve@npm%3A1.22.8#~builtin<compat/resolve>::version=1.22.8", Source.REGISTRY),
        ("patch:x@patch%3Ax%40workspace%253Apkg%23a.patch#b.patch", Source.LOCAL),
        ("patch:" * 20_000 + "x@npm:1", Source.REGISTRY),
        ("workspace:packages/a", Source.LOCAL),
        ("portal:../a", Source.LOCAL),
        ("link:../a", Source.LOCAL),
        ("file:../a.tgz", Source.LOCAL),
        ("exec:./gen.js", Source.LOCAL),
        ("../a", Source.LOCAL),
        ("github:owner/repo", Source.GIT),
        ("owner/repo#v1", Source.GIT),
        ("git+ssh://git@github.com/owner/repo.git#abc", Source.GIT),
        ("https://github.com/owner/repo.git#commit=abc", Source.GIT),
        ("https://codeload.github.com/owner/repo/tar.gz/abc", Source.GIT),
        ("https://example.com/a-1.0.0.tgz", Source.TARBALL),
        ("https://github.com/owner/repo/releases/download/v1/a-1.0.0.tgz", Source.TARBALL),
    ],
)
def test_classify(reference: str, source: Source) -> None:
    from gouvernante.lockfiles._yarn_common import classify

    assert classify(reference) is source


# yarn 1.22.22's own output for ``resolutions: {"supports-color": "npm:chalk@4.1.2"}`` and a
# dependency on chalk ^4 (tarball URLs as the registry writes them, integrity cut; other
# entries left out).
RESOLUTION_ALIAS = """# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.
# yarn lockfile v1


chalk@^4:
  version "4.1.2"
  resolved "https://registry.yarnpkg.com/chalk/-/chalk-4.1.2.tgz#aac4e2b7734a740867aeb16bf02aad556a1e7a01"
  integrity sha512-oKnbhFyRIXpUuez8iBMmyEa4nbj4IOQyuhc/wy9kY7/WVPcwIO9VA668Pu8RkO7+0G76SLROeyw9=
  dependencies:
    supports-color "^7.1.0"

supports-color@^7.1.0, "supports-color@npm:chalk@4.1.2":
  version "4.1.2"
  resolved "https://registry.yarnpkg.com/chalk/-/chalk-4.1.2.tgz#aac4e2b7734a740867aeb16bf02aad556a1e7a01"
  integrity sha512-oKnbhFyRIXpUuez8iBMmyEa4nbj4IOQyuhc/wy9kY7/WVPcwIO9VA668Pu8RkO7+0G76SLROeyw9=
  dependencies:
    supports-color "^7.1.0"
"""


@pytest.mark.parametrize("crlf", [False, True])
def test_classic_an_alias_after_the_first_descriptor_names_the_entry(crlf: bool) -> None:
    """A ``resolutions`` alias puts ``x@npm:y@v`` after the entry's plain descriptor: the
    entry holds y (its tarball says so). It was named x, so the URL check called the tarball
    another package's (an error) and a rule on x@v was a bogus finding."""
    text = RESOLUTION_ALIAS.replace("\n", "\r\n") if crlf else RESOLUTION_ALIAS
    graph = _parse(text)
    assert graph.entry_errors == ()
    assert sorted((p.name, p.version) for p in graph.table) == [
        ("chalk", "4.1.2"),
        ("chalk", "4.1.2"),
    ]
