"""gouvernante: find known npm supply-chain compromises in projects, installs, caches and hosts."""

import gc as _gc
import os as _os
import sys as _sys
from types import ModuleType as _ModuleType  # (msgspec imports it anyway)

__version__ = "0.1.0"


class _OnFirstUse(_ModuleType):
    """Stands in for a module while another is imported: the real module is imported at the
    first attribute asked of it (then or any time later), and answers it; but for the import
    system's own questions (``__path__`` for ``from ... import``, ``__file__``...)."""

    def __getattr__(self, name: str) -> object:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        real = _sys.modules.get(self.__name__)
        if real is None or real is self:
            _sys.modules.pop(self.__name__, None)
            __import__(self.__name__)
            real = _sys.modules[self.__name__]
        return getattr(real, name)


class _Platform(_OnFirstUse):
    """``platform`` as ``uuid`` asks it at import: ``platform.system()`` is ``os.uname()``'s
    system name wherever ``os.uname`` gives one (``platform.uname``); anything else is asked of
    the real module."""

    def system(self) -> str:
        name: str = _os.uname().sysname if hasattr(_os, "uname") else ""
        if name:
            return name
        real = self.__getattr__("system")
        return str(real())  # type: ignore[operator]


def _import_with(module: str, stand_ins: dict[str, object]) -> None:
    """Import ``module`` (unless it is imported already) while each name of ``stand_ins`` not
    imported yet is unavailable (``None``) or its stand-in; each imports normally afterwards.
    Should ``module`` fail that way, it is imported again the usual way. The cyclic garbage
    collector is paused meanwhile: an import makes next to no reference cycles, and the console
    script imports msgspec and argparse before it raises the collector's threshold
    (``cli.entry``): ~4.7 M instructions of collections (decision 0121)."""
    if module in _sys.modules:
        return
    stand_ins = {name: s for name, s in stand_ins.items() if name not in _sys.modules}
    for name, stand_in in stand_ins.items():
        _sys.modules[name] = stand_in  # type: ignore[assignment]
    collecting = _gc.isenabled()
    _gc.disable()
    try:
        __import__(module)
    except Exception:
        for name in [m for m in _sys.modules if m == module or m.startswith(module + ".")]:
            del _sys.modules[name]
    finally:
        if collecting:
            _gc.enable()
        for name, stand_in in stand_ins.items():
            if _sys.modules.get(name, 0) is stand_in:
                del _sys.modules[name]
    __import__(module)


# Start-up (docs/decisions/0024-startup.md, 0121): every scan imports msgspec, which imports
# - ``typing_extensions`` when installed, only for a ``get_type_hints`` that Python 3.11's
#   ``typing`` provides for everything this project declares; it pulls in ``inspect`` with
#   ``ast``, ``dis`` and ``tokenize`` (~10 ms, ~0.7x a bare interpreter start): hidden;
# - ``uuid``, which imports ``platform`` (9 patterns compiled, ~8 M instructions) to ask
#   ``platform.system()`` once: answered by ``_Platform``;
# - ``textwrap`` (5 patterns, ~4 M), used only to write JSON schemas: imported on first use.
# No class on a lockfile scan's path is a dataclass, so such a scan imports neither
# ``dataclasses`` nor ``inspect``.
_import_with(
    "msgspec",
    {
        "typing_extensions": None,
        "platform": _Platform("platform"),
        "textwrap": _OnFirstUse("textwrap"),
    },
)
