"""Process, network, environment and registry indicators.

Linux is read from ``ctx.proc_root`` (``/proc``): process names and command lines, environments
of the processes this user may read, and the socket tables ``net/tcp``, ``tcp6``, ``udp``,
``udp6``. macOS and Windows use ``psutil`` when it is importable, else the check is skipped with
that reason. Nothing here resolves a name or opens a connection.
"""

from __future__ import annotations

import fnmatch
import importlib
import ipaddress
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, assert_never
from urllib.parse import urlsplit

from gouvernante.fs.read import read_small
from gouvernante.host.context import HostContext
from gouvernante.host.files import indicator_finding
from gouvernante.model import CheckOutcome, Finding, HostCheck, MatchKind
from gouvernante.rules.defang import refang
from gouvernante.rules.model import HostIndicator, IndicatorType, OperatingSystem, Rule

MAX_PROC_FILE = 1024 * 1024
MAX_HOSTS_FILE = 16 * 1024 * 1024
MAX_LISTED_PIDS = 10
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class IndicatorOutcome:
    findings: tuple[Finding, ...]
    check: HostCheck


def _check(rule: Rule, ind: HostIndicator, outcome: CheckOutcome, reason: str | None) -> HostCheck:
    return HostCheck(rule.id, ind.describe(), ind.type.value, outcome, reason)


_finding = indicator_finding


def _done(
    rule: Rule, ind: HostIndicator, findings: list[Finding], reason: str | None
) -> IndicatorOutcome:
    outcome = CheckOutcome.FOUND if findings else CheckOutcome.CLEAN
    return IndicatorOutcome(tuple(findings), _check(rule, ind, outcome, reason))


def _skipped(rule: Rule, ind: HostIndicator, reason: str) -> IndicatorOutcome:
    return IndicatorOutcome((), _check(rule, ind, CheckOutcome.SKIPPED, reason))


def _psutil() -> Any | None:
    try:
        return importlib.import_module("psutil")
    except ImportError:
        return None


# --- processes ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProcessInfo:
    pid: int
    name: str
    argv: tuple[str, ...]


@dataclass
class ProcessTable:
    """The running processes, listed once per scan and shared by every indicator."""

    processes: tuple[ProcessInfo, ...] = ()
    error: str | None = None  # why processes could not be listed at all
    source: str = ""
    _environ: dict[int, dict[str, str] | None] = field(default_factory=dict)
    _reader: Callable[[int], dict[str, str] | None] | None = None

    def environ(self, pid: int) -> dict[str, str] | None:
        """The environment of ``pid`` if this user may read it."""
        if pid not in self._environ:
            self._environ[pid] = self._reader(pid) if self._reader else None
        return self._environ[pid]


def _proc_text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def list_processes(ctx: HostContext) -> ProcessTable:  # noqa: C901 - listed in pyproject, to shrink
    own = os.getpid()
    if ctx.os is OperatingSystem.LINUX:
        root = ctx.proc_root
        try:
            pids = [int(n) for n in os.listdir(root) if n.isdigit()]
        except OSError as exc:
            return ProcessTable(error=f"cannot list {root}: {exc.strerror or exc}")
        procs: list[ProcessInfo] = []
        for pid in sorted(pids):
            if pid == own:
                continue
            base = os.path.join(root, str(pid))
            cmdline = read_small(os.path.join(base, "cmdline"), MAX_PROC_FILE)
            comm = read_small(os.path.join(base, "comm"), MAX_PROC_FILE)
            if not isinstance(cmdline, bytes) and not isinstance(comm, bytes):
                continue  # exited meanwhile, or hidden
            argv: tuple[str, ...] = ()
            if isinstance(cmdline, bytes):
                argv = tuple(_proc_text(a) for a in cmdline.rstrip(b"\0").split(b"\0") if a)
            name = _proc_text(comm).strip() if isinstance(comm, bytes) else ""
            procs.append(ProcessInfo(pid, name, argv))

        def read_environ(pid: int) -> dict[str, str] | None:
            data = read_small(os.path.join(root, str(pid), "environ"), MAX_PROC_FILE)
            if not isinstance(data, bytes):
                return None
            env: dict[str, str] = {}
            for item in data.split(b"\0"):
                key, eq, value = item.partition(b"=")
                if eq and key:
                    env[_proc_text(key)] = _proc_text(value)
            return env

        return ProcessTable(tuple(procs), source=f"{root}/*/cmdline", _reader=read_environ)
    psutil = _psutil()
    if psutil is None:
        return ProcessTable(error="psutil not installed")
    procs = []
    handles: dict[int, Any] = {}
    for proc in psutil.process_iter(["pid", "name", "cmdline"]):
        info = proc.info
        pid = int(info.get("pid") or 0)
        if pid == own:
            continue
        handles[pid] = proc
        argv = tuple(str(a) for a in (info.get("cmdline") or ()))
        procs.append(ProcessInfo(pid, str(info.get("name") or ""), argv))

    def psutil_environ(pid: int) -> dict[str, str] | None:
        try:
            return {str(k): str(v) for k, v in handles[pid].environ().items()}
        except Exception:  # AccessDenied, NoSuchProcess, ZombieProcess
            return None

    return ProcessTable(tuple(procs), source="psutil", _reader=psutil_environ)


def _basename(arg: str) -> str:
    return re.split(r"[\\/]", arg)[-1]


def process_matches(value: str, proc: ProcessInfo, case_insensitive: bool) -> str | None:
    """What of ``proc`` matched ``value``, or None.

    A value with a wildcard is a pattern for the process name or the whole command line; one with
    a space or a path separator is looked for inside the command line; any other value must equal
    the process name, an argument, or an argument's file name.
    """
    norm: Callable[[str], str] = str.lower if case_insensitive else (lambda s: s)
    want = norm(value.strip())
    if not want:
        return None
    name = norm(proc.name)
    cmd = norm(" ".join(proc.argv))
    if any(c in want for c in "*?["):
        if fnmatch.fnmatchcase(name, want):
            return f"process name {proc.name!r}"
        if fnmatch.fnmatchcase(cmd, want):
            return "command line"
        return None
    if any(c in want for c in " /\\"):
        return "command line" if want in cmd else None
    names = {name, _basename(name)}
    if case_insensitive:
        names |= {n[:-4] for n in names if n.endswith(".exe")}
    if want in names:
        return f"process name {proc.name!r}"
    for arg in proc.argv:
        a = norm(arg)
        base = _basename(a)
        if want in (a, base) or (case_insensitive and base.endswith(".exe") and want == base[:-4]):
            return f"argument {arg!r}" if a == want else f"program {_basename(arg)!r}"
    return None


def check_process(
    rule: Rule, ind: HostIndicator, ctx: HostContext, table: ProcessTable
) -> IndicatorOutcome:
    value = ind.value or ind.file_name or ind.path or ""
    if not value.strip():
        return _skipped(rule, ind, "the indicator names no process")
    if table.error is not None:
        return _skipped(rule, ind, table.error)
    findings: list[Finding] = []
    for proc in table.processes:
        what = process_matches(value, proc, ctx.os is OperatingSystem.WINDOWS)
        if what is not None:
            label = f"{proc.name} " if proc.name else ""
            findings.append(
                _finding(
                    rule,
                    ind,
                    MatchKind.PROCESS,
                    f"process {label}(pid {proc.pid}) is running: its {what} matches {value!r},"
                    f" an indicator of {rule.id}",
                    None,
                )
            )
    return _done(rule, ind, findings, None)


# --- network ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NetworkTarget:
    host: str  # lower-case domain, or the IP as written by ipaddress
    ip: IPAddress | None
    port: int | None


def parse_network_value(value: str) -> NetworkTarget | None:
    """A domain, an IP, ``host:port`` or a URL (defanged forms accepted)."""
    text = refang(value)
    host: str
    port: int | None = None
    if "://" in text:
        try:
            parts = urlsplit(text)
            host = parts.hostname or ""
            port = parts.port
        except ValueError:
            return None
    elif text.startswith("["):
        inner, close, rest = text[1:].partition("]")
        if not close:
            return None
        host = inner
        if rest.startswith(":") and _is_port(rest[1:]):
            port = int(rest[1:])
    else:
        text = text.split("/", 1)[0]
        host = text
        if text.count(":") == 1:
            h, _, p = text.partition(":")
            if not _is_port(p):
                return None
            host, port = h, int(p)
    host = host.strip().rstrip(".").lower()
    if not host or (port is not None and not 0 < port < 65536):
        return None
    try:
        ip: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        ip = None
        if not re.fullmatch(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*", host):
            return None
    return NetworkTarget(str(ip) if ip else host, ip, port)


def _is_port(text: str) -> bool:
    """ASCII digits only: ``str.isdigit`` also accepts ``²`` and other digits ``int`` refuses."""
    return text.isascii() and text.isdigit()


@dataclass(frozen=True, slots=True)
class Connection:
    remote: IPAddress
    port: int
    source: str


def _hex_ip(text: str) -> IPAddress | None:
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        return None
    if len(raw) == 4:
        return ipaddress.IPv4Address(raw[::-1])
    if len(raw) == 16:
        words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
        v6 = ipaddress.IPv6Address(words)
        return v6.ipv4_mapped or v6
    return None


def parse_proc_net(data: bytes, source: str) -> Iterator[Connection]:
    """Remote ends of the sockets of one ``/proc/net/{tcp,tcp6,udp,udp6}`` table."""
    for line in data.decode("ascii", "replace").splitlines()[1:]:
        fields = line.split()
        if len(fields) < 4:
            continue
        addr, colon, port_hex = fields[2].partition(":")
        if not colon or fields[3] == "0A":  # LISTEN sockets have no remote end
            continue
        ip = _hex_ip(addr)
        try:
            port = int(port_hex, 16)
        except ValueError:
            continue
        if ip is None or ip.is_unspecified or port == 0:
            continue
        yield Connection(ip, port, source)


@dataclass
class ConnectionTable:
    connections: tuple[Connection, ...] = ()
    checked: tuple[str, ...] = ()
    unchecked: tuple[str, ...] = ()


def list_connections(ctx: HostContext) -> ConnectionTable:
    if ctx.os is OperatingSystem.LINUX:
        conns: list[Connection] = []
        checked: list[str] = []
        unchecked: list[str] = []
        for table in ("tcp", "tcp6", "udp", "udp6"):
            path = os.path.join(ctx.proc_root, "net", table)
            data = read_small(path, 256 * 1024 * 1024)
            if isinstance(data, bytes):
                checked.append(path)
                conns.extend(parse_proc_net(data, path))
            else:
                unchecked.append(f"{path} ({data.reason})")
        return ConnectionTable(tuple(conns), tuple(checked), tuple(unchecked))
    psutil = _psutil()
    if psutil is None:
        return ConnectionTable(unchecked=("active connections (psutil not installed)",))
    try:
        raw = psutil.net_connections(kind="inet")
    except Exception as exc:  # AccessDenied on macOS without root
        return ConnectionTable(unchecked=(f"active connections ({type(exc).__name__})",))
    conns = []
    for c in raw:
        if not c.raddr:
            continue
        try:
            ip = ipaddress.ip_address(c.raddr.ip)
        except ValueError:
            continue
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        conns.append(Connection(ip, int(c.raddr.port), "psutil"))
    return ConnectionTable(tuple(conns), ("active connections (psutil)",))


@dataclass(frozen=True, slots=True)
class HostsEntry:
    ip: str
    names: tuple[str, ...]
    line: int


def read_hosts(path: str) -> tuple[list[HostsEntry], str | None]:
    data = read_small(path, MAX_HOSTS_FILE)
    if not isinstance(data, bytes):
        return [], data.reason
    entries: list[HostsEntry] = []
    for number, raw in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        fields = raw.split("#", 1)[0].split()
        if len(fields) >= 2:
            entries.append(
                HostsEntry(
                    fields[0].lower(), tuple(f.lower().rstrip(".") for f in fields[1:]), number
                )
            )
    return entries, None


@dataclass
class NetworkState:
    connections: ConnectionTable
    hosts: list[HostsEntry]
    hosts_file: str
    hosts_problem: str | None


def network_state(ctx: HostContext) -> NetworkState:
    hosts, problem = read_hosts(ctx.hosts_file)
    return NetworkState(list_connections(ctx), hosts, ctx.hosts_file, problem)


def _same_ip(a: str, b: IPAddress) -> bool:
    try:
        ip = ipaddress.ip_address(a.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip == b


def check_network(rule: Rule, ind: HostIndicator, state: NetworkState) -> IndicatorOutcome:
    value = ind.value or ""
    target = parse_network_value(value)
    if target is None:
        return _skipped(rule, ind, f"not a domain, IP, host:port or URL: {value!r}")
    findings: list[Finding] = []
    checked: list[str] = []
    unchecked: list[str] = []
    conns = state.connections
    if target.ip is not None:
        checked.extend(conns.checked)
        unchecked.extend(conns.unchecked)
        seen: set[tuple[str, int]] = set()
        for c in conns.connections:
            if c.remote != target.ip or (target.port is not None and c.port != target.port):
                continue
            if (str(c.remote), c.port) in seen:
                continue
            seen.add((str(c.remote), c.port))
            findings.append(
                _finding(
                    rule,
                    ind,
                    MatchKind.NETWORK,
                    f"an active connection to {c.remote}:{c.port} ({c.source}) matches"
                    f" {value!r}, an indicator of {rule.id}",
                    None,
                )
            )
    else:
        unchecked.append(
            "active connections (a domain cannot be matched to sockets without a DNS lookup,"
            " which the scan does not make)"
        )
    if state.hosts_problem is None:
        checked.append(state.hosts_file)
        for entry in state.hosts:
            if target.ip is not None:
                hit = _same_ip(entry.ip, target.ip)
            else:
                hit = target.host in entry.names
            if hit:
                findings.append(
                    _finding(
                        rule,
                        ind,
                        MatchKind.NETWORK,
                        f"{state.hosts_file} line {entry.line} maps {' '.join(entry.names)} to"
                        f" {entry.ip}, matching {value!r}, an indicator of {rule.id}",
                        state.hosts_file,
                    )
                )
    else:
        unchecked.append(f"{state.hosts_file} ({state.hosts_problem})")
    unchecked.append("DNS caches (not supported: no resolver cache is readable as a file)")
    reason = f"checked: {', '.join(checked) or 'nothing'}; not checked: {'; '.join(unchecked)}"
    if not checked and not findings:
        return _skipped(rule, ind, reason)
    return _done(rule, ind, findings, reason)


# --- environment --------------------------------------------------------------------------


def check_environment(
    rule: Rule, ind: HostIndicator, ctx: HostContext, table: ProcessTable
) -> IndicatorOutcome:
    value = (ind.value or "").strip()
    name, eq, expected = value.partition("=")
    name = name.strip()
    if not name:
        return _skipped(rule, ind, "the indicator names no variable")
    insensitive = ctx.os is OperatingSystem.WINDOWS

    def matches(env: dict[str, str] | Any) -> bool:
        for key, val in env.items():
            same = key.upper() == name.upper() if insensitive else key == name
            if same and (not eq or val == expected):
                return True
        return False

    what = f"{name}={expected}" if eq else name
    findings: list[Finding] = []
    if matches(ctx.env):
        findings.append(
            _finding(
                rule,
                ind,
                MatchKind.ENVIRONMENT,
                f"environment variable {what} is set in the scan's environment, an indicator of"
                f" {rule.id}",
                None,
            )
        )
    pids: list[ProcessInfo] = []
    readable = 0
    for proc in table.processes:
        env = table.environ(proc.pid)
        if env is None:
            continue
        readable += 1
        if matches(env):
            pids.append(proc)
    if pids:
        listed = ", ".join(f"{p.pid} ({p.name})" for p in pids[:MAX_LISTED_PIDS])
        more = f" and {len(pids) - MAX_LISTED_PIDS} more" if len(pids) > MAX_LISTED_PIDS else ""
        findings.append(
            _finding(
                rule,
                ind,
                MatchKind.ENVIRONMENT,
                f"environment variable {what} is set in running processes {listed}{more}, an"
                f" indicator of {rule.id}",
                None,
            )
        )
    if table.error is not None:
        reason = f"processes not checked: {table.error}"
    else:
        reason = (
            f"checked the scan's environment and {readable} process environments"
            " readable by this user"
        )
    return _done(rule, ind, findings, reason)


# --- registry -----------------------------------------------------------------------------


class RegistryReader(Protocol):
    """Windows registry look-ups; True/False, or None when access is denied."""

    def key_exists(self, hive: str, path: str) -> bool | None: ...

    def value_exists(self, hive: str, path: str, name: str) -> bool | None: ...


_HIVES = {
    "HKCU": "HKEY_CURRENT_USER",
    "HKLM": "HKEY_LOCAL_MACHINE",
    "HKCR": "HKEY_CLASSES_ROOT",
    "HKU": "HKEY_USERS",
    "HKCC": "HKEY_CURRENT_CONFIG",
}


class WinregReader:
    def __init__(self) -> None:
        self.winreg: Any = importlib.import_module("winreg")

    def _open(self, hive: str, path: str) -> Any:
        return self.winreg.OpenKey(getattr(self.winreg, hive), path, 0, self.winreg.KEY_READ)

    def key_exists(self, hive: str, path: str) -> bool | None:
        try:
            self._open(hive, path).Close()
            return True
        except FileNotFoundError:
            return False
        except PermissionError:
            return None

    def value_exists(self, hive: str, path: str, name: str) -> bool | None:
        try:
            key = self._open(hive, path)
        except FileNotFoundError:
            return False
        except PermissionError:
            return None
        try:
            self.winreg.QueryValueEx(key, name)
            return True
        except FileNotFoundError:
            return False
        except PermissionError:
            return None
        finally:
            key.Close()


def parse_registry_value(value: str) -> tuple[str, str, str] | None:
    """``HKCU\\path\\to\\key[\\value]`` -> (hive constant name, key path, last component)."""
    parts = [p for p in value.strip().replace("/", "\\").split("\\") if p]
    if len(parts) < 2:
        return None
    hive = _HIVES.get(parts[0].upper(), parts[0].upper())
    if hive not in _HIVES.values():
        return None
    return hive, "\\".join(parts[1:]), parts[-1]


def check_registry(
    rule: Rule, ind: HostIndicator, ctx: HostContext, reader: RegistryReader | None = None
) -> IndicatorOutcome:
    if ctx.os is not OperatingSystem.WINDOWS:
        return _skipped(rule, ind, "not Windows")
    value = ind.value or ind.path or ""
    parsed = parse_registry_value(value)
    if parsed is None:
        return _skipped(rule, ind, f"not a registry key path: {value!r}")
    if reader is None:
        try:
            reader = WinregReader()
        except ImportError:
            return _skipped(rule, ind, "winreg not available (not running on Windows)")
    hive, path, last = parsed
    key = reader.key_exists(hive, path)
    parent = path.rpartition("\\")[0]
    val = reader.value_exists(hive, parent, last) if parent and not key else False
    if key is None and val is None:
        return _skipped(rule, ind, "no permission to read the key")
    findings: list[Finding] = []
    if key or val:
        what = "registry key" if key else "registry value"
        findings.append(
            _finding(
                rule,
                ind,
                MatchKind.REGISTRY,
                f"{what} {value} exists, an indicator of {rule.id}",
                None,
            )
        )
    return _done(rule, ind, findings, None)


def run_other_indicators(
    items: Sequence[tuple[Rule, HostIndicator]], ctx: HostContext
) -> list[IndicatorOutcome]:
    """Process, network, environment and registry indicators, in order; state read once."""
    table: ProcessTable | None = None
    net: NetworkState | None = None
    out: list[IndicatorOutcome] = []
    for rule, ind in items:
        match ind.type:
            case IndicatorType.PROCESS | IndicatorType.ENVIRONMENT:
                if table is None:
                    table = list_processes(ctx)
                check = check_process if ind.type is IndicatorType.PROCESS else check_environment
                out.append(check(rule, ind, ctx, table))
            case IndicatorType.NETWORK:
                if net is None:
                    net = network_state(ctx)
                out.append(check_network(rule, ind, net))
            case IndicatorType.REGISTRY:
                out.append(check_registry(rule, ind, ctx))
            case IndicatorType.FILE:  # checked by host.files, never passed here
                out.append(_skipped(rule, ind, "file indicators are checked by the file check"))
            case _:
                assert_never(ind.type)
    return out
