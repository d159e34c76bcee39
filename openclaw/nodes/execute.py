"""Node 7 of the pipeline: the K8s Executor.

Runs only actions whose verdict is ``auto`` or whose quorum is met, exactly as they
were judged and approved (the frozen typed operation from the trust node; nothing
is re-derived from the LLM's output), in order, each exactly once: the executor's
ledger is keyed by the run id and the action's ``digest`` (see
``openclaw.nodes.dispatch``), so re-running this node never repeats an action.

Each action keeps its API exchanges in the internal field ``exchanges`` (the run
store keeps node outputs for replay; the run result drops the field), and one
``execution`` entry per action goes to the audit log.

A mutation approved before the audit log's chain broke is not carried out while it is
broken (it fails with the log's refusal, without a request; the trust node denies new ones).

A mutation that fails raises a ``send_alert`` (severity critical): a new ``auto``
action appended to the run, with a digest derived from the failed action's so a
re-run of this node finds it in the ledger instead of alerting twice. The failed
action keeps its status, so the run's status stays ``failed``.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from langgraph.runtime import Runtime

from openclaw.approvals.digest import ActionRequest, canonical_json, request_digest, sha256_hex
from openclaw.models.incident import Incident
from openclaw.nodes import evidence
from openclaw.nodes.state import PipelineContext, PipelineState, incident_of
from openclaw.trust.actions import ProposedAction
from openclaw.trust.facts import target_of


def runnable(action: dict[str, Any]) -> bool:
    return action["status"] == "awaiting_approval" and (
        action["verdict"] == "auto" or (action["verdict"] == "approval" and bool(action.get("approved")))
    )


async def execute(state: PipelineState, runtime: Runtime[PipelineContext]) -> dict[str, Any]:
    ctx = runtime.context
    incident = incident_of(state)
    run_id = state["run_id"]
    actions = []
    failed = []
    for action in state.get("actions", []):
        if not runnable(action):
            actions.append(action)
            continue
        done = (await _refuse_other_cluster(ctx, run_id, action) or await _refuse_other_mode(ctx, run_id, action)
                or await _refuse_broken_audit(ctx, action) or await _carry_out(ctx, run_id, incident, action))
        actions.append(done)
        if done["mutating"] and done["status"] == "failed":
            failed.append(done)
    for action in failed:
        alert = _alert_action(ctx, run_id, incident, action, index=len(actions))
        actions.append(await _carry_out(ctx, run_id, incident, alert))
    if (state.get("decision") or {}).get("phase") == "evidence":
        return {"actions": actions, **evidence.collect(state, actions)}
    return {"actions": actions}


async def _carry_out(ctx: PipelineContext, run_id: str, incident: Incident, action: dict[str, Any]) -> dict[str, Any]:
    """Run one action through the executor (exactly once) and audit it; returns the updated action."""
    outcome = await ctx.executor.run(
        action["tool"], action["tool_args"], namespace=incident.effective_namespace, incident_id=incident.id,
        run_id=run_id, digest=action["digest"],
    )
    exchanges = list(getattr(outcome, "exchanges", []) or [])
    done = {**action, "status": outcome.status, "result": outcome.result, "exchanges": exchanges}
    await asyncio.to_thread(_record_history, ctx, run_id, action, outcome.status)  # SQLite: off the event loop
    await _audit(ctx, run_id, done, replayed=bool(getattr(outcome, "replayed", False)))
    return done


def _record_history(ctx: PipelineContext, run_id: str, action: dict[str, Any], status: str) -> None:
    """Anti-flapping: remember each mutation the run carried out (reads are not recorded)."""
    if ctx.history is None or not action.get("mutating") or not action.get("tool"):
        return
    target = target_of(ProposedAction(action["name"], action["args"], action["tool"], action.get("tool_args") or {}))
    if target is not None:
        ctx.history.record(target=target, tool=action["tool"], run_id=run_id, status=status, at=ctx.clock())


async def _refuse_other_cluster(ctx: PipelineContext, run_id: str, action: dict[str, Any]) -> dict[str, Any] | None:
    """The action failed without a request when it was judged (and signed) for another cluster; else None."""
    judged_for = (action.get("request") or {}).get("cluster")
    here = ctx.executor.identity
    if action["tool"] == "send_alert" or not judged_for or judged_for == here:
        return None
    error = (f"not run: this action was judged and approved for cluster {judged_for}, but this process is "
             f"connected to {here}; resume the run with the same KUBECONFIG and --context it was started with")
    done = {**action, "status": "failed", "result": {"error": error, "status": None}, "exchanges": []}
    await _audit(ctx, run_id, done, replayed=False)
    return done


async def _refuse_other_mode(ctx: PipelineContext, run_id: str, action: dict[str, Any]) -> dict[str, Any] | None:
    """A mutation judged (and approved) under one executor mode, resumed under another, fails without a
    request: approvers signed for a dry run or for the real change, not for whichever the resuming process
    happens to use. None when the modes match, or for reads, alerts, actions judged before the mode was
    recorded, and replays (whose recorded executor sends nothing)."""
    judged_in = (action.get("request") or {}).get("mode")
    here = getattr(ctx.executor, "mode", None)
    if not action.get("mutating") or not judged_in or judged_in == here or here == "replay":
        return None
    hint = {"apply": "resume with --apply", "dry_run": "resume without --apply",
            "plan": "resume without a cluster (plan mode)"}.get(judged_in, f"resume in mode {judged_in}")
    error = f"not run: this action was judged for {judged_in} but this process runs in {here} mode; {hint}"
    done = {**action, "status": "failed", "result": {"error": error, "status": None}, "exchanges": []}
    await _audit(ctx, run_id, done, replayed=False)
    return done


async def _refuse_broken_audit(ctx: PipelineContext, action: dict[str, Any]) -> dict[str, Any] | None:
    """A mutation fails without a request while the audit log's chain is broken
    (:meth:`openclaw.storage.chain.AuditChain.refusal`); None for reads, alerts, replays and an intact log."""
    if not action.get("mutating") or ctx.audit is None:
        return None
    refusal = await asyncio.to_thread(ctx.audit.refusal)
    if refusal is None:
        return None
    return {**action, "status": "failed", "result": {"error": f"not run: {refusal}", "status": None}, "exchanges": []}


async def _audit(ctx: PipelineContext, run_id: str, done: dict[str, Any], *, replayed: bool) -> None:
    """One ``execution`` entry in the audit log (none in replays, where ``ctx.audit`` is None)."""
    if ctx.audit is None:
        return
    payload = {
        "index": done["index"], "name": done["name"], "tool": done["tool"], "args": done["tool_args"],
        "digest": done["digest"], "mode": getattr(ctx.executor, "mode", None),
        "cluster": getattr(ctx.executor, "identity", None), "status": done["status"], "replayed": replayed,
        "error": (done["result"] or {}).get("error"), "requests": len(done["exchanges"]),
    }
    await asyncio.to_thread(ctx.audit.append, "execution", run_id, payload)


def _alert_action(ctx: PipelineContext, run_id: str, incident: Incident, failed: dict[str, Any], *,
                  index: int) -> dict[str, Any]:
    """The send_alert action a failed mutation raises (auto, not mutating)."""
    args = failed.get("tool_args") or {}
    target = f"{args.get('namespace', incident.effective_namespace)}/{args.get('deployment', '?')}"
    error = (failed.get("result") or {}).get("error") or "no error message"
    what = f"{failed['tool']} of {target} (action {failed['index']})"
    message = f"OpenClaw run {run_id}: {what} failed: {error}"
    alert_args = {"severity": "critical", "message": message, "incident_id": incident.id}
    frozen = failed.get("request") or {}
    request = {
        # Derived from the failed action's digest: the same failure always names the same alert.
        "nonce": hashlib.sha256(f"alert:{failed['digest']}".encode()).hexdigest()[:32],
        "cluster": frozen.get("cluster") or ctx.executor.identity,
        "policy_version": frozen.get("policy_version") or ctx.configs.trust.version,
        "expires_at": frozen.get("expires_at") or "2099-01-01T00:00:00Z",
    }
    return {
        "index": index,
        "name": "send_alert",
        "args": alert_args,
        "mutating": False,
        "verdict": "auto",
        "risk": 0.0,
        "reasons": [f"raised because {what} failed: {error}"],
        "approvals_required": 0,
        "approvals": [],
        "digest": _digest(run_id, index, alert_args, request),
        "status": "awaiting_approval",
        "result": None,
        "policy_version": request["policy_version"],
        "request": request,
        "tool": "send_alert",
        "tool_args": alert_args,
        "raised_by": failed["index"],
    }


def _digest(run_id: str, index: int, args: dict[str, Any], request: dict[str, Any]) -> str:
    """Like the trust node's digest: over the action, the run, the nonce, the cluster, the policy, the expiry."""
    try:
        return request_digest(ActionRequest(run_id=run_id, action_index=index, name="send_alert", args=args,
                                            **request))
    except ValueError:
        return sha256_hex(canonical_json({"domain": "openclaw.alert/v1", "run_id": run_id, "action_index": index,
                                          "args": args, "nonce": request["nonce"]}))
