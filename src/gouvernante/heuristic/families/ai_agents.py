"""AI agent abuse: local AI coding CLIs started with their safety checks off."""

from __future__ import annotations

import re
from itertools import islice

from gouvernante.heuristic.signals import (
    LINE_REACH,
    LITERAL_REACH,
    FileSignals,
    in_comment_line,
    string_literal_at,
)
from gouvernante.heuristic.unit import HIGH, MEDIUM, Detection, Pattern, found
from gouvernante.heuristic.views import TextView, rx
from gouvernante.vocab import Severity

RX_AI_FLAG = rx(
    r"--dangerously-skip-permissions|--yolo\b|--trust-all-tools"
    r"|--dangerously-bypass-approvals-and-sandbox|--allow-all-tools",
    anchors=("--dangerously", "--yolo", "--trust-all-tools", "--allow-all-tools"),
)
RX_AI_CLI = re.compile(
    r"['\"`](?:claude|gemini|q|codex|copilot|cursor-agent)['\"`\s]"
    r"|(?:claude|gemini|codex)\s+(?:-p|--print|--prompt|exec)\b|q\s+chat\b"
)
RX_SECRET_PROMPT = rx(
    r"wallet|keystore|mnemonic|seed phrase|private key|id_rsa|\.env\b|credential|metamask|secret",
    re.IGNORECASE,
    anchors=("wallet", "keystore", "mnemonic", "seed phrase", "private key", "id_rsa",
             ".env", "credential", "metamask", "secret"),
)  # fmt: skip


LAUNCH_REACH = 300  # characters between the CLI's name and the flag it is started with
MAX_FLAGS = 50
# The flag as the first argument of an option definition, its short form maybe before it in the
# same literal (commander's ``.option("-y, --yolo", "…")``, ``new Option("--yolo")``): the
# program declares its own option, it starts nothing with it (@anthropic-ai/claude-code 0.2.19).
RX_OWN_OPTION = re.compile(
    r"(?:\.(?:option|requiredOption)|\bnew\s+[\w$.]*Option)\(\s*['\"`][^'\"`\n]{0,40}$"
)
DECLARATION_REACH = 80  # characters before the flag searched for its definition call


def _launch(t: TextView) -> int | None:
    """A flag given to an AI CLI named beside it (``{cmd: "gemini", args: ["--yolo", ...]}``,
    ``claude --dangerously-skip-permissions -p``). The CLI's own help and option checks name its
    flags far from any command that starts it; its option definitions start nothing."""
    text = t.text
    for m in t.matches(RX_AI_FLAG, MAX_FLAGS):
        if RX_OWN_OPTION.search(text, max(0, m.start() - DECLARATION_REACH), m.start()):
            continue
        lo, hi = max(0, m.start() - LAUNCH_REACH), m.end() + LAUNCH_REACH
        if RX_AI_CLI.search(text, lo, hi):
            return m.start()
    flag = next(t.matches(RX_AI_FLAG, 1, decoded=True), None)
    return t.map_decoded(flag.start()) if flag is not None else None


MAX_PROMPT_WORDS = 500  # prompt-word matches looked at per file (only once a launch is found)
_IDENT = re.compile(r"[\w$]")
_PLURAL = re.compile(r"(?:e?s)?(?![\w$])")
_OPENS = re.compile(r"(?:[=(,:\[+?{;]|\breturn)\s*$")  # what a template literal follows


def _in_string(text: str, at: int) -> bool:
    """Is ``at`` inside a string literal: one on its line, or a template literal (also one
    spread over lines or holding ``${…}``) whose opening backquote is the nearest one before,
    within ``LITERAL_REACH``, and follows an operator or ``return``. On a line whose start is
    more than ``LINE_REACH`` back (a minified bundle, a long prompt on one line) it cannot be
    told: taken as yes."""
    if string_literal_at(text, at) is not None:
        return True
    lo = max(0, at - LINE_REACH)
    if lo > 0 and text.rfind("\n", lo, at) < 0:
        return True
    tick = text.rfind("`", max(0, at - LITERAL_REACH), at)
    return tick >= 0 and _OPENS.search(text, max(0, tick - 20), tick) is not None


# A test's title: the first argument of a test framework's ``it``/``test``/``describe`` call
# (``it.only(``, ``test.each([...])(``, ``describe.skipIf(cond)(`` too).
RX_TEST_TITLE = re.compile(
    r"(?<![\w$.])(?:it|test|describe|context|suite|specify|bench)"
    r"(?:\.(?:only|skip|todo|concurrent|sequential|fails|each|skipIf|runIf)(?:\([^()\n]{0,80}\))?)*"
    r"\s*\(\s*$"
)
RX_OWN_TEST_FN = re.compile(
    r"\bfunction\s+(?:it|test|describe|context|suite|specify|bench)\s*\("
    r"|\b(?:const|let|var)\s+(?:it|test|describe|context|suite|specify|bench)\s*="
)


# A literal that is one kebab-case name (``'new-session-failure-secret'``): a value or a key.
RX_KEBAB = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+")


def _label(text: str, at: int) -> bool:
    """Is ``at`` in a string literal on its line that is no prompt: a test's title (the first
    argument of a test framework's call, in a file that defines no function of that name;
    ``it('cleans secure credential artifacts ...')`` names what the test checks), or a literal
    that is one kebab-case name (a test's fake secret, ``'new-session-failure-secret'``)?"""
    span = string_literal_at(text, at)
    if span is None:
        return False
    if RX_KEBAB.fullmatch(text, span[0] + 1, span[1] - 1) is not None:
        return True
    if RX_TEST_TITLE.search(text, max(0, span[0] - 120), span[0]) is None:
        return False
    return RX_OWN_TEST_FN.search(text) is None


PROMPT_REACH = 4000  # characters between the launch's flag and a word of its prompt


def _prompt_word(t: TextView, at: int) -> bool:
    """A word of a prompt about secrets. A prompt is text: the word counts inside a string
    literal, as a word of its own (``secrets``, ``~/.env``), not on a comment line (a JSDoc's
    "the identity, secret, and port") and not as or in a name (``process.env``,
    ``{ secret: clientSecret }``, ``walletAddress``); one hidden in an encoded literal always
    counts (agents@0.32.0). The word must lie within ``PROMPT_REACH`` of the launch at ``at``
    (nx kept its prompt beside the argv lists): an agent orchestrator's 1 MB bundle names
    credentials in a URL check 80,000 characters from its own ``claude`` argv
    (oh-my-claude-sisyphus 5.5.0, task-master-ai 0.43.1)."""
    text = t.text
    near = RX_SECRET_PROMPT.finditer(text, max(0, at - PROMPT_REACH), at + PROMPT_REACH)
    for m in islice(near, MAX_PROMPT_WORDS) if t.may(RX_SECRET_PROMPT) else ():
        lo = m.start()
        dot = lo if text.startswith(".", lo) else lo - 1 if lo and text[lo - 1] == "." else -1
        if dot > 0 and (_IDENT.match(text, dot - 1) is not None or text[dot - 1] in ")]"):
            continue  # a property: ``process.env``, ``opts.secret`` (not ``~/.secret``)
        if dot != lo and (
            (lo > 0 and _IDENT.match(text, lo - 1) is not None)
            or _PLURAL.match(text, m.end()) is None
        ):
            continue  # part of a name: ``clientSecret``, ``walletAddress``
        if _in_string(text, lo) and not in_comment_line(text, lo) and not _label(text, lo):
            return True
    return next(t.matches(RX_SECRET_PROMPT, 1, decoded=True), None) is not None


def _ai_agent(s: FileSignals) -> Detection | None:
    if s.proc is None or s.t.search(RX_AI_CLI) is None:
        return None
    at = _launch(s.t)
    if at is None:
        return None
    strong = s.install or _prompt_word(s.t, at)
    return found(HIGH if strong else MEDIUM, at)


AI_AGENT_ABUSE = Pattern(
    id="GH-AI-AGENT-ABUSE",
    severity=Severity.CRITICAL,
    confidence=HIGH,
    title="Code runs an AI coding CLI with its safety checks disabled",
    why=(
        "Starting claude --dangerously-skip-permissions, gemini --yolo or q --trust-all-tools "
        "from a package lets a prompt inventory wallets, keys and .env files with the local "
        "agent's rights; nx's telemetry.js did this to find secrets."
    ),
    origin="nx 's1ngularity' (Aug 2025): telemetry.js prompted local AI CLIs",
    reference="https://github.com/nrwl/nx/security/advisories/GHSA-cxm3-wv7p-598c",
    detect=_ai_agent,
)

UNITS = (AI_AGENT_ABUSE,)
