"""A git or tarball-URL entry whose ``version`` was removed by hand (decision 0155).

Fixtures ``fixtures/versionless-url-entries`` (generate.sh: npm 11.19.1, pnpm 9.15.9 and
10.34.9, yarn 4.12.0): is-number 7.0.0 from a git repository and from a tarball URL naming no
package, each lockfile as the tool wrote it and ``edited-<lockfile>`` with is-number's version
removed. On each edited file the tool's frozen install still installs is-number 7.0.0
(``installed.json``). npm v2/v3, pnpm and berry write the package's version in such an entry,
so the file no longer says which release is installed: an error when a version rule names the
package, where it was a note and a CLEAN (exit 0). npm v1's and bun.lock's git entries, which
the tools write with no version, keep the note."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gouvernante.inventory import graphs
from gouvernante.lockfiles import npm, parse_bytes
from helpers import compromised_rules, every_mode, scan_report

FIXTURES = Path(__file__).parent / "fixtures" / "versionless-url-entries"
CASES = [
    f"{tool}-{kind}" for tool in ("npm11", "pnpm9", "pnpm10", "yarn4") for kind in ("git", "url")
]
RULES = compromised_rules("NUM-1", ("is-number", "=7.0.0"))
OTHER_RULES = compromised_rules("MS-1", ("ms", "=2.1.2"))
ERROR = "where {tool} records the package's own (it installs an entry whose version was removed"


def _lock(case: str) -> str:
    return next(
        p.name
        for p in (FIXTURES / case).iterdir()
        if not p.name.startswith(("edited-", "package.json", "installed"))
    )


def _tool(case: str) -> str:
    return {"npm11": "npm", "pnpm9": "pnpm", "pnpm10": "pnpm", "yarn4": "yarn"}[
        case.split("-", maxsplit=1)[0]
    ]


def _messages(report: dict[str, object]) -> list[str]:
    errors = report["errors"]
    assert isinstance(errors, list)
    return [e["message"] for e in errors]


@pytest.mark.parametrize("case", CASES)
def test_the_tool_installs_the_edited_file(case: str) -> None:
    """The fixture's own record: the frozen install of the edited file put is-number 7.0.0 in
    node_modules (generate.sh), as the file the tool wrote did."""
    lock = _lock(case)
    installed = json.loads((FIXTURES / case / "installed.json").read_text(encoding="utf-8"))
    assert installed[lock] == installed[f"edited-{lock}"] == ["is-number", "7.0.0"]


@pytest.mark.parametrize("case", CASES)
def test_the_file_the_tool_wrote_is_found(tmp_path: Path, case: str) -> None:
    code, report = scan_report(tmp_path, RULES, "-lockfile", str(FIXTURES / case / _lock(case)))
    assert (code, _messages(report)) == (2, [])
    assert [(f["package"], f["version"]) for f in report["findings"]] == [("is-number", "7.0.0")]


@pytest.mark.parametrize("case", CASES)
def test_the_version_removed_is_an_error_not_a_clean(tmp_path: Path, case: str) -> None:
    lock = _lock(case)
    edited = tmp_path / "p" / lock
    edited.parent.mkdir()
    edited.write_bytes((FIXTURES / case / f"edited-{lock}").read_bytes())
    code, report = scan_report(tmp_path, RULES, "-lockfile", str(edited))
    messages = _messages(report)
    assert len(messages) == 1, messages
    assert ERROR.format(tool=_tool(case)) in messages[0]
    assert "NUM-1 names it" in messages[0]
    assert (code, report["findings"], report["notes"]) == (1, [], [])


@pytest.mark.parametrize("case", ["pnpm9-url", "yarn4-git", "npm11-git"])
def test_no_rule_naming_the_package_no_error(tmp_path: Path, case: str) -> None:
    lock = _lock(case)
    edited = tmp_path / "p" / lock
    edited.parent.mkdir()
    edited.write_bytes((FIXTURES / case / f"edited-{lock}").read_bytes())
    code, report = scan_report(tmp_path, OTHER_RULES, "-lockfile", str(edited))
    assert (code, _messages(report), report["notes"]) == (0, [], [])


@pytest.mark.parametrize("lean", [False, True], ids=["whole", "big-file"])
def test_npm_both_paths_and_the_inventory_know_the_form(
    monkeypatch: pytest.MonkeyPatch, lean: bool
) -> None:
    if lean:
        monkeypatch.setattr(npm, "LEAN_BYTES", 1)
    data = (FIXTURES / "npm11-url" / "edited-package-lock.json").read_bytes()
    graph = parse_bytes(data, "package-lock.json")
    assert graph.versions_written
    assert graphs.decode(graphs.encode(graph)).versions_written


def test_a_package_of_no_version_npm_writes_so_is_an_error_when_a_rule_names_it(
    tmp_path: Path,
) -> None:
    """npm 11 writes no version for a git package whose package.json has none (pnpm and yarn 4
    write 0.0.0): the file cannot tell it from an edit, so a rule naming the package by version
    makes it an error too (installed.json: no version)."""
    case = FIXTURES / "npm11-git-noversion"
    installed = json.loads((case / "installed.json").read_text(encoding="utf-8"))
    assert installed["package-lock.json"] == ["is-number", None]
    code, report = scan_report(tmp_path, RULES, "-lockfile", str(case / "package-lock.json"))
    assert code == 1
    assert [ERROR.format(tool="npm") in m for m in _messages(report)] == [True]
    code, report = scan_report(tmp_path, OTHER_RULES, "-lockfile", str(case / "package-lock.json"))
    assert (code, _messages(report)) == (0, [])


def test_every_mode_gives_the_error(tmp_path: Path) -> None:
    files: dict[str, str] = {}
    for case in ("npm11-url", "pnpm9-git", "yarn4-git"):
        lock = _lock(case)
        files[f"{case}/package.json"] = (FIXTURES / case / "package.json").read_text("utf-8")
        files[f"{case}/{lock}"] = (FIXTURES / case / f"edited-{lock}").read_text("utf-8")
    for mode, (code, report) in every_mode(tmp_path, files, RULES).items():
        messages = _messages(report)
        assert len(messages) == 3, (mode, messages)
        assert all("NUM-1 names it" in m for m in messages), (mode, messages)
        assert (code, report["findings"]) == (1, []), mode


def test_npm_v1_and_bun_git_entries_keep_the_note() -> None:
    """The forms the tools write with no version (decision 0016): still the note."""
    v1 = {
        "name": "app",
        "version": "1.0.0",
        "lockfileVersion": 1,
        "requires": True,
        "dependencies": {"is-number": {"version": "git+https://example.invalid/n.git#abc"}},
    }
    graph = parse_bytes(json.dumps(v1).encode(), "package-lock.json")
    assert not graph.versions_written
    bun = (
        '{"lockfileVersion": 1, "workspaces": {"": {"name": "app", "dependencies":'
        ' {"is-number": "git+https://example.invalid/n.git#abc"}}}, "packages":'
        ' {"is-number": ["is-number@git+https://example.invalid/n.git#abc", {}, "abc"]}}'
    )
    graph = parse_bytes(bun.encode(), "bun.lock")
    assert not graph.versions_written
