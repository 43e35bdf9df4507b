"""Bounded work on hostile input: suppression globs in time linear in the path (no backtracking),
YAML alias amplification in pnpm files refused, each tripped limit a clear error naming the file.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gouvernante.errors import GouvernanteError, SuppressionError
from gouvernante.lockfiles import parse_bytes
from gouvernante.rules.loader import load_rule_files
from gouvernante.semver import parse_range, parse_version
from gouvernante.suppress import glob_match, parse_suppressions


def reference_regex(pattern: str) -> re.Pattern[str]:
    """The glob semantics as a (backtracking) regex: fine on the short inputs of the property."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        out.append({"*": "[^/]*", "?": "[^/]"}.get(c, re.escape(c)))
        i += 1
    return re.compile("".join(out), re.DOTALL)


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(
    pattern=st.text(alphabet="ab/*?.", max_size=10),
    path=st.text(alphabet="ab/.", max_size=12),
)
@example(pattern="./", path="/")
@example(pattern="**/a", path="a")
@example(pattern="a/**", path="a/")
def test_glob_agrees_with_the_regex_semantics(pattern: str, path: str) -> None:
    norm_pattern, norm_path = pattern, path
    while norm_pattern.startswith("./"):
        norm_pattern = norm_pattern[2:]
    while norm_path.startswith("./"):
        norm_path = norm_path[2:]
    if "/" not in norm_pattern:  # the name-anywhere rule is tested in tests/suppress
        return
    expected = reference_regex(norm_pattern).fullmatch(norm_path) is not None
    assert glob_match(pattern, path) is expected


def test_hostile_globs_take_linear_time() -> None:
    """Backtracking-prone globs against a long path: CPU time grows with the path's length, not
    faster (a ratio of two lengths in the same run, so machine load does not decide)."""
    patterns = ["*a" * 40 + "b", "**/" * 40 + "*a*a*a*a*a*b", "**" * 50 + "x", "?*" * 200 + "b"]

    def cpu_seconds(scale: int) -> float:
        path = "a/" * (500 * scale) + "a" * (1250 * scale)
        start = time.process_time()
        for pattern in patterns:
            assert glob_match(pattern, path) is False
        return time.process_time() - start

    cpu_seconds(1)  # warm-up
    short, long = cpu_seconds(1), cpu_seconds(4)
    # 4x the length: linear is ~4x; quadratic would be ~16x. The 0.05 s absorbs timer noise.
    assert long < 8 * short + 0.05, (short, long)


def test_glob_length_is_capped() -> None:
    doc = (
        b'{"version": 1, "suppressions": [{"path": "' + b"*" * 5000 + b'", "reason": "r",'
        b' "expires": "2099-01-01"}]}'
    )
    try:
        parse_suppressions(doc, ".gouvernante-ignore.json")
    except SuppressionError as exc:
        assert exc.one_line().startswith(".gouvernante-ignore.json: suppressions[0].path: ")
        assert "longer than 1024 characters" in exc.one_line()
    else:
        raise AssertionError("a 5000-character glob was accepted")


def test_pnpm_alias_amplification_is_refused_quickly() -> None:
    lines = ["lockfileVersion: '9.0'", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 30):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    lines.append("importers:\n  .:\n    dependencies: *a29")
    data = ("\n".join(lines) + "\n").encode()
    start = time.process_time()  # CPU time: the machine's load does not count
    try:
        parse_bytes(data, "bomb/pnpm-lock.yaml", "pnpm-lock.yaml")
    except GouvernanteError as exc:
        assert exc.one_line().startswith("bomb/pnpm-lock.yaml: line 2: ")
        assert "anchors and aliases are not allowed" in exc.one_line()
    else:
        raise AssertionError("a YAML bomb was parsed")
    assert time.process_time() - start < 2.0


def _big_rule(tmp: Path, count: int) -> Path:
    versions = [f"{i // 1_000_000}.{(i // 1000) % 1000}.{i % 1000}" for i in range(count)]
    versions.append(">=9.0.0 <9.1.0")
    rule = {
        "id": "BIG-1",
        "title": "A million exact versions",
        "kind": "compromised-release",
        "ecosystem": "npm",
        "severity": "high",
        "package_rules": [{"package_name": "a", "affected_versions": versions}],
    }
    path = tmp / "big.json"
    path.write_text(json.dumps({"schema_version": "1.0.0", "rules": [rule]}))
    return path


def test_a_million_exact_versions_load_in_about_a_second(tmp_path: Path) -> None:
    path = _big_rule(tmp_path, 1_000_000)
    start = time.process_time()  # CPU time: the machine may be shared
    ruleset, errors = load_rule_files([str(path)])
    loaded = time.process_time() - start
    assert errors == []
    prule = ruleset.rules[0].package_rules[0]
    assert prule.first_match(parse_version("0.999.999")) == "0.999.999"
    assert prule.first_match(parse_version("9.0.5")) == ">=9.0.0 <9.1.0"
    assert prule.first_match(parse_version("1.0.0")) is None
    assert prule.first_match(parse_version("0.0.1-beta")) is None  # =0.0.1 is no prerelease
    assert loaded < 4.0, f"{loaded:.2f} s of CPU to load a million exact versions"


def test_first_match_keeps_the_rule_order() -> None:
    from gouvernante.rules.model import PackageRule

    rule = PackageRule("a", ("^1.0.0", "=1.2.3", "1.2.3", "<1.0.0"), frozenset())
    assert rule.first_match(parse_version("1.2.3")) == "^1.0.0"
    rule = PackageRule("a", ("=1.2.3", "^1.0.0"), frozenset())
    assert rule.first_match(parse_version("1.2.3")) == "=1.2.3"
    assert rule.first_match(parse_version("1.5.0")) == "^1.0.0"
    assert rule.first_intersecting(parse_range("~1.2.0")) == "=1.2.3"
    assert rule.first_intersecting(parse_range("^2")) is None
