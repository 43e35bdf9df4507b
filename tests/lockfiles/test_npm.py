"""npm package-lock / npm-shrinkwrap parser: real fixtures, hand-written details, garbage."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gouvernante.errors import LockfileError
from gouvernante.lockfiles import npm, parse_bytes
from gouvernante.model import (
    Importer,
    LockedPackage,
    LockfileFormat,
    LockfileGraph,
    PackageTable,
    Source,
)
from helpers import shortest_path

FIXTURES = Path(__file__).parent / "fixtures" / "npm"
WORKSPACE_CASES = {
    "npm8-v2": "package-lock.json",
    "npm11-v3": "package-lock.json",
    "npm10-shrinkwrap": "npm-shrinkwrap.json",
}


def load_case(case: str, lockfile: str) -> tuple[LockfileGraph, bytes, Path]:
    path = FIXTURES / case / lockfile
    data = path.read_bytes()
    return parse_bytes(data, str(path)), data, path


def lock(packages: Mapping[str, Any], version: int = 3, **top: Any) -> bytes:
    body: dict[str, Any] = {"name": "app", "version": "1.0.0", "lockfileVersion": version}
    body.update(top)
    body["packages"] = {"": {"name": "app", "version": "1.0.0"}, **packages}
    return json.dumps(body, indent=2).encode()


def v1(dependencies: Mapping[str, Any], **top: Any) -> bytes:
    body: dict[str, Any] = {"name": "app", "version": "1.0.0", "lockfileVersion": 1}
    body.update(top)
    body["requires"] = True
    body["dependencies"] = dependencies
    return json.dumps(body, indent=2).encode()


def by_id(graph: LockfileGraph) -> dict[str, LockedPackage]:
    return {p.id: p for p in graph.packages}


def line_starting(data: bytes, text: str, after: int = 0) -> int:
    """1-based number of the first line (after line ``after``) whose content is ``text``."""
    for number, line in enumerate(data.decode().splitlines(), start=1):
        if number > after and line.strip() == text:
            return number
    raise AssertionError(text)


# --- real fixtures: graphs made by npm 8 (v2), npm 10 (shrinkwrap, no resolved), npm 11 (v3) ---


@pytest.mark.parametrize("case", sorted(WORKSPACE_CASES))
def test_workspace_fixture_importers_and_format(case: str) -> None:
    graph, _, _ = load_case(case, WORKSPACE_CASES[case])
    expected_format = (
        LockfileFormat.SHRINKWRAP if case == "npm10-shrinkwrap" else LockfileFormat.PACKAGE_LOCK
    )
    assert graph.format is expected_format
    assert list(graph.importers) == [
        Importer("", "fixture-app"),
        Importer("packages/core", "@acme/core"),
        Importer("packages/util", "@acme/util"),
        Importer("packages/is-number", "is-number"),
    ]
    assert graph.notes == ()


@pytest.mark.parametrize("case", sorted(WORKSPACE_CASES))
def test_workspace_fixture_local_and_registry_is_number(case: str) -> None:
    graph, _, _ = load_case(case, WORKSPACE_CASES[case])
    packages = by_id(graph)
    assert packages["packages/is-number"] == LockedPackage(
        "packages/is-number", "is-number", "99.0.0", Source.LOCAL
    )
    assert packages["node_modules/is-number"].source is Source.LOCAL
    registry = packages["node_modules/is-odd/node_modules/is-number"]
    assert (registry.name, registry.version, registry.source) == (
        "is-number",
        "6.0.0",
        Source.REGISTRY,
    )
    assert registry.integrity is not None and registry.integrity.startswith("sha512-")
    alias = packages["node_modules/my-lodash"]
    assert (alias.name, alias.version, alias.source) == ("lodash", "4.17.20", Source.REGISTRY)
    core = packages["packages/core"]
    assert (core.name, core.version, core.source) == ("@acme/core", "1.0.0", Source.LOCAL)
    assert packages["node_modules/uuid"].version == "8.3.0-beta.0"
    assert packages["node_modules/@esbuild/win32-x64"].source is Source.REGISTRY
    if case == "npm10-shrinkwrap":  # written with omit-lockfile-registry-resolved
        assert packages["node_modules/debug"].resolved is None
    else:
        assert packages["node_modules/debug"].resolved == (
            "https://registry.npmjs.org/debug/-/debug-4.3.4.tgz"
        )


@pytest.mark.parametrize("case", sorted(WORKSPACE_CASES))
def test_workspace_fixture_edges(case: str) -> None:
    graph, _, _ = load_case(case, WORKSPACE_CASES[case])
    edges = graph.details.edges()
    nm = "node_modules/"
    assert set(edges[""]) == {
        nm + n
        for n in (
            "@babel/code-frame",
            "chalk",
            "debug",
            "esbuild",
            "is-odd",
            "my-lodash",
            "react",
            "react-dom",
            "uuid",
        )
    }
    assert edges["node_modules/@acme/core"] == ["packages/core"]
    assert set(edges["packages/core"]) == {
        "node_modules/@acme/util",
        "packages/core/node_modules/ms",
    }
    assert edges["node_modules/@acme/util"] == ["packages/util"]
    assert edges["packages/util"] == []
    assert edges["node_modules/debug"] == ["node_modules/ms"]
    # the registry is-number nested under is-odd, never the workspace link beside it
    assert edges["node_modules/is-odd"] == ["node_modules/is-odd/node_modules/is-number"]
    # chalk@2 under @babel/code-frame: its own nested copies first, hoisted ones otherwise
    chalk2 = "node_modules/@babel/code-frame/node_modules/chalk"
    assert set(edges["node_modules/@babel/code-frame"]) == {"node_modules/@babel/highlight", chalk2}
    assert set(edges[chalk2]) == {
        "node_modules/@babel/code-frame/node_modules/ansi-styles",
        "node_modules/escape-string-regexp",
        "node_modules/@babel/code-frame/node_modules/supports-color",
    }
    assert set(edges["node_modules/chalk"]) == {
        "node_modules/ansi-styles",
        "node_modules/supports-color",
    }
    # the peer dependency react-dom -> react is an edge too
    assert set(edges["node_modules/react-dom"]) == {
        "node_modules/loose-envify",
        "node_modules/scheduler",
        "node_modules/react",
    }
    esbuild = set(edges["node_modules/esbuild"])
    assert len(esbuild) == 23 and "node_modules/@esbuild/linux-x64" in esbuild
    assert edges["node_modules/my-lodash"] == []
    # every edge points at a node of the file
    nodes = {p.id for p in graph.packages} | {""}
    assert all(child in nodes for children in edges.values() for child in children)


@pytest.mark.parametrize("case", sorted(WORKSPACE_CASES))
def test_workspace_fixture_dependency_paths(case: str) -> None:
    graph, _, _ = load_case(case, WORKSPACE_CASES[case])
    edges = graph.details.edges()
    assert shortest_path(edges, "", "node_modules/@babel/code-frame/node_modules/has-flag") == [
        "",
        "node_modules/@babel/code-frame",
        "node_modules/@babel/code-frame/node_modules/chalk",
        "node_modules/@babel/code-frame/node_modules/supports-color",
        "node_modules/@babel/code-frame/node_modules/has-flag",
    ]
    assert shortest_path(edges, "packages/core", "packages/core/node_modules/ms") == [
        "packages/core",
        "packages/core/node_modules/ms",
    ]
    assert shortest_path(edges, "", "packages/core/node_modules/ms") == []


@pytest.mark.parametrize("case", sorted(WORKSPACE_CASES))
def test_workspace_fixture_lines(case: str) -> None:
    graph, data, _ = load_case(case, WORKSPACE_CASES[case])
    for node in (
        "",
        "node_modules/@acme/core",
        "node_modules/@babel/code-frame/node_modules/chalk",
        "node_modules/my-lodash",
        "node_modules/is-odd/node_modules/is-number",
        "packages/core",
        "packages/is-number",
    ):
        assert graph.details.line_of(node) == line_starting(data, f'"{node}": {{'), node
    assert graph.details.line_of("node_modules/not-there") is None


def test_v3_fixture_line_numbers_by_hand() -> None:
    graph, _, _ = load_case("npm11-v3", "package-lock.json")
    assert graph.details.line_of("") == 7
    assert graph.details.line_of("node_modules/@acme/core") == 25
    assert graph.details.line_of("node_modules/@babel/code-frame/node_modules/chalk") == 58
    assert graph.details.line_of("node_modules/react-dom") == 758


# --- real fixture: npm 6, lockfileVersion 1 (file: folders instead of workspaces) ---


def test_v1_fixture_packages_and_importers() -> None:
    graph, _, _ = load_case("npm6-v1", "package-lock.json")
    assert graph.format is LockfileFormat.PACKAGE_LOCK
    assert list(graph.importers) == [Importer("", "fixture-app")]
    packages = by_id(graph)
    assert packages["node_modules/@acme/core"] == LockedPackage(
        "node_modules/@acme/core", "@acme/core", "", Source.LOCAL, None, "file:packages/core"
    )
    assert packages["node_modules/is-number"].source is Source.LOCAL
    nested = packages["node_modules/is-odd/node_modules/is-number"]
    assert (nested.name, nested.version, nested.source) == ("is-number", "6.0.0", Source.REGISTRY)
    alias = packages["node_modules/my-lodash"]
    assert (alias.name, alias.version, alias.source) == ("lodash", "4.17.20", Source.REGISTRY)
    assert alias.resolved == "https://registry.npmjs.org/lodash/-/lodash-4.17.20.tgz"
    assert packages["node_modules/debug/node_modules/ms"].version == "2.1.2"
    assert packages["node_modules/ms"].version == "2.0.0"


def test_v1_fixture_edges() -> None:
    graph, _, _ = load_case("npm6-v1", "package-lock.json")
    edges = graph.details.edges()
    assert edges["node_modules/@acme/core"] == ["node_modules/@acme/util", "node_modules/ms"]
    assert edges["node_modules/debug"] == ["node_modules/debug/node_modules/ms"]
    assert edges["node_modules/is-odd"] == ["node_modules/is-odd/node_modules/is-number"]
    assert set(edges["node_modules/@babel/code-frame"]) == {
        "node_modules/@babel/highlight",
        "node_modules/@babel/code-frame/node_modules/chalk",
    }
    assert set(edges["node_modules/@babel/code-frame/node_modules/chalk"]) == {
        "node_modules/ansi-styles",
        "node_modules/escape-string-regexp",
        "node_modules/supports-color",
    }
    # v1 has no root entry: the root reaches the top-level entries nothing else requires
    assert set(edges[""]) == {
        "node_modules/@acme/core",
        "node_modules/@babel/code-frame",
        "node_modules/chalk",
        "node_modules/debug",
        "node_modules/esbuild",
        "node_modules/is-number",
        "node_modules/is-odd",
        "node_modules/my-lodash",
        "node_modules/react",
        "node_modules/react-dom",
        "node_modules/uuid",
    }
    assert shortest_path(edges, "", "node_modules/has-flag") == [
        "",
        "node_modules/@babel/code-frame",
        "node_modules/@babel/code-frame/node_modules/chalk",
        "node_modules/supports-color",
        "node_modules/has-flag",
    ]


def test_v1_fixture_lines() -> None:
    graph, data, _ = load_case("npm6-v1", "package-lock.json")
    assert graph.details.line_of("node_modules/@acme/core") == 7
    assert graph.details.line_of("node_modules/debug") == line_starting(data, '"debug": {')
    outer = line_starting(data, '"@babel/code-frame": {')
    assert graph.details.line_of("node_modules/@babel/code-frame/node_modules/chalk") == (
        line_starting(data, '"chalk": {', after=outer)
    )
    highlight = line_starting(data, '"@babel/highlight": {')
    assert graph.details.line_of("node_modules/@babel/highlight/node_modules/chalk") == (
        line_starting(data, '"chalk": {', after=highlight)
    )
    assert graph.details.line_of("node_modules/nope") is None


# --- hand-written v2/v3 details ---


def test_v3_sources_and_names() -> None:
    data = lock(
        {
            "node_modules/from-git": {
                "version": "1.0.0",
                "resolved": "git+ssh://git@github.com/u/from-git.git#0123456789abcdef",
            },
            "node_modules/gh": {"version": "2.0.0", "resolved": "github:u/gh#abc"},
            "node_modules/tar": {
                "version": "1.2.3",
                "resolved": "https://example.com/downloads/tar-1.2.3.tgz",
            },
            "node_modules/local-tgz": {"version": "1.0.0", "resolved": "file:vendor/x-1.0.0.tgz"},
            "node_modules/@s/mirrored": {
                "version": "3.0.0",
                "resolved": "https://art.example/api/npm/remote/@s/mirrored/-/mirrored-3.0.0.tgz",
                "integrity": "sha512-abc",
            },
            "node_modules/@s/escaped": {
                "version": "1.0.0",
                "resolved": "https://r.example/@s%2fescaped/-/escaped-1.0.0.tgz?x=1",
            },
            "node_modules/wrong-version": {
                "version": "1.0.0",
                "resolved": "https://registry.npmjs.org/wrong-version/-/wrong-version-9.9.9.tgz",
            },
            "node_modules/no-resolved": {"version": "4.0.0"},
            "node_modules/parent": {"version": "1.0.0", "dependencies": {"bundled": "^1"}},
            "node_modules/parent/node_modules/bundled": {"version": "1.1.0", "inBundle": True},
            "node_modules/my-alias": {
                "name": "@real/pkg",
                "version": "5.0.0",
                "resolved": "https://registry.npmjs.org/@real/pkg/-/pkg-5.0.0.tgz",
            },
            "node_modules/tar-no-version": {
                "resolved": "https://registry.npmjs.org/tar-no-version/-/tar-no-version-0.1.0.tgz"
            },
            "node_modules/git-no-version": {"resolved": "git+https://host/r.git#aa"},
        }
    )
    graph = npm.parse(data, "package-lock.json")
    packages = by_id(graph)
    expected = {
        "node_modules/from-git": ("from-git", "1.0.0", Source.GIT),
        "node_modules/gh": ("gh", "2.0.0", Source.GIT),
        "node_modules/tar": ("tar", "1.2.3", Source.TARBALL),
        "node_modules/local-tgz": ("local-tgz", "1.0.0", Source.LOCAL),
        "node_modules/@s/mirrored": ("@s/mirrored", "3.0.0", Source.REGISTRY),
        "node_modules/@s/escaped": ("@s/escaped", "1.0.0", Source.REGISTRY),
        # (by_id keeps the last package of an id: here the one the URL names, decision 0030)
        "node_modules/wrong-version": ("wrong-version", "9.9.9", Source.TARBALL),
        "node_modules/no-resolved": ("no-resolved", "4.0.0", Source.REGISTRY),
        "node_modules/parent": ("parent", "1.0.0", Source.REGISTRY),
        "node_modules/parent/node_modules/bundled": ("bundled", "1.1.0", Source.REGISTRY),
        "node_modules/my-alias": ("@real/pkg", "5.0.0", Source.REGISTRY),
        "node_modules/tar-no-version": ("tar-no-version", "0.1.0", Source.REGISTRY),
        "node_modules/git-no-version": ("git-no-version", "", Source.GIT),
    }
    assert {k: (p.name, p.version, p.source) for k, p in packages.items()} == expected
    assert packages["node_modules/@s/mirrored"].integrity == "sha512-abc"
    assert packages["node_modules/no-resolved"].resolved is None
    # npm downloads the URL: 9.9.9 is installed; the entry's own version is kept too
    wrong = [(p.version, p.source) for p in graph.packages if p.id == "node_modules/wrong-version"]
    assert wrong == [("1.0.0", Source.TARBALL), ("9.9.9", Source.TARBALL)]
    assert graph.entry_errors == (
        "packages['node_modules/wrong-version'].resolved: the registry tarball of another package"
        " or version than this entry's; npm installs what the URL names (lockfile injection or a"
        " bad merge?)",
    )


def test_v3_entry_without_version_or_resolved_is_skipped_with_a_note() -> None:
    data = lock(
        {
            "node_modules/husk": {"dev": True},
            "node_modules/real": {"version": "1.0.0", "dependencies": {"husk": "*"}},
        }
    )
    graph = npm.parse(data, "package-lock.json")
    assert [p.id for p in graph.packages] == ["node_modules/real"]
    assert graph.notes == ("skipped 1 entries with no version, no resolved and no link",)
    assert graph.details.edges() == {"": [], "node_modules/real": []}
    assert graph.details.line_of("node_modules/husk") is None
    # ``real`` depends on it: npm ci refuses the file, npm install fetches whatever "*" gives
    assert graph.entry_errors == (
        "packages['node_modules/real'].dependencies['husk']: answered by"
        " packages['node_modules/husk'], an entry with no version, no resolved and no link (npm"
        " ci refuses the file; npm install fetches whatever the spec gives: the file does not say"
        " which release is installed)",
    )


def test_a_husk_nothing_resolves_to_is_a_note_only() -> None:
    data = lock(
        {
            "node_modules/husk": {"dev": True},
            "node_modules/real": {"version": "1.0.0", "dependencies": {"other": "*"}},
            "node_modules/other": {"version": "1.0.0"},
            # a nested husk shadows nothing anyone asks for from there
            "node_modules/other/node_modules/real": {},
        }
    )
    graph = npm.parse(data, "package-lock.json")
    assert graph.notes == ("skipped 2 entries with no version, no resolved and no link",)
    assert graph.entry_errors == ()


@pytest.mark.parametrize(
    ("packages", "where"),
    [
        # the root's own dependency, as in a hand-edited or cut file (decision 0141)
        (
            {
                "": {"name": "app", "dependencies": {"is-number": "^7.0.0"}},
                "node_modules/is-number": {},
            },
            "packages[''].dependencies['is-number']",
        ),
        # a nested husk shadows the hoisted entry for its parent: require() stops at the husk
        (
            {
                "node_modules/a": {"version": "1.0.0", "dependencies": {"is-number": "^7"}},
                "node_modules/a/node_modules/is-number": {"integrity": "sha512-AAAA"},
                "node_modules/is-number": {"version": "6.0.0"},
            },
            "packages['node_modules/a'].dependencies['is-number']",
        ),
        # an optional dependency is installed where the platform allows it
        (
            {
                "node_modules/a": {"version": "1.0.0", "optionalDependencies": {"is-number": "7"}},
                "node_modules/is-number": {"optional": True},
            },
            "packages['node_modules/a'].optionalDependencies['is-number']",
        ),
    ],
)
def test_a_husk_answering_a_dependency_is_an_error(packages: dict[str, Any], where: str) -> None:
    body = {
        "name": "app",
        "lockfileVersion": 3,
        "packages": {"": {"name": "app"}, **packages},
    }
    graph = npm.parse(json.dumps(body).encode(), "package-lock.json")
    assert [error.partition(":")[0] for error in graph.entry_errors] == [where]
    assert "with no version, no resolved and no link" in graph.entry_errors[0]


def test_v3_links_outside_root_and_unnamed_folders() -> None:
    data = lock(
        {
            "../shared/lib": {"version": "0.1.0"},
            "node_modules/lib": {"resolved": "../shared/lib", "link": True},
            "node_modules/dangling": {"resolved": "nowhere", "link": True},
            "tools/cli": {"name": "@acme/cli", "version": "2.0.0", "dependencies": {"lib": "*"}},
            "node_modules/@acme/cli": {"resolved": "tools/cli", "link": True},
        }
    )
    graph = npm.parse(data, "package-lock.json")
    packages = by_id(graph)
    assert packages["../shared/lib"] == LockedPackage("../shared/lib", "lib", "0.1.0", Source.LOCAL)
    assert packages["node_modules/dangling"].source is Source.LOCAL
    assert list(graph.importers) == [
        Importer("", "app"),
        Importer("../shared/lib", "lib"),
        Importer("tools/cli", "@acme/cli"),
    ]
    edges = graph.details.edges()
    assert edges["node_modules/lib"] == ["../shared/lib"]
    assert edges["node_modules/dangling"] == []
    assert edges["tools/cli"] == ["node_modules/lib"]
    assert all(p.source is Source.LOCAL for p in graph.packages)


def test_v3_edges_resolve_like_node() -> None:
    data = lock(
        {
            "node_modules/a": {
                "version": "1.0.0",
                "dependencies": {"b": "^1", "c": "^1", "missing": "^1"},
                "optionalDependencies": {"@s/opt": "^1"},
                "peerDependencies": {"a": "*"},
            },
            "node_modules/a/node_modules/b": {"version": "1.0.0", "dependencies": {"c": "^2"}},
            "node_modules/a/node_modules/b/node_modules/c": {"version": "2.0.0"},
            "node_modules/b": {"version": "2.0.0"},
            "node_modules/c": {"version": "1.0.0", "dependencies": {"b": "*"}},
            "node_modules/@s/opt": {"version": "1.0.0", "optional": True},
        }
    )
    body = json.loads(data)
    body["packages"][""]["dependencies"] = {"a": "1", "c": "1"}
    body["packages"][""]["devDependencies"] = {"b": "2"}
    graph = npm.parse(json.dumps(body).encode(), "package-lock.json")
    edges = graph.details.edges()
    assert edges[""] == ["node_modules/a", "node_modules/c", "node_modules/b"]
    assert edges["node_modules/a"] == [
        "node_modules/a/node_modules/b",
        "node_modules/c",
        "node_modules/@s/opt",
    ]
    assert edges["node_modules/a/node_modules/b"] == [
        "node_modules/a/node_modules/b/node_modules/c"
    ]
    assert edges["node_modules/c"] == ["node_modules/b"]
    assert graph.details.edges() is edges  # built once


def test_v3_line_of_exact_for_compact_and_escaped_keys() -> None:
    body = {
        "lockfileVersion": 3,
        "packages": {
            "": {"dependencies": {"node_modules/x": "not a key"}},
            "node_modules/x": {"version": "1.0.0", "resolved": "node_modules/x"},
            'node_modules/we"ird': {"version": "1.0.0"},
        },
    }
    data = json.dumps(body, indent=1).encode()
    graph = npm.parse(data, "package-lock.json")
    text = data.decode().splitlines()
    assert text[graph.details.line_of("node_modules/x") - 1].strip() == '"node_modules/x": {'  # type: ignore[operator]
    weird = graph.details.line_of('node_modules/we"ird')
    assert weird is not None and text[weird - 1].strip().startswith('"node_modules/we\\"ird"')
    compact = npm.parse(json.dumps(body).encode(), "package-lock.json")
    assert compact.details.line_of("node_modules/x") == 1


def test_v2_without_packages_falls_back_to_dependencies() -> None:
    data = v1({"a": {"version": "1.0.0"}}).replace(b'"lockfileVersion": 1', b'"lockfileVersion": 2')
    graph = npm.parse(data, "package-lock.json")
    assert [(p.id, p.name, p.version) for p in graph.packages] == [("node_modules/a", "a", "1.0.0")]


def test_v2_reads_packages_and_what_its_legacy_tree_says_otherwise() -> None:
    # npm 7+ installs ``packages``, npm 6 the legacy ``dependencies``: a legacy entry that says
    # something else is npm 6's package there too, and an error
    body = json.loads(lock({"node_modules/a": {"version": "2.0.0"}}, version=2))
    body["dependencies"] = {"a": {"version": "1.0.0"}, "ghost": {"version": "9.9.9"}}
    graph = npm.parse(json.dumps(body).encode(), "package-lock.json")
    assert sorted((p.id, p.name, p.version) for p in graph.packages) == [
        ("node_modules/a", "a", "1.0.0"),
        ("node_modules/a", "a", "2.0.0"),
        ("node_modules/ghost", "ghost", "9.9.9"),
    ]
    assert sorted(e.partition(":")[0] for e in graph.entry_errors) == [
        "dependencies['a']",
        "dependencies['ghost']",
    ]


def test_a_legacy_tree_agreeing_with_packages_adds_nothing() -> None:
    packages = {
        "node_modules/a": {"version": "2.0.0", "resolved": "https://r.example/a/-/a-2.0.0.tgz"},
        "node_modules/al": {"name": "b", "version": "1.0.0"},
        "node_modules/g": {"version": "1.0.0", "resolved": "git+ssh://git@github.com/u/g.git#abc"},
        "node_modules/w": {"link": True, "resolved": "packages/w"},
        "packages/w": {"name": "w", "version": "0.1.0"},
        "packages/w/node_modules/c": {"version": "3.0.0"},
    }
    body = json.loads(lock(packages, version=2))
    body["dependencies"] = {
        "a": {"version": "2.0.0"},
        "al": {"version": "npm:b@1.0.0"},
        "g": {"version": "git+ssh://git@github.com/u/g.git#abc"},
        "w": {"version": "file:packages/w", "dependencies": {"c": {"version": "3.0.0"}}},
    }
    graph = npm.parse(json.dumps(body).encode(), "package-lock.json")
    assert graph.entry_errors == ()
    assert len(graph.packages) == len(packages)


def test_shrinkwrap_format_by_path_and_bom() -> None:
    data = b"\xef\xbb\xbf" + lock({"node_modules/a": {"version": "1.0.0"}})
    graph = npm.parse(data, "C:\\proj\\npm-shrinkwrap.json")
    assert graph.format is LockfileFormat.SHRINKWRAP
    assert graph.details.line_of("node_modules/a") == 10
    assert npm.parse(data, "x/package-lock.json").format is LockfileFormat.PACKAGE_LOCK


def test_root_label_without_name() -> None:
    body = {"lockfileVersion": 3, "packages": {"": {}, "node_modules/a": {"version": "1.0.0"}}}
    graph = npm.parse(json.dumps(body).encode(), "package-lock.json")
    assert list(graph.importers) == [Importer("", "(root)")]
    graph = npm.parse(json.dumps({"lockfileVersion": 1}).encode(), "package-lock.json")
    assert list(graph.importers) == [Importer("", "(root)")] and list(graph.packages) == []


# --- hand-written v1 details ---


def test_v1_sources() -> None:
    data = v1(
        {
            "alias": {
                "version": "npm:@types/node@20.1.0",
                "resolved": "https://registry.npmjs.org/@types/node/-/node-20.1.0.tgz",
                "integrity": "sha512-x",
            },
            "git-dep": {
                "version": "git+https://github.com/u/git-dep.git#0123abc",
                "from": "git+https://github.com/u/git-dep.git",
            },
            "short": {"version": "github:u/short#abc"},
            "bare": {"version": "u/bare#abc"},
            "tarball": {"version": "https://example.com/files/tarball-1.4.0.tgz"},
            "reg-url": {"version": "https://registry.npmjs.org/reg-url/-/reg-url-0.3.0.tgz"},
            "folder": {"version": "file:../folder"},
            "outer": {
                "version": "1.0.0",
                "dependencies": {"inner": {"version": "0.1.0", "bundled": True}},
            },
        }
    )
    packages = by_id(npm.parse(data, "package-lock.json"))
    got = {k: (p.name, p.version, p.source) for k, p in packages.items()}
    assert got == {
        "node_modules/alias": ("@types/node", "20.1.0", Source.REGISTRY),
        "node_modules/git-dep": ("git-dep", "", Source.GIT),
        "node_modules/short": ("short", "", Source.GIT),
        "node_modules/bare": ("bare", "", Source.GIT),
        "node_modules/tarball": ("tarball", "1.4.0", Source.TARBALL),
        "node_modules/reg-url": ("reg-url", "0.3.0", Source.REGISTRY),
        "node_modules/folder": ("folder", "", Source.LOCAL),
        "node_modules/outer": ("outer", "1.0.0", Source.REGISTRY),
        "node_modules/outer/node_modules/inner": ("inner", "0.1.0", Source.REGISTRY),
    }
    assert packages["node_modules/git-dep"].resolved == (
        "git+https://github.com/u/git-dep.git#0123abc"
    )
    assert packages["node_modules/alias"].integrity == "sha512-x"


def test_v1_entry_without_version_is_skipped_with_a_note() -> None:
    data = v1({"husk": {"dependencies": {"kept": {"version": "1.0.0"}}}, "b": {"version": "2.0.0"}})
    graph = npm.parse(data, "package-lock.json")
    assert sorted(p.id for p in graph.packages) == [
        "node_modules/b",
        "node_modules/husk/node_modules/kept",
    ]
    assert graph.notes == ("skipped 1 entries with no version",)
    assert graph.details.edges()[""] == ["node_modules/b"]


def test_shrinkwrap_without_lockfile_version_is_read_as_v1() -> None:
    """npm 2 to 4 wrote npm-shrinkwrap.json with no ``lockfileVersion``: the nested
    ``dependencies`` tree v1 kept (``from`` instead of ``requires``); npm 5+ and arborist read it
    as v1. Shape of ``test/packages/npm-test-shrinkwrap/npm-shrinkwrap.json`` in the npm 3.2.2
    tarball (the whole file: tests/realworld/data/shrinkwrap0-npm-test-shrinkwrap). It was
    refused as lockfileVersion (null) before."""
    old: dict[str, Any] = {
        "name": "t",
        "version": "0.0.0",
        "dependencies": {
            "glob": {
                "version": "3.1.5",
                "from": "git://github.com/isaacs/node-glob.git#npm-test",
                "resolved": "git://github.com/isaacs/node-glob.git#67bda227fd7a559cca5620307c7d30a6732a792f",
                "dependencies": {"minimatch": {"version": "0.2.1"}},
            },
            "minimatch": {
                "version": "0.1.5",
                "from": "minimatch@>=0.1.0 <0.2.0",
                "resolved": "https://registry.npmjs.org/minimatch/-/minimatch-0.1.5.tgz",
            },
        },
    }
    data = json.dumps(old).encode()
    graph = npm.parse(data, "npm-shrinkwrap.json")
    assert sorted((p.id, p.name, p.version, p.source) for p in graph.packages) == [
        ("node_modules/glob", "glob", "3.1.5", Source.GIT),
        ("node_modules/glob/node_modules/minimatch", "minimatch", "0.2.1", Source.REGISTRY),
        ("node_modules/minimatch", "minimatch", "0.1.5", Source.REGISTRY),
    ]
    assert graph.notes == ("no lockfileVersion (npm 4 or older): read as lockfileVersion 1",)
    assert graph.format is LockfileFormat.SHRINKWRAP
    # same file with an explicit lockfileVersion 1: the same packages
    assert list(npm.parse(v1(old["dependencies"]), "x/npm-shrinkwrap.json").packages) == list(
        graph.packages
    )
    # still refused: null, or no dependencies tree to read
    for other in (
        {**old, "lockfileVersion": None},
        {"name": "t", "version": "1.0.0"},
        {"name": "t", "dependencies": []},
    ):
        with pytest.raises(LockfileError):
            npm.parse(json.dumps(other).encode(), "npm-shrinkwrap.json")


def test_v1_from_without_resolved_is_what_npm_installs() -> None:
    """npm 1 wrote a git or URL dependency as the package's ``version`` plus its spec in
    ``from``, with no ``resolved``: npm 6 and arborist (``specFromLock``) install ``from``.
    Shape of ``test/packages/npm-test-shrinkwrap/npm-shrinkwrap.json`` in the npm 1.1.71
    tarball (whole file: tests/realworld/data/shrinkwrap0-npm1-test-shrinkwrap); glob 3.1.5 and
    npm-test-single-file 1.2.3 were read as registry releases before."""
    deps = {
        "single": {"version": "1.2.3", "from": "https://raw.github.com/gist/1837112/index.js"},
        "glob": {
            "version": "3.1.5",
            "from": "git://github.com/isaacs/node-glob.git#npm-test",
            "dependencies": {"inherits": {"version": "1.0.0"}},
        },
        "gh": {"version": "1.0.0", "from": "user/gh#abc"},
        # a registry ``from`` (npm 2-4), or a ``from`` beside ``resolved`` / ``integrity``:
        # the version is the release, as before
        "minimatch": {"version": "0.1.5", "from": "minimatch@>=0.1.0 <0.2.0"},
        "r": {
            "version": "2.0.0",
            "from": "git://h/r.git",
            "resolved": "https://registry.npmjs.org/r/-/r-2.0.0.tgz",
        },
        "i": {"version": "3.0.0", "from": "git://h/i.git", "integrity": "sha512-x"},
    }
    got = {
        p.id: (p.version, p.source) for p in npm.parse(v1(deps), "x/npm-shrinkwrap.json").packages
    }
    assert got == {
        "node_modules/single": ("", Source.TARBALL),
        "node_modules/glob": ("", Source.GIT),
        "node_modules/glob/node_modules/inherits": ("1.0.0", Source.REGISTRY),
        "node_modules/gh": ("", Source.GIT),
        "node_modules/minimatch": ("0.1.5", Source.REGISTRY),
        "node_modules/r": ("2.0.0", Source.REGISTRY),
        "node_modules/i": ("3.0.0", Source.REGISTRY),
    }


def test_v3_table_builds_packages_on_demand_with_columns_that_agree() -> None:
    data = lock(
        {
            "node_modules/a": {
                "version": "1.0.0",
                "resolved": "https://registry.npmjs.org/a/-/a-1.0.0.tgz",
                "integrity": "sha512-aaa",
            },
            "node_modules/alias": {"name": "b", "version": "2.0.0", "integrity": "sha512-bbb"},
            "node_modules/g": {"version": "3.0.0", "resolved": "git+ssh://git@h/g.git#abc"},
            "node_modules/ws": {"resolved": "packages/ws", "link": True},
            "packages/ws": {"name": "ws", "version": "0.1.0"},
        }
    )
    graph = npm.parse(data, "package-lock.json")
    table = graph.packages
    assert isinstance(table, PackageTable)
    built = list(table)
    assert [p.id for p in built] == list(table.ids)
    assert [p.name for p in built] == list(table.names)
    assert [p.integrity for p in built] == list(table.integrity())
    assert [table.version(i) for i in range(len(table))] == [p.version for p in built]
    assert table[3] is table[3]  # built once
    assert table[1] == LockedPackage(
        "node_modules/alias", "b", "2.0.0", Source.REGISTRY, "sha512-bbb", None
    )
    assert table[-1] == built[-1] and table[0:2] == built[0:2]
    assert table[2].source is Source.GIT
    assert {table[i].source for i in table.positions_named({"ws"})} == {Source.LOCAL}
    assert list(table.positions_named({"b", "absent"})) == [1]
    assert table.position_of("node_modules/g") == 2 and table.position_of("nope") is None
    with pytest.raises(IndexError):
        table[len(table)]
    with pytest.raises(AttributeError):
        table[0].name = "x"  # type: ignore[misc]


def test_v1_edges_and_lines_with_confusable_nesting() -> None:
    # "aa" holds a nested "b" before the "b" nested directly under "a": line_of must not mix them.
    data = v1(
        {
            "a": {
                "version": "1.0.0",
                "requires": {"aa": "1", "b": "1"},
                "dependencies": {
                    "aa": {
                        "version": "1.0.0",
                        "requires": {"b": "2"},
                        "dependencies": {"b": {"version": "2.0.0"}},
                    },
                    "b": {"version": "1.0.0", "requires": {"c": "1"}},
                },
            },
            "c": {"version": "1.0.0", "requires": {"a": "1"}},
            "d": {"version": "1.0.0", "requires": {"b": "1", "zzz": "1"}},
            "b": {"version": "3.0.0"},
        }
    )
    graph = npm.parse(data, "package-lock.json")
    edges = graph.details.edges()
    assert edges["node_modules/a"] == [
        "node_modules/a/node_modules/aa",
        "node_modules/a/node_modules/b",
    ]
    assert edges["node_modules/a/node_modules/aa"] == [
        "node_modules/a/node_modules/aa/node_modules/b"
    ]
    assert edges["node_modules/a/node_modules/b"] == ["node_modules/c"]
    assert edges["node_modules/d"] == ["node_modules/b"]
    # a and c require each other; d requires b: roots are d, then the cycle's first entry
    assert edges[""] == ["node_modules/d", "node_modules/a"]
    lines = data.decode().splitlines()

    def key_at(node: str) -> str:
        line = graph.details.line_of(node)
        assert line is not None, node
        return lines[line - 1]

    assert key_at("node_modules/a") == '    "a": {'
    assert key_at("node_modules/a/node_modules/aa") == '        "aa": {'
    assert key_at("node_modules/a/node_modules/aa/node_modules/b") == '            "b": {'
    assert key_at("node_modules/a/node_modules/b") == '        "b": {'
    assert graph.details.line_of("node_modules/a/node_modules/b") == 25
    assert key_at("node_modules/b") == '    "b": {'
    assert graph.details.line_of("") is None


# --- errors ---


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b'{"lockfileVersion": 4, "packages": {}}', "unsupported npm lockfileVersion 4"),
        (b'{"lockfileVersion": 0, "dependencies": {}}', "unsupported npm lockfileVersion 0"),
        (b'{"packages": {}}', "unsupported npm lockfileVersion (null)"),
        (b'{"lockfileVersion": "3", "packages": {}}', "unsupported npm lockfileVersion '3'"),
        (b'{"lockfileVersion": 4, "packages": []}', "unsupported npm lockfileVersion 4"),
        (b'{"lockfileVersion": 3}', "without a packages map"),
        (b"[]", "unexpected lockfile shape"),
        (b'{"lockfileVersion": 3, "packages": []}', "unexpected lockfile shape"),
        (b'{"lockfileVersion": 3, "packages": {"node_modules/a": {"version": 1}}}', "Expected"),
        (b'{"lockfileVersion": 3, "packages": {"node_modules/a": {"link": "yes"}}}', "Expected"),
        (b'{"lockfileVersion": 1, "dependencies": {"a": []}}', "Expected"),
        (
            b'{"lockfileVersion": 1, "dependencies": {"a": {"version": "1", "dependencies": 3}}}',
            "Expected",
        ),
        (b'{"lockfileVersion": 3, "packages": {"": {}', "invalid JSON"),
        (b'{"lockfileVersion": 3, "packages": {"\xff": {}}}', "invalid JSON"),
        (b"", "invalid JSON"),
    ],
)
def test_errors_are_lockfile_errors(data: bytes, needle: str) -> None:
    with pytest.raises(LockfileError) as info:
        npm.parse(data, "dir/package-lock.json")
    assert str(info.value).startswith("dir/package-lock.json: ")
    assert needle in str(info.value)


def test_error_carries_json_path() -> None:
    data = b'{"lockfileVersion": 3, "packages": {"node_modules/a": {"version": 1}}}'
    with pytest.raises(LockfileError) as info:
        npm.parse(data, "package-lock.json")
    assert info.value.json_path == "packages['node_modules/a'].version"
    data = b'{"lockfileVersion": 1, "dependencies": {"a": {"version": "1", "bundled": 3}}}'
    with pytest.raises(LockfileError) as info:
        npm.parse(data, "package-lock.json")
    assert info.value.json_path == "dependencies['a'].bundled"


@pytest.mark.parametrize("depth", [200, 5000, 100_000])
def test_deep_nesting_is_a_lockfile_error_or_a_result(depth: int) -> None:
    junk = b"[" * depth + b"]" * depth
    data = b'{"lockfileVersion": 3, "x": ' + junk + b', "packages": {}}'
    try:
        graph = npm.parse(data, "package-lock.json")
    except LockfileError as exc:
        assert "nested too deeply" in str(exc)
    else:
        assert list(graph.packages) == []
    levels = depth // 100
    deep_v1 = (
        b'{"lockfileVersion": 1,\n"dependencies": '
        + b'{"a": {"version": "1.0.0", "dependencies": ' * levels
        + b"{}"
        + b"}}" * levels
        + b"}"
    )
    try:
        result = npm.parse(deep_v1, "package-lock.json")
    except LockfileError as exc:
        assert "nested too deeply" in str(exc)
    else:
        assert len(result.packages) == levels
        assert result.details.edges()["node_modules/a"] == []
        assert result.details.line_of("node_modules/a") == 2
    deep_deps = lock({"node_modules/a": {"version": "1.0.0", "dependencies": {"b": "JUNK"}}})
    deep_deps = deep_deps.replace(b'"JUNK"', junk)
    try:
        graph = npm.parse(deep_deps, "package-lock.json")
    except LockfileError as exc:
        assert "nested too deeply" in str(exc)
    else:
        assert graph.details.edges()["node_modules/a"] == []


@pytest.mark.parametrize("case", ["npm6-v1", "npm8-v2", "npm11-v3", "npm10-shrinkwrap"])
def test_truncated_fixtures_fail_cleanly(case: str) -> None:
    name = WORKSPACE_CASES.get(case, "package-lock.json")
    data = (FIXTURES / case / name).read_bytes()
    for cut in range(1, len(data) - 2, max(1, len(data) // 97)):
        with pytest.raises(LockfileError):
            npm.parse(data[:cut], name)


# --- sniffing ---


def test_sniff() -> None:
    for case, name in [*WORKSPACE_CASES.items(), ("npm6-v1", "package-lock.json")]:
        assert npm.sniff((FIXTURES / case / name).read_bytes()[:8192])
    assert npm.sniff(b'\n  {"lockfileVersion": 2}')
    assert not npm.sniff(b'{\n  "lockfileVersion": 1,\n  "workspaces": {\n    "": {\n')  # bun.lock
    assert not npm.sniff(b"lockfileVersion: '9.0'\n")  # pnpm
    assert not npm.sniff(b"# yarn lockfile v1\n")
    assert not npm.sniff(b'{"name": "x", "dependencies": {}}')  # package.json
    assert not npm.sniff(b"")


def test_other_formats_fixtures_are_not_sniffed_as_npm() -> None:
    others = [
        f
        for f in (FIXTURES.parent).glob("*/*/*")
        if f.is_file()  # fixture folders may hold a project (package.json, packages/...)
        and f.parent.parent.name != "npm"
        and f.name not in ("expected.json", "generate.sh", "package-lock.json")
        and "npm-extraneous" not in f.parts  # (npm's own files: decision 0163)
        and not f.name.endswith("-package-lock.json")  # (a hand-edited copy of one)
    ]
    for path in others:
        assert not npm.sniff(path.read_bytes()[:8192]), path


@pytest.mark.parametrize("case", ["npm6-v1", *sorted(WORKSPACE_CASES)])
def test_content_detection_under_any_file_name(case: str) -> None:
    data = (FIXTURES / case / WORKSPACE_CASES.get(case, "package-lock.json")).read_bytes()
    graph = parse_bytes(data, "test/affected-lockfile.json")
    assert graph.format is LockfileFormat.PACKAGE_LOCK
    assert len(graph.packages) > 50


def test_parse_bytes_uses_npm_for_lockfile_names() -> None:
    data = lock({"node_modules/a": {"version": "1.0.0"}})
    assert parse_bytes(data, "a/b/npm-shrinkwrap.json").format is LockfileFormat.SHRINKWRAP
    assert parse_bytes(data, "a/b/package-lock.json").format is LockfileFormat.PACKAGE_LOCK


# --- properties ---


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_any_bytes_give_a_graph_or_a_lockfile_error(data: bytes) -> None:
    for blob in (
        data,
        b'{"lockfileVersion": 3, "packages": ' + data,
        b'{"lockfileVersion":1,' + data,
    ):
        try:
            graph = npm.parse(blob, "package-lock.json")
        except LockfileError:
            continue
        graph.details.edges()
        for package in graph.packages:
            graph.details.line_of(package.id)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
entry_values = st.fixed_dictionaries(
    {},
    optional={
        "version": st.text(max_size=12) | json_values,
        "name": st.text(max_size=8),
        "resolved": st.sampled_from(
            ["", "packages/x", "file:x", "git+ssh://h/r.git", "https://h/a/-/a-1.tgz", "../z"]
        )
        | st.text(max_size=10),
        "link": st.booleans(),
        "inBundle": st.booleans(),
        "dependencies": json_values,
        "requires": json_values,
        "bundled": st.booleans(),
        "peerDependencies": st.dictionaries(
            st.sampled_from(["a", "b", "@s/c"]), st.text(max_size=3)
        ),
    },
)
keys = st.sampled_from(
    [
        "",
        "node_modules/a",
        "node_modules/a/node_modules/b",
        "node_modules/@s/c",
        "packages/x",
        "../z",
    ]
) | st.text(max_size=12)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([1, 2, 3]),
    st.dictionaries(keys, entry_values | json_values, max_size=6),
    st.dictionaries(
        st.sampled_from(["a", "b", "@s/c", "x"]), entry_values | json_values, max_size=4
    ),
)
def test_structured_garbage_gives_a_graph_or_a_lockfile_error(
    version: int, packages: dict[str, Any], dependencies: dict[str, Any]
) -> None:
    body = {"lockfileVersion": version, "packages": packages, "dependencies": dependencies}
    if version == 1:
        del body["packages"]
    try:
        graph = npm.parse(json.dumps(body).encode(), "package-lock.json")
    except LockfileError:
        return
    edges = graph.details.edges()
    ids: set[str] = set()
    for p in graph.packages:
        # an id is one entry's, but for the package a URL naming another one installs there
        # (a second package under the entry's id, its source the tarball: decision 0030), and
        # for a v2 file whose legacy ``dependencies`` entry says another package or version
        # than ``packages`` at the same place: both are kept (a rule on either matches) and
        # the file has an entry error
        assert p.id not in ids or p.source is Source.TARBALL or graph.entry_errors, p
        ids.add(p.id)
    assert len(graph.packages) - len(ids) <= len(ids)
    nodes = ids | {importer.id for importer in graph.importers}
    assert set(edges) <= nodes
    for children in edges.values():
        assert set(children) <= nodes
    for package in graph.packages:
        assert isinstance(package.name, str) and isinstance(package.version, str)
        line = graph.details.line_of(package.id)
        assert line is None or line >= 1


names = st.sampled_from(["a", "b", "c", "@s/d", "e"])
versions = st.sampled_from(["1.0.0", "2.0.0", "3.1.4-beta.1"])


@st.composite
def trees(draw: st.DrawFn, depth: int = 0) -> dict[str, Any]:
    """A nested npm tree: name -> {"version", "requires" (names), "children"}."""
    tree: dict[str, Any] = {}
    for name in draw(st.lists(names, max_size=4 if depth == 0 else 2, unique=True)):
        children = draw(trees(depth + 1)) if depth < 2 else {}
        tree[name] = {
            "version": draw(versions),
            "requires": draw(st.lists(names, max_size=3, unique=True)),
            "children": children,
        }
    return tree


def as_v1(tree: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, node in tree.items():
        entry: dict[str, Any] = {"version": node["version"]}
        if node["requires"]:
            entry["requires"] = {n: "*" for n in node["requires"]}
        if node["children"]:
            entry["dependencies"] = as_v1(node["children"])
        out[name] = entry
    return out


def as_v3(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, node in tree.items():
        key = f"{prefix}node_modules/{name}"
        entry: dict[str, Any] = {"version": node["version"]}
        if node["requires"]:
            entry["dependencies"] = {n: "*" for n in node["requires"]}
        out[key] = entry
        out.update(as_v3(node["children"], f"{key}/"))
    return out


@settings(max_examples=150, deadline=None)
@given(trees())
def test_v1_and_v3_of_the_same_tree_agree(tree: dict[str, Any]) -> None:
    first = npm.parse(v1(as_v1(tree)), "package-lock.json")
    third = npm.parse(lock(as_v3(tree)), "package-lock.json")
    assert sorted(first.packages, key=lambda p: p.id) == sorted(third.packages, key=lambda p: p.id)
    e1, e3 = first.details.edges(), third.details.edges()
    for package in first.packages:
        assert list(e1[package.id]) == list(e3[package.id])
        for graph in (first, third):
            line = graph.details.line_of(package.id)
            assert line is not None
            text = (v1(as_v1(tree)) if graph is first else lock(as_v3(tree))).decode()
            expected_key = (
                package.id.rpartition("node_modules/")[2] if graph is first else package.id
            )
            assert text.splitlines()[line - 1].strip() == f'"{expected_key}": {{'


@pytest.mark.parametrize("case", sorted(WORKSPACE_CASES))
def test_lazy_parents_and_children_agree_with_the_full_edges(case: str) -> None:
    full, _, _ = load_case(case, WORKSPACE_CASES[case])
    edges = full.details.edges()
    lazy, _, _ = load_case(case, WORKSPACE_CASES[case])  # a fresh parse: no edges built yet
    details: Any = lazy.details
    nodes = set(edges) | {c for children in edges.values() for c in children}
    for node in sorted(nodes):
        assert details.children_of(node) == edges.get(node, [])
        expected = sorted(p for p, children in edges.items() if node in children and p != node)
        assert sorted(details.parents_of(node)) == expected
    assert details._edges is None  # answered without building every edge


def test_dependency_maps_that_are_not_objects_of_strings_do_not_break_parents() -> None:
    data = lock(
        {
            "node_modules/a": {"version": "1.0.0", "dependencies": {"t": "^1"}},
            "node_modules/b": {"version": "1.0.0", "dependencies": {"t": {"odd": True}}},
            "node_modules/c": {"version": "1.0.0", "peerDependencies": ["t"]},
            "node_modules/t": {"version": "1.0.0"},
        }
    )
    details: Any = npm.parse(data, "package-lock.json").details
    assert sorted(details.parents_of("node_modules/t")) == ["node_modules/a", "node_modules/b"]
    assert details.children_of("node_modules/c") == []


@pytest.mark.parametrize("case", sorted(WORKSPACE_CASES))
def test_entry_lines_in_any_order_match_a_plain_count(case: str) -> None:
    graph, data, _ = load_case(case, WORKSPACE_CASES[case])
    ids = [p.id for p in graph.packages]
    text = data.decode()
    for node_id in [*reversed(ids), *ids]:  # far-to-near, then near-to-far: reuses known lines
        line = graph.details.line_of(node_id)
        assert line is not None
        assert text.splitlines()[line - 1].strip().startswith(json.dumps(node_id) + ":")


# ---------------------------------------------------------------------------------------------
# The odd-key test over the joined keys (one regex for "/.", "//" and a trailing "/") answers as
# the key-by-key test does, wherever in the list the odd key is.

_PLAIN_KEYS = ["", "node_modules/a", "node_modules/@s/b", "node_modules/a/node_modules/c.d"]


@pytest.mark.parametrize(
    "odd",
    [
        "node_modules/./a",
        "node_modules/../a",
        "node_modules/.a",
        "node_modules//a",
        "node_modules/a/",
        "./node_modules/a",
        "node_modules\\a",
        "node_modules/a\n/",
    ],
)
@pytest.mark.parametrize("at", [0, 2, 4])
def test_npm_odd_key_found_anywhere_in_the_list(odd: str, at: int) -> None:
    keys = [*_PLAIN_KEYS]
    keys.insert(at, odd)
    assert npm._odd_keys(keys) and npm._odd_keys_one_by_one(keys)
    assert not npm._odd_keys(_PLAIN_KEYS)


@pytest.mark.property
@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="ab./\\\n@", max_size=8), max_size=6))
def test_npm_odd_keys_joined_same_as_one_by_one(keys: list[str]) -> None:
    assert npm._odd_keys(keys) == npm._odd_keys_one_by_one(keys)


def test_npm_scoped_names_at_a_learned_registry_base_are_no_error() -> None:
    """A scoped entry's URL is compared in the parse loop with the registry base learned so far
    (its file name has no scope); one naming another package is still an error."""
    base = "https://npm.acme.test/repo/"
    data = lock(
        {
            "": {"name": "app", "dependencies": {"a": "1", "@s/b": "2", "@s/c": "3"}},
            "node_modules/a": {"version": "1.0.0", "resolved": f"{base}a/-/a-1.0.0.tgz"},
            "node_modules/@s/b": {"version": "2.0.0", "resolved": f"{base}@s/b/-/b-2.0.0.tgz"},
            "node_modules/@s/c": {"version": "3.0.0", "resolved": f"{base}@s/x/-/x-3.0.0.tgz"},
        }
    )
    graph = npm.parse(data, "package-lock.json")
    assert [e.split("]")[0] for e in graph.entry_errors] == ["packages['node_modules/@s/c'"]
    assert ("@s/x", "3.0.0") in {(p.name, p.version) for p in graph.packages}


def test_v1_unanswered_requires_are_listed_up_to_a_bound_then_counted() -> None:
    requires = {f"x{i}": "1.0.0" for i in range(npm._MAX_LISTED + 10)}
    graph = npm.parse(v1({"a": {"version": "1.0.0", "requires": requires}}), "package-lock.json")
    assert len(graph.entry_errors) == npm._MAX_LISTED + 1
    assert graph.entry_errors[-1] == "dependencies: 10 more requires no entry answers"


def test_v1_requires_are_answered_as_require_looks_up_at_any_depth() -> None:
    # a chain 300 deep: the deepest entry's requires are answered by the top level and by an
    # entry nested in an enclosing one, not by one nested in a sibling's subtree
    deepest: dict[str, Any] = {"version": "1.0.0", "requires": {"top": "1", "up": "1", "side": "1"}}
    entry = deepest
    for depth in range(300):
        entry = {"version": "1.0.0", "dependencies": {f"c{depth}": entry}}
        if depth == 150:
            entry["dependencies"]["up"] = {"version": "1.0.0"}
            entry["dependencies"]["sib"] = {
                "version": "1.0.0",
                "dependencies": {"side": {"version": "1.0.0"}},
            }
    graph = npm.parse(v1({"a": entry, "top": {"version": "1.0.0"}}), "package-lock.json")
    assert len(graph.entry_errors) == 1
    assert graph.entry_errors[0].endswith(
        ".dependencies['c0'].requires['side']: no entry answers this dependency (npm ls:"
        " missing; a cut, edited or badly merged lockfile?)"
    )


def test_legacy_entries_saying_otherwise_are_all_packages_and_listed_up_to_a_bound() -> None:
    count = npm._MAX_LISTED + 5
    body = json.loads(lock({}, version=2))
    body["dependencies"] = {f"x{i}": {"version": "1.0.0"} for i in range(count)}
    graph = npm.parse(json.dumps(body).encode(), "package-lock.json")
    assert len([p for p in graph.packages if p.name.startswith("x")]) == count
    assert len(graph.entry_errors) == npm._MAX_LISTED + 1
    assert graph.entry_errors[-1] == "dependencies: 5 more legacy entries saying otherwise"


def test_a_v2_legacy_entry_that_disagrees_keeps_both_packages_and_is_an_error() -> None:
    """Found by the property test above (randomized): ``packages`` says ``node_modules/a`` is a
    link, the legacy ``dependencies`` map says a at version 0 (what npm 6 installs). Both are
    kept under the same place, so a rule naming either matches, and the file has an entry
    error."""
    body = {
        "lockfileVersion": 2,
        "packages": {"node_modules/a": {"link": True}},
        "dependencies": {"a": {"version": "0"}},
    }
    graph = npm.parse(json.dumps(body).encode(), "package-lock.json")
    assert [(p.id, p.version) for p in graph.packages] == [
        ("node_modules/a", ""),
        ("node_modules/a", "0"),
    ]
    assert len(graph.entry_errors) == 1
    assert graph.entry_errors[0].startswith("dependencies['a']: npm 6 installs this legacy entry")
