"""False positives of a sweep over the dependencies of large frameworks and the at-risk reading
of 0123's slices again after decision 0127 (decision 0132).

Each case is our own minimal sample of a construct met in a well-known release (named in the
test's docstring), not its code; each benign case is paired with the technique put back where it
runs, which must still be found. "At risk" is what the file reads when an install hook runs it,
so the samples are install-reachable.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from helpers import heuristic_found as _found
from helpers import heuristic_package as _package

RC = "GH-PERSIST-SHELL-RC"

# A bundle's other module that starts a process for its own reasons.
_RUNNER = (
    "const cp = require('child_process');\n"
    "function gitRoot() { return cp.execFileSync('git', ['rev-parse', '--show-toplevel']); }\n"
)
# A CLI library's completion script held in a template literal, with its install note, filled in
# and returned for the user to print: yargs' shape (the placeholders are yargs').
_TEMPLATE = """const completionShTemplate = `###-begin-{{app_name}}-completions-###
#
# Installation: {{app_path}} {{completion_command}} >> ~/.bashrc
#
_{{app_name}}_completions()
{
    local cur_word args
    cur_word="\\${COMP_WORDS[COMP_CWORD]}"
    COMPREPLY=( $(compgen -W "\\${args}" -- "\\${cur_word}") )
    return 0
}
complete -o default -F _{{app_name}}_completions {{app_name}}
###-end-{{app_name}}-completions-###
`;
function generateCompletionScript($0, cmd) {
  return completionShTemplate.replace(/{{app_name}}/g, $0).replace(/{{app_path}}/g, $0)
    .replace(/{{completion_command}}/g, cmd);
}
"""
# The same note cut off and run (decision 0127's shape).
_CUT_AND_RUN = "cp.execSync(completionShTemplate.split('\\n')[2].slice(2));\n"


def _filler(chars: int) -> str:
    """Other modules' code of a bundle, ``chars`` characters long, that starts nothing."""
    lines: list[str] = []
    size = 0
    while size < chars:
        lines.append(f"function helper{len(lines)}(a, b) {{ return a.concat(b, {size}); }}\n")
        size += len(lines[-1])
    return "".join(lines)


def test_a_bundled_completion_template_is_a_note_far_from_the_runner(tmp_path: Path) -> None:
    """@google/gemini-cli 0.61.0 (``bundle/gemini-*.js``, ``bundled/third_party/index.js``),
    wrangler 2.0.0 (``wrangler-dist/cli.js``, ``miniflare-dist/index.mjs``) and
    chrome-devtools-mcp (``build/src/third_party/index.js``, in openclaw 2026.9.6) read
    GH-PERSIST-SHELL-RC high at risk since 0127: yargs' completion template, bundled with
    modules that start processes 55-1,000 KB away, its ``# Installation: … >> ~/.bashrc`` note
    taken as a line that may be cut and run."""
    code = _RUNNER + _filler(60_000) + _TEMPLATE + _filler(60_000)
    assert RC not in _found(_package(tmp_path, code, install=True))


@pytest.mark.parametrize(
    "code",
    [
        # the runner in the template's module: the note cut and run
        _RUNNER + _filler(60_000) + _TEMPLATE + _CUT_AND_RUN,
        # the runner at the edge of the reach, before the template
        _RUNNER + _filler(3_000) + _TEMPLATE,
        # a hidden name anywhere in the file (child_process in base64)
        f"const m = '{base64.b64encode(b'child_process').decode()}';\n"
        + _filler(60_000)
        + _TEMPLATE,
    ],
    ids=["cut-and-run", "runner-within-reach", "hidden-name"],
)
def test_a_hash_line_near_what_runs_it_stays_high(tmp_path: Path, code: str) -> None:
    assert _found(_package(tmp_path, code, install=True))[RC] == "high"


# A CLI's help line showing how to install its completion, as a shell append in a string.
_HELP = "yargs.epilogue('Set up completion:\\n  $0 completion >> ~/.bashrc');\n"
# What runs the help line as a command: the same line, a module loaded by a name held in a
# variable (its name built elsewhere), an export of child_process's runner.
_RUN_LINE = "[_help].forEach(cp['exec' + 'Sync']);\n"


def test_a_help_line_far_from_a_plugin_loader_is_text(tmp_path: Path) -> None:
    """karma 5.0.0 and 6.0.0 ``lib/cli.js`` read GH-PERSIST-SHELL-RC high at risk since 0127:
    its help line ``$0 completion >> ~/.bashrc`` taken as a shell's write because the file loads
    a user's formatter by its configured name (``require(options.formatError)``) 8 KB away."""
    code = (
        "const yargs = require('yargs');\n"
        "function formatter(options) { return require(options.formatError); }\n"
        + _filler(8_000)
        + _HELP
    )
    assert RC not in _found(_package(tmp_path, code, install=True))


@pytest.mark.parametrize(
    "code",
    [
        # a loader by a variable's name beside the line it may run
        "const cp = require(name);\nconst _help = '$0 completion >> ~/.bashrc';\n" + _RUN_LINE,
        # the same loader within the reach, the line after filler
        "const cp = require(name);\n" + _filler(3_000) + _HELP,
        # a back door anywhere in the file
        "const cp = process.mainModule.require(name);\n" + _filler(8_000) + _HELP,
        # a process started anywhere in the file (decision 0123)
        "require('child_process').execSync(cmd);\n" + _filler(8_000) + _HELP,
    ],
    ids=["loader-beside", "loader-within-reach", "back-door-far", "process-far"],
)
def test_a_help_line_near_a_loader_or_where_a_process_starts_stays_high(
    tmp_path: Path, code: str
) -> None:
    assert _found(_package(tmp_path, code, install=True))[RC] == "high"
