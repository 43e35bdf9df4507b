"""The rule model (schema 1.0.0) as frozen msgspec Structs; built by ``rules.loader`` (strict) and
``rules.pack`` (the bundled pack).

Structs rather than dataclasses: a class costs microseconds to create instead of a millisecond of
generated code at every process start, and an instance is built several times faster (thousands of
package rules per scan). Equality, hashing and ``repr`` cover the declared fields, as before.
"""

# No postponed annotations here: msgspec reads this module's Structs' annotations as objects,
# building no typing.ForwardRef (a process's first compile() is ~10 M instructions; decision
# 0137, tests/cli/test_scan_lean.py).

from enum import StrEnum
from typing import TYPE_CHECKING

import msgspec

from gouvernante.lazy import lazy_pattern
from gouvernante.vocab import Confidence, LockfileEcosystem, Severity

if TYPE_CHECKING:
    from gouvernante.semver import Range, Version

SCHEMA_VERSION = "1.0.0"


class RuleKind(StrEnum):
    COMPROMISED_RELEASE = "compromised-release"
    MALICIOUS_PACKAGE = "malicious-package"
    VULNERABILITY = "vulnerability"
    DROPPER = "dropper"
    SUSPICIOUS_ARTIFACT = "suspicious-artifact"


class AliasType(StrEnum):
    CVE = "cve"
    GHSA = "ghsa"
    SNYK = "snyk"
    ARTICLE = "article"
    INTERNAL = "internal"
    OTHER = "other"


class ReferenceType(StrEnum):
    ADVISORY = "advisory"
    ARTICLE = "article"
    VENDOR = "vendor"
    REPOSITORY = "repository"
    OTHER = "other"


class IndicatorType(StrEnum):
    FILE = "file"
    PROCESS = "process"
    REGISTRY = "registry"
    NETWORK = "network"
    ENVIRONMENT = "environment"


class OperatingSystem(StrEnum):
    LINUX = "linux"
    MACOS = "macos"
    WINDOWS = "windows"


class HashAlgorithm(StrEnum):
    MD5 = "md5"
    SHA1 = "sha1"
    SHA256 = "sha256"
    SHA512 = "sha512"

    @property
    def hex_length(self) -> int:
        return _HEX_LENGTH[self]


_HEX_LENGTH = {
    HashAlgorithm.MD5: 32,
    HashAlgorithm.SHA1: 40,
    HashAlgorithm.SHA256: 64,
    HashAlgorithm.SHA512: 128,
}


# The rule model is frozen and untracked by the cyclic GC (but ``PackageRule``, which keeps a
# cache in its ``__dict__``). It is msgpack-encoded only by the rule cache (rules/cache.py), as
# arrays without default values: half the size of the map form, ~30% faster to decode for a
# 100,000-package feed.


class Alias(msgspec.Struct, frozen=True, gc=False, array_like=True, omit_defaults=True):
    type: AliasType
    value: str


class Reference(msgspec.Struct, frozen=True, gc=False, array_like=True, omit_defaults=True):
    url: str
    type: ReferenceType | None = None  # None when the rule wrote a plain URL string


# An exact version (``1.2.3``, ``=1.2.3``, ``1.0.0-beta.1``, ``=v2.0.0-rc.0+build.5``): the common
# case of a compromise advisory, looked up in a dictionary instead of compiled as a range, so a rule
# listing a million versions loads and matches in about a second (decision 0118). Group 1 is the
# key: the version without ``=``, ``v`` and build metadata (the range parser drops build metadata
# before anything else), canonical as ``Version.__str__`` writes it: numbers without a leading
# zero, each of at most 15 digits (below ``MAX_SAFE_INTEGER``: a prerelease number from 2**53 on
# compares as a JavaScript double, so two texts could be one version). At most 250 characters,
# each identifier within the range parser's bounds. Only texts the range parser reads as that one
# version match; anything else (whitespace, ``01``, ``9999999999999999``...) is read, or refused
# and its error worded, by the range parser. A property test compares the two readings.
_EXACT_NUMBER = "(?:0|[1-9][0-9]{0,14})"
_EXACT_ID = f"(?:{_EXACT_NUMBER}|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
_EXACT_BUILD_ID = "[0-9A-Za-z-]+"
EXACT_VERSION = lazy_pattern(
    r"(?=[=v0-9A-Za-z.+-]{1,250}\Z)=?v?"
    rf"({_EXACT_NUMBER}\.{_EXACT_NUMBER}\.{_EXACT_NUMBER}(?:-{_EXACT_ID}(?:\.{_EXACT_ID})*)?)"
    rf"(?:\+{_EXACT_BUILD_ID}(?:\.{_EXACT_BUILD_ID})*)?"
)


def exact_key(version: "Version") -> str:
    """The ``PackageRule.exact`` key a version is looked up under: ``EXACT_VERSION``'s group 1 of
    every exact expression the version satisfies (build metadata ignored, as in comparisons)."""
    if version.prerelease:
        return str(version)
    return f"{version.major}.{version.minor}.{version.patch}"


class PackageRule(msgspec.Struct, frozen=True, dict=True, array_like=True):
    package_name: str
    affected_versions: tuple[str, ...]  # as written in the rule (validated by the loader)
    lockfile_ecosystems: frozenset[LockfileEcosystem]  # empty = every ecosystem
    notes: str | None = None

    # ``affected_versions`` split: exact versions (``exact_key`` -> its first position) and the
    # other expressions with their positions, so the first matching expression is the one the rule's
    # order gives. Computed on first use and kept in the instance's ``__dict__`` (not fields: no
    # part of equality, hashing or ``repr``), so the package rules of names no lockfile holds
    # cost nothing but their construction.
    @property
    def exact(self) -> dict[str, int]:
        split = self.__dict__.get("_split")
        if split is None:
            split = self._split()
        return split[0]

    @property
    def inexact(self) -> tuple[tuple[int, str], ...]:
        split = self.__dict__.get("_split")
        if split is None:
            split = self._split()
        return split[1]

    def _split(self) -> tuple[dict[str, int], tuple[tuple[int, str], ...]]:
        exact: dict[str, int] = {}
        inexact: list[tuple[int, str]] = []
        match = EXACT_VERSION.fullmatch
        for position, expr in enumerate(self.affected_versions):
            found = match(expr)
            if found is None:
                inexact.append((position, expr))
            else:
                key = found[1]
                if key not in exact:
                    exact[key] = position
        split = (exact, tuple(inexact))
        self.__dict__["_split"] = split
        return split

    @property
    def ranges(self) -> "tuple[Range, ...]":
        """Compiled ``affected_versions`` (same order). Compiled on first use and cached by
        ``parse_range``, so a pack of thousands of package rules loads without compiling the
        ranges of packages no scanned lockfile contains. (The matcher uses ``first_match``.)"""
        from gouvernante.semver import parse_range  # noqa: PLC0415 - semver: on first use

        return tuple(parse_range(e) for e in self.affected_versions)

    def first_match(self, version: "Version") -> str | None:
        """The first expression (in the rule's order) ``version`` satisfies, prereleases
        included; None if none does."""
        from gouvernante.semver import parse_range  # noqa: PLC0415 - imported with ``version``

        found = self.exact.get(exact_key(version))
        limit = found if found is not None else len(self.affected_versions)
        for position, expr in self.inexact:
            if position > limit:
                break
            if parse_range(expr).test(version, include_prerelease=True):
                return expr
        return self.affected_versions[found] if found is not None else None

    def first_intersecting(self, declared: "Range") -> str | None:
        """The first expression (in the rule's order) some version of ``declared`` satisfies:
        node-semver ``intersects``, or a prerelease ``declared`` installs inside the rule's
        window (``first_match``'s reading: ``"1.14.2-beta.1"`` under ``>=1.14.1 <1.14.3``)."""
        from gouvernante.semver import (  # noqa: PLC0415
            intersects,
            parse_range,
            parse_version,
            prerelease_intersects,
        )

        candidates: list[tuple[int, str]] = []
        # intersects(declared, "=V") or prerelease_intersects(declared, "=V") is declared.test(V)
        # (for a prerelease V: a set V satisfies names a prerelease of V's triple), or, V a
        # prerelease, ``declared`` any version (``*``, ``>=0.0.0``: node-semver's "any"
        # comparator intersects every comparator). The property test compares the readings.
        anything = any(c.version is None for comps in declared.sets for c in comps)
        for key, position in self.exact.items():
            version = parse_version(key)
            if declared.test(version) or (anything and version.prerelease):
                candidates.append((position, self.affected_versions[position]))
                break  # dictionary order is the rule's order: the first exact hit is the earliest
        for position, expr in self.inexact:
            if candidates and position > candidates[0][0]:
                break
            window = parse_range(expr)
            if intersects(declared, window) or prerelease_intersects(declared, window):
                candidates.append((position, expr))
                break
        return min(candidates)[1] if candidates else None

    def applies_to(self, ecosystem: LockfileEcosystem) -> bool:
        return not self.lockfile_ecosystems or ecosystem in self.lockfile_ecosystems


class DropperPackage(msgspec.Struct, frozen=True, gc=False, array_like=True, omit_defaults=True):
    package_name: str
    notes: str | None = None


class FileHash(msgspec.Struct, frozen=True, gc=False, array_like=True, omit_defaults=True):
    algorithm: HashAlgorithm
    value: str  # lower-case hex


class ContentHash(msgspec.Struct, frozen=True, gc=False, array_like=True, omit_defaults=True):
    """A payload's hash without a path (``file_hashes``): compared with the files of installed
    and cached packages (``host.payloads``). SHA-256 only (the loader refuses other algorithms)."""

    value: str  # lower-case hex, 64 characters
    algorithm: HashAlgorithm = HashAlgorithm.SHA256
    notes: str | None = None


class HostIndicator(msgspec.Struct, frozen=True, gc=False, array_like=True, omit_defaults=True):
    type: IndicatorType
    oses: frozenset[OperatingSystem]  # empty = every OS
    path: str | None = None
    file_name: str | None = None
    value: str | None = None
    hashes: tuple[FileHash, ...] = ()
    confidence: Confidence | None = None
    notes: str | None = None

    def describe(self) -> str:
        if self.type is IndicatorType.FILE:
            if self.path and self.file_name:
                sep = "" if self.path.endswith(("/", "\\")) else "/"
                return f"file {self.path}{sep}{self.file_name}"
            return f"file {self.path or self.file_name}"
        return f"{self.type.value} {self.value or self.path or ''}".rstrip()


class Remediation(msgspec.Struct, frozen=True, gc=False, array_like=True, omit_defaults=True):
    summary: str | None = None
    steps: tuple[str, ...] = ()

    def text(self) -> str | None:
        """The summary then the steps, each sentence once (a rule often repeats its summary as
        its first step: `rules new` does)."""
        sentences = (p if p.endswith(".") else p + "." for p in (self.summary, *self.steps) if p)
        return " ".join(dict.fromkeys(sentences)) or None


class Rule(msgspec.Struct, frozen=True, gc=False, array_like=True, omit_defaults=True):
    id: str
    title: str
    kind: RuleKind
    ecosystem: str
    severity: Severity
    package_rules: tuple[PackageRule, ...]
    source: str  # the file the rule was loaded from, as displayed
    summary: str | None = None
    aliases: tuple[Alias, ...] = ()
    references: tuple[Reference, ...] = ()
    dropper_packages: tuple[DropperPackage, ...] = ()
    host_indicators: tuple[HostIndicator, ...] = ()
    remediation: Remediation | None = None
    published_at: str | None = None
    last_updated_at: str | None = None
    bad_integrity: tuple[str, ...] = ()  # known-bad tarball integrity strings (``sha512-...``)
    file_hashes: tuple[ContentHash, ...] = ()  # payload hashes without a path
