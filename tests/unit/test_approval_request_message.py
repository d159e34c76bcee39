"""The text of the Telegram message announcing a run that waits for approval (openclaw.notify.approval_request).

Covers: each waiting action with its arguments, risk and quorum, and only the waiting ones;
risk 0.8 and above is critical, below it a warning; the page link from the public URL (a
trailing slash is not doubled) or, without one, the ``openclaw approve`` command; many
actions are cut to ten with a count of the rest; a run that does not wait sends nothing; a
notifier that raises is recorded as a failed delivery, not raised.
"""

from __future__ import annotations

import asyncio

from openclaw.notify.approval_request import MAX_ACTIONS_LISTED, announce_approval_request, approval_request_message


def _action(index: int, risk: float, *, status: str = "awaiting_approval", verdict: str = "approval") -> dict:
    return {"index": index, "name": "scale_deployment", "args": {"deployment": f"web-{index}", "replicas": 0},
            "verdict": verdict, "status": status, "risk": risk, "approvals_required": 2,
            "reasons": ["class: scale (+0.30)", "scale to zero (+0.40)"]}


def _run(*actions: dict) -> dict:
    return {"run_id": "run-abc", "incident_id": "inc-1", "status": "awaiting_approval", "actions": list(actions)}


def test_waiting_actions_risk_and_link() -> None:
    result = _run(_action(0, 0.65), _action(1, 0.1, status="planned", verdict="auto"))
    severity, text = approval_request_message(result, {"title": "web is down"}, "https://oc.example/")
    assert severity == "warning"
    assert text.splitlines()[0] == "Approval needed for run run-abc: web is down"
    assert '#0 scale_deployment {"deployment": "web-0", "replicas": 0}: risk 0.65, needs 2 approval(s)' in text
    assert "#1" not in text
    assert text.endswith("Review and sign: https://oc.example/ui/#run=run-abc")


def test_high_risk_is_critical_and_without_a_public_url_the_command_is_named() -> None:
    severity, text = approval_request_message(_run(_action(0, 0.8)), {"description": "scale web to 0"}, None)
    assert severity == "critical"
    assert "openclaw approve run-abc --key KEY" in text and "OPENCLAW_PUBLIC_URL" in text


def test_many_actions_are_cut() -> None:
    actions = [_action(i, 0.5) for i in range(MAX_ACTIONS_LISTED + 3)]
    _, text = approval_request_message(_run(*actions), None, None)
    assert f"#{MAX_ACTIONS_LISTED - 1} " in text and f"#{MAX_ACTIONS_LISTED} " not in text
    assert "... and 3 more" in text


def test_a_run_that_does_not_wait_sends_nothing() -> None:
    class Refuses:
        def send(self, **_: object) -> None:
            raise AssertionError("nothing should be sent")

    done = {**_run(_action(0, 0.5, status="planned")), "status": "completed"}
    assert asyncio.run(announce_approval_request(Refuses(), done, incident=None, public_url=None)) is None


def test_a_broken_notifier_is_recorded_as_failed() -> None:
    class Broken:
        def send(self, **_: object) -> None:
            raise RuntimeError("boom")

    class Audit:
        def __init__(self) -> None:
            self.entries: list[tuple[str, str, dict]] = []

        def append(self, kind: str, run_id: str, payload: dict) -> None:
            self.entries.append((kind, run_id, payload))

    audit = Audit()
    outcome = asyncio.run(announce_approval_request(Broken(), _run(_action(0, 0.5)), incident=None, public_url=None,
                                                    audit=audit))
    assert outcome is not None and outcome.status == "failed" and "RuntimeError: boom" in outcome.result["error"]
    [(kind, run_id, payload)] = audit.entries
    assert (kind, run_id, payload["status"]) == ("approval_request_notified", "run-abc", "failed")
