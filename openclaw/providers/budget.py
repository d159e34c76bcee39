"""Rate-limit budgets per provider: requests per minute and tokens per minute, checked before the call.

A request is admitted only if one more request and its estimated tokens fit in the
last 60 s (a sliding-window log, so there is no burst at a window edge). Otherwise it
is refused with ``budget_exceeded`` at once, or, when the route has
``wait_for_budget: true`` (the router then sets :data:`BUDGET_WAIT_S` for the attempt),
it waits for the window to free up if that happens within the allowed wait.

Tokens are estimated before the call as ``ceil(characters / 4)`` of everything sent
plus the completion allowance (``max_tokens``); the reservation is corrected to the
vendor's reported ``total_tokens`` afterwards. Four characters per token is the usual
rule of thumb for English text with BPE tokenizers; it overestimates for code and
underestimates for CJK text, which is why the estimate is corrected.

Several replicas: with ``OPENCLAW_REDIS_URL`` set the budget lives in Redis and is
shared (:mod:`openclaw.providers.budget_redis`); without it each replica keeps its own
window over its share of the limits, :func:`per_replica` (``OPENCLAW_REPLICAS``). Callers
depend on :class:`Budget`, which both kinds implement.

Why not a library: ``aiolimiter`` keeps time with the event loop's clock (not
injectable, one loop per limiter) and ``pyrate-limiter`` cannot reserve two budgets
(requests and tokens) atomically; this window is short and runs on an injectable clock.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol

from openclaw.errors import BudgetExceeded

Clock = Callable[[], float]
WINDOW_S = 60.0

BUDGET_WAIT_S: ContextVar[float] = ContextVar("openclaw_budget_wait_s", default=0.0)
"""How long the current attempt may wait for budget (seconds); 0 means refuse at once. Set by the router."""


def estimate_tokens(*texts: str, completion: int = 0) -> int:
    """Tokens a request will use: ``ceil(chars / 4)`` of the texts sent, plus the completion allowance."""
    return math.ceil(sum(len(t) for t in texts) / 4) + max(0, completion)


def per_replica(limit: int | None, replicas: int) -> int | None:
    """One replica's share of ``limit`` when ``replicas`` split it without a common store.

    Rounded down, so that the replicas together never ask a vendor for more than its limit
    (rounding up would let 3 replicas send 12 requests against 10 RPM and collect 429s);
    at least 1, so a limit below the replica count still lets each replica call (then the
    replicas together may exceed it, and the vendor's 429s are handled as usual).
    """
    if limit is None or replicas <= 1:
        return limit
    return max(1, limit // replicas)


@dataclass
class Reservation:
    """One admitted request in the window; ``tokens`` may be corrected once the usage is known.

    ``id`` names it in a common store (Redis); empty for a reservation held in this process."""

    at: float
    tokens: int
    id: str = ""


class Budget(Protocol):
    """What a provider needs of its rate budget (:class:`RateBudget`, or the Redis one)."""

    name: str
    rpm: int | None
    tpm: int | None

    @property
    def unlimited(self) -> bool: ...

    async def reserve(self, tokens: int, *, max_wait_s: float | None = None) -> Reservation: ...

    def settle(self, reservation: Reservation, actual_tokens: int | None) -> None: ...


def refusal(name: str, rpm: int | None, tpm: int | None, tokens: int, wait: float) -> str:
    """The ``budget_exceeded`` message: the limits, the request's tokens and when it would fit."""
    limits = ", ".join(f"{v} {k}" for k, v in (("RPM", rpm), ("TPM", tpm)) if v is not None)
    when = "never fits (raise the TPM limit)" if math.isinf(wait) else f"fits in {wait:.1f}s"
    return f"{name}: over its rate budget ({limits}; this request ~{tokens} tokens, {when})"


class RateBudget:
    """RPM and TPM for one provider over a sliding 60 s window. ``None`` limits mean unlimited."""

    def __init__(
        self,
        name: str,
        *,
        rpm: int | None = None,
        tpm: int | None = None,
        clock: Clock = time.monotonic,
        sleep: Callable[[float], object] = asyncio.sleep,
    ) -> None:
        self.name = name
        self.rpm = rpm
        self.tpm = tpm
        self.clock = clock
        self.sleep = sleep
        self._log: deque[Reservation] = deque()

    @property
    def unlimited(self) -> bool:
        return self.rpm is None and self.tpm is None

    def _prune(self, now: float) -> None:
        while self._log and now - self._log[0].at >= WINDOW_S:
            self._log.popleft()

    def wait_needed(self, tokens: int) -> float:
        """Seconds until one request of ``tokens`` fits (0: fits now; ``inf``: never, it exceeds the TPM alone)."""
        now = self.clock()
        self._prune(now)
        if self.tpm is not None and tokens > self.tpm:
            return math.inf
        waits = [0.0]
        if self.rpm is not None and len(self._log) + 1 > self.rpm:
            waits.append(self._log[len(self._log) - self.rpm].at + WINDOW_S - now)
        if self.tpm is not None:
            excess = sum(r.tokens for r in self._log) + tokens - self.tpm
            for r in self._log:
                if excess <= 0:
                    break
                excess -= r.tokens
                waits.append(r.at + WINDOW_S - now)
        return max(waits)

    def try_reserve(self, tokens: int) -> Reservation | None:
        """Reserve now if it fits, else None (nothing is consumed)."""
        if self.unlimited:
            return Reservation(self.clock(), tokens)
        if self.wait_needed(tokens) > 0:
            return None
        reservation = Reservation(self.clock(), tokens)
        self._log.append(reservation)
        return reservation

    async def reserve(self, tokens: int, *, max_wait_s: float | None = None) -> Reservation:
        """Reserve, waiting up to ``max_wait_s`` (default: :data:`BUDGET_WAIT_S`); else raise BudgetExceeded."""
        allowed = BUDGET_WAIT_S.get() if max_wait_s is None else max_wait_s
        while True:
            reservation = self.try_reserve(tokens)
            if reservation is not None:
                return reservation
            wait = self.wait_needed(tokens)
            if wait > allowed:
                raise BudgetExceeded(refusal(self.name, self.rpm, self.tpm, tokens, wait))
            await self.sleep(wait)
            allowed -= wait

    def settle(self, reservation: Reservation, actual_tokens: int | None) -> None:
        """Replace the estimate with the vendor's reported total, when it reported one."""
        if actual_tokens:
            reservation.tokens = actual_tokens
