"""SIGTERM and SIGINT during a parallel scan: the run ends with 143 / 130, the pool's workers end
with it (none left holding the output pipes), and no report, not even a temporary file, is left.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="/proc: Linux")

RULE = {
    "schema_version": "1.0.0",
    "rules": [
        {
            "id": "TEST-SIG-001",
            "title": "Signal test",
            "kind": "compromised-release",
            "ecosystem": "npm",
            "severity": "high",
            "package_rules": [{"package_name": "p7", "affected_versions": ["1.0.0"]}],
        }
    ],
}


def big_tree(root: Path, files: int = 48, packages: int = 20000) -> None:
    """``files`` folders, each with the same (hard-linked) lockfile of ``packages`` entries."""
    entries = {"": {"name": "p"}}
    for i in range(packages):
        entries[f"node_modules/p{i}"] = {
            "version": "1.0.0",
            "resolved": f"https://registry.npmjs.org/p{i}/-/p{i}-1.0.0.tgz",
            "integrity": "sha512-" + "A" * 86 + "==",
        }
    first = root / "w0" / "package-lock.json"
    first.parent.mkdir(parents=True)
    first.write_text(json.dumps({"name": "p", "lockfileVersion": 3, "packages": entries}))
    for n in range(1, files):
        (root / f"w{n}").mkdir()
        os.link(first, root / f"w{n}" / "package-lock.json")


def children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found |= {int(c) for c in (task / "children").read_text().split()}
        except OSError:
            continue
    return found


def alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_stop_signal_ends_workers_and_leaves_no_report(
    tmp_path: Path, sig: signal.Signals, code: int
) -> None:
    big_tree(tmp_path / "repo")
    (tmp_path / "rule.json").write_text(json.dumps(RULE))
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gouvernante",
            "-rules",
            str(tmp_path / "rule.json"),
            "-dir",
            str(tmp_path / "repo"),
            "-recursive",
            "-workers",
            "2",
            "-output",
            str(out / "report.json"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    while not workers and time.monotonic() < deadline and proc.poll() is None:
        workers = children(proc.pid)
        time.sleep(0.02)
    assert workers, "the pool never started"
    time.sleep(0.3)
    assert proc.poll() is None, "the scan ended before the signal"
    proc.send_signal(sig)
    _stdout, stderr = proc.communicate(timeout=30)  # returns only once the pipes close
    assert proc.returncode == code, stderr
    assert f"stopped by {sig.name}".encode() in stderr
    assert b"Traceback" not in stderr
    deadline = time.monotonic() + 30  # ends as soon as they are gone; load only delays it
    while any(alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(w) for w in workers), "a worker outlived the scan"
    assert list(out.iterdir()) == []  # no report, no temporary file
