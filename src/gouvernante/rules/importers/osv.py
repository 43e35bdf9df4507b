"""OSV importer: one record, a directory of records, or a ``.zip`` of records -> rules.

Only ``affected[]`` entries whose ``package.ecosystem`` is npm are imported. A package is affected
at a version when any ``SEMVER``/``ECOSYSTEM`` range *or* the ``versions`` list says so (the OSV
evaluation, see ``_osv_ranges``); the rule lists exactly that set as npm comparators, ``*`` when
it is every version (``introduced: "0"`` with no end, whatever versions are also listed).

An all-versions record whose package also has releases the same import says are clean (a bounded
range in the record or its ``malicious-packages-origins``, or another record of the import that
affects fewer versions) gets one warning naming the record. ``narrow`` (``--narrow``) drops the
ranges that alone make every version affected when the record gives anything narrower for that
package: the listed versions and bounded windows only, as a responder may knowingly want.
"""

from __future__ import annotations

import base64
import json
import os
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gouvernante.errors import InputError
from gouvernante.fs.decode import json_problem
from gouvernante.fs.digest import ArchiveLimits, bounded_zip
from gouvernante.fs.read import open_chosen_stream
from gouvernante.fs.walk import find_files
from gouvernante.purl import PurlProblem, split_npm_purl
from gouvernante.rules.defang import refang
from gouvernante.rules.importers._common import (
    REMEDIATION_COMPROMISED,
    REMEDIATION_MALICIOUS,
    SEVERITIES,
    FeedError,
    JSONDict,
    WarningLog,
    checked_option,
    decode_text,
    expression_sort_key,
    is_package_name,
    make_rule,
    quoted,
    read_input,
    references,
)
from gouvernante.rules.importers._osv_ranges import (
    Coverage,
    Event,
    EventKind,
    OsvRange,
    coverage,
    covers_everything,
)
from gouvernante.safetext import capped
from gouvernante.semver import Version, try_parse_version

# Largest OSV record (file or zip member) we read; real npm records are a few KiB.
MAX_RECORD_BYTES = 8 * 1024 * 1024
# Largest zip export: members beyond this total are refused (all.zip for npm is far smaller).
MAX_ZIP_TOTAL_BYTES = 4 * 1024 * 1024 * 1024
# Most members a zip may list (osv.dev's all-ecosystem export has well under a million records).
MAX_ZIP_MEMBERS = 2_000_000
_ZIP_LIMITS = ArchiveLimits(max_members=MAX_ZIP_MEMBERS, max_directory_bytes=256 * 1024 * 1024)
MAX_SUMMARY_CHARS = 4000
# Most records one JSON file (or zip member) may hold: an OSV file holds one record, an osv.dev
# API answer a page of them; 8 MiB of real records is a few thousand. Beyond: refused, so an
# 8 MiB array of ``{}`` costs neither minutes nor a warning per item.
MAX_RECORDS_PER_FILE = 100_000

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

    listed: set[Version] = field(default_factory=set)
    ranges: list[OsvRange] = field(default_factory=list)
    # ranges of the record's database_specific origins: only looked at for the warning
    origin_ranges: list[OsvRange] = field(default_factory=list)
    # the record gives a version or a SEMVER/ECOSYSTEM range for it (even one affecting nothing)
    readable: bool = False


@dataclass(frozen=True)
class PackageOutcome:
    """What one record's rule says about one package, and what the warning pass needs."""

    name: str
    expressions: tuple[str, ...]
    every_version: bool
    # bounded windows the record itself gives for the package (ranges and origins)
    windows: tuple[str, ...]
    narrowed: bool


@dataclass(frozen=True)
class RecordOutcome:
    where: str
    rule_id: str
    packages: tuple[PackageOutcome, ...]


_EVENT_KINDS = tuple(EventKind)
_ORIGINS = "malicious-packages-origins"
_ZERO = Version(0, 0, 0)


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _version(text: object) -> Version | None:
    """A usable npm version (``1.2.3``, ``v1.2.3``, surrounding blanks) or ``None``."""
    if not isinstance(text, str) or len(text) > 256:
        return None
    return try_parse_version(text.strip())


def _is_malicious(rec_id: str, database_specific: Mapping[str, Any]) -> bool:
    """A malicious-packages record (its id, or its origins), not a vulnerability."""
    return rec_id.startswith("MAL-") or _ORIGINS in database_specific


def _purl_npm_name(value: object) -> str | None:
    """The npm package name of a ``pkg:npm/[%40scope/]name[@version][?q][#p]`` purl, decoded,
    or ``None`` (not a string, not an npm purl, not a name npm can have)."""
    if not isinstance(value, str) or len(value) > 1000:
        return None
    try:
        split = split_npm_purl(value.strip())
    except PurlProblem:
        return None
    return split.name if split is not None and is_package_name(split.name) else None


def _windows(ranges: Sequence[OsvRange]) -> list[str]:
    """The expressions of the ranges that end: they say releases after them are clean.

    A range that only starts late (``introduced: "2.0.0"`` and no end) does not count: in the
    malicious-packages feed it is the first malicious version a source saw, like a versions list.
    """
    out: dict[str, None] = {}
    for rng in ranges:
        if all(e.kind is EventKind.INTRODUCED for e in rng.events):
            continue  # nothing ends (the common case: skip the computation)
        cover = coverage((rng,), ())
        if cover.ends:
            out.update(dict.fromkeys(cover.expressions()))
    return list(out)


class _RecordConverter:
    def __init__(
        self,
        where: str,
        record: Mapping[str, Any],
        options: Mapping[str, str],
        log: WarningLog,
        *,
        narrow: bool = False,
    ) -> None:
        self.where = where
        self.record = record
        self.options = options
        self.narrow = narrow
        self.log = log
        self.outcome: RecordOutcome | None = None

    def warn(self, kind: str, message: str) -> None:
        self.log.add(kind, f"{self.where}: {message}")

    def _read_ranges(self, name: str, ranges: list[Any], *, quiet: bool = False) -> list[OsvRange]:
        """SEMVER/ECOSYSTEM ranges as events; an unreadable event widens, never narrows.

        An ``introduced`` that is not a version counts as ``"0"``; a ``fixed``,
        ``last_affected`` or ``limit`` that is not a version is dropped. Both are warned about.
        """
        warn = (lambda _kind, _message: None) if quiet else self.warn
        out: list[OsvRange] = []
        for index, raw_rng in enumerate(ranges):
            rng = _dict(raw_rng)
            rtype = rng.get("type")
            if rtype not in ("SEMVER", "ECOSYSTEM"):
                warn("range type", f"{name}: ranges[{index}] of type {quoted(rtype)} skipped")
                continue
            events: list[Event] = []
            for raw_event in _list(rng.get("events")):
                event = _dict(raw_event)
                kinds = [k for k in _EVENT_KINDS if k.value in event]
                if not kinds:
                    warn(
                        "range event key",
                        f"{name}: ranges[{index}]: event without a known key skipped",
                    )
                for kind in kinds:
                    value = event[kind.value]
                    sentinel = "0" if kind is EventKind.INTRODUCED else "*"
                    if kind in (EventKind.INTRODUCED, EventKind.LIMIT) and value == sentinel:
                        events.append(Event(kind, None))
                        continue
                    version = _version(value)
                    if kind is EventKind.INTRODUCED and version == _ZERO:
                        # "0.0.0" is meant as "0"; reading it so only adds 0.0.0 prereleases
                        events.append(Event(kind, None))
                    elif version is not None:
                        events.append(Event(kind, version))
                    elif kind is EventKind.INTRODUCED:
                        warn(
                            "introduced not a version",
                            f"{name}: ranges[{index}]: introduced {quoted(value)} is not a"
                            ' version; read as "0" (every earlier version affected too)',
                        )
                        events.append(Event(kind, None))
                    else:
                        warn(
                            "range end not a version",
                            f"{name}: ranges[{index}]: {kind.value} {quoted(value)} is not a"
                            " version; dropped (the range extends past it)",
                        )
            parsed = OsvRange(tuple(events))
            only_starts = events and all(e.kind is EventKind.INTRODUCED for e in events)
            if not only_starts and coverage((parsed,), ()).nothing:
                warn(
                    "range affects nothing",
                    f"{name}: ranges[{index}] affects no version (no usable introduced event)",
                )
                continue
            out.append(parsed)
        return out

    def _read_indicators(
        self, name: str, indicators: Mapping[str, Any], hosts: list[JSONDict], integrity: set[str]
    ) -> None:
        for raw_item in _list(indicators.get("evidence_files")):
            item = _dict(raw_item)
            path = _str(item.get("path"))
            digest = _str(item.get("sha256"))
            if path is None or digest is None or not _SHA256_RE.match(digest):
                self.warn(
                    "evidence file incomplete",
                    f"{name}: evidence file without a path and sha256 skipped",
                )
                continue
            parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]
            if not parts or ".." in parts or path.startswith(("/", "\\", "~")):
                self.warn(
                    "evidence file path", f"{name}: evidence file path {quoted(path)} skipped"
                )
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
                self.warn(
                    "malformed sha512", f"{name}: malformed sha512 integrity {quoted(sri)} skipped"
                )
            if sha1 is not None and _SHA1_RE.match(sha1):
                # npm 6 era lockfiles record only sha1 integrity: keep it as an SRI string too
                integrity.add("sha1-" + base64.b64encode(bytes.fromhex(sha1)).decode("ascii"))
            elif sha1 is not None:
                self.warn("malformed sha1", f"{name}: malformed sha1 hash {quoted(sha1)} skipped")

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

    def _listed(self, path: str, versions: object) -> list[Version]:
        """An npm package's ``versions``, each read as node-semver's ``valid`` reads it
        (``1.2.3``, ``v1.2.3``, surrounding blanks). One it cannot read fails the import: dropped,
        it would leave a malicious release out of the rule, and lockfiles holding it clean."""
        if versions is None:
            return []
        at = path  # in the record (``self.where`` names the file and the record)
        if not isinstance(versions, list):
            raise FeedError(
                self.where, f"{at}: expected a list of versions, got {quoted(versions)}"
            )
        out: list[Version] = []
        for n, version in enumerate(versions):
            parsed = _version(version)
            if parsed is None:
                raise FeedError(
                    self.where,
                    f"{at}[{n}]: {quoted(version)} is not a version node-semver reads"
                    " (npm's valid()); not imported, rather than dropping an affected version:"
                    " correct the record or leave it out",
                )
            out.append(parsed)
        return out

    def _package_names(
        self, at: str, package: Mapping[str, Any], purl_name: str | None
    ) -> list[str]:
        """The npm names one ``affected[].package`` gives: its ``name`` (surrounding blanks,
        which npm names cannot have, dropped), else the name its ``pkg:npm/`` purl spells. A
        purl naming another package (beyond case: purls spell npm names in lower case) adds
        that package too, with a warning: widened, never guessed narrower."""
        raw = package.get("name")
        name = raw.strip() if isinstance(raw, str) and len(raw) <= 1000 else None
        names = [n for n in (name or purl_name,) if n is not None and is_package_name(n)]
        if names and purl_name is not None and purl_name.lower() != names[0].lower():
            self.warn(
                "purl names another package",
                f"{at}: purl names {quoted(purl_name)}, name is {quoted(names[0])}: both imported",
            )
            names.append(purl_name)
        return names

    def convert(self) -> JSONDict | None:
        rec = self.record
        rec_id = _str(rec.get("id"))
        if rec_id is None or not _ID_RE.match(rec_id):
            self.warn("record without id", "record without a usable id skipped")
            return None
        self.where = f"{self.where} ({rec_id})" if rec_id not in self.where else self.where
        if rec.get("withdrawn"):
            self.warn("withdrawn record", "withdrawn record skipped")
            return None
        packages: dict[str, _Package] = {}
        hosts: list[JSONDict] = []
        integrity: set[str] = set()
        others: set[str] = set()
        for index, raw_affected in enumerate(_list(rec.get("affected"))):
            affected = _dict(raw_affected)
            package = _dict(affected.get("package"))
            purl_name = _purl_npm_name(package.get("purl"))
            ecosystem = (_str(package.get("ecosystem")) or "").strip()
            if ecosystem.lower() != "npm" and not (ecosystem == "" and purl_name):
                others.add(ecosystem or "?")
                continue
            names = self._package_names(f"affected[{index}].package", package, purl_name)
            if not names:
                self.warn(
                    "npm package name", f"npm package name {quoted(package.get('name'))} skipped"
                )
                continue
            listed = self._listed(f"affected[{index}].versions", affected.get("versions"))
            ranges = self._read_ranges(names[0], _list(affected.get("ranges")))
            readable = bool(listed) or any(
                _dict(r).get("type") in ("SEMVER", "ECOSYSTEM")
                for r in _list(affected.get("ranges"))
            )
            for name in names:
                pkg = packages.setdefault(name, _Package())
                pkg.listed.update(listed)
                pkg.ranges.extend(ranges)
                pkg.readable = pkg.readable or readable
            indicators = _dict(_dict(affected.get("database_specific")).get("indicators"))
            self._read_indicators(names[0], indicators, hosts, integrity)
        if others:
            self.warn(
                "other ecosystems",
                f"affected packages of other ecosystems skipped: {', '.join(sorted(others))}",
            )
        if len(packages) == 1:
            # malicious-packages records keep each source's own ranges; one package per record
            (pkg,) = packages.values()
            for origin in _list(_dict(rec.get("database_specific")).get(_ORIGINS)):
                name = next(iter(packages))
                pkg.origin_ranges.extend(
                    self._read_ranges(name, _list(_dict(origin).get("ranges")), quiet=True)
                )
        db = _dict(rec.get("database_specific"))
        outcomes = self._outcomes(packages, malicious=_is_malicious(rec_id, db))
        package_rules: list[JSONDict] = [
            {"package_name": o.name, "affected_versions": list(o.expressions)} for o in outcomes
        ]
        if not package_rules:
            self.warn(
                "no usable npm package", "no npm package with usable versions; record skipped"
            )
            return None
        self.outcome = RecordOutcome(self.where, rec_id, tuple(outcomes))
        record_indicators = _dict(_dict(rec.get("database_specific")).get("indicators"))
        if record_indicators:
            first = str(package_rules[0]["package_name"])
            self._read_indicators(first, record_indicators, hosts, integrity)
        self._network(hosts)
        return self._rule(rec_id, package_rules, hosts, integrity)

    def _outcomes(
        self, packages: Mapping[str, _Package], *, malicious: bool
    ) -> list[PackageOutcome]:
        out: list[PackageOutcome] = []
        for name in sorted(packages):
            pkg = packages[name]
            ranges = pkg.ranges
            narrowed = False
            if self.narrow:
                bounded = [r for r in ranges if not covers_everything(r)]
                if len(bounded) < len(ranges) and (bounded or pkg.listed):
                    ranges, narrowed = bounded, True
            cover: Coverage = coverage(ranges, pkg.listed)
            if cover.nothing and (pkg.readable or not malicious):
                continue
            exprs = sorted(cover.expressions(), key=expression_sort_key)
            if cover.nothing:
                # the feed calls the package malicious, and says no version we can read
                # (only GIT ranges, an empty list, nothing): skipped, every release would
                # scan clean; widened, with a warning
                self.warn(
                    "no readable version",
                    f"{name}: no version the record gives can be read (GIT ranges, an empty"
                    " or missing versions list); every version imported as affected, as the"
                    " record calls the package malicious",
                )
                cover = coverage((OsvRange((Event(EventKind.INTRODUCED, None),)),), ())
                exprs = cover.expressions()
            out.append(
                PackageOutcome(
                    name=name,
                    expressions=tuple(exprs),
                    every_version=cover.everything,
                    windows=tuple(_windows([*pkg.ranges, *pkg.origin_ranges])),
                    narrowed=narrowed,
                )
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
        malicious = _is_malicious(rec_id, db)
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
                self.warn("timestamp", f"{src} timestamp {quoted(stamp)} is not RFC 3339; left out")
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


def _records_from_json(data: bytes, where: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(JSON path, record) of one file: one record, a list of them, or an API answer."""
    try:
        doc = json.loads(decode_text(data, where))
    except (ValueError, RecursionError):
        raise FeedError(where, json_problem(data).message()) from None
    prefix: str | None = ""
    if isinstance(doc, dict) and isinstance(doc.get("vulns"), list):
        doc, prefix = doc["vulns"], "vulns"
    if not isinstance(doc, list):
        doc, prefix = [doc], None
    if len(doc) > MAX_RECORDS_PER_FILE:
        raise FeedError(
            where,
            f"holds {len(doc)} items, more than {MAX_RECORDS_PER_FILE} records one file may hold",
        )
    for index, item in enumerate(doc):
        path = "" if prefix is None else f"{prefix}[{index}]"
        if isinstance(item, dict):
            yield path, item
        else:
            raise FeedError(where, f"{path or '$'}: expected an OSV record (a JSON object)")


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
        # opened as every input is (``fs.read``: a FIFO named ``x.zip`` blocked a plain open
        # for ever), its member count bounded before zipfile builds an object per member
        with (
            open_chosen_stream(path) as file,
            bounded_zip(file, path, _ZIP_LIMITS) as archive,
        ):
            if len(archive.filelist) > MAX_ZIP_MEMBERS:
                raise FeedError(path, f"archive lists more than {MAX_ZIP_MEMBERS} members")
            members = sorted(
                (i for i in archive.infolist() if not i.is_dir()), key=lambda i: i.filename
            )
            for info in members:
                if not info.filename.lower().endswith(".json"):
                    continue
                where = f"{path}:{capped(info.filename, 200)}"
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
    except InputError as exc:
        raise FeedError(path, exc.detail) from None
    # zipfile's messages quote member names ("Bad CRC-32 for file 'x'"): the kind only.
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError) as exc:
        raise FeedError(path, f"not a readable zip archive ({type(exc).__name__})") from None
    except (RuntimeError, NotImplementedError, ValueError) as exc:
        raise FeedError(
            path,
            f"cannot extract (encrypted or compressed with an unsupported method;"
            f" {type(exc).__name__})",
        ) from None
    except OSError as exc:
        raise FeedError(path, f"cannot read: {exc.strerror or exc}") from None


def _merge_rule(first: JSONDict, other: JSONDict) -> bool:
    """Add to ``first`` what ``other`` (a record of the same id) affects beyond it: its packages,
    version expressions (a rule's expressions are alternatives: appending is the union), file
    and network indicators and integrity values. Whether anything was added."""
    changed = False
    mine = {str(p["package_name"]): p for p in first["package_rules"]}
    for prule in other["package_rules"]:
        have = mine.get(str(prule["package_name"]))
        if have is None:
            first["package_rules"].append(prule)
            mine[str(prule["package_name"])] = prule
            changed = True
            continue
        old, new = have["affected_versions"], prule["affected_versions"]
        if old == ["*"] or set(new) <= set(old):
            continue
        have["affected_versions"] = (
            ["*"] if new == ["*"] else sorted({*old, *new}, key=expression_sort_key)
        )
        changed = True
    first["package_rules"].sort(key=lambda p: str(p["package_name"]))
    for key in ("host_indicators", "integrity"):
        extra = [item for item in other.get(key, ()) if item not in first.get(key, ())]
        if extra:
            first[key] = [*first.get(key, ()), *extra]
            changed = True
    return changed


def convert_records(
    records: Iterable[tuple[str, str, Mapping[str, Any]]],
    options: Mapping[str, str],
    log: WarningLog,
    *,
    narrow: bool = False,
    seen: dict[str, tuple[str, JSONDict]] | None = None,
) -> tuple[list[JSONDict], list[RecordOutcome]]:
    """Convert (where, JSON path, record) triples. A record whose id an earlier one (of these
    records, or of ``seen``: the import's earlier inputs) has is merged into that rule when it
    affects more (the union: dropped, its packages and versions would scan clean), else
    skipped; a warning either way."""
    rules: list[JSONDict] = []
    outcomes: list[RecordOutcome] = []
    seen = {} if seen is None else seen
    for where, json_path, record in records:
        shown_where = f"{where}:{json_path}" if json_path else where
        converter = _RecordConverter(shown_where, record, options, log, narrow=narrow)
        rule = converter.convert()
        if rule is None or converter.outcome is None:
            continue
        rule_id = str(rule["id"])
        if rule_id in seen:
            first_where, first = seen[rule_id]
            if _merge_rule(first, rule):
                outcomes.append(converter.outcome)
                log.add(
                    "duplicate record id",
                    f"{shown_where}: duplicate record id {rule_id} affects more than the one at"
                    f" {first_where}: merged into that rule (the union of both)",
                )
            else:
                log.add(
                    "duplicate record id", f"{shown_where}: duplicate record id {rule_id} skipped"
                )
            continue
        seen[rule_id] = (shown_where, rule)
        rules.append(rule)
        outcomes.append(converter.outcome)
    return rules, outcomes


def _some(items: Sequence[str], limit: int = 3, sep: str = " || ") -> str:
    shown = sep.join(items[:limit])
    return shown + (f"{sep}... ({len(items) - limit} more)" if len(items) > limit else "")


def clean_release_warnings(outcomes: Sequence[RecordOutcome]) -> Iterator[str]:
    """One warning per record that marks every version of a package affected while the same
    import says some releases of that package are clean.

    Clean releases are *said* by a bounded range (one that ends, or starts above ``0``) in the
    record itself or in its ``malicious-packages-origins``, or by another record of the import
    whose affected set for the package is not every version. A record's own ``versions`` list is
    not such a statement: it names malicious releases (in the malicious-packages feed, the ones a
    source happened to see), never clean ones.
    """
    # per package, the first few records that say it has clean releases (enough to name three
    # besides the record being warned about) and how many there are in all
    by_name: dict[str, list[tuple[RecordOutcome, PackageOutcome]]] = {}
    counts: dict[str, int] = {}
    for rec in outcomes:
        for pkg in rec.packages:
            if pkg.windows or not pkg.every_version:
                counts[pkg.name] = counts.get(pkg.name, 0) + 1
                if len(found := by_name.setdefault(pkg.name, [])) < 4:
                    found.append((rec, pkg))
    for rec in outcomes:
        reasons: list[str] = []
        for pkg in rec.packages:
            if not pkg.every_version:
                continue
            evidence: list[str] = []
            if pkg.windows:
                evidence.append(f"this record also gives {_some(pkg.windows)}")
            others = [
                (other, opkg)
                for other, opkg in by_name.get(pkg.name, ())
                if other.rule_id != rec.rule_id
            ][:3]
            for other, opkg in others:
                if opkg.every_version:
                    evidence.append(f"{other.rule_id} gives {_some(opkg.windows)}")
                else:
                    evidence.append(f"{other.rule_id} affects only {_some(opkg.expressions)}")
            more = counts.get(pkg.name, 0) - len(others) - (1 if pkg.windows else 0)
            if more > 0:
                evidence.append(f"{more} more record(s)")
            if evidence:
                reasons.append(f"{pkg.name} ({'; '.join(evidence)})")
        if reasons:
            yield (
                f"{rec.where}: every version of {', '.join(reasons)} imported as affected, "
                "although the import says some releases are clean; check the record, or import "
                "with --narrow to keep only its listed versions and bounded windows"
            )


def import_osv(
    inputs: Sequence[str], options: Mapping[str, str]
) -> tuple[list[tuple[str, list[JSONDict]]], list[str]]:
    """One output document per input: ``<record or folder or zip name>.json``."""
    documents: list[tuple[str, list[JSONDict]]] = []
    log = WarningLog()
    narrow = options.get("narrow", "") not in ("", "no", "false", "0")
    outcomes: list[RecordOutcome] = []
    seen: dict[str, tuple[str, JSONDict]] = {}  # rule id -> (where, rule), across the inputs
    for path in inputs:
        # a generator: records are converted as they are read, never all held at once
        records = (
            (where, json_path, record)
            for where, data in _sources(path)
            for json_path, record in _records_from_json(data, where)
        )
        rules, converted = convert_records(records, options, log, narrow=narrow, seen=seen)
        outcomes.extend(converted)
        stem = os.path.basename(os.path.normpath(path))
        for suffix in (".json", ".zip"):
            if stem.lower().endswith(suffix):
                stem = stem[: -len(suffix)]
        if not rules:
            log.add("nothing imported", f"{path}: no npm rule imported")
            continue
        documents.append((f"{stem or 'osv'}.json", rules))
    log.extend("every version affected", clean_release_warnings(outcomes))
    narrowed = sorted(rec.rule_id for rec in outcomes if any(p.narrowed for p in rec.packages))
    warnings = log.lines()
    if narrowed:
        warnings.append(
            f"narrow: {len(narrowed)} record(s) imported with their listed versions and bounded "
            f"windows only, every-version ranges dropped: {_some(narrowed, 10, ', ')}"
        )
    return documents, warnings
