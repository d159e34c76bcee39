"""The model router: one step along a provider chain, with every attempt and its outcome recorded.

The graph walks a chain one step per superstep (a conditional edge loops back into the
same node); :meth:`Router.attempt` makes the step's attempt(s) and decides nothing else:

- **Timeouts.** Each attempt is bounded by ``attempt_timeout_s`` and by the incident
  deadline (epoch seconds), whichever comes first. SDK retries are off.
- **429.** A rate-limited attempt is retried on the same provider after its
  ``Retry-After`` (once) only if the wait ends inside the first attempt's timeout and before
  the deadline; the retry gets what is left of that timeout, so one provider's turn, wait
  included, never costs more than one attempt timeout. Otherwise the next provider gets
  the turn at once.
- **Guards** (per provider, per router, injectable clock): an auth error (401/403)
  takes the provider out of rotation for ``auth_cooldown_s``; a circuit breaker opens
  after consecutive failures and lets one probe through after its cooldown
  (:mod:`openclaw.providers.breaker`). Refusals are recorded as attempts
  (``auth_error`` / ``circuit_open``) without touching the network.
- **Budgets.** A route with ``wait_for_budget: true`` lets the provider wait for its
  RPM/TPM budget (up to one more attempt timeout, within the deadline); otherwise an
  over-budget request fails at once with ``budget_exceeded`` (:mod:`openclaw.providers.budget`).
- **Hedging.** A route with ``hedge_after_ms`` starts the next provider concurrently
  when the current one has not answered after that long; the first valid answer wins,
  the other is cancelled (recorded as ``timeout``, "cancelled: ... answered first"), and
  ``next_index`` moves past both. A fast failure (a 4xx above all) never hedges: it
  falls through to the next step like any failure.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from openclaw.config.routing import ModelRef, RouteRule, RoutingConfig, with_model_overrides
from openclaw.errors import ProviderError, ProviderRateLimited, ProviderTimeout
from openclaw.providers.base import Provider
from openclaw.providers.breaker import AuthCooldown, CircuitBreaker, Clock
from openclaw.providers.budget import BUDGET_WAIT_S
from openclaw.providers.config import ProvidersConfig, load_providers_config
from openclaw.providers.registry import ProviderRegistry

T = TypeVar("T")
Ask = Callable[[Provider, ModelRef, float], Awaitable[T]]
MAX_RATE_LIMIT_RETRIES = 1


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


@dataclass(frozen=True)
class Policy:
    """What the route says about this step."""

    hedge_after_ms: int | None = None
    wait_for_budget: bool = False


class Guard:
    """One provider's breaker and auth cooldown."""

    def __init__(self, name: str, providers: ProvidersConfig, clock: Clock) -> None:
        cfg = providers.get(name)
        self.breaker = CircuitBreaker(name, failure_threshold=cfg.breaker.failures, cooldown_s=cfg.breaker.cooldown_s, clock=clock)
        self.auth = AuthCooldown(name, cfg.auth_cooldown_s, clock)

    def admit(self) -> None:
        self.auth.admit()
        self.breaker.admit()

    def record(self, outcome: str, error: str | None) -> None:
        self.auth.record(outcome, error)
        self.breaker.record(outcome)


@dataclass
class _Try:
    """One provider's attempts within a step (more than one after a 429 retry)."""

    ref: ModelRef
    records: list[dict[str, Any]] = field(default_factory=list)
    started: float = 0.0
    in_flight: bool = False
    answer: Any = None


class Router:
    """Makes the attempt(s) of one graph step; the graph decides what comes next."""

    def __init__(
        self,
        registry: ProviderRegistry,
        *,
        attempt_timeout_s: float,
        routing: RoutingConfig | None = None,
        providers: ProvidersConfig | None = None,
        clock: Clock = time.monotonic,
        wall: Clock = time.time,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        """``clock`` drives breakers and cooldowns; ``wall`` (epoch seconds) is compared with deadlines."""
        self.registry = registry
        self.attempt_timeout_s = attempt_timeout_s
        self.clock, self.wall, self.sleep = clock, wall, sleep
        config_dir = registry.settings.config_dir
        self.providers = providers or load_providers_config(config_dir)
        self._routing = routing
        self._routes: dict[tuple[ModelRef, ...], RouteRule] | None = None
        self._guards: dict[str, Guard] = {}

    # --- policy lookup -----------------------------------------------------------------

    def guard(self, name: str) -> Guard:
        guard = self._guards.get(name)
        if guard is None:
            guard = self._guards[name] = Guard(name, self.providers, self.clock)
        return guard

    def policy(self, node: str, chain: list[ModelRef], route: RouteRule | None = None) -> Policy:
        """The route's hedging and budget settings; decide's routes are matched by their chain."""
        if route is None and node == "decide":
            route = self._route_index().get(tuple(chain))
        if route is None:
            return Policy()
        return Policy(route.hedge_after_ms, route.wait_for_budget)

    def _route_index(self) -> dict[tuple[ModelRef, ...], RouteRule]:
        if self._routes is None:
            if self._routing is None:
                from openclaw.config.loader import load_yaml

                self._routing = load_yaml(self.registry.settings.config_dir / "routing.yaml", RoutingConfig)[0]
            overrides = self.registry.settings.model_overrides()
            index: dict[tuple[ModelRef, ...], RouteRule] = {}
            for rule in self._routing.routes.values():
                chain = with_model_overrides(rule.chain, overrides)
                index.setdefault(tuple(chain), rule)  # identical chains: the first route's settings
            self._routes = index
        return self._routes

    # --- one step ----------------------------------------------------------------------

    def skip_unconfigured(self, node: str, chain: list[ModelRef], index: int) -> tuple[list[dict[str, Any]], int]:
        """The ``unavailable`` records of the vendors from ``chain[index]`` on that are not configured (no
        credentials, or disabled), and the index of the first one that is (or of ``rules``, or the end).
        They cost no superstep of their own: nothing is asked."""
        records: list[dict[str, Any]] = []
        while index < len(chain) and chain[index].provider != "rules" and not self.registry.configured(
                chain[index].provider):
            started = time.perf_counter()
            try:
                self.registry.get(chain[index].provider)
                why = f"{chain[index].provider} is not configured"
            except ProviderError as exc:
                why = str(exc)
            records.append(self._with_vendor_model(attempt_record(node, chain[index], "unavailable", started, why)))
            index += 1
        return records, index

    async def attempt(
        self,
        node: str,
        chain: list[ModelRef],
        index: int,
        ask: Ask[T],
        *,
        deadline: float,
        route: RouteRule | None = None,
    ) -> AttemptResult[T]:
        """Ask ``chain[index]`` (and, when hedging, ``chain[index + 1]``); ``next_index`` is past whoever was asked."""
        policy = self.policy(node, chain, route)
        first = _Try(chain[index])
        hedge_to = chain[index + 1] if index + 1 < len(chain) and chain[index + 1].provider != "rules" else None
        if policy.hedge_after_ms is None or hedge_to is None:
            await self._run(node, first, ask, deadline, policy)
            return self._result([first], index + 1)
        return await self._hedged(node, first, _Try(hedge_to), ask, deadline, policy, index)

    async def _hedged(
        self, node: str, first: _Try, second: _Try, ask: Ask[T], deadline: float, policy: Policy, index: int
    ) -> AttemptResult[T]:
        primary = asyncio.ensure_future(self._run(node, first, ask, deadline, policy))
        done, _ = await asyncio.wait({primary}, timeout=policy.hedge_after_ms / 1000)  # type: ignore[operator]
        if done:
            return self._result([first], index + 1)
        tasks = {primary: first, asyncio.ensure_future(self._run(node, second, ask, deadline, policy)): second}
        pending = set(tasks)
        winner: _Try | None = None
        try:
            while pending and winner is None:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                winner = next((tasks[t] for t in done if tasks[t].answer is not None), None)
        finally:
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
            for task in pending:
                loser = tasks[task]
                if loser.in_flight:
                    by = f"{winner.ref} answered first" if winner else "step abandoned"
                    loser.records.append(
                        attempt_record(node, loser.ref, "timeout", loser.started, f"cancelled: {by} (hedged request)")
                    )
                    self.guard(loser.ref.provider).breaker.record("cancelled")
        return self._result([first, second], index + 2)

    def _result(self, tries: list[_Try], next_index: int) -> AttemptResult[Any]:
        winner = next((t for t in tries if t.answer is not None), None)
        records = [self._with_vendor_model(r) for t in tries for r in t.records]
        return AttemptResult(winner.answer if winner else None, records, next_index, winner.ref if winner else None)

    def _with_vendor_model(self, record: dict[str, Any]) -> dict[str, Any]:
        """Add ``vendor_model``, the id sent to the vendor, when a providers.yaml alias renamed the model."""
        config = self.providers.providers.get(record["provider"])
        sent = config.vendor_model(record["model"]) if config is not None else record["model"]
        return {**record, "vendor_model": sent} if sent != record["model"] else record

    async def _run(self, node: str, attempt: _Try, ask: Ask[Any], deadline: float, policy: Policy) -> None:
        """Ask one provider, retrying once after a 429 whose Retry-After fits; records land in ``attempt``."""
        ref = attempt.ref
        left = self.attempt_timeout_s  # the turn's budget: attempts and Retry-After waits come out of it
        for retry in range(MAX_RATE_LIMIT_RETRIES + 1):
            attempt.started = time.perf_counter()
            admitted = False
            try:
                provider = self.registry.get(ref.provider)
                remaining = deadline - self.wall()
                timeout = min(left, remaining)
                if timeout <= 0:
                    raise ProviderTimeout(f"{ref.provider}: not asked, the incident deadline has passed")
                self.guard(ref.provider).admit()
                admitted = True
                budget_wait = max(0.0, min(self.attempt_timeout_s, remaining - timeout)) if policy.wait_for_budget else 0.0
                attempt.in_flight = True
                answer = await self._ask(ask, provider, ref, timeout, budget_wait)
            except ProviderError as exc:
                attempt.in_flight = False
                attempt.records.append(attempt_record(node, ref, exc.outcome, attempt.started, str(exc)))
                if admitted:
                    self.guard(ref.provider).record(exc.outcome, str(exc))
                wait = exc.retry_after if isinstance(exc, ProviderRateLimited) else None
                left -= time.perf_counter() - attempt.started
                if wait is None or retry >= MAX_RATE_LIMIT_RETRIES or not self._fits(wait, left, deadline):
                    return
                await self.sleep(wait)
                left -= wait
                continue
            attempt.in_flight = False
            attempt.answer = answer
            attempt.records.append(attempt_record(node, ref, "ok", attempt.started))
            self.guard(ref.provider).record("ok", None)
            return

    def _fits(self, wait_s: float, left_s: float, deadline: float) -> bool:
        """A Retry-After is honoured when the retry starts inside the turn's budget and before the deadline."""
        return wait_s < left_s and self.wall() + wait_s < deadline

    @staticmethod
    async def _ask(ask: Ask[T], provider: Provider, ref: ModelRef, timeout: float, budget_wait: float) -> T:
        token = BUDGET_WAIT_S.set(budget_wait)
        try:
            try:
                return await asyncio.wait_for(ask(provider, ref, timeout), timeout=timeout + budget_wait)
            except TimeoutError:
                raise ProviderTimeout(f"{ref.provider}: no answer within {timeout:.3g}s") from None
        finally:
            BUDGET_WAIT_S.reset(token)
