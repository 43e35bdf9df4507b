"""A lockfile graph as stored in the inventory (msgpack) and rebuilt for the same matcher.

What is kept: every package (node id, name, version, source, integrity, resolved URL), the
importers, the edges, the declared ranges of a package.json, the parser's notes, and since
schema 6 a pnpm-workspace.yaml's catalogs and the names pnpm entries bundle
(``bundledDependencies``), since 7 a package.json's bun catalogs, and a yarn.lock's entry
headers (``entry_keys``, none in a graph recorded before). What is not: line numbers (a
finding from the inventory has no ``line``) and the file's bytes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import msgspec

from gouvernante.lockfiles import needs_manifest, with_local_entries, with_tarball_releases
from gouvernante.lockfiles._tarball_url import locked_from_local_tarball
from gouvernante.model import (
    Catalogs,
    DeclaredDependency,
    Importer,
    KnownEdges,
    LockedPackage,
    LockfileFormat,
    LockfileGraph,
    Source,
)


class StoredGraph(msgspec.Struct, array_like=True, frozen=True):
    format: str
    ids: list[str]
    names: list[str]
    versions: list[str]
    sources: list[str]
    integrity: list[str | None]
    resolved: list[str | None]
    importers: list[tuple[str, str]]
    edges: dict[str, list[str]]
    declared: list[tuple[str, str, str, str | None]]
    notes: list[str]
    # (schema 6; a graph recorded before has neither: its catalogs are not known, None)
    # pnpm-workspace.yaml; a package.json's bun catalogs since schema 7 (decision 0054)
    catalogs: dict[str, dict[str, str]] | None = None
    bundled: list[tuple[str, str]] = msgspec.field(default_factory=list)
    # What places a manifest in a lockfile's project and reads a lockfile with the package.json
    # beside it, as -dir does: each importer's folder (None: not recorded), the ``file:``
    # folders, a package.json's ``workspaces`` globs and ``resolutions`` names, whether the
    # file records the project's own dependencies, and berry's override-only names
    folders: list[str | None] = msgspec.field(default_factory=list)
    local_folders: list[str] = msgspec.field(default_factory=list)
    workspaces: list[str] = msgspec.field(default_factory=list)
    roots_known: bool = True
    overridden: list[str] = msgspec.field(default_factory=list)
    resolutions: list[str] = msgspec.field(default_factory=list)
    # yarn classic's dependencies no entry answers, (name, line): a workspace's or an error
    unkeyed: list[tuple[str, int]] = msgspec.field(default_factory=list)
    # yarn berry's catalog: dependencies whose entry the file cannot tell (schema 7)
    unverified_catalogs: list[tuple[str, int]] = msgspec.field(default_factory=list)
    # the entries written but not installed (``LockfileGraph.uninstalled``; none recorded
    # before): a paired graph's for yarn classic, the file's own for npm (decision 0163)
    uninstalled: list[str] = msgspec.field(default_factory=list)
    # yarn: each entry's header (``LockfileGraph.entry_keys``; None: recorded before they were
    # kept, or another format: an out-of-date yarn.lock is then not told, the file decides)
    entry_keys: list[str] | None = None
    # each declared dependency's ``reading`` ([]: none has one, or recorded before; last: an
    # array-like record of before decodes without it)
    readings: list[str | None] = msgspec.field(default_factory=list)
    # yarn's ``file:`` tarballs named by their dependency (``LockfileGraph.unnamed_tarballs``;
    # none recorded before)
    unnamed_tarballs: list[tuple[str, str]] = msgspec.field(default_factory=list)
    # a paired graph's: (node id, name, version) of each ``file:`` tarball read from the same
    # commit, as its package.json names it (``lockfiles.with_tarball_releases``)
    releases: list[tuple[str, str, str]] = msgspec.field(default_factory=list)
    # (schema 10) pnpm: (YAML path, folder) of each workspace link the tree where the file is
    # placed must answer with a pnpm-lock.yaml of its own (``LockfileGraph.own_lockfile_links``)
    own_lockfiles: list[tuple[str, str]] = msgspec.field(default_factory=list)
    # a paired graph's: yarn classic's entries a ``resolutions`` entry forces to a folder, read
    # as local (``LockfileGraph.local_entries``; none recorded before)
    local_entries: list[str] = msgspec.field(default_factory=list)
    # npm v2/v3: (name, entry error) of each error the package.json beside decides
    # (``LockfileGraph.root_claims``; none recorded before: the errors stay)
    root_claims: list[tuple[str, str]] = msgspec.field(default_factory=list)
    # npm v2/v3, pnpm, berry: a git or URL entry with no version is an error, not a note
    # (``LockfileGraph.versions_written``; False recorded before: the note, as then)
    versions_written: bool = False
    # npm v2/v3: (folder, name, error) of each error a workspace's package.json decides
    # (``LockfileGraph.member_claims``; none recorded before: the errors stay)
    member_claims: list[tuple[str, str, str]] = msgspec.field(default_factory=list)


_ENCODER = msgspec.msgpack.Encoder()
_DECODER = msgspec.msgpack.Decoder(StoredGraph)


def encode(graph: LockfileGraph, catalogs: Catalogs | None = None) -> bytes:
    """``catalogs``: a pnpm-workspace.yaml's or a package.json's
    (``gitscan.parse_blob_catalogs``), else None."""
    table = graph.table
    packages = list(table)
    return _ENCODER.encode(
        StoredGraph(
            format=graph.format.value,
            ids=[p.id for p in packages],
            names=[p.name for p in packages],
            versions=[p.version for p in packages],
            sources=[p.source.value for p in packages],
            integrity=[p.integrity for p in packages],
            resolved=[p.resolved for p in packages],
            importers=[(i.id, i.label) for i in graph.importers],
            edges={k: list(v) for k, v in graph.details.edges().items()},
            declared=[(d.name, d.spec, d.field, d.alias) for d in graph.declared],
            readings=[d.reading for d in graph.declared]
            if any(d.reading for d in graph.declared)
            else [],
            notes=list(graph.notes),
            catalogs=None if catalogs is None else {k: dict(v) for k, v in catalogs.items()},
            bundled=[(name, node) for name, node in graph.bundled],
            folders=[i.folder for i in graph.importers],
            local_folders=list(graph.local_folders),
            workspaces=list(graph.workspaces),
            roots_known=graph.roots_known,
            overridden=list(graph.overridden),
            resolutions=sorted(graph.resolutions),
            unkeyed=[(name, line) for name, line, _range in graph.unkeyed],
            unverified_catalogs=[(name, line) for name, line in graph.unverified_catalogs],
            entry_keys=None if graph.entry_keys is None else list(graph.entry_keys),
            unnamed_tarballs=[(node, path) for node, path in graph.unnamed_tarballs],
            own_lockfiles=[(where, folder) for where, folder in graph.own_lockfile_links],
            root_claims=[(name, error) for name, error in graph.root_claims],
            versions_written=graph.versions_written,
            member_claims=[(f, n, e) for f, n, e in graph.member_claims],
            uninstalled=list(graph.uninstalled),
        )
    )


def encode_paired(
    graph: LockfileGraph, releases: Mapping[str, tuple[str, str]] | None = None
) -> bytes:
    """What a lockfile read with the package.json beside it (``with_manifest_beside``) adds to
    its stored graph (``encode``): the root importer, as the manifest names it, and the root's
    edges, which the manifest's dependencies decide (the entry errors it adds are the ``blobs``
    row's); and the ``releases`` of its ``file:`` tarballs, read from the same commit (node id
    -> name, version). No package: those are the lockfile's own row's."""
    roots = list(graph.importers[:1])
    return _ENCODER.encode(
        StoredGraph(
            format=graph.format.value,
            ids=[],
            names=[],
            versions=[],
            sources=[],
            integrity=[],
            resolved=[],
            importers=[(root.id, root.label) for root in roots],
            edges={root.id: list(graph.details.edges().get(root.id, ())) for root in roots},
            declared=[],
            notes=[],
            uninstalled=list(graph.uninstalled),
            releases=[(node, n, v) for node, (n, v) in sorted((releases or {}).items())],
            local_entries=list(graph.local_entries),
        )
    )


def decode_paired(lockfile: bytes, paired: bytes, entry_errors: Sequence[str]) -> LockfileGraph:
    """The lockfile's stored graph read with the package.json beside it (``encode_paired``)."""
    graph, _catalogs = decode_with_catalogs(lockfile, entry_errors)
    pair = _DECODER.decode(paired)
    importers = list(graph.importers)
    edges = dict(graph.details.edges())
    for root_id, label in pair.importers[:1]:
        if importers and importers[0].id == root_id:
            importers[0] = Importer(root_id, label, importers[0].folder)
        edges[root_id] = pair.edges.get(root_id, [])
    graph = msgspec.structs.replace(
        graph,
        importers=importers,
        details=KnownEdges(edges),
        roots_known=True,
        uninstalled=tuple(dict.fromkeys((*graph.uninstalled, *pair.uninstalled))),
    )
    graph = with_local_entries(graph, pair.local_entries)
    return with_tarball_releases(graph, {node: (n, v) for node, n, v in pair.releases})


def decode(data: bytes, entry_errors: Sequence[str] = ()) -> LockfileGraph:
    """The stored graph, with the entry errors recorded beside it (the ``blobs`` row's)."""
    return decode_with_catalogs(data, entry_errors)[0]


def decode_with_catalogs(
    data: bytes, entry_errors: Sequence[str] = ()
) -> tuple[LockfileGraph, Catalogs | None]:
    """``decode``, and the catalogs stored with a pnpm-workspace.yaml or a package.json (None:
    none, another file, or one recorded before schema 6, 7 for a package.json)."""
    g = _DECODER.decode(data)
    packages = [
        LockedPackage(i, n, v, Source(s), integ, res)
        for i, n, v, s, integ, res in zip(
            g.ids, g.names, g.versions, g.sources, g.integrity, g.resolved, strict=True
        )
    ]
    graph = LockfileGraph(
        format=LockfileFormat(g.format),
        packages=packages,
        importers=[
            Importer(i, label, folder)
            for (i, label), folder in zip(
                g.importers, g.folders or [None] * len(g.importers), strict=True
            )
        ],
        declared=[
            DeclaredDependency(n, s, f, a, reading=r)
            for (n, s, f, a), r in zip(
                g.declared, g.readings or [None] * len(g.declared), strict=True
            )
        ],
        details=KnownEdges(g.edges),
        notes=g.notes,
        entry_errors=tuple(entry_errors),
        bundled=tuple((name, node) for name, node in g.bundled),
        local_folders=g.local_folders,
        workspaces=g.workspaces,
        roots_known=g.roots_known,
        overridden=g.overridden,
        resolutions=frozenset(g.resolutions),
        unkeyed=tuple((name, line, None) for name, line in g.unkeyed),
        unverified_catalogs=tuple((name, line) for name, line in g.unverified_catalogs),
        entry_keys=g.entry_keys,
        unnamed_tarballs=tuple((node, path) for node, path in g.unnamed_tarballs),
        own_lockfile_links=tuple((where, folder) for where, folder in g.own_lockfiles),
        root_claims=tuple((name, error) for name, error in g.root_claims),
        versions_written=g.versions_written,
        member_claims=tuple((f, n, e) for f, n, e in g.member_claims),
        uninstalled=tuple(g.uninstalled),
    )
    return graph, g.catalogs


PackageRow = tuple[str, str, str | None, int]  # name, version, integrity, declared (0/1)


def package_rows(graph: LockfileGraph, catalogs: Catalogs | None = None) -> tuple[PackageRow, ...]:
    """The ``packages`` rows of a lockfile's graph, the rule lookups' index: every locked package
    but a project's own (local) ones, then the declared ranges of a package.json (and of a
    pnpm-workspace.yaml: its overrides, and its catalogs' entries, each by the package it
    names, an ``npm:`` alias's too: a manifest's ``catalog:`` reference is judged as that
    range), then the names pnpm entries bundle (declared = 2, no version: a note when a rule
    names one); once each."""
    # (a local package's only when a packed tarball: matched by name and version, decision
    # 0072; a folder, link or workspace is the project's own)
    rows: list[PackageRow] = [
        (p.name, p.version, p.integrity, 0)
        for p in graph.table
        if p.source.value != "local" or locked_from_local_tarball(p)
    ]
    rows.extend((d.name, d.spec, None, 1) for d in graph.declared)
    if catalogs:
        from gouvernante.lockfiles.package_json import declared_dependency  # noqa: PLC0415

        for entries in catalogs.values():
            for key, spec in entries.items():
                dep = declared_dependency(key, spec, "catalog")
                rows.append((dep.name, dep.spec, None, 1))
    rows.extend((name, "", None, BUNDLED_ROW) for name, _node in graph.bundled if name)
    if graph.unnamed_tarballs:
        table = graph.table
        positions = (table.position_of(node) for node, _path in graph.unnamed_tarballs)
        versions = (table.version(i) for i in positions if i is not None)
        # (version '': one the file does not record either, npm 6's and bun's: any rule)
        rows.extend(("", version, None, UNNAMED_TARBALL_ROW) for version in versions)
        rows.append(("", "", None, TARBALLS_ROW))
    if needs_manifest(graph):
        rows.append(("", "", None, BESIDE_ROW))
    if graph.own_lockfile_links:
        rows.append(("", "", None, OWN_LOCKFILES_ROW))
    return tuple(dict.fromkeys(rows))


BUNDLED_ROW = 2  # ``packages.declared`` of a name an entry bundles (a note's lookup row)
# ``packages.declared`` of the one row (name '') of a lockfile read with the package.json
# beside it (``match.lockfile.needs_manifest``): ``inventory add`` finds by it the contents
# it pairs with a new commit's manifest without decoding them
BESIDE_ROW = 3
# ``packages.declared`` of a yarn ``file:`` tarball's version whose package the file does not
# name (``LockfileGraph.unnamed_tarballs``; name ''): a rule naming any package at it decodes
# the contents (its error: ``match.hits.entry_errors``)
UNNAMED_TARBALL_ROW = 4
# ``packages.declared`` of a yarn lockfile naming ``file:`` tarballs (``unnamed_tarballs``, with
# or without a version): ``inventory add`` reads it again with the tarballs of each commit
# (``gitscan.with_tarballs``) without decoding the contents
TARBALLS_ROW = 5
# ``packages.declared`` of a pnpm lockfile whose workspace links each tree must answer with a
# pnpm-lock.yaml of its own (``LockfileGraph.own_lockfile_links``, decision 0135): an
# evaluation decodes it at every commit and judges it by that commit's files
OWN_LOCKFILES_ROW = 6
