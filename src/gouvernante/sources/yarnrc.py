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
file and line, never a silent default. A comment line naming it is a comment.
"""

from __future__ import annotations

import re

from gouvernante.errors import LockfileError
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


def lockfile_setting(data: bytes, display: str) -> str | None:
    """The file name ``.yarnrc.yml`` (``data``, shown as ``display``) gives the project's
    lockfile, or None when it sets none. ``LockfileError`` (file and line) when the setting is
    written in a way this reader does not read exactly, names a path rather than a file of the
    same folder, or is set twice."""
    if len(data) > MAX_YARNRC_BYTES:
        raise LockfileError(display, f"larger than {MAX_YARNRC_BYTES} bytes; not read")
    data = data.removeprefix(b"\xef\xbb\xbf")  # a byte-order mark: the first key follows it
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
    return found


# The parser a named lockfile is read with: yarn writes it as it writes ``yarn.lock``.
YARN_LOCK = "yarn.lock"
# Why a named lockfile that is there is not read (the source says which file).
NOT_A_FILE = f"its {SETTING} names a folder or a special file (the project's lockfile): not read"


def named_lockfile(data: bytes, display: str) -> str | None:
    """The file name ``.yarnrc.yml`` gives the project's lockfile when a source must add it to
    what it finds by name: None when it sets none, or names a file the well-known names already
    pick (``yarn.lock``, read as such). ``LockfileError`` as ``lockfile_setting``."""
    name = lockfile_setting(data, display)
    return None if name is None or lockfile_name(name) is not None else name
