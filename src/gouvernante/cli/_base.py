"""What every command shares: the argument-parser base, the flag spelling, the exit codes.

Flags are Go-style (``-rules DIR``) as in the incident runbook; the GNU spelling ``--rules`` works
too. A usage error raises ``UsageError`` (exit 1) instead of argparse's own exit 2, which would
read as "findings".
"""

from __future__ import annotations

import os
import sys
from collections.abc import Collection
from types import FrameType
from typing import TYPE_CHECKING, Any

from gouvernante.errors import UsageError
from gouvernante.stand_in import OnFirstUse, import_with


class _Untranslated(OnFirstUse):
    """``gettext`` as argparse takes it (``gettext``, ``ngettext``), answering without the
    module while no translation can exist: the real module is not imported (so no
    ``bindtextdomain``/``textdomain`` was called) and its default folder of translations,
    ``sys.base_prefix/share/locale``, is no directory: ``gettext.find`` looks for
    ``messages.mo`` only under it, so every message is then its own translation
    (``NullTranslations``). Otherwise the real module answers. Importing ``gettext`` compiles its
    plural-forms pattern and its first look-up imports ``locale``: ~7.5 M instructions of every
    run, for the three look-ups a parser makes (decision 0121)."""

    def _untranslated(self) -> bool:
        real = sys.modules.get("gettext")
        if real is not None and real is not self:
            return False
        return not os.path.isdir(os.path.join(sys.base_prefix, "share", "locale"))

    def gettext(self, message: str) -> str:
        if self._untranslated():
            return message
        return str(self.__getattr__("gettext")(message))  # type: ignore[operator]

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        if self._untranslated():
            return msgid1 if n == 1 else msgid2
        return str(self.__getattr__("ngettext")(msgid1, msgid2, n))  # type: ignore[operator]


import_with("argparse", {"gettext": _Untranslated("gettext")})

import argparse  # noqa: E402 - after the stand-in above

if TYPE_CHECKING:
    import signal as _signal
else:
    # The interpreter's own signal module (always loaded: it installs the SIGINT handler at
    # start-up). ``signal`` wraps the same functions and builds three IntEnums when imported
    # (~3 M instructions, decision 0105): it is imported only to name a signal that stopped a run.
    import _signal

EXIT_CLEAN = 0
EXIT_ERROR = 1
EXIT_FINDINGS = 2

# Signals that stop a run: the exit code is the shell's convention, 128 + the signal's number
# (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP).
STOP_SIGNALS: tuple[int, ...] = tuple(
    getattr(_signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(_signal, name)
)


class Stopped(BaseException):
    """A stop signal arrived: unwinds like ``KeyboardInterrupt`` (``finally`` blocks run, so
    temporary report files are removed and worker processes terminated)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

    @property
    def name(self) -> str:
        import signal  # noqa: PLC0415 - only once a run is stopped

        return signal.Signals(self.signum).name


def _stop(signum: int, _frame: FrameType | None) -> None:
    for sig in STOP_SIGNALS:  # the clean-up that follows is not interrupted again
        _signal.signal(sig, _signal.SIG_IGN)
    raise Stopped(signum)


def install_stop_handlers() -> None:
    """SIGINT, SIGTERM and SIGHUP raise ``Stopped`` in the main thread (the console script)."""
    for sig in STOP_SIGNALS:
        _signal.signal(sig, _stop)


_help_width: list[int] = []


def help_width() -> int:
    """The width argparse formats help to: what ``shutil.get_terminal_size`` would give
    (``COLUMNS``, else the terminal of stdout, else 80) less 2, once per process. argparse asks for
    it afresh for every ``add_argument`` (building a scan's parser read the environment and the
    terminal 27 times and imported ``shutil`` with its compression modules: ~8 ms of a small
    scan)."""
    if not _help_width:
        try:
            columns = int(os.environ.get("COLUMNS", ""))
        except ValueError:
            columns = 0
        if columns <= 0:
            try:
                columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
            except (AttributeError, ValueError, OSError):
                columns = 0
        _help_width.append((columns if columns > 0 else 80) - 2)
    return _help_width[0]


def _formatter(cls: Any) -> Any:
    """``cls`` (a HelpFormatter class) made with ``help_width()``; a factory made here already
    (a parser built from another's ``formatter_class``) is kept as it is."""
    if getattr(cls, "fixed_width", False):
        return cls

    def make(prog: str, **kwargs: Any) -> argparse.HelpFormatter:
        kwargs.setdefault("width", help_width())
        made: argparse.HelpFormatter = cls(prog, **kwargs)
        return made

    make.fixed_width = True  # type: ignore[attr-defined]
    return make


class Parser(argparse.ArgumentParser):
    """argparse with usage errors as ``UsageError`` naming the command."""

    def __init__(self, *args: Any, only: Collection[str] | None = None, **kwargs: Any) -> None:
        """``only``: the names of the flags ``flag`` adds; the others only set their default
        (``has_every_flag`` tells whether every name of ``only`` is a flag)."""
        kwargs.setdefault("allow_abbrev", False)
        kwargs["formatter_class"] = _formatter(
            kwargs.get("formatter_class", argparse.HelpFormatter)
        )
        super().__init__(*args, **kwargs)
        self.only = only
        self._named: set[str] = set()

    def has_every_flag(self, names: Collection[str]) -> bool:
        return self._named.issuperset(names)

    def error(self, message: str) -> None:  # type: ignore[override]
        # main() prints "gouvernante: " before every error: name only the subcommand here
        command = self.prog.removeprefix("gouvernante").strip()
        raise UsageError(f"{command}: {message}" if command else message)


def flag(parser: argparse.ArgumentParser, name: str, *extra: str, **kwargs: Any) -> None:
    """Add ``-name`` and ``--name`` (and any ``extra`` spellings) for one option; for a
    ``Parser`` whose ``only`` leaves ``name`` out, set its default only (as argparse would:
    ``False`` for ``store_true``, else the given default or None)."""
    if isinstance(parser, Parser):
        parser._named.add(name)
        if parser.only is not None and name not in parser.only:
            if kwargs.get("action") == "store_true":
                default = kwargs.get("default", False)
            else:
                default = kwargs.get("default")
            parser.set_defaults(**{kwargs.get("dest", name.replace("-", "_")): default})
            return
    parser.add_argument(f"-{name}", f"--{name}", *extra, **kwargs)


def value_flags(parser: argparse.ArgumentParser) -> frozenset[str]:
    """Every spelling of the options of ``parser`` that take a value (for wrappers such as the
    pre-commit hook, so their list never drifts from the parser's)."""
    names: set[str] = set()
    for action in parser._actions:
        if action.option_strings and action.nargs != 0:
            names.update(action.option_strings)
    return frozenset(names)
