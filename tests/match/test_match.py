"""The matcher: versions, droppers, integrity, ecosystems, local packages, declared ranges."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pytest

from gouvernante.match.hits import _integrity_hits, lockfile_notes, match_declared, match_graph
from gouvernante.model import (
    DeclaredDependency,
    LockedPackage,
    LockfileFormat,
    LockfileGraph,
    MatchKind,
    PackageTable,
    Source,
)
from gouvernante.rules.index import build_index
from gouvernante.rules.model import DropperPackage, PackageRule, Rule, RuleKind
from gouvernante.vocab import LockfileEcosystem, Severity

BAD_SRI = "sha512-" + "A" * 86 + "=="


def rule(**kw: object) -> Rule:
    base: dict[str, object] = {
        "id": "R-1",
        "title": "t",
        "kind": RuleKind.COMPROMISED_RELEASE,
        "ecosystem": "npm",
        "severity": Severity.CRITICAL,
        "package_rules": (),
        "source": "r.json",
    }
    base.update(kw)
    return Rule(**base)  # type: ignore[arg-type]


def graph(*pkgs: LockedPackage, fmt: LockfileFormat = LockfileFormat.PACKAGE_LOCK) -> LockfileGraph:
    return LockfileGraph(fmt, pkgs)


def test_exact_versions_and_prerelease_inside_window() -> None:
    r = rule(package_rules=(PackageRule("axios", ("=1.14.1", ">=0.30.4 <0.30.5"), frozenset()),))
    g = graph(
        LockedPackage("a", "axios", "1.14.1"),
        LockedPackage("b", "axios", "1.14.0"),
        LockedPackage("c", "axios", "0.30.5-beta.1"),
        LockedPackage("d", "axios", "0.30.4"),
    )
    found = {(f.version, f.matched_expression) for f in match_graph(g, build_index((r,)), "x")}
    assert found == {
        ("1.14.1", "=1.14.1"),
        ("0.30.4", ">=0.30.4 <0.30.5"),
        ("0.30.5-beta.1", ">=0.30.4 <0.30.5"),  # a prerelease inside the window is inside it
    }


def test_local_packages_are_never_matched() -> None:
    r = rule(package_rules=(PackageRule("axios", ("*",), frozenset()),))
    g = graph(LockedPackage("packages/axios", "axios", "1.14.1", Source.LOCAL))
    assert match_graph(g, build_index((r,)), "x") == []


def test_dropper_matches_any_version_and_git_source_is_explained() -> None:
    r = rule(kind=RuleKind.DROPPER, dropper_packages=(DropperPackage("plain-crypto-js"),))
    g = graph(LockedPackage("n", "plain-crypto-js", "", Source.GIT, resolved="git+https://x/y#1"))
    (f,) = match_graph(g, build_index((r,)), "x")
    assert f.match is MatchKind.DROPPER and f.source is Source.GIT
    assert "git dependency" in f.description and f.resolved == "git+https://x/y#1"


def test_integrity_matches_whatever_the_name_and_version() -> None:
    r = rule(bad_integrity=(BAD_SRI,), dropper_packages=(DropperPackage("evil"),))
    g = graph(
        LockedPackage("n", "renamed-evil", "9.9.9", integrity=f"sha1-abc= {BAD_SRI}"),
        LockedPackage("m", "innocent", "1.0.0", integrity="sha512-" + "B" * 86 + "=="),
    )
    (f,) = match_graph(g, build_index((r,)), "x")
    assert (f.package, f.match, f.matched_expression) == (
        "renamed-evil",
        MatchKind.INTEGRITY,
        BAD_SRI,
    )


@pytest.mark.parametrize(
    "value",
    [
        f"{BAD_SRI} sha1-abc=",
        f"sha1-abc=\t{BAD_SRI}",
        f"sha1-abc=\u00a0{BAD_SRI}",  # any whitespace ``\s`` knows, not only ASCII
        f"sha1-abc=\u2003{BAD_SRI}",
        f" {BAD_SRI}",  # the only whitespace, at the start of the joined column
        f"{BAD_SRI}\n",  # ... or at its end
        # U+FEFF: JavaScript's \s (ssri's split, npm 11.19.1) holds it, Python's does not
        f"sha1-abc=\ufeff{BAD_SRI}",
        f"{BAD_SRI}\ufeffsha1-abc=",
        f"\ufeff{BAD_SRI}",
    ],
)
def test_integrity_among_several_hashes_whatever_the_whitespace(value: str) -> None:
    """The matcher looks for several hashes in one entry only when the column holds whitespace
    somewhere (one split of the joined column): every separator kind still splits."""
    r = rule(bad_integrity=(BAD_SRI,))
    clean = LockedPackage("m", "innocent", "1.0.0", integrity="sha512-" + "B" * 86 + "==")
    listed = LockedPackage("n", "p", "1.0.0", integrity=value)
    for order in ((clean, listed), (listed, clean)):
        (f,) = match_graph(graph(*order), build_index((r,)), "x")
        assert (f.package, f.matched_expression) == ("p", BAD_SRI)


@pytest.mark.parametrize("space", list("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\ufeff\u3000"))
def test_integrity_among_several_hashes_each_separator(space: str) -> None:
    """Each character JavaScript's ``\\s`` matches separates two hashes, as ssri splits there;
    U+001C-U+001F and U+0085, which Python's ``str.split`` splits at, do not (decision 0114:
    npm reads ``sha1-abc=\\x1c<hash>`` as one sha1 hash, never the listed one)."""
    r = rule(bad_integrity=(BAD_SRI,))
    clean = LockedPackage("m", "innocent", "1.0.0", integrity="sha512-" + "B" * 86 + "==")
    listed = LockedPackage("n", "p", "1.0.0", integrity=f"sha1-abc={space}{BAD_SRI}")
    found = match_graph(graph(clean, listed), build_index((r,)), "x")
    if space in "\x1c\x1d\x1e\x1f\x85":
        assert found == []
        return
    (f,) = found
    assert (f.package, f.matched_expression) == ("p", BAD_SRI)


def test_integrity_hash_found_with_many_hashes_listed() -> None:
    """More listed hashes than are searched in the joined column: each value is looked up."""
    many = tuple(f"sha512-{n:086d}==" for n in range(40))
    r = rule(bad_integrity=(*many, BAD_SRI))
    g = graph(
        LockedPackage("m", "innocent", "1.0.0", integrity="sha512-" + "B" * 86 + "=="),
        LockedPackage("n", "p", "1.0.0", integrity=BAD_SRI),
        LockedPackage("o", "q", "1.0.0", integrity=many[7]),
    )
    found = {(f.package, f.matched_expression) for f in match_graph(g, build_index((r,)), "x")}
    assert found == {("p", BAD_SRI), ("q", many[7])}


class _Counted(frozenset[str]):
    asked = 0

    def __contains__(self, key: object) -> bool:
        type(self).asked += 1
        return super().__contains__(key)


class _CountedIntegrity(Mapping[str, tuple[Rule, ...]]):
    def __init__(self, table: dict[str, tuple[Rule, ...]]) -> None:
        self._table = table

    def keys(self) -> _Counted:  # type: ignore[override]
        return _Counted(self._table)

    def __contains__(self, key: object) -> bool:
        _Counted.asked += 1
        return key in self._table

    def __getitem__(self, key: str) -> tuple[Rule, ...]:
        return self._table[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)


def test_a_column_holding_no_listed_hash_is_not_looked_up_value_by_value() -> None:
    """One hash per value and none of the few listed in the joined column: no value is looked
    up (~1 k instructions per entry, decision 0105); with one listed, each is."""
    clean = [
        LockedPackage(f"n{i}", f"p{i}", "1.0.0", integrity=f"sha512-{i:086d}==") for i in range(50)
    ]
    found: list[str] = []
    integrity = _CountedIntegrity({BAD_SRI: (rule(bad_integrity=(BAD_SRI,)),)})
    _Counted.asked = 0
    _integrity_hits(graph(*clean).table, integrity, lambda r, m, pkg, sri: found.append(pkg.name))
    assert (_Counted.asked, found) == (0, [])
    listed = LockedPackage("x", "evil", "1.0.0", integrity=BAD_SRI)
    _integrity_hits(
        graph(*clean, listed).table, integrity, lambda r, m, pkg, sri: found.append(pkg.name)
    )
    assert found == ["evil"] and _Counted.asked == 51


def test_lockfile_ecosystems_limit_formats() -> None:
    r = rule(package_rules=(PackageRule("x", ("=1.0.0",), frozenset({LockfileEcosystem.PNPM})),))
    idx = build_index((r,))
    pkg = LockedPackage("n", "x", "1.0.0")
    assert match_graph(graph(pkg), idx, "package-lock.json") == []
    assert len(match_graph(graph(pkg, fmt=LockfileFormat.PNPM), idx, "pnpm-lock.yaml")) == 1


def test_a_release_left_out_by_lockfile_ecosystems_is_said_in_a_note() -> None:
    # the runbook's template rule lists npm, pnpm and yarn: a bun.lock locking the release is
    # not a finding (the author's limit), but never silent; a rule of the same name without a
    # limit, or a version outside the window, gives no note
    limited = frozenset({LockfileEcosystem.NPM, LockfileEcosystem.PNPM, LockfileEcosystem.YARN})
    r = rule(package_rules=(PackageRule("x", ("=1.0.0",), limited),))
    idx = build_index((r,))
    g = graph(
        LockedPackage("node_modules/x", "x", "1.0.0"),
        LockedPackage("node_modules/y/node_modules/x", "x", "1.0.1"),
        fmt=LockfileFormat.BUN,
    )
    assert match_graph(g, idx, "bun.lock") == []
    (note,) = lockfile_notes(g, idx)
    assert "x@1.0.0 is named by R-1 (version matches =1.0.0)" in note
    assert "lockfile_ecosystems (npm, pnpm, yarn) leave bun out" in note
    assert lockfile_notes(graph(*g.packages), idx) == ()  # an npm file: a finding, no note
    both = rule(
        id="R-2",
        package_rules=(
            PackageRule("x", ("=1.0.0",), limited),
            PackageRule("x", ("=1.0.0",), frozenset()),
        ),
    )
    idx2 = build_index((both,))
    assert len(match_graph(g, idx2, "bun.lock")) == 1
    assert lockfile_notes(g, idx2) == ()


def test_same_release_at_several_places_is_one_finding() -> None:
    r = rule(package_rules=(PackageRule("debug", ("=4.4.2",), frozenset()),))
    g = graph(LockedPackage("a", "debug", "4.4.2"), LockedPackage("b/debug", "debug", "4.4.2"))
    (f,) = match_graph(g, build_index((r,)), "x")
    assert f.version == "4.4.2"


def test_declared_ranges_intersect_with_npm_default_semantics() -> None:
    r = rule(package_rules=(PackageRule("example-utils", ("=2.3.1",), frozenset()),))
    idx = build_index((r,))
    risky = DeclaredDependency("example-utils", "^2.3.0", "dependencies")
    safe = DeclaredDependency("example-utils", "~2.2.0", "dependencies")
    tag = DeclaredDependency("example-utils", "latest", "dependencies")
    aliased = DeclaredDependency("example-utils", "2.3.x", "devDependencies", alias="eu")
    hits = match_declared([risky, safe, tag, aliased], idx, "package.json")
    assert [(h.finding.declared_range, h.finding.match, h.undecided) for h in hits] == [
        ("^2.3.0", MatchKind.DECLARED_RANGE, False),
        # a dist-tag: the tag can be moved to any release (an attacker's publish moves
        # ``latest``), so it reaches the affected one as ``*`` does
        ("latest", MatchKind.DECLARED_RANGE, False),
        ("2.3.x", MatchKind.DECLARED_RANGE, False),
    ]
    assert "as alias eu" in hits[2].finding.description


def test_generic_table_of_built_packages_matches_like_a_list() -> None:
    pkgs = [
        LockedPackage("a", "left-pad", "1.3.0"),
        LockedPackage("b", "left-pad", "1.3.0", Source.LOCAL),
        LockedPackage("c", "other", "2.0.0"),
    ]
    table = PackageTable.of(pkgs)
    assert PackageTable.of(table) is table
    assert list(table) == pkgs and table[-1] == pkgs[-1] and table[1:] == pkgs[1:]
    assert list(table.positions_named({"left-pad"})) == [0, 1]
    assert table.version(2) == "2.0.0"
    assert table.position_of("c") == 2 and table.position_of("zz") is None
    assert list(table.integrity()) == [None, None, None]
    graph = LockfileGraph(LockfileFormat.PNPM, pkgs)
    assert graph.table is graph.table and list(graph.table) == pkgs  # wrapped once per graph


def test_positions_named_kept_for_the_same_frozen_set_only() -> None:
    """A scan asks the table three times with its index's frozen name set: one pass, one
    answer; another set (or a mutable one) is asked afresh."""
    pkgs = [
        LockedPackage(id=f"node_modules/{n}", name=n, version="1.0.0", source=Source.REGISTRY)
        for n in ("a", "b", "a")
    ]
    table = PackageTable.of(pkgs)
    wanted = frozenset({"a"})
    first = table.positions_named(wanted)
    assert list(first) == [0, 2] and table.positions_named(wanted) is first
    assert list(table.positions_named(frozenset({"b"}))) == [1]
    mutable = {"a"}
    assert list(table.positions_named(mutable)) == [0, 2]
    mutable.add("b")
    assert list(table.positions_named(mutable)) == [0, 1, 2]


def test_notes_on_versionless_entries_are_for_version_rules_only() -> None:
    """A package locked with no version (a tarball URL, a git repository, a local tarball)
    whose name a version rule names gets a note (no version rule can be checked); a dropper's
    name, which any version matches, gets none. (Decision 0088: both notes take the scan's one
    pass over the names for the rules' names, then keep the version rules' ones.)"""
    version = rule(package_rules=(PackageRule("axios", ("=1.14.1",), frozenset()),))
    dropper = rule(id="R-2", kind=RuleKind.DROPPER, dropper_packages=(DropperPackage("evil"),))
    index = build_index((version, dropper))
    assert {"axios", "evil"} <= index.names and "evil" not in index.by_name
    packages = []
    for name in ("axios", "evil"):
        packages.append(LockedPackage(f"{name}-url", name, "", Source.TARBALL))
        packages.append(LockedPackage(f"{name}-git", name, "", Source.GIT))
        packages.append(
            LockedPackage(f"{name}-tgz", name, "", Source.LOCAL, resolved=f"file:./{name}.tgz")
        )
    notes = lockfile_notes(graph(*packages, fmt=LockfileFormat.BUN), index)
    assert len(notes) == 3
    assert all("axios" in note and "R-1" in note and "evil" not in note for note in notes)
