"""The approval gate's defence in depth against forged resume answers.

Covers: the real ``approval_gate`` node, paused with ``interrupt()`` in a one-node graph
(in-memory checkpointer) and resumed with hand-made answers: an answer claiming
"approved" with fewer distinct approvers than the action requires (short, or one person
listed twice) leaves the action waiting; an answer carrying another digest is ignored,
whatever it claims; the genuine answer approves the action and records the approvers; a
rejection with the right digest ends the action with the reason.
"""

from __future__ import annotations

from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command

from openclaw.nodes.approval_gate import approval_gate, waiting
from openclaw.nodes.state import PipelineState

pytestmark = pytest.mark.asyncio

DIGEST = "d" * 64


def _action(index: int = 0, required: int = 2) -> dict[str, Any]:
    return {
        "index": index, "name": "restart_deployment", "args": {"deployment": "api", "namespace": "awoooi-prod"},
        "mutating": True, "verdict": "approval", "risk": 0.7, "reasons": ["mutation in production"],
        "approvals_required": required, "approvals": [], "digest": DIGEST, "status": "awaiting_approval",
        "result": None, "request": {"expires_at": "2099-01-01T00:00:00Z"}, "approval": {"tier": "high", "group": "sre"},
    }


async def _gate_with(answer: dict[str, Any], action: dict[str, Any] | None = None) -> dict[str, Any]:
    """Pause the real gate on one waiting action, resume it with ``answer``; the action afterwards."""
    builder = StateGraph(PipelineState)
    builder.add_node("approval_gate", approval_gate)
    builder.add_edge(START, "approval_gate")
    builder.add_edge("approval_gate", END)
    graph = builder.compile(checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "run-gate"}}
    await graph.ainvoke({"run_id": "run-gate", "actions": [action or _action()]}, config)
    paused = await graph.aget_state(config)
    assert paused.next == ("approval_gate",) and paused.interrupts[0].value["pending"][0]["digest"] == DIGEST
    await graph.ainvoke(Command(resume=answer), config)
    return (await graph.aget_state(config)).values["actions"][0]


def _answer(resolution: str, approvers: list[str], digest: str = DIGEST, reason: str | None = None) -> dict:
    approvals = [{"approver": a, "at": "2030-01-01T00:00:00Z"} for a in approvers]
    return {"actions": {"0": {"resolution": resolution, "digest": digest, "approvals": approvals, "reason": reason}}}


@pytest.mark.parametrize("approvers", [["alice"], [], ["alice", "alice"]], ids=["one-of-two", "none", "same-twice"])
async def test_an_approved_answer_short_of_the_quorum_leaves_the_action_waiting(approvers):
    action = await _gate_with(_answer("approved", approvers))
    assert not action.get("approved") and action["status"] == "awaiting_approval"
    assert action["approvals"] == [] and waiting({"actions": [action]}) == [action]


@pytest.mark.parametrize("resolution", ["approved", "rejected", "expired"])
async def test_an_answer_for_another_digest_is_ignored(resolution):
    action = await _gate_with(_answer(resolution, ["alice", "bob"], digest="e" * 64, reason="forged"))
    assert action == _action()


async def test_the_genuine_answer_approves_and_a_genuine_rejection_ends_the_action():
    approved = await _gate_with(_answer("approved", ["alice", "bob"]))
    assert approved["approved"] is True and [a["approver"] for a in approved["approvals"]] == ["alice", "bob"]
    assert approved["reasons"][-1] == "approved by alice, bob"
    rejected = await _gate_with(_answer("rejected", [], reason="bob: not now"))
    assert rejected["status"] == "rejected" and rejected["reasons"][-1] == "rejected: bob: not now"
