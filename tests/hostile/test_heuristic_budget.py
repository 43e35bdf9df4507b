"""``-heuristic``'s byte budget per package (decision 0158): a planted package of many big junk
files is read up to ``MAX_BYTES_PER_PACKAGE``, the files an install script runs and the entry
points first, and a note names the package and how many of its files were left unread."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from gouvernante.heuristic import engine
from gouvernante.heuristic import files as files_mod
from gouvernante.heuristic.discover import entry_files

RECALL = Path(__file__).resolve().parents[1] / "heuristic" / "fixtures" / "recall"
MIB = 1024 * 1024


def _planted(root: Path, junk: int) -> Path:
    """A package whose junk files sort (and are walked) before its install payload and its main
    file: 1 MiB each of the costliest fill decision 0154 found."""
    pkg = root / "node_modules" / "planted"
    (pkg / "zz").mkdir(parents=True)
    manifest = {
        "name": "planted",
        "version": "1.0.0",
        "main": "./zzz-main",
        "scripts": {"preinstall": "node zz/setup.js"},
    }
    (pkg / "package.json").write_text(json.dumps(manifest))
    shutil.copy(RECALL / "env-walk-else" / "setup.js", pkg / "zz" / "setup.js")
    shutil.copy(RECALL / "decode-eval" / "index.js", pkg / "zzz-main.js")
    fill = ("'a'+" * (MIB // 4)).encode()
    for i in range(junk):
        (pkg / f"aa-junk-{i:03d}.js").write_bytes(fill)
    return pkg


def _counting_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    sizes: list[int] = []
    real = files_mod.read_sampled

    def counted(
        path: str, limit: int, stats: files_mod.Stats, digests: files_mod.Digests | None = None
    ) -> tuple[bytes, bool] | None:
        got = real(path, limit, stats, digests)
        sizes.append(len(got[0]) if got is not None else 0)
        return got

    monkeypatch.setattr(engine, "read_sampled", counted)
    return sizes


def test_a_package_past_its_budget_is_cut_short_and_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "MAX_BYTES_PER_PACKAGE", 4 * MIB)
    pkg = _planted(tmp_path, junk=30)
    sizes = _counting_reads(monkeypatch)
    hits, notes = engine.scan_trees([str(tmp_path / "node_modules")], workers=1)
    # bounded: the budget, overrun by at most one file (the payloads are small)
    assert sum(sizes) <= 4 * MIB + MIB + 64 * 1024
    found = {(os.path.relpath(h.file, pkg), h.pattern_id) for h in hits}
    assert ("zz/setup.js", "GH-CRED-ENV-HARVEST") in found  # install-reachable: read first
    assert ("zzz-main.js", "GH-DECODE-EXEC") in found  # the entry point: read next
    [note] = [n for n in notes if "not read" in n]
    assert note.startswith(f"heuristic: {pkg}: more than 4 MB of code files; 26 of its code ")
    assert "'a'" not in note


def test_a_package_within_its_budget_is_read_whole_without_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "MAX_BYTES_PER_PACKAGE", 64 * MIB)
    _planted(tmp_path, junk=3)
    sizes = _counting_reads(monkeypatch)
    hits, notes = engine.scan_trees([str(tmp_path / "node_modules")], workers=1)
    assert len([s for s in sizes if s >= MIB]) == 3
    assert not any("not read" in n for n in notes)
    assert {h.pattern_id for h in hits} >= {"GH-CRED-ENV-HARVEST", "GH-DECODE-EXEC"}


def test_budget_notes_name_twenty_packages_then_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "MAX_BYTES_PER_PACKAGE", 1)
    nm = tmp_path / "node_modules"
    for i in range(23):
        pkg = nm / f"p{i:02d}"
        pkg.mkdir(parents=True)
        (pkg / "package.json").write_text(json.dumps({"name": f"p{i:02d}", "version": "1.0.0"}))
        for name in ("a.js", "b.js"):
            (pkg / name).write_text("module.exports = 1;\n")
    _hits, notes = engine.scan_trees([str(nm)], workers=1)
    named = [n for n in notes if "1 of its code files were not read" in n]
    assert len(named) == engine.MAX_BUDGET_NOTES
    assert any(n.startswith("heuristic: 3 more packages had more than") for n in notes)


def test_entry_files_are_package_relative() -> None:
    got = entry_files({"main": "./lib/index", "bin": {"a": "bin/a", "b": "../../etc/x", "c": 3}})
    assert got[:2] == (os.path.join("lib", "index"), os.path.join("lib", "index.js"))
    assert os.path.join("lib", "index", "index.js") in got
    assert os.path.join("bin", "a") in got
    assert not any(".." in p for p in got)
    assert entry_files({"main": 7, "bin": "/abs/cli.js"})[0] == os.path.join("abs", "cli.js")


def test_scan_package_dir_gives_the_budget_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The library call of one folder applies the budget and, asked for notes, gives the note
    ``scan_trees`` gives (decision 0162)."""
    monkeypatch.setattr(engine, "MAX_BYTES_PER_PACKAGE", 4 * MIB)
    pkg = _planted(tmp_path, junk=8)
    notes: list[str] = []
    hits = engine.scan_package_dir(str(pkg), notes=notes)
    assert {h.pattern_id for h in hits} >= {"GH-CRED-ENV-HARVEST", "GH-DECODE-EXEC"}
    assert notes == [
        f"heuristic: {pkg}: more than 4 MB of code files; 4 of its code files were not read "
        "(install-script files and entry points were read first)"
    ]
    assert engine.scan_package_dir(str(pkg)) == hits  # the notes are asked for, not forced


def test_scan_package_dir_within_its_budget_gives_no_note(tmp_path: Path) -> None:
    pkg = _planted(tmp_path, junk=2)
    notes: list[str] = []
    assert engine.scan_package_dir(str(pkg), notes=notes)
    assert notes == []
