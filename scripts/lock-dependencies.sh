#!/usr/bin/env bash
# Refresh requirements/pinned.txt: every runtime and test dependency pinned with its hashes, for
# Python 3.11 on Linux x86_64 (what CI runs on). Run after changing pyproject.toml's dependencies,
# commit the result, and let CI's second step (newest allowed versions) tell when to refresh.
#   pip install uv && scripts/lock-dependencies.sh
set -euo pipefail
cd "$(dirname "$0")/.."
uv pip compile pyproject.toml --extra test --generate-hashes \
    --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
    --custom-compile-command "scripts/lock-dependencies.sh" \
    -o requirements/pinned.txt
