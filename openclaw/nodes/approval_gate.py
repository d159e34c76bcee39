"""Node 6 of the pipeline: the Multi-Sig gate.

Pauses the run with LangGraph ``interrupt()`` while any action waits for sign-off.
The run is woken (possibly by another process) by :func:`openclaw.signoff.settle` once
every waiting action is final. The router loops back here while any action still waits.
Nothing with a side effect runs before ``interrupt()``: this node re-executes from its
top on resume.

**The gate counts only what it verifies itself.** On every wake-up it asks
``runtime.context.approvals`` (:class:`openclaw.runs.counted.VerifiedApprovals`: the
signed decisions in the approvals store, verified against approvers.yaml, the action's
digest and its expiry, now) for each waiting action's tally. The value the run was
resumed with is never counted: whoever can resume the graph (LangGraph's own API, a
script with the checkpointer) cannot approve anything by claiming it. A resume value
that claims something the gate did not verify is audited (``resume_ignored``).

The interrupt payload (what ``Engine.checkpoint(run_id)["interrupts"]`` shows)::

    {"run_id": ..., "pending": [{"index", "name", "args", "digest", "approvals_required",
                                 "tier", "group", "expires_at"}]}

The answer the source gives (and :func:`openclaw.signoff.settle` resumes with, for the record)::

    {"actions": {"<index>": {"resolution": "approved" | "rejected" | "expired" | None,
                             "digest": "<the action's digest>",
                             "approvals": [{"approver": name, "at": iso, "action": index}],
                             "reason": str | None}}}

Defence in depth: an answer whose digest is not the action's, or that claims
"approved" with fewer approvals than required, is ignored (the action keeps waiting).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from langgraph.runtime import Runtime
from langgraph.types import interrupt

from openclaw.nodes.state import PipelineContext, PipelineState
from openclaw.runs.counted import tally_action

RESOLUTIONS = frozenset({"approved", "rejected", "expired"})
WAKE_UP: dict[str, Any] = {"recount": True}
"""A resume value that claims nothing: count the verified approvals now."""


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


async def approval_gate(state: PipelineState, runtime: Runtime[PipelineContext]) -> dict[str, Any]:
    pending = waiting(state)
    if not pending:
        return {}
    resumed = interrupt({"run_id": state["run_id"], "pending": [pending_view(a) for a in pending]})
    ctx = runtime.context
    answer = await asyncio.to_thread(_verified_answer, ctx, state, pending)
    claims = unverified_claims(resumed, answer)
    if claims and getattr(ctx, "audit", None) is not None:
        await asyncio.to_thread(ctx.audit.append, "resume_ignored", state["run_id"], {
            "reason": "the gate counts only signatures it verifies in the approvals store", "claims": claims,
            "resume_value": _bounded(resumed)})
    tallies = answer.get("actions", {})
    pending_indexes = {a["index"] for a in pending}
    actions = []
    for action in state["actions"]:
        tally = tallies.get(str(action["index"])) if isinstance(tallies, dict) else None
        if action["index"] not in pending_indexes or not isinstance(tally, dict):
            actions.append(action)
            continue
        actions.append(_apply(action, tally))
    return {"actions": actions}


def _verified_answer(ctx: PipelineContext, state: PipelineState, pending: list[dict[str, Any]]) -> dict[str, Any]:
    """Each waiting action's tally from the context's approval source (without one, e.g. a graph run with no
    OpenClaw context: no signature counts, only expiry applies)."""
    now = ctx.clock() if getattr(ctx, "clock", None) else time.time()
    if getattr(ctx, "approvals", None) is not None:
        return ctx.approvals.answer(dict(state), pending, now)
    from datetime import UTC, datetime

    at = datetime.fromtimestamp(now, UTC)
    return {"actions": {str(a["index"]): tally_action(a, [], None, dict(state), at).answer(a["digest"])
                        for a in pending}}


def unverified_claims(resumed: Any, answer: dict[str, Any]) -> list[str]:
    """What a resume value claims beyond the verified ``answer`` (empty when it claims nothing more).

    The approval service resumes with the answer it verified itself (kept for replay); anything
    else (another shape, another resolution, an approver the gate did not count) is a claim."""
    if resumed is None:
        return []
    if (not isinstance(resumed, dict) or set(resumed) - {"actions", "recount"}
            or not isinstance(resumed.get("actions", {}), dict)):
        return [f"a resume value of an unknown shape ({type(resumed).__name__})"]
    verified = answer.get("actions", {})
    claims = []
    for index, claim in resumed.get("actions", {}).items():
        mine = verified.get(str(index))
        if mine is None:
            claims.append(f"action {index}: not waiting for approval")
            continue
        if not isinstance(claim, dict):
            claims.append(f"action {index}: a claim of an unknown shape")
            continue
        if claim.get("resolution") not in (None, mine.get("resolution")):
            claims.append(f"action {index}: claims {claim.get('resolution')!r}, verified {mine.get('resolution')!r}")
        counted = {a.get("approver") for a in mine.get("approvals") or []}
        extra = sorted({str(a.get("approver")) for a in claim.get("approvals") or [] if isinstance(a, dict)} - counted)
        if extra:
            claims.append(f"action {index}: names approvals not verified: {', '.join(extra)}")
    return claims


def _bounded(value: Any, limit: int = 2000) -> str:
    try:
        text = json.dumps(value, default=repr, sort_keys=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _apply(action: dict[str, Any], tally: dict[str, Any]) -> dict[str, Any]:
    resolution = tally.get("resolution")
    if resolution not in RESOLUTIONS or tally.get("digest") != action["digest"]:
        return action
    approvals = [
        {"approver": str(a["approver"]), "at": str(a["at"]), "action": action["index"]}
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
