"""False positives of a sweep over the last releases of the previous minors of popular names whose
latest major is 0 (decision 0098).

Each case is our own minimal sample of a construct met in a well-known release (named in the
test's docstring), not its code; each benign case is paired with the technique put back where it
runs, which must still be found.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import heuristic_found as _found
from helpers import heuristic_package as _package

# A parser's test: the expected value is written as JavaScript in the test data and evaluated;
# the next statement decodes the case's hex input for the parser.
_TEST = """/* jshint evil: true */
var assert = require('assert');
var Shape = require('../lib/shape');
var cases = require('./cases.json');

function checkHex(c) {
  var expected = eval(c.expected);
  expected.id = undefined;
  assert.deepEqual(Shape.parse(new Buffer(c.hex, 'hex')), expected);
}

function checkBase64(c) {
  var want = eval(c.expected); assert.deepEqual(Shape.parse(Buffer.from(c.b64, 'base64')), want);
}

cases.forEach(function (c) { checkHex(c); checkBase64(c); });
"""


def test_a_decode_after_the_sinks_call_is_closed_is_not_its_argument(tmp_path: Path) -> None:
    """wkx@0.3.0 ``test/wkx.js`` (no install script): ``geometry = eval(geometry);`` then, 60
    characters on and two statements later, ``Geometry.parse(new Buffer(data.wkb, 'hex'))`` read
    GH-DECODE-EXEC plain high: the decode was looked for in the 120 characters after ``eval(``,
    past the end of its argument."""
    assert "GH-DECODE-EXEC" not in _found(_package(tmp_path, _TEST))


@pytest.mark.parametrize(
    "run",
    [
        "eval(atob(p));",
        "eval(x + atob(p));",
        "eval(\n  Buffer.from(p, 'hex').toString()\n);",
        "new Function(Buffer.from(p, 'base64').toString())();",
        "eval(String(new Buffer(p, 'hex')));",
        "eval(pre + ')' + atob(p));",
        "eval(pre + `)` + Buffer.from(p, 'base64'));",
        "eval(f(g(h(x)), atob(p)));",
        "require('vm').runInThisContext(Buffer.from(p, 'base64').toString('utf8'));",
        # decoded into a variable, then given to the sink
        "var code = Buffer.from(p, 'base64').toString(); eval(code);",
        # an argument not closed within reach: its first 120 characters are read, as before
        "eval(x + atob(p) + " + "x + " * 70 + "x);",
    ],
)
def test_a_decode_inside_the_sinks_argument_is_still_found(tmp_path: Path, run: str) -> None:
    """Decoded data given to the sink, beside the test's own evals, is still high."""
    code = _TEST + "var p = cases[0].payload, x = '', pre = '';\n" + run + "\n"
    assert _found(_package(tmp_path, code))["GH-DECODE-EXEC"] == "high"
