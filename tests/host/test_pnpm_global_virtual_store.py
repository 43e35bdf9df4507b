"""pnpm 10's global virtual store (fixture ``fixtures/pnpm10-global-virtual-store``, made by pnpm
10.34.9 with ``enableGlobalVirtualStore: true``, ``generate.sh``): the project's node_modules
holds no package, only relative links into the store (``../../store/v10/links/@/is-odd/...``).
An image of the project without the store, or a host where the store is gone, read nothing
installed and said nothing; now a note names the node_modules (the installed packages live
outside what was scanned; the lockfile's findings still come from the lockfile)."""

from __future__ import annotations

import io
import shutil
import tarfile
from pathlib import Path
from typing import Any

import pytest

from gouvernante.host.checks import scan_projects
from gouvernante.host.reader import Collector
from gouvernante.pipeline import run_image_scan
from gouvernante.rules.index import build_index
from gouvernante.rules.ruleset import RuleSet
from helpers import docker_save

FIXTURE = Path(__file__).parent / "fixtures" / "pnpm10-global-virtual-store"
OUTSIDE = "to a folder that is not"


def _rules(h: Any) -> tuple[Any, ...]:
    return (h.make_rule("R-ODD", [("is-odd", "*"), ("is-number", "*")]),)


def _copy(tmp_path: Path, *, store: bool) -> Path:
    shutil.copytree(FIXTURE / "project", tmp_path / "project", symlinks=True)
    if store:
        shutil.copytree(FIXTURE / "store", tmp_path / "store")
    return tmp_path / "project"


@pytest.mark.parametrize("store", [False, True])
def test_host_says_when_the_store_the_links_lead_into_is_gone(
    h: Any, tmp_path: Path, store: bool
) -> None:
    project = _copy(tmp_path, store=store)
    collector = Collector(build_index(_rules(h)))
    scan_projects([str(project)], collector)
    said = [n for n in collector.notes if OUTSIDE in n.message]
    assert collector.errors == []
    if store:
        assert said == []
        return
    assert [n.path for n in said] == [str(project / "node_modules")]
    assert "1 package installed here is a link" in said[0].message
    assert str(project / "node_modules" / "is-odd") in said[0].message
    assert "on this host" in said[0].message


@pytest.mark.parametrize("store", [False, True])
def test_image_says_when_the_store_is_not_in_it(h: Any, tmp_path: Path, store: bool) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        tar.add(FIXTURE / "project", arcname="app")
        if store:  # (the links lead to /store from /app/node_modules)
            tar.add(FIXTURE / "store", arcname="store")
    image = docker_save(tmp_path / "image.tar", [buf.getvalue()])
    result = run_image_scan((str(image),), RuleSet(rules=_rules(h), sources=()))
    said = [n for n in result.notes if OUTSIDE in n.message]
    # the lockfile answers either way
    locked = sorted((f.package, f.version) for f in result.findings if f.type.value == "package")
    assert ("is-odd", "3.0.1") in locked and ("is-number", "6.0.0") in locked
    if store:
        assert said == []
        return
    assert [n.path for n in said] == [f"{image}:/app/node_modules"]
    assert f"(first: {image}:/app/node_modules/is-odd;" in said[0].message
    assert "in the image" in said[0].message
