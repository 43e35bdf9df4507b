"""Wallet hijacking: browser code that hooks network APIs or wallets and matches addresses."""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import islice

from gouvernante.heuristic.signals import FileSignals
from gouvernante.heuristic.unit import HIGH, MEDIUM, Detection, Pattern, found
from gouvernante.heuristic.views import TextView, rx
from gouvernante.vocab import Severity

RX_ETH_HOOK = rx(
    r"window\.ethereum\b|ethereum\.(?:request|send|sendAsync|enable)\b|eth_sendTransaction"
    r"|eth_signTypedData|solana\.(?:signTransaction|signAndSendTransaction)\b",
    anchors=("ethereum", "eth_", "solana."),
)
# A network API replaced: a property assigned by dot or bracket (``window['fetch'] =``), the
# prototype kept in a variable first (``var P = XMLHttpRequest.prototype; P.open = …``), or
# defined (``Object.defineProperty(XMLHttpRequest.prototype, 'send', …)``); a wallet's request
# method replaced (``window.ethereum.request = …``: the drainer's hook itself).
_PROP = r"(?:\.\s*{0}|\[\s*['\"`]{0}['\"`]\s*\])"
RX_NET_OVERRIDE = rx(
    r"XMLHttpRequest\.prototype" + _PROP.format("(?:open|send|setRequestHeader)") + r"\s*=(?!=)"
    r"|(?:window|globalThis|self)" + _PROP.format("fetch") + r"\s*=(?!=)"
    r"|Object\.defineProperty\(\s*(?:window|globalThis|self)\s*,\s*['\"](?:fetch|ethereum)['\"]"
    r"|Object\.defineProperty\(\s*(?:window\.)?XMLHttpRequest\.prototype\s*,\s*['\"](?:open|send)['\"]"
    r"|ethereum" + _PROP.format("(?:request|send|sendAsync)") + r"\s*=(?!=)",
    anchors=("xmlhttprequest.prototype", "window.fetch", "globalthis.fetch", "self.fetch",
             "window[", "globalthis[", "self[", "defineproperty(window",
             "defineproperty(globalthis", "defineproperty(self", "defineproperty(xmlhttprequest",
             "defineproperty(window.xmlhttprequest", "ethereum"),
)  # fmt: skip
# ``var P = XMLHttpRequest.prototype`` then ``P.open = …``: the alias's method assigned (found
# from the prototype, then its name right before).
RX_PROTO_KEPT = re.compile(r"XMLHttpRequest\.prototype\s*[,;]")
RX_PROTO_HOLDER = re.compile(r"(?<![\w$.])([\w$]+)\s*=\s*(?:window\.)?$")
ALIAS_REACH = 2000
# An ETH address class in any order of its ranges (``[a-fA-F0-9]``, ``[\da-f]``, ``[0-9A-Fa-f]``).
RX_ADDR_ETH = re.compile(r"0x\[(?:a-f|A-F|0-9|\\d){1,3}\]\{40\}")
# A base58 class (Bitcoin, Solana, Tron addresses) in any order of its ranges, or spelled out.
RX_ADDR_B58 = re.compile(
    r"A-HJ-NP-Z[^\]\[]{0,30}a-km-z|a-km-z[^\]\[]{0,30}A-HJ-NP-Z"
    r"|123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
)
# What any address regex holds: a file with none of these and no address literal has no drainer
# to look for.
_ADDRESS_HINTS = ("{40}", "HJ-NP", "a-km-z", "HJKLMNP", "bc1q[", "bc1[", "bc1|", "?:bc1")
RX_ADDR_BECH32 = re.compile(r"bc1q?\[|\(\?:bc1|bc1\|")
RX_ADDR_LITERAL = re.compile(r"0x[0-9a-fA-F]{40}\b|bc1q[02-9ac-hj-np-z]{38,58}\b")


# A fetch polyfill installs its implementation only where there is none: ``if (!self.fetch)
# self.fetch = fetch`` or ``window.fetch = window.fetch || impl``. A hook replaces the real one.
RX_MISSING_FETCH = re.compile(
    r"!\s*(?:window|self|globalThis|global)\.fetch\b"
    r"|(?:window|self|globalThis|global)\.fetch\s*\|\|\s*\(\s*$"
    r"|typeof\s+(?:(?:window|self|globalThis|global)\.)?fetch\s*[!=]==?\s*['\"]undefined['\"]"
)
RX_FETCH_OR = re.compile(r"\s*(?:window|self|globalThis|global)\.fetch\s*\|\|")
GUARD_REACH = 120  # characters between the "no fetch here" test and the assignment
MAX_OVERRIDES = 50
WALLET_REACH = 128_000  # characters around an override where the drainer's other parts must be


def _overrides(t: TextView) -> Iterator[tuple[int, bool]]:
    """Network API overrides that are not a polyfill filling a missing fetch, in order, and
    whether each is the wallet's own method replaced."""
    text = t.text
    found: list[tuple[int, bool]] = []
    for m in t.matches(RX_NET_OVERRIDE, MAX_OVERRIDES):
        if "fetch" in m.group(0) and (
            RX_MISSING_FETCH.search(text, max(0, m.start() - GUARD_REACH), m.start())
            or RX_FETCH_OR.match(text, m.end())
        ):
            continue
        found.append((m.start(), m.group(0).startswith("ethereum")))
    if "XMLHttpRequest.prototype" in text:
        for kept in islice(RX_PROTO_KEPT.finditer(text), MAX_OVERRIDES):
            alias = RX_PROTO_HOLDER.search(text, max(0, kept.start() - 60), kept.start())
            if alias is None:
                continue
            name = re.escape(alias.group(1))
            rx_set = rf"(?<![\w$.]){name}\s*\.\s*(?:open|send|setRequestHeader)\s*=(?!=)"
            got = re.search(rx_set, text[kept.end() : kept.end() + ALIAS_REACH])
            if got is not None:
                found.append((kept.end() + got.start(), False))
    yield from sorted(found)


def _confidence_at(text: str, override: int, wallet: bool) -> Detection | None:
    """The drainer's parts (address patterns or lists, a wallet hook) around one override: one
    payload holds them together; a bundle's fetch wrapper (an abort-controller polyfill) and its
    wallet modules sit far apart. When the override is the wallet's method (``wallet``), that
    hook is the override itself: the addresses of ≥ 2 chains or a list must be there too (a wallet
    connector checking an ETH address is not a drainer)."""
    region = text[max(0, override - WALLET_REACH) : override + WALLET_REACH]
    chains = sum(1 for r in (RX_ADDR_ETH, RX_ADDR_B58, RX_ADDR_BECH32) if r.search(region))
    addr_list = len({m.group(0).lower() for m in RX_ADDR_LITERAL.finditer(region)}) >= 8
    hook = not wallet and RX_ETH_HOOK.search(region) is not None
    if (chains or addr_list) and (hook or chains >= 2 or addr_list):
        return found(HIGH, override)
    if chains:
        return found(MEDIUM, override)
    return None


def _wallet_hijack(s: FileSignals) -> Detection | None:
    text = s.text
    if not s.t.may(RX_NET_OVERRIDE):
        return None
    if not any(h in text for h in _ADDRESS_HINTS) and RX_ADDR_LITERAL.search(text) is None:
        return None  # no address pattern, no address: nothing to swap
    best: Detection | None = None
    for override, wallet in _overrides(s.t):
        got = _confidence_at(s.text, override, wallet)
        if got is not None and got.confidence is HIGH:
            return got
        best = best or got
    return best


WALLET_HIJACK = Pattern(
    id="GH-WALLET-HIJACK",
    severity=Severity.CRITICAL,
    confidence=HIGH,
    title="Browser code hooks wallets or network APIs and matches crypto addresses",
    why=(
        "Overriding fetch / XMLHttpRequest.prototype or wrapping window.ethereum while "
        "carrying regexes for ETH/BTC/SOL/TRX addresses is a drainer that rewrites payment "
        "destinations in the page (the chalk/debug payload)."
    ),
    origin="chalk, debug and 16 more packages (8 Sep 2025)",
    reference="https://www.fidesium.xyz/npm-supply-chain-attack-wallet-swap",
    detect=_wallet_hijack,
)

UNITS = (WALLET_HIJACK,)
