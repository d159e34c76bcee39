"""Node 5 of the pipeline: the Trust Engine turns the decision into judged actions.

Each tool call becomes an action with a verdict (auto, approval, deny), a risk
score, the reasons, and the frozen request an approver signs (its digest covers the
action, the run, a nonce, the cluster, the policy version and the expiry). The facts
the scorer weighs are gathered here: the incident's source and requester, the
decision's provider and fallback depth, the target's recent history (anti-flapping)
and, when the context can tell, the current replica count. One ``verdict`` entry per
action goes to the audit log, in one transaction. While the audit log's chain is broken
(:meth:`openclaw.storage.chain.AuditChain.refusal`), every mutation is denied with that reason.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from langgraph.runtime import Runtime

from openclaw.approvals.digest import ActionRequest, canonical_json, iso_utc, request_digest, sha256_hex
from openclaw.config.trust import PolicyLoad, TrustPolicy
from openclaw.models.incident import Incident
from openclaw.nodes.fallback import vendor_failures
from openclaw.nodes.state import PipelineContext, PipelineState, incident_of
from openclaw.trust.actions import ProposedAction, propose
from openclaw.trust.engine import Verdict, evaluate
from openclaw.trust.facts import Facts, target_of
from openclaw.trust.signals import suspicious_signals

DEFAULT_TTL_S = 3600
# Until execute has run them, auto actions wait with the run (a paused run holds them all).
_INITIAL_STATUS = {"deny": "denied", "approval": "awaiting_approval", "auto": "awaiting_approval"}


def policy_of(ctx: PipelineContext) -> PolicyLoad:
    trust = ctx.configs.trust
    return PolicyLoad(trust) if isinstance(trust, TrustPolicy) else trust


async def trust(state: PipelineState, runtime: Runtime[PipelineContext]) -> dict[str, Any]:
    ctx = runtime.context
    incident = incident_of(state)
    loaded = policy_of(ctx)
    policy = loaded.policy
    approvers = getattr(getattr(ctx.configs, "approvers", None), "config", None)
    calls = (state.get("decision") or {}).get("tool_calls", [])
    now = ctx.clock()
    ttl = policy.approvals.request_ttl_s if policy else DEFAULT_TTL_S
    expires_at = iso_utc(datetime.fromtimestamp(now, UTC) + timedelta(seconds=ttl))
    cluster = ctx.executor.identity
    base = _base_facts(state, incident, ctx)
    history = ctx.history if policy is not None else None
    seen_targets: Counter[str] = Counter()
    earlier = list(state.get("actions", []))  # earlier evidence rounds' reads: judged and run already
    actions, audit_items = [], []
    mode = getattr(ctx.executor, "mode", None)
    evidence_round = (state.get("decision") or {}).get("phase") == "evidence"
    audit_broken = await asyncio.to_thread(ctx.audit.refusal) if ctx.audit is not None and calls else None
    for index, call in enumerate(calls, start=len(earlier)):
        proposed = propose(call.get("name", ""), call.get("args"), default_namespace=incident.effective_namespace)
        replicas, lookup_error = await _replicas(ctx, proposed, mode)
        lookup_failed = lookup_error is not None
        facts = await asyncio.to_thread(_facts, base, proposed, policy, history, now, seen_targets, replicas,
                                        state["run_id"])  # SQLite: off the event loop
        facts = replace(facts, replicas_lookup_failed=lookup_failed, replicas_lookup_error=lookup_error)
        verdict = evaluate(proposed, policy, facts, approvers=approvers, policy_error=loaded.error)
        if audit_broken and proposed.mutating:  # fail closed: no change that the log cannot vouch for
            verdict = replace(verdict, verdict="deny", risk=1.0, reasons=(audit_broken,), approvals_required=0,
                              tier=None, group=None)
        await asyncio.to_thread(_keep_reservation, history, proposed, policy, verdict, state["run_id"])
        request = {"nonce": secrets.token_hex(16), "cluster": cluster,
                   "policy_version": verdict.policy_version or loaded.version, "expires_at": expires_at}
        digest = _digest(state["run_id"], index, proposed.name, proposed.args, request)
        # The executor mode the verdict was given for travels with the request, outside the digest:
        # execute refuses to carry the action out in another mode (openclaw.nodes.execute).
        action = _action(index, proposed, verdict, digest, {**request, "mode": mode})
        action["facts"] = {"recent_actions": facts.recent_actions, "last_action_age_s": facts.last_action_age_s,
                           "current_replicas": facts.current_replicas,
                           "replicas_lookup_failed": lookup_failed,
                           "replicas_lookup_error": lookup_error}  # internal: what replay restores
        if evidence_round:
            action["evidence"] = True  # internal: a read made before the decision (its failure is a finding)
        actions.append(action)
        audit_items.append(("verdict", state["run_id"], _audit_payload(action, verdict)))
    if ctx.audit is not None and audit_items:
        await asyncio.to_thread(ctx.audit.append_many, audit_items)
    return {"actions": earlier + actions}


def _base_facts(state: PipelineState, incident: Incident, ctx: PipelineContext) -> Facts:
    decision = state.get("decision") or {}
    # Fallback depth: configured vendors that failed (a vendor that is not configured was never asked).
    failed = vendor_failures(state, ctx, "decide")
    texts = [incident.title or "", incident.description, *incident.labels.values(), *incident.annotations.values()]
    return Facts(source=incident.source, requested_by=incident.requested_by, provider=decision.get("provider"),
                 failed_attempts=failed, degraded=bool(state.get("degraded")), suspicious=suspicious_signals(texts))


_CLUSTER_MODES = frozenset({"dry_run", "apply"})


async def _replicas(ctx: PipelineContext, proposed: ProposedAction, mode: str | None) -> tuple[int | None, str | None]:
    """The target deployment's current replica count, for blast radius (scale only; None when unknown),
    and, when the count is unknown because reading it failed, why (None otherwise): the lookup raised,
    or a cluster is configured (executor mode dry_run or apply) and it gave no count. In plan mode an
    unknown count is not a failure."""
    lookup = ctx.current_replicas
    if proposed.tool != "scale_deployment":
        return None, None
    if lookup is None:
        return None, "this executor cannot read replica counts" if mode in _CLUSTER_MODES else None
    try:
        value = await lookup(proposed.tool_args["namespace"], proposed.tool_args["deployment"])
    except Exception as exc:  # noqa: BLE001 - a failed lookup is scored as the largest change
        return None, (str(exc) or type(exc).__name__) if mode != "plan" else None
    if isinstance(value, int) and value >= 0:
        return value, None
    return None, "the deployment reported no replica count" if mode in _CLUSTER_MODES else None


def _facts(base: Facts, proposed: ProposedAction, policy: TrustPolicy | None, history: Any, now: float,
           seen: Counter[str], replicas: int | None, run_id: str) -> Facts:
    """History and replica count of the action's target (reads and invalid actions have none).

    Reading the history reserves the target for this run in the same transaction
    (:meth:`openclaw.storage.ports.HistoryStore.reserve`), so concurrent runs see each other;
    :func:`_keep_reservation` drops it again unless the verdict is ``auto``.
    """
    target = target_of(proposed)
    if target is None or policy is None:
        return replace(base, current_replicas=replicas)
    recent, last_age = seen[target], (0.0 if seen[target] else None)
    seen[target] += 1  # earlier mutations of the same target in this decision count too
    if history is not None:
        found = history.reserve(target, tool=proposed.tool, run_id=run_id, at=now,
                                since=now - policy.flapping.window_s)
        recent += found.count
        if found.last_at is not None and last_age is None:
            last_age = max(0.0, now - found.last_at)
    return replace(base, recent_actions=recent, last_action_age_s=last_age, current_replicas=replicas)


def _keep_reservation(history: Any, proposed: ProposedAction, policy: TrustPolicy | None, verdict: Verdict,
                      run_id: str) -> None:
    """Anti-flapping: only a mutation judged ``auto`` keeps its reservation (execute completes it);
    one that waits for approval is recorded by execute if it ever runs."""
    target = target_of(proposed)
    if history is None or target is None or policy is None or verdict.verdict == "auto":
        return
    history.release(target, run_id=run_id)


def _action(index: int, proposed: ProposedAction, verdict: Verdict, digest: str, request: dict[str, Any]) -> dict:
    action = {
        "index": index,
        "name": proposed.name,
        "args": proposed.args,
        "mutating": proposed.mutating,
        "verdict": verdict.verdict,
        "risk": round(verdict.risk, 4),
        "reasons": list(verdict.reasons),
        "approvals_required": verdict.approvals_required,
        "approvals": [],
        "digest": digest,
        "status": _INITIAL_STATUS[verdict.verdict],
        "result": None,
        "policy_version": verdict.policy_version,
        # Internal: the frozen request approvers sign, and the typed operation to run.
        "request": request,
        "tool": proposed.tool,
        "tool_args": proposed.tool_args,
    }
    if verdict.verdict == "approval":
        action["approval"] = {"tier": verdict.tier, "group": verdict.group}
    return action


def _audit_payload(action: dict[str, Any], verdict: Verdict) -> dict[str, Any]:
    return {
        "action_index": action["index"], "name": action["name"], "args": action["args"],
        "verdict": verdict.verdict, "risk": action["risk"], "reasons": action["reasons"],
        "approvals_required": verdict.approvals_required, "tier": verdict.tier, "group": verdict.group,
        "digest": action["digest"], "policy_version": action["policy_version"],
        "expires_at": action["request"]["expires_at"],
    }


def _digest(run_id: str, index: int, name: str, args: dict[str, Any], request: dict[str, Any]) -> str:
    """The approval digest; an action too malformed to be a request (it is denied) still gets a stable hash."""
    try:
        return request_digest(ActionRequest(run_id=run_id, action_index=index, name=name, args=args, **request))
    except ValueError:
        return sha256_hex(canonical_json({"domain": "openclaw.invalid-action/v1", "run_id": run_id,
                                          "action_index": index, "name": repr(name), "args": repr(args)}))
