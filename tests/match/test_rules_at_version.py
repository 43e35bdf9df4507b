"""``rules_at_version``: the rules naming any package at a version, asked once per distinct
version of a yarn ``file:`` tarball not read (decision 0092). It walked every name of the pack
(2,421 in the bundled one) per version: a yarn.lock naming 5,000 missing tarballs at distinct
versions took 26 s with -builtin-rules."""

from __future__ import annotations

import time

import pytest

from gouvernante.cli.scan import builtin_rules_dir
from gouvernante.match.hits import package_hits, rules_at_version
from gouvernante.rules.index import RuleIndex, build_index
from gouvernante.rules.pack import load_pack
from gouvernante.vocab import LockfileEcosystem

VERSIONS = ["1.0.3", "1.0.0", "0.0.1", "4.4.2", "1.14.1", "0.30.6", "2.0.0-rc.1", "x", "", "99.1.2"]


@pytest.fixture(scope="module")
def index() -> RuleIndex:
    return build_index(tuple(load_pack(builtin_rules_dir()).rules))


def _walked(index: RuleIndex, version: str, ecosystem: LockfileEcosystem | None) -> list[str]:
    """The reading before (every name's hits, in name order)."""
    found = (package_hits(index, name, version, ecosystem) for name in sorted(index.names))
    return list(dict.fromkeys(hit.rule.id for hits in found for hit in hits))


@pytest.mark.parametrize("ecosystem", [None, LockfileEcosystem.YARN, LockfileEcosystem.NPM])
def test_the_same_rules_in_the_same_order(
    index: RuleIndex, ecosystem: LockfileEcosystem | None
) -> None:
    for version in VERSIONS:
        assert rules_at_version(index, version, ecosystem) == _walked(index, version, ecosystem)


def test_thousands_of_versions_are_quick(index: RuleIndex) -> None:
    rules_at_version(index, "1.0.0", None)
    started = time.process_time()  # CPU time: the machine's load does not count
    for minor in range(2000):
        rules_at_version(index, f"1.{minor}.0", LockfileEcosystem.YARN)
    assert time.process_time() - started < 3.0  # 5 ms a version before: 10 s
