"""yarn berry's pnpm linker (``nodeLinker: pnpm``): every package installed in
``node_modules/.store/<locator>/package``, a folder named ``package`` whose locator folder names
no package (``@isaacs-fs-minipass-npm-4.0.1-<hash>``), the top level and each entry's
``node_modules`` symlinks into it. Fixture: ``fixtures/installed/yarn4-pnpm`` (made by yarn
4.18.1 with ``generate.sh``, pruned to its package.json files). Before, neither -host nor -image
read one package of such a tree (none is at ``node_modules/<name>``): a rule naming any of them
was CLEAN without the yarn.lock. For fsevents (darwin only) yarn writes a stand-in there, its
name and ``"mocked": true`` and no version: nothing is installed, so no finding and no error.
Found by the differential test on monorepos (decision 0063)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from gouvernante.host.installed import scan_tree
from gouvernante.host.reader import Collector
from gouvernante.rules.index import build_index
from helpers import compromised_rules, docker_save, scan_report
from host import conftest as h

CASE = Path(__file__).parent / "fixtures" / "installed" / "yarn4-pnpm"


def _store() -> dict[tuple[str, str], str]:
    """(name, version) -> the store folder of every package yarn installed (read here with
    json, not by the scanner); fsevents' stand-in has no version and is left out."""
    found: dict[tuple[str, str], str] = {}
    for manifest in sorted((CASE / "node_modules" / ".store").glob("*/package/package.json")):
        doc = json.loads(manifest.read_text(encoding="utf-8"))
        if "version" in doc:
            found[(doc["name"], doc["version"])] = manifest.parent.relative_to(CASE).as_posix()
    return found


def test_the_fixture_is_what_the_test_is_about() -> None:
    store = _store()
    assert len(store) >= 20
    assert ("@isaacs/fs-minipass", "4.0.1") in store  # a scoped one
    assert not (CASE / "node_modules" / "@isaacs").exists()  # only in the store
    stub = next((CASE / "node_modules" / ".store").glob("fsevents-*/package/package.json"))
    assert json.loads(stub.read_text()) == {"name": "fsevents", "mocked": True}


def test_host_finds_every_package_of_the_store(tmp_path: Path) -> None:
    tree = tmp_path / "project"
    shutil.copytree(CASE, tree, symlinks=True)
    store = _store()
    names = [(name, f"={version}") for name, version in store] + [("fsevents", "*")]
    rules = tuple(h.make_rule(f"R-{i}", [pkg]) for i, pkg in enumerate(names))
    collector = Collector(build_index(rules))
    scan_tree(str(tree / "node_modules"), collector, where="test")
    found = {
        (f.package, f.version): Path(f.path or "").relative_to(tree).as_posix()
        for f in collector.findings
    }
    assert found == store
    assert collector.errors == []


def test_an_image_of_the_tree_finds_them(tmp_path: Path) -> None:
    store = _store()
    rules = compromised_rules("Y-1", *((n, f"={v}") for n, v in store), ("fsevents", "*"))
    files = {
        f"app/{p.relative_to(CASE).as_posix()}": p.read_bytes()
        for p in (CASE / "node_modules").rglob("package.json")
        if not any(q.is_symlink() for q in (p, *p.parents))
    }  # (the tree without its project's package.json, whose ranges would be findings too)
    image = docker_save(tmp_path / "image.tar", [files])
    code, report = scan_report(tmp_path, rules, "-image", str(image))
    found = {(f["package"], f["version"]) for f in report["findings"]}
    assert found == set(store)
    assert all("/.store/" in f["path"] for f in report["findings"])
    assert (code, report["errors"]) == (2, [])
