"""Lockfile injection (decision 0030): an entry whose key, name and version say one package while
the URL the package manager downloads names another. ``npm ci`` fetches ``resolved`` and checks it
against the lockfile's own integrity, bun fetches the registry element of a tuple, yarn berry
fetches its locator (an ``npm:`` version, a ``::__archiveUrl=``, the package a ``patch:`` wraps):
what the URL names is installed under the entry's folder. Such a file is never CLEAN: the URL's
package is matched against the rules (a finding that names it), and the entry is an error.

Each case runs end to end (``gouvernante -rules R -lockfile F -json``); the files the real tools
wrote (``fixtures/``), also moved to a private registry's URL layout, stay CLEAN and error-free.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gouvernante.lockfiles import npm
from gouvernante.lockfiles._tarball_url import registry_identity
from lockfiles.injection_scan import Scan, scan_lockfile

FIXTURES = Path(__file__).parent / "fixtures"


CLEAN, ERROR, FINDINGS = 0, 1, 2
NPMJS = "https://registry.npmjs.org"
EVIL_URL = f"{NPMJS}/evil/-/evil-1.0.1.tgz"
LEFT_PAD_URL = f"{NPMJS}/left-pad/-/left-pad-1.3.0.tgz"


def _scan(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, data: str | bytes) -> Scan:
    return scan_lockfile(tmp_path, capsys, name, data)


# --------------------------------------------------------------------------------------------
# npm: package-lock.json v2/v3 and npm-shrinkwrap.json (the whole-file decode and the big-file
# path), and v1


def _npm(packages: Mapping[str, object], version: int = 3) -> str:
    root = {"name": "app", "version": "1.0.0", "dependencies": {"left-pad": "^1.0.0"}}
    doc = {
        "name": "app",
        "version": "1.0.0",
        "lockfileVersion": version,
        "requires": True,
        "packages": {"": root, **packages},
    }
    return json.dumps(doc, indent=2)


def _left_pad(resolved: str, **more: object) -> dict[str, object]:
    return {"node_modules/left-pad": {"version": "1.3.0", "resolved": resolved, **more}}


_INJECTED: dict[str, tuple[dict[str, object], tuple[str, str]]] = {
    "another name": (_left_pad(EVIL_URL), ("evil", "1.0.1")),
    "a scope put before the name": (
        _left_pad(f"{NPMJS}/@evil/left-pad/-/left-pad-1.3.0.tgz"),
        ("@evil/left-pad", "1.3.0"),
    ),
    "another version": (
        _left_pad(f"{NPMJS}/left-pad/-/left-pad-1.2.0.tgz"),
        ("left-pad", "1.2.0"),
    ),
    "an escaped scope on a private registry": (
        _left_pad(
            "https://acme.jfrog.io/artifactory/api/npm/npm/@evil%2fleft-pad/-/@evil/left-pad-1.3.0.tgz"
        ),
        ("@evil/left-pad", "1.3.0"),
    ),
    "an alias naming another package than its URL": (
        {
            "node_modules/left-pad": {
                "name": "left-pad",
                "version": "1.3.0",
                "resolved": EVIL_URL,
            }
        },
        ("evil", "1.0.1"),
    ),
    "no version": ({"node_modules/left-pad": {"resolved": EVIL_URL}}, ("evil", "1.0.1")),
    "a version that is no semver": (
        {"node_modules/left-pad": {"version": "latest", "resolved": EVIL_URL}},
        ("evil", "1.0.1"),
    ),
    "a nested entry": (
        {
            "node_modules/a": {
                "version": "1.0.0",
                "resolved": f"{NPMJS}/a/-/a-1.0.0.tgz",
                "dependencies": {"left-pad": "^1.0.0"},
            },
            "node_modules/a/node_modules/left-pad": {"version": "1.3.0", "resolved": EVIL_URL},
            "node_modules/left-pad": {"version": "1.3.0", "resolved": LEFT_PAD_URL},
        },
        ("evil", "1.0.1"),
    ),
}


_KINDS = (("package-lock.json", 3), ("package-lock.json", 2), ("npm-shrinkwrap.json", 3))
_FILES = [(name, version, lean) for name, version in _KINDS for lean in (False, True)]


@pytest.mark.parametrize(
    "file", _FILES, ids=lambda f: f"{f[0]}-v{f[1]}-{'big-file-path' if f[2] else 'whole'}"
)
@pytest.mark.parametrize("case", list(_INJECTED))
def test_npm_a_url_naming_another_package_is_found(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    case: str,
    file: tuple[str, int, bool],
) -> None:
    name, version, lean = file
    if lean:
        monkeypatch.setattr(npm, "LEAN_BYTES", 0)
    packages, installed = _INJECTED[case]
    scan = _scan(tmp_path, capsys, name, _npm(packages, version))
    assert scan.code == FINDINGS
    assert installed in scan.findings
    assert any(".resolved: the registry tarball of another package" in e for e in scan.errors)


def test_npm_the_error_names_the_entry_not_the_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lodash = f"{NPMJS}/lodash/-/lodash-4.17.21.tgz"  # no rule names it: an error, never CLEAN
    scan = _scan(tmp_path, capsys, "package-lock.json", _npm(_left_pad(lodash)))
    assert scan.code == ERROR
    assert scan.errors == [
        "packages['node_modules/left-pad'].resolved: the registry tarball of another package or"
        " version than this entry's; npm installs what the URL names (lockfile injection or a"
        " bad merge?)"
    ]


_AGREEING = {
    "npmjs": LEFT_PAD_URL,
    "yarn's mirror": "https://registry.yarnpkg.com/left-pad/-/left-pad-1.3.0.tgz",
    "Artifactory": "https://acme.jfrog.io/artifactory/api/npm/npm-remote/left-pad/-/left-pad-1.3.0.tgz",
    "Nexus with a token": "https://nexus.acme.test/repository/npm/left-pad/-/left-pad-1.3.0.tgz?t=1",
    "git": "git+ssh://git@github.com/u/left-pad.git#0123456789abcdef0123456789abcdef01234567",
    "codeload": "https://codeload.github.com/u/left-pad/tar.gz/0123456789abcdef",
    "a file server": "https://files.acme.test/left-pad-1.3.0.tgz",
    "file:": "file:vendor/left-pad-1.3.0.tgz",
}


@pytest.mark.parametrize("lean", [False, True], ids=["whole-decode", "big-file-path"])
@pytest.mark.parametrize("case", list(_AGREEING))
def test_npm_urls_that_name_the_entry_or_nothing_are_clean(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    case: str,
    lean: bool,
) -> None:
    if lean:
        monkeypatch.setattr(npm, "LEAN_BYTES", 0)
    scan = _scan(tmp_path, capsys, "package-lock.json", _npm(_left_pad(_AGREEING[case])))
    assert (scan.code, scan.errors) == (CLEAN, [])


@pytest.mark.parametrize("lean", [False, True], ids=["whole-decode", "big-file-path"])
def test_npm_aliases_and_scoped_names_are_legitimate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, lean: bool
) -> None:
    if lean:
        monkeypatch.setattr(npm, "LEAN_BYTES", 0)
    packages = {
        # ``"left-pad": "npm:evil@^1.0.0"``: npm writes the real name, and the URL agrees
        "node_modules/left-pad": {"name": "evil", "version": "1.0.1", "resolved": EVIL_URL},
        "node_modules/@s/x": {"version": "2.0.0", "resolved": f"{NPMJS}/@s/x/-/x-2.0.0.tgz"},
        "node_modules/@s/y": {
            "version": "2.0.0",
            "resolved": "https://npm.acme.test/@s%2fy/-/y-2.0.0.tgz",
        },
    }
    scan = _scan(tmp_path, capsys, "package-lock.json", _npm(packages))
    assert (scan.code, scan.findings, scan.errors) == (FINDINGS, {("evil", "1.0.1")}, [])


@pytest.mark.parametrize("lean", [False, True], ids=["whole-decode", "big-file-path"])
def test_npm_an_in_bundle_flag_does_not_hide_a_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, lean: bool
) -> None:
    """npm 7+ reads whether a package is bundled from its parent, not from the lockfile's
    ``inBundle``: with the flag on an entry its parent does not bundle, npm 11.19.1 ``npm ci``
    fetched the URL (another package) and installed it; the flag hid it (CLEAN). The red team's
    npm-inbundle2 of 2026-12-06."""
    if lean:
        monkeypatch.setattr(npm, "LEAN_BYTES", 0)
    packages = {
        "node_modules/is-odd": {
            "version": "3.0.1",
            "resolved": f"{NPMJS}/is-odd/-/is-odd-3.0.1.tgz",
        },
        "node_modules/is-odd/node_modules/left-pad": {
            "version": "1.3.0",
            "resolved": EVIL_URL,
            "inBundle": True,
        },
    }
    scan = _scan(tmp_path, capsys, "package-lock.json", _npm(packages))
    assert (scan.code, scan.findings) == (FINDINGS, {("evil", "1.0.1")})
    assert "packages['node_modules/is-odd/node_modules/left-pad'].resolved" in [
        e.split(":")[0] for e in scan.errors
    ]


def _npm_v1(dependencies: Mapping[str, object]) -> str:
    return json.dumps(
        {"name": "app", "version": "1.0.0", "lockfileVersion": 1, "dependencies": dependencies}
    )


def test_npm_v1_a_resolved_naming_another_package_is_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deps = {
        "a": {
            "version": "1.0.0",
            "resolved": f"{NPMJS}/a/-/a-1.0.0.tgz",
            "requires": {"left-pad": "^1.0.0"},
            "dependencies": {"left-pad": {"version": "1.3.0", "resolved": EVIL_URL}},
        }
    }
    scan = _scan(tmp_path, capsys, "package-lock.json", _npm_v1(deps))
    assert (scan.code, scan.findings) == (FINDINGS, {("evil", "1.0.1")})
    assert scan.errors == [
        "dependencies['a'].dependencies['left-pad'].resolved: the registry tarball of another"
        " package or version than this entry's; npm installs what the URL names (lockfile"
        " injection or a bad merge?)"
    ]


def test_npm_v1_url_dependencies_and_aliases_are_legitimate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """npm 6 writes a URL dependency as its ``version``: the folder may bear any name, and the
    package the URL names is the one installed (found, no error); an alias names its package."""
    deps = {
        "left-pad": {"version": EVIL_URL, "integrity": "sha512-AA=="},
        "my-evil": {"version": "npm:evil@1.0.1", "resolved": EVIL_URL},
    }
    scan = _scan(tmp_path, capsys, "package-lock.json", _npm_v1(deps))
    assert (scan.code, scan.findings, scan.errors) == (FINDINGS, {("evil", "1.0.1")}, [])


# --------------------------------------------------------------------------------------------
# bun.lock


def _bun(packages: str) -> str:
    return (
        '{\n  "lockfileVersion": 1,\n  "workspaces": {\n    "": {\n      "name": "app",\n'
        '      "dependencies": {\n        "left-pad": "^1.0.0",\n      },\n    },\n  },\n'
        f'  "packages": {{\n{packages}\n  }}\n}}\n'
    )


def test_bun_a_registry_url_naming_another_package_is_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entry = f'    "left-pad": ["left-pad@1.3.0", "{EVIL_URL}", {{}}, "sha512-AA=="],'
    scan = _scan(tmp_path, capsys, "bun.lock", _bun(entry))
    assert (scan.code, scan.findings) == (FINDINGS, {("evil", "1.0.1")})
    assert scan.errors == [
        "packages['left-pad'][1]: the registry tarball of another package or version than this"
        " entry's; bun installs what the URL names (lockfile injection or a bad merge?)"
    ]


@pytest.mark.parametrize(
    ("entry", "findings"),
    [
        # a tarball dependency: the package its URL names is the one installed
        (f'"left-pad": ["left-pad@{EVIL_URL}", {{}}, "sha512-AA=="],', {("evil", "1.0.1")}),
        ('"left-pad": ["left-pad@1.3.0", "", {}, "sha512-AA=="],', set()),
        (
            '"left-pad": ["left-pad@1.3.0", "https://npm.acme.test/left-pad/-/left-pad-1.3.0.tgz",'
            ' {}, "sha512-AA=="],',
            set(),
        ),
        ('"left-pad": ["left-pad@1.3.0", "https://npm.acme.test/", {}, "sha512-AA=="],', set()),
    ],
)
def test_bun_legitimate_urls(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], entry: str, findings: set[object]
) -> None:
    scan = _scan(tmp_path, capsys, "bun.lock", _bun("    " + entry))
    assert (scan.code, scan.findings, scan.errors) == (
        FINDINGS if findings else CLEAN,
        findings,
        [],
    )


# --------------------------------------------------------------------------------------------
# yarn berry


def _berry(left_pad: str) -> str:
    return f"""# This file is generated by running "yarn install" inside your project.
# Manual changes might be lost - proceed with caution!

__metadata:
  version: 8
  cacheKey: 10c0

"app@workspace:.":
  version: 0.0.0-use.local
  resolution: "app@workspace:."
  dependencies:
    left-pad: "npm:^1.0.0"
  languageName: unknown
  linkType: soft

"left-pad@npm:^1.0.0":
{left_pad}
  checksum: 10c0/abc
  languageName: node
  linkType: hard
"""


_ENCODED_EVIL = quote(EVIL_URL, safe="")


@pytest.mark.parametrize(
    ("entry", "installed"),
    [
        # berry fetches the locator's version; ``version`` is the manifest's
        ('  version: 1.3.0\n  resolution: "left-pad@npm:1.2.0"', ("left-pad", "1.2.0")),
        (
            f'  version: 1.3.0\n  resolution: "left-pad@npm:1.3.0::__archiveUrl={_ENCODED_EVIL}"',
            ("evil", "1.0.1"),
        ),
        (
            '  version: 1.3.0\n  resolution: "left-pad@patch:evil@npm%3A1.0.1#./p.patch'
            '::version=1.3.0&hash=abc"',
            ("evil", "1.0.1"),
        ),
    ],
    ids=["npm version", "archive URL", "patched package"],
)
def test_berry_a_resolution_fetching_another_package_is_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], entry: str, installed: tuple[str, str]
) -> None:
    scan = _scan(tmp_path, capsys, "yarn.lock", _berry(entry))
    assert scan.code == FINDINGS
    assert installed in scan.findings
    assert scan.errors == [
        "line 16: the resolution fetches another package or version than this entry says (its"
        " npm version, the package a patch wraps or an archive URL); yarn installs what the"
        " resolution names (lockfile injection or a bad merge?)"
    ]


@pytest.mark.parametrize(
    "entry",
    [
        '  version: 1.3.0\n  resolution: "left-pad@npm:1.3.0"',
        '  version: 1.3.0\n  resolution: "left-pad@npm:1.3.0::__archiveUrl='
        + quote("https://npm.acme.test/left-pad/-/left-pad-1.3.0.tgz", safe="")
        + '"',
        '  version: 1.3.0\n  resolution: "left-pad@npm:1.3.0::__archiveUrl='
        + quote("https://npm.pkg.github.com/download/@u/left-pad/1.3.0/0123abcd", safe="")
        + '"',
        '  version: 1.3.0\n  resolution: "left-pad@patch:left-pad@npm%3A1.3.0'
        '#optional!builtin<compat/left-pad>::version=1.3.0&hash=c3c19d"',
    ],
    ids=["npm", "private registry", "GitHub packages", "builtin patch"],
)
def test_berry_legitimate_resolutions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], entry: str
) -> None:
    scan = _scan(tmp_path, capsys, "yarn.lock", _berry(entry))
    assert (scan.code, scan.errors) == (CLEAN, [])


# --------------------------------------------------------------------------------------------
# the files the real tools wrote, and the same moved to a private registry's URL layout

_PNPM_REFUSED = ("anchors-mapping", "v9-header-v6-body", "v6-header-v9-body")
_REAL = sorted(
    p
    for p in FIXTURES.rglob("*")
    if p.name
    in ("package-lock.json", "npm-shrinkwrap.json", "bun.lock", "bun.lockb", "pnpm-lock.yaml")
    or (p.name == "yarn.lock" and "berry" in p.parent.name)
    # (a pnpm per-project root holding workspace links only: alone, without its members' own
    # lockfiles, it is a file cut after its first importer; test_realtools scans its folder)
    if not p.parent.name.endswith("-per-project-links")
    # (npm's own file, but a file:.. target's dependencies npm ls calls missing: an error by
    # decisions 0122 and 0142, test_npm_outside_link)
    and "npm-outside-link" not in p.parts
    # (npm 6's file with an entry's version taken out: an error by decision 0149)
    and p.parent.parent.name != "npm-v1-versionless"
    # (a published file whose root record keeps devDependencies with no entry: only the
    # package.json beside, which does not declare them, clears it; decision 0148)
    and "npm-stale-root-record" not in p.parts
    # (a workspace record's claims: only the member's package.json clears them; decision 0155)
    and "npm-stale-member-record" not in p.parts
    # (pnpm's files hand-edited into YAML pnpm refuses: errors by design; decision 0163)
    and not ("pnpm-yaml-forms" in p.parts and p.parent.name in _PNPM_REFUSED)
)
_NPM_URL = re.compile(r"https://registry\.npmjs\.org/(@[^/\"]+/)?([^/\"]+)/-/([^\"]+)")
_ART = "https://acme.jfrog.io/artifactory/api/npm/npm-remote"


def _artifactory(match: re.Match[str]) -> str:
    """Artifactory's layout: the scope is written in the file name too."""
    scope, name, file = match.group(1) or "", match.group(2), match.group(3)
    return f"{_ART}/{scope}{name}/-/{scope}{file}"


def _bun_private(match: re.Match[str]) -> str:
    name, version = match.group(1), match.group(2)
    package = name.strip(" ")  # bun fetches "is-number" for " is-number" (bun-spaced-name)
    url = f"https://npm.acme.test/{package}/-/{package.rpartition('/')[2]}-{version}.tgz"
    return f'"{name}@{version}", "{url}"'


def _berry_archive(match: re.Match[str]) -> str:
    name, version = match.group(1), match.group(2)
    url = f"https://npm.acme.test/{name}/-/{name.rpartition('/')[2]}-{version}.tgz"
    return f'resolution: "{name}@npm:{version}::__archiveUrl={quote(url, safe="")}"'


def _moved(path: Path) -> bytes:
    data = path.read_bytes()
    if path.name == "bun.lockb":
        return data
    text = data.decode()
    if path.name == "bun.lock":
        return re.sub(r'"((?:@[^/"]+/)?[^@"]+)@(\d[^"]*)", ""', _bun_private, text).encode()
    if path.name == "yarn.lock":
        pattern = r'resolution: "((?:@[^/"]+/)?[^@"]+)@npm:([^":]+)"'
        return re.sub(pattern, _berry_archive, text).encode()
    return _NPM_URL.sub(_artifactory, text).encode()


_MOVED = [p for p in _REAL if p.name != "bun.lockb" and _moved(p) != p.read_bytes()]


@pytest.mark.parametrize("path", _REAL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_real_files_stay_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], path: Path
) -> None:
    scan = _scan(tmp_path, capsys, path.name, path.read_bytes())
    assert (scan.code, scan.errors) == (CLEAN, [])


@pytest.mark.parametrize("path", _MOVED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_real_files_on_a_private_registry_stay_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], path: Path
) -> None:
    scan = _scan(tmp_path, capsys, path.name, _moved(path))
    assert (scan.code, scan.errors) == (CLEAN, [])


def test_every_format_is_moved() -> None:
    # (pnpm-lock.yaml: url-dependencies, whose tarball URLs pnpm writes; npm-shrinkwrap.json:
    # npm-v1-resolved-false, a published one)
    moved = {"package-lock.json", "npm-shrinkwrap.json", "bun.lock", "yarn.lock", "pnpm-lock.yaml"}
    assert {p.name for p in _MOVED} == moved


# --------------------------------------------------------------------------------------------
# pnpm: ``resolution: {integrity, tarball}`` (pnpm downloads the tarball URL)

_PNPM9 = """lockfileVersion: '9.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

importers:

  .:
    dependencies:
      left-pad:
        specifier: REF
        version: REF

packages:

  KEY:
    resolution: {integrity: sha512-AAAA, tarball: URL}

snapshots:

  KEY: {}
"""

_PNPM6 = """lockfileVersion: '6.0'

dependencies:
  left-pad:
    specifier: 1.3.0
    version: 1.3.0

packages:

  /left-pad@1.3.0:
    resolution: {integrity: sha512-AAAA, tarball: URL}
    dev: false
"""


def _pnpm9(url: str, key: str = "left-pad@1.3.0", ref: str = "1.3.0") -> str:
    return _PNPM9.replace("KEY", key).replace("REF", ref).replace("URL", url)


@pytest.mark.parametrize(
    "text",
    [
        _pnpm9(EVIL_URL),
        _pnpm9(f"{_ART}/evil/-/evil-1.0.1.tgz"),
        _PNPM6.replace("URL", EVIL_URL),
        _pnpm9(EVIL_URL).replace("\n", "\r\n"),  # the full loader
    ],
    ids=["v9", "v9-artifactory", "v6", "v9-crlf"],
)
def test_pnpm_a_tarball_naming_another_package_is_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    scan = _scan(tmp_path, capsys, "pnpm-lock.yaml", text)
    assert scan.code == FINDINGS
    assert ("evil", "1.0.1") in scan.findings
    assert len(scan.errors) == 1 and "resolution.tarball" in scan.errors[0]
    assert "evil" not in scan.errors[0]


def test_pnpm_a_snapshot_with_peers_is_found_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = _pnpm9(EVIL_URL).replace(
        "snapshots:\n\n  left-pad@1.3.0: {}", "snapshots:\n\n  left-pad@1.3.0(react@18.2.0): {}"
    )
    text = text.replace("version: 1.3.0", "version: 1.3.0(react@18.2.0)")
    scan = _scan(tmp_path, capsys, "pnpm-lock.yaml", text)
    assert scan.code == FINDINGS and ("evil", "1.0.1") in scan.findings


def test_pnpm_a_url_dependency_is_its_own_spec(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A dependency written as a URL: its key is the URL; what the URL names is installed and
    matched, and it is no error (the project asked for that URL)."""
    key = f"left-pad@{EVIL_URL}"
    # (pnpm writes the version of a URL dependency's package: without it, an error, 0155)
    text = _pnpm9(EVIL_URL, key=key, ref=EVIL_URL).replace(
        f"tarball: {EVIL_URL}}}", f"tarball: {EVIL_URL}}}\n    version: 1.0.1"
    )
    assert "version: 1.0.1" in text
    text = text.replace(f"{key}:\n    resolution", f"'{key}':\n    resolution")
    text = text.replace(f"  {key}: {{}}", f"  '{key}': {{}}")
    scan = _scan(tmp_path, capsys, "pnpm-lock.yaml", text)
    assert (scan.code, scan.errors) == (FINDINGS, [])
    assert ("evil", "1.0.1") in scan.findings


@pytest.mark.parametrize(
    "url",
    [
        LEFT_PAD_URL,
        f"{_ART}/left-pad/-/left-pad-1.3.0.tgz",
        "https://codeload.github.com/x/left-pad/tar.gz/0123456789abcdef",
        "https://files.acme.test/left-pad.tgz",
    ],
    ids=["npmjs", "artifactory", "codeload", "file-server"],
)
def test_pnpm_tarballs_that_name_the_entry_or_nothing_are_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str
) -> None:
    scan = _scan(tmp_path, capsys, "pnpm-lock.yaml", _pnpm9(url))
    assert (scan.code, scan.errors) == (CLEAN, [])


# --------------------------------------------------------------------------------------------
# properties

_UNSCOPED = st.from_regex(r"[a-z][a-z0-9.-]{0,10}", fullmatch=True).filter(
    lambda n: not n.endswith(".")
)
_NAMES = st.one_of(_UNSCOPED, st.builds(lambda s, n: f"@{s}/{n}", _UNSCOPED, _UNSCOPED))
_VERSIONS = st.builds(
    lambda a, b, c, pre: f"{a}.{b}.{c}{pre}",
    st.integers(0, 30),
    st.integers(0, 30),
    st.integers(0, 30),
    st.sampled_from(["", "-rc.1", "-beta-2", "-0"]),
)


def _url(name: str, version: str, layout: int) -> str:
    """The tarball URL of ``name``@``version`` in one of the registries' layouts."""
    base = name.rpartition("/")[2]
    if layout == 0:
        return f"{NPMJS}/{name}/-/{base}-{version}.tgz"
    if layout == 1:  # Artifactory, GitLab: the scope in the file name too
        return f"{_ART}/{name}/-/{name}-{version}.tgz"
    if layout == 2:  # Verdaccio and others: the scope's slash escaped
        return f"https://npm.acme.test/{name.replace('/', '%2f')}/-/{base}-{version}.tgz"
    return f"https://nexus.acme.test/repository/npm/{name}/-/{base}-{version}.tgz?token=x#f"


_LAYOUTS = st.integers(0, 3)


@pytest.mark.property
@given(_NAMES, _VERSIONS, _LAYOUTS)
def test_a_registry_url_names_its_package(name: str, version: str, layout: int) -> None:
    assert registry_identity(_url(name, version, layout)) == (name, version)


@st.composite
def _entries(draw: st.DrawFn) -> tuple[dict[str, object], set[str], set[tuple[str, str]]]:
    """Entries whose URL names the entry (any layout) or, for some, another package: the
    packages, the keys of those, and what their URLs name."""
    packages: dict[str, object] = {}
    injected: set[str] = set()
    named: set[tuple[str, str]] = set()
    for name in draw(st.lists(_NAMES, min_size=1, max_size=6, unique=True)):
        key = f"node_modules/{name}"
        version = draw(_VERSIONS)
        entry: dict[str, object] = {"version": version}
        if draw(st.booleans()):
            other = (draw(_NAMES), draw(_VERSIONS))
            entry["resolved"] = _url(*other, draw(_LAYOUTS))
            if other != (name, version):
                injected.add(key)
                named.add(other)
        else:
            entry["resolved"] = _url(name, version, draw(_LAYOUTS))
        packages[key] = entry
    return packages, injected, named


@pytest.mark.property
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_entries())
def test_each_disagreeing_url_is_an_error_and_a_package_on_both_paths(
    drawn: tuple[dict[str, object], set[str], set[tuple[str, str]]],
) -> None:
    packages, injected, named = drawn
    data = _npm(packages).encode()
    pictures = []
    for lean in (False, True):
        saved = npm.LEAN_BYTES
        npm.LEAN_BYTES = 0 if lean else saved
        try:
            graph = npm.parse(data, "package-lock.json")
        finally:
            npm.LEAN_BYTES = saved
        flagged = {e.split("'")[1] for e in graph.entry_errors if ".resolved: " in e}
        assert flagged == injected
        assert named <= {(p.name, p.version) for p in graph.packages}
        pictures.append(([(p.id, p.name, p.version) for p in graph.packages], graph.entry_errors))
    assert pictures[0] == pictures[1]


@pytest.mark.parametrize(
    "url",
    [
        "https://registry.npmjs.org/evil/%2D/evil-1.0.1.tgz",
        "https://registry.npmjs.org/evil%2F-%2Fevil-1.0.1.tgz",
        "https://registry.npmjs.org/evil/-/evil-1.0.1%2Etgz",
        "https://registry.npmjs.org/evil/-\t/evil-1.0.1.tgz",
        "https://registry.npmjs.org/evil\\-\\evil-1.0.1.tgz",
        "https:registry.npmjs.org/evil/-/evil-1.0.1.tgz",
        "https:\\\\registry.npmjs.org\\evil\\-\\evil-1.0.1.tgz",
        "HTTPS://registry.npmjs.org/evil/-/evil-1.0.1.tgz",
        " https://registry.npmjs.org/evil/-/evil-1.0.1.tgz",
    ],
)
def test_a_url_spelled_otherwise_is_the_same_url(url: str) -> None:
    """The package managers' URL parsers (WHATWG's) and the registry read these as the registry
    tarball of evil 1.0.1: npm 11.19.1, pnpm 9.15.9, yarn 1.22.22 and 4.18.1, bun 1.4.5 and deno
    2.9.6 installed it from each form the red team of 2026-12-06 tried (%2D, %2F, a tab, a
    backslash, no slashes), where only a literal "/-/" was looked for (CLEAN)."""
    from gouvernante.lockfiles._tarball_url import may_name_a_package, registry_identity

    assert may_name_a_package(url)
    assert registry_identity(url) == ("evil", "1.0.1")


def test_pnpm_tarballs_relative_to_the_registry() -> None:
    from gouvernante.lockfiles._tarball_url import registry_identity
    from gouvernante.lockfiles.pnpm import _absolute_tarball

    for url in (
        "evil/-/evil-1.0.1.tgz",
        "/evil/-/evil-1.0.1.tgz",
        "//registry.npmjs.org/evil/-/evil-1.0.1.tgz",
    ):
        assert registry_identity(_absolute_tarball(url)) == ("evil", "1.0.1")
    assert _absolute_tarball("file:../x.tgz") == "file:../x.tgz"


_YARN1 = (
    "# yarn lockfile v1\n\n\nleft-pad@1.3.0:\n"
    '  version "1.3.0"\n  resolved "URL"\n  integrity sha512-AAAA\n'
)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("yarn.lock", _YARN1.replace("URL", f"{NPMJS}/evil/%2D/evil-1.0.1.tgz#abc")),
        ("yarn.lock", _YARN1.replace("URL", "https:registry.npmjs.org/evil/-/evil-1.0.1.tgz")),
        ("pnpm-lock.yaml", _pnpm9("evil/-/evil-1.0.1.tgz")),
        ("pnpm-lock.yaml", _pnpm9("//registry.npmjs.org/evil/%2D/evil-1.0.1.tgz")),
        ("package-lock.json", _npm(_left_pad(f"{NPMJS}/evil\\-\\evil-1.0.1.tgz"))),
    ],
    ids=["yarn1-escaped", "yarn1-no-slashes", "pnpm-relative", "pnpm-escaped", "npm-backslash"],
)
def test_a_url_spelled_otherwise_is_found_in_the_lockfile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str
) -> None:
    scan = _scan(tmp_path, capsys, name, text)
    assert scan.code == FINDINGS
    assert ("evil", "1.0.1") in scan.findings
