"""What the README and docs/ promise about the command line, against the parsers themselves: a
flag documented but gone, or added but undocumented, and a `--help` line saying less than the
README (decision 0108)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from gouvernante.cli.scan import build_scan_parser
from gouvernante.pipeline import PARALLEL_MIN_FILES

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _help(parser: argparse.ArgumentParser, option: str) -> str:
    (action,) = [a for a in parser._actions if option in a.option_strings]
    return " ".join(str(action.help).split())


def _readme_flag_table() -> set[str]:
    """The single-dash flags in the first column of the README's `| flag | meaning |` table."""
    start = README.index("| flag | meaning |")
    rows = README[start:].split("\n\n", 1)[0].splitlines()[2:]
    names: set[str] = set()
    for row in rows:
        first = row.split("|")[1]
        names.update(re.findall(r"(?<![\w-])-[a-z][a-z-]*", first))
    return names


def _scan_flags() -> set[str]:
    return {
        s
        for a in build_scan_parser()._actions
        for s in a.option_strings
        if s.startswith("-") and not s.startswith("--") and s != "-h"
    }


def test_readme_flag_table_names_every_scan_flag_and_no_other() -> None:
    table = _readme_flag_table()
    # -heuristic-review-counts, -since, -diff-head, -at are in the table's second column or beside
    # the flag they go with; the rest must be in the first column
    beside = {"-heuristic-review-counts", "-since", "-diff-head", "-at", "-format"}
    assert table - _scan_flags() == set(), "README names flags the scan parser does not have"
    assert _scan_flags() - table - beside == set(), "scan flags missing from the README table"
    for name in beside:
        assert f"`{name}" in README or f"[{name}" in README, name


def test_help_says_where_each_mode_flag_applies() -> None:
    """-ref is taken with -inventory too (cli/scan.py's _check_mode_flags): --help says so."""
    parser = build_scan_parser()
    assert "-inventory" in _help(parser, "-ref")
    assert "-inventory" in _help(parser, "-at")


def test_help_of_host_names_installs_and_caches() -> None:
    """The README's -host row: installed packages, package-manager caches, host indicators."""
    text = _help(build_scan_parser(), "-host")
    assert "installed packages" in text
    assert "caches" in text
    assert "host indicators" in text


def test_workers_default_is_the_one_the_pipeline_uses() -> None:
    assert f"{PARALLEL_MIN_FILES} or more files" in _help(build_scan_parser(), "-workers")
    assert f"both cores when there are {PARALLEL_MIN_FILES} or more files" in README


def test_every_benchmark_script_is_named_in_the_benchmarks_page() -> None:
    page = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    missing = [
        p.name for p in sorted((ROOT / "bench").glob("*.py")) if f"bench/{p.name}" not in page
    ]
    assert missing == []


def test_relative_links_of_the_docs_lead_to_files() -> None:
    broken: list[str] = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = page.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([\w./-]+)(?:#[^)]*)?\)", text):
            if "://" not in target and not (page.parent / target).exists():
                broken.append(f"{page.name}: {target}")
    assert broken == []
