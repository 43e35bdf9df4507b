"""The folders of ``file:`` directory packages (berry: also ``portal:``) a lockfile records
(``LockfileGraph.local_folders``): their dependencies are installed and locked by the project's
lockfile, so a package.json there is judged by it under ``-dir -recursive``, as a workspace's is
(npm records such folders as importers). Shapes as yarn 1.22, yarn 4, pnpm 9 and bun 1.2 write
them; a ``link:`` target, a tarball and a folder outside the lockfile's name none."""

from __future__ import annotations

import pytest

from gouvernante.lockfiles import parse_bytes
from lockfiles.local_folder_lockfiles import BERRY, LOCKFILES


@pytest.mark.parametrize("which", sorted(LOCKFILES))
def test_the_folder_is_read_from_the_lockfile(which: str) -> None:
    name = which.rpartition("/")[2]
    graph = parse_bytes(LOCKFILES[which].encode(), name)
    assert list(graph.local_folders) == ["vendor/loc"]


@pytest.mark.parametrize(
    ("which", "old", "new"),
    [
        # a link: target's dependencies are not installed by the project's lockfile (yarn 1
        # installs them: test_a_yarn1_link_is_a_folder)
        ("bun.lock", '"loc@file:vendor/loc"', '"loc@link:vendor/loc"'),
        ("yarn.lock", '"loc@file:./vendor/loc"', '"loc@file:./vendor/loc.tgz"'),
        # a tarball is no folder, one outside the lockfile's is never scanned with it
        ("bun.lock", '"loc@file:vendor/loc"', '"loc@file:vendor/loc.tgz"'),
        ("npm1/package-lock.json", '"file:vendor/loc"', '"file:vendor/loc.tgz"'),
        ("npm1/package-lock.json", '"file:vendor/loc"', '"file:../loc"'),
        ("berry/yarn.lock", "loc@file:./vendor/loc#", "loc@file:../loc#"),
        ("pnpm-lock.yaml", "{directory: vendor/loc,", "{directory: ../loc,"),
    ],
)
def test_what_names_no_folder(which: str, old: str, new: str) -> None:
    text = LOCKFILES[which]
    assert text.count(old) == 1
    graph = parse_bytes(text.replace(old, new).encode(), which.rpartition("/")[2])
    assert list(graph.local_folders) == []


def test_a_berry_path_is_read_from_its_workspace() -> None:
    """A ``file:`` path is relative to the workspace the locator names."""
    text = BERRY.replace("locator=root%40workspace%3A.", "locator=app%40workspace%3Apackages%2Fapp")
    text = text.replace("file:./vendor/loc#./vendor/loc", "file:../../vendor/loc#../../vendor/loc")
    graph = parse_bytes(text.encode(), "yarn.lock")
    assert list(graph.local_folders) == ["vendor/loc"]


def test_a_yarn1_link_is_a_folder() -> None:
    """yarn 1.22.22 installs and locks a ``link:`` folder's dependencies (decision 0122,
    tests/lockfiles/fixtures/realtools/yarn1-link-folder): this test said no folder before."""
    text = LOCKFILES["yarn.lock"].replace('"loc@file:./vendor/loc"', '"loc@link:./vendor/loc"')
    assert list(parse_bytes(text.encode(), "yarn.lock").local_folders) == ["vendor/loc"]
