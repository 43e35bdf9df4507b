"""Each package manager's record of a ``node_modules`` tree has one decoder for -host and -image.

pnpm's ``node_modules/.modules.yaml`` has one decoder (``install_state.read_pnpm_modules``)
and one typed result (``PnpmModules``) for its two readers: the copies and releases of
``hoistedLocations`` (``pnpm_modules_places``, -host and -image) and the store the tree was
installed from (``configs.pnpm_modules_folders``, -host). Decision 0106.

Fixtures: ``fixtures/local-copies/pnpm9-hoisted`` and ``pnpm10-hoisted`` (made by pnpm 9.15.9
and 10.34.9, ``fixtures/local-copies/generate.sh``): YAML as pnpm 9 writes it, JSON as pnpm 10
does. The answers are compared with independent decoders (``json``, PyYAML's safe loader).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from gouvernante.host import configs, install_state
from gouvernante.host.configs import pnpm_modules_folders
from gouvernante.host.install_state import (
    PNPM_STATE,
    PnpmModules,
    pnpm_modules_places,
    read_pnpm_modules,
)
from gouvernante.lockfiles._pnpm_yaml import load_yaml
from gouvernante.model import ScanIssue

FIXTURES = Path(__file__).parent / "fixtures" / "local-copies"
CASES = {
    "pnpm9-hoisted": "/root/.local/share/pnpm/store",
    "pnpm10-hoisted": "/root/.local/share/pnpm/store",
}
# what ``hoistedLocations`` of both fixtures place (checked against pnpm's own record when made)
COPIES = {
    "packages/app1/node_modules/is-number": ("is-number", "file:packages/is-number"),
    "node_modules/kind-of": ("kind-of", "file:vendor/kind-of-6.0.3-fake.tgz"),
}
RELEASES = {
    "node_modules/is-number": ("is-number", "7.0.0"),
    "node_modules/is-odd/node_modules/is-number": ("is-number", "6.0.0"),
    "node_modules/is-odd": ("is-odd", "3.0.1"),
}


def _record(case: str) -> bytes:
    return (FIXTURES / case / "node_modules" / PNPM_STATE).read_bytes()


@pytest.mark.parametrize("case", sorted(CASES))
def test_one_decoding_as_independent_decoders_read_it(case: str) -> None:
    data = _record(case)
    modules = read_pnpm_modules(data, "x/node_modules/.modules.yaml")
    assert modules.json is case.startswith("pnpm10")
    assert modules.document is not None
    if modules.json:
        assert modules.document == json.loads(data)
    else:
        # plain scalars stay text, as the project's YAML readers keep them (pnpm's layoutVersion
        # 5 is '5'): the same document the places reader decoded alone before (load_yaml)
        assert modules.document == load_yaml(data.decode("utf-8"))
        independent = yaml.safe_load(data)
        for key in ("hoistedLocations", "storeDir"):
            assert modules.document[key] == independent[key]


@pytest.mark.parametrize("case", sorted(CASES))
def test_both_readers_answer_from_the_same_decoding(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _record(case)
    places = pnpm_modules_places(data)
    assert places is not None
    assert places[0] == COPIES
    assert places[1] == RELEASES
    assert pnpm_modules_places(read_pnpm_modules(data, "x")) == places
    path = tmp_path / "node_modules" / PNPM_STATE
    path.parent.mkdir()
    shutil.copyfile(FIXTURES / case / "node_modules" / PNPM_STATE, path)
    decoded: list[bytes] = []

    def counted(data: bytes, where: str) -> PnpmModules:
        decoded.append(data)
        return read_pnpm_modules(data, where)

    monkeypatch.setattr(configs, "read_pnpm_modules", counted)
    errors: list[ScanIssue] = []
    assert pnpm_modules_folders(str(path), errors).get("storeDir") == CASES[case]
    assert errors == []
    assert decoded == [data]  # the store is read from the one decoding, not a second parser


def test_installed_tree_reads_the_record_through_the_one_decoder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "node_modules"
    root.mkdir()
    shutil.copyfile(FIXTURES / "pnpm10-hoisted" / "node_modules" / PNPM_STATE, root / PNPM_STATE)
    seen: list[str] = []

    def counted(data: bytes, where: str) -> PnpmModules:
        seen.append(where)
        return read_pnpm_modules(data, where)

    monkeypatch.setattr(install_state, "read_pnpm_modules", counted)
    found = install_state.local_copies(str(root), None)
    assert seen == [str(root / PNPM_STATE)]
    assert [c.record for c in found] == [str(root / PNPM_STATE)]


# U+2028 is a line break to PyYAML and text to pnpm's js-yaml: the places reader (PyYAML alone)
# believed the line split in two; the store reader (pnpm_workspace.settings_document) refused
# the file. Read once, both refuse it.
SPLIT = (
    "hoistedLocations:\n  is-number@file:packages/is-number:\n"
    "    - packages/app1/node_modules/is-number\u2028  ms@2.1.3:\n"
    "    - node_modules/ms\nstoreDir: /s/v3\n"
)


def test_a_record_yaml_readers_disagree_on_is_refused_by_both_readers(tmp_path: Path) -> None:
    assert pnpm_modules_places(SPLIT.encode()) is None
    path = tmp_path / PNPM_STATE
    path.write_text(SPLIT, encoding="utf-8")
    errors: list[ScanIssue] = []
    assert pnpm_modules_folders(str(path), errors).get("storeDir") is None
    assert [(e.path, e.message.split(" (")[0]) for e in errors] == [
        (str(path), "the storeDir line is not what the file says read as YAML")
    ]
    assert "packages/app1" not in errors[0].message  # (never the file's bytes)


def test_json_store_not_a_string_names_the_key_not_the_bytes(tmp_path: Path) -> None:
    path = tmp_path / PNPM_STATE
    path.write_text('{"storeDir": ["SECRET-VALUE"]}')
    errors: list[ScanIssue] = []
    assert pnpm_modules_folders(str(path), errors).get("storeDir") is None
    assert [(e.path, e.message) for e in errors] == [
        (str(path), "storeDir is not read as a JSON string")
    ]


# npm's hidden lockfile and yarn berry's install state: -host (``read_hidden_lockfile``,
# ``read_yarn_state``) and -image (``hidden_lockfile_places``, ``yarn_state_places``) decode each
# with one function; -host reads the file and its time once (``install_state._record``).
# Fixtures: ``fixtures/local-copies/npm11`` and ``yarn4`` (npm 11, yarn 4.18.1: generate.sh).
@pytest.mark.parametrize(
    ("case", "record", "read"),
    [
        ("npm11", install_state.HIDDEN_LOCKFILE, install_state.read_hidden_lockfile),
        ("yarn4", install_state.YARN_STATE, install_state.read_yarn_state),
    ],
)
def test_host_and_image_read_npm_and_yarn_records_alike(
    case: str, record: str, read: Any, tmp_path: Path
) -> None:
    root = tmp_path / "node_modules"
    root.mkdir()
    shutil.copyfile(FIXTURES / case / "node_modules" / record, root / record)
    data = (root / record).read_bytes()
    image = (
        install_state.hidden_lockfile_places(data)
        if record == install_state.HIDDEN_LOCKFILE
        else install_state.yarn_state_places(data)
    )
    tree = read(str(root))
    assert image is not None
    assert tree is not None
    assert tree.local == image[0]
    assert image[0]  # (the fixture's file: copies)
    assert {k: v for k, v in tree.packages.items() if k in image[1]} == image[1]
    assert tree.record == str(root / record)
    assert tree.mtime_ns == (root / record).stat().st_mtime_ns
    later = time.time() + 3 * 24 * 3600  # a record dated in the future vouches for nothing
    os.utime(root / record, (later, later))
    assert read(str(root)) is None
    (root / record).write_bytes(data[: len(data) // 2])  # cut short: not decoded, not believed
    assert read(str(root)) is None


def test_a_big_hoisted_record_names_its_store_as_a_small_one_does(tmp_path: Path) -> None:
    """A hoisted install of many packages writes a ``.modules.yaml`` past 1 MiB (pnpm 10 lists
    every package's folders in ``hoistedLocations``); its store is read within the record's own
    bound (``PNPM_MODULES_MAX_BYTES``), not a settings file's, which made -host exit 1 with "was
    not read" for an install that is fine."""
    located = {
        f"pkg-{i}@1.0.{i}": [f"node_modules/pkg-{i}", f"packages/app/node_modules/pkg-{i}"]
        for i in range(20_000)
    }
    for form in ("json", "yaml"):
        path = tmp_path / form / PNPM_STATE
        path.parent.mkdir()
        doc = {"hoistedLocations": located, "storeDir": "/s/store/v10"}
        path.write_text(json.dumps(doc) if form == "json" else yaml.safe_dump(doc))
        assert path.stat().st_size > 1024 * 1024
        errors: list[ScanIssue] = []
        assert pnpm_modules_folders(str(path), errors).get("storeDir") == "/s/store", form
        assert errors == [], form


@pytest.mark.parametrize("case", sorted(CASES))
def test_host_decodes_a_tree_record_once_for_its_places_and_its_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    """-host reads a project's ``node_modules`` (the places of ``hoistedLocations``:
    ``local_copies``) and then the store it was installed from (``pnpm_modules_folders``): the
    same record, decoded once (a 10 MB YAML one takes ~3.4 s to decode)."""
    root = tmp_path / "node_modules"
    root.mkdir()
    shutil.copyfile(FIXTURES / case / "node_modules" / PNPM_STATE, root / PNPM_STATE)
    decoded: list[str] = []
    decode = install_state._decode_pnpm_modules

    def counted(data: bytes, where: str) -> PnpmModules:
        decoded.append(where)
        return decode(data, where)

    monkeypatch.setattr(install_state, "_decode_pnpm_modules", counted)
    install_state.local_copies(str(root), None)
    errors: list[ScanIssue] = []
    assert pnpm_modules_folders(str(root / PNPM_STATE), errors).get("storeDir") == CASES[case]
    assert errors == []
    assert decoded == [str(root / PNPM_STATE)]
