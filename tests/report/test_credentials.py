"""A token in a URL the scan read (a lockfile's ``resolved``, a manifest's git spec) never
reaches a report: every format masks the URL's user information (``safetext.without_credentials``,
applied by ``report.render``). Cases from the red-team probes of 2026-12-05."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from gouvernante.cli import main
from gouvernante.safetext import without_credentials
from helpers import compromised_rules, cpu_seconds

RULES = compromised_rules("CRED-1", published_at=None)
SECRET = "SECRETTOKEN1"
FORMATS = ("text", "json", "sarif", "markdown", "cyclonedx")


def _report(tmp_path: Path, fmt: str, *args: str) -> tuple[int, str]:
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(RULES), encoding="utf-8")
    out = tmp_path / f"report.{fmt}"
    code = main(["-rules", str(rules), *args, "-format", fmt, "-output", str(out)])
    return code, out.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_token_in_a_lockfiles_resolved_url_is_masked(tmp_path: Path, fmt: str) -> None:
    url = f"git+https://x-access-token:{SECRET}@github.com/x/evil.git#0123456789abcdef"
    lock = {
        "name": "app",
        "lockfileVersion": 3,
        "requires": True,
        "packages": {
            "": {"name": "app", "dependencies": {"evil": "github:x/evil"}},
            "node_modules/evil": {"version": "1.0.1", "resolved": url},
        },
    }
    (tmp_path / "package-lock.json").write_text(json.dumps(lock), encoding="utf-8")
    code, text = _report(tmp_path, fmt, "-lockfile", str(tmp_path / "package-lock.json"))
    assert code == 2
    assert "evil" in text
    assert SECRET not in text
    if fmt in ("json", "sarif", "cyclonedx"):
        json.loads(text)  # still a JSON document


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_token_in_a_manifests_git_spec_is_masked(tmp_path: Path, fmt: str) -> None:
    spec = f"git+https://user:{SECRET}@github.com/x/evil.git"
    (tmp_path / "package.json").write_text(
        json.dumps({"name": "app", "dependencies": {"evil": spec}}), encoding="utf-8"
    )
    _code, text = _report(tmp_path, fmt, "-dir", str(tmp_path))
    assert SECRET not in text
    if fmt in ("text", "json"):  # the formats that list notes
        assert "***@github.com/x/evil.git" in text  # the note still says which spec it is


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_token_in_a_private_registry_tarball_url_is_masked(tmp_path: Path, fmt: str) -> None:
    """A private registry's tarball URL naming another version than its entry (decision 0030)
    joins the graph with its URL: CycloneDX writes it percent-encoded in the purl's ``tarball``
    qualifier, where ``%3F_authToken%3D<token>`` was not masked (the differential run on
    private-registry lockfiles, 2026-12-06; the URL's user information was)."""
    url = f"http://acme:{SECRET}@127.0.0.1:4874/npm/@acme/x/-/x-6.6.6.tgz?_authToken={SECRET}"
    lock = {
        "name": "app",
        "lockfileVersion": 3,
        "requires": True,
        "packages": {
            "": {"name": "app", "dependencies": {"@acme/x": "^1.3.0"}},
            "node_modules/@acme/x": {"version": "1.3.0", "resolved": url},
        },
    }
    (tmp_path / "package-lock.json").write_text(json.dumps(lock), encoding="utf-8")
    _code, text = _report(tmp_path, fmt, "-lockfile", str(tmp_path / "package-lock.json"))
    assert SECRET not in text
    if fmt == "cyclonedx":
        assert "x-6.6.6.tgz%3F_authToken%3D***" in text  # the URL is still there, masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (
            "pkg:npm/x@1?tarball=https%3A%2F%2Fh%2Fx.tgz%3F_authToken%3Dnpm_1%26v%3D2%23s",
            "pkg:npm/x@1?tarball=https%3A%2F%2Fh%2Fx.tgz%3F_authToken%3D***%26v%3D2%23s",
        ),
        ("u=https%3a%2f%2fh%2fx%3fsig%3Dab%252Fc", "u=https%3a%2f%2fh%2fx%3fsig%3D***"),
        ("u=https%3A%2F%2Fh%2Fx%3Fpage%3D2", "u=https%3A%2F%2Fh%2Fx%3Fpage%3D2"),
    ],
)
def test_without_credentials_in_an_encoded_query(text: str, masked: str) -> None:
    assert without_credentials(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("git+https://u:tok@github.com/a.git", "git+https://***@github.com/a.git"),
        ("https://TOKEN@registry.example/x.tgz", "https://***@registry.example/x.tgz"),
        ("https://u:p@ss@host/x", "https://***@host/x"),  # a raw @ in the password
        ("ssh://git@github.com/a/b.git", "ssh://git@github.com/a/b.git"),
        (
            "https://registry.npmjs.org/a/-/a-1.0.0.tgz",
            "https://registry.npmjs.org/a/-/a-1.0.0.tgz",
        ),
        ("evil@1.0.1 and https://h/x?u=a@b", "evil@1.0.1 and https://h/x?u=a@b"),
        ('"resolved": "https://t@h/x"', '"resolved": "https://***@h/x"'),
        ("vcs_url=git%2Bhttps%3A%2F%2Fu%3Atok%40h%2Fa", "vcs_url=git%2Bhttps%3A%2F%2F***%40h%2Fa"),
        ("x=https%3A%2F%2Fh%2Fp%40q", "x=https%3A%2F%2Fh%2Fp%40q"),  # an encoded @ in the path
    ],
)
def test_without_credentials(text: str, masked: str) -> None:
    assert without_credentials(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("HTTPS://TOK@host/x", "HTTPS://***@host/x"),
        ("https://tok@[::1]:8080/x", "https://***@[::1]:8080/x"),
        ("u=https%3a%2F%2ftok%40h%2Fa", "u=https%3a%2F%2f***%40h%2Fa"),  # mixed-case escapes
        # query parameters named like a secret (a signed or token-carrying tarball URL)
        ("https://h/x.tgz?token=abc&v=1", "https://h/x.tgz?token=***&v=1"),
        ("https://h/p?q=1&_authToken=npm_1", "https://h/p?q=1&_authToken=***"),
        (
            "https://s3/x?X-Amz-Signature=ff&X-Amz-Date=2",
            "https://s3/x?X-Amz-Signature=***&X-Amz-Date=2",
        ),
        ("https://h/x.tgz?v=1#sha1", "https://h/x.tgz?v=1#sha1"),
    ],
)
def test_without_credentials_other_spellings(text: str, masked: str) -> None:
    assert without_credentials(text) == masked


def test_masking_takes_time_linear_in_the_text() -> None:
    """A long run of scheme characters with no "://" after it (a hostile ``resolved`` URL's
    file name) beside a URL elsewhere in the report: CPU time grows with the run's length, not
    with its square (the scheme was matched whole from every start: a 80,000-letter run took 6 s,
    a megabyte hours). A ratio of two lengths in one run, so machine load does not decide."""

    def mask(scale: int) -> Callable[[], None]:
        text = "see https://h/ and https://h/x/" + "a" * (20_000 * scale) + "%2F.tgz"

        def run() -> None:
            assert without_credentials(text) == text

        return run

    mask(1)()  # warm-up
    short, long = cpu_seconds(mask(1)), cpu_seconds(mask(4))
    # 4x the length: linear is ~4x; quadratic would be ~16x. The 0.05 s absorbs timer noise.
    assert long < 8 * short + 0.05, (short, long)
