"""A resume claim whose process died never strands a run.

Covers: a claim left by a dead owner (old ``claimed_at``) is taken over by the next
approval, even one refused because its action is already final, and the run resumes and
executes exactly once (one ``resume`` audit entry naming the claim it took over, one
``execution``); a live claim is respected (the message names its owner and `openclaw runs
resume`) until it is older than ``approvals.resume_takeover_s``; a resume that raises
releases the claim so the next settle resumes; ``openclaw runs resume RUN_ID`` takes over a
stale claim (exit 0, "resumed here"), then says nothing waits; with the quorum not met it
says what is missing; an unknown run exits 2.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from openclaw.approvals.digest import iso_utc
from openclaw.cli.main import main
from openclaw.engine import Engine
from openclaw.errors import ApprovalRefused
from openclaw.models.incident import Incident
from openclaw.storage.sqlite.approvals import ApprovalStore
from openclaw.storage.sqlite.audit import AuditLog
from openclaw.settings import load_settings
from openclaw.signoff import now_of, resume_takeover_s, round_key, settle, sign_for_run, submit, waiting_in
from openclaw.testing.approvers import config_with_approvers

pytestmark = pytest.mark.asyncio
DEAD = "crashed-host:4242:dead"


@pytest.fixture
def world(tmp_path, monkeypatch):
    sre = ["sre"]
    cfg, keys = config_with_approvers(tmp_path, {"alice": sre, "bob": sre, "carol": sre},
                                      tiers={"standard": "1 from group sre"})
    monkeypatch.setenv("OPENCLAW_HOME", str(tmp_path / "home"))
    return load_settings(config_dir=cfg), keys


async def _paused(engine) -> dict:
    run = await engine.run(Incident(description="please restart the awoooi-api deployment", source="chat",
                                    requested_by="carol"))
    assert run["status"] == "awaiting_approval"
    return run


def _approved_and_claimed(engine, run, keys, *, claimed_at: str) -> str:
    """Alice's approval stored (the quorum is met) and a resume claim held by DEAD since ``claimed_at``."""
    store = ApprovalStore(engine.settings.state_db)
    [d] = sign_for_run(run, keys["alice"], kind="approve", approver="alice", now=now_of(engine))
    assert store.add("alice", d, received_at=iso_utc(now_of(engine)))
    key = round_key(run["run_id"], waiting_in(run["actions"]))
    assert store.claim_resume(run["run_id"], key, owner=DEAD, at=claimed_at)
    return key


def _kinds(settings, run_id: str) -> list[str]:
    return [e.kind for e in AuditLog(settings.state_db).entries(run_id)]


async def test_a_claim_of_a_dead_process_is_taken_over_by_the_next_approval(world):
    settings, keys = world
    async with Engine(settings) as engine:
        run = await _paused(engine)
        _approved_and_claimed(engine, run, keys, claimed_at="2000-01-01T00:00:00Z")
        [late] = sign_for_run(run, keys["bob"], kind="approve", approver="bob", now=now_of(engine))
        with pytest.raises(ApprovalRefused, match="already final"):
            await submit(engine, late)  # counts for nothing, but settles the run
        done = engine.store.get(run["run_id"])
        assert done["status"] == "completed" and done["actions"][0]["status"] == "planned"
        assert [a["approver"] for a in done["actions"][0]["approvals"]] == ["alice"]
        again = await settle(engine, run["run_id"])
        assert not again.resumed
    kinds = _kinds(settings, run["run_id"])
    assert kinds.count("resume") == 1 and kinds.count("execution") == 1
    [resume] = [e for e in AuditLog(settings.state_db).entries(run["run_id"]) if e.kind == "resume"]
    assert resume.payload["took_over_from"]["owner"] == DEAD


async def test_a_live_claim_is_respected_until_it_goes_stale(world):
    settings, keys = world
    async with Engine(settings) as engine:
        run = await _paused(engine)
        _approved_and_claimed(engine, run, keys, claimed_at=iso_utc(now_of(engine)))
        held = await settle(engine, run["run_id"])
        assert not held.resumed and held.claimed_by == DEAD and held.status == "awaiting_approval"
        assert held.takeover_s == resume_takeover_s(engine) == 300
        clock = engine.context.clock
        engine.context.clock = lambda: clock() + 299
        assert not (await settle(engine, run["run_id"])).resumed
        engine.context.clock = lambda: clock() + 301
        taken = await settle(engine, run["run_id"])
        assert taken.resumed and taken.status == "completed"
    assert _kinds(settings, run["run_id"]).count("execution") == 1


class _FailingOnce(Engine):
    """An engine whose first resume raises (a crash in the claimant after the claim)."""

    failures = 1

    async def resume(self, run_id, answer):
        if self.failures:
            self.failures -= 1
            raise RuntimeError("lost the checkpoint database")
        return await super().resume(run_id, answer)


async def test_a_resume_that_raises_releases_the_claim(world):
    settings, keys = world
    async with _FailingOnce(settings) as engine:
        run = await _paused(engine)
        [d] = sign_for_run(run, keys["alice"], kind="approve", approver="alice", now=now_of(engine))
        with pytest.raises(RuntimeError, match="lost the checkpoint"):
            await submit(engine, d)
        key = round_key(run["run_id"], waiting_in(run["actions"]))
        assert ApprovalStore(settings.state_db).resume_claim(run["run_id"], key) is None
        retry = await settle(engine, run["run_id"])
        assert retry.resumed and retry.status == "completed"


async def test_runs_resume_takes_over_a_stale_claim(world, capsys):
    settings, keys = world
    async with Engine(settings) as engine:
        run = await _paused(engine)
        waiting = await _paused(engine)
        _approved_and_claimed(engine, run, keys, claimed_at=iso_utc(now_of(engine) - timedelta(seconds=3600)))
    opts = ["--config-dir", str(settings.config_dir)]

    async def cli(*args: str) -> int:
        return await asyncio.to_thread(main, ["runs", "resume", *args, *opts])

    assert await cli(run["run_id"]) == 0
    assert capsys.readouterr().out == f"{run['run_id']}: resumed here: status completed\n"
    assert await cli(run["run_id"]) == 0
    assert "nothing waits for approval" in capsys.readouterr().out
    assert await cli(waiting["run_id"]) == 0
    assert "still waiting for approval (action 0: 1 more approval(s))" in capsys.readouterr().out
    assert await cli("run-nope") == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert _kinds(settings, run["run_id"]).count("execution") == 1
    async with Engine(settings) as engine:
        assert engine.store.get(run["run_id"])["status"] == "completed"


async def test_the_takeover_age_is_configured_in_trust_yaml(world):
    settings, _ = world
    path = Path(settings.config_dir) / "trust.yaml"
    path.write_text(path.read_text().replace("resume_takeover_s: 300", "resume_takeover_s: 45"))
    async with Engine(load_settings(config_dir=settings.config_dir)) as engine:
        assert resume_takeover_s(engine) == 45
