"""yarn 1 lockfiles the tool wrote and accepts (``yarn install --frozen-lockfile --offline``), read
whole with no error in every mode, and cut before an entry only the package.json names: an
error (decision 0134).

- ``fixtures/yarn1-workspace-ranges`` (generate.sh, yarn 1.22.22): workspaces in the object form
  with ``nohoist``; a workspace ms at 9.0.0 and b at 1.0.0. yarn links a workspace only for a
  range its version satisfies: the root's ``ms 2.0.0``, member app's ``ms 2.1.1`` and debug
  4.3.4's ``ms "2.1.2"`` (member b's) are locked from the registry, app's ``b ^1.0.0`` linked.
  Exempted by the workspace's name, a cut entry read CLEAN (``workspace-range``, decision
  0133's left).
- ``fixtures/yarn1-resolution-specs`` (generate.sh, yarn 1.22.22): ``resolutions`` to a ``file:``
  tarball, a scoped ``a/b`` path, ``git+file:`` and ``link:`` specs for names nothing depends
  on, and a dist-tag (no entry written). The entries of the git and link specs were checked by
  nothing (decision 0129's left): a cut before them read CLEAN.
- ``fixtures/yarn1-local-resolutions``, ``yarn1-scoped-local-resolutions`` (generate.sh, yarn
  1.22.22): ``resolutions`` to ``file:`` folders and ``link:`` (path-scoped in the second;
  decisions 0134, 0138).
- ``fixtures/yarn1-workspace-versions`` (generate.sh, yarn 1.22.22): a member with no version
  (no workspace to yarn 1) and one at ``=1.3.0`` (decision 0138).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import compromised_rules, every_mode, scan_report

FIXTURES = Path(__file__).parent / "fixtures"
RANGES = FIXTURES / "yarn1-workspace-ranges"
RANGE_FILES = (
    "package.json",
    "packages/app/package.json",
    "packages/b/package.json",
    "packages/ms/package.json",
    "yarn.lock",
)
SPECS = FIXTURES / "yarn1-resolution-specs"
SPEC_FILES = ("package.json", "local/zz/package.json", "yarn.lock")


def _files(fixture: Path, names: tuple[str, ...], lock: str | None = None) -> dict[str, str]:
    files = {name: (fixture / name).read_text(encoding="utf-8") for name in names}
    if lock is not None:
        files["yarn.lock"] = lock
    return files


def _before(fixture: Path, header: str) -> str:
    """yarn.lock cut at the entry whose header starts with ``header`` (the entries before it)."""
    text = (fixture / "yarn.lock").read_text(encoding="utf-8")
    at = text.index("\n" + header) + 1
    assert text[at - 2 : at] == "\n\n"
    return text[:at]


def _errors(report: dict[str, object]) -> list[str]:
    errors = report["errors"]
    assert isinstance(errors, list)
    return sorted(e["message"] for e in errors)


def _found(report: dict[str, object]) -> list[tuple[str, str]]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return sorted({(f["package"], f["version"]) for f in findings})


MS_RULES = compromised_rules("MS-1", ("ms", "=2.0.0 || =2.1.1 || =2.1.2"), ("is-number", "=7.0.0"))


def test_workspace_ranges_whole_file_reads_with_no_error_in_every_mode(tmp_path: Path) -> None:
    for mode, (code, report) in every_mode(tmp_path, _files(RANGES, RANGE_FILES), MS_RULES).items():
        assert _errors(report) == [], mode
        assert _found(report) == [
            ("is-number", "7.0.0"),
            ("ms", "2.0.0"),
            ("ms", "2.1.1"),
            ("ms", "2.1.2"),
        ], mode
        assert code == 2, mode


_NO_ENTRY = ": the lockfile has no entry for it (truncated or out-of-date lockfile)"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ms@2.0.0", "package.json dependencies['ms']" + _NO_ENTRY),
        ("ms@2.1.1", "packages/app/package.json dependencies['ms']" + _NO_ENTRY),
        # (debug's own dependency, answered by no entry: yarn links no workspace for it)
        ("ms@2.1.2", "a dependency on ms resolves to no entry of the file"),
    ],
)
def test_a_dependency_on_a_workspace_name_its_version_does_not_meet_cut_is_an_error(
    tmp_path: Path, header: str, expected: str
) -> None:
    lock = _before(RANGES, header)
    for mode, (code, report) in every_mode(
        tmp_path, _files(RANGES, RANGE_FILES, lock), MS_RULES
    ).items():
        assert any(expected in e for e in _errors(report)), (mode, _errors(report))
        assert code == 2, mode  # (is-number 7.0.0, before the cut, still found)


SPEC_RULES = compromised_rules(
    "GIT-1", ("gitdep", "=1.0.0"), ("kind-of", "=6.0.3"), ("ms", "=2.1.1")
)


def test_resolution_specs_whole_file_reads_with_no_error_in_every_mode(tmp_path: Path) -> None:
    for mode, (code, report) in every_mode(tmp_path, _files(SPECS, SPEC_FILES), SPEC_RULES).items():
        assert _errors(report) == [], mode
        # (gitdep and kind-of: written for the unused git resolution, not installed: findings
        # that say so)
        assert ("ms", "2.1.1") in _found(report), mode
        assert ("kind-of", "6.0.3") in _found(report), mode
        assert code == 2, mode


@pytest.mark.parametrize(
    ("header", "key"),
    [('"gitdep@git+file:', "gitdep"), ('"zz@link:', "zz")],
)
def test_a_git_or_link_resolution_cut_is_an_error(tmp_path: Path, header: str, key: str) -> None:
    lock = _before(SPECS, header)
    for mode, (_code, report) in every_mode(
        tmp_path, _files(SPECS, SPEC_FILES, lock), SPEC_RULES
    ).items():
        expected = f"package.json resolutions['{key}']: the lockfile has no entry for the version"
        assert any(expected in e for e in _errors(report)), (mode, _errors(report))


LOCAL = FIXTURES / "yarn1-local-resolutions"
LOCAL_FILES = ("package.json", "local/ms/package.json", "local/kind-of/package.json", "yarn.lock")
LOCAL_RULES = compromised_rules(
    "LOCAL-1", ("ms", "=2.1.2 || =2.1.8"), ("kind-of", "=3.2.2"), ("left-pad", "=1.3.0")
)


def test_resolutions_to_a_file_or_link_folder_read_with_no_error_in_every_mode(
    tmp_path: Path,
) -> None:
    """yarn 1.22.22 writes the entries of a package forced to a folder with no ``resolved``
    (``ms@2.1.2, "ms@file:./local/ms"``; ``kind-of@^3.0.2`` at 0.0.0 beside its ``link:``): a
    rule naming ms or kind-of refused the healthy file ("this entry has no resolved URL")."""
    for mode, (code, report) in every_mode(
        tmp_path, _files(LOCAL, LOCAL_FILES), LOCAL_RULES
    ).items():
        assert _errors(report) == [], mode
        # (the folder's own dependency, locked from the registry, is found)
        assert _found(report) == [("left-pad", "1.3.0")], mode
        assert code == 2, mode


def test_the_same_entries_without_the_resolutions_are_still_refused(tmp_path: Path) -> None:
    """Without the package.json's resolutions yarn resolves ``ms@2.1.2`` and ``kind-of@^3.0.2``
    from the registry again (no ``resolved``): what it installs cannot be told."""
    files = _files(LOCAL, LOCAL_FILES)
    files["package.json"] = files["package.json"].replace('"resolutions"', '"x-resolutions"')
    (_code, report) = every_mode(tmp_path, files, LOCAL_RULES)["-dir"]
    errors = _errors(report)
    assert any("a rule names ms, but this entry has no resolved URL" in e for e in errors), errors
    assert any("a rule names kind-of, but this entry has no resolved URL" in e for e in errors)


SCOPED = FIXTURES / "yarn1-scoped-local-resolutions"
SCOPED_FILES = ("package.json", "local/ms/package.json", "local/kind-of/package.json", "yarn.lock")
SCOPED_RULES = compromised_rules("SCOPED-1", ("ms", "=2.0.0"), ("kind-of", "=6.0.3"))


def test_path_scoped_folder_resolutions_read_with_no_error_in_every_mode(tmp_path: Path) -> None:
    """``fixtures/yarn1-scoped-local-resolutions`` (generate.sh, yarn 1.22.22): ``debug/ms`` to
    a ``file:`` folder and ``is-number/kind-of`` to a ``link:``, beside the root's registry ms
    2.0.0 and kind-of 6.0.3 (decision 0138)."""
    for mode, (code, report) in every_mode(
        tmp_path, _files(SCOPED, SCOPED_FILES), SCOPED_RULES
    ).items():
        assert _errors(report) == [], mode
        assert _found(report) == [("kind-of", "6.0.3"), ("ms", "2.0.0")], mode
        assert code == 2, mode


@pytest.mark.parametrize("name", ["ms", "kind-of"])
def test_another_entry_of_a_path_scoped_folder_resolution_s_name_is_not_the_folder(
    tmp_path: Path, name: str
) -> None:
    """The root's own ms@2.0.0 (kind-of@6.0.3) with its ``resolved`` removed by hand was read
    as the folder a path-scoped resolution forces for debug's ms (is-number's kind-of): CLEAN.
    yarn resolves such an entry from the registry again: what it installs cannot be told."""
    lock = (SCOPED / "yarn.lock").read_text(encoding="utf-8")
    version = "2.0.0" if name == "ms" else "6.0.3"
    lines = lock.split("\n")
    lines = [line for line in lines if f"/{name}-{version}.tgz" not in line]
    for mode, (_code, report) in every_mode(
        tmp_path, _files(SCOPED, SCOPED_FILES, "\n".join(lines)), SCOPED_RULES
    ).items():
        expected = f"a rule names {name}, but this entry has no resolved URL"
        assert any(expected in e for e in _errors(report)), (mode, _errors(report))


VERSIONS = FIXTURES / "yarn1-workspace-versions"
VERSION_FILES = (
    "package.json",
    "packages/app/package.json",
    "packages/ms/package.json",
    "packages/lp/package.json",
    "yarn.lock",
)
VERSION_RULES = compromised_rules("MS-1", ("ms", "=2.1.2 || =2.1.3"), ("is-number", "=7.0.0"))


def test_workspace_versions_whole_file_reads_with_no_error_in_every_mode(tmp_path: Path) -> None:
    """``fixtures/yarn1-workspace-versions`` (generate.sh, yarn 1.22.22): packages/ms (named ms)
    has no version, which yarn 1 ignores as a workspace ("Missing version in workspace ...,
    ignoring."): the root's ``ms 2.1.2`` and app's ``ms ^2.0.0`` are locked from the registry,
    ms's own kind-of locked nowhere; packages/lp (named left-pad) at ``=1.3.0`` is cleaned to
    1.3.0 and linked for app's ``left-pad ^1.3.0`` (decision 0138). The healthy file was
    refused (``=1.3.0`` asked as written, the ignored member's dependency)."""
    for mode, (code, report) in every_mode(
        tmp_path, _files(VERSIONS, VERSION_FILES), VERSION_RULES, inventory_dir=True
    ).items():
        assert _errors(report) == [], mode
        assert _found(report) == [("is-number", "7.0.0"), ("ms", "2.1.2"), ("ms", "2.1.3")], mode
        assert code == 2, mode


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ms@2.1.2:", "package.json dependencies['ms']: the lockfile has no entry for it"),
        ("ms@^2.0.0:", "packages/app/package.json dependencies['ms']: the lockfile has no entry"),
    ],
)
def test_a_cut_before_the_registry_entry_of_a_versionless_member_name_is_an_error(
    tmp_path: Path, header: str, expected: str
) -> None:
    """Exempted by the version-less member's name, such a cut read CLEAN."""
    lock = _before(VERSIONS, header)
    for mode, (_code, report) in every_mode(
        tmp_path, _files(VERSIONS, VERSION_FILES, lock), VERSION_RULES, inventory_dir=True
    ).items():
        assert any(expected in e for e in _errors(report)), (mode, _errors(report))


def test_a_pairing_recorded_by_an_older_gouvernante_is_an_error_until_read_again(
    tmp_path: Path,
) -> None:
    """An inventory stores a yarn 1 lockfile read with its package.json as it was judged then
    (its entry errors as text): one recorded before this change read the cut file CLEAN (its
    row as then: no entry error). The migration to schema 11 stores such a pairing as an
    error (never CLEAN); the next ``inventory add`` that meets it reads it again."""
    import sqlite3
    import subprocess

    from gitsrc.gitrepo import GIT_ENV, Repo, mirror
    from gouvernante.cli import main
    from gouvernante.inventory.store import STALE_PAIRING

    repo = Repo(tmp_path / "tree")
    for rel, content in _files(VERSIONS, VERSION_FILES, _before(VERSIONS, "ms@2.1.2:")).items():
        repo.write(rel, content)
    repo.commit("init")
    git = mirror(repo.path, tmp_path / "tree.git")
    db = str(tmp_path / "inventory.sqlite")
    assert main(["inventory", "add", "-db", db, "-git", str(git)]) == 0
    with sqlite3.connect(db) as con:  # (as recorded before: schema 10, no entry error)
        con.execute("UPDATE blobs SET entry_errors = NULL WHERE oid LIKE '%+%'")
        con.execute("UPDATE schema_info SET version = 10")
    assert main(["inventory", "add", "-db", db, "-git", str(git)]) == 0  # (migrates)
    code, report = scan_report(tmp_path, VERSION_RULES, "-inventory", db)
    assert _errors(report) == [STALE_PAIRING]
    assert code in {1, 2}  # (2: the manifests' declared ranges)
    repo.write("README", "moved\n")
    repo.commit("the ref moves")
    subprocess.run(["git", "-C", str(git), "fetch", "-q"], check=True, env=GIT_ENV)
    assert main(["inventory", "add", "-db", db, "-git", str(git)]) == 0
    code, report = scan_report(tmp_path, VERSION_RULES, "-inventory", db)
    assert "package.json dependencies['ms']: the lockfile has no entry for it" in " ".join(
        _errors(report)
    )
