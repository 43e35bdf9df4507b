"""pnpm's ``bundledDependencies``: names a package carries inside its own tarball, with no version
anywhere in the lockfile. A rule naming one cannot be answered from the file, so the scan says
so in a note naming the entry (a scan that said nothing read CLEAN on a bundled copy nobody
checked; vite's and astro's real lockfiles bundle ``tslib`` and ``@emnapi/core`` this way).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gouvernante import cli
from gouvernante.errors import LockfileError
from gouvernante.lockfiles import pnpm
from gouvernante.match.hits import bundled_notes
from gouvernante.rules.index import build_index
from gouvernante.rules.model import PackageRule, Rule, RuleKind
from gouvernante.vocab import Severity
from lockfiles.fuzzcore import fixture_paths

REALWORLD = Path(__file__).resolve().parent.parent / "realworld" / "data"
PNPM_PATHS = [p for p in fixture_paths(realworld=True) if p.name == "pnpm-lock.yaml"]

V9 = """\
lockfileVersion: '9.0'

importers:

  .:
    dependencies:
      wasm-thing:
        specifier: ^1.0.0
        version: 1.0.0

packages:

  wasm-thing@1.0.0:
    resolution: {integrity: sha512-AAAA}
    cpu: [wasm32]
    bundledDependencies:
{bundled}
snapshots:

  wasm-thing@1.0.0: {}
"""

V6 = """\
lockfileVersion: '6.0'

dependencies:
  wasm-thing:
    specifier: ^1.0.0
    version: 1.0.0

packages:

  /wasm-thing@1.0.0:
    resolution: {integrity: sha512-AAAA}
    cpu: [wasm32]
    bundledDependencies:
{bundled}
    dev: false
"""

BLOCK = "      - '@emnapi/core'\n      - tslib\n"


@contextlib.contextmanager
def _full_loader() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pnpm, "_read_lines", lambda text, path, data=None: None)
        yield


def _both(text: str) -> list[tuple[tuple[str, str], ...]]:
    data = text.encode()
    fast = pnpm.parse(data, "pnpm-lock.yaml").bundled
    with _full_loader():
        full = pnpm.parse(data, "pnpm-lock.yaml").bundled
    return [tuple(fast), tuple(full)]


def _rule(*names: str) -> Rule:
    return Rule(
        id="T-BUNDLED",
        title="bundled",
        kind=RuleKind.COMPROMISED_RELEASE,
        ecosystem="npm",
        severity=Severity.CRITICAL,
        source="test",
        package_rules=tuple(PackageRule(n, ("=2.8.1",), frozenset()) for n in names),
    )


@pytest.mark.parametrize("template,key", [(V9, "wasm-thing@1.0.0"), (V6, "/wasm-thing@1.0.0")])
@pytest.mark.parametrize("form", ["block", "flow"])
def test_both_readers_keep_the_bundled_names(template: str, key: str, form: str) -> None:
    bundled = BLOCK if form == "block" else ""
    text = template.replace("{bundled}\n", bundled)
    if form == "flow":
        text = text.replace(
            "    bundledDependencies:\n", "    bundledDependencies: ['@emnapi/core', tslib]\n"
        )
    fast, full = _both(text)
    assert fast == full == (("@emnapi/core", key), ("tslib", key))


def test_every_dependency_bundled_is_one_unnamed_entry() -> None:
    text = V9.replace("    bundledDependencies:\n{bundled}\n", "    bundledDependencies: true\n")
    fast, full = _both(text)
    assert fast == full == (("", "wasm-thing@1.0.0"),)
    graph = pnpm.parse(text.encode(), "pnpm-lock.yaml")
    notes = bundled_notes(graph, build_index([_rule("anything")]))
    assert notes == [
        "packages['wasm-thing@1.0.0'].bundledDependencies: every dependency is bundled (names"
        " not given) inside this package's tarball and the lockfile records no version of it:"
        " not checked here (scan the installed node_modules with -host)"
    ]


@pytest.mark.parametrize("value", ["42", "{a: b}", "['']"])
def test_a_bundled_field_of_another_shape_is_an_error_naming_its_path(value: str) -> None:
    text = V9.replace(
        "    bundledDependencies:\n{bundled}\n", f"    bundledDependencies: {value}\n"
    )
    for context in (contextlib.nullcontext(), _full_loader()):
        with context, pytest.raises(LockfileError) as err:
            pnpm.parse(text.encode(), "pnpm-lock.yaml")
        assert err.value.json_path == "packages['wasm-thing@1.0.0'].bundledDependencies"
        assert "42" not in str(err.value)


@pytest.mark.parametrize("path", PNPM_PATHS, ids=lambda p: str(p.relative_to(p.parents[2])))
def test_the_readers_agree_on_every_fixture(path: Path) -> None:
    data = path.read_bytes()
    fast = pnpm.parse(data, str(path)).bundled
    with _full_loader():
        full = pnpm.parse(data, str(path)).bundled
    assert fast == full


def test_real_lockfiles_name_what_they_bundle() -> None:
    graph = pnpm.parse((REALWORLD / "pnpm9-vite/tree/pnpm-lock.yaml").read_bytes(), "x")
    owner = "@tailwindcss/oxide-wasm32-wasi@4.3.3"
    assert ("tslib", owner) in graph.bundled
    assert ("@emnapi/core", owner) in graph.bundled
    # a rule naming none of them: no note; one naming a bundled name: one note per bundling entry
    assert bundled_notes(graph, build_index([_rule("left-pad")])) == []
    notes = bundled_notes(graph, build_index([_rule("tslib")]))
    assert len(notes) == 1 and notes[0].startswith(
        f"packages['{owner}'].bundledDependencies: tslib"
    )


def _scan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, dict[str, Any]]:
    rules = tmp_path / "rules.json"
    rules.write_text(
        json.dumps(
            {
                "schema_version": "1.0.0",
                "rules": [
                    {
                        "id": "T-TSLIB",
                        "title": "tslib",
                        "kind": "compromised-release",
                        "ecosystem": "npm",
                        "severity": "critical",
                        "summary": "t",
                        "aliases": [],
                        "references": [],
                        "package_rules": [
                            {"package_name": "tslib", "affected_versions": ["=2.8.1"]}
                        ],
                    }
                ],
            }
        )
    )
    code = cli.main(["-rules", str(rules), *extra, "-json"])
    return code, json.loads(capsys.readouterr().out)


def test_the_scan_notes_a_rule_named_bundled_package(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / "pnpm-lock.yaml").write_text(V9.replace("{bundled}\n", BLOCK))
    code, report = _scan(tmp_path, capsys, "-dir", str(project))
    assert code == 0
    assert report["findings"] == []
    notes = [n for n in report["notes"] if "bundledDependencies" in str(n)]
    assert len(notes) == 1
    assert "packages['wasm-thing@1.0.0'].bundledDependencies: tslib is bundled" in str(notes[0])


def test_a_name_listed_twice_is_one_note() -> None:
    text = V9.replace("{bundled}\n", "      - tslib\n      - tslib\n")
    graph = pnpm.parse(text.encode(), "pnpm-lock.yaml")
    assert len(bundled_notes(graph, build_index([_rule("tslib")]))) == 1
