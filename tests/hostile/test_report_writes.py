"""Reports are written whole or not at all, never through a symlink, and ``auto`` never
overwrites: a full disk (a small RLIMIT_FSIZE in a subprocess), a kill or a signal mid-write, a
symlinked or odd target each end with a one-line error and the target as it was."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gouvernante.cli import scan as scan_cli
from gouvernante.cli._base import Stopped
from gouvernante.errors import ReportError
from gouvernante.fs.write import write_report_file

RULE = {
    "schema_version": "1.0.0",
    "rules": [
        {
            "id": "TEST-W-001",
            "title": "Write test",
            "kind": "compromised-release",
            "ecosystem": "npm",
            "severity": "high",
            "package_rules": [{"package_name": "evil", "affected_versions": ["1.0.0"]}],
        }
    ],
}


def project(tmp: Path, findings: bool = True, copies: int = 30) -> Path:
    repo = tmp / "repo"
    name = "evil" if findings else "fine"
    for n in range(copies):
        folder = repo / f"p{n}"
        folder.mkdir(parents=True)
        lock = {
            "name": "p",
            "lockfileVersion": 3,
            "packages": {"": {"name": "p"}, f"node_modules/{name}": {"version": "1.0.0"}},
        }
        (folder / "package-lock.json").write_text(json.dumps(lock))
    (tmp / "rule.json").write_text(json.dumps(RULE))
    return repo


def _run(tmp: Path, *args: str, fsize: int | None = None) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        if fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "gouvernante", "-rules", str(tmp / "rule.json"), *args],
        cwd=tmp,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
        preexec_fn=limit,
        env=env,
    )


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.skipif(not hasattr(resource, "RLIMIT_FSIZE"), reason="POSIX resource limits")
@pytest.mark.parametrize(("findings", "code"), [(True, 2), (False, 1)])
def test_full_disk_keeps_the_old_report_and_the_exit_code(
    tmp_path: Path, findings: bool, code: int
) -> None:
    project(tmp_path, findings)
    out = tmp_path / "report.json"
    out.write_text("OLD REPORT\n")
    proc = _run(tmp_path, "-dir", "repo", "-recursive", "-output", "report.json", fsize=512)
    assert proc.returncode == code, proc.stderr
    assert proc.stderr.splitlines() == [
        "gouvernante: report.json: cannot write report:"
        " file too large for this file system or limit"
    ]
    assert "no report written" in proc.stdout
    assert out.read_text() == "OLD REPORT\n"
    assert leftovers(tmp_path) == []


@pytest.mark.skipif(not hasattr(resource, "RLIMIT_FSIZE"), reason="POSIX resource limits")
def test_full_disk_for_one_of_several_outputs(tmp_path: Path) -> None:
    project(tmp_path, copies=3)
    proc = _run(
        tmp_path,
        "-dir", "repo", "-recursive", "-output", "r.txt", "-output", "r.sarif",
        fsize=4096,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert (tmp_path / "r.txt").read_text().startswith("gouvernante")
    assert not (tmp_path / "r.sarif").exists()
    assert "r.sarif: cannot write report" in proc.stderr
    assert "(report: r.txt)" in proc.stdout
    assert leftovers(tmp_path) == []


def test_symlinked_output_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    project(tmp_path, copies=1)
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    (tmp_path / "report.json").symlink_to(victim)
    (tmp_path / "dangling.json").symlink_to(tmp_path / "nowhere" / "x")
    for name in ("report.json", "dangling.json"):
        proc = _run(tmp_path, "-dir", "repo", "-recursive", "-output", name)
        assert proc.returncode == 2
        assert f"{name}: is a symlink; refusing to write a report through it" in proc.stderr
    assert victim.read_text() == "precious\n"
    assert (tmp_path / "report.json").is_symlink()
    assert not (tmp_path / "nowhere").exists()
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("folder", "exists and is not a regular file"),
        ("missing/report.json", "cannot write report: no such file or directory"),
    ],
)
def test_odd_targets_are_one_line_errors(tmp_path: Path, target: str, message: str) -> None:
    project(tmp_path, findings=False, copies=1)
    (tmp_path / "folder").mkdir()
    proc = _run(tmp_path, "-dir", "repo", "-output", target)
    assert proc.returncode == 1
    assert message in proc.stderr
    assert "internal error" not in proc.stderr


def test_auto_never_overwrites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fixed = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

    class Clock:
        @staticmethod
        def now(tz: object = None) -> datetime:
            return fixed

    monkeypatch.setattr(scan_cli, "datetime", Clock)
    monkeypatch.chdir(tmp_path)
    first = Path("gouvernante-report-20260102T030405Z.json")
    first.write_text("mine\n")
    assert (
        scan_cli._write_report("auto", "{}", "json") == "gouvernante-report-20260102T030405Z-1.json"
    )
    assert first.read_text() == "mine\n"
    # A name that appears between the check and the write is not replaced either.
    monkeypatch.setattr("gouvernante.cli.scan.os.path.lexists", lambda _p: False)
    name = scan_cli._write_report("auto", "{}", "json")
    assert name == "gouvernante-report-20260102T030405Z-2.json"
    assert first.read_text() == "mine\n"
    assert Path("gouvernante-report-20260102T030405Z-1.json").read_text() == "{}"
    # And a symlink under the auto name is not followed.
    Path("gouvernante-report-20260102T030405Z-3.json").symlink_to(tmp_path / "elsewhere")
    assert scan_cli._write_report("auto", "{}", "json").endswith("-4.json")
    assert not (tmp_path / "elsewhere").exists()


def test_no_overwrite_refuses_an_existing_name(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    target.write_text("old")
    with pytest.raises(ReportError, match="exists; not overwriting it"):
        write_report_file(str(target), b"new", overwrite=False)
    assert target.read_text() == "old"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("stop", [KeyboardInterrupt(), Stopped(signal.SIGTERM)])
@pytest.mark.parametrize("where", ["write", "fsync", "rename"])
def test_stopped_mid_write_leaves_the_target_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stop: BaseException, where: str
) -> None:
    target = tmp_path / "r.json"
    target.write_text("old")
    real_write = os.write

    def fail(*args: object, **kwargs: object) -> object:
        if where == "write":
            real_write(args[0], b"partial")  # type: ignore[arg-type]
        raise stop

    monkeypatch.setattr(f"gouvernante.fs.write.os.{where}", fail)
    with pytest.raises(type(stop)):
        write_report_file(str(target), b"x" * 100_000)
    monkeypatch.undo()
    assert target.read_text() == "old"
    assert leftovers(tmp_path) == []


def test_no_hard_link_fallback_removes_a_half_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a file system without hard links the report is copied under an exclusive name; a copy
    that fails half-way (disk full) is removed, not left as a truncated report."""

    def no_link(_src: str, _dst: str) -> None:
        raise PermissionError(1, "Operation not permitted")

    real_fsync = os.fsync
    calls = {"n": 0}

    def fsync_fails_second_time(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr("gouvernante.fs.write.os.link", no_link)
    monkeypatch.setattr("gouvernante.fs.write.os.fsync", fsync_fails_second_time)
    target = tmp_path / "r.json"
    with pytest.raises(ReportError, match="no space left on the device"):
        write_report_file(str(target), b"{}", overwrite=False)
    assert not target.exists()
    assert leftovers(tmp_path) == []
