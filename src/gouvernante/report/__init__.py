"""Renderers: one per report format behind one table. They read a ``ScanResult`` only."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from enum import StrEnum

from gouvernante.model import ScanResult


class ReportFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    MARKDOWN = "markdown"

    @property
    def extension(self) -> str:
        return _EXTENSIONS[self]


_EXTENSIONS = {
    ReportFormat.TEXT: "txt",
    ReportFormat.JSON: "json",
    ReportFormat.SARIF: "sarif",
    ReportFormat.MARKDOWN: "md",
}

# format -> module exposing ``render(result: ScanResult) -> str``
_RENDERERS = {
    ReportFormat.TEXT: "text",
    ReportFormat.JSON: "json_report",
    ReportFormat.SARIF: "sarif",
    ReportFormat.MARKDOWN: "markdown",
}


def render(result: ScanResult, fmt: ReportFormat) -> str:
    module = importlib.import_module(f"gouvernante.report.{_RENDERERS[fmt]}")
    fn: Callable[[ScanResult], str] = module.render
    return fn(result)
