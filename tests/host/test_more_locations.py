"""Install and cache locations found missing by the red team (folders laid out as the tools do)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from gouvernante.host.checks import run_host_scan
from gouvernante.host.context import HostContext
from gouvernante.rules.model import OperatingSystem


def _linux(home: Path, no_system: str, **env: str) -> HostContext:
    return HostContext(home=str(home), os=OperatingSystem.LINUX, env=env, system_root=no_system)


def _found(h: Any, ctx: HostContext) -> set[tuple[str, str | None, str | None]]:
    result = run_host_scan(h.STANDARD_RULES, ctx, [])
    return {(f.type.value, f.package, f.path) for f in result.findings}


def test_pnpm_global_virtual_store(h: Any, tmp_path: Path, no_system: str) -> None:
    # `pnpm add -g axios` (pnpm 9.15.9 and 10.34.9): global/5/node_modules/axios is a symlink
    # to ../.pnpm/axios@1.14.1/node_modules/axios (virtualStoreDir: ../.pnpm), the real folder.
    home = tmp_path / "home"
    layout = home / ".local" / "share" / "pnpm" / "global" / "5"
    real = h.write_package(
        layout / ".pnpm" / "axios@1.14.1" / "node_modules" / "axios", "axios", "1.14.1"
    )
    (layout / "node_modules").mkdir(parents=True)
    (layout / "node_modules" / ".modules.yaml").write_text("virtualStoreDir: ../.pnpm\n")
    os.symlink("../.pnpm/axios@1.14.1/node_modules/axios", layout / "node_modules" / "axios")
    (layout / "package.json").write_text('{"dependencies": {"axios": "^1.14.1"}}')
    assert _found(h, _linux(home, no_system)) == {("installed_package", "axios", str(real))}
    # the same under PNPM_HOME and under a configured global-dir
    moved = tmp_path / "pnpm-home"
    os.rename(home / ".local" / "share" / "pnpm", moved)
    got = _found(h, _linux(home, no_system, PNPM_HOME=str(moved)))
    assert {p for _, _, p in got} == {str(moved / "global" / "5" / real.relative_to(layout))}
    got = _found(h, _linux(home, no_system, npm_config_global_dir=str(moved / "global")))
    assert len(got) == 1
