"""Pieces shared by the yarn classic and berry parsers: descriptors, sources, lazy details."""

from __future__ import annotations

from collections.abc import Callable, Container, Mapping, Sequence

from gouvernante.errors import LockfileError, SemverError
from gouvernante.lazy import lazy_pattern
from gouvernante.lockfiles._common import split_at_version
from gouvernante.model import Source

# A double-quoted string as both yarn formats write it (JSON-like escapes).
DQ = r'"[^"\\]*(?:\\.[^"\\]*)*"'

_HTTP = ("http://", "https://")
_GIT_PREFIXES = ("git:", "git+", "git@", "github:", "gitlab:", "bitbucket:", "gist:", "ssh:")
_LOCAL_PREFIXES = ("file:", "link:", "portal:", "workspace:", "exec:", ".", "/", "~/")
_TARBALL_SUFFIXES = (".tgz", ".tar.gz", ".tar")
_GIT_HOSTS = ("github.com/", "gitlab.com/", "bitbucket.org/")
_PROTOCOL = lazy_pattern(r"[a-z][a-z0-9+.-]*:")
_SEMVER_START = frozenset("^~<>=*0123456789")


def unquote_dq(token: str, path: str, line: int) -> str:
    """The value of a double-quoted token (quotes included); JSON escapes are decoded."""
    if "\\" not in token:
        return token[1:-1]
    import json  # noqa: PLC0415 - only for an escape (decision 0024: not at every start)

    try:
        value = json.loads(token, strict=False)
    except ValueError:
        raise LockfileError(
            path, "bad escape in a quoted string", json_path=f"line {line}"
        ) from None
    if not isinstance(value, str):  # pragma: no cover - a quoted token always decodes to str
        raise LockfileError(path, "expected a string", json_path=f"line {line}")
    return value


def alias_target(name: str, range_: str) -> tuple[str, str]:
    """Resolve a yarn 1 ``npm:`` alias: (``my-lodash``, ``npm:lodash@4``) -> (``lodash``,
    ``4``). Without a version the target is a package name, as yarn 1.22.22 reads it:
    ``"ms": "npm:latest"`` installs the package named ``latest`` (0.2.0) in node_modules/ms and
    ``"ms": "npm:^2.1.0"`` fails ('Couldn't find package "^2.1.0"': such an entry is none yarn 1
    wrote, read as the key's range as before); yarn berry reads both as ms's own tag or range,
    but its entries are named by their resolution, not by this."""
    if not range_.startswith("npm:"):
        return name, range_
    inner = range_[4:]
    at = inner.find("@", 1)
    if at < 0:
        return (inner, "") if _BARE_NAME.fullmatch(inner) else (name, inner)
    return inner[:at], inner[at + 1 :]


# a package name as npm allows a new one (lower case; no range operator, space or ``@``)
_BARE_NAME = lazy_pattern(r"(?:@[a-z0-9~-][a-z0-9._~-]*/)?[a-z0-9~-][a-z0-9._~-]*")


def classify(reference: str) -> Source:
    """The source of a classic range or a berry resolution reference."""
    if reference[:1] in _SEMVER_START or reference.startswith("npm:"):
        return Source.REGISTRY
    while reference.startswith("patch:"):  # a patch of the (URL-encoded) locator it wraps
        from urllib.parse import unquote  # noqa: PLC0415 - patches only (decision 0024)

        reference = split_at_version(unquote(reference[6:].split("#", 1)[0]))[1]
    if reference[:1] in _SEMVER_START or reference.startswith("npm:"):
        return Source.REGISTRY
    if reference.startswith(_LOCAL_PREFIXES):
        return Source.LOCAL
    if reference.startswith(_GIT_PREFIXES):
        return Source.GIT
    if reference.startswith(_HTTP):
        base = reference.split("#", 1)[0]
        if base.endswith(_TARBALL_SUFFIXES):
            return Source.TARBALL
        if (
            base.endswith(".git")
            or "#commit=" in reference
            or any(host in base for host in _GIT_HOSTS)
        ):
            return Source.GIT
        return Source.TARBALL
    if "/" in reference and not reference.startswith("@") and not _PROTOCOL.match(reference):
        return Source.GIT  # GitHub shorthand "owner/repo#ref"; npm ranges never hold "/"
    return Source.REGISTRY


def has_protocol(range_: str) -> bool:
    return _PROTOCOL.match(range_) is not None


class YarnDetails:
    """Lazy ``GraphDetails``: edges are built by ``build`` on first use, lines looked up by id."""

    __slots__ = ("_build", "_edges", "_ids", "_line_map", "_lines")

    def __init__(
        self,
        ids: Sequence[str],
        lines: Sequence[int],
        build: Callable[[], dict[str, list[str]]],
    ) -> None:
        self._ids = ids
        self._lines = lines
        self._build = build
        self._edges: dict[str, list[str]] | None = None
        self._line_map: dict[str, int] | None = None

    def edges(self) -> Mapping[str, Sequence[str]]:
        if self._edges is None:
            self._edges = self._build()
        return self._edges

    def line_of(self, node_id: str) -> int | None:
        if self._line_map is None:
            line_map: dict[str, int] = {}
            for node, line in zip(self._ids, self._lines, strict=True):
                if node:  # "" marks a key that is not a node (berry's __metadata)
                    line_map.setdefault(node, line)
            self._line_map = line_map
        return self._line_map.get(node_id)


def link_children(
    deps: Sequence[tuple[str, str]],
    lookup: Callable[[str, str], str | None],
) -> list[str]:
    """The child ids of one entry's ``(name, range)`` dependencies, in order, without repeats
    (a dict keeps the order: the root's thousands of dependencies are no quadratic scan)."""
    children: dict[str, None] = {}
    for name, range_ in deps:
        child = lookup(name, range_)
        if child is not None:
            children[child] = None
    return list(children)


def check_references(
    keys: Sequence[str],
    lines: Sequence[int],
    deps_of: Callable[[int], Sequence[tuple[str, str]]],
    path: str,
    *,
    berry: bool,
    versions: Sequence[str] = (),
    absent: list[tuple[str, int, str]] | None = None,
    catalogs: list[tuple[str, int]] | None = None,
) -> list[str]:
    """Every dependency of every entry must name an entry: a file cut between two entries, or
    an entry deleted by hand, is an error, not a smaller lockfile.

    ``keys`` are the entries' headers (descriptors joined by ``,``; ``""`` for a key that is no
    entry). A dependency resolves when its descriptor heads an entry: yarn classic keys every
    entry by the ranges that asked for it. Berry also writes ``npm:`` implied, and rewrites the
    key of an entry that ``resolutions``, catalogs or workspaces decide while the dependent
    keeps its range: there, an entry with the dependency's name is enough when its version
    satisfies the range, the range is no semver range (catalog:, link:) or the name is a
    workspace; the names left (an override outside the range, or a cut file) are returned for
    the root ``resolutions`` to decide. ``catalogs`` (berry): a ``catalog:`` dependency's entry
    is keyed by the catalog's range, which only ``.yarnrc.yml`` says (not read, decision 0054);
    yarn writes no entry nothing refers to, so an entry of that name no other dependency's
    descriptor heads is the one it resolves to. When every entry of the name is another
    dependency's, the catalog's may have been cut (or the catalog names the same range): the
    name and the dependent's line are listed there (an error when a rule names it).
    ``absent`` (yarn classic): a dependency whose descriptor heads
    no entry is listed there, with its entry's line, instead of refusing the file: yarn 1 links a
    workspace whose version satisfies the range, also when other entries of that name answer
    other ranges (sharp's ``semver "^7.7.2"`` by a workspace semver 7.99.0 beside
    ``semver@6.3.1``), and writes no entry for it, so only the package.json beside can say
    whether a workspace of that name answers it (``LockfileGraph.unkeyed``).
    """
    by_name: dict[str, list[str]] = {}
    descriptors: set[str] = set()
    names: set[str] = set()
    for index, key in enumerate(keys):
        version = versions[index] if index < len(versions) else None
        for descriptor in key_descriptors(key):
            descriptors.add(descriptor)
            name = split_at_version(descriptor)[0]
            names.add(name)
            if version is not None:
                by_name.setdefault(name, []).append(version)
        if not berry and key[-1:].isspace() | key[:1].isspace() | (" ," in key):
            # yarn 1 keys an entry by each header token as written: yarn 1.22.22 writes
            # ``"is-number@^7.0.0 ":`` for a dependency whose package.json range ends with a
            # space, and that dependency, written ``is-number "^7.0.0 "``, is answered by it
            # (``yarn install --frozen-lockfile`` reads the file; @oclif/plugin-commands 2.0.1,
            # decision 0148). Stripped, only the token as written was missed; a dependency on the
            # stripped range stays ``_keyed_otherwise``'s error (decision 0099).
            descriptors.update(piece for piece in key.split(", ") if piece != piece.strip())
    unverified: list[str] = []
    referenced: set[str] = set()
    # ``name@file:`` for each name an entry keyed by a file: descriptor has (yarn classic)
    local_heads = (
        {d[: d.index("@file:", 1) + 6] for d in descriptors if "@file:" in d[1:]}
        if absent is not None
        else set()
    )
    # name -> (line of the first entry with a catalog: on it, the catalogs it is asked from)
    by_catalog: dict[str, tuple[int, set[str]]] = {}
    for index, key in enumerate(keys):
        if not key:
            continue
        for name, range_ in deps_of(index):
            answered = heading(name, range_, descriptors, berry=berry)
            if answered is not None:
                referenced.add(answered)
                continue
            if catalogs is not None and name in names and range_.startswith("catalog:"):
                by_catalog.setdefault(name, (lines[index], set()))[1].add(range_[8:].strip())
            if berry and name in names:
                if not _accepted(range_, by_name.get(name, ())) and name not in unverified:
                    unverified.append(name)
                continue
            if absent is not None:  # (other entries of the name may be there: another range)
                if range_[:5] == "file:" and f"{name}@file:" in local_heads:
                    # yarn 1.22.22 writes a file: folder's own file: dependency as a path into
                    # its cache (``other "file:../../cache/.../node_modules/other"``) and keys
                    # the entry by the path the project asked (``other@file:local/other``)
                    continue
                absent.append((name, lines[index], range_))
                continue
            raise LockfileError(
                path,
                "a dependency of this entry resolves to no entry of the file (truncated or"
                " edited lockfile?)",
                json_path=f"line {lines[index]}",
            )
    if catalogs is not None:
        catalogs.extend(_unanswered_catalogs(by_catalog, descriptors, referenced))
    return unverified


def split_key(key: str) -> list[str]:
    """An entry's header (``"a@^1, a@^1.2"``) cut at each comma, the spaces around it dropped
    (an empty descriptor kept): what ``re.split(" *, *", key.strip())`` gives, in time linear in
    the key (sre tries `` *`` from each space of a run: a key of 100,000 spaces took 14 s,
    decision 0116)."""
    return [part.strip(" ") for part in key.strip().split(",")]


def key_descriptors(key: str) -> list[str]:
    """The descriptors an entry's header names (``"a@^1, a@^1.2"``), as both formats write them."""
    return [descriptor for descriptor in split_key(key) if descriptor]


def heading(name: str, range_: str, descriptors: Container[str], *, berry: bool) -> str | None:
    """The descriptor of the entry a dependency names exactly (berry writes ``npm:`` implied)."""
    descriptor = f"{name}@{range_}"
    if descriptor in descriptors:
        return descriptor
    descriptor = f"{name}@npm:{range_}"
    return descriptor if berry and descriptor in descriptors else None


def _unanswered_catalogs(
    by_catalog: Mapping[str, tuple[int, set[str]]], descriptors: set[str], referenced: set[str]
) -> list[tuple[str, int]]:
    """The ``catalog:`` dependencies (name -> line) fewer entries of their name are left for
    than catalogs ask for it (``catalog:`` and ``catalog:old`` each key an entry of their own
    range): the others are other dependencies' (``check_references``)."""
    if not by_catalog:
        return []
    left: dict[str, int] = {}
    for descriptor in descriptors - referenced:
        name = split_at_version(descriptor)[0]
        left[name] = left.get(name, 0) + 1
    return [
        (name, line)
        for name, (line, asked) in by_catalog.items()
        if left.get(name, 0) < len({a or "default" for a in asked})
    ]


def _accepted(range_: str, versions: Sequence[str]) -> bool:
    """Does an entry of these versions answer this range (or can only the name tell)?"""
    from gouvernante.semver import parse_range, try_parse_version  # noqa: PLC0415 - see below

    # semver on first use (decision 0024): only berry's overridden or cut dependencies get here.
    spec = range_[4:] if range_.startswith("npm:") else range_
    try:
        wanted = parse_range(spec)
    except SemverError:
        return True  # catalog:, link:, an alias, a git or tarball reference: the name decides
    for version in versions:
        if version == _LOCAL_VERSION:
            return True  # a workspace
        parsed = try_parse_version(version)
        if parsed is not None and wanted.test(parsed, include_prerelease=True):
            return True
    return False


_LOCAL_VERSION = "0.0.0-use.local"


def by_name_fallback(descriptor_owner: Mapping[str, str]) -> dict[str, str | None]:
    """name -> the one entry id whose descriptors use that name (None when ambiguous).

    Used when a dependency's exact descriptor is not in the file (``resolutions`` overrides
    rewrite the lockfile key but not the dependent's declared range).
    """
    owners: dict[str, str | None] = {}
    for descriptor, node in descriptor_owner.items():
        name = split_at_version(descriptor)[0]
        previous = owners.get(name, node)
        owners[name] = node if previous == node else None
    return owners


def unkeyed_error(name: str, line: int) -> str:
    """The entry error of a yarn classic dependency no entry answers (``LockfileGraph.unkeyed``),
    which the reader gives and a workspace of that name takes back
    (``lockfiles.with_manifest_beside``)."""
    return (
        f"line {line}: a dependency on {name} resolves to no entry of the file, and no"
        " workspace of the package.json beside is named so (truncated or edited lockfile?)"
    )
