"""CycloneDX 1.6 JSON: an SBOM of what a scan resolved, with its findings as vulnerabilities.

- ``components``: every package the scanned lockfiles resolved, once per name@version (registry
  packages carry their purl, ``pkg:npm/%40scope/name@version``, as ``bom-ref``); each importer
  (project or workspace) of each lockfile is an ``application`` component; workspace, link and
  file packages (``Source.LOCAL``) get no purl, so they are never mistaken for the registry
  package of the same name. ``hashes`` come from the lockfile's integrity (base64 -> hex).
- ``dependencies``: the lockfiles' edges, merged over lockfiles; the scanned project depends on
  each lockfile's importers.
- ``vulnerabilities``: one per finding, ``id`` the rule, ``source`` the rule (and where it was
  loaded from), ``affects`` the package's component when the finding names a release.
- ``metadata.properties``: one ``gouvernante:scan_error`` per error of the scan (a lockfile it
  could not read, ``path: message``): the SBOM lacks what the scan missed, and ``inventory add
  -sbom`` reads it back as an error of its source, never as a clean package set.

Needs ``ScanResult.resolved``, which a scan fills only when this format is asked for.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import quote

from gouvernante import __version__
from gouvernante.jstext import integrity_hashes
from gouvernante.model import (
    Finding,
    Importer,
    LockedPackage,
    ResolvedLockfile,
    ScanResult,
    Source,
)
from gouvernante.report.model import root_label
from gouvernante.rules.model import Rule
from gouvernante.safetext import name_bytes
from gouvernante.vocab import Severity

SPEC_VERSION = "1.6"
SCHEMA_URI = "http://cyclonedx.org/schema/bom-1.6.schema.json"
ROOT_REF = "scan-root"

# integrity prefix -> (CycloneDX algorithm, digest length in bytes)
_ALGORITHMS = {
    "sha1": ("SHA-1", 20),
    "sha256": ("SHA-256", 32),
    "sha384": ("SHA-384", 48),
    "sha512": ("SHA-512", 64),
}
_SEVERITY = {
    Severity.CRITICAL: "critical",
    Severity.HIGH: "high",
    Severity.MEDIUM: "medium",
    Severity.LOW: "low",
}


def purl(name: str, version: str) -> str:
    """``pkg:npm/<namespace>/<name>@<version>``, each part percent-encoded (``@`` of a scope as
    ``%40``)."""
    scope, _, bare = name.rpartition("/")
    # A name that is not UTF-8 keeps its bytes, percent-encoded exactly (surrogateescape).
    path = f"{_pct(scope)}/{_pct(bare)}" if scope else _pct(bare)
    return f"pkg:npm/{path}@{_pct(version)}" if version else f"pkg:npm/{path}"


def _pct(text: str) -> str:
    return quote(name_bytes(text), safe="")


def hashes(integrity: str | None) -> list[dict[str, str]]:
    """Subresource-integrity strings (``sha512-<base64>``, several separated by spaces) as
    CycloneDX hashes; a token that does not decode to its algorithm's length is left out."""
    out: list[dict[str, str]] = []
    for token in integrity_hashes(integrity or ""):
        algo, _, b64 = token.partition("-")
        known = _ALGORITHMS.get(algo.lower())
        if known is None:
            continue
        try:
            raw = base64.b64decode(b64, validate=True)
        except (binascii.Error, ValueError):
            continue
        if len(raw) == known[1]:
            out.append({"alg": known[0], "content": raw.hex()})
    return out


class _Bom:
    def __init__(self) -> None:
        self.components: dict[str, dict[str, Any]] = {}
        self.depends: dict[str, set[str]] = {ROOT_REF: set()}

    def package(self, lock: ResolvedLockfile, pkg: LockedPackage) -> str:
        if pkg.source is Source.LOCAL:
            ref = f"{lock.display}#{pkg.id}"
            self.components.setdefault(
                ref,
                {
                    "type": "library",
                    "bom-ref": ref,
                    "name": pkg.name,
                    **({"version": pkg.version} if pkg.version else {}),
                    "properties": [_prop("source", pkg.source.value)],
                },
            )
            return ref
        ref = purl(pkg.name, pkg.version)
        if pkg.source is not Source.REGISTRY:
            ref = f"{ref}?{pkg.source.value}={_pct(pkg.resolved or pkg.id)}"
        component = self.components.get(ref)
        if component is None:
            component = self.components[ref] = _component(pkg.name, pkg.version, ref)
            if pkg.source is Source.REGISTRY:
                component["purl"] = ref
            else:
                component["properties"] = [_prop("source", pkg.source.value)]
        if "hashes" not in component:
            found = hashes(pkg.integrity)
            if found:
                component["hashes"] = found
        return ref

    def importer(self, lock: ResolvedLockfile, imp: Importer) -> str:
        ref = f"{lock.display}#{imp.id}"
        self.components.setdefault(
            ref,
            {
                "type": "application",
                "bom-ref": ref,
                "name": imp.label or lock.display,
                "properties": [
                    _prop("lockfile", lock.display),
                    _prop("lockfile_format", lock.format.value),
                ],
            },
        )
        return ref

    def lockfile(self, lock: ResolvedLockfile) -> None:
        refs: dict[str, str] = {}
        for pkg in lock.packages:
            refs.setdefault(pkg.id, self.package(lock, pkg))
        for imp in lock.importers:
            refs[imp.id] = self.importer(lock, imp)
            self.depends[ROOT_REF].add(refs[imp.id])
        for node, targets in lock.edges:
            source = refs.get(node)
            if source is None:
                continue
            bucket = self.depends.setdefault(source, set())
            bucket.update(refs[t] for t in targets if t in refs and refs[t] != source)

    def finding_ref(self, f: Finding) -> str | None:
        if not f.package:
            return None
        ref = purl(f.package, f.version or "")
        if ref not in self.components and f.version:
            self.components[ref] = {**_component(f.package, f.version, ref), "purl": ref}
        return ref if ref in self.components else None


def _component(name: str, version: str, ref: str) -> dict[str, Any]:
    scope, _, bare = name.rpartition("/")
    out: dict[str, Any] = {"type": "library", "bom-ref": ref, "name": bare}
    if scope:
        out["group"] = scope
    if version:
        out["version"] = version
    return out


def _prop(name: str, value: str) -> dict[str, str]:
    return {"name": f"gouvernante:{name}", "value": value}


def _vulnerability(n: int, f: Finding, rule: Rule | None, ref: str | None) -> dict[str, Any]:
    source: dict[str, str] = {"name": f"gouvernante rule {f.rule_id}"}
    if rule is not None and rule.references:
        source["url"] = rule.references[0].url
    vuln: dict[str, Any] = {
        "bom-ref": f"finding-{n}",
        "id": f.rule_id,
        "source": source,
        "ratings": [{"source": source, "severity": _SEVERITY[f.severity], "method": "other"}],
        "description": f.description,
        "detail": f.rule_title,
        "properties": [
            _prop("finding_type", f.type.value),
            _prop("match", f.match.value),
            _prop("counted", "true" if f.counted else "false"),
            *([_prop("where", where)] if (where := f.lockfile or f.path) else []),
        ],
    }
    if f.remediation:
        vuln["recommendation"] = f.remediation
    if rule is not None and rule.aliases:
        vuln["references"] = [
            {"id": a.value, "source": {"name": a.type.value}} for a in rule.aliases
        ]
    if ref is not None:
        affected: dict[str, Any] = {"ref": ref}
        if f.version:
            affected["versions"] = [{"version": f.version, "status": "affected"}]
        vuln["affects"] = [affected]
    return vuln


def bom(result: ScanResult) -> dict[str, Any]:
    b = _Bom()
    for lock in result.resolved:
        b.lockfile(lock)
    rules = {r.id: r for r in result.rules}
    vulnerabilities = [
        _vulnerability(n, f, rules.get(f.rule_id), b.finding_ref(f))
        for n, f in enumerate(result.findings, 1)
    ]
    root_name = result.project or root_label(result.scan_root, result.scanned_files)
    doc: dict[str, Any] = {
        "$schema": SCHEMA_URI,
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "version": 1,
        "metadata": {
            "tools": {
                "components": [
                    {"type": "application", "name": "gouvernante", "version": __version__}
                ]
            },
            "component": {"type": "application", "bom-ref": ROOT_REF, "name": root_name},
        },
        "components": sorted(b.components.values(), key=lambda c: c["bom-ref"]),
        "dependencies": [
            {"ref": ref, "dependsOn": sorted(deps)} for ref, deps in sorted(b.depends.items())
        ],
        "vulnerabilities": vulnerabilities,
    }
    if result.errors:
        doc["metadata"]["properties"] = [
            _prop("scan_error", f"{e.path}: {e.message}") for e in result.errors
        ]
    if _is_uuid4(result.scan_id):
        doc["serialNumber"] = f"urn:uuid:{result.scan_id}"
    if result.finished_at:
        doc["metadata"]["timestamp"] = result.finished_at
    return doc


def _is_uuid4(text: str) -> bool:
    parts = text.split("-")
    return [len(p) for p in parts] == [8, 4, 4, 4, 12] and all(
        c in "0123456789abcdef" for c in text.replace("-", "")
    )


def render(result: ScanResult) -> str:
    return json.dumps(bom(result), indent=2, ensure_ascii=False) + "\n"
