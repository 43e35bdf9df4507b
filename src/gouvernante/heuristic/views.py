"""The text views every detector shares: a file's text, its lowered copy, a decoded view, and the
anchor prefilter that decides which regular expressions can match at all.

A regular expression used by a detector is declared with ``rx(pattern, anchors=...)``: literal
substrings (lower case) one of which any match must contain. ``build_view`` finds, in one pass over
the lowered text, which anchors occur (with the Aho-Corasick automaton of ``pyahocorasick`` when it
is installed, else one ``in`` test per anchor, lazily), so a regex whose anchors are all absent is
never run. Python's ``re`` is slow on patterns that do not start with a literal; most files contain
none of the anchors of most patterns.

The decoded view holds hex and base64 string literals that decode to printable text, and the
literals that make a dangerous name none of their written pieces holds: ``'a' + 'b'``
concatenations, escaped literals, ``String.fromCharCode`` of numbers, arrays of literals joined,
reversed literals (``_other_spellings``); each decoded piece maps back to the source offset of its
literal.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from itertools import islice
from types import ModuleType

_acrs: ModuleType | None
try:  # one pass for every anchor (a dependency; the fallback keeps a missing wheel working)
    import ahocorasick_rs as _acrs
except ImportError:  # pragma: no cover - exercised where the wheel is missing
    _acrs = None

__all__ = ["TextView", "build_view", "plain_view", "rx"]

# The tables are keyed by ``id(pattern)``: hashing a compiled pattern hashes its whole compiled
# code (microseconds for a big alternation), and the lookups run several times per file. The
# patterns are kept alive in ``_REGISTERED``, so their ids stay theirs.
_REGISTERED: list[re.Pattern[str]] = []
_ANCHORS: dict[int, frozenset[str]] = {}  # checked against the lowered text
_ANCHORS_CS: dict[int, tuple[str, ...]] = {}  # checked against the text as is
# Top-level alternatives of an anchored regex, each compiled alone with the literals one of which
# its every match contains (lower case; None when no such literal is known, see
# ``_required_literals``). ``re`` searches a pattern that starts with a literal quickly; an
# alternation of such patterns it tries at every position.
_BranchTable = dict[int, tuple[tuple[re.Pattern[str], frozenset[str] | None], ...]]
_BRANCHES: _BranchTable = {}
# The same for a first match only (``TextView._search``), with a branch that starts with a group of
# literal alternatives (``(?:curl|wget)\b...``) split into one branch per alternative: ``re`` tries
# such a group at every position holding one of their first characters, a literal-led branch it
# finds with a fast literal search. The leftmost match is the same (earliest start, ties to the
# first branch, in the group's order). ``first_of_each`` keeps ``_BRANCHES``: it takes one match
# per branch, and splitting would report more.
_SEARCH_BRANCHES: _BranchTable = {}
_PURE_LITERAL = re.compile(r"(?:[A-Za-z0-9_\- ]|\\[.\-/])+")
MIN_BRANCH_LITERAL = 3
MIN_INNER_LITERAL = 4
# Literals too common in JavaScript to be worth a prefilter entry (they would flood the automaton
# with matches): a branch holding no other literal is always searched when the regex's anchors
# occur.
COMMON_LITERALS = frozenset(
    {"tar", "new", "from", "import", "require(", "object.", "object.defineproperty(", "npm",
     "github.com", ".config", "config.", "json.stringify(", "process.env.", ".tostring(",
     "string.fromcharcode", "bun", "http", "git", "launch", "country", "systemd", "auth",
     "token", "pack", "user"}
)  # fmt: skip


def rx(
    pattern: str,
    flags: int = 0,
    *,
    anchors: tuple[str, ...] | None = None,
    case_anchors: tuple[str, ...] | None = None,
) -> re.Pattern[str]:
    """Compile ``pattern``; with anchors, register them for the prefilter.

    ``anchors`` are lower-case substrings of the lowered text (text + decoded view), one of which
    every match contains; ``case_anchors`` are checked against the text itself (``Function(`` is
    not ``function(``). Without either, the regex always runs. An anchored pattern that is an
    alternation is also searched branch by branch, skipping the branches whose leading literal is
    absent (same leftmost match: the earliest start wins, ties go to the first branch).
    """
    compiled = re.compile(pattern, flags)
    key = id(compiled)
    if anchors is not None or case_anchors is not None:
        _REGISTERED.append(compiled)
    if anchors is not None:
        assert all(a == a.lower() for a in anchors), pattern
        _ANCHORS[key] = frozenset(anchors)
        parts = _top_level_branches(pattern)
        if len(parts) > 1:
            _BRANCHES[key] = tuple(
                (re.compile(part, flags), _required_literals(part)) for part in parts
            )
        split = [(alt, part) for part in parts for alt in _literal_led(part)]
        if len(split) > len(parts):  # each keeps its branch's literals: no new prefilter words
            _SEARCH_BRANCHES[key] = tuple(
                (re.compile(alt, flags), _required_literals(part)) for alt, part in split
            )
    if case_anchors is not None:
        _ANCHORS_CS[key] = case_anchors
    return compiled


MAX_SPLIT_CHARS = 8


def _literal_led(branch: str) -> list[str]:
    """``branch``, or one branch per alternative when it starts with a non-capturing group of
    literal alternatives, or a class of a few literal characters, that is not repeated:
    ``(?:curl|wget)\\b.*`` is ``curl\\b.*`` or ``wget\\b.*``, tried in that order at each
    position as ``re`` tries the group's; ``['"]x`` is ``'x`` or ``"x`` (one character: never
    both at one position)."""
    if branch.startswith("(?:"):
        end = _group_end(branch, 0)
        alternatives = _top_level_branches(branch[3 : end - 1])
        if not all(_PURE_LITERAL.fullmatch(a) for a in alternatives):
            return [branch]
    elif branch.startswith("["):
        end = _class_end(branch, 0)
        chars = _class_chars(branch[1 : end - 1])
        if chars is None or len(chars) > MAX_SPLIT_CHARS:
            return [branch]
        alternatives = [re.escape(c) for c in chars]
    else:
        return [branch]
    if end > len(branch) or _quantifier_end(branch, end) > end or len(alternatives) < 2:
        return [branch]
    return [alt + branch[end:] for alt in alternatives]


def _class_chars(body: str) -> list[str] | None:
    """The characters a class body (between its brackets) matches, when it only lists literal
    characters (no negation, range, class escape or nested set); None otherwise."""
    if body.startswith("^"):
        return None
    chars: list[str] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\":
            nxt = body[i + 1 : i + 2]
            if not nxt or nxt.isalnum():
                return None  # \s, \w, \n, \x41 ...: not one literal character
            c, i = nxt, i + 2
        elif c == "[" or (c == "-" and 0 < i < len(body) - 1):
            return None
        else:
            i += 1
        if c not in chars:
            chars.append(c)
    return chars


def _top_level_branches(pattern: str) -> list[str]:
    parts: list[str] = []
    depth, start, i, in_class = 0, 0, 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            if pattern[i + 1 : i + 2] == "]":
                i += 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    parts.append(pattern[start:])
    return parts


_GROUP_OPEN = re.compile(r"\((?:\?P<\w+>|\?:)?")
_LITERAL_ESCAPES = frozenset(".()[]{}|?*+^$\\/-'\"`~")
_NUMERIC_ESCAPES = frozenset("xuUN0123456789")  # escapes longer than two characters


def _class_end(pattern: str, i: int) -> int:
    """Index just past the character class that opens at ``pattern[i]``."""
    j = i + 1
    if pattern[j : j + 1] == "^":
        j += 1
    if pattern[j : j + 1] == "]":
        j += 1
    while j < len(pattern) and pattern[j] != "]":
        j += 2 if pattern[j] == "\\" else 1
    return j + 1


def _group_end(pattern: str, i: int) -> int:
    """Index just past the group that opens at ``pattern[i]`` (len(pattern) if unbalanced)."""
    depth, j = 0, i
    while j < len(pattern):
        c = pattern[j]
        if c == "\\":
            j += 2
            continue
        if c == "[":
            j = _class_end(pattern, j)
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return len(pattern)


def _quantifier_end(pattern: str, i: int) -> int:
    """Index just past the quantifier at ``pattern[i]`` (``i`` when there is none)."""
    c = pattern[i : i + 1]
    if c in ("?", "*", "+"):
        j = i + 1
    elif c == "{" and re.match(r"\{\d*(?:,\d*)?\}", pattern[i:]):
        j = pattern.index("}", i) + 1
    else:
        return i
    return j + 1 if pattern[j : j + 1] in ("?", "+") else j  # lazy / possessive


def _literal_runs(branch: str) -> list[str]:
    """Runs of literal characters every match of ``branch`` (no top-level ``|``) contains, each
    as consecutive text: an atom that may be absent or repeated, a class, a group or an assertion
    ends a run; an escape this parser does not read ends the scan."""
    runs: list[str] = []
    cur: list[str] = []
    i = 0
    while i < len(branch):
        c = branch[i]
        atom: str | None
        if c == "\\":
            nxt = branch[i + 1 : i + 2]
            if nxt in _NUMERIC_ESCAPES or not nxt:
                break
            atom, i = (nxt if nxt in _LITERAL_ESCAPES else None), i + 2
        elif c == "[":
            atom, i = None, _class_end(branch, i)
        elif c == "(":
            atom, i = None, _group_end(branch, i)
        elif c in ".^$":
            atom, i = None, i + 1
        elif c in "?*+{|)":
            break  # not a pattern this parser reads
        else:
            atom, i = c, i + 1
        q = _quantifier_end(branch, i)
        if q > i:
            if atom is not None and branch[i] == "+":
                cur.append(atom)  # present at least once; what follows need not be adjacent
            atom, i = None, q
        if atom is None:
            runs.append("".join(cur))
            cur = []
        else:
            cur.append(atom)
    runs.append("".join(cur))
    return runs  # runs[0] is the literal the branch starts with ("" when none)


def _required_literals(branch: str) -> frozenset[str] | None:
    """Literals one of which every match of ``branch`` contains (lower case, not too common);
    None when there is no such set. A group around the whole branch is looked into, and when it
    is an alternation, every alternative must have its literal."""
    opener = _GROUP_OPEN.match(branch)
    if opener is not None and _group_end(branch, 0) == len(branch):
        alternatives = _top_level_branches(branch[opener.end() : -1])
        found = [_required_literal(alt) for alt in alternatives]
        if any(lit is None for lit in found):
            return None
        return frozenset(lit for lit in found if lit is not None)
    lit = _required_literal(branch)
    return None if lit is None else frozenset([lit])


def _required_literal(branch: str) -> str | None:
    """A literal every match of ``branch`` contains (lower case, not too common): the one it
    starts with (at least 3 characters), else its longest run of literal characters that it is
    sure to hold (at least 4 characters, the first of the longest)."""
    runs = [r.lower() for r in _literal_runs(branch)]
    if len(runs[0]) >= MIN_BRANCH_LITERAL and runs[0] not in COMMON_LITERALS:
        return runs[0]  # the literal the branch starts with
    inner = [r for r in runs if len(r) >= MIN_INNER_LITERAL and r not in COMMON_LITERALS]
    return max(inner, key=len, default=None)  # the first of the longest


@dataclass(frozen=True)
class _Prefilter:
    """Every registered anchor and branch literal, found in one pass over a lowered text."""

    anchors: tuple[str, ...]
    automaton: object | None  # ahocorasick_rs.AhoCorasick when available

    def present(self, low: str) -> frozenset[str]:
        """The anchors and branch literals that occur in ``low``."""
        automaton = self.automaton
        assert automaton is not None
        found = automaton.find_matches_as_indexes(low, overlapping=True)  # type: ignore[attr-defined]
        anchors = self.anchors
        return frozenset([anchors[m[0]] for m in found])


def _prefilter() -> _Prefilter:
    """The prefilter over every anchor registered so far (rebuilt if a module added more)."""
    return _build_prefilter(len(_ANCHORS))


@cache
def _build_prefilter(_registered: int) -> _Prefilter:
    words: set[str] = set()
    for anchors in _ANCHORS.values():
        words |= anchors
    for table in (_BRANCHES, _SEARCH_BRANCHES):
        for branches in table.values():
            for _b, lits in branches:
                words |= lits or frozenset()
    ordered = tuple(sorted(words))
    automaton: object | None = None
    if _acrs is not None:
        # A DFA: a few hundred anchors make a small one, and it scans about twice as fast as
        # the NFA the library would pick for that many (measured on the FP corpus).
        automaton = _acrs.AhoCorasick(
            list(ordered),
            matchkind=_acrs.MatchKind.Standard,
            implementation=_acrs.Implementation.DFA,
        )
    return _Prefilter(ordered, automaton)


def accelerated() -> bool:
    """Is the one-pass (Aho-Corasick) prefilter in use?"""
    return _prefilter().automaton is not None


@dataclass
class TextView:
    """A file's text plus its decoded view (decoded literals mapped back to source offsets)."""

    text: str
    decoded: str = ""
    dec_starts: list[int] = field(default_factory=list)
    dec_offsets: list[int] = field(default_factory=list)
    strong_decoded: int | None = None  # offset of a literal that hides a dangerous name
    url_decoded: int | None = None
    low: str = ""
    present: frozenset[str] | None = None  # anchors found; None: decide per regex, lazily
    _may: dict[int, bool] = field(default_factory=dict)  # by id(pattern)

    def may(self, rx: re.Pattern[str]) -> bool:
        """Can ``rx`` match here at all (one of its anchors occurs)?"""
        key = id(rx)
        anchors = _ANCHORS.get(key)
        present = self.present
        if anchors is not None and present is not None:
            return not anchors.isdisjoint(present)  # cheaper than a cache lookup
        got = self._may.get(key)
        if got is not None:
            return got
        if anchors is not None:  # no one-pass prefilter: one substring test per anchor
            low = self.low
            ok = any(a in low for a in anchors)
        else:
            cs = _ANCHORS_CS.get(key)
            if cs is not None:
                text = self.text
                ok = any(a in text for a in cs)
            else:
                ok = True
        self._may[key] = ok
        return ok

    def _branches(
        self, rx: re.Pattern[str], first: _BranchTable | None = None
    ) -> list[re.Pattern[str]] | None:
        """The branches of ``rx`` worth searching (from ``first`` if it has them, else from
        ``_BRANCHES``); None to search ``rx`` whole."""
        present = self.present
        key = id(rx)
        branches = first.get(key) if first is not None else None
        if branches is None:
            branches = _BRANCHES.get(key)
        if present is None or branches is None:
            return None
        return [b for b, lits in branches if lits is None or not lits.isdisjoint(present)]

    def _search(self, rx: re.Pattern[str], text: str) -> re.Match[str] | None:
        branches = self._branches(rx, _SEARCH_BRANCHES)
        if branches is None:
            return rx.search(text)
        best: re.Match[str] | None = None
        for b in branches:
            m = b.search(text, 0, len(text))
            if m is not None and (best is None or m.start() < best.start()):
                best = m
                if m.start() == 0:
                    break
        return best

    def _finditer(self, rx: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
        branches = self._branches(rx)
        if branches is None:
            yield from rx.finditer(text)
            return
        if len(branches) == 1:
            yield from branches[0].finditer(text)
            return
        found = [m for b in branches for m in b.finditer(text)]
        found.sort(key=lambda m: m.start())
        yield from found

    def find(self, rx: re.Pattern[str]) -> re.Match[str] | None:
        """First match in the text itself (not the decoded view)."""
        return self._search(rx, self.text) if self.may(rx) else None

    def search(self, rx: re.Pattern[str]) -> int | None:
        """Offset of the first match in the text, else in the decoded view (mapped back)."""
        if not self.may(rx):
            return None
        m = self._search(rx, self.text)
        if m is not None:
            return m.start()
        if self.decoded:
            m = self._search(rx, self.decoded)
            if m is not None:
                return self._map(m.start())
        return None

    def _map(self, pos: int) -> int:
        i = bisect.bisect_right(self.dec_starts, pos) - 1
        return self.dec_offsets[max(i, 0)]

    def map_decoded(self, pos: int) -> int:
        """The text offset of the literal that decoded to ``pos`` of the decoded view."""
        return self._map(pos)

    def first_of_each(self, rx: re.Pattern[str]) -> list[tuple[re.Match[str], int]]:
        """For an alternation: the first match of each alternative that matches (in the text,
        else in the decoded view), with its offset in the text. Without the branch index it is
        every match, as ``iter_all``."""
        if not self.may(rx):
            return []
        branches = self._branches(rx)
        if branches is None:
            out = [(m, m.start()) for m in rx.finditer(self.text)]
            if self.decoded:
                out += [(m, self._map(m.start())) for m in rx.finditer(self.decoded)]
            return out
        found: list[tuple[re.Match[str], int]] = []
        for b in branches:
            m = b.search(self.text)
            if m is not None:
                found.append((m, m.start()))
            elif self.decoded:
                m = b.search(self.decoded)
                if m is not None:
                    found.append((m, self._map(m.start())))
        return found

    def near(self, rx: re.Pattern[str], lo: int, hi: int) -> bool:
        """Does ``rx`` match within text offsets [lo, hi) (a decoded match counts at the offset of
        its literal)?"""
        if not self.may(rx):
            return False
        if rx.search(self.text, max(0, lo), hi) is not None:
            return True
        return any(lo <= self._map(m.start()) < hi for m in rx.finditer(self.decoded))

    def matches(
        self, rx: re.Pattern[str], limit: int, *, decoded: bool = False
    ) -> Iterator[re.Match[str]]:
        """The first ``limit`` matches in the text (``decoded``: in the decoded view, offsets of
        that view), none when ``rx`` cannot match here: bounded work for the patterns that judge
        each match by its surroundings, whatever a hostile file repeats."""
        if self.may(rx):
            yield from islice(rx.finditer(self.decoded if decoded else self.text), limit)

    def iter_all(self, rx: re.Pattern[str]) -> Iterator[re.Match[str]]:
        if not self.may(rx):
            return
        yield from self._finditer(rx, self.text)
        if self.decoded:
            yield from self._finditer(rx, self.decoded)


# --------------------------------------------------------------------------------------------
# the decoded view

# String literals that may be hex or base64. One regex per quote character: a pattern that starts
# with a literal character is searched fast by ``re``; one that starts with a class (['"]) is tried
# at every position, several times slower on big bundles.
RX_LIT_SQ = re.compile(r"'([A-Za-z0-9+/]{8,512}={0,2})'")
RX_LIT_DQ = re.compile(r'"([A-Za-z0-9+/]{8,512}={0,2})"')
RX_HEX = re.compile(r"(?:[0-9a-fA-F]{2}){4,256}")
# A literal-only concatenation is found from its ``+ '`` joins (a literal-led search), then matched
# from the opening quote of the literal before the join.
RX_JOIN = re.compile(r"\+\s{0,40}['\"`]")
_PIECE = (
    r"(?:'[^'\\\n]{0,40}'|\"[^\"\\\n]{0,40}\"|`[^`\\$\n]{0,40}`)"  # (a template without ``${``)
)
RX_CONCAT = re.compile(_PIECE + r"(?:\s*\+\s*" + _PIECE + r"){1,12}")
RX_STR_PART = re.compile(r"'([^'\\\n]*)'|\"([^\"\\\n]*)\"|`([^`\\$\n]*)`")
RX_STRONG_TOKEN = re.compile(
    r"child_process|\bspawn(?:Sync)?\b|\bexec(?:Sync|File)?\b|\beval\b|_compile|\brequire\b|rundll32"
    r"|regsvr32|powershell|cmd\.exe|/bin/(?:ba)?sh\b|npm_package_|\.npmrc|\.ssh/|\bcurl\b|\bwget\b"
    r"|api\.github\.com|webhook|\bFunction\b|\.bashrc|\.zshrc|process\.env|mainModule"
    r"|[Tt]ruffle[Hh]og|[Gg]it[Ll]eaks"
)
RX_URLISH = re.compile(r"https?://|ipgeolocation|\.onion\b")
# Collection hosts (the OAST, request-log and webhook services of ``signals.RX_EXFIL_HOST``) that a
# concatenation or a join makes from pieces none of which holds them (``'webhook' + '.site'``,
# ``['oast', 'fun'].join('.')``).
RX_HIDDEN_HOST = re.compile(
    r"webhook\.site|pipedream\.net|requestbin\.|hookbin\.|beeceptor\.com|oast\.(?:fun|me|pro|live"
    r"|site|online)\b|oastify\.com|interact(?:sh\.com|\.sh)\b|burpcollaborator\.net|dnslog\.cn"
    r"|ceye\.io|requestrepo\.com|canarytokens\.com|ngrok(?:-free)?\.(?:io|app)\b"
)
# A CSS attribute selector on links (``a[href^="https://ads.example/"]``): the filter lists an
# ad-block detector hides in base64 so that the blockers do not strip them (more attribute tests may
# follow: `[style="..."]`). The URL is compared with the page's links, never fetched.
RX_URL_SELECTOR = re.compile(
    r"""[\w.#:-]*\[\s*(?:href|src|action|data-[\w-]+)\s*[~|^$*]?=\s*["']?https?://[^\]]*\]"""
    r"""(?:\[[\w-]+\s*[~|^$*]?=\s*"[^"\]]*"\])*"""
)
RX_PRINTABLE = re.compile(r"[\t\n\r\x20-\x7e]+")


def _printable(raw: bytes) -> str | None:
    try:
        s = raw.decode("ascii")
    except UnicodeDecodeError:
        return None
    if len(s) < 3 or RX_PRINTABLE.fullmatch(s) is None:
        return None
    letters = sum(c.isalpha() for c in s)
    return s if letters * 2 >= len(s) else None


def _plausible_b64(lit: str) -> bool:
    """Base64 by its look; also without its ``=`` padding (2 or 3 characters past a multiple of 4;
    one is no base64), then read as the padded form would be."""
    if len(lit) % 4 == 1 or (len(lit) % 4 and "=" in lit) or (lit.isalpha() and "=" not in lit):
        return False
    if not (any(c.isdigit() or c in "+/=" for c in lit) and not lit.islower()):
        return False
    return not (lit.isupper() or lit.isdigit())


def build_view(text: str) -> TextView:  # noqa: C901 - listed in pyproject, to shrink
    """The view of one file: text, decoded literals, lowered copy, and the anchors present."""
    t = TextView(text)
    parts: list[str] = []
    pos = 0

    def add(decoded: str, offset: int) -> None:
        nonlocal pos
        t.dec_starts.append(pos)
        t.dec_offsets.append(offset)
        parts.append(decoded)
        pos += len(decoded) + 1
        if RX_STRONG_TOKEN.search(decoded):
            if t.strong_decoded is None:
                t.strong_decoded = offset
        elif (
            t.url_decoded is None
            and RX_URLISH.search(decoded)
            and not RX_URL_SELECTOR.fullmatch(decoded)
        ):
            t.url_decoded = offset

    lits: list[tuple[str, int]] = []
    if "'" in text:
        lits += [(m.group(1), m.start()) for m in RX_LIT_SQ.finditer(text)]
    if '"' in text:
        lits += [(m.group(1), m.start()) for m in RX_LIT_DQ.finditer(text)]
    if lits:
        lits.sort(key=lambda x: x[1])
        for lit, at in lits:
            if RX_HEX.fullmatch(lit):
                s = _printable(bytes.fromhex(lit))
                if s is not None:
                    add(s, at)
        for lit, at in lits:
            if not _plausible_b64(lit):
                continue
            unpadded = len(lit) % 4 != 0
            try:
                s = _printable(base64.b64decode(lit + "=" * (-len(lit) % 4), validate=True))
            except (binascii.Error, ValueError):
                continue
            # without its padding, only a text that names a dangerous name or a URL counts
            if s is not None and (not unpadded or RX_STRONG_TOKEN.search(s) or RX_URLISH.search(s)):
                add(s, at)
    if "+" in text:
        for m in _concatenations(text):
            pieces = [a or b or c for a, b, c in RX_STR_PART.findall(m.group(0))]
            _add_hidden(add, "".join(pieces), pieces, m.start())
    for joined, pieces, at, names in _other_spellings(text):
        _add_hidden(add, joined, pieces, at, names)
    t.decoded = "\n".join(parts)
    t.low = (text + "\n" + t.decoded).lower() if t.decoded else text.lower()
    _enable(t)
    return t


def _add_hidden(
    add: Callable[[str, int], None], joined: str, pieces: list[str], at: int, names: bool = True
) -> None:
    """Add the text a literal makes when it holds a dangerous name (unless not ``names``) or a
    collection host that none of the pieces written in the source holds."""
    for rx_ in (RX_STRONG_TOKEN, RX_HIDDEN_HOST) if names else (RX_HIDDEN_HOST,):
        tok = rx_.search(joined)
        if tok is not None and not any(tok.group(0) in piece for piece in pieces):
            add(joined, at)
            return


# Other spellings of a hidden name, each found from a literal-led search and bounded:
# - escapes: ``'\x63\x68ild_process'``, ``"\u0065val"`` (the literal's text is its raw pieces:
#   an escaped name is in none of them);
# - character codes: ``String.fromCharCode(99, 104, …)`` (also spread from an array);
# - an array of literals joined: ``['chi', 'ld_pro', 'cess'].join('')``;
# - a literal reversed: ``'ssecorp_dlihc'.split('').reverse().join('')``.
# (Only an escape of a letter, digit, ``_``, ``.`` or ``/`` starts a look: names are spelled with
# them; escaped accents, quotes, ``<`` and control characters are what legitimate code escapes.)
_NAME_CHAR = r"(?:[46][1-9a-fA-F]|[57][0-9aA]|3[0-9]|5[fF]|2[eEfF])"  # letters, digits, _ . /
RX_ESCAPE = re.compile(rf"\\(?:x{_NAME_CHAR}|u00{_NAME_CHAR}|u\{{0*{_NAME_CHAR}\}})")
RX_ANY_ESCAPE = re.compile(r"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|u\{[0-9a-fA-F]{1,6}\}|.)")
RX_ESCAPE_ONE = re.compile(r"\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|u\{([0-9a-fA-F]{1,6})\}|(.))")
RX_CHAR_CODES = re.compile(
    r"fromCharCode\(\s*(?:\.\.\.\s*\[\s*)?((?:0x[0-9a-fA-F]{1,6}|\d{1,7})"
    r"(?:\s*,\s*(?:0x[0-9a-fA-F]{1,6}|\d{1,7})){2,120})\s*\]?\s*\)"
)
# after the array's ``]``; joined with a dot (``.join('.')``) only a collection host counts
# (``['process', 'env'].join('.')`` is a path of keys, not a hidden name; other separators,
# ``', '``, ``' '``, ``'/'``, join words and paths in most files and make no host)
RX_ARRAY_JOIN = re.compile(r"\.join\(\s*(?:''|\"\"|``|'(\.)'|\"(\.)\"|`(\.)`)\s*\)")
RX_LITERAL_ARRAY = re.compile(r"\[\s*(" + _PIECE + r"(?:\s*,\s*" + _PIECE + r"){1,20})\s*,?\s*$")
RX_REVERSED = re.compile(
    r"\.\s*split\(\s*(?:''|\"\")\s*\)\s*\.\s*reverse\(\s*\)\s*\.\s*join\(\s*(?:''|\"\")\s*\)"
)
RX_LITERAL_BEFORE = re.compile(r"""(?:'([^'\\\n]{3,200})'|"([^"\\\n]{3,200})")\s*$""")
MAX_SPELLINGS = 500  # literals of each spelling looked at per file
MAX_ESCAPES = 5000  # escapes looked at per file
ARRAY_BACK = 1000  # characters back from ``].join(`` to the array's ``[``


def _unescape(body: str) -> str:
    def one(m: re.Match[str]) -> str:
        code = m.group(1) or m.group(2) or m.group(3)
        if code is None:
            return m.group(4)
        n = int(code, 16)
        return chr(n) if n < 0x110000 else ""

    return RX_ESCAPE_ONE.sub(one, body)


# A literal's body from after its opening quote to its closing one (one line; a template stops at
# ``${``: its expressions run).
_BODY = {
    "'": re.compile(r"(?:[^'\\\n]|\\.){0,2000}'"),
    '"': re.compile(r'(?:[^"\\\n]|\\.){0,2000}"'),
    "`": re.compile(r"(?:[^`\\$]|\\.|\$(?!\{)){0,2000}`"),
}


def _literal_around(text: str, at: int) -> tuple[int, int] | None:
    """The ``[start, end)`` of the quoted literal holding the escape at ``at``: from the nearest
    quote before it (within 400 characters, on its line) to its closing quote."""
    lo = max(0, at - 400, text.rfind("\n", 0, at) + 1)
    start = max(text.rfind("'", lo, at), text.rfind('"', lo, at), text.rfind("`", lo, at))
    if start < 0:
        return None
    body = _BODY[text[start]].match(text, start + 1)
    if body is None or body.end() <= at:
        return None
    return start, body.end()


# the text made, the pieces written, the literal's offset, whether a dangerous name counts in it
_Spelling = tuple[str, list[str], int, bool]


def _other_spellings(text: str) -> Iterator[_Spelling]:
    """Literals spelled so that the text they make may hold a name none of their pieces holds."""
    yield from _escaped(text)
    if "fromCharCode(" in text:
        for m in islice(RX_CHAR_CODES.finditer(text), MAX_SPELLINGS):
            codes = [int(c, 16) if "x" in c else int(c) for c in m.group(1).split(",")]
            if all(0 < c < 0x110000 for c in codes):
                yield "".join(map(chr, codes)), [], m.start(), True
    if ".join(" in text:
        for m in islice(RX_ARRAY_JOIN.finditer(text), MAX_SPELLINGS):
            end = m.start() - 1  # the array's ``]``
            if text[end : end + 1] != "]":
                continue
            arr = RX_LITERAL_ARRAY.search(text, max(0, end - ARRAY_BACK), end)
            if arr is not None:
                items = [a or b or c for a, b, c in RX_STR_PART.findall(arr.group(1))]
                sep = m.group(1) or m.group(2) or m.group(3) or ""
                yield sep.join(items), items, arr.start(), not sep
    if "reverse(" in text:
        for m in islice(RX_REVERSED.finditer(text), MAX_SPELLINGS):
            lit = RX_LITERAL_BEFORE.search(text, max(0, m.start() - 210), m.start())
            if lit is not None:
                written = lit.group(1) or lit.group(2)
                yield written[::-1], [written], lit.start(), True


def _escaped(text: str) -> Iterator[_Spelling]:
    """Escaped literals: the text they make, the parts written plainly between the escapes."""
    done, seen = -1, 0
    for m in islice(RX_ESCAPE.finditer(text), MAX_ESCAPES):
        if m.start() < done:
            continue
        span = _literal_around(text, m.start())
        done = span[1] if span is not None else m.end()
        if span is None:
            continue
        seen += 1
        if seen > MAX_SPELLINGS:
            return
        body = text[span[0] + 1 : span[1] - 1]
        yield _unescape(body), RX_ANY_ESCAPE.split(body), span[0], True


def _concatenations(text: str) -> Iterator[re.Match[str]]:
    """Literal-only ``'a' + 'b' + ...`` chains, each once, left to right."""
    last_end = 0
    for j in RX_JOIN.finditer(text):
        plus = j.start()
        if plus < last_end:
            continue
        k = plus - 1
        while k >= 0 and plus - k <= 40 and text[k] in " \t\r\n":
            k -= 1
        if k < 0 or text[k] not in "'\"`":
            continue
        start = text.rfind(text[k], max(0, k - 41), k)
        if start < 0:
            continue
        m = RX_CONCAT.match(text, start)
        if m is not None:
            last_end = m.end()
            yield m


def plain_view(text: str) -> TextView:
    """A view without the decoded part (for a small window of a file)."""
    t = TextView(text, low=text.lower())
    _enable(t)
    return t


def _enable(t: TextView) -> None:
    pre = _prefilter()
    if pre.automaton is not None:
        t.present = pre.present(t.low)
