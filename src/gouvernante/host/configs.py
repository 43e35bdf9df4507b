"""Cache folders moved by a package manager's own config files, read (never by running the tool).

yarn classic's ``.yarnrc`` (``cache-folder``), bun's ``bunfig.toml`` (``[install.cache] dir``,
``[install] cache``) and yarn berry's ``.yarnrc.yml`` (``cacheFolder``, ``globalFolder``). A file
that names one of these settings in a way not read exactly is an error naming the file and the
line (or key): the cache it points to would not be scanned. Values are never echoed.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Callable
from typing import Any

from gouvernante.fs.read import UnreadKind, read_small
from gouvernante.host.install_state import PNPM_MODULES_MAX_BYTES, read_pnpm_modules
from gouvernante.model import ScanIssue

MAX_CONFIG_BYTES = 1024 * 1024

# yarn 1's rc tokenizer (lockfile/parser.js, yarn 1.22.22): an unquoted value starts with a
# letter, `/`, `.` or `-` and runs to a `:`, a space, a `,` or the line's end
_YARN_UNQUOTED = re.compile(r"[A-Za-z/.\-][^:\s,]*")
_YARN_KEY = re.compile(r'^(?:"((?:[^"\\]|\\.)*)"|([^\s:"]+))\s*:?\s*(.*)$')
# yarn berry's environment references in .yarnrc.yml: ${NAME}, ${NAME:-default}, ${NAME-default}
_BERRY_VAR = re.compile(r"\$\{([A-Za-z0-9_]+)(?:(:)?-([^}]*))?\}")
_BERRY_KEY = re.compile(r"^([A-Za-z][A-Za-z0-9]*)\s*:(?:\s+(.*?))?\s*$")
_TOML_LINE = re.compile(r"at line (\d+)")

Getenv = Callable[[str], "str | None"]


def _read(
    path: str, errors: list[ScanIssue], what: str, limit: int = MAX_CONFIG_BYTES
) -> str | None:
    data = read_small(path, limit)
    if isinstance(data, bytes):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            errors.append(
                ScanIssue(path, f"{what} is not UTF-8: the cache folder it may set is unknown")
            )
            return None
    if data.kind is not UnreadKind.ABSENT:
        errors.append(
            ScanIssue(
                path, f"{what} was not read ({data.reason}): the cache folder it may set is unknown"
            )
        )
    return None


def _home_relative(value: str, base: str, home: str) -> str:
    """``~`` and ``~/x`` from ``home``; a relative path from ``base``."""
    if value == "~" or value.startswith(("~/", "~\\")):
        return os.path.normpath(home + value[1:])
    return os.path.normpath(os.path.join(base, value))


def yarnrc_folder(path: str, key: str, home: str, errors: list[ScanIssue]) -> str | None:
    """The ``key`` (``cache-folder``, ``global-folder``, ``yarn-offline-mirror``) of yarn
    classic's rc file ``path``, as ``yarn config set`` writes it (``cache-folder "/path"``); also
    ``--cache-folder`` and ``cache-folder: x``. The last line setting it wins, as in yarn's
    parser. ``~/`` is from the home (yarn's ``resolveWithHome``), save for
    ``yarn-offline-mirror``, which yarn 1.22.22 resolves from the rc's folder as any relative
    path (``~/m`` in ``~/.yarnrc`` is ``~/~/m``: checked); a relative path from the rc's
    folder."""
    text = _read(path, errors, "yarn's rc file")
    if text is None:
        return None
    found: str | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _YARN_KEY.match(line)
        if m is None:
            if key in line:
                errors.append(ScanIssue(path, f"line {number} mentions {key} and was not read"))
            continue
        name = m.group(2) if m.group(1) is None else m.group(1)
        if name.removeprefix("--") != key:
            continue
        rest = m.group(3).strip()
        value: str | None = None
        if rest.startswith('"'):
            end = re.match(r'"(?:[^"\\]|\\.)*"', rest)
            if end is not None and end.end() == len(rest):
                try:
                    decoded = json.loads(rest)
                except ValueError:
                    decoded = None
                value = decoded if isinstance(decoded, str) else None
        elif _YARN_UNQUOTED.fullmatch(rest) or rest.startswith("~"):
            value = rest
        if not value:
            errors.append(
                ScanIssue(
                    path, f"line {number}: the {key} value is not one this scan reads exactly"
                )
            )
            continue
        if key == "yarn-offline-mirror":
            found = os.path.normpath(os.path.join(os.path.dirname(path), value))
        else:
            found = _home_relative(value, os.path.dirname(path), home)
    return found


def bunfig_cache_dir(path: str, home: str, errors: list[ScanIssue]) -> str | None:
    """bun's cache folder set in ``bunfig.toml``: ``[install.cache] dir = "..."`` or
    ``[install] cache = "..."`` (bun 1.x ``bunfig.zig``). ``~/`` from the home, a relative path
    from the file's folder (both looked at by the caller's scan of what exists)."""
    text = _read(path, errors, "bun's config file")
    if text is None:
        return None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        if "cache" in text:
            line = _TOML_LINE.search(str(exc))
            at = f"line {line.group(1)}" if line else "somewhere"
            errors.append(
                ScanIssue(
                    path,
                    f"not valid TOML ({at}) and it mentions a cache: the bun cache folder it "
                    "may set is unknown",
                )
            )
        return None
    install = doc.get("install")
    if not isinstance(install, dict):
        return None
    cache = install.get("cache")
    value: object = None
    key = "install.cache"
    if isinstance(cache, dict):
        key = "install.cache.dir"
        value = cache.get("dir")
    elif cache is not None and not isinstance(cache, bool):
        value = cache
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        errors.append(ScanIssue(path, f"{key} is not a folder path this scan reads"))
        return None
    return _home_relative(value, os.path.dirname(path), home)


def berry_rc_folders(path: str, getenv: Getenv, errors: list[ScanIssue]) -> dict[str, str]:
    """``cacheFolder`` and ``globalFolder`` of a yarn berry ``.yarnrc.yml``: top-level
    ``key: value`` lines (the value plain, single- or double-quoted), ``${VAR}`` and
    ``${VAR:-default}`` expanded, a relative path from the file's folder (yarn 4.x). Any other
    shape for those keys is an error naming the line."""
    text = _read(path, errors, "yarn's .yarnrc.yml")
    if text is None:
        return {}
    return _yaml_folders(
        text, path, ("cacheFolder", "globalFolder"), errors, lambda v: _expand_berry(v, getenv)
    )


def pnpm_workspace_store_dir(path: str, errors: list[ScanIssue]) -> str | None:
    """pnpm 10's ``storeDir`` in ``pnpm-workspace.yaml`` (a top-level one-line scalar, relative
    to the workspace's folder, as pnpm 10.34.9 resolves it)."""
    text = _read(path, errors, "pnpm-workspace.yaml")
    if text is None or "storeDir" not in text:
        return None
    return _yaml_folders(text, path, ("storeDir",), errors, _no_variable).get("storeDir")


PNPM_MODULES_FOLDERS = ("storeDir", "virtualStoreDir")


def pnpm_modules_folders(path: str, errors: list[ScanIssue]) -> dict[str, str]:
    """The folders a pnpm ``node_modules``'s ``.modules.yaml`` names: ``storeDir``, the store it
    was installed from (its version folder, ``<store>/v10``, left out), and ``virtualStoreDir``,
    where its packages are (``.pnpm`` in the ``node_modules`` unless ``virtual-store-dir`` moved
    it; relative paths from the ``node_modules``). Decoded by ``install_state.read_pnpm_modules``,
    as its other readers decode it; a YAML one read line by line too, for the line an error
    names. A key not there is left out."""
    text = _read(path, errors, "pnpm's node_modules/.modules.yaml", PNPM_MODULES_MAX_BYTES)
    wanted = tuple(k for k in PNPM_MODULES_FOLDERS if text is not None and k in text)
    if text is None or not wanted:
        return {}
    modules = read_pnpm_modules(text.encode("utf-8"), path)
    found: dict[str, str] = {}
    if modules.json:
        for key in wanted:
            got = modules.document.get(key) if modules.document is not None else None
            if got is None and key != "storeDir" and modules.document is not None:
                continue  # (named in another key only: virtualStoreDirMaxLength)
            if not isinstance(got, str) or not got:
                errors.append(ScanIssue(path, f"{key} is not read as a JSON string"))
                continue
            found[key] = os.path.normpath(os.path.join(os.path.dirname(path), got))
    else:
        found = _yaml_folders(text, path, wanted, errors, _no_variable, lambda: modules.document)
    store = found.get("storeDir")
    if store is not None and re.fullmatch(r"v[0-9]+", os.path.basename(store)):
        found["storeDir"] = os.path.dirname(store)
    return found


def _no_variable(value: str) -> str | None:
    return None if "${" in value else value


def _yaml_folders(  # noqa: PLR0917 - the one line reader of these settings
    text: str,
    path: str,
    wanted: tuple[str, ...],
    errors: list[ScanIssue],
    expand: Callable[[str], str | None],
    document: Callable[[], dict[Any, Any] | None] | None = None,
) -> dict[str, str]:
    """The ``wanted`` top-level keys of a YAML file, each a one-line scalar naming a folder
    (relative: from the file's folder). Any other shape for them is an error naming the line.
    ``document``: the file as read as YAML (None: as ``settings_document`` reads it), which
    each value read must agree with."""
    out: dict[str, str] = {}
    raw: dict[str, str] = {}  # (each key's value as its line writes it)
    for number, line in enumerate(text.splitlines(), 1):
        # (a key a wanted one begins, virtualStoreDirMaxLength, is another key)
        if not any(re.search(rf"{k}(?![A-Za-z0-9])", line) for k in wanted):
            continue
        m = _BERRY_KEY.match(line)
        if m is None or m.group(1) not in wanted:
            if line[:1] not in " \t#" and line.strip():
                errors.append(
                    ScanIssue(path, f"line {number} mentions a cache folder and was not read")
                )
            continue
        key, value = m.group(1), _yaml_scalar(m.group(2) or "")
        if value is not None:
            value = expand(value)
        if not value:
            errors.append(
                ScanIssue(
                    path, f"line {number}: the {key} value is not one this scan reads exactly"
                )
            )
            continue
        out[key] = os.path.normpath(os.path.join(os.path.dirname(path), value))
        raw[key] = _yaml_scalar(m.group(2) or "") or ""
    for key in _not_as_yaml(text, path, raw, document):
        errors.append(
            ScanIssue(
                path,
                f"the {key} line is not what the file says read as YAML (a value continued on"
                " an indented line below, a line inside a quoted value above, or a file YAML"
                " readers refuse): the folder it sets is unknown",
            )
        )
        out.pop(key, None)
    return out


def _not_as_yaml(
    text: str,
    path: str,
    raw: dict[str, str],
    document: Callable[[], dict[Any, Any] | None] | None,
) -> list[str]:
    """The keys of ``raw`` (read line by line) whose value the file read as YAML is not: yarn's
    ``cacheFolder: ./c`` then ``  more`` is ``./c more`` to yarn 4 (decision 0071)."""
    if not raw:
        return []
    if document is not None:
        doc = document()
    else:
        from gouvernante.errors import LockfileError  # noqa: PLC0415 - files with a setting only
        from gouvernante.lockfiles.pnpm_workspace import settings_document  # noqa: PLC0415

        try:
            doc = settings_document(text.encode("utf-8"), path, os.path.basename(path))
        except LockfileError:
            return sorted(raw)
    return sorted(k for k, v in raw.items() if doc is None or doc.get(k) != v)


def _yaml_scalar(text: str) -> str | None:
    """A one-line YAML scalar: plain (a `` #`` comment after it dropped), ``'...'`` or
    ``"..."`` (JSON-style escapes); anything else (a block, a flow, an anchor) is None."""
    if text.startswith("'"):
        m = re.fullmatch(r"'((?:[^']|'')*)'(\s+#.*)?", text)
        return m.group(1).replace("''", "'") if m else None
    if text.startswith('"'):
        m = re.fullmatch(r'("(?:[^"\\]|\\.)*")(\s+#.*)?', text)
        if m is None:
            return None
        try:
            value = json.loads(m.group(1))
        except ValueError:
            return None
        return value if isinstance(value, str) else None
    value = re.split(r"\s+#", text, maxsplit=1)[0].strip()
    if not value or value[0] in "|>[{&*!%@`\"'" or value in ("~", "null", "Null", "NULL"):
        return None
    return value


def _expand_berry(value: str, getenv: Getenv) -> str | None:
    missing = False

    def sub(m: re.Match[str]) -> str:
        nonlocal missing
        got = getenv(m.group(1))
        if m.group(3) is not None and (got is None or (m.group(2) and not got)):
            return m.group(3)
        if got is None:
            missing = True  # yarn stops with an error: this file was not used as is
            return ""
        return got

    out = _BERRY_VAR.sub(sub, value)
    return None if missing else out
