"""A workspace member is not the registry package of the same name (and version).

Fixtures: ``fixtures/workspace-named-like-registry`` (``generate.sh``: npm 11, pnpm 10.34.9,
yarn 1.22.22 and 4.18.1, bun 1.4.5 as bun.lock and bun.lockb). packages/is-number is a member
named ``is-number`` 7.0.0, the name and version a rule names; the registry's is-number 6.0.0 is
locked for is-odd in every file, and pnpm (link-workspace-packages off) also locks the
registry's 7.0.0 for to-regex-range, where npm, yarn and bun take the member. Every mode reads
the member as the project's own package and still finds the registry copies beside it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import compromised_rules, every_mode

FIXTURES = Path(__file__).parent / "fixtures" / "workspace-named-like-registry"
RULES = compromised_rules("NUM-1", ("is-number", "=7.0.0 || =6.0.0"))
# what each tool installed (node_modules/**/is-number/package.json, checked when generated):
# the member (linked) and the registry's 6.0.0; pnpm also the registry's 7.0.0
INSTALLED = {
    "npm11": {"6.0.0"},
    "pnpm10": {"6.0.0", "7.0.0"},
    "yarn1": {"6.0.0"},
    "yarn4": {"6.0.0"},
    "bun": {"6.0.0"},
    "bun-lockb": {"6.0.0"},
}


def _files(case: str) -> dict[str, str | bytes]:
    folder = FIXTURES / case
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() if p.suffix == ".lockb" else p.read_text()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_every_case_is_generated() -> None:
    assert sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()) == sorted(INSTALLED)


@pytest.mark.parametrize("case", sorted(INSTALLED))
def test_the_member_is_never_a_finding_and_registry_copies_are(tmp_path: Path, case: str) -> None:
    modes = every_mode(tmp_path, _files(case), RULES, inventory_dir=True)
    assert set(modes) == {"-dir", "-git", "-inventory", "-inventory (dir)", "-image"}
    for mode, (code, report) in modes.items():
        assert report["errors"] == [], mode
        found = {f["version"] for f in report["findings"] if f["package"] == "is-number"}
        assert found == INSTALLED[case], mode
        assert code == 2, mode
