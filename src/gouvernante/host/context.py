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

    @classmethod
    def current(cls) -> HostContext:
        return cls(home=os.path.expanduser("~"), os=current_os(), env=dict(os.environ))

    def getenv(self, name: str) -> str | None:
        if self.os is OperatingSystem.WINDOWS:
            upper = name.upper()
            for key, value in self.env.items():
                if key.upper() == upper:
                    return value
            return None
        return self.env.get(name)
