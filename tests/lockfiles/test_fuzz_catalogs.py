"""Damaged catalog files, ``.yarnrc.yml`` settings and pnpm 1-2 shrinkwraps (bounded; the long
run is ``scripts/fuzz-lockfiles.py --settings``): each read exactly as a YAML or JSON reader reads
it, or refused; never a traceback or a hang (``fuzz_catalogs``)."""

from __future__ import annotations

import random

import pytest

from lockfiles.fuzz_catalogs import SettingsCase, check_settings, cuts, settings_cases
from lockfiles.fuzzcore import mutate

CASES = settings_cases()


@pytest.mark.parametrize("case", CASES, ids=[f"{c.kind}:{c.label}" for c in CASES])
def test_every_cut_and_some_mutations_are_read_exactly_or_refused(case: SettingsCase) -> None:
    assert check_settings(case, case.data, "whole").kind in (
        ("error",) if case.kind == "shrinkwrap" else ("read",)
    )
    for damaged, where in cuts(case.data, max(1, len(case.data) // 300)):
        check_settings(case, damaged, where)
    rng = random.Random(7)
    for _ in range(300):
        position = rng.randrange(len(case.data))
        damaged, touched = mutate(case.data, position, rng.randrange(5), rng.randrange(-256, 64))
        check_settings(case, damaged, f"mutation at {touched}")
