"""Untrusted text made safe to show: the one escaping every human-facing output uses.

Names, paths, keys and messages come from files we scan and from rules, which may be hostile. Shown
as they are, a name could move a terminal's cursor (escape sequences), forge report lines
(newlines, carriage returns), reverse what a reader sees (bidi overrides, U+202A-U+202E,
U+2066-U+2069) or hide characters (zero-width spaces, tag characters). A path that is not valid
UTF-8 arrives as a ``surrogateescape`` string (bytes 0x80-0xFF as U+DC80-U+DCFF).

``shown(text)`` escapes every character ``str.isprintable`` refuses (controls, format and
invisible characters, separators other than the ASCII space, surrogates, private-use and
unassigned code points): ``\\x1b``, ``\\u202e``, ``\\U000e0041``; an undecodable byte is shown as
the byte (``\\xff``). Printable text, backslashes included, is left as it is, so an ordinary
name reads the same everywhere.

``without_credentials(text)`` masks the user information of every URL (``https://TOKEN@host``
becomes ``https://***@host``): lockfiles, manifests and installed trees carry registry and git URLs
with tokens in them, and a report goes to code scanning, chat and tickets.

``capped(text, limit)`` is ``shown`` cut to ``limit`` characters with an ellipsis and the full
length, for keys from a file named in an error message.
"""

from __future__ import annotations

import re

from gouvernante.lazy import lazy_pattern

_SURROGATE_ESCAPE_LOW = 0xDC80
_SURROGATE_ESCAPE_HIGH = 0xDCFF


def _escape(ch: str) -> str:
    code = ord(ch)
    if _SURROGATE_ESCAPE_LOW <= code <= _SURROGATE_ESCAPE_HIGH:
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def shown(text: str) -> str:
    """``text`` with every non-printable character escaped (see the module docstring)."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else _escape(ch) for ch in text)


def capped(text: str, limit: int = 64) -> str:
    """``shown(text)``, at most ``limit`` characters of it (then ``…(N chars)``)."""
    safe = shown(text)
    if len(safe) <= limit:
        return safe
    return f"{safe[:limit]}…({len(text)} chars)"


def key_segment(key: object, limit: int = 64) -> str:
    """One JSON/YAML path segment naming a key from a file: ``['…']``, escaped and capped (a key
    that is not a string is named by its type only)."""
    if not isinstance(key, str):
        return f"[<{type(key).__name__}>]"
    body = capped(key, limit).replace("'", "\\'")
    return f"['{body}']"


# scheme://userinfo@host: the netloc runs to the first "/", "?", "#", white space or quote; its
# user information is everything before the LAST "@" in it (as URL parsers read it), so a
# password holding a raw "@" is masked whole. Backslashes stop it too (a JSON escape). The scheme
# is asked for by its last character only (a lookbehind): matched whole from each start, a long
# run of letters without "://" after it was read again from every one of its positions (a
# 80,000-letter resolved URL: 6 s of report, a megabyte: hours).
_URL_USERINFO = lazy_pattern(r"""(?<=[A-Za-z0-9+.\-])(://)([^/?#\s"'<>\\`]*)@""")

# The same URL percent-encoded inside another (a purl's vcs_url qualifier): scheme%3A%2F%2F, the
# netloc up to an encoded "/", "?" or "#", its user information before the last "%40".
_ENCODED_URL_USERINFO = lazy_pattern(
    r"""(?<=[A-Za-z0-9+.\-])(%3[Aa]%2[Ff]%2[Ff])((?:(?!%2[Ff]|%3[Ff]|%23)[^/?#&\s"'<>\\`])*)%40"""
)


def _mask_userinfo(match: re.Match[str]) -> str:
    if match.group(2) == "git":  # ssh://git@host/...: a fixed user name, no secret
        return match.group(0)
    at = match.group(0)[match.end(2) - match.start() :]  # "@" or "%40"
    return f"{match.group(1)}***{at}"


# A query parameter (?name=value, &name=value): its name ends at the first character no name
# holds, so each match scans its own characters only (linear in the text).
_QUERY_PARAMETER = lazy_pattern(r"""([?&;][A-Za-z0-9_.\-]{1,64}=)([^&#;\s"'<>\\`|]+)""")
# Names a signed or authenticated URL keeps a secret under: token, access_token, _authToken, auth,
# password, secret, X-Amz-Signature, X-Amz-Credential, sig, api_key, apikey, key.
_SECRET_PARAMETER = lazy_pattern(r"token|auth|passw|secret|signature|credential|sig|key", re.I)


# The same percent-encoded inside another URL (a purl's tarball qualifier): %3F or %26, the name,
# %3D, the value up to an encoded or raw "&" or "#". Each alternative of the value starts with
# another character, so each match scans its own characters only.
_ENCODED_QUERY_PARAMETER = lazy_pattern(
    r"""((?:%3[Ff]|%26)[A-Za-z0-9_.\-]{1,64}%3[Dd])((?:%(?!26|23)[0-9A-Fa-f]{2}|[^%&#;\s"'<>\\`|])+)"""
)


def _mask_parameter(match: re.Match[str]) -> str:
    if _SECRET_PARAMETER.search(match.group(1)) is None:
        return match.group(0)
    return f"{match.group(1)}***"


def without_credentials(text: str) -> str:
    """``text`` with the user information of every ``scheme://user:password@host`` URL written
    as ``***`` (``git@`` kept), and the value of every query parameter named like a secret
    (``?token=***``, ``X-Amz-Signature=***``), both also where the URL is percent-encoded inside
    another (``%3A%2F%2F...%40``, ``%3F_authToken%3D***``: a purl's qualifier)."""
    if "://" in text:
        text = _URL_USERINFO.sub(_mask_userinfo, text)
        text = _QUERY_PARAMETER.sub(_mask_parameter, text)
    if "%2" in text:  # (%2F%2F, %2f%2f, %2F%2f...)
        text = _ENCODED_URL_USERINFO.sub(_mask_userinfo, text)
    if "%3" in text:  # (%3F, %3D: an encoded query)
        text = _ENCODED_QUERY_PARAMETER.sub(_mask_parameter, text)
    return text


def utf8_clean(text: str) -> str:
    """``text`` with any surrogate (an undecodable byte, or a lone ``\\ud800`` escape from a
    JSON file) written out as a visible escape, so it encodes as strict UTF-8."""
    if not _has_surrogate(text):
        return text
    return "".join(_escape(ch) if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in text)


_NON_ASCII = lazy_pattern(r"[^\x00-\x7f]")


def _json_escape(match: re.Match[str]) -> str:
    ch = match.group()
    code = ord(ch)
    if 0xD800 <= code <= 0xDFFF:
        return "\\" + _escape(ch)  # the decoded value reads \xff (or \udxxx)
    if ch.isprintable():
        return ch
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def json_utf8_clean(text: str) -> str:
    """Serialised JSON made strict UTF-8 and safe to ``cat``: a surrogate (undecodable byte) is
    written as a visible escape inside its string (the decoded value reads ``\\xff``); bidi
    overrides and other invisible characters as JSON ``\\uXXXX`` escapes (the same value)."""
    if text.isascii():
        return text
    return _NON_ASCII.sub(_json_escape, text)


def name_bytes(text: str) -> bytes:
    """The bytes of a name that travelled as a ``surrogateescape`` string; any other surrogate
    (a lone ``\\ud800`` escape decoded from a JSON file) is written as its visible escape."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        cleaned = "".join(
            _escape(ch)
            if 0xD800 <= ord(ch) <= 0xDFFF and not _SURROGATE_ESCAPE_LOW <= ord(ch) <= 0xDCFF
            else ch
            for ch in text
        )
        return cleaned.encode("utf-8", "surrogateescape")


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
