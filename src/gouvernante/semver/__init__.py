"""npm semantic versions and ranges with node-semver semantics (``loose: false``).

* ``parse_version`` / ``try_parse_version``: ``semver.parse``; ``Version`` orders by semver 2
  precedence (build metadata ignored) and ``str(v)`` is node's canonical form.
* ``parse_range`` / ``Range``: ``new Range(text)``; ``Range.test(v, include_prerelease=...)`` is
  ``range.test(v)`` with node's ``includePrerelease`` option, including node's prerelease rule (by
  default a prerelease only satisfies a comparator set naming a prerelease of the same
  ``major.minor.patch``).
* ``intersects`` and ``satisfies``: the node-semver functions of the same name, default options
  (``satisfies`` also takes ``include_prerelease``).

Conformance is checked against a truth table generated with the real ``semver`` package
(``scripts/semver-truth-table/``, ``tests/semver/truth_table.json``).
"""

from __future__ import annotations

from gouvernante.semver._range import (
    Comparator,
    Range,
    intersects,
    parse_range,
    prerelease_intersects,
    satisfies,
)
from gouvernante.semver._version import Version, parse_version, try_parse_version

__all__ = [
    "Comparator",
    "Range",
    "Version",
    "intersects",
    "parse_range",
    "parse_version",
    "prerelease_intersects",
    "satisfies",
    "try_parse_version",
]
