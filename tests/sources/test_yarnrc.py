"""``.yarnrc.yml``'s ``lockfileFilename``: read exactly or refused, never a silent default."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gouvernante.errors import LockfileError
from gouvernante.sources.yarnrc import MAX_YARNRC_BYTES, lockfile_setting


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("lockfileFilename: berry.lock\n", "berry.lock"),
        ('yarnPath: .yarn/releases/yarn.cjs\nlockfileFilename: "berry.lock"\n', "berry.lock"),
        ("lockfileFilename: 'my-lock.yaml'  # the repo's own name\r\n", "my-lock.yaml"),
        ("\ufeff'lockfileFilename' : yarn.lock", "yarn.lock"),
        ("nodeLinker: node-modules\n", None),
        ("# lockfileFilename: berry.lock\n", None),  # a comment
        ("packageExtensions:\n  lockfileFilename: x\n", None),  # a nested key, not the setting
        ("", None),
    ],
)
def test_setting_read(text: str, name: str | None) -> None:
    assert lockfile_setting(text.encode(), ".yarnrc.yml") == name


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("a: 1\nlockfileFilename: >-\n  berry.lock\n", "line 2"),  # a block scalar
        ('lockfileFilename: "ber\\x72y.lock"\n', "line 1"),  # an escape
        ("lockfileFilename: sub/berry.lock\n", "line 1"),  # a path, not a file of the folder
        ("lockfileFilename: ..\n", "line 1"),
        ("lockfileFilename: a.lock\nlockfileFilename: b.lock\n", "line 2"),
        ("lockfileFilename:\n", "line 1"),
        ("lockfileFilename: berry.lock extra\n", "line 1"),
    ],
)
def test_setting_not_read_exactly_is_an_error_naming_the_line(text: str, where: str) -> None:
    with pytest.raises(LockfileError) as caught:
        lockfile_setting(text.encode(), "app/.yarnrc.yml")
    message = str(caught.value)
    assert message.startswith("app/.yarnrc.yml: ") and where in message
    assert "berry" not in message and "x72" not in message  # never the file's bytes


def test_a_huge_file_is_refused() -> None:
    with pytest.raises(LockfileError, match="larger than"):
        lockfile_setting(b"#" * (MAX_YARNRC_BYTES + 1), ".yarnrc.yml")


@pytest.mark.property
@given(st.binary(max_size=200))
def test_garbage_never_crashes_and_a_setting_line_is_never_ignored(data: bytes) -> None:
    """Any bytes: a name, None or LockfileError; None only when no line starts with the key."""
    try:
        name = lockfile_setting(data, ".yarnrc.yml")
    except LockfileError:
        return
    if name is None:
        lines = data.removeprefix(b"\xef\xbb\xbf").split(b"\n")
        key = re.compile(rb"""(?:lockfileFilename|"lockfileFilename"|'lockfileFilename')[ \t]*:""")
        assert not any(key.match(line) for line in lines)
