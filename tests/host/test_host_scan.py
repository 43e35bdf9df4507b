"""run_host_scan on fake Linux, macOS and Windows homes: every location, found exactly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gouvernante.host.checks import run_host_scan
from gouvernante.host.context import HostContext
from gouvernante.model import FindingType
from gouvernante.rules.model import OperatingSystem

INST = FindingType.INSTALLED.value
CACHED = FindingType.CACHED.value


def plant_bad_and_near(h: Any, nm: Path) -> list[tuple[str, str, str, str, str]]:
    """axios@1.14.1 (bad) next to axios@1.14.0, dommatrix@1.0.0 and atrix@1.0.1 (near misses)."""
    h.write_package(nm / "axios", "axios", "1.14.1")
    h.write_package(nm / "dommatrix", "dommatrix", "1.0.0")
    h.write_package(nm / "atrix", "atrix", "1.0.1")
    h.write_package(nm / "left" / "node_modules" / "axios", "axios", "1.14.0")
    return [(INST, "R-AXIOS", "axios", "1.14.1", str(nm / "axios"))]


def plant_cached_near_misses(h: Any, cache: Path) -> None:
    h.cacache_add(cache, h.tarball_key("axios", "1.14.0"))
    h.cacache_add(cache, h.tarball_key("dommatrix", "1.0.0"))
    h.cacache_add(cache, "make-fetch-happen:request-cache:https://registry.npmjs.org/axios")


def test_linux_home_every_location(h: Any, tmp_path: Path, no_system: str) -> None:
    home = tmp_path / "home" / "u"
    sysroot = Path(no_system)
    want: list[tuple[str, str, str, str | None, str]] = []
    # Global installs.
    custom_prefix = tmp_path / "custom-prefix"
    want += plant_bad_and_near(h, custom_prefix / "lib" / "node_modules")
    (home).mkdir(parents=True)
    (home / ".npmrc").write_text("prefix=~/.npm-global\nstore-dir=${STORE_BASE}/my-store\n")
    want += plant_bad_and_near(h, home / ".npm-global" / "lib" / "node_modules")
    want += plant_bad_and_near(h, sysroot / "usr" / "local" / "lib" / "node_modules")
    want += plant_bad_and_near(h, sysroot / "usr" / "lib" / "node_modules")
    nvm = home / ".nvm" / "versions" / "node"
    want += plant_bad_and_near(h, nvm / "v18.20.0" / "lib" / "node_modules")
    want += plant_bad_and_near(h, nvm / "v20.11.0" / "lib" / "node_modules")
    volta = home / ".volta" / "tools" / "image" / "packages" / "axios-cli" / "lib" / "node_modules"
    want += plant_bad_and_near(h, volta)
    fnm = home / ".local" / "share" / "fnm" / "node-versions" / "v22.1.0" / "installation"
    want += plant_bad_and_near(h, fnm / "lib" / "node_modules")
    asdf = home / ".asdf" / "installs" / "nodejs" / "20.1.0" / "lib" / "node_modules"
    want += plant_bad_and_near(h, asdf)
    pnpm_global = home / ".local" / "share" / "pnpm" / "global" / "5" / "node_modules"
    h.write_package(
        pnpm_global / ".pnpm" / "axios@1.14.1" / "node_modules" / "axios", "axios", "1.14.1"
    )
    (pnpm_global / "axios").symlink_to(
        pnpm_global / ".pnpm" / "axios@1.14.1" / "node_modules" / "axios"
    )
    want.append(
        (
            INST,
            "R-AXIOS",
            "axios",
            "1.14.1",
            str(pnpm_global / ".pnpm" / "axios@1.14.1" / "node_modules" / "axios"),
        )
    )
    want += plant_bad_and_near(h, home / ".config" / "yarn" / "global" / "node_modules")
    want += plant_bad_and_near(h, home / ".bun" / "install" / "global" / "node_modules")
    # Caches.
    npm_cache = home / ".npm"
    bucket = h.cacache_add(npm_cache, h.tarball_key("@ctrl/tinycolor", "4.1.1"))
    want.append((CACHED, "R-TINY", "@ctrl/tinycolor", "4.1.1", str(bucket)))
    plant_cached_near_misses(h, npm_cache)
    npx = npm_cache / "_npx" / "0123456789abcdef" / "node_modules"
    h.write_package(npx / "plain-crypto-js", "plain-crypto-js", "4.2.1", {"postinstall": "node x"})
    want.append((CACHED, "R-DROP", "plain-crypto-js", "4.2.1", str(npx / "plain-crypto-js")))
    store = home / ".local" / "share" / "pnpm" / "store" / "v3" / "files" / "ab"
    store.mkdir(parents=True)
    index_file = store / ("c" * 126 + "-index.json")
    index_file.write_text(json.dumps({"name": "axios", "version": "1.14.1", "files": {}}))
    (store / ("d" * 126 + "-index.json")).write_text('{"name":"axios","version":"1.14.0"}')
    (store / ("e" * 126)).write_text('{"name":"axios","version":"1.14.1"}')  # a content blob
    want.append((CACHED, "R-AXIOS", "axios", "1.14.1", str(index_file)))
    my_store = tmp_path / "stores" / "my-store" / "v10" / "index" / "12"
    my_store.mkdir(parents=True)
    v10 = my_store / ("f" * 64 + "-@ctrl+tinycolor@4.1.1.json")
    v10.write_text('{"name":"@ctrl/tinycolor","version":"4.1.1","files":{}}')
    (my_store / ("0" * 64 + "-dommatrix@1.0.0.json")).write_text(
        '{"name":"dommatrix","version":"1.0.0"}'
    )
    want.append((CACHED, "R-TINY", "@ctrl/tinycolor", "4.1.1", str(v10)))
    yarn_v6 = home / ".cache" / "yarn" / "v6"
    entry = yarn_v6 / ("npm-@ctrl-tinycolor-4.1.1-" + "a" * 40 + "-integrity")
    pkg = entry / "node_modules" / "@ctrl" / "tinycolor"
    pkg.mkdir(parents=True)
    (pkg / ".yarn-metadata.json").write_text(
        json.dumps({"manifest": {"name": "@ctrl/tinycolor", "version": "4.1.1"}})
    )
    want.append((CACHED, "R-TINY", "@ctrl/tinycolor", "4.1.1", str(pkg)))
    near = yarn_v6 / ("npm-dommatrix-1.0.0-" + "b" * 40 + "-integrity")
    h.write_package(near / "node_modules" / "dommatrix", "dommatrix", "1.0.0")
    yarn_folder = tmp_path / "yarn-folder"
    entry2 = yarn_folder / "v6" / ("npm-axios-1.14.1-" + "c" * 40 + "-integrity")
    h.write_package(entry2 / "node_modules" / "axios", "axios", "1.14.1")
    want.append((CACHED, "R-AXIOS", "axios", "1.14.1", str(entry2 / "node_modules" / "axios")))
    berry = home / ".yarn" / "berry" / "cache"
    berry.mkdir(parents=True)
    zip_bad = berry / "@ctrl-tinycolor-npm-4.1.1-306ce07075-10c0.zip"
    zip_bad.write_bytes(b"PK")
    (berry / "dommatrix-npm-1.0.0-306ce07075-10c0.zip").write_bytes(b"PK")
    (berry / "axios-npm-1.14.0-306ce07075-10c0.zip").write_bytes(b"PK")
    want.append((CACHED, "R-TINY", "@ctrl/tinycolor", "4.1.1", str(zip_bad)))
    bun = home / ".bun" / "install" / "cache"
    (bun / "axios@1.14.1@@@1").mkdir(parents=True)
    (bun / "axios@1.14.0@@@1").mkdir(parents=True)
    (bun / "@ctrl" / "tinycolor@4.1.1@@@1").mkdir(parents=True)
    (bun / "axios").mkdir()
    (bun / "axios" / "1.14.1@@@1").symlink_to(bun / "axios@1.14.1@@@1")
    want.append((CACHED, "R-AXIOS", "axios", "1.14.1", str(bun / "axios@1.14.1@@@1")))
    want.append(
        (CACHED, "R-TINY", "@ctrl/tinycolor", "4.1.1", str(bun / "@ctrl" / "tinycolor@4.1.1@@@1"))
    )

    ctx = HostContext(
        home=str(home),
        os=OperatingSystem.LINUX,
        env={
            "NPM_CONFIG_PREFIX": str(custom_prefix),
            "STORE_BASE": str(tmp_path / "stores"),
            "YARN_CACHE_FOLDER": str(yarn_folder),
        },
        system_root=no_system,
    )
    result = run_host_scan(h.STANDARD_RULES, ctx, [])
    assert h.found(result.findings) == set(want)
    assert result.errors == ()
    assert result.installed_packages == 11 * 4 + 1
    # npm: 4 index lines; npx: 1; pnpm: 2 + 2; yarn: 2 + 1; berry: 3; bun: 3.
    assert result.cache_entries == 4 + 1 + 4 + 3 + 3 + 3
    (npx_finding,) = [f for f in result.findings if f.package == "plain-crypto-js"]
    assert npx_finding.install_scripts == ("postinstall",)
    assert "assume code execution" in npx_finding.description


def test_macos_home_every_location(h: Any, tmp_path: Path, no_system: str) -> None:
    home = tmp_path / "Users" / "u"
    sysroot = Path(no_system)
    want: list[tuple[str, str, str, str | None, str]] = []
    want += plant_bad_and_near(h, sysroot / "opt" / "homebrew" / "lib" / "node_modules")
    want += plant_bad_and_near(h, sysroot / "usr" / "local" / "lib" / "node_modules")
    fnm = home / "Library" / "Application Support" / "fnm" / "node-versions" / "v20.0.0"
    want += plant_bad_and_near(h, fnm / "installation" / "lib" / "node_modules")
    want += plant_bad_and_near(h, home / "Library" / "pnpm" / "global" / "5" / "node_modules")
    store = home / "Library" / "pnpm" / "store" / "v3" / "files" / "00"
    store.mkdir(parents=True)
    index_file = store / ("1" * 126 + "-index.json")
    index_file.write_text('{"name":"@ctrl/tinycolor","version":"4.1.1","files":{}}')
    want.append((CACHED, "R-TINY", "@ctrl/tinycolor", "4.1.1", str(index_file)))
    classic = home / "Library" / "Caches" / "Yarn" / "v6"
    entry = classic / ("npm-axios-1.14.1-" + "e" * 40 + "-integrity") / "node_modules" / "axios"
    h.write_package(entry, "axios", "1.14.1")
    want.append((CACHED, "R-AXIOS", "axios", "1.14.1", str(entry)))
    bucket = h.cacache_add(home / ".npm", "pacote:tarball:axios@1.14.1")
    want.append((CACHED, "R-AXIOS", "axios", "1.14.1", str(bucket)))
    plant_cached_near_misses(h, home / ".npm")
    ctx = HostContext(home=str(home), os=OperatingSystem.MACOS, env={}, system_root=no_system)
    result = run_host_scan(h.STANDARD_RULES, ctx, [])
    assert h.found(result.findings) == set(want)
    assert result.errors == ()


def test_windows_home_every_location(h: Any, tmp_path: Path, no_system: str) -> None:
    home = tmp_path / "Users" / "u"
    roaming = home / "AppData" / "Roaming"
    local = home / "AppData" / "Local"
    program_files = tmp_path / "Program Files"
    want: list[tuple[str, str, str, str | None, str]] = []
    want += plant_bad_and_near(h, roaming / "npm" / "node_modules")
    want += plant_bad_and_near(h, program_files / "nodejs" / "node_modules")
    want += plant_bad_and_near(h, roaming / "nvm" / "v20.11.0" / "node_modules")
    fnm = roaming / "fnm" / "node-versions" / "v22.0.0" / "installation" / "node_modules"
    want += plant_bad_and_near(h, fnm)
    volta = local / "Volta" / "tools" / "image" / "packages" / "cli" / "node_modules"
    want += plant_bad_and_near(h, volta)
    want += plant_bad_and_near(h, local / "pnpm" / "global" / "5" / "node_modules")
    want += plant_bad_and_near(h, local / "Yarn" / "Data" / "global" / "node_modules")
    want += plant_bad_and_near(h, home / ".bun" / "install" / "global" / "node_modules")
    bucket = h.cacache_add(local / "npm-cache", h.tarball_key("axios", "1.14.1"))
    want.append((CACHED, "R-AXIOS", "axios", "1.14.1", str(bucket)))
    plant_cached_near_misses(h, local / "npm-cache")
    store = local / "pnpm" / "store" / "v10" / "index" / "aa"
    store.mkdir(parents=True)
    v10 = store / ("9" * 64 + "-axios@1.14.1.json")
    v10.write_text('{"name":"axios","version":"1.14.1"}')
    want.append((CACHED, "R-AXIOS", "axios", "1.14.1", str(v10)))
    classic = local / "Yarn" / "Cache" / "v6" / ("npm-axios-1.14.1-" + "f" * 40 + "-integrity")
    h.write_package(classic / "node_modules" / "axios", "axios", "1.14.1")
    want.append((CACHED, "R-AXIOS", "axios", "1.14.1", str(classic / "node_modules" / "axios")))
    berry = local / "Yarn" / "Berry" / "cache"
    berry.mkdir(parents=True)
    (berry / "axios-npm-1.14.1-0123456789-10c0.zip").write_bytes(b"PK")
    want.append(
        (CACHED, "R-AXIOS", "axios", "1.14.1", str(berry / "axios-npm-1.14.1-0123456789-10c0.zip"))
    )
    bun = home / ".bun" / "install" / "cache" / "axios@1.14.1@@@1"
    bun.mkdir(parents=True)
    want.append((CACHED, "R-AXIOS", "axios", "1.14.1", str(bun)))
    ctx = HostContext(
        home=str(home),
        os=OperatingSystem.WINDOWS,
        # Windows-style values, as a Windows machine has them; case-insensitive names.
        env={"appdata": str(roaming).replace("/", "\\"), "ProgramFiles": str(program_files)},
        system_root=no_system,
    )
    result = run_host_scan(h.STANDARD_RULES, ctx, [])
    assert h.found(result.findings) == set(want)
    assert result.errors == ()


def test_project_layouts(h: Any, tmp_path: Path, no_system: str) -> None:
    """Nested, scoped, aliased, pnpm and bun virtual stores, yarn berry unplugged and cache,
    and a workspace's own node_modules: each found once, with its real name and version."""
    proj = tmp_path / "proj"
    nm = proj / "node_modules"
    want: list[tuple[str, str, str, str | None, str]] = []
    deep = nm / "a" / "node_modules" / "b" / "node_modules" / "axios"
    h.write_package(nm / "a", "a", "1.0.0")
    h.write_package(nm / "a" / "node_modules" / "b", "b", "1.0.0")
    h.write_package(deep, "axios", "1.14.1", {"preinstall": "x", "test": "y", "postinstall": "z"})
    want.append((INST, "R-AXIOS", "axios", "1.14.1", str(deep)))
    h.write_package(nm / "@ctrl" / "tinycolor", "@ctrl/tinycolor", "4.1.1")
    want.append((INST, "R-TINY", "@ctrl/tinycolor", "4.1.1", str(nm / "@ctrl" / "tinycolor")))
    h.write_package(nm / "my-http", "axios", "1.14.1")  # "my-http": "npm:axios@1.14.1"
    want.append((INST, "R-AXIOS", "axios", "1.14.1", str(nm / "my-http")))
    h.write_package(nm / "atrix-alias", "dommatrix", "1.0.0")  # near miss through an alias
    virtual = nm / ".pnpm" / "@ctrl+tinycolor@4.1.1" / "node_modules" / "@ctrl" / "tinycolor"
    h.write_package(virtual, "@ctrl/tinycolor", "4.1.1")
    want.append((INST, "R-TINY", "@ctrl/tinycolor", "4.1.1", str(virtual)))
    bun_store = nm / ".bun" / "plain-crypto-js@4.2.1" / "node_modules" / "plain-crypto-js"
    h.write_package(bun_store, "plain-crypto-js", "4.2.1")
    (nm / "plain-crypto-js").symlink_to(bun_store)  # counted once, through the store
    want.append((INST, "R-DROP", "plain-crypto-js", "4.2.1", str(bun_store)))
    h.write_package(nm / ".cache" / "axios", "axios", "1.14.1")  # not a package folder
    unplugged = proj / ".yarn" / "unplugged" / "axios-npm-1.14.1-abc" / "node_modules" / "axios"
    h.write_package(unplugged, "axios", "1.14.1")
    want.append((INST, "R-AXIOS", "axios", "1.14.1", str(unplugged)))
    project_cache = proj / ".yarn" / "cache"
    project_cache.mkdir(parents=True)
    zip_name = "@ctrl-tinycolor-npm-4.1.1-0123456789-0123456789.zip"
    (project_cache / zip_name).write_bytes(b"PK")
    (project_cache / "axios-npm-1.14.0-0123456789-0123456789.zip").write_bytes(b"PK")
    want.append((CACHED, "R-TINY", "@ctrl/tinycolor", "4.1.1", str(project_cache / zip_name)))
    workspace_nm = proj / "packages" / "web" / "node_modules"
    h.write_package(workspace_nm / "axios", "axios", "1.14.1")
    want.append((INST, "R-AXIOS", "axios", "1.14.1", str(workspace_nm / "axios")))
    (tmp_path / "home").mkdir()
    ctx = HostContext(
        home=str(tmp_path / "home"), os=OperatingSystem.LINUX, env={}, system_root=no_system
    )
    # The project directory is given twice (root and a sub-folder): scanned once.
    result = run_host_scan(h.STANDARD_RULES, ctx, [str(proj), str(proj / "packages" / "web")])
    assert h.found(result.findings) == set(want)
    (deep_finding,) = [f for f in result.findings if f.path == str(deep)]
    assert deep_finding.install_scripts == ("preinstall", "postinstall")
    assert "install scripts ran unless installs used --ignore-scripts" in deep_finding.description
    (tiny,) = [f for f in result.findings if f.path == str(nm / "@ctrl" / "tinycolor")]
    assert tiny.install_scripts == ()
    assert "install scripts" not in tiny.description
    assert result.installed_packages == 10


def test_binding_gyp_counts_as_an_install_script(h: Any, tmp_path: Path, no_system: str) -> None:
    pkg = h.write_package(tmp_path / "p" / "node_modules" / "axios", "axios", "1.14.1")
    (pkg / "binding.gyp").write_text("{}")
    (tmp_path / "home").mkdir()
    ctx = HostContext(home=str(tmp_path / "home"), os=OperatingSystem.LINUX, system_root=no_system)
    (f,) = run_host_scan(h.STANDARD_RULES, ctx, [str(tmp_path / "p")]).findings
    assert f.install_scripts == ("install",)


def test_no_package_rules_skips_installs(h: Any, tmp_path: Path, no_system: str) -> None:
    h.write_package(tmp_path / "p" / "node_modules" / "axios", "axios", "1.14.1")
    ctx = HostContext(home=str(tmp_path), os=OperatingSystem.LINUX, system_root=no_system)
    result = run_host_scan([h.make_rule("R-NONE")], ctx, [str(tmp_path / "p")])
    assert result.findings == () and result.installed_packages == 0
    assert any("no rule names a package" in n.message for n in result.notes)
