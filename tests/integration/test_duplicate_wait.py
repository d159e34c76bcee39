"""``wait=True`` for an incident id whose run another process drives: the answer waits for that run.

Two engines on one store stand for two processes (two owners). Covers: a duplicate submitted with
``wait`` while the other owner is alive and its run ``running`` answers with the run once the other
finishes it (not the ``running`` snapshot); without ``wait`` it answers at once; when the owner of a
``running`` run is a process of this host that is gone, the duplicate answers with the run as it is
(recovery is the sweeper's job) instead of waiting for it.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from openclaw.engine import Engine
from openclaw.models.incident import Incident
from openclaw.server.service import IncidentService
from openclaw.settings import load_settings
from openclaw.telemetry import build_telemetry, telemetry_options

pytestmark = pytest.mark.asyncio
READ = "show me all pods in awoooi-staging"


async def test_a_waiting_duplicate_answers_with_the_run_the_other_process_finishes() -> None:
    settings = load_settings()
    telemetry = build_telemetry(telemetry_options({}))
    async with Engine(settings) as a, Engine(settings) as b:
        b.owner = a.owner + "-b"  # another process of this host (the same pid: alive)
        service = IncidentService(b, telemetry.metrics)
        incident = Incident(id="inc-dup-wait", description=READ)
        accepted = a.accept(incident)  # recorded by "a", not started yet
        assert accepted.created
        later = asyncio.ensure_future(service.submit(incident, wait=True))
        quick = await service.submit(incident, wait=False)
        assert (quick.kind, quick.run_id) == ("duplicate", accepted.run_id)
        for _ in range(3):  # the waiting submission polls the store: give it a few rounds while "a" holds it
            await asyncio.sleep(0.05)
        assert not later.done()
        await a.start(accepted.run_id, incident)
        submitted = await asyncio.wait_for(later, 60)
        assert (submitted.kind, submitted.run_id) == ("duplicate", accepted.run_id)
        assert submitted.result is not None and submitted.result["status"] == "completed"
        await service.aclose()
    telemetry.shutdown()


async def test_a_waiting_duplicate_of_a_run_whose_process_died_answers_as_it_is() -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True).stdout.strip()
    settings = load_settings()
    telemetry = build_telemetry(telemetry_options({}))
    async with Engine(settings) as a, Engine(settings) as b:
        a.owner = f"{a.owner.rpartition(':')[0]}:{dead}"  # a process of this host that is gone
        service = IncidentService(b, telemetry.metrics)
        incident = Incident(id="inc-dup-dead", description=READ)
        accepted = a.accept(incident)
        submitted = await asyncio.wait_for(service.submit(incident, wait=True), 60)
        assert (submitted.kind, submitted.run_id) == ("duplicate", accepted.run_id)
        assert submitted.result is not None and submitted.result["status"] == "running"
        await service.aclose()
    telemetry.shutdown()
