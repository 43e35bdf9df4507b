"""SARIF 2.1.0 for GitHub code scanning (and any SARIF viewer).

One ``run``: ``tool.driver.rules`` holds every loaded rule (plus one entry per heuristic pattern
seen in the findings), one ``result`` per finding points at the line of the package's entry in the
lockfile (or at the file for host findings). Relative paths use the ``%SRCROOT%`` base (the scan
root); absolute paths become ``file://`` URIs. ``partialFingerprints`` hash what identifies a
finding (rule, package, version, file, indicator), never a line number or a time, so code scanning
keeps alerts open or closed across runs.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import PureWindowsPath
from typing import Any
from urllib.parse import quote

from gouvernante import __version__
from gouvernante.model import (
    DiffChange,
    Finding,
    FindingType,
    ScanIssue,
    ScanResult,
    submodules_not_scanned,
)
from gouvernante.report.json_report import finding_dict
from gouvernante.report.text import subject
from gouvernante.rules.model import Rule
from gouvernante.safetext import name_bytes, shown, utf8_clean
from gouvernante.vocab import Severity

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/gouvernante/gouvernante"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "gouvernanteFinding/v1"

# GitHub's security-severity scale: >= 9.0 critical, >= 7.0 high, >= 4.0 medium, else low.
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
}
LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
}
_PRECISION = {"high": "high", "medium": "medium", "low": "low"}
_MAX_TAGS = 10
_WINDOWS_ABS = re.compile(r"^[A-Za-z]:[\\/]|^\\\\")


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else text + "."


def _pascal(title: str, fallback: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", title)
    name = "".join(w[:1].upper() + w[1:] for w in words)
    if not name or not name[0].isalpha():
        name = "Rule" + name if name else re.sub(r"[^A-Za-z0-9]", "", fallback) or "Rule"
    return name[:100]


def is_absolute(path: str) -> bool:
    return path.startswith("/") or bool(_WINDOWS_ABS.match(path))


def artifact_location(path: str) -> dict[str, str]:
    """``{uri, uriBaseId}`` for a path relative to the scan root, ``{uri}`` for an absolute one."""
    if _WINDOWS_ABS.match(path):
        return {"uri": PureWindowsPath(utf8_clean(path)).as_uri()}
    # A name that is not UTF-8 keeps its bytes: percent-encoded exactly (surrogateescape).
    if path.startswith("/"):
        return {"uri": "file://" + quote(name_bytes("/" + path.lstrip("/")), safe="/-._~")}
    rel = path.replace("\\", "/")
    while rel.startswith("./"):
        rel = rel[2:]
    return {"uri": quote(name_bytes(rel), safe="/-._~"), "uriBaseId": SRCROOT}


def _root_uri(root: str) -> str:
    uri = artifact_location(root)["uri"] if is_absolute(root) else ""
    return uri if uri.endswith("/") else uri + "/"


def fingerprint(f: Finding) -> str:
    """Stable identity of a finding: no line, time or scan id in it."""
    parts = (
        f.rule_id,
        f.type.value,
        f.match.value,
        f.package or "",
        f.version or "",
        f.declared_range or "",
        (f.lockfile or f.path or "").replace("\\", "/"),
        f.indicator or "",
        (f.matched_expression or "") if f.type is FindingType.HEURISTIC else "",
    )
    raw = name_bytes("\x1f".join(parts))
    return hashlib.sha256(raw).hexdigest()[:32]


def _message(f: Finding) -> str:
    text = f.description
    what = subject(f, quote_range=False) if f.package else None
    if what and what not in text:
        text = f"{what}: {text}"
    return _sentence(text)


def _rule_help(rule: Rule) -> tuple[str, str]:
    remediation = rule.remediation.text() if rule.remediation else None
    text_parts: list[str] = []
    md_parts: list[str] = []
    if rule.summary:
        text_parts.append(_sentence(rule.summary))
        md_parts.append(_sentence(rule.summary))
    if remediation:
        text_parts.append(f"Remediation: {remediation}")
        md_lines = ["**Remediation**", ""]
        if rule.remediation and rule.remediation.summary:
            md_lines.append(_sentence(rule.remediation.summary))
            md_lines.append("")
        for step in rule.remediation.steps if rule.remediation else ():
            md_lines.append(f"- {step}")
        md_parts.append("\n".join(md_lines).rstrip())
    packages = [
        f"{p.package_name} {' || '.join(p.affected_versions)}" for p in rule.package_rules
    ] + [f"{d.package_name} (dropper, any version)" for d in rule.dropper_packages]
    if packages:
        text_parts.append("Affected: " + "; ".join(packages) + ".")
        md_parts.append("**Affected packages**\n\n" + "\n".join(f"- `{p}`" for p in packages))
    if rule.references:
        text_parts.append("References: " + ", ".join(r.url for r in rule.references) + ".")
        md_parts.append("**References**\n\n" + "\n".join(f"- <{r.url}>" for r in rule.references))
    if not text_parts:
        text_parts.append(_sentence(rule.title))
        md_parts.append(_sentence(rule.title))
    return " ".join(text_parts), "\n\n".join(md_parts)


def _rule_entry(rule: Rule) -> dict[str, Any]:
    text, markdown = _rule_help(rule)
    tags = ["security", "supply-chain", rule.ecosystem, rule.kind.value]
    tags.extend(a.value for a in rule.aliases)
    entry: dict[str, Any] = {
        "id": rule.id,
        "name": _pascal(rule.title, rule.id),
        "shortDescription": {"text": _sentence(rule.title)},
        "fullDescription": {"text": _sentence(rule.summary or rule.title)},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": {
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "precision": "very-high",
            "tags": list(dict.fromkeys(tags))[:_MAX_TAGS],
        },
    }
    web = [r.url for r in rule.references if r.url.startswith(("https://", "http://"))]
    if web:
        entry["helpUri"] = web[0]
    return entry


def _pattern_entry(rule_id: str, sample: Finding) -> dict[str, Any]:
    """A ``rules[]`` entry for a heuristic pattern (or any finding without a loaded rule)."""
    from gouvernante.heuristic.patterns import PATTERNS  # noqa: PLC0415 - only when needed

    pattern = PATTERNS.get(rule_id)
    title = pattern.title if pattern else sample.rule_title
    full = pattern.why if pattern else sample.rule_title
    help_text = [_sentence(full)]
    help_md = [_sentence(full)]
    if sample.remediation:
        help_text.append(f"Remediation: {_sentence(sample.remediation)}")
        help_md.append(f"**Remediation**\n\n{_sentence(sample.remediation)}")
    if pattern:
        help_text.append(
            f"Modelled on: {_sentence(pattern.origin)} Reference: {pattern.reference}."
        )
        help_md.append(f"**Modelled on**\n\n{_sentence(pattern.origin)} <{pattern.reference}>")
    severity = pattern.severity if pattern else sample.severity
    confidence = pattern.confidence if pattern else (sample.confidence or "medium")
    tags = ["security", "supply-chain", "npm"]
    if sample.type is FindingType.HEURISTIC:
        tags.append("heuristic")
    entry: dict[str, Any] = {
        "id": rule_id,
        "name": _pascal(title, rule_id),
        "shortDescription": {"text": _sentence(title)},
        "fullDescription": {"text": _sentence(full)},
        "help": {"text": " ".join(help_text), "markdown": "\n\n".join(help_md)},
        "defaultConfiguration": {"level": LEVEL[severity]},
        "properties": {
            "security-severity": SECURITY_SEVERITY[severity],
            "precision": _PRECISION.get(confidence, "medium"),
            "tags": tags,
        },
    }
    if pattern and pattern.reference.startswith(("https://", "http://")):
        entry["helpUri"] = pattern.reference
    return entry


# The JSON report's fields of a finding, minus what SARIF says in its own terms (rule, message,
# location), renamed in camelCase.
_NOT_PROPERTIES = frozenset(
    {"rule_id", "rule_title", "lockfile", "path", "line", "excerpt", "description", "remediation"}
)
_RENAMED = {"type": "findingType"}


def _properties(f: Finding) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for key, value in finding_dict(f).items():
        if key in _NOT_PROPERTIES:
            continue
        if key == "dependency_paths":
            props["dependencyPaths"] = [" > ".join(chain) for chain in value]
        else:
            props[_RENAMED.get(key) or _camel(key)] = value
    return props


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _result(f: Finding, rule_index: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": rule_index,
        # a heuristic review item, or what a -diff's compared revision takes out, does not
        # count: a note, whatever its severity
        "level": "note" if f.review or f.change is DiffChange.REMOVED else LEVEL[f.severity],
        "message": {"text": shown(_message(f))},
    }
    where = f.lockfile or f.path
    if where:
        physical: dict[str, Any] = {"artifactLocation": artifact_location(where)}
        if f.line is not None and f.line >= 1:
            physical["region"] = {"startLine": f.line}
        out["locations"] = [{"physicalLocation": physical}]
    out["partialFingerprints"] = {FINGERPRINT_KEY: fingerprint(f)}
    if f.suppressed is not None:
        out["suppressions"] = [{"kind": "external", "justification": f.suppressed}]
    out["properties"] = _properties(f)
    return out


def _notifications(issues: Iterable[ScanIssue], level: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for issue in issues:
        note: dict[str, Any] = {
            "level": level,
            "message": {"text": shown(_sentence(f"{issue.path}: {issue.message}"))},
        }
        if issue.path:
            note["locations"] = [
                {"physicalLocation": {"artifactLocation": artifact_location(issue.path)}}
            ]
        out.append(note)
    return out


def sarif_dict(result: ScanResult) -> dict[str, Any]:
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for rule in result.rules:
        if rule.id not in index:
            index[rule.id] = len(rules)
            rules.append(_rule_entry(rule))
    for f in result.findings:
        if f.rule_id not in index:
            index[f.rule_id] = len(rules)
            rules.append(_pattern_entry(f.rule_id, f))
    invocation: dict[str, Any] = {
        "executionSuccessful": not result.errors,
        # -fail-on: the findings below it are results too, and do not fail the scan
        "properties": {
            "failOn": result.fail_on.value,
            "failingFindings": result.failing_findings,
            # git submodules no source read: a run with no results is clean but for them
            "submodulesNotScanned": submodules_not_scanned(result.notes),
        },
    }
    if result.started_at:
        invocation["startTimeUtc"] = result.started_at
    if result.finished_at:
        invocation["endTimeUtc"] = result.finished_at
    if result.errors:
        invocation["toolExecutionNotifications"] = _notifications(result.errors, "error")
    if result.suppression_notes:
        invocation["toolConfigurationNotifications"] = _notifications(
            result.suppression_notes, "warning"
        )
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "gouvernante",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }
        },
        "invocations": [invocation],
    }
    if result.scan_root and is_absolute(result.scan_root):
        run["originalUriBaseIds"] = {SRCROOT: {"uri": _root_uri(result.scan_root)}}
    run["results"] = [_result(f, index[f.rule_id]) for f in result.findings]
    run["columnKind"] = "utf16CodeUnits"
    props: dict[str, Any] = {}
    if result.scan_id:
        props["scanId"] = result.scan_id
    if result.hostname:
        props["host"] = result.hostname
    if props:
        run["properties"] = props
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


# What code-scanning services ingest (GitLab drops a result whose rule name is over 255 characters
# or whose description or message is over 1,024, and refuses a report when over half are dropped).
# The whole text stays in ``help``, which has no such limit.
_MAX_NAME = 255
_MAX_TEXT = 1024


def _cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _fit_ingestion_limits(doc: dict[str, Any]) -> dict[str, Any]:
    for run in doc.get("runs", ()):
        for rule in run["tool"]["driver"].get("rules", ()):
            rule["name"] = _cap(rule["name"], _MAX_NAME)
            for key in ("shortDescription", "fullDescription"):
                if key in rule:
                    rule[key]["text"] = _cap(rule[key]["text"], _MAX_TEXT)
        for item in (*run.get("results", ()), *run.get("invocations", ())):
            if "message" in item:
                item["message"]["text"] = _cap(item["message"]["text"], _MAX_TEXT)
    return doc


def render(result: ScanResult) -> str:
    doc = _fit_ingestion_limits(sarif_dict(result))
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
