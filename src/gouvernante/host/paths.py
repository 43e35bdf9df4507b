"""Expanding indicator paths: ``~``, ``$VAR``, ``${VAR}``, ``%VAR%`` and glob patterns."""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass

from gouvernante.fs.walk import walk
from gouvernante.host.context import HostContext
from gouvernante.rules.model import OperatingSystem

_VAR = re.compile(
    r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)|%([A-Za-z_][A-Za-z0-9_()]*)%"
)
_MAGIC = re.compile(r"[*?\[]")
MAX_GLOB_MATCHES = 10_000
MAX_GLOB_DIRS = 200_000

# Windows defaults when a %VAR% is not in the environment (tests on Linux fake Windows hosts).
_WINDOWS_FALLBACK = {
    "USERPROFILE": "{home}",
    "APPDATA": "{home}\\AppData\\Roaming",
    "LOCALAPPDATA": "{home}\\AppData\\Local",
    "TEMP": "{home}\\AppData\\Local\\Temp",
    "TMP": "{home}\\AppData\\Local\\Temp",
    "PROGRAMDATA": "C:\\ProgramData",
}


class UnsetVariable(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def is_project_relative(path: str) -> bool:
    """A path that names a file inside each scanned project (no root, no ``~``, no variable)."""
    if not path:
        return False
    if path.startswith(("/", "\\", "~", "$", "%")):
        return False
    return not re.match(r"^[A-Za-z]:[\\/]", path)


def expand(path: str, ctx: HostContext) -> str:
    """Expand ``~`` and environment variables; raise ``UnsetVariable`` for a missing one."""

    def lookup(name: str) -> str:
        if name == "HOME" or (name.upper() == "USERPROFILE" and ctx.os is OperatingSystem.WINDOWS):
            value = ctx.getenv(name)
            return value if value else ctx.home
        value = ctx.getenv(name)
        if value is None and ctx.os is OperatingSystem.WINDOWS:
            fallback = _WINDOWS_FALLBACK.get(name.upper())
            if fallback is not None:
                return fallback.format(home=ctx.home)
        if value is None:
            if name.upper() in {"TMPDIR", "TEMP", "TMP"}:
                return "/tmp"  # noqa: S108 - the conventional default, only for expansion
            raise UnsetVariable(name)
        return value

    if path == "~" or path.startswith(("~/", "~\\")):
        path = ctx.home + path[1:]

    def sub(m: re.Match[str]) -> str:
        return lookup(m.group(1) or m.group(2) or m.group(3))

    return _VAR.sub(sub, path)


@dataclass(frozen=True)
class GlobResult:
    paths: tuple[str, ...]
    truncated: bool


def glob_paths(pattern: str) -> GlobResult:  # noqa: C901 - listed in pyproject, to shrink
    """Existing paths matching ``pattern`` (``*``, ``?``, ``[..]``, ``**``), never following
    symlinked directories during ``**`` and bounded in work."""
    norm = pattern.replace("\\", "/") if os.sep == "/" else pattern
    if not _MAGIC.search(norm):
        return GlobResult((norm,) if os.path.lexists(norm) else (), False)
    absolute = norm.startswith("/")
    parts = [p for p in norm.split("/") if p]
    current = ["/"] if absolute else ["."]
    truncated = False
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        nxt: list[str] = []
        if part == "**":
            for base in current:
                for count, wd in enumerate(walk(base, prune=lambda _n, _p: False), 1):
                    nxt.append(wd.path)
                    if count >= MAX_GLOB_DIRS:
                        truncated = True
                        break
                    if last:
                        nxt.extend(os.path.join(wd.path, f) for f in wd.files)
        elif _MAGIC.search(part):
            for base in current:
                try:
                    names = sorted(os.listdir(base))
                except OSError:
                    continue
                nxt.extend(os.path.join(base, n) for n in fnmatch.filter(names, part))
        else:
            for base in current:
                candidate = os.path.join(base, part)
                if os.path.lexists(candidate):
                    nxt.append(candidate)
        current = list(dict.fromkeys(nxt))
        if len(current) > MAX_GLOB_MATCHES:
            current = current[:MAX_GLOB_MATCHES]
            truncated = True
        if not current:
            break
    if not absolute:
        current = [c[2:] if c.startswith("./") else c for c in current]
    return GlobResult(tuple(current), truncated)
