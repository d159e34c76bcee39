"""Whether a provider is in rotation: a circuit breaker and the auth cooldown, per provider, in memory.

- :class:`CircuitBreaker`: opens after ``failure_threshold`` consecutive failures
  (timeout, 5xx, connection error, 429); while open every attempt is refused with
  ``circuit_open`` without touching the network; after ``cooldown_s`` exactly one probe
  is let through (half-open): its success closes the breaker, its failure opens it again.
- Auth cooldown: an HTTP 401/403 takes the provider out of rotation for
  ``auth_cooldown_s``; attempts meanwhile are refused with ``auth_error``.

Both run on an injectable ``clock`` (seconds, monotonic) so tests never sleep.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from openclaw.errors import CircuitOpen, ProviderAuthError

Clock = Callable[[], float]
State = Literal["closed", "open", "half_open"]

FAILURES: frozenset[str] = frozenset({"timeout", "server_error", "connection_error", "rate_limited"})
"""Outcomes that count against the breaker. ``ok`` and ``invalid_output`` (the vendor answered) count as health."""
HEALTHY: frozenset[str] = frozenset({"ok", "invalid_output"})


class CircuitBreaker:
    """Consecutive-failure breaker with a single half-open probe."""

    def __init__(self, name: str, *, failure_threshold: int = 3, cooldown_s: float = 30.0, clock: Clock = time.monotonic) -> None:
        if failure_threshold < 1 or cooldown_s < 0:
            raise ValueError("failure_threshold must be >= 1 and cooldown_s >= 0")
        self.name = name
        self.failure_threshold = failure_threshold
        self.cooldown_s = cooldown_s
        self.clock = clock
        self.failures = 0
        self.opened_at: float | None = None
        self.probing = False

    @property
    def state(self) -> State:
        if self.opened_at is None:
            return "closed"
        if self.probing or self.clock() - self.opened_at >= self.cooldown_s:
            return "half_open"
        return "open"

    def admit(self) -> bool:
        """Let an attempt through or raise CircuitOpen. Returns True when the attempt is the probe."""
        if self.opened_at is None:
            return False
        waited = self.clock() - self.opened_at
        if self.probing or waited < self.cooldown_s:
            left = max(0.0, self.cooldown_s - waited)
            why = "a probe is in flight" if self.probing else f"probe in {left:.1f}s"
            raise CircuitOpen(f"{self.name}: circuit open after {self.failures} consecutive failures ({why})")
        self.probing = True
        return True

    def record(self, outcome: str) -> None:
        """Feed the outcome of an admitted attempt."""
        if outcome in HEALTHY:
            self.failures, self.opened_at, self.probing = 0, None, False
        elif outcome in FAILURES:
            self.failures += 1
            if self.probing or self.failures >= self.failure_threshold:
                self.opened_at = self.clock()
            self.probing = False
        else:
            self.probing = False  # neutral (auth, budget, unavailable): release the probe, decide next time


@dataclass
class AuthCooldown:
    """Out of rotation for ``cooldown_s`` after a 401/403."""

    name: str
    cooldown_s: float = 300.0
    clock: Clock = time.monotonic
    until: float | None = None
    reason: str = ""

    def admit(self) -> None:
        if self.until is None:
            return
        left = self.until - self.clock()
        if left <= 0:
            self.until = None
            return
        raise ProviderAuthError(f"{self.name}: out of rotation for another {left:.0f}s after: {self.reason}")

    def record(self, outcome: str, error: str | None) -> None:
        if outcome == "auth_error":
            self.until = self.clock() + self.cooldown_s
            self.reason = error or "HTTP 401/403"
