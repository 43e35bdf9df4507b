"""Declared ranges read as npm reads them (the ranges red team, decision 0058).

Each expectation was checked with npm 11.19.1's own npm-package-arg and npm-pick-manifest
(node-semver 7.8.5, ``loose: true``) over axios' packument with 1.14.1 and 1.14.2 added:
"npm" says the release npm would pick, or that it refuses the spec.
"""

from __future__ import annotations

import pytest

from gouvernante.match.hits import match_declared
from gouvernante.model import DeclaredDependency
from gouvernante.rules.index import build_index
from gouvernante.rules.model import PackageRule, Rule, RuleKind
from gouvernante.vocab import Severity


def _rule(*expressions: str) -> Rule:
    return Rule(
        id="AX-1",
        title="axios",
        kind=RuleKind.COMPROMISED_RELEASE,
        ecosystem="npm",
        severity=Severity.CRITICAL,
        package_rules=(PackageRule("axios", expressions, frozenset()),),
        source="r.json",
    )


def _judged(spec: str, *expressions: str) -> tuple[bool, bool]:
    """(a finding, a note no offline check decides) for ``"axios": spec``."""
    hits = match_declared(
        [DeclaredDependency("axios", spec, "dependencies")],
        build_index((_rule(*expressions),)),
        "package.json",
    )
    return any(not h.undecided for h in hits), any(h.undecided for h in hits)


# npm reads these loose (npm-package-arg's validRange(spec, true)); each installs 1.14.1. A
# strict reading took them for no range: a note, exit 0.
@pytest.mark.parametrize(
    "spec",
    [
        ">=1.14.01",  # npm: range, picks 1.14.1
        "^1.14.0 beta",  # loose drops the text that is no comparator: ^1.14.0
        "junk || ^1.14.0",
        "1.14.1 || junk",
        "^1.14.0 || 2.x || junk",
        "v 1.14.1",  # npm: version 1.14.1
        "=v=1.14.1",
        ">=1.14.1rc1 <1.14.2",
        "1.14.01",
        "01.14.1",
    ],
)
def test_loose_spellings_npm_installs_are_findings(spec: str) -> None:
    assert _judged(spec, "=1.14.1") == (True, False)
    assert _judged(spec, ">=1.14.1 <1.14.3") == (True, False)


# A strict reading took these for dist-tags (a finding at any version); npm reads them as
# versions of other releases: 1.14.1beta is 1.14.1-beta, 1.14.00 is 1.14.0.
@pytest.mark.parametrize("spec", ["1.14.1beta", "1.14.00", "1.14.1-0", "=01.14.0"])
def test_loose_versions_of_other_releases_are_no_findings(spec: str) -> None:
    assert _judged(spec, "=1.14.1") == (False, False)
