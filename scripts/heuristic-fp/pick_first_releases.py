"""The releases of decision 0123: per name, the first release of its latest majors.

    python scripts/heuristic-fp/pick_first_releases.py NAMES.txt FIRST LAST CACHE... \\
        [--majors 2] [--skip LIST.txt ...] > PICKS.txt

No network: the packuments are read from npm caches that already hold them (decision 0089's and
0095's ``npm cache add`` left them there). The earlier lists took the last release of a line
(the latest, the previous majors', the previous minors'); a lockfile written early in a major's
life pins its first releases, never swept. For the names FIRST..LAST (1-based) of NAMES.txt: the
lowest plain ``x.y.z`` release of each of the ``--majors`` highest majors up to the ``latest``
tag's (the line is the minor when the latest major is 0: ``0.m``, a breaking release). The
registry reached here gives no true publish times (its ``time`` fields are of its own import),
so the order is the versions'. Every name@version of a ``--skip`` list is left out. One line a
pick: name@version, then the tarball URL and integrity the packument gives.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "pick_previous_majors", Path(__file__).resolve().parent / "pick_previous_majors.py"
)
assert _spec is not None and _spec.loader is not None
majors = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(majors)


def picks(doc: dict[str, object], lines: int) -> tuple[list[str], str]:
    """``version URL integrity`` of the first plain release of each of the ``lines`` highest
    lines up to the ``latest`` tag's, highest first, or why there are none."""
    tags, versions = doc.get("dist-tags"), doc.get("versions")
    latest = tags.get("latest") if isinstance(tags, dict) else None
    top = majors.RX_PLAIN.match(latest) if isinstance(latest, str) else None
    if top is None or not isinstance(versions, dict):
        return [], "no plain latest"
    last = (int(top.group(1)), int(top.group(2)), int(top.group(3)))
    level = 1 if last[0] == 0 else 0
    first: dict[int, tuple[int, int, int]] = {}
    for version in versions:
        m = majors.RX_PLAIN.match(version)
        if m is None:
            continue
        t = (int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if t > last or (level and t[0] != 0):
            continue
        if t[level] not in first or t < first[t[level]]:
            first[t[level]] = t
    found = (
        majors.tarball_line(versions, ".".join(map(str, first[line])))
        for line in sorted(first, reverse=True)[:lines]
    )
    out = [line for line in found if line is not None]
    return out, "" if out else "no tarball"


def main() -> int:
    ap = majors.parser(__doc__.split("\n")[0])
    ap.add_argument("--majors", type=int, default=2)
    args = ap.parse_args()
    return int(majors.emit(args, lambda doc: picks(doc, args.majors)))


if __name__ == "__main__":
    sys.exit(main())
