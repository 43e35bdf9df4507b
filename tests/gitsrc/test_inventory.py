"""The inventory: incremental adds, ref history (-at), staleness, and the property that it
answers like a direct -git scan of the same organisation."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from msgspec.structs import replace

from gitsrc.gitrepo import ORG_STEPS, Repo, lockfile, make_org, mirror, write_rules
from gouvernante.errors import SourceError
from gouvernante.gitscan import GitScanRequest, run_git_scan
from gouvernante.inventory.evaluate import InventoryRequest, evaluate
from gouvernante.inventory.record import add
from gouvernante.inventory.store import SCHEMA_VERSION, connect
from gouvernante.model import Finding
from gouvernante.pipeline import ScanRequest, run_scan
from gouvernante.rules.index import RuleIndex, build_index
from gouvernante.rules.loader import load_rule_files
from gouvernante.rules.model import Rule

T0 = 1788868800


def _rules(tmp_path: Path) -> tuple[tuple[Rule, ...], RuleIndex]:
    ruleset, errors = load_rule_files([str(write_rules(tmp_path))])
    assert errors == []
    return tuple(ruleset.rules), build_index(ruleset.rules)


def _comparable(findings: list[Finding]) -> list[Finding]:
    """Findings as the inventory can know them: no line numbers."""
    return sorted((replace(f, line=None) for f in findings), key=repr)


def _org(tmp_path: Path) -> tuple[Path, Repo]:
    r = Repo(tmp_path / "work")
    r.write("package-lock.json", lockfile("4.4.1"))
    r.commit("init", at=T0)
    r.git("checkout", "-q", "-b", "topic")
    r.write("package-lock.json", lockfile("4.4.2"))
    r.commit("bad", at=T0 + 60)
    r.git("checkout", "-q", "main")
    org = tmp_path / "org"
    mirror(r.path, org / "app.git")
    return org, r


def test_second_add_costs_nothing_and_a_moved_ref_parses_only_its_new_blob(
    tmp_path: Path,
) -> None:
    org, r = _org(tmp_path)
    db = str(tmp_path / "inv.db")
    first = add(db, [str(org)], recursive=True, workers=1, now=T0 + 100)
    assert (first.refs, first.refs_moved, first.blobs_parsed) == (2, 2, 2)
    again = add(db, [str(org)], recursive=True, workers=1, now=T0 + 200)
    assert (again.refs, again.refs_moved, again.blobs_parsed) == (2, 0, 0)
    r.write("package-lock.json", lockfile("4.4.3"))
    r.commit("fix main", at=T0 + 300)
    r.git("push", "-q", str(org / "app.git"), "main")
    moved = add(db, [str(org)], recursive=True, workers=1, now=T0 + 400)
    assert (moved.refs_moved, moved.blobs_parsed) == (1, 1)


def test_at_answers_what_a_force_pushed_branch_held_then(tmp_path: Path) -> None:
    org, r = _org(tmp_path)
    rules, index = _rules(tmp_path)
    db = str(tmp_path / "inv.db")
    add(db, [str(org)], recursive=True, workers=1, now=T0 + 100)
    r.git("checkout", "-q", "topic")
    r.git("reset", "-q", "--hard", "main")
    r.git("push", "-q", "--force", str(org / "app.git"), "topic")
    add(db, [str(org)], recursive=True, workers=1, now=T0 + 1000)
    now = evaluate(InventoryRequest(db, now=T0 + 1100), rules, index)
    assert now.findings == []
    then = evaluate(InventoryRequest(db, at=T0 + 500, now=T0 + 1100), rules, index)
    assert [(f.ref, f.version) for f in then.findings] == [("topic", "4.4.2")]


def test_stale_and_unreadable_sources_are_said(tmp_path: Path) -> None:
    org, _r = _org(tmp_path)
    rules, index = _rules(tmp_path)
    db = str(tmp_path / "inv.db")
    add(db, [str(org)], recursive=True, workers=1, now=T0)
    later = evaluate(InventoryRequest(db, now=T0 + 3 * 86400), rules, index)
    assert any("stale: last read" in n.message for n in later.notes)
    (org / "app.git" / "packed-refs").write_text("not a packed-refs file\n")
    summary = add(db, [str(org / "app.git")], workers=1, now=T0 + 10)
    assert summary.errors
    broken = evaluate(InventoryRequest(db, now=T0 + 20), rules, index)
    assert any("last read of this repository failed" in e.message for e in broken.errors)
    assert [f.version for f in broken.findings] == ["4.4.2"]  # what it knew stays


def test_an_older_schema_is_migrated(tmp_path: Path) -> None:
    from gouvernante.inventory.store import MIGRATIONS

    db = str(tmp_path / "old.db")
    with sqlite3.connect(db) as raw:
        for statement in MIGRATIONS[1]:
            raw.execute(statement)
    with pytest.raises(SourceError, match="run inventory add to migrate"):
        connect(db, create=False)
    connect(db, create=True).close()
    with sqlite3.connect(db) as raw:
        assert raw.execute("SELECT version FROM schema_info").fetchone() == (SCHEMA_VERSION,)
        indexes = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert "packages_name_version" in indexes and "packages_name" not in indexes


def test_schema_is_versioned_and_a_newer_one_refused(tmp_path: Path) -> None:
    db = str(tmp_path / "inv.db")
    connect(db, create=True).close()
    with sqlite3.connect(db) as raw:
        assert raw.execute("SELECT version FROM schema_info").fetchone() == (SCHEMA_VERSION,)
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        raw.execute("UPDATE schema_info SET version = ?", (SCHEMA_VERSION + 1,))
    with pytest.raises(SourceError, match="newer"):
        connect(db, create=False)
    with pytest.raises(SourceError, match="no such inventory"):
        connect(str(tmp_path / "missing.db"), create=False)


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ORG_STEPS)
def test_inventory_answers_equal_git_answers(
    tmp_path_factory: pytest.TempPathFactory, org_steps: list[list[tuple[str, str, str, bool]]]
) -> None:
    tmp_path = tmp_path_factory.mktemp("org")
    rules, index = _rules(tmp_path)
    org = make_org(tmp_path, org_steps)
    direct = run_git_scan(GitScanRequest((str(org),), recursive=True, workers=1), rules, index)
    db = str(tmp_path / "inv.db")
    add(db, [str(org)], recursive=True, workers=1)
    stored = evaluate(InventoryRequest(db), rules, index)
    assert _comparable(stored.findings) == _comparable(direct.findings)
    assert sorted(stored.scanned) == sorted(direct.scanned)
    assert stored.errors == direct.errors


def test_a_project_folder_is_a_source_too(tmp_path: Path) -> None:
    rules, index = _rules(tmp_path)
    project = tmp_path / "checkout"
    (project / "web").mkdir(parents=True)
    (project / "web" / "package-lock.json").write_text(lockfile("4.4.2", "web"))
    (project / "package-lock.json").write_text(lockfile("4.4.1"))
    db = str(tmp_path / "inv.db")
    first = add(db, [], dirs=[str(project)], now=T0)
    assert (first.repositories, first.refs_moved, first.blobs_parsed) == (1, 1, 2)
    assert add(db, [], dirs=[str(project)], now=T0 + 10).refs_moved == 0
    out = evaluate(InventoryRequest(db, now=T0 + 20), rules, index)
    [finding] = out.findings
    assert (finding.ref, finding.lockfile, finding.version) == (
        "worktree",
        "web/package-lock.json",
        "4.4.2",
    )
    assert finding.repository is not None and finding.repository.endswith(f":{project}")
    (project / "web" / "package-lock.json").write_text(lockfile("4.4.3", "web"))
    moved = add(db, [], dirs=[str(project)], now=T0 + 30)
    assert (moved.refs_moved, moved.blobs_parsed) == (1, 1)
    assert evaluate(InventoryRequest(db, now=T0 + 40), rules, index).findings == []
    then = evaluate(InventoryRequest(db, at=T0 + 15, now=T0 + 40), rules, index)
    assert [f.version for f in then.findings] == ["4.4.2"]


def _npm_lock(ms: str) -> tuple[str, str]:
    """``lockfile("4.4.2")`` with ms at a version npm's reader refuses (its entry error)."""
    doc = json.loads(lockfile("4.4.2"))
    doc["packages"]["node_modules/ms"]["version"] = ms
    del doc["packages"]["node_modules/ms"]["resolved"]
    return "package-lock.json", json.dumps(doc, indent=2) + "\n"


def _pnpm_lock(debug: str) -> tuple[str, str]:
    """A pnpm 9 lockfile whose debug entry reads as ``debug``: pnpm's reader takes any version
    in a key, so a damaged one is the matcher's to refuse when a rule names the package."""
    text = f"""lockfileVersion: '9.0'

importers:

  .:
    dependencies:
      debug:
        specifier: ^4.4.0
        version: '{debug}'

packages:

  'debug@{debug}':
    resolution: {{integrity: sha512-{"C" * 86}==}}

snapshots:

  'debug@{debug}': {{}}
"""
    return "pnpm-lock.yaml", text


def _every_mode(tmp_path: Path, files: dict[str, str], *, whole: bool = False) -> list[Any]:
    """The same files committed in one repository, answered by a -git scan, an inventory and a
    scan of the checkout (the files given as lockfiles, or the folder when ``whole``)."""
    rules, index = _rules(tmp_path)
    r = Repo(tmp_path / "work")
    for name, text in files.items():
        r.write(name, text)
    r.commit("init", at=T0)
    org = tmp_path / "org"
    mirror(r.path, org / "app.git")
    direct = run_git_scan(GitScanRequest((str(org),), recursive=True, workers=1), rules, index)
    db = str(tmp_path / "inv.db")
    add(db, [str(org)], recursive=True, workers=1, now=T0 + 10)
    stored = evaluate(InventoryRequest(db, now=T0 + 20), rules, index)
    ruleset, _ = load_rule_files([str(write_rules(tmp_path))])
    if whole:
        request = ScanRequest(directory=str(r.path))
    else:
        request = ScanRequest(lockfiles=tuple(str(r.path / name) for name in files))
    return [direct, stored, run_scan(request, ruleset)]


@pytest.mark.parametrize(
    ("file", "found", "wanted"),
    [
        # ms: not semver, no tarball URL to read one from: the reader's entry error; the
        # finding on debug stands (exit 2, the error listed)
        (_npm_lock("latest"), 1, "packages['node_modules/ms']: version is not a semver"),
        # debug: read, but a rule names it and "{.4.2" (a damaged 4.4.2) cannot be checked
        (
            _pnpm_lock("{.4.2"),
            0,
            "a rule names debug, but this entry's version is not a semver version",
        ),
    ],
    ids=["npm", "pnpm"],
)
def test_unreadable_entries_are_errors_in_every_mode(
    tmp_path: Path, file: tuple[str, str], found: int, wanted: str
) -> None:
    """A -git scan, an inventory and a checkout scan of the same file all report the entries
    that could not be read or checked (before, -git and -inventory dropped them: exit 0)."""
    name, text = file
    for result in _every_mode(tmp_path, {name: text}):
        assert len(result.findings) == found
        [error] = result.errors
        assert wanted in error.message


def _npm_injected() -> tuple[str, str]:
    """``lockfile("4.4.1")`` whose ms entry downloads debug 4.4.2's tarball (decision 0030)."""
    doc = json.loads(lockfile("4.4.1"))
    doc["packages"]["node_modules/ms"]["resolved"] = (
        "https://registry.npmjs.org/debug/-/debug-4.4.2.tgz"
    )
    return "package-lock.json", json.dumps(doc, indent=2) + "\n"


def _pnpm_injected() -> tuple[str, str]:
    name, text = _pnpm_lock("4.4.1")
    url = "https://registry.npmjs.org/debug/-/debug-4.4.2.tgz"
    return name, text.replace("==}\n", "==, tarball: " + url + "}\n")


@pytest.mark.parametrize("file", [_npm_injected(), _pnpm_injected()], ids=["npm", "pnpm"])
def test_an_injected_tarball_is_found_in_every_mode(tmp_path: Path, file: tuple[str, str]) -> None:
    """An entry whose registry tarball URL names another package: that package is found and the
    entry is an error in a -git scan, an inventory and a checkout scan alike (the inventory's
    index of names holds the URL's package too)."""
    name, text = file
    assert "tarball: https" in text or name == "package-lock.json"
    for result in _every_mode(tmp_path, {name: text}):
        assert [(f.package, f.version) for f in result.findings] == [("debug", "4.4.2")]
        [error] = result.errors
        assert "another package or version" in error.message


@pytest.mark.parametrize(
    "extra",
    [{"overrides": {"debug": "4.4.2"}}, {"peerDependencies": {"debug": "4.4.2"}}],
    ids=["override", "peer"],
)
def test_an_override_or_peer_the_lockfile_does_not_install_is_a_note_in_every_mode(
    tmp_path: Path, extra: dict[str, object]
) -> None:
    """A package.json override (or peer) of a package its lockfile does not install forces
    nothing: a note, as under -dir, also in a -git scan and an inventory (they made it a
    finding, exit 2, on a clean lockfile)."""
    doc = json.loads(lockfile("4.4.1"))
    del doc["packages"]["node_modules/debug"]
    doc["packages"][""]["dependencies"] = {"ms": "^2.1.3"}
    manifest = {"name": "app", "version": "1.0.0", "dependencies": {"ms": "^2.1.3"}, **extra}
    for result in _every_mode(
        tmp_path,
        {
            "package-lock.json": json.dumps(doc, indent=2) + "\n",
            "package.json": json.dumps(manifest, indent=2) + "\n",
        },
        whole=True,
    ):
        assert not result.findings
        assert not result.errors


@pytest.mark.parametrize(
    "file",
    [("Package-Lock.json", lockfile("4.4.2")), ("pnpm-lock.feature.yaml", _pnpm_lock("4.4.2")[1])],
    ids=["case", "pnpm-branch-lockfile"],
)
def test_a_lockfile_under_another_name_a_package_manager_reads_is_read_in_every_mode(
    tmp_path: Path, file: tuple[str, str]
) -> None:
    """``Package-Lock.json`` (npm opens it as package-lock.json on macOS and Windows) and a pnpm
    branch lockfile (pnpm installs from it on that branch) are read with the well-known name's
    parser by a -git scan, an inventory and a checkout scan alike (decision 0033)."""
    name, text = file
    for result in _every_mode(tmp_path, {name: text}, whole=True):
        assert [(f.package, f.version) for f in result.findings] == [("debug", "4.4.2")]
        assert not result.errors


@pytest.mark.parametrize("old", [5, 6, 8])
def test_an_older_schema_holding_commits_is_refused_not_migrated(tmp_path: Path, old: int) -> None:
    """Its commits were read alone (before 6: no package.json beside an npm v1 / yarn classic
    lockfile, no pnpm catalogs, no .yarnrc.yml names; before 7: no bun catalogs in a
    package.json's graph) and are never read again: migrated, it answered CLEAN where -git
    finds (before 9: no symbolic links, a member that is one a bogus finding; decision 0113).
    Refused, by -inventory and inventory add alike; one without commits migrates."""
    from gouvernante.inventory.store import MIGRATIONS

    db = str(tmp_path / "old.db")
    with sqlite3.connect(db) as raw:
        for version in range(1, old + 1):
            for statement in MIGRATIONS[version]:
                raw.execute(statement)
        raw.execute("UPDATE schema_info SET version = ?", (old,))
        raw.execute("INSERT INTO repositories (id, name, location) VALUES (1, 'r', '/r')")
        raw.execute(
            "INSERT INTO commits_seen (repository_id, commit_id, committed_at) VALUES (1, 'c', 0)"
        )
    for create in (False, True):
        with pytest.raises(
            SourceError, match=f"schema version {old}: its recorded commits"
        ) as caught:
            connect(db, create=create)
        assert "record the organisation again into a new inventory" in str(caught.value)
    with sqlite3.connect(db) as raw:
        assert raw.execute("SELECT version FROM schema_info").fetchone() == (old,)
        raw.execute("DELETE FROM commits_seen")
    connect(db, create=True).close()
    with sqlite3.connect(db) as raw:
        assert raw.execute("SELECT version FROM schema_info").fetchone() == (SCHEMA_VERSION,)
