"""A gzip file read as a seekable stream of its uncompressed bytes, without re-reading it from
the start on every backward seek.

``tarfile`` reads a ``.tar.gz`` through ``gzip.GzipFile``, whose backward seek decompresses the
file again from its first byte. An image scan reads the members of ``docker save img | gzip``
out of archive order (blobs are sorted by digest, layers are read in layer order), so each
layer cost a decompression of everything before it: 20 layers of 300 MB took 10 s of CPU
instead of 0.6 s (decision 0032).

Here the decompressor's state is copied every ``spacing`` uncompressed bytes as the file is read
forward (``zlib``'s ``Decompress.copy``: about 40 KB each), and a backward seek resumes from the
nearest copy before the target. At most ``MAX_POINTS`` copies are kept: past that, every other
one is dropped and the spacing doubles, so memory stays bounded whatever the file's size, and
a seek costs at most one spacing of decompression. Nothing is written anywhere.

The gzip format is zlib's own (``wbits=31``): headers, the CRC-32 and length of each member are
checked by zlib; members may follow one another, zero bytes between or after them are padding
(as ``gzip`` reads them); a file cut short is an ``EOFError``, damage a ``zlib.error``.
"""

from __future__ import annotations

import bisect
import zlib
from dataclasses import dataclass
from typing import BinaryIO

MAX_POINTS = 256  # decompressor copies kept, ~40 KB each (with at most STEP_IN of input)
FIRST_SPACING = 1024 * 1024  # uncompressed bytes between two copies, doubled past MAX_POINTS
STEP_IN = 64 * 1024  # compressed bytes fed at once
STEP_OUT = 1024 * 1024  # uncompressed bytes produced at once (bounds memory on a bomb)
_GZIP = 31  # zlib's wbits for a gzip header and trailer


@dataclass(frozen=True, slots=True)
class _Point:
    out: int  # uncompressed offset the state resumes at
    raw: int  # offset in the compressed file of the next byte to read
    state: zlib._Decompress  # never used itself: copied on each resume
    tail: bytes  # input read but not yet consumed by the state
    started: bool  # the member's first byte has been fed


def _out(point: _Point) -> int:
    return point.out


class SeekableGzip:
    """``read``, ``seek`` and ``tell`` over the uncompressed bytes of the gzip file ``raw``
    (seekable, opened in binary mode; not closed here)."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.pos = 0  # what tell() says
        self.spacing = FIRST_SPACING
        self.points = [_Point(0, raw.tell(), zlib.decompressobj(_GZIP), b"", False)]
        self._resume(self.points[0])

    # --- the decoder: self.buf holds the uncompressed bytes [self.out, self.out + len(buf))

    def _resume(self, point: _Point) -> None:
        self.state = point.state.copy()
        self.tail = point.tail
        self.started = point.started
        self.out = point.out
        self.raw_pos = point.raw
        self.raw.seek(point.raw)
        self.buf = b""
        self.done = False

    def _keep_point(self) -> None:
        """A copy of the decoder's state here (between two steps: nothing buffered)."""
        point = _Point(self.out, self.raw_pos, self.state.copy(), self.tail, self.started)
        self.points.append(point)
        if len(self.points) > MAX_POINTS:
            self.points = self.points[::2]
            self.spacing *= 2

    def _step(self) -> bool:
        """Move the buffer past what it holds and decode the next piece; False at the end."""
        self.out += len(self.buf)
        self.buf = b""
        while not self.buf:
            if self.done:
                return False
            if self.out >= self.points[-1].out + self.spacing:
                self._keep_point()
            if not self.tail and not self._feed():
                return False
            self.buf = self.state.decompress(self.tail, STEP_OUT)
            self.tail = self.state.unconsumed_tail
            if self.state.eof:
                self._next_member(self.state.unused_data)
        return True

    def _feed(self) -> bool:
        """Read the next compressed bytes into ``tail``; False (and done) at a clean end."""
        while True:
            chunk = self.raw.read(STEP_IN)
            self.raw_pos += len(chunk)
            if not chunk:
                if self.started:
                    raise EOFError("the compressed file ended before the end of a gzip member")
                self.done = True
                return False
            if not self.started:
                chunk = chunk.lstrip(b"\0")  # padding between or after members
                if not chunk:
                    continue
                self.started = True
            self.tail = chunk
            return True

    def _next_member(self, rest: bytes) -> None:
        """After a member's trailer: what follows is padding, another member, or the end."""
        self.state = zlib.decompressobj(_GZIP)
        self.tail = rest.lstrip(b"\0")
        self.started = bool(self.tail)

    # --- the file interface tarfile uses

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence == 1:
            offset += self.pos
        elif whence != 0:
            raise OSError("seek from the end of a gzip stream is not supported")
        if offset < 0:
            raise OSError("negative seek position")
        self.pos = offset
        return self.pos

    def read(self, size: int = -1) -> bytes:
        if self.pos < self.out or self.pos >= self.out + len(self.buf) + self.spacing:
            # Back, or forward past a copy: resume from the last copy at or before the
            # position (forward, what lies between was decoded once already: not again).
            point = self.points[bisect.bisect_right(self.points, self.pos, key=_out) - 1]
            if self.pos < self.out or point.out > self.out:
                self._resume(point)
        pieces: list[bytes] = []
        want = size if size is not None and size >= 0 else -1
        while want != 0:
            start = self.pos - self.out
            if start >= len(self.buf):
                if not self._step():
                    break
                continue
            piece = self.buf[start : start + want] if want > 0 else self.buf[start:]
            pieces.append(piece)
            self.pos += len(piece)
            if want > 0:
                want -= len(piece)
        return b"".join(pieces)

    def close(self) -> None:
        """Nothing of its own to close: ``raw`` belongs to the caller."""
