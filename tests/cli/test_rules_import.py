"""`gouvernante rules import`: OSV union vs --narrow end to end, folder/zip help, split output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gouvernante.cli.rules import run
from gouvernante.rules import loader
from gouvernante.rules.loader import load_rule_files
from helpers import run_cli

RUNBOOK = Path(__file__).parents[1] / "e2e" / "fixtures" / "runbook"


def _record(rec_id: str, name: str, **fields: Any) -> dict[str, Any]:
    return {"id": rec_id, "affected": [{"package": {"ecosystem": "npm", "name": name}, **fields}]}


def test_help_names_folder_zip_and_narrow(tmp_path: Path) -> None:
    r = run_cli("rules", "import", "-h", cwd=tmp_path)
    assert r.returncode == 0
    text = " ".join(r.stdout.split())
    assert "a folder of records" in text
    assert "a .zip of records" in text
    assert "--narrow" in text
    assert "NAME.part-NNN.json" in text


def test_all_versions_record_finds_a_later_release_unless_narrowed(tmp_path: Path) -> None:
    # left-pad@1.3.0 is in the runbook's lockfile; the record lists 1.0.0 with introduced "0"
    record = _record(
        "MAL-2099-900",
        "left-pad",
        ranges=[{"type": "SEMVER", "events": [{"introduced": "0"}]}],
        versions=["1.0.0"],
    )
    (tmp_path / "MAL-2099-900.json").write_text(json.dumps(record))
    lock = str(RUNBOOK / "test" / "affected-lockfile.json")
    for extra, out, expected in (([], "union", 2), (["--narrow"], "narrow", 0)):
        r = run_cli("rules", "import", "osv", "MAL-2099-900.json", "-o", out, *extra, cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        r = run_cli("-rules", out, "-lockfile", lock, cwd=tmp_path)
        assert r.returncode == expected, r.stdout + r.stderr


def test_narrow_is_refused_for_other_formats(tmp_path: Path) -> None:
    (tmp_path / "l.txt").write_text("p@1.0.0\n")
    r = run_cli("rules", "import", "list", "l.txt", "--narrow", cwd=tmp_path)
    assert r.returncode == 1
    assert "osv format only" in r.stderr


def _feed(path: Path, count: int) -> None:
    records = [
        {**_record(f"MAL-2099-{n:05d}", f"pkg-{n}", versions=["1.0.0"]), "details": "x" * 400}
        for n in range(count)
    ]
    path.write_text(json.dumps(records))


def test_big_feed_written_as_parts_and_stale_spelling_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(loader, "MAX_FILE_BYTES", 64 * 1024)
    out = tmp_path / "rules"
    out.mkdir()
    (out / "hand-written.json").write_text("{}")  # not ours: never touched
    feed = tmp_path / "feed.json"

    _feed(feed, 3)
    assert run(["import", "osv", str(feed), "-o", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["feed.json", "hand-written.json"]

    _feed(feed, 400)
    assert run(["import", "osv", str(feed), "-o", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert "feed.json" not in names
    parts = [n for n in names if n.startswith("feed.part-")]
    assert len(parts) >= 3
    assert all((out / n).stat().st_size <= 64 * 1024 for n in parts)
    captured = capsys.readouterr()
    assert f"removed {out / 'feed.json'}" in captured.out
    assert "400 rules written as" in captured.err

    (out / "hand-written.json").unlink()
    ruleset, errors = load_rule_files([str(out)])
    assert errors == []
    assert len(ruleset.rules) == 400

    _feed(feed, 3)
    assert run(["import", "osv", str(feed), "-o", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["feed.json"]


def test_listed_versions_are_read_as_npm_does_and_never_dropped(tmp_path: Path) -> None:
    """redmix C30: ``v1.3.0`` is left-pad 1.3.0 (in the runbook's lockfile): imported and found;
    a listed version npm cannot read fails the import (exit 1), never a rule without it."""
    lock = str(RUNBOOK / "test" / "affected-lockfile.json")
    record = _record("MAL-2099-930", "left-pad", versions=["1.0.0", "v1.3.0", "1.2.0 "])
    (tmp_path / "ok.json").write_text(json.dumps(record))
    r = run_cli("rules", "import", "osv", "ok.json", "-o", "ok", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "warning" not in r.stderr
    r = run_cli("-rules", "ok", "-lockfile", lock, cwd=tmp_path)
    assert r.returncode == 2, r.stdout + r.stderr
    bad = _record("MAL-2099-931", "left-pad", versions=["1.0.0", "=1.3.0"])
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    r = run_cli("rules", "import", "osv", "bad.json", "-o", "bad", cwd=tmp_path)
    assert r.returncode == 1
    assert "bad.json (MAL-2099-931): affected[0].versions[1]: '=1.3.0' is not a version" in r.stderr
    assert not (tmp_path / "bad").exists()


def test_csv_and_list_unreadable_entries_fail_unless_skipped(tmp_path: Path) -> None:
    """An entry the importer cannot read fails the import (exit 1, nothing written, the line
    named); ``--skip-unreadable`` imports the rest with a warning per line (decision 0056)."""
    (tmp_path / "iocs.txt").write_text("axios@1.14.1\naxios@1.14.x.1\n")
    (tmp_path / "iocs.csv").write_text("package,version\naxios,1.14.1\naxios,one-fourteen\n")
    for fmt, name in (("list", "iocs.txt"), ("csv", "iocs.csv")):
        r = run_cli("rules", "import", fmt, name, "-o", f"out-{fmt}", cwd=tmp_path)
        assert r.returncode == 1, r.stdout + r.stderr
        assert f"{name}: 1 entr(ies) not read: line " in r.stderr
        assert "--skip-unreadable" in r.stderr
        assert not (tmp_path / f"out-{fmt}").exists()
        r = run_cli(
            "rules", "import", fmt, name, "-o", f"out-{fmt}", "--skip-unreadable", cwd=tmp_path
        )
        assert r.returncode == 0, r.stderr
        assert ", skipped" in r.stderr
        (written,) = sorted((tmp_path / f"out-{fmt}").glob("*.json"))
        rule = json.loads(written.read_text())["rules"][0]
        assert rule["package_rules"][0]["affected_versions"] == ["=1.14.1"]
    r = run_cli("rules", "import", "osv", "iocs.txt", "--skip-unreadable", cwd=tmp_path)
    assert r.returncode != 0 and "csv and list" in r.stderr


def test_missing_reference_warning_names_the_flag(tmp_path: Path) -> None:
    """The warning names the flag that fixes it (it said "pass the option reference=URL")."""
    (tmp_path / "list.txt").write_text("axios@1.14.1\n")
    r = run_cli("rules", "import", "list", "list.txt", "-o", "out", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "warning: list.txt: no source URL known; pass -reference URL\n" in r.stderr
    with_ref = run_cli(
        "rules",
        "import",
        "list",
        "list.txt",
        "-o",
        "out2",
        "-reference",
        "https://x.test/a",
        cwd=tmp_path,
    )
    assert "no source URL known" not in with_ref.stderr
