"""Persistence and sabotage: shell rc files, services, shutdown, wiping, protestware."""

from __future__ import annotations

import re

from gouvernante.heuristic.signals import (
    ARG_SEP,
    MAX_LIVE,
    PATH_SEP,
    RX_DYN_REQUIRE,
    RX_FETCH_PIPE,
    RX_PROC,
    RX_SHUTDOWN,
    FileSignals,
    first_live,
    in_comment_line,
    line_unread,
    string_literal_at,
)
from gouvernante.heuristic.unit import HIGH, MEDIUM, Detection, Pattern, found
from gouvernante.heuristic.views import rx
from gouvernante.lazy import lazy_pattern
from gouvernante.vocab import Severity

# Shell start-up files, PowerShell's profile among them; also a name written without its dot
# followed within ``_DOT_REACH`` characters by a dot put before a name at run time (``'.' + rc``,
# `` `.${rc}` ``, ``'.'.concat(rc)``: ``for (const rc of ['bashrc', 'zshrc']) append(join(home,
# '.' + rc), …)``), or given it directly (``join(home, '.' + 'bashrc')``). (Looked for from the
# name only: from every ``'.' +`` a hostile file repeats, a reach back would cost 300 steps each.)
_RC_BARE = r"['\"`](?:bashrc|zshrc|bash_profile|bash_login|zprofile|zshenv|zlogin)['\"`]"
_DOT_BUILT = r"(?:['\"`]\.['\"`]\s*(?:\+|\.\s*concat\s*\()|`[^`\n]{0,80}?/?\.\$\{)"
_DOT_REACH = "{0,300}?"
RX_RC_FILE = rx(
    r"(?:['\"/\\~]\.(?:bashrc|zshrc|bash_profile|bash_login|zprofile|zshenv|zlogin)"
    r"|(?:['\"/~]|\\\\)\.profile)\b"
    r"|config/fish/config\.fish|PowerShell_profile\.ps1\b"
    rf"|{_RC_BARE}(?=[\s\S]{_DOT_REACH}{_DOT_BUILT})"
    rf"|['\"`]\.['\"`]\s*(?:\+|\.\s*concat\s*\()\s*{_RC_BARE}",
    anchors=(
        "bashrc",
        "zshrc",
        "bash_profile",
        "bash_login",
        "zprofile",
        "zshenv",
        "zlogin",
        ".profile",
        "config.fish",
        "powershell_profile.ps1",
    ),
)
# A reverse shell: what an rc file runs in every new shell to hand the machine over.
RX_REVERSE_SHELL = rx(
    r"/dev/tcp/[\w.${}-]+/|\bnc(?:at)?(?:\.exe)?\s+(?:-\w+\s+){0,4}-[ec]\s|\bmkfifo\b[^\n]{0,80}\bnc\s",
    anchors=("/dev/tcp/", "nc ", "ncat", "nc.exe", "mkfifo"),
)


# A toolchain installer puts its bin folder on PATH from the rc files (the meteor npm installer),
# or its module folder on another search path (yo 1.1's install-time doctor shows ``echo "export
# NODE_PATH=$NODE_PATH:…" >> ~/.bashrc``; ``PYTHONPATH``, ``MANPATH`` alike); worth a look, not a
# verdict: what nx appended was a shutdown, which stays high, and ``NODE_OPTIONS`` is no path.
RX_PATH_EXPORT = re.compile(
    r"export\s+(?:[A-Z][A-Z0-9]*_?)?PATH=|set\s+-gx\s+PATH\b|fish_add_path\b"
    r"|\bPATH=[^\n'\"`]{0,120}:\$(?:\{PATH\}|PATH\b)"
)
PATH_REACH = 800  # characters between the rc file name and the PATH line written to it


# The payload written to the rc file sits beside its name (nx: ``appendFileSync(join(homedir(),
# rc), "sudo shutdown -h 0")``). A bundle that names rc files in one module and shows its own
# install command (``curl -fsSL …/install.sh | sh -``) in another is neither: pnpm 10.34's
# ``pnpm setup`` writes PATH to ``config.fish`` megabytes after its update hint.
PAYLOAD_REACH = 4000  # characters between an rc file's name and the shutdown or pipe


def _rc_payload(s: FileSignals) -> int | None:
    """The first live rc file name with a shutdown, a download-and-run or a reverse shell within
    ``PAYLOAD_REACH``; past ``MAX_LIVE`` names (or a name hidden in an encoded literal) the first
    live one counts wherever the string is."""
    t, text = s.t, s.text
    for n, m in enumerate(t.matches(RX_RC_FILE, MAX_LIVE + 1)):
        if n == MAX_LIVE:
            return first_live(t, RX_RC_FILE, s.note)
        if s.note(text, m.start()):
            continue
        lo, hi = m.start() - PAYLOAD_REACH, m.end() + PAYLOAD_REACH
        if any(t.near(rx_, lo, hi) for rx_ in (RX_SHUTDOWN, RX_FETCH_PIPE, RX_REVERSE_SHELL)):
            return m.start()
    hidden = next(t.matches(RX_RC_FILE, 1, decoded=True), None)
    return t.map_decoded(hidden.start()) if hidden is not None else None


def _shell_rc(s: FileSignals) -> Detection | None:
    if not s.t.may(RX_RC_FILE) or not s.fs_write:
        return None
    at = first_live(s.t, RX_RC_FILE, s.note)  # not a comment (a completion script's install notes)
    if at is None:
        return None
    if s.shutdown is not None or s.pipe is not None or s.t.find(RX_REVERSE_SHELL) is not None:
        near = _rc_payload(s)
        if near is not None:
            return found(HIGH, near)
    if s.install:
        path_line = RX_PATH_EXPORT.search(s.text, max(0, at - PATH_REACH), at + PATH_REACH)
        return found(MEDIUM if path_line else HIGH, at)
    return None


SHELL_RC = Pattern(
    id="GH-PERSIST-SHELL-RC",
    severity=Severity.HIGH,
    confidence=HIGH,
    title="Install-time code (or code with a destructive payload) writes shell rc files",
    why=(
        "Appending to ~/.bashrc or ~/.zshrc from a dependency runs attacker text in every new "
        "shell; nx appended `sudo shutdown -h 0`. Completion installers that are not run at "
        "install time are not reported."
    ),
    origin="nx 's1ngularity' (Aug 2025)",
    reference="https://github.com/nrwl/nx/security/advisories/GHSA-cxm3-wv7p-598c",
    detect=_shell_rc,
)

# What ``crontab`` is given as a command: an option (``-l``, ``-e``, ``-r``, ``-u user``), ``-``
# (the table from standard input) or a file path. Not prose ("a crontab string", "crontab
# expression"): a scheduler library's messages name crontab without running it.
_CRONTAB_ARG = r"(?:-[a-zA-Z]\b|-(?![\w-])|[/~$.])"
# A path into a runner's log folder (``actions-runner/_diag``, ``actions-runner/*/_diag``,
# ``join(home, "actions-runner", "_diag")``): a CI tool reading the runner's logs for its job id.
# Reading them registers nothing; a runner registered still shows ``config.sh --url``.
_RUNNER_LOGS = rf"(?:{PATH_SEP}[\w.*-]+){{0,2}}{PATH_SEP}_diag\b"
# The commands that register a service, task or runner, as a command line or as a program and its
# argument list (``spawn("launchctl", ["load", …``, ``spawnSync('systemctl', ['--user',
# 'enable'``).
_SERVICE_CMDS = (
    rf"systemctl{ARG_SEP}(?:--user{ARG_SEP})?enable\b|crontab{ARG_SEP}{_CRONTAB_ARG}"
    rf"|launchctl{ARG_SEP}(?:load|bootstrap|submit)\b"
    rf"|(?:schtasks|SCHTASKS)(?:\.exe)?{ARG_SEP}/(?:create|CREATE|Create)\b"
    rf"|config\.(?:sh|cmd){ARG_SEP}--url\b|svc\.sh{ARG_SEP}install\b"
)
# Where services, login items and scheduled jobs live (a path's parts also given to ``path.join``
# apart: ``join(home, '.config', 'systemd', 'user')``, ``join(APPDATA, …, 'Programs',
# 'Startup')``), or a registering command.
RX_SERVICE = rx(
    r"Launch(?:Agents|Daemons)\b|[/'\"`]etc" + PATH_SEP + r"systemd" + PATH_SEP + r"system\b"
    r"|systemd" + PATH_SEP + r"user\b|CurrentVersion\\+Run\b|\\Startup\\"
    r"|Programs" + PATH_SEP + r"Startup\b|/etc/cron\.d\b|/var/spool/cron\b"
    r"|actions-runner\b(?!" + _RUNNER_LOGS + ")|" + _SERVICE_CMDS,
    anchors=("launchagents", "launchdaemons", "systemd/", "systemd\\", "systemd'", 'systemd"',
             "systemd`", "systemctl", "currentversion\\", "crontab", "schtasks", "\\startup\\",
             "programs/startup", "programs\\startup", "programs'", 'programs"', "programs`",
             "actions-runner", "--url", "svc.sh", "launchctl", "cron.d", "spool/cron"),
)  # fmt: skip


# The registering commands (the rest of RX_SERVICE are locations), and a Run key added.
RX_SERVICE_CMD = re.compile(
    _SERVICE_CMDS + r"|reg(?:\.exe)?\s+add\b[^\n'\"`]{0,80}CurrentVersion\\+Run\b"
)


def _registers_service(s: FileSignals) -> bool:
    """Files written, or a registering command run: what persistence does. A service manager's
    table of where its daemon's units live, beside a spawn of that daemon, is neither."""
    return s.fs_write or s.t.search(RX_SERVICE_CMD) is not None


def _service(s: FileSignals) -> Detection | None:
    if not s.t.may(RX_SERVICE) or not (s.install or s.exfil is not None or s.secrets_touched):
        return None
    at = first_live(s.t, RX_SERVICE)
    if at is not None and (s.fs_write or s.proc is not None):
        # install-reachable code that only names where services live (a CLI whose library the
        # install step loads, with a `service install` command for the user) is worth a look
        return found(HIGH if s.install and _registers_service(s) else MEDIUM, at)
    return None


SERVICE = Pattern(
    id="GH-PERSIST-SERVICE",
    severity=Severity.HIGH,
    confidence=HIGH,
    title="Code installs a service, login item or scheduled task",
    why=(
        "systemd units, LaunchAgents, Run keys, cron/schtasks entries and self-hosted GitHub "
        "runners keep an attacker on the machine after the package is removed."
    ),
    origin="Shai-Hulud 2.0 (Nov 2025): self-hosted runner 'SHA1HULUD'; RAT loaders",
    reference="https://panther.com/blog/shai-hulud-npm-supply-chain-attack",
    detect=_service,
)


# A list of dangerous commands is a guard: an AI agent's or a shell tool's deny-list
# (``blockedCommands: ["mkfs", "format", "dd", …, "poweroff"]``, ``['rm -rf /', 'format c:',
# 'del /s /q c:\\', ':(){:|:&};:']``: @wonderwhy-er/desktop-commander 0.2.52, claude-flow 3.43.0).
# An entry is judged with the array literal that holds it: at least ``MIN_OTHER_DANGEROUS``
# other entries that name a destructive command, and no command runner within ``RUN_REACH``
# after the array outside comment lines (``[…].forEach(c => execSync(c))`` runs its entries:
# high).
RX_DANGEROUS_ENTRY = re.compile(
    r"\s*(?:sudo\s+)?(?:rm|rmdir|del|rd|format|mkfs(?:\.\w+)?|dd|fdisk|parted|diskpart|shred|wipefs"
    r"|shutdown|reboot|halt|poweroff|init|kill|killall|pkill|chmod|chown|:\(\)\s*\{)(?![\w.-])",
    re.IGNORECASE,
)
RX_ARRAY_ENTRY = re.compile(r"'((?:[^'\\\n]|\\.)*)'|\"((?:[^\"\\\n]|\\.)*)\"")
RX_RUNS = re.compile(r"(?<![\w$])(?:exec\w*|spawn\w*|execa\w*|system|fork|eval|Function)\s*\(")
MIN_OTHER_DANGEROUS = 2
LIST_BACK = 2000  # characters back from an entry to its array's ``[``
LIST_FORWARD = 4000  # characters on to the array's ``]``
RUN_REACH = 300


def in_command_list(text: str, at: int) -> bool:
    """Is ``at`` (a command) an entry of an array literal of dangerous commands (see above)?"""
    open_ = text.rfind("[", max(0, at - LIST_BACK), at)
    if open_ < 0 or "]" in text[open_:at]:
        return False
    close = text.find("]", at, at + LIST_FORWARD)
    if close < 0 or "[" in text[at:close]:
        return False
    others = 0
    for m in RX_ARRAY_ENTRY.finditer(text, open_, close):
        entry = m.group(1) if m.group(1) is not None else m.group(2)
        if not m.start() <= at < m.end() and RX_DANGEROUS_ENTRY.match(entry):
            others += 1
    if others < MIN_OTHER_DANGEROUS:
        return False
    runs = RX_RUNS.finditer(text, close, close + RUN_REACH)
    return all(in_comment_line(text, m.start()) for m in runs)


def _shutdown(s: FileSignals) -> Detection | None:
    """High in a file that starts processes or writes files; an entry of a list of dangerous
    commands (``in_command_list``) is a review item."""
    if s.shutdown is None or (s.proc is None and not s.fs_write):
        return None
    listed = None
    for n, m in enumerate(s.t.matches(RX_SHUTDOWN, MAX_LIVE + 1)):
        if n == MAX_LIVE or not in_command_list(s.text, m.end() - 1):
            return found(HIGH, m.start())
        listed = m.start() if listed is None else listed
    if listed is None or next(s.t.matches(RX_SHUTDOWN, 1, decoded=True), None) is not None:
        return found(HIGH, s.shutdown)  # hidden in an encoded literal
    return found(MEDIUM, listed)


SHUTDOWN = Pattern(
    id="GH-SABOTAGE-SHUTDOWN",
    severity=Severity.HIGH,
    confidence=HIGH,
    title="Code shuts down or reboots the machine",
    why="A library that runs `shutdown -h`, `poweroff` or `shutdown /s` is sabotage.",
    origin="nx 's1ngularity' (Aug 2025): `sudo shutdown -h 0` appended to rc files",
    reference="https://github.com/nrwl/nx/security/advisories/GHSA-cxm3-wv7p-598c",
    detect=_shutdown,
)

# The home folder as code names it: ``os.homedir()`` under any name or chain (``o.homedir()``,
# ``os.default.homedir()``, ``require('node:os').homedir()``), a bundler's ``(0, os.homedir)()``,
# ``process.env.HOME`` / ``process.env['HOME']`` (``USERPROFILE`` too).
HOME_EXPR = (
    r"(?:(?:[\w$]+\.){0,4}|require\(\s*['\"](?:node:)?os['\"]\s*\)\.)homedir\(\)"
    r"|\(\s*0\s*,\s*(?:[\w$]+\.){1,4}homedir\s*\)\(\)"
    r"|process\.env(?:\.(?:HOME|USERPROFILE)|\[\s*['\"`](?:HOME|USERPROFILE)['\"`]\s*\])"
)
RX_WIPE = rx(
    r"rm\s+-(?:rf|fr|Rf|rF)\s+(?:--no-preserve-root\s+)?(?:~/?\*?|\$HOME/?\*?|\"\$HOME\"|\$\{HOME\}|/\*?)"
    r"(?=[\s'\"`;&|)]|$)"
    r"|(?:rmSync|rmdirSync|rimraf(?:\.sync)?|removeSync|remove|rm|emptyDirSync|emptyDir)\s*\("
    r"\s*(?:" + HOME_EXPR + r")\s*(?:\+\s*['\"`][/\\]?['\"`]\s*)?[,)]"
    r"|(?:del|DEL)\s+(?:/[fsqaFSQA]\s+)+[^'\"`\n]{0,20}%USERPROFILE%"
    r"|(?:rd|RD|rmdir)\s+/[sS]\s+/[qQ]\s+[^'\"`\n]{0,5}%USERPROFILE%"
    r"|Remove-Item\s+[^'\"`\n]{0,40}\$(?:env:USERPROFILE|HOME)[^'\"`\n]{0,40}-Recurse"
    r"|shred\s+-[a-z]*u[a-z]*\s+[^'\"`\n]{0,40}(?:~|\$HOME)|cipher\s+/[Ww]:",
    anchors=("rm -rf", "rm -fr", "homedir()", "homedir)(", "env.home", "env.userprofile", "env[",
             "%userprofile%",
             "remove-item", "shred -", "cipher /w"),
)  # fmt: skip


# A wipe command kept as a test's input: a string literal handed to a function that neither
# starts a process nor evaluates code, in a file that names no process starter outside that
# literal (bfj 9.1.4's ``assert.throws(() => parseJsonPath("$.foo\r\nrequire('child_process')
# .exec('rm -rf /')"))``: its JSONPath parser must refuse the injection). Such a string is data
# here; another file could still run it, so it stays worth a look.
RX_CALLEE_BEFORE = re.compile(r"(?<![\w$])([A-Za-z_$][\w$]*)\s*\(\s*$")
RX_RUNNER_NAME = re.compile(
    r"exec\w*|spawn\w*|execa\w*|system|fork|eval|Function|runIn\w*|compileFunction|Script"
    r"|_compile|\$|sh|bash|cmd|powershell|pwsh|run\w*|shell\w*",
    re.IGNORECASE,
)
MAX_WIPES = 200  # wipe commands judged per file; past them the first counts


def _test_input(s: FileSignals, at: int) -> bool:
    """Is the wipe command at ``at`` a literal argument of a call that does not run it, in a
    file that starts no process outside that literal?"""
    text = s.text
    span = string_literal_at(text, at)
    if span is None:
        return False
    start, end = span
    callee = RX_CALLEE_BEFORE.search(text, max(0, start - 80), start)
    if callee is None or RX_RUNNER_NAME.fullmatch(callee.group(1)):
        return False
    if s.t.strong_decoded is not None:  # a hidden name: nothing here is taken as data
        return False
    if s.proc is None:  # no process starter anywhere in the file
        return True
    return not any(
        rx_.search(text, 0, start) or rx_.search(text, end) for rx_ in (RX_PROC, RX_DYN_REQUIRE)
    )


# ``rm -rf /`` alone (no ``*``, no ``--no-preserve-root``) is the textbook dangerous command,
# and one that rm refuses (GNU's default ``--preserve-root``, BSD's and macOS' rm alike): AI
# agents' policy tests and guards keep it as data (``{ command: 'rm -rf /' }``, ``'git log &&
# rm -rf /': [...]``, ``'Dangerous command: rm -rf /'``: @google/gemini-cli-core 0.61.0,
# claude-flow 3.43.0, claude-code-templates 1.29.6). It stays high in a literal that a command
# runner call (``RX_RUNS``) starts within ``RUNNER_BACK`` characters before; a wipe of the home
# folder, ``/*`` or ``--no-preserve-root /`` are judged as before.
RX_BARE_ROOT = re.compile(r"rm\s+-\w+\s+/$")
RUNNER_BACK = 200


def _refused_example(s: FileSignals, m: re.Match[str]) -> bool:
    """Is ``m`` a bare ``rm -rf /`` in a string literal that no runner call just before starts?
    In JavaScript, on a line too long to read for its literals (``line_unread``), it is taken
    as one: there the command is text anywhere (a 600 KB line of documentation bundled as one
    string, rulesync 17.0.0 ``dist/cli/index.cjs``: "… and so never matches `rm -rf /`"), and
    only a runner given it could run it."""
    text = s.text
    if RX_BARE_ROOT.fullmatch(m.group(0)) is None:
        return False
    if string_literal_at(text, m.start()) is None and not (s.js and line_unread(text, m.start())):
        return False
    runs = RX_RUNS.finditer(text, max(0, m.start() - RUNNER_BACK), m.start())
    return all(in_comment_line(text, r.start()) for r in runs)


# The wipes that are JavaScript's own calls (``rmSync(os.homedir(), …)``): they run where they
# are. The others (``rm -rf ~``, ``del /s /q %USERPROFILE%``, ``Remove-Item … -Recurse``) are a
# shell's commands: in JavaScript that starts no process they are text (an AI agent's prompt that
# grades commands, ``\`  rm -rf $HOME                        -> red\```:
# @codingame/monaco-vscode-api 37.6.1, ``chatToolRiskAssessmentService.js``).
RX_JS_WIPE = lazy_pattern(r"[\w.]+\s*\(")


def _shell_text(s: FileSignals, m: re.Match[str]) -> bool:
    """Is ``m`` a shell's wipe command held in JavaScript that runs nothing near it
    (``FileSignals.runs_nothing_at``)?"""
    return s.js and RX_JS_WIPE.match(m.group(0)) is None and s.runs_nothing_at(m.start())


def _wipe(s: FileSignals) -> Detection | None:
    """High where the command can run; a command only on comment lines is not reported, one that
    is only a test's input (``_test_input``) or an entry of a list of dangerous commands
    (``in_command_list``) is a review item."""
    t, text = s.t, s.text
    data = None
    for n, m in enumerate(t.matches(RX_WIPE, MAX_WIPES + 1)):
        if n == MAX_WIPES:
            return found(HIGH, data if data is not None else m.start())
        if in_comment_line(text, m.start()):
            continue
        if (
            not _test_input(s, m.start())
            and not in_command_list(text, m.start())
            and not _refused_example(s, m)
            and not _shell_text(s, m)
        ):
            return found(HIGH, m.start())
        data = m.start() if data is None else data
    hidden = next(t.matches(RX_WIPE, 1, decoded=True), None)
    if hidden is not None:
        return found(HIGH, t.map_decoded(hidden.start()))
    return found(MEDIUM, data) if data is not None else None


WIPE = Pattern(
    id="GH-SABOTAGE-WIPE",
    severity=Severity.CRITICAL,
    confidence=HIGH,
    title="Code deletes or overwrites the home directory recursively",
    why=(
        "rm -rf ~ / $HOME, fs.rmSync(os.homedir(), {recursive}), del /s %USERPROFILE% or "
        "shred over the home folder destroy a developer's data; Shai-Hulud 2.0 did this when "
        "it found no credentials."
    ),
    origin="Shai-Hulud 2.0 (Nov 2025)",
    reference="https://panther.com/blog/shai-hulud-npm-supply-chain-attack",
    detect=_wipe,
)

RX_GEO_LOOKUP = rx(
    r"ipgeolocation|ip-api\.com|ipapi\.co|geoip\b|ipinfo\.io|freegeoip|geolocation-db"
    r"|country_?(?:name|code)\b|countryCode\b",
    re.IGNORECASE,
    anchors=("ipgeolocation", "ip-api", "ipapi", "geoip", "ipinfo", "freegeoip",
             "geolocation-db", "country_name", "country_code", "countrycode", "countryname"),
)  # fmt: skip
# The targeted country as a string (``'RU'``, ``"belarus"``) or inside a regex literal that
# tests it (``/^(RU|BY)$/``, ``/russia|belarus/i``).
RX_GEO_TARGET = re.compile(
    r"(?:['\"]|^)(?:ru|by|RU|BY|russia|belarus|Russia|Belarus|RUS|BLR)(?:['\"]|$)"
    r"|/\^?\(?(?:\?:)?(?:RU|ru|russia|Russia)\|(?:BY|by|belarus|Belarus)\)?\$?/",
    re.MULTILINE,
)
RX_COUNTRY_CODE = re.compile(r"['\"]([A-Z]{2})['\"]")
# Overwrites or deletes (``fs.rm``/``fs.promises.rm`` by its method name only: ``rm(`` alone is
# any function).
_DESTRUCT = (
    r"writeFileSync|writeFile|unlinkSync|rmSync|rmdirSync|unlink|\.rm|rimraf(?:\.sync)?"
    r"|removeSync|truncateSync|truncate"
)
RX_FS_DESTRUCT = re.compile(r"(?:" + _DESTRUCT + r")\s*\(")
RX_READDIR = re.compile(r"readdir(?:Sync)?\s*\(|walk\w*\s*\(|glob\w*\s*\(")


# The locale / time-zone form (no network): the machine's zone or language read locally and
# compared with a targeted one. Zone and locale tables (tz databases, i18n bundles) name many of
# them; a gate names a few.
RX_LOCALE_SOURCE = rx(
    r"resolvedOptions\(\s*\)\s*\.\s*(?:timeZone|locale)\b"
    r"|process\.env(?:\.(?:LANG|LC_ALL|LC_MESSAGES|LANGUAGE|TZ)\b"
    r"|\[\s*['\"`](?:LANG|LC_ALL|LC_MESSAGES|LANGUAGE|TZ)['\"`]\s*\])|['\"]os-locale['\"]"
    r"|Intl\.DateTimeFormat\(\s*\)\s*\.\s*resolvedOptions|navigator\.languages?\b",
    anchors=("resolvedoptions", "process.env.lang", "process.env.lc_", "process.env.tz",
             "process.env[", "os-locale", "navigator.language"),
)  # fmt: skip
RX_LOCALE_TARGET = re.compile(
    r"['\"`](?:Europe/(?:Moscow|Minsk|Kaliningrad|Samara|Volgograd|Kirov|Astrakhan|Saratov"
    r"|Ulyanovsk|Simferopol)|Asia/(?:Yekaterinburg|Omsk|Novosibirsk|Krasnoyarsk|Irkutsk"
    r"|Yakutsk|Vladivostok|Magadan|Kamchatka)|ru[-_]RU|be[-_]BY|ru[-_]BY)(?:\.UTF-8)?['\"`]"
    r"|['\"`](?:Moscow|Minsk)['\"`]"
)
# The language compared by its first letters (``lang.startsWith('ru')``, ``/^ru/.test(l)``,
# ``l.slice(0, 2) === 'ru'``, ``l.split('_')[0] === 'ru'``, ``indexOf('be') === 0``): i18n code
# does that to pick messages, so it counts only when what it gates follows it at once (a
# directory walk or an overwrite in the same statement, within ``PREFIX_GATE`` characters).
_RU = r"['\"`](?:ru|be|RU|BE)['\"`]"
RX_LOCALE_PREFIX = re.compile(
    rf"\.startsWith\(\s*{_RU}\s*\)|/\^(?:ru|be)\b[^/\n]{{0,10}}/i?\s*\.test\("
    rf"|\.(?:slice|substring|substr)\(\s*0\s*,\s*2\s*\)\s*[!=]==?\s*{_RU}"
    rf"|\.split\(\s*['\"`][-_.]['\"`]\s*\)\s*\[\s*0\s*\]\s*[!=]==?\s*{_RU}"
    rf"|\.indexOf\(\s*{_RU}\s*\)\s*===?\s*0\b"
)
PREFIX_GATE = 200
RX_ZONE_OR_LOCALE = re.compile(
    r"['\"`](?:(?:Africa|America|Asia|Atlantic|Australia|Europe|Indian|Pacific)/[A-Za-z_]+"
    r"|[a-z]{2}[-_][A-Z]{2})['\"`]"
)
GATE_REACH = 1500  # characters between the locale read and the targeted value
MAX_TABLE = 12  # more distinct zones/locales than this: a table, not a gate


# How near the targeted country and the overwrite or delete are to a country lookup: node-ipc's
# payload holds the three within a few hundred characters. Spread over a bundle they are
# unrelated code: workerd 1.20261123.1's worker.mjs (5 MB: the TypeScript compiler, with "ru"
# among its message languages, and Cloudflare's type declarations naming `ip.geoip.country`
# 4 MB later) is no gate.
GEO_REACH = 1500
GEO_DESTRUCT_REACH = 4000
MAX_GEO_LOOKUPS = 50  # lookups looked at each way (text, decoded view): bounded work


def _geo(s: FileSignals) -> Detection | None:
    t, text = s.t, s.text
    if (
        t.may(RX_GEO_LOOKUP)
        and RX_READDIR.search(text)
        and RX_FS_DESTRUCT.search(text)
        and (s.net is not None or t.url_decoded)
        and len({m.group(1) for m in RX_COUNTRY_CODE.finditer(text)}) < 20
    ):
        lookups = [m.start() for m in t.matches(RX_GEO_LOOKUP, MAX_GEO_LOOKUPS)]
        lookups += [
            t.map_decoded(m.start())
            for m in t.matches(RX_GEO_LOOKUP, MAX_GEO_LOOKUPS, decoded=True)
        ]
        for at in lookups:
            if t.near(RX_GEO_TARGET, at - GEO_REACH, at + GEO_REACH) and t.near(
                RX_FS_DESTRUCT, at - GEO_DESTRUCT_REACH, at + GEO_DESTRUCT_REACH
            ):
                return found(HIGH, at)
    return _locale_gate(s)


def _locale_gate(s: FileSignals) -> Detection | None:
    """A local zone/locale read compared with a targeted value, in a file that walks
    directories and overwrites or deletes what it finds."""
    source = s.t.find(RX_LOCALE_SOURCE)
    if source is None:
        return None
    text = s.text
    if not RX_READDIR.search(text) or not RX_FS_DESTRUCT.search(text):
        return None
    for src in RX_LOCALE_SOURCE.finditer(text):
        lo, hi = max(0, src.start() - GATE_REACH), src.end() + GATE_REACH
        if RX_LOCALE_TARGET.search(text, lo, hi) is None and not _prefix_gate(text, lo, hi):
            continue
        table = {m.group(0) for m in RX_ZONE_OR_LOCALE.finditer(text, lo, hi)}
        if len(table) <= MAX_TABLE:
            return found(HIGH, src.start())
    return None


def _prefix_gate(text: str, lo: int, hi: int) -> bool:
    """A language compared by its first letters in ``[lo, hi)`` and followed in its statement by a
    walk or an overwrite (the gate's body)."""
    for m in RX_LOCALE_PREFIX.finditer(text, lo, hi):
        after = text[m.end() : m.end() + PREFIX_GATE].split(";", 1)[0]  # its own statement
        if RX_READDIR.search(after) or RX_FS_DESTRUCT.search(after):
            return True
    return False


GEO = Pattern(
    id="GH-SABOTAGE-GEO",
    severity=Severity.CRITICAL,
    confidence=HIGH,
    title="Geolocation, locale or time-zone check gating file overwrites or deletes",
    why=(
        "Looking up the machine's country (an IP geolocation service) or reading its time zone "
        "or language, comparing it with targeted ones, then walking directories to overwrite or "
        "delete files is protestware: node-ipc overwrote files on hosts located in Russia and "
        "Belarus. A zone check that only prints a message is not reported."
    ),
    origin="node-ipc 10.1.1-10.1.3 / peacenotwar (Mar 2022, CVE-2022-23812)",
    reference="https://github.com/advisories/GHSA-97m3-w2cp-4xx6",
    detect=_geo,
)

UNITS = (SHELL_RC, SERVICE, SHUTDOWN, WIPE, GEO)
