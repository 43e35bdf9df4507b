"""Damaged real lockfiles: the checks the fuzz test (``test_fuzz_lockfiles.py``, bounded) and the
long run (``scripts/fuzz-lockfiles.py``) make on every truncation and mutation.

A corpus entry is a real lockfile (the generated fixtures of ``fixtures/``, made by the real
package managers; the long run adds the realworld set) with one of its registry packages planted
as a rule, so the undamaged file has a finding. For a damaged copy:

- never a traceback: parsing raises ``LockfileError`` or returns a graph, and matching works;
- never a hang: every parse ends within ``TIME_LIMIT`` seconds;
- a truncation (the file cut at any byte, trailing blanks aside) is an error or reads every
  (name, version) pair of the whole file: never a silent partial read, so never exit 0;
- a mutation outside the planted package's entry is an error, or still finds the planted
  package (or reports the entry as unreadable): never exit 0 on it.
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from gouvernante.errors import LockfileError
from gouvernante.lockfiles import parse_bytes
from gouvernante.lockfiles.package_json import parse as parse_manifest
from gouvernante.lockfiles.package_json import with_manifest, with_resolutions
from gouvernante.match.hits import entry_errors, match_graph
from gouvernante.model import LockfileGraph, Source
from gouvernante.rules.index import RuleIndex, build_index
from gouvernante.rules.model import PackageRule, Rule, RuleKind
from gouvernante.vocab import Severity
from lockfiles.fixture_manifests import BY_FIXTURE

FIXTURES = Path(__file__).parent / "fixtures"
REALWORLD = Path(__file__).parents[1] / "realworld" / "data"
NEWEST = Path(__file__).parent / "newest"
TIME_LIMIT = 20.0  # seconds for one parse of a damaged file (a real one takes well under 1)
# bun.lockb is a binary format with its own fuzz test (fuzz_bun_lockb.py)
TEXT_FORMATS = (
    "package-lock.json",
    "npm-shrinkwrap.json",
    "pnpm-lock.yaml",
    "yarn.lock",
    "bun.lock",
    "deno.lock",
)


# npm v1 and yarn classic record no root: the manifest beside the fixture says what must be locked.
MANIFESTS = BY_FIXTURE


@dataclass(frozen=True)
class Case:
    label: str
    filename: str
    data: bytes
    manifest: LockfileGraph | None  # the package.json beside it, for formats with no root
    pairs: frozenset[tuple[str, str]]  # (name, version) of every non-local package
    planted: tuple[str, str]  # the package the planted rule names
    span: tuple[int, int]  # byte range of the planted package's entry
    index: RuleIndex


class Hang(Exception):
    pass


class Failure(AssertionError):
    pass


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise Hang


def pairs_of(graph: LockfileGraph) -> frozenset[tuple[str, str]]:
    return frozenset(
        (p.name, p.version) for p in graph.table if p.source is not Source.LOCAL and p.version
    )


def _rule_for(name: str, version: str) -> RuleIndex:
    rule = Rule(
        id="FUZZ-PLANTED",
        title="planted",
        kind=RuleKind.COMPROMISED_RELEASE,
        ecosystem="npm",
        severity=Severity.CRITICAL,
        source="fuzz",
        package_rules=(PackageRule(name, (f"={version}",), frozenset()),),
    )
    return build_index((rule,))


def _entry_span(data: bytes, graph: LockfileGraph, node_id: str) -> tuple[int, int]:
    """The bytes of the planted entry and of its two neighbours: a mutation there may rightly
    change it (a dropped header merges the next entry's fields into it; a nested npm v1 entry
    hangs from its parent's ``dependencies`` key). The whole file when lines are unknown."""
    line = graph.details.line_of(node_id)
    if line is None:
        return (0, len(data))
    lines = sorted({n for p in graph.table if (n := graph.details.line_of(p.id)) is not None})
    at = lines.index(line)
    starts = [0]
    for i, byte in enumerate(data):
        if byte == 10:
            starts.append(i + 1)

    def offset(n: int) -> int:
        return starts[n - 1] if n - 1 < len(starts) else len(data)

    begin = offset(lines[at - 1]) if at > 0 else 0
    end = offset(lines[at + 2]) if at + 2 < len(lines) else len(data)
    return (begin, end)


def _manifest_for(path: Path) -> LockfileGraph | None:
    beside = path.parent / "package.json"
    if beside.is_file():
        return parse_manifest(beside.read_bytes(), str(beside))
    known = MANIFESTS.get(path.parent.name)
    return None if known is None else parse_manifest(json.dumps(known).encode(), "package.json")


def _parse(data: bytes, filename: str, manifest: LockfileGraph | None) -> LockfileGraph:
    graph = parse_bytes(data, filename, filename)
    if manifest is not None and not graph.roots_known:
        # the workspaces of the realworld trees are ranges the lockfile need not lock
        # every registry range of the manifest must be locked (the fixtures and realworld
        # trees declare their workspaces with file:/workspace specs, never as ranges)
        graph = with_manifest(graph, manifest, ())
    # berry: a dependency only an out-of-range entry answers needs the root resolutions
    return with_resolutions(graph, manifest)


class NothingToPlant(ValueError):
    """The lockfile resolves no registry package: there is no finding to plant in it."""


def load_case(path: Path, label: str | None = None) -> Case:
    data = path.read_bytes()
    manifest = _manifest_for(path)
    graph = _parse(data, path.name, manifest)
    registry = sorted(
        (p for p in graph.table if p.source is Source.REGISTRY and p.version),
        key=lambda p: (p.name, p.version, p.id),
    )
    if not registry:  # a lockfile of workspaces only (a realworld case): nothing to plant
        raise NothingToPlant(label or str(path))
    # one from the middle of the file: a cut or a mutation may land before or after it
    chosen = registry[len(registry) // 2]
    planted = (chosen.name, chosen.version)
    return Case(
        label or str(path),
        path.name,
        data,
        manifest,
        pairs_of(graph),
        planted,
        _entry_span(data, graph, chosen.id),
        _rule_for(*planted),
    )


def fixture_paths(*, realworld: bool = False) -> list[Path]:
    paths = [
        p
        for p in sorted(FIXTURES.glob("*/*/*"))
        if p.name in TEXT_FORMATS and (p.parent / "expected.json").is_file()
    ]
    if realworld and REALWORLD.is_dir():
        # the real cases, and the newest tools' own files (tests/lockfiles/newest), alike
        for expected in [
            *sorted(REALWORLD.glob("*/expected.json")),
            *sorted(NEWEST.glob("*/expected.json")),
        ]:
            lockfile = expected.parent / json.loads(expected.read_text())["lockfile"]
            if lockfile.name in TEXT_FORMATS:
                paths.append(lockfile)
    return paths


@dataclass(frozen=True)
class Verdict:
    # "error" | "read" | "unseeable" (a cut no reader can tell from a whole file) | "flagged"
    # (every package the cut lost is one a yarn berry ``catalog:`` dependency may resolve to,
    # which the file alone cannot tell: an error of any scan whose rules name it, decision 0054)
    kind: str
    seconds: float


def check(case: Case, damaged: bytes, *, truncated: bool, touched: tuple[int, int]) -> Verdict:
    """Parse and match ``damaged``; raise ``Failure`` when a property does not hold."""
    old = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT)
    started = time.perf_counter()
    try:
        graph = _parse(damaged, case.filename, case.manifest)
        findings = match_graph(graph, case.index, case.filename)
        unread = entry_errors(graph, case.index)  # as the scan reports them
        pairs = pairs_of(graph)
    except LockfileError:
        return Verdict("error", time.perf_counter() - started)
    except Hang:
        raise Failure(f"{case.label}: no answer within {TIME_LIMIT}s") from None
    except Exception as exc:
        raise Failure(f"{case.label}: traceback {type(exc).__name__}: {exc}") from exc
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    seconds = time.perf_counter() - started
    if unread:
        return Verdict("error", seconds)  # the scan reports them: exit 1
    if truncated:
        missing = case.pairs - pairs
        if missing and _cut_no_reader_can_see(case, damaged, missing):
            return Verdict("unseeable", seconds)
        if missing and {n for n, _v in missing} <= {n for n, _l in graph.unverified_catalogs}:
            return Verdict("flagged", seconds)
        if missing:
            raise Failure(
                f"{case.label}: cut at byte {touched[0]} read as a smaller lockfile"
                f" ({len(missing)} of {len(case.pairs)} packages missing, e.g. {min(missing)})"
            )
    elif not (touched[1] <= case.span[0] or touched[0] >= case.span[1]):
        return Verdict("read", seconds)  # the planted entry itself was changed
    if not any(f.package == case.planted[0] for f in findings):
        raise Failure(
            f"{case.label}: {'cut' if truncated else 'mutation'} at bytes {touched} outside the"
            f" entry of {case.planted[0]}@{case.planted[1]} lost its finding (exit 0)"
        )
    return Verdict("read", seconds)


def _cut_no_reader_can_see(case: Case, damaged: bytes, missing: frozenset[tuple[str, str]]) -> bool:
    """A yarn.lock cut exactly at a line end, whose lost packages no kept byte names: yarn
    itself reads such a prefix as a whole lockfile (the last entry's remaining fields and the
    entries only it needed are gone, and nothing left refers to them), so no reader can tell.
    Everything else a cut loses must be an error (``_yarn_classic._cut_end``: a partial line,
    blanks after the last newline, a block header that lost its lines). yarn classic only: berry
    writes ``linkType`` last in every entry, so any cut inside an entry is seen
    (``tests/lockfiles/test_berry_cut_inside_an_entry.py``)."""
    if case.filename != "yarn.lock" or not damaged.endswith(b"\n"):
        return False
    if b"\n__metadata:" in case.data[:4096] or case.data.startswith(b"__metadata:"):
        return False
    return not any(name.encode() in damaged for name, _version in missing)


def truncations(case: Case, step: int = 1) -> Iterator[tuple[bytes, tuple[int, int]]]:
    """Every cut (every ``step`` bytes) that removes more than trailing blanks."""
    end = len(case.data.rstrip())
    for cut in range(0, end, step):
        yield case.data[:cut], (cut, len(case.data))


_INTERESTING = b"\n\t \"':,{}[]-@/#0123456789.^~*\x00\x1b\xff"


def mutate(data: bytes, position: int, kind: int, value: int) -> tuple[bytes, tuple[int, int]]:
    """One mutation at ``position``: replace, delete or insert a byte, repeat or drop a line."""
    position %= max(1, len(data))
    byte = _INTERESTING[value % len(_INTERESTING)] if value >= 0 else (-value) % 256
    kind %= 5
    if kind == 0:
        return data[:position] + bytes([byte]) + data[position + 1 :], (position, position + 1)
    if kind == 1:
        return data[:position] + data[position + 1 :], (position, position + 1)
    if kind == 2:
        return data[:position] + bytes([byte]) + data[position:], (position, position + 1)
    start = data.rfind(b"\n", 0, position) + 1
    end = data.find(b"\n", position)
    end = len(data) if end < 0 else end + 1
    if kind == 3:  # the line written twice
        return data[:end] + data[start:end] + data[end:], (start, end)
    return data[:start] + data[end:], (start, end)  # the line dropped
