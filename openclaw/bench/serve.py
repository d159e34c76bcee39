"""``openclaw bench serve``: incidents per second and p50/p99 latency of the HTTP service.

The app runs on the embedded defaults (rules provider, plan mode, SQLite in a temporary
``OPENCLAW_HOME``) and is driven at a fixed concurrency, either in-process through
``httpx.ASGITransport`` (default: measures the app and the engine, not the network) or
through a real uvicorn on 127.0.0.1 (``loopback=True``: adds HTTP parsing and sockets).
Each request is ``POST /v1/incidents`` with a fresh incident id and waits for the result.
"""

from __future__ import annotations

import asyncio
import socket
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any, Literal

import httpx

from openclaw.bench.stats import percentile
from openclaw.settings import load_settings

Transport = Literal["asgi", "loopback"]

INCIDENTS = (
    "Show me all pods in awoooi-prod namespace",
    "restart deployment awoooi-api in namespace awoooi-staging",
    "The API is not responding, please restart the awoooi-api deployment",
    "get logs of pod awoooi-api-7d9f in namespace awoooi-staging",
    "scale deployment awoooi-web to 3 replicas in namespace awoooi-staging",
)
"""A mix of read-only, auto and approval-gated incidents (the seed's phrasing)."""


async def run_bench(*, incidents: int = 200, concurrency: int = 16, transport: Transport = "asgi",
                    home: Path | None = None) -> dict[str, Any]:  # fmt: skip
    """Post ``incidents`` incidents, ``concurrency`` at a time; return the figures (latency in ms)."""
    from openclaw.server import create_app

    with tempfile.TemporaryDirectory(prefix="openclaw-bench-serve-") as tmp:
        settings = load_settings(home=home or tmp, environ={})
        app = create_app(settings)
        if transport == "asgi":
            async with app.router.lifespan_context(app):
                client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://openclaw")
                async with client:
                    return await _drive(client, incidents, concurrency, transport)
        return await _drive_loopback(app, incidents, concurrency)


async def _drive_loopback(app: Any, incidents: int, concurrency: int) -> dict[str, Any]:
    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if serving.done():
                serving.result()
                raise RuntimeError("uvicorn stopped before it started")
            await asyncio.sleep(0.01)
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=120) as client:
            return await _drive(client, incidents, concurrency, "loopback")
    finally:
        server.should_exit = True
        await serving


async def _drive(client: httpx.AsyncClient, incidents: int, concurrency: int, transport: Transport) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(incidents):
        queue.put_nowait(i)

    async def worker() -> None:
        while True:
            try:
                i = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            body = {"id": f"bench-{i}", "description": INCIDENTS[i % len(INCIDENTS)]}
            started = time.perf_counter()
            response = await client.post("/v1/incidents", json=body)
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[response.json().get("status", f"http_{response.status_code}") if response.status_code == 200
                     else f"http_{response.status_code}"] += 1  # fmt: skip

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {
        "transport": transport,
        "incidents": incidents,
        "concurrency": concurrency,
        "elapsed_s": round(elapsed, 3),
        "incidents_per_s": round(incidents / elapsed, 1) if elapsed > 0 else 0.0,
        "latency_ms": {"p50": round(percentile(latencies, 50), 2), "p99": round(percentile(latencies, 99), 2)},
        "statuses": dict(sorted(statuses.items())),
    }
