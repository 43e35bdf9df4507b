"""Lockfile shapes found by installing projects with the real package managers (decision 0122;
``fixtures/realtools/generate.sh`` made each case, its expected.json is the tool's own listing:
``test_fixtures`` compares the pairs). Here: what else each case was read wrong for."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gouvernante.errors import LockfileError
from gouvernante.lockfiles import parse_bytes
from gouvernante.model import MatchKind
from gouvernante.pipeline import ScanRequest, run_scan
from gouvernante.rules.ruleset import RuleSet
from lockfiles.cutsweep import rules_naming

HERE = Path(__file__).parent / "fixtures" / "realtools"

# a `file:` folder (local/thing, depending on kind-of 6.0.3) as the tool recorded it; in the
# nested cases local/thing depends on the folder local/other by `file:../other` (is-number 6.0.0)
FILE_FOLDER = {
    "npm9-install-links": ("package-lock.json", ["local/thing"]),
    "bun1138-lockb-folder": ("bun.lockb", ["local/thing"]),
    "berry4-nested-file": ("yarn.lock", ["local/thing", "local/other"]),
    "yarn1-link-folder": ("yarn.lock", ["local/thing"]),
}


@pytest.mark.parametrize("case", sorted(FILE_FOLDER))
def test_a_file_folder_is_a_local_folder(case: str) -> None:
    """npm 9.9.4 ``--install-links`` copies the folder (``"resolved": "file:local/thing"``, no
    link, so no importer either) and bun 1.1.38's bun.lockb holds a folder resolution: neither
    reader gave the folder, so its package.json was judged by no lockfile. yarn 4.18.1 writes
    local/other relative to local/thing's locator, which we did not follow. yarn 1.22.22
    installs and locks a ``link:`` folder's dependencies, which we took for a plain link."""
    name, folders = FILE_FOLDER[case]
    lockfile = HERE / case / name
    graph = parse_bytes(lockfile.read_bytes(), str(lockfile))
    assert list(graph.local_folders) == folders


@pytest.mark.parametrize("case", [*sorted(FILE_FOLDER), "yarn1-nested-file"])
def test_the_folders_manifests_are_judged_by_the_lockfile(case: str) -> None:
    """``-dir -recursive``: what the folders' package.json declare is found as locked, not as
    their declared ranges (declared-range findings before the fix; yarn 1: an error)."""
    result = run_scan(
        ScanRequest(directory=str(HERE / case), recursive=True, workers=1),
        rules_naming({"kind-of": ["*"], "is-number": ["*"]}),
    )
    assert not result.errors
    found = {(f.package, f.version, f.match) for f in result.findings}
    expected = json.loads((HERE / case / "expected.json").read_text())["packages"]
    assert found == {(name, version, MatchKind.VERSION) for name, version in expected}


def test_a_file_folders_own_file_dependency_is_its_entry() -> None:
    """yarn 1.22.22 writes local-thing's ``other "file:../other"`` as a path into its cache
    and keys the entry ``other@file:local/other``: the dependency answered no entry, an error
    in every mode ("a dependency on other resolves to no entry of the file")."""
    case = HERE / "yarn1-nested-file"
    graph = parse_bytes((case / "yarn.lock").read_bytes(), "yarn.lock")
    assert list(graph.unkeyed) == []
    assert not graph.entry_errors
    cut = (case / "yarn.lock").read_text().split('\n"other@file:')[0] + "\n"
    assert [name for name, _line, _range in parse_bytes(cut.encode(), "yarn.lock").unkeyed] == [
        "other"
    ]


def test_a_chain_of_folder_locators_is_followed_a_bounded_depth() -> None:
    """Each folder's locator names the folder it is relative to; a chain longer than
    ``_OWNER_DEPTH`` (no tool writes one) names no folder instead of recursing on."""
    from urllib.parse import quote

    from gouvernante.lockfiles._local_folder import local_folder
    from gouvernante.lockfiles._yarn_berry import _OWNER_DEPTH, _local_path

    reference = "file:./a#./a::hash=1&locator=root%40workspace%3A."
    chain = [reference]
    for _ in range(_OWNER_DEPTH + 2):
        chain.append(f"file:./a#./a::hash=1&locator={quote('x@' + chain[-1], safe='')}")
    assert _local_path(chain[0], local_folder) == "a"
    assert _local_path(chain[3], local_folder) == "a/a/a/a"
    assert _local_path(chain[-1], local_folder) is None


@pytest.mark.parametrize("last_line", ["    name: local-thing\n", "type: directory}\n"])
def test_a_file_cut_in_its_last_folder_entry_is_refused(last_line: str) -> None:
    """pnpm 8.15.9 writes a ``file:`` folder's entry with ``name:`` and no ``version:``, so a
    file cut right after that line (or after its ``resolution:``) looked whole: the packed copy of
    kind-of 6.0.3 sorted after it was lost, with the only dependency naming it, and the cut file
    read as a clean project (decision 0126). The whole file has kind-of 6.0.3."""
    lockfile = HERE / "pnpm8-directory-tarball" / "pnpm-lock.yaml"
    text = lockfile.read_text()
    whole = parse_bytes(text.encode(), str(lockfile))
    assert ("kind-of", "6.0.3") in {(p.name, p.version) for p in whole.packages}
    cut = text[: text.index(last_line) + len(last_line)]
    assert "kind-of-6.0.3.tgz:" not in cut
    with pytest.raises(LockfileError, match="truncated"):
        parse_bytes(cut.encode(), str(lockfile))


@pytest.mark.parametrize("case", ["yarn1-nested-file", "yarn1-link-folder"])
@pytest.mark.parametrize("recursive", [False, True])
def test_a_root_folder_dependency_cut_from_yarn_classic_is_an_error(
    case: str, recursive: bool, tmp_path: Path
) -> None:
    """yarn 1.22.22 writes an entry for a root ``file:``/``link:`` folder dependency with the
    folder's own dependencies (kind-of 6.0.3 here). yarn classic has no end marker: a file cut
    just before that entry (the last, as entries sort) lost it, and with it what the folder
    installs; the root's registry ranges were already an error when they have no entry, the
    folder specs were not, so ``-dir`` said CLEAN (decision 0128)."""
    shutil.copytree(HERE / case, tmp_path / case)
    project = tmp_path / case
    text = (project / "yarn.lock").read_text()
    (project / "yarn.lock").write_text(text.split('\n"local-thing@')[0] + "\n")
    result = run_scan(
        ScanRequest(directory=str(project), recursive=recursive, workers=1),
        RuleSet((), ("t.json",)),
    )
    assert any("dependencies['local-thing']" in str(e) for e in result.errors)
    assert not any(text[:40] in str(e) for e in result.errors)  # (no bytes echoed)


ROOT_SPECS = HERE / "yarn1-root-specs"
# each root dependency of yarn1-root-specs whose spec is no registry range, with the start of
# the entry yarn 1.22.22 keys by it (the spec as written)
ROOT_SPEC_ENTRIES = {
    "is-number": "is-number@latest:",
    "ms": '"ms@https://registry.npmjs.org/ms/-/ms-2.1.3.tgz":',
    "odd": '"odd@https://registry.npmjs.org/is-odd/-/is-odd-3.0.1.tgz":',
    "gitdep": '"gitdep@git+file://',
    "gitsemver": '"gitsemver@git+file://',
    "tagged-even": '"tagged-even@npm:is-even@latest":',
    "bare-isarray": '"bare-isarray@npm:isarray":',
    "local-thing": "local-thing@./local/thing:",
}


@pytest.mark.parametrize("key", sorted(ROOT_SPEC_ENTRIES))
@pytest.mark.parametrize("recursive", [False, True])
def test_a_root_dependency_of_any_spec_cut_from_yarn_classic_is_an_error(
    key: str, recursive: bool, tmp_path: Path
) -> None:
    """yarn 1.22.22 keys a root dependency's entry by the spec as written, whatever it is (a
    dist-tag, a tarball URL, a git URL, an alias to a tag or to no version, a bare folder
    path). A file cut just before such an entry read as whole under ``-dir``: only registry
    ranges, ``file:`` and ``link:`` had to have an entry (decision 0129; 0128 before it)."""
    project = tmp_path / "p"
    shutil.copytree(ROOT_SPECS, project)
    text = (project / "yarn.lock").read_text()
    (project / "yarn.lock").write_text(text[: text.index("\n" + ROOT_SPEC_ENTRIES[key]) + 1])
    result = run_scan(
        ScanRequest(directory=str(project), recursive=recursive, workers=1),
        RuleSet((), ("t.json",)),
    )
    assert f"package.json dependencies['{key}']: the lockfile has no entry for it" in {
        str(e.message).partition(" (")[0] for e in result.errors
    }


@pytest.mark.parametrize("case", ["yarn1-root-specs", "npm6-root-specs"])
@pytest.mark.parametrize("recursive", [False, True])
def test_every_root_spec_the_tool_locked_is_found(case: str, recursive: bool) -> None:
    """The whole files the tools wrote: every root dependency resolves to its entry (no error,
    which would exit 1 on a healthy project), and every package they installed is found."""
    expected = json.loads((HERE / case / "expected.json").read_text())
    result = run_scan(
        ScanRequest(directory=str(HERE / case), recursive=recursive, workers=1),
        rules_naming({name: ["*"] for name, _version in expected["packages"]}),
    )
    assert [e.message for e in result.errors] == []
    found = {(f.package, f.version) for f in result.findings}
    assert {tuple(p) for p in expected["packages"]} <= found


def test_npm6_writes_no_entry_for_an_optional_dependency_it_could_not_fetch(
    tmp_path: Path,
) -> None:
    """npm 6.14.18 skips an optional dependency it cannot fetch (a git host not reachable, a
    range no release meets) and writes no entry for it; ``npm ci`` installs from that file
    ("Optional missing", a warning). Not an error; a required git dependency with no entry
    is one (it was not, being no registry range, before decision 0129)."""
    project = tmp_path / "p"
    shutil.copytree(HERE / "npm6-root-specs", project)
    manifest = json.loads((project / "package.json").read_text())
    manifest["optionalDependencies"]["nope-git"] = "git+https://github.invalid/u/r.git"
    manifest["optionalDependencies"]["nope-reg"] = "^99.0.0"
    (project / "package.json").write_text(json.dumps(manifest))
    result = run_scan(ScanRequest(directory=str(project), workers=1), RuleSet((), ("t.json",)))
    assert [e.message for e in result.errors] == []
    lock = json.loads((project / "package-lock.json").read_text())
    del lock["dependencies"]["gitdep"]
    (project / "package-lock.json").write_text(json.dumps(lock))
    result = run_scan(ScanRequest(directory=str(project), workers=1), RuleSet((), ("t.json",)))
    assert [e.message for e in result.errors] == [
        "package.json dependencies['gitdep']: the lockfile has no entry for it"
        " (truncated or out-of-date lockfile)"
    ]


@pytest.mark.parametrize("recursive", [False, True])
def test_a_root_dependency_is_not_answered_by_another_dependencys_entry(
    recursive: bool, tmp_path: Path
) -> None:
    """yarn 1.22.22 locks the root's ``ms ^2.1.3`` as ``ms@^2.1.3`` (2.1.3), after debug
    4.3.4's ``ms@2.1.2``. A file cut before the root's entry kept one entry of ms, and the
    look-up by name (for keys ``resolutions`` rewrote) took debug's for the root's: no error,
    and ms 2.1.3 gone (decision 0129). An entry no other entry depends on still answers a
    root dependency by name (a package.json edited since: decision 0061)."""
    project = tmp_path / "p"
    shutil.copytree(HERE / "yarn1-root-second-version", project)
    text = (project / "yarn.lock").read_text()
    (project / "yarn.lock").write_text(text[: text.index("\nms@^2.1.3:") + 1])
    result = run_scan(
        ScanRequest(directory=str(project), recursive=recursive, workers=1),
        RuleSet((), ("t.json",)),
    )
    assert [e.message for e in result.errors] == [
        "package.json dependencies['ms']: the lockfile has no entry for it"
        " (truncated or out-of-date lockfile)"
    ]
    (project / "yarn.lock").write_text(text)
    result = run_scan(
        ScanRequest(directory=str(project), recursive=recursive, workers=1),
        RuleSet((), ("t.json",)),
    )
    assert not result.errors


RESOLUTIONS = Path(__file__).parents[1] / "pipeline" / "fixtures" / "yarn1-resolutions"


@pytest.mark.parametrize("recursive", [False, True])
def test_a_resolution_cut_from_yarn_classic_is_an_error(recursive: bool, tmp_path: Path) -> None:
    """yarn 1.22.22 writes an entry for every ``resolutions`` entry of the root package.json
    (``ms@2.0.0, ms@2.1.3`` for ``"ms": "2.1.3"``; tests/pipeline/fixtures/yarn1-resolutions,
    made by its make.sh). A file cut inside debug's entry, before its dependencies, lost ms
    2.1.3 and every reference to it: read as whole (decision 0129's sweep)."""
    project = tmp_path / "p"
    shutil.copytree(RESOLUTIONS, project)
    lines = (project / "yarn.lock").read_text().splitlines(keepends=True)
    (project / "yarn.lock").write_text("".join(lines[:8]))
    result = run_scan(
        ScanRequest(directory=str(project), recursive=recursive, workers=1),
        RuleSet((), ("t.json",)),
    )
    assert [e.message for e in result.errors] == [
        "package.json resolutions['ms']: the lockfile has no entry for the version it forces"
        " (yarn 1 writes one for each; truncated or out-of-date lockfile)"
    ]


def test_a_per_project_root_linking_its_workspace_only(tmp_path: Path) -> None:
    """pnpm 9.15.9 with shared-workspace-lockfile=false, the root depending on its workspace
    package alone: the root's file holds that link and no package, as a shared file cut after
    its first importer does. Refused as cut in every mode (decision 0122, Left); the member's
    own pnpm-lock.yaml tells them apart. Without it, still refused."""
    case = HERE / "pnpm9-per-project-links"
    rules = rules_naming({"kind-of": ["*"]})
    root = str(case / "pnpm-lock.yaml")
    for request in (
        ScanRequest(directory=str(case), workers=1),
        ScanRequest(directory=str(case), lockfiles=(root,), workers=1),
    ):
        assert run_scan(request, rules).errors == ()
    found = run_scan(ScanRequest(directory=str(case), recursive=True, workers=1), rules)
    assert [(f.package, f.version) for f in found.findings] == [("kind-of", "6.0.3")]
    cut = tmp_path / "cut"
    shutil.copytree(case, cut)
    (cut / "packages" / "left-pad" / "pnpm-lock.yaml").unlink()
    for request in (
        ScanRequest(directory=str(cut), workers=1),
        ScanRequest(directory=str(cut), lockfiles=(str(cut / "pnpm-lock.yaml"),), workers=1),
    ):
        errors = run_scan(request, rules).errors
        assert ["no pnpm-lock.yaml of its own" in e.message for e in errors] == [True]


def _line_end_cuts(data: bytes) -> list[bytes]:
    return [data[: i + 1] for i, byte in enumerate(data[:-1]) if byte == 0x0A]


def _triples(data: bytes) -> set[tuple[str, str, str]]:
    """What the file locks; an error too when an entry could not be read (the scan's exit 1:
    a dependency resolving to no entry of a file cut after that entry)."""
    graph = parse_bytes(data, "pnpm-lock.yaml")
    if graph.entry_errors:
        raise LockfileError("pnpm-lock.yaml", graph.entry_errors[0])
    return {(p.name, p.version, p.source.value) for p in graph.table}


@pytest.mark.parametrize(
    ("case", "line", "refusal"),
    [
        # the git entry, keyed by its host, sorts last; pnpm 8.15.9 writes its name and
        # version after its resolution: cut there it read as a nameless git package
        ("pnpm8-git-last", "    resolution: {commit:", "a git entry ends the file"),
        # ms sorts after debug and only debug's dependencies name it
        ("pnpm8-dependency-last", "    engines: {node:", "has no dev: field"),
    ],
)
def test_a_file_cut_inside_its_last_entry_is_refused(case: str, line: str, refusal: str) -> None:
    """pnpm 8.15.9 (lockfile 6.0) files cut at every line end: each is an error or keeps every
    package of the whole file (decision 0130: the cut after ``line`` read as whole, without
    zzgit 1.0.0 or ms 2.1.2, CLEAN for a rule naming it)."""
    data = (HERE / case / "pnpm-lock.yaml").read_bytes()
    whole = _triples(data)
    for cut in _line_end_cuts(data):
        try:
            kept = _triples(cut)
        except LockfileError:
            continue
        assert kept == whole, cut.decode().splitlines()[-1]
    at = data.index(line.encode())
    with pytest.raises(LockfileError, match=refusal):
        parse_bytes(data[: data.index(b"\n", at) + 1], "pnpm-lock.yaml")


@pytest.mark.parametrize("case", ["pnpm8-both-last", "pnpm8-directory-alone"])
def test_a_whole_file_whose_last_entry_ends_early_is_read(case: str) -> None:
    """pnpm 8.15.9 leaves out ``dev:`` where a dev and a production dependency both reach the
    package (ms 2.1.2 ends the file so), and writes a ``file:`` folder with no dependency as
    resolution, name and ``dev:`` (0126's check, blind to ``dev``, refused that file)."""
    expected = json.loads((HERE / case / "expected.json").read_text())["packages"]
    data = (HERE / case / "pnpm-lock.yaml").read_bytes()
    assert {(n, v) for n, v, source in _triples(data) if source != "local"} == {
        (n, v) for n, v in expected
    }
