"""Packages vendored inside an installed package (pnpm's ``dist/node_modules``, npm's bundled
trees, a ``vendor/`` copy, a bundled dependency's own bundle) are installed packages for
``-host`` as they are for ``-image``: any ``node_modules/<name>/package.json`` (and
``node_modules/@scope/<name>/package.json``) at any depth under a scanned tree, symlinks never
followed (decision 0050).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gouvernante.host import installed
from gouvernante.host.checks import run_host_scan
from gouvernante.host.context import HostContext
from gouvernante.host.install_state import HIDDEN_LOCKFILE, PNPM_STATE
from gouvernante.host.installed import scan_tree
from gouvernante.host.reader import Collector
from gouvernante.image.scan import installed_folder
from gouvernante.rules.index import build_index
from gouvernante.rules.model import OperatingSystem
from host import conftest as h

EVIL = h.make_rule("R-EVIL", [("evil", "=1.0.1"), ("@s/evil", "=1.0.1")])

# Where bundled trees sit in real packages (pnpm: dist/node_modules; npm 6: node_modules inside
# lib/ of some tools; vendored copies), and deeper.
VENDORED = [
    "tool/dist/node_modules/evil",
    "tool/lib/node_modules/evil",
    "tool/vendor/node_modules/evil",
    "tool/dist/a/b/c/d/node_modules/evil",
    "tool/dist/node_modules/@s/evil",
    "@scope/tool/dist/node_modules/evil",
    # a bundled dependency's own bundle, and its nested node_modules
    "tool/dist/node_modules/inner/lib/node_modules/evil",
    "tool/dist/node_modules/inner/node_modules/evil",
]


def _scan(root: Path) -> tuple[list[str], int, list[str]]:
    collector = Collector(build_index((EVIL,)))
    scan_tree(str(root), collector, where="test")
    found = sorted(os.path.relpath(f.path or "", root) for f in collector.findings)
    errors = [e.path for e in collector.errors]
    return found, collector.installed, errors


@pytest.mark.parametrize("where", VENDORED)
def test_a_package_vendored_in_a_package_subfolder_is_found(tmp_path: Path, where: str) -> None:
    nm = tmp_path / "node_modules"
    top = "@scope/tool" if where.startswith("@scope/") else "tool"
    h.write_package(nm / top, top, "1.0.0")
    name = "@s/evil" if "/@s/" in where else "evil"
    h.write_package(nm / where, name, "1.0.1")
    (nm / where / "lib").mkdir()
    found, _count, errors = _scan(nm)
    assert found == [where]
    assert errors == []


def test_a_package_vendored_in_a_package_npm_vouches_for_is_found(tmp_path: Path) -> None:
    """npm's hidden lockfile vouches for tool (not read), never for files under it: a folder
    deep in a package changes no date npm's record is checked against."""
    nm = tmp_path / "node_modules"
    h.write_package(nm / "tool", "tool", "1.0.0")
    h.write_package(nm / "tool" / "dist" / "node_modules" / "evil", "evil", "1.0.1")
    record = {"packages": {"node_modules/tool": {"version": "1.0.0"}}}
    (nm / HIDDEN_LOCKFILE).write_text(json.dumps(record))
    for path in (nm / "tool", nm / "tool" / "dist"):
        os.utime(path, (1_700_000_000, 1_700_000_000))
    found, count, _errors = _scan(nm)
    assert found == ["tool/dist/node_modules/evil"]
    assert count == 2


def test_a_package_vendored_in_a_pnpm_store_package_is_found(tmp_path: Path) -> None:
    """pnpm's store names its packages by folder (tool is not read), not what they carry."""
    nm = tmp_path / "node_modules"
    (nm / PNPM_STATE).parent.mkdir(parents=True)
    (nm / PNPM_STATE).write_text("layoutVersion: 5\nvirtualStoreDir: .pnpm\n")
    tool = nm / ".pnpm" / "tool@1.0.0" / "node_modules" / "tool"
    h.write_package(tool, "tool", "1.0.0")
    h.write_package(tool / "dist" / "node_modules" / "evil", "evil", "1.0.1")
    dep = nm / ".pnpm" / "tool@1.0.0" / "node_modules" / "tool" / "node_modules" / "@s" / "evil"
    h.write_package(dep, "@s/evil", "1.0.1")
    found, count, _errors = _scan(nm)
    rel = ".pnpm/tool@1.0.0/node_modules/tool"
    assert found == [f"{rel}/dist/node_modules/evil", f"{rel}/node_modules/@s/evil"]
    assert count == 3


@pytest.mark.parametrize(
    "where",
    [
        ".cache/x/node_modules/evil",  # a dot-folder of node_modules (not a package itself)
        ".pnpm/node_modules/evil",  # pnpm's hoisting folder holding a real folder
        ".pnpm/evil@1.0.1/node_modules/evil",
        ".store/evil@1.0.1-abc/node_modules/evil",
        ".store/@s/evil@1.0.1-abc/node_modules/@s/evil",
        "@s/.hidden/node_modules/evil",
    ],
)
def test_packages_under_dot_folders_are_found_as_image_finds_them(
    tmp_path: Path, where: str
) -> None:
    nm = tmp_path / "node_modules"
    name = "@s/evil" if where.endswith("@s/evil") else "evil"
    h.write_package(nm / where, name, "1.0.1")
    assert installed_folder(f"node_modules/{where}/package.json") == name
    found, _count, _errors = _scan(nm)
    assert found == [where]


def test_not_a_package_place_is_not_read(tmp_path: Path) -> None:
    """package.json files that are not at node_modules/<name> (a package's test fixture, a
    store id folder, a .cache entry) are not installed packages, here as in -image."""
    nm = tmp_path / "node_modules"
    h.write_package(nm / "tool", "tool", "1.0.0")
    for where in ("tool/test/fixtures/evil", ".cache/evil", ".pnpm/evil@1.0.1", "@s"):
        h.write_package(nm / where, "evil", "1.0.1")
        assert installed_folder(f"node_modules/{where}/package.json") is None
    found, count, _errors = _scan(nm)
    assert found == []
    assert count == 1


def test_symlinked_subfolders_are_not_followed(tmp_path: Path) -> None:
    """A package's folder linked to a tree outside (or to itself): never entered."""
    outside = tmp_path / "outside"
    h.write_package(outside / "node_modules" / "evil", "evil", "1.0.1")
    nm = tmp_path / "proj" / "node_modules"
    h.write_package(nm / "tool", "tool", "1.0.0")
    (nm / "tool" / "dist").symlink_to(outside)
    (nm / "tool" / "loop").symlink_to(nm)
    (nm / "tool" / "lib").mkdir()
    (nm / "tool" / "lib" / "up").symlink_to(nm / "tool")
    found, count, errors = _scan(nm)
    assert (found, count, errors) == ([], 1, [])


def test_an_unreadable_subfolder_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nm = tmp_path / "node_modules"
    h.write_package(nm / "tool", "tool", "1.0.0")
    closed = nm / "tool" / "dist"
    h.write_package(closed / "node_modules" / "evil", "evil", "1.0.1")
    plain_scandir = os.scandir

    def scandir(path: str) -> object:  # as a folder the scanning user may not list
        if path == str(closed):
            raise PermissionError(13, "Permission denied", path)
        return plain_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    _found, _count, errors = _scan(nm)
    assert errors == [str(closed)]


def test_host_scan_of_global_installs_finds_bundled_trees(tmp_path: Path, no_system: str) -> None:
    """The reported case: pnpm installed globally with npm, a compromised release in its
    dist/node_modules; and npm itself with one under lib/."""
    home = tmp_path / "home"
    prefix = home / ".npm-global" / "lib" / "node_modules"
    pnpm = h.write_package(prefix / "pnpm", "pnpm", "9.0.0")
    h.write_package(pnpm / "dist" / "node_modules" / "evil", "evil", "1.0.1")
    npm = h.write_package(prefix / "npm", "npm", "10.0.0")
    h.write_package(npm / "lib" / "vendor" / "node_modules" / "@s" / "evil", "@s/evil", "1.0.1")
    (home / ".npmrc").write_text("prefix=~/.npm-global\n")
    ctx = HostContext(home=str(home), os=OperatingSystem.LINUX, system_root=no_system)
    result = run_host_scan([EVIL], ctx, [])
    assert sorted(os.path.relpath(f.path or "", prefix) for f in result.findings) == [
        "npm/lib/vendor/node_modules/@s/evil",
        "pnpm/dist/node_modules/evil",
    ]


# --- -host sees what -image sees --------------------------------------------------------------

_SEGMENTS = ["node_modules", "evil", "@s", ".pnpm", ".cache", "dist", "lib", "tool", "a@1.0.1"]
# a tree: package.json files at up to 12 random paths of these segments
_TREES = st.lists(
    st.lists(st.sampled_from(_SEGMENTS), min_size=1, max_size=7), min_size=1, max_size=12
)


@pytest.mark.property
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TREES)
def test_host_finds_exactly_the_packages_image_finds(paths: list[list[str]]) -> None:
    """Random trees of package.json files under a node_modules folder: the packages -host reads
    are the places -image's rule (``installed_folder``) calls packages."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        nm = Path(tmp) / "node_modules"
        nm.mkdir()
        want: set[str] = set()
        for parts in paths:
            folder = nm.joinpath(*parts)
            folder.mkdir(parents=True, exist_ok=True)
            rel = "/".join(parts)
            name = installed_folder(f"node_modules/{rel}/package.json")
            manifest = {"name": name or "evil", "version": "1.0.1"}
            (folder / "package.json").write_text(json.dumps(manifest))
        for parts in paths:
            rel = "/".join(parts)
            # a later path may have made this one a folder of another's: the last write decides
            name = installed_folder(f"node_modules/{rel}/package.json")
            if name in ("evil", "@s/evil"):
                want.add(rel)
        # a folder at a package's place named for the rule's package but holding no
        # package.json of its own (only made as a parent of another): its version is unknown
        unread = {
            str(Path(d) / "package.json")
            for d, _, files in os.walk(nm)
            if "package.json" not in files
            and installed_folder(f"node_modules/{os.path.relpath(d, nm)}/package.json")
            in ("evil", "@s/evil")
        }
        found, _count, errors = _scan(nm)
        assert set(errors) == unread
        assert set(found) == want


@pytest.mark.property
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TREES)
def test_link_counts_trusted_or_not_give_the_same_answer(paths: list[list[str]]) -> None:
    """Every folder listed (no device trusted) or the folders without sub-folders skipped by
    their link count: the same packages."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        nm = Path(tmp) / "node_modules"
        for parts in paths:
            h.write_package(nm.joinpath(*parts), "evil", "1.0.1")
            nm.joinpath(*parts, "lib").mkdir(exist_ok=True)
        dev = os.stat(tmp).st_dev
        answers = []
        for devices in (frozenset(), frozenset({dev})):
            with pytest.MonkeyPatch.context() as mp:
                mp.setattr(installed, "exact_link_count_devices", lambda devices=devices: devices)
                answers.append(_scan(nm))
        assert answers[0] == answers[1]


def _exact_link_counts_here(tmp_path: Path) -> bool:
    probe = tmp_path / "probe"
    (probe / "sub").mkdir(parents=True)
    exact = os.stat(probe).st_nlink == 3 and os.stat(probe / "sub").st_nlink == 2
    (probe / "sub").rmdir()
    probe.rmdir()
    return exact


def test_a_folder_without_sub_folders_is_not_listed_where_link_counts_are_exact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not _exact_link_counts_here(tmp_path):
        pytest.skip("this file system does not count sub-folders in links")
    nm = tmp_path / "node_modules"
    tool = h.write_package(nm / "tool", "tool", "1.0.0")
    (tool / "lib").mkdir()
    h.write_package(tool / "dist" / "node_modules" / "evil", "evil", "1.0.1")
    listed: list[str] = []
    plain_scandir = os.scandir

    def scandir(path: str) -> object:
        listed.append(os.path.relpath(path, nm))
        return plain_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    dev = os.stat(tmp_path).st_dev
    monkeypatch.setattr(installed, "exact_link_count_devices", lambda: frozenset({dev}))
    found, _count, _errors = _scan(nm)
    assert found == ["tool/dist/node_modules/evil"]
    # tool/lib and evil hold no folder: not listed
    assert sorted(listed) == [".", "tool", "tool/dist", "tool/dist/node_modules"]


def test_a_link_count_of_two_decides_nothing_on_other_file_systems(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NFS, CIFS and FUSE file systems may give any folder a count of 2: not trusted."""
    nm = tmp_path / "node_modules"
    h.write_package(nm / "tool", "tool", "1.0.0")
    h.write_package(nm / "tool" / "dist" / "node_modules" / "evil", "evil", "1.0.1")
    plain_stat = os.stat

    def stat(path: str, *, follow_symlinks: bool = True) -> object:
        real = plain_stat(path, follow_symlinks=follow_symlinks)
        fields = list(real[:10])
        fields[3] = 2  # st_nlink, as such a file system may give it
        times = {"st_mtime_ns": real.st_mtime_ns, "st_ctime_ns": real.st_ctime_ns}
        return os.stat_result(fields, times)

    monkeypatch.setattr(os, "stat", stat)
    monkeypatch.setattr(installed, "exact_link_count_devices", lambda: frozenset())
    found, _count, _errors = _scan(nm)
    assert found == ["tool/dist/node_modules/evil"]


def test_mount_table_devices_with_exact_link_counts(tmp_path: Path) -> None:
    table = tmp_path / "mountinfo"
    table.write_bytes(
        b"22 27 0:21 / /proc rw,relatime - proc proc rw\n"
        b"27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
        b"30 27 0:40 / /mnt/my\\040share rw - cifs //srv/share rw\n"
        b"31 27 0:41 / /tmp rw shared:5 - tmpfs tmpfs rw\n"
        b"32 27 0:42 / /data rw master:1 - xfs /dev/sdb rw\n"
        b"33 27 0:43 / /var/lib/docker/x rw - overlay overlay rw\n"
        b"34 27 0:44 / /home rw - fuse.sshfs host: rw\n"
        b"35 27 0:45 / /cut rw\n"
        b"36 27 x:46 / /odd rw - ext4 /dev/odd rw\n"
    )
    assert installed.exact_link_count_devices(str(table)) == {
        os.makedev(254, 0),
        os.makedev(0, 41),
        os.makedev(0, 42),
    }
    assert installed.exact_link_count_devices(str(tmp_path / "none")) == frozenset()


def test_payload_hashes_reach_a_vendored_package(tmp_path: Path, no_system: str) -> None:
    """A rule's file_hashes against the files of a package vendored in dist/node_modules (the
    vendoring package's own hash walk leaves every node_modules out)."""
    import hashlib

    from gouvernante.model import MatchKind
    from gouvernante.rules.model import ContentHash, Rule, RuleKind
    from gouvernante.vocab import Severity

    payload = b"/* gouvernante test payload: harmless */\n"
    rule = Rule(
        id="R-HASH",
        title="payload",
        kind=RuleKind.MALICIOUS_PACKAGE,
        ecosystem="npm",
        severity=Severity.CRITICAL,
        package_rules=(),
        source="test.json",
        file_hashes=(ContentHash(hashlib.sha256(payload).hexdigest()),),
    )
    proj = tmp_path / "proj"
    h.write_package(proj / "node_modules" / "tool", "tool", "1.0.0")
    evil = h.write_package(
        proj / "node_modules" / "tool" / "dist" / "node_modules" / "evil", "evil", "1.0.1"
    )
    (evil / "bundle.js").write_bytes(payload)
    (tmp_path / "home").mkdir()
    ctx = HostContext(home=str(tmp_path / "home"), os=OperatingSystem.LINUX, system_root=no_system)
    result = run_host_scan([rule], ctx, [str(proj)])
    hits = [(f.package, f.path) for f in result.findings if f.match is MatchKind.HASH]
    assert hits == [("evil", str(evil / "bundle.js"))]


# --- global places holding package managers and node versions --------------------------------


def _plant(root: Path) -> str:
    """A package manager's package at ``root`` carrying evil@1.0.1 in dist/node_modules."""
    h.write_package(root, "pnpm", "9.0.0")
    return str(h.write_package(root / "dist" / "node_modules" / "evil", "evil", "1.0.1"))


def test_linux_package_manager_and_node_version_folders(tmp_path: Path, no_system: str) -> None:
    home = tmp_path / "home"
    sysroot = Path(no_system)
    want = {
        # corepack (v1/<name>/<version>/, and the unversioned layout of older corepack)
        _plant(home / ".cache" / "node" / "corepack" / "v1" / "pnpm" / "9.0.0"),
        _plant(home / ".cache" / "node" / "corepack" / "yarn" / "1.22.22"),
        # volta's package managers, and a package volta installed
        _plant(home / ".volta" / "tools" / "image" / "pnpm" / "9.0.0"),
        _plant(home / ".volta" / "tools" / "image" / "npm" / "10.0.0"),
        _plant(home / ".volta/tools/image/packages/x/lib/node_modules/x"),
        # pnpm env use, pnpm's own versions
        _plant(home / ".local/share/pnpm/nodejs/20.0.0/lib/node_modules/npm"),
        _plant(home / ".local/share/pnpm/.tools/pnpm/9.0.0/node_modules/pnpm"),
        # nodenv, n, nvs, linuxbrew
        _plant(home / ".nodenv/versions/20.0.0/lib/node_modules/npm"),
        _plant(sysroot / "usr/local/n/versions/node/20.0.0/lib/node_modules/npm"),
        _plant(home / ".nvs/node/20.0.0/x64/lib/node_modules/npm"),
        _plant(sysroot / "home/linuxbrew/.linuxbrew/lib/node_modules/npm"),
        # bun's global folder where BUN_INSTALL_GLOBAL_DIR puts it
        _plant(tmp_path / "bun-global" / "node_modules" / "tool"),
    }
    ctx = HostContext(
        home=str(home),
        os=OperatingSystem.LINUX,
        env={"BUN_INSTALL_GLOBAL_DIR": str(tmp_path / "bun-global")},
        system_root=no_system,
    )
    result = run_host_scan([EVIL], ctx, [])
    assert {f.path for f in result.findings} == want
    assert result.errors == ()


def test_configured_package_manager_and_node_version_folders(
    tmp_path: Path, no_system: str
) -> None:
    env = {
        "COREPACK_HOME": str(tmp_path / "cp"),
        "VOLTA_HOME": str(tmp_path / "volta"),
        "PNPM_HOME": str(tmp_path / "pnpm"),
        "NODENV_ROOT": str(tmp_path / "nodenv"),
        "N_PREFIX": str(tmp_path / "n-prefix"),
        "NVS_HOME": str(tmp_path / "nvs"),
    }
    want = {
        _plant(tmp_path / "cp" / "v1" / "pnpm" / "9.0.0"),
        _plant(tmp_path / "volta" / "tools" / "image" / "pnpm" / "9.0.0"),
        _plant(tmp_path / "pnpm" / ".tools" / "pnpm" / "9.0.0" / "node_modules" / "pnpm"),
        _plant(tmp_path / "nodenv/versions/20.0.0/lib/node_modules/npm"),
        _plant(tmp_path / "n-prefix/n/versions/node/20.0.0/lib/node_modules/npm"),
        _plant(tmp_path / "nvs/node/20.0.0/arm64/lib/node_modules/npm"),
    }
    (tmp_path / "home").mkdir()
    ctx = HostContext(
        home=str(tmp_path / "home"), os=OperatingSystem.LINUX, env=env, system_root=no_system
    )
    result = run_host_scan([EVIL], ctx, [])
    assert {f.path for f in result.findings} == want


def test_windows_package_manager_and_node_version_folders(tmp_path: Path, no_system: str) -> None:
    home = tmp_path / "Users" / "u"
    local = home / "AppData" / "Local"
    want = {
        _plant(local / "node" / "corepack" / "v1" / "pnpm" / "9.0.0"),
        _plant(local / "Volta" / "tools" / "image" / "npm" / "10.0.0"),
        _plant(local / "pnpm" / "nodejs" / "20.0.0" / "node_modules" / "npm"),
        _plant(local / "nvs" / "node" / "20.0.0" / "x64" / "node_modules" / "npm"),
    }
    ctx = HostContext(home=str(home), os=OperatingSystem.WINDOWS, env={}, system_root=no_system)
    result = run_host_scan([EVIL], ctx, [])
    assert {f.path for f in result.findings} == want


def test_global_folders_moved_by_a_setting(tmp_path: Path, no_system: str) -> None:
    """pnpm's global-dir (environment, pnpm's rc) and yarn classic's global-folder
    (YARN_GLOBAL_FOLDER, ~/.yarnrc) move the global installs: they are read where they went."""
    home = tmp_path / "home"
    (home / ".config" / "pnpm").mkdir(parents=True)
    (home / ".config" / "pnpm" / "rc").write_text(f"global-dir={tmp_path / 'pnpm-rc-global'}\n")
    (home / ".yarnrc").write_text('# yarn lockfile v1\nglobal-folder "~/yarn-global"\n')
    want = {
        _plant(tmp_path / "pnpm-env-global" / "5" / "node_modules" / "tool"),
        _plant(tmp_path / "pnpm-rc-global" / "5" / "node_modules" / "tool"),
        _plant(home / "yarn-global" / "node_modules" / "tool"),
        _plant(tmp_path / "yarn-env-global" / "node_modules" / "tool"),
    }
    env = {
        "npm_config_global_dir": str(tmp_path / "pnpm-env-global"),
        "YARN_GLOBAL_FOLDER": str(tmp_path / "yarn-env-global"),
    }
    ctx = HostContext(home=str(home), os=OperatingSystem.LINUX, env=env, system_root=no_system)
    result = run_host_scan([EVIL], ctx, [])
    assert {f.path for f in result.findings} == want


# --- a real global install: pnpm 12.24.0 by npm (fixtures/vendored/generate.sh) ---------------

PNPM_GLOBAL = Path(__file__).parent / "fixtures" / "vendored" / "pnpm-global"


def test_real_pnpm_global_install_bundled_packages_are_installed_packages() -> None:
    """Every package -image would read in the same files (23 in pnpm/dist/node_modules and
    pnpm/node_modules, and pnpm), each once; a rule for a bundled release finds it."""
    root = PNPM_GLOBAL / "lib" / "node_modules"
    places = sorted(
        os.path.relpath(p.parent, root)
        for p in root.rglob("package.json")
        if installed_folder(p.relative_to(PNPM_GLOBAL).as_posix()) is not None
    )
    assert len(places) == 24
    assert "pnpm/dist/node_modules/@isaacs/fs-minipass" in places
    rule = h.make_rule("R-GFS", [("graceful-fs", "=4.2.12")])
    collector = Collector(build_index((rule,)))
    scan_tree(str(root), collector, where="test")
    assert collector.installed == len(places)
    assert [os.path.relpath(f.path or "", root) for f in collector.findings] == [
        "pnpm/dist/node_modules/graceful-fs"
    ]
    assert collector.errors == []


@pytest.mark.parametrize(
    ("store_id", "name", "found"),
    [
        ("evil@file+pk+evil", "evil", False),  # pnpm's id of a file: folder (pnpm 12.24.0)
        # of a file: tarball: a packed tarball may be the affected release's own copy (0072)
        ("evil@file+evil-1.0.1.tgz", "evil", True),
        ("evil@file+vendor+evil-1.0.1.TAR.GZ", "evil", True),
        ("evil@link+..+evil", "evil", False),
        ("@s+evil@file+pk+evil", "@s/evil", False),
        ("evil@1.0.1", "evil", True),  # the registry release
        ("other@file+pk+evil", "evil", True),  # a registry dependency of a file: package
        ("evil@1.0.1_file+x", "evil", True),
    ],
)
def test_a_pnpm_file_dependency_is_not_the_registry_release(
    tmp_path: Path, store_id: str, name: str, found: bool
) -> None:
    """pnpm installs a ``file:`` or ``link:`` package at ``.pnpm/<name>@file+<path>``: the
    project's own copy, named like a registry package (the differential tester's
    ``"debug": "file:./pk/debug"`` at 4.3.4 was reported as the registry's debug 4.3.4). As a
    lockfile's local folders, it is not matched by name and version; the registry packages
    beside it still are, and so is a packed ``file:`` tarball (decision 0072)."""
    folder = tmp_path / "node_modules" / ".pnpm" / store_id / "node_modules" / name
    h.write_package(folder, name, "1.0.1")
    found_paths, installed_count, errors = _scan(tmp_path / "node_modules")
    assert (found_paths == [os.path.relpath(folder, tmp_path / "node_modules")]) is found
    assert installed_count == 1 and errors == []
