"""``-heuristic``'s byte budget per scan (decision 0162): a tree planting many big packages is read
up to ``MAX_BYTES_PER_SCAN`` in all (worker processes together), the files install scripts run
in every package before any other file of any package, and one note counts what was left
unread (never a byte of it)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from gouvernante.heuristic import engine
from gouvernante.heuristic import files as files_mod

RECALL = Path(__file__).resolve().parents[1] / "heuristic" / "fixtures" / "recall"
KIB = 1024
MIB = 1024 * KIB
JUNK = 256 * KIB


def _plant(nm: Path, count: int, junk: int) -> list[Path]:
    """``count`` packages, each with ``junk`` files of the costliest fill decision 0154 found,
    walked before its install payload (``zz/setup.js``, run by its preinstall)."""
    fill = ("'a'+" * (JUNK // 4)).encode()
    out = []
    for i in range(count):
        pkg = nm / f"planted-{i:02d}"
        (pkg / "zz").mkdir(parents=True)
        manifest = {
            "name": f"planted-{i:02d}",
            "version": "1.0.0",
            "scripts": {"preinstall": "node zz/setup.js"},
        }
        (pkg / "package.json").write_text(json.dumps(manifest))
        shutil.copy(RECALL / "env-walk-else" / "setup.js", pkg / "zz" / "setup.js")
        for j in range(junk):
            (pkg / f"aa-junk-{j:02d}.js").write_bytes(fill)
        out.append(pkg)
    return out


def _kb_read(notes: list[str]) -> int:
    [count] = [n for n in notes if n.startswith("heuristic: scanned ")]
    got = re.search(r"code files \((\d+) KB\)", count)
    assert got is not None
    return int(got.group(1))


@pytest.mark.parametrize(("count", "workers"), [(10, 1), (30, 2)])
def test_planted_packages_past_the_scan_budget_are_cut_and_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, count: int, workers: int
) -> None:
    monkeypatch.setattr(engine, "MAX_BYTES_PER_SCAN", 2 * MIB)
    nm = tmp_path / "node_modules"
    planted = _plant(nm, count, junk=4)
    hits, notes = engine.scan_trees([str(nm)], workers=workers)
    # every package's install payload was read before any junk file of any package
    payloads = {Path(h.file).parent.parent for h in hits if h.pattern_id == "GH-CRED-ENV-HARVEST"}
    assert payloads == set(planted)
    # bounded: the budget, overrun by at most one file per process, plus the payloads
    assert _kb_read(notes) * KIB <= 2 * MIB + workers * JUNK + count * 4 * KIB
    [note] = [n for n in notes if "in this scan" in n]
    unread = count * 4 - (2 * MIB // JUNK)
    got = re.fullmatch(
        r"heuristic: more than 2 MB of code files in this scan; (\d+) code files of (\d+) "
        r"packages were not read \(the files install scripts run were read first, in every "
        r"package\)",
        note,
    )
    assert got is not None, note
    assert unread - workers <= int(got.group(1)) <= unread
    assert int(got.group(2)) <= count
    assert not any("more than 128 MB" in n for n in notes)  # no package passed its own budget


def test_a_tree_within_the_scan_budget_gives_no_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "MAX_BYTES_PER_SCAN", 8 * MIB)
    nm = tmp_path / "node_modules"
    _plant(nm, 3, junk=2)
    hits, notes = engine.scan_trees([str(nm)], workers=1)
    assert not any("in this scan" in n for n in notes)
    assert _kb_read(notes) * KIB >= 3 * 2 * JUNK
    assert len([h for h in hits if h.pattern_id == "GH-CRED-ENV-HARVEST"]) == 3


def test_the_scan_budget_is_one_mebibyte_multiple_of_the_package_budget() -> None:
    # the scan's budget holds several packages at their own budget's worst
    assert files_mod.MAX_BYTES_PER_SCAN >= 4 * files_mod.MAX_BYTES_PER_PACKAGE
    assert files_mod.MAX_BYTES_PER_SCAN % MIB == 0
