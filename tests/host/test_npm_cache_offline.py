"""npm's cache judged by what ``npm ci --offline`` installs from it (npm 11.19.1): pacote reads a
tarball from ``content-v2`` by the lockfile's integrity whatever the index says, so a tarball
left there after its index entry is gone (a bucket deleted, a line whose sha1 does not verify, a
line cut short, a line ``integrity: null``) is cached; one npm removed or would refuse is not.
The fixture and each state's outcome with npm itself: fixtures/npm-cache-offline/generate.sh."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest

from gouvernante.host.caches import packument_name, scan_npm_cache
from gouvernante.host.reader import Collector
from gouvernante.rules.index import build_index

FIXTURE = Path(__file__).parent / "fixtures" / "npm-cache-offline"
KEY = "make-fetch-happen:request-cache:https://registry.npmjs.org/ms/-/ms-2.1.3.tgz"
SRI = "sha512-6FlzubTLZG3J2a/NVCAleEhjzq5oxgHyaCU9yYXvcLsvoVaHJq/s5xXI6/XXP6tz7R9xAOtHnSO/tXtF3WRTlA=="  # noqa: E501
BUCKET = "_cacache/index-v5/21/a7/bd8af8e4938b9fee217abddb09ce52db330434e323c828aeabe5bd909ae7"
BLOB = (
    "_cacache/content-v2/sha512/e8/59/73b9b4cb646dc9d9afcd542025784863ceae68c601f268253dc985"
    "ef70bb2fa1568726afece715c8ebf5d73fab73ed1f7100eb479d23bfb57b45dd645394"
)


def _cut_short(cache: Path) -> None:
    bucket = cache / BUCKET
    bucket.write_bytes(bucket.read_bytes()[:300])


def _not_verifying(cache: Path) -> None:
    bucket = cache / BUCKET
    bucket.write_bytes(
        b"\n".join(b"0" * 8 + ln[8:] if ln else ln for ln in bucket.read_bytes().split(b"\n"))
    )


def _nulled(cache: Path) -> None:
    body = json.dumps({"key": KEY, "integrity": None, "time": 0}, separators=(",", ":"))
    with (cache / BUCKET).open("a") as f:
        f.write("\n" + hashlib.sha1(body.encode()).hexdigest() + "\t" + body)


def _replaced(cache: Path) -> None:
    (cache / BLOB).write_text("x\n")


def _bucket_deleted(cache: Path) -> None:
    (cache / BUCKET).unlink()


# state -> does npm ci --offline install ms 2.1.3 from it (generate.sh prints each)
STATES: dict[str, tuple[Callable[[Path], None], bool]] = {
    "as-written": (lambda c: None, True),
    "bucket-deleted": (_bucket_deleted, True),
    "line-not-verifying": (_not_verifying, True),
    "line-cut-short": (_cut_short, True),
    "entry-nulled": (_nulled, True),
    "tarball-replaced": (_replaced, False),
    "tarball-removed": (lambda c: (c / BLOB).unlink(), False),
}


def _cache(tmp_path: Path, state: Callable[[Path], None]) -> Path:
    cache = tmp_path / "npm-cache"
    shutil.copytree(FIXTURE / "cache", cache)
    state(cache)
    return cache


def _found(c: Collector) -> set[tuple[str | None, str | None, str, str]]:
    return {(f.package, f.version, f.match.value, Path(f.path or "").name[:8]) for f in c.findings}


@pytest.mark.parametrize("state", sorted(STATES))
def test_a_release_npm_would_install_offline_is_found(h: Any, tmp_path: Path, state: str) -> None:
    mutate, installs = STATES[state]
    cache = _cache(tmp_path, mutate)
    c = Collector(build_index((h.make_rule("R-MS", [("ms", "=2.1.3")]),)))
    scan_npm_cache(str(cache), c)
    assert c.errors == []
    if not installs:
        # npm will not install it; the index still says it was fetched
        assert [(f.package, f.version, f.path) for f in c.findings] == [
            ("ms", "2.1.3", str(cache / BUCKET))
        ]
        gone = "its tarball is no longer in content-v2" in c.findings[0].description
        assert gone is (state == "tarball-removed")  # (a replaced one is told by npm's hash)
        return
    assert [(f.package, f.version) for f in c.findings] == [("ms", "2.1.3")]
    if state != "as-written":
        finding = c.findings[0]
        assert finding.path == str(cache / BLOB)
        said = {
            "bucket-deleted": "registry document",
            # (a line cacache ignores names nothing: the tarball is found by the registry
            # document npm cached, decision 0114)
            "line-not-verifying": "no index line names this tarball",
            "line-cut-short": "no index line names this tarball",
        }.get(state, "still in content-v2")
        assert said in finding.description


def test_a_tarball_left_by_a_deleted_entry_is_not_named_by_another_key(
    h: Any, tmp_path: Path
) -> None:
    """The index names another release (is-number): nothing, even with the ms tarball there."""
    cache = _cache(tmp_path, _nulled)
    c = Collector(build_index((h.make_rule("R-IS", [("is-number", "=7.0.0")]),)))
    scan_npm_cache(str(cache), c)
    assert c.findings == [] and c.errors == []


@pytest.mark.parametrize("index", ["bucket", "all"])
def test_a_rules_integrity_finds_the_tarball_with_no_index(
    h: Any, tmp_path: Path, index: str
) -> None:
    """npm installs from content-v2 with the index deleted (the bucket, or index-v5 whole): a
    rule's integrity gives the tarball's path; a rule naming it by name alone has no way in."""
    cache = _cache(tmp_path, lambda c: None)
    if index == "bucket":
        (cache / BUCKET).unlink()
    else:
        shutil.rmtree(cache / "_cacache" / "index-v5")
    rule = msgspec.structs.replace(
        h.make_rule("R-SRI", [("left-pad", "=1.3.0")]), bad_integrity=(SRI,)
    )
    c = Collector(build_index((rule,)))
    scan_npm_cache(str(cache), c)
    assert [(f.rule_id, f.path, f.match.value) for f in c.findings] == [
        ("R-SRI", str(cache / BLOB), "integrity")
    ]
    assert "npm installs it from there" in c.findings[0].description
    # bytes that do not hash to the name: npm refuses them, and so do we
    (cache / BLOB).write_bytes(b"x")
    c = Collector(build_index((rule,)))
    scan_npm_cache(str(cache), c)
    assert c.findings == [] and c.errors == []


def test_a_live_entry_and_a_rules_integrity_make_one_finding(h: Any, tmp_path: Path) -> None:
    cache = _cache(tmp_path, lambda c: None)
    rule = msgspec.structs.replace(
        h.make_rule("R-SRI", [("left-pad", "=1.3.0")]), bad_integrity=(SRI,)
    )
    c = Collector(build_index((rule,)))
    scan_npm_cache(str(cache), c)
    assert [(f.package, f.path, f.match.value) for f in c.findings] == [
        ("ms", str(cache / BUCKET), "integrity")
    ]


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("make-fetch-happen:request-cache:https://registry.npmjs.org/ms", "ms"),
        ("make-fetch-happen:request-cache:https://registry.npmjs.org/@types%2fnode", "@types/node"),
        ("make-fetch-happen:request-cache:https://registry.npmjs.org/@types%2Fnode", "@types/node"),
        ("make-fetch-happen:request-cache:https://host/api/npm/npm/@s/n", "@s/n"),
        ("make-fetch-happen:request-cache:https://registry.npmjs.org/ms/-/ms-2.1.3.tgz", None),
        ("pacote:tarball:ms@2.1.3", None),
        ("make-fetch-happen:request-cache:https://registry.npmjs.org/", None),
    ],
)
def test_registry_document_keys(key: str, name: str | None) -> None:
    assert packument_name(key) == name


def test_a_registry_document_points_only_at_affected_tarballs_that_are_there(
    h: Any, tmp_path: Path
) -> None:
    """The document lists every version of ms: only the affected one is looked up, and a
    version whose tarball is not in content-v2 (ms 2.1.2 here) is nothing."""
    cache = _cache(tmp_path, _bucket_deleted)
    c = Collector(build_index((h.make_rule("R-OLD", [("ms", "=2.1.2")]),)))
    scan_npm_cache(str(cache), c)
    assert c.findings == [] and c.errors == []


def test_a_document_not_read_as_one_is_a_note(h: Any, tmp_path: Path) -> None:
    """The document gives no integrity; the tarball no index line names is still read as a
    blob of content-v2 (0097: this was CLEAN, although npm installs it)."""
    cache = _cache(tmp_path, _bucket_deleted)
    document = next(
        p
        for p in (cache / "_cacache" / "content-v2").rglob("*")
        if p.is_file() and "e8" not in p.parts
    )
    document.write_text('{"versions": {"2.1.3": {"dist": 7}}}')
    c = Collector(build_index((h.make_rule("R-MS", [("ms", "=2.1.3")]),)))
    scan_npm_cache(str(cache), c)
    assert c.errors == []
    assert [(f.package, f.path) for f in c.findings] == [("ms", str(cache / BLOB))]
    assert "no index line names this blob" in c.findings[0].description
    content = str(cache / "_cacache" / "content-v2")
    assert [n.path for n in c.notes] == [str(document), content]


def _buckets_deleted(cache: Path) -> None:
    for folder in (cache / "_cacache" / "index-v5").iterdir():
        shutil.rmtree(folder)


def _index_emptied(cache: Path) -> None:
    for bucket in (cache / "_cacache" / "index-v5").rglob("*"):
        if bucket.is_file():
            bucket.write_bytes(b"")


@pytest.mark.parametrize(
    "state",
    [
        lambda c: shutil.rmtree(c / "_cacache" / "index-v5"),
        _index_emptied,
        _buckets_deleted,
    ],
    ids=["deleted", "emptied", "buckets-deleted"],
)
def test_with_no_index_a_tarball_is_named_by_its_package_json(
    h: Any, tmp_path: Path, state: Callable[[Path], None]
) -> None:
    """npm ci --offline installs ms 2.1.3 with index-v5 deleted whole (generate.sh:
    index-deleted): a rule naming it by name and version finds it, the cache is said to have
    no index; the registry document beside it (JSON, not a tarball) is passed over."""
    cache = _cache(tmp_path, state)
    c = Collector(build_index((h.make_rule("R-MS", [("ms", "=2.1.3")]),)))
    scan_npm_cache(str(cache), c)
    assert c.errors == []
    assert [(f.package, f.version, f.path) for f in c.findings] == [
        ("ms", "2.1.3", str(cache / BLOB))
    ]
    assert "with no index" in c.findings[0].description
    content = str(cache / "_cacache" / "content-v2")
    assert [(n.path, "holds 2 files" in n.message) for n in c.notes] == [(content, True)]
    # another release of the name, or another name: nothing
    for rule in (("ms", "=2.1.2"), ("left-pad", "=1.3.0")):
        c = Collector(build_index((h.make_rule("R", [rule]),)))
        scan_npm_cache(str(cache), c)
        assert c.findings == [] and c.errors == []


def test_with_no_index_a_tarball_that_does_not_hash_to_its_name_is_not_installed(
    h: Any, tmp_path: Path
) -> None:
    """npm refuses bytes that do not hash to the integrity: a tarball of ms 2.1.3 put under
    another name is nothing; one that cannot be read is an error naming it, not its bytes."""
    cache = _cache(tmp_path, lambda c: shutil.rmtree(c / "_cacache" / "index-v5"))
    blob = cache / BLOB
    other = blob.with_name(blob.name[:-1] + ("0" if blob.name[-1] != "0" else "1"))
    blob.rename(other)
    c = Collector(build_index((h.make_rule("R-MS", [("ms", "=2.1.3")]),)))
    scan_npm_cache(str(cache), c)
    assert c.findings == [] and c.errors == []
    other.write_bytes(other.read_bytes()[:200])  # gzip cut short
    c = Collector(build_index((h.make_rule("R-MS", [("ms", "=2.1.3")]),)))
    scan_npm_cache(str(cache), c)
    assert c.findings == []
    assert [e.path for e in c.errors] == [str(other)]
    assert "not a readable gzipped tarball" in c.errors[0].message


def test_an_index_with_lines_is_read_as_before(h: Any, tmp_path: Path) -> None:
    """A cache whose index names entries is not read blob by blob: a tarball no line names
    (its bucket deleted, the registry document's bucket kept) is found through the document."""
    cache = _cache(tmp_path, _bucket_deleted)
    c = Collector(build_index((h.make_rule("R-MS", [("ms", "=2.1.3")]),)))
    scan_npm_cache(str(cache), c)
    assert c.notes == [] and c.errors == []
    assert "registry document" in c.findings[0].description


def test_with_no_index_a_rules_integrity_and_name_make_one_finding(h: Any, tmp_path: Path) -> None:
    cache = _cache(tmp_path, lambda c: shutil.rmtree(c / "_cacache" / "index-v5"))
    rule = msgspec.structs.replace(h.make_rule("R-MS", [("ms", "=2.1.3")]), bad_integrity=(SRI,))
    c = Collector(build_index((rule,)))
    scan_npm_cache(str(cache), c)
    assert [(f.rule_id, f.path) for f in c.findings] == [("R-MS", str(cache / BLOB))]
