"""-history: exposure windows per ref; -diff: what a revision adds and removes."""

from __future__ import annotations

from pathlib import Path

from gitsrc.gitrepo import RULE_ID, Repo, lockfile, mirror, write_rules
from gouvernante.gitscan import GitScanRequest, run_git_scan, utc
from gouvernante.model import DiffChange, Finding, FindingType
from gouvernante.rules.index import build_index
from gouvernante.rules.loader import load_rule_files

T0 = 1788868800  # 2026-09-08T12:00:00Z, the test rule's published_at


def _scan(tmp_path: Path, request: GitScanRequest) -> list[Finding]:
    ruleset, errors = load_rule_files([str(write_rules(tmp_path))])
    assert errors == []
    out = run_git_scan(request, ruleset.rules, build_index(ruleset.rules))
    assert out.errors == []
    return out.findings


def test_window_of_a_version_gone_now_and_of_one_still_there(tmp_path: Path) -> None:
    r = Repo(tmp_path / "work")
    r.write("package-lock.json", lockfile("4.4.1"))
    r.commit("init", at=T0 - 86400)
    r.write("package-lock.json", lockfile("4.4.2"))
    bad = r.commit("bad", at=T0 + 3600)
    r.write("package-lock.json", lockfile("4.4.3"))
    fixed = r.commit("fix", at=T0 + 6 * 3600)
    r.write("web/package-lock.json", lockfile("4.4.2", "web"))
    again = r.commit("web brings it back", at=T0 + 9 * 3600)
    findings = _scan(tmp_path, GitScanRequest((str(r.path),), history=True))
    past = [f for f in findings if f.type is FindingType.PAST_PACKAGE]
    now = [f for f in findings if f.type is FindingType.PACKAGE]
    assert [(f.introduced_commit, f.removed_commit) for f in past] == [(bad, fixed)]
    assert past[0].introduced_at == utc(T0 + 3600) == "2026-09-08T13:00:00Z"
    assert past[0].removed_at == "2026-09-08T18:00:00Z"
    assert past[0].in_compromise_window is True
    assert "was resolved on main from 2026-09-08 13:00 to 18:00 UTC" in past[0].description
    assert [(f.lockfile, f.introduced_commit, f.ref) for f in now] == [
        ("web/package-lock.json", again, "main")
    ]
    assert now[0].rule_id == RULE_ID


def test_a_lockfile_moved_between_folders_keeps_one_window(tmp_path: Path) -> None:
    r = Repo(tmp_path / "work")
    r.write("app/package-lock.json", lockfile("4.4.2"))
    bad = r.commit("bad", at=T0)
    r.git("mv", "app", "services")
    r.commit("move", at=T0 + 3600)
    findings = _scan(tmp_path, GitScanRequest((str(r.path),), history=True))
    assert [(f.type, f.lockfile, f.introduced_commit) for f in findings] == [
        (FindingType.PACKAGE, "services/package-lock.json", bad)
    ]


def test_merge_brings_a_side_branch_window_onto_main(tmp_path: Path) -> None:
    r = Repo(tmp_path / "work")
    r.write("package-lock.json", lockfile("4.4.1"))
    r.commit("init", at=T0)
    r.git("checkout", "-q", "-b", "feature")
    r.write("package-lock.json", lockfile("4.4.2"))
    r.commit("feature bad", at=T0 + 3600)
    r.git("checkout", "-q", "main")
    r.write("README", "x")
    r.commit("main work", at=T0 + 2 * 3600)
    r.time = T0 + 3 * 3600
    r.git("merge", "-q", "--no-edit", "feature")
    merge = r.head()
    r.write("package-lock.json", lockfile("4.4.3"))
    fix = r.commit("fix", at=T0 + 5 * 3600)
    findings = _scan(tmp_path, GitScanRequest((str(r.path),), history=True, ref_patterns=("main",)))
    assert [(f.type, f.introduced_commit, f.removed_commit) for f in findings] == [
        (FindingType.PAST_PACKAGE, merge, fix)
    ]


def test_force_pushed_branch_forgets_what_it_no_longer_holds(tmp_path: Path) -> None:
    r = Repo(tmp_path / "work")
    r.write("package-lock.json", lockfile("4.4.1"))
    base = r.commit("init", at=T0)
    r.git("checkout", "-q", "-b", "topic")
    r.write("package-lock.json", lockfile("4.4.2"))
    r.commit("bad", at=T0 + 3600)
    org = tmp_path / "org"
    bare = mirror(r.path, org / "app.git")
    request = GitScanRequest((str(bare),), history=True, ref_patterns=("topic",))
    assert [f.type for f in _scan(tmp_path, request)] == [FindingType.PACKAGE]
    r.git("reset", "-q", "--hard", base)
    r.write("package-lock.json", lockfile("4.4.3"))
    r.commit("rewritten", at=T0 + 7200)
    r.git("push", "-q", "--force", str(bare), "topic")
    assert _scan(tmp_path, request) == []


def test_since_bounds_the_walk(tmp_path: Path) -> None:
    r = Repo(tmp_path / "work")
    r.write("package-lock.json", lockfile("4.4.2"))
    r.commit("bad long ago", at=T0 - 30 * 86400)
    r.write("package-lock.json", lockfile("4.4.3"))
    fix = r.commit("fix", at=T0)
    request = GitScanRequest((str(r.path),), history=True, since=T0 - 86400)
    [past] = _scan(tmp_path, request)
    assert past.introduced_commit is None and past.introduced_at is None
    assert past.removed_commit == fix
    assert "until 2026-09-08 12:00 UTC" in past.description


def test_diff_reports_what_the_head_adds_and_removes(tmp_path: Path) -> None:
    r = Repo(tmp_path / "work")
    r.write("a/package-lock.json", lockfile("4.4.2", "a"))
    r.write("b/package-lock.json", lockfile("4.4.1", "b"))
    base = r.commit("base", at=T0)
    r.write("a/package-lock.json", lockfile("4.4.3", "a"))
    r.write("b/package-lock.json", lockfile("4.4.2", "b"))
    r.commit("pr", at=T0 + 60)
    findings = _scan(tmp_path, GitScanRequest((str(r.path),), diff_base=base))
    assert sorted((f.lockfile, f.change) for f in findings) == [
        ("a/package-lock.json", DiffChange.REMOVED),
        ("b/package-lock.json", DiffChange.ADDED),
    ]
    from gouvernante.vocab import Severity

    assert [f.lockfile for f in findings if f.counts_at(Severity.LOW)] == ["b/package-lock.json"]
    unchanged = _scan(tmp_path, GitScanRequest((str(r.path),), diff_base="HEAD"))
    assert unchanged == []


def _scan_out(tmp_path: Path, request: GitScanRequest) -> tuple[list[Finding], list[str]]:
    ruleset, errors = load_rule_files([str(write_rules(tmp_path))])
    assert errors == []
    out = run_git_scan(request, ruleset.rules, build_index(ruleset.rules))
    return out.findings, [f"{e.path}: {e.message}" for e in out.errors]


def test_a_lockfile_of_the_history_not_read_is_an_error(tmp_path: Path) -> None:
    """A past commit's lockfile that cannot be read (here cut inside the affected entry's
    version) was skipped without a word: the history read CLEAN although the ref may have
    resolved the affected version then. It is an error naming the commit and the file, never
    its bytes; a -since after it was replaced leaves it out (before that, the ref held it at the
    window's start: still an error); a file the head still holds is reported once, by the
    head's snapshot."""
    r = Repo(tmp_path / "work")
    whole = lockfile("4.4.2")
    r.write("package-lock.json", whole[: whole.index('"4.4.2"') + 3])
    cut = r.commit("a lockfile cut in the affected entry", at=T0)
    r.write("package-lock.json", lockfile("4.4.3"))
    r.commit("fix", at=T0 + 3600)
    r.write("web/package-lock.json", "{")
    r.commit("a broken lockfile the head still holds", at=T0 + 7200)
    findings, errors = _scan_out(tmp_path, GitScanRequest((str(r.path),), history=True))
    assert findings == []
    assert len(errors) == 2
    past, head = sorted(errors)
    assert past.startswith(f"{r.path}@{cut[:12]}:package-lock.json: line ")
    assert ": invalid JSON: " in past
    assert f"in the history at commit {cut[:12]} (2026-09-08T12:00:00Z)" in past
    assert "4.4" not in past.replace("4.4.2", "")  # (no bytes of the file; the rule is not named)
    assert head.startswith(f"{r.path}@main:web/package-lock.json: ")
    for since, want in ((T0 + 1800, 2), (T0 + 5400, 1)):
        _, after = _scan_out(tmp_path, GitScanRequest((str(r.path),), history=True, since=since))
        assert (
            sorted(e.split(": ")[0] for e in after)[-want:]
            == [
                f"{r.path}@{cut[:12]}:package-lock.json",
                f"{r.path}@main:web/package-lock.json",
            ][-want:]
        )
        assert len(after) == want


def test_a_yarnrc_of_the_history_not_read_is_an_error(tmp_path: Path) -> None:
    """A past commit's .yarnrc.yml whose lockfileFilename cannot be read exactly (a key spelled
    with an escape, which yarn reads) left that commit's named lockfile unknown without a word:
    the history read CLEAN. It is an error with the line, at that commit."""
    r = Repo(tmp_path / "work")
    r.write(".yarnrc.yml", '"lockfile\\x46ilename": berry.lock\n')
    r.write("package.json", '{"name": "app"}')
    bad = r.commit("a setting refused", at=T0)
    r.write(".yarnrc.yml", "nodeLinker: node-modules\n")
    r.commit("the setting read", at=T0 + 3600)
    findings, errors = _scan_out(tmp_path, GitScanRequest((str(r.path),), history=True))
    assert findings == []
    assert len(errors) == 1
    assert errors[0].startswith(f"{r.path}@{bad[:12]}:.yarnrc.yml: line 1: ")
    assert f"in the history at commit {bad[:12]}" in errors[0]


def _yarn_classic_debug(version: str) -> str:
    """debug's entry only: its ms dependency is the project's workspace (yarn 1 writes none)."""
    return (
        "# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.\n# yarn lockfile v1\n"
        f'\n\ndebug@^4.4.0:\n  version "{version}"\n'
        f'  resolved "https://registry.yarnpkg.com/debug/-/debug-{version}.tgz#abc"\n'
        '  dependencies:\n    ms "^2.1.3"\n'
    )


def test_history_of_a_yarn_classic_monorepo_whose_workspace_answers_a_dependency(
    tmp_path: Path,
) -> None:
    """Past yarn.lock files are read alone: a dependency a workspace answers (yarn 1 writes no
    entry for it) is no error of the history, as it is none at the head (read with the
    package.json beside); the past version is still found."""
    r = Repo(tmp_path / "work")
    r.write("package.json", '{"name": "app", "workspaces": ["pk/*"]}')
    r.write("pk/ms/package.json", '{"name": "ms", "version": "2.1.3"}')
    r.write("yarn.lock", _yarn_classic_debug("4.4.2"))
    bad = r.commit("debug 4.4.2", at=T0)
    r.write("yarn.lock", _yarn_classic_debug("4.4.3"))
    fixed = r.commit("debug 4.4.3", at=T0 + 3600)
    findings, errors = _scan_out(tmp_path, GitScanRequest((str(r.path),), history=True))
    assert errors == []
    assert [(f.type, f.version, f.introduced_commit, f.removed_commit) for f in findings] == [
        (FindingType.PAST_PACKAGE, "4.4.2", bad, fixed)
    ]
