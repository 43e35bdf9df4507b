"""SeekableGzip: the bytes of any read, after any seek, are the file's uncompressed bytes at that
position; damage is an error; memory is a bounded number of decompressor copies."""

from __future__ import annotations

import gzip
import io
import itertools
import random
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gouvernante.image import seekgzip
from gouvernante.image.seekgzip import SeekableGzip

# Text and noise in turns, so the compressed sizes vary as in a real archive.
_rng = random.Random(7)
PLAIN = b"".join(
    (b"module.exports = require('./lib/%d');\n" % i) * 700 + _rng.randbytes(9_000)
    for i in range(48)
)


@pytest.fixture
def small_points(monkeypatch: pytest.MonkeyPatch) -> None:
    """Copies every 16 KiB, at most 8 of them: seeks cross many copies and thinning."""
    monkeypatch.setattr(seekgzip, "FIRST_SPACING", 16 * 1024)
    monkeypatch.setattr(seekgzip, "MAX_POINTS", 8)
    monkeypatch.setattr(seekgzip, "STEP_IN", 4096)
    monkeypatch.setattr(seekgzip, "STEP_OUT", 8192)


def _reader(data: bytes) -> SeekableGzip:
    return SeekableGzip(io.BytesIO(data))


@pytest.mark.property
@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    reads=st.lists(
        st.tuples(st.integers(0, len(PLAIN) + 100), st.integers(0, 200_000)),
        min_size=1,
        max_size=12,
    ),
    members=st.integers(1, 3),
)
def test_any_seek_then_read_gives_the_plain_bytes(
    reads: list[tuple[int, int]], members: int
) -> None:
    cut = [len(PLAIN) * i // members for i in range(members + 1)]
    packed = b"".join(gzip.compress(PLAIN[a:b], 6) for a, b in itertools.pairwise(cut))
    f = _reader(packed)
    for at, size in reads:
        assert f.seek(at) == at
        got = f.read(size)
        assert got == PLAIN[at : at + size]
        assert f.tell() == at + len(got)


def test_copies_stay_bounded_and_seeks_stay_exact(small_points: None) -> None:
    f = _reader(gzip.compress(PLAIN))
    assert f.read(len(PLAIN) + 1) == PLAIN  # the whole file once: copies all along
    assert 4 <= len(f.points) <= 8
    assert f.spacing > 16 * 1024  # thinned, spacing doubled
    for at in (len(PLAIN) - 10, 0, len(PLAIN) // 2, 17, len(PLAIN) // 3 * 2, 5):
        f.seek(at)
        assert f.read(1000) == PLAIN[at : at + 1000]
    assert len(f.points) <= 8


def test_a_forward_seek_resumes_from_a_copy_instead_of_decoding_again(
    small_points: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = _reader(gzip.compress(PLAIN))
    f.read(len(PLAIN))  # listed once
    f.seek(0)
    f.read(10)
    decoded = 0
    step = SeekableGzip._step

    def counting(self: SeekableGzip) -> bool:
        nonlocal decoded
        more = step(self)
        decoded += len(self.buf)
        return more

    monkeypatch.setattr(SeekableGzip, "_step", counting)
    f.seek(len(PLAIN) - 100)
    assert f.read(100) == PLAIN[-100:]
    assert decoded <= 2 * f.spacing + 8192  # not the whole file again


def test_padding_between_and_after_members() -> None:
    packed = gzip.compress(PLAIN[:1000]) + bytes(700) + gzip.compress(PLAIN[1000:]) + bytes(99)
    f = _reader(packed)
    assert f.read(-1) == PLAIN
    f.seek(990)
    assert f.read(20) == PLAIN[990:1010]


def test_an_empty_file_reads_empty() -> None:
    assert _reader(b"").read(10) == b""


def test_a_file_cut_short_is_an_error() -> None:
    packed = gzip.compress(PLAIN)
    f = _reader(packed[: len(packed) // 2])
    with pytest.raises(EOFError):
        f.read(len(PLAIN))


def test_a_damaged_trailer_is_an_error() -> None:
    packed = bytearray(gzip.compress(PLAIN))
    packed[-6] ^= 0xFF  # the CRC-32
    f = _reader(bytes(packed))
    with pytest.raises(zlib.error):
        f.read(len(PLAIN) + 1)


def test_bytes_after_the_last_member_are_an_error() -> None:
    f = _reader(gzip.compress(PLAIN[:100]) + b"PK\x03\x04 not gzip")
    with pytest.raises(zlib.error):
        f.read(1000)


def test_seek_whence() -> None:
    f = _reader(gzip.compress(PLAIN))
    f.seek(100)
    assert f.seek(50, 1) == 150
    assert f.read(5) == PLAIN[150:155]
    with pytest.raises(OSError, match="not supported"):
        f.seek(0, 2)
    with pytest.raises(OSError, match="negative"):
        f.seek(-1)
