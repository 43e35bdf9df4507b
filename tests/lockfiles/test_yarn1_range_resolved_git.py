"""yarn 1 answers a registry range with a git or URL package of that name when one satisfies it:
the project asks is-number from a git repository and to-regex-range asks ``^7.0.0``; yarn
1.22.22 writes one entry ``is-number@^7.0.0, "is-number@git+file://...#v7.0.0"`` resolved to
the git URL, and ``install --frozen-lockfile`` installs the fork. The entry's source was read
from its first range (the registry): the pair was a registry pair the oracle did not hold
(nativescript 5.3.4's published yarn.lock keys cli-table so, its ``resolved`` a GitHub
tarball; decision 0156). ``fixtures/yarn1-range-resolved-git`` (generate.sh) is made by yarn."""

from __future__ import annotations

from pathlib import Path

import pytest

from gouvernante.lockfiles import parse_bytes
from gouvernante.model import Source
from helpers import compromised_rules, every_mode, scan_report

FIXTURE = Path(__file__).parent / "fixtures" / "yarn1-range-resolved-git"
RULES = compromised_rules("RESOLVED-GIT-1", ("is-number", "=7.0.0"))
HEADER = 'is-number@^7.0.0, "is-number@git+file://'
RESOLVED = '  resolved "git+file://'


def _lock() -> str:
    return (FIXTURE / "yarn.lock").read_text(encoding="utf-8")


def _sources(lock: str) -> dict[str, Source]:
    graph = parse_bytes(lock.encode(), "yarn.lock")
    assert list(graph.entry_errors) == []
    return {p.name: p.source for p in graph.packages}


def test_the_entry_is_the_git_package_yarn_installs() -> None:
    lock = _lock()
    assert HEADER in lock and RESOLVED in lock
    assert _sources(lock) == {"is-number": Source.GIT, "to-regex-range": Source.REGISTRY}


@pytest.mark.parametrize(
    ("resolved", "source"),
    [
        ("https://github.com/jonschlinkert/is-number/tarball/v7.0.0", Source.GIT),
        ("https://codeload.github.com/jonschlinkert/is-number/tar.gz/98e8ff1", Source.GIT),
        ("git+ssh://git@example.com/is-number.git#98e8ff1", Source.GIT),
        ("https://example.com/files/is-number-7.0.0.tgz", Source.TARBALL),
        ("https://example.com/-/is-number.tgz", Source.TARBALL),
        # the registry's tarball of the entry, any host: the registry package still
        ("https://registry.npmjs.org/is-number/-/is-number-7.0.0.tgz", Source.REGISTRY),
        (
            "https://acme.jfrog.io/artifactory/api/npm/npm/is-number/-/is-number-7.0.0.tgz",
            Source.REGISTRY,
        ),
    ],
)
def test_the_source_is_the_resolved_urls(resolved: str, source: Source) -> None:
    lock = _lock()
    start = lock.index(RESOLVED)
    end = lock.index("\n", start)
    edited = lock[:start] + f'  resolved "{resolved}"' + lock[end:]
    assert _sources(edited)["is-number"] is source
    # the same entry with the registry range alone in its header
    at = edited.index(HEADER)
    alone = edited[:at] + "is-number@^7.0.0:" + edited[edited.index("\n", at) :]
    assert _sources(alone)["is-number"] is source


def test_still_matched_by_name_and_version_in_every_mode(tmp_path: Path) -> None:
    files = {"package.json": (FIXTURE / "package.json").read_text(), "yarn.lock": _lock()}
    for mode, (code, report) in every_mode(tmp_path, files, RULES).items():
        assert report["errors"] == [], mode
        found = [(f["package"], f["version"], f["source"]) for f in report["findings"]]
        assert found == [("is-number", "7.0.0", "git")], mode
        assert code == 2, mode
    code, report = scan_report(tmp_path, RULES, "-lockfile", str(tmp_path / "tree" / "yarn.lock"))
    assert code == 2
    assert [f["source"] for f in report["findings"]] == ["git"]
