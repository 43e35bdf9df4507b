"""FIFOs, devices, a 10 GB sparse file, permission-denied folders and symlink loops in every
checked location: the scan finishes, says what it skipped and never hangs."""

from __future__ import annotations

import os
import pickle
import shutil
import signal
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

import pytest

from gouvernante.host.checks import HostScanResult, run_host_scan
from gouvernante.host.context import HostContext
from gouvernante.rules.model import IndicatorType, OperatingSystem

posix_only = pytest.mark.skipif(sys.platform.startswith("win"), reason="POSIX file types")
T = TypeVar("T")
SPARSE = 10 * 1024**3


def bounded(fn: Callable[[], T], seconds: int = 60) -> T:
    """Run ``fn``; fail the test instead of hanging if it takes longer than ``seconds``."""

    def alarm(_sig: int, _frame: FrameType | None) -> None:
        raise TimeoutError(f"the scan did not finish in {seconds}s")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        return fn()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def hostile(path: Path, kind: str) -> None:
    """Make ``path`` a FIFO, a symlink to a device, a 10 GB sparse file or a symlink loop."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        path.symlink_to("/dev/zero")
    elif kind == "sparse":
        with path.open("wb") as fh:
            fh.truncate(SPARSE)
    elif kind == "loop":
        path.symlink_to(path.name)
    else:
        raise AssertionError(kind)


KINDS = ["fifo", "device", "sparse", "loop"]


def plant_everywhere(h: Any, home: Path, proj: Path, kind: str) -> None:
    """The same hostile entry as every kind of file the host scan may open."""
    nm = proj / "node_modules"
    (nm / "bad").mkdir(parents=True)
    hostile(nm / "bad" / "package.json", kind)
    h.write_package(nm / "axios", "axios", "1.14.1")  # still found next to them
    (nm / "axios" / "node_modules").mkdir()
    (nm / "axios" / "node_modules" / "loop").symlink_to(nm)  # a directory loop
    (nm / "self").symlink_to(".")
    hostile(home / ".npm" / "_cacache" / "index-v5" / "aa" / "bb" / "bucket", kind)
    hostile(
        home / ".local" / "share" / "pnpm" / "store" / "v3" / "files" / "aa" / "x-index.json", kind
    )
    entry = home / ".cache" / "yarn" / "v6" / ("npm-axios-1.14.1-" + "a" * 40 + "-integrity")
    hostile(entry / "node_modules" / "axios" / ".yarn-metadata.json", kind)
    hostile(entry / "node_modules" / "axios" / "package.json", kind if kind != "loop" else "fifo")
    hostile(home / ".npmrc", kind)
    global_nm = home / ".nvm" / "versions" / "node" / "v20.0.0" / "lib" / "node_modules"
    (global_nm / "@scope").mkdir(parents=True)
    hostile(global_nm / "@scope" / "pkg", kind)  # where a scoped package folder should be


@posix_only
@pytest.mark.parametrize("kind", KINDS)
def test_hostile_files_everywhere(h: Any, tmp_path: Path, kind: str, no_system: str) -> None:
    home, proj = tmp_path / "home", tmp_path / "proj"
    plant_everywhere(h, home, proj, kind)
    hosts = tmp_path / "hosts"
    hostile(hosts, kind)
    ctx = HostContext(
        home=str(home),
        os=OperatingSystem.LINUX,
        hosts_file=str(hosts),
        system_root=no_system,
        proc_root=str(tmp_path / "proc"),
    )
    rules = [
        *h.STANDARD_RULES,
        h.make_rule("R-N", indicators=[h.indicator(IndicatorType.NETWORK, "evil.example")]),
        h.make_rule("R-F", indicators=[h.indicator(IndicatorType.FILE, "")]),
    ]
    result = bounded(lambda: run_host_scan(rules, ctx, [str(proj)]))
    assert h.found(result.findings) == {
        ("installed_package", "R-AXIOS", "axios", "1.14.1", str(proj / "node_modules" / "axios"))
    }
    skipped = {n.path: n.message for n in result.notes} | {e.path: e.message for e in result.errors}
    manifest = str(proj / "node_modules" / "bad" / "package.json")
    assert manifest in skipped
    expected_word = {"fifo": "FIFO", "device": "device", "sparse": "too large", "loop": "loop"}
    assert expected_word[kind] in skipped[manifest]
    bucket = str(home / ".npm" / "_cacache" / "index-v5" / "aa" / "bb" / "bucket")
    assert expected_word[kind] in skipped[bucket]
    network = next(c for c in result.checks if c.rule_id == "R-N")
    assert str(hosts) in (network.reason or "")  # the hosts file was not read: said so


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A temporary folder another user can enter (pytest's own is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="gouv-host-perm-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        for p in [path, *path.rglob("*")]:
            if p.is_dir() and not p.is_symlink():
                p.chmod(0o755)
        shutil.rmtree(path, ignore_errors=True)


def scan_unprivileged(fn: Callable[[], HostScanResult]) -> HostScanResult:
    """Run ``fn`` as an unprivileged user when we are root (root ignores permissions)."""
    if os.geteuid() != 0:
        return bounded(fn)
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop privileges, scan, send the result back
        code = 1
        try:
            os.close(read_fd)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            signal.alarm(60)
            data = pickle.dumps(fn())
            with os.fdopen(write_fd, "wb") as out:
                out.write(data)
            code = 0
        finally:
            os._exit(code)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as inp:
        data = bounded(inp.read, 90)
    _, status = os.waitpid(pid, 0)
    assert status == 0, "the unprivileged scan failed"
    result = pickle.loads(data)
    assert isinstance(result, HostScanResult)
    return result


@posix_only
def test_permission_denied_folders(h: Any, shared_tmp: Path) -> None:
    home, proj = shared_tmp / "home", shared_tmp / "proj"
    nm = proj / "node_modules"
    h.write_package(nm / "axios", "axios", "1.14.1")
    h.write_package(nm / "locked" / "node_modules" / "x", "x", "1.0.0")
    h.write_package(nm / "closedpkg", "atrix", "1.0.0")
    index = home / ".npm" / "_cacache" / "index-v5" / "aa"
    index.mkdir(parents=True)
    berry = home / ".yarn" / "berry" / "cache"
    berry.mkdir(parents=True)
    bun = home / ".bun" / "install" / "cache"
    bun.mkdir(parents=True)
    for p in shared_tmp.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    (nm / "locked" / "node_modules").chmod(0o000)
    (nm / "closedpkg").chmod(0o000)
    for locked in (index, berry, bun):
        locked.chmod(0o000)
    ctx = HostContext(
        home=str(home),
        os=OperatingSystem.LINUX,
        system_root=str(shared_tmp / "none"),
        proc_root=str(shared_tmp / "proc"),
    )
    result = scan_unprivileged(lambda: run_host_scan(h.STANDARD_RULES, ctx, [str(proj)]))
    assert h.found(result.findings) == {
        ("installed_package", "R-AXIOS", "axios", "1.14.1", str(nm / "axios"))
    }
    denied = {e.path for e in result.errors if "denied" in e.message.lower()}
    assert {
        str(nm / "locked" / "node_modules"),
        str(nm / "closedpkg" / "package.json"),
        str(index),
        str(berry),
        str(bun),
    } <= denied


@posix_only
def test_scan_root_symlink_loop_and_dangling_links(h: Any, tmp_path: Path, no_system: str) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".npm").symlink_to(home / ".npm")  # the npm cache itself is a loop
    (home / ".bun").symlink_to(tmp_path / "missing")
    proj = tmp_path / "proj"
    nm = proj / "node_modules"
    nm.mkdir(parents=True)
    (nm / "dangling").symlink_to(tmp_path / "missing")
    (nm / "@scope").symlink_to(nm)
    a = nm / "a"
    h.write_package(a, "a", "1.0.0")
    (a / "node_modules").symlink_to(nm)
    ctx = HostContext(home=str(home), os=OperatingSystem.LINUX, system_root=no_system)
    result = bounded(lambda: run_host_scan(h.STANDARD_RULES, ctx, [str(proj)]))
    assert result.findings == () and result.installed_packages == 1


@posix_only
def test_fifo_as_a_node_modules_folder_entry(h: Any, tmp_path: Path, no_system: str) -> None:
    nm = tmp_path / "p" / "node_modules"
    nm.mkdir(parents=True)
    os.mkfifo(nm / "fifo-pkg")
    os.mkfifo(nm / ".package-lock.json")
    h.write_package(nm / "axios", "axios", "1.14.1")
    ctx = HostContext(home=str(tmp_path), os=OperatingSystem.LINUX, system_root=no_system)
    result = bounded(lambda: run_host_scan(h.STANDARD_RULES, ctx, [str(tmp_path / "p")]))
    assert [f.package for f in result.findings] == ["axios"]
    assert stat.S_ISFIFO(os.lstat(nm / "fifo-pkg").st_mode)
