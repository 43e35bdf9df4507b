"""npm takes the root's dependencies from the package.json beside the lockfile, not from the
lockfile's root record (decision 0148). @sap/cds-dk 7.3.1 publishes an npm-shrinkwrap.json
whose ``packages[""].devDependencies`` keeps 10 names no entry answers, which its published
package.json no longer declares: npm 11.19.1 ``npm ci --dry-run`` installs the file, ``npm ls
--package-lock-only`` names nothing missing. We refused it (10 errors). ``fixtures/
npm-stale-root-record`` is that file and package.json cut to xml-js and those 10 names
(``origin.txt``, with npm's answers).

With a package.json beside (every mode that reads one) an error about a name only the root
record declares goes; a name the package.json declares keeps its error (npm ci refuses the
file, npm ls says missing), and with the lockfile alone every error stays."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gouvernante.inventory import graphs
from gouvernante.lockfiles import npm, parse_bytes, with_manifest_beside
from gouvernante.lockfiles.package_json import parse as parse_manifest
from helpers import compromised_rules, every_mode, scan_report

FIXTURE = Path(__file__).parent / "fixtures" / "npm-stale-root-record"
LOCK = "npm-shrinkwrap.json"
RULES = compromised_rules("STALE-ROOT-1", ("sax", "=1.3.0"), ("jest", "=29.7.0"))
STALE = (
    "@cap-js/sqlite",
    "@types/jest",
    "chai",
    "chai-as-promised",
    "chai-subset",
    "eslint-plugin-cds-dk",
    "jest",
    "nock",
    "ts-node",
    "typescript",
)


def _error(name: str) -> str:
    return (
        f"packages[''].devDependencies['{name}']: no entry answers this dependency (npm ls:"
        " missing; a cut, edited or badly merged lockfile?)"
    )


def _files(manifest: dict[str, object] | None = None) -> dict[str, str]:
    files = {name: (FIXTURE / name).read_text(encoding="utf-8") for name in (LOCK, "package.json")}
    if manifest is not None:
        files["package.json"] = json.dumps(manifest, indent=2) + "\n"
    return files


def _manifest(**fields: dict[str, str]) -> dict[str, object]:
    doc = json.loads((FIXTURE / "package.json").read_text(encoding="utf-8"))
    for field, deps in fields.items():
        doc[field] = {**doc.get(field, {}), **deps}
    assert isinstance(doc, dict)
    return doc


def _messages(report: dict[str, object]) -> list[str]:
    errors = report["errors"]
    assert isinstance(errors, list)
    return sorted(e["message"] for e in errors)


def _found(report: dict[str, object]) -> list[tuple[str, str]]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return sorted((f["package"], f.get("version") or f.get("declared_range")) for f in findings)


@pytest.mark.parametrize("lean", [False, True], ids=["whole", "big-file"])
def test_the_root_record_errors_are_kept_for_the_package_json(
    monkeypatch: pytest.MonkeyPatch, lean: bool
) -> None:
    if lean:
        monkeypatch.setattr(npm, "LEAN_BYTES", 1)
    graph = parse_bytes((FIXTURE / LOCK).read_bytes(), LOCK)
    assert sorted(graph.entry_errors) == sorted(_error(n) for n in STALE)
    assert sorted(graph.root_claims) == sorted((n, _error(n)) for n in STALE)
    stored = graphs.decode(graphs.encode(graph), graph.entry_errors)  # (the inventory's)
    assert stored.root_claims == graph.root_claims
    manifest = parse_manifest((FIXTURE / "package.json").read_bytes(), "package.json")
    paired = with_manifest_beside(graph, manifest)
    assert (list(paired.entry_errors), list(paired.root_claims)) == ([], [])
    assert list(with_manifest_beside(graph, None).entry_errors) == list(graph.entry_errors)


def test_every_mode_reads_the_published_pair_as_npm_does(tmp_path: Path) -> None:
    for mode, (code, report) in every_mode(tmp_path, _files(), RULES).items():
        assert (code, _messages(report), _found(report)) == (2, [], [("sax", "1.3.0")]), mode
    code, report = scan_report(tmp_path, RULES, "-lockfile", str(tmp_path / "tree" / LOCK))
    assert (code, _messages(report)) == (2, [])


def test_the_lockfile_alone_keeps_every_error(tmp_path: Path) -> None:
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / LOCK).write_bytes((FIXTURE / LOCK).read_bytes())
    for args in (("-lockfile", str(alone / LOCK)), ("-dir", str(alone))):
        code, report = scan_report(tmp_path, RULES, *args)
        assert (code, _found(report)) == (2, [("sax", "1.3.0")]), args  # (errors and a finding)
        assert _messages(report) == sorted(_error(n) for n in STALE), args


@pytest.mark.parametrize("field", ["devDependencies", "dependencies", "peerDependencies"])
def test_a_name_the_package_json_declares_keeps_its_error(tmp_path: Path, field: str) -> None:
    # (npm 11.19.1: ``npm ci`` refuses the file, "Missing: jest@29.7.0 from lock file")
    files = _files(_manifest(**{field: {"jest": "^29"}}))
    for mode, (code, report) in every_mode(tmp_path, files, RULES).items():
        assert _messages(report) == [_error("jest")], mode
        assert code == 2, mode  # (sax 1.3.0 found; the declared range names no release)


def test_a_dependency_no_record_names_is_judged_as_before(tmp_path: Path) -> None:
    # package.json declares left-pad, which neither the root record nor an entry holds: its
    # declared range is checked against the rules (a finding), as before this change
    rules = compromised_rules("STALE-ROOT-2", ("left-pad", "=1.3.0"))
    files = _files(_manifest(dependencies={"left-pad": "^1.3.0"}))
    for mode, (code, report) in every_mode(tmp_path, files, rules).items():
        assert (code, _messages(report)) == (2, []), mode
        assert [f["package"] for f in report["findings"]] == ["left-pad"], mode


def _husk_lock(field: str) -> bytes:
    # (decision 0145: a dependency answered by an entry with no version, no resolved, no link)
    root = {"name": "p", "version": "1.0.0", field: {"is-number": "^7.0.0"}}
    lock = {"name": "p", "version": "1.0.0", "lockfileVersion": 3, "requires": True}
    lock["packages"] = {"": root, "node_modules/is-number": {}}
    return json.dumps(lock, indent=2).encode()


@pytest.mark.parametrize("field", ["dependencies", "devDependencies", "optionalDependencies"])
def test_a_husk_only_the_root_record_depends_on_is_the_package_json_s_to_confirm(
    field: str,
) -> None:
    graph = parse_bytes(_husk_lock(field), "package-lock.json")
    [error] = graph.entry_errors
    assert error.startswith(f"packages[''].{field}['is-number']: answered by")
    assert list(graph.root_claims) == [("is-number", error)]
    without = parse_manifest(b'{"name": "p", "version": "1.0.0"}', "package.json")
    assert list(with_manifest_beside(graph, without).entry_errors) == []
    declared = json.dumps({"name": "p", field: {"is-number": "^7.0.0"}}).encode()
    with_it = parse_manifest(declared, "package.json")
    assert list(with_manifest_beside(graph, with_it).entry_errors) == [error]
