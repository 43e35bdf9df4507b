"""pnpm lockfiles in YAML pnpm never writes, read as pnpm reads them (decision 0163).

``fixtures/pnpm-yaml-forms`` (``generate.sh``): pnpm 9.15.9's and 8.15.9's own lockfiles for
is-number 7.0.0 and is-odd 3.0.1, hand-edited, each installed with ``--frozen-lockfile`` by pnpm
9.15.9 and 10.33.0 (``installed.json``). A ``---`` before the lockfile (and a ``...`` after it)
and an alias of a scalar install is-number 7.0.0 with both: they were refused ("an env document
and no lockfile after it", "anchors and aliases are not allowed"). An alias of a mapping is
refused by both (js-yaml shares the object and pnpm changes it): still refused, saying why. A
header of one version over the other's body: pnpm 9 installs, pnpm 10 refuses: still refused.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gouvernante.lockfiles import parse_bytes
from helpers import compromised_rules, scan_report

CASE = Path(__file__).parent / "fixtures" / "pnpm-yaml-forms"
INSTALLED: dict[str, str] = json.loads((CASE / "installed.json").read_text(encoding="utf-8"))
RULES = compromised_rules("ISN", ("is-number", "=7.0.0"), ("is-odd", "=3.0.1"))
READ = ["docstart", "docstart-end", "anchors-scalar"]


def _lock(case: str) -> Path:
    return CASE / "cases" / case / "pnpm-lock.yaml"


def _scan(tmp_path: Path, case: str) -> tuple[int, dict[str, Any]]:
    project = tmp_path / "p"
    project.mkdir()
    (project / "package.json").write_bytes((CASE / "package.json").read_bytes())
    (project / "pnpm-lock.yaml").write_bytes(_lock(case).read_bytes())
    return scan_report(tmp_path, RULES, "-dir", str(project))


def test_what_pnpm_installs() -> None:
    for case in READ:
        assert INSTALLED[f"{case} 9.15.9"] == INSTALLED[f"{case} 10.33.0"] == "7.0.0", case
    assert INSTALLED["anchors-mapping 9.15.9"] == INSTALLED["anchors-mapping 10.33.0"] == "refused"
    for case in ("v9-header-v6-body", "v6-header-v9-body"):
        assert (INSTALLED[f"{case} 9.15.9"], INSTALLED[f"{case} 10.33.0"]) == ("7.0.0", "refused")


@pytest.mark.parametrize("case", READ)
def test_a_form_pnpm_installs_is_read_as_pnpm_writes_it(tmp_path: Path, case: str) -> None:
    written = parse_bytes((CASE / "pnpm-lock.yaml").read_bytes(), "pnpm-lock.yaml")
    edited = parse_bytes(_lock(case).read_bytes(), "pnpm-lock.yaml")
    assert sorted((p.name, p.version) for p in edited.packages) == sorted(
        (p.name, p.version) for p in written.packages
    )
    assert edited.importers == written.importers
    code, report = _scan(tmp_path, case)
    found = sorted((f["package"], f["version"]) for f in report["findings"])
    assert (code, report["errors"]) == (2, []), case
    assert found == [("is-number", "7.0.0"), ("is-odd", "3.0.1")], case


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("anchors-mapping", "a YAML anchor or alias of a mapping or list"),
        ("v9-header-v6-body", "packages without snapshots"),
        ("v6-header-v9-body", "not in the lockfile"),
    ],
)
def test_a_form_pnpm_refuses_stays_refused(tmp_path: Path, case: str, words: str) -> None:
    code, report = _scan(tmp_path, case)
    assert code == 2, case  # (the package.json's exact versions are found)
    assert [e for e in report["errors"] if words in e["message"]], report["errors"]


def test_an_env_document_alone_is_still_a_cut_file() -> None:
    from gouvernante.errors import LockfileError

    env = (
        "---\nlockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    configDependencies: {}\n"
        "    packageManagerDependencies:\n      pnpm:\n        specifier: 10.33.0\n"
        "        version: 10.33.0\n\npackages:\n\n  pnpm@10.33.0:\n"
        "    resolution: {integrity: sha512-AAAA}\n\nsnapshots:\n\n  pnpm@10.33.0: {}\n"
    )
    with pytest.raises(LockfileError, match="an env document and no lockfile after it"):
        parse_bytes(env.encode(), "pnpm-lock.yaml")
