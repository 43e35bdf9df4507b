"""pnpm's own layout read first (decision 0040) gives the line reader's columns exactly.

``_pnpm_lines.read`` tries, per big section, a strict pattern of the layout pnpm writes (a part
of the section at a time, no copy of the file decoded whole), then the general entry pattern of
decision 0028. Here both are run on every pnpm-lock.yaml under ``tests/`` and on edited copies:
the same document or the same refusal, the same keys, dependency lines, integrity column,
entries read by ``load_fast`` and positions, whatever size the parts have. The whole-file
comparisons with the full loader are ``test_pnpm_lines.py``'s (they now go through this path).
"""

from __future__ import annotations

import os
import random
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gouvernante.errors import LockfileError
from gouvernante.lockfiles import _pnpm_lines, parse_bytes, pnpm
from lockfiles.fuzzcore import mutate
from lockfiles.test_pnpm_lines import PNPM_PATHS, _edit, _label, _same_both_ways

# Edited files drawn per run (the same variable as test_pnpm_lines.py sets it higher).
_EXAMPLES = int(os.environ.get("GOUVERNANTE_PNPM_EXAMPLES", "40"))


def _columns(data: bytes, *, strict: bool) -> object:
    """What the line reader keeps of ``data`` (``None``: refused)."""
    document = _pnpm_lines.read(
        None if data.isascii() else data.decode("utf-8-sig"),
        pnpm._KEEP,
        data,
        strict=strict,
        heads=pnpm._strip_all_peers,
    )
    if document is None:
        return None
    sections = {}
    for name, section in document.sections.items():
        count = len(section.keys)
        sections[name] = (
            section.keys,
            section.names(),
            sorted(section.dep_lines.splitlines()),
            sorted(section.other_refs),
            list(section.integrity_column()),
            [section.integrity_at(i) for i in range(count)],
            section.loaded,
            [section.block(i) for i in range(count)],
            [section.line(i) for i in range(count)],
            [section.position(key) for key in section.keys],
        )
    return document.doc, sections


def _strict_taken(data: bytes) -> list[str]:
    """The sections the strict patterns read (a part at least: the others are ``_general``),
    an entry a part."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_pnpm_lines, "_SPAN", 1)
        document = _pnpm_lines.read(None, pnpm._KEEP, data, heads=pnpm._strip_all_peers)
    if document is None:
        return []
    return sorted(
        name for name, s in document.sections.items() if len(s._general) < len(s.parts[0])
    )


def _same_columns(data: bytes) -> None:
    general = _columns(data, strict=False)
    assert _columns(data, strict=True) == general
    with pytest.MonkeyPatch.context() as patch:  # one entry a part: every cut is a part's end
        patch.setattr(_pnpm_lines, "_SPAN", 1)
        assert _columns(data, strict=True) == general


@pytest.mark.parametrize("path", PNPM_PATHS, ids=[_label(p) for p in PNPM_PATHS])
def test_both_readers_keep_the_same_columns(path: Path) -> None:
    _same_columns(path.read_bytes())


def test_the_strict_patterns_take_pnpm_files() -> None:
    """Else this file would compare the general reader with itself (each of these files has
    entries in another layout too: a tarball, bundledDependencies, a git package...)."""
    taken = {_label(p): _strict_taken(p.read_bytes()) for p in PNPM_PATHS}
    for label in ("pnpm9", "pnpm10", "pnpm9-vite", "pnpm9-vesktop", "pnpm9-vue-core"):
        assert taken.get(label, ["packages", "snapshots"]) == ["packages", "snapshots"], label
    for label in ("pnpm6", "pnpm8", "pnpm6-vesktop", "pnpm53-vue-core"):
        assert taken.get(label, ["packages"]) == ["packages"], label
    assert taken["pnpm9"] == ["packages", "snapshots"]


_V9 = """lockfileVersion: '9.0'

importers:

  .:
    dependencies:
      a:
        specifier: ^1.0.0
        version: 1.0.0(b@2.0.0)
      c:
        specifier: ^1.0.0
        version: 1.0.0

packages:

  '@s/x@3.0.0':
    resolution: {integrity: sha512-xxxx}

  a@1.0.0:
    resolution: {integrity: sha512-aaaa}
    peerDependencies:
      b: ^2.0.0

  b@2.0.0:
    resolution: {integrity: sha512-bbbb}
    engines: {node: '>=14'}

  c@1.0.0:
    resolution: {integrity: sha1-cccc}
    hasBin: true

snapshots:

  '@s/x@3.0.0': {}

  a@1.0.0(b@2.0.0):
    dependencies:
      '@s/x': 3.0.0
      b: 2.0.0
    optionalDependencies:
      c: 1.0.0

  b@2.0.0: {}

  c@1.0.0:
    dependencies:
      '@s/x': 3.0.0
"""

_DEPS = "    dependencies:\n      '@s/x': 3.0.0\n      b: 2.0.0\n"
_OPTIONAL = "    optionalDependencies:\n      c: 1.0.0\n"
_RESOLUTION_C = "    resolution: {integrity: sha1-cccc}\n"


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t,
        # a package with two snapshots (its key is not at the snapshot's position)
        lambda t: t.replace("  b@2.0.0: {}\n", "  a@1.0.0(b@2.1.0): {}\n\n  b@2.0.0: {}\n"),
        # a packages key no snapshot has, and one twice
        lambda t: t.replace(
            "  c@1.0.0:\n    res",
            "  d@1.0.0:\n    resolution: {integrity: sha512-dddd}\n\n  c@1.0.0:\n    res",
        ),
        lambda t: t.replace(
            "  c@1.0.0:\n    res",
            "  b@2.0.0:\n    resolution: {integrity: sha512-dddd}\n\n  c@1.0.0:\n    res",
        ),
        # an entry of each section in another layout (fields in another order, a tarball)
        lambda t: t.replace(_DEPS + _OPTIONAL, _OPTIONAL + _DEPS),
        lambda t: t.replace(_DEPS + _OPTIONAL, _DEPS + _OPTIONAL + "    optional: true\n" + _DEPS),
        lambda t: t.replace(
            _RESOLUTION_C + "    hasBin: true\n", "    hasBin: true\n" + _RESOLUTION_C
        ),
        lambda t: t.replace("{integrity: sha1-cccc}", "{tarball: https://x/-/c-1.0.0.tgz}"),
        lambda t: t.replace("{integrity: sha1-cccc}", "{integrity: sha1-cc, tarball: x}"),
        # a key quoted that pnpm would not quote (its entry is found another way)
        lambda t: t.replace("\n  a@1.0.0:\n    res", "\n  'a@1.0.0':\n    res"),
        lambda t: t.replace("\n  c@1.0.0:\n    res", "\n  'c@1.0.0':\n    res"),
        # non-ASCII text: a key, a folder, a dependency name
        lambda t: t.replace("c@1.0.0", "cé@1.0.0").replace("      c:", "      cé:"),
        lambda t: t.replace("  .:\n", "  .:\n    dependencies: {}\n  pkgs/émoji🙂:\n"),
        # a scalar word, a key twice, a key with a space, peers with parentheses inside
        lambda t: t.replace("  b@2.0.0: {}\n", "  b@2.0.0: {}\n\n  null: {}\n"),
        lambda t: t.replace("  b@2.0.0: {}\n", "  b@2.0.0: {}\n\n  b@2.0.0: {}\n"),
        lambda t: t.replace("  b@2.0.0: {}\n", "  b@2.0.0: {}\n\n  'b b@1.0.0': {}\n"),
        lambda t: t.replace("(b@2.0.0)", "(b@2.0.0(c@1.0.0))"),
    ],
)
def test_small_files_read_the_same_every_way(change: Callable[[str], str]) -> None:
    text = change(_V9)
    data = text.encode()
    _same_columns(data)
    _same_both_ways(data, 1)
    _same_both_ways(b"\xef\xbb\xbf" + data, 2)


@pytest.mark.parametrize("quoted", ["", "c@1.0.0"])
def test_integrity_found_by_key_in_its_part(quoted: str) -> None:
    """A 9.0 ``packages`` entry's integrity is read from its own key line's entry, whichever
    part holds it and whether the key is quoted."""
    text = _V9.replace(f"\n  {quoted}:\n", f"\n  '{quoted}':\n") if quoted else _V9
    data = text.encode()
    for span in (1, 40, 1 << 16):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(_pnpm_lines, "_SPAN", span)
            graph = parse_bytes(data, "pnpm-lock.yaml")
        got = {p.id: p.integrity for p in graph.table}
        assert got == {
            "@s/x@3.0.0": "sha512-xxxx",
            "a@1.0.0(b@2.0.0)": "sha512-aaaa",
            "b@2.0.0": "sha512-bbbb",
            "c@1.0.0": "sha1-cccc",
        }


def _scoped_packages(count: int) -> bytes:
    """A 9.0 file of ``count`` scoped packages (keys quoted as pnpm quotes them)."""
    keys = [f"'@s/p{i}@1.0.0'" for i in range(count)]
    packages = "".join(
        f"  {key}:\n    resolution: {{integrity: sha512-{i:06d}}}\n\n" for i, key in enumerate(keys)
    )
    snapshots = "".join(f"  {key}: {{}}\n\n" for key in keys)
    head = "lockfileVersion: '9.0'\n\nimporters:\n\n  .: {}\n\n"
    return f"{head}packages:\n\n{packages}snapshots:\n\n{snapshots}".encode()


def test_integrity_of_every_entry_finds_each_parts_key_lines_once() -> None:
    """A scan with thousands of findings asks every entry's integrity: past a bound, a part's key
    lines are found once instead of one search of up to a part per entry (same answers)."""
    data = _scoped_packages(3 * _pnpm_lines._SEARCHES)
    document = _pnpm_lines.read(None, pnpm._KEEP, data, heads=pnpm._strip_all_peers)
    assert document is not None
    section = document.sections["packages"]
    assert set(section._key_lines.values()) == {None}  # (keys quoted as pnpm quotes them)
    got = [section.integrity_at(i) for i in range(len(section.keys))]
    assert got == [f"sha512-{i:06d}" for i in range(len(section.keys))]
    assert section._searches == _pnpm_lines._SEARCHES
    assert all(section._key_lines.values())  # each part's key lines, found once


def test_an_ascii_file_is_not_decoded_whole() -> None:
    """The reader keeps the bytes; the text is decoded when a line index needs it."""
    graph = pnpm._read_lines(None, "pnpm-lock.yaml", _V9.encode())
    assert graph is not None
    lockfile = graph.details._line_lockfile  # type: ignore[attr-defined]
    assert lockfile._source_text is None
    assert lockfile.source_text() == _V9


@pytest.mark.property
@settings(
    max_examples=_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    which=st.sampled_from(PNPM_PATHS),
    position=st.integers(min_value=0, max_value=1 << 20),
    kind=st.integers(min_value=0, max_value=17),
    value=st.integers(min_value=-255, max_value=255),
    seed=st.integers(min_value=0, max_value=1000),
)
def test_edited_files_keep_the_same_columns(
    *, which: Path, position: int, kind: int, value: int, seed: int
) -> None:
    data = which.read_bytes()
    if kind < 12:
        damaged = _edit(data, position, kind, random.Random(seed))
    elif kind == 12:  # cut at a line end (the reader takes only files that end with one)
        damaged = data[: data.rfind(b"\n", 0, position % max(1, len(data))) + 1]
    else:
        damaged = mutate(data, position, kind - 13, value)[0]
    try:
        damaged.decode("utf-8-sig")
    except UnicodeDecodeError:
        return
    _same_columns(damaged)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "missing or invalid lockfileVersion"),
        (b"\xef\xbb\xbf", "missing or invalid lockfileVersion"),
        (b"lockfileVersion: '9.0'", "does not end with a newline"),
        (b"\xef\xbb\xbflockfileVersion: '9.0'", "does not end with a newline"),
        (b"lockfileVersion: '9.0'\n", "a lockfile header with no importers or packages"),
        (b"lockfileVersion: '9.0'\n# \xff\n", "not valid UTF-8 (byte 25)"),
    ],
)
def test_short_files_words_as_before(data: bytes, message: str) -> None:
    """The checks made before the reader (UTF-8, the last line end) on ASCII bytes or text."""
    with pytest.raises(LockfileError, match=re.escape(message)):
        parse_bytes(data, "pnpm-lock.yaml")
