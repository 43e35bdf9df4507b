"""MessagePack as msgpackr writes it with records (pnpm 11+'s store index values).

A record is a map written once as its keys and then only as values: ``d4 72 <id>`` (a one-byte
extension of type ``0x72``) is followed by the array of keys and then the first record's values;
afterwards the byte ``<id>`` (``0x40``-``0x7f``, a positive fixint in plain MessagePack) starts
another record of that shape. msgpackr then writes the integers 64-127 as ``cc xx``. Definitions
are local to one value. Anything else this reader does not know (another extension, a record id
past 64) is a ``ValueError``: the value is not read, never read wrong.
"""

from __future__ import annotations

import struct

MAX_DEPTH = 64
_RECORD = 0x72


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0
        self.records: dict[int, list[str]] = {}

    def take(self, n: int) -> bytes:
        end = self.pos + n
        if n < 0 or end > len(self.data):
            raise ValueError(f"value cut short at byte {self.pos}")
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def byte(self) -> int:
        return self.take(1)[0]

    def uint(self, n: int) -> int:
        return int.from_bytes(self.take(n), "big")

    def text(self, n: int) -> str:
        start = self.pos
        try:
            return self.take(n).decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"string at byte {start} is not UTF-8") from None

    def items(self, n: int, depth: int) -> list[object]:
        if n > len(self.data) - self.pos:  # each item takes at least one byte
            raise ValueError(f"array at byte {self.pos} longer than the value")
        return [self.read(depth + 1) for _ in range(n)]

    def mapping(self, n: int, depth: int) -> dict[object, object]:
        if 2 * n > len(self.data) - self.pos:
            raise ValueError(f"map at byte {self.pos} longer than the value")
        out: dict[object, object] = {}
        for _ in range(n):
            key = self.read(depth + 1)
            if isinstance(key, (list, dict)):
                raise ValueError(f"map key before byte {self.pos} is not a scalar")
            out[key] = self.read(depth + 1)
        return out

    def record(self, rid: int, depth: int) -> dict[object, object]:
        keys = self.records[rid]
        return {key: self.read(depth + 1) for key in keys}

    def define(self, rid: int, depth: int) -> dict[object, object]:
        start = self.pos
        keys = self.read(depth + 1)
        if not (isinstance(keys, list) and all(isinstance(k, str) for k in keys)):
            raise ValueError(f"record definition at byte {start} is not a list of names")
        self.records[rid] = [str(k) for k in keys]
        return self.record(rid, depth)

    def ext(self, n: int, depth: int) -> object:
        start = self.pos
        kind = self.byte()
        if kind == _RECORD and n == 1:
            rid = self.byte()
            if 0x40 <= rid <= 0x7F:
                return self.define(rid, depth)
        raise ValueError(f"unknown extension at byte {start - 1}")

    def read(self, depth: int = 0) -> object:
        if depth > MAX_DEPTH:
            raise ValueError(f"nested deeper than {MAX_DEPTH} at byte {self.pos}")
        b = self.byte()
        if b <= 0x3F:
            return b
        if b <= 0x7F:
            return self.record(b, depth) if b in self.records else b
        if b <= 0x8F:
            return self.mapping(b & 0x0F, depth)
        if b <= 0x9F:
            return self.items(b & 0x0F, depth)
        if b <= 0xBF:
            return self.text(b & 0x1F)
        if b >= 0xE0:
            return b - 0x100
        return self.typed(b, depth)

    def typed(self, b: int, depth: int) -> object:
        """A value whose type byte is 0xc0-0xdf."""
        if b in _FIXED:
            return _FIXED[b]
        if 0xD4 <= b <= 0xD8:
            return self.ext(1 << (b - 0xD4), depth)
        if b in _NUMBERS:
            fmt = _NUMBERS[b]
            value: object = struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]
            return value
        if b not in _SIZED:
            raise ValueError(f"unknown type byte at byte {self.pos - 1}")
        kind, width = _SIZED[b]
        n = self.uint(width)
        if kind == "str":
            return self.text(n)
        if kind == "bin":
            return self.take(n)
        if kind == "array":
            return self.items(n, depth)
        if kind == "map":
            return self.mapping(n, depth)
        return self.ext(n, depth)


_FIXED: dict[int, object] = {0xC0: None, 0xC2: False, 0xC3: True}
_SIZED: dict[int, tuple[str, int]] = {
    0xC4: ("bin", 1),
    0xC5: ("bin", 2),
    0xC6: ("bin", 4),
    0xC7: ("ext", 1),
    0xC8: ("ext", 2),
    0xC9: ("ext", 4),
    0xD9: ("str", 1),
    0xDA: ("str", 2),
    0xDB: ("str", 4),
    0xDC: ("array", 2),
    0xDD: ("array", 4),
    0xDE: ("map", 2),
    0xDF: ("map", 4),
}
_NUMBERS: dict[int, str] = {
    0xCA: ">f",
    0xCB: ">d",
    0xCC: ">B",
    0xCD: ">H",
    0xCE: ">I",
    0xCF: ">Q",
    0xD0: ">b",
    0xD1: ">h",
    0xD2: ">i",
    0xD3: ">q",
}


def unpack(data: bytes) -> object:
    """The one value ``data`` holds; ``ValueError`` (with a byte offset) if it is not exactly
    one value this reader knows."""
    reader = _Reader(data)
    value = reader.read()
    if reader.pos != len(data):
        raise ValueError(f"trailing bytes after the value at byte {reader.pos}")
    return value
