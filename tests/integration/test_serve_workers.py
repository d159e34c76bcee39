"""``openclaw serve --workers 2``: two worker processes on one state store, on loopback.

Covers: the command starts (a subprocess, bounded and stopped at the end) and answers ``/healthz``;
two incidents posted to it both complete; the same incident id posted twice at once (two
connections, so possibly two workers) gives one run; the store holds exactly those runs; SIGTERM
stops the parent and its workers with exit code 0. A run whose process was killed before
``execute`` is recovered at start by exactly one of the two workers (one execution in the audit log). ``--workers 0`` is a usage error (exit 2).
The worker's app factory builds its settings from ``OPENCLAW_SERVE_ARGS``; a worker's SIGTERM makes
its service refuse new incidents (503) and then runs the handler uvicorn installed.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from openclaw.bench.serve import stop_serve
from openclaw.cli.main import main
from openclaw.storage.sqlite.audit import AuditLog
from openclaw.storage.sqlite.runs import RunStore
from openclaw.server.app import SERVE_ARGS_ENV, create_app_from_env
from openclaw.settings import load_settings

STARTUP_BOUND_S = 120  # a bound on waiting, never asserted as a timing


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(proc: subprocess.Popen[str], base: str) -> dict:
    deadline = time.monotonic() + STARTUP_BOUND_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited {proc.returncode}: {proc.stderr.read()[-2000:]}")  # type: ignore[union-attr]
        try:
            return httpx.get(f"{base}/healthz", timeout=2).json()
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("serve --workers 2 did not answer /healthz")


def test_two_workers_serve_one_store(tmp_path: Path) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([str(Path(sys.executable).parent / "openclaw"), "serve", "--port", str(port),
                             "--workers", "2", "--log-level", "warning"],
                            env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert _wait_healthy(proc, base) == {"status": "ok"}

        async def scenario() -> tuple[list[httpx.Response], list[httpx.Response]]:
            async with httpx.AsyncClient(base_url=base, timeout=120) as one, \
                    httpx.AsyncClient(base_url=base, timeout=120) as two:
                finished = await asyncio.gather(
                    one.post("/v1/incidents", json={"id": "inc-w1", "description": "show me all pods in awoooi-prod"}),
                    two.post("/v1/incidents", json={"id": "inc-w2", "description": "get logs of pod awoooi-api-7d9f "
                                                                                   "in namespace awoooi-staging"}))
                twice = {"id": "inc-twice", "description": "show me all pods in awoooi-staging"}
                dup = await asyncio.gather(one.post("/v1/incidents", params={"wait": "false"}, json=twice),
                                           two.post("/v1/incidents", params={"wait": "false"}, json=twice))
                return list(finished), list(dup)

        finished, dup = asyncio.run(scenario())
        assert [r.status_code for r in finished] == [200, 200]
        assert [r.json()["status"] for r in finished] == ["completed", "completed"]
        assert {r.status_code for r in dup} <= {200, 202} and 202 in {r.status_code for r in dup}
        assert len({r.json()["run_id"] for r in dup}) == 1
    finally:
        stop_serve(proc, bound_s=STARTUP_BOUND_S)
    assert proc.returncode == 0
    rows = RunStore(load_settings().state_db).list()
    assert sorted(r["incident_id"] for r in rows) == ["inc-twice", "inc-w1", "inc-w2"]


def _serve(port: int) -> subprocess.Popen[str]:
    return subprocess.Popen([str(Path(sys.executable).parent / "openclaw"), "serve", "--port", str(port),
                             "--workers", "2", "--log-level", "warning"],
                            env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_run_whose_process_died_is_carried_on_by_exactly_one_worker(tmp_path: Path) -> None:
    incident = tmp_path / "inc.json"
    incident.write_text(json.dumps({"id": "inc-orphan", "description": "restart deployment awoooi-api in awoooi-staging"}))
    crashed = subprocess.run([sys.executable, "-m", "openclaw.testing.crash", "run", str(incident), "--json"],
                             env={**os.environ, "OPENCLAW_TEST_CRASH_AT": "before:execute"},
                             capture_output=True, text=True, timeout=300)
    assert crashed.returncode == -9  # killed before execute: the run is recorded running, its owner gone
    store = RunStore(load_settings().state_db)
    [row] = store.unsettled()
    port = _free_port()
    proc = _serve(port)
    try:
        _wait_healthy(proc, f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + STARTUP_BOUND_S
        while store.get(row["run_id"])["status"] == "running" and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        stop_serve(proc, bound_s=STARTUP_BOUND_S)
    assert store.get(row["run_id"])["status"] == "completed"
    entries = AuditLog(load_settings().state_db).entries(row["run_id"])
    assert [e.kind for e in entries].count("execution") == 1  # carried on once, not by both workers


def test_the_worker_app_factory_reads_the_serve_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    configs = Path(__file__).resolve().parents[2] / "configs"
    monkeypatch.setenv(SERVE_ARGS_ENV, json.dumps({"config_dir": str(configs), "apply": True, "kube_context": "kind-a"}))
    settings = create_app_from_env().state.settings
    assert (settings.config_dir, settings.kube.apply, settings.kube.context) == (configs, True, "kind-a")
    monkeypatch.delenv(SERVE_ARGS_ENV)
    settings = create_app_from_env().state.settings
    assert (settings.kube.apply, settings.kube.context) == (False, None)


@pytest.mark.asyncio
async def test_a_worker_refuses_new_incidents_on_sigterm_before_uvicorn_stops_it(tmp_path: Path) -> None:
    from openclaw.server.app import create_app

    seen: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, _frame: seen.append(signum))  # stands in for uvicorn's
    try:
        app = create_app(load_settings(home=tmp_path / "home", environ={}), recover_on_start=False,
                         refuse_on_signal=True)
        async with app.router.lifespan_context(app):
            assert app.state.service.closing is False
            signal.getsignal(signal.SIGTERM)(signal.SIGTERM, None)
            assert app.state.service.closing is True and seen == [signal.SIGTERM]
            client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://openclaw")
            async with client:
                response = await client.post("/v1/incidents", json={"description": "show pods in awoooi-prod"})
            assert response.status_code == 503 and response.headers["retry-after"]
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_workers_must_be_positive() -> None:
    assert main(["serve", "--workers", "0"]) == 2
