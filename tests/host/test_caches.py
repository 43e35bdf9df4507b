"""Package caches: exact name and version only; a real npm cache made by npm itself."""

from __future__ import annotations

import base64
import http.server
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gouvernante.host.caches import (
    _pnpm_id_release,
    berry_zip_releases,
    cache_key_releases,
    scan_bun_cache,
    scan_npm_cache,
    scan_pnpm_store,
    scan_yarn_classic_cache,
    tarball_url_release,
    yarn_classic_slug,
)
from gouvernante.host.checks import run_host_scan
from gouvernante.host.context import HostContext
from gouvernante.host.reader import Collector
from gouvernante.model import FindingType
from gouvernante.rules.index import build_index
from gouvernante.rules.model import OperatingSystem


def collector(h: Any) -> Collector:
    return Collector(build_index(h.STANDARD_RULES))


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://registry.npmjs.org/axios/-/axios-1.14.1.tgz", ("axios", "1.14.1")),
        (
            "https://registry.npmjs.org/@ctrl/tinycolor/-/tinycolor-4.1.1.tgz",
            ("@ctrl/tinycolor", "4.1.1"),
        ),
        (
            "https://registry.npmjs.org/@ctrl%2ftinycolor/-/tinycolor-4.1.1.tgz",
            ("@ctrl/tinycolor", "4.1.1"),
        ),
        (
            "https://art.example/api/npm/npm-remote/axios/-/axios-1.0.0-beta.1.tgz?x=1",
            ("axios", "1.0.0-beta.1"),
        ),
        ("https://registry.npmjs.org/axios", None),
        ("https://registry.npmjs.org/axios/-/other-1.0.0.tgz", None),
        # GitLab's npm registry (the key npm 11 wrote for `npm install @types/ms` from it)
        (
            "http://127.0.0.1:48731/api/v4/projects/1/packages/npm/@types/ms/-/@types/ms-0.7.34.tgz",
            ("@types/ms", "0.7.34"),
        ),
        ("https://gitlab.example/npm/@types/ms/-/@other/ms-0.7.34.tgz", None),
        ("https://gitlab.example/npm/types/ms/-/@types/ms-0.7.34.tgz", None),
        ("https://gitlab.example/npm/@types/ms/-/@types/x/ms-0.7.34.tgz", None),
    ],
)
def test_tarball_url_release(url: str, expected: tuple[str, str] | None) -> None:
    assert tarball_url_release(url) == expected


def test_cache_keys(h: Any) -> None:
    slugs = {"axios": ["axios"], "ctrl-tinycolor": ["@ctrl/tinycolor"], "atrix": ["atrix"]}
    assert cache_key_releases(h.tarball_key("axios", "1.14.1"), slugs) == [("axios", "1.14.1")]
    assert cache_key_releases("pacote:tarball:axios@1.14.1", slugs) == [("axios", "1.14.1")]
    assert cache_key_releases("pacote:tarball:@ctrl/tinycolor@4.1.1", slugs) == [
        ("@ctrl/tinycolor", "4.1.1")
    ]
    assert cache_key_releases("pacote:tarball:file:../x/ctrl-tinycolor-4.1.1.tgz", slugs) == [
        ("@ctrl/tinycolor", "4.1.1")
    ]
    # dommatrix is not atrix; a packument lists versions, it is not a release.
    assert cache_key_releases("pacote:tarball:file:dommatrix-1.0.0.tgz", slugs) == []
    packument = "make-fetch-happen:request-cache:https://registry.npmjs.org/axios"
    assert cache_key_releases(packument, slugs) == []
    assert (
        cache_key_releases("pacote:version-manifest:https://r/axios/-/axios-1.14.1.tgz", slugs)
        == []
    )


def test_cacache_last_line_wins_and_deleted_entries(h: Any, tmp_path: Path) -> None:
    cache = tmp_path / "npm"
    deleted_key = h.tarball_key("axios", "1.14.1")
    h.cacache_add(cache, deleted_key)
    h.cacache_add(cache, deleted_key, integrity=None)  # `npm cache clean` of one entry
    revived_key = h.tarball_key("@ctrl/tinycolor", "4.1.1")
    h.cacache_add(cache, revived_key, integrity=None)
    bucket = h.cacache_add(cache, revived_key)
    corrupt = h.cacache_add(cache, "pacote:tarball:atrix@1.0.0")
    # A line whose hash does not match its JSON is ignored, as cacache ignores it.
    corrupt.write_text(corrupt.read_text().replace('"size":10', '"size":11'))
    c = collector(h)
    scan_npm_cache(str(cache), c)
    assert h.found(c.findings) == {
        ("cached_package", "R-TINY", "@ctrl/tinycolor", "4.1.1", str(bucket))
    }
    assert c.cache_entries == 5


def test_cacache_hostile_buckets(h: Any, tmp_path: Path) -> None:
    cache = tmp_path / "npm"
    index = cache / "_cacache" / "index-v5" / "aa" / "bb"
    index.mkdir(parents=True)
    (index / "binary").write_bytes(b"\xff\xfe\x00\n\t{\n" * 100)
    (index / "deep").write_text("x\t" + "[" * 100_000 + "\n")
    (index / "wrongtypes").write_text(h.cacache_line({"key": 5, "integrity": []}))
    (index / "escaped").write_text(
        "\n" + h.cacache_line({"key": "pacote:tarball:\u0061xios@1.14.1", "integrity": "sha1-x"})
    )
    c = collector(h)
    scan_npm_cache(str(cache), c)
    assert [f.package for f in c.findings] == ["axios"]
    assert c.errors == []


def test_yarn_classic_folder_and_metadata_disagreeing_is_matched_as_both(
    h: Any, tmp_path: Path
) -> None:
    """yarn names the entry and its package folder from the registry's document; the package
    inside is the tarball's, whose package.json the registry never checked (manifest
    confusion, decision 0078): an entry named axios 1.14.1 holding a package.json that says
    1.14.0 is axios 1.14.1 (before: not found), and a note names the disagreement."""
    cache = tmp_path / "v6"
    liar = cache / ("npm-axios-1.14.1-" + "a" * 40 + "-integrity") / "node_modules" / "axios"
    h.write_package(liar, "axios", "1.14.0")  # the folder name says 1.14.1, the package does not
    ok = cache / ("npm-axios-1.14.1-" + "b" * 40) / "node_modules" / "axios"
    h.write_package(ok, "axios", "1.14.1")
    (cache / ".tmp").mkdir()
    c = collector(h)
    scan_yarn_classic_cache(str(cache), c)
    assert h.found(c.findings) == {
        ("cached_package", "R-AXIOS", "axios", "1.14.1", str(ok)),
        ("cached_package", "R-AXIOS", "axios", "1.14.1", str(liar)),
    }
    assert [n.path for n in c.notes if "manifest confusion" in n.message] == [str(liar)]
    assert not any("1.14.0" in n.message for n in c.notes)  # (the package.json is not echoed)


def test_yarn_classic_cache_folder_names_as_yarn_writes_them(h: Any, tmp_path: Path) -> None:
    """yarn 1.22.22 names a cache folder with every run of characters other than [@a-z0-9] as
    one '-' (folders below as yarn wrote them from a loopback registry of the npm cache). Before,
    a name with '.', '_' or capitals was looked for with only '/' replaced: never found."""
    cache = tmp_path / "v6"
    wanted = {
        "@types/babel__core": (
            "7.20.5",
            "npm-@types-babel-core-7.20.5-" + "3d" * 20 + "-integrity",
        ),
        "engine.io": ("6.6.13", "npm-engine-io-6.6.13-" + "14" * 20 + "-integrity"),
        "@nodelib/fs.scandir": ("2.1.5", "npm-@nodelib-fs-scandir-2.1.5-" + "76" * 20),
        "JSONStream": ("1.3.5", "npm-tream-1.3.5-" + "3c" * 20 + "-integrity"),
    }
    for name, (version, folder) in wanted.items():
        h.write_package(cache / folder / "node_modules" / name, name, version)
    # engine-io (another name with the same slug) is not taken for engine.io, nor the reverse.
    h.write_package(
        cache / ("npm-engine-io-1.0.0-" + "ee" * 20) / "node_modules" / "engine-io",
        "engine-io",
        "1.0.0",
    )
    rules = tuple(
        h.make_rule(f"R-{i}", [(name, "*")]) for i, name in enumerate([*wanted, "engine-io"])
    )
    c = Collector(build_index(rules))
    scan_yarn_classic_cache(str(cache), c)
    assert {(f.package, f.version) for f in c.findings} == {
        *((name, version) for name, (version, _folder) in wanted.items()),
        ("engine-io", "1.0.0"),
    }
    assert c.errors == []


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("axios", "axios"),
        ("@ctrl/tinycolor", "@ctrl-tinycolor"),
        ("@types/babel__core", "@types-babel-core"),
        ("lodash.merge", "lodash-merge"),
        ("JSONStream", "tream"),
        ("-x-", "x"),
    ],
)
def test_yarn_classic_slug(name: str, slug: str) -> None:
    assert yarn_classic_slug(name) == slug


def test_berry_idents_are_matched_against_rule_names() -> None:
    table = {"@ctrl-tinycolor": ["@ctrl/tinycolor"], "foo-npm-bar": ["foo-npm-bar"]}
    assert berry_zip_releases("@ctrl-tinycolor-npm-4.1.1-0123456789-10c0.zip", table) == [
        ("@ctrl/tinycolor", "4.1.1")
    ]
    assert berry_zip_releases("foo-npm-bar-npm-1.0.0-rc.1-abcdef0123-8.zip", table) == [
        ("foo-npm-bar", "1.0.0-rc.1")
    ]
    assert berry_zip_releases("ctrl-tinycolor-npm-4.1.1-0123456789-10c0.zip", table) == []
    assert berry_zip_releases("@ctrl-tinycolor-patch-0123456789-10c0.zip", table) == []


def test_bun_cache_counts_each_entry_once(h: Any, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    real = cache / "axios@1.14.1@@@1"
    real.mkdir(parents=True)
    (cache / "axios").mkdir()
    (cache / "axios" / "1.14.1@@@1").symlink_to(real)
    (cache / "0123abcd.npm").write_bytes(b"\x00")
    (cache / "atrix@1.0.0@@@1").symlink_to(real)  # only real folders are entries
    c = collector(h)
    scan_bun_cache(str(cache), c)
    assert h.found(c.findings) == {("cached_package", "R-AXIOS", "axios", "1.14.1", str(real))}
    assert c.cache_entries == 1


def test_pnpm_11_sqlite_store_index_not_read_is_an_error_not_a_clean_store(
    h: Any, tmp_path: Path
) -> None:
    """pnpm 11 and 12 (12.24.0 checked) index a store in ``v11/index.db`` (SQLite, with a
    write-ahead log) and keep no ``-index.json`` file: one that cannot be read (here a header
    with no page size) is an error naming the file and the byte, never a clean store. The index
    that pnpm writes is read: tests/host/test_pnpm_sqlite.py."""
    v11 = tmp_path / "store" / "v11"
    (v11 / "files" / "00").mkdir(parents=True)
    (v11 / "files" / "00" / ("ab" * 31)).write_bytes(b"module.exports = 1\n")
    (v11 / "index.db").write_bytes(b"SQLite format 3\x00" + b"\x00" * 84)
    (v11 / "index.db-wal").write_bytes(b"\x37\x7f\x06\x82" + b"\x00" * 28)
    (v11 / "links" / "@" / "axios" / "1.14.1").mkdir(parents=True)
    c = collector(h)
    scan_pnpm_store(str(tmp_path / "store"), c)
    assert [(e.path, e.message) for e in c.errors] == [
        (str(v11 / "index.db"), "not a SQLite database (bad page size at byte 16)")
    ]
    assert c.findings == []


def test_pnpm_global_virtual_store_links_are_installed_packages(h: Any, tmp_path: Path) -> None:
    """pnpm 12.24.0 with enableGlobalVirtualStore: a project's node_modules holds only symlinks
    to ``<store>/v11/links/<@ or @scope>/<name>/<version>/<hash>/node_modules/<name>`` (layout
    as pnpm wrote it). Before, none of them was read."""
    links = tmp_path / "store" / "v11" / "links"
    axios = links / "@" / "axios" / "1.14.1" / ("7f" * 32) / "node_modules"
    h.write_package(axios / "axios", "axios", "1.14.1")
    (axios / "follow-redirects").symlink_to(tmp_path)  # a sibling link: not followed
    scoped = links / "@ctrl" / "tinycolor" / "4.1.1" / ("e1" * 32) / "node_modules"
    h.write_package(scoped / "@ctrl" / "tinycolor", "@ctrl/tinycolor", "4.1.1")
    (links / "@" / "atrix").symlink_to(links / "@" / "axios")  # a linked name: not followed
    c = collector(h)
    scan_pnpm_store(str(tmp_path / "store"), c)
    assert {(f.package, f.version, f.type) for f in c.findings} == {
        ("axios", "1.14.1", FindingType.INSTALLED),
        ("@ctrl/tinycolor", "4.1.1", FindingType.INSTALLED),
    }
    assert {f.path for f in c.findings} == {
        str(axios / "axios"),
        str(scoped / "@ctrl" / "tinycolor"),
    }
    assert c.errors == []


def test_pnpm_store_index_db_that_is_not_a_file_is_not_an_index(h: Any, tmp_path: Path) -> None:
    v11 = tmp_path / "store" / "v11"
    (v11 / "index.db").mkdir(parents=True)
    c = collector(h)
    scan_pnpm_store(str(tmp_path / "store"), c)
    assert c.errors == []


def test_pnpm_store_ids_with_and_without_a_name(h: Any, tmp_path: Path) -> None:
    """pnpm 7+ files the index of a package with no integrity as ``vN/<package id>/integrity
    [-not-built].json`` and pnpm 10 a ``file:`` tarball's as ``index/xx/<hash>-<path>.json``: an
    id naming a package is opened only for a rule name, one naming none (a URL, a path) has its
    head read; a symlinked folder or index file is not followed."""
    v10 = tmp_path / "store" / "v10"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "integrity.json").write_text('{"name":"atrix","version":"1.0.0"}')

    def put(relative: str, text: str = "") -> Path:
        path = v10 / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    by_path = put("index/aa/" + "a" * 62 + "-file+..+axios.tgz.json", AXIOS_INDEX)
    url = "https+++registry.npmjs.org+@ctrl+tinycolor+-+tinycolor-4.1.1.tgz"
    by_url = put(f"index/bb/{'b' * 62}-{url}.json", TINY_INDEX)
    by_id = put("@ctrl+tinycolor@4.1.1/integrity-not-built.json", TINY_INDEX)
    no_name = put("axios@1.14.1/integrity.json", '{"files":{}}')
    put("lodash@4.17.21/integrity.json", AXIOS_INDEX)  # not opened: the id names lodash
    put("tmp/_tmp_1/integrity.json", AXIOS_INDEX)  # pnpm's unpacking folder
    (v10 / "atrix@1.0.0").symlink_to(outside)
    put("atrix@2.0.0/x")
    (v10 / "atrix@2.0.0" / "integrity.json").symlink_to(outside / "integrity.json")
    c = collector(h)
    scan_pnpm_store(str(tmp_path / "store"), c)
    assert h.found(c.findings) == {
        ("cached_package", "R-AXIOS", "axios", "1.14.1", str(by_path)),
        ("cached_package", "R-TINY", "@ctrl/tinycolor", "4.1.1", str(by_url)),
        ("cached_package", "R-TINY", "@ctrl/tinycolor", "4.1.1", str(by_id)),
        ("cached_package", "R-AXIOS", "axios", "1.14.1", str(no_name)),
    }
    assert c.errors == [] and c.notes == []
    assert c.cache_entries == 5  # 2 in index/, 2 id folders with an index, lodash by its id


@pytest.mark.parametrize(
    ("package_id", "expected"),
    [
        ("axios@1.14.1", ("axios", "1.14.1")),
        ("@ctrl+tinycolor@4.1.1", ("@ctrl/tinycolor", "4.1.1")),
        ("127.0.0.1+4873+axios@1.14.1", None),  # pnpm 8: the registry host first
        ("@127.0.0.1+4873+tarballs@axios-1.14.1.tgz", None),  # pnpm 8: a tarball URL
        ("https+++host+axios+-+axios-1.14.1.tgz", None),
        ("file+..+axios.tgz", None),
        ("Axios@1.14.1_abcdefghijklmnopqrstuvwxyz", None),  # shortened with a hash
        ("@ctrl+@1.0.0", None),
        ("@1.0.0", None),
    ],
)
def test_pnpm_id_release(package_id: str, expected: tuple[str, str] | None) -> None:
    assert _pnpm_id_release(package_id) == expected


@given(st.text(max_size=120))
def test_pnpm_id_release_reads_back_the_id(package_id: str) -> None:
    release = _pnpm_id_release(package_id)
    if release is not None:
        name, version = release
        assert "+" not in name and f"{name.replace('/', '+')}@{version}" == package_id


AXIOS_INDEX = '{"name":"axios","version":"1.14.1","files":{}}'
TINY_INDEX = '{"name":"@ctrl/tinycolor","version":"4.1.1","files":{}}'


@given(st.text(max_size=200))
def test_cache_key_parsing_never_raises(key: str) -> None:
    slugs = {"axios": ["axios"], "@ctrl-tinycolor": ["@ctrl/tinycolor"]}
    for name, version in cache_key_releases(key, slugs):
        assert isinstance(name, str) and isinstance(version, str)
    berry_zip_releases(key, slugs)


# --- a real npm cache ---------------------------------------------------------------------

NPM = shutil.which("npm")
needs_npm = pytest.mark.skipif(NPM is None, reason="npm is not on PATH")


def _npm(args: list[str], cwd: Path, cache: Path) -> None:
    assert NPM is not None
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(cwd),
        "npm_config_cache": str(cache),
        "npm_config_update_notifier": "false",
        "npm_config_audit": "false",
        "npm_config_fund": "false",
    }
    subprocess.run([NPM, *args], cwd=cwd, env=env, check=True, capture_output=True, timeout=120)


@pytest.fixture
def fixture_tarball(tmp_path: Path) -> Path:
    """``npm pack`` of a fixture package named and versioned like a compromised release."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "package.json").write_text(json.dumps({"name": "@ctrl/tinycolor", "version": "4.1.1"}))
    (src / "index.js").write_text("module.exports = 1;\n")
    _npm(["pack", "--pack-destination", str(tmp_path)], src, tmp_path / "pack-cache")
    tgz = tmp_path / "ctrl-tinycolor-4.1.1.tgz"
    assert tgz.is_file()
    return tgz


@needs_npm
def test_real_npm_cache_add_of_a_local_tarball(
    h: Any, tmp_path: Path, fixture_tarball: Path, no_system: str
) -> None:
    cache = tmp_path / "npm-cache"
    _npm(["cache", "add", str(fixture_tarball), "--offline"], tmp_path, cache)
    ctx = HostContext(
        home=str(tmp_path / "home"),
        os=OperatingSystem.LINUX,
        env={"npm_config_cache": str(cache)},
        system_root=no_system,
    )
    result = run_host_scan(h.STANDARD_RULES, ctx, [])
    (finding,) = result.findings
    assert (finding.type, finding.package, finding.version) == (
        FindingType.CACHED,
        "@ctrl/tinycolor",
        "4.1.1",
    )
    assert finding.path is not None and "/_cacache/index-v5/" in finding.path
    assert result.cache_entries >= 1


class _Registry(http.server.BaseHTTPRequestHandler):
    tarball: bytes = b""
    port: int = 0

    def do_GET(self) -> None:
        if self.path.endswith(".tgz"):
            body, kind = self.tarball, "application/octet-stream"
        elif self.path.strip("/").replace("%2f", "/").replace("%2F", "/") == "@ctrl/tinycolor":
            tarball = f"http://127.0.0.1:{self.port}/@ctrl/tinycolor/-/tinycolor-4.1.1.tgz"
            doc = {
                "name": "@ctrl/tinycolor",
                "dist-tags": {"latest": "4.1.1"},
                "versions": {
                    "4.1.1": {
                        "name": "@ctrl/tinycolor",
                        "version": "4.1.1",
                        "dist": {"tarball": tarball},
                    }
                },
            }
            body, kind = json.dumps(doc).encode(), "application/json"
        else:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def loopback_registry(fixture_tarball: Path) -> Iterator[str]:
    class Handler(_Registry):
        tarball = fixture_tarball.read_bytes()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    Handler.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{Handler.port}/"
    finally:
        server.shutdown()
        server.server_close()


@needs_npm
def test_real_npm_install_from_a_loopback_registry(
    h: Any, tmp_path: Path, loopback_registry: str, no_system: str
) -> None:
    """npm writes the ``make-fetch-happen`` tarball key and a packument key; only the tarball
    key is a finding, and the installed copy is found in the project's node_modules."""
    cache = tmp_path / "npm-cache"
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "package.json").write_text('{"name":"app","version":"1.0.0"}')
    _npm(["install", "@ctrl/tinycolor@4.1.1", "--registry", loopback_registry], proj, cache)
    keys = "".join(
        p.read_text() for p in (cache / "_cacache" / "index-v5").rglob("*") if p.is_file()
    )
    assert "make-fetch-happen:request-cache:" in keys
    ctx = HostContext(
        home=str(tmp_path / "home"),
        os=OperatingSystem.LINUX,
        env={"NPM_CONFIG_CACHE": str(cache)},
        system_root=no_system,
    )
    result = run_host_scan(h.STANDARD_RULES, ctx, [str(proj)])
    got = {(f.type, f.package, f.version) for f in result.findings}
    assert got == {
        (FindingType.CACHED, "@ctrl/tinycolor", "4.1.1"),
        (FindingType.INSTALLED, "@ctrl/tinycolor", "4.1.1"),
    }
    cached = [f for f in result.findings if f.type is FindingType.CACHED]
    assert len(cached) == 1 and "tinycolor-4.1.1.tgz" in cached[0].description


def test_bun_cache_entry_from_another_registry(h: Any, tmp_path: Path) -> None:
    # bun 1.3 (`bun install` with a registry other than registry.npmjs.org, as the red team
    # made it): `<name>@<version>@@<registry host>@@@1`, its `<name>/<version>@@<host>@@@1` link
    cache = tmp_path / "cache"
    real = cache / "axios@1.14.1@@registry.yarnpkg.com@@@1"
    real.mkdir(parents=True)
    (cache / "axios").mkdir()
    (cache / "axios" / "1.14.1@@registry.yarnpkg.com@@@1").symlink_to(real)
    scoped = cache / "@ctrl" / "tinycolor@4.1.1@@npm.example.com:4873@@@1"
    scoped.mkdir(parents=True)
    near = cache / "atrix@1.0.1@@registry.yarnpkg.com@@@1"
    near.mkdir()
    c = collector(h)
    scan_bun_cache(str(cache), c)
    assert h.found(c.findings) == {
        ("cached_package", "R-AXIOS", "axios", "1.14.1", str(real)),
        ("cached_package", "R-TINY", "@ctrl/tinycolor", "4.1.1", str(scoped)),
    }
    assert c.cache_entries == 3


def test_npm_cache_entry_with_a_listed_integrity_hash(h: Any, tmp_path: Path) -> None:
    # npm 11's index lines: a registry tarball key, and `npm cache add ./renamed.tgz` (a
    # `pacote:tarball:file:` key naming no package): both hold the tarball's integrity, the one
    # the rule lists. A deleted entry (integrity null on its last line) is no finding.
    bad = "sha512-" + base64.b64encode(b"\x01" * 64).decode()
    other = "sha512-" + base64.b64encode(b"\x02" * 64).decode()
    rule = msgspec.structs.replace(
        h.make_rule("R-SRI", [("left-pad", "=1.3.0")]), bad_integrity=(bad,)
    )
    cache = tmp_path / "npm"
    named = h.cacache_add(cache, h.tarball_key("is-number", "7.0.0"), integrity=bad)
    renamed = h.cacache_add(cache, "pacote:tarball:file:renamed.tgz", integrity=f"{other} {bad}")
    gone = "pacote:tarball:file:gone.tgz"
    h.cacache_add(cache, gone, integrity=bad)
    deleted = h.cacache_add(cache, gone, integrity=None)
    h.cacache_add(cache, h.tarball_key("left-pad", "1.3.1"), integrity=other)
    c = Collector(build_index((rule,)))
    scan_npm_cache(str(cache), c)
    assert {(f.package, f.version, f.path, f.match.value) for f in c.findings} == {
        ("is-number", "7.0.0", str(named), "integrity"),
        (None, None, str(renamed), "integrity"),
    }
    assert str(deleted) not in {f.path for f in c.findings}


def test_a_rule_with_only_integrity_hashes_scans_the_caches(
    h: Any, tmp_path: Path, no_system: str
) -> None:
    bad = "sha512-" + base64.b64encode(b"\x01" * 64).decode()
    rule = msgspec.structs.replace(h.make_rule("R-SRI"), bad_integrity=(bad,))
    home = tmp_path / "home"
    bucket = h.cacache_add(home / ".npm", h.tarball_key("is-number", "7.0.0"), integrity=bad)
    ctx = HostContext(home=str(home), os=OperatingSystem.LINUX, system_root=no_system)
    (finding,) = run_host_scan([rule], ctx, []).findings
    assert (finding.rule_id, finding.path, finding.matched_expression) == (
        "R-SRI",
        str(bucket),
        bad,
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # escaped as the registry decodes it (caches.tarball_url_release left the file escaped
        # and refused an escaped scope in GitLab's file name: a second reader of these URLs)
        ("https://registry.npmjs.org/ms/-/ms-2.1.3%2Bb.tgz", ("ms", "2.1.3+b")),
        ("https://gitlab.example/npm/@s%2fn/-/@s%2fn-1.0.0.tgz", ("@s/n", "1.0.0")),
        # dot segments, resolved as npm, pnpm, yarn and bun fetch them (decision 0030)
        ("https://registry.npmjs.org/ms/-/./ms-2.1.3.tgz", ("ms", "2.1.3")),
        ("https://registry.npmjs.org/ms/-/ms-2.1.2.tgz/../ms-2.1.3.tgz", ("ms", "2.1.3")),
        # a registry serves tarballs over http(s) only
        ("git+https://host.example/ms/-/ms-2.1.3.tgz", None),
    ],
)
def test_a_cache_key_url_is_read_as_a_lockfile_url_is(
    url: str, expected: tuple[str, str] | None
) -> None:
    """One reader of registry tarball URLs (decision 0106): a cache key's URL names the release
    a lockfile's ``resolved`` of that URL names."""
    from gouvernante.lockfiles._tarball_url import registry_identity

    assert tarball_url_release(url) == expected
    assert registry_identity(url) == expected
