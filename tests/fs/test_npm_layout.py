"""The one rule for where an installed package sits."""

from __future__ import annotations

import pytest

from gouvernante.fs.npm_layout import Entry, entry_kind, is_package_folder, is_store_scope


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("lodash", Entry.PACKAGE),
        ("@babel", Entry.SCOPE),
        (".pnpm", Entry.STORE),
        (".bun", Entry.STORE),
        (".store", Entry.STORE),  # npm --install-strategy=linked
        (".bin", Entry.OTHER),
        (".package-lock.json", Entry.OTHER),
    ],
)
def test_entry_kind(name: str, kind: Entry) -> None:
    assert entry_kind(name) is kind


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/p/node_modules/lodash", True),
        ("/p/node_modules/@babel/core", True),
        ("/p/node_modules/@babel/core/", True),
        ("/p/node_modules/.pnpm/a@1.0.0/node_modules/a", True),
        ("/p/node_modules/a/node_modules/b", True),
        ("/p/node_modules/.store/@types/node@1.0.0-h/node_modules/@types/node", True),
        ("/p/node_modules/@babel", False),
        ("/p/node_modules/.bin", False),
        ("/p/node_modules/lodash/lib", False),
        ("/p/src/@babel/core", False),
        ("/p/node_modules/@/x", False),
        ("node_modules", False),
    ],
)
def test_is_package_folder(path: str, expected: bool) -> None:
    assert is_package_folder(path) is expected


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("@types", True),  # npm's .store/@types/node@1.0.0-<hash>
        ("@types+node@1.0.0", False),  # pnpm's id of a scoped package
        ("node@1.0.0-abc", False),
        ("@", False),
        ("ms@2.1.3", False),
    ],
)
def test_is_store_scope(entry: str, expected: bool) -> None:
    assert is_store_scope(entry) is expected
