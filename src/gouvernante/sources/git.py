"""Git object stores (bare mirrors or clones) read with the real ``git``, nothing checked out.

Nothing from a repository may run. Only plumbing commands are used (``for-each-ref``,
``cat-file --batch``, ``log --raw``, ``rev-list``), never a command word a repository alias could
stand for, never a diff with text conversion or an external diff, never a checkout (no filters,
no hooks). Every call gets an environment built from nothing but ``PATH`` (no system or global
config, no replace objects, no prompts, no optional locks) and command-line overrides of every
repository setting that could name a program these commands might start
(``core.fsmonitor``, ``core.hooksPath``, ``log.showSignature``, ``protocol.allow``, ...). Every
process has a deadline: a repository config that makes ``git`` wait (an ``include.path`` naming a
FIFO) costs a timeout, not a hang. Decision record: docs/decisions/0008-git-sources.md.
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
import re
import stat
import subprocess
import threading
import time
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Literal

from gouvernante import trace
from gouvernante.errors import InputError, LockfileError, SourceError
from gouvernante.fs.read import Unread, UnreadKind, describe_mode, open_regular_stream, read_small
from gouvernante.fs.walk import SKIP_DIRS, walk
from gouvernante.lockfiles import LOCKFILE_NAMES
from gouvernante.sources.names import lockfile_name
from gouvernante.sources.yarnrc import (
    MAX_YARNRC_BYTES,
    YARNRC,
    Setting,
    folder_name,
    inherit,
    setting_of,
)

GIT = "git"
DEADLINE_SECONDS = 600.0  # one repository's reading, whatever its config does
MAX_TREE_ENTRIES = 5_000_000  # tree entries read per repository before giving up
# One tree object's size: a real folder of 100,000 files is ~6 MB; a bigger object (a few
# compressed megabytes on disk can hold a gigabyte of tree) is refused before it is parsed.
MAX_TREE_BYTES = 64 * 1024 * 1024
MAX_COMMIT_BYTES = 16 * 1024 * 1024  # a commit object (its message included)
MAX_DEPTH = 256  # nested folders
MAX_GLOB_MATCHES = 10_000
MAX_CACHED_TREES = 200_000
# ``cat-file`` processes started again after one stopped on an object it could not give
MAX_RESTARTS = 1000

TREE_MODE = "40000"
SYMLINK_MODE = "120000"
GITLINK_MODE = "160000"
BLOB_MODES = ("100644", "100755")
# Modes git never writes (decision 0044), so a tree entry is never taken for one: a regular file
# yarn berry's ``lockfileFilename`` names (the ``.yarnrc.yml`` beside it), read as a yarn.lock;
# and a ``.yarnrc.yml`` whose setting is not read (or is a symbolic link, or names one, a folder
# or a submodule), an error of the scan at its path whose reason its blob gives again.
YARNRC_LOCK_MODE = "yarnrc"
YARNRC_REFUSED_MODE = "yarnrc-refused"
# And a ``.yarnrc.yml`` whose bytes may define yarn 4.10+ catalogs (decision 0056), read for them
# (``pnpm_workspace.may_define_yarn_catalogs``): each manifest's ``catalog:`` references below it.
YARNRC_CATALOGS_MODE = "yarnrc-catalogs"
GITHUB_DIR = ".github"
# And a symbolic link of the tree whose name is no lockfile's (a folder, often): its target as
# written stands in place of its oid (``TreeFile.oid``; no blob of it is read again). npm,
# pnpm and yarn 1 follow a workspace member that is a link (decision 0113): placing resolves
# it among the tree's paths (``fs.treelinks``), never on the disk. A target longer than the
# kernel follows (PATH_MAX) leads nowhere: not listed.
LINK_MODE = "link"
MAX_LINK_BYTES = 4096
MAX_HISTORY_LINKS = 1000  # link paths -history follows (each one a pathspec of ``git log``)

# Settings of a repository's own config that these commands could turn into a program run, a
# network connection or a write, overridden on every command line (command-line config wins).
_OVERRIDES = (
    "core.fsmonitor=false",
    "core.hooksPath=/dev/null",
    "core.pager=cat",
    "core.sshCommand=false",
    "core.askPass=false",
    "core.alternateRefsCommand=",
    "core.untrackedCache=false",
    "core.quotePath=true",
    "protocol.allow=never",
    "log.showSignature=false",
    "log.follow=false",
    # and settings that change what ``log --raw`` lists: the root commit's files (showRoot
    # false hides the commit that added a lockfile), paths relative to a folder
    "log.showRoot=true",
    "diff.relative=false",
    "diff.renames=false",
    "diff.noprefix=false",
    "gc.auto=0",
    "maintenance.auto=false",
    "fetch.writeCommitGraph=false",
    "credential.helper=",
    # submodules: nothing here recurses into them, and a repository's config may not say otherwise
    "submodule.recurse=false",
    "diff.submodule=short",
)
# (in any case, and pnpm's branch lockfiles: ``sources.names.lockfile_name``)
_LOCKFILE_PATHSPECS = (
    *(f":(top,glob,icase)**/{name}" for name in sorted(LOCKFILE_NAMES)),
    ":(top,glob,icase)**/pnpm-lock.*.yaml",
)


def git_environment(gitdir: str) -> dict[str, str]:
    """The whole environment of a ``git`` call: nothing inherited but ``PATH``."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "GIT_DIR": gitdir,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_NO_REPLACE_OBJECTS": "1",
        # (``info/grafts`` rewrites parents as replace objects do: an empty graft file instead)
        "GIT_GRAFT_FILE": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_OPTIONAL_LOCKS": "0",
        "GIT_ATTR_NOSYSTEM": "1",
        "GIT_PROTOCOL_FROM_USER": "0",
        "GIT_ALLOW_PROTOCOL": "",
        "GIT_PAGER": "cat",
        "HOME": os.devnull,
        "XDG_CONFIG_HOME": os.devnull,
        "LC_ALL": "C",
        # a partial clone's missing object is an error, never a ``git fetch`` of it (git 2.39.4+,
        # 2.45+; older git still cannot reach a remote: ``GIT_ALLOW_PROTOCOL`` allows none)
        "GIT_NO_LAZY_FETCH": "1",
    }


def git_command(gitdir: str, *args: str) -> list[str]:
    cmd = [GIT, "--no-pager", "-c", f"safe.directory={gitdir}"]
    for item in _OVERRIDES:
        cmd += ["-c", item]
    return [*cmd, *args]


def run_git(repo: Repository, *args: str, timeout: float = DEADLINE_SECONDS) -> bytes:
    """Run one plumbing command in ``repo``; its stdout, or ``SourceError`` (git's own stderr is
    not echoed: it may quote the repository's content)."""
    try:
        done = subprocess.run(
            git_command(repo.gitdir, *args),
            env=git_environment(repo.gitdir),
            cwd=repo.gitdir,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise SourceError(repo.display, f"git {args[0]}: no answer in {timeout:.0f} s") from None
    except OSError as exc:
        raise SourceError(repo.display, f"cannot run git: {exc.strerror or exc}") from None
    if done.returncode != 0:
        trace.debug("git %s in %s: %r", args[0], repo.display, done.stderr[:500])
        raise SourceError(repo.display, f"git {args[0]} failed (exit {done.returncode})")
    return done.stdout


# --- repositories -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Repository:
    gitdir: str  # absolute path of the object store's directory (``x.git`` or ``x/.git``)
    display: str  # as reported: the path given, joined with the folder found under it
    bare: bool


def _is_gitdir(path: str) -> bool:
    """A git object store, as git itself finds one: ``HEAD`` a file (or, old style, a link),
    ``objects`` and ``refs`` folders (links to folders too: git follows them)."""
    try:
        head = os.lstat(os.path.join(path, "HEAD"))
        objects = os.stat(os.path.join(path, "objects"))
        refs = os.stat(os.path.join(path, "refs"))
    except OSError:
        return False
    return (
        (stat.S_ISREG(head.st_mode) or stat.S_ISLNK(head.st_mode))
        and stat.S_ISDIR(objects.st_mode)
        and stat.S_ISDIR(refs.st_mode)
    )


# A ``.git`` file (``git clone --separate-git-dir``, submodules, linked worktrees) is one line.
_GITFILE_MAX_BYTES = 4096


def _gitfile_target(dotgit: str) -> str | None:
    """The object store a ``.git`` file names (``gitdir: <path>``, relative to its folder); a
    linked worktree's (``<repo>/.git/worktrees/<name>``) is its repository's, which its
    ``commondir`` names. None when it names none."""
    # (read_small: a FIFO, a device or a link to one is not opened, never a read that blocks)
    data = read_small(dotgit, _GITFILE_MAX_BYTES + 1, head=_GITFILE_MAX_BYTES + 1)
    if isinstance(data, Unread):
        return None
    line = data.split(b"\n", 1)[0].rstrip(b"\r")
    if len(data) > _GITFILE_MAX_BYTES or not line.startswith(b"gitdir: "):
        return None
    target = os.path.join(os.path.dirname(dotgit), os.fsdecode(line[len(b"gitdir: ") :]))
    common = read_small(
        os.path.join(target, "commondir"), _GITFILE_MAX_BYTES, head=_GITFILE_MAX_BYTES
    )
    if not isinstance(common, Unread):  # (no commondir: the object store itself)
        target = os.path.join(target, os.fsdecode(common.split(b"\n", 1)[0].rstrip(b"\r")))
    return os.path.normpath(target) if _is_gitdir(target) else None


def repository_at(path: str, display: str) -> Repository | None:
    """The repository whose object store is ``path`` (bare), ``path/.git`` (a clone) or the
    folder a ``path/.git`` file names (a clone made with ``--separate-git-dir``, a linked
    worktree: its repository)."""
    dotgit = os.path.join(path, ".git")
    try:
        mode = os.lstat(dotgit).st_mode
    except OSError:
        mode = 0
    if stat.S_ISDIR(mode) and _is_gitdir(dotgit):
        return Repository(os.path.abspath(dotgit), display, bare=False)
    if stat.S_ISREG(mode):
        target = _gitfile_target(dotgit)
        if target is not None:
            return Repository(os.path.abspath(target), display, bare=False)
    if _is_gitdir(path):
        return Repository(os.path.abspath(path), display, bare=True)
    return None


def unread_dotgit(path: str) -> str | None:
    """Why the ``.git`` in ``path`` (``repository_at`` found no repository there) is not read,
    or None when ``path`` holds no ``.git``: a clone whose git folder is gone or damaged, a
    ``.git`` that is a FIFO or a link, is a repository not scanned, never a folder without one."""
    try:
        mode = os.lstat(os.path.join(path, ".git")).st_mode
    except OSError:
        return None
    if stat.S_ISLNK(mode):
        what = "a symbolic link (not followed)"
    elif stat.S_ISDIR(mode):
        what = "a folder git cannot read as a repository"
    elif stat.S_ISREG(mode):
        what = "a file naming no readable git folder"
    else:
        what = describe_mode(mode)
    return f"holds a .git that is {what}: its repository is not scanned"


def find_repositories(
    path: str, recursive: bool, on_error: Callable[[str, str], None]
) -> list[Repository]:
    """``path`` itself when it is a repository; with ``recursive``, every repository below it
    (not entering a repository once found, nor symlinked folders): one in a folder the tree
    walks skip by name (``.venv``, ``node_modules``...) and one a symbolic link names are
    repositories too (each object store read once)."""
    top = repository_at(path, path)
    if top is not None:
        return [top]
    if not os.path.isdir(path):
        on_error(path, "no such directory" if not os.path.exists(path) else "not a directory")
        return []
    if not recursive:
        on_error(path, "not a git repository (give -recursive to look for repositories in it)")
        return []
    unread = unread_dotgit(path)
    if unread is not None:  # (the folders below are still looked at: nothing is skipped)
        on_error(path, unread)
    found: dict[str, Repository] = {}

    def shown(sub: str) -> str:
        rel = os.path.relpath(sub, path).replace(os.sep, "/")
        return f"{path.rstrip('/')}/{rel}"

    def add(repo: Repository) -> None:
        found.setdefault(os.path.realpath(repo.gitdir), repo)

    def prune(name: str, sub: str) -> bool:
        repo = repository_at(sub, shown(sub))
        if repo is not None:
            add(repo)
            return True
        unread = unread_dotgit(sub)
        if unread is not None:  # never a CLEAN for a clone whose history cannot be read
            on_error(shown(sub), unread)
        return name in SKIP_DIRS

    for walked in walk(path, prune=prune, on_error=on_error):
        for name in sorted(walked.links):
            link = os.path.join(walked.path, name)
            if os.path.isdir(link):  # (a link to a folder: never walked, but a repository is read)
                repo = repository_at(link, shown(link))
                if repo is not None:
                    add(repo)
    return sorted(found.values(), key=lambda r: r.display)


# --- refs ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RefHead:
    name: str  # full ref name: refs/heads/main
    short: str  # as reported: main, tags/v1.0, remotes/origin/main
    commit: str
    tree: str
    time: int  # committer time of the commit, unix seconds


def short_ref(name: str) -> str:
    if name.startswith("refs/heads/"):
        return name[len("refs/heads/") :]
    if name.startswith("refs/"):
        return name[len("refs/") :]
    return name


_REF_FORMAT = (
    "%(objectname)%00%(objecttype)%00%(*objectname)%00%(*objecttype)%00%(tree)%00%(*tree)"
    "%00%(committerdate:unix)%00%(*committerdate:unix)%00%(symref)%00%(refname)"
)


def list_refs(
    repo: Repository, patterns: Sequence[str], notes: list[tuple[str, str]]
) -> list[RefHead]:
    """Branch and tag heads (and remote-tracking branches of a clone) that point at commits,
    narrowed to those whose short or full name matches one of ``patterns`` (all when empty),
    and each HEAD that stands where none of them does (``checked_out_heads``).

    A symbolic branch (``refs/heads/b`` -> another ref) is read under its own name unless the
    ref it names is read itself: ``git checkout b`` checks out that ref's commit, whatever
    namespace it lives in."""
    namespaces = _namespaces(patterns)
    out = run_git(repo, "for-each-ref", f"--format={_REF_FORMAT}", *namespaces)
    heads: list[RefHead] = []
    symbolic: list[tuple[str, RefHead]] = []
    listed: set[str] = set()
    answered: set[str] = set()
    for line in out.decode("utf-8", "surrogateescape").splitlines():
        fields = line.split("\0")
        if len(fields) != 10:
            raise SourceError(repo.display, "git for-each-ref: unexpected output")
        oid, kind, peeled, peeled_kind, tree, peeled_tree, when, peeled_when, symref, name = fields
        answered.add(name)
        if kind == "tag" and peeled_kind == "commit":
            oid, tree, when = peeled, peeled_tree, peeled_when
        elif kind != "commit":
            if _selected(name, patterns):
                notes.append(
                    (
                        f"{repo.display}@{short_ref(name)}",
                        f"points at a {peeled_kind or kind}: skipped",
                    )
                )
            continue
        head = RefHead(name, short_ref(name), oid, tree, commit_time(when))
        if symref:
            symbolic.append((symref, head))
            continue
        listed.add(name)
        if _selected(name, patterns):
            heads.append(head)
    selected = {h.name for h in heads}
    heads.extend(
        h for target, h in symbolic if target not in selected and _selected(h.name, patterns)
    )
    checked_out = checked_out_heads(repo, listed, {h.commit for h in heads}, patterns, notes)
    notes.extend(unread_namespaces(repo, namespaces))
    notes.extend(
        (f"{repo.display}@{short_ref(name)}", _IGNORED_REF)
        for name in ignored_refs(repo, namespaces, answered)
        if _selected(name, patterns)
    )
    return [*heads, *checked_out]


_IGNORED_REF = (
    "a ref git ignores (a symbolic ref in a loop or naming no ref, or a file holding no object"
    " id): it names no commit, nothing of it was read"
)


def ignored_refs(repo: Repository, namespaces: Sequence[str], answered: set[str]) -> list[str]:
    """The loose refs of ``namespaces`` that ``for-each-ref`` leaves out of its answer
    (``answered``), as git does with a ref it cannot resolve ('ignoring broken ref'); none when
    the loose refs cannot be listed plainly (``_loose_refs``)."""
    found: list[str] = []
    for namespace in namespaces:
        loose = _loose_refs(repo.gitdir, namespace)
        found.extend(name for name in loose or () if name not in answered)
    return sorted(found)


def _namespaces(patterns: Sequence[str] = ()) -> list[str]:
    """The ref namespaces read: branches, tags, remote-tracking branches (a clone's, and a bare
    repository's that fetches another remote: a backup of upstream), and any other namespace a
    ``-ref`` pattern names literally (``refs/pull/*``: a mirror's pull requests,
    ``refs/merge-requests/*``, ``refs/changes/*``), which are read only when asked for."""
    read = ["refs/heads", "refs/tags", "refs/remotes"]
    for pattern in patterns:
        parts = pattern.split("/")
        if len(parts) > 2 and parts[0] == "refs" and _LITERAL_NAMESPACE.fullmatch(parts[1]):
            namespace = f"refs/{parts[1]}"
            if namespace not in read:
                read.append(namespace)
    return read


_LITERAL_NAMESPACE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_PACKED_NAMESPACE = re.compile(rb"^[0-9a-f]+ refs/([^/\n]+)/", re.MULTILINE)
_NAMESPACE_WORDS = {
    "pull": "pull requests",
    "merge-requests": "merge requests",
    "changes": "review changes",
}


def unread_namespaces(repo: Repository, read: Sequence[str]) -> list[tuple[str, str]]:
    """Notes naming the ref namespaces that hold refs and are not read (a mirror's
    ``refs/pull``, ``refs/merge-requests``; ``refs/notes``, ``refs/stash``), from the ref
    folders and ``packed-refs`` read as files: skipped, they are said to be."""
    present: set[str] = set()
    try:
        with os.scandir(os.path.join(repo.gitdir, "refs")) as entries:
            present.update(entry.name for entry in entries)
    except OSError:
        pass
    data = read_small(
        os.path.join(repo.gitdir, "packed-refs"), MAX_REF_FILE_BYTES, head=MAX_REF_FILE_BYTES
    )
    if not isinstance(data, Unread):
        present.update(m.decode("utf-8", "replace") for m in _PACKED_NAMESPACE.findall(data))
    notes: list[tuple[str, str]] = []
    for name in sorted(present - {n.removeprefix("refs/") for n in read}):
        if not _LITERAL_NAMESPACE.fullmatch(name) or name in ("heads", "tags", "remotes"):
            continue
        what = _NAMESPACE_WORDS.get(name, "other refs")
        notes.append(
            (
                repo.display,
                f"refs/{name} ({what}) not read; -ref 'refs/{name}/*' reads them",
            )
        )
    return notes


def _selected(name: str, patterns: Sequence[str]) -> bool:
    short = short_ref(name)
    return not patterns or any(
        fnmatch.fnmatchcase(short, p) or fnmatch.fnmatchcase(name, p) for p in patterns
    )


HEAD = "HEAD"
_REFTABLE_STUB = "refs/heads/.invalid"  # what HEAD says in a reftable repository


def read_head_file(gitdir: str) -> str | None:
    """What the ``HEAD`` file holds (``ref: <name>`` or an object id), or None when it is not a
    small regular file (a symlinked HEAD of old git, a FIFO): then git is asked."""
    path = os.path.join(gitdir, HEAD)
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size > 1024:
            return None
        with open_regular_stream(path) as fh:  # (a FIFO swapped in after the lstat: refused)
            return fh.read(1024).decode("ascii", "replace").strip()
    except (OSError, InputError):
        return None


MAX_WORKTREES = 10_000
WORKTREES = "worktrees"


def head_files(repo: Repository) -> list[tuple[str, str]]:
    """(name, folder) of each checked-out state's ``HEAD`` file: the repository's (``HEAD``) and
    each linked worktree's (``git worktree add``; ``worktrees/<id>/HEAD``, as git names it),
    found by ``scandir`` alone; more than ``MAX_WORKTREES`` is an error (none goes unsaid)."""
    found = [(HEAD, repo.gitdir)]
    top = os.path.join(repo.gitdir, WORKTREES)
    try:
        with os.scandir(top) as entries:
            ids = sorted(e.name for e in entries if e.is_dir(follow_symlinks=False))
    except OSError:
        return found
    if len(ids) > MAX_WORKTREES:
        raise SourceError(repo.display, f"more than {MAX_WORKTREES} linked worktrees")
    for worktree in ids:
        folder = os.path.join(top, worktree)
        if os.path.lexists(os.path.join(folder, HEAD)):
            found.append((f"{WORKTREES}/{worktree}/{HEAD}", folder))
    return found


def checked_out_heads(
    repo: Repository,
    listed: set[str],
    commits: set[str],
    patterns: Sequence[str],
    notes: list[tuple[str, str]],
) -> list[RefHead]:
    """Each ``HEAD`` (the repository's and its linked worktrees', ``head_files``) as a ref of its
    own when it stands where none of the refs read does (``commits``): detached (a CI checkout
    of a commit, a clone or worktree left on an old commit) or naming a ref outside the scanned
    namespaces. None for one naming a ``listed`` branch or an unborn one."""
    heads: list[RefHead] = []
    seen = set(commits)
    for name, folder in head_files(repo):
        if not _selected(name, patterns):
            continue
        head = _checked_out(
            repo, name, folder, listed=listed, commits=seen, patterns=patterns, notes=notes
        )
        if head is not None:
            heads.append(head)
            seen.add(head.commit)
    return heads


def _checked_out(
    repo: Repository,
    name: str,
    folder: str,
    *,
    listed: set[str],
    commits: set[str],
    patterns: Sequence[str],
    notes: list[tuple[str, str]],
) -> RefHead | None:
    content = read_head_file(folder)
    detached = content is not None and _OID.fullmatch(content) is not None
    if detached and content in commits:
        return None
    revision = name
    if content is not None and content.startswith("ref: "):
        target = content[len("ref: ") :].strip()
        inside = target.startswith(tuple(f"{n}/" for n in _namespaces(patterns)))
        if target in listed or (inside and target != _REFTABLE_STUB):
            return None  # a listed branch, or an unborn one: nothing else is checked out
        revision = target
    elif content is not None and detached:
        revision = content
    elif name != HEAD:  # a worktree's HEAD that is not a small file (git would open it)
        notes.append((f"{repo.display}@{name}", "not a small regular file: not read"))
        return None
    try:
        commit, tree, when = resolve_commit(repo, revision)
    except SourceError:
        if detached:
            raise  # a detached HEAD at a missing commit: a broken repository
        return None  # HEAD names no commit (unborn): nothing is checked out
    if commit in commits:
        return None
    return RefHead(name, name, commit, tree, when)


MAX_REF_FILE_BYTES = 64 * 1024 * 1024
_OID = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")


def read_ref_files(
    repo: Repository, patterns: Sequence[str] = ()
) -> list[tuple[str, str, str | None]] | None:
    """(ref name, object id, peeled commit or None) of the branches and tags, read from the
    ``packed-refs`` file and the loose refs without running git, and ``HEAD`` when it is
    detached where none of them stands (as ``list_refs``): the way an inventory refresh
    tells in microseconds that nothing moved. None whenever anything is unusual (another ref
    storage, a symbolic branch, a file that does not parse): the caller asks git instead."""
    if os.path.exists(os.path.join(repo.gitdir, "reftable")):
        return None
    namespaces = tuple(f"{n}/" for n in _namespaces(patterns))
    refs: dict[str, tuple[str, str | None]] = {}
    packed = os.path.join(repo.gitdir, "packed-refs")
    read = read_small(packed, MAX_REF_FILE_BYTES + 1, head=MAX_REF_FILE_BYTES + 1)
    if isinstance(read, Unread) and read.kind is not UnreadKind.ABSENT:
        return None
    data = b"" if isinstance(read, Unread) else read
    if len(data) > MAX_REF_FILE_BYTES:
        return None
    last: str | None = None
    for raw in data.decode("utf-8", "surrogateescape").splitlines():
        if not raw or raw.startswith("#"):
            continue
        if raw.startswith("^"):
            if last is None or not _OID.fullmatch(raw[1:]):
                return None
            refs[last] = (refs[last][0], raw[1:])
            continue
        oid, _, name = raw.partition(" ")
        if not _OID.fullmatch(oid) or not name:
            return None
        refs[name] = (oid, None)
        last = name
    for namespace in namespaces:
        if not _read_loose_refs(repo.gitdir, namespace.rstrip("/"), refs):
            return None
    found = sorted(
        (name, oid, peeled) for name, (oid, peeled) in refs.items() if name.startswith(namespaces)
    )
    return _with_head(repo, found, namespaces)


def _with_head(
    repo: Repository, found: list[tuple[str, str, str | None]], namespaces: tuple[str, ...]
) -> list[tuple[str, str, str | None]] | None:
    """``found`` and each detached ``HEAD`` (the repository's, a linked worktree's:
    ``head_files``) where no listed ref stands; None when one names a ref outside
    ``namespaces`` or is unusual (git resolves it: ``checked_out_heads``)."""
    try:
        heads = head_files(repo)
    except SourceError:
        return None
    for name, folder in heads:
        head = read_head_file(folder)
        if head is None:
            return None
        if head.startswith("ref: "):
            if not head[len("ref: ") :].strip().startswith(namespaces):
                return None
            continue
        if _OID.fullmatch(head) is None:
            return None
        if head not in {peeled or oid for _name, oid, peeled in found}:
            found.append((name, head, None))
    return found


MAX_LOOSE_REFS = 100_000


def _read_loose_refs(gitdir: str, namespace: str, refs: dict[str, tuple[str, str | None]]) -> bool:
    """Loose refs of one namespace into ``refs`` (they override packed ones); False when one is
    unusual (a symbolic ref other than a remote's HEAD, not an object id, unreadable)."""
    loose = _loose_refs(gitdir, namespace)
    if loose is None:
        return False
    for ref in loose:
        try:
            with open_regular_stream(os.path.join(gitdir, *ref.split("/"))) as fh:
                content = fh.read(200).decode("ascii", "replace").strip()
        except (OSError, InputError):  # (a FIFO swapped in after the listing: git is asked)
            return False
        if content.startswith("ref: "):
            if ref.endswith("/HEAD") and ref.startswith("refs/remotes/"):
                refs.pop(ref, None)
                continue
            return False
        if not _OID.fullmatch(content):
            return False
        refs[ref] = (content, None)
    return True


def _loose_refs(gitdir: str, namespace: str) -> list[str] | None:
    """The loose refs below ``gitdir/namespace`` (``refs/heads/a/b``), by ``scandir`` alone: a
    repository refresh reads thousands of these folders, mostly empty. None when anything is
    not a plain folder or regular file (a symlink, a FIFO that would block a read), or when
    there are too many: the caller asks git."""
    found: list[str] = []
    stack = [namespace]
    while stack:
        rel = stack.pop()
        folder = os.path.join(gitdir, *rel.split("/"))
        if rel == namespace and os.path.islink(folder):
            return None  # the namespace itself a symlink: pointing who knows where
        try:
            entries = list(os.scandir(folder))
        except (FileNotFoundError, NotADirectoryError):
            if rel == namespace:
                continue  # no such namespace: no loose refs
            return None
        except OSError:
            return None
        for entry in entries:
            try:
                if entry.is_symlink():
                    return None
                if entry.is_dir(follow_symlinks=False):
                    stack.append(f"{rel}/{entry.name}")
                elif entry.is_file(follow_symlinks=False):
                    found.append(f"{rel}/{entry.name}")
                else:
                    return None
            except OSError:
                return None
        if len(found) + len(stack) > MAX_LOOSE_REFS:
            return None
    return found


def heads_from_files(
    repo: Repository, store: ObjectStore, patterns: Sequence[str], notes: list[tuple[str, str]]
) -> list[RefHead] | None:
    """``list_refs`` without ``for-each-ref``: the ref files read directly (``read_ref_files``)
    and commits, trees and times from the repository's ``cat-file`` process. None when the ref
    files cannot be read that way (then ``list_refs``)."""
    if patterns and _selected(HEAD, patterns):
        return None  # HEAD asked for by name: where it stands is compared with the refs asked for
    refs = read_ref_files(repo, patterns)
    if refs is None:
        return None
    notes.extend(unread_namespaces(repo, _namespaces(patterns)))
    wanted = [
        (name, oid, peeled)
        for name, oid, peeled in refs
        if not patterns
        or any(
            fnmatch.fnmatchcase(short_ref(name), p) or fnmatch.fnmatchcase(name, p)
            for p in patterns
        )
    ]
    targets = list(dict.fromkeys(peeled or oid for _n, oid, peeled in wanted))
    objects = dict(zip(targets, store.read_any(targets, 1 << 20), strict=True))
    heads: list[RefHead] = []
    for name, oid, peeled in wanted:
        target = peeled or oid
        got = objects[target]
        if isinstance(got, SourceError):
            raise got
        kind, data = got
        for _ in range(8):  # an annotated tag (of a tag...) the packed-refs did not peel
            if kind != "tag":
                break
            fields = _header_fields(data)
            target = fields.get("object", "")
            if not _OID.fullmatch(target):
                raise SourceError(repo.display, f"tag {oid}: no object line")
            again = store.read_any([target], 1 << 20)[0]
            if isinstance(again, SourceError):
                raise again
            kind, data = again
        if kind != "commit":
            notes.append((f"{repo.display}@{short_ref(name)}", f"points at a {kind}: skipped"))
            continue
        fields = _header_fields(data)
        tree = fields.get("tree", "")
        when = fields.get("committer", "").rsplit(" ", 2)
        if not _OID.fullmatch(tree) or len(when) != 3 or not when[1].isdigit():
            raise SourceError(repo.display, f"commit {target}: malformed header")
        heads.append(RefHead(name, short_ref(name), target, tree, commit_time(when[1])))
    return heads


def _header_fields(data: bytes) -> dict[str, str]:
    """The header lines of a commit or tag object (first occurrence of each key)."""
    head = data.split(b"\n\n", 1)[0].decode("utf-8", "surrogateescape")
    fields: dict[str, str] = {}
    for line in head.split("\n"):
        key, _, value = line.partition(" ")
        if key and not line.startswith(" "):
            fields.setdefault(key, value)
    return fields


# A committer time as every later step can use it (a date of ``datetime``'s range): git keeps
# what a commit object says, up to 2^63 - 1 (year 292 billion), which a crafted commit writes.
LATEST_TIME = 253402300799  # 9999-12-31T23:59:59Z


def commit_time(text: str) -> int:
    """A committer time from git's output, held to 1970..9999 (a later one is 9999-12-31: it
    reads as after any publication, so no window ends before it)."""
    return min(max(int(text or 0), 0), LATEST_TIME)


def resolve_commit(repo: Repository, revision: str) -> tuple[str, str, int]:
    """(commit, tree, committer time) of a revision name (``main``, ``HEAD~2``, an id)."""
    if revision.startswith("-"):
        raise SourceError(repo.display, f"revision {revision!r}: may not start with '-'")
    out = run_git(repo, "rev-list", "--no-walk", "--format=%H %T %ct", "--end-of-options", revision)
    lines = out.decode("ascii", "replace").split("\n")
    if len(lines) < 2:
        raise SourceError(repo.display, f"revision {revision!r}: not found")
    commit, tree, when = lines[1].split(" ")
    return commit, tree, commit_time(when)


# Files of an object store git opens by name while it lists refs and reads trees and blobs,
# and the folders whose files it opens (packs, split commit-graphs; and the loose refs of the
# namespaces read): one that is a FIFO (or a link to one) blocks git's open() for ever, a
# device can feed it without end.
_OPENED_FILES = (
    "config",
    "packed-refs",
    "commondir",
    "shallow",
    "objects/info/alternates",
    "objects/info/commit-graph",
)
_OPENED_FOLDERS = ("objects/pack", "objects/info/commit-graphs")
MAX_CHECKED_ENTRIES = 1_000_000  # entries of those folders looked at (a mirror's loose refs)


def blocking_file(repo: Repository, patterns: Sequence[str] = ()) -> str | None:
    """``<name>: a FIFO`` for the first file git would open that is not a regular file (or a
    link to one): a planted repository makes each git call wait for its deadline
    (``DEADLINE_SECONDS``) otherwise, and a scan of many such repositories for hours. Found by
    name and ``scandir`` types (no ``stat`` but of links); None when there is none. A loose
    object file is not looked at (a store holds millions): the deadline still bounds it."""

    def odd(full: str, is_link: bool) -> str | None:
        try:
            mode = os.stat(full).st_mode if is_link else os.lstat(full).st_mode
        except OSError:
            return None  # (absent, a dangling link or a loop: git fails, it does not wait)
        if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
            return None
        return describe_mode(mode)

    gitdir = repo.gitdir
    for name in _OPENED_FILES:
        full = os.path.join(gitdir, *name.split("/"))
        what = odd(full, os.path.islink(full))
        if what is not None:
            return f"{name}: {what}"
    seen = 0
    for top in (*_OPENED_FOLDERS, *_namespaces(patterns)):
        stack = [top]
        while stack:
            rel = stack.pop()
            try:
                entries = list(os.scandir(os.path.join(gitdir, *rel.split("/"))))
            except OSError:
                continue
            seen += len(entries)
            if seen > MAX_CHECKED_ENTRIES:
                return None  # (past it, the deadline bounds what is left)
            for entry in entries:
                name = f"{rel}/{entry.name}"
                try:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(name)
                        continue
                    if entry.is_file(follow_symlinks=False):
                        continue
                    is_link = entry.is_symlink()
                except OSError:
                    continue
                what = odd(entry.path, is_link)
                if what is not None:
                    return f"{name}: {what}"
    return None


MAX_SHALLOW_BYTES = 64 * 1024 * 1024


def shallow_commits(repo: Repository) -> frozenset[str]:
    """The commits of a shallow clone whose parents were not fetched (its ``shallow`` file;
    empty for a full repository). An unreadable file is an error: the cut is not known."""
    data = read_small(
        os.path.join(repo.gitdir, "shallow"), MAX_SHALLOW_BYTES + 1, head=MAX_SHALLOW_BYTES + 1
    )
    if isinstance(data, Unread):
        if data.kind is UnreadKind.ABSENT:
            return frozenset()
        raise SourceError(repo.display, "shallow: not read (where the history is cut)")
    if len(data) > MAX_SHALLOW_BYTES:
        raise SourceError(repo.display, f"shallow: more than {MAX_SHALLOW_BYTES} bytes")
    return frozenset(line.strip().decode("ascii", "replace") for line in data.splitlines() if line)


def history_cut(
    repo: Repository, commit: str, since: int | None, shallow: frozenset[str]
) -> tuple[str, int] | None:
    """The commit (and its time) where the first-parent history of ``commit`` from ``since`` on
    reaches a shallow clone's cut: before it, the clone holds nothing. None when that history
    is whole."""
    if not shallow:
        return None
    args = ["rev-list", "--first-parent", "--format=%H %ct"]
    if since is not None:
        args.append(f"--since=@{since}")
    out = run_git(repo, *args, "--end-of-options", commit)
    for line in out.decode("ascii", "replace").splitlines():
        oid, _, when = line.partition(" ")  # (and each "commit <oid>" line before it)
        if oid != "commit" and oid in shallow:
            return oid, commit_time(when)
    return None


# --- objects ------------------------------------------------------------------------------

# The modes git writes, as this module names them.
_MODES = {
    b"100644": "100644",
    b"100755": "100755",
    b"40000": TREE_MODE,
    b"120000": SYMLINK_MODE,
    b"160000": GITLINK_MODE,
}


def _canonical_mode(raw: bytes) -> str | None:
    """A tree entry's mode as git reads it (``canon_mode``): any regular file is 100644 or
    100755 (by its owner's execute bit), any folder 40000 (``040000`` zero-padded, which git
    fsck only warns about and checks out as a folder), a link 120000, anything else a gitlink;
    None for no octal number (git refuses the tree)."""
    if not raw or len(raw) > 7 or not raw.isdigit() or b"8" in raw or b"9" in raw:
        return None
    value = int(raw, 8)
    kind = stat.S_IFMT(value)
    if kind == stat.S_IFREG:
        return "100755" if value & 0o100 else "100644"
    if kind == stat.S_IFDIR:
        return TREE_MODE
    if kind == stat.S_IFLNK:
        return SYMLINK_MODE
    return GITLINK_MODE


@dataclass(frozen=True, slots=True)
class TreeFile:
    path: str  # in the repository, '/'-separated
    mode: str
    oid: str  # (``LINK_MODE``: the link's target as written)
    # a yarn lockfile's: the blob of each ``file:`` tarball it names in the same tree, in the
    # order of its ``LockfileGraph.unnamed_tarballs`` ('-': none there; ``gitscan.with_tarballs``)
    tarballs: tuple[str, ...] = ()


class ObjectStore:
    """One ``git cat-file --batch`` process over a repository's object store; trees are read
    once and the lockfiles below each subtree remembered, so refs that share folders share the
    work."""

    def __init__(self, repo: Repository, deadline: float = DEADLINE_SECONDS) -> None:
        self.repo = repo
        self._deadline = deadline
        self._ends: float | None = None  # the deadline's moment, set by the first start
        self._expired = False  # the deadline passed: the process was killed for it
        self._restarts = 0
        self._given_up = False  # no more processes: every object asked is an error
        self._proc: subprocess.Popen[bytes] | None = None  # started on the first read
        self._timer: threading.Timer | None = None
        # (a subtree's lockfiles depend on the lockfile name it inherits: yarn berry's
        # ``lockfileFilename`` from a ``.yarnrc.yml`` above; decision 0044)
        self._lockfiles: dict[tuple[str, str | None], tuple[TreeFile, ...]] = {}
        self._walked: set[str] = set()  # subtrees walked under some inherited name
        self._trees: dict[str, list[tuple[str, str, str]]] = {}
        self._entries = 0
        self._roots: dict[str, str] = {}  # commit -> its tree (``blob_at``)

    def _start(self) -> subprocess.Popen[bytes]:
        if self._proc is not None:
            return self._proc
        now = time.monotonic()
        if self._ends is None:
            self._ends = now + self._deadline
        try:
            proc = subprocess.Popen(
                git_command(self.repo.gitdir, "cat-file", "--batch"),
                env=git_environment(self.repo.gitdir),
                cwd=self.repo.gitdir,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError as exc:
            raise SourceError(self.repo.display, f"cannot run git: {exc.strerror or exc}") from None

        def expire() -> None:
            self._expired = True
            proc.kill()

        self._proc = proc
        self._timer = threading.Timer(max(self._ends - now, 0.0), expire)
        self._timer.daemon = True
        self._timer.start()
        return proc

    def _restart(self) -> None:
        """After ``cat-file`` stopped on an object it could not give (``git`` dies on a
        partial clone's blob it may not fetch, or on a damaged object): the old process
        closed; another is started for the objects after it unless the deadline passed or
        ``MAX_RESTARTS`` were (then every object asked is an error)."""
        self.close()
        self._proc = None
        if self._expired or self._restarts >= MAX_RESTARTS:
            self._given_up = True
        self._restarts += 1

    def _partial(self) -> bool:
        """Is the repository a partial clone (a ``.promisor`` pack: objects it lacks are its
        promisor remote's, never fetched here)?"""
        try:
            with os.scandir(os.path.join(self.repo.gitdir, "objects", "pack")) as entries:
                return any(e.name.endswith(".promisor") for e in entries)
        except OSError:
            return False

    def _unreadable(self, oid: str, culprit: bool = True) -> SourceError:
        """Why ``cat-file`` gave no object ``oid`` (it said missing, or stopped on it; not
        ``culprit``: no process was left to ask)."""
        if self._expired:
            return SourceError(
                self.repo.display, f"git cat-file: no answer in {self._deadline:.0f} s ({oid})"
            )
        if not culprit:
            return SourceError(
                self.repo.display,
                f"object {oid} not read: git cat-file stopped on {MAX_RESTARTS} objects"
                " of this repository before",
            )
        if self._partial():
            return SourceError(
                self.repo.display,
                f"object {oid} is not in this partial clone (a scan fetches nothing: fetch it,"
                " or scan a full clone or mirror)",
            )
        return SourceError(
            self.repo.display, f"object {oid} cannot be read: missing or damaged (git fsck)"
        )

    def __enter__(self) -> ObjectStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        proc = self._proc
        if proc is None:
            return
        if proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()
        if proc.stdout is not None:
            proc.stdout.close()
        # cat-file ends at the end of its input: reaped later rather than waited for here.
        _EXITING.append(proc)
        _reap()

    def read(self, oid: str, expected: str, limit: int) -> bytes:
        """The content of one object of type ``expected`` (at most ``limit`` bytes)."""
        got = self.read_many([oid], expected, limit)[0]
        if isinstance(got, SourceError):
            raise got
        return got

    def read_each(
        self, oids: Sequence[str], expected: str, limit: int, batch: int = 32
    ) -> Generator[bytes | SourceError]:
        """Each object of ``oids`` in order, ``batch`` asked per round trip, each handed out
        as soon as it is read: the caller holds one at a time (32 blobs of 500 MiB were held at
        once when a round was read whole)."""
        for start in range(0, len(oids), batch):
            yield from self._stream(oids[start : start + batch], expected, limit, None)

    def read_many(
        self, oids: Sequence[str], expected: str, limit: int, kinds: list[str] | None = None
    ) -> list[bytes | SourceError]:
        """Several objects in one round trip. ``expected`` "" takes any type (each one appended
        to ``kinds``)."""
        return list(self._stream(oids, expected, limit, kinds))

    def _stream(
        self, oids: Sequence[str], expected: str, limit: int, kinds: list[str] | None
    ) -> Generator[bytes | SourceError]:
        """One round trip: the requests are written by a thread while the answers are read
        here, so neither side waits on a full pipe. A caller that stops early leaves the rest
        of the answers read and dropped, so the next round trip reads its own. When
        ``cat-file`` stops on an object (``_Stopped``), that object is an error and the rest
        are asked of a new process (``_restart``)."""
        pending = oids
        while pending:
            if self._given_up:
                for oid in pending:
                    if kinds is not None:
                        kinds.append("")
                    yield self._unreadable(oid, culprit=False)
                return
            proc = self._start()
            stdin: IO[bytes] | None = proc.stdin
            stdout: IO[bytes] | None = proc.stdout
            assert stdin is not None and stdout is not None
            request = b"".join(oid.encode("ascii") + b"\n" for oid in pending)

            def send(stdin: IO[bytes] = stdin, request: bytes = request) -> None:
                with contextlib.suppress(OSError, ValueError):
                    stdin.write(request)
                    stdin.flush()

            if len(request) <= 4096:
                send()
                writer = None
            else:
                writer = threading.Thread(target=send, daemon=True)
                writer.start()
            answered = 0
            stopped = False
            try:
                for oid in pending:
                    got = self._answer(stdout, oid, expected, limit, kinds)
                    answered += 1
                    if isinstance(got, _Stopped):
                        stopped = True
                        yield self._unreadable(oid)
                        break
                    yield got
            finally:
                if not stopped:
                    for oid in pending[answered:]:
                        self._answer(stdout, oid, expected, -1, None)
                if writer is not None:
                    if stopped:
                        with contextlib.suppress(OSError):
                            stdin.close()
                    writer.join()
            pending = pending[answered:] if stopped else ()
            if stopped:
                self._restart()

    def read_any(self, oids: Sequence[str], limit: int) -> list[tuple[str, bytes] | SourceError]:
        """Objects of any type, with their type."""
        kinds: list[str] = []
        got = self.read_many(oids, "", limit, kinds)
        return [
            g if isinstance(g, SourceError) else (k, g) for g, k in zip(got, kinds, strict=True)
        ]

    def _answer(
        self,
        stdout: IO[bytes],
        oid: str,
        expected: str,
        limit: int,
        kinds: list[str] | None,
    ) -> bytes | SourceError | _Stopped:
        """One answer of ``cat-file --batch`` (with ``limit`` -1, read and dropped);
        ``_Stopped`` when the process ended before answering it whole."""
        try:
            header = stdout.readline()
        except (OSError, ValueError):
            header = b""
        parts = header.split()
        if len(parts) != 3 and kinds is not None:
            kinds.append("")
        if len(parts) == 2 and parts[1] == b"missing":
            return self._unreadable(oid)
        if len(parts) != 3:
            return _STOPPED
        kind, size = parts[1].decode("ascii"), int(parts[2])
        if kinds is not None:
            kinds.append(kind)
        if size > limit or (expected and kind != expected):
            _discard(stdout, size + 1)
            if expected and kind != expected:
                return SourceError(self.repo.display, f"object {oid} is a {kind}, not a {expected}")
            return SourceError(
                self.repo.display, f"object {oid}: {size} bytes, more than the {limit} allowed"
            )
        data = stdout.read(size + 1)
        if len(data) != size + 1:
            return _STOPPED  # (git dies on a damaged object after its header)
        return data[:size]

    def _prefetch(self, root: str) -> None:
        """Read the trees below ``root`` level by level, one round trip per level."""
        level = [root]
        while level:
            missing = [t for t in level if t not in self._trees]
            got_all = self.read_each(missing, "tree", MAX_TREE_BYTES)
            for oid, got in zip(missing, got_all, strict=True):
                if isinstance(got, SourceError):
                    raise got
                self._parse_tree(oid, got)
            nxt: dict[str, None] = {}
            for t in level:
                entries = self._trees.get(t)
                if entries is None:
                    return  # the cache is full: the walk reads the rest one by one
                for mode, name, oid in entries:
                    if mode == TREE_MODE and name not in SKIP_DIRS and oid not in self._walked:
                        nxt[oid] = None
            level = list(nxt)

    def tree(self, oid: str) -> list[tuple[str, str, str]]:
        """(mode, name, oid) of each entry of a tree object."""
        cached = self._trees.get(oid)
        if cached is not None:
            return cached
        return self._parse_tree(oid, self.read(oid, "tree", MAX_TREE_BYTES))

    def _parse_tree(self, oid: str, data: bytes) -> list[tuple[str, str, str]]:
        entries: list[tuple[str, str, str]] = []
        raw = 32 if len(oid) == 64 else 20
        pos, end = 0, len(data)
        room = MAX_TREE_ENTRIES - self._entries
        while pos < end:
            space = data.find(b" ", pos)
            nul = data.find(b"\0", space + 1)
            if space < 0 or nul < 0 or nul + 1 + raw > end:
                raise SourceError(self.repo.display, f"tree {oid}: malformed at byte {pos}")
            mode = _MODES.get(data[pos:space]) or _canonical_mode(data[pos:space])
            if mode is None:
                raise SourceError(self.repo.display, f"tree {oid}: malformed mode at byte {pos}")
            name = data[space + 1 : nul].decode("utf-8", "surrogateescape")
            entries.append((mode, name, data[nul + 1 : nul + 1 + raw].hex()))
            pos = nul + 1 + raw
            if len(entries) > room:  # (counted as read: a huge tree is not built whole first)
                raise SourceError(
                    self.repo.display,
                    f"more than {MAX_TREE_ENTRIES} tree entries: not scanned whole",
                )
        self._entries += len(entries)
        if len(self._trees) < MAX_CACHED_TREES:
            self._trees[oid] = entries
        return entries

    def blob_at(self, commit: str, path: str) -> str | None:
        """The oid of the regular file at ``path`` (a normalised path, '/'-separated) in
        ``commit``'s tree; None when there is none (missing, a folder, a symbolic link, a
        submodule, or a folder on the way that is one: no link is followed)."""
        tree = self._roots.get(commit)
        if tree is None:
            fields = _header_fields(self.read(commit, "commit", MAX_COMMIT_BYTES))
            tree = self._roots[commit] = fields.get("tree", "")
        parts = path.split("/")
        mode = TREE_MODE
        for n, part in enumerate(parts):
            entry = next((e for e in self.tree(tree) if e[1] == part), None)
            if entry is None:
                return None
            mode, _name, tree = entry
            if n < len(parts) - 1 and mode != TREE_MODE:
                return None
        return tree if mode in BLOB_MODES else None

    def lockfiles(
        self, tree: str, depth: int = 0, inherited: str | None = None
    ) -> tuple[TreeFile, ...]:
        """Lockfiles and package.json files at any depth below ``tree`` (dependency and VCS
        folders skipped, as on disk), and every file inside a ``.github`` folder (where rules'
        project indicators point: worm workflows). Symlinks are returned too, so the caller
        refuses a symlinked lockfile, and so are submodules (gitlinks, ``GITLINK_MODE``, whose
        oid is the submodule's commit, an object of another repository): the caller says they
        were not scanned. ``inherited``: the lockfile name yarn berry's ``lockfileFilename``
        gives ``tree``'s parent (``yarnrc.inherit``; None at a commit's root)."""
        got = self._lockfiles.get((tree, inherited))
        if got is not None:
            return got
        if depth == 0:
            self._prefetch(tree)
        if depth > MAX_DEPTH:
            raise SourceError(self.repo.display, f"folders nested more than {MAX_DEPTH} deep")
        entries = self.tree(tree)
        named, found = self._setting(entries, inherited)
        found.extend(self._links(entries))
        for mode, name, oid in entries:
            if mode == TREE_MODE:
                if name == GITHUB_DIR:
                    base = TreeFile(name, mode, oid)
                    found.extend(f for f in self._everything(base) if f.mode != TREE_MODE)
                    continue
                if name in SKIP_DIRS:
                    continue
                for sub in self.lockfiles(oid, depth + 1, named):
                    found.append(TreeFile(f"{name}/{sub.path}", sub.mode, sub.oid))
            elif mode == GITLINK_MODE or lockfile_name(name) is not None:
                found.append(TreeFile(name, mode, oid))
        if named is not None:
            found.extend(self._named_lockfile(entries, named))
        result = tuple(found)
        self._lockfiles[(tree, inherited)] = result
        self._walked.add(tree)
        return result

    def _links(self, entries: list[tuple[str, str, str]]) -> list[TreeFile]:
        """The symbolic links of a tree whose names are no lockfile's (those are listed as
        themselves: refused where lockfiles are read), as ``LINK_MODE`` files: their targets
        read in one round trip (a link is a small blob), in place of their oids."""
        linked = [
            (name, oid)
            for mode, name, oid in entries
            if mode == SYMLINK_MODE and lockfile_name(name) is None and name not in SKIP_DIRS
        ]
        if not linked:
            return []
        got = self.read_many([oid for _, oid in linked], "blob", MAX_LINK_BYTES)
        return [
            TreeFile(name, LINK_MODE, data.decode("utf-8", "surrogateescape"))
            for (name, _oid), data in zip(linked, got, strict=True)
            if isinstance(data, bytes) and data and b"\0" not in data
        ]

    def _setting(
        self, entries: list[tuple[str, str, str]], inherited: str | None
    ) -> tuple[str | None, list[TreeFile]]:
        """The lockfile name of a tree's projects (``yarnrc.inherit``) and, when its
        ``.yarnrc.yml`` cannot be read exactly (a link, a setting refused), that file in
        ``YARNRC_REFUSED_MODE`` (its blob's outcome is the error; its projects get no name)."""
        entry = next((e for e in entries if e[1] == YARNRC), None)
        if entry is None:
            return inherited, []
        mode, _name, oid = entry
        refused = [TreeFile(YARNRC, YARNRC_REFUSED_MODE, oid)]
        if mode not in BLOB_MODES:
            return None, refused
        try:
            data = self.read(oid, "blob", MAX_YARNRC_BYTES)
        except SourceError:
            return None, refused
        from gouvernante.lockfiles.pnpm_workspace import may_define_yarn_catalogs  # noqa: PLC0415

        catalogs = [TreeFile(YARNRC, YARNRC_CATALOGS_MODE, oid)]
        if not may_define_yarn_catalogs(data):
            catalogs = []
        try:
            return inherit(inherited, data, YARNRC), catalogs
        except LockfileError:
            return None, refused  # (its catalogs are not read either: decision 0056)

    def _named_lockfile(self, entries: list[tuple[str, str, str]], name: str) -> list[TreeFile]:
        """The file ``name`` (yarn berry's ``lockfileFilename``, from the tree's ``.yarnrc.yml``
        or one above) as the tree's project's lockfile (``YARNRC_LOCK_MODE``); when it is a
        link, a folder or a submodule, the tree's ``.yarnrc.yml`` or, without one, the entry
        itself in ``YARNRC_REFUSED_MODE`` (an error); nothing when there is no such entry (yarn
        would create it)."""
        entry = next((e for e in entries if e[1] == name), None)
        if entry is None:
            return []
        if entry[0] in BLOB_MODES:
            return [TreeFile(name, YARNRC_LOCK_MODE, entry[2])]
        own = next((e for e in entries if e[1] == YARNRC), None)
        return [
            TreeFile(name, YARNRC_REFUSED_MODE, entry[2])
            if own is None
            else TreeFile(YARNRC, YARNRC_REFUSED_MODE, own[2])
        ]

    def glob(self, tree: str, pattern: str) -> tuple[list[TreeFile], bool]:
        """Entries of ``tree`` matching a '/'-separated pattern (``*``, ``?``, ``[..]``, ``**``)
        and whether the matches were cut at ``MAX_GLOB_MATCHES``."""
        parts = [p for p in pattern.replace("\\", "/").split("/") if p and p != "."]
        current: list[TreeFile] = [TreeFile("", TREE_MODE, tree)]
        truncated = False
        for part in parts:
            nxt: list[TreeFile] = []
            for base in current:
                if base.mode != TREE_MODE:
                    continue
                if part == "**":
                    nxt.extend(self._everything(base))
                    continue
                for mode, name, oid in self.tree(base.oid):
                    if name == part or (
                        any(c in part for c in "*?[") and fnmatch.fnmatchcase(name, part)
                    ):
                        nxt.append(TreeFile(_join(base.path, name), mode, oid))
            current = list({f.path: f for f in nxt}.values())
            if len(current) > MAX_GLOB_MATCHES:
                current, truncated = current[:MAX_GLOB_MATCHES], True
            if not current:
                break
        return [f for f in current if f.path], truncated

    def _everything(self, base: TreeFile) -> Iterator[TreeFile]:
        yield base
        stack = [base]
        seen = 0
        while stack:
            node = stack.pop()
            for mode, name, oid in self.tree(node.oid):
                entry = TreeFile(_join(node.path, name), mode, oid)
                seen += 1
                if seen > MAX_GLOB_MATCHES * 20:
                    return
                yield entry
                if mode == TREE_MODE:
                    stack.append(entry)


@dataclass(frozen=True, slots=True)
class _Stopped:
    """``cat-file`` ended before answering an object (it died on it, or the deadline)."""


_STOPPED = _Stopped()
_EXITING: list[subprocess.Popen[bytes]] = []


def _reap() -> None:
    """Collect the cat-file processes that have ended (kill those lingering on)."""
    still: list[subprocess.Popen[bytes]] = []
    for proc in _EXITING:
        if proc.poll() is None:
            still.append(proc)
    if len(still) > 64:  # never let many pile up
        for proc in still:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=DEADLINE_SECONDS)
        still = [p for p in still if p.poll() is None]
    _EXITING[:] = still


def reap_all() -> None:
    """Wait for every cat-file process closed so far (end of a scan)."""
    for proc in _EXITING:
        try:
            proc.wait(timeout=DEADLINE_SECONDS)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    _EXITING.clear()


def _join(base: str, name: str) -> str:
    return f"{base}/{name}" if base else name


def _discard(stream: IO[bytes], count: int) -> None:
    while count > 0:
        chunk = stream.read(min(count, 1 << 20))
        if not chunk:
            return
        count -= len(chunk)


# --- history ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FileChange:
    path: str
    mode: str
    oid: str | None  # None: the file was deleted
    tarballs: tuple[str, ...] = ()  # as ``TreeFile.tarballs``, in the commit's tree


@dataclass(frozen=True, slots=True)
class CommitChanges:
    commit: str
    time: int
    changes: tuple[FileChange, ...]


def _skipped(path: str) -> bool:
    return any(part in SKIP_DIRS for part in path.split("/")[:-1])


def lockfile_history(
    repo: Repository,
    commit: str,
    since: int | None,
    store: ObjectStore | None = None,
    links: Sequence[str] = (),
) -> tuple[str | None, list[CommitChanges]]:
    """The first-parent commits of ``commit`` that changed a lockfile, oldest first, with what
    they changed (against their first parent: what the ref itself went through). With
    ``since``, only commits from then on, and the commit the ref stood at before (None when
    the history starts after ``since``). With ``store``, a lockfile yarn berry's
    ``lockfileFilename`` names is followed too, by each commit's own ``.yarnrc.yml`` files
    (``YARNRC_LOCK_MODE``; ``_follow_named``), and so is each symbolic link of ``links`` (the
    head's, by path) and of the commit before ``since``, as a ``LINK_MODE`` file (its target
    read; gone when the path is no link: decision 0113). A link only a commit between held
    is not known (git log selects paths, not modes; at most ``MAX_HISTORY_LINKS``)."""
    boundary: str | None = None
    if since is not None:
        before = run_git(
            repo,
            "rev-list",
            "--first-parent",
            "-1",
            f"--before=@{since - 1}",
            "--end-of-options",
            commit,
        )
        boundary = before.decode("ascii").strip() or None
    if store is None:
        return boundary, _log(repo, commit, since, ())
    linked = set(links)
    at_boundary = _boundary_files(repo, boundary, links=linked) if boundary is not None else {}
    paths = frozenset(sorted(linked)[:MAX_HISTORY_LINKS])
    commits = _link_targets(_log(repo, commit, since, (YARNRC,), paths), paths, store)
    settings = _Settings(store)
    names = settings.names(
        [f.oid for f in at_boundary.values() if f.path.endswith(YARNRC)]
        + [
            c.oid
            for entry in commits
            for c in entry.changes
            if c.oid is not None and c.path.rpartition("/")[2] == YARNRC
        ]
    )
    if not names:
        return boundary, [
            _refused_kept(entry, _without_yarnrc(entry), settings) for entry in commits
        ]
    if boundary is not None:
        at_boundary = _boundary_files(repo, boundary, names)
    logged = _log(repo, commit, since, (YARNRC, *sorted(names)), paths)
    commits = _link_targets(logged, paths, store)
    followed = _follow_named(commits, at_boundary, names, settings)
    return boundary, [_refused_kept(a, b, settings) for a, b in zip(commits, followed, strict=True)]


def _refused_kept(logged: CommitChanges, kept: CommitChanges, settings: _Settings) -> CommitChanges:
    """``kept`` with each ``.yarnrc.yml`` ``logged`` brings: one not read exactly (a setting
    refused, a link) as a change in ``YARNRC_REFUSED_MODE`` (its blob's outcome is the error, so
    a history whose lockfile name is unknown for a while is not called clean), one that may
    define yarn catalogs in ``YARNRC_CATALOGS_MODE`` (what a tree's snapshot holds: the
    catalogs past manifests' ``catalog:`` references are judged by), any other as the removal
    of the catalogs file at its path (a file gone, or one defining none now)."""
    more: list[FileChange] = []
    for c in logged.changes:
        if c.path.rpartition("/")[2] != YARNRC:
            continue
        if c.oid is not None and (c.mode not in BLOB_MODES or settings.read.get(c.oid) is None):
            more.append(FileChange(c.path, YARNRC_REFUSED_MODE, c.oid))
        elif c.oid is not None and c.oid in settings.catalogs:
            more.append(FileChange(c.path, YARNRC_CATALOGS_MODE, c.oid))
        else:
            more.append(FileChange(c.path, YARNRC_CATALOGS_MODE, None))
    if not more:
        return kept
    return CommitChanges(kept.commit, kept.time, kept.changes + tuple(more))


def _link_targets(
    commits: list[CommitChanges], links: frozenset[str], store: ObjectStore
) -> list[CommitChanges]:
    """``commits`` with each change at a path of ``links`` as a ``LINK_MODE`` file (its
    target read, in one round trip), or gone when the path holds no link then."""
    if not links:
        return commits
    wanted = sorted(
        {
            c.oid
            for entry in commits
            for c in entry.changes
            if c.path in links and c.mode == SYMLINK_MODE and c.oid is not None
        }
    )
    got = store.read_many(wanted, "blob", MAX_LINK_BYTES) if wanted else []
    targets = {
        oid: data.decode("utf-8", "surrogateescape")
        for oid, data in zip(wanted, got, strict=True)
        if isinstance(data, bytes) and data and b"\0" not in data
    }
    out: list[CommitChanges] = []
    for entry in commits:
        changes = tuple(
            c
            if c.path not in links
            else FileChange(
                c.path,
                LINK_MODE,
                targets.get(c.oid or "") if c.mode == SYMLINK_MODE else None,
            )
            for c in entry.changes
        )
        out.append(CommitChanges(entry.commit, entry.time, changes))
    return out


def _log(
    repo: Repository,
    commit: str,
    since: int | None,
    more: tuple[str, ...],
    links: frozenset[str] = frozenset(),
) -> list[CommitChanges]:
    """``git log --raw`` of the lockfiles (well-known names, and the file names ``more``) and
    of the paths ``links``."""
    args = [
        "log",
        "--first-parent",
        "--no-show-signature",
        "--no-textconv",
        "--no-ext-diff",
        "--no-renames",
        "--no-abbrev",
        "--no-color",
        "--raw",
        "-z",
        "--format=%x01%H %ct",
    ]
    if since is not None:
        args.append(f"--since=@{since}")
    extra = tuple(f":(top,glob)**/{name}" for name in more)
    extra += tuple(f":(top,literal){path}" for path in sorted(links))
    out = run_git(repo, *args, "--end-of-options", commit, "--", *_LOCKFILE_PATHSPECS, *extra)
    commits: list[CommitChanges] = []
    current: tuple[str, int] | None = None
    changes: list[FileChange] = []
    tokens = out.split(b"\0")
    i = 0
    while i < len(tokens):
        token = tokens[i].lstrip(b"\n")
        i += 1
        if token.startswith(b"\x01"):
            if current is not None:
                commits.append(CommitChanges(current[0], current[1], tuple(changes)))
            sha, _, when = token[1:].decode("ascii").partition(" ")
            current, changes = (sha, commit_time(when)), []
        elif token.startswith(b":"):
            fields = token[1:].decode("ascii").split(" ")
            path = tokens[i].decode("utf-8", "surrogateescape") if i < len(tokens) else ""
            i += 1
            if len(fields) != 5 or _skipped(path):
                continue
            name = path.rsplit("/", 1)[-1]
            if lockfile_name(name) is None and name not in more and path not in links:
                continue
            _old_mode, new_mode, _old, new, status = fields
            deleted = status.startswith("D") or new_mode == "000000"
            changes.append(FileChange(path, new_mode, None if deleted else new))
    if current is not None:
        commits.append(CommitChanges(current[0], current[1], tuple(changes)))
    commits.reverse()
    return commits


def _without_yarnrc(entry: CommitChanges) -> CommitChanges:
    kept = tuple(c for c in entry.changes if c.path.rpartition("/")[2] != YARNRC)
    return CommitChanges(entry.commit, entry.time, kept)


def _boundary_files(
    repo: Repository,
    commit: str,
    names: frozenset[str] = frozenset(),
    links: set[str] | None = None,
) -> dict[str, TreeFile]:
    """The ``.yarnrc.yml`` files of ``commit``'s tree, and the files named ``names``;
    ``links`` gets the paths of its symbolic links whose names are no lockfile's."""
    out = run_git(repo, "ls-tree", "-r", "-z", "--full-tree", "--end-of-options", commit)
    found: dict[str, TreeFile] = {}
    for line in out.split(b"\0"):
        head, _, raw = line.partition(b"\t")
        fields = head.decode("ascii", "replace").split(" ")
        path = raw.decode("utf-8", "surrogateescape")
        base = path.rpartition("/")[2]
        if len(fields) == 3 and (base == YARNRC or base in names) and not _skipped(path):
            found[path] = TreeFile(path, fields[0], fields[2])
        elif (
            links is not None
            and len(fields) == 3
            and fields[0] == SYMLINK_MODE
            and lockfile_name(base) is None
            and not _skipped(path)
            and base not in SKIP_DIRS
        ):
            links.add(path)
    return found


class _Settings:
    """Each ``.yarnrc.yml`` blob's ``yarnrc.Setting`` (False: it sets no name), read once."""

    def __init__(self, store: ObjectStore) -> None:
        self.store = store
        self.read: dict[str, Setting | Literal[False]] = {}
        self.catalogs: set[str] = set()  # those that may define yarn catalogs (decision 0056)

    def names(self, oids: Sequence[str]) -> frozenset[str]:
        """The lockfile names these blobs set (well-known ones left out)."""
        from gouvernante.lockfiles.pnpm_workspace import may_define_yarn_catalogs  # noqa: PLC0415

        missing = list(dict.fromkeys(o for o in oids if o not in self.read))
        for start in range(0, len(missing), 32):
            batch = missing[start : start + 32]
            got = self.store.read_many(batch, "blob", MAX_YARNRC_BYTES)
            for oid, data in zip(batch, got, strict=True):
                self.read[oid] = None if isinstance(data, SourceError) else setting_of(data, YARNRC)
                if not isinstance(data, SourceError) and may_define_yarn_catalogs(data):
                    self.catalogs.add(oid)
        return frozenset(s[0] for o in oids if (s := self.read.get(o)) and s[0] is not None)

    def of(self, files: Mapping[str, TreeFile]) -> dict[str, Setting]:
        """The settings of a tree's folders (``yarnrc.folder_name``), from its ``.yarnrc.yml``
        files (a link, or one not read: refused)."""
        found: dict[str, Setting] = {}
        for path, file in files.items():
            folder, _, base = path.rpartition("/")
            if base != YARNRC:
                continue
            setting = self.read.get(file.oid) if file.mode in BLOB_MODES else None
            if setting is not False:
                found[folder] = setting
        return found


def _named_in(
    files: Mapping[str, TreeFile],
    names: frozenset[str],
    by_folder: Mapping[str, Setting],
    memo: dict[str, str | None],
) -> dict[str, TreeFile]:
    """The files of ``files`` (a tree's ``.yarnrc.yml`` files and files named ``names``) that
    are their folder's lockfile by yarn berry's ``lockfileFilename`` (``_named``)."""
    found: dict[str, TreeFile] = {}
    for path, file in files.items():
        named = _named(path, file, names, by_folder, memo)
        if named is not None:
            found[path] = named
    return found


def _named(
    path: str,
    file: TreeFile | None,
    names: frozenset[str],
    by_folder: Mapping[str, Setting],
    memo: dict[str, str | None],
) -> TreeFile | None:
    """``file`` at ``path`` as its folder's lockfile (``YARNRC_LOCK_MODE``) when the folder's
    setting (``by_folder``: each folder's, ``yarnrc.folder_name``) names it; else None (a
    link, a folder or a submodule of that name too: ``-history`` follows what it can read, and
    the tree walk of the ref's head says the rest)."""
    if file is None or file.mode not in BLOB_MODES:
        return None
    folder, _, base = path.rpartition("/")
    if base not in names or folder_name(folder, by_folder, memo) != base:
        return None
    return TreeFile(path, YARNRC_LOCK_MODE, file.oid)


def _follow_named(
    commits: Sequence[CommitChanges],
    at_boundary: Mapping[str, TreeFile],
    names: frozenset[str],
    settings: _Settings,
) -> list[CommitChanges]:
    """Each commit's changes with its ``.yarnrc.yml`` files and files of the ``names`` turned
    into the changes of the lockfiles they make (``_named``, by that commit's own tree): a
    named lockfile appears, changes or goes as its content or any setting above it does. A
    commit that changes no ``.yarnrc.yml`` is looked at in the files it changes only."""
    files = dict(at_boundary)
    by_folder = settings.of(files)
    memo: dict[str, str | None] = {}
    named = _named_in(files, names, by_folder, memo)
    out: list[CommitChanges] = []
    for entry in commits:
        kept: list[FileChange] = []
        moved: list[str] = []
        for change in entry.changes:
            base = change.path.rpartition("/")[2]
            if base != YARNRC and base not in names:
                kept.append(change)
                continue
            moved.append(change.path)
            if change.oid is None:
                files.pop(change.path, None)
            else:
                files[change.path] = TreeFile(change.path, change.mode, change.oid)
        if any(path.rpartition("/")[2] == YARNRC for path in moved):
            by_folder, memo = settings.of(files), {}
            now = _named_in(files, names, by_folder, memo)
            gone = sorted(named.keys() - now.keys())
            came = sorted(path for path, f in now.items() if named.get(path) != f)
            named = now
        else:
            gone, came = [], []
            for path in sorted(set(moved)):
                got = _named(path, files.get(path), names, by_folder, memo)
                if got == named.get(path):
                    continue
                if got is None:
                    del named[path]
                    gone.append(path)
                else:
                    named[path] = got
                    came.append(path)
        kept.extend(FileChange(path, YARNRC_LOCK_MODE, None) for path in gone)
        kept.extend(FileChange(path, YARNRC_LOCK_MODE, named[path].oid) for path in came)
        out.append(CommitChanges(entry.commit, entry.time, tuple(kept)))
    return out
