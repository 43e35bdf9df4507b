"""``gouvernante rules {validate,new,import,test}``: from an advisory to a tested rule."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gouvernante.cli._base import Parser, flag
from gouvernante.errors import ReportError, UsageError
from gouvernante.rules.defang import refang
from gouvernante.rules.model import SCHEMA_VERSION, RuleKind
from gouvernante.safetext import capped, shown

_SEVERITIES = ("low", "medium", "high", "critical")
_KINDS = tuple(k.value for k in RuleKind)
_HEX = {32: "md5", 40: "sha1", 64: "sha256", 128: "sha512"}
_EXACT = re.compile(r"^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")


def build_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="gouvernante rules",
        allow_abbrev=False,
        description="Write, import, validate and test rules.",
    )
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)

    v = sub.add_parser(
        "validate", help="check rule files: every error, plus warnings", allow_abbrev=False
    )
    v.add_argument("paths", nargs="+", metavar="PATH")

    n = sub.add_parser(
        "new", help="scaffold a rule file (interactive when stdin is a TTY)", allow_abbrev=False
    )
    flag(n, "id", help="rule id, e.g. SSC-2026-005")
    flag(n, "title")
    flag(n, "kind", choices=_KINDS, default=None)
    flag(n, "severity", choices=_SEVERITIES, default="critical")
    flag(n, "summary")
    flag(
        n,
        "package",
        action="append",
        default=[],
        metavar="NAME@VER[,VER]",
        help="affected package and versions (exact versions or npm ranges); repeatable",
    )
    flag(
        n,
        "dropper",
        action="append",
        default=[],
        metavar="NAME",
        help="dropper package: any version is a finding; repeatable",
    )
    flag(
        n,
        "file-ioc",
        dest="file_ioc",
        action="append",
        default=[],
        metavar="PATH[:HASH]",
        help="file dropped on hosts (absolute, ~ or $VAR) or planted in projects (relative),"
        " with an optional md5/sha1/sha256/sha512 hex; repeatable",
    )
    flag(
        n,
        "network-ioc",
        dest="network_ioc",
        action="append",
        default=[],
        metavar="HOST",
        help="C2 domain, IP, host:port or URL (defanged x[.]com accepted); repeatable",
    )
    flag(n, "reference", action="append", default=[], metavar="URL")
    flag(
        n,
        "remediation",
        action="append",
        default=[],
        metavar="STEP",
        help="a remediation step; repeatable (the first is the summary)",
    )
    flag(n, "output", "-o", default="rules", metavar="DIR", help="directory (default rules/)")
    flag(n, "force", action="store_true", help="overwrite an existing rule file")

    i = sub.add_parser(
        "import",
        help="import OSV records, CSV feeds or name@version lists",
        description=(
            "Turn feed files into rule files in DIR. OSV: a package is affected at a version when "
            "any range (introduced/fixed/last_affected/limit) or the versions list says so, so "
            'introduced "0" with no end is every version even when versions are listed; a record '
            "like that gets a warning when the same import says the package has clean releases. "
            "An output bigger than the rule loader's file-size limit is written as several "
            "NAME.part-NNN.json files."
        ),
        allow_abbrev=False,
    )
    i.add_argument("format", choices=["osv", "csv", "list"])
    i.add_argument(
        "inputs",
        nargs="+",
        metavar="FILE",
        help="feed file; for osv also a folder of records (searched recursively) or a .zip of "
        "records (such as osv.dev's all.zip, read in memory, never extracted)",
    )
    flag(i, "output", "-o", default="rules", metavar="DIR", help="directory (default rules/)")
    flag(i, "id", help="rule id (one input only)")
    flag(i, "title")
    flag(i, "summary")
    flag(i, "severity", choices=_SEVERITIES)
    flag(i, "kind", choices=_KINDS)
    flag(
        i,
        "reference",
        action="append",
        default=[],
        metavar="URL",
        help="source to cite in the rule; repeatable",
    )
    flag(
        i,
        "split-sections",
        dest="split_sections",
        action="store_true",
        help="lists: one rule per '#' section header",
    )
    flag(
        i,
        "narrow",
        action="store_true",
        help="osv: when a record marks every version affected and also lists versions or "
        "bounded ranges, import only those (for a package you know has clean releases)",
    )

    flag(
        i,
        "skip-unreadable",
        dest="skip_unreadable",
        action="store_true",
        help="csv, list: skip (with a warning each) the entries whose name or version cannot be "
        "read, instead of importing nothing from the file",
    )

    t = sub.add_parser(
        "test",
        help="scan each rule's test cases: affected/ must match, clean/ not",
        allow_abbrev=False,
    )
    t.add_argument("paths", nargs="+", metavar="PATH")
    return p


def run(argv: Sequence[str]) -> int:
    args = list(argv)
    if not args or args[0] in {"-h", "--help"}:
        build_parser().print_help()
        return 0 if args else 1
    ns = build_parser().parse_args(args)
    handler = {"validate": _validate, "new": _new, "import": _import, "test": _test}[ns.command]
    return handler(ns)


# -- validate -----------------------------------------------------------------------------------


def _validate(ns: argparse.Namespace) -> int:
    from gouvernante.rules.lint import rule_warnings  # noqa: PLC0415
    from gouvernante.rules.loader import load_rule_files  # noqa: PLC0415

    ruleset, errors = load_rule_files(ns.paths)
    for err in errors:
        print(shown(f"error: {err.one_line()}"))
    warnings = rule_warnings(ruleset.rules)
    for w in warnings:
        print(shown(f"warning: {w}"))
    files = len(ruleset.sources)
    print(
        shown(
            f"{files} file{'s' if files != 1 else ''}, {len(ruleset.rules)} valid rule"
            f"{'s' if len(ruleset.rules) != 1 else ''}, {len(errors)} error"
            f"{'s' if len(errors) != 1 else ''}, {len(warnings)} warning"
            f"{'s' if len(warnings) != 1 else ''}"
        )
    )
    return 1 if errors or not ruleset.rules else 0


# -- new ----------------------------------------------------------------------------------------


def split_package_spec(spec: str) -> tuple[str, list[str]]:
    """``@scope/name@1.0.0,1.0.1`` -> (``@scope/name``, [``=1.0.0``, ``=1.0.1``])."""
    at = spec.find("@", 1)
    if at <= 0:
        raise UsageError(f"--package {spec!r}: expected NAME@VERSION[,VERSION...]")
    name, versions = spec[:at].strip(), spec[at + 1 :]
    exprs = []
    for raw in versions.split(","):
        v = raw.strip()
        if not v:
            continue
        exprs.append(f"={v.lstrip('v')}" if _EXACT.match(v) else v)
    if not name or not exprs:
        raise UsageError(f"--package {spec!r}: expected NAME@VERSION[,VERSION...]")
    return name, exprs


def file_indicator(spec: str) -> dict[str, Any]:
    path, hashes = spec, []
    head, sep, tail = spec.rpartition(":")
    if sep and len(tail) in _HEX and re.fullmatch(r"[0-9a-fA-F]+", tail):
        path = head
        hashes = [{"algorithm": _HEX[len(tail)], "value": tail.lower()}]
    norm = path.replace("\\", "/")
    directory, _, name = norm.rpartition("/")
    ind: dict[str, Any] = {"type": "file"}
    if directory and name:
        ind["path"] = path[: len(directory)]
        ind["file_name"] = name
    else:
        ind["path"] = path
    if hashes:
        ind["hashes"] = hashes
    ind["confidence"] = "high"
    return ind


def _ask(prompt: str, default: str | None = None) -> str:
    shown = f"{prompt} [{default}]: " if default else f"{prompt}: "
    answer = input(shown).strip()
    return answer or (default or "")


def _interactive(ns: argparse.Namespace) -> None:
    ns.id = ns.id or _ask("Rule id (e.g. SSC-2026-005)")
    ns.title = ns.title or _ask("Title")
    if not ns.package and not ns.dropper:
        while True:
            spec = _ask("Affected package NAME@VER[,VER] (empty to finish)")
            if not spec:
                break
            ns.package.append(spec)
        while True:
            name = _ask("Dropper package name (empty to finish)")
            if not name:
                break
            ns.dropper.append(name)
    if not ns.file_ioc:
        while True:
            spec = _ask("Dropped file PATH[:sha256] (empty to finish)")
            if not spec:
                break
            ns.file_ioc.append(spec)
    if not ns.reference:
        ref = _ask("Advisory URL (empty for none)")
        if ref:
            ns.reference.append(ref)


def build_rule_document(ns: argparse.Namespace, now: datetime) -> dict[str, Any]:
    if not ns.id or not ns.title:
        raise UsageError("rules new: --id and --title are required")
    if not (ns.package or ns.dropper or ns.file_ioc or ns.network_ioc):
        raise UsageError(
            "rules new: give at least one --package, --dropper, --file-ioc or --network-ioc"
        )
    package_rules: list[dict[str, Any]] = []
    for spec in ns.package:
        name, exprs = split_package_spec(spec)
        package_rules.append({"package_name": name, "affected_versions": exprs})
    kind = ns.kind or (
        "compromised-release"
        if package_rules
        else "dropper"
        if ns.dropper
        else "suspicious-artifact"
    )
    stamp = now.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    rule: dict[str, Any] = {
        "id": ns.id,
        "title": ns.title,
        "kind": kind,
        "ecosystem": "npm",
        "severity": ns.severity,
    }
    if ns.summary:
        rule["summary"] = ns.summary
    if ns.reference:
        rule["references"] = [{"type": "advisory", "url": u} for u in ns.reference]
    rule["package_rules"] = package_rules
    if ns.dropper:
        rule["dropper_packages"] = [{"package_name": d} for d in ns.dropper]
    indicators = [file_indicator(s) for s in ns.file_ioc]
    indicators += [
        {"type": "network", "value": refang(v), "confidence": "high"} for v in ns.network_ioc
    ]
    if indicators:
        rule["host_indicators"] = indicators
    steps = list(ns.remediation)
    if not steps and package_rules:
        names = ", ".join(p["package_name"] for p in package_rules)
        steps = [
            f"Pin {names} to a version outside the affected list and regenerate the lockfile",
            "If an affected version was installed, treat the machine as compromised"
            " and rotate its credentials",
        ]
    if steps:
        rule["remediation"] = {"summary": steps[0], "steps": steps}
    rule["metadata"] = {"published_at": stamp, "last_updated_at": stamp}
    return {"schema_version": SCHEMA_VERSION, "rules": [rule]}


def _new(ns: argparse.Namespace) -> int:
    if sys.stdin.isatty() and (not ns.id or not ns.title or not (ns.package or ns.dropper)):
        _interactive(ns)
    doc = build_rule_document(ns, datetime.now(UTC))
    data = (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode()
    from gouvernante.rules.loader import parse_rule_document  # noqa: PLC0415

    _check_id("new", ns.id)
    target = _target_in(Path(ns.output), f"{ns.id}.json")
    if target is None:
        raise UsageError(f"rules new: --id {shown(ns.id)!r} is not a safe file name")
    _rules, errors = parse_rule_document(data, str(target))
    if errors:
        for err in errors:
            print(shown(f"error: {err.one_line()}"), file=sys.stderr)
        return 1
    if os.path.lexists(target) and not ns.force:
        raise UsageError(f"{target} exists; use --force to overwrite")
    _write_rule_file(target, data, overwrite=ns.force)
    tests = target.with_suffix(".tests")
    print(shown(f"wrote {target}"))
    print(
        shown(
            f"next: put an affected lockfile in {tests}/affected/"
            f" and a clean one in {tests}/clean/,"
        )
    )
    print(shown(f"      then run: gouvernante rules test {target}"))
    return 0


# -- where rule files go -------------------------------------------------------------------------

# A rule id names its file: letters, digits, '.', '_' and '-', starting with a letter or digit, at
# most 128 characters. No separator, no '..', nothing hidden, nothing a shell or a file system
# treats specially, so ``--id`` (or a rule id from an imported feed) writes only inside the folder.
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


def safe_rule_id(rule_id: str) -> bool:
    return _SAFE_ID.fullmatch(rule_id) is not None and ".." not in rule_id


def _check_id(command: str, rule_id: str | None) -> None:
    if rule_id is not None and not safe_rule_id(rule_id):
        raise UsageError(
            f"rules {command}: --id {shown(rule_id)!r} is not a safe file name (letters, digits,"
            " '.', '_' and '-', starting with a letter or digit, at most 128 characters)"
        )


def _target_in(folder: Path, name: str) -> Path | None:
    """``folder/name`` when ``name`` is a plain, safe file name ending in ``.json`` whose path
    stays inside ``folder``; None otherwise."""
    stem = name[: -len(".json")] if name.endswith(".json") else ""
    if not stem or not safe_rule_id(stem):
        return None
    target = folder / name
    if os.path.realpath(target.parent) != os.path.realpath(folder):
        return None
    return target


def _write_rule_file(target: Path, data: bytes, *, overwrite: bool) -> None:
    """Whole or not at all, never through a symlink (the report writer's guarantees)."""
    from gouvernante.fs.write import write_report_file  # noqa: PLC0415

    target.parent.mkdir(parents=True, exist_ok=True)
    write_report_file(str(target), data, overwrite=overwrite)


# -- import -------------------------------------------------------------------------------------

_PART = re.compile(r"^(?P<stem>.+)\.part-\d{3}\.json$")


def _remove_stale_parts(out: Path, names: Sequence[str]) -> None:
    """Remove the files an earlier import of the same feed wrote and this one does not.

    ``feed.json`` and ``feed.part-NNN.json`` are one output: when a feed grows past the size
    limit (or shrinks under it), the other spelling left behind would load every rule twice.
    """
    if not out.is_dir():
        return
    stems = {m.group("stem") if (m := _PART.match(n)) else n[: -len(".json")] for n in names}
    keep = set(names)
    for entry in sorted(out.iterdir()):
        match = _PART.match(entry.name)
        stem = match.group("stem") if match else entry.name[: -len(".json")]
        is_output = match is not None or entry.name.endswith(".json")
        if not is_output or stem not in stems or entry.name in keep:
            continue
        if entry.is_symlink() or not entry.is_file():
            continue
        entry.unlink()
        print(shown(f"removed {entry} (left by an earlier import of the same feed)"))


def _import(ns: argparse.Namespace) -> int:
    from gouvernante.rules.importers import import_feed  # noqa: PLC0415
    from gouvernante.rules.loader import parse_rule_document  # noqa: PLC0415

    options = {
        key: value
        for key, value in {
            "id": ns.id,
            "title": ns.title,
            "summary": ns.summary,
            "severity": ns.severity,
            "kind": ns.kind,
            "reference": " ".join(ns.reference) or None,
            "split": "sections" if ns.split_sections else None,
            "narrow": "yes" if ns.narrow else None,
            "skip_unreadable": "yes" if ns.skip_unreadable else None,
        }.items()
        if value
    }
    if ns.narrow and ns.format != "osv":
        raise UsageError("rules import: --narrow applies to the osv format only")
    if ns.skip_unreadable and ns.format == "osv":
        raise UsageError("rules import: --skip-unreadable applies to the csv and list formats")
    _check_id("import", ns.id)
    result = import_feed(ns.format, ns.inputs, options)
    for w in result.warnings:
        print(shown(f"warning: {w}"), file=sys.stderr)
    out = Path(ns.output)
    failed = False
    _remove_stale_parts(out, [name for name, _ in result.documents])
    for name, data in result.documents:
        target = _target_in(out, name)
        if target is None:  # a rule id from the feed that would leave the folder
            failed = True
            print(
                shown(
                    f"error: {capped(name)!r}: not a safe file name (the feed's rule id?);"
                    " not written"
                ),
                file=sys.stderr,
            )
            continue
        _rules, errors = parse_rule_document(data, str(target))
        if errors:
            failed = True
            for err in errors:
                print(shown(f"error: {err.one_line()}"), file=sys.stderr)
            continue
        try:
            _write_rule_file(target, data, overwrite=True)
        except ReportError as exc:
            failed = True
            print(shown(f"error: {exc.one_line()}"), file=sys.stderr)
            continue
        print(shown(f"wrote {target}"))
    if not result.documents:
        print("error: nothing to import", file=sys.stderr)
        return 1
    return 1 if failed else 0


# -- test ---------------------------------------------------------------------------------------


def _cases(rule_file: Path) -> list[tuple[str, Path]]:
    tests = rule_file.with_suffix(".tests")
    cases: list[tuple[str, Path]] = []
    for expect in ("affected", "clean"):
        folder = tests / expect
        if folder.is_dir():
            cases.extend(
                (expect, p) for p in sorted(folder.iterdir()) if not p.name.startswith(".")
            )
    return cases


def _rule_files(paths: Sequence[str]) -> list[Path]:
    from gouvernante.fs.walk import find_files  # noqa: PLC0415

    files: list[Path] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            files.extend(
                Path(f)
                for f in find_files(p, (".json",), skip_dir=lambda name: name.endswith(".tests"))
            )
        else:
            files.append(path)
    return files


def run_rule_tests(paths: Sequence[str]) -> tuple[list[str], int, int]:
    """Lines to print, cases run, cases failed."""
    from gouvernante.pipeline import ScanRequest, run_scan  # noqa: PLC0415
    from gouvernante.rules.loader import load_rule_files  # noqa: PLC0415
    from gouvernante.rules.ruleset import RuleSet  # noqa: PLC0415

    lines: list[str] = []
    ran = failed = 0
    for rule_file in _rule_files(paths):
        ruleset, errors = load_rule_files([str(rule_file)])
        if errors:
            lines.extend(f"FAIL {e.one_line()}" for e in errors)
            failed += 1
            continue
        ids = {r.id for r in ruleset.rules}
        cases = _cases(rule_file)
        if not cases:
            lines.append(
                f"SKIP {rule_file}: no test cases in {rule_file.with_suffix('.tests')}/"
                "{affected,clean}/"
            )
            continue
        for expect, case in cases:
            ran += 1
            request = (
                ScanRequest(directory=str(case), recursive=True)
                if case.is_dir()
                else ScanRequest(lockfiles=(str(case),))
            )
            result = run_scan(request, RuleSet(ruleset.rules, ruleset.sources, files=ruleset.files))
            hits = [f for f in result.findings if f.rule_id in ids]
            problem = None
            if result.errors:
                problem = "; ".join(f"{e.path}: {e.message}" for e in result.errors)
            elif expect == "affected" and not hits:
                problem = "expected findings, got none"
            elif expect == "clean" and hits:
                problem = "expected no findings, got " + ", ".join(
                    f"{f.package}@{f.version}" if f.version else (f.package or f.rule_id)
                    for f in hits
                )
            if problem:
                failed += 1
                lines.append(f"FAIL {case} ({expect}): {problem}")
            else:
                lines.append(
                    f"ok   {case} ({expect}): {len(hits)} finding{'s' if len(hits) != 1 else ''}"
                )
    return lines, ran, failed


def _test(ns: argparse.Namespace) -> int:
    lines, ran, failed = run_rule_tests(ns.paths)
    for line in lines:
        print(shown(line))  # test cases are files: their names are shown escaped
    print(shown(f"{ran - failed} passed, {failed} failed"))
    if ran == 0:
        print("no test case ran", file=sys.stderr)
        return 1
    return 1 if failed else 0
