"""Where a hit is and what it shows: line numbers and bounded, secret-masked excerpts."""

from __future__ import annotations

import re

__all__ = ["MAX_EXCERPT", "excerpt", "line_of"]

MAX_EXCERPT = 160

RX_MASK_KV = re.compile(
    r"((?:_authToken|_auth|password|passwd|secret|token|apikey|api_key)['\"]?\s*[=:]\s*['\"])"
    r"([^\s'\"`,;]{6,})|(_authToken=)([^\s'\"`,;]{6,})",
    re.IGNORECASE,
)
RX_MASK_TOKEN = re.compile(
    r"gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{16,}|npm_[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16}"
    r"|xox[abprs]-[A-Za-z0-9-]{10,}|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{4,}"
    r"|[A-Za-z0-9+/_=-]{40,}"
)


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def excerpt(text: str, offset: int) -> str:
    """The line around ``offset``, at most ``MAX_EXCERPT`` printable characters, tokens masked."""
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    if end < 0:
        end = len(text)
    line = text[start:end]
    rel = offset - start
    if len(line) > MAX_EXCERPT:
        lo = max(0, min(rel - 40, len(line) - MAX_EXCERPT))
        line = line[lo : lo + MAX_EXCERPT]
    line = "".join(c if c.isprintable() else " " for c in line).strip()
    line = RX_MASK_KV.sub(lambda m: (m.group(1) or m.group(3)) + "***", line)
    line = RX_MASK_TOKEN.sub(lambda m: m.group(0)[:4] + f"...({len(m.group(0))} chars)", line)
    return line[:MAX_EXCERPT]
