"""A project's identity for the report (``scan.project``), so that ``collect`` groups the scans of
one repository together whichever CI runner or laptop made them.

In order: ``-project NAME``; the repository the CI job runs for (``GITHUB_REPOSITORY`` on
GitHub, ``CI_PROJECT_PATH`` on GitLab), prefixed by the server's host; the ``origin`` remote URL
of the git repository holding the scanned folder, read from ``.git/config`` as a plain file (git
is never run); else ``None`` and the report records the scan root on its host.

A CI repository and a remote URL name the same project the same way: ``github.com/org/repo``.
Credentials in a URL (``https://user:token@host/...``), its port, query and fragment are dropped
and never shown. A value with control or invisible characters is not an identity.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Mapping

from gouvernante.errors import GouvernanteError, UsageError
from gouvernante.fs.read import read_regular_file

MAX_PROJECT_CHARS = 256
MAX_GIT_CONFIG_BYTES = 1024 * 1024
_MAX_LEVELS = 64
_REMOTE = re.compile(r'\[\s*remote\s+"(?P<name>(?:[^"\\]|\\.)*)"\s*\]')
_SCP = re.compile(r"(?P<host>[^/:]+):(?P<path>(?!//).+)")


def _printable(text: str) -> bool:
    return all(unicodedata.category(c)[0] not in "CZ" or c == " " for c in text)


def clean_name(value: str) -> str | None:
    """The identity if ``value`` can be one: non-empty, printable, at most 256 characters."""
    name = value.strip()
    if not name or len(name) > MAX_PROJECT_CHARS or not _printable(name):
        return None
    return name


def project_identity(
    explicit: str | None, start: str, env: Mapping[str, str] | None = None
) -> str | None:
    """The project's identity, or None when only the scan root can say."""
    if explicit is not None:
        name = clean_name(explicit)
        if name is None:
            raise UsageError(
                f"-project: a name of 1 to {MAX_PROJECT_CHARS} printable characters is required"
            )
        return name
    environ = os.environ if env is None else env
    for name in (_from_ci(environ), _from_origin(start)):
        if name is not None:
            return name
    return None


def _server_host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        from urllib.parse import urlsplit  # noqa: PLC0415 (rarely needed: not imported at start)

        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host or None


def _from_ci(env: Mapping[str, str]) -> str | None:
    github = env.get("GITHUB_REPOSITORY")
    if github:
        host = _server_host(env.get("GITHUB_SERVER_URL")) or "github.com"
        return clean_name(f"{host}/{github.strip('/')}")
    gitlab = env.get("CI_PROJECT_PATH")
    if gitlab:
        server = env.get("CI_SERVER_HOST") or _server_host(env.get("CI_SERVER_URL"))
        return clean_name(f"{server}/{gitlab.strip('/')}" if server else gitlab.strip("/"))
    return None


def remote_identity(url: str) -> str | None:
    """``https://user:token@github.com:443/org/repo.git?x#y`` and ``git@github.com:org/repo``
    -> ``github.com/org/repo``; a local path stays a path. Never keeps the credentials."""
    url = url.strip()
    if "://" in url:
        try:
            from urllib.parse import urlsplit  # noqa: PLC0415

            parts = urlsplit(url)
            host = parts.hostname or ""  # without user:password@ and :port
        except ValueError:
            return None
        path = parts.path
        where = f"{host}/{path.strip('/')}" if host else path
    else:
        head, slash, tail = url.partition("/")
        if "@" in head:  # user@host:path, user:password@host/path
            url = head.rpartition("@")[2] + slash + tail
        scp = _SCP.fullmatch(url)
        where = f"{scp.group('host')}/{scp.group('path').strip('/')}" if scp else url
    where = where.rstrip("/").removesuffix(".git").rstrip("/")
    return clean_name(where)


def _git_config(start: str) -> str | None:
    """The config file of the repository holding ``start`` (a linked worktree's or submodule's
    ``commondir``'s, when its git folder names one)."""
    git_dir = _git_dir(start)
    if git_dir is None:
        return None
    try:
        common = read_regular_file(os.path.join(git_dir, "commondir"), 4096).decode("utf-8")
    except (GouvernanteError, UnicodeDecodeError):
        return os.path.join(git_dir, "config")
    return os.path.join(git_dir, common.strip(), "config")


def _git_dir(start: str) -> str | None:
    """The git folder of the work tree holding ``start``: its ``.git`` folder, or the folder a
    ``.git`` file names (``gitdir: PATH``: a linked worktree's own, where its ``HEAD`` is)."""
    here = os.path.abspath(start)
    for _ in range(_MAX_LEVELS):
        dot_git = os.path.join(here, ".git")
        if os.path.isdir(dot_git):
            return dot_git
        if os.path.isfile(dot_git):
            try:
                text = read_regular_file(dot_git, 4096).decode("utf-8")
            except (GouvernanteError, UnicodeDecodeError):
                return None
            first = text.splitlines()[0] if text else ""
            if not first.startswith("gitdir:"):
                return None
            return os.path.join(here, first.removeprefix("gitdir:").strip())
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent
    return None


def origin_url(config_text: str) -> str | None:
    """The first ``url`` of ``[remote "origin"]`` in a git config file's text."""
    in_origin = False
    for raw in config_text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            match = _REMOTE.match(line)
            in_origin = match is not None and match.group("name") == "origin"
            continue
        if not in_origin:
            continue
        key, sep, value = line.partition("=")
        if not sep or key.strip().lower() != "url":
            continue
        value = value.strip()
        if value.startswith('"'):
            value = value[1:].partition('"')[0]
        else:
            value = re.split(r"\s[#;]", value, maxsplit=1)[0].strip()
        return value or None
    return None


def _from_origin(start: str) -> str | None:
    config = _git_config(start)
    if config is None:
        return None
    try:
        text = read_regular_file(config, MAX_GIT_CONFIG_BYTES).decode("utf-8", "replace")
    except GouvernanteError:
        return None
    url = origin_url(text)
    return remote_identity(url) if url else None


def _ci_ref(env: Mapping[str, str]) -> str | None:
    """The ref a CI job runs for: GitHub's ``GITHUB_REF`` (``refs/heads/main``,
    ``refs/pull/12/merge``, ``refs/tags/v1``); GitLab's tag, branch or merge request."""
    github = env.get("GITHUB_REF")
    if github and env.get("GITHUB_REPOSITORY"):
        return github.strip()
    if env.get("CI_PROJECT_PATH"):
        for variable, prefix in (
            ("CI_COMMIT_TAG", "refs/tags/"),
            ("CI_COMMIT_BRANCH", "refs/heads/"),
            ("CI_MERGE_REQUEST_IID", "refs/merge-requests/"),
        ):
            value = env.get(variable, "").strip()
            if value:
                return prefix + value + ("/head" if variable == "CI_MERGE_REQUEST_IID" else "")
    return None


def repository_ref(start: str, env: Mapping[str, str] | None = None) -> str | None:
    """The ref checked out in the work tree holding ``start`` (``refs/heads/main``): its
    ``HEAD`` file's, read as a plain file (git is never run). A detached ``HEAD`` (CI checkouts
    of pull requests) takes the CI job's ref, only when the job runs for this repository (its
    identity is the origin remote's, or there is no origin); else None. ``collect`` keeps the
    scans of each ref of a repository apart, so a clean scan of one branch never shows another
    branch's affected scan remediated."""
    git_dir = _git_dir(start)
    if git_dir is None:
        return None
    try:
        head = read_regular_file(os.path.join(git_dir, "HEAD"), 4096).decode("utf-8").strip()
    except (GouvernanteError, UnicodeDecodeError):
        head = ""
    if head.startswith("ref:"):
        return clean_name(head.removeprefix("ref:"))
    environ = os.environ if env is None else env
    ci, origin = _from_ci(environ), _from_origin(start)
    if ci is None or (origin is not None and origin != ci):
        return None
    ref = _ci_ref(environ)
    return clean_name(ref) if ref else None


def repository_path(start: str) -> str | None:
    """Where ``start`` sits in the git work tree holding it: the path from the tree's top (the
    nearest folder above with a ``.git``, a folder or a file), ``/``-separated, ``.`` at the
    top; None outside one. The same on every runner or laptop that checked the repository out,
    wherever they put it (``collect`` compares scans of one project by it)."""
    here = os.path.abspath(start)
    folder = here
    for _ in range(_MAX_LEVELS):
        if os.path.lexists(os.path.join(folder, ".git")):
            rel = os.path.relpath(here, folder).replace(os.sep, "/")
            return rel if _printable(rel) else None
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent
    return None
