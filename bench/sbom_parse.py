"""Time ``parse_sbom`` on a generated CycloneDX 1.6 document.

    PYTHONPATH=src python bench/sbom_parse.py [--components 50000] [--repeat 3]

Writes a CycloneDX JSON of ``--components`` npm components (every fifth scoped; each with a
purl, bom-ref, description, license, a SHA-512 hash, a distribution reference and two
properties, as cdxgen writes them; pretty-printed) and a dependency graph of one edge per
component plus 100, then times ``parse_sbom`` on its bytes ``--repeat`` times (best printed).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time

from gouvernante.lockfiles.sbom import parse_sbom


def document(count: int) -> bytes:
    components: list[dict[str, object]] = []
    for i in range(count):
        group = f"@scope{i % 40}" if i % 5 == 0 else ""
        name = f"pkg-{i}"
        full = f"{group}/{name}" if group else name
        version = f"1.{i % 30}.{i % 7}"
        ref = f"pkg:npm/{full.replace('@', '%40')}@{version}"
        components.append(
            {
                "type": "library",
                "bom-ref": ref,
                "group": group,
                "name": name,
                "version": version,
                "description": f'A synthetic package number {i}, "quoted": with a colon.',
                "licenses": [{"license": {"id": "MIT"}}],
                "hashes": [{"alg": "SHA-512", "content": hashlib.sha512(ref.encode()).hexdigest()}],
                "purl": ref,
                "externalReferences": [
                    {
                        "type": "distribution",
                        "url": f"https://registry.npmjs.org/{full}/-/{name}-{version}.tgz",
                    }
                ],
                "properties": [
                    {"name": "cdx:npm:package:path", "value": f"node_modules/{full}"},
                    {"name": "cdx:npm:package:development", "value": "false"},
                ],
            }
        )
    refs = [str(c["bom-ref"]) for c in components]
    deps: list[dict[str, object]] = [{"ref": "root", "dependsOn": refs[:100]}]
    deps += [{"ref": r, "dependsOn": [refs[(k + 1) % len(refs)]]} for k, r in enumerate(refs)]
    bom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "metadata": {
            "tools": {"components": [{"name": "cdxgen", "version": "12.8.4"}]},
            "component": {
                "bom-ref": "root",
                "name": "app",
                "version": "1.0.0",
                "type": "application",
            },
        },
        "components": components,
        "dependencies": deps,
    }
    return json.dumps(bom, indent=2).encode()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--components", type=int, default=50_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    data = document(args.components)
    best = float("inf")
    packages = 0
    for _ in range(args.repeat):
        start = time.perf_counter()
        sbom = parse_sbom(data, "bench.cdx.json")
        best = min(best, time.perf_counter() - start)
        packages = len(sbom.graph.packages)
    print(
        f"{args.components} components ({len(data) // (1024 * 1024)} MB): best of {args.repeat}"
        f" {best * 1000:.0f} ms, {packages} packages"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
