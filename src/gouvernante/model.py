"""Types shared by every role: lockfile graphs, findings, scan results.

Everything that crosses a module boundary is a frozen msgspec Struct (no generated code at
start-up; the small value classes are not tracked by the cyclic GC), a written-out slotted class
or an enum: a scan imports no ``dataclasses`` (decision 0024); change one with
``msgspec.structs.replace``. Parsers produce
``LockfileGraph``; the matcher turns graphs and rules into ``Finding``; renderers read
``ScanResult`` only.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterator, Mapping, Sequence
from enum import StrEnum
from functools import cached_property
from itertools import compress
from typing import TYPE_CHECKING, Protocol, overload

import msgspec

from gouvernante.lazy import lazy_pattern
from gouvernante.vocab import LockfileEcosystem, Severity

if TYPE_CHECKING:
    from gouvernante.rules.model import Rule
    from gouvernante.rules.ruleset import RuleFile


class LockfileFormat(StrEnum):
    PACKAGE_LOCK = "package-lock"
    SHRINKWRAP = "npm-shrinkwrap"
    PACKAGE_JSON = "package.json"
    PNPM = "pnpm-lock"
    YARN_CLASSIC = "yarn-classic"
    YARN_BERRY = "yarn-berry"
    BUN = "bun-lock"
    BUN_BINARY = "bun-lockb"
    DENO = "deno-lock"  # npm packages only; no rule is limited to deno (every rule applies)
    CYCLONEDX = "cyclonedx"  # an SBOM (inventory add -sbom): which package manager is unknown
    SPDX = "spdx"

    @property
    def ecosystem(self) -> LockfileEcosystem | None:
        """The package manager family; None for an SBOM (every rule applies)."""
        return _FORMAT_ECOSYSTEM.get(self)


_FORMAT_ECOSYSTEM = {
    LockfileFormat.PACKAGE_LOCK: LockfileEcosystem.NPM,
    LockfileFormat.SHRINKWRAP: LockfileEcosystem.NPM,
    LockfileFormat.PACKAGE_JSON: LockfileEcosystem.NPM,
    LockfileFormat.PNPM: LockfileEcosystem.PNPM,
    LockfileFormat.YARN_CLASSIC: LockfileEcosystem.YARN,
    LockfileFormat.YARN_BERRY: LockfileEcosystem.YARN,
    LockfileFormat.BUN: LockfileEcosystem.BUN,
    LockfileFormat.BUN_BINARY: LockfileEcosystem.BUN,
}
# npm's own lockfiles (package-lock.json, npm-shrinkwrap.json: one format, two names)
NPM_LOCKFILE_FORMATS = frozenset({LockfileFormat.PACKAGE_LOCK, LockfileFormat.SHRINKWRAP})


class Source(StrEnum):
    """Where a locked package comes from. ``LOCAL`` packages are never matched against rules."""

    REGISTRY = "registry"
    GIT = "git"
    TARBALL = "tarball"
    LOCAL = "local"  # workspace, link, file, portal


class LockedPackage(msgspec.Struct, frozen=True, gc=False):
    """One resolved package entry of a lockfile.

    ``id`` is the node id in the lockfile graph (unique within one lockfile): the npm
    ``packages`` key, the pnpm snapshot key, the yarn resolution, the bun key...
    ``name`` is the real package name (aliases resolved), ``version`` the exact version or
    ``""`` when the lockfile does not say (some git/tarball deps).
    """

    id: str
    name: str
    version: str
    source: Source = Source.REGISTRY
    integrity: str | None = None
    resolved: str | None = None


# Lookups answered by scanning the ids before an index is built: a scan of a small table costs
# less than an index, but a few scans of a 50,000-id table already cost more (yarn classic's
# paths asked 32: ~80 M instructions).
_SCANS_BEFORE_INDEX = 32
_BIG_TABLE = 5000
_SCANS_OF_A_BIG_TABLE = 4


class PackageTable(Sequence[LockedPackage]):
    """The resolved packages of one lockfile, stored as columns; a ``LockedPackage`` is built
    when asked for.

    A big lockfile holds tens of thousands of packages and a scan looks closely at a handful, so
    the matcher filters on the ``names`` column (and on integrity hashes) and builds only the
    packages it reports. ``build(i)`` returns the package at position ``i`` (an equal one every
    time; the table keeps the first); ``integrity()`` returns the integrity column, computed when
    first needed, and ``version(i)`` the version without building the package.
    """

    __slots__ = (
        "_build",
        "_built",
        "_integrity",
        "_integrity_of",
        "_known",
        "_lookups",
        "_named",
        "_positions",
        "_source_of",
        "_version_of",
        "ids",
        "names",
    )

    def __init__(
        self,
        ids: Sequence[str],
        names: Sequence[str],
        build: Callable[[int], LockedPackage],
        integrity: Callable[[], Sequence[str | None]] | None = None,
        version: Callable[[int], str] | None = None,
        *,
        source: Callable[[int], Source] | None = None,
        known: Mapping[str, int] | None = None,
    ) -> None:
        if len(ids) != len(names):
            raise ValueError("PackageTable columns differ in length")
        self.ids = ids
        self.names = names
        self._build = build
        self._built: dict[int, LockedPackage] = {}
        self._version_of = version
        self._source_of = source
        # ids whose (first) position the parser has told already, as it handed them out: a
        # scan asks the positions of its findings and of their ancestors only
        self._known = known
        self._integrity_of = integrity
        self._integrity: Sequence[str | None] | None = None
        self._positions: dict[str, int] | None = None
        self._lookups = 0
        self._named: tuple[frozenset[str], tuple[int, ...]] | None = None

    @classmethod
    def of(cls, packages: Sequence[LockedPackage]) -> PackageTable:
        """A table over packages already built (small lockfiles, tests)."""
        if isinstance(packages, PackageTable):
            return packages
        items = list(packages)
        return cls(
            [p.id for p in items],
            [p.name for p in items],
            items.__getitem__,
            lambda: [p.integrity for p in items],
        )

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> LockedPackage: ...

    @overload
    def __getitem__(self, index: slice) -> list[LockedPackage]: ...

    def __getitem__(self, index: int | slice) -> LockedPackage | list[LockedPackage]:
        if isinstance(index, slice):
            return [self._build(i) for i in range(len(self.ids))[index]]
        size = len(self.ids)
        if not -size <= index < size:
            raise IndexError("PackageTable index out of range")
        index %= size
        package = self._built.get(index)
        if package is None:
            package = self._built[index] = self._build(index)
        return package

    def __iter__(self) -> Iterator[LockedPackage]:
        build = self._build
        return (build(i) for i in range(len(self.ids)))

    def version(self, index: int) -> str:
        """The version at a position, without building the package when the parser can tell."""
        if self._version_of is not None:
            return self._version_of(index)
        return self[index].version

    def source(self, index: int) -> Source:
        """The source at a position, without building the package when the parser can tell (a
        scan asks it of every package a rule names, and looks closer at the few it matches)."""
        if self._source_of is not None:
            return self._source_of(index)
        return self[index].source

    def positions_named(self, wanted: Container[str]) -> Sequence[int]:
        """Positions of the packages whose name is in ``wanted``. A scan asks with its rule
        index's (frozen) name set several times (matching, entry errors, the pipeline's notes):
        that answer is kept, one pass over the names column instead of three."""
        named = self._named
        if named is not None and named[0] is wanted:
            return named[1]
        found = tuple(compress(range(len(self.names)), map(wanted.__contains__, self.names)))
        if type(wanted) is frozenset:
            self._named = (wanted, found)
        return found

    def integrity(self) -> Sequence[str | None]:
        if self._integrity is None:
            column = self._integrity_of() if self._integrity_of is not None else None
            self._integrity = column if column is not None else [p.integrity for p in self]
        return self._integrity

    def position_of(self, node_id: str) -> int | None:
        """Position of the package with this node id (the first, if a parser repeated one)."""
        if self._positions is None:
            if self._known is not None:
                found = self._known.get(node_id)
                if found is not None:
                    return found
            self._lookups += 1
            limit = _SCANS_BEFORE_INDEX if len(self.ids) < _BIG_TABLE else _SCANS_OF_A_BIG_TABLE
            if self._lookups <= limit:  # a few labels: a scan costs less
                try:
                    return self.ids.index(node_id)
                except ValueError:
                    return None
            # reversed, so that a repeated id keeps its first position
            size = len(self.ids)
            self._positions = dict(zip(reversed(self.ids), range(size - 1, -1, -1), strict=True))
        return self._positions.get(node_id)


class Importer:
    """A root of the dependency graph: the project itself or one workspace.

    ``id`` is a node id usable with ``GraphDetails.edges``; ``label`` is what a person reads at
    the start of a dependency path (the package name of the project or workspace, else its
    folder).

    ``folder`` is the importer's directory relative to the lockfile's (``""`` for the project
    itself, ``"packages/core"`` for a workspace) when the lockfile records it, else ``None``;
    it is derived from the id, so it takes no part in equality.

    Written out (frozen, slotted) rather than generated: every scan imports this module, and the
    dataclass code generator cost ~1.5 ms for this class alone.
    """

    __slots__ = ("folder", "id", "label")
    __match_args__ = ("id", "label", "folder")

    id: str
    label: str
    folder: str | None

    def __init__(self, id: str, label: str, folder: str | None = None) -> None:
        object.__setattr__(self, "id", id)
        object.__setattr__(self, "label", label)
        object.__setattr__(self, "folder", folder)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Importer)
        return (self.id, self.label) == (other.id, other.label)

    def __hash__(self) -> int:
        return hash((self.id, self.label))

    def __repr__(self) -> str:
        return f"Importer(id={self.id!r}, label={self.label!r}, folder={self.folder!r})"

    def __reduce__(self) -> tuple[type[Importer], tuple[str, str, str | None]]:
        return (Importer, (self.id, self.label, self.folder))


# Catalogs (pnpm-workspace.yaml's, a bun root package.json's): catalog name ("default" for
# ``catalog:``) -> package -> range.
Catalogs = Mapping[str, Mapping[str, str]]
# A yarn view: the catalogs of the .yarnrc.yml files yarn 4.10+ reads when run in one folder,
# the closer first (it merges them entry by entry, the closer file's entry first: decision 0056).
YarnView = tuple[Catalogs, ...]


class DeclaredDependency(msgspec.Struct, frozen=True, gc=False):
    """A dependency range declared in a package.json (``"my-lodash": "npm:lodash@^4"``)."""

    name: str  # real package name (alias resolved)
    spec: str  # the npm range, alias prefix removed
    field: str  # dependencies | devDependencies | optionalDependencies | peerDependencies
    alias: str | None = None
    catalog: str | None = None  # the ``catalog:`` reference ``spec`` was read from
    catalog_file: str | None = None  # the file defining it: pnpm-workspace.yaml, package.json
    # a spec the package managers read two ways (``"ms": "npm:latest"``): which one this is,
    # ``DeclaredReading`` (None: every package manager reads it so)
    reading: str | None = None
    # the spec exactly as the package.json writes it, when ``spec`` is not that (an alias, a
    # spec trimmed): yarn 1 keys a root dependency's entry ``<alias or name>@<written>``
    written: str | None = None


class DeclaredReading(StrEnum):
    """Whose reading of a declared spec a ``DeclaredDependency`` is, when they differ."""

    BERRY = "yarn-berry"  # ``npm:latest`` is the key's own dist-tag
    NOT_BERRY = "not-yarn-berry"  # npm, pnpm, yarn 1, bun: the package named ``latest``


class GraphDetails(Protocol):
    """What a parser can compute on demand; only called when a lockfile has findings."""

    def edges(self) -> Mapping[str, Sequence[str]]:
        """Node id -> the node ids it depends on. Importer ids are nodes too."""
        ...

    def line_of(self, node_id: str) -> int | None:
        """1-based line of that node's entry in the file, if it can be located."""
        ...


class NoDetails:
    """``GraphDetails`` for files without a dependency graph."""

    def edges(self) -> Mapping[str, Sequence[str]]:
        return {}

    def line_of(self, node_id: str) -> int | None:
        return None


class KnownEdges:
    """``GraphDetails`` whose edges are known when the graph is made (a binary bun.lockb, an
    SBOM, a graph an inventory stored): no lines to locate."""

    def __init__(self, edges: Mapping[str, Sequence[str]]) -> None:
        self._edges = edges

    def edges(self) -> Mapping[str, Sequence[str]]:
        return self._edges

    def line_of(self, node_id: str) -> int | None:
        return None


class LockfileGraph(msgspec.Struct, frozen=True, dict=True):
    """What a parser returns: the resolved packages of one file, its roots and lazy details.

    A frozen msgspec Struct (``dict=True`` for the cached ``table``): change one with
    ``msgspec.structs.replace``."""

    format: LockfileFormat
    packages: Sequence[LockedPackage]
    importers: Sequence[Importer] = ()
    declared: Sequence[DeclaredDependency] = ()
    details: GraphDetails = msgspec.field(default_factory=NoDetails)
    notes: Sequence[str] = ()
    # package.json only: its ``workspaces`` globs (array or ``{"packages": [...]}`` form).
    workspaces: Sequence[str] = ()
    # False when the file does not record the project's own dependencies (npm lockfile v1, yarn
    # classic): the first importer's edges are then a guess and ``direct`` is unknown, until
    # ``lockfiles.with_manifest`` takes them from the package.json beside the lockfile.
    roots_known: bool = True
    # Entries that could not be read exactly (the rest of the file was): each an error of the
    # scan, "<JSON/YAML path>: <why>", so the exit code is never 0 on them.
    entry_errors: Sequence[str] = ()
    # yarn berry: names a dependency reaches only through an entry its range does not accept,
    # which the root package.json ``resolutions`` must explain (else the file was cut).
    overridden: Sequence[str] = ()
    # yarn classic: (name, line of the entry, range as written; None: not known, an inventory
    # graph) of each dependency no entry is keyed by; yarn 1 writes no entry for a workspace
    # whose version satisfies the range, so only a workspace of that name in the package.json
    # beside explains it (``lockfiles.with_manifest_beside``; else the file was cut).
    unkeyed: Sequence[tuple[str, int, str | None]] = ()
    # package.json: the names its ``resolutions`` override; pnpm-lock.yaml: the names its
    # ``overrides`` pin (pnpm writes those of package.json and of pnpm-workspace.yaml there).
    resolutions: frozenset[str] = frozenset()
    # Folders (relative to the lockfile's) of local directory packages whose dependencies the
    # lockfile resolves (``file:`` directories; berry ``portal:``): the package.json in one is
    # judged by this lockfile, as a workspace's is. npm records them as importers.
    local_folders: Sequence[str] = ()
    # pnpm: (YAML path, folder relative to the lockfile's) of each workspace link of a file
    # holding no package, to a folder no importer of the file lists: a file cut after its first
    # importer, unless the folder has a pnpm-lock.yaml of its own (shared-workspace-lockfile=
    # false: one file per project). ``lockfiles.parse_bytes`` refuses the file unless its
    # caller finds each folder's own lockfile (decision 0130).
    own_lockfile_links: Sequence[tuple[str, str]] = ()
    # pnpm: (name, node id) of each dependency a package bundles in its tarball
    # (``bundledDependencies``), whose version no lockfile records; name '' when it bundles
    # every dependency (``bundledDependencies: true``).
    bundled: Sequence[tuple[str, str]] = ()
    # yarn (classic and berry): (node id, path of the tarball relative to the lockfile's
    # folder, "" when not inside it) of each ``file:`` tarball entry, whose name in the file is
    # the dependency's (``"local-escape": "file:vendor/escape-html-1.0.3.tgz"``): yarn records
    # no package name, the tarball's package.json does (``lockfiles.with_tarball_releases``
    # reads it where the tarball is at hand; else an error when a rule could name it)
    unnamed_tarballs: Sequence[tuple[str, str]] = ()
    # yarn berry: (name, line) of each ``catalog:`` dependency whose entry the file cannot
    # tell (every entry of the name is another dependency's): an error when a rule names it
    unverified_catalogs: Sequence[tuple[str, int]] = ()
    # package.json only: bun's catalogs (``package_json.bun_catalogs``), None when it has none
    catalogs: Catalogs | None = None
    # the entries the tool writes but does not install, by node id: still findings, which say so.
    # yarn classic read with its package.json: a ``resolutions`` entry no dependency reaches, and
    # what only it reaches; npm v2/v3: an entry written ``extraneous`` that nothing reaches
    uninstalled: Sequence[str] = ()
    # yarn: each entry's header, its descriptors joined by ", " ("": a key that is no entry):
    # the ``name@range`` a package.json's dependency must name for yarn to keep what the file
    # locks for it (``match.placing``); None: not known (other formats; an inventory graph
    # recorded before they were kept)
    entry_keys: Sequence[str] | None = None
    # yarn classic read with its package.json: the entries (node ids) a ``resolutions`` entry
    # forces to a ``file:`` folder or a ``link:``, written with no ``resolved``: local packages
    # (``lockfiles.with_local_entries``)
    local_entries: Sequence[str] = ()
    # package.json only: its own ``version`` (a string, else None): yarn 1 links a workspace
    # only for a dependency whose range its version satisfies (``package_json.with_manifest``)
    version: str | None = None
    # npm v2/v3: (name, entry error) of each error about a dependency the root's record
    # (``packages[""]``) declares. npm takes the root's dependencies from the package.json
    # beside the lockfile, not from that record (a name only the record declares is no
    # dependency: ``npm ci`` installs the file, ``npm ls`` names nothing missing), so such an
    # error stands only when the package.json declares the name too, or none is beside
    # (``lockfiles.with_manifest_beside``, decision 0148).
    root_claims: Sequence[tuple[str, str]] = ()
    # npm v2/v3: (folder, name, entry error) of each error about a dependency a workspace's (or
    # ``file:`` folder's) record declares: that folder's package.json decides as the root's does
    # (read in every mode with the workspaces' package.json files; decision 0155)
    member_claims: Sequence[tuple[str, str, str]] = ()
    # npm v2/v3 (``packages``), pnpm, yarn berry: the tool writes a ``version`` in every git and
    # tarball-URL entry (pnpm and berry ``0.0.0`` for a package that has none, npm nothing
    # then), and installs such an entry from its URL with the version removed: one without is
    # an error when a version rule names its package (``match.hits``, decision 0155). False:
    # a form the tool writes with no version (npm v1's git entries, bun.lock's), a note.
    versions_written: bool = False

    @cached_property
    def table(self) -> PackageTable:
        """``packages`` as a ``PackageTable`` (the same object when a parser made one), wrapped
        once for every consumer of this graph."""
        return PackageTable.of(self.packages)


class FindingType(StrEnum):
    PACKAGE = "package"
    INSTALLED = "installed_package"
    CACHED = "cached_package"
    HOST_INDICATOR = "host_indicator"
    HEURISTIC = "heuristic"
    PAST_PACKAGE = "past_package"  # resolved by a git ref earlier in its history, gone now


class DiffChange(StrEnum):
    ADDED = "added"  # the compared revision brings it in
    REMOVED = "removed"  # the compared revision takes it out (never counted)


class MatchKind(StrEnum):
    VERSION = "version"
    DROPPER = "dropper"
    DECLARED_RANGE = "declared-range"
    INTEGRITY = "integrity"
    FILE = "file"
    HASH = "hash"
    PROCESS = "process"
    NETWORK = "network"
    ENVIRONMENT = "environment"
    REGISTRY = "registry"
    PATTERN = "pattern"


class HashResult(msgspec.Struct, frozen=True, gc=False):
    algorithm: str
    expected: str
    matched: bool


class Finding(msgspec.Struct, frozen=True, gc=False):
    """One reason to act: a rule matched something at a place.

    Fields that do not apply stay ``None`` / empty and are omitted from the JSON report.
    """

    rule_id: str
    rule_title: str
    severity: Severity
    type: FindingType
    match: MatchKind
    description: str
    remediation: str | None = None
    package: str | None = None
    version: str | None = None
    declared_range: str | None = None
    matched_expression: str | None = None
    source: Source | None = None
    resolved: str | None = None
    lockfile: str | None = None
    lockfile_format: LockfileFormat | None = None
    path: str | None = None
    line: int | None = None
    dependency_paths: tuple[tuple[str, ...], ...] = ()
    more_paths: int = 0
    direct: bool | None = None
    install_scripts: tuple[str, ...] = ()
    hashes: tuple[HashResult, ...] = ()
    indicator: str | None = None
    confidence: str | None = None
    excerpt: str | None = None  # heuristic findings: a bounded, secret-masked excerpt
    suppressed: str | None = None  # the reason of the suppression entry that matched
    # A heuristic finding below high confidence: listed for review with its evidence, not counted
    # in the verdict or the exit code (``-heuristic-review-counts`` makes it count).
    review: bool = False
    # Git sources: where in which repository (``lockfile``/``path`` are paths in the tree).
    repository: str | None = None
    ref: str | None = None  # main, tags/v1.2.0, remotes/origin/x
    commit: str | None = None
    # -image: the image (archive and tag) and the layer (its diff_id) that wrote the file.
    image: str | None = None
    layer: str | None = None
    # -history: when the ref started and stopped resolving this version (RFC 3339 UTC).
    introduced_commit: str | None = None
    introduced_at: str | None = None
    removed_commit: str | None = None
    removed_at: str | None = None
    in_compromise_window: bool | None = None  # None: the rule has no published_at
    change: DiffChange | None = None  # -diff: what the compared revision did to this finding

    @property
    def counted(self) -> bool:
        """Does this finding count in the verdict (not suppressed, not a review item, not taken
        out by the revision ``-diff`` compares)?"""
        return self.suppressed is None and not self.review and self.change is not DiffChange.REMOVED

    def counts_at(self, threshold: Severity) -> bool:
        """Does this finding turn the exit code into 2 at ``-fail-on threshold``?"""
        return self.counted and self.severity.rank >= threshold.rank

    def sort_key(self) -> tuple[int, str, str, str, str, str, str, str, str]:
        return (
            -self.severity.rank,
            self.rule_id,
            self.repository or "",
            self.ref or "",
            self.lockfile or self.path or "",
            self.package or "",
            self.version or "",
            self.type.value,
            self.match.value,
        )


class ScanIssue(msgspec.Struct, frozen=True, gc=False):
    """An error or note about one input: a file that could not be read, a format not supported."""

    path: str
    message: str


# How each note of a git submodule that no source read ends (-git and -inventory: a gitlink,
# another repository's commit; -dir -recursive: one not checked out): the verdict line counts
# the notes by them (``submodules_not_scanned``; decision 0149)
SUBMODULE_GITLINK_NOT_SCANNED = (
    ": not scanned (its files are in another repository; scan that repository with -git)"
)
SUBMODULE_CHECKOUT_NOT_SCANNED = (
    ": not scanned (git submodule update --init, or scan its repository with -git)"
)


def submodules_not_scanned(notes: Sequence[ScanIssue]) -> int:
    """How many of ``notes`` say a git submodule was not scanned (a CLEAN verdict says so)."""
    return sum(map(says_submodule_not_scanned, (n.message for n in notes)))


def says_submodule_not_scanned(message: str) -> bool:
    """Does a note's message say a git submodule was not scanned (a JSON report's too)?"""
    return message.endswith((SUBMODULE_GITLINK_NOT_SCANNED, SUBMODULE_CHECKOUT_NOT_SCANNED))


def unlisted_errors_line(more: int, listed: int) -> str:
    """The error that stands for a file's errors past the ``listed`` first (``more`` of them;
    ``match.hits.entry_errors``, decision 0149); ``error_count`` reads the count back."""
    errors = "error" if more == 1 else "errors"
    return f"and {more:,} more {errors} of this file, not listed (the first {listed} are)"


_UNLISTED = lazy_pattern(
    r"and ([0-9,]+) more errors? of this file, not listed \(the first [0-9]+ are\)"
)


def error_count(errors: Sequence[ScanIssue]) -> int:
    """How many errors ``errors`` stand for: each one, and for each ``unlisted_errors_line`` the
    errors it counts (the verdict line's and the JSON summary's count stays exact)."""
    total = len(errors)
    for e in errors:
        if e.message.startswith("and "):
            m = _UNLISTED.fullmatch(e.message)
            if m is not None:
                total += int(m.group(1).replace(",", "")) - 1
    return total


class ScannedRef(msgspec.Struct, frozen=True, gc=False):
    """One ref a ``-git`` or ``-inventory`` scan read: the repository, the ref and its commit."""

    repository: str
    ref: str
    commit: str


class CheckOutcome(StrEnum):
    FOUND = "found"
    CLEAN = "clean"
    SKIPPED = "skipped"


class HostCheck(msgspec.Struct, frozen=True, gc=False):
    """The outcome of one host indicator of one rule."""

    rule_id: str
    indicator: str  # human description: "file /tmp/.node-cache"
    type: str
    outcome: CheckOutcome
    reason: str | None = None


class ResolvedLockfile(msgspec.Struct, frozen=True, gc=False):
    """One lockfile's resolved packages and dependency edges (node id -> node ids; importer ids
    are nodes too), for SBOM output. Only collected when asked for: normal scans skip it."""

    display: str
    format: LockfileFormat
    packages: tuple[LockedPackage, ...]
    importers: tuple[Importer, ...]
    edges: tuple[tuple[str, tuple[str, ...]], ...]


class ScanStats(msgspec.Struct, frozen=True, gc=False):
    lockfiles_scanned: int = 0
    packages_scanned: int = 0
    rules_loaded: int = 0
    elapsed_ms: int = 0
    installed_packages_scanned: int = 0
    cache_entries_scanned: int = 0


class ScanResult(msgspec.Struct, frozen=True):
    """Everything a scan found and did, for the renderers."""

    findings: tuple[Finding, ...]
    errors: tuple[ScanIssue, ...]
    notes: tuple[ScanIssue, ...]
    stats: ScanStats
    scanned_files: tuple[str, ...] = ()
    rule_sources: tuple[str, ...] = ()
    rule_files: tuple[RuleFile, ...] = ()  # path, content hash and counts of each rule file
    builtin_rules: bool = False
    host_checks: tuple[HostCheck, ...] = ()
    rules: Sequence[Rule] = ()  # a tuple, or the rule cache's lazily decoded CachedRules
    scan_id: str = ""
    started_at: str = ""  # RFC 3339 UTC
    finished_at: str = ""
    scan_root: str | None = None  # absolute directory for -dir scans
    # -dir: the root's path in the git work tree holding it (``cli._project.repository_path``)
    repository_path: str | None = None
    repository_ref: str | None = None  # -dir: the ref checked out there (``repository_ref``)
    hostname: str = ""
    suppression_notes: tuple[ScanIssue, ...] = ()  # expired and stale suppression entries
    host_scan: bool = False  # ran with -host (host indicators, installs, caches checked)
    project: str | None = None  # the project's identity (-project, CI repository, origin)
    scanned_refs: tuple[ScannedRef, ...] = ()  # -git and -inventory: every ref read
    # What each lockfile resolved, kept only when a report needs it (-format cyclonedx).
    resolved: tuple[ResolvedLockfile, ...] = ()
    # -fail-on: the lowest severity that makes the exit code 2; findings below it are reported
    # (the verdict stays AFFECTED, said to be below it) and leave the exit code 0
    fail_on: Severity = Severity.LOW

    @property
    def failing_findings(self) -> int:
        """The findings that make the exit code 2 (counted, at or above ``fail_on``)."""
        return sum(f.counts_at(self.fail_on) for f in self.findings)

    def verdict_word(self) -> str:
        """``AFFECTED``, or ``AFFECTED (below -fail-on high)`` when no counted finding reaches
        ``-fail-on`` (the exit code is then not 2), for every format's verdict line."""
        if self.failing_findings or not any(f.counted for f in self.findings):
            return "AFFECTED"
        return f"AFFECTED (below -fail-on {self.fail_on.value})"
