"""Shared by the tests that run the command line, build images or scan sample packages with the
heuristic engine (``tests`` is on ``pythonpath``)."""

from __future__ import annotations

import gc
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from gouvernante.heuristic import scan_package_dir


def run_cli(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m gouvernante ARGS`` in ``cwd``, output captured, no stdin."""
    return subprocess.run(
        [sys.executable, "-m", "gouvernante", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def least_cpu(measure: Callable[[], float], repeats: int = 3) -> float:
    """The least of ``repeats`` calls of ``measure``, which returns the CPU seconds
    (``time.process_time``) it measured itself, so that its setup is not counted.

    For the tests that bound work by a ratio of two sizes: one measurement can be inflated by
    what is not the code's own work (a garbage collection of the whole suite's objects, tens of
    milliseconds in a process that has run thousands of tests; caches shared with a loaded
    machine), the least of three much less so. Each call starts after a full collection, with
    the collector off while it runs."""
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        gc.disable()
        try:
            best = min(best, measure())
        finally:
            gc.enable()
    return best


def cpu_seconds(action: Callable[[], object], repeats: int = 3) -> float:
    """The least CPU time of ``repeats`` runs of ``action`` (see ``least_cpu``)."""

    def measure() -> float:
        start = time.process_time()
        action()
        return time.process_time() - start

    return least_cpu(measure, repeats)


def shortest_path(edges: Mapping[str, Sequence[str]], start: str, goal: str) -> list[str]:
    """Node ids of a shortest path from ``start`` to ``goal`` over ``edges``; ``[]`` if none."""
    previous: dict[str, str | None] = {start: None}
    todo = deque([start])
    while todo:
        node = todo.popleft()
        if node == goal:
            path = [node]
            while (parent := previous[path[-1]]) is not None:
                path.append(parent)
            return path[::-1]
        for child in edges.get(node, ()):
            if child not in previous:
                previous[child] = node
                todo.append(child)
    return []


def tar_bytes(members: Mapping[str, bytes], links: Mapping[str, str] | None = None) -> bytes:
    """An uncompressed tar of regular files (name -> bytes), in this order, then of symbolic
    links (name -> target)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            tar.addfile(info)
    return buf.getvalue()


def docker_save(path: Path, layers: Sequence[Mapping[str, bytes] | bytes]) -> Path:
    """A ``docker save`` archive at ``path`` whose layers hold these files (path in the image ->
    bytes; or a layer's tar as it is, e.g. ``tar_bytes`` with links), applied in this order;
    the diff_ids as docker writes them."""
    blobs = [files if isinstance(files, bytes) else tar_bytes(files) for files in layers]
    diff_ids = ["sha256:" + hashlib.sha256(b).hexdigest() for b in blobs]
    config = json.dumps({"rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
    names = [f"l{i}/layer.tar" for i in range(len(blobs))]
    manifest = [{"Config": "config.json", "RepoTags": ["t:1"], "Layers": names}]
    outer = {"manifest.json": json.dumps(manifest).encode(), "config.json": config}
    path.write_bytes(tar_bytes({**outer, **dict(zip(names, blobs, strict=True))}))
    return path


def scan_report(tmp_path: Path, rules: object, *args: str) -> tuple[int, dict[str, Any]]:
    """Exit code and JSON report of a scan (in process) with ``rules`` written to a file."""
    from gouvernante.cli import main

    rules_path = tmp_path / "rules.json"
    rules_path.write_text(json.dumps(rules), encoding="utf-8")
    report = tmp_path / "report.json"
    code = main(["-rules", str(rules_path), *args, "-json", "-output", str(report)])
    return code, json.loads(report.read_text(encoding="utf-8"))


def tree_relative(where: str) -> str:
    """A finding's or note's file relative to the scanned tree, whatever the mode shows before
    it (git: ``repo@ref:path``; a folder recorded by the inventory: ``host:dir@worktree:path``;
    image: ``image:/app/path``)."""
    for marker in ("@main:", "@worktree:", ":/app/"):
        if marker in where:
            return where.rpartition(marker)[2]
    return where.removeprefix("/app/")


def compromised_rules(
    rule_id: str, *packages: tuple[str, str], published_at: str | None = "2025-09-08T12:00:00Z"
) -> dict[str, Any]:
    """A rule file's document: one compromised-release rule of ``packages`` ((name, affected
    expression) pairs; by default evil at =1.0.1), as the red-team and hostile-input tests
    write it."""
    rule: dict[str, Any] = {
        "id": rule_id,
        "title": "Compromised evil releases",
        "kind": "compromised-release",
        "ecosystem": "npm",
        "severity": "critical",
        "package_rules": [
            {"package_name": name, "affected_versions": [expr]}
            for name, expr in (packages or (("evil", "=1.0.1"),))
        ],
    }
    if published_at is not None:
        rule["metadata"] = {"published_at": published_at}
    return {"schema_version": "1.0.0", "rules": [rule]}


def release_rules(rule_id: str, *releases: str) -> dict[str, Any]:
    """``compromised_rules`` naming each ``name@version`` (several of a name: one expression)."""
    by_name: dict[str, list[str]] = {}
    for release in releases:
        name, _, version = release.rpartition("@")
        by_name.setdefault(name, []).append(f"={version}")
    return compromised_rules(rule_id, *((n, " || ".join(e)) for n, e in by_name.items()))


def declared_found(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    """A JSON report's findings as sorted (lockfile, package, declared range)."""
    return sorted((f["lockfile"], f["package"], f["declared_range"]) for f in report["findings"])


def every_mode(
    tmp_path: Path, files: Mapping[str, str | bytes], rules: object, *, inventory_dir: bool = False
) -> dict[str, tuple[int, dict[str, Any]]]:
    """Exit code and JSON report of the same tree (``files``: path -> text or bytes) scanned on disk
    (``-dir -recursive``), as a commit (``-git`` of a mirror), recorded in an inventory from that
    mirror (and, with ``inventory_dir``, from the folder: ``-inventory (dir)``) and in a one-layer
    image under /app (``-image``), as the tests of modes agreeing compare them."""
    from gitsrc.gitrepo import Repo, mirror
    from gouvernante.cli import main

    repo = Repo(tmp_path / "tree")
    for rel, text in files.items():
        repo.write(rel, text)
    repo.commit("init")
    git = mirror(repo.path, tmp_path / "tree.git")
    db = str(tmp_path / "inventory.sqlite")
    assert main(["inventory", "add", "-db", db, "-git", str(git)]) == 0
    layer = {
        f"app/{rel}": text.encode() if isinstance(text, str) else text
        for rel, text in files.items()
    }
    image = docker_save(tmp_path / "image.tar", [layer])
    modes = {
        "-dir": scan_report(tmp_path, rules, "-dir", str(repo.path), "-recursive"),
        "-git": scan_report(tmp_path, rules, "-git", str(git)),
        "-inventory": scan_report(tmp_path, rules, "-inventory", db),
    }
    if inventory_dir:
        from_dir = str(tmp_path / "dir.sqlite")
        main(["inventory", "add", "-db", from_dir, "-dir", str(repo.path)])
        modes["-inventory (dir)"] = scan_report(tmp_path, rules, "-inventory", from_dir)
    modes["-image"] = scan_report(tmp_path, rules, "-image", str(image))
    return modes


def heuristic_package(
    tmp_path: Path, code: str, *, install: bool = False, main: str = "index.js"
) -> Path:
    """A package folder ``tmp_path/pkg`` whose ``main`` file (with ``install``, also run by its
    postinstall) holds ``code``."""
    pkg = tmp_path / "pkg"
    pkg.mkdir(exist_ok=True)
    manifest: dict[str, object] = {"name": "sample", "version": "1.0.0", "main": main}
    if install:
        manifest["scripts"] = {"postinstall": f"node {main}"}
    (pkg / "package.json").write_text(json.dumps(manifest))
    (pkg / main).write_text(code)
    return pkg


def heuristic_found(pkg: Path) -> dict[str, str]:
    """The heuristic hits of ``pkg``: pattern id to confidence."""
    return {h.pattern_id: h.confidence.value for h in scan_package_dir(str(pkg))}


def json_says(text: str) -> json.JSONDecodeError:
    """The running Python's ``json`` error for ``text``, for tests of messages that quote it: its
    wording and position differ by version (a trailing comma: "Expecting property name enclosed
    in double quotes" at the ``}`` up to 3.12, "Illegal trailing comma before end of object" at
    the comma from 3.13)."""
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return exc
    raise AssertionError(f"valid JSON: {text!r}")
