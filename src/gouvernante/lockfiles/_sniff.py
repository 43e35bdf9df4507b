"""Content sniffing for the formats tried first (``lockfiles.detect`` asks bun.lockb, then
bun.lock, before npm) and for deno.lock (asked before package.json): byte checks that import
nothing, so detecting a package-lock.json or a package.json saved under another name (the
runbook's ``affected-lockfile.json``) does not import the bun or deno readers (``json``,
``base64``, ``struct``, their tables: ~3 ms)."""

from __future__ import annotations

import re

# bun.lockb: the binary lockfile starts with this line pair.
BUN_BINARY_MAGIC = b"#!/usr/bin/env bun\nbun-lockfile-format-v0\n"

# bun.lock: a JSON object whose "workspaces" is an object starting with the "" (root) key.
_GAP = rb"(?:\s|//[^\n]*\n|/\*(?:[^*]|\*(?!/))*\*/)*"
# (compiled on first use, by ``re``'s cache: a file named package-lock.json is never sniffed)
_BUN_WORKSPACES = rb'"workspaces"' + _GAP + rb":" + _GAP + rb"\{" + _GAP + rb'""' + _GAP + rb":"


def bun_binary(head: bytes) -> bool:
    return head.startswith(BUN_BINARY_MAGIC)


def bun(head: bytes) -> bool:
    return (
        b'"lockfileVersion"' in head
        and b'"workspaces"' in head  # (the pattern needs it: a package-lock compiles nothing)
        and re.search(_BUN_WORKSPACES, head) is not None
    )


# deno.lock: a JSON object whose first member is a quoted-number "version", then a deno section.
_DENO = (
    rb'\{\s*"version"\s*:\s*"\d+"\s*,'
    rb'\s*"(?:specifiers|npm|jsr|remote|redirects|packages|workspace)"'
)


def deno(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return re.match(_DENO, text) is not None
