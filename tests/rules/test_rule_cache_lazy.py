"""Rules from the rule cache decoded on use (``rules.cache.CachedRules``, decision 0018): the same
rule set, index, findings and reports as the strict loader, on the bundled pack and on a generated
10,000-rule set; a damaged entry is a miss, never fewer rules."""

from __future__ import annotations

import hashlib
import json
import pickle
import random
import re
from pathlib import Path
from typing import Any

import msgspec
import pytest

from gouvernante.model import ScanResult
from gouvernante.pipeline import ScanRequest, run_scan
from gouvernante.report import ReportFormat, render
from gouvernante.report.json_report import report_dict
from gouvernante.rules import cache as rule_cache
from gouvernante.rules.index import build_index
from gouvernante.rules.loader import load_rule_files
from gouvernante.rules.model import Rule
from gouvernante.rules.pack import load_pack
from gouvernante.rules.ruleset import RuleSet, any_file_hashes, rule_ids, rule_summaries
from helpers import run_cli

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "src" / "gouvernante" / "rules" / "builtin"


def _generated(folder: Path, rules: int = 10_000, files: int = 3, seed: int = 11) -> Path:
    """A feed-like rule set: exact versions and ranges, shared package names across rules and
    files, droppers, bad integrity strings, host indicators, payload hashes, timestamps."""
    rng = random.Random(seed)
    folder.mkdir()
    per_file = -(-rules // files)
    for f in range(files):
        out: list[dict[str, Any]] = []
        for k in range(f * per_file, min(rules, (f + 1) * per_file)):
            name = f"@s{k % 40}/p-{k % 7000}" if k % 3 == 0 else f"pkg-{k % 7000}"
            versions = [f"={rng.randint(0, 3)}.{rng.randint(0, 3)}.{rng.randint(0, 3)}"]
            if k % 4 == 0:
                versions.append(f">={rng.randint(4, 6)}.0.0 <{rng.randint(7, 9)}.0.0")
            package_rules: list[dict[str, Any]] = [
                {"package_name": name, "affected_versions": versions}
            ]
            if k % 9 == 0:
                package_rules.append(
                    {
                        "package_name": f"other-{k % 500}",
                        "affected_versions": ["1.0.0"],
                        "lockfile_ecosystems": ["npm"],
                    }
                )
            rule: dict[str, Any] = {
                "id": f"GEN-{k:05d}",
                "title": f"Malicious {name}",
                "kind": "malicious-package",
                "ecosystem": "npm",
                "severity": ("critical", "high", "medium", "low")[k % 4],
                "package_rules": package_rules,
                "references": [f"https://example.test/{k}"],
            }
            if k % 11 == 0:
                rule["dropper_packages"] = [{"package_name": f"dropper-{k % 13}"}]
            if k % 17 == 0:
                rule["integrity"] = [f"sha512-{'A' * 85}{k % 5}=="]
            if k % 23 == 0:
                rule["host_indicators"] = [{"type": "file", "path": f"/tmp/ioc-{k}"}]
            if k % 29 == 0:
                digest = hashlib.sha256(f"payload {k}\n".encode()).hexdigest()
                rule["file_hashes"] = [{"algorithm": "sha256", "value": digest}]
            if k % 2 == 0:
                rule["metadata"] = {"published_at": f"2026-0{1 + k % 9}-01T00:00:00Z"}
            out.append(rule)
        doc = {"schema_version": "1.0.0", "rules": out}
        (folder / f"feed-{f}.json").write_text(json.dumps(doc), encoding="utf-8")
    return folder


def _project(folder: Path, rules: tuple[Rule, ...], seed: int = 3) -> Path:
    """A package-lock holding, for about half the rules' package names, a version a rule names
    (or one none does), the droppers and a bad integrity string; a package.json declaring some
    of them by range."""
    rng = random.Random(seed)
    folder.mkdir()
    packages: dict[str, Any] = {}
    declared: dict[str, str] = {}
    for rule in rules:
        for prule in rule.package_rules:
            key = f"node_modules/{prule.package_name}"
            if key in packages or rng.random() < 0.5:
                continue
            exact = list(prule.exact)
            version = exact[0] if exact and rng.random() < 0.7 else "0.0.99"
            packages[key] = {"version": version}
            if rng.random() < 0.1:
                declared[prule.package_name] = f"^{version}"
        for dropper in rule.dropper_packages:
            packages.setdefault(f"node_modules/{dropper.package_name}", {"version": "1.0.0"})
        for sri in rule.bad_integrity:
            packages.setdefault(
                f"node_modules/carrier-{len(packages)}", {"version": "1.0.0", "integrity": sri}
            )
    root = {"name": "app", "version": "1.0.0", "dependencies": declared}
    lock = {"name": "app", "lockfileVersion": 3, "packages": {"": root, **packages}}
    (folder / "package-lock.json").write_text(json.dumps(lock), encoding="utf-8")
    (folder / "package.json").write_text(json.dumps(root), encoding="utf-8")
    return folder


def _fixed(result: ScanResult) -> ScanResult:
    """``result`` without what differs between two runs (id, times)."""
    stats = msgspec.structs.replace(result.stats, elapsed_ms=0)
    return msgspec.structs.replace(
        result, scan_id="id", started_at="t", finished_at="t", stats=stats
    )


def _load(paths: list[str], cache: Path | None, monkeypatch: pytest.MonkeyPatch) -> RuleSet:
    if cache is None:
        monkeypatch.delenv(rule_cache.ENV, raising=False)
    else:
        monkeypatch.setenv(rule_cache.ENV, str(cache))
    ruleset, errors = load_rule_files(paths)
    assert [e.one_line() for e in errors] == []
    return ruleset


def _same_everywhere(
    rules_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[RuleSet, RuleSet]:
    strict = _load([str(rules_path)], None, monkeypatch)
    cache = tmp_path / "cache"
    _load([str(rules_path)], cache, monkeypatch)  # fills the cache
    cached = _load([str(rules_path)], cache, monkeypatch)
    assert isinstance(cached.rules, rule_cache.CachedRules)
    assert isinstance(strict.rules, tuple)

    # What is told without decoding a rule.
    assert rule_ids(cached.rules) == [r.id for r in strict.rules]
    assert list(rule_summaries(cached.rules)) == list(rule_summaries(strict.rules))
    assert any_file_hashes(cached.rules) == any_file_hashes(strict.rules)
    assert cached.files == strict.files and cached.sources == strict.sources

    # The index: the same names, and the same entries for each (looked up lazily).
    lazy, eager = build_index(cached.rules), build_index(strict.rules)
    assert lazy.names == eager.names
    for table in ("by_name", "droppers", "integrity"):
        lazy_table, eager_table = getattr(lazy, table), getattr(eager, table)
        assert sorted(lazy_table) == sorted(eager_table)
        for key in eager_table:
            assert lazy_table.get(key) == eager_table[key] == lazy_table[key]
        assert lazy_table.get("no such key") is None
        assert "no such key" not in lazy_table
    # As pickled for workers started by spawn (not Linux): a plain index.
    assert pickle.loads(pickle.dumps(lazy)) == eager

    # A scan: the same findings and reports.
    project = _project(tmp_path / "project", strict.rules)
    request = ScanRequest(directory=str(project), workers=1)
    from_cache = _fixed(run_scan(request, _load([str(rules_path)], cache, monkeypatch)))
    from_strict = _fixed(run_scan(request, strict))
    assert from_cache.findings == from_strict.findings
    assert from_strict.findings, "the project should hit some rules"
    assert report_dict(from_cache) == report_dict(from_strict)
    two_workers = msgspec.structs.replace(request, workers=2)  # forked: the index inherited
    forked = _fixed(run_scan(two_workers, _load([str(rules_path)], cache, monkeypatch)))
    assert forked.findings == from_strict.findings
    for fmt in ReportFormat:
        assert render(from_cache, fmt) == render(from_strict, fmt), fmt

    # Every rule decoded (one call per file, or one by one) equals the strict loader's.
    assert cached.rules == strict.rules
    assert strict.rules == cached.rules
    one_by_one = _load([str(rules_path)], cache, monkeypatch).rules
    assert [one_by_one[i] for i in range(len(one_by_one))] == list(strict.rules)
    assert one_by_one[-1] == strict.rules[-1]
    assert list(one_by_one[3:7]) == list(strict.rules[3:7])
    return strict, cached


def test_bundled_pack_lazily_is_the_strict_rule_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _same_everywhere(PACK, tmp_path, monkeypatch)


def test_generated_10k_rules_lazily_are_the_strict_rule_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    strict, _ = _same_everywhere(_generated(tmp_path / "rules"), tmp_path, monkeypatch)
    assert len(strict.rules) == 10_000


def test_cached_and_bundled_rules_together(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cached feed with the bundled pack after it (``-rules X -builtin-rules``): one
    sequence, the feed's rules still undecoded, the same index as the strict rules."""
    rules = _generated(tmp_path / "rules", rules=300)
    cache = tmp_path / "cache"
    strict = _load([str(rules)], None, monkeypatch)
    _load([str(rules)], cache, monkeypatch)
    cached = _load([str(rules)], cache, monkeypatch)
    pack = tuple(load_pack(str(PACK)).rules)
    both = rule_cache.concat(cached.rules, pack)
    assert isinstance(both, rule_cache.CachedRules)
    assert rule_ids(both) == [r.id for r in (*strict.rules, *pack)]
    assert list(rule_summaries(both)) == list(rule_summaries((*strict.rules, *pack)))
    eager = build_index((*strict.rules, *pack))
    lazy = build_index(both)
    assert lazy.names == eager.names
    for key in eager.by_name:
        assert lazy.by_name[key] == eager.by_name[key]
    for key in eager.integrity:
        assert lazy.integrity[key] == eager.integrity[key]
    assert both == (*strict.rules, *pack)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[:-1], id="truncated"),
        pytest.param(lambda data: data[:-200] + bytes(200), id="zeroed-tail"),
        pytest.param(lambda data: data.replace(b"pkg-1", b"pkg-2", 1), id="changed-name"),
        pytest.param(lambda data: data[:60] + b"\xff" + data[61:], id="flipped-byte"),
        pytest.param(lambda data: b"GOUVRC\x00\x02" + data[8:], id="other-format"),
    ],
)
def test_damaged_entry_is_a_miss_never_fewer_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: Any
) -> None:
    rules = _generated(tmp_path / "rules", rules=200, files=1)
    cache = tmp_path / "cache"
    strict = _load([str(rules)], None, monkeypatch)
    _load([str(rules)], cache, monkeypatch)
    (entry,) = sorted((cache / "rules").glob("*.msgpack"))
    entry.write_bytes(damage(entry.read_bytes()))
    again = _load([str(rules)], cache, monkeypatch)
    assert not isinstance(again.rules, rule_cache.CachedRules)  # a miss: validated again
    assert again.rules == strict.rules
    rewritten = _load([str(rules)], cache, monkeypatch)  # the miss rewrote the entry
    assert isinstance(rewritten.rules, rule_cache.CachedRules)
    assert rewritten.rules == strict.rules


def test_duplicate_across_cached_files_is_an_error_as_without_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = _generated(tmp_path / "rules", rules=30, files=1)
    copy = tmp_path / "copy.json"
    copy.write_bytes((rules / "feed-0.json").read_bytes())
    paths = [str(rules), str(copy)]
    monkeypatch.delenv(rule_cache.ENV, raising=False)
    strict, strict_errors = load_rule_files(paths)
    monkeypatch.setenv(rule_cache.ENV, str(tmp_path / "cache"))
    for _ in range(2):  # filling, then from the cache
        cached, errors = load_rule_files(paths)
        assert [e.one_line() for e in errors] == [e.one_line() for e in strict_errors]
        assert len(errors) == 30
        assert cached.rules == strict.rules
        assert cached.files == strict.files


def test_rules_decoded_on_use_are_kept_when_all_are_decoded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rule decoded for a look-up is the object a later full iteration gives (the index and a
    renderer never hold two copies), and the rest is decoded in one call."""
    rules = _generated(tmp_path / "rules", rules=100, files=2)
    cache = tmp_path / "cache"
    strict = _load([str(rules)], None, monkeypatch)
    _load([str(rules)], cache, monkeypatch)
    cached = _load([str(rules)], cache, monkeypatch).rules
    assert isinstance(cached, rule_cache.CachedRules)
    early = [cached[5], cached[70], cached[-1]]
    every = list(cached)
    assert every == list(strict.rules)
    assert every[5] is early[0] and every[70] is early[1] and every[-1] is early[2]
    assert list(cached)[40] is every[40]
    with pytest.raises(IndexError):
        cached[100]


def _cli_report(out: Path) -> Any:
    report = json.loads(out.read_text(encoding="utf-8"))
    for key in ("id", "started_at", "finished_at"):
        report["scan"].pop(key, None)
    report["summary"].pop("elapsed_ms", None)
    return report


def test_cli_with_cached_rules_and_the_bundled_pack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``-rules FEED -builtin-rules``: the same exit code, report and messages without the
    cache, filling it, and from it; a feed rule reusing a bundled id is refused the same way."""
    rules = _generated(tmp_path / "rules", rules=400, files=2)
    monkeypatch.delenv(rule_cache.ENV, raising=False)
    strict = _load([str(rules)], None, monkeypatch)
    pack = load_pack(str(PACK)).rules
    project = _project(tmp_path / "project", (*strict.rules, *pack))
    runs = []
    for n, cache in enumerate((None, tmp_path / "cache", tmp_path / "cache")):
        if cache is None:
            monkeypatch.delenv(rule_cache.ENV, raising=False)
        else:
            monkeypatch.setenv(rule_cache.ENV, str(cache))
        out = tmp_path / f"out-{n}.json"
        args = ("-rules", str(rules), "-builtin-rules", "-json", "-output", str(out))
        done = run_cli(*args, "-dir", str(project), cwd=tmp_path)
        runs.append((done.returncode, _cli_report(out), done.stderr))
    assert runs[0][0] == 2 and runs[0][1]["findings"]
    assert runs[1] == runs[0] and runs[2] == runs[0]
    assert len(runs[0][1]["rules"]["loaded"]) == 400 + len(pack)

    clash = tmp_path / "clash.json"
    doc = json.loads((PACK / "incidents.json").read_text(encoding="utf-8"))
    clash.write_text(json.dumps({**doc, "rules": doc["rules"][:1]}), encoding="utf-8")
    messages = []
    for cache in (None, tmp_path / "cache", tmp_path / "cache"):
        if cache is None:
            monkeypatch.delenv(rule_cache.ENV, raising=False)
        else:
            monkeypatch.setenv(rule_cache.ENV, str(cache))
        done = run_cli("-rules", str(clash), "-builtin-rules", "-dir", str(project), cwd=tmp_path)
        messages.append((done.returncode, done.stderr))
    assert messages[0][0] == 1 and "is also a bundled rule" in messages[0][1]
    assert messages[1] == messages[0] and messages[2] == messages[0]


def test_host_scan_with_cached_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``-host`` (installed packages, payload hashes, host indicators) from cached rules: the
    same findings, checks and notes as from the strict loader's."""
    from gouvernante.host.checks import run_host_scan
    from gouvernante.host.context import HostContext
    from gouvernante.rules.model import OperatingSystem

    rules = _generated(tmp_path / "rules", rules=600, files=2)
    cache = tmp_path / "cache"
    strict = _load([str(rules)], None, monkeypatch)
    _load([str(rules)], cache, monkeypatch)
    cached = _load([str(rules)], cache, monkeypatch)
    project = tmp_path / "project"
    for n, rule in enumerate(strict.rules[:300]):
        prule = rule.package_rules[0]
        folder = project / "node_modules" / prule.package_name
        folder.mkdir(parents=True, exist_ok=True)
        version = next(iter(prule.exact), "0.0.99") if n % 2 else "0.0.99"
        manifest = {"name": prule.package_name, "version": version}
        (folder / "package.json").write_text(json.dumps(manifest), encoding="utf-8")
        (folder / "index.js").write_text(f"payload {n}\n", encoding="utf-8")
    (tmp_path / "home").mkdir()
    (tmp_path / "root").mkdir()
    ctx = HostContext(
        home=str(tmp_path / "home"), os=OperatingSystem.LINUX, system_root=str(tmp_path / "root")
    )
    from_strict = run_host_scan(strict.rules, ctx, [str(project)])
    from_cache = run_host_scan(cached.rules, ctx, [str(project)])
    timed = re.compile(r"in [0-9.]+ s")
    for field in ("findings", "checks", "errors", "installed_packages", "cache_entries"):
        assert getattr(from_cache, field) == getattr(from_strict, field), field
    assert [(n.path, timed.sub("", n.message)) for n in from_cache.notes] == [
        (n.path, timed.sub("", n.message)) for n in from_strict.notes
    ]
    kinds = {f.match for f in from_strict.findings}
    assert len(kinds) >= 2, kinds  # versions and payload hashes
    assert len(from_strict.checks) == sum(bool(r.host_indicators) for r in strict.rules)
