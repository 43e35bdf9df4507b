"""A yarn 1 URL dependency's entry written with no ``resolved`` (decision 0143).

``fixtures/yarn1-url-unresolved`` (``generate.sh``, yarn 1.22.22): a root depending on
``baz: <is-number 7.0.0's tarball URL>`` and is-odd 3.0.1. ``edited-yarn.lock`` is yarn's file
with the baz entry's ``resolved`` line taken out, ``edited-empty-yarn.lock`` with it written
``resolved ""``. ``yarn install --frozen-lockfile`` takes both and installs is-number 7.0.0 in
node_modules/baz (``after-install.json``): yarn downloads the range, the URL. Before, every mode
read them CLEAN (the entry was baz@7.0.0, whose URL nothing read); now the range is read as the
entry's resolved URL, as the URL of a ``resolved`` line is.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gouvernante.lockfiles import parse_bytes
from helpers import compromised_rules, every_mode, scan_report

CASE = Path(__file__).parent / "fixtures" / "yarn1-url-unresolved"
RULES = compromised_rules("URL-1", ("is-number", "=7.0.0"))
EDITED = ("edited-yarn.lock", "edited-empty-yarn.lock")
URL = "https://registry.yarnpkg.com/is-number/-/is-number-7.0.0.tgz"


def _found(report: dict[str, object]) -> list[tuple[str, str]]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return [(f["package"], f["version"]) for f in findings]


def test_what_yarn_installs_on_the_edited_files() -> None:
    after = json.loads((CASE / "after-install.json").read_text(encoding="utf-8"))
    for name in EDITED:
        assert after[f"{name}: node_modules/baz"] == ["is-number", "7.0.0"]
    whole = (CASE / "yarn.lock").read_text(encoding="utf-8")
    assert f'"baz@{URL}":\n  version "7.0.0"\n  resolved "{URL}#' in whole
    assert f"{URL}#" not in (CASE / "edited-yarn.lock").read_text(encoding="utf-8")
    assert 'resolved ""' in (CASE / "edited-empty-yarn.lock").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["yarn.lock", *EDITED])
def test_the_url_dependency_is_found_with_or_without_resolved(tmp_path: Path, name: str) -> None:
    code, report = scan_report(tmp_path, RULES, "-lockfile", str(CASE / name))
    assert (code, report["errors"], _found(report)) == (2, [], [("is-number", "7.0.0")])


@pytest.mark.parametrize("name", EDITED)
def test_the_block_reader_says_the_same(name: str) -> None:
    # a backslash in a header sends the file to the block-by-block reader (decision 0027)
    text = (CASE / name).read_text(encoding="utf-8").replace('"baz@', '"b\\u0061z@')
    graph = parse_bytes(text.encode(), "yarn.lock")
    assert ("is-number", "7.0.0") in {(p.name, p.version) for p in graph.packages}


def test_a_version_other_than_the_url_s_still_finds_the_url_s(tmp_path: Path) -> None:
    text = (CASE / "edited-yarn.lock").read_text(encoding="utf-8")
    path = tmp_path / "yarn.lock"
    path.write_text(text.replace('  version "7.0.0"', '  version "6.0.0"', 1), encoding="utf-8")
    code, report = scan_report(tmp_path, RULES, "-lockfile", str(path))
    assert code == 2
    assert ("is-number", "7.0.0") in _found(report)


def test_every_mode_finds_it(tmp_path: Path) -> None:
    files = {
        "package.json": (CASE / "package.json").read_text(encoding="utf-8"),
        "yarn.lock": (CASE / "edited-yarn.lock").read_text(encoding="utf-8"),
    }
    for mode, (code, report) in every_mode(tmp_path, files, RULES).items():
        assert (mode, code, report["errors"]) == (mode, 2, [])
        assert ("is-number", "7.0.0") in _found(report), mode
