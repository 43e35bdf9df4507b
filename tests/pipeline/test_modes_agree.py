"""The same files answer the same in every mode: a tree on disk (-dir), its commit (-git), that
commit recorded (-inventory) and an image holding it (-image) give the same findings and the
same notes (decision 0043).

pnpm ``catalog:`` references were judged as the catalog's range with -dir only; -git, -image and
-inventory read each file alone and made any ``catalog:`` spec a rule names a finding: a catalog
range that cannot reach the affected release, or one the lockfile pins to a safe version, was a
bogus finding there; a dist-tag was a finding where -dir says it cannot be decided (a note). The
inventory also dropped pnpm's ``bundledDependencies`` notes (decision 0039 left it)."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import tarfile
from pathlib import Path
from typing import Any

import pytest

from gitsrc.gitrepo import Repo, mirror
from gouvernante.cli import main
from gouvernante.inventory import graphs

RULES = {
    "schema_version": "1.0.0",
    "rules": [
        {
            "id": "AXIOS-1",
            "title": "axios 1.14.1, tslib 2.8.9",
            "kind": "compromised-release",
            "ecosystem": "npm",
            "severity": "critical",
            "package_rules": [
                {"package_name": "axios", "affected_versions": ["=1.14.1"]},
                {"package_name": "tslib", "affected_versions": ["=2.8.9"]},
            ],
        }
    ],
}
ROOT = '{"name": "root", "private": true}'
LOCK_PINS_SAFE_AXIOS = """lockfileVersion: '9.0'

importers:

  .: {}

  packages/app:
    dependencies:
      axios:
        specifier: 'catalog:'
        version: 1.14.0

packages:

  axios@1.14.0:
    resolution: {integrity: sha512-AAAA}

snapshots:

  axios@1.14.0: {}
"""
LOCK_BUNDLES = """lockfileVersion: '9.0'

importers:

  .:
    dependencies:
      wasm-thing:
        specifier: ^1.0.0
        version: 1.0.0
      all-in:
        specifier: ^1.0.0
        version: 1.0.0

packages:

  wasm-thing@1.0.0:
    resolution: {integrity: sha512-AAAA}
    bundledDependencies:
      - tslib
      - other

  all-in@1.0.0:
    resolution: {integrity: sha512-BBBB}
    bundledDependencies: true

snapshots:

  wasm-thing@1.0.0: {}

  all-in@1.0.0: {}
"""


def _workspace(catalog: str) -> str:
    return f"packages:\n  - packages/*\ncatalog:\n  {catalog}\n"


def _app(spec: str, name: str = "axios") -> str:
    return json.dumps({"name": "app", "dependencies": {name: spec}})


# (files of the tree, the findings every mode gives, the notes every mode gives), findings and
# notes as (file, what): file relative to the tree's root.
CASES: dict[str, tuple[dict[str, str], list[tuple[str, str]], list[tuple[str, str]]]] = {
    "catalog range reaches the release": (
        {
            "pnpm-workspace.yaml": _workspace("axios: ^1.14.0"),
            "packages/app/package.json": _app("catalog:"),
        },
        [("packages/app/package.json", "axios ^1.14.0")],
        [],
    ),
    "catalog range cannot reach it": (
        {
            "pnpm-workspace.yaml": _workspace("axios: ~1.13.0"),
            "packages/app/package.json": _app("catalog:"),
        },
        [],
        [],
    ),
    "an npm: alias in the catalog": (
        {
            "pnpm-workspace.yaml": _workspace("my-http: npm:axios@^1.14.0"),
            "packages/app/package.json": _app("catalog:", "my-http"),
        },
        [("packages/app/package.json", "axios ^1.14.0")],
        [],
    ),
    "a named catalog no file defines": (
        {
            "pnpm-workspace.yaml": _workspace("axios: ^1.14.0"),
            "packages/app/package.json": _app("catalog:nope"),
        },
        [],
        [
            (
                "packages/app/package.json",
                "axios is declared as 'catalog:nope' (a pnpm catalog entry",
            )
        ],
    ),
    "no workspace file at all": (
        {"packages/app/package.json": _app("catalog:")},
        [],
        [("packages/app/package.json", "axios is declared as 'catalog:' (a pnpm catalog entry")],
    ),
    "the lockfile pins a safe version": (
        {
            "pnpm-workspace.yaml": _workspace("axios: ^1.14.0"),
            "packages/app/package.json": _app("catalog:"),
            "pnpm-lock.yaml": LOCK_PINS_SAFE_AXIOS,
        },
        [],
        [
            (
                "packages/app/package.json",
                "declared range '^1.14.0' of axios could match AXIOS-1 (=1.14.1), but",
            )
        ],
    ),
    "a dist-tag": (
        {"packages/app/package.json": _app("latest")},
        [],
        [("packages/app/package.json", "axios is declared as 'latest' (a dist-tag, git")],
    ),
    "pnpm bundledDependencies": (
        {"pnpm-lock.yaml": LOCK_BUNDLES},
        [],
        [
            (
                "pnpm-lock.yaml",
                "packages['wasm-thing@1.0.0'].bundledDependencies: tslib is bundled",
            ),
            ("pnpm-lock.yaml", "packages['all-in@1.0.0'].bundledDependencies: every dependency"),
        ],
    ),
}


def _layer(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _image(path: Path, files: dict[str, str]) -> Path:
    """A docker save archive of one layer holding the tree under /app."""
    layer = _layer({f"app/{rel}": text.encode() for rel, text in files.items()})
    diff_id = "sha256:" + hashlib.sha256(layer).hexdigest()
    config = json.dumps({"rootfs": {"type": "layers", "diff_ids": [diff_id]}}).encode()
    manifest = [{"Config": "config.json", "RepoTags": ["t:1"], "Layers": ["l0/layer.tar"]}]
    outer = {"manifest.json": json.dumps(manifest).encode(), "config.json": config}
    path.write_bytes(_layer({**outer, "l0/layer.tar": layer}))
    return path


def _scan(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(RULES), encoding="utf-8")
    report = tmp_path / "report.json"
    code = main(["-rules", str(rules), *args, "-json", "-output", str(report)])
    return code, json.loads(report.read_text(encoding="utf-8"))


def _relative(where: str) -> str:
    """A finding's or note's file, relative to the tree (git: repo@ref:path; image: image:/app/)."""
    for marker in ("@main:", ":/app/"):
        if marker in where:
            return where.rpartition(marker)[2]
    return where.removeprefix("/app/")


def _answer(report: dict[str, Any]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    findings = sorted(
        (_relative(f["lockfile"]), f"{f['package']} {f.get('declared_range') or f['version']}")
        for f in report["findings"]
    )
    notes = sorted(
        (_relative(n["path"]), n["message"])
        for n in report["notes"]
        if not n["message"].startswith(("1 refs,", "2 lockfiles,", "1 lockfiles,", "3 lockfiles"))
        and "lockfiles," not in n["message"]
    )
    return findings, notes


def _modes(tmp_path: Path, files: dict[str, str]) -> dict[str, tuple[int, dict[str, Any]]]:
    repo = Repo(tmp_path / "tree")
    repo.write("package.json", ROOT)
    for rel, text in files.items():
        repo.write(rel, text)
    repo.commit("init")
    git = mirror(repo.path, tmp_path / "tree.git")
    db = str(tmp_path / "inventory.sqlite")
    assert main(["inventory", "add", "-db", db, "-git", str(git)]) == 0
    image = _image(tmp_path / "image.tar", {"package.json": ROOT, **files})
    return {
        "-dir": _scan(tmp_path, "-dir", str(repo.path), "-recursive"),
        "-git": _scan(tmp_path, "-git", str(git)),
        "-inventory": _scan(tmp_path, "-inventory", db),
        "-image": _scan(tmp_path, "-image", str(image)),
    }


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_mode_answers_as_the_directory_scan(tmp_path: Path, case: str) -> None:
    files, findings, notes = CASES[case]
    for mode, (code, report) in _modes(tmp_path, files).items():
        got_findings, got_notes = _answer(report)
        assert got_findings == findings, mode
        expected = sorted(notes)
        assert len(got_notes) == len(expected), (mode, got_notes)
        for (path, text), (want_path, start) in zip(got_notes, expected, strict=True):
            assert (path, text[: len(start)]) == (want_path, start), mode
        assert report["errors"] == [], mode
        assert code == (2 if findings else 0), mode


def test_an_inventory_recorded_without_catalogs_says_so(tmp_path: Path) -> None:
    """A pnpm-workspace.yaml an older gouvernante recorded has no catalogs in its graph: the
    catalog: reference it would answer is an error (never a note that reads CLEAN)."""
    files, _findings, _notes = CASES["catalog range reaches the release"]
    repo = Repo(tmp_path / "tree")
    for rel, text in {"package.json": ROOT, **files}.items():
        repo.write(rel, text)
    repo.commit("init")
    git = mirror(repo.path, tmp_path / "tree.git")
    db = tmp_path / "inventory.sqlite"
    assert main(["inventory", "add", "-db", str(db), "-git", str(git)]) == 0
    with sqlite3.connect(db) as raw:
        ((blob_id, data),) = raw.execute(
            "SELECT id, graph FROM blobs WHERE name = 'pnpm-workspace.yaml'"
        ).fetchall()
        graph = graphs.decode(data)
        raw.execute("UPDATE blobs SET graph = ? WHERE id = ?", (graphs.encode(graph), blob_id))
        raw.execute("DELETE FROM packages WHERE blob_id = ? AND version != ''", (blob_id,))
    code, report = _scan(tmp_path, "-inventory", str(db))
    assert code == 1
    assert report["findings"] == []
    ((path, message),) = [(e["path"], e["message"]) for e in report["errors"]]
    assert path.endswith("@main:packages/app/package.json")
    assert message.startswith("its catalog: references (axios) are not checked: the inventory")
