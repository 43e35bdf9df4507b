"""Lockfiles written through a private registry and under package-manager settings company
repositories use (decision 0066): a local Verdaccio with private packages (@acme/x, @acme/y, and
is-odd 3.1.0, a private release of a public name), behind a path prefix with a token, scoped
registries, npm's lockfile v1 and its lockfile without ``resolved``, pnpm's per-project lockfiles
(``shared-workspace-lockfile=false``) and tarball URLs, yarn 1 and 4, bun.lock and bun.lockb.

The files and what each tool installed (installed.json) come from
private-registry/generate.sh: the registry is not needed here. Every installed release
is a registry package of the scanner's listing, and a rule naming it is a finding of
``-lockfile``, with no error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gouvernante.cli import main
from gouvernante.errors import LockfileError
from gouvernante.lockfiles import parse_bytes
from gouvernante.model import Source
from gouvernante.sources.names import lockfile_name

HERE = Path(__file__).parent / "private-registry"
CASES = sorted(
    (case.name, lock)
    for case in HERE.iterdir()
    if (case / "installed.json").is_file()
    for lock in json.loads((case / "installed.json").read_text(encoding="utf-8"))
)


def _installed(case: str, lock: str) -> set[tuple[str, str]]:
    pairs = json.loads((HERE / case / "installed.json").read_text(encoding="utf-8"))[lock]
    return {(name, version) for name, version in pairs}


def test_the_fixtures_are_there() -> None:
    assert len(CASES) == 14
    assert ("pnpm10-per-project", "apps/b/pnpm-lock.yaml") in CASES


@pytest.mark.parametrize(("case", "lock"), CASES)
def test_every_installed_release_is_listed(case: str, lock: str) -> None:
    path = HERE / case / lock
    name = lockfile_name(path.name)
    assert name is not None
    graph = parse_bytes(path.read_bytes(), name)
    listed = {(p.name, p.version) for p in graph.table if p.source is Source.REGISTRY}
    assert _installed(case, lock) <= listed


@pytest.mark.parametrize(("case", "lock"), [c for c in CASES if _installed(*c)])
def test_a_rule_naming_each_installed_release_finds_it(
    case: str, lock: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    installed = _installed(case, lock)
    rules = {
        "schema_version": "1.0.0",
        "rules": [
            {
                "id": f"PRIV-{i}",
                "title": f"{name} {version}",
                "kind": "malicious-package",
                "ecosystem": "npm",
                "severity": "low",
                "package_rules": [{"package_name": name, "affected_versions": [f"={version}"]}],
            }
            for i, (name, version) in enumerate(sorted(installed))
        ],
    }
    rules_path = tmp_path / "rules.json"
    rules_path.write_text(json.dumps(rules), encoding="utf-8")
    code = main(["-rules", str(rules_path), "-lockfile", str(HERE / case / lock), "-json"])
    report = json.loads(capsys.readouterr().out)
    # (apps/b links ``../a``, whose own file -lockfile of b's alone does not read: said, as an
    # error, decision 0149)
    sibling = "a linked project's own pnpm-lock.yaml (../a/pnpm-lock.yaml, from this file's"
    expected = [sibling] if lock == "apps/b/pnpm-lock.yaml" else []
    assert [e["message"][: len(sibling)] for e in report["errors"]] == expected
    assert code == 2
    assert {(f["package"], f["version"]) for f in report["findings"]} == installed


@pytest.mark.parametrize("case", ["pnpm10-per-project", "pnpm9-per-project"])
def test_a_per_project_lockfile_links_a_sibling_project(case: str) -> None:
    """``shared-workspace-lockfile=false``: pnpm writes one lockfile per project, and a
    workspace dependency on a sibling is ``link:../a`` in a file whose only importer is ``.``.
    That was "a dependency linked to a workspace package no importer of the file lists": an
    error on a file pnpm installs from, none of apps/b's 5 installed releases found."""
    graph = parse_bytes((HERE / case / "apps/b/pnpm-lock.yaml").read_bytes(), "pnpm-lock.yaml")
    assert ("@ws/a", "") in {(p.name, p.version) for p in graph.table if p.source is Source.LOCAL}
    assert ("is-odd", "3.0.1") in {(p.name, p.version) for p in graph.table}


def test_a_cut_shared_lockfile_linking_inside_is_still_an_error() -> None:
    """The sibling outside the file's folder is another lockfile's; a link inside it to no
    importer is a cut file when nothing follows it (tests/lockfiles/test_pnpm_cuts.py). When
    packages follow, it is the root's own file of a workspace that shares no lockfile (pnpm
    9.15.9 links ``link:packages/left-pad`` there: tests/lockfiles/fixtures/realtools/
    pnpm9-per-project, decision 0122); this test asked for an error there too before."""
    data = (HERE / "pnpm10-per-project/apps/b/pnpm-lock.yaml").read_bytes()
    inside = data.replace(b"version: link:../a", b"version: link:apps/a")
    cut = inside[: inside.index(b"link:apps/a\n") + len(b"link:apps/a\n")]
    # (since decision 0130 the link is judged after the file is read: here a dependency of the
    # cut importer resolving to no entry is the error found first)
    with pytest.raises(LockfileError, match=r"no importer of the file lists|not in the lockfile"):
        parse_bytes(cut, "pnpm-lock.yaml")
    graph = parse_bytes(inside, "pnpm-lock.yaml")
    assert ("is-odd", "3.0.1") in {(p.name, p.version) for p in graph.table}


@pytest.mark.parametrize("case", ["pnpm10-per-project", "pnpm9-per-project"])
def test_dir_reads_each_members_lockfile(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``-dir`` on the workspace root (without -recursive) read the members' package.json but
    not their pnpm-lock.yaml, which ``pnpm install -r`` installs from when the lockfile is not
    shared: is-number 7.0.0 (a dependency of @acme/y, in both members' files) read CLEAN, exit
    0, and 28 of the 38 installed releases of the run's project were found by no rule."""
    rules = {
        "schema_version": "1.0.0",
        "rules": [
            {
                "id": "PRIV-1",
                "title": "is-number",
                "kind": "malicious-package",
                "ecosystem": "npm",
                "severity": "low",
                "package_rules": [{"package_name": "is-number", "affected_versions": ["=7.0.0"]}],
            }
        ],
    }
    rules_path = tmp_path / "rules.json"
    rules_path.write_text(json.dumps(rules), encoding="utf-8")
    code = main(["-rules", str(rules_path), "-dir", str(HERE / case), "-json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 2
    assert report["errors"] == []
    assert {f["lockfile"] for f in report["findings"]} == {
        "apps/a/pnpm-lock.yaml",
        "apps/b/pnpm-lock.yaml",
    }


def test_a_members_lockfile_that_is_a_fifo_is_refused_not_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A member's lockfile name held by a FIFO is an error, as the walk's (never opened: a
    FIFO with no writer would block the read)."""
    import os

    (tmp_path / "packages" / "a").mkdir(parents=True)
    (tmp_path / "package.json").write_text('{"name": "r", "workspaces": ["packages/*"]}')
    (tmp_path / "packages" / "a" / "package.json").write_text('{"name": "a", "version": "1.0.0"}')
    os.mkfifo(tmp_path / "packages" / "a" / "pnpm-lock.yaml")
    code = main(["-dir", str(tmp_path), "-json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [(e["path"], e["message"]) for e in report["errors"]] == [
        ("packages/a/pnpm-lock.yaml", "not a regular file (a FIFO); refusing to read it")
    ]
