"""Decode and execute: encoded, encrypted or split payloads run with eval/Function/vm."""

from __future__ import annotations

import re
from itertools import islice

from gouvernante.heuristic.signals import (
    RX_DECODE_ANY,
    FileSignals,
    near_sink,
    paren_close,
    sinks,
)
from gouvernante.heuristic.unit import HIGH, MEDIUM, Detection, Pattern, found
from gouvernante.heuristic.views import TextView, rx
from gouvernante.vocab import Severity

RX_DECODE_NEAR = re.compile(
    r"atob\s*\(|Buffer\.from\s*\([^;]{0,3000}?,\s*['\"](?:base64|base64url|hex)['\"]"
    r"|new\s+Buffer\s*\([^;]{0,3000}?,\s*['\"](?:base64|hex)['\"]"
)
MAX_SINKS = 400  # eval-like call sites looked at per file


def _decode_exec(s: FileSignals) -> Detection | None:
    """An eval-like sink whose argument is (or was just assigned) decoded data."""
    t = s.t
    if not t.may(RX_DECODE_ANY):
        return None
    text = t.text
    for count, m in enumerate(sinks(t)):
        if count >= MAX_SINKS:
            break
        start = m.end()
        window = text[start : start + 240]
        if "sourceMappingURL" in window or window.lstrip("( \n")[:1] in ("'", '"', "`"):
            continue  # eval of a literal (bundler devtool output): decoding happens inside it
        # the argument, up to the sink's closing parenthesis when it closes within the window (a
        # decode in a later statement is not given to it: wkx 0.3's test evaluates its expected
        # value, then decodes the case's hex for the parser)
        close = paren_close(text, start, start + len(window))
        arg = window[:120] if close is None else text[start : min(close, start + 120)]
        if RX_DECODE_NEAR.match(window.lstrip("( ")) or RX_DECODE_NEAR.search(arg):
            return found(HIGH, m.start())
        ident = re.match(r"\s*([A-Za-z_$][\w$]*)\s*\)", window)
        if ident is not None:
            name = re.escape(ident.group(1))
            before = text[max(0, m.start() - 600) : m.start()]
            if "atob" not in before and "Buffer" not in before:
                continue
            assign = re.search(
                rf"\b{name}\s*=\s*[^;\n]{{0,160}}?(?:\batob\s*\(|Buffer\.from\s*\([^;\n]*?"
                rf"['\"](?:base64|hex)['\"])",
                before,
            )
            if assign is not None:
                return found(HIGH, m.start())
    return None


DECODE_EXEC = Pattern(
    id="GH-DECODE-EXEC",
    severity=Severity.HIGH,
    confidence=HIGH,
    title="Decoded data is passed to eval / Function / vm",
    why=(
        "eval(atob(...)), new Function(Buffer.from(x, 'base64')) and vm.runIn*Context of "
        "decoded text execute code nobody can read in the package; legitimate code almost "
        "never needs it."
    ),
    origin="event-stream / flatmap-stream (Nov 2018) and most obfuscated npm droppers since",
    reference="https://github.com/dominictarr/event-stream/issues/116",
    detect=_decode_exec,
)

# Base64 of files that are data, not code: wasm modules, images, fonts (their magic bytes).
MEDIA_MAGIC = (
    "AGFzbQ",  # \0asm: a wasm module
    "iVBORw0KGgo",  # PNG
    "/9j/",  # JPEG
    "R0lGOD",  # GIF
    "UklGR",  # RIFF (WebP)
    "PHN2Zy",  # <svg
    "AAABAA",  # ICO
    "d09GR",  # wOFF / wOF2 fonts
    "AAEAAA",  # TrueType
    "T1RUTw",  # OpenType (OTTO)
)
RX_BLOB = re.compile(r"['\"`]([A-Za-z0-9+/]{1000,}={0,2}|(?:[0-9a-fA-F]{2}){600,})['\"`]")


def _blob_exec(s: FileSignals) -> Detection | None:
    t = s.t
    if not t.may(RX_DECODE_ANY):
        return None
    blob = RX_BLOB.search(t.text)
    if (
        blob is not None
        and not blob.group(1).startswith(MEDIA_MAGIC)
        and t.find(RX_DECODE_ANY)
        and (s.eval_sink is not None or s.proc is not None)
        and near_sink(t, blob.start(), blob.end())
    ):
        return found(HIGH if s.install else MEDIUM, blob.start())
    return None


BLOB_EXEC = Pattern(
    id="GH-DECODE-BLOB-EXEC",
    severity=Severity.HIGH,
    confidence=MEDIUM,
    title="Long base64/hex blob decoded in a file that can execute code",
    why=(
        "A multi-kilobyte encoded string that the same file decodes, next to eval/Function/"
        "child_process, is how second stages are smuggled; data: URIs, source maps and wasm "
        "modules are not counted."
    ),
    origin="event-stream / flatmap-stream (Nov 2018): encrypted payload in test/data.js",
    reference="https://github.com/dominictarr/event-stream/issues/116",
    detect=_blob_exec,
)

# (``codePointAt``/``fromCodePoint`` are the same builder.)
RX_XOR_BUILDER = rx(
    r"String\.from(?:CharCode|CodePoint)\s*\([^)]{0,160}\^"
    r"|(?:charCodeAt|codePointAt)\s*\([^)]{0,40}\)\s*\^\s*[\w$\[\]().]+"
    r"|\^\s*[\w$\[\]().]{1,30}\.(?:charCodeAt|codePointAt)\s*\("
    # a Buffer's bytes XORed in place with a cycling key or a constant (``b[i] ^= k[i % n]``,
    # ``b[i] ^= 0x5a``; a hash's or a cipher's rounds XOR words by computed indexes), or mapped
    # (``.map(b => b ^ k)``)
    # (found from its ``^=``, the indexed byte before it checked after: ``RX_INDEXED_BYTE``)
    r"|\^=\s*(?:[\w$.]+\[\s*[\w$]+\s*%\s*[\w$.]+\s*\]|0x[0-9a-fA-F]{1,2}\b|\d{1,3}\b)"
    # (white space read possessively: ``.map(`` and a run of line breaks split every way, 0116)
    r"|\.map\(\s*+\(?\s*+(?P<byte>[\w$]+)\s*+(?:,\s*+[\w$]+\s*+)?\)?\s*+=>\s*+\(?\s*+(?P=byte)\s*\^",
    anchors=("fromcharcode", "charcodeat", "fromcodepoint", "codepointat", "^=", ".map("),
)


# What turns XORed character codes back into text. A string hash (FNV-1a, murmur, CRC-32, djb2)
# XORs char codes too, but into a number: no text is built from the result.
RX_TO_TEXT = re.compile(r"fromCharCode|fromCodePoint|TextDecoder|Buffer\.from\s*\(")
# Bytes XORed in place are text again by ``toString``/``TextDecoder``/``Buffer.from``; a number
# (a hash's accumulator) is never XORed in place into an indexed byte.
RX_BYTES_TO_TEXT = re.compile(r"TextDecoder|Buffer\.from\s*\(|\.toString\(\s*(?:['\"]|\))")
TEXT_REACH = 400  # characters between the XOR and the call that builds text from it
# ``a.charCodeAt(i) ^ b.charCodeAt(i)``: two strings of one length combined byte by byte, what the
# byte-string crypto of bundled libraries does (node-forge's masks); a decoder cycles a short key
# (``k.charCodeAt(i % k.length)``) or uses a constant.
RX_SAME_INDEX = re.compile(
    r"\.(?:charCodeAt|codePointAt)\s*\(\s*([\w$]+)\s*\)\s*\^\s*[\w$.]+"
    r"\.(?:charCodeAt|codePointAt)\s*\(\s*\1\s*\)"
)
RX_INDEXED_BYTE = re.compile(r"(?<![\w$])[\w$]{1,40}\[\s*[\w$]{1,40}\s*\]\s*$")
MAX_XOR = 200  # XOR sites looked at per file


def _xor_decoder(t: TextView) -> int | None:
    """The first XOR of character codes whose result is turned back into text nearby."""
    text = t.text
    for m in t.matches(RX_XOR_BUILDER, MAX_XOR):
        if RX_SAME_INDEX.match(text, max(0, m.start() - 1)):
            continue  # two byte strings XORed position by position: a mask (PSS, OAEP, xorBytes)
        in_place = m.group(0).startswith("^=")  # (a branch may be matched alone: no group names)
        if in_place and not RX_INDEXED_BYTE.search(text, max(0, m.start() - 90), m.start()):
            continue
        bytes_ = in_place or "=>" in m.group(0)
        to_text = RX_BYTES_TO_TEXT if bytes_ else RX_TO_TEXT
        if to_text.search(text, max(0, m.start() - TEXT_REACH), m.end() + TEXT_REACH):
            return m.start()
    return None


# A module required by a name a call just returned (``const n = d('…'); require(n)``): the
# decoded name of a module, as ``require(d('…'))`` (``RX_DYN_REQUIRE``) in two steps.
RX_VAR_REQUIRE = re.compile(r"require\s*\(\s*([A-Za-z_$][\w$]{0,30})\s*\)")
MAX_VAR_REQUIRES = 50


def _requires_decoded(text: str) -> bool:
    for m in islice(RX_VAR_REQUIRE.finditer(text), MAX_VAR_REQUIRES):
        if m.start() > 0 and (text[m.start() - 1].isalnum() or text[m.start() - 1] in "_$"):
            continue  # ``__webpack_require__(id)``: a bundler's loader
        name = re.escape(m.group(1))
        before = text[max(0, m.start() - 400) : m.start()]
        if re.search(rf"(?<![\w$.]){name}\s*=\s*[\w$]{{1,12}}\s*\(", before):
            return True
    return False


def _charcode_exec(s: FileSignals) -> Detection | None:
    if s.proc is None and not (
        s.t.may(RX_XOR_BUILDER) and "require" in s.text and _requires_decoded(s.text)
    ):
        return None
    xor = _xor_decoder(s.t)
    if xor is None:
        return None
    strong = s.install or s.t.strong_decoded is not None
    if strong or s.net is not None or s.eval_sink is not None:
        return found(HIGH if strong else MEDIUM, xor)
    return None


CHARCODE_EXEC = Pattern(
    id="GH-DECODE-CHARCODE-EXEC",
    severity=Severity.HIGH,
    confidence=HIGH,
    title="XOR / charCode string builder in a file that runs processes",
    why=(
        "Strings rebuilt with String.fromCharCode and XOR keys hide commands and URLs from "
        "review; combined with child_process it is a dropper's signature (the plain-crypto-js "
        "setup.js decoded its strings this way)."
    ),
    origin="axios / plain-crypto-js (Mar 2026)",
    reference="https://diegorodrigo.dev/en/2026/04/17/the-axios-case-trusting-npm/",
    detect=_charcode_exec,
)

# A decryption: node's decipher (called, or taken by bracket: ``crypto['createDecipher'](``), Web
# Crypto's ``subtle.decrypt``, crypto-js' ``AES.decrypt``.
RX_DECIPHER = rx(
    r"createDecipher(?:iv)?(?:\s*\(|['\"`]\s*\]\s*\()|subtle\.decrypt\s*\("
    r"|(?:AES|TripleDES|Rabbit|RC4)\.decrypt\s*\(",
    anchors=(
        "createdecipher",
        "subtle.decrypt",
        "aes.decrypt",
        "tripledes.decrypt",
        "rabbit.decrypt",
        "rc4.decrypt",
    ),
)
RX_NPM_PKG_ENV = rx(r"npm_package_\w+", anchors=("npm_package_",))
RX_COMPILE = rx(r"_compile\b", anchors=("_compile",))
KEY_REACH = 2000  # characters between the decipher call and the npm_package_* key
COMPILE_REACH = 4000  # characters between the decipher call and ``_compile`` (unkeyed form)


def _decrypt_exec(s: FileSignals) -> Detection | None:
    t = s.t
    decipher = t.find(RX_DECIPHER)
    if decipher is None:
        return None
    compile_at = t.search(RX_COMPILE)
    # the key comes from the host package's npm_package_* variables *at the call*: a bundle that
    # reads npm_package_version somewhere and decrypts elsewhere is not keyed
    at = decipher.start()
    keyed = t.near(RX_NPM_PKG_ENV, at - KEY_REACH, at + KEY_REACH)
    if keyed and (compile_at is not None or s.eval_sink is not None):
        return found(HIGH, decipher.start())
    # without the key: worth a look when the module compiler is at hand, not when a bundle
    # vendors a decrypting helper (AES-GCM settings, certificates) far from its module loader
    if compile_at is not None and t.near(RX_COMPILE, at - COMPILE_REACH, at + COMPILE_REACH):
        return found(MEDIUM, decipher.start())
    return None


DECRYPT_EXEC = Pattern(
    id="GH-DECRYPT-EXEC",
    severity=Severity.CRITICAL,
    confidence=HIGH,
    title="Decrypted payload compiled as a module, keyed by the host package",
    why=(
        "crypto.createDecipher with a key read from npm_package_* variables, followed by "
        "module._compile or eval, targets one specific victim project and stays inert "
        "everywhere else: exactly the flatmap-stream technique."
    ),
    origin="event-stream / flatmap-stream@0.1.1 (Nov 2018), aimed at the Copay wallet",
    reference="https://github.com/dominictarr/event-stream/issues/116",
    detect=_decrypt_exec,
)


def _obfuscated_names(s: FileSignals) -> Detection | None:
    t = s.t
    if t.strong_decoded is not None:
        return found(HIGH, t.strong_decoded)
    if t.url_decoded is not None and (s.net is not None or s.proc is not None):
        return found(MEDIUM, t.url_decoded)
    return None


OBFUSCATED_NAMES = Pattern(
    id="GH-OBFUSCATED-NAMES",
    severity=Severity.HIGH,
    confidence=HIGH,
    title="Dangerous module or API names hidden by string splitting or encoding",
    why=(
        "require('chi'+'ld_pro'+'cess'), ['sp'+'awn'], hex or base64 literals that decode to "
        "child_process, _compile, npm_package_description or a URL exist only to dodge "
        "greps and reviewers."
    ),
    origin=("eslint-config-prettier install.js (Jul 2025); flatmap-stream (2018); node-ipc (2022)"),
    reference="https://github.com/prettier/eslint-config-prettier/issues/339",
    detect=_obfuscated_names,
)

UNITS = (DECODE_EXEC, BLOB_EXEC, CHARCODE_EXEC, DECRYPT_EXEC, OBFUSCATED_NAMES)
