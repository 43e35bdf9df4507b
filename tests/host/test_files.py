from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from gouvernante.host.context import HostContext
from gouvernante.host.files import check_file_indicator
from gouvernante.host.paths import UnsetVariable, expand, glob_paths, is_project_relative
from gouvernante.model import CheckOutcome, MatchKind
from gouvernante.rules.model import (
    FileHash,
    HashAlgorithm,
    HostIndicator,
    IndicatorType,
    OperatingSystem,
    Rule,
    RuleKind,
)
from gouvernante.vocab import Severity


def rule(*indicators: HostIndicator) -> Rule:
    return Rule(
        id="T-1",
        title="test",
        kind=RuleKind.DROPPER,
        ecosystem="npm",
        severity=Severity.HIGH,
        package_rules=(),
        source="t.json",
        host_indicators=indicators,
    )


def ctx(home: Path, os_: OperatingSystem = OperatingSystem.LINUX, **env: str) -> HostContext:
    return HostContext(home=str(home), os=os_, env=env)


def test_expand_home_and_variables(tmp_path: Path) -> None:
    c = ctx(tmp_path, XDG="/x")
    assert expand("~/.npm", c) == f"{tmp_path}/.npm"
    assert expand("$HOME/a", c) == f"{tmp_path}/a"
    assert expand("${XDG}/b", c) == "/x/b"
    with pytest.raises(UnsetVariable):
        expand("$NOPE/x", c)


def test_expand_windows_variables_case_insensitive(tmp_path: Path) -> None:
    c = ctx(tmp_path, OperatingSystem.WINDOWS, LocalAppData="C:\\Users\\u\\AppData\\Local")
    assert expand("%LOCALAPPDATA%\\x.js", c) == "C:\\Users\\u\\AppData\\Local\\x.js"
    assert expand("%APPDATA%\\y", c) == f"{tmp_path}\\AppData\\Roaming\\y"


def test_project_relative_paths() -> None:
    assert is_project_relative(".github/workflows/shai-hulud-workflow.yml")
    for p in ["/tmp/x", "~/x", "$HOME/x", "%TEMP%\\x", "C:\\x"]:
        assert not is_project_relative(p)


def test_glob_star_and_double_star(tmp_path: Path) -> None:
    (tmp_path / "a" / "b" / "c").mkdir(parents=True)
    (tmp_path / "a" / "b" / "c" / "evil.js").write_text("")
    (tmp_path / "a" / "good.js").write_text("")
    (tmp_path / "a" / "loop").symlink_to(tmp_path)
    got = glob_paths(f"{tmp_path}/**/evil.js")
    assert got.paths == (f"{tmp_path}/a/b/c/evil.js",)
    assert glob_paths(f"{tmp_path}/a/*.js").paths == (f"{tmp_path}/a/good.js",)


def test_file_indicator_found_with_hash_match(tmp_path: Path) -> None:
    payload = tmp_path / "ld.py"
    payload.write_bytes(b"rat")
    good = hashlib.sha256(b"rat").hexdigest()
    ind = HostIndicator(
        IndicatorType.FILE,
        frozenset({OperatingSystem.LINUX}),
        path=str(tmp_path),
        file_name="ld.py",
        hashes=(FileHash(HashAlgorithm.SHA256, good), FileHash(HashAlgorithm.MD5, "0" * 32)),
    )
    out = check_file_indicator(rule(ind), ind, ctx(tmp_path), [])
    assert out.check.outcome is CheckOutcome.FOUND
    (f,) = out.findings
    assert f.path == str(payload) and f.match is MatchKind.HASH
    assert [(h.algorithm, h.matched) for h in f.hashes] == [("sha256", True), ("md5", False)]


def test_file_indicator_other_os_is_skipped(tmp_path: Path) -> None:
    ind = HostIndicator(IndicatorType.FILE, frozenset({OperatingSystem.WINDOWS}), path="%TEMP%\\x")
    out = check_file_indicator(rule(ind), ind, ctx(tmp_path), [])
    assert out.check.outcome is CheckOutcome.SKIPPED and out.check.reason == "not for linux"


def test_file_indicator_missing_is_clean(tmp_path: Path) -> None:
    ind = HostIndicator(IndicatorType.FILE, frozenset(), path="~/.node_modules/.cache/sentry.js")
    out = check_file_indicator(rule(ind), ind, ctx(tmp_path), [])
    assert out.check.outcome is CheckOutcome.CLEAN and out.findings == ()


def test_project_relative_indicator_checked_in_each_project(tmp_path: Path) -> None:
    for name in ["p1", "p2"]:
        (tmp_path / name / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / "p2" / ".github" / "workflows" / "shai-hulud-workflow.yml").write_text("on: push")
    ind = HostIndicator(
        IndicatorType.FILE,
        frozenset(),
        path=".github/workflows",
        file_name="shai-hulud-workflow.yml",
    )
    out = check_file_indicator(
        rule(ind), ind, ctx(tmp_path), [str(tmp_path / "p1"), str(tmp_path / "p2")]
    )
    assert [f.path for f in out.findings] == [
        str(tmp_path / "p2/.github/workflows/shai-hulud-workflow.yml")
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_is_reported_but_never_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "x"
    os.mkfifo(fifo)
    ind = HostIndicator(
        IndicatorType.FILE,
        frozenset(),
        path=str(fifo),
        hashes=(FileHash(HashAlgorithm.SHA256, "0" * 64),),
    )
    out = check_file_indicator(rule(ind), ind, ctx(tmp_path), [])
    (f,) = out.findings
    assert "not hashed" in f.description and f.hashes == ()


def test_sparse_huge_file_is_not_hashed(tmp_path: Path) -> None:
    big = tmp_path / "big"
    with open(big, "wb") as fh:
        fh.truncate(10 * 1024**3)
    ind = HostIndicator(
        IndicatorType.FILE,
        frozenset(),
        path=str(big),
        hashes=(FileHash(HashAlgorithm.SHA256, "0" * 64),),
    )
    out = check_file_indicator(rule(ind), ind, ctx(tmp_path), [])
    assert "larger than" in out.findings[0].description
