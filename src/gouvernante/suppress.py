"""Suppressions: the false-positive triage file (``.gouvernante-ignore.json`` or ``-ignore FILE``).

```json
{"version": 1, "suppressions": [
  {"rule_id": "SSC-2026-005", "package": "example-utils", "version": "2.3.1",
   "path": "legacy/**/package-lock.json", "sha256": "<64 hex>",
   "reason": "why this is not a compromise", "expires": "2026-06-30"}
]}
```

Every entry needs a ``reason``, an ``expires`` date and at least one matcher; a finding is
suppressed when every matcher the entry gives matches it. An entry suppresses up to and including
its ``expires`` day; from the next day on it suppresses nothing and the report says so. Entries
that matched no finding are reported as stale. Suppressed findings stay in every report, marked
with the reason, and do not count towards the exit code.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

import msgspec

from gouvernante.errors import GouvernanteError, SemverError, SuppressionError
from gouvernante.fs import jsonpath
from gouvernante.fs.decode import json_problem
from gouvernante.fs.read import read_chosen_file
from gouvernante.model import Finding, FindingType, ScanIssue, ScanResult
from gouvernante.safetext import capped
from gouvernante.semver import Range, parse_range, try_parse_version

SUPPRESSION_FILE_NAME = ".gouvernante-ignore.json"
SUPPRESSION_FILE_VERSION = 1
MAX_SUPPRESSION_BYTES = 4 * 1024 * 1024

_MATCHERS = ("rule_id", "package", "path", "sha256")
MAX_GLOB_CHARS = 1024
_KEYS = frozenset({*_MATCHERS, "version", "reason", "expires"})
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Findings whose ``path`` is a file on this machine (hashable for the ``sha256`` matcher).
_HOST_TYPES = frozenset({FindingType.HOST_INDICATOR, FindingType.INSTALLED, FindingType.CACHED})


@dataclass(frozen=True)
class Suppression:
    """One entry of the file; ``index`` is its position in ``suppressions``."""

    index: int
    reason: str
    expires: date
    rule_id: str | None = None
    package: str | None = None
    version: str | None = None
    version_range: Range | None = None
    path: str | None = None
    sha256: str | None = None

    def describe(self) -> str:
        parts = [
            f"{k}={v}"
            for k, v in (
                ("rule_id", self.rule_id),
                ("package", self.package),
                ("version", self.version),
                ("path", self.path),
                ("sha256", self.sha256),
            )
            if v is not None
        ]
        return f"suppressions[{self.index}] ({', '.join(parts)})"

    def matches(self, f: Finding, file_sha256: Callable[[str], str | None]) -> bool:
        if self.rule_id is not None and f.rule_id != self.rule_id:
            return False
        if self.package is not None and f.package != self.package:
            return False
        if self.version is not None and not self._version_matches(f):
            return False
        if self.path is not None and not any(
            glob_match(self.path, p) for p in (f.lockfile, f.path) if p
        ):
            return False
        return self.sha256 is None or self._sha256_matches(f, file_sha256)

    def _version_matches(self, f: Finding) -> bool:
        if f.version is None:
            # A package.json range finding has no resolved version: only the same text matches.
            return f.declared_range is not None and f.declared_range == self.version
        if f.version == self.version:
            return True
        parsed = try_parse_version(f.version)
        if parsed is None or self.version_range is None:
            return False
        return self.version_range.test(parsed, include_prerelease=True)

    def _sha256_matches(self, f: Finding, file_sha256: Callable[[str], str | None]) -> bool:
        assert self.sha256 is not None
        for h in f.hashes:
            if h.algorithm == "sha256" and h.matched and h.expected.lower() == self.sha256:
                return True
        if f.type in _HOST_TYPES and f.path and os.path.isabs(f.path):
            return file_sha256(f.path) == self.sha256
        return False


@dataclass(frozen=True)
class SuppressionSet:
    """A parsed suppression file; ``path`` is how it is shown in reports. ``scanned_tree``: the
    scanned folder's own ``.gouvernante-ignore.json`` (not ``-ignore FILE``), which the scanned
    repository controls: it suppresses what that repository's files say (its lockfiles and
    manifests, heuristics over its code), never what the machine holds (host indicators,
    installed and cached packages) nor a known-malicious hash that matched
    (``_tree_may_suppress``)."""

    path: str
    entries: tuple[Suppression, ...]
    scanned_tree: bool = False


# --- loading -----------------------------------------------------------------------------------


def load_suppressions(path: str, *, scanned_tree: bool = False) -> SuppressionSet:
    """Read and validate a suppression file; raise ``SuppressionError`` when it is malformed.
    ``scanned_tree``: the scanned folder's own file (``SuppressionSet.scanned_tree``)."""
    try:
        data = read_chosen_file(path, MAX_SUPPRESSION_BYTES)
    except GouvernanteError as exc:
        raise SuppressionError(path, exc.detail) from None
    parsed = parse_suppressions(data, path)
    return SuppressionSet(parsed.path, parsed.entries, scanned_tree) if scanned_tree else parsed


def parse_suppressions(data: bytes, path: str) -> SuppressionSet:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (ValueError, RecursionError):  # bad UTF-8, bad JSON, a 4300-digit integer
        raise SuppressionError(path, json_problem(data).message()) from None
    if not isinstance(doc, dict):
        raise SuppressionError(path, jsonpath.expected("an object", doc), json_path="$")
    unknown = sorted(set(doc) - {"version", "suppressions", "$schema", "description"})
    if unknown:
        raise SuppressionError(path, f"unknown key {_key(unknown[0])}", json_path="$")
    version = doc.get("version")
    if version != SUPPRESSION_FILE_VERSION or isinstance(version, bool):
        raise SuppressionError(
            path,
            f"unsupported version {_small(version)} (expected {SUPPRESSION_FILE_VERSION})",
            json_path="version",
        )
    items = doc.get("suppressions")
    if not isinstance(items, list):
        raise SuppressionError(path, jsonpath.expected("an array", items), json_path="suppressions")
    entries = tuple(_entry(item, i, path) for i, item in enumerate(items))
    return SuppressionSet(path, entries)


def _string(item: Mapping[str, Any], key: str, path: str, where: str) -> str | None:
    if key not in item:
        return None
    value = item[key]
    if not isinstance(value, str):
        raise SuppressionError(
            path, jsonpath.expected("a string", value), json_path=f"{where}.{key}"
        )
    if not value.strip():
        raise SuppressionError(path, "must not be empty", json_path=f"{where}.{key}")
    return value


def _entry(item: object, index: int, path: str) -> Suppression:
    where = f"suppressions[{index}]"
    if not isinstance(item, dict):
        raise SuppressionError(path, jsonpath.expected("an object", item), json_path=where)
    unknown = sorted(set(item) - _KEYS)
    if unknown:
        raise SuppressionError(
            path,
            f"unknown key {_key(unknown[0])} (allowed: {', '.join(sorted(_KEYS))})",
            json_path=where,
        )
    fields = {k: _string(item, k, path, where) for k in _KEYS}
    reason = fields["reason"]
    if reason is None:
        raise SuppressionError(path, "a reason is required", json_path=f"{where}.reason")
    expires_text = fields["expires"]
    if expires_text is None:
        raise SuppressionError(
            path, "an expiry date (YYYY-MM-DD) is required", json_path=f"{where}.expires"
        )
    expires = _date(expires_text, path, f"{where}.expires")
    version = fields["version"]
    version_range: Range | None = None
    if version is not None:
        if fields["package"] is None:
            raise SuppressionError(path, "a version needs a package", json_path=f"{where}.version")
        try:
            version_range = parse_range(version)
        except SemverError:  # its message quotes the range: the file's text, not shown
            raise SuppressionError(
                path, "invalid range (not a valid npm version range)", json_path=f"{where}.version"
            ) from None
    if not any(fields[k] is not None for k in _MATCHERS):
        raise SuppressionError(
            path,
            "needs at least one matcher: rule_id, package (with an optional version), path"
            " or sha256",
            json_path=where,
        )
    sha = fields["sha256"]
    if sha is not None:
        if not _SHA256.fullmatch(sha):
            raise SuppressionError(
                path, "expected 64 hexadecimal digits", json_path=f"{where}.sha256"
            )
        sha = sha.lower()
    glob = fields["path"]
    if glob is not None:
        if len(glob) > MAX_GLOB_CHARS:
            raise SuppressionError(
                path, f"glob longer than {MAX_GLOB_CHARS} characters", json_path=f"{where}.path"
            )
        try:
            _glob_tokens(glob)
        except re.error:
            raise SuppressionError(
                path, "invalid glob: a [...] class is not valid", json_path=f"{where}.path"
            ) from None
    return Suppression(
        index=index,
        reason=reason.strip(),
        expires=expires,
        rule_id=fields["rule_id"],
        package=fields["package"],
        version=version,
        version_range=version_range,
        path=glob,
        sha256=sha,
    )


def _key(key: str) -> str:
    """A key of the (repository's) file in a message: escaped and capped, never raw."""
    return "'" + capped(key, 40).replace("'", "\\'") + "'"


def _small(value: object) -> str:
    """A version field in a message: a small integer as it is, anything else by its kind."""
    if type(value) is int and 0 <= value <= 999:
        return str(value)
    return f"({jsonpath.kind(value)})"


def _date(text: str, path: str, json_path: str) -> date:
    if not _DATE.fullmatch(text):
        raise SuppressionError(path, "expected a YYYY-MM-DD date", json_path=json_path)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise SuppressionError(
            path, "invalid date (not a calendar date)", json_path=json_path
        ) from None


# --- globs -------------------------------------------------------------------------------------


# A glob is matched by simulating its automaton over the path, one character at a time: time is
# bounded by len(path) x len(pattern) whatever the pattern holds (a backtracking regex could take
# exponential time on ``*a*a*a*a*b``, and a suppression file comes with the repository scanned).
_LIT, _ONE, _CLASS, _STAR, _GLOBSTAR, _DIRS = range(6)
_Token = tuple[int, str | re.Pattern[str] | None]


@lru_cache(maxsize=1024)
def _glob_tokens(pattern: str) -> tuple[_Token, ...]:
    """``**/`` any folders (or none), ``**`` anything, ``*`` and ``?`` within one folder,
    ``[...]`` a class of one character (``[!...]`` negated); an unclosed ``[`` is literal."""
    pat = pattern.replace("\\", "/")
    out: list[_Token] = []
    i = 0
    n = len(pat)
    while i < n:
        c = pat[i]
        if c == "*":
            if pat.startswith("**", i):
                i += 2
                if i < n and pat[i] == "/":
                    out.append((_DIRS, None))
                    i += 1
                elif not out or out[-1][0] != _GLOBSTAR:
                    out.append((_GLOBSTAR, None))
                continue
            if not out or out[-1][0] not in (_STAR, _GLOBSTAR):
                out.append((_STAR, None))
        elif c == "?":
            out.append((_ONE, None))
        elif c == "[":
            start = i + 1
            if start < n and pat[start] == "!":
                start += 1
            if start < n and pat[start] == "]":
                start += 1
            end = pat.find("]", start)
            if end == -1:
                out.append((_LIT, c))
            else:
                body = pat[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                # One character against one class: constant time.
                out.append((_CLASS, re.compile("[" + body.replace("\\", "\\\\") + "]", re.DOTALL)))
                i = end
        else:
            out.append((_LIT, c))
        i += 1
    return tuple(out)


def _glob_fullmatch(tokens: tuple[_Token, ...], text: str) -> bool:  # noqa: C901 - listed in pyproject, to shrink
    m = len(tokens)

    def closure(states: set[int]) -> set[int]:
        todo = list(states)
        while todo:
            k = todo.pop()
            if k < m and tokens[k][0] in (_STAR, _GLOBSTAR, _DIRS) and k + 1 not in states:
                states.add(k + 1)
                todo.append(k + 1)
        return states

    states = closure({0})
    for ch in text:
        nxt: set[int] = set()
        for k in states:
            if k == m:
                continue
            kind, data = tokens[k]
            if kind == _LIT:
                if ch == data:
                    nxt.add(k + 1)
            elif kind == _ONE:
                if ch != "/":
                    nxt.add(k + 1)
            elif kind == _CLASS:
                assert isinstance(data, re.Pattern)
                if data.fullmatch(ch):
                    nxt.add(k + 1)
            elif kind == _STAR:
                if ch != "/":
                    nxt.add(k)
            elif kind == _GLOBSTAR:
                nxt.add(k)
            else:  # _DIRS: anything that ends with "/"
                nxt.add(k)
                if ch == "/":
                    nxt.add(k + 1)
        if not nxt:
            return False
        states = closure(nxt)
    return m in states


def _normalize(path: str) -> str:
    p = path.replace("\\", "/")
    while p.startswith("./"):
        p = p[2:]
    return p


def glob_match(pattern: str, path: str) -> bool:
    """Match a suppression ``path`` glob against a finding's lockfile or file path.

    A pattern without ``/`` matches the file name anywhere (``package-lock.json``); otherwise it
    matches the whole path as shown in the report (relative to the scan root, or absolute).
    """
    target = _normalize(path)
    pat = _normalize(pattern)
    tokens = _glob_tokens(pat)
    if _glob_fullmatch(tokens, target):
        return True
    if "/" not in pat:
        return _glob_fullmatch(tokens, target.rsplit("/", 1)[-1])
    return False


# --- applying ----------------------------------------------------------------------------------


def _tree_may_suppress(f: Finding) -> bool:
    """May the scanned repository's own file suppress ``f`` (``SuppressionSet.scanned_tree``)?
    Not a finding about the machine, nor one whose known-malicious hash matched."""
    return f.type not in _HOST_TYPES and not any(h.matched for h in f.hashes)


def _default_sha256(path: str) -> str | None:
    from gouvernante.host.files import hash_file  # noqa: PLC0415 - only for sha256 entries

    digests = hash_file(path, ["sha256"])
    return None if isinstance(digests, str) else digests["sha256"]


def apply_suppressions(
    result: ScanResult,
    sset: SuppressionSet,
    today: date | None = None,
    *,
    file_sha256: Callable[[str], str | None] | None = None,
) -> ScanResult:
    """A copy of ``result`` with matching findings marked suppressed and notes on the file.

    ``today`` defaults to the current UTC date; ``file_sha256`` hashes host files for ``sha256``
    entries (injectable for tests).
    """
    day = today or datetime.now(UTC).date()
    cache: dict[str, str | None] = {}
    hasher = file_sha256 or _default_sha256

    def sha_of(p: str) -> str | None:
        if p not in cache:
            cache[p] = hasher(p)
        return cache[p]

    active = [e for e in sset.entries if e.expires >= day]
    refused: dict[int, int] = {}  # a tree's own entry matching what it may not suppress
    expired = [e for e in sset.entries if e.expires < day]
    used: dict[int, int] = {}
    expired_hits: dict[int, int] = {}
    findings: list[Finding] = []
    for f in result.findings:
        reason: str | None = None
        for e in active:
            if e.matches(f, sha_of):
                if sset.scanned_tree and not _tree_may_suppress(f):
                    refused[e.index] = refused.get(e.index, 0) + 1
                    continue
                used[e.index] = used.get(e.index, 0) + 1
                if reason is None:
                    reason = f"{e.reason} (until {e.expires.isoformat()})"
        for e in expired:
            if e.matches(f, sha_of):
                expired_hits[e.index] = expired_hits.get(e.index, 0) + 1
        findings.append(msgspec.structs.replace(f, suppressed=reason) if reason is not None else f)
    notes: list[ScanIssue] = list(result.suppression_notes)
    by_index = {e.index: e for e in sset.entries}
    for index, hits in sorted(refused.items()):
        notes.append(
            ScanIssue(
                sset.path,
                f"{by_index[index].describe()}: matches {hits} finding"
                f"{'s' if hits != 1 else ''} about this machine or a known-malicious hash, which"
                " the scanned folder's own file cannot suppress (still reported; a security"
                " team's file passed with -ignore can)",
            )
        )
    for e in sset.entries:
        if e in expired:
            hits = expired_hits.get(e.index, 0)
            tail = (
                f"; it would match {hits} finding{'s' if hits != 1 else ''}, now reported"
                if hits
                else "; it matches nothing either: remove it"
            )
            notes.append(
                ScanIssue(
                    sset.path,
                    f"{e.describe()}: expired on {e.expires.isoformat()}, no longer"
                    f" suppressing{tail}",
                )
            )
        elif e.index not in used and e.index not in refused:
            notes.append(
                ScanIssue(sset.path, f"{e.describe()}: stale, matched no finding: remove it")
            )
    return msgspec.structs.replace(result, findings=tuple(findings), suppression_notes=tuple(notes))
