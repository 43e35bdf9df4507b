"""yarn 4 Plug'n'Play with its default global cache (fixture ``fixtures/yarn4-pnp-global-cache``,
made by yarn 4 with ``pnpEnableInlining: false``, ``generate.sh``): the installed packages are
zips in the installing user's ``~/.yarn/berry/cache``, named by the Plug'n'Play map relative to
the project. ``-host`` run with another home read none of them and said nothing; now a note
names the map when the cache its packages are in is not one this scan read. The map is read as
text, never run, and the places it names are not echoed."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from gouvernante.host.checks import run_host_scan
from gouvernante.host.context import HostContext
from gouvernante.rules.model import OperatingSystem

PROJECT = Path(__file__).parent / "fixtures" / "yarn4-pnp-global-cache" / "project"
SAID = "this scan did not read"


@pytest.mark.parametrize("home", ["other", "home"])
def test_a_pnp_project_whose_cache_was_not_read_is_said(
    h: Any, tmp_path: Path, no_system: str, home: str
) -> None:
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project)
    (tmp_path / home / ".yarn" / "berry" / "cache").mkdir(parents=True)  # (as yarn made it)
    ctx = HostContext(home=str(tmp_path / home), os=OperatingSystem.LINUX, system_root=no_system)
    rules = [h.make_rule("R-ODD", [("is-odd", "*")])]
    result = run_host_scan(rules, ctx, [str(project)])
    said = [n for n in result.notes if SAID in n.message]
    assert result.errors == ()
    if home == "home":  # the map's ../home/.yarn/berry/cache is this scan's home's cache
        assert said == []
        return
    assert [n.path for n in said] == [str(project / ".pnp.data.json")]
    assert "1 yarn cache folder" in said[0].message
    assert "berry/cache/is-odd" not in said[0].message  # (the map's text is not echoed)


def test_the_map_is_read_as_text(h: Any, tmp_path: Path, no_system: str) -> None:
    """A .pnp.cjs is never run: a hostile one (code, a long run without quotes, a location
    far away) is text to search."""
    project = tmp_path / "project"
    project.mkdir()
    (project / ".pnp.cjs").write_bytes(
        b"process.exit(1);" + b"a" * 100_000 + b'"/nowhere/cache/x-npm-1.0.0.zip/node_modules/x/"'
    )
    ctx = HostContext(home=str(tmp_path / "h"), os=OperatingSystem.LINUX, system_root=no_system)
    result = run_host_scan([h.make_rule("R-ODD", [("is-odd", "*")])], ctx, [str(project)])
    assert [n.path for n in result.notes if SAID in n.message] == [str(project / ".pnp.cjs")]
