"""Node 3 of the pipeline: the Complexity Analyzer (fast path as for intent)."""

from __future__ import annotations

import time
from typing import Any

from langgraph.runtime import Runtime

from openclaw.config.routing import ModelRef
from openclaw.nodes.fallback import answered_at_fast_path, step
from openclaw.nodes.state import PipelineContext, PipelineState, incident_of
from openclaw.providers.base import ComplexityAnswer, Provider

NODE = "analyze_complexity"


async def analyze_complexity(state: PipelineState, runtime: Runtime[PipelineContext]) -> dict[str, Any]:
    ctx = runtime.context
    incident = incident_of(state)
    task_type = state["intent"]["task_type"]
    routing = ctx.configs.routing
    if NODE not in state.get("cursor", {}):
        started = time.perf_counter()
        guess = ctx.registry.rules.complexity(incident, task_type)
        if guess.confidence >= routing.fast_path.complexity_confidence:
            update = answered_at_fast_path(NODE, started)
            update["complexity"] = {"level": guess.level, "score": round(guess.score, 4), "provider": "rules"}
            return update

    async def ask(provider: Provider, ref: ModelRef, timeout_s: float) -> ComplexityAnswer:
        return await provider.analyze_complexity(incident, task_type, model=ref.model, timeout_s=timeout_s)

    def rules_answer() -> ComplexityAnswer:
        guess = ctx.registry.rules.complexity(incident, task_type)
        return ComplexityAnswer(guess.level, guess.score)

    result = await step(state, ctx, node=NODE, chain=routing.node_chain(NODE), ask=ask, rules_answer=rules_answer)
    if result.answer is not None:
        result.update["complexity"] = {
            "level": result.answer.level,
            "score": round(float(result.answer.score), 4),
            "provider": result.answered_by.provider,
        }
    return result.update
