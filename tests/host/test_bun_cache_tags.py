"""bun's cache names a release with a prerelease or build tag by a hash of the tag.

Fixture ``fixtures/bun-cache-tags`` made by bun 1.4.5 (``generate.sh``): gensync 1.0.0-beta.2 is
cached as ``gensync@1.0.0-4049f5e8f1219d89@@@1``, @rolldown/pluginutils 1.0.0-beta.27 as
``@rolldown/pluginutils@1.0.0-b0cd2809f6a7209d@@@1``; is-number 7.0.0 (no tag) as
``is-number@7.0.0@@@1``. The version is the extracted package.json's.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from gouvernante.host.caches import scan_bun_cache
from gouvernante.host.reader import Collector
from gouvernante.rules.index import build_index

FIXTURE = Path(__file__).parent / "fixtures" / "bun-cache-tags" / "cache"


def _scan(h: Any, cache: Path, *rules: Any) -> Collector:
    c = Collector(build_index(rules))
    scan_bun_cache(str(cache), c)
    return c


def test_a_tagged_release_is_named_by_its_package_json_not_the_folder_hash(h: Any) -> None:
    rules = (
        h.make_rule("R-GENSYNC", [("gensync", "=1.0.0-beta.2")]),
        h.make_rule("R-PLUGIN", [("@rolldown/pluginutils", "=1.0.0-beta.27")]),
        h.make_rule("R-NUMBER", [("is-number", "=7.0.0")]),
    )
    c = _scan(h, FIXTURE, *rules)
    assert h.found(c.findings) == {
        (
            "cached_package",
            "R-GENSYNC",
            "gensync",
            "1.0.0-beta.2",
            str(FIXTURE / "gensync@1.0.0-4049f5e8f1219d89@@@1"),
        ),
        (
            "cached_package",
            "R-PLUGIN",
            "@rolldown/pluginutils",
            "1.0.0-beta.27",
            str(FIXTURE / "@rolldown" / "pluginutils@1.0.0-b0cd2809f6a7209d@@@1"),
        ),
        ("cached_package", "R-NUMBER", "is-number", "7.0.0", str(FIXTURE / "is-number@7.0.0@@@1")),
    }
    assert c.cache_entries == 3
    assert not c.errors


def test_the_folder_hash_is_not_a_version(h: Any) -> None:
    # the hashed name read as a version is a release that was never published
    rules = (
        h.make_rule("R-HASH", [("gensync", "=1.0.0-4049f5e8f1219d89")]),
        h.make_rule("R-OTHER", [("@rolldown/pluginutils", ">=1.0.0-c <1.0.0")]),
    )
    c = _scan(h, FIXTURE, *rules)
    assert h.found(c.findings) == set()
    assert not c.errors


def test_a_tagged_entry_whose_package_json_is_not_read_is_an_error(h: Any, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(FIXTURE, cache, symlinks=True)
    (cache / "gensync@1.0.0-4049f5e8f1219d89@@@1" / "package.json").unlink()
    other = cache / "@rolldown" / "pluginutils@1.0.0-b0cd2809f6a7209d@@@1" / "package.json"
    other.write_text('{"name": "@rolldown/other", "version": "1.0.0-beta.27"}')
    rules = (
        h.make_rule("R-GENSYNC", [("gensync", "=1.0.0-beta.2")]),
        h.make_rule("R-PLUGIN", [("@rolldown/pluginutils", "=1.0.0-beta.27")]),
    )
    c = _scan(h, cache, *rules)
    assert h.found(c.findings) == set()
    assert sorted(e.path for e in c.errors) == [
        str(other),
        str(cache / "gensync@1.0.0-4049f5e8f1219d89@@@1" / "package.json"),
    ]
    assert all("unknown" in e.message for e in c.errors)
