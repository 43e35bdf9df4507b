"""Payload hashes without a path (``file_hashes``): installed trees, global installs, yarn berry
zips, npm cache tarballs and the pnpm store, each file hashed once.

The package is harmless: two files whose SHA-256 a test rule lists. Its npm tarball, project
install, global install and npm cache are made by real npm at test time (offline, from a local
tarball); the yarn berry zip was made by real yarn 4 (``fixtures/payloads/generate.sh``), the
pnpm store by real pnpm 10 (``fixtures/payloads/generate_pnpm.py``), the store of packages with no
integrity by real pnpm 9 and 10 (``fixtures/payloads/generate_pnpm_nointegrity.py``).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from gouvernante.fs import digest as digest_module
from gouvernante.fs.digest import ArchiveLimits, ContentHasher, is_candidate
from gouvernante.fs.read import read_small
from gouvernante.host import msgpackr
from gouvernante.host import reader as reader_module
from gouvernante.host.checks import run_host_scan, run_payload_scan
from gouvernante.host.context import HostContext
from gouvernante.host.payloads import PayloadScanner
from gouvernante.host.sqlite_image import apply_log, open_image
from gouvernante.model import FindingType, MatchKind
from gouvernante.pipeline import ScanRequest, run_scan
from gouvernante.rules.loader import load_rules
from gouvernante.rules.model import ContentHash, OperatingSystem, PackageRule, Rule, RuleKind
from gouvernante.rules.ruleset import RuleSet
from gouvernante.vocab import Severity

FIXTURES = Path(__file__).parent / "fixtures" / "payloads"
BERRY_ZIP = next((FIXTURES / "berry-cache").glob("payload-demo-*.zip"))
# The same bytes generate.sh writes.
BUNDLE = b'/* gouvernante test payload: harmless */\nconsole.log("bundle");\n'
SETUP = b'#!/bin/sh\necho "gouvernante test payload: harmless"\n'
BUNDLE_SHA = hashlib.sha256(BUNDLE).hexdigest()
SETUP_SHA = hashlib.sha256(SETUP).hexdigest()
BUNDLE_SHA512 = hashlib.sha512(BUNDLE).hexdigest()  # the pnpm store's file names
SETUP_SHA512 = hashlib.sha512(SETUP).hexdigest()

NPM = shutil.which("npm")
needs_npm = pytest.mark.skipif(NPM is None, reason="npm is not on PATH")


def hash_rule(rule_id: str = "R-HASH") -> Rule:
    return Rule(
        id=rule_id,
        title="payload files",
        kind=RuleKind.MALICIOUS_PACKAGE,
        ecosystem="npm",
        severity=Severity.CRITICAL,
        package_rules=(),
        source="test.json",
        file_hashes=(
            ContentHash(BUNDLE_SHA, notes="bundle.js"),
            ContentHash(SETUP_SHA, notes="setup_bun"),
        ),
    )


def naming_rule(package: str = "payload-demo") -> Rule:
    """Names the package (a version no test installs): its cached tarballs get opened."""
    return Rule(
        id="R-NAME",
        title=f"names {package}",
        kind=RuleKind.COMPROMISED_RELEASE,
        ecosystem="npm",
        severity=Severity.HIGH,
        package_rules=(PackageRule(package, ("=9.9.9",), frozenset()),),
        source="test.json",
    )


def write_payload_package(folder: Path) -> Path:
    (folder / "dist").mkdir(parents=True, exist_ok=True)
    (folder / "package.json").write_text(
        '{"name":"payload-demo","version":"1.0.0","main":"index.js"}\n'
    )
    (folder / "index.js").write_text("module.exports = 1;\n")
    (folder / "dist" / "bundle.js").write_bytes(BUNDLE)
    (folder / "setup_bun").write_bytes(SETUP)
    return folder


def _npm(args: list[str], cwd: Path, home: Path) -> None:
    assert NPM is not None
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "npm_config_cache": str(home / "npm-cache"),
        "npm_config_update_notifier": "false",
        "npm_config_audit": "false",
        "npm_config_fund": "false",
        "npm_config_ignore_scripts": "true",
    }
    subprocess.run([NPM, *args], cwd=cwd, env=env, check=True, capture_output=True, timeout=120)


@pytest.fixture
def tarball(tmp_path: Path) -> Path:
    src = write_payload_package(tmp_path / "src")
    _npm(["pack", "--pack-destination", str(tmp_path)], src, tmp_path / "pack-home")
    tgz = tmp_path / "payload-demo-1.0.0.tgz"
    assert tgz.is_file()
    return tgz


def _ctx(tmp_path: Path, no_system: str, **env: str) -> HostContext:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return HostContext(home=str(home), os=OperatingSystem.LINUX, env=env, system_root=no_system)


def _hash_hits(findings: Any) -> set[tuple[FindingType, str, str | None, str]]:
    out = set()
    for f in findings:
        if f.match is MatchKind.HASH:
            assert f.hashes and f.hashes[0].matched and f.hashes[0].algorithm == "sha256"
            out.add((f.type, f.rule_id, f.package, f.path))
    return out


@needs_npm
def test_real_npm_project_install(tmp_path: Path, tarball: Path, no_system: str) -> None:
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "package.json").write_text('{"name":"app","version":"1.0.0"}')
    _npm(["install", str(tarball), "--offline"], proj, tmp_path / "npm-home")
    pkg = proj / "node_modules" / "payload-demo"
    result = run_host_scan([hash_rule()], _ctx(tmp_path, no_system), [str(proj)])
    assert _hash_hits(result.findings) == {
        (FindingType.INSTALLED, "R-HASH", "payload-demo", str(pkg / "dist" / "bundle.js")),
        (FindingType.INSTALLED, "R-HASH", "payload-demo", str(pkg / "setup_bun")),
    }
    finding = next(f for f in result.findings if f.path and f.path.endswith("bundle.js"))
    assert finding.version == "1.0.0" and finding.severity is Severity.CRITICAL
    assert "payload named by R-HASH" in finding.description
    assert result.errors == ()
    assert any("content hashes: 3 files" in n.message for n in result.notes)


@needs_npm
def test_real_npm_global_install(tmp_path: Path, tarball: Path, no_system: str) -> None:
    prefix = tmp_path / "prefix"
    _npm(["install", "-g", str(tarball), "--offline", "--prefix", str(prefix)], tmp_path, tmp_path)
    ctx = _ctx(tmp_path, no_system, NPM_CONFIG_PREFIX=str(prefix))
    result = run_host_scan([hash_rule()], ctx, [])
    pkg = prefix / "lib" / "node_modules" / "payload-demo"
    assert _hash_hits(result.findings) == {
        (FindingType.INSTALLED, "R-HASH", "payload-demo", str(pkg / "dist" / "bundle.js")),
        (FindingType.INSTALLED, "R-HASH", "payload-demo", str(pkg / "setup_bun")),
    }
    assert "npm global prefix" in next(iter(result.findings)).description


def test_real_yarn_berry_zip_project_and_global_cache(tmp_path: Path, no_system: str) -> None:
    proj = tmp_path / "proj"
    (proj / ".yarn" / "cache").mkdir(parents=True)
    shutil.copy(BERRY_ZIP, proj / ".yarn" / "cache" / BERRY_ZIP.name)
    home = tmp_path / "home"
    (home / ".yarn" / "berry" / "cache").mkdir(parents=True)
    global_zip = home / ".yarn" / "berry" / "cache" / BERRY_ZIP.name
    shutil.copy(BERRY_ZIP, global_zip)
    result = run_host_scan([hash_rule()], _ctx(tmp_path, no_system), [str(proj)])
    member = "!/node_modules/payload-demo/dist/bundle.js"
    hits = _hash_hits(result.findings)
    assert (
        FindingType.CACHED,
        "R-HASH",
        "payload-demo",
        str(proj / ".yarn" / "cache" / BERRY_ZIP.name) + member,
    ) in hits
    assert (FindingType.CACHED, "R-HASH", "payload-demo", str(global_zip) + member) in hits
    assert len(hits) == 4  # bundle.js and setup_bun, in both copies
    # a file: zip has no version in its name: read from the package.json inside
    assert {f.version for f in result.findings if f.match is MatchKind.HASH} == {"1.0.0"}
    assert result.errors == ()


@needs_npm
def test_real_npm_cache_tarball_of_a_named_package(
    tmp_path: Path, tarball: Path, no_system: str
) -> None:
    cache = tmp_path / "npm-cache"
    env = {"npm_config_cache": str(cache)}
    _npm(["cache", "add", str(tarball), "--offline", "--cache", str(cache)], tmp_path, tmp_path)
    ctx = _ctx(tmp_path, no_system, **env)
    # No rule names payload-demo: its cached tarball is not opened.
    alone = run_host_scan([hash_rule()], ctx, [])
    assert _hash_hits(alone.findings) == set()
    named = run_host_scan([hash_rule(), naming_rule()], ctx, [])
    hits = _hash_hits(named.findings)
    assert {p.rpartition("!/")[2] for _, _, _, p in hits} == {
        "package/dist/bundle.js",
        "package/setup_bun",
    }
    assert all("/_cacache/content-v2/sha512/" in p for _, _, _, p in hits)
    assert {(t, r, n) for t, r, n, _ in hits} == {(FindingType.CACHED, "R-HASH", "payload-demo")}
    assert named.errors == ()


def test_real_pnpm_store_of_a_named_package(tmp_path: Path, no_system: str) -> None:
    """pnpm 10's store (fixtures/payloads/generate_pnpm.py): the index file of a rule-named
    package lists its files; their content-addressed copies are hashed."""
    home = tmp_path / "home"
    shutil.copytree(FIXTURES / "pnpm-store", home / ".pnpm-store")
    ctx = _ctx(tmp_path, no_system)
    assert _hash_hits(run_host_scan([hash_rule()], ctx, []).findings) == set()
    result = run_host_scan([hash_rule(), naming_rule()], ctx, [])
    hits = _hash_hits(result.findings)
    files = home / ".pnpm-store" / "v10" / "files"
    assert {p for _, _, _, p in hits} == {
        str(files / BUNDLE_SHA512[:2] / BUNDLE_SHA512[2:]),
        str(files / SETUP_SHA512[:2] / SETUP_SHA512[2:]),
    }
    assert {(t, n) for t, _, n, _ in hits} == {(FindingType.CACHED, "payload-demo")}
    bundle = next(f for f in result.findings if f.path and BUNDLE_SHA512[2:] in f.path)
    assert "the pnpm store's copy of dist/bundle.js" in bundle.description
    assert bundle.version == "1.0.0" and result.errors == ()


def test_pnpm_11_store_files_of_a_named_package_are_hashed(tmp_path: Path, no_system: str) -> None:
    """pnpm 11+ lists a package's files in its ``index.db`` row (a hex ``digest`` per file,
    ``algo`` sha512) instead of an index file; the store keeps them at the same content-addressed
    places. They were not hashed: a payload in the store of a rule-named package read CLEAN.
    The index is pnpm 12.24.0's (fixtures/pnpm11-store/generate.sh); the content file of ms
    2.1.3's index.js is replaced by the test payload."""
    fixture = Path(__file__).parent / "fixtures" / "pnpm11-store"
    v11 = tmp_path / "home" / ".pnpm-store" / "v11"
    v11.mkdir(parents=True)
    for name in ("index.db", "index.db-wal"):
        shutil.copyfile(fixture / name, v11 / name)
    image = apply_log((v11 / "index.db").read_bytes(), (v11 / "index.db-wal").read_bytes())
    conn = open_image(image)
    try:
        rows: list[Any] = [
            msgpackr.unpack(data)
            for _key, data in conn.execute("SELECT key, data FROM package_index")
        ]
    finally:
        conn.close()
    ms = next(r for r in rows if r["manifest"]["name"] == "ms")
    digest = ms["files"]["index.js"]["digest"]
    content = v11 / "files" / digest[:2] / digest[2:]
    content.parent.mkdir(parents=True)
    content.write_bytes(BUNDLE)
    ctx = _ctx(tmp_path, no_system)
    assert _hash_hits(run_host_scan([hash_rule()], ctx, []).findings) == set()
    result = run_host_scan([hash_rule(), naming_rule("ms")], ctx, [])
    assert _hash_hits(result.findings) == {(FindingType.CACHED, "R-HASH", "ms", str(content))}
    hit = next(f for f in result.findings if f.match is MatchKind.HASH)
    assert "the pnpm store's copy of index.js" in hit.description and hit.version == "2.1.3"


NOINTEG_STORE = FIXTURES / "pnpm-store-nointegrity"  # generate_pnpm_nointegrity.py


def nointeg_rule() -> Rule:
    """Names the cached releases of packages pnpm stored with no integrity."""
    return Rule(
        id="R-NOINTEG",
        title="names packages cached with no integrity",
        kind=RuleKind.COMPROMISED_RELEASE,
        ecosystem="npm",
        severity=Severity.HIGH,
        package_rules=(
            PackageRule("@demo/payload-nointeg", ("=2.0.0",), frozenset()),
            PackageRule("url-payload", ("=3.0.0",), frozenset()),
            PackageRule("git-payload", ("=4.0.0",), frozenset()),
        ),
        source="test.json",
    )


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int | None]]:
    """(path, head) of each read of the host collector (the pnpm store's index files among
    them)."""
    reads: list[tuple[str, int | None]] = []
    real = read_small

    def counting(path: str, cap: int, head: int | None = None) -> Any:
        reads.append((path, head))
        return real(path, cap, head)

    monkeypatch.setattr(reader_module, "read_small", counting)
    return reads


def test_real_pnpm_store_of_packages_with_no_integrity(
    tmp_path: Path, no_system: str, opened: list[tuple[str, int | None]]
) -> None:
    """pnpm 8, 9 and 10 (fixtures/payloads/generate_pnpm_nointegrity.py) file the index of a
    package with no integrity as ``vN/<package id>/integrity-not-built.json``: the rule-named
    scoped package and those installed from a tarball URL and a git repository are cached
    findings in each store, and their payload files are found. pnpm 9-10 ids
    ``<name, / as +>@<version>`` name the package: ``other-nointeg``'s (no rule names it; it
    holds the same files) is never opened. pnpm 8's ids start with the registry host, and a
    URL's or a repository's name no package: only the first KiB of those is read (pnpm 8's index
    of the URL's package has no name either: the store's copy of the package.json it lists
    names it)."""
    store = tmp_path / "home" / ".pnpm-store"
    shutil.copytree(NOINTEG_STORE, store)
    result = run_host_scan([hash_rule(), nointeg_rule()], _ctx(tmp_path, no_system), [])
    assert result.errors == ()
    versions = {
        (f.type, f.package, f.version, os.path.relpath(f.path or "", store))
        for f in result.findings
        if f.match is not MatchKind.HASH
    }
    expected = set()
    for index in store.glob("v*/*/integrity-not-built.json"):
        package_id = index.parent.name
        if "other-nointeg" not in package_id:
            name, version = next(
                release
                for key, release in (
                    ("payload-nointeg", ("@demo/payload-nointeg", "2.0.0")),
                    ("url-payload", ("url-payload", "3.0.0")),
                    ("git-payload", ("git-payload", "4.0.0")),
                )
                if key in package_id
            )
            expected.add((FindingType.CACHED, name, version, str(index.relative_to(store))))
    assert len(expected) == 8  # pnpm 8 and 9 share v3; pnpm 8 installed no git dependency
    assert versions == expected
    hits = _hash_hits(result.findings)
    assert {(t, n) for t, _, n, _ in hits} == {
        (FindingType.CACHED, "@demo/payload-nointeg"),
        (FindingType.CACHED, "url-payload"),
        (FindingType.CACHED, "git-payload"),
    }
    assert {os.path.relpath(p, store) for _, _, _, p in hits} == {
        f"{v}/files/{sha[:2]}/{sha[2:]}"
        for v in ("v3", "v10")
        for sha in (BUNDLE_SHA512, SETUP_SHA512)
    }
    other = [(Path(p).parent.name, head) for p, head in opened if "other-nointeg" in p]
    assert other and all(pid.startswith("127.0.0.1+") and head == 1024 for pid, head in other)


def test_pnpm_index_with_no_name_takes_the_path_s(tmp_path: Path, no_system: str) -> None:
    """An index file that carries no name is the release its folder names; one naming another
    package is matched as both (the folder is pnpm's id, from the registry's document; the
    index's name is the tarball's package.json's: decision 0078)."""
    store = tmp_path / "home" / ".pnpm-store" / "v3"
    plain = store / "@demo+payload-nointeg@2.0.0" / "integrity.json"
    plain.parent.mkdir(parents=True)
    plain.write_text('{"files":{}}')
    other = store / "url-payload@3.0.0" / "integrity-not-built.json"
    other.parent.mkdir(parents=True)
    other.write_text('{"name":"someone-else","version":"3.0.0","files":{}}')
    result = run_host_scan([nointeg_rule()], _ctx(tmp_path, no_system), [])
    assert [(f.package, f.version, f.path) for f in result.findings] == [
        ("@demo/payload-nointeg", "2.0.0", str(plain)),
        ("url-payload", "3.0.0", str(other)),
    ]
    assert result.errors == ()


def test_heuristic_alone_checks_the_project_trees(tmp_path: Path) -> None:
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "package.json").write_text('{"name":"app","version":"1.0.0"}')
    write_payload_package(proj / "node_modules" / "payload-demo")
    (proj / ".yarn" / "cache").mkdir(parents=True)
    shutil.copy(BERRY_ZIP, proj / ".yarn" / "cache" / BERRY_ZIP.name)
    result = run_scan(
        ScanRequest(directory=str(proj), heuristic=True, workers=1),
        RuleSet((hash_rule(),), ("test.json",)),
    )
    hits = _hash_hits(result.findings)
    assert len(hits) == 4
    assert {t for t, _, _, _ in hits} == {FindingType.INSTALLED, FindingType.CACHED}
    assert any(n.path == "-heuristic" and "content hashes" in n.message for n in result.notes)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Counts SHA-256 objects made by fs.digest: one per file or member hashed."""
    calls: list[int] = []
    real = hashlib.sha256

    def counting(*args: Any) -> Any:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(digest_module, "_sha256", counting)
    yield calls


def test_nothing_is_hashed_twice(tmp_path: Path, no_system: str, counted: list[int]) -> None:
    """A hard-linked file in two packages (pnpm's store), a global install reached through two
    configured names, a project under another project and the same zip met twice: one hash each."""
    proj = tmp_path / "proj"
    first = write_payload_package(proj / "node_modules" / "payload-demo")
    second = proj / "node_modules" / "other" / "dist"
    second.mkdir(parents=True)
    (proj / "node_modules" / "other" / "package.json").write_text(
        '{"name":"other","version":"2.0.0"}'
    )
    os.link(first / "dist" / "bundle.js", second / "bundle.js")
    (proj / ".yarn" / "cache").mkdir(parents=True)
    shutil.copy(BERRY_ZIP, proj / ".yarn" / "cache" / BERRY_ZIP.name)
    prefix = tmp_path / "prefix"
    write_payload_package(prefix / "lib" / "node_modules" / "payload-demo")
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / ".npmrc").write_text(f"prefix={prefix}\n")
    ctx = _ctx(
        tmp_path,
        no_system,
        NPM_CONFIG_PREFIX=str(prefix),
        YARN_CACHE_FOLDER=str(proj / ".yarn" / "cache"),  # the project's zips, met again
    )
    result = run_host_scan([hash_rule()], ctx, [str(proj), str(proj / "node_modules" / "other")])
    # Candidates: the project's index.js, bundle.js (linked twice), setup_bun; the prefix's three;
    # the zip's three members. package.json files are no candidates.
    assert len(counted) == 3 + 3 + 3
    assert len(_hash_hits(result.findings)) == 2 + 1 + 2 + 2


def test_a_folder_met_again_is_not_listed_again(tmp_path: Path, counted: list[int]) -> None:
    pkg = write_payload_package(tmp_path / "node_modules" / "payload-demo")
    scanner = PayloadScanner([hash_rule()])
    for where in ("first", "second"):
        scanner.package_dir(str(pkg), "payload-demo", "1.0.0", FindingType.INSTALLED, where)
    assert len(counted) == 3 and scanner.folders_again == 1
    assert len(scanner.findings) == 2
    assert "1 package folders met again" in scanner.summary("-host").message


@pytest.mark.parametrize("host", [True, False])
def test_heuristic_reads_are_hashed_once(
    tmp_path: Path, no_system: str, counted: list[int], monkeypatch: pytest.MonkeyPatch, host: bool
) -> None:
    """-heuristic hashes the code files it reads whole; the payload pass (-host's, or its own)
    reads only the rest: here a 3 MiB bundle the heuristic samples (head and tail)."""
    from gouvernante.heuristic import files as heuristic_files

    real = hashlib.sha256
    in_heuristic: list[int] = []

    def counting(*args: Any) -> Any:
        in_heuristic.append(1)
        return real(*args)

    monkeypatch.setattr(heuristic_files, "_sha256", counting)
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "package.json").write_text('{"name":"app","version":"1.0.0"}')
    pkg = write_payload_package(proj / "node_modules" / "payload-demo")
    big = b"/* big */" + b"x" * (3 << 20)
    (pkg / "dist" / "big.js").write_bytes(big)
    rule = hash_rule()
    rule = msgspec.structs.replace(
        rule, file_hashes=(*rule.file_hashes, ContentHash(hashlib.sha256(big).hexdigest()))
    )
    request = ScanRequest(directory=str(proj), heuristic=True, host=host, workers=1)
    result = run_scan(request, RuleSet((rule,), ("t.json",)), _ctx(tmp_path, no_system))
    assert (len(in_heuristic), len(counted)) == (3, 1)  # index.js, bundle.js, setup_bun; big.js
    assert {p.rpartition("/")[2] for _, _, _, p in _hash_hits(result.findings)} == {
        "bundle.js",
        "setup_bun",
        "big.js",
    }
    (summary,) = [n for n in result.notes if "content hashes" in n.message]
    assert summary.path == ("-host" if host else "-heuristic")
    assert "content hashes: 1 files (3072 KB)" in summary.message
    assert "3 hashed by -heuristic as it read them" in summary.message


def test_candidates_and_bounds(tmp_path: Path) -> None:
    assert is_candidate("bundle.js") and is_candidate("setup_bun") and is_candidate("x.node")
    assert not is_candidate("index.d.ts") and not is_candidate("a.js.map")
    assert not is_candidate("package.json") and not is_candidate("README.md")
    pkg = write_payload_package(tmp_path / "node_modules" / "payload-demo")
    (pkg / "dist" / "link.js").symlink_to(pkg / "dist" / "bundle.js")
    big = pkg / "big.js"
    big.write_bytes(b"x" * 200)
    scanner = PayloadScanner([hash_rule()], ContentHasher(cap=100))
    scanner.package_dir(str(pkg), "payload-demo", "1.0.0", FindingType.INSTALLED, "here")
    assert {f.path for f in scanner.findings} == {
        str(pkg / "dist" / "bundle.js"),
        str(pkg / "setup_bun"),
    }  # the symlink is not followed
    stats = scanner.hasher.stats
    assert (stats.files, stats.over_cap) == (3, 1)


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _tgz(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


SECRET = b"SECRET-BYTES-NEVER-SHOWN"


@pytest.mark.parametrize(
    ("name", "data", "limits", "expected"),
    [
        ("bomb.zip", _zip({"n/a.js": b"\0" * (80 << 20)}), ArchiveLimits(), "zip bomb"),
        (
            "many.zip",
            _zip({f"n/{i}.js": SECRET for i in range(20)}),
            ArchiveLimits(max_members=10),
            "more than 10 zip members",
        ),
        ("junk.zip", SECRET * 10, ArchiveLimits(), "not a readable zip archive"),
        (
            "total.zip",
            _zip({f"n/{i}.js": SECRET * 100 for i in range(5)}),
            ArchiveLimits(max_total_bytes=5000),
            "MiB uncompressed",
        ),
        (
            "budget.tgz",
            _tgz({"package/a.js": SECRET * 1000}),
            ArchiveLimits(max_total_bytes=4096),
            "MiB uncompressed",
        ),
        # not gzip: read as a plain tar, as node-tar (npm 11) reads it (0097)
        ("junk.tgz", SECRET * 10, ArchiveLimits(), "not a readable tarball"),
        (
            "cut.tgz",
            _tgz({"package/a.js": SECRET * 1000})[:100],
            ArchiveLimits(),
            "not a readable gzipped tarball",
        ),
    ],
)
def test_hostile_archives_are_refused_by_name(
    tmp_path: Path, name: str, data: bytes, limits: ArchiveLimits, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    scanner = PayloadScanner([hash_rule()], ContentHasher(limits=limits))
    if name.endswith(".zip"):
        scanner.zip_archive(str(path), "here")
    else:
        scanner.tarball(str(path), "payload-demo", "1.0.0", "here")
    (error,) = scanner.errors
    assert error.path == str(path)
    assert expected in error.message
    assert "SECRET" not in error.message
    assert scanner.findings == []


def test_crc_damage_names_the_member_by_position(tmp_path: Path) -> None:
    data = bytearray(
        zipfile_stored({"node_modules/x/a.js": b"a" * 100, "node_modules/x/b.js": BUNDLE})
    )
    at = data.index(BUNDLE)
    data[at] ^= 0xFF
    path = tmp_path / "crc.zip"
    path.write_bytes(bytes(data))
    scanner = PayloadScanner([hash_rule()])
    scanner.zip_archive(str(path), "here")
    (error,) = scanner.errors
    assert error.message == "zip member #1 cannot be read (BadZipFile)"


def zipfile_stored(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_heuristic_only_without_hashes_does_nothing(tmp_path: Path) -> None:
    result = run_payload_scan([naming_rule()], [str(tmp_path)])
    assert (result.findings, result.errors, result.notes) == ((), (), ())


def test_rule_file_round_trip(tmp_path: Path) -> None:
    """A rule file with file_hashes, loaded strictly, finds the payload (the documented form)."""
    rules_file = tmp_path / "r.json"
    doc = {
        "schema_version": "1.0.0",
        "rules": [
            {
                "id": "R-FILE",
                "title": "payload",
                "kind": "malicious-package",
                "ecosystem": "npm",
                "severity": "high",
                "package_rules": [],
                "file_hashes": [{"algorithm": "sha256", "value": BUNDLE_SHA.upper()}],
            }
        ],
    }
    rules_file.write_text(json.dumps(doc))
    ruleset = load_rules([str(rules_file)])
    write_payload_package(tmp_path / "proj" / "node_modules" / "payload-demo")
    result = run_payload_scan(ruleset.rules, [str(tmp_path / "proj")])
    (finding,) = result.findings
    assert finding.rule_id == "R-FILE" and finding.severity is Severity.HIGH


def test_every_report_format_names_the_archive_member(tmp_path: Path) -> None:
    from gouvernante.report import ReportFormat, render

    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "package.json").write_text('{"name":"app","version":"1.0.0"}')
    (proj / ".yarn" / "cache").mkdir(parents=True)
    shutil.copy(BERRY_ZIP, proj / ".yarn" / "cache" / BERRY_ZIP.name)
    result = run_scan(
        ScanRequest(directory=str(proj), heuristic=True, workers=1),
        RuleSet((hash_rule(),), ("test.json",)),
    )
    assert len(_hash_hits(result.findings)) == 2
    member = f"{BERRY_ZIP.name}!/node_modules/payload-demo/dist/bundle.js"
    for fmt in ReportFormat:
        text = render(result, fmt)
        if fmt is ReportFormat.MARKDOWN:  # cells are cut at 160 characters
            assert ".zip!/node_modules/payload-demo/" in text
        else:
            assert member in text, fmt
        if fmt in (ReportFormat.TEXT, ReportFormat.JSON, ReportFormat.SARIF):
            assert BUNDLE_SHA in text, fmt
    sarif = json.loads(render(result, ReportFormat.SARIF))
    (run,) = sarif["runs"]
    assert {r["ruleId"] for r in run["results"]} == {"R-HASH"}
