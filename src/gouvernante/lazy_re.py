"""Regular expressions compiled when first used (decision 0024: start-up).

``lazy(PATTERN)`` stands for ``re.compile(PATTERN)`` at module level: the pattern is compiled by
the first attribute asked of it (``.search``, ``.fullmatch``...), and each attribute is then kept
in the instance, so a method is found as fast as the compiled pattern's own. A module whose
patterns only some inputs need costs nothing for them at import (~0.05-0.3 ms a pattern). Only
its attributes stand in: it is no ``re.Pattern`` for ``isinstance`` nor for ``re.sub(X, ...)``.
"""

from __future__ import annotations

import re
from typing import Any, AnyStr, cast


class _Lazy:
    def __init__(self, pattern: str | bytes, flags: int) -> None:
        self._source = (pattern, flags)

    def __getattr__(self, name: str) -> Any:
        pattern, flags = self._source
        value = getattr(re.compile(pattern, flags), name)
        setattr(self, name, value)
        return value


def lazy(pattern: AnyStr, flags: int = 0) -> re.Pattern[AnyStr]:
    return cast("re.Pattern[AnyStr]", _Lazy(pattern, flags))
