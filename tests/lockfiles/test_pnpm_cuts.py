"""pnpm lockfiles cut where the rest still reads as a whole, smaller file (found by cutting the
real-world set at every line end, 2026-12-06): each is an error now."""

from __future__ import annotations

from pathlib import Path

import pytest

from gouvernante.errors import LockfileError
from gouvernante.lockfiles import parse_bytes

REALWORLD = Path(__file__).parents[1] / "realworld" / "data"


def test_a_url_entry_cut_after_its_resolution() -> None:
    """Vencord/Vesktop's pnpm 8 file ends with a GitHub tarball entry; cut after its resolution
    line, its name and version were gone and it read as a nameless tarball (arrpc lost)."""
    data = (REALWORLD / "pnpm6-vesktop" / "tree" / "pnpm-lock.yaml").read_bytes()
    cut = data.index(b"    name: arrpc\n")
    whole = parse_bytes(data, "pnpm-lock.yaml")
    assert ("arrpc", "3.3.1") in {(p.name, p.version) for p in whole.table}
    with pytest.raises(LockfileError, match="a tarball entry with no name and no version"):
        parse_bytes(data[:cut], "pnpm-lock.yaml")


def test_an_env_document_alone() -> None:
    """pnpm 10+ writes an env document (config dependencies) first, then the project's: a file
    cut inside the first read as a project with nothing (withastro/astro's, 2,155 packages)."""
    data = (REALWORLD / "pnpm9-astro" / "tree" / "pnpm-lock.yaml").read_bytes()
    cut = data.index(b"configDependencies: {}\n") + len(b"configDependencies: {}\n")
    with pytest.raises(LockfileError, match="an env document and no lockfile after it"):
        parse_bytes(data[:cut], "pnpm-lock.yaml")


@pytest.mark.parametrize("specifier", ["workspace:*", "^0.9.5"])
def test_a_link_to_a_workspace_package_with_no_importer(specifier: str) -> None:
    """A workspace package answers a workspace: or a range specifier with a link; pnpm lists
    it as an importer. A file cut after the first importer's link read as a project with no
    other dependency."""
    text = (
        "lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    devDependencies:\n"
        f"      '@astrojs/check':\n        specifier: {specifier}\n"
        "        version: link:packages/check\n"
    )
    with pytest.raises(LockfileError, match="no importer of the file lists"):
        parse_bytes(text.encode(), "pnpm-lock.yaml")
    whole = text + "\n  packages/check: {}\n"
    assert parse_bytes(whole.encode(), "pnpm-lock.yaml").importers
    own = text.replace(f"specifier: {specifier}", "specifier: link:../elsewhere")
    assert parse_bytes(own.encode(), "pnpm-lock.yaml") is not None  # (a folder of its own)


def test_a_link_an_override_makes_is_no_workspace() -> None:
    """``pnpm.overrides: {"foo": "link:../foo"}``: the importer keeps its range specifier and
    the version is the link, to a folder that is no workspace package."""
    text = (
        "lockfileVersion: '9.0'\n\noverrides:\n  foo: link:../foo\n\nimporters:\n\n  .:\n"
        "    dependencies:\n      foo:\n        specifier: ^1.0.0\n        version: link:../foo\n"
    )
    assert parse_bytes(text.encode(), "pnpm-lock.yaml") is not None


def test_a_nameless_git_entry_is_named_by_its_importer() -> None:
    """pnpm 7.33.7 (lockfile 5.4) writes a ``git+file:`` dependency's entry with no name or
    version, keyed by a path (the differential test of 2026-12-06): it was read as a package
    named "tmp" (the path's first segment), so a rule naming it gave nothing at all."""
    text = (
        "lockfileVersion: 5.4\n\nspecifiers:\n"
        "  oldpm-gitdep: git+file:///tmp/oldpm/gitrepos/oldpm-gitdep.git\n\n"
        "dependencies:\n  oldpm-gitdep: /tmp/oldpm/gitrepos/oldpm-gitdep/fedce0f4\n\n"
        "packages:\n\n  /tmp/oldpm/gitrepos/oldpm-gitdep/fedce0f4:\n"
        "    resolution: {commit: fedce0f4, repo: file:///tmp/oldpm/gitrepos/oldpm-gitdep.git,"
        " type: git}\n    dev: false\n"
    )
    graph = parse_bytes(text.encode(), "pnpm-lock.yaml")
    assert [(p.name, p.version, p.source.value) for p in graph.table] == [
        ("oldpm-gitdep", "", "git")
    ]
