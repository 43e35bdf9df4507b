"""Declared ranges read as npm reads them (the ranges red team, decision 0058).

Each expectation was checked with npm 11.19.1's own npm-package-arg and npm-pick-manifest
(node-semver 7.8.5, ``loose: true``) over axios' packument with 1.14.1 and 1.14.2 added:
"npm" says the release npm would pick, or that it refuses the spec.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gouvernante.cli import main
from gouvernante.lockfiles import WORKSPACE_OVERRIDES
from gouvernante.match.hits import match_declared
from gouvernante.model import DeclaredDependency
from gouvernante.rules.index import build_index
from gouvernante.rules.model import PackageRule, Rule, RuleKind
from gouvernante.vocab import Severity
from helpers import compromised_rules


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


CLEAN, ERROR, FINDINGS = 0, 1, 2


def _scan(tmp_path: Path, manifest: object, *expressions: str) -> tuple[int, str]:
    rules = tmp_path / "rules.json"
    rules.write_text(
        json.dumps(compromised_rules("AX-1", *(("axios", e) for e in expressions))), "utf-8"
    )
    project = tmp_path / "project"
    project.mkdir()
    (project / "package.json").write_text(json.dumps(manifest), "utf-8")
    out = tmp_path / "report.json"
    code = main(["-rules", str(rules), "-dir", str(project), "-json", "-output", str(out)])
    return code, out.read_text("utf-8")


# npm 11.19.1, pnpm 9 and yarn 1.22.22 refuse these (npm: EINVALIDTAGNAME); bun 1.4.5 reads
# each as a range (Bun.semver.satisfies): ">=1.14.0<1.15" installed axios 1.21.1 (the latest:
# >=1.14.0 || 1.15), "foo || bar" is *, ">=2.0.0,<3" is >=2 <3. They were a note: exit 0.
@pytest.mark.parametrize(
    "spec", [">=1.14.0<1.15", "foo || bar", ">=2.0.0,<3", "^", "=>1.14.0", ">=1.14.0" * 1100]
)
def test_specs_only_bun_reads_as_ranges_are_errors(tmp_path: Path, spec: str) -> None:
    code, report = _scan(tmp_path, {"dependencies": {"axios": spec}}, "=1.14.1")
    assert code == ERROR
    assert "dependencies['axios']: a rule names axios" in report
    assert spec[:12] not in report.replace("=1.14.1", "")  # the spec is never echoed


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        ({"dependencies": {"axios": "^1.14.0 beta"}}, FINDINGS),
        ({"devDependencies": {"ax": "npm:axios@>=1.14.01"}}, FINDINGS),
        ({"overrides": {"axios": "1.14.1 || junk"}}, FINDINGS),
        ({"dependencies": {"axios": "1.14.1beta"}}, CLEAN),  # 1.14.1-beta: no finding
        ({"dependencies": {"axios": "github:axios/axios"}}, CLEAN),  # a note, as before
        ({"dependencies": {"other": ">=1.14.0<1.15"}}, CLEAN),  # no rule names it
    ],
)
def test_declared_spellings_end_to_end(tmp_path: Path, manifest: object, expected: int) -> None:
    assert _scan(tmp_path, manifest, "=1.14.1")[0] == expected


# npm installs exactly 1.14.2-beta.1 for these (npm-pick-manifest; ~ and ^ of a prerelease admit
# that triple's prereleases); a rule's window holds the prereleases inside it (rule-format.md,
# as a lockfile's 1.14.2-beta.1 is matched): node's intersects() said no, exit 0.
@pytest.mark.parametrize("spec", ["1.14.2-beta.1", "=1.14.2-beta.1", "~1.14.2-beta.0"])
def test_a_declared_prerelease_inside_the_rule_window_is_a_finding(spec: str) -> None:
    assert _judged(spec, ">=1.14.1 <1.14.3") == (True, False)
    assert _judged(spec, "=1.14.1") == (False, False)  # 1.14.1 itself: out of its reach
    assert _judged(spec, "<1.14.1") == (False, False)


def _scan_text(tmp_path: Path, text: str, expression: str = "=1.14.1") -> int:
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(compromised_rules("AX-1", ("axios", expression))), "utf-8")
    project = tmp_path / "project"
    project.mkdir()
    (project / "package.json").write_text(text, "utf-8")
    out = tmp_path / "report.json"
    return main(["-rules", str(rules), "-dir", str(project), "-json", "-output", str(out)])


# A key given twice: npm 11.19.1, pnpm 9 and yarn 1.22.22 keep the last value, bun 1.4.5 the
# first of a dependency object and of a top-level field, the last within an overrides or
# resolutions object (each measured with the tool's install, axios 1.14.0 in 1.14.1's place).
# The last alone was read: bun's axios 1.14.1 read CLEAN.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"dependencies": {"axios": "1.14.1", "axios": "1.13.0"}}', FINDINGS),
        ('{"dependencies": {"axios": "1.13.0", "axios": "1.14.1"}}', FINDINGS),
        ('{"dependencies": {"axios": "1.14.1"}, "dependencies": {"other": "1.0.0"}}', FINDINGS),
        ('{"devDependencies": {"axi\\u006fs": "1.14.1", "axios": "1.13.0"}}', FINDINGS),
        ('{"dependencies": {"ax": "npm:axios@1.14.1", "ax": "1.0.0"}}', FINDINGS),
        ('{"overrides": {"axios": "1.14.1"}, "overrides": {"axios": "1.13.6"}}', FINDINGS),
        # bun, as the others, keeps the last within an overrides object: nothing installs 1.14.1
        ('{"overrides": {"axios": "1.14.1", "axios": "1.13.6"}}', CLEAN),
        ('{"dependencies": {"axios": "1.13.0", "axios": "1.13.1"}}', CLEAN),
    ],
)
def test_a_repeated_key_is_read_as_each_tool_reads_it(
    tmp_path: Path, text: str, expected: int
) -> None:
    assert _scan_text(tmp_path, text) == expected


# bun 1.4.5 strips " \t\n\r" off a spec's front: " npm:axios@1.14.0" installed axios 1.14.0
# (npm: EINVALIDTAGNAME, pnpm and yarn refuse it). The alias was not seen: CLEAN.
@pytest.mark.parametrize("spec", [" npm:axios@1.14.1", "\t\nnpm:axios@^1.14.0"])
def test_an_alias_bun_reads_after_leading_whitespace_is_found(tmp_path: Path, spec: str) -> None:
    assert _scan(tmp_path, {"dependencies": {"ax": spec}}, "=1.14.1")[0] == FINDINGS


# bun 1.4.5 installed the registry's axios 1.14.0 for the keys " axios", "axios " and "  axios"
# (pnpm 9 and yarn 1.22.22 for "axios "; npm refuses them): a key taken as it is named nothing
# a rule names. Tabs and newlines: bun refuses ("invalid dependency name").
@pytest.mark.parametrize("key", [" axios", "axios ", "  axios  "])
def test_a_dependency_key_with_spaces_names_the_package(tmp_path: Path, key: str) -> None:
    assert _scan(tmp_path, {"dependencies": {key: "^1.14.0"}}, "=1.14.1")[0] == FINDINGS


_SPACED = Path(__file__).parent.parent / "lockfiles" / "fixtures" / "bun-spaced-name"


def test_bun_lock_entry_of_a_spaced_key_is_the_registry_package(tmp_path: Path) -> None:
    """bun 1.4.5 wrote " is-number" into bun.lock and installed the registry's is-number 7.0.0
    there (installed.json, see generate.sh): read as a package named " is-number", CLEAN."""
    installed = json.loads((_SPACED / "installed.json").read_text("utf-8"))["installed"]
    assert installed == [[" is-number", "is-number", "7.0.0"]]
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(compromised_rules("IN-1", ("is-number", "=7.0.0"))), "utf-8")
    code = main(["-rules", str(rules), "-lockfile", str(_SPACED / "bun.lock"), "-json"])
    assert code == FINDINGS


# yarn 4.18.1 installed is-number 7.0.0, patched, for "patch:is-number@npm%3A7.0.0#./p.patch" (the
# spelling `yarn patch-commit` writes; npm: EUNSUPPORTEDPROTOCOL). It was a note: exit 0.
@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("patch:axios@npm%3A1.14.1#~/.yarn/patches/axios-npm-1.14.1-0a1b2c.patch", FINDINGS),
        ("patch:axios@npm%3A%5E1.14.0#./p.patch", FINDINGS),
        ("patch:axios@1.14.1#./p.patch", FINDINGS),
        ("patch:axios@npm%3A1.14.0#./p.patch", CLEAN),
    ],
)
def test_a_yarn_patch_of_a_release_is_that_release(
    tmp_path: Path, spec: str, expected: int
) -> None:
    assert _scan(tmp_path, {"dependencies": {"axios": spec}}, "=1.14.1")[0] == expected
    (tmp_path / "r").mkdir()
    assert _scan(tmp_path / "r", {"resolutions": {"axios": spec}}, "=1.14.1")[0] == expected


# yarn 4.18.1 installed is-number 7.0.0 (its latest) for "is-number": "npm:latest"; npm reads an
# alias of the package named "latest". Only the npm reading was declared: CLEAN.
@pytest.mark.parametrize("field", ["dependencies", "resolutions"])
def test_berry_npm_protocol_with_a_tag_is_the_keys_tag(tmp_path: Path, field: str) -> None:
    assert _scan(tmp_path, {field: {"axios": "npm:latest"}}, "=1.14.1")[0] == FINDINGS


# bun 1.4.5 reads a version followed by a lone "-" as that version (Bun.semver.satisfies(
# "2.1.3", "2.1.3-") is true; bun install put ms 2.1.3 in node_modules for "2.1.3-",
# "<=2.1.3-", "2.1.3- || 9", "1.0.0 - 2.1.3-", "=v2.1.3-"), node-semver (loose) the prerelease
# "-" (2.1.3--): npm, pnpm and yarn find no such release or install an older one. Read CLEAN.
@pytest.mark.parametrize(
    "spec",
    [
        "1.14.1-",
        "=v1.14.1-",
        "<=1.14.1-",
        ">= 1.14.1-",
        "1.14.1- || 9",
        "1.14.1-||9",
        "1.0.0 - 1.14.1-",
        "1.14.1-\t",
        "1.14.1- 1.14.1-",
    ],
)
def test_a_version_bun_reads_without_its_empty_prerelease_is_a_finding(spec: str) -> None:
    assert _judged(spec, "=1.14.1") == (True, False)


# bun reads these as other releases (1.14.0, the prereleases 1.14.1-1- and 1.14.1--): no
# finding (Bun.semver.satisfies("1.14.1", spec) is false for each)
@pytest.mark.parametrize("spec", ["1.14.0-", "1.14.1-1-", "1.14.1--", "1.14.1-beta-"])
def test_an_empty_prerelease_of_another_version_is_no_finding(spec: str) -> None:
    assert _judged(spec, "=1.14.1") == (False, False)


def test_bun_reading_of_an_empty_prerelease_is_not_applied_to_workspace_overrides() -> None:
    hits = match_declared(
        [DeclaredDependency("axios", "1.14.1-", WORKSPACE_OVERRIDES)],
        build_index((_rule("=1.14.1"),)),
        "pnpm-workspace.yaml",
    )
    assert hits == []  # pnpm reads 1.14.1-- there, and no bun reads the file


# A registry tarball URL names the version the package managers fetch: npm 11.19.1, pnpm 10,
# yarn 1.22.22 and 4.18.1 and bun 1.4.5 installed ms 2.1.3 for ".../ms/-/ms-2.1.%33.tgz" (and
# all but yarn 4 for ".../ms-2.1.3%2etgz"): the file name's text alone was read, a note, exit 0.
@pytest.mark.parametrize(
    "spec",
    [
        "https://registry.npmjs.org/axios/-/axios-1.14.%31.tgz",
        "https://registry.npmjs.org/axios/-/axios-1.14.1%2etgz",
        "https://registry.npmjs.org/axios/-/axios-1.14.1%2Etgz?x=1#y",
        "https://registry.npmjs.org/axios/-/%61xios-1.14.1.tgz",
        "https://registry.npmjs.org/axios/-/axios-1.14.0.tgz/../axios-1.14.1.tgz",
        "https://registry.npmjs.org\\axios\\-\\axios-1.14.1.tgz",
    ],
)
def test_an_escaped_tarball_url_names_its_version(spec: str) -> None:
    assert _judged(spec, "=1.14.1") == (True, False)


@pytest.mark.parametrize(
    "spec",
    [
        "https://registry.npmjs.org/axios/-/axios-1.14.%30.tgz",  # 1.14.0
        "https://registry.npmjs.org/axios/-/axios-1.14.1.tgz/%2e%2e/axios-1.14.0.tgz",
    ],
)
def test_an_escaped_tarball_url_of_another_version_is_no_finding(spec: str) -> None:
    assert _judged(spec, "=1.14.1") == (False, False)


def test_a_tarball_url_no_tool_fetches_stays_undecided() -> None:
    # ".TGZ": npm, pnpm, yarn 1 and 4 and bun all refused it (fixture url-upper-extension)
    spec = "https://registry.npmjs.org/axios/-/axios-1.14.1.TGZ"
    assert _judged(spec, "=1.14.1") == (False, True)


# yarn 1, yarn 4, bun and pnpm put a dependency's name in the registry's URL as written, and the
# registry (or the URL parser) decodes it and resolves its dot segments: yarn 1.22.22 installed ms
# 2.1.3 for the keys "%6ds", "x%2f..%2fms", "%2e/ms", "x/../ms", "ms/" and ".\\ms", bun 1.4.5 for
# "%6ds", "m%73", "x%2f..%2fms", yarn 4.18.1 for "%6ds" and ".\\ms", pnpm 10 (and the others) for
# "npm:%6ds@2.1.3" (fixtures tests/hostile/fixtures/declared-attacker/name-*). Each read CLEAN.
@pytest.mark.parametrize(
    "dependencies",
    [
        {"%61xios": "1.14.1"},
        {"axio%73": "^1.14.0"},
        {"%61xios": "latest"},
        {"x%2f..%2faxios": "1.14.1"},
        {"%2e/axios": "1.14.1"},
        {"x/%2e%2e/axios": "1.14.1"},
        {"x/../axios": "1.14.1"},
        {"@x/../axios": "1.14.1"},
        {"axios/": "1.14.1"},
        {".\\axios": "1.14.1"},
        {"ax": "npm:%61xios@1.14.1"},
        {"ax": "npm:%61xios"},
    ],
)
def test_a_dependency_name_the_registry_reads_as_another_is_that_package(
    tmp_path: Path, dependencies: dict[str, str]
) -> None:
    code, report = _scan(tmp_path, {"dependencies": dependencies}, "=1.14.1")
    assert code == FINDINGS, report


@pytest.mark.parametrize(
    "manifest",
    [
        # a folder to yarn 1 ("./ms": no such file), refused by the others
        {"dependencies": {"./axios": "1.14.1"}},
        {"dependencies": {"../axios": "1.14.1"}},
        # release "axios" of the package "x" to the registry: no package axios
        {"dependencies": {"x/axios": "1.14.1"}},
        {"dependencies": {"AXIOS": "1.14.1"}},  # the registry's names are case-sensitive
        # an override's key selects by name: bun installed ms 2.1.2 for debug 4.3.4 beside
        # {"overrides": {"%6ds": "2.1.3"}}
        {"dependencies": {"other": "1.0.0"}, "overrides": {"%61xios": "1.14.1"}},
    ],
)
def test_a_dependency_name_no_tool_fetches_as_another_is_no_finding(
    tmp_path: Path, manifest: object
) -> None:
    assert _scan(tmp_path, manifest, "=1.14.1")[0] == CLEAN
