"""Rules' integrity hashes against the pnpm store index and yarn classic's cache, as the npm
cache already is: an entry holding a tarball a rule lists by content is a finding whatever
its name and version."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path
from typing import Any

import msgspec

from gouvernante.host.caches import scan_pnpm_store, scan_yarn_classic_cache
from gouvernante.host.reader import Collector
from gouvernante.rules.index import build_index

# is-number 7.0.0's tarball, as the registry lists it (dist.integrity, dist.shasum)
SHA512 = "sha512-41Cifkg6e8TylSpdtTpeLVMqvSBEVzTttHvERD741+pnZ8ANv0004MRL43QKPDlK9cGvNp6NZWZUBlbGXYxxng=="  # noqa: E501
SHA1_HEX = "7535345b896734d5f80c4d06c50955527a14f12b"
SHA1 = "sha1-" + base64.b64encode(bytes.fromhex(SHA1_HEX)).decode()
HEX = base64.b64decode(SHA512.partition("-")[2]).hex()
FIXTURE = Path(__file__).parent / "fixtures" / "pnpm11-store"


def collector(h: Any, sri: str = SHA512) -> Collector:
    # the rule names another package: only the integrity can match
    rule = msgspec.structs.replace(
        h.make_rule("R-SRI", [("left-pad", "=1.3.0")]), bad_integrity=(sri,)
    )
    return Collector(build_index((rule,)))


def found(c: Collector) -> set[tuple[str | None, str | None, str | None, str]]:
    return {(f.package, f.version, f.path, f.match.value) for f in c.findings}


def test_pnpm_9_and_10_index_files_named_by_a_listed_integrity(h: Any, tmp_path: Path) -> None:
    store = tmp_path / "store"
    # pnpm 9.15.9: v3/files/<hex[:2]>/<hex[2:]>-index.json, the release first in the file
    v3 = store / "v3" / "files" / HEX[:2] / f"{HEX[2:]}-index.json"
    v3.parent.mkdir(parents=True)
    v3.write_text('{"name":"renamed","version":"1.0.0","files":{}}')
    # pnpm 10.34.9: v10/index/<hex[:2]>/<hex[2:64]>-<package id>.json
    v10 = store / "v10" / "index" / HEX[:2] / f"{HEX[2:64]}-is-number@7.0.0.json"
    v10.parent.mkdir(parents=True)
    v10.write_text('{"name":"is-number","version":"7.0.0","files":{}}')
    other = store / "v10" / "index" / "00" / f"{'1' * 62}-is-number@7.0.0.json"
    other.parent.mkdir(parents=True)
    other.write_text('{"name":"is-number","version":"7.0.0","files":{}}')
    c = collector(h)
    scan_pnpm_store(str(store), c)
    assert found(c) == {
        ("renamed", "1.0.0", str(v3), "integrity"),
        ("is-number", "7.0.0", str(v10), "integrity"),
    }


def test_pnpm_11_sqlite_key_holding_a_listed_integrity(h: Any, tmp_path: Path) -> None:
    # pnpm 12.24.0's v11/index.db (the fixture): key `<integrity>\tis-number@7.0.0`
    v11 = tmp_path / "store" / "v11"
    v11.mkdir(parents=True)
    for name in ("index.db", "index.db-wal"):
        shutil.copy(FIXTURE / name, v11 / name)
    c = collector(h)
    scan_pnpm_store(str(v11.parent), c)
    assert found(c) == {("is-number", "7.0.0", str(v11 / "index.db"), "integrity")}


def test_yarn_classic_entry_holding_a_listed_integrity(h: Any, tmp_path: Path) -> None:
    # yarn 1.22.22's entry for is-number 7.0.0 (from the npm registry), renamed to hide it
    cache = tmp_path / "v6"
    pkg = cache / f"npm-innocent-1.0.0-{SHA1_HEX}-integrity" / "node_modules" / "innocent"
    h.write_package(pkg, "innocent", "1.0.0")
    meta = {
        "manifest": {"name": "innocent", "version": "1.0.0"},
        "remote": {"integrity": SHA512, "cacheIntegrity": f"{SHA512} {SHA1}", "hash": SHA1_HEX},
    }
    (pkg / ".yarn-metadata.json").write_text(json.dumps(meta))
    clean = cache / f"npm-left-pad-1.3.1-{'a' * 40}-integrity" / "node_modules" / "left-pad"
    h.write_package(clean, "left-pad", "1.3.1")
    (clean / ".yarn-metadata.json").write_text(json.dumps({"remote": {"integrity": "sha512-AAAA"}}))
    for sri in (SHA512, SHA1):
        c = collector(h, sri)
        scan_yarn_classic_cache(str(cache), c)
        assert found(c) == {("innocent", "1.0.0", str(pkg), "integrity")}
