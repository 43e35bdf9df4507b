"""bun's isolated layout installs a ``file:`` folder dependency as pnpm does, at
``node_modules/.bun/<name>@file+<path>/node_modules/<name>`` (fixture ``fixtures/bun-isolated-file``
made by bun 1.4.5 with ``--linker isolated``, ``generate.sh``): the project's own copy of its
``vendor/left-pad``, named like the registry's left-pad 1.3.0. As pnpm's copy at
``.pnpm/<name>@file+<path>`` (and as the lockfile's local packages), it is not matched by name and
version; the registry package beside it (is-number 7.0.0 at ``.bun/is-number@7.0.0``) still is.
Before, -host and -image reported ``left-pad@1.3.0`` installed there."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path
from typing import Any

from gouvernante.host.installed import pnpm_local_copy, scan_tree
from gouvernante.host.reader import Collector
from gouvernante.pipeline import run_image_scan
from gouvernante.rules.index import build_index
from gouvernante.rules.ruleset import RuleSet
from helpers import docker_save

PROJECT = Path(__file__).parent / "fixtures" / "bun-isolated-file" / "project"


def _rules(h: Any) -> tuple[Any, ...]:
    return (
        h.make_rule("R-PAD", [("left-pad", "=1.3.0")]),
        h.make_rule("R-NUM", [("is-number", "=7.0.0")]),
    )


def test_host_reads_bun_s_file_copy_as_the_project_s_own(h: Any) -> None:
    collector = Collector(build_index(_rules(h)))
    scan_tree(str(PROJECT / "node_modules"), collector, where="test")
    found = sorted((f.package, os.path.relpath(f.path or "", PROJECT)) for f in collector.findings)
    assert found == [("is-number", "node_modules/.bun/is-number@7.0.0/node_modules/is-number")]
    assert collector.installed == 2  # (the copy is an installed package, of no registry release)
    assert collector.errors == []


def test_image_reads_bun_s_file_copy_as_the_project_s_own(h: Any, tmp_path: Path) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:  # (symlinks kept as bun made them)
        tar.add(PROJECT / "node_modules", arcname="app/node_modules")
    image = docker_save(tmp_path / "image.tar", [buf.getvalue()])
    result = run_image_scan((str(image),), RuleSet(rules=_rules(h), sources=()))
    found = sorted((f.package, f.version) for f in result.findings)
    assert found == [("is-number", "7.0.0")]


def test_the_store_folder_decides_not_the_name_alone() -> None:
    assert pnpm_local_copy("/p/node_modules/.bun/x@file+v+x/node_modules/x", "x")
    assert pnpm_local_copy("/p/node_modules/.bun/@s+x@file+v+x/node_modules/@s/x", "@s/x")
    assert not pnpm_local_copy("/p/node_modules/.bun/x@1.0.0/node_modules/x", "x")
    assert not pnpm_local_copy("/p/node_modules/.other/x@file+v+x/node_modules/x", "x")
    assert pnpm_local_copy("/app/node_modules/.bun/x@file+v+x/node_modules/x", "x", "/")
