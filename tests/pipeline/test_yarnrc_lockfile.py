"""yarn berry's ``lockfileFilename`` (``.yarnrc.yml``) in every mode (decision 0044).

A project whose ``.yarnrc.yml`` names its lockfile ``berry.lock`` (as yarnpkg/berry does) was
scanned as its package.json alone by every source that finds lockfiles by name: a compromised
transitive package of berry.lock read CLEAN. Now -dir, -git, -inventory (recorded from -git and
from -dir), -image and the pre-commit hook read the named file as a yarn.lock, paired with the
package.json beside it as a yarn.lock is; a ``.yarnrc.yml`` whose setting is not read exactly is
an error naming it and the line; a setting naming a file that is not there changes nothing.
"""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gitsrc.gitrepo import Repo
from gouvernante import precommit
from gouvernante.cli import main
from gouvernante.gitscan import PAIRED_YARNRC_MODE
from gouvernante.sources.git import YARNRC_LOCK_MODE, YARNRC_REFUSED_MODE
from helpers import docker_save, every_mode, scan_report, tree_relative

RULES = {
    "schema_version": "1.0.0",
    "rules": [
        {
            "id": "BERRY-1",
            "title": "ms 2.1.2, axios 1.14.1",
            "kind": "compromised-release",
            "ecosystem": "npm",
            "severity": "critical",
            "package_rules": [
                {"package_name": "ms", "affected_versions": ["=2.1.2"]},
                {"package_name": "axios", "affected_versions": ["=1.14.1"]},
            ],
        }
    ],
}
BERRY = """__metadata:
  version: 8
  cacheKey: 10c0

"app@workspace:.":
  version: 0.0.0-use.local
  resolution: "app@workspace:."
  dependencies:
    debug: "npm:^4.3.0"
  languageName: unknown
  linkType: soft

"debug@npm:^4.3.0":
  version: 4.3.4
  resolution: "debug@npm:4.3.4"
  dependencies:
    ms: "npm:2.1.2"
  checksum: 10c0/abc
  languageName: node
  linkType: hard

"ms@npm:2.1.2":
  version: 2.1.2
  resolution: "ms@npm:2.1.2"
  checksum: 10c0/def
  languageName: node
  linkType: hard
"""
# A berry lockfile read with the package.json beside it (an entry only an override explains):
# its reading is paired in the inventory, whose mode must keep the lockfile's mark.
BERRY_OVERRIDDEN = """__metadata:
  version: 8
  cacheKey: 10c0

"axios@npm:1.14.0":
  version: 1.14.0
  resolution: "axios@npm:1.14.0"
  checksum: 10c0/aaaa
  languageName: node
  linkType: hard

"app@workspace:.":
  version: 0.0.0-use.local
  resolution: "app@workspace:."
  dependencies:
    axios: "npm:^1.15.0"
  languageName: unknown
  linkType: soft
"""
APP = json.dumps(
    {"name": "app", "packageManager": "yarn@4.5.0", "dependencies": {"debug": "^4.3.0"}}
)
NAMES_BERRY = "lockfileFilename: berry.lock\n"
# (files under web/, findings as (file, package version), errors as (file, message start))
Case = tuple[dict[str, str], list[tuple[str, str]], list[tuple[str, str]]]
CASES: dict[str, Case] = {
    "the named lockfile is read": (
        {".yarnrc.yml": "nodeLinker: node-modules\n" + NAMES_BERRY, "berry.lock": BERRY},
        [("web/berry.lock", "ms 2.1.2")],
        [],
    ),
    "a setting not read exactly is an error naming the line": (
        {".yarnrc.yml": "enableTelemetry: false\nlockfileFilename: >-\n  berry.lock\n"},
        [],
        [("web/.yarnrc.yml", "line 2: a lockfileFilename setting not read exactly")],
    ),
    "a setting naming nothing there: the package.json alone, as without lockfile": (
        {
            ".yarnrc.yml": "lockfileFilename: gone.lock\n",
            "package.json": json.dumps({"name": "app", "dependencies": {"ms": "2.1.2"}}),
        },
        [("web/package.json", "ms 2.1.2")],
        [],
    ),
    "the named lockfile is read with the package.json beside it": (
        {
            ".yarnrc.yml": NAMES_BERRY,
            "berry.lock": BERRY_OVERRIDDEN,
            "package.json": json.dumps({"name": "app", "dependencies": {"axios": "^1.15.0"}}),
        },
        [],
        [
            (
                "web/berry.lock",
                "a dependency on axios resolves only to an entry its range does not accept",
            )
        ],
    ),
}


def _tree(files: dict[str, str]) -> dict[str, str]:
    return {"web/package.json": APP} | {f"web/{rel}": text for rel, text in files.items()}


def _image(path: Path, layers: list[dict[str, str]]) -> Path:
    """A docker save archive whose layers hold these files under /app, in this order."""
    return docker_save(
        path, [{f"app/{rel}": text.encode() for rel, text in files.items()} for files in layers]
    )


def _modes(tmp_path: Path, files: dict[str, str]) -> dict[str, tuple[int, dict[str, Any]]]:
    modes = every_mode(tmp_path, files, RULES, inventory_dir=True)
    modes["-inventory (git)"] = modes.pop("-inventory")
    return modes


def _answer(code: int, report: dict[str, Any]) -> Case | tuple[int, list[Any], list[Any]]:
    findings = sorted(
        (tree_relative(f["lockfile"]), f"{f['package']} {f.get('declared_range') or f['version']}")
        for f in report["findings"]
    )
    errors = sorted((tree_relative(e["path"]), e["message"]) for e in report["errors"])
    return code, findings, errors


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_mode_reads_the_lockfile_yarnrc_names(tmp_path: Path, case: str) -> None:
    files, findings, errors = CASES[case]
    for mode, (code, report) in _modes(tmp_path, _tree(files)).items():
        got_code, got_findings, got_errors = _answer(code, report)
        assert got_findings == findings, mode
        assert len(got_errors) == len(errors), (mode, got_errors)
        for (path, text), (want_path, start) in zip(got_errors, errors, strict=True):
            assert (path, text[: len(start)]) == (want_path, start), mode
            assert "berry.lock" not in text, mode  # (never the file's bytes)
        assert got_code == (2 if findings else 1 if errors else 0), mode


def _marked_modes(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as raw:
        return raw.execute("SELECT path, mode FROM commit_files ORDER BY path").fetchall()


def test_the_inventory_keeps_the_mark_of_a_paired_named_lockfile(tmp_path: Path) -> None:
    """Stored shape (no schema change): the file row's mode marks the named lockfile
    (``yarnrc``), its reading with the package.json (``paired-yarnrc``), and a refused
    ``.yarnrc.yml`` (``yarnrc-refused``); an inventory an older gouvernante wrote has none."""
    repo = Repo(tmp_path / "tree")
    for rel, text in _tree(CASES["the named lockfile is read"][0]).items():
        repo.write(rel, text)
    overridden = CASES["the named lockfile is read with the package.json beside it"][0]
    for rel, text in overridden.items():
        repo.write(f"other/{rel}", text)
    repo.write("bad/.yarnrc.yml", "lockfileFilename: [a]\n")
    repo.commit("init")
    db = tmp_path / "inventory.sqlite"
    # (an unreadable content is recorded with its reason, an error of each evaluation)
    assert main(["inventory", "add", "-db", str(db), "-git", str(repo.path)]) == 0
    assert _marked_modes(db) == [
        ("bad/.yarnrc.yml", YARNRC_REFUSED_MODE),
        ("other/berry.lock", PAIRED_YARNRC_MODE),
        ("other/package.json", "100644"),
        ("web/berry.lock", YARNRC_LOCK_MODE),
        ("web/package.json", "100644"),
    ]
    code, report = scan_report(tmp_path, RULES, "-inventory", str(db))
    assert _answer(code, report)[:2] == (2, [("web/berry.lock", "ms 2.1.2")])
    assert [(p, m[:7]) for p, m in _answer(code, report)[2]] == [
        ("bad/.yarnrc.yml", "line 1:"),
        ("other/berry.lock", "a depen"),
    ]


def test_a_named_lockfile_in_a_lower_layer_than_its_yarnrc(tmp_path: Path) -> None:
    """-image reads layers as a stream: the lockfile may come before the .yarnrc.yml naming it
    (another layer), and is then read in a second pass over its layer, never skipped."""
    files = _tree(CASES["the named lockfile is read"][0])
    lock = {k: v for k, v in files.items() if k.endswith("berry.lock")}
    rest = {k: v for k, v in files.items() if k not in lock}
    image = _image(tmp_path / "image.tar", [lock, rest])
    code, report = scan_report(tmp_path, RULES, "-image", str(image))
    assert _answer(code, report) == (2, [("web/berry.lock", "ms 2.1.2")], [])


@pytest.mark.parametrize("rc_first", [True, False])
def test_image_a_setting_above_in_another_layer(tmp_path: Path, rc_first: bool) -> None:
    """-image: the .yarnrc.yml of a folder above, whichever layer wrote it, names the lockfile
    of a project another layer wrote; a later layer's .yarnrc.yml replaces it."""
    rc = {".yarnrc.yml": NAMES_BERRY}
    project = {"tools/x/package.json": APP, "tools/x/berry.lock": BERRY}
    layers = [rc, project] if rc_first else [project, rc]
    code, report = scan_report(tmp_path, RULES, "-image", str(_image(tmp_path / "i.tar", layers)))
    assert _answer(code, report) == (2, [("tools/x/berry.lock", "ms 2.1.2")], [])
    later = [*layers, {".yarnrc.yml": "lockfileFilename: other.lock\n"}]
    code, report = scan_report(tmp_path, RULES, "-image", str(_image(tmp_path / "j.tar", later)))
    assert _answer(code, report) == (0, [], [])


def test_symbolic_links_follow_each_source_s_rules(tmp_path: Path) -> None:
    """-dir follows a link inside the scanned tree (as for a lockfile); -git refuses it (an
    error at the .yarnrc.yml that names it), as it refuses a symlinked lockfile."""
    repo = Repo(tmp_path / "tree")
    repo.write("web/package.json", APP)
    repo.write("web/.yarnrc.yml", NAMES_BERRY)
    repo.write("web/real.lock", BERRY)
    os.symlink("real.lock", repo.path / "web" / "berry.lock")
    repo.commit("init")
    code, report = scan_report(tmp_path, RULES, "-dir", str(repo.path), "-recursive")
    assert _answer(code, report) == (2, [("web/berry.lock", "ms 2.1.2")], [])
    code, report = scan_report(tmp_path, RULES, "-git", str(repo.path))
    assert code == 1
    assert report["findings"] == []
    ((path, message),) = [(tree_relative(e["path"]), e["message"]) for e in report["errors"]]
    assert path == "web/.yarnrc.yml"
    assert "symbolic link" in message


def test_a_yarnrc_that_is_a_folder_name_is_an_error(tmp_path: Path) -> None:
    project = tmp_path / "web"
    (project / "berry.lock").mkdir(parents=True)
    (project / "package.json").write_text(APP, encoding="utf-8")
    (project / ".yarnrc.yml").write_text(NAMES_BERRY, encoding="utf-8")
    code, report = scan_report(tmp_path, RULES, "-dir", str(project))
    assert code == 1
    assert [(e["path"], e["message"][:40]) for e in report["errors"]] == [
        (".yarnrc.yml", "its lockfileFilename names a folder or a")
    ]


def _modes_and_history(tmp_path: Path, files: dict[str, str]) -> dict[str, Any]:
    modes = _modes(tmp_path, files)
    modes["-git -history"] = scan_report(
        tmp_path, RULES, "-git", str(tmp_path / "tree.git"), "-history"
    )
    return modes


# yarn reads the .yarnrc.yml of the project's folder and of every folder above it, the closer
# setting first (amendment 2026-12-05): files of the whole tree, findings, errors
INHERITED: dict[str, Case] = {
    "a setting of the repository's root names a nested project's lockfile": (
        {
            ".yarnrc.yml": NAMES_BERRY,
            "tools/x/package.json": APP,
            "tools/x/berry.lock": BERRY,
        },
        [("tools/x/berry.lock", "ms 2.1.2")],
        [],
    ),
    "a .yarnrc.yml between them without the key passes the setting on": (
        {
            ".yarnrc.yml": NAMES_BERRY,
            "tools/.yarnrc.yml": "nodeLinker: pnp\n",
            "tools/x/package.json": APP,
            "tools/x/berry.lock": BERRY,
        },
        [("tools/x/berry.lock", "ms 2.1.2")],
        [],
    ),
    "a closer setting wins": (
        {
            ".yarnrc.yml": "lockfileFilename: other.lock\n",
            "tools/.yarnrc.yml": NAMES_BERRY,
            "tools/x/package.json": APP,
            "tools/x/berry.lock": BERRY,
        },
        [("tools/x/berry.lock", "ms 2.1.2")],
        [],
    ),
    "a setting above not read exactly is an error naming its line": (
        {
            ".yarnrc.yml": "lockfileFilename: >-\n  berry.lock\n",
            "tools/x/package.json": APP,
            "tools/x/berry.lock": BERRY,
        },
        [],
        [(".yarnrc.yml", "line 1: a lockfileFilename setting not read exactly")],
    ),
    "the key spelled with a YAML escape is an error naming its line": (
        {
            ".yarnrc.yml": 'nodeLinker: pnp\n"lockfile\\x46ilename": berry.lock\n',
            "package.json": APP,
            "berry.lock": BERRY,
        },
        [],
        [(".yarnrc.yml", "line 2: the lockfileFilename key spelled with an escape")],
    ),
}


def _check(modes: dict[str, Any], findings: list[Any], errors: list[Any]) -> None:
    for mode, (code, report) in modes.items():
        got_code, got_findings, got_errors = _answer(code, report)
        assert got_findings == findings, mode
        assert len(got_errors) == len(errors), (mode, got_errors)
        for (path, text), (want_path, start) in zip(got_errors, errors, strict=True):
            assert (path, text[: len(start)]) == (want_path, start), mode
            assert "berry.lock" not in text and "x46" not in text, mode  # (never the bytes)
        assert got_code == (2 if findings else 1 if errors else 0), mode


@pytest.mark.parametrize("case", sorted(INHERITED))
def test_every_mode_reads_a_setting_from_a_folder_above(tmp_path: Path, case: str) -> None:
    files, findings, errors = INHERITED[case]
    _check(_modes_and_history(tmp_path, files), findings, errors)


def test_the_tree_cache_is_keyed_by_the_inherited_name(tmp_path: Path) -> None:
    """-git remembers each subtree's lockfiles: the same subtree (one oid) under a folder
    without setting and under one whose .yarnrc.yml names berry.lock is two answers."""
    project = {"package.json": APP, "berry.lock": BERRY}
    files = {f"a/p/{rel}": text for rel, text in project.items()}
    files |= {f"b/p/{rel}": text for rel, text in project.items()}
    files["b/.yarnrc.yml"] = NAMES_BERRY
    _check(_modes_and_history(tmp_path, files), [("b/p/berry.lock", "ms 2.1.2")], [])


def test_dir_reads_the_settings_above_the_scanned_folder(tmp_path: Path) -> None:
    """yarn run in tools/x reads the repository root's .yarnrc.yml: so do -dir and
    ``inventory add -dir`` given tools/x (read only; nothing written there)."""
    files = INHERITED["a setting of the repository's root names a nested project's lockfile"][0]
    for rel, text in files.items():
        (tmp_path / "tree" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "tree" / rel).write_text(text, encoding="utf-8")
    project = tmp_path / "tree" / "tools" / "x"
    before = sorted(p.name for p in (tmp_path / "tree").iterdir())
    code, report = scan_report(tmp_path, RULES, "-dir", str(project))
    assert _answer(code, report) == (2, [("berry.lock", "ms 2.1.2")], [])
    db = str(tmp_path / "dir.sqlite")
    main(["inventory", "add", "-db", db, "-dir", str(project)])
    code, report = scan_report(tmp_path, RULES, "-inventory", db)
    assert _answer(code, report)[:2] == (2, [("berry.lock", "ms 2.1.2")])
    assert sorted(p.name for p in (tmp_path / "tree").iterdir()) == before
    (tmp_path / "tree" / ".yarnrc.yml").write_text("lockfileFilename: [a]\n", encoding="utf-8")
    code, report = scan_report(tmp_path, RULES, "-dir", str(project))
    assert code == 1 and report["findings"] == []
    assert [(e["path"], e["message"][:7]) for e in report["errors"]] == [
        (str(tmp_path / "tree" / ".yarnrc.yml"), "line 1:")
    ]


def test_history_follows_each_commit_s_own_yarnrc(tmp_path: Path) -> None:
    """-history reads the lockfile each commit's own .yarnrc.yml files name (any folder above
    it): a compromised berry.lock the setting later stops naming is a past finding; it was
    followed at the head only, so nothing was found."""
    repo = Repo(tmp_path / "tree")
    repo.write(".yarnrc.yml", NAMES_BERRY)
    repo.write("tools/x/package.json", APP)
    repo.write("tools/x/berry.lock", BERRY)
    first = repo.commit("berry.lock, named at the root")
    repo.write(".yarnrc.yml", "lockfileFilename: new.lock\n")
    repo.write("tools/x/new.lock", BERRY.replace("2.1.2", "2.1.3"))
    second = repo.commit("another name; berry.lock left behind")
    at_second = datetime.fromtimestamp(repo.time, UTC).isoformat()
    repo.write("tools/x/berry.lock", BERRY.replace("debug", "debug2"))
    repo.commit("the old file changes: no lockfile now")
    repo.write("tools/x/new.lock", BERRY)
    fourth = repo.commit("the named lockfile alone changes: ms 2.1.2 again")
    for since in ([], ["-since", at_second]):
        code, report = scan_report(tmp_path, RULES, "-git", str(repo.path), "-history", *since)
        found = sorted(
            (
                f["type"],
                tree_relative(f["lockfile"]),
                f["version"],
                f.get("introduced_commit"),
                f.get("removed_commit"),
            )
            for f in report["findings"]
        )
        want_start = first if not since else None
        assert found == [
            ("package", "tools/x/new.lock", "2.1.2", fourth, None),
            ("past_package", "tools/x/berry.lock", "2.1.2", want_start, second),
        ], since
        assert code == 2


# --- the pre-commit hook --------------------------------------------------------------------


def _hook(
    tmp_path: Path,
    files: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    changed: str = "web/package.json",
    *,
    whole: bool = False,
) -> Any:
    for rel, text in (files if whole else _tree(files)).items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(RULES), encoding="utf-8")
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        capsys.readouterr()
        code = precommit.main(["-rules", str(rules), "-json", changed])
    finally:
        os.chdir(cwd)
    out = capsys.readouterr()
    findings = sorted(f"{f['package']}@{f['version']}" for f in json.loads(out.out)["findings"])
    return code, findings, out.err


def test_precommit_scans_the_named_lockfile_with_a_changed_manifest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, findings, _err = _hook(tmp_path, CASES["the named lockfile is read"][0], capsys)
    assert (code, findings) == (2, ["ms@2.1.2"])


def test_precommit_an_unread_setting_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = CASES["a setting not read exactly is an error naming the line"][0]
    code, findings, err = _hook(tmp_path, files, capsys)
    assert (code, findings) == (1, [])
    assert f"web{os.sep}.yarnrc.yml: line 2: a lockfileFilename setting" in err


@pytest.mark.parametrize("changed", ["tools/x/package.json", ".yarnrc.yml", "tools/x/berry.lock"])
def test_precommit_a_setting_above_names_the_lockfile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], changed: str
) -> None:
    """A changed manifest or lockfile of tools/x, or the root's .yarnrc.yml that names every
    folder's lockfile below it, brings tools/x/berry.lock."""
    files = INHERITED["a setting of the repository's root names a nested project's lockfile"][0]
    code, findings, _err = _hook(tmp_path, files, capsys, changed, whole=True)
    assert (code, findings) == (2, ["ms@2.1.2"])
