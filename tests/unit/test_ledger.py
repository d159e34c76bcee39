"""ActionLedger and TargetLocks (openclaw.storage.sqlite.ledger) on a real SQLite file.

Covers: claim → complete → a second claim returns the recorded outcome; run_once calls
the action once and replays afterwards; a crashed (in_progress) mutation is reported as
failed with "outcome unknown" and never re-run, while a read-only one is taken over; an
action that raises is recorded as outcome-unknown; complete() without a claim; locks
between threads (refused with the holder's name, or waiting) and between processes;
an expired lock is taken over; the tables coexist with other tables in the same file.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from openclaw.errors import ExecutionError, StoreError
from openclaw.storage.sqlite.ledger import ActionLedger, TargetLocks


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "state" / "openclaw.sqlite"


def test_claim_complete_then_done(db: Path) -> None:
    ledger = ActionLedger(db)
    first = ledger.claim("run-1", "d1", owner="proc-a")
    assert first.state == "claimed"
    ledger.complete("run-1", "d1", status="executed", result={"replicas": 5})
    again = ledger.claim("run-1", "d1", owner="proc-b")
    assert (again.state, again.status, again.result, again.owner) == ("done", "executed", {"replicas": 5}, "proc-a")
    # A different digest or run is a different action.
    assert ledger.claim("run-1", "d2", owner="proc-b").state == "claimed"
    assert ledger.claim("run-2", "d1", owner="proc-b").state == "claimed"


def test_second_complete_keeps_the_first_outcome(db: Path) -> None:
    ledger = ActionLedger(db)
    ledger.claim("r", "d", owner="a")
    ledger.complete("r", "d", status="executed", result={"n": 1})
    ledger.complete("r", "d", status="failed", result={"n": 2})
    got = ledger.get("r", "d")
    assert got is not None and (got.status, got.result) == ("executed", {"n": 1})


def test_complete_without_claim_is_a_store_error(db: Path) -> None:
    with pytest.raises(StoreError, match="claim"):
        ActionLedger(db).complete("r", "nope", status="executed", result={})


def test_run_once_runs_once_and_replays(db: Path) -> None:
    ledger = ActionLedger(db)
    calls: list[int] = []

    def act() -> tuple[str, dict]:
        calls.append(1)
        return "executed", {"n": len(calls)}

    first = ledger.run_once("r", "d", owner="a", mutating=True, fn=act)
    second = ActionLedger(db).run_once("r", "d", owner="b", mutating=True, fn=act)
    assert (first.status, first.result, first.replayed) == ("executed", {"n": 1}, False)
    assert (second.status, second.result, second.replayed) == ("executed", {"n": 1}, True)
    assert calls == [1]


def test_crashed_mutation_is_never_rerun(db: Path) -> None:
    ledger = ActionLedger(db)
    ledger.claim("r", "d", owner="proc-that-crashed")  # claimed, never completed
    calls: list[int] = []
    out = ledger.run_once("r", "d", owner="resumer", mutating=True, fn=lambda: (calls.append(1), ("executed", {}))[1])
    assert calls == []
    assert out.status == "failed" and out.replayed
    assert "outcome unknown; check the deployment before retrying" in out.result["error"]
    assert "proc-that-crashed" in out.result["error"]
    # Still in progress: every later replay says the same.
    assert ledger.get("r", "d").state == "in_progress"


def test_crashed_read_is_taken_over(db: Path) -> None:
    ledger = ActionLedger(db)
    ledger.claim("r", "d", owner="proc-that-crashed")
    out = ledger.run_once("r", "d", owner="resumer", mutating=False, fn=lambda: ("executed", {"items": []}))
    assert (out.status, out.replayed) == ("executed", False)
    assert ledger.get("r", "d").owner == "resumer"


def test_action_that_raises_is_recorded_as_unknown(db: Path) -> None:
    ledger = ActionLedger(db)

    def boom() -> tuple[str, dict]:
        raise RuntimeError("socket closed mid-call")

    with pytest.raises(RuntimeError):
        ledger.run_once("r", "d", owner="a", mutating=True, fn=boom)
    got = ledger.get("r", "d")
    assert got.state == "done" and got.status == "failed"
    assert "outcome unknown" in got.result["error"] and "socket closed" in got.result["error"]


def test_shares_the_file_with_other_tables(db: Path) -> None:
    db.parent.mkdir(parents=True)
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE runs (id TEXT PRIMARY KEY)")
        conn.execute("INSERT INTO runs VALUES ('x')")
    ActionLedger(db)
    TargetLocks(db)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT id FROM runs").fetchall() == [("x",)]
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_lock_refused_with_holder_then_free(db: Path) -> None:
    locks = TargetLocks(db)
    with locks.hold("deploy/awoooi-api", owner="run-A"):
        with pytest.raises(ExecutionError, match="locked by run-A"):
            with locks.hold("deploy/awoooi-api", owner="run-B"):
                pass
        with locks.hold("deploy/awoooi-web", owner="run-B"):  # another target is independent
            pass
    with locks.hold("deploy/awoooi-api", owner="run-B"):
        pass


def test_lock_waits_for_another_thread(db: Path) -> None:
    locks = TargetLocks(db, poll_interval_s=0.01)
    held = threading.Event()
    release = threading.Event()
    order: list[str] = []

    def holder() -> None:
        with locks.hold("t", owner="thread-A"):
            order.append("A in")
            held.set()
            release.wait(10)
            order.append("A out")

    th = threading.Thread(target=holder)
    th.start()
    held.wait(10)
    threading.Timer(0.05, release.set).start()
    with locks.hold("t", owner="thread-B", wait_s=30):
        order.append("B in")
    th.join(10)
    assert order == ["A in", "A out", "B in"]


def test_expired_lock_is_taken_over(db: Path) -> None:
    locks = TargetLocks(db)
    assert locks.try_acquire("t", owner="crashed", ttl_s=-1) is None  # already expired
    with locks.hold("t", owner="next"):
        pass


HOLDER = """
import sys
from openclaw.storage.sqlite.ledger import TargetLocks
locks = TargetLocks(sys.argv[1])
with locks.hold("deploy/awoooi-api", owner="other-process"):
    print("held", flush=True)
    sys.stdin.readline()
print("released", flush=True)
"""


def test_lock_across_processes(db: Path) -> None:
    locks = TargetLocks(db)
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout.readline().strip() == "held"
        with pytest.raises(ExecutionError, match="locked by other-process"):
            with locks.hold("deploy/awoooi-api", owner="this-process"):
                pass
        proc.stdin.write("go\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "released"
        with locks.hold("deploy/awoooi-api", owner="this-process"):
            pass
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
