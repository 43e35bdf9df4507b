"""Inputs a package manager would install from are never read as clean by mistake: npm keys npm
normalises, versions that are not semver, package.json specs that are no range, cut pnpm files,
control characters in names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gouvernante.errors import LockfileError
from gouvernante.lockfiles import parse_bytes, with_manifest_beside
from gouvernante.model import LockfileGraph, MatchKind
from gouvernante.pipeline import ScanRequest, run_scan
from gouvernante.rules.model import PackageRule, Rule, RuleKind
from gouvernante.rules.ruleset import RuleSet
from gouvernante.vocab import Severity
from helpers import run_cli


def _rules(name: str = "evil", expr: str = "=1.0.0") -> RuleSet:
    rule = Rule(
        id="T-1",
        title="t",
        kind=RuleKind.MALICIOUS_PACKAGE,
        ecosystem="npm",
        severity=Severity.HIGH,
        source="t.json",
        package_rules=(PackageRule(name, (expr,), frozenset()),),
    )
    return RuleSet((rule,), ("t.json",))


def _npm(entries: dict[str, object]) -> bytes:
    return json.dumps({"lockfileVersion": 3, "packages": {"": {"name": "app"}, **entries}}).encode()


@pytest.mark.parametrize(
    "key",
    [
        "node_modules/x/../evil",
        "node_modules//evil",
        "node_modules/evil/",
        "node_modules/./evil",
        "./node_modules/evil",
    ],
)
def test_npm_keys_resolve_to_the_folder_npm_installs(key: str) -> None:
    graph = parse_bytes(_npm({key: {"version": "1.0.0"}}), "p", "package-lock.json")
    assert [(p.id, p.name, p.version) for p in graph.table] == [
        ("node_modules/evil", "evil", "1.0.0")
    ]


def test_two_keys_for_one_folder_with_different_contents_are_an_error() -> None:
    data = _npm(
        {"node_modules/evil": {"version": "1.0.0"}, "node_modules//evil": {"version": "2.0.0"}}
    )
    with pytest.raises(LockfileError, match="same folder"):
        parse_bytes(data, "p", "package-lock.json")


@pytest.mark.parametrize(
    ("name", "version", "resolved"),
    [
        ("evil", "latest", "https://registry.npmjs.org/evil/-/evil-1.0.0.tgz"),
        ("evil", "1.3.0.0", "https://mirror.corp.example/npm/evil/-/evil-1.0.0.tgz"),
        ("evil", "=1.3.0", "http://localhost:4873/evil/-/evil-1.0.0.tgz"),
        ("@s/evil", "", "https://registry.yarnpkg.com/@s/evil/-/evil-1.0.0.tgz"),
    ],
)
def test_a_version_that_is_not_semver_is_taken_from_resolved(
    name: str, version: str, resolved: str
) -> None:
    data = _npm({f"node_modules/{name}": {"version": version, "resolved": resolved}})
    graph = parse_bytes(data, "p", "package-lock.json")
    assert [(p.name, p.version) for p in graph.table] == [(name, "1.0.0")]
    assert not graph.entry_errors


@pytest.mark.parametrize("version", ["latest", "1.3.0.0", "=1.3.0", ""])
def test_a_version_nobody_can_read_is_an_error_exit_1(tmp_path: Path, version: str) -> None:
    (tmp_path / "package-lock.json").write_bytes(
        _npm({"node_modules/evil": {"version": version}, "node_modules/ok": {"version": "1.0.0"}})
    )
    result = run_scan(ScanRequest(directory=str(tmp_path)), _rules())
    assert len(result.errors) == 1 and "node_modules/evil" in result.errors[0].message
    assert result.stats.packages_scanned == 1  # the rest of the file is read
    cli = run_cli("-dir", str(tmp_path), "-json", cwd=tmp_path)
    assert cli.returncode == 1, cli.stdout + cli.stderr


def _manifest_scan(tmp_path: Path, spec: str) -> tuple[list[str], list[str]]:
    (tmp_path / "package.json").write_text(json.dumps({"dependencies": {"evil": spec}}))
    result = run_scan(ScanRequest(directory=str(tmp_path)), _rules())
    return [f.match.value for f in result.findings], [n.message for n in result.notes]


@pytest.mark.parametrize(
    "spec",
    [
        "git+https://github.com/x/evil.git",
        "github:x/evil#v1",
        "x/evil",
        "file:../evil",
        "https://cdn.example/evil.tgz",
    ],
)
def test_a_spec_that_is_no_range_is_a_note_naming_the_package(tmp_path: Path, spec: str) -> None:
    findings, notes = _manifest_scan(tmp_path, spec)
    assert findings == []
    assert any("evil" in n and "cannot be decided offline" in n for n in notes)


@pytest.mark.parametrize("spec", ["a b", "$x", "@@@", "a;b"])
def test_a_spec_npm_refuses_is_not_called_a_git_or_file_dependency(
    tmp_path: Path, spec: str
) -> None:
    """No range, dist-tag, URL or path (and none bun reads as a range: those are errors):
    npm 11.19.1 refuses it (EINVALIDTAGNAME, checked by hand with ``npm install``), installing
    nothing. Still a note, never a finding, but worded as what it is, not as a git, tarball or
    file: dependency (decision 0159)."""
    findings, notes = _manifest_scan(tmp_path, spec)
    assert findings == []
    said = [n for n in notes if "evil" in n and "cannot be decided offline" in n]
    assert said
    assert all("npm refuses to install it" in n and "git, tarball" not in n for n in said)


@pytest.mark.parametrize("spec", ["latest", "next", "beta-1", "LATEST"])
def test_a_dist_tag_is_a_declared_range_finding(tmp_path: Path, spec: str) -> None:
    """A registry dist-tag installs whatever release the tag points at when installed; a
    compromise moves ``latest`` to the malicious release (and a dropper rule affects every
    release). It was a note, so a project whose package.json said ``"evil": "latest"`` and no
    lockfile read CLEAN; it is a finding as ``*`` is."""
    findings, notes = _manifest_scan(tmp_path, spec)
    assert findings == ["declared-range"]
    assert not any("cannot be decided offline" in n for n in notes)


def test_a_tarball_url_naming_an_affected_version_is_a_finding(tmp_path: Path) -> None:
    findings, _ = _manifest_scan(tmp_path, "https://registry.example/evil/-/evil-1.0.0.tgz")
    assert findings == [MatchKind.DECLARED_RANGE.value]
    findings, notes = _manifest_scan(tmp_path, "https://registry.example/evil/-/evil-2.0.0.tgz")
    assert findings == [] and notes == []


def test_workspace_specs_say_nothing(tmp_path: Path) -> None:
    assert _manifest_scan(tmp_path, "workspace:*") == ([], [])


@pytest.mark.parametrize(
    "text",
    ["lockfileVersion: '9.0'\n", "lockfileVersion: '6.0'\n\nsettings:\n  autoInstallPeers: true\n"],
)
def test_a_pnpm_header_alone_is_an_error(text: str) -> None:
    with pytest.raises(LockfileError, match="no importers or packages"):
        parse_bytes(text.encode(), "p", "pnpm-lock.yaml")


@pytest.mark.parametrize("name", ["ev\\u0000il", "ev\\u001bil", "evil\\u007f"])
def test_a_control_character_in_a_name_is_an_error(tmp_path: Path, name: str) -> None:
    entry = '{"name": "' + name + '", "version": "1.0.0"}'
    (tmp_path / "package-lock.json").write_text(
        '{"lockfileVersion": 3, "packages": {"node_modules/x": ' + entry + "}}"
    )
    result = run_scan(ScanRequest(directory=str(tmp_path)), _rules())
    assert [e.message for e in result.errors] == [
        "line 1: package entry 1: a control character in its name"
    ]


YARN_FIXTURES = Path(__file__).parents[1] / "lockfiles" / "fixtures" / "yarn"


@pytest.mark.parametrize("case", ["classic-1.22", "berry-2.4", "berry-3.8", "berry-4.18"])
def test_a_yarn_entry_cut_out_is_an_error(case: str) -> None:
    """Every entry whose name has no other entry and that something depends on: cut it out and
    the file is refused (a dependency resolves to no entry), never read as a smaller lockfile.
    yarn classic: an entry error naming the line and the name, the rest of the file read (yarn
    1 writes no entry for a workspace: ``with_manifest_beside`` takes the error back for a
    workspace of that name, and only for one)."""
    text = (YARN_FIXTURES / case / "yarn.lock").read_text()
    lines = text.split("\n")
    full = parse_bytes(text.encode(), "yarn.lock")
    names = [p.name for p in full.table]
    edges = full.details.edges()
    entries = {p.id for p in full.table}  # yarn classic's root is no entry: its edges a guess
    depended = {c for parent, children in edges.items() if parent in entries for c in children}
    tried = 0
    for package in full.table:
        line = full.details.line_of(package.id)
        if line is None or package.id not in depended or names.count(package.name) != 1:
            continue
        end = line
        while end < len(lines) and lines[end].strip():
            end += 1
        cut = "\n".join(lines[: line - 1] + lines[end:])
        tried += 1
        if case.startswith("classic"):
            graph = parse_bytes(cut.encode(), "yarn.lock")
            unread = [e for e in graph.entry_errors if "resolves to no entry" in e]
            assert unread and all(f"a dependency on {package.name} " in e for e in unread)
            for members in ((), ("other",)):
                paired = with_manifest_beside(graph, graph_of_manifest(), members)
                assert paired.entry_errors == graph.entry_errors
            paired = with_manifest_beside(graph, graph_of_manifest(), (package.name,))
            assert not [e for e in paired.entry_errors if "resolves to no entry" in e]
            continue
        with pytest.raises(LockfileError, match="resolves to no entry"):
            parse_bytes(cut.encode(), "yarn.lock")
    assert tried >= 3


def graph_of_manifest() -> LockfileGraph:
    return parse_bytes(b'{"name": "root", "workspaces": ["packages/*"]}', "package.json")


def test_a_yarn_classic_dependency_a_workspace_answers_is_no_error(tmp_path: Path) -> None:
    """yarn 1 links a workspace that satisfies a dependency's range and writes no entry for it:
    debug 4's ``ms "^2.1.3"`` answered by the workspace ms 2.1.3 (a real monorepo layout, made
    by yarn 1.22.22). The file was refused ("resolves to no entry") in every mode, so a
    compromised release in it read as no finding (exit 1); without the workspace it is still an
    error, and the rest of the file is read."""
    lock = (
        "# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.\n# yarn lockfile v1\n"
        '\n\ndebug@^4:\n  version "4.4.3"\n'
        '  resolved "https://registry.yarnpkg.com/debug/-/debug-4.4.3.tgz#c6ae432d9bd9662582fce087'
        '09b038c58e9e3d6a"\n  dependencies:\n    ms "^2.1.3"\n'
    )
    (tmp_path / "yarn.lock").write_text(lock)
    root = {"name": "app", "private": True, "workspaces": ["pk/*"], "dependencies": {"debug": "^4"}}
    (tmp_path / "package.json").write_text(json.dumps(root))
    (tmp_path / "pk" / "ms").mkdir(parents=True)
    (tmp_path / "pk" / "ms" / "package.json").write_text('{"name": "ms", "version": "2.1.3"}')
    rules = _rules("debug", "=4.4.3")
    result = run_scan(ScanRequest(directory=str(tmp_path)), rules)
    assert [(f.package, f.version) for f in result.findings] == [("debug", "4.4.3")]
    assert list(result.errors) == []
    (tmp_path / "pk" / "ms" / "package.json").write_text('{"name": "not-ms", "version": "1.0.0"}')
    result = run_scan(ScanRequest(directory=str(tmp_path)), rules)
    assert [(f.package, f.version) for f in result.findings] == [("debug", "4.4.3")]
    assert [e.message[:45] for e in result.errors] == [
        "line 5: a dependency on ms resolves to no ent"
    ]


NPM_FIXTURES = Path(__file__).parents[1] / "lockfiles" / "fixtures" / "npm"


@pytest.mark.parametrize("case", ["yarn", "npm6"])
def test_a_declared_dependency_the_lockfile_does_not_lock_is_an_error(
    tmp_path: Path, case: str
) -> None:
    """npm v1 and yarn classic record no root: the package.json beside them says what must be
    locked, so a root dependency cut out of the file (or never locked) is an error: a registry
    range, and a ``file:`` folder, whose own dependencies the tools lock in its entry (decision
    0128; before it, ``local`` was passed over)."""
    if case == "yarn":
        text = (YARN_FIXTURES / "classic-1.22" / "yarn.lock").read_text()
        start = text.index("\ndebug@4.3.4:\n")
        end = text.index("\n\n", start + 2)
        (tmp_path / "yarn.lock").write_text(text[:start] + text[end:])
    else:
        lock = json.loads((NPM_FIXTURES / "npm6-v1" / "package-lock.json").read_text())
        del lock["dependencies"]["debug"]
        (tmp_path / "package-lock.json").write_text(json.dumps(lock))
    (tmp_path / "package.json").write_text(
        json.dumps({"name": "app", "dependencies": {"debug": "4.3.4", "local": "file:./x"}})
    )
    result = run_scan(ScanRequest(directory=str(tmp_path)), _rules("debug", "=4.3.4"))
    assert [e.message for e in result.errors] == [
        f"package.json dependencies['{name}']: the lockfile has no entry for it"
        " (truncated or out-of-date lockfile)"
        for name in ("debug", "local")
    ]


def test_yarn1_resolutions_keep_every_range_as_a_key() -> None:
    """Made by the real yarn 1.22.22 (fixtures/yarn1-resolutions/make.sh): an override is keyed
    by the dependent's range too, so the strict reference check reads it."""
    folder = Path(__file__).parent / "fixtures" / "yarn1-resolutions"
    graph = parse_bytes((folder / "yarn.lock").read_bytes(), "yarn.lock")
    assert sorted((p.name, p.version) for p in graph.table) == [("debug", "2.6.9"), ("ms", "2.1.3")]
    assert graph.details.edges()["debug@2.6.9"] == ["ms@2.0.0, ms@2.1.3"]


def test_berry_override_needs_the_root_resolutions(tmp_path: Path) -> None:
    """A berry dependency that only an out-of-range entry answers is a resolutions override, or a
    file cut after the entry that answered it: the package.json beside decides."""
    text = (YARN_FIXTURES / "berry-4.18" / "yarn.lock").read_text()
    start = text.index('\n"supports-color@npm:^7.1.0":')
    end = text.find("\n\n", start + 2)
    (tmp_path / "yarn.lock").write_text(text[:start] + (text[end:] if end >= 0 else "\n"))
    result = run_scan(ScanRequest(lockfiles=(str(tmp_path / "yarn.lock"),)), _rules())
    assert any("supports-color" in e.message for e in result.errors)
    (tmp_path / "package.json").write_text(
        json.dumps({"name": "fixture-app", "resolutions": {"chalk/supports-color": "5.5.0"}})
    )
    result = run_scan(ScanRequest(lockfiles=(str(tmp_path / "yarn.lock"),)), _rules())
    assert not result.errors


# As an npm 6-style lockfileVersion 1 and bun 1.4.5 write them for a
# dependency on a tarball URL ("ms": "http://host/dl/thing.tgz"); the host is made up.
_URL = "http://cdn.example/dl/thing.tgz"
_SRI = (
    "sha512-tgp+dl5cGk28utYktBsrFqA7HKgrhgPsg6Z/EfhWI4gl1Hwq8B/"
    "GmY/0oXZ6nF8hDVesS/FpnYaD/kOWhYQvyg=="
)
UNVERSIONED = {
    "package-lock.json": json.dumps(
        {
            "name": "app",
            "version": "1.0.0",
            "lockfileVersion": 1,
            "requires": True,
            "dependencies": {"ms": {"version": _URL, "integrity": _SRI}},
        },
        indent=2,
    ),
    "bun.lock": (
        '{\n  "lockfileVersion": 1,\n  "workspaces": {\n    "": {\n      "name": "app",\n'
        f'      "dependencies": {{\n        "ms": "{_URL}",\n      }},\n    }},\n  }},\n'
        f'  "packages": {{\n    "ms": ["ms@{_URL}", {{}}, "{_SRI}"],\n  }}\n}}\n'
    ),
}


@pytest.mark.parametrize("name", sorted(UNVERSIONED))
def test_a_rule_named_package_locked_to_a_url_without_a_version_is_a_note(
    tmp_path: Path, name: str
) -> None:
    """npm v1 writes a tarball dependency's URL as its version; bun.lock records none: the file
    cannot say whether ms 2.1.1 (installed) is the release a rule names. It read CLEAN with no
    word (found by differential testing against the installed tree); now a note naming the
    line, never the URL."""
    (tmp_path / name).write_text(UNVERSIONED[name])
    (tmp_path / "package.json").write_text(json.dumps({"dependencies": {"ms": _URL}}))
    result = run_scan(ScanRequest(directory=str(tmp_path)), _rules("ms", "=2.1.1"))
    assert result.findings == () or list(result.findings) == []
    notes = [n.message for n in result.notes if n.path.endswith(name)]
    assert len(notes) == 1 and notes[0].startswith("line ")
    assert "ms is locked to a tarball URL with no version recorded, and T-1 names it" in notes[0]
    assert "cdn.example" not in notes[0]


def test_a_clean_dir_scan_says_node_modules_was_not_checked(tmp_path: Path) -> None:
    """-dir reads lockfiles and manifests; what node_modules holds may differ (an install made
    before the lockfile changed): a clean verdict without -host says it was not checked."""
    app = tmp_path / "app"
    (app / "node_modules" / "evil").mkdir(parents=True)
    (app / "package.json").write_text('{"name": "app", "dependencies": {"evil": "0.9.0"}}')
    (app / "node_modules" / "evil" / "package.json").write_text(
        '{"name": "evil", "version": "1.0.0"}'
    )
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "package.json").write_text('{"name": "other"}')
    (tmp_path / "other" / "node_modules").mkdir()
    result = run_scan(ScanRequest(directory=str(tmp_path), recursive=True), _rules())
    assert not result.findings
    assert [(n.path, n.message) for n in result.notes if "node_modules" in n.path] == [
        (
            "app/node_modules",
            "installed packages not checked (and 1 more): -host checks what node_modules holds",
        )
    ]
    result = run_scan(ScanRequest(directory=str(app)), _rules())
    assert [n.path for n in result.notes if "node_modules" in n.path] == ["node_modules"]
