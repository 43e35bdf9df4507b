"""bun.lock entries inside a package's tarball (``fixtures/bun-bundled``: npm 10.9.2 installed by
bun 1.4.5, ``generate.sh``; ``installed.json`` is what bun installed, read from node_modules).

bun flags the packages npm bundles ``"bundled": true`` yet writes the release the registry would
resolve for each (and for their own dependencies, keyed under ``npm/``), while it installs the
copies in npm's tarball: @npmcli/arborist 8.0.5 written, 8.0.0 installed. Before, a rule
naming 8.0.0 (installed) read CLEAN with no note. The written releases are still matched as
written (bun's own reading of the file lists them); each bundled name is a note. Decision 0054;
found by the differential test against the newest package managers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gouvernante.lockfiles import parse_bytes
from gouvernante.model import Source
from helpers import compromised_rules, scan_report

CASE = Path(__file__).parent / "fixtures" / "bun-bundled"


def _installed() -> set[tuple[str, str]]:
    doc = json.loads((CASE / "installed.json").read_text(encoding="utf-8"))
    return {(name, version) for name, version in doc["installed"]}


def test_bundled_entries_are_listed_as_written_and_named_as_bundled() -> None:
    graph = parse_bytes((CASE / "bun.lock").read_bytes(), "bun.lock")
    listed = {(p.name, p.version) for p in graph.table if p.source is not Source.LOCAL}
    # as bun.lock says (bun's own reading lists them so), though bun installed other copies
    assert ("@npmcli/arborist", "8.0.5") in listed
    assert ("@npmcli/arborist", "8.0.5") not in _installed()
    bundled = {name for name, parent in graph.bundled if parent == "npm"}
    assert "" in bundled  # (the tarball holds more than bun.lock names: a note of its own)
    assert {"@npmcli/arborist", "@npmcli/git", "agent-base"} <= bundled
    assert ("@npmcli/arborist", "8.0.0") in _installed()


def _scan(tmp_path: Path, version: str) -> tuple[int, dict[str, Any]]:
    rules = compromised_rules("ARB-1", ("@npmcli/arborist", f"={version}"))
    return scan_report(tmp_path, rules, "-lockfile", str(CASE / "bun.lock"))


def test_a_bundled_package_is_a_note_whichever_release_a_rule_names(tmp_path: Path) -> None:
    for version, code_wanted in (("8.0.0", 0), ("8.0.5", 2)):  # installed; as written
        code, report = _scan(tmp_path, version)
        assert (code, report["errors"]) == (code_wanted, [])
        assert len(report["findings"]) == (code_wanted == 2)
        messages = [n["message"] for n in report["notes"]]
        assert any(
            m.startswith("packages['npm']: @npmcli/arborist is bundled inside this package's")
            for m in messages
        ), messages
