"""Process, network, environment and registry indicators, with real processes and sockets."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gouvernante.host.checks import run_host_scan, run_indicator_checks
from gouvernante.host.context import HostContext
from gouvernante.host.indicators import (
    ProcessInfo,
    check_registry,
    parse_network_value,
    parse_proc_net,
    parse_registry_value,
    process_matches,
)
from gouvernante.model import CheckOutcome, MatchKind
from gouvernante.rules.model import IndicatorType, OperatingSystem

LINUX = sys.platform.startswith("linux")
linux_only = pytest.mark.skipif(not LINUX or not os.path.isdir("/proc/self"), reason="needs /proc")
MARKER = "gouvernante-test-marker"


def real_ctx(tmp_path: Path, **kw: Any) -> HostContext:
    base = HostContext.current()
    hosts = tmp_path / "hosts"
    if not hosts.exists():
        hosts.write_text("127.0.0.1 localhost\n")
    return HostContext(
        home=str(tmp_path),
        os=base.os,
        env=kw.pop("env", base.env),
        hosts_file=kw.pop("hosts_file", str(hosts)),
        system_root=str(tmp_path / "nothing"),
        **kw,
    )


@pytest.fixture
def child() -> Iterator[subprocess.Popen[bytes]]:
    """A running process with a recognisable argument and environment variable."""
    env = dict(os.environ, GOUVERNANTE_TEST_VAR="exfil-123")
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", MARKER], env=env)
    # Wait until the child has exec'd (its cmdline shows the marker).
    deadline = time.monotonic() + 60  # a loaded machine may take seconds to start Python
    while LINUX and time.monotonic() < deadline:
        try:
            if MARKER.encode() in Path(f"/proc/{proc.pid}/cmdline").read_bytes():
                break
        except OSError:
            pass
        time.sleep(0.02)
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait()


@linux_only
def test_process_found_by_argument(h: Any, tmp_path: Path, child: subprocess.Popen[bytes]) -> None:
    rules = [
        h.make_rule(
            "R-P",
            indicators=[
                h.indicator(IndicatorType.PROCESS, MARKER),
                h.indicator(IndicatorType.PROCESS, "gouvernante-test-mark"),  # a near miss
                h.indicator(IndicatorType.PROCESS, 'time.sleep(60)" ' + MARKER),
                h.indicator(IndicatorType.PROCESS, "*gouvernante-test-m?rker*"),
            ],
        )
    ]
    findings, checks = run_indicator_checks(rules, real_ctx(tmp_path), [])
    assert [c.outcome for c in checks] == [
        CheckOutcome.FOUND,
        CheckOutcome.CLEAN,
        CheckOutcome.CLEAN,  # the quote is not in argv: arguments are joined by spaces
        CheckOutcome.FOUND,
    ]
    pids = {f.description.split("(pid ")[1].split(")")[0] for f in findings}
    assert pids == {str(child.pid)}
    assert all(f.match is MatchKind.PROCESS for f in findings)


@linux_only
def test_process_gone_is_clean(h: Any, tmp_path: Path) -> None:
    rules = [h.make_rule("R-P", indicators=[h.indicator(IndicatorType.PROCESS, MARKER + "-x")])]
    _, (check,) = run_indicator_checks(rules, real_ctx(tmp_path), [])
    assert check.outcome is CheckOutcome.CLEAN


def test_process_matching_rules() -> None:
    proc = ProcessInfo(7, "node", ("/usr/bin/node", "/tmp/ld.py", "--c2", "sfrclak.com"))
    assert process_matches("node", proc, False) == "process name 'node'"
    assert process_matches("ld.py", proc, False) == "program 'ld.py'"
    assert process_matches("sfrclak.com", proc, False) == "argument 'sfrclak.com'"
    assert process_matches("/tmp/ld.py --c2", proc, False) == "command line"
    assert process_matches("ld", proc, False) is None
    assert process_matches("NODE", proc, False) is None
    win = ProcessInfo(8, "Evil.exe", ("C:\\Users\\u\\Evil.exe",))
    assert process_matches("evil", win, True) is not None
    assert process_matches("evil.exe", win, True) is not None


def test_process_on_fake_proc(h: Any, tmp_path: Path) -> None:
    proc = tmp_path / "proc"
    (proc / "4242").mkdir(parents=True)
    (proc / "4242" / "cmdline").write_bytes(b"python3\x00/tmp/ld.py\x00")
    (proc / "4242" / "comm").write_text("python3\n")
    (proc / "self").mkdir()
    ctx = HostContext(home=str(tmp_path), os=OperatingSystem.LINUX, proc_root=str(proc))
    rules = [h.make_rule("R-P", indicators=[h.indicator(IndicatorType.PROCESS, "ld.py")])]
    (f,), (check,) = run_indicator_checks(rules, ctx, [])
    assert check.outcome is CheckOutcome.FOUND and "pid 4242" in f.description
    missing = HostContext(
        home=str(tmp_path), os=OperatingSystem.LINUX, proc_root=str(tmp_path / "x")
    )
    _, (skipped,) = run_indicator_checks(rules, missing, [])
    assert skipped.outcome is CheckOutcome.SKIPPED and "cannot list" in (skipped.reason or "")


def test_process_without_psutil_is_skipped(
    h: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "psutil", None)  # import psutil -> ImportError
    ctx = HostContext(home=str(tmp_path), os=OperatingSystem.MACOS)
    rules = [h.make_rule("R-P", indicators=[h.indicator(IndicatorType.PROCESS, "x")])]
    _, (check,) = run_indicator_checks(rules, ctx, [])
    assert (check.outcome, check.reason) == (CheckOutcome.SKIPPED, "psutil not installed")


# --- network ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "host", "port"),
    [
        ("sfrclak[.]com", "sfrclak.com", None),
        ("hxxp://sfrclak[.]com:8000/6202033", "sfrclak.com", 8000),
        ("142.11.206[.]73", "142.11.206.73", None),
        ("142.11.206.73:8000", "142.11.206.73", 8000),
        ("[2001:db8::1]:443", "2001:db8::1", 443),
        ("2001:db8::1", "2001:db8::1", None),
        ("webhook.site/bb8ca5f6-4175", "webhook.site", None),
        ("Evil.Example.", "evil.example", None),
    ],
)
def test_parse_network_value(value: str, host: str, port: int | None) -> None:
    target = parse_network_value(value)
    assert target is not None and (target.host, target.port) == (host, port)


@pytest.mark.parametrize("value", [":²", "host:²", "[::1]:²", "[::1]:٣"])
def test_a_port_of_non_ascii_digits_is_no_port(value: str) -> None:
    # Found by the property test below: "²".isdigit() is true but int("²") raises.
    target = parse_network_value(value)
    assert target is None or (target.host == "::1" and target.port is None)


@given(st.text(max_size=100))
def test_parse_network_value_never_raises(value: str) -> None:
    parse_network_value(value)


def test_proc_net_tables() -> None:
    tcp = (
        b"  sl  local_address rem_address   st tx_queue rx_queue\n"
        b"   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000\n"
        b"   1: 0100007F:9C40 49CE0B8E:1F40 01 00000000:00000000\n"
    )
    (conn,) = parse_proc_net(tcp, "tcp")
    assert (str(conn.remote), conn.port) == ("142.11.206.73", 8000)
    tcp6 = (
        b"  sl  local_address remote_address st\n"
        b"   0: 00000000000000000000000001000000:9C40 0000000000000000FFFF00004909CE8E:1F40 01\n"
        b"   1: 00000000000000000000000001000000:9C40 B80D0120000000000000000001000000:01BB 01\n"
    )
    got = [(str(c.remote), c.port) for c in parse_proc_net(tcp6, "tcp6")]
    assert got == [("142.206.9.73", 8000), ("2001:db8::1", 443)]


@linux_only
def test_network_connection_on_loopback(h: Any, tmp_path: Path) -> None:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = server.accept()
    try:
        rules = [
            h.make_rule(
                "R-N",
                indicators=[
                    h.indicator(IndicatorType.NETWORK, f"127.0.0[.]1:{port}"),
                    h.indicator(IndicatorType.NETWORK, f"hxxp://127.0.0.1:{port}/x"),
                    h.indicator(IndicatorType.NETWORK, f"127.0.0.2:{port}"),  # near miss
                    h.indicator(IndicatorType.NETWORK, "192.0.2.77"),
                ],
            )
        ]
        findings, checks = run_indicator_checks(rules, real_ctx(tmp_path), [])
    finally:
        client.close()
        accepted.close()
        server.close()
    assert [c.outcome for c in checks] == [
        CheckOutcome.FOUND,
        CheckOutcome.FOUND,
        CheckOutcome.CLEAN,
        CheckOutcome.CLEAN,
    ]
    assert f"127.0.0.1:{port}" in findings[0].description
    assert "/proc/net/tcp" in (checks[2].reason or "")


def test_network_hosts_file_and_what_was_not_checked(h: Any, tmp_path: Path) -> None:
    hosts = tmp_path / "hosts"
    hosts.write_text(
        "127.0.0.1 localhost\n# 1.2.3.4 commented.example\n142.11.206.73 update.example\n"
    )
    ctx = HostContext(
        home=str(tmp_path),
        os=OperatingSystem.LINUX,
        proc_root=str(tmp_path / "noproc"),
        hosts_file=str(hosts),
    )
    rules = [
        h.make_rule(
            "R-N",
            indicators=[
                h.indicator(IndicatorType.NETWORK, "update[.]example"),
                h.indicator(IndicatorType.NETWORK, "142.11.206.73"),
                h.indicator(IndicatorType.NETWORK, "commented.example"),
                h.indicator(IndicatorType.NETWORK, "not a host!"),
            ],
        )
    ]
    findings, checks = run_indicator_checks(rules, ctx, [])
    assert [c.outcome for c in checks] == [
        CheckOutcome.FOUND,
        CheckOutcome.FOUND,
        CheckOutcome.CLEAN,
        CheckOutcome.SKIPPED,
    ]
    assert all(f.path == str(hosts) for f in findings)
    reason = checks[2].reason or ""
    assert "without a DNS lookup" in reason and "DNS caches" in reason
    assert "noproc" in (checks[1].reason or "")  # the socket tables could not be read


def test_network_nothing_checkable_is_skipped(h: Any, tmp_path: Path) -> None:
    ctx = HostContext(
        home=str(tmp_path),
        os=OperatingSystem.LINUX,
        hosts_file=str(tmp_path / "none"),
    )
    rules = [h.make_rule("R-N", indicators=[h.indicator(IndicatorType.NETWORK, "evil.example")])]
    _, (check,) = run_indicator_checks(rules, ctx, [])
    assert check.outcome is CheckOutcome.SKIPPED


# --- environment --------------------------------------------------------------------------


def test_environment_of_the_scan(h: Any, tmp_path: Path) -> None:
    ctx = HostContext(
        home=str(tmp_path),
        os=OperatingSystem.LINUX,
        env={"NPM_TOKEN_EXFIL": "1", "A": "b"},
        proc_root=str(tmp_path / "noproc"),
    )
    rules = [
        h.make_rule(
            "R-E",
            indicators=[
                h.indicator(IndicatorType.ENVIRONMENT, "NPM_TOKEN_EXFIL"),
                h.indicator(IndicatorType.ENVIRONMENT, "A=b"),
                h.indicator(IndicatorType.ENVIRONMENT, "A=c"),
                h.indicator(IndicatorType.ENVIRONMENT, "a"),  # names are case-sensitive here
            ],
        )
    ]
    _, checks = run_indicator_checks(rules, ctx, [])
    assert [c.outcome for c in checks] == [
        CheckOutcome.FOUND,
        CheckOutcome.FOUND,
        CheckOutcome.CLEAN,
        CheckOutcome.CLEAN,
    ]
    win = HostContext(home=str(tmp_path), os=OperatingSystem.WINDOWS, env={"Path": "x"})
    rules = [h.make_rule("R-E", indicators=[h.indicator(IndicatorType.ENVIRONMENT, "PATH")])]
    monkey_free = run_indicator_checks(rules, win, [])[1][0]
    assert monkey_free.outcome is CheckOutcome.FOUND


@linux_only
def test_environment_of_a_running_process(
    h: Any, tmp_path: Path, child: subprocess.Popen[bytes]
) -> None:
    rules = [
        h.make_rule(
            "R-E",
            indicators=[
                h.indicator(IndicatorType.ENVIRONMENT, "GOUVERNANTE_TEST_VAR=exfil-123"),
                h.indicator(IndicatorType.ENVIRONMENT, "GOUVERNANTE_TEST_VAR=other"),
            ],
        )
    ]
    ctx = real_ctx(tmp_path, env={})
    findings, checks = run_indicator_checks(rules, ctx, [])
    assert [c.outcome for c in checks] == [CheckOutcome.FOUND, CheckOutcome.CLEAN]
    (f,) = findings
    assert str(child.pid) in f.description
    assert "exfil-123" in f.description  # the rule's own value, never another variable's


# --- registry -----------------------------------------------------------------------------


class FakeRegistry:
    def __init__(self, keys: set[str], values: set[str], denied: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.keys, self.values, self.denied = keys, values, denied

    def key_exists(self, hive: str, path: str) -> bool | None:
        return None if path in self.denied else f"{hive}\\{path}" in self.keys

    def value_exists(self, hive: str, path: str, name: str) -> bool | None:
        return None if path in self.denied else f"{hive}\\{path}\\{name}" in self.values


def test_registry(h: Any, tmp_path: Path) -> None:
    run = "Software\\Microsoft\\Windows\\CurrentVersion\\Run"
    fake = FakeRegistry(
        keys={f"HKEY_CURRENT_USER\\{run}"},
        values={f"HKEY_CURRENT_USER\\{run}\\MicrosoftUpdate"},
        denied={"Software\\Locked", "Software\\Locked\\Key"},
    )
    win = HostContext(home=str(tmp_path), os=OperatingSystem.WINDOWS)
    cases = {
        f"HKCU\\{run}\\MicrosoftUpdate": CheckOutcome.FOUND,
        f"HKEY_CURRENT_USER\\{run}": CheckOutcome.FOUND,
        f"HKCU\\{run}\\Other": CheckOutcome.CLEAN,
        f"HKLM\\{run}\\MicrosoftUpdate": CheckOutcome.CLEAN,
        "HKCU\\Software\\Locked\\Key": CheckOutcome.SKIPPED,
        "NOTAHIVE\\x": CheckOutcome.SKIPPED,
    }
    for value, outcome in cases.items():
        rule = h.make_rule("R-R", indicators=[h.indicator(IndicatorType.REGISTRY, value)])
        out = check_registry(rule, rule.host_indicators[0], win, fake)
        assert out.check.outcome is outcome, value
        assert bool(out.findings) == (outcome is CheckOutcome.FOUND)
    assert parse_registry_value("HKCU/Software/x") == ("HKEY_CURRENT_USER", "Software\\x", "x")


def test_registry_elsewhere_is_skipped(h: Any, tmp_path: Path) -> None:
    rule = h.make_rule(
        "R-R",
        indicators=[
            h.indicator(IndicatorType.REGISTRY, "HKCU\\Software\\x"),
            h.indicator(IndicatorType.REGISTRY, "HKCU\\Software\\y", [OperatingSystem.WINDOWS]),
        ],
    )
    ctx = HostContext(home=str(tmp_path), os=OperatingSystem.LINUX)
    _, checks = run_indicator_checks([rule], ctx, [])
    assert [(c.outcome, c.reason) for c in checks] == [
        (CheckOutcome.SKIPPED, "not Windows"),
        (CheckOutcome.SKIPPED, "not for linux"),
    ]


def test_every_indicator_gets_an_outcome(h: Any, tmp_path: Path) -> None:
    inds = [
        h.indicator(IndicatorType.PROCESS, "x"),
        h.indicator(IndicatorType.NETWORK, "x.example"),
        h.indicator(IndicatorType.ENVIRONMENT, "X_Y"),
        h.indicator(IndicatorType.REGISTRY, "HKCU\\x\\y"),
        h.indicator(IndicatorType.NETWORK, "x.example", [OperatingSystem.MACOS]),
    ]
    ctx = HostContext(home=str(tmp_path), os=OperatingSystem.LINUX, proc_root=str(tmp_path))
    result = run_host_scan([h.make_rule("R-ALL", indicators=inds)], ctx, [])
    assert [c.type for c in result.checks] == [
        "process",
        "network",
        "environment",
        "registry",
        "network",
    ]
    assert result.checks[-1].reason == "not for linux"
