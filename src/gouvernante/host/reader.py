"""What the installed-package and cache scanners share: one result sink (reads are
``fs.read.read_small``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from gouvernante.fs.read import Unread, UnreadKind, read_small
from gouvernante.host.matching import PackageHit, limited_note, package_finding, package_hits
from gouvernante.model import Finding, FindingType, ScanIssue
from gouvernante.rules.index import RuleIndex
from gouvernante.safetext import shown
from gouvernante.vocab import LockfileEcosystem


class PayloadHook(Protocol):
    """Where the scanners hand each package they meet for payload hashing (``host.payloads``)."""

    def package_dir(
        self, path: str, name: str | None, version: str | None, kind: FindingType, where: str
    ) -> None: ...

    def zip_archive(self, path: str, where: str) -> None: ...

    def tarball(self, path: str, name: str, version: str, where: str) -> None: ...

    def pnpm_index(self, path: str, name: str, version: str, where: str) -> None: ...

    def pnpm_record(
        self, version_dir: str, record: object, name: str, version: str, where: str
    ) -> None: ...


@dataclass
class Collector:
    """Findings, issues and counters of one host scan; ``report`` matches one package."""

    index: RuleIndex
    names: frozenset[str] = frozenset()
    findings: list[Finding] = field(default_factory=list)
    errors: list[ScanIssue] = field(default_factory=list)
    notes: list[ScanIssue] = field(default_factory=list)
    installed: int = 0
    cache_entries: int = 0
    payloads: PayloadHook | None = None  # set when some rule has file_hashes
    # yarn Plug'n'Play maps met in the scanned projects (.pnp.cjs / .pnp.data.json): where
    # their packages are is checked once the caches are read (``checks.pnp_caches_not_read``)
    pnp_maps: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.names = self.index.names

    def dir_error(self, path: str, message: str) -> None:
        self.errors.append(ScanIssue(path, message))

    def skipped(self, path: str, reason: str) -> None:
        self.notes.append(ScanIssue(path, reason))

    def read(
        self, path: str, cap: int, head: int | None = None, *, package: str | None = None
    ) -> bytes | None:
        """``read_small``, with a file that is there but not read recorded as ``unreadable``.
        ``package``: the package folder ``path`` is the package.json of, as named by its place
        (``node_modules/<package>``); when a rule names that package, a package.json not read -
        absent too - is an error: the folder may hold an affected release, its version unknown."""
        data = read_small(path, cap, head)
        if isinstance(data, bytes):
            return data
        if package is not None and package in self.names:
            why = "there is none" if data.kind is UnreadKind.ABSENT else data.reason
            self.dir_error(
                path,
                f"{package} is installed here (by the folder's name) and its package.json was "
                f"not read ({why}): which version it is, is unknown",
            )
        elif data.kind is not UnreadKind.ABSENT:
            self.unreadable(path, data)
        return None

    def unreadable(self, path: str, unread: Unread) -> None:
        """A file that was not read: an error if it could not be, a note if it was refused."""
        issue = ScanIssue(path, unread.reason)
        (self.errors if unread.is_error else self.notes).append(issue)

    def report(
        self,
        name: str,
        version: str,
        path: str,
        *,
        kind: FindingType,
        where: str,
        ecosystem: LockfileEcosystem | None,
        install_scripts: tuple[str, ...] = (),
    ) -> None:
        limited: list[PackageHit] = []
        found = package_hits(self.index, name, version, ecosystem, limited)
        reported = {hit.rule.id for hit in found}
        for hit in dict((h.rule.id, h) for h in limited if h.rule.id not in reported).values():
            assert ecosystem is not None
            what = f"{shown(name)}@{shown(version)}"
            self.skipped(path, limited_note(hit, what, ecosystem, "cache"))
        for hit in found:
            self.findings.append(
                package_finding(
                    hit,
                    kind=kind,
                    name=name,
                    version=version,
                    path=path,
                    where=where,
                    install_scripts=install_scripts,
                )
            )
