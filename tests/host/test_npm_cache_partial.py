"""npm's cache with an index that still has lines but none naming a tarball that npm installs
from ``content-v2`` by a lockfile's integrity (npm 11.19.1, ``npm ci --offline``; decision 0097):
the buckets of ms 2.1.3's tarball and of its registry document deleted, is-number's kept. Every
blob no index line accounts for is read to its package.json: a gzip tarball, a plain tar and a
zstd one (node-tar 7.5 reads all three; zstd with node 22.15+). The fixture and what npm
installs from each state: fixtures/npm-cache-partial/generate.sh."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import shutil
import tarfile
from pathlib import Path
from typing import Any

import msgspec
import pytest
import zstandard

from gouvernante.fs import digest
from gouvernante.host import caches
from gouvernante.host.caches import scan_npm_cache
from gouvernante.host.payloads import PayloadScanner
from gouvernante.host.reader import Collector
from gouvernante.rules.index import build_index
from gouvernante.rules.model import ContentHash

FIXTURE = Path(__file__).parent / "fixtures" / "npm-cache-partial"
REGISTRY = "make-fetch-happen:request-cache:https://registry.npmjs.org/"
TGZ_KEY = REGISTRY + "ms/-/ms-2.1.3.tgz"
SRI = json.loads((FIXTURE / "package-lock.json").read_text())["packages"]["node_modules/ms"][
    "integrity"
]


def _bucket(key: str) -> str:
    sha = hashlib.sha256(key.encode()).hexdigest()
    return f"_cacache/index-v5/{sha[:2]}/{sha[2:4]}/{sha[4:]}"


def _blob(digest: bytes) -> str:
    hexd = digest.hex()
    return f"_cacache/content-v2/sha512/{hexd[:2]}/{hexd[2:4]}/{hexd[4:]}"


TGZ = _blob(base64.b64decode(SRI[len("sha512-") :]))


def _cache(tmp_path: Path, *, tarball_bucket: bool = False, form: str = "gzip") -> Path:
    """The fixture with ms's registry document's bucket deleted, and its tarball's unless
    ``tarball_bucket``; ``form``: the tarball as npm cached it (gzip), or un-gzipped (tar), or
    that tar compressed by zstd, at the content-v2 path of its own sha512 (``_ms_blob``)."""
    cache = tmp_path / "npm-cache"
    shutil.copytree(FIXTURE / "cache", cache)
    (cache / _bucket(REGISTRY + "ms")).unlink()
    if not tarball_bucket:
        (cache / _bucket(TGZ_KEY)).unlink()
    if form != "gzip":
        tar = gzip.decompress((cache / TGZ).read_bytes())
        data = tar if form == "tar" else zstandard.ZstdCompressor().compress(tar)
        (cache / TGZ).unlink()
        blob = cache / _blob(hashlib.sha512(data).digest())
        blob.parent.mkdir(parents=True, exist_ok=True)
        blob.write_bytes(data)
        (cache / "ms-blob").write_text(str(blob.relative_to(cache)))
    return cache


def _ms_blob(cache: Path) -> Path:
    named = cache / "ms-blob"
    return cache / (named.read_text() if named.exists() else TGZ)


def _scan(h: Any, cache: Path, *rules: tuple[str, str]) -> Collector:
    c = Collector(build_index(tuple(h.make_rule(f"R{i}", [r]) for i, r in enumerate(rules))))
    scan_npm_cache(str(cache), c)
    return c


@pytest.mark.parametrize("form", ["gzip", "tar", "zstd"])
def test_a_tarball_no_index_line_names_is_read_when_the_index_has_lines(
    h: Any, tmp_path: Path, form: str
) -> None:
    """generate.sh: partial-index, plain-tar, zstd-tar (node 26.12.1): npm installs ms 2.1.3."""
    cache = _cache(tmp_path, form=form)
    blob = _ms_blob(cache)
    c = _scan(h, cache, ("ms", "=2.1.3"))
    assert c.errors == []
    assert [(f.package, f.version, f.path) for f in c.findings] == [("ms", "2.1.3", str(blob))]
    assert "no index line names this blob" in c.findings[0].description
    content = str(cache / "_cacache" / "content-v2")
    assert [(n.path, "1 tarballs among them" in n.message) for n in c.notes] == [(content, True)]
    # another release of the name, or another name: nothing
    for rule in (("ms", "=2.1.2"), ("left-pad", "=1.3.0")):
        c = _scan(h, cache, rule)
        assert c.findings == [] and c.errors == []


@pytest.mark.parametrize("form", ["tar", "zstd"])
def test_a_plain_or_zstd_tar_that_does_not_hash_to_its_name_is_not_installed(
    h: Any, tmp_path: Path, form: str
) -> None:
    cache = _cache(tmp_path, form=form)
    blob = _ms_blob(cache)
    other = blob.with_name(blob.name[:-1] + ("0" if blob.name[-1] != "0" else "1"))
    blob.rename(other)
    c = _scan(h, cache, ("ms", "=2.1.3"))
    assert c.findings == [] and c.errors == []
    if form == "zstd":  # cut short: an error naming it, never its bytes
        other.write_bytes(other.read_bytes()[:200])
        c = _scan(h, cache, ("ms", "=2.1.3"))
        assert c.findings == []
        assert [e.path for e in c.errors] == [str(other)]
        assert "not a readable zstd tarball" in c.errors[0].message


def test_an_intact_cache_reads_no_blob(
    h: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every blob is named by an index line: content-v2 is listed, nothing in it opened."""
    cache = tmp_path / "npm-cache"
    shutil.copytree(FIXTURE / "cache", cache)
    read: list[str] = []
    real = digest.root_manifest

    def counted(path: str, *args: Any, **kwargs: Any) -> bytes | None:
        read.append(path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(caches, "root_manifest", counted)
    c = _scan(h, cache, ("ms", "=2.1.3"))
    assert [(f.package, f.path) for f in c.findings] == [("ms", str(cache / _bucket(TGZ_KEY)))]
    assert read == [] and c.notes == [] and c.errors == []


def test_a_tarball_named_by_the_document_is_reported_once(h: Any, tmp_path: Path) -> None:
    """Its tarball's bucket deleted, the document's kept: found through the document (0086),
    not read again as a blob no line names."""
    cache = tmp_path / "npm-cache"
    shutil.copytree(FIXTURE / "cache", cache)
    (cache / _bucket(TGZ_KEY)).unlink()
    c = _scan(h, cache, ("ms", "=2.1.3"))
    assert [(f.package, f.path) for f in c.findings] == [("ms", str(cache / TGZ))]
    assert "registry document" in c.findings[0].description
    assert c.notes == [] and c.errors == []


def test_a_tarball_whose_only_line_names_no_release_is_read(h: Any, tmp_path: Path) -> None:
    """A line whose key does not name the release (a URL not read as a tarball's, which reads
    as a registry document's: a git host's archive, a renamed file) does not account for its
    blob: npm installs the blob by the lockfile's integrity whatever key wrote it."""
    cache = _cache(tmp_path)
    body = json.dumps(
        {
            "key": "make-fetch-happen:request-cache:https://example.invalid/a.tar.gz",
            "integrity": SRI,
        },
        separators=(",", ":"),
    )
    bucket = cache / _bucket("make-fetch-happen:request-cache:https://example.invalid/a.tar.gz")
    bucket.parent.mkdir(parents=True, exist_ok=True)
    bucket.write_text("\n" + hashlib.sha1(body.encode()).hexdigest() + "\t" + body)
    c = _scan(h, cache, ("ms", "=2.1.3"))
    assert [(f.package, f.path) for f in c.findings] == [("ms", str(cache / TGZ))]
    assert c.errors == []


@pytest.mark.parametrize("form", ["tar", "zstd"])
def test_a_plain_or_zstd_tar_an_index_line_names_is_read_for_payloads(
    h: Any, tmp_path: Path, form: str
) -> None:
    """generate.sh: plain-tar-indexed, zstd-tar-indexed: npm installs it; a rule's payload
    hashes are compared with its files (read as npm reads it, not refused as a bad gzip)."""
    cache = _cache(tmp_path, tarball_bucket=True, form=form)
    blob = _ms_blob(cache)
    data = blob.read_bytes()
    sri = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    body = json.dumps({"key": TGZ_KEY, "integrity": sri, "time": 1}, separators=(",", ":"))
    with (cache / _bucket(TGZ_KEY)).open("a") as f:
        f.write("\n" + hashlib.sha1(body.encode()).hexdigest() + "\t" + body)
    tar = data if form == "tar" else zstandard.ZstdDecompressor().decompress(data)
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        member = archive.extractfile("package/index.js")
        assert member is not None
        index_js = member.read()
    payload = msgspec.structs.replace(
        h.make_rule("R-FILE", [("left-pad", "=1.3.0")]),
        file_hashes=(ContentHash(hashlib.sha256(index_js).hexdigest()),),
    )
    c = Collector(build_index((h.make_rule("R-NAME", [("ms", "=2.1.3")]),)))
    scanner = PayloadScanner([payload])
    c.payloads = scanner
    scan_npm_cache(str(cache), c)
    assert c.errors == [] and scanner.errors == []
    assert [(f.package, f.path) for f in c.findings] == [("ms", str(cache / _bucket(TGZ_KEY)))]
    assert [f.rule_id for f in scanner.findings] == ["R-FILE"]


@pytest.mark.parametrize("form", ["tar", "zstd"])
def test_with_no_index_a_plain_or_zstd_tar_is_read_too(h: Any, tmp_path: Path, form: str) -> None:
    """0090 read gzip blobs only: a plain tar (npm installs it) was passed over as not one."""
    cache = _cache(tmp_path, form=form)
    shutil.rmtree(cache / "_cacache" / "index-v5")
    c = _scan(h, cache, ("ms", "=2.1.3"))
    assert c.errors == []
    assert [(f.package, f.path) for f in c.findings] == [("ms", str(_ms_blob(cache)))]
    assert "with no index" in c.findings[0].description
