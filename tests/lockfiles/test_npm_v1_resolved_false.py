"""``"resolved": false`` in a v1 entry: no ``resolved``, as npm reads it (decision 0142).

npm 6 wrote ``"resolved": false`` for the dependencies fsevents 1.2.x bundles; 3 published
lockfiles of the sweep hold it (netlify-cli 2.11.17 and 2.11.29's npm-shrinkwrap.json, serverless
1.44.0's package-lock.json, 66 entries each). arborist's Node keeps ``resolved || null``, and the
oracle read their 2,698 pairs; we refused each whole file ("unexpected lockfile shape: Expected
``str | null``, got ``bool``"). ``fixtures/npm-v1-resolved-false`` is netlify-cli 2.11.29's file
cut to fsevents and two of those entries (``origin.txt``). ``true`` is no URL npm writes: still
a shape error naming its position.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gouvernante.lockfiles import npm, parse_bytes
from helpers import compromised_rules, scan_report

LOCK = Path(__file__).parent / "fixtures" / "npm-v1-resolved-false" / "npm-shrinkwrap.json"
RULES = compromised_rules("RESOLVED-FALSE-1", ("abbrev", "=1.1.1"), ("ansi-regex", "=2.1.1"))


def test_the_entries_are_read_as_without_resolved(tmp_path: Path) -> None:
    assert LOCK.read_text(encoding="utf-8").count('"resolved": false') == 2
    graph = parse_bytes(LOCK.read_bytes(), "npm-shrinkwrap.json")
    assert list(graph.entry_errors) == []
    code, report = scan_report(tmp_path, RULES, "-lockfile", str(LOCK))
    assert (code, report["errors"]) == (2, [])
    found = sorted((f["package"], f["version"]) for f in report["findings"])
    assert found == [("abbrev", "1.1.1"), ("ansi-regex", "2.1.1")]


@pytest.mark.parametrize("lean", [False, True], ids=["whole", "big-file"])
def test_the_same_as_an_entry_with_no_resolved(monkeypatch: pytest.MonkeyPatch, lean: bool) -> None:
    if lean:
        monkeypatch.setattr(npm, "LEAN_BYTES", 1)
    text = LOCK.read_text(encoding="utf-8")
    without = text.replace('"resolved": false,', "")
    read = parse_bytes(text.encode(), "npm-shrinkwrap.json")
    plain = parse_bytes(without.encode(), "npm-shrinkwrap.json")
    assert list(read.entry_errors) == list(plain.entry_errors) == []
    assert list(read.packages) == list(plain.packages)
    assert {(p.name, p.version, p.resolved) for p in read.packages} == {
        ("fsevents", "1.2.9", "https://registry.npmjs.org/fsevents/-/fsevents-1.2.9.tgz"),
        ("abbrev", "1.1.1", None),
        ("ansi-regex", "2.1.1", None),
    }


def test_true_is_still_a_shape_error(tmp_path: Path) -> None:
    lock = json.loads(LOCK.read_text(encoding="utf-8"))
    lock["dependencies"]["fsevents"]["dependencies"]["abbrev"]["resolved"] = True
    path = tmp_path / "npm-shrinkwrap.json"
    path.write_text(json.dumps(lock, indent=2), encoding="utf-8")
    code, report = scan_report(tmp_path, RULES, "-lockfile", str(path))
    assert (code, report["findings"]) == (1, [])
    [error] = report["errors"]
    assert error["path"] == str(path)
    assert "dependencies['fsevents'].dependencies['abbrev'].resolved" in error["message"]
