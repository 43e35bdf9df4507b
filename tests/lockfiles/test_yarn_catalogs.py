"""yarn berry's catalogs (yarn 4.10+, ``catalog:`` ranges answered by ``.yarnrc.yml``) in a
yarn.lock: the fixture is what yarn 4.18.1 wrote (``fixtures/yarn/generate.sh``,
``berry-4.18-catalogs``; its .yarnrc.yml kept as ``yarnrc.yml``).

The workspace's entry keeps ``ms: "catalog:"`` while ms's entry is keyed by the catalog's range
(``ms@npm:2.1.3``). Before, any entry of the name answered a ``catalog:`` dependency: with the
catalog's entry edited out of the file, debug's own ms 2.1.2 answered it, and a rule naming ms
2.1.3 read CLEAN ("yarn.lock resolves it: the lockfile decides"). Decision 0054."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gouvernante.errors import LockfileError
from gouvernante.lockfiles import yarn
from gouvernante.model import Source
from helpers import compromised_rules, scan_report

CASE = Path(__file__).parent / "fixtures" / "yarn-catalogs" / "berry-4.18"
MS_2_1_3 = '"ms@npm:2.1.3":'


def _scan(tmp_path: Path, lockfile: Path, name: str, version: str) -> tuple[int, dict[str, Any]]:
    rules = compromised_rules("CAT-1", (name, f"={version}"))
    return scan_report(tmp_path, rules, "-lockfile", str(lockfile))


def _cut(tmp_path: Path) -> Path:
    """The fixture with the catalog's ms entry (7 lines) edited out."""
    lines = (CASE / "yarn.lock").read_text(encoding="utf-8").split("\n")
    start = lines.index(MS_2_1_3)
    path = tmp_path / "yarn.lock"
    path.write_text("\n".join(lines[:start] + lines[start + 7 :]), encoding="utf-8")
    return path


def test_the_fixture_reads_exactly() -> None:
    graph = yarn.parse((CASE / "yarn.lock").read_bytes(), "yarn.lock")
    expected = json.loads((CASE / "expected.json").read_text(encoding="utf-8"))
    got = sorted({(p.name, p.version) for p in graph.packages if p.source is not Source.LOCAL})
    assert got == sorted((n, v) for n, v in expected["packages"])
    assert "catalog:" in (CASE / "yarnrc.yml").read_text(encoding="utf-8")
    # ms's and debug's entries are no other dependency's: told apart; is-number's catalog range
    # (^6.0.0) is also is-odd's own: its entry cannot be told from the file alone
    assert list(graph.unverified_catalogs) == [("is-number", 8)]
    edges = graph.details.edges()
    assert set(edges["app@workspace:packages/app"]) >= {
        "ms@npm:2.1.3",
        "debug@npm:4.3.4",
        "is-number@npm:6.0.0",
    }


def test_a_catalog_dependency_found_with_its_path(tmp_path: Path) -> None:
    code, report = _scan(tmp_path, CASE / "yarn.lock", "ms", "2.1.3")
    assert code == 2 and report["errors"] == []
    (finding,) = report["findings"]
    assert finding["dependency_paths"] == [["app", "ms@2.1.3"]]
    assert finding["direct"] is True


def test_the_catalog_entry_edited_out_is_an_error(tmp_path: Path) -> None:
    cut = _cut(tmp_path)
    code, report = _scan(tmp_path, cut, "ms", "2.1.3")
    assert code == 1 and report["findings"] == []
    (error,) = report["errors"]
    assert error["message"].startswith("line 8: a dependency on ms is a catalog: reference")
    # a rule naming another package: the file's other entries read as before
    code, report = _scan(tmp_path, cut, "debug", "4.3.4")
    assert code == 2 and report["errors"] == []


@pytest.mark.parametrize("cut", [False, True])
def test_a_coincident_catalog_range_is_an_error_only_for_a_rule_naming_it(
    tmp_path: Path, cut: bool
) -> None:
    """is-number's catalog range is also is-odd's: whether the file lost an entry cannot be
    told, so a rule naming is-number gets an error beside its finding (never a silent pass)."""
    lockfile = _cut(tmp_path) if cut else CASE / "yarn.lock"
    code, report = _scan(tmp_path, lockfile, "is-number", "6.0.0")
    assert code == 2
    assert [f["version"] for f in report["findings"]] == ["6.0.0"]
    assert [e["message"][:45] for e in report["errors"]] == [
        "line 8: a dependency on is-number is a catalo"
    ]


def _entry(descriptor: str, version: str) -> str:
    name = descriptor.rpartition("@npm:")[0]
    return (
        f'"{descriptor}":\n  version: {version}\n  resolution: "{name}@npm:{version}"\n'
        "  languageName: node\n  linkType: hard\n"
    )


def _workspace(name: str, spec: str) -> str:
    return (
        f'"{name}@workspace:packages/{name}":\n  version: 0.0.0-use.local\n'
        f'  resolution: "{name}@workspace:packages/{name}"\n  dependencies:\n'
        f'    ms: "{spec}"\n  languageName: unknown\n  linkType: soft\n'
    )


ROOT = (
    '"root@workspace:.":\n  version: 0.0.0-use.local\n  resolution: "root@workspace:."\n'
    "  languageName: unknown\n  linkType: soft\n"
)
HEADER = "__metadata:\n  version: 8\n  cacheKey: 10c0\n"


def _berry(*entries: str) -> bytes:
    return "\n".join((HEADER, *entries, ROOT)).encode()


def test_two_catalogs_asking_for_one_name_need_an_entry_each() -> None:
    """The red team's cut: the default catalog's ms entry edited out while a named catalog's
    (``catalog:old``) is left; one entry no dependency heads answered both (CLEAN)."""
    both = (_workspace("a", "catalog:"), _workspace("b", "catalog:old"))
    intact = yarn.parse(
        _berry(*both, _entry("ms@npm:2.1.1", "2.1.1"), _entry("ms@npm:2.1.3", "2.1.3")), "y"
    )
    assert list(intact.unverified_catalogs) == []
    cut = yarn.parse(_berry(*both, _entry("ms@npm:2.1.1", "2.1.1")), "y")
    assert [name for name, _line in cut.unverified_catalogs] == ["ms"]


def test_an_entry_keyed_by_a_catalog_range_is_refused() -> None:
    """yarn keys the entry by the catalog's range; ``ms@catalog:`` is a decoy a ``catalog:``
    dependency would take as its own (the red team's, CLEAN before)."""
    with pytest.raises(LockfileError) as err:
        yarn.parse(_berry(_workspace("a", "catalog:"), _entry("ms@catalog:", "2.1.2")), "y")
    assert "keyed by a catalog: range" in err.value.detail
