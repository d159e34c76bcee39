"""A run that starts waiting for approval sends one Telegram message (openclaw.notify.approval_request).

The engine runs on the embedded defaults (rules provider, plan mode) with the executor and
notifier :mod:`openclaw.wiring` builds, against a loopback Telegram Bot API.

Covers: one message per run that starts waiting, with the action, its risk and the link
``OPENCLAW_PUBLIC_URL/ui/#run=RUN_ID``; the outcome is in the audit log; an approval that
completes the run sends nothing more; a run that does not wait sends nothing; without a bot
token the message is planned (recorded, nothing sent) and names ``openclaw approve`` when
no public URL is set; a refused delivery is recorded as failed and the run still waits.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from openclaw.models.incident import Incident
from openclaw.notify.approval_request import AUDIT_KIND
from openclaw.storage.sqlite.audit import AuditLog
from openclaw.settings import load_settings
from openclaw.signoff import sign_for_run, submit
from openclaw.testing.approvers import config_with_approvers
from openclaw.testing.telegram import telegram_server
from openclaw.wiring import open_engine

TOKEN = "123456789:AAE-approval-notify"
RESTART = Incident(id="inc-notify", description="restart the awoooi-api deployment in awoooi-prod",
                   requested_by="carol", source="chat")


def _settings(tmp_path: Path, **env: str):
    config_dir, keys = config_with_approvers(tmp_path, {"alice": ["sre"]}, tiers={"standard": "1 from group sre"})
    environ = {"OPENCLAW_HOME": str(tmp_path / "home"), **env}
    return load_settings(config_dir=config_dir, environ=environ), keys


def _notified(settings) -> list:
    return [e for e in AuditLog(settings.state_db).entries() if e.kind == AUDIT_KIND]


@pytest.mark.asyncio
async def test_one_message_with_action_risk_and_link(tmp_path: Path) -> None:
    with telegram_server(token=TOKEN) as bot:
        settings, keys = _settings(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_CHAT_ID="-1007",
                                   TELEGRAM_API_BASE_URL=bot.url, OPENCLAW_PUBLIC_URL="https://openclaw.example/")
        async with open_engine(settings) as engine:
            waiting = await engine.run(RESTART)
            assert waiting["status"] == "awaiting_approval"
            assert len(bot.messages) == 1
            text = bot.messages[0]["text"]
            assert bot.messages[0]["chat_id"] == "-1007"
            assert "restart_deployment" in text and "awoooi-api" in text
            assert f"risk {waiting['actions'][0]['risk']}" in text
            assert f"https://openclaw.example/ui/#run={waiting['run_id']}" in text

            [decision] = sign_for_run(waiting, keys["alice"], kind="approve", approver="alice")
            outcome = await submit(engine, decision)
            assert outcome.settlement.resumed
            assert engine.store.get(waiting["run_id"])["status"] == "completed"
            # A run that never waits sends nothing.
            reads = await engine.run(Incident(id="inc-read", description="show me all pods in awoooi-prod"))
            assert reads["status"] == "completed"
        assert len(bot.messages) == 1, "the approval and the read-only run sent nothing more"
    [entry] = _notified(settings)
    assert entry.run_id == waiting["run_id"] and entry.payload["status"] == "executed"
    assert TOKEN not in str(entry.payload)


@pytest.mark.asyncio
async def test_planned_without_a_token(tmp_path: Path) -> None:
    settings, _ = _settings(tmp_path)
    async with open_engine(settings) as engine:
        waiting = await engine.run(RESTART)
    [entry] = _notified(settings)
    assert entry.payload["status"] == "planned"
    assert entry.payload["link"] is None
    text = entry.payload["result"]["request"]["body"]["text"]
    assert "restart_deployment" in text and f"openclaw approve {waiting['run_id']}" in text


@pytest.mark.asyncio
async def test_refused_delivery_is_recorded_and_the_run_still_waits(tmp_path: Path) -> None:
    with telegram_server(token=TOKEN) as bot:
        bot.script(403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was kicked"})
        settings, _ = _settings(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_CHAT_ID="-1007",
                                TELEGRAM_API_BASE_URL=bot.url)
        async with open_engine(settings) as engine:
            waiting = await engine.run(RESTART)
    assert waiting["status"] == "awaiting_approval"
    [entry] = _notified(settings)
    assert entry.payload["status"] == "failed" and "403" in entry.payload["result"]["error"]
