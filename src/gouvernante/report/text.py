"""The text report, for people at a terminal during an incident."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from gouvernante import __version__
from gouvernante.model import (
    CheckOutcome,
    DiffChange,
    Finding,
    FindingType,
    ScanResult,
    error_count,
    submodules_not_scanned,
)
from gouvernante.safetext import shown
from gouvernante.vocab import Severity


def terminal_safe(text: str) -> str:
    """Names, paths and messages come from files we scan, which may be hostile: control
    characters, bidi overrides, invisible characters and undecodable bytes are shown escaped
    (``gouvernante.safetext.shown``)."""
    return shown(text)


_ORDER = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def summary_line(result: ScanResult) -> str:
    """The one-line verdict (also printed on stdout when the report goes to a file)."""
    open_findings = [f for f in result.findings if f.counted]
    n = len(open_findings)
    suppressed = sum(f.suppressed is not None for f in result.findings)
    review = sum(f.review and f.suppressed is None for f in result.findings)
    taken_out = sum(f.change is DiffChange.REMOVED for f in result.findings)
    extra = [f"{suppressed} suppressed"] if suppressed else []
    extra += [f"{review} heuristic to review, not counted"] if review else []
    extra += [f"{taken_out} taken out by the compared revision, not counted"] if taken_out else []
    tail = f" ({'; '.join(extra)})" if extra else ""
    errs = error_count(result.errors)
    if n:
        counts = {s: 0 for s in _ORDER}
        for f in open_findings:
            counts[f.severity] += 1
        detail = ", ".join(f"{c} {s.value}" for s, c in counts.items() if c)
        line = f"{result.verdict_word()}: {_plural(n, 'finding')} ({detail}){tail}"
        if errs:
            line += f"; {_plural(errs, 'error')}: some inputs were not scanned"
        return line
    if errs:
        return (
            f"ERROR: {_plural(errs, 'error')}; no findings in what could be scanned:"
            f" NOT a clean result{tail}"
        )
    submodules = submodules_not_scanned(result.notes)
    if submodules:  # (decision 0149: a CLEAN never leaves out what it did not read)
        return f"CLEAN: no findings{tail}, but {_plural(submodules, 'git submodule')} not scanned"
    return f"CLEAN: no findings{tail}"


def _where(f: Finding, refs: Sequence[str] = ()) -> str:
    place = f.path or ""
    if f.lockfile:
        place = f"{f.lockfile}:{f.line}" if f.line else f.lockfile
    if f.repository is not None:
        return f"{f.repository}@{', '.join(refs or [f.ref or '?'])}:{place}"
    if f.image is not None:
        return f"{f.image}:{place} (layer {f.layer or '?'})"
    return place


def group_refs(findings: Sequence[Finding]) -> list[tuple[Finding, tuple[str, ...]]]:
    """Findings of git sources that differ only by ref (and commit) once, with their refs: one
    verdict for ``main``, ``tags/v1.2`` and ``release/1.x`` that resolve the same lockfile."""
    groups: dict[object, tuple[Finding, list[str]]] = {}
    for n, f in enumerate(findings):
        key: object = n
        if f.repository is not None:
            key = (
                f.repository,
                f.rule_id,
                f.type,
                f.match,
                f.package,
                f.version,
                f.declared_range,
                f.lockfile,
                f.path,
                f.dependency_paths,
                f.introduced_commit,
                f.removed_commit,
                f.change,
                f.suppressed,
            )
        entry = groups.setdefault(key, (f, []))
        if f.ref is not None and f.ref not in entry[1]:
            entry[1].append(f.ref)
    return [(f, tuple(refs)) for f, refs in groups.values()]


def _history_lines(f: Finding) -> Iterable[str]:
    if f.introduced_at or f.introduced_commit:
        since = f.introduced_at or "before -since"
        yield f"      in since {since} (commit {(f.introduced_commit or '?')[:12]})"
    if f.removed_at:
        yield f"      removed {f.removed_at} (commit {(f.removed_commit or '?')[:12]})"
    if f.in_compromise_window:
        yield "      INSIDE the compromise window: rotate every secret its installs could reach"
    if f.change is not None:
        what = "brought in" if f.change.value == "added" else "taken out (not counted)"
        yield f"      {what} by the compared revision"


def subject(f: Finding, *, quote_range: bool = True) -> str:
    """What a finding is about: ``name@version``, ``name '^1.2.0'``, an indicator or a path."""
    if f.package:
        if f.version:
            return f"{f.package}@{f.version}"
        if f.declared_range:
            declared = repr(f.declared_range) if quote_range else f.declared_range
            return f"{f.package} {declared}"
        return f.package
    return f.indicator or f.path or f.rule_id


def _finding_lines(f: Finding, refs: Sequence[str] = ()) -> Iterable[str]:
    kind = f.type.value.replace("_", " ")
    yield f"    {subject(f)}  [{kind}, {f.match.value}]  {_where(f, refs)}"
    if f.suppressed is not None:
        yield f"      SUPPRESSED (not counted): {f.suppressed}"
    elif f.review:
        yield f"      REVIEW (not counted): {f.confidence} confidence; evidence: {f.excerpt}"
    description = f.description
    if len(refs) > 1 and f.ref:
        joined = ", ".join(refs)
        description = description.replace(f" on {f.ref} ", f" on {joined} ", 1)
        description = description.replace(f" at {f.ref},", f" at {joined},", 1)
    yield f"      why: {description}"
    yield from _history_lines(f)
    if f.type is FindingType.PACKAGE and f.lockfile and f.dependency_paths:
        for path in f.dependency_paths:
            yield f"      path: {' > '.join(path)}"
        if f.more_paths:
            yield f"      ... and {f.more_paths} more path{'s' if f.more_paths != 1 else ''}"
    if f.direct is not None and f.type is FindingType.PACKAGE:
        yield f"      {'direct dependency' if f.direct else 'transitive dependency'}"
    elif f.type is FindingType.PACKAGE and f.lockfile_format is not None and f.version:
        yield (
            "      direct or transitive: unknown (no package.json beside the lockfile, or no"
            " dependency of it reaches this entry)"
        )
    if f.install_scripts:
        yield (
            f"      install scripts: {', '.join(f.install_scripts)} - they ran unless installs used"
            " --ignore-scripts: assume code execution"
        )
    for h in f.hashes:
        state = "MATCHES" if h.matched else "does not match"
        yield f"      {h.algorithm} {state} {h.expected}"
    if f.remediation:
        yield f"      fix: {f.remediation}"


def render(result: ScanResult) -> str:
    s = result.stats
    lines: list[str] = []
    rules_from = ", ".join(result.rule_sources)
    if result.builtin_rules:  # alone (no -rules) or beside the given files (-builtin-rules)
        rules_from = (
            f"{rules_from} and the bundled rule pack" if rules_from else "the bundled rule pack"
        )
    lines.append(f"gouvernante {__version__}")
    lines.append(
        f"Scanned {_plural(s.lockfiles_scanned, 'file')} ({_plural(s.packages_scanned, 'package')})"
        f" against {_plural(s.rules_loaded, 'rule')} from {rules_from or 'no rule files'}"
        f" in {s.elapsed_ms} ms"
    )
    for name in result.scanned_files[:20]:
        lines.append(f"  - {name}")
    if len(result.scanned_files) > 20:
        lines.append(f"  ... and {len(result.scanned_files) - 20} more files")
    if s.installed_packages_scanned or s.cache_entries_scanned:
        lines.append(
            f"Host: {_plural(s.installed_packages_scanned, 'installed package')} and"
            f" {s.cache_entries_scanned} cache entr{'y' if s.cache_entries_scanned == 1 else 'ies'}"
            " checked"
        )
    if result.host_checks:
        found = sum(1 for c in result.host_checks if c.outcome is CheckOutcome.FOUND)
        skipped = [c for c in result.host_checks if c.outcome is CheckOutcome.SKIPPED]
        lines.append(
            f"Host checks: {len(result.host_checks)} indicators, {found} found,"
            f" {len(skipped)} skipped"
        )
        for c in skipped[:10]:
            lines.append(f"  skipped {c.rule_id} {c.indicator}: {c.reason}")
    lines.append("")
    for sev in _ORDER:
        group = [f for f in result.findings if f.severity is sev]
        if not group:
            continue
        lines.append(f"{sev.value.upper()} ({len(group)})")
        current = None
        for f, refs in group_refs(group):
            if f.rule_id != current:
                current = f.rule_id
                lines.append(f"  [{f.rule_id}] {f.rule_title}")
            lines.extend(_finding_lines(f, refs))
        lines.append("")
    if result.errors:
        lines.append(f"Errors ({error_count(result.errors)})")
        lines.extend(f"  {e.path}: {e.message}" for e in result.errors)
        lines.append("")
    if result.notes:
        lines.append(f"Notes ({len(result.notes)})")
        lines.extend(f"  {n.path}: {n.message}" for n in result.notes)
        lines.append("")
    if result.suppression_notes:
        lines.append(f"Suppressions ({len(result.suppression_notes)})")
        lines.extend(f"  {n.path}: {n.message}" for n in result.suppression_notes)
        lines.append("")
    lines.append(summary_line(result))
    return "\n".join(terminal_safe(line) for line in lines) + "\n"
