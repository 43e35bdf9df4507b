"""npm package URLs (``pkg:npm/[%40scope/]name[@version][?qualifiers][#subpath]``) split as the
purl specification writes them: the one reading shared by the SBOM reader (every component's
identity) and the OSV importer (``affected[].package.purl``). Whether the name is one npm can
have, and whether a version is required, is the caller's to say."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote


class PurlProblem(Exception):
    """A malformed package URL; the message names what is wrong, never the value."""


@dataclass(frozen=True)
class NpmPurl:
    name: str  # ``@scope/name`` or ``name``, percent-decoded
    version: str | None  # None: the purl names no version
    query: str  # the qualifiers as written (after ``?``, before ``#``)


def split_npm_purl(purl: str) -> NpmPurl | None:
    """``purl`` split, or None for another package type; ``PurlProblem`` when it is no package
    URL, or an npm one whose namespace is not an ``@scope``."""
    scheme, colon, rest = purl.partition(":")
    if not colon or scheme.lower() != "pkg":
        raise PurlProblem("not a package URL (pkg:TYPE/...)")
    kind, slash, rest = rest.lstrip("/").partition("/")
    if not slash or not kind:
        raise PurlProblem("package URL without a type and name")
    if kind.lower() != "npm":
        return None
    rest, _, query = rest.partition("#")[0].partition("?")
    namespace, _, last = rest.rstrip("/").rpartition("/")
    at = last.rfind("@")
    name, version = (last, None) if at <= 0 else (last[:at], unquote(last[at + 1 :]))
    name = unquote(name)
    if namespace:
        scope = unquote(namespace)
        if "/" in scope or not scope.startswith("@"):
            raise PurlProblem("npm package URL whose namespace is not an @scope")
        name = f"{scope}/{name}"
    return NpmPurl(name, version, query)
