"""Anti-flapping history and the approval store (both in the shared state database).

Covers: History.record/count/recent (window, statuses that count, per target); five
restarts of one deployment in ten minutes through the real pipeline (injected clock,
plan mode): the first four run on their own, the fifth waits for approval naming
anti-flapping, and after the window it runs on its own again; a second restart of the
same deployment inside the cooldown waits; History.reserve (read and reserve in one
transaction, a run's own rows left out, release, record completing the reservation so a
run counts once); twelve concurrent runs restarting one staging deployment in one engine
give exactly one auto restart;
ApprovalStore keeps one decision per person and kind, arrival order, and exactly one
resume claim per round.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from openclaw.approvals.keys import generate_keypair
from openclaw.approvals.signing import sign_decision
from openclaw.engine import Engine
from openclaw.models.incident import Incident
from openclaw.nodes.dispatch import ActionRunner
from openclaw.storage.sqlite.approvals import ApprovalStore
from openclaw.storage.sqlite.history import History
from openclaw.settings import load_settings

T0 = 1_900_000_000.0


def test_history_counts_per_target_within_the_window(tmp_path):
    h = History(tmp_path / "s.db")
    for at, status in ((T0, "planned"), (T0 + 100, "executed"), (T0 + 200, "failed"), (T0 + 300, "dry_run")):
        h.record(target="deployment:a/api", tool="restart_deployment", run_id="r", status=status, at=at)
    h.record(target="deployment:a/web", tool="restart_deployment", run_id="r", status="planned", at=T0 + 300)
    assert h.count("deployment:a/api", T0) == 3  # the failed one does not count
    assert h.count("deployment:a/api", T0 + 50) == 2
    recent = h.recent("deployment:a/api", T0 + 1000)
    assert (recent.count, recent.last_at) == (0, T0 + 300)
    assert h.recent("deployment:b/api", T0).last_at is None


def test_a_reservation_counts_once_and_becomes_the_outcome(tmp_path):
    h, target = History(tmp_path / "s.db"), "deployment:a/api"
    h.record(target=target, tool="restart_deployment", run_id="old", status="planned", at=T0)
    first = h.reserve(target, tool="restart_deployment", run_id="r1", at=T0 + 10, since=T0)
    assert (first.count, first.last_at) == (1, T0)
    second = h.reserve(target, tool="restart_deployment", run_id="r2", at=T0 + 11, since=T0)
    assert (second.count, second.last_at) == (2, T0 + 10)  # r1's reservation counts
    again = h.reserve(target, tool="restart_deployment", run_id="r1", at=T0 + 12, since=T0)
    assert again.count == 2  # a run's own reservations are left out: the trust node counts them itself
    h.release(target, run_id="r1")  # r1's second action was not auto
    h.release(target, run_id="r2")
    h.record(target=target, tool="restart_deployment", run_id="r1", status="executed", at=T0 + 20)
    assert h.count(target, T0) == 2  # "old" and r1, once
    assert h.recent(target, T0).last_at == T0 + 20
    h.record(target=target, tool="restart_deployment", run_id="r3", status="failed", at=T0 + 30)
    assert h.count(target, T0) == 2


class _HeldRunner(ActionRunner):
    """Plan mode, but every action waits until each of the ``total`` runs has paused or reached execute:
    the widest possible window between one run's verdict and its history record."""

    def __init__(self, total: int) -> None:
        super().__init__(mode="plan")
        self.total, self.arrived = total, 0
        self.turn = asyncio.Condition()

    async def arrive(self) -> None:
        async with self.turn:
            self.arrived += 1
            self.turn.notify_all()

    async def run(self, *args, **kwargs):
        await self.arrive()
        async with self.turn:
            await self.turn.wait_for(lambda: self.arrived >= self.total)
        return await super().run(*args, **kwargs)


@pytest.mark.asyncio
async def test_concurrent_runs_on_one_deployment_give_exactly_one_auto_restart(tmp_path):
    clock, runner = _Clock(T0), _HeldRunner(12)
    settings = load_settings(home=tmp_path / "home")

    async def one(engine):
        actions = await _restart(engine)
        if actions[0]["status"] == "awaiting_approval":
            await runner.arrive()
        return actions

    async with Engine(settings, executor=runner) as engine:
        engine.context.clock = clock
        results = await asyncio.gather(*(one(engine) for _ in range(12)))
    verdicts = sorted(a["verdict"] for [a] in results)
    assert verdicts == ["approval"] * 11 + ["auto"]
    [auto] = [a for [a] in results if a["verdict"] == "auto"]
    assert auto["status"] == "planned"
    waiting = [a for [a] in results if a["verdict"] == "approval"]
    assert all(any("anti-flapping" in r for r in a["reasons"]) for a in waiting)
    history = History(settings.state_db)
    assert history.count("deployment:awoooi-staging/awoooi-api", T0 - 1) == 1  # the auto run, counted once


class _Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


async def _restart(engine, text="restart deployment awoooi-api in namespace awoooi-staging"):
    result = await engine.run(Incident(description=text, source="chat", requested_by="alice"))
    return result["actions"]


@pytest.mark.asyncio
async def test_five_restarts_in_ten_minutes_stop_auto_executing():
    clock = _Clock(T0)
    async with Engine(load_settings()) as engine:
        engine.context.clock = clock
        verdicts = []
        for _ in range(5):
            [action] = await _restart(engine)
            verdicts.append((action["verdict"], action["status"]))
            clock.t += 120
        assert verdicts[:4] == [("auto", "planned")] * 4
        assert verdicts[4] == ("approval", "awaiting_approval")
        [fifth] = await _restart(engine)
        assert any("anti-flapping: 4 mutations" in r for r in fifth["reasons"])
        clock.t += 600  # the window has passed
        [later] = await _restart(engine)
        assert (later["verdict"], later["status"]) == ("auto", "planned")


@pytest.mark.asyncio
async def test_a_second_restart_inside_the_cooldown_waits_and_other_targets_are_unaffected():
    clock = _Clock(T0)
    async with Engine(load_settings()) as engine:
        engine.context.clock = clock
        [first] = await _restart(engine)
        clock.t += 10
        [second] = await _restart(engine)
        [other] = await _restart(engine, "restart deployment awoooi-web in namespace awoooi-staging")
    assert first["verdict"] == "auto"
    assert second["verdict"] == "approval" and any("cooldown" in r for r in second["reasons"])
    assert other["verdict"] == "auto"


def _decision(key, kind, person, index=0, run_id="run-1"):
    return sign_decision(key, kind=kind, run_id=run_id, action_index=index, digest="a" * 64, approver=person,
                         reason="no" if kind == "reject" else None, now=datetime(2030, 1, 1, tzinfo=UTC))


def test_approval_store_keeps_one_decision_per_person_and_kind(tmp_path):
    keys = {n: generate_keypair(n, tmp_path / "keys").private_path for n in ("alice", "bob")}
    store = ApprovalStore(tmp_path / "s.db")
    assert store.add("alice", _decision(keys["alice"], "approve", "alice"), received_at="t1")
    assert not store.add("alice", _decision(keys["alice"], "approve", "alice"), received_at="t2")
    assert store.add("bob", _decision(keys["bob"], "approve", "bob"), received_at="t3")
    assert store.add("alice", _decision(keys["alice"], "reject", "alice"), received_at="t4")
    assert store.add("alice", _decision(keys["alice"], "approve", "alice", index=1), received_at="t5")
    got = store.decisions("run-1", 0)
    assert [(d.person, d.decision.kind, d.received_at) for d in got] == [
        ("alice", "approve", "t1"), ("bob", "approve", "t3"), ("alice", "reject", "t4")]
    assert len(store.decisions("run-1")) == 4 and store.decisions("run-2") == []


def test_resume_claim_is_granted_once_per_round(tmp_path):
    store = ApprovalStore(tmp_path / "s.db")
    other = ApprovalStore(tmp_path / "s.db")
    assert store.claim_resume("run-1", "round-a", owner="p1", at="t")
    assert not other.claim_resume("run-1", "round-a", owner="p2", at="t")
    assert other.claim_resume("run-1", "round-b", owner="p2", at="t")
    assert store.resume_claim("run-1", "round-a") == ("p1", "t")
    assert store.resume_claim("run-9", "round-a") is None
