"""-image reads the image its names say: every blob is checked against the digest that names it
(OCI descriptors, docker-archive config names, the config's diff_ids), a mismatch is an error
naming the position of that digest, never the blob's bytes. And a gzip-compressed outer
archive (``docker save | gzip``) is read like the plain one. Images are built here with tarfile,
as docker save 25 and later and skopeo write them (blobs sorted by digest, index.json last)."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import zstandard

from gouvernante.image import layers
from gouvernante.image.scan import ImageScanOutput, scan_images
from gouvernante.rules.index import build_index
from gouvernante.rules.loader import load_rules
from helpers import run_cli, tar_bytes

RULES = Path(__file__).parent / "fixtures" / "rules.json"
MARKER = "EVIL-7f3a"
GZIP_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
TAR_LAYER = "application/vnd.oci.image.layer.v1.tar"
ZSTD_LAYER = "application/vnd.oci.image.layer.v1.tar+zstd"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"
INDEX = "application/vnd.oci.image.index.v1+json"


def _scan(path: Path) -> ImageScanOutput:
    return scan_images([str(path)], build_index(load_rules([str(RULES)]).rules))


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _pkg(name: str, version: str) -> dict[str, bytes]:
    manifest = json.dumps({"name": name, "version": version}).encode()
    return {f"app/node_modules/{name}/package.json": manifest}


# Three layers: the second installs a package the rules name (example-utils 2.3.1).
LAYERS = [
    tar_bytes({"etc/os-release": b"ID=test\n", f"opt/{MARKER}": MARKER.encode() * 50}),
    tar_bytes(_pkg("example-utils", "2.3.1")),
    tar_bytes({"app/index.js": b"module.exports = 1;\n" * 200}),
]


@dataclass
class Oci:
    """An OCI image layout: blobs by digest, and the index that names the manifest."""

    layer_tars: list[bytes]
    gzip_layers: bool = True
    zstd_layers: bool = False  # (instead of gzip)
    blobs: dict[str, bytes] = field(default_factory=dict)
    layer_digests: list[str] = field(default_factory=list)
    config: str = ""
    manifest: str = ""
    index: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        media = ZSTD_LAYER if self.zstd_layers else GZIP_LAYER if self.gzip_layers else TAR_LAYER
        descs = []
        for t in self.layer_tars:
            if self.zstd_layers:
                blob = zstandard.ZstdCompressor(level=3).compress(t)
            else:
                blob = gzip.compress(t, 6, mtime=0) if self.gzip_layers else t
            descs.append({"mediaType": media, "digest": self.put(blob), "size": len(blob)})
        self.layer_digests = [str(d["digest"]) for d in descs]
        diff_ids = [_digest(t) for t in self.layer_tars]
        config = json.dumps({"rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
        self.config = self.put(config)
        self.set_manifest(
            {
                "schemaVersion": 2,
                "mediaType": MANIFEST,
                "config": {"digest": self.config, "size": len(config)},
                "layers": descs,
            }
        )

    def put(self, data: bytes) -> str:
        digest = _digest(data)
        self.blobs[digest] = data
        return digest

    def set_manifest(self, manifest: dict[str, object]) -> None:
        data = json.dumps(manifest).encode()
        self.manifest = self.put(data)
        self.index = {
            "schemaVersion": 2,
            "manifests": [{"mediaType": MANIFEST, "digest": self.manifest, "size": len(data)}],
        }

    def manifest_doc(self) -> dict[str, object]:
        doc = json.loads(self.blobs[self.manifest])
        assert isinstance(doc, dict)
        return doc

    def tar(self) -> bytes:
        members = {f"blobs/sha256/{d[7:]}": b for d, b in sorted(self.blobs.items())}
        members["index.json"] = json.dumps(self.index).encode()
        members["oci-layout"] = b'{"imageLayoutVersion": "1.0.0"}'
        return tar_bytes(members)

    def write(self, path: Path) -> Path:
        path.write_bytes(self.tar())
        return path


def _where(oci: Oci) -> str:
    return f"blobs/sha256/{oci.manifest[7:]}"


def test_an_intact_image_is_read(tmp_path: Path) -> None:
    for gz in (True, False):
        out = _scan(Oci(LAYERS, gzip_layers=gz).write(tmp_path / f"img{gz}.tar"))
        assert out.errors == []
        assert [(f.package, f.version) for f in out.findings] == [("example-utils", "2.3.1")]


def test_a_recompressed_layer_blob_is_refused(tmp_path: Path) -> None:
    """Same content (same diff_id), another blob than the manifest names: refused."""
    oci = Oci(LAYERS)
    oci.blobs[oci.layer_digests[1]] = gzip.compress(LAYERS[1], 1, mtime=1)
    out = _scan(oci.write(tmp_path / "img.tar"))
    assert out.findings == []
    [error] = out.errors
    assert error.message == (
        f"layer 2 ({_digest(LAYERS[1])}): its blob does not match its digest"
        f" ({_where(oci)}: layers[1].digest)"
    )


def test_a_layer_swapped_for_another_is_refused_through_the_cli(tmp_path: Path) -> None:
    """The layer that installs the compromised package replaced by a clean one: an error, exit
    1, never a clean scan; the message names the positions, never the blob's bytes."""
    oci = Oci(LAYERS)
    clean = gzip.compress(tar_bytes({f"app/{MARKER}": MARKER.encode()}), 6, mtime=0)
    oci.blobs[oci.layer_digests[1]] = clean
    proc = run_cli("-rules", str(RULES), "-image", str(oci.write(tmp_path / "i.tar")), cwd=tmp_path)
    assert proc.returncode == 1
    text = proc.stdout + proc.stderr
    assert (
        f"layer 2 ({_digest(LAYERS[1])}): its content does not match the config's diff_id"
        f" (blobs/sha256/{oci.config[7:]}: rootfs.diff_ids[1]; the layer is {_where(oci)}:"
        " layers[1])"
    ) in text
    assert MARKER not in text
    assert "Traceback" not in proc.stderr


def test_a_layer_blob_of_another_size_is_refused(tmp_path: Path) -> None:
    oci = Oci(LAYERS)
    manifest = oci.manifest_doc()
    layer_descs = manifest["layers"]
    assert isinstance(layer_descs, list)
    layer_descs[2]["size"] += 1
    oci.set_manifest(manifest)
    [error] = _scan(oci.write(tmp_path / "img.tar")).errors
    assert error.message.endswith(f"its size does not match {_where(oci)}: layers[2].size")


@pytest.mark.parametrize("size", ["12", -1, 1.5, True])
def test_a_size_that_is_not_a_size_is_refused(tmp_path: Path, size: object) -> None:
    oci = Oci(LAYERS)
    manifest = oci.manifest_doc()
    config = manifest["config"]
    assert isinstance(config, dict)
    config["size"] = size
    oci.set_manifest(manifest)
    [error] = _scan(oci.write(tmp_path / "img.tar")).errors
    assert error.message == f"{_where(oci)}: config.size: not a size"


def test_a_manifest_changed_under_its_digest_is_refused(tmp_path: Path) -> None:
    """index.json names the manifest by digest: a manifest rewritten in place (here without the
    layer that installs the package, and its diff_id) is not the image's manifest."""
    oci = Oci(LAYERS)
    manifest = oci.manifest_doc()
    layer_descs = manifest["layers"]
    assert isinstance(layer_descs, list)
    del layer_descs[1]
    oci.blobs[oci.manifest] = json.dumps(manifest).encode()
    out = _scan(oci.write(tmp_path / "img.tar"))
    assert out.findings == []
    assert [e.message for e in out.errors] == [
        "index.json: manifests[0]: the blob does not match its digest"
    ]


def test_a_config_changed_under_its_digest_is_refused(tmp_path: Path) -> None:
    oci = Oci(LAYERS)
    config = json.loads(oci.blobs[oci.config])
    config["rootfs"]["diff_ids"][1] = _digest(tar_bytes({MARKER: b""}))
    oci.blobs[oci.config] = json.dumps(config).encode()
    out = _scan(oci.write(tmp_path / "img.tar"))
    assert out.findings == []
    assert [e.message for e in out.errors] == [
        f"{_where(oci)}: config: the blob does not match its digest"
    ]


def test_a_manifest_of_another_size_is_refused(tmp_path: Path) -> None:
    oci = Oci(LAYERS)
    manifests = oci.index["manifests"]
    assert isinstance(manifests, list)
    manifests[0]["size"] -= 1
    [error] = _scan(oci.write(tmp_path / "img.tar")).errors
    assert error.message == (
        "index.json: manifests[0]: the blob's size does not match index.json: manifests[0].size"
    )


def test_a_nested_index_changed_under_its_digest_is_refused(tmp_path: Path) -> None:
    oci = Oci(LAYERS)
    nested = json.dumps({"manifests": oci.index["manifests"], "n": 1}).encode()
    digest = oci.put(nested)
    oci.index = {"manifests": [{"mediaType": INDEX, "digest": digest, "size": len(nested)}]}
    assert len(_scan(oci.write(tmp_path / "good.tar")).findings) == 1
    oci.blobs[digest] = nested.replace(b'"n": 1', b'"n": 2')
    out = _scan(oci.write(tmp_path / "img.tar"))
    assert out.findings == []
    assert [e.message for e in out.errors] == [
        "index.json: manifests[0]: the blob does not match its digest"
    ]


# --- docker save archives: the config's name is its digest (the image ID) -------------------


def _docker(path: Path, config_name: str, *, config: bytes | None = None) -> Path:
    diff_ids = [_digest(t) for t in LAYERS]
    good = json.dumps({"rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
    name = config_name.format(hex=_digest(good)[7:])
    names = [f"{_digest(t)[7:]}.tar" for t in LAYERS]
    entry = {"Config": name, "RepoTags": ["t:1"], "Layers": names}
    members = {name: config if config is not None else good}
    members.update(zip(names, LAYERS, strict=True))
    members["manifest.json"] = json.dumps([entry]).encode()
    path.write_bytes(tar_bytes(members))
    return path


NAMES = ["blobs/sha256/{hex}", "{hex}.json", "sha256:{hex}"]


@pytest.mark.parametrize("config_name", NAMES)
def test_docker_config_named_by_its_digest(tmp_path: Path, config_name: str) -> None:
    out = _scan(_docker(tmp_path / "good.tar", config_name))
    assert out.errors == []
    assert len(out.findings) == 1
    fake = json.dumps({"rootfs": {"diff_ids": [_digest(LAYERS[0])]}, MARKER: 1}).encode()
    out = _scan(_docker(tmp_path / "bad.tar", config_name, config=fake))
    assert out.findings == []
    assert [e.message for e in out.errors] == [
        "manifest.json: [0].Config: the blob does not match its digest"
    ]


def test_docker_layer_swapped_names_its_position(tmp_path: Path) -> None:
    path = _docker(tmp_path / "img.tar", "{hex}.json")
    data = path.read_bytes().replace(b"2.3.1", b"2.3.0")  # inside layer 2's package.json
    path.write_bytes(data)
    out = _scan(path)
    assert out.findings == []
    [error] = out.errors
    assert error.message == (
        f"layer 2 ({_digest(LAYERS[1])}): its content does not match the config's diff_id"
        " (manifest.json: [0].Config: rootfs.diff_ids[1]; the layer is manifest.json:"
        " [0].Layers[1])"
    )


def test_a_layer_changed_between_the_two_passes_is_refused(tmp_path: Path) -> None:
    """A hardlinked package.json is read in a second pass over its layer: that read is checked
    too (an OCI folder's blob may be rewritten while the scan runs)."""
    first = tar_bytes({"store/x": b'{"name":"example-utils","version":"2.3.1"}'})
    links = io.BytesIO()
    with tarfile.open(fileobj=links, mode="w") as tar:
        info = tarfile.TarInfo("app/node_modules/example-utils/package.json")
        info.type = tarfile.LNKTYPE
        info.linkname = "store/x"
        tar.addfile(info)
    opened: list[int] = []

    def opener() -> io.BytesIO:
        opened.append(1)
        if len(opened) == 1:
            return io.BytesIO(first)
        return io.BytesIO(first.replace(b"2.3.1", b"6.6.6"))

    spec = layers.ImageSpec(
        "img",
        (
            layers.Layer(_digest(first), None, opener, "here: [0]", "there: [0]"),
            layers.Layer(
                _digest(links.getvalue()),
                None,
                lambda: io.BytesIO(links.getvalue()),
                "here: [1]",
                "there: [1]",
            ),
        ),
    )
    with pytest.raises(layers.ImageError) as caught:
        layers.read_layers(spec, "img", lambda p: p.endswith("package.json"))
    assert len(opened) == 2
    assert "layer 1" in caught.value.detail
    assert "does not match the config's diff_id (there: [0]; the layer is here: [0])" in (
        caught.value.detail
    )


# --- a gzip-compressed outer archive ------------------------------------------------------


def _many_layers(count: int) -> Oci:
    tars = [tar_bytes({f"layer{i}/data": bytes([i]) * 300_000}) for i in range(count)]
    tars.append(LAYERS[1])
    return Oci(tars, gzip_layers=False)


def test_gzip_outer_archive_read_out_of_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Blobs sorted by digest, layers read in layer order, the index last: many backward and
    forward seeks in the outer gzip stream, each resumed from a nearby decompressor copy."""
    from gouvernante.image import seekgzip

    monkeypatch.setattr(seekgzip, "FIRST_SPACING", 64 * 1024)
    monkeypatch.setattr(seekgzip, "MAX_POINTS", 16)
    oci = _many_layers(24)
    plain = oci.write(tmp_path / "img.tar")
    packed = tmp_path / "img.tar.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes(), 6))
    want = _scan(plain)
    got = _scan(packed)
    assert got.errors == [] == want.errors
    assert [(f.package, f.layer) for f in got.findings] == [
        (f.package, f.layer) for f in want.findings
    ]
    assert got.findings[0].layer == _digest(LAYERS[1])
    # pigz and concatenated files: several gzip members
    data = plain.read_bytes()
    cut = len(data) // 3
    packed.write_bytes(b"".join(gzip.compress(p) for p in (data[:cut], data[cut:])))
    assert len(_scan(packed).findings) == 1


@pytest.mark.parametrize("damage", ["cut", "crc"])
def test_a_damaged_gzip_outer_archive_is_an_error(tmp_path: Path, damage: str) -> None:
    packed = bytearray(gzip.compress(_many_layers(3).tar(), 6))
    if damage == "cut":
        del packed[len(packed) * 2 // 3 :]
    else:
        packed[-8] ^= 0x01  # the CRC-32 of the uncompressed data
    (tmp_path / "img.tar.gz").write_bytes(bytes(packed))
    proc = run_cli("-rules", str(RULES), "-image", str(tmp_path / "img.tar.gz"), cwd=tmp_path)
    assert proc.returncode == 1
    text = proc.stdout + proc.stderr
    assert "not a readable image archive" in text or "not a readable tar layer" in text
    assert "Traceback" not in proc.stderr


# --- zstd layers (OCI tar+zstd; podman's zstd:chunked: tests/image/test_image_scan.py) ---------


def test_an_intact_zstd_image_is_read(tmp_path: Path) -> None:
    out = _scan(Oci(LAYERS, zstd_layers=True).write(tmp_path / "img.tar"))
    assert out.errors == []
    assert [(f.package, f.version) for f in out.findings] == [("example-utils", "2.3.1")]


def _with_layer_blob(oci: Oci, blob: bytes, media: str | None = None) -> Oci:
    """``oci`` with layer 2's blob (and its descriptor's digest and size) replaced."""
    doc = oci.manifest_doc()
    descs = doc["layers"]
    assert isinstance(descs, list)
    descs[1] = {
        "mediaType": media or descs[1]["mediaType"],
        "digest": oci.put(blob),
        "size": len(blob),
    }
    oci.set_manifest(doc)
    return oci


@pytest.mark.parametrize(
    ("media", "blob", "message"),
    [
        # a descriptor that says zstd over a gzip blob, and the other way round
        (ZSTD_LAYER, gzip.compress(LAYERS[1]), "declared zstd, but the blob is not zstd data"),
        (GZIP_LAYER, zstandard.compress(LAYERS[1]), "declared gzip, but the blob is not gzip data"),
        (
            TAR_LAYER,
            zstandard.compress(LAYERS[1]),
            "declared an uncompressed tar, but the blob is zstd",
        ),
        # damaged frames: an error naming the layer, never its bytes
        (ZSTD_LAYER, b"\x28\xb5\x2f\xfd" + b"\xff" * 64, "not a readable tar layer"),
        # cut short: less content than the diff_id names
        (ZSTD_LAYER, zstandard.compress(LAYERS[1])[:-8], "layer 2 ("),
    ],
    ids=["zstd-over-gzip", "gzip-over-zstd", "tar-over-zstd", "damaged", "cut"],
)
def test_zstd_layers_not_read_exactly_are_refused(
    tmp_path: Path, media: str, blob: bytes, message: str
) -> None:
    oci = _with_layer_blob(Oci(LAYERS, zstd_layers=True), blob, media)
    out = _scan(oci.write(tmp_path / "img.tar"))
    assert out.findings == []
    [error] = out.errors
    assert message in error.message
    assert MARKER not in error.message


def test_a_zstd_window_over_the_cap_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A frame asking for a window larger than ``MAX_ZSTD_WINDOW`` is refused, not allocated."""
    monkeypatch.setattr(layers, "MAX_ZSTD_WINDOW", 1 << 20)
    params = zstandard.ZstdCompressionParameters(window_log=24)
    blob = zstandard.ZstdCompressor(compression_params=params).compress(LAYERS[1] + bytes(1 << 23))
    oci = _with_layer_blob(Oci(LAYERS, zstd_layers=True), blob)
    out = _scan(oci.write(tmp_path / "img.tar"))
    assert out.findings == []
    assert "not a readable tar layer (ValueError)" in out.errors[0].message


def test_a_zstd_bomb_stops_at_the_layer_cap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(layers, "MAX_LAYER_BYTES", 256 * 1024)
    big = tar_bytes({"zeros": bytes(8 * 1024 * 1024)})
    blob = zstandard.compress(big, 19)
    assert len(blob) < 4 * 1024
    out = _scan(Oci([LAYERS[0], big], zstd_layers=True).write(tmp_path / "img.tar"))
    assert "more than 262144 bytes decompressed" in out.errors[0].message


def _platform_index(tmp_path: Path, *, nested: bool) -> Path:
    """A multi-platform image as ``docker buildx --platform linux/amd64,linux/arm64`` pushes
    it (an index of one manifest each, its platform in the index entry): the package the
    rules name only in the arm64 image."""
    amd = Oci([tar_bytes({"etc/os-release": b"ID=test\n"})])
    arm = Oci([LAYERS[1]])
    platforms = [
        {"os": "linux", "architecture": "amd64"},
        {"os": "linux", "architecture": "arm64", "variant": "v8"},
    ]
    entries: list[dict[str, object]] = []
    for oci, platform in zip((amd, arm), platforms, strict=True):
        manifests = oci.index["manifests"]
        assert isinstance(manifests, list)
        entries.append({**manifests[0], "platform": platform})
        amd.blobs.update(oci.blobs)
    if nested:
        data = json.dumps({"schemaVersion": 2, "mediaType": INDEX, "manifests": entries}).encode()
        entries = [
            {
                "mediaType": INDEX,
                "digest": amd.put(data),
                "size": len(data),
                "annotations": {"org.opencontainers.image.ref.name": "v1"},
            }
        ]
    amd.index = {"schemaVersion": 2, "manifests": entries}
    return amd.write(tmp_path / "multi.tar")


@pytest.mark.parametrize("nested", [True, False], ids=["nested", "flat"])
def test_each_platform_of_an_index_is_read_and_named(tmp_path: Path, nested: bool) -> None:
    """Every platform's image is scanned, and a finding says which: the image's label names
    its platform, and the tag of the index that led to it (before: ``multi.tar@<digest>``,
    no platform, the tag of the nested index dropped)."""
    img = _platform_index(tmp_path, nested=nested)
    out = _scan(img)
    assert out.errors == []
    [finding] = out.findings
    arm = Oci([LAYERS[1]])
    tag = ":v1" if nested else ""
    assert finding.image == f"{img}{tag}@{arm.manifest[7:19]} (linux/arm64/v8)"
    assert finding.package == "example-utils"


def _archive_scanned(img: Path, members: dict[str, bytes]) -> tuple[Path, ImageScanOutput]:
    """The archive of ``members`` written at ``img`` and scanned, with no error."""
    img.write_bytes(tar_bytes(members))
    out = _scan(img)
    assert out.errors == []
    return img, out


def _docker_entry(config: str, layer: str, tags: list[str] | None) -> dict[str, object]:
    """A manifest.json entry as docker save 25 and later writes it (blobs named by digest)."""
    return {
        "Config": f"blobs/sha256/{config[7:]}",
        "RepoTags": tags,
        "Layers": [f"blobs/sha256/{layer[7:]}"],
    }


def test_untagged_images_of_one_docker_archive_are_named_apart(tmp_path: Path) -> None:
    """``docker save IMAGE_ID IMAGE_ID``: entries with no RepoTags. Each image's label is its
    ID (the config's digest, docker's name for it), not the archive's name alone for both."""
    members: dict[str, bytes] = {}
    entries = []
    ids = []
    for layer in (tar_bytes({"etc/os-release": b"ID=test\n"}), LAYERS[1]):
        config = json.dumps({"rootfs": {"type": "layers", "diff_ids": [_digest(layer)]}}).encode()
        ids.append(_digest(config))
        members[f"blobs/sha256/{_digest(layer)[7:]}"] = layer
        members[f"blobs/sha256/{ids[-1][7:]}"] = config
        entries.append(_docker_entry(ids[-1], _digest(layer), None))
    members["manifest.json"] = json.dumps(entries).encode()
    img, out = _archive_scanned(tmp_path / "untagged.tar", members)
    assert [f.image for f in out.findings] == [f"{img}@{ids[1][7:19]}"]


def test_a_docker_archive_manifest_the_oci_index_does_not_name_is_read(tmp_path: Path) -> None:
    """docker save 25 and later writes both an OCI layout (index.json) and manifest.json, and
    ``docker load`` reads manifest.json (the containerd image store index.json): an image only
    one of them names is scanned too, one both name once (its config's digest). Before, only
    index.json was read, and an image only manifest.json named answered CLEAN."""
    oci = Oci([tar_bytes({"etc/os-release": b"ID=test\n"})], gzip_layers=False)
    entries = [_docker_entry(oci.config, oci.layer_digests[0], ["app:1"])]
    config = json.dumps({"rootfs": {"type": "layers", "diff_ids": [_digest(LAYERS[1])]}}).encode()
    entries.append(_docker_entry(oci.put(config), oci.put(LAYERS[1]), ["app:2"]))
    members = {f"blobs/sha256/{d[7:]}": b for d, b in sorted(oci.blobs.items())}
    members["index.json"] = json.dumps(oci.index).encode()
    members["oci-layout"] = b'{"imageLayoutVersion": "1.0.0"}'
    members["manifest.json"] = json.dumps(entries).encode()
    img, out = _archive_scanned(tmp_path / "both.tar", members)
    assert [f.image for f in out.findings] == [f"{img}:app:2"]
    assert len(out.scanned) == 2  # (the image both name, once)


def test_a_manifest_an_index_names_twice_is_read_once(tmp_path: Path) -> None:
    """Two tags of one image (``latest`` and ``1.0``), or a hostile index naming one small
    manifest 20,000 times: the image is read once, under the first name (before: once each,
    a finding each; 20,000 took 11 s)."""
    oci = Oci(LAYERS)
    manifests = oci.index["manifests"]
    assert isinstance(manifests, list)
    entry = manifests[0]
    oci.index["manifests"] = [
        {**entry, "annotations": {"org.opencontainers.image.ref.name": tag}}
        for tag in ("latest", "1.0", "latest")
    ]
    img = oci.write(tmp_path / "tags.tar")
    out = _scan(img)
    assert out.errors == []
    assert [f.image for f in out.findings] == [f"{img}:latest"]
    assert len(out.scanned) == 1
