"""A yarn berry lockfile cut inside its last entry is refused (found by scripts/fuzz-lockfiles.py
--seed 1212: tests/lockfiles/newest/yarn4/tree/yarn.lock cut at byte 10296, just after the
project's own ``resolution`` line, read as a whole lockfile without react, react-dom and
scheduler, which only the lost ``dependencies`` of the project named).

yarn 2+ writes ``linkType`` in every entry and sorts it last (its ``stringifySyml`` puts
``version``, ``resolution`` and the dependency maps first, then the other fields by name), so the
last entry of a whole file ends with that line. Every cut of the lockfiles yarn wrote here, at
every line end and one byte before it, either keeps every package or is an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from gouvernante.errors import LockfileError
from gouvernante.lockfiles import parse_bytes, yarn
from gouvernante.lockfiles.package_json import with_resolutions
from gouvernante.model import LockfileGraph

HERE = Path(__file__).parent
BERRY = sorted(
    p
    for p in [*HERE.glob("fixtures/yarn/berry*/yarn.lock"), *HERE.glob("newest/yarn4/**/yarn.lock")]
    if p.stat().st_size < 64_000
)


def _pairs(data: bytes, manifest: LockfileGraph | None = None) -> set[tuple[str, str]] | None:
    """The packages read, or None when the file is refused or any entry is an error (a
    dependency only an out-of-range entry answers, which the root ``resolutions`` must name: a
    file cut between entries, as every mode reads it with the package.json beside)."""
    try:
        graph = with_resolutions(yarn.parse(data, "yarn.lock"), manifest)
    except LockfileError:
        return None
    return None if graph.entry_errors else {(p.name, p.version) for p in graph.packages}


def test_there_are_berry_files_to_cut() -> None:
    assert len(BERRY) >= 4
    assert any("newest" in str(p) for p in BERRY)


@pytest.mark.parametrize("path", BERRY, ids=[str(p.relative_to(HERE)) for p in BERRY])
def test_every_cut_at_a_line_end_keeps_everything_or_is_an_error(path: Path) -> None:
    data = path.read_bytes()
    beside = path.parent / "package.json"
    manifest = (
        parse_bytes(beside.read_bytes(), str(beside), "package.json") if beside.exists() else None
    )
    whole = _pairs(data, manifest)
    assert whole
    ends = [i + 1 for i, byte in enumerate(data) if byte == 0x0A]
    cuts = sorted({*ends, *(end - 1 for end in ends)} - {len(data), len(data) - 1})
    for cut in cuts:
        got = _pairs(data[:cut], manifest)
        assert got is None or got == whole, f"cut at byte {cut} read as a smaller lockfile"


def test_the_cut_the_fuzzer_found_names_the_last_entry() -> None:
    path = HERE / "newest/yarn4/tree/yarn.lock"
    data = path.read_bytes()
    cut = data.index(b'resolution: "newest-app@workspace:."') + len(
        b'resolution: "newest-app@workspace:."'
    )
    for damaged in (data[:cut], data[: cut + 1]):  # before and after the line's newline
        with pytest.raises(LockfileError) as info:
            yarn.parse(damaged, "p/yarn.lock")
        message = str(info.value)
        assert message.startswith("p/yarn.lock: line ")
        assert "does not end with linkType" in message
        assert "newest-app" not in message  # the file's bytes are not echoed


@pytest.mark.parametrize("last", ["linkType: hard", "linkType: soft", 'linkType: "hard"'])
def test_a_whole_small_file_still_reads(last: str) -> None:
    text = (
        "__metadata:\n  version: 8\n  cacheKey: 10c0\n\n"
        '"app@workspace:.":\n  version: 0.0.0-use.local\n  resolution: "app@workspace:."\n'
        f"  languageName: unknown\n  {last}\n"
    )
    graph = yarn.parse(text.encode(), "yarn.lock")
    assert [i.id for i in graph.importers] == ["app@workspace:."]


@pytest.mark.parametrize(
    "tail",
    [
        "  languageName: unknown\n",  # linkType cut away
        "  languageName: unknown\n  linkType: ha\n",  # cut inside the value
        "  linkType: hard\n  languageName: unknown\n",  # not last: not as yarn writes it
    ],
)
def test_a_last_entry_without_its_final_linktype_is_refused(tail: str) -> None:
    text = (
        "__metadata:\n  version: 8\n  cacheKey: 10c0\n\n"
        '"app@workspace:.":\n  version: 0.0.0-use.local\n  resolution: "app@workspace:."\n' + tail
    )
    with pytest.raises(LockfileError, match="line 5: the last entry does not end with linkType"):
        yarn.parse(text.encode(), "yarn.lock")


def test_the_yaml_fallback_applies_the_same_rule() -> None:
    head = '__metadata: {version: 6, cacheKey: 8}\n"c@workspace:.": {version: 0.0.0-use.local, '
    whole = yarn.parse((head + 'resolution: "c@workspace:.", linkType: soft}\n').encode(), "y")
    assert [i.id for i in whole.importers] == ["c@workspace:."]
    with pytest.raises(LockfileError, match="line 2: the last entry does not end with linkType"):
        yarn.parse((head + 'resolution: "c@workspace:."}\n').encode(), "y")
