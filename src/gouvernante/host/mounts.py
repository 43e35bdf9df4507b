"""The kernel's mount table (Linux ``/proc/self/mountinfo``), read once where it is asked for.

Two readers use it: the installed-tree walk (which devices give exact folder link counts) and
the cache locations (pnpm puts its store at the root of a file system other than the home's:
``<mount point>/.pnpm-store``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

MOUNTINFO = "/proc/self/mountinfo"
MAX_MOUNTINFO_BYTES = 4 * 1024 * 1024
# the kernel writes a space, tab, newline and backslash in a mount point as an octal escape
_OCTAL = re.compile(rb"\\([0-7]{3})")


@dataclass(frozen=True, slots=True)
class Mount:
    point: str  # where it is mounted (escapes decoded)
    fs_type: str
    device: int | None  # st_dev, when the line's major:minor reads as numbers


def mount_table(mountinfo: str = MOUNTINFO) -> tuple[Mount, ...]:
    """Every line of the table that reads as the kernel writes it (a line cut by the size cap,
    or of another shape, is left out); nothing when the table cannot be read (not Linux)."""
    try:
        with open(mountinfo, "rb") as fh:
            data = fh.read(MAX_MOUNTINFO_BYTES)
    except OSError:
        return ()
    lines = data.split(b"\n")
    if len(data) == MAX_MOUNTINFO_BYTES:
        lines.pop()  # maybe cut
    out: list[Mount] = []
    for line in lines:
        fields, sep, rest = line.partition(b" - ")
        head = fields.split(b" ")
        if not sep or len(head) < 5 or not rest:
            continue
        fs_type = rest.split(b" ", 1)[0].decode("ascii", "replace")
        major, colon, minor = head[2].partition(b":")
        device = (
            os.makedev(int(major), int(minor))
            if colon and major.isdigit() and minor.isdigit()
            else None
        )
        point = _OCTAL.sub(lambda m: bytes([int(m.group(1), 8)]), head[4])
        out.append(Mount(os.fsdecode(point), fs_type, device))
    return tuple(out)
