"""Credential harvesting: secrets read from the environment, credential files, secret scanners."""

from __future__ import annotations

import re

from gouvernante.heuristic.signals import (
    RX_CRED_FILE,
    RX_GH_REPO,
    RX_SKIP_LIST,
    SKIP_REACH,
    FileSignals,
)
from gouvernante.heuristic.unit import HIGH, MEDIUM, Detection, Pattern, found
from gouvernante.heuristic.views import rx
from gouvernante.vocab import Severity


def _strong_context(s: FileSignals) -> bool:
    return s.install or s.exfil is not None


def _env_harvest(s: FileSignals) -> Detection | None:
    families, env_at = s.env
    if s.net is None:
        return None
    if len(families) >= 3 or (s.install and len(families) >= 2):
        return found(HIGH if _strong_context(s) else MEDIUM, env_at)
    dump = s.env_dump if s.env_dump is not None else s.env_sent
    if dump is not None and _strong_context(s):
        return found(HIGH, dump)
    return None


ENV_HARVEST = Pattern(
    id="GH-CRED-ENV-HARVEST",
    severity=Severity.CRITICAL,
    confidence=HIGH,
    title="Secrets of several providers read from the environment next to network code",
    why=(
        "Reading NPM_TOKEN, GITHUB_TOKEN, AWS_*, GCP or Azure credentials together (or dumping "
        "the whole environment) next to network code is credential theft; a client library "
        "reading its own provider's variables is not reported."
    ),
    origin="Shai-Hulud (Sep 2025) and Shai-Hulud 2.0 (Nov 2025)",
    reference=(
        "https://www.cisa.gov/news-events/alerts/2025/09/23/"
        "widespread-supply-chain-compromise-impacting-npm-ecosystem"
    ),
    detect=_env_harvest,
)


MAX_CRED_MENTIONS = 200  # credential-path mentions looked at per file


def _enough_kinds(kinds: set[str]) -> bool:
    return len(kinds - {"dotenv"}) >= 2 or len(kinds) >= 3


def _kinds_read(s: FileSignals) -> tuple[set[str], int | None]:
    """Kinds of credential file named somewhere outside a skip list (any of the first mentions),
    and the first such place; a kind named in the decoded view (hidden) is always read."""
    text = s.text
    kinds: set[str] = set()
    first: int | None = None
    for m in s.t.matches(RX_CRED_FILE, MAX_CRED_MENTIONS):
        kind, at = m.lastgroup, m.start()
        if kind is None or kind in kinds:
            continue
        if RX_SKIP_LIST.search(text, max(0, at - SKIP_REACH), at + SKIP_REACH):
            continue  # left out by an uploader's, watcher's or indexer's ignore list
        kinds.add(kind)
        first = at if first is None else min(first, at)
    for m in s.t.matches(RX_CRED_FILE, MAX_CRED_MENTIONS, decoded=True):
        if m.lastgroup is not None and m.lastgroup not in kinds:
            kinds.add(m.lastgroup)
            at = s.t.map_decoded(m.start())
            first = at if first is None else min(first, at)
    return kinds, first


def _file_harvest(s: FileSignals) -> Detection | None:
    cats, at = s.cred
    if not _enough_kinds(cats) or s.net is None:
        return None
    read, read_at = _kinds_read(s)
    if _enough_kinds(read):
        return found(HIGH if _strong_context(s) else MEDIUM, read_at)
    # the rest named only in skip lists: worth a look only where the file runs at install or
    # names a collection host
    return found(MEDIUM, at) if _strong_context(s) else None


FILE_HARVEST = Pattern(
    id="GH-CRED-FILE-HARVEST",
    severity=Severity.CRITICAL,
    confidence=HIGH,
    title="Credential files of several kinds read in a file that talks to the network",
    why=(
        "~/.npmrc, ~/.ssh/, ~/.aws/credentials, .env, gcloud/azure/kube/docker configs and "
        "wallet stores read together by code that also sends requests: the inventory step of "
        "every stealer in this list."
    ),
    origin="nx 's1ngularity' (Aug 2025); Shai-Hulud (Sep 2025)",
    reference="https://github.com/nrwl/nx/security/advisories/GHSA-cxm3-wv7p-598c",
    detect=_file_harvest,
)

RX_SCANNER = rx(r"(?:trufflehog|gitleaks)\b", re.IGNORECASE, anchors=("trufflehog", "gitleaks"))
# The scanner fetched rather than found installed: a release, archive or install-script URL naming
# it, or a platform archive name (``trufflehog_3.90.0_linux_amd64.tar.gz``). A bare project URL
# (an "install it from ..." hint) is no download.
RX_SCANNER_DOWNLOAD = rx(
    r"https?://[^\s'\"`]{0,120}(?:trufflehog|gitleaks)[^\s'\"`]{0,160}"
    r"(?:/releases|/download|install\.sh|\.tar\.gz|\.tgz|\.zip)"
    r"|(?:trufflehog|gitleaks)_[\w.${}-]{0,60}(?:linux|darwin|windows|amd64|arm64|x64)",
    re.IGNORECASE,
    anchors=("trufflehog", "gitleaks"),
)
# What the scanner is pointed at, beside its name: the home folder or the root of the disk (a
# sweep for every token on the machine), not the repository the user runs a command in.
# (``~`` alone, the users' folders ``/home``, ``/Users``, ``/root``, the disk mounted whole into a
# container, ``-v /:/pwd``, or an argument whose name says home, ``['filesystem', homeDir]``.)
RX_SWEEP_TARGET = re.compile(
    r"homedir\s*\(|\benv\.(?:HOME|USERPROFILE)\b|\$\{?HOME\b|%USERPROFILE%|['\"`]~/?['\"`]"
    r"|(?:\bfilesystem|\bdir|--source|--directory|\s-s)[\s'\",=]+"
    r"(?:/|~/?|/(?:home|Users|root)/?)[\s'\"`]"
    r"|(?:\bfilesystem|--source|--directory)['\"`]\s*,\s*[\w$.]*(?:home|HOME|Home)"
    r"|\s-v\s+/:/"
)
SWEEP_REACH = 400  # characters either side of the scanner's name
MAX_SCANNER_NAMES = 20  # mentions looked at per file


def _scanner_swept(s: FileSignals) -> bool:
    """Is the scanner pointed at the home folder or the disk's root near one of its mentions?"""
    text = s.text
    for m in s.t.matches(RX_SCANNER, MAX_SCANNER_NAMES):
        at = m.start()
        if RX_SWEEP_TARGET.search(text, max(0, at - SWEEP_REACH), at + SWEEP_REACH):
            return True
    return False


def _scanner_sends(s: FileSignals) -> bool:
    """Could the results leave: a collection host, or secrets of several providers (or the whole
    environment, or several kinds of credential file) beside network code."""
    if s.exfil is not None or (s.gh_token and s.t.search(RX_GH_REPO) is not None):
        return True  # a collection host, or a repository created with the token (Shai-Hulud 1)
    if s.net is None:
        return False
    cats = s.cred[0] - {"dotenv"}
    dumped = s.env_dump is not None or s.env_sent is not None
    return len(s.env[0]) >= 2 or dumped or len(cats) >= 2


def _scanner(s: FileSignals) -> Detection | None:
    at = s.t.search(RX_SCANNER)
    if at is None or (s.proc is None and s.net is None):
        return None
    decoded = s.t.decoded  # the name in an encoded or split literal: hidden from a reader
    hidden = bool(decoded) and RX_SCANNER.search(decoded) is not None
    downloaded = s.net is not None and s.t.find(RX_SCANNER_DOWNLOAD) is not None
    if s.install or hidden or downloaded or _scanner_swept(s) or _scanner_sends(s):
        return found(HIGH, at)
    if s.proc is not None and s.net is not None:
        return found(MEDIUM, at)
    # A command that runs the scanner the user installed, on the repository, when asked
    # (``dotenvx ext scan`` runs gitleaks): nothing fetched, nothing swept, nothing sent.
    return None


SCANNER = Pattern(
    id="GH-CRED-SCANNER",
    severity=Severity.CRITICAL,
    confidence=HIGH,
    title="Package downloads or runs a secret scanner (trufflehog, gitleaks)",
    why=(
        "A dependency has no reason to fetch trufflehog or gitleaks, run it at install time, "
        "sweep the home folder with it or send its results out; Shai-Hulud fetched trufflehog "
        "to sweep the disk for tokens. A command that runs the scanner the user installed on "
        "the user's repository, on request, is not reported."
    ),
    origin="Shai-Hulud (Sep 2025): bundle.js downloaded and ran trufflehog",
    reference=(
        "https://www.cisa.gov/news-events/alerts/2025/09/23/"
        "widespread-supply-chain-compromise-impacting-npm-ecosystem"
    ),
    detect=_scanner,
)

UNITS = (ENV_HARVEST, FILE_HARVEST, SCANNER)
