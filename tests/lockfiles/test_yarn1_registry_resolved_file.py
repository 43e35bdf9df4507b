"""A yarn 1 entry whose header asks the registry but whose ``resolved`` is a local ``file:``
path (decision 0159).

``fixtures/yarn1-registry-resolved-file`` (``generate.sh``, yarn 1.22.22): yarn's own
``is-number@^7.0.0`` entry hand-edited to ``resolved "file:vendor/is-number-6.0.0.tgz"`` (the
registry's is-number 6.0.0), its version line left at "7.0.0". ``yarn install
--frozen-lockfile --offline`` installs the tarball, is-number 6.0.0 (``after-install.json``);
the same entry resolved to a folder is refused (``folder-install.txt``). The entry was read as
the registry's is-number 7.0.0: a bogus finding for a rule naming 7.0.0, CLEAN for one naming
6.0.0, what yarn installs. Now its tarball is read as yarn's own tarball entries are (decisions
0091, 0146), and a folder is refused as yarn refuses it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from helpers import compromised_rules, every_mode, scan_report

CASE = Path(__file__).parent / "fixtures" / "yarn1-registry-resolved-file"
TREE = CASE / "tree"
AT_6 = compromised_rules("ISN-6", ("is-number", "=6.0.0"))
AT_7 = compromised_rules("ISN-7", ("is-number", "=7.0.0"))
NOT_READ = "is locked from a local tarball that was not read"


def _files(*, tarball: bool = True, lock: str | None = None) -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {
        p.relative_to(TREE).as_posix(): p.read_bytes()
        for p in TREE.rglob("*")
        if p.is_file() and (tarball or p.suffix != ".tgz")
    }
    if lock is not None:
        files["yarn.lock"] = lock
    return files


def _found(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    return sorted((f["package"], f["version"], f["source"]) for f in report["findings"])


def test_what_yarn_installs() -> None:
    after = json.loads((CASE / "after-install.json").read_text(encoding="utf-8"))
    assert after == {"node_modules/is-number": ["is-number", "6.0.0"]}
    lock = (TREE / "yarn.lock").read_text(encoding="utf-8")
    assert (
        'is-number@^7.0.0:\n  version "7.0.0"\n  resolved "file:vendor/is-number-6.0.0.tgz"\n'
        in lock
    )
    assert (CASE / "folder-install.txt").read_text(encoding="utf-8") == "exit status 1\n"


def test_the_lockfile_beside_its_tarball(tmp_path: Path) -> None:
    code, report = scan_report(tmp_path, AT_6, "-lockfile", str(TREE / "yarn.lock"))
    assert (code, report["errors"], _found(report)) == (2, [], [("is-number", "6.0.0", "local")])
    code, report = scan_report(tmp_path, AT_7, "-lockfile", str(TREE / "yarn.lock"))
    assert (code, report["errors"], report["findings"]) == (0, [], [])


def test_every_mode_reads_the_tarball(tmp_path: Path) -> None:
    for mode, (code, report) in every_mode(tmp_path / "6", _files(), AT_6).items():
        assert (code, report["errors"]) == (2, []), mode
        assert _found(report) == [("is-number", "6.0.0", "local")], mode
    for mode, (code, report) in every_mode(tmp_path / "7", _files(), AT_7).items():
        assert (code, report["errors"], report["findings"]) == (0, [], []), mode


def test_without_the_tarball_it_is_an_error(tmp_path: Path) -> None:
    """Not there: the version line is not the tarball's (yarn never checks it), so a rule
    naming the package at any version makes the file an error, not CLEAN (the one naming the
    version line's release also finds it, as for yarn's own tarball entries: decision 0091)."""
    for key, rules in (("6", AT_6), ("7", AT_7)):
        files = _files(tarball=False)
        for mode, (code, report) in every_mode(tmp_path / key, files, rules).items():
            assert code == (2 if key == "7" else 1), mode
            assert _found(report) in ([], [("is-number", "7.0.0", "registry")]), mode
            assert [e for e in report["errors"] if NOT_READ in e["message"]], mode


def test_a_folder_is_refused(tmp_path: Path) -> None:
    """yarn 1.22.22 reads a registry entry's ``resolved`` folder as a tarball and stops: so do
    we, whatever the rules say."""
    lock = (TREE / "yarn.lock").read_text(encoding="utf-8")
    folder = lock.replace("file:vendor/is-number-6.0.0.tgz", "file:vendor/is-number")
    for mode, (code, report) in every_mode(tmp_path, _files(lock=folder), AT_6).items():
        assert code == 1, mode
        # (read as a tarball whatever its name, decision 0163: "not a regular file")
        assert [e for e in report["errors"] if NOT_READ in e["message"]], mode


def test_a_dot_path_is_a_tarball_too(tmp_path: Path) -> None:
    """``resolved "./vendor/x.tgz"`` (no ``file:``): yarn 1.22.22 installs it as well (checked
    by hand with ``install --frozen-lockfile --offline``: is-number 6.0.0)."""
    lock = (TREE / "yarn.lock").read_text(encoding="utf-8")
    dot = lock.replace('"file:vendor/', '"./vendor/')
    code, report = scan_report(tmp_path, AT_6, "-dir", _tree(tmp_path, _files(lock=dot)))
    assert (code, report["errors"], _found(report)) == (2, [], [("is-number", "6.0.0", "local")])


def test_a_link_is_refused(tmp_path: Path) -> None:
    """``resolved "link:vendor/is-number"``: yarn 1.22.22 asks the registry for that path
    (``https://registry.yarnpkg.com/link:vendor/is-number``) and stops."""
    lock = (TREE / "yarn.lock").read_text(encoding="utf-8")
    link = lock.replace("file:vendor/is-number-6.0.0.tgz", "link:vendor/is-number")
    code, report = scan_report(tmp_path, AT_6, "-dir", _tree(tmp_path, _files(lock=link)))
    assert code == 1
    asked = "asks the registry for (https://registry.yarnpkg.com/link:vendor/is-number)"
    assert [e for e in report["errors"] if asked in e["message"]]  # (decision 0163)


def _tree(tmp_path: Path, files: dict[str, str | bytes]) -> str:
    root = tmp_path / "tree"
    for rel, data in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            target.write_text(data, encoding="utf-8")
        else:
            target.write_bytes(data)
    return str(root)
