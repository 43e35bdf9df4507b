"""Cuts of a lockfile that records no root (yarn classic, npm lockfileVersion 1) scanned as the
project they belong to (decision 0129): the package.json beside says what the root depends on,
so a file cut at a line boundary must give an error, or keep every finding the whole file gives
(a declared-range finding naming a lost package is not enough: a rule naming a package of its
subtree finds nothing).

For each case (a lockfile with a package.json beside it, under tests/), the folder is copied,
the lockfile cut after each of its lines in turn and the copy scanned with ``-dir`` (and
``-dir -recursive``), with a rule naming every (name, version) the whole file reads. Used by
``test_root_dependency_cuts.py`` (the small cases) and ``scripts/fuzz-lockfiles.py --cut-lines``
(every case).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from gouvernante.lockfiles import parse_bytes
from gouvernante.model import MatchKind, Source
from gouvernante.pipeline import ScanRequest, run_scan
from gouvernante.rules.model import PackageRule, Rule, RuleKind
from gouvernante.rules.ruleset import RuleSet
from gouvernante.vocab import Severity

TESTS = Path(__file__).resolve().parents[1]
_NAMES = ("yarn.lock", "package-lock.json", "npm-shrinkwrap.json")
_SKIPPED = ("/.hypothesis/", "/node_modules/")
_REALTOOLS = TESTS / "lockfiles" / "fixtures" / "realtools"
_ROOTED_NAMES = ("pnpm-lock.yaml", "yarn.lock", "bun.lock")


def root_less(path: Path) -> bool:
    """Is ``path`` a yarn classic or npm lockfileVersion 1 file (no root recorded)?"""
    head = path.read_bytes()[:4096]
    if path.name == "yarn.lock":
        return b"__metadata:" not in head and b"# yarn lockfile v1" in head
    return b'"lockfileVersion": 1' in head


def cases() -> list[Path]:
    """Every root-less lockfile under tests/ with a package.json beside it, and every pnpm,
    berry and bun.lock file the real tools made (``fixtures/realtools``, decision 0130: those
    whose last entry is of an unusual kind), by size."""
    found = [
        path
        for name in _NAMES
        for path in TESTS.rglob(name)
        if not any(part in str(path) for part in _SKIPPED)
        and (path.parent / "package.json").is_file()
        and root_less(path)
    ]
    found.extend(
        path
        for name in _ROOTED_NAMES
        for path in _REALTOOLS.glob(f"*/{name}")
        if (path.parent / "package.json").is_file() and not root_less(path)
    )
    return sorted(found, key=lambda p: (p.stat().st_size, str(p)))


def rules_naming(versions: Mapping[str, Iterable[str]]) -> RuleSet:
    """One low rule a package: each name with its affected expressions (``=1.0.0``, ``*``)."""
    rules = tuple(
        Rule(
            id=f"T-{n}",
            title=name,
            kind=RuleKind.COMPROMISED_RELEASE,
            ecosystem="npm",
            severity=Severity.LOW,
            source="t.json",
            package_rules=(PackageRule(name, tuple(sorted(expressions)), frozenset()),),
        )
        for n, (name, expressions) in enumerate(sorted(versions.items()))
    )
    return RuleSet(rules, ("t.json",))


def _rules(lockfile: Path) -> RuleSet:
    """A rule for every registry (name, version) the whole file reads."""
    graph = parse_bytes(
        lockfile.read_bytes(),
        lockfile.name,
        own_lockfile=lambda folder: (lockfile.parent / folder / "pnpm-lock.yaml").is_file(),
    )
    versions: dict[str, set[str]] = {}
    for p in graph.table:
        if p.source is not Source.LOCAL and p.version:
            versions.setdefault(p.name, set()).add(f"={p.version}")
    return rules_naming(versions)


@dataclass(frozen=True)
class Failure:
    case: str
    recursive: bool
    line: int  # the cut keeps lines 1..line
    lost: tuple[tuple[str, str], ...]
    # the cut took the end of an entry (its dependencies) and every package only they reached,
    # and nothing kept names them: yarn itself reads such a prefix as whole (no reader can tell;
    # ``fuzzcore._cut_no_reader_can_see``)
    unseeable: bool
    # a declared-range finding names every package lost (the root's or a member's dependency
    # no lockfile resolves: exit 2, but only for a rule naming that package, not its subtree)
    flagged: bool = False

    def __str__(self) -> str:
        mode = "-dir -recursive" if self.recursive else "-dir"
        what = "unseeable: " if self.unseeable else "declared only: " if self.flagged else ""
        return (
            f"{what}{self.case}: cut after line {self.line}, {mode}: no error, and"
            f" {len(self.lost)} finding(s) of the whole file lost, e.g. {self.lost[0]}"
        )


@dataclass(frozen=True)
class Sweep:
    case: str
    whole_errs: bool  # the whole file gives an error (a hostile or out-of-date fixture)
    cuts: int
    failures: tuple[Failure, ...]


def _scan(
    project: Path, recursive: bool, rules: RuleSet
) -> tuple[bool, set[tuple[str, str]], set[str]]:
    """Any error; the (name, version) pairs found as locked; the names a declared range was
    found for (a workspace member's dependency no lockfile of the project resolves: exit 2)."""
    result = run_scan(ScanRequest(directory=str(project), recursive=recursive, workers=1), rules)
    locked = {
        (f.package or "", f.version or "") for f in result.findings if f.match is MatchKind.VERSION
    }
    declared = {f.package or "" for f in result.findings if f.match is MatchKind.DECLARED_RANGE}
    return bool(result.errors), locked, declared


def line_cuts(text: bytes) -> Iterator[tuple[int, bytes]]:
    """Each prefix of ``text`` ending at a line end (trailing blanks of the file aside)."""
    end = len(text.rstrip())
    line = 0
    for at, byte in enumerate(text[:end]):
        if byte == 10:
            line += 1
            yield line, text[: at + 1]


def sweep(lockfile: Path, work: Path, recursive: bool, step: int = 1) -> Sweep:
    """Scan every ``step``-th line cut of ``lockfile`` in a copy of its folder under ``work``."""
    label = str(lockfile.relative_to(TESTS)) if lockfile.is_relative_to(TESTS) else str(lockfile)
    project = work / "project"
    if project.exists():
        shutil.rmtree(project)
    shutil.copytree(lockfile.parent, project, symlinks=True)
    rules = _rules(lockfile)
    errors, whole, _declared = _scan(project, recursive, rules)
    if errors or not whole:  # (nothing to lose)
        return Sweep(label, errors, 0, ())
    target = project / lockfile.name
    data = lockfile.read_bytes()
    lines = data.split(b"\n")
    manifest = (lockfile.parent / "package.json").read_bytes()
    failures: list[Failure] = []
    cuts = 0
    for line, cut in line_cuts(data):
        if line % step:
            continue
        cuts += 1
        target.write_bytes(cut)
        errors, found, declared = _scan(project, recursive, rules)
        lost = whole - found
        if not errors and lost:
            inside = lines[line][:1] in (b" ", b"\t")  # (the next line of the whole file)
            named = any(n.encode() in cut or f'"{n}"'.encode() in manifest for n, _v in lost)
            unseeable = lockfile.name == "yarn.lock" and inside and not named
            flagged = all(name in declared for name, _version in lost)
            failures.append(
                Failure(label, recursive, line, tuple(sorted(lost)), unseeable, flagged)
            )
    return Sweep(label, False, cuts, tuple(failures))
