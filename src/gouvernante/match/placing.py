"""The project rule for package.json ranges, once for every source: a risky declared range is
a finding only when no lockfile of the manifest's project decides it.

``-dir`` (``pipeline``) places the files it read on disk, ``-git``, ``-image`` and
``-inventory`` (``match.lockfile.resolve_declared``) the blobs of a tree; both hand this module
the same facts of each file (``Facts``) and get the same answer. Pure: no I/O (a caller's
``members`` may read the manifests its globs name). No dataclass: a lockfile scan imports it.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from gouvernante.lockfiles import NOT_THE_MANIFEST, OVERRIDE_FIELDS
from gouvernante.lockfiles._tarball_url import local_tarball
from gouvernante.match.hits import DeclaredHit, declared_what, undecided_note
from gouvernante.model import (
    NPM_LOCKFILE_FORMATS,
    DeclaredReading,
    Finding,
    LockfileFormat,
    LockfileGraph,
    Source,
)

if TYPE_CHECKING:
    from gouvernante.semver import Range


def _local_tarball_spec(hit: DeclaredHit) -> bool:
    """Is the declared spec a ``file:`` tarball (``file:vendor/x-1.0.0.tgz``)? Every lockfile
    locks it as a local package (not the registry's, not a workspace either)."""
    spec = hit.finding.declared_range or ""
    return spec.startswith("file:") and local_tarball(spec)


def project_shape(
    graph: LockfileGraph, rule_names: frozenset[str]
) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """A graph's facts for placing, the same for ``-dir`` (``pipeline.scan_file``) and for
    blobs (``match.lockfile``): the rule-named packages it resolves that are not the project's
    own (``present_names``), the rule-named ones that are (workspaces, links, ``file:``
    folders: ``local_names``), and the folders of its importers and ``file:`` directories,
    relative to the lockfile's and normalised (``workspace_dirs``, decision 0038). The
    packages are not built: the name and source columns."""
    table = graph.table
    names = table.names
    present: set[str] = set()
    local: set[str] = set()
    for position in table.positions_named(rule_names):
        (local if table.source(position) is Source.LOCAL else present).add(names[position])
    folders = [imp.folder for imp in graph.importers if imp.folder]
    folders.extend(graph.local_folders)
    local.update(imp.label for imp in graph.importers if imp.folder and imp.label in rule_names)
    dirs = frozenset(posixpath.normpath(f) for f in folders)
    return frozenset(present), frozenset(local), dirs


class Facts(Protocol):
    """What placing needs of one file: a lockfile's names and recorded workspace folders, a
    package.json's ``workspaces`` globs and overridden names."""

    @property
    def present_names(self) -> frozenset[str]: ...  # rule-named registry packages it resolves
    @property
    def format(self) -> LockfileFormat | None: ...
    @property
    def locked(self) -> tuple[tuple[str, str], ...]: ...  # what it locks of rule names: ``locked``
    @property
    def override_names(self) -> frozenset[str]: ...  # package.json: names its overrides pin
    @property
    def local_names(self) -> frozenset[str]: ...  # rule-named workspaces and links
    @property
    def workspace_dirs(self) -> frozenset[str]: ...  # importer and file: folders it records
    @property
    def workspace_globs(self) -> Sequence[str]: ...  # package.json ``workspaces``
    @property
    def manifest_name(self) -> str: ...  # package.json: its ``name``
    @property
    def rush_temps(
        self,
    ) -> frozenset[str]: ...  # ``@rush-temp/`` packages it locks (``rush_temps``)


F = TypeVar("F", bound=Facts)


class Judged(Facts, Protocol):
    """A file's facts and its risky ranges (a lockfile has none)."""

    @property
    def declared(self) -> Sequence[DeclaredHit]: ...


J = TypeVar("J", bound=Judged)
T = TypeVar("T")

# A lockfile may record projects outside its own folder: pnpm's ``lockfile-dir`` (a project's
# ``.npmrc`` ``lockfile-dir=../locks``: ``locks/pnpm-lock.yaml``, importer ``../proj``; pnpm
# 9.15.9, tests/pipeline/fixtures/pnpm-lockfile-dir/generate.sh), and Rush (rushjs.io), which keeps
# a repository's pnpm lockfile in ``common/config/rush`` but runs pnpm in ``common/temp``, so the
# importers are that folder's: ``../../apps/app1`` is the project in ``<repository>/apps/app1``;
# with subspaces, each in ``common/config/subspaces/<name>``, pnpm runs in
# ``common/temp/<name>``: ``../../../apps/app1`` (rush 5.179.0 with pnpm 9.15.9,
# tests/pipeline/fixtures/rush*/generate.sh). No folder above the project holds such a lockfile.
_RUSH_CONFIG = "common/config/"


def _rush_config(folder: str) -> tuple[str, str] | None:
    """(``<repository>/``, the rest) of a folder below a Rush repository's ``common/config/``
    ('/'-separated; ``<repository>/`` is '' at the root), None for any other folder."""
    head, sep, tail = folder.rpartition(_RUSH_CONFIG)
    if not sep or (head and not head.endswith("/")):
        return None
    return head, tail


def _written_from(folder: str) -> str | None:
    """The folder a Rush lockfile's importers are written from (None: ``folder`` is no Rush
    lockfile's place, ``<repository>/common/config/rush`` or
    ``<repository>/common/config/subspaces/<name>``; '/'-separated)."""
    place = _rush_config(folder)
    if place is None:
        return None
    head, tail = place
    if tail == "rush":
        return head + "common/temp"
    name = tail.removeprefix("subspaces/")
    if name != tail and name and "/" not in name:
        return head + "common/temp/" + name
    return None


def outside_projects(
    locks: Mapping[str, Sequence[tuple[str, F]]], join: Callable[[str, str], str]
) -> dict[str, list[str]]:
    """Project folder -> the folders of the lockfiles (among ``locks``) that record it as a
    pnpm importer outside their own folder (``../``: pnpm ``lockfile-dir``, Rush), listed once
    per scan for ``projects_of``. (npm records a ``file:../shared`` folder as ``../shared``, but
    ``shared``'s own install does not read that lockfile: like a ``file:`` folder outside the
    lockfile's, it places nothing; npm 11.19.1, fixtures/npm-file-outside/generate.sh.)
    ``join(folder, relative)``: the normalised folder, as the scan spells its directories."""
    out: dict[str, list[str]] = {}
    for folder, held in locks.items():
        base = _written_from(folder) or folder
        dirs = {d for _, f in held if f.format is LockfileFormat.PNPM for d in f.workspace_dirs}
        for rel in sorted(dirs):
            if rel == ".." or rel.startswith("../"):
                places = out.setdefault(join(base, rel), [])
                if folder not in places:
                    places.append(folder)
    return out


# Rush's npm and yarn modes (rush.json ``npmVersion``, ``yarnVersion``), and its pnpm mode with
# ``"useWorkspaces": false`` (common/config/rush/pnpm-config.json), install each project as a
# tarball ``@rush-temp/<its unscoped name>`` (``-<n>`` after a name already taken) that
# common/temp's package.json depends on; the repository's one lockfile,
# ``common/config/rush/npm-shrinkwrap.json``, ``yarn.lock`` or ``pnpm-lock.yaml``, records no
# project folder (rush 5.179.0 with npm 8.19.4, yarn 1.22.22 and pnpm 9.15.9,
# tests/pipeline/fixtures/rush-npm-yarn/generate.sh).
_RUSH_TEMP = "@rush-temp/"
_RUSH_TEMP_FORMATS = frozenset(
    {
        LockfileFormat.PACKAGE_LOCK,
        LockfileFormat.SHRINKWRAP,
        LockfileFormat.YARN_CLASSIC,
        LockfileFormat.PNPM,
    }
)


def manifest_name_of(graph: LockfileGraph) -> str:
    """A package.json's ``name`` ('' when it has none; other files: '')."""
    if graph.format is not LockfileFormat.PACKAGE_JSON or not graph.importers:
        return ""
    label = graph.importers[0].label
    return "" if label == "(root)" else label


def rush_temps(graph: LockfileGraph) -> frozenset[str]:
    """The ``@rush-temp/`` packages a Rush npm, yarn or pnpm (without workspaces) lockfile
    locks (none for other files)."""
    if graph.format not in _RUSH_TEMP_FORMATS:
        return frozenset()
    table = graph.table
    names = table.names
    # one search of the joined names (C speed) says whether any starts so, before the
    # per-entry pass (55,000 entries: 3.2 ms, the search 1.0 ms); ``-dir`` asks only for a
    # lockfile in ``common/config/rush`` (``rush_repository``)
    joined = "\n".join(names)
    if not joined.startswith(_RUSH_TEMP) and "\n" + _RUSH_TEMP not in joined:
        return frozenset()
    del joined
    return frozenset(
        names[i]
        for i in range(len(names))
        if names[i].startswith(_RUSH_TEMP) and table.source(i) is Source.LOCAL
    )


def rush_repositories(locks: Mapping[str, Sequence[tuple[str, F]]]) -> dict[str, list[str]]:
    """Rush repository folder -> its ``common/config/rush`` folder, for each lockfile folder
    of ``locks`` that holds a Rush lockfile of ``@rush-temp/`` tarballs ('/'-separated), once
    per scan."""
    out: dict[str, list[str]] = {}
    for folder, held in locks.items():
        repository = rush_repository(folder)
        if repository is not None and any(facts.rush_temps for _, facts in held):
            out.setdefault(repository, []).append(folder)
    return out


def rush_repository(folder: str) -> str | None:
    """The Rush repository whose ``common/config/rush`` is ``folder`` ('/'-separated), if it is
    one: where Rush keeps a lockfile of ``@rush-temp/`` tarballs."""
    place = _rush_config(folder)
    if place is None or place[1] != "rush":
        return None
    head = place[0]
    return head[:-1] if len(head) > 1 else head


def _is_rush_project(name: str, temps: frozenset[str]) -> bool:
    """Is a package.json named ``name`` a project of a Rush lockfile locking ``temps``?"""
    if not name:
        return False
    base = _RUSH_TEMP + name.rpartition("/")[2]
    return base in temps or any(
        t.startswith(base + "-") and t[len(base) + 1 :].isdigit() for t in temps
    )


def projects_of(
    directory: str,
    root: str | None,
    locks: Mapping[str, Sequence[tuple[str, F]]],
    manifests: Mapping[str, F],
    *,
    relative: Callable[[str, str], str],
    dirname: Callable[[str], str],
    outside: Mapping[str, Sequence[str]],
    rush: Mapping[str, Sequence[str]],
) -> list[tuple[str, Sequence[tuple[str, F]]]]:
    """(project folder, its lockfiles as (display, facts)) for every project the manifest in
    ``directory`` belongs to: its own folder's, and a folder above's (up to ``root``; None:
    every folder above) whose lockfile records it as a workspace or ``file:`` folder, or whose
    package.json names it in ``workspaces``; and a lockfile elsewhere that records it as an
    importer outside its own folder (``outside``: ``outside_projects(locks, ...)``, keyed as
    ``directory`` is spelled); and a Rush npm or yarn lockfile in a folder above's
    ``common/config/rush`` that locks the manifest's ``@rush-temp/`` package (``rush``:
    ``rush_repositories(locks)``). ``relative(directory, folder)``: '/'-separated."""
    found: list[tuple[str, Sequence[tuple[str, F]]]] = [
        (folder, locks[folder]) for folder in outside.get(directory, ())
    ]
    own = manifests.get(directory)
    name = own.manifest_name if own is not None else ""
    current = directory
    while True:
        for lock_folder in rush.get(current, ()) if name else ():
            held = locks[lock_folder]
            if any(_is_rush_project(name, facts.rush_temps) for _, facts in held):
                found.append((lock_folder, held))
        here = locks.get(current)
        rel = "" if current == directory else relative(directory, current)
        if here:
            manifest = manifests.get(current)
            if not rel or any(rel in facts.workspace_dirs for _, facts in here):
                found.append((current, here))
            elif manifest is not None and manifest.workspace_globs:
                from gouvernante.fs import globs  # noqa: PLC0415 - a folder above only

                # (pnpm reads pnpm-workspace.yaml, never package.json ``workspaces``, and records
                # each project it installs as an importer: a folder only the globs name is none
                # of a pnpm lockfile's; pnpm 9.15.9 installs nothing of it, decision 0111)
                readers = [lock for lock in here if lock[1].format is not LockfileFormat.PNPM]
                if readers and globs.matches(rel, manifest.workspace_globs):
                    found.append((current, readers))
        parent = dirname(current)
        if current in (root, parent):
            return found
        current = parent


def judge_declared(
    declared: Sequence[DeclaredHit],
    projects: Sequence[tuple[str, Sequence[tuple[str, Facts]]]],
    members: Callable[[str], frozenset[str]],
    *,
    in_project: Callable[[str], str] | None = None,
    overridden: Callable[[str], frozenset[str]] | None = None,
) -> tuple[list[Finding], list[str]]:
    """Findings and notes for a manifest's risky ranges, given its projects (``projects_of``)
    and ``members(folder)``: the package names the ``workspaces`` globs of the package.json in
    ``folder`` name (yarn classic writes no workspace into yarn.lock). A name a project's
    lockfile resolves is the lockfile's to decide; one of the project's own workspaces is no
    registry package; a peer dependency or an override's package the lockfile does not install
    is not installed; a spec no lockfile decides offline (git, tarball, ``file:``) is a note
    (a dist-tag is a finding: ``hits``). A lockfile its package manager would not keep for the
    range (npm: the locked folder's version outside it; pnpm, bun: no locked release in it;
    yarn: no entry headed by the dependency's descriptor) is out of date, which the note says
    (``_out_of_date``; ``in_project(folder)``: the manifest's folder relative to a project's,
    ``overridden(folder)``: the names that project's package.json overrides): a note, not a
    finding, as public projects' lockfiles are often a little out of date and the frozen
    installs CI runs refuse them (decisions 0060, 0061); but a finding for a yarn classic
    workspace member or ``file:`` folder, whose range yarn 1 resolves again even with
    ``--frozen-lockfile``, and for a deno.json import, which ``deno run`` resolves again by
    default (``deno install --entrypoint`` locks only what the entry point reaches; 0139)."""
    resolved: set[str] = set()
    local: set[str] = set()
    names: list[str] = []
    for _, locks in projects:
        for display, facts in locks:
            resolved |= facts.present_names
            local |= facts.local_names
            names.append(display)
    by = ", ".join(names)
    findings: list[Finding] = []
    notes: list[str] = []
    formats = {facts.format for _, locks in projects for _, facts in locks}
    for hit in declared:
        what = declared_what(hit)
        if _read_otherwise(hit, formats):
            notes.append(
                f"{what}, but {by} is written by a package manager that reads"
                f" {hit.alias or hit.name}'s spec otherwise ({_READINGS[hit.reading or '']}):"
                " the lockfile decides"
            )
            continue
        stale = (
            None
            if in_project is None
            or hit.name not in resolved
            or hit.name in local
            or any(hit.name in members(d) for d, _ in projects)
            else _out_of_date(hit, projects, in_project, overridden)
        )
        if stale is not None and stale[2]:  # (no install of its tool keeps the lockfile's)
            findings.append(hit.finding)
            notes.append(
                f"{what}: {stale[0]}, and deno run resolves it again (deno's default, without"
                " --frozen, writes deno.lock): the lockfile does not decide it"
                if set(stale[1]) == {LockfileFormat.DENO}
                else f"{what}: {stale[0]}, and yarn 1 resolves the range of a workspace or file:"
                " folder again even with --frozen-lockfile (it does not refuse the file): the"
                " lockfile does not decide it"
            )
        elif stale is not None:  # (a note: the frozen install CI runs refuses such a file)
            why, tools, _ = stale
            notes.append(
                f"{what}, but {why}: the lockfile is out of date with this"
                f" {'deno.json' if hit.field in _IMPORT_FIELDS else 'package.json'}"
                f" ({_refused(tools)}, and could install an affected release)"
            )
        elif hit.name in resolved:
            notes.append(f"{what}, but {by} resolves it: the lockfile decides")
        elif hit.name in local and _local_tarball_spec(hit):
            # (a packed tarball: matched as locked, by its name and version, decision 0072)
            notes.append(f"{what}, but {by} locks it from a local tarball: the lockfile decides")
        elif hit.name in local or any(hit.name in members(d) for d, _ in projects):
            notes.append(
                f"{what}, but {hit.name} is a workspace of this project ({by}):"
                " not a registry package"
            )
        elif projects and hit.field == "peerDependencies":
            notes.append(f"{what}, but {by} does not install this peer dependency")
        elif projects and hit.field in OVERRIDE_FIELDS:
            notes.append(f"{what}, but {by} does not install it: the override forces nothing")
        elif hit.undecided:
            notes.append(undecided_note(hit))
        else:
            findings.append(hit.finding)
    return findings, notes


_READINGS: dict[str, str] = {
    DeclaredReading.BERRY: "yarn berry reads npm:<tag> as the key's own package at that tag",
    DeclaredReading.NOT_BERRY: "npm, pnpm, yarn 1 and bun read npm:<tag> as the package <tag>",
}


def _read_otherwise(hit: DeclaredHit, formats: set[LockfileFormat | None]) -> bool:
    """Is ``hit`` one reading of a spec the package managers read two ways
    (``DeclaredReading``) that no lockfile of the project (``formats``) was written by a
    package manager reading so? No lockfile: both readings stand."""
    if hit.reading is None:
        return False
    berry = LockfileFormat.YARN_BERRY in formats
    others = bool(formats - {LockfileFormat.YARN_BERRY, LockfileFormat.PACKAGE_JSON, None})
    if hit.reading == DeclaredReading.BERRY:
        return others and not berry
    return berry and not others


# pnpm and bun keep a locked release of the name that satisfies the range (pnpm 9 and 10, bun
# 1.4.5 reused even another package's nested one), else resolve it again (decision 0061); deno
# 2.9.6 too, for a deno.json import its deno.lock has no specifier for (decision 0139)
_RELEASE_FORMATS = frozenset(
    {LockfileFormat.PNPM, LockfileFormat.BUN, LockfileFormat.BUN_BINARY, LockfileFormat.DENO}
)
# yarn keeps an entry only for the exact ``name@range`` heading it, else resolves the range
# again to its highest release, even with a locked one inside it (yarn 1.22.22 and 4.18.1)
_YARN_FORMATS = frozenset({LockfileFormat.YARN_CLASSIC, LockfileFormat.YARN_BERRY})
# (the install that refuses an out-of-date lockfile, the one that resolves it again)
_INSTALLS = {
    LockfileFormat.PACKAGE_LOCK: ("npm ci", "npm install"),
    LockfileFormat.SHRINKWRAP: ("npm ci", "npm install"),
    LockfileFormat.PNPM: ("pnpm install --frozen-lockfile", "pnpm install"),
    LockfileFormat.YARN_CLASSIC: ("yarn install --frozen-lockfile", "yarn install"),
    LockfileFormat.YARN_BERRY: ("yarn install --immutable", "yarn install"),
    LockfileFormat.BUN: ("bun install --frozen-lockfile", "bun install"),
    LockfileFormat.BUN_BINARY: ("bun install --frozen-lockfile", "bun install"),
    LockfileFormat.DENO: ("deno install --frozen", "deno run"),
}


def locked(graph: LockfileGraph, names: frozenset[str]) -> tuple[tuple[str, str], ...]:
    """What a lockfile locks of the packages named in ``names`` (``Facts.locked``), as its
    package manager checks a package.json's range against it: npm, each (folder, version);
    pnpm and bun, each registry (name, version); yarn, each (name, descriptor) heading an
    entry (none when the file's keys are not known). Other files: none."""
    fmt = graph.format
    if fmt in _YARN_FORMATS:
        if graph.entry_keys is None:
            return ()
        table = graph.table
        positions = table.positions_named(names)
        if not positions:
            # no entry locks a package of these names: no header names one either, but for an
            # alias or a resolution to another package, which the lockfile decides anyway
            return ()
        from gouvernante.lockfiles.yarn import named_descriptors  # noqa: PLC0415 - yarn only

        # a yarn 1 entry's id is its header: only the rule-named entries' are split (splitting
        # every header cost ~1.3 us each, 64 ms on a 50,000-entry file)
        keys = (
            [table.ids[i] for i in positions]
            if fmt is LockfileFormat.YARN_CLASSIC
            else graph.entry_keys
        )
        return tuple(named_descriptors(keys, names))
    if fmt not in NPM_LOCKFILE_FORMATS and fmt not in _RELEASE_FORMATS:
        return ()
    table = graph.table
    positions = table.positions_named(names)
    if fmt in NPM_LOCKFILE_FORMATS:
        return tuple((table.ids[i], table.version(i)) for i in positions)
    named = (table[i] for i in positions)
    return tuple((p.name, p.version) for p in named if p.source is Source.REGISTRY)


def override_names(graph: LockfileGraph) -> frozenset[str]:
    """The names a package.json's ``overrides``/``resolutions``/``pnpm.overrides`` pin, or a
    pnpm lockfile's ``overrides``."""
    pinned = frozenset(d.name for d in graph.declared if d.field in OVERRIDE_FIELDS)
    return pinned | graph.resolutions if graph.resolutions else pinned


# The fields a package manager installs from a project's own package.json (its peers are its
# consumers')
_INSTALLED_FIELDS = ("dependencies", "devDependencies", "optionalDependencies")
# A deno.json import map's fields (``deno_json``): the import key is no install folder, so an
# alias key changes nothing of what deno resolves for the package
_IMPORT_FIELDS = ("imports", "scopes")


def _out_of_date(
    hit: DeclaredHit,
    projects: Sequence[tuple[str, Sequence[tuple[str, Facts]]]],
    in_project: Callable[[str], str],
    overridden: Callable[[str], frozenset[str]] | None,
) -> tuple[str, list[LockfileFormat], bool] | None:
    """Why the lockfiles holding ``hit``'s package do not decide its range, their formats,
    and whether no frozen install refuses that (None: some lockfile decides). yarn 1.22.22's
    ``--frozen-lockfile`` refuses a root package.json's range its yarn.lock has no entry for,
    but not a workspace member's nor a ``file:`` folder's: it exited 0 and installed the range's
    highest release, leaving the file as it was (measured, decision 0061).

    Each package manager keeps what its lockfile locks only when it answers the package.json's range
    (read loose), else its install resolves the range again (its frozen install refuses the file;
    measured, decisions 0060 and 0061): npm (arborist), when the version of the folder node's
    resolution finds from the manifest's (``<its folder>/node_modules/<key>``, then each folder
    above up to the project's ``node_modules/<key>``) satisfies it; pnpm and bun, when any release
    of the name the file locks does; yarn, when an entry's header names the dependency's
    ``name@range`` exactly. Only for a plain range of a field they install, no alias, a name neither
    the project's package.json nor the lockfile overrides; a lockfile of another kind, or whose
    locks are not known, decides as before."""
    from gouvernante.errors import SemverError  # noqa: PLC0415 - only for a risky range
    from gouvernante.semver import parse_range  # noqa: PLC0415 - idem

    imported = hit.field in _IMPORT_FIELDS
    if (not imported and (hit.alias or hit.field not in _INSTALLED_FIELDS)) or not hit.spec:
        return None
    try:
        wanted = parse_range(hit.spec, loose=True)
    except SemverError:
        return None
    why: list[str] = []
    tools: list[LockfileFormat] = []
    unrefused = True
    for folder, locks in projects:
        holding = [(d, f) for d, f in locks if hit.name in f.present_names]
        if not holding:
            continue
        if overridden is not None and hit.name in overridden(folder):
            return None
        rel = in_project(folder)
        for display, facts in holding:
            fmt = facts.format
            if fmt not in _INSTALLS or not facts.locked or hit.name in facts.override_names:
                return None  # another kind of lockfile, or one that pins it: it decides
            reason = _not_kept(hit, wanted, fmt, facts.locked, rel)
            if reason is None:
                return None
            why.append(f"{display} {reason}")
            tools.append(fmt)
            unrefused &= fmt is LockfileFormat.DENO or (
                fmt is LockfileFormat.YARN_CLASSIC and rel != "" and not _above(rel)
            )
    return ("; ".join(why), tools, unrefused) if why else None


def _not_kept(
    hit: DeclaredHit, wanted: Range, fmt: LockfileFormat, locks: Sequence[tuple[str, str]], rel: str
) -> str | None:
    """Why one lockfile's package manager would not keep what it locks for ``hit`` (None: it
    would, or cannot tell)."""
    from gouvernante.errors import SemverError  # noqa: PLC0415 - only for a risky range
    from gouvernante.semver import parse_version  # noqa: PLC0415 - idem

    name = hit.name
    if fmt in _YARN_FORMATS:
        from gouvernante.lockfiles.yarn import answers  # noqa: PLC0415 - yarn only

        heads = {descriptor for key, descriptor in locks if key == name}
        if answers(name, hit.spec, heads, berry=fmt is LockfileFormat.YARN_BERRY):
            return None
        return f"has no entry for {name}@{hit.spec} (it locks {name} for other ranges)"
    if fmt in NPM_LOCKFILE_FORMATS:
        if _above(rel):
            return None  # (a Rush project: installed as node_modules/@rush-temp/<name>)
        by_folder = dict(locks)
        candidates = [by_folder[p] for p in _npm_candidates(rel, name) if p in by_folder]
        if not candidates:
            return f"locks {name} for no folder this package.json uses"
        versions = candidates[:1]
    else:
        versions = sorted({version for key, version in locks if key == name})
        if not versions:
            return None  # (only other sources: not a release it would reuse)
    try:
        if any(wanted.test(parse_version(v, loose=True)) for v in versions):
            return None
    except SemverError:
        return None
    if fmt in NPM_LOCKFILE_FORMATS:
        return f"locks {name} {versions[0]}, outside this range"
    return f"locks {name} {', '.join(versions)}, none inside this range"


def _above(rel: str) -> bool:
    """Is the folder ``rel`` (relative to a lockfile's) outside the lockfile's folder (a Rush
    project, pnpm ``lockfile-dir``)?"""
    return rel == ".." or rel.startswith("../")


def _refused(tools: Sequence[LockfileFormat]) -> str:
    """ "npm ci refuses it; npm install resolves this range again" for the tools of ``tools``."""
    refuse = list(dict.fromkeys(_INSTALLS[t][0] for t in tools))
    install = list(dict.fromkeys(_INSTALLS[t][1] for t in tools))
    many = len(refuse) > 1
    return (
        f"{' and '.join(refuse)} {'refuse' if many else 'refuses'} it;"
        f" {' and '.join(install)} {'resolve' if len(install) > 1 else 'resolves'}"
        " this range again"
    )


def _npm_candidates(rel: str, name: str) -> list[str]:
    """The lockfile folders node's resolution tries for ``name`` from the folder ``rel``."""
    parts = [p for p in rel.split("/") if p]
    out = []
    while parts:
        out.append("/".join(parts) + "/node_modules/" + name)
        parts.pop()
    out.append("node_modules/" + name)
    return out


class WorkspaceMembers:
    """``members`` for ``judge_declared``: each folder's answer worked out once, by
    ``names_of(folder, globs)`` from the package.json in that folder (none: no globs)."""

    def __init__(
        self,
        manifests: Mapping[str, Facts],
        names_of: Callable[[str, Sequence[str]], frozenset[str]],
    ) -> None:
        self._manifests = manifests
        self._names_of = names_of
        self._names: dict[str, frozenset[str]] = {}

    def __call__(self, folder: str) -> frozenset[str]:
        names = self._names.get(folder)
        if names is None:
            manifest = self._manifests.get(folder)
            patterns = manifest.workspace_globs if manifest is not None else ()
            names = frozenset() if not patterns else self._names_of(folder, patterns)
            self._names[folder] = names
        return names


def posix_relative(directory: str, folder: str) -> str:
    """``directory`` relative to ``folder`` (a folder at or above it), ``/``-separated ('' when
    they are one)."""
    if directory == folder:
        return ""
    if not folder:
        return directory  # (a tree's root, its paths relative to it: ``gitscan.paired_key``)
    prefix = folder if folder.endswith("/") else folder + "/"  # (the root "/": placed blobs)
    if directory.startswith(prefix):
        return directory[len(prefix) :]  # (the placed folders are normalised)
    return posixpath.relpath(directory, folder)


def posix_joined(folder: str, relative: str) -> str:
    """``folder``'s ``relative`` folder, normalised as the placed directories are spelled."""
    return posixpath.normpath(posixpath.join(folder, relative))


# A workspace member that is a symbolic link leading out of what is scanned (the folder, the
# repository): never read, so the member's ranges are not known (every mode, decision 0113)
LINK_OUT = (
    "a symbolic link to a folder outside what is scanned: not followed, its package.json is"
    " not read"
)


def with_links(manifests: Mapping[str, T], links: Mapping[str, str]) -> dict[str, T]:
    """``manifests`` (by folder) with each symbolic link to a folder holding one (``links``:
    link -> the folder it leads to, inside the tree) as a folder holding that manifest: npm
    11.19.1, pnpm 9.15.9 and yarn 1.22.22 follow a workspace member that is a link and record
    it at the link's path (decision 0113). A folder that is there already keeps its own."""
    out = dict(manifests)
    for link, end in links.items():
        held = manifests.get(end)
        if held is not None:
            out.setdefault(link, held)
    return out


def members_out(
    manifests: Mapping[str, Facts],
    out: Iterable[str],
    dirname: Callable[[str], str] = posixpath.dirname,
    relative: Callable[[str, str], str] = posix_relative,
) -> list[str]:
    """The symbolic links of ``out`` (those leading out of what is scanned) that a workspace
    glob of a package.json in a folder above names (``manifests``: by folder): members npm,
    pnpm and yarn 1 install whose package.json is not read (``LINK_OUT``, decision 0113)."""
    found: list[str] = []
    for link in sorted(out):
        current = dirname(link)
        while True:
            manifest = manifests.get(current)
            if manifest is not None and manifest.workspace_globs:
                from gouvernante.fs import globs  # noqa: PLC0415 - a link out only

                if globs.matches(relative(link, current), manifest.workspace_globs):
                    found.append(link)
                    break
            parent = dirname(current)
            if parent == current:
                break
            current = parent
    return found


def workspace_members(
    folder: str,
    patterns: Sequence[str],
    directories: Iterable[str],
    name_of: Callable[[str], str | None],
    relative: Callable[[str, str], str] = posix_relative,
) -> dict[str, str]:
    """The workspaces of the project in ``folder`` whose package.json ``workspaces`` globs are
    ``patterns``: member folder -> package name, among ``directories`` (the folders holding a
    package.json the source reads as one: the placed blobs of a tree, an image's files, the
    folders ``globs.expand`` lists on disk), each named by ``name_of`` (None or '': no name,
    not a member). A folder is a member when it lies below ``folder`` and the globs name its
    path relative to it (``globs.matches``: never a hidden folder nor ``node_modules``). The
    one listing of every mode: the yarn 1 lockfile read with its manifest (a workspace is not
    the registry package of that name) and the declared-range judgement (decision 0112).
    Folders are spelled as ``relative`` takes them (posix: blobs; ``os.path``: disk). A member
    that is a symbolic link to a folder is among ``directories`` at the link's path (npm,
    pnpm and yarn 1 follow it and record it there: ``with_links``, decision 0113)."""
    from gouvernante.fs import globs  # noqa: PLC0415 - a project with globs only

    out: dict[str, str] = {}
    if not patterns:
        return out
    for d in directories:
        if d == folder or not d.startswith(folder) or d in out:
            continue
        rel = relative(d, folder)
        if _above(rel) or not globs.matches(rel, patterns):
            continue
        name = name_of(d)
        if name:
            out[d] = name
    return out


class DeclaredJudge(Generic[J]):
    """The one judgement of package.json ranges, for every source: ``-dir``, ``-recursive``
    and ``-lockfile`` (``pipeline``, the files read on disk), ``-git``, ``-inventory`` and
    ``-image`` (``match.lockfile.resolve_declared``, the blobs of a tree). ``placed``: each file
    read as (its folder, its name as reported, the well-known name whose parser read it, its
    facts); a file not read is not placed. The lockfiles of a folder are its files of a
    lockfile format; its package.json (whose ``workspaces`` globs, ``name`` and overrides place
    the folder's project) is the first file read as one that is no pnpm-workspace.yaml nor
    deno.json (``NOT_THE_MANIFEST``). A project's workspace names are the names of the placed
    package.json files its globs name (``globs.matches``: never a hidden folder nor
    ``node_modules``). The judge reads the others' project facts only, never their ranges: a
    manifest whose ranges alone changed is judged again by the same judge (``-history``: a
    commit's cost follows what it changed, decision 0073). Folders are absolute, spelled as
    ``dirname``, ``relative`` and ``join`` take them (posix: blobs; ``os.path``: disk).
    ``links``: each symbolic link of the tree to a folder -> the folder it leads to, inside
    the tree (decision 0113): a manifest there is also at the link's path, a member there when
    the globs name it, and its ranges are judged by the projects of every place it has (its
    own folder's too: a range any of them decides is decided, as for a member with a lockfile
    of its own)."""

    def __init__(
        self,
        placed: Iterable[tuple[str, str, str, J]],
        root: str | None,
        *,
        dirname: Callable[[str], str] = posixpath.dirname,
        relative: Callable[[str, str], str] = posix_relative,
        join: Callable[[str, str], str] = posix_joined,
        links: Mapping[str, str] | None = None,
    ) -> None:
        self.root = root
        self.dirname = dirname
        self.relative = relative
        self.locks: dict[str, list[tuple[str, J]]] = {}
        self.manifests: dict[str, J] = {}
        for directory, display, name, facts in placed:
            if facts.format is None:
                continue
            if facts.format is not LockfileFormat.PACKAGE_JSON:
                self.locks.setdefault(directory, []).append((display, facts))
            elif name not in NOT_THE_MANIFEST:
                self.manifests.setdefault(directory, facts)
        # a folder a symbolic link leads to is placed at the link's path too: a package
        # manager installs it there (``with_links``); its manifest is judged at every place
        self.places: dict[str, list[str]] = {}
        if links:
            self.manifests = with_links(self.manifests, links)
            for link, end in links.items():
                if end in self.manifests and link != end:
                    self.places.setdefault(end, []).append(link)
        self.members = WorkspaceMembers(self.manifests, self._names_of)
        self.outside = outside_projects(self.locks, join)
        self.rush = rush_repositories(self.locks)

    def _names_of(self, folder: str, patterns: Sequence[str]) -> frozenset[str]:
        """The names of the package.json files placed below ``folder`` that its globs name."""
        manifests = self.manifests
        found = workspace_members(
            folder, patterns, manifests, lambda d: manifests[d].manifest_name, self.relative
        )
        return frozenset(found.values())

    def _overridden(self, folder: str) -> frozenset[str]:
        manifest = self.manifests.get(folder)
        return manifest.override_names if manifest is not None else frozenset()

    def inputs(self, directory: str) -> tuple[object, ...]:
        """What ``self(directory, ...)`` reads of the tree: the lockfiles (by identity) and
        package.json of each folder from it up to the root, the workspace names of those
        holding a lockfile, and the lockfiles elsewhere that record ``directory``
        (``outside_projects``, ``rush_repositories``; ``projects_of`` reads no other). The same
        inputs of two judges whose objects are alive: the same judgement."""
        out: list[object] = []
        for place in (directory, *self.places.get(directory, ())):
            out.append(place)
            out.extend((f, self._lock_ids(f)) for f in self.outside.get(place, ()))
            current = place
            while True:
                out.extend((f, self._lock_ids(f)) for f in self.rush.get(current, ()))
                if current in self.locks:
                    locks = self._lock_ids(current)
                    manifest = id(self.manifests.get(current))
                    out.append((current, locks, manifest, self.members(current)))
                parent = self.dirname(current)
                if current in (self.root, parent):
                    break
                current = parent
        return tuple(out)

    def _lock_ids(self, folder: str) -> tuple[tuple[str, int], ...]:
        """The lockfiles of ``folder`` by name and identity."""
        return tuple((display, id(m)) for display, m in self.locks[folder])

    def __call__(
        self, directory: str, declared: Sequence[DeclaredHit]
    ) -> tuple[list[Finding], list[str]]:
        """The findings and notes of the risky ranges ``declared`` by the manifest in
        ``directory``."""
        if not declared:
            return [], []
        projects: list[tuple[str, Sequence[tuple[str, J]]]] = []
        place_of: dict[str, str] = {}  # project folder -> the place of the manifest in it
        for place in (directory, *self.places.get(directory, ())):
            for folder, locks in projects_of(
                place,
                self.root,
                self.locks,
                self.manifests,
                relative=self.relative,
                dirname=self.dirname,
                outside=self.outside,
                rush=self.rush,
            ):
                if place == directory or folder not in place_of:  # (a project once)
                    place_of.setdefault(folder, place)
                    projects.append((folder, locks))
        return judge_declared(
            declared,
            projects,
            self.members,
            in_project=partial(self._in_project, place_of),
            overridden=self._overridden,
        )

    def _in_project(self, place_of: Mapping[str, str], folder: str) -> str:
        place = place_of[folder]
        return "" if place == folder else self.relative(place, folder)


def judge_all(
    judge: DeclaredJudge[J], placed: Iterable[tuple[str, str, str, J]]
) -> tuple[list[Finding], list[tuple[str, str]]]:
    """The findings and notes ``(display, message)`` of the risky ranges of every file of
    ``placed`` (in that order), by ``judge``."""
    findings: list[Finding] = []
    notes: list[tuple[str, str]] = []
    for directory, display, _name, facts in placed:
        found, messages = judge(directory, facts.declared)
        findings.extend(found)
        notes.extend((display, message) for message in messages)
    return findings, notes
