"""A deno.json import its deno.lock does not lock (decision 0139).

``fixtures/deno-import-unlocked`` (``generate.sh``, deno 2.9.6): deno.json imports
``foo: npm:is-number@7.0.0`` and ``ms: npm:ms@^2.0.0``, but ``deno install --entrypoint main.ts``
locked only what main.ts reaches (is-odd's is-number 6.0.0, debug's ms 2.0.0). ``deno run`` of a
module importing both then resolves is-number 7.0.0 and keeps ms 2.0.0 (``after-run.json``);
``deno install --frozen`` refuses the file. Before, every mode said "deno.lock resolves it: the
lockfile decides" and exit 0 for a rule on is-number 7.0.0. Now deno.lock decides an import as
pnpm's and bun's files decide a range (a locked release of the name inside it), and one it does
not decide is a finding, as ``deno run`` resolves it again by default.
"""

from __future__ import annotations

import json
from pathlib import Path

from helpers import compromised_rules, every_mode, scan_report

CASE = Path(__file__).parent / "fixtures" / "deno-import-unlocked"
FILES = ("deno.json", "deno.lock", "main.ts")


def _files() -> dict[str, str]:
    return {name: (CASE / name).read_text(encoding="utf-8") for name in FILES}


def test_what_deno_did() -> None:
    after = json.loads((CASE / "after-run.json").read_text(encoding="utf-8"))
    assert after["install --frozen exit status"] != 0
    specifiers = after["specifiers after deno run main2.ts"]
    assert specifiers["npm:is-number@7.0.0"] == "7.0.0"
    assert specifiers["npm:ms@2"] == "2.0.0"  # the locked release, not ms 2.1.3
    lock = json.loads(_files()["deno.lock"])
    assert "npm:is-number@7.0.0" not in lock["specifiers"]
    assert {"is-number@6.0.0", "ms@2.0.0"} <= set(lock["npm"])


def test_an_import_the_lockfile_does_not_decide_is_a_finding_in_every_mode(
    tmp_path: Path,
) -> None:
    rules = compromised_rules("DENO-1", ("is-number", "=7.0.0"))
    for mode, (code, report) in every_mode(tmp_path, _files(), rules).items():
        assert code == 2, (mode, report)
        found = [
            (f["package"], f["match"], f["lockfile"].rpartition("/")[2]) for f in report["findings"]
        ]
        assert found == [("is-number", "declared-range", "deno.json")], mode
        assert any("deno run resolves it again" in n["message"] for n in report["notes"]), mode


def test_an_import_a_locked_release_answers_is_decided(tmp_path: Path) -> None:
    rules = compromised_rules("MS-1", ("ms", "=2.1.3"), ("is-number", "=6.0.1"))
    code, report = scan_report(tmp_path, rules, "-dir", str(CASE))
    assert (code, report["findings"], report["errors"]) == (0, [], [])
    messages = [n["message"] for n in report["notes"]]
    assert any(
        m.startswith("declared range '^2.0.0' of ms could match MS-1")
        and m.endswith("deno.lock resolves it: the lockfile decides")
        for m in messages
    ), messages
