"""Hypothesis settings for the whole suite, and a fresh tarball budget for every test.

Locally every run draws new examples, which is how fuzzing finds bugs (two were found that way).
Under CI (``CI`` set, as ``.ci/run`` is run) the examples are derandomized: the gate a change must
pass is the same on every run, and a failure there reproduces exactly.

No per-example deadline anywhere, and no ``too_slow`` health check (a limit on the wall time
spent drawing examples): on a shared 2-core machine an example's wall time says more about the
load than about the code (a bound on work is tested with ratios where it matters). A test's own
``suppress_health_check`` replaces the profile's list, so it names ``too_slow`` again.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

import gouvernante.lockfiles

_UNTIMED = [HealthCheck.too_slow]
settings.register_profile("local", deadline=None, suppress_health_check=_UNTIMED)
settings.register_profile(
    "ci", derandomize=True, database=None, deadline=None, suppress_health_check=_UNTIMED
)
settings.load_profile("ci" if os.environ.get("CI") else "local")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "property: a Hypothesis property or fuzz test (added to every @given test)"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every Hypothesis test carries the ``property`` marker, so ``-m "not property"`` gives a
    quick local loop; CI runs them all (derandomized, above)."""
    for item in items:
        function = getattr(item, "function", None)
        if getattr(function, "is_hypothesis_test", False):
            item.add_marker(pytest.mark.property)


@pytest.fixture(autouse=True)
def _fresh_tarball_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ``file:`` tarballs one process reads share one budget of unpacked bytes (decision
    0094): a CLI process is one scan, but this suite is one process for thousands. Each test
    starts with the whole budget, so a test that reads bombs cannot make a later one refuse an
    honest tarball (an order the suite's result would then depend on)."""
    monkeypatch.setattr(gouvernante.lockfiles, "_TARBALL_BUDGET", [])
