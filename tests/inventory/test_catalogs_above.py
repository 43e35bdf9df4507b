"""``inventory add -dir`` and the files above the folder that define catalogs (decision 0062).

``-dir top/app`` answers app's ``"left-pad": "catalog:"`` by a pnpm-workspace.yaml, a bun root
package.json or a yarn 4.10+ ``.yarnrc.yml`` in ``top`` (its folders above are read, never
scanned). Before, ``inventory add -dir top/app`` recorded app's own files only and ``-inventory``
said CLEAN with a note ("a catalog entry no ... of this project defines"), exit 0: the folder is
now refused, naming the file and the folder to record, and ``-inventory`` says its read failed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gouvernante.cli import main
from helpers import release_rules, scan_report

CATALOG_FILES = {
    "pnpm-workspace.yaml": "packages:\n  - app\ncatalog:\n  left-pad: 1.3.0\n",
    "package.json": json.dumps(
        {"name": "root", "workspaces": {"packages": ["app"], "catalog": {"left-pad": "1.3.0"}}}
    ),
    ".yarnrc.yml": "catalog:\n  left-pad: 1.3.0\n",
}
RULES = release_rules("LP-1", "left-pad@1.3.0")


@pytest.mark.parametrize("name", sorted(CATALOG_FILES))
def test_a_catalog_file_above_the_recorded_folder_is_said_never_clean(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    top = tmp_path / "top"
    (top / "app").mkdir(parents=True)
    (top / name).write_text(CATALOG_FILES[name])
    manifest = {"name": "app", "version": "1.0.0", "dependencies": {"left-pad": "catalog:"}}
    (top / "app" / "package.json").write_text(json.dumps(manifest))
    code, report = scan_report(tmp_path, RULES, "-dir", str(top / "app"))
    assert code == 2 and report["findings"][0]["declared_range"] == "1.3.0"

    db = str(tmp_path / "inv.db")
    assert main(["inventory", "add", "-db", db, "-dir", str(top / "app")]) == 1
    said = f"{top / name}, above the recorded folder, defines catalogs"
    assert said in capsys.readouterr().err
    code, report = scan_report(tmp_path, RULES, "-inventory", db)
    assert code == 1 and report["findings"] == []
    assert any(
        said in e["message"] and f"(record {top} instead)" in e["message"] for e in report["errors"]
    )

    # the folder holding it is recorded and answered as -dir answers it
    assert main(["inventory", "add", "-db", db, "-dir", str(top)]) == 0
    code, report = scan_report(tmp_path, RULES, "-inventory", db, "-ref", "worktree")
    assert [f["declared_range"] for f in report["findings"]] == ["1.3.0"]


def test_a_file_above_defining_no_catalog_changes_nothing(tmp_path: Path) -> None:
    (tmp_path / ".yarnrc.yml").write_text("nodeLinker: node-modules\n")
    (tmp_path / "package.json").write_text("{not json")  # (-dir: no workspace root either)
    app = tmp_path / "app"
    app.mkdir()
    (app / "package.json").write_text(json.dumps({"name": "app", "version": "1.0.0"}))
    assert main(["inventory", "add", "-db", str(tmp_path / "inv.db"), "-dir", str(app)]) == 0
