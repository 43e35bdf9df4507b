#!/usr/bin/env python3
"""Lockfiles that npm registry tarballs carry, read by the package managers' own code (the
oracle of tests/realworld/data/_tools) and by gouvernante (`-lockfile` and `-dir`), compared pair
by pair. An independent sweep: the tarballs are not committed, `list.json` names each one
(package, version, tarball URL, sha256, member path).

    sweep.py discover CACHE NAME[:K[:all]] ...
                                           # network: K versions per name (the last of each
                                           # major.minor, spread; `all`: of every release),
                                           # tarballs kept in CACHE only when they hold a
                                           # lockfile member and list.json does not name them
    sweep.py fetch CACHE                   # network: the tarballs list.json names, sha256 checked
    sweep.py select CACHE [--append]       # offline: every lockfile member of CACHE's tarballs,
                                           # one row per distinct lockfile -> list.json
    sweep.py run CACHE [--tools DIR] [--work DIR] [--reuse] [--modes M,..] [--only ID...]
                                           # offline: oracle + cross-check + gouvernante on every
                                           # row of list.json; totals on stdout, rows in
                                           # WORK/results.json (--reuse: the oracle's answers a
                                           # run left in WORK, only gouvernante runs again;
                                           # --modes: lockfile,dir by default, git too)
    sweep.py report WORK                   # the totals of a run again

`run` needs the oracle's tools installed (tests/realworld/data/_tools/setup.sh, or --tools
pointing at a copy where it ran) and node; a `bun.lockb` is read for the oracle by bun itself
(ORACLE_BUN names its binary, e.g. from `npm i bun@1.1.38`). Nothing in a tarball is run,
members are copied byte for byte. A tarball is found in CACHE by the last segment of its URL
(scoped: `scope__name-v.tgz`) and checked against its sha256 before anything is read.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import posixpath
import re
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))
from gouvernante.rules.loader import PACKAGE_NAME_RE  # noqa: E402 - after the path set-up

TOOLS = ROOT / "tests" / "realworld" / "data" / "_tools"
LIST = HERE / "list.json"
LOCKS = (
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lock",
    "bun.lockb",
    "deno.lock",
)
MIN_BYTES = 300  # smaller members are empty lockfiles ({"lockfileVersion": 1} and the like)


def _load(path: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cache_name(url: str) -> str:
    scope = re.search(r"registry\.npmjs\.org/(@[^/]+)/", url)
    base = url.rsplit("/", 1)[1]
    return f"{scope.group(1)[1:]}__{base}" if scope else base


# ---------------------------------------------------------------- discover (network)


def _get(url: str, accept: str | None = None) -> bytes:
    req = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    with urllib.request.urlopen(req, timeout=120) as r:
        return bytes(r.read())


def _vkey(v: str) -> tuple[int, int, int]:
    a, b, c = v.split(".")
    return int(a), int(b), int(c)


def pick_versions(versions: list[str], k: int, patches: bool = False) -> list[str]:
    """K of the last releases of each major.minor, spread; ``patches``: K of every release."""
    plain = sorted((v for v in versions if re.fullmatch(r"\d+\.\d+\.\d+", v)), key=_vkey)
    last_minor: dict[tuple[int, int], str] = {}
    for v in plain:
        last_minor[_vkey(v)[:2]] = v
    cand = plain if patches else list(last_minor.values())
    if len(cand) > k:
        step = len(cand) / k
        cand = [cand[int(i * step)] for i in range(k)] + [cand[-1]]
    return sorted(set(cand), key=_vkey)


def lock_members(path: Path) -> list[tuple[str, int]]:
    out = []
    with tarfile.open(path) as t:
        for m in t:
            if m.isfile() and posixpath.basename(m.name) in LOCKS:
                out.append((m.name, m.size))
    return out


def discover(cache: Path, args: list[str]) -> None:
    cache.mkdir(parents=True, exist_ok=True)
    jobs = []
    for arg in args:
        name, _, k = arg.partition(":")
        k, _, every = k.partition(":")
        accept = "application/vnd.npm.install-v1+json"
        try:
            doc = json.loads(_get("https://registry.npmjs.org/" + name.replace("/", "%2f"), accept))
        except OSError as e:
            print(f"{name}: {e}")
            continue
        for v in pick_versions(list(doc.get("versions", {})), int(k or 8), every == "all"):
            jobs.append(doc["versions"][v]["dist"]["tarball"])

    listed = {r["tarball"] for r in json.loads(LIST.read_text())}

    def one(url: str) -> str:
        path = cache / cache_name(url)
        if url in listed:  # read by an earlier sweep: its lockfiles are list.json's already
            return f"{url}: listed"
        if path.exists():
            return f"{url}: cached"
        try:
            data = _get(url)
        except OSError as e:
            return f"{url}: {e}"
        path.write_bytes(data)
        members = [m for m in lock_members(path) if m[1] > MIN_BYTES]
        if not members:
            path.unlink()
        return f"{url}: {members}"

    with ThreadPoolExecutor(8) as ex:
        for line in ex.map(one, jobs):
            print(line)


def fetch(cache: Path) -> None:
    """Every tarball list.json names that CACHE lacks, downloaded and checked by its sha256."""
    cache.mkdir(parents=True, exist_ok=True)
    wanted = {r["tarball"]: r["tarball_sha256"] for r in json.loads(LIST.read_text())}
    for url, sha in sorted(wanted.items()):
        path = cache / cache_name(url)
        if path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == sha:
            continue
        data = _get(url)
        if hashlib.sha256(data).hexdigest() != sha:
            raise SystemExit(f"{url}: sha256 differs from list.json")
        path.write_bytes(data)
        print(f"{url}: fetched")


# ---------------------------------------------------------------- select (offline)


def select(cache: Path, append: bool = False) -> None:
    """``append``: list.json's rows stay as they are (ids and all) and only lockfiles it does
    not hold yet (by sha256) are added after them, numbered on."""
    old = json.loads(LIST.read_text()) if append else []
    rows: list[dict[str, Any]] = []
    seen: set[str] = {r["lockfile_sha256"] for r in old}
    for found in sorted(cache.glob("*.tgz")):
        data = found.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        with tarfile.open(found) as t:
            pkg = json.load(t.extractfile("package/package.json"))  # type: ignore[arg-type]
            url = tarball_url(pkg["name"], pkg["version"])
            if found.name != cache_name(url):  # found under another name: the one run looks for
                found.rename(cache / cache_name(url))
            for m in t:
                if not (m.isfile() and posixpath.basename(m.name) in LOCKS and m.size > MIN_BYTES):
                    continue
                if m.name.endswith("deno.lock"):  # the oracle has no deno reader: named, not read
                    print(f"{found.name}: {m.name} not listed (no oracle for deno.lock)")
                    continue
                body = t.extractfile(m).read()  # type: ignore[union-attr]
                lsha = hashlib.sha256(body).hexdigest()
                if lsha in seen:
                    continue
                seen.add(lsha)
                rows.append(
                    {
                        "package": pkg["name"],
                        "version": pkg["version"],
                        "tarball": url,
                        "tarball_sha256": sha,
                        "member": m.name,
                        "lockfile_sha256": lsha,
                    }
                )
    for i, r in enumerate(rows, start=len(old)):
        r["id"] = f"{i:04d}-{r['package'].replace('/', '+')}-{r['version']}"
    LIST.write_text(json.dumps(old + rows, indent=0) + "\n")
    print(f"{len(rows)} new distinct lockfiles in {len(list(cache.glob('*.tgz')))} tarballs"
          f" ({len(old)} listed before) -> {LIST}")  # fmt: skip


def tarball_url(name: str, version: str) -> str:
    return f"https://registry.npmjs.org/{name}/-/{name.rsplit('/', 1)[-1]}-{version}.tgz"


# ---------------------------------------------------------------- run (offline)


def build_case(row: dict[str, Any], cache: Path, work: Path, extract: Any) -> Path:
    """<work>/<id>/tree: the lockfile, the package.json beside it and every workspace manifest
    the lockfile names that the tarball holds, byte for byte; <id>/source.json as
    fetch_registry.py writes it."""
    path = cache / cache_name(row["tarball"])
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != row["tarball_sha256"]:
        raise SystemExit(f"{path}: sha256 differs from list.json")
    case = work / str(row["id"])
    tree = case / "tree"
    tree.mkdir(parents=True, exist_ok=True)
    lockname = posixpath.basename(row["member"])
    base = posixpath.dirname(row["member"])
    files = []
    with tarfile.open(fileobj=__import__("io").BytesIO(data)) as t:
        names = {m.name: m for m in t if m.isfile()}
        lock = t.extractfile(names[row["member"]]).read()  # type: ignore[union-attr]
        want = [row["member"], posixpath.join(base, "package.json")]
        manifests = [
            n[len(base) + 1 : -len("/package.json")]
            for n in names
            if n.startswith(base + "/")
            and n.endswith("/package.json")
            and "node_modules/" not in n[len(base) :]
        ]
        try:
            root_pkg = json.loads(t.extractfile(names[want[1]]).read())  # type: ignore[union-attr]
            dirs = extract.workspace_dirs(lockname, lock.decode("utf-8"), root_pkg, manifests)
        except (KeyError, ValueError):
            dirs = set()
        want += [posixpath.join(base, d, "package.json") for d in sorted(dirs)]
        for member in want:
            if member not in names:
                continue
            body = t.extractfile(names[member]).read()  # type: ignore[union-attr]
            rel = posixpath.relpath(member, base)
            (tree / rel).parent.mkdir(parents=True, exist_ok=True)
            (tree / rel).write_bytes(body)
            sha = hashlib.sha256(body).hexdigest()
            files.append({"path": rel, "path_in_tarball": member, "sha256": sha})
    src = {
        "id": row["id"], "repo": f"npm:{row['package']}@{row['version']}", "url": row["tarball"],
        "commit": None, "commit_date": "", "lockfile": lockname, "tarball": row["tarball"],
        "tarball_sha256": row["tarball_sha256"], "path_in_tarball": row["member"], "files": files,
    }  # fmt: skip
    (case / "source.json").write_text(json.dumps(src, indent=1) + "\n")
    return case


def oracle(case: Path, tools: Path, assemble: Any) -> dict[str, Any]:
    """expected.json as assemble.py writes it (the fields the harness reads), plus the
    cross-check's differences."""
    src = json.loads((case / "source.json").read_text())
    lock = case / "tree" / src["lockfile"]
    if (
        lock.name == "bun.lockb"
    ):  # binary: bun prints it for the oracle (ORACLE_BUN), no cross-check
        head = lock.read_bytes()[:64]
        number = int.from_bytes(head[42:46], "little") if len(head) >= 46 else -1
        fam, fmt, text = "bun.lockb", f"bun.lockb format {number}", ""
    else:
        text = lock.read_bytes().decode("utf-8")
        fam, fmt = assemble.fmt_of(lock.name, text)
    run = subprocess.run(
        ["node", str(tools / "oracle.js"), str(case)], check=False, capture_output=True, text=True
    )
    if run.returncode:
        refused = run.stderr.strip().splitlines()[:3]
        return {"lockfile_format": fmt, "family": fam, "oracle_error": refused}
    m1 = json.loads(run.stdout)
    if lock.name == "bun.lockb":
        cross = subprocess.CompletedProcess([], 0, '{"views": {}}', "")
    else:
        cross = subprocess.run(
            [sys.executable, str(tools / "crosscheck.py"), str(case)],
            check=False,
            capture_output=True,
            text=True,
        )
    diffs: list[Any] = []
    if cross.returncode:
        diffs.append({"crosscheck_error": cross.stderr.strip().splitlines()[-1:]})
    else:
        a = {tuple(p) for p in m1["packages"]}
        for view, v in json.loads(cross.stdout)["views"].items():
            b = {tuple(p) for p in v["packages"]}
            diffs += [{"view": view, "only_in": "oracle", "pair": list(p)} for p in sorted(a - b)]
            diffs += [{"view": view, "only_in": view, "pair": list(p)} for p in sorted(b - a)]
    names = set()
    for p in (case / "tree").rglob("package.json"):
        try:
            n = json.loads(p.read_text()).get("name")
        except ValueError:
            continue
        if isinstance(n, str) and PACKAGE_NAME_RE.fullmatch(n):  # not "{{name}}" of a template
            names.add(n)
    exp = {
        "lockfile": f"tree/{src['lockfile']}", "lockfile_format": fmt, "family": fam,
        "entries": assemble.raw_entries(lock.name, text), "count": len(m1["packages"]),
        "packages": m1["packages"], "non_registry": m1["non_registry"], "aliases": m1["aliases"],
        "workspace_names": sorted(names), "crosscheck_differences": diffs, "notes": m1["notes"],
    }  # fmt: skip
    (case / "expected.json").write_text(json.dumps(exp, indent=1) + "\n")
    return exp


def summarize(outcome: Any) -> dict[str, Any]:
    return {
        "exact": outcome.exact,
        "missing": sorted(outcome.missing)[:20],
        "n_missing": len(outcome.missing),
        "extra": sorted(outcome.extra)[:20],
        "n_extra": len(outcome.extra),
        "workspace_hits": list(outcome.workspace_hits[:10]),
        "declared": list(outcome.declared[:10]),
        "n_declared": len(outcome.declared),
        "errors": list(outcome.errors[:5]),
        "pairs": outcome.expected_pairs,
    }


def klass(r: dict[str, Any]) -> str:
    if r["errors"]:
        return "refused"
    return "exact" if r["exact"] else "differing"


def run(
    cache: Path,
    tools: Path,
    work: Path,
    only: list[str],
    reuse: bool = False,
    *,
    modes: tuple[str, ...] = ("lockfile", "dir"),
) -> int:
    from realworld.harness import evaluate

    extract = _load(tools / "extract.py", "rw_extract")
    assemble = _load(tools / "assemble.py", "rw_assemble")
    rows = json.loads(LIST.read_text())
    if only:
        rows = [r for r in rows if r["id"] in only]
    results = []
    for row in rows:
        done = work / str(row["id"]) / "expected.json"
        if reuse and done.is_file():  # the oracle's answer of an earlier run on the same work dir
            exp = json.loads(done.read_text())
        else:
            exp = oracle(build_case(row, cache, work, extract), tools, assemble)
        fmt = exp["lockfile_format"]
        res: dict[str, Any] = {"id": row["id"], "format": fmt, "family": exp["family"]}
        if "oracle_error" in exp:
            res["oracle_error"] = exp["oracle_error"]
        elif exp["count"] == 0:
            res["trivial"] = True
        else:
            res["pairs"] = exp["count"]
            res["crosscheck_differences"] = len(exp["crosscheck_differences"])
            for mode in modes:
                try:
                    outcome = evaluate(row["id"], mode, data=work, non_registry_rules=True)
                    res[mode] = summarize(outcome)
                except Exception as e:  # a crash is a finding too
                    crash = f"CRASH {type(e).__name__}: {e}"
                    res[mode] = {"exact": False, "errors": [crash], "pairs": 0}
                res[mode]["class"] = klass(res[mode])
        results.append(res)
        tag = " ".join(f"{m}={res[m]['class']}" for m in modes if m in res)
        print(f"{row['id']:60s} {fmt:42s} {res.get('pairs', 0):5d} {tag}", flush=True)
    (work / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    report(results)
    return 0


def report_only(work: Path) -> int:
    report(json.loads((work / "results.json").read_text()))
    return 0


_OUT_OF_SYNC = ("the lockfile has no entry for it", "no entry answers this dependency")


def refusal(r: dict[str, Any]) -> str:
    """Why a file was refused: ``out of sync`` when every error says a dependency has no entry
    (package.json declares what the lockfile lacks: npm ci / yarn --frozen-lockfile refuse it
    too; a published shrinkwrap pruned to production, npm 1-4's without devDependencies), or
    ``other``; ``pairs exact`` when the pairs read are the oracle's all the same."""
    why = "out of sync" if all(any(o in e for o in _OUT_OF_SYNC) for e in r["errors"]) else "other"
    same = not r.get("n_missing") and not r.get("n_extra")
    return f"{why}, pairs {'exact' if same else 'differ'}"


def report(results: list[dict[str, Any]]) -> None:
    read = [r for r in results if "pairs" in r]
    trivial = sum(1 for r in results if r.get("trivial"))
    refused = sum(1 for r in results if "oracle_error" in r)
    crossed = sum(1 for r in read if r["crosscheck_differences"])
    print(f"\n{len(results)} lockfiles: {len(read)} with registry pairs, {trivial} with none,"
          f" {refused} the oracle refuses; the cross-check disagrees on {crossed}")  # fmt: skip
    modes = [m for m in ("lockfile", "dir", "git") if read and m in read[0]]
    for fmt, n in sorted(Counter(r["format"] for r in read).items()):
        cl = {m: dict(Counter(r[m]["class"] for r in read if r["format"] == fmt)) for m in modes}
        print(f"  {fmt:56s} {n:4d} " + " ".join(f" -{m} {cl[m]}" for m in modes))
    pairs = sum(r["pairs"] for r in read)
    for mode in modes:
        c = Counter(r[mode]["class"] for r in read)
        why = Counter(refusal(r[mode]) for r in read if r[mode]["class"] == "refused")
        missing = sum(r[mode].get("n_missing", 0) for r in read)
        extra = sum(r[mode].get("n_extra", 0) for r in read)
        print(f"-{mode}: {c['exact']} exact, {c['differing']} differing, {c['refused']} refused"
              f" {dict(why)}; {pairs} oracle pairs, missing {missing}, extra {extra}")  # fmt: skip
    for r in read:
        for mode in modes:
            if r[mode]["class"] == "differing" or (
                r[mode]["class"] == "refused" and refusal(r[mode]) != "out of sync, pairs exact"
            ):
                o = r[mode]
                print(
                    f"  {mode} {r['id']}: {o.get('errors', [])[:1]}"
                    f" missing {o.get('missing', [])[:3]} extra {o.get('extra', [])[:3]}"
                    f" {o.get('workspace_hits', [])[:2]} {o.get('declared', [])[:2]}"
                )


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    cmd, cache = sys.argv[1], Path(sys.argv[2])
    if cmd == "discover":
        discover(cache, sys.argv[3:])
        return 0
    if cmd == "report":  # sweep.py report WORK: the totals of a run again
        return report_only(cache)
    if cmd == "fetch":
        fetch(cache)
        return 0
    if cmd == "select":
        select(cache, append="--append" in sys.argv[3:])
        return 0
    if cmd == "run":
        rest = sys.argv[3:]
        tools, work, only = TOOLS, Path(tempfile.mkdtemp(prefix="published-lockfiles-")), []
        reuse = False
        modes: tuple[str, ...] = ("lockfile", "dir")
        while rest:
            opt = rest.pop(0)
            if opt == "--tools":
                tools = Path(rest.pop(0))
            elif opt == "--work":
                work = Path(rest.pop(0))
            elif opt == "--reuse":
                reuse = True
            elif opt == "--modes":  # e.g. lockfile,dir,git (the harness's mode names)
                modes = tuple(rest.pop(0).split(","))
            elif opt == "--only":
                only, rest = rest, []
        work.mkdir(parents=True, exist_ok=True)
        return run(cache, tools, work, only, reuse, modes=modes)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
