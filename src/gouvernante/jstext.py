"""JavaScript's text rules that npm's tools apply, spelled out for Python: what JavaScript's
``\\s`` matches, and how ssri (npm's integrity library) cuts an integrity value into its hashes.

JavaScript's ``\\s`` is ECMAScript's WhiteSpace and LineTerminator (ECMA-262, 12.2 and 12.3;
what ``String.prototype.trim`` strips too): TAB, LF, VT, FF, CR, SPACE, U+00A0, U+1680,
U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000 and U+FEFF (node 20.20.2, every code
point tested). Python's ``str.split()``, ``str.strip()`` and ``re``'s ``\\s`` differ on six:
they also take U+001C-U+001F and U+0085, which JavaScript does not, and not U+FEFF, which it
does (decision 0114).
"""

from __future__ import annotations

from gouvernante.lazy import lazy_pattern

WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
WHITESPACE_SET = frozenset(WHITESPACE)
# ``\\s`` as a Python character class (each character escaped, so the class reads the same in
# any ``re`` mode)
WHITESPACE_CLASS = "[" + "".join(f"\\u{ord(c):04x}" for c in WHITESPACE) + "]"
_RUN = lazy_pattern(WHITESPACE_CLASS + "+")


def has_whitespace(text: str) -> bool:
    """Does ``text`` hold a character JavaScript's ``\\s`` matches?"""
    return _RUN.search(text) is not None


def integrity_hashes(value: str) -> list[str]:
    """The hashes an integrity value lists, as ssri 13.0.1 (npm 11.19.1) reads them:
    ``integrity.trim().split(/\\s+/)``, each piece up to its ``?options`` (ssri's digest is
    ``[^?]+``); no empty piece."""
    return [h for piece in _RUN.split(value) if (h := piece.partition("?")[0])]
