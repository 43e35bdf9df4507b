"""The heuristic engine: static look at installed package folders for compromise techniques.

Nothing here executes scanned code. Files are opened read-only with ``O_NONBLOCK | O_NOFOLLOW``,
checked with ``fstat`` to be regular files, capped in size (files over ``MAX_FILE_BYTES`` are
sampled: their head and tail are scanned and a note says so), binary files are skipped, symlinked
directories are never followed and directory loops are guarded by ``(st_dev, st_ino)``.

How a package is judged:

1. ``package.json``: the install-time lifecycle scripts (``preinstall``, ``install``,
   ``postinstall``) are read; commands are checked directly (``curl | sh``, ``node -e ...``) and
   the local files they start (``node setup.js``, ``require('./x')`` inside ``node -e``) are marked
   *install-reachable*, transitively through the local files those name (a few levels).
2. Every code file (``.js``/``.cjs``/``.mjs``/``.ts``/shell/PowerShell/... and shebang scripts) is
   reduced to *signals*: regular expressions over its text plus a decoded view (hex and base64
   string literals, literal-only ``'a' + 'b'`` concatenations).
3. Patterns (``patterns.py``) are combinations of signals in one file; running at install time
   raises or enables several of them. Each hit carries the confidence of the form that matched.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import json
import os
import re
import stat
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property

from gouvernante.fs.walk import walk
from gouvernante.heuristic.patterns import PATTERNS
from gouvernante.model import Finding, FindingType, MatchKind
from gouvernante.vocab import Severity

__all__ = [
    "MAX_FILE_BYTES",
    "HeuristicHit",
    "count_packages",
    "scan_package_dir",
    "scan_tree",
    "to_finding",
]

MAX_FILE_BYTES = 2 * 1024 * 1024  # larger files are sampled (head + tail)
SAMPLE_HEAD_BYTES = 1024 * 1024
SAMPLE_TAIL_BYTES = 512 * 1024
MAX_MANIFEST_BYTES = 1024 * 1024
MAX_FILES_PER_PACKAGE = 20_000
MAX_EXCERPT = 160
PARALLEL_THRESHOLD = 24  # packages; below this scan_tree stays in one process

INSTALL_HOOKS = ("preinstall", "install", "postinstall")
CODE_SUFFIXES = (
    ".js", ".cjs", ".mjs", ".jsx", ".ts", ".cts", ".mts", ".tsx",
    ".sh", ".bash", ".zsh", ".ps1", ".psm1", ".bat", ".cmd", ".py", ".vbs",
)  # fmt: skip
SKIP_SUFFIXES = (".d.ts", ".d.mts", ".d.cts", ".map")

# Packages whose install step legitimately downloads and starts a native binary. They are spared
# GH-INSTALL-DOWNLOAD-EXEC / GH-INSTALL-RUNTIME-DOWNLOAD only while nothing else in the package is
# suspicious: a compromised release of one of them still shows its other signals.
KNOWN_BINARY_WRAPPERS = frozenset(
    {
        "bun", "deno", "node", "esbuild", "esbuild-wasm", "@swc/core", "sharp", "node-sass",
        "puppeteer", "puppeteer-core", "playwright", "playwright-core", "electron", "cypress",
        "phantomjs", "phantomjs-prebuilt", "chromedriver", "geckodriver", "@sentry/cli",
        "@biomejs/biome", "turbo", "prisma", "@prisma/engines", "@prisma/client", "nx",
        "lefthook", "@parcel/watcher", "canvas", "bcrypt", "sqlite3", "better-sqlite3",
        "@mapbox/node-pre-gyp", "node-pre-gyp", "grpc-tools", "ngrok", "flow-bin",
        "husky", "core-js", "core-js-pure", "protoc", "workerd", "wrangler", "@tailwindcss/oxide",
        "@vscode/ripgrep", "vscode-ripgrep", "msw", "edgedriver", "iedriver", "selenium-webdriver",
    }
)  # fmt: skip


@dataclass(frozen=True)
class HeuristicHit:
    """One pattern matched at one place in one installed package."""

    pattern_id: str
    severity: Severity
    confidence: str  # low | medium | high
    title: str
    why: str
    file: str
    line: int  # 1-based; 0 when the place is in the unscanned middle's tail sample
    excerpt: str  # <= 160 chars, tokens masked
    package: str | None
    version: str | None


# --------------------------------------------------------------------------------------------
# safe reading


@dataclass
class _Stats:
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, key: str, n: int = 1) -> None:
        self.counts[key] += n


def _read_regular(path: str, limit: int, stats: _Stats) -> tuple[bytes, bool] | None:
    """Bytes of a regular file (head+tail sample when larger than ``limit``); None if unreadable."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    flags |= getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        stats.add("unreadable")
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            stats.add("not_regular")
            return None
        size = st.st_size
        if size <= limit:
            return _read_all(fd, size), False
        head = _read_all(fd, SAMPLE_HEAD_BYTES)
        os.lseek(fd, max(size - SAMPLE_TAIL_BYTES, SAMPLE_HEAD_BYTES), os.SEEK_SET)
        tail = _read_all(fd, SAMPLE_TAIL_BYTES)
        stats.add("sampled")
        return head + b"\n" + tail, True
    except OSError:
        stats.add("unreadable")
        return None
    finally:
        os.close(fd)


def _read_all(fd: int, size: int) -> bytes:
    chunks: list[bytes] = []
    remaining = size
    while remaining > 0:
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _is_binary(data: bytes) -> bool:
    return b"\x00" in data[:8192]


def _load_manifest(pkg_dir: str, stats: _Stats) -> tuple[dict[str, object], str] | None:
    got = _read_regular(os.path.join(pkg_dir, "package.json"), MAX_MANIFEST_BYTES, stats)
    if got is None or got[1]:
        return None
    raw = got[0].decode("utf-8", errors="replace")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        stats.add("bad_manifest")
        return None
    if not isinstance(data, dict):
        return None
    return data, raw


def _str_field(data: dict[str, object], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value else None


# --------------------------------------------------------------------------------------------
# signals


def _rx(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(pattern, flags)


RX_NET = _rx(
    r"require\(\s*['\"](?:node:)?(?:https?|http2|net|tls|dgram)['\"]\s*\)"
    r"|from\s+['\"](?:node:)?(?:https?|http2|net|tls|dgram)['\"]"
    r"|import\s*\(\s*['\"](?:node:)?https?['\"]\s*\)"
    r"|fetch\s*\(|XMLHttpRequest|axios|new\s+WebSocket|https?\.(?:get|request)\s*\("
    r"|curl\s+-|wget\s+-|Invoke-(?:WebRequest|RestMethod)|Net\.WebClient|iwr\s+https?:|irm\s+https?:"
)
RX_PROC = _rx(
    r"require\(\s*['\"](?:node:)?child_process['\"]\s*\)|from\s+['\"](?:node:)?child_process['\"]"
    r"|execSync\s*\(|execFileSync\s*\(|spawnSync\s*\(|Bun\.spawn|Deno\.(?:run|Command)\b"
    r"|execa\b|['\"]cross-spawn['\"]|['\"]shelljs['\"]|child_process"
)
RX_DYN_REQUIRE = _rx(r"require\s*\(\s*(?!path\.|require\.|String\b)[\w$]{1,12}\s*\(")
RX_EVAL_SINK = _rx(
    r"eval\s*\(|new\s+Function\s*\(|Function\s*\(|vm\.(?:runIn\w+|compileFunction)\s*\("
    r"|new\s+(?:vm\.)?Script\s*\(|runIn(?:This|New)?Context\s*\(|\._compile\s*\("
)
RX_DECODE_NEAR = _rx(
    r"atob\s*\(|Buffer\.from\s*\([^;]{0,3000}?,\s*['\"](?:base64|base64url|hex)['\"]"
    r"|new\s+Buffer\s*\([^;]{0,3000}?,\s*['\"](?:base64|hex)['\"]"
)
RX_BLOB = _rx(r"['\"`]([A-Za-z0-9+/]{1000,}={0,2}|(?:[0-9a-fA-F]{2}){600,})['\"`]")
RX_DECODE_ANY = _rx(
    r"atob\s*\(|['\"](?:base64|base64url|hex)['\"]\s*\)|\.toString\(\s*['\"](?:base64|hex)['\"]"
)
RX_XOR_BUILDER = _rx(
    r"String\.fromCharCode\s*\([^)]{0,160}\^|charCodeAt\s*\([^)]{0,40}\)\s*\^\s*[\w$\[\]().]+"
    r"|\^\s*[\w$\[\]().]{1,30}\.charCodeAt\s*\("
)
RX_SECRET_ENV = _rx(
    r"(NPM_TOKEN|NODE_AUTH_TOKEN|NPM_AUTH_TOKEN|GITHUB_TOKEN|GH_TOKEN|GITHUB_PAT|GH_ENTERPRISE_TOKEN"
    r"|ACTIONS_RUNTIME_TOKEN|ACTIONS_ID_TOKEN_REQUEST_TOKEN|GITLAB_TOKEN|GL_TOKEN|CI_JOB_TOKEN"
    r"|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|GOOGLE_APPLICATION_CREDENTIALS"
    r"|GOOGLE_API_KEY|GCP_SERVICE_ACCOUNT_KEY|GCLOUD_SERVICE_KEY|CLOUDSDK_AUTH_ACCESS_TOKEN"
    r"|AZURE_CLIENT_SECRET|AZURE_STORAGE_KEY|AZURE_STORAGE_CONNECTION_STRING|ARM_CLIENT_SECRET"
    r"|AZURE_DEVOPS_EXT_PAT|OPENAI_API_KEY|ANTHROPIC_API_KEY|DIGITALOCEAN_ACCESS_TOKEN"
    r"|HEROKU_API_KEY|CIRCLE_TOKEN|VERCEL_TOKEN|NETLIFY_AUTH_TOKEN|CLOUDFLARE_API_TOKEN"
    r"|DOCKER_PASSWORD|SLACK_BOT_TOKEN)\b"
)
_ENV_FAMILY = {
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
RX_ENV_DUMP = _rx(
    r"JSON\.stringify\(\s*process\.env\s*[,)]|Object\.(?:entries|keys)\(\s*process\.env\s*\)"
    r"|Bun\.env\b\s*\)"
)
RX_CRED_FILE = _rx(
    r"(?P<npm>['\"/\\~]\.npmrc\b)|(?P<ssh>['\"/\\~]\.ssh\b|id_(?:rsa|ed25519|ecdsa)\b)"
    r"|(?P<aws>\.aws[/\\]+(?:credentials|config)\b)|(?P<git>\.git-credentials\b)"
    r"|(?P<gcp>\.config[/\\]+gcloud\b|application_default_credentials\.json)"
    r"|(?P<azure>['\"/\\~]\.azure[/\\'\"])|(?P<kube>\.kube[/\\]+config\b)"
    r"|(?P<docker>\.docker[/\\]+config\.json)|(?P<dotenv>['\"/\\]\.env(?:\.local|\.production)?['\"])"
    r"|(?P<wallet>wallet\.dat\b|Local Extension Settings|\.config[/\\]+solana|\.electrum\b"
    r"|Ethereum[/\\]+keystore|Exodus[/\\]+exodus\.wallet)"
)
RX_SCANNER = _rx(r"(?:trufflehog|gitleaks)\b", re.IGNORECASE)
RX_EXFIL_HOST = _rx(
    r"webhook\.site|\.pipedream\.net|requestbin\.|hookbin\.|beeceptor\.com"
    r"|discord(?:app)?\.com[\w.-]*/api/webhooks|api\.telegram\.org[\w.-]*/bot"
    r"|pastebin\.com[\w.-]*/(?:api|raw)|paste\.ee\b|hastebin\.|ghostbin\."
    r"|transfer\.sh\b|0x0\.st\b|ngrok(?:-free)?\.(?:io|app)\b|interact\.sh\b"
    r"|oast\.(?:fun|me|pro|live|site|online)\b|burpcollaborator\.net|canarytokens\.com"
)
RX_GH_REPO = _rx(
    r"(?:['\"`\s]|POST\s+)/user/repos\b|api\.github\.com[\w.-]*/user/repos|createForAuthenticatedUser\b"
    r"|/actions/runners/registration-token|createRegistrationTokenFor(?:Repo|Org)\b"
)
RX_GH_TOKEN_SRC = _rx(
    r"GITHUB_TOKEN\b|GH_TOKEN\b|gh\s+auth\s+token\b|ghp_|gho_|\.git-credentials\b"
    r"|\.config[/\\]+gh[/\\]+hosts\.yml"
)
RX_WORKFLOW = _rx(r"\.github[/\\]+workflows\b")
RX_TOJSON_SECRETS = _rx(r"toJSON\(\s*secrets\s*\)")
RX_FS_WRITE = _rx(
    r"writeFile(?:Sync)?\s*\(|appendFile(?:Sync)?\s*\(|createWriteStream\s*\(|Bun\.write\s*\(|>>\s*['\"~$/]"
    r"|Out-File\b|Set-Content\b"
)
RX_GH_CONTENTS = _rx(r"/contents/\.github|git\s+(?:add|commit|push)\b")
RX_NPM_PUBLISH = _rx(r"npm\s+publish\b|['\"]publish['\"]\s*,\s*['\"]--")
RX_NPM_WHOAMI = _rx(r"npm\s+whoami\b|/-/whoami\b")
RX_MAINTAINER_ENUM = _rx(
    r"/-/v1/search\?[^'\"`\s]*maintainer|maintainer:\$\{|maintainer:['\"]?\s*\+"
)
RX_INJECT_SCRIPT = _rx(
    r"scripts\s*\.\s*(?:pre|post)?install\s*=|scripts\s*\[\s*['\"](?:pre|post)?install['\"]\s*\]\s*="
)
RX_TARBALL = _rx(r"npm\s+pack\b|\.tgz\b|tar\s+-?[xczf]{2,}|package/package\.json")
RX_RC_FILE = _rx(
    r"['\"/\\~]\.(?:bashrc|zshrc|bash_profile|zprofile|zshenv|profile)\b|config/fish/config\.fish"
)
RX_SERVICE = _rx(
    r"Launch(?:Agents|Daemons)\b|/etc/systemd/system|systemd[/\\]+user\b"
    r"|systemctl\s+(?:--user\s+)?enable\b|CurrentVersion\\+Run\b|crontab\s+-?[\w-]"
    r"|(?:schtasks|SCHTASKS)(?:\.exe)?\s+/(?:create|CREATE|Create)\b|\\Startup\\|actions-runner\b"
    r"|config\.(?:sh|cmd)\s+--url\b|svc\.sh\s+install\b"
)
RX_SHUTDOWN = _rx(
    r"(?:['\"`>]|\\n)\s*(?:sudo\s+)?(?:shutdown\s+(?:-[hrP]\b|/[srp]\b|now\b)|poweroff\b|halt\s+-[fp]"
    r"|reboot\s+-f\b|init\s+0\b)"
)
RX_WIPE = _rx(
    r"rm\s+-(?:rf|fr|Rf|rF)\s+(?:--no-preserve-root\s+)?(?:~/?\*?|\$HOME/?\*?|\"\$HOME\"|\$\{HOME\}|/\*?)"
    r"(?=[\s'\"`;&|)]|$)"
    r"|(?:rmSync|rmdirSync|rimraf(?:\.sync)?|removeSync|remove|rm|emptyDirSync|emptyDir)\s*\("
    r"\s*(?:os\.)?homedir\(\)\s*[,)]"
    r"|(?:rmSync|rmdirSync|rimraf(?:\.sync)?|removeSync|rm)\s*\(\s*process\.env\.(?:HOME|USERPROFILE)\s*[,)]"
    r"|(?:del|DEL)\s+(?:/[fsqaFSQA]\s+)+[^'\"`\n]{0,20}%USERPROFILE%"
    r"|(?:rd|RD|rmdir)\s+/[sS]\s+/[qQ]\s+[^'\"`\n]{0,5}%USERPROFILE%"
    r"|Remove-Item\s+[^'\"`\n]{0,40}\$(?:env:USERPROFILE|HOME)[^'\"`\n]{0,40}-Recurse"
    r"|shred\s+-[a-z]*u[a-z]*\s+[^'\"`\n]{0,40}(?:~|\$HOME)|cipher\s+/[Ww]:"
)
RX_GEO_LOOKUP = _rx(
    r"ipgeolocation|ip-api\.com|ipapi\.co|geoip\b|ipinfo\.io|freegeoip|geolocation-db"
    r"|country_?(?:name|code)\b|countryCode\b",
    re.IGNORECASE,
)
RX_GEO_TARGET = _rx(
    r"(?:['\"]|^)(?:ru|by|RU|BY|russia|belarus|Russia|Belarus|RUS|BLR)(?:['\"]|$)", re.MULTILINE
)
RX_COUNTRY_CODE = _rx(r"['\"]([A-Z]{2})['\"]")
RX_FS_DESTRUCT = _rx(r"(?:writeFileSync|writeFile|unlinkSync|rmSync|rmdirSync|unlink)\s*\(")
RX_READDIR = _rx(r"readdir(?:Sync)?\s*\(|walk\w*\s*\(|glob\w*\s*\(")
RX_ETH_HOOK = _rx(
    r"window\.ethereum\b|ethereum\.(?:request|send|sendAsync|enable)\b|eth_sendTransaction"
    r"|eth_signTypedData|solana\.(?:signTransaction|signAndSendTransaction)\b"
)
RX_NET_OVERRIDE = _rx(
    r"XMLHttpRequest\.prototype\.(?:open|send|setRequestHeader)\s*=(?!=)"
    r"|window\.fetch\s*=(?!=)|globalThis\.fetch\s*=(?!=)|self\.fetch\s*=(?!=)"
    r"|Object\.defineProperty\(\s*(?:window|globalThis|self)\s*,\s*['\"](?:fetch|ethereum)['\"]"
)
RX_ADDR_ETH = _rx(
    r"0x\[(?:a-fA-F0-9|0-9a-fA-F|a-f0-9|0-9a-f|A-Fa-f0-9|0-9A-Fa-f|0-9A-F|A-F0-9)\]\{40\}"
)
RX_ADDR_B58 = _rx(r"\[1-9A-HJ-NP-Za-km-z\]|\[a-km-zA-HJ-NP-Z1-9\]")
RX_ADDR_BECH32 = _rx(r"bc1q?\[|\(\?:bc1|bc1\|")
RX_ADDR_LITERAL = _rx(r"0x[0-9a-fA-F]{40}\b|bc1q[02-9ac-hj-np-z]{38,58}\b")
RX_AI_FLAG = _rx(
    r"--dangerously-skip-permissions|--yolo\b|--trust-all-tools|--dangerously-bypass-approvals-and-sandbox"
    r"|--allow-all-tools"
)
RX_AI_CLI = _rx(
    r"['\"`](?:claude|gemini|q|codex|copilot|cursor-agent)['\"`\s]"
    r"|(?:claude|gemini|codex)\s+(?:-p|--print|--prompt|exec)\b|q\s+chat\b"
)
RX_SECRET_PROMPT = _rx(
    r"wallet|keystore|mnemonic|seed phrase|private key|id_rsa|\.env\b|credential|metamask|secret",
    re.IGNORECASE,
)
RX_LOLBIN = _rx(
    r"(?:['\"`]|^)\s*(?:rundll32|regsvr32|mshta|wscript|cscript|certutil|bitsadmin|installutil"
    r"|RUNDLL32|REGSVR32|MSHTA|WSCRIPT|CSCRIPT|CERTUTIL|BITSADMIN|INSTALLUTIL)(?:\.exe|\.EXE)?\b"
    r"(?!['\"]\s*:)",
    re.MULTILINE,
)
RX_LOLBIN_WORD = _rx(r"(?:rundll32|regsvr32|mshta|certutil|bitsadmin)\b", re.IGNORECASE)
RX_FETCH_PIPE = _rx(
    r"(?:curl|wget)\b[^\n'\"`|;&]{0,200}\|\s*(?:sudo\s+)?(?:(?:ba|z|da|k)?sh|node|python3?|perl|ruby|bun)\b"
    r"|(?:iwr|irm|IWR|IRM|Invoke-WebRequest|Invoke-RestMethod|DownloadString)\b[^\n'\"`]{0,200}"
    r"(?:\|\s*(?:iex|IEX|Iex)\b|Invoke-Expression)"
    r"|(?:curl|wget)\b[^\n;]{0,200}&&\s*(?:chmod\s+\+x|(?:ba)?sh\s|python3?\s|node\s|\.?/tmp/)"
    r"|(?:ba)?sh\s+-c\s+[\"']?\$\(\s*(?:curl|wget)\b|(?:ba)?sh\s+<\(\s*(?:curl|wget)\b"
    r"|(?:powershell|PowerShell|POWERSHELL)(?:\.exe)?\b[^\n'\"`]{0,80}\s"
    r"-(?:e|ec|enc|encodedcommand|E|EC|Enc|ENC|EncodedCommand)\s+[A-Za-z0-9+/=]{16,}"
)
RX_EXEC_CALL_BEFORE = _rx(r"(?:exec\w*|spawn\w*|execa|system)\s*\(\s*[^()\n]{0,60}$")
RX_RUNTIME_URL = _rx(
    r"bun\.sh[\w.-]*/install|github\.com[\w.-]*/oven-sh/bun/releases|bun-(?:linux|darwin|windows)-"
    r"(?:x64|aarch64)|deno\.land[\w.-]*/(?:x/)?install|dl\.deno\.land\b|nodejs\.org[\w.-]*/dist/v\d"
)
RX_BUN_EXEC = _rx(
    r"['\"`]bun['\"`]\s*,\s*\[|['\"`]bun\s+(?:run\s+)?[\w./-]+\.[cm]?[jt]s\b|bunx?\s+[\w./-]+\.[cm]?[jt]s\b"
)
RX_SELF_DELETE = _rx(
    r"(?:unlink|unlinkSync|rm|rmSync|rimraf(?:\.sync)?)\s*\(\s*(?:__filename|process\.argv\[1\])\b"
)
RX_MANIFEST_SWAP = _rx(
    r"(?:rename|renameSync|copyFile|copyFileSync)\s*\([^)]{0,160}['\"][^'\"]*package\.json['\"]"
    r"|['\"]package\.md['\"]"
)
RX_DECIPHER = _rx(r"createDecipher(?:iv)?\s*\(")
RX_NPM_PKG_ENV = _rx(r"npm_package_\w+")
RX_COMPILE = _rx(r"_compile\b")

# decoded view
RX_HEX_LIT = _rx(r"['\"]((?:[0-9a-fA-F]{2}){4,256})['\"]")
RX_B64_LIT = _rx(r"['\"]([A-Za-z0-9+/]{8,512}={0,2})['\"]")
RX_CONCAT = _rx(
    r"(?:'[^'\\\n]{0,40}'|\"[^\"\\\n]{0,40}\")(?:\s*\+\s*(?:'[^'\\\n]{0,40}'|\"[^\"\\\n]{0,40}\")){1,12}"
)
RX_STR_PART = _rx(r"'([^'\\\n]*)'|\"([^\"\\\n]*)\"")
RX_STRONG_TOKEN = _rx(
    r"child_process|\bspawn(?:Sync)?\b|\bexec(?:Sync|File)?\b|\beval\b|_compile|\brequire\b|rundll32"
    r"|regsvr32|powershell|cmd\.exe|/bin/(?:ba)?sh\b|npm_package_|\.npmrc|\.ssh/|\bcurl\b|\bwget\b"
    r"|api\.github\.com|webhook|\bFunction\b|\.bashrc|\.zshrc|process\.env|mainModule"
)
RX_URLISH = _rx(r"https?://|ipgeolocation|\.onion\b")
RX_PRINTABLE = _rx(r"[\t\n\r\x20-\x7e]+")

# install commands
RX_CMD_FILE = _rx(
    r"(?:^|[\s;&|(])(?:node|nodejs|bun|bunx|tsx|ts-node|sh|bash|zsh|python3?|deno\s+run(?:\s+-\S+)*)"
    r"\s+(?:--?[\w-]+(?:=\S+)?\s+)*(?P<f>\.{0,2}/?[\w@][\w@./-]*)"
)
RX_CMD_SCRIPT = _rx(r"(?:^|[\s;&|(])(?P<f>\.{1,2}/[\w@./-]+)")
RX_INLINE = _rx(
    r"\b(?:node|nodejs|bun)\s+(?:-e|--eval|-p|--print)\s+(?P<code>\"(?:[^\"\\]|\\.)*\"|'[^']*'|\S+)"
    r"|\bdeno\s+eval\s+(?P<code2>\"(?:[^\"\\]|\\.)*\"|'[^']*'|\S+)"
)
RX_REQUIRE_LOCAL = _rx(r"\b(?:require|import)\s*\(\s*['\"](\.{1,2}/[^'\"]+)['\"]\s*\)")
RX_LOCAL_REF = _rx(
    r"['\"`](\.{0,2}/?[\w@][\w@./-]{0,200}\.(?:c|m)?(?:js|ts)|[\w@./-]{1,200}\.(?:sh|py|ps1))['\"`]"
)
RX_BUN_CMD = _rx(r"(?:^|[\s;&|(])(?:bun|bunx|deno)\s+(?:run\s+)?[\w./@-]+")
RX_SHELL_SEP = _rx(r"&&|\|\||;|\n")

# excerpt masking
RX_MASK_KV = _rx(
    r"((?:_authToken|_auth|password|passwd|secret|token|apikey|api_key)['\"]?\s*[=:]\s*['\"])"
    r"([^\s'\"`,;]{6,})|(_authToken=)([^\s'\"`,;]{6,})",
    re.IGNORECASE,
)
RX_MASK_TOKEN = _rx(
    r"gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{16,}|npm_[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16}"
    r"|xox[abprs]-[A-Za-z0-9-]{10,}|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{4,}"
    r"|[A-Za-z0-9+/_=-]{40,}"
)

ANCHORS: dict[re.Pattern[str], tuple[str, ...]] = {
    RX_NET: ("http", "'net'", '"net"', ":net", "'tls'", '"tls"', ":tls", "dgram", "fetch",
             "xmlhttprequest", "axios", "websocket", "curl", "wget", "invoke-", "webclient",
             "iwr", "irm"),
    RX_PROC: ("child_process", "execsync", "execfilesync", "spawnsync", "bun.spawn", "deno.",
              "execa", "cross-spawn", "shelljs"),
    RX_DECODE_ANY: ("atob", "'base64", '"base64', "'hex'", '"hex"'),
    RX_XOR_BUILDER: ("fromcharcode", "charcodeat"),
    RX_SECRET_ENV: ("_token", "aws_", "google_", "gcp_", "gcloud_", "cloudsdk_", "azure_", "arm_",
                    "_api_key", "_pat", "docker_password"),
    RX_ENV_DUMP: ("process.env", "bun.env"),
    RX_CRED_FILE: (".npmrc", ".ssh", "id_rsa", "id_ed25519", "id_ecdsa", ".aws", ".git-credentials",
                   "gcloud", "application_default_credentials", ".azure", ".kube", ".docker",
                   "'.env", '".env', "/.env", "\\.env", "wallet.dat", "local extension settings",
                   "solana", ".electrum", "keystore", "exodus"),
    RX_SCANNER: ("trufflehog", "gitleaks"),
    RX_EXFIL_HOST: ("webhook.site", "pipedream", "requestbin", "hookbin", "beeceptor",
                    "/api/webhooks", "api.telegram.org", "pastebin", "paste.ee", "hastebin",
                    "ghostbin", "transfer.sh", "0x0.st", "ngrok", "interact.sh", "oast.fun",
                    "oast.me", "oast.pro", "oast.live", "oast.site", "oast.online",
                    "burpcollaborator", "canarytokens"),
    RX_GH_REPO: ("/user/repos", "createforauthenticateduser", "registration-token",
                 "createregistrationtoken"),
    RX_GH_TOKEN_SRC: ("github_token", "gh_token", "auth token", "ghp_", "gho_", ".git-credentials",
                      "hosts.yml"),
    RX_WORKFLOW: (".github",),
    RX_TOJSON_SECRETS: ("tojson(",),
    RX_FS_WRITE: ("writefile", "appendfile", "createwritestream", "bun.write", ">> ", ">>'", '>>"',
                  ">>~", ">>$", ">>/", "out-file", "set-content"),
    RX_GH_CONTENTS: ("/contents/.github", "git"),
    RX_NPM_PUBLISH: ("publish",),
    RX_NPM_WHOAMI: ("whoami",),
    RX_MAINTAINER_ENUM: ("maintainer",),
    RX_INJECT_SCRIPT: ("scripts",),
    RX_TARBALL: ("npm pack", ".tgz", "tar ", "package/package.json"),
    RX_RC_FILE: ("bashrc", "zshrc", "bash_profile", "zprofile", "zshenv", ".profile",
                 "config.fish"),
    RX_SERVICE: ("launchagents", "launchdaemons", "/etc/systemd", "systemd/user", "systemctl",
                 "currentversion\\", "crontab", "schtasks", "\\startup\\", "actions-runner",
                 "--url", "svc.sh"),
    RX_SHUTDOWN: ("shutdown -", "shutdown /", "shutdown now", "poweroff", "halt -", "reboot -f",
                  "init 0"),
    RX_WIPE: ("rm -rf", "rm -fr", "homedir()", "env.home", "env.userprofile", "%userprofile%",
              "remove-item", "shred -", "cipher /w"),
    RX_GEO_LOOKUP: ("ipgeolocation", "ip-api", "ipapi", "geoip", "ipinfo", "freegeoip",
                    "geolocation-db", "country_name", "country_code", "countrycode", "countryname"),
    RX_ETH_HOOK: ("ethereum", "eth_", "solana."),
    RX_NET_OVERRIDE: ("xmlhttprequest.prototype", "window.fetch", "globalthis.fetch", "self.fetch",
                      "defineproperty(window", "defineproperty(globalthis", "defineproperty(self"),
    RX_AI_FLAG: ("--dangerously", "--yolo", "--trust-all-tools", "--allow-all-tools"),
    RX_LOLBIN: ("rundll32", "regsvr32", "mshta", "wscript", "cscript", "certutil", "bitsadmin",
                "installutil"),
    RX_FETCH_PIPE: ("curl ", "wget ", "|iex", "| iex", "invoke-expression", "powershell"),
    RX_RUNTIME_URL: ("bun.sh", "oven-sh/bun", "bun-linux", "bun-darwin", "bun-windows",
                     "deno.land", "nodejs.org"),
    RX_BUN_EXEC: ("bun ", "bun'", 'bun"', "bun`", "bunx "),
    RX_SELF_DELETE: ("__filename", "process.argv[1]"),
    RX_MANIFEST_SWAP: ("package.json", "package.md"),
    RX_DECIPHER: ("createdecipher",),
    RX_NPM_PKG_ENV: ("npm_package_",),
    RX_COMPILE: ("_compile",),
    RX_SECRET_PROMPT: ("wallet", "keystore", "mnemonic", "seed phrase", "private key", "id_rsa",
                       ".env", "credential", "metamask", "secret"),
}  # fmt: skip

# anchors checked against the original text (case matters: ``Function(`` vs ``function(``)
ANCHORS_CS: dict[re.Pattern[str], tuple[str, ...]] = {
    RX_DYN_REQUIRE: ("require",),
    RX_EVAL_SINK: ("eval", "Function", "vm.", "Script", "runIn", "_compile"),
}


@dataclass
class _Text:
    """A file's text plus its decoded view (decoded literals mapped back to source offsets).

    Every search first checks the pattern's literal anchors (``ANCHORS``) against the lowered
    text with ``in``: most files contain none of them, and Python's ``re`` is slow on patterns
    that do not start with a literal.
    """

    text: str
    decoded: str = ""
    dec_starts: list[int] = field(default_factory=list)
    dec_offsets: list[int] = field(default_factory=list)
    strong_decoded: int | None = None  # offset of a literal that hides a dangerous name
    url_decoded: int | None = None
    low: str = ""

    def may(self, rx: re.Pattern[str]) -> bool:
        anchors = ANCHORS.get(rx)
        if anchors is not None:
            low = self.low
            return any(a in low for a in anchors)
        anchors = ANCHORS_CS.get(rx)
        if anchors is not None:
            text = self.text
            return any(a in text for a in anchors)
        return True

    def find(self, rx: re.Pattern[str]) -> re.Match[str] | None:
        """First match in the text itself (not the decoded view)."""
        return rx.search(self.text) if self.may(rx) else None

    def search(self, rx: re.Pattern[str]) -> int | None:
        """Offset of the first match in the text, else in the decoded view (mapped back)."""
        if not self.may(rx):
            return None
        m = rx.search(self.text)
        if m is not None:
            return m.start()
        if self.decoded:
            m = rx.search(self.decoded)
            if m is not None:
                return self._map(m.start())
        return None

    def _map(self, pos: int) -> int:
        i = bisect.bisect_right(self.dec_starts, pos) - 1
        return self.dec_offsets[max(i, 0)]

    def iter_all(self, rx: re.Pattern[str]) -> Iterator[re.Match[str]]:
        if not self.may(rx):
            return
        yield from rx.finditer(self.text)
        if self.decoded:
            yield from rx.finditer(self.decoded)


def _printable(raw: bytes) -> str | None:
    try:
        s = raw.decode("ascii")
    except UnicodeDecodeError:
        return None
    if len(s) < 3 or RX_PRINTABLE.fullmatch(s) is None:
        return None
    letters = sum(c.isalpha() for c in s)
    return s if letters * 2 >= len(s) else None


def _build_text(text: str) -> _Text:
    t = _Text(text)
    parts: list[str] = []
    pos = 0

    def add(decoded: str, offset: int) -> None:
        nonlocal pos
        t.dec_starts.append(pos)
        t.dec_offsets.append(offset)
        parts.append(decoded)
        pos += len(decoded) + 1
        if RX_STRONG_TOKEN.search(decoded):
            if t.strong_decoded is None:
                t.strong_decoded = offset
        elif RX_URLISH.search(decoded) and t.url_decoded is None:
            t.url_decoded = offset

    if "'" in text or '"' in text:
        for m in RX_HEX_LIT.finditer(text):
            s = _printable(bytes.fromhex(m.group(1)))
            if s is not None:
                add(s, m.start())
        for m in RX_B64_LIT.finditer(text):
            lit = m.group(1)
            if len(lit) % 4 or (lit.isalpha() and "=" not in lit):
                continue
            if not (any(c.isdigit() or c in "+/=" for c in lit) and not lit.islower()):
                continue
            if lit.isupper() or lit.isdigit():
                continue
            try:
                s = _printable(base64.b64decode(lit, validate=True))
            except (binascii.Error, ValueError):
                continue
            if s is not None:
                add(s, m.start())
        if "+" in text:
            for m in RX_CONCAT.finditer(text):
                pieces = [a or b for a, b in RX_STR_PART.findall(m.group(0))]
                joined = "".join(pieces)
                tok = RX_STRONG_TOKEN.search(joined)
                if tok is None:
                    continue
                hidden = not any(tok.group(0) in piece for piece in pieces)
                if hidden:
                    add(joined, m.start())
    t.decoded = "\n".join(parts)
    t.low = (text + "\n" + t.decoded).lower() if t.decoded else text.lower()
    return t


# --------------------------------------------------------------------------------------------
# per-file analysis


@dataclass(frozen=True)
class _Raw:
    pattern_id: str
    confidence: str
    offset: int


def _any(t: _Text, *rxs: re.Pattern[str]) -> int | None:
    for rx in rxs:
        got = t.search(rx)
        if got is not None:
            return got
    return None


def _sinks(t: _Text) -> Iterator[re.Match[str]]:
    """eval / Function / vm / _compile call sites (word-bounded where it matters)."""
    if not t.may(RX_EVAL_SINK):
        return
    text = t.text
    for m in RX_EVAL_SINK.finditer(text):
        first = text[m.start()]
        if first in "eFn" and m.start() > 0:
            before = text[m.start() - 1]
            if before.isalnum() or before in "_$.":
                continue
        yield m


def _first_sink(t: _Text) -> int | None:
    for m in _sinks(t):
        return m.start()
    return None


def _near_sink(t: _Text, start: int, end: int, reach: int = 4000) -> bool:
    """Is an eval-like or process sink within ``reach`` characters of [start, end)?"""
    near = _Text(t.text[max(0, start - reach) : start] + "\n" + t.text[end : end + reach])
    near.low = near.text.lower()
    return _first_sink(near) is not None or near.find(RX_PROC) is not None


def _decode_exec(t: _Text) -> tuple[int, str] | None:
    """An eval-like sink whose argument is (or was just assigned) decoded data."""
    if not t.may(RX_DECODE_ANY):
        return None
    text = t.text
    count = 0
    for m in _sinks(t):
        count += 1
        if count > 400:
            break
        start = m.end()
        window = text[start : start + 240]
        if "sourceMappingURL" in window or window.lstrip("( \n")[:1] in ("'", '"', "`"):
            continue  # eval of a literal (bundler devtool output): decoding happens inside it
        if RX_DECODE_NEAR.match(window.lstrip("( ")) or RX_DECODE_NEAR.search(window[:120]):
            return m.start(), "high"
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
                return m.start(), "high"
    return None


class _Signals:
    """Per-file signals, computed on first use: most files never need most of them."""

    def __init__(self, t: _Text) -> None:
        self.t = t

    @cached_property
    def net(self) -> int | None:
        return self.t.search(RX_NET)

    @cached_property
    def proc(self) -> int | None:
        t = self.t
        found = t.search(RX_PROC)
        if found is None:  # a module name computed at run time stands in for child_process
            dyn = t.find(RX_DYN_REQUIRE)
            found = dyn.start() if dyn is not None else t.strong_decoded
        return found

    @cached_property
    def eval_sink(self) -> int | None:
        return _first_sink(self.t)

    @cached_property
    def fs_write(self) -> bool:
        return self.t.find(RX_FS_WRITE) is not None

    @cached_property
    def env(self) -> tuple[set[str], int | None]:
        families: set[str] = set()
        at: int | None = None
        for m in self.t.iter_all(RX_SECRET_ENV):
            families.add(_ENV_FAMILY.get(m.group(1), "other"))
            if at is None:
                at = self.t.search(re.compile(re.escape(m.group(1))))
        return families, at

    @cached_property
    def env_dump(self) -> int | None:
        m = self.t.find(RX_ENV_DUMP)
        return m.start() if m is not None else None

    @cached_property
    def cred(self) -> tuple[set[str], int | None]:
        cats: set[str] = set()
        at: int | None = None
        for m in self.t.iter_all(RX_CRED_FILE):
            if m.lastgroup:
                cats.add(m.lastgroup)
                if at is None:
                    at = self.t.search(re.compile(re.escape(m.group(0))))
        return cats, at

    @cached_property
    def exfil(self) -> int | None:
        return self.t.search(RX_EXFIL_HOST)

    @cached_property
    def secrets_touched(self) -> bool:
        return bool(self.env[0]) or self.env_dump is not None or bool(self.cred[0])

    @cached_property
    def gh_token(self) -> bool:
        return self.t.search(RX_GH_TOKEN_SRC) is not None


def _analyze(t: _Text, install: bool) -> list[_Raw]:
    text = t.text
    sig = _Signals(t)
    out: list[_Raw] = []

    def hit(pid: str, conf: str, off: int | None) -> None:
        out.append(_Raw(pid, conf, off or 0))

    # -- install-time execution inside files
    pipe = t.find(RX_FETCH_PIPE)
    if pipe is not None:
        if install:
            hit("GH-INSTALL-FETCH-EXEC", "high", pipe.start())
        elif RX_EXEC_CALL_BEFORE.search(text[max(0, pipe.start() - 80) : pipe.start()]):
            hit("GH-INSTALL-FETCH-EXEC", "medium", pipe.start())
    if install:
        runtime = t.find(RX_RUNTIME_URL)
        bun_exec = t.find(RX_BUN_EXEC)
        if runtime is not None and (sig.proc is not None or pipe is not None):
            hit("GH-INSTALL-RUNTIME-DOWNLOAD", "high", runtime.start())
        elif bun_exec is not None and sig.proc is not None:
            hit("GH-INSTALL-RUNTIME-DOWNLOAD", "medium", bun_exec.start())
        if sig.net is not None and sig.proc is not None:
            hit("GH-INSTALL-DOWNLOAD-EXEC", "medium", sig.net)
        self_del = t.find(RX_SELF_DELETE)
        swap = t.find(RX_MANIFEST_SWAP) if self_del is None else None
        if self_del is not None:
            hit("GH-INSTALL-SELF-DELETE", "high", self_del.start())
        elif swap is not None:
            hit("GH-INSTALL-SELF-DELETE", "medium", swap.start())
    lolbin = t.search(RX_LOLBIN)
    if lolbin is not None and sig.proc is not None:
        conf = "high" if install or t.strong_decoded is not None else "medium"
        hit("GH-INSTALL-LOLBIN", conf, lolbin)

    # -- decode and execute
    de = _decode_exec(t)
    if de is not None:
        hit("GH-DECODE-EXEC", de[1], de[0])
    blob = RX_BLOB.search(text) if t.may(RX_DECODE_ANY) else None
    if (
        blob is not None
        and not blob.group(1).startswith("AGFzbQ")
        and t.find(RX_DECODE_ANY)
        and (sig.eval_sink is not None or sig.proc is not None)
        and _near_sink(t, blob.start(), blob.end())
    ):
        hit("GH-DECODE-BLOB-EXEC", "high" if install else "medium", blob.start())
    xor = t.find(RX_XOR_BUILDER) if sig.proc is not None else None
    if xor is not None:
        strong = install or t.strong_decoded is not None
        if strong or sig.net is not None or sig.eval_sink is not None:
            hit("GH-DECODE-CHARCODE-EXEC", "high" if strong else "medium", xor.start())
    decipher = t.find(RX_DECIPHER)
    if decipher is not None:
        compile_at = t.search(RX_COMPILE)
        keyed = t.search(RX_NPM_PKG_ENV) is not None
        if keyed and (compile_at is not None or sig.eval_sink is not None):
            hit("GH-DECRYPT-EXEC", "high", decipher.start())
        elif compile_at is not None:
            hit("GH-DECRYPT-EXEC", "medium", decipher.start())
    if t.strong_decoded is not None:
        hit("GH-OBFUSCATED-NAMES", "high", t.strong_decoded)
    elif t.url_decoded is not None and (sig.net is not None or sig.proc is not None):
        hit("GH-OBFUSCATED-NAMES", "medium", t.url_decoded)

    # -- credential harvesting
    families, env_at = sig.env
    cred_cats, cred_at = sig.cred
    if families or cred_cats or sig.env_dump is not None:
        strong_ctx = install or sig.exfil is not None
        if sig.net is not None and (len(families) >= 3 or (install and len(families) >= 2)):
            hit("GH-CRED-ENV-HARVEST", "high" if strong_ctx else "medium", env_at)
        elif sig.env_dump is not None and strong_ctx and sig.net is not None:
            hit("GH-CRED-ENV-HARVEST", "high", sig.env_dump)
        if (len(cred_cats - {"dotenv"}) >= 2 or len(cred_cats) >= 3) and sig.net is not None:
            hit("GH-CRED-FILE-HARVEST", "high" if strong_ctx else "medium", cred_at)
    scanner = t.search(RX_SCANNER)
    if scanner is not None and (sig.proc is not None or sig.net is not None):
        hit("GH-CRED-SCANNER", "high", scanner)

    # -- exfiltration and propagation
    if sig.exfil is not None and (install or sig.net is not None):
        conf = "high" if (install or sig.secrets_touched) else "medium"
        hit("GH-EXFIL-WEBHOOK", conf, sig.exfil)
    gh_repo = t.search(RX_GH_REPO)
    if gh_repo is not None and sig.gh_token:
        strong = install or (sig.secrets_touched and (len(families) >= 2 or bool(cred_cats)))
        conf = "high" if strong or sig.exfil is not None else "medium"
        hit("GH-EXFIL-GITHUB-REPO", conf, gh_repo)
    wf = t.search(RX_WORKFLOW)
    if wf is not None and (sig.fs_write or t.find(RX_GH_CONTENTS)):
        strong = install or t.find(RX_TOJSON_SECRETS) is not None or sig.gh_token
        hit("GH-EXFIL-WORKFLOW-WRITE", "high" if strong else "medium", wf)
    publish = t.search(RX_NPM_PUBLISH)
    if publish is not None:
        inject = t.find(RX_INJECT_SCRIPT) is not None
        enum = t.search(RX_MAINTAINER_ENUM) is not None
        if install or inject or enum:
            hit("GH-PROPAGATE-NPM-PUBLISH", "high", publish)
        elif t.search(RX_NPM_WHOAMI) is not None and t.find(RX_TARBALL):
            hit("GH-PROPAGATE-NPM-PUBLISH", "medium", publish)

    # -- persistence and sabotage
    shutdown = t.search(RX_SHUTDOWN)
    rc = t.search(RX_RC_FILE)
    if rc is not None and (install or shutdown is not None or pipe) and sig.fs_write:
        hit("GH-PERSIST-SHELL-RC", "high", rc)
    service = t.search(RX_SERVICE)
    if (
        service is not None
        and (install or sig.exfil is not None or sig.secrets_touched)
        and (sig.fs_write or sig.proc is not None)
    ):
        hit("GH-PERSIST-SERVICE", "high" if install else "medium", service)
    if shutdown is not None and (sig.proc is not None or sig.fs_write):
        hit("GH-SABOTAGE-SHUTDOWN", "high", shutdown)
    wipe = t.search(RX_WIPE)
    if wipe is not None:
        hit("GH-SABOTAGE-WIPE", "high", wipe)
    geo = t.search(RX_GEO_LOOKUP)
    if geo is not None and RX_READDIR.search(text) and RX_FS_DESTRUCT.search(text):
        target = t.search(RX_GEO_TARGET)
        codes = {m.group(1) for m in RX_COUNTRY_CODE.finditer(text)}
        if target is not None and len(codes) < 20 and (sig.net is not None or t.url_decoded):
            hit("GH-SABOTAGE-GEO", "high", geo)

    # -- wallet hijacking
    override = t.find(RX_NET_OVERRIDE)
    if override is not None:
        chains = sum(
            1 for rx in (RX_ADDR_ETH, RX_ADDR_B58, RX_ADDR_BECH32) if rx.search(text) is not None
        )
        literals = len({m.group(0).lower() for m in RX_ADDR_LITERAL.finditer(text)})
        addr_list = literals >= 8
        hook = t.find(RX_ETH_HOOK) is not None
        if (chains or addr_list) and (hook or chains >= 2 or addr_list):
            hit("GH-WALLET-HIJACK", "high", override.start())
        elif chains:
            hit("GH-WALLET-HIJACK", "medium", override.start())

    # -- AI agent abuse
    ai = t.search(RX_AI_FLAG)
    if ai is not None and t.search(RX_AI_CLI) is not None and sig.proc is not None:
        strong = install or t.find(RX_SECRET_PROMPT) is not None
        hit("GH-AI-AGENT-ABUSE", "high" if strong else "medium", ai)
    return out


# --------------------------------------------------------------------------------------------
# install scripts


def _install_commands(manifest: dict[str, object]) -> list[tuple[str, str]]:
    scripts = manifest.get("scripts")
    if not isinstance(scripts, dict):
        return []
    return [(h, scripts[h]) for h in INSTALL_HOOKS if isinstance(scripts.get(h), str)]


def _unquote(code: str) -> str:
    if len(code) >= 2 and code[0] == code[-1] and code[0] in "\"'":
        code = code[1:-1]
    return code.replace('\\"', '"')


def _resolve_local(pkg_real: str, base_dir: str, ref: str) -> str | None:
    """A local file that ``ref`` names, inside the package; None if absent or outside."""
    ref = ref.strip().strip("'\"`")
    if not ref or ref.startswith("-") or "://" in ref:
        return None
    candidates: list[str] = []
    for base in (base_dir, pkg_real):
        p = os.path.normpath(os.path.join(base, ref))
        candidates += [p, p + ".js", p + ".cjs", p + ".mjs", os.path.join(p, "index.js")]
    for cand in candidates:
        if not (cand == pkg_real or cand.startswith(pkg_real + os.sep)):
            continue
        try:
            st = os.lstat(cand)
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode):
            return cand
    return None


def _command_refs(cmd: str) -> list[str]:
    refs: list[str] = []
    for part in RX_SHELL_SEP.split(cmd):
        for m in RX_CMD_FILE.finditer(part):
            refs.append(m.group("f"))
        for m in RX_CMD_SCRIPT.finditer(part):
            refs.append(m.group("f"))
        for m in RX_INLINE.finditer(part):
            code = _unquote(m.group("code") or m.group("code2") or "")
            refs += RX_REQUIRE_LOCAL.findall(code)
    return refs


def _analyze_commands(cmds: list[tuple[str, str]]) -> list[tuple[str, list[_Raw]]]:
    """Hits from the lifecycle commands themselves, keyed by hook name."""
    result: list[tuple[str, list[_Raw]]] = []
    for hook, cmd in cmds:
        raws: list[_Raw] = []
        pipe = RX_FETCH_PIPE.search(cmd)
        if pipe is not None:
            raws.append(_Raw("GH-INSTALL-FETCH-EXEC", "high", 0))
        if RX_RUNTIME_URL.search(cmd):
            raws.append(_Raw("GH-INSTALL-RUNTIME-DOWNLOAD", "high", 0))
        elif RX_BUN_CMD.search(cmd):
            raws.append(_Raw("GH-INSTALL-RUNTIME-DOWNLOAD", "medium", 0))
        if RX_LOLBIN_WORD.search(cmd):
            raws.append(_Raw("GH-INSTALL-LOLBIN", "high", 0))
        for m in RX_INLINE.finditer(cmd):
            code = _unquote(m.group("code") or m.group("code2") or "")
            ct = _build_text(code)
            if (
                _any(ct, RX_NET, RX_PROC, RX_EVAL_SINK, RX_DECODE_ANY) is not None
                or "process.env" in code
                or ct.strong_decoded is not None
            ):
                raws.append(_Raw("GH-INSTALL-INLINE-EVAL", "high", 0))
                break
        # the command text as install-time code (exfil hosts, secrets, wipes...)
        for raw in _analyze(_build_text(cmd), install=True):
            if raw.pattern_id not in {r.pattern_id for r in raws}:
                raws.append(_Raw(raw.pattern_id, raw.confidence, 0))
        result.append((hook, raws))
    return result


# --------------------------------------------------------------------------------------------
# package scan


def _is_code_file(name: str) -> bool | None:
    """True: scan; False: skip; None: scan only if it starts with a shebang."""
    low = name.lower()
    if low.endswith(SKIP_SUFFIXES):
        return False
    if low.endswith(CODE_SUFFIXES):
        return True
    return None if "." not in name else False


def _package_files(pkg_dir: str, stats: _Stats) -> Iterator[tuple[str, bool]]:
    """(path, needs_shebang) of the package's own files; never enters node_modules or symlinks."""
    emitted = 0
    walker = walk(
        pkg_dir,
        prune=lambda name, _path: name in ("node_modules", ".git"),
        on_error=lambda _path, _msg: stats.add("unreadable_dirs"),
    )
    for wd in walker:
        for name in wd.files:
            if name in wd.links:
                continue
            kind = _is_code_file(name)
            if kind is False:
                continue
            emitted += 1
            if emitted > MAX_FILES_PER_PACKAGE:
                stats.add("file_cap")
                return
            yield os.path.join(wd.path, name), kind is None


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _excerpt(text: str, offset: int) -> str:
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


def _manifest_line(raw: str, hook: str) -> int:
    idx = raw.find(f'"{hook}"')
    return _line_of(raw, idx) if idx >= 0 else 1


def _collect_reachable(pkg_real: str, cmds: list[tuple[str, str]], stats: _Stats) -> set[str]:
    reachable: set[str] = set()
    frontier: list[str] = []
    for _hook, cmd in cmds:
        for ref in _command_refs(cmd):
            got = _resolve_local(pkg_real, pkg_real, ref)
            if got is not None and got not in reachable:
                reachable.add(got)
                frontier.append(got)
    depth = 0
    while frontier and depth < 3 and len(reachable) < 32:
        depth += 1
        nxt: list[str] = []
        for path in frontier:
            got_bytes = _read_regular(path, MAX_FILE_BYTES, stats)
            if got_bytes is None or _is_binary(got_bytes[0]):
                continue
            text = got_bytes[0].decode("utf-8", errors="replace")
            refs = RX_REQUIRE_LOCAL.findall(text) + RX_LOCAL_REF.findall(text)
            for ref in refs[:200]:
                res = _resolve_local(pkg_real, os.path.dirname(path), ref)
                if res is not None and res not in reachable:
                    reachable.add(res)
                    nxt.append(res)
        frontier = nxt
    return reachable


def _scan_package(pkg_dir: str, stats: _Stats) -> list[HeuristicHit]:
    pkg_real = os.path.realpath(pkg_dir)
    loaded = _load_manifest(pkg_dir, stats)
    manifest, manifest_raw = loaded if loaded is not None else ({}, "")
    name = _str_field(manifest, "name")
    version = _str_field(manifest, "version")
    cmds = _install_commands(manifest)
    reachable = _collect_reachable(pkg_real, cmds, stats) if cmds else set()

    found: list[HeuristicHit] = []

    def emit(raw: _Raw, path: str, line: int, excerpt: str) -> None:
        p = PATTERNS[raw.pattern_id]
        found.append(
            HeuristicHit(
                pattern_id=p.id,
                severity=p.severity,
                confidence=raw.confidence,
                title=p.title,
                why=p.why,
                file=path,
                line=line,
                excerpt=excerpt,
                package=name,
                version=version,
            )
        )

    manifest_path = os.path.join(pkg_dir, "package.json")
    for hook, raws in _analyze_commands(cmds):
        line = _manifest_line(manifest_raw, hook)
        cmd = dict(cmds)[hook]
        for raw in raws:
            emit(raw, manifest_path, line, _excerpt(f"{hook}: {cmd}", 0))

    for path, needs_shebang in _package_files(pkg_dir, stats):
        got = _read_regular(path, MAX_FILE_BYTES, stats)
        if got is None:
            continue
        data, sampled = got
        if not data:
            continue
        if needs_shebang and not data.startswith(b"#!"):
            continue
        if _is_binary(data):
            stats.add("binary")
            continue
        stats.add("files")
        stats.add("bytes", len(data))
        text = data.decode("utf-8", errors="replace")
        install = os.path.realpath(path) in reachable
        raws = _analyze(_build_text(text), install)
        seen_ids: set[str] = set()
        head_len = SAMPLE_HEAD_BYTES if sampled else len(text) + 1
        for raw in raws:
            if raw.pattern_id in seen_ids:
                continue
            seen_ids.add(raw.pattern_id)
            line = _line_of(text, raw.offset) if raw.offset < head_len else 0
            emit(raw, path, line, _excerpt(text, raw.offset))

    # binary wrappers: their download-and-run install step is expected when nothing else is odd
    if name in KNOWN_BINARY_WRAPPERS:
        benign = {"GH-INSTALL-DOWNLOAD-EXEC", "GH-INSTALL-RUNTIME-DOWNLOAD"}
        if all(h.pattern_id in benign for h in found):
            found = []
    found.sort(key=lambda h: (h.file, h.line, h.pattern_id))
    return found


def scan_package_dir(pkg_dir: str) -> list[HeuristicHit]:
    """Heuristic hits in one installed package folder (the folder holding its package.json)."""
    return _scan_package(pkg_dir, _Stats())


# --------------------------------------------------------------------------------------------
# tree scan


def _is_package_dir(path: str, parent: str, is_root: bool) -> bool:
    if is_root:
        return True
    pname = os.path.basename(parent)
    if pname == "node_modules":
        return True
    if pname.startswith("@") and os.path.basename(os.path.dirname(parent)) == "node_modules":
        return True
    return "@@@" in os.path.basename(path)  # bun's install cache layout


def _discover(root: str, stats: _Stats) -> Iterator[str]:
    """Every package folder under root; symlinked directories are not followed."""
    walker = walk(
        root,
        prune=lambda name, _path: name == ".git",
        on_error=lambda _path, _msg: stats.add("unreadable_dirs"),
    )
    for wd in walker:
        if "package.json" in wd.files and _is_package_dir(
            wd.path, os.path.dirname(wd.path), wd.path == root
        ):
            yield wd.path


def _identity(pkg_dir: str, integrity: dict[str, str], stats: _Stats) -> tuple[str, ...] | None:
    loaded = _load_manifest(pkg_dir, stats)
    if loaded is None:
        return None
    manifest = loaded[0]
    name = _str_field(manifest, "name")
    version = _str_field(manifest, "version")
    if name is None or version is None:
        return None
    integ = _str_field(manifest, "_integrity") or integrity.get(os.path.abspath(pkg_dir), "")
    return (name, version, integ)


def _hidden_lock_integrity(root: str, stats: _Stats) -> dict[str, str]:
    """Integrity per installed folder from npm's node_modules/.package-lock.json files."""
    out: dict[str, str] = {}
    candidates = [os.path.join(root, "node_modules", ".package-lock.json")]
    if os.path.basename(root) == "node_modules":
        candidates.append(os.path.join(root, ".package-lock.json"))
    for lock in candidates:
        got = _read_regular(lock, 64 * 1024 * 1024, stats)
        if got is None or got[1]:
            continue
        try:
            data = json.loads(got[0])
        except (ValueError, RecursionError):
            continue
        pkgs = data.get("packages") if isinstance(data, dict) else None
        if not isinstance(pkgs, dict):
            continue
        base = os.path.dirname(os.path.dirname(lock))
        for key, entry in pkgs.items():
            if isinstance(key, str) and isinstance(entry, dict):
                integ = entry.get("integrity")
                if isinstance(integ, str):
                    out[os.path.abspath(os.path.join(base, key))] = integ
    return out


def _worker(pkg_dir: str) -> tuple[list[HeuristicHit], dict[str, int]]:
    stats = _Stats()
    hits = _scan_package(pkg_dir, stats)
    return hits, dict(stats.counts)


def _unique_packages(
    root: str, stats: _Stats, seen: set[tuple[str, ...]] | None = None
) -> list[str]:
    integrity = _hidden_lock_integrity(root, stats)
    seen = set() if seen is None else seen
    todo: list[str] = []
    for pkg_dir in _discover(root, stats):
        ident = _identity(pkg_dir, integrity, stats)
        if ident is not None:
            if ident in seen:
                stats.add("duplicates")
                continue
            seen.add(ident)
        todo.append(pkg_dir)
    return todo


def count_packages(root: str) -> int:
    """How many distinct package folders ``scan_tree(root)`` scans."""
    return len(_unique_packages(root, _Stats()))


def scan_tree(root: str, *, workers: int = 2) -> tuple[list[HeuristicHit], list[str]]:
    """``scan_trees`` of one root."""
    return scan_trees([root], workers=workers)


def scan_trees(roots: Sequence[str], *, workers: int = 2) -> tuple[list[HeuristicHit], list[str]]:
    """Scan every package folder under ``roots`` once; returns hits and human-readable notes.

    Package folders are the folders holding a package.json directly under a ``node_modules``
    (scoped or not, at any depth, including pnpm's ``.pnpm`` store and yarn's cache), bun cache
    entries, and ``root`` itself. The same name@version (and integrity, when npm's hidden lockfile
    or ``_integrity`` says it) is scanned once. With ``workers > 1`` and a big tree, packages are
    spread over that many processes.
    """
    stats = _Stats()
    seen: set[tuple[str, ...]] = set()  # shared, so a package is scanned once per run
    todo = [pkg for root in roots for pkg in _unique_packages(root, stats, seen)]
    hits: list[HeuristicHit] = []
    counts: Counter[str] = Counter(stats.counts)
    if workers > 1 and len(todo) >= PARALLEL_THRESHOLD:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for got_hits, got_counts in pool.map(_worker, todo, chunksize=8):
                hits += got_hits
                counts.update(got_counts)
    else:
        for pkg_dir in todo:
            got_hits, got_counts = _worker(pkg_dir)
            hits += got_hits
            counts.update(got_counts)
    hits.sort(key=lambda h: (h.file, h.line, h.pattern_id))
    return hits, _notes(len(todo), counts)


def _notes(packages: int, counts: Counter[str]) -> list[str]:
    notes = [
        f"heuristic: scanned {packages} package folders, {counts['files']} code files "
        f"({counts['bytes'] // 1024} KB)"
    ]
    if counts["duplicates"]:
        notes.append(
            f"heuristic: {counts['duplicates']} duplicate name@version folders scanned once"
        )
    if counts["sampled"]:
        notes.append(
            f"heuristic: sampled {counts['sampled']} files > {MAX_FILE_BYTES // 1024} KB "
            f"(first {SAMPLE_HEAD_BYTES // 1024} KB + last {SAMPLE_TAIL_BYTES // 1024} KB scanned)"
        )
    if counts["binary"]:
        notes.append(f"heuristic: skipped {counts['binary']} binary files")
    unreadable = counts["unreadable"] + counts["not_regular"] + counts["unreadable_dirs"]
    if unreadable:
        notes.append(f"heuristic: skipped {unreadable} unreadable or non-regular entries")
    if counts["file_cap"]:
        notes.append(
            f"heuristic: {counts['file_cap']} packages had more than {MAX_FILES_PER_PACKAGE} "
            "code files; the rest were not scanned"
        )
    return notes


def to_finding(hit: HeuristicHit) -> Finding:
    """The report form of a hit: type heuristic, match pattern, rule id = pattern id."""
    pattern = PATTERNS[hit.pattern_id]
    return Finding(
        rule_id=hit.pattern_id,
        rule_title=hit.title,
        severity=hit.severity,
        type=FindingType.HEURISTIC,
        match=MatchKind.PATTERN,
        description=f"{hit.why} (modelled on: {pattern.origin}; {pattern.reference})",
        remediation=(
            "Review the code at this place. If it is malicious, remove the package, rotate every "
            "credential the machine held and treat the host as compromised; if it is benign, "
            "suppress this pattern id for this package and version."
        ),
        package=hit.package,
        version=hit.version,
        excerpt=hit.excerpt,
        path=hit.file,
        line=hit.line if hit.line > 0 else None,
        confidence=hit.confidence,
    )
