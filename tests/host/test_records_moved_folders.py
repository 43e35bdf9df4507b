"""A package folder moved, copied or dated back into a place a package manager's record names
(decision 0144).

The records (npm's hidden lockfile, yarn berry's install state, pnpm's ``.modules.yaml`` for its
store folders' names) spare reading a package.json only while the folder has not changed since
the record was written. A folder renamed into place (``mv``), copied with its times kept
(``cp -a``: ``shutil.copytree`` keeps them too) or dated back (``touch -d``, ``os.utime``) keeps
an old modification time, while ``require()`` loads what it now holds: its status change time,
which the kernel sets and no program can set back, says it changed. Checked with the real
tools (npm 11.19.1, pnpm 9.15.9, yarn 4.x node-modules linker, ``--ignore-scripts``): after
``mv node_modules/is-number node_modules/kind-of``, ``node -p 'require("kind-of/package.json")'``
gives is-number and ``npm ls`` says ``kind-of@npm:is-number@6.0.0 invalid``; the scan read CLEAN.

Fixtures: ``fixtures/installed`` (made by its ``generate.sh`` with npm 11.19.1, pnpm 9.15.9 and
yarn 4.18.1); the tests move the folders.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from gouvernante.host.install_state import HIDDEN_LOCKFILE, PNPM_STATE, YARN_STATE
from gouvernante.host.installed import scan_tree
from gouvernante.host.reader import Collector
from gouvernante.rules.index import build_index
from host import conftest as h

FIXTURES = Path(__file__).parent / "fixtures" / "installed"
T_INSTALL = 1_700_000_000
RULE = ("is-number", "=7.0.0")
RECORDS = (HIDDEN_LOCKFILE, YARN_STATE, PNPM_STATE)


def _installed(tmp_path: Path, case: str) -> Path:
    """The fixture as its tool leaves it: every folder and file older than the record, the
    record written last; then time passes, so what the test changes is newer than it."""
    project = tmp_path / case
    shutil.copytree(FIXTURES / case, project, symlinks=True)
    latest = 0
    for dirpath, dirnames, filenames in os.walk(project):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path) and name not in RECORDS:
                os.utime(path, (T_INSTALL, T_INSTALL))
                latest = max(latest, os.stat(path).st_ctime_ns)
    root = project / "node_modules"
    for name in RECORDS:
        if (root / name).exists():
            os.utime(root / name, ns=(latest, latest))
    # (the kernel's clock for file times may step by a few milliseconds)
    while time.time_ns() < latest + 50_000_000:
        time.sleep(0.01)
    return root


def _scan(root: Path) -> tuple[list[str], int]:
    collector = Collector(build_index((h.make_rule("R", [RULE]),)))
    scan_tree(str(root), collector, where="test")
    found = sorted(
        f"{f.package}@{f.version} {os.path.relpath(f.path or '', root)}" for f in collector.findings
    )
    return found, collector.installed


def _moved(source: Path, target: Path) -> None:
    """``rm -rf target && mv source target``: the folder keeps its times."""
    shutil.rmtree(target)
    source.rename(target)


def _copied(source: Path, target: Path) -> None:
    """``rm -rf target && cp -a source target``: the copy gets the source's times."""
    shutil.rmtree(target)
    shutil.copytree(source, target, symlinks=True)
    shutil.rmtree(source)


def _dated_back(source: Path, target: Path) -> None:
    """The folder replaced, then ``touch -d`` to the install's time."""
    _moved(source, target)
    (target / "package.json").write_bytes((target / "package.json").read_bytes())
    os.utime(target, (T_INSTALL, T_INSTALL))


HOW: dict[str, Callable[[Path, Path], None]] = {
    "moved": _moved,
    "copied": _copied,
    "dated-back": _dated_back,
}


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("case", ["npm11", "yarn4"])
def test_a_folder_moved_into_a_recorded_place_is_read(tmp_path: Path, case: str, how: str) -> None:
    """is-number 7.0.0 put where the record says debug 4.4.1 is: require("debug") loads it."""
    root = _installed(tmp_path, case)
    assert _scan(root)[0] == ["is-number@7.0.0 is-number"]
    HOW[how](root / "is-number", root / "debug")
    found, count = _scan(root)
    assert found == ["is-number@7.0.0 debug"]
    assert count == 6


@pytest.mark.parametrize("how", HOW)
def test_a_pnpm_store_folder_replaced_is_read(tmp_path: Path, how: str) -> None:
    """pnpm's store folder ``.pnpm/debug@4.4.1/node_modules/debug`` names debug, as pnpm placed
    it before writing ``.modules.yaml``; replaced since by is-number 7.0.0, it is read."""
    root = _installed(tmp_path, "pnpm9")
    store = root / ".pnpm"
    number = store / "is-number@7.0.0" / "node_modules" / "is-number"
    debug = store / "debug@4.4.1" / "node_modules" / "debug"
    assert _scan(root)[0] == [f"is-number@7.0.0 {number.relative_to(root)}"]
    HOW[how](number, debug)
    found, _count = _scan(root)
    assert found == [f"is-number@7.0.0 {debug.relative_to(root)}"]


@pytest.mark.parametrize("case", ["npm11", "yarn4", "pnpm9"])
def test_a_tree_copied_whole_with_its_times_is_read_whole(tmp_path: Path, case: str) -> None:
    """``cp -a`` of a whole project (a backup restored, a CI cache): the record is older than
    every folder's status change, so every package.json is read, with the same answer."""
    root = _installed(tmp_path, case)
    before = _scan(root)
    copy = tmp_path / "copy"
    shutil.copytree(root.parent, copy, symlinks=True)
    assert _scan(copy / "node_modules") == before


@pytest.mark.parametrize("case", ["npm11", "yarn4", "pnpm9"])
def test_a_record_dated_forward_vouches_only_until_it_was_dated(tmp_path: Path, case: str) -> None:
    """The record's modification time set an hour ahead (``touch -d``, within the day of slack a
    record gets), then a folder it names replaced: the record was written (dated) before."""
    root = _installed(tmp_path, case)
    dated = 0
    for name in RECORDS:
        if (root / name).exists():
            ahead = time.time() + 3600
            os.utime(root / name, (ahead, ahead))
            dated = os.stat(root / name).st_ctime_ns
    assert dated
    while time.time_ns() < dated + 50_000_000:  # (dated before the folder is replaced)
        time.sleep(0.01)
    if case == "pnpm9":
        store = root / ".pnpm"
        number = store / "is-number@7.0.0" / "node_modules" / "is-number"
        debug = store / "debug@4.4.1" / "node_modules" / "debug"
    else:
        number, debug = root / "is-number", root / "debug"
    _moved(number, debug)
    found, _count = _scan(root)
    assert found == [f"is-number@7.0.0 {debug.relative_to(root)}"]


@pytest.mark.parametrize("record", [HIDDEN_LOCKFILE, YARN_STATE])
def test_a_scope_folder_renamed_renames_its_packages(tmp_path: Path, record: str) -> None:
    """``mv @evil @good``: ``@good/pkg`` now holds @evil/pkg, its own folder unchanged (only the
    scope folder was renamed); the record's ``@good/pkg`` no longer vouches for it."""
    nm = tmp_path / "node_modules"
    h.write_package(nm / "@good" / "pkg", "@good/pkg", "1.0.0")
    h.write_package(nm / "@evil" / "pkg", "@evil/pkg", "1.0.1")
    if record == HIDDEN_LOCKFILE:
        entries = {
            "node_modules/@good/pkg": {"version": "1.0.0"},
            "node_modules/@evil/pkg": {"version": "1.0.1"},
        }
        (nm / record).write_text(json.dumps({"packages": entries}))
    else:
        (nm / record).write_text(
            "__metadata:\n  version: 1\n  nmMode: classic\n\n"
            '"@evil/pkg@npm:1.0.1":\n  locations:\n    - "node_modules/@evil/pkg"\n\n'
            '"@good/pkg@npm:1.0.0":\n  locations:\n    - "node_modules/@good/pkg"\n'
        )
    written = os.stat(nm / record).st_ctime_ns
    while time.time_ns() < written + 50_000_000:
        time.sleep(0.01)
    shutil.rmtree(nm / "@good")
    (nm / "@evil").rename(nm / "@good")
    collector = Collector(build_index((h.make_rule("R", [("@evil/pkg", "=1.0.1")]),)))
    scan_tree(str(nm), collector, where="test")
    assert [(f.package, f.version, f.path) for f in collector.findings] == [
        ("@evil/pkg", "1.0.1", str(nm / "@good" / "pkg"))
    ]
