"""File indicators: a dropped file on the host, or an artifact planted inside a project."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass

from gouvernante.errors import InputError
from gouvernante.fs.read import describe_mode, open_regular
from gouvernante.host import paths
from gouvernante.host.context import HostContext
from gouvernante.host.paths import UnsetVariable, expand, glob_paths, is_project_relative
from gouvernante.match.hits import rule_finding
from gouvernante.model import (
    CheckOutcome,
    Finding,
    FindingType,
    HashResult,
    HostCheck,
    MatchKind,
    ScanIssue,
)
from gouvernante.rules.model import HostIndicator, IndicatorType, Rule

MAX_HASH_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class IndicatorOutcome:
    findings: tuple[Finding, ...]
    check: HostCheck
    errors: tuple[ScanIssue, ...] = ()  # what was not checked (a pattern cut at a limit)


def _truncated() -> str:
    return (
        f"pattern matched more than {paths.MAX_GLOB_MATCHES:,} paths (or walked "
        f"{paths.MAX_GLOB_DIRS:,} folders): only the first were checked, the rest were not"
    )


def indicator_pattern(ind: HostIndicator) -> str:
    if ind.path and ind.file_name:
        sep = "" if ind.path.endswith(("/", "\\")) else "/"
        return f"{ind.path}{sep}{ind.file_name}"
    return ind.path or ind.file_name or ""


def hash_file(
    path: str, algorithms: Sequence[str], limit: int = MAX_HASH_BYTES
) -> dict[str, str] | str:
    """Hex digests of a regular file of at most ``limit`` bytes, or the reason it was not
    hashed."""
    try:
        fd = open_regular(path)
    except InputError as exc:
        return exc.detail
    try:
        size = os.fstat(fd).st_size
        if size > limit:
            return f"not hashed: larger than {limit // (1024 * 1024)} MiB"
        hashers = {alg: hashlib.new(alg) for alg in dict.fromkeys(algorithms)}
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            for h in hashers.values():
                h.update(chunk)
        return {alg: h.hexdigest() for alg, h in hashers.items()}
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    finally:
        os.close(fd)


def check_file_indicator(
    rule: Rule, ind: HostIndicator, ctx: HostContext, project_dirs: Sequence[str]
) -> IndicatorOutcome:
    assert ind.type is IndicatorType.FILE
    pattern = indicator_pattern(ind)
    described = ind.describe()
    if ind.oses and ctx.os not in ind.oses:
        return IndicatorOutcome(
            (),
            HostCheck(rule.id, described, "file", CheckOutcome.SKIPPED, f"not for {ctx.os.value}"),
        )
    if is_project_relative(pattern):
        bases = [os.path.join(d, pattern) for d in project_dirs]
        if not bases:
            return IndicatorOutcome(
                (),
                HostCheck(
                    rule.id, described, "file", CheckOutcome.SKIPPED, "no project directory scanned"
                ),
            )
    else:
        try:
            bases = [expand(pattern, ctx)]
        except UnsetVariable as exc:
            return IndicatorOutcome(
                (),
                HostCheck(
                    rule.id,
                    described,
                    "file",
                    CheckOutcome.SKIPPED,
                    f"environment variable {exc.name} is not set",
                ),
            )
    matches: list[str] = []
    errors: list[ScanIssue] = []
    for base in bases:
        result = glob_paths(base)
        matches.extend(result.paths)
        if result.truncated:  # the paths past the limit were not checked: never a clean one
            errors.append(ScanIssue(base, f"{described} ({rule.id}): {_truncated()}"))
    findings: list[Finding] = []
    for path in matches:
        finding = _file_finding(rule, ind, path)
        if finding is not None:
            findings.append(finding)
    if findings:
        outcome, reason = CheckOutcome.FOUND, _truncated() if errors else None
    elif errors:
        outcome, reason = CheckOutcome.SKIPPED, _truncated()
    else:
        outcome, reason = CheckOutcome.CLEAN, None
    return IndicatorOutcome(
        tuple(findings), HostCheck(rule.id, described, "file", outcome, reason), tuple(errors)
    )


def _file_finding(rule: Rule, ind: HostIndicator, path: str) -> Finding | None:
    try:
        st = os.lstat(path)
    except OSError:
        return None
    kind = "file"
    hashes: tuple[HashResult, ...] = ()
    note = ""
    match = MatchKind.FILE
    if stat.S_ISDIR(st.st_mode):
        kind = "directory"
    elif stat.S_ISLNK(st.st_mode):
        kind = "symlink"
    elif not stat.S_ISREG(st.st_mode):
        kind = describe_mode(st.st_mode)
    if ind.hashes:
        if kind != "file":
            # (describe_mode's words come with their article: "a FIFO", "not a regular file")
            what = kind if kind.startswith(("a ", "not ")) else f"a {kind}"
            note = f"; not hashed: it is {what}"
        else:
            digests = hash_file(path, [h.algorithm.value for h in ind.hashes])
            if isinstance(digests, str):
                note = f"; {digests}"
            else:
                hashes = tuple(
                    HashResult(h.algorithm.value, h.value, digests[h.algorithm.value] == h.value)
                    for h in ind.hashes
                )
                if any(h.matched for h in hashes):
                    match = MatchKind.HASH
                    note = "; its hash matches a known-malicious hash"
                else:
                    note = "; its hash matches none of the listed hashes"
    description = f"{kind} {path} exists, an indicator of {rule.id}{note}"
    return indicator_finding(rule, ind, match, description, path, hashes=hashes)


def indicator_finding(
    rule: Rule,
    ind: HostIndicator,
    match: MatchKind,
    text: str,
    path: str | None,
    *,
    hashes: tuple[HashResult, ...] = (),
) -> Finding:
    """A ``host_indicator`` finding (every indicator type)."""
    if ind.notes:
        text += f" ({ind.notes})"
    return rule_finding(
        rule,
        FindingType.HOST_INDICATOR,
        match,
        text,
        path=path,
        hashes=hashes,
        indicator=ind.describe(),
        confidence=ind.confidence.value if ind.confidence else None,
    )
