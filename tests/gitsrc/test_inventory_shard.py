"""The shard split (inventory/shard.py): a partition of any repository list, the same in every
job and every release (pinned values), stable when repositories come and go, and moving only to
the new shard when one is added; repository lists refused by line, never echoed."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gouvernante.errors import InputError, UsageError
from gouvernante.inventory.shard import (
    Shard,
    parse_shard,
    read_list,
    repository_name,
    shard_of,
)

NAMES = st.lists(
    st.from_regex(r"[a-z0-9_-]{1,12}/[a-zA-Z0-9_.-]{1,20}", fullmatch=True),
    min_size=1,
    max_size=60,
    unique=True,
)


def test_the_split_is_pinned() -> None:
    """Jobs of different gouvernante releases must agree: a change here re-shards every CI."""
    assert [shard_of("team-a/api", n) for n in (1, 2, 8, 100)] == [1, 1, 3, 44]
    assert [shard_of("org/web", n) for n in (1, 2, 8, 100)] == [1, 2, 7, 43]
    assert shard_of("team-a/api.git", 8) == shard_of("team-a/api/", 8) == 3


@pytest.mark.property
@settings(max_examples=40, deadline=None)
@given(NAMES, st.integers(min_value=1, max_value=12))
def test_shards_partition_the_list_and_adding_names_moves_nothing(
    names: list[str], total: int
) -> None:
    parts = [{n for n in names if Shard(i, total).holds(n)} for i in range(1, total + 1)]
    assert set().union(*parts) == set(names)
    assert sum(map(len, parts)) == len(names)
    grown = [*names, "zz-new/repository"]
    assert all(shard_of(n, total) == shard_of(n, total) for n in grown)  # deterministic
    assert [shard_of(n, total) for n in names] == [shard_of(n, total) for n in grown[:-1]]
    # one more shard: a repository either stays or moves to the new shard, never elsewhere
    for n in names:
        assert shard_of(n, total + 1) in (shard_of(n, total), total + 1)


def test_shards_are_balanced() -> None:
    names = [f"org{i % 37}/repo-{i}" for i in range(8000)]
    sizes = Counter(shard_of(n, 8) for n in names)
    assert sorted(sizes) == list(range(1, 9))
    assert max(sizes.values()) < 1.1 * 1000 and min(sizes.values()) > 0.9 * 1000
    moved = sum(shard_of(n, 8) != shard_of(n, 9) for n in names)
    assert 0.08 < moved / len(names) < 0.14  # about 1/9 when going from 8 to 9 jobs


def test_names_found_under_a_folder_are_the_list_names() -> None:
    assert repository_name("/srv/org", "/srv/org/team-a/api.git") == "team-a/api"
    assert repository_name("/srv/org/", "/srv/org/team-a/api.git") == "team-a/api"
    assert repository_name("mirrors", "mirrors/team-a/web") == "team-a/web"
    assert repository_name("/srv/org/api.git", "/srv/org/api.git") == "api"


@pytest.mark.parametrize(
    ("spec", "shard"), [("1/1", Shard(1, 1)), ("3/8", Shard(3, 8)), (" 8/8 ", Shard(8, 8))]
)
def test_shard_specs(spec: str, shard: Shard) -> None:
    assert parse_shard(spec) == shard


@pytest.mark.parametrize("spec", ["0/8", "9/8", "1/0", "-1/2", "1/", "a/b", "1/10001", "1-8"])
def test_bad_shard_specs_are_usage_errors(spec: str) -> None:
    with pytest.raises(UsageError):
        parse_shard(spec)


def test_a_repository_list(tmp_path: Path) -> None:
    path = tmp_path / "repos.txt"
    path.write_text(
        "# org\n\nteam-a/api\n  team-a/web  \nteam-a/api\ngroup/sub/.dotted\nx/y.git\n",
        encoding="utf-8",
    )
    assert read_list(str(path)) == ["team-a/api", "team-a/web", "group/sub/.dotted", "x/y.git"]


@pytest.mark.parametrize(
    "line",
    [
        "-oops/x",  # would read as an option of git clone
        "a/../b",
        "a/./b",
        "/abs/path",
        "a//b",
        "a/b;rm -rf ~",
        "https://github.com/a/b",
        "a/b\x1b[31mEVIL",
        "a/b c",
    ],
)
def test_a_line_that_is_no_repository_name_is_refused_by_number(tmp_path: Path, line: str) -> None:
    path = tmp_path / "repos.txt"
    path.write_text(f"ok/one\n{line}\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_list(str(path))
    message = caught.value.one_line()
    assert message.startswith(f"{path}: line 2: not a repository name")
    assert "EVIL" not in message and line not in message


def test_a_list_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "repos.txt"
    path.write_bytes(b"ok/one\nbad/\xff\n")
    with pytest.raises(InputError, match="not valid UTF-8"):
        read_list(str(path))
