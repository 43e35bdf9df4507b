"""Where a tree's symbolic links lead, on its paths alone (``fs.treelinks``, decision 0113): the
kernel's answers, checked against ``os.path.realpath`` on the same links made on disk."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gouvernante.fs.treelinks import MAX_LINKS, link_ends

LINKS = {
    "packages/m": "../real/m",  # inside
    "packages/c": "../links/m",  # a chain
    "links/m": "../real/m",
    "packages/d": "../links/m/../../real/x",  # ".." after a link: from where it leads
    "packages/o": "../../outside/m",  # out of the tree
    "packages/self": "self",  # a loop
    "loop/a": "../loop/b",
    "loop/b": "a",
    "packages/g": "../real/gone",  # to nothing: where it would lead
    "packages/dot": ".",
}


def test_ends_as_the_kernel_resolves_them(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    for folder in ("packages", "links", "loop", "real/m", "real/x", "deep/er"):
        (tree / folder).mkdir(parents=True, exist_ok=True)
    for link, target in LINKS.items():
        (tree / link).symlink_to(target)
    ends, out = link_ends(LINKS)
    assert out == {"packages/o"}
    assert set(ends) == set(LINKS) - {"packages/o", "packages/self", "loop/a", "loop/b"}
    real_tree = os.path.realpath(tree)
    for link, end in ends.items():
        expected = os.path.relpath(os.path.realpath(tree / link), real_tree)
        assert end == ("" if expected == "." else expected.replace(os.sep, "/")), link


def test_an_absolute_target_leads_out_of_a_repository_and_inside_a_filesystem() -> None:
    links = {"app/packages/m": "/opt/m", "app/up": "../../../x"}
    assert link_ends(links) == ({}, frozenset(links))
    assert link_ends(links, absolute_inside=True) == (
        {"app/packages/m": "opt/m", "app/up": "x"},  # (a filesystem's /.. is /)
        frozenset(),
    )


@pytest.mark.parametrize(("length", "answered"), [(MAX_LINKS, True), (MAX_LINKS + 1, False)])
def test_a_chain_longer_than_the_kernel_follows_leads_nowhere(length: int, answered: bool) -> None:
    links = {f"l{i}": f"l{i + 1}" for i in range(length - 1)}
    links[f"l{length - 1}"] = "end"
    ends, out = link_ends(links)
    assert ("l0" in ends) is answered and not out
