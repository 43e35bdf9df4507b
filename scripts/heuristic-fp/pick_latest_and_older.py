"""The releases of decision 0153: per name, the ``latest`` tag's release and one older line's.

    python scripts/heuristic-fp/pick_latest_and_older.py NAMES.txt FIRST LAST CACHE... \\
        [--skip LIST.txt ...] > PICKS.txt

No network: the packuments are read from npm caches that hold them (``npm cache add --cache
DIR NAME`` of each name's latest release leaves them there). For the names FIRST..LAST of
NAMES.txt: the ``latest`` tag's version, and the highest plain ``x.y.z`` of the highest major
below the latest's (``pick_previous_majors.py``'s first pick) or, when the latest major is 0,
of the highest minor below the latest's (its ``--minors zero`` first pick). A name@version a
``--skip`` list holds is left out (counted on stderr with the names that have no older line).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "pick_previous_majors", Path(__file__).resolve().parent / "pick_previous_majors.py"
)
assert _spec is not None and _spec.loader is not None
prev = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(prev)


def pick(doc: dict[str, object]) -> tuple[list[str], str]:
    """The latest tag's version and one older line's last release of one packument."""
    tags = doc.get("dist-tags")
    latest = tags.get("latest") if isinstance(tags, dict) else None
    if not isinstance(latest, str):
        return [], "no latest tag"
    older, why = prev.picks(doc)
    if why == "latest major 0":
        older, why = prev.picks(doc, minors="zero")
    return [latest, *older[:1]], ""


def main() -> int:
    args = prev.parser(__doc__.split("\n")[0]).parse_args()
    return int(prev.emit(args, pick))


if __name__ == "__main__":
    sys.exit(main())
