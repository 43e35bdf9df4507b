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

With ``--minors zero`` (decision 0098), the same rule one level down for the names whose latest
major is 0 (a 0.x minor is a breaking release): the highest plain ``0.m.p`` of the highest minor
below the ``latest`` tag's minor ``N`` and, when ``N >= 3``, of the next lower minor too; every
other name is left out ("latest major not 0"). With ``--minors all``, the same within the latest
major of every name (``5.3.2`` gives the last ``5.2.p`` and ``5.1.p``: what lockfiles written
before the latest minor hold).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
from collections import Counter
from collections.abc import Callable
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


def picks(doc: dict[str, object], *, minors: str = "") -> tuple[list[str], str]:
    """The previous majors' last releases of one packument (``minors``: the previous minors'
    within the latest major, ``"zero"`` for a latest major of 0 only), or why there are none."""
    tags = doc.get("dist-tags")
    latest = tags.get("latest") if isinstance(tags, dict) else None
    m = RX_PLAIN.match(latest) if isinstance(latest, str) else None
    if m is None:
        return [], "no plain latest"
    major = int(m.group(1))
    if not minors and major == 0:
        return [], "latest major 0"
    if minors == "zero" and major != 0:
        return [], "latest major not 0"
    level = 1 if minors else 0  # the part of x.y.z whose lower values are picked
    top = int(m.group(level + 1))
    best: dict[int, tuple[int, int, int]] = {}
    versions = doc.get("versions")
    for v in versions if isinstance(versions, dict) else ():
        mv = RX_PLAIN.match(v)
        if mv is None:
            continue
        t = (int(mv.group(1)), int(mv.group(2)), int(mv.group(3)))
        if minors and t[0] != major:
            continue
        if t[level] < top and t > best.get(t[level], (-1, 0, 0)):
            best[t[level]] = t
    lower = sorted(best, reverse=True)[: 2 if top >= 3 else 1]
    if not lower:
        return [], "no lower minor" if minors else "no lower major"
    return [".".join(map(str, best[part])) for part in lower], ""


def tarball_line(versions: dict[str, object], version: str) -> str | None:
    """``version URL integrity`` of one release, as its packument's ``dist`` gives them (None
    without both)."""
    meta = versions.get(version)
    dist = meta.get("dist") if isinstance(meta, dict) else None
    url = dist.get("tarball") if isinstance(dist, dict) else None
    integ = dist.get("integrity") if isinstance(dist, dict) else None
    return f"{version} {url} {integ}" if isinstance(url, str) and isinstance(integ, str) else None


def parser(description: str) -> argparse.ArgumentParser:
    """The arguments every picker takes: NAMES.txt FIRST LAST CACHE... [--skip LIST.txt ...]."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("names", type=Path)
    ap.add_argument("first", type=int)
    ap.add_argument("last", type=int)
    ap.add_argument("caches", type=Path, nargs="+")
    ap.add_argument("--skip", type=Path, action="append", default=[])
    return ap


def emit(
    args: argparse.Namespace, pick: Callable[[dict[str, object]], tuple[list[str], str]]
) -> int:
    """Print ``name@PICK`` for each pick of the names FIRST..LAST (``pick`` of a packument: its
    picks, each a version and maybe more fields after a space, or why there are none), but those
    whose name@version a ``--skip`` list holds; the counts of names left out on stderr."""
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
        found, why = pick(json.loads(path.read_bytes()))
        if not found:
            left[why] += 1
        for item in found:
            if f"{name}@{item.split()[0]}" in skip:
                left["already swept"] += 1
            else:
                print(f"{name}@{item}")
    print(dict(left), file=sys.stderr)
    return 0


def main() -> int:
    ap = parser(__doc__.split("\n")[0])
    ap.add_argument(
        "--minors", choices=("zero", "all"), default="", help="the previous minors instead"
    )
    args = ap.parse_args()
    return emit(args, lambda doc: picks(doc, minors=args.minors))


if __name__ == "__main__":
    sys.exit(main())
