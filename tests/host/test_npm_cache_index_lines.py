"""npm's cacache index read as cacache reads it, with integrity values split as ssri splits
them (decision 0114): buckets edited from a cache `npm cache add` wrote (npm 11.19.1;
fixtures/npm-cache-index-lines/generate.sh, which asks npm's own cacache and ssri what each
state holds: npm-read.txt)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import msgspec
import pytest

from gouvernante.host.caches import scan_npm_cache
from gouvernante.host.reader import Collector
from gouvernante.jstext import WHITESPACE, integrity_hashes
from gouvernante.rules.index import build_index

FIXTURE = Path(__file__).parent / "fixtures" / "npm-cache-index-lines"
NPM_READ = (FIXTURE / "npm-read.txt").read_text().splitlines()
SRI = NPM_READ[0].removeprefix("tarball ")
PROBE_BUCKET = (
    "_cacache/index-v5/db/3c/dd220e1cc2a785667c06ba02bfd226debbeebc55d93858124c6f7248a1ef"
)


def _cache(tmp_path: Path, state: str) -> Path:
    cache = tmp_path / "npm-cache"
    shutil.copytree(FIXTURE / "cache", cache)
    if state == "forged-account":
        (cache / PROBE_BUCKET).write_text("")
    at = cache / (FIXTURE / "buckets" / f"{state}.path").read_text().strip()
    at.parent.mkdir(parents=True, exist_ok=True)
    at.write_bytes((FIXTURE / "buckets" / state).read_bytes())
    return cache


def _npm_said(state: str) -> str:
    return next(line for line in NPM_READ if line.startswith(f"{state}: "))


def _found(h: Any, cache: Path, rule: Any) -> set[tuple[str | None, str | None, str]]:
    c = Collector(build_index((rule,)))
    scan_npm_cache(str(cache), c)
    assert c.errors == []
    return {(f.package, f.version, f.match.value) for f in c.findings}


@pytest.mark.parametrize(("state", "listed"), [("feff", True), ("fs", False)])
def test_an_integrity_value_is_split_where_ssri_splits_it(
    h: Any, tmp_path: Path, state: str, listed: bool
) -> None:
    """U+FEFF separates two hashes for ssri (npm reads the tarball's sha512 after it); U+001C,
    which Python's ``str.split`` splits at, does not (npm reads one sha1 hash). The tarball is
    taken out of content-v2 (there, a rule's integrity is found whatever the index says)."""
    assert f"tarball's sha512 among them {str(listed).lower()}" in _npm_said(state)
    rule = msgspec.structs.replace(
        h.make_rule("R-SRI", [("left-pad", "=1.3.0")]), bad_integrity=(SRI,)
    )
    cache = _cache(tmp_path, state)
    (cache / "_cacache" / "content-v2").rename(tmp_path / "gone")
    # (the key, a file: tarball's, names no registry release)
    assert _found(h, cache, rule) == ({(None, None, "integrity")} if listed else set())


@pytest.mark.parametrize("state", ["forged-key", "spaced-sha1"])
def test_a_line_cacache_ignores_names_no_release(h: Any, tmp_path: Path, state: str) -> None:
    """A line whose sha1 is wrong, or right after a space, is no entry for cacache (npm-read:
    the key is absent): the tarball it points at is not event-stream 3.3.6's."""
    assert "key absent" in _npm_said(state)
    rule = h.make_rule("R-ES", [("event-stream", "=3.3.6")])
    assert _found(h, _cache(tmp_path, state), rule) == set()


def test_a_line_cacache_ignores_accounts_for_no_blob(h: Any, tmp_path: Path) -> None:
    """The probe's bucket emptied, a forged line naming lodash's tarball points at the probe's
    blob: npm has no entry for either key, installs the probe from content-v2 by its integrity;
    the blob is read by its package.json, not passed over as lodash's."""
    assert "key absent" in _npm_said("forged-account")
    assert "probe key absent" in _npm_said("forged-account")
    rule = h.make_rule("R-PROBE", [("cache-sri-probe", "=1.0.0")])
    assert _found(h, _cache(tmp_path, "forged-account"), rule) == {
        ("cache-sri-probe", "1.0.0", "version")
    }


def test_the_live_line_as_written_is_read(h: Any, tmp_path: Path) -> None:
    cache = tmp_path / "npm-cache"
    shutil.copytree(FIXTURE / "cache", cache)
    rule = h.make_rule("R-PROBE", [("cache-sri-probe", "=1.0.0")])
    assert _found(h, cache, rule) == {("cache-sri-probe", "1.0.0", "version")}


def _probe_without_content(tmp_path: Path) -> tuple[Path, Path, dict[str, object]]:
    """The cache, its tarball taken out of content-v2: (cache, the probe's bucket, its entry)."""
    cache = tmp_path / "npm-cache"
    shutil.copytree(FIXTURE / "cache", cache)
    (cache / "_cacache" / "content-v2").rename(tmp_path / "gone")
    bucket = cache / PROBE_BUCKET
    entry = json.loads(bucket.read_text().strip().split("\n")[-1].split("\t")[1])
    return cache, bucket, entry


def _line(entry: dict[str, object], digest: str | None = None) -> str:
    body = json.dumps(entry, separators=(",", ":"))
    return f"\n{digest or hashlib.sha1(body.encode()).hexdigest()}\t{body}"


@pytest.mark.parametrize(
    ("integrity", "live"),
    [("", False), (0, False), (False, False), (None, False), (1, True), ([], True)],
)
def test_an_entry_is_live_as_cacache_tests_its_integrity(
    h: Any, tmp_path: Path, integrity: object, live: bool
) -> None:
    """cacache's ``formatEntry``: an entry whose integrity is false (``!entry.integrity``)
    deletes its key; with the tarball gone from content-v2, nothing is left to find."""
    cache, bucket, entry = _probe_without_content(tmp_path)
    with bucket.open("a") as f:
        f.write(_line({**entry, "integrity": integrity}))
    rule = h.make_rule("R-PROBE", [("cache-sri-probe", "=1.0.0")])
    found = _found(h, cache, rule)
    assert found == ({("cache-sri-probe", "1.0.0", "version")} if live else set())


def test_the_text_between_the_first_and_second_tab_is_the_entry(h: Any, tmp_path: Path) -> None:
    """cacache hashes and parses ``line.split('\\t')[1]``: a deletion followed by a tab and
    anything is a deletion; a digest with a space before it is no line."""
    cache, bucket, entry = _probe_without_content(tmp_path)
    with bucket.open("a") as f:
        f.write(_line({**entry, "integrity": None}) + "\tanything")
    rule = h.make_rule("R-PROBE", [("cache-sri-probe", "=1.0.0")])
    assert _found(h, cache, rule) == set()
    deleted = _line({**entry, "integrity": None})
    digest = deleted.split("\t")[0].strip()
    bucket.write_text(bucket.read_text().rsplit("\n", 1)[0] + deleted.replace(digest, " " + digest))
    assert _found(h, cache, rule) == {("cache-sri-probe", "1.0.0", "version")}


def test_integrity_hashes_split_at_javascript_whitespace_only() -> None:
    """The set checked against node 20.20.2's ``/\\s/`` over every code point (decision 0114)."""
    for space in WHITESPACE:
        assert integrity_hashes(f" sha1-a{space}sha512-b?x ") == ["sha1-a", "sha512-b"]
    for other in "\x1c\x1d\x1e\x1f\x85\u180e\u200b":
        assert integrity_hashes(f"sha1-a{other}sha512-b") == [f"sha1-a{other}sha512-b"]


def test_sbom_hashes_are_the_hashes_ssri_reads() -> None:
    from gouvernante.report.cyclonedx import hashes

    sha1 = "sha1-" + "A" * 27 + "="
    assert [h["alg"] for h in hashes(f"{SRI}\ufeff{sha1}")] == ["SHA-512", "SHA-1"]
    assert [h["alg"] for h in hashes(f"{SRI}\x1c{sha1}")] == []


def test_an_entry_nested_deeper_than_read_is_an_error(h: Any, tmp_path: Path) -> None:
    """V8's ``JSON.parse`` reads any depth; msgspec stops: the line is said unread, never
    passed over (it may delete or revive its key)."""
    cache = tmp_path / "npm-cache"
    shutil.copytree(FIXTURE / "cache", cache)
    bucket = cache / PROBE_BUCKET
    body = '{"key":"k","metadata":' + "[" * 20_000 + "]" * 20_000 + ',"integrity":null}'
    with bucket.open("a") as f:
        f.write(f"\n{hashlib.sha1(body.encode()).hexdigest()}\t{body}")
    c = Collector(build_index((h.make_rule("R-PROBE", [("cache-sri-probe", "=1.0.0")]),)))
    scan_npm_cache(str(cache), c)
    assert [(e.path, e.message.split(":")[0]) for e in c.errors] == [(str(bucket), "line 4")]
