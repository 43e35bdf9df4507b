"""Build the bundled rule pack (src/gouvernante/rules/builtin/*.json) from rules-src/.

Inputs (all committed under rules-src/):
  incidents/*.json   hand-written incident rules (valid rule documents on their own)
  feeds/osv/*.json   OSV records          -> builtin/osv.json, one rule per record
  feeds/**/*.csv     CSV feeds            -> merged into incident rules, or one rule per feed
  feeds/cobenian/*   plain list           -> one rule per section (campaign wave)

Feed rules leave out the exact versions an incident rule already lists, so one compromised
release is reported once, under its best-described incident. Output is byte-for-byte
reproducible. Usage:

  python scripts/build_rule_pack.py            # rewrite the committed pack (and pack.msgpack)
  python scripts/build_rule_pack.py --check    # exit 1 if the committed pack is out of date
  python scripts/build_rule_pack.py --out DIR  # write the pack somewhere else
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from gouvernante.rules.importers import import_rules  # noqa: E402
from gouvernante.rules.importers._common import dump_document, expression_sort_key  # noqa: E402
from gouvernante.rules.model import Rule  # noqa: E402
from gouvernante.rules.pack import PRECOMPILED, precompiled  # noqa: E402

SRC = ROOT / "rules-src"
DEFAULT_OUT = ROOT / "src" / "gouvernante" / "rules" / "builtin"

JSONDict = dict[str, Any]

DATADOG = "https://github.com/DataDog/indicators-of-compromise"
WIZ = "https://github.com/wiz-sec-public/wiz-research-iocs"
COBENIAN = "https://github.com/Cobenian/shai-hulud-detect"

# incident rule id -> CSV feeds whose package versions are merged into it
MERGES: dict[str, tuple[str, ...]] = {
    "GOUV-2025-SHAI-HULUD-2": (
        "feeds/datadog/shai-hulud-2.0_consolidated_iocs.csv",
        "feeds/datadog/shai-hulud-2.0_shai-hulud-2.0.csv",
        "feeds/wiz/shai-hulud-2-packages.csv",
    ),
    "GOUV-2026-AXIOS": ("feeds/datadog/axios-npm-supply-chain-compromise_iocs.csv",),
}

# CSV feeds that become rules of their own: (path, importer options)
CSV_RULES: tuple[tuple[str, dict[str, str]], ...] = (
    (
        "feeds/datadog/teampcp_iocs.csv",
        {
            "id": "DATADOG-TEAMPCP-NPM",
            "title": "TeamPCP campaign: compromised npm releases (DataDog IOC feed)",
            "summary": (
                "npm releases listed in DataDog's TeamPCP indicator feed (2026), a campaign that "
                "also reached PyPI, Docker images, GitHub Actions and editor extensions; only "
                "the npm entries are imported."
            ),
            "reference": DATADOG,
        },
    ),
)

LIST_FEED = "feeds/cobenian/compromised-packages.txt"
LIST_PREFIX = "COBENIAN"
# Section titles of the list that do not describe their content once incident versions are
# removed: the first section mixes the chalk/debug, Shai-Hulud and Shai-Hulud 2.0 waves.
TITLE_OVERRIDES = {
    "COBENIAN-september-8-2025-chalk-debug-crypto-theft-attack": (
        "September-November 2025 npm worm waves (Shai-Hulud and Shai-Hulud 2.0), releases "
        "not listed by the incident rules"
    ),
}


# Sections that only add versions to an earlier wave: merged into that wave's rule.
SECTION_MERGES = {
    "COBENIAN-re-sync-2026-08-05-against-the-wiz-ioc-csv-as-of": (
        "COBENIAN-august-4-2026-shai-hulud-here-we-go-again-keyv-c"
    ),
    "COBENIAN-addendum-2026-08-06-one-keyv-wave-version-the-wi": (
        "COBENIAN-august-4-2026-shai-hulud-here-we-go-again-keyv-c"
    ),
}
# Source URL of each merged CSV feed.
FEED_REFERENCES = {"datadog": DATADOG, "wiz": WIZ}


def _rel(path: str) -> str:
    return str(SRC / path)


def _versions(rule: JSONDict) -> dict[str, set[str]]:
    return {p["package_name"]: set(p["affected_versions"]) for p in rule["package_rules"]}


def _set_versions(rule: JSONDict, versions: dict[str, set[str]]) -> None:
    notes = {p["package_name"]: p.get("notes") for p in rule["package_rules"]}
    package_rules: list[JSONDict] = []
    for name in sorted(versions):
        if not versions[name]:
            continue
        entry: JSONDict = {
            "package_name": name,
            "affected_versions": sorted(versions[name], key=expression_sort_key),
        }
        if notes.get(name):
            entry["notes"] = notes[name]
        package_rules.append(entry)
    rule["package_rules"] = package_rules


def _count(rule: JSONDict) -> tuple[int, int]:
    rules = rule["package_rules"]
    return len(rules), sum(len(p["affected_versions"]) for p in rules)


def _incidents(warnings: list[str]) -> list[JSONDict]:
    rules: list[JSONDict] = []
    for path in sorted((SRC / "incidents").glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        rules.extend(doc["rules"])
    by_id = {r["id"]: r for r in rules}
    for rule_id, feeds in MERGES.items():
        rule = by_id[rule_id]
        merged = _versions(rule)
        documents: list[tuple[str, list[JSONDict]]] = []
        for feed in feeds:
            reference = FEED_REFERENCES[feed.split("/")[1]]
            found, notes = import_rules("csv", [_rel(feed)], {"reference": reference})
            documents.extend(found)
            warnings.extend(notes)
        for _, feed_rules in documents:
            for feed_rule in feed_rules:
                for name, exprs in _versions(feed_rule).items():
                    merged.setdefault(name, set()).update(exprs)
        _set_versions(rule, merged)
    return rules


def _covered(rules: Sequence[JSONDict]) -> dict[str, set[str]]:
    covered: dict[str, set[str]] = {}
    for rule in rules:
        for name, exprs in _versions(rule).items():
            covered.setdefault(name, set()).update(exprs)
    return covered


def _without_covered(
    rule: JSONDict, covered: dict[str, set[str]], source: str, warnings: list[str]
) -> JSONDict | None:
    before = _count(rule)
    remaining = {n: e - covered.get(n, set()) for n, e in _versions(rule).items()}
    _set_versions(rule, remaining)
    packages, versions = _count(rule)
    if not packages:
        warnings.append(f"{rule['id']}: every version is already in an incident rule; dropped")
        return None
    left_out = before[1] - versions
    rule["summary"] = f"{source}: {packages} package(s), {versions} version expression(s)" + (
        f"; {left_out} version(s) already listed by an incident rule are left out."
        if left_out
        else "."
    )
    return rule


def _feed_rules(covered: dict[str, set[str]], warnings: list[str]) -> list[JSONDict]:
    out: list[JSONDict] = []
    for path, options in CSV_RULES:
        documents, notes = import_rules("csv", [_rel(path)], options)
        warnings.extend(notes)
        for _, rules in documents:
            for rule in rules:
                origin = options.get("summary", "").rstrip(".")
                kept = _without_covered(rule, covered, origin, warnings)
                if kept is not None:
                    out.append(kept)
    documents, notes = import_rules(
        "list", [_rel(LIST_FEED)], {"split": "sections", "id": LIST_PREFIX, "reference": COBENIAN}
    )
    warnings.extend(notes)
    sections = {rule["id"]: rule for _, rules in documents for rule in rules}
    for source_id, target_id in SECTION_MERGES.items():
        extra, target = sections.pop(source_id), sections[target_id]
        merged = _versions(target)
        for name, exprs in _versions(extra).items():
            merged.setdefault(name, set()).update(exprs)
        _set_versions(target, merged)
        seen = {r["url"] for r in target["references"]}
        target["references"].extend(r for r in extra["references"] if r["url"] not in seen)
    for section in sections.values():
        title = str(TITLE_OVERRIDES.get(section["id"], section["title"]))
        section["title"] = f"{title} (Cobenian list)"
        origin = f"Entries of the Cobenian compromised-packages list, section {title!r}"
        kept = _without_covered(section, covered, origin, warnings)
        if kept is not None:
            out.append(kept)
    return out


def _osv_rules(warnings: list[str]) -> list[JSONDict]:
    # The bundled records are compromises of real packages with clean releases (MAL-2025-47141
    # marks every @ctrl/tinycolor version, and 4.1.1-4.1.2 in another source): keep the listed
    # versions and bounded windows, as `rules import osv --narrow` does.
    documents, notes = import_rules("osv", [_rel("feeds/osv")], {"narrow": "yes"})
    warnings.extend(notes)
    return [rule for _, rules in documents for rule in rules]


def build() -> tuple[dict[str, bytes], list[str]]:
    """The pack as {file name: bytes}, plus importer warnings."""
    warnings: list[str] = []
    incidents = _incidents(warnings)
    feeds = _feed_rules(_covered(incidents), warnings)
    pack = {
        "incidents.json": dump_document(incidents),
        "feeds.json": dump_document(feeds),
        "osv.json": dump_document(_osv_rules(warnings)),
    }
    ids = [r["id"] for data in pack.values() for r in json.loads(data)["rules"]]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise SystemExit(f"duplicate rule ids in the pack: {', '.join(duplicates)}")
    return pack, [w.replace(str(SRC) + "/", "rules-src/") for w in warnings]


def _validate(pack: dict[str, bytes]) -> tuple[list[str], list[Rule]]:
    """The strict loader's errors and rules (each ``source``: its file's name, files in order)."""
    from gouvernante.rules.loader import parse_rule_document

    errors: list[str] = []
    rules: list[Rule] = []
    for name, data in sorted(pack.items()):
        got, problems = parse_rule_document(data, name)
        rules.extend(got)
        errors.extend(p.one_line() for p in problems)
    return errors, rules


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed pack")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    parser.add_argument("--quiet", action="store_true", help="do not print importer warnings")
    args = parser.parse_args(argv)
    pack, warnings = build()
    if not args.quiet:
        for warning in warnings:
            print(f"note: {warning}", file=sys.stderr)
    errors, rules = _validate(pack)
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    if errors:
        return 1
    # The rule model of the whole pack, which a scan decodes instead of the JSON files while they
    # are these (rules/pack.py; decision 0024).
    json_files = dict(pack)
    pack[PRECOMPILED] = precompiled(json_files, rules)
    out: Path = args.out
    if args.check:
        stale = sorted(
            name
            for name, data in pack.items()
            if not (out / name).is_file() or (out / name).read_bytes() != data
        )
        extra = sorted(p.name for p in out.glob("*.json") if p.name not in pack)
        for name in stale:
            print(f"out of date: {out / name}", file=sys.stderr)
        for name in extra:
            print(f"not produced by the builder: {out / name}", file=sys.stderr)
        return 1 if stale or extra else 0
    out.mkdir(parents=True, exist_ok=True)
    for name, data in pack.items():
        (out / name).write_bytes(data)
    print(f"wrote {len(pack)} files, {len(rules)} rules to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
