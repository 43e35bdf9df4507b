"""yarn 1's offline mirror (``yarn-offline-mirror`` in a ``.yarnrc``): ``yarn install --offline``
installs a lockfile's release from it with no cache and no network, so a rule's release there
is cached. Fixture and check with yarn 1.22.22: fixtures/yarn1-offline-mirror/generate.sh."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from gouvernante.host.caches import scan_yarn_offline_mirror
from gouvernante.host.checks import HostScanResult, run_host_scan
from gouvernante.host.context import HostContext
from gouvernante.host.reader import Collector
from gouvernante.rules.index import build_index
from gouvernante.rules.model import OperatingSystem

FIXTURE = Path(__file__).parent / "fixtures" / "yarn1-offline-mirror" / "mirror"


def _rules(h: Any) -> list[Any]:
    return [
        h.make_rule("R-MS", [("ms", "=2.1.3")]),
        h.make_rule("R-IS", [("@sindresorhus/is", "=4.6.0")]),
        h.make_rule("R-NEAR", [("ms", "=2.1.2"), ("is", "=4.6.0")]),  # must stay silent
    ]


def test_mirror_tarballs_are_named_by_their_file_names(h: Any) -> None:
    c = Collector(build_index(tuple(_rules(h))))
    scan_yarn_offline_mirror(str(FIXTURE), c, "the yarn offline mirror")
    assert {(f.rule_id, f.package, f.version, f.path) for f in c.findings} == {
        ("R-MS", "ms", "2.1.3", str(FIXTURE / "ms-2.1.3.tgz")),
        ("R-IS", "@sindresorhus/is", "4.6.0", str(FIXTURE / "@sindresorhus-is-4.6.0.tgz")),
    }
    assert c.errors == [] and c.cache_entries == 2


def _scan(h: Any, home: Path, system: str, dirs: list[str] | None = None) -> HostScanResult:
    ctx = HostContext(home=str(home), os=OperatingSystem.LINUX, env={}, system_root=system)
    return run_host_scan(_rules(h)[:1], ctx, dirs or [])


@pytest.mark.parametrize(
    ("line", "at"),
    [
        ('yarn-offline-mirror "{abs}"', "abs"),
        ('yarn-offline-mirror "./m"', "m"),  # from the rc's folder
        ('yarn-offline-mirror "~/m"', "~/m"),  # yarn 1.22.22 does not expand ~ here: ~/~/m
    ],
)
def test_mirror_set_in_the_home_yarnrc(
    h: Any, tmp_path: Path, no_system: str, line: str, at: str
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    mirror = tmp_path / "abs" if at == "abs" else home / at
    shutil.copytree(FIXTURE, mirror)
    (home / ".yarnrc").write_text(line.format(abs=mirror) + "\n")
    result = _scan(h, home, no_system)
    assert [f.path for f in result.findings] == [str(mirror / "ms-2.1.3.tgz")]
    assert "yarn offline mirror" in result.findings[0].description
    assert result.errors == ()


@pytest.mark.parametrize("scanned", ["root", "root/app"])
def test_mirror_set_in_a_scanned_projects_yarnrc(
    h: Any, tmp_path: Path, no_system: str, scanned: str
) -> None:
    """The workspace root's ``.yarnrc`` names ``./offline``, from its own folder (yarn run in
    ``app`` reads every rc file up to ``/``)."""
    home = tmp_path / "home"
    home.mkdir()
    root = tmp_path / "root"
    (root / "app").mkdir(parents=True)
    shutil.copytree(FIXTURE, root / "offline")
    (root / ".yarnrc").write_text('yarn-offline-mirror "./offline"\n')
    (root / "app" / "package.json").write_text('{"name":"app","version":"1.0.0"}')
    result = _scan(h, home, no_system, [str(tmp_path / scanned)])
    assert [f.path for f in result.findings] == [str(root / "offline" / "ms-2.1.3.tgz")]
