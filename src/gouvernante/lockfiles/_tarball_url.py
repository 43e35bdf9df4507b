"""The package and version a registry tarball URL names (decision 0030).

npm (``resolved``), bun (the registry element of a package tuple, a tarball resolution) and yarn
berry (``__archiveUrl``) download the URL the lockfile gives, whatever the entry's key, name or
version say; the integrity they check is the lockfile's own. So an entry whose URL is the
registry tarball of another package installs that package. Every npm registry (npmjs.org, yarn's
mirror, Verdaccio, Nexus, Artifactory, GitLab, CodeArtifact) serves tarballs at
``<base>/<name>/-/<file>.tgz``: the name is the path's last segment, or its last two when the
next to last is a scope (``@s/x``, also ``@s%2fx`` and ``%40s%2fx``), and the file is
``<name without scope>-<version>.tgz`` (Artifactory and GitLab: ``@s/x-<version>.tgz``). Other
URLs (git, GitHub/codeload archives, plain file servers, ``file:``) name no package: none is
derived from them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from gouvernante.lazy import lazy_pattern
from gouvernante.model import LockedPackage, Source


def may_name_a_package(url: str) -> bool:
    """Could ``registry_identity`` find a package in ``url``? False only for a URL with no
    ``/-/``, no escape, no backslash and no tab or line break (the readers' cheap test before
    the full one: most URLs of a lockfile are the entry's own registry tarball)."""
    return "/-/" in url or "%" in url or "\\" in url or "\t" in url or "\n" in url or "\r" in url


def _http_path(url: str) -> str | None:
    """The path of an http(s) URL as the package managers' URL parsers (WHATWG's, node's
    ``new URL``) and the registry read it, or None: spaces and control characters around it
    dropped, tabs and line breaks anywhere removed, backslashes read as slashes, any number of
    slashes after the scheme (``https:registry.npmjs.org/...``), the path percent-decoded as the
    registry decodes it (``%2D``, ``%2F``), without its query and fragment."""
    text = url.strip("".join(map(chr, range(0x21))))
    if "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\t", "").replace("\n", "").replace("\r", "")
    scheme, colon, rest = text.partition(":")
    if not colon or scheme.lower() not in ("http", "https"):
        return None
    rest = rest.replace("\\", "/").lstrip("/")
    path = rest.partition("/")[2].partition("?")[0].partition("#")[0]
    if "/." in f"/{path}" or ("%2" in path and "%2e" in path.lower()):
        path = _without_dot_segments(path)
    if "%" in path:
        from urllib.parse import unquote  # noqa: PLC0415 - escaped URLs only (decision 0024)

        path = unquote(path)
    return path


_SINGLE_DOT = frozenset((".", "%2e"))
_DOUBLE_DOT = frozenset(("..", ".%2e", "%2e.", "%2e%2e"))


def _without_dot_segments(path: str) -> str:
    """``path`` (after the host's ``/``) with its ``.`` and ``..`` segments resolved as the
    WHATWG URL parser resolves them (``%2e`` counts as a dot, in any case): npm, pnpm, yarn and
    bun fetch ``/ms/-/./ms-2.1.3.tgz`` and ``/ms/-/ms-2.1.2.tgz/../ms-2.1.3.tgz`` as
    ``/ms/-/ms-2.1.3.tgz`` (npm 11.19.1, pnpm 9 and 10, yarn 1.22.22, bun 1.4.5 installed it)."""
    segments = path.split("/")
    out: list[str] = []
    last = len(segments) - 1
    for at, segment in enumerate(segments):
        lowered = segment.lower()
        if lowered in _DOUBLE_DOT:
            if out:
                out.pop()
        elif lowered not in _SINGLE_DOT:
            out.append(segment)
            continue
        if at == last:  # a path ending in a dot segment ends with a "/"
            out.append("")
    return "/".join(out)


def registry_identity(url: str) -> tuple[str, str] | None:
    """``(name, version)`` of an http(s) URL laid out as a registry tarball (a ``/-/`` in its
    path, read as ``_http_path`` reads it: an escaped or backslashed spelling is the same URL
    to the package managers and the registry); the version is ``""`` when the file name is not
    ``<name>-<version>.tgz`` (the path then names a package whose tarball it does not hold).
    None for any other URL."""
    path = _http_path(url)
    if path is None:
        return None
    head, sep, file = path.rpartition("/-/")
    if not sep:
        return None
    parts = head.split("/")
    name = parts[-1]
    if not name:
        return None
    if "/" not in name and len(parts) > 1 and parts[-2].startswith("@"):
        name = f"{parts[-2]}/{name}"
    if file.endswith(".tgz"):
        stem = file[:-4]
        for prefix in (f"{name.rpartition('/')[2]}-", f"{name}-"):
            if stem.startswith(prefix) and len(stem) > len(prefix):
                return name, stem[len(prefix) :]
    return name, ""


# A name whose registry URL is ``<registry>/<name>/-/<base>-<version>.tgz`` as written: no escape,
# dot segment, backslash, query, fragment or white space (npm's names, older ones' capitals too)
_PLAIN = r"(?>@[\w~-][\w.~-]*+/)?+[\w~-][\w.~-]*+"  # (possessive: no backtracking)
PLAIN_NAME = lazy_pattern(_PLAIN, re.ASCII)


def built_url(name: str, version: str) -> str | None:
    """The registry tarball URL a package manager builds for a registry package it has no URL
    of (the registry's base: its host is not the point here; the file named after the part of a
    scoped name past its first ``/``), or None for a plain name (that URL names the package
    itself). A name that is no npm name can build another package's URL, and the registry
    serves that package for its packument too: bun 1.4.5 fetched ``%6ds`` 2.1.3 (bun.lock and
    bun.lockb) as ms 2.1.3, the registry decoding the path, bun 1.1.38 ``./ms`` and ``.\\ms``
    (bun.lockb), deno 2.9.6 ``%6ds`` and ``./ms`` (deno.lock); each installed it under the
    dependency's folder name. ``registry_identity`` of the URL names the package installed."""
    if PLAIN_NAME.fullmatch(name):
        return None
    base = name.partition("/")[2] if name.startswith("@") else name
    return f"https://registry.npmjs.org/{name}/-/{base}-{version}.tgz"


def registry_name(name: str) -> str | None:
    """The package the registry serves for a dependency name a package manager puts in its URL
    as written (``<registry>/<name>``), when that is another package than ``name``: backslashes
    read as slashes, dot segments resolved (before and after the registry decodes the path) and
    escapes decoded. yarn 1.22.22 installed ms 2.1.3 for the keys ``x/../ms``, ``@x/../ms``,
    ``ms/``, ``.\\ms``, ``%2e/ms``, ``x/%2e%2e/ms``, ``x%2f..%2fms`` and ``%6ds``; bun 1.4.5 for
    ``%6ds``, ``m%73`` and ``x%2f..%2fms``; yarn 4.18.1 for ``%6ds`` and ``.\\ms``; pnpm 10,
    yarn and bun for ``npm:%6ds@2.1.3`` (npm refuses them all). None for a plain name, a path
    yarn reads as a folder (``./ms``, ``../ms``, ``/ms``: yarn 1 refused ``./ms``) and a path
    that is no package's (``x/ms`` is release ``ms`` of ``x`` to the registry)."""
    if PLAIN_NAME.fullmatch(name) or name.startswith(("./", "../", "/")):
        return None
    path = _without_dot_segments(name.replace("\\", "/"))
    if "%" in path:
        from urllib.parse import unquote  # noqa: PLC0415 - escaped names only (decision 0024)

        path = _without_dot_segments(unquote(path))
    path = path.strip("/")
    if path == name or not PLAIN_NAME.fullmatch(path):
        return None
    return path


# ``PLAIN_NAME`` a line, any number of times (possessive: one pass over the joined names)
_PLAIN_LINES = lazy_pattern(rf"(?>{_PLAIN}\n)*+", re.ASCII)


def names_not_plain(names: Sequence[str]) -> list[str]:
    """The names of ``names`` (each once) for which ``built_url`` builds a URL: none in a real
    file, which one match over the joined names tells (50,000 names: 4 ms, against 12 ms for a
    test of each distinct name); the readers' gate before ``built_url``."""
    joined = "\n".join(names) + "\n"
    if _PLAIN_LINES.fullmatch(joined) is not None and joined.count("\n") == len(names):
        return []  # (the count: a name holding a line break is no plain one)
    plain = PLAIN_NAME.fullmatch
    return [name for name in set(names) if not plain(name)]


def injected(
    key: str, name: str, version: str, url: str, integrity: str | None
) -> LockedPackage | None:
    """The package ``url`` installs at node ``key`` when it is the registry tarball of another
    package or version than ``name``@``version`` (source ``tarball``, the URL its ``resolved``);
    None when it names this one, or no package at all."""
    found = registry_identity(url)
    if found is None or found == (name, version):
        return None
    return LockedPackage(key, found[0], found[1], Source.TARBALL, integrity, url)


def injection_error(where: str, tool: str) -> str:
    """The entry error of an entry whose URL ``injected`` a package (``where``: its position)."""
    return (
        f"{where}: the registry tarball of another package or version than this entry's; {tool}"
        " installs what the URL names (lockfile injection or a bad merge?)"
    )


# npm-package-arg reads a ``file:`` spec as a tarball when its path ends so (case-insensitive);
# pnpm, yarn and bun read the same endings.
_TARBALL_ENDS = (".tgz", ".tar.gz", ".tar")


def local_tarball(reference: str) -> bool:
    """Does a local reference name a packed tarball rather than a folder? ``reference``: a
    ``resolved`` (``file:vendor/x.tgz``, bun's ``vendor/x.tgz``), a yarn berry locator's range
    (``file:vendor/x.tgz#vendor/x.tgz::hash=…``, ``…::locator=…``), yarn 1's ``file:…#<sha1>``,
    or pnpm's and bun's store folder (``<name>@file+vendor+x.tgz``). A packed tarball may be a
    copy of a registry release, byte for byte, which its name and version then are (decision
    0072); a folder, a link or a workspace is the project's own code."""
    target = reference.partition("::")[0].partition("#")[0].rstrip("/")
    return target.lower().endswith(_TARBALL_ENDS)


def locked_from_local_tarball(pkg: LockedPackage) -> bool:
    """Is this local package (``Source.LOCAL``) a packed tarball (``local_tarball``)? Its
    reference: ``resolved`` (npm, pnpm, yarn 1, bun), else yarn berry's locator in the id."""
    if pkg.source is not Source.LOCAL:
        return False
    return local_tarball(pkg.resolved or pkg.id.partition("@file:")[2])
