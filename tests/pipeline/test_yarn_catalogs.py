"""yarn berry's catalogs (yarn 4.10+, decision 0056): the ranges the ``.yarnrc.yml`` files give
a manifest's ``catalog:`` references, read as yarn reads them.

Before, a yarn workspace without a committed yarn.lock whose ``.yarnrc.yml`` said ``catalog:
{axios: ^1.14.0}`` and whose package.json said ``"axios": "catalog:"`` was a note ("cannot be
decided offline"), exit 0, CLEAN, in every mode. The fixture project is the one
``fixtures/yarn-catalogs/generate.sh`` had yarn 4.10.1 and 4.18.1 install, at the root and in
packages/app; ``expected.json`` is what yarn resolved each time (from ``yarn info``, the
yarn.lock not kept)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from gouvernante.errors import LockfileError
from gouvernante.lockfiles import pnpm_workspace
from helpers import declared_found, release_rules, scan_report

FIXTURE = Path(__file__).parent / "fixtures" / "yarn-catalogs"
EXPECTED = json.loads((FIXTURE / "expected.json").read_text(encoding="utf-8"))


def _rules(*releases: str) -> dict[str, Any]:
    return release_rules("YARN-CAT-1", *releases)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(FIXTURE / "project", root)
    return root


def _installed(run: str) -> dict[str, dict[str, str]]:
    got: dict[str, dict[str, str]] = EXPECTED["4.18.1"][run]
    assert EXPECTED["4.10.1"][run] == got  # (the first release reading catalogs agrees)
    return got


def test_what_yarn_installed() -> None:
    """At the root the member's own .yarnrc.yml is not read (ms 2.0.0); in the member it is,
    the closer file first (ms 2.1.2). ``catalog:default`` reads ``catalogs.default`` (2.1.1),
    not ``catalog``; a catalog's ``npm:`` value is an alias (left is left-pad)."""
    assert _installed("yarn install at the root") == {
        "app": {"debug": "debug@4.3.4", "left": "left-pad@1.3.0", "ms": "ms@2.0.0"},
        "lib": {"ms": "ms@2.1.1"},
        "yarn-catalogs-root": {"is-number": "is-number@7.0.0"},
    }
    assert _installed("yarn install in packages/app")["app"]["ms"] == "ms@2.1.2"


@pytest.mark.parametrize("recursive", [False, True])
def test_catalog_references_are_the_ranges_yarn_installed_from(
    tmp_path: Path, project: Path, recursive: bool
) -> None:
    releases = {
        release
        for run in EXPECTED["4.18.1"].values()
        for deps in run.values()
        for release in deps.values()
    }
    args = ["-dir", str(project), *(["-recursive"] if recursive else [])]
    code, report = scan_report(tmp_path, _rules(*releases), *args)
    assert (code, report["errors"], report["notes"]) == (2, [], [])
    assert declared_found(report) == [
        ("package.json", "is-number", "^7.0.0"),  # the root's own reference
        ("packages/app/package.json", "debug", "4.3.4"),  # catalog:tools
        ("packages/app/package.json", "left-pad", "1.3.0"),  # npm:left-pad@1.3.0
        ("packages/app/package.json", "ms", "2.0.0"),  # yarn run at the root
        ("packages/app/package.json", "ms", "2.1.2"),  # yarn run in packages/app
        ("packages/lib/package.json", "ms", "2.1.1"),  # catalog:default
    ]
    why = {(f["package"], f["declared_range"]): f["description"] for f in report["findings"]}
    assert "(from 'catalog:' in .yarnrc.yml)" in why[("ms", "2.0.0")]


def test_catalog_default_is_not_the_default_catalog(tmp_path: Path, project: Path) -> None:
    """yarn's ``catalog:`` is the ``catalog`` key and ``catalog:default`` the ``catalogs.default``
    one (pnpm and bun read both as one): a rule naming what ``catalog`` says finds app only."""
    code, report = scan_report(tmp_path, _rules("ms@2.0.0"), "-dir", str(project), "-recursive")
    assert code == 2
    assert declared_found(report) == [("packages/app/package.json", "ms", "2.0.0")]


def test_a_member_scanned_alone(tmp_path: Path, project: Path) -> None:
    member = project / "packages" / "app" / "package.json"
    code, report = scan_report(tmp_path, _rules("ms@2.0.0", "ms@2.1.2"), "-lockfile", str(member))
    assert code == 2
    assert sorted(f["declared_range"] for f in report["findings"]) == ["2.0.0", "2.1.2"]


def test_the_files_above_are_merged_entry_by_entry(tmp_path: Path, project: Path) -> None:
    """yarn 4.18.1 (measured): a .yarnrc.yml above the project gives the entries the closer
    ones do not (debug), never those they give (ms)."""
    (tmp_path / ".yarnrc.yml").write_text(
        "catalog:\n  ms: 0.7.0\n  chalk: 4.1.2\ncatalogs:\n  tools:\n    debug: 2.6.9\n"
    )
    doc = json.loads((project / "package.json").read_text(encoding="utf-8"))
    doc["dependencies"]["chalk"] = "catalog:"
    (project / "package.json").write_text(json.dumps(doc))
    rules = _rules("ms@0.7.0", "chalk@4.1.2", "debug@2.6.9")
    code, report = scan_report(tmp_path, rules, "-dir", str(project), "-recursive")
    assert code == 2
    assert declared_found(report) == [("package.json", "chalk", "4.1.2")]


def test_another_members_file_is_a_place_yarn_may_run_in(tmp_path: Path, project: Path) -> None:
    """yarn 4.18.1 run in packages/lib (measured) reads lib's .yarnrc.yml for every workspace:
    app's ``catalog:`` installs what lib's file says."""
    (project / "packages" / "lib" / ".yarnrc.yml").write_text("catalog:\n  ms: 0.7.1\n")
    member = project / "packages" / "app" / "package.json"
    code, report = scan_report(tmp_path, _rules("ms@0.7.1"), "-lockfile", str(member))
    assert code == 2
    assert [f["declared_range"] for f in report["findings"]] == ["0.7.1"]


def test_too_many_places_to_run_yarn_in_is_an_error(tmp_path: Path, project: Path) -> None:
    from gouvernante.match.lockfile import MAX_YARN_VIEWS

    for i in range(MAX_YARN_VIEWS + 1):
        folder = project / "tools" / f"t{i}"
        folder.mkdir(parents=True)
        (folder / ".yarnrc.yml").write_text(f"catalog:\n  ms: 0.{i}.0\n")
    member = project / "packages" / "app" / "package.json"
    code, report = scan_report(tmp_path, _rules("ms@2.0.0"), "-lockfile", str(member))
    assert code == 1 and report["findings"] == []
    assert [e["message"][:40] for e in report["errors"]] == [
        f"more than {MAX_YARN_VIEWS} folders of its project have a"[:40]
    ]


def test_without_a_catalog_the_reference_stays_a_note(tmp_path: Path, project: Path) -> None:
    """``catalog:nope`` and a package no catalog lists: yarn fails the install ("not found or
    empty", "entry not found"); the reference cannot be decided."""
    (project / "packages" / "lib" / "package.json").write_text(
        json.dumps({"name": "lib", "dependencies": {"ms": "catalog:nope", "chalk": "catalog:"}})
    )
    rules = _rules("ms@2.1.1", "chalk@4.1.2")
    code, report = scan_report(tmp_path, rules, "-dir", str(project / "packages" / "lib"))
    assert (code, report["findings"]) == (0, [])
    assert len(report["notes"]) == 2
    assert all("cannot be decided offline" in n["message"] for n in report["notes"])


SECRET = "SECRET-VALUE"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("catalog:\n  ms: {a: " + SECRET + "}\n", "catalog['ms']"),  # yarn: "to be a string"
        ("catalog:\n  ms: [" + SECRET + "]\n", "catalog['ms']"),  # yarn: "cannot be an array"
        ("catalog:\n  ms:\n", "catalog['ms']"),  # yarn: "cannot be set to null"
        ("catalog: [" + SECRET + "]\n", "catalog"),
        ("catalogs:\n  tools: " + SECRET + "\n", "catalogs['tools']"),
        # yarn takes the last of a repeated key; refused here
        ("catalog:\n  ms: 2.0.0\n  ms: " + SECRET + "\n", "line 3 column 3"),
        ("catalog: {ms: 2.0.0}\ncatalog: {ms: " + SECRET + "}\n", "line 2 column 1"),
        ("catalogs:\n  t:\n    ms: 1.0.0\n    ms: " + SECRET + "\n", "line 4 column 5"),
        # yarn reads the installing machine's environment there
        ("catalog:\n  ms: '${" + SECRET + "}'\n", "catalog['ms']"),
        ('catalog:\n  ms: "${X:-' + SECRET + '}"\n', "catalog['ms']"),
        ('catalogs:\n  t:\n    ms: "\\x24{X}"\n', "catalogs['t']['ms']"),
        ("catalog:\n  ms: !!int 2\n", "catalog['ms']"),  # yarn: a parse error
        ("- catalog:\n    ms: " + SECRET + "\n", None),  # (not a mapping)
        ("# yarn lockfile v1\ncatalog:\n  ms: " + SECRET + "\n", None),
    ],
)
def test_a_catalog_yarn_does_not_read_as_strings_is_an_error(
    tmp_path: Path, project: Path, text: str, where: str | None
) -> None:
    (project / ".yarnrc.yml").write_text(text)
    with pytest.raises(LockfileError) as err:
        pnpm_workspace.yarnrc_catalogs(text.encode(), ".yarnrc.yml")
    assert err.value.json_path == where
    code, report = scan_report(tmp_path, _rules("ms@2.1.1"), "-dir", str(project), "-recursive")
    assert code == 1 and report["findings"] == []
    assert SECRET not in json.dumps(report)
    said = {(e["path"], e["message"].split(": ")[0]) for e in report["errors"]}
    assert said == {
        ("package.json", ".yarnrc.yml"),  # (the root's own catalog: reference)
        ("packages/app/package.json", ".yarnrc.yml"),
        ("packages/lib/package.json", ".yarnrc.yml"),
    }
    assert all("its catalog: references are not checked" in e["message"] for e in report["errors"])


@pytest.mark.parametrize("bomb", ["alias", "anchor"])
def test_anchors_and_aliases_are_refused(tmp_path: Path, bomb: str) -> None:
    """yarn reads them (js-yaml); an alias bomb would expand a few kilobytes into billions of
    nodes: refused before anything is built, naming the line."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 12)]
    text = "\n".join(lines) + "\ncatalog:\n  ms: *a11\n"
    if bomb == "anchor":
        text = "catalog: &c\n  ms: 2.0.0\ncatalogs:\n  t: {}\n"
    with pytest.raises(LockfileError) as err:
        pnpm_workspace.yarnrc_catalogs(text.encode(), ".yarnrc.yml")
    assert err.value.json_path == "line 1"


def test_a_huge_file_is_refused(tmp_path: Path, project: Path) -> None:
    text = "catalog:\n" + "".join(f"  p{i}: 1.0.{i}\n" for i in range(200_000))
    (project / ".yarnrc.yml").write_text(text)
    code, report = scan_report(tmp_path, _rules("ms@2.1.1"), "-dir", str(project))
    assert code == 1
    assert {e["message"].split("; ")[0] for e in report["errors"]} == {
        ".yarnrc.yml: file is too large (4177789 bytes",
        "file is too large (4177789 bytes",  # (the lockfileFilename reader's own)
    }


def test_every_source_reads_the_file_within_one_limit() -> None:
    from gouvernante.sources import yarnrc

    assert pnpm_workspace.MAX_YARNRC_BYTES == yarnrc.MAX_YARNRC_BYTES
    with pytest.raises(LockfileError, match="larger than"):
        pnpm_workspace.yarnrc_catalogs(b"catalog: {}\n" + b" " * yarnrc.MAX_YARNRC_BYTES, "x")


def test_yarn_catalog_shapes() -> None:
    def read(text: str) -> object:
        return pnpm_workspace.yarnrc_catalogs(text.encode(), ".yarnrc.yml")

    assert read("nodeLinker: node-modules\n") is None
    assert read("# catalog: {ms: 1}\n") is None
    assert read("catalog:\ncatalogs:\n") is None  # (null: none, as for yarn)
    # plain scalars are strings, as yarn's failsafe schema reads them ("2" installs ^2 for yarn)
    assert read("catalog:\n  ms: 2\n") == {"": {"ms": "2"}}
    assert read('{"catalog": {"ms": "2.0.0"}}') == {"": {"ms": "2.0.0"}}
    assert read('catalog:\n  ms: "\\x32.0.0"\n') == {"": {"ms": "2.0.0"}}
    assert read("catalogs:\n  default: {ms: 1.0.0}\n  t:\n") == {
        "default": {"ms": "1.0.0"},
        "t": {},
        "": {},
    }
    # an environment reference in a key is no reference for yarn (the key as written)
    assert read('catalog:\n  "${K}": 1.0.0\n') == {"": {"${K}": "1.0.0"}}


@pytest.mark.parametrize(
    ("changed", "found"),
    [
        # a member changed alone: judged with the .yarnrc.yml files above it, and its own
        ("packages/app/package.json", [("app", "ms", "2.0.0"), ("app", "ms", "2.1.2")]),
        # the root's .yarnrc.yml changed alone: brings every manifest below that may use it
        (
            ".yarnrc.yml",
            [("app", "ms", "2.0.0"), ("app", "ms", "2.1.2"), ("lib", "ms", "2.1.1")],
        ),
    ],
)
def test_the_pre_commit_hook(
    tmp_path: Path,
    project: Path,
    capsys: pytest.CaptureFixture[str],
    changed: str,
    found: list[tuple[str, str, str]],
) -> None:
    import os

    from gouvernante import precommit

    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(_rules("ms@2.0.0", "ms@2.1.2", "ms@2.1.1")), encoding="utf-8")
    cwd = Path.cwd()
    os.chdir(project)
    try:
        capsys.readouterr()
        code = precommit.main(["-rules", str(rules), "-json", changed])
    finally:
        os.chdir(cwd)
    report = json.loads(capsys.readouterr().out)
    assert code == 2
    got = sorted(
        (Path(f["lockfile"]).parent.name, f["package"], f["declared_range"])
        for f in report["findings"]
    )
    assert got == found
