"""Plain-list importer: ``name@version`` or ``name:version`` per line -> one rule per file.

Lines may carry an ecosystem prefix (``npm:name:version``; other ecosystems such as ``pypi:`` are
skipped with a warning), ``#`` comments (also after an entry) and blank lines. A comment block
framed by banner lines (``# =====``), or a ``## Title`` comment, starts a section: its first line
is the section title and URLs in its comments become references. With the option
``split=sections`` every section becomes its own rule; otherwise the file is one rule.
A bare package name (no version) means every version.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from gouvernante.rules.importers._common import (
    NOT_A_VERSION,
    FeedError,
    JSONDict,
    PackageCollector,
    Unreadable,
    decode_text,
    feed_rule,
    find_urls,
    is_exact_version,
    is_package_name,
    quoted,
    read_input,
    slug,
    split_version_cell,
    version_expression,
)

_BANNER_RE = re.compile(r"^#\s*[=\-*#~_]{5,}\s*$")
_ECOSYSTEMS = {
    "npm",
    "pypi",
    "composer",
    "crates",
    "cargo",
    "gem",
    "rubygems",
    "go",
    "maven",
    "nuget",
    "docker",
    "github",
    "actions",
}
_MAX_ID_SLUG = 48


@dataclass
class _Section:
    title: str | None
    line: int
    urls: list[str] = field(default_factory=list)
    packages: PackageCollector = field(default_factory=PackageCollector)


def _split_entry(entry: str) -> tuple[str, str, str] | None:
    """(ecosystem, name, version text) of one entry line, or ``None`` if it has no shape."""
    ecosystem = "npm"
    parts = entry.split(":")
    if len(parts) >= 3 and parts[0].lower() in _ECOSYSTEMS:
        ecosystem, entry = parts[0].lower(), ":".join(parts[1:])
    elif len(parts) == 2 and parts[0].lower() in _ECOSYSTEMS and not is_exact_version(parts[1]):
        ecosystem, entry = parts[0].lower(), parts[1]
    if ":" in entry:
        name, _, version = entry.partition(":")
        if ":" in version:
            return None
        return ecosystem, name.strip(), version.strip()
    cut = entry.rfind("@")
    if cut > 0:
        return ecosystem, entry[:cut].strip(), entry[cut + 1 :].strip()
    return ecosystem, entry.strip(), ""


class _ListImport:
    def __init__(self, path: str, options: Mapping[str, str]) -> None:
        self.path = path
        self.name = os.path.basename(path)
        self.options = options
        self.warnings: list[str] = []
        self.unreadable = Unreadable(path, options, self.warnings)
        self.skipped: Counter[str] = Counter()
        self.sections: list[_Section] = [_Section(None, 0)]

    def warn(self, line: int, message: str) -> None:
        self.warnings.append(f"{self.path}:{line}: {message}")

    def parse(self) -> None:
        text = decode_text(read_input(self.path), self.path)
        in_banner = False
        title_pending = False
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line:
                continue
            if line.startswith("#"):
                if _BANNER_RE.match(line):
                    in_banner = not in_banner
                    title_pending = in_banner
                    continue
                comment = line.lstrip("#").strip()
                if line.startswith("##") and not in_banner and comment:
                    self.sections.append(_Section(comment, number))
                elif title_pending and comment:
                    self.sections.append(_Section(comment, number))
                    title_pending = False
                self.sections[-1].urls.extend(find_urls(comment))
                continue
            in_banner = title_pending = False
            self._entry(number, line.split(" #", 1)[0].split("\t#", 1)[0].strip())
        self.unreadable.check()

    def _entry(self, number: int, entry: str) -> None:
        parts = _split_entry(entry)
        if parts is None:
            self.unreadable.add(number, "not name@version or name:version")
            return
        ecosystem, name, version = parts
        if ecosystem != "npm":
            self.skipped[ecosystem] += 1
            return
        if not is_package_name(name):
            self.unreadable.add(number, "not a package name npm accepts")
            return
        packages = self.sections[-1].packages
        tokens = split_version_cell(version)
        if not tokens:
            self.warn(number, f"{name}: no version given; every version is treated as affected")
            packages.add(name, "*")
        for token in tokens:
            expression = version_expression(token)
            if expression is None:
                self.unreadable.add(number, f"{name}: {NOT_A_VERSION}")
            else:
                packages.add(name, expression)

    def rules(self) -> list[JSONDict]:
        for ecosystem, count in sorted(self.skipped.items()):
            self.warnings.append(f"{self.path}: {count} {ecosystem} entr(ies) skipped (not npm)")
        stem = slug(os.path.splitext(self.name)[0]) or "list-feed"
        base_id = self.options.get("id") or stem
        if self.options.get("split", "") not in ("", "none", "sections"):
            raise FeedError(None, "option split: expected 'sections' or 'none'")
        if self.options.get("split") == "sections":
            return self._section_rules(base_id)
        merged = PackageCollector()
        urls: list[str] = []
        for section in self.sections:
            urls.extend(section.urls)
            for name in section.packages.names():
                for expr in section.packages.expressions(name):
                    merged.add(name, expr)
        if not merged:
            self.warnings.append(f"{self.path}: no npm entry found")
            return []
        rule = feed_rule(
            source_name=self.name,
            default_id=base_id,
            default_title=f"Compromised npm packages listed in {self.name}",
            packages=merged,
            options=self.options,
            urls=urls,
            warnings=self.warnings,
        )
        return [rule]

    def _section_rules(self, base_id: str) -> list[JSONDict]:
        out: list[JSONDict] = []
        used: set[str] = set()
        preamble_urls = self.sections[0].urls
        for section in self.sections:
            title = section.title or f"Entries before the first section of {self.name}"
            if not section.packages:
                if section.title is not None:
                    self.warnings.append(
                        f"{self.path}:{section.line}: section {quoted(title)} has no npm entry,"
                        " skipped"
                    )
                continue
            rule_id = f"{base_id}-{slug(title)[:_MAX_ID_SLUG].strip('-') or 'section'}"
            candidate, n = rule_id, 2
            while candidate in used:
                candidate, n = f"{rule_id}-{n}", n + 1
            used.add(candidate)
            prefix = self.options.get("title")
            options = {k: v for k, v in self.options.items() if k not in ("id", "title", "summary")}
            options["id"] = candidate
            options["title"] = f"{prefix}: {title}" if prefix else title
            options["summary"] = (
                f"Imported from the section {title!r} (line {section.line}) of the feed file "
                f"{self.name}: {len(section.packages)} package(s), "
                f"{section.packages.expression_count()} version expression(s)."
            )
            out.append(
                feed_rule(
                    source_name=f"{self.name} ({title})",
                    default_id=candidate,
                    default_title=title,
                    packages=section.packages,
                    options=options,
                    urls=section.urls or preamble_urls,
                    warnings=self.warnings,
                )
            )
        return out


def import_list(
    inputs: Sequence[str], options: Mapping[str, str]
) -> tuple[list[tuple[str, list[JSONDict]]], list[str]]:
    """One document per list file (one rule, or one rule per section with ``split=sections``)."""
    documents: list[tuple[str, list[JSONDict]]] = []
    warnings: list[str] = []
    for path in inputs:
        job = _ListImport(path, options)
        job.parse()
        rules = job.rules()
        warnings.extend(job.warnings)
        if rules:
            stem = slug(os.path.splitext(job.name)[0]) or "list-feed"
            documents.append((f"{options.get('id') or stem}.json", rules))
    return documents, warnings
