"""Semantic versions as node-semver parses them with ``loose: false``."""

from __future__ import annotations

from functools import lru_cache

from gouvernante.errors import SemverError
from gouvernante.semver import _patterns as p
from gouvernante.semver._patterns import MAX_LENGTH, MAX_SAFE_INTEGER, js_trim

# One prerelease identifier's sort key: numbers sort before words, numbers by value, words by
# code unit. node-semver keeps a numeric identifier >= MAX_SAFE_INTEGER as a string and compares it
# as a JavaScript number (a double), so such identifiers get a float key.
_IdKey = tuple[int, int | float | str]
_Key = tuple[int, int, int, int, tuple[_IdKey, ...]]


def _id_key(ident: int | str) -> _IdKey:
    if isinstance(ident, int):
        return (0, ident)
    if p.NUMERIC.match(ident):
        return (0, float(ident))
    return (1, ident)


class _Frozen:
    """Written-out frozen value classes (no ``dataclasses`` at start-up, decision 0024): fields
    are set once in ``__init__`` through ``object.__setattr__``."""

    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}")


class Version(_Frozen):
    """A version; equality, hashing and ordering follow semver 2 precedence (build ignored).

    ``str(v)`` is node-semver's canonical ``version`` string (no ``v``, no build metadata).
    """

    __slots__ = ("_key", "_release", "build", "major", "minor", "patch", "prerelease")
    __match_args__ = ("major", "minor", "patch", "prerelease", "build")

    major: int
    minor: int
    patch: int
    prerelease: tuple[int | str, ...]
    build: tuple[str, ...]
    _key: _Key
    _release: tuple[int, int, int]

    def __init__(
        self,
        major: int,
        minor: int,
        patch: int,
        prerelease: tuple[int | str, ...] = (),
        build: tuple[str, ...] = (),
    ) -> None:
        init = object.__setattr__
        init(self, "major", major)
        init(self, "minor", minor)
        init(self, "patch", patch)
        init(self, "prerelease", prerelease)
        init(self, "build", build)
        release = (major, minor, patch)
        init(self, "_release", release)
        if prerelease:
            init(self, "_key", (*release, 0, tuple(_id_key(i) for i in prerelease)))
        else:
            init(self, "_key", (*release, 1, ()))

    def __repr__(self) -> str:
        return (
            f"Version(major={self.major!r}, minor={self.minor!r}, patch={self.patch!r},"
            f" prerelease={self.prerelease!r}, build={self.build!r})"
        )

    def __reduce__(self) -> tuple[type[Version], tuple[object, ...]]:
        return (Version, (self.major, self.minor, self.patch, self.prerelease, self.build))

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += "-" + ".".join(str(i) for i in self.prerelease)
        return text

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __lt__(self, other: Version) -> bool:
        return self._key < other._key

    def __le__(self, other: Version) -> bool:
        return self._key <= other._key

    def __gt__(self, other: Version) -> bool:
        return self._key > other._key

    def __ge__(self, other: Version) -> bool:
        return self._key >= other._key

    @property
    def is_prerelease(self) -> bool:
        return bool(self.prerelease)


def _short(text: str) -> str:
    return text if len(text) <= 200 else text[:200] + "..."


def _component(digits: str, text: str) -> int:
    value = int(digits)
    if value > MAX_SAFE_INTEGER:
        raise SemverError(f'invalid version "{_short(text)}": component too large')
    return value


def _prerelease_id(ident: str) -> int | str:
    if p.NUMERIC.match(ident):
        value = int(ident)
        if value < MAX_SAFE_INTEGER:
            return value
    return ident


def plain_release(text: str) -> tuple[int, int, int] | None:
    """``major.minor.patch`` of a version written as three plain numbers and nothing else (no
    leading zero, at most 15 digits each: below ``MAX_SAFE_INTEGER``), which the ``FULL`` pattern
    reads the same way; None for anything else (it is then read by the pattern). Most versions
    and rule bounds are of this shape: no pattern is compiled for them (decision 0024)."""
    parts = text.split(".")
    if len(parts) != 3 or not text.isascii():
        return None
    for part in parts:
        if not part.isdigit() or len(part) > 15 or (part[0] == "0" and len(part) > 1):
            return None
    return int(parts[0]), int(parts[1]), int(parts[2])


def parse_version(text: str, *, loose: bool = False) -> Version:
    """Parse like ``semver.parse(text, {loose})``; raise ``SemverError`` when invalid.

    Surrounding whitespace and one leading ``v`` are accepted; ``=1.2.3`` is not (node-semver's
    strict grammar rejects it, although ranges accept it). ``loose`` also takes any run of
    ``v``, ``=`` and whitespace first, leading zeros and a prerelease without its hyphen
    (``=v01.2.3beta`` is 1.2.3-beta), as npm reads a package.json.
    """
    if not isinstance(text, str):
        raise SemverError(f"invalid version {type(text).__name__}: not a string")
    if len(text) > MAX_LENGTH:
        raise SemverError(f'invalid version "{_short(text)}": longer than {MAX_LENGTH} characters')
    plain = plain_release(text)
    if plain is not None:
        return Version(*plain, (), ())
    match = (p.LOOSE if loose else p.FULL).match(js_trim(text))
    if match is None:
        raise SemverError(f'invalid version "{_short(text)}"')
    pre = match.group(4)
    build = match.group(5)
    return Version(
        _component(match.group(1), text),
        _component(match.group(2), text),
        _component(match.group(3), text),
        tuple(_prerelease_id(i) for i in pre.split(".")) if pre else (),
        tuple(build.split(".")) if build else (),
    )


@lru_cache(maxsize=1 << 16)
def _cached_parse(text: str) -> Version | None:
    try:
        return parse_version(text)
    except SemverError:
        return None


def try_parse_version(text: str) -> Version | None:
    """``parse_version`` that returns ``None`` instead of raising; cached (hot path)."""
    if not isinstance(text, str):
        return None
    return _cached_parse(text)
