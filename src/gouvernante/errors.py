"""One base exception, one subclass per role.

Every message starts with the file it is about and, where there is one, the JSON/YAML path inside
it, so a user sees ``rules/x.json: rules[0].package_rules[1].affected_versions[0]: invalid range``.
"""

from __future__ import annotations

from typing import Final

# The errors of one input listed one by one, the rest counted in one more line: a rule file's
# (``rules.loader``) and a lockfile's entries (``match.hits.entry_errors``, decision 0149)
MAX_ERRORS_PER_FILE: Final = 100


class GouvernanteError(Exception):
    """Base class of every error this package raises on purpose."""

    def __init__(self, path: str | None, message: str, *, json_path: str | None = None) -> None:
        self.path = path
        self.json_path = json_path
        self.detail = message
        super().__init__(self.one_line())

    def one_line(self) -> str:
        parts = [p for p in (self.path, self.json_path) if p]
        parts.append(self.detail)
        return ": ".join(parts).replace("\n", " ")

    def located(self) -> str:
        """The message without the file, as a report gives it beside the file's name: the
        position inside the file (JSON/YAML path, ``line N``) first, when there is one."""
        return f"{self.json_path}: {self.detail}" if self.json_path else self.detail


class UsageError(GouvernanteError):
    """Bad command-line arguments."""

    def __init__(self, message: str) -> None:
        super().__init__(None, message)


class InputError(GouvernanteError):
    """A file or directory that cannot be read safely (missing, FIFO, device, too big)."""


class SemverError(GouvernanteError):
    """An npm version or range that does not parse."""

    def __init__(self, message: str) -> None:
        super().__init__(None, message)


class RuleError(GouvernanteError):
    """A rule file that does not satisfy the rule schema or its semantic checks."""


class LockfileError(GouvernanteError):
    """A lockfile (or package.json) that cannot be parsed."""


class SuppressionError(GouvernanteError):
    """A malformed suppression (ignore) file."""


class ReportError(GouvernanteError):
    """A report that cannot be written or read back."""


class SourceError(GouvernanteError):
    """A source of lockfiles that cannot be read: a git repository, an inventory database."""
