"""The evidence loop in the graph: decide → trust → approval_gate → execute → decide, for alerts.

``decide`` builds an :class:`~openclaw.alerts.planner.AlertContext` from the run state
(:func:`alert_context`) and, when it asks for reads, marks its decision ``phase:
evidence``. Those reads pass ``trust`` and the gate like any action and run in the
executor's mode; ``execute`` then calls :func:`collect`, which turns each read into an
evidence record, refines the subject with what the cluster said (the pod's owner from
its ``ownerReferences``), and clears the decision so the router sends the graph back into
``decide`` for the next round.

An evidence record (run result ``evidence[]``)::

    {"id": "ev-1", "round": 1, "kind": "pod_status", "action_index": 0, "name": "kubectl_get",
     "args": {...}, "status": "executed", "finding": "pod api-…: Running, ready 0/1, …",
     "guess": false, "why": "..."}

plus the internal ``facts`` and ``key`` (kept in the state, dropped from the result).
"""

from __future__ import annotations

import json
from typing import Any

from openclaw.alerts.evidence import MAX_ROUNDS, kind_of, read_key
from openclaw.alerts.findings import facts_of
from openclaw.alerts.planner import AlertContext
from openclaw.alerts.render import render_alert
from openclaw.alerts.subject import Subject, group_subjects, with_owner
from openclaw.models.incident import Incident
from openclaw.nodes.state import PipelineContext, PipelineState
from openclaw.providers.base import DecideContext, EvidenceTurn, ProposedToolCall

RESULT_FIELDS = ("id", "round", "kind", "action_index", "name", "args", "status", "finding", "guess", "why")
MAX_TOOL_RESULT_CHARS = 4000
"""What one read's result may take in the model's context (its finding and a bounded copy of the result)."""


def alert_context(state: PipelineState, ctx: PipelineContext, incident: Incident) -> AlertContext:
    """The alert's context: its subjects (the primary one refined by earlier reads), evidence and budget."""
    catalog = getattr(ctx.configs, "alerts", None)
    subjects = group_subjects(incident, catalog)
    primary, entry, name = subjects[0]
    stored = state.get("subject")
    if stored:
        primary = Subject.from_dict(stored)
    rounds = int(state.get("rounds") or 0)
    out_of_time = ctx.clock() >= state["deadline_at"]
    policy = getattr(ctx.configs.trust, "policy", ctx.configs.trust)
    production = frozenset(getattr(getattr(policy, "namespaces", None), "production", None) or ())
    return AlertContext(
        incident=incident, entry=entry, subject=primary, evidence=list(state.get("evidence") or []), rounds=rounds,
        cluster=_mode(ctx) in ("dry_run", "apply"), run_id=state["run_id"],
        final=rounds >= MAX_ROUNDS or out_of_time, name=name,
        related=[(s, e) for s, e, _n in subjects[1:]], production=production,
    )


def _mode(ctx: PipelineContext) -> str:
    """The executor's mode; in a replay, the mode of the run being replayed (its reads were planned or made)."""
    return getattr(ctx.executor, "recorded_mode", None) or getattr(ctx.executor, "mode", None) or "plan"


def decide_context(actx: AlertContext, state: PipelineState) -> DecideContext:
    """The alert and its evidence so far, for a provider's ``decide`` (the LLM's tool-calling loop)."""
    actions = {a["index"]: a for a in state.get("actions", [])}
    turns = []
    for round_no in sorted({e["round"] for e in actx.evidence}):
        records = [e for e in actx.evidence if e["round"] == round_no]
        calls = tuple(ProposedToolCall(name=e["name"], args=dict(e["args"]), id=e.get("call_id") or e["id"])
                      for e in records)
        results = tuple(_tool_result(e, actions.get(e["action_index"])) for e in records)
        turns.append(EvidenceTurn(calls, results))
    return DecideContext(alert_text=render_alert(actx), turns=tuple(turns), final=actx.final, alert=actx)


def _tool_result(record: dict[str, Any], action: dict[str, Any] | None) -> str:
    result = (action or {}).get("result")
    body = {"status": record["status"], "finding": record.get("finding"), "result": result}
    text = json.dumps(body, ensure_ascii=False, default=str)
    if len(text) > MAX_TOOL_RESULT_CHARS:
        text = json.dumps({"status": record["status"], "finding": record.get("finding"),
                           "result_truncated": text[: MAX_TOOL_RESULT_CHARS - 200]}, ensure_ascii=False)
    return text


def collect(state: PipelineState, actions: list[dict[str, Any]]) -> dict[str, Any]:
    """After an evidence round: the records of its reads, the refined subject, and a cleared decision."""
    decision = state.get("decision") or {}
    purposes = decision.get("purposes") or []
    calls = decision.get("tool_calls") or []
    first = int(decision.get("first_index", 0))
    round_no = int(state.get("rounds") or 0) + 1
    known = len(state.get("evidence") or [])
    subject = Subject.from_dict(state["subject"]) if state.get("subject") else None
    records = []
    for offset, call in enumerate(calls):
        action = next((a for a in actions if a["index"] == first + offset), None)
        if action is None:
            continue
        purpose = purposes[offset] if offset < len(purposes) else {}
        kind = purpose.get("kind") or kind_of(action["name"], action["args"], subject)
        about = purpose.get("about") or (subject.name if subject is not None else None)
        finding, facts = facts_of(kind, action["status"], action.get("result"), about=about)
        records.append({
            "id": f"ev-{known + len(records) + 1}", "round": round_no, "kind": kind, "action_index": action["index"],
            "name": action["name"], "args": action["args"], "status": action["status"], "finding": finding,
            "guess": bool(purpose.get("guess")), "why": purpose.get("why") or "", "facts": facts, "about": about,
            "key": read_key(call.get("name", action["name"]), call.get("args") or {}), "call_id": call.get("id"),
        })
        if subject is not None and about == subject.name:
            subject = _refine(subject, kind, facts)
    update: dict[str, Any] = {"evidence": records, "rounds": round_no, "decision": None, "cursor": {"decide": 0}}
    if subject is not None:
        update["subject"] = subject.as_dict()
    return update


def _refine(subject: Subject, kind: str, facts: dict[str, Any]) -> Subject:
    """The subject's owner from what the cluster said: the pod's ownerReferences, then the ReplicaSet's."""
    owner = facts.get("owner")
    if not isinstance(owner, dict) or not owner.get("kind") or not owner.get("name"):
        return subject
    if kind == "pod_status":
        return with_owner(subject, owner["kind"], owner["name"])
    if kind == "owner" and subject.owner is not None and subject.owner.kind == "replicaset":
        return with_owner(subject, owner["kind"], owner["name"])
    return subject


def public(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Evidence records as the run result shows them (internal fields dropped)."""
    return [{k: r[k] for k in RESULT_FIELDS if k in r} for r in records]
