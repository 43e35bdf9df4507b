"""False positives of a sweep over the dependency trees of big projects (decision 0076).

Each case is our own minimal sample of a construct met in a well-known package (named in the
test's docstring), not its code; each test also puts the technique back where it runs and
checks it is still found.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

from helpers import heuristic_found as _found
from helpers import heuristic_package


def _package(tmp_path: Path, code: str, *, install: bool = True) -> Path:
    return heuristic_package(tmp_path, code, install=install, main="setup.js")


# A project generator choosing a package manager: it runs the one it found, and a comment cites
# the runtime's release where a flag changed (hardhat 3's init command).
_PM_CHECK = """const { spawnSync } = require('child_process');
function installArgs(pm) {
  // bun stopped writing a text lockfile by default, see
  // https://github.com/oven-sh/bun/releases/tag/bun-v1.0.5
  return pm === 'bun' ? ['install', '--save-text-lockfile'] : ['install'];
}
spawnSync(process.env.npm_execpath || 'npm', installArgs('npm'), { stdio: 'inherit' });
"""


def test_a_runtime_release_cited_on_a_comment_line_downloads_nothing(tmp_path: Path) -> None:
    """hardhat 3.18.0 ``internal/cli/init/package-manager.js``: at-risk high (every file taken
    as install-reachable) from the URL in a comment."""
    assert "GH-INSTALL-RUNTIME-DOWNLOAD" not in _found(_package(tmp_path, _PM_CHECK))


def test_a_runtime_fetched_at_install_time_is_still_high(tmp_path: Path) -> None:
    live = _PM_CHECK.replace(
        "spawnSync(",
        "spawnSync('sh', ['-c', 'curl -fsSL https://github.com/oven-sh/bun/releases/latest"
        "/download/bun-linux-x64.zip -o /tmp/b.zip']);\nspawnSync(",
    )
    assert _found(_package(tmp_path, live))["GH-INSTALL-RUNTIME-DOWNLOAD"] == "high"


def test_a_runtime_url_hidden_in_a_literal_is_high_even_beside_a_comment(tmp_path: Path) -> None:
    url = base64.b64encode(b"https://bun.sh/install").decode()
    hidden = _PM_CHECK.replace(
        "spawnSync(",
        f"spawnSync('sh', ['-c', 'curl ' + Buffer.from('{url}', 'base64')]);\nspawnSync(",
    )
    assert _found(_package(tmp_path, hidden))["GH-INSTALL-RUNTIME-DOWNLOAD"] == "high"


# Metadata files named by their extension: a Salesforce ``Admin.profile`` (its suffix stripped by
# a regex), written back by a packaging tool (@salesforce/packaging 4.27's profile API).
_PROFILES = """const fs = require('fs');
function names(files) {
  return files.map((f) => f.replace(/(.*)(\\.profile)/, '$1'));
}
fs.writeFileSync('profiles.json', JSON.stringify(names(fs.readdirSync('.'))));
"""


def test_a_profile_extension_in_a_regex_is_no_shell_start_up_file(tmp_path: Path) -> None:
    """@salesforce/packaging 4.27.8 ``lib/package/packageProfileApi.js``: at-risk high."""
    assert "GH-PERSIST-SHELL-RC" not in _found(_package(tmp_path, _PROFILES))


def test_the_profile_in_the_home_folder_written_at_install_is_still_high(tmp_path: Path) -> None:
    for target in (
        "require('path').join(require('os').homedir(), '.profile')",
        "process.env.HOME + '/.profile'",
        "'C:\\\\Users\\\\me\\\\.profile'",
    ):
        code = _PROFILES + f"fs.appendFileSync({target}, 'export X=1\\n');\n"
        assert _found(_package(tmp_path, code))["GH-PERSIST-SHELL-RC"] == "high", target


# One script serving every npm script of its package, given the task as its argument (the
# postinstall runs ``node tasks.mjs postinstall``); its release task publishes (mediasoup 3.19's
# ``npm-scripts.mjs``: a plain-scan high before).
_TASKS = """import { execSync } from 'node:child_process';
const task = process.argv[2];
function run(cmd) { execSync(cmd, { stdio: 'inherit' }); }
function fetchBinary() { run('node ./fetch-prebuilt.js'); }
async function release() {
  run('git push origin HEAD');
  run('npm publish');
}
async function main() {
  switch (task) {
    case 'postinstall': {
      fetchBinary();
      break;
    }
    case 'release': {
      await release();
      break;
    }
    default: {
      throw new Error('unknown task');
    }
  }
}
void main();
"""


def _tasks(tmp_path: Path, code: str, hook: str = "node tasks.mjs postinstall") -> Path:
    pkg = tmp_path / "tasks"
    pkg.mkdir(exist_ok=True)
    scripts = {"postinstall": hook, "release": "node tasks.mjs release"}
    (pkg / "package.json").write_text(
        json.dumps({"name": "sample", "version": "1.0.0", "scripts": scripts})
    )
    (pkg / "tasks.mjs").write_text(code)
    return pkg


def test_a_release_task_of_the_install_script_is_a_review_item(tmp_path: Path) -> None:
    assert _found(_tasks(tmp_path, _TASKS))["GH-PROPAGATE-NPM-PUBLISH"] == "medium"


def test_a_publish_the_install_task_reaches_is_still_high(tmp_path: Path) -> None:
    cases = {
        "in the install task": (
            "      fetchBinary();\n",
            "      fetchBinary();\n      run('npm publish');\n",
        ),
        "two calls deep": (
            "function fetchBinary() { run(",
            "function fetchBinary() { ship(); run(",
        ),
        "named, not called": ("      fetchBinary();\n", "      setTimeout(release, 10);\n"),
        "falling through": ("      fetchBinary();\n      break;\n", "      fetchBinary();\n"),
        "on load": ("void main();", "void main();\nrun('npm publish');"),
        "a case of a platform switch": (
            "      fetchBinary();\n",
            "      fetchBinary();\n      perPlatform();\n",
        ),
        "an eval in the file": ("void main();", "void main();\neval(process.env.X);"),
    }
    extra = {
        "two calls deep": "function ship() { void release(); }\n",
        "a case of a platform switch": (
            "function perPlatform() { switch (process.platform) { case 'linux': "
            "run('npm publish'); break; case 'postinstall': break; } }\n"
        ),
    }
    for label, (old, new) in cases.items():
        assert old in _TASKS, label
        code = _TASKS.replace(old, new, 1) + extra.get(label, "")
        assert _found(_tasks(tmp_path, code))["GH-PROPAGATE-NPM-PUBLISH"] == "high", label


def test_a_task_script_run_without_its_task_is_still_high(tmp_path: Path) -> None:
    for hook in (
        "node tasks.mjs",
        "node tasks.mjs postinstall && node tasks.mjs",
        "node tasks.mjs release",
    ):
        assert _found(_tasks(tmp_path, _TASKS, hook))["GH-PROPAGATE-NPM-PUBLISH"] == "high", hook
