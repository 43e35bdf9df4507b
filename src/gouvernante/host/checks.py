"""``-host``: installed packages, package caches and every host indicator of the loaded rules."""

from __future__ import annotations

import os
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
)
from gouvernante.host.context import HostContext
from gouvernante.host.files import check_file_indicator
from gouvernante.host.indicators import run_other_indicators
from gouvernante.host.installed import scan_package_versions, scan_tree
from gouvernante.host.locations import LocationKind, host_locations
from gouvernante.host.payloads import PayloadScanner
from gouvernante.host.reader import Collector
from gouvernante.model import CheckOutcome, Finding, FindingType, HostCheck, ScanIssue
from gouvernante.rules.index import build_index
from gouvernante.rules.model import (
    CHECKS_FILE_HASHES,
    CHECKS_HOST,
    HostIndicator,
    IndicatorType,
    Rule,
    rules_checking,
)

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


def scan_projects(project_dirs: Sequence[str], collector: Collector) -> None:
    """Every ``node_modules`` and ``.yarn`` folder in the scanned projects, at any depth."""
    for top in _top_dirs(project_dirs):
        node_modules: list[str] = []
        yarn_dirs: list[str] = []

        def prune(
            name: str, path: str, nm: list[str] = node_modules, yd: list[str] = yarn_dirs
        ) -> bool:
            if name == "node_modules":
                nm.append(path)
                return True
            if name == ".yarn":
                yd.append(path)
                return True
            return name in SKIP_DIRS

        for count, _ in enumerate(walk(top, prune=prune, on_error=collector.dir_error), 1):
            if count >= MAX_PROJECT_DIRS:  # the folders past it were not looked at: not clean
                collector.dir_error(
                    top,
                    f"stopped looking for node_modules folders after {count} directories: "
                    "the packages installed in the rest of this folder were not checked",
                )
                break
        where = f"the project {top}"
        for nm in node_modules:
            scan_tree(nm, collector, where=where)
        for yarn in yarn_dirs:
            scan_berry_cache(os.path.join(yarn, "cache"), collector, f"the yarn cache of {top}")
            unplugged = os.path.join(yarn, "unplugged")
            if os.path.isdir(unplugged):
                for entry in sorted(os.listdir(unplugged)):
                    tree = os.path.join(unplugged, entry, "node_modules")
                    if os.path.isdir(tree) and not os.path.islink(tree):
                        scan_tree(tree, collector, where=f"the unplugged packages of {top}")


def scan_host_locations(ctx: HostContext, collector: Collector) -> None:
    for loc in host_locations(ctx, collector.errors):
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
            case LocationKind.BERRY_CACHE:
                scan_berry_cache(loc.path, collector, f"the yarn berry cache {loc.path}")
            case LocationKind.BUN_CACHE:
                scan_bun_cache(loc.path, collector)
            case LocationKind.DENO_CACHE:
                scan_deno_cache(loc.path, collector)
            case _:
                assert_never(loc.kind)


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
        scan_projects(project_dirs, collector)
        scan_host_locations(ctx, collector)
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
