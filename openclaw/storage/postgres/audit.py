"""The hash-chained audit log in PostgreSQL (the chain's logic: :mod:`openclaw.storage.chain`).

``openclaw_audit_log`` holds the entries, ``openclaw_audit_head`` the one head row the migration
inserts. **Appends** are serialised across every process by a row lock on the head: each append
transaction starts with ``SELECT ... FROM openclaw_audit_head WHERE id = 1 FOR UPDATE``, so the
next appender waits until the previous one has committed its entries and moved the head, and the
``seq`` numbers stay contiguous and the chain verifiable. **Reads** for verification
(:meth:`AuditLog._snapshot`) are one statement: the head and the entries come from the same
snapshot. **Append-only**: triggers refuse UPDATE, DELETE and TRUNCATE on the
entries. The payload is stored as the canonical JSON text that was hashed, byte for byte.
"""

from __future__ import annotations

from typing import Any

from openclaw.storage.chain import AuditChain, Prepared, Row
from openclaw.storage.postgres.connection import Pg
from openclaw.storage.records import GENESIS_HASH, AuditEntry, entry_hash

_COLUMNS = "seq, at, kind, run_id, payload, prev_hash, hash"
_WHAT = "the audit log"
_SNAPSHOT = (
    "SELECT 0 AS part, seq, NULL::text, NULL::text, NULL::text, NULL::text, NULL::text, hash"
    " FROM openclaw_audit_head WHERE id = 1"
    f" UNION ALL SELECT 1, {_COLUMNS} FROM openclaw_audit_log WHERE seq >= %s"
    " ORDER BY 1, 2"
)
"""The head and the entries from a ``seq`` in one statement, hence from one snapshot (every statement
sees one, whatever the isolation level): ``(0, seq, …, hash)`` for the head, ``(1, *entry)`` for each."""


class AuditLog(AuditChain):
    """The audit log in one PostgreSQL database."""

    def __init__(self, pg: Pg) -> None:
        super().__init__()
        self._pg = pg
        self.where = pg.where
        self.verify_command = "openclaw audit verify"

    def close(self) -> None:
        """Nothing to do: the pool is the database's (``PostgresDatabase.close``)."""

    def _append_rows(self, prepared: list[Prepared], stamp: str) -> tuple[tuple[int, str], list[AuditEntry]]:
        out: list[AuditEntry] = []
        with self._pg.tx(_WHAT, durable=False) as conn:  # like every step's bookkeeping (see .connection)
            row = conn.execute("SELECT seq, hash FROM openclaw_audit_head WHERE id = 1 FOR UPDATE").fetchone()
            if row is None:  # the head row was deleted: recreate it from the last entry, then lock it
                conn.execute(
                    "INSERT INTO openclaw_audit_head (id, seq, hash) "
                    "SELECT 1, COALESCE(MAX(seq), 0), COALESCE((SELECT hash FROM openclaw_audit_log "
                    "ORDER BY seq DESC LIMIT 1), %s) FROM openclaw_audit_log ON CONFLICT (id) DO NOTHING",
                    (GENESIS_HASH,),
                )
                row = conn.execute("SELECT seq, hash FROM openclaw_audit_head WHERE id = 1 FOR UPDATE").fetchone()
            seq, prev = int(row[0]), row[1]
            start = (seq, prev)
            rows = []
            for kind, run_id, payload, encoded in prepared:
                seq += 1
                digest = entry_hash(seq, stamp, kind, run_id, payload, prev)
                rows.append((seq, stamp, kind, run_id, encoded, prev, digest))
                out.append(AuditEntry(seq, stamp, kind, run_id, payload, prev, digest))
                prev = digest
            with conn.cursor() as cur:
                cur.executemany(f"INSERT INTO openclaw_audit_log ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                                rows)
            conn.execute("UPDATE openclaw_audit_head SET seq = %s, hash = %s WHERE id = 1", (seq, prev))
        return start, out

    def _snapshot(self, from_seq: int) -> tuple[Row | None, list[Row]]:
        with self._pg.read(_WHAT) as conn:  # one statement: one snapshot, one round trip
            found = conn.execute(_SNAPSHOT, (from_seq,)).fetchall()
        head = next(((r[1], r[7]) for r in found if r[0] == 0), None)
        return head, [r[1:] for r in found if r[0] == 1]

    def entries(self, run_id: str | None = None) -> list[AuditEntry]:
        query = f"SELECT {_COLUMNS} FROM openclaw_audit_log"
        params: tuple[Any, ...] = ()
        if run_id is not None:
            query += " WHERE run_id = %s"
            params = (run_id,)
        with self._pg.read(_WHAT) as conn:
            rows = conn.execute(query + " ORDER BY seq", params).fetchall()
        return [self._entry(row) for row in rows]

    def head(self) -> tuple[int, str]:
        with self._pg.read(_WHAT) as conn:
            row = conn.execute("SELECT seq, hash FROM openclaw_audit_head WHERE id = 1").fetchone()
        return (int(row[0]), row[1]) if row else (0, GENESIS_HASH)
