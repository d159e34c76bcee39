"""Walking a provider chain one step per graph superstep.

Each LLM node calls :func:`step`. It asks the provider at the node's cursor; on
failure it records the attempt and moves the cursor, and the node's router sends
the graph back into the same node: one superstep per provider actually asked. Vendors
that are not configured are recorded as ``unavailable`` in the same step, without one of
their own, and when nothing configured is left the rules answer in that step too. When the chain is exhausted, or the incident's
deadline has passed, the embedded rules provider answers: a run never stalls because
a vendor is down. The run is marked degraded when the deadline cut the chain short or
a configured vendor failed in any way (a 404 "model not found" included); vendors that are
not configured (no credentials, or ``enabled: false`` in providers.yaml) do not count.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from openclaw.config.routing import ModelRef, RouteRule
from openclaw.nodes.state import PipelineContext, PipelineState
from openclaw.providers.router import Ask, attempt_record

T = TypeVar("T")
RULES = ModelRef(provider="rules", model="embedded")


@dataclass
class Step(Generic[T]):
    answer: T | None
    answered_by: ModelRef | None
    update: dict[str, Any]


async def step(
    state: PipelineState,
    ctx: PipelineContext,
    *,
    node: str,
    chain: list[ModelRef],
    ask: Ask[T],
    rules_answer: Callable[[], T],
    route: RouteRule | None = None,
) -> Step[T]:
    """One step along ``chain`` for ``node``; rules closes the chain."""
    index = state.get("cursor", {}).get(node, 0)
    if chain and chain[0].provider == "rules":
        return _by_rules(node, rules_answer, index, degraded=False)
    if ctx.clock() >= state["deadline_at"] and index < len(chain):
        return _by_rules(node, rules_answer, index, degraded=True)
    skipped, index = ctx.router.skip_unconfigured(node, chain, index)
    if index >= len(chain) or chain[index].provider == "rules":
        return _by_rules(node, rules_answer, index, degraded=vendor_failures(state, ctx, node) > 0, before=skipped)
    result = await ctx.router.attempt(node, chain, index, ask, deadline=state["deadline_at"], route=route)
    attempts = skipped + result.attempts
    if result.answer is None:  # the vendors left unconfigured after this one cost no superstep either
        more, after = ctx.router.skip_unconfigured(node, chain, result.next_index)
        if after >= len(chain) or chain[after].provider == "rules":
            seen: PipelineState = {**state, "attempts": [*state.get("attempts", []), *attempts, *more]}
            return _by_rules(node, rules_answer, after, degraded=vendor_failures(seen, ctx, node) > 0,
                             before=attempts + more)
    update: dict[str, Any] = {"attempts": attempts, "cursor": {node: result.next_index}}
    return Step(result.answer, result.answered_by, update)


def vendor_failures(state: PipelineState, ctx: PipelineContext, node: str) -> int:
    """How many attempts of configured vendors failed in ``node`` (whatever the outcome, ``unavailable``
    from a 4xx included). A vendor the registry does not have configured (no credentials, or disabled
    in providers.yaml) is not a degradation: rules is then simply the provider in use."""
    configured = ctx.registry.configured
    return sum(
        1 for a in state.get("attempts", [])
        if a.get("node") == node and a.get("outcome") != "ok" and a.get("provider") != "rules"
        and (a.get("outcome") != "unavailable" or configured(a.get("provider", "")))
    )  # fmt: skip


def _by_rules(node: str, rules_answer: Callable[[], T], index: int, *, degraded: bool,
              before: list[dict[str, Any]] = ()) -> Step[T]:  # type: ignore[assignment]
    started = time.perf_counter()
    answer = rules_answer()
    update: dict[str, Any] = {
        "attempts": [*before, attempt_record(node, RULES, "ok", started)],
        "cursor": {node: index},
    }
    if degraded:
        update["degraded"] = True
    return Step(answer, RULES, update)


def answered_at_fast_path(node: str, started: float) -> dict[str, Any]:
    """The state update when rules answered confidently before any LLM was asked."""
    return {"attempts": [attempt_record(node, RULES, "ok", started)], "cursor": {node: 0}}
