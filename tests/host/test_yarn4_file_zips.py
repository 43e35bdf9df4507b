"""yarn 4's cache zips of dependencies that are no registry release (yarn 4.18.1; decision 0097):
``<ident>-file-<hash>-<checksum>.zip`` for a ``file:`` tarball and a ``file:`` folder alike,
``<ident>-patch-...`` for a patch, named by the dependency ("foo" for ms 2.1.3), the package at
``node_modules/<ident>/`` inside. Each is read by its package.json and matched by the name and
version it gives. The fixture and what yarn installs from it: fixtures/yarn4-file-zips/
generate.sh."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from gouvernante.host.caches import scan_berry_cache
from gouvernante.host.reader import Collector
from gouvernante.rules.index import build_index

CACHE = Path(__file__).parent / "fixtures" / "yarn4-file-zips" / "cache"


def _scan(h: Any, cache: Path, rule: tuple[str, str]) -> Collector:
    c = Collector(build_index((h.make_rule("R", [rule]),)))
    scan_berry_cache(str(cache), c, "the yarn cache")
    return c


def _zip(prefix: str) -> str:
    return next(p.name for p in CACHE.iterdir() if p.name.startswith(prefix))


def test_file_and_patch_zips_are_named_by_their_package_json(h: Any) -> None:
    c = _scan(h, CACHE, ("ms", "=2.1.3"))
    assert c.errors == []
    found = sorted((f.package, f.version, Path(f.path or "").name) for f in c.findings)
    assert found == sorted(
        ("ms", "2.1.3", _zip(prefix))
        for prefix in ("ms-npm-", "ms-file-", "foo-file-", "@x-local-file-", "bar-patch-")
    )
    for rule in (("ms", "=2.1.2"), ("left-pad", "=1.3.0"), ("foo", "=2.1.3")):
        c = _scan(h, CACHE, rule)
        assert c.findings == [] and c.errors == []


def _copy(tmp_path: Path) -> Path:
    cache = tmp_path / "cache"
    shutil.copytree(CACHE, cache)
    return cache


def test_a_file_zip_that_cannot_be_read_is_an_error(h: Any, tmp_path: Path) -> None:
    cache = _copy(tmp_path)
    damaged = cache / _zip("foo-file-")
    damaged.write_bytes(damaged.read_bytes()[:100])
    c = _scan(h, cache, ("ms", "=2.1.3"))
    assert [e.path for e in c.errors] == [str(damaged)]
    assert "not a readable zip archive" in c.errors[0].message
    assert str(damaged) not in {f.path for f in c.findings}


def _rezip(path: Path, members: dict[str, bytes]) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for name, data in members.items():
            out.writestr(name, data)
    path.write_bytes(buf.getvalue())


@pytest.mark.parametrize(
    ("members", "said"),
    [
        ({"node_modules/foo/index.js": b"x"}, "is missing or was not read"),
        # two packages either of which the file name may mean: which one yarn links is unknown
        (
            {
                "node_modules/foo/package.json": b'{"name":"ms","version":"2.1.3"}',
                "node_modules/foo-file/package.json": b'{"name":"ms","version":"2.1.2"}',
            },
            "is missing or was not read",
        ),
        ({"node_modules/foo/package.json": b'{"name":"ms"}'}, "names ms with no version"),
    ],
    ids=["no-manifest", "two-manifests", "no-version"],
)
def test_a_file_zip_whose_package_json_does_not_say_is_an_error(
    h: Any, tmp_path: Path, members: dict[str, bytes], said: str
) -> None:
    cache = _copy(tmp_path)
    odd = cache / _zip("foo-file-")
    _rezip(odd, members)
    c = _scan(h, cache, ("ms", "=2.1.3"))
    assert [e.path for e in c.errors] == [str(odd)]
    assert said in c.errors[0].message


def test_a_registry_zip_of_an_unnamed_package_is_not_opened(h: Any, tmp_path: Path) -> None:
    """``-npm-<version>-`` zips are named by their package: one the rules do not name is not
    read (a damaged one is nothing), as before."""
    cache = _copy(tmp_path)
    (cache / _zip("is-number-npm-")).write_bytes(b"x")
    c = _scan(h, cache, ("ms", "=2.1.3"))
    assert c.errors == [] and len(c.findings) == 5
