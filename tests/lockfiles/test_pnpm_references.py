"""pnpm: every dependency reference of a snapshot (9.0) or package (5.x, 6.x) entry must be
answered by an entry, as pnpm itself requires ("Broken lockfile: no entry for ..."): a cut,
edited or badly merged file may have lost the entry of the very package a rule names, which
would otherwise read CLEAN (decision 0029). Checked in both readers: the line reader (a set
difference over the distinct dependency lines) and the full loader (entry by entry); a file
with CRLF line ends is read by the latter.

The lockfiles are the repository's pnpm fixtures and the realworld copies (tests/realworld)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gouvernante.errors import LockfileError
from gouvernante.lockfiles import pnpm

ROOT = Path(__file__).resolve().parents[1]
LOCKFILES = sorted(
    [
        *(ROOT / "lockfiles" / "fixtures" / "pnpm").glob("*/pnpm-lock.yaml"),
        *(ROOT / "realworld" / "data").glob("pnpm*/tree/pnpm-lock.yaml"),
    ]
)
_ENTRY_LINE = re.compile(r"^  (?! )('?)(.+?)\1:(?: \{\})?$")


def _ids(path: Path) -> str:
    return path.parent.name if path.parent.name != "tree" else path.parent.parent.name


def _errors(data: bytes) -> tuple[str, ...] | str:
    try:
        return tuple(pnpm.parse(data, "pnpm-lock.yaml").entry_errors)
    except LockfileError as exc:
        return f"refused: {exc}"


def _without_entries(text: str, keys: set[str]) -> str:
    """``text`` without the ``packages``/``snapshots`` entries whose key is in ``keys``."""
    out: list[str] = []
    skipping = False
    section = ""
    for line in text.split("\n"):
        if line and not line.startswith(" "):
            section = line
            skipping = False
        elif section in ("packages:", "snapshots:"):
            found = _ENTRY_LINE.match(line)
            if found is not None:
                skipping = found.group(2) in keys
        if not skipping:
            out.append(line)
    return "\n".join(out)


def _referenced_keys(data: bytes) -> list[str]:
    """Entry keys some entry depends on (not through a link), in a fixed order."""
    graph = pnpm.parse(data, "pnpm-lock.yaml")
    edges = graph.details.edges()
    importers = {i.id for i in graph.importers}
    targets = {
        child
        for node, children in edges.items()
        if node not in importers
        for child in children
        if not child.startswith(("importer:", "link:"))
    }
    return sorted(targets)


@pytest.mark.parametrize("path", LOCKFILES, ids=_ids)
@pytest.mark.parametrize("crlf", [False, True], ids=["lines", "full-loader"])
def test_real_lockfiles_have_every_reference_answered(path: Path, crlf: bool) -> None:
    data = path.read_bytes()
    if crlf:
        data = data.replace(b"\n", b"\r\n")
    assert _errors(data) == ()


@pytest.mark.parametrize("path", LOCKFILES, ids=_ids)
def test_a_dropped_entry_is_an_error(path: Path) -> None:
    data = path.read_bytes()
    text = data.decode("utf-8-sig")
    targets = _referenced_keys(data)
    assert targets
    step = max(1, len(targets) // 6)
    for key in targets[::step]:
        drop = {key, pnpm._strip_peers(key)} if key.endswith(")") else {key}
        cut = _without_entries(text, drop)
        assert cut != text, key
        for variant in (cut, cut.replace("\n", "\r\n")):
            errors = _errors(variant.encode())
            assert errors, key
            if not isinstance(errors, str):
                assert any("no entry answers this dependency" in e for e in errors), errors


_V9 = """lockfileVersion: '9.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

importers:

  .:
    dependencies:
      ok:
        specifier: ^1.0.0
        version: 1.0.0

packages:

  ok@1.0.0:
    resolution: {integrity: sha512-AAAA}

  real@2.0.0:
    resolution: {integrity: sha512-CCCC}

snapshots:

  ok@1.0.0:
    dependencies:
      DEP

  real@2.0.0: {}
"""


@pytest.mark.parametrize(
    "dep",
    [
        "evil: 1.0.1",
        "'@scope/evil': 1.0.1",
        "evil: 1.0.1(real@2.0.0)",
        "alias: evil@1.0.1",  # an alias: the key is the reference
        "alias: '@scope/evil@1.0.1'",
        "alias: npm:evil@1.0.1",
        "real: 2.0.1",  # the name has an entry, not this version
        "evil: null",
        "evil: ''",
    ],
)
@pytest.mark.parametrize("crlf", [False, True], ids=["lines", "full-loader"])
def test_unanswered_reference_forms(dep: str, crlf: bool) -> None:
    text = _V9.replace("DEP", dep)
    if crlf:
        text = text.replace("\n", "\r\n")
    errors = _errors(text.encode())
    assert isinstance(errors, tuple) and len(errors) == 1, errors
    assert errors[0].startswith("snapshots['ok@1.0.0'].dependencies"), errors


@pytest.mark.parametrize(
    "dep",
    [
        "real: 2.0.0",
        "'real': '2.0.0'",
        "alias: real@2.0.0",
        "alias: npm:real@2.0.0",
        "linked: link:../elsewhere",
    ],
)
@pytest.mark.parametrize("crlf", [False, True], ids=["lines", "full-loader"])
def test_answered_reference_forms(dep: str, crlf: bool) -> None:
    text = _V9.replace("DEP", dep)
    if crlf:
        text = text.replace("\n", "\r\n")
    assert _errors(text.encode()) == ()


def test_entry_read_by_the_subset_loader_is_checked_too() -> None:
    """A flow-style map is not in the line reader's dependency lines: its entry is read by
    ``load_fast`` and checked one by one."""
    text = _V9.replace("    dependencies:\n      DEP", "    dependencies: {evil: 1.0.1}")
    assert pnpm._read_lines(text, "pnpm-lock.yaml", text.encode()) is not None
    errors = _errors(text.encode())
    assert isinstance(errors, tuple) and len(errors) == 1, errors


_V6 = """lockfileVersion: '6.0'

dependencies:
  ok:
    specifier: ^1.0.0
    version: 1.0.0

packages:

  /ok@1.0.0:
    resolution: {integrity: sha512-AAAA}
    dependencies:
      DEP
    dev: false

  /real@2.0.0:
    resolution: {integrity: sha512-CCCC}
    dev: false
"""


@pytest.mark.parametrize(
    ("dep", "answered"),
    [
        ("real: 2.0.0", True),
        ("alias: /real@2.0.0", True),
        ("real: 2.0.0(peer@1.0.0)", False),
        ("evil: 1.0.1", False),
        ("alias: /evil@1.0.1", False),
        ("evil: 1.0.1(@types/node@20.0.0)", False),
    ],
)
@pytest.mark.parametrize("crlf", [False, True], ids=["lines", "full-loader"])
def test_v6_reference_forms(dep: str, answered: bool, crlf: bool) -> None:
    text = _V6.replace("DEP", dep)
    if crlf:
        text = text.replace("\n", "\r\n")
    errors = _errors(text.encode())
    assert errors == () if answered else (isinstance(errors, tuple) and len(errors) == 1)


def test_a_name_given_twice_still_has_its_first_reference_checked() -> None:
    """``load_fast`` keeps a repeated name's last value (pnpm refuses the file): the line of
    its first one, pointing at no entry, is still an error."""
    text = _V9.replace("DEP", "evil: 1.0.1\n      evil: 2.0.0").replace(
        "  real@2.0.0: {}", "  real@2.0.0: {}\n\n  evil@2.0.0: {}"
    )
    errors = _errors(text.encode())
    assert isinstance(errors, tuple) and len(errors) == 1, errors
    assert "names a dependency twice" in errors[0]


@pytest.mark.parametrize(
    ("section", "field"),
    [
        ("snapshots", "    dependencies:\n      evil: 1.0.1\n"),
        ("snapshots", "    optionalDependencies:\n      evil: 1.0.1\n"),
        ("packages", "    resolution: {integrity: sha512-BBBB}\n"),
    ],
    ids=["dependencies", "optionalDependencies", "resolution"],
)
@pytest.mark.parametrize("crlf", [False, True], ids=["lines", "full-loader"])
def test_a_field_given_twice_in_an_entry_is_refused(section: str, field: str, crlf: bool) -> None:
    """pnpm (js-yaml) refuses a key given twice; read last-wins, a first ``dependencies``
    would hide its references from the check above."""
    text = _V9.replace("DEP", "real: 2.0.0")
    entry = f"{section}:\n\n  ok@1.0.0:\n"
    assert text.count(entry) == 1
    second = field.replace("evil: 1.0.1", "real: 2.0.0").replace("BBBB", "AAAA")
    text = text.replace(entry, entry + field + second)
    if crlf:
        text = text.replace("\n", "\r\n")
    assert isinstance(_errors(text.encode()), str)


def test_a_file_cut_among_the_snapshots_lists_some_errors_and_counts_the_rest() -> None:
    entries = "".join(f"  dep{i}@1.0.0: {{}}\n\n" for i in range(200))
    deps = "\n".join(f"      dep{i}: 1.0.0" for i in range(200))
    text = _V9.replace("DEP", deps.lstrip()).replace("  real@2.0.0: {}\n", entries[:-1])
    assert _errors(text.encode()) == ()
    cut = text[: text.index("  dep60@1.0.0")]  # (as a cut file: every later entry gone)
    for variant in (cut, cut.replace("\n", "\r\n")):
        errors = _errors(variant.encode())
        assert isinstance(errors, tuple) and len(errors) == 51, errors
        assert errors[-1] == "snapshots: 90 more dependencies no entry answers (not listed)"
