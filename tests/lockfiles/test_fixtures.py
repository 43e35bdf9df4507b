"""Every lockfile made by a real package manager parses to exactly the set that tool reported.

Layout: ``tests/lockfiles/fixtures/<format>/<case>/expected.json`` beside the lockfile::

    {"lockfile": "pnpm-lock.yaml", "generated_by": "pnpm 9.15.9",
     "derived_from": "pnpm list --recursive --depth Infinity --json",
     "packages": [["debug", "4.3.4"], ...],      # registry/git/tarball packages (name, version)
     "local": ["@acme/core", ...],                # workspace/link/file packages: never matched
     "git": ["gitdep"]}                           # git dependencies' keys (optional)

The expectation comes from the package manager itself (or its installed tree), never from our
parser; the script that made each case sits in ``tests/lockfiles/fixtures/<format>/``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gouvernante.lockfiles import parse_bytes
from gouvernante.model import Source

FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(p.parent for p in FIXTURES.glob("*/*/expected.json"))


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_fixture_parses_to_expected_set(case: Path) -> None:
    expected = json.loads((case / "expected.json").read_text())
    lockfile = case / expected["lockfile"]
    graph = parse_bytes(lockfile.read_bytes(), str(lockfile))
    # (git: the keys of git dependencies, by name only: npm 6 writes the commit as the
    # version, yarn 1 the package's version under the key; realtools/generate.sh)
    git = set(expected.get("git", []))
    assert git <= {p.name for p in graph.packages if p.source is Source.GIT}
    got = {
        (p.name, p.version)
        for p in graph.packages
        if p.source is not Source.LOCAL and not (p.source is Source.GIT and p.name in git)
    }
    want = {(n, v) for n, v in expected["packages"]}
    assert sorted(got - want) == [], "parsed but not expected"
    assert sorted(want - got) == [], "expected but not parsed"
    local = {p.name for p in graph.packages if p.source is Source.LOCAL}
    assert set(expected.get("local", [])) <= local


def test_every_format_has_fixtures() -> None:
    formats = {c.parent.name for c in CASES}
    assert formats >= {"npm", "pnpm", "yarn", "bun", "deno"}, formats
