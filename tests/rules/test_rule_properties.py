"""Hostile input never escapes as anything but RuleErrors; schema and loader agree on
near-valid documents generated at random."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gouvernante.errors import RuleError
from gouvernante.rules.loader import MAX_ERRORS_PER_FILE, parse_rule_document

FIXTURES = Path(__file__).parent / "fixtures"
SCHEMA = json.loads(
    (Path(__file__).parents[2] / "src" / "gouvernante" / "rules" / "schema.json").read_text("utf-8")
)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
VALID_DOCS = [p.read_bytes() for p in sorted((FIXTURES / "valid").glob("*.json"))]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=30,
)


def _check(data: bytes) -> list[RuleError]:
    rules, errors = parse_rule_document(data, "x.json")
    assert all(type(e) is RuleError for e in errors)
    assert all(str(e).startswith("x.json: ") for e in errors)
    assert len(errors) <= MAX_ERRORS_PER_FILE + 1
    if errors:
        assert len(rules) < 1000  # rules with errors are dropped; the valid ones may remain
    return errors


@given(json_values)
def test_arbitrary_json_values(value: Any) -> None:
    errors = _check(json.dumps(value).encode())
    assert errors  # no random value is a valid rule document


@given(st.binary(max_size=300))
def test_arbitrary_bytes(data: bytes) -> None:
    _check(data)


@given(st.sampled_from(VALID_DOCS), st.data())
def test_truncations(doc: bytes, data: st.DataObject) -> None:
    cut = data.draw(st.integers(min_value=0, max_value=len(doc.rstrip()) - 1))
    assert _check(doc[:cut])


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out.extend(_paths(value, (*prefix, index)))
    return out


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(VALID_DOCS), st.data())
def test_replacing_any_subvalue(doc: bytes, data: st.DataObject) -> None:
    tree = json.loads(doc)
    path = data.draw(st.sampled_from(_paths(tree)[1:]))
    replacement = data.draw(json_values)
    node = tree
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = replacement
    _check(json.dumps(tree).encode())


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    for depth in (1_000, 100_000):
        assert _check(b"[" * depth + b"]" * depth)
        assert _check(b'{"a":' * depth + b"1" + b"}" * depth)
        inner = b"[" * depth + b"]" * depth
        doc = b'{"schema_version": "1.0.0", "rules": [{"id": "X", "summary": ' + inner + b"}]}"
        errors = _check(doc)
        assert errors


def test_errors_are_capped_per_file() -> None:
    doc = {"schema_version": "1.0.0", "rules": [{"bogus": i} for i in range(500)]}
    errors = _check(json.dumps(doc).encode())
    assert len(errors) == MAX_ERRORS_PER_FILE + 1
    assert (
        str(errors[-1]) == f"x.json: too many errors; stopped after the first {MAX_ERRORS_PER_FILE}"
    )


def test_all_errors_of_a_file_are_reported() -> None:
    doc = {
        "schema_version": "1.0.0",
        "rules": [
            {
                "id": "",
                "title": "t",
                "kind": "worm",
                "ecosystem": "npm",
                "severity": "high",
                "package_rules": [{"package_name": "a", "affected_version": ["1.0.0"]}],
            }
        ],
    }
    errors = [str(e) for e in _check(json.dumps(doc).encode())]
    assert errors == [
        "x.json: rules[0].id: must not be empty or whitespace-only",
        'x.json: rules[0].kind: invalid kind "worm" (expected one of: compromised-release, '
        "malicious-package, vulnerability, dropper, suspicious-artifact)",
        'x.json: rules[0].package_rules[0]: unknown field "affected_version"',
        'x.json: rules[0].package_rules[0]: missing required field "affected_versions"',
    ]


def test_long_and_control_values_are_quoted_and_shortened() -> None:
    doc = {"schema_version": "1.0.0", "rules": [{"x\n" + "y" * 500: 1}]}
    message = str(_check(json.dumps(doc).encode())[0])
    assert "\n" not in message
    assert message.startswith('x.json: rules[0]: unknown field "x\\nyyy')
    assert len(message) < 200


# -- schema.json and the loader agree on random near-valid documents --------------------------

GOOD_TEXT = st.sampled_from(["a", "Some text", "https://example.invalid/x"])
BAD_SCALARS: st.SearchStrategy[Any] = st.sampled_from([None, 0, 1.5, True, "", "  ", [], {}])


def maybe_bad(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(good, good, good, BAD_SCALARS)


def fields(
    required: dict[str, st.SearchStrategy[Any]], optional: dict[str, st.SearchStrategy[Any]]
) -> st.SearchStrategy[dict[str, Any]]:
    extra = st.dictionaries(
        st.sampled_from(["bogus", "affected_version", "Type"]), GOOD_TEXT, max_size=1
    )
    base = st.fixed_dictionaries(required, optional=optional)

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        obj = draw(base)
        if draw(st.integers(0, 9)) == 0:
            obj.update(draw(extra))
        if obj and draw(st.integers(0, 9)) == 0:
            del obj[draw(st.sampled_from(sorted(obj)))]
        return obj

    return build()


def enum(*values: str) -> st.SearchStrategy[Any]:
    return maybe_bad(st.sampled_from(values)) | st.just("nope")


def arrays(item: st.SearchStrategy[Any], min_size: int = 0) -> st.SearchStrategy[Any]:
    return maybe_bad(st.lists(item, min_size=min_size, max_size=3))


PACKAGE_NAMES = maybe_bad(st.sampled_from(["a", "@s/n", "JSONStream", "bad name", ".x", "@s"]))
HEXES = st.sampled_from(["0" * 32, "A" * 40, "f" * 64, "1" * 128, "xyz", "0" * 33])
INDICATOR = fields(
    {"type": enum("file", "process", "registry", "network", "environment")},
    {
        "path": maybe_bad(GOOD_TEXT),
        "file_name": maybe_bad(GOOD_TEXT),
        "value": maybe_bad(GOOD_TEXT),
        "oses": arrays(enum("linux", "macos", "darwin", "windows")),
        "hashes": arrays(
            fields(
                {"algorithm": enum("md5", "sha1", "sha256", "sha512"), "value": maybe_bad(HEXES)},
                {},
            )
        ),
        "confidence": enum("low", "medium", "high"),
        "notes": maybe_bad(GOOD_TEXT),
    },
)
PACKAGE_RULE = fields(
    {
        "package_name": PACKAGE_NAMES,
        "affected_versions": arrays(maybe_bad(st.sampled_from(["1.0.0", "=2.3.1", "*"])), 1)
        | st.just([]),
    },
    {
        "lockfile_ecosystems": arrays(enum("npm", "pnpm", "yarn", "bun")),
        "notes": maybe_bad(GOOD_TEXT),
    },
)
RULE = fields(
    {
        "id": st.just("ID"),
        "title": maybe_bad(GOOD_TEXT),
        "kind": enum("compromised-release", "malicious-package", "vulnerability", "dropper"),
        "ecosystem": enum("npm"),
        "severity": enum("low", "medium", "high", "critical"),
        "package_rules": arrays(PACKAGE_RULE),
    },
    {
        "summary": maybe_bad(GOOD_TEXT),
        "aliases": arrays(
            fields({"type": enum("cve", "ghsa", "other"), "value": maybe_bad(GOOD_TEXT)}, {})
        ),
        "references": arrays(
            maybe_bad(GOOD_TEXT)
            | fields({"type": enum("advisory", "vendor"), "url": maybe_bad(GOOD_TEXT)}, {})
        ),
        "dropper_packages": arrays(
            fields({"package_name": PACKAGE_NAMES}, {"notes": maybe_bad(GOOD_TEXT)})
        ),
        "host_indicators": arrays(INDICATOR),
        "remediation": maybe_bad(
            fields({}, {"summary": maybe_bad(GOOD_TEXT), "steps": arrays(maybe_bad(GOOD_TEXT))})
        ),
        "metadata": maybe_bad(
            fields(
                {},
                {
                    "published_at": maybe_bad(
                        st.sampled_from(
                            ["2026-04-01T12:00:00Z", "2026-04-01", "2026-04-01T12:00:00+01:00"]
                        )
                    )
                },
            )
        ),
        "integrity": arrays(
            maybe_bad(
                st.sampled_from(["sha512-" + "A" * 86 + "==", "sha1-" + "B" * 27 + "=", "sha512-x"])
            )
        ),
    },
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(RULE)
def test_schema_and_loader_agree(rule: dict[str, Any]) -> None:
    doc = {"schema_version": "1.0.0", "rules": [rule]}
    rules, errors = parse_rule_document(json.dumps(doc).encode(), "x.json")
    schema_ok = VALIDATOR.is_valid(doc)
    assert schema_ok == (not errors), [str(e) for e in errors]
    assert len(rules) == (1 if schema_ok else 0)
