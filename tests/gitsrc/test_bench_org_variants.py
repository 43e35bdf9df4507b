"""bench/org_scan.py makes each repository's lockfile distinct bytes of the same meaning. A
comment line put in front of a JSON lockfile (deno.lock is JSON, though named ``.lock``) made
every repository holding one fail to parse: the documented ``--repos 500`` run failed."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from gouvernante.lockfiles import parse_bytes

BENCH = Path(__file__).resolve().parents[2] / "bench" / "org_scan.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_org_scan", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _releases(data: bytes, name: str) -> list[tuple[str, str]]:
    return sorted((p.name, p.version) for p in parse_bytes(data, name).packages)


@pytest.mark.parametrize("source", _bench().real_lockfiles(), ids=lambda p: p.parent.name)
def test_each_variant_parses_as_the_lockfile_it_varies(source: Path) -> None:
    bench = _bench()
    text = source.read_text()
    made = bench.variant(text, 5, 17, source.name)
    assert made != text.encode()
    assert _releases(made, source.name) == _releases(text.encode(), source.name)
