"""OSV importer: one record, a directory of records, or the ``all.zip`` export -> rules.

Only ``affected[]`` entries whose ``package.ecosystem`` is npm are imported. ``versions[]`` become
exact ``=v`` expressions; ``ranges[]`` of type SEMVER/ECOSYSTEM become npm ranges
(``introduced``/``fixed`` -> ``>=a <b``, ``introduced``/``last_affected`` -> ``>=a <=c``,
``introduced: "0"`` -> no lower bound). A range that leaves every version affected is dropped
when another source of the same record gives a narrower window (the merged-record pitfall of
MAL-2025-47141), with a warning.
"""

from __future__ import annotations

import base64
import json
import os
import re
import zipfile
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gouvernante.fs.walk import find_files
from gouvernante.rules.importers._common import (
    REMEDIATION_COMPROMISED,
    REMEDIATION_MALICIOUS,
    SEVERITIES,
    FeedError,
    JSONDict,
    checked_option,
    decode_text,
    expression_sort_key,
    is_exact_version,
    is_package_name,
    make_rule,
    read_input,
    refang,
    references,
)

# Largest OSV record (file or zip member) we read; real npm records are a few KiB.
MAX_RECORD_BYTES = 8 * 1024 * 1024
# Largest zip export: members beyond this total are refused (all.zip for npm is far smaller).
MAX_ZIP_TOTAL_BYTES = 4 * 1024 * 1024 * 1024
MAX_SUMMARY_CHARS = 4000

_REFERENCE_TYPES = {
    "ADVISORY": "advisory",
    "ARTICLE": "article",
    "REPORT": "article",
    "DETECTION": "other",
    "DISCUSSION": "other",
    "EVIDENCE": "other",
    "FIX": "repository",
    "GIT": "repository",
    "INTRODUCED": "repository",
    "PACKAGE": "other",
    "WEB": "other",
}
_GHSA_SEVERITY = {
    "CRITICAL": "critical",
    "HIGH": "high",
    "MODERATE": "medium",
    "MEDIUM": "medium",
    "LOW": "low",
}
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
_RFC3339_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$"
)
_SHA256_RE = re.compile(r"^[0-9a-fA-F]{64}$")
_SHA1_RE = re.compile(r"^[0-9a-fA-F]{40}$")
_SHA512_SRI_RE = re.compile(r"^sha512-[A-Za-z0-9+/]{86}==$")


@dataclass
class _Package:
    """What one record says about one package, across all its ``affected`` entries."""

    exact: set[str] = field(default_factory=set)
    ranges: set[str] = field(default_factory=set)
    # (lower or None, upper or None, upper inclusive) windows, to drop exact versions they cover
    windows: list[tuple[str | None, str | None, bool]] = field(default_factory=list)
    every_version: bool = False


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _core(version: str) -> tuple[int, int, int] | None:
    """Numeric core of a release version (``None`` for prereleases and non-versions)."""
    key = expression_sort_key("=" + version)
    if key[0] != 0 or key[2] != 1:
        return None
    return key[1]


def _covers(window: tuple[str | None, str | None, bool], version: str) -> bool:
    core = _core(version)
    if core is None:
        return False
    lower, upper, inclusive = window
    if lower is not None:
        low = _core(lower)
        if low is None or core < low:
            return False
    if upper is not None:
        high = _core(upper)
        if high is None or core > high or (core == high and not inclusive):
            return False
    return True


def _window_expression(lower: str | None, upper: str | None, inclusive: bool) -> str:
    if lower is not None and upper is not None and inclusive and lower == upper:
        return "=" + lower
    parts = []
    if lower is not None:
        parts.append(">=" + lower)
    if upper is not None:
        parts.append(("<=" if inclusive else "<") + upper)
    return " ".join(parts) or "*"


class _RecordConverter:
    def __init__(self, where: str, record: Mapping[str, Any], options: Mapping[str, str]) -> None:
        self.where = where
        self.record = record
        self.options = options
        self.warnings: list[str] = []

    def warn(self, message: str) -> None:
        self.warnings.append(f"{self.where}: {message}")

    def _read_ranges(self, name: str, ranges: list[Any], pkg: _Package) -> None:
        for index, raw_rng in enumerate(ranges):
            rng = _dict(raw_rng)
            rtype = rng.get("type")
            if rtype not in ("SEMVER", "ECOSYSTEM"):
                self.warn(f"{name}: ranges[{index}] of type {rtype!r} skipped")
                continue
            lower: str | None = None
            is_open = False
            for raw_event in _list(rng.get("events")):
                event = _dict(raw_event)
                if "introduced" in event:
                    value = _str(event["introduced"])
                    if value is None or not (value == "0" or is_exact_version(value)):
                        self.warn(f"{name}: unusable introduced event {event['introduced']!r}")
                        is_open = False
                        continue
                    if is_open:
                        self._add_window(pkg, lower, None, False)
                    lower = None if value in ("0", "0.0.0") else value
                    is_open = True
                elif "fixed" in event or "last_affected" in event:
                    inclusive = "fixed" not in event
                    value = _str(event["last_affected" if inclusive else "fixed"])
                    if not is_open:
                        self.warn(f"{name}: range end without an introduced event skipped")
                        continue
                    if value is None or not is_exact_version(value):
                        self.warn(f"{name}: unusable range end {event!r} skipped")
                        is_open = False
                        continue
                    self._add_window(pkg, lower, value, inclusive)
                    is_open = False
            if is_open:
                self._add_window(pkg, lower, None, False)

    @staticmethod
    def _add_window(pkg: _Package, lower: str | None, upper: str | None, inclusive: bool) -> None:
        if lower is None and upper is None:
            pkg.every_version = True
            return
        pkg.windows.append((lower, upper, inclusive))
        pkg.ranges.add(_window_expression(lower, upper, inclusive))

    def _read_indicators(
        self, name: str, indicators: Mapping[str, Any], hosts: list[JSONDict], integrity: set[str]
    ) -> None:
        for raw_item in _list(indicators.get("evidence_files")):
            item = _dict(raw_item)
            path = _str(item.get("path"))
            digest = _str(item.get("sha256"))
            if path is None or digest is None or not _SHA256_RE.match(digest):
                self.warn(f"{name}: evidence file without a path and sha256 skipped")
                continue
            parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]
            if not parts or ".." in parts or path.startswith(("/", "\\", "~")):
                self.warn(f"{name}: evidence file path {path!r} skipped")
                continue
            hosts.append(
                {
                    "type": "file",
                    "path": "/".join(["node_modules", name, *parts[:-1]]),
                    "file_name": parts[-1],
                    "hashes": [{"algorithm": "sha256", "value": digest.lower()}],
                    "confidence": "high",
                    "notes": (
                        f"File shipped in the malicious {name} release (path relative to a "
                        "project); only a copy with this hash is a match."
                    ),
                }
            )
        for item in _list(indicators.get("package_integrity")):
            hashes = _dict(_dict(item).get("hashes"))
            sri = _str(hashes.get("sha512_sri"))
            sha1 = _str(hashes.get("sha1"))
            if sri is not None and _SHA512_SRI_RE.match(sri):
                integrity.add(sri)
            elif sri is not None:
                self.warn(f"{name}: malformed sha512 integrity {sri!r} skipped")
            if sha1 is not None and _SHA1_RE.match(sha1):
                # npm 6 era lockfiles record only sha1 integrity: keep it as an SRI string too
                integrity.add("sha1-" + base64.b64encode(bytes.fromhex(sha1)).decode("ascii"))
            elif sha1 is not None:
                self.warn(f"{name}: malformed sha1 hash {sha1!r} skipped")

    def _network(self, hosts: list[JSONDict]) -> None:
        iocs = _dict(_dict(self.record.get("database_specific")).get("iocs"))
        labels = (("domains", "domain"), ("ips", "IP address"), ("urls", "URL"))
        for key, label in labels:
            for value in _list(iocs.get(key)):
                text = _str(value)
                if text is None:
                    continue
                hosts.append(
                    {
                        "type": "network",
                        "value": refang(text),
                        "confidence": "high",
                        "notes": f"Attacker {label} listed in the OSV record.",
                    }
                )

    def convert(self) -> JSONDict | None:
        rec = self.record
        rec_id = _str(rec.get("id"))
        if rec_id is None or not _ID_RE.match(rec_id):
            self.warn("record without a usable id skipped")
            return None
        self.where = f"{self.where} ({rec_id})" if rec_id not in self.where else self.where
        if rec.get("withdrawn"):
            self.warn("withdrawn record skipped")
            return None
        packages: dict[str, _Package] = {}
        hosts: list[JSONDict] = []
        integrity: set[str] = set()
        others: set[str] = set()
        for raw_affected in _list(rec.get("affected")):
            affected = _dict(raw_affected)
            package = _dict(affected.get("package"))
            ecosystem = _str(package.get("ecosystem")) or "?"
            name = _str(package.get("name"))
            if ecosystem.lower() != "npm":
                others.add(ecosystem)
                continue
            if name is None or not is_package_name(name):
                self.warn(f"npm package name {package.get('name')!r} skipped")
                continue
            pkg = packages.setdefault(name, _Package())
            for version in _list(affected.get("versions")):
                text = _str(version)
                if text is not None and is_exact_version(text.strip()):
                    pkg.exact.add(text.strip())
                else:
                    self.warn(f"{name}: version {version!r} is not an exact version, skipped")
            self._read_ranges(name, _list(affected.get("ranges")), pkg)
            indicators = _dict(_dict(affected.get("database_specific")).get("indicators"))
            self._read_indicators(name, indicators, hosts, integrity)
        if others:
            self.warn(f"affected packages of other ecosystems skipped: {', '.join(sorted(others))}")
        package_rules = self._package_rules(packages)
        if not package_rules:
            self.warn("no npm package with usable versions; record skipped")
            return None
        record_indicators = _dict(_dict(rec.get("database_specific")).get("indicators"))
        if record_indicators:
            first = str(package_rules[0]["package_name"])
            self._read_indicators(first, record_indicators, hosts, integrity)
        self._network(hosts)
        return self._rule(rec_id, package_rules, hosts, integrity)

    def _package_rules(self, packages: Mapping[str, _Package]) -> list[JSONDict]:
        out: list[JSONDict] = []
        for name in sorted(packages):
            pkg = packages[name]
            narrower = pkg.exact or pkg.ranges
            if pkg.every_version and narrower:
                self.warn(
                    f'{name}: one source marks every version as affected (introduced "0" with '
                    "no end) while another gives a narrower window; imported the narrower window"
                )
            exprs: set[str] = set(pkg.ranges)
            exprs.update("=" + v for v in pkg.exact if not any(_covers(w, v) for w in pkg.windows))
            if not exprs:
                if not pkg.every_version:
                    continue
                exprs = {"*"}
            out.append(
                {
                    "package_name": name,
                    "affected_versions": sorted(exprs, key=expression_sort_key),
                }
            )
        return out

    def _rule(
        self,
        rec_id: str,
        package_rules: list[JSONDict],
        hosts: list[JSONDict],
        integrity: set[str],
    ) -> JSONDict:
        rec = self.record
        db = _dict(rec.get("database_specific"))
        malicious = rec_id.startswith("MAL-") or "malicious-packages-origins" in db
        every = all(pr["affected_versions"] == ["*"] for pr in package_rules)
        if malicious:
            kind = "malicious-package" if every else "compromised-release"
            severity = "critical"
        else:
            kind = "vulnerability"
            severity = _GHSA_SEVERITY.get(str(db.get("severity", "")).upper(), "medium")
        severity = checked_option(self.options, "severity", SEVERITIES) or severity
        summary_text = _str(rec.get("summary"))
        details = _str(rec.get("details"))
        title = " ".join(summary_text.split()) if summary_text else None
        if title is None:
            first = details.strip().splitlines()[0] if details else ""
            title = f"{rec_id}: {first[:120]}" if first else rec_id
        aliases: list[JSONDict] = []
        for alias in sorted({a for a in _list(rec.get("aliases")) if _str(a)}):
            upper = alias.upper()
            alias_type = next(
                (
                    t
                    for p, t in (("GHSA-", "ghsa"), ("CVE-", "cve"), ("SNYK-", "snyk"))
                    if upper.startswith(p)
                ),
                "other",
            )
            aliases.append({"type": alias_type, "value": alias})
        refs = [("advisory", f"https://osv.dev/vulnerability/{rec_id}")]
        for raw_ref in _list(rec.get("references")):
            ref = _dict(raw_ref)
            url = _str(ref.get("url"))
            if url:
                refs.append((_REFERENCE_TYPES.get(str(ref.get("type", "")).upper(), "other"), url))
        metadata: JSONDict = {}
        for src, dst in (("published", "published_at"), ("modified", "last_updated_at")):
            stamp = _str(rec.get(src))
            if stamp and _RFC3339_RE.match(stamp):
                metadata[dst] = stamp
            elif stamp:
                self.warn(f"{src} timestamp {stamp!r} is not RFC 3339; left out")
        summary = details.strip()[:MAX_SUMMARY_CHARS] if details else None
        return make_rule(
            rule_id=rec_id,
            title=title,
            kind=kind,
            severity=severity,
            summary=summary,
            aliases=aliases,
            refs=references(refs),
            package_rules=package_rules,
            host_indicators=hosts,
            integrity=sorted(integrity),
            remediation=dict(
                REMEDIATION_MALICIOUS if kind == "malicious-package" else REMEDIATION_COMPROMISED
            )
            if malicious
            else None,
            metadata=metadata or None,
        )


def _records_from_json(data: bytes, where: str) -> Iterator[Mapping[str, Any]]:
    try:
        doc = json.loads(decode_text(data, where))
    except (ValueError, RecursionError) as exc:
        raise FeedError(where, f"not valid JSON: {exc}") from None
    if isinstance(doc, dict) and isinstance(doc.get("vulns"), list):
        doc = doc["vulns"]
    items = doc if isinstance(doc, list) else [doc]
    for item in items:
        if isinstance(item, dict):
            yield item
        else:
            raise FeedError(where, "expected an OSV record (a JSON object)")


def _sources(path: str) -> Iterator[tuple[str, bytes]]:
    """(display name, bytes) of every record file behind one input."""
    if os.path.isdir(path):
        for file in find_files(path, (".json",)):
            yield file, read_input(file, cap=MAX_RECORD_BYTES)
        return
    if path.lower().endswith(".zip"):
        yield from _zip_members(path)
        return
    yield path, read_input(path, cap=MAX_RECORD_BYTES)


def _zip_members(path: str) -> Iterator[tuple[str, bytes]]:
    total = 0
    try:
        with zipfile.ZipFile(path) as archive:
            members = sorted(
                (i for i in archive.infolist() if not i.is_dir()), key=lambda i: i.filename
            )
            for info in members:
                if not info.filename.lower().endswith(".json"):
                    continue
                where = f"{path}:{info.filename}"
                if info.file_size > MAX_RECORD_BYTES:
                    raise FeedError(where, f"member too large ({info.file_size} bytes)")
                total += info.file_size
                if total > MAX_ZIP_TOTAL_BYTES:
                    raise FeedError(path, "archive too large once uncompressed")
                with archive.open(info) as fh:
                    data = fh.read(MAX_RECORD_BYTES + 1)
                if len(data) > MAX_RECORD_BYTES:
                    raise FeedError(where, "member larger than it claims")
                yield where, data
    except FeedError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError) as exc:
        raise FeedError(path, f"not a readable zip archive: {exc}") from None
    except (RuntimeError, NotImplementedError, ValueError) as exc:
        raise FeedError(path, f"cannot extract: {exc}") from None
    except OSError as exc:
        raise FeedError(path, f"cannot read: {exc.strerror or exc}") from None


def convert_records(
    records: Sequence[tuple[str, Mapping[str, Any]]], options: Mapping[str, str]
) -> tuple[list[JSONDict], list[str]]:
    """Convert (where, record) pairs; duplicate ids keep the first record."""
    rules: list[JSONDict] = []
    warnings: list[str] = []
    seen: set[str] = set()
    for where, record in records:
        converter = _RecordConverter(where, record, options)
        rule = converter.convert()
        warnings.extend(converter.warnings)
        if rule is None:
            continue
        if rule["id"] in seen:
            warnings.append(f"{where}: duplicate record id {rule['id']} skipped")
            continue
        seen.add(rule["id"])
        rules.append(rule)
    return rules, warnings


def import_osv(
    inputs: Sequence[str], options: Mapping[str, str]
) -> tuple[list[tuple[str, list[JSONDict]]], list[str]]:
    """One output document per input: ``<record or folder or zip name>.json``."""
    documents: list[tuple[str, list[JSONDict]]] = []
    warnings: list[str] = []
    for path in inputs:
        records = [
            (where, record)
            for where, data in _sources(path)
            for record in _records_from_json(data, where)
        ]
        rules, notes = convert_records(records, options)
        warnings.extend(notes)
        stem = os.path.basename(os.path.normpath(path))
        for suffix in (".json", ".zip"):
            if stem.lower().endswith(suffix):
                stem = stem[: -len(suffix)]
        if not rules:
            warnings.append(f"{path}: no npm rule imported")
            continue
        documents.append((f"{stem or 'osv'}.json", rules))
    return documents, warnings
