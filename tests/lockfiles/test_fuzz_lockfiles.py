"""Truncations and mutations of real lockfiles of every text format (npm v1/v2/v3, shrinkwrap,
pnpm 5.3/5.4/6.0/9.0, yarn classic, yarn berry, bun.lock): never a traceback, never a hang, never
a silent partial read, never exit 0 when the undamaged file has a finding. The checks are in
``fuzzcore.py``; ``scripts/fuzz-lockfiles.py --minutes N`` runs them for longer, on the
realworld set too.

Bounded for CI: truncations every few bytes (about 150 cuts a file), mutations drawn by
Hypothesis (derandomized under CI, see ``tests/conftest.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lockfiles.fuzzcore import Case, check, fixture_paths, load_case, mutate, truncations

PATHS = fixture_paths()
IDS = [f"{p.parent.name}/{p.name}" for p in PATHS]
_CASES: dict[Path, Case] = {}


def _case(path: Path) -> Case:
    if path not in _CASES:
        _CASES[path] = load_case(path, f"{path.parent.name}/{path.name}")
    return _CASES[path]


def test_every_text_format_is_fuzzed() -> None:
    formats = {(p.parent.parent.name, p.name) for p in PATHS}
    assert formats >= {
        ("npm", "package-lock.json"),
        ("npm", "npm-shrinkwrap.json"),
        ("pnpm", "pnpm-lock.yaml"),
        ("yarn", "yarn.lock"),
        ("bun", "bun.lock"),
        ("deno", "deno.lock"),
    }
    assert {p.parent.name for p in PATHS} >= {"npm6-v1", "npm8-v2", "npm11-v3", "pnpm6", "pnpm7"}


@pytest.mark.parametrize(
    "path",
    PATHS,
    ids=IDS,
)
def test_truncations(path: Path) -> None:
    case = _case(path)
    step = max(1, len(case.data) // 150)
    kinds = {
        check(case, cut, truncated=True, touched=where).kind
        for cut, where in truncations(case, step)
    }
    assert "error" in kinds


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    index=st.integers(0, len(PATHS) - 1),
    position=st.integers(0, 1 << 20),
    kind=st.integers(0, 4),
    value=st.integers(-256, 63),
)
def test_mutations(index: int, position: int, kind: int, value: int) -> None:
    case = _case(PATHS[index])
    damaged, touched = mutate(case.data, position, kind, value)
    check(case, damaged, truncated=False, touched=touched)


LINE_END_CASES = [
    p
    for p in PATHS
    if p.parent.name.startswith("pnpm") or (p.name == "yarn.lock" and "berry" in p.parent.name)
]


@pytest.mark.parametrize(
    "path", LINE_END_CASES, ids=[f"{p.parent.name}/{p.name}" for p in LINE_END_CASES]
)
def test_every_cut_at_a_line_end(path: Path) -> None:
    """The long fuzz run (seed 23, 2026-12-06) found cuts read as smaller lockfiles: a pnpm 5.x
    file cut in its first importer's ``specifiers`` (every package lost), and a berry file cut
    at the end of an entry before the project's own entry; a pnpm 6.0/9.0 file cut after its
    first importer's workspace link. Every line end of these files."""
    case = _case(path)
    ends = [i + 1 for i, byte in enumerate(case.data) if byte == 0x0A]
    for end in ends[:-1]:
        check(case, case.data[:end], truncated=True, touched=(end, len(case.data)))
