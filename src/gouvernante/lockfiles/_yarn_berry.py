"""yarn berry (2+) ``yarn.lock``: a parser for the YAML subset yarn writes, YAML fallback.

Layout::

    __metadata:
      version: 8
      cacheKey: 10c0

    "debug@npm:4.3.4, debug@npm:^4.1.0":
      version: 4.3.4
      resolution: "debug@npm:4.3.4"
      dependencies:
        ms: "npm:2.1.2"
      checksum: 10c0/...
      languageName: node
      linkType: hard

The fast path splits the text at blank lines and checks each entry block against one compiled
grammar of the lines yarn writes (key line, fields at indent 2, members at 4 and 6; keys longer
than 1024 characters come as ``? "key"`` then ``:``), then picks ``version`` and ``resolution``
out of the block; dependencies are read from the block only when ``edges()`` is called.
Anything else YAML allows (flow collections, single quotes, other indentation, comments after
values...) raises ``_Unsupported`` and the file is read again with PyYAML's composer, without
type resolution (yarn reads its lockfile with the YAML failsafe schema: every scalar is a
string). Node id = the entry's ``resolution`` (the real package, even
for aliases); workspaces (``name@workspace:path``) are LOCAL nodes and the importers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from gouvernante.errors import LockfileError
from gouvernante.fs.decode import yaml_problem, yaml_reason, yaml_where
from gouvernante.lazy import lazy_pattern
from gouvernante.lockfiles._common import split_at_version
from gouvernante.lockfiles._local_folder import local_folder, local_tarball_path
from gouvernante.lockfiles._tarball_url import (
    PLAIN_NAME,
    built_url,
    local_tarball,
    names_not_plain,
    registry_identity,
)
from gouvernante.lockfiles._yarn_common import (
    DQ,
    YarnDetails,
    by_name_fallback,
    check_references,
    classify,
    has_protocol,
    heading,
    link_children,
    split_key,
)
from gouvernante.model import Importer, LockedPackage, LockfileFormat, LockfileGraph, Source

# Lockfile ``__metadata.version`` values this parser knows (yarn 2.x writes 4, 3.x 6, 4.x 8-10).
MIN_VERSION = 1
MAX_VERSION = 10

# A YAML plain scalar in block context that cannot be anything but a string: no indicator
# first, no ": " nor " #" inside, no trailing blanks.
_PLAIN = r"(?>[^\s\"'#{}\[\]&*!|>%@`,?:\-][^\s:]*+(?>(?::(?=\S)|[ \t]++(?![\s#:]))[^\s:]*+)*+)"
_KEY = rf"(?:{DQ}|{_PLAIN})"
# One entry block as yarn writes it (comments and blank lines may come first): a key line, then
# fields at indent 2, their members at indent 4 and dependenciesMeta-style members at indent 6.
_L6 = rf"\n      {_KEY}:(?:[ \t]+{_KEY})?[ \t]*"
_L4 = rf"\n    {_KEY}:(?:[ \t]+{_KEY}[ \t]*|[ \t]*(?>{_L6})++)"
_L2 = rf"\n  [A-Za-z_][A-Za-z0-9_]*:(?:[ \t]+{_KEY}[ \t]*|[ \t]*(?>{_L4})++)"
_BLOCK = re.compile(
    rf"((?:#[^\n]*\n|\n)*)(?:({_KEY}):[ \t]*|\? ({_KEY})[ \t]*\n:[ \t]*)(?>{_L2})++\n*"
)
# (blank runs as one loop: ``(?:#[^\n]*\n|\n)*`` cost 130 ns a blank line, decision 0161)
_NO_ENTRY = re.compile(r"\n*+(?>#[^\n]*+\n\n*+)*+(?:#[^\n]*+)?")
_MEMBER = re.compile(rf"    ({_KEY}):[ \t]+({_KEY})[ \t]*")
_DQ_TOKEN = lazy_pattern(DQ)
_FIELD_NEEDLES = (("version", "\n  version:"), ("resolution", "\n  resolution:"))
_DEPS_NEEDLE = "\n  dependencies:"
# yarn 2+ sorts an entry's fields (``__metadata``, ``version``, ``resolution``, the dependency
# maps, ``binaries`` first, then by name) and writes ``linkType`` in every entry: it is always the
# last line of an entry, as every berry file yarn 2.4-4.18 wrote here has it.
_LINK_TYPES = frozenset({"hard", "soft"})
_LAST_FIELD = re.compile(r'\n  linkType:[ \t]+(?:hard|soft|"hard"|"soft")[ \t]*\n*\Z')
_DEPS_INLINE = "\n  dependencies: "
_WANTED = frozenset({"version", "resolution"})
_LOCAL_VERSION = "0.0.0-use.local"
_MAX_YAML_DEPTH = 64
FALLBACK_NOTE = "not laid out the way yarn writes it; read with the YAML fallback"

DepsOf = Callable[[int], list[tuple[str, str]]]


class _Unsupported(Exception):
    """The fast path met YAML it does not read; the caller falls back to PyYAML."""


def _scalar(token: str) -> str:
    if token[0] != '"':
        return token
    if "\\" not in token:
        return token[1:-1]
    import json  # noqa: PLC0415 - only for an escape (decision 0024: not at every start)

    try:
        value = json.loads(token, strict=False)
    except ValueError:
        raise _Unsupported from None  # a YAML-only escape such as \x41 or \e
    if not isinstance(value, str):  # pragma: no cover - a quoted token always decodes to str
        raise _Unsupported
    return value


class _Parsed:
    """What both readers produce: one record per top-level key, in file order."""

    __slots__ = ("deps_of", "fields", "keys", "last_whole", "lines", "note")

    def __init__(  # noqa: PLR0917 - one record, filled by two readers
        self,
        keys: list[str],
        lines: list[int],
        fields: list[dict[str, str]],
        deps_of: DepsOf,
        note: str | None,
        last_whole: bool,
    ) -> None:
        self.keys = keys
        self.lines = lines  # 1-based line of each key
        self.fields = fields
        self.deps_of = deps_of
        self.note = note
        # Does the last key's entry end with ``linkType: hard|soft``, the field yarn 2+ writes
        # last in every entry? (A cut inside the last entry removes it.)
        self.last_whole = last_whole


def _fast(text: str) -> _Parsed:
    """Read the layout yarn writes: entries are blocks separated by one blank line."""
    if "\x85" in text or "\u2028" in text or "\u2029" in text:
        raise _Unsupported  # YAML counts these as line breaks
    blocks = text.split("\n\n")
    keys: list[str] = []
    lines: list[int] = []
    fields: list[dict[str, str]] = []
    entry_blocks: list[str] = []
    line = 1
    block_re = _BLOCK
    for block in blocks:
        if not block:  # a run of blank lines: two regex calls apiece, 270 ns a byte (0161)
            line += 2
            continue
        match = block_re.fullmatch(block)
        if match is None:
            if _NO_ENTRY.fullmatch(block) is None:
                raise _Unsupported
        else:
            if "\\" in block:
                for token in _DQ_TOKEN.findall(block):
                    _scalar(token)  # a YAML-only escape: let PyYAML read it
            key = match.group(2) or match.group(3)
            keys.append(_scalar(key))
            lines.append(line + match.group(1).count("\n"))
            entry: dict[str, str] = {}
            for name, needle in _FIELD_NEEDLES:
                at = block.rfind(needle)
                if at >= 0:
                    end = block.find("\n", at + 1)
                    raw = block[at + len(needle) : end if end >= 0 else None].strip()
                    if not raw:
                        raise _Unsupported  # a mapping: the YAML reader reports it
                    if raw[0] == '"' and "\\" not in raw:
                        entry[name] = raw[1:-1]
                    else:
                        entry[name] = _scalar(raw)
            if _DEPS_INLINE in block and _block_value(block, _DEPS_NEEDLE) is not None:
                raise _Unsupported  # "dependencies: x": let PyYAML report it
            fields.append(entry)
            entry_blocks.append(block)
        line += block.count("\n") + 2

    def deps_of(entry: int) -> list[tuple[str, str]]:
        return _block_deps(entry_blocks[entry])

    last_whole = bool(entry_blocks) and _LAST_FIELD.search(entry_blocks[-1]) is not None
    return _Parsed(keys, lines, fields, deps_of, None, last_whole)


def _block_value(block: str, needle: str) -> str | None:
    """The scalar after the last ``needle`` (``\\n  name:``) of a validated block, if any."""
    at = block.rfind(needle)
    if at < 0:
        return None
    end = block.find("\n", at + 1)
    raw = block[at + len(needle) : end if end >= 0 else None].strip()
    return _scalar(raw) if raw else None


def _block_deps(block: str) -> list[tuple[str, str]]:
    at = block.rfind(_DEPS_NEEDLE)
    if at < 0:
        return []
    deps: list[tuple[str, str]] = []
    for line in block[at + len(_DEPS_NEEDLE) :].split("\n")[1:]:
        if not line.startswith("    "):
            break
        match = _MEMBER.fullmatch(line)
        if match is not None:
            try:
                deps.append((_scalar(match.group(1)), _scalar(match.group(2))))
            except _Unsupported:  # pragma: no cover - escapes were checked by _fast
                continue
    return deps


class _YMap(list[tuple[str, int, "_YValue"]]):
    """A YAML mapping as (key, 1-based line of the key, value) in document order."""


_YValue = str | _YMap | tuple[object, ...]


class _Frame:
    __slots__ = ("is_map", "items", "key", "key_line")

    def __init__(self, is_map: bool) -> None:
        self.is_map = is_map
        self.items: list[Any] = []
        self.key: str | None = None
        self.key_line = 0


def _yaml_tree(text: str, path: str) -> _YValue | None:  # noqa: C901 - listed in pyproject, to shrink
    """Build the document from libyaml's event stream with an explicit, bounded stack.

    ``yaml.compose`` is not used: libyaml's composer recurses in C and crashes the interpreter
    on deeply nested input such as ``"- " * 100000``; its event parser does not recurse.
    """
    import yaml  # noqa: PLC0415 - only files yarn did not write pay for PyYAML

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    stack: list[_Frame] = []
    root: _YValue | None = None
    documents = 0

    def put(value: _YValue, line: int) -> None:
        nonlocal root
        if not stack:
            root = value
            return
        frame = stack[-1]
        if not frame.is_map:
            frame.items.append(value)
        elif frame.key is None:
            if not isinstance(value, str):
                raise LockfileError(path, "mapping keys must be strings", json_path=f"line {line}")
            frame.key, frame.key_line = value, line
        else:
            frame.items.append((frame.key, frame.key_line, value))
            frame.key = None

    try:
        for event in yaml.parse(text, Loader=loader):
            start = event.start_mark
            line = start.line + 1 if start is not None else 0
            if isinstance(event, yaml.ScalarEvent):
                put(event.value, line)
            elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if len(stack) >= _MAX_YAML_DEPTH:
                    raise LockfileError(path, "nesting too deep to parse", json_path=f"line {line}")
                stack.append(_Frame(isinstance(event, yaml.MappingStartEvent)))
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                frame = stack.pop()
                put(_YMap(frame.items) if frame.is_map else tuple(frame.items), line)
            elif isinstance(event, yaml.AliasEvent):
                raise LockfileError(
                    path, "YAML aliases are not supported", json_path=f"line {line}"
                )
            elif isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise LockfileError(
                        path, "more than one YAML document", json_path=f"line {line}"
                    )
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f"line {mark.line + 1}" if mark is not None else None
        problem = exc.problem or exc.context
        if problem and "nesting depth" in problem:  # libyaml >= 0.2.6 has its own depth limit
            raise LockfileError(path, "nesting too deep to parse", json_path=at) from None
        raise LockfileError(path, f"not valid YAML: {yaml_reason(problem)}", json_path=at) from None
    except yaml.YAMLError as exc:  # a reader error (a control character): no mark
        where = yaml_where(exc, text)
        raise LockfileError(path, f"not valid YAML: {yaml_problem(exc)}", json_path=where) from None
    return root


def _yaml(text: str, path: str) -> _Parsed:
    root = _yaml_tree(text, path)
    if not isinstance(root, _YMap):
        raise LockfileError(path, "expected a mapping of lockfile entries")
    keys: list[str] = []
    lines: list[int] = []
    fields: list[dict[str, str]] = []
    all_deps: list[list[tuple[str, str]]] = []
    for key, line, value in root:
        if not isinstance(value, _YMap):
            raise LockfileError(path, "entry is not a mapping", json_path=f"line {line}")
        entry_fields: dict[str, str] = {}
        deps: list[tuple[str, str]] = []
        for name, field_line, field_value in value:
            if name in _WANTED:
                if not isinstance(field_value, str):
                    raise LockfileError(
                        path, f"{name} must be a string", json_path=f"line {field_line}"
                    )
                entry_fields[name] = field_value
            elif name == "dependencies":
                deps = []
                if isinstance(field_value, str) and field_value in ("", "~", "null"):
                    continue
                if not isinstance(field_value, _YMap):
                    raise LockfileError(
                        path, "dependencies must be a mapping", json_path=f"line {field_line}"
                    )
                for dep_name, dep_line, dep_range in field_value:
                    if not isinstance(dep_range, str):
                        raise LockfileError(
                            path,
                            "dependencies must map names to ranges",
                            json_path=f"line {dep_line}",
                        )
                    deps.append((dep_name, dep_range))
        keys.append(key)
        lines.append(line)
        fields.append(entry_fields)
        all_deps.append(deps)
    last = root[-1][2] if root else None
    last_whole = (
        isinstance(last, _YMap)
        and bool(last)
        and last[-1][0] == "linkType"
        and last[-1][2] in _LINK_TYPES
    )
    return _Parsed(keys, lines, fields, all_deps.__getitem__, FALLBACK_NOTE, last_whole)


def parse_berry(text: str, path: str, *, force_yaml: bool = False) -> LockfileGraph:
    parsed: _Parsed | None = None
    if not force_yaml:
        try:
            parsed = _fast(text)
        except _Unsupported:
            parsed = None
    if parsed is None:
        parsed = _yaml(text, path)
    return _assemble(parsed, path)


def _metadata_version(parsed: _Parsed, path: str) -> None:
    for key, line, fields in zip(parsed.keys, parsed.lines, parsed.fields, strict=True):
        if key != "__metadata":
            continue
        raw = fields.get("version")
        if raw is None:
            raise LockfileError(path, "__metadata has no version", json_path=f"line {line}")
        try:
            version = int(raw)
        except ValueError:
            raise LockfileError(
                path, "__metadata.version is not a number", json_path=f"line {line}"
            ) from None
        if not MIN_VERSION <= version <= MAX_VERSION:
            raise LockfileError(
                path,
                f"unsupported yarn lockfile version {version} (known: {MIN_VERSION}-{MAX_VERSION})",
                json_path=f"line {line}",
            )
        return
    raise LockfileError(path, "no __metadata entry: not a yarn berry lockfile")


def _assemble(parsed: _Parsed, path: str) -> LockfileGraph:
    _metadata_version(parsed, path)
    keys = ["" if key == "__metadata" else key for key in parsed.keys]
    versions = [fields.get("version", "") for fields in parsed.fields]
    _catalog_keyed(keys, parsed.lines, path)
    catalogs: list[tuple[str, int]] = []
    unverified = check_references(
        keys, parsed.lines, parsed.deps_of, path, berry=True, versions=versions, catalogs=catalogs
    )
    if not any(keys):
        # berry always locks at least the project itself: a header alone is a cut file
        raise LockfileError(path, "no entries after __metadata (truncated file?)")
    packages: list[LockedPackage] = []
    importers: list[Importer] = []
    local_folders: list[str] = []
    unnamed: list[tuple[str, str]] = []
    entry_ids: list[str] = []  # one per top-level key; "" for __metadata
    seen: set[str] = set()
    fetched = _Fetched()
    for key, line, fields in zip(parsed.keys, parsed.lines, parsed.fields, strict=True):
        if key == "__metadata":
            entry_ids.append("")
            continue
        resolution = fields.get("resolution")
        if not resolution:
            raise LockfileError(path, "entry has no resolution", json_path=f"line {line}")
        entry_ids.append(resolution)
        if resolution in seen:
            continue
        seen.add(resolution)
        name, reference = split_at_version(resolution)
        source = classify(reference)
        version = fields.get("version")
        if version is None:
            version = reference[4:].split("::", 1)[0] if reference.startswith("npm:") else ""
        if source is Source.LOCAL:
            if version == _LOCAL_VERSION:
                version = ""
            if reference.startswith("workspace:"):
                anonymous_root = reference == "workspace:." and name.startswith("root-workspace-")
                label = "(root)" if anonymous_root else name
                folder = reference[len("workspace:") :]
                importer = Importer(resolution, label, "" if folder == "." else folder)
                if reference == "workspace:.":
                    importers.insert(0, importer)
                else:
                    importers.append(importer)
            elif reference.startswith(("file:", "portal:")):
                _local_reference(resolution, reference, local_folders, unnamed)
        resolved = reference if source in (Source.GIT, Source.TARBALL) else None
        name = _url_dependency_name(name, reference, key) if source is Source.TARBALL else name
        packages.append(LockedPackage(resolution, name, version, source, None, resolved))
        fetched.check(resolution, line, name, version, reference, key)
    if keys[-1] and not parsed.last_whole:
        # a cut inside the last entry: the rest of it (its dependencies, say) and every entry
        # after it are gone, and nothing left names what they held
        raise LockfileError(
            path,
            "the last entry does not end with linkType, as yarn writes every entry"
            " (truncated or edited file?)",
            json_path=f"line {parsed.lines[-1]}",
        )
    fetched.check_names([p.name for p in packages], parsed)
    packages.extend(fetched.packages)
    if not importers or importers[0].id.rpartition("@")[2] != "workspace:.":
        # yarn 2+ always locks the project itself (``name@workspace:.``, sorted among the
        # other entries): without it, the file is cut or edited (a cut at an entry's end read
        # as a whole, smaller lockfile; every berry file yarn 2.4-4.18 wrote here has it)
        raise LockfileError(path, "no entry for the project itself (truncated or edited file?)")

    def build_edges() -> dict[str, list[str]]:
        return _berry_edges(parsed.keys, entry_ids, parsed.deps_of)

    return LockfileGraph(
        format=LockfileFormat.YARN_BERRY,
        packages=packages,
        importers=importers,
        details=YarnDetails(entry_ids, parsed.lines, build_edges),
        notes=(parsed.note,) if parsed.note else (),
        entry_errors=tuple(fetched.errors),
        overridden=tuple(unverified),
        local_folders=tuple(local_folders),
        unnamed_tarballs=tuple(unnamed),
        unverified_catalogs=tuple(catalogs),
        entry_keys=keys,
        versions_written=True,
    )


def _local_reference(
    resolution: str, reference: str, folders: list[str], unnamed: list[tuple[str, str]]
) -> None:
    """A ``file:`` tarball to ``unnamed`` (its entry is named by the dependency: yarn keeps no
    package name, ``LockfileGraph.unnamed_tarballs``), a ``file:`` or ``portal:`` folder to
    ``folders``."""
    if local_tarball(reference):
        unnamed.append((resolution, _local_path(reference, local_tarball_path) or ""))
        return
    local = _local_path(reference, local_folder)
    if local is not None:
        folders.append(local)


_OWNER_DEPTH = 16  # folders in folders followed back to a workspace (a deeper chain: None)


def _local_path(
    reference: str, read: Callable[[str, str], str | None], depth: int = 0
) -> str | None:
    """The path of a ``file:`` directory, ``file:`` tarball or ``portal:`` reference
    (``file:./dir#./dir::hash=...&locator=root%40workspace%3A.``) relative to the lockfile's
    folder, as ``read`` (``local_folder``, ``local_tarball_path``) gives it from the path and
    the folder its ``locator`` names, to which it is relative: a workspace's, or a ``file:`` /
    ``portal:`` folder's (yarn 4.18.1 writes ``other@file:../other::locator=local-thing%40file
    %3A..%2F..%2Flocal%2Fthing%23...`` for local/thing's own ``file:../other``); another
    locator: None."""
    from urllib.parse import unquote  # noqa: PLC0415 - not on the common path (decision 0024)

    body, _, params = reference.partition("::")
    path = body.partition(":")[2].partition("#")[0]
    for param in params.split("&") if params else ():
        key, _, value = param.partition("=")
        if key == "locator":
            owner = split_at_version(unquote(value))[1]
            if owner.startswith("workspace:"):
                return read(path, owner[len("workspace:") :])
            if owner.startswith(("file:", "portal:")) and depth < _OWNER_DEPTH:
                folder = _local_path(owner, local_folder, depth + 1)
                return None if folder is None else read(path, folder)
    return None


class _Fetched:
    """Entries whose resolution fetches another package or version than the entry says
    (decision 0030). What berry installs is its locator: an ``npm:`` reference is fetched as
    that version of the name (its ``version`` field is the manifest's, informational), a
    ``::__archiveUrl=`` binding from that URL instead, an ``http(s):`` reference from its own
    URL (berry's tarball fetcher; a registry tarball's URL names its package), a ``patch:``
    reference is the package it wraps with the patch applied. Each such package joins the
    graph under the entry's resolution, so a rule that names it finds it, and the entry is an
    error, unless the URL is what the entry's key asks for (a dependency on that URL,
    ``"tb@https://.../left-pad-1.3.0.tgz"``, as npm's URL dependencies: no error)."""

    __slots__ = ("errors", "packages")

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.packages: list[LockedPackage] = []

    def check(  # noqa: PLR0917 - an entry's resolution facts and its key
        self,
        node: str,
        line: int,
        name: str,
        version: str,
        reference: str,
        key: str,
        *,
        built: bool = False,
    ) -> None:
        """``built``: check an entry of the common case (an ``npm:`` reference of the entry's
        version) too, whose name is not plain (``_fetched``)."""
        if not reference.startswith(("npm:", "patch:")) and not _is_url(reference):
            return
        if (
            not built
            and reference.startswith("npm:")
            and "::" not in reference
            and reference[4:] == version
        ):
            return  # the common case
        found = [f for f in _fetched(name, reference) if (f[0], f[1]) != (name, version)]
        if not found:
            return
        if not all(url is not None and _asked_for(url, key) for _, _, url in found):
            self.errors.append(
                f"line {line}: the resolution fetches another package or version than this"
                " entry says (its npm version, the package a patch wraps or an archive URL);"
                " yarn installs what the resolution names (lockfile injection or a bad merge?)"
            )
        for found_name, found_version, url in found:
            source = Source.REGISTRY if url is None else Source.TARBALL
            self.packages.append(LockedPackage(node, found_name, found_version, source, None, url))

    def check_names(self, names: list[str], parsed: _Parsed) -> None:
        """``check`` the entries of ``parsed`` its common case passed over (an ``npm:``
        reference of the entry's version) whose name (of ``names``) is not plain: berry
        fetches the registry URL it builds from that name (``_fetched``)."""
        odd = names_not_plain(names)
        if not odd:
            return
        odd_names, done = set(odd), set()
        for key, line, fields in zip(parsed.keys, parsed.lines, parsed.fields, strict=True):
            resolution = fields.get("resolution") or ""
            name, reference = split_at_version(resolution)
            written = fields.get("version")
            if (
                name in odd_names
                and reference.startswith("npm:")
                and reference[4:] == (reference[4:] if written is None else written)
                and resolution not in done
            ):
                done.add(resolution)
                self.check(resolution, line, name, reference[4:], reference, key, built=True)


def _url_dependency_name(name: str, reference: str, key: str) -> str:
    """The package a tarball URL dependency installs: the one its URL names when the URL is a
    registry tarball the key asks for (``"foo@https://.../ms/-/ms-2.1.2.tgz"`` installs ms
    2.1.2 in node_modules/foo, as npm, pnpm and bun write it), else the locator's name (a URL
    off the registry layout names no package; one the key does not ask for is ``_Fetched``'s
    error)."""
    if not _is_url(reference):
        return name
    identity = registry_identity(reference)
    if identity is None or not identity[1] or identity[0] == name:
        return name
    return identity[0] if _asked_for(reference, key) else name


def _is_url(reference: str) -> bool:
    return reference[:8].lower().startswith(("https://", "http://"))


def _asked_for(url: str, key: str) -> bool:
    """Does a descriptor of the entry's key name ``url`` (itself, or URL-encoded in the
    ``patch:`` of it)? Then the URL is the dependency's own spec, not an injected one."""
    from urllib.parse import unquote  # noqa: PLC0415 - URL references only (decision 0024)

    return any(url in unquote(d) for d in split_key(key))


_PATCH_DEPTH = 4  # patch: of a patch: ... (yarn writes one level)


def _fetched(name: str, reference: str, depth: int = 0) -> list[tuple[str, str, str | None]]:
    """``(name, version, archive URL or None)`` of what berry fetches for a locator's
    ``npm:``, ``http(s):`` or ``patch:`` reference; a URL that is no registry tarball names
    nothing."""
    from urllib.parse import unquote  # noqa: PLC0415 - not on the common path (decision 0024)

    if reference.startswith("patch:") and depth < _PATCH_DEPTH:
        inner_name, inner = split_at_version(unquote(reference[6:].partition("#")[0]))
        return _fetched(inner_name, inner, depth + 1)
    if _is_url(reference):  # berry's tarball fetcher downloads the URL itself
        identity = registry_identity(reference)
        return [(*identity, reference)] if identity is not None else []
    if not reference.startswith("npm:"):
        return []
    body, _, params = reference[4:].partition("::")
    version = body.strip().lstrip("=v")
    found: list[tuple[str, str, str | None]] = [(name, version, None)]
    archive = False
    for param in params.split("&") if params else ():
        key, _, value = param.partition("=")
        if key == "__archiveUrl":
            archive = True
            url = unquote(value)
            identity = registry_identity(url)
            if identity is not None:
                found.append((*identity, url))
    if not archive and not PLAIN_NAME.fullmatch(name):
        # no archive URL: berry fetches the registry URL it builds from the name (decision
        # 0080: yarn 4.18.1 installed ms 2.1.3 for a resolution "%6ds@npm:2.1.3")
        built = built_url(name, version)
        identity = None if built is None else registry_identity(built)
        if identity is not None and identity[0] != name:
            found[0] = (identity[0], version, None)
    return found


def _catalog_keyed(keys: Sequence[str], lines: Sequence[int], path: str) -> None:
    """yarn keys a ``catalog:`` dependency's entry by the catalog's range, never by
    ``name@catalog:``: such a key (a decoy a ``catalog:`` dependency would take as its own
    entry) is an edited file."""
    for key, line in zip(keys, lines, strict=True):
        if "@catalog:" in key and any(
            split_at_version(d)[1].startswith("catalog:") for d in split_key(key)
        ):
            raise LockfileError(
                path,
                "an entry keyed by a catalog: range (yarn keys it by the catalog's range: an"
                " edited lockfile?)",
                json_path=f"line {line}",
            )


class _Fallbacks:
    """The entry a dependency whose descriptor heads none resolves to, worked out on first ask:
    the one entry of its name (``resolutions`` rewrite the key, not the dependent's range); for
    a ``catalog:`` range first the one of its name no other dependency's descriptor heads (yarn
    writes no entry nothing refers to; the catalog's range, which keys it, is in .yarnrc.yml:
    ``check_references``)."""

    def __init__(self, owner: dict[str, str], entry_ids: Sequence[str], deps_of: DepsOf) -> None:
        self._owner = owner
        self._entry_ids = entry_ids
        self._deps_of = deps_of
        self._by_name: dict[str, str | None] | None = None
        self._by_catalog: dict[str, str | None] | None = None

    def of(self, name: str, range_: str) -> str | None:
        if range_.startswith("catalog:"):
            if self._by_catalog is None:
                self._by_catalog = self._catalog_owners()
            hit = self._by_catalog.get(name)
            if hit is not None:
                return hit
        if self._by_name is None:
            self._by_name = by_name_fallback(self._owner)
        return self._by_name.get(name)

    def _catalog_owners(self) -> dict[str, str | None]:
        owner = self._owner
        referenced = {
            heading(dep, range_, owner, berry=True)
            for index, entry_id in enumerate(self._entry_ids)
            if entry_id
            for dep, range_ in self._deps_of(index)
        }
        return by_name_fallback({d: node for d, node in owner.items() if d not in referenced})


def _berry_edges(
    keys: Sequence[str], entry_ids: Sequence[str], deps_of: DepsOf
) -> dict[str, list[str]]:
    owner: dict[str, str] = {}
    builtin_patch: dict[str, str] = {}
    for key, entry_id in zip(keys, entry_ids, strict=True):
        if not entry_id:
            continue
        for descriptor in split_key(key):
            owner.setdefault(descriptor, entry_id)
            range_ = split_at_version(descriptor)[1]
            if range_.startswith("patch:") and "builtin<" in range_:
                # yarn applies its built-in compat patches (fsevents, resolve, typescript) to the
                # plain descriptor: the dependent still says "resolve@npm:^1.22.8".
                from urllib.parse import unquote  # noqa: PLC0415 - patches only (decision 0024)

                inner = unquote(range_[6:].split("#", 1)[0])
                builtin_patch.setdefault(inner, entry_id)
    fallbacks = _Fallbacks(owner, entry_ids, deps_of)

    def lookup(name: str, range_: str) -> str | None:
        candidates = [f"{name}@{range_}"]
        if not has_protocol(range_):
            candidates.append(f"{name}@npm:{range_}")
        for candidate in candidates:
            hit = builtin_patch.get(candidate) or owner.get(candidate)
            if hit is not None:
                return hit
        return fallbacks.of(name, range_)

    edges: dict[str, list[str]] = {}
    for index, entry_id in enumerate(entry_ids):
        if not entry_id:
            continue
        children = edges.setdefault(entry_id, [])
        for child in link_children(deps_of(index), lookup):
            if child != entry_id and child not in children:
                children.append(child)
    return edges
