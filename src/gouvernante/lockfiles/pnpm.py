"""pnpm-lock.yaml: lockfile versions 5.x (pnpm 6-7), 6.x (pnpm 8) and 9.0 (pnpm 9 and later).

Shapes (keys of the ``packages`` map, and how a dependency reference turns into one):

* 5.x: ``/name/1.2.3`` or ``/name/1.2.3_peer@4.5.6+other@1.0.0`` (scoped ``/@scope/name/...``);
  a reference without ``/`` is a version (``1.2.3_react@18.2.0`` -> ``/name/1.2.3_react@18.2.0``),
  anything else is already a key (an alias ``/lodash/4.17.20``, a tarball or git key).
* 6.x: ``/name@1.2.3(peer@4.5.6)``; same reference rule, ignoring ``/`` inside the peer suffix.
* 9.0: ``packages`` keyed ``name@1.2.3`` (resolution, metadata) plus ``snapshots`` keyed
  ``name@1.2.3(peer@4.5.6)`` (dependencies); a reference holding ``@`` before any ``:`` or ``(``
  is a key (alias ``lodash@4.17.20``), else ``name@`` + reference.

Node ids are the package keys (5.x/6.x) or snapshot keys (9.0); importers (the project and its
workspaces) are ``importer:<path>``. ``link:`` references become LOCAL packages whose id is the
importer id of the folder they point to (``link:<path>`` for folders that are not importers).

Every dependency reference of an entry must be answered by an entry (pnpm refuses the file
otherwise: "Broken lockfile: no entry for"): one that is not is an entry error (decision 0029),
as is a ``resolution.tarball`` that is the registry tarball of another package (decision 0030).

The YAML is read by the fast subset loader of ``_pnpm_yaml`` and by PyYAML only when the file
steps outside what pnpm writes. Before both, ``_pnpm_lines`` reads the big ``packages`` and
``snapshots`` sections of a file in pnpm's own layout into columns (decision 0028): packages are
then built when the matcher asks for them and a path search reads only the entries it visits;
whenever that reader is unsure, the file is read as above.
"""

from __future__ import annotations

import gc
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from gouvernante.errors import LockfileError
from gouvernante.fs.decode import yaml_problem, yaml_where
from gouvernante.lazy import lazy_pattern
from gouvernante.lockfiles import _pnpm_lines, _pnpm_yaml
from gouvernante.lockfiles._common import split_at_version, version_label
from gouvernante.lockfiles._local_folder import local_folder
from gouvernante.lockfiles._tarball_url import (
    built_url,
    injected,
    injection_error,
    names_not_plain,
)
from gouvernante.lockfiles.package_json import overridden_versions
from gouvernante.model import (
    Importer,
    LockedPackage,
    LockfileFormat,
    LockfileGraph,
    PackageTable,
    Source,
)
from gouvernante.safetext import key_segment

_DEP_FIELDS = ("dependencies", "devDependencies", "optionalDependencies")
# Importers may also hold the dependencies of pnpm itself (the "env" document of pnpm 10+).
_IMPORTER_DEP_FIELDS = (*_DEP_FIELDS, "configDependencies", "packageManagerDependencies")
_NODE_DEP_FIELDS = ("dependencies", "optionalDependencies")
_PRODUCTION_FIELDS = ("dependencies", "optionalDependencies")  # (of an importer)
# The unanswered dependencies an error lists one by one (a cut file may have thousands).
_MAX_LISTED = 50
_GIT_TARBALL_HOSTS = (
    "https://codeload.github.com/",
    "https://gitlab.com/",
    "https://bitbucket.org/",
)
_IMPORTER = "importer:"
_BUNDLED = "bundledDependencies"
# The entry fields the parser reads; the fast loader skips the others (engines, cpu, os,
# peerDependencies, transitivePeerDependencies...) without building them.
_KEEP: dict[str, frozenset[str]] = {
    "importers": frozenset((*_IMPORTER_DEP_FIELDS, "specifiers")),
    "packages": frozenset(("resolution", "name", "version", _BUNDLED, *_NODE_DEP_FIELDS)),
    "snapshots": frozenset(_NODE_DEP_FIELDS),
}


def sniff(head: bytes) -> bool:
    """pnpm lockfiles start with ``lockfileVersion:`` (after an optional BOM, comments, ``---``)."""
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    for raw in head.split(b"\n", 64)[:64]:
        line = raw.rstrip(b"\r")
        if not line.strip() or line.startswith(b"#") or line == b"---":
            continue
        return line.startswith(b"lockfileVersion:")
    return False


_BODY_KEYS = (
    "importers",
    "packages",
    "snapshots",
    "specifiers",
    "dependencies",
    "devDependencies",
    "optionalDependencies",
)


def parse(data: bytes, path: str) -> LockfileGraph:
    """Parse a pnpm-lock.yaml; raise ``LockfileError`` naming ``path`` on anything unexpected."""
    # An ASCII file is not decoded whole unless the full loader reads it: the line reader
    # reads its bytes (decision 0040).
    text: str | None = None
    if not data.isascii():
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise LockfileError(path, f"not valid UTF-8 (byte {exc.start})") from None
    last = text[-1:] if text is not None else data[-1:].decode("ascii")
    if last and last != "\n":
        # pnpm ends its lockfiles with a newline; without one the last value may be cut short
        # (``name: left-p``) and still be valid YAML.
        raise LockfileError(path, "the file does not end with a newline (truncated file?)")
    fast = _read_lines(text, path, data)
    if fast is not None:
        return fast
    if text is None:
        text = data.decode("ascii")
    docs = _load_documents(text, path)
    if len(docs) == 1 and text.lstrip("\ufeff").startswith("---") and _env_only(docs[0]):
        # pnpm 10+ starts a file with ``---`` for its env document, which the project's lockfile
        # always follows: an env document alone is a file cut after it. Any other document
        # after a ``---`` is the lockfile (pnpm 9.15.9 and 10.33.0 install from ``---`` and a
        # lockfile, with or without a closing ``...``: decision 0163).
        raise LockfileError(path, "an env document and no lockfile after it (truncated file?)")
    main = docs[-1]
    graph = _Lockfile(main, path, text)
    if not any(key in main for key in _BODY_KEYS):
        # pnpm writes "importers" (or, before 9.0 for a single project, "specifiers" and the
        # dependency maps) even for a project without dependencies: a header alone is a cut file
        raise LockfileError(path, "a lockfile header with no importers or packages (truncated?)")
    if len(docs) > 1:
        # pnpm 10+ may write an "env lockfile" document (config dependencies, the package
        # manager itself) before the project's lockfile: those packages are installed too.
        for extra in docs[:-1]:
            graph.merge_env_document(_Lockfile(extra, path, text))
    return graph.to_graph()


def _env_only(doc: Mapping[str, Any]) -> bool:
    """Is ``doc`` pnpm 10's env document: importers holding only its config dependencies and
    package manager (``configDependencies``, ``packageManagerDependencies``), no other section
    naming the project's dependencies?"""
    importers = doc.get("importers")
    if not isinstance(importers, dict) or not importers:
        return False
    if any(key in doc for key in _BODY_KEYS if key not in ("importers", "packages", "snapshots")):
        return False
    env = {"configDependencies", "packageManagerDependencies"}
    return all(isinstance(entry, dict) and entry.keys() <= env for entry in importers.values())


# --------------------------------------------------------------------------------------------
# Loading


_DOCUMENT_START = lazy_pattern(r"(?:^|\n)---\r?\n")


def _load_documents(text: str, path: str) -> list[dict[str, Any]]:
    """The YAML documents of the file (pnpm writes one, or two separated by ``---``)."""
    if _DOCUMENT_START.search(text) is not None:
        parts = [p for p in _split_documents(text) if p.strip()]
    else:
        parts = [text]
    docs: list[dict[str, Any]] = []
    for part in parts:
        try:
            doc: Any = _pnpm_yaml.load_fast(part, _KEEP)
        except _pnpm_yaml.Unsupported:
            doc = _load_yaml(part, path)
        if not isinstance(doc, dict):
            raise LockfileError(path, "not a pnpm lockfile (the top level is not a mapping)")
        docs.append(doc)
    if not docs:
        raise LockfileError(path, "empty file")
    return docs


# Characters libyaml (YAML 1.1) reads as line breaks, or skips at a line's start (a byte-order
# mark), which pnpm's js-yaml and yarn's parseSyml (YAML 1.2) read as text: ``ms: 1 \u2029# c``
# is ``1`` to one and ``1 \u2029# c`` to the other, ``\x85react:`` is ``react`` or another key.
_BREAKS_APART = lazy_pattern("[\x85\u2028\u2029\ufeff]")


def _load_yaml(text: str, path: str, *, numbers: bool = False) -> Any:
    odd = _BREAKS_APART.search(text)
    if odd is not None:  # (a leading byte-order mark is gone: decoded as utf-8-sig)
        raise LockfileError(
            path,
            "a character YAML readers do not agree on (U+0085, U+2028, U+2029 or a byte-order"
            " mark inside the file: a line break or nothing to one, text to pnpm's and yarn's);"
            " not read",
            json_path=f"line {text.count(chr(10), 0, odd.start()) + 1}",
        )
    try:
        return _pnpm_yaml.load_yaml(text, numbers=numbers)
    except RecursionError:
        raise LockfileError(path, "nesting too deep to parse") from None
    except _pnpm_yaml.AnchorRefused as exc:
        where = f"line {exc.line}" if exc.line else None
        raise LockfileError(
            path,
            "a YAML anchor or alias of a mapping or list (pnpm never writes one; js-yaml shares"
            " one object between them, which pnpm changes in place): not read",
            json_path=where,
        ) from None
    except Exception as exc:  # PyYAML raises many types on hostile input: fail closed
        # Its messages quote the document: only the position and plain words are kept.
        where = yaml_where(exc, text)
        raise LockfileError(path, f"invalid YAML: {yaml_problem(exc)}", json_path=where) from None


def _split_documents(text: str) -> list[str]:
    """Split on ``---`` lines; a ``...`` line ends a document."""
    parts: list[str] = []
    current: list[str] = []
    for line in text.split("\n"):
        if line in ("---", "...", "---\r", "...\r"):  # (CRLF line ends too)
            parts.append("\n".join(current))
            current = []
        else:
            current.append(line)
    parts.append("\n".join(current))
    return parts


# --------------------------------------------------------------------------------------------
# Helpers shared by every lockfile version


def _mapping(value: Any, path: str, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if value.__class__ is not dict:
        raise LockfileError(path, "expected a mapping", json_path=where)
    result: dict[str, Any] = value
    return result


def _node_refs(entry: Any) -> Iterator[tuple[str, Any, Any]]:
    """(field, name, reference) of each line of a package entry's dependency maps, as read."""
    if entry.__class__ is not dict:
        return
    for field in _NODE_DEP_FIELDS:
        deps = entry.get(field)
        if deps.__class__ is dict:
            for name, ref in deps.items():
                yield field, name, ref


def _str_refs(entry: Any) -> Iterator[tuple[str, str]]:
    """(name, reference) of each dependency of a package entry that is text (the others are
    ``_unanswered``'s errors)."""
    for _field, name, ref in _node_refs(entry):
        if name.__class__ is str and ref.__class__ is str:
            yield name, ref


def _importer_refs(
    entry: Any, fields: tuple[str, ...] = _IMPORTER_DEP_FIELDS
) -> Iterator[tuple[str, str]]:
    """(name, reference) of each dependency of an importer in ``fields`` (the entries were
    checked when the file was read; anything else is passed over)."""
    if entry.__class__ is not dict:
        return
    for field in fields:
        deps = entry.get(field)
        if deps.__class__ is not dict:
            continue
        for name, value in deps.items():
            ref = value.get("version") if value.__class__ is dict else value
            if name.__class__ is str and ref.__class__ is str:
                yield name, ref


def _text(value: Any, path: str, where: str) -> str:
    if value.__class__ is not str:
        raise LockfileError(path, "expected a string", json_path=where)
    result: str = value
    return result


def _opt_text(value: Any, path: str, where: str) -> str | None:
    return None if value is None else _text(value, path, where)


def _strip_peers(key: str) -> str:
    """``name@1.0.0(react@18.2.0)(patch_hash=x)`` -> ``name@1.0.0``."""
    if key[-1:] != ")":
        return key
    depth = 0
    for i in range(len(key) - 1, -1, -1):
        ch = key[i]
        if ch == ")":
            depth += 1
        elif ch == "(":
            depth -= 1
        elif depth == 0:
            return key[: i + 1]
    return key


def _name_from_tarball(url: str) -> str | None:
    """The package name in a registry-shaped tarball URL ``.../@scope/name/-/name-1.0.0.tgz``."""
    head, sep, _ = url.partition("/-/")
    if not sep:
        return None
    parts = head.split("/")
    if len(parts) >= 2 and parts[-2].startswith("@"):
        return f"{parts[-2]}/{parts[-1]}"
    return parts[-1] or None


def _looks_like_version(version: str) -> bool:
    return bool(version) and ":" not in version and "/" not in version


def _lockfile_kind(doc: dict[str, Any], path: str) -> int:
    """5, 6 or 9: the shape of the file's keys, from its ``lockfileVersion``."""
    raw_version = doc.get("lockfileVersion")
    if raw_version is None and "shrinkwrapVersion" in doc:
        # pnpm 1 and 2 (2017-2018) wrote ``shrinkwrap.yaml``; pnpm 3 renamed it. Its shape is
        # not read here: refused, never an empty project
        raise LockfileError(
            path,
            "a pnpm 1-2 shrinkwrap (shrinkwrapVersion): this old format is not read (pnpm 3+"
            " rewrites it as pnpm-lock.yaml; or scan the installed node_modules with -host)",
            json_path="shrinkwrapVersion",
        )
    if raw_version.__class__ not in (str, int, float) or isinstance(raw_version, bool):
        raise LockfileError(path, "missing or invalid lockfileVersion", json_path="lockfileVersion")
    major = str(raw_version).split(".", 1)[0]
    if major in ("5", "6", "9"):
        return int(major)
    raise LockfileError(
        path,
        f"unsupported pnpm lockfileVersion {version_label(raw_version)}",
        json_path="lockfileVersion",
    )


def _absolute_tarball(url: str) -> str:
    """A ``resolution.tarball`` as pnpm fetches it: one with no scheme is relative to the
    registry (pnpm 9.15.9 installs ``is-number/-/is-number-7.0.0.tgz``, ``/is-number/-/...``
    and ``//registry.npmjs.org/...`` from it), read here against a stand-in registry so the
    package it names is known."""
    if url[:2] in ("//", "\\\\"):
        return f"https:{url}"
    head = url.partition("/")[0]
    if ":" in head:  # (a scheme: https:, file:, git+ssh: ...)
        return url
    return f"https://registry.invalid/{url.lstrip('/')}"


def _outside(target: str) -> bool:
    """Is a normalized link target (relative to the lockfile's folder) outside that folder?"""
    return target == ".." or target[:3] == "../"


def _listing_skips(target: str) -> bool:
    """Does a link target's path cross a folder no listing of lockfiles enters (``SKIP_DIRS``:
    ``.cache``, ``node_modules``...)?"""
    from gouvernante.fs.walk import SKIP_DIRS  # noqa: PLC0415 - such links only

    return any(part in SKIP_DIRS for part in target.split("/"))


def _workspace_spec(value: Any) -> bool:
    """Does a 6.0/9.0 importer dependency (``{specifier, version}``) linked to a folder ask for
    a workspace package? Any specifier but a ``link:`` one (a folder named by its path) does:
    ``workspace:``, or a range pnpm answered from the workspace (link-workspace-packages)."""
    if value.__class__ is not dict:
        return False
    specifier = value.get("specifier")
    return specifier.__class__ is str and not specifier.startswith("link:")


def _check_specifiers(entry: dict[str, Any], path: str, where: str) -> None:
    """5.x lockfiles list an importer's ``specifiers`` apart from what they resolve to: pnpm
    writes each in one of its dependency maps too (checked on every 5.x file made by pnpm 6 and
    7 and the real ones we hold). A specifier none answers is a cut or edited file (a file cut
    inside its first importer read as a project with no dependencies)."""
    for field in ("specifiers", *_DEP_FIELDS):
        if field in entry and entry[field] is None:
            raise LockfileError(
                path, "a key with no value (truncated file?)", json_path=f"{where}{field}"
            )
    specifiers = entry.get("specifiers")
    if specifiers is None:
        return
    specifiers = _mapping(specifiers, path, f"{where}specifiers")
    resolved: set[object] = set()
    for field in _DEP_FIELDS:
        resolved.update(_mapping(entry.get(field), path, f"{where}{field}"))
    for name in specifiers:
        if name not in resolved:
            raise LockfileError(
                path,
                "a specifier no dependency map of its importer resolves (truncated or edited"
                " file?)",
                json_path=f"{where}specifiers{key_segment(str(name))}",
            )


# a ``file:`` folder, git or URL entry of lockfile 5.x/6.0 holding no more than these, at the
# file's end, cannot be told from one cut after its ``name:`` (pnpm 8.15.9 folders) or
# ``resolution:`` line (``_describe``)
_CUT_ENTRY_FIELDS = frozenset({"resolution", "name"})
_CUT_KIND = {Source.LOCAL: "file: folder", Source.GIT: "git", Source.TARBALL: "tarball URL"}


class _Lockfile:
    """One loaded pnpm lockfile document, turned into packages now and edges on demand."""

    def __init__(self, doc: dict[str, Any], path: str, text: str) -> None:
        self.path = path
        self.text = text
        self.kind = _lockfile_kind(doc, path)
        self.packages_map = _mapping(doc.get("packages"), path, "packages")
        self.snapshots_map = _mapping(doc.get("snapshots"), path, "snapshots")
        # the key of the entry the file ends with, when ``packages`` ends it (``_describe``)
        self.last_entry: str | None = (
            next(reversed(self.packages_map), None)
            if self.packages_map and next(reversed(doc)) == "packages"
            else None
        )
        self.importers_map = self._read_importers(doc)
        self.packages: list[LockedPackage] = []
        self.local_folders: list[str] = []  # file: directories (``_describe``)
        self.own_lockfile_links: list[tuple[str, str]] = []  # (``_read_links``)
        self.bundled: list[tuple[str, str]] = []  # (``_describe``)
        self.node_ids: set[str] = set()
        # Node id -> its raw entry (whose dependency maps are resolved only when edges are
        # asked for).
        self.node_deps: dict[str, dict[str, Any]] = {}
        self.links: dict[str, LockedPackage] = {}
        self.extra_importer_deps: list[tuple[str, str, str]] = []
        self.injected: dict[str, tuple[LockedPackage, str | None]] = {}
        self._read_packages()
        self._read_links()
        self._check_importer_references()
        self._check_last_entry()

    def source_text(self) -> str:
        """The file's text (after a byte-order mark)."""
        return self.text

    def _check_last_entry(self) -> None:
        """Lockfile 5.x/6.0: the entry the file ends with must end as pnpm 5-8 end every entry,
        with ``dev:`` (or ``optional:``), which they write after the dependency maps and leave
        out only where both a dev and a production dependency reach the package. Without it,
        the file may be cut inside that entry, which lost its dependencies and the entries
        sorted after it: pnpm 8.15.9's file of a project depending on debug 4.3.4 alone, cut
        anywhere before debug's ``dependencies``, read as whole without ms 2.1.2 (decision
        0130). 9.0 writes every package in ``packages`` before ``snapshots``."""
        key = self.last_entry
        if key is None or self.kind == 9:
            return
        fields = self._fields_written_last()
        if not fields or "dev" in fields or "optional" in fields:
            return  # (an entry on one line was not cut inside: the file ends with a newline)
        edges = self.build_edges()

        def reached(roots: tuple[str, ...]) -> set[str]:
            todo = [
                child
                for importer, entry in self.importers_map.items()
                for name, ref in _importer_refs(entry, roots)
                if (child := self._ref_to_key(name, ref) or self._add_link(importer, name, ref))
            ]
            seen: set[str] = set()
            while todo:
                node = todo.pop()
                if node not in seen:
                    seen.add(node)
                    todo.extend(edges.get(node, ()))
            return seen

        if key not in reached(_PRODUCTION_FIELDS) or key not in reached(("devDependencies",)):
            raise LockfileError(
                self.path,
                "the entry the file ends with has no dev: field, which pnpm writes on every"
                " entry but one that both a dev and a production dependency reach (truncated"
                " file?)",
                json_path=f"packages{key_segment(key)}",
            )

    def _fields_written_last(self) -> list[str]:
        """The fields of the entry the file ends with, as written: the readers keep only those
        they use (not ``dev``, ``engines``, ...), which tell a whole entry from a cut one. Read
        again for that one entry only; none for an entry written on one line."""
        text = self.source_text()
        at = len(text)
        while (at := text.rfind("\n  ", 0, at)) >= 0 and text[at + 3 : at + 4] in (" ", "#"):
            pass  # (a line of the entry, or a comment: pnpm writes its key two spaces in)
        fields = []
        for line in text[at + 1 :].split("\n")[1:]:
            if line[:4] == "    " and line[4:5] not in (" ", "#", ""):
                fields.append(line[4:].partition(":")[0])
        return fields

    # ----------------------------------------------------------------------------------------

    def _read_importers(self, doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
        path = self.path
        importers: dict[str, dict[str, Any]] = {}
        # names an override links to a folder (``"foo": "link:../foo"``): a dependency on them is
        # a link whatever its specifier, to a folder that need not be a workspace
        overrides = overridden_versions(doc.get("overrides"))
        self.linked_by_override = frozenset(
            name for name, spec in overrides if spec.startswith("link:")
        )
        # (the names the overrides pin, from package.json or pnpm-workspace.yaml: what pnpm
        # installs for them is the override's, whatever a package.json declares)
        self.override_names = frozenset(name for name, _ in overrides)
        for field in ("importers", "specifiers", *_DEP_FIELDS):
            if field in doc and doc[field] is None:
                # pnpm writes ``{}`` or leaves a key out, never a key with no value: a cut file
                raise LockfileError(path, "a key with no value (truncated file?)", json_path=field)
        if "importers" in doc:
            if not doc["importers"]:  # (pnpm writes the project itself, ``.``, at least)
                raise LockfileError(path, "no importer (truncated file?)", json_path="importers")
            for key, entry in _mapping(doc["importers"], path, "importers").items():
                where = f"importers{key_segment(key)}"
                if entry is None:  # (pnpm writes ``{}`` for an importer with no dependency)
                    raise LockfileError(
                        path, "an importer with no value (truncated file?)", json_path=where
                    )
                importers[_text(key, path, where)] = _mapping(entry, path, where)
        # Single-project 5.x/6.x lockfiles keep the project's dependencies at the top level.
        single = {field: doc[field] for field in _DEP_FIELDS if field in doc}
        if single or not importers:
            importers.setdefault(".", {}).update(single)
        if "specifiers" in doc:
            importers.setdefault(".", {})["specifiers"] = doc["specifiers"]
        for key, entry in importers.items():
            _check_specifiers(
                entry, path, "" if "importers" not in doc else f"importers{key_segment(key)}."
            )
        return importers

    def _ref_to_key(self, name: str, ref: str) -> str | None:
        """The node id a dependency reference points at (``None`` for ``link:``)."""
        if ref[:5] == "link:":
            return None
        if ref[:4] == "npm:":  # an alias written with its protocol
            real, version = split_at_version(ref[4:])
            if self.kind == 9:
                return f"{real}@{version}"
            return f"/{real}@{version}" if self.kind == 6 else f"/{real}/{version}"
        kind = self.kind
        if kind == 9:
            if ref[:1] == "@":
                return ref
            at = ref.find("@")
            if at < 0:
                return f"{name}@{ref}"
            colon = ref.find(":")
            paren = ref.find("(")
            if (colon < 0 or at < colon) and (paren < 0 or at < paren):
                return ref
            return f"{name}@{ref}"
        if ref[:5] == "file:":
            return ref
        if kind == 6:
            slash = ref.find("/")
            if slash < 0:
                return f"/{name}@{ref}"
            paren = ref.find("(")
            if paren >= 0 and ref.rfind("/", 0, paren) < 0:
                return f"/{name}@{ref}"
            return ref
        if "/" not in ref:
            return f"/{name}/{ref}"
        return ref

    def _importer_alias(self, key: str) -> str | None:
        """The name an importer's dependency on the entry ``key`` is declared under (5.x/6.0
        importers point at a non-registry entry by its key), or None."""
        aliases: dict[str, str] | None = getattr(self, "_aliases", None)
        if aliases is None:
            aliases = {}
            for entry in self.importers_map.values():
                for field in _DEP_FIELDS:
                    deps = entry.get(field)
                    for dep, value in deps.items() if deps.__class__ is dict else ():
                        ref = value.get("version") if value.__class__ is dict else value
                        if ref.__class__ is str and "/" in ref and dep.__class__ is str:
                            aliases.setdefault(ref, dep)
                            aliases.setdefault(f"/{ref}", dep)
            self._aliases = aliases
        return aliases.get(key)

    def _key_name_version(self, key: str) -> tuple[str, str, bool]:
        """Name and version written in a package key, and whether it is a registry key."""
        kind = self.kind
        if kind == 9:
            name, version = split_at_version(_strip_peers(key))
            return name, version, _looks_like_version(version)
        if key[:1] != "/":
            # pnpm 5-8 key a package from another registry host ``host/name/1.0.0`` (5.x) or
            # ``host/name@1.0.0`` (6.x), and read its name and version from it as from
            # ``/name/...`` (dependency-path's parse) when the entry has no ``name``/``version``
            host, _, rest = key.partition("/")
            if not host or ":" in host or "@" in host or rest[:1] in ("", "/"):
                return "", "", False
            name, version, registry = self._key_name_version(f"/{rest}")
            return (name, version, True) if registry else ("", "", False)
        body = key[1:]
        if kind == 6:
            name, version = split_at_version(_strip_peers(body))
            return name, version, _looks_like_version(version)
        # 5.x: /name/1.2.3_peers or /@scope/name/1.2.3_peers
        slash = body.find("/", body.find("/") + 1) if body[:1] == "@" else body.find("/")
        if slash < 0:
            return body, "", False
        version = body[slash + 1 :]
        underscore = version.find("_")
        if underscore >= 0:
            version = version[:underscore]
        return body[:slash], version, _looks_like_version(version)

    def _read_packages(self) -> None:  # noqa: C901 - listed in pyproject, to shrink
        path = self.path
        packages = self.packages
        node_deps = self.node_deps
        describe = self._describe
        if self.kind == 9:
            snapshots = self.snapshots_map
            packages_map = self.packages_map
            if packages_map and not snapshots:
                raise LockfileError(
                    path, "packages without snapshots (truncated file?)", json_path="snapshots"
                )
            info_cache: dict[str, LockedPackage] = {}
            for key, snap in snapshots.items():
                if key.__class__ is not str or not key:
                    raise LockfileError(path, "invalid snapshot key", json_path="snapshots")
                if snap.__class__ is not dict:
                    where = f"snapshots{key_segment(key)}"
                    if snap is None:
                        raise LockfileError(
                            path, "empty snapshot (truncated file?)", json_path=where
                        )
                    raise LockfileError(path, "expected a mapping", json_path=where)
                pkg_key = _strip_peers(key) if key[-1] == ")" else key
                info = info_cache.get(pkg_key)
                if info is None:
                    if pkg_key in packages_map:
                        info = describe(pkg_key, packages_map[pkg_key], "packages")
                    else:
                        # A snapshot without a packages entry: all we know is in its key.
                        name, version, registry = self._key_name_version(pkg_key)
                        info = LockedPackage(pkg_key, name, version if registry else "")
                    info_cache[pkg_key] = info
                if pkg_key is key or pkg_key == key:
                    packages.append(info)
                else:
                    packages.append(
                        LockedPackage(
                            key, info.name, info.version, info.source, info.integrity, info.resolved
                        )
                    )
                node_deps[key] = snap
            if not info_cache.keys() >= packages_map.keys():
                # (not a count: a snapshot may name a key missing from packages, and an entry
                # of packages be one no snapshot names)
                for pkg_key, entry in packages_map.items():
                    # A package no snapshot refers to (hand-edited file): still a resolved package.
                    if pkg_key not in info_cache and pkg_key not in snapshots:
                        if pkg_key.__class__ is not str or not pkg_key:
                            raise LockfileError(path, "invalid package key", json_path="packages")
                        packages.append(describe(pkg_key, entry, "packages"))
        else:
            for key, entry in self.packages_map.items():
                if key.__class__ is not str or not key:
                    raise LockfileError(path, "invalid package key", json_path="packages")
                packages.append(describe(key, entry, "packages"))
                node_deps[key] = entry
        self.node_ids = {p.id for p in packages}

    def _describe(self, key: str, entry: Any, section: str) -> LockedPackage:  # noqa: C901 - listed in pyproject, to shrink
        """The package a ``packages`` entry describes, with ``key`` as its id."""
        if entry.__class__ is dict and _BUNDLED in entry:
            self._read_bundled(key, entry[_BUNDLED], f"{section}{key_segment(key)}.{_BUNDLED}")
        if entry.__class__ is dict and "name" not in entry and "version" not in entry:
            # The common case: a registry package, {integrity: ...} and nothing else.
            resolution = entry.get("resolution")
            if resolution.__class__ is dict and len(resolution) == 1:
                integrity = resolution.get("integrity")
                if integrity.__class__ is str:
                    name, version, registry = self._key_name_version(key)
                    if registry:
                        return LockedPackage(key, name, version, Source.REGISTRY, integrity)
        path = self.path
        where = f"{section}{key_segment(key)}"
        if entry is None:
            raise LockfileError(path, "empty package entry (truncated file?)", json_path=where)
        entry = _mapping(entry, path, where)
        resolution = _mapping(entry.get("resolution"), path, f"{where}.resolution")
        if not resolution:
            raise LockfileError(path, "package entry without resolution", json_path=where)
        name, version, registry = self._key_name_version(key)
        field_name = entry.get("name")
        field_version = entry.get("version")
        if not registry and field_name is None and self.kind != 9:
            # a URL or git entry pnpm 6/7 wrote without a name (``git+file:`` repositories):
            # its key is a path, not a name; the name an importer depends on it by is the name
            name = self._importer_alias(key) or name
        integrity = _opt_text(resolution.get("integrity"), path, f"{where}.resolution.integrity")
        tarball = _opt_text(resolution.get("tarball"), path, f"{where}.resolution.tarball")
        res_type = _opt_text(resolution.get("type"), path, f"{where}.resolution.type")
        resolved = tarball
        key_version = key if self.kind != 9 else version
        if (
            res_type == "directory"
            or key_version.startswith("file:")
            or (tarball is not None and tarball.startswith("file:"))
        ):
            source = Source.LOCAL
            directory = resolution.get("directory") if res_type == "directory" else None
            if directory.__class__ is str and (folder := local_folder(directory)) is not None:
                self.local_folders.append(folder)
        elif res_type == "git" or (res_type is None and "repo" in resolution):
            source = Source.GIT
            repo = _opt_text(resolution.get("repo"), path, f"{where}.resolution.repo")
            commit = _opt_text(resolution.get("commit"), path, f"{where}.resolution.commit")
            if repo:
                resolved = f"{repo}#{commit}" if commit else repo
        elif registry:
            source = Source.REGISTRY
        elif tarball is not None:
            source = Source.GIT if tarball.startswith(_GIT_TARBALL_HOSTS) else Source.TARBALL
        else:
            source = Source.REGISTRY
        key_name = name
        if field_name is not None:
            name = _text(field_name, path, f"{where}.name")
        elif not name:
            name = (_name_from_tarball(tarball) if tarball else None) or key
        if (
            field_name is None
            and field_version is None
            and tarball is not None
            and not registry
            and source is not Source.LOCAL
            and self.kind != 9
        ):
            # pnpm 6-8 write a URL entry's name and version after its resolution (its key is
            # the URL's, not name and version): neither is a file cut right after that line
            raise LockfileError(
                path,
                "a tarball entry with no name and no version (truncated file?)",
                json_path=where,
            )
        if field_version is not None:
            version = _text(field_version, path, f"{where}.version")
        elif not registry:
            if field_name is not None and self.kind != 9 and res_type != "directory":
                # pnpm 6-8 write name and version together for non-registry packages, but
                # for a ``file:`` folder pnpm 8.15 writes its name alone (a local package:
                # its version is never matched).
                raise LockfileError(
                    path,
                    "package entry with a name but no version (truncated file?)",
                    json_path=where,
                )
            version = ""
        if (
            key == self.last_entry
            and source is not Source.REGISTRY
            and field_version is None
            and self.kind != 9
            and entry.keys() <= _CUT_ENTRY_FIELDS
            and set(self._fields_written_last()) <= _CUT_ENTRY_FIELDS
        ):
            # pnpm 5-8 write a folder's, git repository's or URL's name and version after its
            # resolution: such an entry with nothing after its resolution and name, at the
            # file's end, may be a file cut there, which lost its version, its dependencies and
            # the entries sorted after it (decisions 0126, 0130)
            raise LockfileError(
                path,
                f"a {_CUT_KIND[source]} entry ends the file with no field after its resolution"
                " and name (truncated file?)",
                json_path=where,
            )
        if registry and name != key_name and key not in self.injected:
            # pnpm 8+ takes a registry key's name from the key (dependency-path), older pnpm
            # from ``name``: both are packages of the entry, and it is an error
            named = LockedPackage(key, key_name, version, Source.REGISTRY, integrity, tarball)
            error = f"{where}.name: another package than its key names (pnpm 8+ installs the key's)"
            self.injected[key] = (named, error)
        if tarball is not None and source is not Source.LOCAL:
            self._check_tarball(
                key, name, version, url=tarball, integrity=integrity, registry=registry, where=where
            )
        return LockedPackage(key, name, version, source, integrity, resolved)

    def _read_bundled(self, key: str, value: Any, where: str) -> None:
        """The names a package bundles in its tarball (``key``: its ``packages`` key); their
        versions are nowhere in the file, so a rule naming one is a note of the scan
        (``match.hits.bundled_notes``)."""
        if value is True:
            self.bundled.append(("", key))
        elif value.__class__ is list and all(name.__class__ is str and name for name in value):
            self.bundled.extend((name, key) for name in value)
        elif value is not False:
            raise LockfileError(self.path, "expected a list of package names", json_path=where)

    def _check_tarball(
        self,
        key: str,
        name: str,
        version: str,
        *,
        url: str,
        integrity: str | None,
        registry: bool,
        where: str,
    ) -> None:
        """An entry whose ``resolution.tarball`` is the registry tarball of another package or
        version (decision 0030): pnpm downloads the URL and checks it against the file's own
        integrity, so what it names is installed. That package joins the graph under the
        entry's key (``injected``), so a rule naming it finds it; for a registry key
        (``name@version``) the entry is an error too (a URL key is the dependency's own spec,
        which may name any package)."""
        if key in self.injected:
            return
        package = injected(key, name, version, _absolute_tarball(url), integrity)
        if package is not None:
            where = f"{where}.resolution.tarball"
            self.injected[key] = (package, injection_error(where, "pnpm") if registry else None)

    def _check_built_urls(
        self, names: Sequence[str], package: Callable[[int], LockedPackage]
    ) -> None:
        """Registry entries without ``resolution.tarball`` whose name is no plain npm name
        (decision 0080): pnpm 7, 8 and 9 fetch the URL they build from the name and version
        (``built_url``), which the registry reads as another package's (``%6ds`` 2.1.3 installed
        ms 2.1.3); that package joins the graph under the entry's key and the entry is an error,
        as for a written tarball URL (``_check_tarball``). ``package(i)``: the package named
        ``names[i]``."""
        odd = names_not_plain(names)
        if not odd:
            return
        odd_names = set(odd)
        for i, name in enumerate(names):
            if name not in odd_names:
                continue
            pkg = package(i)
            if pkg.source is not Source.REGISTRY or pkg.resolved is not None:
                continue  # (a tarball: ``_check_tarball`` read it)
            key = _strip_peers(pkg.id) if pkg.id[-1:] == ")" else pkg.id
            url = built_url(name, pkg.version)
            if key in self.injected or url is None:
                continue
            found = injected(key, name, pkg.version, url, pkg.integrity)
            if found is not None:
                error = injection_error(f"packages{key_segment(key)}", "pnpm")
                self.injected[key] = (found, error)

    def _injected_packages(self, ids: Iterable[str]) -> list[LockedPackage]:
        """The packages ``injected`` adds, one for each node (of ``ids``) its entry is (9.0: each
        snapshot of the package, with its peers)."""
        injected = self.injected
        out: list[LockedPackage] = []
        for node in ids:
            found = injected.get(_strip_peers(node) if node[-1:] == ")" else node)
            if found is not None:
                p = found[0]
                out.append(
                    LockedPackage(node, p.name, p.version, p.source, p.integrity, p.resolved)
                )
        return out

    def _injection_errors(self) -> list[str]:
        return [error for _package, error in self.injected.values() if error is not None]

    def _read_links(self) -> None:
        """LOCAL packages for the ``link:`` dependencies of importers (workspaces, folders)."""
        path = self.path
        for importer, entry in self.importers_map.items():
            for field in _IMPORTER_DEP_FIELDS:
                where = f"importers{key_segment(importer)}.{field}"
                for name, value in _mapping(entry.get(field), path, where).items():
                    ref = self._dep_ref(name, value, f"{where}{key_segment(name)}")
                    if ref[:5] == "link:":
                        node = self._add_link(importer, name, ref)
                        if (
                            node[:5] == "link:"
                            and _workspace_spec(value)
                            and name not in self.linked_by_override
                            and not _outside(node[5:])
                            and (not self.node_ids or _listing_skips(node[5:]))
                        ):
                            # a workspace package (a workspace: or range specifier answered
                            # by a link), which pnpm lists as an importer when it is under the
                            # file's folder: without it and without any package (pnpm writes
                            # importers first) the file was cut (a cut after the first
                            # importer's link read as a project with nothing else), unless
                            # that folder has a lockfile of its own (shared-workspace-lockfile
                            # =false writes one file per project: the root's links packages/a,
                            # the siblings' link ../b), which only the caller can see
                            # (``LockfileGraph.own_lockfile_links``, decision 0130). A project
                            # that is not an importer is another lockfile's when the file goes
                            # on. So is a project in a folder a tree's listing skips by
                            # name (``.cache/app``: pnpm makes it a workspace package), whatever
                            # the file holds: -git lists no lockfile there, and read the root
                            # CLEAN where -dir reads the member's (decision 0138).
                            self.own_lockfile_links.append(
                                (f"{where}{key_segment(name)}", node[5:])
                            )

    def _add_link(self, base: str, name: str, ref: str) -> str:
        target = posixpath.normpath(posixpath.join(base, ref[5:]))
        if target in self.importers_map or (target == "." and not self.importers_map):
            node = _IMPORTER + target
        else:
            node = "link:" + target
        if node not in self.links:
            self.links[node] = LockedPackage(node, name, "", Source.LOCAL)
        return node

    def _dep_ref(self, name: Any, value: Any, where: str) -> str:
        if name.__class__ is not str or not name:
            raise LockfileError(self.path, "invalid dependency name", json_path=where)
        if value.__class__ is dict:
            value = value.get("version")
            where += ".version"
        return _text(value, self.path, where)

    def _check_importer_references(self) -> None:
        """Direct dependencies must be in the file: a cheap guard against truncated files."""
        path = self.path
        nodes = self.node_ids
        for importer, entry in self.importers_map.items():
            for field in _IMPORTER_DEP_FIELDS:
                deps = entry.get(field)
                if not deps:
                    continue
                for name, value in deps.items():
                    ref = self._dep_ref(name, value, f"importers{key_segment(importer)}.{field}")
                    key = self._ref_to_key(name, ref)
                    if key is not None and key not in nodes:
                        raise LockfileError(
                            path,
                            "dependency resolves to an entry that is not in the lockfile"
                            " (truncated file?)",
                            json_path=f"importers{key_segment(importer)}.{field}{key_segment(name)}",
                        )

    @property
    def _deps_section_name(self) -> str:
        """The section whose entries hold the dependency maps."""
        return "snapshots" if self.kind == 9 else "packages"

    def _unanswered(self, entries: Iterable[tuple[str, Any]]) -> list[str]:
        """Every dependency reference of ``entries`` (key, entry) that no entry answers: pnpm
        refuses such a file ("Broken lockfile: no entry for ..."), and a cut, edited or badly
        merged file may have lost the very entry a rule names (decision 0029). Each an entry
        error naming the dependency; a ``link:`` needs no entry."""
        section = self._deps_section_name
        nodes = self.node_ids
        ref_to_key = self._ref_to_key
        answered: dict[tuple[str, str], bool] = {}
        errors: list[str] = []
        more = 0
        for key, entry in entries:
            for field, name, ref in _node_refs(entry):
                if name.__class__ is str and ref.__class__ is str:
                    ok = answered.get((name, ref))
                    if ok is None:
                        target = ref_to_key(name, ref)
                        ok = answered[name, ref] = target is None or target in nodes
                    if ok:
                        continue
                    why = "no entry answers this dependency (pnpm refuses the file: cut,"
                    why += " edited or badly merged?)"
                else:
                    why = "not a dependency reference"
                if len(errors) < _MAX_LISTED:
                    where = f"{section}{key_segment(key)}.{field}{key_segment(str(name))}"
                    errors.append(f"{where}: {why}")
                else:
                    more += 1
        if more:
            errors.append(f"{section}: {more} more dependencies no entry answers (not listed)")
        return errors

    # ----------------------------------------------------------------------------------------

    def merge_env_document(self, other: _Lockfile) -> None:
        known = self.node_ids
        for pkg in other.packages:
            if pkg.id not in known:
                self.packages.append(pkg)
                known.add(pkg.id)
                self.node_deps[pkg.id] = other.node_deps.get(pkg.id) or {}
        for importer, entry in other.importers_map.items():
            for name, ref in _importer_refs(entry):
                key = other._ref_to_key(name, ref)
                if key is not None:
                    self.extra_importer_deps.append((importer, name, key))

    def to_graph(self) -> LockfileGraph:
        packages = list(self.links.values())
        seen = {p.id for p in packages}
        packages.extend(p for p in self.packages if p.id not in seen)
        importers = _importer_list(self.importers_map, self.links.values())
        own = self.packages
        self._check_built_urls([p.name for p in own], own.__getitem__)
        if self.injected:
            packages.extend(self._injected_packages([p.id for p in self.packages]))
        return LockfileGraph(
            format=LockfileFormat.PNPM,
            packages=packages,
            importers=importers,
            details=_PnpmDetails(self),
            entry_errors=(
                *self._injection_errors(),
                *self._unanswered(self.node_deps.items()),
            ),
            local_folders=tuple(self.local_folders),
            own_lockfile_links=tuple(self.own_lockfile_links),
            bundled=tuple(self.bundled),
            resolutions=self.override_names,
            versions_written=True,
        )

    def build_edges(self) -> dict[str, list[str]]:
        nodes = set(self.node_ids)
        nodes.update(self.links)
        edges: dict[str, list[str]] = {}
        ref_to_key = self._ref_to_key
        add_link = self._add_link
        for importer, entry in self.importers_map.items():
            children: list[str] = []
            for name, ref in _importer_refs(entry):
                key = ref_to_key(name, ref)
                if key is None:
                    key = add_link(importer, name, ref)
                    nodes.add(key)
                if key in nodes:
                    children.append(key)
            edges[_IMPORTER + importer] = _unique(children)
        for importer, _name, key in self.extra_importer_deps:
            if key in nodes:
                edges.setdefault(_IMPORTER + importer, []).append(key)
        for node, entry in self.node_deps.items():
            children = []
            for name, ref in _str_refs(entry):
                key = ref_to_key(name, ref)
                if key is None:
                    key = add_link(".", name, ref)
                    nodes.add(key)
                if key in nodes:
                    children.append(key)
            edges[node] = _unique(children)
        return edges


# A key whose parenthesised suffix is one or more groups (nested three deep at most): the key
# without them is what ``_strip_peers`` returns; other keys are left for it.
_PEER_SUFFIX = lazy_pattern(
    r"^([^\n()]+)(?:\((?:[^\n()]|\((?:[^\n()]|\([^\n()]*\))*\))*\))+$", re.M
)


_FLAT_PEERS = re.compile(r"(?:[^\n()]+(?:\([^\n()]*\))+\n)*")


def _strip_all_peers(keys: list[str]) -> list[str]:
    """``_strip_peers`` of each key, most of them by one regex pass."""
    if not keys:
        return []
    joined = "\n".join(keys)
    if _FLAT_PEERS.fullmatch(joined + "\n"):  # each suffix groups without parentheses inside
        return [key[: key.index("(")] for key in keys]
    heads = _PEER_SUFFIX.sub(r"\1", joined).split("\n")
    return [
        _strip_peers(key) if head[-1:] == ")" else head
        for key, head in zip(keys, heads, strict=True)
    ]


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items)) if len(items) > 1 else items


# --------------------------------------------------------------------------------------------
# Details computed on demand


class _PnpmDetails:
    def __init__(self, lockfile: _Lockfile) -> None:
        self._lockfile: _Lockfile | None = lockfile
        self._source = lockfile
        self._kind = lockfile.kind
        self._edges: dict[str, list[str]] | None = None
        self._lines: dict[tuple[str, str], int] | None = None

    def edges(self) -> Mapping[str, Sequence[str]]:
        if self._edges is None:
            assert self._lockfile is not None
            self._edges = self._lockfile.build_edges()
        return self._edges

    def line_of(self, node_id: str) -> int | None:
        if self._lines is None:
            self._lines = _index_lines(self._source.source_text())
        lines = self._lines
        if node_id.startswith(_IMPORTER):
            importer = node_id[len(_IMPORTER) :]
            found = lines.get(("importers", importer))
            if found is None and importer == ".":
                for field in _DEP_FIELDS:
                    found = lines.get(("", field))
                    if found is not None:
                        break
            return found
        if self._kind == 9:
            found = lines.get(("snapshots", node_id))
            return found if found is not None else lines.get(("packages", node_id))
        return lines.get(("packages", node_id))


def _index_lines(text: str) -> dict[tuple[str, str], int]:
    """(section, key) -> 1-based line for the keys of the top level and of the ``importers``,
    ``packages`` and ``snapshots`` maps: the first occurrence in the last document holding it
    (the project's lockfile comes after pnpm's optional "env" document)."""
    index: dict[tuple[str, str], int] = {}
    seen: set[tuple[str, str]] = set()
    section = ""
    wanted = ("importers", "packages", "snapshots")
    for number, line in enumerate(text.split("\n"), 1):
        if not line or line[0] == "#":
            continue
        if line[0] != " ":
            if line == "---":
                seen = set()
                section = ""
                continue
            key = _line_key(line)
            section = key if key in wanted else ""
            item = ("", key or "")
        elif section and line[:2] == "  " and line[2:3] not in (" ", "#", ""):
            item = (section, _line_key(line[2:]) or "")
        else:
            continue
        if item[1] and item not in seen:
            seen.add(item)
            index[item] = number
    return index


def _line_key(s: str) -> str | None:
    if s[:1] in ("'", '"'):
        quote = s[0]
        i = 1
        while True:
            end = s.find(quote, i)
            if end < 0:
                return None
            if quote == "'" and s[end + 1 : end + 2] == "'":
                i = end + 2
                continue
            key = s[1:end]
            return key.replace("''", "'") if quote == "'" else key
    i = s.find(": ")
    if i >= 0:
        return s[:i]
    s = s.rstrip()
    return s[:-1] if s.endswith(":") else None


# --------------------------------------------------------------------------------------------
# The line reader's path (decision 0028): the big sections as columns, packages built when asked
# for, edges read only for the nodes a path search visits.


def _read_lines(text: str | None, path: str, data: bytes | None = None) -> LockfileGraph | None:
    """The graph from ``_pnpm_lines`` (``None``: the full loader reads the file, and words any
    error; this path never raises one itself). The cyclic garbage collector is paused while
    it runs: the columns are hundreds of thousands of new objects without a cycle among them,
    which would otherwise set off collections that find nothing (a tenth of the read)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        document = _pnpm_lines.read(text, _KEEP, data, heads=_strip_all_peers)
        if document is None:
            return None
        if not document.sections and not any(key in document.doc for key in _BODY_KEYS):
            return None
        return _LineLockfile(document, path, text).to_graph()
    except LockfileError:
        return None
    finally:
        if collecting:
            gc.enable()


# A 5.x dependency line whose reference is a key, or a link (``_ref_to_key``), not a version
# the key is built from (group 1: the line; ``_pnpm_lines``' grammar: no ':' in the name, no
# space or quote in either token but the quoting).
_V5_KEY_REFERENCE = lazy_pattern(r"\n(      [^\n:]*: '?(?:link:|npm:|file:|[^\n/]*/)[^\n]*)")


# The characters of dependency lines whose reference keys ``_check_references`` makes at once.
_REFERENCE_PART = 1 << 16


def _reference_keys(lines: str, kind: int) -> list[str]:
    """The key each dependency line of ``lines`` (each ending with a line end) points at if its
    reference is a version: ``name@reference`` (9), ``/name@reference`` (6), ``/name/reference``
    (5). (For the other lines, a string ``_check_references`` takes back out.)"""
    joined = lines.replace(": ", "/" if kind == 5 else "@")
    if "'" in joined:
        joined = joined.replace("'", "")
    if kind == 9 and joined.isascii():
        # (no white space but the indents and line ends then: ``_pnpm_lines`` refuses other
        # control characters, and its grammar spaces in a line but the separator; one split
        # at white space is cheaper than dropping each indent)
        return joined.split()
    joined = joined[:-1].replace("      ", "")
    if kind != 9:
        joined = "/" + joined.replace("\n", "\n/")
    return joined.split("\n")


class _LineLockfile(_Lockfile):
    """A ``_Lockfile`` over the columns of ``_pnpm_lines``: the same packages, links, checks and
    edges, with ``packages`` a ``PackageTable`` whose packages are built on demand."""

    def __init__(self, document: _pnpm_lines.Document, path: str, text: str | None) -> None:
        self.path = path
        self._source_text = text
        self._data = document.data
        doc = document.doc
        self.kind = _lockfile_kind(doc, path)
        self.psec = document.sections.get("packages") or _pnpm_lines.Section(self._data, 0, 0)
        self.ssec = document.sections.get("snapshots") or _pnpm_lines.Section(self._data, 0, 0)
        self.packages_map = {}
        self.snapshots_map = {}
        psec = self.psec
        self.last_entry = psec.keys[-1] if psec.keys and psec.end == len(self._data) else None
        self.local_folders = []
        self.own_lockfile_links = []
        self.bundled = []
        self.importers_map = self._read_importers(doc)
        self.packages = []
        self.node_deps = {}
        self.links = {}
        self.extra_importer_deps = []
        self.injected = {}
        self.deps_section = self.ssec if self.kind == 9 else self.psec
        self._infos: dict[str, LockedPackage] = {}
        self._special: dict[str, LockedPackage] = {}
        self._peer_heads: dict[str, str] = {}
        if self.kind == 9:
            self._columns_9()
        else:
            self._columns_6()
        self._read_links()
        self._check_importer_references()
        self._check_last_entry()
        self._errors = self._check_references()

    def source_text(self) -> str:
        """The file's text, decoded when first asked for (the reader read its bytes)."""
        if self._source_text is None:
            self._source_text = self._data.decode("utf-8")
        return self._source_text

    def _check_references(self) -> list[str]:
        """``_unanswered`` for the whole deps section, done over its distinct dependency lines
        at once: a line ``name: reference`` whose reference is a version (with peers) points
        at ``name@reference`` (``/name@...``, ``/name/...``), which is checked for all such
        lines by one set difference; the others (aliases, links, paths: few) are read one by
        one. Only when one is not answered are the entries read one by one, to word the
        errors; entries read by ``load_fast`` are always (their maps may not be in the lines)."""
        section = self.deps_section
        text = section.dep_lines
        kind = self.kind
        odd = section.other_refs
        if kind == 5 and text:  # (a 5.x reference with a '/' anywhere is a key)
            odd = _V5_KEY_REFERENCE.findall("\n" + text)
        nodes = self.node_ids
        suspect = False
        for line in odd:
            name, ref = _pnpm_lines.dep_line(line)
            if ref.__class__ is not str:
                suspect = True
                break
            target = self._ref_to_key(name, ref)
            if target is not None and target not in nodes:
                suspect = True
                break
        if not suspect and text:
            missing: set[str] = set()
            at = 0
            while at < len(text):  # (a part at a time: its keys are dropped before the next)
                stop = text.find("\n", at + _REFERENCE_PART) + 1 or len(text)
                keys = _reference_keys(text[at:stop], kind)
                if not nodes.issuperset(keys):  # (no set of them built when all are answered)
                    missing.update(set(keys).difference(nodes))
                at = stop
            if missing and odd:
                missing.difference_update(_reference_keys("\n".join(odd) + "\n", kind))
            suspect = bool(missing)
        if suspect:
            section.integrity_column()  # (read once for all, not by entry)
            entry = self._entry
            errors = self._unanswered((k, entry(section, i)) for i, k in enumerate(section.keys))
            # (a line not in any entry's map as read: a name given twice in one map, whose
            # last value is kept; pnpm refuses such a file)
            return errors or [
                f"{self._deps_section_name}: a dependency line points at no entry, in a map"
                " that names a dependency twice (pnpm refuses the file)"
            ]
        loaded = section.loaded
        return self._unanswered((section.keys[i], loaded[i]) for i in sorted(loaded))

    def _entry(self, section: _pnpm_lines.Section, i: int) -> Any:
        loaded = section.loaded.get(i)
        if loaded is not None:
            return loaded
        integrity = section.integrity_at(i)
        entry: dict[str, Any] = {"resolution": {"integrity": integrity}} if integrity else {}
        if section is self.deps_section:
            entry.update(_pnpm_lines.entry_deps(section.body(i)))
        return entry

    def _describe_all_unusual(self) -> None:
        """Entries with an unusual resolution (or none) described now: any error is found."""
        psec = self.psec
        keys = psec.keys
        describe = self._describe
        unusual = set(psec.loaded)
        unusual.update(psec.without_resolution())
        for i in sorted(unusual):
            self._special[keys[i]] = describe(keys[i], self._entry(psec, i), "packages")

    def _columns_9(self) -> None:
        psec = self.psec
        ssec = self.ssec
        if psec.keys and not ssec.keys:
            raise LockfileError(self.path, "packages without snapshots", json_path="snapshots")
        self._describe_all_unusual()
        skeys = ssec.keys
        peer_heads = ssec.peer_heads
        if peer_heads is None:
            peer_keys = [k for k in skeys if k[-1] == ")"]
            peer_heads = dict(zip(peer_keys, _strip_all_peers(peer_keys), strict=True))
        self._peer_heads = peer_heads
        names = ssec.names()
        if names is None:
            raise LockfileError(self.path, "a parenthesis in a package name")
        special = self._special
        if special:
            for j, key in enumerate(skeys):
                info = special.get(self._peer_heads.get(key, key))
                if info is not None:
                    names[j] = info.name
        ids = skeys
        # (``follows``: every packages key is a snapshot's without its peers)
        only = set() if psec.follows else psec.keyset - ssec.keyset - set(peer_heads.values())
        if only:
            extra = [k for k in psec.keys if k in only]
            ids = [*skeys, *extra]
            names.extend(self._info(k).name for k in extra)
            self.node_ids = ssec.keyset | only
        else:
            self.node_ids = ssec.keyset
        self._ids = ids
        self._names = names

    def _columns_6(self) -> None:
        psec = self.psec
        describe = self._describe
        psec.integrity_column()  # (read once for all, not by entry)
        packages = [describe(k, self._entry(psec, i), "packages") for i, k in enumerate(psec.keys)]
        self.packages = packages
        self._ids = [p.id for p in packages]
        self._names = [p.name for p in packages]
        self.node_ids = set(self._ids)

    def _info(self, pkg_key: str, near: int = -1) -> LockedPackage:
        """The package a 9.0 ``packages`` key describes (or its key, when it has no entry);
        ``near``: where the key may be in ``packages`` (pnpm writes both sections in the same
        order: the same position, when no package has several snapshots)."""
        info = self._special.get(pkg_key) or self._infos.get(pkg_key)
        if info is None:
            keys = self.psec.keys
            if 0 <= near < len(keys) and keys[near] == pkg_key:
                position: int | None = near
            else:
                position = self.psec.position(pkg_key)
            if position is not None:
                info = self._describe(pkg_key, self._entry(self.psec, position), "packages")
            else:
                name, version, registry = self._key_name_version(pkg_key)
                info = LockedPackage(pkg_key, name, version if registry else "")
            self._infos[pkg_key] = info
        return info

    def _package(self, i: int) -> LockedPackage:
        if self.kind != 9:
            return self.packages[i]
        keys = self.ssec.keys
        if i >= len(keys):
            return self._info(self._ids[i])
        key = keys[i]
        info = self._info(self._peer_heads.get(key, key), i)
        if info.id == key:
            return info
        return LockedPackage(
            key, info.name, info.version, info.source, info.integrity, info.resolved
        )

    def _version(self, i: int) -> str:
        """The version of position ``i``, without building the package."""
        if self.kind != 9:
            return self.packages[i].version
        keys = self.ssec.keys
        if i >= len(keys):
            return self._info(self._ids[i]).version
        key = keys[i]
        pkg_key = self._peer_heads.get(key, key)
        info = self._special.get(pkg_key)
        if info is not None:
            return info.version
        _name, version, registry = self._key_name_version(pkg_key)
        return version if registry else ""

    def _integrity(self) -> list[str | None]:
        """The integrity column, without building the packages."""
        if self.kind != 9:
            return [p.integrity for p in self.packages]
        psec = self.psec
        by_key: dict[str, str | None] = dict(zip(psec.keys, psec.integrity_column(), strict=True))
        for key, info in self._special.items():
            by_key[key] = info.integrity
        heads = self._peer_heads
        column = [by_key.get(heads.get(key, key)) for key in self.ssec.keys]
        column.extend(self._info(key).integrity for key in self._ids[len(column) :])
        return column

    def to_graph(self) -> LockfileGraph:
        links = list(self.links.values())
        ids: Sequence[str] = self._ids
        names: Sequence[str] = self._names
        package: Callable[[int], LockedPackage] = self._package
        self._check_built_urls(names, package)
        version: Callable[[int], str] = self._version
        integrity: Callable[[], list[str | None]] = self._integrity
        if links:
            link_ids = {p.id for p in links}
            keep = [i for i, key in enumerate(ids) if key not in link_ids]
            positions = [-1 - n for n in range(len(links))] + keep
            ids = [p.id for p in links] + [ids[i] for i in keep]
            names = [p.name for p in links] + [names[i] for i in keep]
            package_of, version_of, integrity_of = package, version, integrity

            def build(i: int) -> LockedPackage:
                at = positions[i]
                return links[-1 - at] if at < 0 else package_of(at)

            def version_at(i: int) -> str:
                at = positions[i]
                return "" if at < 0 else version_of(at)

            def integrity_column() -> list[str | None]:
                column = integrity_of()
                return [None if at < 0 else column[at] for at in positions]

            package, version, integrity = build, version_at, integrity_column
        if self.injected:
            ids, names, package, version, integrity = _with_extra(
                ids,
                names,
                package=package,
                version=version,
                integrity=integrity,
                extra=self._injected_packages(ids),
            )
        table = PackageTable(ids, names, package, integrity, version)
        importers = _importer_list(self.importers_map, links)
        return LockfileGraph(
            format=LockfileFormat.PNPM,
            packages=table,
            importers=importers,
            details=_LineDetails(self),
            entry_errors=(*self._injection_errors(), *self._errors),
            local_folders=tuple(self.local_folders),
            own_lockfile_links=tuple(self.own_lockfile_links),
            bundled=tuple(self.bundled),
            resolutions=self.override_names,
            versions_written=True,
        )

    def build_edges(self) -> dict[str, list[str]]:
        if not self.node_deps:
            section = self.deps_section
            entry = self._entry
            section.integrity_column()  # (read once for all, not by entry)
            self.node_deps = {key: entry(section, i) for i, key in enumerate(section.keys)}
        return super().build_edges()

    def children_of(self, node: str) -> list[str] | None:
        """The children ``build_edges`` gives ``node``, reading only its entry (``None`` when
        only the whole build can tell)."""
        if node[:9] == _IMPORTER:
            entry: Any = self.importers_map.get(node[9:])
            base = node[9:]
            refs = list(_importer_refs(entry)) if entry is not None else []
        else:
            position = self.deps_section.position(node)
            if position is None:
                return None if node[:5] == "link:" else []
            entry = self._entry(self.deps_section, position)
            base = "."
            refs = list(_str_refs(entry))
        children: list[str] = []
        nodes = self.node_ids
        for name, ref in refs:
            key = self._ref_to_key(name, ref)
            if key is None:
                children.append(self._add_link(base, name, ref))
            elif key[:9] == _IMPORTER or key[:5] == "link:":
                return None
            elif key in nodes:
                children.append(key)
        return _unique(children)


def _with_extra(
    ids: Sequence[str],
    names: Sequence[str],
    *,
    package: Callable[[int], LockedPackage],
    version: Callable[[int], str],
    integrity: Callable[[], list[str | None]],
    extra: Sequence[LockedPackage],
) -> tuple[
    list[str],
    list[str],
    Callable[[int], LockedPackage],
    Callable[[int], str],
    Callable[[], list[str | None]],
]:
    """The columns of a ``PackageTable`` with ``extra`` packages after the others."""
    base = len(ids)

    def package_at(i: int) -> LockedPackage:
        return extra[i - base] if i >= base else package(i)

    def version_at(i: int) -> str:
        return extra[i - base].version if i >= base else version(i)

    def integrity_column() -> list[str | None]:
        return [*integrity(), *(p.integrity for p in extra)]

    return (
        [*ids, *(p.id for p in extra)],
        [*names, *(p.name for p in extra)],
        package_at,
        version_at,
        integrity_column,
    )


class _LineDetails(_PnpmDetails):
    def __init__(self, lockfile: _LineLockfile) -> None:
        super().__init__(lockfile)
        self._line_lockfile = lockfile
        self._lookups = 0

    def children_of(self, node_id: str) -> Sequence[str]:
        if self._edges is None:
            children = self._line_lockfile.children_of(node_id)
            if children is not None:
                return children
        return self.edges().get(node_id, ())

    def line_of(self, node_id: str) -> int | None:
        self._lookups += 1
        if self._lines is not None or self._lookups > 8 or node_id.startswith(_IMPORTER):
            return super().line_of(node_id)
        lockfile = self._line_lockfile
        sections = (lockfile.ssec, lockfile.psec) if lockfile.kind == 9 else (lockfile.psec,)
        for section in sections:
            position = section.position(node_id)
            if position is not None:
                return section.line(position)
        return None


def _importer_list(
    importers_map: Mapping[str, object], links: Iterable[LockedPackage]
) -> list[Importer]:
    """The importers, named by the workspace link that points at each (the root is ``(root)``)."""
    link_names = {p.id: p.name for p in links}
    return [
        Importer(
            _IMPORTER + key,
            "(root)" if key == "." else link_names.get(_IMPORTER + key, key),
            "" if key == "." else key,
        )
        for key in importers_map
    ]
