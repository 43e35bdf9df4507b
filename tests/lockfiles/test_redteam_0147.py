"""Wrong CLEANs found red-teaming decisions 0141-0145 (decision 0147).

``fixtures/redteam-0147`` (``generate.sh``): hand edits of files npm 11.19.1 and yarn 1.22.22
wrote (``npm-<case>.edited-lock.json`` with its ``npm-<case>.package.json``,
``yarn-<case>.edited-yarn.lock`` with ``yarn.package.json``: named so that the tests enumerating
the tools' own files leave them out), and what each tool installs from the edited file
(``after-install.json``: is-number 7.0.0 every time; ``npm ci`` refused each npm file, ``yarn
install --frozen-lockfile`` took each yarn one). Before 0147 each read CLEAN (exit 0, no error):

- npm, an ``npm:`` alias answered by an entry of another package (decision 0139's check) when the
  alias is written ``NPM:`` (npm-package-arg lowercases a spec before looking for the prefix), or
  stands in the root's ``optionalDependencies`` or ``peerDependencies`` (only ``dependencies`` and
  a folder's ``devDependencies`` were searched);
- npm, a husk answering a ``peerDependencies`` name (decision 0145 looked at the other maps);
- yarn 1, an entry with no ``resolved`` whose header holds the URL after another range (0143 read
  the first range only), or whose ``resolved`` is unquoted ``false``, ``0`` or ``000``, which
  yarn's parser reads as false or 0 (0143 knew only a missing line and ``""``).
"""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

from gouvernante.lockfiles import npm, parse_bytes
from helpers import compromised_rules, every_mode, scan_report

CASE = Path(__file__).parent / "fixtures" / "redteam-0147"
RULES = compromised_rules("RT-0147", ("is-number", "=7.0.0"))
AFTER = json.loads((CASE / "after-install.json").read_text(encoding="utf-8"))
NPM_ALIAS = {
    "upper-alias": "packages[''].dependencies['foo']: an npm: alias answered by",
    "optional-alias": "packages[''].optionalDependencies['foo']: an npm: alias answered by",
    "peer-alias": "packages[''].peerDependencies['foo']: an npm: alias answered by",
}
NPM_HUSK = (
    "packages[''].peerDependencies['is-number']: answered by packages['node_modules/is-number']"
)
YARN = ("two-urls", "range-then-url", "resolved-false", "resolved-0", "resolved-000")


def _npm(case: str) -> Path:
    return CASE / f"npm-{case}.edited-lock.json"


def _yarn(case: str) -> Path:
    return CASE / f"yarn-{case}.edited-yarn.lock"


def _as(tmp_path: Path, source: Path, name: str) -> Path:
    """``source`` copied to ``tmp_path/name`` (the file name the scan reads it by)."""
    path = tmp_path / name
    path.write_bytes(source.read_bytes())
    return path


def test_what_the_tools_install_from_each_edited_file() -> None:
    assert len(AFTER) == 1 + len(NPM_ALIAS) + 1 + len(YARN)
    for key, value in AFTER.items():
        if key != "tools":
            assert value == ["is-number", "7.0.0"], key


def _errors(report: dict[str, object]) -> list[str]:
    errors = report["errors"]
    assert isinstance(errors, list)
    return [e["message"] for e in errors]


@pytest.mark.parametrize("case", [*NPM_ALIAS, "peer-husk"])
def test_npm_edits_are_errors(tmp_path: Path, case: str) -> None:
    path = _as(tmp_path, _npm(case), "package-lock.json")
    code, report = scan_report(tmp_path, RULES, "-lockfile", str(path))
    assert (code, report["findings"]) == (1, [])
    start = NPM_ALIAS.get(case, NPM_HUSK)
    assert any(m.startswith(start) for m in _errors(report)), _errors(report)


@pytest.mark.parametrize("case", list(NPM_ALIAS))
def test_npm_alias_edits_on_the_big_file_path(monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    monkeypatch.setattr(npm, "LEAN_BYTES", 1)
    graph = parse_bytes(_npm(case).read_bytes(), "package-lock.json")
    assert any(e.startswith(NPM_ALIAS[case]) for e in graph.entry_errors), graph.entry_errors


@pytest.mark.parametrize("spelling", ["Npm:", "nPM:", "\\u004EPM:", "N\\u0050m\\u003a"])
def test_an_alias_in_any_case_or_escape_is_checked(spelling: str) -> None:
    text = _npm("upper-alias").read_text(encoding="utf-8")
    data = text.replace('"NPM:is-number@7.0.0"', f'"{spelling}is-number@7.0.0"').encode()
    assert (
        msgspec.json.decode(data)["packages"][""]["dependencies"]["foo"].lower().startswith("npm:")
    )
    graph = parse_bytes(data, "package-lock.json")
    assert any(e.startswith(NPM_ALIAS["upper-alias"]) for e in graph.entry_errors)


def test_npm_files_as_npm_wrote_them_read_as_before(tmp_path: Path) -> None:
    # the same maps, the alias answered by the alias's own package: no error, is-number found
    lock = json.loads(
        (CASE.parent / "npm-alias-other-package" / "package-lock.json").read_text("utf-8")
    )
    root = lock["packages"][""]
    root["optionalDependencies"] = {"foo": root["dependencies"].pop("foo")}
    root["dependencies"]["bar"] = "NPM:is-number@7.0.0"
    lock["packages"]["node_modules/bar"] = lock["packages"]["node_modules/foo"]
    graph = parse_bytes(json.dumps(lock).encode(), "package-lock.json")
    assert graph.entry_errors == ()


@pytest.mark.parametrize("case", YARN)
def test_yarn_edits_find_the_url_s_package(tmp_path: Path, case: str) -> None:
    path = _as(tmp_path, _yarn(case), "yarn.lock")
    code, report = scan_report(tmp_path, RULES, "-lockfile", str(path))
    assert code == 2
    assert ("is-number", "7.0.0") in [(f["package"], f["version"]) for f in report["findings"]]


@pytest.mark.parametrize("case", YARN)
def test_yarn_block_and_line_readers_say_the_same(case: str) -> None:
    text = _yarn(case).read_text(encoding="utf-8")
    # a backslash in a header: the block reader; a padded version line: the line reader
    for edited in (
        text.replace("is-odd@3.0.1:", '"is-od\\u0064@3.0.1":'),
        text.replace('  version "3.0.1"\n', '  version   "3.0.1"  \n', 1),
    ):
        assert edited != text
        graph = parse_bytes(edited.encode(), "yarn.lock")
        assert ("is-number", "7.0.0") in {(p.name, p.version) for p in graph.packages}


@pytest.mark.parametrize("value", ['"false"', "01", "1"])
def test_yarn_resolved_values_yarn_reads_as_set_are_not_none(value: str) -> None:
    # (yarn 1.22.22 fails to install these: a string or the number 1 is a resolved it fetches)
    text = _yarn("resolved-false").read_text(encoding="utf-8")
    graph = parse_bytes(
        text.replace("  resolved false", f"  resolved {value}").encode(), "yarn.lock"
    )
    assert ("is-number", "7.0.0") not in {(p.name, p.version) for p in graph.packages}


def test_a_registry_entry_resolved_false_is_unresolved(tmp_path: Path) -> None:
    text = _yarn("two-urls").read_text(encoding="utf-8")
    start = text.index("is-number@^6.0.0:")
    end = text.index("\n", text.index("  resolved ", start))
    path = tmp_path / "yarn.lock"
    path.write_text(
        text[:start] + text[start:end].rsplit("\n", 1)[0] + "\n  resolved false" + text[end:]
    )
    rules = compromised_rules("RT-6", ("is-number", "=6.0.1"))
    code, report = scan_report(tmp_path, rules, "-lockfile", str(path))
    assert code == 1
    assert any("this entry has no resolved URL" in m for m in _errors(report)), _errors(report)


def test_every_mode_finds_the_two_url_header(tmp_path: Path) -> None:
    files = {
        "package.json": (CASE / "yarn.package.json").read_text(encoding="utf-8"),
        "yarn.lock": _yarn("two-urls").read_text(encoding="utf-8"),
    }
    for mode, (code, report) in every_mode(tmp_path, files, RULES).items():
        assert (mode, code) == (mode, 2)
        found = [(f["package"], f["version"]) for f in report["findings"]]
        assert ("is-number", "7.0.0") in found, mode
