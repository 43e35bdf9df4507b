"""The one rule for where an installed package sits."""

from __future__ import annotations

import pytest

from gouvernante.fs.npm_layout import Entry, entry_kind, is_package_folder


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("lodash", Entry.PACKAGE),
        ("@babel", Entry.SCOPE),
        (".pnpm", Entry.STORE),
        (".bun", Entry.STORE),
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
