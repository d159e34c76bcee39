"""Node 7 of the seed's flow: the K8s Executor.

Runs only actions whose verdict is ``auto`` or whose quorum is met, exactly as they
were judged and approved (the frozen typed operation from the trust node; nothing
is re-derived from the LLM's output), in order.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from openclaw.nodes.state import PipelineContext, PipelineState, incident_of

def runnable(action: dict[str, Any]) -> bool:
    return action["status"] == "awaiting_approval" and (
        action["verdict"] == "auto" or (action["verdict"] == "approval" and bool(action.get("approved")))
    )


async def execute(state: PipelineState, runtime: Runtime[PipelineContext]) -> dict[str, Any]:
    ctx = runtime.context
    incident = incident_of(state)
    actions = []
    for action in state.get("actions", []):
        if not runnable(action):
            actions.append(action)
            continue
        outcome = await ctx.executor.run(
            action["tool"], action["tool_args"], namespace=incident.effective_namespace, incident_id=incident.id
        )
        actions.append({**action, "status": outcome.status, "result": outcome.result})
    return {"actions": actions}
