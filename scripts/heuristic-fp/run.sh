#!/usr/bin/env bash
# False-positive measurement of the heuristic engine (-heuristic) on the most depended-on npm
# packages. Installs scripts/heuristic-fp/packages.txt with `npm install --ignore-scripts` (nothing
# from the packages is ever executed) into a temporary folder, then runs the engine over the tree.
#
#   bash scripts/heuristic-fp/run.sh [WORKDIR]      # default: a new mktemp -d folder
#   REFRESH_LIST=1 bash scripts/heuristic-fp/run.sh # re-derive packages.txt first (see below)
#
# packages.txt = the first 300 names of `npmTopDependents` exported by the npm package
# npm-high-impact@1.13.0 (wooorm/npm-high-impact: packages ranked by number of dependents on the
# public registry). REFRESH_LIST=1 regenerates it from that pinned version.
#
# Output: WORKDIR/result.json (machine-readable) and a Markdown summary on stdout; RESULT.md in
# this folder is that summary with a verdict added by hand for each finding.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
work="${1:-$(mktemp -d /tmp/gouvernante-heuristic-fp.XXXXXX)}"
mkdir -p "$work"
cd "$work"

if [[ "${REFRESH_LIST:-0}" == "1" ]]; then
  mkdir -p list && (cd list && npm init -y >/dev/null &&
    npm install --ignore-scripts --no-audit --no-fund npm-high-impact@1.13.0 >/dev/null)
  (cd list && node --input-type=module -e \
    "import {npmTopDependents} from 'npm-high-impact'; console.log(npmTopDependents.slice(0, 300).join('\n'))") \
    > "$here/packages.txt"
fi

mapfile -t pkgs < <(grep -v '^\s*#' "$here/packages.txt" | grep -v '^\s*$')
echo '{"name":"heuristic-fp","version":"1.0.0","private":true}' > package.json
: > unavailable.txt
# Names the registry cannot install (unpublished or security-held, e.g. `fs`) are dropped and
# listed in unavailable.txt; everything else is installed in one tree.
for _ in $(seq 1 20); do
  if npm install --ignore-scripts --legacy-peer-deps --no-audit --no-fund --loglevel=error \
      "${pkgs[@]}" > install.log 2>&1; then
    break
  fi
  bad="$(grep -oE "(No versions available for |404 Not Found - GET https://registry.npmjs.org/)[^ ]+" install.log \
    | head -1 | sed -E 's#.* ##; s#.*/##; s#%2f#/#g' || true)"
  if [[ -z "$bad" ]]; then cat install.log >&2; exit 1; fi
  echo "$bad" >> unavailable.txt
  mapfile -t pkgs < <(printf '%s\n' "${pkgs[@]}" | grep -vxF "$bad")
done

PYTHONPATH="$repo/src" python "$here/measure.py" "$work/node_modules" \
  --requested "$here/packages.txt" --unavailable "$work/unavailable.txt" --json "$work/result.json"
