"""gouvernante: find known npm supply-chain compromises in projects, installs, caches and hosts."""

import sys as _sys

__version__ = "0.1.0"


def _import_hiding(module: str, hidden: str) -> None:
    """Import ``module`` with ``hidden`` unavailable, unless either is imported already;
    ``hidden`` imports normally afterwards. Should a version of ``module`` need ``hidden`` after
    all, it is imported again the usual way."""
    if module in _sys.modules or hidden in _sys.modules:
        return
    _sys.modules[hidden] = None  # type: ignore[assignment]
    try:
        __import__(module)
    except ImportError:
        for name in [m for m in _sys.modules if m == module or m.startswith(module + ".")]:
            del _sys.modules[name]
    finally:
        if _sys.modules.get(hidden, 0) is None:
            del _sys.modules[hidden]
    __import__(module)


# Start-up (docs/decisions/0024-startup.md): every scan imports msgspec, which imports
# ``typing_extensions`` when installed, only for a ``get_type_hints`` that Python 3.11's ``typing``
# provides for everything this project declares; ``typing_extensions`` pulls in ``inspect`` with
# ``ast``, ``dis`` and ``tokenize`` (~10 ms, ~0.7x a bare interpreter start). No class on a
# lockfile scan's path is a dataclass, so such a scan imports neither ``dataclasses`` nor
# ``inspect``.
_import_hiding("msgspec", "typing_extensions")
