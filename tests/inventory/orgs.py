"""An organisation of real bare repositories for the writer tests, and what an inventory
holds, comparable across engines (no surrogate ids, no times)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from gitsrc.gitrepo import Repo, lockfile, mirror
from gouvernante.inventory.store import connect

T0 = 1788868800


def org(tmp_path: Path, n: int) -> list[str]:
    """``n`` bare repositories: main, a topic branch and a tag; one lockfile content shared by
    every repository's topic branch (one blob for all), one of its own on main."""
    paths: list[str] = []
    for k in range(n):
        r = Repo(tmp_path / "work" / f"r{k}")
        r.write("package-lock.json", lockfile(f"4.{k}.1", f"app{k}"))
        r.commit("init", at=T0 + k)
        r.git("tag", "v1")
        r.git("checkout", "-q", "-b", "topic")
        r.write("web/package-lock.json", lockfile("4.4.2", "web"))
        r.commit("topic", at=T0 + 100 + k)
        r.git("checkout", "-q", "main")
        paths.append(str(mirror(r.path, tmp_path / "org" / f"r{k}.git")))
    return paths


def writer(url: str, paths: list[str]) -> subprocess.Popen[str]:
    args = ["inventory", "add", "-db", url, "-workers", "1"]
    for p in paths:
        args += ["-git", p]
    return subprocess.Popen(
        [sys.executable, "-m", "gouvernante", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def dump(location: str) -> dict[str, object]:
    """What an inventory holds, without its surrogate ids and times."""
    db = connect(location, create=False)
    try:
        return {
            "refs": sorted(
                db.execute(
                    "SELECT r.name, s.ref, c.commit_id, st.gone_at FROM ref_states st"
                    " JOIN sources s ON s.id = st.source_id"
                    " JOIN repositories r ON r.id = s.repository_id"
                    " JOIN commits_seen c ON c.id = st.commit_row"
                ).fetchall()
            ),
            "files": sorted(
                db.execute(
                    "SELECT c.commit_id, f.path, f.mode, f.oid FROM commit_files f"
                    " JOIN commits_seen c ON c.id = f.commit_row"
                ).fetchall()
            ),
            "blobs": sorted(
                db.execute("SELECT oid, name, format, packages, error, graph FROM blobs")
            ),
            "packages": sorted(
                db.execute(
                    "SELECT b.oid, b.name, p.name, p.version, p.integrity, p.declared"
                    " FROM packages p JOIN blobs b ON b.id = p.blob_id"
                ).fetchall(),
                key=repr,
            ),
        }
    finally:
        db.close()
