#!/usr/bin/env bash
# Regenerate the private-registry fixtures with the real package managers, installing through a
# local Verdaccio (npm package verdaccio 6.8.0, uplink to the npm registry) on 127.0.0.1:4873,
# and through proxy.js on 127.0.0.1:4874, which serves it under the path prefix /npm/ and asks
# for an Authorization header (a company registry behind a path, with a token).
#
# registry-packages/ is published to that Verdaccio first: @acme/x 1.2.0 and 1.3.0, @acme/y
# 0.3.1, and is-odd 3.1.0, a private release of a name the public registry has at other
# versions (the dependency-confusion shape: Verdaccio merges both lists).
#
# Each case folder holds the project's package.json files and the package-manager settings
# written by hand (.npmrc, .yarnrc, .yarnrc.yml, bunfig.toml; the token is a fixture's, the proxy
# only checks that one is sent). The script installs a copy with --ignore-scripts (yarn 4:
# --mode=skip-build) and writes back the lockfile(s) and installed.json: per lockfile, the name and
# version of every package.json folder under the node_modules trees beside it (nested, .pnpm;
# symlinks not followed; never our parser). The tests need neither the registry nor the tools.
#
# Usage: tests/lockfiles/private-registry/generate.sh [case...]
# (needs node/npm and the npm registry; ports 4873 and 4874 free)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="$(mktemp -d)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
export DO_NOT_TRACK=1 COREPACK_ENABLE_STRICT=0 YARN_ENABLE_TELEMETRY=0 \
    BUN_INSTALL_CACHE_DIR="$WORK/bun-cache" npm_config_cache="$WORK/npm-cache" \
    YARN_GLOBAL_FOLDER="$WORK/yarn-global" YARN_CACHE_FOLDER="$WORK/yarn1-cache" \
    npm_config_store_dir="$WORK/pnpm-store"

tool_dir() { # npm package@version -> its node_modules (installed once per run)
    local dir="$WORK/tools/${1//[@\/]/_}"
    if [ ! -d "$dir/node_modules" ]; then
        mkdir -p "$dir"
        (cd "$dir" && npm i --no-save --no-audit --no-fund --loglevel=error "$1" >/dev/null)
    fi
    echo "$dir/node_modules"
}

# the registry
V="$(tool_dir verdaccio@6.8.0)"
mkdir -p "$WORK/storage"
sed -e "s#STORAGE#$WORK/storage#; s#HTPASSWD#$WORK/htpasswd#" "$HERE/verdaccio.yaml" \
    > "$WORK/verdaccio.yaml"
"$V/.bin/verdaccio" -c "$WORK/verdaccio.yaml" >"$WORK/verdaccio.log" 2>&1 &
PIDS+=($!)
node "$HERE/proxy.js" >"$WORK/proxy.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 60); do curl -sf http://127.0.0.1:4873/-/ping >/dev/null && break; sleep 1; done
TOKEN="$(curl -sf -XPUT -H 'content-type: application/json' \
    http://127.0.0.1:4873/-/user/org.couchdb.user:acme \
    -d '{"name":"acme","password":"fixture-password"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).token')"
for pkg in acme-y acme-x-1.2.0 acme-x-1.3.0 is-odd; do
    cp -r "$HERE/registry-packages/$pkg" "$WORK/pub-$pkg"
    (cd "$WORK/pub-$pkg" && npm publish --registry http://127.0.0.1:4873/ \
        "--//127.0.0.1:4873/:_authToken=$TOKEN" >/dev/null 2>&1)
done

PNPM10="$(tool_dir pnpm@10.34.9)/.bin/pnpm"
PNPM9="$(tool_dir pnpm@9.15.9)/.bin/pnpm"
YARN1="$(tool_dir yarn@1.22.22)/.bin/yarn"
YARN4="node $(tool_dir @yarnpkg/cli-dist@4.18.1)/@yarnpkg/cli-dist/bin/yarn.js"
BUN="$(tool_dir bun@1.4.5)/.bin/bun"

install() { # case folder -> the install command run in its copy
    case "$1" in
        npm-*) echo "npm install --ignore-scripts --no-audit --no-fund" ;;
        pnpm10-per-project) echo "$PNPM10 install -r --ignore-scripts" ;;
        pnpm9-per-project) echo "$PNPM9 install -r --ignore-scripts" ;;
        pnpm10-*) echo "$PNPM10 install --ignore-scripts" ;;
        yarn1-*) echo "$YARN1 install --ignore-scripts --non-interactive" ;;
        yarn4-*) echo "$YARN4 install --mode=skip-build" ;;
        bun-*) echo "$BUN install --ignore-scripts" ;;
    esac
}

make_case() {
    local case="$1" src="$HERE/$1" dest="$WORK/cases/$1"
    mkdir -p "$dest"
    (cd "$src" && find . -type f ! -name installed.json ! -name 'pnpm-lock.yaml' \
        ! -name package-lock.json ! -name yarn.lock ! -name 'bun.lock*' \
        | while read -r f; do mkdir -p "$dest/$(dirname "$f")" && cp "$f" "$dest/$f"; done)
    (cd "$dest" && $(install "$case") >"$WORK/$case.log" 2>&1) || { cat "$WORK/$case.log"; exit 1; }
    python3 - "$dest" "$src" <<'PY'
import json, os, shutil, sys
dest, src = sys.argv[1:3]
names = {"package-lock.json", "pnpm-lock.yaml", "yarn.lock", "bun.lock", "bun.lockb"}
out = {}
for folder, dirs, files in os.walk(dest):
    dirs[:] = [d for d in dirs if d != "node_modules"]
    for lock in sorted(names & set(files)):
        rel = os.path.relpath(os.path.join(folder, lock), dest)
        shutil.copyfile(os.path.join(folder, lock), os.path.join(src, rel))
        pairs = set()
        for f2, d2, fs2 in os.walk(os.path.join(folder, "node_modules")):
            parent = os.path.dirname(f2)
            in_nm = os.path.basename(parent) == "node_modules" or (
                os.path.basename(os.path.dirname(parent)) == "node_modules"
                and os.path.basename(parent).startswith("@"))
            if in_nm and "package.json" in fs2:
                with open(os.path.join(f2, "package.json"), encoding="utf-8") as fh:
                    m = json.load(fh)
                pairs.add((m["name"], m["version"]))
            d2[:] = [d for d in d2 if d != ".bin"]
        out[rel] = sorted(pairs)
with open(os.path.join(src, "installed.json"), "w", encoding="utf-8") as fh:
    json.dump(out, fh, indent=1)
    fh.write("\n")
PY
}

cases=("$@")
if [ ${#cases[@]} -eq 0 ]; then
    cases=(npm-prefix-token npm-v1 npm-no-resolved pnpm10-per-project pnpm9-per-project
        pnpm10-scoped-tarball-url yarn1-registry yarn4-scopes bun-text-scopes bun-binary)
fi
for case in "${cases[@]}"; do
    make_case "$case"
done
