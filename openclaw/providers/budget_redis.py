"""Rate-limit budgets in Redis: one provider's RPM and TPM shared by every replica.

Selected when ``OPENCLAW_REDIS_URL`` is set. Same window as :class:`~openclaw.providers.budget.RateBudget`
(sliding 60 s log, both limits checked before the call, corrected to the reported usage
afterwards), but the log is a Redis sorted set per provider, ``<prefix>:<provider>``
(default prefix ``openclaw:budget``): member ``<reservation id>:<tokens>``, score the time
it was admitted. One Lua script prunes what left the window, checks the request against
both limits and adds it, or answers how long until it fits; nothing can slip in between
(two budgets never both take the last request). The key expires one window after its
last reservation, so an idle provider leaves nothing behind.

Time comes from the injectable clock and is passed to the script (not Redis ``TIME``), so
tests run on a fake clock. In production it is the wall clock (``time.time``): the
replicas' clocks must agree (NTP), a skew of a second shifts the window by that second.

**When Redis cannot be used** (unreachable, timing out, refusing writes), the attempt is
not failed: the budget falls back to this replica's share of the limits
(:func:`~openclaw.providers.budget.per_replica`, a local window as without Redis) and
logs a warning naming OPENCLAW_REDIS_URL; Redis is tried again ``retry_after_s`` (5 s)
later. Why: failing every LLM call because Redis blinked would turn a cache outage into
an incident-response outage (the rules would answer everything), while ignoring the
budget would send the vendor every request and collect 429s. The share keeps the
replicas together within the limit during the outage. The price: the fallback's
reservations are not in Redis, so for up to one window after Redis comes back the
replicas together may send up to twice the limit (the vendor's 429s are then handled as
usual). A correction (``settle``) that cannot reach Redis is dropped: the estimate, which
is usually higher than the usage, stays in the window.

Circuit breakers and auth cooldowns stay per replica (:mod:`openclaw.providers.breaker`).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import uuid
from collections.abc import Callable

import redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from openclaw.errors import BudgetExceeded
from openclaw.providers.budget import BUDGET_WAIT_S, WINDOW_S, Clock, RateBudget, Reservation, refusal

log = logging.getLogger(__name__)

DEFAULT_PREFIX = "openclaw:budget"
TIMEOUT_S = 0.5
"""Connect and read timeout of a Redis call: a budget check must not hold up an LLM call for long."""

# KEYS[1]: the provider's reservations. ARGV: now, cutoff (now - window), window, rpm, tpm (0: no
# limit), tokens, reservation id, key TTL in ms, "1" to only ask how long until it fits.
# Returns {1, id} when admitted, else {0, seconds to wait} ("inf": over the TPM on its own).
# Scores are passed as the client's strings, never formatted by Lua (whose tostring keeps 14 digits).
RESERVE = """
local now, window = tonumber(ARGV[1]), tonumber(ARGV[3])
local rpm, tpm, tokens = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
if tpm > 0 and tokens > tpm then return {0, 'inf'} end
local wait = 0
if rpm > 0 then
  local n = redis.call('ZCARD', KEYS[1])
  if n + 1 > rpm then
    local oldest = redis.call('ZRANGE', KEYS[1], n - rpm, n - rpm, 'WITHSCORES')
    wait = math.max(wait, tonumber(oldest[2]) + window - now)
  end
end
if tpm > 0 then
  local log = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
  local excess = tokens - tpm
  for i = 1, #log, 2 do excess = excess + tonumber(string.match(log[i], ':(%d+)$')) end
  for i = 1, #log, 2 do
    if excess <= 0 then break end
    excess = excess - tonumber(string.match(log[i], ':(%d+)$'))
    wait = math.max(wait, tonumber(log[i + 1]) + window - now)
  end
end
if wait > 0 or ARGV[9] == '1' then return {0, tostring(wait)} end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[7] .. ':' .. ARGV[6])
redis.call('PEXPIRE', KEYS[1], ARGV[8])
return {1, ARGV[7]}
"""

# KEYS[1]: the provider's reservations. ARGV: the member as admitted, the member with the usage.
# A reservation already out of the window is left out (not added back).
SETTLE = """
local at = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not at then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], at, ARGV[2])
return 1
"""


def redis_client(url: str) -> redis.Redis:
    """A client for ``url`` with short timeouts and one retry (the fallback share covers longer trouble)."""
    return redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT_S, socket_timeout=TIMEOUT_S,
                                retry=Retry(NoBackoff(), 1))


class RedisBudget:
    """RPM and TPM for one provider over a sliding 60 s window kept in Redis; implements
    :class:`openclaw.providers.budget.Budget`. ``fallback`` is this replica's share, used while
    Redis cannot be reached. Calls to Redis block their thread; :meth:`reserve` makes them in a
    worker thread so the event loop is never held up."""

    def __init__(
        self,
        name: str,
        client: redis.Redis,
        *,
        rpm: int | None = None,
        tpm: int | None = None,
        fallback: RateBudget | None = None,
        prefix: str = DEFAULT_PREFIX,
        clock: Clock = time.time,
        sleep: Callable[[float], object] = asyncio.sleep,
        retry_after_s: float = 5.0,
    ) -> None:
        self.name = name
        self.rpm = rpm
        self.tpm = tpm
        self.key = f"{prefix}:{name}"
        self.clock = clock
        self.sleep = sleep
        self.fallback = fallback or RateBudget(name, rpm=rpm, tpm=tpm, clock=clock, sleep=sleep)
        self.retry_after_s = retry_after_s
        self._reserve = client.register_script(RESERVE)
        self._settle = client.register_script(SETTLE)
        self._down_until = -math.inf

    @property
    def unlimited(self) -> bool:
        return self.rpm is None and self.tpm is None

    @property
    def degraded(self) -> bool:
        """True while the fallback share stands in for Redis."""
        return self.clock() < self._down_until

    def _run(self, tokens: int, *, dry: bool) -> tuple[Reservation | None, float]:
        now = self.clock()
        rid = uuid.uuid4().hex
        ok, value = self._reserve(keys=[self.key], args=[
            repr(now), repr(now - WINDOW_S), repr(WINDOW_S), self.rpm or 0, self.tpm or 0, tokens, rid,
            math.ceil(WINDOW_S * 1000), "1" if dry else "0",
        ])  # fmt: skip
        if ok:
            return Reservation(now, tokens, rid), 0.0
        return None, float(value)

    def _down(self, exc: RedisError) -> None:
        if not self.degraded:
            log.warning("%s: rate budget in Redis unusable (%s: %s); using this replica's share until it answers "
                        "(check OPENCLAW_REDIS_URL)", self.name, type(exc).__name__, exc)
        self._down_until = self.clock() + self.retry_after_s

    def try_reserve(self, tokens: int) -> Reservation | None:
        """Reserve now if it fits, else None (nothing is consumed). Blocks for one Redis round trip."""
        if self.unlimited:
            return Reservation(self.clock(), tokens)
        if not self.degraded:
            try:
                return self._run(tokens, dry=False)[0]
            except RedisError as exc:
                self._down(exc)
        return self.fallback.try_reserve(tokens)

    def wait_needed(self, tokens: int) -> float:
        """Seconds until one request of ``tokens`` fits (0: fits now; ``inf``: never, it exceeds the TPM alone)."""
        if self.unlimited:
            return 0.0
        if not self.degraded:
            try:
                return self._run(tokens, dry=True)[1]
            except RedisError as exc:
                self._down(exc)
        return self.fallback.wait_needed(tokens)

    async def reserve(self, tokens: int, *, max_wait_s: float | None = None) -> Reservation:
        """Reserve, waiting up to ``max_wait_s`` (default: :data:`BUDGET_WAIT_S`); else raise BudgetExceeded."""
        allowed = BUDGET_WAIT_S.get() if max_wait_s is None else max_wait_s
        if self.unlimited:
            return Reservation(self.clock(), tokens)
        while not self.degraded:
            try:
                reservation, wait = await asyncio.to_thread(self._run, tokens, dry=False)
            except RedisError as exc:
                self._down(exc)
                break
            if reservation is not None:
                return reservation
            if wait > allowed:
                raise BudgetExceeded(refusal(self.name, self.rpm, self.tpm, tokens, wait))
            await self.sleep(wait)
            allowed -= wait
        return await self.fallback.reserve(tokens, max_wait_s=allowed)

    def settle(self, reservation: Reservation, actual_tokens: int | None) -> None:
        """Replace the estimate with the vendor's reported total, when it reported one. Inside an
        event loop the Redis round trip runs in a worker thread and this returns at once."""
        if not actual_tokens or actual_tokens == reservation.tokens:
            return
        if not reservation.id:  # admitted by the fallback share
            self.fallback.settle(reservation, actual_tokens)
            return
        if self.degraded:
            return  # Redis is down: the estimate stays in the window
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._correct(reservation, actual_tokens)
        else:
            loop.run_in_executor(None, self._correct, reservation, actual_tokens)

    def _correct(self, reservation: Reservation, actual_tokens: int) -> None:
        try:
            self._settle(keys=[self.key], args=[f"{reservation.id}:{reservation.tokens}",
                                                f"{reservation.id}:{actual_tokens}"])
        except RedisError as exc:
            log.warning("%s: could not correct a reservation in Redis to %d tokens (%s: %s); the estimate stays",
                        self.name, actual_tokens, type(exc).__name__, exc)
            return
        reservation.tokens = actual_tokens
