"""Node 2 of the pipeline: the Intent Classifier.

Fast path: when the rules classifier is confident (``fast_path.intent_confidence``),
no LLM is asked. Otherwise the intent chain of routing.yaml is walked.
"""

from __future__ import annotations

import time
from typing import Any

from langgraph.runtime import Runtime

from openclaw.config.routing import ModelRef
from openclaw.nodes.fallback import answered_at_fast_path, step
from openclaw.nodes.state import PipelineContext, PipelineState, incident_of
from openclaw.providers.base import IntentAnswer, Provider

NODE = "classify_intent"


async def classify_intent(state: PipelineState, runtime: Runtime[PipelineContext]) -> dict[str, Any]:
    ctx = runtime.context
    incident = incident_of(state)
    routing = ctx.configs.routing
    if NODE not in state.get("cursor", {}):
        started = time.perf_counter()
        guess = ctx.registry.rules.intent(incident)
        if guess.confidence >= routing.fast_path.intent_confidence:
            update = answered_at_fast_path(NODE, started)
            update["intent"] = {"task_type": guess.task_type, "confidence": guess.confidence, "provider": "rules"}
            return update

    async def ask(provider: Provider, ref: ModelRef, timeout_s: float) -> IntentAnswer:
        return await provider.classify_intent(incident, model=ref.model, timeout_s=timeout_s)

    def rules_answer() -> IntentAnswer:
        guess = ctx.registry.rules.intent(incident)
        return IntentAnswer(guess.task_type, guess.confidence)

    result = await step(state, ctx, node=NODE, chain=routing.node_chain(NODE), ask=ask, rules_answer=rules_answer)
    if result.answer is not None:
        task_type = result.answer.task_type
        if incident.is_alert and task_type in ("general_chat", "code_generation"):
            task_type = "incident_analysis"  # an alert is structured input, never chat
        result.update["intent"] = {
            "task_type": task_type,
            "confidence": round(float(result.answer.confidence), 4),
            "provider": result.answered_by.provider,
        }
    return result.update
