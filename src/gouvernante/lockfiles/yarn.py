"""``yarn.lock``: yarn classic (v1) and yarn berry (2, 3, 4), told apart by content.

Berry files have a top-level ``__metadata:`` key; classic ones start with the comment
``# yarn lockfile v1``. Both are read by hand-written parsers of the lines yarn writes, one
compiled grammar per blank-line-separated entry (a 10 MB monorepo lockfile is the hot path);
files yarn did not lay out itself are read line by line (classic) or from PyYAML's event stream
(berry). See ``_yarn_classic`` and ``_yarn_berry`` for the node ids, importers and edges.
"""

from __future__ import annotations

import re
from collections.abc import Container, Sequence

from gouvernante.lazy import lazy_pattern
from gouvernante.lockfiles._common import decode_lines, split_at_version
from gouvernante.lockfiles._yarn_classic import parse_classic
from gouvernante.lockfiles._yarn_common import heading, key_descriptors
from gouvernante.model import LockfileGraph

_CLASSIC_MARKER = "# yarn lockfile v1"
_BERRY_HEAD = lazy_pattern(rb"^__metadata:(?:\s|$)", re.MULTILINE)
_BERRY_TEXT = lazy_pattern(r"^__metadata:(?:\s|$)", re.MULTILINE)


def sniff(head: bytes) -> bool:
    """Is this the start of a yarn lockfile (classic marker or berry ``__metadata:``)?"""
    return _CLASSIC_MARKER.encode() in head or _BERRY_HEAD.search(head) is not None


def _leading_comments_mark_classic(text: str) -> bool:
    for line in text.split("\n", 64)[:64]:
        if line.startswith("#"):
            if line.strip() == _CLASSIC_MARKER:
                return True
        elif line.strip():
            return False
    return False


def parse(data: bytes, path: str) -> LockfileGraph:
    if data.isascii() and b"\r" not in data:  # decode_text would change nothing: read as bytes
        return _parse_ascii(data, path)
    text, written, lone_cr = decode_lines(data, path)
    classic_marker = _leading_comments_mark_classic(text)
    if not classic_marker and "__metadata:" in text and _BERRY_TEXT.search(text) is not None:
        from gouvernante.lockfiles._yarn_berry import parse_berry  # noqa: PLC0415 - berry only

        return parse_berry(text, path)
    # (line ends as written: yarn's own parser reads "\r\n\r\n" and a lone "\r" otherwise than
    # the "\n" they were normalised to)
    return parse_classic(
        text,
        path,
        has_marker=classic_marker,
        written=written if written is not text else None,
        lone_cr=lone_cr,
    )


# _BERRY_TEXT for ASCII bytes: ``\s`` of a str pattern (bytes patterns leave out \x1c-\x1f)
_BERRY_ASCII = re.compile(rb"^__metadata:(?:[ \t\n\r\f\v\x1c-\x1f]|$)", re.MULTILINE)


def _parse_ascii(data: bytes, path: str) -> LockfileGraph:
    """``parse`` of an ASCII file without decoding it whole: a classic file in yarn's own layout
    is read from its bytes (decision 0031); the head's lines, where the marker may be, are
    decoded alone."""
    end = 0
    for _ in range(64):  # the lines _leading_comments_mark_classic looks at
        at = data.find(b"\n", end)
        if at < 0:
            end = len(data)
            break
        end = at + 1
    classic_marker = _leading_comments_mark_classic(data[:end].decode("ascii"))
    # (the regex tries each line start: a file of newlines cost 14 ns a byte; find is a memchr)
    if not classic_marker and b"__metadata:" in data and _BERRY_ASCII.search(data) is not None:
        from gouvernante.lockfiles._yarn_berry import parse_berry  # noqa: PLC0415 - berry only

        return parse_berry(data.decode("ascii"), path)
    return parse_classic(data, path, has_marker=classic_marker)


def named_descriptors(keys: Sequence[str], names: Container[str]) -> list[tuple[str, str]]:
    """(name, descriptor) of each descriptor heading an entry (``LockfileGraph.entry_keys``)
    whose name is in ``names``: the ``name@range`` dependencies the file answers."""
    found: list[tuple[str, str]] = []
    for key in keys:
        if "," not in key:  # one descriptor (most entries): no split (``split_at_version``)
            descriptor = key.strip()
            at = descriptor.find("@", 1)
            name = descriptor if at < 0 else descriptor[:at]
            if descriptor and name in names:
                found.append((name, descriptor))
            continue
        for descriptor in key_descriptors(key):
            name = split_at_version(descriptor)[0]
            if name in names:
                found.append((name, descriptor))
    return found


def answers(name: str, range_: str, descriptors: Container[str], *, berry: bool) -> bool:
    """Does an entry's header name the dependency ``name@range_`` (berry writes ``npm:``
    implied)? yarn keeps an entry for a dependency only then, else resolves it again."""
    return heading(name, range_, descriptors, berry=berry) is not None
