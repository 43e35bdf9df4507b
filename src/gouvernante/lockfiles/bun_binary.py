"""bun.lockb: bun's binary lockfile (the default up to bun 1.1).

The binary layout is bun-internal and changes between releases, so it is not decoded: a scan
fails closed on it with a message saying how to get the text ``bun.lock`` that ``bun.py`` reads.
"""

from __future__ import annotations

from gouvernante.errors import LockfileError
from gouvernante.model import LockfileGraph

MAGIC = b"#!/usr/bin/env bun\nbun-lockfile-format-v0\n"

HINT = (
    "bun.lockb is bun's binary lockfile; convert it with "
    '"bun install --save-text-lockfile" (bun >= 1.1.39) or upgrade to bun >= 1.2 and scan bun.lock'
)


def sniff(head: bytes) -> bool:
    return head.startswith(MAGIC)


def parse(data: bytes, path: str) -> LockfileGraph:
    if not data.startswith(MAGIC):
        raise LockfileError(path, f"not a bun.lockb file (no bun lockfile header); {HINT}")
    raise LockfileError(path, HINT)
