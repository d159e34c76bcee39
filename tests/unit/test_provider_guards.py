"""Circuit breaker, auth cooldown and RPM/TPM budgets on a fake clock (no sleeping).

Covers: the breaker opens after N consecutive failures, refuses with CircuitOpen while
open, lets exactly one probe through after the cooldown, closes on a healthy probe and
re-opens on a failed one; neutral outcomes release the probe; a success resets the count.
Auth cooldown refuses for its duration after a 401/403. Budgets: RPM and TPM over a
sliding 60 s window, no consumption on refusal, the wait until the window frees up,
waiting within the allowance (BUDGET_WAIT_S), a request larger than the TPM never fits,
settling to the reported usage; the chars/4 token estimate.
"""

from __future__ import annotations

import asyncio
import math

import pytest

from openclaw.errors import BudgetExceeded, CircuitOpen, ProviderAuthError
from openclaw.providers.breaker import AuthCooldown, CircuitBreaker
from openclaw.providers.budget import BUDGET_WAIT_S, RateBudget, estimate_tokens


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_breaker_opens_after_consecutive_failures_and_probes_once():
    clock = FakeClock()
    breaker = CircuitBreaker("nim", failure_threshold=3, cooldown_s=30, clock=clock)
    for outcome in ("timeout", "server_error"):
        assert breaker.admit() is False
        breaker.record(outcome)
    assert breaker.state == "closed"
    breaker.admit()
    breaker.record("connection_error")
    assert breaker.state == "open"
    with pytest.raises(CircuitOpen, match="3 consecutive failures"):
        breaker.admit()
    clock.now += 29.9
    with pytest.raises(CircuitOpen):
        breaker.admit()
    clock.now += 0.1
    assert breaker.admit() is True  # the probe
    with pytest.raises(CircuitOpen, match="probe is in flight"):
        breaker.admit()
    breaker.record("ok")
    assert breaker.state == "closed" and breaker.failures == 0
    assert breaker.admit() is False


def test_failed_probe_reopens_for_a_full_cooldown():
    clock = FakeClock()
    breaker = CircuitBreaker("nim", failure_threshold=1, cooldown_s=10, clock=clock)
    breaker.admit()
    breaker.record("rate_limited")
    clock.now += 10
    assert breaker.admit() is True
    breaker.record("timeout")
    assert breaker.state == "open"
    clock.now += 9
    with pytest.raises(CircuitOpen):
        breaker.admit()


def test_neutral_outcome_releases_the_probe_and_success_resets_the_count():
    clock = FakeClock()
    breaker = CircuitBreaker("nim", failure_threshold=2, cooldown_s=5, clock=clock)
    breaker.record("timeout")
    breaker.record("ok")
    breaker.record("timeout")
    assert breaker.state == "closed"
    breaker.record("timeout")
    clock.now += 5
    assert breaker.admit() is True
    breaker.record("budget_exceeded")
    assert breaker.admit() is True  # a new probe may go
    breaker.record("invalid_output")  # the vendor answered: healthy
    assert breaker.state == "closed"


def test_auth_cooldown_takes_the_provider_out_of_rotation():
    clock = FakeClock()
    cooldown = AuthCooldown("gemini", 300, clock)
    cooldown.admit()
    cooldown.record("auth_error", "gemini: HTTP 401: Incorrect API key provided")
    with pytest.raises(ProviderAuthError, match="out of rotation.*401"):
        cooldown.admit()
    clock.now += 299
    with pytest.raises(ProviderAuthError):
        cooldown.admit()
    clock.now += 1
    cooldown.admit()
    cooldown.record("server_error", "5xx")
    cooldown.admit()


def test_rpm_budget_refuses_without_consuming_and_says_when():
    clock = FakeClock()
    budget = RateBudget("nim", rpm=2, clock=clock)
    assert budget.try_reserve(10)
    clock.now += 15
    assert budget.try_reserve(10)
    assert budget.try_reserve(10) is None
    assert budget.wait_needed(10) == pytest.approx(45)
    clock.now += 45
    assert budget.try_reserve(10) is not None
    assert budget.try_reserve(10) is None


def test_tpm_budget_counts_estimated_tokens_and_settles_to_usage():
    clock = FakeClock()
    budget = RateBudget("nim", tpm=1000, clock=clock)
    first = budget.try_reserve(600)
    assert budget.try_reserve(500) is None
    budget.settle(first, 300)  # the vendor reported fewer tokens than estimated
    assert budget.try_reserve(500) is not None
    assert budget.wait_needed(1001) == math.inf


@pytest.mark.asyncio
async def test_reserve_waits_only_within_the_allowance():
    clock = FakeClock()
    budget = RateBudget("nim", rpm=1, clock=clock, sleep=clock.sleep)
    await budget.reserve(1)
    with pytest.raises(BudgetExceeded, match="1 RPM.*fits in 60.0s"):
        await budget.reserve(1)
    token = BUDGET_WAIT_S.set(60)
    try:
        started = clock.now
        await budget.reserve(1)
    finally:
        BUDGET_WAIT_S.reset(token)
    assert clock.now - started == pytest.approx(60)
    with pytest.raises(BudgetExceeded, match="never fits"):
        await RateBudget("nim", tpm=10, clock=clock).reserve(11, max_wait_s=1e9)


def test_unlimited_budget_always_admits():
    budget = RateBudget("claude")
    assert all(budget.try_reserve(10**9) for _ in range(1000))


def test_token_estimate_is_chars_over_four_plus_completion():
    assert estimate_tokens("abcd" * 10, "xy", completion=100) == 11 + 100
    assert estimate_tokens(completion=0) == 0


def test_guards_run_inside_an_event_loop_too():
    async def go():
        clock = FakeClock()
        budget = RateBudget("nim", rpm=1, clock=clock, sleep=clock.sleep)
        await budget.reserve(1)
        return await budget.reserve(1, max_wait_s=120)

    assert asyncio.run(go()).tokens == 1
