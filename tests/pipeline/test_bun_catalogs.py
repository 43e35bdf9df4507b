"""bun's catalogs (decision 0054): the ranges a workspace root's package.json gives its members'
``catalog:`` references, read as bun reads them.

Before, a bun workspace without a committed bun.lock whose member said ``"axios": "catalog:"``
with ``"catalog": {"axios": "^1.14.0"}`` in the root was a note ("cannot be decided offline"),
exit 0, CLEAN, where the same range written in the member is a finding. The fixture project is
the one ``fixtures/bun-catalogs/generate.sh`` had bun 1.4.5 install; ``expected.json`` is what
bun installed (from its bun.lock, not kept): the ``workspaces`` catalogs, not the top-level ones
it ignores."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from gouvernante.errors import LockfileError
from gouvernante.lockfiles import package_json
from helpers import declared_found, release_rules, scan_report

FIXTURE = Path(__file__).parent / "fixtures" / "bun-catalogs"


def _rules(*releases: str) -> dict[str, Any]:
    return release_rules("BUN-CAT-1", *releases)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(FIXTURE / "project", root)
    return root


def _installed() -> list[str]:
    expected = json.loads((FIXTURE / "expected.json").read_text(encoding="utf-8"))
    # the releases bun installed for the catalog references (a nested copy, "debug/ms", is a
    # dependency's own, which no manifest declares)
    return sorted(v for k, v in expected["packages"].items() if "/" not in k)


@pytest.mark.parametrize("recursive", [False, True])
def test_catalog_references_are_the_ranges_bun_installed_from(
    tmp_path: Path, project: Path, recursive: bool
) -> None:
    assert _installed() == ["debug@4.3.4", "is-number@7.0.0", "ms@2.0.0"]
    args = ["-dir", str(project), *(["-recursive"] if recursive else [])]
    code, report = scan_report(tmp_path, _rules(*_installed()), *args)
    assert code == 2
    assert declared_found(report) == [
        ("package.json", "is-number", "^7.0.0"),  # the root's own reference
        ("packages/app/package.json", "debug", "4.3.4"),  # catalog:tools
        ("packages/app/package.json", "ms", "2.0.0"),  # catalog:
        ("packages/lib/package.json", "debug", "4.3.4"),  # "catalog: tools" (spaces cut)
    ]
    assert report["notes"] == []
    why = {f["package"]: f["description"] for f in report["findings"]}
    assert "(from 'catalog:' in package.json)" in why["ms"]


def test_the_top_level_catalogs_bun_ignores_are_not_read(tmp_path: Path, project: Path) -> None:
    """The top level says ms 2.1.3 and debug 4.3.1: bun installed 2.0.0 and 4.3.4 from the
    ``workspaces`` ones, so a rule naming the top-level releases finds nothing."""
    code, report = scan_report(tmp_path, _rules("ms@2.1.3", "debug@4.3.1"), "-dir", str(project))
    assert (code, report["findings"], report["notes"]) == (0, [], [])


def test_a_member_scanned_alone_finds_the_root_above(tmp_path: Path, project: Path) -> None:
    member = project / "packages" / "app" / "package.json"
    code, report = scan_report(tmp_path, _rules("ms@2.0.0"), "-lockfile", str(member))
    assert code == 2
    assert [(f["package"], f["declared_range"]) for f in report["findings"]] == [("ms", "2.0.0")]


def test_a_member_scanned_as_a_folder_finds_the_root_above(tmp_path: Path, project: Path) -> None:
    """``-dir`` on the member folder answers as -lockfile on its package.json does."""
    member = project / "packages" / "app"
    code, report = scan_report(tmp_path, _rules("ms@2.0.0"), "-dir", str(member))
    assert code == 2
    assert [(f["package"], f["declared_range"]) for f in report["findings"]] == [("ms", "2.0.0")]


def test_an_unreadable_root_leaves_the_reference_undecided(tmp_path: Path, project: Path) -> None:
    """With -lockfile the root is no scanned file reporting its own error: its error is the
    manifest's (exit 1), naming its JSON path and never its bytes."""
    root = project / "package.json"
    doc = json.loads(root.read_text(encoding="utf-8"))
    doc["description"] = "SECRET-VALUE"
    root.write_bytes(json.dumps(doc).encode()[:-3])  # cut: not JSON
    member = project / "packages" / "app" / "package.json"
    code, report = scan_report(tmp_path, _rules("ms@2.0.0"), "-lockfile", str(member))
    assert code == 1 and report["findings"] == []
    text = json.dumps(report)
    assert "SECRET-VALUE" not in text
    (error,) = report["errors"]
    assert error["path"].endswith("package.json")
    assert "its catalog: references are not checked" in error["message"]


def _catalogs(doc: dict[str, Any]) -> object:
    return package_json.parse(json.dumps(doc).encode(), "package.json").catalogs


def test_catalog_shapes() -> None:
    assert _catalogs({"name": "x"}) is None
    assert _catalogs({"catalog": {"a": "1"}}) == {"default": {"a": "1"}}
    assert _catalogs({"workspaces": {"catalogs": {"default": {"a": "1"}, "t": {}}}}) == {
        "default": {"a": "1"},
        "t": {},
    }
    # the workspaces ones replace the top-level ones whole, kind by kind
    doc = {
        "workspaces": {"catalog": {"a": "1"}},
        "catalog": {"b": "2"},
        "catalogs": {"t": {"c": "3"}},
    }
    assert _catalogs(doc) == {"default": {"a": "1"}, "t": {"c": "3"}}


def test_catalogs_of_another_kind_define_nothing() -> None:
    """As bun 1.4.5 reads them: a catalog that is not an object, an entry that is not a string
    define nothing ("not in catalog"); a ``workspaces`` key present at all, even null or of
    another kind, still replaces the top-level one."""
    assert _catalogs({"catalog": "x"}) == {"default": {}}
    assert _catalogs({"catalog": {"a": 1, "b": "2"}}) == {"default": {"b": "2"}}
    assert _catalogs({"catalogs": {"t": "^1"}}) == {"t": {}, "default": {}}
    assert _catalogs({"catalogs": []}) == {"default": {}}
    doc = {"workspaces": {"catalog": "x"}, "catalog": {"a": "1"}}
    assert _catalogs(doc) == {"default": {}}


def test_a_package_in_both_default_catalogs_is_refused() -> None:
    with pytest.raises(LockfileError) as err:
        _catalogs({"catalog": {"a": "1"}, "catalogs": {"default": {"a": "2"}}})
    assert err.value.json_path == "catalog['a']"


MIDDAY = Path(__file__).parent / "fixtures" / "bun-midday"


def test_a_real_bun_workspace_without_its_lockfile(tmp_path: Path) -> None:
    """midday-ai/midday's 39 manifests (SOURCE.md): 114 ``catalog:`` references answered by the
    root's top-level ``catalog``. Before, each was a note and the scan of a rule naming every
    release its bun.lock resolves for those 27 packages found only the 13 plain ranges; now each
    reference is the catalog's range, and each range admits a release bun locked."""
    locked = json.loads((MIDDAY / "locked.json").read_text(encoding="utf-8"))["locked"]
    catalog = json.loads((MIDDAY / "tree" / "package.json").read_text(encoding="utf-8"))["catalog"]
    assert sorted(locked) == sorted(catalog)
    references = 0
    for manifest in (MIDDAY / "tree").rglob("package.json"):
        doc = json.loads(manifest.read_text(encoding="utf-8"))
        for field in package_json.DEPENDENCY_FIELDS:
            references += sum(
                1 for spec in (doc.get(field) or {}).values() if spec.startswith("catalog:")
            )
    assert references == 114
    rules = _rules(*(f"{name}@{v}" for name, versions in locked.items() for v in versions))
    code, report = scan_report(tmp_path, rules, "-dir", str(MIDDAY / "tree"), "-recursive")
    assert code == 2 and report["errors"] == []
    assert [n for n in report["notes"] if "catalog" in n["message"]] == []
    from_catalog = [
        f for f in report["findings"] if "(from 'catalog:' in package.json)" in f["description"]
    ]
    assert len(from_catalog) == references
    assert all(f["declared_range"] == catalog[f["package"]] for f in from_catalog)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        # bun 1.4.5 keeps the first of a repeated key (and warns), npm's JSON.parse the last
        ('{"catalog": {"axios": "^1.14.0"}, "catalog": {"axios": "1.14.0"}}', "catalog"),
        ('{"workspaces": ["a"], "workspaces": ["b"]}', "workspaces"),
        # a package twice in one catalog: bun refuses it ("Duplicate catalog")
        ('{"workspaces": {"catalog": {"a": "1", "a": "2"}}}', "workspaces.catalog['a']"),
        ('{"catalogs": {"t": {"a": "1", "a": "2"}}}', "catalogs['t']['a']"),
        ('{"\\u0063atalog": {"a": "1"}, "catalog": {"a": "2"}}', "catalog"),
    ],
)
def test_a_key_bun_and_npm_read_differently_is_refused(text: str, where: str) -> None:
    with pytest.raises(LockfileError) as err:
        package_json.parse(text.encode(), "package.json")
    assert err.value.json_path == where
    assert "SECRET" not in str(err.value)


def test_a_catalog_reference_with_spaces_around_it() -> None:
    """bun 1.4.5 installs the catalog's release for " catalog:" and "\\tcatalog:" (the red
    team's c12): read as the reference, not as a spec no offline check can decide."""
    doc = {"dependencies": {"a": " catalog:", "b": "\tcatalog:tools ", "c": "1.0.0"}}
    graph = package_json.parse(json.dumps(doc).encode(), "package.json")
    assert [d.spec for d in graph.declared] == ["catalog:", "catalog:tools", "1.0.0"]
