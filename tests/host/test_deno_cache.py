"""-host reads deno's npm cache (decision 0053): ``$DENO_DIR/npm/<registry>/<name>/<version>``.

``fixtures/deno-cache`` was written by deno 2.9.6 (``generate.sh``; only the layout and each
package.json kept)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gouvernante.host.checks import run_host_scan
from gouvernante.host.context import HostContext
from gouvernante.host.locations import LocationKind, host_locations
from gouvernante.model import FindingType
from gouvernante.rules.model import OperatingSystem
from host import conftest as h

FIXTURE = Path(__file__).parent / "fixtures" / "deno-cache" / "deno"
RULE = h.make_rule(
    "R-DENO", [("ms", "=2.1.3"), ("@isaacs/string-locale-compare", "=1.1.0"), ("x", "=9.9.9")]
)


def _found(ctx: HostContext) -> set[tuple[str, str, str]]:
    result = run_host_scan([RULE], ctx, [])
    assert all(f.type is FindingType.CACHED for f in result.findings)
    return {(f.package or "", f.version or "", f.path or "") for f in result.findings}


def test_default_cache_of_linux_macos_and_windows(tmp_path: Path, no_system: str) -> None:
    places = {
        OperatingSystem.LINUX: ("home", ".cache", "deno"),
        OperatingSystem.MACOS: ("home", "Library", "Caches", "deno"),
    }
    for os_, parts in places.items():
        root = tmp_path / os_.value
        shutil.copytree(FIXTURE, root.joinpath(*parts))
        ctx = HostContext(home=str(root / "home"), os=os_, system_root=no_system)
        npm = root.joinpath(*parts, "npm", "registry.npmjs.org")
        assert _found(ctx) == {
            ("ms", "2.1.3", str(npm / "ms" / "2.1.3")),
            (
                "@isaacs/string-locale-compare",
                "1.1.0",
                str(npm / "@isaacs" / "string-locale-compare" / "1.1.0"),
            ),
        }
    local = tmp_path / "Local"
    shutil.copytree(FIXTURE, local / "deno")
    ctx = HostContext(
        home=str(tmp_path / "winhome"),
        os=OperatingSystem.WINDOWS,
        env={"LOCALAPPDATA": str(local)},
        system_root=no_system,
    )
    assert [(loc.kind, loc.path) for loc in host_locations(ctx)] == [
        (LocationKind.DENO_CACHE, str(local / "deno" / "npm"))
    ]


def test_deno_dir_and_copies_made_for_other_peers(tmp_path: Path, no_system: str) -> None:
    deno_dir = tmp_path / "custom"
    shutil.copytree(FIXTURE, deno_dir)
    copy = deno_dir / "npm" / "registry.npmjs.org" / "ms" / "2.1.3_1"
    shutil.copytree(copy.with_name("2.1.3"), copy)
    (copy.parent / "registry.json").write_text("{}")  # a file, never an entry
    ctx = HostContext(
        home=str(tmp_path / "home"),
        os=OperatingSystem.LINUX,
        env={"DENO_DIR": str(deno_dir)},
        system_root=no_system,
    )
    found = _found(ctx)
    assert ("ms", "2.1.3", str(copy)) in found
    assert len(found) == 3
    result = run_host_scan([RULE], ctx, [])
    assert result.cache_entries == 3  # package folders: is-number, ms, the scoped one


@pytest.mark.parametrize("name", ["2.1.3-", "latest", "v2.1.3", "2.1.3_x"])
def test_other_folders_are_not_versions(tmp_path: Path, no_system: str, name: str) -> None:
    deno_dir = tmp_path / "d"
    (deno_dir / "npm" / "registry.npmjs.org" / "ms" / name).mkdir(parents=True)
    ctx = HostContext(
        home=str(tmp_path),
        os=OperatingSystem.LINUX,
        env={"DENO_DIR": str(deno_dir)},
        system_root=no_system,
    )
    assert _found(ctx) == set()
