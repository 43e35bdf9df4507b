"""Graph x rule index -> findings. Pure: no I/O."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import msgspec

from gouvernante.errors import MAX_ERRORS_PER_FILE, SemverError
from gouvernante.jstext import has_whitespace, integrity_hashes
from gouvernante.lazy import lazy_pattern
from gouvernante.lockfiles import (
    DENO_IMPORT_FIELDS,
    OVERRIDE_FIELDS,
    PNPM_WORKSPACE,
    WORKSPACE_OVERRIDES,
)
from gouvernante.lockfiles._tarball_url import locked_from_local_tarball, registry_identity
from gouvernante.model import (
    NPM_LOCKFILE_FORMATS,
    DeclaredDependency,
    Finding,
    FindingType,
    HashResult,
    LockedPackage,
    LockfileFormat,
    LockfileGraph,
    MatchKind,
    PackageTable,
    Source,
    unlisted_errors_line,
)
from gouvernante.rules.index import RuleIndex, VersionEntry
from gouvernante.safetext import capped
from gouvernante.vocab import LockfileEcosystem

if TYPE_CHECKING:
    from typing import TypedDict, Unpack

    from gouvernante.match.paths import GraphView
    from gouvernante.rules.model import Rule
    from gouvernante.semver import Range

_SOURCE_NOTE = {
    Source.GIT: " (a git dependency: matched by name and version only)",
    Source.TARBALL: " (a tarball dependency: matched by name and version only)",
}


class PackageHit(msgspec.Struct, frozen=True):
    rule: Rule
    match: MatchKind
    expression: str | None  # the rule expression that matched; None for droppers
    # a hit left out by the package rule's ``lockfile_ecosystems``: the ones it allows
    allowed: frozenset[LockfileEcosystem] = frozenset()


def package_hits(
    index: RuleIndex,
    name: str,
    version: str,
    ecosystem: LockfileEcosystem | None,
    limited: list[PackageHit] | None = None,
) -> list[PackageHit]:
    """The rules that name this exact release; ``ecosystem`` None means "any package manager".
    ``limited``, when given, receives the version hits of rules whose ``lockfile_ecosystems``
    leave ``ecosystem`` out: not findings, but never left unsaid (``limited_note``)."""
    hits: list[PackageHit] = []
    entries = index.by_name.get(name)
    if entries is not None and version:
        # semver is imported by the first package a rule names (decision 0024: a scan whose
        # lockfile holds none never loads it)
        from gouvernante.semver import try_parse_version  # noqa: PLC0415

        parsed = try_parse_version(version)
        if parsed is not None:
            seen: set[str] = set()
            for entry in entries:
                prule = entry.package_rule
                if entry.rule.id in seen:
                    continue
                excluded = ecosystem is not None and not prule.applies_to(ecosystem)
                if excluded and limited is None:
                    continue
                expr = prule.first_match(parsed)
                if expr is None:
                    continue
                if excluded:
                    assert limited is not None
                    limited.append(
                        PackageHit(entry.rule, MatchKind.VERSION, expr, prule.lockfile_ecosystems)
                    )
                    continue
                hits.append(PackageHit(entry.rule, MatchKind.VERSION, expr))
                seen.add(entry.rule.id)
    for dentry in index.droppers.get(name, ()):
        hits.append(PackageHit(dentry.rule, MatchKind.DROPPER, None))
    return hits


class _Hit(msgspec.Struct):
    rule: Rule
    match: MatchKind
    package: LockedPackage
    expression: str | None
    node_ids: list[str] = msgspec.field(default_factory=list)


def _describe(hit: _Hit) -> str:
    pkg = hit.package
    what = f"{pkg.name}@{pkg.version}" if pkg.version else pkg.name
    if hit.match is MatchKind.DROPPER:
        text = f"{what} is a dropper package named by {hit.rule.id}: any version is malicious"
    elif hit.match is MatchKind.INTEGRITY:
        text = (
            f"{what} has a tarball integrity hash that {hit.rule.id} lists as malicious"
            " (matched by content, whatever its name and version)"
        )
    else:
        text = f"{what} is affected by {hit.rule.id} (version matches {hit.expression})"
    return text + _SOURCE_NOTE.get(pkg.source, "")


def match_graph(graph: LockfileGraph, index: RuleIndex, display_path: str) -> list[Finding]:
    """Findings for every resolved package of one lockfile (one per rule, package, version)."""
    ecosystem = graph.format.ecosystem
    names = index.names
    integrity = index.integrity
    hits: dict[tuple[str, str, str, MatchKind], _Hit] = {}

    def add(rule: Rule, match: MatchKind, pkg: LockedPackage, expression: str | None) -> None:
        key = (rule.id, pkg.name, pkg.version, match)
        hit = hits.get(key)
        if hit is None:
            hit = hits[key] = _Hit(rule, match, pkg, expression)
        hit.node_ids.append(pkg.id)

    table = graph.table
    # Only packages named by a rule, or carrying a listed integrity hash, are looked at.
    table_names = table.names
    for position in table.positions_named(names):
        found = package_hits(index, table_names[position], table.version(position), ecosystem)
        if not found:
            continue
        pkg = table[position]
        # a folder, link or workspace is the project's code; a packed tarball may be a copy of
        # the affected release itself (decision 0072)
        if pkg.source is Source.LOCAL and not locked_from_local_tarball(pkg):
            continue
        for hit in found:
            add(hit.rule, hit.match, pkg, hit.expression)
    if integrity:
        _integrity_hits(table, integrity, add)

    if not hits:
        return []
    from gouvernante.match.paths import GraphView  # noqa: PLC0415 - findings only

    view = GraphView(graph)
    return [_finding(hit, graph, display_path, view) for hit in hits.values()]


# The ASCII characters JavaScript's ``\s`` matches, which ssri splits an integrity value at
# (``jstext``).
_ASCII_SPACES = "\t\n\x0b\x0c\r "
# Up to this many listed hashes, each is searched in the joined column before any value is
# looked up one by one (the bundled pack lists 2; a feed may list thousands).
_FEW_HASHES = 16


def _integrity_hits(
    table: PackageTable,
    integrity: Mapping[str, tuple[Rule, ...]],
    add: Callable[[Rule, MatchKind, LockedPackage, str | None], None],
) -> None:
    """Each package whose integrity column holds a hash a rule lists, to ``add``."""
    column = table.integrity()
    # One search of the column joined (NUL is no white space): usually no entry holds several
    # hashes, and then a set look-up per entry is all, not a regex search each (~0.6 ms per
    # 1,000 entries).
    # A hash may carry SRI options (``sha512-...?opt``), which ssri reads past: the hash is
    # the part before them.
    joined = "\x00".join(filter(None, column))
    if joined.isascii():  # (one memchr per white-space character: ~0.1 of the split's cost)
        several = any(space in joined for space in _ASCII_SPACES) or "?" in joined
    else:
        several = has_whitespace(joined) or "?" in joined
    listed = integrity.keys()  # (a set: the index built from cached rules is no dict)
    if not several and len(listed) <= _FEW_HASHES and not any(h in joined for h in listed):
        # Each value is one hash, and a value equal to a listed one would be in the joined
        # text: a few substring searches instead of a hash of every value (~1 k instructions
        # per entry).
        return
    for position, value in enumerate(column):
        if not value:
            continue
        if value in listed:
            sris = [value]
        elif several and (has_whitespace(value) or "?" in value):  # several, options
            sris = [h for h in integrity_hashes(value) if h in listed]
        else:
            continue
        # (a local package too: a file: tarball with a listed hash is that tarball, which
        # npm and pnpm check against it; a folder carries no hash of its own)
        pkg = table[position]
        for sri in sris:
            for rule in integrity[sri]:
                add(rule, MatchKind.INTEGRITY, pkg, sri)


def entry_errors(graph: LockfileGraph, index: RuleIndex) -> list[str]:
    """``_entry_errors``, listed up to ``MAX_ERRORS_PER_FILE`` and the rest counted in one
    more (decision 0149: a hostile file's 100,000 unanswered dependencies or members were
    100,000 report lines, in every format and on stderr). Every mode reads a file's errors
    here; the verdict is the same (the file has errors) and the count is said."""
    errors = _entry_errors(graph, index)
    more = len(errors) - MAX_ERRORS_PER_FILE
    if more <= 0:
        return errors
    del errors[MAX_ERRORS_PER_FILE:]
    errors.append(unlisted_errors_line(more, MAX_ERRORS_PER_FILE))
    return errors


def _entry_errors(graph: LockfileGraph, index: RuleIndex) -> list[str]:
    """The file's entry errors, and each package a rule names by version whose version is not
    semver (a damaged or hand-edited entry: ``{.22.13``): no version rule can be checked
    against it, so it is an error of the scan, never a silent miss. Named by position (line,
    else node id), never by the version's text."""
    errors = list(graph.entry_errors)
    table = graph.table
    if graph.format in _SBOM_FORMATS:
        errors.extend(lowercased_names(graph, index))
    errors.extend(
        f"line {line}: a dependency on {name} is a catalog: reference, and every entry of"
        f" {name} in the file is another dependency's: which release it resolves to cannot be"
        " told without the catalog (this check reads yarn.lock alone, not .yarnrc.yml; an entry"
        " cut or edited out?)"
        for name, line in graph.unverified_catalogs
        if name in index.names
    )
    errors.extend(_unread_declared(graph.declared, index))
    if graph.versions_written:
        errors.extend(_unversioned(graph, index, error=True))
    if graph.unnamed_tarballs:
        errors.extend(_unnamed_tarball_errors(graph, index))
    positions = [i for i in table.positions_named(index.names) if table.version(i)]
    if not positions:
        return errors
    by_name = index.by_name  # (a dropper matches any version: only version rules need one)
    from gouvernante.safetext import key_segment, shown  # noqa: PLC0415 - errors only
    from gouvernante.semver import try_parse_version  # noqa: PLC0415 - see package_hits

    if graph.format is LockfileFormat.YARN_CLASSIC:
        errors.extend(_unresolved_yarn_entries(graph, positions))
    for position in positions:
        if try_parse_version(table.version(position)) is not None:
            continue
        pkg = table[position]
        if pkg.source is Source.LOCAL or pkg.name not in by_name:
            continue
        line = graph.details.line_of(pkg.id)
        where = f"line {line}" if line is not None else f"packages{key_segment(pkg.id)}"
        errors.append(
            f"{where}: a rule names {shown(pkg.name)}, but this entry's version is not a semver"
            " version: it cannot be checked"
        )
    return errors


_SBOM_FORMATS = frozenset({LockfileFormat.CYCLONEDX, LockfileFormat.SPDX})


def _unresolved_yarn_entries(graph: LockfileGraph, positions: Sequence[int]) -> list[str]:
    """yarn 1 uses a registry entry only when it has a ``resolved``: without one (or an empty
    one) it resolves the entry's ranges from the registry again at install time, whatever its
    ``version`` says (yarn 1.22.22 ``--frozen-lockfile`` installed ms 2.1.3 for an entry
    ``ms@^2.1.2`` saying ``version "2.1.2"`` and no ``resolved``; its ``getLocked`` returns
    nothing for such an entry). yarn writes none only for ``file:`` and ``link:`` entries. So
    such an entry of a package a rule names cannot be checked: an error naming its line."""
    from gouvernante.safetext import shown  # noqa: PLC0415 - errors only

    errors: list[str] = []
    table = graph.table
    # (the reader may know which entries have none: no package built for the others)
    among = getattr(graph.details, "unresolved_among", None)
    for position in positions if among is None else among(positions):
        pkg = table[position]
        if pkg.source is not Source.REGISTRY or pkg.resolved:
            continue
        line = graph.details.line_of(pkg.id)
        errors.append(
            f"line {line}: a rule names {shown(pkg.name)}, but this entry has no resolved URL:"
            " yarn 1 does not use it and resolves its ranges from the registry at install time"
            " (a hand edit?): it cannot be checked"
        )
    return errors


def _unread_declared(declared: Sequence[DeclaredDependency], index: RuleIndex) -> list[str]:
    """A package.json entry of a package a rule names by version whose spec is no range npm
    reads (nor a dist-tag), but one bun reads as a range, or one too long to read (any field):
    bun's own
    range grammar reads ``>=1.14.0<1.15`` as ``>=1.14.0 || 1.15``, ``>=2,<3`` as ``>=2 <3``,
    ``foo || bar`` as ``*`` (bun 1.4.5, ``Bun.semver.satisfies``), where npm, pnpm and yarn
    refuse them. Which release bun installs is not read here: an error, never a note (read
    CLEAN). Named by field and key, never by the spec's text."""
    from gouvernante.safetext import key_segment, shown  # noqa: PLC0415 - errors only

    errors: list[str] = []
    for dep in declared:
        if dep.name not in index.by_name:
            continue
        spec = dep.spec.lstrip(" \t\n\r")
        if not (_too_long(spec) or (dep.field not in _NOT_BUN_FIELDS and _bun_range_unread(spec))):
            continue
        if dep.field in OVERRIDE_FIELDS:
            where = f"{dep.field} (its entry for {shown(dep.name)})"
        else:
            where = f"{dep.field}{key_segment(dep.alias or dep.name)}"
        if _too_long(spec):
            errors.append(
                f"{where}: a rule names {shown(dep.name)}, and this spec is longer than a range"
                " is read: which release it installs cannot be told; not quoted; lock it and"
                " scan the lockfile"
            )
            continue
        errors.append(
            f"{where}: a rule names {shown(dep.name)}, and this spec is no range npm, pnpm or"
            " yarn read, but one bun reads with its own grammar: which release it installs"
            " cannot be told offline; lock it and scan the lockfile"
        )
    return errors


# deno.json's import maps and pnpm-workspace.yaml's overrides: no bun reads them
_NOT_BUN_FIELDS = DENO_IMPORT_FIELDS | {WORKSPACE_OVERRIDES}


def _bun_range_unread(spec: str) -> bool:
    """``spec`` (left-trimmed as bun trims it) cannot be read as a range here (node-semver
    loose; no dist-tag) while bun 1.4.5 takes it for one (``Dependency.Version.Tag.infer``: a
    first character of ``=<>^*|``, a ``~`` not before ``/``, a digit, ``v`` and a digit, ``x``
    alone or before ``.``; else any spec holding ``|`` that is no tarball, GitHub or scp-like
    path), or it is longer than a range is read."""
    if _too_long(spec):
        return True
    if not spec or _declared_range(spec) is not None or _DIST_TAG.fullmatch(spec.strip()):
        return False
    bun_spec = _bun_spec(spec)
    if bun_spec is not None and _declared_range(bun_spec) is not None:
        return False  # read as bun reads it (``match_declared``)
    first, second = spec[0], spec[1:2]
    if spec.endswith((".tgz", ".tar.gz")):
        return False
    if first in "=<>^*|" or (first == "~" and second != "/") or first.isdigit():
        return first.isascii()
    if (first == "v" and second.isdigit() and second.isascii()) or (
        first in "xX" and second in ("", ".")
    ):
        return True
    return "|" in spec and "/" not in spec and ":" not in spec


# bun 1.4.5 reads a version followed by a lone "-" (at the end, before white space, "|" or "&")
# as that version: "2.1.3-", "<=2.1.3-", "2.1.3- || 9" install ms 2.1.3 with bun, where
# node-semver (loose) reads the prerelease "-" ("2.1.3--"), which npm, pnpm and yarn find no
# release of (``Bun.semver.satisfies("2.1.3", "2.1.3-")`` is true; decision 0081).
_BUN_EMPTY_PRERELEASE = lazy_pattern(
    r"(?<![\w.+-])(v?(?:\d+|[xX*])(?:\.(?:\d+|[xX*])){0,2})-(?=[\s|&]|$)", re.ASCII
)


def _bun_spec(spec: str) -> str | None:
    """``spec`` as bun reads a version with an empty prerelease (``_BUN_EMPTY_PRERELEASE``),
    when that differs from the text; None otherwise (the same reading as npm's)."""
    if "-" not in spec or _too_long(spec):
        return None
    read = _BUN_EMPTY_PRERELEASE.sub(r"\1", spec.lstrip(" \t\n\r"))
    return read if read != spec.lstrip(" \t\n\r") else None


def _too_long(spec: str) -> bool:
    """A spec longer than a range is read (any kind: a dist-tag, a URL): an error of the file
    naming field and key, never a finding quoting it (a 3 MB "dist-tag" was copied whole into
    every report, twice)."""
    from gouvernante.semver._range import MAX_RANGE_LENGTH  # noqa: PLC0415 - errors only

    return len(spec) > MAX_RANGE_LENGTH


def capitalised_names(index: RuleIndex) -> dict[str, str]:
    """Lowercased spelling -> the rule's spelling, of the names rules give with capitals (old
    registry packages: ``JSONStream``, ``Base64``; npm refuses capitals in new names)."""
    names = (*index.by_name, *index.droppers)
    return {n.lower(): n for n in names if n.isascii() and n != n.lower()}


def lowercased_names(graph: LockfileGraph, index: RuleIndex) -> list[str]:
    """An SBOM component spelled in lowercase (purl and ``name`` both: the purl spec lowercases
    npm names, and some producers write the purl's spelling as the name) whose name a rule
    spells with capitals, at a version the rule affects (any, for a dropper): ``jsonstream`` is
    a package of its own on the registry (1.0.3 only) and ``JSONStream`` another, so the SBOM
    cannot say which it lists. An error naming the component by its JSON path: not found, not
    CLEAN. A version the capitalised package's rule does not affect is nothing either way."""
    folded = capitalised_names(index)
    if not folded:
        return []
    from gouvernante.lockfiles.sbom import component_path  # noqa: PLC0415 - SBOMs only
    from gouvernante.safetext import shown  # noqa: PLC0415 - errors only

    table = graph.table
    errors: list[str] = []
    for position in table.positions_named(folded):
        pkg = table[position]
        spelled = folded[pkg.name]
        if pkg.source is Source.LOCAL or not package_hits(index, spelled, pkg.version, None):
            continue
        where = component_path(graph, pkg.id)
        what = f"{shown(pkg.name)}@{shown(pkg.version)}"
        errors.append(
            f"{where + ': ' if where else ''}{what} is spelled in lowercase, as package URLs"
            f" write npm names, and a rule names {shown(spelled)} at this version: the registry"
            f" holds both spellings as different packages, and the SBOM does not say which this"
            " is; not checked (read the project's lockfile)"
        )
    return errors


def lockfile_notes(graph: LockfileGraph, index: RuleIndex) -> tuple[str, ...]:
    """Every note of one lockfile read against the rules: its parser's, the bundled packages a
    rule names, and the rule-named packages locked with no version."""
    return (
        *graph.notes,
        *bundled_notes(graph, index),
        *unversioned_notes(graph, index),
        *limited_notes(graph, index),
        *local_tarball_notes(graph, index),
    )


def limited_note(hit: PackageHit, what: str, ecosystem: LockfileEcosystem, place: str) -> str:
    """The words for a release a rule names at this version but whose ``lockfile_ecosystems``
    leave this package manager out: the author's limit is kept, never silently (the runbook's
    template lists npm, pnpm and yarn only, and bun installs the same registry tarball)."""
    allowed = ", ".join(sorted(e.value for e in hit.allowed))
    return (
        f"{what} is named by {hit.rule.id} (version matches {hit.expression}), whose"
        f" lockfile_ecosystems ({allowed}) leave {ecosystem.value} out: not reported for this"
        f" {place}; the registry release is the same whichever tool installs it (add"
        f" {ecosystem.value!r} to the rule, or drop the list, to report it)"
    )


def limited_notes(graph: LockfileGraph, index: RuleIndex) -> list[str]:
    """A note for each locked release a rule would name but for its ``lockfile_ecosystems``
    (``limited_note``), naming the entry's line or key."""
    ecosystem = graph.format.ecosystem
    if ecosystem is None:
        return []
    table = graph.table
    by_name = index.by_name
    notes: list[str] = []
    for position in table.positions_named(index.names):
        if all(
            e.package_rule.applies_to(ecosystem) for e in by_name.get(table.names[position], ())
        ):
            continue  # (no rule of this name leaves the file's ecosystem out: the usual case)
        limited: list[PackageHit] = []
        found = package_hits(
            index, table.names[position], table.version(position), ecosystem, limited
        )
        reported = {hit.rule.id for hit in found}
        limited = [hit for hit in limited if hit.rule.id not in reported]
        if not limited:
            continue
        pkg = table[position]
        if pkg.source is Source.LOCAL:
            continue
        from gouvernante.safetext import key_segment, shown  # noqa: PLC0415 - notes only

        line = graph.details.line_of(pkg.id)
        where = f"line {line}" if line is not None else f"packages{key_segment(pkg.id)}"
        what = f"{where}: {shown(pkg.name)}@{shown(pkg.version)}"
        notes.extend(
            limited_note(hit, what, ecosystem, "lockfile")
            for hit in dict((h.rule.id, h) for h in limited).values()
        )
    return notes


def _positions_by_version_rule(table: PackageTable, index: RuleIndex) -> list[int]:
    """``table.positions_named(index.by_name)``: the packages a version rule names (droppers
    left out), from the pass over the names column the scan keeps for ``index.names``, of
    which ``by_name``'s keys are a part (each other pass over a big file's names costs ~2 ms)."""
    by_name = index.by_name
    names = table.names
    return [i for i in table.positions_named(index.names) if names[i] in by_name]


def unversioned_notes(graph: LockfileGraph, index: RuleIndex) -> list[str]:
    """A package a rule names by version that the file locks to a tarball URL or a git
    repository without recording its version, in a form the tool writes so (npm v1 writes the
    URL as the version; bun.lock records none for such an entry): no version rule can be
    checked, so a note naming the entry's position, never its URL (as a declared git or
    tarball spec is a note). Where the tool writes a version (``versions_written``) it is an
    error instead (``_entry_errors``)."""
    return [] if graph.versions_written else _unversioned(graph, index, error=False)


def _unversioned(graph: LockfileGraph, index: RuleIndex, *, error: bool) -> list[str]:
    """``error``: the tool writes a version in every such entry and installs the URL's
    package with it removed (npm 11.19.1 ``npm ci``, pnpm 9.15.9 and 10.34.9 ``install
    --frozen-lockfile``, yarn 4.12.0 ``install --immutable``: decision 0155), so the file no
    longer says which release is installed: an error of the scan, not a CLEAN with a note."""
    table = graph.table
    by_name = index.by_name
    positions = [i for i in _positions_by_version_rule(table, index) if not table.version(i)]
    if not positions:
        return []
    from gouvernante.safetext import key_segment, shown  # noqa: PLC0415 - notes only

    issues = []
    for position in positions:
        pkg = table[position]
        if pkg.source is Source.LOCAL or pkg.source is Source.REGISTRY:
            continue  # (a registry entry without a version is the readers' error)
        line = graph.details.line_of(pkg.id)
        where = f"line {line}" if line is not None else f"packages{key_segment(pkg.id)}"
        rules = ", ".join(dict.fromkeys(e.rule.id for e in by_name[pkg.name]))
        written = (
            f", where {graph.format.ecosystem or 'the tool'} records the package's own (it"
            " installs an entry whose version was removed from the URL all the same)"
        )
        undecided = (
            "which release is installed cannot be told" if error else "it cannot be decided offline"
        )
        issues.append(
            f"{where}: {shown(pkg.name)} is locked to a {pkg.source.value} URL with no version"
            f" recorded{written if error else ''}, and {rules} names it: {undecided} (scan the"
            " installed node_modules with -host)"
        )
    return issues


def rules_at_version(
    index: RuleIndex, version: str, ecosystem: LockfileEcosystem | None
) -> list[str]:
    """The ids of the rules naming any package at this version (a dropper at any): what a
    package whose name is not known could be affected by. In the order of the names (then a
    name's version rules before its droppers), as each name's ``package_hits`` would give
    them; by the index's table (``_at_version``): a look-up and the non-exact expressions per
    version, not every name's rules (a lockfile may ask for thousands of versions)."""
    from gouvernante.rules.model import exact_key  # noqa: PLC0415
    from gouvernante.semver import parse_range, try_parse_version  # noqa: PLC0415

    exact, inexact, always = _at_version(index, ecosystem)
    parsed = try_parse_version(version) if version else None
    hits = list(always)
    if parsed is not None:
        hits += exact.get(exact_key(parsed), ())
        hits += (
            (order, rule_id)
            for order, rule_id, exprs in inexact
            if any(parse_range(e).test(parsed, include_prerelease=True) for e in exprs)
        )
    return list(dict.fromkeys(rule_id for _order, rule_id in sorted(hits)))


_Order = tuple[int, int, int]  # the name's rank, 0 version rule / 1 dropper, entry position
_AtVersion = tuple[
    dict[str, list[tuple[_Order, str]]],  # exact version -> rules
    list[tuple[_Order, str, tuple[str, ...]]],  # the other expressions of a package rule
    list[tuple[_Order, str]],  # droppers: at any version
]
_AT_VERSION: dict[tuple[int, LockfileEcosystem | None], tuple[RuleIndex, _AtVersion]] = {}


def _at_version(index: RuleIndex, ecosystem: LockfileEcosystem | None) -> _AtVersion:
    """``rules_at_version``'s table of ``index`` for ``ecosystem``, built on first use (the few
    last indexes kept)."""
    got = _AT_VERSION.get((id(index), ecosystem))
    if got is not None and got[0] is index:
        return got[1]
    exact: dict[str, list[tuple[_Order, str]]] = {}
    inexact: list[tuple[_Order, str, tuple[str, ...]]] = []
    always: list[tuple[_Order, str]] = []
    for rank, name in enumerate(sorted(index.names)):
        for position, entry in enumerate(index.by_name.get(name, ())):
            prule = entry.package_rule
            if ecosystem is not None and not prule.applies_to(ecosystem):
                continue
            order = (rank, 0, position)
            for key in prule.exact:
                exact.setdefault(key, []).append((order, entry.rule.id))
            if prule.inexact:
                inexact.append((order, entry.rule.id, tuple(e for _p, e in prule.inexact)))
        for position, dentry in enumerate(index.droppers.get(name, ())):
            always.append(((rank, 1, position), dentry.rule.id))
    if len(_AT_VERSION) >= 8:
        _AT_VERSION.clear()
    table = (exact, inexact, always)
    _AT_VERSION[(id(index), ecosystem)] = (index, table)
    return table


def _unnamed_tarball_errors(graph: LockfileGraph, index: RuleIndex) -> list[str]:
    """A yarn ``file:`` tarball whose package was not read (``LockfileGraph.unnamed_tarballs``:
    yarn records the dependency's name, not the package's; every mode reads the tarball where it
    has the project's files, decision 0091: this one was not there, not a regular file, damaged,
    too big or outside the lockfile's folder) is an error when a rule names any package at its
    version: it may be that release's copy (decision 0072), and the file cannot
    say which package it is; unless a rule names the entry as the file names it (a finding,
    which says it was locked from a local tarball). Named by line, never by the version's
    text.

    A yarn 1 entry whose header asks the registry but whose ``resolved`` is a local tarball
    (no ``@file:`` in its id: yarn never writes it so, a hand edit; decision 0159): its
    version line is the registry's answer, not the tarball's (yarn installs the file whatever
    it says), so a rule naming its package at any version makes it an error too."""
    table = graph.table
    ecosystem = graph.format.ecosystem
    rules_at: dict[str, list[str]] = {}  # version -> the rules naming a package at it
    errors: list[str] = []
    classic = graph.format is LockfileFormat.YARN_CLASSIC
    for node_id, relative in graph.unnamed_tarballs:
        position = table.position_of(node_id)
        if position is None or not table.version(position):
            continue
        version = table.version(position)
        name = table.names[position]
        asks_registry = classic and "@file:" not in node_id
        if asks_registry and name in index.names:
            named = [e.rule.id for e in index.by_name.get(name, ())]
            named += (d.rule.id for d in index.droppers.get(name, ()))
            rules = list(dict.fromkeys([*named, *rules_at_version(index, version, ecosystem)]))
        else:
            if package_hits(index, name, version, ecosystem):
                continue  # a finding already
            known = rules_at.get(version)
            if known is None:
                known = rules_at[version] = rules_at_version(index, version, ecosystem)
            rules = known
        if not rules:
            continue
        from gouvernante.safetext import key_segment, shown  # noqa: PLC0415 - errors only

        line = graph.details.line_of(node_id)
        where = f"line {line}" if line is not None else f"packages{key_segment(node_id)}"
        outside = "" if relative else ", outside the lockfile's folder"
        errors.append(
            f"{where}: {shown(table[position].name)} is locked from a local tarball{outside}"
            " that was not read (not where the file says it is in the scanned folder, commit"
            " or image, not a regular file, damaged, over the size or ratio limits, or past"
            " the scan's budget for tarballs): "
            + (
                "its entry asks the registry but resolves to that file, which yarn installs"
                " whatever the version line says (decision 0159), and"
                if asks_registry
                else "yarn.lock names the dependency, not the package it holds, and"
            )
            + f" {', '.join(rules)} {'names' if len(rules) == 1 else 'name'}"
            + (" this package or" if asks_registry else "")
            + " a package at this entry's version"
        )
    return errors


def local_tarball_notes(graph: LockfileGraph, index: RuleIndex) -> list[str]:
    """A ``file:`` tarball a rule names whose version the file does not record (bun.lock,
    bun.lockb: no version from the file's name): no version rule can be checked against it, so
    it is said, never silent. (With a version, a rule-named tarball is a finding: decision
    0072.)"""
    table = graph.table
    notes: list[str] = []
    for position in _positions_by_version_rule(table, index):
        if table.source(position) is not Source.LOCAL or table.version(position):
            continue
        pkg = table[position]
        if not locked_from_local_tarball(pkg):
            continue
        from gouvernante.safetext import key_segment, shown  # noqa: PLC0415 - notes only

        line = graph.details.line_of(pkg.id)
        where = f"line {line}" if line is not None else f"packages{key_segment(pkg.id)}"
        rules = ", ".join(dict.fromkeys(e.rule.id for e in index.by_name[pkg.name]))
        notes.append(
            f"{where}: {shown(pkg.name)} is locked from a local tarball whose version the file"
            f" does not record: {rules} names that package, and no version rule can be checked"
            " against it (a rule's integrity hashes match the tarball's); a tarball copied from"
            " an affected release is that release: check where it came from"
        )
    return notes


def bundled_notes(graph: LockfileGraph, index: RuleIndex) -> list[str]:
    """A package a rule names that an entry bundles in its tarball (pnpm's
    ``bundledDependencies``, npm's linked layout's ``bundleDependencies``): the lockfile records
    no version of it, so the file cannot say whether the bundled copy is affected. One note for
    each entry bundling it, naming the entry's path; and one for each entry that bundles every
    dependency (``true``: the file gives no names)."""
    if not graph.bundled:
        return []
    from gouvernante.safetext import key_segment  # noqa: PLC0415 - notes only

    names = index.names
    notes = []
    for name, node in dict.fromkeys(graph.bundled):  # (a name listed twice: one note)
        if name and name not in names:
            continue
        what = f"{name} is bundled" if name else "every dependency is bundled (names not given)"
        if graph.format is LockfileFormat.BUN:  # (bun writes the registry's release instead)
            notes.append(
                f"packages{key_segment(node)}: {name} is bundled inside this package's tarball;"
                " bun.lock records a registry release for it (matched as written), which may"
                " not be the bundled copy's: the copy is not checked here (scan the installed"
                " node_modules with -host)"
                if name
                else f"packages{key_segment(node)}: this package's tarball bundles its own"
                " dependencies, which bun.lock does not all list (and lists at the registry's"
                " releases): not checked here (scan the installed node_modules with -host)"
            )
            continue
        field = "bundledDependencies"  # pnpm's; npm writes its own spelling
        if graph.format in NPM_LOCKFILE_FORMATS:
            field = "bundleDependencies"
        notes.append(
            f"packages{key_segment(node)}.{field}: {what} inside this package's"
            " tarball and the lockfile records no version of it: not checked here (scan the"
            " installed node_modules with -host)"
        )
    return notes


if TYPE_CHECKING:  # a type only: creating a TypedDict class costs ~0.2 ms at every start

    class Place(TypedDict, total=False):
        """What a rule matched and where: the ``Finding`` fields beyond the rule and the reason."""

        package: str
        version: str | None
        declared_range: str
        matched_expression: str | None
        source: Source
        resolved: str | None
        lockfile: str
        lockfile_format: LockfileFormat
        path: str | None
        line: int | None
        dependency_paths: tuple[tuple[str, ...], ...]
        more_paths: int
        direct: bool | None
        install_scripts: tuple[str, ...]
        hashes: tuple[HashResult, ...]
        indicator: str
        confidence: str | None


def rule_finding(
    rule: Rule, kind: FindingType, match: MatchKind, description: str, **place: Unpack[Place]
) -> Finding:
    """The one way a rule's hit becomes a ``Finding`` (lockfile, package.json, installed, cached
    and host-indicator findings): the rule's id, title, severity and remediation, the reason,
    and what matched where."""
    return Finding(
        rule_id=rule.id,
        rule_title=rule.title,
        severity=rule.severity,
        type=kind,
        match=match,
        description=description,
        remediation=rule.remediation.text() if rule.remediation else None,
        **place,
    )


def _finding(hit: _Hit, graph: LockfileGraph, display_path: str, view: GraphView) -> Finding:
    from gouvernante.match.paths import dependency_paths  # noqa: PLC0415 - findings only

    paths = dependency_paths(graph, hit.node_ids, view)
    line = None
    for node_id in hit.node_ids:
        line = graph.details.line_of(node_id)
        if line is not None:
            break
    pkg = hit.package
    description = _describe(hit)
    if graph.uninstalled and _only_uninstalled(graph, hit.node_ids):
        description += _NPM_EXTRANEOUS if graph.format in NPM_LOCKFILE_FORMATS else _UNINSTALLED
    if pkg.source is Source.LOCAL and hit.match is not MatchKind.INTEGRITY:
        description += _LOCAL_TARBALL
    return rule_finding(
        hit.rule,
        FindingType.PACKAGE,
        hit.match,
        description,
        package=pkg.name,
        version=pkg.version or None,
        matched_expression=hit.expression,
        source=pkg.source,
        resolved=pkg.resolved if pkg.source is not Source.REGISTRY else None,
        lockfile=display_path,
        lockfile_format=graph.format,
        line=line,
        dependency_paths=paths.paths,
        more_paths=paths.more,
        direct=paths.direct,
    )


# yarn 1's entry for a resolutions entry no dependency uses (``LockfileGraph.uninstalled``):
# still a finding (the project pins the release, and the next dependency on the package gets
# it), saying why nothing installed it.
_UNINSTALLED = (
    "; yarn.lock holds it only for the package.json's resolutions, which no dependency uses:"
    " yarn 1 does not install it now, but the resolution pins it (change the resolution)"
)
# npm's entry written ``"extraneous": true`` that nothing in the file reaches (decision 0163):
# still a finding (npm wrote it from a node_modules that held the release), saying why npm ci
# does not install it.
_NPM_EXTRANEOUS = (
    "; the lockfile marks it extraneous and nothing in it depends on it: npm ci does not install"
    " it from this file, but it was in the node_modules npm wrote the file from (check the"
    " machine that wrote it; npm prune removes the entry)"
)


# A packed ``file:`` tarball named like an affected release (decision 0072).
_LOCAL_TARBALL = (
    "; locked from a local tarball (file:), not downloaded from the registry: a copy of the"
    " affected release unless it was built elsewhere (check where it came from; a rule's"
    " integrity hashes tell)"
)


def _only_uninstalled(graph: LockfileGraph, node_ids: Sequence[str]) -> bool:
    uninstalled = set(graph.uninstalled)
    return all(node in uninstalled for node in node_ids)


class DeclaredHit(msgspec.Struct, frozen=True, gc=False):
    """A package.json range that could resolve to an affected release (or names a dropper)."""

    finding: Finding
    name: str
    field: str = "dependencies"  # the package.json field that declares it
    # A git URL, tarball URL or ``file:`` spec: nothing to intersect offline; a note
    # when no lockfile decides (``finding`` says which rule names the package).
    undecided: bool = False
    spec: str = ""  # a range's text, as declared ("": no range: a dist-tag, a dropper, ...)
    alias: str | None = None  # the key, when it names the package otherwise (``npm:``)
    reading: str | None = None  # ``DeclaredDependency.reading``


CATALOG_PREFIX = "catalog:"  # a pnpm catalog reference (``catalog:``, ``catalog:NAME``)


def declared_what(hit: DeclaredHit) -> str:
    """How a note about a declared range names it: range, package, rule, rule expression."""
    matched = hit.finding.matched_expression
    if matched is None:
        matched = "dropper" if hit.finding.match is MatchKind.DROPPER else "not decidable offline"
    return (
        f"declared range {hit.finding.declared_range!r} of {hit.name} could match"
        f" {hit.finding.rule_id} ({matched})"
    )


def undecided_note(hit: DeclaredHit) -> str:
    """The note for a spec no offline check can decide (git, tarball, ``file:``, a
    catalog entry no workspace file defines) when no lockfile of the project decides it."""
    spec = hit.finding.declared_range or ""
    if spec.startswith(CATALOG_PREFIX):
        what = (
            "a catalog entry no pnpm-workspace.yaml, root package.json or .yarnrc.yml of this"
            " project defines"
        )
    elif _names_a_place(spec):
        what = "a git, tarball or file: dependency"
    else:
        # no range (npm's loose reading), dist-tag, URL or path: npm 11.19.1 refuses it
        # (``a b``, ``$x``, ``@@@``: EINVALIDTAGNAME), installing nothing; what other
        # package managers make of it is not known here (decision 0159)
        what = "no range, dist-tag, URL or path: npm refuses to install it"

    return (
        f"{hit.name} is declared as {spec!r} ({what}) and {hit.finding.rule_id} names it: it"
        " cannot be decided offline; lock it and scan the lockfile"
    )


def _names_a_place(spec: str) -> bool:
    """Does a spec that is no range or dist-tag name a git repository, a URL or a path (what
    npm-package-arg reads so: a scheme, a ``/`` of a path or a GitHub shorthand, a leading
    ``.`` or ``~``)?"""
    text = spec.strip()
    return ":" in text or "/" in text or "\\" in text or text.startswith((".", "~"))


def _declared_range(spec: str) -> Range | None:
    from gouvernante.semver import parse_range  # noqa: PLC0415 - see package_hits

    try:
        # loose, as npm (npm-package-arg, npm-pick-manifest) and pnpm read a manifest's range:
        # ">=1.2.03" and "^1.2.3 foo" install 1.2.3 (strict: no range, read CLEAN)
        return parse_range(spec, loose=True)
    except SemverError:
        return None  # git URL, file:, workspace:, dist-tag: nothing to intersect


def match_declared(
    declared: Sequence[DeclaredDependency], index: RuleIndex, display_path: str
) -> list[DeclaredHit]:
    out: list[DeclaredHit] = []
    for dep in declared:
        entries = index.by_name.get(dep.name)
        dropper_entries = index.droppers.get(dep.name)
        if entries is None and dropper_entries is None:
            continue
        if dep.reading is not None:
            start = len(out)
            plain = msgspec.structs.replace(dep, reading=None)
            out.extend(match_declared([plain], index, display_path))
            out[start:] = [msgspec.structs.replace(h, reading=dep.reading) for h in out[start:]]
            continue
        declared_range = _declared_range(dep.spec)
        bun_spec = _bun_spec(dep.spec) if dep.field not in _NOT_BUN_FIELDS else None
        bun_range = _declared_range(bun_spec) if bun_spec is not None else None
        readings = [r for r in (declared_range, bun_range) if r is not None]
        seen_rules: set[str] = set()
        if not readings and entries:
            out.extend(_not_a_range(dep, entries, display_path))
        for entry in entries or ():
            prule = entry.package_rule
            if entry.rule.id in seen_rules:
                continue
            expr = next((e for e in map(prule.first_intersecting, readings) if e is not None), None)
            if expr is not None:
                seen_rules.add(entry.rule.id)
                out.append(
                    DeclaredHit(
                        _declared_finding(entry.rule, dep, display_path, expr),
                        dep.name,
                        dep.field,
                        spec=dep.spec,
                        alias=dep.alias,
                    )
                )
        for dentry in dropper_entries or ():
            if dentry.rule.id in seen_rules:
                continue
            seen_rules.add(dentry.rule.id)
            out.append(
                DeclaredHit(
                    _declared_finding(dentry.rule, dep, display_path, None), dep.name, dep.field
                )
            )
    return out


_LOCAL_SPECS = ("workspace:", "link:", "portal:")
_TARBALL_FILE = lazy_pattern(r"-(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\.(?:tgz|tar\.gz|tar)$")
# npm's registry dist-tag: what is no version, range, URL, path or alias and reads the same
# after ``encodeURIComponent`` (npm-package-arg's test); git shorthands hold a ``/``.
_DIST_TAG = lazy_pattern(r"[A-Za-z0-9\-_.!~*'()]+")


def _not_a_range(
    dep: DeclaredDependency, entries: Sequence[VersionEntry], display_path: str
) -> list[DeclaredHit]:
    """A spec that is no range: a workspace/link is local (nothing to say); a tarball whose
    file name carries a version the rule affects is a finding; a registry dist-tag
    (``latest``, ``next``) is too: the tag points at whatever release it is moved to (an
    attacker's publish moves ``latest``), so it can be any affected one, as ``*`` can; the
    rest (git, other tarballs, ``file:``) cannot be decided offline."""
    spec = dep.spec.strip()
    if not spec or spec.startswith(_LOCAL_SPECS) or _too_long(spec):
        return []  # (too long: an error of the file, ``entry_errors``)
    if _DIST_TAG.fullmatch(spec):
        return [_dist_tag_hit(dep, entry, display_path, spec) for entry in entries]
    if dep.field not in _NOT_BUN_FIELDS and _bun_range_unread(dep.spec.lstrip(" \t\n\r")):
        return []  # an error of the file (``entry_errors``): bun reads it as a range
    from gouvernante.semver import try_parse_version  # noqa: PLC0415 - see package_hits

    # a registry tarball URL names its version as the package managers fetch it (escapes,
    # dot segments, backslashes: ``registry_identity``): "ms-2.1.%33.tgz" installs ms 2.1.3
    # with npm, pnpm, yarn 1 and 4 and bun (decision 0081); else the file name's version
    identity = registry_identity(spec) if spec[:4].lower() == "http" else None
    if identity is not None and identity[1]:
        version = try_parse_version(identity[1])
    else:
        tarball = _TARBALL_FILE.search(spec.partition("?")[0].partition("#")[0])
        version = try_parse_version(tarball.group(1)) if tarball else None
    hits: list[DeclaredHit] = []
    for entry in entries:
        prule = entry.package_rule
        if version is not None:
            expr = prule.first_match(version)
            if expr is not None:
                finding = _declared_finding(entry.rule, dep, display_path, expr)
                hits.append(DeclaredHit(finding, dep.name, dep.field))
        else:
            finding = msgspec.structs.replace(
                _declared_finding(entry.rule, dep, display_path, None),
                match=MatchKind.DECLARED_RANGE,
                description=f"{_declared_in(dep)[0]} declares {dep.name} as {spec!r}:"
                " not decidable offline",
            )
            hits.append(DeclaredHit(finding, dep.name, dep.field, undecided=True))
    return hits


def _dist_tag_hit(
    dep: DeclaredDependency, entry: VersionEntry, display_path: str, tag: str
) -> DeclaredHit:
    expression = entry.package_rule.affected_versions[0]
    manifest, field = _declared_in(dep)
    alias = f" (as alias {dep.alias})" if dep.alias else ""
    finding = msgspec.structs.replace(
        _declared_finding(entry.rule, dep, display_path, expression),
        description=f"{manifest} declares {dep.name}{alias} as the dist-tag {tag!r} in {field}:"
        f" it installs whatever release the registry's tag points at then, which can be one"
        f" affected by {entry.rule.id} ({expression}); no lockfile of this project resolves it",
    )
    return DeclaredHit(finding, dep.name, dep.field)


def _declared_in(dep: DeclaredDependency) -> tuple[str, str]:
    """(the file, its field) that declares ``dep``, as a finding words them."""
    if dep.field == WORKSPACE_OVERRIDES:
        return PNPM_WORKSPACE, "overrides"
    if dep.field in DENO_IMPORT_FIELDS:
        return "deno.json", dep.field
    return "package.json", dep.field


def _declared_finding(
    rule: Rule, dep: DeclaredDependency, display_path: str, expression: str | None
) -> Finding:
    alias = f" (as alias {dep.alias})" if dep.alias else ""
    catalog = f" (from {capped(dep.catalog)!r} in {dep.catalog_file})" if dep.catalog else ""
    manifest, field = _declared_in(dep)
    if expression is None:
        why = f"declares the dropper package {dep.name}{alias} named by {rule.id}"
    else:
        why = (
            f"declares {dep.name}{alias} with range {dep.spec!r}{catalog} in {field}, which can"
            f" resolve to a release affected by {rule.id} ({expression})"
        )
    return rule_finding(
        rule,
        FindingType.PACKAGE,
        MatchKind.DROPPER if expression is None else MatchKind.DECLARED_RANGE,
        f"{manifest} {why}; no lockfile of this project resolves it",
        package=dep.name,
        # (a dropper is named whatever the spec: one too long to read is shown capped)
        declared_range=capped(dep.spec) if _too_long(dep.spec) else dep.spec,
        matched_expression=expression,
        lockfile=display_path,
        # an override forces a version wherever the package is in the tree: direct or not is
        # not known from the manifest (``None``); the other fields declare direct dependencies
        direct=None if dep.field in OVERRIDE_FIELDS else True,
    )
