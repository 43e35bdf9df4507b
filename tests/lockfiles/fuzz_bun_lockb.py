"""A longer mutation run over the real bun.lockb fixtures than the CI test does (not collected
by pytest). Usage, from the repository root::

    python tests/lockfiles/fuzz_bun_lockb.py [RUNS] [SEED] [CASE ...]

Each run changes 1 to 4 random bytes of a fixture and parses it. It fails (exit 1) on anything
but a ``LockfileError`` naming a byte offset, or a graph that lost a package, changed a
package's name, or changed the version or source of a registry package; it prints how many runs
were errors, the same result, or another result in what no check of the file covers (an
integrity digest, a workspace's version, a tarball URL), and the slowest parse.
"""

from __future__ import annotations

import random
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from gouvernante.errors import LockfileError
from gouvernante.lockfiles import bun_binary
from gouvernante.model import LockedPackage, Source

FIXTURES = Path(__file__).parent / "fixtures" / "bun"
MESSAGE = re.compile(r"x/bun\.lockb: (byte \d+: |not a bun\.lockb)[ -~]*")


def _names(packages: Sequence[LockedPackage]) -> list[str]:
    """The name of each node, as its package says: a remote tarball whose URL names another
    registry release adds that release under the same node (decision 0030), and a changed byte
    in its URL may do so."""
    first: dict[str, str] = {}
    for package in packages:
        first.setdefault(package.id, package.name)
    return sorted(first.values())


def run(case: str, runs: int, seed: int) -> bool:
    original = (FIXTURES / case / "bun.lockb").read_bytes()
    graph = bun_binary.parse(original, "x/bun.lockb")
    names = _names(graph.packages)
    registry = sorted((p.name, p.version) for p in graph.packages if p.source is Source.REGISTRY)
    whole = sorted((p.id, p.name, p.version, p.source, p.integrity) for p in graph.packages)
    rng = random.Random(seed)
    counts = {"error": 0, "same": 0, "other digest, workspace version or URL": 0}
    slowest = 0.0
    ok = True
    for _ in range(runs):
        data = bytearray(original)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        started = time.perf_counter()
        try:
            got = bun_binary.parse(bytes(data), "x/bun.lockb")
        except LockfileError as exc:
            counts["error"] += 1
            if not MESSAGE.fullmatch(str(exc)):
                print(f"{case}: unexpected message {str(exc)[:200]!r}")
                ok = False
            continue
        except Exception as exc:  # reported, and the run goes on
            print(f"{case}: {type(exc).__name__}: {exc}")
            ok = False
            continue
        finally:
            slowest = max(slowest, time.perf_counter() - started)
        if _names(got.packages) != names:
            print(f"{case}: a package was lost or renamed")
            ok = False
        if sorted((p.name, p.version) for p in got.packages if p.source is Source.REGISTRY) != (
            registry
        ):
            print(f"{case}: a registry package changed version or source")
            ok = False
        result = sorted((p.id, p.name, p.version, p.source, p.integrity) for p in got.packages)
        counts["same" if result == whole else "other digest, workspace version or URL"] += 1
    shares = ", ".join(f"{k} {100 * v / runs:.0f}%" for k, v in counts.items())
    print(f"{case}: {runs} runs: {shares}; slowest parse {slowest * 1000:.0f} ms")
    return ok


def main(argv: list[str]) -> int:
    runs = int(argv[0]) if argv else 20_000
    seed = int(argv[1]) if len(argv) > 1 else 1
    cases = argv[2:] or sorted(p.parent.name for p in FIXTURES.glob("*-lockb/bun.lockb"))
    ok = all([run(case, runs, seed) for case in cases])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
