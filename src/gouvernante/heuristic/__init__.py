"""Heuristic detection (``-heuristic``): compromise techniques in installed packages, no rule."""

from __future__ import annotations

from gouvernante.heuristic.engine import HeuristicHit, scan_package_dir, scan_tree, to_finding
from gouvernante.heuristic.patterns import PATTERNS, Pattern

__all__ = ["PATTERNS", "HeuristicHit", "Pattern", "scan_package_dir", "scan_tree", "to_finding"]
