#!/usr/bin/env bash
# Real, mid-sized lockfiles (about 580 packages) for the recursive-scan benchmark, written by
# the real package managers from bench/lockfiles/npm/package.json (lockfile-only: nothing is
# installed, no install script runs). Needs network access to the npm registry.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here/npm/package.json" "$work/"
(cd "$work" && npm install --package-lock-only --ignore-scripts --no-audit --no-fund)
cp "$work/package-lock.json" "$here/npm/"
rm -f "$work/package-lock.json"
(cd "$work" && npx -y pnpm@9 install --lockfile-only --ignore-scripts)
cp "$work/package.json" "$work/pnpm-lock.yaml" "$here/pnpm/"
