"""How yarn 1 reads a registry entry's ``resolved`` that is no registry URL (decision 0163).

``fixtures/yarn1-resolved-spellings`` (``generate.sh``, yarn 1.22.22): yarn's own
``is-number@^7.0.0`` entry, ``version "7.0.0"``, hand-edited to each ``resolved`` spelling in
``cases/``, installed with ``--frozen-lockfile`` (``installed.json``). yarn 1 fetches
``git://``/``git+x://`` with git, reads ``file:…``, a drive (``C:…``) and a path starting
``/``, ``\\``, ``./`` or ``../`` (after node's ``url.parse`` trims it) as a local tarball, and asks
the registry for any other value as a path on it: ``is-number/-/is-number-6.0.0.tgz`` (or
escaped, or with backslashes or dot segments) installs is-number 6.0.0, ``ms/-/ms-2.1.3.tgz``
installs ms 2.1.3 in node_modules/is-number, ``vendor/x.tgz``, ``FILE:…`` and ``github:…`` are
404s. Each was read as the registry's is-number 7.0.0 (the version line): CLEAN for a rule
naming what yarn installs.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from helpers import compromised_rules, every_mode, scan_report

CASE = Path(__file__).parent / "fixtures" / "yarn1-resolved-spellings"
INSTALLED: dict[str, Any] = json.loads((CASE / "installed.json").read_text(encoding="utf-8"))
AT_INSTALLED = compromised_rules("INST", ("is-number", "=6.0.0"), ("ms", "=2.1.3"))
REGISTRY_PATHS = [name for name in INSTALLED if name.startswith("registry-path")]
# local files of no tarball name, read as yarn reads them (a gzip; a plain tar is not read)
ANY_NAME = ["gz-name", "bin-name"]


def _project(tmp_path: Path, case: str) -> Path:
    project = tmp_path / "p"
    shutil.copytree(CASE / "tree", project)
    shutil.copy(CASE / "cases" / case / "yarn.lock", project / "yarn.lock")
    return project


def _found(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    return sorted((f["package"], f["version"], f["source"]) for f in report["findings"])


def test_what_yarn_installs() -> None:
    assert INSTALLED == {
        "registry-path": ["is-number", "6.0.0"],
        "registry-path-escaped": ["is-number", "6.0.0"],
        "registry-path-backslash": ["is-number", "6.0.0"],
        "registry-path-dots": ["is-number", "6.0.0"],
        "registry-path-other": ["ms", "2.1.3"],
        "no-prefix": "refused",
        "upper-file": "refused",
        "github": "refused",
        "drive": ["is-number", "6.0.0"],
        "leading-space": "refused",
        "gz-name": ["is-number", "6.0.0"],
        "bin-name": ["is-number", "6.0.0"],
        "plain-tar": ["is-number", "6.0.0"],
        "folder": "refused",
    }


@pytest.mark.parametrize("case", sorted(INSTALLED))
def test_never_clean_for_what_yarn_installs(tmp_path: Path, case: str) -> None:
    """What yarn installs is found, or the file is an error: never CLEAN."""
    project = _project(tmp_path, case)
    code, report = scan_report(tmp_path, AT_INSTALLED, "-lockfile", str(project / "yarn.lock"))
    assert code != 0, case
    if case in REGISTRY_PATHS or case in ANY_NAME:
        name, version = INSTALLED[case]
        assert (name, version, "tarball") in _found(report), case
    else:
        assert code == 1 and report["errors"], case


@pytest.mark.parametrize("case", ["no-prefix", "upper-file", "github"])
def test_a_path_on_the_registry_naming_nothing_is_an_error(tmp_path: Path, case: str) -> None:
    rules = compromised_rules("ISN-7", ("is-number", "=7.0.0"))
    project = _project(tmp_path, case)
    code, report = scan_report(tmp_path, rules, "-lockfile", str(project / "yarn.lock"))
    messages = [e["message"] for e in report["errors"]]
    assert code == 2, messages  # (the version line's release is still matched)
    assert any(
        "which yarn 1 asks the registry for (https://registry.yarnpkg.com/" in m for m in messages
    ), messages


@pytest.mark.parametrize("case", ["drive", "leading-space"])
def test_a_local_spelling_goes_through_the_tarball_reading(tmp_path: Path, case: str) -> None:
    """A drive-letter path (another file on Windows than on Linux) and a path with a leading
    space (yarn keeps the space: a folder named " .") are local tarballs not read: 0091's
    error, as for a ``file:`` tarball that is not there."""
    project = _project(tmp_path, case)
    code, report = scan_report(tmp_path, AT_INSTALLED, "-lockfile", str(project / "yarn.lock"))
    assert (code, report["findings"]) == (1, [])
    assert [e for e in report["errors"] if "locked from a local tarball" in e["message"]]


def test_every_mode_reads_a_path_on_the_registry(tmp_path: Path) -> None:
    project = _project(tmp_path / "src", "registry-path")
    files: dict[str, str | bytes] = {
        p.relative_to(project).as_posix(): p.read_bytes() for p in project.rglob("*") if p.is_file()
    }
    for mode, (code, report) in every_mode(tmp_path / "m", files, AT_INSTALLED).items():
        assert code == 2, mode
        assert ("is-number", "6.0.0", "tarball") in _found(report), mode


@pytest.mark.parametrize("case", ANY_NAME)
def test_a_gzip_of_any_name_is_read_in_every_mode(tmp_path: Path, case: str) -> None:
    """yarn 1 reads a registry entry's local ``resolved`` as a tarball whatever its name
    (``TarballFetcher.fetchFromLocal``): is-number 6.0.0 from ``file:vendor/x.gz`` and
    ``./vendor/x.bin``. It was refused ("not a tarball"); it is now read, its source
    ``tarball`` (a local file of no tarball name is no folder of the project's)."""
    rules = compromised_rules("ISN-7", ("is-number", "=7.0.0"))
    project = _project(tmp_path / "src", case)
    files: dict[str, str | bytes] = {
        p.relative_to(project).as_posix(): p.read_bytes() for p in project.rglob("*") if p.is_file()
    }
    for mode, (code, report) in every_mode(tmp_path / "6", files, AT_INSTALLED).items():
        assert (code, report["errors"]) == (2, []), mode
        assert _found(report) == [("is-number", "6.0.0", "tarball")], mode
    for mode, (code, report) in every_mode(tmp_path / "7", files, rules).items():
        assert (code, report["errors"], report["findings"]) == (0, [], []), mode


@pytest.mark.parametrize("case", ["plain-tar", "folder"])
def test_a_file_not_read_stays_an_error(tmp_path: Path, case: str) -> None:
    """An ungzipped tar (yarn 1 installs it; the tarball reader reads gzip only) and a folder
    (yarn stops: EISDIR): 0091's error, never CLEAN."""
    project = _project(tmp_path, case)
    code, report = scan_report(tmp_path, AT_INSTALLED, "-dir", str(project))
    assert (code, report["findings"]) == (1, [])
    assert [e for e in report["errors"] if "locked from a local tarball" in e["message"]]
