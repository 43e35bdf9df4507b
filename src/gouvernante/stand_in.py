"""Libraries imported with some of their imports stood in for (decisions 0024, 0121: start-up).

``import_with(MODULE, {NAME: STAND_IN})`` imports a library while each module ``NAME`` it would
import is unavailable (``None``) or its stand-in (``OnFirstUse``: the real module is imported at
the first attribute asked of it); ``replaced={"OWNER.ATTRIBUTE": MAKE}`` also puts
``MAKE(real attribute)`` in the place of an attribute of a module meanwhile (decision 0137:
``typing.ForwardRef``). The package uses it for msgspec and argparse. It imports built-in
modules, ``types`` and ``__future__`` only (which msgspec imports anyway), so that the
collector's pause covers all of the libraries' imports (an ``OWNER`` is imported in the pause).
"""

from __future__ import annotations

import gc
import sys
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any


class OnFirstUse(ModuleType):
    """Stands in for a module while another is imported: the real module is imported at the
    first attribute asked of it (then or any time later), and answers it; but for the import
    system's own questions (``__path__`` for ``from ... import``, ``__file__``...)."""

    def __getattr__(self, name: str) -> object:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        real = sys.modules.get(self.__name__)
        if real is None or real is self:
            sys.modules.pop(self.__name__, None)
            __import__(self.__name__)
            real = sys.modules[self.__name__]
        return getattr(real, name)


def import_with(
    module: str,
    stand_ins: dict[str, object],
    replaced: Mapping[str, Callable[[Any], object]] | None = None,
) -> None:
    """Import ``module`` (unless it is imported already) while each name of ``stand_ins`` not
    imported yet is unavailable (``None``) or its stand-in, and each ``OWNER.ATTRIBUTE`` of
    ``replaced`` is what its function makes of the real one; each imports normally afterwards
    and each attribute is the real one again (unless something else replaced it meanwhile).
    Should ``module`` fail that way, it is imported again the usual way. The cyclic garbage
    collector is paused meanwhile: an import makes next to no reference cycles, and the console
    script imports msgspec and argparse before it raises the collector's threshold
    (``cli.entry``): 1.9 M instructions fewer for a small scan (decision 0121)."""
    if module in sys.modules:
        return
    stand_ins = {name: s for name, s in stand_ins.items() if name not in sys.modules}
    for name, stand_in in stand_ins.items():
        sys.modules[name] = stand_in  # type: ignore[assignment]
    collecting = gc.isenabled()
    gc.disable()
    put: list[tuple[ModuleType, str, object, object]] = []  # (owner, attribute, real, stand-in)
    try:
        for where, make in (replaced or {}).items():
            owner_name, _, attribute = where.rpartition(".")
            __import__(owner_name)
            real = getattr(sys.modules[owner_name], attribute)
            put.append((sys.modules[owner_name], attribute, real, make(real)))
            setattr(sys.modules[owner_name], attribute, put[-1][3])
        __import__(module)
    except Exception:
        for name in [m for m in sys.modules if m == module or m.startswith(module + ".")]:
            del sys.modules[name]
    finally:
        for owner, attribute, real, made in put:
            if getattr(owner, attribute) is made:
                setattr(owner, attribute, real)
        if collecting:
            gc.enable()
        for name, stand_in in stand_ins.items():
            if sys.modules.get(name, 0) is stand_in:
                del sys.modules[name]
    __import__(module)
