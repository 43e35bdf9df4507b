#!/usr/bin/env python3
"""Copy the lockfiles that registry tarballs carry (registry_cases.json) into <id>/tree.

usage: fetch_registry.py [CACHE]   (tarballs are downloaded into CACHE, default a temporary folder)

Each row names a package tarball of the npm registry, its sha256 (checked before anything is
read) and the tarball member that is the lockfile: a package's own published npm-shrinkwrap.json
or package-lock.json, or the lockfile one of its bundled dependencies shipped (npm 5/6 and pnpm 3-9
bundle packages whose own tarballs held their yarn.lock, package-lock.json or pnpm-lock.yaml).
The lockfile and the package.json beside it are copied byte for byte to <id>/tree/; nothing in
the tarball is run. Writes <id>/source.json (tarball, member, the package the lockfile belongs to,
every copied file with its sha256)."""
import hashlib, json, os, posixpath, sys, tarfile, tempfile, urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def tarball(url, sha, cache):
    path = Path(cache) / url.rsplit("/", 1)[1]
    if not path.exists() or hashlib.sha256(path.read_bytes()).hexdigest() != sha:
        with urllib.request.urlopen(url, timeout=120) as r:
            path.write_bytes(r.read())
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != sha:
        raise SystemExit(f"{url}: sha256 differs from registry_cases.json")
    return path


def main():
    cache = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="rw-tarballs-")
    os.makedirs(cache, exist_ok=True)
    for c in json.loads((HERE / "registry_cases.json").read_text()):
        path = tarball(c["tarball"], c["tarball_sha256"], cache)
        lockname = posixpath.basename(c["member"])
        out = ROOT / c["id"] / "tree"
        out.mkdir(parents=True, exist_ok=True)
        files = []
        with tarfile.open(path) as t:
            for member in (c["member"], posixpath.join(posixpath.dirname(c["member"]), "package.json")):
                data = t.extractfile(member).read()
                (out / posixpath.basename(member)).write_bytes(data)
                files.append({"path": posixpath.basename(member), "path_in_tarball": member, "bytes": len(data),
                              "sha256": hashlib.sha256(data).hexdigest()})
        pkg = json.loads((out / "package.json").read_text())
        host = c["tarball"].rsplit("/-/", 1)[0].split("/", 3)[3].replace("%2f", "/").replace("%2F", "/")
        src = {"id": c["id"], "repo": f"npm:{pkg['name']}@{pkg['version']}", "url": c["tarball"],
               "commit": None, "commit_date": "", "lockfile": lockname,
               "package": pkg["name"], "version": pkg["version"], "tarball": c["tarball"],
               "tarball_package": host, "tarball_sha256": c["tarball_sha256"], "path_in_tarball": c["member"],
               "files": files, "workspace_dirs_without_manifest": [],
               "fetched_with": "fetch_registry.py: the registry tarball, members copied byte for byte; nothing in it run"}
        (ROOT / c["id"] / "source.json").write_text(json.dumps(src, indent=1) + "\n")
        print(f"{c['id']}: {files[0]['bytes']} bytes from {host} {c['member']}")


if __name__ == "__main__":
    main()
