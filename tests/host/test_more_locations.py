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


def test_yarn_classic_run_as_root(h: Any, tmp_path: Path) -> None:
    # yarn 1.22.22 run as root (CI, containers) takes /usr/local/share as its home:
    # `yarn global add axios` -> /usr/local/share/.config/yarn/global/node_modules/axios,
    # its cache entry -> /usr/local/share/.cache/yarn/v6/npm-<name>-<version>-<sha1>-integrity.
    system = tmp_path / "system"
    share = system / "usr" / "local" / "share"
    installed = h.write_package(
        share / ".config" / "yarn" / "global" / "node_modules" / "axios", "axios", "1.14.1"
    )
    entry = share / ".cache" / "yarn" / "v6" / f"npm-axios-1.14.1-{'0' * 40}-integrity"
    cached = h.write_package(entry / "node_modules" / "axios", "axios", "1.14.1")
    ctx = HostContext(
        home=str(tmp_path / "root"), os=OperatingSystem.LINUX, system_root=str(system)
    )
    assert _found(h, ctx) == {
        ("installed_package", "axios", str(installed)),
        ("cached_package", "axios", str(cached)),
    }


def test_yarn_global_under_xdg_data_home(h: Any, tmp_path: Path, no_system: str) -> None:
    # yarn 1.22.22 with XDG_DATA_HOME set: `yarn global add` -> $XDG_DATA_HOME/yarn/global;
    # yarn 4 (berry) with XDG_DATA_HOME set: its global cache -> $XDG_DATA_HOME/yarn/berry/cache.
    home = tmp_path / "home"
    data = home / ".local" / "share"
    installed = h.write_package(
        data / "yarn" / "global" / "node_modules" / "axios", "axios", "1.14.1"
    )
    berry = data / "yarn" / "berry" / "cache"
    berry.mkdir(parents=True)
    (berry / "axios-npm-1.14.1-060086935c-10c0.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    ctx = _linux(home, no_system, XDG_DATA_HOME=str(data))
    assert _found(h, ctx) == {
        ("installed_package", "axios", str(installed)),
        ("cached_package", "axios", str(berry / "axios-npm-1.14.1-060086935c-10c0.zip")),
    }


def test_package_managers_kept_by_corepack_and_volta(
    h: Any, tmp_path: Path, no_system: str
) -> None:
    # corepack 0.29 (`corepack pnpm@9.1.0 --version`): ~/.cache/node/corepack/v1/pnpm/9.1.0/
    # is pnpm's tarball extracted, package.json at its top; volta 2 (`volta install
    # yarn@1.22.19`): ~/.volta/tools/image/yarn/1.22.19/ likewise. Yarn 2+ under corepack is
    # one yarn.js file and no package.json: nothing to read, no error.
    home = tmp_path / "home"
    corepack = home / ".cache" / "node" / "corepack" / "v1"
    pnpm = h.write_package(corepack / "pnpm" / "9.1.0", "pnpm", "9.1.0")
    h.write_package(corepack / "pnpm" / "9.1.0" / "dist" / "node_modules" / "ms", "ms", "2.1.3")
    h.write_package(corepack / "pnpm" / "9.1.1", "pnpm", "9.1.1")
    (corepack / "yarn" / "4.1.0").mkdir(parents=True)
    (corepack / "yarn" / "4.1.0" / "yarn.js").write_text("// yarn\n")
    yarn = h.write_package(
        home / ".volta" / "tools" / "image" / "yarn" / "1.22.19", "yarn", "1.22.19"
    )
    rules = (
        h.make_rule("R-PNPM", [("pnpm", "=9.1.0")]),
        h.make_rule("R-YARN", [("yarn", "=1.22.19")]),
        h.make_rule("R-MS", [("ms", "=2.1.3")]),
    )
    result = run_host_scan(rules, _linux(home, no_system), [])
    assert result.errors == ()
    assert {(f.rule_id, f.path) for f in result.findings} == {
        ("R-PNPM", str(pnpm)),
        ("R-YARN", str(yarn)),
        ("R-MS", str(pnpm / "dist" / "node_modules" / "ms")),
    }


def test_n_prefix_and_nvm_under_xdg_config_home(h: Any, tmp_path: Path, no_system: str) -> None:
    # n 9 with N_PREFIX: the active node goes to $N_PREFIX/lib/node_modules (`npm i -g` too);
    # nvm 0.40's install.sh with XDG_CONFIG_HOME set installs into $XDG_CONFIG_HOME/nvm.
    home = tmp_path / "home"
    n_global = h.write_package(home / "n" / "lib" / "node_modules" / "axios", "axios", "1.14.1")
    nvm = home / "cfg" / "nvm" / "versions" / "node" / "v20.11.0" / "lib" / "node_modules"
    nvm_global = h.write_package(nvm / "atrix", "atrix", "1.0.0")
    ctx = _linux(home, no_system, N_PREFIX=str(home / "n"), XDG_CONFIG_HOME=str(home / "cfg"))
    assert {p for _, _, p in _found(h, ctx)} == {str(n_global), str(nvm_global)}
