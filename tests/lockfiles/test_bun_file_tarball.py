"""A bun.lock ``file:`` tarball read for its version in every mode (decision 0146).

``fixtures/bun-file-tarball`` (``generate.sh``: bun 1.2.23, bun.lock v1, and 1.4.5, v2): the
root depends on ``local-escape: file:vendor/escape-html-1.0.3.tgz`` and the member
packages/core on ``escape-html: file:vendor/escape-html-1.0.3.tgz`` (its own vendor/ folder);
both tarballs are the registry's escape-html 1.0.3 (``npm pack``). bun.lock writes
``["escape-html@vendor/escape-html-1.0.3.tgz", {}]`` for both: the package's name, no version,
and the path relative to the declaring workspace's folder. Before, every mode read both as
escape-html with no version: a note, exit 0, where a tarball named like an affected release is a
finding (decision 0072) and yarn's tarballs were read in every mode (0091). Now the tarball is
read where the mode has the project's files, as yarn's are; one not there stays the note.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gouvernante.lockfiles import parse_bytes
from helpers import compromised_rules, every_mode, scan_report

CASES = Path(__file__).parent / "fixtures" / "bun-file-tarball"
VERSIONS = ("bun-1.2.23", "bun-1.4.5")
RULES = compromised_rules("ESC-1", ("escape-html", "=1.0.3"))
TARBALL = "vendor/escape-html-1.0.3.tgz"
NOTE = "is locked from a local tarball whose version the file does not record"


def _files(case: str) -> dict[str, str | bytes]:
    tree = CASES / case
    return {p.relative_to(tree).as_posix(): p.read_bytes() for p in tree.rglob("*") if p.is_file()}


def _found(report: dict[str, Any]) -> list[tuple[str, str, list[list[str]]]]:
    return sorted((f["package"], f["version"], f["dependency_paths"]) for f in report["findings"])


def _noted(report: dict[str, Any]) -> int:
    return sum(NOTE in n["message"] for n in report["notes"])


BOTH = [("escape-html", "1.0.3", [["app", "escape-html@1.0.3"], ["core", "escape-html@1.0.3"]])]


@pytest.mark.parametrize("case", VERSIONS)
def test_the_lockfile_records_no_version(case: str) -> None:
    graph = parse_bytes((CASES / case / "bun.lock").read_bytes(), "bun.lock")
    tarballs = {p.id: (p.name, p.version) for p in graph.packages if p.resolved == TARBALL}
    assert tarballs == {"escape-html": ("escape-html", ""), "local-escape": ("escape-html", "")}
    # each path from the lockfile's folder: the member's is under packages/core
    assert sorted(graph.unnamed_tarballs) == [
        ("escape-html", f"packages/core/{TARBALL}"),
        ("local-escape", TARBALL),
    ]


@pytest.mark.parametrize("case", VERSIONS)
@pytest.mark.parametrize("mode", ["-dir", "-lockfile"])
def test_the_tarballs_are_findings_beside_the_lockfile(
    tmp_path: Path, case: str, mode: str
) -> None:
    target = CASES / case if mode == "-dir" else CASES / case / "bun.lock"
    code, report = scan_report(tmp_path, RULES, mode, str(target))
    assert (code, report["errors"], _found(report), _noted(report)) == (2, [], BOTH, 0)


@pytest.mark.parametrize("case", VERSIONS)
def test_every_mode_reads_the_tarballs(tmp_path: Path, case: str) -> None:
    for mode, (code, report) in every_mode(tmp_path, _files(case), RULES).items():
        assert (code, report["errors"], _noted(report)) == (2, [], 0), mode
        assert [(p, v) for p, v, _ in _found(report)] == [("escape-html", "1.0.3")], mode


def test_a_member_tarball_is_read_from_the_member_s_folder(tmp_path: Path) -> None:
    """The member's tarball gone (the root's still there at vendor/, the same relative path):
    the member's entry is not read from the root's folder; it stays the note."""
    files = _files("bun-1.4.5")
    del files[f"packages/core/{TARBALL}"]
    for mode, (code, report) in every_mode(tmp_path, files, RULES).items():
        assert (code, report["errors"], _noted(report)) == (2, [], 1), mode
        paths = [p for _, _, p in _found(report)]
        assert paths in ([[["app", "escape-html@1.0.3"]]], [[]]), mode


def test_a_tarball_not_there_stays_a_note(tmp_path: Path) -> None:
    files = {k: v for k, v in _files("bun-1.4.5").items() if not k.endswith(".tgz")}
    for mode, (code, report) in every_mode(tmp_path, files, RULES).items():
        assert (code, report["errors"], report["findings"], _noted(report)) == (0, [], [], 2), mode


def test_a_damaged_tarball_stays_a_note(tmp_path: Path) -> None:
    files = _files("bun-1.4.5")
    files[TARBALL] = b"not gzip"
    files[f"packages/core/{TARBALL}"] = b"not gzip"
    code, report = scan_report(tmp_path, RULES, "-dir", str(_write(tmp_path / "t", files)))
    assert (code, report["errors"], report["findings"], _noted(report)) == (0, [], [], 2)


def _write(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return root


def test_the_declared_tarball_is_no_workspace(tmp_path: Path) -> None:
    """packages/core's ``escape-html: file:vendor/…tgz`` is locked from a local tarball: the
    note said "escape-html is a workspace of this project", which it is not (every format
    said it of a ``file:`` tarball)."""
    _code, report = scan_report(tmp_path, RULES, "-dir", str(CASES / "bun-1.4.5"))
    messages = [n["message"] for n in report["notes"]]
    assert not [m for m in messages if "workspace of this project" in m]
    assert [m for m in messages if m.startswith("declared range")] == [
        "declared range 'file:vendor/escape-html-1.0.3.tgz' of escape-html could match ESC-1"
        " (=1.0.3), but bun.lock locks it from a local tarball: the lockfile decides"
    ]
