"""``package.json``: the ranges a project declares, for projects without a lockfile.

``parse`` returns no resolved packages, one importer (the project) and one
``DeclaredDependency`` per entry of ``dependencies``, ``devDependencies``,
``optionalDependencies`` and ``peerDependencies``, in that order and in file order within each,
then one per version an override forces (npm and bun ``overrides``, yarn and bun
``resolutions``, ``pnpm.overrides``): a package manager installs that version wherever the
package is in the tree, a direct dependency's own range aside for yarn and pnpm.
Aliases (``"my-lodash": "npm:lodash@^4.17.0"``, ``NPM:`` too, as npm reads it) are resolved to
the real name with the alias kept; yarn berry's ``npm:<range>`` is the key's own range; every
registry tarball URL (``<registry>/<name>/-/<name>-<version>.tgz``) is the package it names, under
any key, with the key kept as the alias; every other spec (git, ``file:``, ``link:``,
``workspace:``, other URLs, dist-tags) is kept verbatim for the matcher to judge.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Container, Mapping, Sequence

import msgspec
from msgspec.structs import replace

from gouvernante.errors import LockfileError, SemverError
from gouvernante.fs.jsonpath import Document
from gouvernante.lazy import lazy_object, lazy_pattern
from gouvernante.lockfiles import (
    MANIFEST_OVERRIDES,
    OVERRIDE_FIELDS,
    locks_member_dependencies,
    with_local_entries,
)
from gouvernante.lockfiles._common import first_repeated_key, json_errors, shape_error
from gouvernante.lockfiles._tarball_url import registry_identity, registry_name
from gouvernante.model import (
    DeclaredDependency,
    DeclaredReading,
    Importer,
    LockfileFormat,
    LockfileGraph,
    Source,
)
from gouvernante.safetext import key_segment

DEPENDENCY_FIELDS = ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies")


# A dependency field: a mapping of names to specs. An empty array (``"devDependencies": []``,
# written by hand or by old tools) names nothing: npm, pnpm and yarn read it as no dependency.
_Deps = dict[str, str] | list[msgspec.Raw] | None


class _Manifest(msgspec.Struct):
    name: object = None
    version: object = None
    dependencies: _Deps = None
    devDependencies: _Deps = None
    optionalDependencies: _Deps = None
    peerDependencies: _Deps = None
    workspaces: object = None
    resolutions: object = None
    overrides: object = None
    pnpm: object = None
    catalog: object = None  # bun: a root package.json's catalogs (also under ``workspaces``)
    catalogs: object = None


_TOP_KEY = lazy_pattern(
    rb'"(?:name|version|dependencies|devDependencies|optionalDependencies|peerDependencies)"\s*:'
)


def sniff(head: bytes) -> bool:
    """A JSON object without ``lockfileVersion`` that has a package.json field near the top.
    Not an SBOM (``bomFormat``, ``spdxVersion``: its ``name`` and ``version`` are the
    document's), which read as a manifest was 0 packages, CLEAN, with ``-lockfile``."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith(b"{") or b'"lockfileVersion"' in text:
        return False
    if b'"bomFormat"' in text or b'"spdxVersion"' in text:
        return False
    return bool(_TOP_KEY.search(text))


def parse(data: bytes, path: str) -> LockfileGraph:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        with json_errors(path, data):
            manifest = msgspec.json.decode(data, type=_Manifest)
    except msgspec.ValidationError as exc:
        document = Document.of_json(data, lambda text: msgspec.json.decode(text, type=_Manifest))
        raise shape_error(path, exc, "package.json", document) from None
    declared: list[DeclaredDependency] = []
    for field in DEPENDENCY_FIELDS:
        deps: _Deps = getattr(manifest, field)
        if not deps:
            continue
        if isinstance(deps, list):  # npm would make edges named "0", "1"...: not read
            raise LockfileError(
                path,
                "unexpected package.json shape: Expected `object | null`, got `array`",
                json_path=field,
            )
        for key, spec in deps.items():
            declared.append(declared_dependency(key, spec, field))
            declared.extend(_berry_tag(key, spec, field))
    pnpm = manifest.pnpm.get("overrides") if isinstance(manifest.pnpm, dict) else None
    for field, value in zip(
        MANIFEST_OVERRIDES, (manifest.overrides, manifest.resolutions, pnpm), strict=True
    ):
        for name, spec in overridden_versions(value):
            declared.append(declared_dependency(name, spec, field))
            if field == "resolutions":
                declared.extend(_berry_tag(name, spec, field))
    if _may_repeat_a_key(data, manifest):
        known = set(declared)
        declared.extend(d for d in _bun_reading(data, path) if d not in known)
    name = manifest.name if isinstance(manifest.name, str) and manifest.name else "(root)"
    return LockfileGraph(
        LockfileFormat.PACKAGE_JSON,
        (),
        (Importer("", name, ""),),
        tuple(declared),
        workspaces=workspace_globs(manifest.workspaces, path),
        resolutions=_resolution_names(manifest.resolutions),
        catalogs=_catalogs_of(manifest, data, path),
        version=manifest.version if isinstance(manifest.version, str) else None,
    )


# Where a key given twice is read differently: npm, pnpm and yarn (JSON.parse) keep the last
# value; bun 1.4.5 the first of a top-level field and of a dependency object
# (``{"axios": "1.14.1", "axios": "1.13.0"}`` installs 1.14.1 with bun, 1.13.0 with the others; of
# two ``dependencies`` or ``overrides`` objects bun reads the first) but the last within an
# ``overrides`` or ``resolutions`` object (measured with bun install). Both readings are
# declared: each is what some package manager installs.
_FIRST_WINS_TOP = (*DEPENDENCY_FIELDS, "overrides", "resolutions")
_FIELD_KEYS = tuple(f'"{field}"'.encode() for field in _FIRST_WINS_TOP)
# a key's end: its closing quote, then ``:`` (also inside a string value: never fewer than keys)
_KEY_END = lazy_pattern(rb'"[ \t\r\n]*:')


class _RawFields(msgspec.Struct):
    dependencies: msgspec.Raw = msgspec.Raw(b"")
    devDependencies: msgspec.Raw = msgspec.Raw(b"")
    optionalDependencies: msgspec.Raw = msgspec.Raw(b"")
    peerDependencies: msgspec.Raw = msgspec.Raw(b"")


def _may_repeat_a_key(data: bytes, manifest: _Manifest) -> bool:
    """Whether bun may read the file's dependencies otherwise (``_bun_reading``): a field's
    name twice in the file, an escape (``\\u`` spells a key another way), or more key ends in
    a dependency field's text than its decoded object holds keys (a string value holding
    ``":`` only makes the file read again)."""
    if b"\\u" in data or any(data.count(key) > 1 for key in _FIELD_KEYS):
        return True
    raw = msgspec.json.decode(data, type=_RawFields)
    for field in DEPENDENCY_FIELDS:
        text = bytes(getattr(raw, field))
        keys = len(_KEY_END.findall(text)) if text else 0
        deps = getattr(manifest, field)
        if keys != (len(deps) if isinstance(deps, dict) else 0):
            return True
    return False


class _Pairs(list[tuple[str, object]]):
    """A JSON object's members as written, a repeated key each time."""


def _bun_reading(data: bytes, path: str) -> list[DeclaredDependency]:
    """The declared dependencies as bun reads a file that repeats a key (``_may_repeat_a_key``)."""
    import json  # noqa: PLC0415 - only for a file that may repeat a key

    try:
        doc = json.loads(data, object_pairs_hook=_Pairs)
    except RecursionError:
        raise LockfileError(path, "nesting too deep to parse") from None
    top = _first(doc) if isinstance(doc, _Pairs) else {}
    out: list[DeclaredDependency] = []
    for field in DEPENDENCY_FIELDS:
        deps = top.get(field)
        if isinstance(deps, _Pairs):
            out.extend(
                declared_dependency(key, spec, field)
                for key, spec in _first(deps).items()
                if isinstance(spec, str)
            )
    for field in ("overrides", "resolutions"):
        value = top.get(field)
        if isinstance(value, _Pairs):
            out.extend(
                declared_dependency(name, spec, field)
                for name, spec in overridden_versions(_last(value))
            )
    return out


def _first(pairs: _Pairs) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in pairs:
        out.setdefault(key, value)
    return out


def _last(value: object, depth: int = 0) -> object:
    """JSON.parse's reading of an object kept as ``_Pairs`` (the last of a repeated key)."""
    if not isinstance(value, _Pairs) or depth > MAX_OVERRIDE_DEPTH:
        return value
    return {key: _last(item, depth + 1) for key, item in value}


# A key a package.json may hold twice that the package managers read differently: bun keeps the
# first ``catalog``/``catalogs``/``workspaces`` and refuses a package twice in one catalog,
# npm's JSON.parse (and msgspec) the last (the red team's c08, checked with bun 1.4.5).
_CATALOG_FIELDS = frozenset({"catalog", "catalogs", "workspaces"})
_CATALOG_KEYS = tuple(f'"{key}"'.encode() for key in sorted(_CATALOG_FIELDS))
_PATH_FIELDS = frozenset({*_CATALOG_FIELDS, "packages"})  # named ``.field`` in a JSON path


def _catalogs_of(manifest: _Manifest, data: bytes, path: str) -> dict[str, dict[str, str]] | None:
    """bun's catalogs (``bun_catalogs``); a file that defines some, or may repeat a key they
    are read from, is read again keeping every member (a bun root is one file of a project)."""
    catalogs = bun_catalogs(manifest.workspaces, manifest.catalog, manifest.catalogs, path)
    if catalogs is not None or b"\\u" in data or any(data.count(key) > 1 for key in _CATALOG_KEYS):
        try:
            repeated = first_repeated_key(data, _PATH_FIELDS, within=_CATALOG_FIELDS)
        except RecursionError:
            raise LockfileError(path, "nesting too deep to parse") from None
        if repeated is not None:
            raise LockfileError(
                path,
                "a key given twice (bun reads the first, npm and this reader the last): which"
                " catalogs or workspaces apply cannot be told",
                json_path=repeated[0],
            )
    return catalogs


DEFAULT_CATALOG = "default"  # the catalog ``catalog:`` names (pnpm and bun)


def bun_catalogs(
    workspaces: object, catalog: object, catalogs: object, path: str
) -> dict[str, dict[str, str]] | None:
    """bun's catalogs, defined in the workspace root's package.json (decision 0054): catalog
    name ("default" for ``catalog`` and ``catalog:``) -> package -> range; None when it defines
    none. Read as bun 1.4.5 reads them: ``workspaces.catalog`` (present at all, even null)
    replaces a top-level ``catalog`` whole, ``workspaces.catalogs`` a top-level ``catalogs``; a
    value of another kind defines nothing (an entry that is not a string, a catalog that is not
    an object: bun says "not in catalog"); a package in both ``catalog`` and
    ``catalogs.default`` is refused, as bun refuses it (an error naming its JSON path)."""
    where_default, where_named = "catalog", "catalogs"
    if isinstance(workspaces, dict):
        if "catalog" in workspaces:
            catalog, where_default = workspaces["catalog"], "workspaces.catalog"
        if "catalogs" in workspaces:
            catalogs, where_named = workspaces["catalogs"], "workspaces.catalogs"
    if catalog is None and catalogs is None:
        return None
    out = {
        name: _catalog_entries(entries)
        for name, entries in (catalogs.items() if isinstance(catalogs, dict) else ())
    }
    entries = _catalog_entries(catalog)
    named = out.setdefault(DEFAULT_CATALOG, {})
    for key in entries:
        if key in named:
            raise LockfileError(
                path,
                f"defined in both {where_default} and {where_named}.default (bun refuses it)",
                json_path=f"{where_default}{key_segment(key)}",
            )
    named.update(entries)
    return out


def _catalog_entries(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {key: spec for key, spec in value.items() if isinstance(spec, str)}


class PackageManifest(msgspec.Struct):
    """What the scanners read from a package's own package.json (installed packages, caches,
    the manifest beside a lockfile). Any JSON kind is accepted here; users check the kind."""

    name: object = None
    version: object = None
    scripts: object = None
    mocked: object = None  # yarn's pnpm linker's stand-in for a package not installed here


_MANIFEST = lazy_object(lambda: msgspec.json.Decoder(PackageManifest))

# The lifecycle scripts npm runs when it installs a package.
INSTALL_SCRIPTS = ("preinstall", "install", "postinstall")


def installed_release(
    manifest: PackageManifest, folder: str, has_binding_gyp: Callable[[], bool]
) -> tuple[str, str, tuple[str, ...]]:
    """What an installed package folder holds: its name (the folder's when the manifest has
    none), version (``""`` when absent) and the install scripts npm runs for it (a
    ``binding.gyp`` beside the manifest means ``install``: npm runs ``node-gyp rebuild``). The
    one reading of an installed manifest, for -host and for images."""
    name = manifest.name if isinstance(manifest.name, str) and manifest.name else folder
    version = manifest.version if isinstance(manifest.version, str) else ""
    scripts: tuple[str, ...] = ()
    if isinstance(manifest.scripts, dict):
        declared = manifest.scripts
        scripts = tuple(s for s in INSTALL_SCRIPTS if isinstance(declared.get(s), str))
    if not scripts and has_binding_gyp():
        scripts = ("install",)
    return name, version, scripts


def read_manifest(data: bytes) -> PackageManifest | None:
    """The one lenient package.json decoder: None when ``data`` is not a JSON object (a BOM is
    allowed; nesting too deep, bad UTF-8 or numbers out of range are "not a manifest")."""
    try:
        return _MANIFEST.decode(data.removeprefix(b"\xef\xbb\xbf"))
    except (msgspec.MsgspecError, RecursionError, ValueError):
        return None


def manifest_name(data: bytes) -> str | None:
    """The ``name`` of a package.json, or None (also when it does not decode)."""
    manifest = read_manifest(data)
    value = manifest.name if manifest is not None else None
    return value if isinstance(value, str) and value else None


def manifest_release(data: bytes) -> tuple[str, str] | None:
    """The ``name`` and ``version`` strings of a package.json, or None."""
    manifest = read_manifest(data)
    if manifest is None or not isinstance(manifest.name, str):
        return None
    return (manifest.name, manifest.version) if isinstance(manifest.version, str) else None


def with_manifest(
    graph: LockfileGraph,
    manifest: LockfileGraph,
    workspaces: Container[str] = (),
    members: Mapping[str, LockfileGraph] | None = None,
) -> LockfileGraph:
    """``graph`` with the project's own dependencies taken from ``manifest``, the package.json
    beside the lockfile, when the lockfile does not record them (npm v1, yarn classic): the
    root's edges go to the entries the manifest names (peer dependencies aside: npm 6 and yarn 1
    do not install them), so ``direct`` is known. Other graphs are returned as they are.

    A dependency the manifest declares that the lockfile does not lock (``workspaces`` and
    ``_unlocked`` aside), whatever its spec, is an entry error: the file was cut, or is out of
    date, and cannot say what is installed (decision 0129). So is a dependency a workspace
    member declares (``members``: folder relative to the lockfile's -> its package.json) that
    yarn 1 keys no entry by (``_unlocked_member_dependencies``, decision 0133)."""
    setter = getattr(graph.details, "set_root_dependencies", None)
    if graph.roots_known or not callable(setter) or not graph.importers:
        return graph
    # (yarn berry's reading of ``npm:latest`` is no spec npm or yarn 1 reads)
    deps = [
        dep
        for dep in manifest.declared
        if dep.field in _ROOT_FIELDS and dep.reading != DeclaredReading.BERRY
    ]
    setter(_keyed(deps))
    root, *rest = graph.importers
    label = manifest.importers[0].label if manifest.importers else root.label
    if label == "(root)":
        label = root.label
    importers = (Importer(root.id, label, root.folder), *rest)
    errors = list(graph.entry_errors)
    unresolved = getattr(graph.details, "unresolved_roots", None)
    if callable(unresolved):
        links = workspace_links(workspaces, members or {})

        def linked(dep: DeclaredDependency) -> bool:  # (yarn's pattern: ``<key>@<spec>``)
            return links(dep.alias or dep.name, dep.written or dep.spec)

        member_deps = _member_dependencies(graph, members or {}, linked)
        claimed = {_descriptor(d) for ds in member_deps.values() for d in ds}
        if claimed:
            claimed.update(_descriptor(dep) for dep in deps)
        for where, declared in (("", deps), *member_deps.items()):
            keyed = [(key, spec) for key, _name, spec in _keyed(declared)]
            missing = set(unresolved(keyed, claimed) if claimed else unresolved())
            for dep in declared:
                key = dep.alias or dep.name
                if key in missing and not linked(dep) and not _unlocked(dep, graph):
                    missing.discard(key)  # (one error a key, however many readings it has)
                    errors.append(
                        f"{where}{'/' if where else ''}package.json {dep.field}{key_segment(key)}:"
                        " the lockfile has no entry for it (truncated or out-of-date lockfile)"
                    )
    errors.extend(_unlocked_resolutions(graph, manifest, workspaces))
    graph = with_local_entries(graph, _local_resolutions(graph, manifest))
    return replace(
        graph,
        importers=importers,
        roots_known=True,
        entry_errors=tuple(errors),
        uninstalled=_unused_resolutions(graph, manifest),
    )


def _keyed(deps: Sequence[DeclaredDependency]) -> list[tuple[str, str, str]]:
    """``(key, name, spec as written)`` of each dependency, as yarn 1 keys its entry."""
    return [(dep.alias or dep.name, dep.name, dep.written or dep.spec) for dep in deps]


def _descriptor(dep: DeclaredDependency) -> str:
    """The key yarn 1.22.22 writes for a declared dependency or a ``resolutions`` entry, the
    spec as written: ``ms@2.1.2`` (``**/ms``, ``a/ms`` alike), ``"ms@npm:@lukeed/ms@2.0.2"``,
    ``"ms@https://registry.npmjs.org/is-number/-/is-number-7.0.0.tgz"``."""
    return f"{dep.alias or dep.name}@{dep.written or dep.spec}"


def _member_dependencies(
    graph: LockfileGraph,
    members: Mapping[str, LockfileGraph],
    linked: Callable[[DeclaredDependency], bool],
) -> dict[str, list[DeclaredDependency]]:
    """Each workspace member's dependencies yarn 1.22.22 locks in the root yarn.lock, keyed by
    the spec as the member writes it, as the root's (decision 0133): peers aside, and those it
    links to a workspace (``linked``). npm 6 reads no ``workspaces``: none."""
    if not locks_member_dependencies(graph):
        return {}
    return {
        folder: [
            dep
            for dep in member.declared
            if dep.field in _ROOT_FIELDS
            and dep.reading != DeclaredReading.BERRY
            and not linked(dep)
        ]
        for folder, member in members.items()
    }


def workspace_links(
    workspaces: Container[str], members: Mapping[str, LockfileGraph]
) -> Callable[[str, str | None], bool]:
    """Whether yarn 1 links a dependency (its key, its spec as written; None: not known) to a
    workspace, writing no entry for it: a ``workspace:`` spec, or a key naming a workspace
    (``workspaces``) whose version the spec satisfies (yarn 1.22.22's ``getManifestByPattern``:
    ``semver.satisfies(version, range, looseSemver)``; otherwise it locks the registry's:
    ``"ms": "2.1.2"`` beside a workspace ms 9.0.0, decision 0134). A workspace whose version is
    not known (``members``, its package.json read, by folder: not read, no version, or two of
    that name) or a spec not known answers by its name alone, as before (decision 0133)."""
    from gouvernante.semver import parse_range, satisfies  # noqa: PLC0415 - workspaces only

    versions: dict[str, str | None] = {}
    for member in members.values():
        label = member.importers[0].label if member.importers else ""
        if label in workspaces and member.version:  # (yarn 1 ignores one with no version)
            # (two members of one name: which answers is not known)
            versions[label] = _yarn_clean(member.version) if label not in versions else None

    def linked(key: str, written: str | None) -> bool:
        spec = (written or "").strip()
        if spec.startswith("workspace:"):
            return True
        if key not in workspaces:
            return False
        version = versions.get(key)
        if version is None or written is None:
            return True
        answer = answers.get((version, spec))
        if answer is None:
            try:
                answer = satisfies(version, parse_range(spec, loose=True))
            except SemverError:  # a tag, URL, git, file: or npm: spec: no workspace answers it
                answer = False
            answers[version, spec] = answer
        return answer

    answers: dict[tuple[str, str], bool] = {}  # (version, spec): most members ask the same
    return linked


def yarn_workspaces(
    names: Collection[str], members: Mapping[str, LockfileGraph]
) -> tuple[set[str], dict[str, LockfileGraph]]:
    """The workspaces yarn 1.22.22 takes among the members the globs name (``names``; their
    package.json files read, by folder: ``members``): it ignores a member whose package.json has
    no version (``"Missing version in workspace at ..., ignoring."``): not linked, the
    registry's package of its name locked in its place, its own dependencies not locked
    (decision 0138, ``yarn1-workspace-versions``). A name no member read answers is kept (not
    known, as before)."""
    kept = {folder: member for folder, member in members.items() if member.version}
    versioned = {m.importers[0].label for m in kept.values() if m.importers}
    ignored = {m.importers[0].label for m in members.values() if m.importers and not m.version}
    return set(names) - (ignored - versioned), kept


def _yarn_clean(version: str) -> str:
    """A workspace's version as yarn 1 reads it (``semver.clean(version, looseSemver) ||
    version``: ``=1.3.0`` and ``v1.3.0`` are 1.3.0), before it asks a range of it."""
    from gouvernante.semver import parse_version  # noqa: PLC0415 - workspaces only

    try:
        return str(parse_version(version.strip().lstrip("=v"), loose=True))
    except SemverError:
        return version


def _measured_resolution(dep: DeclaredDependency) -> bool:
    """A ``resolutions`` spec whose entry yarn 1.22.22 was seen to write, used or not: a version
    or range, or any spec with a protocol (``npm:`` alias, tarball URL, ``file:`` tarball or
    folder, ``link:``, ``git+file:``; ``yarn1-resolutions``, ``yarn1-unused-resolutions``,
    ``url-dependencies``, decision 0122's ``settings``, ``yarn1-resolution-specs`` of decision
    0134). A dist-tag yarn warns about ("has an invalid version entry and may be ignored") and
    writes no entry for; a GitHub shorthand is not measured (GitHub not reachable)."""
    from gouvernante.lockfiles._yarn_common import has_protocol  # noqa: PLC0415 - yarn 1 only

    return has_protocol((dep.written or dep.spec).strip()) or _is_range(dep.spec)


def _unlocked_resolutions(
    graph: LockfileGraph, manifest: LockfileGraph, workspaces: Container[str]
) -> list[str]:
    """yarn 1.22.22 writes an entry for every ``resolutions`` entry of the root package.json,
    used or not (``yarn1-unused-resolutions``, decision 0122): a version one forces with no
    entry keyed by it (of any of its readings) was cut, or the file is out of date (decision
    0129). Other specs than ``_measured_resolution``'s are not checked."""
    unheaded = getattr(graph.details, "unheaded", None)
    if not manifest.resolutions or not callable(unheaded):
        return []
    by_name: dict[str, list[str]] = {}
    for dep in manifest.declared:
        if dep.field != "resolutions" or dep.reading == DeclaredReading.BERRY:
            continue
        if dep.name in workspaces or not _measured_resolution(dep):
            continue
        by_name.setdefault(dep.alias or dep.name, []).append(_descriptor(dep))
    return [
        f"package.json resolutions{key_segment(name)}: the lockfile has no entry for the"
        " version it forces (yarn 1 writes one for each; truncated or out-of-date lockfile)"
        for name, descriptors in by_name.items()
        if len(unheaded(descriptors)) == len(descriptors)
    ]


def _local_resolutions(graph: LockfileGraph, manifest: LockfileGraph) -> list[str]:
    """The entries a ``resolutions`` entry forces to a ``file:`` folder or ``link:``
    (``with_local_entries``). yarn 1.22.22 resolves such a package with its folder's resolver,
    not the registry's, and writes the entries of its name with no ``resolved``:
    ``ms@2.1.2, "ms@file:./local/ms"`` holding the folder's version, or ``kind-of@^3.0.2`` at
    0.0.0 beside ``"kind-of@link:./local/kind-of"`` (decision 0134, ``yarn1-local-resolutions``).
    Read as registry entries with no ``resolved`` (which yarn resolves again from the registry,
    ``match.hits._unresolved_yarn_entries``), a rule naming the package refused the healthy
    file. Only an entry with no ``resolved`` yarn marks so is taken, where the resolution's
    own descriptor heads an entry of the file (yarn applied it): for a folder, the entry that
    descriptor heads (with the patterns it answers); for a ``link:``, an entry of that name at
    0.0.0 (yarn's fetcher mocks a linked package so, ``uid ""``). Another entry of the name
    with no ``resolved`` (a path-scoped ``debug/ms`` beside the root's ms, its ``resolved``
    removed by hand) stays refused (decision 0138)."""
    unheaded = getattr(graph.details, "unheaded", None)
    headed = getattr(graph.details, "headed", None)
    if not manifest.resolutions or not callable(unheaded) or not callable(headed):
        return []
    folders: list[str] = []
    linked: set[str] = set()
    for dep in manifest.declared:
        spec = (dep.written or dep.spec).strip()
        if dep.field != "resolutions" or dep.reading == DeclaredReading.BERRY:
            continue
        if spec.startswith(("file:", "link:")) and not unheaded([_descriptor(dep)]):
            if spec.startswith("file:"):
                folders.append(_descriptor(dep))
            else:
                linked.add(dep.name)
    if not folders and not linked:
        return []
    entries = set(headed(folders))
    return [
        pkg.id
        for pkg in graph.packages
        if not pkg.resolved
        and pkg.source is Source.REGISTRY
        and (pkg.id in entries or (pkg.name in linked and pkg.version == "0.0.0"))
    ]


def _unused_resolutions(graph: LockfileGraph, manifest: LockfileGraph) -> tuple[str, ...]:
    """yarn classic's entries for ``resolutions`` no dependency uses (``unreached``): not
    installed. A workspace root's members declare dependencies of their own, which the root's
    package.json does not list: none is taken for unused there."""
    unreached = getattr(graph.details, "unreached", None)
    if not manifest.resolutions or manifest.workspaces or not callable(unreached):
        return ()
    descriptors = [_descriptor(dep) for dep in manifest.declared if dep.field == "resolutions"]
    return tuple(unreached(descriptors))


_ROOT_FIELDS = frozenset(DEPENDENCY_FIELDS) - {"peerDependencies"}


def _unlocked(dep: DeclaredDependency, graph: LockfileGraph) -> bool:
    """A root dependency the tool that wrote ``graph`` leaves out of a whole lockfile: npm 6
    (lockfileVersion 1) writes no entry for an optional dependency it could not fetch, and
    ``npm ci`` installs from such a file ("Optional missing", a warning; measured with npm
    6.14.18, decision 0129). yarn 1 fails the install instead, so it locks every spec."""
    return dep.field == "optionalDependencies" and graph.format in (
        LockfileFormat.PACKAGE_LOCK,
        LockfileFormat.SHRINKWRAP,
    )


def _is_range(spec: str) -> bool:
    from gouvernante.semver import parse_range  # noqa: PLC0415 - only for a manifest's ranges

    try:
        parse_range(spec, loose=True)  # as npm and pnpm read it (``match.hits``)
    except SemverError:
        return False
    return True


def with_resolutions(graph: LockfileGraph, manifest: LockfileGraph | None) -> LockfileGraph:
    """A berry dependency that only an out-of-range entry answers is an override the root
    ``resolutions`` must name; a name it does not (or with no package.json beside) is an entry
    error: the entry that answered the range is missing, the file was cut or edited."""
    if not graph.overridden:
        return graph
    named = manifest.resolutions if manifest is not None else frozenset()
    errors = [
        f"a dependency on {name} resolves only to an entry its range does not accept, and"
        " no package.json resolutions entry names it (truncated or edited lockfile?)"
        for name in graph.overridden
        if name not in named
    ]
    if not errors:
        return graph
    return replace(graph, entry_errors=(*graph.entry_errors, *errors))


def _resolution_names(value: object) -> frozenset[str]:
    """The package each ``resolutions`` key overrides."""
    if not isinstance(value, dict):
        return frozenset()
    return frozenset(name for key in value if isinstance(key, str) and (name := _target(key)))


# pnpm's parent>child delimiter: a '>' after a character that cannot end a range's operator
# (``a@>1`` and ``a@1 || >2`` are one selector); as @pnpm/parse-overrides splits.
_PNPM_DELIMITER = lazy_pattern(r"[^ |@]>")


def _target(key: str) -> str:
    """The package an override key names: pnpm's child in ``a>b``, the last of yarn's
    ``a/**/b`` (a ``@scope/name`` is one), without its ``@range`` (npm ``b@1``, berry
    ``b@npm:1``)."""
    delimiter = _PNPM_DELIMITER.search(key)
    last = (key[delimiter.start() + 2 :] if delimiter else key).strip()
    parts = last.split("/")
    last = "/".join(parts[-2:]) if len(parts) > 1 and parts[-2].startswith("@") else parts[-1]
    at = last.find("@", 1)
    return last[:at] if at > 0 else last


MAX_OVERRIDE_DEPTH = 64


def _forces_a_version(spec: str) -> bool:
    text = spec.strip()
    return bool(text) and text != "-" and not text.startswith("$")


def overridden_versions(value: object) -> list[tuple[str, str]]:
    """(package, spec) for each version an override map forces: npm's nested ``overrides``
    (``{"a": {".": "1", "b": "2"}}``: a at 1, b at 2 below a), and the flat maps of yarn
    ``resolutions`` and ``pnpm.overrides``. A reference to a direct dependency's range (npm
    ``$name``) and pnpm's ``-`` (remove) force no version; other shapes are not overrides."""
    out: list[tuple[str, str]] = []
    stack: list[tuple[str, object, int]] = [("", value, 0)]
    while stack:
        parent, node, depth = stack.pop()
        if not isinstance(node, dict) or depth > MAX_OVERRIDE_DEPTH:
            continue
        for key, spec in node.items():
            if not isinstance(key, str):
                continue
            name = parent if key == "." else _target(key)
            if isinstance(spec, dict):
                stack.append((name, spec, depth + 1))
            elif isinstance(spec, str) and name and _forces_a_version(spec):
                out.append((name, spec))
    return out


def workspace_globs(value: object, path: str) -> tuple[str, ...]:
    """The ``workspaces`` globs of a manifest: an array (npm, yarn, bun) or yarn classic's
    ``{"packages": [...], "nohoist": [...]}``; anything else declares none. More globs than
    ``globs.too_many`` allows: ``LockfileError`` naming the first past the limit."""
    where = "workspaces"
    if isinstance(value, dict):
        value, where = value.get("packages"), "workspaces.packages"
    if not isinstance(value, list):
        return ()
    from gouvernante.fs.globs import too_many  # noqa: PLC0415 - a manifest with workspaces only

    refused = too_many(value)
    if refused is not None:
        raise LockfileError(path, refused[1], json_path=f"{where}[{refused[0]}]")
    return tuple(v for v in value if isinstance(v, str) and v)


_BUN_TRIMS = " \t\n\r"  # what bun strips off the front of a dependency's spec
_PATCH = "patch:"
# The dist-tags npm documents (``npm dist-tag``): ``npm:latest`` is yarn berry's npm protocol with
# the key's own tag, but an alias of the package named "latest" to npm, pnpm and bun
_BERRY_TAGS = frozenset({"latest", "next"})


def _berry_tag(key: str, spec: str, field: str) -> list[DeclaredDependency]:
    """yarn berry's reading of ``"is-number": "npm:latest"`` beside npm's (an alias of a package
    named ``latest``): the key's package at its tag (yarn 4.18.1 installed is-number 7.0.0)."""
    text = spec.strip()
    if text[:4].lower() != "npm:" or text[4:].strip() not in _BERRY_TAGS:
        return []
    return [
        DeclaredDependency(
            key.strip(" ") or key, text[4:].strip(), field, reading=DeclaredReading.BERRY
        )
    ]


def _patched(key: str, spec: str, field: str) -> DeclaredDependency | None:
    """yarn berry's ``patch:<descriptor>#<patch file>`` (``patch:axios@npm%3A1.14.1#./p.patch``,
    its range URI-encoded, as ``yarn patch-commit`` writes it): the release the descriptor names,
    patched. yarn 4 installed is-number 7.0.0 for ``patch:is-number@npm%3A7.0.0#./p.patch``; a
    patch of an affected release still ships what the patch leaves of it."""
    from urllib.parse import unquote  # noqa: PLC0415 - only for a patch: spec

    descriptor = spec[len(_PATCH) :].partition("#")[0]
    at = descriptor.find("@", 1)
    if at <= 0 or at == len(descriptor) - 1:
        return None
    inner = declared_dependency(descriptor[:at], unquote(descriptor[at + 1 :]), field)
    alias = inner.alias or (key if key != inner.name else None)
    return replace(inner, alias=alias)


def declared_dependency(key: str, spec: str, field: str) -> DeclaredDependency:
    """One manifest entry; ``npm:<name>[@<range>]`` specs become the real name plus the alias
    (the prefix in any case: npm-package-arg lowercases it). A target with no name that is a
    range (``npm:^1.2.0``) is yarn berry's npm protocol: the key's own range (npm and pnpm would
    look for a package named like the range, which nobody publishes). The spec as written is
    kept in ``written`` when ``spec`` is not it (yarn 1 keys its entries by it)."""
    dep = _declared(key, spec, field)
    return dep if dep.spec == spec else replace(dep, written=spec)


def _declared(key: str, spec: str, field: str) -> DeclaredDependency:
    if spec.startswith(_PATCH):
        patched = _patched(key, spec, field)
        if patched is not None:
            return patched
    if spec[:1].isspace() and spec.strip().startswith("catalog:"):
        spec = spec.strip()  # bun 1.4.5 reads " catalog:", "\tcatalog:" as catalog references
    if spec[:4].lower() != "npm:" and spec.lstrip(_BUN_TRIMS)[:4] == "npm:":
        spec = spec.lstrip(_BUN_TRIMS)  # bun 1.4.5 installs " npm:evil@1" (npm refuses it)
    if spec[:4].lower() == "npm:":
        target = spec[4:].strip()
        cut = target.rfind("@")
        if cut > 0:
            return DeclaredDependency(_fetched_name(target[:cut]), target[cut + 1 :], field, key)
        if target and cut < 0 and _is_range(target):
            return DeclaredDependency(key, target, field, key)
        if target:
            reading = DeclaredReading.NOT_BERRY if target in _BERRY_TAGS else None
            return DeclaredDependency(_fetched_name(target), "*", field, key, reading=reading)
    if spec.lstrip()[:6].lower().startswith(("https:", "http:")):
        # A registry tarball URL installs the package it names, whatever the key: an alias
        # (``"a": "https://registry.npmjs.org/evil/-/evil-1.0.1.tgz"`` is evil@1.0.1 in
        # node_modules/a), judged as that package's tarball (decision 0030's reading).
        found = registry_identity(spec.strip())
        if found is not None and found[0] != key:
            return DeclaredDependency(found[0], spec, field, key)
    # bun 1.4.5 installs the registry's axios for " axios" and "axios " (pnpm 9 and yarn 1 for
    # "axios "; npm refuses both): the name without its spaces, the key kept as the alias
    name = key.strip(" ") or key
    if field not in OVERRIDE_FIELDS:  # an override's key selects by name: nothing is fetched
        name = _fetched_name(name)
    return DeclaredDependency(name, spec, field, key if name != key else None)


def _fetched_name(name: str) -> str:
    """The package a dependency's name fetches from the registry (``registry_name``: yarn 1,
    yarn 4, bun and pnpm put it in the URL as written; decision 0081), else the name itself."""
    return registry_name(name) or name
