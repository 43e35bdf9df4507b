"""Renderers: one per report format behind one table. They read a ``ScanResult`` only."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from enum import StrEnum

from gouvernante.model import ScanResult
from gouvernante.safetext import json_utf8_clean, utf8_clean, without_credentials


class ReportFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    MARKDOWN = "markdown"
    CYCLONEDX = "cyclonedx"

    @property
    def extension(self) -> str:
        return _EXTENSIONS[self]


_EXTENSIONS = {
    ReportFormat.TEXT: "txt",
    ReportFormat.JSON: "json",
    ReportFormat.SARIF: "sarif",
    ReportFormat.MARKDOWN: "md",
    ReportFormat.CYCLONEDX: "cdx.json",
}

# format -> module exposing ``render(result: ScanResult) -> str``
_RENDERERS = {
    ReportFormat.TEXT: "text",
    ReportFormat.JSON: "json_report",
    ReportFormat.SARIF: "sarif",
    ReportFormat.MARKDOWN: "markdown",
    ReportFormat.CYCLONEDX: "cyclonedx",
}


def render(result: ScanResult, fmt: ReportFormat) -> str:
    """The report as text that encodes as strict UTF-8, whatever names it holds.

    A name that is not UTF-8 travels as a ``surrogateescape`` string; in the report its bytes are
    written as visible escapes (``\\xff``: in JSON and SARIF, a JSON string holding a backslash),
    never as raw bytes or lone surrogate escapes (which strict JSON readers refuse).

    The user information of every URL in it (a token in a lockfile's ``resolved``, a manifest's
    git spec, an installed package's ``_resolved``) is masked: ``https://***@host/...``."""
    module = importlib.import_module(f"gouvernante.report.{_RENDERERS[fmt]}")
    fn: Callable[[ScanResult], str] = module.render
    text = without_credentials(fn(result))
    if fmt in (ReportFormat.JSON, ReportFormat.SARIF, ReportFormat.CYCLONEDX):
        return json_utf8_clean(text)
    return utf8_clean(text)
