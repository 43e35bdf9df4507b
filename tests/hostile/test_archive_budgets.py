"""What archives may cost a whole scan, not only one file (decision 0094).

Each archive was bounded alone (a gzip tarball: 1 GiB uncompressed, about 1.4 s), so a project
naming many distinct small bombs cost that many times over (20 bombs of 1 MB: 60 s with
``-dir``). Now a gzip tarball, like a zip, gives at most ``ArchiveLimits.max_ratio`` (200) times
its size once past ``ratio_floor`` (1 MiB), and the ``file:`` tarballs one process reads share
``lockfiles.TARBALL_SCAN_BYTES``: past either, the tarball is refused (the entry stays unnamed:
an error naming the lockfile's line when a rule names its version), never read in part.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from gouvernante import lockfiles as readers
from gouvernante.errors import InputError
from gouvernante.fs.digest import (
    ArchiveLimits,
    UnpackBudget,
    tar_members,
    tarball_manifest,
    zip_members,
)
from gouvernante.image import layers
from gouvernante.image.scan import scan_images
from gouvernante.pipeline import ScanRequest, run_scan
from gouvernante.rules.index import build_index
from helpers import tar_bytes
from hostile.test_tarball_members import scan_unindexed_cache
from lockfiles.test_newest_tools import _ruleset

MiB = 1024 * 1024


def _tgz(name: str, filler: bytes) -> bytes:
    """A packed package naming ``name`` 1.0.3, with ``filler`` as a second member."""
    manifest = json.dumps({"name": name, "version": "1.0.3"}).encode()
    buf = io.BytesIO()
    with (
        gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as raw,
        tarfile.open(fileobj=raw, mode="w|", format=tarfile.GNU_FORMAT) as archive,
    ):
        for member, body in (("package/package.json", manifest), ("package/data.bin", filler)):
            info = tarfile.TarInfo(member)
            info.size = len(body)
            archive.addfile(info, io.BytesIO(body))
    return buf.getvalue()


def _bomb(name: str = "escape-html") -> bytes:
    """2 MiB of zeros in about 2 KB: past the 1 MiB floor, 1,000 times its size."""
    return _tgz(name, bytes(2 * MiB))


def _yarn1_tree(tmp_path: Path, tarballs: dict[str, bytes]) -> Path:
    tree = tmp_path / "tree"
    tree.mkdir()
    lock = ["# yarn lockfile v1", ""]
    for alias, data in tarballs.items():
        (tree / f"{alias}.tgz").write_bytes(data)
        spec = f"file:./{alias}.tgz"
        lock += [f'"{alias}@{spec}":', '  version "1.0.3"', f'  resolved "{spec}"', ""]
    deps = {alias: f"file:./{alias}.tgz" for alias in tarballs}
    (tree / "package.json").write_text(json.dumps({"name": "p", "dependencies": deps}))
    (tree / "yarn.lock").write_text("\n".join(lock))
    return tree


def test_a_gzip_far_beyond_its_size_is_refused() -> None:
    data = _bomb()
    assert len(data) < 10_000
    with pytest.raises(InputError) as caught:
        tarball_manifest("t.tgz", MiB, ArchiveLimits(), data)
    assert caught.value.detail == (
        f"refused: more than 200 times its {len(data)} bytes uncompressed (a gzip or zip bomb?)"
    )


def test_real_ratios_are_read() -> None:
    # the floor: a small package of any ratio; past it, 200 times (real npm tarballs: 21 at most)
    assert tarball_manifest("t.tgz", MiB, ArchiveLimits(), _tgz("x", bytes(MiB // 2)))
    # 6 MiB of JSON repeating every 97 lines: 8 times the highest ratio measured
    text = b"".join(b'{"id": %d, "name": "entry %d"},\n' % (i % 97, i % 97) for i in range(200_000))
    data = _tgz("x", text)
    assert 150 * len(data) < len(text) < 200 * len(data)
    assert json.loads(tarball_manifest("t.tgz", MiB, ArchiveLimits(), data))["name"] == "x"


def test_a_zip_declaring_far_beyond_its_size_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "b.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("node_modules/b/index.js", bytes(2 * MiB))
    with pytest.raises(InputError) as caught:
        list(zip_members(str(path), 16 * MiB, ArchiveLimits()))
    assert "more than 200 times its" in caught.value.detail
    assert caught.value.detail.endswith(": its declared sizes")


def test_the_dir_scan_says_which_entry_it_could_not_read(tmp_path: Path) -> None:
    tree = _yarn1_tree(tmp_path, {"local-escape": _bomb()})
    ruleset = _ruleset(tmp_path, [("escape-html", "=1.0.3")])
    result = run_scan(ScanRequest(directory=str(tree), workers=1), ruleset)
    assert list(result.findings) == []
    [error] = result.errors
    assert error.path == "yarn.lock"
    assert error.message.startswith("line 3: local-escape is locked from a local tarball")


def test_the_npm_cache_with_no_index_names_the_bomb(tmp_path: Path) -> None:
    blob, c = scan_unindexed_cache(tmp_path, _bomb())
    assert c.findings == []
    [error] = c.errors
    assert error.path == str(blob)
    assert "times its" in error.message


def test_a_budget_is_shared_and_spent() -> None:
    budget = UnpackBudget(3 * MiB)
    plain = [_tgz(f"p{i}", os.urandom(MiB)) for i in range(4)]
    for data in plain[:2]:
        assert list(tar_members("t.tgz", MiB, ArchiveLimits(), None, data, budget=budget))
    assert 0 < budget.left < MiB
    with pytest.raises(InputError) as caught:
        list(tar_members("t.tgz", MiB, ArchiveLimits(), None, plain[2], budget=budget))
    assert caught.value.detail.startswith("refused: the scan's budget of 3 MiB uncompressed")
    assert budget.left == 0


def test_the_tarballs_of_a_scan_share_one_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 5 distinct tarballs of 1 MiB each (random: no ratio limit applies), 3 MiB for the scan:
    # 2 read and named, then 3 refused, each an error naming its line, never a CLEAN
    monkeypatch.setattr(readers, "TARBALL_SCAN_BYTES", 3 * MiB)
    monkeypatch.setattr(readers, "_TARBALL_BUDGET", [])
    monkeypatch.setattr(readers, "_TARBALL_RELEASES", {})
    tarballs = {f"e{i}": _tgz("escape-html", os.urandom(MiB)) for i in range(5)}
    tree = _yarn1_tree(tmp_path, tarballs)
    ruleset = _ruleset(tmp_path, [("escape-html", "=1.0.3")])
    result = run_scan(ScanRequest(directory=str(tree), workers=1), ruleset)
    assert [(f.package, f.version) for f in result.findings] == [("escape-html", "1.0.3")]
    lines = sorted(e.message.split(":")[0] for e in result.errors)
    assert lines == ["line 11", "line 15", "line 19"]
    assert all(e.path == "yarn.lock" for e in result.errors)


def _docker_archive(path: Path, tags: int, layer: bytes) -> Path:
    """A docker save archive of ``tags`` images, all with the one (gzip) ``layer``."""
    diff_id = "sha256:" + hashlib.sha256(gzip.decompress(layer)).hexdigest()
    config = json.dumps({"rootfs": {"type": "layers", "diff_ids": [diff_id]}}).encode()
    manifest = [
        {"Config": "config.json", "RepoTags": [f"t:{i}"], "Layers": ["l/layer.tar"]}
        for i in range(tags)
    ]
    files = {"manifest.json": json.dumps(manifest).encode(), "config.json": config}
    files["l/layer.tar"] = layer
    path.write_bytes(tar_bytes(files))
    return path


def test_images_sharing_small_layers_share_one_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # one layer of 2.5 MiB of zeros (3 KB gzip) named by 3 images: each is read in full, each
    # under the image's bound (3 MiB here, 16 GiB really: 33 s of zeros a time); together they
    # may decompress to the bound or 200 times the archive, whichever is more
    monkeypatch.setattr(layers, "MAX_TOTAL_BYTES", 3 * MiB)
    layer = gzip.compress(tar_bytes({"zeros": bytes(5 * MiB // 2)}))
    archive = _docker_archive(tmp_path / "img.tar", 3, layer)
    assert 200 * archive.stat().st_size < 3 * MiB
    out = scan_images([str(archive)], build_index(()))
    assert [s.split(" (")[0] for s in out.scanned] == [f"{archive}:t:0"]
    assert [e.path for e in out.errors] == [f"{archive}:t:1", f"{archive}:t:2"]
    assert all(f"decompress to more than {3 * MiB} bytes together" in e.message for e in out.errors)
