"""pnpm's virtual store ``node_modules/.pnpm`` swapped for one made before the install
(decision 0147).

Decision 0144 counts the folders between a tree's top and a package in its freshness, but not
the top's dot-folders: pnpm's ``.pnpm`` was left out. A ``.pnpm`` prepared before ``pnpm
install`` (its ``debug@4.4.1/node_modules/debug`` holding is-number 7.0.0), given the real store's
other folders after the install and renamed into place: its folders keep their old times, so
``.modules.yaml`` vouched for the folder's name and ``require("debug")`` loaded is-number 7.0.0
while the scan read it as debug (checked with pnpm 9.15.9 and ``-dir -host``: CLEAN). ``.pnpm``
is now counted; pnpm 10 writes ``.pnpm/lock.yaml`` after ``.modules.yaml`` (10.34.9: 12 ms
later), so the record is dated by the later of the two, and an untouched tree reads as before.

Fixture: ``fixtures/installed/pnpm9`` (its ``generate.sh``, pnpm 9.15.9).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from gouvernante.host.install_state import PNPM_STATE, pnpm_managed
from host import conftest as h

FIXTURE = Path(__file__).parent / "fixtures" / "installed" / "pnpm9"
T_INSTALL = 1_700_000_000
DEBUG = os.path.join(".pnpm", "debug@4.4.1", "node_modules", "debug")
NUMBER = os.path.join(".pnpm", "is-number@7.0.0", "node_modules", "is-number")


def _installed(tmp_path: Path, *, prepared: bool) -> Path:
    """The fixture as pnpm leaves it (every folder older than ``.modules.yaml``, written last);
    ``prepared``: a second store, the project's ``.pnpm-prepared`` (out of the tree), made before
    that (debug's folder holding is-number 7.0.0)."""
    project = tmp_path / "project"
    shutil.copytree(FIXTURE, project, symlinks=True)
    root = project / "node_modules"
    if prepared:
        shutil.copytree(root / ".pnpm", project / ".pnpm-prepared", symlinks=True)
        debug = project / ".pnpm-prepared" / "debug@4.4.1" / "node_modules" / "debug"
        shutil.rmtree(debug)
        shutil.copytree(root / NUMBER, debug, symlinks=True)
    latest = 0
    for dirpath, dirnames, filenames in os.walk(project):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path) and name != PNPM_STATE:
                os.utime(path, (T_INSTALL, T_INSTALL))
                latest = max(latest, os.stat(path).st_ctime_ns)
    os.utime(root / PNPM_STATE, ns=(latest, latest))
    while time.time_ns() < latest + 50_000_000:  # (what the test does next is later)
        time.sleep(0.01)
    return root


def _scan(root: Path) -> tuple[list[str], int]:
    found, reads, _ = h.scan_counting_reads(root, [h.make_rule("R", [("is-number", "=7.0.0")])])
    return found, reads


def test_a_store_swapped_for_one_made_before_the_install_is_read(tmp_path: Path) -> None:
    root = _installed(tmp_path, prepared=True)
    assert _scan(root)[0] == [f"is-number@7.0.0 {NUMBER}"]
    (root / ".pnpm").rename(tmp_path / "store-aside")
    (root.parent / ".pnpm-prepared").rename(root / ".pnpm")
    found, _read = _scan(root)
    assert found == [f"is-number@7.0.0 {DEBUG}", f"is-number@7.0.0 {NUMBER}"]


def test_an_untouched_store_is_vouched_for_as_before(tmp_path: Path) -> None:
    root = _installed(tmp_path, prepared=False)
    found, read = _scan(root)
    assert found == [f"is-number@7.0.0 {NUMBER}"]
    assert read == 2  # (the rule's package's two folders: is-number 6.0.0 and 7.0.0)


def test_pnpm_10_s_lock_yaml_written_after_the_record_dates_it(tmp_path: Path) -> None:
    """pnpm 10.34.9 wrote ``.pnpm/lock.yaml`` after ``.modules.yaml``: ``.pnpm`` changed after
    the record, its folders did not; the record is dated by lock.yaml, nothing more is read."""
    root = _installed(tmp_path, prepared=False)
    lock = root / ".pnpm" / "lock.yaml"
    (root / ".pnpm" / "lock.tmp").write_text("lockfileVersion: '9.0'\n")
    (root / ".pnpm" / "lock.tmp").rename(lock)  # (as pnpm writes it: .pnpm changes now)
    written = pnpm_managed(str(root))
    assert written is not None
    assert written >= os.stat(root / ".pnpm").st_ctime_ns
    assert _scan(root) == ([f"is-number@7.0.0 {NUMBER}"], 2)
