"""An attacker's view (decision 0075): lockfiles a package manager installs in its frozen, no
scripts mode that put a release a rule names (stand-in: ms 2.1.3) in node_modules while the file
reads as another. Each fixture was made and installed by the real tool
(``fixtures/attacker-view/generate.sh``; ``installed.json``: what the tool installed). Every one
read CLEAN (exit 0) before, or was an error where the version can be read.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gouvernante.lockfiles import npm
from gouvernante.lockfiles._tarball_url import registry_identity
from helpers import compromised_rules, scan_report

FIXTURES = Path(__file__).parent / "fixtures" / "attacker-view"
RULES = compromised_rules("AV-1", ("ms", "=2.1.3"), published_at=None)
CLEAN, ERROR, FINDINGS = 0, 1, 2
LOCKFILES = (
    "package-lock.json",
    "npm-shrinkwrap.json",
    "pnpm-lock.yaml",
    "yarn.lock",
    "bun.lock",
    "bun.lockb",
    "deno.lock",
    "package.json",  # (a project without a lockfile: the manifest-* cases)
)

# case -> (exit code, where the entry error points, or None when there is none)
EXPECTED = {
    "npm-resolved-version": (FINDINGS, "packages['node_modules/ms'].resolved"),
    "npm-resolved-alias": (FINDINGS, "packages['node_modules/ms'].resolved"),
    "npm-shrinkwrap-resolved-version": (FINDINGS, "packages['node_modules/ms'].resolved"),
    "npm1-resolved-version": (FINDINGS, "dependencies['ms'].resolved"),
    "npm-resolved-tag": (ERROR, "packages['node_modules/ms'].resolved"),
    "npm-resolved-dot-segment": (FINDINGS, "packages['node_modules/ms'].resolved"),
    "pnpm-tarball-dot-segment": (FINDINGS, "packages['ms@2.1.2'].resolution.tarball"),
    "yarn1-resolved-dot-segment": (FINDINGS, "line 5: resolved"),
    "bun-registry-dot-segment": (FINDINGS, "packages['ms'][1]"),
    "bun-name-escaped": (FINDINGS, "packages['ms'][1]"),
    "deno-name-escaped": (FINDINGS, "npm['%6ds@2.1.3']"),
    "deno-name-dot-segment": (FINDINGS, "npm['./ms@2.1.3']"),
    # bun.lockb: a remote tarball resolution (the dependency's own spec: no error, decision 0030)
    "bunb-tarball-other-name": (FINDINGS, None),
    "bunb-tarball-escaped-version": (FINDINGS, None),
    # bun.lockb: a registry package without a URL, whose name builds another one's
    "bunb-name-escaped": (ERROR, "byte 320: package name and version do not match the registry"),
    "bunb-name-dot-segment": (ERROR, "byte 320: package name and version do not match the reg"),
    # a registry entry with no URL whose name the registry reads as ms (decision 0080)
    "pnpm9-name-escaped": (FINDINGS, "packages['%6ds@2.1.3']"),
    "pnpm8-name-escaped": (FINDINGS, "packages['/%6ds@2.1.3']"),
    "pnpm7-name-escaped": (FINDINGS, "packages['/%6ds/2.1.3']"),
    "pnpm9-name-dot-segment": (FINDINGS, "packages['x/../ms@2.1.3']"),
    "yarn1-name-escaped-no-resolved": (FINDINGS, "line 5: a registry entry with no resolved"),
    "yarn4-name-escaped-no-archive": (FINDINGS, "line 16: the resolution fetches another"),
    # package.json alone: an alias, an override, a resolution to such a name
    "manifest-alias-escaped": (FINDINGS, None),
    "manifest-override-escaped": (FINDINGS, None),
    "manifest-resolution-escaped": (FINDINGS, None),
    "yarn1-header-twice-last": (FINDINGS, None),
    "yarn1-header-twice-first": (CLEAN, None),
    "yarn1-no-resolved": (ERROR, "line 5"),
}


def _installed(case: str) -> list[list[str]]:
    record = json.loads((FIXTURES / case / "installed.json").read_text(encoding="utf-8"))
    assert record["exit"] == 0, case  # the tool accepted the file
    installed: list[list[str]] = record["installed"]
    return installed


def test_every_fixture_is_expected() -> None:
    cases = {p.name for p in FIXTURES.iterdir() if p.is_dir()}
    assert cases == set(EXPECTED)
    for case, (code, _) in EXPECTED.items():
        # what the tool installed decides: a clean scan only where it did not install ms 2.1.3
        assert (["ms", "2.1.3"] in _installed(case)) == (code != CLEAN), case


@pytest.mark.parametrize("mode", ["-lockfile", "-dir"])
@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_what_the_tool_installed_is_found(tmp_path: Path, case: str, mode: str) -> None:
    folder = tmp_path / "project"
    shutil.copytree(FIXTURES / case, folder, ignore=shutil.ignore_patterns("installed.json"))
    lockfile = next(folder / n for n in LOCKFILES if (folder / n).exists())
    target = str(lockfile) if mode == "-lockfile" else str(folder)
    code, report = scan_report(tmp_path, RULES, mode, target)
    expected, where = EXPECTED[case]
    # (a package.json alone: a declared range, the release it names)
    found = {(f["package"], f.get("version", f.get("declared_range"))) for f in report["findings"]}
    errors = [e["message"] if isinstance(e, dict) else e for e in report["errors"]]
    assert code == expected, (errors, found)
    if expected == FINDINGS:
        assert ("ms", "2.1.3") in found
    else:
        assert not found
    if where is None:
        assert not errors
    else:
        assert any(where in str(e) for e in errors), errors
    text = lockfile.read_bytes().decode("utf-8", "replace")
    for error in map(str, errors):  # never the scanned bytes: the spec or URL written there
        for spelling in ("latest", "npm:ms@", "/./", "%2e", 'ms@2.1.3"'):
            assert spelling not in error or spelling not in text


# ---------------------------------------------------------------------------------------------
# npm: ``resolved`` read as npm-package-arg reads it (the class, beyond the fixtures)

# resolved -> (the spec npm fetches, the (name, version) it names under node_modules/ms), from
# arborist's consistentResolve and npm-package-arg (npm 11.19.1); None: a URL, git or a file
SPECS = {
    "2.1.3": ("2.1.3", ("ms", "2.1.3")),
    "v2.1.3": ("v2.1.3", ("ms", "2.1.3")),
    "=2.1.3": ("=2.1.3", ("ms", "2.1.3")),
    "2.1.3 ": ("2.1.3 ", ("ms", "2.1.3")),
    "2.1.3-beta.1": ("2.1.3-beta.1", ("ms", "2.1.3-beta.1")),
    "left-pad@2.1.3": ("2.1.3", ("ms", "2.1.3")),
    "@s/x@2.1.3": ("2.1.3", ("ms", "2.1.3")),
    "npm:left-pad@1.3.0": ("npm:left-pad@1.3.0", ("left-pad", "1.3.0")),
    "NPM:ms@2.1.3": ("NPM:ms@2.1.3", ("ms", "2.1.3")),
    "x@npm:left-pad@1.3.0": ("npm:left-pad@1.3.0", ("left-pad", "1.3.0")),
    "npm:@s/x@1.0.0": ("npm:@s/x@1.0.0", ("@s/x", "1.0.0")),
    "npm:ms": ("npm:ms", ("ms", "")),
    "~2.1.3": ("~2.1.3", ("ms", "")),
    "^2.1.3": ("^2.1.3", ("ms", "")),
    "2.1.x": ("2.1.x", ("ms", "")),
    "latest": ("latest", ("ms", "")),
    "ms@": ("*", ("ms", "")),
    "": None,
    "https://registry.npmjs.org/ms/-/ms-2.1.3.tgz": None,
    "https:registry.npmjs.org/ms/-/ms-2.1.3.tgz": None,
    "git+ssh://git@github.com/u/r.git#abc": None,
    "git@github.com:u/r.git": None,
    "github:u/r": None,
    "u/r": None,
    "file:vendor/ms-2.1.3.tgz": None,
    "./vendor/ms": None,
    "/abs/ms": None,
    "ms-2.1.3.tgz": None,
}


@pytest.mark.parametrize(("resolved", "expected"), SPECS.items())
def test_a_resolved_registry_spec_is_read_as_npm_reads_it(
    resolved: str, expected: tuple[str, tuple[str, str]] | None
) -> None:
    spec = npm.registry_spec(resolved)
    if expected is None:
        assert spec is None
        return
    assert spec == expected[0]
    assert npm.spec_package("ms", spec) == expected[1]


def _v3(entry: dict[str, object]) -> bytes:
    lock = {
        "name": "app",
        "lockfileVersion": 3,
        "packages": {"": {"dependencies": {"ms": "^2.1.2"}}, "node_modules/ms": entry},
    }
    return json.dumps(lock).encode()


@pytest.mark.parametrize(
    ("entry", "found", "error"),
    [
        ({"version": "2.1.2", "resolved": "2.1.3"}, ("ms", "2.1.3"), True),
        ({"version": "2.1.2", "resolved": "npm:left-pad@1.3.0"}, ("left-pad", "1.3.0"), True),
        ({"version": "2.1.2", "resolved": "latest"}, None, True),
        ({"resolved": "2.1.3"}, ("ms", "2.1.3"), True),  # no version: npm still fetches it
        ({"name": "left-pad", "version": "2.1.3", "resolved": "2.1.3"}, ("ms", "2.1.3"), True),
        ({"version": "2.1.3", "resolved": "2.1.3"}, ("ms", "2.1.3"), False),  # its own
    ],
)
@pytest.mark.parametrize("lean", [False, True])
def test_a_resolved_registry_spec_adds_what_npm_installs(
    monkeypatch: pytest.MonkeyPatch,
    entry: dict[str, object],
    found: tuple[str, str] | None,
    error: bool,
    lean: bool,
) -> None:
    if lean:  # the big-file path reads it alike
        monkeypatch.setattr(npm, "LEAN_BYTES", 0)
    graph = npm.parse(_v3(entry), "package-lock.json")
    named = {(p.name, p.version) for p in graph.table}
    if found is not None:
        assert found in named
    assert any(".resolved" in e for e in graph.entry_errors) == error


# ---------------------------------------------------------------------------------------------
# tarball URLs: dot segments as WHATWG URL parsing resolves them (every tool)


@pytest.mark.parametrize(
    ("url", "identity"),
    [
        ("https://registry.npmjs.org/ms/-/./ms-2.1.3.tgz", ("ms", "2.1.3")),
        ("https://registry.npmjs.org/ms/-/ms-2.1.2.tgz/../ms-2.1.3.tgz", ("ms", "2.1.3")),
        ("https://registry.npmjs.org/ms/-/ms-2.1.2.tgz/%2E%2e/ms-2.1.3.tgz", ("ms", "2.1.3")),
        ("https://registry.npmjs.org/ms/-/ms-2.1.2.tgz/.%2E/ms-2.1.3.tgz", ("ms", "2.1.3")),
        ("https://registry.npmjs.org/ms/-/%2e/ms-2.1.3.tgz", ("ms", "2.1.3")),
        ("https://registry.npmjs.org/left-pad/../ms/-/ms-2.1.3.tgz", ("ms", "2.1.3")),
        ("https://registry.npmjs.org/@evil/x/../ms/-/ms-2.1.2.tgz", ("@evil/ms", "2.1.2")),
        ("https://registry.npmjs.org/../../ms/-/ms-2.1.3.tgz", ("ms", "2.1.3")),
        ("https://registry.npmjs.org/ms/-/ms-2.1.3.tgz/.", ("ms", "")),
        ("https://registry.npmjs.org/ms/-/ms-2.1.3.tgz", ("ms", "2.1.3")),
        ("https://registry.npmjs.org/ms/-/.ms-2.1.3.tgz", ("ms", "")),
    ],
)
def test_a_dot_segment_is_resolved_as_the_tools_resolve_it(
    url: str, identity: tuple[str, str]
) -> None:
    assert registry_identity(url) == identity


def test_a_learned_registry_base_never_holds_a_dot_segment() -> None:
    """The npm reader compares each URL with the one it expects at the base the previous
    entries used: a base with a dot segment could climb to a scope (``@evil/a/../`` then
    ``ms`` is ``@evil/ms``), so such a base is never learned."""
    base = "https://registry.npmjs.org/@evil/a/../"
    lock = {
        "name": "app",
        "lockfileVersion": 3,
        "packages": {
            "": {"dependencies": {"@s/x": "1.0.0", "ms": "2.1.2"}},
            "node_modules/@s/x": {"version": "1.0.0", "resolved": f"{base}@s/x/-/x-1.0.0.tgz"},
            "node_modules/ms": {"version": "2.1.2", "resolved": f"{base}ms/-/ms-2.1.2.tgz"},
        },
    }
    graph = npm.parse(json.dumps(lock).encode(), "package-lock.json")
    assert ("@evil/ms", "2.1.2") in {(p.name, p.version) for p in graph.table}
    assert any("node_modules/ms'].resolved" in e for e in graph.entry_errors)


# ---------------------------------------------------------------------------------------------
# yarn 1: a header written twice is the last one's, in every reader


_INTEGRITY = {  # ms 2.1.2 and 2.1.3 (the registry's)
    "2.1.2": "sha512-sGkPx+VjMtmA6MX27oA4FBFELFCZZ4S4XqeGOXCv68tT+jb3vk/"
    "RyaKWP0PTKyWtmLSM0b+adUTEvbs1PEaH2w==",
    "2.1.3": "sha512-6FlzubTLZG3J2a/NVCAleEhjzq5oxgHyaCU9yYXvcLsvoVaHJq/"
    "s5xXI6/XXP6tz7R9xAOtHnSO/tXtF3WRTlA==",
}


def _yarn1_entry(header: str, version: str, integrity: str, deps: str = "") -> str:
    url = f"https://registry.yarnpkg.com/ms/-/ms-{version}.tgz"
    return f'{header}:\n  version "{version}"\n  resolved "{url}"\n  integrity {integrity}\n{deps}'


@pytest.mark.parametrize(
    "layout",
    ["yarn", "escaped", "crlf", "no-marker", "dependencies"],
)
@pytest.mark.parametrize("last", ["2.1.3", "2.1.2"])
def test_a_yarn1_header_written_twice_is_the_last_one(
    tmp_path: Path, layout: str, last: str
) -> None:
    first = "2.1.2" if last == "2.1.3" else "2.1.3"
    integrity = _INTEGRITY
    header = '"ms@^2.1.2"' if layout == "escaped" else "ms@^2.1.2"
    deps = '  dependencies:\n    left-pad "^1.3.0"\n' if layout == "dependencies" else ""
    parts = [
        _yarn1_entry("ms@^2.1.2", first, integrity[first]),
        _yarn1_entry(header, last, integrity[last], deps),
    ]
    if deps:
        url = "https://registry.yarnpkg.com/left-pad/-/left-pad-1.3.0.tgz"
        parts.append(f'left-pad@^1.3.0:\n  version "1.3.0"\n  resolved "{url}"\n')
    if layout == "escaped":  # a backslash sends the file past the fast readers
        parts[0] = parts[0].replace('"2.1', '"2.\\u0031')
    text = "# yarn lockfile v1\n\n\n" + "\n".join(parts)
    if layout == "no-marker":
        text = text.split("\n\n\n", 1)[1]
    data = text.replace("\n", "\r\n") if layout == "crlf" else text
    lockfile = tmp_path / "yarn.lock"
    lockfile.write_bytes(data.encode())
    code, report = scan_report(tmp_path, RULES, "-lockfile", str(lockfile))
    found = {(f["package"], f["version"]) for f in report["findings"]}
    assert (code, found) == ((FINDINGS, {("ms", "2.1.3")}) if last == "2.1.3" else (CLEAN, set()))


# ---------------------------------------------------------------------------------------------
# bun.lockb: a remote tarball resolution installs what its URL names (the class, beyond the
# fixtures): the URL of bunb-tarball-escaped-version rewritten in place, each spelling of the
# same length that names a registry release as bun and the registry read it

LOCKB_URL = b"https://registry.npmjs.org/ms/-/ms-2.1.%33.tgz"


@pytest.mark.parametrize(
    ("url", "named"),
    [
        (b"https://registry.npmjs.org/ms/-/ms-2.1.%33.tgz", ("ms", "2.1.3")),
        (b"https://registry.npmjs.org/ms/-/./ms-2.1.3.tgz", ("ms", "2.1.3")),
        (b"https://registry.npmjs.org/ms/%2d/ms-2.1.3.tgz", ("ms", "2.1.3")),
        (b"https://registry.npmjs.org/ms/-/ms-2.1.3.tgz?x", ("ms", "2.1.3")),
        (b"https://registry.npmjs.org/@ev/m/-/m-1.0.0.tgz", ("@ev/m", "1.0.0")),
        (b"https://registry.npmjs.org/ms/-/ms-%32.1.3.tgz", ("ms", "2.1.3")),
    ],
)
def test_a_lockb_tarball_url_names_what_bun_installs(url: bytes, named: tuple[str, str]) -> None:
    from gouvernante.lockfiles import bun_binary

    data = (FIXTURES / "bunb-tarball-escaped-version" / "bun.lockb").read_bytes()
    assert data.count(LOCKB_URL) == 1 and len(url) == len(LOCKB_URL)
    graph = bun_binary.parse(data.replace(LOCKB_URL, url), "p/bun.lockb")
    assert named in {(p.name, p.version) for p in graph.packages}
    assert not graph.entry_errors  # the dependency's own spec (decision 0030): no entry error


# bun.lockb: a registry package without a URL is fetched from the URL bun builds of its name and
# version; a name that is no npm name can build another package's (the class, beyond the
# fixtures: bunb-name-escaped with the name rewritten in place, its stored hash recomputed)
@pytest.mark.parametrize(
    ("name", "refused"),
    [
        ("%6ds", True),
        ("m%73", True),
        ("./ms", True),
        (".\\ms", True),
        ("x/../ms", True),
        ("%2e/ms", True),
        ("ms", False),
        ("MS", False),  # another package (the registry's names are case-sensitive)
        ("@x/ms", False),
    ],
)
def test_a_lockb_name_that_builds_another_url(name: str, refused: bool) -> None:
    import struct

    from gouvernante.errors import LockfileError
    from gouvernante.lockfiles import bun_binary
    from gouvernante.lockfiles._bun_wyhash import wyhash11

    data = (FIXTURES / "bunb-name-escaped" / "bun.lockb").read_bytes()
    stored = struct.pack("<Q", wyhash11(b"%6ds"))
    assert data.count(stored) == 1
    hash_at = data.index(stored)
    names_at = hash_at - 8 * struct.unpack_from("<Q", data, 86)[0]  # (the package count)
    edited = bytearray(data)
    edited[names_at : names_at + 8] = name.encode().ljust(8, b"\0")
    edited[hash_at : hash_at + 8] = struct.pack("<Q", wyhash11(name.encode()))
    if refused:
        with pytest.raises(LockfileError, match=r"byte \d+: .* do not match the registry URL$"):
            bun_binary.parse(bytes(edited), "p/bun.lockb")
    else:
        graph = bun_binary.parse(bytes(edited), "p/bun.lockb")
        assert (name, "2.1.3") in {(p.name, p.version) for p in graph.packages}


# bun.lock: the same class for a registry entry without a URL ("": bun's default registry)
@pytest.mark.parametrize(
    ("name", "named"),
    [
        ("%6ds", ("ms", "2.1.3")),
        ("m%73", ("ms", "2.1.3")),
        ("%6Ds", ("ms", "2.1.3")),
        ("./ms", ("ms", "2.1.3")),
        ("x/../ms", ("ms", "2.1.3")),
        (".\\\\ms", ("ms", "2.1.3")),  # (a JSON escape: .\ms)
        ("ms", None),
        ("@x/ms", None),
        ("MS", None),
    ],
)
def test_a_bun_lock_name_that_builds_another_url(name: str, named: tuple[str, str] | None) -> None:
    from gouvernante.lockfiles import bun

    text = (FIXTURES / "bun-name-escaped" / "bun.lock").read_text(encoding="utf-8")
    assert text.count('"%6ds@2.1.3"') == 1
    graph = bun.parse(text.replace('"%6ds@2.1.3"', f'"{name}@2.1.3"').encode(), "p/bun.lock")
    found = {(p.name, p.version) for p in graph.packages}
    if named is None:
        assert not graph.entry_errors
        assert found == {(name, "2.1.3")}
    else:
        assert named in found
        assert graph.entry_errors == (
            "packages['ms'][1]: the registry tarball of another package or version than this"
            " entry's; bun installs what the URL names (lockfile injection or a bad merge?)",
        )


# deno.lock: the same class (deno fetches the registry's packument of the entry's name)
@pytest.mark.parametrize(
    ("key", "named"),
    [
        ("%6ds@2.1.3", ("ms", "2.1.3")),
        ("m%73@2.1.3", ("ms", "2.1.3")),
        ("./ms@2.1.3", ("ms", "2.1.3")),
        ("x/../ms@2.1.3", ("ms", "2.1.3")),
        ("%6ds@2.1.3_react@18.2.0", ("ms", "2.1.3")),
        ("ms@2.1.3", None),
        ("MS@2.1.3", None),
        ("@x/ms@2.1.3", None),
    ],
)
def test_a_deno_name_that_builds_another_url(key: str, named: tuple[str, str] | None) -> None:
    from gouvernante.lockfiles import deno

    lock = json.loads((FIXTURES / "deno-name-escaped" / "deno.lock").read_text(encoding="utf-8"))
    lock["npm"][key] = lock["npm"].pop("%6ds@2.1.3")
    lock["npm"]["debug@4.3.4"]["dependencies"] = [f"ms@npm:{key}"]
    graph = deno.parse(json.dumps(lock).encode(), "p/deno.lock")
    found = {(p.name, p.version) for p in graph.packages}
    if named is None:
        assert not graph.entry_errors
        assert len(found) == 2
    else:
        assert named in found
        assert graph.entry_errors == (
            f"npm['{key}']: a name the registry reads as another package's; deno installs that"
            " package (lockfile injection?)",
        )


# ---------------------------------------------------------------------------------------------
# pnpm, yarn 1, yarn 4 and package.json: the same class (decision 0080), beyond the fixtures

_ODD_NAMES = [
    ("%6ds", "ms"),
    ("m%73", "ms"),
    ("%6Ds", "ms"),
    ("./ms", "ms"),
    ("x/../ms", "ms"),
    (".\\ms", "ms"),
    ("%2e/ms", "ms"),
    ("@x%2f..%2fms", "ms"),  # (yarn 1.22.22 installed ms 2.1.3 for it)
    ("ms", None),
    ("MS", None),  # another package (the registry's names are case-sensitive)
    ("@x/ms", None),
]


def _pnpm_yaml_key(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@pytest.mark.parametrize("loader", ["lines", "yaml"])
@pytest.mark.parametrize(
    ("case", "key"),
    [
        ("pnpm9-name-escaped", "{}@2.1.3"),
        ("pnpm8-name-escaped", "/{}@2.1.3"),
        ("pnpm7-name-escaped", "/{}/2.1.3"),
    ],
)
@pytest.mark.parametrize(("name", "named"), _ODD_NAMES)
def test_a_pnpm_name_that_builds_another_url(
    case: str, key: str, name: str, named: str | None, loader: str
) -> None:
    from gouvernante.lockfiles import pnpm

    text = (FIXTURES / case / "pnpm-lock.yaml").read_text(encoding="utf-8")
    old = key.format("%6ds")
    assert text.count(f"'{old}'") >= 2
    if case == "pnpm7-name-escaped" and "/" in name:
        pytest.skip("a 5.x key's name holds no '/' beside a scope (pnpm 7.33.7 refuses it)")
    edited = text.replace(f"'{old}'", _pnpm_yaml_key(key.format(name)))
    with pytest.MonkeyPatch.context() as patch:
        if loader == "yaml":  # (the full YAML reader, for files outside the line grammar)
            patch.setattr(pnpm, "_read_lines", lambda text, path, data=None: None)
        graph = pnpm.parse(edited.encode(), "p/pnpm-lock.yaml")
    found = {(p.name, p.version) for p in graph.table}
    if name.startswith("@x%2f"):
        # pnpm builds ".../@x%2f..%2fms/-/undefined-2.1.3.tgz" (pnpm 9.15.9: 403, pnpm 7.33.7
        # refuses the key): an error all the same, never a clean read
        assert graph.entry_errors
    elif named is None:
        assert not graph.entry_errors
        assert (name, "2.1.3") in found
    else:
        assert (named, "2.1.3") in found
        assert len(graph.entry_errors) == 1
        assert graph.entry_errors[0].endswith(
            ": the registry tarball of another package or version than this entry's; pnpm"
            " installs what the URL names (lockfile injection or a bad merge?)"
        )


@pytest.mark.parametrize(("name", "named"), _ODD_NAMES)
def test_a_yarn1_name_without_resolved(name: str, named: str | None) -> None:
    from gouvernante.lockfiles import yarn

    text = (FIXTURES / "yarn1-name-escaped-no-resolved" / "yarn.lock").read_text("utf-8")
    assert text.count('"%6ds@^2.1.0"') == 1
    edited = text.replace('"%6ds@^2.1.0"', json.dumps(f"{name}@^2.1.0"))
    graph = yarn.parse(edited.encode(), "p/yarn.lock")
    found = {(p.name, p.version) for p in graph.table}
    assert (name, "2.1.3") in found
    if named is None:
        assert not graph.entry_errors
    else:
        assert (named, "2.1.3") in found
        assert graph.entry_errors == (
            "line 5: a registry entry with no resolved URL whose name the registry reads as"
            " another package's; yarn 1 resolves and installs that package (lockfile injection"
            " or a bad merge?)",
        )


@pytest.mark.parametrize(("name", "named"), _ODD_NAMES)
def test_a_yarn_berry_name_without_archive_url(name: str, named: str | None) -> None:
    from gouvernante.lockfiles import yarn

    text = (FIXTURES / "yarn4-name-escaped-no-archive" / "yarn.lock").read_text("utf-8")
    assert text.count('"%6ds@npm:2.1.3"') == 1
    edited = text.replace('"%6ds@npm:2.1.3"', json.dumps(f"{name}@npm:2.1.3"))
    graph = yarn.parse(edited.encode(), "p/yarn.lock")
    found = {(p.name, p.version) for p in graph.table}
    if named is None:
        assert not graph.entry_errors
        assert (name, "2.1.3") in found
    else:
        assert (named, "2.1.3") in found
        assert len(graph.entry_errors) == 1
        assert graph.entry_errors[0].startswith("line 16: the resolution fetches another")


@pytest.mark.parametrize(("name", "named"), _ODD_NAMES)
def test_a_declared_alias_names_what_the_registry_serves(name: str, named: str | None) -> None:
    from gouvernante.lockfiles.package_json import declared_dependency

    if name == "./ms":
        named = None  # (a path yarn reads as a folder: decision 0081's ``registry_name``)
    for spec in (f"npm:{name}@2.1.3", f"NPM:{name}@2.1.3"):
        dep = declared_dependency("x", spec, "dependencies")
        assert (dep.name, dep.spec, dep.alias) == (named or name, "2.1.3", "x")
    assert declared_dependency("x", f"npm:{name}", "dependencies").name == (named or name)


@pytest.mark.parametrize(
    "name",
    ["ms", "@s/x", "a.b~c-d_e", "%6ds", "./ms", ".ms", "MS ", "a\nb", "\n", "ms\n", "@s/x/y", ""],
)
def test_the_gate_of_names_not_plain_agrees_with_plain_name(name: str) -> None:
    from gouvernante.lockfiles._tarball_url import PLAIN_NAME, names_not_plain

    expected = [] if PLAIN_NAME.fullmatch(name) else [name]
    assert names_not_plain(["ms", name, "@s/x"]) == expected
    assert names_not_plain([name] * 3) == expected
