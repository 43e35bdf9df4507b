"""A typed reader's refusal names the entry: msgspec writes a dictionary key as ``[...]``, so
``packages[...].version`` did not say which of 50,000 entries is broken. The key is named as the
pnpm reader names keys (``key_segment``: escaped, capped), and only on the error path (decision
0110). The damaged documents are hand-made (one wrong value in an otherwise good entry)."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import msgspec
import pytest

from gouvernante.collect.load import InputIssue, to_record
from gouvernante.errors import LockfileError
from gouvernante.inventory.external import report_source
from gouvernante.lockfiles import bun, deno, deno_json, npm, package_json
from gouvernante.model import ScanIssue

_GOOD = {"version": "1.0.0", "integrity": "sha512-AAAA"}


def _npm(entry_key: str, broken: object, version: int = 3) -> bytes:
    packages: dict[str, object] = {"": {"name": "x"}}
    packages.update({f"node_modules/ok{i}": dict(_GOOD) for i in range(40)})
    packages[entry_key] = {"version": broken}
    packages.update({f"node_modules/later{i}": dict(_GOOD) for i in range(40)})
    return json.dumps({"name": "x", "lockfileVersion": version, "packages": packages}).encode()


def _refused(parse: Callable[[bytes, str], object], data: bytes, path: str) -> LockfileError:
    with pytest.raises(LockfileError) as info:
        parse(data, path)
    return info.value


@pytest.mark.parametrize(
    "name", ["package-lock.json", "npm-shrinkwrap.json", "node_modules/.package-lock.json"]
)
def test_a_damaged_npm_entry_is_named_by_its_key(name: str) -> None:
    err = _refused(npm.parse, _npm("node_modules/ms", ["2.1.3"]), name)
    assert err.json_path == "packages['node_modules/ms'].version"
    assert str(err) == (
        f"{name}: packages['node_modules/ms'].version: unexpected lockfile shape:"
        " Expected `str | null`, got `array`"
    )


def test_a_damaged_legacy_entry_is_named_by_its_keys() -> None:
    deps: dict[str, object] = {f"ok{i}": {"version": "1.0.0"} for i in range(10)}
    deps["b"] = {"version": "1.0.0", "dependencies": {"ok": {"version": "1"}, "c": {"bundled": 3}}}
    data = json.dumps({"lockfileVersion": 1, "dependencies": deps}).encode()
    err = _refused(npm.parse, data, "package-lock.json")
    assert err.json_path == "dependencies['b'].dependencies['c'].bundled"


def test_a_damaged_bun_entry_is_named_by_its_key() -> None:
    text = (
        '{\n  "lockfileVersion": 1,\n  "workspaces": {"": {"name": "x"}},\n  "packages": {\n'
        '    "ok": ["ok@1.0.0", "", {}, "sha512-AAAA"],\n'
        '    "ms": ["ms@2.1.3", "", {}, 7],\n  }\n}\n'
    )
    err = _refused(bun.parse, text.encode(), "bun.lock")
    assert err.json_path == "packages['ms'][3]"


@pytest.mark.parametrize(
    ("lock", "where"),
    [
        (
            {"version": "4", "npm": {"ok@1.0.0": {"integrity": "x"}, "ms@2.1.3": {"integrity": 5}}},
            "npm['ms@2.1.3'].integrity",
        ),
        (
            {"version": "3", "packages": {"npm": {"ms@2.1.3": {"integrity": ["x"]}}}},
            "packages.npm['ms@2.1.3'].integrity",
        ),
        # v1 is any object of URL -> hash: its keys are not named (a secrets file under that
        # name is one too; tests/hostile/test_no_echo.py)
        ({"https://deno.land/x/ok.ts": "abc", "https://deno.land/x/m.ts": 5}, "[...]"),
    ],
)
def test_a_damaged_deno_entry_is_named_by_its_key(lock: object, where: str) -> None:
    err = _refused(deno.parse, json.dumps(lock).encode(), "deno.lock")
    assert err.json_path == where


def test_a_damaged_manifest_entry_is_named_by_its_key() -> None:
    data = json.dumps({"name": "x", "dependencies": {"ok": "^1", "ms": 2}}).encode()
    assert _refused(package_json.parse, data, "package.json").json_path == "dependencies['ms']"
    data = json.dumps({"scopes": {"https://a/": {"ok": "npm:ok@1", "ms": 2}}}).encode()
    err = _refused(deno_json.parse, data, "deno.json")
    assert err.json_path == "scopes['https://a/']['ms']"


def _report(by_severity: object) -> dict[str, object]:
    # the shape ``gouvernante -lockfile package-lock.json -builtin-rules -json`` wrote (0.1.0)
    tool = {"name": "gouvernante", "version": "0.1.0"}
    scan = {
        "id": "0c86597b-fff1-4b2b-90d6-c0e23eb77b8a",
        "started_at": "2026-12-07T02:02:41Z",
        "finished_at": "2026-12-07T02:02:41Z",
        "host": "vm",
        "files": ["package-lock.json"],
        "project": "vm:lockfiles: package-lock.json",
    }
    rules = {"builtin": True, "sources": [], "loaded": []}
    summary = {"verdict": "clean", "by_severity": by_severity}
    return {
        "schema_version": "1",
        "tool": tool,
        "scan": scan,
        "rules": rules,
        "findings": [],
        "notes": [],
        "errors": [],
        "summary": summary,
    }


def test_a_damaged_report_entry_is_named_by_its_key(tmp_path: Path) -> None:
    doc = _report({"high": 1, "critical": "two"})
    issue = to_record(json.dumps(doc).encode(), "r.json")
    assert isinstance(issue, InputIssue)
    assert issue.message == "summary.by_severity['critical']: expected an integer, got string"
    (tmp_path / "r.json").write_text(json.dumps(doc))
    source = report_source(str(tmp_path / "r.json"), "h")
    assert isinstance(source, ScanIssue)
    assert source.message.endswith(
        ": summary.by_severity['critical']: expected an integer, got string"
    )


HOSTILE = ["\x1b[31mred\x1b[0m", "a\nERROR: forged line", "k" * 10_000, "it's"]


@pytest.mark.parametrize("key", HOSTILE, ids=["ansi", "newline", "long", "quote"])
def test_a_hostile_key_is_shown_escaped_and_bounded(key: str) -> None:
    err = _refused(npm.parse, _npm(key, 5), "package-lock.json")
    where = err.json_path or ""
    assert where.startswith("packages['") and where.endswith("'].version")
    assert where.isprintable() and "\x1b" not in where and "\n" not in where
    assert len(str(err)) < 300
    assert where[len("packages[") : -len("].version")] == jsonpath_segment(key)


def jsonpath_segment(key: str) -> str:
    from gouvernante.safetext import key_segment  # the one pnpm's reader uses

    return key_segment(key)[1:-1]


def test_a_key_that_cannot_be_told_stays_unnamed() -> None:
    # the untyped reading keeps the last of a repeated key, the typed one refused the first:
    # no entry of the untyped reading gives the refusal, so ``[...]`` stays (never a guess)
    data = b'{"lockfileVersion": 3, "packages": {"node_modules/a": {"version": 1},' + (
        b' "node_modules/a": {"version": "1.0.0"}}}'
    )
    assert _refused(npm.parse, data, "package-lock.json").json_path == "packages[...].version"


def test_a_good_file_costs_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*_args: object) -> str:
        raise AssertionError("named_keys on a good file")

    monkeypatch.setattr("gouvernante.fs.jsonpath.named_keys", never)
    monkeypatch.setattr("gouvernante.lockfiles._common.named_keys", never)
    graph = npm.parse(_npm("node_modules/ms", "2.1.3"), "package-lock.json")
    assert any(p.name == "ms" for p in graph.packages)


def test_the_typed_reading_is_asked_a_bounded_number_of_times() -> None:
    from gouvernante.fs.jsonpath import Document, named_keys

    calls = []

    class Entry(msgspec.Struct):
        version: str

    kind = dict[str, Entry]
    tree: dict[str, object] = {f"k{i}": {"version": "1"} for i in range(100_000)}
    tree["k99999"] = {"version": 1}

    def check(value: object) -> object:
        calls.append(1)
        return msgspec.convert(value, type=kind)

    with pytest.raises(msgspec.ValidationError) as info:
        check(tree)
    where = named_keys("[...].version", info.value, Document(lambda: tree, check, in_a_field=True))
    assert where == "['k99999'].version"
    assert len(calls) <= 1 + 2 + 17 + 1


def test_naming_the_entry_builds_no_object_per_value_the_typed_reading_skipped() -> None:
    """A field the typed reader skips (``x``) may hold millions of tiny values: naming the key
    reads the document as slices (``msgspec.Raw``), opened only along the path named. An
    untyped reading made an object of each (48 MB of ``[],``: 1.2 GB resident, 3.3 s)."""
    filler = ",".join(["[]"] * 200_000)
    data = (
        '{"name":"x","lockfileVersion":3,"packages":{"":{},'
        f'"node_modules/a":{{"version":"1.0.0","x":[{filler}]}},'
        '"node_modules/ms":{"version":["2.1.3"]}}}'
    ).encode()
    tracemalloc.start()
    try:
        err = _refused(npm.parse, data, "package-lock.json")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert err.json_path == "packages['node_modules/ms'].version"
    assert peak < 8 * len(data), (peak, len(data))  # (an object per `[]`: ~14 MB, 23x)
