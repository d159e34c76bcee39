"""Tell the approvers' chat that a run waits for sign-off: one Telegram message per run.

When a run first pauses at the approval gate, :func:`announce_approval_request` sends one
message through the Telegram notifier (``TELEGRAM_BOT_TOKEN`` / ``TELEGRAM_CHAT_ID``) with
each waiting action, its risk and tier, and a link to the approvals page,
``<OPENCLAW_PUBLIC_URL>/ui/#run=<run_id>`` (without ``OPENCLAW_PUBLIC_URL`` the message names
the ``openclaw approve`` command instead). Without a bot token the message is ``planned``:
the request that would be sent is recorded, nothing leaves the machine (as for ``send_alert``).
Either way the outcome goes to the audit log as one ``approval_request_notified`` entry.
Delivery never fails the run: a failed send is recorded as ``failed``.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from openclaw.notify.telegram import NotifyOutcome

AUDIT_KIND = "approval_request_notified"
CRITICAL_RISK = 0.8
"""From this risk on (0..1) the message is sent as ``critical``, below as ``warning``."""
MAX_ACTIONS_LISTED = 10


def page_link(public_url: str | None, run_id: str) -> str | None:
    """The approvals page's address for one run, or None without a public URL."""
    return f"{public_url.rstrip('/')}/ui/#run={run_id}" if public_url else None


def waiting_actions(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The actions of a run result that wait for sign-off."""
    return [a for a in result.get("actions", []) if a.get("verdict") == "approval"
            and a.get("status") == "awaiting_approval"]


def approval_request_message(result: dict[str, Any], incident: dict[str, Any] | None,
                             public_url: str | None) -> tuple[str, str]:
    """``(severity, text)`` of the message announcing that ``result`` waits for approval."""
    run_id = result["run_id"]
    actions = waiting_actions(result)
    top = max((a.get("risk") or 0.0 for a in actions), default=0.0)
    what = (incident or {}).get("title") or (incident or {}).get("description") or result.get("incident_id") or run_id
    lines = [f"Approval needed for run {run_id}: {what}"]
    for action in actions[:MAX_ACTIONS_LISTED]:
        args = json.dumps(action.get("args") or {}, sort_keys=True, ensure_ascii=False)
        lines.append(f"#{action['index']} {action['name']} {args}: risk {action.get('risk')}, "
                     f"needs {action.get('approvals_required')} approval(s)")
        if action.get("reasons"):
            lines.append("  " + "; ".join(str(r) for r in action["reasons"][:3]))
    if len(actions) > MAX_ACTIONS_LISTED:
        lines.append(f"... and {len(actions) - MAX_ACTIONS_LISTED} more")
    link = page_link(public_url, run_id)
    lines.append(f"Review and sign: {link}" if link else
                 f"Sign with: openclaw approve {run_id} --key KEY (set OPENCLAW_PUBLIC_URL to link the approvals page)")
    return ("critical" if top >= CRITICAL_RISK else "warning"), "\n".join(lines)


async def announce_approval_request(notifier: Any, result: dict[str, Any], *, incident: dict[str, Any] | None,
                                    public_url: str | None, audit: Any = None) -> NotifyOutcome | None:
    """Send (or plan) the message for a run that now waits for approval; record the outcome in ``audit``.

    ``notifier`` is an :class:`~openclaw.notify.telegram.TelegramNotifier` (None: planned). Returns
    None when nothing in ``result`` waits for approval."""
    if result.get("status") != "awaiting_approval" or not waiting_actions(result):
        return None
    severity, text = approval_request_message(result, incident, public_url)
    incident_id = result.get("incident_id")
    if notifier is None:
        outcome = NotifyOutcome("planned", {"channel": "telegram", "severity": severity, "incident_id": incident_id,
                                            "reason": "no Telegram notifier is configured", "text": text}, [])
    else:
        try:
            outcome = await asyncio.to_thread(notifier.send, severity=severity, message=text, incident_id=incident_id)
        except Exception as exc:  # noqa: BLE001 - the run is recorded already; a broken notifier must not fail it
            outcome = NotifyOutcome("failed", {"channel": "telegram", "incident_id": incident_id,
                                               "error": f"the notifier failed: {type(exc).__name__}: {exc}"}, [])
    if audit is not None:
        payload = {"status": outcome.status, "link": page_link(public_url, result["run_id"]), "result": outcome.result}
        await asyncio.to_thread(audit.append, AUDIT_KIND, result["run_id"], payload)
    return outcome
