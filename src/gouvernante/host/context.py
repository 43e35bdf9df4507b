"""The host a scan looks at, as a value: tests pass a fake home, OS and environment."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field

from gouvernante.rules.model import OperatingSystem


def current_os() -> OperatingSystem:
    if sys.platform.startswith("win"):
        return OperatingSystem.WINDOWS
    if sys.platform == "darwin":
        return OperatingSystem.MACOS
    return OperatingSystem.LINUX


@dataclass(frozen=True)
class HostContext:
    home: str
    os: OperatingSystem
    env: Mapping[str, str] = field(default_factory=dict, hash=False)
    # Where /proc lives (Linux process and network checks); tests point it at a fake tree.
    proc_root: str = "/proc"
    hosts_file: str = "/etc/hosts"
    # Prefix of the OS-wide default locations (``/usr/local/lib/node_modules``...); tests point it
    # at a fake tree. Home-relative and environment-given locations do not get it.
    system_root: str = ""

    @classmethod
    def current(cls) -> HostContext:
        os_ = current_os()
        hosts = "/etc/hosts"
        if os_ is OperatingSystem.WINDOWS:
            system = os.environ.get("SYSTEMROOT") or "C:\\Windows"
            hosts = os.path.join(system, "System32", "drivers", "etc", "hosts")
        return cls(home=os.path.expanduser("~"), os=os_, env=dict(os.environ), hosts_file=hosts)

    def getenv(self, name: str) -> str | None:
        if self.os is OperatingSystem.WINDOWS:
            upper = name.upper()
            for key, value in self.env.items():
                if key.upper() == upper:
                    return value
            return None
        return self.env.get(name)
