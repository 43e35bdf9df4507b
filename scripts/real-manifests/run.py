#!/usr/bin/env python3
"""Lockfiles written by the REAL package managers from the published manifests of real projects,
read by the oracle of tests/realworld/data/_tools and by gouvernante, compared pair by pair
(decision 0160). Complements scripts/published-lockfiles/ (lockfiles npm tarballs carry), which
finds almost no pnpm-lock.yaml or berry yarn.lock.

    run.py gen WORK --bin TOOLS [--only ID...] [--tools T,..] [--jobs N]
        network: the registry's manifest of every member of projects.json (pinned versions),
        a project folder per (project, tool) under WORK/cases/<project>--<tool>/tree, the tool
        writes the lockfile there without running anything (lockfile-only modes,
        --ignore-scripts); a tool's failure is kept in WORK/gen.json
    run.py check WORK [--oracle DIR] [--modes lockfile,dir] [--reuse] [--only ID...]
        offline: oracle + cross-check (scripts/published-lockfiles/sweep.py's) and gouvernante on
        every case WORK/cases holds; rows in WORK/results.json, totals on stdout

TOOLS is a folder where each tool was installed with npm (no install scripts), one folder each:
    for t in pnpm8:pnpm@8.15.9 pnpm9:pnpm@9.15.9 pnpm10:pnpm@10.34.9 \
             yarn4:@yarnpkg/cli-dist@4.12.0 yarn3:@yarnpkg/cli-dist@3.8.7 yarn1:yarn@1.22.22 \
             bun12:bun@1.2.23 bun13:bun@1.3.14; do
        mkdir -p TOOLS/${t%%:*} && npm i --prefix TOOLS/${t%%:*} --ignore-scripts ${t#*:}; done
npm is the one on PATH (11.19.1). Caches, stores and HOME of the tools are under WORK/_cache.
The oracle's tools: tests/realworld/data/_tools/setup.sh (or a copy where it ran: --oracle).
Nothing of what the tools write is run; yarn 1 has no lockfile-only mode and installs into the
case folder (node_modules removed after), which is why projects.json names where it runs.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))

REGISTRY = "https://registry.npmjs.org/"
TOOLS = ("pnpm8", "pnpm9", "pnpm10", "yarn4", "yarn3", "bun12", "bun13", "npm", "yarn1")
LOCKNAME = {
    "pnpm8": "pnpm-lock.yaml",
    "pnpm9": "pnpm-lock.yaml",
    "pnpm10": "pnpm-lock.yaml",
    "yarn4": "yarn.lock",
    "yarn3": "yarn.lock",
    "yarn1": "yarn.lock",
    "bun12": "bun.lock",
    "bun13": "bun.lock",
    "npm": "package-lock.json",
}
# what a project's manifest keeps (the rest: scripts, bin, files... nothing a lockfile reads)
KEEP = (
    "name",
    "version",
    "dependencies",
    "devDependencies",
    "optionalDependencies",
    "peerDependencies",
    "peerDependenciesMeta",
    "overrides",
    "resolutions",
    "pnpm",
    "dependenciesMeta",
)
DEP_FIELDS = ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies")
# specs no tool here can resolve (github.com is not reachable, no local folder, no catalog)
UNRESOLVABLE = re.compile(r"^(workspace:|link:|file:|catalog:|portal:|git|https?:|[^@/]+/[^@/]+$)")


def _module(path: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def manifest(name: str, version: str, cache: Path) -> dict[str, Any]:
    path = cache / "manifests" / f"{name.replace('/', '__')}@{version}.json"
    if not path.is_file():
        url = REGISTRY + urllib.parse.quote(name, safe="@") + "/" + version
        with urllib.request.urlopen(url, timeout=60) as r:
            body = r.read()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
    doc: dict[str, Any] = json.loads(path.read_text())
    return doc


def split(spec: str) -> tuple[str, str]:
    at = spec.rindex("@")
    return spec[:at], spec[at + 1 :]


def clean(doc: dict[str, Any], dropped: list[str]) -> dict[str, Any]:
    out = {k: doc[k] for k in KEEP if k in doc}
    for field in DEP_FIELDS:
        deps = out.get(field)
        if not isinstance(deps, dict):
            continue
        for dep, spec in list(deps.items()):
            if not isinstance(spec, str) or UNRESOLVABLE.match(spec):
                dropped.append(f"{doc['name']} {field} {dep}: {spec}")
                del deps[dep]
    if isinstance(out.get("pnpm"), dict):  # only the overrides of pnpm's settings
        out["pnpm"] = {k: v for k, v in out["pnpm"].items() if k == "overrides"} or None
        if out["pnpm"] is None:
            del out["pnpm"]
    return out


def merge(base: dict[str, Any], add: dict[str, Any]) -> None:
    for k, v in add.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            merge(base[k], v)
        else:
            base[k] = v


def project_files(proj: dict[str, Any], tool: str, cache: Path) -> tuple[dict[str, Any], list[str]]:
    """path -> JSON body (or text) of every file of the project folder, and the specs dropped."""
    dropped: list[str] = []
    members = [split(m) for m in proj["members"]]
    docs = [clean(manifest(n, v, cache), dropped) for n, v in members]
    files: dict[str, Any] = {}
    if len(docs) == 1:
        root = docs[0]
    else:
        own = {d["name"]: d["version"] for d in docs}
        dirs = []
        for d in docs:
            for field in DEP_FIELDS:
                for dep in list(d.get(field, {})):
                    if dep in own and proj.get("link", True):
                        # a link to a member: `workspace:` where the tool has it, else the
                        # member's own version (npm and yarn 1 link a workspace whose version
                        # satisfies the range)
                        linked = tool not in ("npm", "yarn1")
                        d[field][dep] = "workspace:^" if linked else own[dep]
                        if (
                            proj.get("inject")
                            and tool.startswith("pnpm")
                            and field != "peerDependencies"
                        ):
                            # pnpm's injected workspace packages (a copy, `file:` in the lockfile)
                            meta = d.setdefault("dependenciesMeta", {})
                            meta[dep] = {"injected": True}
            folder = "packages/" + d["name"].replace("@", "").replace("/", "-")
            dirs.append(folder)
            files[folder + "/package.json"] = d
        root = {"name": f"rm-{proj['id']}", "version": "0.0.0", "private": True}
        root["workspaces"] = ["packages/*"]
        if tool.startswith("pnpm"):
            files["pnpm-workspace.yaml"] = "packages:\n  - 'packages/*'\n"
    root = json.loads(json.dumps(root))
    merge(root, proj.get("add", {}))
    root["private"] = True
    files["package.json"] = root
    return files, dropped


def tool_cmd(tool: str, bins: Path, cache: Path) -> tuple[list[str], dict[str, str]]:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(cache / "home"),
        "npm_config_cache": str(cache / "npm"),
        "npm_config_update_notifier": "false",
        "CI": "",
    }
    # the machine's CA bundle (a proxy in between): node's, berry's and bun's own settings
    for var in ("NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "SSL_CERT_DIR"):
        if var in os.environ:
            env[var] = os.environ[var]
    ca = os.environ.get("NODE_EXTRA_CA_CERTS") or os.environ.get("SSL_CERT_FILE")
    if tool.startswith("pnpm"):
        js = bins / tool / "node_modules" / "pnpm" / "bin" / "pnpm.cjs"
        store = [
            "--store-dir",
            str(cache / f"{tool}-store"),
            "--cache-dir",
            str(cache / f"{tool}-c"),
        ]
        cmd = ["node", str(js), "install", "--lockfile-only", "--ignore-scripts", *store]
        return cmd, env
    if tool in ("yarn4", "yarn3"):
        js = bins / tool / "node_modules" / "@yarnpkg" / "cli-dist" / "bin" / "yarn.js"
        env |= {
            "YARN_ENABLE_GLOBAL_CACHE": "0",
            "YARN_CACHE_FOLDER": str(cache / f"{tool}-cache"),
            "YARN_GLOBAL_FOLDER": str(cache / f"{tool}-global"),
            "YARN_ENABLE_TELEMETRY": "0",
            "YARN_ENABLE_SCRIPTS": "0",
            "YARN_ENABLE_IMMUTABLE_INSTALLS": "0",
            "YARN_NODE_LINKER": "node-modules",
        }
        if ca:
            env["YARN_HTTPS_CA_FILE_PATH" if tool == "yarn4" else "YARN_CA_FILE_PATH"] = ca
        return ["node", str(js), "install", "--mode=update-lockfile"], env
    if tool == "yarn1":
        js = bins / tool / "node_modules" / "yarn" / "bin" / "yarn.js"
        opts = ["--ignore-scripts", "--ignore-engines", "--non-interactive", "--no-progress"]
        return ["node", str(js), "install", *opts, "--cache-folder", str(cache / "yarn1")], env
    if tool.startswith("bun"):
        exe = bins / tool / "node_modules" / "@oven" / "bun-linux-x64" / "bin" / "bun"
        env |= {"BUN_INSTALL_CACHE_DIR": str(cache / f"{tool}-cache"), "BUN_INSTALL": str(cache)}
        cafile = ["--cafile", ca] if ca else []
        return [
            str(exe),
            "install",
            "--lockfile-only",
            "--ignore-scripts",
            "--no-progress",
            *cafile,
        ], env
    npm = ["npm", "install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund"]
    return npm, env


_UNSERVED = (
    re.compile(r"No matching version found for (\S+?)@[^@\s]*[\s.]"),
    re.compile(r"404[^\n]*?GET https://registry\.(?:npmjs\.org|yarnpkg\.com)/(\S+?)[\s:]"),
    re.compile(r"registry\.(?:npmjs\.org|yarnpkg\.com)/(\S+?): Not found"),
    re.compile(r"'(\S+?)@[^@']*' is not in this registry"),
    re.compile(r"YN00(?:82|35|16): [^\w@]*(@?[^@\s]+)@npm:"),
    re.compile(r"Couldn't find any versions for \"(\S+?)\""),
    re.compile(r"error: (@?[^@\s]+)@\S* failed to resolve"),
    re.compile(r'No version matching "[^"]*" found for specifier "(\S+?)"'),
    re.compile(r"error: package \"(\S+?)\" not found"),
    re.compile(r"No versions available for (\S+?)\. "),
)


def _ends(text: str) -> str:
    lines = [ln for ln in text.splitlines() if not ln.startswith("Progress: ")]
    text = "\n".join(lines)
    return text if len(text) < 8000 else text[:4000] + "\n...\n" + text[-4000:]


def unserved(out: str) -> set[str]:
    names = set()
    for rx in _UNSERVED:
        for m in rx.finditer(out):
            names.add(urllib.parse.unquote(m.group(1)))
    return names


def direct_names(case: Path) -> set[str]:
    names: set[str] = set()
    for p in (case / "tree").rglob("package.json"):
        if "node_modules" in p.parts:
            continue
        doc = json.loads(p.read_text())
        for field in DEP_FIELDS:
            names |= set(doc.get(field) or {})
    return names


def write_tree(
    proj: dict[str, Any], tool: str, cache: Path, case: Path, drops: set[str]
) -> list[str]:
    tree = case / "tree"
    if case.exists():
        shutil.rmtree(case)
    tree.mkdir(parents=True)
    files, dropped = project_files(proj, tool, cache)
    for rel, body in files.items():
        if not isinstance(body, str):
            for field in DEP_FIELDS:
                for dep in set(body.get(field) or {}) & drops:
                    dropped.append(
                        f"{body.get('name')} {field} {dep}: {body[field].pop(dep)} (not served)"
                    )
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        text = body if isinstance(body, str) else json.dumps(body, indent=2) + "\n"
        (tree / rel).write_text(text)
    if tool in ("yarn4", "yarn3"):
        (tree / "yarn.lock").write_text("")  # the project's root for berry
        (tree / ".yarnrc.yml").write_text("enableScripts: false\n")
    return dropped


def gen_one(proj: dict[str, Any], tool: str, work: Path, bins: Path) -> dict[str, Any]:
    cache = work / "_cache"
    case = work / "cases" / f"{proj['id']}--{tool}"
    tree = case / "tree"
    if (tree / LOCKNAME[tool]).is_file():
        done: dict[str, Any] = json.loads((case / "gen.json").read_text())
        return done
    drops_file = cache / "drops" / f"{proj['id']}.json"
    notes: list[str] = []
    cmd, env = tool_cmd(tool, bins, cache)
    (cache / "home").mkdir(parents=True, exist_ok=True)
    legacy = False
    for _ in range(12):
        drops = set(json.loads(drops_file.read_text())) if drops_file.is_file() else set()
        dropped = write_tree(proj, tool, cache, case, drops)
        full = [*cmd, "--legacy-peer-deps"] if legacy else cmd
        try:
            run = subprocess.run(
                ["nice", "-n", "10", *full],
                check=False,
                cwd=tree,
                env=env,
                capture_output=True,
                text=True,
                timeout=900,
            )
            rc, out = run.returncode, _ends(run.stdout + run.stderr)
        except subprocess.TimeoutExpired:
            rc, out = -1, "timeout 900 s"
        if not rc:
            break
        if tool == "npm" and not legacy and "ERESOLVE" in out:
            legacy = True  # what a project does on a peer conflict
            notes.append("npm ERESOLVE: --legacy-peer-deps")
            continue
        # a direct dependency the registry does not serve (a monorepo's unpublished devDependency,
        # a release this registry lacks): dropped from the project, for every tool, and again
        missing = {n for n in unserved(out) if n in direct_names(case)} - drops
        if not missing:
            break
        notes.append(f"{tool}: the registry serves no release for {sorted(missing)}: dropped")
        drops_file.parent.mkdir(parents=True, exist_ok=True)
        drops_file.write_text(json.dumps(sorted(drops | missing)))
    shutil.rmtree(tree / "node_modules", ignore_errors=True)
    for rel in (".yarnrc.yml", ".yarn", ".pnp.cjs", ".pnp.loader.mjs", "install-state.gz"):
        p = tree / rel
        if p.is_dir():
            shutil.rmtree(p)
        elif p.is_file() and rel != ".yarnrc.yml":
            p.unlink()
    lock = tree / LOCKNAME[tool]
    ok = rc == 0 and lock.is_file() and lock.stat().st_size > 0
    if not ok and lock.is_file():
        lock.unlink()
    listed = sorted(str(p.relative_to(tree)) for p in tree.rglob("*") if p.is_file())
    src = {
        "id": case.name, "repo": f"real-manifests:{proj['id']}", "tool": tool,
        "members": proj["members"], "lockfile": LOCKNAME[tool], "commit": None,
        "files": [
            {"path": p, "sha256": hashlib.sha256((tree / p).read_bytes()).hexdigest()}
            for p in listed
        ],
    }  # fmt: skip
    (case / "source.json").write_text(json.dumps(src, indent=1) + "\n")
    res = {"id": case.name, "ok": ok, "rc": rc, "dropped": dropped, "notes": notes}
    if not ok:
        res["output"] = out
    (case / "gen.json").write_text(json.dumps(res, indent=1) + "\n")
    return res


def gen(work: Path, bins: Path, only: list[str], tools: list[str], jobs: int) -> int:
    spec = json.loads((HERE / "projects.json").read_text())["projects"]
    todo = []
    for proj in spec:
        if only and proj["id"] not in only:
            continue
        # every project's manifests first, one at a time (the registry), then the tools
        for m in proj["members"]:
            manifest(*split(m), work / "_cache")
        allowed = TOOLS if proj.get("tools") == "all" else TOOLS[:-1]
        todo += [(proj, t) for t in tools if t in allowed]
    todo.sort(key=lambda pt: tools.index(pt[1]))  # tool by tool, in the order --tools names them
    results = []
    with ThreadPoolExecutor(jobs) as ex:
        for res in ex.map(lambda pt: gen_one(pt[0], pt[1], work, bins), todo):
            results.append(res)
            print(f"{res['id']:40s} {'ok' if res['ok'] else 'FAILED rc=' + str(res['rc'])}",
                  flush=True)  # fmt: skip
    old = {}
    if (work / "gen.json").is_file():
        old = {r["id"]: r for r in json.loads((work / "gen.json").read_text())}
    old |= {r["id"]: r for r in results}
    (work / "gen.json").write_text(
        json.dumps(sorted(old.values(), key=lambda r: r["id"]), indent=1)
    )
    return 0


def check(
    work: Path, oracle_dir: Path, modes: tuple[str, ...], reuse: bool, only: list[str]
) -> int:
    sweep = _module(ROOT / "scripts" / "published-lockfiles" / "sweep.py", "pl_sweep")

    from realworld.harness import evaluate

    assemble = sweep._load(oracle_dir / "assemble.py", "rw_assemble")
    cases = work / "cases"
    results = []
    for case in sorted(cases.iterdir()):
        src = (
            json.loads((case / "source.json").read_text())
            if (case / "source.json").is_file()
            else None
        )
        if src is None or not (case / "tree" / src["lockfile"]).is_file():
            continue
        shas = {f["path"]: f["sha256"] for f in src["files"]}
        body = (case / "tree" / src["lockfile"]).read_bytes()
        if shas.get(src["lockfile"]) != hashlib.sha256(body).hexdigest():
            print(f"{case.name}: the lockfile is not the one gen recorded (skipped)")
            continue
        if only and not any(case.name.startswith(o) for o in only):
            continue
        done = case / "expected.json"
        exp = (
            json.loads(done.read_text())
            if reuse and done.is_file()
            else sweep.oracle(case, oracle_dir, assemble)
        )
        res: dict[str, Any] = {
            "id": case.name,
            "format": exp["lockfile_format"],
            "family": exp["family"],
        }
        if "oracle_error" in exp:
            res["oracle_error"] = exp["oracle_error"]
        else:
            res["pairs"] = exp["count"]
            res["crosscheck_differences"] = len(exp["crosscheck_differences"])
            for mode in modes:
                try:
                    outcome = evaluate(case.name, mode, data=cases, non_registry_rules=True)
                    res[mode] = sweep.summarize(outcome)
                except Exception as e:  # a crash is a finding too
                    res[mode] = {
                        "exact": False,
                        "errors": [f"CRASH {type(e).__name__}: {e}"],
                        "pairs": 0,
                    }
                res[mode]["class"] = sweep.klass(res[mode])
        results.append(res)
        tag = " ".join(f"{m}={res[m]['class']}" for m in modes if m in res)
        print(f"{case.name:40s} {res['format']:42s} {res.get('pairs', 0):5d} {tag}", flush=True)
    (work / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    sweep.report(results)
    failed = []
    for case in sorted(cases.iterdir()):
        if only and not any(case.name.startswith(o) for o in only):
            continue
        gen = json.loads((case / "gen.json").read_text()) if (case / "gen.json").is_file() else {}
        if gen and not gen["ok"]:
            failed.append(f"{case.name}: {failure(gen)}")
    print(f"\n{len(failed)} (project, tool) pairs where the tool wrote no lockfile:")
    print("\n".join("  " + f for f in failed))
    return 0


_WHY = re.compile(
    r"(ERR_PNPM_\w+.*|YN0\d+: .*(?:No candidates|not found|Error).*|npm error (?:code|notarget) .*|"
    r"error: .*|error [A-Z].*|No packages!.*|timeout \d+ s)"
)


def failure(res: dict[str, Any]) -> str:
    """the tool's first error line (a package name and range, never a scanned file)."""
    m = _WHY.search(res.get("output", ""))
    return m.group(1)[:160] if m else f"exit {res['rc']}"


def main() -> int:
    if len(sys.argv) < 3 or sys.argv[1] not in ("gen", "check"):
        print(__doc__)
        return 2
    cmd, work, rest = sys.argv[1], Path(sys.argv[2]).resolve(), sys.argv[3:]
    bins, oracle_dir = Path(tempfile.gettempdir()), ROOT / "tests" / "realworld" / "data" / "_tools"
    only: list[str] = []
    tools, jobs, reuse = list(TOOLS), 2, False
    modes: tuple[str, ...] = ("lockfile", "dir")
    while rest:
        opt = rest.pop(0)
        if opt == "--bin":
            bins = Path(rest.pop(0)).resolve()
        elif opt == "--oracle":
            oracle_dir = Path(rest.pop(0)).resolve()
        elif opt == "--tools":
            tools = rest.pop(0).split(",")
        elif opt == "--modes":
            modes = tuple(rest.pop(0).split(","))
        elif opt == "--jobs":
            jobs = int(rest.pop(0))
        elif opt == "--reuse":
            reuse = True
        elif opt == "--only":
            only, rest = rest, []
    (work / "cases").mkdir(parents=True, exist_ok=True)
    if cmd == "gen":
        return gen(work, bins, only, tools, jobs)
    return check(work, oracle_dir, modes, reuse, only)


if __name__ == "__main__":
    sys.exit(main())
