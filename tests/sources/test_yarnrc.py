"""``.yarnrc.yml``'s ``lockfileFilename``: read exactly or refused, never a silent default."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gouvernante.errors import LockfileError
from gouvernante.sources.yarnrc import (
    MAX_YARNRC_BYTES,
    Setting,
    folder_name,
    inherit,
    inherited_above,
    lockfile_setting,
)


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
        # escapes elsewhere are not the key
        ('cacheFolder: "C:\\\\x46\\\\cache"\nlockfileFilename: berry.lock\n', "berry.lock"),
        ('npmAuthToken: "\\x41\\u0042"\n', None),
        # one document, its markers written
        ("%YAML 1.2\n--- # settings\nlockfileFilename: berry.lock\n...\n# end\n", "berry.lock"),
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
        # the key spelled with an escape YAML (or yarn's legacy syntax) reads as the key: these
        # were read as "no setting", the default name (amendment 2026-12-05)
        ('"lockfile\\x46ilename": berry.lock\n', "line 1"),
        ('a: 1\n"lockfile\\u0046ilename": berry.lock\n', "line 2"),
        ('"\\U0000006cockfileFilename": berry.lock\n', "line 1"),
        ('a: 1\n? "lockfile\\\n  Filename"\n: berry.lock\n', "line 2"),  # an escaped line break
        ('!!str "lockfile\\x46ilename": berry.lock\n', "line 1"),  # with a tag
        ('{"lockfile\\x46ilename": berry.lock}\n', "line 1"),  # flow style
        ('# yarn lockfile v1\n"lockfile\\u0046ilename" berry.lock\n', "line 2"),  # legacy
        # the letters side by side, in other YAML spellings of the key: each line refused
        ("!!str lockfileFilename: berry.lock\n", "line 1"),  # an explicit tag
        ("&k lockfileFilename: berry.lock\n", "line 1"),  # an anchor
        ("a: &k lockfileFilename\n*k : berry.lock\n", "line 1"),  # an alias of the key
        ("base: &b {lockfileFilename: berry.lock}\n<<: *b\n", "line 1"),  # a merge key
        # several documents: yarn (js-yaml's load) refuses the file, so no setting of it is used
        ("---\na: 1\n...\n---\nlockfileFilename: berry.lock\n", "line 4"),
        ("lockfileFilename: berry.lock\n---\nb: 1\n", "line 2"),
    ],
)
def test_setting_not_read_exactly_is_an_error_naming_the_line(text: str, where: str) -> None:
    with pytest.raises(LockfileError) as caught:
        lockfile_setting(text.encode(), "app/.yarnrc.yml")
    message = str(caught.value)
    assert message.startswith("app/.yarnrc.yml: ") and where in message
    assert "berry" not in message and "x72" not in message  # never the file's bytes
    assert "x46" not in message and "0046" not in message


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


def test_a_closer_setting_wins_and_one_without_the_key_passes_the_farther_on() -> None:
    """yarn's ``Configuration.find``: the closest ``.yarnrc.yml`` that sets the key decides."""
    assert inherit("berry.lock", b"nodeLinker: pnp\n", ".yarnrc.yml") == "berry.lock"
    assert inherit("berry.lock", b"lockfileFilename: other.lock\n", ".yarnrc.yml") == "other.lock"
    assert inherit("berry.lock", b"lockfileFilename: yarn.lock\n", ".yarnrc.yml") is None
    assert inherit(None, b"lockfileFilename: berry.lock\n", ".yarnrc.yml") == "berry.lock"


def test_folder_name_goes_up_to_the_closest_setting() -> None:
    settings: dict[str, Setting] = {"": ("berry.lock",), "a": (None,), "b": None}
    names: dict[str, str | None] = {}
    assert folder_name("x/y/z", settings, names) == "berry.lock"
    assert folder_name("a/b", settings, names) is None  # a well-known name set closer
    assert folder_name("b/c", settings, names) is None  # refused: its error stands for it
    assert names["x/y"] == "berry.lock"
    deep = "/".join(["d"] * 5000)  # (iterative: any depth)
    assert folder_name(deep, settings, {}) == "berry.lock"


def test_inherited_above_reads_every_folder_up_to_the_root(tmp_path: Path) -> None:
    (tmp_path / ".yarnrc.yml").write_text("lockfileFilename: berry.lock\n")
    mid = tmp_path / "mid"
    (mid / "leaf").mkdir(parents=True)
    (mid / ".yarnrc.yml").write_text("nodeLinker: pnp\n")
    assert inherited_above(str(mid / "leaf")) == ("berry.lock", [])
    assert inherited_above(str(mid)) == ("berry.lock", [])
    (mid / ".yarnrc.yml").write_text("lockfileFilename: >-\n  berry.lock\n")
    name, unread = inherited_above(str(mid / "leaf"))
    assert name is None
    assert [(p, m[:7]) for p, m in unread] == [(str(mid / ".yarnrc.yml"), "line 1:")]


@pytest.mark.property
@given(st.lists(st.sampled_from(["lit", "x", "u", "U"]), min_size=16, max_size=16), st.booleans())
def test_the_key_spelled_with_any_escapes_is_refused(forms: list[str], cut: bool) -> None:
    """Each letter of the key written as itself or as a YAML escape (at least one), optionally
    with an escaped line break in the middle: never read as "no setting"."""
    if all(f == "lit" for f in forms) and not cut:
        forms[3] = "x"
    spelled = {"lit": "{}", "x": "\\x{:02x}", "u": "\\u{:04x}", "U": "\\U{:08x}"}
    letters = [
        spelled[f].format(c if f == "lit" else ord(c))
        for f, c in zip(forms, "lockfileFilename", strict=True)
    ]
    if cut:
        letters.insert(8, "\\\n    ")
    text = 'nodeLinker: pnp\n? "' + "".join(letters) + '"\n: berry.lock\n'
    with pytest.raises(LockfileError, match="line 2"):
        lockfile_setting(text.encode(), ".yarnrc.yml")


@pytest.mark.parametrize(
    ("text", "yarn_reads"),
    [
        # yarn 4 (parseSyml) reads the file name "x.lock - localhost" from a plain value
        # continued on an indented line; the line reader took "x.lock"
        ("unsafeHttpWhitelist:\nlockfileFilename: x.lock\n  - localhost\n", "x.lock - localhost"),
        ("lockfileFilename: x.lock\n\n  more\n", "x.lock\nmore"),
        # inside a double-quoted value of the key above: no setting to yarn; berry.lock to it
        ('nodeLinker: "node-modules\n\nlockfileFilename: berry.lock\n\nnpm: "x"\n', None),
        ("a: 'b\nlockfileFilename: berry.lock\n'\n", None),
    ],
)
def test_a_setting_line_yaml_reads_otherwise_is_refused(text: str, yarn_reads: str | None) -> None:
    """Red team, branch hostile-new (decision 0071): each read as the line says, another
    lockfile than yarn's (measured with @yarnpkg/parsers 3 ``parseSyml`` on these bytes)."""
    with pytest.raises(LockfileError):
        lockfile_setting(text.encode(), ".yarnrc.yml")


@pytest.mark.parametrize(
    "text",
    [
        "lockfileFilename: x.lock\n# a comment\nnext: 1\n",
        "lockfileFilename: x.lock\n  # an indented comment\n",
        "lockfileFilename: x.lock\nnext:\n  - a\n",
        'lockfileFilename: "x.lock"\n',
    ],
)
def test_a_setting_followed_by_other_keys_or_comments_is_read(text: str) -> None:
    assert lockfile_setting(text.encode(), ".yarnrc.yml") == "x.lock"
