"""A lockfileVersion 1 entry with no ``version`` that a ``requires`` lands on (decision 0149).

Fixtures ``fixtures/npm-v1-versionless`` (generate.sh, npm 6.14.18): is-odd 3.0.1 requires
is-number ^6.0.0, locked top level at 6.0.0; ``husk/`` has that entry as ``{}`` (npm 6 ``npm
ci`` installed the registry's latest, 7.0.0), ``resolved-only/`` keeps its ``resolved`` and
``integrity`` (npm 6 installed 6.0.0). The file does not say which release is installed: an
error, as 0145 made a v2/v3 husk answering a dependency, never a CLEAN."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gouvernante.lockfiles import npm, parse_bytes
from helpers import compromised_rules, scan_report

FIXTURES = Path(__file__).parent / "fixtures" / "npm-v1-versionless"
HUSK_ERROR = (
    "dependencies['is-odd'].requires['is-number']: answered by dependencies['is-number'], an"
    " entry with no version"
)


def _v1(dependencies: dict[str, Any]) -> bytes:
    body = {"name": "app", "version": "1.0.0", "lockfileVersion": 1, "requires": True}
    return json.dumps({**body, "dependencies": dependencies}).encode()


def test_the_file_npm_wrote_reads_whole() -> None:
    graph = parse_bytes((FIXTURES / "package-lock.json").read_bytes(), "package-lock.json")
    assert list(graph.entry_errors) == []
    assert sorted((p.name, p.version) for p in graph.packages) == [
        ("is-number", "6.0.0"),
        ("is-odd", "3.0.1"),
    ]


@pytest.mark.parametrize("case", ["husk", "resolved-only"])
def test_a_versionless_entry_answering_a_requires_is_an_error(case: str) -> None:
    graph = parse_bytes((FIXTURES / case / "package-lock.json").read_bytes(), "package-lock.json")
    assert len(graph.entry_errors) == 1
    assert graph.entry_errors[0].startswith(HUSK_ERROR)


@pytest.mark.parametrize("case", ["husk", "resolved-only"])
@pytest.mark.parametrize("version", ["6.0.0", "7.0.0"])
def test_the_scan_is_never_clean(tmp_path: Path, case: str, version: str) -> None:
    rules = compromised_rules("NUM-1", ("is-number", f"={version}"))
    code, report = scan_report(
        tmp_path, rules, "-lockfile", str(FIXTURES / case / "package-lock.json")
    )
    assert [e["message"][: len(HUSK_ERROR)] for e in report["errors"]] == [HUSK_ERROR]
    assert report["findings"] == []
    assert code == 1


def test_the_nearest_entry_decides_as_require_does() -> None:
    """A nested husk under is-odd shadows a healthy top-level is-number: an error naming the
    nested one; a nested healthy entry shadowing a top-level husk answers (the husk, which
    nothing else requires, stays the note)."""
    odd = {"version": "3.0.1", "requires": {"is-number": "^6.0.0"}}
    nested_husk = {
        "is-number": {"version": "6.0.0"},
        "is-odd": {**odd, "dependencies": {"is-number": {}}},
    }
    graph = npm.parse(_v1(nested_husk), "package-lock.json")
    assert [e[: e.index(", an entry")] for e in graph.entry_errors] == [
        "dependencies['is-odd'].requires['is-number']: answered by"
        " dependencies['is-odd'].dependencies['is-number']"
    ]
    shadowed_husk = {
        "is-number": {},
        "is-odd": {**odd, "dependencies": {"is-number": {"version": "6.0.0"}}},
    }
    graph = npm.parse(_v1(shadowed_husk), "package-lock.json")
    assert list(graph.entry_errors) == []
    assert graph.notes == ("skipped 1 entries with no version",)


def test_husks_answering_are_listed_up_to_the_bound_then_counted() -> None:
    count = npm._MAX_LISTED + 7
    deps: dict[str, Any] = {f"x{i}": {} for i in range(count)}
    deps["a"] = {"version": "1.0.0", "requires": {f"x{i}": "1.0.0" for i in range(count)}}
    graph = npm.parse(_v1(deps), "package-lock.json")
    assert len(graph.entry_errors) == npm._MAX_LISTED + 1
    assert (
        graph.entry_errors[-1] == "dependencies: 7 more requires an entry with no version answers"
    )
