"""Red-team probes (fresh-eyes hunt, end to end through ``gouvernante.cli.main``): each case a
hand-made input where the scan answered CLEAN, echoed the scanned file or wrote outside its
outputs before the fix. Rule: ``evil`` and ``@evil/x`` at ``=1.0.1``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gouvernante.cli import main
from helpers import compromised_rules, docker_save, tar_bytes

RULES = compromised_rules("PROBE-1", ("evil", "=1.0.1"), ("@evil/x", "=1.0.1"), published_at=None)

CLEAN, ERROR, FINDINGS = 0, 1, 2


def _rules(tmp_path: Path) -> str:
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(RULES), encoding="utf-8")
    return str(path)


def _scan(tmp_path: Path, files: dict[str, str | bytes], *flags: str) -> int:
    folder = tmp_path / "project"
    for name, content in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return main(["-rules", _rules(tmp_path), "-dir", str(folder), *flags])


# --------------------------------------------------------------------------------------------
# package.json: a registry tarball URL under another key is an alias of the package it names


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://registry.npmjs.org/evil/-/evil-1.0.1.tgz", FINDINGS),
        ("https://npm.example/@evil%2fx/-/x-1.0.1.tgz", FINDINGS),
        ("https://registry.npmjs.org/evil/-/evil-1.0.0.tgz", CLEAN),
        ("https://registry.npmjs.org/good/-/good-1.0.1.tgz", CLEAN),
    ],
)
@pytest.mark.parametrize("field", ["dependencies", "overrides"])
def test_a_registry_tarball_url_under_another_key_is_the_package_it_names(
    tmp_path: Path, url: str, expected: int, field: str
) -> None:
    """It read CLEAN: the key (``a``) was taken for the package, and ``a`` is named by no rule,
    while npm installs the tarball's package (evil@1.0.1) in node_modules/a."""
    manifest = {"name": "app", "version": "1.0.0", field: {"a": url}}
    assert _scan(tmp_path, {"package.json": json.dumps(manifest)}) == expected


# --------------------------------------------------------------------------------------------
# bun.lock: a key given twice anywhere (not only a package key) is refused

_BUN_GOOD = '"good": ["good@1.0.0", "", {}, "sha512-AAAA"],'
_BUN_GOOD_TO_EVIL = (
    '"good": ["good@1.0.0", "", {"dependencies": {"evil": "1.0.1"}}, "sha512-AAAA"],'
)
_BUN_EVIL = '"evil": ["evil@1.0.1", "", {}, "sha512-AAAA"],'


def _bun_lock(workspaces: list[str], packages: list[list[str]]) -> str:
    lines = ["{", '  "lockfileVersion": 1,']
    for deps in workspaces:
        lines += ['  "workspaces": {', '    "": {', '      "name": "app",']
        lines += ['      "dependencies": {', f"        {deps}", "      },", "    },", "  },"]
    for entries in packages:
        lines += ['  "packages": {', *(f"    {e}" for e in entries), "  },"]
    return "\n".join([*lines, "}", ""])


@pytest.mark.parametrize(
    "text",
    [
        # the first "packages" holds evil (bun's JSON objects answer a key's first member), the
        # decoder kept the last: CLEAN
        _bun_lock(['"good": "1.0.0",'], [[_BUN_GOOD_TO_EVIL, _BUN_EVIL], [_BUN_GOOD]]),
        _bun_lock(['"evil": "1.0.1",', '"good": "1.0.0",'], [[_BUN_GOOD, _BUN_EVIL]]),
        # the same, minified (not bun's layout)
        "".join(
            _bun_lock(['"good": "1.0.0"'], [[_BUN_GOOD_TO_EVIL, _BUN_EVIL], [_BUN_GOOD]])
            .replace(",\n  }", "}")
            .replace(",\n      }", "}")
            .replace(",\n    }", "}")
            .split("\n")
        ).replace("],}", "]}"),
    ],
)
def test_a_bun_lock_holding_a_key_twice_is_refused(tmp_path: Path, text: str) -> None:
    """It read CLEAN: only a key repeated inside ``packages`` was looked for."""
    assert _scan(tmp_path, {"bun.lock": text}) == ERROR


# --------------------------------------------------------------------------------------------
# installed packages (-host, -image): a package.json that does not say which release is there


_DAMAGED_MANIFESTS = [
    b'{"name": "evil", "version": "1.0.1"',  # cut
    b'{"name": "evil"}',  # no version
    b'{"name": "evil", "version": 1.01}',  # not a string
    b'{"name": "evil", "version": "latest"}',  # not semver
]


@pytest.mark.parametrize("manifest", _DAMAGED_MANIFESTS)
def test_an_installed_package_of_unknown_release_is_an_error(
    tmp_path: Path, manifest: bytes
) -> None:
    """It read CLEAN: a package.json that is not a JSON object was a note ("package skipped"),
    and a rule-named package without a semver version matched nothing, silently."""
    from gouvernante.host.installed import scan_tree
    from gouvernante.host.reader import Collector
    from gouvernante.rules.index import build_index
    from gouvernante.rules.loader import load_rules

    folder = tmp_path / "node_modules" / "evil"
    folder.mkdir(parents=True)
    (folder / "package.json").write_bytes(manifest)
    collector = Collector(build_index(load_rules([_rules(tmp_path)]).rules))
    scan_tree(str(tmp_path / "node_modules"), collector, where="test")
    assert not collector.findings
    assert [e.path for e in collector.errors] == [str(folder / "package.json")]
    for shown in ('"', "{", "1.01", "latest"):  # named by its path, its bytes not echoed
        assert shown not in collector.errors[0].message


@pytest.mark.parametrize("manifest", _DAMAGED_MANIFESTS)
def test_an_image_package_of_unknown_release_is_an_error(tmp_path: Path, manifest: bytes) -> None:

    image = docker_save(
        tmp_path / "image.tar",
        [{"usr/lib/node_modules/evil/package.json": manifest}],
    )
    assert main(["-rules", _rules(tmp_path), "-image", str(image)]) == ERROR


def test_an_installed_package_a_rule_does_not_name_may_have_any_version(tmp_path: Path) -> None:

    image = docker_save(
        tmp_path / "image.tar",
        [{"usr/lib/node_modules/good/package.json": b'{"name": "good", "version": "x"}'}],
    )
    assert main(["-rules", _rules(tmp_path), "-image", str(image)]) == CLEAN


# --------------------------------------------------------------------------------------------
# -image: a whiteout hides what lower layers wrote, never what its own layer wrote before it

_EVIL = b'{"name": "evil", "version": "1.0.1"}'
_SAFE = b'{"name": "evil", "version": "1.0.0"}'
_GOOD = b'{"name": "good", "version": "1.0.0"}'
_NM = "usr/lib/node_modules"


@pytest.mark.parametrize(
    ("upper", "expected"),
    [
        # the layer rewrites evil, then marks node_modules opaque (OCI: lower layers only)
        ({f"{_NM}/evil/package.json": _EVIL, f"{_NM}/.wh..wh..opq": b""}, FINDINGS),
        ({f"{_NM}/evil/package.json": _EVIL, f"{_NM}/.wh.evil": b""}, FINDINGS),
        ({f"{_NM}/evil/package.json": _EVIL, f"{_NM}/evil/.wh..wh..opq": b""}, FINDINGS),
        # what the lower layer wrote is hidden
        ({f"{_NM}/.wh..wh..opq": b"", f"{_NM}/good/package.json": _GOOD}, CLEAN),
        ({f"{_NM}/good/package.json": _GOOD, f"{_NM}/.wh..wh..opq": b""}, CLEAN),
        ({f"{_NM}/.wh.evil": b""}, CLEAN),
    ],
)
def test_a_whiteout_after_a_member_of_its_own_layer_keeps_it(
    tmp_path: Path, upper: dict[str, bytes], expected: int
) -> None:
    """It read CLEAN: an opaque marker removed every lower-layer folder below it with all it
    held, the files its own layer had just written there included."""

    lower = _EVIL if expected == CLEAN else _SAFE
    image = docker_save(tmp_path / "image.tar", [{f"{_NM}/evil/package.json": lower}, upper])
    assert main(["-rules", _rules(tmp_path), "-image", str(image)]) == expected


@pytest.mark.parametrize("target", ["/opt/real.json", "real.json"])
def test_an_image_package_json_that_is_a_symlink_is_an_error(tmp_path: Path, target: str) -> None:
    """It read CLEAN: node follows a package.json that is a link (-host reads it too); the
    image scan skipped it silently."""

    files = {"opt/real.json": _EVIL, f"{_NM}/evil/real.json": _EVIL}
    layer = tar_bytes(files, links={f"{_NM}/evil/package.json": target})
    image = docker_save(tmp_path / "i.tar", [layer])
    assert main(["-rules", _rules(tmp_path), "-image", str(image)]) == ERROR


# --------------------------------------------------------------------------------------------
# -image: buildkit's attestation manifests (in-toto statements, no filesystem) in an OCI index

_IN_TOTO = "application/vnd.in-toto+json"
_TAR = "application/vnd.oci.image.layer.v1.tar"


def _oci_layout(root: Path, images: list[tuple[bytes, str, dict[str, str]]]) -> Path:
    """An OCI layout folder: one manifest per (layer blob, layer media type, annotations)."""
    import hashlib

    blobs = root / "blobs" / "sha256"
    blobs.mkdir(parents=True)

    def put(data: bytes) -> tuple[str, int]:
        digest = hashlib.sha256(data).hexdigest()
        (blobs / digest).write_bytes(data)
        return "sha256:" + digest, len(data)

    manifests = []
    for layer, media, marks in images:
        layer_digest, layer_size = put(layer)
        config = {"rootfs": {"type": "layers", "diff_ids": [layer_digest]}}
        config_digest, config_size = put(json.dumps(config).encode())
        manifest = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": config_digest,
                "size": config_size,
            },
            "layers": [{"mediaType": media, "digest": layer_digest, "size": layer_size}],
        }
        digest, size = put(json.dumps(manifest).encode())
        manifests.append(
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": digest,
                "size": size,
                "annotations": marks,
            }
        )
    (root / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    (root / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": manifests}))
    return root


def _attestation_of(image_digest: str) -> dict[str, str]:
    return {
        "vnd.docker.reference.type": "attestation-manifest",
        "vnd.docker.reference.digest": image_digest,
    }


@pytest.mark.parametrize(
    ("manifest", "attestation_media", "expected"),
    [
        (_GOOD, _IN_TOTO, CLEAN),  # was ERROR: "unsupported layer media type"
        (_EVIL, _IN_TOTO, FINDINGS),
        (_GOOD, "application/x-strange", ERROR),  # not an attestation's layer: refused as before
        # ... and that other manifest's error no longer hides the image's finding (was ERROR:
        # the first unreadable manifest ended the reading of the whole index)
        (_EVIL, "application/x-strange", FINDINGS),
    ],
)
def test_an_attestation_manifest_is_not_an_image(
    tmp_path: Path, manifest: bytes, attestation_media: str, expected: int
) -> None:

    layer = tar_bytes({"usr/lib/node_modules/x/package.json": manifest})
    statement = b'{"_type": "https://in-toto.io/Statement/v0.1", "predicateType": "x"}'
    oci = _oci_layout(
        tmp_path / "oci",
        [
            (layer, _TAR, {"org.opencontainers.image.ref.name": "latest"}),
            (statement, attestation_media, _attestation_of("sha256:" + "0" * 64)),
        ],
    )
    assert main(["-rules", _rules(tmp_path), "-image", str(oci)]) == expected


def test_a_bun_lock_too_deep_to_check_its_keys_is_refused() -> None:
    """It read CLEAN: nesting the decoder takes but ``json`` does not (its recursion limit,
    lower under a deep call stack) made the key check answer 'no key given twice'."""
    from gouvernante.errors import LockfileError
    from gouvernante.lockfiles import bun

    def text(depth: int) -> bytes:
        deep = '{"a":' * depth + "1" + "}" * depth
        body = '{"lockfileVersion":1,"packages":{"evil":["evil@1.0.1","",%s,"sha512-AAAA"]},'
        return (body % deep + '"packages":{}}').encode()

    depth = 2000
    while depth > 0:  # the deepest nesting the decoder reads
        try:
            bun._decode(text(depth), "bun.lock")
            break
        except LockfileError:
            depth -= 1
    for nested in range(depth, depth - 40, -1):  # json's limit is a few frames lower
        with pytest.raises(LockfileError):
            bun.parse(text(nested), "bun.lock")
