"""The SQLite audit log and action history keep one connection each (openclaw.storage.sqlite.connection.SharedConnection).

Covers: one connection for any number of calls, from any thread; another writer's commits are seen through it;
a transaction left open by a failed unit of work is rolled back and the error is a one-line StoreError; close()
closes it and ``Storage.close()`` closes the audit log's and the history's.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

import openclaw.storage.sqlite.connection as connection
from openclaw.errors import StoreError
from openclaw.storage.sqlite import open_sqlite
from openclaw.storage.sqlite.audit import AuditLog
from openclaw.storage.sqlite.history import History


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The path of every connection the adapter opens from now on."""
    paths: list[Path] = []
    real = connection.connect

    def counting(path: Path, **kwargs):
        paths.append(Path(path))
        return real(path, **kwargs)

    monkeypatch.setattr(connection, "connect", counting)
    return paths


def test_appends_checks_and_history_calls_share_one_connection_each(tmp_path: Path, opened: list[Path]) -> None:
    db = tmp_path / "state.db"
    log, history = AuditLog(db), History(db)
    threads = [threading.Thread(target=log.append, args=("verdict", f"run-{i}", {"i": i})) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert log.check() == ()
    history.reserve("deployment/ns/api", tool="restart_deployment", run_id="run-1", at=100.0, since=0.0)
    history.release("deployment/ns/api", run_id="run-1")
    assert history.recent("deployment/ns/api", 0.0).count == 0
    assert opened == [db, db]  # one for the log, one for the history
    assert sorted(e.run_id for e in log.entries()) == [f"run-{i}" for i in range(4)]
    log.close()
    history.close()


def test_the_kept_connection_sees_another_writers_entries(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    mine, theirs = AuditLog(db), AuditLog(db)
    mine.append("verdict", "run-1", {"a": 1})
    theirs.append("verdict", "run-2", {"b": 2})
    assert mine.check() == ()
    assert [e.run_id for e in mine.entries()] == ["run-1", "run-2"]
    assert mine.append("execution", "run-1", {"c": 3}).seq == 3
    mine.close()
    theirs.close()


def test_a_failed_unit_of_work_is_rolled_back_and_reported_in_one_line(tmp_path: Path) -> None:
    shared = connection.SharedConnection(tmp_path / "state.db", what="the test table",
                                         schema="CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY);",
                                         synchronous="NORMAL")
    with pytest.raises(StoreError) as caught, shared.use() as conn:
        conn.execute("BEGIN")
        conn.execute("INSERT INTO t VALUES (1)")
        conn.execute("INSERT INTO t VALUES (1)")  # unique: fails inside the transaction
    assert str(caught.value).startswith("the test table in ") and "\n" not in str(caught.value)
    with shared.use() as conn:
        assert not conn.in_transaction
        assert conn.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 0  # the first insert was rolled back
    shared.close()


def test_storage_close_closes_the_audit_logs_and_the_historys_connections(tmp_path: Path) -> None:
    storage = open_sqlite(tmp_path)
    storage.audit.append("verdict", "run-1", {"a": 1})
    storage.history.recent("deployment/ns/api", 0.0)
    kept = [storage.audit._shared._conn, storage.history._shared._conn]
    assert all(conn is not None for conn in kept)
    storage.close()
    for conn in kept:
        with pytest.raises(sqlite3.ProgrammingError):  # closed
            conn.execute("SELECT 1")
