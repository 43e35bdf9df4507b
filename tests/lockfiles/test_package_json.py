"""package.json parser: declared ranges (aliases resolved, other specs verbatim), errors, sniff."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gouvernante.errors import LockfileError
from gouvernante.lockfiles import package_json, parse_bytes
from gouvernante.lockfiles._tarball_url import registry_identity, registry_name
from gouvernante.model import DeclaredDependency, Importer, LockfileFormat


def manifest(**fields: Any) -> bytes:
    return json.dumps(fields, indent=2).encode()


def test_declared_dependencies_in_field_then_file_order() -> None:
    data = manifest(
        name="@acme/app",
        version="1.0.0",
        peerDependencies={"react": "^18"},
        dependencies={"debug": "4.3.4", "my-lodash": "npm:lodash@^4.17.0"},
        devDependencies={"@types/node": "npm:@types/node@20.1.0", "typescript": "~5.4"},
        optionalDependencies={"fsevents": "2.x", "latest-alias": "npm:left-pad"},
        bundleDependencies=["debug"],
        scripts={"postinstall": "node evil.js"},
    )
    graph = package_json.parse(data, "proj/package.json")
    assert graph.format is LockfileFormat.PACKAGE_JSON
    assert graph.packages == ()
    assert list(graph.importers) == [Importer("", "@acme/app")]
    assert list(graph.declared) == [
        DeclaredDependency("debug", "4.3.4", "dependencies"),
        DeclaredDependency(
            "lodash", "^4.17.0", "dependencies", "my-lodash", written="npm:lodash@^4.17.0"
        ),
        DeclaredDependency(
            "@types/node",
            "20.1.0",
            "devDependencies",
            "@types/node",
            written="npm:@types/node@20.1.0",
        ),
        DeclaredDependency("typescript", "~5.4", "devDependencies"),
        DeclaredDependency("fsevents", "2.x", "optionalDependencies"),
        DeclaredDependency(
            "left-pad", "*", "optionalDependencies", "latest-alias", written="npm:left-pad"
        ),
        DeclaredDependency("react", "^18", "peerDependencies"),
    ]
    assert graph.details.edges() == {}


@pytest.mark.parametrize(
    "spec",
    [
        "git+https://github.com/u/r.git#v1.0.0",
        "github:u/r",
        "u/r#semver:^1",
        "file:../local",
        "link:../linked",
        "workspace:^",
        "https://example.com/pkg-1.0.0.tgz",
        "latest",
        "next",
        "",
        "*",
        ">=1.2.3 <2 || 3.x",
    ],
)
def test_non_alias_specs_are_kept_verbatim(spec: str) -> None:
    graph = package_json.parse(manifest(dependencies={"pkg": spec}), "package.json")
    assert list(graph.declared) == [DeclaredDependency("pkg", spec, "dependencies")]


def test_scoped_alias_without_range() -> None:
    dep = package_json.declared_dependency("x", "npm:@scope/real", "dependencies")
    assert dep == DeclaredDependency(
        "@scope/real", "*", "dependencies", "x", written="npm:@scope/real"
    )
    dep = package_json.declared_dependency("y", "npm:@scope/real@>=2 <3", "devDependencies")
    assert dep == DeclaredDependency(
        "@scope/real", ">=2 <3", "devDependencies", "y", written="npm:@scope/real@>=2 <3"
    )


@pytest.mark.parametrize(
    ("fields", "label"),
    [({}, "(root)"), ({"name": ""}, "(root)"), ({"name": 3}, "(root)"), ({"name": "app"}, "app")],
)
def test_importer_label(fields: dict[str, Any], label: str) -> None:
    graph = package_json.parse(manifest(**fields), "package.json")
    assert list(graph.importers) == [Importer("", label)]
    assert graph.declared == ()


@pytest.mark.parametrize(
    ("data", "needle", "json_path"),
    [
        (b"[]", "unexpected package.json shape", None),
        (b'{"dependencies": ["a"]}', "Expected `object | null`", "dependencies"),
        (b'{"devDependencies": {"a": 1}}', "Expected `str`", "devDependencies['a']"),
        (b'{"name": "x", "dependencies": {', "invalid JSON", None),
        (b'{"name": "\xff"}', "invalid JSON", None),
        (b"", "invalid JSON", None),
        (b'{"x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested too deeply", None),
    ],
)
def test_errors(data: bytes, needle: str, json_path: str | None) -> None:
    with pytest.raises(LockfileError) as info:
        package_json.parse(data, "proj/package.json")
    assert str(info.value).startswith("proj/package.json: ")
    assert needle in str(info.value)
    assert info.value.json_path == json_path


def test_bom_is_accepted_and_parse_bytes_dispatches_by_name() -> None:
    data = b"\xef\xbb\xbf" + manifest(name="a", dependencies={"b": "1"})
    graph = parse_bytes(data, "x/package.json")
    assert graph.format is LockfileFormat.PACKAGE_JSON
    assert list(graph.declared) == [DeclaredDependency("b", "1", "dependencies")]


def test_sniff() -> None:
    assert package_json.sniff(manifest(name="a", version="1.0.0"))
    assert package_json.sniff(b' \n{"dependencies": {}}')
    assert package_json.sniff(b'{"private": true, "devDependencies": {"a": "1"}}')
    assert not package_json.sniff(b'{"name": "a", "lockfileVersion": 3}')  # npm lockfile
    assert not package_json.sniff(b'{"lockfileVersion": 1, "workspaces": {"": {}}}')  # bun.lock
    assert not package_json.sniff(b'{"rules": []}')
    assert not package_json.sniff(b"name: a\n")
    assert not package_json.sniff(b"")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_give_a_graph_or_a_lockfile_error(data: bytes) -> None:
    for blob in (data, b'{"dependencies": ' + data):
        try:
            graph = package_json.parse(blob, "package.json")
        except LockfileError:
            continue
        assert graph.packages == ()


json_leaf = st.none() | st.booleans() | st.integers() | st.text(max_size=10)
json_values = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=10,
)
specs = st.text(max_size=12) | st.sampled_from(
    ["npm:a@1", "npm:@s/b@^2", "npm:", "npm:@", "npm:@x"]
)


@settings(max_examples=300, deadline=None)
@example({"dependencies": {"": "NPM:0"}})
@example({"name": {}, "dependencies": {":": "NPM::"}})
@example({"name": {}, "dependencies": {"0\\": ""}})
@example({"dependencies": {"0 ": "NPM:"}})
@example({"name": {}, "dependencies": {"0/": ""}})
@example({"dependencies": {"ms": " npm:^2.1.0 "}})
@example({"dependencies": {"0": "NPM:0@"}})
@given(
    st.dictionaries(
        st.sampled_from(["name", "dependencies", "devDependencies", "peerDependencies", "x"]),
        json_values | st.dictionaries(st.text(max_size=8), specs, max_size=4),
    )
)
def test_structured_garbage_gives_a_graph_or_a_lockfile_error(body: dict[str, Any]) -> None:
    try:
        graph = package_json.parse(json.dumps(body).encode(), "package.json")
    except LockfileError:
        return
    for dep in graph.declared:
        assert isinstance(dep.name, str) and isinstance(dep.spec, str)
        assert dep.field in package_json.DEPENDENCY_FIELDS
        if dep.alias is None:  # (berry's "npm:latest": the key's tag, beside npm's alias)
            assert body[dep.field][dep.name] in (dep.spec, f"npm:{dep.spec}")
        elif dep.name == dep.alias.strip(" "):
            raw = body[dep.field][dep.alias]
            if raw.lstrip(" \t\n\r")[:4].lower() == "npm:":  # npm:<range>: the key's package
                # (yarn berry's reading; npm-package-arg takes the prefix in any case:
                # {"": "NPM:0"}, found by this test), or npm:<name> naming the key's own
                # package, any version ({":": "NPM::"}, found by this test: ":" is no range)
                target = raw.lstrip(" \t\n\r")[4:].strip(" \t\n\r")
                # a bare "npm:" names nothing: the spec is kept as written ({"0 ": "NPM:"});
                # npm:<the key's own name>@<range> is that range ({"0": "NPM:0@"}, found by
                # this test: the empty range)
                assert (
                    dep.spec == target
                    or (dep.spec == "*" and dep.name == target)
                    or (not target and dep.spec == raw)
                    or target == f"{dep.name}@{dep.spec}"
                )
            else:  # a key with spaces: the package (bun reads)
                assert dep.spec == raw
        else:
            raw = body[dep.field][dep.alias]
            if raw.lstrip(" \t\n\r")[:4].lower() != "npm:":
                # a key the registry reads as another name ({"0\\": ""}, found by this test;
                # decision 0081), or a registry tarball URL naming another package (0030)
                found = registry_identity(raw.strip())
                assert dep.name in (registry_name(dep.alias.strip(" ")), found and found[0])


@pytest.mark.parametrize(
    "document",
    [
        b'{"version": 4, "hashes": {"https://x/mod.ts": "abc"}}',  # another tool's lock
        b'{"pins": [{"identity": "x", "state": {"version": "1.0.0"}}], "version": 2}',  # Swift
        b'{"name": "app", "version": "1.0.0", "scripts": {"test": "jest"}}',
    ],
)
def test_a_file_taken_for_a_manifest_by_content_must_declare_something(document: bytes) -> None:
    """Sniffed as a package.json (a "name" or "version" field) but declaring no dependency,
    workspace or resolution: another tool's file, never 0 packages and CLEAN."""
    with pytest.raises(LockfileError, match="declares no dependency"):
        parse_bytes(document, "some-lockfile.json")


def test_a_package_json_by_name_may_declare_nothing() -> None:
    graph = parse_bytes(b'{"name": "app", "version": "1.0.0"}', "package.json")
    assert graph.declared == ()
    sniffed = parse_bytes(b'{"name": "app", "dependencies": {"a": "1.0.0"}}', "manifest.json")
    assert [d.name for d in sniffed.declared] == ["a"]
