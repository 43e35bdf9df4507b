"""Installed packages that are not the registry release of their name and version.

Fixtures: ``fixtures/local-copies`` (``generate.sh``: pnpm 10.34.9 and 9.15.9 with
node-linker=hoisted and an injected workspace member, npm 11, yarn 1.22.22 and 4.18.1, bun
1.4.5, each with ``file:`` tarballs and a ``file:`` folder beside registry releases of the same
names). A copy the package manager's record says came from the project itself (pnpm's
``.modules.yaml`` hoistedLocations, npm's hidden lockfile ``resolved: file:``, yarn berry's
install state locator, yarn 1's ``.yarn-integrity`` patterns) is not matched by name and version
(a note says so); a registry release of the same name beside it still is. Git keeps no times:
every folder is dated at the install, the records a minute later, as the tools leave them.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from gouvernante.host.install_state import HIDDEN_LOCKFILE, PNPM_STATE, YARN_STATE
from gouvernante.host.installed import scan_tree
from gouvernante.host.reader import Collector
from gouvernante.rules.index import build_index
from helpers import compromised_rules, docker_save, scan_report
from host import conftest as h

FIXTURES = Path(__file__).parent / "fixtures" / "local-copies"
T_INSTALL = 1_700_000_000  # every folder and file
# npm writes its hidden lockfile last. Setting a folder's times sets its status change time to
# now, which the record must not be older than (``install_state.changed_ns``): it is dated after
# the whole test run, within the day of slack any record gets (and set after every folder, its
# own status change time is later than theirs: ``install_state.written_ns``).
T_RECORD = int(time.time()) + 6 * 3600
RECORDS = (HIDDEN_LOCKFILE, PNPM_STATE, YARN_STATE, ".yarn-integrity")
RULES = (
    ("is-number", "=7.0.0 || =6.0.0"),
    ("kind-of", "=6.0.3"),
    ("is-even", "=1.0.0"),
    ("ms", "=2.1.2"),
)
REGISTRY = {"is-number@6.0.0 node_modules/is-odd/node_modules/is-number"}
ALIAS = {"ms@2.1.2 node_modules/my-ms"}  # npm:ms@2.1.2: the registry's ms, under another name
# (found, noted) per case; what each folder holds was checked against the tool's own record
# and lockfile when generated
# The file: tarballs (vendor/is-number-7.0.0.tgz, the registry's own; kind-of-6.0.3-fake.tgz,
# another package.json under that name) are matched by name and version wherever installed: a
# packed tarball may be the affected release's copy (decision 0072). The file: folder
# (vendor/is-even) and pnpm's injected workspace member are the project's code: noted.
TARBALLS = {"is-number@7.0.0 node_modules/is-number", "kind-of@6.0.3 node_modules/kind-of"}
EXPECTED: dict[str, tuple[set[str], set[str]]] = {
    "pnpm10-hoisted": (
        REGISTRY | TARBALLS,  # (is-number 7.0.0 at the top is app2's, from the registry)
        {"packages/app1/node_modules/is-number"},
    ),
    "npm11": (REGISTRY | ALIAS | TARBALLS, {"node_modules/is-even"}),
    "yarn4": (REGISTRY | ALIAS | TARBALLS, {"node_modules/is-even"}),
    "yarn1": (REGISTRY | ALIAS | TARBALLS, {"node_modules/is-even"}),
    # bun keeps no record of where a folder came from: matched as before
    "bun": (
        REGISTRY
        | ALIAS
        | {
            "is-number@7.0.0 node_modules/is-number",
            "kind-of@6.0.3 node_modules/kind-of",
            "is-even@1.0.0 node_modules/is-even",
        },
        set(),
    ),
}
EXPECTED["pnpm9-hoisted"] = EXPECTED["pnpm10-hoisted"]
# the copy each record names (a folder, not a tarball): folder, release
FOLDER_COPY = {
    "pnpm10-hoisted": ("packages/app1/node_modules/is-number", "is-number@7.0.0"),
    "pnpm9-hoisted": ("packages/app1/node_modules/is-number", "is-number@7.0.0"),
    "npm11": ("node_modules/is-even", "is-even@1.0.0"),
    "yarn4": ("node_modules/is-even", "is-even@1.0.0"),
    "yarn1": ("node_modules/is-even", "is-even@1.0.0"),
}


def _installed(tmp_path: Path, case: str) -> Path:
    project = tmp_path / case
    shutil.copytree(FIXTURES / case, project, symlinks=True)
    records: list[str] = []
    for dirpath, dirnames, filenames in os.walk(project):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            if name in RECORDS:
                records.append(path)
            elif not os.path.islink(path):
                os.utime(path, (T_INSTALL, T_INSTALL))
    for path in records:  # (written last, as the tools do: dated after every folder's change)
        os.utime(path, (T_RECORD, T_RECORD))
    return project


def _trees(project: Path) -> list[Path]:
    """Every top ``node_modules`` of the project (a workspace member's too)."""
    return sorted(p for p in project.rglob("node_modules") if "node_modules" not in p.parent.parts)


def _scan(project: Path) -> tuple[set[str], set[str], Collector]:
    rules = tuple(h.make_rule(f"R-{i}", [pkg]) for i, pkg in enumerate(RULES))
    collector = Collector(build_index(rules))
    for tree in _trees(project):
        scan_tree(str(tree), collector, where="test")
    found = {
        f"{f.package}@{f.version} {Path(f.path or '').relative_to(project).as_posix()}"
        for f in collector.findings
    }
    noted = {
        Path(n.path).relative_to(project).as_posix()
        for n in collector.notes
        if "is installed here from the project itself" in n.message
    }
    return found, noted, collector


def test_every_case_is_checked() -> None:
    assert sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()) == sorted(EXPECTED)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_local_copies_are_told_from_registry_releases(tmp_path: Path, case: str) -> None:
    found, noted, collector = _scan(_installed(tmp_path, case))
    assert (found, noted) == EXPECTED[case]
    assert collector.errors == []
    for note in collector.notes:  # each names the record that says so
        if "from the project itself" in note.message:
            assert any(f"{os.sep}node_modules{os.sep}{r} " in note.message for r in RECORDS)


@pytest.mark.parametrize("case", ["pnpm10-hoisted", "pnpm9-hoisted", "npm11", "yarn4", "yarn1"])
def test_a_folder_changed_after_the_record_is_matched(tmp_path: Path, case: str) -> None:
    """The record says what was installed then: a folder changed since (replaced, or
    re-extracted by hand) is read as any other, so its affected release is found."""
    project = _installed(tmp_path, case)
    folder, release = FOLDER_COPY[case]
    os.utime(project / folder, (T_RECORD + 1, T_RECORD + 1))
    found, noted, _ = _scan(project)
    assert f"{release} {folder}" in found
    assert folder not in noted


def test_a_record_naming_another_package_is_not_believed(tmp_path: Path) -> None:
    """npm's record says a folder holds a file: copy of ``other``; its package.json says
    is-even 1.0.0: the two disagree, the finding stays."""
    project = _installed(tmp_path, "npm11")
    hidden = project / "node_modules" / HIDDEN_LOCKFILE
    doc = json.loads(hidden.read_text())
    doc["packages"]["node_modules/is-even"]["name"] = "other"
    hidden.write_text(json.dumps(doc))
    os.utime(hidden, (T_RECORD, T_RECORD))
    found, noted, _ = _scan(project)
    assert "is-even@1.0.0 node_modules/is-even" in found
    assert "node_modules/is-even" not in noted


def test_a_pnpm_folder_listed_for_a_registry_release_too_is_matched(tmp_path: Path) -> None:
    """pnpm's hoistedLocations give app1's is-number under the injected workspace member and
    under a registry release: contradictory, so the folder is read as the registry's."""
    project = _installed(tmp_path, "pnpm10-hoisted")
    modules = project / "node_modules" / PNPM_STATE
    doc = json.loads(modules.read_text())
    folder = "packages/app1/node_modules/is-number"
    doc["hoistedLocations"]["is-number@7.0.0"].append(folder)
    modules.write_text(json.dumps(doc))
    os.utime(modules, (T_RECORD, T_RECORD))
    found, noted, _ = _scan(project)
    assert f"is-number@7.0.0 {folder}" in found
    assert folder not in noted


def test_a_record_that_does_not_decode_believes_nothing(tmp_path: Path) -> None:
    project = _installed(tmp_path, "pnpm9-hoisted")
    modules = project / "node_modules" / PNPM_STATE
    modules.write_text("hoistedLocations: [unclosed\n")
    os.utime(modules, (T_RECORD, T_RECORD))
    found, noted, _ = _scan(project)
    assert noted == set()
    assert "kind-of@6.0.3 node_modules/kind-of" in found
    assert "is-number@7.0.0 packages/app1/node_modules/is-number" in found


# The same projects' lockfiles: a file: folder or workspace is never matched by name and
# version, a file: tarball is, saying so (decision 0072); bun.lock records no version of a local
# tarball (bun's reader once took it from the file's name), so it is a note; and a rule's
# integrity hash matches the tarball it names (npm, pnpm and bun record it; yarn does not: yarn 1
# keeps a sha1 in the resolution's fragment, berry its own checksum).
LOCKED_TARBALLS = {"is-number@7.0.0", "kind-of@6.0.3"}  # file: tarballs (decision 0072)
LOCKED = {
    "pnpm10-hoisted": {"is-number@6.0.0", "is-number@7.0.0", "kind-of@6.0.3"},
    "npm11": {"is-number@6.0.0", "ms@2.1.2"} | LOCKED_TARBALLS,
    "yarn1": {"is-number@6.0.0", "ms@2.1.2"} | LOCKED_TARBALLS,
    "yarn4": {"is-number@6.0.0", "ms@2.1.2"} | LOCKED_TARBALLS,
    "bun": {"is-number@6.0.0", "ms@2.1.2"},  # bun records no version of a local tarball
}
LOCKED["pnpm9-hoisted"] = LOCKED["pnpm10-hoisted"]
# `npm view is-number@7.0.0 dist.integrity`, the tarball vendor/is-number-7.0.0.tgz holds
IS_NUMBER_7 = (
    "sha512-41Cifkg6e8TylSpdtTpeLVMqvSBEVzTttHvERD741+pnZ8ANv0004MRL43QKPDlK9cGvNp6NZWZUBlbGXYxx"
    "ng=="
)


def _rule_file(integrity: list[str] | None = None) -> dict[str, object]:
    doc = compromised_rules("LOCAL-1", *RULES)
    if integrity:
        doc["rules"][0]["integrity"] = integrity
    return doc


@pytest.mark.parametrize("case", sorted(LOCKED))
def test_the_lockfiles_agree(tmp_path: Path, case: str) -> None:
    project = _installed(tmp_path, case)
    code, report = scan_report(tmp_path, _rule_file(), "-dir", str(project), "-recursive")
    assert report["errors"] == []
    assert {f"{f['package']}@{f['version']}" for f in report["findings"]} == LOCKED[case]
    assert code == 2
    # each file: tarball a rule names is a finding that says so; bun's, without a version, is
    # a note
    from_tarball = {
        f["package"]
        for f in report["findings"]
        if "locked from a local tarball" in f["description"]
    }
    noted = {
        name
        for n in report["notes"]
        if "locked from a local tarball" in n["message"]
        for name in ("is-number", "kind-of")
        if n["message"].partition(": ")[2].startswith(name)
    }
    if case == "bun":
        assert (from_tarball, noted) == (set(), {"is-number", "kind-of"})
    else:
        assert noted == set()
        assert from_tarball == ({"kind-of"} if "pnpm" in case else {"is-number", "kind-of"})


@pytest.mark.parametrize("case", ["npm11", "bun"])
def test_a_local_tarball_of_a_listed_hash_is_found_by_it(tmp_path: Path, case: str) -> None:
    """vendor/is-number-7.0.0.tgz is the registry's tarball: a rule listing its integrity
    finds it, whatever the entry's name and version say."""
    project = _installed(tmp_path, case)
    _, report = scan_report(tmp_path, _rule_file([IS_NUMBER_7]), "-dir", str(project), "-recursive")
    by_hash = [f for f in report["findings"] if f["match"] == "integrity"]
    assert [f["package"] for f in by_hash] == ["is-number"]


def _layer(case: str) -> dict[str, bytes]:
    root = FIXTURES / case
    return {
        f"app/{p.relative_to(root).as_posix()}": p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def _image_found(tmp_path: Path, layers: list[dict[str, bytes]]) -> tuple[set[str], set[str]]:
    image = docker_save(tmp_path / "image.tar", layers)
    _, report = scan_report(tmp_path, _rule_file(), "-image", str(image))
    assert report["errors"] == []
    found = {
        f"{f['package']}@{f['version']} {f['path'].removeprefix('/app/')}"
        for f in report["findings"]
        if f["type"] == "installed_package"
    }
    noted = {
        n["path"].partition(":/app/")[2]
        for n in report["notes"]
        if "is installed here from the project itself" in n["message"]
    }
    return found, noted


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_an_image_reads_the_records_as_the_host_does(tmp_path: Path, case: str) -> None:
    """The same trees in a container image: the records in its layers tell the same copies
    (a record written by the layer of the package.json or a later one)."""
    assert _image_found(tmp_path, [_layer(case)]) == EXPECTED[case]


def test_an_image_layer_rewriting_a_package_after_the_record_is_matched(tmp_path: Path) -> None:
    """A later layer that writes node_modules/is-even/package.json again: the record (of an
    earlier layer) says nothing of what that layer put there."""
    first = _layer("npm11")
    manifest = "app/node_modules/is-even/package.json"
    later = {manifest: first[manifest]}
    found, noted = _image_found(tmp_path, [first, later])
    assert "is-even@1.0.0 node_modules/is-even" in found
    assert "node_modules/is-even" not in noted
