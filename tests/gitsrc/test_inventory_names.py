"""Names that are not valid UTF-8 (a tree path, a ref, a folder on disk) in the inventory: one
such repository used to stop ``inventory add`` for the whole organisation (UnicodeEncodeError:
SQLite refuses a lone surrogate); now they are stored as every report shows them, ``\\xNN``
(decision 0115)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from gitsrc.gitrepo import Repo, lockfile, mirror, write_rules
from gouvernante.cli import main

CAFE = os.fsdecode(b"caf\xe9")  # a folder name in Latin-1: not valid UTF-8


def _scan(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
    code = main([*args, "-json"])
    return code, json.loads(capsys.readouterr().out)


def _where(report: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((f["ref"], f["lockfile"]) for f in report["findings"])


def test_a_repository_with_names_not_utf8_is_recorded_with_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    odd = Repo(tmp_path / "odd")
    odd.write(f"{CAFE}/package-lock.json", lockfile("4.4.2", "cafe"))
    odd.commit("a folder named in Latin-1")
    odd.git("branch", os.fsdecode(b"r\xe9lease"))
    plain = Repo(tmp_path / "plain")
    plain.write("package-lock.json", lockfile("4.4.2"))
    plain.commit("plain")
    org = tmp_path / "org"
    mirror(odd.path, org / "odd.git")
    mirror(plain.path, org / "plain.git")
    rules = str(write_rules(tmp_path))
    db = str(tmp_path / "inv.sqlite")
    assert main(["inventory", "add", "-db", db, "-git", str(org), "-recursive"]) == 0
    capsys.readouterr()
    direct_code, direct = _scan(capsys, "-rules", rules, "-git", str(org), "-recursive")
    code, answered = _scan(capsys, "-rules", rules, "-inventory", db)
    assert (direct_code, code) == (2, 2)
    assert _where(answered) == _where(direct)
    assert ("r\\xe9lease", "caf\\xe9/package-lock.json") in _where(answered)
    assert ("main", "package-lock.json") in _where(answered)


def test_a_folder_not_utf8_is_recorded_by_inventory_add_dir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "projects" / CAFE
    project.mkdir(parents=True)
    (project / "package-lock.json").write_text(lockfile("4.4.2"), encoding="utf-8")
    db = str(tmp_path / "inv.sqlite")
    code = main(["inventory", "add", "-db", db, "-dir", str(project.parent), "-recursive"])
    assert code == 0
    capsys.readouterr()
    code, report = _scan(capsys, "-rules", str(write_rules(tmp_path)), "-inventory", db)
    assert code == 2
    assert [f["lockfile"] for f in report["findings"]] == ["caf\\xe9/package-lock.json"]


def test_two_paths_stored_alike_are_an_error_never_one_of_them_dropped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    r = Repo(tmp_path / "w")
    r.write(f"{CAFE}/package-lock.json", lockfile("4.4.2", "bad"))
    r.write("caf\\xe9/package-lock.json", lockfile("4.4.3", "fine"))  # the escape, spelled out
    r.commit("both spellings")
    db = str(tmp_path / "inv.sqlite")
    assert main(["inventory", "add", "-db", db, "-git", str(r.path)]) == 1
    capsys.readouterr()
    code, report = _scan(capsys, "-rules", str(write_rules(tmp_path)), "-inventory", db)
    assert code == 1
    assert any("stored alike" in e["message"] for e in report["errors"]), report["errors"]
