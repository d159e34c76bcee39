"""Rate budgets in Redis shared by replicas, against the real server at 127.0.0.1:6379, on a fake clock.

Covers: two budget objects (two replicas) on one Redis share the RPM and the TPM; many
concurrent reservations from threads and from asyncio tasks admit exactly the limit
(the Lua script reserves atomically); ``settle`` corrects a reservation's tokens for every
replica and does not bring back one that left the window; the window slides on the fake
clock and the key expires after a window; waiting within the allowance; a request over the
TPM never fits; the decisions equal the in-memory RateBudget's on a random sequence; the
factories build a RedisBudget over the replica's share when OPENCLAW_REDIS_URL is set.
Redis unreachable: the budget falls back to the replica's share, warns naming
OPENCLAW_REDIS_URL, and tries Redis again later (needs no server).

Without a server at 127.0.0.1:6379 the tests that need one are skipped, or fail when
OPENCLAW_REQUIRE_SERVICES=1. Each test uses its own key prefix and deletes its keys.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import random
import threading
import uuid
from collections.abc import Iterator

import pytest
import redis
from redis.exceptions import RedisError

from openclaw.errors import BudgetExceeded
from openclaw.providers.budget import RateBudget
from openclaw.providers.budget_redis import RedisBudget, redis_client
from openclaw.providers.factories import provider_factories
from openclaw.settings import load_settings

REDIS_URL = "redis://127.0.0.1:6379"
REQUIRE = os.environ.get("OPENCLAW_REQUIRE_SERVICES") == "1"  # read at import: the autouse fixture scrubs OPENCLAW_*
UNREACHABLE = "redis://127.0.0.1:1"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def client() -> Iterator[redis.Redis]:
    conn = redis_client(REDIS_URL)
    try:
        conn.ping()
    except RedisError as exc:
        conn.close()
        if REQUIRE:
            pytest.fail(f"OPENCLAW_REQUIRE_SERVICES=1 but no Redis at {REDIS_URL}: {exc}")
        pytest.skip(f"no Redis at {REDIS_URL} ({exc})")
    yield conn
    conn.close()


@pytest.fixture
def prefix(client: redis.Redis) -> Iterator[str]:
    unique = f"openclaw-test:{uuid.uuid4().hex}"
    yield unique
    keys = list(client.scan_iter(f"{unique}:*"))
    if keys:
        client.delete(*keys)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def replicas(client: redis.Redis, prefix: str, clock: FakeClock, n: int = 2, **limits: int) -> list[RedisBudget]:
    return [RedisBudget("nim", client, prefix=prefix, clock=clock, sleep=clock.sleep, **limits) for _ in range(n)]


def test_two_replicas_share_the_rpm(client, prefix, clock):
    a, b = replicas(client, prefix, clock, rpm=3)
    assert a.try_reserve(10) and a.try_reserve(10)
    clock.now += 15
    assert b.try_reserve(10)
    assert b.try_reserve(10) is None and a.try_reserve(10) is None  # nothing consumed by a refusal
    assert b.wait_needed(10) == pytest.approx(45)
    assert client.zcard(f"{prefix}:nim") == 3


def test_two_replicas_share_the_tpm(client, prefix, clock):
    a, b = replicas(client, prefix, clock, tpm=1000)
    assert a.try_reserve(600)
    clock.now += 10
    assert b.try_reserve(500) is None
    assert b.wait_needed(500) == pytest.approx(50)
    assert b.try_reserve(400)
    assert a.try_reserve(1) is None
    assert a.wait_needed(1001) == math.inf and b.try_reserve(1001) is None


def test_concurrent_threads_admit_exactly_the_limit(client, prefix, clock):
    budgets = replicas(client, prefix, clock, n=4, rpm=25, tpm=10_000)
    start = threading.Barrier(60)
    admitted: list[bool] = []

    def one(i: int) -> None:
        start.wait()
        admitted.append(budgets[i % 4].try_reserve(100) is not None)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(60)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert admitted.count(True) == 25 and client.zcard(f"{prefix}:nim") == 25


def test_concurrent_threads_never_exceed_the_tpm(client, prefix, clock):
    budgets = replicas(client, prefix, clock, n=3, tpm=1000)
    start = threading.Barrier(40)
    admitted: list[bool] = []

    def one(i: int) -> None:
        start.wait()
        admitted.append(budgets[i % 3].try_reserve(100) is not None)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert admitted.count(True) == 10


@pytest.mark.asyncio
async def test_concurrent_tasks_admit_exactly_the_limit(client, prefix, clock):
    a, b = replicas(client, prefix, clock, rpm=10)
    results = await asyncio.gather(*((a if i % 2 else b).reserve(1, max_wait_s=0) for i in range(30)),
                                   return_exceptions=True)
    assert sum(not isinstance(r, BaseException) for r in results) == 10
    assert all(isinstance(r, BudgetExceeded) for r in results if isinstance(r, BaseException))


def test_settle_corrects_the_tokens_for_every_replica(client, prefix, clock):
    a, b = replicas(client, prefix, clock, tpm=1000)
    first = a.try_reserve(600)
    assert first is not None and b.try_reserve(500) is None
    a.settle(first, 300)  # the vendor reported fewer tokens than estimated
    assert first.tokens == 300
    assert client.zrange(f"{prefix}:nim", 0, -1) == [f"{first.id}:300".encode()]
    assert b.try_reserve(500) is not None and b.try_reserve(201) is None
    a.settle(first, None)  # no usage reported: the estimate stays
    assert first.tokens == 300


def test_settle_does_not_bring_back_a_reservation_that_left_the_window(client, prefix, clock):
    (a,) = replicas(client, prefix, clock, n=1, rpm=5)
    old = a.try_reserve(100)
    clock.now += 61
    assert a.try_reserve(1)  # prunes the old one
    a.settle(old, 50)
    assert client.zcard(f"{prefix}:nim") == 1


def test_the_window_slides_and_the_key_expires(client, prefix, clock):
    a, b = replicas(client, prefix, clock, rpm=2)
    assert a.try_reserve(10)
    clock.now += 15
    assert b.try_reserve(10)
    assert a.try_reserve(10) is None and a.wait_needed(10) == pytest.approx(45)
    clock.now += 45  # the first one is 60 s old: out of the window
    assert a.try_reserve(10) is not None
    assert b.try_reserve(10) is None and b.wait_needed(10) == pytest.approx(15)
    assert 0 < client.pttl(f"{prefix}:nim") <= 60_000


@pytest.mark.asyncio
async def test_reserve_waits_only_within_the_allowance(client, prefix, clock):
    a, b = replicas(client, prefix, clock, rpm=1)
    await a.reserve(1)
    with pytest.raises(BudgetExceeded, match="1 RPM.*fits in 60.0s"):
        await b.reserve(1)
    started = clock.now
    await b.reserve(1, max_wait_s=60)
    assert clock.now - started == pytest.approx(60)
    (c,) = replicas(client, prefix, clock, n=1, tpm=10)
    with pytest.raises(BudgetExceeded, match="never fits"):
        await c.reserve(11, max_wait_s=1e9)


def test_decisions_equal_the_in_memory_budget(client, prefix, clock):
    local = RateBudget("nim", rpm=7, tpm=2000, clock=clock)
    (shared,) = replicas(client, prefix, clock, n=1, rpm=7, tpm=2000)
    rng = random.Random(7)
    held = []
    for _ in range(300):
        clock.now += rng.choice([0.0, 0.5, 3.0, 11.0])
        tokens = rng.randint(1, 700)
        assert shared.wait_needed(tokens) == pytest.approx(local.wait_needed(tokens))
        pair = (local.try_reserve(tokens), shared.try_reserve(tokens))
        assert (pair[0] is None) == (pair[1] is None)
        if pair[0] is not None:
            held.append(pair)
        if held and rng.random() < 0.3:
            mine, theirs = held.pop(rng.randrange(len(held)))
            actual = rng.randint(1, 700)
            local.settle(mine, actual)
            shared.settle(theirs, actual)


def test_unlimited_budget_never_asks_redis():
    budget = RedisBudget("claude", redis_client(UNREACHABLE))
    assert all(budget.try_reserve(10**9) for _ in range(100)) and not budget.degraded


def test_factories_keep_the_budgets_in_redis_over_the_replicas_share():
    env = {"NVIDIA_API_KEY": "nvapi-test", "NEMOTRON_RPM_LIMIT": "10", "OPENCLAW_REDIS_URL": UNREACHABLE,
           "OPENCLAW_REPLICAS": "4"}
    budget = provider_factories(load_settings(environ=env))["nim"]().budget
    assert isinstance(budget, RedisBudget) and budget.key == "openclaw:budget:nim"
    assert budget.rpm == 10 and budget.fallback.rpm == 2


@pytest.mark.asyncio
async def test_redis_down_falls_back_to_the_replicas_share_and_says_so(caplog):
    clock = FakeClock()
    share = RateBudget("nim", rpm=2, clock=clock, sleep=clock.sleep)
    budget = RedisBudget("nim", redis_client(UNREACHABLE), rpm=6, fallback=share, clock=clock, sleep=clock.sleep)
    with caplog.at_level(logging.WARNING, logger="openclaw.providers.budget_redis"):
        first = await budget.reserve(100)
        assert budget.try_reserve(100) is not None
        with pytest.raises(BudgetExceeded, match="2 RPM"):
            await budget.reserve(100, max_wait_s=0)
    assert budget.degraded and first.id == ""
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and "OPENCLAW_REDIS_URL" in warnings[0]
    budget.settle(first, 40)
    assert first.tokens == 40
    clock.now += budget.retry_after_s  # Redis is asked again (still down: one more warning, the share answers)
    with caplog.at_level(logging.WARNING, logger="openclaw.providers.budget_redis"):
        assert budget.wait_needed(1) == pytest.approx(60 - budget.retry_after_s)
    assert len(caplog.records) == 2
