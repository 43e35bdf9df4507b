"""Tarball URL dependencies under another name than the package their URL holds
(``fixtures/url-dependencies``: made by npm 11 and 6, pnpm 10, yarn 1.22.22 and 4.18.1 and bun
1.4.5, ``generate.sh``; ``installed.json`` is what each tool installed, read from node_modules).

``"foo": "https://registry.npmjs.org/ms/-/ms-2.1.2.tgz"`` installs ms 2.1.2 in node_modules/foo,
and a resolution of ``ms`` to is-number's tarball URL installs is-number 7.0.0 as debug's ms.
yarn keys such an entry by the dependency's name (``"foo@<url>"``, yarn 1 also
``ms@2.0.0, "ms@<url>"``): both yarn readers reported foo 2.1.2 and ms 7.0.0 beside the
releases the URLs name (a rule on foo 2.1.2 was a finding though no foo is installed), and yarn
1's reader took the resolution's URL for an injected one (an error, exit 1) since the URL was
not the entry's first range. npm 6's lockfile v1 (``"@x/is": {"version": "<URL>"}``) read the
key's name and the file name's version: @x/is 4.6.0 beside @sindresorhus/is 4.6.0. Found by the
differential run on odd dependency features."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from helpers import compromised_rules, scan_report

FIXTURES = Path(__file__).parent / "fixtures" / "url-dependencies"
CASES = {
    "npm6": "package-lock.json",
    "npm11": "package-lock.json",
    "pnpm10": "pnpm-lock.yaml",
    "yarn1": "yarn.lock",
    "yarn4": "yarn.lock",
    "bun": "bun.lock",
}
# what the lockfiles key the URL dependencies by: no such release is installed
DECOYS = (("foo", "2.1.2"), ("@x/is", "4.6.0"), ("ms", "7.0.0"))


def _installed(case: str) -> list[tuple[str, str]]:
    doc = json.loads((FIXTURES / case / "installed.json").read_text(encoding="utf-8"))
    return sorted((n, v) for n, v in doc["installed"])


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("mode", ["-dir", "-lockfile"])
def test_the_release_each_url_holds_is_found_and_nothing_else(
    tmp_path: Path, case: str, mode: str
) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES / case, tree, ignore=shutil.ignore_patterns("installed.json"))
    target = str(tree / CASES[case]) if mode == "-lockfile" else str(tree)
    installed = _installed(case)
    assert ("ms", "2.1.2") in installed
    assert (("is-number", "7.0.0") in installed) is (case != "npm6")  # (npm 6: no overrides)
    pairs = [*installed, *DECOYS]
    rules = compromised_rules("URL-1", *((n, f"={v}") for n, v in pairs))
    code, report = scan_report(tmp_path, rules, mode, target)
    assert report["errors"] == []
    assert code == 2
    found = sorted((f["package"], f["version"]) for f in report["findings"])
    assert found == installed
