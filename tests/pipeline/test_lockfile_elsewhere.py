"""A lockfile that records a project outside its own folder decides that project's ranges.

pnpm's ``lockfile-dir`` (here ``proj/.npmrc``: ``lockfile-dir=../locks``) writes the project's
lockfile to ``locks/pnpm-lock.yaml`` with the importer ``../proj``: no folder above ``proj``
holds it, so ``proj``'s range that could match a rule was a CRITICAL "no lockfile of this
project resolves it" finding (exit 2) in ``-dir -recursive`` and ``-git``, while the lockfile
locked a clean release. The fixture is what pnpm 9.15.9 wrote (fixtures/pnpm-lockfile-dir/
generate.sh); Rush's ``common/config/rush`` lockfiles are the same class (test_rush.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_rush import _args, _found, _repo, _scan

FIXTURE = Path(__file__).parent / "fixtures" / "pnpm-lockfile-dir"
LOCK = "locks/pnpm-lock.yaml"


@pytest.mark.parametrize("mode", ["-dir", "-git"])
def test_the_lockfile_dir_lockfile_decides_the_projects_range(tmp_path: Path, mode: str) -> None:
    args = _args(_repo(tmp_path, FIXTURE), mode)
    # proj's ~2.1.2 could match 2.1.2; the lockfile locks 2.1.3
    code, report = _scan(tmp_path, "2.1.2", *args)
    assert code == 0, report["findings"]
    notes = [n["message"] for n in report["notes"] if n["path"].endswith("proj/package.json")]
    assert len(notes) == 1
    assert "range '~2.1.2' of ms could match MS-1" in notes[0]
    assert f"{LOCK} resolves it: the lockfile decides" in notes[0]
    # the release it locks is found there, once
    code, report = _scan(tmp_path, "2.1.3", *args)
    assert code == 2
    assert _found(report) == [(LOCK, "ms", "2.1.3", "version")]


def test_a_lockfile_recording_another_folder_decides_nothing(tmp_path: Path) -> None:
    repo = _repo(tmp_path, FIXTURE)
    lock = repo / LOCK
    text = lock.read_text(encoding="utf-8")
    lock.write_text(text.replace("  ../proj:", "  ../other:"), encoding="utf-8")
    code, report = _scan(tmp_path, "2.1.2", "-dir", str(repo), "-recursive")
    assert code == 2
    assert _found(report) == [("proj/package.json", "ms", "~2.1.2", "declared-range")]


def test_an_npm_lockfile_recording_a_file_folder_outside_does_not_place_it(
    tmp_path: Path,
) -> None:
    """npm records app's ``file:../shared`` as ``../shared`` in app/package-lock.json, but
    shared's own install does not read that file: shared's range stays a finding."""
    repo = _repo(tmp_path, Path(__file__).parent / "fixtures" / "npm-file-outside")
    for mode in ("-dir", "-git"):
        code, report = _scan(tmp_path, "2.1.3", *_args(repo, mode))
        assert code == 2
        assert _found(report) == [("shared/package.json", "ms", "~2.1.2", "declared-range")]
