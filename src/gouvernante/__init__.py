"""gouvernante: find known npm supply-chain compromises in projects, installs, caches and hosts."""

import sys as _sys

__version__ = "0.1.0"

# msgspec imports ``typing_extensions`` when it is installed, only for a ``get_type_hints`` that
# Python 3.11's ``typing`` already provides for everything this project declares; that import
# pulls in ``inspect`` (and ``ast``, ``dis``, ``tokenize``) and was a third of msgspec's import
# time, ~0.8x a bare interpreter start (docs/decisions/0024-startup.md). So msgspec is imported
# here, first, with ``typing_extensions`` hidden; the entry is removed right after, so any later
# ``import typing_extensions`` works as usual.
if "msgspec" not in _sys.modules and "typing_extensions" not in _sys.modules:
    _sys.modules["typing_extensions"] = None  # type: ignore[assignment]
    try:
        import msgspec as _msgspec  # noqa: F401
    finally:
        del _sys.modules["typing_extensions"]
