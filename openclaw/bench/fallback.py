"""``openclaw bench fallback``: decision latency under injected provider faults, three strategies.

A loopback simulator plays two OpenAI-compatible vendors through the real clients
(``ChatOpenAI``): the primary (``nim``) stalls past the attempt timeout or answers
429 (with ``Retry-After``) on a fraction of requests, half each; the secondary
(``gemini``) always answers. Each strategy decides the same incidents:

- ``naive``: sequential retry, as an SDK's ``max_retries=2`` would do it: up to three
  tries at the primary (a stall costs one attempt timeout, a 429 is slept out), then
  the secondary.
- ``fallback``: the router: one attempt at the primary, then the secondary at once
  (429 retried only when its Retry-After ends inside the attempt timeout).
- ``hedged``: the router with ``hedge_after_ms``: the secondary starts when the primary
  has not answered after that long; the first valid answer wins.

Figures are end-to-end per decision (ms); the goal is p99(hedged) <= 0.5 x p99(naive).
Each strategy gets its own simulator, stopped (which wakes its stalled requests) before the
next one starts, so the figures do not depend on the order the strategies run in.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from openclaw.bench.stats import median, percentile
from openclaw.config.routing import ModelRef, RouteRule
from openclaw.errors import ProviderError, ProviderRateLimited
from openclaw.models.incident import Incident
from openclaw.providers.base import DecisionAnswer, Provider
from openclaw.providers.registry import ProviderRegistry
from openclaw.providers.router import Router
from openclaw.providers.vendors import VENDORS
from openclaw.settings import load_settings

PRIMARY, SECONDARY = "nim", "gemini"
"""The two OpenAI-compatible vendors of the scenario, both served by the simulator."""

STRATEGIES = ("naive", "fallback", "hedged")
MODEL = "bench-model"
INCIDENT = Incident(id="bench-fallback", description="The API is not responding, please restart the awoooi-api deployment")


@dataclass(frozen=True)
class FallbackBenchConfig:
    requests: int = 100
    """Decisions per strategy."""
    fault_rate: float = 0.2
    """Fraction of primary requests that fault (half stall, half 429)."""
    attempt_timeout_ms: int = 300
    stall_ms: int = 1000
    """How long a stalled primary request hangs (longer than the attempt timeout)."""
    retry_after_s: float = 1.0
    """Retry-After sent with the primary's 429s."""
    hedge_after_ms: int = 100
    concurrency: int = 10
    """Decisions in flight at once (latencies are still per decision)."""
    seed: int = 7
    naive_tries: int = 3


def _scripts(sim: Any, cfg: FallbackBenchConfig, strategy: str) -> None:
    from openclaw.testing.llm_sim import Stall, ToolCall, rate_limited

    good = ToolCall("restart_deployment", {"deployment": "awoooi-api", "namespace": "awoooi-prod"})
    rng = random.Random(cfg.seed)
    stall = Stall(cfg.stall_ms / 1000, then=good)
    limited = rate_limited(cfg.retry_after_s)

    def primary(_body: dict) -> Any:
        draw = rng.random()
        if draw < cfg.fault_rate / 2:
            return stall
        if draw < cfg.fault_rate:
            return limited
        return good

    sim.set_hook(primary, prefix=f"{strategy}-primary")
    sim.set_default(good, prefix=f"{strategy}-secondary")


async def _naive(registry: ProviderRegistry, cfg: FallbackBenchConfig) -> DecisionAnswer | None:
    timeout = cfg.attempt_timeout_ms / 1000
    for name, tries in ((PRIMARY, cfg.naive_tries), (SECONDARY, 1)):
        provider: Provider = registry.get(name)
        for _ in range(tries):
            try:
                return await asyncio.wait_for(
                    provider.decide(INCIDENT, "tool_calling", "simple", model=MODEL, timeout_s=timeout), timeout
                )
            except TimeoutError:
                continue
            except ProviderRateLimited as exc:
                await asyncio.sleep(exc.retry_after or 0)
            except ProviderError:
                continue
    return None


async def _routed(router: Router, chain: list[ModelRef], route: RouteRule, cfg: FallbackBenchConfig) -> Any:
    async def ask(provider: Provider, ref: ModelRef, timeout_s: float) -> DecisionAnswer:
        return await provider.decide(INCIDENT, "tool_calling", "simple", model=ref.model, timeout_s=timeout_s)

    deadline = time.time() + 30
    index = 0
    while index < len(chain):
        result = await router.attempt("decide", chain, index, ask, deadline=deadline, route=route)
        if result.answer is not None:
            return result.answer
        index = result.next_index
    return None  # rules would answer here


async def _warm_up(sim: Any, registry: ProviderRegistry, strategy: str, concurrency: int) -> None:
    """Unmeasured requests that open ``concurrency`` keep-alive connections per vendor, answered from the
    scripts' queues (no fault is drawn): client and connection set-up are not decision latency."""
    from openclaw.testing.llm_sim import ToolCall

    good = ToolCall("restart_deployment", {"deployment": "awoooi-api", "namespace": "awoooi-prod"})
    for name, prefix in ((PRIMARY, f"{strategy}-primary"), (SECONDARY, f"{strategy}-secondary")):
        sim.enqueue(*[good] * concurrency, prefix=prefix)
        provider = registry.get(name)
        await asyncio.gather(
            *(provider.decide(INCIDENT, "tool_calling", "simple", model=MODEL, timeout_s=10) for _ in range(concurrency))
        )


def _environ(sim: Any, strategy: str) -> dict[str, str]:
    primary, secondary = VENDORS[PRIMARY], VENDORS[SECONDARY]
    env = {
        primary.key_env or "": "bench", primary.base_url_env: sim.openai_url(f"{strategy}-primary"),
        secondary.key_env or "": "bench", secondary.base_url_env: sim.openai_url(f"{strategy}-secondary"),
    }
    # The bench measures fault handling, not the free-tier budget.
    for var, value in ((primary.rpm_env, "1000000"), (primary.tpm_env, "1000000000")):
        if var:
            env[var] = value
    return env


async def _measure(strategy: str, sim: Any, cfg: FallbackBenchConfig, home: str) -> dict[str, Any]:
    from openclaw.wiring import build_registry

    _scripts(sim, cfg, strategy)
    settings = load_settings(
        home=home,
        environ=_environ(sim, strategy),
    )
    registry = build_registry(settings)
    router = Router(registry, attempt_timeout_s=cfg.attempt_timeout_ms / 1000)
    chain = [ModelRef(provider=PRIMARY, model=MODEL), ModelRef(provider=SECONDARY, model=MODEL)]
    route = RouteRule(
        primary=chain[0], fallback=chain[1:], hedge_after_ms=cfg.hedge_after_ms if strategy == "hedged" else None
    )
    await _warm_up(sim, registry, strategy, cfg.concurrency)
    gate = asyncio.Semaphore(cfg.concurrency)
    latencies: list[float] = []
    unanswered = 0

    async def one() -> None:
        nonlocal unanswered
        async with gate:
            started = time.perf_counter()
            answer = await (_naive(registry, cfg) if strategy == "naive" else _routed(router, chain, route, cfg))
            latencies.append((time.perf_counter() - started) * 1000)
            unanswered += answer is None

    try:
        await asyncio.gather(*(one() for _ in range(cfg.requests)))
    finally:
        await registry.aclose()
    return {
        "p50_ms": round(percentile(latencies, 50), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "median_ms": round(median(latencies), 1),
        "max_ms": round(max(latencies), 1),
        "unanswered": unanswered,
    }


async def run_bench(
    cfg: FallbackBenchConfig = FallbackBenchConfig(), *, simulator: Callable[[], Any] | None = None
) -> dict[str, Any]:
    """Run the three strategies, each against a fresh simulator; return the figures (one JSON object).

    ``simulator`` builds the simulator (default :class:`openclaw.testing.llm_sim.LLMSimulator`)."""
    from openclaw.testing.llm_sim import LLMSimulator

    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="openclaw-bench-") as home:
        for strategy in STRATEGIES:
            # A fresh simulator per strategy: stalls left over from one strategy must not hold server
            # threads (and the GIL) while the next is measured; stop() wakes them.
            with (simulator or LLMSimulator)() as sim:
                results[strategy] = await _measure(strategy, sim, cfg, home)
    naive_p99 = results["naive"]["p99_ms"]
    ratio = round(results["hedged"]["p99_ms"] / naive_p99, 3) if naive_p99 else None
    return {
        "requests": cfg.requests,
        "fault_rate": cfg.fault_rate,
        "attempt_timeout_ms": cfg.attempt_timeout_ms,
        "stall_ms": cfg.stall_ms,
        "retry_after_s": cfg.retry_after_s,
        "hedge_after_ms": cfg.hedge_after_ms,
        "concurrency": cfg.concurrency,
        "strategies": results,
        "hedged_vs_naive_p99": ratio,
        "goal_met": ratio is not None and ratio <= 0.5,
    }
