"""Wallet hijacking: browser code that hooks network APIs or wallets and matches addresses."""

from __future__ import annotations

import re
from collections.abc import Iterator

from gouvernante.heuristic.signals import FileSignals
from gouvernante.heuristic.unit import HIGH, MEDIUM, Detection, Pattern, found
from gouvernante.heuristic.views import TextView, rx
from gouvernante.vocab import Severity

RX_ETH_HOOK = rx(
    r"window\.ethereum\b|ethereum\.(?:request|send|sendAsync|enable)\b|eth_sendTransaction"
    r"|eth_signTypedData|solana\.(?:signTransaction|signAndSendTransaction)\b",
    anchors=("ethereum", "eth_", "solana."),
)
RX_NET_OVERRIDE = rx(
    r"XMLHttpRequest\.prototype\.(?:open|send|setRequestHeader)\s*=(?!=)"
    r"|window\.fetch\s*=(?!=)|globalThis\.fetch\s*=(?!=)|self\.fetch\s*=(?!=)"
    r"|Object\.defineProperty\(\s*(?:window|globalThis|self)\s*,\s*['\"](?:fetch|ethereum)['\"]",
    anchors=("xmlhttprequest.prototype", "window.fetch", "globalthis.fetch", "self.fetch",
             "defineproperty(window", "defineproperty(globalthis", "defineproperty(self"),
)  # fmt: skip
RX_ADDR_ETH = re.compile(
    r"0x\[(?:a-fA-F0-9|0-9a-fA-F|a-f0-9|0-9a-f|A-Fa-f0-9|0-9A-Fa-f|0-9A-F|A-F0-9)\]\{40\}"
)
RX_ADDR_B58 = re.compile(r"\[1-9A-HJ-NP-Za-km-z\]|\[a-km-zA-HJ-NP-Z1-9\]")
RX_ADDR_BECH32 = re.compile(r"bc1q?\[|\(\?:bc1|bc1\|")
RX_ADDR_LITERAL = re.compile(r"0x[0-9a-fA-F]{40}\b|bc1q[02-9ac-hj-np-z]{38,58}\b")


# A fetch polyfill installs its implementation only where there is none: ``if (!self.fetch)
# self.fetch = fetch`` or ``window.fetch = window.fetch || impl``. A hook replaces the real one.
RX_MISSING_FETCH = re.compile(
    r"!\s*(?:window|self|globalThis|global)\.fetch\b"
    r"|typeof\s+(?:(?:window|self|globalThis|global)\.)?fetch\s*[!=]==?\s*['\"]undefined['\"]"
)
RX_FETCH_OR = re.compile(r"\s*(?:window|self|globalThis|global)\.fetch\s*\|\|")
GUARD_REACH = 120  # characters between the "no fetch here" test and the assignment
MAX_OVERRIDES = 50
WALLET_REACH = 128_000  # characters around an override where the drainer's other parts must be


def _overrides(t: TextView) -> Iterator[int]:
    """Network API overrides that are not a polyfill filling a missing fetch."""
    text = t.text
    for m in t.matches(RX_NET_OVERRIDE, MAX_OVERRIDES):
        if "fetch" in m.group(0) and (
            RX_MISSING_FETCH.search(text, max(0, m.start() - GUARD_REACH), m.start())
            or RX_FETCH_OR.match(text, m.end())
        ):
            continue
        yield m.start()


def _confidence_at(text: str, override: int) -> Detection | None:
    """The drainer's parts (address patterns or lists, a wallet hook) around one override: one
    payload holds them together; a bundle's fetch wrapper (an abort-controller polyfill) and its
    wallet modules sit far apart."""
    region = text[max(0, override - WALLET_REACH) : override + WALLET_REACH]
    chains = sum(1 for r in (RX_ADDR_ETH, RX_ADDR_B58, RX_ADDR_BECH32) if r.search(region))
    addr_list = len({m.group(0).lower() for m in RX_ADDR_LITERAL.finditer(region)}) >= 8
    hook = RX_ETH_HOOK.search(region) is not None
    if (chains or addr_list) and (hook or chains >= 2 or addr_list):
        return found(HIGH, override)
    if chains:
        return found(MEDIUM, override)
    return None


def _wallet_hijack(s: FileSignals) -> Detection | None:
    best: Detection | None = None
    for override in _overrides(s.t):
        got = _confidence_at(s.text, override)
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
