"""Install-script analysis: the lifecycle commands of package.json and the files they run.

``preinstall`` / ``install`` / ``postinstall`` commands are checked directly (each pattern's
``detect_command``, then every file detector over the command text, as install-time code), and the
local files they start (``node setup.js``, ``require('./x')`` inside ``node -e``) are marked
*install-reachable*, transitively through the local files those name (a few levels).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable

from gouvernante.heuristic.patterns import PATTERNS
from gouvernante.heuristic.signals import FileSignals, inline_snippets
from gouvernante.heuristic.unit import Detection
from gouvernante.heuristic.views import build_view

__all__ = [
    "INSTALL_HOOKS",
    "analyze_commands",
    "detect_file",
    "install_commands",
    "install_tasks",
    "reachable",
]

INSTALL_HOOKS = ("preinstall", "install", "postinstall")
MAX_DEPTH = 3  # levels of local files followed from a lifecycle command
MAX_REACHABLE = 32
MAX_REFS_PER_FILE = 200

RX_CMD_FILE = re.compile(
    r"(?:^|[\s;&|(])(?:node|nodejs|bun|bunx|tsx|ts-node|sh|bash|zsh|python3?|deno\s+run(?:\s+-\S+){0,8})"
    r"\s+(?:--?[\w-]+(?:=\S+)?\s+){0,16}(?P<f>\.{0,2}/?[\w@][\w@./-]*)"
)
RX_CMD_SCRIPT = re.compile(r"(?:^|[\s;&|(])(?P<f>\.{1,2}/[\w@./-]+)")
RX_REQUIRE_LOCAL = re.compile(r"\b(?:require|import)\s*\(\s*['\"](\.{1,2}/[^'\"]+)['\"]\s*\)")
RX_LOCAL_REF = re.compile(
    r"['\"`](\.{0,2}/?[\w@][\w@./-]{0,200}\.(?:c|m)?(?:js|ts)|[\w@./-]{1,200}\.(?:sh|py|ps1))['\"`]"
)
RX_SHELL_SEP = re.compile(r"&&|\|\||;|\n")


# (pattern id, file detector) in table order, looked up once rather than once per file
_FILE_DETECTORS = tuple((p.id, p.detect) for p in PATTERNS.values() if p.detect is not None)


def detect_file(s: FileSignals) -> list[tuple[str, Detection]]:
    """Every pattern's file detector over one file, in table order."""
    out: list[tuple[str, Detection]] = []
    for pid, detect in _FILE_DETECTORS:
        got = detect(s)
        if got is not None:
            out.append((pid, got))
    return out


def install_commands(manifest: dict[str, object]) -> list[tuple[str, str]]:
    """(hook, command) of the install-time lifecycle scripts."""
    scripts = manifest.get("scripts")
    if not isinstance(scripts, dict):
        return []
    return [(h, scripts[h]) for h in INSTALL_HOOKS if isinstance(scripts.get(h), str)]


def analyze_commands(cmds: list[tuple[str, str]]) -> list[tuple[str, list[tuple[str, Detection]]]]:
    """Hits from the lifecycle commands themselves, per hook: command detectors first, then the
    file detectors over the command text (a pattern is reported once per hook)."""
    result: list[tuple[str, list[tuple[str, Detection]]]] = []
    for hook, cmd in cmds:
        got: dict[str, Detection] = {}
        for p in PATTERNS.values():
            if p.detect_command is not None:
                d = p.detect_command(cmd)
                if d is not None:
                    got[p.id] = d
        for pid, d in detect_file(FileSignals(build_view(cmd), install=True)):
            got.setdefault(pid, Detection(d.confidence, 0))
        result.append((hook, list(got.items())))
    return result


# The word a lifecycle command gives the file it runs (``node npm-scripts.mjs postinstall``): the
# task a script that serves several npm scripts dispatches on.
RX_TASK_WORD = re.compile(r"[ \t]+(?P<w>[A-Za-z][\w:.-]{0,60})(?=[ \t]*$)")


def install_tasks(cmds: list[tuple[str, str]]) -> frozenset[str]:
    """The task words the install hooks give the files they run, when every file they run is
    given one (``node tasks.mjs postinstall``) and nothing else runs code (no ``node -e``, no
    ``./x.sh``); otherwise none: code run without a word takes whatever branch it defaults to."""
    words: set[str] = set()
    for _hook, cmd in cmds:
        for part in RX_SHELL_SEP.split(cmd):
            runs = list(RX_CMD_FILE.finditer(part))
            if len(runs) > 1 or RX_CMD_SCRIPT.search(part) or inline_snippets(part):
                return frozenset()
            if not runs:
                continue
            word = RX_TASK_WORD.match(part, runs[0].end())
            if word is None:
                return frozenset()
            words.add(word.group("w"))
    return frozenset(words)


def _command_refs(cmd: str) -> list[str]:
    refs: list[str] = []
    for part in RX_SHELL_SEP.split(cmd):
        refs += [m.group("f") for m in RX_CMD_FILE.finditer(part)]
        refs += [m.group("f") for m in RX_CMD_SCRIPT.finditer(part)]
        for code in inline_snippets(part):
            refs += RX_REQUIRE_LOCAL.findall(code)
    return refs


def _resolve_local(pkg_real: str, base_dir: str, ref: str) -> str | None:
    """A local file that ``ref`` names, inside the package; None if absent or outside."""
    ref = ref.strip().strip("'\"`")
    if not ref or ref.startswith("-") or "://" in ref:
        return None
    candidates: list[str] = []
    for base in (base_dir, pkg_real):
        p = os.path.normpath(os.path.join(base, ref))
        candidates += [p, p + ".js", p + ".cjs", p + ".mjs", os.path.join(p, "index.js")]
    for cand in candidates:
        if not (cand == pkg_real or cand.startswith(pkg_real + os.sep)):
            continue
        try:
            st = os.lstat(cand)
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode):
            return cand
    return None


def reachable(
    pkg_real: str, cmds: list[tuple[str, str]], read_text: Callable[[str], str | None]
) -> set[str]:
    """Real paths of the package's files an install script runs (directly or a few levels down).

    ``read_text`` reads a file once for the whole package scan (the engine keeps the text for
    the detectors).
    """
    found: set[str] = set()
    frontier: list[str] = []
    for _hook, cmd in cmds:
        for ref in _command_refs(cmd):
            got = _resolve_local(pkg_real, pkg_real, ref)
            if got is not None and got not in found:
                found.add(got)
                frontier.append(got)
    depth = 0
    while frontier and depth < MAX_DEPTH and len(found) < MAX_REACHABLE:
        depth += 1
        nxt: list[str] = []
        for path in frontier:
            if path.endswith(".json"):
                # ``require('./package.json')`` reads data: the files its ``main`` and ``bin``
                # name do not run because the manifest was read (yarn's preinstall reads its
                # version and so marked the whole CLI bundle install-time).
                continue
            text = read_text(path)
            if text is None:
                continue
            refs = RX_REQUIRE_LOCAL.findall(text) + RX_LOCAL_REF.findall(text)
            for ref in refs[:MAX_REFS_PER_FILE]:
                res = _resolve_local(pkg_real, os.path.dirname(path), ref)
                if res is not None and res not in found:
                    found.add(res)
                    nxt.append(res)
        frontier = nxt
    return found
