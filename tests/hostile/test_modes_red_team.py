"""Red team of the scan modes (decision 0085), end to end through ``gouvernante.cli.main``: each
case a hand-made input that read CLEAN (or echoed, or cost without bound) before its fix. What
the real tool does was checked on the same input (umoci 0.4 ``unpack`` for images; git 2.39).
Rule: ``evil`` at ``=1.0.1``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import tarfile
import time
from pathlib import Path

import pytest

from gouvernante.cli import main
from gouvernante.image.layers import ImageSpec, Layer, read_layers
from gouvernante.image.scan import ImageScanOutput, keep, read_name, scan_filesystem
from gouvernante.rules.index import build_index
from gouvernante.rules.loader import load_rules
from helpers import compromised_rules, docker_save, run_cli, tar_bytes

RULES = compromised_rules("MODES-1", ("evil", "=1.0.1"), published_at=None)
CLEAN, ERROR, FINDINGS = 0, 1, 2
_EVIL = json.dumps({"name": "evil", "version": "1.0.1"}).encode()
_GLOBAL = "usr/local/lib/node_modules"
_LOCK = json.dumps(
    {
        "name": "app",
        "lockfileVersion": 3,
        "packages": {"": {"name": "app"}, "node_modules/evil": {"version": "1.0.1"}},
    }
).encode()


def _rules(tmp_path: Path) -> str:
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(RULES), encoding="utf-8")
    return str(path)


def _layer(*members: tuple[str, str, bytes]) -> bytes:
    """A layer tar of (kind, name, data or link target) in this order: ``f`` file, ``d`` folder,
    ``s`` symbolic link, ``h`` hardlink."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for kind, name, data in members:
            info = tarfile.TarInfo(name)
            if kind == "f":
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
                continue
            info.type = {"d": tarfile.DIRTYPE, "s": tarfile.SYMTYPE, "h": tarfile.LNKTYPE}[kind]
            info.linkname = data.decode()
            tar.addfile(info)
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# -image: a file written below a symbolic link lands where the link leads


@pytest.mark.parametrize(
    "layers",
    [
        # a lower layer's link, the package written through it by the next layer
        [
            _layer(("d", _GLOBAL, b""), ("s", "opt/x", b"/" + _GLOBAL.encode())),
            _layer(("f", "opt/x/evil/package.json", _EVIL)),
        ],
        # the link relative, the folder of the package written as a member first
        [
            _layer(("d", _GLOBAL, b""), ("s", "opt/x", b"../" + _GLOBAL.encode())),
            _layer(("d", "opt/x/evil", b""), ("f", "opt/x/evil/package.json", _EVIL)),
        ],
        # the link and the package in one layer
        [
            _layer(
                ("d", _GLOBAL, b""),
                ("s", "opt", _GLOBAL.encode()),
                ("f", "opt/evil/package.json", _EVIL),
            )
        ],
        # a link above the node_modules folder: the path read is not where the file is
        [
            _layer(("s", "usr/local", b"/srv")),
            _layer(("f", f"{_GLOBAL}/evil/package.json", _EVIL)),
        ],
        # a lockfile written through a link
        [
            _layer(("d", "srv/app", b""), ("s", "app", b"/srv/app")),
            _layer(("f", "app/package-lock.json", _LOCK)),
        ],
    ],
)
def test_a_file_written_below_a_symlink_is_an_error(tmp_path: Path, layers: list[bytes]) -> None:
    """It read CLEAN (the first three): the package was taken at ``/opt/x/evil``, no
    ``node_modules`` folder, where ``umoci unpack`` (as containerd) writes it through the link:
    ``/usr/local/lib/node_modules/evil/package.json``, a global install."""

    image = docker_save(tmp_path / "image.tar", layers)
    assert main(["-rules", _rules(tmp_path), "-image", str(image)]) == ERROR


def test_a_link_replaced_by_a_folder_before_the_file_is_read(tmp_path: Path) -> None:
    """What a runtime's diff writes when a RUN step replaced a link by a folder: the folder's
    member comes first, so nothing is below a link."""

    image = docker_save(
        tmp_path / "image.tar",
        [
            _layer(("s", "opt/x", b"/" + _GLOBAL.encode())),
            _layer(("d", "opt/x", b""), ("f", "opt/x/node_modules/evil/package.json", _EVIL)),
        ],
    )
    assert main(["-rules", _rules(tmp_path), "-image", str(image)]) == FINDINGS


def test_files_of_other_names_below_a_link_change_nothing(tmp_path: Path) -> None:
    """A real image built over merged /usr (``lib`` a link to ``usr/lib``) by a tool writing
    ``lib/...``: nothing the scan reads, so no error."""

    image = docker_save(
        tmp_path / "image.tar",
        [
            tar_bytes({"usr/lib/libc.so": b"x"}, links={"lib": "usr/lib"}),
            _layer(("f", "lib/libfoo.so", b"y")),
            {"app/node_modules/evil/package.json": _EVIL},
        ],
    )
    assert main(["-rules", _rules(tmp_path), "-image", str(image)]) == FINDINGS


def test_a_link_written_over_a_folder_takes_what_its_layer_wrote_below_it(
    tmp_path: Path,
) -> None:
    """symlink(2) needs the path gone: umoci (and containerd) remove the folder whole, what the
    same layer wrote in it too, so the package.json written next goes where the link leads."""

    members = [
        ("d", "opt/x/evil", b""),
        ("s", "opt/x", b"/" + _GLOBAL.encode()),
        ("f", "opt/x/evil/package.json", _EVIL),
    ]
    image = docker_save(tmp_path / "image.tar", [_layer(("d", _GLOBAL, b"")), _layer(*members)])
    assert main(["-rules", _rules(tmp_path), "-image", str(image)]) == ERROR


_INSTALLED = (("d", f"{_GLOBAL}/evil", b""), ("f", f"{_GLOBAL}/evil/package.json", _EVIL))


@pytest.mark.parametrize(
    ("layers", "expected"),
    [
        # a whiteout below a link to the global node_modules removes the package there
        (
            [
                _layer(*_INSTALLED, ("s", "opt/x", b"/" + _GLOBAL.encode())),
                _layer(("f", "opt/x/.wh.evil", b"")),
            ],
            CLEAN,
        ),
        # the link relative; an opaque marker below it; a link above the whiteout's folder;
        # a chain of two links
        (
            [
                _layer(*_INSTALLED, ("s", "opt/x", b"../" + _GLOBAL.encode())),
                _layer(("f", "opt/x/.wh.evil", b"")),
            ],
            CLEAN,
        ),
        (
            [
                _layer(*_INSTALLED, ("s", "opt/x", b"/" + _GLOBAL.encode())),
                _layer(("f", "opt/x/.wh..wh..opq", b"")),
            ],
            CLEAN,
        ),
        (
            [
                _layer(
                    ("f", "srv/lib/node_modules/evil/package.json", _EVIL),
                    ("s", "usr/local", b"/srv"),
                ),
                _layer(("f", f"{_GLOBAL}/.wh.evil", b"")),
            ],
            CLEAN,
        ),
        (
            [
                _layer(
                    *_INSTALLED,
                    ("s", "opt/y", b"/" + _GLOBAL.encode()),
                    ("s", "opt/x", b"y"),
                ),
                _layer(("f", "opt/x/.wh.evil", b"")),
            ],
            CLEAN,
        ),
        # a link elsewhere, or a loop of links: the package stays
        (
            [
                _layer(*_INSTALLED, ("d", "srv", b""), ("s", "opt/x", b"/srv")),
                _layer(("f", "opt/x/.wh.evil", b"")),
            ],
            FINDINGS,
        ),
        (
            [
                _layer(*_INSTALLED, ("s", "opt/x", b"y"), ("s", "opt/y", b"x")),
                _layer(("f", "opt/x/.wh.evil", b"")),
            ],
            FINDINGS,
        ),
    ],
)
def test_a_whiteout_below_a_link_removes_where_the_link_leads(
    tmp_path: Path, layers: list[bytes], expected: int
) -> None:
    """``umoci unpack`` (0.4.7) removes ``/usr/local/lib/node_modules/evil`` for each of the
    first five (as containerd: the whiteout's folder is resolved in the image's root). It was
    kept: a finding the running container does not have (decision 0085 left it)."""

    image = docker_save(tmp_path / "image.tar", layers)
    assert main(["-rules", _rules(tmp_path), "-image", str(image)]) == expected


def _deep_layer(depth: int, count: int) -> bytes:
    name = "/".join(["a"] * depth) + "/package.json"
    return _layer(("s", "x", b"/y"), *[("f", name, b"{}")] * count)


def test_the_link_check_costs_no_walk_up_the_name() -> None:
    """Each package.json's folders were looked up one by one up to the root: a name 2,000
    folders deep written 3,000 times took 56 times as long as a shallow one (6.2 s; the two
    million members an image may hold: hours). Now one look-up: the same ratio was 7."""

    def cpu(depth: int) -> float:
        blob = _deep_layer(depth, 1500)
        digest = "sha256:" + hashlib.sha256(blob).hexdigest()
        layer = Layer(digest, None, lambda: io.BytesIO(blob), "m", "c")
        started = time.process_time()
        read_layers(ImageSpec("img", (layer,)), "img", keep, read_name=read_name)
        return time.process_time() - started

    assert cpu(2000) / max(cpu(2), 0.01) < 25


_APP = ("f", "app/package.json", b'{"name": "app"}')


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        # node loads /opt/deps/evil for require('evil') from /app: it read CLEAN
        (
            [
                _APP,
                ("f", "opt/deps/evil/package.json", _EVIL),
                ("s", "app/node_modules", b"/opt/deps"),
            ],
            ERROR,
        ),
        (
            [
                _APP,
                ("f", "opt/deps/evil/package.json", _EVIL),
                ("s", "app/node_modules", b"../opt/deps"),
            ],
            ERROR,
        ),
        # through a link whose target is not kept: where it leads is not known
        (
            [
                _APP,
                ("f", "opt/deps/evil/package.json", _EVIL),
                ("s", "srv", b"/opt"),
                ("s", "app/node_modules", b"/srv/deps"),
            ],
            ERROR,
        ),
        # to a node_modules folder: its packages are read there
        (
            [
                _APP,
                ("f", "opt/node_modules/evil/package.json", _EVIL),
                ("s", "app/node_modules", b"/opt/node_modules"),
            ],
            FINDINGS,
        ),
        # to nothing, or to an empty folder: nothing installed
        ([_APP, ("s", "app/node_modules", b"/nowhere")], CLEAN),
        ([_APP, ("d", "opt/deps", b""), ("s", "app/node_modules", b"/opt/deps")], CLEAN),
        # a loop of node_modules links (ELOOP): node loads nothing through it
        (
            [
                _APP,
                ("s", "app/node_modules", b"/opt/node_modules"),
                ("s", "opt/node_modules", b"/app/node_modules"),
            ],
            CLEAN,
        ),
    ],
)
def test_a_node_modules_link_to_another_folder_is_an_error(
    tmp_path: Path, members: list[tuple[str, str, bytes]], expected: int
) -> None:
    """-host said so (an error: "node_modules is a symlink to ..., outside the scanned
    folders"); -image said CLEAN: the link was never followed and nothing read its target."""

    image = docker_save(tmp_path / "image.tar", [_layer(*members)])
    assert main(["-rules", _rules(tmp_path), "-image", str(image)]) == expected


# --------------------------------------------------------------------------------------------
# keys of a lockfile named in a message: escaped and capped (decision 0015), never whole

_KEY = "K" * 3000
_ROOT = {"": {"name": "app", "dependencies": {_KEY: "^1"}}}


@pytest.mark.parametrize(
    "files",
    [
        # a version no one can read, under a long folder key
        {
            "package-lock.json": {
                "lockfileVersion": 3,
                "packages": {"": {"name": "app"}, f"node_modules/{_KEY}": {"version": "zz"}},
            }
        },
        # two keys npm installs to one folder
        {
            "package-lock.json": {
                "lockfileVersion": 3,
                "packages": {
                    "": {"name": "app"},
                    f"node_modules/{_KEY}": {"version": "1.0.0"},
                    f"node_modules/./{_KEY}": {"version": "1.0.1"},
                },
            }
        },
        # a package.json dependency the lockfile beside it does not answer
        {
            "package.json": {"name": "app", "dependencies": {_KEY: "^1"}},
            "package-lock.json": {"lockfileVersion": 3, "packages": _ROOT},
            "yarn.lock": "# yarn lockfile v1\n\n",
        },
    ],
)
def test_a_long_key_is_capped_in_every_format(
    tmp_path: Path, files: dict[str, object], capsys: pytest.CaptureFixture[str]
) -> None:
    """It was copied whole into the message (``packages['node_modules/KKK…']``, 3,000
    characters; any length), in every format and on stderr."""

    folder = tmp_path / "p"
    folder.mkdir()
    for name, content in files.items():
        text = content if isinstance(content, str) else json.dumps(content)
        (folder / name).write_text(text, encoding="utf-8")
    for fmt in ("text", "json", "sarif", "markdown"):
        code = main(["-rules", _rules(tmp_path), "-dir", str(folder), "-format", fmt])
        out, err = capsys.readouterr()
        assert code == ERROR
        assert "K" * 65 not in out + err
        assert "(3000 chars)" in out or "…(30" in out


# --------------------------------------------------------------------------------------------
# -git: a FIFO where git (or the scan itself) opens a repository's file by name

_GIT_ENV = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GIT_CONFIG_NOSYSTEM": "1"}


def _bare_repository(path: Path) -> Path:
    """A bare repository holding one commit on ``main`` (a package-lock.json)."""

    def git(*args: str, cwd: Path = path) -> None:
        env = {**_GIT_ENV, "GIT_CONFIG_GLOBAL": os.devnull, "HOME": str(path)}
        subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)

    work = path.parent / f"{path.name}-work"
    work.mkdir()
    git("init", "-q", "-b", "main", cwd=work)
    (work / "package-lock.json").write_text(json.dumps({"lockfileVersion": 3, "packages": {}}))
    git("add", "-A", cwd=work)
    git("-c", "user.name=a", "-c", "user.email=a@b", "commit", "-q", "-m", "m", cwd=work)
    git("clone", "-q", "--bare", str(work), str(path), cwd=path.parent)
    return path


@pytest.mark.parametrize(
    "name",
    ["config", "packed-refs", "objects/info/alternates", "refs/heads/x", "refs/tags/a/b"],
)
def test_a_fifo_git_would_open_is_an_error_at_once(tmp_path: Path, name: str) -> None:
    """git 2.39 blocks opening each of these when it is a FIFO (for-each-ref, cat-file, ls-tree
    of the same repository under ``timeout``: killed); each scan then waited for the git
    call's deadline (600 s), a planted tree of many such repositories for hours."""

    repo = _bare_repository(tmp_path / "r.git")
    target = repo / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    os.mkfifo(target)
    rules = _rules(tmp_path)
    for args in (
        ["-rules", rules, "-git", str(repo)],
        ["inventory", "add", "-db", "i.sqlite", "-git", str(repo)],
    ):
        done = run_cli(*args, cwd=tmp_path, timeout=30)
        assert done.returncode == ERROR
        assert f"{name}: a FIFO" in done.stderr


def test_a_fifo_commondir_does_not_hang_the_scan(tmp_path: Path) -> None:
    """A ``.git`` file naming a folder whose ``commondir`` is a FIFO: the scan itself opened it
    (no deadline: it hung for ever)."""

    clone = tmp_path / "clone"
    (clone / "store").mkdir(parents=True)
    (clone / ".git").write_text("gitdir: store\n")
    os.mkfifo(clone / "store" / "commondir")
    done = run_cli("-rules", _rules(tmp_path), "-git", str(clone), cwd=tmp_path, timeout=30)
    assert done.returncode == ERROR
    assert "not a git repository" in done.stderr


def _git(repo: Path, *args: str, data: bytes | None = None) -> str:
    env = {**_GIT_ENV, "GIT_CONFIG_GLOBAL": os.devnull, "HOME": str(repo)}
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, input=data, check=True, capture_output=True
    )
    return done.stdout.decode().strip()


@pytest.mark.parametrize("when", ["253402300800", "9223372036854775807"])
def test_a_commit_dated_past_year_9999_is_read(tmp_path: Path, when: str) -> None:
    """git keeps a commit's time as written (to 2^63 - 1); the scan's dates stop at 9999: a
    crafted commit made ``-history`` fail whole ("internal error: ValueError", no report, the
    other repositories' findings lost)."""

    repo = tmp_path / "r"
    repo.mkdir()
    _git(repo, "init", "-q")
    lock = {
        "lockfileVersion": 3,
        "packages": {"": {"name": "app"}, "node_modules/evil": {"version": "1.0.1"}},
    }
    blob = _git(repo, "hash-object", "-w", "--stdin", data=json.dumps(lock).encode())
    tree = _git(repo, "mktree", data=f"100644 blob {blob}\tpackage-lock.json\n".encode())
    header = f"tree {tree}\nauthor a <a@b> {when} +0000\ncommitter a <a@b> {when} +0000\n\nm\n"
    commit = _git(
        repo, "hash-object", "-t", "commit", "-w", "--literally", "--stdin", data=header.encode()
    )
    _git(repo, "update-ref", "refs/heads/main", commit)
    rules = tmp_path / "rules.json"
    document = compromised_rules("MODES-2", ("evil", "=1.0.1"))  # (published: windows computed)
    rules.write_text(json.dumps(document), encoding="utf-8")
    for args in (["-git", str(repo)], ["-git", str(repo), "-history"]):
        done = run_cli("-rules", str(rules), *args, cwd=tmp_path)
        assert (done.returncode, "internal error" in done.stderr) == (FINDINGS, False)
    run_cli("inventory", "add", "-db", "i.sqlite", "-git", str(repo), cwd=tmp_path)
    done = run_cli("-rules", str(rules), "-inventory", "i.sqlite", cwd=tmp_path)
    assert (done.returncode, "internal error" in done.stderr) == (FINDINGS, False)


def _links_layer(count: int, chain: int) -> bytes:
    """``count`` node_modules links to the head of a chain of ``chain`` node_modules links,
    each 500 folders deep, whose end is an empty folder."""
    deep = "/".join(["d"] * 500)
    members: list[tuple[str, str, bytes]] = [("d", "end", b"")]
    for k in range(chain):
        after = f"/c{k + 1}/{deep}/node_modules" if k + 1 < chain else "/end"
        members.append(("s", f"c{k}/{deep}/node_modules", after.encode()))
    head = f"/c0/{deep}/node_modules" if chain else "/end"
    members += [("s", f"p{k}/node_modules", head.encode()) for k in range(count)]
    return _layer(*members)


def test_a_chain_of_links_many_links_share_is_followed_once(tmp_path: Path) -> None:
    """4,000 node_modules links through one chain of 39 links (each name 1,000 characters):
    each link followed the whole chain again (5.2 s for 20,000 links; the two million an
    image may hold: minutes). Now each link's end is kept."""

    def cpu(chain: int) -> float:
        blob = _links_layer(4000, chain)
        digest = "sha256:" + hashlib.sha256(blob).hexdigest()
        layer = Layer(digest, None, lambda: io.BytesIO(blob), "m", "c")
        fs = read_layers(ImageSpec("img", (layer,)), "img", keep, read_name=read_name)
        out = ImageScanOutput()
        started = time.process_time()
        scan_filesystem(fs, "img", build_index(load_rules([_rules(tmp_path)]).rules), out)
        assert out.errors == []
        return time.process_time() - started

    assert cpu(39) / max(cpu(0), 0.05) < 8
