"""Garbage and mutated real inputs for every reader that is not a lockfile reader: ``collect``'s
JSON reports, ``-image`` archives, ``-inventory`` databases, suppression files, rule files,
``rules import`` feeds and the rule cache. Each goes through the command line in process
(``cli.main``) and must end as a clean refusal: no traceback (``internal error``), exit 1 (or
the verdict of what was still read) and, where the marker makes the input invalid, not one byte
of the marker in any output or message (messages name the file and the position, never the
content).

The marker ``EVIL-7f3a`` is planted after a NUL byte (``\\x00EVIL-7f3a``): a NUL is invalid
anywhere in a JSON text, so the planted document is always refused, never read as data that a
report may legitimately show.
"""

from __future__ import annotations

import contextlib
import copy
import gzip
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gouvernante.cli import main
from gouvernante.image.layers import MAX_HEADER_BYTES

ROOT = Path(__file__).resolve().parents[1]
MARKER = "EVIL-7f3a"
PLANT = b"\x00" + MARKER.encode()
RUNBOOK = ROOT / "e2e" / "fixtures" / "runbook"
RULES = RUNBOOK / "rules" / "SSC-2026-005.json"
AFFECTED = RUNBOOK / "test" / "affected-lockfile.json"
REPORT = ROOT / "collect" / "fixtures" / "report-0.1.0.json"
IMAGES = ROOT / "image" / "fixtures"
FEEDS = ROOT / "rules" / "fixtures" / "importers"

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def run(*argv: str) -> tuple[int, str]:
    """``gouvernante ARGV`` in this process: the exit code and everything it printed."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    text = out.getvalue() + err.getvalue()
    assert "internal error" not in text, text[-2000:]
    assert "Traceback" not in text, text[-2000:]
    return code, text


@contextlib.contextmanager
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        yield Path(tmp)


def spliced(data: bytes, at: int, cut: int, piece: bytes = PLANT) -> bytes:
    """``piece`` written over ``data`` at ``at`` (a fraction of its length), ``cut`` bytes gone."""
    i = at % (len(data) + 1)
    return data[:i] + piece + data[i + cut :]


def leaves(doc: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path of every value of a decoded JSON document."""
    yield path
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from leaves(value, (*path, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            yield from leaves(value, (*path, i))


def replaced(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    out = copy.deepcopy(doc)
    cur = out
    for step in path[:-1]:
        cur = cur[step]
    cur[path[-1]] = value
    return out


positions = st.integers(min_value=0, max_value=1 << 20)
cuts = st.integers(min_value=0, max_value=40)


# --- collect: JSON reports -------------------------------------------------------------------

REPORT_DOC = json.loads(REPORT.read_text())
REPORT_LEAVES = [p for p in leaves(REPORT_DOC) if p]
# A value of the wrong kind where the report model wants another: an object where a scalar or
# an array is, a marker string where a number, a time or an enum value is.
WRONG = st.sampled_from([{MARKER: MARKER}, [MARKER], f"{MARKER}Z", MARKER * 3])


@pytest.mark.property
@SETTINGS
@given(at=positions, cut=cuts)
def test_collect_refuses_a_damaged_report_without_quoting_it(at: int, cut: int) -> None:
    data = spliced(REPORT.read_bytes(), at, cut)
    with folder() as tmp:
        (tmp / "r.json").write_bytes(data)
        for fmt in ("text", "json", "markdown", "html"):
            code, text = run("collect", "-format", fmt, str(tmp / "r.json"))
            assert code == 1
            assert MARKER not in text


@pytest.mark.property
@SETTINGS
@given(where=st.sampled_from(REPORT_LEAVES), value=WRONG)
def test_collect_names_a_wrong_value_by_its_path(where: tuple[Any, ...], value: Any) -> None:
    original = REPORT_DOC
    for step in where:
        original = original[step]
    if (isinstance(original, str) and isinstance(value, str)) or isinstance(original, dict):
        return  # a string for a string (shown as data), or a key added to an object
    doc = replaced(REPORT_DOC, where, value)
    with folder() as tmp:
        (tmp / "r.json").write_text(json.dumps(doc))
        code, text = run("collect", "-format", "json", str(tmp / "r.json"))
    assert MARKER not in text
    assert code == 1


# --- -image: docker save and OCI archives ----------------------------------------------------

Member = tuple[tarfile.TarInfo, bytes | None]


def members(path: Path) -> list[Member]:
    with tarfile.open(path) as tar:
        out: list[Member] = []
        for m in tar:
            f = tar.extractfile(m) if m.isreg() else None
            out.append((m, f.read() if f is not None else None))
        return out


def write_tar(path: Path, items: list[Member]) -> None:
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in items:
            info = copy.copy(info)
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)


# Names of images (RepoTags, ref.name annotations) are the image's label in findings: shown.
_LABELS = ("RepoTags", "annotations")
IMAGE_MEMBERS = {name: members(IMAGES / name) for name in ("image-docker.tar", "image-oci.tar")}


def _json_spots(items: list[Member]) -> list[tuple[int, tuple[Any, ...]]]:
    spots: list[tuple[int, tuple[Any, ...]]] = []
    for i, (_, data) in enumerate(items):
        if data is None or data[:1] not in (b"{", b"["):
            continue
        doc = json.loads(data)
        spots.extend(
            (i, p) for p in leaves(doc) if p and not any(k in _LABELS for k in p if type(k) is str)
        )
    return spots


@pytest.mark.property
@SETTINGS
@given(
    image=st.sampled_from(sorted(IMAGE_MEMBERS)),
    pick=st.integers(min_value=0, max_value=1000),
    value=st.sampled_from(
        [
            MARKER,
            f"sha256:{MARKER}",
            f"application/{MARKER}",
            f"../{MARKER}",
            f"{MARKER}/layer.tar",
            [MARKER],
            {MARKER: MARKER},
        ]
    ),
)
def test_image_manifests_with_hostile_values_are_refused_by_position(
    image: str, pick: int, value: Any
) -> None:
    items = list(IMAGE_MEMBERS[image])
    spots = _json_spots(items)
    index, where = spots[pick % len(spots)]
    info, data = items[index]
    assert data is not None
    items[index] = (info, json.dumps(replaced(json.loads(data), where, value)).encode())
    with folder() as tmp:
        write_tar(tmp / "img.tar", items)
        code, text = run(
            "-rules", str(IMAGES / "rules.json"), "-image", str(tmp / "img.tar"), "-json"
        )
    assert code in (1, 2)
    assert MARKER not in text


@pytest.mark.property
@SETTINGS
@given(
    image=st.sampled_from(sorted(IMAGE_MEMBERS)),
    pick=st.integers(min_value=0, max_value=1000),
    at=positions,
    cut=cuts,
)
def test_image_blobs_damaged_anywhere_are_refused(image: str, pick: int, at: int, cut: int) -> None:
    items = list(IMAGE_MEMBERS[image])
    files = [i for i, (info, data) in enumerate(items) if data and _read_by_the_scan(info.name)]
    index = files[pick % len(files)]
    info, data = items[index]
    assert data is not None
    items[index] = (info, spliced(data, at, cut))
    with folder() as tmp:
        write_tar(tmp / "img.tar", items)
        code, text = run(
            "-rules", str(IMAGES / "rules.json"), "-image", str(tmp / "img.tar"), "-json"
        )
    assert code == 1
    assert MARKER not in text


def _read_by_the_scan(name: str) -> bool:
    """Members an image scan reads (docker's legacy ``VERSION``, ``json`` and ``repositories``
    files and the ``oci-layout`` marker's content are not: their damage changes nothing)."""
    return name.startswith("blobs/") or ("/" not in name and name.endswith((".tar", ".json")))


def _long_header_layer(kind: bytes, size: int) -> bytes:
    """A tar whose first header declares a ``size``-byte long name (or pax header)."""
    head = tarfile.TarInfo("././@LongLink")
    head.type = kind
    head.size = size
    return head.tobuf(format=tarfile.GNU_FORMAT) + b"a" * size + b"\0" * 1024


@pytest.mark.parametrize("kind", [tarfile.GNUTYPE_LONGNAME, tarfile.XHDTYPE])
def test_an_oversized_tar_header_is_refused_not_read_into_memory(
    tmp_path: Path, kind: bytes
) -> None:
    # tarfile reads a long-name or pax header whole: a 4 GiB one in a few MB of gzip took
    # 4 GiB of memory (1 GiB measured for a 1 MB archive). Over MAX_HEADER_BYTES: refused.
    archive = tmp_path / "img.tar.gz"
    archive.write_bytes(gzip.compress(_long_header_layer(kind, MAX_HEADER_BYTES + 1)))
    code, text = run("-rules", str(IMAGES / "rules.json"), "-image", str(archive))
    assert code == 1
    assert f"a member header larger than {MAX_HEADER_BYTES} bytes" in text


def test_a_damaged_header_after_the_first_member_is_an_error(tmp_path: Path) -> None:
    # tarfile ends an archive quietly at a damaged header: every member after it was missing.
    items = list(IMAGE_MEMBERS["image-docker.tar"])
    write_tar(tmp_path / "good.tar", items)
    data = bytearray((tmp_path / "good.tar").read_bytes())
    with tarfile.open(tmp_path / "good.tar") as tar:
        second = tar.getmembers()[1].offset
    data[second + 148 : second + 156] = b"9999999\0"  # its checksum
    (tmp_path / "img.tar").write_bytes(bytes(data))
    code, text = run("-rules", str(IMAGES / "rules.json"), "-image", str(tmp_path / "img.tar"))
    assert code == 1
    assert "a damaged member header" in text


def test_an_oci_folder_is_not_read_through_a_symlinked_folder(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    shutil.copytree(IMAGES / "oci" / "blobs", outside)
    layout = tmp_path / "oci"
    layout.mkdir()
    for name in ("index.json", "oci-layout"):
        shutil.copy(IMAGES / "oci" / name, layout / name)
    (layout / "blobs").symlink_to(outside, target_is_directory=True)
    code, text = run("-rules", str(IMAGES / "rules.json"), "-image", str(layout))
    assert code == 1
    assert "outside the image folder (a symlink)" in text


# --- -inventory and inventory merge: SQLite databases -----------------------------------------

_VALUES = [MARKER, (b"\xff" + PLANT), -1, 1.5, None, 10**18]


@pytest.fixture(scope="module")
def inventory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("inv") / "inv.db"
    code, _ = run("inventory", "add", "-db", str(db), "-dir", str(RUNBOOK / "project"))
    assert code == 0
    return db


def _columns(db: Path) -> list[tuple[str, str]]:
    con = sqlite3.connect(db)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return [(t, r[1]) for t in tables for r in con.execute(f"PRAGMA table_info({t})")]
    finally:
        con.close()


@pytest.mark.property
@settings(SETTINGS, suppress_health_check=list(HealthCheck))
@given(
    picks=st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=3),
    value=st.sampled_from(_VALUES),
)
def test_a_damaged_inventory_is_an_error_never_a_traceback(
    inventory: Path, picks: list[int], value: object
) -> None:
    columns = _columns(inventory)
    with folder() as tmp:
        db = tmp / "i.db"
        shutil.copy(inventory, db)
        con = sqlite3.connect(db)
        try:
            for pick in picks:
                table, column = columns[pick % len(columns)]
                with contextlib.suppress(sqlite3.Error):
                    con.execute(f"UPDATE {table} SET {column} = ?", (value,))
            con.commit()
        finally:
            con.close()
        code, _ = run("-rules", str(RULES), "-inventory", str(db), "-json")
        assert code in (0, 1, 2)
        code, _ = run("inventory", "merge", "-db", str(tmp / "merged.db"), str(db))
        assert code in (0, 1)


def test_a_stored_time_of_the_wrong_type_names_the_inventory(
    inventory: Path, tmp_path: Path
) -> None:
    db = tmp_path / "i.db"
    shutil.copy(inventory, db)
    con = sqlite3.connect(db)
    con.execute("UPDATE repositories SET last_read_at = ?", (MARKER,))
    con.commit()
    con.close()
    code, text = run("-rules", str(RULES), "-inventory", str(db))
    assert code == 1
    assert f"{db}: damaged inventory: a stored value of the wrong type" in text
    assert MARKER not in text


def test_a_schema_version_that_is_not_a_number_is_refused(inventory: Path, tmp_path: Path) -> None:
    db = tmp_path / "i.db"
    shutil.copy(inventory, db)
    con = sqlite3.connect(db)
    con.execute("UPDATE schema_info SET version = ?", (MARKER,))
    con.commit()
    con.close()
    code, text = run("-rules", str(RULES), "-inventory", str(db))
    assert code == 1
    assert "not an inventory database (schema_info.version)" in text
    assert MARKER not in text


# --- suppression files ------------------------------------------------------------------------

IGNORE_DOC = {
    "version": 1,
    "suppressions": [
        {
            "rule_id": "SSC-2026-005",
            "package": "example-utils",
            "version": "2.3.1",
            "path": "**/affected-lockfile.json",
            "sha256": "a" * 64,
            "reason": "triaged",
            "expires": "2099-01-01",
        }
    ],
}
IGNORE_LEAVES = [p for p in leaves(IGNORE_DOC) if p]


@pytest.mark.property
@SETTINGS
@given(
    at=positions,
    cut=cuts,
    piece=st.sampled_from([PLANT, b"9" * 5000, b"[" * 100_000, b"1e999" + PLANT]),
)
def test_a_damaged_suppression_file_is_refused_without_quoting_it(
    at: int, cut: int, piece: bytes
) -> None:
    data = spliced(json.dumps(IGNORE_DOC, indent=1).encode(), at, cut, piece)
    with folder() as tmp:
        (tmp / "ignore.json").write_bytes(data)
        code, text = run(
            "-rules", str(RULES), "-lockfile", str(AFFECTED), "-ignore", str(tmp / "ignore.json")
        )
    assert code in (1, 2)
    assert MARKER not in text


@pytest.mark.property
@SETTINGS
@given(
    where=st.sampled_from(IGNORE_LEAVES),
    value=st.sampled_from([[MARKER], 10**40, {"x": MARKER}]),
)
def test_a_suppression_of_the_wrong_shape_names_its_path(
    where: tuple[Any, ...], value: Any
) -> None:
    with folder() as tmp:
        (tmp / "ignore.json").write_text(json.dumps(replaced(IGNORE_DOC, where, value)))
        code, text = run(
            "-rules", str(RULES), "-lockfile", str(AFFECTED), "-ignore", str(tmp / "ignore.json")
        )
    assert code == 1
    assert MARKER not in text


def test_a_huge_integer_in_a_suppression_file_is_an_error(tmp_path: Path) -> None:
    # json.loads raises ValueError (not JSONDecodeError) past 4300 digits: was an internal error.
    (tmp_path / "ignore.json").write_text('{"version": ' + "9" * 5000 + "}")
    code, text = run(
        "-rules", str(RULES), "-lockfile", str(AFFECTED), "-ignore", str(tmp_path / "ignore.json")
    )
    assert code == 1
    assert "invalid JSON: a value is out of range" in text


# --- rule files and rules import --------------------------------------------------------------

RULE_FILES = sorted((ROOT / "rules" / "fixtures" / "valid").glob("*.json"))
OSV_FILES = sorted((FEEDS / "osv").rglob("*.json"))
CSV_FILES = sorted((FEEDS / "csv").glob("*.csv"))


@pytest.mark.property
@SETTINGS
@given(rule=st.sampled_from(RULE_FILES), at=positions, cut=cuts)
def test_a_damaged_rule_file_is_refused_by_position(rule: Path, at: int, cut: int) -> None:
    with folder() as tmp:
        (tmp / "r.json").write_bytes(spliced(rule.read_bytes(), at, cut))
        for argv in (
            ("rules", "validate", str(tmp / "r.json")),
            ("-rules", str(tmp / "r.json"), "-lockfile", str(AFFECTED)),
        ):
            code, text = run(*argv)
            assert code == 1
            assert MARKER not in text


@pytest.mark.property
@SETTINGS
@given(feed=st.sampled_from(OSV_FILES), at=positions, cut=cuts)
def test_a_damaged_osv_record_is_refused_without_quoting_it(feed: Path, at: int, cut: int) -> None:
    with folder() as tmp:
        source = tmp / "record.json"
        source.write_bytes(spliced(feed.read_bytes(), at, cut))
        code, text = run("rules", "import", "osv", str(source), "-o", str(tmp / "out"))
    assert code == 1
    assert MARKER not in text


@pytest.mark.property
@SETTINGS
@given(
    feed=st.sampled_from(CSV_FILES),
    at=positions,
    cut=cuts,
    piece=st.sampled_from([PLANT, b'"' + PLANT, b"\n" * 3, MARKER.encode() * 100_000]),
)
def test_a_damaged_csv_feed_is_read_or_refused_in_bounded_messages(
    feed: Path, at: int, cut: int, piece: bytes
) -> None:
    # A CSV cell is data (Python 3.11's csv reads NUL bytes): a warning may name a skipped
    # value, escaped and capped; the only refusal (csv.Error) names the line.
    with folder() as tmp:
        source = tmp / "feed.csv"
        source.write_bytes(spliced(feed.read_bytes(), at, cut, piece))
        code, text = run("rules", "import", "csv", str(source), "-o", str(tmp / "out"))
    assert code in (0, 1)
    assert max(map(len, text.splitlines()), default=0) < 1000


@pytest.mark.property
@SETTINGS
@given(
    feed=st.sampled_from(OSV_FILES),
    name=st.sampled_from([f"{MARKER}.json", f"a/{MARKER}\x1b[2J.json", "x.json"]),
    at=positions,
    byte=st.integers(min_value=0, max_value=255),
)
def test_a_damaged_zip_of_records_is_refused_by_kind(
    feed: Path, name: str, at: int, byte: int
) -> None:
    with folder() as tmp:
        archive = tmp / "records.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(name, spliced(feed.read_bytes(), at, 0))
        data = bytearray(archive.read_bytes())
        data[at % len(data)] = byte
        archive.write_bytes(bytes(data))
        code, text = run("rules", "import", "osv", str(archive), "-o", str(tmp / "out"))
    assert code in (0, 1)
    # A member's name may locate a problem, escaped (no terminal escape gets through)...
    assert "\x1b" not in text
    # ... but zipfile's own wording (which quotes names) never shows.
    assert "Bad CRC-32 for file" not in text
    assert "File name in directory" not in text


def test_csv_feed_warnings_are_capped(tmp_path: Path) -> None:
    feed = tmp_path / "f.csv"
    feed.write_text("package_name,package_version\nleft-pad," + "x" * 1_000_000 + "\n")
    code, text = run("rules", "import", "csv", str(feed), "-o", str(tmp_path / "out"))
    assert code in (0, 1)
    assert max(len(line) for line in text.splitlines()) < 400


# --- the rule cache ---------------------------------------------------------------------------


def _findings(text: str) -> list[tuple[str, str]]:
    report = json.loads(text[text.index("{") :])
    return sorted((f["rule_id"], f["package"]) for f in report["findings"])


@pytest.mark.property
@SETTINGS
@given(at=positions, cut=cuts, byte=st.integers(min_value=0, max_value=255))
def test_a_tampered_rule_cache_entry_is_a_miss(at: int, cut: int, byte: int) -> None:
    argv = ("-rules", str(RULES), "-lockfile", str(AFFECTED), "-json")
    with folder() as tmp, mock.patch.dict(os.environ, {"GOUVERNANTE_RULE_CACHE": str(tmp / "c")}):
        code, first = run(*argv)
        assert code == 2
        (entry,) = (tmp / "c" / "rules").iterdir()
        entry.write_bytes(spliced(entry.read_bytes(), at, cut, bytes([byte]) + PLANT))
        code, again = run(*argv)
    assert code == 2
    assert _findings(again) == _findings(first)
    assert MARKER not in again


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs")
@pytest.mark.parametrize("planted", ["fifo", "device"])
def test_a_fifo_or_device_in_the_rule_cache_is_a_miss(tmp_path: Path, planted: str) -> None:
    # open() + read() of the entry blocked forever on a FIFO, and filled the memory from
    # /dev/zero.
    argv = ("-rules", str(RULES), "-lockfile", str(AFFECTED), "-json")
    with mock.patch.dict(os.environ, {"GOUVERNANTE_RULE_CACHE": str(tmp_path / "c")}):
        code, first = run(*argv)
        (entry,) = (tmp_path / "c" / "rules").iterdir()
        entry.unlink()
        if planted == "fifo":
            os.mkfifo(entry)
        else:
            entry.symlink_to("/dev/zero")
        code, again = run(*argv)
    assert code == 2
    assert _findings(again) == _findings(first)
