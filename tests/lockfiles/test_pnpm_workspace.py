"""pnpm-workspace.yaml: catalogs (``catalog:`` references in package.json) and pnpm 10's
``overrides``, read with the pnpm lockfile's YAML reader and its bounds.

The end-to-end checks (a declared-range scan of ``"axios": "catalog:"`` finds what it finds for
the catalog's range; the overrides are declared versions; a hostile file is refused) are in
tests/pipeline/test_pnpm_catalogs.py."""

from __future__ import annotations

import pytest

from gouvernante.errors import LockfileError
from gouvernante.lockfiles import WORKSPACE_OVERRIDES, parse_bytes
from gouvernante.lockfiles.package_json import parse as parse_manifest
from gouvernante.lockfiles.pnpm_workspace import (
    MAX_WORKSPACE_BYTES,
    Workspace,
    answer_catalogs,
    read,
    resolve_catalog,
)
from gouvernante.model import DeclaredDependency, LockfileFormat

WORKSPACE = b"""packages:
  - packages/*
  - '!**/test/**'
# a comment, as people write them
catalog:
  axios: ^1.14.0
  react: 18.2.0 # pinned
catalogs:
  legacy:
    axios: ^0.27.0
    lodash: npm:lodash-es@^4.17.0
overrides:
  lodash: 4.17.21
  "foo>bar": ^2.0.0
  removed: "-"
"""


def test_catalogs_overrides_and_globs_are_read() -> None:
    ws = read(WORKSPACE, "pnpm-workspace.yaml")
    assert ws.catalogs == {
        "default": {"axios": "^1.14.0", "react": "18.2.0"},
        "legacy": {"axios": "^0.27.0", "lodash": "npm:lodash-es@^4.17.0"},
    }
    # pnpm's parent>child selector forces the child; '-' removes (forces nothing)
    assert sorted(ws.overrides) == [("bar", "^2.0.0"), ("lodash", "4.17.21")]
    assert ws.packages == ("packages/*", "!**/test/**")


def test_the_file_as_a_manifest_declares_its_overrides() -> None:
    graph = parse_bytes(WORKSPACE, "repo/pnpm-workspace.yaml", "pnpm-workspace.yaml")
    assert graph.format is LockfileFormat.PACKAGE_JSON
    assert graph.packages == ()
    assert sorted((d.name, d.spec, d.field) for d in graph.declared) == [
        ("bar", "^2.0.0", WORKSPACE_OVERRIDES),
        ("lodash", "4.17.21", WORKSPACE_OVERRIDES),
    ]


def test_an_override_may_take_its_version_from_a_catalog() -> None:
    data = b"catalog:\n  axios: 1.14.1\noverrides:\n  axios: 'catalog:'\n  other: catalog:x\n"
    graph = parse_bytes(data, "pnpm-workspace.yaml", "pnpm-workspace.yaml")
    assert sorted((d.name, d.spec, d.catalog) for d in graph.declared) == [
        ("axios", "1.14.1", "catalog:"),
        ("other", "catalog:x", None),  # no such catalog: left as written (a note)
    ]


def test_settings_only_and_empty_files_declare_nothing() -> None:
    assert read(b"", "w") == Workspace({}, (), ())
    assert read(b"onlyBuiltDependencies:\n  - esbuild\n", "w") == Workspace({}, (), ())


def _manifest(deps: dict[str, str]) -> list[DeclaredDependency]:
    import json

    graph = parse_manifest(json.dumps({"dependencies": deps}).encode(), "package.json")
    return answer_catalogs(graph.declared, read(WORKSPACE, "w").catalogs, None)


def test_catalog_references_become_the_catalogs_ranges() -> None:
    declared = _manifest(
        {
            "axios": "catalog:",
            "react": "catalog:default",
            "lodash": "catalog:legacy",
            "left-pad": "catalog:",  # no entry for it in the default catalog
            "vue": "catalog:nope",  # no such catalog
            "debug": "^4.0.0",
        }
    )
    assert [(d.name, d.spec, d.alias, d.catalog) for d in declared] == [
        ("axios", "^1.14.0", None, "catalog:"),
        ("react", "18.2.0", None, "catalog:default"),
        # the entry's value is an npm: alias: the real package, under the manifest's key
        ("lodash-es", "^4.17.0", "lodash", "catalog:legacy"),
        ("left-pad", "catalog:", None, None),
        ("vue", "catalog:nope", None, None),
        ("debug", "^4.0.0", None, None),
    ]


def test_an_aliased_key_is_looked_up_by_the_key() -> None:
    ws = Workspace({"default": {"my-axios": "npm:axios@^1.14.0"}}, (), ())
    dep = DeclaredDependency("my-axios", "catalog:", "dependencies")
    resolved = resolve_catalog(dep, ws.catalogs)
    assert resolved is not None
    assert (resolved.name, resolved.spec, resolved.alias) == ("axios", "^1.14.0", "my-axios")


def test_both_catalogs_answer_a_reference() -> None:
    """A folder with both files: pnpm reads only its file, bun only the package.json; either
    tool may install, so both ranges are judged (one when they agree; decision 0054)."""
    dep = DeclaredDependency("axios", "catalog:", "dependencies")
    both = answer_catalogs([dep], {"default": {"axios": "~1.13.0"}}, {"default": {"axios": "^1"}})
    assert [(d.spec, d.catalog_file) for d in both] == [
        ("~1.13.0", "pnpm-workspace.yaml"),
        ("^1", "package.json"),
    ]
    same = answer_catalogs([dep], {"default": {"axios": "^1"}}, {"default": {"axios": "^1"}})
    assert [(d.spec, d.catalog_file) for d in same] == [("^1", "pnpm-workspace.yaml")]
    assert answer_catalogs([dep], {}, {"default": {}}) == [dep]


SECRET = "s3cr3t-t0ken-value-XYZ"


@pytest.mark.parametrize(
    ("data", "where", "words"),
    [
        (f"- {SECRET}\n".encode(), None, "top level is not a mapping"),
        (f"catalog: {SECRET}\n".encode(), "catalog", "expected a mapping"),
        (f"catalog:\n  axios: [{SECRET}]\n".encode(), "catalog['axios']", "expected a string"),
        (f"catalogs:\n  x:\n    axios: 1\n    b: {{a: {SECRET}}}\n".encode(), None, "string"),
        (f"catalogs: [{SECRET}]\n".encode(), "catalogs", "expected a mapping"),
        (f"overrides:\n  a: {{b: {SECRET}}}\n".encode(), "overrides['a']", "expected a string"),
        (b"catalog:\n  a: '1'\ncatalogs:\n  default:\n    a: '2'\n", None, "defined by both"),
        (f"catalog:\n  a: &x [{SECRET}]\n  b: *x\n".encode(), "line 2", "anchor or alias"),
        (f"catalog:\n  a: {SECRET}\ncatalog:\n  a: x\n".encode(), "line 3", "given twice"),
        (f"catalog:\n  a: '{SECRET}\n".encode(), None, "invalid YAML"),
        (f"catalog:\n  é: x\n  a: '\x07{SECRET}'\n".encode(), "line 3 column 7", "control"),
        (b"catalog:\n  a: \xff" + SECRET.encode() + b"\n", None, "not valid UTF-8"),
        (b"[" * 100_000 + SECRET.encode(), None, ""),
    ],
)
def test_malformed_files_are_refused_naming_the_place_never_the_value(
    data: bytes, where: str | None, words: str
) -> None:
    with pytest.raises(LockfileError) as caught:
        read(data, "repo/pnpm-workspace.yaml")
    message = caught.value.one_line()
    assert message.startswith("repo/pnpm-workspace.yaml: "), message
    assert words in message
    if where is not None:
        assert caught.value.json_path is not None and caught.value.json_path.startswith(where)
    assert SECRET not in message and SECRET[:8] not in message


def test_a_file_over_the_bound_is_refused_before_it_is_parsed() -> None:
    data = b"catalog:\n" + b"  a: '1'\n" * (MAX_WORKSPACE_BYTES // 9 + 1)
    with pytest.raises(LockfileError, match="larger than"):
        read(data, "pnpm-workspace.yaml")


# Each text as a catalog entry's plain value, and whether pnpm 10.x refused the file ("Invalid
# catalog entry for ms. Expected string, but found: number") or read a string: run one by one
# with pnpm 10 (`pnpm install --lockfile-only`, ms: <text>) this session (decision 0074).
PNPM_NUMBERS = ["2", "1.0", "0x1F", "1_000", "1__0", "1e3", "1e+3", "1.e3", "1.", ".5", "012"]
PNPM_NUMBERS += ["09", "+1", "0o7", "0b11", ".inf", "-.inf", ".NaN"]
PNPM_STRINGS = ["1.2.3", "1_", "_1", "0x", "1e", "0o8", "^2", "'2'", '"2"']


@pytest.mark.parametrize("text", PNPM_NUMBERS)
@pytest.mark.parametrize("section", ["catalog:\n", "catalogs:\n  x:\n  ", "overrides:\n"])
def test_a_number_where_pnpm_wants_a_string_is_refused_never_read_as_text(
    text: str, section: str
) -> None:
    data = f"{section}  ms: {text}\n".encode()
    with pytest.raises(LockfileError, match="a number where pnpm expects a string") as caught:
        read(data, "pnpm-workspace.yaml")
    assert caught.value.json_path is not None and caught.value.json_path.endswith("['ms']")


@pytest.mark.parametrize("text", PNPM_STRINGS)
def test_what_pnpm_reads_as_a_string_stays_one(text: str) -> None:
    workspace = read(f"catalog:\n  ms: {text}\noverrides:\n  a: {text}\n".encode(), "w.yaml")
    assert workspace.catalogs == {"default": {"ms": text.strip("'\"")}}
    assert workspace.overrides == (("a", text.strip("'\"")),)
