"""The opt-in cache of validated rule files (``rules.cache``, decision 0018)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from gouvernante.rules import cache as rule_cache
from gouvernante.rules.loader import load_rule_files


def _doc(*names: str, rule_id: str = "R-1") -> str:
    return json.dumps(
        {
            "schema_version": "1.0.0",
            "rules": [
                {
                    "id": rule_id,
                    "title": "t",
                    "kind": "compromised-release",
                    "ecosystem": "npm",
                    "severity": "high",
                    "package_rules": [
                        {"package_name": n, "affected_versions": ["=1.2.3", ">=2.0.0 <2.1.0"]}
                        for n in names
                    ],
                    "host_indicators": [{"type": "file", "path": "/tmp/x", "oses": ["linux"]}],
                }
            ],
        }
    )


def _entries(cache: Path) -> list[Path]:
    return sorted((cache / "rules").glob("*.msgpack")) if (cache / "rules").exists() else []


@pytest.fixture
def cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv(rule_cache.ENV, str(cache))
    return cache


def test_off_by_default_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(rule_cache.ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    (tmp_path / "r.json").write_text(_doc("a"))
    ruleset, errors = load_rule_files([str(tmp_path / "r.json")])
    assert not errors and len(ruleset.rules) == 1
    assert not (tmp_path / "xdg").exists()


def test_cache_dir_choices(tmp_path: Path) -> None:
    assert rule_cache.cache_dir({}) is None
    assert rule_cache.cache_dir({rule_cache.ENV: "relative/dir"}) is None
    assert rule_cache.cache_dir({rule_cache.ENV: str(tmp_path)}) == str(tmp_path)
    xdg = {rule_cache.ENV: "1", "XDG_CACHE_HOME": str(tmp_path / "x")}
    assert rule_cache.cache_dir(xdg) == str(tmp_path / "x" / "gouvernante")


def test_second_load_is_the_same_rule_set(tmp_path: Path, cached: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(_doc("a", "@s/b"))
    first, errors = load_rule_files([str(path)])
    assert not errors
    assert len(_entries(cached)) == 1
    second, errors = load_rule_files([str(path)])
    assert not errors
    assert second == first
    assert second.rules[0].package_rules[0].exact == {"1.2.3": 0}
    assert second.rules[0].package_rules[0].inexact == ((1, ">=2.0.0 <2.1.0"),)


def test_changed_file_is_validated_again(tmp_path: Path, cached: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(_doc("a"))
    load_rule_files([str(path)])
    path.write_text(_doc("other"))
    ruleset, errors = load_rule_files([str(path)])
    assert not errors
    assert ruleset.rules[0].package_rules[0].package_name == "other"
    assert len(_entries(cached)) == 2


def test_file_with_errors_is_not_cached(tmp_path: Path, cached: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(_doc("NOT A VALID NAME"))
    for _ in range(2):
        _, errors = load_rule_files([str(path)])
        assert errors
    assert _entries(cached) == []


Damage = Callable[[bytes], bytes]


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"",
        lambda data: data[: len(data) // 2],
        lambda data: b"\x93" + data[1:],
        lambda data: data.replace(b"R-1", b"R-9"),  # decodes, but not what was stored: hash kept
        lambda data: bytes(range(256)),
    ],
)
def test_damaged_entry_is_a_miss_or_same_rules(
    tmp_path: Path, cached: Path, damage: Damage
) -> None:
    path = tmp_path / "r.json"
    path.write_text(_doc("a"))
    load_rule_files([str(path)])
    (entry,) = _entries(cached)
    entry.write_bytes(damage(entry.read_bytes()))
    again, errors = load_rule_files([str(path)])
    assert not errors
    # A damaged entry is never an error; one that still decodes with the right content hash is
    # trusted (the cache folder is the user's own, decision 0018).
    assert len(again.rules) == 1


def test_entry_of_other_content_is_not_used(tmp_path: Path, cached: Path) -> None:
    """An entry copied under the key of another file's content is refused: the stored content
    hash must be the file's."""
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(_doc("pkg-a"))
    b.write_text(_doc("pkg-b"))
    load_rule_files([str(a)])
    (entry_a,) = _entries(cached)
    load_rule_files([str(b)])
    entry_b = next(e for e in _entries(cached) if e != entry_a)
    entry_b.write_bytes(entry_a.read_bytes())
    ruleset, errors = load_rule_files([str(b)])
    assert not errors
    assert ruleset.rules[0].package_rules[0].package_name == "pkg-b"


@pytest.mark.parametrize("size", [0, 1, 1000, 1024 * 1024, 1024 * 1024 + 1, 3 * 1024 * 1024])
def test_content_hash_is_sha256_on_both_sides_of_the_builtin_limit(size: int) -> None:
    """Small rule files are hashed by the interpreter's built-in SHA-256, big ones by OpenSSL's:
    the same digest either way (the report's ``rules.sets`` and the cache key)."""
    import hashlib

    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    assert rule_cache.content_hash(data) == hashlib.sha256(data).hexdigest()
