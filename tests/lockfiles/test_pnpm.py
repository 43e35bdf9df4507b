"""pnpm-lock.yaml parser: real pnpm 6-10 fixtures, hand-written shapes, fast loader vs PyYAML,
hostile input."""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gouvernante.errors import LockfileError
from gouvernante.lockfiles import _pnpm_yaml, parse_bytes, pnpm
from gouvernante.model import LockedPackage, LockfileFormat, LockfileGraph, Source
from helpers import run_cli, shortest_path

FIXTURES = Path(__file__).parent / "fixtures" / "pnpm"
CASES = sorted(p.parent for p in FIXTURES.glob("*/expected.json"))
CASE_IDS = [c.name for c in CASES]


def _case_bytes(case: Path) -> bytes:
    expected = json.loads((case / "expected.json").read_text())
    lockfile: str = expected["lockfile"]
    return (case / lockfile).read_bytes()


def _parse_text(text: str) -> LockfileGraph:
    return pnpm.parse(text.encode(), "pnpm-lock.yaml")


def _node(graph: LockfileGraph, name: str, version: str) -> str:
    ids = [p.id for p in graph.packages if p.name == name and p.version == version]
    assert len(ids) == 1, (name, version, ids)
    return ids[0]


def _children(graph: LockfileGraph, node: str) -> set[tuple[str, str]]:
    by_id = {p.id: p for p in graph.packages}
    return {(by_id[c].name, by_id[c].version) for c in graph.details.edges()[node]}


def _summary(graph: LockfileGraph) -> tuple[Any, ...]:
    edges = graph.details.edges()
    return (
        sorted(graph.packages, key=lambda p: p.id),
        list(graph.importers),
        {k: list(v) for k, v in edges.items()},
    )


def _prune(doc: Any, keep: Mapping[str, frozenset[str]]) -> Any:
    """What ``load_fast(text, keep)`` should equal: ``doc`` without the skipped entry fields."""
    if not isinstance(doc, dict):
        return doc
    out = dict(doc)
    for section, fields in keep.items():
        entries = out.get(section)
        if isinstance(entries, dict):
            out[section] = {
                k: ({f: v for f, v in e.items() if f in fields} if isinstance(e, dict) else e)
                for k, e in entries.items()
            }
    return out


# ---------------------------------------------------------------------------------------------
# Real fixtures


def test_fixtures_cover_every_lockfile_version() -> None:
    versions = {_case_bytes(c).split(b"\n", 1)[0] for c in CASES}
    assert versions == {
        b"lockfileVersion: 5.3",
        b"lockfileVersion: 5.4",
        b"lockfileVersion: '6.0'",
        b"lockfileVersion: '9.0'",
    }


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_sniff_accepts_fixture(case: Path) -> None:
    assert pnpm.sniff(_case_bytes(case)[:8192])


@pytest.mark.parametrize(
    "head",
    [
        b'{\n  "name": "x",\n  "lockfileVersion": 3,\n',
        b"# yarn lockfile v1\n\n\nlodash@^4:\n",
        b"__metadata:\n  version: 8\n",
        b'{\n  "lockfileVersion": 1,\n  "workspaces": {\n    "": {}',
        b"",
        b"lockfileVersionX: 1\n",
        b"importers:\n  .: {}\nlockfileVersion: '9.0'\n",
    ],
)
def test_sniff_rejects_other_formats(head: bytes) -> None:
    assert not pnpm.sniff(head)


def test_sniff_skips_bom_comments_and_document_marker() -> None:
    assert pnpm.sniff(b"\xef\xbb\xbf# generated\n---\nlockfileVersion: '9.0'\n")


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_fixture_graph(case: Path) -> None:
    graph = parse_bytes(_case_bytes(case), str(case / "pnpm-lock.yaml"))
    assert graph.format is LockfileFormat.PNPM
    by_id = {p.id: p for p in graph.packages}
    assert len(by_id) == len(graph.packages), "node ids are unique"

    assert [(i.id, i.label) for i in graph.importers] == [
        ("importer:.", "(root)"),
        ("importer:packages/core", "@acme/core"),
        ("importer:packages/is-number", "is-number"),
        ("importer:packages/util", "@acme/util"),
    ]
    # The workspace named is-number is LOCAL; the registry is-number (via is-odd) is not.
    local_is_number = by_id["importer:packages/is-number"]
    assert (local_is_number.name, local_is_number.source) == ("is-number", Source.LOCAL)
    registry_is_number = by_id[_node(graph, "is-number", "6.0.0")]
    assert registry_is_number.source is Source.REGISTRY
    assert registry_is_number.integrity is not None
    assert registry_is_number.integrity.startswith("sha512-")
    # The alias is reported under the real name.
    assert by_id[_node(graph, "lodash", "4.17.20")].source is Source.REGISTRY
    assert not [p for p in graph.packages if p.name == "my-lodash"]
    # A tarball URL outside the configured registry.
    left_pad = by_id[_node(graph, "left-pad", "1.3.0")]
    assert left_pad.source is Source.TARBALL
    assert left_pad.resolved == "https://registry.yarnpkg.com/left-pad/-/left-pad-1.3.0.tgz"
    assert by_id[_node(graph, "ms", "3.0.0-canary.1")].source is Source.REGISTRY
    esbuild_platforms = {p.name for p in graph.packages if p.name.startswith("@esbuild/")}
    assert len(esbuild_platforms) == 23


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_fixture_edges(case: Path) -> None:
    graph = parse_bytes(_case_bytes(case), "pnpm-lock.yaml")
    edges = graph.details.edges()
    assert edges is graph.details.edges(), "edges are computed once"
    root = set(edges["importer:."])
    assert {
        "importer:packages/core",
        "importer:packages/is-number",
        _node(graph, "chalk", "4.1.2"),
        _node(graph, "lodash", "4.17.20"),
        _node(graph, "debug", "4.3.4"),
        _node(graph, "react-dom", "18.2.0"),
        _node(graph, "left-pad", "1.3.0"),
    } <= root
    assert len(root) == 12
    assert set(edges["importer:packages/core"]) == {
        "importer:packages/util",
        _node(graph, "ms", "2.0.0"),
    }
    assert edges["importer:packages/util"] == []
    assert _children(graph, _node(graph, "debug", "4.3.4")) == {("ms", "2.1.2")}
    assert _children(graph, _node(graph, "chalk", "2.4.2")) == {
        ("ansi-styles", "3.2.1"),
        ("escape-string-regexp", "1.0.5"),
        ("supports-color", "5.5.0"),
    }
    assert _children(graph, _node(graph, "chalk", "4.1.2")) == {
        ("ansi-styles", "4.3.0"),
        ("supports-color", "7.2.0"),
    }
    assert _children(graph, _node(graph, "react-dom", "18.2.0")) == {
        ("loose-envify", "1.4.0"),
        ("react", "18.2.0"),
        ("scheduler", "0.23.2"),
    }
    assert _children(graph, _node(graph, "is-odd", "3.0.1")) == {("is-number", "6.0.0")}
    esbuild = _children(graph, _node(graph, "esbuild", "0.19.12"))
    assert len(esbuild) == 23
    assert all(n.startswith("@esbuild/") for n, _ in esbuild)
    path = shortest_path(edges, "importer:.", _node(graph, "has-flag", "3.0.0"))
    by_id = {p.id: p for p in graph.packages}
    assert [(by_id[n].name, by_id[n].version) for n in path[1:]] == [
        ("@babel/code-frame", "7.22.13"),
        ("chalk", "2.4.2"),
        ("supports-color", "5.5.0"),
        ("has-flag", "3.0.0"),
    ]
    # Every edge points at a node of the graph.
    nodes = set(by_id) | {i.id for i in graph.importers}
    assert all(set(children) <= nodes for children in edges.values())


LINES = {
    "pnpm6": {"code-frame": 49, "chalk2": 293, "react-dom": 433, "core": 33},
    "pnpm7": {"code-frame": 49, "chalk2": 293, "react-dom": 433, "core": 33},
    "pnpm8": {"code-frame": 63, "chalk2": 307, "react-dom": 447, "core": 48},
    "pnpm9": {"code-frame": 325, "chalk2": 416, "react-dom": 499, "core": 48},
    "pnpm10": {"code-frame": 325, "chalk2": 416, "react-dom": 499, "core": 48},
}


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_fixture_line_of(case: Path) -> None:
    data = _case_bytes(case)
    graph = parse_bytes(data, "pnpm-lock.yaml")
    details = graph.details
    want = LINES[case.name]
    assert details.line_of(_node(graph, "@babel/code-frame", "7.22.13")) == want["code-frame"]
    assert details.line_of(_node(graph, "chalk", "2.4.2")) == want["chalk2"]
    assert details.line_of(_node(graph, "react-dom", "18.2.0")) == want["react-dom"]
    assert details.line_of("importer:packages/core") == want["core"]
    assert details.line_of("no-such-node") is None
    # Every node's line is the line of its key.
    lines = data.decode().split("\n")
    for pkg in graph.packages:
        line = details.line_of(pkg.id)
        assert line is not None, pkg.id
        text = lines[line - 1]
        key = pkg.id.removeprefix("importer:")
        assert text in (f"  {key}:", f"  '{key}':", f"  {key}: {{}}", f"  '{key}': {{}}"), pkg


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_fast_loader_matches_pyyaml_on_fixture(case: Path) -> None:
    text = _case_bytes(case).decode()
    full = _pnpm_yaml.load_yaml(text)
    assert _pnpm_yaml.load_fast(text) == full
    assert _pnpm_yaml.load_fast(text, pnpm._KEEP) == _prune(full, pnpm._KEEP)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_fallback_parse_matches_fast_parse_on_fixture(
    case: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _case_bytes(case)
    fast = _summary(pnpm.parse(data, "x"))
    _force_fallback(monkeypatch)
    assert _summary(pnpm.parse(data, "x")) == fast


def _force_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    def unsupported(text: str, keep: Any = None) -> dict[str, Any]:
        raise _pnpm_yaml.Unsupported("forced")

    monkeypatch.setattr(_pnpm_yaml, "load_fast", unsupported)


# ---------------------------------------------------------------------------------------------
# Hand-written shapes the fixtures do not cover

V54_SINGLE = """\
lockfileVersion: 5.4

specifiers:
  '@emotion/react': ^11.10.0
  '@types/react': ^18.0.0
  gitdep: github:user/repo#abcdef
  is-odd: 3.0.1
  local-thing: file:vendor/local-thing
  my-lodash: npm:lodash@4.17.20
  react: ^18.2.0
  styled: 1.0.0

dependencies:
  '@emotion/react': 11.10.0_jbkvxyfvdz2ac7wb6ppiyu4hxu
  gitdep: github.com/user/repo/abcdef
  is-odd: 3.0.1_kq4bzkbp7tm7ybbzmm5zwoijqa
  local-thing: file:vendor/local-thing
  my-lodash: /lodash/4.17.20
  react: 18.2.0
  styled: 1.0.0_b3cnd5yv5tlp4rfhy2ejaaxl7e

devDependencies:
  '@types/react': 18.0.0

patchedDependencies:
  is-odd@3.0.1:
    hash: kq4bzkbp7tm7ybbzmm5zwoijqa
    path: patches/is-odd@3.0.1.patch

packages:

  /@emotion/react/11.10.0_jbkvxyfvdz2ac7wb6ppiyu4hxu:
    resolution: {integrity: sha512-emotion==}
    peerDependencies:
      '@types/react': '*'
      react: '>=16.8.0'
    dependencies:
      '@types/react': 18.0.0
      react: 18.2.0
    dev: false

  /@types/react/18.0.0:
    resolution: {integrity: sha512-types==}
    dev: true

  /is-number/6.0.0:
    resolution: {integrity: sha512-isnumber==}
    engines: {node: '>=0.10.0'}
    dev: false

  /is-odd/3.0.1_kq4bzkbp7tm7ybbzmm5zwoijqa:
    resolution: {integrity: sha512-isodd==}
    dependencies:
      is-number: 6.0.0
    dev: false
    patched: true

  /lodash/4.17.20:
    resolution: {integrity: sha512-lodash==}
    dev: false

  /react/18.2.0:
    resolution: {integrity: sha512-react==}
    engines: {node: '>=0.10.0'}
    dev: false

  /styled/1.0.0_b3cnd5yv5tlp4rfhy2ejaaxl7e:
    resolution: {integrity: sha512-styled==}
    dependencies:
      '@emotion/react': 11.10.0_jbkvxyfvdz2ac7wb6ppiyu4hxu
    transitivePeerDependencies:
      - supports-color
    dev: false

  /with-scoped-peer/2.0.0_@types+react@18.0.0+react@18.2.0:
    resolution: {integrity: sha512-withpeer==}
    dev: false

  file:vendor/local-thing:
    resolution: {directory: vendor/local-thing, type: directory}
    name: local-thing
    version: 0.1.0
    dependencies:
      react: 18.2.0
    dev: false

  github.com/user/repo/abcdef:
    resolution: {tarball: https://codeload.github.com/user/repo/tar.gz/abcdef}
    name: repo-pkg
    version: 2.0.0
    dev: false
"""


def test_v54_single_project() -> None:
    graph = _parse_text(V54_SINGLE)
    by_id = {p.id: p for p in graph.packages}
    assert [(i.id, i.label) for i in graph.importers] == [("importer:.", "(root)")]

    def described(node: str) -> tuple[str, str, Source]:
        p = by_id[node]
        return (p.name, p.version, p.source)

    assert described("/@emotion/react/11.10.0_jbkvxyfvdz2ac7wb6ppiyu4hxu") == (
        "@emotion/react",
        "11.10.0",
        Source.REGISTRY,
    )
    assert described("/is-odd/3.0.1_kq4bzkbp7tm7ybbzmm5zwoijqa") == (
        "is-odd",
        "3.0.1",
        Source.REGISTRY,
    )
    assert described("/with-scoped-peer/2.0.0_@types+react@18.0.0+react@18.2.0") == (
        "with-scoped-peer",
        "2.0.0",
        Source.REGISTRY,
    )
    assert described("/lodash/4.17.20") == ("lodash", "4.17.20", Source.REGISTRY)
    assert described("file:vendor/local-thing") == ("local-thing", "0.1.0", Source.LOCAL)
    assert described("github.com/user/repo/abcdef") == ("repo-pkg", "2.0.0", Source.GIT)
    assert by_id["github.com/user/repo/abcdef"].resolved == (
        "https://codeload.github.com/user/repo/tar.gz/abcdef"
    )
    assert by_id["/react/18.2.0"].integrity == "sha512-react=="

    edges = graph.details.edges()
    assert set(edges["importer:."]) == {
        "/@emotion/react/11.10.0_jbkvxyfvdz2ac7wb6ppiyu4hxu",
        "github.com/user/repo/abcdef",
        "/is-odd/3.0.1_kq4bzkbp7tm7ybbzmm5zwoijqa",
        "file:vendor/local-thing",
        "/lodash/4.17.20",
        "/react/18.2.0",
        "/styled/1.0.0_b3cnd5yv5tlp4rfhy2ejaaxl7e",
        "/@types/react/18.0.0",
    }
    assert edges["/styled/1.0.0_b3cnd5yv5tlp4rfhy2ejaaxl7e"] == [
        "/@emotion/react/11.10.0_jbkvxyfvdz2ac7wb6ppiyu4hxu"
    ]
    assert edges["/@emotion/react/11.10.0_jbkvxyfvdz2ac7wb6ppiyu4hxu"] == [
        "/@types/react/18.0.0",
        "/react/18.2.0",
    ]
    assert edges["/is-odd/3.0.1_kq4bzkbp7tm7ybbzmm5zwoijqa"] == ["/is-number/6.0.0"]
    assert edges["file:vendor/local-thing"] == ["/react/18.2.0"]
    details = graph.details
    assert details.line_of("importer:.") == 13  # the top-level dependencies: line
    assert details.line_of("/lodash/4.17.20") == 58
    assert details.line_of("github.com/user/repo/abcdef") == 87


V60 = """\
lockfileVersion: '6.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

patchedDependencies:
  is-odd@3.0.1:
    hash: xyz
    path: patches/is-odd@3.0.1.patch

dependencies:
  '@mui/material':
    specifier: ^5.0.0
    version: 5.0.0(@types/react@18.0.0)(react@18.2.0)
  gitdep:
    specifier: github:user/repo#abc
    version: github.com/user/repo/abc
  is-odd:
    specifier: 3.0.1
    version: 3.0.1(patch_hash=xyz)
  my-lodash:
    specifier: npm:lodash@4.17.20
    version: /lodash@4.17.20
  shared:
    specifier: link:../shared
    version: link:../shared

packages:

  /@emotion/styled@11.0.0(@types/react@18.0.0)(react@18.2.0):
    resolution: {integrity: sha512-styled==}
    dependencies:
      '@types/react': 18.0.0
      react: 18.2.0
    dev: false

  /@mui/material@5.0.0(@types/react@18.0.0)(react@18.2.0):
    resolution: {integrity: sha512-mui==}
    dependencies:
      '@emotion/styled': 11.0.0(@types/react@18.0.0)(react@18.2.0)
      '@types/react': 18.0.0
      react: 18.2.0
    dev: false

  /@types/react@18.0.0:
    resolution: {integrity: sha512-types==}
    dev: false

  /is-number@6.0.0:
    resolution: {integrity: sha512-isnumber==}
    dev: false

  /is-odd@3.0.1(patch_hash=xyz):
    resolution: {integrity: sha512-isodd==}
    dependencies:
      is-number: 6.0.0
    dev: false

  /lodash@4.17.20:
    resolution: {integrity: sha512-lodash==}
    dev: false

  /react@18.2.0:
    resolution: {integrity: sha512-react==}
    dev: false

  github.com/user/repo/abc:
    resolution: {commit: abc, repo: https://github.com/user/repo.git, type: git}
    name: repo-pkg
    version: 2.0.0
    dev: false
"""


def test_v60_single_project_peers_patches_git_links() -> None:
    graph = _parse_text(V60)
    by_id = {p.id: p for p in graph.packages}
    mui = "/@mui/material@5.0.0(@types/react@18.0.0)(react@18.2.0)"
    styled = "/@emotion/styled@11.0.0(@types/react@18.0.0)(react@18.2.0)"
    assert (by_id[mui].name, by_id[mui].version) == ("@mui/material", "5.0.0")
    assert (by_id[styled].name, by_id[styled].version) == ("@emotion/styled", "11.0.0")
    patched = by_id["/is-odd@3.0.1(patch_hash=xyz)"]
    assert (patched.name, patched.version, patched.source) == ("is-odd", "3.0.1", Source.REGISTRY)
    git = by_id["github.com/user/repo/abc"]
    assert (git.name, git.version, git.source) == ("repo-pkg", "2.0.0", Source.GIT)
    assert git.resolved == "https://github.com/user/repo.git#abc"
    shared = by_id["link:../shared"]
    assert (shared.name, shared.source) == ("shared", Source.LOCAL)

    edges = graph.details.edges()
    assert set(edges["importer:."]) == {
        mui,
        "github.com/user/repo/abc",
        "/is-odd@3.0.1(patch_hash=xyz)",
        "/lodash@4.17.20",
        "link:../shared",
    }
    assert edges[mui] == [styled, "/@types/react@18.0.0", "/react@18.2.0"]
    assert edges["/is-odd@3.0.1(patch_hash=xyz)"] == ["/is-number@6.0.0"]
    assert graph.details.line_of(mui) == 38
    assert graph.details.line_of("importer:.") == 12


V90 = """\
lockfileVersion: '9.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

patchedDependencies:
  is-odd@3.0.1:
    hash: xyz
    path: patches/is-odd@3.0.1.patch

importers:

  .:
    dependencies:
      '@acme/lib':
        specifier: workspace:*
        version: link:libs/lib
      alias-scoped:
        specifier: npm:@types/node@20.0.0
        version: '@types/node@20.0.0'
      gitdep:
        specifier: github:user/repo#abc
        version: repo-pkg@git+https://github.com/user/repo.git#abc
      is-odd:
        specifier: 3.0.1
        version: 3.0.1(patch_hash=xyz)
      local-thing:
        specifier: file:vendor/local-thing
        version: file:vendor/local-thing
      my-lodash:
        specifier: npm:lodash@4.17.20
        version: npm:lodash@4.17.20
      other-lodash:
        specifier: npm:lodash@4.17.21
        version: lodash@4.17.21
    devDependencies:
      codeload:
        specifier: github:user/other
        version: https://codeload.github.com/user/other/tar.gz/def
    optionalDependencies:
      fsevents:
        specifier: 2.3.3
        version: 2.3.3

  libs/lib:
    dependencies:
      is-odd:
        specifier: 3.0.1
        version: 3.0.1(patch_hash=xyz)

packages:

  '@types/node@20.0.0':
    resolution: {integrity: sha512-node==}

  codeload@https://codeload.github.com/user/other/tar.gz/def:
    resolution: {tarball: https://codeload.github.com/user/other/tar.gz/def}
    version: 0.0.1

  fsevents@2.3.3:
    resolution: {integrity: sha512-fsevents==}
    engines: {node: ^8.16.0 || ^10.6.0 || >=11.0.0}
    os: [darwin]

  is-number@6.0.0:
    resolution: {integrity: sha512-isnumber==}

  is-odd@3.0.1:
    resolution: {integrity: sha512-isodd==}

  local-thing@file:vendor/local-thing:
    resolution: {directory: vendor/local-thing, type: directory}
    version: 0.1.0

  lodash@4.17.20:
    resolution: {integrity: sha512-lodash20==}

  lodash@4.17.21:
    resolution: {integrity: sha512-lodash21==}

  repo-pkg@git+https://github.com/user/repo.git#abc:
    resolution: {commit: abc, repo: https://github.com/user/repo.git, type: git}
    version: 2.0.0

snapshots:

  '@types/node@20.0.0': {}

  codeload@https://codeload.github.com/user/other/tar.gz/def: {}

  fsevents@2.3.3:
    optional: true

  is-number@6.0.0: {}

  is-odd@3.0.1(patch_hash=xyz):
    dependencies:
      is-number: 6.0.0

  local-thing@file:vendor/local-thing:
    dependencies:
      '@acme/lib': link:libs/lib

  lodash@4.17.20: {}

  lodash@4.17.21: {}

  repo-pkg@git+https://github.com/user/repo.git#abc: {}
"""


def test_v90_aliases_git_file_patch_links() -> None:
    graph = _parse_text(V90)
    by_id = {p.id: p for p in graph.packages}

    def described(node: str) -> tuple[str, str, Source]:
        p = by_id[node]
        return (p.name, p.version, p.source)

    assert described("@types/node@20.0.0") == ("@types/node", "20.0.0", Source.REGISTRY)
    assert described("is-odd@3.0.1(patch_hash=xyz)") == ("is-odd", "3.0.1", Source.REGISTRY)
    assert described("local-thing@file:vendor/local-thing") == (
        "local-thing",
        "0.1.0",
        Source.LOCAL,
    )
    assert described("repo-pkg@git+https://github.com/user/repo.git#abc") == (
        "repo-pkg",
        "2.0.0",
        Source.GIT,
    )
    assert described("codeload@https://codeload.github.com/user/other/tar.gz/def") == (
        "codeload",
        "0.0.1",
        Source.GIT,
    )
    assert described("importer:libs/lib") == ("@acme/lib", "", Source.LOCAL)
    assert by_id["lodash@4.17.20"].integrity == "sha512-lodash20=="
    assert [(i.id, i.label) for i in graph.importers] == [
        ("importer:.", "(root)"),
        ("importer:libs/lib", "@acme/lib"),
    ]
    edges = graph.details.edges()
    assert set(edges["importer:."]) == {
        "importer:libs/lib",
        "@types/node@20.0.0",
        "repo-pkg@git+https://github.com/user/repo.git#abc",
        "is-odd@3.0.1(patch_hash=xyz)",
        "local-thing@file:vendor/local-thing",
        "lodash@4.17.20",
        "lodash@4.17.21",
        "codeload@https://codeload.github.com/user/other/tar.gz/def",
        "fsevents@2.3.3",
    }
    assert edges["importer:libs/lib"] == ["is-odd@3.0.1(patch_hash=xyz)"]
    assert edges["local-thing@file:vendor/local-thing"] == ["importer:libs/lib"]
    assert edges["is-odd@3.0.1(patch_hash=xyz)"] == ["is-number@6.0.0"]
    assert graph.details.line_of("is-odd@3.0.1(patch_hash=xyz)") == 97
    assert graph.details.line_of("importer:libs/lib") == 46


def test_v90_tarball_without_version_field() -> None:
    text = """\
lockfileVersion: '9.0'

importers:

  .:
    dependencies:
      thing:
        specifier: https://example.com/thing.tgz
        version: https://example.com/thing.tgz

packages:

  thing@https://example.com/thing.tgz:
    resolution: {tarball: https://example.com/thing.tgz}

snapshots:

  thing@https://example.com/thing.tgz: {}
"""
    graph = _parse_text(text)
    (pkg,) = graph.packages
    assert pkg == LockedPackage(
        "thing@https://example.com/thing.tgz",
        "thing",
        "",
        Source.TARBALL,
        None,
        "https://example.com/thing.tgz",
    )
    assert graph.details.edges()["importer:."] == ["thing@https://example.com/thing.tgz"]


ENV_LOCKFILE = """\
---
lockfileVersion: '9.0'

importers:

  .:
    configDependencies:
      my-config:
        specifier: 1.0.0
        version: 1.0.0

packages:

  my-config@1.0.0:
    resolution: {integrity: sha512-config==}

snapshots:

  my-config@1.0.0: {}

---
lockfileVersion: '9.0'

importers:

  .:
    dependencies:
      is-odd:
        specifier: 3.0.1
        version: 3.0.1

packages:

  is-number@6.0.0:
    resolution: {integrity: sha512-isnumber==}

  is-odd@3.0.1:
    resolution: {integrity: sha512-isodd==}

snapshots:

  is-number@6.0.0: {}

  is-odd@3.0.1:
    dependencies:
      is-number: 6.0.0
"""


def test_env_document_before_the_lockfile() -> None:
    """pnpm 10+ writes config dependencies in a first YAML document (seen with pnpm 12.21)."""
    assert pnpm.sniff(ENV_LOCKFILE.encode())
    graph = parse_bytes(ENV_LOCKFILE.encode(), "pnpm-lock.yaml")
    assert {(p.id, p.name, p.version) for p in graph.packages} == {
        ("my-config@1.0.0", "my-config", "1.0.0"),
        ("is-odd@3.0.1", "is-odd", "3.0.1"),
        ("is-number@6.0.0", "is-number", "6.0.0"),
    }
    assert [i.id for i in graph.importers] == ["importer:."]
    edges = graph.details.edges()
    assert set(edges["importer:."]) == {"is-odd@3.0.1", "my-config@1.0.0"}
    # Lines point into the project's document, the last one.
    assert graph.details.line_of("is-odd@3.0.1") == 44
    assert graph.details.line_of("my-config@1.0.0") == 19
    assert graph.details.line_of("importer:.") == 26


def test_empty_project() -> None:
    graph = _parse_text("lockfileVersion: '9.0'\n\nimporters:\n\n  .: {}\n")
    assert list(graph.packages) == []
    assert [i.id for i in graph.importers] == ["importer:."]
    assert graph.details.edges() == {"importer:.": []}


def test_crlf_and_comments_use_the_fallback_with_the_same_result() -> None:
    text = V90.replace("\n", "\r\n").replace("snapshots:", "snapshots:  # end", 1)
    assert _summary(_parse_text(text)) == _summary(_parse_text(V90))


# ---------------------------------------------------------------------------------------------
# Errors


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"lockfileVersion: '9.0'\nimporters: {\xff}\n", "not valid UTF-8"),
        (b"lockfileVersion: '4.0'\n", "unsupported pnpm lockfileVersion '4.0'"),
        (b"lockfileVersion: '10.0'\n", "unsupported pnpm lockfileVersion"),
        (b"importers: {}\n", "missing or invalid lockfileVersion"),
        (b"lockfileVersion: [1]\n", "missing or invalid lockfileVersion"),
        (b"- lockfileVersion\n", "top level is not a mapping"),
        (b"lockfileVersion: '9.0'\npackages: [a, b]\n", "expected a mapping"),
        (b"lockfileVersion: '9.0'\nimporters:\n  .: [x]\n", "expected a mapping"),
        (
            b"lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n"
            b"      a: {specifier: x}\n",
            "expected a string",
        ),
        (
            b"lockfileVersion: '9.0'\npackages:\n  a@1.0.0:\n    resolution: {integrity: x}\n",
            "truncated",
        ),
        (b"lockfileVersion: '9.0'\nsnapshots:\n  a@1.0.0:\n", "truncated"),
        (b"lockfileVersion: 5.4\npackages:\n  /a/1.0.0:\n    dev: false\n", "without resolution"),
        (b"lockfileVersion: 5.4\npackages:\n  /a/1.0.0:\n", "truncated"),
        (b"lockfileVersion: 5.4\ndependencies:\n  a: 1.0.0\n", "not in the lockfile"),
        (b"lockfileVersion: '9.0'\nimporters: {\n", "invalid YAML"),
        (b"lockfileVersion: '9.0'\n" + b"[" * 5000 + b"\n", "invalid YAML"),
        (b"a: &a [x, x]\nb: &b [*a, *a]\nlockfileVersion: *b\n", "YAML anchor or alias"),
    ],
)
def test_errors(data: bytes, message: str) -> None:
    with pytest.raises(LockfileError) as info:
        pnpm.parse(data, "dir/pnpm-lock.yaml")
    assert info.value.path == "dir/pnpm-lock.yaml"
    assert message in str(info.value)
    assert str(info.value).startswith("dir/pnpm-lock.yaml: ")


@pytest.mark.parametrize("before", ["", "# é\n"])
def test_a_control_character_is_refused_naming_its_line(before: str) -> None:
    """A reader error (a control character) has no mark, only an offset (libyaml's in bytes):
    the error still names the line and column, never the text."""
    data = (
        f"{before}lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      axios:\n"
        "        specifier: 1.14.1\n        version: 1.14.1\x07secret\n"
    ).encode()
    with pytest.raises(LockfileError) as info:
        pnpm.parse(data, "p.yaml")
    line = 7 + before.count("\n")
    assert info.value.json_path == f"line {line} column 24"
    assert "control characters are not allowed" in str(info.value)
    assert "secret" not in str(info.value)


def test_error_names_the_yaml_path() -> None:
    data = b"lockfileVersion: '9.0'\npackages:\n  a@1.0.0:\n    resolution: {integrity: [x]}\n"
    with pytest.raises(LockfileError) as info:
        pnpm.parse(data + b"snapshots:\n  a@1.0.0: {}\n", "p.yaml")
    assert info.value.json_path == "packages['a@1.0.0'].resolution.integrity"


def test_deep_block_nesting() -> None:
    deep = "".join(f"{'  ' * i}k{i}:\n" for i in range(3000))
    # read without a RecursionError; a header with no importers or packages is a cut file
    with pytest.raises(LockfileError, match="no importers or packages"):
        _parse_text("lockfileVersion: '9.0'\n" + deep)
    graph = _parse_text("lockfileVersion: '9.0'\nimporters:\n  .: {}\n" + deep)
    assert [i.id for i in graph.importers] == ["importer:."]


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_truncated_at_every_line(case: Path) -> None:
    """A cut file is an error, or (cut between entries) parses to a subset of the packages.

    (A cut inside ``importers`` may leave ``link:`` targets that are no longer importers: those
    LOCAL packages get ``link:`` ids, so only non-LOCAL packages are compared. A cut inside the
    last entry of a tarball package may drop its ``version`` field: it then reads "".)
    """
    data = _case_bytes(case)
    full = {(p.id, p.name, p.version, p.source) for p in pnpm.parse(data, "x").packages}
    full |= {(p.id, p.name, "", p.source) for p in pnpm.parse(data, "x").packages}
    offsets = [i + 1 for i, b in enumerate(data) if b == 0x0A][:-1]
    errors = 0
    for cut in offsets + [o - 3 for o in offsets if o > 3]:
        try:
            graph = pnpm.parse(data[:cut], "x")
        except LockfileError:
            errors += 1
            continue
        got = {(p.id, p.name, p.version, p.source) for p in graph.packages}
        assert {g for g in got if g[3] is not Source.LOCAL} <= full, cut
        graph.details.edges()
    assert errors > len(offsets) // 2


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_truncated_anywhere(data: st.DataObject) -> None:
    raw = _case_bytes(data.draw(st.sampled_from(CASES)))
    cut = data.draw(st.integers(min_value=0, max_value=len(raw)))
    try:
        graph = pnpm.parse(raw[:cut], "x")
    except LockfileError:
        return
    full = {p.id for p in pnpm.parse(raw, "x").packages}
    assert {p.id for p in graph.packages if p.source is not Source.LOCAL} <= full


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=400))
def test_garbage_bytes(raw: bytes) -> None:
    for data in (raw, b"lockfileVersion: '9.0'\n" + raw, b"lockfileVersion: 5.4\n" + raw):
        try:
            graph = pnpm.parse(data, "x")
        except LockfileError:
            continue
        graph.details.edges()
        for pkg in graph.packages:
            graph.details.line_of(pkg.id)


YAMLISH = st.text(alphabet=" \n:-'\"{}[],#&*!|>@/.()_ab19", max_size=200)


@settings(max_examples=1000, deadline=None)
@given(YAMLISH)
def test_fast_loader_never_disagrees_with_pyyaml(text: str) -> None:
    """The fast loader either gives up or returns exactly what PyYAML returns."""
    try:
        fast: Any = _pnpm_yaml.load_fast(text)
    except _pnpm_yaml.Unsupported:
        return
    try:
        slow = _pnpm_yaml.load_yaml(text)
    except yaml.YAMLError:
        pytest.fail(f"fast loader accepted text PyYAML rejects: {text!r} -> {fast!r}")
    assert fast == (slow if slow is not None else {})


@pytest.mark.parametrize(
    "line",
    [
        "engines: {n,ode: '>=12'}",
        "engines: {a, b: '1'}",
        "engines: {a,b: c, d: '1'}",
        # found by the mutation test below: an unterminated double quote is not a plain key
        "engines: {\"node: '>=6.0'}",
        "engines: {'node: '>=6.0'}",
    ],
)
def test_odd_flow_keys_are_read_as_pyyaml_reads_them_or_left_to_it(line: str) -> None:
    # Found by the mutation test below: the key must not swallow the comma.
    try:
        fast = _pnpm_yaml.load_fast(line + "\n")
    except _pnpm_yaml.Unsupported:
        return
    try:
        slow = _pnpm_yaml.load_yaml(line + "\n")
    except yaml.YAMLError:
        pytest.fail(f"fast loader accepted text PyYAML rejects: {line!r} -> {fast!r}")
    assert fast == slow


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fast_loader_on_mutated_fixture(data: st.DataObject) -> None:
    lines = _case_bytes(data.draw(st.sampled_from(CASES))).decode().split("\n")
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(lines) - 1))
        line = lines[i]
        j = data.draw(st.integers(0, len(line)))
        junk = data.draw(st.text(alphabet=" :-'\"{}[],#@/()", max_size=3))
        lines[i] = line[:j] + junk + line[j:]
    text = "\n".join(lines)
    try:
        fast = _pnpm_yaml.load_fast(text)
    except _pnpm_yaml.Unsupported:
        return
    try:
        slow = _pnpm_yaml.load_yaml(text)
    except yaml.YAMLError:
        pytest.fail(f"fast loader accepted text PyYAML rejects: {text!r}")
    assert fast == slow


# Lockfile-shaped documents written the way pnpm writes them.

NAME = st.text(
    alphabet=string.ascii_lowercase + string.digits + "-.", min_size=1, max_size=8
).filter(lambda s: s[0] not in "-." and s not in ("null", "true", "false"))
SCOPED = st.builds(lambda s, n: f"@{s}/{n}", NAME, NAME)
PKG_NAME = st.one_of(NAME, SCOPED)
VERSION = st.builds(
    lambda a, b, c, pre: f"{a}.{b}.{c}{pre}",
    st.integers(0, 30),
    st.integers(0, 30),
    st.integers(0, 30),
    st.sampled_from(["", "-beta.1", "-rc.0+build.5", "+sha.1"]),
)


def _q(text: str) -> str:
    return f"'{text}'" if text[0] in "@'" or text in ("null", "true", "false") else text


@st.composite
def lockfile_v9(draw: st.DrawFn) -> str:
    names = draw(st.lists(PKG_NAME, min_size=1, max_size=12, unique=True))
    pkgs = [(n, draw(VERSION)) for n in names]
    peers = draw(st.sets(st.integers(0, len(pkgs) - 1)))
    peer_name, peer_version = pkgs[0]

    def ref(i: int) -> str:
        v = pkgs[i][1]
        return f"{v}({peer_name}@{peer_version})" if i in peers and i != 0 else v

    out = ["lockfileVersion: '9.0'", "", "settings:", "  autoInstallPeers: true", ""]
    out += ["importers:", "", "  .:"]
    direct = draw(st.sets(st.integers(0, len(pkgs) - 1), min_size=1))
    out.append("    dependencies:")
    for i in sorted(direct, key=lambda i: pkgs[i][0]):
        out += [f"      {_q(pkgs[i][0])}:", f"        specifier: ^{pkgs[i][1]}"]
        out.append(f"        version: {_q(ref(i))}")
    out += ["", "packages:", ""]
    for name, version in sorted(pkgs):
        out.append(f"  {_q(name + '@' + version)}:")
        out.append(f"    resolution: {{integrity: sha512-{draw(NAME)}==}}")
        if draw(st.booleans()):
            out.append("    engines: {node: '>=14'}")
        if draw(st.booleans()):
            out += ["    cpu: [x64, arm64]", "    os: ['!win32']"]
        out.append("")
    out += ["snapshots:", ""]
    for i in sorted(range(len(pkgs)), key=lambda i: pkgs[i][0]):
        key = f"{pkgs[i][0]}@{ref(i)}"
        deps = draw(st.sets(st.integers(0, len(pkgs) - 1), max_size=4)) - {i}
        if not deps:
            out += [f"  {_q(key)}: {{}}", ""]
            continue
        out += [f"  {_q(key)}:", "    dependencies:"]
        out += [f"      {_q(pkgs[j][0])}: {ref(j)}" for j in sorted(deps, key=lambda j: pkgs[j][0])]
        if draw(st.booleans()):
            out += ["    transitivePeerDependencies:", "      - supports-color"]
        out.append("")
    return "\n".join(out)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lockfile_v9())
def test_generated_lockfiles_fast_and_fallback_agree(text: str) -> None:
    full = _pnpm_yaml.load_yaml(text)
    assert _pnpm_yaml.load_fast(text) == full
    assert _pnpm_yaml.load_fast(text, pnpm._KEEP) == _prune(full, pnpm._KEEP)
    fast = _summary(_parse_text(text))
    with pytest.MonkeyPatch.context() as mp:
        _force_fallback(mp)
        assert _summary(_parse_text(text)) == fast
    # Every snapshot is a node with the name and version of its key.
    graph = _parse_text(text)
    for pkg in graph.packages:
        name, _, version = pkg.id.partition("(")[0].rpartition("@")
        assert (pkg.name, pkg.version) == (name, version)


SCALAR = st.one_of(
    st.text(alphabet=string.ascii_letters + string.digits + " -_.:/@'\"#{}[],", max_size=12),
    st.booleans(),
    st.none(),
)
TREE = st.recursive(
    SCALAR,
    lambda kids: st.one_of(
        st.lists(kids, max_size=3),
        st.dictionaries(
            st.text(alphabet=string.ascii_letters + " -:@'", min_size=1, max_size=6),
            kids,
            max_size=3,
        ),
    ),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(
    st.dictionaries(
        st.text(alphabet=string.ascii_letters, min_size=1, max_size=6), TREE, max_size=4
    )
)
def test_fast_loader_on_pyyaml_dumps(doc: dict[str, Any]) -> None:
    for text in (
        yaml.safe_dump(doc, default_flow_style=False),
        yaml.safe_dump(doc, default_flow_style=None),
        yaml.safe_dump(doc, default_flow_style=False, indent=4),
    ):
        try:
            fast = _pnpm_yaml.load_fast(text)
        except _pnpm_yaml.Unsupported:
            continue
        assert fast == _pnpm_yaml.load_yaml(text), text


def test_a_flow_key_with_a_space_before_its_colon_reads_as_pyyaml_reads_it() -> None:
    # Found by test_fast_loader_on_mutated_fixture: the one-pair shortcut kept the space.
    text = "engines: {node : '>=12'}\n"
    assert _pnpm_yaml.load_fast(text) == _pnpm_yaml.load_yaml(text) == {"engines": {"node": ">=12"}}


# pnpm 1 and 2 wrote ``shrinkwrap.yaml`` (``shrinkwrapVersion: 3``). Written by hand from that
# format: pnpm 2.25 does not run on node 20 (graceful-fs's ``cb.apply is not a function``), so
# the real tool could not make it here. A directory scan used to say "no lockfile or
# package.json found", CLEAN; the file is now picked up by name and refused.
PNPM2_SHRINKWRAP = b"""shrinkwrapVersion: 3
shrinkwrapMinorVersion: 9
registry: 'https://registry.npmjs.org/'
specifiers:
  axios: ^1.14.0
dependencies:
  axios: 1.14.1
packages:
  /axios/1.14.1:
    dev: false
    resolution:
      integrity: sha512-AAAA
"""


def test_a_pnpm_2_shrinkwrap_is_refused_by_name_and_in_a_directory(tmp_path: Path) -> None:
    with pytest.raises(LockfileError) as err:
        parse_bytes(PNPM2_SHRINKWRAP, "shrinkwrap.yaml")
    assert str(err.value).startswith("shrinkwrap.yaml: shrinkwrapVersion: a pnpm 1-2 shrinkwrap")
    assert "1.14.1" not in str(err.value)
    (tmp_path / "shrinkwrap.yaml").write_bytes(PNPM2_SHRINKWRAP)
    result = run_cli("-dir", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 1, result.stdout
    assert "a pnpm 1-2 shrinkwrap" in result.stderr
