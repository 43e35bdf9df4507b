"""Which repositories job I of N reads (``inventory add -shard I/N``, ``inventory shard``).

A repository's shard depends on its name only: the SHA-256 of the name, fed to the jump consistent
hash of Lamping and Veach ("A Fast, Minimal Memory, Consistent Hash Algorithm", 2014). So every
job computes the same split without talking to the others, adding or removing a repository moves
no other repository, and going from N to N+1 shards moves about 1/(N+1) of them (only to the new
shard), which keeps per-shard caches warm. Decision record: docs/decisions/0021-ci-fan-out.md.

The name is the repository's path below the folder given to ``-git`` (``team-a/api.git``) or the
line of a repository list (``team-a/api``), without a trailing ``.git``: a list line ``OWNER/NAME``
mirrored to ``DIR/OWNER/NAME.git`` and read with ``-git DIR -recursive`` lands in the same shard.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass

from gouvernante.errors import InputError, UsageError
from gouvernante.fs.decode import utf8_problem
from gouvernante.fs.read import read_regular_file

MAX_SHARDS = 10_000
MAX_LIST_BYTES = 64 * 1024 * 1024
_SPEC = re.compile(r"([1-9][0-9]*)/([1-9][0-9]*)")
# One path segment of a forge's repository path (GitHub, GitLab groups): no leading '-' (it
# would read as an option), no '.' or '..' segment, nothing a shell or a URL would interpret.
_SEGMENT = r"[A-Za-z0-9_][A-Za-z0-9_.-]*|\.[A-Za-z0-9_-][A-Za-z0-9_.-]*"
_NAME = re.compile(rf"(?:{_SEGMENT})(?:/(?:{_SEGMENT}))*")
_MULTIPLIER = 2862933555777941757
_MASK = (1 << 64) - 1


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based, as CI matrices count
    total: int

    def holds(self, name: str) -> bool:
        return shard_of(name, self.total) == self.index

    def __str__(self) -> str:
        return f"{self.index}/{self.total}"


def parse_shard(spec: str) -> Shard:
    """``I/N`` with 1 <= I <= N <= MAX_SHARDS."""
    m = _SPEC.fullmatch(spec.strip())
    if m is None:
        raise UsageError(f"-shard: expected I/N (e.g. 2/8), not {spec!r}")
    index, total = int(m.group(1)), int(m.group(2))
    if total > MAX_SHARDS or index > total:
        raise UsageError(f"-shard {index}/{total}: need 1 <= I <= N <= {MAX_SHARDS}")
    return Shard(index, total)


def normalise(name: str) -> str:
    """The shard key of a repository name: no trailing '/' nor '.git'."""
    name = name.rstrip("/")
    name = name.removesuffix("/.git")
    return name.removesuffix(".git")


def repository_name(root: str, display: str) -> str:
    """The shard key of a repository found under ``root`` (as ``-git ROOT`` reported it)."""
    base = root.rstrip("/")
    if display in (root, base):  # ROOT is the repository itself
        rel = os.path.basename(os.path.abspath(root))
    elif display.startswith(base + "/"):
        rel = display[len(base) + 1 :]
    else:
        rel = display
    return normalise(rel)


def _jump(key: int, buckets: int) -> int:
    """Lamping and Veach's jump consistent hash: a bucket in [0, buckets)."""
    b, j = -1, 0
    while j < buckets:
        b = j
        key = (key * _MULTIPLIER + 1) & _MASK
        j = int((b + 1) * ((1 << 31) / ((key >> 33) + 1)))
    return b


def shard_of(name: str, total: int) -> int:
    """The 1-based shard of repository ``name`` among ``total``."""
    digest = hashlib.sha256(normalise(name).encode("utf-8", "surrogateescape")).digest()
    return _jump(int.from_bytes(digest[:8], "big"), total) + 1


def read_list(path: str) -> list[str]:
    """A repository list: one ``OWNER/NAME`` (any depth of groups) a line; blank lines and
    ``#`` comments skipped; duplicates kept once. A line that is not such a name is refused by
    its line number (never echoed): the names end up in clone commands."""
    data = read_regular_file(path, MAX_LIST_BYTES, path)
    problem = utf8_problem(data)
    if problem is not None:
        raise InputError(path, problem.message())
    names: dict[str, None] = {}
    for number, raw in enumerate(data.decode("utf-8").split("\n"), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if _NAME.fullmatch(line) is None or len(line) > 1024:
            raise InputError(
                path,
                f"line {number}: not a repository name (OWNER/NAME: letters, digits, '_', '-',"
                " '.', groups separated by '/')",
            )
        names.setdefault(line, None)
    return list(names)
