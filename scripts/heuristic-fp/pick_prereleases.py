"""The releases of decision 0107: per name, the newest prerelease of each channel ahead of `latest`.

    python scripts/heuristic-fp/pick_prereleases.py NAMES.txt FIRST LAST CACHE... \\
        [--skip LIST.txt ...] [--channels 3] > PICKS.txt

No network: the packuments are read from npm caches that already hold them (decision 0089's and
0095's ``npm cache add`` left full documents there, with ``time``). The registry reached here
serves the ``latest`` dist-tag only, so the ``next``/``beta``/``canary`` tags a user installs are
taken from the versions themselves: for the names FIRST..LAST (1-based) of NAMES.txt, a
prerelease (``x.y.z-ID...``) published after the ``latest`` release belongs to the channel named
by the letters ID starts with (``canary.5`` and ``canary-dc9aed36-20261027``: canary; ``rc.1``:
rc; ``0``: the unnamed channel); of each channel the newest by publish time is picked, at most
``--channels`` channels a name, newest first. Every name@version of a ``--skip`` list is left out.
One line a pick: name@version, then the tarball URL and integrity the packument gives.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "pick_previous_majors", Path(__file__).resolve().parent / "pick_previous_majors.py"
)
assert _spec is not None and _spec.loader is not None
majors = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(majors)

RX_PRE = re.compile(r"^\d+\.\d+\.\d+-(?P<channel>[A-Za-z]*)")


def picks(doc: dict[str, object], channels: int) -> tuple[list[str], str]:
    """``version URL integrity`` of the newest prerelease of each channel published after the
    ``latest`` release (at most ``channels``, newest first; the tarball as the packument gives
    it), or why there are none."""
    tags, times, versions = doc.get("dist-tags"), doc.get("time"), doc.get("versions")
    if not (isinstance(tags, dict) and isinstance(times, dict) and isinstance(versions, dict)):
        return [], "no tags, times or versions"
    latest = tags.get("latest")
    since = times.get(latest) if isinstance(latest, str) else None
    if not isinstance(since, str):
        return [], "no latest time"
    best: dict[str, tuple[str, str]] = {}
    for version in versions:
        m = RX_PRE.match(version)
        when = times.get(version)
        if m is None or not isinstance(when, str) or when <= since:
            continue
        channel = m.group("channel").lower()
        if channel not in best or when > best[channel][0]:
            best[channel] = (when, version)
    if not best:
        return [], "no prerelease after latest"
    newest = sorted(best.values(), reverse=True)[:channels]
    out = [line for _, v in newest if (line := majors.tarball_line(versions, v)) is not None]
    return out, "" if out else "no tarball"


def main() -> int:
    ap = majors.parser(__doc__.split("\n")[0])
    ap.add_argument("--channels", type=int, default=3)
    args = ap.parse_args()
    return int(majors.emit(args, lambda doc: picks(doc, args.channels)))


if __name__ == "__main__":
    sys.exit(main())
