"""The package.json files the fixture scripts wrote beside the npm v1 and yarn classic lockfiles
(tests/lockfiles/fixtures/{npm,yarn}/generate.sh). Those formats record no root: the manifest says
what the project depends on. Kept here once for the tests that need it (direct, fuzzing)."""

from __future__ import annotations

NPM6_MANIFEST: dict[str, object] = {  # tests/lockfiles/fixtures/npm/generate.sh, mode "file"
    "name": "fixture-app",
    "version": "1.0.0",
    "private": True,
    "dependencies": {
        "debug": "4.3.4",
        "my-lodash": "npm:lodash@4.17.20",
        "@babel/code-frame": "7.22.13",
        "chalk": "4.1.2",
        "react": "18.2.0",
        "react-dom": "18.2.0",
        "esbuild": "0.19.12",
        "uuid": "8.3.0-beta.0",
        "is-odd": "3.0.1",
        "@acme/core": "file:packages/core",
        "@acme/util": "file:packages/util",
        "is-number": "file:packages/is-number",
    },
}
YARN1_MANIFEST: dict[str, object] = {  # tests/lockfiles/fixtures/yarn/generate.sh
    "name": "fixture-app",
    "version": "1.0.0",
    "private": True,
    "workspaces": ["packages/*"],
    "dependencies": {
        "@babel/code-frame": "7.22.13",
        "chalk": "4.1.2",
        "debug": "4.3.4",
        "esbuild": "0.19.12",
        "ms": "3.0.0-canary.1",
        "my-lodash": "npm:lodash@4.17.20",
        "react": "18.2.0",
        "react-dom": "18.2.0",
    },
}

# fixture folder name -> its manifest
BY_FIXTURE: dict[str, dict[str, object]] = {
    "npm6-v1": NPM6_MANIFEST,
    "classic-1.22": YARN1_MANIFEST,
}
