"""deno.lock (decision 0053): the npm packages deno resolved, read exactly or refused.

The fixtures of ``fixtures/deno`` were made by deno 1.46.3, 2.2.15 and 2.9.6 (``generate.sh``);
``test_fixtures.py`` compares each with deno's own ``deno info --json``. The small files below
are those shapes cut down by hand, each to one point.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gouvernante.errors import LockfileError
from gouvernante.lockfiles import detect, parse_bytes
from gouvernante.model import LockfileFormat, Source

FIXTURES = Path(__file__).parent / "fixtures" / "deno"
INTEGRITY = "sha512-" + "A" * 86 + "=="


def _v5(npm: dict[str, object], specifiers: dict[str, str], **extra: object) -> bytes:
    return json.dumps({"version": "5", "specifiers": specifiers, "npm": npm, **extra}).encode()


def _pairs(data: bytes, name: str = "deno.lock") -> set[tuple[str, str, Source]]:
    graph = parse_bytes(data, name)
    return {(p.name, p.version, p.source) for p in graph.packages}


@pytest.mark.parametrize("version", ["1.46.3", "2.2.15", "2.9.6"])
def test_real_files_read_every_entry_with_its_edges(version: str) -> None:
    path = FIXTURES / f"deno-{version}" / "deno.lock"
    graph = parse_bytes(path.read_bytes(), str(path))
    assert graph.format is LockfileFormat.DENO
    assert graph.entry_errors == ()
    edges = graph.details.edges()
    # the project's roots are its npm specifiers; an alias edge reaches the real package
    assert "chalk@4.1.2" in edges[""]
    assert "string-width@4.2.3" in edges["@isaacs/cliui@8.0.2"]
    assert "string-width@5.1.2" in edges["@isaacs/cliui@8.0.2"]
    # a peer-resolved id: the version before the peer suffix
    react_dom = [p for p in graph.packages if p.name == "react-dom"]
    assert [p.version for p in react_dom] == ["18.2.0"]
    assert react_dom[0].id.startswith("react-dom@18.2.0_react@")
    assert all(p.integrity and p.integrity.startswith("sha512-") for p in graph.packages)
    line = graph.details.line_of("chalk@4.1.2")
    assert line is not None
    assert '"chalk@4.1.2": {' in path.read_text().splitlines()[line - 1]


def test_deno2_workspace_members_are_importers() -> None:
    path = FIXTURES / "deno-2.9.6" / "deno.lock"
    graph = parse_bytes(path.read_bytes(), str(path))
    member = [i for i in graph.importers if i.folder == "packages/a"]
    assert len(member) == 1
    assert graph.details.edges()[member[0].id] == ["debug@4.3.4"]


def test_bare_dependency_names_the_one_entry_of_that_name() -> None:
    data = _v5(
        {
            "a@1.0.0": {"integrity": INTEGRITY, "dependencies": ["b", "c@2.0.0", "d@npm:e@3.0.0"]},
            "b@1.0.0_peer@1.0.0": {"integrity": INTEGRITY},
            "c@2.0.0": {"integrity": INTEGRITY},
            "c@2.1.0": {"integrity": INTEGRITY},
            "e@3.0.0": {"integrity": INTEGRITY},
        },
        {"npm:a@1": "1.0.0"},
    )
    graph = parse_bytes(data, "deno.lock")
    assert graph.entry_errors == ()
    assert graph.details.edges()["a@1.0.0"] == ["b@1.0.0_peer@1.0.0", "c@2.0.0", "e@3.0.0"]
    assert ("b", "1.0.0", Source.REGISTRY) in _pairs(data)


@pytest.mark.parametrize(
    ("dependency", "why"),
    [
        ("gone", "names no entry"),
        ("gone@1.0.0", "names no entry"),
        ("alias@npm:gone@1.0.0", "names no entry"),
        ("c", "several entries of that name"),
    ],
)
def test_a_dependency_no_entry_answers_is_an_error(dependency: str, why: str) -> None:
    """A cut or edited file may have lost the compromised entry: never exit 0 on it."""
    data = _v5(
        {
            "a@1.0.0": {"integrity": INTEGRITY, "dependencies": [dependency]},
            "c@2.0.0": {"integrity": INTEGRITY},
            "c@2.1.0": {"integrity": INTEGRITY},
        },
        {"npm:a@1": "1.0.0"},
    )
    errors = parse_bytes(data, "deno.lock").entry_errors
    assert len(errors) == 1
    assert errors[0].startswith("npm['a@1.0.0'].dependencies[0]: ")
    assert why in errors[0]


def test_a_specifier_no_entry_answers_is_an_error() -> None:
    data = _v5({"a@1.0.0": {"integrity": INTEGRITY}}, {"npm:a@1": "1.0.0", "npm:evil@1": "1.0.1"})
    (error,) = parse_bytes(data, "deno.lock").entry_errors
    assert error.startswith("specifiers['npm:evil@1']: names no entry")


def test_an_entry_key_without_a_version_is_an_error() -> None:
    data = _v5({"evil": {"integrity": INTEGRITY}, "a@latest": {}}, {})
    errors = parse_bytes(data, "deno.lock").entry_errors
    assert [e.partition(":")[0] for e in errors] == ["npm['evil']", "npm['a@latest']"]


@pytest.mark.parametrize("renamed", ["npmx", "Npm", "packages"])
def test_a_section_under_another_key_is_refused(renamed: str) -> None:
    """Read as having no section, the entries under it were a silent CLEAN."""
    data = json.dumps({"version": "4", renamed: {"evil@1.0.1": {"integrity": INTEGRITY}}})
    with pytest.raises(LockfileError) as caught:
        parse_bytes(data.encode(), "deno.lock")
    assert renamed not in str(caught.value)  # (the file's text is never quoted)
    assert "deno does not write" in str(caught.value)


@pytest.mark.parametrize("version", ['"6"', '"0"', "5", "null", '"4.0"'])
def test_unknown_versions_are_refused(version: str) -> None:
    with pytest.raises(LockfileError) as caught:
        parse_bytes(f'{{"version": {version}, "npm": {{}}}}'.encode(), "deno.lock")
    assert caught.value.json_path == "version"


def test_version_1_holds_remote_hashes_only() -> None:
    data = b'{"https://deno.land/std@0.140.0/fs/mod.ts": "abc123"}'
    graph = parse_bytes(data, "deno.lock")
    assert list(graph.packages) == [] and graph.entry_errors == ()
    with pytest.raises(LockfileError):
        parse_bytes(b'{"https://x/": {"evil@1.0.1": {}}}', "deno.lock")


def test_version_2_npm_section() -> None:
    """Version 2 as deno 1.28-1.39 wrote it (the shape deno_lockfile's 2 -> 3 upgrade reads)."""
    data = json.dumps(
        {
            "version": "2",
            "remote": {"https://deno.land/x/mod.ts": "abc"},
            "npm": {
                "specifiers": {"nanoid": "nanoid@3.3.4"},
                "packages": {
                    "nanoid@3.3.4": {
                        "integrity": INTEGRITY,
                        "dependencies": {"p": "picocolors@1.0.0"},
                    },
                    "picocolors@1.0.0": {"integrity": INTEGRITY, "dependencies": {}},
                },
            },
        }
    ).encode()
    graph = parse_bytes(data, "deno.lock")
    assert {(p.name, p.version) for p in graph.packages} == {
        ("nanoid", "3.3.4"),
        ("picocolors", "1.0.0"),
    }
    assert graph.details.edges()[""] == ["nanoid@3.3.4"]
    assert graph.details.edges()["nanoid@3.3.4"] == ["picocolors@1.0.0"]
    assert graph.entry_errors == ()


def test_a_tarball_of_another_package_is_that_package() -> None:
    """deno downloads the ``tarball`` it records (decision 0030's rule for every reader)."""
    url = "https://registry.example/evil/-/evil-1.0.1.tgz"
    data = _v5({"a@1.0.0": {"integrity": INTEGRITY, "tarball": url}}, {"npm:a@1": "1.0.0"})
    graph = parse_bytes(data, "deno.lock")
    assert ("evil", "1.0.1", Source.TARBALL) in _pairs(data)
    assert any("tarball" in e and "another package" in e for e in graph.entry_errors)
    same = "https://registry.example/a/-/a-1.0.0.tgz"
    data = _v5({"a@1.0.0": {"integrity": INTEGRITY, "tarball": same}}, {"npm:a@1": "1.0.0"})
    assert parse_bytes(data, "deno.lock").entry_errors == ()


def test_a_linked_local_package_is_not_the_registry_release() -> None:
    data = _v5(
        {"@acme/core@1.0.0": {"integrity": INTEGRITY}, "b@2.0.0": {"integrity": INTEGRITY}},
        {"npm:@acme/core@1": "1.0.0", "npm:b@2": "2.0.0"},
        workspace={"links": {"npm:@acme/core@1.0.0": {"dependencies": ["npm:b@2"]}}},
    )
    assert _pairs(data) == {
        ("@acme/core", "1.0.0", Source.LOCAL),
        ("b", "2.0.0", Source.REGISTRY),
    }


def test_content_sniffing() -> None:
    real = (FIXTURES / "deno-2.9.6" / "deno.lock").read_bytes()
    spec = detect("affected-lockfile.json", real[:4096])
    assert spec is not None and spec.name == "deno"
    old = (FIXTURES / "deno-1.46.3" / "deno.lock").read_bytes()
    spec = detect("affected-lockfile.json", old[:4096])
    assert spec is not None and spec.name == "deno"
    # a package.json is not taken for one, nor the reverse
    manifest = b'{"version": "1.0.0", "dependencies": {"a": "1.0.0"}}'
    spec = detect("x.json", manifest)
    assert spec is not None and spec.name == "package.json"


def test_a_deno_lock_is_never_read_as_a_package_json() -> None:
    """Before this reader, a deno.lock given to -lockfile was sniffed as a package.json (its
    "version" field) with no dependencies: 0 packages, CLEAN."""
    data = _v5({"evil@1.0.1": {"integrity": INTEGRITY}}, {"npm:evil@1.0.1": "1.0.1"})
    assert ("evil", "1.0.1", Source.REGISTRY) in _pairs(data, "lock-copy.json")


@pytest.mark.parametrize(
    ("url", "release"),
    [
        ("https://esm.sh/axios@1.14.1", ("axios", "1.14.1")),
        ("https://esm.sh/v135/axios@1.14.1/denonext/axios.mjs", ("axios", "1.14.1")),
        ("https://esm.sh/stable/react@18.2.0/es2022/react.mjs", ("react", "18.2.0")),
        ("https://esm.sh/*axios@1.14.1?target=deno", ("axios", "1.14.1")),
        ("https://esm.sh/@ctrl/tinycolor@4.1.1", ("@ctrl/tinycolor", "4.1.1")),
        ("https://cdn.jsdelivr.net/npm/@ctrl/tinycolor@4.1.1/+esm", ("@ctrl/tinycolor", "4.1.1")),
        ("https://unpkg.com/axios@1.14.1/dist/axios.js", ("axios", "1.14.1")),
        ("https://ga.jspm.io/npm:axios@1.14.1/index.js", ("axios", "1.14.1")),
        ("https://cdn.skypack.dev/axios@1.14.1", ("axios", "1.14.1")),
        ("https://esm.sh/%40ctrl%2Ftinycolor@4.1.1", ("@ctrl/tinycolor", "4.1.1")),
        ("https://esm.sh/axios@1", None),  # a range: its redirect names the release
        ("https://esm.sh/axios@^1.14.0", None),
        ("https://esm.sh/gh/owner/repo@1.0.0/mod.ts", None),
        ("https://deno.land/std@0.140.0/fs/mod.ts", None),  # not npm
        ("https://example.com/axios@1.14.1", None),
        ("https://cdn.jsdelivr.net/gh/owner/repo@1.0.0/x.js", None),
    ],
)
def test_cdn_urls(url: str, release: tuple[str, str] | None) -> None:
    from gouvernante.lockfiles.deno import cdn_release

    assert cdn_release(url) == release


@pytest.mark.parametrize("version", [None, "3", "4"])
def test_an_https_import_of_an_npm_cdn_is_that_release(version: str | None) -> None:
    """``import axios from "https://esm.sh/axios@1"`` runs axios's published code: deno records
    the redirect to the release and the module's hash (decision 0053)."""
    remote = {"https://esm.sh/v135/axios@1.14.1/denonext/axios.mjs": "abc"}
    redirects = {"https://esm.sh/axios@1": "https://esm.sh/axios@1.14.1"}
    if version is None:  # version 1: the remote map is the whole file
        data = json.dumps(remote).encode()
    else:
        data = json.dumps({"version": version, "redirects": redirects, "remote": remote}).encode()
    graph = parse_bytes(data, "deno.lock")
    assert [(p.name, p.version, p.source) for p in graph.packages] == [
        ("axios", "1.14.1", Source.REGISTRY)
    ]
    (node,) = graph.details.edges()[""]
    assert graph.details.line_of(node) is not None


@pytest.mark.parametrize(
    ("key", "target", "declared"),
    [
        ("ms", "npm:ms@^2.1.0", ("ms", "^2.1.0", None)),
        ("chalk/", "npm:/chalk@4.1.2/", ("chalk", "4.1.2", None)),
        ("lod", "npm:lodash@4.17.20/fp", ("lodash", "4.17.20", "lod")),
        ("x", "npm:@s/x@1.0.0/sub/path.js", ("@s/x", "1.0.0", "x")),
        ("x", "npm:@s/x", ("@s/x", "*", "x")),
        ("y", "npm:chalk/sub", ("chalk", "*", "y")),
        ("ax", "https://esm.sh/axios@1.14.1", ("axios", "1.14.1", "ax")),
        ("@std/path", "jsr:@std/path@1", None),
        ("./a", "./a.ts", None),
        ("z", "npm:@scope", None),
    ],
)
def test_deno_json_import_targets(
    key: str, target: str, declared: tuple[str, str, str | None] | None
) -> None:
    from gouvernante.lockfiles.deno_json import declared_import

    dep = declared_import(key, target, "imports")
    assert (None if dep is None else (dep.name, dep.spec, dep.alias)) == declared


def test_deno_json_is_read_by_name_as_jsonc() -> None:
    data = b'{\n // c\n "imports": {"a": "npm:a@1",},\n "scopes": {"./x/": {"b": "npm:b@2"}},\n}'
    graph = parse_bytes(data, "deno.jsonc")
    assert graph.format is LockfileFormat.PACKAGE_JSON
    assert [(d.name, d.spec, d.field) for d in graph.declared] == [
        ("a", "1", "imports"),
        ("b", "2", "scopes"),
    ]
    sniffed = detect("other.json", data)  # (by name only)
    assert sniffed is None or sniffed.name != "deno.json"


def test_errors_are_listed_up_to_fifty_then_counted() -> None:
    deps = [f"gone{i}@1.0.0" for i in range(5000)]
    data = _v5({"a@1.0.0": {"integrity": INTEGRITY, "dependencies": deps}}, {})
    errors = parse_bytes(data, "deno.lock").entry_errors
    assert len(errors) == 51
    assert errors[-1] == "npm: 4950 more entry errors (not listed)"


@pytest.mark.parametrize("label", ["2", "3"])
def test_a_top_level_key_of_another_version_is_named_as_top_level(label: str) -> None:
    """deno 2.9.6's (version "5") file labelled "2" or "3": its ``specifiers`` is no top-level
    key of those versions. msgspec names no path for the top level: the message says where,
    never which key (decision 0139)."""
    text = (FIXTURES / "deno-2.9.6" / "deno.lock").read_text(encoding="utf-8")
    relabelled = text.replace('"version": "5"', f'"version": "{label}"', 1)
    with pytest.raises(LockfileError) as caught:
        parse_bytes(relabelled.encode(), "deno.lock")
    assert str(caught.value) == (
        "deno.lock: a top-level key deno does not write in a file of this version (renamed,"
        " edited, or another version's layout?): what it holds would not be read"
    )
