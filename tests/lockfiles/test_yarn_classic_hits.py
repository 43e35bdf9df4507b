"""yarn classic's dependency paths around the hits read what every edge built reads (0027).

The fast path (the block reader a column at a time, the one-pass reference check, who depends
on what as entry positions, the guessed roots by set operations, the backward search from each
finding) is compared with the exact one (the line reader, the per-entry reference check, every
edge built, the forward search from the root) on every yarn classic lockfile under ``tests/``
and on quoted, unquoted, escaped, spaced, duplicated, self-dependent, cyclic and otherwise odd
copies of them: the same error (message and position), or the same packages and the same
findings (paths, path counts, lines, ``direct``), with and without the package.json beside.
"""

from __future__ import annotations

import contextlib
import random
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gouvernante.errors import LockfileError
from gouvernante.lockfiles import _yarn_classic, parse_bytes
from gouvernante.lockfiles.package_json import parse as parse_manifest
from gouvernante.match.hits import match_graph
from gouvernante.model import LockfileGraph, Source
from gouvernante.rules.index import RuleIndex, build_index
from gouvernante.rules.model import PackageRule, Rule, RuleKind
from gouvernante.semver import try_parse_version
from gouvernante.vocab import Severity
from lockfiles.fuzzcore import _manifest_for, _parse, mutate

TESTS = Path(__file__).resolve().parent.parent


def _classic_paths() -> list[Path]:
    return [
        path
        for path in sorted(TESTS.rglob("yarn.lock"))
        if b"__metadata:" not in path.read_bytes()
        and "/.hypothesis/" not in str(path)
        and "/yarn1-parser/" not in str(path)  # (hand-edited layouts: decision 0099)
        # (a file: dependency written as a cache path, answered by its name: the exact path
        # reads it, decision 0122)
        and "/realtools/yarn1-nested-file/" not in str(path)
        # (a header token ending with a space, as yarn writes it: the one-pass check sends it
        # to the exact path, decisions 0099 and 0148)
        and "/yarn1-range-trailing-space/" not in str(path)
        # (a resolved holding backslashes: the exact path reads it, decision 0163)
        and "/yarn1-resolved-spellings/cases/registry-path-backslash/" not in str(path)
        and not parse_bytes(path.read_bytes(), "yarn.lock").unkeyed  # (reads alone)
    ]


CLASSIC = _classic_paths()
SMALL = [p for p in CLASSIC if p.stat().st_size < 100_000]


@contextlib.contextmanager
def _exact() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_yarn_classic, "_blocks", lambda text, path: None)
        patch.setattr(_yarn_classic, "_references_resolve", lambda text, keys: None)
        patch.delattr(_yarn_classic._ClassicDetails, "children_of")
        patch.delattr(_yarn_classic._ClassicDetails, "parents_of")
        patch.setattr(_yarn_classic, "_block_deps", lambda block: None)
        yield


def _index(graph: LockfileGraph, limit: int, seed: int) -> RuleIndex:
    # (versions that parse only: a damaged one such as ":.1.4" makes no valid "=" rule; such an
    # entry is the matcher's error when a rule names the package, tested elsewhere)
    registry = sorted(
        {
            (p.name, p.version)
            for p in graph.table
            if p.source is not Source.LOCAL and try_parse_version(p.version) is not None
        }
    )
    chosen = random.Random(seed).sample(registry, min(limit, len(registry)))
    rule = Rule(
        id="AROUND-1",
        title="planted",
        kind=RuleKind.COMPROMISED_RELEASE,
        ecosystem="npm",
        severity=Severity.CRITICAL,
        source="test",
        package_rules=tuple(PackageRule(n, (f"={v}",), frozenset()) for n, v in chosen),
    )
    return build_index((rule,))


def _outcome(data: bytes, manifest: LockfileGraph | None, index: RuleIndex) -> object:
    try:
        graph = _parse(data, "yarn.lock", manifest)
        findings = match_graph(graph, index, "yarn.lock")
    except LockfileError as exc:
        return ("error", str(exc), exc.json_path)
    packages = sorted(
        (p.id, p.name, p.version, p.source, p.integrity, p.resolved) for p in graph.table
    )
    return ("read", packages, sorted(findings, key=repr))


def _same(data: bytes, manifest: LockfileGraph | None, *, limit: int = 400, seed: int = 0) -> str:
    with _exact():
        try:
            reference = _parse(data, "yarn.lock", manifest)
        except LockfileError:
            reference = None
        index = _index(reference, limit, seed) if reference is not None else build_index(())
        exact = _outcome(data, manifest, index)
    fast = _outcome(data, manifest, index)
    assert fast == exact
    return str(exact[0])  # type: ignore[index]


@pytest.mark.parametrize("path", CLASSIC, ids=[str(p.relative_to(TESTS)) for p in CLASSIC])
def test_every_classic_lockfile_same_paths_both_ways(path: Path) -> None:
    data = path.read_bytes()
    limit = 400 if len(data) < 100_000 else 60
    manifest = _manifest_for(path)
    assert _same(data, manifest, limit=limit) == "read"
    if manifest is not None:
        assert _same(data, None, limit=limit, seed=1) == "read"


def _check_parents(graph: LockfileGraph) -> None:
    """Who depends on each entry, the root included, is what every edge built says."""
    details = graph.details
    assert isinstance(details, _yarn_classic._ClassicDetails)
    reversed_edges: dict[str, set[str]] = {}
    for parent, children in details.edges().items():
        for child in children:
            reversed_edges.setdefault(child, set()).add(parent)
    for node in details._entries.ids:
        found = details.parents_of(node)
        assert len(found) == len(set(found))
        assert set(found) == reversed_edges.get(node, set()), node


@pytest.mark.parametrize("path", CLASSIC, ids=[str(p.relative_to(TESTS)) for p in CLASSIC])
def test_parents_and_guessed_roots_are_the_edges_reversed(path: Path) -> None:
    """The fast path is taken (else the comparisons above compare the exact path with itself),
    and its parents and roots are every edge built, reversed."""
    for manifest in (_manifest_for(path), None):
        graph = _parse(path.read_bytes(), "yarn.lock", manifest)
        assert getattr(graph.details, "search_backward", False)
        _check_parents(graph)


# --- odd copies -------------------------------------------------------------------------------

_HEADER = re.compile(r"^(?=[^\s#])(.*):[ \t]*$", re.MULTILINE)


def _quote_all(text: str, rng: random.Random) -> str:
    def quote(match: re.Match[str]) -> str:
        tokens = [t if t.startswith('"') else f'"{t}"' for t in match.group(1).split(", ")]
        return ", ".join(tokens) + ":"

    return _HEADER.sub(quote, text)


def _unquote_all(text: str, rng: random.Random) -> str:
    def unquote(match: re.Match[str]) -> str:
        tokens = [
            t[1:-1] if t.startswith('"') and not re.search(r'[\s,:#"\\]', t[1:-1]) else t
            for t in match.group(1).split(", ")
        ]
        return ", ".join(tokens) + ":"

    return _HEADER.sub(unquote, text)


def _spaced(text: str, rng: random.Random) -> str:
    """Header descriptors separated by "," and ",   " (both read by yarn)."""
    return _HEADER.sub(lambda m: m.group(1).replace(", ", rng.choice([",", ",   "])) + ":", text)


def _escaped(text: str, rng: random.Random) -> str:
    """One character of a quoted header token written as a JSON escape."""
    quoted = [m for m in re.finditer(r'^"[^"\n]*?([a-z])', text, re.MULTILINE)]
    if not quoted:
        return text
    at = rng.choice(quoted).start(1)
    return text[:at] + f"\\u{ord(text[at]):04x}" + text[at + 1 :]


def _blocks_of(text: str) -> list[str]:
    return [b for b in text.split("\n\n") if _HEADER.search(b)]


def _duplicated(text: str, rng: random.Random) -> str:
    blocks = _blocks_of(text)
    return text.rstrip("\n") + "\n\n" + rng.choice(blocks).strip("\n") + "\n" if blocks else text


def _first_descriptor(block: str) -> tuple[str, str] | None:
    header = _HEADER.search(block)
    if header is None:
        return None
    first = header.group(1).split(", ")[0].strip('"')
    at = first.find("@", 1)
    return (first[:at], first[at + 1 :]) if at > 0 else None


def _with_dependency(block: str, name: str, range_: str) -> str:
    line = f'    "{name}" "{range_}"'
    if "\n  dependencies:" in block:
        return block.replace("\n  dependencies:", "\n  dependencies:\n" + line, 1)
    return block.rstrip("\n") + "\n  dependencies:\n" + line


def _self_dependent(text: str, rng: random.Random) -> str:
    blocks = text.split("\n\n")
    candidates = [i for i, b in enumerate(blocks) if _first_descriptor(b)]
    if not candidates:
        return text
    at = rng.choice(candidates)
    name, range_ = _first_descriptor(blocks[at]) or ("", "")
    blocks[at] = _with_dependency(blocks[at], name, range_)
    return "\n\n".join(blocks)


def _orphan_cycle(text: str, rng: random.Random) -> str:
    """Two entries depending on each other that nothing reaches, one of them on an entry of
    the file: without a package.json the first is a guessed root, one step above that entry."""
    targets = [d for d in map(_first_descriptor, text.split("\n\n")) if d]
    if not targets:
        return text
    name, range_ = rng.choice(targets)
    cycle = (
        '"zz-cycle-a@^1.0.0":\n  version "1.0.0"\n  dependencies:\n    zz-cycle-b "^1.0.0"\n'
        f'    "{name}" "{range_}"\n\n'
        '"zz-cycle-b@^1.0.0":\n  version "1.0.0"\n  dependencies:\n    zz-cycle-a "^1.0.0"\n'
    )
    return text.rstrip("\n") + "\n\n" + cycle


def _optional(text: str, rng: random.Random) -> str:
    spots = [m.start() for m in re.finditer(r"\n  dependencies:", text)]
    if not spots:
        return text
    at = rng.choice(spots)
    return text[:at] + "\n  optionalDependencies:" + text[at + len("\n  dependencies:") :]


def _peer(text: str, rng: random.Random) -> str:
    """A block yarn 1 does not write (the line reader takes the file)."""
    blocks = text.split("\n\n")
    candidates = [i for i, b in enumerate(blocks) if _first_descriptor(b)]
    if not candidates:
        return text
    at = rng.choice(candidates)
    blocks[at] = blocks[at].rstrip("\n") + '\n  peerDependencies:\n    react "^18.0.0"'
    return "\n\n".join(blocks)


def _commented(text: str, rng: random.Random) -> str:
    spots = [m.start() for m in _HEADER.finditer(text)]
    if not spots:
        return text
    at = rng.choice(spots)
    return text[:at] + "# a note above an entry\n" + text[at:]


def _trailing(text: str, rng: random.Random) -> str:
    return re.sub(
        r"^(    \S+ \S+)$",
        lambda m: m.group(1) + rng.choice(["", " ", "\t"]),
        text,
        flags=re.MULTILINE,
    )


def _glued(text: str, rng: random.Random) -> str:
    """A header glued to the end of a field line: the line reader refuses the file, so must
    the fast path (an entry is whole lines)."""
    spots = [m.end() for m in re.finditer(r'^  version "[^"\n]*"', text, re.MULTILINE)]
    if not spots:
        return text
    at = rng.choice(spots)
    return text[:at] + '"glued@^1.0.0":\n  version "1.0.0"' + text[at:]


def _blank_inside(text: str, rng: random.Random) -> str:
    """A blank line inside an entry (yarn reads it; the entry's later fields stay its own)."""
    spots = [m.start() for m in re.finditer(r"\n  (?:resolved|integrity|dependencies)", text)]
    if not spots:
        return text
    at = rng.choice(spots)
    return text[:at] + "\n" + text[at:]


_ODD_LINES = (
    '    a:b "^1.0.0"',
    '    "a b" "^1.0.0"',
    '     indented "^1.0.0"',
    "    #x 1",
    "    x",
)


def _odd_dependency(text: str, rng: random.Random) -> str:
    """A four-space line of another form than yarn writes: refused by the line reader, or read
    by the exact path only (the fast one reads the file again with the block grammar)."""
    spots = [m.end() for m in re.finditer(r"\n  dependencies:", text)]
    if not spots:
        return text
    at = rng.choice(spots)
    return text[:at] + "\n" + rng.choice(_ODD_LINES) + text[at:]


def _non_ascii(text: str, rng: random.Random) -> str:
    """A non-ASCII character in a quoted value (the grammar then tests whitespace as Unicode
    does, not as the ASCII bitmap)."""
    spots = [m.end() for m in re.finditer(r'^  resolved "', text, re.MULTILINE)]
    if not spots:
        return text
    at = rng.choice(spots)
    return text[:at] + "\u00e9" + text[at:]


def _odd_space(text: str, rng: random.Random) -> str:
    """A character str.isspace() calls whitespace inside an unquoted value: refused both ways
    (an ASCII one, a Latin-1 one, a wider one)."""
    spots = [m.end() for m in re.finditer(r"^  integrity sha", text, re.MULTILINE)]
    if not spots:
        return text
    at = rng.choice(spots)
    return text[:at] + rng.choice(["\x1c", "\x1f", "\xa0", "\u2003", "\x85"]) + text[at:]


_REFUSED = (_glued, _odd_dependency, _odd_space)
_ODD: tuple[Callable[[str, random.Random], str], ...] = (
    _quote_all,
    _unquote_all,
    _spaced,
    _escaped,
    _duplicated,
    _self_dependent,
    _orphan_cycle,
    _optional,
    _peer,
    _commented,
    _trailing,
    _blank_inside,
    _non_ascii,
)


@pytest.mark.property
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    which=st.sampled_from(SMALL),
    odd=st.lists(st.sampled_from(_ODD + _REFUSED), min_size=1, max_size=3),
    seed=st.integers(min_value=0, max_value=10_000),
    damage=st.none()
    | st.tuples(st.integers(0, 1 << 16), st.integers(0, 4), st.integers(-255, 255)),
    with_manifest=st.booleans(),
)
def test_odd_copies_same_paths_both_ways(
    *,
    which: Path,
    odd: list[Callable[[str, random.Random], str]],
    seed: int,
    damage: tuple[int, int, int] | None,
    with_manifest: bool,
) -> None:
    rng = random.Random(seed)
    text = which.read_text()
    for change in odd:
        text = change(text, rng)
    data = text.encode()
    if damage is not None:
        data = mutate(data, *damage)[0]
    manifest = _manifest_for(which) if with_manifest else None
    if _same(data, manifest, seed=seed) == "read":
        graph = _parse(data, "yarn.lock", manifest)
        if getattr(graph.details, "search_backward", False):
            _check_parents(graph)


def test_a_glued_header_is_refused_both_ways() -> None:
    path = next(p for p in SMALL if "classic" in str(p))
    text = _glued(path.read_text(), random.Random(1))
    assert _same(text.encode(), None) == "error"


@pytest.mark.parametrize("line", _ODD_LINES)
def test_an_odd_dependency_line_reads_the_same_both_ways(line: str) -> None:
    path = next(p for p in SMALL if "classic" in str(p))
    text = path.read_text().replace("\n  dependencies:", "\n  dependencies:\n" + line, 1)
    assert _same(text.encode(), None) in ("read", "error")
    assert _same(text.encode(), _manifest_for(path)) in ("read", "error")


@pytest.mark.parametrize("space", ["\x1c", "\x1f", "\xa0", "\u2003", "\x85"])
def test_a_unicode_space_in_a_value_is_refused_both_ways(space: str) -> None:
    path = next(p for p in SMALL if "classic" in str(p))
    text = path.read_text().replace("\n  integrity sha", f"\n  integrity sh{space}a", 1)
    assert _same(text.encode(), None) == "error"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("\n  integrity ", "\n  integrity\t"),
        ("\n  resolved ", "\n  resolved \t"),
        ("\n  integrity ", "\n  integrity sha1-AAAA\n  integrity\t"),
        ("\n  version ", '\n  version "0.0.1"\n  version\t'),
    ],
)
def test_a_tab_after_a_field_key_reads_the_same_both_ways(old: str, new: str) -> None:
    """A tab between a field's key and its value (the line reader's ``[ \\t]+``), alone or
    after the same field written with a space: the block readers read its value, the last one
    (a tab-separated integrity read as none left a rule by integrity unmatched)."""
    path = next(p for p in SMALL if "classic" in str(p))
    text = path.read_text().replace(old, new)
    assert _same(text.encode(), None) == "read"
    graph = _parse(text.encode(), "yarn.lock", None)
    exact = _yarn_classic._lines(text, "yarn.lock")[0].packages
    assert sorted(map(repr, graph.table)) == sorted(map(repr, exact))


def test_each_odd_copy_is_read_and_compared() -> None:
    """Every change keeps the fixture a yarn lockfile that both paths read (so the property
    test above compares findings, not two errors), and the ones yarn 1 writes keep the fast
    path."""
    path = next(p for p in SMALL if "classic" in str(p))
    manifest = _manifest_for(path)
    for change in _ODD:
        text = change(path.read_text(), random.Random(3))
        assert text != path.read_text(), change.__name__
        assert _same(text.encode(), manifest) == "read", change.__name__
        assert _same(text.encode(), None, seed=2) == "read", change.__name__
        graph = _parse(text.encode(), "yarn.lock", None)
        fast = getattr(graph.details, "search_backward", False)
        assert fast is (change not in (_escaped, _peer, _blank_inside)), change.__name__
        if fast:
            _check_parents(graph)
            _check_parents(_parse(text.encode(), "yarn.lock", manifest))


_ENTRY_TEXT = '# yarn lockfile v1\n\na@^1.0.0:\n  version "1.0.0"\n\n'


@pytest.mark.parametrize(
    "tail",
    [
        "a" * 1_000_000 + "\n",  # one long line that is no header, tried from each position
        "#c\n" * 200_000 + "junk\n",  # a comment run before a line that is no entry
        "x, " * 300_000 + "\n",
        '"' + "q" * 1_000_000 + "\n",
        'b@^1.0.0:\n  version "1.0.0" ' + "z" * 1_000_000 + "\n",
    ],
    ids=["long-line", "comment-run", "commas", "open-quote", "long-value"],
)
def test_hostile_text_is_refused_in_linear_time(tail: str) -> None:
    """The column reader's search starts only at line starts and leaves comments between
    entries: a megabyte of hostile text costs one pass (a search retried from every position
    of a line or a comment run would take minutes), and the file is refused."""
    data = (_ENTRY_TEXT + tail).encode()
    started = time.process_time()
    with pytest.raises(LockfileError):
        _parse(data, "yarn.lock", None)
    assert time.process_time() - started < 5.0


def _check_guessed_roots(text: str) -> None:
    """``is_guessed_root`` (the search back from each entry, the chains it keeps, the bound on
    ancestors asked) says what ``guessed_roots`` says of every entry, asked in file order and
    in reverse (what is kept between questions differs), bounded or not."""
    for bound in (0, 1, 3, _yarn_classic._ANCESTORS_ASKED):
        for backwards in (False, True):
            graph = _parse(text.encode(), "yarn.lock", None)
            details = graph.details
            assert isinstance(details, _yarn_classic._ClassicDetails)
            links = details._get_links()
            assert links is not None
            roots = set(links.guessed_roots())
            order = range(len(details._entries.ids))
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(_yarn_classic, "_ANCESTORS_ASKED", bound)
                for index in reversed(order) if backwards else order:
                    assert links.is_guessed_root(index) is (index in roots), (bound, index)


@pytest.mark.parametrize("path", SMALL, ids=[str(p.relative_to(TESTS)) for p in SMALL])
def test_guessed_roots_asked_one_entry_at_a_time(path: Path) -> None:
    text = path.read_text()
    _check_guessed_roots(text)
    _check_guessed_roots(_orphan_cycle(text, random.Random(5)))


def test_guessed_roots_below_a_cycle_nothing_reaches() -> None:
    """A cycle nothing reaches (its first entry in the file is the root), an entry below it,
    and a root above an entry that the cycle reaches too."""
    entries = [
        ("c@^1.0.0", ["d", "e"]),
        ("d@^1.0.0", ["c"]),
        ("e@^1.0.0", ["f"]),
        ("f@^1.0.0", []),
        ("r@^1.0.0", ["f", "g"]),
        ("g@^1.0.0", ["g"]),
        ("h@^1.0.0", ["h", "c"]),
    ]
    blocks = ["# yarn lockfile v1\n"]
    for descriptor, deps in entries:
        lines = [f'{descriptor}:\n  version "1.0.0"']
        if deps:
            lines.append("  dependencies:" + "".join(f'\n    {d} "^1.0.0"' for d in deps))
        blocks.append("\n".join(lines) + "\n")
    text = "\n".join(blocks)
    _check_guessed_roots(text)
    graph = _parse(text.encode(), "yarn.lock", None)
    links = graph.details._get_links()  # type: ignore[attr-defined]
    assert [i for i in range(len(entries)) if links.is_guessed_root(i)] == [4, 6]
    _check_parents(graph)
    orphan = text.replace('    h "^1.0.0"\n    c "^1.0.0"', '    h "^1.0.0"')
    assert orphan != text
    _check_guessed_roots(orphan)
    graph = _parse(orphan.encode(), "yarn.lock", None)
    links = graph.details._get_links()  # type: ignore[attr-defined]
    assert [i for i in range(len(entries)) if links.is_guessed_root(i)] == [0, 4, 6]
    _check_parents(graph)


def _hand_made(entries: list[tuple[str, list[str]]]) -> str:
    blocks = ["# yarn lockfile v1\n"]
    for descriptor, deps in entries:
        lines = [f'{descriptor}:\n  version "1.0.0"']
        if deps:
            lines.append("  dependencies:" + "".join(f'\n    {d} "^1.0.0"' for d in deps))
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def test_guessed_roots_of_cycles_whose_first_entry_is_far_up() -> None:
    """An entry with an ancestor above it in the file is no guessed root (by its turn that
    ancestor is reached or a root), whether the ancestor is its parent or further up; the
    first entry of a cycle nothing reaches has none and is the root. Two such cycles, one
    written top to bottom and one bottom to top, a third reached from one of them."""
    entries = [
        ("x@^1.0.0", ["y"]),  # cycle x -> y -> z -> x: x is its root
        ("z@^1.0.0", ["x"]),  # its ancestor above: x, a grandparent (z <- y <- x)
        ("p@^1.0.0", ["q"]),  # cycle p -> q -> p, written with q below
        ("y@^1.0.0", ["z", "s"]),
        ("q@^1.0.0", ["p"]),
        ("s@^1.0.0", ["t"]),  # below the first cycle, in a cycle of its own with t
        ("t@^1.0.0", ["s"]),
    ]
    text = _hand_made(entries)
    _check_guessed_roots(text)
    graph = _parse(text.encode(), "yarn.lock", None)
    links = graph.details._get_links()  # type: ignore[attr-defined]
    assert [i for i in range(len(entries)) if links.is_guessed_root(i)] == [0, 2]
    _check_parents(graph)


# no backslash and no NUL: the column reader reads only such text (``_blocks``)
_HEADER_TOKEN = st.one_of(
    st.from_regex(r'[^\s",:#\\\x00][^\s",:\\\x00]{0,6}', fullmatch=True),
    st.from_regex(r'"[^"\\\n\x00]{0,6}"', fullmatch=True),
    st.sampled_from(['"a, b@1"', '"a,b@1"', '""', '"a@ 1"', '", "', "a@1", '"@s/a@^1"']),
)


@pytest.mark.property
@settings(max_examples=80, deadline=None)
@given(
    headers=st.lists(
        st.tuples(
            st.lists(_HEADER_TOKEN, min_size=1, max_size=4),
            st.lists(st.sampled_from([", ", ",", ",  "]), min_size=3, max_size=3),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_header_tokens_without_the_regex_are_the_regexs(
    headers: list[tuple[list[str], list[str]]],
) -> None:
    """The headers' ids and tokens read by dropping the quotes (every comma outside them,
    written ``", "``) are what the token regex reads; a quoted comma or another spacing reads
    by the regex."""
    lines = []
    for tokens, separators in headers:
        line = tokens[0]
        for token, separator in zip(tokens[1:], separators, strict=False):
            line += separator + token
        lines.append(line)
    joined = "\n".join(lines)
    assert all(_yarn_classic._ENTRY.fullmatch(line + ':\n  version "1"') for line in lines)
    assert _yarn_classic._header_tokens(joined) == _yarn_classic._header_tokens_read(joined)


def test_header_lines_are_counted_when_first_asked() -> None:
    """The column reader counts header lines only when one is asked (a finding, an error):
    a clean scan leaves them uncounted, and once counted they are the line reader's."""
    path = next(p for p in SMALL if "classic" in str(p))
    text = path.read_text()
    found = _yarn_classic._blocks(text, "yarn.lock")
    assert found is not None
    entries = found[0]
    graph = _parse(text.encode(), "yarn.lock", None)
    assert match_graph(graph, build_index(()), "yarn.lock") == []
    assert graph.details._entries._lines is None  # type: ignore[attr-defined]
    assert entries._lines is None
    assert entries.lines == _yarn_classic._lines(text, "yarn.lock")[0].lines
    first = entries.ids[0]
    assert graph.details.line_of(first) == entries.lines[0]


@pytest.mark.parametrize("bits", [0, 1, (1 << 30) - 1])
def test_parents_by_hash_tell_colliding_keys_apart(bits: int) -> None:
    """Who depends on an entry is found in the lines sorted by their key's hash, cut to
    ``_HASH_BITS``: with every key's cut hash the same (0 bits) or two values, the keys are
    told apart by comparing them, and the parents are still every edge built, reversed. Two
    keys read as one descriptor (the name quoted and not) name the same entry."""
    blocks = ["# yarn lockfile v1\n"]
    for descriptor, deps in [
        ("a@^1.0.0", ['"b" "^1.0.0"', 'c "^1.0.0"']),
        ("b@^1.0.0", ['c "^1.0.0"']),
        ("c@^1.0.0", []),
        ("d@^1.0.0", ['b "^1.0.0"', '"c" "^1.0.0"', 'd "^1.0.0"']),
    ]:
        lines = [f'{descriptor}:\n  version "1.0.0"']
        if deps:
            lines.append("  dependencies:" + "".join(f"\n    {d}" for d in deps))
        blocks.append("\n".join(lines) + "\n")
    texts = ["\n".join(blocks)] + [path.read_text() for path in SMALL[:4]]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_yarn_classic, "_HASH_BITS", bits)
        for text in texts:
            graph = _parse(text.encode(), "yarn.lock", None)
            assert getattr(graph.details, "search_backward", False)
            _check_parents(graph)
    graph = _parse(texts[0].encode(), "yarn.lock", None)
    assert graph.details.parents_of("b@^1.0.0") == ["a@^1.0.0", "d@^1.0.0"]  # type: ignore[attr-defined]
    assert graph.details.parents_of("c@^1.0.0") == ["a@^1.0.0", "b@^1.0.0", "d@^1.0.0"]  # type: ignore[attr-defined]


_AT_NAMES = ["a", "@s/a", "a@b", "@s/a@b", "a@", "@@", "7z"]
_AT_RANGES = ["^1.0.0", "npm:x@1", "npm:@s/x@^2", "git+ssh://git@h/r#1", "", "1 || 2", "@"]


@pytest.mark.property
@settings(max_examples=60, deadline=None)
@given(
    entries=st.lists(
        st.tuples(st.sampled_from(_AT_NAMES), st.sampled_from(_AT_RANGES)),
        min_size=2,
        max_size=6,
        unique=True,
    ),
    picks=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5), st.booleans()), max_size=12),
)
def test_parents_by_content_read_every_way_a_line_is_written(
    entries: list[tuple[str, str]], picks: list[tuple[int, int, bool]]
) -> None:
    """Who depends on an entry is asked by the contents a line reading as one of its
    descriptors may have (its name up to any "@" of the descriptor, quoted or not, then the
    range quoted): names and ranges holding "@" (a scope, an npm alias, a git URL), empty
    ranges, the name quoted on one line and not on the next; the parents are every edge
    built, reversed, and the guessed roots the same."""
    deps: dict[int, list[str]] = {}
    for parent, child, quoted in picks:
        if parent < len(entries) and child < len(entries):
            name, range_ = entries[child]
            written = f'"{name}"' if quoted or not name[0].isalnum() else name
            deps.setdefault(parent, []).append(f'{written} "{range_}"')
    blocks = ["# yarn lockfile v1\n"]
    for index, (name, range_) in enumerate(entries):
        lines = [f'"{name}@{range_}":\n  version "1.0.0"']
        if deps.get(index):
            lines.append("  dependencies:" + "".join(f"\n    {d}" for d in deps[index]))
        blocks.append("\n".join(lines) + "\n")
    data = "\n".join(blocks).encode()
    if _same(data, None) != "read":
        return
    graph = _parse(data, "yarn.lock", None)
    if getattr(graph.details, "search_backward", False):
        _check_parents(graph)


@pytest.mark.parametrize("tried", [0, 1, _yarn_classic._AT_SIGNS_TRIED])
def test_parents_of_descriptors_with_many_at_signs(tried: int) -> None:
    """A descriptor with more "@" than ``_AT_SIGNS_TRIED`` (each tried as its name's end would
    be a copy of it: 300 "@" make 600) is looked up in a table of every line's descriptor,
    built once: the parents are still every edge built, reversed."""
    entries = [
        ("a", "^1.0.0"),
        ("@s/a@b", "npm:@s/x@^2"),
        ("a@", "@" * 300),
        ("7z", "git+ssh://git@h/r#1"),
        ("@@", ""),
    ]
    blocks = ["# yarn lockfile v1\n"]
    for index, (name, range_) in enumerate(entries):
        lines = [f'"{name}@{range_}":\n  version "1.0.0"']
        deps = []
        for step, child in enumerate(entries[index + 1 :] + entries[:1]):
            written = f'"{child[0]}"' if step % 2 or not child[0][0].isalnum() else child[0]
            deps.append(f'{written} "{child[1]}"')
        lines.append("  dependencies:" + "".join(f"\n    {d}" for d in deps))
        blocks.append("\n".join(lines) + "\n")
    texts = ["\n".join(blocks)] + [path.read_text() for path in SMALL[:3]]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_yarn_classic, "_AT_SIGNS_TRIED", tried)
        for text in texts:
            assert _same(text.encode(), None) == "read"
            graph = _parse(text.encode(), "yarn.lock", None)
            assert getattr(graph.details, "search_backward", False)
            _check_parents(graph)


@pytest.mark.parametrize("one_by_one", [0, 1, 3, _yarn_classic._FOUND_ONE_BY_ONE])
def test_bodies_and_header_lines_found_when_asked(one_by_one: int) -> None:
    """The yarn-layout reader copies no entry's body: each is found in the text when asked
    (from the nearest entry found before, or every entry's start at once past a bound), as
    is its header's line; asked in any order, from the bytes or the text, they are the
    file's own (the text between the header line and the blank line after it, the line
    reader's lines)."""
    paths = [p for p in SMALL if p.read_text().isascii()]
    assert paths
    rng = random.Random(7)
    taken = 0
    for path in paths:
        text = path.read_text()
        expected_lines = _yarn_classic._lines(text, "yarn.lock")[0].lines
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(_yarn_classic, "_FOUND_ONE_BY_ONE", one_by_one)
            for source in (text, text.encode()):
                found = _yarn_classic._canonical_columns(source, "yarn.lock")
                if not isinstance(found, tuple):
                    continue
                taken += 1
                entries, _ = found
                bodies = entries.texts
                assert isinstance(bodies, _yarn_classic._Bodies)
                chunks = re.split(r"\n\n(?=[^\n])", text)[1:]
                expected = ["\n" + c.partition("\n")[2].rstrip("\n") for c in chunks]
                order = list(range(len(expected)))
                rng.shuffle(order)
                assert [bodies[i] for i in order] == [expected[i] for i in order]
                rng.shuffle(order)
                assert [entries.line_at(i) for i in order] == [expected_lines[i] for i in order]
                assert entries.lines == expected_lines
    assert taken >= 4


@pytest.mark.parametrize("unnamed", [False, True])
def test_names_from_the_look_ahead_are_the_name_column(unnamed: bool) -> None:
    """The yarn-layout reader takes the names its header look-ahead read where an id starts
    with its name and ``@``, and reads the others (an alias, whose look-ahead reads its
    target; the npm protocol spelled out) as the general column reader does: the same names,
    packages and URL checks; with a header the look-ahead reads no name in, every name is
    read as before."""
    entries = [
        '"@s/a@^1.0.0"',
        "b@^1.0.0, b@~1.0.1",
        '"c-alias@npm:c@^1.0.0"',
        '"d@npm:^1.0.0"',
        '"e-alias@npm:@s/e@^2.0.0"',
        '"c@npm:c@^1.0.0"',
    ]
    if unnamed:
        entries.append("f")
    blocks = ["# yarn lockfile v1\n"]
    for header in entries:
        blocks.append(f'{header}:\n  version "1.0.0"\n')
    text = "\n".join(blocks)
    fast = _yarn_classic._canonical_columns(text.encode(), "yarn.lock")
    assert isinstance(fast, tuple)
    general = _yarn_classic._block_columns(text, "yarn.lock", canonical=False)
    assert isinstance(general, tuple)
    assert (
        fast[0].names
        == general[0].names
        == ["@s/a", "b", "c", "d", "@s/e", "c"] + (["f"] if unnamed else [])
    )
    assert fast[0].packages == general[0].packages
    assert fast[0].url_packages() == general[0].url_packages()


def test_a_descriptor_heading_two_entries_names_the_first() -> None:
    """yarn resolves a descriptor to the first entry whose header lists it: with a descriptor
    in two headers (alone in one, beside another in the other, in both orders), the fast
    reader's lookup (built in any order only when no descriptor heads two entries) resolves
    the dependencies and the package.json's as the exact reader does."""
    for first, second in [
        ("a@^1.0.0", "a@^1.0.0, a@~1.0.0"),
        ("a@^1.0.0, a@~1.0.0", "a@^1.0.0"),
    ]:
        text = _hand_made(
            [(first, ["b"]), ("b@^1.0.0", []), (second, []), ("c@^1.0.0", ["a"])]
        ).replace('version "1.0.0"', 'version "1.0.1"', 3)
        fast = _parse(text.encode(), "yarn.lock", None)
        with _exact():
            exact = _parse(text.encode(), "yarn.lock", None)
        assert fast.details.edges() == exact.details.edges()
        assert fast.details.edges()["c@^1.0.0"] == [first]
        manifest = parse_manifest(
            b'{"name": "p", "version": "1.0.0", "dependencies": {"a": "^1.0.0"}}',
            "package.json",
        )
        fast = _parse(text.encode(), "yarn.lock", manifest)
        with _exact():
            exact = _parse(text.encode(), "yarn.lock", manifest)
        assert fast.details.edges() == exact.details.edges()
        assert fast.details.edges()["(root)"] == [first]


@pytest.mark.property
@settings(max_examples=300, deadline=None)
@given(range_=st.text(alphabet=' a"\t~!#\x7f', max_size=6))
def test_a_plain_range_is_quoted_printable_text_without_outer_spaces(range_: str) -> None:
    """The plain dependency form's range: printable ASCII without a quote, neither starting
    nor ending with a space (empty allowed), between two quotes: what ``_dep_line`` reads
    as the same range after its strip."""
    plain = range_ == "" or (
        all(" " <= c <= "~" and c != '"' for c in range_) and range_[0] != " " and range_[-1] != " "
    )
    line = f'a "{range_}"'
    assert (_yarn_classic._PLAIN_DEPS.fullmatch(line) is not None) is plain


@pytest.mark.property
@settings(max_examples=200, deadline=None)
@given(keys=st.lists(st.sampled_from([b"a", b"b", b"c", b"", "a", "d"]), max_size=40))
def test_line_chains_give_every_line_of_each_key(keys: list[bytes | str]) -> None:
    """Who depends on an entry chains each dependency line to the previous line of the same
    key (decision 0049): walked back from each key's last line, the chain gives every line of
    that key, and no other."""
    links = object.__new__(_yarn_classic._Links)
    links._lines = list(keys)
    last, previous = links._chain_lines()
    walked: dict[bytes | str, list[int]] = {}
    for key, line in last.items():
        while line >= 0:
            walked.setdefault(key, []).append(line)
            line = previous[line]
    expected: dict[bytes | str, list[int]] = {}
    for line, key in enumerate(keys):
        expected.setdefault(key, []).append(line)
    assert {key: sorted(lines) for key, lines in walked.items()} == expected
    assert all(lines == sorted(lines, reverse=True) for lines in walked.values())


_PLAIN_NAMES = ["a", '"a"', '"@s/a"', "a-b.c", '"a@b"', "a@", "@s/a"]
_PLAIN_RANGES = ['"^1.0.0"', '""', '"1 || 2"', '"npm:x@1"', '" 1"', '"1 "', "1", '"a "b"']


@pytest.mark.property
@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(
        st.tuples(st.sampled_from(_PLAIN_NAMES), st.sampled_from(_PLAIN_RANGES)),
        min_size=1,
        max_size=8,
    ),
    as_bytes=st.booleans(),
)
def test_plain_descriptors_are_what_the_line_regex_reads(
    lines: list[tuple[str, str]], as_bytes: bool
) -> None:
    """The plain form's descriptors (two replacements over the contents joined: the
    separator is the only space before a quote) are what ``_DEP_LINE`` reads of each line,
    for every content in the plain form; any other content is refused (None)."""
    contents = [f"{name} {range_}" for name, range_ in lines]
    found = _yarn_classic._plain_descriptors(
        [c.encode() for c in contents] if as_bytes else contents
    )
    plain = all(_yarn_classic._PLAIN_DEPS.fullmatch(c) is not None for c in contents)
    if not plain:
        assert found is None
        return
    read = [_yarn_classic._DEP_LINE.findall(f"\n    {c}") for c in contents]
    assert found == [f"{qn or n}@{qr or r}" for ((qn, n, qr, r),) in read]


def test_the_checks_strings_are_read_again_when_asked() -> None:
    """The reference check does not hold its descriptors nor the joined keys once it has
    answered (decision 0049): asked again (a descriptor of many "@", every line's target),
    the descriptors are read again from the distinct contents, in their order, and the
    targets are the entries each line names."""
    keys = ["a@^1.0.0", "b@^1.0.0, b@^1.1.0", "@s/c@2"]
    text = b'\n    a "^1.0.0"\n    "b" "^1.1.0"\n    b "^1.0.0"\n    "@s/c" "2"\n    a "^1.0.0"'
    found = _yarn_classic._references_resolve(text, keys)
    assert found is not None
    assert found._descriptors is None and found._joined is None
    assert found.unique_pieces()
    by_content = {b'a "^1.0.0"': "a@^1.0.0", b'"b" "^1.1.0"': "b@^1.1.0"}
    by_content |= {b'b "^1.0.0"': "b@^1.0.0", b'"@s/c" "2"': "@s/c@2"}
    assert found.descriptors == [by_content[c] for c in cast(set[bytes], found.distinct)]
    assert found.targets == [0, 1, 1, 2, 0]
    assert found.owner == {"a@^1.0.0": 0, "b@^1.0.0": 1, "b@^1.1.0": 1, "@s/c@2": 2}


@pytest.mark.parametrize("dep", ['a "1 "', 'a "1"'])
@pytest.mark.parametrize("header", ['"a@1 "', 'b@2, "a@1 "', '" a@1"', '"a@1 ", b@2', "a@1, b@2"])
def test_keys_with_spaces_at_their_edges_are_refused_from_bytes(header: str, dep: str) -> None:
    """The one-pass check reads only stripped keys (``check_references`` strips them, so a key
    ``"a@1 "`` does not head ``a "1 "``'s descriptor there): from a file read as bytes, a key
    starting or ending with a space, first, last or alone, sends the file to the exact check,
    as ``str.strip`` says of every key. (A shortcut reading only the keys joined's first and
    last characters measured no CPU gain, decision 0049; this guards any such one.)"""
    text = (  # (the header's entry last: a space ending its last key ends the keys joined)
        f'# yarn lockfile v1\n\n\nc@1:\n  version "1.0.0"\n  dependencies:\n    {dep}\n\n'
        f'{header}:\n  version "1.0.0"\n'
    )
    columns = _yarn_classic._canonical_columns(text.encode(), "yarn.lock")
    assert isinstance(columns, tuple)
    entries = columns[0]
    assert entries.dependency_lines is not None
    found = _yarn_classic._references_resolve(entries.dependency_lines, entries.ids)
    if any(key.strip() != key or " ," in key for key in entries.ids):  # (" ,": not split)
        assert found is None
    else:
        assert (found is not None) is (dep == 'a "1"')
