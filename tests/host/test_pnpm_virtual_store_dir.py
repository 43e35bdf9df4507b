"""pnpm's virtual store moved out of the project (``virtual-store-dir``; decision 0144).

Fixture ``fixtures/pnpm-virtual-store-dir`` (``generate.sh``: pnpm 9.15.9 and 10.34.9 with
``virtual-store-dir=../vstore``): the project's ``node_modules`` holds only links into
``../vstore/<id>/node_modules/<name>`` and ``.modules.yaml`` names the folder
(``virtualStoreDir: ../../vstore``); ``require("is-odd")`` loads ``vstore/is-odd@3.0.1/...``
and its is-number 6.0.0. ``-host`` of the project never follows the links and read CLEAN.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gouvernante.host.checks import scan_projects
from gouvernante.host.reader import Collector
from gouvernante.rules.index import build_index
from host import conftest as h

FIXTURE = Path(__file__).parent / "fixtures" / "pnpm-virtual-store-dir"
CASES = ["pnpm9", "pnpm10"]


def _scan(project: Path) -> tuple[list[tuple[str, str, str]], Collector]:
    rules = (h.make_rule("R", [("is-number", "=6.0.0")]),)
    collector = Collector(build_index(rules))
    scan_projects([str(project)], collector)
    base = project.parent
    found = sorted(
        (f.package or "", f.version or "", str(Path(f.path or "").relative_to(base)))
        for f in collector.findings
    )
    return found, collector


@pytest.mark.parametrize("case", CASES)
def test_a_virtual_store_out_of_the_project_is_read(tmp_path: Path, case: str) -> None:
    shutil.copytree(FIXTURE / case, tmp_path / case, symlinks=True)
    found, collector = _scan(tmp_path / case / "project")
    assert found == [
        ("is-number", "6.0.0", "vstore/is-number@6.0.0/node_modules/is-number"),
    ]
    assert collector.errors == []
    assert collector.installed == 2


@pytest.mark.parametrize("case", CASES)
def test_a_virtual_store_in_the_project_is_read_once(tmp_path: Path, case: str) -> None:
    """The same install with the store moved into the project (as ``virtual-store-dir=vstore``
    puts it): the walk reads it, the record adds nothing."""
    project = tmp_path / case / "project"
    shutil.copytree(FIXTURE / case / "project", project, symlinks=True)
    shutil.copytree(FIXTURE / case / "vstore", project / "vstore", symlinks=True)
    modules = project / "node_modules" / ".modules.yaml"
    modules.write_text(modules.read_text().replace("../../vstore", "../vstore"))
    for link in (project / "node_modules").iterdir():
        if link.is_symlink():
            target = str(link.readlink()).replace("../../vstore", "../vstore")
            link.unlink()
            link.symlink_to(target)
    found, collector = _scan(project)
    assert found == [
        ("is-number", "6.0.0", "project/vstore/is-number@6.0.0/node_modules/is-number"),
    ]
    assert collector.installed == 2


def test_a_virtual_store_named_nowhere_is_not_walked(tmp_path: Path) -> None:
    """A record naming a folder with no pnpm id in it (``/``, a hostile value) walks nothing
    but its ids: bounded by what pnpm would load from there."""
    shutil.copytree(FIXTURE / "pnpm9", tmp_path / "pnpm9", symlinks=True)
    other = tmp_path / "elsewhere"
    h.write_package(other / "lib" / "node_modules" / "is-number", "is-number", "6.0.0")
    modules = tmp_path / "pnpm9" / "project" / "node_modules" / ".modules.yaml"
    modules.write_text(modules.read_text().replace("../../vstore", str(other)))
    shutil.rmtree(tmp_path / "pnpm9" / "vstore")
    found, _collector = _scan(tmp_path / "pnpm9" / "project")
    assert found == []


def test_a_record_without_virtual_store_dir_says_nothing_of_it(tmp_path: Path) -> None:
    """pnpm 10's JSON record with ``virtualStoreDirMaxLength`` and no ``virtualStoreDir``: no
    error (the store is where the links lead, walked or not as before)."""
    shutil.copytree(FIXTURE / "pnpm10", tmp_path / "pnpm10", symlinks=True)
    modules = tmp_path / "pnpm10" / "project" / "node_modules" / ".modules.yaml"
    modules.write_text(modules.read_text().replace('"virtualStoreDir"', '"otherKey"'))
    _found, collector = _scan(tmp_path / "pnpm10" / "project")
    assert collector.errors == []
