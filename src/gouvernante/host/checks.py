"""``-host``: installed packages, package caches and every host indicator of the loaded rules."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import assert_never

from gouvernante.fs.digest import ContentHasher
from gouvernante.fs.walk import SKIP_DIRS, walk
from gouvernante.host.caches import (
    scan_berry_cache,
    scan_bun_cache,
    scan_deno_cache,
    scan_npm_cache,
    scan_pnpm_store,
    scan_yarn_classic_cache,
    scan_yarn_offline_mirror,
)
from gouvernante.host.configs import (
    berry_rc_folders,
    bunfig_cache_dir,
    pnpm_modules_folders,
    pnpm_workspace_store_dir,
    yarnrc_folder,
)
from gouvernante.host.context import HostContext
from gouvernante.host.files import check_file_indicator
from gouvernante.host.indicators import run_other_indicators
from gouvernante.host.install_state import PNPM_STATE
from gouvernante.host.installed import scan_package_versions, scan_tree
from gouvernante.host.locations import LocationKind, host_locations, native, read_rc
from gouvernante.host.payloads import PayloadScanner
from gouvernante.host.reader import Collector
from gouvernante.model import CheckOutcome, Finding, FindingType, HostCheck, ScanIssue
from gouvernante.rules.index import build_index
from gouvernante.rules.model import HostIndicator, IndicatorType, Rule
from gouvernante.rules.ruleset import CHECKS_FILE_HASHES, CHECKS_HOST, rules_checking

# Walking a project for its node_modules folders stops after this many directories.
MAX_PROJECT_DIRS = 200_000
# Paths skipped (FIFOs, devices, oversized or broken files) listed one by one, then summarized.
MAX_LISTED_NOTES = 200


@dataclass(frozen=True)
class HostScanResult:
    findings: tuple[Finding, ...]
    checks: tuple[HostCheck, ...]
    errors: tuple[ScanIssue, ...]
    notes: tuple[ScanIssue, ...]
    installed_packages: int
    cache_entries: int


def run_indicator_checks(
    rules: Sequence[Rule],
    ctx: HostContext,
    project_dirs: Sequence[str],
    errors: list[ScanIssue] | None = None,
) -> tuple[list[Finding], list[HostCheck]]:
    """Every host indicator of every rule, one ``HostCheck`` each, in rule order; ``errors``
    gets what could not be checked whole (a file pattern cut at its limit)."""
    slots: list[tuple[list[Finding], HostCheck] | None] = []
    others: list[tuple[Rule, HostIndicator]] = []
    for rule in rules:
        for ind in rule.host_indicators:
            if ind.type is IndicatorType.FILE:
                outcome = check_file_indicator(rule, ind, ctx, project_dirs)
                if errors is not None:
                    errors.extend(outcome.errors)
                slots.append((list(outcome.findings), outcome.check))
            elif ind.oses and ctx.os not in ind.oses:
                check = HostCheck(
                    rule.id,
                    ind.describe(),
                    ind.type.value,
                    CheckOutcome.SKIPPED,
                    f"not for {ctx.os.value}",
                )
                slots.append(([], check))
            else:
                slots.append(None)
                others.append((rule, ind))
    other_outcomes = iter(run_other_indicators(others, ctx))
    findings: list[Finding] = []
    checks: list[HostCheck] = []
    for slot in slots:
        if slot is None:
            other = next(other_outcomes)
            findings.extend(other.findings)
            checks.append(other.check)
        else:
            findings.extend(slot[0])
            checks.append(slot[1])
    return findings, checks


def _top_dirs(project_dirs: Sequence[str]) -> list[str]:
    tops: list[str] = []
    for d in sorted({os.path.abspath(p) for p in project_dirs}):
        if not any(d == t or d.startswith(t.rstrip(os.sep) + os.sep) for t in tops):
            tops.append(d)
    return tops


# Folders the -dir lockfile walk skips by name that the installed-package walk enters: they hold
# real installs (Next.js `.next/standalone/node_modules`, a nodeenv `.venv/lib/node_modules`, a
# tox env's, pre-commit's `.cache/pre-commit/*/node_env-*/lib/node_modules`).
_HOST_ENTERS = frozenset({".next", ".nuxt", ".venv", ".tox", ".cache", ".npm"})
HOST_SKIP_DIRS = SKIP_DIRS - _HOST_ENTERS
_CONFIG_FILES = frozenset(
    {".yarnrc.yml", ".yarnrc", "bunfig.toml", ".npmrc", "pnpm-workspace.yaml"}
)
_STORE_VERSION = re.compile(r"v[0-9]+")


# A cache a project's walk or config files name: (kind, folder); the kind says which reader
# (``_configured_caches``): berry, yarn, npm, pnpm or bun.
_Cache = tuple[str, str]


def _cache_in_project(name: str, path: str) -> tuple[_Cache, bool] | None:
    """A package manager's cache met by the project walk, whatever its folder is called
    (``npm_config_cache=./.npm`` in CI, ``store-dir`` in a project's ``.npmrc``, pnpm's store
    above a project on another file system than the home): (the cache, whether the walk
    stays out of it). npm's (``<cache>/_cacache``, ``<cache>/_npx``) and ``.pnpm-store`` are
    named for what they are: not entered. Any other ``<store>/vN/files`` is a pnpm store by its
    layout, read as one and walked all the same (the name could be a project's own folder)."""
    if name == ".pnpm-store":
        return ("pnpm", path), True
    if name in ("_cacache", "_npx"):
        return ("npm", os.path.dirname(path)), True
    if _STORE_VERSION.fullmatch(name) and os.path.isdir(os.path.join(path, "files")):
        return ("pnpm", os.path.dirname(path)), False
    return None


def _inside(path: str, tops: Sequence[str]) -> bool:
    return any(path == t or path.startswith(t.rstrip(os.sep) + os.sep) for t in tops)


def _project_configs(
    folder: str, files: tuple[str, ...], collector: Collector, ctx: HostContext | None
) -> list[_Cache]:
    """The cache folders a project's own config files move its package managers' caches to:
    yarn berry's ``.yarnrc.yml`` (``cacheFolder``; ``globalFolder``'s ``cache``), yarn classic's
    ``.yarnrc`` (``cache-folder``) and bun's ``bunfig.toml`` (``[install.cache] dir``), and a
    project ``.npmrc``'s and pnpm-workspace.yaml's npm cache and pnpm store."""
    out: list[_Cache] = []
    home = ctx.home if ctx is not None else os.path.expanduser("~")
    getenv = ctx.getenv if ctx is not None else os.environ.get
    rc_name = getenv("YARN_RC_FILENAME") or ".yarnrc.yml"
    if rc_name in files:
        got = berry_rc_folders(os.path.join(folder, rc_name), getenv, collector.errors)
        if "cacheFolder" in got:
            out.append(("berry", got["cacheFolder"]))
        if "globalFolder" in got:
            out.append(("berry", os.path.join(got["globalFolder"], "cache")))
    if ".yarnrc" in files:
        folder_rc = yarnrc_folder(
            os.path.join(folder, ".yarnrc"), "cache-folder", home, collector.errors
        )
        if folder_rc:
            out.extend((("yarn", folder_rc), ("yarn", os.path.join(folder_rc, "v6"))))
        mirror = yarnrc_folder(
            os.path.join(folder, ".yarnrc"), "yarn-offline-mirror", home, collector.errors
        )
        if mirror:
            out.append(("yarn-mirror", mirror))
    if "bunfig.toml" in files:
        bun_dir = bunfig_cache_dir(os.path.join(folder, "bunfig.toml"), home, collector.errors)
        if bun_dir:
            out.append(("bun", bun_dir))
    if ".npmrc" in files:
        # pnpm resolves a relative store-dir from the project's folder, npm a relative cache
        # from the folder it runs in: both taken from the .npmrc's folder
        rc_path = os.path.join(folder, ".npmrc")
        rc = read_rc(rc_path, ctx or HostContext.current(), collector.errors)
        for key, kind in (("store-dir", "pnpm"), ("cache", "npm")):
            if rc.get(key) and "\0" in rc[key]:  # (as a .yarnrc.yml's folder with a NUL)
                collector.errors.append(
                    ScanIssue(rc_path, f"the {key} value is not one this scan reads exactly")
                )
            elif rc.get(key):
                out.append((kind, os.path.normpath(os.path.join(folder, native(rc[key])))))
    if "pnpm-workspace.yaml" in files:
        workspace = os.path.join(folder, "pnpm-workspace.yaml")
        store = pnpm_workspace_store_dir(workspace, collector.errors)
        if store:
            out.append(("pnpm", store))
    return out


class _ProjectWalk:
    """What the walk of one scanned project meets: its ``node_modules`` folders, yarn 1's
    ``--modules-folder`` trees (``renamed``, which the walk does not enter: read as
    ``node_modules``), its ``.yarn`` folders and the caches in it."""

    def __init__(self, configured: list[_Cache]) -> None:
        self.node_modules: list[str] = []
        self.yarn_dirs: list[str] = []
        self.renamed: list[str] = []
        self.configured = configured

    def prune(self, name: str, path: str) -> bool:
        if name == "node_modules":
            self.node_modules.append(path)
            return True
        if name == ".yarn":
            self.yarn_dirs.append(path)
            return True
        cache = _cache_in_project(name, path)
        if cache is not None:
            self.configured.append(cache[0])
            if cache[1]:
                return True
        return name in HOST_SKIP_DIRS


def scan_projects(
    project_dirs: Sequence[str], collector: Collector, ctx: HostContext | None = None
) -> set[str]:
    """Every ``node_modules`` and ``.yarn`` folder in the scanned projects, at any depth; a
    ``node_modules`` symlink to a folder inside the scanned folders read as installs; the npm
    caches and pnpm stores in them; the caches the projects' config files and pnpm's
    ``node_modules/.modules.yaml`` name. Returns the caches read (real paths)."""
    tops = _top_dirs(project_dirs)
    rc_name = (ctx.getenv if ctx is not None else os.environ.get)("YARN_RC_FILENAME")
    config_names = _CONFIG_FILES | {rc_name} if rc_name else _CONFIG_FILES
    trees_seen: set[str] = set()
    caches_seen: set[str] = set()
    linked: list[tuple[str, str]] = []  # (link, where)
    above_seen: set[str] = set()
    for top in tops:
        configured = _configs_above(top, config_names, above_seen, collector, ctx)
        found = _ProjectWalk(configured)
        walked = walk(top, prune=found.prune, on_error=collector.dir_error, installed=found.renamed)
        for count, wd in enumerate(walked, 1):
            if "node_modules" in wd.links:
                linked.append((os.path.join(wd.path, "node_modules"), f"the project {top}"))
            if config_names.intersection(wd.files):
                configured.extend(_project_configs(wd.path, wd.files, collector, ctx))
            collector.pnp_maps.extend(
                os.path.join(wd.path, name) for name in PNP_MAPS if name in wd.files
            )
            if count >= MAX_PROJECT_DIRS:  # the folders past it were not looked at: not clean
                collector.dir_error(
                    top,
                    f"stopped looking for node_modules folders after {count} directories: "
                    "the packages installed in the rest of this folder were not checked",
                )
                break
        node_modules, yarn_dirs, renamed = found.node_modules, found.yarn_dirs, found.renamed
        node_modules.extend(renamed)
        for nm in node_modules:
            trees_seen.add(os.path.realpath(nm))
            configured.extend(_project_tree(nm, top, collector, nm in renamed, tops, trees_seen))
        for yarn in yarn_dirs:
            caches_seen.add(os.path.realpath(os.path.join(yarn, "cache")))
            _yarn_folder(yarn, top, collector)
        _configured_caches(configured, top, caches_seen, collector)
    for link, where in linked:
        _linked_tree(link, tops, trees_seen, collector, where)
    return caches_seen


def _configs_above(
    top: str,
    config_names: frozenset[str],
    seen: set[str],
    collector: Collector,
    ctx: HostContext | None,
) -> list[_Cache]:
    """The config files of the folders above a scanned folder, which the tools run in it read
    too (yarn 1 and berry every ``.yarnrc`` / ``.yarnrc.yml`` up to ``/``; npm and pnpm the
    ``.npmrc`` of the project root a sub-folder belongs to): the caches they set."""
    out: list[_Cache] = []
    home = os.path.abspath(ctx.home) if ctx is not None else None
    folder = os.path.dirname(top)
    while folder not in seen:
        seen.add(folder)
        files = tuple(n for n in sorted(config_names) if os.path.isfile(os.path.join(folder, n)))
        if files and folder != home:  # (the home's are the host locations')
            out.extend(_project_configs(folder, files, collector, ctx))
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return out


def _project_tree(  # noqa: PLR0917 - the scan's state, passed down
    nm: str,
    top: str,
    collector: Collector,
    renamed: bool,
    tops: Sequence[str],
    seen: set[str],
) -> list[_Cache]:
    """A project's ``node_modules`` (``renamed``: yarn 1's ``--modules-folder``) read as
    installs, with pnpm's virtual store when ``virtual-store-dir`` put it out of the scanned
    folders; the pnpm store it was installed from (``storeDir`` in pnpm's ``.modules.yaml``)."""
    scan_tree(nm, collector, where=f"the project {top}", modules_folder=renamed)
    modules = os.path.join(nm, PNPM_STATE)
    folders = pnpm_modules_folders(modules, collector.errors) if os.path.isfile(modules) else {}
    store = folders.get("storeDir")
    virtual = folders.get("virtualStoreDir")
    if virtual is not None:
        _moved_virtual_store(virtual, store, top, tops, seen, collector)
    return [("pnpm", store)] if store else []


def _moved_virtual_store(  # noqa: PLR0917 - the scan's state, passed down
    virtual: str,
    store: str | None,
    top: str,
    tops: Sequence[str],
    seen: set[str],
    collector: Collector,
) -> None:
    """pnpm's virtual store (``virtualStoreDir`` in ``.modules.yaml``), read as the project's
    installs when it is out of the scanned folders: ``virtual-store-dir=/elsewhere`` leaves the
    project's ``node_modules`` only links into it (never followed), and ``require()`` loads the
    packages there (pnpm 9.15.9; decision 0144). Inside the scanned folders the walk reads it (its
    ``<id>/node_modules`` trees); pnpm 10's global virtual store (``<store>/v10/links``) is read
    with the store; a folder that is not there leaves links to nothing (a note)."""
    real = os.path.realpath(virtual)
    if real in seen or _inside(real, tops) or not os.path.isdir(real):
        return
    if store is not None and _inside(real, [os.path.realpath(store)]):
        return
    seen.add(real)
    where = f"the pnpm virtual store of the project {top}"
    # its ids (``is-odd@3.0.1``, ``@scope+x@1.0.0``), each holding a tree as ``.pnpm/<id>``;
    # nothing else of the folder the record names is walked
    try:
        with os.scandir(real) as it:
            ids = [e.name for e in it if "@" in e.name[1:] and e.is_dir(follow_symlinks=False)]
    except OSError as exc:
        collector.dir_error(real, f"cannot read directory: {exc.strerror or exc}")
        return
    for name in sorted(ids):
        tree = os.path.join(real, name, "node_modules")
        if os.path.isdir(tree):
            scan_tree(tree, collector, where=where)


def _yarn_folder(yarn: str, top: str, collector: Collector) -> None:
    """A project's ``.yarn``: its berry cache and its unplugged packages."""
    scan_berry_cache(os.path.join(yarn, "cache"), collector, f"the yarn cache of {top}")
    unplugged = os.path.join(yarn, "unplugged")
    if os.path.isdir(unplugged):
        for entry in sorted(os.listdir(unplugged)):
            tree = os.path.join(unplugged, entry, "node_modules")
            if os.path.isdir(tree) and not os.path.islink(tree):
                scan_tree(tree, collector, where=f"the unplugged packages of {top}")


def _configured_caches(
    configured: list[_Cache], top: str, seen: set[str], collector: Collector
) -> None:
    for kind, path in configured:
        if "\0" in path:
            continue  # (a setting with a NUL names no folder: os.path.realpath raises)
        real = os.path.realpath(path)
        if real in seen or not os.path.isdir(path):
            continue
        seen.add(real)
        if kind == "berry":
            scan_berry_cache(path, collector, f"the yarn cache {path} (set in {top})")
        elif kind == "yarn":
            scan_yarn_classic_cache(path, collector)
        elif kind == "yarn-mirror":
            scan_yarn_offline_mirror(
                path, collector, f"the yarn offline mirror {path} (set in {top})"
            )
        elif kind == "npm":
            scan_npm_cache(path, collector)
        elif kind == "pnpm":
            scan_pnpm_store(path, collector)
        else:
            scan_bun_cache(path, collector)


def _linked_tree(
    link: str, tops: Sequence[str], seen: set[str], collector: Collector, where: str
) -> None:
    """A ``node_modules`` that is a symlink: its target read as that project's installs when it
    is a folder inside the scanned folders (once); never followed out of them."""
    target = os.path.realpath(link)
    if not os.path.isdir(target):
        collector.skipped(link, "a node_modules symlink to no folder: nothing installed there")
        return
    if not _inside(target, tops):
        collector.dir_error(
            link,
            f"node_modules is a symlink to {target}, outside the scanned folders: not followed, "
            "the packages installed there were not checked (scan that folder too)",
        )
        return
    if target in seen:
        return
    seen.add(target)
    # read through the link (the tree's root may be one): packages named as the project sees them
    scan_tree(link, collector, where=f"{where} (node_modules linked to {target})")


# yarn berry's Plug'n'Play maps: the package locations, as text (never run: .pnp.cjs is code)
PNP_MAPS = (".pnp.cjs", ".pnp.data.json")
MAX_PNP_MAP_BYTES = 64 * 1024 * 1024
# a package location inside a cache zip, as yarn 4 writes it in either file:
# "../home/.yarn/berry/cache/is-odd-npm-3.0.1-93c3c3f41b-10c0.zip/node_modules/is-odd/"
_PNP_ZIP_LOCATION = re.compile(rb'"([^"\\\n]{0,4096}?)/[^"/\\\n]{1,1024}\.zip/node_modules/')


def pnp_caches_not_read(collector: Collector, read: set[str]) -> None:
    """A note for each Plug'n'Play map whose packages are in a cache folder (a zip's folder)
    that is not among ``read`` (real paths of the caches this scan read): yarn 4's global cache
    (``enableGlobalCache``, the default) is the installing user's ``~/.yarn/berry/cache``, which
    a scan run with another home does not read. The map is read as text, its locations never
    echoed (scanned text); the lockfile still answers for what it locks."""
    for path in collector.pnp_maps:
        data = collector.read(path, MAX_PNP_MAP_BYTES)
        if data is None:
            continue
        base = os.path.dirname(path)
        folders = {m.group(1) for m in _PNP_ZIP_LOCATION.finditer(data)}
        unread = sorted(
            real
            for f in folders
            if (real := os.path.realpath(os.path.join(base, os.fsdecode(f)))) not in read
        )
        if unread:
            collector.skipped(
                path,
                f"yarn Plug'n'Play: its installed packages are in {len(unread)} yarn cache"
                f" folder{'s' if len(unread) > 1 else ''} this scan did not read (yarn's global"
                " cache, enableGlobalCache, is the installing user's ~/.yarn/berry/cache; run"
                " -host with that home, or set YARN_CACHE_FOLDER): they were not checked; the"
                " lockfile's findings still come from the lockfile",
            )


def scan_host_locations(
    ctx: HostContext,
    collector: Collector,
    project_dirs: Sequence[str] = (),
    scanned: set[str] | frozenset[str] = frozenset(),
) -> set[str]:
    """Global installs and caches (``host.locations``); a cache in ``scanned`` (real paths:
    the project walk read it) is not read again. Returns the real paths of the yarn berry
    caches that are there (read now or before)."""
    berry = {p for p in scanned if os.path.isdir(p)}
    for loc in host_locations(ctx, collector.errors, project_dirs):
        if loc.kind is LocationKind.BERRY_CACHE and os.path.isdir(loc.path):
            berry.add(os.path.realpath(loc.path))
        if loc.kind is not LocationKind.INSTALLED and os.path.realpath(loc.path) in scanned:
            continue
        match loc.kind:
            case LocationKind.INSTALLED:
                scan_tree(loc.path, collector, where=f"{loc.label} {loc.path}")
            case LocationKind.PACKAGE_VERSIONS:
                scan_package_versions(loc.path, collector, where=f"{loc.label} {loc.path}")
            case LocationKind.NPM_CACHE:
                scan_npm_cache(loc.path, collector)
            case LocationKind.PNPM_STORE:
                scan_pnpm_store(loc.path, collector)
            case LocationKind.YARN_CACHE:
                scan_yarn_classic_cache(loc.path, collector)
            case LocationKind.YARN_MIRROR:
                scan_yarn_offline_mirror(loc.path, collector, f"the {loc.label} {loc.path}")
            case LocationKind.BERRY_CACHE:
                scan_berry_cache(loc.path, collector, f"the yarn berry cache {loc.path}")
            case LocationKind.BUN_CACHE:
                scan_bun_cache(loc.path, collector)
            case LocationKind.DENO_CACHE:
                scan_deno_cache(loc.path, collector)
            case _:
                assert_never(loc.kind)
    return berry


def _capped(notes: list[ScanIssue]) -> tuple[ScanIssue, ...]:
    if len(notes) <= MAX_LISTED_NOTES:
        return tuple(notes)
    rest = len(notes) - MAX_LISTED_NOTES
    return (*notes[:MAX_LISTED_NOTES], ScanIssue("-host", f"{rest} more skipped paths not listed"))


def run_host_scan(
    rules: Sequence[Rule],
    ctx: HostContext,
    project_dirs: Sequence[str],
    hasher: ContentHasher | None = None,
) -> HostScanResult:
    """Installed packages (projects and global installs), caches, then the host indicators.
    ``hasher``: the payload hashes' (seeded with what -heuristic hashed as it read)."""
    index = build_index(rules)  # cached rules: decoded for the names met (rules.index)
    collector = Collector(index)
    payloads = PayloadScanner(rules_checking(rules, CHECKS_FILE_HASHES), hasher)
    if payloads:
        collector.payloads = payloads
    if collector.names or collector.index.integrity or payloads:
        scanned = scan_projects(project_dirs, collector, ctx)
        pnp_caches_not_read(collector, scan_host_locations(ctx, collector, project_dirs, scanned))
    else:
        collector.skipped("-host", "no rule names a package: installs and caches not scanned")
    indicator_errors: list[ScanIssue] = []
    indicator_findings, checks = run_indicator_checks(
        rules_checking(rules, CHECKS_HOST), ctx, project_dirs, indicator_errors
    )
    findings = _dedupe(collector.findings) + _dedupe(payloads.findings) + indicator_findings
    notes = [*collector.notes, *payloads.notes]
    if payloads:
        notes.append(payloads.summary("-host"))
    return HostScanResult(
        findings=tuple(findings),
        checks=tuple(checks),
        errors=tuple(collector.errors + payloads.errors + indicator_errors),
        notes=_capped(notes),
        installed_packages=collector.installed,
        cache_entries=collector.cache_entries,
    )


def run_payload_scan(
    rules: Sequence[Rule], project_dirs: Sequence[str], hasher: ContentHasher | None = None
) -> HostScanResult:
    """The rules' ``file_hashes`` against the scanned projects' installed packages (their
    ``node_modules`` trees, yarn berry zips and unplugged packages): ``-heuristic`` without
    ``-host``. Only hash findings are kept (installed versions are -host's job)."""
    collector = Collector(build_index(rules))
    payloads = PayloadScanner(rules_checking(rules, CHECKS_FILE_HASHES), hasher)
    if not payloads:
        return HostScanResult((), (), (), (), 0, 0)
    collector.payloads = payloads
    scan_projects(project_dirs, collector)
    return HostScanResult(
        findings=tuple(payloads.findings),
        checks=(),
        errors=tuple(collector.errors + payloads.errors),
        notes=_capped([*payloads.notes, payloads.summary("-heuristic")]),
        installed_packages=collector.installed,
        cache_entries=collector.cache_entries,
    )


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """One finding per rule, package, version, type and path (a location reached twice)."""
    seen: set[tuple[str, str | None, str | None, FindingType, str | None]] = set()
    out: list[Finding] = []
    for f in findings:
        key = (f.rule_id, f.package, f.version, f.type, f.path)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
