"""Libraries imported with some of their imports stood in for (decisions 0024, 0121: start-up).

``import_with(MODULE, {NAME: STAND_IN})`` imports a library while each module ``NAME`` it would
import is unavailable (``None``) or its stand-in (``OnFirstUse``: the real module is imported at
the first attribute asked of it); the package uses it for msgspec and argparse. It imports
built-in modules, ``types`` and ``__future__`` only (which msgspec imports anyway), so that the
collector's pause covers all of the libraries' imports.
"""

from __future__ import annotations

import gc
import sys
from types import ModuleType


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


def import_with(module: str, stand_ins: dict[str, object]) -> None:
    """Import ``module`` (unless it is imported already) while each name of ``stand_ins`` not
    imported yet is unavailable (``None``) or its stand-in; each imports normally afterwards.
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
    try:
        __import__(module)
    except Exception:
        for name in [m for m in sys.modules if m == module or m.startswith(module + ".")]:
            del sys.modules[name]
    finally:
        if collecting:
            gc.enable()
        for name, stand_in in stand_ins.items():
            if sys.modules.get(name, 0) is stand_in:
                del sys.modules[name]
    __import__(module)
