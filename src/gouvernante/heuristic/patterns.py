"""The heuristic pattern table: what ``-heuristic`` looks for, and why.

Each pattern has a stable id (``GH-...``, never reused), a severity, the confidence it is reported
with when its strongest condition holds, a one-line title, why it matters, and the public incident
it was modelled on. The engine (``engine.py``) decides per hit whether the strong or the weak form
matched; ``confidence`` here is the strongest one the pattern can report.

The table is data: ``docs/heuristics.md`` documents every row and ``tests/heuristic`` checks that
each id has a recall fixture.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from gouvernante.vocab import Severity

CONFIDENCES = ("low", "medium", "high")


@dataclass(frozen=True, slots=True)
class Pattern:
    id: str
    severity: Severity
    confidence: str  # the strongest confidence this pattern reports
    title: str
    why: str
    origin: str
    reference: str


_PATTERNS: tuple[Pattern, ...] = (
    # -- install-time execution ------------------------------------------------------------------
    Pattern(
        id="GH-INSTALL-FETCH-EXEC",
        severity=Severity.CRITICAL,
        confidence="high",
        title="Install-time code pipes a download into a shell or interpreter",
        why=(
            "A preinstall/install/postinstall step downloads code and runs it at once "
            "(curl|sh, wget -O- | bash, iwr|iex, powershell -enc): whatever the server sends runs "
            "with the installing user's rights, and the package contents show none of it."
        ),
        origin="Shai-Hulud 2.0 (Nov 2025): setup_bun.js piped the bun installer into bash",
        reference="https://panther.com/blog/shai-hulud-npm-supply-chain-attack",
    ),
    Pattern(
        id="GH-INSTALL-INLINE-EVAL",
        severity=Severity.HIGH,
        confidence="high",
        title="Install script runs inline code (node -e) that touches the network or evaluates",
        why=(
            "`node -e`/`bun -e` in a lifecycle script with network access, eval or base64 "
            "decoding hides a dropper in package.json itself; harmless idioms such as "
            "`node -e \"try{require('./postinstall')}catch(e){}\"` are not reported."
        ),
        origin="Recurring typosquat droppers; inline variant of the plain-crypto-js setup",
        reference="https://diegorodrigo.dev/en/2026/04/17/the-axios-case-trusting-npm/",
    ),
    Pattern(
        id="GH-INSTALL-RUNTIME-DOWNLOAD",
        severity=Severity.CRITICAL,
        confidence="high",
        title="Install-time code downloads a JavaScript runtime (bun, deno, node) to run a file",
        why=(
            "Fetching a second runtime during install and running a bundled file with it escapes "
            "tools that only watch `node`; Shai-Hulud 2.0 installed bun from its preinstall and "
            "ran a 10 MB obfuscated bun_environment.js with it."
        ),
        origin="Shai-Hulud 2.0 'The Second Coming' (Nov 2025): setup_bun.js + bun_environment.js",
        reference="https://panther.com/blog/shai-hulud-npm-supply-chain-attack",
    ),
    Pattern(
        id="GH-INSTALL-DOWNLOAD-EXEC",
        severity=Severity.HIGH,
        confidence="medium",
        title="Install-time code downloads something and starts a process",
        why=(
            "A file run by an install script both fetches over the network and spawns processes: "
            "the shape of every dropper. Well-known binary wrappers (esbuild, sharp, node-sass...) "
            "are not reported when nothing else in them is suspicious."
        ),
        origin="axios / plain-crypto-js (Mar 2026): postinstall setup.js fetched a per-OS RAT",
        reference="https://diegorodrigo.dev/en/2026/04/17/the-axios-case-trusting-npm/",
    ),
    Pattern(
        id="GH-INSTALL-LOLBIN",
        severity=Severity.HIGH,
        confidence="high",
        title="Code starts a Windows living-off-the-land binary (rundll32, regsvr32, mshta...)",
        why=(
            "Loading a DLL shipped inside the package with rundll32 (or running mshta, "
            "regsvr32, certutil -urlcache) has no place in a JavaScript library; the "
            "eslint-config-prettier compromise ran `rundll32 node-gyp.dll,main` from install.js."
        ),
        origin="eslint-config-prettier / eslint-plugin-prettier (Jul 2025, CVE-2025-54313)",
        reference="https://github.com/prettier/eslint-config-prettier/issues/339",
    ),
    Pattern(
        id="GH-INSTALL-SELF-DELETE",
        severity=Severity.HIGH,
        confidence="high",
        title="Code deletes itself or swaps in a clean package.json",
        why=(
            "An install script that unlinks its own file or renames a stashed manifest over "
            "package.json is erasing evidence: plain-crypto-js removed setup.js and restored a "
            "clean package.json so that the installed folder looked harmless afterwards."
        ),
        origin="axios / plain-crypto-js@4.2.1 (Mar 2026)",
        reference="https://diegorodrigo.dev/en/2026/04/17/the-axios-case-trusting-npm/",
    ),
    # -- decode and execute ----------------------------------------------------------------------
    Pattern(
        id="GH-DECODE-EXEC",
        severity=Severity.HIGH,
        confidence="high",
        title="Decoded data is passed to eval / Function / vm",
        why=(
            "eval(atob(...)), new Function(Buffer.from(x, 'base64')) and vm.runIn*Context of "
            "decoded text execute code nobody can read in the package; legitimate code almost "
            "never needs it."
        ),
        origin="event-stream / flatmap-stream (Nov 2018) and most obfuscated npm droppers since",
        reference="https://github.com/dominictarr/event-stream/issues/116",
    ),
    Pattern(
        id="GH-DECODE-BLOB-EXEC",
        severity=Severity.HIGH,
        confidence="medium",
        title="Long base64/hex blob decoded in a file that can execute code",
        why=(
            "A multi-kilobyte encoded string that the same file decodes, next to eval/Function/"
            "child_process, is how second stages are smuggled; data: URIs, source maps and wasm "
            "modules are not counted."
        ),
        origin="event-stream / flatmap-stream (Nov 2018): encrypted payload in test/data.js",
        reference="https://github.com/dominictarr/event-stream/issues/116",
    ),
    Pattern(
        id="GH-DECODE-CHARCODE-EXEC",
        severity=Severity.HIGH,
        confidence="high",
        title="XOR / charCode string builder in a file that runs processes",
        why=(
            "Strings rebuilt with String.fromCharCode and XOR keys hide commands and URLs from "
            "review; combined with child_process it is a dropper's signature (the plain-crypto-js "
            "setup.js decoded its strings this way)."
        ),
        origin="axios / plain-crypto-js (Mar 2026)",
        reference="https://diegorodrigo.dev/en/2026/04/17/the-axios-case-trusting-npm/",
    ),
    Pattern(
        id="GH-DECRYPT-EXEC",
        severity=Severity.CRITICAL,
        confidence="high",
        title="Decrypted payload compiled as a module, keyed by the host package",
        why=(
            "crypto.createDecipher with a key read from npm_package_* variables, followed by "
            "module._compile or eval, targets one specific victim project and stays inert "
            "everywhere else: exactly the flatmap-stream technique."
        ),
        origin="event-stream / flatmap-stream@0.1.1 (Nov 2018), aimed at the Copay wallet",
        reference="https://github.com/dominictarr/event-stream/issues/116",
    ),
    Pattern(
        id="GH-OBFUSCATED-NAMES",
        severity=Severity.HIGH,
        confidence="high",
        title="Dangerous module or API names hidden by string splitting or encoding",
        why=(
            "require('chi'+'ld_pro'+'cess'), ['sp'+'awn'], hex or base64 literals that decode to "
            "child_process, _compile, npm_package_description or a URL exist only to dodge "
            "greps and reviewers."
        ),
        origin=(
            "eslint-config-prettier install.js (Jul 2025); flatmap-stream (2018); node-ipc (2022)"
        ),
        reference="https://github.com/prettier/eslint-config-prettier/issues/339",
    ),
    # -- credential harvesting -------------------------------------------------------------------
    Pattern(
        id="GH-CRED-ENV-HARVEST",
        severity=Severity.CRITICAL,
        confidence="high",
        title="Secrets of several providers read from the environment next to network code",
        why=(
            "Reading NPM_TOKEN, GITHUB_TOKEN, AWS_*, GCP or Azure credentials together (or dumping "
            "the whole environment) next to network code is credential theft; a client library "
            "reading its own provider's variables is not reported."
        ),
        origin="Shai-Hulud (Sep 2025) and Shai-Hulud 2.0 (Nov 2025)",
        reference=(
            "https://www.cisa.gov/news-events/alerts/2025/09/23/"
            "widespread-supply-chain-compromise-impacting-npm-ecosystem"
        ),
    ),
    Pattern(
        id="GH-CRED-FILE-HARVEST",
        severity=Severity.CRITICAL,
        confidence="high",
        title="Credential files of several kinds read in a file that talks to the network",
        why=(
            "~/.npmrc, ~/.ssh/, ~/.aws/credentials, .env, gcloud/azure/kube/docker configs and "
            "wallet stores read together by code that also sends requests: the inventory step of "
            "every stealer in this list."
        ),
        origin="nx 's1ngularity' (Aug 2025); Shai-Hulud (Sep 2025)",
        reference="https://github.com/nrwl/nx/security/advisories/GHSA-cxm3-wv7p-598c",
    ),
    Pattern(
        id="GH-CRED-SCANNER",
        severity=Severity.CRITICAL,
        confidence="high",
        title="Package downloads or runs a secret scanner (trufflehog, gitleaks)",
        why=(
            "A dependency has no reason to run trufflehog or gitleaks on the machine that "
            "installs it; Shai-Hulud fetched trufflehog to sweep the disk for tokens."
        ),
        origin="Shai-Hulud (Sep 2025): bundle.js downloaded and ran trufflehog",
        reference=(
            "https://www.cisa.gov/news-events/alerts/2025/09/23/"
            "widespread-supply-chain-compromise-impacting-npm-ecosystem"
        ),
    ),
    # -- exfiltration and propagation ------------------------------------------------------------
    Pattern(
        id="GH-EXFIL-WEBHOOK",
        severity=Severity.HIGH,
        confidence="high",
        title="Code posts to a paste or webhook collection service",
        why=(
            "webhook.site, pipedream, requestbin, Discord/Telegram bot webhooks, paste sites and "
            "OAST hosts are where stolen data is dropped; high confidence when the same file "
            "touches secrets or runs at install time."
        ),
        origin="Shai-Hulud (Sep 2025): validated secrets posted to a webhook.site URL",
        reference=(
            "https://www.cisa.gov/news-events/alerts/2025/09/23/"
            "widespread-supply-chain-compromise-impacting-npm-ecosystem"
        ),
    ),
    Pattern(
        id="GH-EXFIL-GITHUB-REPO",
        severity=Severity.CRITICAL,
        confidence="high",
        title="Code creates GitHub repositories or registers runners with a harvested token",
        why=(
            "POST /user/repos or a runner registration token requested with a token taken from "
            "the environment or `gh auth token` is how nx and Shai-Hulud published stolen "
            "secrets and planted self-hosted runners."
        ),
        origin="nx 's1ngularity-repository' (Aug 2025); Shai-Hulud 1 and 2 (2025)",
        reference="https://github.com/nrwl/nx/security/advisories/GHSA-cxm3-wv7p-598c",
    ),
    Pattern(
        id="GH-EXFIL-WORKFLOW-WRITE",
        severity=Severity.CRITICAL,
        confidence="high",
        title="Code writes GitHub Actions workflows",
        why=(
            "A dependency writing .github/workflows/*.yml (worst: one that serialises "
            "`toJSON(secrets)`) turns every later CI run into an exfiltration job."
        ),
        origin="Shai-Hulud (Sep 2025): .github/workflows/shai-hulud-workflow.yml",
        reference="https://panther.com/blog/shai-hulud-npm-supply-chain-attack",
    ),
    Pattern(
        id="GH-PROPAGATE-NPM-PUBLISH",
        severity=Severity.CRITICAL,
        confidence="high",
        title="Code publishes npm packages with the installer's token (worm propagation)",
        why=(
            "`npm whoami` / maintainer search followed by `npm publish`, or injecting a "
            "postinstall into another package's manifest, from code that runs at install time is "
            "the Shai-Hulud worm loop; release tools (semantic-release...) are not install-time."
        ),
        origin="Shai-Hulud (Sep 2025): republished every package the stolen token could write",
        reference=(
            "https://www.cisa.gov/news-events/alerts/2025/09/23/"
            "widespread-supply-chain-compromise-impacting-npm-ecosystem"
        ),
    ),
    # -- persistence and sabotage ----------------------------------------------------------------
    Pattern(
        id="GH-PERSIST-SHELL-RC",
        severity=Severity.HIGH,
        confidence="high",
        title="Install-time code (or code with a destructive payload) writes shell rc files",
        why=(
            "Appending to ~/.bashrc or ~/.zshrc from a dependency runs attacker text in every new "
            "shell; nx appended `sudo shutdown -h 0`. Completion installers that are not run at "
            "install time are not reported."
        ),
        origin="nx 's1ngularity' (Aug 2025)",
        reference="https://github.com/nrwl/nx/security/advisories/GHSA-cxm3-wv7p-598c",
    ),
    Pattern(
        id="GH-PERSIST-SERVICE",
        severity=Severity.HIGH,
        confidence="high",
        title="Code installs a service, login item or scheduled task",
        why=(
            "systemd units, LaunchAgents, Run keys, cron/schtasks entries and self-hosted GitHub "
            "runners keep an attacker on the machine after the package is removed."
        ),
        origin="Shai-Hulud 2.0 (Nov 2025): self-hosted runner 'SHA1HULUD'; RAT loaders",
        reference="https://panther.com/blog/shai-hulud-npm-supply-chain-attack",
    ),
    Pattern(
        id="GH-SABOTAGE-SHUTDOWN",
        severity=Severity.HIGH,
        confidence="high",
        title="Code shuts down or reboots the machine",
        why="A library that runs `shutdown -h`, `poweroff` or `shutdown /s` is sabotage.",
        origin="nx 's1ngularity' (Aug 2025): `sudo shutdown -h 0` appended to rc files",
        reference="https://github.com/nrwl/nx/security/advisories/GHSA-cxm3-wv7p-598c",
    ),
    Pattern(
        id="GH-SABOTAGE-WIPE",
        severity=Severity.CRITICAL,
        confidence="high",
        title="Code deletes or overwrites the home directory recursively",
        why=(
            "rm -rf ~ / $HOME, fs.rmSync(os.homedir(), {recursive}), del /s %USERPROFILE% or "
            "shred over the home folder destroy a developer's data; Shai-Hulud 2.0 did this when "
            "it found no credentials."
        ),
        origin="Shai-Hulud 2.0 (Nov 2025)",
        reference="https://panther.com/blog/shai-hulud-npm-supply-chain-attack",
    ),
    Pattern(
        id="GH-SABOTAGE-GEO",
        severity=Severity.CRITICAL,
        confidence="high",
        title="Geolocation lookup gating file overwrites or deletes",
        why=(
            "Looking up the machine's country and then overwriting or deleting files is "
            "protestware: node-ipc overwrote files on hosts located in Russia and Belarus."
        ),
        origin="node-ipc 10.1.1-10.1.3 / peacenotwar (Mar 2022, CVE-2022-23812)",
        reference="https://github.com/advisories/GHSA-97m3-w2cp-4xx6",
    ),
    # -- wallet hijacking ------------------------------------------------------------------------
    Pattern(
        id="GH-WALLET-HIJACK",
        severity=Severity.CRITICAL,
        confidence="high",
        title="Browser code hooks wallets or network APIs and matches crypto addresses",
        why=(
            "Overriding fetch / XMLHttpRequest.prototype or wrapping window.ethereum while "
            "carrying regexes for ETH/BTC/SOL/TRX addresses is a drainer that rewrites payment "
            "destinations in the page (the chalk/debug payload)."
        ),
        origin="chalk, debug and 16 more packages (8 Sep 2025)",
        reference="https://www.fidesium.xyz/npm-supply-chain-attack-wallet-swap",
    ),
    # -- AI agent abuse --------------------------------------------------------------------------
    Pattern(
        id="GH-AI-AGENT-ABUSE",
        severity=Severity.CRITICAL,
        confidence="high",
        title="Code runs an AI coding CLI with its safety checks disabled",
        why=(
            "Starting claude --dangerously-skip-permissions, gemini --yolo or q --trust-all-tools "
            "from a package lets a prompt inventory wallets, keys and .env files with the local "
            "agent's rights; nx's telemetry.js did this to find secrets."
        ),
        origin="nx 's1ngularity' (Aug 2025): telemetry.js prompted local AI CLIs",
        reference="https://github.com/nrwl/nx/security/advisories/GHSA-cxm3-wv7p-598c",
    ),
)

PATTERNS: Mapping[str, Pattern] = MappingProxyType({p.id: p for p in _PATTERNS})


def get(pattern_id: str) -> Pattern:
    """The pattern with that id (KeyError if unknown)."""
    return PATTERNS[pattern_id]
