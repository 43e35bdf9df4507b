"""Never echo what a file holds: a lockfile that is really an ``.npmrc``, an environment dump or a
private key, or a hostile document with a secret in every place a parser looks, must not put one
byte of that secret into an error message. Secrets are generated at test time (never real ones).
"""

from __future__ import annotations

import secrets

import pytest

from gouvernante.errors import GouvernanteError
from gouvernante.lockfiles import LOCKFILE_NAMES, parse_bytes


def fake_secret() -> str:
    return "FAKE" + secrets.token_hex(12)


def documents(secret: str) -> list[bytes]:
    """Files that are not lockfiles, and lockfile-shaped files with the secret in odd places."""
    s = secret
    texts = [
        f"//registry.npmjs.org/:_authToken={s}\nalways-auth=true\n",
        f"NPM_TOKEN={s}\x00GITHUB_TOKEN={s}\x00PATH=/usr/bin\x00",
        f"-----BEGIN OPENSSH PRIVATE KEY-----\n{s}\n-----END OPENSSH PRIVATE KEY-----\n",
        f"{s}\n",
        f"{s}",
        f"{s}:\n  version {s}\n",
        f'"{s}@1":\n  version "1"\n {s}\x01\n',
        f'# yarn lockfile v1\n\n"{s}@1":\n  resolved "{s}"\n',
        f"# yarn lockfile v1\n\n{s}\n",
        f'# yarn lockfile v1\n\na@1:\n  version "1"\n  {s}\n',
        f'# yarn lockfile v1\n\na@1:\n  version "\\q{s}"\n',
        f"__metadata:\n  version: {s}\n",
        f"__metadata:\n  version: 8\n\n{s}: {s}\n",
        f'__metadata:\n  version: 8\n\n"a@npm:1":\n  resolution: [{s}\n',
        f"__metadata:\n  version: 8\n\n!{s}! x: y\n",
        f"lockfileVersion: '9.0'\n{s}: [\n",
        f"lockfileVersion: '9.0'\nimporters: !{s}! {{}}\n",
        f"lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      {s}: \"\\q\"\n",
        f"lockfileVersion: {s}\n",
        f"lockfileVersion: '9.0'\nsnapshots:\n  {s}: 5\npackages:\n  {s}: {{}}\n",
        f"lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      {s}:\n"
        f"        specifier: 1\n        version: {s}\n",
        f"lockfileVersion: '9.0'\n\t{s}\n",
        f"lockfileVersion: '9.0'\nx: &{s} [1]\ny: *{s}\n",
        f'{{"lockfileVersion": "{s}"}}',
        f'{{"lockfileVersion": {{"{s}": 1}}}}',
        f'{{"lockfileVersion": 3, "packages": {{"node_modules/{s}": {{"version": 5}}}}}}',
        f'{{"lockfileVersion": 3, "packages": {{"": {{}}, "{s}": "{s}"}}}}',
        f'{{"lockfileVersion": 1, "dependencies": {{"{s}": {{"version": ["{s}"]}}}}}}',
        f'{{"lockfileVersion": 3, {s}',
        f'{{"name": "{s}", "dependencies": {{"{s}": 5}}}}',
        f'{{"name": "{s}", "version": {{"{s}": 1}}}}',
        f'{{"lockfileVersion": 1, "workspaces": {{}}, "packages": {{"{s}": ["{s}"]}}}}',
        f'{{"lockfileVersion": 1, "workspaces": {{}}, "packages": {{"a": ["a@{s}"]}}}}',
        f'{{"lockfileVersion": "{s}", "workspaces": {{}}, "packages": {{}}}}',
        f'{{"lockfileVersion": 1, /* {s} */ "workspaces": {s}}}',
        '{"lockfileVersion": 1, "workspaces": {"": {"name": 5}}, "packages": {}}',
    ]
    raw = [t.encode() for t in texts]
    raw.append(b"\xff\xfe" + s.encode() + b"\n")
    raw.append(b"#!/bin/bash --bun\nbun-lockfile-format-v0\n" + s.encode())
    return raw


def _pieces(secret: str) -> list[str]:
    return [secret[i : i + 8] for i in range(len(secret) - 7)]


def secret_files(secret: str) -> list[bytes]:
    """What a planted symlink would point at: none of these is a lockfile of any format."""
    return [
        f"//registry.npmjs.org/:_authToken={secret}\nalways-auth=true\n".encode(),
        f"NPM_TOKEN={secret}\x00GITHUB_TOKEN={secret}\x00PATH=/usr/bin\x00".encode(),
        f"-----BEGIN OPENSSH KEY-----\n{secret}\n-----END OPENSSH KEY-----\n".encode(),
        f'{{"type": "service_account", "private_key": "{secret}", "{secret}": 1}}'.encode(),
        f"token: {secret}\n{secret}: x\n".encode(),
    ]


@pytest.mark.parametrize("name", sorted(LOCKFILE_NAMES))
def test_a_secret_file_under_a_lockfile_name_leaks_nothing(name: str) -> None:
    secret = fake_secret()
    for data in secret_files(secret):
        try:
            parse_bytes(data, f"dir/{name}", name)
        except GouvernanteError as exc:
            message = exc.one_line()
        else:  # any JSON object is a package.json; nothing of it is shown unless a rule matches
            # (and any YAML mapping a pnpm-workspace.yaml: its other keys are pnpm settings)
            if name == "pnpm-workspace.yaml":
                assert data.startswith((b"{", b"token:")), data[:6]
            else:  # (a deno.json's other keys are deno settings)
                assert name in ("package.json", "deno.json", "deno.jsonc") and data.startswith(b"{")
            continue
        assert message.startswith(f"dir/{name}: "), message
        for piece in _pieces(secret):
            assert piece not in message, (name, message)


@pytest.mark.parametrize("name", sorted(LOCKFILE_NAMES))
def test_parse_errors_never_quote_a_value(name: str) -> None:
    """Hostile lockfile-shaped documents: the message's words never hold the file's text; its
    JSON/YAML path may name a key of a file already recognised as the format (escaped, capped at
    64 characters: ``safetext.key_segment``)."""
    secret = fake_secret()
    for data in documents(secret):
        try:
            parse_bytes(data, f"dir/{name}", name)
        except GouvernanteError as exc:
            assert exc.one_line().startswith(f"dir/{name}: "), exc.one_line()
            for piece in _pieces(secret):
                assert piece not in exc.detail, (name, data[:60], exc.one_line())
            if exc.json_path and secret in exc.json_path:
                assert f"['{secret}" in exc.json_path or f"/{secret}']" in exc.json_path


def test_suppression_file_errors_never_quote_its_values() -> None:
    from gouvernante.suppress import parse_suppressions

    secret = fake_secret()
    head = '{"version": 1, "suppressions": [{"reason": "r", '
    docs = [
        f'{{"version": "{secret}", "suppressions": []}}',
        f'{{"version": 1, "{secret}": 1, "suppressions": []}}',
        head + f'"expires": "2099-01-01", "{secret}": 1}}]}}',
        head + f'"expires": "{secret}", "rule_id": "x"}}]}}',
        head + '"expires": "2099-02-31", "rule_id": "x"}]}',
        head + f'"expires": "2099-01-01", "package": "a", "version": ">={secret}"}}]}}',
        head + f'"expires": "2099-01-01", "path": "[z-a{secret}]"}}]}}',
        f"{secret}",
    ]
    for doc in docs:
        try:
            parse_suppressions(doc.encode(), ".gouvernante-ignore.json")
        except GouvernanteError as exc:
            message = exc.one_line()
            assert message.startswith(".gouvernante-ignore.json: "), message
            detail = exc.detail.replace(f"unknown key '{secret}'", "unknown key <k>")  # keys: named
            for piece in _pieces(secret):
                assert piece not in detail, message
        else:
            raise AssertionError(f"accepted: {doc}")
