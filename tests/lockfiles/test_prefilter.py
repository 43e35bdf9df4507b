"""The lockfile fast paths read exactly what the exact paths read (decision 0023).

Fast paths: yarn classic's block reader with fields read when a package is built, its one-pass
check that every dependency names an entry, its dependencies read by one regex a block, and its
dependency paths that read only the entries the search visits (``children_of``); npm's odd-key
test over the joined keys and its big-file path (entries kept as JSON text, checked by the typed
decoder a chunk at a time, decoded when looked up; taken here whatever the size). Exact paths:
the line reader, the per-entry reference check, the line by line dependency reader, every edge
built, the key-by-key test, the whole-file decode.

For every text lockfile under ``tests/`` (the generated fixtures and the realworld trees) and for
truncated, mutated and escaped copies of the fixtures, both paths must give the same outcome:
the same error (message and position), or the same packages, notes, entry errors and findings
(dependency paths, lines and ``direct`` included) for rules naming packages of the file.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gouvernante.errors import LockfileError
from gouvernante.lockfiles import _yarn_classic, npm
from gouvernante.match.hits import entry_errors, match_graph
from gouvernante.model import LockfileFormat, LockfileGraph, Source
from gouvernante.rules.index import RuleIndex, build_index
from gouvernante.rules.model import PackageRule, Rule, RuleKind
from gouvernante.semver import try_parse_version
from gouvernante.vocab import Severity
from lockfiles.fuzzcore import _manifest_for, _parse, fixture_paths, mutate

FIXTURE_PATHS = fixture_paths()
ALL_PATHS = fixture_paths(realworld=True)
_PLANTS = 6  # packages of the file the rules name


@contextlib.contextmanager
def _exact_paths() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_yarn_classic, "_blocks", lambda text, path: None)
        patch.setattr(_yarn_classic, "_references_resolve", lambda text, keys: False)
        patch.delattr(_yarn_classic._ClassicDetails, "children_of")
        patch.setattr(_yarn_classic, "_block_deps", lambda block: None)
        patch.setattr(npm, "_odd_keys", npm._odd_keys_one_by_one)
        yield


@contextlib.contextmanager
def _fast_paths() -> Iterator[None]:
    """npm's big-file path (entries checked a chunk at a time, decoded on lookup) for any size."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(npm, "LEAN_BYTES", 0)
        yield


def _index_for(graph: LockfileGraph, seed: int) -> RuleIndex:
    # (a damaged version, "{.29.7", names no rule: the matcher reports it as unchecked)
    registry = sorted(
        {
            (p.name, p.version)
            for p in graph.table
            if p.source is not Source.LOCAL and try_parse_version(p.version) is not None
        }
    )
    chosen = random.Random(seed).sample(registry, min(_PLANTS, len(registry)))
    rules = (
        Rule(
            id="PREFILTER-1",
            title="planted",
            kind=RuleKind.COMPROMISED_RELEASE,
            ecosystem="npm",
            severity=Severity.CRITICAL,
            source="test",
            package_rules=tuple(
                PackageRule(name, (f"={version}",), frozenset()) for name, version in chosen
            ),
        ),
    )
    return build_index(rules)


def _outcome(
    data: bytes, filename: str, manifest: LockfileGraph | None, index: RuleIndex
) -> object:
    try:
        graph = _parse(data, filename, manifest)
        findings = match_graph(graph, index, filename)
        unread = entry_errors(graph, index)
    except LockfileError as exc:
        return ("error", str(exc), exc.json_path)
    packages = sorted(  # (an integrity may be None beside a string: compared as text)
        ((p.id, p.name, p.version, p.source, p.integrity) for p in graph.table), key=repr
    )
    return (
        "read",
        len(graph.packages),
        packages,
        tuple(graph.notes),
        tuple(unread),
        sorted(findings, key=repr),
    )


def _same_both_ways(data: bytes, filename: str, manifest: LockfileGraph | None, seed: int) -> str:
    with _exact_paths():
        try:
            reference = _parse(data, filename, manifest)
        except LockfileError:
            reference = None
    index = _index_for(reference, seed) if reference is not None else build_index(())
    with _exact_paths():
        exact = _outcome(data, filename, manifest, index)
    with _fast_paths():
        fast = _outcome(data, filename, manifest, index)
    assert fast == exact
    return str(exact[0])  # type: ignore[index]


def _label(path: Path) -> str:
    folder = path.parent.parent.name if path.parent.name == "tree" else path.parent.name
    return f"{folder}/{path.name}"


@pytest.mark.parametrize("path", ALL_PATHS, ids=[_label(p) for p in ALL_PATHS])
def test_every_lockfile_reads_the_same_both_ways(path: Path) -> None:
    manifest = _manifest_for(path)
    assert _same_both_ways(path.read_bytes(), path.name, manifest, seed=1) == "read"
    if manifest is not None:  # without the package.json: roots guessed, another search
        assert _same_both_ways(path.read_bytes(), path.name, None, seed=2) == "read"


def test_the_fast_paths_are_taken() -> None:
    """The yarn classic fixture is in yarn's own layout: the block reader takes it, the one-pass
    reference check is sure of it (else this test file would compare the exact path with
    itself)."""
    path = next(p for p in FIXTURE_PATHS if p.name == "yarn.lock" and "classic" in str(p))
    text = path.read_text()
    found = _yarn_classic._blocks(text, "yarn.lock")
    assert found is not None
    keys = [", ".join(d) for d in found[0].descriptors]
    assert _yarn_classic._references_resolve(text, keys)
    blocks = found[0].texts
    assert any(_yarn_classic._block_deps(block) for block in blocks)
    for block in blocks:
        fast = _yarn_classic._block_deps(block)
        assert fast is None or fast == _yarn_classic._entry_deps(block)
    assert not npm._odd_keys(["", "node_modules/a", "node_modules/@s/b/node_modules/c"])
    assert npm._odd_keys(["", "node_modules/a/"]) and npm._odd_keys(["./x"])
    lock = next(p for p in FIXTURE_PATHS if p.name == "package-lock.json" and "v3" in str(p))
    data = lock.read_bytes()
    assert npm._parse_lean(data, LockfileFormat.PACKAGE_LOCK, "package-lock.json") is not None
    assert npm._parse_lean(data[:-20], LockfileFormat.PACKAGE_LOCK, "package-lock.json") is None


_ESCAPES = ((b"@", b"\\u0040"), (b"/", b"\\/"), (b"a", b"\\u0061"), (b"-", b"\\u002d"))


def _escaped(data: bytes, position: int, which: int) -> bytes:
    """A character inside a quoted string written as a JSON escape (same text for JSON and for
    yarn's double-quoted strings)."""
    plain, escape = _ESCAPES[which % len(_ESCAPES)]
    at = data.find(plain, position % max(1, len(data)))
    if at < 0:
        return data
    quote_before = data.rfind(b'"', 0, at)
    line_start = data.rfind(b"\n", 0, at)
    if quote_before <= line_start:  # not inside a quoted string of this line
        return data
    return data[:at] + escape + data[at + 1 :]


@pytest.mark.property
@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    which=st.sampled_from(FIXTURE_PATHS),
    position=st.integers(min_value=0, max_value=1 << 20),
    kind=st.integers(min_value=0, max_value=6),
    value=st.integers(min_value=-255, max_value=255),
    with_manifest=st.booleans(),
    seed=st.integers(min_value=0, max_value=1000),
)
def test_damaged_files_read_the_same_both_ways(
    *, which: Path, position: int, kind: int, value: int, with_manifest: bool, seed: int
) -> None:
    data = which.read_bytes()
    if kind == 5:  # cut anywhere
        damaged = data[: position % max(1, len(data))]
    elif kind == 6:
        damaged = _escaped(data, position, value)
    else:
        damaged = mutate(data, position, kind, value)[0]
    manifest = _manifest_for(which) if with_manifest else None
    _same_both_ways(damaged, which.name, manifest, seed)


def _generated_classic(rng: random.Random, count: int) -> str:
    """A yarn classic file in yarn's layout: scoped and plain names, one or two descriptors an
    entry, dependencies on other entries (some quoted, some absent on purpose)."""
    names = [f"@s{i % 3}/p{i}" if i % 3 == 0 else f"p{i}" for i in range(count)]
    out = ["# yarn lockfile v1", ""]
    for i, name in enumerate(names):
        descs = [f"{name}@^1.{i}.0", f"{name}@~1.{i}.1"][: 1 + i % 2]
        out.append(", ".join(f'"{d}"' if d.startswith("@") else d for d in descs) + ":")
        out.append(f'  version "1.{i}.3"')
        out.append(f'  resolved "https://registry.yarnpkg.com/{name}/-/x-1.{i}.3.tgz#{i:040x}"')
        out.append(f"  integrity sha512-{chr(65 + i % 26) * 86}==")
        deps = sorted({rng.randrange(count) for _ in range(rng.randrange(4))} - {i})
        if deps:
            out.append("  dependencies:")
            for d in deps:
                dep = names[d]
                quoted = f'"{dep}"' if dep.startswith("@") or rng.random() < 0.3 else dep
                out.append(f'    {quoted} "^1.{d}.0"')
        out.append("")
    return "\n".join(out) + "\n"


@pytest.mark.parametrize(
    "resolved",
    [
        " ttps://registry.yarnpkg.com/@s0/p0/-/x-1.0.3.tgz#0",  # (hypothesis found it, 0159)
        "owner/repo#abc",
        "github:owner",
        "git@host",
        "x:y",
        "plain-word",
    ],
)
def test_a_resolved_value_the_exact_reader_reads_as_a_source_reads_the_same_fast(
    resolved: str,
) -> None:
    """A ``resolved`` value that is no registry tarball: the yarn-layout regex vouches only for
    one ``classify`` reads as the registry (no "/", no ":", no leading "git@"); any other is
    looked at as the line-by-line reader looks at it (GIT for `` ttps://...``: it has a "/")."""
    data = _generated_classic(random.Random(1), 3)
    first = data.index('  resolved "') + len('  resolved "')
    end = data.index('"', first)
    edited = (data[:first] + resolved + data[end:]).encode()
    _same_both_ways(edited, "yarn.lock", None, seed=1)


@pytest.mark.property
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(min_value=0, max_value=10_000),
    count=st.integers(min_value=1, max_value=40),
    position=st.integers(min_value=0, max_value=1 << 16),
    kind=st.integers(min_value=0, max_value=5),
    value=st.integers(min_value=-255, max_value=255),
)
def test_generated_yarn_classic_reads_the_same_both_ways(
    seed: int, count: int, position: int, kind: int, value: int
) -> None:
    data = _generated_classic(random.Random(seed), count).encode()
    _same_both_ways(data, "yarn.lock", None, seed)
    damaged = data[: position % len(data)] if kind == 5 else mutate(data, position, kind, value)[0]
    _same_both_ways(damaged, "yarn.lock", None, seed)
