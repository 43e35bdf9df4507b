"""A bun.lock whose package names optional dependencies the registry never served
(``fixtures/bun-optional-unpublished``: @swc/html 1.16.22 installed by bun 1.4.5, ``generate.sh``;
``installed.json`` is what bun installed, read from node_modules).

@swc/html 1.16.22 names twelve platform packages at 1.16.22 and the registry serves one: bun
installs without the others and writes no entry for them, while @swc/html's entry still names
them. Before, each was an entry error ("truncated or edited lockfile?", exit 1) on the file bun
wrote for the docusaurus classic template. bun installs nothing for an optional dependency whose
entry is absent (1.4.5, with and without --frozen-lockfile, the entry of the platform's own
package or of a workspace's optional dependency removed): nothing is hidden, so no error.
Decision 0059; found by the differential test on real templates."""

from __future__ import annotations

import json
from pathlib import Path

from gouvernante.lockfiles import parse_bytes
from gouvernante.model import Source
from helpers import compromised_rules, scan_report

CASE = Path(__file__).parent / "fixtures" / "bun-optional-unpublished"


def _installed() -> set[tuple[str, str]]:
    doc = json.loads((CASE / "installed.json").read_text(encoding="utf-8"))
    return {(name, version) for name, version in doc["installed"]}


def test_optional_dependencies_bun_left_unresolved_are_no_entry_error() -> None:
    graph = parse_bytes((CASE / "bun.lock").read_bytes(), "bun.lock")
    assert graph.entry_errors == ()
    listed = {(p.name, p.version) for p in graph.table if p.source is not Source.LOCAL}
    assert listed == _installed()


def test_scan_of_the_file_is_exact(tmp_path: Path) -> None:
    for name, code_wanted in (("@swc/html-darwin-arm64", 0), ("@swc/html-linux-x64-gnu", 2)):
        rules = compromised_rules("SWC-1", (name, "*"))
        code, report = scan_report(tmp_path, rules, "-lockfile", str(CASE / "bun.lock"))
        assert (code, report["errors"]) == (code_wanted, [])
        found = [(f["package"], f["version"]) for f in report["findings"]]
        assert found == ([(name, "1.16.22")] if code_wanted else [])
