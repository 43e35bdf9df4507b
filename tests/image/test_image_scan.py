"""-image: images built by umoci and skopeo (fixtures/make-images.sh) and hostile archives built
here, layer by layer, with tarfile."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
import time
from pathlib import Path

import pytest

from gouvernante.image import layers
from gouvernante.image.scan import ImageScanOutput, installed_folder, scan_images
from gouvernante.model import FindingType
from gouvernante.rules.index import build_index
from gouvernante.rules.loader import load_rules
from helpers import least_cpu, run_cli

FIXTURES = Path(__file__).parent / "fixtures"
RULES = FIXTURES / "rules.json"
# The layers' diff_ids (sha256 of each uncompressed layer tar), as skopeo wrote them.
LAYER_1 = "sha256:c11c7d844684d698a7cdaabeb2d65bd63f24b991cab9b8143756fd51bd41c19f"
LAYER_2 = "sha256:68be5f0430daaa5022da838a980b39e0d0f9c3726a630cd9e3510c9b77a354c4"
LAYER_3 = "sha256:291b3fff73651750826804e1bb3dc6d3df6b721e9e6bfb1a347f66d6f7a30fec"


def _scan(path: Path) -> ImageScanOutput:
    return scan_images([str(path)], build_index(load_rules([str(RULES)]).rules))


def _found(out: ImageScanOutput) -> set[tuple[str, str, str, str, str]]:
    return {
        (f.type.value, f.package or "", f.version or "", f.layer or "", f.lockfile or f.path or "")
        for f in out.findings
    }


EXPECTED = {
    # written by layer 1, still there
    ("installed_package", "@evil/cli", "1.0.0", LAYER_1, "/usr/local/lib/node_modules/@evil/cli"),
    # 2.3.1 from layer 1 replaced by 2.3.2 in layer 3: found once, at layer 3
    ("installed_package", "example-utils", "2.3.2", LAYER_3, "/app/node_modules/example-utils"),
    # the lockfile layer 2 added, and the package it locks, installed by layer 1
    ("installed_package", "left-pad", "1.3.0", LAYER_1, "/app/node_modules/left-pad"),
    ("package", "left-pad", "1.3.0", LAYER_2, "/app/package-lock.json"),
    # gone-pkg 9.9.9 (layer 1) is removed by a whiteout in layer 2: not found
}


@pytest.mark.parametrize(
    "name",
    [
        "oci",
        "image-oci.tar",
        "image-docker.tar",
        "image-oci-zstd.tar",
        "image-oci-zstd-chunked.tar",
    ],
)
def test_real_images_planted_packages_at_their_layer(name: str) -> None:
    """The same image as each tool writes it (make-images.sh), zstd layers too (skopeo's
    ``zstd``, and podman's ``zstd:chunked``: skippable frames and a table of contents)."""
    out = _scan(FIXTURES / name)
    assert out.errors == []
    assert _found(out) == EXPECTED
    assert all(f.image and f.image.startswith(str(FIXTURES / name)) for f in out.findings)
    assert out.installed == 4  # left-pad, example-utils, @evil/cli, npm
    assert out.lockfiles == 2  # /app/package-lock.json, /app/package.json


def test_cli_json_names_image_and_layer(tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    proc = run_cli(
        "-rules",
        str(RULES),
        "-image",
        str(FIXTURES / "image-docker.tar"),
        "-output",
        str(report),
        cwd=tmp_path,
    )
    assert proc.returncode == 2, proc.stderr
    findings = json.loads(report.read_text())["findings"]
    evil = [f for f in findings if f["package"] == "@evil/cli"]
    assert evil and evil[0]["layer"] == LAYER_1
    assert evil[0]["image"] == str(FIXTURES / "image-docker.tar")
    assert evil[0]["path"] == "/usr/local/lib/node_modules/@evil/cli"
    assert not [f for f in findings if f["package"] == "gone-pkg"]


def test_installed_folder() -> None:
    assert installed_folder("app/node_modules/a/package.json") == "a"
    assert installed_folder("node_modules/@s/a/package.json") == "@s/a"
    assert installed_folder("usr/lib/node_modules/npm/node_modules/x/package.json") == "x"
    assert installed_folder("app/node_modules/.bin/package.json") is None
    assert installed_folder("app/node_modules/@s/package.json") is None
    assert installed_folder("app/package.json") is None
    assert installed_folder("app/node_modules/a/lib/package.json") is None


# --- images built here -------------------------------------------------------------------

Member = tuple[tarfile.TarInfo, bytes]


def _file(name: str, data: bytes) -> Member:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def _manifest(name: str, version: str) -> bytes:
    return json.dumps({"name": name, "version": version}).encode()


def _pkg(path: str, name: str, version: str) -> Member:
    return _file(f"{path}/package.json", _manifest(name, version))


def _link(name: str, target: str, kind: bytes) -> Member:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info, b""


def _dir(name: str) -> Member:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    return info, b""


def _layer_tar(members: list[Member]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return buf.getvalue()


def _docker(path: Path, layer_blobs: list[bytes], diff_ids: list[str] | None = None) -> Path:
    """A docker save archive of the layer blobs (plain or gzip tars, or anything)."""
    if diff_ids is None:
        diff_ids = []
        for blob in layer_blobs:
            raw = gzip.decompress(blob) if blob[:2] == b"\x1f\x8b" else blob
            diff_ids.append("sha256:" + hashlib.sha256(raw).hexdigest())
    config = json.dumps({"rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
    names = [f"l{i}/layer.tar" for i in range(len(layer_blobs))]
    manifest = [{"Config": "config.json", "RepoTags": ["t:1"], "Layers": names}]
    outer = [_file("manifest.json", json.dumps(manifest).encode()), _file("config.json", config)]
    outer += [_file(n, b) for n, b in zip(names, layer_blobs, strict=True)]
    path.write_bytes(_layer_tar(outer))
    return path


def _image(tmp_path: Path, *layer_members: list[Member]) -> Path:
    return _docker(tmp_path / "img.tar", [_layer_tar(m) for m in layer_members])


RULE_NAMES = {"example-utils": "2.3.1", "gone-pkg": "9.9.9", "@evil/cli": "1.0.0"}


def test_opaque_directory_hides_lower_layers_only(tmp_path: Path) -> None:
    img = _image(
        tmp_path,
        [_pkg("app/node_modules/gone-pkg", "gone-pkg", "9.9.9")],
        [
            _file("app/node_modules/.wh..wh..opq", b""),
            _pkg("app/node_modules/example-utils", "example-utils", "2.3.1"),
        ],
    )
    assert {f.package for f in _scan(img).findings} == {"example-utils"}


def test_whiteout_of_a_folder_and_a_file_over_a_folder(tmp_path: Path) -> None:
    img = _image(
        tmp_path,
        [
            _pkg("app/node_modules/gone-pkg", "gone-pkg", "9.9.9"),
            _pkg("usr/local/lib/node_modules/@evil/cli", "@evil/cli", "1.0.0"),
        ],
        [_file("app/node_modules/.wh.gone-pkg", b""), _file("usr/local/lib/node_modules", b"x")],
    )
    out = _scan(img)
    assert out.findings == [] and out.errors == []


@pytest.mark.parametrize(
    "over",
    [
        _file("app/node_modules/gone-pkg", b"x"),
        _link("app/node_modules/gone-pkg", "/x", tarfile.SYMTYPE),
    ],
    ids=["file", "symlink"],
)
def test_a_file_over_a_folder_its_own_layer_wrote_removes_all_below(
    tmp_path: Path, over: Member
) -> None:
    """A runtime replaces a folder with a file, a link or a hardlink by removing it whole
    (containerd's and moby's ``RemoveAll``), what the same layer wrote below it too: the
    package.json it held is not in the image."""
    layer = [
        _dir("app/node_modules/gone-pkg"),
        _pkg("app/node_modules/gone-pkg", "gone-pkg", "9.9.9"),
        over,
        _file("store/a.json", _manifest("gone-pkg", "9.9.9")),
        _pkg("app/node_modules/old", "gone-pkg", "9.9.9"),
        _link("app/node_modules/old", "store/a.json", tarfile.LNKTYPE),
    ]
    img = _image(tmp_path, layer)
    out = _scan(img)
    assert out.findings == [] and out.errors == []


def test_whiteout_does_not_remove_what_its_own_layer_writes(tmp_path: Path) -> None:
    img = _image(
        tmp_path,
        [_pkg("app/node_modules/gone-pkg", "gone-pkg", "1.0.0")],
        [
            _pkg("app/node_modules/gone-pkg", "gone-pkg", "9.9.9"),
            _file("app/node_modules/.wh.gone-pkg", b""),
        ],
    )
    assert [(f.package, f.version) for f in _scan(img).findings] == [("gone-pkg", "9.9.9")]


def test_hardlink_to_an_earlier_member_is_read(tmp_path: Path) -> None:
    img = _image(
        tmp_path,
        [_pkg("store/a", "example-utils", "2.3.1")],
        [
            _dir("app/node_modules/example-utils"),
            _link(
                "app/node_modules/example-utils/package.json",
                "store/a/package.json",
                tarfile.LNKTYPE,
            ),
        ],
    )
    out = _scan(img)
    [finding] = out.findings
    assert finding.package == "example-utils"
    assert finding.type is FindingType.INSTALLED


def test_symlinks_are_never_followed(tmp_path: Path) -> None:
    img = _image(
        tmp_path,
        [
            _link("app/node_modules/example-utils", "/usr/lib/example-utils", tarfile.SYMTYPE),
            _link("app/node_modules/@evil", "../../../../../etc", tarfile.SYMTYPE),
            _link("app/package-lock.json", "/proc/self/environ", tarfile.SYMTYPE),
        ],
    )
    out = _scan(img)
    assert out.findings == []
    assert [e.message for e in out.errors] == ["a symbolic link in the image: not followed"]


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ([_file("../etc/passwd", b"x")], "layer 1 (sha256:"),
        ([_file("/etc/passwd", b"x")], "member 1: an absolute name (path traversal refused)"),
        ([_dir("a"), _file("a/../../x", b"x")], "member 2: a name with '..'"),
        (
            [_link("app/package.json", "nowhere/package.json", tarfile.LNKTYPE)],
            "member 1: a hardlink to a file not written before it",
        ),
        (
            [
                _link("app/package.json", "later", tarfile.LNKTYPE),
                _file("later", b"{}"),
            ],
            "member 1: a hardlink to a file not written before it",
        ),
        (
            [_link("app/package.json", "../../etc/shadow", tarfile.LNKTYPE)],
            "member 1 (hardlink target): a name with '..'",
        ),
    ],
)
def test_hostile_layers_are_refused(tmp_path: Path, members: list[Member], message: str) -> None:
    out = _scan(_image(tmp_path, members))
    assert out.findings == []
    [error] = out.errors
    assert message in error.message
    assert "passwd" not in error.message and "shadow" not in error.message


def test_traversal_error_names_the_member(tmp_path: Path) -> None:
    out = _scan(_image(tmp_path, [_dir("app"), _file("app/../../etc/x", b"x")]))
    assert "member 2: a name with '..' (path traversal refused)" in out.errors[0].message


def test_decompression_bomb_per_layer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(layers, "MAX_LAYER_BYTES", 256 * 1024)
    bomb = gzip.compress(_layer_tar([_file("zeros", bytes(4 * 1024 * 1024))]), 9)
    assert len(bomb) < 16 * 1024
    out = _scan(_docker(tmp_path / "img.tar", [bomb]))
    assert "more than 262144 bytes decompressed" in out.errors[0].message


def test_decompression_total(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(layers, "MAX_TOTAL_BYTES", 300 * 1024)
    blob = gzip.compress(_layer_tar([_file("zeros", bytes(200 * 1024))]))
    out = _scan(_docker(tmp_path / "img.tar", [blob, blob]))
    assert "layer 2" in out.errors[0].message
    assert "decompress to more than 307200 bytes" in out.errors[0].message


def test_member_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(layers, "MAX_MEMBERS", 50)
    out = _scan(_image(tmp_path, [_file(f"f{i}", b"") for i in range(60)]))
    assert "more than 50 archive members" in out.errors[0].message


def test_damaged_zstd_and_gzip_layers_fail_closed(tmp_path: Path) -> None:
    zstd = b"\x28\xb5\x2f\xfd" + bytes(64)
    out = _scan(_docker(tmp_path / "z.tar", [zstd], ["sha256:" + "0" * 64]))
    assert "not a readable tar layer" in out.errors[0].message
    out = _scan(
        _docker(tmp_path / "g.tar", [b"\x1f\x8b" + b"garbage" * 50], ["sha256:" + "0" * 64])
    )
    assert "not a readable tar layer" in out.errors[0].message


def test_diff_id_mismatch(tmp_path: Path) -> None:
    blob = _layer_tar([_pkg("app/node_modules/gone-pkg", "gone-pkg", "9.9.9")])
    out = _scan(_docker(tmp_path / "img.tar", [blob], ["sha256:" + "1" * 64]))
    assert "does not match the config's diff_id" in out.errors[0].message
    assert out.findings == []


def _oci_dir(tmp_path: Path, layer_media: str, layer_digest: str) -> Path:
    root = tmp_path / "oci"
    blobs = root / "blobs" / "sha256"
    blobs.mkdir(parents=True)

    def put(data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        (blobs / digest).write_bytes(data)
        return "sha256:" + digest

    config = put(json.dumps({"rootfs": {"diff_ids": ["sha256:" + "0" * 64]}}).encode())
    manifest = put(
        json.dumps(
            {
                "config": {"digest": config},
                "layers": [{"mediaType": layer_media, "digest": layer_digest}],
            }
        ).encode()
    )
    (root / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    index = {
        "manifests": [
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifest}
        ]
    }
    (root / "index.json").write_text(json.dumps(index))
    return root


def test_oci_unknown_media_type_and_bad_digest(tmp_path: Path) -> None:
    digest = "sha256:" + "a" * 64
    (tmp_path / "a").mkdir()
    out = _scan(_oci_dir(tmp_path / "a", "application/vnd.oci.image.layer.v1.tar+lz4", digest))
    assert "unsupported layer media type" in out.errors[0].message
    (tmp_path / "b").mkdir()
    out = _scan(_oci_dir(tmp_path / "b", "application/x-strange", digest))
    assert "unsupported layer media type" in out.errors[0].message
    (tmp_path / "c").mkdir()
    out = _scan(
        _oci_dir(tmp_path / "c", "application/vnd.oci.image.layer.v1.tar", "sha256:../../x")
    )
    assert "not a sha256 digest" in out.errors[0].message


def test_not_an_image(tmp_path: Path) -> None:
    (tmp_path / "x.tar").write_bytes(b"not a tar at all" * 100)
    assert "not a readable image archive" in _scan(tmp_path / "x.tar").errors[0].message
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "neither an OCI image layout" in _scan(empty).errors[0].message


def test_cli_hostile_archive_exit_1(tmp_path: Path) -> None:
    img = _image(tmp_path, [_file("../../evil", b"x")])
    proc = run_cli("-rules", str(RULES), "-image", str(img), cwd=tmp_path)
    assert proc.returncode == 1
    assert "member 1: a name with '..' (path traversal refused)" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr


def test_hardlink_to_a_store_file_is_read_in_a_second_pass(tmp_path: Path) -> None:
    """pnpm hardlinks node_modules/.pnpm/.../package.json to its store's files, whose names are
    hashes: when the store file comes first, its bytes are read again for the link."""
    img = _image(
        tmp_path,
        [
            _file("root/.pnpm-store/v3/files/ab/cdef", _manifest("example-utils", "2.3.1")),
            _dir("app/node_modules/.pnpm/example-utils@2.3.1/node_modules/example-utils"),
            _link(
                "app/node_modules/.pnpm/example-utils@2.3.1/node_modules/example-utils/package.json",
                "root/.pnpm-store/v3/files/ab/cdef",
                tarfile.LNKTYPE,
            ),
        ],
    )
    out = _scan(img)
    assert out.errors == []
    [finding] = out.findings
    assert (finding.package, finding.version) == ("example-utils", "2.3.1")
    assert finding.path == "/app/node_modules/.pnpm/example-utils@2.3.1/node_modules/example-utils"


def test_compressed_outer_archive_is_read_and_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`docker save | gzip` is read as it is; listing it is bounded like a layer."""
    packed = tmp_path / "img.tar.gz"
    packed.write_bytes(gzip.compress((FIXTURES / "image-docker.tar").read_bytes()))
    assert _found(_scan(packed)) == EXPECTED
    monkeypatch.setattr(layers, "MAX_TOTAL_BYTES", 8 * 1024)
    assert "the archive holds more than 8192 bytes" in _scan(packed).errors[0].message


def test_a_lockfile_entry_that_cannot_be_read_is_an_error(tmp_path: Path) -> None:
    # an npm entry with no semver version and no tarball URL: the reader's entry error, which
    # -image listed nowhere before (exit 0 on that file)
    lock = {
        "name": "app",
        "lockfileVersion": 3,
        "packages": {
            "": {"name": "app", "dependencies": {"example-utils": "^2.3.0"}},
            "node_modules/example-utils": {"version": "latest"},
        },
    }
    img = _image(tmp_path, [_file("app/package-lock.json", json.dumps(lock).encode())])
    out = _scan(img)
    assert out.findings == []
    [error] = out.errors
    assert error.path.endswith(":/app/package-lock.json")
    assert error.message.startswith("packages['node_modules/example-utils']: version is not")


def test_opaque_markers_walk_each_folder_once_a_layer() -> None:
    """An opaque marker in each folder of a deep chain whose bottom holds a file of the marking
    layer (so the lower folders stay): each folder is walked once for the layer, not once for
    every marker above it (CPU time ~linear in the folders, not their square: a 1 MB path is
    500,000 folders). A ratio of two depths in one run, so machine load does not decide."""

    def cpu_seconds(depth: int) -> float:
        fs = layers.Filesystem()
        folders = ["/".join(["a"] * level) for level in range(1, depth + 1)]
        fs.add(folders[-1] + "/lower", layers.Node(layers.NodeKind.FILE, 0, "l0"))
        fs.add(folders[-1] + "/upper", layers.Node(layers.NodeKind.FILE, 1, "l1"))
        start = time.process_time()
        for folder in folders:  # top first: each marker's folder holds the rest of the chain
            fs.remove_below(folder, 1)
        spent = time.process_time() - start
        assert folders[-1] + "/lower" not in fs.nodes
        assert folders[-1] + "/upper" in fs.nodes
        return spent

    cpu_seconds(500)  # warm-up
    short, long = least_cpu(lambda: cpu_seconds(1_500)), least_cpu(lambda: cpu_seconds(6_000))
    # 4x the depth. Each folder's name is as long as its depth, so the work done now (each
    # folder once, its name compared) grows as the depth's square in bytes: measured 13x (0.0034
    # s vs 0.045 s, 2 cores under load), which 8x + 0.05 s passed only by the 0.05 s. A walk of
    # every folder below each marker grows as its cube: 64x (6,000 folders took 6.3 s before).
    assert long < 32 * short + 0.05, (short, long)


def test_a_pnpm_file_dependency_in_an_image_is_not_the_registry_release(tmp_path: Path) -> None:
    """As with -host: ``.pnpm/<name>@file+<path>/node_modules/<name>`` is the project's own
    copy of a ``file:`` dependency, not the registry release of that name; the registry's
    copy beside it is found."""
    store = "app/node_modules/.pnpm"
    img = _image(
        tmp_path,
        [
            _pkg(
                f"{store}/example-utils@file+pk+eu/node_modules/example-utils",
                "example-utils",
                "2.3.1",
            ),
            _pkg(f"{store}/@evil+cli@file+pk+cli/node_modules/@evil/cli", "@evil/cli", "1.0.0"),
            _pkg(
                f"{store}/example-utils@2.3.1/node_modules/example-utils", "example-utils", "2.3.1"
            ),
        ],
    )
    out = _scan(img)
    assert out.errors == []
    assert sorted((f.package, f.path) for f in out.findings) == [
        ("example-utils", f"/{store}/example-utils@2.3.1/node_modules/example-utils")
    ]


# --- tar headers read as Go's archive/tar reads them (docker, containerd, podman) ----------

_END = bytes(1024)  # a tar's two zero blocks


def _blocks(members: list[Member]) -> bytes:
    """The members' blocks, without the end blocks (raw headers go between them)."""
    out = b""
    for info, data in members:
        out += info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")
        out += data + bytes(-len(data) % tarfile.BLOCKSIZE)
    return out


def _global(records: dict[str, str], name: str = "pax_global_header") -> bytes:
    """A pax global header (typeflag 'g') carrying ``records``."""
    header = tarfile.TarInfo.create_pax_global_header(records)
    info = tarfile.TarInfo.frombuf(header[:512], "utf-8", "strict")
    info.name = name
    size = info.size
    return info.tobuf(tarfile.USTAR_FORMAT)[:512] + header[512 : 512 + ((size + 511) // 512) * 512]


def _raw_image(tmp_path: Path, *layer_bytes: bytes) -> Path:
    return _docker(tmp_path / "img.tar", list(layer_bytes))


EVIL_AT = "usr/local/lib/node_modules/@evil/cli"


def test_a_pax_global_header_changes_no_member(tmp_path: Path) -> None:
    """Python's tarfile copies a global header's records (``path``, ``size``) into every later
    member; Go's reader, which the runtimes use, applies them to none. The members keep their
    own names: the package is found where the runtime installs it."""
    own = _pkg(EVIL_AT, "@evil/cli", "1.0.0")
    own[0].pax_headers = {"comment": "a member with a pax header of its own"}
    layer = (
        _global({"path": "decoy/x", "comment": "global"})
        + _blocks([own, _pkg("app/node_modules/example-utils", "example-utils", "2.3.1")])
        + _END
    )
    out = _scan(_raw_image(tmp_path, layer))
    assert out.errors == []
    assert sorted((f.package, f.path) for f in out.findings) == [
        ("@evil/cli", "/" + EVIL_AT),
        ("example-utils", "/app/node_modules/example-utils"),
    ]


def test_a_pax_global_header_in_the_outer_archive_changes_no_member(tmp_path: Path) -> None:
    img = _image(tmp_path, [_pkg("app/node_modules/example-utils", "example-utils", "2.3.1")])
    img.write_bytes(_global({"path": "../x"}) + img.read_bytes())
    out = _scan(img)
    assert out.errors == []
    assert [f.package for f in out.findings] == ["example-utils"]


def test_a_pax_global_header_size_record_does_not_move_members(tmp_path: Path) -> None:
    layer = (
        _global({"size": "0"})
        + _blocks([_pkg("app/node_modules/example-utils", "example-utils", "2.3.1")])
        + _END
    )
    out = _scan(_raw_image(tmp_path, layer))
    assert out.errors == []
    assert [f.package for f in out.findings] == ["example-utils"]


@pytest.mark.parametrize(
    ("records", "name"),
    [
        ({"path": "app/node_modules/example-utils"}, "pax_global_header"),  # its pax name
        ({}, "app/node_modules/example-utils/package.json"),  # its header's name
        ({}, "app/node_modules/.wh.example-utils"),  # a whiteout's name
        ({"path": ""}, "pax_global_header"),  # the root
        ({}, "app/lnk/x"),  # below a symbolic link: where it leads is not read
    ],
)
def test_a_pax_global_header_named_as_a_path_of_the_image_is_an_error(
    tmp_path: Path, records: dict[str, str], name: str
) -> None:
    """moby's UnpackLayer and containerd remove what is at a global header's name (a whiteout
    name: its target); docker's overlay2 driver skips it: runtimes differ, so an error."""
    lower = _layer_tar(
        [
            _pkg("app/node_modules/example-utils", "example-utils", "2.3.1"),
            _link("app/lnk", "node_modules", tarfile.SYMTYPE),
        ]
    )
    out = _scan(_raw_image(tmp_path, lower, _global(records, name) + _END))
    assert out.findings == []
    [error] = out.errors
    assert "layer 2 (sha256:" in error.message
    assert "member 1: a pax global header named as a path of the image" in error.message
    assert "example-utils" not in error.message


def test_a_pax_header_before_a_global_header_is_an_error(tmp_path: Path) -> None:
    """Go drops a pax extended header that a global header follows; tarfile renames the global
    header with it: neither reading is the other's, so an error."""
    extended = tarfile.TarInfo("x")
    extended.pax_headers = {"path": "app/node_modules/example-utils/package.json"}
    xhdr = extended.tobuf(tarfile.PAX_FORMAT)[:-512]  # the pax header blocks only
    layer = xhdr + _global({}) + _blocks([_file("y", b"")]) + _END
    out = _scan(_raw_image(tmp_path, layer))
    assert out.findings == []
    [error] = out.errors
    assert "layer 1 (sha256:" in error.message
    assert "header (at byte 0 of the tar) followed by a pax global header" in error.message


def _header(
    name: bytes,
    data: bytes = b"",
    *,
    magic: bytes = b"",
    prefix: bytes = b"",
    atime: bytes = b"",
    trailer: bytes = b"",
) -> bytes:
    """One raw tar header and its data: V7 (no magic), POSIX ustar (``ustar\\0`` ``00``), old
    GNU (``ustar  \\0``, bytes 345-357 its atime) or star (``tar\\0`` at 508, atime at 476)."""
    block = bytearray(512)
    block[0 : len(name)] = name
    block[100:108] = b"0000644\0"
    block[108:116] = b"0000000\0"
    block[116:124] = b"0000000\0"
    block[124:136] = b"%011o\0" % len(data)
    block[136:148] = b"00000000000\0"
    block[156:157] = b"0"
    block[257 : 257 + len(magic)] = magic
    block[345 : 345 + len(prefix)] = prefix
    at = 476 if trailer else 345
    block[at : at + len(atime)] = atime
    block[508 : 508 + len(trailer)] = trailer
    block[148:156] = b" " * 8
    block[148:156] = b"%06o\0 " % sum(block)
    return bytes(block) + data + bytes(-len(data) % 512)


_LOCK = json.dumps(
    {
        "name": "app",
        "lockfileVersion": 3,
        "packages": {
            "": {"name": "app", "dependencies": {"left-pad": "1.3.0"}},
            "node_modules/left-pad": {
                "version": "1.3.0",
                "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",
            },
        },
    }
).encode()
_USTAR = b"ustar\x0000"
_GNU = b"ustar  \x00"
_EXAMPLE = _manifest("example-utils", "2.3.1")


def test_a_v7_header_has_no_prefix_field(tmp_path: Path) -> None:
    """Bytes 345-500 of a header without the ustar magic are no name prefix for Go's reader
    (or GNU tar): the lockfile is at the root, where the runtime writes it, not in a package
    folder below node_modules (which tarfile made of it)."""
    layer = _header(b"package-lock.json", _LOCK, prefix=b"node_modules/x") + _END
    out = _scan(_raw_image(tmp_path, layer))
    assert out.errors == []
    assert [(f.package, f.lockfile) for f in out.findings] == [("left-pad", "/package-lock.json")]


def test_a_v7_whiteout_removes_its_own_name_only(tmp_path: Path) -> None:
    lower = _layer_tar([_pkg("app/node_modules/example-utils", "example-utils", "2.3.1")])
    upper = _header(b".wh.example-utils", prefix=b"app/node_modules") + _END
    out = _scan(_raw_image(tmp_path, lower, upper))
    assert out.errors == []
    assert [(f.package, f.path) for f in out.findings] == [
        ("example-utils", "/app/node_modules/example-utils")
    ]


def test_an_old_gnu_header_keeps_its_atime_out_of_its_name(tmp_path: Path) -> None:
    """GNU tar's own header (``ustar  \\0``) holds atime, ctime and sparse data where ustar has
    its prefix (``tar --atime-preserve``, incremental dumps): the whiteout removes the package
    (tarfile read it as ``14723506232/app/...``, removing nothing)."""
    lower = _layer_tar([_pkg("app/node_modules/example-utils", "example-utils", "2.3.1")])
    upper = (
        _header(b"app/node_modules/.wh.example-utils", magic=_GNU, atime=b"14723506232\0") + _END
    )
    out = _scan(_raw_image(tmp_path, lower, upper))
    assert out.errors == [] and out.findings == []


def test_a_ustar_prefix_is_read_and_a_star_prefix_is_131_bytes(tmp_path: Path) -> None:
    star_prefix = b"app/node_modules/example-utils".ljust(131, b"/")  # no NUL: the whole field
    layer = (
        _header(b"package.json", _EXAMPLE, magic=_USTAR, prefix=b"usr/node_modules/example-utils")
        + _header(
            b"package.json",
            _EXAMPLE,
            magic=_USTAR,
            prefix=star_prefix,
            atime=b"14723506232\0",
            trailer=b"tar\0",
        )
        + _END
    )
    out = _scan(_raw_image(tmp_path, layer))
    assert out.errors == []
    assert sorted(f.path or "" for f in out.findings) == [
        "/app/node_modules/example-utils",
        "/usr/node_modules/example-utils",
    ]


# --- names and folders: bounded memory and time --------------------------------------------


def _deep(top: str, length: int) -> str:
    """A name ``top/a/a/.../a`` of ``length`` characters: one folder per two characters."""
    name = top + "/a" * ((length - len(top)) // 2)
    return name + "b" * (length - len(name))


@pytest.mark.parametrize(
    "name",
    [
        _deep("x", 4096),  # one byte over Linux's PATH_MAX less its NUL
        _deep("x", 131_073),  # the red team's 65,536 folders (4.2 GB before)
        "é" * 2048,  # 2,048 characters, 4,096 bytes
    ],
)
def test_a_name_longer_than_a_path_can_be_is_an_error(tmp_path: Path, name: str) -> None:
    out = _scan(_image(tmp_path, [_file("ok", b""), _file(name, b"")]))
    assert out.findings == []
    [error] = out.errors
    assert "layer 1 (sha256:" in error.message
    assert "member 2: a name longer than 4095 bytes" in error.message
    assert "aaa" not in error.message and "/a/a" not in error.message and "é" not in error.message


def test_a_name_as_long_as_a_path_can_be_is_read(tmp_path: Path) -> None:
    top = _deep("app", 4095 - len("/node_modules/example-utils/package.json"))
    out = _scan(
        _image(tmp_path, [_pkg(top + "/node_modules/example-utils", "example-utils", "2.3.1")])
    )
    assert out.errors == []
    [finding] = out.findings
    assert finding.path == "/" + top + "/node_modules/example-utils"


def test_the_paths_written_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each member's folders are kept whole (``a``, ``a/a``, ...): a deep name costs the square
    of its depth. The characters and the paths written, implied folders too, are capped."""
    deep = [_file(_deep(f"d{i}", 4095), b"") for i in range(8)]
    monkeypatch.setattr(layers, "MAX_PATH_CHARS", 10 * 1024**2)  # each name: 4.2 M characters
    out = _scan(_image(tmp_path, deep))
    [error] = out.errors
    assert "member 3: the paths the layers write (implied folders too) come to more than" in (
        error.message
    )
    monkeypatch.setattr(layers, "MAX_PATH_CHARS", 512 * 1024**2)
    monkeypatch.setattr(layers, "MAX_PATHS", 1000)  # a name 2,047 folders deep implies them all
    [error] = _scan(_image(tmp_path, deep)).errors
    assert "member 1: the layers write more than 1000 paths (implied folders too)" in error.message


def test_a_folder_removed_and_written_again_counts_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(layers, "MAX_PATHS", 15)
    tree = [_file(f"app/f{i}", b"") for i in range(10)]  # 11 paths with app/: 22 in all
    out = _scan(_image(tmp_path, tree, [_file(".wh.app", b"")], tree))
    [error] = out.errors
    assert "layer 3 (sha256:" in error.message
    assert "member 4: the layers write more than 15 paths" in error.message


@pytest.mark.parametrize(
    ("members", "message"),
    [
        (
            [
                _file("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'),
                _file("index.json", b'{"schemaVersion":2,"manifests":[]}'),
            ],
            "no image in the archive (index.json leads to no image manifest)",
        ),
        ([_file("manifest.json", b"[]")], "no image in the archive (manifest.json lists none)"),
    ],
)
def test_an_archive_with_no_image_is_an_error(
    tmp_path: Path, members: list[Member], message: str
) -> None:
    """Nothing was scanned: never a clean result."""
    img = tmp_path / "empty.tar"
    img.write_bytes(_layer_tar(members))
    assert [e.message for e in _scan(img).errors] == [message]
    proc = run_cli("-rules", str(RULES), "-image", str(img), cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout
    assert message in proc.stdout + proc.stderr


# --- member types: what a runtime applies, or an error (fixtures: odd-members/generate.sh) -----

ODD = FIXTURES / "odd-members"
LEFT_PAD_LOCK = ("left-pad", "/app/package-lock.json")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        # GNU tar's volume label (``--label``) named as the lockfile: tarfile kept it as a
        # nameless special, which hid the lockfile of layer 1 (CLEAN, exit 0); docker,
        # containerd and podman refuse the layer ('unhandled tar header type')
        ("label.tar", "member 1: a tar member of type 'V' (a GNU volume label), which"),
        ("sparse-gnu.tar", "member 1: a tar member of type 'S' (a GNU sparse file), which"),
        ("sparse-pax.tar", "member 1: a GNU sparse file (pax GNU.sparse records)"),
    ],
)
def test_a_member_type_the_runtimes_refuse_is_an_error(name: str, message: str) -> None:
    out = _scan(ODD / name)
    assert out.findings == []
    [error] = out.errors
    assert error.path == f"{ODD / name}:latest"
    assert error.message.startswith("layer 2 (sha256:") and message in error.message


@pytest.mark.parametrize(
    ("name", "what"),
    [("fifo.tar", "a FIFO"), ("chardev.tar", "a character device")],
)
def test_a_device_or_fifo_named_as_a_lockfile_is_an_error(name: str, what: str) -> None:
    """The runtime creates the FIFO or device there (hiding layer 1's lockfile): what it holds
    is known only when it is read, as ``-dir`` says of one. Was silently skipped: CLEAN."""
    out = _scan(ODD / name)
    assert out.findings == []
    assert [(e.path, e.message) for e in out.errors] == [
        (
            f"{ODD / name}:latest:/app/package-lock.json",
            f"not a regular file ({what}); refusing to read it",
        )
    ]
    proc = run_cli("-rules", str(RULES), "-image", str(ODD / name), cwd=ODD)
    assert proc.returncode == 1, proc.stdout


def test_gnu_long_names_and_a_hardlink_to_a_lockfile_are_read() -> None:
    """GNU tar's long name ('L') and long link ('K') headers, a hardlink ('1') to the lockfile:
    the lockfile is read at both of its paths."""
    out = _scan(ODD / "long-names.tar")
    assert out.errors == []
    long = "d" * 120
    assert sorted((f.package or "", f.lockfile or "") for f in out.findings) == [
        ("left-pad", f"/app/{long}/package-lock.json"),
        LEFT_PAD_LOCK,
        ("left-pad", f"/srv/{long}/package-lock.json"),
    ]


def _typed(name: str, kind: bytes, data: bytes = b"") -> bytes:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = len(data)
    return info.tobuf(tarfile.GNU_FORMAT) + data + bytes(-len(data) % 512)


def _meta(kind: bytes, data: bytes) -> bytes:
    """A pax ('x'), Solaris ('X') or GNU long-name ('L') header carrying ``data``."""
    return _typed("././@LongLink" if kind == b"L" else "PaxHeaders/x", kind, data)


def _pax_path(path: str) -> bytes:
    record = f" path={path}\n"
    size = len(record) + len(str(len(record)))
    size += len(str(size)) - len(str(len(record)))
    return f"{size}{record}".encode()


_BASE = _layer_tar([_file("app/package-lock.json", _LOCK)])


@pytest.mark.parametrize(
    ("upper", "message"),
    [
        # Python's tarfile (no tool writes these): a contiguous file and an unknown type over
        # the lockfile; '7' was read as a file, 'A' hid the lockfile (CLEAN)
        (_typed("app/package-lock.json", b"7", b"{}"), "of type '7' (a contiguous file)"),
        (_typed("app/package-lock.json", b"A", b"{}"), "of type 'A' (a type no runtime knows)"),
        (_typed("app/package-lock.json", b"\x01"), "of type '\\x01' (a type no runtime knows)"),
        # tarfile applies a Solaris header's records as pax; Go returns it as a member
        (
            _meta(b"X", _pax_path("app/other.json"))
            + _blocks([_file("app/package-lock.json", b"{}")]),
            "a Solaris extended header (type 'X', at byte 0 of the tar)",
        ),
        # two headers naming one member: Go keeps the last, tarfile the first
        (
            _meta(b"x", _pax_path("app/package-lock.json"))
            + _meta(b"x", _pax_path("app/other.json"))
            + _blocks([_file("app/x.json", b"{}")]),
            "after another one before the same member",
        ),
        (
            _meta(b"L", b"app/package-lock.json\0")
            + _meta(b"L", b"app/other.json\0")
            + _blocks([_file("app/x.json", b"{}")]),
            "after another one before the same member",
        ),
        (
            _meta(b"x", _pax_path("app/other.json"))
            + _meta(b"L", b"app/package-lock.json\0")
            + _blocks([_file("app/x.json", b"{}")]),
            "after another one before the same member",
        ),
    ],
)
def test_members_tar_readers_take_differently_are_an_error(
    tmp_path: Path, upper: bytes, message: str
) -> None:
    out = _scan(_raw_image(tmp_path, _BASE, upper + _END))
    assert out.findings == []
    [error] = out.errors
    assert error.message.startswith("layer 2 (sha256:") and message in error.message


def test_a_device_or_fifo_manifest_or_yarnrc_is_an_error_and_a_hardlink_to_one_is_one(
    tmp_path: Path,
) -> None:
    fifo = b"6"
    upper = (
        _typed("app/node_modules/example-utils/package.json", fifo)
        + _typed("srv/.yarnrc.yml", fifo)
        + _file_block("srv/package.json", b'{"name":"srv"}')
        + _typed("opt/x", b"3")
        + _link_block("opt/package-lock.json", "opt/x")
        + _END
    )
    out = _scan(_raw_image(tmp_path, _BASE, upper))
    image = f"{tmp_path / 'img.tar'}"
    assert sorted((e.path, e.message) for e in out.errors) == [
        (
            f"{image}:/app/node_modules/example-utils/package.json",
            "not a regular file (a FIFO); refusing to read it",
        ),
        (
            f"{image}:/opt/package-lock.json",
            "not a regular file (a character device); refusing to read it",
        ),
        (f"{image}:/srv/.yarnrc.yml", "not a regular file (a FIFO); refusing to read it"),
    ]
    assert [(f.package, f.lockfile) for f in out.findings] == [LEFT_PAD_LOCK]


def _file_block(name: str, data: bytes) -> bytes:
    return _blocks([_file(name, data)])


def _link_block(name: str, target: str) -> bytes:
    return _blocks([_link(name, target, tarfile.LNKTYPE)])


_ZERO = bytes(tarfile.BLOCKSIZE)


@pytest.mark.parametrize(
    "layer",
    [
        _blocks([_file("etc/a", b"1")]) + _ZERO + _blocks([_pkg(EVIL_AT, "@evil/cli", "1.0.0")]),
        _ZERO + _blocks([_pkg(EVIL_AT, "@evil/cli", "1.0.0")]) + _END,
        _blocks([_file("etc/a", b"1")]) + _ZERO + b"x" * 100,
    ],
    ids=["between", "first", "short-block"],
)
def test_a_lone_zero_block_before_more_is_an_error(tmp_path: Path, layer: bytes) -> None:
    """Go's tar reader (docker, containerd, podman) takes one zero block followed by anything
    but a second one as a damaged archive (``ErrHeader``); Python's ends the archive there, so
    the members after it were never read and the image answered CLEAN."""
    out = _scan(_raw_image(tmp_path, layer))
    assert out.findings == []
    [error] = out.errors
    assert error.message.startswith("layer 1 (sha256:")
    assert "a lone zero block" in error.message


def test_a_lone_zero_block_in_the_outer_archive_is_an_error(tmp_path: Path) -> None:
    img = _raw_image(tmp_path, _layer_tar([_file("etc/a", b"1")]))
    with tarfile.open(img) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar]  # type: ignore[union-attr]
    img.write_bytes(_blocks(members) + _ZERO + _blocks([_file("more", b"1")]) + _END)
    out = _scan(img)
    [error] = out.errors
    assert "a lone zero block" in error.message


def test_two_zero_blocks_end_a_layer_whatever_follows(tmp_path: Path) -> None:
    """After the end (two zero blocks) a runtime reads nothing more: nor do we, and the bytes
    there are still part of the diff_id checked."""
    layer = _blocks([_file("etc/a", b"1")]) + _END + _blocks([_pkg(EVIL_AT, "@evil/cli", "1.0.0")])
    out = _scan(_raw_image(tmp_path, layer))
    assert out.findings == [] and out.errors == []
