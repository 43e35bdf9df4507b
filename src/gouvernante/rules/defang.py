"""Undo the defanging of indicators, in one place for every writer and reader of rules.

Advisories write network indicators so that nobody clicks them: ``evil[.]com``, ``evil(dot)com``,
``hxxps[://]evil{.}com[/]x``. Rule importers, ``rules new --network`` and the host scanner all
read them through ``refang``, so one spelling never means two things.
"""

from __future__ import annotations

import re

_DOT = re.compile(r"\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\}", re.IGNORECASE)
_OTHER = {"[:]": ":", "[://]": "://", "[/]": "/"}
_SCHEME = re.compile(r"^hxxp|\bhxxp(?=s?://)", re.IGNORECASE)


def refang(text: str) -> str:
    """``hxxps[://]evil[.]com[/]x`` -> ``https://evil.com/x``; surrounding whitespace removed.

    Dots: ``[.]``, ``(.)``, ``{.}``, ``[dot]``, ``(dot)``, ``{dot}`` (any case); ``[:]``,
    ``[://]``, ``[/]``; ``hxxp``/``hxxps`` at the start or before ``://``.
    """
    out = _DOT.sub(".", text.strip())
    for old, new in _OTHER.items():
        out = out.replace(old, new)
    return _SCHEME.sub("http", out)
