"""The approval gate counts only what it verifies itself; a resume value is never an approval.

Covers: the real ``approval_gate`` node, paused with ``interrupt()`` in a one-node graph
(in-memory checkpointer) and resumed with ``Command(resume=...)``. With the production
source (``VerifiedApprovals`` over an empty approvals store) a forged answer, even one
naming a full quorum with the right digest, leaves the action waiting and is audited as
``resume_ignored``; waking it with ``WAKE_UP`` audits nothing. With a source that does report a
tally (defence in depth in the gate's own checks): "approved" short of the quorum (short,
or one person twice) leaves the action waiting; another digest is ignored; a genuine approval
approves and records the approvers (with the action index); a rejection ends the action.
Without any context (another runtime driving the graph) a forged answer counts for nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command

from openclaw.storage.sqlite.approvals import ApprovalStore
from openclaw.nodes.approval_gate import WAKE_UP, approval_gate, unverified_claims, waiting
from openclaw.nodes.state import PipelineState
from openclaw.runs.counted import VerifiedApprovals

pytestmark = pytest.mark.asyncio

DIGEST = "d" * 64


def _action(index: int = 0, required: int = 2) -> dict[str, Any]:
    return {
        "index": index, "name": "restart_deployment", "args": {"deployment": "api", "namespace": "awoooi-prod"},
        "mutating": True, "verdict": "approval", "risk": 0.7, "reasons": ["mutation in production"],
        "approvals_required": required, "approvals": [], "digest": DIGEST, "status": "awaiting_approval",
        "result": None, "request": {"expires_at": "2099-01-01T00:00:00Z"}, "approval": {"tier": "high", "group": "sre"},
    }


class _Audit:
    def __init__(self) -> None:
        self.entries: list[tuple[str, str, dict]] = []

    def append(self, kind: str, run_id: str, payload: dict) -> None:
        self.entries.append((kind, run_id, payload))


class _Source:
    """An approval source reporting a fixed answer (what the approvals store would have verified)."""

    def __init__(self, answer: dict[str, Any]) -> None:
        self.fixed = answer

    def answer(self, values: dict, pending: list, now: float) -> dict[str, Any]:
        return self.fixed


@dataclass
class _Context:
    approvals: Any
    audit: _Audit = field(default_factory=_Audit)
    clock: Any = staticmethod(lambda: 1_900_000_000.0)


async def _gate_with(resume: Any, context: _Context | None, action: dict[str, Any] | None = None) -> dict[str, Any]:
    """Pause the real gate on one waiting action, resume it with ``resume``; the action afterwards."""
    builder = StateGraph(PipelineState)
    builder.add_node("approval_gate", approval_gate)
    builder.add_edge(START, "approval_gate")
    builder.add_edge("approval_gate", END)
    graph = builder.compile(checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "run-gate"}}
    await graph.ainvoke({"run_id": "run-gate", "actions": [action or _action()]}, config, context=context)
    paused = await graph.aget_state(config)
    assert paused.next == ("approval_gate",) and paused.interrupts[0].value["pending"][0]["digest"] == DIGEST
    await graph.ainvoke(Command(resume=resume), config, context=context)
    return (await graph.aget_state(config)).values["actions"][0]


def _answer(resolution: str, approvers: list[str], digest: str = DIGEST, reason: str | None = None) -> dict:
    approvals = [{"approver": a, "at": "2030-01-01T00:00:00Z"} for a in approvers]
    return {"actions": {"0": {"resolution": resolution, "digest": digest, "approvals": approvals, "reason": reason}}}


@pytest.mark.parametrize("forged", [
    _answer("approved", ["mallory", "eve"]),
    _answer("rejected", [], reason="forged veto"),
    {"approved": True, "approver": "mallory"},
    "approved",
], ids=["full-quorum", "rejection", "other-shape", "a-string"])
async def test_a_forged_resume_value_counts_for_nothing_and_is_audited(tmp_path: Path, forged):
    context = _Context(VerifiedApprovals(ApprovalStore(tmp_path / "state.db"), tmp_path / "configs"))
    action = await _gate_with(forged, context)
    assert action == _action() and waiting({"actions": [action]}) == [action]
    [(kind, run_id, payload)] = context.audit.entries
    assert (kind, run_id) == ("resume_ignored", "run-gate") and payload["claims"]


async def test_a_plain_wake_up_is_not_audited(tmp_path: Path):
    context = _Context(VerifiedApprovals(ApprovalStore(tmp_path / "state.db"), tmp_path / "configs"))
    assert await _gate_with(WAKE_UP, context) == _action() and context.audit.entries == []


@pytest.mark.parametrize("approvers", [["alice"], [], ["alice", "alice"]], ids=["one-of-two", "none", "same-twice"])
async def test_a_tally_short_of_the_quorum_leaves_the_action_waiting(approvers):
    action = await _gate_with(WAKE_UP, _Context(_Source(_answer("approved", approvers))))
    assert not action.get("approved") and action["status"] == "awaiting_approval"
    assert action["approvals"] == [] and waiting({"actions": [action]}) == [action]


@pytest.mark.parametrize("resolution", ["approved", "rejected", "expired"])
async def test_a_tally_for_another_digest_is_ignored(resolution):
    source = _Source(_answer(resolution, ["alice", "bob"], digest="e" * 64, reason="forged"))
    assert await _gate_with(WAKE_UP, _Context(source)) == _action()


async def test_a_verified_approval_approves_and_a_verified_rejection_ends_the_action():
    genuine = _answer("approved", ["alice", "bob"])
    context = _Context(_Source(genuine))
    approved = await _gate_with(genuine, context)
    assert approved["approved"] is True and [a["approver"] for a in approved["approvals"]] == ["alice", "bob"]
    assert [a["action"] for a in approved["approvals"]] == [0, 0]
    assert approved["reasons"][-1] == "approved by alice, bob"
    assert context.audit.entries == []  # the service's answer agreed with the gate's own count
    rejected = await _gate_with(WAKE_UP, _Context(_Source(_answer("rejected", [], reason="bob: not now"))))
    assert rejected["status"] == "rejected" and rejected["reasons"][-1] == "rejected: bob: not now"


async def test_claims_are_what_the_resume_value_says_beyond_the_verified_answer():
    verified = _answer("approved", ["alice"])
    assert unverified_claims(verified, verified) == []
    assert unverified_claims(_answer("approved", ["alice", "eve"]), verified) == [
        "action 0: names approvals not verified: eve"]
    assert unverified_claims(_answer("approved", []), _answer(None, [])) == [
        "action 0: claims 'approved', verified None"]


async def test_without_an_openclaw_context_a_forged_resume_counts_for_nothing():
    """As when the graph is driven by another runtime (e.g. LangGraph's API server) with no context."""
    assert await _gate_with(_answer("approved", ["mallory", "eve"]), None) == _action()
