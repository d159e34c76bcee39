"""Ledger, Locks, HistoryStore and ApprovalRepository: exactly one winner whenever replicas race, on SQLite
and PostgreSQL alike."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from openclaw.approvals.signing import SignedDecision
from openclaw.errors import ExecutionError, StoreError
from openclaw.storage.ports import Storage
from openclaw.testing.racing import race

OpenMore = Callable[[], Storage]

# --- ledger ----------------------------------------------------------------------------------------


def test_ledger_claim_race_has_one_claimed_and_the_rest_in_progress(open_more: OpenMore):
    replicas = [open_more() for _ in range(8)]

    claims = race(replicas, lambda i, s: s.ledger.claim("run-1", "d1", owner=f"p{i}", intent={"tool": "restart"}))

    states = sorted(c.state for c in claims)
    assert states == ["claimed"] + ["in_progress"] * 7
    winner = next(c.owner for c in claims if c.state == "claimed")
    assert {c.owner for c in claims} == {winner}
    [unfinished] = replicas[0].ledger.unfinished("run-1")
    assert (unfinished.digest, unfinished.owner, unfinished.intent) == ("d1", winner, {"tool": "restart"})


def test_ledger_complete_takeover_and_get(storage: Storage):
    ledger = storage.ledger
    assert ledger.get("run-1", "d1") is None
    assert ledger.claim("run-1", "d1", owner="a").state == "claimed"
    assert ledger.claim("run-1", "d1", owner="b", takeover=True).owner == "b"
    ledger.complete("run-1", "d1", status="executed", result={"ok": 1})
    ledger.complete("run-1", "d1", status="failed", result={"ok": 0})  # the first outcome stays

    done = ledger.claim("run-1", "d1", owner="c")
    assert (done.state, done.owner, done.status, done.result) == ("done", "b", "executed", {"ok": 1})
    assert ledger.get("run-1", "d1").state == "done"
    assert ledger.unfinished("run-1") == []
    with pytest.raises(StoreError, match="claim"):
        ledger.complete("run-1", "never-claimed", status="executed", result={})


def test_run_once_runs_once_and_replays(storage: Storage):
    calls: list[int] = []

    def act() -> tuple[str, dict]:
        calls.append(1)
        return "executed", {"replicas": 3}

    first = storage.ledger.run_once("run-1", "d1", owner="a", mutating=True, fn=act)
    again = storage.ledger.run_once("run-1", "d1", owner="b", mutating=True, fn=act)

    assert (first.status, first.result, first.replayed) == ("executed", {"replicas": 3}, False)
    assert (again.status, again.result, again.replayed) == ("executed", {"replicas": 3}, True)
    assert len(calls) == 1
    storage.ledger.claim("run-1", "d2", owner="crashed")
    unknown = storage.ledger.run_once("run-1", "d2", owner="b", mutating=True, fn=act)
    assert unknown.status == "failed" and unknown.result["outcome_unknown"] and len(calls) == 1


# --- locks -----------------------------------------------------------------------------------------


def test_lock_lease_held_expired_and_taken_over(storage: Storage):
    locks = storage.locks
    assert locks.try_acquire("deploy/api", owner="a", ttl_s=60) is None
    assert locks.try_acquire("deploy/api", owner="a", ttl_s=60) is None  # ours: refreshed
    holder, expires_at = locks.try_acquire("deploy/api", owner="b", ttl_s=60)
    assert holder == "a" and expires_at > time.time()

    assert locks.try_acquire("deploy/web", owner="a", ttl_s=-1) is None  # already expired
    assert locks.try_acquire("deploy/web", owner="b", ttl_s=60) is None  # so b takes it over
    locks.release("deploy/web", owner="a")  # a no longer holds it: nothing happens
    assert locks.try_acquire("deploy/web", owner="c")[0] == "b"

    with pytest.raises(ExecutionError, match="deploy/api is locked by a"):
        with locks.hold("deploy/api", owner="c"):
            pass
    assert sorted(locks.release_all(owner="a")) == ["deploy/api"]
    with locks.hold("deploy/api", owner="c"):
        assert locks.try_acquire("deploy/api", owner="d")[0] == "c"
    assert locks.try_acquire("deploy/api", owner="d") is None


def test_lock_race_has_one_winner(open_more: OpenMore):
    replicas = [open_more() for _ in range(8)]

    held = race(replicas, lambda i, s: s.locks.try_acquire("deploy/api", owner=f"p{i}", ttl_s=60))

    assert held.count(None) == 1
    winner = f"p{held.index(None)}"
    assert all(h[0] == winner for h in held if h is not None)


# --- history ---------------------------------------------------------------------------------------


def test_history_reserve_race_counts_every_earlier_reservation(open_more: OpenMore):
    replicas = [open_more() for _ in range(8)]
    now = 1_000_000.0

    seen = race(replicas, lambda i, s: s.history.reserve("deploy/api", tool="restart", run_id=f"run-{i}",
                                                         at=now, since=now - 600))

    assert sorted(r.count for r in seen) == list(range(8))  # each saw exactly the reservations before it
    assert replicas[0].history.count("deploy/api", now - 600) == 8
    assert replicas[0].history.recent("other", now - 600).count == 0


def test_history_record_release_and_window(storage: Storage):
    history = storage.history
    history.record(target="t", tool="scale", run_id="old", status="executed", at=100.0)
    first = history.reserve("t", tool="restart", run_id="r1", at=200.0, since=150.0)
    assert (first.count, first.last_at) == (0, 100.0)
    assert history.reserve("t", tool="restart", run_id="r1", at=201.0, since=150.0).count == 0  # own rows left out
    history.release("t", run_id="r1")  # drops the newest reservation
    history.record(target="t", tool="restart", run_id="r1", status="executed", at=210.0)  # completes the other
    history.record(target="t", tool="restart", run_id="r2", status="failed", at=220.0)  # not counted

    recent = history.recent("t", since=150.0)
    assert (recent.count, recent.last_at) == (1, 210.0)
    assert history.count("t", since=0.0) == 2


# --- approvals -------------------------------------------------------------------------------------


def decision(kind: str = "approve", *, run_id: str = "run-1", index: int = 0, approver: str = "alice") -> SignedDecision:
    return SignedDecision(
        kind=kind, run_id=run_id, action_index=index, digest="a" * 64, approver=approver,
        key_fingerprint="SHA256:" + "A" * 43, reason="too risky" if kind == "reject" else None,
        signed_at="2026-01-01T00:00:00Z", expires_at="2026-01-02T00:00:00Z", signature="c2ln",
    )


def test_approvals_are_stored_once_per_person_and_kind(open_more: OpenMore):
    replicas = [open_more() for _ in range(6)]

    added = race(replicas, lambda i, s: s.approvals.add("alice", decision(), received_at=f"t{i}"))
    approvals = replicas[0].approvals
    assert added.count(True) == 1
    assert approvals.add("alice", decision("reject"), received_at="t9")
    assert approvals.add("bob", decision(approver="bob"), received_at="t10")
    assert approvals.add("bob", decision(approver="bob", index=1), received_at="t11")

    stored = approvals.decisions("run-1")
    assert [(d.person, d.decision.kind, d.decision.action_index) for d in stored] == [
        ("alice", "approve", 0), ("alice", "reject", 0), ("bob", "approve", 0), ("bob", "approve", 1)]
    assert stored[1].decision == decision("reject") and stored[1].received_at == "t9"
    assert [d.person for d in approvals.decisions("run-1", 1)] == ["bob"]


def test_cancellation_first_one_wins(storage: Storage):
    assert storage.approvals.cancellation("run-1") is None
    assert storage.approvals.cancel("run-1", reason="alert resolved", at="t1")
    assert not storage.approvals.cancel("run-1", reason="again", at="t2")
    assert storage.approvals.cancellation("run-1") == ("alert resolved", "t1")


def test_claim_resume_race_heartbeat_release_and_stale_takeover(open_more: OpenMore):
    replicas = [open_more() for _ in range(8)]
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    at = "2026-01-01T00:00:00.000Z"

    won = race(replicas, lambda i, s: s.approvals.claim_resume("run-1", "round-1", owner=f"p{i}", at=at))
    approvals = replicas[0].approvals
    winner = f"p{won.index(True)}"

    assert won.count(True) == 1
    assert approvals.resume_claim("run-1", "round-1") == (winner, at)
    assert approvals.heartbeat("run-1", "round-1", owner=winner, at="2026-01-01T00:01:00.000Z")
    assert not approvals.heartbeat("run-1", "round-1", owner="nobody", at=at)
    # not stale yet: renewed at 00:01, stale only before 00:00:30
    assert not approvals.claim_resume("run-1", "round-1", owner="x", at=at, stale_before=t0 + timedelta(seconds=30))
    stale = t0 + timedelta(minutes=5)
    took = race(replicas, lambda i, s: s.approvals.claim_resume("run-1", "round-1", owner=f"q{i}",
                                                                at="2026-01-01T00:06:00.000Z", stale_before=stale))
    assert took.count(True) == 1
    assert approvals.claims("run-1") == [("round-1", f"q{took.index(True)}")]
    approvals.release_resume("run-1", "round-1", owner="not-the-owner")
    assert approvals.resume_claim("run-1", "round-1") is not None
    approvals.release_resume("run-1", "round-1", owner=f"q{took.index(True)}")
    assert approvals.claims("run-1") == []
    assert approvals.claim_resume("run-1", "round-1", owner="again", at=at)
