"""``openclaw bench serve``: incidents per second and p50/p99 latency of the HTTP service.

The app runs on the embedded defaults (rules provider, plan mode, SQLite in a temporary
``OPENCLAW_HOME``) and is driven at a fixed concurrency, either in-process through
``httpx.ASGITransport`` (default: measures the app and the engine, not the network) or
through a real uvicorn on 127.0.0.1 (``loopback=True``: adds HTTP parsing and sockets).
Each request is ``POST /v1/incidents`` with a fresh incident id and waits for the result.

``workers=N`` runs ``openclaw serve --workers N`` as a subprocess on 127.0.0.1 instead (the same
embedded defaults, its own temporary ``OPENCLAW_HOME``, no vendor or cluster variables), warms it
up with ``2 × concurrency`` incidents, and drives it over loopback; :func:`compare_workers` does that
for 1 and for N workers in turn, :data:`ROUNDS` times, and reports the median ratio of their incidents
per second.

``replicas=N`` starts N ``openclaw serve`` processes instead, each on its own port and its own
``OPENCLAW_HOME``, all on one throwaway PostgreSQL database (created on the server of
``OPENCLAW_BENCH_DATABASE_URL`` or ``--database-url``, upgraded, dropped afterwards), and drives them
round-robin over loopback; :func:`compare_replicas` does that for 1 and for N replicas, in rounds too.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, Literal

import httpx

from openclaw.bench.stats import median, percentile
from openclaw.settings import load_settings

Transport = Literal["asgi", "loopback", "workers", "replicas"]

KEPT_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONDONTWRITEBYTECODE")
"""The only variables a benchmarked ``serve`` subprocess inherits: no vendor key, cluster or telemetry."""
STARTUP_BOUND_S = 120.0
"""How long a benchmarked ``serve`` subprocess may take to answer /healthz, in seconds."""

INCIDENTS = (
    "Show me all pods in awoooi-prod namespace",
    "restart deployment awoooi-api in namespace awoooi-staging",
    "The API is not responding, please restart the awoooi-api deployment",
    "get logs of pod awoooi-api-7d9f in namespace awoooi-staging",
    "scale deployment awoooi-web to 3 replicas in namespace awoooi-staging",
)
"""A mix of read-only, auto and approval-gated incidents (phrased like the tool-calling cases)."""


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


async def run_workers(*, workers: int, incidents: int = 200, concurrency: int = 16) -> dict[str, Any]:
    """``openclaw serve --workers N`` in a subprocess, warmed up, then ``incidents`` posted ``concurrency`` at a time."""
    with tempfile.TemporaryDirectory(prefix="openclaw-bench-serve-") as tmp:
        proc, base = start_serve(Path(tmp) / "home", "--workers", str(workers))
        try:
            limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
            async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as client:
                await _wait_healthy(client, proc)
                await _drive(client, 2 * concurrency, concurrency, "workers", prefix="warmup")
                report = await _drive(client, incidents, concurrency, "workers")
        finally:
            stop_serve(proc)
    return {**report, "workers": workers}


def start_serve(home: Path, *args: str, **env: str) -> tuple[subprocess.Popen[str], str]:
    """``openclaw serve ARGS`` on a free port of 127.0.0.1 with ``OPENCLAW_HOME=home``, the :data:`KEPT_ENV`
    variables and ``env``; the process and its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    kept = {k: os.environ[k] for k in KEPT_ENV if k in os.environ}
    command = [str(Path(sys.executable).parent / "openclaw"), "serve", "--port", str(port), *args,
               "--log-level", "warning"]
    proc = subprocess.Popen(command, env={**kept, "OPENCLAW_HOME": str(home), **env}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    return proc, f"http://127.0.0.1:{port}"


def stop_serve(proc: subprocess.Popen[str], *, bound_s: float = STARTUP_BOUND_S) -> None:
    """SIGTERM an ``openclaw serve`` subprocess and wait for it; kill it if it is not gone within ``bound_s``."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.communicate(timeout=bound_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()


ROUNDS = 3
"""Rounds of a comparison: 1 process, then N, again and again, so that a load spike on a shared machine
moves one round's ratio and not the median."""


async def _compare(run: Callable[[int], Awaitable[dict[str, Any]]], n: int, *, rounds: int, incidents: int,
                   concurrency: int) -> dict[str, Any]:
    """``run(1)`` then ``run(n)``, ``rounds`` times; ``speedups`` per round and ``speedup``, their median."""
    runs: list[dict[str, Any]] = []
    speedups: list[float] = []
    for round_ in range(1, rounds + 1):
        one, many = await run(1), await run(n)
        runs += [{**one, "round": round_}, {**many, "round": round_}]
        if one["incidents_per_s"]:
            speedups.append(round(many["incidents_per_s"] / one["incidents_per_s"], 2))
    return {"incidents": incidents, "concurrency": concurrency, "rounds": rounds, "runs": runs,
            "speedups": speedups, "speedup": round(median(speedups), 2) if speedups else None,
            "cpus": os.cpu_count()}


async def compare_workers(*, workers: int = 2, incidents: int = 200, concurrency: int = 16,
                          rounds: int = ROUNDS) -> dict[str, Any]:
    """:func:`run_workers` with 1, then ``workers`` processes, ``rounds`` times; ``speedup`` is the median of
    the rounds' ratios of incidents/s."""
    return await _compare(lambda n: run_workers(workers=n, incidents=incidents, concurrency=concurrency), workers,
                          rounds=rounds, incidents=incidents, concurrency=concurrency)


async def run_replicas(*, replicas: int, database_url: str, incidents: int = 200,
                       concurrency: int = 16) -> dict[str, Any]:
    """``replicas`` ``openclaw serve`` processes on one throwaway PostgreSQL database on the server of
    ``database_url``, warmed up, then ``incidents`` posted round-robin over them, ``concurrency`` at a time.
    ``runs_in_database``: the runs the database held at the end (warm-up included). StoreError (one line)
    when PostgreSQL does not answer."""
    from openclaw.bench.database import count_runs, throwaway_database

    with throwaway_database(database_url) as url, tempfile.TemporaryDirectory(prefix="openclaw-bench-serve-") as tmp:
        procs: list[tuple[subprocess.Popen[str], str]] = []
        try:
            for n in range(replicas):
                procs.append(start_serve(Path(tmp) / f"home-{n}", OPENCLAW_DATABASE_URL=url))
            per_replica = max(1, -(-concurrency // replicas))
            limits = httpx.Limits(max_connections=per_replica, max_keepalive_connections=per_replica)
            clients = [httpx.AsyncClient(base_url=base, limits=limits, timeout=120) for _, base in procs]
            try:
                for client, (proc, _) in zip(clients, procs, strict=True):
                    await _wait_healthy(client, proc)
                await _drive(clients, 2 * concurrency, concurrency, "replicas", prefix="warmup")
                report = await _drive(clients, incidents, concurrency, "replicas")
            finally:
                for client in clients:
                    await client.aclose()
        finally:
            for proc, _ in procs:
                stop_serve(proc)
        runs = count_runs(url=url)
    return {**report, "replicas": replicas, "runs_in_database": runs}


async def compare_replicas(*, replicas: int = 2, database_url: str, incidents: int = 200,
                           concurrency: int = 16, rounds: int = ROUNDS) -> dict[str, Any]:
    """:func:`run_replicas` with 1, then ``replicas`` processes (each on a fresh database), ``rounds`` times;
    ``speedup`` is the median of the rounds' ratios of incidents/s."""
    return await _compare(lambda n: run_replicas(replicas=n, database_url=database_url, incidents=incidents,
                                                 concurrency=concurrency),
                          replicas, rounds=rounds, incidents=incidents, concurrency=concurrency)


async def _wait_healthy(client: httpx.AsyncClient, proc: subprocess.Popen[str]) -> None:
    deadline = asyncio.get_running_loop().time() + STARTUP_BOUND_S
    while asyncio.get_running_loop().time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"openclaw serve exited {proc.returncode}: {(proc.stderr.read() if proc.stderr else '')[-500:]}")
        try:
            if (await client.get("/healthz", timeout=2)).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError(f"openclaw serve did not answer /healthz within {STARTUP_BOUND_S:.0f} s")


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


async def _drive(client: httpx.AsyncClient | Sequence[httpx.AsyncClient], incidents: int, concurrency: int,
                 transport: Transport, *, prefix: str = "bench") -> dict[str, Any]:
    """Post ``incidents`` incidents ``concurrency`` at a time; with several clients, incident i goes to client
    i mod their number (round-robin)."""
    clients = [client] if isinstance(client, httpx.AsyncClient) else list(client)
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
            body = {"id": f"{prefix}-{i}", "description": INCIDENTS[i % len(INCIDENTS)]}
            started = time.perf_counter()
            response = await clients[i % len(clients)].post("/v1/incidents", json=body)
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
