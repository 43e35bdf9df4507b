"""Renderers: one per report format behind one table. They read a ``ScanResult`` only."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from enum import Enum

from gouvernante.model import ScanResult


class ReportFormat(str, Enum):
    TEXT = "text"
    JSON = "json"

    @property
    def extension(self) -> str:
        return _EXTENSIONS[self]


_EXTENSIONS = {ReportFormat.TEXT: "txt", ReportFormat.JSON: "json"}

# format -> module exposing ``render(result: ScanResult) -> str``
_RENDERERS = {ReportFormat.TEXT: "text", ReportFormat.JSON: "json_report"}


def render(result: ScanResult, fmt: ReportFormat) -> str:
    module = importlib.import_module(f"gouvernante.report.{_RENDERERS[fmt]}")
    fn: Callable[[ScanResult], str] = module.render
    return fn(result)
