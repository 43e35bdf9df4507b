"""yarn 1 locks every workspace member's dependencies in the root yarn.lock, each entry keyed
by the spec as the member writes it (decision 0133): a member's dependency no entry is keyed
by is the entry error a root dependency's is (decision 0129), in every mode that reads the
members' package.json files. Fixture ``fixtures/yarn1-member-dependencies`` (generate.sh, yarn
1.22.22): root ansi-regex 5.0.1; member a debug 4.3.4 (-> ms 2.1.2) and its sibling b by range;
member b debug 2.6.9 (-> ms 2.0.0), a peer left-pad and a dev ``b-pad: npm:left-pad@1.3.0``."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import compromised_rules, every_mode, scan_report

FIXTURE = Path(__file__).parent / "fixtures" / "yarn1-member-dependencies"
RULES = compromised_rules("MS-1", ("ms", "=2.1.2 || =2.0.0"), ("left-pad", "=1.3.0"))
FILES = ("package.json", "packages/a/package.json", "packages/b/package.json", "yarn.lock")


def _files(lock: str) -> dict[str, str]:
    files = {name: (FIXTURE / name).read_text(encoding="utf-8") for name in FILES}
    files["yarn.lock"] = lock
    return files


def _lines(first: int, last: int) -> str:
    """yarn.lock's lines ``first`` to ``last`` (1-based, inclusive)."""
    lines = (FIXTURE / "yarn.lock").read_text(encoding="utf-8").splitlines(keepends=True)
    return "".join(lines[first - 1 : last])


def _errors(report: dict[str, object]) -> list[str]:
    errors = report["errors"]
    assert isinstance(errors, list)
    return sorted(e["message"] for e in errors)


def _error(where: str, key: str) -> str:
    return (
        f"{where}package.json {key}: the lockfile has no entry for it (truncated or out-of-date"
        " lockfile)"
    )


def test_the_whole_file_reads_with_no_error_in_every_mode(tmp_path: Path) -> None:
    lock = _lines(1, 37)
    for mode, (code, report) in every_mode(tmp_path, _files(lock), RULES).items():
        assert _errors(report) == [], mode
        found = sorted((f["package"], f["version"]) for f in report["findings"])
        assert found == [("left-pad", "1.3.0"), ("ms", "2.0.0"), ("ms", "2.1.2")], mode
        assert code == 2, mode


@pytest.mark.parametrize(
    ("last", "lost"),
    [
        (  # cut before b-pad: every member's entry is gone, the root's kept
            9,
            [
                ("packages/a/", "dependencies['debug']"),
                ("packages/b/", "dependencies['debug']"),
                ("packages/b/", "devDependencies['b-pad']"),
            ],
        ),
        (  # cut before debug@2.6.9
            14,
            [("packages/a/", "dependencies['debug']"), ("packages/b/", "dependencies['debug']")],
        ),
    ],
)
def test_a_cut_losing_what_only_members_reach_is_an_error_in_every_mode(
    tmp_path: Path, last: int, lost: list[tuple[str, str]]
) -> None:
    expected = sorted(_error(where, key) for where, key in lost)
    modes = every_mode(tmp_path, _files(_lines(1, last)), RULES)
    project = tmp_path / "tree"
    modes["-dir (not recursive)"] = scan_report(tmp_path, RULES, "-dir", str(project))
    for mode, (code, report) in modes.items():
        assert _errors(report) == expected, mode
        assert code in {1, 2}, mode  # (2: b-pad's left-pad 1.3.0 is a declared-range finding)


def test_an_entry_another_member_is_keyed_by_answers_no_other_spec(tmp_path: Path) -> None:
    """debug@4.3.4 and ms@2.1.2 taken out of the middle: the one debug entry left is b's
    ``debug@2.6.9``, which does not answer a's ``debug 4.3.4`` (the root's look-up by name
    answers only with an entry no other package.json or entry is keyed to)."""
    lock = _lines(1, 21) + _lines(29, 33)
    for mode, (code, report) in every_mode(tmp_path, _files(lock), RULES).items():
        assert _errors(report) == [_error("packages/a/", "dependencies['debug']")], mode
        found = sorted((f["package"], f["version"]) for f in report["findings"])
        assert ("ms", "2.1.2") not in found, mode
        assert code == 2, mode
