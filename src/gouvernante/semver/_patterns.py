"""The regular expressions of node-semver (strict mode), rebuilt for Python's ``re``.

node-semver builds its grammar from small tokens and then rewrites every ``\\s*``, ``\\s+``,
``\\d*``, ``\\d+`` and ``[a-zA-Z0-9-]*``/``+`` into a bounded repetition (its "safe" regexes, which
assume the input had its whitespace collapsed first). The bounds change which strings match, so they
are reproduced here exactly. Two JavaScript/Python differences are handled explicitly:

* JavaScript's ``\\s`` is a fixed set of characters (``WHITESPACE``), not Python's ``str.isspace``;
  ``\\d`` is ASCII only. Both are spelled out as explicit character classes.
* JavaScript's ``$`` (no multiline flag) only matches at the very end; Python's ``$`` also matches
  before a final newline, so ``\\Z`` is used.
"""

from __future__ import annotations

import re

from gouvernante.jstext import WHITESPACE, WHITESPACE_CLASS, WHITESPACE_SET

__all__ = ["WHITESPACE_SET"]  # (``_trim`` reads it from here)

MAX_LENGTH = 256
MAX_SAFE_INTEGER = 9_007_199_254_740_991
MAX_SAFE_BUILD_LENGTH = MAX_LENGTH - 6

_WS_BODY = WHITESPACE_CLASS[1:-1]
_S = WHITESPACE_CLASS
_S_OPT = f"{_S}{{0,1}}"  # the safe form of \s*
_S_ONE = f"{_S}{{1,1}}"  # the safe form of \s+

_LDN = "[a-zA-Z0-9-]"
_NUM = f"0|[1-9][0-9]{{0,{MAX_LENGTH}}}"
_NONNUM = f"[0-9]{{0,{MAX_LENGTH}}}[a-zA-Z-]{_LDN}{{0,{MAX_SAFE_BUILD_LENGTH}}}"
_MAIN = rf"({_NUM})\.({_NUM})\.({_NUM})"
_PRE_ID = f"(?:{_NONNUM}|{_NUM})"
_PRERELEASE = rf"(?:-({_PRE_ID}(?:\.{_PRE_ID})*))"
_BUILD_ID = f"{_LDN}{{1,{MAX_SAFE_BUILD_LENGTH}}}"
_BUILD = rf"(?:\+({_BUILD_ID}(?:\.{_BUILD_ID})*))"
_FULLPLAIN = f"v?{_MAIN}{_PRERELEASE}?{_BUILD}?"
_GTLT = "((?:<|>)?=?)"
# loose mode (npm and pnpm read a package.json's ranges with ``loose: true``): numbers may have
# leading zeros, a prerelease needs no hyphen, a version may start with any run of v, = and spaces
_NUM_LOOSE = f"[0-9]{{1,{MAX_LENGTH}}}"
_MAIN_LOOSE = rf"({_NUM_LOOSE})\.({_NUM_LOOSE})\.({_NUM_LOOSE})"
_PRE_ID_LOOSE = f"(?:{_NONNUM}|{_NUM_LOOSE})"
_PRERELEASE_LOOSE = rf"(?:-?({_PRE_ID_LOOSE}(?:\.{_PRE_ID_LOOSE})*))"
_LOOSEPLAIN = f"[v={_WS_BODY}]*{_MAIN_LOOSE}{_PRERELEASE_LOOSE}?{_BUILD}?"


def _xrange_plain(number: str, prerelease: str) -> str:
    """node-semver's XRANGEPLAIN: up to three parts, each a ``number``, x, X or *."""
    xid = rf"{number}|x|X|\*"
    return (
        f"[v={_WS_BODY}]*({xid})"
        rf"(?:\.({xid})"
        rf"(?:\.({xid})"
        f"(?:{prerelease})?{_BUILD}?"
        ")?)?"
    )


_XRANGEPLAIN_LOOSE = _xrange_plain(_NUM_LOOSE, _PRERELEASE_LOOSE)
_XRANGEPLAIN = _xrange_plain(_NUM, _PRERELEASE)

# The patterns are compiled on first use (module ``__getattr__``): a scan whose rules are exact
# versions compiles none of them, and each costs 0.1-1 ms to compile at every process start.
_SOURCES: dict[str, str] = {
    # A full version: groups major, minor, patch, prerelease, build.
    "FULL": rf"^{_FULLPLAIN}\Z",
    # `[<>]?=?` then a full version, or the empty string (any version).
    "COMPARATOR": rf"^{_GTLT}{_S_OPT}({_FULLPLAIN})\Z|^\Z",
    # Groups: gtlt, M, m, p, prerelease, build.
    "XRANGE": rf"^{_GTLT}{_S_OPT}{_XRANGEPLAIN}\Z",
    "TILDE": rf"^(?:~>?){_XRANGEPLAIN}\Z",
    # the same, loose (``*_LOOSE``): ``LOOSE`` is a loose version
    "LOOSE": rf"^{_LOOSEPLAIN}\Z",
    "COMPARATOR_LOOSE": rf"^{_GTLT}{_S_OPT}({_LOOSEPLAIN})\Z|^\Z",
    "XRANGE_LOOSE": rf"^{_GTLT}{_S_OPT}{_XRANGEPLAIN_LOOSE}\Z",
    "TILDE_LOOSE": rf"^(?:~>?){_XRANGEPLAIN_LOOSE}\Z",
    "CARET_LOOSE": rf"^(?:\^){_XRANGEPLAIN_LOOSE}\Z",
    "HYPHEN_LOOSE": (
        rf"^{_S_OPT}({_XRANGEPLAIN_LOOSE}){_S_ONE}-{_S_ONE}({_XRANGEPLAIN_LOOSE}){_S_OPT}\Z"
    ),
    "CARET": rf"^(?:\^){_XRANGEPLAIN}\Z",
    "TILDE_TRIM": rf"({_S_OPT})(?:~>?){_S_ONE}",
    "CARET_TRIM": rf"({_S_OPT})(?:\^){_S_ONE}",
    # Groups: from, fM, fm, fp, fpr, fb, to, tM, tm, tp, tpr, tb.
    "HYPHEN": rf"^{_S_OPT}({_XRANGEPLAIN}){_S_ONE}-{_S_ONE}({_XRANGEPLAIN}){_S_OPT}\Z",
    "STAR": rf"(<|>)?=?{_S_OPT}\*",
    "GTE0": rf"^{_S_OPT}>={_S_OPT}0\.0\.0{_S_OPT}\Z",
    "GTE0_PRE": rf"^{_S_OPT}>={_S_OPT}0\.0\.0-0{_S_OPT}\Z",
    # Bounded build metadata (removed once per comparator) and the unbounded one node strips
    # globally from every `||` part before anything else.
    "BUILD": _BUILD,
    "BUILD_UNBOUNDED": r"(?:\+([a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*))",
    "WHITESPACE_RUN": f"{_S}+",
    "NUMERIC": r"[0-9]+\Z",
}

# Declared for the type checker only; the values come from ``__getattr__``.
FULL: re.Pattern[str]
COMPARATOR: re.Pattern[str]
XRANGE: re.Pattern[str]
TILDE: re.Pattern[str]
LOOSE: re.Pattern[str]
COMPARATOR_LOOSE: re.Pattern[str]
XRANGE_LOOSE: re.Pattern[str]
TILDE_LOOSE: re.Pattern[str]
CARET_LOOSE: re.Pattern[str]
HYPHEN_LOOSE: re.Pattern[str]
CARET: re.Pattern[str]
TILDE_TRIM: re.Pattern[str]
CARET_TRIM: re.Pattern[str]
HYPHEN: re.Pattern[str]
STAR: re.Pattern[str]
GTE0: re.Pattern[str]
GTE0_PRE: re.Pattern[str]
BUILD: re.Pattern[str]
BUILD_UNBOUNDED: re.Pattern[str]
WHITESPACE_RUN: re.Pattern[str]
NUMERIC: re.Pattern[str]


def __getattr__(name: str) -> re.Pattern[str]:
    """Compile the pattern ``name`` once (then it is a plain module global)."""
    compiled = globals().get(name)
    if compiled is not None:
        return compiled  # type: ignore[no-any-return]
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    pattern = re.compile(source)
    globals()[name] = pattern
    return pattern


def js_trim(text: str) -> str:
    """``String.prototype.trim``: strips ECMAScript whitespace, not Python's ``str.isspace`` set."""
    return text.strip(WHITESPACE)


def js_split_ws(text: str) -> list[str]:
    """``text.split(/\\s+/)`` (an empty string gives ``[""]``, as in JavaScript)."""
    return __getattr__("WHITESPACE_RUN").split(text)
