"""Red-team probes (fresh-eyes hunt, end to end through ``gouvernante.cli.main``): each case a
hand-made input where the scan answered CLEAN, echoed the scanned file or wrote outside its
outputs before the fix. Rule: ``evil`` and ``@evil/x`` at ``=1.0.1``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gouvernante.cli import main

RULES = {
    "schema_version": "1.0.0",
    "rules": [
        {
            "id": "PROBE-1",
            "title": "Compromised evil releases",
            "kind": "compromised-release",
            "ecosystem": "npm",
            "severity": "critical",
            "package_rules": [
                {"package_name": "evil", "affected_versions": ["=1.0.1"]},
                {"package_name": "@evil/x", "affected_versions": ["=1.0.1"]},
            ],
        }
    ],
}

CLEAN, ERROR, FINDINGS = 0, 1, 2


def _rules(tmp_path: Path) -> str:
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(RULES), encoding="utf-8")
    return str(path)


def _scan(tmp_path: Path, files: dict[str, str | bytes], *flags: str) -> int:
    folder = tmp_path / "project"
    for name, content in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return main(["-rules", _rules(tmp_path), "-dir", str(folder), *flags])


# --------------------------------------------------------------------------------------------
# package.json: a registry tarball URL under another key is an alias of the package it names


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://registry.npmjs.org/evil/-/evil-1.0.1.tgz", FINDINGS),
        ("https://npm.example/@evil%2fx/-/x-1.0.1.tgz", FINDINGS),
        ("https://registry.npmjs.org/evil/-/evil-1.0.0.tgz", CLEAN),
        ("https://registry.npmjs.org/good/-/good-1.0.1.tgz", CLEAN),
    ],
)
@pytest.mark.parametrize("field", ["dependencies", "overrides"])
def test_a_registry_tarball_url_under_another_key_is_the_package_it_names(
    tmp_path: Path, url: str, expected: int, field: str
) -> None:
    """It read CLEAN: the key (``a``) was taken for the package, and ``a`` is named by no rule,
    while npm installs the tarball's package (evil@1.0.1) in node_modules/a."""
    manifest = {"name": "app", "version": "1.0.0", field: {"a": url}}
    assert _scan(tmp_path, {"package.json": json.dumps(manifest)}) == expected
