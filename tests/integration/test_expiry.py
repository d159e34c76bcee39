"""Approval requests that nobody answers expire: the sweep ends them and the run reports `expired`.

Covers: `signoff.overdue` finds only runs whose request is past `expires_at`; `expire_overdue`
resumes such a run, which ends `expired` with nothing executed; a request still within its TTL
is left alone; the HTTP service's sweep (`IncidentService.expire_overdue`) does the same under the
run's lock and counts the run in /metrics; `openclaw runs expire` reports when nothing is overdue.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from openclaw.cli.main import main
from openclaw.engine import Engine
from openclaw.models.incident import Incident
from openclaw.settings import load_settings
from openclaw.signoff import expire_overdue, now_of, overdue

PROD_RESTART = "please restart the awoooi-api deployment"


@pytest.mark.asyncio
async def test_an_unanswered_request_expires_and_nothing_runs():
    async with Engine(load_settings()) as engine:
        first = await engine.run(Incident(description=PROD_RESTART))
        second = await engine.run(Incident(description="please restart the awoooi-web deployment"))
        assert first["status"] == second["status"] == "awaiting_approval"
        now = now_of(engine)
        assert await overdue(engine, now=now) == [] and await expire_overdue(engine, now=now) == []
        later = now + timedelta(hours=2)
        assert set(await overdue(engine, now=later)) == {first["run_id"], second["run_id"]}
        engine.context.clock = later.timestamp  # a fake clock: the gate recounts (and expires) on the engine's time
        settled = await expire_overdue(engine)
        assert {(s.run_id, s.status, s.resumed) for s in settled} == {
            (first["run_id"], "expired", True), (second["run_id"], "expired", True)}
        stored = engine.store.get(first["run_id"])
        assert await overdue(engine, now=later) == []
    assert stored["status"] == "expired"
    assert stored["actions"][0]["status"] == "expired" and stored["actions"][0]["result"] is None


@pytest.mark.asyncio
async def test_the_service_sweep_expires_under_the_run_lock_and_counts_it(tmp_path):
    from openclaw.server.service import IncidentService
    from openclaw.telemetry import build_telemetry, telemetry_options

    telemetry = build_telemetry(telemetry_options({}))
    async with Engine(load_settings()) as engine:
        service = IncidentService(engine, telemetry.metrics)
        run = await engine.run(Incident(description=PROD_RESTART))
        assert await service.expire_overdue() == []
        engine.context.clock = (now_of(engine) + timedelta(hours=2)).timestamp  # a fake clock, two hours on
        [settled] = await service.expire_overdue()
        await service.aclose()
        exposition = telemetry.metrics.exposition()
    telemetry.shutdown()
    assert settled.run_id == run["run_id"] and settled.status == "expired"
    assert b'openclaw_incidents_total{status="expired"} 1.0' in exposition


def test_runs_expire_says_when_nothing_is_overdue(capsys):
    assert main(["runs", "expire"]) == 0
    assert "no approval request is past its expiry" in capsys.readouterr().out
