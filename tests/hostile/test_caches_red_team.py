"""An attacker who controls the cache folders of a scanned machine, against decision 0097's
readers (npm ``content-v2`` blobs no index line names; yarn berry zips of other protocols):
decision 0101.

- A berry zip's package.json is the one yarn 4.18.1's ZipFS reads: each member name not
  starting with ``/`` resolved from the root (``node_modules/x/../ms/package.json`` is
  ``node_modules/ms/package.json``), the last of a path kept; a name with a NUL byte (zipfile
  cuts it there) makes the zip unknown. The reader took the first exact name: a CLEAN.
- A zip's central directory is bounded before zipfile reads it into an object per entry (3
  million entries of a 134 MiB zip: 1.1 GB and 15 s).
- Only the paths cacache reads are read in ``content-v2`` (lower-case hex of the algorithm's
  length: an upper-case copy named by its own digest was a finding npm never installs), and a
  folder there that is a symbolic link is an error, not followed out of the cache.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import struct
import tracemalloc
import warnings
import zipfile
from pathlib import Path

import pytest

from gouvernante.errors import InputError
from gouvernante.fs.digest import ArchiveLimits, zip_member, zip_members
from gouvernante.host.caches import scan_berry_cache, scan_npm_cache
from gouvernante.host.reader import Collector
from gouvernante.rules.index import build_index
from lockfiles.test_newest_tools import _ruleset

ZIP_NAME = "ms-file-0123456789-a1b2c3.zip"


def _manifest(version: str) -> bytes:
    return json.dumps({"name": "ms", "version": version}).encode()


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buf, "w") as archive:
        warnings.simplefilter("ignore")  # (a duplicate name)
        for name, body in members:
            archive.writestr(zipfile.ZipInfo(name), body)
    return buf.getvalue()


def _collector(tmp_path: Path) -> Collector:
    ruleset = _ruleset(tmp_path, [("ms", "=2.1.3")])
    return Collector(build_index(tuple(ruleset.rules)))


def _berry(tmp_path: Path, data: bytes) -> Collector:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / ZIP_NAME).write_bytes(data)
    c = _collector(tmp_path)
    scan_berry_cache(str(cache), c, "the berry cache")
    return c


@pytest.mark.parametrize(
    "other",
    [
        "node_modules/x/../ms/package.json",
        "node_modules/ms/./package.json",
        "./node_modules//ms/package.json",
    ],
)
def test_a_berry_zip_is_read_as_yarn_maps_it(tmp_path: Path, other: str) -> None:
    # yarn 4.18.1 (ZipFS: ppath.resolve of each name, registerEntry: the last one kept) reads
    # 2.1.3 at node_modules/ms/package.json
    c = _berry(
        tmp_path,
        _zip([("node_modules/ms/package.json", _manifest("2.1.2")), (other, _manifest("2.1.3"))]),
    )
    assert [f.path for f in c.findings] == [str(tmp_path / "cache" / ZIP_NAME)]


def test_a_berry_zip_member_named_with_a_nul_is_unknown(tmp_path: Path) -> None:
    data = _zip(
        [
            ("node_modules/ms/package.json", _manifest("2.1.3")),
            ("node_modules/ms/package.jsonX", _manifest("2.1.2")),
        ]
    ).replace(b"package.jsonX", b"package.json\0")
    c = _berry(tmp_path, data)
    assert c.findings == []
    [error] = c.errors
    assert "which release it holds is unknown" in error.message
    assert "2.1" not in error.message


def _central_directory_only(entries: int) -> bytes:
    """A zip of ``entries`` central-directory entries of one-byte names and no member data
    (zipfile reads the directory whole when it opens the zip)."""
    entry = struct.pack(
        "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0
    )
    directory = (entry + b"a") * entries
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, len(directory), 0, 0)
    return directory + end


def test_a_zip_of_many_entries_is_refused_before_zipfile_reads_them(tmp_path: Path) -> None:
    path = tmp_path / ZIP_NAME
    path.write_bytes(_central_directory_only(300_000))  # 14 MB: about 110 MB in zipfile
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="more than 100000 zip members"):
            zip_member(str(path), lambda names: None, 1 << 20, ArchiveLimits(), strict=True)
        with pytest.raises(InputError, match="more than 100000 zip members"):
            list(zip_members(str(path), 1 << 20, ArchiveLimits()))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 40 * 1024 * 1024


def test_a_zip_of_a_large_central_directory_is_refused(tmp_path: Path) -> None:
    path = tmp_path / ZIP_NAME
    path.write_bytes(_central_directory_only(30_000))  # 1.4 MB
    limits = ArchiveLimits(max_directory_bytes=1024 * 1024)
    with pytest.raises(InputError, match="a central directory of more than 1 MiB"):
        zip_member(str(path), "a", 1 << 20, limits, strict=True)


def test_a_zip64_directory_is_counted(tmp_path: Path) -> None:
    # more than 65,535 entries: zipfile writes a zip64 end record
    members = [(f"f{i}", b"") for i in range(66_000)]
    members.append(("node_modules/ms/package.json", _manifest("2.1.3")))
    path = tmp_path / ZIP_NAME
    path.write_bytes(_zip(members))
    with pytest.raises(InputError, match="more than 65000 zip members"):
        zip_member(str(path), "f1", 1 << 20, ArchiveLimits(max_members=65_000), strict=True)
    body = zip_member(str(path), "node_modules/ms/package.json", 1 << 20, ArchiveLimits())
    assert body == _manifest("2.1.3")


MS_TGZ = (
    Path(__file__).parents[1]
    / "host"
    / "fixtures"
    / "npm-cache-partial"
    / "cache"
    / "_cacache"
    / "content-v2"
    / "sha512"
    / "e8"
    / "59"
)


def _ms_tarball() -> bytes:
    [blob] = MS_TGZ.iterdir()  # ms 2.1.3 as npm 11.19.1 cached it (that fixture's generate.sh)
    return blob.read_bytes()


def _npm(tmp_path: Path, place: dict[str, bytes]) -> Collector:
    for rel, data in place.items():
        path = tmp_path / "npm" / "_cacache" / "content-v2" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    c = _collector(tmp_path)
    scan_npm_cache(str(tmp_path / "npm"), c)
    return c


def test_only_the_paths_cacache_reads_are_read(tmp_path: Path) -> None:
    data = _ms_tarball()
    digest = hashlib.sha512(data).hexdigest()
    rest = f"sha512/{digest[:2]}/{digest[2:4]}/"
    c = _npm(
        tmp_path,
        {
            rest + digest[4:].upper(): data,  # cacache names it by lower-case hex only
            rest + digest[4:-1]: data,
            rest + "zz" + digest[6:]: data,
            "sha256/" + digest[:2] + "/" + digest[2:4] + "/" + digest[4:]: data,
        },
    )
    assert (c.findings, c.errors, c.notes) == ([], [], [])


def test_a_linked_folder_in_content_v2_is_not_followed(tmp_path: Path) -> None:
    data = _ms_tarball()
    digest = hashlib.sha512(data).hexdigest()
    outside = tmp_path / "outside"
    (outside / digest[2:4]).mkdir(parents=True)
    (outside / digest[2:4] / digest[4:]).write_bytes(data)
    algorithm = tmp_path / "npm" / "_cacache" / "content-v2" / "sha512"
    algorithm.mkdir(parents=True)
    os.symlink(outside, algorithm / digest[:2])
    c = _collector(tmp_path)
    scan_npm_cache(str(tmp_path / "npm"), c)
    assert c.findings == []
    [error] = c.errors
    assert error.path == str(algorithm / digest[:2])
    assert "symbolic link" in error.message
