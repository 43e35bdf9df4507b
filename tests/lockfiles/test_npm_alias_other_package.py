"""An ``npm:`` alias answered by an entry of another package (decision 0139).

``fixtures/npm-alias-other-package`` (``generate.sh``, npm 11.19.1): a root depending on
``foo: npm:is-number@7.0.0`` and is-odd 3.0.1; ``edited-lock.json`` is npm's file with the entry
answering the alias, ``node_modules/foo``, made is-odd 3.0.1's. npm calls that edge invalid,
``npm ci`` refuses the file and ``npm install`` installs is-number 7.0.0 under
``node_modules/foo`` (``after-install.json``). Before, every mode read the edited file CLEAN
(exit 0, no error, no note): what npm installs there is locked nowhere in it. Now the file is an
entry error naming the dependency's JSON path and the answering entry's, echoing neither name.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gouvernante.lockfiles import npm, parse_bytes
from helpers import compromised_rules, every_mode, scan_report

CASE = Path(__file__).parent / "fixtures" / "npm-alias-other-package"
RULES = compromised_rules("ALIAS-1", ("is-number", "=7.0.0"))
MARKER = "zqx-marker-pkg"
ERROR = (
    "packages[''].dependencies['foo']: an npm: alias answered by"
    " packages['node_modules/foo'], an entry of another package"
)


def _edited(**changes: object) -> str:
    lock = json.loads((CASE / "package-lock.json").read_text(encoding="utf-8"))
    odd = lock["packages"]["node_modules/is-odd"]
    lock["packages"]["node_modules/foo"].update(
        {k: odd[k] for k in ("resolved", "integrity", "dependencies")}, **changes
    )
    return json.dumps(lock, indent=2)


def test_what_npm_installs_on_the_edited_file() -> None:
    after = json.loads((CASE / "after-install.json").read_text(encoding="utf-8"))
    assert after["node_modules/foo"] == ["is-number", "7.0.0"]
    assert (CASE / "edited-lock.json").read_text(encoding="utf-8") == _edited(
        name="is-odd", version="3.0.1"
    ) + "\n"


def test_the_file_npm_wrote_reads_with_no_error(tmp_path: Path) -> None:
    graph = parse_bytes((CASE / "package-lock.json").read_bytes(), "package-lock.json")
    assert graph.entry_errors == ()
    code, report = scan_report(tmp_path, RULES, "-lockfile", str(CASE / "package-lock.json"))
    assert (code, report["errors"]) == (2, [])
    assert [(f["package"], f["version"]) for f in report["findings"]] == [("is-number", "7.0.0")]


@pytest.mark.parametrize(
    "changes",
    [
        {"name": "is-odd", "version": "3.0.1"},
        {"name": None, "resolved": None},  # no name: the folder's, foo
        {"name": MARKER},
    ],
    ids=["other-package", "no-name", "marker"],
)
def test_an_alias_answered_by_another_package_is_an_error(
    tmp_path: Path, changes: dict[str, object]
) -> None:
    text = _edited(**changes).replace('"name": null,', "").replace('"resolved": null,', "")
    path = tmp_path / "package-lock.json"
    path.write_text(text, encoding="utf-8")
    code, report = scan_report(tmp_path, RULES, "-lockfile", str(path))
    assert (code, report["findings"]) == (1, [])
    messages = [e["message"] for e in report["errors"]]
    assert any(m.startswith(ERROR) for m in messages), messages
    assert MARKER not in json.dumps(report)


def test_the_big_file_path_says_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(npm, "LEAN_BYTES", 1)
    graph = parse_bytes((CASE / "edited-lock.json").read_bytes(), "package-lock.json")
    assert [e for e in graph.entry_errors if e.startswith(ERROR)], graph.entry_errors


def test_a_nested_alias_and_a_dev_alias(tmp_path: Path) -> None:
    lock = json.loads((CASE / "package-lock.json").read_text(encoding="utf-8"))
    packages = lock["packages"]
    packages["node_modules/is-odd"]["dependencies"] = {"is-number": "npm:is-even@^1.0.0"}
    root = packages[""]
    root["devDependencies"] = {"bar": "npm:is-number@7.0.0"}
    packages["node_modules/bar"] = {"version": "1.0.0", "dev": True}
    path = tmp_path / "package-lock.json"
    path.write_text(json.dumps(lock), encoding="utf-8")
    code, report = scan_report(tmp_path, RULES, "-lockfile", str(path))
    assert code == 2  # (foo is still is-number 7.0.0)
    assert sorted(e["message"].split(":")[0] for e in report["errors"]) == [
        "packages[''].devDependencies['bar']",
        "packages['node_modules/is-odd'].dependencies['is-number']",
    ]


def test_a_bundled_alias_with_no_entry_of_its_own_is_no_error() -> None:
    """npm's linked layout writes no entry for a package's bundled dependencies
    (``npm-linked-bundled``): an alias among them is answered by the tarball's copy, not by a
    same-named entry above."""
    lock = json.loads((CASE / "package-lock.json").read_text(encoding="utf-8"))
    odd = lock["packages"]["node_modules/is-odd"]
    odd["dependencies"] = {"foo": "npm:left-pad@1.3.0"}
    odd["bundleDependencies"] = ["foo"]
    graph = parse_bytes(json.dumps(lock).encode(), "package-lock.json")
    assert graph.entry_errors == ()
    del odd["bundleDependencies"]
    graph = parse_bytes(json.dumps(lock).encode(), "package-lock.json")
    assert [e for e in graph.entry_errors if e.startswith("packages['node_modules/is-odd']")]


def test_an_alias_of_a_workspace_link_or_the_same_name_is_no_error() -> None:
    lock = json.loads((CASE / "package-lock.json").read_text(encoding="utf-8"))
    packages = lock["packages"]
    packages[""]["dependencies"]["is-number"] = "npm:is-number@6.0.0"
    packages["node_modules/is-number"].pop("name", None)
    packages[""]["dependencies"]["w"] = "npm:is-number@7.0.0"
    packages["node_modules/w"] = {"resolved": "packages/w", "link": True}
    packages["packages/w"] = {"name": "w", "version": "7.0.0"}
    graph = parse_bytes(json.dumps(lock).encode(), "package-lock.json")
    assert graph.entry_errors == ()


def test_every_mode_refuses_the_edited_file(tmp_path: Path) -> None:
    files = {
        "package.json": (CASE / "package.json").read_text(encoding="utf-8"),
        "package-lock.json": (CASE / "edited-lock.json").read_text(encoding="utf-8"),
    }
    for mode, (code, report) in every_mode(tmp_path, files, RULES).items():
        assert code == 1, mode
        assert any(e["message"].startswith(ERROR) for e in report["errors"]), (mode, report)


@pytest.mark.parametrize("big", [False, True], ids=["whole-file", "big-file"])
@pytest.mark.parametrize(
    "spec",
    [
        "\\u006epm:is-number@7.0.0",
        "\\u006E\\u0070\\u006d\\u003Ais-number@7.0.0",
        "npm\\u003ais-number@7.0.0",
    ],
)
def test_an_alias_spec_written_with_escapes_is_checked_too(
    spec: str, big: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """npm's JSON.parse reads ``"\\u006epm:is-number@7.0.0"`` as ``npm:is-number@7.0.0``: the
    search for the maps holding an alias spec must not be a search for its bytes alone (it read
    the edited file CLEAN, exit 0)."""
    if big:
        monkeypatch.setattr(npm, "LEAN_BYTES", 1)
    text = (CASE / "edited-lock.json").read_text(encoding="utf-8")
    assert '"foo": "npm:is-number@7.0.0"' in text
    data = text.replace('"foo": "npm:is-number@7.0.0"', f'"foo": "{spec}"').encode()
    graph = parse_bytes(data, "package-lock.json")
    assert [e for e in graph.entry_errors if e.startswith(ERROR)], graph.entry_errors
