"""The names of decision 0153: popular npm names of kinds no earlier sweep took, by category.

    python scripts/heuristic-fp/pick_categories.py NPM.tsv SKIP_LIST... > NAMES.txt

No network. NPM.tsv is this workplace's list of npm names (name, latest version, downloads a
month, summary; its first line names the columns). A name any SKIP_LIST holds (the first field of
each non-comment line of the lists of ``scripts/heuristic-fp/``, its version cut off) is left
out, and so is ``@types/*`` (declarations only). By category (``CATS``: a regex on the name, one
on the summary; a name goes to the first category it matches in this order), the ``PER_CATEGORY``
most downloaded names with at least ``MIN_DOWNLOADS`` a month, at most ``SCOPE_CAP`` of one scope
(``SCOPE_CAPS`` for the cloud SDKs' big scopes). One name a line, then stderr's counts.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

PER_CATEGORY = 100
MIN_DOWNLOADS = 20_000
SCOPE_CAP = 15
SCOPE_CAPS = {"@aws-sdk": 45, "@azure": 35, "@google-cloud": 35, "@solana": 15}

CATS: dict[str, tuple[str | None, str | None]] = {
    "cloud": (
        (
            r"^@(aws-sdk|azure|google-cloud|smithy|aws-crypto|azure-rest|aws-amplify|aws-cdk"
            r"|alicloud|huaweicloud|tencentcloud|cloudflare|vercel|netlify|supabase|firebase"
            r"|ibm-cloud|oracle)/|^(aws-amplify|firebase|ibm-cos-sdk|oci-)"
        ),
        None,
    ),
    "ai": (
        (
            r"^@(ai-sdk|anthropic-ai|openai|google/genai|google/generative-ai|langchain"
            r"|mistralai|huggingface|modelcontextprotocol|xenova|llamaindex|mastra|copilotkit"
            r"|cohere-ai|pinecone-database|qdrant|groq|fal-ai|elevenlabs|openrouter"
            r"|agentclientprotocol)|^(openai|ollama|langchain|llamaindex|ai|tiktoken"
            r"|js-tiktoken|gpt-tokenizer|@dqbd/tiktoken|cohere-ai|replicate|groq-sdk)$"
        ),
        (
            r"\b(LLM|llm|OpenAI|Anthropic|Claude|Gemini|MCP|Model Context Protocol|AI SDK"
            r"|embedding|agent)\b"
        ),
    ),
    "crypto": (
        (
            r"^@(solana|ethersproject|noble|scure|walletconnect|reown|coinbase|metamask|cosmjs"
            r"|polkadot|ledgerhq|trezor|keplr-wallet|safe-global|wagmi|rainbow-me|thirdweb-dev"
            r"|uniswap|chainlink|near-js|taquito|stellar|hashgraph|solana-program|bitcoinerlab"
            r"|mysten|aptos-labs|ton|tonconnect|injectivelabs|cardano|emurgo|privy-io"
            r"|dynamic-labs|web3auth|magic-sdk|alchemy|moralisweb3|openzeppelin|layerzerolabs"
            r"|wormhole-foundation|pythnetwork|coral-xyz|project-serum|metaplex-foundation"
            r"|biconomy|zerodev|account-abstraction|lit-protocol|ethereumjs|chainsafe|libp2p"
            r"|ipld|multiformats|helia)/|^(ethers|web3|viem|wagmi|bitcoinjs-lib|bip39|bip32"
            r"|tweetnacl|elliptic|secp256k1|ethereum-cryptography|ethereumjs-|web3-|tronweb"
            r"|xrpl|stellar-sdk|hdkey|bs58|bs58check|ecpair|tiny-secp256k1|borsh|algosdk"
            r"|near-api-js|@solana|libsodium|sodium|node-forge|jsrsasign|crypto-js|openpgp"
            r"|keccak|blakejs|scrypt-js|bcryptjs|argon2|hash-wasm)"
        ),
        (
            r"\b(wallet|blockchain|ethereum|Ethereum|Solana|bitcoin|Bitcoin|web3|Web3"
            r"|cryptocurrenc|EVM|smart contract)\b"
        ),
    ),
    "telemetry": (
        (
            r"^@(sentry|datadog|opentelemetry|newrelic|amplitude|segment|mixpanel|posthog"
            r"|bugsnag|rollbar|honeycombio|elastic|grafana|dynatrace|splunk|launchdarkly"
            r"|statsig|growthbook|optimizely|heap|logrocket|fullstory|hotjar|vercel/analytics"
            r"|vercel/speed-insights|highlight-run|applitools|rudderstack|snowplow"
            r"|microsoft/applicationinsights|azure/monitor|appsignal|honeybadger-io|logtail"
            r"|axiomhq|baselime|checkly|raygun|instana|contrast|aws-lambda-powertools"
            r"|prisma/instrumentation)/|^(posthog|mixpanel|analytics-node|dd-trace|newrelic"
            r"|applicationinsights|elastic-apm|rollbar|bugsnag|logrocket|amplitude|heap-"
            r"|segment|statsig|launchdarkly|unleash|@grafana|prom-client|hot-shots|node-statsd"
            r"|pino-|winston-|bunyan-|log4js|raygun|logdna|loggly|honeybadger|appsignal"
            r"|@appsignal|react-ga|ga-4|universal-analytics|splunk|@splunk)"
        ),
        (
            r"\b(telemetry|analytics|tracing|instrumentation|monitoring|observability"
            r"|error tracking|APM)\b"
        ),
    ),
    "binaries": (
        (
            r"^@(esbuild|swc|rollup|biomejs|img|napi-rs|parcel|tailwindcss|oxc-|oxlint|oven"
            r"|rspack|rolldown|lightningcss|node-llama-cpp|ast-grep|sentry/cli|prisma|turbo|nx"
            r"|next/swc|unrs|ffmpeg-installer|ffprobe-installer|vscode/vsce-sign|tauri-apps"
            r"|electron|resvg|sparticuz|playwright|puppeteer|dprint|typescript/native"
            r"|mongodb-js|duckdb|libsql|node-rs|rspack-resolver|oxc-resolver|oxc-parser"
            r"|oxc-transform|ngrok|cloudflare/workerd|tensorflow|mapbox|serialport"
            r"|parcel/watcher|stylexjs|sass-embedded|bufbuild|connectrpc)|^(sass-embedded"
            r"|lightningcss|oxlint|oxfmt|workerd|sharp|@resvg|node-gyp-build|prebuild"
            r"|node-pre-gyp|node-addon-api|bindings|cmake-js|ffmpeg|ffprobe|chromedriver"
            r"|geckodriver|edgedriver|iedriver|selenium|electron|esbuild|@swc|turbo|rolldown"
            r"|rspack|dprint|deno|bun|ngrok|ripgrep|@vscode/ripgrep|7zip|7z|better-sqlite"
            r"|duckdb|sqlite|libsql|onnxruntime|canvas|skia|node-pty|keytar|usb|serialport"
            r"|fsevents|re2|zeromq|farmhash|xxhash|lz4|snappy|zstd|bcrypt|argon2|wasm|.*-wasm"
            r"|.*wasm.*|@wasmer|wasi|emscripten)"
        ),
        (
            r"\b(prebuilt|binary|binaries|WebAssembly|wasm|WASM|native addon|N-API|napi|Rust"
            r"|Go binary)\b"
        ),
    ),
    "generated": (
        (
            r"^@(bufbuild|connectrpc|grpc|protobuf-ts|improbable-eng|apollo|graphql-codegen"
            r"|graphql-tools|graphql-mesh|ts-morph|chevrotain|antlr|kaitai|openapitools"
            r"|hey-api|kubb|orval|zodios|typespec|autorest|azure-tools|microsoft/kiota|kiota"
            r"|smithy|gql.tada|pothos|nexus|prisma)/|^(protobufjs|google-protobuf|grpc"
            r"|ts-proto|protoc|long|antlr4|antlr4ts|antlr4ng|chevrotain|nearley|peggy|pegjs"
            r"|jison|ohm-js|tree-sitter|web-tree-sitter|lezer|@lezer|moo|acorn|esprima|espree"
            r"|meriyah|cherow|shift-|typescript-|emscripten|asm\.js|openapi|swagger|graphql"
            r"|quicktype|json-schema-to|ajv|kaitai)"
        ),
        (
            r"\b(protobuf|Protocol Buffers|gRPC|grpc|ANTLR|antlr|parser generator"
            r"|code generator|generated|Emscripten|emscripten|OpenAPI|codegen|grammar)\b"
        ),
    ),
    "polyfill": (
        (
            r"^@(ungap|webcomponents|formatjs|js-temporal|financial-times|webreflection"
            r"|whatwg-node|mswjs|zloirock|babel/polyfill|es-shims|ljharb)/|polyfill|shim|^(es-"
            r"|es6-|es7-|core-js|regenerator|whatwg-|web-streams|abortcontroller|globalthis"
            r"|object\.|array\.|string\.|function\.|promise\.|reflect\.|symbol\.|intl-|unfetch"
            r"|isomorphic-|cross-fetch|node-fetch|text-encoding|fast-text-encoding|buffer"
            r"|process|util|events|stream-browserify|crypto-browserify|path-browserify"
            r"|os-browserify|url|querystring|punycode|timers-browserify|tty-browserify"
            r"|vm-browserify|https-browserify|stream-http|assert|console-browserify"
            r"|constants-browserify|domain-browser|browserify)"
        ),
        (
            r"\b(polyfill|Polyfill|ponyfill|shim|Shim|ES5|ES2015|ES6|spec-compliant)\b"
        ),
    ),
    "ext-electron": (
        (
            r"^@(electron|electron-forge|electron-toolkit|electron-forge|vscode|theia"
            r"|capacitor|ionic|tauri-apps|crxjs|plasmohq|wxt-dev|webext-core|samrum"
            r"|types/chrome|types/firefox-webext-browser|neutralinojs|nwjs|wdio|chromatic-com"
            r"|extend-chrome|mozilla|web-ext|browser-extension|chrome-extension"
            r"|vitejs/plugin-electron|quasar|cordova|ionic-native|awesome-cordova-plugins"
            r"|nativescript|react-native-community|expo|capawesome|capacitor-community|capgo)/"
            r"|^(electron|web-ext|webextension-polyfill|crx|chrome-|webext-|plasmo|wxt|cordova"
            r"|capacitor|nw|nw-builder|vsce|vscode|tauri|neutralino|extension-|browser-|crx3"
            r"|chrome-webstore|chrome-launcher|chrome-remote-interface|devtools-protocol"
            r"|chromium|puppeteer-|playwright-|@wdio|webdriver|webdriverio|selenium)"
        ),
        (
            r"\b(Electron|electron|browser extension|Chrome extension|WebExtension"
            r"|web extension|VS Code|VSCode|Visual Studio Code|Capacitor|Cordova|Tauri)\b"
        ),
    ),
    "cli": (
        None,
        (
            r"^(CLI|Command[- ]line|A CLI|The CLI|command line|command-line)|\b(CLI"
            r"|command[- ]line (tool|interface|utility))\b"
        ),
    ),
    "scripts": (
        (
            r"^(husky|simple-git-hooks|lefthook|pre-commit|git-hooks|yorkie|ghooks|lint-staged"
            r"|patch-package|postinstall|@scarf|scarf|opencollective|patch-|install-|node-gyp"
            r"|prebuild-install|pre-push|commitizen|cz-|@commitlint|semantic-release"
            r"|@semantic-release|release-it|changesets|@changesets|np|standard-version|auto"
            r"|@auto-it|lerna|oclif|@oclif)"
        ),
        (
            r"\b(postinstall|preinstall|install script|git hook|git hooks|Git hooks|release"
            r"|publish|changelog)\b"
        ),
    ),
}  # fmt: skip


def known_names(paths: list[Path]) -> set[str]:
    """The names of the ``name@version`` (or plain name) lines of the lists."""
    out: set[str] = set()
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            first = line.split()[0]
            at = first.rfind("@")
            out.add(first[:at] if at > 0 else first)
    return out


def rows(tsv: Path) -> list[tuple[int, str, str]]:
    """(downloads a month, name, summary) of every row, most downloaded first."""
    out: list[tuple[int, str, str]] = []
    lines = tsv.read_text(encoding="utf-8").splitlines()
    for line in lines[1:]:
        parts = line.split("\t")
        if len(parts) < 3 or not parts[2].isdigit():
            continue
        out.append((int(parts[2]), parts[0], parts[3] if len(parts) > 3 else ""))
    out.sort(reverse=True)
    return out


def matches(cat: str, name: str, summary: str) -> bool:
    by_name, by_summary = CATS[cat]
    return bool(
        (by_name and re.search(by_name, name)) or (by_summary and re.search(by_summary, summary))
    )


def main() -> int:
    tsv, *skips = (Path(a) for a in sys.argv[1:])
    known = known_names(skips)
    new = [r for r in rows(tsv) if r[1] not in known]
    chosen: dict[str, str] = {}
    per: Counter[str] = Counter()
    scopes: Counter[str] = Counter()
    for cat in CATS:
        for downloads, name, summary in new:
            if downloads < MIN_DOWNLOADS:
                break
            if name.startswith("@types/") or name in chosen or not matches(cat, name, summary):
                continue
            scope = name.split("/")[0] if name.startswith("@") else None
            if scope and scopes[scope] >= SCOPE_CAPS.get(scope, SCOPE_CAP):
                continue
            if per[cat] >= PER_CATEGORY:
                break
            chosen[name] = cat
            per[cat] += 1
            if scope:
                scopes[scope] += 1
    for name in chosen:
        print(name)
    print(dict(per), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
