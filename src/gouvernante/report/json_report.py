"""The JSON report (format version "1"), documented in docs/json-report.md.

Keys that do not apply are omitted. Additions stay backward compatible; a breaking change bumps
``schema_version``.
"""

from __future__ import annotations

import json
from typing import Any

from gouvernante import __version__
from gouvernante.model import Finding, ScanResult

REPORT_SCHEMA_VERSION = "1"


def finding_dict(f: Finding) -> dict[str, Any]:
    out: dict[str, Any] = {
        "rule_id": f.rule_id,
        "rule_title": f.rule_title,
        "severity": f.severity.value,
        "type": f.type.value,
        "match": f.match.value,
    }
    optional: dict[str, Any] = {
        "package": f.package,
        "version": f.version,
        "declared_range": f.declared_range,
        "matched_expression": f.matched_expression,
        "source": f.source.value if f.source else None,
        "resolved": f.resolved,
        "lockfile": f.lockfile,
        "lockfile_format": f.lockfile_format.value if f.lockfile_format else None,
        "path": f.path,
        "line": f.line,
        "indicator": f.indicator,
        "confidence": f.confidence,
        "excerpt": f.excerpt,
        "suppressed": f.suppressed,
    }
    out.update({k: v for k, v in optional.items() if v is not None})
    if f.dependency_paths:
        out["dependency_paths"] = [list(p) for p in f.dependency_paths]
        if f.more_paths:
            out["more_dependency_paths"] = f.more_paths
    if f.direct is not None:
        out["direct"] = f.direct
    if f.install_scripts:
        out["install_scripts"] = list(f.install_scripts)
    if f.hashes:
        out["hashes"] = [
            {"algorithm": h.algorithm, "expected": h.expected, "matched": h.matched}
            for h in f.hashes
        ]
    out["description"] = f.description
    if f.remediation:
        out["remediation"] = f.remediation
    return out


def report_dict(result: ScanResult) -> dict[str, Any]:
    stats = result.stats
    open_findings = [f for f in result.findings if f.suppressed is None]
    summary: dict[str, Any] = {
        "verdict": verdict(result),
        "total_findings": len(open_findings),
        "suppressed_findings": len(result.findings) - len(open_findings),
        "lockfiles_scanned": stats.lockfiles_scanned,
        "packages_scanned": stats.packages_scanned,
        "rules_loaded": stats.rules_loaded,
        "errors": len(result.errors),
        "elapsed_ms": stats.elapsed_ms,
        "installed_packages_scanned": stats.installed_packages_scanned,
        "cache_entries_scanned": stats.cache_entries_scanned,
    }
    by_severity: dict[str, int] = {}
    for f in open_findings:
        by_severity[f.severity.value] = by_severity.get(f.severity.value, 0) + 1
    summary["by_severity"] = by_severity
    out: dict[str, Any] = {
        "schema_version": REPORT_SCHEMA_VERSION,
        "tool": {"name": "gouvernante", "version": __version__},
        "scan": {
            "id": result.scan_id,
            "started_at": result.started_at,
            "finished_at": result.finished_at,
            "root": result.scan_root,
            "host": result.hostname,
            "files": list(result.scanned_files),
        },
        "rules": {
            "builtin": result.builtin_rules,
            "sources": list(result.rule_sources),
            "loaded": [
                {
                    k: v
                    for k, v in {
                        "id": r.id,
                        "published_at": r.published_at,
                        "last_updated_at": r.last_updated_at,
                    }.items()
                    if v is not None
                }
                for r in result.rules
            ],
        },
        "findings": [finding_dict(f) for f in result.findings],
        "notes": [{"path": n.path, "message": n.message} for n in result.notes],
        "errors": [{"path": e.path, "message": e.message} for e in result.errors],
        "summary": summary,
    }
    if result.suppression_notes:
        out["suppressions"] = [
            {"path": n.path, "message": n.message} for n in result.suppression_notes
        ]
    if result.scan_root is None:
        del out["scan"]["root"]
    if result.host_checks:
        out["host_checks"] = [
            {
                k: v
                for k, v in {
                    "rule_id": c.rule_id,
                    "indicator": c.indicator,
                    "type": c.type,
                    "outcome": c.outcome.value,
                    "reason": c.reason,
                }.items()
                if v is not None
            }
            for c in result.host_checks
        ]
    return out


def verdict(result: ScanResult) -> str:
    """``findings`` when an unsuppressed finding remains (suppressed ones do not count)."""
    if any(f.suppressed is None for f in result.findings):
        return "findings"
    if result.errors:
        return "error"
    return "clean"


def render(result: ScanResult) -> str:
    return json.dumps(report_dict(result), indent=2, ensure_ascii=False) + "\n"
