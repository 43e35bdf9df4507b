"""Join comparison operators to their versions (``> 1.2.3`` -> ``>1.2.3``) as node-semver does.

node-semver 7.8 replaced its ``COMPARATORTRIM`` regular expression with a linear scanner that
reproduces the regex's match boundaries: at each candidate it removes at most one whitespace
character after an optional leading space and operator, then skips the whole version-like text so
nothing inside it is looked at again. This module follows the same scanning rules (positions,
length limits, leading-zero handling), so ranges normalise exactly as in node, in linear time.
"""

from __future__ import annotations

import re

from gouvernante.semver._patterns import MAX_LENGTH, MAX_SAFE_BUILD_LENGTH, WHITESPACE_SET

_DIGIT_RUN = re.compile(r"[0-9]+")


def _at(text: str, index: int) -> str:
    return text[index] if index < len(text) else ""


def _is_digit(char: str) -> bool:
    return "0" <= char <= "9" and char != ""


def _is_letter(char: str) -> bool:
    return char != "" and ("a" <= char <= "z" or "A" <= char <= "Z")


def _is_ident(char: str) -> bool:
    return _is_digit(char) or _is_letter(char) or char == "-"


def _is_prefix(char: str) -> bool:
    return char in ("v", "=") or char in WHITESPACE_SET


def _is_version_start(char: str) -> bool:
    return _is_digit(char) or char in ("x", "X", "*")


class _DigitRuns:
    """The last two runs of digits found, so a run is never scanned twice."""

    __slots__ = ("end", "prev_end", "prev_start", "start")

    def __init__(self) -> None:
        self.start = -1
        self.end = -1
        self.prev_start = -1
        self.prev_end = -1


def _digits_end(text: str, start: int, limit: int, runs: _DigitRuns) -> int:
    if not _is_digit(_at(text, start)):
        return start
    if runs.start <= start < runs.end:
        return min(start + limit, runs.end)
    if runs.prev_start <= start < runs.prev_end:
        return min(start + limit, runs.prev_end)
    match = _DIGIT_RUN.match(text, start)
    end = match.end() if match else start + 1
    runs.prev_start, runs.prev_end = runs.start, runs.end
    runs.start, runs.end = start, end
    return min(start + limit, end)


def _number_end(text: str, start: int, loose: bool, runs: _DigitRuns) -> int:
    if not loose and _at(text, start) == "0":
        return start + 1
    return _digits_end(text, start, MAX_LENGTH if loose else MAX_LENGTH + 1, runs)


def _prerelease_id_end(text: str, start: int, loose: bool, runs: _DigitRuns) -> int:
    digits_end = _digits_end(text, start, MAX_LENGTH, runs)
    char = _at(text, digits_end)
    if _is_letter(char) or char == "-":
        end = digits_end + 1
        limit = end + MAX_SAFE_BUILD_LENGTH
        while end < limit and _is_ident(_at(text, end)):
            end += 1
        return end
    return _number_end(text, start, loose, runs)


def _prerelease_end(text: str, start: int, loose: bool, runs: _DigitRuns) -> int:
    hyphen = _at(text, start) == "-"
    if not loose and not hyphen:
        return start
    id_start = start + 1 if hyphen else start
    end = _prerelease_id_end(text, id_start, loose, runs)
    if end == id_start:
        if not loose or not hyphen:
            return start
        end = _prerelease_id_end(text, start, loose, runs)
    while _at(text, end) == ".":
        following = _prerelease_id_end(text, end + 1, loose, runs)
        if following == end + 1:
            break
        end = following
    return end


def _build_id_end(text: str, start: int) -> int:
    end = start
    while end - start < MAX_SAFE_BUILD_LENGTH and _is_ident(_at(text, end)):
        end += 1
    return end


def _build_end(text: str, start: int) -> int:
    if _at(text, start) != "+":
        return start
    end = _build_id_end(text, start + 1)
    if end == start + 1:
        return start
    while _at(text, end) == ".":
        following = _build_id_end(text, end + 1)
        if following == end + 1:
            break
        end = following
    return end


def _loose_full_end(text: str, start: int, runs: _DigitRuns) -> int:
    end = start
    for component in range(3):
        following = _number_end(text, end, True, runs)
        if following == end:
            return start
        end = following
        if component < 2:
            if _at(text, end) != ".":
                return start
            end += 1
    return _build_end(text, _prerelease_end(text, end, True, runs))


def _partial_component_end(text: str, start: int, runs: _DigitRuns) -> int:
    char = _at(text, start)
    if _is_digit(char):
        return _number_end(text, start, False, runs)
    return start + 1 if _is_version_start(char) else start


def _partial_end(text: str, start: int, runs: _DigitRuns) -> int:
    end = _partial_component_end(text, start, runs)
    for _ in range(2):
        if _at(text, end) != ".":
            return end
        following = _partial_component_end(text, end + 1, runs)
        if following == end + 1:
            return end
        end = following
    return _build_end(text, _prerelease_end(text, end, False, runs))


def _version_end(text: str, start: int, runs: _DigitRuns) -> int:
    full_end = _loose_full_end(text, start, runs)
    return full_end if full_end != start else _partial_end(text, start, runs)


def _removable_whitespace(text: str, match_start: int) -> int:
    position = match_start
    if _at(text, position) in WHITESPACE_SET:
        position += 1
    if _at(text, position) in ("<", ">"):
        position += 1
    if _at(text, position) == "=":
        position += 1
    return position if _at(text, position) in WHITESPACE_SET else -1


def trim_comparator_whitespace(text: str) -> str:
    """Remove the whitespace between each operator and its version, as node-semver does."""
    pieces: list[str] = []
    copy_from = 0
    cursor = 0
    length = len(text)
    runs = _DigitRuns()
    while cursor < length:
        match_start = cursor
        char = text[cursor]
        if char in ("<", ">"):
            cursor += 1
        elif not _is_prefix(char) and not _is_version_start(char):
            cursor += 1
            continue
        while cursor < length and _is_prefix(text[cursor]):
            cursor += 1
        if not _is_version_start(_at(text, cursor)):
            continue
        position = _removable_whitespace(text, match_start)
        if position != -1:
            pieces.append(text[copy_from:position])
            copy_from = position + 1
        cursor = _version_end(text, cursor, runs)
    pieces.append(text[copy_from:])
    return "".join(pieces)
