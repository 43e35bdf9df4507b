"""The names of decision 0162: packages that run an install script or ship prebuilt binaries.

    python scripts/heuristic-fp/pick_install_scripts.py candidates NPM.tsv SKIP_LIST... > CANDS.txt
    python scripts/heuristic-fp/pick_install_scripts.py keep CANDS.txt CACHE... > NAMES.txt
    python scripts/heuristic-fp/pick_install_scripts.py listed OUT.jsonl CACHE > LIST.txt

No network. ``candidates``: the names of this workplace's npm list (name, latest version,
downloads a month, summary) whose name or summary says native addon, binding, prebuilt binary,
binary downloader, browser or driver download, git hook installer or install-time telemetry
(``RX_NAME``, ``RX_SUMMARY``), at least ``MIN_DOWNLOADS`` a month, in no list given (the first
field of each non-comment line, version cut off; ``unseen-names.txt`` is names already), no
``@types/*``, at most ``SCOPE_CAP`` of one scope; most downloaded first.

``listed``: the releases a sweep recorded (``heuristic-sweep.py``'s OUT.jsonl), one
``name@version sha256:HEX`` a line (the version from the tarball's file name, the digest of the
cached tarball), sorted.

``keep``: of those, the names whose cached packument (``npm cache add --cache DIR
--ignore-scripts NAME``, which leaves it) says their ``latest`` release has an install script
(``preinstall``, ``install``, ``postinstall``, ``gypfile``, ``hasInstallScript``) or ships a
binary for one platform (``os`` or ``cpu``: the esbuild-style optional packages). Then
``pick_latest_and_older.py`` gives each kept name's latest and one older line's release.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any


def _sibling(name: str) -> Any:
    """A script of this folder, as a module (the folder is no package)."""
    spec = importlib.util.spec_from_file_location(
        name, Path(__file__).resolve().parent / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


prev = _sibling("pick_previous_majors")
known_names = _sibling("pick_categories").known_names  # (the lists' names, 0153's reading)

MIN_DOWNLOADS = 3_000
SCOPE_CAP = 12
MAX_CANDIDATES = 2_400

RX_NAME = re.compile(
    r"native|binding|napi|node-gyp|gyp|prebuil|-bin$|^bin-|-linux-|-darwin-|-win32-"
    r"|-freebsd-|-android-|linux-x64|darwin-arm64|-musl|-gnu$|-msvc$|electron|puppeteer"
    r"|playwright|cypress|chromedriver|geckodriver|chromium|husky|git-hook|githook|hooks$"
    r"|sqlite|leveldown|level-|rocksdb|lmdb|bcrypt|argon2|canvas|sharp|ffi|serialport|usb"
    r"|bluetooth|noble|keytar|fsevents|pty|zeromq|zmq|grpc|sentry|prisma|esbuild|swc|turbo"
    r"|biome|oxc|rspack|rolldown|lightningcss|oxide|watcher|msgpackr|cpu-features|ssh2"
    r"|utf-8-validate|bufferutil|re2|iconv|kerberos|snappy|lz4|zstd|brotli|sodium|libxml"
    r"|xxhash|farmhash|murmur|hiredis|ref-|node-rdkafka|kafka|oracledb|ibm_db|odbc|pg-native"
    r"|tree-sitter|opencv|tensorflow|onnx|llama|whisper|ffmpeg|imagemagick|vips|magick"
    r"|ngrok|cloudflared|ripgrep|7zip|unrar|pdf-|wkhtml|phantom|selenium|appium|driver"
    r"|telemetry|postinstall|preinstall|install$|-install|protoc|flatc|nodegit|ssh|screen"
    r"|robotjs|nut-tree|active-win|clipboard|iohook|printer|win32|windows-|macos-|darwin"
    r"|deasync|fibers|microtime|heapdump|v8-profiler|diskusage|drivelist|ws-|websocket"
    r"|mongodb-client-encryption|couchbase|duckdb|lancedb|hnswlib|faiss|usearch|sqlcipher"
    r"|realm|isolated-vm|node-expat|ldap|pcap|raw-socket|netlink|dtrace|segfault|weak"
)
RX_SUMMARY = re.compile(
    r"\b(native|Native|N-API|NAPI|napi|node-gyp|addon|Addon|bindings?|Bindings?|prebuilt"
    r"|Prebuilt|precompiled|binary|binaries|Binary|Binaries|C\+\+|libuv|Rust|compiled"
    r"|postinstall|install script|downloads? (the|a)|git hooks?|Git hooks?|telemetry)\b"
)
INSTALL_HOOKS = ("preinstall", "install", "postinstall")


def candidates(tsv: Path, skip: list[Path]) -> int:
    known = known_names(skip)
    rows: list[tuple[int, str]] = []
    with tsv.open(encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3 or not parts[2].isdigit():
                continue
            name, downloads = parts[0], int(parts[2])
            summary = parts[3] if len(parts) > 3 else ""
            if downloads < MIN_DOWNLOADS or name in known or name.startswith("@types/"):
                continue
            if RX_NAME.search(name) or RX_SUMMARY.search(summary):
                rows.append((downloads, name))
    rows.sort(key=lambda r: (-r[0], r[1]))
    scopes: Counter[str] = Counter()
    kept = 0
    for _downloads, name in rows:
        scope = name.split("/")[0] if name.startswith("@") else ""
        if scope and scopes[scope] >= SCOPE_CAP:
            continue
        scopes[scope] += 1
        print(name)
        kept += 1
        if kept >= MAX_CANDIDATES:
            break
    print(f"{len(rows)} matched, {kept} printed", file=sys.stderr)
    return 0


def installs_or_ships(doc: dict[str, object]) -> str:
    """Why the ``latest`` release qualifies ("" if it does not)."""
    tags, versions = doc.get("dist-tags"), doc.get("versions")
    if not isinstance(tags, dict) or not isinstance(versions, dict):
        return ""
    meta = versions.get(tags.get("latest"))
    if not isinstance(meta, dict):
        return ""
    scripts = meta.get("scripts")
    if isinstance(scripts, dict) and any(scripts.get(h) for h in INSTALL_HOOKS):
        return "script"
    if meta.get("gypfile") or meta.get("hasInstallScript"):
        return "script"
    if meta.get("os") or meta.get("cpu"):
        return "platform"
    return ""


def keep(cands: Path, caches: list[Path]) -> int:
    docs = prev.packuments(caches)
    why: Counter[str] = Counter()
    for name in cands.read_text(encoding="utf-8").split():
        path = docs.get(name)
        if path is None:
            why["no packument"] += 1
            continue
        got = installs_or_ships(json.loads(path.read_bytes()))
        why[got or "neither"] += 1
        if got:
            print(name)
    print(dict(why), file=sys.stderr)
    return 0


def listed(out: Path, cache: Path) -> int:
    integrity = {url: integ for url, (_name, integ) in prev.sweep.cache_tarballs(cache).items()}
    lines: set[str] = set()
    for line in out.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        url, name = str(rec["url"]), str(rec["name"])
        stem = url.rsplit("/", 1)[-1].removesuffix(".tgz")
        version = stem.removeprefix(name.rsplit("/", 1)[-1] + "-")
        path = prev.sweep.content_path(cache, integrity[url])
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        lines.add(f"{name}@{version} sha256:{digest}")
    print("\n".join(sorted(lines)))
    return 0


def main() -> int:
    cmd, first, *rest = sys.argv[1:]
    if cmd == "candidates":
        return candidates(Path(first), [Path(p) for p in rest])
    if cmd == "listed":
        return listed(Path(first), Path(rest[0]))
    return keep(Path(first), [Path(p) for p in rest])


if __name__ == "__main__":
    sys.exit(main())
