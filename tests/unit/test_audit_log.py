"""openclaw.storage.sqlite.audit: the append-only, hash-chained audit log.

Covers: entries get contiguous seq numbers, link to the previous hash (genesis for the
first) and carry a hash recomputable from their fields; entries(run_id) filters; the log
survives reopening and uses WAL; verify() is empty when intact and reports an edited
payload, an edited kind, reordered entries, an entry removed in the middle, the last
entry removed (via the head record) and a removed head (and that rewriting the head too
needs an external anchor); UPDATE and DELETE are refused
by triggers, so entries outlive expired requests; appends from several processes and
threads form one intact chain; payloads JSON cannot carry exactly are refused.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from datetime import UTC, datetime

import pytest

from openclaw.approvals.digest import canonical_json, sha256_hex
from openclaw.storage.records import GENESIS_HASH
from openclaw.storage.sqlite.audit import AuditLog

AT = datetime(2030, 1, 1, 12, tzinfo=UTC)


def fill(log: AuditLog, n: int = 5) -> None:
    kinds = ["verdict", "approval", "approval", "execution", "expired"]
    for i in range(n):
        log.append(kinds[i % len(kinds)], f"run-{i % 2}", {"i": i, "who": "álice"}, at=AT)


def tamper(db, *statements: str) -> None:
    """What an attacker with write access to the file does: drop the guards and edit."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    conn.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    for statement in statements:
        conn.execute(statement)
    conn.close()


@pytest.fixture
def db(tmp_path):
    return tmp_path / "state" / "openclaw.db"


def test_append_builds_a_chain(db):
    log = AuditLog(db)
    first = log.append("verdict", "run-1", {"action": 0, "verdict": "approval"}, at=AT)
    second = log.append("approval", "run-1", {"approver": "alice"}, at=AT)
    assert (first.seq, second.seq) == (1, 2)
    assert first.prev_hash == GENESIS_HASH and second.prev_hash == first.hash
    assert first.at == "2030-01-01T12:00:00Z"
    expected = sha256_hex(
        canonical_json(
            {"seq": 1, "at": first.at, "kind": "verdict", "run_id": "run-1",
             "payload": {"action": 0, "verdict": "approval"}, "prev_hash": GENESIS_HASH}
        )
    )
    assert first.hash == expected == first.expected_hash()
    assert log.head() == (2, second.hash)
    assert log.entries() == [first, second]


def test_entries_filter_by_run_and_survive_reopening(db):
    fill(AuditLog(db), 5)
    reopened = AuditLog(db)
    assert [e.seq for e in reopened.entries("run-0")] == [1, 3, 5]
    assert [e.seq for e in reopened.entries("run-1")] == [2, 4]
    assert reopened.entries("nope") == []
    assert reopened.entries()[0].payload == {"i": 0, "who": "álice"}
    mode = sqlite3.connect(db).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_run_id_may_be_none(db):
    log = AuditLog(db)
    entry = log.append("policy", None, {"version": "v1"})
    assert entry.run_id is None and log.verify() == []


def test_intact_logs_verify_clean(db):
    log = AuditLog(db)
    assert log.verify() == [] and log.head() == (0, GENESIS_HASH)
    fill(log)
    assert log.verify() == []


def test_edited_payload_is_detected(db):
    fill(AuditLog(db))
    tamper(db, """UPDATE audit_log SET payload = '{"i":2,"who":"mallory"}' WHERE seq = 3""")
    problems = AuditLog(db).verify()
    assert problems == ["entry 3 (approval): content does not match its hash: it was edited"]


def test_edited_kind_is_detected(db):
    fill(AuditLog(db))
    tamper(db, "UPDATE audit_log SET kind = 'approval' WHERE seq = 5")
    assert any("entry 5" in p and "edited" in p for p in AuditLog(db).verify())


def test_reordered_entries_are_detected(db):
    fill(AuditLog(db))
    tamper(
        db,
        "UPDATE audit_log SET seq = 100 WHERE seq = 2",
        "UPDATE audit_log SET seq = 2 WHERE seq = 3",
        "UPDATE audit_log SET seq = 3 WHERE seq = 100",
    )
    problems = AuditLog(db).verify()
    assert any("entry 2" in p and "prev_hash" in p for p in problems)
    assert any("entry 3" in p and "edited" in p for p in problems)


def test_an_entry_removed_in_the_middle_is_detected(db):
    fill(AuditLog(db))
    tamper(db, "DELETE FROM audit_log WHERE seq = 2")
    problems = AuditLog(db).verify()
    assert problems[0] == "entry 2 removed: the log jumps from seq 1 to 3"
    assert "entry 3: prev_hash" in problems[1]


def test_the_last_entry_removed_is_detected_through_the_head(db):
    fill(AuditLog(db))
    tamper(db, "DELETE FROM audit_log WHERE seq = 5")
    assert AuditLog(db).verify() == [
        "head record says the log ends at seq 5 but the last entry is seq 4: the newest entries were removed"
    ]


def test_removing_the_head_too_is_detected(db):
    fill(AuditLog(db))
    tamper(db, "DELETE FROM audit_head")
    assert AuditLog(db).verify() == ["head record is missing but the log has 5 entries: it was removed"]


def test_rewriting_the_head_as_well_needs_an_external_anchor(db):
    fill(AuditLog(db))
    tamper(db, "DELETE FROM audit_log WHERE seq = 5")
    conn = sqlite3.connect(db)
    last = conn.execute("SELECT hash FROM audit_log WHERE seq = 4").fetchone()[0]
    conn.close()
    tamper(db, f"UPDATE audit_head SET seq = 4, hash = '{last}'")
    # Without an external anchor this is undetectable by design; the head is what to copy out.
    assert AuditLog(db).verify() == []
    assert AuditLog(db).head() == (4, last)


def test_update_and_delete_are_refused_so_entries_outlive_their_requests(db):
    fill(AuditLog(db))
    conn = sqlite3.connect(db)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM audit_log WHERE kind = 'expired'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE audit_log SET payload = '{}'")
    conn.close()
    assert len(AuditLog(db).entries()) == 5 and AuditLog(db).verify() == []


def test_appending_after_reopen_continues_the_chain(db):
    fill(AuditLog(db), 3)
    entry = AuditLog(db).append("execution", "run-9", {"ok": True})
    assert entry.seq == 4 and entry.prev_hash == AuditLog(db).entries()[2].hash


def _append_many(db_path: str, worker: int, count: int) -> None:
    log = AuditLog(db_path)
    for i in range(count):
        log.append("approval", f"run-{worker}", {"worker": worker, "i": i})


def test_appends_from_several_processes_form_one_chain(db):
    AuditLog(db).append("start", None, {})
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_append_many, args=(str(db), w, 20)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    log = AuditLog(db)
    entries = log.entries()
    assert [e.seq for e in entries] == list(range(1, 82))
    assert log.verify() == []
    for w in range(4):
        assert [e.payload["i"] for e in log.entries(f"run-{w}")] == list(range(20))


def test_appends_from_several_threads_share_one_log(db):
    log = AuditLog(db)
    threads = [threading.Thread(target=lambda w=w: [log.append("t", None, {"w": w, "i": i}) for i in range(10)]) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(log.entries()) == 40 and log.verify() == []


@pytest.mark.parametrize("payload", [{"x": float("nan")}, {1: "int key"}, {"s": {1, 2}}])
def test_payloads_json_cannot_carry_are_refused_and_nothing_is_written(db, payload):
    log = AuditLog(db)
    with pytest.raises(ValueError):
        log.append("verdict", "run-1", payload)
    assert log.entries() == []
    with pytest.raises(ValueError):
        log.append("", "run-1", {})
