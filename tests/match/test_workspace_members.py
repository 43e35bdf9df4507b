"""``match.placing.workspace_members``: the one listing of a workspace's member names that the
declared-range judgement, -dir, -git and -image read a yarn 1 lockfile with (decision 0112)."""

from __future__ import annotations

import os

from gouvernante.match.placing import workspace_members

NAMES = {
    "/r/packages/a": "a",
    "/r/packages/.hidden": "hidden",
    "/r/packages/node_modules": "nm",
    "/r/packages/b": "",
    "/r/packagesX/c": "c",
    "/r/packages/deep/d": "d",
    "/other/packages/e": "e",
    "/r": "root",
}


def _members(folder: str, patterns: list[str]) -> dict[str, str]:
    return workspace_members(folder, patterns, NAMES, NAMES.get)


def test_the_globs_name_folders_below_the_project_that_have_a_name() -> None:
    assert _members("/r", ["packages/*"]) == {"/r/packages/a": "a"}
    assert _members("/r", ["packages/**"]) == {"/r/packages/a": "a", "/r/packages/deep/d": "d"}


def test_a_literal_hidden_segment_names_the_folder_a_wildcard_does_not() -> None:
    assert _members("/r", ["packages/.hidden"]) == {"/r/packages/.hidden": "hidden"}
    assert _members("/r", ["packages/node_modules"]) == {}


def test_negation_no_globs_and_folders_outside_the_project() -> None:
    assert _members("/r", ["packages/*", "!packages/a"]) == {}
    assert _members("/r", []) == {}
    assert _members("/r/packages", ["../packagesX/*", "*"]) == {"/r/packages/a": "a"}


def test_the_names_are_read_for_members_only() -> None:
    asked: list[str] = []

    def name_of(folder: str) -> str | None:
        asked.append(folder)
        return NAMES[folder]

    workspace_members("/r", ["packages/a"], NAMES, name_of)
    assert asked == ["/r/packages/a"]


def test_disk_spelling() -> None:
    root = os.path.join(os.sep, "r")
    member = os.path.join(root, "packages", "a")
    found = workspace_members(
        root, ["packages/*"], [member], {member: "a"}.get, lambda d, f: os.path.relpath(d, f)
    )
    assert found == {member: "a"}
