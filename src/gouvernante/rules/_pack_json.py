"""The bundled rule pack read from its JSON files (``pack.load_pack`` when the precompiled file
does not answer for them, and ``precompiled`` when the pack is built).

The pack is validated with the strict loader when it is built (``scripts/build_rule_pack.py``)
and by the test suite, so a scan does not validate it again: it is decoded straight into typed
structs by msgspec and converted to the rule model. Ranges are compiled on first use
(``PackageRule.ranges``), so thousands of package rules cost little more than reading the JSON.
A test checks that this loader and the strict one build identical rules from the pack.
"""

from __future__ import annotations

import msgspec

from gouvernante.rules.model import (
    Alias,
    AliasType,
    ContentHash,
    DropperPackage,
    FileHash,
    HashAlgorithm,
    HostIndicator,
    IndicatorType,
    OperatingSystem,
    PackageRule,
    Reference,
    ReferenceType,
    Remediation,
    Rule,
    RuleKind,
)
from gouvernante.vocab import Confidence, LockfileEcosystem, Severity


class _PackageRule(msgspec.Struct, forbid_unknown_fields=True):
    # Decoded straight into the rule model's types: the pack has thousands of package rules.
    package_name: str
    affected_versions: tuple[str, ...]
    lockfile_ecosystems: frozenset[LockfileEcosystem] = frozenset()
    notes: str | None = None


class _Named(msgspec.Struct, forbid_unknown_fields=True):
    package_name: str
    notes: str | None = None


class _Alias(msgspec.Struct, forbid_unknown_fields=True):
    type: AliasType
    value: str


class _Reference(msgspec.Struct, forbid_unknown_fields=True):
    type: ReferenceType
    url: str


class _Hash(msgspec.Struct, forbid_unknown_fields=True):
    algorithm: HashAlgorithm
    value: str


class _ContentHash(msgspec.Struct, forbid_unknown_fields=True):
    algorithm: HashAlgorithm
    value: str
    notes: str | None = None


class _Indicator(msgspec.Struct, forbid_unknown_fields=True):
    type: IndicatorType
    path: str | None = None
    file_name: str | None = None
    value: str | None = None
    oses: list[str] = []
    hashes: list[_Hash] = []
    confidence: Confidence | None = None
    notes: str | None = None


class _Remediation(msgspec.Struct, forbid_unknown_fields=True):
    summary: str | None = None
    steps: list[str] = []


class _Metadata(msgspec.Struct, forbid_unknown_fields=True):
    published_at: str | None = None
    last_updated_at: str | None = None


class _Rule(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    title: str
    kind: RuleKind
    ecosystem: str
    severity: Severity
    package_rules: list[_PackageRule]
    summary: str | None = None
    aliases: list[_Alias] = []
    references: list[str | _Reference] = []
    dropper_packages: list[_Named] = []
    host_indicators: list[_Indicator] = []
    remediation: _Remediation | None = None
    metadata: _Metadata | None = None
    integrity: list[str] = []
    file_hashes: list[_ContentHash] = []


class _Document(msgspec.Struct, forbid_unknown_fields=True):
    schema_version: str
    rules: list[_Rule]


_DECODER = msgspec.json.Decoder(_Document)
_OS = {
    "linux": OperatingSystem.LINUX,
    "macos": OperatingSystem.MACOS,
    "darwin": OperatingSystem.MACOS,
    "windows": OperatingSystem.WINDOWS,
}


def _indicator(raw: _Indicator) -> HostIndicator:
    return HostIndicator(
        type=raw.type,
        oses=frozenset(_OS[o] for o in raw.oses),
        path=raw.path,
        file_name=raw.file_name,
        value=raw.value,
        hashes=tuple(FileHash(h.algorithm, h.value.lower()) for h in raw.hashes),
        confidence=raw.confidence,
        notes=raw.notes,
    )


def _rule(raw: _Rule, source: str) -> Rule:
    meta = raw.metadata
    rem = raw.remediation
    return Rule(
        id=raw.id,
        title=raw.title,
        kind=raw.kind,
        ecosystem=raw.ecosystem,
        severity=raw.severity,
        package_rules=tuple(
            PackageRule(p.package_name, p.affected_versions, p.lockfile_ecosystems, p.notes)
            for p in raw.package_rules
        ),
        source=source,
        summary=raw.summary,
        aliases=tuple(Alias(a.type, a.value) for a in raw.aliases),
        references=tuple(
            Reference(url=r) if isinstance(r, str) else Reference(url=r.url, type=r.type)
            for r in raw.references
        ),
        dropper_packages=tuple(
            DropperPackage(d.package_name, d.notes) for d in raw.dropper_packages
        ),
        host_indicators=tuple(_indicator(i) for i in raw.host_indicators),
        remediation=Remediation(rem.summary, tuple(rem.steps)) if rem is not None else None,
        published_at=meta.published_at if meta else None,
        last_updated_at=meta.last_updated_at if meta else None,
        bad_integrity=tuple(raw.integrity),
        file_hashes=tuple(ContentHash(h.value.lower(), notes=h.notes) for h in raw.file_hashes),
    )


def json_rules(data: bytes, path: str) -> list[Rule]:
    """The rules of one pack file; raises ``msgspec.DecodeError`` or ``KeyError`` (an unknown
    operating system) if it is damaged."""
    return [_rule(r, path) for r in _DECODER.decode(data).rules]
