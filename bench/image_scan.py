"""``-image`` on a synthetic image of real files: plain and gzip outer archive, against a one-pass
floor, same run.

    PYTHONPATH=src python bench/image_scan.py [--layers 20] [--mb 300] [--repeat 3]
        [--before EXPORT/src] [--dir DIR] [--order digest|layer]

Builds one image of ``--layers`` layers holding ``--mb`` MB of real files (this machine's
``/usr/lib`` libraries and Python sources, so layers compress as real ones do: about 3x) plus
an installed package and a lockfile a rule names, in three archives:

- ``docker.tar``: what ``docker save`` (25 and later) writes: an OCI layout with uncompressed
  layers, ``blobs/sha256/<digest>`` sorted by digest (``--order layer``: in layer order), then
  ``index.json``, ``manifest.json`` and ``oci-layout`` at the end;
- ``docker.tar.gz``: the same, ``gzip -6`` (``docker save img | gzip``);
- ``oci.tar``: an ``oci-archive`` as ``skopeo copy`` writes it: gzip layers.

Each archive is scanned by the CLI (``-image``, a child process: wall, CPU and peak RSS),
interleaved ``--repeat`` times with the floor: one sequential pass over the archive that
decompresses it and every layer and lists the layers' tar members (what any reader must do),
and with the tree given by ``--before`` (a ``git archive`` export's ``src``) when given.
Medians are printed, with the ratios to the floor.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

SOURCES = ("/usr/lib/x86_64-linux-gnu", "/usr/lib/python3.11", "/usr/share")
GZIP_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
TAR_LAYER = "application/vnd.oci.image.layer.v1.tar"
RULES = {
    "schema_version": "1.0.0",
    "rules": [
        {
            "id": "BENCH-IMG",
            "title": "a package planted in the bench image",
            "kind": "compromised-release",
            "ecosystem": "npm",
            "severity": "critical",
            "summary": "bench",
            "aliases": [],
            "references": [],
            "package_rules": [{"package_name": "example-utils", "affected_versions": ["=2.3.1"]}],
            "dropper_packages": [],
        }
    ],
}


def _files(limit: int, largest: int) -> Iterator[tuple[str, bytes]]:
    """Real files of this machine up to ``largest`` bytes, in walk order, until ``limit``
    bytes."""
    total = 0
    for root in SOURCES:
        for dirpath, dirs, names in os.walk(root):
            dirs.sort()
            for name in sorted(names):
                path = os.path.join(dirpath, name)
                if os.path.islink(path) or not os.path.isfile(path):
                    continue
                try:
                    data = Path(path).read_bytes()
                except OSError:
                    continue
                if len(data) > largest:
                    continue
                yield path.lstrip("/"), data
                total += len(data)
                if total >= limit:
                    return


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


def _layer_tar(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in members:
            _add(tar, name, data)
    return buf.getvalue()


def _layers(layers: int, mb: int) -> list[bytes]:
    """``layers`` uncompressed layer tars of about ``mb`` MB in all; the last one installs
    example-utils 2.3.1 and a lockfile that locks it."""
    per = mb * 1024**2 // layers
    groups: list[list[tuple[str, bytes]]] = [[]]
    size = 0
    for name, data in _files(mb * 1024**2, per // 4):
        groups[-1].append((f"layer{len(groups)}/{name}", data))
        size += len(data) + 1024
        if size >= per and len(groups) < layers:
            groups.append([])
            size = 0
    manifest = json.dumps({"name": "example-utils", "version": "2.3.1"}).encode()
    lock = {
        "name": "app",
        "lockfileVersion": 3,
        "packages": {
            "": {"name": "app", "dependencies": {"example-utils": "2.3.1"}},
            "node_modules/example-utils": {"version": "2.3.1"},
        },
    }
    groups[-1].append(("app/node_modules/example-utils/package.json", manifest))
    groups[-1].append(("app/package-lock.json", json.dumps(lock).encode()))
    return [_layer_tar(g) for g in groups]


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _archive(path: Path, layer_tars: list[bytes], *, compress: bool, order: str) -> None:
    diff_ids = [_digest(t) for t in layer_tars]
    blobs = [gzip.compress(t, 6, mtime=0) for t in layer_tars] if compress else layer_tars
    config = json.dumps(
        {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": diff_ids}}
    ).encode()
    media = GZIP_LAYER if compress else TAR_LAYER
    descs = [{"mediaType": media, "digest": _digest(b), "size": len(b)} for b in blobs]
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": _digest(config),
                "size": len(config),
            },
            "layers": descs,
        }
    ).encode()
    index = {
        "schemaVersion": 2,
        "manifests": [
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": _digest(manifest),
                "size": len(manifest),
                "annotations": {"org.opencontainers.image.ref.name": "bench:1"},
            }
        ],
    }
    named = {_digest(b)[7:]: b for b in [*blobs, config, manifest]}
    names = sorted(named) if order == "digest" else [_digest(b)[7:] for b in blobs]
    names += [n for n in sorted(named) if n not in names]
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        for name in names:
            _add(tar, f"blobs/sha256/{name}", named[name])
        _add(tar, "index.json", json.dumps(index).encode())
        if not compress:  # docker save's own manifest.json beside the OCI index
            legacy = [
                {
                    "Config": f"blobs/sha256/{_digest(config)[7:]}",
                    "RepoTags": ["bench:1"],
                    "Layers": [f"blobs/sha256/{_digest(b)[7:]}" for b in blobs],
                }
            ]
            _add(tar, "manifest.json", json.dumps(legacy).encode())
        _add(tar, "oci-layout", b'{"imageLayoutVersion": "1.0.0"}')


def build(folder: Path, layers: int, mb: int, order: str) -> dict[str, Path]:
    layer_tars = _layers(layers, mb)
    print(f"{len(layer_tars)} layers, {sum(map(len, layer_tars)) / 1024**2:.0f} MiB uncompressed")
    out = {"docker.tar": folder / "docker.tar", "oci.tar": folder / "oci.tar"}
    _archive(out["docker.tar"], layer_tars, compress=False, order=order)
    _archive(out["oci.tar"], layer_tars, compress=True, order=order)
    out["docker.tar.gz"] = folder / "docker.tar.gz"
    with open(out["docker.tar"], "rb") as src, gzip.open(out["docker.tar.gz"], "wb", 6) as dst:
        shutil.copyfileobj(src, dst, 1024**2)
    return out


FLOOR = """
import sys, tarfile
with tarfile.open(sys.argv[1], "r|*") as outer:
    for member in outer:
        if member.isreg() and member.size >= 4096:
            try:  # a layer, plain or gzip; the JSON blobs are not tars
                with tarfile.open(fileobj=outer.extractfile(member), mode="r|*") as layer:
                    for _ in layer:
                        pass
            except tarfile.ReadError:
                pass
"""


def _child(args: list[str], env: dict[str, str]) -> tuple[float, float, float, int]:
    """Wall, CPU seconds and peak RSS (MiB) of one child, and its exit code. (The archives are
    built in another child: a child's peak RSS counts its parent's memory at the fork.)"""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert proc.stderr is not None
    err = proc.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code
    if code not in (0, 2):
        sys.stderr.write(err[-2000:])
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=20)
    parser.add_argument("--mb", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--before", help="src folder of the tree to compare with")
    parser.add_argument("--dir", help="build here (once) and keep the archives")
    parser.add_argument("--order", choices=("digest", "layer"), default="digest")
    parser.add_argument("--only", help="comma-separated archive names (default: all three)")
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_only:
        build(Path(args.dir), args.layers, args.mb, args.order)
        return 0
    src = str(Path(__file__).resolve().parent.parent / "src")
    folder = Path(args.dir or tempfile.mkdtemp(prefix="gouv-image-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        started = time.perf_counter()
        archives = {n: folder / n for n in ("docker.tar", "oci.tar", "docker.tar.gz")}
        if not all(p.exists() for p in archives.values()):
            make = [sys.executable, __file__, "--build-only", "--dir", str(folder)]
            make += ["--layers", str(args.layers), "--mb", str(args.mb), "--order", args.order]
            subprocess.run(make, check=True)
        rules = folder / "rules.json"
        rules.write_text(json.dumps(RULES))
        print(f"built in {time.perf_counter() - started:.1f} s:", flush=True)
        for name, path in archives.items():
            print(f"  {name}: {path.stat().st_size / 1024**2:.0f} MiB")
        trees = {"this tree": src}
        if args.before:
            trees["before"] = args.before
        wanted = args.only.split(",") if args.only else list(archives)
        for name in wanted:
            path = archives[name]
            runs: dict[str, list[tuple[float, float, float, int]]] = {"floor": []}
            runs.update({t: [] for t in trees})
            for i in range(args.repeat + 1):
                env = dict(os.environ)
                r = _child(["-c", FLOOR, str(path)], env)
                if i:
                    runs["floor"].append(r)
                for tree, path_src in trees.items():
                    env = dict(os.environ, PYTHONPATH=path_src)
                    cmd = ["-m", "gouvernante", "-rules", str(rules), "-image", str(path)]
                    r = _child([*cmd, "-json"], env)
                    if i:
                        runs[tree].append(r)
            floor_wall = statistics.median(r[0] for r in runs["floor"])
            print(f"{name}:")
            for label, rs in runs.items():
                wall = statistics.median(r[0] for r in rs)
                cpu = statistics.median(r[1] for r in rs)
                rss = statistics.median(r[2] for r in rs)
                codes = sorted({r[3] for r in rs})
                print(
                    f"  {label:10} wall {wall:6.2f} s  cpu {cpu:6.2f} s  "
                    f"({wall / floor_wall:.2f}x floor)  peak RSS {rss:5.0f} MiB  exit {codes}",
                    flush=True,
                )
    finally:
        if not args.dir:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
