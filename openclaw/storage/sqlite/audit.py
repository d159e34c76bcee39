"""The hash-chained audit log in the SQLite state database (the chain's logic: :mod:`openclaw.storage.chain`).

The tables (``audit_log``, ``audit_head``) live next to the run store; triggers refuse UPDATE
and DELETE on entries, and nothing in OpenClaw deletes them, so entries outlive expired
requests and pruned runs. Appends take ``BEGIN IMMEDIATE`` so several processes can append
safely; WAL and a busy timeout let readers and writers overlap (:mod:`.connection`). An ``AuditLog``
keeps one connection (:class:`.connection.SharedConnection`), used by one thread at a time, so it may be
shared between threads; :meth:`AuditLog.close` closes it.
"""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from openclaw.storage.chain import AuditChain, Prepared, Row
from openclaw.storage.records import GENESIS_HASH, AuditEntry, entry_hash
from openclaw.storage.sqlite.connection import SharedConnection, immediate

_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_log (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    kind      TEXT NOT NULL,
    run_id    TEXT,
    payload   TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_log_run_id ON audit_log (run_id);
CREATE TABLE IF NOT EXISTS audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
"""

_COLUMNS = "seq, at, kind, run_id, payload, prev_hash, hash"


def missing_reason(db_path: Path | str) -> str | None:
    """Why there is no audit log in ``db_path`` (no file, an empty file, not SQLite, no ``audit_log``
    table), or None when there is one. Read-only: unlike :class:`AuditLog`, it creates nothing."""
    path = Path(db_path)
    if not path.exists():
        return "there is no state database there"
    if path.is_dir():
        return "it is a directory, not a state database"
    if path.stat().st_size == 0:
        return "the file is empty"
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10.0)
        try:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return f"it cannot be read as an SQLite database ({exc})"
    if "audit_log" not in tables:
        return "the database has no audit_log table"
    return None


class AuditLog(AuditChain):
    """The audit log in the SQLite file ``db_path`` (created with its directory when missing)."""

    def __init__(self, db_path: Path | str) -> None:
        super().__init__()
        self.db_path = Path(db_path)
        self.where = str(self.db_path)
        self.verify_command = f"openclaw audit verify --db {self.db_path}"
        # NORMAL (see .connection): written on every run; a power cut may lose the newest
        # entries but never breaks the chain.
        self._shared = SharedConnection(self.db_path, what="the audit log", schema=_SCHEMA, synchronous="NORMAL")

    def _connect(self) -> AbstractContextManager[sqlite3.Connection]:
        return self._shared.use()

    def close(self) -> None:
        self._shared.close()

    def _append_rows(self, prepared: list[Prepared], stamp: str) -> tuple[tuple[int, str], list[AuditEntry]]:
        out: list[AuditEntry] = []
        with self._connect() as conn, immediate(conn):
            row = conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
            if row is None:
                row = conn.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
            seq, prev = (row[0], row[1]) if row else (0, GENESIS_HASH)
            start = (seq, prev)
            for kind, run_id, payload, encoded in prepared:
                seq += 1
                digest = entry_hash(seq, stamp, kind, run_id, payload, prev)
                conn.execute(f"INSERT INTO audit_log ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                             (seq, stamp, kind, run_id, encoded, prev, digest))
                out.append(AuditEntry(seq, stamp, kind, run_id, payload, prev, digest))
                prev = digest
            conn.execute(
                "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
                (seq, prev),
            )
        return start, out

    def _snapshot(self, from_seq: int) -> tuple[Row | None, list[Row]]:
        with self._connect() as conn:
            conn.execute("BEGIN")  # one consistent snapshot of entries and head
            head = conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
            rows = conn.execute(f"SELECT {_COLUMNS} FROM audit_log WHERE seq >= ? ORDER BY seq",
                                (from_seq,)).fetchall()
            conn.execute("COMMIT")
        return head, rows

    def entries(self, run_id: str | None = None) -> list[AuditEntry]:
        query = f"SELECT {_COLUMNS} FROM audit_log"
        params: tuple[Any, ...] = ()
        if run_id is not None:
            query += " WHERE run_id = ?"
            params = (run_id,)
        with self._connect() as conn:
            rows = conn.execute(query + " ORDER BY seq", params).fetchall()
        return [self._entry(row) for row in rows]

    def head(self) -> tuple[int, str]:
        with self._connect() as conn:
            row = conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
        return (row[0], row[1]) if row else (0, GENESIS_HASH)
