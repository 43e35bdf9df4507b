"""Lockfiles nobody here wrote, read the way an attacker or a bad merge would shape them: a
compromised package present in the file must be found or the file refused (exit 2 or 1), never a
CLEAN (exit 0). Each case is run end to end (``gouvernante -rules R -lockfile F``).

What the real tools do, which decides "refuse" over "read like the tool":
- pnpm reads its lockfile with js-yaml's default ``load``, which throws on a mapping key given
  twice, and refuses a dependency reference with no entry ("Broken lockfile: no entry for").
- bun refuses a ``packages`` key given twice ("Duplicate package path") and a non-optional
  dependency no entry answers.
- npm reads ``package-lock.json`` with ``JSON.parse`` (a repeated key: the last one wins, as
  here) and reports a dependency no entry answers as ``missing`` (``npm ls``); ``npm install``
  then resolves it from the registry: what is installed is not in the file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gouvernante.cli import main
from gouvernante.lockfiles import npm
from helpers import compromised_rules

RULES = compromised_rules("HOSTILE-1")

CLEAN, ERROR, FINDINGS = 0, 1, 2


def _scan(tmp_path: Path, name: str, data: str | bytes) -> int:
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(RULES), encoding="utf-8")
    folder = tmp_path / "project"
    folder.mkdir(exist_ok=True)
    lockfile = folder / name
    lockfile.write_bytes(data.encode() if isinstance(data, str) else data)
    return main(["-rules", str(rules), "-lockfile", str(lockfile)])


# --------------------------------------------------------------------------------------------
# pnpm: a key given twice (pnpm refuses the file)

_PNPM9_HEAD = """lockfileVersion: '9.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

importers:

  .:
    dependencies:
      ok:
        specifier: ^1.0.0
        version: 1.0.0
"""

_PNPM9_SECTIONS_TWICE = (
    _PNPM9_HEAD
    + """
packages:

  evil@1.0.1:
    resolution: {integrity: sha512-BBBB}

snapshots:

  evil@1.0.1: {}

packages:

  ok@1.0.0:
    resolution: {integrity: sha512-AAAA}

snapshots:

  ok@1.0.0: {}
"""
)

_PNPM6_SECTION_TWICE = """lockfileVersion: '6.0'

dependencies:
  ok:
    specifier: ^1.0.0
    version: 1.0.0

packages:

  /evil@1.0.1:
    resolution: {integrity: sha512-BBBB}
    dev: false

packages:

  /ok@1.0.0:
    resolution: {integrity: sha512-AAAA}
    dev: false
"""

_PNPM9_ENTRY_TWICE = """
packages:

  ok@1.0.0:
    resolution: {integrity: sha512-AAAA}

snapshots:

  ok@1.0.0:
    dependencies:
      evil: 1.0.1

  ok@1.0.0: {}
"""

_PNPM9_IMPORTER_DEP_TWICE = (
    _PNPM9_HEAD
    + """      ok:
        specifier: ^1.0.0
        version: 1.0.1

packages:

  ok@1.0.0:
    resolution: {integrity: sha512-AAAA}

  ok@1.0.1:
    resolution: {integrity: sha512-AAAA}

snapshots:

  ok@1.0.0: {}

  ok@1.0.1: {}
"""
)

_PNPM9_SNAPSHOT_DEP_TWICE = (
    _PNPM9_HEAD
    + """
packages:

  evil@1.0.0:
    resolution: {integrity: sha512-AAAA}

  evil@1.0.1:
    resolution: {integrity: sha512-BBBB}

  ok@1.0.0:
    resolution: {integrity: sha512-AAAA}

snapshots:

  evil@1.0.0: {}

  evil@1.0.1: {}

  ok@1.0.0:
    dependencies:
      evil: 1.0.1
      evil: 1.0.0
"""
)


@pytest.mark.parametrize(
    "text",
    [
        _PNPM9_SECTIONS_TWICE,
        _PNPM6_SECTION_TWICE,
        _PNPM9_SECTIONS_TWICE.replace("\n", "\r\n"),  # the PyYAML path
        _PNPM6_SECTION_TWICE.replace("  /ok@", "  # c\n  /ok@"),  # a comment: PyYAML too
        _PNPM9_HEAD + _PNPM9_ENTRY_TWICE,
        (_PNPM9_HEAD + _PNPM9_ENTRY_TWICE).replace("\n", "\r\n"),
    ],
    ids=["v9-sections", "v6-section", "crlf", "comment", "v9-entry", "v9-entry-crlf"],
)
def test_pnpm_key_given_twice_is_refused(tmp_path: Path, text: str) -> None:
    assert _scan(tmp_path, "pnpm-lock.yaml", text) == ERROR


@pytest.mark.parametrize(
    "text", [_PNPM9_IMPORTER_DEP_TWICE, _PNPM9_SNAPSHOT_DEP_TWICE], ids=["importer", "snapshot"]
)
def test_pnpm_dependency_named_twice_still_finds_every_entry(tmp_path: Path, text: str) -> None:
    """A dependency named twice in one map is read last-wins (pnpm refuses the file): every
    entry is still a package and the first reference is still checked (it must point at an
    entry), so nothing is hidden (decision 0029). A field given twice in an entry is refused:
    test_pnpm_references.py."""
    assert _scan(tmp_path, "pnpm-lock.yaml", text) != CLEAN or "evil" not in text


# --------------------------------------------------------------------------------------------
# pnpm: a dependency reference no entry answers (pnpm refuses the file)

_PNPM9_DROPPED = (
    _PNPM9_HEAD
    + """
packages:

  ok@1.0.0:
    resolution: {integrity: sha512-AAAA}

snapshots:

  ok@1.0.0:
    dependencies:
      evil: 1.0.1
"""
)

_PNPM6_DROPPED = """lockfileVersion: '6.0'

dependencies:
  ok:
    specifier: ^1.0.0
    version: 1.0.0

packages:

  /ok@1.0.0:
    resolution: {integrity: sha512-AAAA}
    dependencies:
      evil: 1.0.1
    dev: false
"""

_PNPM5_DROPPED = """lockfileVersion: 5.4

specifiers:
  ok: ^1.0.0

dependencies:
  ok: 1.0.0

packages:

  /ok/1.0.0:
    resolution: {integrity: sha512-AAAA}
    dependencies:
      evil: 1.0.1
    dev: false
"""


@pytest.mark.parametrize(
    "text",
    [
        _PNPM9_DROPPED,
        _PNPM6_DROPPED,
        _PNPM5_DROPPED,
        _PNPM9_DROPPED.replace("\n", "\r\n"),
        _PNPM9_DROPPED.replace("      evil: 1.0.1", "      evil: 1.0.1(peer@1.0.0)"),
        _PNPM9_DROPPED.replace("    dependencies:", "    optionalDependencies:"),
    ],
    ids=["v9", "v6", "v5.4", "v9-crlf", "v9-peer-suffix", "v9-optional"],
)
def test_pnpm_dependency_without_entry_is_refused(tmp_path: Path, text: str) -> None:
    assert _scan(tmp_path, "pnpm-lock.yaml", text) == ERROR


def test_pnpm_link_dependency_needs_no_entry(tmp_path: Path) -> None:
    text = _PNPM9_DROPPED.replace("      evil: 1.0.1", "      evil: link:../evil")
    assert _scan(tmp_path, "pnpm-lock.yaml", text) == CLEAN


# --------------------------------------------------------------------------------------------
# bun.lock: a packages key given twice (bun refuses: "Duplicate package path")

_BUN_TWICE = """{
  "lockfileVersion": 1,
  "workspaces": {
    "": {
      "name": "app",
      "dependencies": {
        "evil": "^1.0.0",
      },
    },
  },
  "packages": {
    "evil": ["evil@1.0.1", "", {}, "sha512-AAAA"],

    "evil": ["evil@1.0.0", "", {}, "sha512-BBBB"],
  }
}
"""


@pytest.mark.parametrize(
    "text",
    [
        _BUN_TWICE,
        # both on one line, and the key written with an escape
        _BUN_TWICE.replace('"sha512-AAAA"],\n\n    "evil"', '"sha512-AAAA"], "\\u0065vil"'),
        # a workspace given twice: the first one's dependencies are lost
        _BUN_TWICE.replace('"workspaces": {', '"workspaces": {\n    "": {"name": "x"},'),
    ],
    ids=["lines", "one-line-escaped", "workspace"],
)
def test_bun_key_given_twice_is_refused(tmp_path: Path, text: str) -> None:
    assert _scan(tmp_path, "bun.lock", text) == ERROR


# --------------------------------------------------------------------------------------------
# npm v2/v3: a dependency no entry answers (npm ls: "missing"; npm install fetches it)


def _npm(packages: dict[str, object], version: int = 3, root_deps: bool = True) -> str:
    root: dict[str, object] = {"name": "app", "version": "1.0.0"}
    if root_deps:
        root["dependencies"] = {"evil": "^1.0.0"}
    doc = {
        "name": "app",
        "version": "1.0.0",
        "lockfileVersion": version,
        "requires": True,
        "packages": {"": root, **packages},
    }
    return json.dumps(doc, indent=2)


_A = {"version": "1.0.0", "resolved": "https://registry.npmjs.org/a/-/a-1.0.0.tgz"}
_B = {"version": "1.0.0", "resolved": "https://registry.npmjs.org/b/-/b-1.0.0.tgz"}


@pytest.mark.parametrize("lean", [False, True], ids=["whole-decode", "big-file-path"])
@pytest.mark.parametrize(
    "text",
    [
        _npm({}),
        _npm({}, version=2),
        _npm({"node_modules/evil": {**_A, "dependencies": {"evil-dep": "^1.0.0"}}}),
        # a workspace's dependency (its own node_modules, then the root's: neither has it)
        _npm(
            {
                "node_modules/ws": {"resolved": "packages/ws", "link": True},
                "packages/ws": {"name": "ws", "dependencies": {"evil": "^1.0.0"}},
                "packages/ws/node_modules/other": _A,
            },
            root_deps=False,
        ),
    ],
    ids=["v3-root", "v2-root", "v3-transitive", "v3-workspace"],
)
def test_npm_dependency_without_entry_is_an_error(
    tmp_path: Path, text: str, lean: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if lean:  # the big-file path (entries kept as text) for any size
        monkeypatch.setattr(npm, "LEAN_BYTES", 0)
    assert _scan(tmp_path, "package-lock.json", text) == ERROR


def test_npm_dependency_answered_up_the_folders_is_no_error(tmp_path: Path) -> None:
    # a workspace's dependency answered by the root's node_modules, a nested one by its own
    text = _npm(
        {
            "node_modules/ws": {"resolved": "packages/ws", "link": True},
            "packages/ws": {"name": "ws", "devDependencies": {"a": "^1.0.0"}},
            "node_modules/a": {**_A, "dependencies": {"b": "^2.0.0"}},
            "node_modules/a/node_modules/b": {
                "version": "2.0.0",
                "resolved": "https://registry.npmjs.org/b/-/b-2.0.0.tgz",
            },
        },
        root_deps=False,
    )
    assert _scan(tmp_path, "package-lock.json", text) == CLEAN


def test_npm_unanswered_optional_and_peer_dependencies_are_not_errors(tmp_path: Path) -> None:
    """npm leaves other platforms' optional dependencies out of some lockfiles (npm/cli#4828)
    and does not always install peers: neither is a sign of a cut file."""
    evil = {
        "version": "1.0.0",
        "resolved": "https://registry.npmjs.org/evil/-/evil-1.0.0.tgz",
        "optionalDependencies": {"evil-linux-x64": "1.0.0"},
        "peerDependencies": {"react": "*"},
    }
    assert _scan(tmp_path, "package-lock.json", _npm({"node_modules/evil": evil})) == CLEAN


@pytest.mark.parametrize("lean", [False, True], ids=["whole-decode", "big-file-path"])
@pytest.mark.parametrize(
    "key", ["node_modules\\evil", "node_modules\\a\\node_modules\\evil", "node_modules/a\\..\\evil"]
)
def test_npm_windows_separator_in_a_key_is_the_package_npm_installs(
    tmp_path: Path, key: str, lean: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """npm on Windows installs ``node_modules\\evil`` as ``node_modules/evil``: read as a folder
    of the project, the compromised package scanned CLEAN."""
    if lean:
        monkeypatch.setattr(npm, "LEAN_BYTES", 0)
    evil = {"version": "1.0.1", "resolved": "https://registry.npmjs.org/evil/-/evil-1.0.1.tgz"}
    packages: dict[str, object] = {key: evil}
    if "\\a\\" in key:
        packages["node_modules/a"] = _A
    assert _scan(tmp_path, "package-lock.json", _npm(packages, root_deps=False)) == FINDINGS


def test_npm_a_malformed_map_does_not_stop_the_dependency_check() -> None:
    """A dependencies value that is no object is an entry error, and the entries after it are
    still checked (the names are collected in one pass that such a map interrupts)."""
    text = _npm(
        {
            "node_modules/a": {**_A, "dependencies": "not a map"},
            "node_modules/b": {**_B, "dependencies": {"evil": "^1.0.0"}},
        },
        root_deps=False,
    )
    graph = npm.parse(text.encode(), "package-lock.json")
    assert list(graph.entry_errors) == [
        "packages['node_modules/a'].dependencies: not an object of dependency names",
        "packages['node_modules/b'].dependencies['evil']: no entry answers this dependency"
        " (npm ls: missing; a cut, edited or badly merged lockfile?)",
    ]


@pytest.mark.parametrize("lean", [False, True], ids=["whole-decode", "big-file-path"])
def test_npm_unanswered_dependencies_are_listed_in_the_map_order(
    lean: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The errors of one map's missing names follow the map, not a set's order (which changed
    with the process's hash seed: the same file's report differed from one run to the next)."""
    if lean:
        monkeypatch.setattr(npm, "LEAN_BYTES", 0)
    missing = [f"gone-{n:02d}" for n in range(30)]
    text = _npm(
        {"node_modules/a": {**_A, "dependencies": dict.fromkeys(missing, "^1.0.0")}},
        root_deps=False,
    )
    graph = npm.parse(text.encode(), "package-lock.json")
    assert list(graph.entry_errors) == [
        f"packages['node_modules/a'].dependencies['{name}']: no entry answers this dependency"
        " (npm ls: missing; a cut, edited or badly merged lockfile?)"
        for name in missing
    ]
