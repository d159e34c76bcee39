"""Run one callable per simulated replica at the same moment (storage contract and multi-process tests)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def race(replicas: Sequence[T], fn: Callable[[int, T], R]) -> list[R]:
    """``fn(i, replica)`` in one thread per replica, released together by a barrier; the results in order."""
    barrier = threading.Barrier(len(replicas))

    def run(i: int) -> R:
        barrier.wait(timeout=30)
        return fn(i, replicas[i])

    with ThreadPoolExecutor(max_workers=len(replicas)) as pool:
        return list(pool.map(run, range(len(replicas))))
