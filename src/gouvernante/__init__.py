"""gouvernante: find known npm supply-chain compromises in projects, installs, caches and hosts."""

import sys as _sys
from types import ModuleType as _ModuleType

__version__ = "0.1.0"


class _LazyModule(_ModuleType):
    """Stands in for a module while another one is imported; the real module is imported on the
    first attribute asked for (then copied in, so later look-ups are direct)."""

    def __getattr__(self, attr: str) -> object:
        if _sys.modules.get(self.__name__) is self:
            del _sys.modules[self.__name__]
        real = __import__(self.__name__)
        self.__dict__.update(real.__dict__)
        return getattr(real, attr)


def _import_hiding(module: str, hidden: str, *, lazy: bool) -> None:
    """Import ``module`` with ``hidden`` unavailable (``lazy``: standing in, imported on first
    use), unless either is imported already; ``hidden`` imports normally afterwards. Should a
    version of ``module`` need ``hidden`` after all, it is imported again the usual way."""
    if module in _sys.modules or hidden in _sys.modules:
        return
    _sys.modules[hidden] = _LazyModule(hidden) if lazy else None  # type: ignore[assignment]
    try:
        __import__(module)
    except ImportError:
        for name in [m for m in _sys.modules if m == module or m.startswith(module + ".")]:
            del _sys.modules[name]
    finally:
        if _sys.modules.get(hidden, 0) is None or isinstance(_sys.modules.get(hidden), _LazyModule):
            del _sys.modules[hidden]
    __import__(module)


# Start-up (docs/decisions/0024-startup.md): every scan imports msgspec and dataclasses. msgspec
# imports ``typing_extensions`` when installed, only for a ``get_type_hints`` that Python 3.11's
# ``typing`` provides for everything this project declares; dataclasses imports ``inspect`` only to
# write a docstring for a class without one. Each pulled in ``inspect`` with ``ast``, ``dis`` and
# ``tokenize`` (~10 ms, ~0.7x a bare interpreter start). Every dataclass on the scan path has a
# docstring, so a small scan never imports ``inspect``; any other use still gets the real module.
_import_hiding("msgspec", "typing_extensions", lazy=False)
_import_hiding("dataclasses", "inspect", lazy=True)
