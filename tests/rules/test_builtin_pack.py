"""The bundled rule pack: it loads without errors and is exactly what the builder produces."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gouvernante.rules.loader import load_rule_files

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "src" / "gouvernante" / "rules" / "builtin"
BUILDER = ROOT / "scripts" / "build_rule_pack.py"
INCIDENTS = ROOT / "rules-src" / "incidents"


def _raw_rules(path: Path) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["rules"]
    return rules


def _all_raw() -> dict[str, list[dict[str, Any]]]:
    return {p.name: _raw_rules(p) for p in sorted(PACK.glob("*.json"))}


def _run_builder(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    return subprocess.run(
        [sys.executable, str(BUILDER), "--quiet", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=ROOT,
    )


def test_pack_is_a_few_files() -> None:
    assert sorted(p.name for p in PACK.glob("*.json")) == [
        "feeds.json",
        "incidents.json",
        "osv.json",
    ]


def test_pack_loads_without_errors() -> None:
    rule_set, errors = load_rule_files([str(PACK)])
    assert [e.one_line() for e in errors] == []
    ids = [r.id for r in rule_set.rules]
    assert len(ids) == len(set(ids))
    assert len(ids) == sum(len(rules) for rules in _all_raw().values())


def test_incident_sources_load_on_their_own() -> None:
    rule_set, errors = load_rule_files([str(INCIDENTS)])
    assert [e.one_line() for e in errors] == []
    assert len(rule_set.rules) == len(list(INCIDENTS.glob("*.json")))


def test_build_is_reproducible(tmp_path: Path) -> None:
    result = _run_builder("--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    built = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    committed = {p.name: p.read_bytes() for p in PACK.iterdir() if p.suffix != ".py"}
    assert built.keys() == committed.keys()
    for name, data in built.items():
        assert data == committed[name], f"{name} differs: run scripts/build_rule_pack.py"


def test_check_mode(tmp_path: Path) -> None:
    assert _run_builder("--check").returncode == 0
    for path in PACK.glob("*.json"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    (tmp_path / "osv.json").write_text("{}\n")
    (tmp_path / "feeds.json").unlink()
    (tmp_path / "extra.json").write_text("{}\n")
    stale = _run_builder("--check", "--out", str(tmp_path))
    assert stale.returncode == 1
    for name in ("osv.json", "feeds.json", "extra.json"):
        assert name in stale.stderr
    assert "incidents.json" not in stale.stderr
    assert (tmp_path / "osv.json").read_text() == "{}\n"  # --check never writes


def test_expected_incidents_are_present() -> None:
    rules = {r["id"]: r for rules in _all_raw().values() for r in rules}
    for rule_id in (
        "GOUV-2018-EVENT-STREAM",
        "GOUV-2021-COA-RC",
        "GOUV-2021-UA-PARSER-JS",
        "GOUV-2022-NODE-IPC",
        "GOUV-2024-RSPACK",
        "GOUV-2024-SOLANA-WEB3JS",
        "GOUV-2025-CHALK-DEBUG",
        "GOUV-2025-ESLINT-CONFIG-PRETTIER",
        "GOUV-2025-NX-S1NGULARITY",
        "GOUV-2025-SHAI-HULUD",
        "GOUV-2025-SHAI-HULUD-2",
        "GOUV-2026-AXIOS",
        "GOUV-2026-NODE-IPC",
        "MAL-2025-47141",
        "MAL-2026-2307",
        "DATADOG-TEAMPCP-NPM",
    ):
        assert rule_id in rules
    versions = {
        (r["id"], p["package_name"]): p["affected_versions"]
        for r in rules.values()
        for p in r["package_rules"]
    }
    assert versions["GOUV-2025-SHAI-HULUD", "@ctrl/tinycolor"] == ["=4.1.1", "=4.1.2"]
    # the merged OSV record must not flag every version of @ctrl/tinycolor
    assert versions["MAL-2025-47141", "@ctrl/tinycolor"] == [">=4.1.1 <=4.1.2"]
    assert versions["GOUV-2025-CHALK-DEBUG", "debug"] == ["=4.4.2"]
    assert versions["GOUV-2026-AXIOS", "axios"] == ["=0.30.4", "=1.14.1"]
    assert [d["package_name"] for d in rules["GOUV-2026-AXIOS"]["dropper_packages"]] == [
        "plain-crypto-js"
    ]
    # Shai-Hulud 2.0 merges the DataDog and Wiz feeds
    assert sum(1 for rule_id, _ in versions if rule_id == "GOUV-2025-SHAI-HULUD-2") > 700
    workflow = [
        h
        for h in rules["GOUV-2025-SHAI-HULUD"]["host_indicators"]
        if h.get("file_name") == "shai-hulud-workflow.yml"
    ]
    assert workflow == [
        {
            "type": "file",
            "path": ".github/workflows",
            "file_name": "shai-hulud-workflow.yml",
            "confidence": "high",
            "notes": workflow[0]["notes"],
        }
    ]


def test_every_rule_cites_a_source_url() -> None:
    for rules in _all_raw().values():
        for rule in rules:
            urls = [r if isinstance(r, str) else r["url"] for r in rule.get("references", [])]
            assert urls, rule["id"]
            assert all(u.startswith("https://") for u in urls), rule["id"]


def test_feed_rules_do_not_repeat_incident_versions() -> None:
    raw = _all_raw()
    incident = {
        (p["package_name"], v)
        for r in raw["incidents.json"]
        for p in r["package_rules"]
        for v in p["affected_versions"]
    }
    repeated = [
        (r["id"], p["package_name"], v)
        for r in raw["feeds.json"]
        for p in r["package_rules"]
        for v in p["affected_versions"]
        if (p["package_name"], v) in incident
    ]
    assert repeated == []


@pytest.mark.parametrize("name", ["feeds.json", "incidents.json", "osv.json"])
def test_host_paths_are_absolute_or_project_relative(name: str) -> None:
    for rule in _raw_rules(PACK / name):
        for indicator in rule.get("host_indicators", []):
            path = indicator.get("path")
            if indicator["type"] != "file" or path is None:
                continue
            absolute = path.startswith(("/", "~", "%", "$"))
            relative = path.startswith((".github", "node_modules"))
            assert absolute or relative, (rule["id"], path)
            assert "\\" not in path or path.startswith("%"), (rule["id"], path)


def test_fast_pack_loader_builds_the_same_rules_as_the_strict_loader() -> None:
    from gouvernante.cli.scan import builtin_rules_dir
    from gouvernante.rules.loader import load_rule_files
    from gouvernante.rules.pack import load_pack

    strict, errors = load_rule_files([builtin_rules_dir()])
    assert errors == []
    fast = load_pack(builtin_rules_dir())
    assert fast.builtin
    assert len(fast.rules) == len(strict.rules) > 0
    for a, b in zip(strict.rules, fast.rules, strict=True):
        assert a == b, a.id


def _strict(folder: str) -> list[Any]:
    strict, errors = load_rule_files([folder])
    assert errors == []
    return list(strict.rules)


def test_pack_is_read_from_its_precompiled_file_while_it_answers_for_the_json() -> None:
    """``pack.msgpack`` (the builder's) stands for the JSON files it names (size and CRC-32);
    the rules are the strict loader's, under the same file paths."""
    from gouvernante.rules import pack

    rules = pack._from_precompiled(str(PACK), pack.pack_files(str(PACK)))
    assert rules is not None
    assert rules == _strict(str(PACK))


def test_precompiled_pack_is_decoded_on_use() -> None:
    """Read from ``pack.msgpack``, the pack is a ``CachedRules`` (decision 0105): its ids and the
    index's names come from the entries' heads, and a rule decoded alone (a lockfile naming one
    of its packages) or with all the others is the strict loader's, under its installed path."""
    from gouvernante.rules import cache, pack
    from gouvernante.rules.index import build_index
    from gouvernante.rules.ruleset import rule_ids

    strict = {rule.id: rule for rule in _strict(str(PACK))}
    loaded = pack.load_pack(str(PACK)).rules
    assert isinstance(loaded, cache.CachedRules)
    assert rule_ids(loaded) == list(strict)
    index = build_index(loaded)
    names = {p.package_name for r in strict.values() for p in r.package_rules}
    assert index.names == names | {
        d.package_name for r in strict.values() for d in r.dropper_packages
    }
    name = sorted(names)[len(names) // 2]
    entries = index.by_name[name]
    assert entries and all(e.rule == strict[e.rule.id] for e in entries)
    assert all(e.rule.source == str(PACK / os.path.basename(e.rule.source)) for e in entries)
    assert set(index.integrity.keys()) == {s for r in strict.values() for s in r.bad_integrity}
    assert list(loaded) == list(strict.values())


def test_pack_is_read_from_its_json_on_a_big_endian_machine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The entries' position arrays are little-endian: elsewhere the JSON files are read."""
    from types import SimpleNamespace

    from gouvernante.rules import cache, pack

    monkeypatch.setattr(pack, "sys", SimpleNamespace(byteorder="big"))
    loaded = pack.load_pack(str(PACK)).rules
    assert not isinstance(loaded, cache.CachedRules)
    assert list(loaded) == _strict(str(PACK))


@pytest.mark.parametrize("change", ["edited", "added", "removed", "cut", "damaged", "missing"])
def test_pack_is_read_from_its_json_when_the_precompiled_file_does_not_answer(
    tmp_path: Path, change: str
) -> None:
    """A JSON file edited (same size), added or removed, or the precompiled file cut, damaged or
    missing: the JSON files are what is loaded, never the stale or damaged rules."""
    from gouvernante.rules.pack import PRECOMPILED, load_pack

    for path in PACK.iterdir():
        if path.suffix != ".py":
            (tmp_path / path.name).write_bytes(path.read_bytes())
    osv = tmp_path / "osv.json"
    if change == "edited":
        text = osv.read_text(encoding="utf-8")
        assert '"title": "' in text
        osv.write_text(text.replace('"title": "', '"title": "X', 1)[:-1], encoding="utf-8")
        assert osv.stat().st_size == (PACK / "osv.json").stat().st_size
    elif change == "added":
        (tmp_path / "more.json").write_text(
            json.dumps({"schema_version": "1.0.0", "rules": [{**_raw_rules(osv)[0], "id": "X-1"}]})
        )
    elif change == "removed":
        osv.unlink()
    elif change == "cut":
        data = (tmp_path / PRECOMPILED).read_bytes()
        (tmp_path / PRECOMPILED).write_bytes(data[: len(data) // 2])
    elif change == "damaged":  # (a title's letter: still a valid document, caught by the CRC)
        damaged = bytearray((tmp_path / PRECOMPILED).read_bytes())
        damaged[damaged.index(b"Shai-Hulud")] = ord("X")
        (tmp_path / PRECOMPILED).write_bytes(bytes(damaged))
    else:
        (tmp_path / PRECOMPILED).unlink()
    loaded = load_pack(str(tmp_path))
    assert list(loaded.rules) == _strict(str(tmp_path))
    assert loaded.sources == tuple(str(p) for p in sorted(tmp_path.glob("*.json")))
    if change == "edited":
        assert any(r.title.startswith("X") for r in loaded.rules)
    if change == "damaged":
        assert not any("Xhai-Hulud" in r.title for r in loaded.rules)
