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
        ("a: 1\n  # lockfileFilename: berry.lock\n", None),  # an indented comment
        ("lockfileFilename: berry.lock\t# a comment\n", "berry.lock"),
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
        # YAML reads each of these as the top-level setting; they were read as no setting (or
        # as another name), so the project's lockfile was never read
        ("lockfileFilename: berry.lock#x\n", "line 1"),  # '#' without a space: part of the name
        ("  lockfileFilename: berry.lock\n  nodeLinker: pnp\n", "line 1"),  # indented whole
        ("a: 1\n{lockfileFilename: berry.lock}\n", "line 2"),  # a flow mapping
        ("? lockfileFilename\n: berry.lock\n", "line 1"),  # an explicit key
        ("a: 1\rlockfileFilename: berry.lock\r", "line 1"),  # lines ended by CR alone
        ("packageExtensions:\n  lockfileFilename: berry.lock\n", "line 2"),  # nested: refused
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
