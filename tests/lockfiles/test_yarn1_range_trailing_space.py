"""yarn 1 keys an entry by each header token as written (decision 0099), a token ending with a
space included: yarn 1.22.22 writes ``"is-number@^7.0.0 ":`` for a dependency whose range ends
with a space, and the dependency line keeps it (``is-number "^7.0.0 "``); ``yarn install
--frozen-lockfile`` reads the file. The reference check compared the dependency with the
stripped token only and called it unanswered: the yarn.lock @oclif/plugin-commands 2.0.1
publishes (cli-ux 6.0.5's ``@oclif/screen "^1.0.4 "``) was refused, its pairs exact (decision
0148). ``fixtures/yarn1-range-trailing-space`` (generate.sh) is the same made by yarn."""

from __future__ import annotations

from pathlib import Path

import pytest

from gouvernante.lockfiles import parse_bytes
from helpers import compromised_rules, every_mode, scan_report

FIXTURE = Path(__file__).parent / "fixtures" / "yarn1-range-trailing-space"
FILES = ("package.json", "local/package.json", "yarn.lock")
RULES = compromised_rules("TRAILING-1", ("is-number", "=7.0.0"))
DEP = '    is-number "^7.0.0 "\n'


def _files(lock: str) -> dict[str, str]:
    files = {name: (FIXTURE / name).read_text(encoding="utf-8") for name in FILES}
    files["yarn.lock"] = lock
    return files


def _messages(report: dict[str, object]) -> list[str]:
    errors = report["errors"]
    assert isinstance(errors, list)
    return [e["message"] for e in errors]


def test_the_file_yarn_wrote_reads_whole_in_every_mode(tmp_path: Path) -> None:
    lock = (FIXTURE / "yarn.lock").read_text(encoding="utf-8")
    assert '"is-number@^7.0.0 ":' in lock and DEP in lock + "\n"
    graph = parse_bytes(lock.encode(), "yarn.lock")
    assert (list(graph.entry_errors), list(graph.unkeyed)) == ([], [])
    for mode, (code, report) in every_mode(tmp_path, _files(lock), RULES).items():
        assert _messages(report) == [], mode
        # (and local/package.json's declared range, a finding of its own)
        locked = [(f["package"], f["version"]) for f in report["findings"] if "version" in f]
        assert locked == [("is-number", "7.0.0")], mode
        assert code == 2, mode
    code, report = scan_report(tmp_path, RULES, "-lockfile", str(tmp_path / "tree" / "yarn.lock"))
    assert (code, _messages(report)) == (2, [])


@pytest.mark.parametrize(
    ("edit", "why"),
    [
        # the dependency on the stripped range: yarn resolves it again (decision 0099's error)
        (lambda t: t.replace('is-number "^7.0.0 "', 'is-number "^7.0.0"'), "quoted header"),
        # the entry cut out: nothing answers the dependency
        (lambda t: t[: t.index('"is-number@')] + t[t.index('"local-thing@') :], "no entry"),
        # another range written with a space: not the token as written
        (lambda t: t.replace('is-number "^7.0.0 "', 'is-number "^7.0.1 "'), "no entry"),
    ],
    ids=["stripped-range", "entry-cut", "other-range"],
)
def test_a_dependency_the_token_as_written_does_not_answer_stays_an_error(
    tmp_path: Path, edit: object, why: str
) -> None:
    assert callable(edit)
    lock = edit((FIXTURE / "yarn.lock").read_text(encoding="utf-8"))
    tree = tmp_path / "tree"
    for rel, text in _files(lock).items():
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_text(text, encoding="utf-8")
    code, report = scan_report(tmp_path, RULES, "-dir", str(tree))
    assert code in (1, 2)
    [message] = _messages(report)
    expected = "quoted header token" if why == "quoted header" else "resolves to no entry"
    assert expected in message
