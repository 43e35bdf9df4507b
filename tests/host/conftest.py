"""Helpers for host tests: rules, package folders and cache entries written as the tools do."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

from gouvernante.host.installed import scan_tree
from gouvernante.host.reader import Collector
from gouvernante.model import Finding
from gouvernante.rules.index import build_index
from gouvernante.rules.model import (
    DropperPackage,
    HostIndicator,
    IndicatorType,
    OperatingSystem,
    PackageRule,
    Rule,
    RuleKind,
)
from gouvernante.vocab import Severity


def make_rule(
    rule_id: str,
    packages: Iterable[tuple[str, str]] = (),
    droppers: Iterable[str] = (),
    indicators: Iterable[HostIndicator] = (),
) -> Rule:
    package_rules = tuple(PackageRule(name, (expr,), frozenset()) for name, expr in packages)
    return Rule(
        id=rule_id,
        title=f"rule {rule_id}",
        kind=RuleKind.COMPROMISED_RELEASE,
        ecosystem="npm",
        severity=Severity.CRITICAL,
        package_rules=package_rules,
        source="test.json",
        dropper_packages=tuple(DropperPackage(d) for d in droppers),
        host_indicators=tuple(indicators),
    )


def indicator(
    kind: IndicatorType, value: str, oses: Iterable[OperatingSystem] = ()
) -> HostIndicator:
    return HostIndicator(kind, frozenset(oses), value=value)


# The rules every location test uses; the near misses next to them must stay silent.
STANDARD_RULES = (
    make_rule("R-AXIOS", [("axios", "=1.14.1")]),
    make_rule("R-TINY", [("@ctrl/tinycolor", "=4.1.1")]),
    make_rule("R-ATRIX", [("atrix", "=1.0.0")]),
    make_rule("R-DROP", droppers=["plain-crypto-js"]),
)


def write_package(
    folder: Path,
    name: str,
    version: str,
    scripts: dict[str, str] | None = None,
    extra: dict[str, object] | None = None,
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, object] = {"name": name, "version": version}
    if scripts:
        manifest["scripts"] = scripts
    manifest.update(extra or {})
    (folder / "package.json").write_text(json.dumps(manifest))
    (folder / "index.js").write_text("module.exports = {};\n")
    return folder


def cacache_line(entry: Mapping[str, object]) -> str:
    body = json.dumps(entry, separators=(",", ":"))
    return hashlib.sha1(body.encode()).hexdigest() + "\t" + body


def cacache_add(cache: Path, key: str, integrity: str | None = "sha512-AAAA") -> Path:
    """Append an index entry for ``key`` to ``<cache>/_cacache/index-v5`` the way cacache does."""
    digest = hashlib.sha256(key.encode()).hexdigest()
    bucket = cache / "_cacache" / "index-v5" / digest[:2] / digest[2:4] / digest[4:]
    bucket.parent.mkdir(parents=True, exist_ok=True)
    entry = {"key": key, "integrity": integrity, "time": 1795851049753, "size": 10}
    with bucket.open("a") as fh:
        fh.write("\n" + cacache_line(entry))
    return bucket


def tarball_key(name: str, version: str, registry: str = "https://registry.npmjs.org") -> str:
    base = name.rpartition("/")[2]
    return f"make-fetch-happen:request-cache:{registry}/{name}/-/{base}-{version}.tgz"


def found(findings: Iterable[Finding]) -> set[tuple[str, str, str | None, str | None, str | None]]:
    """(type, rule, package, version, path) of each finding, for exact set comparisons."""
    return {(f.type.value, f.rule_id, f.package, f.version, f.path) for f in findings}


def scan_counting_reads(root: Path, rules: Iterable[Rule]) -> tuple[list[str], int, Collector]:
    """``scan_tree`` of ``root`` against ``rules``: (findings as ``name@version path`` relative
    to ``root``, how many package.json files it read, the collector)."""
    collector = Collector(build_index(tuple(rules)))
    reads = 0
    plain_read = collector.read

    def counting_read(
        path: str, cap: int, head: int | None = None, *, package: str | None = None
    ) -> bytes | None:
        nonlocal reads
        if path.endswith("package.json"):
            reads += 1
        return plain_read(path, cap, head, package=package)

    collector.read = counting_read  # type: ignore[method-assign]
    scan_tree(str(root), collector, where="test")
    found = sorted(
        f"{f.package}@{f.version} {os.path.relpath(f.path or '', root)}" for f in collector.findings
    )
    return found, reads, collector


class Helpers:
    """What the test files share (they cannot import each other): use the ``h`` fixture."""

    make_rule = staticmethod(make_rule)
    indicator = staticmethod(indicator)
    write_package = staticmethod(write_package)
    cacache_add = staticmethod(cacache_add)
    cacache_line = staticmethod(cacache_line)
    tarball_key = staticmethod(tarball_key)
    found = staticmethod(found)
    STANDARD_RULES = STANDARD_RULES


@pytest.fixture
def h() -> Helpers:
    return Helpers()


@pytest.fixture
def no_system(tmp_path: Path) -> str:
    """A ``system_root`` that holds nothing, so the real /usr/lib/node_modules is not read."""
    root = tmp_path / "empty-system-root"
    root.mkdir()
    return str(root)
