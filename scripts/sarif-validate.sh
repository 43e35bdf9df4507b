#!/usr/bin/env bash
# Validate gouvernante's SARIF with Microsoft's SARIF Multitool, GitHub ingestion rules included.
#
# Scans every lockfile-format fixture under tests/lockfiles/fixtures with the test rules of
# tests/report/fixtures/rules.json, adds the SARIF golden file (host, installed, heuristic,
# suppressed findings, errors), and runs
#   npx -y @microsoft/sarif-multitool validate --rule-kind "Gh;Sarif"
# on all of them. Fails when the validator reports any error. Needs node/npx and the npm registry.
#
# Usage: scripts/sarif-validate.sh [OUTPUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-$(mktemp -d)}"
mkdir -p "$out/sarif"
py="${PYTHON:-python3}"
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"

count=0
for dir in tests/lockfiles/fixtures/*/*/; do
  name="$(basename "$(dirname "$dir")")-$(basename "$dir")"
  code=0
  "$py" -m gouvernante -rules tests/report/fixtures/rules.json -dir "$dir" -format sarif \
    -output "$out/sarif/$name.sarif" > /dev/null 2>&1 || code=$?
  if [ "$code" -ne 2 ] && [ "$code" -ne 1 ]; then
    echo "sarif-validate: unexpected exit code $code scanning $dir" >&2
    exit 1
  fi
  count=$((count + 1))
done
cp tests/report/golden/sample.sarif "$out/sarif/golden-sample.sarif"
count=$((count + 1))

# The npm wrapper hands its arguments to a shell, where ';' would end the command: quote it twice.
log="$out/validation.sarif"
rm -f "$log"
npx -y @microsoft/sarif-multitool validate --rule-kind '"Gh;Sarif"' --output "$log" \
  "$out"/sarif/*.sarif

"$py" - "$log" "$count" <<'PY'
import json
import sys

log, expected = sys.argv[1], int(sys.argv[2])
with open(log, encoding="utf-8-sig") as fh:
    doc = json.load(fh)
levels: dict[str, int] = {}
for run in doc.get("runs", []):
    for result in run.get("results", []):
        level = result.get("level", "warning")
        levels[level] = levels.get(level, 0) + 1
        if level == "error":
            where = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            print(f"ERROR {result.get('ruleId')}: {result['message'].get('text')} ({where})")
print(
    f"sarif-validate: {expected} SARIF files, Gh;Sarif rules:"
    f" {levels.get('error', 0)} errors, {levels.get('warning', 0)} warnings,"
    f" {levels.get('note', 0)} notes"
)
sys.exit(1 if levels.get("error") else 0)
PY
