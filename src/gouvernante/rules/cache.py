"""Opt-in cache of validated rule files (decision 0018).

A rule file the strict loader accepted without an error is stored as its typed rules (msgpack of
the rule model's Structs) under ``<cache dir>/rules/<key>.msgpack``. The key is a SHA-256 over the
tool version, the cache format, the path the rules are reported under and the file's content
hash; the entry repeats the content hash, which is compared before use. Loading a 100,000-package
rule set then costs one typed decode instead of the strict validation.

Nothing is written unless ``GOUVERNANTE_RULE_CACHE`` asks for it (a scan writes nothing outside
its requested outputs): ``1`` (or ``on``) means ``$XDG_CACHE_HOME/gouvernante`` (else
``~/.cache/gouvernante``), any other value that is an absolute path names the folder. A file with
an error is never cached (its errors are worded by the strict loader every time). Any problem
reading an entry (missing, truncated, foreign, other version, decode error) is a miss; a problem
writing one is ignored.
"""

from __future__ import annotations

import hashlib
import os

import msgspec

from gouvernante import __version__
from gouvernante.rules.model import Rule

ENV = "GOUVERNANTE_RULE_CACHE"
FORMAT = 2  # 2: rules as arrays (rules.model), their indexes apart


class _Entry(msgspec.Struct, array_like=True):
    content_sha256: str
    indexes: list[int]  # of each rule in the file's ``rules`` array
    rules: list[Rule]


_DECODER = msgspec.msgpack.Decoder(_Entry)
_ENCODER = msgspec.msgpack.Encoder()


def cache_dir(env: dict[str, str] | None = None) -> str | None:
    """The cache folder asked for, or None when caching is off."""
    environ = os.environ if env is None else env
    value = environ.get(ENV, "").strip()
    if value.lower() in ("1", "on", "yes", "true"):
        base = environ.get("XDG_CACHE_HOME", "")
        if not os.path.isabs(base):
            home = os.path.expanduser("~")
            if not os.path.isabs(home):
                return None
            base = os.path.join(home, ".cache")
        return os.path.join(base, "gouvernante")
    if os.path.isabs(value):
        return value
    return None


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _entry_path(directory: str, display: str, digest: str) -> str:
    key = hashlib.sha256(
        f"{__version__}\0{FORMAT}\0{display}\0{digest}".encode("utf-8", "surrogateescape")
    ).hexdigest()
    return os.path.join(directory, "rules", key + ".msgpack")


def load(directory: str, display: str, digest: str) -> list[tuple[int, Rule]] | None:
    """The cached rules of the file ``display`` whose content hash is ``digest``; None on a miss."""
    path = _entry_path(directory, display, digest)
    try:
        with open(path, "rb") as fh:
            entry = _DECODER.decode(fh.read())
    except (OSError, msgspec.DecodeError, ValueError, TypeError, RecursionError):
        return None
    if entry.content_sha256 != digest or len(entry.indexes) != len(entry.rules):
        return None
    for rule in entry.rules:
        if rule.source != display:
            return None
    return list(zip(entry.indexes, entry.rules, strict=True))


def store(directory: str, display: str, digest: str, rules: list[tuple[int, Rule]]) -> None:
    """Write one entry (whole, through a temporary file in the same folder); errors ignored."""
    path = _entry_path(directory, display, digest)
    folder = os.path.dirname(path)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        data = _ENCODER.encode(_Entry(digest, [i for i, _ in rules], [r for _, r in rules]))
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        finally:
            if os.path.lexists(tmp):
                os.unlink(tmp)
    except (OSError, TypeError, ValueError):
        return
