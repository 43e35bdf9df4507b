"""A packed package whose manifest member the tools read differently (decision 0092).

yarn 1.22.22 (tar-fs: the first path component dropped as written, then joined from the root),
yarn 4.18.1 (the path normalised first) and npm (node-tar, as yarn 1) do not agree on which
member of a tarball is its root ``package.json`` when the archive holds more than one
candidate: ``./package/package.json``, ``/package/package.json`` and ``package/x/../package.json``
are the root manifest for one tool and a nested file for another; a hard or symbolic link at
``package/package.json`` is extracted by yarn 1. ``fixtures/tarball-members/check-tools.sh``
builds these tarballs and prints what each yarn installed (its table is in decision 0092).
Such a tarball is refused (the entry stays unnamed: an error when a rule names its version),
never read as the benign member.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest

from gouvernante.errors import InputError
from gouvernante.fs import digest
from gouvernante.fs.digest import ArchiveLimits, tarball_manifest
from gouvernante.host.caches import scan_npm_cache
from gouvernante.host.reader import Collector
from gouvernante.inventory import evaluate as inventory_evaluate
from gouvernante.inventory import record
from gouvernante.lockfiles import tarball_release
from gouvernante.pipeline import ScanRequest, run_scan
from gouvernante.rules.index import build_index
from lockfiles.test_newest_tools import _ruleset

NEWEST = Path(__file__).parents[1] / "lockfiles" / "newest"
EVIL = json.dumps({"name": "escape-html", "version": "1.0.3"}).encode()
BENIGN = json.dumps({"name": "benign-html", "version": "1.0.3"}).encode()

Member = tuple[str, bytes, bytes]  # name, type, body (a link's target for a link)


def _tgz(members: list[Member], pax: dict[str, str] | None = None) -> bytes:
    buf = io.BytesIO()
    fmt = tarfile.PAX_FORMAT if pax is not None else tarfile.GNU_FORMAT
    with (
        gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as raw,
        tarfile.open(fileobj=raw, mode="w|", format=fmt, pax_headers=pax) as archive,
    ):
        for name, kind, body in members:
            info = tarfile.TarInfo(name)
            info.type = kind
            if kind in (tarfile.LNKTYPE, tarfile.SYMTYPE):
                info.linkname = body.decode()
                archive.addfile(info)
            else:
                info.size = len(body)
                archive.addfile(info, io.BytesIO(body))
    return buf.getvalue()


REG, LNK, SYM, CONT = tarfile.REGTYPE, tarfile.LNKTYPE, tarfile.SYMTYPE, tarfile.CONTTYPE
# each: the members, in order; yarn 1 installed escape-html (the first member) in all of them
AMBIGUOUS: dict[str, list[Member]] = {
    "dot-slash after": [
        ("package/package.json", REG, EVIL),
        ("./package/package.json", REG, BENIGN),
    ],
    "absolute after": [("package/package.json", REG, EVIL), ("/package/package.json", REG, BENIGN)],
    "dot-dot after": [
        ("package/package.json", REG, BENIGN),
        ("package/x/../package.json", REG, EVIL),
    ],
    "hard link over it": [
        ("package/evil.json", REG, EVIL),
        ("package/package.json", REG, BENIGN),
        ("package/package.json", LNK, b"package/evil.json"),
    ],
    "symbolic link over it": [
        ("package/evil.json", REG, EVIL),
        ("package/package.json", REG, BENIGN),
        ("package/package.json", SYM, b"evil.json"),
    ],
    # yarn 4 skips a contiguous file (benign-html installed), tarfile reads it as regular
    "contiguous file after": [
        ("package/package.json", REG, BENIGN),
        ("package/package.json", CONT, EVIL),
    ],
}


@pytest.mark.parametrize("case", sorted(AMBIGUOUS))
def test_a_manifest_the_tools_read_differently_is_refused(case: str) -> None:
    data = _tgz(AMBIGUOUS[case])
    with pytest.raises(InputError) as caught:
        tarball_manifest("t.tgz", 1 << 20, ArchiveLimits(), data)
    assert "package.json" not in caught.value.detail.replace("its package.json", "")
    assert tarball_release("t.tgz", data) is None


def test_a_global_pax_path_is_refused() -> None:
    # tarfile applies a global header's path to the next member that has its own pax header,
    # tar-stream (yarn 1) and yarn 4 ignore it: the member is package.json for one only
    data = _tgz(
        [("package/a.json", REG, BENIGN), ("package/package.json", REG, EVIL)],
        pax={"path": "package/package.json"},
    )
    with pytest.raises(InputError):
        tarball_manifest("t.tgz", 1 << 20, ArchiveLimits(), data)


@pytest.mark.parametrize(
    "members",
    [
        [("package/package.json", REG, EVIL)],
        [("package/package.json", REG, EVIL), ("package//package.json", REG, EVIL)],
        [("package/package.json", REG, EVIL), ("package/node_modules/a/package.json", REG, BENIGN)],
        [("package/PACKAGE.JSON", REG, BENIGN), ("package/package.json", REG, EVIL)],
    ],
    ids=["one", "the same bytes twice", "a bundled dependency's", "another case"],
)
def test_one_reading_is_read(members: list[Member]) -> None:
    assert tarball_release("t.tgz", _tgz(members)) == ("escape-html", "1.0.3")


def _yarn1_tree(tmp_path: Path, tarball: bytes) -> Path:
    tree = tmp_path / "tree"
    shutil.copytree(NEWEST / "yarn1" / "tree", tree)
    (tree / "vendor" / "escape-html-1.0.3.tgz").write_bytes(tarball)
    return tree


def test_the_dir_scan_is_no_clean(tmp_path: Path) -> None:
    tree = _yarn1_tree(tmp_path, _tgz(AMBIGUOUS["dot-slash after"]))
    ruleset = _ruleset(tmp_path, [("escape-html", "=1.0.3")])
    result = run_scan(ScanRequest(directory=str(tree), workers=1), ruleset)
    assert list(result.findings) == []
    [error] = [e for e in result.errors if e.path == "yarn.lock"]
    assert "local-escape is locked from a local tarball" in error.message


def scan_unindexed_cache(tmp_path: Path, data: bytes) -> tuple[Path, Collector]:
    """An npm cache at ``tmp_path`` holding the tarball ``data`` in content-v2 and no index,
    scanned with a rule naming escape-html 1.0.3: its blob and what the scan collected."""
    digest = hashlib.sha512(data).hexdigest()
    blob = tmp_path / "_cacache" / "content-v2" / "sha512" / digest[:2] / digest[2:4] / digest[4:]
    blob.parent.mkdir(parents=True)
    blob.write_bytes(data)
    ruleset = _ruleset(tmp_path, [("escape-html", "=1.0.3")])
    c = Collector(build_index(tuple(ruleset.rules)))
    scan_npm_cache(str(tmp_path), c)
    return blob, c


def test_the_npm_cache_with_no_index_is_no_clean(tmp_path: Path) -> None:
    # npm 11.19.1's pacote installs the second (node-tar drops the first component as written:
    # `/package.json`, then made relative); the reader took `package/package.json` only
    data = _tgz([("package/package.json", REG, BENIGN), ("package//package.json", REG, EVIL)])
    _blob, c = scan_unindexed_cache(tmp_path, data)
    assert c.findings == []
    [error] = c.errors
    assert "a tarball of an npm cache with no index" in error.message


def _aliases_tree(tmp_path: Path, count: int) -> Path:
    """A yarn 1 project naming one tarball (escape-html 1.0.3) under ``count`` aliases."""
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "e.tgz").write_bytes(_tgz([("package/package.json", REG, EVIL)]))
    names = [f"a{i}" for i in range(count)]
    manifest = {
        "name": "p",
        "version": "1.0.0",
        "dependencies": dict.fromkeys(names, "file:./e.tgz"),
    }
    (tree / "package.json").write_text(json.dumps(manifest))
    lock = ["# yarn lockfile v1", ""]
    for name in names:
        lock += [f'"{name}@file:./e.tgz":', '  version "1.0.3"', '  resolved "file:./e.tgz"', ""]
    (tree / "yarn.lock").write_text("\n".join(lock))
    return tree


def test_a_tarball_named_by_many_entries_is_read_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a 1 MiB gzip of 1 GiB costs 1.4 s a read: 20 aliases of one took 28.7 s with -dir
    calls: list[str] = []
    real = digest.root_manifest

    def counted(path: str, *args: object, **kwargs: object) -> bytes | None:
        calls.append(path)
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(digest, "root_manifest", counted)
    tree = _aliases_tree(tmp_path, 30)
    ruleset = _ruleset(tmp_path, [("escape-html", "=1.0.3")])
    result = run_scan(ScanRequest(directory=str(tree), workers=1), ruleset)
    assert [(f.package, f.version) for f in result.findings] == [("escape-html", "1.0.3")]
    assert list(result.errors) == []
    assert len(calls) == 1


def test_the_inventory_reads_a_tarball_on_disk_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 100 aliases of one 200 MiB file: inventory add -dir took 52.9 s and 640 MB, each alias
    # reading the file again
    calls: list[str] = []
    real = record.read_regular_file  # type: ignore[attr-defined]

    def counted(path: str, *args: object) -> bytes:
        calls.append(path)
        return real(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(record, "read_regular_file", counted)
    tree = _aliases_tree(tmp_path, 30)
    summary = record.add(str(tmp_path / "inventory.db"), [], dirs=[str(tree)], workers=1)
    assert not summary.errors
    assert [c for c in calls if c.endswith("e.tgz")] == [str(tree / "e.tgz")]
    ruleset = _ruleset(tmp_path, [("escape-html", "=1.0.3")])
    asked = inventory_evaluate.InventoryRequest(str(tmp_path / "inventory.db"))
    out = inventory_evaluate.evaluate(asked, ruleset.rules, build_index(ruleset.rules))
    assert [(f.package, f.version) for f in out.findings] == [("escape-html", "1.0.3")]
    assert list(out.errors) == []
