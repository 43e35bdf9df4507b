"""Installed trees read with the package managers' own records (``host.install_state``).

Fixtures: ``fixtures/installed`` (made by ``generate.sh`` with npm 11, pnpm 9 and yarn 4, pruned
to package.json files and the records). Git keeps no modification times, so each test sets them:
"installed" means every folder is older than npm's hidden lockfile or yarn's install state, as
npm and yarn leave a tree.

The one rule checked everywhere: the answer (findings, installed count) is the one reading every
package.json gives; the records only spare reads of packages no rule names.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gouvernante.host import installed
from gouvernante.host.install_state import (
    HIDDEN_LOCKFILE,
    PNPM_STATE,
    YARN_STATE,
    read_yarn_state,
)
from gouvernante.host.installed import scan_tree
from gouvernante.host.reader import Collector
from gouvernante.rules.index import build_index
from host import conftest as h

FIXTURES = Path(__file__).parent / "fixtures" / "installed"
T_INSTALL = 1_700_000_000  # every folder and file
# npm writes its hidden lockfile last. Setting a folder's times sets its status change time to
# now, which the record must not be older than (``install_state.changed_ns``): it is dated after
# the whole test run, within the day of slack any record gets (and set after every folder, its
# own status change time is later than theirs: ``install_state.written_ns``).
T_RECORD = int(time.time()) + 6 * 3600


def _installed(tmp_path: Path, case: str) -> Path:
    project = tmp_path / case
    shutil.copytree(FIXTURES / case, project, symlinks=True)
    _set_times(project, T_INSTALL)
    for record in (HIDDEN_LOCKFILE, YARN_STATE, PNPM_STATE):
        hidden = project / "node_modules" / record
        if hidden.exists():
            os.utime(hidden, (T_RECORD, T_RECORD))
    return project / "node_modules"


def _set_times(root: Path, when: int) -> None:
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):
                os.utime(path, (when, when))
    os.utime(root, (when, when))


def _scan(root: Path, names: Iterable[tuple[str, str]]) -> tuple[list[str], int, int]:
    """(findings as name@version path, installed count, package.json reads)."""
    rules = (h.make_rule(f"R-{i}", [pkg]) for i, pkg in enumerate(names))
    found, reads, collector = h.scan_counting_reads(root, rules)
    return found, collector.installed, reads


def test_npm_hidden_lockfile_spares_every_read_of_unnamed_packages(tmp_path: Path) -> None:
    root = _installed(tmp_path, "npm11")
    found, count, reads = _scan(root, [("ms", "=2.1.3")])
    assert found == ["ms@2.1.3 ms"]
    assert count == 7
    # Only ms (named by the rule) and tiny-ms (recorded as ms: an alias) are read.
    assert reads == 2


def test_npm_alias_is_found_through_the_hidden_lockfile_name(tmp_path: Path) -> None:
    root = _installed(tmp_path, "npm11")
    found, _count, reads = _scan(root, [("ms", "=2.1.2")])
    assert found == ["ms@2.1.2 tiny-ms"]
    assert reads == 2


def test_nested_packages_are_reached_only_where_recorded(tmp_path: Path) -> None:
    root = _installed(tmp_path, "npm11")
    found, count, _reads = _scan(root, [("is-number", "=6.0.0")])
    assert found == ["is-number@6.0.0 is-odd/node_modules/is-number"]
    assert count == 7


def test_a_folder_changed_after_the_hidden_lockfile_is_read(tmp_path: Path) -> None:
    """is-odd's folder replaced by a package a rule names, after npm wrote its record: the
    record no longer vouches for it, so its package.json decides."""
    root = _installed(tmp_path, "npm11")
    manifest = root / "is-odd" / "package.json"
    manifest.write_text(json.dumps({"name": "axios", "version": "1.14.1"}))
    os.utime(root / "is-odd", (T_RECORD + 5, T_RECORD + 5))
    found, _count, _reads = _scan(root, [("axios", "=1.14.1")])
    assert found == ["axios@1.14.1 is-odd"]


def test_a_folder_the_hidden_lockfile_does_not_list_is_read(tmp_path: Path) -> None:
    root = _installed(tmp_path, "npm11")
    h.write_package(root / "sneaky", "axios", "1.14.1")
    _set_times(root / "sneaky", T_INSTALL)  # even dated before the record
    found, count, _reads = _scan(root, [("axios", "=1.14.1")])
    assert found == ["axios@1.14.1 sneaky"]
    assert count == 8


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"{",
        b'{"packages": []}',
        b'{"packages": {"node_modules/debug": {"name": 7}}}',
        b"\xff\xfe",
    ],
)
def test_a_hidden_lockfile_that_does_not_decode_is_ignored(tmp_path: Path, damage: bytes) -> None:
    root = _installed(tmp_path, "npm11")
    (root / HIDDEN_LOCKFILE).write_bytes(damage)
    os.utime(root / HIDDEN_LOCKFILE, (T_RECORD, T_RECORD))
    found, count, reads = _scan(root, [("ms", "=2.1.2")])
    assert found == ["ms@2.1.2 tiny-ms"]
    assert (count, reads) == (7, 7)


def test_a_hidden_lockfile_dated_in_the_future_vouches_for_nothing(tmp_path: Path) -> None:
    root = _installed(tmp_path, "npm11")
    future = 4_000_000_000
    os.utime(root / HIDDEN_LOCKFILE, (future, future))
    _found, _count, reads = _scan(root, [("ms", "=2.1.2")])
    assert reads == 7


def test_pnpm_store_folders_name_their_packages(tmp_path: Path) -> None:
    root = _installed(tmp_path, "pnpm9")
    found, count, reads = _scan(root, [("ms", "=2.1.2"), ("is-number", "=6.0.0")])
    assert found == [
        "is-number@6.0.0 .pnpm/is-number@6.0.0/node_modules/is-number",
        "ms@2.1.2 .pnpm/ms@2.1.2/node_modules/ms",
    ]
    assert count == 7
    assert reads == 4  # the two ms and the two is-number folders


def test_without_pnpm_state_every_store_package_is_read(tmp_path: Path) -> None:
    root = _installed(tmp_path, "pnpm9")
    (root / ".modules.yaml").unlink()
    _found, count, reads = _scan(root, [("ms", "=2.1.2")])
    assert (count, reads) == (7, 7)


# npm's isolated layout (--install-strategy=linked): node_modules/.store/<id>/node_modules/<name>,
# a scoped package one folder deeper (.store/@types/node@<version>-<hash>/...), every other entry
# a symlink into the store.
_LINKED_ALL = [
    "@types/node@26.6.11"
    " .store/@types/node@26.6.11-wkjno_A_r9XL6TCsis9pTA/node_modules/@types/node",
    "debug@2.6.9 .store/debug@2.6.9-83RI9T6skjDQROrOVAAgTQ/node_modules/debug",
    "ms@2.0.0 .store/ms@2.0.0-4cO0ZloNu8RvnBPVrlAbKQ/node_modules/ms",
    "ms@2.1.2 .store/ms@2.1.2-hXErYF6ZrdpweGIFHtnM4Q/node_modules/ms",
    "ms@2.1.3 .store/ms@2.1.3-dMsxawcprWf7ZP5jTrgAlg/node_modules/ms",
    "undici-types@8.9.0 .store/undici-types@8.9.0-Oa4buKzAO09ubDr1ni0DHw/node_modules/undici-types",
]
_LINKED_RULES = [
    ("@types/node", "*"),
    ("debug", "*"),
    ("ms", "*"),
    ("undici-types", "*"),
]


@pytest.mark.parametrize("hidden_lockfile", [True, False])
def test_npm_linked_store_packages_are_each_found_once(
    tmp_path: Path, hidden_lockfile: bool
) -> None:
    """Before: no .store package was found (the tree read CLEAN), the symlinks being skipped."""
    root = _installed(tmp_path, "npm11-linked")
    if not hidden_lockfile:
        (root / HIDDEN_LOCKFILE).unlink()
    found, count, _reads = _scan(root, _LINKED_RULES)
    assert found == _LINKED_ALL
    assert count == 6


def test_npm_linked_store_hidden_lockfile_spares_unnamed_reads(tmp_path: Path) -> None:
    root = _installed(tmp_path, "npm11-linked")
    found, count, reads = _scan(root, [("ms", "=2.1.2")])
    assert found == ["ms@2.1.2 .store/ms@2.1.2-hXErYF6ZrdpweGIFHtnM4Q/node_modules/ms"]
    assert count == 6
    assert reads == 3  # the three ms folders (one is recorded under the alias tiny-ms)


def test_hashing_reads_every_manifest(tmp_path: Path) -> None:
    """With file-hash rules each package's files are read anyway; no hint is taken."""
    root = _installed(tmp_path, "npm11")
    rules = (h.make_rule("R", [("ms", "=2.1.3")]),)
    collector = Collector(build_index(rules))
    seen: list[str] = []

    class Hook:
        def package_dir(self, path: str, name: str | None, *_args: object) -> None:
            seen.append(os.path.relpath(path, root))

        def zip_archive(self, path: str, where: str) -> None:
            raise AssertionError

        def tarball(self, path: str, name: str, version: str, where: str) -> None:
            raise AssertionError

        def pnpm_index(self, path: str, name: str, version: str, where: str) -> None:
            raise AssertionError

        def pnpm_record(self, *_args: object) -> None:
            raise AssertionError

    collector.payloads = Hook()
    scan_tree(str(root), collector, where="test")
    assert len(seen) == 7
    assert installed.MAX_MANIFEST_BYTES > 0


# --- yarn berry's install state (node_modules/.yarn-state.yml) ---------------------------------


def _yarn4(tmp_path: Path) -> Path:
    return _installed(tmp_path, "yarn4")


def _rewrite_state(root: Path, old: str, new: str) -> None:
    state = root / YARN_STATE
    text = state.read_text()
    assert old in text
    state.write_text(text.replace(old, new))
    os.utime(state, (T_RECORD, T_RECORD))


def test_yarn_state_spares_every_read_of_unnamed_packages(tmp_path: Path) -> None:
    root = _yarn4(tmp_path)
    found, count, reads = _scan(root, [("ms", "=2.1.3")])
    assert found == ["ms@2.1.3 ms"]
    assert count == 7
    # Only ms (named by the rule) and tiny-ms (recorded as ms@npm:2.1.2: an alias) are read.
    assert reads == 2


def test_yarn_alias_is_found_through_its_locator(tmp_path: Path) -> None:
    root = _yarn4(tmp_path)
    found, _count, reads = _scan(root, [("ms", "=2.1.2")])
    assert found == ["ms@2.1.2 tiny-ms"]
    assert reads == 2


def test_yarn_nested_packages_are_reached_where_recorded(tmp_path: Path) -> None:
    root = _yarn4(tmp_path)
    found, count, reads = _scan(root, [("is-number", "=6.0.0")])
    assert found == ["is-number@6.0.0 is-odd/node_modules/is-number"]
    assert (count, reads) == (7, 2)


def test_yarn_folder_changed_after_the_state_is_read(tmp_path: Path) -> None:
    root = _yarn4(tmp_path)
    (root / "is-odd" / "package.json").write_text(
        json.dumps({"name": "axios", "version": "1.14.1"})
    )
    os.utime(root / "is-odd", (T_RECORD + 5, T_RECORD + 5))
    found, _count, _reads = _scan(root, [("axios", "=1.14.1")])
    assert found == ["axios@1.14.1 is-odd"]


def test_yarn_folder_the_state_does_not_list_is_read(tmp_path: Path) -> None:
    root = _yarn4(tmp_path)
    h.write_package(root / "sneaky", "axios", "1.14.1")
    _set_times(root / "sneaky", T_INSTALL)
    found, count, _reads = _scan(root, [("axios", "=1.14.1")])
    assert found == ["axios@1.14.1 sneaky"]
    assert count == 8


@pytest.mark.parametrize(
    "locator",
    [
        "debug@workspace:packages/debug",
        "debug@https://example.invalid/debug.tgz",
        "debug@github:someone/debug#commit=abc",
        "debug@patch:other@npm%3A4.4.1#patch",
        "debug@npm:^4",
    ],
)
def test_yarn_locators_other_than_registry_packages_vouch_for_nothing(
    tmp_path: Path, locator: str
) -> None:
    """A workspace, link, git or tarball dependency's folder is named by its package.json."""
    root = _yarn4(tmp_path)
    state = (root / YARN_STATE).read_text()
    old = next(line for line in state.splitlines() if line.startswith('"debug@'))
    _rewrite_state(root, old, json.dumps(locator) + ":")
    (root / "debug" / "package.json").write_text(json.dumps({"name": "ms", "version": "2.1.2"}))
    found, _count, reads = _scan(root, [("ms", "=2.1.2")])
    assert found == ["ms@2.1.2 debug", "ms@2.1.2 tiny-ms"]
    assert reads == 3


def test_yarn_patched_registry_package_is_vouched_for(tmp_path: Path) -> None:
    root = _yarn4(tmp_path)
    _rewrite_state(
        root,
        '"is-odd@npm:3.0.1":',
        '"is-odd@patch:is-odd@npm%3A3.0.1#~/.yarn/patches/is-odd.patch::version=3.0.1&hash=1":',
    )
    _found, count, reads = _scan(root, [("ms", "=2.1.3")])
    assert (count, reads) == (7, 2)


# The project's block when a dependency has commands, as yarn 4.18.1 wrote it for a project
# depending on semver 7.6.0.
_BIN_BLOCK = '    - ""\n  bin:\n    ".":\n      "semver": "semver/bin/semver.js"\n'


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('    - ""\n', _BIN_BLOCK),
        (
            '    - "node_modules/@sindresorhus/is"\n',
            '    - "node_modules/@sindresorhus/is"\n  aliases:\n    - "virtual:0a1b#npm:4.6.0"\n',
        ),
        ('    - "node_modules/debug"', '    - "node_modules/\\u0064ebug"'),  # JSON escapes
        ('"is-odd@npm:3.0.1"', '"is-odd\\u0040npm:3.0.1"'),
    ],
)
def test_yarn_state_with_every_field_yarn_writes_is_used(
    tmp_path: Path, old: str, new: str
) -> None:
    root = _yarn4(tmp_path)
    _rewrite_state(root, old, new)
    _found, count, reads = _scan(root, [("ms", "=2.1.3")])
    assert (count, reads) == (7, 2)


def test_yarn_folder_recorded_for_two_packages_is_read(tmp_path: Path) -> None:
    root = _yarn4(tmp_path)
    _rewrite_state(
        root,
        '    - "node_modules/is-odd"\n',
        '    - "node_modules/is-odd"\n    - "node_modules/debug"\n',
    )
    _found, count, reads = _scan(root, [("ms", "=2.1.3")])
    assert (count, reads) == (7, 3)  # ms, tiny-ms and debug


_STATE_DAMAGE = [
    ("", ""),
    ("__metadata:\n  version: 1\n", "__metadata:\n  version: 2\n"),
    ("__metadata:", "metadata:"),
    ('    - "node_modules/debug"', "    - node_modules/debug"),
    ('    - "node_modules/debug"', '\t- "node_modules/debug"'),
    ('    - "node_modules/debug"', '    - "node_modules/debug" # x'),
    ('    - "node_modules/debug"', '    - "node_modules/\\qdebug"'),
    ('  locations:\n    - "node_modules/debug"', '  where:\n    - "node_modules/debug"'),
    ('"is-odd@npm:3.0.1":', '"ms@npm:2.1.3":'),  # a repeated key
    ('"is-odd@npm:3.0.1":', '"is-odd@npm:3.0.1": {}'),
    ("\n", "\r\n"),
    ('    - ""\n', '    - ""\n  bin:\n      "semver": "semver/bin/semver.js"\n'),
    ('    - ""\n', _BIN_BLOCK + '    - "node_modules/ms"\n'),
    ('    - ""\n', _BIN_BLOCK.replace('    ".":', '    ".": {}')),
]


@pytest.mark.parametrize(("old", "new"), _STATE_DAMAGE)
def test_yarn_state_not_laid_out_as_yarn_writes_it_is_ignored(
    tmp_path: Path, old: str, new: str
) -> None:
    root = _yarn4(tmp_path)
    if old:
        _rewrite_state(root, old, new)
    else:
        (root / YARN_STATE).write_bytes(b"\xff\xfe")
        os.utime(root / YARN_STATE, (T_RECORD, T_RECORD))
    found, count, reads = _scan(root, [("ms", "=2.1.2")])
    assert found == ["ms@2.1.2 tiny-ms"]
    assert (count, reads) == (7, 7)


@pytest.mark.property
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_a_mutated_yarn_state_is_read_or_ignored_never_an_error(data: st.DataObject) -> None:
    """Any edit of a real install state: a tree or None, never an exception."""
    text = (FIXTURES / "yarn4" / "node_modules" / YARN_STATE).read_bytes()
    at = data.draw(st.integers(0, len(text)))
    cut = data.draw(st.integers(0, 8))
    insert = data.draw(st.binary(max_size=8) | st.sampled_from([b'"', b"\\", b"\n", b"  ", b"- "]))
    mutated = text[:at] + insert + text[at + cut :]
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / YARN_STATE).write_bytes(mutated)
        tree = read_yarn_state(tmp)
    assert tree is None or all(key.startswith("node_modules/") for key in tree.packages)


def test_a_hostile_yarn_state_is_refused_in_bounded_time(tmp_path: Path) -> None:
    """Long runs of what the grammar almost accepts cost linear time (possessive repeats)."""
    head = "__metadata:\n  version: 1\n\n"
    for body in (
        '"a' + "\\n" * 200_000 + ":\n",
        '"a@npm:1":\n  locations:\n' + '    - "x"\n' * 100_000 + "  bin:\n" + "    - \n",
        ("\n" + '"a@npm:1":\n  locations:\n    - "node_modules/a"\n') * 50_000 + "x",
    ):
        (tmp_path / YARN_STATE).write_text(head + body)
        start = time.process_time()
        assert read_yarn_state(str(tmp_path)) is None
        assert time.process_time() - start < 2.0


def test_yarn_state_dated_in_the_future_vouches_for_nothing(tmp_path: Path) -> None:
    root = _yarn4(tmp_path)
    future = 4_000_000_000
    os.utime(root / YARN_STATE, (future, future))
    _found, _count, reads = _scan(root, [("ms", "=2.1.2")])
    assert reads == 7


# --- property: whatever the record says, the answer is the full reading's ------------------

_NAMES = ("alpha", "beta", "@s/gamma", "delta")


@st.composite
def _trees(draw: st.DrawFn) -> tuple[list[tuple[str, str, str, int]], dict[str, object], int]:
    """Folders (key, real name, version, mtime offset) and a hidden lockfile that may lie."""
    folders: list[tuple[str, str, str, int]] = []
    used: set[str] = set()
    for _ in range(draw(st.integers(1, 6))):
        folder = draw(st.sampled_from(_NAMES))
        parent = draw(st.sampled_from([""] + [k for k, *_ in folders if "/node_modules/" not in k]))
        key = f"{parent}/node_modules/{folder}" if parent else f"node_modules/{folder}"
        if key in used:
            continue
        used.add(key)
        name = draw(st.sampled_from((folder, *_NAMES)))  # an alias now and then
        version = draw(st.sampled_from(("1.0.0", "2.0.0")))
        folders.append((key, name, version, draw(st.sampled_from((-10, 10)))))
    packages: dict[str, object] = {}
    for key, name, version, _offset in folders:
        if draw(st.booleans()):  # recorded, truthfully or not
            entry: dict[str, object] = {"version": draw(st.sampled_from((version, "9.9.9")))}
            recorded = draw(st.sampled_from((name, *_NAMES)))
            if recorded != key.rpartition("node_modules/")[2]:
                entry["name"] = recorded
            packages[key] = entry
    truthful = draw(st.booleans())
    if truthful:
        packages = {}
        for key, name, version, _offset in folders:
            entry = {"version": version}
            if name != key.rpartition("node_modules/")[2]:
                entry["name"] = name
            packages[key] = entry
    return folders, {"lockfileVersion": 3, "packages": packages}, int(truthful)


def _as_yarn_state(record: dict[str, object]) -> str:
    """A hidden lockfile's packages written the way yarn berry writes its install state."""
    packages = record["packages"]
    assert isinstance(packages, dict)
    locations: dict[str, list[str]] = {}
    for key, entry in packages.items():
        name = entry.get("name") or key.rpartition("node_modules/")[2]
        locations.setdefault(f"{name}@npm:{entry['version']}", []).append(key)
    blocks = [
        f"{json.dumps(locator)}:\n  locations:\n"
        + "".join(f"    - {json.dumps(k)}\n" for k in keys)
        for locator, keys in sorted(locations.items())
    ]
    return "# generated\n\n__metadata:\n  version: 1\n  nmMode: classic\n\n" + "\n".join(blocks)


@pytest.mark.property
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(tree=_trees(), named=st.sampled_from(_NAMES), yarn=st.booleans())
def test_records_never_change_the_answer_when_true_or_outdated(
    tmp_path_factory: pytest.TempPathFactory,
    tree: tuple[list[tuple[str, str, str, int]], dict[str, object], int],
    named: str,
    yarn: bool,
) -> None:
    """A true record gives the full reading's answer whatever the times; a record older than
    every folder gives it whatever the record says. The record is npm's hidden lockfile or the
    same packages as yarn's install state."""
    folders, record, truthful = tree
    base = tmp_path_factory.mktemp("tree")
    for key, name, version, _offset in folders:
        h.write_package(base / key, name, version)
    _set_times(base, T_INSTALL)
    for key, _name, _version, offset in folders:
        # True record: folders dated around the install, before it. Other: every folder newer.
        when = T_INSTALL + offset if truthful else T_RECORD + 10
        os.utime(base / key, (when, when))
    full = _scan(base / "node_modules", [(named, "*")])
    name = YARN_STATE if yarn else HIDDEN_LOCKFILE
    (base / "node_modules" / name).write_text(
        _as_yarn_state(record) if yarn else json.dumps(record)
    )
    os.utime(base / "node_modules" / name, (T_RECORD, T_RECORD))
    hinted = _scan(base / "node_modules", [(named, "*")])
    assert hinted[:2] == full[:2]
    assert hinted[2] <= full[2]
