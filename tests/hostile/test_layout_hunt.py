"""Lockfile layouts a package manager still installs from and the readers read otherwise: each a
tiny hand-made input run end to end through ``gouvernante.cli.main`` with a rule on ``evil``
``=1.0.1``: the compromised release is found (exit 2) or the file refused (exit 1), never a
CLEAN (exit 0). The layouts: an npm file with both layouts whose legacy ``dependencies`` tree
(npm 6's) says another release than ``packages`` (npm 7+'s), and a v1 file with ``packages``."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from gouvernante.cli import main
from helpers import compromised_rules

RULES = compromised_rules("HUNT-2")

CLEAN, ERROR, FINDINGS = 0, 1, 2
_URL = "https://registry.npmjs.org/evil/-/evil-{}.tgz"


def _scan(tmp_path: Path, files: dict[str, str]) -> int:
    tmp_path.mkdir(parents=True, exist_ok=True)
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(RULES), encoding="utf-8")
    folder = tmp_path / "project"
    for name, text in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return main(["-rules", str(rules), "-dir", str(folder)])


def _npm(version: int, packages: Mapping[str, object] | None, legacy: Mapping[str, object]) -> str:
    doc: dict[str, object] = {"name": "app", "version": "1.0.0", "lockfileVersion": version}
    if packages is not None:
        doc["packages"] = {
            "": {"name": "app", "version": "1.0.0", "dependencies": {"evil": "^1.0.0"}},
            **packages,
        }
    doc["dependencies"] = legacy
    return json.dumps(doc, indent=2)


def _evil(version: str) -> dict[str, str]:
    return {"version": version, "resolved": _URL.format(version)}


@pytest.mark.parametrize("version", [1, 2])
def test_a_legacy_tree_naming_another_release_than_packages_is_found(
    tmp_path: Path, version: int
) -> None:
    # npm 6 installs the legacy tree's evil 1.0.1; npm 7+ the packages map's 1.0.0
    text = _npm(version, {"node_modules/evil": _evil("1.0.0")}, {"evil": _evil("1.0.1")})
    assert _scan(tmp_path, {"package-lock.json": text}) == FINDINGS


def test_a_legacy_entry_nested_under_a_link_is_found(tmp_path: Path) -> None:
    packages = {
        "node_modules/w": {"link": True, "resolved": "packages/w"},
        "packages/w": {"name": "w", "version": "0.1.0"},
        "packages/w/node_modules/evil": _evil("1.0.0"),
    }
    legacy = {"w": {"version": "file:packages/w", "dependencies": {"evil": _evil("1.0.1")}}}
    text = _npm(2, packages, legacy)
    assert _scan(tmp_path, {"package-lock.json": text}) == FINDINGS


def test_a_v1_file_with_a_packages_map_is_read_as_npm_7_reads_it(tmp_path: Path) -> None:
    # npm 7+ reads ``packages`` whatever lockfileVersion says; the legacy tree here is empty
    text = _npm(1, {"node_modules/evil": _evil("1.0.1")}, {})
    assert _scan(tmp_path, {"npm-shrinkwrap.json": text}) == FINDINGS


def test_both_layouts_agreeing_on_a_safe_release_stay_clean(tmp_path: Path) -> None:
    text = _npm(2, {"node_modules/evil": _evil("1.0.0")}, {"evil": _evil("1.0.0")})
    assert _scan(tmp_path, {"package-lock.json": text}) == CLEAN


# pnpm 5-8 key a package from another registry host by the host and the path (dependency-path:
# ``registry.example.com/evil/1.0.1``, 6.x ``.../evil@1.0.1``); pnpm writes its name and version
# beside it, and reads them from the key when they are not there.
_PNPM_HOST_KEY = """lockfileVersion: {version}

specifiers:
  evil: ^1.0.0

dependencies:
  evil: {key}

packages:

  {key}:
    resolution: {{integrity: sha512-AAAA}}
    dev: false
"""


@pytest.mark.parametrize(
    ("version", "key"),
    [
        ("5.3", "registry.npmmirror.com/evil/1.0.1"),
        ("5.4", "npm.example.com/evil/1.0.1_react@18.2.0"),
        ("'6.0'", "registry.npmmirror.com/evil@1.0.1"),
        ("'6.0'", "npm.example.com/evil@1.0.1(react@18.2.0)"),
    ],
)
def test_a_pnpm_key_of_another_registry_host_names_its_package(
    tmp_path: Path, version: str, key: str
) -> None:
    text = _PNPM_HOST_KEY.format(version=version, key=key)
    assert _scan(tmp_path, {"pnpm-lock.yaml": text}) == FINDINGS
    safe = text.replace("evil/1.0.1", "evil/1.0.0").replace("evil@1.0.1", "evil@1.0.0")
    assert _scan(tmp_path / "safe", {"pnpm-lock.yaml": safe}) == CLEAN


# npm v1: a ``requires`` no entry answers (npm 6 fetches whatever the registry serves for it) is
# an error, as a v2/v3 dependency no entry answers is; one answered from a folder above is not.
def test_a_v1_requires_no_entry_answers_is_an_error(tmp_path: Path) -> None:
    legacy = {"a": {"version": "1.0.0", "requires": {"evil": "1.0.1"}}}
    assert _scan(tmp_path, {"package-lock.json": _npm(1, None, legacy)}) == ERROR
    answered = {
        "a": {"version": "1.0.0", "requires": {"b": "1.0.0", "evil": "1.0.0"}},
        "evil": {"version": "1.0.0"},
        "b": {"version": "1.0.0", "dependencies": {"c": {"version": "1.0.0"}}},
    }
    text = _npm(1, None, answered)
    assert _scan(tmp_path / "answered", {"package-lock.json": text}) == CLEAN
    # an entry with no version answers no more (npm 6 ci installs the registry's latest there:
    # decision 0149)
    husk = {**answered, "b": {"version": "", "dependencies": {"c": {"version": "1.0.0"}}}}
    text = _npm(1, None, husk)
    assert _scan(tmp_path / "husk", {"package-lock.json": text}) == ERROR


# A pnpm registry key whose ``name`` field names another package: pnpm 8+ takes the name from
# the key (dependency-path's parse), older pnpm from the field; both are found, and an error.
_PNPM_NAMED = {
    "9.0": """lockfileVersion: '9.0'

importers:

  .:
    dependencies:
      evil:
        specifier: ^1.0.0
        version: 1.0.1

packages:

  evil@1.0.1:
    resolution: {integrity: sha512-AAAA}
    name: good

snapshots:

  evil@1.0.1: {}
""",
    "6.0": """lockfileVersion: '6.0'

dependencies:
  evil:
    specifier: ^1.0.0
    version: 1.0.1

packages:

  /evil@1.0.1:
    resolution: {integrity: sha512-AAAA}
    name: good
    version: 1.0.1
    dev: false
""",
}


@pytest.mark.parametrize("version", sorted(_PNPM_NAMED))
def test_a_pnpm_name_field_naming_another_package_than_the_key_is_found(
    tmp_path: Path, version: str
) -> None:
    text = _PNPM_NAMED[version]
    assert _scan(tmp_path, {"pnpm-lock.yaml": text}) == FINDINGS
    agreeing = text.replace("name: good", "name: evil").replace("1.0.1", "1.0.0")
    assert _scan(tmp_path / "agreeing", {"pnpm-lock.yaml": agreeing}) == CLEAN


# An integrity-only rule (a known-bad tarball hash): a local tarball (file:) carrying it is that
# tarball, which npm and pnpm check against it; a legacy entry whose hash differs from the
# packages map's is what npm 6 checks its download against.
_BAD = "sha512-" + base64.b64encode(hashlib.sha512(b"evil tarball").digest()).decode()
_HASH_RULES = {
    "schema_version": "1.0.0",
    "rules": [
        {
            "id": "HUNT-3",
            "title": "Known-bad tarball",
            "kind": "compromised-release",
            "ecosystem": "npm",
            "severity": "critical",
            "package_rules": [],
            "dropper_packages": [{"package_name": "zz-unused"}],
            "integrity": [_BAD],
        }
    ],
}


def _scan_hash(tmp_path: Path, name: str, text: str) -> int:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "rules.json").write_text(json.dumps(_HASH_RULES), encoding="utf-8")
    (tmp_path / name).write_text(text, encoding="utf-8")
    return main(["-rules", str(tmp_path / "rules.json"), "-lockfile", str(tmp_path / name)])


def test_a_local_tarball_with_a_listed_hash_is_found(tmp_path: Path) -> None:
    entry = {"version": "2.0.0", "resolved": "file:vendor/x-2.0.0.tgz", "integrity": _BAD}
    text = _npm(3, {"node_modules/x": entry}, {})
    assert _scan_hash(tmp_path / "npm", "package-lock.json", text) == FINDINGS
    pnpm = f"""lockfileVersion: '9.0'

importers:

  .:
    dependencies:
      x:
        specifier: file:x.tgz
        version: file:x.tgz

packages:

  x@file:x.tgz:
    resolution: {{integrity: {_BAD}, tarball: file:x.tgz}}
    version: 2.0.0

snapshots:

  x@file:x.tgz: {{}}
"""
    assert _scan_hash(tmp_path / "pnpm", "pnpm-lock.yaml", pnpm) == FINDINGS


def test_a_legacy_entry_with_another_hash_than_packages_is_found(tmp_path: Path) -> None:
    ok = "sha1-" + base64.b64encode(hashlib.sha1(b"x").digest()).decode()
    packages = {"node_modules/x": {"version": "2.0.0", "integrity": ok}}
    text = _npm(2, packages, {"x": {"version": "2.0.0", "integrity": _BAD}})
    assert _scan_hash(tmp_path, "package-lock.json", text) == FINDINGS


@pytest.mark.parametrize(
    "written", [f"{_BAD}?opt", f"sha1-AAAAAAAAAAAAAAAAAAAAAAAAAAA= {_BAD}?a?b"]
)
def test_a_listed_hash_with_sri_options_is_found(tmp_path: Path, written: str) -> None:
    # ssri reads a hash's options (``?...``) past it: npm checks the tarball against the hash
    entry = {"version": "2.0.0", "integrity": written}
    text = _npm(3, {"node_modules/x": entry}, {})
    assert _scan_hash(tmp_path, "package-lock.json", text) == FINDINGS


# -dir without -recursive: installing the root installs its workspaces' dependencies, so the
# package.json of each workspace the root names is read (inside the root only).
@pytest.mark.parametrize(
    "root",
    [
        {"package.json": json.dumps({"name": "app", "workspaces": ["packages/*"]})},
        {"package.json": json.dumps({"name": "app", "workspaces": {"packages": ["packages/a"]}})},
        {
            "package.json": json.dumps({"name": "app"}),
            "pnpm-workspace.yaml": "packages:\n  - packages/*\n",
        },
    ],
)
def test_a_workspace_member_of_a_project_without_lockfile_is_read(
    tmp_path: Path, root: dict[str, str]
) -> None:
    member = {
        "packages/a/package.json": json.dumps({"name": "a", "dependencies": {"evil": "1.0.1"}})
    }
    assert _scan(tmp_path, {**root, **member}) == FINDINGS


def test_a_root_package_json_linked_inside_the_tree_names_its_workspaces(tmp_path: Path) -> None:
    """The walk scans a root package.json that is a link to a file inside the tree; its
    workspaces were not read (the red team's c11c: exit 0, 1 file scanned)."""
    member = json.dumps({"name": "a", "dependencies": {"evil": "1.0.1"}})
    files = {
        "root.json": json.dumps({"name": "app", "workspaces": ["packages/*"]}),
        "packages/a/package.json": member,
    }
    for name, text in files.items():
        (tmp_path / "project" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "project" / name).write_text(text, encoding="utf-8")
    (tmp_path / "project" / "package.json").symlink_to("root.json")
    assert _scan(tmp_path, {}) == FINDINGS


def test_a_workspace_glob_climbing_out_of_the_root_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "package.json").write_text(json.dumps({"dependencies": {"evil": "1.0.1"}}))
    root = {"package.json": json.dumps({"name": "app", "workspaces": ["../*", "../outside"]})}
    assert _scan(tmp_path, root) == CLEAN
