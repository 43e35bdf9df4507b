"""The releases of decision 0095: per name, the last release of the previous major(s).

    python scripts/heuristic-fp/pick_previous_majors.py NAMES.txt FIRST LAST CACHE... \\
        [--skip LIST.txt ...] > PICKS.txt

No network: the packuments are read from npm caches (``_cacache`` folders) that already hold
them (decision 0089's ``npm cache add`` of each name's latest release left them there). For the
names FIRST..LAST (1-based) of NAMES.txt (``build_corpus.py``'s ``names.txt``): the latest major
``M`` is the major of the ``latest`` tag; the picks are the highest plain ``x.y.z`` release of
the highest major below ``M`` that has one and, when ``M >= 3``, of the next lower major too. A
name whose latest major is 0, with no lower major or no packument is left out (counted on
stderr), and so is every name@version listed in a ``--skip`` list (``latest-versions.txt``,
``unseen-versions.txt``: the first field of each non-comment line). One name@version a line.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

_spec = importlib.util.spec_from_file_location(
    "heuristic_sweep", Path(__file__).resolve().parent.parent / "heuristic-sweep.py"
)
assert _spec is not None and _spec.loader is not None
sweep = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sweep)

RX_PACKUMENT = re.compile(r"^https://registry\.npmjs\.org/(?P<name>[^/]+)$")
RX_PLAIN = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")


def packuments(caches: list[Path]) -> dict[str, Path]:
    """Name -> the content file of its cached packument (the last entry of the last cache)."""
    out: dict[str, Path] = {}
    for cache in caches:
        for url, integ in sweep.cache_entries(cache):
            m = RX_PACKUMENT.match(url)
            if m is None or integ is None:
                continue
            path = sweep.content_path(cache, integ)
            if path is not None:
                out[unquote(m.group("name"))] = path
    return out


def picks(doc: dict[str, object]) -> tuple[list[str], str]:
    """The previous majors' last releases of one packument, or why there are none."""
    tags = doc.get("dist-tags")
    latest = tags.get("latest") if isinstance(tags, dict) else None
    m = RX_PLAIN.match(latest) if isinstance(latest, str) else None
    if m is None:
        return [], "no plain latest"
    top = int(m.group(1))
    if top == 0:
        return [], "latest major 0"
    best: dict[int, tuple[int, int, int]] = {}
    versions = doc.get("versions")
    for v in versions if isinstance(versions, dict) else ():
        mv = RX_PLAIN.match(v)
        if mv is None:
            continue
        t = (int(mv.group(1)), int(mv.group(2)), int(mv.group(3)))
        if t[0] < top and t > best.get(t[0], (-1, 0, 0)):
            best[t[0]] = t
    lower = sorted(best, reverse=True)[: 2 if top >= 3 else 1]
    if not lower:
        return [], "no lower major"
    return [".".join(map(str, best[major])) for major in lower], ""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("names", type=Path)
    ap.add_argument("first", type=int)
    ap.add_argument("last", type=int)
    ap.add_argument("caches", type=Path, nargs="+")
    ap.add_argument("--skip", type=Path, action="append", default=[])
    args = ap.parse_args()
    skip = {
        line.split()[0]
        for path in args.skip
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    names = [n for n in args.names.read_text(encoding="utf-8").split() if n]
    docs = packuments(args.caches)
    left: Counter[str] = Counter()
    for name in names[args.first - 1 : args.last]:
        path = docs.get(name)
        if path is None:
            left["no packument"] += 1
            continue
        versions, why = picks(json.loads(path.read_bytes()))
        if not versions:
            left[why] += 1
        for v in versions:
            if f"{name}@{v}" in skip:
                left["already swept"] += 1
            else:
                print(f"{name}@{v}")
    print(dict(left), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
