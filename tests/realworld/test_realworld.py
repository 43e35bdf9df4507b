"""The public realworld set: 24 lockfiles committed by the maintainers of 15 public repositories
and 18 that npm registry tarballs carry (published shrinkwraps and lockfiles, and those of
bundled dependencies: ``data/_tools/registry_cases.json``), with their manifests and an oracle
from the package managers' own reading code (``data/``, the first 21 copied from the project's
shared ``realworld`` set; ``data/README.md`` and ``data/index.json`` say where each file comes
from, at which commit or in which tarball, and how the oracle was made).

- ``-lockfile``: the parser resolves exactly the oracle's (name, version) pairs.
- ``-dir``, ``-dir -recursive``, ``-git`` (the tree committed to a fresh repository),
  ``-inventory`` (that repository recorded by ``inventory add``) and ``-image`` (a docker save
  archive holding the tree under /app): the manifests add nothing wrong: with a ``<name> *``
  rule for every name a manifest declares and for every workspace name no registry pair has,
  the findings are exactly the oracle's pairs of those names; no declared-range finding, no
  workspace match.

``scripts/realworld-check.py`` runs the full comparison (a rule for every name) in all six modes.
"""

from __future__ import annotations

import json

import pytest

from gouvernante.lockfiles import parse_bytes
from gouvernante.model import Source
from realworld.harness import DATA, case_ids, evaluate

CASES = case_ids()


def test_the_set_is_complete() -> None:
    assert len(CASES) == 42
    for case in CASES:
        assert (DATA / case / "expected.json").is_file()


@pytest.mark.parametrize("case", CASES)
def test_lockfile_reads_exactly_the_oracle(case: str) -> None:
    expected = json.loads((DATA / case / "expected.json").read_text())
    lockfile = DATA / case / expected["lockfile"]
    graph = parse_bytes(lockfile.read_bytes(), str(lockfile))
    # git and non-registry tarballs are listed by the oracle, never counted (by name: it gives
    # no version for a tarball whose URL we read one from)
    non_registry = {e["name"] for e in expected["non_registry"]}
    resolved = {
        (p.name, p.version)
        for p in graph.table
        if p.version
        and (
            p.source is Source.REGISTRY
            or (p.source is not Source.LOCAL and p.name not in non_registry)
        )
    }
    assert resolved == {(n, v) for n, v in expected["packages"]}


@pytest.mark.parametrize("mode", ["dir", "recursive", "git", "inventory", "image"])
@pytest.mark.parametrize("case", CASES)
def test_dir_scan_adds_nothing_to_the_lockfile(case: str, mode: str) -> None:
    outcome = evaluate(case, mode, declared_only=True)
    assert not outcome.errors
    assert not outcome.workspace_hits
    assert not outcome.declared
    assert not outcome.missing
    assert not outcome.extra
