"""``openclaw bench serve`` smoke test: :func:`openclaw.bench.serve.run_bench` on few incidents, low concurrency.

Covers: the result keys (transport, incidents, concurrency, elapsed_s, incidents_per_s,
latency_ms p50/p99, statuses) and the status counts, in-process (ASGI), through a real
uvicorn on 127.0.0.1, and against an ``openclaw serve --workers 2`` subprocess (``workers`` added); every incident gets a run (no HTTP error), the production restart
waits for approval, the rest complete on the embedded defaults.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from openclaw.bench.serve import INCIDENTS, run_bench, run_workers

pytestmark = pytest.mark.asyncio

KEYS = {"transport", "incidents", "concurrency", "elapsed_s", "incidents_per_s", "latency_ms", "statuses"}


def _check_shape(result: dict, transport: str, incidents: int, concurrency: int) -> None:
    assert set(result) == KEYS
    assert (result["transport"], result["incidents"], result["concurrency"]) == (transport, incidents, concurrency)
    assert result["elapsed_s"] > 0 and result["incidents_per_s"] > 0
    assert set(result["latency_ms"]) == {"p50", "p99"} and 0 < result["latency_ms"]["p50"] <= result["latency_ms"]["p99"]
    assert sum(result["statuses"].values()) == incidents


async def test_bench_serve_in_process(tmp_path: Path) -> None:
    result = await run_bench(incidents=10, concurrency=3, home=tmp_path / "bench")
    _check_shape(result, "asgi", 10, 3)
    assert set(result["statuses"]) <= {"completed", "awaiting_approval"}  # no http_* errors, no failed runs
    assert result["statuses"]["awaiting_approval"] >= 2  # the production restart, twice in the mix
    assert result["statuses"]["completed"] >= 4


async def test_bench_serve_over_loopback_uvicorn(tmp_path: Path) -> None:
    incidents = len(INCIDENTS)  # each incident of the mix once: no trust history in play
    result = await run_bench(incidents=incidents, concurrency=2, transport="loopback", home=tmp_path / "bench")
    _check_shape(result, "loopback", incidents, 2)
    assert result["statuses"] == {"awaiting_approval": 1, "completed": incidents - 1}


async def test_bench_serve_against_two_worker_processes() -> None:
    incidents = len(INCIDENTS)
    result = await run_workers(workers=2, incidents=incidents, concurrency=2)
    assert result.pop("workers") == 2
    _check_shape(result, "workers", incidents, 2)
    assert set(result["statuses"]) <= {"completed", "awaiting_approval"}  # no http_* errors, no failed runs
