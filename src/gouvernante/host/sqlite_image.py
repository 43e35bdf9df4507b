"""A SQLite database and its write-ahead log read without writing a byte.

SQLite's own reader of a WAL database creates or writes the ``-shm`` file (and checkpoints, then
deletes, the log when its last connection closes); opened with ``immutable=1`` it ignores the log,
which holds the newest rows until a checkpoint. So the two files are read as bytes and the log's
committed frames are applied to the page image in memory, as SQLite's recovery does
(https://www.sqlite.org/fileformat2.html#walformat), and the image is opened from memory
(``Connection.deserialize``), query-only.

A log frame counts when its salts are the header's and its cumulative checksum holds; the log
ends at the first frame that does not, and only frames up to the last commit frame (the one that
records the database size) are applied: a torn tail is ignored, as SQLite ignores it. A log with
a bad header, or a main file that is not a SQLite database, is an ``ImageError`` naming the byte
offset; the file's bytes are never part of a message.
"""

from __future__ import annotations

import sqlite3
import struct

HEADER_MAGIC = b"SQLite format 3\x00"
WAL_MAGIC_LE = 0x377F0682  # checksums over little-endian words
WAL_MAGIC_BE = 0x377F0683  # checksums over big-endian words
WAL_VERSION = 3007000
WAL_HEADER = 32
FRAME_HEADER = 24
# Virtual machine steps a query may take before it is interrupted (bounded time on a crafted
# b-tree); a 10 MB index of 821 packages takes well under a million.
MAX_STEPS = 200_000_000
_PROGRESS_EVERY = 10_000


class ImageError(Exception):
    """The files do not make a database read exactly: ``file`` is ``"db"`` or ``"wal"``."""

    def __init__(self, file: str, message: str) -> None:
        super().__init__(message)
        self.file = file
        self.message = message


def _page_size(raw: int) -> int | None:
    size = 65536 if raw == 1 else raw
    if size < 512 or size > 65536 or size & (size - 1):
        return None
    return size


def _checksum(data: bytes, big_endian: bool, s0: int, s1: int) -> tuple[int, int]:
    words = struct.unpack((">" if big_endian else "<") + f"{len(data) // 4}I", data)
    for i in range(0, len(words), 2):
        s0 = (s0 + words[i] + s1) & 0xFFFFFFFF
        s1 = (s1 + words[i + 1] + s0) & 0xFFFFFFFF
    return s0, s1


def main_page_size(db: bytes) -> int:
    """The page size the main file's header records; ``ImageError`` if it is no database."""
    if len(db) < 100 or not db.startswith(HEADER_MAGIC):
        raise ImageError("db", "not a SQLite database (bad header at byte 0)")
    size = _page_size(struct.unpack_from(">H", db, 16)[0])
    if size is None:
        raise ImageError("db", "not a SQLite database (bad page size at byte 16)")
    if len(db) % size:
        raise ImageError("db", f"size is not a whole number of {size}-byte pages")
    return size


def committed_frames(wal: bytes, page_size: int) -> tuple[dict[int, int], int]:
    """The log's committed pages (page number -> offset of its data in ``wal``) and the database
    size in pages the last commit records (0: no committed frame)."""
    if not wal:
        return {}, 0
    if len(wal) < WAL_HEADER:
        raise ImageError("wal", f"log header is cut short ({len(wal)} of {WAL_HEADER} bytes)")
    magic, version, wal_page, _seq, salt1, salt2, c0, c1 = struct.unpack_from(">8I", wal, 0)
    if magic not in {WAL_MAGIC_LE, WAL_MAGIC_BE}:
        raise ImageError("wal", "not a SQLite write-ahead log (bad magic at byte 0)")
    big = magic == WAL_MAGIC_BE
    if version != WAL_VERSION:
        raise ImageError("wal", "unknown write-ahead log version (byte 4)")
    if _page_size(wal_page) != page_size:
        raise ImageError("wal", "log page size (byte 8) is not the database's")
    if _checksum(wal[:24], big, 0, 0) != (c0, c1):
        raise ImageError("wal", "log header checksum does not match (byte 24)")
    pages: dict[int, int] = {}
    pending: dict[int, int] = {}
    size = 0
    s0, s1 = c0, c1
    offset = WAL_HEADER
    frame = FRAME_HEADER + page_size
    while offset + frame <= len(wal):
        number, commit, f_salt1, f_salt2, f0, f1 = struct.unpack_from(">6I", wal, offset)
        if number == 0 or (f_salt1, f_salt2) != (salt1, salt2):
            break
        s0, s1 = _checksum(wal[offset : offset + 8], big, s0, s1)
        data = offset + FRAME_HEADER
        s0, s1 = _checksum(wal[data : data + page_size], big, s0, s1)
        if (s0, s1) != (f0, f1):
            break
        pending[number] = data
        if commit:
            pages.update(pending)
            pending.clear()
            size = commit
        offset += frame
    return pages, size


def apply_log(db: bytes, wal: bytes) -> bytes:
    """The database image ``db`` with the log's committed frames applied, its header marked as
    a rollback-journal database (bytes 18 and 19 set to 1: a deserialized image with the WAL
    marks of bytes 18-19 cannot be opened, there being no log file beside it)."""
    page_size = main_page_size(db)
    mode = db[18:20]
    if mode not in {b"\x01\x01", b"\x02\x02"}:
        raise ImageError("db", "unknown file format version (bytes 18-19)")
    if mode == b"\x01\x01" and wal:
        # SQLite would not open this log (the database is not in WAL mode): not guessed at.
        raise ImageError("wal", "a write-ahead log beside a database not in WAL mode (byte 18)")
    pages, size = committed_frames(wal, page_size)
    image = bytearray(db)
    if size:
        want = size * page_size
        if len(image) > want:
            del image[want:]
        else:
            image.extend(bytes(want - len(image)))
        for number, data in pages.items():
            if number <= size:
                start = (number - 1) * page_size
                image[start : start + page_size] = wal[data : data + page_size]
    if not image.startswith(HEADER_MAGIC):
        raise ImageError("wal", "the log's page 1 is not a SQLite database header")
    image[18] = 1
    image[19] = 1
    return bytes(image)


def open_image(image: bytes) -> sqlite3.Connection:
    """A query-only in-memory connection on ``image`` whose queries stop after ``MAX_STEPS``."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.deserialize(image)
        conn.execute("PRAGMA query_only=1")
        conn.execute("PRAGMA trusted_schema=0")
    except sqlite3.Error:
        conn.close()
        raise
    budget = [MAX_STEPS // _PROGRESS_EVERY]

    def progress() -> int:
        budget[0] -= 1
        return 1 if budget[0] < 0 else 0

    conn.set_progress_handler(progress, _PROGRESS_EVERY)
    return conn
