"""AuditSink: appends from several replicas stay one verifiable chain; tampering is found; entries are
append-only. Same assertions on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import psycopg
import pytest

from openclaw.storage.ports import Storage
from openclaw.storage.records import GENESIS_HASH
from openclaw.testing.racing import race

OpenMore = Callable[[], Storage]


def tamper(storage: Storage, backend: str, seq: int, payload: str) -> None:
    """Rewrite one entry's payload behind OpenClaw's back, as someone with the database's owner rights could."""
    if backend == "postgresql":
        with psycopg.connect(storage.database.url, autocommit=True) as conn:  # type: ignore[attr-defined]
            conn.execute("ALTER TABLE openclaw_audit_log DISABLE TRIGGER openclaw_audit_log_no_update")
            conn.execute("UPDATE openclaw_audit_log SET payload = %s WHERE seq = %s", (payload, seq))
            conn.execute("ALTER TABLE openclaw_audit_log ENABLE TRIGGER openclaw_audit_log_no_update")
    else:
        conn = sqlite3.connect(storage.database.state_db, isolation_level=None)  # type: ignore[attr-defined]
        try:
            conn.execute("DROP TRIGGER audit_log_no_update")
            conn.execute("UPDATE audit_log SET payload = ? WHERE seq = ?", (payload, seq))
        finally:
            conn.close()


def test_an_empty_chain(storage: Storage):
    assert storage.audit.head() == (0, GENESIS_HASH)
    assert storage.audit.verify() == [] and storage.audit.entries() == []
    assert storage.audit.check() == () and storage.audit.refusal() is None


def test_appends_from_several_replicas_make_one_contiguous_chain(open_more: OpenMore):
    replicas = [open_more() for _ in range(4)]

    def append_25(i: int, storage: Storage) -> list[int]:
        return [storage.audit.append("verdict", f"run-{i}", {"n": n, "by": i, "x": 0.5}).seq for n in range(25)]

    seqs = race(replicas, append_25)

    entries = replicas[0].audit.entries()
    assert sorted(s for mine in seqs for s in mine) == list(range(1, 101))
    assert all(mine == sorted(mine) for mine in seqs)
    assert [e.seq for e in entries] == list(range(1, 101))
    assert replicas[0].audit.verify() == []
    assert replicas[0].audit.head() == (100, entries[-1].hash)
    assert [e.payload["n"] for e in replicas[0].audit.entries("run-2")] == list(range(25))


def test_append_many_and_the_payload_hashes_as_written(storage: Storage):
    payload = {"z": 1, "a": [1.25, "ü", None], "nested": {"b": True, "a": 10**15}}
    out = storage.audit.append_many([("approval", "run-1", payload), ("execution", None, {})])

    assert [e.seq for e in out] == [1, 2]
    assert storage.audit.entries() == out
    assert all(e.hash == e.expected_hash() for e in storage.audit.entries())
    assert storage.audit.verify() == []


def test_tampering_is_reported_and_mutations_are_refused(open_more: OpenMore, backend: str):
    storage = open_more()
    for n in range(3):
        storage.audit.append("verdict", "run-1", {"n": n})
    assert storage.audit.check() == ()

    tamper(storage, backend, 2, '{"n":99}')

    later = open_more()
    assert any("entry 2 (verdict): content does not match its hash: it was edited" in p
               for p in later.audit.verify())
    assert "the audit log is broken" in (later.audit.refusal() or "")
    assert later.audit.append("verdict", "run-1", {"n": 3}) is None
    assert later.audit.head()[0] == 3


@pytest.mark.parametrize("statement", ["UPDATE {t} SET kind = 'x'", "DELETE FROM {t}"])
def test_entries_are_append_only(storage: Storage, backend: str, statement: str):
    storage.audit.append("verdict", "run-1", {"n": 1})
    if backend == "postgresql":
        with psycopg.connect(storage.database.url, autocommit=True) as conn:  # type: ignore[attr-defined]
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                conn.execute(statement.format(t="openclaw_audit_log"))
    else:
        conn = sqlite3.connect(storage.database.state_db)  # type: ignore[attr-defined]
        try:
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                conn.execute(statement.format(t="audit_log"))
        finally:
            conn.close()
    assert storage.audit.verify() == []

