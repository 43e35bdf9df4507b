"""yarn 1 reads a workspace member's version before it links it (decision 0138).

``fixtures/yarn1-workspace-versions`` (generate.sh, yarn 1.22.22): packages/ms (named ms) has no
version, which yarn 1 ignores as a workspace ("Missing version in workspace ..., ignoring."):
the root's ``ms 2.1.2`` and app's ``ms ^2.0.0`` are locked from the registry, ms's own
dependency kind-of is locked nowhere. packages/lp (named left-pad) is at ``=1.3.0``, which yarn
cleans to 1.3.0 and links for app's ``left-pad ^1.3.0`` (no entry). Exempted by name, a cut
before an ms entry read CLEAN; asked of ``=1.3.0`` as written and of the ignored member's
dependencies, the healthy file was refused.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import compromised_rules, every_mode, scan_report

FIXTURE = Path(__file__).parent / "fixtures" / "yarn1-workspace-versions"
FILES = (
    "package.json",
    "packages/app/package.json",
    "packages/ms/package.json",
    "packages/lp/package.json",
    "yarn.lock",
)
RULES = compromised_rules("MS-1", ("ms", "=2.1.2 || =2.1.3"), ("is-number", "=7.0.0"))


def _files(lock: str | None = None) -> dict[str, str]:
    files = {name: (FIXTURE / name).read_text(encoding="utf-8") for name in FILES}
    if lock is not None:
        files["yarn.lock"] = lock
    return files


def _errors(report: dict[str, object]) -> list[str]:
    errors = report["errors"]
    assert isinstance(errors, list)
    return sorted(e["message"] for e in errors)


def _found(report: dict[str, object]) -> list[tuple[str, str]]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return sorted({(f["package"], f["version"]) for f in findings})


def test_the_whole_file_reads_with_no_error_in_every_mode(tmp_path: Path) -> None:
    for mode, (code, report) in every_mode(tmp_path, _files(), RULES, inventory_dir=True).items():
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
    text = (FIXTURE / "yarn.lock").read_text(encoding="utf-8")
    at = text.index("\n" + header) + 1
    for mode, (_code, report) in every_mode(
        tmp_path, _files(text[:at]), RULES, inventory_dir=True
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

    text = (FIXTURE / "yarn.lock").read_text(encoding="utf-8")
    repo = Repo(tmp_path / "tree")
    for rel, content in _files(text[: text.index("\nms@2.1.2:") + 1]).items():
        repo.write(rel, content)
    repo.commit("init")
    git = mirror(repo.path, tmp_path / "tree.git")
    db = str(tmp_path / "inventory.sqlite")
    assert main(["inventory", "add", "-db", db, "-git", str(git)]) == 0
    with sqlite3.connect(db) as con:  # (as recorded before: schema 10, no entry error)
        con.execute("UPDATE blobs SET entry_errors = NULL WHERE oid LIKE '%+%'")
        con.execute("UPDATE schema_info SET version = 10")
    assert main(["inventory", "add", "-db", db, "-git", str(git)]) == 0  # (migrates)
    code, report = scan_report(tmp_path, RULES, "-inventory", db)
    assert _errors(report) == [STALE_PAIRING]
    assert code in {1, 2}  # (2: the manifests' declared ranges)
    repo.write("README", "moved\n")
    repo.commit("the ref moves")
    subprocess.run(["git", "-C", str(git), "fetch", "-q"], check=True, env=GIT_ENV)
    assert main(["inventory", "add", "-db", db, "-git", str(git)]) == 0
    code, report = scan_report(tmp_path, RULES, "-inventory", db)
    assert "package.json dependencies['ms']: the lockfile has no entry for it" in " ".join(
        _errors(report)
    )
