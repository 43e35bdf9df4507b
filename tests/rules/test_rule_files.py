"""Reading rule files and directories: order, recursion, symlinks, FIFOs, duplicates, limits."""

from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

from gouvernante.errors import RuleError
from gouvernante.fs import read as read_mod
from gouvernante.rules import loader
from gouvernante.rules.loader import RuleLoadError, load_rule_files, load_rules

FIXTURES = Path(__file__).parent / "fixtures"


def _rule(rule_id: str, package: str = "example-utils") -> dict[str, Any]:
    return {
        "id": rule_id,
        "title": f"Rule {rule_id}",
        "kind": "compromised-release",
        "ecosystem": "npm",
        "severity": "high",
        "package_rules": [{"package_name": package, "affected_versions": ["=1.0.0"]}],
    }


def _write(path: Path, *rule_ids: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"schema_version": "1.0.0", "rules": [_rule(r) for r in rule_ids]}
    path.write_text(json.dumps(doc), "utf-8")
    return path


def _messages(errors: list[RuleError]) -> list[str]:
    return [str(e) for e in errors]


def test_directory_is_recursive_sorted_and_skips_hidden_and_tests(tmp_path: Path) -> None:
    root = tmp_path / "rules"
    _write(root / "b.json", "B")
    _write(root / "a.json", "A")
    _write(root / "sub" / "c.json", "C")
    _write(root / "sub" / "deeper" / "d.json", "D")
    _write(root / "a" / "e.json", "E")
    _write(root / ".git" / "x.json", "HIDDEN-DIR")
    _write(root / ".hidden.json", "HIDDEN-FILE")
    _write(root / "fixtures.tests" / "t.json", "TESTS-DIR")
    (root / "README.md").write_text("not a rule", "utf-8")
    (root / "notes.json.txt").write_text("not a rule", "utf-8")

    ruleset, errors = load_rule_files([str(root)])
    assert errors == []
    assert [r.id for r in ruleset.rules] == ["E", "A", "B", "C", "D"]
    assert ruleset.sources == tuple(
        os.path.join(str(root), p)
        for p in ("a/e.json", "a.json", "b.json", "sub/c.json", "sub/deeper/d.json")
    )
    assert ruleset.rules[1].source == os.path.join(str(root), "a.json")
    assert ruleset.builtin is False


def test_single_file_and_several_paths(tmp_path: Path) -> None:
    one = _write(tmp_path / "one.rules", "ONE")  # an explicit file need not end in .json
    _write(tmp_path / "dir" / "two.json", "TWO")
    ruleset, errors = load_rule_files([str(one), str(tmp_path / "dir")])
    assert errors == []
    assert [r.id for r in ruleset.rules] == ["ONE", "TWO"]


def test_symlinked_directories_are_not_followed_and_loops_are_safe(tmp_path: Path) -> None:
    root = tmp_path / "rules"
    _write(root / "real" / "r.json", "R")
    os.symlink(root, root / "real" / "loop")  # a loop back to the top
    os.symlink(root / "real", root / "alias.json")  # a symlinked directory named *.json
    other = _write(tmp_path / "elsewhere" / "o.json", "OUTSIDE")
    os.symlink(other.parent, root / "linked-dir")
    os.symlink(other, root / "linked-file.json")  # symlinked files are read
    ruleset, errors = load_rule_files([str(root)])
    assert errors == []
    assert [r.id for r in ruleset.rules] == ["OUTSIDE", "R"]


@pytest.mark.skipif(not os.path.exists("/proc/self/environ"), reason="no /proc")
def test_a_link_into_proc_in_a_rule_folder_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # decision 0158: fstat calls /proc/self/environ a regular file; it was read as a rule file
    root = tmp_path / "rules"
    _write(root / "r.json", "R")
    os.symlink("/proc/self/environ", root / "env.json")
    os.symlink("/proc/self/../self/cmdline", root / "cmd.json")
    opened: list[str] = []
    real_read = read_mod.read_regular

    def spy(path: str, cap: int, display: str | None = None) -> tuple[bytes, tuple[int, int]]:
        opened.append(path)
        return real_read(path, cap, display)

    monkeypatch.setattr(read_mod, "read_regular", spy)
    ruleset, errors = load_rule_files([str(root), str(root / "env.json")])
    assert [r.id for r in ruleset.rules] == ["R"]
    assert sorted(str(e.path) for e in errors) == sorted(
        [str(root / "cmd.json"), str(root / "env.json"), str(root / "env.json")]
    )
    assert all("resolves into /proc, /sys or /dev; refusing to read it" in str(e) for e in errors)
    assert opened == [str(root / "r.json")]


def test_symlink_to_directory_given_explicitly_is_followed(tmp_path: Path) -> None:
    _write(tmp_path / "real" / "r.json", "R")
    os.symlink(tmp_path / "real", tmp_path / "link")
    ruleset, errors = load_rule_files([str(tmp_path / "link")])
    assert errors == []
    assert [r.id for r in ruleset.rules] == ["R"]


def test_same_file_twice_is_loaded_once(tmp_path: Path) -> None:
    path = _write(tmp_path / "r.json", "R")
    ruleset, errors = load_rule_files([str(path), str(tmp_path), str(path)])
    assert errors == []
    assert [r.id for r in ruleset.rules] == ["R"]
    assert ruleset.sources == (str(path),)


def test_fifo_in_rules_dir_is_refused_without_hanging(tmp_path: Path) -> None:
    root = tmp_path / "rules"
    _write(root / "a.json", "A")
    fifo = root / "pipe.json"
    os.mkfifo(fifo)
    result: list[Any] = []
    worker = threading.Thread(target=lambda: result.append(load_rule_files([str(root)])))
    worker.daemon = True
    worker.start()
    worker.join(timeout=60)  # returns as soon as the load ends; a hang waits it out
    assert not worker.is_alive(), "loading a directory with a FIFO hung"
    ruleset, errors = result[0]
    assert [r.id for r in ruleset.rules] == ["A"]
    assert _messages(errors) == [f"{fifo}: not a regular file (a FIFO); refusing to read it"]


def test_fifo_given_explicitly_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    _, errors = load_rule_files([str(fifo)])
    assert _messages(errors) == [f"{fifo}: not a regular file (a FIFO); refusing to read it"]


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_device_is_refused() -> None:
    _, errors = load_rule_files(["/dev/zero"])
    assert _messages(errors) == [
        "/dev/zero: not a regular file (a character device); refusing to read it"
    ]


def test_missing_path_and_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    missing = tmp_path / "nope"
    ruleset, errors = load_rule_files([str(missing), str(tmp_path / "empty")])
    assert ruleset.rules == ()
    assert _messages(errors) == [
        f"{missing}: no such file or directory",
        f"{tmp_path / 'empty'}: no *.json rule files found in this directory",
    ]


def test_unreadable_file(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root can read anything")
    path = _write(tmp_path / "r.json", "R")
    path.chmod(0)
    _, errors = load_rule_files([str(path)])
    assert _messages(errors) == [f"{path}: cannot read: permission denied"]


def test_oversized_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "MAX_FILE_BYTES", 100)
    path = tmp_path / "big.json"
    path.write_bytes(b" " * 101)
    _, errors = load_rule_files([str(path)])
    assert _messages(errors) == [f"{path}: file is too large (101 bytes; the limit is 100 bytes)"]


def test_duplicate_ids_across_files_name_both_files(tmp_path: Path) -> None:
    first = _write(tmp_path / "a.json", "X", "Y")
    second = _write(tmp_path / "b.json", "Z", "X")
    ruleset, errors = load_rule_files([str(tmp_path)])
    assert [r.id for r in ruleset.rules] == ["X", "Y", "Z"]
    assert ruleset.rules[0].source == str(first)
    assert _messages(errors) == [
        f'{second}: rules[1].id: duplicate rule id "X" (first defined in {first} at rules[0])'
    ]


def test_errors_from_several_files_are_all_collected(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "invalid" / "kind-invalid.json", tmp_path / "k.json")
    shutil.copy(FIXTURES / "invalid" / "truncated.json", tmp_path / "t.json")
    shutil.copy(FIXTURES / "valid" / "minimal.json", tmp_path / "m.json")
    ruleset, errors = load_rule_files([str(tmp_path)])
    assert [r.id for r in ruleset.rules] == ["TEST-MIN-001"]
    assert [e.path for e in errors] == [str(tmp_path / "k.json"), str(tmp_path / "t.json")]
    assert errors[0].json_path == "rules[0].kind"
    # A file that decoded is a source even when its rules have errors; unreadable JSON too.
    assert len(ruleset.sources) == 3


def test_load_rules_raises_with_every_error(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "invalid" / "kind-invalid.json", tmp_path / "k.json")
    shutil.copy(FIXTURES / "invalid" / "severity-invalid.json", tmp_path / "s.json")
    with pytest.raises(RuleLoadError) as info:
        load_rules([str(tmp_path)])
    assert len(info.value.errors) == 2
    assert isinstance(info.value, RuleError)
    assert str(info.value).startswith(f"{tmp_path / 'k.json'}: rules[0].kind: invalid kind")
    assert str(info.value).endswith("(and 1 more error)")


def test_load_rules_valid_pack() -> None:
    ruleset = load_rules([str(FIXTURES / "valid")])
    assert len(ruleset.sources) == 6
    assert "SSC-2026-005" in {r.id for r in ruleset.rules}


def test_loader_does_not_import_jsonschema() -> None:
    import subprocess
    import sys

    import gouvernante

    src = str(Path(gouvernante.__file__).resolve().parents[1])
    code = "import sys, gouvernante.rules.loader; sys.exit(1 if 'jsonschema' in sys.modules else 0)"
    result = subprocess.run(
        [sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": src}, check=False
    )
    assert result.returncode == 0


def test_utf8_bom_is_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + (FIXTURES / "valid" / "minimal.json").read_bytes())
    ruleset, errors = load_rule_files([str(path)])
    assert errors == []
    assert [r.id for r in ruleset.rules] == ["TEST-MIN-001"]


def test_cached_entry_repeating_an_id_keeps_the_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cache entry is only written for a file without errors, so it never repeats an id; one
    that does anyway (a tampered or foreign entry of the right hash) is worded like a file's own
    duplicate, never loaded twice."""
    from gouvernante.rules import cache as rule_cache

    path = _write(tmp_path / "a.json", "X", "Y")
    cache = tmp_path / "cache"
    ruleset, errors = load_rule_files([str(path)])
    assert not errors
    data = path.read_bytes()
    digest = rule_cache.content_hash(data)
    rule_x, rule_y = ruleset.rules
    rule_cache.store(str(cache), str(path), digest, [(0, rule_x), (1, rule_y), (2, rule_x)])
    monkeypatch.setenv(rule_cache.ENV, str(cache))
    again, errors = load_rule_files([str(path)])
    assert [r.id for r in again.rules] == ["X", "Y"]
    assert _messages(errors) == [
        f'{path}: rules[2].id: duplicate rule id "X" (first defined in {path} at rules[0])'
    ]
    assert again.files[0].rules == 2
