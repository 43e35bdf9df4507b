"""Damaged settings files read beside the lockfiles: the checks the bounded fuzz test
(``test_fuzz_catalogs.py``) and the long run (``scripts/fuzz-lockfiles.py --settings``) make on
every cut and mutation of them.

- catalogs: ``pnpm-workspace.yaml`` (pnpm), ``.yarnrc.yml`` (yarn 4.10+) and a bun workspace
  root's ``package.json``, each read by the scanner's reader and by a reference reader of the
  same bytes (PyYAML's ``SafeLoader`` for pnpm, whose js-yaml reads plain scalars by type;
  ``BaseLoader`` for yarn, whose ``FAILSAFE_SCHEMA`` reads every scalar as a string; the
  ``json`` module for bun, keys kept in order and a repeated one noticed). Whenever the scanner
  reads a file, the reference must read it to the same catalogs: a reading the reference
  refuses, or another range for any entry, is a failure (a catalog entry resolved to a range
  the tool does not install: a wrong CLEAN or a bogus finding). The scanner may refuse what the
  reference reads (anchors, repeated keys, anything it does not read exactly): "refused". A
  pnpm value the reference reads as no string (``1.12`` a number: pnpm 10 refuses it, "Invalid
  catalog entry ... Expected string, but found: number") that the scanner reads as a string is
  counted "lenient": an install with that file fails, nothing is installed from it. No
  catalogs (no setting) read from a file the reference refuses is "none": the tool refuses it.
- ``.yarnrc.yml``'s ``lockfileFilename`` (``sources.yarnrc.lockfile_setting``): the scanner's
  name must be the reference's top-level value (``BaseLoader``), or an error.
- ``shrinkwrap.yaml`` (pnpm 1-2): refused whole, so every damaged copy must be an error unless
  the damage wrote a pnpm 5/6/9 ``lockfileVersion`` (never, with one byte).

Never a traceback (anything but ``LockfileError``), never a hang (``TIME_LIMIT``).
"""

from __future__ import annotations

import json
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import yaml

from gouvernante.errors import LockfileError
from gouvernante.lockfiles import parse_bytes
from gouvernante.lockfiles.package_json import DEFAULT_CATALOG, bun_catalogs
from gouvernante.lockfiles.package_json import parse as parse_manifest
from gouvernante.lockfiles.pnpm_workspace import YARN_DEFAULT_CATALOG, yarnrc_catalogs
from gouvernante.lockfiles.pnpm_workspace import read as read_workspace
from gouvernante.sources.yarnrc import lockfile_setting

ROOT = Path(__file__).parents[1]
TIME_LIMIT = 20.0
HERE = Path(__file__).parent / "settings-corpus"

Catalogs = dict[str, dict[str, str]]


@dataclass(frozen=True)
class SettingsCase:
    label: str
    kind: str  # "pnpm" | "yarn" | "bun" | "yarn-setting" | "shrinkwrap"
    data: bytes


class Hang(Exception):
    pass


class Failure(AssertionError):
    pass


class _Unread(Exception):
    """The reference reader refuses the bytes, or reads them as no catalogs of strings."""


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise Hang


def settings_cases() -> list[SettingsCase]:
    """The real files (realworld trees, pipeline fixtures) and the hand-written ones beside
    this module (``settings-corpus``: each spelling a reader must agree on)."""
    real = [
        ("pnpm", ROOT / "realworld/data/pnpm9-vue-core/tree/pnpm-workspace.yaml"),
        ("yarn", ROOT / "realworld/data/berry10-babel/tree/.yarnrc.yml"),
        ("yarn", ROOT / "pipeline/fixtures/yarn-catalogs/project/.yarnrc.yml"),
        ("yarn-setting", ROOT / "realworld/data/berry10-babel/tree/.yarnrc.yml"),
        ("bun", ROOT / "realworld/data/bun1-midday/tree/package.json"),
    ]
    cases = [SettingsCase(str(p.relative_to(ROOT)), kind, p.read_bytes()) for kind, p in real]
    kinds = {
        "pnpm-workspace.yaml": "pnpm",
        ".yarnrc.yml": "yarn",
        "package.json": "bun",
        "shrinkwrap.yaml": "shrinkwrap",
    }
    for path in sorted(p for p in HERE.glob("*/*") if p.name in kinds):
        kind = kinds[path.name]
        cases.append(SettingsCase(str(path.relative_to(ROOT)), kind, path.read_bytes()))
        if kind == "yarn":
            cases.append(
                SettingsCase(str(path.relative_to(ROOT)), "yarn-setting", path.read_bytes())
            )
    return cases


# --- the reference readers ----------------------------------------------------------------


def _yaml(data: bytes, loader: Any) -> Any:
    try:
        return yaml.load(data.decode("utf-8-sig"), Loader=loader)  # (SafeLoader or BaseLoader)
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError, ValueError) as exc:
        raise _Unread from exc


def _strings(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _Unread
    out: dict[str, str] = {}
    for key, spec in value.items():
        if not isinstance(key, str) or not isinstance(spec, str):
            raise _Unread
        out[key] = spec
    return out


def reference_pnpm(data: bytes) -> Catalogs:
    doc = _yaml(data, yaml.SafeLoader)
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise _Unread
    out: Catalogs = {}
    if doc.get("catalog") is not None:
        out[DEFAULT_CATALOG] = _strings(doc["catalog"])
    named = doc.get("catalogs")
    if named is not None:
        if not isinstance(named, dict):
            raise _Unread
        for name, entries in named.items():
            if not isinstance(name, str):
                raise _Unread
            out[name] = _strings(entries) if entries is not None else {}
    return out


def reference_yarn(data: bytes) -> Catalogs | None:
    doc = _yaml(data, yaml.BaseLoader)
    if doc is None or doc == "":
        return None
    if not isinstance(doc, dict):
        raise _Unread
    if doc.get("catalog") in (None, "") and doc.get("catalogs") in (None, ""):
        return None  # (BaseLoader reads a null as "")
    out: Catalogs = {}
    named = doc.get("catalogs")
    if named not in (None, ""):
        if not isinstance(named, dict):
            raise _Unread
        for name, entries in named.items():
            if name != YARN_DEFAULT_CATALOG:
                out[name] = _strings(entries) if entries != "" else {}
    default = doc.get("catalog")
    out[YARN_DEFAULT_CATALOG] = _strings(default) if default not in (None, "") else {}
    return out


class _Object(dict[str, Any]):
    repeated = False


def _pairs(pairs: list[tuple[str, Any]]) -> _Object:
    out = _Object(pairs)
    out.repeated = len(out) != len(pairs)
    return out


def reference_bun(data: bytes) -> Catalogs | None:
    """bun's catalogs from the ``json`` module's reading (node reads the file as UTF-8, a bad
    byte replaced); a key repeated where catalogs are read is not compared (bun keeps the
    first, JSON.parse the last: the scanner reads both, decision 0058)."""
    try:
        doc = json.loads(data.decode("utf-8-sig", "replace"), object_pairs_hook=_pairs)
    except (ValueError, RecursionError) as exc:
        raise _Unread from exc
    if not isinstance(doc, dict):
        raise _Unread
    objects = [doc]
    for value in (doc.get("workspaces"), doc.get("catalog"), doc.get("catalogs")):
        if isinstance(value, dict):
            objects.append(value)
            objects.extend(v for v in value.values() if isinstance(v, dict))
            for inner in value.values():
                if isinstance(inner, dict):
                    objects.extend(v for v in inner.values() if isinstance(v, dict))
    if any(isinstance(o, _Object) and o.repeated for o in objects):
        raise _Unread
    return bun_catalogs(doc.get("workspaces"), doc.get("catalog"), doc.get("catalogs"), "x")


def reference_setting(data: bytes) -> str | None:
    doc = _yaml(data, yaml.BaseLoader)
    if not isinstance(doc, dict):
        return None
    value = doc.get("lockfileFilename")
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Unread
    return value


# --- the check ----------------------------------------------------------------------------


def _scanner(case: SettingsCase, data: bytes) -> object:
    if case.kind == "pnpm":
        return read_workspace(data, "pnpm-workspace.yaml").catalogs
    if case.kind == "yarn":
        return yarnrc_catalogs(data, ".yarnrc.yml")
    if case.kind == "bun":
        return parse_manifest(data, "package.json").catalogs
    if case.kind == "yarn-setting":
        return lockfile_setting(data, ".yarnrc.yml")
    return parse_bytes(data, "shrinkwrap.yaml", "shrinkwrap.yaml")


_REFERENCE = {
    "pnpm": reference_pnpm,
    "yarn": reference_yarn,
    "bun": reference_bun,
    "yarn-setting": reference_setting,
}


@dataclass(frozen=True)
class Verdict:
    # "error" | "read" | "lenient" (a value pnpm refuses) | "none" (nothing read from a file
    # the reference refuses)
    kind: str
    seconds: float


def check_settings(case: SettingsCase, damaged: bytes, where: str) -> Verdict:
    """Read ``damaged`` as ``case``'s kind; raise ``Failure`` when a property does not hold."""
    old = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT)
    started = time.perf_counter()
    try:
        got = _scanner(case, damaged)
    except LockfileError:
        return Verdict("error", time.perf_counter() - started)
    except Hang:
        raise Failure(f"{case.label} ({where}): no answer within {TIME_LIMIT}s") from None
    except Exception as exc:
        raise Failure(f"{case.label} ({where}): traceback {type(exc).__name__}: {exc}") from exc
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    seconds = time.perf_counter() - started
    if case.kind == "shrinkwrap":
        raise Failure(f"{case.label} ({where}): a pnpm 1-2 shrinkwrap read as a lockfile")
    try:
        expected = _REFERENCE[case.kind](damaged)
    except _Unread:
        if case.kind == "pnpm" and _lenient(damaged):
            return Verdict("lenient", seconds)
        if not got:  # no catalogs (no setting) in a file the tool refuses: nothing installed
            return Verdict("none", seconds)
        if case.kind != "bun" and b"\t" in damaged:
            # PyYAML refuses a tab inside a plain scalar, which YAML 1.2 allows: js-yaml
            # (pnpm) and yarn's parseSyml read ``npm:a\t@1`` as the scanner does. Not compared.
            return Verdict("tab", seconds)
        if case.kind == "yarn-setting":
            # the setting is read by lines, not as YAML: one beside a damage yarn refuses the
            # whole file for is a setting no install uses (yarn stops)
            return Verdict("none", seconds)
        raise Failure(
            f"{case.label} ({where}): read ({_shown(got)}) where the reference reader refuses"
            " the file or reads no catalogs of strings"
        ) from None
    if case.kind == "pnpm" and not got and not expected:
        return Verdict("read", seconds)
    if got != expected:
        raise Failure(
            f"{case.label} ({where}): read as {_shown(got)}, the reference as {_shown(expected)}"
        )
    return Verdict("read", seconds)


def _lenient(data: bytes) -> bool:
    """Does the reference read the file (as YAML 1.1) with a catalog key or value of another
    type? A value: pnpm refuses the file (js-yaml reads ``1.12`` as a number too); a key such
    as ``yes`` or ``on``: js-yaml (YAML 1.2) reads a string, as the scanner does."""
    try:
        doc = _yaml(data, yaml.SafeLoader)
    except _Unread:
        return False
    if not isinstance(doc, dict):
        return False
    scalars: list[Any] = []
    named = doc.get("catalogs")
    scalars.extend(named.keys() if isinstance(named, dict) else ())
    for entries in [doc.get("catalog"), *(_values(named))]:
        scalars.extend(_values(entries))
        scalars.extend(entries.keys() if isinstance(entries, dict) else ())
    return any(not isinstance(v, str) for v in scalars)


def _values(value: Any) -> list[Any]:
    return list(value.values()) if isinstance(value, dict) else []


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 300 else text[:300] + "..."


def cuts(data: bytes, step: int = 1) -> list[tuple[bytes, str]]:
    """Every cut (every ``step`` bytes) that removes more than trailing blanks."""
    end = len(data.rstrip())
    return [(data[:cut], f"cut at {cut}") for cut in range(0, end, step)]
