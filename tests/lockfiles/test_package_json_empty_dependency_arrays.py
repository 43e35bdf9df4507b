"""A dependency field written as an empty array (``"devDependencies": []``, by hand or by old
tools) names no dependency: npm (``Object.entries([])``), pnpm and yarn (whose manifest fixer
turns arrays into objects) install nothing for it. It was refused as an unexpected shape, so a
``-dir`` scan of a project holding such a package.json ended in an error (exit 1, "NOT a clean
result") on a file every package manager reads. A non-empty array stays an error: npm would make
edges named "0", "1"... of it, which says nothing we can match.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gouvernante.cli import main
from gouvernante.errors import LockfileError
from gouvernante.lockfiles import package_json

RULES = {
    "schema_version": "1.0.0",
    "rules": [
        {
            "id": "PJ-1",
            "title": "left-pad, every release",
            "kind": "malicious-package",
            "ecosystem": "npm",
            "severity": "low",
            "package_rules": [{"package_name": "left-pad", "affected_versions": ["*"]}],
        }
    ],
}


@pytest.mark.parametrize(
    "field", ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies"]
)
def test_an_empty_array_names_no_dependency(field: str) -> None:
    manifest: dict[str, object] = {"name": "app", field: []}
    if field != "dependencies":
        manifest["dependencies"] = {"left-pad": "^1.3.0"}
    graph = package_json.parse(json.dumps(manifest).encode(), "package.json")
    expected = [] if field == "dependencies" else [("left-pad", "^1.3.0", "dependencies")]
    assert [(d.name, d.spec, d.field) for d in graph.declared] == expected


def test_a_non_empty_array_is_still_an_error() -> None:
    with pytest.raises(LockfileError) as info:
        package_json.parse(b'{"devDependencies": ["left-pad@^1.3.0"]}', "package.json")
    assert info.value.json_path == "devDependencies"
    assert "Expected `object | null`, got `array`" in str(info.value)


def test_a_dir_scan_of_such_a_project_is_clean_not_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(RULES), encoding="utf-8")
    project = tmp_path / "project"
    project.mkdir()
    manifest = {"name": "app", "version": "1.0.0", "dependencies": {}, "devDependencies": []}
    (project / "package.json").write_text(json.dumps(manifest), encoding="utf-8")
    capsys.readouterr()
    code = main(["-rules", str(rules), "-dir", str(project), "-json"])
    report = json.loads(capsys.readouterr().out)
    assert (code, report["errors"], report["findings"]) == (0, [], [])
