"""Node 6 of the seed's flow: the Multi-Sig gate.

Pauses the run with LangGraph ``interrupt()`` while any action waits for sign-off.
The run is resumed (possibly by another process) by :func:`openclaw.signoff.submit`
once every waiting action is final, with the verified tally of each. The router
loops back here while any action still waits. Nothing with a side effect runs before
``interrupt()``: this node re-executes from its top on resume.

The interrupt payload (what ``Engine.checkpoint(run_id)["interrupts"]`` shows)::

    {"run_id": ..., "pending": [{"index", "name", "args", "digest", "approvals_required",
                                 "tier", "group", "expires_at"}]}

The resume answer (built by ``openclaw.signoff``)::

    {"actions": {"<index>": {"resolution": "approved" | "rejected" | "expired" | None,
                             "digest": "<the action's digest>",
                             "approvals": [{"approver": name, "at": iso}], "reason": str | None}}}

Defence in depth: an answer whose digest is not the action's, or that claims
"approved" with fewer approvals than required, is ignored (the action keeps waiting).
"""

from __future__ import annotations

from typing import Any

from langgraph.types import interrupt

from openclaw.nodes.state import PipelineState

RESOLUTIONS = frozenset({"approved", "rejected", "expired"})


def waiting(state: PipelineState) -> list[dict[str, Any]]:
    """Actions that need sign-off and have not got a final answer yet."""
    return [
        a for a in state.get("actions", [])
        if a["verdict"] == "approval" and a["status"] == "awaiting_approval" and not a.get("approved")
    ]


def pending_view(action: dict[str, Any]) -> dict[str, Any]:
    """What an approver needs to know about one waiting action (the interrupt payload's entries)."""
    approval = action.get("approval") or {}
    return {
        "index": action["index"], "name": action["name"], "args": action["args"], "digest": action["digest"],
        "approvals_required": action["approvals_required"], "tier": approval.get("tier"),
        "group": approval.get("group"), "expires_at": (action.get("request") or {}).get("expires_at"),
    }


async def approval_gate(state: PipelineState) -> dict[str, Any]:
    pending = waiting(state)
    if not pending:
        return {}
    answer = interrupt({"run_id": state["run_id"], "pending": [pending_view(a) for a in pending]})
    tallies = (answer or {}).get("actions", {}) if isinstance(answer, dict) else {}
    pending_indexes = {a["index"] for a in pending}
    actions = []
    for action in state["actions"]:
        tally = tallies.get(str(action["index"])) if isinstance(tallies, dict) else None
        if action["index"] not in pending_indexes or not isinstance(tally, dict):
            actions.append(action)
            continue
        actions.append(_apply(action, tally))
    return {"actions": actions}


def _apply(action: dict[str, Any], tally: dict[str, Any]) -> dict[str, Any]:
    resolution = tally.get("resolution")
    if resolution not in RESOLUTIONS or tally.get("digest") != action["digest"]:
        return action
    approvals = [
        {"approver": str(a["approver"]), "at": str(a["at"])}
        for a in tally.get("approvals") or [] if isinstance(a, dict) and "approver" in a and "at" in a
    ]
    updated = {**action, "approvals": approvals}
    if resolution == "approved":
        if len({a["approver"] for a in approvals}) < action["approvals_required"]:
            return action
        updated["approved"] = True
        updated["reasons"] = [*action["reasons"], f"approved by {', '.join(a['approver'] for a in approvals)}"]
        return updated
    updated["status"] = resolution
    reason = tally.get("reason")
    updated["reasons"] = [*action["reasons"], f"{resolution}: {reason}" if reason else resolution]
    return updated
