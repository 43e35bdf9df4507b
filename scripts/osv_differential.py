"""Differential of ``rules import osv``: what each OSV record says is affected vs what the
imported rules make the scanner report.

For every record of FEED (a folder, a ``.zip`` or a record file), the affected set is evaluated by
a literal transcription of the OSV schema's algorithm (``versions`` exactly; ``SEMVER`` /
``ECOSYSTEM`` ranges at probe versions on, just below and just above every event and listed
version, plus a few fixed ones). The import is run in-process (split into parts of
``--part-bytes`` so the split boundary is exercised), every part goes through the real rule loader,
and each (name, version) probe is asked of the scanner's matcher (``package_hits``). Printed:
records, probes, and the disagreements by class (``missed``: OSV says affected, no finding;
``extra``: a finding OSV does not give; ``record lost``: an affected npm record with no rule).

  PYTHONPATH=src python scripts/osv_differential.py FEED [--part-bytes N] [--show 5]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import unquote

from gouvernante.match.hits import package_hits
from gouvernante.rules.importers import import_feed
from gouvernante.rules.index import build_index
from gouvernante.rules.loader import parse_rule_document
from gouvernante.semver import Version, try_parse_version

_FIXED_PROBES = ("0.0.0", "0.0.1-0", "0.1.0", "1.0.0", "1.0.0-alpha", "2.3.4", "999.999.999")


def _records(feed: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    paths: list[str] = []
    if os.path.isdir(feed):
        for top, dirs, files in os.walk(feed):
            dirs.sort()
            paths.extend(os.path.join(top, f) for f in sorted(files) if f.endswith(".json"))
    else:
        paths.append(feed)
    for path in paths:
        with open(path, "rb") as fh:
            doc = json.loads(fh.read())
        if isinstance(doc, dict) and isinstance(doc.get("vulns"), list):
            doc = doc["vulns"]
        for item in doc if isinstance(doc, list) else [doc]:
            if isinstance(item, dict):
                yield path, item


def _v(text: object) -> Version | None:
    return try_parse_version(text.strip()) if isinstance(text, str) else None


def _neighbours(v: Version) -> list[Version]:
    out = [v]
    for text in (
        f"{v.major}.{v.minor}.{v.patch}-0",
        f"{v.major}.{v.minor}.{v.patch + 1}",
        f"{v.major}.{v.minor}.{v.patch + 1}-0",
        f"{v.major}.{v.minor + 1}.0",
        f"{v.major + 1}.0.0",
        f"{v}.1" if v.prerelease else f"{v}-zzz",
    ):
        parsed = try_parse_version(text)
        if parsed is not None:
            out.append(parsed)
    if v.patch:
        out.append(Version(v.major, v.minor, v.patch - 1))
    return out


def _in_range(v: Version, events: list[Mapping[str, Any]]) -> bool:
    """The OSV schema's evaluation of one SEMVER/ECOSYSTEM range (osv.dev schema, "Evaluation")."""
    limits = [e["limit"] for e in events if "limit" in e]
    caps = [_v(lim) for lim in limits if lim != "*"]
    if caps and len(caps) == len(limits) and not any(c is None or v < c for c in caps):
        return False

    def key(event: Mapping[str, Any]) -> tuple[int, Version | None]:
        (value,) = [event[k] for k in ("introduced", "fixed", "last_affected") if k in event]
        return (0, None) if value == "0" else (1, _v(value))

    ordered = sorted(
        (e for e in events if any(k in e for k in ("introduced", "fixed", "last_affected"))),
        key=lambda e: (key(e)[0], key(e)[1] or Version(0, 0, 0)),
    )
    affected = False
    for event in ordered:
        if "introduced" in event:
            if event["introduced"] == "0" or v >= (_v(event["introduced"]) or v):
                affected = True
        elif "fixed" in event:
            end = _v(event["fixed"])
            affected = affected and (end is None or v < end)
        elif "last_affected" in event:
            end = _v(event["last_affected"])
            affected = affected and (end is None or v <= end)
    return affected


def _truth(record: Mapping[str, Any]) -> dict[str, tuple[set[Version], list[Any]]]:
    """name -> (listed versions, ranges) of the record's npm packages."""
    out: dict[str, tuple[set[Version], list[Any]]] = {}
    for affected in record.get("affected") or []:
        package = affected.get("package") or {}
        purl = str(package.get("purl") or "")
        if str(package.get("ecosystem", "") or "npm").strip() != "npm":
            continue
        name = str(package.get("name") or "").strip()
        if not name and purl.startswith("pkg:npm/"):
            name = unquote(re.split(r"[?#]", purl[len("pkg:npm/") :], maxsplit=1)[0])
            name = name[: name.index("@", 1)] if "@" in name[1:] else name
        listed, ranges = out.setdefault(name, (set(), []))
        listed.update(v for v in map(_v, affected.get("versions") or []) if v is not None)
        ranges.extend(
            r for r in affected.get("ranges") or [] if r.get("type") in ("SEMVER", "ECOSYSTEM")
        )
    return out


def _probes(listed: set[Version], ranges: list[Any]) -> Iterator[tuple[Version, bool]]:
    """(version, whether OSV says it is affected) around every version the package names."""
    points: set[Version] = set(listed)
    for rng in ranges:
        for event in rng.get("events") or []:
            points.update(v for v in map(_v, event.values()) if v is not None)
    candidates = {p for v in points for p in _neighbours(v)}
    candidates.update(v for v in map(try_parse_version, _FIXED_PROBES) if v is not None)
    for version in sorted(candidates):
        yield (
            version,
            version in listed
            or any(_in_range(version, list(r.get("events") or [])) for r in ranges),
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("feed")
    parser.add_argument("--part-bytes", type=int, default=4 * 1024 * 1024)
    parser.add_argument("--show", type=int, default=5)
    args = parser.parse_args()
    result = import_feed("osv", [args.feed], max_file_bytes=args.part_bytes)
    rules = []
    sizes = []
    for name, data in result.documents:
        parsed, errors = parse_rule_document(data, name)
        if errors:
            print(f"{name}: {len(errors)} loader error(s): {errors[0].one_line()}")
        rules.extend(parsed)
        sizes.append(len(data))
    index = build_index(tuple(rules))
    rule_ids = {r.id for r in rules}
    classes: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    records = probes = 0
    for path, record in _records(args.feed):
        records += 1
        rec_id = str(record.get("id"))
        if record.get("withdrawn"):
            continue
        for name, (listed, ranges) in _truth(record).items():
            for version, want in _probes(listed, ranges):
                probes += 1
                got = any(
                    h.rule.id == rec_id for h in package_hits(index, name, str(version), None)
                )
                if want == got:
                    continue
                kind = "missed" if want else "extra"
                if want and rec_id not in rule_ids:
                    kind = "record lost"
                classes[kind] += 1
                shown = examples.setdefault(kind, [])
                if len(shown) < args.show:
                    shown.append(f"{path} {rec_id} {name}@{version}")
    print(f"records {records}, rules {len(rules)}, probes {probes}")
    print(f"documents {len(result.documents)}, largest {max(sizes, default=0)} bytes")
    print(f"warnings {len(result.warnings)}")
    for line in result.warnings[: args.show]:
        print("  warning:", line[:200])
    print(f"disagreements {sum(classes.values())}: {dict(classes)}")
    for kind, lines in examples.items():
        for line in lines:
            print(f"  {kind}: {line}")
    return 1 if classes else 0


if __name__ == "__main__":
    sys.exit(main())
