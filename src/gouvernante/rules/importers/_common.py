"""Helpers shared by the feed importers: safe reading, version tokens, JSON output.

Importers build plain ``dict`` rules (schema 1.0.0) in a fixed key order and serialise them with
``dump_document``; the loader validates the result like any hand-written rule file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from gouvernante.errors import InputError, RuleError
from gouvernante.fs.read import read_chosen_file
from gouvernante.rules.loader import PACKAGE_NAME_RE

SCHEMA_VERSION = "1.0.0"

# Largest single feed file we read (the biggest real feeds are well under 1 MiB).
MAX_INPUT_BYTES = 64 * 1024 * 1024

JSONDict = dict[str, Any]

_EXACT_RE = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
    r"(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$"
)
_COMPARATOR_RE = re.compile(r"^(>=|<=|>|<|=)?\s*v?(\S+)$")
_OPERATOR_SPACE_RE = re.compile(r"(>=|<=|>|<|=)\s+")
_HYPHEN_RE = re.compile(r"^v?(\S+)\s+(?:-|to)\s+v?(\S+)$", re.IGNORECASE)
_SLUG_RE = re.compile(r"[^a-z0-9]+")
_URL_RE = re.compile(r"https?://[^\s<>\"')\]]+")
_VAR_PREFIX_RE = re.compile(r"^(?:%[A-Za-z_][A-Za-z0-9_]*%|\$[A-Za-z_][A-Za-z0-9_]*|\$\{[^}]+\})")
_ANY_VERSION = {"*", "x", "any", "all", "all versions", "every version", ">=0.0.0", ">=0"}


class FeedError(RuleError):
    """A feed that cannot be imported (unreadable, wrong shape)."""


# Warnings of one kind shown in full; the rest of that kind are counted (a hostile feed of a
# million empty records must not become a million warnings, held in memory and printed).
MAX_WARNINGS_PER_KIND = 20


class WarningLog:
    """Warnings as they are found, bounded: the first ``per_kind`` of each kind in full (with
    the record and position they name), then only a count per kind."""

    def __init__(self, per_kind: int = MAX_WARNINGS_PER_KIND) -> None:
        self.per_kind = per_kind
        self._shown: list[str] = []
        self._counts: dict[str, int] = {}

    def add(self, kind: str, message: str) -> None:
        seen = self._counts.get(kind, 0)
        self._counts[kind] = seen + 1
        if seen < self.per_kind:
            self._shown.append(message)

    def extend(self, kind: str, messages: Iterable[str]) -> None:
        for message in messages:
            self.add(kind, message)

    def lines(self) -> list[str]:
        """The warnings shown, then one line per kind with more than were shown."""
        out = list(self._shown)
        for kind, count in self._counts.items():
            if count > self.per_kind:
                out.append(
                    f"{count - self.per_kind} more warning(s) of kind {kind!r} not shown"
                    f" ({count} in all; the first {self.per_kind} are above)"
                )
        return out


NOT_A_VERSION = "a version that is no version or range of exact versions"


class Unreadable:
    """The package entries of one csv or list feed file that cannot be read exactly (a version
    that is neither a version nor a range of exact bounds, a name npm cannot have, a line of no
    entry's shape). Dropped, any of them would leave a lockfile holding an affected release clean,
    so they fail the file's import (``check``), naming each line (the first ``shown``, then a
    count), unless the option ``skip_unreadable`` asks to skip them with a warning each."""

    shown = MAX_WARNINGS_PER_KIND

    def __init__(self, path: str, options: Mapping[str, str], warnings: list[str]) -> None:
        self.path = path
        self.skip = options.get("skip_unreadable") == "yes"
        self.warnings = warnings
        self.lines: list[str] = []
        self.count = 0

    def add(self, line: int, message: str) -> None:
        if self.skip:
            self.warnings.append(f"{self.path}:{line}: {message}, skipped")
            return
        self.count += 1
        if len(self.lines) < self.shown:
            self.lines.append(f"line {line}: {message}")

    def check(self) -> None:
        if not self.count:
            return
        more = self.count - len(self.lines)
        tail = f"; and {more} more line(s)" if more else ""
        raise FeedError(
            self.path,
            f"{self.count} entr(ies) not read: {'; '.join(self.lines)}{tail}. Nothing imported"
            " from this file rather than dropping an affected package or version: correct the"
            " lines, or pass --skip-unreadable to import the rest",
        )


def read_input(path: str, *, cap: int = MAX_INPUT_BYTES) -> bytes:
    """Read one regular file, refusing FIFOs, devices, links into /proc, /sys or /dev and files
    over ``cap`` bytes (``fs.read.read_chosen``)."""
    try:
        return read_chosen_file(path, cap)
    except InputError as exc:
        raise FeedError(path, exc.detail) from None


def decode_text(data: bytes, path: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FeedError(path, f"not valid UTF-8 (byte {exc.start})") from None


def quoted(value: object, limit: int = 80) -> str:
    """A feed value named in a warning: quoted (``repr``: invisible characters escaped), cut to
    ``limit`` characters. Feeds are third-party files: a 100 MB cell must not become a 100 MB
    warning. A value that is not a string, a number, a boolean or null is named by its kind."""
    if isinstance(value, str):
        text = repr(value[:limit])
    elif value is None or isinstance(value, (bool, int, float)):
        text = repr(value)
    else:
        return f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_exact_version(text: str) -> bool:
    return _EXACT_RE.match(text) is not None


def is_package_name(name: str) -> bool:
    """A name the rule loader accepts (one definition: ``loader.PACKAGE_NAME_RE``), at most 214
    characters as npm allows."""
    return len(name) <= 214 and PACKAGE_NAME_RE.fullmatch(name) is not None


def version_expression(token: str) -> str | None:
    """Turn one feed version cell token into an npm range expression, or ``None`` if unusable.

    ``1.2.3``, ``v1.2.3``, ``= 1.2.3`` -> ``=1.2.3``; ``*``/``all`` -> ``*``;
    ``1.0.0 - 1.2.0`` and ``1.0.0 to 1.2.0`` -> ``>=1.0.0 <=1.2.0``; comparator sets such as
    ``>= 1.0.0 < 2.0.0`` are kept (spaces after operators removed) when every bound is exact.
    """
    text = " ".join(token.split())
    if not text:
        return None
    if text.lower() in _ANY_VERSION:
        return "*"
    bare = text[1:] if text[:1] in "vV" else text
    if is_exact_version(bare):
        return "=" + bare
    hyphen = _HYPHEN_RE.match(text)
    if hyphen:
        low, high = hyphen.group(1), hyphen.group(2)
        if is_exact_version(low) and is_exact_version(high):
            return f">={low} <={high}"
        return None
    parts = _OPERATOR_SPACE_RE.sub(r"\1", text).split(" ")
    out: list[str] = []
    for part in parts:
        m = _COMPARATOR_RE.match(part)
        if not m or not is_exact_version(m.group(2)):
            return None
        out.append((m.group(1) or "=") + m.group(2))
    if len(out) > 1 and any(p.startswith("=") for p in out):
        return None
    return " ".join(out)


def split_version_cell(cell: str) -> list[str]:
    """Split a cell such as ``"1.0.1, 1.0.2"`` or ``"= 1.0.1 || = 1.0.2"`` into tokens."""
    tokens: list[str] = []
    for alternative in cell.split("||"):
        tokens.extend(t for t in (p.strip() for p in alternative.split(",")) if t)
    return tokens


def _prerelease_key(pre: str) -> tuple[tuple[int, int, str], ...]:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))


def expression_sort_key(expr: str) -> tuple[int, tuple[int, int, int], int, Any, str]:
    """Exact versions in semver order first, then other expressions alphabetically."""
    m = _EXACT_RE.match(expr[1:]) if expr.startswith("=") else None
    if m is None:
        return (1, (0, 0, 0), 0, (), expr)
    core = (int(m.group(1)), int(m.group(2)), int(m.group(3)))
    pre = m.group(4)
    if pre is None:
        return (0, core, 1, (), expr)
    return (0, core, 0, _prerelease_key(pre), expr)


def slug(text: str) -> str:
    return _SLUG_RE.sub("-", text.lower()).strip("-")


def find_urls(text: str) -> list[str]:
    return [u.rstrip(".,;:") for u in _URL_RE.findall(text)]


def is_host_absolute(path: str) -> bool:
    """``/x``, ``~/x``, ``C:\\x``, ``%VAR%\\x``, ``$VAR/x`` are host paths; others are relative."""
    if path.startswith(("/", "~", "\\")):
        return True
    if re.match(r"^[A-Za-z]:[\\/]", path):
        return True
    return _VAR_PREFIX_RE.match(path) is not None


def split_path(full: str) -> tuple[str | None, str]:
    """``/tmp/ld.py`` -> (``/tmp``, ``ld.py``); a bare name -> (None, name)."""
    cut = max(full.rfind("/"), full.rfind("\\"))
    if cut < 0:
        return None, full
    directory = full[:cut] or full[: cut + 1]
    return directory, full[cut + 1 :]


class PackageCollector:
    """Collects ``package -> {expressions}`` in a deterministic, de-duplicated way."""

    def __init__(self) -> None:
        self._versions: dict[str, set[str]] = {}

    def add(self, name: str, expression: str) -> None:
        self._versions.setdefault(name, set()).add(expression)

    def __len__(self) -> int:
        return len(self._versions)

    def names(self) -> list[str]:
        return sorted(self._versions)

    def expressions(self, name: str) -> list[str]:
        return sorted(self._versions.get(name, ()), key=expression_sort_key)

    def expression_count(self) -> int:
        return sum(len(v) for v in self._versions.values())

    def package_rules(self) -> list[JSONDict]:
        rules: list[JSONDict] = []
        for name in sorted(self._versions):
            exprs = self._versions[name]
            if "*" in exprs:
                exprs = {"*"}
            rules.append(
                {
                    "package_name": name,
                    "affected_versions": sorted(exprs, key=expression_sort_key),
                }
            )
        return rules


def references(urls: Iterable[tuple[str, str]]) -> list[JSONDict]:
    """De-duplicated ``[{type, url}]`` keeping first-seen order; only http(s) URLs."""
    seen: set[str] = set()
    out: list[JSONDict] = []
    for ref_type, url in urls:
        if not url.startswith(("https://", "http://")) or url in seen:
            continue
        seen.add(url)
        out.append({"type": ref_type, "url": url})
    return out


def option_urls(options: Mapping[str, str]) -> list[str]:
    return options.get("reference", "").split()


def make_rule(
    *,
    rule_id: str,
    title: str,
    kind: str,
    severity: str,
    summary: str | None = None,
    aliases: Sequence[JSONDict] = (),
    refs: Sequence[JSONDict] = (),
    package_rules: Sequence[JSONDict] = (),
    dropper_packages: Sequence[JSONDict] = (),
    host_indicators: Sequence[JSONDict] = (),
    integrity: Sequence[str] = (),
    remediation: JSONDict | None = None,
    metadata: JSONDict | None = None,
    file_hashes: Sequence[JSONDict] = (),
) -> JSONDict:
    """A rule dict in the canonical key order; empty optional fields are left out."""
    rule: JSONDict = {
        "id": rule_id,
        "title": title,
        "kind": kind,
        "ecosystem": "npm",
        "severity": severity,
    }
    if summary:
        rule["summary"] = summary
    optional: tuple[tuple[str, object], ...] = (
        ("aliases", list(aliases)),
        ("references", list(refs)),
        ("package_rules", list(package_rules)),
        ("dropper_packages", list(dropper_packages)),
        ("host_indicators", list(host_indicators)),
        ("integrity", sorted(set(integrity))),
        ("file_hashes", list(file_hashes)),
        ("remediation", remediation),
        ("metadata", metadata),
    )
    for key, value in optional:
        if value or key == "package_rules":
            rule[key] = value
    return rule


_HEAD = ('{\n  "schema_version": "' + SCHEMA_VERSION + '",\n  "rules": [\n').encode("utf-8")
_TAIL = b"\n  ]\n}\n"


def _rule_text(rule: JSONDict) -> bytes:
    """One rule as ``json.dumps(document, indent=2)`` writes it inside the ``rules`` list (its
    lines 4 more spaces in; a JSON string never holds a raw newline)."""
    return ("    " + json.dumps(rule, indent=2, ensure_ascii=False).replace("\n", "\n    ")).encode(
        "utf-8"
    )


def _assemble(texts: Sequence[bytes]) -> bytes:
    if not texts:
        doc = {"schema_version": SCHEMA_VERSION, "rules": []}
        return (json.dumps(doc, indent=2) + "\n").encode("utf-8")
    return _HEAD + b",\n".join(texts) + _TAIL


def dump_document(rules: Sequence[JSONDict]) -> bytes:
    """Serialise a rule document: 2-space indent, UTF-8, trailing newline, rules sorted by id."""
    return _assemble([_rule_text(r) for r in sorted(rules, key=lambda r: str(r["id"]))])


def dump_documents(rules: Sequence[JSONDict], max_bytes: int, name: str) -> list[bytes]:
    """``dump_document``, cut into several documents of at most ``max_bytes`` each when the
    whole is larger (rules in id order, each part a contiguous run of ids).

    Each rule is formatted once and the parts assembled from those bytes: a 300,000-record feed
    (280 MB of rules) used to be formatted three times over (the whole, each rule to size it, each
    part), 1.2 GB more memory and 24 s more CPU than the conversion itself."""
    frame = len(_HEAD) + len(_TAIL)
    out: list[bytes] = []
    part: list[bytes] = []
    used = frame
    for rule in sorted(rules, key=lambda r: str(r["id"])):
        text = _rule_text(rule)
        size = len(text) + (2 if part else 0)  # ",\n" before every rule but a part's first
        if frame + len(text) > max_bytes:
            raise FeedError(
                name,
                f"rule {rule['id']} alone is larger than a rule file may be ({max_bytes} bytes)",
            )
        if part and used + size > max_bytes:
            out.append(_assemble(part))
            part, used, size = [], frame, len(text)
        part.append(text)
        used += size
    out.append(_assemble(part))
    if any(len(data) > max_bytes for data in out):  # the size arithmetic is wrong: fail loudly
        raise FeedError(name, "internal error: a split rule document is over the size limit")
    return out


SEVERITIES = ("low", "medium", "high", "critical")
KINDS = (
    "compromised-release",
    "malicious-package",
    "vulnerability",
    "dropper",
    "suspicious-artifact",
)


def checked_option(options: Mapping[str, str], key: str, allowed: Sequence[str]) -> str | None:
    value = options.get(key)
    if value is not None and value not in allowed:
        raise FeedError(None, f"option {key}={value!r}: expected one of {', '.join(allowed)}")
    return value


REMEDIATION_COMPROMISED: JSONDict = {
    "summary": (
        "Move every listed package off the affected versions and treat machines that installed "
        "them as exposed."
    ),
    "steps": [
        "Pin or upgrade each listed package to a version published before or after the "
        "compromise window, then regenerate the lockfile",
        "Clear the package manager cache so the bad tarballs cannot be reinstalled",
        "Rotate credentials (npm, GitHub, cloud, CI secrets) that were reachable where the "
        "packages were installed",
    ],
}

REMEDIATION_MALICIOUS: JSONDict = {
    "summary": (
        "Remove the package: every published version is malicious, and a machine that "
        "installed it should be considered compromised."
    ),
    "steps": [
        "Remove the dependency and regenerate the lockfile",
        "Clear the package manager cache",
        "Rotate every credential that was reachable from the affected machines or CI runners",
    ],
}


OPTION_KEYS = (
    "id",
    "title",
    "summary",
    "severity",
    "kind",
    "reference",
    "split",
    "narrow",
    "skip_unreadable",
)


def feed_rule(
    *,
    source_name: str,
    default_id: str,
    default_title: str,
    packages: PackageCollector,
    options: Mapping[str, str],
    urls: Sequence[str] = (),
    host_indicators: Sequence[JSONDict] = (),
    file_hashes: Sequence[JSONDict] = (),
    warnings: list[str],
) -> JSONDict:
    """The one rule a CSV or list feed (or one section of a list) becomes."""
    package_rules = packages.package_rules()
    every = bool(package_rules) and all(p["affected_versions"] == ["*"] for p in package_rules)
    kind = checked_option(options, "kind", KINDS) or (
        "malicious-package" if every else "compromised-release"
    )
    severity = checked_option(options, "severity", SEVERITIES) or "critical"
    refs = references([("other", u) for u in option_urls(options)] + [("other", u) for u in urls])
    if not refs:
        warnings.append(f"{source_name}: no source URL known; pass -reference URL")
    summary = options.get("summary") or (
        f"Imported from the feed file {source_name}: {len(packages)} package(s), "
        f"{packages.expression_count()} version expression(s)."
    )
    return make_rule(
        rule_id=options.get("id") or default_id,
        title=options.get("title") or default_title,
        kind=kind,
        severity=severity,
        summary=summary,
        refs=refs,
        package_rules=package_rules,
        host_indicators=host_indicators,
        file_hashes=file_hashes,
        remediation=dict(REMEDIATION_MALICIOUS if every else REMEDIATION_COMPROMISED),
    )
