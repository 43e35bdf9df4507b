"""gouvernante: find known npm supply-chain compromises in projects, installs, caches and hosts."""

import os as _os
import sys as _sys

from gouvernante.stand_in import OnFirstUse as _OnFirstUse
from gouvernante.stand_in import import_with as _import_with

__version__ = "0.1.0"

# The oldest Python the whole suite was run on (decision 0131; ``requires-python`` says the same).
# Before 3.11.5 CPython misreads a possessive quantifier over more than one character (gh-106052,
# gh-100061): ``src`` writes each as ``(?>X)*+``, read alike from 3.11.2 on
# (tests/test_regex_forms.py). Older releases were not run: refused.
OLDEST_PYTHON = (3, 11, 2)
if _sys.version_info[:3] < OLDEST_PYTHON:
    raise ImportError(
        "gouvernante needs Python 3.11.2 or newer (this is"
        f" {'.'.join(map(str, _sys.version_info[:3]))}): older releases were not tested"
    )


class _Platform(_OnFirstUse):
    """``platform`` as ``uuid`` asks it at import (Python 3.11 and 3.12 on Linux; 3.13's uuid
    knows Linux without it): on Linux ``platform.system()`` is ``os.uname()``'s system name
    (``platform.uname``, 3.11 to 3.13); elsewhere (3.13 names Android and iOS after the OS, not
    the kernel) and for anything else the real module answers."""

    def system(self) -> str:
        name: str = _os.uname().sysname if _sys.platform == "linux" else ""
        if name:
            return name
        real = self.__getattr__("system")
        return str(real())  # type: ignore[operator]


class _ForwardRefProbe:
    """``typing.ForwardRef`` while msgspec is imported: its ``_utils`` builds one at import only to
    learn whether the class takes ``is_class`` (Python 3.11 on: it does); building one compiles
    its string, and a process's first ``compile()`` creates every AST node type (~10 M
    instructions, 0.25x a bare interpreter start; decision 0137). That call, from
    ``msgspec._utils`` with ``is_class`` alone, is answered without building one where the real
    class's ``__init__`` names ``is_class`` (what it would have answered: no TypeError); every
    other call builds the real one."""

    def __init__(self, real: type) -> None:
        self.real = real
        code = getattr(getattr(real, "__init__", None), "__code__", None)
        keywords = code.co_varnames[code.co_argcount :][: code.co_kwonlyargcount] if code else ()
        self.answers = "is_class" in keywords

    def __call__(self, *args: object, **kwargs: object) -> object:
        if (
            self.answers
            and len(args) == 1
            and kwargs == {"is_class": True}
            and _sys._getframe(1).f_globals.get("__name__") == "msgspec._utils"
        ):
            return None  # (msgspec only asks whether the call raises TypeError)
        made: object = self.real(*args, **kwargs)
        return made


# Start-up (docs/decisions/0024-startup.md, 0121): every scan imports msgspec, which imports
# - ``typing_extensions`` when installed, only for a ``get_type_hints`` that Python 3.11's
#   ``typing`` provides for everything this project declares; it pulls in ``inspect`` with
#   ``ast``, ``dis`` and ``tokenize`` (~10 ms, ~0.7x a bare interpreter start): hidden;
# - ``uuid``, which imports ``platform`` on Python 3.11 and 3.12 (9 patterns compiled, ~8 M
#   instructions) to ask ``platform.system()`` once: answered by ``_Platform``;
# - ``textwrap`` (5 patterns, ~4 M), used only to write JSON schemas: imported on first use;
# - its submodules ``inspect`` (some thirty Structs; JSON schemas read it), ``toml`` and ``yaml``,
#   which no scan uses: imported on first use (~6.6 M, decision 0157);
# and builds a ``typing.ForwardRef`` (answered by ``_ForwardRefProbe``: ~8.5 M). The models a
# small scan decodes (the bundled pack's heads, npm's entries) are declared in modules without
# postponed annotations, so that msgspec builds no ForwardRef for them either (0137).
# No class on a lockfile scan's path is a dataclass, so such a scan imports neither
# ``dataclasses`` nor ``inspect``.
_import_with(
    "msgspec",
    {
        "typing_extensions": None,
        "platform": _Platform("platform"),
        "textwrap": _OnFirstUse("textwrap"),
        "msgspec.inspect": _OnFirstUse("msgspec.inspect"),
        "msgspec.toml": _OnFirstUse("msgspec.toml"),
        "msgspec.yaml": _OnFirstUse("msgspec.yaml"),
    },
    replaced={"typing.ForwardRef": _ForwardRefProbe},
)
