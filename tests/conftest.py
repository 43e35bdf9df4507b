"""Hypothesis settings for the whole suite.

Locally every run draws new examples, which is how fuzzing finds bugs (two were found that way).
Under CI (``CI`` set, as ``.ci/run`` is run) the examples are derandomized: the gate a change must
pass is the same on every run, and a failure there reproduces exactly.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")
