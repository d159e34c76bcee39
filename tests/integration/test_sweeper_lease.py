"""One sweeper per store: the process holding the sweeper lease recovers and expires; the others don't.

Two services on one store stand for two replicas (or two ``serve --workers``). Covers: exactly one
holds the lease; the holder alone reports ``openclaw_approvals_pending`` (0 elsewhere, so a sum over
replicas counts each waiting action once); when the holder stops, the other takes the lease on its
next round; a lease left by a process of this host that is gone is taken over at once; ``openclaw db
status|upgrade`` on the embedded SQLite say there is nothing to apply.
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys

import pytest

from openclaw.cli.main import main
from openclaw.engine import Engine
from openclaw.models.incident import Incident
from openclaw.server.service import SWEEPER_LEASE, IncidentService
from openclaw.settings import load_settings
from openclaw.telemetry import build_telemetry, telemetry_options

PROD_RESTART = "please restart the awoooi-api deployment"


def _pending(metrics) -> float:
    text = metrics.exposition().decode()
    return float(next(line.split()[1] for line in text.splitlines() if line.startswith("openclaw_approvals_pending ")))


@pytest.mark.asyncio
async def test_one_of_two_services_sweeps_and_reports_the_pending_count():
    settings = load_settings()
    telemetry_a, telemetry_b = build_telemetry(telemetry_options({})), build_telemetry(telemetry_options({}))
    async with Engine(settings) as a, Engine(settings) as b:
        b.owner = a.owner + "-b"  # two replicas: two owners (one process here)
        first = IncidentService(a, telemetry_a.metrics)
        second = IncidentService(b, telemetry_b.metrics)
        await first.start_sweeper(expiry_every_s=0, recover=False)
        await second.start_sweeper(expiry_every_s=0, recover=False)
        assert (first.leader, second.leader) == (True, False)
        run = await a.run(Incident(description=PROD_RESTART))
        assert run["status"] == "awaiting_approval"
        assert (_pending(telemetry_a.metrics), _pending(telemetry_b.metrics)) == (1.0, 0.0)

        await first.aclose()  # the holder stops: it gives the lease back
        assert first.leader is False and a.storage.locks.try_acquire(SWEEPER_LEASE, owner="probe") is None
        a.storage.locks.release(SWEEPER_LEASE, owner="probe")
        for _ in range(200):  # the other's next round (every few seconds) takes it; poll, no wall-clock bound
            if second.leader:
                break
            await asyncio.sleep(0.05)
            second.leader = await asyncio.to_thread(second._hold_sweeper_lease)
        assert second.leader and _pending(telemetry_b.metrics) == 1.0
        await second.aclose()
    telemetry_a.shutdown()
    telemetry_b.shutdown()


@pytest.mark.asyncio
async def test_a_lease_left_by_a_dead_process_of_this_host_is_taken_over_at_once():
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True).stdout.strip()
    settings = load_settings()
    async with Engine(settings) as engine:
        owner = f"{socket.gethostname()}:{dead}:{'0' * 12}"
        assert engine.storage.locks.try_acquire(SWEEPER_LEASE, owner=owner, ttl_s=3600) is None
        service = IncidentService(engine, build_telemetry(telemetry_options({})).metrics)
        await service.start_sweeper(expiry_every_s=0, recover=False)
        assert service.leader
        assert engine.storage.locks.try_acquire(SWEEPER_LEASE, owner="someone-else")[0] == engine.owner
        await service.aclose()


@pytest.mark.asyncio
async def test_a_lease_held_by_a_live_process_elsewhere_is_respected():
    settings = load_settings()
    async with Engine(settings) as engine:
        assert engine.storage.locks.try_acquire(SWEEPER_LEASE, owner="other-host:1", ttl_s=3600) is None
        service = IncidentService(engine, build_telemetry(telemetry_options({})).metrics)
        await service.start_sweeper(expiry_every_s=0, recover=False)
        assert not service.leader and _pending(service.metrics) == 0.0
        await service.aclose()
        assert engine.storage.locks.try_acquire(SWEEPER_LEASE, owner="probe")[0] == "other-host:1"


def test_db_status_and_upgrade_on_sqlite_have_nothing_to_apply(capsys):
    assert main(["db", "status"]) == 0
    assert "up to date (sqlite)" in capsys.readouterr().out
    assert main(["db", "upgrade", "-o", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["backend"] == "sqlite" and report["applied"] == [] and report["database"].endswith("openclaw.db")


def test_an_unknown_database_scheme_is_one_line_and_exit_2(monkeypatch, capsys):
    monkeypatch.setenv("OPENCLAW_DATABASE_URL", "mysql://root@127.0.0.1/openclaw")
    assert main(["runs", "list"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unsupported scheme 'mysql'" in err and "OPENCLAW_DATABASE_URL" in err
