"""Tests of the feed importers (OSV, CSV, plain lists) on small hand-made samples."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gouvernante.errors import RuleError
from gouvernante.rules.importers import FeedError, ImportResult, import_feed
from gouvernante.rules.importers import osv as osv_module
from gouvernante.rules.importers._common import (
    MAX_WARNINGS_PER_KIND,
    NOT_A_VERSION,
    version_expression,
)

FIXTURES = Path(__file__).parent / "fixtures" / "importers"


def _semver_ready() -> bool:
    try:
        from gouvernante.semver import parse_range

        parse_range("=1.2.3")
    except NotImplementedError:
        return False
    return True


def validate(result: ImportResult) -> None:
    """Every generated document must load with the real rule loader without errors."""
    if not _semver_ready():
        return
    from gouvernante.rules.loader import parse_rule_document

    for name, data in result.documents:
        rules, errors = parse_rule_document(data, name)
        assert [e.one_line() for e in errors] == []
        assert len(rules) == len(json.loads(data)["rules"])


def rules_of(result: ImportResult) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for _, data in result.documents:
        for rule in json.loads(data)["rules"]:
            assert rule["id"] not in out
            out[rule["id"]] = rule
    return out


def versions(rule: dict[str, Any]) -> dict[str, list[str]]:
    return {p["package_name"]: p["affected_versions"] for p in rule["package_rules"]}


def fx(*parts: str) -> str:
    return str(FIXTURES.joinpath(*parts))


# --- OSV --------------------------------------------------------------------------------------


def test_osv_merged_open_range_imports_every_version_and_warns() -> None:
    # OSV semantics: affected when ANY range says so, so the open range wins; the record's
    # bounded window says later releases are clean, hence the one warning (MAL-2025-47141 shape)
    result = import_feed("osv", [fx("osv", "MAL-2099-0001.json")])
    validate(result)
    assert [name for name, _ in result.documents] == ["MAL-2099-0001.json"]
    rule = rules_of(result)["MAL-2099-0001"]
    assert versions(rule) == {"@example/colors": ["*"]}
    assert rule["kind"] == "malicious-package"
    assert rule["severity"] == "critical"
    assert rule["title"] == "Malicious code in @example/colors (npm)"
    assert rule["aliases"] == [{"type": "ghsa", "value": "GHSA-aaaa-bbbb-cccc"}]
    assert rule["metadata"] == {
        "published_at": "2099-01-01T00:00:00Z",
        "last_updated_at": "2099-01-02T03:04:05Z",
    }
    (warning,) = result.warnings
    assert "MAL-2099-0001" in warning
    assert "every version of @example/colors (this record also gives >=4.1.1 <=4.1.2)" in warning
    assert "--narrow" in warning


def test_osv_merged_open_range_with_narrow_imports_the_window() -> None:
    result = import_feed("osv", [fx("osv", "MAL-2099-0001.json")], {"narrow": "yes"})
    validate(result)
    rule = rules_of(result)["MAL-2099-0001"]
    assert versions(rule) == {"@example/colors": [">=4.1.1 <=4.1.2"]}
    assert rule["kind"] == "compromised-release"
    (warning,) = result.warnings
    assert warning.startswith("narrow: 1 record(s)") and warning.endswith("MAL-2099-0001")


def test_osv_directory_of_records() -> None:
    result = import_feed("osv", [fx("osv", "records")])
    validate(result)
    assert [name for name, _ in result.documents] == ["records.json"]
    rules = rules_of(result)
    assert sorted(rules) == ["GHSA-zzzz-yyyy-xxxx", "MAL-2099-0002", "MAL-2099-0003"]

    fetchy = rules["MAL-2099-0002"]
    assert versions(fetchy) == {"fetchy": ["=1.9.9", "=2.0.1"]}
    assert fetchy["kind"] == "compromised-release"
    assert fetchy["aliases"] == [
        {"type": "cve", "value": "CVE-2099-12345"},
        {"type": "ghsa", "value": "GHSA-dddd-eeee-ffff"},
    ]
    assert fetchy["references"] == [
        {"type": "advisory", "url": "https://osv.dev/vulnerability/MAL-2099-0002"},
        {"type": "article", "url": "https://blog.example.org/fetchy"},
        {"type": "article", "url": "https://github.com/example/fetchy/issues/1"},
        {"type": "other", "url": "https://example.net/notes"},
        {"type": "other", "url": "https://www.npmjs.com/package/fetchy"},
    ]
    network = [h["value"] for h in fetchy["host_indicators"] if h["type"] == "network"]
    assert network == [
        "evil-cdn.example",
        "192.0.2.10",
        "http://evil-cdn.example:8000/stage2",
    ]
    files = [h for h in fetchy["host_indicators"] if h["type"] == "file"]
    assert files == [
        {
            "type": "file",
            "path": "node_modules/fetchy/lib",
            "file_name": "setup.cjs",
            "hashes": [
                {
                    "algorithm": "sha256",
                    "value": "96097e0612d9575cb133021017fb1a5c68a03b60f9f3d24ebdc0e628d9034144",
                }
            ],
            "confidence": "high",
            "notes": files[0]["notes"],
        }
    ]
    assert fetchy["integrity"] == [
        "sha1-9ZdKl3SiKoY3KLlgVD9o5wCQme8=",
        "sha512-ParJgA8rMBa1CAv6QFDZYzZxsNsmHWL24RapTSVbZB9qVE+dC7mHNwDj5gcd874bKjjk7w0pI"
        "/WMYrx9TxU7nQ==",
    ]
    assert fetchy["metadata"]["last_updated_at"] == "2099-02-03T10:00:00.123Z"

    typosquat = rules["MAL-2099-0003"]
    assert versions(typosquat) == {"lodahs": ["*"]}
    assert typosquat["kind"] == "malicious-package"

    vuln = rules["GHSA-zzzz-yyyy-xxxx"]
    assert vuln["kind"] == "vulnerability"
    assert vuln["severity"] == "medium"
    # 1.2.3 and 2.0.5 lie inside the ranges; the prerelease does not (npm semantics)
    assert versions(vuln) == {"deepmerge-lite": ["=2.2.0-beta.1", "<1.2.4", ">=2.0.0 <2.1.0"]}

    text = "\n".join(result.warnings)
    assert "evidence file path '../../etc/passwd' skipped" in text
    assert "is not a version" not in text  # " v2.0.1 " is 2.0.1, as node-semver reads it
    assert "MAL-2099-0004.json: no npm package with usable versions" in text
    assert "other ecosystems skipped: PyPI" in text
    assert "ranges[1] of type 'GIT' skipped" in text


def test_osv_zip_export_matches_directory(tmp_path: Path) -> None:
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for file in sorted((FIXTURES / "osv" / "records").iterdir()):
            zf.write(file, f"osv/{file.name}")
        zf.writestr("osv/ignored.csv", "a,b\n")
    from_zip = import_feed("osv", [str(archive)])
    from_dir = import_feed("osv", [fx("osv", "records")])
    assert [name for name, _ in from_zip.documents] == ["all.json"]
    assert from_zip.documents[0][1] == from_dir.documents[0][1]


def test_osv_zip_member_size_is_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.json", "[" + " " * 5000 + "]")
    monkeypatch.setattr(osv_module, "MAX_RECORD_BYTES", 1000)
    with pytest.raises(RuleError, match="too large"):
        import_feed("osv", [str(archive)])


def test_osv_bad_zip_is_a_clean_error(tmp_path: Path) -> None:
    bad = tmp_path / "all.zip"
    bad.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(RuleError, match="zip"):
        import_feed("osv", [str(bad)])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe{}", "UTF-8"),
        (b'{"id": "MAL-1", "affected": [', "invalid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "invalid JSON"),
        (b"42", "expected an OSV record"),
    ],
)
def test_osv_hostile_input_raises_rule_error(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(content)
    with pytest.raises(RuleError, match=message) as info:
        import_feed("osv", [str(path)])
    assert str(path) in str(info.value)


def test_osv_wrong_types_are_warnings_not_crashes(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    record = {
        "id": "MAL-2099-9",
        "affected": [
            "nope",
            {"package": 3},
            {"package": {"ecosystem": "npm", "name": "ok-pkg"}, "versions": ["1.0.0"]},
            {"package": {"ecosystem": "npm", "name": "ok-pkg"}, "ranges": [{"events": "x"}, 5]},
        ],
        "references": [{"type": "WEB", "url": 7}, "x"],
        "aliases": [None, 3],
        "database_specific": {"iocs": {"domains": [1, "a[.]example"]}},
    }
    path.write_text(json.dumps(record))
    result = import_feed("osv", [str(path)])
    validate(result)
    rule = rules_of(result)["MAL-2099-9"]
    assert versions(rule) == {"ok-pkg": ["=1.0.0"]}
    assert [h["value"] for h in rule["host_indicators"]] == ["a.example"]


def test_osv_listed_versions_are_read_as_node_semver_valid_reads_them(tmp_path: Path) -> None:
    """redmix C30: ``v1.14.1`` and ``1.14.3 `` are versions 1.14.1 and 1.14.3 to npm; dropping
    them left lockfiles holding them clean."""
    path = tmp_path / "r.json"
    record = {
        "id": "MAL-2099-30",
        "affected": [
            {
                "package": {"ecosystem": "npm", "name": "axios"},
                "versions": ["1.0.0", "v1.14.1", "1.14.3 ", "\t2.0.0-rc.1\n", "3.0.0+build"],
            }
        ],
    }
    path.write_text(json.dumps(record))
    result = import_feed("osv", [str(path)])
    assert versions(rules_of(result)["MAL-2099-30"]) == {
        "axios": ["=1.0.0", "=1.14.1", "=1.14.3", "=2.0.0-rc.1", "=3.0.0"]
    }
    assert result.warnings == ()


@pytest.mark.parametrize(
    "bad", ["=1.14.2", "1.14", "V1.0.0", "not-a-version", "", 1, None, {"v": 1}, "1.0.0\u202e"]
)
def test_osv_a_listed_version_npm_cannot_read_fails_the_import(tmp_path: Path, bad: Any) -> None:
    """Never dropped with a warning: the import fails naming the record and the JSON path."""
    path = tmp_path / "r.json"
    good = {"package": {"ecosystem": "npm", "name": "ok"}, "versions": ["1.0.0"]}
    listed = {"package": {"ecosystem": "npm", "name": "axios"}, "versions": ["1.0.0", bad]}
    path.write_text(
        json.dumps([{"id": "MAL-2099-1", **good}, {"id": "MAL-2099-2", "affected": [good, listed]}])
    )
    with pytest.raises(RuleError) as info:
        import_feed("osv", [str(path)])
    message = str(info.value)
    assert f"{path}:[1] (MAL-2099-2): affected[1].versions[1]: " in message
    assert "not a version node-semver reads" in message
    assert "\u202e" not in message  # escaped, never raw


def test_osv_versions_that_are_not_a_list_fail_the_import(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(
        json.dumps(
            {
                "id": "MAL-2099-3",
                "affected": [
                    {"package": {"ecosystem": "npm", "name": "axios"}, "versions": "1.14.1"}
                ],
            }
        )
    )
    with pytest.raises(RuleError, match=r"affected\[0\]\.versions: expected a list"):
        import_feed("osv", [str(path)])


def test_osv_warnings_are_bounded_per_kind(tmp_path: Path) -> None:
    """A feed of many broken records gives the first few warnings of each kind with their
    positions, then a count: never one line (held in memory) per record."""
    path = tmp_path / "r.json"
    records: list[Any] = [{} for _ in range(500)]
    records.append(
        {
            "id": "MAL-2099-4",
            "affected": [{"package": {"ecosystem": "npm", "name": "p"}, "versions": ["1.0.0"]}],
        }
    )
    path.write_text(json.dumps(records))
    result = import_feed("osv", [str(path)])
    assert "MAL-2099-4" in rules_of(result)
    assert len(result.warnings) == MAX_WARNINGS_PER_KIND + 1
    assert result.warnings[0] == f"{path}:[0]: record without a usable id skipped"
    assert result.warnings[-1].startswith(
        f"{500 - MAX_WARNINGS_PER_KIND} more warning(s) of kind 'record without id' not shown"
        " (500 in all"
    )


def test_osv_a_file_of_too_many_items_is_refused(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(osv_module, "MAX_RECORDS_PER_FILE", 10)
    path = tmp_path / "r.json"
    path.write_text(json.dumps([{} for _ in range(11)]))
    with pytest.raises(RuleError, match="holds 11 items, more than 10 records"):
        import_feed("osv", [str(path)])


def test_osv_fixed_and_last_affected_ranges(tmp_path: Path) -> None:
    record = {
        "id": "GHSA-1111-2222-3333",
        "summary": "x",
        "affected": [
            {
                "package": {"ecosystem": "npm", "name": "p"},
                "ranges": [
                    {"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.0.0"}]},
                    {"type": "SEMVER", "events": [{"introduced": "2.0.0"}, {"fixed": "2.5.1"}]},
                    {
                        "type": "SEMVER",
                        "events": [{"introduced": "3.1.0"}, {"last_affected": "3.1.0"}],
                    },
                    {"type": "SEMVER", "events": [{"introduced": "4.0.0"}]},
                ],
            }
        ],
    }
    path = tmp_path / "GHSA-1111-2222-3333.json"
    path.write_text(json.dumps(record))
    result = import_feed("osv", [str(path)])
    validate(result)
    assert versions(rules_of(result)["GHSA-1111-2222-3333"]) == {
        "p": ["=3.1.0", "<1.0.0", ">=2.0.0 <2.5.1", ">=4.0.0"]
    }
    assert result.warnings == ()


def test_osv_open_range_with_a_versions_list_is_every_version(tmp_path: Path) -> None:
    record = {
        "id": "MAL-2099-7",
        "affected": [
            {"package": {"ecosystem": "npm", "name": "q"}, "versions": ["1.0.0"]},
            {
                "package": {"ecosystem": "npm", "name": "q"},
                "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}],
            },
        ],
    }
    path = tmp_path / "r.json"
    path.write_text(json.dumps(record))
    result = import_feed("osv", [str(path)])
    assert versions(rules_of(result)["MAL-2099-7"]) == {"q": ["*"]}
    assert result.warnings == ()  # a versions list names malicious releases, not clean ones
    narrowed = import_feed("osv", [str(path)], {"narrow": "yes"})
    assert versions(rules_of(narrowed)["MAL-2099-7"]) == {"q": ["=1.0.0"]}


def test_osv_list_and_api_response_shapes(tmp_path: Path) -> None:
    a = json.loads((FIXTURES / "osv" / "records" / "MAL-2099-0003.json").read_text())
    (tmp_path / "list.json").write_text(json.dumps([a]))
    (tmp_path / "api.json").write_text(json.dumps({"vulns": [a]}))
    for name in ("list.json", "api.json"):
        assert list(rules_of(import_feed("osv", [str(tmp_path / name)]))) == ["MAL-2099-0003"]


def test_osv_withdrawn_and_duplicate_records(tmp_path: Path) -> None:
    a = json.loads((FIXTURES / "osv" / "records" / "MAL-2099-0003.json").read_text())
    withdrawn = dict(a, id="MAL-2099-8", withdrawn="2099-05-01T00:00:00Z")
    (tmp_path / "recs.json").write_text(json.dumps([a, a, withdrawn]))
    result = import_feed("osv", [str(tmp_path / "recs.json")])
    assert list(rules_of(result)) == ["MAL-2099-0003"]
    assert any("duplicate record id MAL-2099-0003" in w for w in result.warnings)
    assert any("withdrawn" in w for w in result.warnings)


# --- CSV --------------------------------------------------------------------------------------


def test_csv_versions_in_one_cell_are_merged_and_sorted() -> None:
    result = import_feed(
        "csv", [fx("csv", "consolidated.csv")], {"reference": "https://example.org/feed"}
    )
    validate(result)
    assert [name for name, _ in result.documents] == ["consolidated.json"]
    rule = rules_of(result)["consolidated"]
    assert versions(rule) == {
        "02-echo": ["=0.0.7"],
        "@scope/alpha": ["=1.0.2", "=1.0.9", "=1.0.10"],
        "beta-lib": ["=2.0.0", "=2.0.1"],
    }
    assert rule["references"] == [{"type": "other", "url": "https://example.org/feed"}]
    assert rule["kind"] == "compromised-release"
    assert rule["severity"] == "critical"
    assert result.warnings == ()


def test_csv_unreadable_version_fails_the_file() -> None:
    """``= junk`` in an ``||`` cell: dropped, a lockfile holding that release would read clean;
    the file's import fails naming the line (decision 0056), nothing of it is written."""
    with pytest.raises(FeedError) as caught:
        import_feed("csv", [fx("csv", "wiz_style.csv")])
    text = str(caught.value)
    assert "wiz_style.csv" in text and "line 4: gamma:" in text
    assert "junk" not in text  # the feed's bytes are not echoed
    assert "--skip-unreadable" in text


def test_csv_wiz_style_or_cells() -> None:
    result = import_feed("csv", [fx("csv", "wiz_style.csv")], {"skip_unreadable": "yes"})
    validate(result)
    assert versions(rules_of(result)["wiz-style"]) == {
        "02-echo": ["=0.0.7"],
        "@scope/alpha": ["=1.0.2", "=1.0.3"],
        "gamma": ["=3.1.0", ">=4.0.0 <4.0.5"],
    }
    assert any(
        w.endswith("wiz_style.csv:4: gamma: " + NOT_A_VERSION + ", skipped")
        for w in result.warnings
    )
    assert any("no source URL" in w for w in result.warnings)


def test_csv_one_version_per_row_deduplicates() -> None:
    result = import_feed("csv", [fx("csv", "per_row.csv")], {"id": "MY-FEED", "title": "Mine"})
    validate(result)
    assert [name for name, _ in result.documents] == ["MY-FEED.json"]
    rule = rules_of(result)["MY-FEED"]
    assert rule["title"] == "Mine"
    assert versions(rule) == {"02-echo": ["=0.0.7"], "beta-lib": ["=2.0.1"]}


def test_csv_ioc_table() -> None:
    result = import_feed("csv", [fx("csv", "iocs.csv")], {"reference": "https://a.example/x"})
    validate(result)
    rule = rules_of(result)["iocs"]
    assert versions(rule) == {
        "@scope/helper": ["=0.3.0"],
        "fetchy": ["=2.0.1"],
        "plain-dropper": ["=4.2.1"],
    }
    hosts = rule["host_indicators"]
    assert [h["value"] for h in hosts if h["type"] == "network"] == [
        "c2-host.example",
        "192.0.2.44",
        "http://c2-host.example:8000/beacon",
    ]
    files = {(h.get("path"), h["file_name"]): h.get("oses") for h in hosts if h["type"] == "file"}
    assert files == {
        ("/Library/Caches", "com.example.daemon"): ["macos"],
        ("%PROGRAMDATA%", "wt.exe"): ["windows"],
        ("$TMPDIR", "6202033"): ["macos"],
        ("/tmp", "ld.py"): ["linux"],
        (".github/workflows", "evil.yml"): None,
    }
    (registry,) = [h for h in hosts if h["type"] == "registry"]
    assert registry["value"].endswith("\\Run\\Updater")
    text = "\n".join(result.warnings)
    assert "placeholder" in text
    assert rule["file_hashes"] == [
        {
            "algorithm": "sha256",
            "value": "fcb81618bb15edfdedfb638b4c08a2af9cac9ecfa551af135a8402bf980375cf",
            "notes": "Linux payload",
        }
    ]
    assert "sha256" not in text
    assert "'user-agent' skipped" in text


def test_csv_sha256_rows_become_file_hashes() -> None:
    """The sha256 rows of DataDog's axios IOC table (indicators-of-compromise,
    axios-npm-supply-chain-compromise_iocs.csv, Apache-2.0), plus a repeat in capitals, a cut
    value and an md5: the rule carries each hash once, the others are warned about."""
    result = import_feed(
        "csv", [fx("csv", "datadog_axios_hashes.csv")], {"reference": "https://x.example"}
    )
    validate(result)
    rule = rules_of(result)["datadog-axios-hashes"]
    assert [h["value"][:8] for h in rule["file_hashes"]] == ["92ff0877", "617b67a8", "fcb81618"]
    assert rule["file_hashes"][0]["notes"].startswith("macOS second-stage payload")
    text = "\n".join(result.warnings)
    assert "'fcb81618' is not 64 hexadecimal characters" in text
    assert "md5 d41d8cd98f00b204e9800998ecf8427e names no file" in text


def test_csv_artifact_table_skips_other_ecosystems() -> None:
    result = import_feed("csv", [fx("csv", "artifacts.csv")])
    validate(result)
    assert versions(rules_of(result)["artifacts"]) == {
        "@emil/sdk": ["=0.2.1", "=0.2.2", "=0.2.3"],
        "react-autolink": ["=2.0.1"],
    }
    text = "\n".join(result.warnings)
    for kind in ("docker image", "github action", "pypi package"):
        assert f"'{kind}' skipped" in text


def test_csv_unknown_header_is_an_error() -> None:
    with pytest.raises(RuleError, match="unrecognised CSV header"):
        import_feed("csv", [fx("csv", "unknown_header.csv")])


def test_csv_several_files_give_several_documents() -> None:
    result = import_feed("csv", [fx("csv", "per_row.csv"), fx("csv", "consolidated.csv")])
    assert [name for name, _ in result.documents] == ["per-row.json", "consolidated.json"]


# --- plain lists ------------------------------------------------------------------------------


def test_list_one_rule_per_file() -> None:
    result = import_feed("list", [fx("list", "compromised.txt")])
    validate(result)
    rule = rules_of(result)["compromised"]
    assert versions(rule) == {
        "@scope/beta": ["=2.0.0", "=2.0.1"],
        "alpha": ["=1.0.0", "=1.0.1"],
        "delta": ["=3.0.0"],
        "epsilon": ["*"],
        "gamma": ["=0.1.0"],
    }
    assert [r["url"] for r in rule["references"]] == [
        "https://example.org/advisory-overview",
        "https://example.org/first-wave",
        "https://example.org/second-wave",
    ]
    text = "\n".join(result.warnings)
    assert "epsilon: no version given" in text
    assert "1 pypi entr(ies) skipped" in text
    assert "1 go entr(ies) skipped" in text


def test_list_unreadable_entries_fail_the_file() -> None:
    """A line of no entry's shape (``axios 1.14.1``), a version that is none, a name npm cannot
    have, ``1.14`` (which releases?): each fails the import, every line named (decision 0056)."""
    with pytest.raises(FeedError) as caught:
        import_feed("list", [fx("list", "unreadable.txt")])
    text = str(caught.value)
    assert "5 entr(ies) not read" in text
    for line in (4, 5, 6, 7, 8):
        assert f"line {line}:" in text
    assert "line 3:" not in text
    assert "1.14.1" not in text and "Bad Name" not in text


def test_list_skip_unreadable_imports_the_rest() -> None:
    result = import_feed("list", [fx("list", "unreadable.txt")], {"skip_unreadable": "yes"})
    validate(result)
    assert versions(rules_of(result)["unreadable"]) == {"alpha": ["=1.0.0"]}
    skipped = [w for w in result.warnings if w.endswith(", skipped")]
    assert [w.split(":")[1] for w in skipped] == ["4", "5", "6", "7", "8"]


def test_unreadable_entries_are_bounded(tmp_path: Path) -> None:
    """A feed of 100,000 unreadable lines: one error, 20 lines named, the rest counted."""
    feed = tmp_path / "many.txt"
    feed.write_text("x:not-a-version\n" * 100_000)
    with pytest.raises(FeedError) as caught:
        import_feed("list", [str(feed)])
    text = str(caught.value)
    assert "100000 entr(ies) not read" in text and "and 99980 more line(s)" in text
    assert len(text) < 4_000


def test_skip_unreadable_is_not_an_osv_option() -> None:
    with pytest.raises(RuleError):
        import_feed("osv", [fx("osv", "records")], {"skip_unreadable": "yes"})


def test_list_split_by_sections() -> None:
    result = import_feed("list", [fx("list", "compromised.txt")], {"split": "sections"})
    validate(result)
    rules = rules_of(result)
    assert sorted(rules) == [
        "compromised-second-wave",
        "compromised-september-2099-first-wave-3-packages",
    ]
    first = rules["compromised-september-2099-first-wave-3-packages"]
    assert first["title"] == "SEPTEMBER 2099 - FIRST WAVE (3 packages)"
    assert versions(first) == {
        "@scope/beta": ["=2.0.0", "=2.0.1"],
        "alpha": ["=1.0.0", "=1.0.1"],
        "gamma": ["=0.1.0"],
    }
    assert [r["url"] for r in first["references"]] == ["https://example.org/first-wave"]
    second = rules["compromised-second-wave"]
    assert versions(second) == {"alpha": ["=1.0.1"], "delta": ["=3.0.0"], "epsilon": ["*"]}
    assert any("PYPI ONLY' has no npm entry" in w for w in result.warnings)


# --- common behaviour -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "path"),
    [
        ("osv", ("osv", "records")),
        ("csv", ("csv", "iocs.csv")),
        ("list", ("list", "compromised.txt")),
    ],
)
def test_output_is_deterministic_and_formatted(
    tmp_path: Path, fmt: str, path: tuple[str, ...]
) -> None:
    first = import_feed(fmt, [fx(*path)])
    copy = tmp_path / path[-1]
    if (FIXTURES.joinpath(*path)).is_dir():
        shutil.copytree(FIXTURES.joinpath(*path), copy)
    else:
        shutil.copy(FIXTURES.joinpath(*path), copy)
    second = import_feed(fmt, [str(copy)])
    assert first.documents == second.documents
    for _, data in first.documents:
        text = data.decode("utf-8")
        assert text.endswith("}\n")
        assert text.startswith('{\n  "schema_version": "1.0.0",\n  "rules": [\n    {\n')
        doc = json.loads(text)
        ids = [r["id"] for r in doc["rules"]]
        assert ids == sorted(ids)
        for rule in doc["rules"]:
            assert list(rule)[:5] == ["id", "title", "kind", "ecosystem", "severity"]
            names = [p["package_name"] for p in rule["package_rules"]]
            assert names == sorted(names)


def test_every_generated_rule_cites_a_source() -> None:
    results = [
        import_feed("osv", [fx("osv", "records")]),
        import_feed("list", [fx("list", "compromised.txt")], {"split": "sections"}),
        import_feed("csv", [fx("csv", "iocs.csv")], {"reference": "https://a.example/x"}),
    ]
    for result in results:
        for rule in rules_of(result).values():
            assert rule["references"], rule["id"]


@pytest.mark.parametrize(
    ("fmt", "options", "message"),
    [
        ("yaml", {}, "unknown feed format"),
        ("csv", {"colour": "red"}, "unknown import option"),
        ("csv", {"severity": "urgent"}, "severity"),
        ("csv", {"split": "sections"}, "split"),
    ],
)
def test_bad_format_and_options(fmt: str, options: dict[str, str], message: str) -> None:
    with pytest.raises(RuleError, match=message):
        import_feed(fmt, [fx("csv", "per_row.csv")], options)


def test_id_option_needs_one_input() -> None:
    with pytest.raises(RuleError, match="exactly one input"):
        import_feed("csv", [fx("csv", "per_row.csv"), fx("csv", "iocs.csv")], {"id": "X"})


def test_missing_input_and_fifo(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="no such file"):
        import_feed("list", [str(tmp_path / "absent.txt")])
    with pytest.raises(RuleError, match="not a regular file"):
        import_feed("csv", [str(tmp_path)])


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("1.2.3", "=1.2.3"),
        ("v1.2.3", "=1.2.3"),
        ("= 1.2.3", "=1.2.3"),
        ("1.0.0-beta.1", "=1.0.0-beta.1"),
        ("*", "*"),
        ("All", "*"),
        ("0.2.0 to 0.2.6", ">=0.2.0 <=0.2.6"),
        ("1.0.0 - 1.2.0", ">=1.0.0 <=1.2.0"),
        (">= 1.0.0 < 2.0.0", ">=1.0.0 <2.0.0"),
        ("1.2", None),
        ("^1.2.3", None),
        ("All tags not starting with v", None),
        ("", None),
    ],
)
def test_version_tokens(token: str, expected: str | None) -> None:
    assert version_expression(token) == expected


# --- properties: any input gives a result or a RuleError -------------------------------------

_json_leaf = st.none() | st.booleans() | st.integers() | st.text(max_size=12)
_json = st.recursive(
    _json_leaf,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=8,
)
_osv_like = st.fixed_dictionaries(
    {
        "id": st.sampled_from(["MAL-2099-1", "GHSA-x", "", "bad id!"]) | _json,
        "affected": st.lists(
            st.fixed_dictionaries(
                {
                    "package": st.fixed_dictionaries(
                        {
                            "ecosystem": st.sampled_from(["npm", "PyPI"]) | _json,
                            "name": st.sampled_from(["a", "@s/b", "", "x y"]) | _json,
                        }
                    )
                    | _json,
                    "versions": st.lists(
                        st.sampled_from(["1.0.0", "2.0.0-rc.1", "x"]) | _json, max_size=3
                    ),
                    "ranges": st.lists(
                        st.fixed_dictionaries(
                            {
                                "type": st.sampled_from(["SEMVER", "ECOSYSTEM", "GIT"]),
                                "events": st.lists(
                                    st.dictionaries(
                                        st.sampled_from(
                                            ["introduced", "fixed", "last_affected", "limit"]
                                        ),
                                        st.sampled_from(["0", "1.0.0", "2.0.0", "bad"]) | _json,
                                        max_size=2,
                                    ),
                                    max_size=4,
                                ),
                            }
                        ),
                        max_size=3,
                    ),
                }
            )
            | _json,
            max_size=3,
        ),
        "references": _json,
        "aliases": _json,
        "database_specific": _json,
        "published": st.sampled_from(["2099-01-01T00:00:00Z", "yesterday"]) | _json,
    }
)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(record=_osv_like)
def test_property_osv_records_never_crash(tmp_path: Path, record: dict[str, Any]) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps(record))
    try:
        result = import_feed("osv", [str(path)])
    except RuleError:
        return
    validate(result)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    fmt=st.sampled_from(["osv", "csv", "list"]),
    data=st.binary(max_size=300)
    | st.text(alphabet='abc@:/#=,|\n\r" 01.*-xv[]', max_size=200).map(str.encode),
)
def test_property_any_bytes_give_a_result_or_rule_error(
    tmp_path: Path, fmt: str, data: bytes
) -> None:
    path = tmp_path / "feed.txt"
    path.write_bytes(data)
    try:
        result = import_feed(fmt, [str(path)])
    except RuleError:
        return
    validate(result)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["a", "@s/b", "c-d", "", "bad name"]),
            st.lists(
                st.sampled_from(["1.0.0", "= 1.0.1", "v2.0.0", "x", "1.0.0 to 1.2.0", ""]),
                max_size=3,
            ),
        ),
        max_size=8,
    ),
    sep=st.sampled_from([", ", " || "]),
)
def test_property_csv_versions_are_merged_without_duplicates(
    tmp_path: Path, rows: list[tuple[str, list[str]]], sep: str
) -> None:
    lines = ["package_name,package_versions"]
    lines += [f'"{name}","{sep.join(vs)}"' for name, vs in rows]
    path = tmp_path / "feed.csv"
    path.write_text("\n".join(lines) + "\n")
    try:
        result = import_feed("csv", [str(path)])
    except RuleError:
        return
    validate(result)
    for rule in rules_of(result).values():
        for package_rule in rule["package_rules"]:
            listed = package_rule["affected_versions"]
            assert len(listed) == len(set(listed))
            assert listed
