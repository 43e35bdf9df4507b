"""Install-time execution: what a preinstall/install/postinstall step runs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import chain, islice

from gouvernante.heuristic.signals import (
    RX_DECODE_ANY,
    RX_EVAL_SINK,
    RX_FETCH_PIPE,
    RX_NET,
    RX_PROC,
    FileSignals,
    first_live,
    in_comment_line,
    inline_snippets,
    paren_close,
    string_literal_at,
)
from gouvernante.heuristic.unit import HIGH, MEDIUM, Detection, Pattern, found
from gouvernante.heuristic.views import TextView, build_view, rx
from gouvernante.lazy import lazy_pattern
from gouvernante.vocab import Severity

MAX_PIPES = 50  # downloads piped into a shell looked at per file
RX_EXEC_CALL_BEFORE = re.compile(r"(?:exec\w*|spawn\w*|execa|system)\s*\(\s*[^()\n]{0,60}$")


# A message printed or thrown (``console.error('... install it with: curl -fsSL URL | sh')``):
# instructions for the user, not a command this code runs, unless something that runs code sits
# between the call and the command.
RX_MESSAGE_CALL = re.compile(
    r"(?:\bconsole\.(?:log|error|warn|info)|\bprocess\.std(?:out|err)\.write|\bnew\s+\w*Error)"
    r"\s*\("
)
RX_RUNS_CODE = re.compile(r"exec|spawn|system|eval|Function|require|import|\$\(")
MESSAGE_REACH = 300  # characters back from the command to the message call


def _in_message(text: str, at: int) -> bool:
    """Is ``at`` inside the argument of a message call (its parenthesis still open: a minified
    ``console.log("…"),e("curl … | sh")`` runs the command after the message)?"""
    window = text[max(0, at - MESSAGE_REACH) : at]
    last = None
    for m in RX_MESSAGE_CALL.finditer(window):
        last = m
    if last is None:
        return False
    between = window[last.end() :]
    if ";" in between or RX_RUNS_CODE.search(between) is not None:
        return False
    # (the command's own literal is not closed yet)
    return paren_close(between, 0, len(between)) is None


# The command kept in a variable on its line (``let installScript = win ? '... | iex' : '... |
# bash'``) and that variable used only in messages (``throw new Error(`install it with:
# ${installScript}`)``): instructions too. Any other use (``execSync(installScript)``) runs it.
RX_ASSIGNED = re.compile(r"\b(?:let|const|var)\s+([A-Za-z_$][\w$]*)\s*=(?!=)[^;\n]*$")
# A later declarator of the same statement (``var n = "done", t = "curl … | sh"``): the value
# the command is in is the last one's.
RX_DECLARATOR = re.compile(r"(?:,\s*|\b(?:let|const|var)\s+)([A-Za-z_$][\w$]*)\s*=(?![=>])")
MAX_USES = 20  # uses of the variable looked at; past them it counts as run


def _shown_only(text: str, at: int) -> bool:
    line_start = text.rfind("\n", max(0, at - MESSAGE_REACH), at) + 1
    m = RX_ASSIGNED.search(text, line_start or max(0, at - MESSAGE_REACH), at)
    if m is None:
        return False
    for later in RX_DECLARATOR.finditer(text, m.start(), at):
        m = later  # the last declarator before the command is the one given it
    rx_use = re.compile(rf"(?<![\w$.]){re.escape(m.group(1))}(?![\w$])")
    uses = 0
    for use in rx_use.finditer(text):
        if use.start() == m.start(1):
            continue
        uses += 1
        if uses > MAX_USES or not _in_message(text, use.start()):
            return False
    return uses > 0


# A line of text that labels the command (``"Re-run the installer: curl -fsSL …/install.sh |
# bash"``, ``"On Windows: iwr -useb … | iex"``), or a shell prompt before it (``'$ curl …/
# install.sh | bash'``, pm2's hint): given to a shell, the label or the bare ``$`` is the command
# and the download is its argument, so nothing is fetched. Only the text after the last shell
# separator in the same string literal is the command's own line.
RX_SHELL_SEPARATOR = re.compile(r";|&&|\|\||\||\\n|\n|\$\(|`|\(|\{")
RX_LABEL_END = re.compile(r"(?:[A-Za-z][\w-]*:|(?<![^ \t])\$)[ \t]+$")


def _labelled(text: str, at: int) -> bool:
    span = string_literal_at(text, at)
    if span is None:
        return False
    head = RX_SHELL_SEPARATOR.split(text[span[0] + 1 : at])[-1]
    return RX_LABEL_END.search(head) is not None


def _bracketed(s: FileSignals, at: int) -> bool:
    """Is the download's program glued to a ``[`` (``"… fix: [curl -sfS … | sh]"``, a hint's
    brackets) in JavaScript that starts no process? Given to a shell, ``[curl`` is one word, a
    program that does not exist, so nothing is fetched; the test command ``[`` is followed by a
    space (``[ -x f ] && curl … | sh``). Where a process can be started the brackets may be cut
    off first (``execSync(hint.slice(1, -1))``, a shell's ``${h#[}``)."""
    return s.text[at - 1 : at] == "[" and s.js and s.runs_nothing_at(at)


def _live_pipes(s: FileSignals) -> Iterator[re.Match[str]]:
    """The downloads piped into a shell that can run, in order: not on a comment line, not in a
    message shown to the user, not after a label in its string, not glued to a bracket. Past
    ``MAX_PIPES`` such notes the first one counts (many decoys hide nothing)."""
    first = s.pipe
    if first is None:
        return
    text = s.text
    seen = live = 0
    for m in s.t.matches(RX_FETCH_PIPE, MAX_PIPES):
        seen += 1
        at = m.start()
        if not (
            s.note(text, at)
            or _in_message(text, at)
            or _shown_only(text, at)
            or _labelled(text, at)
            or _bracketed(s, at)
        ):
            live += 1
            yield m
    if not live and seen >= MAX_PIPES:
        yield first


def _fetch_exec(s: FileSignals) -> Detection | None:
    pipes = _live_pipes(s)
    pipe = next(pipes, None)
    if pipe is None:
        return None
    if s.install:
        # a command held as data (``setup: "curl … | sh"``, a local app's snippet, or a test's
        # expected value) in a file that runs nothing is a review item, as for the publish rule
        for m in chain((pipe,), pipes):
            if not s.held_as_data(m.start()):
                return found(HIGH, m.start())
        return found(MEDIUM, pipe.start())
    if RX_EXEC_CALL_BEFORE.search(s.text[max(0, pipe.start() - 80) : pipe.start()]):
        return found(MEDIUM, pipe.start())
    return None


def _fetch_exec_command(cmd: str) -> Detection | None:
    return Detection(HIGH) if RX_FETCH_PIPE.search(cmd) else None


FETCH_EXEC = Pattern(
    id="GH-INSTALL-FETCH-EXEC",
    severity=Severity.CRITICAL,
    confidence=HIGH,
    title="Install-time code pipes a download into a shell or interpreter",
    why=(
        "A preinstall/install/postinstall step downloads code and runs it at once "
        "(curl|sh, wget -O- | bash, iwr|iex, powershell -enc): whatever the server sends runs "
        "with the installing user's rights, and the package contents show none of it."
    ),
    origin="Shai-Hulud 2.0 (Nov 2025): setup_bun.js piped the bun installer into bash",
    reference="https://panther.com/blog/shai-hulud-npm-supply-chain-attack",
    detect=_fetch_exec,
    detect_command=_fetch_exec_command,
)


# What a package manager sets for the script it runs (npm, pnpm, yarn and bun set these): who runs
# it (``npm_config_user_agent``, ``npm_execpath``), which script, which package, and where the
# install started (``INIT_CWD``). A guard that refuses another package manager reads them and
# exits (autoevals 0.3.0's preinstall: ``node -e "const userAgent =
# process.env.npm_config_user_agent || ''; if (process.env.INIT_CWD === process.cwd() &&
# !userAgent.includes('pnpm/')) { console.error('Use pnpm in this repo.'); process.exit(1); }"``).
# None of them is a secret.
LIFECYCLE_ENV = frozenset(
    {
        "INIT_CWD",
        "npm_command",
        "npm_config_user_agent",
        "npm_execpath",
        "npm_lifecycle_event",
        "npm_lifecycle_script",
        "npm_node_execpath",
        "npm_package_json",
        "npm_package_name",
        "npm_package_version",
    }
)
# ``process.env`` and the name read from it (``.NAME``, ``['NAME']``), if one is.
RX_ENV_READ = lazy_pattern(
    r"process\.env\b(?:\s*\.\s*([A-Za-z_$][\w$]*)|\s*\[\s*(['\"`])([\w$]+)\2\s*\])?"
)
RX_LOADS = lazy_pattern(r"(?<![\w$.])(?:require|import)\b")


def _reads_env(code: str) -> bool:
    """Does inline code read the environment, other than a package manager's own variables
    (``LIFECYCLE_ENV``, each read by its name) in code that loads no module?"""
    if "process.env" not in code:
        return False
    if RX_LOADS.search(code) is not None:
        return True
    return any((m.group(1) or m.group(3)) not in LIFECYCLE_ENV for m in RX_ENV_READ.finditer(code))


def _inline_eval_command(cmd: str) -> Detection | None:
    for code in inline_snippets(cmd):
        ct = build_view(code)
        if (
            any(ct.search(r) is not None for r in (RX_NET, RX_PROC, RX_EVAL_SINK, RX_DECODE_ANY))
            or _reads_env(code)
            or ct.strong_decoded is not None
        ):
            return Detection(HIGH)
    return None


INLINE_EVAL = Pattern(
    id="GH-INSTALL-INLINE-EVAL",
    severity=Severity.HIGH,
    confidence=HIGH,
    title="Install script runs inline code (node -e) that touches the network or evaluates",
    why=(
        "`node -e`/`bun -e` in a lifecycle script with network access, eval or base64 "
        "decoding hides a dropper in package.json itself; harmless idioms such as "
        "`node -e \"try{require('./postinstall')}catch(e){}\"` are not reported."
    ),
    origin="Recurring typosquat droppers; inline variant of the plain-crypto-js setup",
    reference="https://diegorodrigo.dev/en/2026/04/17/the-axios-case-trusting-npm/",
    detect_command=_inline_eval_command,
)

# A runtime's installer or release (bun's and deno's installers also answer at bun.com and
# deno.com), or bun installed globally from the registry.
RX_RUNTIME_URL = rx(
    r"bun\.(?:sh|com)[\w.-]{0,100}/install|github\.com[\w.-]{0,100}/oven-sh/bun/releases"
    r"|bun-(?:linux|darwin|windows)-(?:x64|aarch64)|deno\.(?:land|com)[\w.-]{0,100}/(?:x/)?install"
    r"|dl\.deno\.land\b|nodejs\.org[\w.-]{0,100}/dist/v\d"
    r"|(?:npm|pnpm)\s+(?:i|install|add)\s+(?:-g|--global)\s+bun\b(?!-)|yarn\s+global\s+add\s+bun\b(?!-)",
    anchors=("bun.sh", "bun.com", "oven-sh/bun", "bun-linux", "bun-darwin", "bun-windows",
             "deno.land", "deno.com", "nodejs.org", "-g bun", "--global bun", "add bun"),
)  # fmt: skip
RX_BUN_EXEC = rx(
    r"['\"`]bun['\"`]\s*,\s*\[|['\"`]bun\s+(?:run\s+)?[\w./-]+\.[cm]?[jt]s\b"
    r"|bunx?\s+[\w./-]+\.[cm]?[jt]s\b",
    anchors=("bun ", "bun'", 'bun"', "bun`", "bunx "),
)
RX_BUN_CMD = re.compile(r"(?:^|[\s;&|(])(?:bun|bunx|deno)\s+(?:run\s+)?[\w./@-]+")


def _runtime_download(s: FileSignals) -> Detection | None:
    if not s.install:
        return None
    # Not a URL on a comment line (a note citing a runtime's release, hardhat's package-manager
    # check); one hidden in an encoded literal counts.
    runtime = first_live(s.t, RX_RUNTIME_URL)
    if runtime is not None and (s.proc is not None or s.pipe is not None):
        return found(HIGH, runtime)
    bun_exec = s.t.find(RX_BUN_EXEC)
    if bun_exec is not None and s.proc is not None:
        return found(MEDIUM, bun_exec.start())
    return None


def _runtime_download_command(cmd: str) -> Detection | None:
    if RX_RUNTIME_URL.search(cmd):
        return Detection(HIGH)
    if RX_BUN_CMD.search(cmd):
        return Detection(MEDIUM)
    return None


RUNTIME_DOWNLOAD = Pattern(
    id="GH-INSTALL-RUNTIME-DOWNLOAD",
    severity=Severity.CRITICAL,
    confidence=HIGH,
    title="Install-time code downloads a JavaScript runtime (bun, deno, node) to run a file",
    why=(
        "Fetching a second runtime during install and running a bundled file with it escapes "
        "tools that only watch `node`; Shai-Hulud 2.0 installed bun from its preinstall and "
        "ran a 10 MB obfuscated bun_environment.js with it."
    ),
    origin="Shai-Hulud 2.0 'The Second Coming' (Nov 2025): setup_bun.js + bun_environment.js",
    reference="https://panther.com/blog/shai-hulud-npm-supply-chain-attack",
    detect=_runtime_download,
    detect_command=_runtime_download_command,
)


def _download_exec(s: FileSignals) -> Detection | None:
    if s.install and s.net is not None and s.proc is not None:
        return found(MEDIUM, s.net)
    return None


DOWNLOAD_EXEC = Pattern(
    id="GH-INSTALL-DOWNLOAD-EXEC",
    severity=Severity.HIGH,
    confidence=MEDIUM,
    title="Install-time code downloads something and starts a process",
    why=(
        "A file run by an install script both fetches over the network and spawns processes: "
        "the shape of every dropper. Well-known binary wrappers (esbuild, sharp, node-sass...) "
        "are not reported when nothing else in them is suspicious."
    ),
    origin="axios / plain-crypto-js (Mar 2026): postinstall setup.js fetched a per-OS RAT",
    reference="https://diegorodrigo.dev/en/2026/04/17/the-axios-case-trusting-npm/",
    detect=_download_exec,
)

_LOLBINS = (
    r"(?:rundll32|regsvr32|mshta|wscript|cscript|certutil|bitsadmin|installutil"
    r"|RUNDLL32|REGSVR32|MSHTA|WSCRIPT|CSCRIPT|CERTUTIL|BITSADMIN|INSTALLUTIL)"
)
# The program first in a string or a line, after ``cmd /c``, or by its path
# (``C:\\Windows\\System32\\rundll32.exe``, ``%SystemRoot%\\System32\\mshta.exe``).
RX_LOLBIN = rx(
    r"(?:(?:['\"`]|^)\s*(?:(?:cmd|CMD)(?:\.exe)?\s+/[cCkK]\s+)?" + _LOLBINS + r"(?:\.exe|\.EXE)?\b"
    r"|[\\/]" + _LOLBINS + r"\.(?:exe|EXE)\b)"
    r"(?!['\"]\s*:)",
    re.MULTILINE,
    anchors=("rundll32", "regsvr32", "mshta", "wscript", "cscript", "certutil", "bitsadmin",
             "installutil"),
)  # fmt: skip
RX_LOLBIN_WORD = re.compile(r"(?:rundll32|regsvr32|mshta|certutil|bitsadmin)\b", re.IGNORECASE)


# Windows Script Host given a script of the package's own folder (``cscript //nologo
# __dirname + '\\read.js'``): a console or prompt helper, and the script is scanned as a file of
# the package. Outside install-time code it is not reported; a DLL loader or downloader is.
RX_SCRIPT_HOST = re.compile(r"[wc]script", re.IGNORECASE)
RX_OWN_FILE = re.compile(r"__dirname\b|import\.meta\.(?:dirname|url)\b")
OWN_REACH = 120  # characters from the script host to the package-relative script it is given
MAX_LOLBINS = 50
# What makes certutil a LOLBin: downloading (-urlcache, -verifyctl) and decoding payloads.
RX_CERTUTIL_ABUSE = re.compile(
    r"(?:^|[\s'\"`,\[])[-/](?:urlcache|verifyctl|decodehex|decode|encodehex|encode|split)\b",
    re.IGNORECASE | re.MULTILINE,
)


# An entry of a list of file names (``"SConstruct","premake5.lua","wscript","Earthfile"``: the
# build files a tool looks for; ``wscript`` is waf's): the name of a file, not a program started.
RX_QUOTED_ITEM = re.compile(r"['\"`]([^'\"`\s]{1,60})['\"`]\s*[,\]]")
RX_FILE_NAME = re.compile(r"[\w-]\.[A-Za-z][\w]{0,7}$|^[A-Z][A-Za-z0-9]+$")
LIST_REACH = 200  # characters either side of the name
LIST_MIN = 6  # file-name entries around it that make it a list entry


def _file_name_entry(text: str, m: re.Match[str]) -> bool:
    """Is this LOLBin name a bare entry of a list of file names?"""
    name = m.group(0).strip(" '\"`")
    if m.group(0)[:1] not in "'\"`" or text[m.end() : m.end() + 1] != m.group(0)[:1]:
        return False  # not a quoted bare name: a command line or a path
    window = text[max(0, m.start() - LIST_REACH) : m.end() + LIST_REACH]
    items = [i for i in RX_QUOTED_ITEM.findall(window) if i.lower() != name.lower()]
    return sum(1 for i in items if RX_FILE_NAME.search(i)) >= LIST_MIN


# ``rundll32 url.dll,FileProtocolHandler URL`` beside ``xdg-open`` (and ``open``): the Windows
# branch of a "open this page in the browser" helper, a login or docs link of a CLI. Both names
# must be near: ``url.dll`` alone also starts a file, a lone opener is no platform switch.
RX_URL_HANDLER = re.compile(
    r"""['"`]?[\s,\[]*['"`]?\s*url\.dll\s*,\s*FileProtocolHandler\b""", re.IGNORECASE
)
RX_XDG_OPEN = re.compile(r"""['"`]xdg-open\b""")
OPENER_REACH = 300  # characters either side of rundll32 to the other platforms' openers


def _url_opener(text: str, m: re.Match[str]) -> bool:
    """Is this ``rundll32`` the Windows branch of a browser opener?"""
    if "rundll32" not in m.group(0).lower():
        return False
    if not RX_URL_HANDLER.match(text, m.end(), m.end() + 40):
        return False
    lo, hi = max(0, m.start() - OPENER_REACH), m.end() + OPENER_REACH
    return RX_XDG_OPEN.search(text, lo, hi) is not None


def _lolbin_sites(t: TextView) -> Iterator[re.Match[str]]:
    """LOLBin names that can be started: not on a comment line (a commented-out command), not an
    entry of a list of file names, not the Windows branch of a browser opener."""
    text = t.text
    for m in t.matches(RX_LOLBIN, MAX_LOLBINS):
        if in_comment_line(text, m.start()) or _file_name_entry(text, m) or _url_opener(text, m):
            continue
        yield m


def _foreign_lolbin(t: TextView) -> int | None:
    """The first LOLBin named that is not a script host running one of the package's scripts."""
    text = t.text
    for m in _lolbin_sites(t):
        name = m.group(0).lower()
        if "certutil" in name and not RX_CERTUTIL_ABUSE.search(text):
            continue  # certificate stores (NSS certutil of dev-certificate tools, -addstore)
        after = text[m.end() : m.end() + OWN_REACH].split("}", 1)[0]  # same block only
        if not (RX_SCRIPT_HOST.search(name) and RX_OWN_FILE.search(after)):
            return m.start()
    hidden = next(t.matches(RX_LOLBIN, 1, decoded=True), None)
    return t.map_decoded(hidden.start()) if hidden is not None else None


def _lolbin(s: FileSignals) -> Detection | None:
    t = s.t
    if s.proc is None or not t.may(RX_LOLBIN):
        return None
    if s.install or t.strong_decoded is not None:
        site = next(_lolbin_sites(t), None)
        if site is not None:
            return found(HIGH, site.start())
        hidden = next(t.matches(RX_LOLBIN, 1, decoded=True), None)
        return found(HIGH, t.map_decoded(hidden.start())) if hidden is not None else None
    at = _foreign_lolbin(t)
    return found(MEDIUM, at) if at is not None else None


def _lolbin_command(cmd: str) -> Detection | None:
    return Detection(HIGH) if RX_LOLBIN_WORD.search(cmd) else None


LOLBIN = Pattern(
    id="GH-INSTALL-LOLBIN",
    severity=Severity.HIGH,
    confidence=HIGH,
    title="Code starts a Windows living-off-the-land binary (rundll32, regsvr32, mshta...)",
    why=(
        "Loading a DLL shipped inside the package with rundll32 (or running mshta, "
        "regsvr32, certutil -urlcache) has no place in a JavaScript library; the "
        "eslint-config-prettier compromise ran `rundll32 node-gyp.dll,main` from install.js."
    ),
    origin="eslint-config-prettier / eslint-plugin-prettier (Jul 2025, CVE-2025-54313)",
    reference="https://github.com/prettier/eslint-config-prettier/issues/339",
    detect=_lolbin,
    detect_command=_lolbin_command,
)

# The running script however it is named, also inside path calls (``path.resolve(__filename)``,
# ``path.join(__dirname, path.basename(__filename))``: up to three calls, their other arguments
# plain names or strings, not ``dirname``), and nothing after it but the calls' ends and the
# delete's options or callback (``join(dirname(__filename), 'cache.json')`` is another file).
_SELF = (
    r"(?:(?![\w$.]*dirname\b)[\w$.]+\(\s*(?:[\w$.'\"`]+\s*,\s*){0,3}){0,3}"
    r"(?:__filename\b|process\.argv\[1\]|require\.main\.filename\b"
    r"|(?:[\w$]+\.)?fileURLToPath\(\s*import\.meta\.url\s*\))"
    r"(?=(?:\s*\))*\s*(?:[);]|,\s*(?:\{|\(|function\b|[\w$]+\s*\))|$))"
)
_DELETE = r"(?:unlink|unlinkSync|rm|rmSync|rimraf(?:\.sync)?)\s*\(\s*"
RX_SELF_DELETE = rx(
    _DELETE + _SELF,
    anchors=("__filename", "process.argv[1]", "require.main.filename", "import.meta.url"),
)
# The running script kept in a variable first (``const me = path.resolve(__filename)``), then
# deleted by that name.
RX_SELF_HOLDER = re.compile(r"\b(?:const|let|var)\s+([\w$]+)\s*=\s*" + _SELF)
MAX_SELF_HOLDERS = 20
HOLDER_REACH = 4000  # characters after the variable's assignment where it is deleted


def _self_delete_at(t: TextView) -> int | None:
    found = t.find(RX_SELF_DELETE)
    if found is not None:
        return found.start()
    if not t.may(RX_SELF_DELETE):
        return None
    text = t.text
    for holder in islice(RX_SELF_HOLDER.finditer(text), MAX_SELF_HOLDERS):
        name = re.escape(holder.group(1))
        rx_del = re.compile(rf"{_DELETE}{name}(?![\w$])")
        got = rx_del.search(text, holder.end(), holder.end() + HOLDER_REACH)
        if got is not None:
            return got.start()
    return None


RX_MANIFEST_SWAP = rx(
    r"(?:rename|renameSync|copyFile|copyFileSync)\s*\([^)]{0,160}['\"][^'\"]*package\.json['\"]"
    r"|['\"]package\.md['\"]",
    anchors=("package.json", "package.md"),
)


def _self_delete(s: FileSignals) -> Detection | None:
    if not s.install:
        return None
    self_del = _self_delete_at(s.t)
    if self_del is not None:
        return found(HIGH, self_del)
    swap = s.t.find(RX_MANIFEST_SWAP)
    return found(MEDIUM, swap.start()) if swap is not None else None


SELF_DELETE = Pattern(
    id="GH-INSTALL-SELF-DELETE",
    severity=Severity.HIGH,
    confidence=HIGH,
    title="Code deletes itself or swaps in a clean package.json",
    why=(
        "An install script that unlinks its own file or renames a stashed manifest over "
        "package.json is erasing evidence: plain-crypto-js removed setup.js and restored a "
        "clean package.json so that the installed folder looked harmless afterwards."
    ),
    origin="axios / plain-crypto-js@4.2.1 (Mar 2026)",
    reference="https://diegorodrigo.dev/en/2026/04/17/the-axios-case-trusting-npm/",
    detect=_self_delete,
)

UNITS = (FETCH_EXEC, INLINE_EVAL, RUNTIME_DOWNLOAD, DOWNLOAD_EXEC, LOLBIN, SELF_DELETE)
