"""Nothing from a repository runs: a config naming a program for every hook git offers, hooks
that write a marker, filters and text conversions in .gitattributes, a signed commit with
``log.showSignature`` and a hostile ``gpg.program``. Positive controls show the traps fire
for an ordinary git command, so their silence under gouvernante means something."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from gitsrc.gitrepo import Repo, lockfile, mirror, write_rules
from gouvernante.cli import main

HOOKS = (
    "pre-commit",
    "post-checkout",
    "post-merge",
    "reference-transaction",
    "post-index-change",
    "fsmonitor-watchman",
    "pre-auto-gc",
    "post-rewrite",
)


def _trap(tmp_path: Path) -> tuple[Path, Path]:
    markers = tmp_path / "markers"
    markers.mkdir()
    evil = tmp_path / "evil.sh"
    evil.write_text(f'#!/bin/sh\ntouch "{markers}/$1"\ncat >/dev/null 2>&1 &\nexit 0\n')
    evil.chmod(evil.stat().st_mode | stat.S_IEXEC)
    return markers, evil


def _script(tmp_path: Path, evil: Path, name: str) -> Path:
    """A program run without a shell (gpg.program): one file per marker."""
    path = tmp_path / f"trap-{name}"
    path.write_text(f"#!/bin/sh\n{evil} {name}\nexit 1\n")
    path.chmod(0o755)
    return path


def _arm(gitdir: Path, evil: Path, tmp_path: Path) -> None:
    hooks = tmp_path / "hooks"
    hooks.mkdir(exist_ok=True)
    for name in HOOKS:
        for folder in (hooks, gitdir / "hooks"):
            folder.mkdir(exist_ok=True)
            hook = folder / name
            hook.write_text(f"#!/bin/sh\n{evil} hook-{name}\n")
            hook.chmod(0o755)
    extra = tmp_path / "included.config"
    extra.write_text(f"[core]\n\tpager = {evil} included-pager\n")
    settings = {
        "core.fsmonitor": f"{evil} fsmonitor",
        "core.sshCommand": f"{evil} ssh",
        "core.pager": f"{evil} pager",
        "core.askPass": f"{evil} askpass",
        "core.alternateRefsCommand": f"{evil} alternate-refs",
        "core.hooksPath": str(hooks),
        "core.gitProxy": f"{evil} proxy",
        "alias.log": f"!{evil} alias-log",
        "alias.for-each-ref": f"!{evil} alias-for-each-ref",
        "alias.cat-file": f"!{evil} alias-cat-file",
        "filter.evil.smudge": f"{evil} smudge",
        "filter.evil.clean": f"{evil} clean",
        "filter.evil.process": f"{evil} filter-process",
        "filter.evil.required": "true",
        "diff.evil.textconv": f"{evil} textconv",
        "diff.external": f"{evil} external-diff",
        "log.showSignature": "true",
        "gpg.program": str(_script(tmp_path, evil, "gpg")),
        "gpg.ssh.program": str(_script(tmp_path, evil, "gpg-ssh")),
        "credential.helper": f"!{evil} credential",
        "uploadpack.packObjectsHook": f"{evil} pack-objects",
        "include.path": str(extra),
    }
    for key, value in settings.items():
        subprocess.run(["git", "config", "--file", str(gitdir / "config"), key, value], check=True)


def _signed_commit(r: Repo) -> None:
    """Replace HEAD with the same commit carrying a (fake) signature header."""
    raw = r.git("cat-file", "commit", "HEAD")
    head, _, message = raw.partition("\n\n")
    sig = "gpgsig -----BEGIN PGP SIGNATURE-----\n \n AAAA\n -----END PGP SIGNATURE-----"
    body = f"{head}\n{sig}\n\n{message}\n"
    oid = subprocess.run(
        ["git", "hash-object", "-t", "commit", "-w", "--stdin"],
        cwd=r.path,
        input=body,
        capture_output=True,
        text=True,
        check=True,
        env=r.env(),
    ).stdout.strip()
    r.git("update-ref", "refs/heads/main", oid)


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[Path, Path, Path, Path]:
    markers, evil = _trap(tmp_path)
    r = Repo(tmp_path / "work")
    r.write(".gitattributes", "* filter=evil diff=evil\n")
    r.write("package-lock.json", lockfile("4.4.1"))
    r.commit("init")
    r.write("package-lock.json", lockfile("4.4.2"))
    r.commit("bad")
    _signed_commit(r)
    bare = mirror(r.path, tmp_path / "org" / "app.git")
    _arm(bare, evil, tmp_path)
    _arm(r.path / ".git", evil, tmp_path)
    return markers, bare, r.path, write_rules(tmp_path)


def test_the_traps_fire_for_ordinary_git(hostile: tuple[Path, Path, Path, Path]) -> None:
    markers, _bare, work, _rules = hostile
    env = {"PATH": os.environ["PATH"], "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    subprocess.run(["git", "log", "-1"], cwd=work, env=env, capture_output=True, check=False)
    subprocess.run(["git", "status"], cwd=work, env=env, capture_output=True, check=False)
    fired = {p.name for p in markers.iterdir()}
    assert {"gpg", "fsmonitor"} <= fired


@pytest.mark.parametrize("which", ["bare", "clone"])
def test_nothing_from_the_repository_runs(
    hostile: tuple[Path, Path, Path, Path], which: str, capsys: pytest.CaptureFixture[str]
) -> None:
    markers, bare, work, rules = hostile
    target = bare if which == "bare" else work
    for extra in ([], ["-history"]):
        code = main(["-rules", str(rules), "-git", str(target), *extra])
        out = capsys.readouterr().out
        assert code == 2, out
        assert "debug@4.4.2" in out
    assert main(["-rules", str(rules), "-git", str(target), "-diff", "HEAD~1"]) == 2
    capsys.readouterr()
    assert sorted(p.name for p in markers.iterdir()) == []
