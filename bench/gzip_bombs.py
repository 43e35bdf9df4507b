"""Build hostile layouts of many distinct gzip bombs, each under the per-file limits, and time
the CLI on them (decision 0094).

    PYTHONPATH=src python bench/gzip_bombs.py --dir DIR [--count 20] [--unpacked-mib 1000]
        [--build dir,git,image,cache,berry] [--run] [--src SRC]

Each bomb is a packed npm package (``package/package.json`` naming ``bomb<i>`` 1.0.3, then
``package/zero.bin`` of ``--unpacked-mib`` MiB of zeros), a distinct file (its own package.json,
so no memo of a tarball read applies) of about 1/1000 of its unpacked size: two gzip members,
the first the package's own headers, the second one deflate of zeros shared by all. Layouts:

- ``dir``: a yarn 1 project whose ``yarn.lock`` names the bombs as ``file:`` tarballs
  (``-dir``, ``-dir -recursive``, ``inventory add -dir``);
- ``git``: that folder committed (``-git``, ``inventory add -git``);
- ``image``: an OCI layout of one layer holding it (``-image``; bombs over 64 MiB are not kept);
- ``cache``: ``<home>/.npm/_cacache/content-v2`` holding the bombs and no index (``-host``);
- ``berry``: ``<home>/.yarn/berry/cache`` of zips each declaring 63 MiB of candidate members;
- ``layers``: an OCI layout of 4 gzip layers of 4 GiB of zeros each (``-image``'s own bounds).

``--run`` times each mode with ``/usr/bin/time -v`` (wall seconds, peak RSS) and prints the exit
codes; ``--src`` runs another source tree (main's, for the before figures).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _zeros_deflate(size: int) -> bytes:
    """One raw gzip member of ``size`` zero bytes then the tar's two end blocks."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0, compresslevel=9) as gz:
        block = bytes(1 << 20)
        left = size
        while left:
            n = min(left, len(block))
            gz.write(block[:n])
            left -= n
        gz.write(bytes(1024))  # the tar's end
    return out.getvalue()


def bomb(index: int, unpacked: int, tail: bytes) -> bytes:
    head = io.BytesIO()
    manifest = json.dumps({"name": f"bomb{index}", "version": "1.0.3"}).encode()
    with tarfile.open(fileobj=head, mode="w|", format=tarfile.GNU_FORMAT) as tar:
        info = tarfile.TarInfo("package/package.json")
        info.size = len(manifest)
        tar.addfile(info, io.BytesIO(manifest))
        big = tarfile.TarInfo("package/zero.bin")
        big.size = unpacked
        tar.addfile(big)  # header only: the zeros come from ``tail``
    raw = _headers(head)
    return gzip.compress(raw, mtime=0) + tail


def _headers(raw_tar: io.BytesIO) -> bytes:
    """The tar written so far without its end blocks and record padding: the package.json's
    header and block, then the big member's header."""
    data = raw_tar.getvalue()
    return data[: 512 * 3]


def build_dir(root: Path, count: int, unpacked: int) -> Path:
    tree = root / "project"
    (tree / "vendor").mkdir(parents=True, exist_ok=True)
    tail = _zeros_deflate(unpacked)
    deps = {}
    lock = ["# yarn lockfile v1", ""]
    for i in range(count):
        (tree / "vendor" / f"b{i}.tgz").write_bytes(bomb(i, unpacked, tail))
        deps[f"b{i}"] = f"file:vendor/b{i}.tgz"
        lock += [
            f'"b{i}@file:vendor/b{i}.tgz":',
            '  version "1.0.3"',
            f'  resolved "file:vendor/b{i}.tgz"',
            "",
        ]
    (tree / "package.json").write_text(
        json.dumps({"name": "p", "version": "1.0.0", "dependencies": deps})
    )
    (tree / "yarn.lock").write_text("\n".join(lock))
    return tree


def build_git(root: Path, tree: Path) -> Path:
    repo = root / "repo"
    subprocess.run(["cp", "-r", str(tree), str(repo)], check=True)
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "b",
        "GIT_AUTHOR_EMAIL": "b@x",
        "GIT_COMMITTER_NAME": "b",
        "GIT_COMMITTER_EMAIL": "b@x",
    }
    for args in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-q", "-m", "bombs"]):
        subprocess.run(["git", "-C", str(repo), *args], check=True, env=env)
    return repo


def build_cache(root: Path, count: int, unpacked: int) -> Path:
    home = root / "home"
    content = home / ".npm" / "_cacache" / "content-v2" / "sha512"
    tail = _zeros_deflate(unpacked)
    for i in range(count):
        data = bomb(i, unpacked, tail)
        digest = hashlib.sha512(data).hexdigest()
        blob = content / digest[:2] / digest[2:4] / digest[4:]
        blob.parent.mkdir(parents=True, exist_ok=True)
        blob.write_bytes(data)
    return home


def build_berry(root: Path, count: int) -> Path:
    home = root / "home-berry"
    cache = home / ".yarn" / "berry" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    zeros = bytes(63 * 1024 * 1024 // 4)  # 63 MiB declared: under the old 64 MiB floor
    for i in range(count):
        with zipfile.ZipFile(
            cache / f"bomb{i}-npm-1.0.3-{i:08x}-10c0.zip",
            "w",
            zipfile.ZIP_DEFLATED,
            compresslevel=9,
        ) as z:
            z.writestr(
                f"node_modules/bomb{i}/package.json",
                json.dumps({"name": f"bomb{i}", "version": "1.0.3"}),
            )
            for k in range(4):
                z.writestr(f"node_modules/bomb{i}/x{k}.js", zeros)
    return home


def _put(blobs: Path, data: bytes) -> dict[str, object]:
    digest = hashlib.sha256(data).hexdigest()
    (blobs / digest).write_bytes(data)
    return {"digest": f"sha256:{digest}", "size": len(data)}


def _layout(layout: Path, layers: list[dict[str, object]], diff_ids: list[str]) -> Path:
    """An OCI layout of gzip ``layers`` (their blobs written already) and their ``diff_ids``."""
    blobs = layout / "blobs" / "sha256"
    config = {"architecture": "amd64", "os": "linux"}
    config["rootfs"] = {"type": "layers", "diff_ids": diff_ids}  # type: ignore[assignment]
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            **_put(blobs, json.dumps(config).encode()),
        },
        "layers": [
            {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", **layer}
            for layer in layers
        ],
    }
    described = {
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        **_put(blobs, json.dumps(manifest).encode()),
    }
    (layout / "oci-layout").write_text(json.dumps({"imageLayoutVersion": "1.0.0"}))
    (layout / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [described]}))
    return layout


def build_image(root: Path, tree: Path) -> Path:
    """An OCI layout of one gzip layer holding ``tree`` at /app."""
    layout = root / "image"
    blobs = layout / "blobs" / "sha256"
    blobs.mkdir(parents=True, exist_ok=True)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        tar.add(str(tree), arcname="app")
    layer = _put(blobs, gzip.compress(raw.getvalue(), mtime=0, compresslevel=1))
    return _layout(layout, [layer], [f"sha256:{hashlib.sha256(raw.getvalue()).hexdigest()}"])


def build_layers(root: Path, layers: int = 4) -> Path:
    """An OCI layout of ``layers`` gzip layers, each one member of 4 GiB less 1 MiB of zeros
    (the image's own bounds: 4 GiB a layer, 16 GiB an image), with right diff_ids."""
    layout = root / "layers"
    blobs = layout / "blobs" / "sha256"
    blobs.mkdir(parents=True, exist_ok=True)
    gib = 1024 * 1024 * 1024
    size = 4 * gib - 1024 * 1024
    zeros = gzip.compress(bytes(gib), mtime=0)
    rest = gzip.compress(bytes(size - 3 * gib + 1024), mtime=0)  # (and the tar's end)
    described, diff_ids = [], []
    for n in range(layers):
        info = tarfile.TarInfo(f"zero{n}.bin")
        info.size = size
        header = info.tobuf(tarfile.GNU_FORMAT)
        sha = hashlib.sha256(header)
        for _ in range(3):
            sha.update(bytes(gib))
        sha.update(bytes(size - 3 * gib + 1024))
        described.append(_put(blobs, gzip.compress(header, mtime=0) + zeros * 3 + rest))
        diff_ids.append(f"sha256:{sha.hexdigest()}")
    return _layout(layout, described, diff_ids)


def timed(label: str, args: list[str], src: Path, env_extra: dict[str, str] | None = None) -> None:
    env = {**os.environ, "PYTHONPATH": str(src), **(env_extra or {})}
    started = time.perf_counter()
    proc = subprocess.run(
        ["/usr/bin/time", "-v", sys.executable, "-m", "gouvernante", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    rss = next(
        (
            line.split(":")[1].strip()
            for line in proc.stderr.splitlines()
            if "Maximum resident" in line
        ),
        "?",
    )
    errors = proc.stdout.count("tarball") + proc.stderr.count("tarball")
    print(
        f"{label:16} exit {proc.returncode}  {wall:7.2f} s  {int(rss) // 1024:5} MB"
        f"  ({errors} lines naming a tarball)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True, type=Path)
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--unpacked-mib", type=int, default=1000)
    parser.add_argument("--build", default="")
    parser.add_argument("--run", default="")
    parser.add_argument("--src", type=Path, default=ROOT / "src")
    ns = parser.parse_args()
    root: Path = ns.dir
    unpacked = ns.unpacked_mib * 1024 * 1024
    built = set(filter(None, ns.build.split(",")))
    if built & {"dir", "git", "image"}:
        tree = build_dir(root, ns.count, unpacked)
        if "git" in built:
            build_git(root, tree)
        if "image" in built:
            build_image(root, tree)
    if "cache" in built:
        build_cache(root, ns.count, unpacked)
    if "berry" in built:
        build_berry(root, ns.count)
    if "layers" in built:
        build_layers(root)
    db = root / "inv.sqlite"
    runs = {
        "dir": ["-dir", str(root / "project")],
        "recursive": ["-dir", str(root), "-recursive"],
        "git": ["-git", str(root / "repo")],
        "image": ["-image", str(root / "image")],
        "layers": ["-image", str(root / "layers")],
        "host": ["-host", "-dir", str(root / "empty")],
        "berry": ["-host", "-dir", str(root / "empty")],
        "inventory-dir": ["inventory", "add", "-db", str(db), "-dir", str(root / "project")],
        "inventory-git": ["inventory", "add", "-db", str(db), "-git", str(root / "repo")],
    }
    for mode in filter(None, ns.run.split(",")):
        if mode.startswith("inventory") and db.exists():
            db.unlink()
        (root / "empty").mkdir(exist_ok=True)
        home = {"host": "home", "berry": "home-berry"}.get(mode)
        timed(mode, runs[mode], ns.src, {"HOME": str(root / home)} if home else None)


if __name__ == "__main__":
    main()
