"""Credential harvesting: secrets read from the environment, credential files, secret scanners."""

from __future__ import annotations

import re

from gouvernante.heuristic.signals import FileSignals
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
    if s.env_dump is not None and _strong_context(s):
        return found(HIGH, s.env_dump)
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


def _file_harvest(s: FileSignals) -> Detection | None:
    cats, at = s.cred
    if (len(cats - {"dotenv"}) >= 2 or len(cats) >= 3) and s.net is not None:
        # named only in a skip list (an uploader's or watcher's ignores): worth a look at most
        strong = _strong_context(s) and not s.cred_skip_list
        return found(HIGH if strong else MEDIUM, at)
    return None


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


def _scanner(s: FileSignals) -> Detection | None:
    at = s.t.search(RX_SCANNER)
    if at is not None and (s.proc is not None or s.net is not None):
        return found(HIGH, at)
    return None


SCANNER = Pattern(
    id="GH-CRED-SCANNER",
    severity=Severity.CRITICAL,
    confidence=HIGH,
    title="Package downloads or runs a secret scanner (trufflehog, gitleaks)",
    why=(
        "A dependency has no reason to run trufflehog or gitleaks on the machine that "
        "installs it; Shai-Hulud fetched trufflehog to sweep the disk for tokens."
    ),
    origin="Shai-Hulud (Sep 2025): bundle.js downloaded and ran trufflehog",
    reference=(
        "https://www.cisa.gov/news-events/alerts/2025/09/23/"
        "widespread-supply-chain-compromise-impacting-npm-ecosystem"
    ),
    detect=_scanner,
)

UNITS = (ENV_HARVEST, FILE_HARVEST, SCANNER)
