"""TelegramNotifier against a loopback Bot API server (openclaw.testing.telegram).

Covers: a delivered alert (HTML parse mode, escaped text, severity and incident id,
message id in the result); 429 honours parameters.retry_after, and fails at once when it
asks for more than max_wait_s; 5xx retried then delivered, and given up after max_attempts;
a refused token (401) is not retried; no token → planned with nothing sent; a token without
a chat id → failed; an unreachable server → failed; the token never appears in a result,
an exchange or an httpx/httpcore log line.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator

import pytest

from openclaw.notify.telegram import TelegramNotifier, format_message
from openclaw.testing.telegram import FakeTelegram, telegram_server

TOKEN = "123456789:AAE-secret-token-never-logged"
RATE_LIMITED = {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 2",
                "parameters": {"retry_after": 2}}


@pytest.fixture
def bot() -> Iterator[FakeTelegram]:
    with telegram_server(token=TOKEN) as server:
        yield server


@pytest.fixture
def sleeps() -> list[float]:
    return []


def notifier(bot: FakeTelegram, sleeps: list[float], **kw) -> TelegramNotifier:
    return TelegramNotifier(token=kw.pop("token", TOKEN), chat_id=kw.pop("chat_id", "-10042"), base_url=bot.url,
                            sleep=sleeps.append, **kw)


def _no_token(*outcomes) -> None:
    text = json.dumps([[o.status, o.result, o.exchanges] for o in outcomes])
    assert TOKEN not in text and "AAE-secret" not in text


def test_delivered(bot: FakeTelegram, sleeps: list[float]) -> None:
    out = notifier(bot, sleeps).send(severity="critical", message="awoooi-api <5xx> & rising",
                                     incident_id="inc-7")
    assert out.status == "executed"
    assert out.result == {"channel": "telegram", "severity": "critical", "incident_id": "inc-7",
                          "chat_id": "-10042", "message_id": 1}
    [sent] = bot.messages
    assert sent["chat_id"] == "-10042" and sent["parse_mode"] == "HTML"
    assert sent["text"] == "🔴 <b>CRITICAL</b> · incident <code>inc-7</code>\nawoooi-api &lt;5xx&gt; &amp; rising"
    assert out.exchanges[0]["url"] == f"{bot.url}/bot<redacted>/sendMessage"
    _no_token(out)


def test_format_without_incident() -> None:
    assert format_message(severity="info", message="ok", incident_id=None) == "ℹ️ <b>INFO</b>\nok"


def test_429_honours_retry_after(bot: FakeTelegram, sleeps: list[float]) -> None:
    bot.script(429, RATE_LIMITED)
    out = notifier(bot, sleeps).send(severity="warning", message="m", incident_id=None)
    assert out.status == "executed" and sleeps == [2.0]
    assert [e.get("status") for e in out.exchanges] == [429, 200]
    _no_token(out)


def test_429_longer_than_max_wait_fails_at_once(bot: FakeTelegram, sleeps: list[float]) -> None:
    bot.script(429, {**RATE_LIMITED, "parameters": {"retry_after": 120}})
    out = notifier(bot, sleeps, max_wait_s=30).send(severity="warning", message="m", incident_id=None)
    assert out.status == "failed" and out.result["status"] == 429
    assert "wait 120 s, more than the 30 s allowed" in out.result["error"]
    assert sleeps == [] and len(bot.requests) == 1


def test_5xx_retried_then_delivered(bot: FakeTelegram, sleeps: list[float]) -> None:
    bot.script(502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})
    out = notifier(bot, sleeps, backoff_s=0.5).send(severity="info", message="m", incident_id=None)
    assert out.status == "executed" and sleeps == [0.5] and len(bot.requests) == 2


def test_5xx_gives_up_after_max_attempts(bot: FakeTelegram, sleeps: list[float]) -> None:
    for _ in range(3):
        bot.script(500, {"ok": False, "error_code": 500, "description": "Internal Server Error"})
    out = notifier(bot, sleeps, max_attempts=3).send(severity="info", message="m", incident_id="i")
    assert out.status == "failed" and out.result["status"] == 500
    assert "server error 500" in out.result["error"] and len(bot.requests) == 3 and len(sleeps) == 2
    _no_token(out)


def test_refused_token_is_not_retried(bot: FakeTelegram, sleeps: list[float]) -> None:
    out = notifier(bot, sleeps, token="999:wrong").send(severity="info", message="m", incident_id=None)
    assert out.status == "failed" and out.result["status"] == 401
    assert "TELEGRAM_BOT_TOKEN" in out.result["error"] and len(bot.requests) == 1 and sleeps == []
    assert "999:wrong" not in json.dumps([out.result, out.exchanges])


def test_no_token_is_planned(bot: FakeTelegram, sleeps: list[float]) -> None:
    out = notifier(bot, sleeps, token=None).send(severity="critical", message="m", incident_id="inc-1")
    assert out.status == "planned" and bot.requests == []
    assert "TELEGRAM_BOT_TOKEN" in out.result["reason"]
    assert out.result["request"]["body"]["parse_mode"] == "HTML"


def test_token_without_chat_fails(bot: FakeTelegram, sleeps: list[float]) -> None:
    out = notifier(bot, sleeps, chat_id=None).send(severity="info", message="m", incident_id=None)
    assert out.status == "failed" and "TELEGRAM_CHAT_ID" in out.result["error"] and bot.requests == []


def test_unreachable(sleeps: list[float]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = TelegramNotifier(token=TOKEN, chat_id="1", base_url=f"http://127.0.0.1:{port}", max_attempts=2,
                           backoff_s=0.1, sleep=sleeps.append).send(severity="info", message="m", incident_id=None)
    assert out.status == "failed" and "cannot reach the Telegram Bot API" in out.result["error"]
    assert len(out.exchanges) == 2 and sleeps == [0.1]
    _no_token(out)


def test_token_never_logged(bot: FakeTelegram, sleeps: list[float], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    bot.script(429, RATE_LIMITED)
    n = notifier(bot, sleeps)
    n.send(severity="info", message="m", incident_id=None)
    assert "sendMessage" in caplog.text  # httpx did log the request...
    assert TOKEN not in caplog.text  # ...with the token redacted
    assert TOKEN not in repr(n)
