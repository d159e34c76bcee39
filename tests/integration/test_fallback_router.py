"""The router's fallback semantics with real providers against the simulator, on a fake clock.

Covers: a 429 whose Retry-After fits is slept out and retried on the same provider (both
attempts recorded); one that does not fit one attempt timeout, or the deadline, passes the
turn at once; connection refused passes the turn at once; a 401 takes the provider out of
rotation (no request) until the cooldown ends; the breaker opens after consecutive
failures, refuses without a request, lets one probe through after its cooldown and
closes on success; budget_exceeded at once, or a wait when the route says
wait_for_budget; hedging: a slow primary is raced by the next provider, the winner's
answer is used, the loser is cancelled and recorded, next_index moves past both; a
primary that answers (or fails with a 4xx) before the hedge delay never starts the
second; a stalled attempt is cut at the attempt timeout (asked with that timeout, and cut
long before the stall ends); a 429 retry is asked with only what is left of the first
attempt's timeout; the route is found by its chain.

Nothing here depends on the machine's speed: breakers, cooldowns, Retry-After waits and
the incident deadline run on a fake clock (the router's ``clock``, ``wall`` and ``sleep``),
attempt timeouts are far longer than a loopback answer takes except where a stall is cut,
stalls are far longer than the timeout that cuts them, and the timeouts the router grants
are read from what it passed to the provider, not from elapsed time.
"""

from __future__ import annotations

import pytest

from openclaw.config.routing import ModelRef, RouteRule
from openclaw.models.incident import Incident
from openclaw.providers.budget import RateBudget
from openclaw.providers.config import BreakerConfig, ProviderConfig, ProvidersConfig
from openclaw.providers.openai_compat import openai_compat_provider
from openclaw.providers.registry import ProviderRegistry
from openclaw.providers.router import Router
from openclaw.settings import load_settings
from openclaw.testing.llm_sim import (
    HTTPError,
    LLMSimulator,
    Stall,
    ToolCall,
    auth_error,
    rate_limited,
    refused_url,
    server_error,
)

pytestmark = pytest.mark.asyncio

RESTART = ToolCall("restart_deployment", {"deployment": "awoooi-api", "namespace": "awoooi-prod"})
INCIDENT = Incident(description="please restart the awoooi-api deployment")
CHAIN = [ModelRef(provider="nim", model="m"), ModelRef(provider="gemini", model="m"), ModelRef(provider="claude", model="m")]
ATTEMPT_TIMEOUT_S = 30.0
"""Far beyond what a loopback answer takes, even on a loaded machine."""
CFG = ProviderConfig(kind="openai_compat", breaker=BreakerConfig(failures=2, cooldown_s=30), auth_cooldown_s=300)


class FakeClock:
    def __init__(self) -> None:
        self.now = 5000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def sim():
    with LLMSimulator() as s:
        yield s


@pytest.fixture
def clock():
    return FakeClock()


def make_router(sim, clock, *, urls=None, budgets=None, attempt_timeout_s=ATTEMPT_TIMEOUT_S):
    urls = urls or {}
    budgets = budgets or {}

    def factory(name):
        return lambda: openai_compat_provider(
            name, base_url=urls.get(name) or sim.openai_url(name), api_key="k", config=CFG,
            budget=budgets.get(name) or RateBudget(name, clock=clock, sleep=clock.sleep),
        )  # fmt: skip

    registry = ProviderRegistry(load_settings(environ={}), {n: factory(n) for n in ("nim", "gemini", "claude")})
    providers = ProvidersConfig(providers={n: CFG for n in ("nim", "gemini", "claude")})
    return Router(registry, attempt_timeout_s=attempt_timeout_s, providers=providers, clock=clock, wall=clock,
                  sleep=clock.sleep)


async def ask(provider, ref, timeout_s):
    return await provider.decide(INCIDENT, "tool_calling", "simple", model=ref.model, timeout_s=timeout_s)


async def step(router, index=0, *, route=None, deadline=None, timeouts=None):
    """One turn; the deadline is on the router's (fake) wall clock; ``timeouts`` collects each ask's timeout_s."""

    async def asked(provider, ref, timeout_s):
        if timeouts is not None:
            timeouts.append(timeout_s)
        return await ask(provider, ref, timeout_s)

    deadline = router.wall() + 600 if deadline is None else deadline
    return await router.attempt("decide", CHAIN, index, asked, deadline=deadline, route=route)


def outcomes(result):
    return [(a["provider"], a["outcome"]) for a in result.attempts]


async def test_429_that_fits_is_retried_on_the_same_provider(sim, clock):
    sim.enqueue(rate_limited(0.25), RESTART, prefix="nim")
    router = make_router(sim, clock)
    result = await step(router)
    assert outcomes(result) == [("nim", "rate_limited"), ("nim", "ok")]
    assert clock.slept == [0.25]
    assert result.answered_by == CHAIN[0] and result.next_index == 1
    await router.registry.aclose()


async def test_a_429_retry_never_costs_more_than_one_attempt_timeout(sim, clock):
    """The retry is asked with what is left of the first attempt's timeout after the Retry-After wait."""
    sim.enqueue(rate_limited(20), RESTART, prefix="nim")
    router = make_router(sim, clock)
    timeouts: list[float] = []
    result = await step(router, timeouts=timeouts)
    assert outcomes(result) == [("nim", "rate_limited"), ("nim", "ok")]
    assert clock.slept == [20]  # the fake sleep takes no real time
    first, retry = timeouts
    assert first == ATTEMPT_TIMEOUT_S
    assert 0 < retry <= ATTEMPT_TIMEOUT_S - 20  # minus the wait, and minus the first attempt's (real) time
    assert result.next_index == 1
    await router.registry.aclose()


@pytest.mark.parametrize(("retry_after", "deadline_in"), [(ATTEMPT_TIMEOUT_S * 2, 600), (ATTEMPT_TIMEOUT_S * 0.8, 20)],
                         ids=["longer-than-timeout", "past-deadline"])
async def test_429_that_does_not_fit_passes_the_turn_at_once(sim, clock, retry_after, deadline_in):
    """past-deadline: the wait fits the attempt timeout but ends after the deadline (20 s on the fake
    wall clock, which stands still: the attempt itself still has 20 real seconds)."""
    sim.enqueue(rate_limited(retry_after), prefix="nim")
    router = make_router(sim, clock)
    result = await step(router, deadline=clock.now + deadline_in)
    assert outcomes(result) == [("nim", "rate_limited")]
    assert result.answer is None and result.next_index == 1
    assert clock.slept == []
    await router.registry.aclose()


async def test_connection_refused_passes_the_turn(sim, clock):
    sim.enqueue(RESTART, prefix="gemini")
    router = make_router(sim, clock, urls={"nim": refused_url() + "/v1"})
    first = await step(router)
    assert outcomes(first) == [("nim", "connection_error")]
    second = await step(router, first.next_index)
    assert outcomes(second) == [("gemini", "ok")]
    await router.registry.aclose()


async def test_auth_error_takes_the_provider_out_of_rotation(sim, clock):
    sim.enqueue(auth_error(401), prefix="nim")
    sim.set_default(RESTART, prefix="nim")
    router = make_router(sim, clock)
    assert outcomes(await step(router)) == [("nim", "auth_error")]
    refused = await step(router)
    assert outcomes(refused) == [("nim", "auth_error")]
    assert "out of rotation" in refused.attempts[0]["error"]
    assert len(sim.chat_requests("nim")) == 1
    clock.now += 300
    assert outcomes(await step(router)) == [("nim", "ok")]
    await router.registry.aclose()


async def test_breaker_opens_then_probes_once_and_closes(sim, clock):
    sim.enqueue(server_error(503), server_error(500), prefix="nim")
    sim.set_default(RESTART, prefix="nim")
    router = make_router(sim, clock)
    assert outcomes(await step(router)) == [("nim", "server_error")]
    assert outcomes(await step(router)) == [("nim", "server_error")]
    assert outcomes(await step(router)) == [("nim", "circuit_open")]
    assert len(sim.chat_requests("nim")) == 2
    clock.now += 30
    assert outcomes(await step(router)) == [("nim", "ok")]  # the probe
    assert router.guard("nim").breaker.state == "closed"
    await router.registry.aclose()


async def test_budget_exceeded_or_waited_for_per_route(sim, clock):
    sim.set_default(RESTART, prefix="nim")
    budget = RateBudget("nim", rpm=1, clock=clock, sleep=clock.sleep)
    router = make_router(sim, clock, budgets={"nim": budget}, attempt_timeout_s=60)
    plain = RouteRule(primary=CHAIN[0], fallback=CHAIN[1:])
    waiting = RouteRule(primary=CHAIN[0], fallback=CHAIN[1:], wait_for_budget=True)
    assert outcomes(await step(router, route=plain)) == [("nim", "ok")]
    over = await step(router, route=plain)
    assert outcomes(over) == [("nim", "budget_exceeded")] and over.next_index == 1
    assert outcomes(await step(router, route=waiting)) == [("nim", "ok")]
    assert clock.slept == [pytest.approx(60)]
    assert len(sim.chat_requests("nim")) == 2
    await router.registry.aclose()


async def test_hedging_races_a_slow_primary(sim, clock):
    sim.enqueue(Stall(120, then=RESTART), prefix="nim")  # cancelled when gemini wins, long before it ends
    sim.enqueue(RESTART, prefix="gemini")
    router = make_router(sim, clock)
    route = RouteRule(primary=CHAIN[0], fallback=CHAIN[1:], hedge_after_ms=50)
    result = await step(router, route=route)
    assert result.answered_by == CHAIN[1]
    assert result.answer.tool_calls[0].name == "restart_deployment"
    assert sorted(outcomes(result)) == [("gemini", "ok"), ("nim", "timeout")]
    loser = next(a for a in result.attempts if a["provider"] == "nim")
    assert "gemini/m answered first" in loser["error"]
    assert result.next_index == 2
    await router.registry.aclose()


async def test_no_hedge_when_the_primary_answers_or_fails_fast(sim, clock):
    sim.enqueue(RESTART, HTTPError(400, "bad request"), prefix="nim")
    sim.set_default(RESTART, prefix="gemini")
    router = make_router(sim, clock)
    route = RouteRule(primary=CHAIN[0], fallback=CHAIN[1:], hedge_after_ms=int(ATTEMPT_TIMEOUT_S * 1000))
    answered = await step(router, route=route)
    assert outcomes(answered) == [("nim", "ok")] and answered.next_index == 1
    failed = await step(router, route=route)
    assert outcomes(failed) == [("nim", "unavailable")] and failed.next_index == 1
    assert sim.chat_requests("gemini") == []
    await router.registry.aclose()


async def test_a_stall_is_cut_at_the_attempt_timeout(sim, clock):
    sim.enqueue(Stall(120), prefix="nim")
    router = make_router(sim, clock, attempt_timeout_s=0.3)
    timeouts: list[float] = []
    result = await step(router, timeouts=timeouts)
    assert outcomes(result) == [("nim", "timeout")] and result.answer is None
    # The promise: a vendor fault costs the attempt timeout, not the stall, before the next provider.
    assert timeouts == [0.3]
    assert result.attempts[0]["latency_ms"] < 60_000  # cut, not waited out (however loaded the machine)
    await router.registry.aclose()


async def test_route_is_found_by_its_chain(tmp_path, clock):
    import shutil

    import yaml

    from openclaw.config.routing import with_model_overrides
    from openclaw.settings import shipped_config_dir

    shutil.copytree(shipped_config_dir(), tmp_path / "cfg")
    routing = yaml.safe_load((tmp_path / "cfg" / "routing.yaml").read_text())
    routing["routes"]["incident_analysis"]["hedge_after_ms"] = 250
    routing["routes"]["incident_analysis"]["wait_for_budget"] = True
    (tmp_path / "cfg" / "routing.yaml").write_text(yaml.safe_dump(routing))
    settings = load_settings(config_dir=tmp_path / "cfg", environ={"NEMOTRON_REASONING_MODEL": "nvidia/other-70b"})
    router = Router(ProviderRegistry(settings), attempt_timeout_s=1, clock=clock)
    from openclaw.config import load_configs

    rule = load_configs(settings.config_dir).routing.routes["incident_analysis"]
    chain = with_model_overrides(rule.chain, settings.model_overrides())
    assert "nim/nvidia/other-70b" in [str(ref) for ref in chain]
    assert router.policy("decide", chain).hedge_after_ms == 250
    assert router.policy("decide", chain).wait_for_budget is True
    assert router.policy("classify_intent", chain).hedge_after_ms is None
