"""Node 6 of the seed's flow: the Multi-Sig gate.

Pauses the run with LangGraph ``interrupt()`` while any action waits for sign-off.
The run is resumed (possibly by another process) with the verified tally of each
waiting action; the router loops back here until every request is approved,
rejected or expired. Nothing with a side effect runs before ``interrupt()``: this
node re-executes from its top on resume.
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


async def approval_gate(state: PipelineState) -> dict[str, Any]:
    pending = waiting(state)
    if not pending:
        return {}
    answer = interrupt(
        {
            "run_id": state["run_id"],
            "pending": [
                {"index": a["index"], "digest": a["digest"], "approvals_required": a["approvals_required"]}
                for a in pending
            ],
        }
    )
    tallies: dict[str, Any] = (answer or {}).get("actions", {})
    actions = []
    for action in state["actions"]:
        tally = tallies.get(str(action["index"]))
        if tally is None or action not in pending:
            actions.append(action)
            continue
        updated = {**action, "approvals": list(tally.get("approvals", action["approvals"]))}
        resolution = tally.get("resolution")
        if resolution == "approved":
            updated["approved"] = True
        elif resolution in ("rejected", "expired"):
            updated["status"] = resolution
            if tally.get("reason"):
                updated["reasons"] = [*action["reasons"], f"{resolution}: {tally['reason']}"]
        actions.append(updated)
    return {"actions": actions}
