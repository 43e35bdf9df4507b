"""Rules: the schema 1.0.0 model, its strict loader and the bundled pack."""

from __future__ import annotations

from gouvernante.rules.loader import load_rule_files, load_rules, parse_rule_document

__all__ = ["load_rule_files", "load_rules", "parse_rule_document"]
