"""Every line cut of the small yarn classic and npm v1 lockfiles under tests/ that have a
package.json beside them (and of the pnpm, berry and bun.lock files of fixtures/realtools),
scanned with ``-dir`` as their project (``cutsweep``, decisions 0129 and 0130):
an error, or every finding of the whole file. ``scripts/fuzz-lockfiles.py --cut-lines`` runs
every case, big ones too, in both ``-dir`` and ``-dir -recursive``."""

from __future__ import annotations

from pathlib import Path

import pytest

from lockfiles.cutsweep import TESTS, cases, sweep

SMALL = [p for p in cases() if p.stat().st_size < 8_000]

# what a cut still loses with no error, and why (decision 0129, left)
KNOWN = {
    # hand-made hostile files heading one key twice: the cut before the second is a plain file
    "hostile/fixtures/attacker-view/yarn1-header-twice-first/yarn.lock": "duplicate",
    "hostile/fixtures/attacker-view/yarn1-header-twice-last/yarn.lock": "duplicate",
}


def _label(path: Path) -> str:
    return path.relative_to(TESTS).as_posix()


def test_the_sweep_has_the_fixtures_of_decision_0129() -> None:
    labels = {_label(p) for p in SMALL}
    assert "lockfiles/fixtures/realtools/yarn1-root-specs/yarn.lock" in labels
    assert "lockfiles/fixtures/realtools/npm6-root-specs/package-lock.json" in labels
    assert "pipeline/fixtures/yarn1-resolutions/yarn.lock" in labels
    # pnpm 8.15.9 files whose last entry is a git repository's, or a dependency only the entry
    # before names, cut inside it (decision 0130)
    assert "lockfiles/fixtures/realtools/pnpm8-git-last/pnpm-lock.yaml" in labels
    assert "lockfiles/fixtures/realtools/pnpm8-dependency-last/pnpm-lock.yaml" in labels
    assert set(KNOWN) <= labels


@pytest.mark.parametrize("lockfile", SMALL, ids=_label)
def test_every_line_cut_errs_or_keeps_every_finding(lockfile: Path, tmp_path: Path) -> None:
    result = sweep(lockfile, tmp_path, recursive=False)
    lost = [str(f) for f in result.failures if not f.unseeable]
    if _label(lockfile) in KNOWN:
        assert lost, "a known loss is gone: take it out of KNOWN"
        return
    assert lost == []
