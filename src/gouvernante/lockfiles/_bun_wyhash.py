"""The 64-bit string hash bun 1.0-1.2 store beside every package and dependency name in bun.lockb.

bun hashes names with its copy of the Wyhash of Zig 0.11 (``Wyhash11``, seed 0): 32-byte rounds,
then a tail of 0-31 bytes read in the fixed ways below. Checking each stored hash against the name
read from the string buffer tells a damaged name (a changed byte that would hide a package from
a rule) from a good one. Written here from the algorithm's description; checked against every
name hash of the fixtures bun wrote (``tests/lockfiles/fixtures/bun/bun-*-lockb``).
"""

from __future__ import annotations

import struct

_P0, _P1, _P2, _P3, _P4 = (
    0xA0761D6478BD642F,
    0xE7037ED1A0B428DB,
    0x8EBC6AF09C88C6E3,
    0x589965CC75374CC3,
    0x1D8E4E27C47D124F,
)
_MASK = (1 << 64) - 1
_ROUND = struct.Struct("<4Q")


def _mum(a: int, b: int) -> int:
    product = a * b
    return ((product >> 64) ^ product) & _MASK


def _mix0(a: int, b: int, seed: int) -> int:
    return _mum(a ^ seed ^ _P0, b ^ seed ^ _P1)


def _mix1(a: int, b: int, seed: int) -> int:
    return _mum(a ^ seed ^ _P2, b ^ seed ^ _P3)


def _le(data: bytes) -> int:
    return int.from_bytes(data, "little")


def _word(data: bytes) -> int:
    """Up to 8 bytes as one integer, the way the tail of the hash reads them."""
    size = len(data)
    if size <= 2:
        return _le(data)
    if size == 3:
        return (_le(data[:2]) << 8) | data[2]
    head = _le(data[:4])
    if size == 4:
        return head
    if size == 5:
        return (head << 8) | data[4]
    if size == 6:
        return (head << 16) | _le(data[4:6])
    if size == 7:
        return (head << 24) | (_le(data[4:6]) << 8) | data[6]
    return (head << 32) | _le(data[4:8])


def wyhash11(data: bytes) -> int:
    seed = 0
    size = len(data)
    whole = size - size % 32
    for at in range(0, whole, 32):
        a, b, c, d = _ROUND.unpack_from(data, at)
        seed = _mix0(a, b, seed) ^ _mix1(c, d, seed)
    rest = data[whole:]
    left = len(rest)
    if 0 < left <= 8:
        seed = _mix0(_word(rest), _P4, seed)
    elif 8 < left <= 16:
        seed = _mix0(_word(rest[:8]), _word(rest[8:]), seed)
    elif 16 < left <= 24:
        seed = _mix0(_word(rest[:8]), _word(rest[8:16]), seed) ^ _mix1(_word(rest[16:]), _P4, seed)
    elif left > 24:
        seed = _mix0(_word(rest[:8]), _word(rest[8:16]), seed) ^ _mix1(
            _word(rest[16:24]), _word(rest[24:]), seed
        )
    return _mum(seed ^ size, _P4)
