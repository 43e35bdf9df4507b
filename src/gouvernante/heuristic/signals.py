"""Signals several detectors share, computed once per file on first use.

A detector receives a ``FileSignals``: the file's ``TextView``, whether an install script runs the
file, and cached signals (network code, process spawning, eval sinks, secrets read ...). Regular
expressions only one pattern uses live beside that pattern in ``families/``.
"""

from __future__ import annotations

import heapq
import re
from collections import deque
from collections.abc import Callable, Iterator
from itertools import islice
from typing import Generic, TypeVar

from gouvernante.heuristic.views import TextView, plain_view, rx

RX_NET = rx(
    r"require\(\s*['\"](?:node:)?(?:https?|http2|net|tls|dgram)['\"]\s*\)"
    r"|from\s+['\"](?:node:)?(?:https?|http2|net|tls|dgram)['\"]"
    r"|import\s*\(\s*['\"](?:node:)?https?['\"]\s*\)"
    r"|fetch\s*\(|XMLHttpRequest|axios|new\s+WebSocket|https?\.(?:get|request)\s*\("
    r"|curl\s+-|wget\s+-|Invoke-(?:WebRequest|RestMethod)|Net\.WebClient|iwr\s+https?:|irm\s+https?:",
    # Not "http" alone: every URL has it. A module name is followed by its quote, a call by
    # ".get("/".request(".
    anchors=("http'", 'http"', "https'", 'https"', "http2", "http.get", "https.get",
             "http.request", "https.request", "'net'", '"net"', ":net", "'tls'", '"tls"', ":tls",
             "dgram", "fetch", "xmlhttprequest", "axios", "websocket", "curl", "wget", "invoke-",
             "webclient", "iwr", "irm"),
)  # fmt: skip
RX_PROC = rx(
    r"require\(\s*['\"](?:node:)?child_process['\"]\s*\)|from\s+['\"](?:node:)?child_process['\"]"
    r"|execSync\s*\(|execFileSync\s*\(|spawnSync\s*\(|Bun\.spawn|Deno\.(?:run|Command)\b"
    r"|execa\b|['\"]cross-spawn['\"]|['\"]shelljs['\"]|child_process",
    anchors=("child_process", "execsync", "execfilesync", "spawnsync", "bun.spawn", "deno.",
             "execa", "cross-spawn", "shelljs"),
)  # fmt: skip
RX_DYN_REQUIRE = rx(
    r"require\s*\(\s*(?!path\.|require\.|String\b)[\w$]{1,12}\s*\(", case_anchors=("require",)
)
# ``eval``/``Function``/``new`` not preceded by a word character, ``$`` or ``.`` (``isFunction(``,
# ``obj.eval(`` are not sinks): checked in the pattern, not per match in Python.
RX_EVAL_SINK = rx(
    r"(?<![\w$.])(?:eval\s*\(|new\s+Function\s*\(|Function\s*\(|new\s+(?:vm\.)?Script\s*\("
    r"|\(\s*0\s*,\s*eval\s*\)\s*\("
    r"|(?:globalThis|global|window|self)\s*(?:\.\s*eval|\[\s*['\"`]eval['\"`]\s*\])\s*\()"
    r"|vm\.(?:runIn\w+|compileFunction)\s*\(|runIn(?:This|New)?Context\s*\(|\._compile\s*\(",
    case_anchors=("eval", "Function", "vm.", "Script", "runIn", "_compile"),
)
RX_DECODE_ANY = rx(
    r"atob\s*\(|['\"](?:base64|base64url|hex)['\"]\s*\)|\.toString\(\s*['\"](?:base64|hex)['\"]",
    anchors=("atob", "'base64", '"base64', "'hex'", '"hex"'),
)
_SECRET_NAMES = (
    "NPM_TOKEN", "NODE_AUTH_TOKEN", "NPM_AUTH_TOKEN", "GITHUB_TOKEN", "GH_TOKEN", "GITHUB_PAT",
    "GH_ENTERPRISE_TOKEN", "ACTIONS_RUNTIME_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "GITLAB_TOKEN", "GL_TOKEN", "CI_JOB_TOKEN", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN", "GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_API_KEY",
    "GCP_SERVICE_ACCOUNT_KEY", "GCLOUD_SERVICE_KEY", "CLOUDSDK_AUTH_ACCESS_TOKEN",
    "AZURE_CLIENT_SECRET", "AZURE_STORAGE_KEY", "AZURE_STORAGE_CONNECTION_STRING",
    "ARM_CLIENT_SECRET", "AZURE_DEVOPS_EXT_PAT", "OPENAI_API_KEY", "ANTHROPIC_API_KEY",
    "DIGITALOCEAN_ACCESS_TOKEN", "HEROKU_API_KEY", "CIRCLE_TOKEN", "VERCEL_TOKEN",
    "NETLIFY_AUTH_TOKEN", "CLOUDFLARE_API_TOKEN", "DOCKER_PASSWORD", "SLACK_BOT_TOKEN",
)  # fmt: skip
# One alternative per name (the match is the name): searched name by name, only for the names
# present, each a fast literal search.
RX_SECRET_ENV = rx(
    "|".join(rf"{name}\b" for name in _SECRET_NAMES),
    anchors=("_token", "aws_", "google_", "gcp_", "gcloud_", "cloudsdk_", "azure_", "arm_",
             "_api_key", "_pat", "docker_password"),
)  # fmt: skip
ENV_FAMILY = {
    "NPM_TOKEN": "npm", "NODE_AUTH_TOKEN": "npm", "NPM_AUTH_TOKEN": "npm",
    "GITHUB_TOKEN": "github", "GH_TOKEN": "github", "GITHUB_PAT": "github",
    "GH_ENTERPRISE_TOKEN": "github", "ACTIONS_RUNTIME_TOKEN": "github",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "github", "GITLAB_TOKEN": "gitlab", "GL_TOKEN": "gitlab",
    "CI_JOB_TOKEN": "gitlab", "AWS_ACCESS_KEY_ID": "aws", "AWS_SECRET_ACCESS_KEY": "aws",
    "AWS_SESSION_TOKEN": "aws", "GOOGLE_APPLICATION_CREDENTIALS": "gcp", "GOOGLE_API_KEY": "gcp",
    "GCP_SERVICE_ACCOUNT_KEY": "gcp", "GCLOUD_SERVICE_KEY": "gcp",
    "CLOUDSDK_AUTH_ACCESS_TOKEN": "gcp", "AZURE_CLIENT_SECRET": "azure",
    "AZURE_STORAGE_KEY": "azure", "AZURE_STORAGE_CONNECTION_STRING": "azure",
    "ARM_CLIENT_SECRET": "azure", "AZURE_DEVOPS_EXT_PAT": "azure", "OPENAI_API_KEY": "ai",
    "ANTHROPIC_API_KEY": "ai",
}  # fmt: skip
# The names or the values of every variable: ``Object.keys``/``entries``/``values``,
# ``getOwnPropertyNames``, ``Reflect.ownKeys`` (a walk, judged as one: see ``_keeps_one_prefix``),
# or the whole object serialized.
# The environment object however code names it: ``process.env``, ``process['env']``, through
# ``globalThis``/``global`` (a bundler's or an obfuscator's spelling), ``require('process').env``.
_ENV_OBJ = (
    r"(?:(?:globalThis|global|window|self)\.)?"
    r"(?:process\.env\b|process\[\s*(?:'env'|\"env\"|`env`)\s*\])"
    r"|require\(\s*['\"](?:node:)?process['\"]\s*\)\.env\b"
)
_ENV_ANCHORS = ("process.env", "process['env']", 'process["env"]', "process[`env`]",
                "process').env", 'process").env')  # fmt: skip
_DUMP_CALL = (
    r"(?:JSON\.stringify|Object\.(?:entries|keys|values|getOwnPropertyNames|getOwnPropertyDescriptors)"
    r"|Reflect\.ownKeys)"
)
RX_ENV_DUMP = rx(
    r"JSON\.stringify\(\s*(?:" + _ENV_OBJ + r")\s*[,)]"
    r"|(?:Object\.(?:entries|keys|values|getOwnPropertyNames|getOwnPropertyDescriptors)"
    r"|Reflect\.ownKeys)\(\s*(?:" + _ENV_OBJ + r")\s*\)"
    r"|Bun\.env\b\s*\)",
    anchors=(*_ENV_ANCHORS, "bun.env"),
)
# The environment object itself, not one of its variables: copied (``{...process.env}``,
# ``Object.assign({}, process.env)``, ``structuredClone(process.env)``), kept (``env:
# process.env``, ``const e = process.env``). A dump only where it is sent: see ``env_sent``.
RX_ENV_WHOLE = rx(
    r"(?:" + _ENV_OBJ + r"|Bun\.env\b)(?!\s*(?:[.\[\w$]|\?\.|=(?!=)))",
    anchors=(*_ENV_ANCHORS, "bun.env"),
)
# Where data leaves as text or as a request's payload: a serializer or encoder, a request body.
# (A request's ``fetch(``, ``.write(``, ``.end(`` take text: the serializer is the sink.)
RX_SINK = re.compile(
    r"(?:JSON\.stringify|\bstringify|\bbtoa|Buffer\.from|URLSearchParams|encodeURIComponent"
    r"|\.(?:post|put|patch))\s*\("
    r"|\b(?:body|json|data|payload)\s*:"
)
# Right before the environment object, what makes it a copy or a value kept: a spread, a merge
# into an object, a clone, an object's property, an assignment (``options.env || process.env``,
# ``typeof process < "u" && process.env`` are neither).
RX_COPY_BEFORE = re.compile(
    r"(?:\.\.\.|Object\.assign\(\s*(?:\{\s*\}|[\w$]+)\s*,|structuredClone\(|[\w$'\"\]]\s*:"
    r"|(?<![=!<>\]}])(?<![\]}]\s)=)\s*$"
)
RX_COPY_CALL = re.compile(r"(?:Object\.assign\(\s*\{\s*\}\s*,|structuredClone\()\s*$")
# The holder a copy is put in: ``const loot = {...process.env}``, ``result.env = process.env``,
# ``Object.assign(loot, process.env)``; its name is then looked for at a sink.
RX_HOLDER = re.compile(
    r"(?<![\w$.])(?P<name>[\w$]+)(?:\s*\.\s*[\w$]+)*\s*=(?![=>])"
    r"|Object\.assign\(\s*(?P<target>[\w$]+)\s*,"
)
SINK_BACK = 400  # characters back from the environment (or its holder) to a sink
MAX_WHOLE = 200  # mentions of the whole environment looked at per file
MAX_HOLDER_USES = 30  # uses of a holder looked at
MAX_HOLDERS = 20  # holders of the environment looked at per file
HOLDER_REACH = 4000  # characters after the environment where its holder's uses are looked at
# Between two parts of a path: a separator, or the end of one argument of ``path.join`` and the
# start of the next (``join(home, '.aws', 'credentials')``).
PATH_SEP = r"(?:[/\\]+|['\"`]\s*,\s*['\"`])"
# Between a program and its first argument, or two arguments: spaces in a command line, or the
# program and its argument list given apart (``spawn('systemctl', ['--user', 'enable'``).
ARG_SEP = r"(?:\s+|['\"`]\s*,\s*\[?\s*['\"`])"
RX_CRED_FILE = rx(
    r"(?P<npm>['\"/\\~]\.npmrc\b)|(?P<ssh>['\"/\\~]\.ssh\b|id_(?:rsa|ed25519|ecdsa)\b)"
    r"|(?P<aws>\.aws" + PATH_SEP + r"(?:credentials|config)\b)|(?P<git>\.git-credentials\b)"
    r"|(?P<gcp>\.config" + PATH_SEP + r"gcloud\b|application_default_credentials\.json)"
    r"|(?P<azure>['\"/\\~]\.azure[/\\'\"])|(?P<kube>\.kube" + PATH_SEP + r"config\b)"
    r"|(?P<docker>\.docker" + PATH_SEP + r"config\.json)"
    r"|(?P<dotenv>['\"/\\]\.env(?:\.local|\.production)?['\"])"
    r"|(?P<wallet>wallet\.dat\b|Local Extension Settings|\.config" + PATH_SEP + r"solana"
    r"|\.electrum\b"
    r"|Ethereum" + PATH_SEP + r"keystore|Exodus" + PATH_SEP + r"exodus\.wallet)",
    anchors=(".npmrc", ".ssh", "id_rsa", "id_ed25519", "id_ecdsa", ".aws", ".git-credentials",
             "gcloud", "application_default_credentials", ".azure", ".kube", ".docker",
             "'.env", '".env', "/.env", "\\.env", "wallet.dat", "local extension settings",
             "solana", ".electrum", "keystore", "exodus"),
)  # fmt: skip
# A walk of the keys (``.filter(``, ``.forEach(``, ``.reduce(``, ``.find(``, ``.some(``,
# ``.every(``, a ``for … of`` or ``for … in`` loop) whose callback or body first tests the name
# against its start (a regex ``/^…/``, ``startsWith``, ``indexOf(…)`` compared with 0): the
# variables of one prefix, not a dump (npm's own ``npm_config_*`` settings read by a bundler or an
# ORM's CLI) -- when the test keeps the prefix. It keeps every other variable instead when it is
# negated (``!k.startsWith(p)``, ``indexOf(p) !== 0``, ``=== false``) and nothing exits early, or
# when it is not negated and an early ``return``/``continue`` (or a ternary giving back nothing or
# the accumulator) follows it; an empty prefix (``startsWith('')``, ``/^/``, ``/^a?/``, ``/^a|/``)
# keeps everything. Only the first test is judged, within 40 characters of the callback's or the
# loop's start (its indentation aside).
_TEST_START = r"(?P<test>/\^|\.startsWith\s*\(|\.indexOf\s*\()"
# (Runs of white space read possessively, ``\s*+``: the same matches, but runs split between
# ``\s*`` around optional tokens were tried every way: ``.find(`` and 300 spaces took 17 s of a
# scan, 500 several minutes, decision 0116.)
RX_PREFIX_FILTER = re.compile(
    r"\s*+\.\s*+(?P<walk>filter|forEach|reduce|find|some|every)\s*+\("
    r"\s*+\(?\s*+(?:\(?\s*+\[?\s*+(?P<first>[\w$]+)(?:\s*+,\s*+[\w$]+)?\s*+\]?\s*+\)?\s*+=>"
    r"|function\s*+\(\s*+(?P<ffirst>[\w$]*+)[^)]*+\)\s*+(?P<fbrace>\{))"
    r"\s{0,200}+(?P<lead>[^;]{0,40}?)" + _TEST_START
)
# The same walk as a loop, ``for (const [k, v] of Object.entries(process.env)) { if
# (k.startsWith("PLUGIN_")) ...``: the loop's head before the enumeration, its first test after.
RX_FOR_OF_HEAD = re.compile(r"\bfor\s*\(\s*(?:const|let|var)?\s*[\w$\[\],\s]{1,40}[\s\]]of\s+$")
RX_LOOP_PREFIX = re.compile(
    r"\s*+\)\s*+(?P<brace>\{)?\s{0,200}+(?P<lead>[^;]{0,40}?)" + _TEST_START
)
# ``for (const k in process.env)``: a walk of every name (the match ends before the ``)``).
RX_ENV_FOR_IN = rx(
    r"for\s*\(\s*(?:(?:const|let|var)\s+)?[\w$]+\s+in\s+(?:process|Bun)\.env\b(?=\s*\))",
    anchors=("process.env", "bun.env"),
)
# The test's argument: ``startsWith(p)`` / ``indexOf(p)`` (then its comparison with 0), a regex
# literal's body after ``^`` (then ``.test(k)``, or the ``)`` of ``k.match(``).
RX_CALL_ARGS = re.compile(r"(?P<args>(?:[^()]|\([^()]{0,40}\)){0,60})\)")
RX_EMPTY_ARG = re.compile(r"\s*(?:''|\"\"|``)\s*(?:,|$)")
RX_INDEX_CMP = re.compile(r"\s*(?P<op>===?|!==?)\s*0\b")
RX_REGEX_BODY = re.compile(r"(?P<body>(?:\\.|\[(?:\\.|[^\]\\\n])*\]|[^/\\\n\[]){0,80})/[a-z]*")
RX_REGEX_USE = re.compile(r"\s*(?:\.\s*(?:test|exec)\s*\((?:[^()]|\([^()]{0,40}\)){0,40}\)|\))")
RX_PREFIX_START = re.compile(r"[\w$-](?![?*]|\{0)")
# After the test: a comparison that negates it, an early exit (``if (k.startsWith(p)) return;``),
# a ternary whose first branch is nothing or the accumulator (``k.startsWith(p) ? acc : …``).
RX_CMP_NEGATES = re.compile(
    r"\s*(?:(?:===?)\s*(?:false|null|undefined|void 0|!1)|(?:!==?)\s*(?:true|!0))(?![\w$])"
)
RX_EARLY_EXIT = re.compile(r"[^;{}]{0,80}?\)\s*(?:return|continue)\b")
RX_TERNARY = re.compile(r"\s*+\)?\s*+\?\s*+(?P<then>[\w$]+(?:\s+0)?|!1)\s*:")
_NOTHING = frozenset({"false", "null", "undefined", "void 0", "!1", "0"})
# Before it, a negation of the operand (``!k.startsWith(p)``, ``!/^p/.test(k)``, ``!(k.
# indexOf(p) === 0)``, ``!k.toLowerCase().startsWith(p)``, ``!k.match(/^p/)``).
RX_NEGATED = re.compile(
    r"!\s*\(?\s*(?:[\w$]+(?:\s*(?:\.\s*[\w$]+|\[[^\[\]]{0,20}\]|\([^()]{0,20}\)))*\s*"
    r"(?:\.\s*match\s*\(\s*)?)?$"
)


def _regex_prefix(body: str) -> bool:
    """Whether a regex body after its ``^`` requires a first character (``npm_``, not ``''``,
    ``a?`` or ``.*``) in each of its top-level alternatives (``a|^b``, not ``a|b`` or ``a|``)."""
    if not RX_PREFIX_START.match(body):
        return False
    depth, i = 0, 0
    while i < len(body):
        c = body[i]
        if c == "\\":
            i += 1
        elif c == "[":
            i = body.find("]", i + 1) if "]" in body[i + 1 :] else len(body)
        elif c in "()":
            depth += 1 if c == "(" else -1
        elif c == "|" and depth == 0 and not body.startswith("^", i + 1):
            return False
        i += 1
    return True


def _test_end(text: str, m: re.Match[str]) -> tuple[int, bool] | None:
    """Where the prefix test ``m`` ends and whether a true result means the name has the prefix;
    None when it is not a test of one non-empty prefix."""
    test, end = m.group("test"), m.end()
    if test.startswith("/"):
        lit, use = RX_REGEX_BODY.match(text, end), None
        if lit is not None:
            use = RX_REGEX_USE.match(text, lit.end())
        if lit is None or use is None or not _regex_prefix(lit.group("body")):
            return None
        return use.end(), True
    call = RX_CALL_ARGS.match(text, end)
    if call is None or RX_EMPTY_ARG.match(call.group("args")):
        return None
    if test.startswith(".startsWith"):
        return call.end(), True
    cmp = RX_INDEX_CMP.match(text, call.end())
    if cmp is None:  # ``!k.indexOf(p)`` is ``indexOf(p) === 0``; a bare or other one no prefix
        return (call.end(), False) if RX_CMP_NEGATES.match(text, call.end()) is None else None
    return cmp.end(), cmp.group("op").startswith("=")


# What comes between the body's start and the test: a block's brace, ``return`` or an ``if (``
# head, groups and negations, an allow-list (``prefixes.some(p => k.startsWith(p))``), the operand
# (``k``, ``key.toLowerCase()``, ``k.match(``), the name normalized first in a comma sequence
# (``t = t.toLowerCase(), t.startsWith(p) && …``: yarn's npm_config_* reader). Anything else
# (``const v = …, ok = k.startsWith(p)``) means the test is not what the walk does first.
RX_LEAD = re.compile(
    r"\s*(?P<block>\{)?\s*(?:[\w$]+\s*=\s*[\w$]+(?:\s*\.\s*[\w$]+\s*\(\s*\))+\s*,\s*)?"
    r"(?:return\s|(?P<if>if)\s*\()?[\s(!]*"
    r"(?P<allow>[\w$.]+\s*\.\s*(?:some|find)\s*\(\s*\(?\s*[\w$]+\s*\)?\s*=>[\s(!]*)?"
    r"(?:[\w$]+(?:\s*(?:\.\s*[\w$]+|\[[^\[\]]{0,20}\]|\([^()]{0,20}\)))*\s*(?:\.\s*match\s*\(\s*)?)?"
)
# Strings and comments (skipped) and the punctuation that ends or joins an expression or a
# statement.
RX_TOKEN = re.compile(
    r"""'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`|//[^\n]*|/\*[\s\S]*?\*/"""
    r"""|(?P<op>\|\||\?\?|\?\.|[()\[\]{}?:,;\n]|\belse\b)"""
)
RX_NEXT_IF = re.compile(r"(?P<lead>if\s*\([^;]{0,40}?)" + _TEST_START)
RX_BETWEEN = re.compile(r"(?:\s|;|//[^\n]*|/\*(?:[^*]|\*(?!/)){0,400}\*/)*")  # between statements
SCAN_REACH = 600  # characters after the test looked at; past them the walk counts as a dump
MAX_NEXT_IFS = 8  # prefix tests in a row (``if (a) …; if (b) …``) judged in one body


RX_ESCAPED_SPACE = re.compile(r"\\[nrt]")


def _unescaped(lead: str) -> str:
    """The lead with ``\\n``, ``\\r``, ``\\t`` escapes as two spaces (code kept in a string:
    webpack's eval devtool writes every module so)."""
    return RX_ESCAPED_SPACE.sub("  ", lead)


def _ops(text: str, i: int) -> Iterator[tuple[int, str]]:
    """(offset, operator) from ``i``: brackets, ``||``, ``??``, ``?``, ``:``, ``,``, ``;``, newline,
    ``else``; string literals skipped."""
    for tok in RX_TOKEN.finditer(text, i, min(len(text), i + SCAN_REACH)):
        op = tok.group("op")
        if op is not None and op != "?.":
            yield tok.start(), op


def _simple(expr: str, acc: tuple[str | None, ...]) -> bool:
    """Is a ternary's branch nothing (``false``, ``null``, ``undefined``) or the accumulator?"""
    e = expr.strip().strip("()").strip()
    return e in _NOTHING or e in acc


def _only_under_test(
    text: str, m: re.Match[str], lead: re.Match[str], end: int, acc: tuple[str | None, ...]
) -> bool | int:
    """Whether nothing of the walk's expression runs outside the test that keeps the prefix: no
    ``||``/``??`` joining another selection, no ternary keeping both sides, nothing after a
    comma but the accumulator. In an ``if`` form, the offset where its head ends instead."""
    head = lead.string[lead.start("if") :] if lead.group("if") else lead.string
    floor = sum(head.count(c) for c in ")]}") - sum(head.count(c) for c in "([{")
    level, ternary, joined = 0, -1, -1
    for at, op in _ops(text, end):
        if op in "([{":
            level += 1
        elif op in ")]}":
            level -= 1
            if lead.group("if") and level == floor:
                return at + 1 if joined < 0 else False
            if level < floor:  # the expression ended (a ternary is judged at its ``:``)
                return ternary < 0 and (joined < 0 or _only_deletes(text[joined + 2 : at]))
        elif level > 0:
            continue
        elif op in ("||", "??") and m.groupdict().get("walk") in (None, "forEach"):
            joined = at if joined < 0 else joined  # ``k.startsWith(p) || …``: judged at the end
        elif op in ("||", "??", "else") or (joined >= 0 and op in "?:,"):
            return False
        elif op == "?":
            ternary = at
        elif op == ":" and ternary >= 0:
            tail = RX_BRANCH_END.match(text, at + 1)
            # the names the test does not hold for go to the other branch: it must keep nothing
            # (a ternary giving back nothing first was turned round by ``RX_TERNARY``)
            then, other = text[ternary + 1 : at], tail.group("expr") if tail else ""
            return tail is not None and not _simple(then, acc) and _simple(other, acc)
        elif op == ",":
            tail = RX_ACC_TAIL.match(text, at + 1)
            return tail is not None and tail.group("acc") in acc
        elif op == ";":
            return ternary < 0 and (joined < 0 or _only_deletes(text[joined + 2 : at]))
    return False


RX_COMPARE = re.compile(r"[!=]==?|[<>]=?")
RX_EFFECT = re.compile(r"[=(]|\+\+|--")


def _only_deletes(expr: str) -> bool:
    """Does an expression run for the other names only compare and delete (``t.startsWith(p) ||
    e[t] !== void 0 || delete process.env[t]``: next's restore of the environment)?"""
    rest = RX_COMPARE.sub(" ", expr)
    return "delete" in rest and RX_EFFECT.search(rest) is None


RX_BRANCH_END = re.compile(r"(?P<expr>[^,;:?(){}\[\]]{0,40})\s*[),;}]")
RX_ACC_TAIL = re.compile(r"\s*(?P<acc>[\w$]+)\s*\)")
RX_ELSE = re.compile(r"[\s;]*else\b")


def _statement_end(text: str, start: int) -> int | None:
    """Where the statement an ``if`` head governs ends (None: the body ends with it; -1: out of
    reach)."""
    level, seen = 0, False
    for at, op in _ops(text, start):
        if op in "([{":
            level += 1
        elif op in ")]}":
            level -= 1
            if level == 0 and op == "}" and text[start:at].lstrip().startswith("{"):
                return at + 1  # a block
            if level < 0:
                return None  # the body ended with the statement
        elif level == 0 and (op == ";" or (op == "\n" and seen)):
            return at + 1
        seen = seen or bool(text[start:at].strip())
    return -1


def _only_statement(text: str, start: int, block: bool, depth: int) -> bool:
    """After an ``if`` head keeping a prefix: its statement, no ``else``, and then the body ends
    (or another ``if`` keeping a prefix follows): ``if (k.startsWith(p)) a[k] = v; b[k] = v``
    keeps everything."""
    stop = _statement_end(text, start)
    if stop is None:
        return True
    if stop < 0 or RX_ELSE.match(text, stop):
        return False
    pos = RX_BETWEEN.match(text, stop, stop + SCAN_REACH).end()  # type: ignore[union-attr]
    if not block or text.startswith("}", pos):
        return True  # the body is over (a loop without braces has one statement)
    nxt = RX_NEXT_IF.match(text, pos)
    return nxt is not None and depth < MAX_NEXT_IFS and _keeps_one_prefix(text, nxt, depth + 1)


def _keeps_one_prefix(text: str, m: re.Match[str] | None, depth: int = 0) -> bool:
    """Whether a walk's first prefix test ``m`` (``RX_PREFIX_FILTER``, ``RX_LOOP_PREFIX``) keeps
    the variables of one non-empty prefix: a test that holds for the prefix's names keeps them,
    unless an early exit or a ternary giving back nothing follows it (it drops them then, and
    keeps every other variable); a negated test the other way round. Then nothing else of the
    walk may run for the other names (see ``_only_under_test``, ``_only_statement``)."""
    if m is None:
        return False
    found = _test_end(text, m)
    lead = RX_LEAD.fullmatch(_unescaped(m.group("lead")))
    if found is None or lead is None:
        return False  # no test of one non-empty prefix, or not what the walk does first
    end, positive = found
    start = m.start("test")
    if RX_NEGATED.search(text, max(0, start - 60), start):
        positive = not positive
    if lead.group("allow") and "!" in lead.group(0)[: lead.start("allow")]:
        positive = not positive  # ``!prefixes.some(p => k.startsWith(p))``
    cmp = RX_CMP_NEGATES.match(text, end)
    if cmp is not None:
        positive, end = not positive, cmp.end()
    exits = RX_EARLY_EXIT.match(text, end) is not None
    ternary = RX_TERNARY.match(text, end)
    acc = m.group("first", "ffirst") if m.groupdict().get("walk") == "reduce" else ()
    if ternary is not None:
        then = ternary.group("then")
        exits = exits or then in _NOTHING or then in acc
    if positive == exits:
        return False
    if exits:
        return True  # what follows runs for the prefix's names only
    judged = _only_under_test(text, m, lead, end, acc)
    if isinstance(judged, bool):
        return judged
    block = depth > 0 or bool(lead.group("block") or m.groupdict().get("brace"))
    block = block or bool(m.groupdict().get("fbrace"))
    return _only_statement(text, judged, block, depth)


MAX_DUMPS = 50


def _inside_sink(text: str, at: int) -> bool:
    """Is ``at`` inside a sink's argument or value (same statement, the sink's bracket still
    open, no comma closing a ``body:`` value)?"""
    lo = max(0, at - SINK_BACK)
    semi = text.rfind(";", lo, at)
    window = text[semi + 1 if semi >= 0 else lo : at]
    for sink in reversed(list(RX_SINK.finditer(window))):
        level, closed = 0, False
        for _at, op in _ops(window, sink.end()):
            if op in "([{":
                level += 1
            elif op in ")]}":
                level -= 1
                closed = closed or level < 0
            elif op == "," and level == 0 and sink.group(0).endswith(":"):
                closed = True
        if not closed:
            return True
    return False


def _holder(text: str, at: int) -> tuple[str, int] | None:
    """The variable the environment object at ``at`` is put in (``const loot = {...process.env``,
    ``result.env = process.env``, ``Object.assign(loot, process.env)``), if any: the nearest
    assignment of the statement whose value holds it in object literals only (not in a call or
    an array, not past its end: ``var {CI} = process.env, check = …`` puts it nowhere)."""
    lo = max(0, at - SINK_BACK)
    semi = text.rfind(";", lo, at)
    for holder in reversed(list(RX_HOLDER.finditer(text, semi + 1 if semi >= 0 else lo, at))):
        value = RX_COPY_CALL.sub("", text[holder.end() : at])  # the copy is what is given
        opened: list[str] = []  # the value's brackets still open at the environment
        for _at, op in _ops(value, 0):
            if op in "([{":
                opened.append(op)
            elif op in ")]}":
                if not opened:
                    return None  # the value ended before the environment
                opened.pop()
        if all(op == "{" for op in opened):
            return holder.group("name") or holder.group("target"), holder.start()
    return None


def _scope_end(text: str, at: int) -> int:
    """Where the block holding ``at`` closes, within ``HOLDER_REACH`` characters: a minified
    bundle gives the same short name to variables of other functions."""
    level, end = 0, min(len(text), at + HOLDER_REACH)
    for tok in RX_TOKEN.finditer(text, at, end):
        op = tok.group("op")
        if op is not None and op in "([{":
            level += 1
        elif op is not None and op in ")]}":
            level -= 1
            if level < 0:
                return tok.start()
    return end


def _holder_sent(text: str, name: str, start: int) -> int | None:
    """The first use of the holder ``name``, whole (not ``env.options``), inside a sink
    (``req.end(JSON.stringify(loot))``) among its first ``MAX_HOLDER_USES`` uses after its
    assignment at ``start``, in the same block (``_scope_end``)."""
    whole = rf"(?<![\w$.]){re.escape(name)}(?![\w$]|\s*(?:\??\.|\[))"
    uses = re.compile(whole).finditer(text, start, _scope_end(text, start))
    for use in islice(uses, MAX_HOLDER_USES):
        if _inside_sink(text, use.start()):
            return use.start()
    return None


def _first_dump(
    text: str, for_ins: Iterator[re.Match[str]], dumps: Iterator[re.Match[str]]
) -> int | None:
    """The first walk or dump of the environment that keeps more than one prefix's variables."""
    for m in for_ins:
        if not _keeps_one_prefix(text, RX_LOOP_PREFIX.match(text, m.end())):
            return m.start()
    for m in dumps:
        if _keeps_one_prefix(text, RX_PREFIX_FILTER.match(text, m.end())):
            continue
        loop = RX_FOR_OF_HEAD.search(text, max(0, m.start() - 60), m.start())
        if loop is None or not _keeps_one_prefix(text, RX_LOOP_PREFIX.match(text, m.end())):
            return m.start()
    return None


# The environment object under another name: destructured (``const { env } = process``, ``const
# { env: e } = require('node:process')``), imported (``import { env as e } from 'node:process'``)
# or kept whole (``const e = process.env;``). Each name is then judged as the object itself, in
# its scope (``_scope_end``): walked, dumped or sent.
RX_ENV_DESTRUCTURED = re.compile(
    r"\}\s*=\s*(?:(?:globalThis|global)\.)?"
    r"(?:process\b(?!\s*(?:\.|\[|\?\.))|require\(\s*['\"](?:node:)?process['\"]\s*\))"
)
RX_ENV_IMPORTED = re.compile(r"\}\s*from\s*['\"](?:node:)?process['\"]")
RX_ENV_MEMBER = re.compile(r"\s*env\s*(?:(?::|\bas\b)\s*(?P<name>[\w$]+)\s*)?")
# (Found from the object, ``process.env;``, then the declaration looked for right before it.)
RX_ENV_KEPT = re.compile(r"process(?:\.env\b|\[\s*['\"`]env['\"`]\s*\])(?=\s*[;,\n])")
RX_KEPT_HEAD = re.compile(
    r"\b(?:const|let|var)\s+([\w$]+)\s*=\s*(?:(?:globalThis|global|window|self)\.)?$"
)
MAX_ALIASES = 10
ALIAS_BACK = 200  # characters back from ``} = process`` to its ``{``


def env_aliases(text: str) -> list[tuple[str, int]]:
    """(name, offset after its binding) of the environment object's other names."""
    if "process" not in text:
        return []
    out: list[tuple[str, int]] = []
    bound = [
        *islice(RX_ENV_DESTRUCTURED.finditer(text), MAX_ALIASES),
        *islice(RX_ENV_IMPORTED.finditer(text), MAX_ALIASES),
    ]
    for m in bound:
        brace = text.rfind("{", max(0, m.start() - ALIAS_BACK), m.start())
        inner = text[brace + 1 : m.start()] if brace >= 0 else "{"
        if "{" in inner or "}" in inner:
            continue  # a nested pattern or no brace in reach: not read
        for part in inner.split(","):
            member = RX_ENV_MEMBER.fullmatch(part)
            if member is not None:
                out.append((member.group("name") or "env", m.end()))
    for m in islice(RX_ENV_KEPT.finditer(text), MAX_ALIASES):
        head = RX_KEPT_HEAD.search(text, max(0, m.start() - 80), m.start())
        if head is not None:
            out.append((head.group(1), m.end()))
    return out[:MAX_ALIASES]


# Entries of an ignore list: credential paths listed beside them are being left out, not read.
# Beside the usual ones, folders no stealer wants (test fixtures and mocks, Python and Bower
# caches, virtual environments): a code indexer's list of folders it never walks.
RX_SKIP_LIST = re.compile(
    r"['\"`/]node_modules['\"`/]|\.DS_Store\b|Thumbs\.db\b|['\"`]\.git['\"`]"
    r"|['\"`](?:__pycache__|__mocks__|__fixtures__|bower_components|\.pytest_cache|\.mypy_cache"
    r"|\.tox|\.venv)['\"`]"
)
SKIP_REACH = 200  # characters around a credential path

# Host names with a bounded tail ([\w.-]{0,100}): an unbounded one is quadratic on a long run of
# repeated host names in a minified bundle. Burp's collaborator answers at oastify.com, interactsh
# at interactsh.com and oast.*; dnslog.cn, ceye.io and requestrepo.com log DNS and HTTP callbacks
# (oastify.com and dnslog.cn are in 869 of 20,000 OSSF malicious npm records).
RX_EXFIL_HOST = rx(
    r"webhook\.site|\.pipedream\.net|requestbin\.|hookbin\.|beeceptor\.com"
    r"|discord(?:app)?\.com[\w.-]{0,100}/api/(?:v\d{1,2}/)?webhooks"
    r"|api\.telegram\.org[\w.-]{0,100}/bot"
    r"|pastebin\.com[\w.-]{0,100}/(?:api|raw)|paste\.ee\b|hastebin\.|ghostbin\."
    r"|transfer\.sh\b|0x0\.st\b|ngrok(?:-free)?\.(?:io|app)\b|interact(?:sh\.com|\.sh)\b"
    r"|oast\.(?:fun|me|pro|live|site|online)\b|burpcollaborator\.net|oastify\.com\b"
    r"|canarytokens\.com|dnslog\.cn\b|ceye\.io\b|requestrepo\.com\b",
    anchors=("webhook.site", "pipedream", "requestbin", "hookbin", "beeceptor",
             "/webhooks", "api.telegram.org", "pastebin", "paste.ee", "hastebin",
             "ghostbin", "transfer.sh", "0x0.st", "ngrok", "interact.sh", "interactsh.com",
             "oast.", "burpcollaborator", "oastify.com", "canarytokens", "dnslog.cn", "ceye.io",
             "requestrepo.com"),
)  # fmt: skip
MAX_HOSTS = 200  # collection-host matches looked at per file
# A read of the Telegram Bot API: a ``get…`` method (method names are case-insensitive) after the
# bot's token, given whole, as one expression or as a placeholder
# (``/bot${params.token}/getChat?…``, ``/bot<bot_token>/getUpdates`` in help text). It returns
# the bot's own data; what it is given reaches no chat the bot's owner reads (a drop posts with
# ``sendMessage``, ``sendDocument``…). A method put together at run time is not known.
RX_BOT_API_READ = re.compile(
    r"api\.telegram\.org[\w.-]{0,100}/bot(?:\$?\{[^{}`'\"\s]{1,120}\}|[^/\s'\"`{}$]{1,120})"
    r"/(?i:get)\w{1,40}(?![\w$])"
)


# A quoted bare domain followed by a comma, or a key (``{"ngrok.io":true, …}``, tough-cookie 2's
# suffix table): an entry of a domain table (its quotes may be escaped: a JSON table kept in a
# string literal, ``"[\\"ngrok.io\\",…]"``, as vercel's CLI bundles the public suffix list).
RX_DOMAIN_ITEM = re.compile(r"\\{0,3}['\"][a-z0-9][a-z0-9.-]{0,60}\.[a-z]{2,}\\{0,3}['\"]\s*[,:]")
# The host named as such an entry, the table's last one too.
RX_DOMAIN_ENTRY = re.compile(r"['\"][a-z0-9][a-z0-9.-]{0,60}\.[a-z]{2,}\\{0,3}['\"]\s*[,\]:]")
ITEM_BACK = 70  # characters back from a host to the opening quote of the table entry it is
TABLE_REACH = 300  # characters either side of a host
TABLE_MIN = 8  # domain entries around a host that make it a table entry


def _not_destination(text: str, at: int) -> bool:
    """Is the host at ``at`` named as no destination: the tail of a wildcard pattern
    (``*.ngrok-free.app`` in allowed origins) or an entry of a domain table (a public suffix
    list bundled by a URL library holds ngrok.io, pipedream.net...)?"""
    if text[max(0, at - 2) : at] == "*." or text[at - 1 : at] == "*":
        return True
    # the host is a whole entry itself (a URL with a scheme or a path among domains is sent to)
    if not any(
        m.start() <= at < m.end()
        for m in RX_DOMAIN_ENTRY.finditer(text, max(0, at - ITEM_BACK), at + ITEM_BACK)
    ):
        return False
    window = text[max(0, at - TABLE_REACH) : at + TABLE_REACH]
    return len(RX_DOMAIN_ITEM.findall(window)) >= TABLE_MIN


# A repository created: the REST endpoint (after a quote, a space, ``POST``, the end of a template's
# base URL, ``${API}/user/repos``), Octokit's method, the GraphQL mutation, the ``gh`` CLI
# (``gh repo create``, ``gh api -X POST user/repos``, or ``'gh', ['repo', 'create'``); or a runner
# registration token requested.
RX_GH_REPO = rx(
    r"(?:['\"`\s}]|POST\s+)/?user/repos\b|api\.github\.com[\w.-]{0,100}/user/repos"
    r"|createForAuthenticatedUser\b|/actions/runners/registration-token"
    r"|createRegistrationTokenFor(?:Repo|Org)\b|createRepository\s*\(\s*input\b"
    r"|gh(?:\.exe)?(?:\s+|['\"`]\s*,\s*\[\s*['\"`])repo(?:\s+|['\"`]\s*,\s*['\"`])create\b",
    anchors=("user/repos", "createforauthenticateduser", "registration-token",
             "createregistrationtoken", "createrepository", "repo create", "repo'", 'repo"',
             "repo`"),
)  # fmt: skip
RX_GH_TOKEN_SRC = rx(
    r"GITHUB_TOKEN\b|GH_TOKEN\b|gh\s+auth\s+token\b|ghp_|gho_|\.git-credentials\b"
    r"|\.config[/\\]+gh[/\\]+hosts\.yml",
    anchors=("github_token", "gh_token", "auth token", "ghp_", "gho_", ".git-credentials",
             "hosts.yml"),
)  # fmt: skip
# The writes JavaScript makes itself; the other forms of ``RX_FS_WRITE`` are a shell's.
RX_JS_WRITE = re.compile(r"writeFile|appendFile|createWriteStream|Bun\.write")
RX_FS_WRITE = rx(
    r"writeFile(?:Sync)?\s*\(|appendFile(?:Sync)?\s*\(|createWriteStream\s*\(|Bun\.write\s*\("
    r"|>>\s*['\"~$/]|Out-File\b|Set-Content\b|Add-Content\b|tee\s+(?:-a|--append)\b",
    anchors=("writefile", "appendfile", "createwritestream", "bun.write", ">> ", ">>'", '>>"',
             ">>~", ">>$", ">>/", "out-file", "set-content", "add-content", "tee -a",
             "tee --append"),
)  # fmt: skip
# ``(?:bash|sh)`` rather than ``(?:ba)?sh``: the same matches, but ``re`` can skip ahead to a "b"
# or an "s" instead of trying every position (5x faster on big bundles).
RX_FETCH_PIPE = rx(
    r"(?:curl|wget)\b[^\n'\"`|;&]{0,200}\|\s*(?:sudo\s+)?(?:(?:ba|z|da|k)?sh|node|python3?|perl|ruby|bun)\b"
    r"|(?:iwr|irm|IWR|IRM|Invoke-WebRequest|Invoke-RestMethod|DownloadString)\b[^\n'\"`]{0,200}"
    r"(?:\|\s*(?:iex|IEX|Iex)\b|Invoke-Expression)"
    r"|(?:curl|wget)\b[^\n;&]{0,200}(?:&&|;)\s*(?:chmod\s+\+x|(?:ba)?sh\s|python3?\s|node\s|\.?/tmp/)"
    r"|(?:bash|sh)\s+-c\s+[\"']?\$\(\s*(?:curl|wget)\b|(?:bash|sh)\s+<\(\s*(?:curl|wget)\b"
    r"|(?:powershell|PowerShell|POWERSHELL)(?:\.exe)?\b[^\n'\"`]{0,80}\s"
    r"-(?:e|ec|enc|encodedcommand|E|EC|Enc|ENC|EncodedCommand)\s+[A-Za-z0-9+/=]{16,}"
    # a download saved to a file, then that file run: in the same command line or the next call
    # (``curl -o /tmp/s.sh URL; sh /tmp/s.sh``, ``execSync('wget -qO x URL'); execSync('bash x')``)
    r"|(?:curl|wget)\b[^\n'\"`]{0,200}?\s(?:-[a-zA-Z]*[oO]|--output(?:-document)?)(?:=|\s+)['\"]?"
    r"(?P<saved>[\w.~${}/\\-]{2,120}+)(?<!-)[\s\S]{0,300}?"
    r"(?:(?:(?:ba|z|da|k)?sh|source|node|python3?|chmod\s+(?:[ugoa]*\+x|[0-7]{3,4}))\s+['\"]?"
    r"|(?:[;&|]|(?:exec\w*|spawn\w*|execa\w*)\(\s*['\"`])\s*)(?P=saved)(?![\w./\\-])"
    r"|(?:iwr|Invoke-WebRequest|curl\.exe|wget)\b[^\n]{0,200}?-OutFile\s+['\"]?(?P<out>[^\s'\";]{2,120})"
    r"[\s\S]{0,300}?(?:Start-Process|&|\.)\s+['\"]?(?P=out)(?![\w./\\-])",
    anchors=("curl ", "wget ", "|iex", "| iex", "invoke-expression", "powershell", "-outfile"),
)  # fmt: skip
# A command line (also after ``;`` or ``&&``; PowerShell's ``Stop-Computer``), or a program and
# its first argument given apart (``spawn('shutdown', ['-h', 'now'])``); ``systemctl poweroff`` is
# ``poweroff``.
RX_SHUTDOWN = rx(
    r"(?:['\"`>;]|&&|\\n)\s*(?:sudo\s+)?(?:shutdown\s+(?:-[hrP]\b|/[srp]\b|now\b)|poweroff\b|halt\s+-[fp]"
    r"|reboot\s+-f\b|init\s+0\b|systemctl\s+(?:poweroff|halt)\b|Stop-Computer\b"
    r"|Restart-Computer\s+-Force\b)"
    r"|['\"]shutdown(?:\.exe)?['\"]\s*,\s*\[\s*['\"](?:-[hrP]|/[srp]|now)['\"]",
    anchors=("shutdown -", "shutdown /", "shutdown now", "poweroff", "halt -", "reboot -f",
             "init 0", "systemctl halt", "shutdown'", 'shutdown"', "shutdown.exe'",
             'shutdown.exe"', "stop-computer", "restart-computer"),
)  # fmt: skip


# The alternatives of RX_EVAL_SINK, each searched alone (a literal-led pattern is a fast search;
# the lookbehind alternation is tried at every position), merged in order of position. True: not
# a sink when a word character, ``$`` or ``.`` comes right before (``isFunction(``, ``o.eval(``).
_SINK_PARTS: tuple[tuple[str, re.Pattern[str], bool], ...] = (
    ("eval", re.compile(r"eval\s*\("), True),
    # the global eval reached another way (an indirect call evaluates in the global scope):
    # ``(0, eval)(``, ``globalThis.eval(``, ``window['eval'](``
    (
        "eval",
        re.compile(
            r"\(\s*0\s*,\s*eval\s*\)\s*\("
            r"|(?:globalThis|global|window|self)\s*(?:\.\s*eval|\[\s*['\"`]eval['\"`]\s*\])\s*\("
        ),
        True,
    ),
    ("Function", re.compile(r"new\s+Function\s*\("), True),
    ("Function", re.compile(r"Function\s*\("), True),
    ("Script", re.compile(r"new\s+(?:vm\.)?Script\s*\("), True),
    ("vm.", re.compile(r"vm\.(?:runIn\w+|compileFunction)\s*\("), False),
    ("runIn", re.compile(r"runIn(?:This|New)?Context\s*\("), False),
    ("_compile", re.compile(r"\._compile\s*\("), False),
)


def _sink_part(text: str, part: re.Pattern[str], bounded: bool) -> Iterator[re.Match[str]]:
    for m in part.finditer(text):
        at = m.start()
        if bounded and at > 0:
            before = text[at - 1]
            if before.isalnum() or before in "_$.":
                continue
        yield m


# A bare ``new Script(`` is vm's only in a file that names the vm module, unless the last
# binding of ``Script`` before the call (within ``OWN_SCRIPT_BACK``) is the file's own
# (``function Script``, ``class Script``, ``Script = function``), not vm's (``{ Script } =
# require('vm')``, ``import { Script } from 'node:vm'``): bitcore-lib 11.5.1's ``new
# Script(Buffer.from(str, 'hex'))`` builds a Bitcoin script with its own ``var Script = function
# Script(from)``, also in its browserify bundle that holds vm's shim.
RX_VM_NAMED = re.compile(r"""['"`](?:node:)?vm['"`]|(?<![\w$])vm\.""")
RX_SCRIPT_BINDING = re.compile(
    r"(?P<own>(?:function|class)\s+Script\b|(?<![\w$.])Script\s*=\s*function\b)"
    r"|\bScript\b[^;\n]{0,80}?(?:=\s*require\(|\bfrom)\s*['\"`](?:node:)?vm['\"`]"
)
OWN_SCRIPT_BACK = 50_000


def _vm_scripts(text: str, found: Iterator[re.Match[str]]) -> Iterator[re.Match[str]]:
    named: bool | None = None
    for m in found:
        if "vm." in m.group(0):
            yield m
            continue
        if named is None:
            named = RX_VM_NAMED.search(text) is not None
        if not named:
            continue
        bindings = RX_SCRIPT_BINDING.finditer(text, max(0, m.start() - OWN_SCRIPT_BACK), m.start())
        last = deque(bindings, maxlen=1)
        if not last or last[0].group("own") is None:
            yield m


def sinks(t: TextView) -> Iterator[re.Match[str]]:
    """eval / Function / vm / _compile call sites, in order (word-bounded where it matters)."""
    if not t.may(RX_EVAL_SINK):
        return
    text = t.text
    parts = [
        _vm_scripts(text, _sink_part(text, rx_, b)) if lit == "Script" else _sink_part(text, rx_, b)
        for lit, rx_, b in _SINK_PARTS
        if lit in text
    ]
    end = -1
    for m in heapq.merge(*parts, key=lambda m: m.start()):
        if m.start() >= end:  # one call site once (``new Function(`` holds ``Function(``)
            end = m.end()
            yield m


def first_sink(t: TextView) -> int | None:
    for m in sinks(t):
        return m.start()
    return None


def near_sink(t: TextView, start: int, end: int, reach: int = 4000) -> bool:
    """Is an eval-like or process sink within ``reach`` characters of [start, end)?"""
    near = plain_view(t.text[max(0, start - reach) : start] + "\n" + t.text[end : end + reach])
    return first_sink(near) is not None or near.find(RX_PROC) is not None


# A comment line: ``//``, ``#`` (a shell or Python comment, not ``#!`` or a private field
# ``#name``), or a block comment's ``/*`` / `` * `` line. Lines end at a newline or at a ``\n``
# escape: a shell script kept in a string literal (a completion template) has its own comments.
RX_COMMENT_LEAD = re.compile(r"[ \t]*(?://|#(?=[\s#]|$)|/?\*)")
LINE_REACH = 400  # characters back to the line's start; a longer line is taken as code
RX_QUOTE = re.compile(r"[\"'`]")


def in_comment_line(text: str, at: int) -> bool:
    """Is ``at`` on a comment line (see ``RX_COMMENT_LEAD``), so that nothing there runs?"""
    return comment_lead(text, at) is not None


def comment_lead(text: str, at: int) -> str | None:
    """The lead of the comment line ``at`` is on (``//``, ``#``, ``*``…; see ``RX_COMMENT_LEAD``),
    or None when it is on no comment line."""
    lo = max(0, at - LINE_REACH)
    newline = text.rfind("\n", lo, at)
    escaped = text.rfind("\\n", lo, at)
    start = max(newline + 1 if newline >= 0 else -1, escaped + 2 if escaped >= 0 else -1)
    if start < 0:
        if lo > 0:
            return None  # the line's start is out of reach: a minified line is code
        start = 0
    prefix = text[start:at]
    m = RX_COMMENT_LEAD.match(prefix)
    if m is None:
        return None
    if escaped >= 0 and start == escaped + 2 and RX_QUOTE.search(prefix):
        # a quote after the ``\n`` escape may close the string: ``"\n# "; exec(...)`` is code
        return None
    if m.group(0).endswith("*") and "*/" in prefix:  # ``/* x */ code`` is code
        return None
    return m.group(0).strip()


# Closed string literals (quotes, backquotes without nesting) and parentheses: what lies inside a
# call's argument list up to the ``)`` that closes it.
RX_CLOSED = re.compile(
    r"""'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`|(?P<br>[()])"""
)


def paren_close(text: str, start: int, stop: int) -> int | None:
    """The offset of the ``)`` that closes a parenthesis open just before ``start`` (read up to
    ``stop``, closed literals skipped), or None when it is still open there."""
    depth = 0
    for tok in RX_CLOSED.finditer(text, start, stop):
        br = tok.group("br")
        if br is not None:
            depth += 1 if br == "(" else -1
            if depth < 0:
                return tok.start()
    return None


LITERAL_REACH = 2000  # characters forward to a literal's closing quote; past them it is code


def line_unread(text: str, at: int) -> bool:
    """Does ``at``'s line start more than ``LINE_REACH`` characters back (a line
    ``string_literal_at`` does not read, and takes as code)?"""
    lo = at - LINE_REACH
    return lo > 0 and text.rfind("\n", lo, at) < 0


def string_literal_at(text: str, at: int) -> tuple[int, int] | None:
    """The ``[start, end)`` of the string literal that holds ``at``, its quotes included, read
    from the start of ``at``'s line (``'``, ``"`` and backquotes, backslash escapes); None when
    ``at`` is code: outside a literal, after a ``//`` on its line, on a line whose start is more
    than ``LINE_REACH`` back, in a literal not closed within ``LITERAL_REACH`` (``'`` and ``"`` on
    the same line), or in a template literal with a ``${`` (its expressions run)."""
    lo = max(0, at - LINE_REACH)
    newline = text.rfind("\n", lo, at)
    if newline < 0 and lo > 0:
        return None
    i, quote, start = newline + 1, "", -1
    while i < at:
        ch = text[i]
        if not quote:
            if ch in "'\"`":
                quote, start = ch, i
            elif text.startswith("//", i):
                return None
        elif ch == "\\":
            i += 1
        elif ch == quote:
            quote = ""
        i += 1
    return _literal_end(text, at, quote, start) if quote else None


def _literal_end(text: str, at: int, quote: str, start: int) -> tuple[int, int] | None:
    i, stop = at, min(len(text), at + LITERAL_REACH)
    while i < stop:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == quote:
            if quote == "`" and "${" in text[start:i]:
                return None
            return start, i + 1
        if ch == "\n" and quote != "`":
            return None
        i += 1
    return None


MAX_LIVE = 50  # matches looked at per file for one outside a comment


def first_live(
    t: TextView, rx_: re.Pattern[str], note: Callable[[str, int], bool] = in_comment_line
) -> int | None:
    """Offset of the first match of ``rx_`` outside a comment line (see ``in_comment_line``, or
    ``note``); a match in the decoded view (a hidden name) always counts, at the offset of its
    literal."""
    text = t.text
    first = t.find(rx_)  # the fast search (branch by branch); most first matches are code
    if first is not None and not note(text, first.start()):
        return first.start()
    if first is not None:
        for m in t.matches(rx_, MAX_LIVE):
            if not note(text, m.start()):
                return m.start()
    hidden = next(t.matches(rx_, 1, decoded=True), None)
    return t.map_decoded(hidden.start()) if hidden is not None else None


# The functions that start a process with a command they are given.
PROCESS_FN = (
    r"(?:exec(?:Sync|File|FileSync|a|aSync|aCommand|aCommandSync)?|spawn(?:Sync)?|system|sexec"
    r"|fork)"
)
RX_PROCESS_CALL = re.compile(r"\b" + PROCESS_FN + r"\)?\s*\(")
RX_ZX_CALL = re.compile(r"\$`")
# A module reached by a name computed at run time (``require('child' + '_process')``, ``import(
# name)``) or through a back door (``process.mainModule.require``, ``module.require``,
# ``module.constructor._load``, ``process.getBuiltinModule``, ``process.binding('spawn_sync')``, a
# global read by a computed key): what it starts cannot be told from the text.
RX_COMPUTED_LOADER = re.compile(
    r"""(?<![\w$.])(?:require|import)\s*\(\s*(?!['"][^'"\\\n]*['"]\s*\)|\))"""
)
RX_BACK_DOOR = re.compile(
    r"\b(?:mainModule|getBuiltinModule|_linkedBinding|_load)\b"
    r"|\bprocess\s*\.\s*binding\b|\bmodule\s*\.\s*(?:require|constructor)\b"
    r"|(?<![\w$.])(?:globalThis|global)\s*\["
)
# The rest of a method's or function's head (``async exec (args) {``, a minified ``exec(e){``,
# ``function spawn(opts) {``): a definition of that name, which starts nothing; the calls in its
# body are matches of their own. A call is never followed by ``{`` on its line.
RX_DEFINITION_REST = re.compile(r"[^()\n]*\)[ \t]*\{")


def _calls_process(text: str) -> bool:
    """Does ``text`` call a function that starts a process (``RX_PROCESS_CALL``, not a definition
    of one of those names)? Past ``MAX_LIVE`` definitions the next match counts."""
    for n, m in enumerate(islice(RX_PROCESS_CALL.finditer(text), MAX_LIVE + 1)):
        if n == MAX_LIVE or RX_DEFINITION_REST.match(text, m.end()) is None:
            return True
    return False


# A table's entry holding a command: its key, right before the string.
RX_ENTRY_KEY = re.compile(
    r"""(?:(?<![\w$])(?P<key>[A-Za-z_$][\w$]*)|['"](?P<qkey>[\w$:-]+)['"])\s*:\s*['"`][^'"`\n]*$"""
)
# A test's expected value: the assertion's argument, right before the string.
RX_EXPECTED_ARG = re.compile(
    r"""\.(?:toBe|toEqual|toStrictEqual|toContain|toMatch|equal|strictEqual|deepEqual"""
    r"""|deepStrictEqual|eql)\(\s*['"`][^'"`\n]*$"""
)
ENTRY_KEY_REACH = 80  # characters back from a command to its entry's key or assertion
# An element of an entry's array (``setup: ["# Install the agent:", "curl … | bash"].join("\\n")``,
# a local app's setup lines): the key, ``[``, the elements before it (closed literals; a template's
# ``${…}`` without nesting), then the string. What runs the lines is elsewhere, as for the entry.
_CLOSED_LITERAL = (
    r"""'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\$]|\\.|\$\{[^{}`]*\}|\$(?!\{))*`"""
)
RX_ENTRY_ELEMENT = re.compile(
    r"""(?:(?<![\w$])[A-Za-z_$][\w$]*|['"][\w$:-]+['"])\s*:\s*\[\s*"""
    rf"""(?:(?:{_CLOSED_LITERAL})\s*,\s*)*(?P<open>['"`])[^'"`\n]*$"""
)
ELEMENT_REACH = 400  # characters back from a command to its array's key
# The rest of that array joined into one text (``…, "curl … | sh", "echo done"].join("\\n")``): its
# lines are shown or handed on as one string, as an entry's value is. An array left as it is can be
# run element by element by what it is given to (``cfg.setup.forEach(run)``,
# ``require('./run')(cfg.setup)``), and that runner may be out of the file's sight.
RX_ELEMENTS_JOINED = re.compile(
    rf"""(?:{_CLOSED_LITERAL})(?:\s*,\s*(?:{_CLOSED_LITERAL}))*\s*,?\s*\]\s*\.\s*join\s*\("""
)
JOIN_REACH = 4000  # characters from the command's literal to its array's ``].join(``


# Characters either side of a ``#`` line held in JavaScript within which what may cut it off and
# run it counts (``FileSignals.runs_near``): one module of a bundle, as sabotage's PAYLOAD_REACH.
NOTE_REACH = 4000


def _proc_at(t: TextView) -> int | None:
    """Where ``t`` reaches child_process (``RX_PROC``; a module name computed at run time or a
    hidden name stands in for it), or None."""
    found = t.search(RX_PROC)
    if found is None:
        dyn = t.find(RX_DYN_REQUIRE)
        found = dyn.start() if dyn is not None else t.strong_decoded
    return found


def _starts_nothing(t: TextView, proc: int | None, sink: int | None) -> bool:
    """Does view ``t``, given its ``_proc_at`` and ``first_sink``, start no process, evaluate
    nothing and load no module through a back door (``RX_BACK_DOOR``)?"""
    return (
        proc is None
        and sink is None
        and not _calls_process(t.text)
        and RX_ZX_CALL.search(t.text) is None
        and RX_BACK_DOOR.search(t.text) is None
    )


def _runs_nothing(t: TextView) -> bool:
    """``FileSignals.runs_nothing`` of view ``t``."""
    return _starts_nothing(t, _proc_at(t), first_sink(t)) and not RX_COMPUTED_LOADER.search(t.text)


_T = TypeVar("_T")


class _Once(Generic[_T]):
    """A signal computed on first use and then kept in the instance (``functools.cached_property``
    without the lock Python 3.11 takes on every first use: about 1.3 µs, a few hundred times per
    package). A ``FileSignals`` lives in one thread."""

    def __init__(self, func: Callable[[FileSignals], _T]) -> None:
        self.func = func
        self.name = func.__name__

    def __get__(self, obj: FileSignals, owner: type[FileSignals] | None = None) -> _T:
        value = self.func(obj)
        obj.__dict__[self.name] = value  # shadows this descriptor from now on
        return value


class FileSignals:
    """One file as the detectors see it: its view, install-time or not, and shared signals."""

    def __init__(
        self, t: TextView, install: bool, tasks: frozenset[str] = frozenset(), js: bool = False
    ) -> None:
        self.t = t
        self.text = t.text
        self.install = install
        # the task words the install hooks give the files they run (``install.install_tasks``)
        self.tasks = tasks
        # JavaScript or TypeScript (``files.is_javascript``); not a shell or other script, nor
        # an install command, where every line runs
        self.js = js

    @_Once
    def net(self) -> int | None:
        return self.t.search(RX_NET)

    @_Once
    def proc(self) -> int | None:
        return _proc_at(self.t)

    @_Once
    def eval_sink(self) -> int | None:
        return first_sink(self.t)

    @_Once
    def fs_write(self) -> bool:
        """Does the file write a file? A write on a comment line is a note (a completion
        script's ``# Installation: nx completion zsh >> ~/.zshrc``), and a shell's append or
        PowerShell's writer in JavaScript that starts no process is text (a help example
        ``'… --stdout >> ~/.bash_profile'``, a completion list's ``['>>', '~/.zshrc']``): only
        a shell given it writes, and this file starts none. Past ``MAX_LIVE`` such matches the
        next one counts (many decoys hide nothing)."""
        first = self.t.find(RX_FS_WRITE)  # the fast search; most first matches are code
        if first is None:
            return False
        if not self._no_write(first):
            return True
        for n, m in enumerate(self.t.matches(RX_FS_WRITE, MAX_LIVE + 1)):
            if n == MAX_LIVE or not self._no_write(m):
                return True
        return False

    def _no_write(self, m: re.Match[str]) -> bool:
        """Is this write match a note on a comment line, or a shell's or PowerShell's write
        (``>>``, ``tee -a``, ``Out-File``…) held in JavaScript that starts no process?"""
        if self.note(self.text, m.start()):
            return True
        return self.js and RX_JS_WRITE.match(m.group(0)) is None and self.runs_nothing_at(m.start())

    def note(self, text: str, at: int) -> bool:
        """Is ``at`` on a comment line that is a note? JavaScript has no ``#`` comment: there such
        a line is a shell script's, held in a string, and a note only while nothing near it
        starts a process or evaluates code (else the ``# `` may be cut off and the line run;
        see ``runs_near``)."""
        lead = comment_lead(text, at)
        return lead is not None and not (lead == "#" and self.js and self.runs_near(at))

    @_Once
    def starts_nothing(self) -> bool:
        """Does the file start no process (no ``child_process``, ``exec(``/``spawn(``-like call
        or zx template, no module loaded through a back door (``RX_BACK_DOOR``), no hidden
        name) and evaluate no code?"""
        return _starts_nothing(self.t, self.proc, self.eval_sink)

    @_Once
    def runs_nothing(self) -> bool:
        """``starts_nothing``, and no module loaded by a name computed at run time
        (``RX_COMPUTED_LOADER``) anywhere in the file?"""
        return self.starts_nothing and RX_COMPUTED_LOADER.search(self.text) is None

    def runs_nothing_at(self, at: int) -> bool:
        """``starts_nothing``, and no module loaded by a computed name within ``NOTE_REACH``
        characters of ``at``: text held in JavaScript (a shell's append, a bracketed hint, a
        table's command) is run through such a loader beside it; a plugin or a configuration
        loaded by its name elsewhere in the file (karma 6.0.0 ``lib/cli.js``:
        ``require(options.formatError)``, 8 KB from its help line ``$0 completion >>
        ~/.bashrc``) runs no text of it."""
        if self.runs_nothing:
            return True
        lo = max(0, at - NOTE_REACH)
        return (
            self.starts_nothing
            and RX_COMPUTED_LOADER.search(self.text, lo, at + NOTE_REACH) is None
        )

    def runs_near(self, at: int) -> bool:
        """Does the file hide a dangerous name, or start a process or evaluate code (as
        ``runs_nothing`` reads it) within ``NOTE_REACH`` characters of ``at``? What cuts a
        ``#`` line off a shell script held in a string and runs it is that string's module; in
        a bundle other modules start processes of their own (yargs' completion template,
        ``# Installation: {{app_path}} {{completion_command}} >> ~/.bashrc``, bundled in
        @google/gemini-cli 0.61.0, 95 KB from the bundle's ``child_process``)."""
        if self.runs_nothing:
            return False
        if self.t.strong_decoded is not None:
            return True
        return not _runs_nothing(plain_view(self.text[max(0, at - NOTE_REACH) : at + NOTE_REACH]))

    def held_as_data(self, at: int) -> bool:
        """Is the command at ``at`` the string value of an entry (an option's default,
        ``publishCommand: 'npm publish'``, ``setup: "curl … | sh"``), an element of an entry's
        array joined into one text (``setup: ["# Install:", "curl … | sh"].join("\\n")``) or a
        test's expected value (``expect(s.setup).toBe("curl … | sh")``) in a file that runs
        nothing? What runs it is elsewhere, if anywhere. Only in JavaScript: in a shell script
        ``echo step: "$(npm publish)"`` runs it."""
        if not (self.js and self.runs_nothing_at(at)):
            return False
        start = max(0, at - ENTRY_KEY_REACH)
        return (
            RX_ENTRY_KEY.search(self.text, start, at) is not None
            or RX_EXPECTED_ARG.search(self.text, start, at) is not None
            or self._joined_element(at)
        )

    def _joined_element(self, at: int) -> bool:
        """Is the command at ``at`` in an element of an entry's array of literals that is joined
        into one text (``setup: ["# Install:", "curl … | sh"].join("\\n")``)?"""
        m = RX_ENTRY_ELEMENT.search(self.text, max(0, at - ELEMENT_REACH), at)
        if m is None:
            return False
        open_ = m.start("open")
        return RX_ELEMENTS_JOINED.match(self.text, open_, open_ + JOIN_REACH) is not None

    @_Once
    def pipe(self) -> re.Match[str] | None:
        """A download piped into a shell or interpreter."""
        return self.t.find(RX_FETCH_PIPE)

    @_Once
    def shutdown(self) -> int | None:
        return self.t.search(RX_SHUTDOWN)

    @_Once
    def env(self) -> tuple[set[str], int | None]:
        """Provider families of the secret variables named, and where the first one is."""
        found = self.t.first_of_each(RX_SECRET_ENV)
        families = {ENV_FAMILY.get(m.group(0), "other") for m, _at in found}
        return families, min((at for _m, at in found), default=None)

    @_Once
    def env_dump(self) -> int | None:
        """The whole environment read; not the variables of one prefix (``Object.keys(
        process.env).filter(k => /^debug_/i.test(k))``: debug's options, a bundler's VITE_*; the
        same test first in a ``forEach``/``reduce`` callback or a ``for … of`` loop)."""
        text = self.t.text
        at = _first_dump(
            text,
            self.t.matches(RX_ENV_FOR_IN, MAX_DUMPS),
            self.t.matches(RX_ENV_DUMP, MAX_DUMPS),
        )
        if at is not None:
            return at
        for name, start in self.env_aliases:  # the same walks of the object by another name
            end = _scope_end(text, start)
            obj = rf"(?<![\w$.]){re.escape(name)}(?![\w$]|\s*(?:\??\.|\[))"
            for_in = re.compile(
                rf"for\s*\(\s*(?:(?:const|let|var)\s+)?[\w$]+\s+in\s+{obj}(?=\s*\))"
            )
            dump = re.compile(rf"{_DUMP_CALL}\(\s*{obj}\s*[,)]")
            at = _first_dump(
                text,
                islice(for_in.finditer(text, start, end), MAX_DUMPS),
                islice(dump.finditer(text, start, end), MAX_DUMPS),
            )
            if at is not None:
                return at
        return None

    @_Once
    def env_aliases(self) -> list[tuple[str, int]]:
        """The environment object's other names and where each is given (see ``env_aliases``)."""
        return env_aliases(self.t.text)

    @_Once
    def env_sent(self) -> int | None:
        """The environment object itself sent out: inside a sink (``JSON.stringify({...
        process.env})``), or put in a holder a sink takes (``const result = {env: process.env};
        … JSON.stringify(result)``); given to a child process or a worker it is not."""
        text = self.t.text
        holders: set[str] = set()
        for m in self.t.matches(RX_ENV_WHOLE, MAX_WHOLE):
            at = m.start()
            if not RX_COPY_BEFORE.search(text, max(0, at - 60), at):
                continue  # a walk's argument, a fallback, a test: not the object passed on
            if _inside_sink(text, at):
                return at
            holder = _holder(text, at)
            if holder is None or holder[0] in holders or len(holders) >= MAX_HOLDERS:
                continue
            holders.add(holder[0])  # (its first assignment only: later ones are rarely far apart)
            if _holder_sent(text, *holder) is not None:
                return at
        for name, start in self.env_aliases:  # destructured or imported: its own holder
            if name not in holders and _holder_sent(text, name, start) is not None:
                return start
        return None

    @_Once
    def cred(self) -> tuple[set[str], int | None]:
        """Kinds of credential files named, and where the first one is."""
        found = [(m, at) for m, at in self.t.first_of_each(RX_CRED_FILE) if m.lastgroup]
        cats = {m.lastgroup for m, _at in found if m.lastgroup}
        return cats, min((at for _m, at in found), default=None)

    @_Once
    def cred_skip_list(self) -> bool:
        """Are the credential files named only in a skip list (next to ``node_modules``,
        ``.DS_Store``, ``.git``...: what an uploader or watcher leaves out)?"""
        found = [at for m, at in self.t.first_of_each(RX_CRED_FILE) if m.lastgroup]
        text = self.text
        return bool(found) and all(
            RX_SKIP_LIST.search(text, max(0, at - SKIP_REACH), at + SKIP_REACH) for at in found
        )

    @_Once
    def exfil(self) -> int | None:
        """The first collection host named as a destination (see ``_not_destination``) outside
        a comment line (a doc comment's example call sends nothing: cloudflare's generated
        client shows ``url: 'https://webhook.site/…'`` in its JSDoc) and not a Bot API read
        (``RX_BOT_API_READ``). Past ``MAX_HOSTS`` hosts the first commented one or read counts
        (many decoys hide nothing); a host hidden in an encoded literal counts wherever its
        literal is."""
        t, text = self.t, self.text
        first = t.find(RX_EXFIL_HOST)
        if first is not None:
            at = first.start()
            if not (
                _not_destination(text, at)
                or in_comment_line(text, at)
                or RX_BOT_API_READ.match(text, at)
            ):
                return at
            commented, seen = None, 0
            for m in t.matches(RX_EXFIL_HOST, MAX_HOSTS):
                seen, at = seen + 1, m.start()
                if _not_destination(text, at):
                    continue
                if not (in_comment_line(text, at) or RX_BOT_API_READ.match(text, at)):
                    return at
                commented = at if commented is None else commented
            if seen >= MAX_HOSTS and commented is not None:
                return commented
        for m in t.matches(RX_EXFIL_HOST, MAX_HOSTS, decoded=True):
            if not _not_destination(t.decoded, m.start()):
                return t.map_decoded(m.start())
        return None

    @_Once
    def secrets_touched(self) -> bool:
        files = bool(self.cred[0]) and not self.cred_skip_list
        dumped = self.env_dump is not None or self.env_sent is not None
        return bool(self.env[0]) or dumped or files

    @_Once
    def gh_token(self) -> bool:
        return self.t.search(RX_GH_TOKEN_SRC) is not None


# --------------------------------------------------------------------------------------------
# lifecycle commands

RX_INLINE = re.compile(
    r"\b(?:node|nodejs|bun)\s+(?:-e|--eval|-p|--print)\s+(?P<code>\"(?:[^\"\\]|\\.)*\"|'[^']*'|\S+)"
    r"|\bdeno\s+eval\s+(?P<code2>\"(?:[^\"\\]|\\.)*\"|'[^']*'|\S+)"
)


def _unquote(code: str) -> str:
    if len(code) >= 2 and code[0] == code[-1] and code[0] in "\"'":
        code = code[1:-1]
    return code.replace('\\"', '"')


def inline_snippets(cmd: str) -> list[str]:
    """The code of every ``node -e`` / ``bun -e`` / ``deno eval`` in a lifecycle command."""
    return [_unquote(m.group("code") or m.group("code2") or "") for m in RX_INLINE.finditer(cmd)]
