"""Characters YAML readers do not agree on (red team, branch hostile-new): U+0085 (NEL), U+2028,
U+2029 are line breaks to libyaml (YAML 1.1, the scanner's reader), text to js-yaml and yarn's
``parseSyml`` (YAML 1.2: pnpm and yarn); a byte-order mark after the file's start is skipped by
libyaml at a line's start, a character of a key to them. Measured with pnpm 10.34.9's bundled
``@zkochan/js-yaml`` 0.0.11 and ``@yarnpkg/parsers`` 3 on the same bytes:

- ``ms: ~2.1.1   <U+2029># a comment``: the scanner read ``~2.1.1``, js-yaml
  ``~2.1.1   <U+2029># a comment`` (no comment: the character is no space to it);
- ``<U+0085>react: ...`` in a catalog: the scanner read ``react``, the tools a key
  ``<U+0085>react`` (no such package);
- ``catalog:`` then ``<BOM>  ms: 1.0.0``: the scanner read ``catalog: {ms: 1.0.0}``, the tools
  ``catalog: null`` and a top-level key ``<BOM>  ms``.

Each was read without an error (another catalog than the tool's); now refused, naming the line,
in pnpm-workspace.yaml, .yarnrc.yml and pnpm-lock.yaml alike (one YAML reader).
"""

from __future__ import annotations

import pytest

from gouvernante.errors import LockfileError
from gouvernante.lockfiles import parse_bytes
from gouvernante.lockfiles.pnpm_workspace import read, yarnrc_catalogs

ODD = ["\x85", "\u2028", "\u2029", "\ufeff"]

PNPM_LOCK = (
    "lockfileVersion: '9.0'\n\nsettings:\n  autoInstallPeers: true\n"
    "  excludeLinksFromLockfile: false\n\nimporters:\n\n  .:\n    dependencies:\n"
    "      ms:\n        specifier: 2.1.3\n        version: 2.1.3\n\npackages:\n\n"
    "  ms@2.1.3:\n    resolution: {integrity: sha512-x}{odd}\n\nsnapshots:\n\n  ms@2.1.3: {{}}\n"
)


@pytest.mark.parametrize("odd", ODD)
@pytest.mark.parametrize(
    "text",
    [
        "catalog:\n  ms: ~2.1.1   {odd}# a comment\n",
        "catalog:\n  is-number: 7.0.0\n  {odd}react: ^18.0.0\n",
        "catalog:\n{odd}  ms: 1.0.0\n",
        "catalogs:\n  a:\n    ms: 1.0.0\n  {odd}b:\n    ms: 2.0.0\n",
    ],
)
def test_a_catalog_file_with_a_character_yaml_readers_disagree_on_is_refused(
    text: str, odd: str
) -> None:
    data = text.format(odd=odd).encode()
    with pytest.raises(LockfileError) as pnpm:
        read(data, "pnpm-workspace.yaml")
    with pytest.raises(LockfileError) as yarn:
        yarnrc_catalogs(data, ".yarnrc.yml")
    line = text.count("\n", 0, text.index("{odd}")) + 1
    for exc in (pnpm, yarn):
        assert exc.value.json_path == f"line {line}"
        assert "not read" in exc.value.detail


@pytest.mark.parametrize("odd", ODD)
def test_a_pnpm_lockfile_with_one_is_refused(odd: str) -> None:
    with pytest.raises(LockfileError) as exc:
        parse_bytes(PNPM_LOCK.replace("{odd}", odd).encode(), "pnpm-lock.yaml", "pnpm-lock.yaml")
    assert exc.value.json_path == "line 18"


def test_a_leading_byte_order_mark_is_still_read() -> None:
    got = read("\ufeffcatalog:\n  ms: 2.1.3\n".encode(), "pnpm-workspace.yaml")
    assert got.catalogs == {"default": {"ms": "2.1.3"}}
    assert yarnrc_catalogs("\ufeffcatalog:\n  ms: 2.1.3\n".encode(), ".yarnrc.yml") == {
        "": {"ms": "2.1.3"}
    }
