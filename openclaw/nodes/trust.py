"""Node 5 of the seed's flow: the Trust Engine turns the decision into judged actions.

Each tool call becomes an action with a verdict (auto, approval, deny), a risk
score, the reasons, and the frozen request an approver signs (its digest covers the
action, the run, a nonce, the cluster, the policy version and the expiry).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from langgraph.runtime import Runtime

from openclaw.approvals.digest import ActionRequest, canonical_json, iso_utc, request_digest, sha256_hex
from openclaw.nodes.state import PipelineContext, PipelineState, incident_of
from openclaw.trust.actions import propose
from openclaw.trust.engine import evaluate

# Until execute has run them, auto actions wait with the run (a paused run holds them all).
_INITIAL_STATUS = {"deny": "denied", "approval": "awaiting_approval", "auto": "awaiting_approval"}


async def trust(state: PipelineState, runtime: Runtime[PipelineContext]) -> dict[str, Any]:
    ctx = runtime.context
    incident = incident_of(state)
    policy = ctx.configs.trust
    calls = (state.get("decision") or {}).get("tool_calls", [])
    expires_at = iso_utc(datetime.fromtimestamp(ctx.clock(), UTC) + timedelta(seconds=policy.approvals.request_ttl_s))
    cluster = ctx.executor.identity
    actions = []
    for index, call in enumerate(calls):
        proposed = propose(call["name"], call["args"], default_namespace=incident.effective_namespace)
        verdict = evaluate(proposed, policy)
        request = {
            "nonce": secrets.token_hex(16),
            "cluster": cluster,
            "policy_version": policy.version,
            "expires_at": expires_at,
        }
        digest = _digest(state["run_id"], index, proposed.name, proposed.args, request)
        actions.append(
            {
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
        )
    return {"actions": actions}


def _digest(run_id: str, index: int, name: str, args: dict[str, Any], request: dict[str, Any]) -> str:
    """The approval digest; an action too malformed to be a request (it is denied) still gets a stable hash."""
    try:
        return request_digest(ActionRequest(run_id=run_id, action_index=index, name=name, args=args, **request))
    except ValueError:
        return sha256_hex(canonical_json({"domain": "openclaw.invalid-action/v1", "run_id": run_id,
                                          "action_index": index, "name": repr(name), "args": repr(args)}))
