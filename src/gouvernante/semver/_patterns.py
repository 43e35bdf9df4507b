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

MAX_LENGTH = 256
MAX_SAFE_INTEGER = 9_007_199_254_740_991
MAX_SAFE_BUILD_LENGTH = MAX_LENGTH - 6

# ECMAScript WhiteSpace + LineTerminator: what `\s` matches and what String.prototype.trim strips.
WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
WHITESPACE_SET = frozenset(WHITESPACE)

_WS_BODY = "".join(f"\\u{ord(c):04x}" for c in WHITESPACE)
_S = f"[{_WS_BODY}]"
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
_XID = rf"{_NUM}|x|X|\*"
_XRANGEPLAIN = (
    f"[v={_WS_BODY}]*({_XID})"
    rf"(?:\.({_XID})"
    rf"(?:\.({_XID})"
    f"(?:{_PRERELEASE})?{_BUILD}?"
    ")?)?"
)

# A full version: groups major, minor, patch, prerelease, build.
FULL = re.compile(rf"^{_FULLPLAIN}\Z")
# `[<>]?=?` then a full version, or the empty string (any version).
COMPARATOR = re.compile(rf"^{_GTLT}{_S_OPT}({_FULLPLAIN})\Z|^\Z")
# Groups: gtlt, M, m, p, prerelease, build.
XRANGE = re.compile(rf"^{_GTLT}{_S_OPT}{_XRANGEPLAIN}\Z")
TILDE = re.compile(rf"^(?:~>?){_XRANGEPLAIN}\Z")
CARET = re.compile(rf"^(?:\^){_XRANGEPLAIN}\Z")
TILDE_TRIM = re.compile(rf"({_S_OPT})(?:~>?){_S_ONE}")
CARET_TRIM = re.compile(rf"({_S_OPT})(?:\^){_S_ONE}")
# Groups: from, fM, fm, fp, fpr, fb, to, tM, tm, tp, tpr, tb.
HYPHEN = re.compile(rf"^{_S_OPT}({_XRANGEPLAIN}){_S_ONE}-{_S_ONE}({_XRANGEPLAIN}){_S_OPT}\Z")
STAR = re.compile(rf"(<|>)?=?{_S_OPT}\*")
GTE0 = re.compile(rf"^{_S_OPT}>={_S_OPT}0\.0\.0{_S_OPT}\Z")
GTE0_PRE = re.compile(rf"^{_S_OPT}>={_S_OPT}0\.0\.0-0{_S_OPT}\Z")
# Bounded build metadata (removed once per comparator) and the unbounded one node strips globally
# from every `||` part before anything else.
BUILD = re.compile(_BUILD)
BUILD_UNBOUNDED = re.compile(r"(?:\+([a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*))")
WHITESPACE_RUN = re.compile(f"{_S}+")
NUMERIC = re.compile(r"[0-9]+\Z")


def js_trim(text: str) -> str:
    """``String.prototype.trim``: strips ECMAScript whitespace, not Python's ``str.isspace`` set."""
    return text.strip(WHITESPACE)


def js_split_ws(text: str) -> list[str]:
    """``text.split(/\\s+/)`` (an empty string gives ``[""]``, as in JavaScript)."""
    return WHITESPACE_RUN.split(text)
