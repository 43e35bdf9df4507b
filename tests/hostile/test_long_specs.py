"""A declared spec longer than a range is read is never copied into a report (red team, branch
hostile-new). ``"evil": "<3 MB of letters>"`` read as a dist-tag: the finding quoted it whole,
twice (its description and ``declared_range``): a 3 MB package.json made a 6 MB JSON report and
6 MB on the terminal, the scanned bytes echoed. The same spec in pnpm-workspace.yaml's
``overrides`` or a deno.json import (fields bun does not read) had no error either. Now any spec
over ``MAX_RANGE_LENGTH`` is an error naming field and key (exit 1), not quoted; a whole-package
(dropper) rule still finds the name, its ``declared_range`` capped."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest

from gouvernante.semver._range import MAX_RANGE_LENGTH
from helpers import compromised_rules, scan_report

RULES = compromised_rules("LONG-1", ("evil", "=1.0.1"))


def _secret_spec(kind: str) -> tuple[str, str]:
    secret = "FAKE" + secrets.token_hex(12)
    body = (secret * (3 * MAX_RANGE_LENGTH // len(secret)))[: 3 * MAX_RANGE_LENGTH]
    spec = {
        "tag": body,
        "git": f"git+https://example.invalid/{body}.git",
        "file": f"file:{body}",
    }[kind]
    return secret, spec


def _files(where: str, spec: str) -> dict[str, str]:
    if where == "package.json":
        return {"package.json": json.dumps({"name": "app", "dependencies": {"evil": spec}})}
    if where == "pnpm-workspace.yaml":
        return {
            "package.json": json.dumps({"name": "app"}),
            "pnpm-workspace.yaml": f"overrides:\n  evil: '{spec}'\n",
        }
    return {"deno.json": json.dumps({"imports": {"evil": f"npm:evil@{spec}"}})}


@pytest.mark.parametrize(
    ("where", "kind"),
    [
        *(("package.json", kind) for kind in ("tag", "git", "file")),
        *(("pnpm-workspace.yaml", kind) for kind in ("tag", "git", "file")),
        ("deno.json", "tag"),  # (deno reads no git or file spec after npm:)
    ],
)
def test_a_spec_too_long_to_read_is_an_error_never_quoted(
    tmp_path: Path, kind: str, where: str
) -> None:
    secret, spec = _secret_spec(kind)
    project = tmp_path / "p"
    project.mkdir()
    for name, text in _files(where, spec).items():
        (project / name).write_text(text, encoding="utf-8")
    code, report = scan_report(tmp_path, RULES, "-dir", str(project))
    text = json.dumps(report)
    assert secret not in text
    assert len(text) < 20_000
    assert code == 1, report
    assert any("longer than a range is read" in e["message"] for e in report["errors"])


def test_a_dropper_still_finds_the_name_its_spec_capped(tmp_path: Path) -> None:
    secret, spec = _secret_spec("tag")
    rules = compromised_rules("LONG-2", ("other", "=1.0.0"))
    rules["rules"][0]["dropper_packages"] = [{"package_name": "evil"}]
    project = tmp_path / "p"
    project.mkdir()
    (project / "package.json").write_text(json.dumps({"dependencies": {"evil": spec}}))
    code, report = scan_report(tmp_path, rules, "-dir", str(project))
    assert secret[:8] in json.dumps(report)  # (the first 64 characters)
    assert len(json.dumps(report)) < 20_000
    assert [f["package"] for f in report["findings"]] == ["evil"]
    assert code == 2
