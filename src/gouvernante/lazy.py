"""Module-level objects made when first used (decision 0024: start-up).

``lazy_pattern(PATTERN)`` stands for ``re.compile(PATTERN)`` and ``lazy_object(MAKE)`` for
``MAKE()`` (a msgspec decoder, say) at module level: the object is made by the first attribute
asked of it (``.search``, ``.decode``...), and each attribute is then kept in the stand-in, so a
method is found as fast as the object's own. A module whose patterns and decoders only some
inputs need costs nothing for them at import (a pattern ~0.05-0.3 ms, a typed decoder's type
introspection about as much). Only attributes stand in: the stand-in is no ``re.Pattern`` for
``isinstance`` nor for ``re.sub(X, ...)``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, AnyStr, TypeVar, cast

_T = TypeVar("_T")


class _Lazy:
    def __init__(self, make: Callable[[], object]) -> None:
        self._make = make

    def __getattr__(self, name: str) -> Any:
        made = self.__dict__.get("_made")
        if made is None:
            made = self._made = self._make()
        value = getattr(made, name)
        setattr(self, name, value)
        return value


def lazy_object(make: Callable[[], _T]) -> _T:
    return cast("_T", _Lazy(make))


def lazy_pattern(pattern: AnyStr, flags: int = 0) -> re.Pattern[AnyStr]:
    return cast("re.Pattern[AnyStr]", _Lazy(lambda: re.compile(pattern, flags)))
