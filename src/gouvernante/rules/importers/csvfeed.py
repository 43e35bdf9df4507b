"""CSV importer: package/version tables and ``type,indicator,context`` IOC tables -> one rule.

Recognised layouts (header names are matched case-insensitively):

* ``package_name,package_version`` (also ``Package,Version``, ``package_versions``, ...), with one
  version per row or several in one cell (``"1.0.1, 1.0.2"``, ``= 1.0.1 || = 1.0.2``);
* ``artifact_type,name,affected_versions``: rows of other ecosystems are skipped;
* ``type,indicator,context``: domains, IPs, URLs -> network indicators, file paths -> file
  indicators, registry keys -> registry indicators, ``npm`` rows (``name@version``) -> package
  rules, ``sha256`` rows (which name no file) -> the rule's ``file_hashes``.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections import Counter
from collections.abc import Mapping, Sequence

from gouvernante.rules.defang import refang
from gouvernante.rules.importers._common import (
    NOT_A_VERSION,
    FeedError,
    JSONDict,
    PackageCollector,
    Unreadable,
    decode_text,
    feed_rule,
    is_host_absolute,
    is_package_name,
    quoted,
    read_input,
    slug,
    split_path,
    split_version_cell,
    version_expression,
)

_NAME_COLUMNS = ("package_name", "package", "name", "packagename", "pkg", "module")
_VERSION_COLUMNS = (
    "package_version",
    "package_versions",
    "version",
    "versions",
    "affected_versions",
    "affected_version",
    "compromised_versions",
    "malicious_versions",
)
_ECOSYSTEM_COLUMNS = ("artifact_type", "ecosystem", "registry", "package_type")
_NPM_ECOSYSTEMS = {"npm", "npm package", "npm-package", "npm_package", "npmjs", "node", "nodejs"}
_NETWORK_TYPES = {
    "domain": "domain",
    "hostname": "domain",
    "fqdn": "domain",
    "ipv4": "IP address",
    "ipv6": "IP address",
    "ip": "IP address",
    "ip address": "IP address",
    "url": "URL",
    "uri": "URL",
}
_FILE_TYPES = {"filepath", "file path", "file", "path", "filename", "file name"}
_SHA256_RE = re.compile(r"[0-9A-Fa-f]{64}")
_REGISTRY_TYPES = {"registry", "registry key", "regkey"}
_OS_PREFIX_RE = re.compile(r"^\s*(macos|mac os|osx|os x|darwin|windows|linux)\s*:", re.IGNORECASE)
_OS_NAMES = {
    "macos": "macos",
    "mac os": "macos",
    "osx": "macos",
    "os x": "macos",
    "darwin": "macos",
    "windows": "windows",
    "linux": "linux",
}


def _column(header: Sequence[str], names: Sequence[str]) -> int | None:
    for name in names:
        if name in header:
            return header.index(name)
    return None


def _cell(row: Sequence[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return row[index].strip()


def _oses(path: str, context: str) -> list[str]:
    m = _OS_PREFIX_RE.match(context)
    if m:
        return [_OS_NAMES[" ".join(m.group(1).lower().split())]]
    if path.startswith("%") or "\\" in path or re.match(r"^[A-Za-z]:", path):
        return ["windows"]
    if path.startswith(("/Library/", "~/Library/", "$TMPDIR")):
        return ["macos"]
    return []


class _CsvImport:
    def __init__(self, path: str, options: Mapping[str, str]) -> None:
        self.path = path
        self.name = os.path.basename(path)
        self.options = options
        self.packages = PackageCollector()
        self.hosts: list[JSONDict] = []
        self.hashes: dict[str, JSONDict] = {}  # lower-case hex -> file_hashes entry
        self._host_keys: set[tuple[str, str, str]] = set()
        self.warnings: list[str] = []
        self.unreadable = Unreadable(path, options, self.warnings)
        self.skipped: Counter[str] = Counter()

    def warn(self, line: int, message: str) -> None:
        self.warnings.append(f"{self.path}:{line}: {message}")

    def add_versions(self, line: int, name: str, cell: str) -> None:
        if not is_package_name(name):
            self.unreadable.add(line, "not a package name npm accepts")
            return
        tokens = split_version_cell(cell)
        if not tokens:
            self.warn(line, f"{name}: no version given; every version is treated as affected")
            self.packages.add(name, "*")
            return
        for token in tokens:
            expression = version_expression(token)
            if expression is None:
                self.unreadable.add(line, f"{name}: {NOT_A_VERSION}")
            else:
                self.packages.add(name, expression)

    def add_host(self, indicator: JSONDict) -> None:
        key = (
            str(indicator["type"]),
            str(indicator.get("value", "")),
            f"{indicator.get('path', '')}/{indicator.get('file_name', '')}",
        )
        if key not in self._host_keys:
            self._host_keys.add(key)
            self.hosts.append(indicator)

    def run(self) -> JSONDict | None:
        text = decode_text(read_input(self.path), self.path)
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            rows = list(reader)
        except csv.Error:
            # (the reason, never the cell: a NUL byte, a field over the size limit, ...)
            raise FeedError(
                self.path, f"not a readable CSV file (line {reader.line_num})"
            ) from None
        start = next((i for i, row in enumerate(rows) if any(c.strip() for c in row)), None)
        if start is None:
            raise FeedError(self.path, "empty CSV file")
        header = ["_".join(c.strip().lower().split()) for c in rows[start]]
        body = [(start + 2 + i, row) for i, row in enumerate(rows[start + 1 :])]
        if "type" in header and "indicator" in header:
            self._ioc_table(header, body)
        else:
            name_col = _column(header, _NAME_COLUMNS)
            version_col = _column(header, _VERSION_COLUMNS)
            if name_col is None or version_col is None:
                raise FeedError(
                    self.path,
                    f"unrecognised CSV header (line {start + 1}): expected a package name and a "
                    "version column, or type,indicator,context",
                )
            self._package_table(name_col, version_col, _column(header, _ECOSYSTEM_COLUMNS), body)
        self.unreadable.check()
        for kind, count in sorted(self.skipped.items()):
            self.warnings.append(f"{self.path}: {count} row(s) of type {quoted(kind)} skipped")
        if not self.packages and not self.hosts and not self.hashes:
            self.warnings.append(f"{self.path}: nothing to import")
            return None
        stem = os.path.splitext(self.name)[0]
        return feed_rule(
            source_name=self.name,
            default_id=slug(stem) or "csv-feed",
            default_title=f"Compromised npm packages listed in {self.name}",
            packages=self.packages,
            options=self.options,
            host_indicators=self.hosts,
            file_hashes=list(self.hashes.values()),
            warnings=self.warnings,
        )

    def _package_table(
        self,
        name_col: int,
        version_col: int,
        eco_col: int | None,
        body: Sequence[tuple[int, list[str]]],
    ) -> None:
        for line, row in body:
            if not any(c.strip() for c in row):
                continue
            if eco_col is not None:
                ecosystem = " ".join(_cell(row, eco_col).lower().split())
                if ecosystem and ecosystem not in _NPM_ECOSYSTEMS:
                    self.skipped[ecosystem] += 1
                    continue
            name = _cell(row, name_col)
            if not name:
                self.unreadable.add(line, "a row without a package name")
                continue
            self.add_versions(line, name, _cell(row, version_col))

    def _ioc_table(self, header: list[str], body: Sequence[tuple[int, list[str]]]) -> None:
        type_col = header.index("type")
        value_col = header.index("indicator")
        context_col = _column(header, ("context", "description", "notes", "comment"))
        for line, row in body:
            if not any(c.strip() for c in row):
                continue
            kind = " ".join(_cell(row, type_col).lower().split())
            value = _cell(row, value_col)
            context = _cell(row, context_col)
            if not value:
                continue
            if kind in _NETWORK_TYPES:
                indicator: JSONDict = {"type": "network", "value": refang(value)}
                if context:
                    indicator["notes"] = refang(context)
                self.add_host(indicator)
            elif kind in _FILE_TYPES:
                self._file(line, value, context)
            elif kind in _REGISTRY_TYPES:
                indicator = {"type": "registry", "value": value, "oses": ["windows"]}
                if context:
                    indicator["notes"] = context
                self.add_host(indicator)
            elif kind in _NPM_ECOSYSTEMS:
                cut = value.rfind("@")
                name, version = (value[:cut], value[cut + 1 :]) if cut > 0 else (value, "")
                self.add_versions(line, name.strip(), version)
            elif kind == "sha256":
                self._sha256(line, value, context)
            elif kind in ("md5", "sha1", "sha512"):
                self.warn(
                    line,
                    f"{kind} {value} names no file (only sha256 is compared with package "
                    "files); add it to a file indicator by hand",
                )
            else:
                self.skipped[kind or "(empty)"] += 1

    def _sha256(self, line: int, value: str, context: str) -> None:
        """A payload hash without a path: an entry of the rule's ``file_hashes``."""
        if _SHA256_RE.fullmatch(value) is None:
            self.warn(line, f"sha256 {quoted(value)} is not 64 hexadecimal characters, skipped")
            return
        key = value.lower()
        if key in self.hashes:
            return
        entry: JSONDict = {"algorithm": "sha256", "value": key}
        if context:
            entry["notes"] = context
        self.hashes[key] = entry

    def _file(self, line: int, value: str, context: str) -> None:
        if "<" in value or ">" in value or "*" in value:
            self.warn(line, f"file path {quoted(value)} holds a placeholder or pattern, skipped")
            return
        directory, file_name = split_path(value)
        if not file_name:
            self.warn(line, f"file path {quoted(value)} names no file, skipped")
            return
        indicator: JSONDict = {"type": "file"}
        if directory is not None:
            indicator["path"] = directory
        indicator["file_name"] = file_name
        oses = _oses(value, context)
        if oses:
            indicator["oses"] = oses
        if context:
            indicator["notes"] = context
        if directory is None or not is_host_absolute(value):
            indicator.setdefault("notes", "")
            indicator["notes"] = (indicator["notes"] + " (path relative to a project)").strip()
        self.add_host(indicator)


def import_csv(
    inputs: Sequence[str], options: Mapping[str, str]
) -> tuple[list[tuple[str, list[JSONDict]]], list[str]]:
    """One document (with one rule) per CSV file."""
    documents: list[tuple[str, list[JSONDict]]] = []
    warnings: list[str] = []
    for path in inputs:
        job = _CsvImport(path, options)
        rule = job.run()
        warnings.extend(job.warnings)
        if rule is not None:
            documents.append((f"{rule['id']}.json", [rule]))
    return documents, warnings
