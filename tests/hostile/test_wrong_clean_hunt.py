"""The inputs around the lockfile readers, hunted for wrong CLEANs (decision 0033): which files a
directory scan takes, which refs a git scan reads, what an SBOM names, what a package.json makes
a package manager install. Rule: ``evil`` (and ``@evil/x``) ``=1.0.1``; each case a tiny
hand-made input run end to end through ``gouvernante.cli.main``: the compromised release is
found (exit 2) or the input refused (exit 1), never a CLEAN (exit 0), and what a package manager
would not install is no finding.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitsrc.gitrepo import Repo, mirror
from gouvernante.cli import main
from gouvernante.fs.read import MAX_LOCKFILE_BYTES
from gouvernante.sources.git import list_refs, read_ref_files, repository_at
from helpers import compromised_rules

RULES = compromised_rules("HUNT-1", ("evil", "=1.0.1"), ("@evil/x", "=1.0.1"))

CLEAN, ERROR, FINDINGS = 0, 1, 2


def _rules(tmp_path: Path) -> str:
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(RULES), encoding="utf-8")
    return str(path)


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "project"
    for name, text in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return folder


def _scan_dir(tmp_path: Path, files: dict[str, str], *flags: str) -> int:
    folder = _project(tmp_path, files)
    return main(["-rules", _rules(tmp_path), "-dir", str(folder), *flags])


def _lock(*packages: tuple[str, str]) -> str:
    """A minimal npm v3 lockfile of a project depending on ``packages``."""
    entries: dict[str, object] = {
        "": {"name": "app", "version": "1.0.0", "dependencies": {n: v for n, v in packages}}
    }
    for name, version in packages:
        base = name.rsplit("/", 1)[-1]
        entries[f"node_modules/{name}"] = {
            "version": version,
            "resolved": f"https://registry.npmjs.org/{name}/-/{base}-{version}.tgz",
            "integrity": "sha512-" + "A" * 86,
        }
    doc = {"name": "app", "version": "1.0.0", "lockfileVersion": 3, "packages": entries}
    return json.dumps(doc)


def _manifest(**fields: object) -> str:
    return json.dumps({"name": "app", "version": "1.0.0", **fields})


# --------------------------------------------------------------------------------------------
# package.json: what an override, a resolution or an npm: spec makes a package manager install


@pytest.mark.parametrize(
    "fields",
    [
        # pnpm and yarn apply an override to a direct dependency too
        {"dependencies": {"evil": "1.0.0"}, "pnpm": {"overrides": {"evil": "1.0.1"}}},
        {"dependencies": {"evil": "1.0.0"}, "resolutions": {"evil": "1.0.1"}},
        {"resolutions": {"**/@evil/x": "1.0.1"}},
        {"resolutions": {"foo/evil": "^1.0.0"}},
        {"resolutions": {"evil@npm:1.0.0": "npm:1.0.1"}},
        # npm (and bun) overrides: flat, nested below a parent, "." for the parent itself
        {"dependencies": {"foo": "1.0.0"}, "overrides": {"evil": "1.0.1"}},
        {"overrides": {"foo@1": {"evil@1.0.0": "1.0.1"}}},
        {"overrides": {"@evil/x": {".": "1.0.1", "bar": "2.0.0"}}},
        {"overrides": {"good": "npm:evil@1.0.1"}},
        # pnpm selectors: parent>child, a range with '>' inside a selector
        {"pnpm": {"overrides": {"foo@>1>evil@<1.0.1": "1.0.1"}}},
        {"pnpm": {"overrides": {"evil@>=1.0.0": "1.0.1"}}},
    ],
)
def test_an_override_forcing_a_compromised_version_is_found_without_a_lockfile(
    tmp_path: Path, fields: dict[str, object]
) -> None:
    """It read CLEAN: only the four dependency fields were read."""
    assert _scan_dir(tmp_path, {"package.json": _manifest(**fields)}) == FINDINGS


@pytest.mark.parametrize(
    "fields",
    [
        {"overrides": {"evil": "1.0.0"}},  # pinned to a safe version: the usual mitigation
        {"overrides": {"evil": "$evil"}, "dependencies": {"evil": "1.0.0"}},
        {"pnpm": {"overrides": {"evil": "-"}}},  # pnpm: removed from the tree
        {"overrides": {"evil": "npm:empty-npm-package@1.0.0"}},
        {"resolutions": {"evil-not": "1.0.1"}, "overrides": {"evil": {"foo": "1.0.1"}}},
    ],
)
def test_an_override_to_a_safe_version_or_another_package_is_no_finding(
    tmp_path: Path, fields: dict[str, object]
) -> None:
    assert _scan_dir(tmp_path, {"package.json": _manifest(**fields)}) == CLEAN


def test_an_override_the_lockfile_does_not_install_is_a_note_and_one_it_does_defers(
    tmp_path: Path,
) -> None:
    """With a lockfile the lockfile decides: a package it does not hold is not installed."""
    manifest = _manifest(dependencies={"ok": "^1.0.0"}, overrides={"evil": "1.0.1"})
    assert _scan_dir(tmp_path, {"package.json": manifest, "package-lock.json": _lock()}) == CLEAN
    clean = {"package.json": manifest, "package-lock.json": _lock(("evil", "1.0.0"))}
    assert _scan_dir(tmp_path / "b", clean) == CLEAN
    bad = {"package.json": manifest, "package-lock.json": _lock(("evil", "1.0.1"))}
    assert _scan_dir(tmp_path / "c", bad) == FINDINGS


@pytest.mark.parametrize(
    "dependencies",
    [
        {"x": "NPM:evil@1.0.1"},  # npm-package-arg lowercases the prefix
        {"x": "Npm:@evil/x@^1.0.0"},
        {"evil": "npm:1.0.1"},  # yarn berry: the npm protocol with the key's own range
        {"@evil/x": "npm:^1.0.0"},
    ],
)
def test_npm_protocol_specs_npm_or_berry_reads_are_found(
    tmp_path: Path, dependencies: dict[str, str]
) -> None:
    """Both read CLEAN: a case-sensitive ``npm:`` prefix, and ``npm:<range>`` taken for an
    alias of a package named like the range."""
    assert _scan_dir(tmp_path, {"package.json": _manifest(dependencies=dependencies)}) == FINDINGS


def test_a_key_given_twice_reads_as_each_package_manager_reads_it(tmp_path: Path) -> None:
    """npm reads package.json with JSON.parse (the last of a repeated key wins); bun 1.4.5 the
    first of a dependency (decision 0058): either reading's evil@1.0.1 is a finding."""
    last_bad = '{"name": "a", "dependencies": {}, "dependencies": {"evil": "1.0.1"}}'
    assert _scan_dir(tmp_path, {"package.json": last_bad}) == FINDINGS
    first_bad = '{"name": "a", "dependencies": {"evil": "1.0.1", "evil": "2.0.0"}}'
    assert _scan_dir(tmp_path / "b", {"package.json": first_bad}) == FINDINGS
    both_good = '{"name": "a", "dependencies": {"evil": "2.0.0", "evil": "2.0.1"}}'
    assert _scan_dir(tmp_path / "c", {"package.json": both_good}) == CLEAN


# --------------------------------------------------------------------------------------------
# -dir: every file a package manager reads as its lockfile is taken, whatever its spelling

_PNPM9_EVIL = """lockfileVersion: '9.0'

importers:

  .:
    dependencies:
      evil:
        specifier: ^1.0.0
        version: 1.0.1

packages:

  evil@1.0.1:
    resolution: {integrity: sha512-AAAA}

snapshots:

  evil@1.0.1: {}
"""


@pytest.mark.parametrize(
    ("name", "text"),
    [
        # another case: what npm opens as package-lock.json on macOS and Windows (read CLEAN)
        ("Package-Lock.json", _lock(("evil", "1.0.1"))),
        ("NPM-SHRINKWRAP.JSON", _lock(("@evil/x", "1.0.1"))),
        ("PNPM-Lock.yaml", _PNPM9_EVIL),
        # pnpm's git branch lockfiles (gitBranchLockfile: feature/1 -> feature!1) (read CLEAN)
        ("pnpm-lock.feature!1.yaml", _PNPM9_EVIL),
        ("pnpm-lock.release-2.0.yaml", _PNPM9_EVIL),
    ],
)
def test_a_lockfile_under_a_name_a_package_manager_reads_is_scanned(
    tmp_path: Path, name: str, text: str
) -> None:
    files = {"package.json": _manifest(dependencies={"ok": "^1.0.0"}), f"web/{name}": text}
    assert _scan_dir(tmp_path, files, "-recursive") == FINDINGS


def test_files_no_package_manager_reads_are_not_lockfiles(tmp_path: Path) -> None:
    evil = _lock(("evil", "1.0.1"))
    files = {
        "package-lock.json.bak": evil,
        "pnpm-lock.yaml.orig": _PNPM9_EVIL,
        "pnpm-lock..yaml": _PNPM9_EVIL,
        "my-package-lock.json": evil,
        "package.json": _manifest(),
    }
    assert _scan_dir(tmp_path, files) == CLEAN


def test_npm_shrinkwrap_beside_package_lock_is_read_too(tmp_path: Path) -> None:
    """npm installs from npm-shrinkwrap.json when both exist: both are read, so a clean
    package-lock.json never hides it."""
    files = {
        "package-lock.json": _lock(("ok", "1.0.0")),
        "npm-shrinkwrap.json": _lock(("evil", "1.0.1")),
    }
    assert _scan_dir(tmp_path, files) == FINDINGS


def test_a_lockfile_over_the_size_limit_is_an_error_not_a_skip(tmp_path: Path) -> None:
    folder = _project(tmp_path, {"package.json": _manifest()})
    with (folder / "package-lock.json").open("wb") as fh:
        fh.truncate(MAX_LOCKFILE_BYTES + 1)  # sparse: refused by its size, never read
    assert main(["-rules", _rules(tmp_path), "-dir", str(folder)]) == ERROR


# --------------------------------------------------------------------------------------------
# SBOMs (inventory add -sbom, then -inventory): every npm component named is read, or refused


def _scan_sbom(tmp_path: Path, doc: dict[str, object]) -> int:
    sbom = tmp_path / "bom.json"
    sbom.write_text(json.dumps(doc), encoding="utf-8")
    db = str(tmp_path / "inventory.sqlite")
    assert main(["inventory", "add", "-db", db, "-sbom", str(sbom)]) == CLEAN
    return main(["-rules", _rules(tmp_path), "-inventory", db])


def _cdx(**fields: object) -> dict[str, object]:
    return {"bomFormat": "CycloneDX", "specVersion": "1.5", **fields}


def _spdx(packages: list[dict[str, object]], **fields: object) -> dict[str, object]:
    doc: dict[str, object] = {
        "SPDXID": "SPDXRef-DOCUMENT",
        "spdxVersion": "SPDX-2.3",
        "creationInfo": {"creators": ["Tool: hand-made"]},
        "packages": packages,
    }
    return {**doc, **fields}


def _ref(purl: str, kind: str = "purl") -> dict[str, str]:
    return {"referenceCategory": "PACKAGE-MANAGER", "referenceType": kind, "referenceLocator": purl}


_SUBJECT = {"bom-ref": "app", "name": "app", "purl": "pkg:npm/app@1.0.0"}


@pytest.mark.parametrize(
    "doc",
    [
        # components nested in the subject (read CLEAN: only the BOM's components were walked)
        _cdx(metadata={"component": {**_SUBJECT, "components": [{"purl": "pkg:npm/evil@1.0.1"}]}}),
        # another package given the subject's bom-ref (read CLEAN: skipped as the subject)
        _cdx(
            metadata={"component": _SUBJECT},
            components=[{"bom-ref": "app", "name": "x", "purl": "pkg:npm/%40evil/x@1.0.1"}],
        ),
        # SPDX: a package sharing the described package's SPDXID (read CLEAN: skipped)
        _spdx(
            [
                {"SPDXID": "SPDXRef-app", "name": "app", "externalRefs": [_ref("pkg:npm/app@1")]},
                {
                    "SPDXID": "SPDXRef-app",
                    "name": "x",
                    "externalRefs": [_ref("pkg:npm/evil@1.0.1")],
                },
            ],
            documentDescribes=["SPDXRef-app"],
        ),
        # SPDX: the reference type spelled in capitals (read CLEAN: "no package URL")
        _spdx(
            [
                {
                    "SPDXID": "SPDXRef-x",
                    "name": "x",
                    "externalRefs": [_ref("pkg:npm/evil@1.0.1", "PURL")],
                }
            ]
        ),
        # held before: encodings and parts of a purl
        _cdx(components=[{"purl": "pkg:NPM/%40evil/x@1.0.1?repository_url=https%3A%2F%2Fr#lib/a"}]),
        _cdx(components=[{"purl": "pkg:npm/%40evil%2Fx@1.0.1"}]),
        _cdx(components=[{"name": "other", "version": "9.9.9", "purl": "pkg:npm/evil@1.0.1"}]),
        _cdx(
            components=[
                {"purl": "pkg:npm/ok@1.0.0", "components": [{"purl": "pkg:npm/evil@1.0.1"}]}
            ]
        ),
    ],
)
def test_an_sbom_naming_a_compromised_release_finds_it(
    tmp_path: Path, doc: dict[str, object]
) -> None:
    assert _scan_sbom(tmp_path, doc) == FINDINGS


def test_the_subject_listed_again_is_still_not_a_package(tmp_path: Path) -> None:
    """The project the SBOM describes is its root, not a registry release: listed again among
    the components (same bom-ref, same purl) it is still skipped."""
    subject = {"bom-ref": "evil", "name": "evil", "purl": "pkg:npm/evil@1.0.1"}
    doc = _cdx(metadata={"component": subject}, components=[subject])
    assert _scan_sbom(tmp_path, doc) == CLEAN


# --------------------------------------------------------------------------------------------
# -git: what a checkout of the repository would install is read, whichever ref leads to it


def _repo_with_evil_off_branch(tmp_path: Path) -> tuple[Repo, str]:
    """main locks ok@1.0.0; a commit no branch or tag points at locks evil@1.0.1."""
    r = Repo(tmp_path / "repo")
    r.write("package-lock.json", _lock(("ok", "1.0.0")))
    r.commit("clean")
    r.write("package-lock.json", _lock(("evil", "1.0.1")))
    evil = r.commit("evil")
    r.git("reset", "-q", "--hard", "HEAD~1")
    return r, evil


def _scan_git(tmp_path: Path, path: Path, *flags: str) -> int:
    return main(["-rules", _rules(tmp_path), "-git", str(path), *flags])


def test_a_symbolic_branch_to_a_ref_outside_the_namespaces_is_read(tmp_path: Path) -> None:
    """``refs/heads/feature`` -> ``refs/other/evil``: ``git checkout feature`` installs evil;
    symbolic refs were all skipped as "listed under their target" (CLEAN)."""
    r, evil = _repo_with_evil_off_branch(tmp_path)
    r.git("update-ref", "refs/other/evil", evil)
    r.git("symbolic-ref", "refs/heads/feature", "refs/other/evil")
    assert _scan_git(tmp_path, r.path) == FINDINGS
    bare = mirror(r.path, tmp_path / "mirror.git")  # a mirror resolves it: a plain branch there
    assert _scan_git(tmp_path, bare, "-ref", "feature") == FINDINGS


def test_a_detached_head_of_a_clone_is_read(tmp_path: Path) -> None:
    """A CI checkout of a commit, or a clone left on one: what the work tree installs (CLEAN
    before: only branches and tags were read). Read by git's listing and by the ref files."""
    r, evil = _repo_with_evil_off_branch(tmp_path)
    r.git("checkout", "-q", "--detach", evil)
    assert _scan_git(tmp_path, r.path) == FINDINGS
    assert _scan_git(tmp_path, r.path, "-ref", "HEAD") == FINDINGS
    assert _scan_git(tmp_path, r.path, "-ref", "main") == CLEAN
    repo = repository_at(str(r.path), "repo")
    assert repo is not None
    files = read_ref_files(repo)
    assert files is not None and ("HEAD", evil, None) in files
    assert [h.short for h in list_refs(repo, (), [])] == ["main", "HEAD"]


def test_head_pointing_outside_the_namespaces_is_read(tmp_path: Path) -> None:
    r, evil = _repo_with_evil_off_branch(tmp_path)
    r.git("update-ref", "refs/other/evil", evil)
    r.git("symbolic-ref", "HEAD", "refs/other/evil")
    assert _scan_git(tmp_path, r.path) == FINDINGS


def test_head_on_a_branch_or_on_its_commit_adds_no_ref(tmp_path: Path) -> None:
    """No second reading of the same commit: an attached HEAD, a detached one where a branch
    stands, an unborn branch."""
    r, _evil = _repo_with_evil_off_branch(tmp_path)
    repo = repository_at(str(r.path), "repo")
    assert repo is not None
    assert [h.short for h in list_refs(repo, (), [])] == ["main"]
    r.git("checkout", "-q", "--detach", "main")
    assert [h.short for h in list_refs(repo, (), [])] == ["main"]
    assert [n for n, _o, _p in read_ref_files(repo) or ()] == ["refs/heads/main"]
    r.git("checkout", "-q", "--orphan", "unborn")
    assert [h.short for h in list_refs(repo, (), [])] == ["main"]


def test_a_lockfile_stored_as_a_git_lfs_pointer_is_an_error(tmp_path: Path) -> None:
    """Without the LFS object the blob is a pointer: an error naming the file, never 0
    packages."""
    r = Repo(tmp_path / "repo")
    pointer = (
        "version https://git-lfs.github.com/spec/v1\n"
        "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
        "size 12345\n"
    )
    for name in ("package-lock.json", "pnpm-lock.yaml", "yarn.lock", "bun.lock", "package.json"):
        r.write(f"{name.replace('.', '-')}/{name}", pointer)
    r.commit("lfs pointers")
    assert _scan_git(tmp_path, r.path) == ERROR


def test_refs_asked_for_that_do_not_exist_are_an_error_not_a_clean(tmp_path: Path) -> None:
    """``-ref mian`` (a typo) scanned nothing and said CLEAN; so did an inventory asked about a
    time before its first record. A repository with no ref at all is still a note."""
    r = Repo(tmp_path / "repo")
    r.write("package-lock.json", _lock(("evil", "1.0.1")))
    r.commit("evil")
    assert _scan_git(tmp_path, r.path, "-ref", "mian") == ERROR
    assert _scan_git(tmp_path, r.path, "-ref", "main") == FINDINGS
    db = str(tmp_path / "inventory.sqlite")
    assert main(["inventory", "add", "-db", db, "-git", str(r.path)]) == CLEAN
    rules = _rules(tmp_path)
    assert main(["-rules", rules, "-inventory", db, "-ref", "mian"]) == ERROR
    assert main(["-rules", rules, "-inventory", db, "-at", "2001-01-01T00:00:00Z"]) == ERROR
    assert main(["-rules", rules, "-inventory", db]) == FINDINGS
    empty = Repo(tmp_path / "empty")
    assert _scan_git(tmp_path, empty.path) == CLEAN


def test_an_override_finding_does_not_say_the_package_is_direct(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An override forces a version wherever the package is in the tree: whether it is a direct
    dependency is not known from the manifest (``direct`` unknown); a declared dependency is."""
    manifest = _manifest(dependencies={"@evil/x": "1.0.1"}, overrides={"evil": "1.0.1"})
    capsys.readouterr()
    code = _scan_dir(tmp_path, {"package.json": manifest}, "-json")
    report = json.loads(capsys.readouterr().out)
    assert code == FINDINGS
    direct = {f["package"]: f.get("direct") for f in report["findings"]}
    assert direct == {"evil": None, "@evil/x": True}
