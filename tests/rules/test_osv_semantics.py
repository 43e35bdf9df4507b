"""OSV import semantics: the rule affects exactly the versions the OSV record does.

Real records under ``fixtures/importers/osv/ossf/`` come from the OpenSSF malicious-packages feed
(provenance in the README there); the others are written here. Verdicts are taken from the
scanner's own matcher (``package_hits``), so a test fails when the rule and the record disagree
on any version, not only when the JSON looks different.
"""

from __future__ import annotations

import json
import tracemalloc
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gouvernante.errors import RuleError
from gouvernante.match.hits import package_hits
from gouvernante.rules import loader
from gouvernante.rules.importers import ImportResult, import_feed, part_name
from gouvernante.rules.importers import osv as osv_module
from gouvernante.rules.importers._common import dump_document, dump_documents
from gouvernante.rules.index import build_index
from gouvernante.rules.loader import load_rule_files, parse_rule_document
from gouvernante.rules.model import Rule
from gouvernante.semver import Version, parse_version

OSSF = Path(__file__).parent / "fixtures" / "importers" / "osv" / "ossf"


def loaded(result: ImportResult) -> list[Rule]:
    """The generated documents through the real rule loader (no error allowed)."""
    rules: list[Rule] = []
    for name, data in result.documents:
        parsed, errors = parse_rule_document(data, name)
        assert [e.one_line() for e in errors] == []
        rules.extend(parsed)
    return rules


def affected(rules: Sequence[Rule], name: str, version: str) -> set[str]:
    """Ids of the rules the scanner reports for ``name@version``."""
    hits = package_hits(build_index(tuple(rules)), name, version, None)
    return {hit.rule.id for hit in hits}


def versions_of(result: ImportResult) -> dict[str, dict[str, list[str]]]:
    out: dict[str, dict[str, list[str]]] = {}
    for _, data in result.documents:
        for rule in json.loads(data)["rules"]:
            out[rule["id"]] = {
                p["package_name"]: p["affected_versions"] for p in rule["package_rules"]
            }
    return out


def write(path: Path, records: Sequence[Mapping[str, Any]]) -> str:
    path.write_text(json.dumps(list(records)))
    return str(path)


def record(rec_id: str, name: str, **affected_fields: Any) -> dict[str, Any]:
    return {
        "id": rec_id,
        "affected": [{"package": {"ecosystem": "npm", "name": name}, **affected_fields}],
    }


def semver_range(*events: Mapping[str, str]) -> dict[str, Any]:
    return {"type": "SEMVER", "events": list(events)}


# --- the real feed records ---------------------------------------------------------------------

EXPECTED_OSSF = {
    "MAL-2024-8723": {"wekan": ["*"]},
    "MAL-2025-4551": {"aspirejavascript-vite": ["*"]},
    "MAL-2025-4536": {"xsolla-pay2play-widget": [">=3.2.5"]},
    "MAL-2024-2529": {"internal-logger": ["=2.9.0"]},
    "MAL-2023-462": {"fsevents": [">=1.0.0 <1.2.11"]},
    "MAL-2024-11183": {"@solana/web3.js": [">=1.95.6 <1.95.8"]},
    "MAL-2022-499": {"@personio-internal/split-sdk-provider": ["<=1.23.0"]},
}


def test_ossf_records_import_the_union() -> None:
    result = import_feed("osv", [str(OSSF)])
    assert versions_of(result) == EXPECTED_OSSF
    # no record here has clean releases stated anywhere in the import: no warning
    assert result.warnings == ()
    rules = loaded(result)
    # the bug this fixes: introduced "0" plus versions ["9.9.9"] missed every other version
    assert affected(rules, "wekan", "9.9.9") == {"MAL-2024-8723"}
    assert affected(rules, "wekan", "10.0.0") == {"MAL-2024-8723"}
    assert affected(rules, "wekan", "0.0.1-beta") == {"MAL-2024-8723"}
    # bounded records stay bounded
    assert affected(rules, "fsevents", "1.2.10") == {"MAL-2023-462"}
    assert affected(rules, "fsevents", "1.2.11") == set()
    assert affected(rules, "fsevents", "0.9.0") == set()
    assert affected(rules, "@personio-internal/split-sdk-provider", "1.23.0") != set()
    assert affected(rules, "@personio-internal/split-sdk-provider", "1.23.1") == set()
    assert affected(rules, "@solana/web3.js", "1.95.7") == {"MAL-2024-11183"}
    assert affected(rules, "@solana/web3.js", "1.95.8") == set()
    assert affected(rules, "internal-logger", "2.9.1") == set()


def test_ossf_records_with_narrow_keep_the_listed_versions() -> None:
    result = import_feed("osv", [str(OSSF)], {"narrow": "yes"})
    expected = dict(EXPECTED_OSSF)
    expected["MAL-2024-8723"] = {"wekan": ["=9.9.9"]}
    expected["MAL-2025-4551"] = {"aspirejavascript-vite": [">=100.101.1337"]}
    assert versions_of(result) == expected
    (warning,) = result.warnings
    assert warning == (
        "narrow: 2 record(s) imported with their listed versions and bounded windows only, "
        "every-version ranges dropped: MAL-2024-8723, MAL-2025-4551"
    )
    rules = loaded(result)
    assert affected(rules, "wekan", "10.0.0") == set()
    assert affected(rules, "wekan", "9.9.9") == {"MAL-2024-8723"}


def test_ossf_zip_equals_folder(tmp_path: Path) -> None:
    archive = tmp_path / "npm.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for file in sorted(OSSF.rglob("*.json")):
            zf.write(file, f"osv/malicious/npm/{file.relative_to(OSSF)}")
    from_zip = import_feed("osv", [str(archive)])
    from_dir = import_feed("osv", [str(OSSF)])
    assert [name for name, _ in from_zip.documents] == ["npm.json"]
    assert from_zip.documents[0][1] == from_dir.documents[0][1]


def test_zip_member_names_are_never_paths_on_disk(tmp_path: Path) -> None:
    # members are read in memory: '../' or absolute names create nothing anywhere
    archive = tmp_path / "in" / "evil.zip"
    archive.parent.mkdir()
    one = json.dumps(record("MAL-2099-100", "p", versions=["1.0.0"]))
    two = json.dumps(record("MAL-2099-101", "q", versions=["1.0.0"]))
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../../escaped.json", one)
        zf.writestr("/abs/escaped2.json", two)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = import_feed("osv", [str(archive)])
    assert sorted(versions_of(result)) == ["MAL-2099-100", "MAL-2099-101"]
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_zip_total_size_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for n in range(5):
            zf.writestr(f"r{n}.json", json.dumps(record(f"MAL-2099-{n}", "p", versions=["1.0.0"])))
    monkeypatch.setattr(osv_module, "MAX_ZIP_TOTAL_BYTES", 300)
    with pytest.raises(RuleError, match="too large once uncompressed"):
        import_feed("osv", [str(archive)])


def test_zip_member_count_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for n in range(5):
            zf.writestr(f"r{n}.json", "{}")
    monkeypatch.setattr(osv_module, "MAX_ZIP_MEMBERS", 4)
    with pytest.raises(RuleError, match="more than 4 members"):
        import_feed("osv", [str(archive)])


# --- union semantics, written by hand ----------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected", "inside", "outside"),
    [
        # introduced "0" and a versions list: every version
        (
            {"ranges": [semver_range({"introduced": "0"})], "versions": ["1.0.0"]},
            ["*"],
            ["1.0.0", "2.0.0", "0.0.0-alpha"],
            [],
        ),
        # introduced/fixed plus a version outside the window: both
        (
            {
                "ranges": [semver_range({"introduced": "1.0.0"}, {"fixed": "1.2.0"})],
                "versions": ["3.0.0", "1.1.0"],
            },
            ["=3.0.0", ">=1.0.0 <1.2.0"],
            ["1.0.0", "1.1.9", "1.2.0-rc.1", "3.0.0"],
            ["0.9.9", "1.2.0", "2.0.0", "3.0.1", "1.0.0-rc.1"],
        ),
        # last_affected is inclusive
        (
            {"ranges": [semver_range({"introduced": "2.0.0"}, {"last_affected": "2.3.1"})]},
            [">=2.0.0 <=2.3.1"],
            ["2.0.0", "2.3.1"],
            ["2.3.2", "1.9.9", "2.3.2-0"],
        ),
        # versions only
        ({"versions": ["1.0.1", "1.0.0"]}, ["=1.0.0", "=1.0.1"], ["1.0.1"], ["1.0.2"]),
        # events out of order are sorted first (the schema's evaluation)
        (
            {
                "ranges": [
                    semver_range(
                        {"fixed": "2.0.0"}, {"introduced": "1.0.0"}, {"introduced": "3.0.0"}
                    )
                ]
            },
            [">=1.0.0 <2.0.0", ">=3.0.0"],
            ["1.5.0", "3.0.0", "9.0.0"],
            ["2.0.0", "2.9.9", "0.1.0"],
        ),
        # limit: nothing at or above it, even with introduced "0"
        (
            {
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"limit": "5.0.0"}]}
                ]
            },
            ["<5.0.0"],
            ["4.9.9", "5.0.0-beta"],
            ["5.0.0", "6.0.0"],
        ),
        # introduced "0.0.0" means "0"
        (
            {"ranges": [semver_range({"introduced": "0.0.0"})], "versions": ["1.0.0"]},
            ["*"],
            ["0.0.0-alpha", "7.0.0"],
            [],
        ),
    ],
)
def test_union_of_ranges_and_versions(
    tmp_path: Path,
    fields: dict[str, Any],
    expected: list[str],
    inside: list[str],
    outside: list[str],
) -> None:
    result = import_feed("osv", [write(tmp_path / "r.json", [record("MAL-2099-1", "p", **fields)])])
    assert versions_of(result) == {"MAL-2099-1": {"p": expected}}
    rules = loaded(result)
    for version in inside:
        assert affected(rules, "p", version) == {"MAL-2099-1"}, version
    for version in outside:
        assert affected(rules, "p", version) == set(), version


def test_unreadable_events_widen_never_narrow(tmp_path: Path) -> None:
    rng = semver_range({"introduced": "1.x"}, {"fixed": "latest"})
    result = import_feed(
        "osv", [write(tmp_path / "r.json", [record("MAL-2099-2", "p", ranges=[rng])])]
    )
    assert versions_of(result) == {"MAL-2099-2": {"p": ["*"]}}
    text = "\n".join(result.warnings)
    assert "introduced '1.x' is not a version; read as \"0\"" in text
    assert "fixed 'latest' is not a version; dropped" in text


def test_range_with_no_introduced_affects_nothing(tmp_path: Path) -> None:
    fields = {"ranges": [semver_range({"fixed": "2.0.0"})], "versions": ["1.0.0"]}
    result = import_feed("osv", [write(tmp_path / "r.json", [record("MAL-2099-3", "p", **fields)])])
    assert versions_of(result) == {"MAL-2099-3": {"p": ["=1.0.0"]}}
    assert any("ranges[0] affects no version" in w for w in result.warnings)


# --- the clean-release warning -----------------------------------------------------------------


def test_warning_once_per_record_naming_the_other_record(tmp_path: Path) -> None:
    every = {"ranges": [semver_range({"introduced": "0"})], "versions": ["4.1.1"]}
    records = [
        # two affected entries for the same package and a second all-versions package:
        # still one warning for the record
        {
            "id": "MAL-2099-10",
            "affected": [
                {"package": {"ecosystem": "npm", "name": "popular"}, **every},
                {"package": {"ecosystem": "npm", "name": "popular"}, **every},
                {"package": {"ecosystem": "npm", "name": "other"}, **every},
            ],
        },
        record("GHSA-2099-aaaa-bbbb", "popular", versions=["4.1.1", "4.1.2"]),
        record("MAL-2099-11", "other", ranges=[semver_range({"introduced": "0"})]),
        record("MAL-2099-12", "lonely", **every),
    ]
    result = import_feed("osv", [write(tmp_path / "feed.json", records)])
    assert result.warnings == (
        f"{tmp_path / 'feed.json'}:[0] (MAL-2099-10): every version of popular "
        "(GHSA-2099-aaaa-bbbb "
        "affects only =4.1.1 || =4.1.2) imported as affected, although the import says some "
        "releases are clean; check the record, or import with --narrow to keep only its listed "
        "versions and bounded windows",
    )


def test_warning_spans_the_inputs_of_one_import(tmp_path: Path) -> None:
    a = write(
        tmp_path / "a.json",
        [record("MAL-2099-20", "p", ranges=[semver_range({"introduced": "0"})])],
    )
    bounded = semver_range({"introduced": "1.0.0"}, {"fixed": "1.0.5"})
    b = write(tmp_path / "b.json", [record("GHSA-2099-cccc-dddd", "p", ranges=[bounded])])
    result = import_feed("osv", [a, b])
    (warning,) = result.warnings
    assert "(MAL-2099-20)" in warning
    assert "GHSA-2099-cccc-dddd affects only >=1.0.0 <1.0.5" in warning


def test_origins_with_an_end_count_as_clean_releases(tmp_path: Path) -> None:
    rec = record("MAL-2099-30", "p", ranges=[semver_range({"introduced": "0"})])
    rec["database_specific"] = {
        "malicious-packages-origins": [
            {"source": "a", "ranges": [semver_range({"introduced": "0"})]},
            {"source": "b", "ranges": [semver_range({"introduced": "2.0.0"}, {"fixed": "2.0.1"})]},
            {"source": "c", "versions": ["2.0.0"]},
        ]
    }
    result = import_feed("osv", [write(tmp_path / "r.json", [rec])])
    (warning,) = result.warnings
    assert "every version of p (this record also gives >=2.0.0 <2.0.1)" in warning


def test_an_open_late_start_is_not_a_clean_release(tmp_path: Path) -> None:
    # aspirejavascript-vite shape: a source saw malicious versions from 100.101.1337 on
    ranges = [semver_range({"introduced": "0"}), semver_range({"introduced": "100.101.1337"})]
    result = import_feed(
        "osv", [write(tmp_path / "r.json", [record("MAL-2099-40", "p", ranges=ranges)])]
    )
    assert result.warnings == ()


def test_narrow_leaves_records_without_anything_narrower(tmp_path: Path) -> None:
    rec = record("MAL-2099-50", "p", ranges=[semver_range({"introduced": "0"})])
    result = import_feed("osv", [write(tmp_path / "r.json", [rec])], {"narrow": "yes"})
    assert versions_of(result) == {"MAL-2099-50": {"p": ["*"]}}
    assert result.warnings == ()


def test_narrow_is_an_osv_option_only(tmp_path: Path) -> None:
    path = tmp_path / "l.txt"
    path.write_text("p@1.0.0\n")
    with pytest.raises(RuleError, match="narrow"):
        import_feed("list", [str(path)], {"narrow": "yes"})


# --- big feeds: several files, each under the loader's limit -----------------------------------


def _big_feed(tmp_path: Path, count: int) -> str:
    records = [
        {
            **record(f"MAL-2099-{n:05d}", f"pkg-{n}", versions=["1.0.0"]),
            "details": "x" * 400,
        }
        for n in range(count)
    ]
    return write(tmp_path / "big.json", records)


def test_big_feed_is_split_into_loadable_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit = 64 * 1024
    monkeypatch.setattr(loader, "MAX_FILE_BYTES", limit)
    feed = _big_feed(tmp_path, 400)
    result = import_feed("osv", [feed])
    names = [name for name, _ in result.documents]
    assert len(names) >= 3
    assert names == [part_name("big.json", n) for n in range(1, len(names) + 1)]
    assert all(len(data) <= limit for _, data in result.documents)
    # parts are nearly full: no part but the last is under half the limit
    assert all(len(data) > limit // 2 for _, data in result.documents[:-1])
    out = tmp_path / "rules"
    out.mkdir()
    for name, data in result.documents:
        (out / name).write_bytes(data)
    ruleset, errors = load_rule_files([str(out)])
    assert errors == []
    assert len(ruleset.rules) == 400
    assert any("400 rules written as" in w for w in result.warnings)
    # the one document it replaces is over the limit, and the loader refuses it
    everything = [rule for _, data in result.documents for rule in json.loads(data)["rules"]]
    whole = tmp_path / "whole.json"
    whole.write_bytes(dump_document(everything))
    _, refused = load_rule_files([str(whole)])
    assert len(refused) == 1 and "whole.json" in refused[0].one_line()


def test_small_feed_stays_one_file(tmp_path: Path) -> None:
    result = import_feed("osv", [_big_feed(tmp_path, 3)])
    assert [name for name, _ in result.documents] == ["big.json"]


def test_a_rule_larger_than_the_limit_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="alone is larger"):
        import_feed("osv", [_big_feed(tmp_path, 3)], max_file_bytes=300)


# --- property: the rule's verdict is the OSV spec's verdict ------------------------------------

_POOL = [
    "1.0.0",
    "1.0.1",
    "1.1.0-beta.1",
    "1.1.0",
    "2.0.0-0",
    "2.0.0",
    "2.0.1",
    "3.0.0-alpha",
    "3.0.0",
    "10.0.0",
]
_PROBES = sorted(
    {*_POOL, "0.0.1", "0.9.0", "1.0.0-rc.1", "1.0.2", "1.5.0", "2.0.0-rc.2", "2.5.0", "4.0.0"},
    key=parse_version,
)

_event = st.one_of(
    st.builds(lambda v: {"introduced": v}, st.sampled_from(["0", *_POOL])),
    st.builds(lambda v: {"fixed": v}, st.sampled_from(_POOL)),
    st.builds(lambda v: {"last_affected": v}, st.sampled_from(_POOL)),
    st.builds(lambda v: {"limit": v}, st.sampled_from(["*", *_POOL])),
)
_range = st.builds(
    lambda t, events: {"type": t, "events": events},
    st.sampled_from(["SEMVER", "ECOSYSTEM"]),
    st.lists(_event, max_size=5),
)
_affected = st.fixed_dictionaries(
    {"package": st.just({"ecosystem": "npm", "name": "p"})},
    optional={
        "versions": st.lists(st.sampled_from(_POOL), max_size=4),
        "ranges": st.lists(_range, max_size=3),
    },
)


def _event_version(event: Mapping[str, str]) -> Version | None:
    (value,) = event.values()
    return None if value in ("0", "*") else parse_version(value)


def _osv_affected(rec: Mapping[str, Any], version: Version) -> bool:
    """The OSV schema's evaluation, written out literally (independent of the importer)."""
    if not any(e.get("versions") or e.get("ranges") for e in rec["affected"]):
        # decision 0125: a malicious record that gives no version or range is every version
        return bool(rec["id"].startswith("MAL-"))
    for entry in rec["affected"]:
        if any(parse_version(v) == version for v in entry.get("versions", [])):
            return True
        for rng in entry.get("ranges", []):
            events = rng["events"]
            limits = [e["limit"] for e in events if "limit" in e]
            if limits and not any(lim == "*" or version < parse_version(lim) for lim in limits):
                continue
            ordered = sorted(
                (e for e in events if "limit" not in e),
                key=lambda e: (
                    (0, Version(0, 0, 0)) if _event_version(e) is None else (1, _event_version(e))
                ),
            )
            hit = False
            for e in ordered:
                if "introduced" in e:
                    if e["introduced"] == "0" or version >= parse_version(e["introduced"]):
                        hit = True
                elif "fixed" in e:
                    if version >= parse_version(e["fixed"]):
                        hit = False
                elif version > parse_version(e["last_affected"]):
                    hit = False
            if hit:
                return True
    return False


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(entries=st.lists(_affected, min_size=1, max_size=2))
def test_property_rule_verdict_equals_osv_spec(
    tmp_path: Path, entries: list[dict[str, Any]]
) -> None:
    rec = {"id": "MAL-2099-99", "affected": entries}
    path = tmp_path / "prop.json"
    path.write_text(json.dumps(rec))
    result = import_feed("osv", [str(path)])
    rules = loaded(result)
    for probe in _PROBES:
        expected = _osv_affected(rec, parse_version(probe))
        assert bool(affected(rules, "p", probe)) == expected, (probe, rec, versions_of(result))


def test_warning_counts_many_other_records_without_listing_them(tmp_path: Path) -> None:
    records = [record("MAL-2099-60", "p", ranges=[semver_range({"introduced": "0"})])]
    records += [record(f"GHSA-2099-{n}", "p", versions=[f"1.0.{n}"]) for n in range(6)]
    result = import_feed("osv", [write(tmp_path / "r.json", records)])
    (warning,) = result.warnings
    assert "GHSA-2099-0 affects only =1.0.0; GHSA-2099-1" in warning
    assert "GHSA-2099-3" not in warning
    assert "3 more record(s)" in warning


def test_long_record_values_are_cut_in_warnings(tmp_path: Path) -> None:
    rng = semver_range({"introduced": "1.0.0"}, {"fixed": "x" * 5000})
    rec = record("MAL-2099-70", "p", ranges=[rng])
    result = import_feed("osv", [write(tmp_path / "r.json", [rec])])
    assert versions_of(result) == {"MAL-2099-70": {"p": [">=1.0.0"]}}
    assert all(len(w) < 400 for w in result.warnings)
    assert any("'xxxx" in w and "..." in w for w in result.warnings)


# --- records that name their package otherwise, or twice (decision 0125) -----------------------


def test_duplicate_id_with_other_packages_is_merged_not_dropped(tmp_path: Path) -> None:
    """Two records of one id (a folder plus an API answer, two exports) that differ: the second
    used to be skipped with a warning, leaving its packages and versions clean. Now one rule
    affects the union; an identical repeat is still only skipped."""
    first = record("MAL-2099-80", "dup-a", versions=["1.0.0"])
    second = {
        "id": "MAL-2099-80",
        "affected": [
            {"package": {"ecosystem": "npm", "name": "dup-a"}, "versions": ["1.1.0"]},
            {"package": {"ecosystem": "npm", "name": "dup-b"}, "versions": ["2.0.0"]},
        ],
    }
    result = import_feed("osv", [write(tmp_path / "r.json", [first, second, second])])
    rules = loaded(result)
    assert affected(rules, "dup-a", "1.0.0") == {"MAL-2099-80"}
    assert affected(rules, "dup-a", "1.1.0") == {"MAL-2099-80"}
    assert affected(rules, "dup-b", "2.0.0") == {"MAL-2099-80"}
    assert affected(rules, "dup-a", "1.0.1") == set()
    merged = [w for w in result.warnings if "merged" in w]
    assert len(merged) == 1 and f"{tmp_path / 'r.json'}:[1]" in merged[0]
    assert any(w.endswith("duplicate record id MAL-2099-80 skipped") for w in result.warnings)


def test_duplicate_id_across_inputs_is_one_rule(tmp_path: Path) -> None:
    """Before: one document per input, both holding the id; the loader refuses the second
    definition (an error of every scan)."""
    a = write(tmp_path / "a.json", [record("MAL-2099-81", "p", versions=["1.0.0"])])
    b = write(tmp_path / "b.json", [record("MAL-2099-81", "p", versions=["2.0.0"])])
    result = import_feed("osv", [a, b])
    rules = loaded(result)
    assert [r.id for r in rules] == ["MAL-2099-81"]
    assert affected(rules, "p", "1.0.0") == affected(rules, "p", "2.0.0") == {"MAL-2099-81"}


@pytest.mark.parametrize(
    ("package", "name"),
    [
        ({"ecosystem": "npm", "purl": "pkg:npm/%40scope/purl-only@1.0.0"}, "@scope/purl-only"),
        ({"ecosystem": "npm", "purl": "pkg:npm/@scope/purl-only"}, "@scope/purl-only"),
        ({"ecosystem": "npm", "purl": "pkg:npm/purl-only@1.0.0?x=1#a/b"}, "purl-only"),
        ({"purl": "pkg:NPM/%40scope/purl-only"}, "@scope/purl-only"),
        ({"ecosystem": "npm", "name": " spaced\t"}, "spaced"),
        ({"ecosystem": " npm ", "name": "eco-spaced"}, "eco-spaced"),
    ],
)
def test_package_named_by_purl_or_with_blanks_is_imported(
    tmp_path: Path, package: dict[str, str], name: str
) -> None:
    """The package is unambiguous (a purl without ``name``, blanks npm names cannot have): the
    record used to be skipped with a warning, a lockfile holding the release clean."""
    rec = {"id": "MAL-2099-82", "affected": [{"package": package, "versions": ["1.0.0"]}]}
    rules = loaded(import_feed("osv", [write(tmp_path / "r.json", [rec])]))
    assert affected(rules, name, "1.0.0") == {"MAL-2099-82"}
    assert affected(rules, name, "1.0.1") == set()


def test_purl_naming_another_package_widens_with_a_warning(tmp_path: Path) -> None:
    package = {"ecosystem": "npm", "name": "named", "purl": "pkg:npm/%40other/purled@1.0.0"}
    same_but_case = {"ecosystem": "npm", "name": "JSONStreamY", "purl": "pkg:npm/jsonstreamy"}
    recs = [
        {"id": "MAL-2099-83", "affected": [{"package": package, "versions": ["1.0.0"]}]},
        {"id": "MAL-2099-84", "affected": [{"package": same_but_case, "versions": ["1.0.0"]}]},
    ]
    result = import_feed("osv", [write(tmp_path / "r.json", recs)])
    rules = loaded(result)
    assert affected(rules, "named", "1.0.0") == {"MAL-2099-83"}
    assert affected(rules, "@other/purled", "1.0.0") == {"MAL-2099-83"}
    # a purl spells npm names in lower case: not another package
    assert versions_of(result)["MAL-2099-84"] == {"JSONStreamY": ["=1.0.0"]}
    (warning,) = result.warnings
    assert "(MAL-2099-83): affected[0].package: purl names '@other/purled'" in warning


@pytest.mark.parametrize(
    "fields",
    [
        {"ranges": [{"type": "GIT", "repo": "https://example.invalid/r", "events": [{"a": 1}]}]},
        {"ranges": [{"type": "GIT", "repo": "https://example.invalid/r", "events": []}]},
        {"versions": []},
        {},
        {"ranges": [{"type": "CUSTOM", "events": [{"introduced": "1.0.0"}]}]},
    ],
)
def test_malicious_record_without_readable_versions_is_every_version(
    tmp_path: Path, fields: dict[str, Any]
) -> None:
    """A malicious-packages record naming an npm package whose versions we cannot read (a GIT
    range only, an empty list, nothing): the record was skipped with a warning, every release
    of a package the feed calls malicious scanning clean. Widened to every version, warned;
    a vulnerability record of that shape is still skipped (widened, it would flag clean
    releases of a real package)."""
    mal = record("MAL-2099-90", "no-versions", **fields)
    vuln = record("GHSA-2099-91", "no-versions-vuln", **fields)
    result = import_feed("osv", [write(tmp_path / "r.json", [mal, vuln])])
    rules = loaded(result)
    assert affected(rules, "no-versions", "1.0.0") == {"MAL-2099-90"}
    assert affected(rules, "no-versions", "0.0.1-rc.1") == {"MAL-2099-90"}
    assert affected(rules, "no-versions-vuln", "1.0.0") == set()
    widened = [w for w in result.warnings if "every version imported" in w]
    assert len(widened) == 1 and "(MAL-2099-90)" in widened[0]
    assert any("(GHSA-2099-91): no npm package with usable versions" in w for w in result.warnings)


def test_malicious_record_whose_ranges_affect_nothing_stays_empty(tmp_path: Path) -> None:
    """A range we read that affects no version is the record's word: not widened."""
    rng = semver_range({"fixed": "1.0.0"}, {"last_affected": "2.0.0"})
    result = import_feed(
        "osv", [write(tmp_path / "r.json", [record("MAL-2099-92", "p", ranges=[rng])])]
    )
    assert result.documents == ()
    assert not any("every version imported" in w for w in result.warnings)


def test_split_documents_cost_about_their_own_size(tmp_path: Path) -> None:
    """Writing a big import as parts formats each rule once: the memory it takes beyond the
    rules is about the output twice (the rules' text, the parts). It used to format the whole
    document first (as text, then as bytes), then every rule to size it, then each part: 1.2 GB
    for a 94 MB, 300,000-record feed (decision 0125)."""
    rules = [
        {"id": f"MAL-2099-{n:05d}", "title": "t" * 200, "package_rules": [{"package_name": "p"}]}
        for n in range(3000)
    ]
    tracemalloc.start()
    try:
        parts = dump_documents(rules, 64 * 1024, "feed.json")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    total = sum(map(len, parts))
    assert len(parts) > 5 and all(len(p) <= 64 * 1024 for p in parts)
    assert peak < 2.5 * total, (peak, total)
    assert b"".join(p[p.index(b"[") :] for p in parts).count(b'"id"') == 3000


def test_documents_are_the_json_module_formatting() -> None:
    """Rules formatted one by one and assembled are byte for byte ``json.dumps`` of the
    document (indent 2, UTF-8 kept, rules in id order), and so is an empty document."""
    rules: list[dict[str, Any]] = [
        {"id": "MAL-2", "title": 'é\n"x"\u2028', "package_rules": [], "n": [1, {"a": None}]},
        {"id": "MAL-1", "title": "t", "package_rules": [{"package_name": "p"}]},
    ]
    for chosen in (rules, []):
        doc = {"schema_version": "1.0.0", "rules": sorted(chosen, key=lambda r: str(r["id"]))}
        expected = (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        assert dump_document(chosen) == expected
        assert dump_documents(chosen, 1 << 20, "f.json") == [expected]
