"""The JSON report (format version "1"), documented in docs/json-report.md.

Written from the types in ``report.model`` (the same ones ``collect`` reads with). Keys that do
not apply are omitted. Additions stay backward compatible; a breaking change bumps
``schema_version``.
"""

from __future__ import annotations

from typing import Any

import msgspec

from gouvernante import __version__
from gouvernante.model import Finding, ScanResult
from gouvernante.report.model import (
    REPORT_SCHEMA_VERSION,
    build_report,
    report_finding,
    scan_verdict,
)

__all__ = ["REPORT_SCHEMA_VERSION", "finding_dict", "render", "report_dict", "verdict"]


def finding_dict(f: Finding) -> dict[str, Any]:
    """A finding as the JSON report writes it."""
    out: dict[str, Any] = msgspec.to_builtins(report_finding(f))
    return out


def report_dict(result: ScanResult) -> dict[str, Any]:
    out: dict[str, Any] = msgspec.to_builtins(build_report(result, __version__))
    return out


def verdict(result: ScanResult) -> str:
    """``findings`` when an unsuppressed finding remains (suppressed ones do not count)."""
    return scan_verdict(result).value


def render(result: ScanResult) -> str:
    """The report as indented JSON text. msgspec writes it (a report listing 100,000 rules took
    ~2 s in the stdlib's pure-Python indenting encoder); the text is the stdlib's
    ``json.dumps(indent=2, ensure_ascii=False)`` but for floats' exponents (``1e100``, not
    ``1e+100``). The report's Structs are encoded directly (no intermediate dicts). A string
    msgspec cannot encode (a lone surrogate from an undecodable name) falls back to the stdlib,
    which the renderers' hostile-input tests cover."""
    report = build_report(result, __version__)
    try:
        text = msgspec.json.format(msgspec.json.encode(report), indent=2).decode("utf-8")
    except (msgspec.EncodeError, UnicodeError, ValueError, TypeError, OverflowError):
        import json  # noqa: PLC0415 - the fallback only (~1.2 ms at every start otherwise)

        doc: dict[str, Any] = msgspec.to_builtins(report)
        text = json.dumps(doc, indent=2, ensure_ascii=False)
    return text + "\n"
