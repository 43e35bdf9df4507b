"""yarn berry's ``lockfileFilename`` setting: the name of a project's lockfile when it is not
``yarn.lock``.

yarn 2+ reads its settings from ``.yarnrc.yml``; ``lockfileFilename: berry.lock`` (what the
yarnpkg/berry repository itself uses) makes ``yarn install`` read and write ``berry.lock``. A
source that finds lockfiles by name alone would scan such a project as its package.json only:
every transitive package missed, and CLEAN. Each source (``-dir``'s walk, ``-git``'s trees,
images, the inventory) asks ``lockfile_setting`` for the name when a folder holds a
``.yarnrc.yml``, and reads that file as a yarn lockfile.

Only the top-level key is a setting. The file is not parsed as YAML: a line ``lockfileFilename:
<name>`` at column 0 (key and value plain or quoted, a trailing comment after a space allowed)
is read; any other line naming the key (a block scalar, a flow mapping, an escape, a value with
a ``#`` YAML keeps, or an indented line: YAML reads a document indented whole as a top-level
mapping, and no setting of yarn nests a key of that name) is refused with an error naming the
file and line, never a silent default. A comment line naming it is a comment. The key spelled
without its letters side by side (a double-quoted key with an escape, ``"lockfile\\x46ilename"``,
``\\u0046``, or cut by an escaped line break) is found by reading every backslash escape YAML
and yarn's legacy syntax know, wherever it is, and refused with its line. Tags, anchors, aliases,
merge keys, explicit keys, flow style: each spelling of the key holds its letters side by side
somewhere (an alias's anchor names the key's node), so its line is refused. A setting found is
checked against the file read as YAML (the catalogs' reader, ``pnpm_workspace.yarnrc_document``):
a line inside a quoted value above it, or a plain value continued on an indented line below,
is another setting to yarn (decision 0071), refused.

yarn merges the ``.yarnrc.yml`` of a folder and of each folder above it, the closer file's
setting first (``Configuration.find``): ``inherit`` gives a folder's name from its parent's.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Mapping
from typing import Literal

from gouvernante.errors import GouvernanteError, LockfileError
from gouvernante.fs.read import read_regular_file
from gouvernante.sources.names import lockfile_name

YARNRC = ".yarnrc.yml"
SETTING = "lockfileFilename"
# The file is small (settings); a bigger one is refused, not read in part.
MAX_YARNRC_BYTES = 1024 * 1024

_KEY = rb"""(?:lockfileFilename|"lockfileFilename"|'lockfileFilename')"""
# A value yarn would read as the same plain string: plain, or quoted without escapes.
_NAME = r"""[A-Za-z0-9_@+~-][A-Za-z0-9_.@+~-]*"""
# (patterns compiled on first use, by ``re``'s cache: most scans meet no .yarnrc.yml)
_LINE = (
    _KEY
    + rb"[ \t]*:[ \t]*(?:(?P<plain>"
    + _NAME.encode()
    + rb")|\"(?P<dq>"
    + _NAME.encode()
    + rb")\"|'(?P<sq>"
    + _NAME.encode()
    + rb")')(?:[ \t]+(?:#[^\r\n]*)?)?\r?"
)
# Any line naming the key (but a comment line): the setting line, or one not read exactly.
_MENTION = rb"^(?![ \t]*#)[^\n]*lockfileFilename"
# A backslash escape of a double-quoted YAML scalar (and of yarn's legacy syntax): a code
# point, an escaped line break (removed with the next line's indent), or one character.
_ESCAPE = rb"\\(?:x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|\r?\n[ \t]*|\r[ \t]*|.)"
_SIMPLE = {ord("t"): "\t", ord("n"): "\n", ord("r"): "\r", ord("\t"): "\t"}


def _escaped_key_line(data: bytes) -> int | None:
    """The line of a spelling of the key through backslash escapes (``"lockfile\\x46ilename"``),
    or None. Every escape is read, in quotes or not (a spelling outside quotes is no key, but
    nothing a real file holds spells the key that way)."""
    if b"\\" not in data:
        return None
    import bisect  # noqa: PLC0415 - (a lean start-up: decision 0024)

    pieces: list[tuple[int, str, bool]] = []  # (offset in ``data``, text, an escape's)
    pos = 0
    for esc in re.finditer(_ESCAPE, data, re.DOTALL):
        if esc.start() > pos:
            pieces.append((pos, data[pos : esc.start()].decode("latin-1"), False))
        body = esc.group()[1:]
        if body[:1] in (b"x", b"u", b"U") and len(body) > 1:
            char = chr(min(int(body[1:], 16), 0x10FFFF))
        elif body[:1] in (b"\r", b"\n"):
            char = ""  # (an escaped line break joins the lines)
        else:
            char = _SIMPLE.get(body[0], chr(body[0]))
        if char:
            pieces.append((esc.start(), char, True))
        pos = esc.end()
    pieces.append((pos, data[pos:].decode("latin-1"), False))
    text = "".join(piece for _at, piece, _esc in pieces)
    if text.count(SETTING) == data.count(SETTING.encode()):
        return None
    ends = list(itertools.accumulate(len(piece) for _at, piece, _esc in pieces))
    for hit in re.finditer(SETTING, text):
        first = bisect.bisect_right(ends, hit.start())
        last = bisect.bisect_right(ends, hit.end() - 1)
        at, piece, escape = pieces[first]
        if first != last or escape:  # (not the letters side by side)
            start = at if escape else at + hit.start() - (ends[first] - len(piece))
            return data.count(b"\n", 0, start) + 1
    return None  # pragma: no cover - (the counts differ: some hit is not the letters)


def lockfile_setting(data: bytes, display: str) -> str | None:
    """The file name ``.yarnrc.yml`` (``data``, shown as ``display``) gives the project's
    lockfile, or None when it sets none. ``LockfileError`` (file and line) when the setting is
    written in a way this reader does not read exactly, names a path rather than a file of the
    same folder, or is set twice."""
    if len(data) > MAX_YARNRC_BYTES:
        raise LockfileError(display, f"larger than {MAX_YARNRC_BYTES} bytes; not read")
    data = data.removeprefix(b"\xef\xbb\xbf")  # a byte-order mark: the first key follows it
    escaped = _escaped_key_line(data)
    if escaped is not None:
        raise LockfileError(
            display,
            f"line {escaped}: the {SETTING} key spelled with an escape: not read (the project's"
            " lockfile may have another name; not checked)",
        )
    found: str | None = None
    for mention in re.finditer(_MENTION, data, re.MULTILINE):
        line = data.count(b"\n", 0, mention.start()) + 1
        end = data.find(b"\n", mention.start())
        text = data[mention.start() : end if end >= 0 else len(data)]
        exact = re.fullmatch(_LINE, text)
        where = f"line {line}"
        if exact is None:
            raise LockfileError(
                display,
                f"{where}: a {SETTING} setting not read exactly (plain or quoted file name"
                " expected): the project's lockfile may have another name; not checked",
            )
        if found is not None:
            raise LockfileError(display, f"{where}: {SETTING} set twice")
        name = (exact["plain"] or exact["dq"] or exact["sq"]).decode("ascii")
        if name in {".", ".."}:
            raise LockfileError(display, f"{where}: {SETTING} names a folder, not a file")
        found = name
    if found is not None:
        _one_document(data, display)
        _read_as_yaml(data, display, found)
    return found


def _read_as_yaml(data: bytes, display: str, found: str) -> None:
    """``LockfileError`` unless the file read as YAML has ``found`` as its top-level setting:
    a line ``lockfileFilename: x`` at column 0 may be inside a quoted value of the key above
    (``a: "b`` ... ``c"``: yarn reads no setting there), its plain value continued on an
    indented line (``  - localhost``: yarn 4 names the file ``x - localhost``), or the file one
    this reader refuses (anchors, a key twice)."""
    from gouvernante.lockfiles.pnpm_workspace import yarnrc_document  # noqa: PLC0415

    try:
        doc = yarnrc_document(data, display)
    except LockfileError as exc:
        raise LockfileError(
            display,
            f"sets {SETTING}, but is not read as YAML ({exc.detail}): the project's lockfile"
            " may have another name; not checked",
            json_path=exc.json_path,
        ) from None
    if doc is None or doc.get(SETTING) != found:
        raise LockfileError(
            display,
            f"a {SETTING} line that YAML does not read as the file's setting (inside a quoted"
            " value above it?): the project's lockfile may have another name; not checked",
        )


# A line that ends a YAML document (``...``) or starts one (``---``), and what may follow it.
_MARKER = rb"^(?:---|\.\.\.)(?=[ \t\r\n]|$)"
_NOTHING = rb"[ \t\r]*(?:#[^\n]*)?"


def _one_document(data: bytes, display: str) -> None:
    """``LockfileError`` (the marker's line) for a file of more than one YAML document: yarn
    reads its ``.yarnrc.yml`` as one (js-yaml's ``load`` refuses a stream of several), so a
    setting beside another document is no setting yarn ever used."""
    content = False  # (anything but comments, blank lines and directives met yet)
    ended = False
    for number, line in enumerate(data.split(b"\n"), start=1):
        marker = re.match(_MARKER, line)
        rest = line[marker.end() :] if marker else line
        blank = re.fullmatch(_NOTHING, rest) is not None
        if marker is not None and (content or ended) and (line[:3] == b"---" or not blank):
            raise LockfileError(display, f"line {number}: a second YAML document; not read")
        if marker is not None and line[:3] == b"...":
            ended = True
        elif not blank and not (rest.startswith(b"%") and not content):
            if ended:
                raise LockfileError(display, f"line {number}: a second YAML document; not read")
            content = True


# The parser name of a ``.yarnrc.yml`` read for its catalogs (yarn 4.10+, decision 0056) where a
# file is read by a parser name (git trees, the inventory): ``lockfiles.pnpm_workspace.
# yarnrc_catalogs``.
YARNRC_CATALOGS = f"{YARNRC} catalogs"


# The parser a named lockfile is read with: yarn writes it as it writes ``yarn.lock``.
YARN_LOCK = "yarn.lock"
# Why a named lockfile that is there is not read (the source says which file).
NOT_A_FILE = f"its {SETTING} names a folder or a special file (the project's lockfile): not read"
# The same when the setting comes from a ``.yarnrc.yml`` of a folder above (said at the entry).
NOT_A_FILE_INHERITED = (
    f"the {SETTING} of a {YARNRC} above names this as the project's lockfile, and it is a folder"
    " or a special file: not read"
)


def inherit(parent: str | None, data: bytes, display: str) -> str | None:
    """The lockfile name a folder holding the ``.yarnrc.yml`` ``data`` (shown as ``display``)
    gives its projects, ``parent`` being its parent folder's (None: ``yarn.lock``, or a name
    the well-known names pick): its own setting when it has one (the closer file wins, as in
    yarn's ``Configuration.find``), else the parent's. ``LockfileError`` as
    ``lockfile_setting``."""
    name = lockfile_setting(data, display)
    if name is None:
        return parent
    return None if lockfile_name(name) is not None else name


def inherited_above(folder: str) -> tuple[str | None, list[tuple[str, str]]]:
    """The name ``inherit`` gives ``folder``'s parent from the ``.yarnrc.yml`` of each folder
    above ``folder`` on this machine (its real path's, as yarn run in it finds them), and the
    files not read, as (absolute path, reason). A link is followed: these files are read, never
    scanned as the tree's own. A file not read counts as no setting (its error is the caller's)."""
    real = os.path.realpath(folder)
    above: list[str] = []
    current = os.path.dirname(real)
    while True:
        above.append(current)
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    name: str | None = None
    errors: list[tuple[str, str]] = []
    for where in reversed(above):  # (from / down: the closer file last, and first in the end)
        path = os.path.join(where, YARNRC)
        if not os.path.lexists(path):
            continue
        try:
            name = inherit(name, read_regular_file(path, MAX_YARNRC_BYTES, path), path)
        except GouvernanteError as exc:
            errors.append((path, exc.detail))
            name = None
    return name, errors


# What a folder's ``.yarnrc.yml`` says, for ``folder_name``: (the name it sets, None for a
# well-known one,), or None when it is not read (refused). A folder without a setting is absent.
Setting = tuple[str | None] | None


def setting_of(data: bytes, display: str) -> Setting | Literal[False]:
    """``data``'s ``Setting``, or False when it sets no name (the folder above decides)."""
    try:
        name = lockfile_setting(data, display)
    except LockfileError:
        return None
    if name is None:
        return False
    return (None if lockfile_name(name) is not None else name,)


def folder_name(
    folder: str, settings: Mapping[str, Setting], names: dict[str, str | None]
) -> str | None:
    """The lockfile name of the projects of ``folder`` ('/'-separated, "" for the top) in a
    tree whose folders' settings are ``settings``: the closest at or above it (none past a
    refused one: its error stands for the folders below), as ``inherit`` gives it; each folder
    met is remembered in ``names``. Iterative: a path of any depth."""
    met: list[str] = []
    current: str | None = folder
    name: str | None = None
    while current is not None:
        if current in names:
            name = names[current]
            break
        met.append(current)
        if current in settings:
            setting = settings[current]
            name = setting[0] if setting is not None else None
            break
        current = current.rpartition("/")[0] if current else None
    for seen in met:
        names[seen] = name
    return name
