"""Node 4 of the pipeline: the Decision Manager.

The route for the incident's task type (routing.yaml) names the providers in order.
When a provider is configured, it decides; ``rules`` decides only when the chain is
exhausted, the deadline has passed, or the route names ``rules`` first.

For an alert, decide is a loop (see :mod:`openclaw.nodes.evidence`): while the alert's catalog
entry has reads to make, the embedded rules ask for them; then the provider sees the alert
structured with every read's result (its tool-calling loop: it may ask for more reads), and its
answer is shaped by :func:`openclaw.alerts.planner.shape` into a round of reads or a screened
final decision. An alert the catalog does not know is the model's to explore from the start.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from openclaw.alerts.evidence import kind_of
from openclaw.alerts.planner import AlertContext, shape
from openclaw.config.routing import ModelRef, with_model_overrides
from openclaw.nodes import evidence
from openclaw.nodes.fallback import RULES, step
from openclaw.nodes.state import PipelineContext, PipelineState, incident_of
from openclaw.providers.base import DecisionAnswer, Provider

NODE = "decide"


def decision_chain(ctx: PipelineContext, task_type: str) -> list[ModelRef]:
    return with_model_overrides(ctx.configs.routing.node_chain(NODE, task_type), ctx.settings.model_overrides())


def catalog_reads_pending(actx: AlertContext) -> bool:
    """Whether the alert's catalog entry still has reads to make this round (the embedded rules ask for them)."""
    return actx.entry is not None and not actx.no_action and bool(actx.next_reads().reads)


async def decide(state: PipelineState, runtime: Runtime[PipelineContext]) -> dict[str, Any]:
    ctx = runtime.context
    incident = incident_of(state)
    task_type = state["intent"]["task_type"]
    level = state["complexity"]["level"]
    chain = decision_chain(ctx, task_type)
    actx = evidence.alert_context(state, ctx, incident) if incident.is_alert else None
    context = evidence.decide_context(actx, state) if actx is not None else None

    async def ask(provider: Provider, ref: ModelRef, timeout_s: float) -> DecisionAnswer:
        return await provider.decide(incident, task_type, level, model=ref.model, timeout_s=timeout_s,
                                     context=context)

    def rules_answer() -> DecisionAnswer:
        if context is not None:
            return ctx.registry.rules.alert_decision(context)
        return ctx.registry.rules.decision(incident, task_type)

    route = ctx.configs.routing.routes[task_type]
    # A known alert's reads come from its catalog entry: the model is asked once they are in (and may read
    # more), so a storm costs one LLM decision per subject, not one per round.
    asking = [RULES] if actx is not None and catalog_reads_pending(actx) else chain
    result = await step(state, ctx, node=NODE, chain=asking, ask=ask, rules_answer=rules_answer, route=route)
    update = result.update
    if NODE not in state.get("cursor", {}):
        closing = [] if chain and chain[0].provider == "rules" else ["rules/embedded"]
        update["route"] = {"task_type": task_type, "chain": [str(ref) for ref in chain] + closing}
        if actx is not None:
            update["subject"] = actx.subject.as_dict()
    if result.answer is not None:
        answer, ref = result.answer, result.answered_by
        calls = [{"id": call.id or f"call-{i}", "name": call.name, "args": dict(call.args)}
                 for i, call in enumerate(answer.tool_calls)]
        decision: dict[str, Any] = {"provider": ref.provider, "model": ref.model, "tool_calls": calls,
                                    "reply": answer.reply}
        if actx is not None:
            shaped = shape(actx, calls, answer.reply, kind_of=kind_of)
            decision.update(tool_calls=shaped.tool_calls, reply=shaped.reply, phase=shaped.phase,
                            rests_on=shaped.rests_on, withheld=shaped.withheld, purposes=shaped.purposes)
        decision["first_index"] = len(state.get("actions", []))
        update["decision"] = decision
    return update
