"""The collect HTML page in a real headless Chromium (Debian's ``chromium``), driven over the
DevTools protocol on a pipe (``--remote-debugging-pipe``: fd 3 in, fd 4 out, NUL-separated JSON).

It checks: the page loads with no console error, no exception and no blocked request (the
Content-Security-Policy would log one), every figure on the page equals the JSON roll-up, the
tables sort on a click, and it writes a screenshot under the test's tmp folder.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import select
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from gouvernante.cli.collect import run as collect_main

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HAVE_CHROMIUM = os.path.exists(CHROMIUM)

pytestmark = pytest.mark.skipif(
    not HAVE_CHROMIUM and not os.environ.get("CI"),
    reason="chromium is not installed (apt-get install -y chromium); required when CI is set",
)


class DevTools:
    """A minimal DevTools-protocol client over the two pipes."""

    def __init__(self, user_data: Path) -> None:
        cmd_r, self._cmd_w = os.pipe()
        self._out_r, out_w = os.pipe()

        def wire() -> None:  # in the child: Chromium reads fd 3, writes fd 4
            os.dup2(cmd_r, 3)
            os.dup2(out_w, 4)

        self.proc = subprocess.Popen(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                f"--user-data-dir={user_data}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            close_fds=False,
            preexec_fn=wire,
        )
        os.close(cmd_r)
        os.close(out_w)
        self._buf = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from chromium")
            ready, _, _ = select.select([self._out_r], [], [], left)
            if ready:
                chunk = os.read(self._out_r, 1 << 20)
                if not chunk:
                    raise RuntimeError("chromium closed the pipe")
                self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message

    def call(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None
    ) -> dict[str, Any]:
        self._next_id += 1
        msg: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._cmd_w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + 30
        while True:
            answer = self._read_message(deadline)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                result: dict[str, Any] = answer.get("result", {})
                return result
            self.events.append(answer)

    def wait_event(self, method: str, timeout: float = 30) -> dict[str, Any]:
        for ev in self.events:
            if ev.get("method") == method:
                return ev
        deadline = time.monotonic() + timeout
        while True:
            ev = self._read_message(deadline)
            self.events.append(ev)
            if ev.get("method") == method:
                return ev

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, TimeoutError, OSError):
            self.call("Browser.close")
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._cmd_w)
        os.close(self._out_r)
        if self.proc.stderr is not None:
            self.proc.stderr.close()


def _problems(events: list[dict[str, Any]]) -> list[str]:
    out = []
    for ev in events:
        method = ev.get("method")
        params = ev.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            out.append(f"console.{params['type']}: {params.get('args')}")
        elif method == "Runtime.exceptionThrown":
            out.append(f"exception: {params.get('exceptionDetails')}")
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            out.append(f"log: {params['entry'].get('text')}")
    return out


_KEY = re.compile(r"^(rules|projects)\[(.+?)\]\.(.+)$")


def lookup(data: dict[str, Any], key: str) -> Any:
    """The roll-up value a ``data-k`` path names (``rules[ID].projects.affected``)."""
    m = _KEY.match(key)
    if m:
        group, ident, rest = m.groups()
        field = "id" if group == "rules" else "label"
        node: Any = next(item for item in data[group] if item[field] == ident)
        parts = rest.split(".")
    else:
        node = data
        parts = key.split(".")
    for part in parts:
        node = node[part]
    return node


def shown(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def test_collect_page_in_headless_chromium(org: Any, now: str, tmp_path: Path, capsys: Any) -> None:
    assert HAVE_CHROMIUM, "CI is set but /usr/bin/chromium is missing: .ci/run installs it"
    page = tmp_path / "status.html"
    code = collect_main([str(org.directory), "-now", now, "-format", "html", "-output", str(page)])
    assert code == 2
    capsys.readouterr()
    assert collect_main([str(org.directory), "-now", now, "-format", "json"]) == 2
    data = json.loads(capsys.readouterr().out)
    text = page.read_text(encoding="utf-8")
    # self-contained: nothing to fetch
    assert not re.search(r"\b(src|href)\s*=", text)
    assert "url(" not in text and "@import" not in text

    browser = DevTools(tmp_path / "chromium-profile")
    try:
        target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Runtime", "Log", "Page"):
            browser.call(f"{domain}.enable", session=session)
        browser.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False},
            session=session,
        )
        browser.call("Page.navigate", {"url": page.as_uri()}, session=session)
        browser.wait_event("Page.loadEventFired")

        def evaluate(expression: str) -> Any:
            res = browser.call(
                "Runtime.evaluate",
                {"expression": expression, "returnByValue": True},
                session=session,
            )
            assert "exceptionDetails" not in res, res
            return res["result"].get("value")

        assert evaluate("document.documentElement.getAttribute('data-ready')") == "1"
        figures = evaluate(
            "JSON.stringify(Array.from(document.querySelectorAll('[data-k]')).map("
            "e => [e.getAttribute('data-k'), e.textContent.trim(),"
            " e.getAttribute('data-value')]))"
        )
        pairs = json.loads(figures)
        assert len(pairs) > 200
        for key, text_shown, value_attr in pairs:
            value = lookup(data, key)
            if value_attr is not None:
                assert value_attr == value, key
            elif key.endswith("timeline.last_remediated_at") and value is None:
                rule = lookup(data, key.rsplit(".timeline.", 1)[0] + ".timeline")
                assert text_shown == rule["remediation_status"], key
            elif (key.endswith(".hosts_affected") and not value) or (
                key.endswith(".published_at") and value is None
            ):
                assert text_shown == "-", key
            else:
                assert text_shown == shown(value), key
        # The scenario's headline figures, as a person reads them on the page.
        by_key = {k: t for k, t, _ in pairs}
        assert by_key["summary.reports"] == "200"
        assert by_key["summary.projects"] == "30"
        assert by_key["rules[SSC-2026-101].projects.affected"] == "3"
        assert by_key["rules[SSC-2026-101].projects.remediated"] == "8"
        assert by_key["rules[SSC-2026-101].hosts_affected"] == "dev-alice"
        assert by_key["rules[SSC-2026-103].projects.not_scanned"] == "3"
        assert by_key["rules[SSC-2026-101].timeline.org_wide_scan_target"] == "met"
        assert by_key["rules[SSC-2026-102].timeline.org_wide_scan_target"] == "missed"
        # the timeline chart is there, drawn inline
        assert evaluate("document.querySelectorAll('svg polygon, svg circle').length") >= 6
        # sorting: open findings descending puts an affected project first
        first_before = evaluate("document.querySelector('#projects tbody tr td').textContent")
        evaluate(
            "(() => { const th = document.querySelectorAll('#projects th')[3];"
            " th.click(); th.click(); return true; })()"
        )
        first_after = evaluate("document.querySelector('#projects tbody tr td').textContent")
        top_open = evaluate(
            "document.querySelector('#projects tbody tr').cells[3].textContent.trim()"
        )
        assert top_open == "1"
        assert first_after != first_before
        shot = browser.call(
            "Page.captureScreenshot",
            {"format": "png", "captureBeyondViewport": True},
            session=session,
        )
        png = base64.b64decode(shot["data"])
        (tmp_path / "collect-status.png").write_bytes(png)
        problems = _problems(browser.events)
    finally:
        browser.close()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    assert problems == []
