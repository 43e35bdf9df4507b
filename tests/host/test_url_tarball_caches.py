"""Caches holding a tarball URL dependency under another name than the package its URL holds.

Fixture ``fixtures/url-tarball-caches`` made by yarn 1.22.22, yarn 4.18.1 and bun 1.4.5
(``generate.sh``): ``"foo": "https://registry.npmjs.org/ms/-/ms-2.1.2.tgz"`` and ``"@x/is"``:
@sindresorhus/is 4.6.0's tarball URL, beside is-number 7.0.0 from the registry. Each tool names
the URL's entry by the dependency: yarn 1 ``npm-foo-2.1.2-<sha1>/node_modules/foo``, berry
``foo-https-<hash>-<checksum>.zip``, bun ``@T@sha512-<hash>@@@1`` (linked from ``foo/``). The
readers took names from those names only: the registry's ms 2.1.2 and @sindresorhus/is 4.6.0,
in all three caches, were never found (a rule on them read the caches CLEAN); npm's and pnpm's
caches, keyed by the URL or the integrity, found them. Found by the differential run on odd
dependency features.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gouvernante.host.caches import scan_berry_cache, scan_bun_cache, scan_yarn_classic_cache
from gouvernante.host.reader import Collector
from gouvernante.rules.index import build_index

FIXTURES = Path(__file__).parent / "fixtures" / "url-tarball-caches"
READERS: dict[str, Callable[[str, Collector], None]] = {
    "yarn1": scan_yarn_classic_cache,
    "yarn4": lambda cache, c: scan_berry_cache(cache, c, "the yarn cache"),
    "bun": scan_bun_cache,
}


def _scan(h: Any, cache: str) -> Collector:
    rules = (
        h.make_rule("R-MS", [("ms", "=2.1.2")]),
        h.make_rule("R-IS", [("@sindresorhus/is", "=4.6.0")]),
        h.make_rule("R-NUM", [("is-number", "=7.0.0")]),
        # the names the entries bear: no such package is cached
        h.make_rule("R-FOO", [("foo", "*")]),
        h.make_rule("R-X", [("@x/is", "*")]),
    )
    c = Collector(build_index(rules))
    READERS[cache](str(FIXTURES / cache), c)
    return c


@pytest.mark.parametrize("cache", sorted(READERS))
def test_the_release_a_url_entry_holds_is_found(h: Any, cache: str) -> None:
    c = _scan(h, cache)
    assert {(f.rule_id, f.package, f.version) for f in c.findings} == {
        ("R-MS", "ms", "2.1.2"),
        ("R-IS", "@sindresorhus/is", "4.6.0"),
        ("R-NUM", "is-number", "7.0.0"),
    }
    assert len(c.findings) == 3
    assert c.errors == []


def test_each_finding_names_the_entry(h: Any) -> None:
    by_cache = {cache: {f.package: f.path for f in _scan(h, cache).findings} for cache in READERS}
    ms1 = "yarn1/npm-foo-2.1.2-d09d1f357b443f493382a8eb3ccd183872ae6009/node_modules/foo"
    assert by_cache["yarn1"]["ms"] == str(FIXTURES / ms1)
    assert Path(str(by_cache["yarn4"]["ms"])).name.startswith("foo-https-")
    assert Path(str(by_cache["bun"]["ms"])).name.startswith("@T@sha512-")


@pytest.mark.parametrize("damage", ["truncated", "not a zip"])
def test_a_url_zip_that_cannot_be_read_is_an_error(h: Any, tmp_path: Path, damage: str) -> None:
    # berry names a tarball URL dependency's zip by the dependency ("foo"): only its
    # package.json says it holds ms 2.1.2. A zip that cannot be read was skipped in silence, and
    # the scan said CLEAN of a cache that may hold a rule's release (decision 0096)
    cache = tmp_path / "yarn4"
    cache.mkdir()
    for zipped in (FIXTURES / "yarn4").iterdir():
        data = zipped.read_bytes()
        if zipped.name.startswith("foo-https-"):
            data = data[: len(data) - 30] if damage == "truncated" else b"PK\x03\x04" + bytes(64)
        (cache / zipped.name).write_bytes(data)
    c = Collector(build_index((h.make_rule("R-MS", [("ms", "=2.1.2")]),)))
    scan_berry_cache(str(cache), c, "the yarn cache")
    assert c.findings == []
    [error] = c.errors
    assert Path(error.path).name.startswith("foo-https-")
    assert "not a readable zip archive" in error.message
    assert error.message.endswith("which release it holds is unknown")


# What a URL entry's package.json says (None: no such file), and the error that is expected
# (None: none; the package is no rule's, so the entry cannot hold a rule's release).
MANIFESTS: dict[str, tuple[bytes | None, str | None]] = {
    "missing": (None, "is missing or was not read"),
    "not JSON": (b'{"name": "ms", "vers', "is no JSON object"),
    "no name": (b'{"version": "2.1.2"}', "names no package"),
    "no version": (b'{"name": "ms"}', "names ms with no version"),
    "another package, no version": (b'{"name": "left-pad"}', None),
}


def _url_cache_with(tmp_path: Path, cache: str, manifest: bytes | None) -> Path:
    """A copy of ``cache`` whose entry for ``"foo": <ms 2.1.2's tarball URL>`` holds
    ``manifest`` as its package.json (yarn 1: and no metadata, which names the package too)."""
    import shutil
    import zipfile

    copy = tmp_path / cache
    shutil.copytree(FIXTURES / cache, copy, symlinks=True)
    if cache == "yarn4":
        [zipped] = [p for p in copy.iterdir() if p.name.startswith("foo-https-")]
        with zipfile.ZipFile(zipped) as old:
            members = {i.filename: old.read(i) for i in old.infolist()}
        with zipfile.ZipFile(zipped, "w") as new:
            for name, data in members.items():
                if name == "node_modules/foo/package.json":
                    if manifest is None:
                        continue
                    data = manifest
                new.writestr(name, data)
        return copy
    if cache == "yarn1":
        [entry] = [p for p in copy.iterdir() if p.name.startswith("npm-foo-")]
        folder = entry / "node_modules" / "foo"
        (folder / ".yarn-metadata.json").unlink()
    else:
        ms = FIXTURES / "bun" / "foo"
        [link] = list(ms.iterdir())
        folder = copy / link.name
    if manifest is None:
        (folder / "package.json").unlink()
    else:
        (folder / "package.json").write_bytes(manifest)
    return copy


@pytest.mark.parametrize("damage", sorted(MANIFESTS))
@pytest.mark.parametrize("cache", sorted(READERS))
def test_a_url_entry_whose_package_json_does_not_say_is_an_error(
    h: Any, tmp_path: Path, cache: str, damage: str
) -> None:
    # the entry is named by the dependency ("foo"): only its package.json says that it holds
    # ms 2.1.2. One missing, damaged, nameless or without a version was skipped in silence by
    # the yarn 1 and bun readers (berry's after a readable zip), and -host said CLEAN
    manifest, expected = MANIFESTS[damage]
    copy = _url_cache_with(tmp_path, cache, manifest)
    c = Collector(build_index((h.make_rule("R-MS", [("ms", "=2.1.2")]),)))
    READERS[cache](str(copy), c)
    assert c.findings == []
    if expected is None:
        assert c.errors == []
        return
    [error] = c.errors
    # (yarn 1: node_modules/foo; berry: foo-https-....zip; bun: ms's @T@ entry, foo/ links it)
    assert Path(error.path).name.startswith(("foo", "@T@sha512-b0690fc7"))
    assert f"its package.json {expected}, so which release it holds is unknown" in error.message


@pytest.mark.parametrize("cache", sorted(READERS))
def test_a_url_entry_is_no_error_when_no_rule_names_a_package(
    h: Any, tmp_path: Path, cache: str
) -> None:
    copy = _url_cache_with(tmp_path, cache, None)
    c = Collector(build_index((h.make_rule("R-NONE", []),)))
    READERS[cache](str(copy), c)
    assert c.errors == []
