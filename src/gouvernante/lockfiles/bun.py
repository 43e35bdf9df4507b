"""bun.lock: bun's text lockfile (JSONC), ``lockfileVersion`` 0 (bun 1.1), 1 (1.2) and 2 (1.4).

Shape (as bun writes it)::

    {
      "lockfileVersion": 1,
      "workspaces": {"": {"name": "app", "dependencies": {...}},
                     "packages/core": {"name": "@acme/core", "version": "1.0.0", ...}},
      "packages": {
        "debug": ["debug@4.3.4", "", {"dependencies": {"ms": "2.1.2"}}, "sha512-..."],
        "debug/ms": ["ms@2.1.2", "", {}, "sha512-..."],
        "my-lodash": ["lodash@4.17.20", "", {}, "sha512-..."],
        "@acme/core": ["@acme/core@workspace:packages/core"],
        "left-pad": ["left-pad@https://host/left-pad-1.3.0.tgz", {}, "sha512-..."],
        "x": ["x@github:user/x#0123abc", {}, "user-x-0123abc"],
      },
    }

A ``packages`` key is the install path with the ``node_modules/`` parts removed
(``@babel/code-frame/chalk`` is ``node_modules/@babel/code-frame/node_modules/chalk``); the
first element of its tuple is ``<real name>@<resolution>``. A dependency of the package at
``a/b`` resolves like node's module lookup: ``a/b/<dep>``, then ``a/<dep>``, then ``<dep>``.
"""

# No postponed annotations here: msgspec reads this module's Structs' annotations as objects,
# building no typing.ForwardRef (a process's first compile() is ~10 M instructions; decision
# 0137, tests/cli/test_scan_lean.py).

import posixpath
import re
from collections.abc import Mapping, Sequence

import msgspec

from gouvernante.errors import LockfileError
from gouvernante.fs.decode import json_problem
from gouvernante.fs.jsonpath import Document
from gouvernante.lazy import lazy_pattern
from gouvernante.lockfiles import _sniff
from gouvernante.lockfiles._common import (
    LOCKED_VERSION,
    decode_text,
    first_repeated_key,
    shape_error,
    version_label,
)
from gouvernante.lockfiles._local_folder import local_folder, local_tarball_path
from gouvernante.lockfiles._tarball_url import PLAIN_NAME, built_url, injected, injection_error
from gouvernante.model import Importer, LockedPackage, LockfileFormat, LockfileGraph, Source
from gouvernante.safetext import key_segment

SUPPORTED_VERSIONS = frozenset({0, 1, 2})


# JSONC -> JSON. Strings are matched first and put back unchanged (group 1), so a "//" or a
# ", }" inside a string is never touched; everything else the patterns match is dropped. An
# unterminated string or comment runs to the end of the text (the JSON is then invalid anyway):
# one linear pass, whatever the input.
_STRING = r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\Z)'
_COMMENTS = lazy_pattern(rf"({_STRING})|//[^\n]*|/\*(?:[^*]|\*(?!/))*(?:\*/|\Z)", re.DOTALL)
_TRAILING_COMMAS = lazy_pattern(rf"({_STRING})|,(?=\s*[}}\]])")

_INTEGRITY_PREFIXES = ("sha512-", "sha384-", "sha256-", "sha1-")
_GIT_PREFIXES = ("git+", "git:", "github:", "gitlab:", "bitbucket:", "git@")
_TARBALL_SUFFIXES = (".tgz", ".tar.gz", ".tar")
_LOCAL_PREFIXES = ("workspace:", "link:", "file:", "root:", "portal:")
_COMMA = re.compile(r",(?=\s*[}\]])")
_LINE_STRING = lazy_pattern(r'"[^"\\]*(?:\\.[^"\\]*)*(")?')  # group 1: the string is closed
# A package entry as bun writes it: a key at the start of a line mapped to an array.
_KEY = r'("[^"\\\n]*(?:\\.[^"\\\n]*)*")'  # a quoted key on one line (group)
_ENTRY_LINE = lazy_pattern(rf"[ \t]*{_KEY}[ \t]*:[ \t]*\[")
_ROOT_LINE = lazy_pattern(r'[ \t]*""[ \t]*:[ \t]*\{')


class _Meta(msgspec.Struct):
    """The INFO object of a package tuple; only the fields that name dependencies, and whether
    the package comes inside its parent's tarball (``bundled``)."""

    dependencies: dict[str, str] = {}
    optionalDependencies: dict[str, str] = {}
    peerDependencies: dict[str, str] = {}
    bundled: object = False


class _Entry(msgspec.Struct, array_like=True):
    """One ``packages`` tuple (later elements, if any, are ignored)::

        npm        [name@version, registry or "", INFO, integrity]
        git/github [name@git+url#sha, INFO, bun tag, integrity?]
        tarball    [name@url-or-path, INFO, integrity?]
        workspace  [name@workspace:path, INFO?]   (also link:, file:, root:)

    The INFO object of registry packages (the bulk of a big file) stays raw JSON until edges
    are asked for; it is only decoded up front where it comes second (rare entry kinds).
    """

    ident: str
    e1: str | _Meta | None = None
    e2: msgspec.Raw = msgspec.Raw()
    e3: str | None = None


class _Workspace(msgspec.Struct):
    name: str | None = None
    version: str | None = None
    dependencies: dict[str, str] = {}
    devDependencies: dict[str, str] = {}
    optionalDependencies: dict[str, str] = {}
    peerDependencies: dict[str, str] = {}


class _Lock(msgspec.Struct):
    lockfileVersion: int
    workspaces: dict[str, _Workspace] = {}
    packages: dict[str, _Entry] = {}
    # the root package.json's ``overrides`` (``resolutions`` too), as bun writes them: only a
    # string value is read (a ``file:`` tarball's path is the root's, decision 0155)
    overrides: dict[str, object] = {}


_DECODER = msgspec.json.Decoder(_Lock)
_META_DECODER = msgspec.json.Decoder(_Meta)
_STR_DECODER = msgspec.json.Decoder(str)
_QUOTE, _BRACE = ord('"'), ord("{")
_LONG_LINE = 1 << 14


def sniff(head: bytes) -> bool:
    return _sniff.bun(head)  # (in ``_sniff``: detection imports nothing of this module)


def strip_jsonc(text: str) -> str:
    """Remove ``//`` and ``/* */`` comments and trailing commas outside strings."""
    if "/*" not in text:
        fast = _strip_line_local(text)
        if fast is not None:
            return fast
    # Tokenise the whole text (block comments may span lines): exact, but slower.
    return _TRAILING_COMMAS.sub(r"\1", _COMMENTS.sub(r"\1", text))


def _strip_line_local(text: str) -> str | None:
    """Without block comments a JSON string never spans lines (a raw newline is invalid in it),
    so whether a "//" or a "," is inside a string is decided by its own line. None when that
    would mean rescanning long lines many times (a minified or hostile file)."""
    budget = len(text) + (1 << 18)  # characters of line prefixes we accept to rescan

    def inside(text: str, at: int) -> bool | None:
        nonlocal budget
        low = max(0, at - _LONG_LINE)
        start = text.rfind("\n", low, at) + 1
        budget -= at - start
        if (start == 0 and low > 0) or budget < 0:
            return None
        return _in_string(text[start:at])

    cuts: list[tuple[int, int]] = []
    at = text.find("//")
    while at >= 0:
        state = inside(text, at)
        if state is None:
            return None
        if state:
            at = text.find("//", at + 1)
            continue
        end = text.find("\n", at)
        end = len(text) if end < 0 else end
        cuts.append((at, end))
        at = text.find("//", end)
    if cuts:
        text = _cut(text, cuts)
    cuts = []
    for match in _COMMA.finditer(text):
        state = inside(text, match.start())
        if state is None:
            return None
        if not state:
            cuts.append((match.start(), match.start() + 1))
    return _cut(text, cuts) if cuts else text


def _in_string(prefix: str) -> bool:
    """Does a line that starts with ``prefix`` continue inside a string?"""
    if "\\" not in prefix:
        return prefix.count('"') % 2 == 1
    last = None
    for last in _LINE_STRING.finditer(prefix):  # noqa: B007 - only the last one matters
        pass
    return last is not None and last.group(1) is None


def _cut(text: str, spans: Sequence[tuple[int, int]]) -> str:
    pieces: list[str] = []
    start = 0
    for begin, end in spans:
        pieces.append(text[start:begin])
        start = end
    pieces.append(text[start:])
    return "".join(pieces)


def parse(data: bytes, path: str) -> LockfileGraph:
    text = decode_text(data, path)
    stripped = strip_jsonc(text)
    lock = _decode(stripped.encode("utf-8"), path)
    if lock.lockfileVersion not in SUPPORTED_VERSIONS:
        raise LockfileError(
            path,
            f"unsupported bun.lock version {version_label(lock.lockfileVersion)}"
            " (supported: 0, 1, 2)",
            json_path="lockfileVersion",
        )
    repeated = _repeated_key(stripped, len(lock.packages), path)
    if repeated is not None:
        where, package_key = repeated
        raise LockfileError(
            path,
            "a package key given twice (bun refuses the file; the decoder would keep the last"
            " entry only: a hand-edited or badly merged lockfile)"
            if package_key
            else "a key given twice (which one a reader keeps differs: a hand-edited or badly"
            " merged lockfile, not read)",
            json_path=where,
        )

    read = _Read(lock, '"bundled"' in stripped, path)
    packages, workspace_keys = read.packages, read.workspace_keys
    importers: list[Importer] = []
    for folder, ws in lock.workspaces.items():
        if folder == "":
            importers.append(Importer("", ws.name or "(root)", ""))
        else:
            importers.append(
                Importer(workspace_keys.get(folder, folder), ws.name or folder, folder)
            )
    packages.extend(read.urls.packages)
    details = BunDetails(text, lock, workspace_keys)
    errors = (*read.urls.errors, *details.unresolved())
    return LockfileGraph(
        LockfileFormat.BUN,
        packages,
        importers,
        details=details,
        entry_errors=errors,
        local_folders=_file_folders(read.local_specs),
        bundled=tuple(read.bundled),
        unnamed_tarballs=_tarball_paths(lock, read.tarballs),
    )


def _tarball_paths(lock: _Lock, tarballs: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """(key, path relative to the lockfile's folder, "" when it cannot be told) of each `file:`
    tarball entry (``LockfileGraph.unnamed_tarballs``): bun.lock gives its package's name, never
    its version, which every mode then reads from the tarball's package.json where it has the
    project's files (decision 0146). bun writes the path relative to the folder of the
    workspace that declares it (``vendor/x.tgz`` for packages/core's ``file:vendor/x.tgz``), so
    the folder is the one workspace whose dependency of the entry's name is that spec, or the
    root's for an ``overrides`` entry of that name and spec (bun 1.4.5 writes the override's
    path as the root's: decision 0155); none, or folders disagreeing (the same name in two
    folders), is "": not read, the entry stays the note it was."""
    if not tarballs:
        return ()
    # (dependency name, spec's path) -> the folders declaring it: one pass over the maps
    declared: dict[tuple[str, str], set[str]] = {}
    for dep, value in lock.overrides.items():
        if isinstance(value, str) and value.endswith(_TARBALL_SUFFIXES):
            declared.setdefault((dep, posixpath.normpath(value.removeprefix("file:"))), {""})
    for folder, ws in lock.workspaces.items():
        for deps in (
            ws.dependencies,
            ws.devDependencies,
            ws.optionalDependencies,
            ws.peerDependencies,
        ):
            for dep, value in deps.items():
                if value.endswith(_TARBALL_SUFFIXES):
                    where = posixpath.normpath(value.removeprefix("file:"))
                    declared.setdefault((dep, where), set()).add(folder)
    found: list[tuple[str, str]] = []
    for key, spec in tarballs:
        parts = key.rsplit("/", 2)  # the dependency's name: the key's last (scoped) name
        dep = "/".join(parts[-2:]) if len(parts) > 1 and parts[-2].startswith("@") else parts[-1]
        folders = declared.get((dep, posixpath.normpath(spec)), ())
        paths = {local_tarball_path(spec, folder) for folder in folders}
        found.append((key, paths.pop() if len(paths) == 1 else ""))
    return tuple(found)


def _outermost(key: str, parents: set[str]) -> str | None:
    """The outermost of ``parents`` that ``key`` is keyed under (``a/b/c`` under ``a``)."""
    cut = key.find("/")
    while cut > 0:
        if key[:cut] in parents:
            return key[:cut]
        cut = key.find("/", cut + 1)
    return None


def _bundled_in(key: str, name: str, entry: _Entry) -> str | None:
    """The key of the package whose tarball holds this entry's (``"bundled": true`` in its
    INFO, under its parent's key), or None."""
    meta = _meta_of(entry)
    if meta is None or meta.bundled is not True or not key.endswith(f"/{name}"):
        return None
    return key.removesuffix(f"/{name}")


class _Read:
    """The packages of a decoded bun.lock, its workspaces' keys, its local resolutions, its
    tarball URLs checked and the names its entries bundle (``"bundled": true``)."""

    def __init__(self, lock: _Lock, maybe_bundled: bool, path: str) -> None:
        versions_by_folder = {folder: ws.version or "" for folder, ws in lock.workspaces.items()}
        self.packages: list[LockedPackage] = []
        self.workspace_keys: dict[str, str] = {}  # workspace folder -> its key in "packages"
        self.local_specs: list[str] = []  # workspace:, link:, file: ... resolutions
        self.urls = _Urls()
        # (name, key of the package whose tarball holds it)
        self.bundled: list[tuple[str, str]] = []
        self.tarballs: list[tuple[str, str]] = []  # (key, path) of each `file:` tarball
        packages, workspace_keys, local_specs = self.packages, self.workspace_keys, self.local_specs
        urls, bundled, registry_pkg = self.urls, self.bundled, Source.REGISTRY
        plain_name = PLAIN_NAME.fullmatch
        for key, entry in lock.packages.items():
            ident = entry.ident
            at = ident.find("@", 1)
            if at <= 0 or at == len(ident) - 1:
                raise LockfileError(path, "expected name@resolution", json_path=_entry_path(key, 0))
            name, spec = ident[:at], ident[at + 1 :]
            first = spec[0]
            if first.isdigit() or (first == "v" and LOCKED_VERSION.fullmatch(spec)):
                # The common case, kept short: ["name@1.2.3", "" | registry, {INFO}, "sha512-..."]
                if name[0] == " " or name[-1] == " ":
                    # bun 1.4.5 fetches the registry's "is-number" for " is-number" (a
                    # package.json key with spaces; tests/lockfiles/fixtures/bun-spaced-name)
                    name = name.strip(" ") or name
                parent = _bundled_in(key, name, entry) if maybe_bundled else None
                if parent is not None:
                    # bun installs the copy inside the parent's tarball (npm 10.9.2's
                    # @npmcli/arborist 8.0.0) and writes here what the registry would resolve
                    # (8.0.5): that release is matched as written (bun's own reading lists it),
                    # the copy is a note when a rule names it (decision 0054)
                    bundled.append((name, parent))
                registry = entry.e1
                resolved = registry if isinstance(registry, str) and registry else None
                integrity = entry.e3
                if integrity is not None and not integrity.startswith(_INTEGRITY_PREFIXES):
                    integrity = None
                packages.append(LockedPackage(key, name, spec, registry_pkg, integrity, resolved))
                if resolved is not None or not plain_name(name):  # (see built_url)
                    urls.check(key, name, spec, resolved, integrity)
                continue
            if spec.startswith(_LOCAL_PREFIXES):
                folder = spec.partition(":")[2]
                if spec.startswith("workspace:"):
                    known = workspace_keys.get(folder)
                    if known is None or len(key) < len(known):
                        workspace_keys[folder] = key
                packages.append(
                    LockedPackage(key, name, versions_by_folder.get(folder, ""), Source.LOCAL)
                )
                local_specs.append(spec)
                continue
            integrity = _integrity(entry, path, key)
            if spec.startswith(_GIT_PREFIXES):
                packages.append(LockedPackage(key, name, "", Source.GIT, integrity, spec))
            elif "://" not in spec and spec.endswith(_TARBALL_SUFFIXES):
                # a `file:` tarball (bun writes its path alone, ``vendor/x-1.0.0.tgz``): the
                # project's own copy, as npm's, pnpm's and yarn's readers take it; its name
                # and version are the tarball's package.json's, which bun.lock does not give
                # (the file's name is no version); its integrity is still compared
                packages.append(LockedPackage(key, name, "", Source.LOCAL, integrity, spec))
                self.tarballs.append((key, spec))
            elif "://" in spec:
                version = _tarball_version(name, spec)
                packages.append(LockedPackage(key, name, version, Source.TARBALL, integrity, spec))
                urls.check(key, name, version, spec, integrity, spec=True)
            else:
                raise LockfileError(path, "unrecognised resolution", json_path=_entry_path(key, 0))
        if bundled:
            self._inside_tarballs()

    def _inside_tarballs(self) -> None:
        """Every registry entry keyed under a package that bundles (``npm/@npmcli/git``, a
        dependency of a bundled one) is in that package's tarball too: bun 1.4.5 flags only the
        bundled packages themselves yet writes registry releases for all of them, and installs
        the tarball's copies (47 of the 149 entries under npm 10.9.2 named a release not
        installed). Each is a bundled name too (a note when a rule names it), and the tarball
        itself one (bun.lock does not list all it holds: 5 of npm 10.9.2's are not in it)."""
        parents = {parent for _name, parent in self.bundled}
        self.bundled.extend(("", parent) for parent in sorted(parents))
        for package in self.packages:
            owner = _outermost(package.id, parents) if package.source is Source.REGISTRY else None
            if owner is not None:
                self.bundled.append((package.name, owner))


class _Urls:
    """Entries whose tarball URL is the registry tarball of another package or version
    (decision 0030): bun downloads the URL (the registry element of an npm tuple, the
    resolution of a tarball one) and checks it against the file's own integrity, so what the
    URL names is installed at the entry's key. That package joins the graph under the entry's
    key, so a rule that names it finds it; for an npm tuple the entry is an error too (a
    tarball resolution is the dependency's own spec: its key may name any package)."""

    __slots__ = ("errors", "packages")

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.packages: list[LockedPackage] = []

    def check(
        self,
        key: str,
        name: str,
        version: str,
        url: str | None,
        integrity: str | None,
        *,
        spec: bool = False,
    ) -> None:
        if url is None:  # bun's default registry: the URL it builds (None: the package's own)
            url = built_url(name, version)
            if url is None:
                return
        elif url == f"{_NPMJS}{name}/-/{name.rpartition('/')[2]}-{version}.tgz":
            return
        package = injected(key, name, version, url, integrity)
        if package is None:
            return
        if not spec:
            self.errors.append(injection_error(_entry_path(key, 1), "bun"))
        self.packages.append(package)


_NPMJS = "https://registry.npmjs.org/"


# bun's layout of the packages object: its opening line, then one member a line.
_PACKAGES_OPENING = re.compile(r'^  "packages"[ \t]*:[ \t]*\{[ \t]*\n', re.M)
_MEMBER = re.compile(rf"[ \t]*{_KEY}[ \t]*:[ \t]*(\[[^\n]*\])[ \t]*,?[ \t]*")
_RAW_LIST = msgspec.json.Decoder(list[msgspec.Raw])


def _repeated_key(stripped: str, decoded: int, path: str) -> tuple[str, bool] | None:
    """The JSON path of a key some object holds twice, and whether it is a ``packages`` key;
    None when every key is given once. The decoder keeps the last value only, so the first
    would be lost: bun itself refuses a repeated package key ("Duplicate package path"), and a
    repeated ``packages``, ``workspaces`` or workspace field (a bad merge) would be read as its
    last copy while another reader may take the first. In bun's layout (one package a line)
    the package keys are read line by line and, when they are as many as the decoder kept, the
    rest of the document (small) by ``json`` with every member kept; otherwise the whole
    document is read that way."""
    span = _packages_span(stripped)
    keys = _layout_keys(stripped) if span is not None else None
    if span is not None and keys is not None and len(keys) == decoded:
        text = stripped[: span[0]] + stripped[span[1] :]
    else:
        text = stripped  # (a repeat somewhere: the exact reading says where)
    try:
        return first_repeated_key(text, _FIELDS, first="packages")
    except RecursionError:  # never "no key given twice" for a document not read whole
        raise LockfileError(path, "nesting too deep to parse") from None


def _packages_span(stripped: str) -> tuple[int, int] | None:
    """Where the members of the ``packages`` object are, in bun's layout (its opening line,
    then one member a line up to its closing line); None when it is not laid out so."""
    opening = _PACKAGES_OPENING.search(stripped)
    if opening is None:
        return None
    end = stripped.find("\n  }", opening.end() - 1)
    return None if end < 0 else (opening.end(), end + 1)


def _layout_keys(stripped: str) -> list[str] | None:
    """The ``packages`` keys in file order when each member stands alone on its line, else
    None. A line whose value is not one JSON value (two members on it) fails the decode."""
    span = _packages_span(stripped)
    if span is None:
        return None
    keys: list[str] = []
    values: list[str] = []
    for line in stripped[span[0] : span[1]].split("\n"):
        if not line or line.isspace():
            continue
        member = _MEMBER.fullmatch(line)
        if member is None:
            return None
        raw, value = member.groups()
        key = raw[1:-1] if "\\" not in raw else _unquote(raw)
        if key is None:
            return None
        keys.append(key)
        values.append(value)
    try:
        _RAW_LIST.decode(("[" + ",".join(values) + "]").encode("utf-8"))
    except (msgspec.DecodeError, RecursionError):
        return None
    return keys


_FIELDS = frozenset(
    {"lockfileVersion", "workspaces", "packages", "name", "version", *_Workspace.__struct_fields__}
)


def _decode(data: bytes, path: str) -> _Lock:
    try:
        return _DECODER.decode(data)
    except msgspec.ValidationError as exc:
        raise shape_error(path, exc, "bun.lock", Document.of_json(data, _DECODER.decode)) from None
    except msgspec.DecodeError:
        problem = json_problem(data)
        said = f"not valid JSON(C): {problem.reason.removeprefix('invalid JSON: ')}"
        where = problem.where()
        raise LockfileError(path, f"{where}: {said}" if where else said) from None
    except RecursionError:
        raise LockfileError(path, "nesting too deep to parse") from None


def _entry_path(key: str, index: int | None = None) -> str:
    suffix = "" if index is None else f"[{index}]"
    return f"packages{key_segment(key)}{suffix}"


def _string(raw: msgspec.Raw, path: str, key: str, index: int) -> str | None:
    """A raw tuple element that must be a string or an object: the string, or None."""
    if not raw:
        return None
    head = memoryview(raw)[0]
    if head == _QUOTE:
        return _STR_DECODER.decode(raw)
    if head == _BRACE:
        return None
    raise LockfileError(path, "expected a string or an object", json_path=_entry_path(key, index))


def _integrity(entry: _Entry, path: str, key: str) -> str | None:
    for value in (entry.e3, _string(entry.e2, path, key, 2), entry.e1):
        if isinstance(value, str) and value.startswith(_INTEGRITY_PREFIXES):
            return value
    return None


def _tarball_version(name: str, url: str) -> str:
    """``1.3.0`` from ``.../left-pad-1.3.0.tgz`` (scoped: ``.../name-1.3.0.tgz``), else ``""``."""
    filename = url.split("#", 1)[0].split("?", 1)[0].rsplit("/", 1)[-1]
    stem = name.rsplit("/", 1)[-1] + "-"
    if not filename.startswith(stem):
        return ""
    for suffix in _TARBALL_SUFFIXES:
        if filename.endswith(suffix):
            candidate = filename[len(stem) : -len(suffix)]
            return candidate if LOCKED_VERSION.fullmatch(candidate) else ""
    return ""


def _parent(key: str) -> str | None:
    """The key of the package whose node_modules holds ``key``; None at the top level."""
    slash = key.rfind("/")
    if slash < 0:
        return None
    before = key.rfind("/", 0, slash)
    if key[before + 1] == "@":  # the last segment is a scoped name "@scope/name"
        return key[:before] if before >= 0 else None
    return key[:slash]


class BunDetails:
    """Edges and line numbers of one bun.lock, computed on first use."""

    def __init__(self, text: str, lock: _Lock, workspace_keys: Mapping[str, str]) -> None:
        self._text = text
        self._lock = lock
        self._workspace_keys = workspace_keys
        self._edges: dict[str, list[str]] | None = None
        self._lines: dict[str, int] | None = None
        self._elsewhere: dict[str, int | None] = {}  # line_of answers found by a full search
        self._chains: dict[str, tuple[str, ...]] = {}

    def _prefixes(self, key: str | None) -> tuple[str, ...]:
        """``key`` and the keys of the packages whose node_modules enclose it, innermost first."""
        if key is None:
            return ()
        chains = self._chains
        found = chains.get(key)
        if found is not None:
            return found
        pending = [key]
        parent = _parent(key)
        while parent is not None and parent not in chains:
            pending.append(parent)
            parent = _parent(parent)
        chain = () if parent is None else chains[parent]
        for node in reversed(pending):
            chain = (node, *chain)
            chains[node] = chain
        return chain

    def unresolved(self) -> list[str]:
        """A dependency that no entry answers, and an entry whose dependencies cannot be
        read: the file was cut or edited, and the missing entries could be the compromised
        ones. A peer may be left to the dependent's parent, and an optional dependency
        unanswered: bun writes no entry for one the registry does not serve (@swc/html
        1.16.22's platform packages) and installs nothing for one whose entry is absent, with
        or without --frozen-lockfile (1.4.5; decision 0059). Most names have a top-level
        entry, which always answers (node's lookup ends there): the chain is walked only for
        the others."""
        entries = self._lock.packages
        problems: list[str] = []

        def check(start: str | None, groups: Sequence[Mapping[str, str]], where: str) -> None:
            for deps in groups:
                for dep in deps:
                    if dep in entries:
                        continue
                    if not any(f"{prefix}/{dep}" in entries for prefix in self._prefixes(start)):
                        problems.append(
                            f"{where}{key_segment(dep)}: this dependency resolves to no entry"
                            " of packages (truncated or edited lockfile?)"
                        )

        for key, entry in entries.items():
            meta = _meta_of(entry)
            if meta is None:
                problems.append(
                    f"{_entry_path(key)}: malformed dependencies object, so what this entry"
                    " depends on cannot be checked"
                )
            elif meta.dependencies:
                check(key, (meta.dependencies,), f"{_entry_path(key)}.dependencies")
        for folder, ws in self._lock.workspaces.items():
            node = self._workspace_keys.get(folder, folder)
            start = None if folder == "" else node if node in entries else (ws.name or folder)
            groups = (ws.dependencies, ws.devDependencies)
            check(start, groups, f"workspaces{key_segment(folder)}.dependencies")
        return problems

    def _children(self, start: str | None, groups: Sequence[Mapping[str, str]]) -> list[str]:
        """Where each dependency of the package at ``start`` resolves (None: the root)."""
        entries = self._lock.packages
        prefixes = self._prefixes(start)
        children: dict[str, None] = {}
        for deps in groups:
            for dep in deps:
                for prefix in prefixes:
                    candidate = f"{prefix}/{dep}"
                    if candidate in entries:
                        children[candidate] = None
                        break
                else:
                    if dep in entries:
                        children[dep] = None
        if start is not None:
            children.pop(start, None)
        return list(children)

    def edges(self) -> Mapping[str, Sequence[str]]:
        if self._edges is not None:
            return self._edges
        edges: dict[str, list[str]] = {}
        for key, entry in self._lock.packages.items():
            meta = _meta_of(entry)
            if meta is None:
                edges[key] = []
                continue
            edges[key] = self._children(
                key, (meta.dependencies, meta.optionalDependencies, meta.peerDependencies)
            )
        for folder, ws in self._lock.workspaces.items():
            groups = (
                ws.dependencies,
                ws.devDependencies,
                ws.optionalDependencies,
                ws.peerDependencies,
            )
            if folder == "":
                edges[""] = self._children(None, groups)
                continue
            node = self._workspace_keys.get(folder, folder)
            start = node if node in self._lock.packages else (ws.name or folder)
            merged = dict.fromkeys(edges.get(node, ()))
            merged.update(dict.fromkeys(self._children(start, groups)))
            merged.pop(node, None)
            edges[node] = list(merged)
        self._edges = edges
        return edges

    def line_of(self, node_id: str) -> int | None:
        if self._lines is None:
            self._lines = self._index_lines()
        line = self._lines.get(node_id)
        if line is not None:
            return line
        if node_id in self._elsewhere:
            return self._elsewhere[node_id]
        # Not where bun puts it (hand-edited or minified file): first "<key>": [ / { anywhere.
        import json  # noqa: PLC0415 - a line looked for elsewhere only (~5 M instructions)

        opener = r"\{" if node_id == "" or node_id in self._lock.workspaces else r"\["
        pattern = re.escape(json.dumps(node_id, ensure_ascii=False)) + r"\s*:\s*" + opener
        match = re.search(pattern, self._text)
        found = None if match is None else self._text.count("\n", 0, match.start()) + 1
        self._elsewhere[node_id] = found
        return found

    def _index_lines(self) -> dict[str, int]:
        """Line of each ``"key": [`` that starts a line (bun writes one package per line)."""
        lines: dict[str, int] = {}
        match_entry = _ENTRY_LINE.match
        root_pending = True
        for number, line in enumerate(self._text.split("\n"), 1):
            match = match_entry(line)
            if match is None:
                if root_pending and _ROOT_LINE.match(line):  # the root workspace, ""
                    lines[""] = number
                    root_pending = False
                continue
            raw = match.group(1)
            key = raw[1:-1] if "\\" not in raw else _unquote(raw)
            if key is not None and key not in lines:
                lines[key] = number
        return lines


_NO_INFO = _Meta()  # a tuple without an INFO object: no dependencies


def _meta_of(entry: _Entry) -> _Meta | None:
    """The INFO object of a tuple (``_NO_INFO`` when it has none); None when it is malformed:
    its dependencies cannot be known (``unresolved`` makes that an entry error)."""
    if isinstance(entry.e1, _Meta):
        return entry.e1
    raw = entry.e2
    if raw and memoryview(raw)[0] == _BRACE:
        try:
            return _META_DECODER.decode(raw)
        except (msgspec.DecodeError, RecursionError):
            return None
    return _NO_INFO


def _unquote(raw: str) -> str | None:
    import json  # noqa: PLC0415 - a key holding an escape only

    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, str) else None


def _file_folders(specs: Sequence[str]) -> tuple[str, ...]:
    """The folders of the ``file:`` directory packages (their dependencies are locked here)."""
    found = (local_folder(spec[5:]) for spec in specs if spec.startswith("file:"))
    return tuple(dict.fromkeys(f for f in found if f is not None))
