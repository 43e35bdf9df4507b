"""npm's isolated layout writes no entry for a package's bundled dependencies
(``fixtures/npm-linked-bundled``: npm 10.9.2 and is-number 7.0.0 installed by npm 11.19.1 with
``--install-strategy=linked``, ``generate.sh``; ``installed.json`` is what npm installed).

``node_modules/npm`` names its bundled packages in ``dependencies`` and ``bundleDependencies``
and no ``node_modules/npm/node_modules/...`` entry records them (the hoisted layout writes them
with ``inBundle``). ``npm ci --install-strategy=linked`` installs from the file and ``npm ls``
finds nothing missing: they come inside npm's tarball. Before, each was an entry error "no entry
answers this dependency (npm ls: missing ...)" (69 errors, exit 1 whatever the rules). Now a
bundled dependency no entry answers is what pnpm's are (decision 0039): a note when a rule names
it, its version not in the file; the installed copy is -host's to read."""

from __future__ import annotations

import json
from pathlib import Path

from gouvernante.lockfiles import parse_bytes
from helpers import compromised_rules, scan_report

CASE = Path(__file__).parent / "fixtures" / "npm-linked-bundled"


def _installed() -> set[tuple[str, str]]:
    doc = json.loads((CASE / "installed.json").read_text(encoding="utf-8"))
    return {(name, version) for name, version in doc["installed"]}


def test_bundled_dependencies_without_entries_are_bundled_names_not_errors() -> None:
    graph = parse_bytes((CASE / "package-lock.json").read_bytes(), "package-lock.json")
    assert graph.entry_errors == ()
    listed = {(p.name, p.version) for p in graph.table}
    assert listed == {("npm", "10.9.2"), ("is-number", "7.0.0")}
    bundled = {name for name, node in graph.bundled if node == "node_modules/npm"}
    assert {"@npmcli/arborist", "semver", "tar"} <= bundled
    assert ("@npmcli/arborist", "8.0.0") in _installed()  # inside npm's tarball


def test_a_rule_on_a_bundled_package_is_a_note_not_an_error(tmp_path: Path) -> None:
    rules = compromised_rules("ARB-1", ("@npmcli/arborist", "=8.0.0"))
    code, report = scan_report(tmp_path, rules, "-lockfile", str(CASE / "package-lock.json"))
    assert (code, report["errors"], report["findings"]) == (0, [], [])
    messages = [n["message"] for n in report["notes"]]
    assert any(
        m.startswith("packages['node_modules/npm'].bundleDependencies: @npmcli/arborist is bundled")
        for m in messages
    ), messages


def test_a_rule_on_a_listed_package_still_finds_it(tmp_path: Path) -> None:
    rules = compromised_rules("NUM-1", ("is-number", "=7.0.0"))
    code, report = scan_report(tmp_path, rules, "-lockfile", str(CASE / "package-lock.json"))
    assert (code, report["errors"]) == (2, [])
    assert [(f["package"], f["version"]) for f in report["findings"]] == [("is-number", "7.0.0")]
