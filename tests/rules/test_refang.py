"""One refang for rule importers, ``rules new --network`` and the host scanner."""

from __future__ import annotations

import pytest

from gouvernante.cli import rules as rules_cli
from gouvernante.host import indicators
from gouvernante.rules.defang import refang
from gouvernante.rules.importers import csvfeed, osv


@pytest.mark.parametrize(
    ("defanged", "plain"),
    [
        ("evil[.]com", "evil.com"),
        ("evil(.)com", "evil.com"),
        ("evil{.}com", "evil.com"),
        ("evil[dot]com", "evil.com"),
        ("evil(dot)com", "evil.com"),
        ("evil(DOT)com", "evil.com"),
        ("evil{dot}com", "evil.com"),
        (" hxxps[://]evil[.]com[/]x ", "https://evil.com/x"),
        ("HXXP://evil[.]com[:]8080", "http://evil.com:8080"),
        ("see hxxps://evil[.]com for details", "see https://evil.com for details"),
        ("hxxpd.example", "httpd.example"),
        ("myhxxphost.example", "myhxxphost.example"),
        ("evil.com", "evil.com"),
    ],
)
def test_refang(defanged: str, plain: str) -> None:
    assert refang(defanged) == plain


def test_every_writer_and_reader_uses_the_one_refang() -> None:
    for module in (rules_cli, indicators, csvfeed, osv):
        assert vars(module)["refang"] is refang, module.__name__


def test_dot_spelled_out_is_a_network_indicator_the_scanner_parses() -> None:
    target = indicators.parse_network_value("x(dot)com")
    assert target is not None and target.host == "x.com"
