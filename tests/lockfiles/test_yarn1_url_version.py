"""A yarn 1 URL entry whose ``version`` is not its URL's package's (decision 0151).

``fixtures/yarn1-url-version`` (``generate.sh``, yarn 1.22.22): a root depending on
``baz: <is-number 7.0.0's tarball URL>``; in the edited files the baz entry's version is written
``"3.0.0"`` (a real is-number release). ``yarn install --frozen-lockfile`` takes each and installs
the package the URL yarn downloads names (``after-install.json``): is-number 7.0.0 with yarn's
``resolved`` line, with none or with the same release on registry.npmjs.org; is-number 3.0.0 with
a ``resolved`` naming it. Before, the entry read as is-number 3.0.0 as well as 7.0.0 where yarn
installs 7.0.0 only: a rule naming is-number 3.0.0 found it (a bogus finding).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gouvernante.lockfiles import parse_bytes
from helpers import compromised_rules, every_mode, scan_report

CASE = Path(__file__).parent / "fixtures" / "yarn1-url-version"
OLD = compromised_rules("URL-3", ("is-number", "=3.0.0"))
NEW = compromised_rules("URL-7", ("is-number", "=7.0.0"))
SEVEN = ("edited-yarn.lock", "edited-unresolved-yarn.lock")
URL = "https://registry.yarnpkg.com/is-number/-/is-number-7.0.0.tgz"


def _found(report: dict[str, object]) -> list[tuple[str, str]]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return [(f["package"], f["version"]) for f in findings]


def test_what_yarn_installs_on_the_edited_files() -> None:
    after = json.loads((CASE / "after-install.json").read_text(encoding="utf-8"))
    assert {k: v for k, v in after.items() if k != "tool"} == {
        "edited-yarn.lock: node_modules/baz": ["is-number", "7.0.0"],
        "edited-unresolved-yarn.lock: node_modules/baz": ["is-number", "7.0.0"],
        "edited-npmjs-yarn.lock: node_modules/baz": ["is-number", "7.0.0"],
        "edited-other-yarn.lock: node_modules/baz": ["is-number", "3.0.0"],
    }
    for name in (*SEVEN, "edited-npmjs-yarn.lock", "edited-other-yarn.lock"):
        text = (CASE / name).read_text(encoding="utf-8")
        assert f'"baz@{URL}":\n  version "3.0.0"\n' in text, name


@pytest.mark.parametrize("name", SEVEN)
def test_the_url_s_release_is_found_not_the_version_line_s(tmp_path: Path, name: str) -> None:
    code, report = scan_report(tmp_path, OLD, "-lockfile", str(CASE / name))
    assert (code, report["errors"], _found(report)) == (0, [], [])
    code, report = scan_report(tmp_path, NEW, "-lockfile", str(CASE / name))
    assert (code, report["errors"], _found(report)) == (2, [], [("is-number", "7.0.0")])


@pytest.mark.parametrize("name", SEVEN)
def test_the_entry_reads_as_the_url_s_release_in_every_reader(name: str) -> None:
    text = (CASE / name).read_text(encoding="utf-8")
    # a backslash in a header sends the file to the block-by-block reader (decision 0027)
    for written in (text, text.replace('"baz@', '"b\\u0061z@')):
        graph = parse_bytes(written.encode(), "yarn.lock")
        assert [(p.name, p.version) for p in graph.packages] == [("is-number", "7.0.0")]


def test_an_entry_named_as_its_url_s_package_too(tmp_path: Path) -> None:
    # yarn 1.22.22 installed is-number 7.0.0 for "is-number@<its 7.0.0 URL>", version "3.0.0"
    # (no resolved), measured by hand (decision 0151)
    text = (CASE / "edited-unresolved-yarn.lock").read_text(encoding="utf-8")
    path = tmp_path / "yarn.lock"
    path.write_text(text.replace('"baz@', '"is-number@'), encoding="utf-8")
    graph = parse_bytes(path.read_bytes(), "yarn.lock")
    assert [(p.name, p.version) for p in graph.packages] == [("is-number", "7.0.0")]


def test_a_resolved_url_other_than_the_header_s_stays_an_error(tmp_path: Path) -> None:
    # yarn installs what ``resolved`` names, which package.json did not ask for (0143): an error,
    # and that release is found
    code, report = scan_report(tmp_path, OLD, "-lockfile", str(CASE / "edited-other-yarn.lock"))
    assert (code, _found(report)) == (2, [("is-number", "3.0.0")])
    assert report["errors"]
    code, report = scan_report(tmp_path, NEW, "-lockfile", str(CASE / "edited-npmjs-yarn.lock"))
    assert (code, _found(report)) == (2, [("is-number", "7.0.0")])
    assert report["errors"]


def test_every_mode_reads_the_url_s_release(tmp_path: Path) -> None:
    files = {
        "package.json": (CASE / "package.json").read_text(encoding="utf-8"),
        "yarn.lock": (CASE / "edited-yarn.lock").read_text(encoding="utf-8"),
    }
    for mode, (code, report) in every_mode(tmp_path, files, OLD).items():
        assert (mode, code, report["errors"], _found(report)) == (mode, 0, [], [])
