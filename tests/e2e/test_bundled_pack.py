"""A fresh install with no rules of its own is protected against the big known incidents."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def _lock(packages: dict[str, str]) -> str:
    entries: dict[str, object] = {
        "": {"name": "planted", "version": "1.0.0", "dependencies": dict.fromkeys(packages, "*")}
    }
    for name, version in packages.items():
        entries[f"node_modules/{name}"] = {"version": version}
    return json.dumps(
        {"name": "planted", "lockfileVersion": 3, "requires": True, "packages": entries}
    )


def test_dir_scan_uses_bundled_pack_and_finds_planted_packages(tmp_path: Path) -> None:
    planted = {
        "@ctrl/tinycolor": "4.1.1",
        "debug": "4.4.2",
        "axios": "1.14.1",
        "plain-crypto-js": "4.2.1",
        "left-pad": "1.3.0",
    }
    (tmp_path / "package-lock.json").write_text(_lock(planted))
    r = subprocess.run(
        [sys.executable, "-m", "gouvernante", "-dir", ".", "-json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert r.returncode == 2, r.stderr
    report = json.loads(r.stdout)
    assert report["rules"]["builtin"] is True
    hits = {(f["package"], f["version"], f["match"]) for f in report["findings"]}
    assert ("@ctrl/tinycolor", "4.1.1", "version") in hits
    assert ("debug", "4.4.2", "version") in hits
    assert ("axios", "1.14.1", "version") in hits
    assert ("plain-crypto-js", "4.2.1", "dropper") in hits
    assert not any(f["package"] == "left-pad" for f in report["findings"])


def test_near_misses_are_clean_with_bundled_pack(tmp_path: Path) -> None:
    (tmp_path / "package-lock.json").write_text(
        _lock({"@ctrl/tinycolor": "4.1.0", "debug": "4.4.1", "axios": "1.14.0"})
    )
    r = subprocess.run(
        [sys.executable, "-m", "gouvernante", "-dir", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "the bundled rule pack" in r.stdout
