"""A ``file:..`` link's target outside the project: its dependencies are npm's missing ones.

``fixtures/npm-outside-link`` (``generate.sh``, npm 11.19.1), the shape of langwatch 0.1.1's
published ``example/package-lock.json`` (decision 0142): ``example`` depends on ``outside``
(``file:..``) and is-number 7.0.0; ``outside`` on is-number 7.0.0 and kind-of 6.0.3. npm writes
``packages[".."]`` with both and no ``../node_modules/`` entry; ``npm ls`` calls both missing
(``npm-ls.txt``: is-number too, though the root has an entry of that name: require() from
``..`` never searches ``example/node_modules``) and ``npm ci`` installs nothing for them
(``ci.txt``). Decision 0122 keeps such a dependency an error, as ``npm ls`` says. Before, only
kind-of was: the top-level is-number answered ``..``'s too, so a target whose dependencies the
root happened to hold read CLEAN, the versions it loads locked nowhere in the file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gouvernante.lockfiles import npm, parse_bytes
from helpers import compromised_rules, scan_report

CASE = Path(__file__).parent / "fixtures" / "npm-outside-link"
LOCK = CASE / "example" / "package-lock.json"
# (a release the file does not hold: what ``..`` loads is locked nowhere in it, never CLEAN)
RULES = compromised_rules("OUTSIDE-1", ("is-number", "=6.0.0"))


def _error(name: str, key: str = "..") -> str:
    return (
        f"packages[{key!r}].dependencies[{name!r}]: no entry answers this dependency (npm ls:"
        " missing; a cut, edited or badly merged lockfile?)"
    )


def test_what_npm_says_of_the_file() -> None:
    ls = (CASE / "npm-ls.txt").read_text(encoding="utf-8")
    assert "UNMET DEPENDENCY is-number@7.0.0" in ls
    assert "UNMET DEPENDENCY kind-of@6.0.3" in ls
    installed = (CASE / "ci.txt").read_text(encoding="utf-8").split("\n")
    assert "./example/node_modules/is-number d" in installed
    assert not [line for line in installed if line.startswith("./node_modules")]


@pytest.mark.parametrize("lean", [False, True], ids=["whole", "big-file"])
def test_every_dependency_of_the_outside_folder_is_unanswered(
    monkeypatch: pytest.MonkeyPatch, lean: bool
) -> None:
    if lean:
        monkeypatch.setattr(npm, "LEAN_BYTES", 1)
    graph = parse_bytes(LOCK.read_bytes(), "package-lock.json")
    assert graph.entry_errors == (_error("is-number"), _error("kind-of"))


def test_the_scan_is_an_error_naming_file_and_position(tmp_path: Path) -> None:
    lock = json.loads(LOCK.read_text(encoding="utf-8"))
    del lock["packages"][".."]["dependencies"]["kind-of"]  # only the one the root also has
    path = tmp_path / "package-lock.json"
    path.write_text(json.dumps(lock, indent=2), encoding="utf-8")
    code, report = scan_report(tmp_path, RULES, "-lockfile", str(path))
    assert (code, report["findings"]) == (1, [])
    assert [e["message"] for e in report["errors"]] == [_error("is-number")]
    assert {e["path"] for e in report["errors"]} == {str(path)}


def test_an_entry_locked_out_there_answers_and_the_root_answers_a_workspace(
    tmp_path: Path,
) -> None:
    lock = json.loads(LOCK.read_text(encoding="utf-8"))
    packages = lock["packages"]
    top = packages["node_modules/is-number"]
    kind_of = {
        "version": "6.0.3",
        "resolved": "https://registry.npmjs.org/kind-of/-/kind-of-6.0.3.tgz",
    }
    packages["../node_modules/is-number"] = dict(top)
    packages["../node_modules/kind-of"] = dict(kind_of)
    graph = parse_bytes(json.dumps(lock).encode(), "package-lock.json")
    assert graph.entry_errors == ()
    # a workspace inside the project still reaches the root's node_modules
    packages["packages/a"] = {"version": "1.0.0", "dependencies": {"is-number": "7.0.0"}}
    packages["node_modules/a"] = {"resolved": "packages/a", "link": True}
    graph = parse_bytes(json.dumps(lock).encode(), "package-lock.json")
    assert graph.entry_errors == ()
    # an entry below the outside folder's node_modules does not reach the root's either
    del packages["../node_modules/kind-of"]
    packages["../node_modules/is-number"]["dependencies"] = {"kind-of": "6.0.3"}
    packages["node_modules/kind-of"] = dict(kind_of)
    graph = parse_bytes(json.dumps(lock).encode(), "package-lock.json")
    assert graph.entry_errors == (
        _error("kind-of"),
        _error("kind-of", "../node_modules/is-number"),
    )
