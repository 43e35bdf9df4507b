"""A package entry of an image's install that is a symlink to a folder of the same ``node_modules``
tree the scan does not read as a package (decision 0152; decision 0150 for ``-host``).

``node_modules/kind-of -> .evil/is-number`` (a dot-folder of ``node_modules`` holding is-number
7.0.0's package.json), or nested ``node_modules/is-odd/node_modules/is-number ->
../../.evil/is-number``: ``require("kind-of")`` loads is-number 7.0.0 (checked with node 20 by
``tests/host/fixtures/intree-symlinks/generate.sh``), and ``-image`` read CLEAN. The trees are
that fixture's (npm 11.19.1, pnpm 9.15.9) put in image layers under ``/app``.
"""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

from gouvernante.host.installed import SCOPE_LINK_IN_TREE
from gouvernante.image.scan import LINKED_MANIFEST, ImageScanOutput, scan_images
from gouvernante.rules.index import build_index
from host import conftest as h
from image.test_image_scan import Member, _dir, _file, _image, _link

FIXTURES = Path(__file__).parents[1] / "host" / "fixtures" / "intree-symlinks"
NUMBER_7 = b'{"name": "is-number", "version": "7.0.0", "main": "index.js"}\n'
EVIL = [
    _dir("app/node_modules/.evil"),
    _file("app/node_modules/.evil/is-number/package.json", NUMBER_7),
]


def _tree(case: str, *, leave: str = "") -> list[Member]:
    """The fixture's tree as layer members under ``app/`` (symlinks kept as written), without
    ``leave`` and what is below it."""
    base = FIXTURES / case
    out: list[Member] = []
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            full = Path(dirpath) / name
            rel = "app/" + full.relative_to(base).as_posix()
            if leave and (rel == leave or rel.startswith(leave + "/")):
                continue
            if full.is_symlink():
                out.append(_link(rel, os.readlink(full), tarfile.SYMTYPE))
            elif full.is_dir():
                out.append(_dir(rel))
            else:
                out.append(_file(rel, full.read_bytes()))
    return out


def _scan(img: Path, version: str = "=7.0.0") -> ImageScanOutput:
    return scan_images([str(img)], build_index((h.make_rule("R", [("is-number", version)]),)))


def _found(out: ImageScanOutput) -> list[str]:
    return sorted(f"{f.package}@{f.version} {f.path}" for f in out.findings)


def test_the_trees_as_installed_are_clean(tmp_path: Path) -> None:
    for case in ("npm11", "pnpm9"):
        out = _scan(_image(tmp_path, _tree(case)))
        assert (_found(out), out.errors, out.notes) == ([], [], [])


def test_a_top_entry_linked_to_a_dot_folder_of_the_tree_is_read(tmp_path: Path) -> None:
    # the npm tree in one layer; a later layer removes kind-of and plants the link
    tamper = [
        _file("app/node_modules/.wh.kind-of", b""),
        *EVIL,
        _link("app/node_modules/kind-of", ".evil/is-number", tarfile.SYMTYPE),
    ]
    out = _scan(_image(tmp_path, _tree("npm11"), tamper))
    assert _found(out) == ["is-number@7.0.0 /app/node_modules/kind-of"]
    assert out.errors == []


def test_a_nested_entry_linked_to_a_dot_folder_of_the_tree_is_read(tmp_path: Path) -> None:
    nested = [
        *EVIL,
        _dir("app/node_modules/is-odd/node_modules"),
        _link(
            "app/node_modules/is-odd/node_modules/is-number",
            "../../.evil/is-number",
            tarfile.SYMTYPE,
        ),
    ]
    out = _scan(_image(tmp_path, _tree("npm11") + nested))
    assert _found(out) == ["is-number@7.0.0 /app/node_modules/is-odd/node_modules/is-number"]
    assert out.errors == []


def test_absolute_and_chained_links_are_read_in_the_image(tmp_path: Path) -> None:
    # an absolute target is the image's root, never this machine's; a scoped place; a link
    # reached through another link of the tree
    links = [
        *EVIL,
        _link("app/node_modules/kind-of", "/app/node_modules/.evil/is-number", tarfile.SYMTYPE),
        _dir("app/node_modules/@x"),
        _link("app/node_modules/@x/y", "../.hop/is-number", tarfile.SYMTYPE),
        _link("app/node_modules/.hop", ".evil", tarfile.SYMTYPE),
    ]
    out = _scan(_image(tmp_path, _tree("npm11", leave="app/node_modules/kind-of") + links))
    assert _found(out) == [
        "is-number@7.0.0 /app/node_modules/@x/y",
        "is-number@7.0.0 /app/node_modules/kind-of",
    ]
    assert out.errors == []


def test_loops_ancestors_and_links_out_of_the_tree(tmp_path: Path) -> None:
    links = [
        _link("app/node_modules/self", ".", tarfile.SYMTYPE),
        _link("app/node_modules/up", "..", tarfile.SYMTYPE),
        _link("app/node_modules/root", "/", tarfile.SYMTYPE),
        _link("app/node_modules/above", "../../../../../..", tarfile.SYMTYPE),
        _link("app/node_modules/a", "b", tarfile.SYMTYPE),
        _link("app/node_modules/b", "a", tarfile.SYMTYPE),
        _link("app/node_modules/me", "me", tarfile.SYMTYPE),
        # out of the tree: not followed, as -host (decision 0050)
        _file("opt/evil/package.json", NUMBER_7),
        _link("app/node_modules/out", "/opt/evil", tarfile.SYMTYPE),
    ]
    out = _scan(_image(tmp_path, _tree("npm11") + links))
    assert _found(out) == []
    assert out.errors == []


def test_links_to_packages_read_where_they_are_read_nothing_more(tmp_path: Path) -> None:
    # pnpm's links into .pnpm, and an alias to npm's own folder: one finding each, where read
    for case, places in (
        ("pnpm9", ["/app/node_modules/.pnpm/is-number@6.0.0/node_modules/is-number"]),
        ("npm11", ["/app/node_modules/is-number"]),
    ):
        alias = [_link("app/node_modules/alias", "is-number", tarfile.SYMTYPE)]
        if case == "pnpm9":
            alias = [
                _link(
                    "app/node_modules/alias",
                    ".pnpm/is-number@6.0.0/node_modules/is-number",
                    tarfile.SYMTYPE,
                )
            ]
        before = _scan(_image(tmp_path, _tree(case)), "=6.0.0")
        out = _scan(_image(tmp_path, _tree(case) + alias), "=6.0.0")
        assert _found(out) == [f"is-number@6.0.0 {p}" for p in places]
        assert (out.errors, out.notes, out.installed) == ([], [], before.installed)


def test_a_linked_package_json_at_the_target_is_not_followed(tmp_path: Path) -> None:
    links = [
        _dir("app/node_modules/.evil/is-number"),
        _link("app/node_modules/.evil/is-number/package.json", "/opt/p.json", tarfile.SYMTYPE),
        _file("opt/p.json", NUMBER_7),
        _link("app/node_modules/kind-of", ".evil/is-number", tarfile.SYMTYPE),
    ]
    out = _scan(_image(tmp_path, _tree("npm11", leave="app/node_modules/kind-of") + links))
    assert _found(out) == []
    assert [(e.path.partition(":/")[2], e.message) for e in out.errors] == [
        ("app/node_modules/kind-of/package.json", LINKED_MANIFEST)
    ]


def test_a_scope_folder_linked_in_the_tree_is_an_error(tmp_path: Path) -> None:
    links = [
        *EVIL,
        _link("app/node_modules/@evil", ".evil", tarfile.SYMTYPE),  # (holds is-number)
        _dir("app/node_modules/@real"),
        _link("app/node_modules/@alias", "@real", tarfile.SYMTYPE),  # (a scope folder read)
        _link("app/node_modules/@empty", "is-odd/node_modules", tarfile.SYMTYPE),  # (nothing)
        _link("app/node_modules/@out", "/opt", tarfile.SYMTYPE),  # (out of the tree)
        _file("opt/evil/package.json", NUMBER_7),
    ]
    out = _scan(_image(tmp_path, _tree("npm11") + links))
    assert _found(out) == []
    assert [(e.path.partition(":/")[2], e.message) for e in out.errors] == [
        ("app/node_modules/@evil", SCOPE_LINK_IN_TREE)
    ]
