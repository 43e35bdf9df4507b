"""Planted symlinks and names that are not UTF-8, through the command line.

A ``yarn.lock`` linking to an ``.npmrc`` outside the tree, a ``pnpm-lock.yaml`` linking to
``/proc/self/environ`` and a ``package-lock.json`` linking to a private key are not read: each is
an error naming the link, and not one byte of what they point at reaches stdout, stderr or any
report. A folder whose name is not UTF-8 still has its findings reported (exit 2) and every
report is strict UTF-8. Secrets are generated at test time.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

RULE = {
    "schema_version": "1.0.0",
    "rules": [
        {
            "id": "TEST-HOSTILE-001",
            "title": "Hostile test",
            "kind": "compromised-release",
            "ecosystem": "npm",
            "severity": "high",
            "package_rules": [{"package_name": "evil-pkg", "affected_versions": ["1.0.0"]}],
        }
    ],
}
LOCK = {
    "name": "p",
    "lockfileVersion": 3,
    "packages": {"": {"name": "p"}, "node_modules/evil-pkg": {"version": "1.0.0"}},
}

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="symlinks and /proc: Linux")


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "gouvernante", *args],
        cwd=cwd,
        capture_output=True,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
        env=env,
    )


@pytest.fixture
def planted(tmp_path: Path) -> tuple[Path, str, dict[str, str]]:
    secret = "FAKE" + secrets.token_hex(16)
    outside = tmp_path / "home"
    outside.mkdir()
    (outside / ".npmrc").write_text(f"//registry.npmjs.org/:_authToken={secret}\n")
    (outside / "id_ed25519").write_text(
        f"-----BEGIN OPENSSH PRIVATE KEY-----\n{secret}\n-----END OPENSSH PRIVATE KEY-----\n"
    )
    repo = tmp_path / "repo"
    (repo / "a").mkdir(parents=True)
    (repo / "b").mkdir()
    (repo / "c").mkdir()
    (repo / "a" / "yarn.lock").symlink_to(outside / ".npmrc")
    (repo / "b" / "pnpm-lock.yaml").symlink_to("/proc/self/environ")
    (repo / "c" / "package-lock.json").symlink_to(outside / "id_ed25519")
    (repo / "d").mkdir()
    (repo / "d" / "bun.lock").symlink_to("/dev/zero")
    (repo / "e").mkdir()
    (repo / "e" / "yarn.lock").symlink_to("../../home/.npmrc")  # relative, out of the tree
    # An in-tree link to an in-tree secret is followed, and its content still never echoed.
    (repo / "f").mkdir()
    (repo / "f" / ".npmrc").write_text(f"//r/:_authToken={secret}\n")
    (repo / "f" / "yarn.lock").symlink_to(".npmrc")
    # A folder whose name is not UTF-8 (and holds an escape sequence), with a real finding.
    bad = os.fsencode(str(repo)) + b"/bad\xff\x1b[31m\xe2\x80\xaename"
    os.mkdir(bad)
    with open(bad + b"/package-lock.json", "w", encoding="utf-8") as fh:
        json.dump(LOCK, fh)
    (tmp_path / "rule.json").write_text(json.dumps(RULE))
    env = {**os.environ, "FAKE_CI_TOKEN": secret, "LC_ALL": "C", "LANG": "C"}
    env.pop("PYTHONIOENCODING", None)
    return tmp_path, secret, env


def _assert_clean(blob: bytes, secret: str) -> None:
    assert secret.encode() not in blob
    for i in range(0, len(secret) - 8, 4):
        assert secret[i : i + 8].encode() not in blob
    blob.decode("utf-8")  # strict


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "markdown"])
def test_planted_links_leak_nothing_and_the_run_survives(
    planted: tuple[Path, str, dict[str, str]], fmt: str
) -> None:
    tmp, secret, env = planted
    out = tmp / f"report.{ {'markdown': 'md'}.get(fmt, fmt) }"
    proc = _run(
        ["-rules", str(tmp / "rule.json"), "-dir", "repo", "-recursive", "-format", fmt],
        tmp,
        env,
    )
    assert proc.returncode == 2, proc.stderr
    _assert_clean(proc.stdout, secret)
    _assert_clean(proc.stderr, secret)
    stderr = proc.stderr.decode()
    for link in ("a/yarn.lock", "b/pnpm-lock.yaml", "c/package-lock.json", "d/bun.lock"):
        assert f"gouvernante: {link}: is a symlink" in stderr, stderr
    assert "e/yarn.lock: is a symlink to a file outside the scanned folder" in stderr
    assert "b/pnpm-lock.yaml: is a symlink into /proc, /sys or /dev" in stderr
    assert "f/yarn.lock: line 1:" in stderr  # read (in the tree), refused, not quoted
    if fmt in ("text", "markdown"):
        assert "bad\\xff\\x1b[31m\\u202ename/package-lock.json" in proc.stdout.decode()
    else:  # data: the undecodable byte as a visible escape, the rest exact (JSON escapes)
        assert "\u202e".encode() not in proc.stdout
        doc = json.loads(proc.stdout)
        if fmt == "json":
            assert "bad\\xff\x1b[31m\u202ename/package-lock.json" in doc["scan"]["files"]
        else:
            assert b'"bad%FF%1B%5B31m%E2%80%AEname/package-lock.json"' in proc.stdout
    proc2 = _run(
        ["-rules", str(tmp / "rule.json"), "-dir", "repo", "-recursive", "-output", str(out)],
        tmp,
        env,
    )
    assert proc2.returncode == 2, proc2.stderr
    _assert_clean(out.read_bytes(), secret)
    _assert_clean(proc2.stdout + proc2.stderr, secret)
    if fmt in ("json", "sarif"):
        json.loads(out.read_bytes())


def test_named_lockfile_link_out_of_the_working_folder_is_refused(
    planted: tuple[Path, str, dict[str, str]],
) -> None:
    tmp, secret, env = planted
    proc = _run(["-rules", str(tmp / "rule.json"), "-lockfile", "a/yarn.lock"], tmp / "repo", env)
    assert proc.returncode == 1
    _assert_clean(proc.stdout + proc.stderr, secret)
    assert b"a/yarn.lock: is a symlink to a file outside the scanned folder" in proc.stderr
