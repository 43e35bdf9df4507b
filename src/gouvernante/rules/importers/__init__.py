"""Rule importers: turn public IOC feeds into rule documents (schema 1.0.0).

``import_feed("osv" | "csv" | "list", paths)`` returns JSON documents ready to be written next to
hand-written rules, plus warnings about everything that was skipped or guessed. Output is
deterministic: rules sorted by id, packages by name, versions in semver order, 2-space indent.
Importers never run or fetch anything; they read the given files only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from gouvernante.errors import RuleError
from gouvernante.rules.importers._common import OPTION_KEYS, FeedError, JSONDict, dump_documents
from gouvernante.rules.importers.csvfeed import import_csv
from gouvernante.rules.importers.osv import import_osv
from gouvernante.rules.importers.plainlist import import_list

FORMATS: tuple[str, ...] = ("csv", "list", "osv")

__all__ = [
    "FORMATS",
    "OPTION_KEYS",
    "FeedError",
    "ImportResult",
    "import_feed",
    "import_rules",
    "part_name",
]


@dataclass(frozen=True)
class ImportResult:
    """Generated documents as (file name, JSON bytes) and human-readable warnings."""

    documents: tuple[tuple[str, bytes], ...]
    warnings: tuple[str, ...]


_Importer = Callable[
    [Sequence[str], Mapping[str, str]], tuple[list[tuple[str, list[JSONDict]]], list[str]]
]


_IMPORTERS: dict[str, _Importer] = {"csv": import_csv, "list": import_list, "osv": import_osv}


def _importer(fmt: str) -> _Importer:
    if fmt in _IMPORTERS:
        return _IMPORTERS[fmt]
    raise RuleError(None, f"unknown feed format {fmt!r}: expected one of {', '.join(FORMATS)}")


def _check_options(fmt: str, inputs: Sequence[str], options: Mapping[str, str]) -> None:
    unknown = sorted(set(options) - set(OPTION_KEYS))
    if unknown:
        raise RuleError(
            None, f"unknown import option(s) {', '.join(unknown)}: known {', '.join(OPTION_KEYS)}"
        )
    if "id" in options and len(inputs) > 1 and fmt != "osv":
        raise RuleError(None, "option id= needs exactly one input file (rule ids must be unique)")
    if "split" in options and fmt != "list":
        raise RuleError(None, "option split= only applies to the list format")
    if "narrow" in options and fmt != "osv":
        raise RuleError(None, "option narrow= only applies to the osv format")
    if "skip_unreadable" in options and fmt == "osv":
        raise RuleError(None, "option skip_unreadable= applies to the csv and list formats")


def import_rules(
    fmt: str, inputs: Sequence[str], options: Mapping[str, str] | None = None
) -> tuple[list[tuple[str, list[JSONDict]]], list[str]]:
    """Like ``import_feed`` but returns the rule dicts (used by the bundled-pack builder)."""
    opts = dict(options or {})
    _check_options(fmt, inputs, opts)
    if not inputs:
        raise RuleError(None, "no input file given")
    return _importer(fmt)(inputs, opts)


def part_name(name: str, number: int) -> str:
    """``feed.json`` -> ``feed.part-001.json``: the files a big document is written as."""
    return f"{name[: -len('.json')]}.part-{number:03d}.json"


def import_feed(
    fmt: str,
    inputs: Sequence[str],
    options: Mapping[str, str] | None = None,
    *,
    max_file_bytes: int | None = None,
) -> ImportResult:
    """Import feed files of one format.

    ``options``: ``id`` (rule id, one input only), ``title``, ``summary``, ``severity``,
    ``kind``, ``reference`` (source URLs, space-separated), for lists ``split=sections``, for OSV
    ``narrow=yes``. A document bigger than the rule loader's file-size limit (or
    ``max_file_bytes``) is written as ``<name>.part-NNN.json`` files, each under it.
    Raises ``RuleError`` (``FeedError``) for unreadable or unrecognisable inputs.
    """
    if max_file_bytes is None:
        from gouvernante.rules import loader  # noqa: PLC0415

        max_file_bytes = loader.MAX_FILE_BYTES
    documents, warnings = import_rules(fmt, inputs, options)
    names: set[str] = set()
    out: list[tuple[str, bytes]] = []
    for name, rules in documents:
        unique, n = name, 2
        while unique in names or part_name(unique, 1) in names:
            unique, n = f"{name[: -len('.json')]}-{n}.json", n + 1
        parts = dump_documents(rules, max_file_bytes, unique)
        if len(parts) == 1:
            names.add(unique)
            out.append((unique, parts[0]))
            continue
        for number, data in enumerate(parts, 1):
            names.add(part_name(unique, number))
            out.append((part_name(unique, number), data))
        warnings.append(
            f"{unique}: {len(rules)} rules written as {len(parts)} files "
            f"{part_name(unique, 1)} .. {part_name(unique, len(parts))}, each at most "
            f"{max_file_bytes} bytes (the rule loader's file-size limit)"
        )
    return ImportResult(documents=tuple(out), warnings=tuple(warnings))
