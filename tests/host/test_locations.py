"""Where installs and caches are looked for, and the package.json reader."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from gouvernante.host.context import HostContext
from gouvernante.host.locations import LocationKind, host_locations, read_rc
from gouvernante.lockfiles.package_json import manifest_release, read_manifest
from gouvernante.rules.model import OperatingSystem


def test_npmrc_values(tmp_path: Path) -> None:
    rc = tmp_path / ".npmrc"
    rc.write_text(
        '; comment\n# comment\nprefix = ~/.npm-global\ncache="${CACHE_BASE}/npm"\n'
        "store-dir=${UNSET}/x\n//registry.npmjs.org/:_authToken=secret\nnot a line\n"
    )
    ctx = HostContext(home="/home/u", os=OperatingSystem.LINUX, env={"CACHE_BASE": "/c"})
    errors: list[Any] = []
    values = read_rc(str(rc), ctx, errors)
    assert values["prefix"] == "/home/u/.npm-global"
    assert values["cache"] == "/c/npm"
    assert values["store-dir"] == "${UNSET}/x"  # as npm 11 keeps it (the next test)
    assert read_rc(str(tmp_path / "missing"), ctx, errors) == {}
    assert errors == []


def test_npmrc_environment_references_as_npm_reads_them(tmp_path: Path) -> None:
    """Each line as npm 11.19 printed it (``npm config get KEY``, HOME a temp folder holding this
    .npmrc, the environment SET_EMPTY= SETK=prefix and nothing else; decision 0074): an unset
    variable stays as written, ``${NAME?}`` is empty, a set one (even empty) its value, a
    backslash escapes the reference, and keys are replaced too."""
    rc = tmp_path / ".npmrc"
    rc.write_text(
        "cache=/tmp/c/${UNSET_XYZ}/a\nprefix=/tmp/p/${UNSET_XYZ?}/b\n"
        "globalconfig=/tmp/g/\\${HOME}/x\ntmp=/tmp/t/${SET_EMPTY}/y\nk1=${A.B-C}\n"
        "${SETK}-dir=/tmp/k/${UNSET_XYZ}\n"
    )
    env = {"SET_EMPTY": "", "SETK": "global", "HOME": "/home/u"}
    ctx = HostContext(home="/home/u", os=OperatingSystem.LINUX, env=env)
    values = read_rc(str(rc), ctx, [])
    assert values["cache"] == "/tmp/c/${UNSET_XYZ}/a"
    assert values["prefix"] == "/tmp/p//b"  # (npm printed it resolved: /tmp/p/b)
    assert values["globalconfig"] == "/tmp/g/${HOME}/x"
    assert values["tmp"] == "/tmp/t//y"
    assert values["k1"] == "${A.B-C}"
    assert values["global-dir"] == "/tmp/k/${UNSET_XYZ}"


def test_each_location_once_and_only_if_present(tmp_path: Path, no_system: str) -> None:
    home = tmp_path / "home"
    prefix = home / ".npm-global"
    (prefix / "lib" / "node_modules").mkdir(parents=True)
    (home / ".npmrc").write_text("prefix=~/.npm-global\n")
    (home / ".npm").mkdir()
    ctx = HostContext(
        home=str(home),
        os=OperatingSystem.LINUX,
        env={"NPM_CONFIG_PREFIX": str(prefix), "npm_config_cache": str(home / ".npm")},
        system_root=no_system,
    )
    got = [(loc.kind, loc.path) for loc in host_locations(ctx)]
    assert got == [
        (LocationKind.INSTALLED, str(prefix / "lib" / "node_modules")),
        (LocationKind.NPM_CACHE, str(home / ".npm")),
    ]


def test_windows_variables_are_case_insensitive(tmp_path: Path, no_system: str) -> None:
    local = tmp_path / "Local"
    (local / "npm-cache").mkdir(parents=True)
    (local / "pnpm" / "store").mkdir(parents=True)
    ctx = HostContext(
        home=str(tmp_path / "home"),
        os=OperatingSystem.WINDOWS,
        env={"LocalAppData": str(local)},
        system_root=no_system,
    )
    kinds = {(loc.kind, loc.path) for loc in host_locations(ctx)}
    assert kinds == {
        (LocationKind.NPM_CACHE, str(local / "npm-cache")),
        (LocationKind.PNPM_STORE, str(local / "pnpm" / "store")),
    }


def test_symlinked_global_folder_is_followed(h: Any, tmp_path: Path, no_system: str) -> None:
    from gouvernante.host.checks import run_host_scan

    real = tmp_path / "elsewhere" / "node_modules"
    h.write_package(real / "axios", "axios", "1.14.1")
    nvm = tmp_path / "home" / ".nvm" / "versions" / "node" / "v20.0.0" / "lib"
    nvm.mkdir(parents=True)
    (nvm / "node_modules").symlink_to(real)
    ctx = HostContext(home=str(tmp_path / "home"), os=OperatingSystem.LINUX, system_root=no_system)
    (f,) = run_host_scan(h.STANDARD_RULES, ctx, []).findings
    assert f.path == str(nvm / "node_modules" / "axios")


def test_manifest_reader() -> None:
    assert manifest_release(b'\xef\xbb\xbf{"name":"a","version":"1.0.0"}') == ("a", "1.0.0")
    assert manifest_release(b'{"name":"a","version":1}') is None
    assert read_manifest(b"[]") is None
    assert read_manifest(b'{"scripts":' + b"[" * 100_000 + b"]" * 100_000 + b"}") is None


@given(st.binary(max_size=300))
def test_manifest_reader_never_raises(data: bytes) -> None:
    read_manifest(data)
    manifest_release(data)


def test_npm_global_and_builtin_config_prefixes(tmp_path: Path) -> None:
    """npm also takes ``prefix`` from its global config (``<node prefix>/etc/npmrc``, e.g.
    ``npm config set --global prefix``) and its builtin one (``npmrc`` in npm's own folder,
    where distributions set it): global packages there were never looked at (a package
    installed with ``npm i -g`` read CLEAN)."""
    system = tmp_path / "system"
    (system / "usr" / "etc").mkdir(parents=True)
    builtin = system / "usr" / "local" / "lib" / "node_modules" / "npm"
    builtin.mkdir(parents=True)
    from_global, from_builtin, from_env = (tmp_path / name for name in ("g", "b", "e"))
    for prefix in (from_global, from_builtin, from_env):
        (prefix / "lib" / "node_modules").mkdir(parents=True)
    (system / "usr" / "etc" / "npmrc").write_text(f"cafile=/x\nprefix={from_global}\n")
    (builtin / "npmrc").write_text(f"prefix = {from_builtin}\n")
    moved = tmp_path / "moved-npmrc"
    moved.write_text(f"prefix={from_env}\n")
    ctx = HostContext(
        home=str(tmp_path / "home"),
        os=OperatingSystem.LINUX,
        env={"NPM_CONFIG_GLOBALCONFIG": str(moved)},
        system_root=str(system),
    )
    got = {
        (loc.path, loc.label)
        for loc in host_locations(ctx)
        if loc.kind is LocationKind.INSTALLED and str(tmp_path) in loc.path
    }
    assert got >= {
        (str(from_env / "lib" / "node_modules"), f"npm global prefix ({moved})"),
        (
            str(from_global / "lib" / "node_modules"),
            f"npm global prefix ({system / 'usr' / 'etc' / 'npmrc'})",
        ),
        (str(from_builtin / "lib" / "node_modules"), f"npm global prefix ({builtin / 'npmrc'})"),
    }
