"""A lockfile out of date with its package.json, as pnpm, yarn classic, yarn berry and bun read
it (decision 0061; npm's: 0060). Each fixture under ``fixtures/out-of-date`` is a project whose
lockfile the real tool wrote for a first package.json, then that package.json bumped by hand;
its ``measured.json`` says what the tool then did (``generate.sh``): whether its frozen install
refused the project, and which release of ms its plain install put there. A release no install
of the first package.json put on disk (``ms_locked``) is one the tool resolved again: the scan
must say the lockfile is out of date, in every mode (a finding where the frozen install did not
refuse it but resolved it again too: yarn 1 in a workspace or a ``file:`` folder); a release it
locked means the lockfile decides.

The rule names ms 2.1.3 and 2.1.0, the releases the tools installed when they resolved again
(each declared range reaches one); the locked 2.1.1 and 2.0.0 are no rule's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest

from gouvernante.inventory import graphs
from gouvernante.lockfiles import parse_bytes
from gouvernante.match.placing import locked
from helpers import compromised_rules, every_mode, scan_report, tree_relative

FIXTURES = Path(__file__).parent / "fixtures" / "out-of-date"
CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "measured.json").is_file())
RULES = compromised_rules("MS-1", ("ms", "=2.1.3 || =2.1.0"))
ENTRY_ERROR = (
    "package.json dependencies['ms']: the lockfile has no entry for it (truncated or out-of-date"
    " lockfile)"
)


def _files(case: str) -> dict[str, str]:
    folder = FIXTURES / case
    return {
        p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "measured.json"
    }


def _modes(tmp_path: Path, files: dict[str, str]) -> dict[str, tuple[int, dict[str, Any]]]:
    return every_mode(tmp_path, files, RULES)


def test_every_tool_and_case_is_measured() -> None:
    tools = {case.split("-")[0] for case in CASES}
    assert tools == {"berry", "bun", "pnpm8", "pnpm9", "pnpm10", "yarn1"}
    assert len(CASES) == 22  # 4 cases of 5 tools, pnpm 10's overrides, yarn 1's file: folder


@pytest.mark.parametrize("case", CASES)
def test_the_scan_says_what_the_tool_does(tmp_path: Path, case: str) -> None:
    measured = json.loads((FIXTURES / case / "measured.json").read_text(encoding="utf-8"))
    locked_releases = measured["ms_locked"]
    resolved_again = measured["install"]["ms_installed"] not in locked_releases
    frozen = measured["frozen_install"]
    refused = frozen["exit"] != 0 or frozen["ms_installed"] in locked_releases
    edited = measured["edited"].removeprefix("./")
    # yarn 1's root package.json names its dependencies by name only in yarn.lock: a name with
    # several entries none of whose headers is the declared range was already an entry error
    # (exit 1; with one entry, yarn.lock's fallback for resolutions takes it)
    errors = [ENTRY_ERROR] if case == "yarn1-nested" else []
    for mode, (code, report) in _modes(tmp_path, _files(case)).items():
        assert [e["message"] for e in report["errors"]] == errors, mode
        code = 0 if errors and code == 1 else code
        notes = [n["message"] for n in report["notes"] if tree_relative(n["path"]) == edited]
        (note,) = notes  # one note of the declared range, whatever it says
        assert note.startswith("declared range "), (mode, note)
        findings = [(tree_relative(f["lockfile"]), f["match"]) for f in report["findings"]]
        if not resolved_again:  # the tool kept a locked release: the lockfile decides
            assert note.endswith("the lockfile decides"), (mode, note)
            assert (code, findings) == (0, []), mode
        elif refused:  # resolved again, but the frozen install CI runs refuses the file
            assert "the lockfile is out of date with this package.json" in note, (mode, note)
            assert "refuses it" in note and "resolves this range again" in note, (mode, note)
            assert (code, findings) == (0, []), mode
        else:  # yarn 1, a workspace's or file: folder's: --frozen-lockfile resolves it again
            assert "even with --frozen-lockfile" in note, (mode, note)
            assert (code, findings) == (2, [(edited, "declared-range")]), mode


def test_the_note_names_the_tool_and_what_the_lockfile_locks(tmp_path: Path) -> None:
    """The out-of-date note says which install refuses the file and which resolves again, and
    why the lockfile does not answer (pnpm, bun: no locked release inside the range; yarn: no
    entry for the descriptor)."""
    said = {}
    for case in ("pnpm9-outside", "bun-outside", "yarn1-inside", "berry-inside"):
        code, report = scan_report(tmp_path, RULES, "-dir", str(FIXTURES / case))
        assert code == 0
        (said[case],) = [n["message"] for n in report["notes"] if "out of date" in n["message"]]
    assert "pnpm-lock.yaml locks ms 2.1.1, none inside this range" in said["pnpm9-outside"]
    assert "(pnpm install --frozen-lockfile refuses it; pnpm install" in said["pnpm9-outside"]
    assert "bun.lock locks ms 2.1.1, none inside this range" in said["bun-outside"]
    assert "(bun install --frozen-lockfile refuses it; bun install" in said["bun-outside"]
    assert "yarn.lock has no entry for ms@^2.1.0" in said["yarn1-inside"]
    assert "(yarn install --frozen-lockfile refuses it; yarn install" in said["yarn1-inside"]
    assert "yarn.lock has no entry for ms@^2.1.0" in said["berry-inside"]
    assert "(yarn install --immutable refuses it; yarn install" in said["berry-inside"]


def test_yarn_entry_headers_are_kept_by_the_inventory() -> None:
    """-inventory judges a yarn.lock by its stored graph: the entry headers travel with it; a
    graph recorded before they were kept knows none, and its lockfile decides as before."""
    data = (FIXTURES / "berry-inside" / "yarn.lock").read_bytes()
    graph = parse_bytes(data, "yarn.lock")
    ms = frozenset({"ms"})
    assert locked(graph, ms) == (("ms", "ms@npm:2.1.1"),)
    stored = graphs.decode(graphs.encode(graph))
    assert locked(stored, ms) == locked(graph, ms)
    assert locked(msgspec.structs.replace(stored, entry_keys=None), ms) == ()
