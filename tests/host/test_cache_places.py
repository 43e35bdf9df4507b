"""Caches where the real tools put them and the scan did not look (red team, branch host-rest).

Measured with npm 11.19.1, pnpm 9.15.9 and 10.34.9, yarn 1.22.22 and 4.18.1, bun 1.4.5, run as
an unprivileged user with HOME and XDG_* in a scratch folder (the layouts are rebuilt here):

- pnpm puts its store at ``<D>/.pnpm-store`` when the project is on another file system than
  the home, ``D`` the first folder from the file system's root down to the project that a hard
  link can be made in (``@pnpm/store-path`` + ``root-link-target``): a project in a tmpfs
  mounted at ``/tmp/hr-mnt`` got ``/tmp/hr-mnt/.pnpm-store/v3`` (pnpm 9) and ``.../v10``;
- ``npm_config_cache=./.npm npm install`` keeps the cache in the project (``.npm/_cacache``);
  ``store-dir=.pnpm-store`` in a project ``.npmrc`` and ``storeDir: ./my-store`` in
  ``pnpm-workspace.yaml`` (pnpm 10) keep the store there; pnpm records the store it used in
  ``node_modules/.modules.yaml`` (``storeDir``: YAML in pnpm 9, JSON in pnpm 10);
- bun with ``XDG_CACHE_HOME`` set and no ``BUN_INSTALL`` keeps its cache in
  ``$XDG_CACHE_HOME/.bun/install/cache`` and ``bun add -g`` in ``.../.bun/install/global``;
- a relative ``cache-folder`` in a ``.yarnrc`` (yarn 1, also run from a workspace folder) and a
  relative ``cacheFolder`` in a ``.yarnrc.yml`` (yarn 4) are from the rc file's folder.

Before the fix each of these read CLEAN.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import msgspec
import pytest

from gouvernante.host.checks import HostScanResult, run_host_scan
from gouvernante.host.context import HostContext
from gouvernante.rules.model import OperatingSystem, PackageRule
from gouvernante.vocab import LockfileEcosystem

# is-number 7.0.0's tarball, as the registry lists it (dist.integrity)
SHA512 = "sha512-41Cifkg6e8TylSpdtTpeLVMqvSBEVzTttHvERD741+pnZ8ANv0004MRL43QKPDlK9cGvNp6NZWZUBlbGXYxxng=="  # noqa: E501
HEX = base64.b64decode(SHA512.partition("-")[2]).hex()


def scan(
    h: Any,
    home: Path,
    system: str,
    dirs: list[str] | None = None,
    *,
    env: dict[str, str] | None = None,
    proc: Path | None = None,
    by_integrity: bool = False,
) -> HostScanResult:
    if by_integrity:  # the rule names another package: only the integrity can match
        rule = msgspec.structs.replace(
            h.make_rule("R-SRI", [("left-pad", "=1.3.0")]), bad_integrity=(SHA512,)
        )
    else:
        rule = h.make_rule("R-NUM", [("is-number", "=7.0.0")])
    ctx = HostContext(
        home=str(home),
        os=OperatingSystem.LINUX,
        env=env or {},
        system_root=system,
        proc_root=str(proc) if proc else str(home / "no-proc"),
    )
    return run_host_scan([rule], ctx, dirs or [])


def cached(result: HostScanResult) -> set[tuple[str, str | None, str]]:
    return {(f.type.value, f.path, f.match.value) for f in result.findings}


def pnpm10_store(store: Path) -> Path:
    # pnpm 10.34.9: v10/index/<hex[:2]>/<hex[2:64]>-<package id>.json
    index = store / "v10" / "index" / HEX[:2] / f"{HEX[2:64]}-is-number@7.0.0.json"
    index.parent.mkdir(parents=True)
    index.write_text('{"name":"is-number","version":"7.0.0","files":{}}')
    (store / "v10" / "files" / "00").mkdir(parents=True)
    return index


def pnpm9_store(store: Path) -> Path:
    # pnpm 9.15.9: v3/files/<hex[:2]>/<hex[2:]>-index.json
    index = store / "v3" / "files" / HEX[:2] / f"{HEX[2:]}-index.json"
    index.parent.mkdir(parents=True)
    index.write_text('{"name":"is-number","version":"7.0.0","files":{}}')
    return index


# --- 1. pnpm's store at a file system's root, or in a folder above the project ---------------


def test_pnpm_store_at_a_mount_point_from_the_mount_table(
    h: Any, tmp_path: Path, no_system: str
) -> None:
    # a project on a disk mounted at /data (home elsewhere): pnpm's store is /data/.pnpm-store
    proc = tmp_path / "proc"
    (proc / "self").mkdir(parents=True)
    (proc / "self" / "mountinfo").write_bytes(
        b"27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
        b"40 27 0:50 / /data rw,relatime - tmpfs tmpfs rw\n"
        b"41 27 0:51 / /mnt/my\\040disk rw,relatime - ext4 /dev/sdb rw\n"
        b"42 27 0:52 / /net rw,relatime - autofs /etc/auto.net rw\n"
    )
    index = pnpm10_store(Path(no_system) / "data" / ".pnpm-store")
    spaced = pnpm9_store(Path(no_system) / "mnt" / "my disk" / ".pnpm-store")
    # an automounter's root is not looked up (a lookup mounts; a network one may hang)
    pnpm10_store(Path(no_system) / "net" / ".pnpm-store")
    result = scan(h, tmp_path / "home", no_system, proc=proc)
    assert cached(result) == {
        ("cached_package", str(index), "version"),
        ("cached_package", str(spaced), "version"),
    }
    assert result.errors == ()


def test_pnpm_store_in_a_folder_above_the_scanned_project(
    h: Any, tmp_path: Path, no_system: str
) -> None:
    # the mount root was not writable: pnpm went down to the first folder it could link in
    disk = tmp_path / "disk" / "team"
    project = disk / "apps" / "web"
    project.mkdir(parents=True)
    index = pnpm9_store(disk / ".pnpm-store")
    for by_integrity, match in ((False, "version"), (True, "integrity")):
        result = scan(h, tmp_path / "home", no_system, [str(project)], by_integrity=by_integrity)
        assert cached(result) == {("cached_package", str(index), match)}


# --- 2. caches inside the scanned projects -------------------------------------------------


@pytest.mark.parametrize("folder", [".npm", "ci-cache/npm"])
def test_npm_cache_inside_a_project(h: Any, tmp_path: Path, no_system: str, folder: str) -> None:
    # `npm_config_cache=./.npm npm ci` (npm 11.19.1): <project>/.npm/_cacache, _npx, _logs
    project = tmp_path / "project"
    cache = project / folder
    bucket = h.cacache_add(cache, h.tarball_key("is-number", "7.0.0"), SHA512)
    (cache / "_logs").mkdir()
    npx = cache / "_npx" / "0123abcd" / "node_modules" / "is-number"
    h.write_package(npx, "is-number", "7.0.0")
    result = scan(h, tmp_path / "home", no_system, [str(project)])
    assert {(f.type.value, f.path) for f in result.findings} == {
        ("cached_package", str(bucket)),
        ("cached_package", str(npx)),  # npx's install, a cache entry, not a project install
    }
    result = scan(h, tmp_path / "home", no_system, [str(project)], by_integrity=True)
    assert cached(result) == {("cached_package", str(bucket), "integrity")}


@pytest.mark.parametrize("folder", [".pnpm-store", "my-store"])
def test_pnpm_store_inside_a_project(h: Any, tmp_path: Path, no_system: str, folder: str) -> None:
    # `store-dir=.pnpm-store` in the project's .npmrc (pnpm 9), any name: v10/files marks a store
    project = tmp_path / "project"
    index = pnpm10_store(project / folder)
    result = scan(h, tmp_path / "home", no_system, [str(project)])
    assert cached(result) == {("cached_package", str(index), "version")}
    assert result.errors == ()


def test_a_folder_shaped_like_a_store_is_still_walked(
    h: Any, tmp_path: Path, no_system: str
) -> None:
    # `<folder>/v1/files` reads as a pnpm store (any name) but may be the project's own folder
    project = tmp_path / "project"
    pkg = h.write_package(
        project / "docs" / "v1" / "files" / "node_modules" / "is-number", "is-number", "7.0.0"
    )
    result = scan(h, tmp_path / "home", no_system, [str(project)])
    assert {(f.type.value, f.path) for f in result.findings} == {("installed_package", str(pkg))}
    assert result.errors == ()


PNPM9_MODULES = "hoistPattern:\n  - '*'\nhoistedDependencies: {}\nstoreDir: {store}/v3\n"
PNPM10_MODULES = {"layoutVersion": 5, "nodeLinker": "isolated", "storeDir": "{store}/v10"}


@pytest.mark.parametrize("pnpm", [9, 10])
def test_store_recorded_in_modules_yaml(h: Any, tmp_path: Path, no_system: str, pnpm: int) -> None:
    # the store pnpm installed from, outside the scanned folder (set at install time)
    store = tmp_path / "elsewhere" / "pnpm-store"
    index = pnpm9_store(store) if pnpm == 9 else pnpm10_store(store)
    modules = tmp_path / "project" / "node_modules" / ".modules.yaml"
    modules.parent.mkdir(parents=True)
    if pnpm == 9:
        modules.write_text(PNPM9_MODULES.replace("{store}", str(store)))
    else:
        doc = {**PNPM10_MODULES, "storeDir": f"{store}/v10"}
        modules.write_text(json.dumps(doc, indent=2))
    result = scan(h, tmp_path / "home", no_system, [str(modules.parent.parent)])
    assert cached(result) == {("cached_package", str(index), "version")}


def test_modules_yaml_store_not_read_exactly_is_an_error(
    h: Any, tmp_path: Path, no_system: str
) -> None:
    modules = tmp_path / "project" / "node_modules" / ".modules.yaml"
    modules.parent.mkdir(parents=True)
    modules.write_text("storeDir: [/x]\n")
    result = scan(h, tmp_path / "home", no_system, [str(tmp_path / "project")])
    assert [(e.path, e.message) for e in result.errors] == [
        (str(modules), "line 1: the storeDir value is not one this scan reads exactly")
    ]
    modules.write_text('{"storeDir": 3}')
    result = scan(h, tmp_path / "home", no_system, [str(tmp_path / "project")])
    assert [e.path for e in result.errors] == [str(modules)]


def test_store_set_in_a_project_npmrc_or_pnpm_workspace(
    h: Any, tmp_path: Path, no_system: str
) -> None:
    project = tmp_path / "repo" / "app"
    project.mkdir(parents=True)
    (project / ".npmrc").write_text("store-dir=../shared-store\ncache=/nowhere\n")
    npmrc_store = pnpm9_store(tmp_path / "repo" / "shared-store")
    other = tmp_path / "repo" / "tool"
    other.mkdir()
    (other / "pnpm-workspace.yaml").write_text("packages: []\nstoreDir: '../../ws-store'\n")
    ws_store = pnpm10_store(tmp_path / "ws-store")
    result = scan(h, tmp_path / "home", no_system, [str(project), str(other)])
    assert cached(result) == {
        ("cached_package", str(npmrc_store), "version"),
        ("cached_package", str(ws_store), "version"),
    }


def test_a_nul_in_a_project_npmrc_folder_is_an_error(
    h: Any, tmp_path: Path, no_system: str
) -> None:
    """``cache=/tmp/a<NUL>b`` in a project's .npmrc (found while scanning projects with
    registry tokens in .npmrc, 2026-12-06): os.path.realpath raised ValueError, so ``-host``
    ended in "internal error: ValueError" with nothing reported. Now an error naming the file,
    as a .yarnrc.yml or pnpm-workspace.yaml folder with a NUL is, and the scan goes on."""
    project = tmp_path / "app"
    project.mkdir()
    rc = project / ".npmrc"
    rc.write_bytes(b"//registry.example/:_authToken=SECRET-1\ncache=/tmp/a\x00b\nstore-dir=st\n")
    store = pnpm9_store(project / "st")
    result = scan(h, tmp_path / "home", no_system, [str(project)])
    assert [(e.path, e.message) for e in result.errors] == [
        (str(rc), "the cache value is not one this scan reads exactly")
    ]
    assert cached(result) == {("cached_package", str(store), "version")}


@pytest.mark.parametrize("where", ["project", "home", "pnpm-rc"])
@pytest.mark.parametrize("planted", ["too-large", "fifo", "folder", "dangling"])
def test_an_npmrc_that_is_there_but_not_read_is_an_error(
    h: Any, tmp_path: Path, no_system: str, where: str, planted: str
) -> None:
    """An ``.npmrc`` (a project's, the home's, pnpm's global rc) that is there but not read:
    over 1 MiB (npm reads any size: a ``store-dir`` after 1.2 MB of comment lines moves pnpm's
    store), a FIFO (npm waits on it). It was read as no settings, silently: the store it names
    was not scanned, and a scan whose only finding was in that store read CLEAN (red team,
    branch hostile-new). Now an error naming the file. A folder or a dangling link is no
    settings for npm (a load error it ignores): no error."""
    import os

    home = tmp_path / "home"
    home.mkdir()
    project = tmp_path / "app"
    project.mkdir()
    rc = {
        "project": project / ".npmrc",
        "home": home / ".npmrc",
        "pnpm-rc": home / ".config" / "pnpm" / "rc",
    }[where]
    rc.parent.mkdir(parents=True, exist_ok=True)
    if planted == "too-large":
        pnpm9_store(tmp_path / "st")
        rc.write_text("# padding\n" * 120_000 + f"store-dir={tmp_path / 'st'}\n")
    elif planted == "fifo":
        os.mkfifo(rc)
    elif planted == "folder":
        rc.mkdir()
    else:
        rc.symlink_to(tmp_path / "nowhere")
    result = scan(h, home, no_system, [str(project)])
    if planted in ("folder", "dangling"):
        assert result.errors == ()
        return
    assert [e.path for e in result.errors] == [str(rc)], result.errors
    assert "not read" in result.errors[0].message


# --- bun with XDG_CACHE_HOME ---------------------------------------------------------------


def test_bun_cache_and_global_under_xdg_cache_home(h: Any, tmp_path: Path, no_system: str) -> None:
    xdg = tmp_path / "xdg-cache"
    entry = h.write_package(
        xdg / ".bun" / "install" / "cache" / "is-number@7.0.0@@@1", "is-number", "7.0.0"
    )
    glob = h.write_package(
        xdg / ".bun" / "install" / "global" / "node_modules" / "is-number", "is-number", "7.0.0"
    )
    result = scan(h, tmp_path / "home", no_system, env={"XDG_CACHE_HOME": str(xdg)})
    assert {(f.type.value, f.path) for f in result.findings} == {
        ("cached_package", str(entry)),
        ("installed_package", str(glob)),
    }


def test_a_cache_release_left_out_by_lockfile_ecosystems_is_a_note(
    h: Any, tmp_path: Path, no_system: str
) -> None:
    # a rule limited to npm, pnpm and yarn (the runbook's template): bun's cached copy is not a
    # finding, and is said
    xdg = tmp_path / "xdg-cache"
    entry = h.write_package(
        xdg / ".bun" / "install" / "cache" / "is-number@7.0.0@@@1", "is-number", "7.0.0"
    )
    rule = msgspec.structs.replace(
        h.make_rule("R-NUM", [("is-number", "=7.0.0")]),
        package_rules=(
            PackageRule(
                "is-number",
                ("=7.0.0",),
                frozenset({LockfileEcosystem.NPM, LockfileEcosystem.PNPM, LockfileEcosystem.YARN}),
            ),
        ),
    )
    ctx = HostContext(
        home=str(tmp_path / "home"),
        os=OperatingSystem.LINUX,
        env={"XDG_CACHE_HOME": str(xdg)},
        system_root=no_system,
        proc_root=str(tmp_path / "no-proc"),
    )
    result = run_host_scan([rule], ctx, [])
    assert result.findings == ()
    notes = [n for n in result.notes if "lockfile_ecosystems" in n.message]
    assert len(notes) == 1
    assert str(entry.parent) in notes[0].path or str(entry) in notes[0].path
    assert "is-number@7.0.0 is named by R-NUM" in notes[0].message
    assert "leave bun out: not reported for this cache" in notes[0].message


# --- 3. relative cache folders: from the rc file's folder (as the tools do) ------------------


def test_relative_yarn_cache_folders_are_from_the_rc_folder(
    h: Any, tmp_path: Path, no_system: str
) -> None:
    # yarn 1.22.22 `cache-folder ".yc"` in the root .yarnrc, run from packages/a: <root>/.yc/v6;
    # yarn 4.18.1 `cacheFolder: ../b4-cache` in a .yarnrc.yml: from that file's folder
    root = tmp_path / "y1"
    (root / "packages" / "a").mkdir(parents=True)
    (root / ".yarnrc").write_text('cache-folder "../y1-cache"\n')
    pkg = (
        tmp_path
        / "y1-cache"
        / "v6"
        / "npm-is-number-7.0.0-7535345b896734d5f80c4d06c50955527a14f12b-integrity"
        / "node_modules"
        / "is-number"
    )
    h.write_package(pkg, "is-number", "7.0.0")
    berry = tmp_path / "b4"
    berry.mkdir()
    (berry / ".yarnrc.yml").write_text("cacheFolder: ../b4-cache\nenableGlobalCache: false\n")
    (tmp_path / "b4-cache").mkdir()
    zipped = tmp_path / "b4-cache" / "is-number-npm-7.0.0-060086935c-8efcda03af.zip"
    zipped.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    result = scan(h, tmp_path / "home", no_system, [str(root), str(berry)])
    assert {(f.type.value, f.path) for f in result.findings} == {
        ("cached_package", str(pkg)),
        ("cached_package", str(zipped)),
    }


# --- yarn 1 run as root: its rc is /usr/local/share/.yarnrc ----------------------------------


def test_yarn_rc_files_of_root_and_of_the_global_prefix(
    h: Any, tmp_path: Path, no_system: str
) -> None:
    # `yarn config set cache-folder /x` as root (yarn 1.22.22, in a mount namespace whose
    # /usr/local/share was a scratch folder) wrote /usr/local/share/.yarnrc, read by every run
    # as root; <prefix>/etc/yarnrc is read by every user (a relative value: from its folder)
    system = Path(no_system)
    (system / "usr" / "local" / "share").mkdir(parents=True)
    (system / "usr" / "local" / "share" / ".yarnrc").write_text(
        f'# yarn lockfile v1\n\n\ncache-folder "{tmp_path / "rootcache"}"\n'
    )
    (system / "usr" / "etc").mkdir(parents=True)
    (system / "usr" / "etc" / "yarnrc").write_text("global-folder ../yglobal\n")
    entry = (
        tmp_path
        / "rootcache"
        / "v6"
        / "npm-is-number-7.0.0-7535345b896734d5f80c4d06c50955527a14f12b-integrity"
        / "node_modules"
        / "is-number"
    )
    h.write_package(entry, "is-number", "7.0.0")
    glob = h.write_package(
        system / "usr" / "yglobal" / "node_modules" / "is-number", "is-number", "7.0.0"
    )
    result = scan(h, tmp_path / "home", no_system)
    assert {(f.type.value, f.path) for f in result.findings} == {
        ("cached_package", str(entry)),
        ("installed_package", str(glob)),
    }
    assert result.errors == ()


def test_cache_set_in_a_folder_above_the_scanned_one(
    h: Any, tmp_path: Path, no_system: str
) -> None:
    # yarn 4.18.1 run in packages/a reads the monorepo root's .yarnrc.yml (`yarn config get
    # cacheFolder` there gives the root's setting); pnpm reads the root's .npmrc
    root = tmp_path / "mono"
    member = root / "packages" / "a"
    member.mkdir(parents=True)
    (root / ".yarnrc.yml").write_text("cacheFolder: ../shared-berry\n")
    (root / ".npmrc").write_text("store-dir=/nonexistent-store\n")
    zipped = tmp_path / "shared-berry" / "is-number-npm-7.0.0-060086935c-8efcda03af.zip"
    zipped.parent.mkdir()
    zipped.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    result = scan(h, tmp_path / "home", no_system, [str(member)])
    assert {(f.type.value, f.path) for f in result.findings} == {("cached_package", str(zipped))}
    assert result.errors == ()


def test_a_home_config_file_above_the_project_is_read_once(
    h: Any, tmp_path: Path, no_system: str
) -> None:
    home = tmp_path / "home"
    (home / "src" / "app").mkdir(parents=True)
    (home / ".yarnrc.yml").write_text("cacheFolder: [a]\n")
    result = scan(h, home, no_system, [str(home / "src" / "app")])
    assert [(e.path, e.message) for e in result.errors] == [
        (
            str(home / ".yarnrc.yml"),
            "line 1: the cacheFolder value is not one this scan reads exactly",
        )
    ]
