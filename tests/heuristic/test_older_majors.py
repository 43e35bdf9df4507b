"""False positives of a sweep over the last release of the previous majors of popular packages
(decision 0095).

Each case is our own minimal sample of a construct met in a well-known release (named in the
test's docstring), not its code; each benign case is paired with the technique put back where it
runs, which must still be found.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import heuristic_found as _found
from helpers import heuristic_package as _package

# A package manager's bundle: its manifest reader gives a package holding ``binding.gyp`` the
# default install script (``node-gyp rebuild``, what npm runs for such a package anyway) and
# compares against it; its publish command prints a usage line. Nothing runs at install.
_MANAGER = """const fs = require('fs');
const path = require('path');
function normalize(data) {
  if (data.scripts && data.scripts.install === "node-gyp rebuild" && !data.scripts.preinstall) {
    data.gypfile = true;
  }
  return data;
}
function gypDefault(root, scripts) {
  if (fs.existsSync(path.join(root, "binding.gyp"))) {
    scripts.install = "node-gyp rebuild";
  }
}
function withGyp(pkg) {
  pkg.scripts = { ...pkg.scripts };
  pkg.scripts['install'] = 'node-gyp rebuild';
  return pkg;
}
const publishCommand = {
  name: "publish",
  usages: ["pnpm publish [<tarball>|<dir>] [--tag <tag>] [--access <public|restricted>]"],
  help: () => "Publishes a package to the registry.",
};
module.exports = { normalize, gypDefault, withGyp, publishCommand };
"""


def test_a_managers_gyp_default_install_script_is_no_injection(tmp_path: Path) -> None:
    """pnpm@11.29.0 ``dist/pnpm.mjs`` (16 MB, no install script): plain high
    GH-PROPAGATE-NPM-PUBLISH from its ``pnpm publish`` usage line, because the file "injects a
    lifecycle script": its manifest normalizer's ``data.scripts.install === "node-gyp rebuild"``
    (a comparison) and ``scripts.install = "node-gyp rebuild"`` (the default npm itself gives a
    package with a ``binding.gyp``)."""
    assert "GH-PROPAGATE-NPM-PUBLISH" not in _found(_package(tmp_path, _MANAGER))


@pytest.mark.parametrize(
    "inject",
    [
        'pkg.scripts.postinstall = "node bundle.js";',
        "pkg.scripts['preinstall'] = 'node setup.js';",
        'pkg.scripts.install = "node-gyp rebuild && node bundle.js";',
        "pkg.scripts.install = `node-gyp rebuild; node bundle.js`;",
        'pkg.scripts = { test: "x", install: "node bundle.js" };',
        'pkg.scripts = { install: "node-gyp rebuild", postinstall: "node bundle.js" };',
        "Object.assign(pkg.scripts, { install: 'node-gyp rebuild', preinstall: 'node b.js' });",
        "Object.assign(pkg.scripts, { postinstall: 'node bundle.js' });",
        # the default compared, then the worm's own command assigned
        'if (pkg.scripts.install === "node-gyp rebuild") pkg.scripts.install = "node b.js";',
    ],
)
def test_a_script_injected_beside_the_gyp_default_is_still_found(
    tmp_path: Path, inject: str
) -> None:
    """The worm's step (a lifecycle script of its own put into a manifest, here beside the
    manager's gyp default and its publish usage line) still makes the publish high, run at
    install or not."""
    code = _MANAGER + inject + "\n"
    assert _found(_package(tmp_path, code))["GH-PROPAGATE-NPM-PUBLISH"] == "high"
