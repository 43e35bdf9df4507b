"""npm ranges with node-semver's exact semantics (``new Range(text, {loose})``).

A range is desugared exactly like node-semver does it (build metadata stripped, hyphen ranges,
operator whitespace, ``~``/``^``/x-ranges/``*`` rewritten into plain comparators), once for each
value of ``includePrerelease`` because that option changes the desugaring (``-0`` lower bounds).
The result is compiled into tuples of ``(operator function, version key)`` so that ``Range.test``
is a handful of tuple comparisons.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from functools import lru_cache

from gouvernante.errors import SemverError
from gouvernante.semver import _patterns as p
from gouvernante.semver._trim import trim_comparator_whitespace
from gouvernante.semver._version import (
    Version,
    _Frozen,
    _Key,
    parse_version,
    plain_release,
    try_parse_version,
)

_NULL_SET = "<0.0.0-0"
# node-semver has no limit on a range's length. Real ranges are far shorter; a hostile package.json
# could hold megabytes in one range, and desugaring costs tens of microseconds per comparator, so
# longer text is rejected (a deliberate, documented difference from node).
MAX_RANGE_LENGTH = 8192


class _Invalid(Exception):
    """Internal: the range does not parse (node-semver throws a TypeError)."""


class Comparator(_Frozen):
    """One desugared comparator: ``operator`` is ``""`` (equal), ``<``, ``<=``, ``>`` or ``>=``;
    ``version`` is ``None`` for the comparator that matches anything (node's ``ANY``)."""

    __slots__ = ("operator", "value", "version")
    __match_args__ = ("operator", "version", "value")

    operator: str
    version: Version | None
    value: str  # node-semver's ``comparator.value``: operator + canonical version, "" for ANY

    def __init__(self, operator: str, version: Version | None, value: str) -> None:
        object.__setattr__(self, "operator", operator)
        object.__setattr__(self, "version", version)
        object.__setattr__(self, "value", value)

    def _fields(self) -> tuple[str, Version | None, str]:
        return (self.operator, self.version, self.value)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Comparator)
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (
            f"Comparator(operator={self.operator!r}, version={self.version!r},"
            f" value={self.value!r})"
        )

    def __reduce__(self) -> tuple[type[Comparator], tuple[str, Version | None, str]]:
        return (Comparator, self._fields())


_OPS: dict[str, Callable[[_Key, _Key], bool]] = {
    "": operator.eq,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _inc(digits: str) -> str:
    """JavaScript's ``${+digits + 1}``: from 1e21 on, an exponent (``1e+21``) that no version
    pattern matches (a loose range then drops that comparator; a strict one is invalid)."""
    value = int(digits) + 1
    return str(value) if float(value) < 1e21 else "1e+21"


def _is_x(ident: str | None) -> bool:
    return not ident or ident.lower() == "x" or ident == "*"


@lru_cache(maxsize=4096)
def _comparator(text: str, loose: bool) -> Comparator:
    text = " ".join(p.js_split_ws(p.js_trim(text)))
    match = (p.COMPARATOR_LOOSE if loose else p.COMPARATOR).match(text)
    if match is None:
        raise _Invalid(text)
    op = match.group(1) or ""
    if op == "=":
        op = ""
    version_text = match.group(2)
    if not version_text:
        return Comparator("", None, "")
    try:
        version = parse_version(version_text, loose=loose)
    except SemverError as exc:
        raise _Invalid(text) from exc
    return Comparator(op, version, op + str(version))


def _hyphen(match: re.Match[str], inc_pr: bool) -> str:
    (frm, f_major, f_minor, f_patch, f_pre, _fb, to, t_major, t_minor, t_patch, t_pre, _tb) = (
        match.groups()
    )
    zero = "-0" if inc_pr else ""
    if _is_x(f_major):
        frm = ""
    elif _is_x(f_minor):
        frm = f">={f_major}.0.0{zero}"
    elif _is_x(f_patch):
        frm = f">={f_major}.{f_minor}.0{zero}"
    elif f_pre:
        frm = f">={frm}"
    else:
        frm = f">={frm}{zero}"

    if _is_x(t_major):
        to = ""
    elif _is_x(t_minor):
        to = f"<{_inc(t_major)}.0.0-0"
    elif _is_x(t_patch):
        to = f"<{t_major}.{_inc(t_minor)}.0-0"
    elif t_pre:
        to = f"<={t_major}.{t_minor}.{t_patch}-{t_pre}"
    elif inc_pr:
        to = f"<{t_major}.{t_minor}.{_inc(t_patch)}-0"
    else:
        to = f"<={to}"
    return p.js_trim(f"{frm} {to}")


def _replace_caret(comp: str, inc_pr: bool, loose: bool) -> str:
    match = (p.CARET_LOOSE if loose else p.CARET).match(comp)
    if match is None:
        return comp
    major, minor, patch, pre = match.group(1, 2, 3, 4)
    zero = "-0" if inc_pr else ""
    if _is_x(major):
        return ""
    if _is_x(minor):
        return f">={major}.0.0{zero} <{_inc(major)}.0.0-0"
    if _is_x(patch):
        if major == "0":
            return f">={major}.{minor}.0{zero} <{major}.{_inc(minor)}.0-0"
        return f">={major}.{minor}.0{zero} <{_inc(major)}.0.0-0"
    low = f">={major}.{minor}.{patch}-{pre}" if pre else f">={major}.{minor}.{patch}"
    if major == "0":
        if minor == "0":
            return f"{low} <{major}.{minor}.{_inc(patch)}-0"
        return f"{low} <{major}.{_inc(minor)}.0-0"
    return f"{low} <{_inc(major)}.0.0-0"


def _replace_tilde(comp: str, inc_pr: bool, loose: bool) -> str:
    match = (p.TILDE_LOOSE if loose else p.TILDE).match(comp)
    if match is None:
        return comp
    major, minor, patch, pre = match.group(1, 2, 3, 4)
    zero = "-0" if inc_pr else ""
    if _is_x(major):
        return ""
    if _is_x(minor):
        return f">={major}.0.0{zero} <{_inc(major)}.0.0-0"
    if _is_x(patch):
        return f">={major}.{minor}.0{zero} <{major}.{_inc(minor)}.0-0"
    low = f">={major}.{minor}.{patch}-{pre}" if pre else f">={major}.{minor}.{patch}"
    return f"{low} <{major}.{_inc(minor)}.0-0"


def _replace_xrange(comp: str, inc_pr: bool, loose: bool) -> str:
    comp = p.js_trim(comp)
    match = (p.XRANGE_LOOSE if loose else p.XRANGE).match(comp)
    if match is None:
        return comp
    gtlt: str = match.group(1)
    major, minor, patch = match.group(2, 3, 4)
    if (_is_x(major) and not _is_x(minor)) or (_is_x(minor) and patch and not _is_x(patch)):
        return comp
    x_major = _is_x(major)
    x_minor = x_major or _is_x(minor)
    any_x = x_minor or _is_x(patch)
    if gtlt == "=" and any_x:
        gtlt = ""
    pre = "-0" if inc_pr else ""
    if x_major:
        return _NULL_SET if gtlt in (">", "<") else "*"
    if gtlt and any_x:
        out_major, out_minor, out_patch = major, "0" if x_minor else minor, "0"
        if gtlt == ">":
            gtlt = ">="
            if x_minor:
                out_major, out_minor = _inc(major), "0"
            else:
                out_minor = _inc(minor)
        elif gtlt == "<=":
            gtlt = "<"
            if x_minor:
                out_major = _inc(major)
            else:
                out_minor = _inc(minor)
        if gtlt == "<":
            pre = "-0"
        return f"{gtlt}{out_major}.{out_minor}.{out_patch}{pre}"
    if x_minor:
        return f">={major}.0.0{pre} <{_inc(major)}.0.0-0"
    if any_x:
        return f">={major}.{minor}.0{pre} <{major}.{_inc(minor)}.0-0"
    return comp


@lru_cache(maxsize=4096)
def _parse_comparator(comp: str, inc_pr: bool, loose: bool) -> str:
    comp = p.BUILD.sub("", comp, count=1)
    comp = " ".join(_replace_caret(c, inc_pr, loose) for c in p.js_split_ws(p.js_trim(comp)))
    comp = " ".join(_replace_tilde(c, inc_pr, loose) for c in p.js_split_ws(p.js_trim(comp)))
    comp = " ".join(_replace_xrange(c, inc_pr, loose) for c in p.js_split_ws(comp))
    return p.STAR.sub("", p.js_trim(comp), count=1)


def _parse_part(part: str, inc_pr: bool, loose: bool) -> list[Comparator]:
    """node-semver ``Range.parseRange``: one ``||`` alternative -> its comparators (loose: the
    texts that are no comparator are dropped, as node drops them)."""
    part = p.BUILD_UNBOUNDED.sub("", part)
    hyphen = (p.HYPHEN_LOOSE if loose else p.HYPHEN).match(part)
    if hyphen is not None:
        part = _hyphen(hyphen, inc_pr)
    part = trim_comparator_whitespace(part)
    part = p.TILDE_TRIM.sub(r"\1~", part)
    part = p.CARET_TRIM.sub(r"\1^", part)
    joined = " ".join(_parse_comparator(c, inc_pr, loose) for c in part.split(" "))
    gte0 = p.GTE0_PRE if inc_pr else p.GTE0
    texts = []
    for text in p.js_split_ws(joined):
        trimmed = p.js_trim(text)
        texts.append("" if gte0.match(trimmed) else trimmed)
    if loose:
        texts = [t for t in texts if p.COMPARATOR_LOOSE.match(t)]
    comparators = [_comparator(t, loose) for t in texts]
    by_value: dict[str, Comparator] = {}
    for comp in comparators:
        if comp.value == _NULL_SET:
            return [comp]
        by_value[comp.value] = comp
    if len(by_value) > 1:
        by_value.pop("", None)
    return list(by_value.values())


_PLAIN_OPERATORS = (">=", "<=", ">", "<", "=", "")


def _plain_sets(text: str, inc_pr: bool) -> tuple[tuple[Comparator, ...], ...] | None:
    """``_desugar`` of a range written only as plain comparators (``>=1.2.3 <1.3.0``,
    ``=1.2.3 || 2.0.0``: an operator or none, three plain numbers; one space between two
    comparators, `` || `` between two sets), which every rewriting of node-semver leaves as
    they are but ``>=0.0.0`` (any version, without ``includePrerelease``); None for any other
    text (``_desugar`` then reads it in full). No pattern is compiled for these: most rule
    ranges are of this shape (a property test compares the two readings)."""
    sets: list[tuple[Comparator, ...]] = []
    for part in text.split(" || "):
        by_value: dict[str, Comparator] = {}
        for token in part.split(" "):
            operator = next(o for o in _PLAIN_OPERATORS if token.startswith(o))
            release = plain_release(token[len(operator) :])
            if release is None:
                return None
            if operator == "=":
                operator = ""
            if operator == ">=" and release == (0, 0, 0) and not inc_pr:
                by_value[""] = Comparator("", None, "")
                continue
            version = Version(*release, (), ())
            value = operator + str(version)
            by_value[value] = Comparator(operator, version, value)
        if len(by_value) > 1:
            by_value.pop("", None)
        sets.append(tuple(by_value.values()))
    if len(sets) > 1:
        for comps in sets:
            if len(comps) == 1 and comps[0].value == "":
                return (comps,)
    return tuple(sets)


def _desugar(text: str, inc_pr: bool, loose: bool = False) -> tuple[tuple[Comparator, ...], ...]:
    """node-semver ``new Range(text, {includePrerelease, loose})``.set; raises ``_Invalid``."""
    plain = _plain_sets(text, inc_pr)
    if plain is not None:
        return plain
    return _desugar_in_full(text, inc_pr, loose)


def _desugar_in_full(
    text: str, inc_pr: bool, loose: bool = False
) -> tuple[tuple[Comparator, ...], ...]:
    """``_desugar`` for any text, node-semver's steps one by one."""
    if len(text) > MAX_RANGE_LENGTH:
        raise _Invalid(text)
    raw = p.WHITESPACE_RUN.sub(" ", p.js_trim(text))
    sets = [s for s in (_parse_part(p.js_trim(a), inc_pr, loose) for a in raw.split("||")) if s]
    if not sets:
        raise _Invalid(text)
    if len(sets) > 1:
        first = sets[0]
        sets = [s for s in sets if s[0].value != _NULL_SET]
        if not sets:
            sets = [first]
        elif len(sets) > 1:
            for s in sets:
                if len(s) == 1 and s[0].value == "":
                    sets = [s]
                    break
    return tuple(tuple(s) for s in sets)


# One compiled comparator set: the checks every version must pass, and the (major, minor, patch)
# triples whose prereleases the set admits without include_prerelease.
_Check = tuple[Callable[[_Key, _Key], bool], _Key]
_CompiledSet = tuple[tuple[_Check, ...], frozenset[tuple[int, int, int]]]


def _compile(sets: tuple[tuple[Comparator, ...], ...]) -> tuple[_CompiledSet, ...]:
    compiled: list[_CompiledSet] = []
    for comps in sets:
        checks = tuple((_OPS[c.operator], c.version._key) for c in comps if c.version is not None)
        triples = frozenset(
            c.version._release for c in comps if c.version is not None and c.version.prerelease
        )
        compiled.append((checks, triples))
    return tuple(compiled)


def _format(sets: tuple[tuple[Comparator, ...], ...]) -> str:
    return "||".join(" ".join(c.value for c in comps) for comps in sets)


def _short(text: str) -> str:
    return text if len(text) <= 200 else text[:200] + "..."


class Range(_Frozen):
    """An npm range; ``raw`` is the text as written, read in node-semver's ``loose`` mode or
    not. Invalid text raises ``SemverError``. Equality, hashing and ``repr`` use ``raw`` and
    ``loose`` only."""

    __slots__ = ("_plain", "_pre", "_sets_pre", "loose", "raw", "sets")
    __match_args__ = ("raw",)

    raw: str
    loose: bool
    sets: tuple[tuple[Comparator, ...], ...]
    _sets_pre: tuple[tuple[Comparator, ...], ...] | None
    _plain: tuple[_CompiledSet, ...]
    _pre: tuple[_CompiledSet, ...]

    def __init__(self, raw: str, loose: bool = False) -> None:
        if not isinstance(raw, str):
            raise SemverError(f"invalid range {type(raw).__name__}: not a string")
        sets, sets_pre = _desugar_both(raw, loose)
        init = object.__setattr__
        init(self, "raw", raw)
        init(self, "loose", loose)
        init(self, "sets", sets)
        init(self, "_sets_pre", sets_pre)
        init(self, "_plain", _compile(sets))
        init(self, "_pre", _compile(sets_pre) if sets_pre is not None else ())

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Range)
        return self.raw == other.raw and self.loose == other.loose

    def __hash__(self) -> int:
        return hash((self.raw, self.loose))

    def __repr__(self) -> str:
        loose = ", loose=True" if self.loose else ""
        return f"Range(raw={self.raw!r}{loose})"

    def __reduce__(self) -> tuple[type[Range], tuple[str, bool]]:
        return (Range, (self.raw, self.loose))

    def test(self, version: Version, *, include_prerelease: bool = False) -> bool:
        """node-semver ``range.test(version)`` with the given ``includePrerelease`` option."""
        key = version._key
        if include_prerelease:
            for checks, _ in self._pre:
                for check, bound in checks:
                    if not check(key, bound):
                        break
                else:
                    return True
            return False
        for checks, triples in self._plain:
            for check, bound in checks:
                if not check(key, bound):
                    break
            else:
                if not version.prerelease or version._release in triples:
                    return True
        return False

    @property
    def normalized(self) -> str:
        """node-semver ``validRange(raw)``: the desugared comparators (``*`` for any)."""
        return _format(self.sets) or "*"

    def normalized_with_prerelease(self) -> str | None:
        """``validRange(raw, {includePrerelease: true})``; ``None`` when that is invalid."""
        if self._sets_pre is None:
            return None
        return _format(self._sets_pre) or "*"

    def __str__(self) -> str:
        return self.raw


@lru_cache(maxsize=4096)
def _desugar_both(
    text: str, loose: bool
) -> tuple[tuple[tuple[Comparator, ...], ...], tuple[tuple[Comparator, ...], ...] | None]:
    if len(text) > MAX_RANGE_LENGTH:
        raise SemverError(
            f'invalid range "{_short(text)}": longer than {MAX_RANGE_LENGTH} characters'
        )
    try:
        sets = _desugar(text, False, loose)
    except (_Invalid, ValueError) as exc:
        raise SemverError(f'invalid range "{_short(text)}"') from exc
    try:
        sets_pre: tuple[tuple[Comparator, ...], ...] | None = _desugar(text, True, loose)
    except (_Invalid, ValueError):
        # Valid by default but not with includePrerelease (e.g. a bound of 2**53 - 1): node then
        # fails to build the range, and satisfies(..., {includePrerelease: true}) is false.
        sets_pre = None
    return sets, sets_pre


def parse_range(text: str, *, loose: bool = False) -> Range:
    """node-semver ``new Range(text, {loose})``; raises ``SemverError('invalid range "..."')``.
    Rules are strict; a package.json's ranges are read ``loose``, as npm (npm-package-arg,
    npm-pick-manifest) and pnpm read them: ``>=1.2.03``, ``^1.2.3 foo`` (a text that is no
    comparator is dropped) and ``1.2.3 || foo`` are ranges there."""
    return _parse_range_cached(text, loose) if isinstance(text, str) else Range(text, loose)


@lru_cache(maxsize=1 << 16)
def _parse_range_cached(text: str, loose: bool) -> Range:
    return Range(text, loose)


def _single_test(comp: Comparator, version: Version) -> bool:
    """``new Range(comp.value).test(version)`` with default options."""
    if comp.version is None:
        return not version.prerelease
    if not _OPS[comp.operator](version._key, comp.version._key):
        return False
    return not version.prerelease or (
        bool(comp.version.prerelease) and comp.version._release == version._release
    )


def _comparators_intersect(a: Comparator, b: Comparator) -> bool:
    """node-semver ``Comparator.intersects`` with default options."""
    if a.operator == "":
        if a.value == "":
            return True
        assert a.version is not None
        return _single_test(b, a.version)
    if b.operator == "":
        if b.value == "":
            return True
        assert b.version is not None
        return _single_test(a, b.version)
    assert a.version is not None
    assert b.version is not None
    if a.value.startswith("<0.0.0") or b.value.startswith("<0.0.0"):
        return False
    if a.operator[0] == ">" and b.operator[0] == ">":
        return True
    if a.operator[0] == "<" and b.operator[0] == "<":
        return True
    if str(a.version) == str(b.version) and "=" in a.operator and "=" in b.operator:
        return True
    if a.version < b.version and a.operator[0] == ">" and b.operator[0] == "<":
        return True
    return a.version > b.version and a.operator[0] == "<" and b.operator[0] == ">"


def _satisfiable(comps: tuple[Comparator, ...]) -> bool:
    return all(
        _comparators_intersect(comps[i], comps[j]) for i in range(len(comps)) for j in range(i)
    )


def intersects(a: Range, b: Range) -> bool:
    """node-semver ``intersects(a, b)`` with default options."""
    return any(
        _satisfiable(mine)
        and any(
            _satisfiable(theirs) and all(_comparators_intersect(x, y) for x in mine for y in theirs)
            for theirs in b.sets
        )
        for mine in a.sets
    )


def prerelease_intersects(declared: Range, window: Range) -> bool:
    """Some prerelease ``declared`` admits with default options (a prerelease of a
    ``major.minor.patch`` one of its comparators names) is in ``window`` with
    ``includePrerelease`` (a rule's reading: a prerelease inside the window is inside it).
    ``intersects`` misses these: ``intersects("1.2.4-beta.1", ">=1.2.3 <1.2.5")`` is false.

    Exact: the least version of such a set's meet with a window set, when there is one, is
    ``t-0`` (``t`` a triple whose prereleases the set admits), a bound of either set that is a
    prerelease of ``t``, or such a bound's successor (``b`` then ``b.0``); each is tested."""
    window_sets = window._sets_pre
    if window_sets is None:
        return False
    window_bounds = [c.version for comps in window_sets for c in comps if c.version is not None]
    for comps in declared.sets:
        bounds = [c.version for c in comps if c.version is not None]
        triples = {v._release for v in bounds if v.prerelease}
        for triple in triples:
            candidates = [Version(*triple, (0,))]
            for bound in (*bounds, *window_bounds):
                if bound.prerelease and bound._release == triple:
                    candidates += (bound, Version(*triple, (*bound.prerelease, 0)))
            if any(
                declared.test(v) and window.test(v, include_prerelease=True) for v in candidates
            ):
                return True
    return False


def satisfies(version: str, range_: str | Range, *, include_prerelease: bool = False) -> bool:
    """node-semver ``satisfies``: false when the version or the range does not parse."""
    parsed = try_parse_version(version) if version else None
    if parsed is None:
        return False
    if not isinstance(range_, Range):
        try:
            range_ = parse_range(range_)
        except SemverError:
            # A few ranges are only valid with includePrerelease (e.g. "1.0.0 - =1.2.3", whose
            # "<==1.2.3" bound is rewritten to "<1.2.4-0" in that mode); node accepts them there.
            return include_prerelease and _test_prerelease_only(range_, parsed)
    return range_.test(parsed, include_prerelease=include_prerelease)


@lru_cache(maxsize=256)
def _compile_prerelease_only(text: str) -> tuple[_CompiledSet, ...]:
    try:
        return _compile(_desugar(text, True))
    except (_Invalid, ValueError):
        return ()


def _test_prerelease_only(text: object, version: Version) -> bool:
    if not isinstance(text, str):
        return False
    return any(
        all(check(version._key, bound) for check, bound in checks)
        for checks, _ in _compile_prerelease_only(text)
    )
