"""The model router: one attempt at one provider of a chain, with its failure recorded.

The graph walks a chain one provider per step (a conditional edge loops back into
the same node); :meth:`Router.attempt` makes the attempt for the current step,
bounds it by the per-attempt timeout and the incident deadline, and turns every
failure into an ``attempts[]`` record with the right ``outcome``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from openclaw.config.routing import ModelRef
from openclaw.errors import ProviderError, ProviderTimeout
from openclaw.providers.base import Provider
from openclaw.providers.registry import ProviderRegistry

T = TypeVar("T")
Ask = Callable[[Provider, ModelRef, float], Awaitable[T]]


@dataclass
class AttemptResult(Generic[T]):
    answer: T | None
    attempts: list[dict[str, Any]] = field(default_factory=list)
    next_index: int = 0
    answered_by: ModelRef | None = None


def attempt_record(node: str, ref: ModelRef, outcome: str, started: float, error: str | None = None) -> dict[str, Any]:
    return {
        "node": node,
        "provider": ref.provider,
        "model": ref.model,
        "outcome": outcome,
        "latency_ms": round((time.perf_counter() - started) * 1000, 3),
        "error": error,
    }


class Router:
    """Makes one attempt per graph step; the graph decides what comes next."""

    def __init__(self, registry: ProviderRegistry, *, attempt_timeout_s: float) -> None:
        self.registry = registry
        self.attempt_timeout_s = attempt_timeout_s

    async def attempt(
        self, node: str, chain: list[ModelRef], index: int, ask: Ask[T], *, deadline: float
    ) -> AttemptResult[T]:
        """Ask ``chain[index]``; on failure return no answer and ``next_index = index + 1``."""
        ref = chain[index]
        started = time.perf_counter()
        try:
            provider = self.registry.get(ref.provider)
            timeout = max(0.0, min(self.attempt_timeout_s, deadline - time.time()))
            try:
                answer = await asyncio.wait_for(ask(provider, ref, timeout), timeout=timeout)
            except TimeoutError:
                raise ProviderTimeout(f"no answer within {timeout:.1f}s") from None
        except ProviderError as exc:
            return AttemptResult(None, [attempt_record(node, ref, exc.outcome, started, str(exc))], index + 1)
        return AttemptResult(answer, [attempt_record(node, ref, "ok", started)], index + 1, ref)
