"""Recent mutations per target, for anti-flapping (a table in the shared state database).

The trust node calls :meth:`History.reserve` for every mutation it judges: in one
``BEGIN IMMEDIATE`` transaction (PostgreSQL: an advisory lock per target) it reads how many mutations of the same target happened
within the policy's window (and how long ago the last one was) and inserts a
``reserved`` row, so two runs judged at the same moment, in one process or several,
never both see an empty history. A reservation counts like a mutation; the trust node
releases it (:meth:`History.release`) when the verdict is not ``auto``, and the execute
node's :meth:`History.record` turns it into the outcome (one run's mutation is one row).
Planned and dry-run mutations count as well as executed ones, so the limits behave the
same without a cluster. Times are epoch seconds from the pipeline's clock.

A ``History`` keeps one connection (:class:`.connection.SharedConnection`), like the audit
log; any number of processes may record and read at once.
"""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from pathlib import Path

from openclaw.storage.records import COUNTED_STATUSES, RESERVED, Recent
from openclaw.storage.sqlite.connection import SharedConnection, immediate

_SCHEMA = """
CREATE TABLE IF NOT EXISTS openclaw_action_history (
    id      INTEGER PRIMARY KEY,
    target  TEXT NOT NULL,
    tool    TEXT NOT NULL,
    run_id  TEXT NOT NULL,
    status  TEXT NOT NULL,
    at      REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS openclaw_action_history_target ON openclaw_action_history (target, at);
"""


class History:
    """The action history in the SQLite file ``db_path``."""

    def __init__(self, db_path: Path | str) -> None:
        self.db_path = Path(db_path)
        # NORMAL: written on every mutating run; losing the newest row on a power cut only shortens the window.
        self._shared = SharedConnection(self.db_path, what="the action history", schema=_SCHEMA,
                                        synchronous="NORMAL")

    def _connect(self) -> AbstractContextManager[sqlite3.Connection]:
        return self._shared.use()

    def close(self) -> None:
        self._shared.close()

    def record(self, *, target: str, tool: str, run_id: str, status: str, at: float) -> None:
        """One mutation attempt (any status; only ``COUNTED_STATUSES`` count): completes the run's oldest
        reservation of ``target`` when there is one, else appends a row."""
        with self._connect() as conn, immediate(conn):
            cur = conn.execute(
                "UPDATE openclaw_action_history SET tool = ?, status = ?, at = ? WHERE id = ("
                "SELECT id FROM openclaw_action_history WHERE target = ? AND run_id = ? AND status = ? "
                "ORDER BY id LIMIT 1)",
                (tool, status, float(at), target, run_id, RESERVED),
            )
            if cur.rowcount == 0:
                conn.execute(
                    "INSERT INTO openclaw_action_history (target, tool, run_id, status, at) VALUES (?, ?, ?, ?, ?)",
                    (target, tool, run_id, status, float(at)),
                )

    def reserve(self, target: str, *, tool: str, run_id: str, at: float, since: float) -> Recent:
        """Read the target's recent mutations and reserve one more for ``run_id``, in one transaction.

        Returns what was there before the reservation, leaving out ``run_id``'s own rows (the trust
        node counts earlier mutations of the same decision itself).
        """
        marks = ",".join("?" * len(COUNTED_STATUSES))
        with self._connect() as conn, immediate(conn):
            count, last = conn.execute(
                f"SELECT COALESCE(SUM(at >= ?), 0), MAX(at) FROM openclaw_action_history "
                f"WHERE target = ? AND run_id != ? AND status IN ({marks})",
                (float(since), target, run_id, *COUNTED_STATUSES),
            ).fetchone()
            conn.execute(
                "INSERT INTO openclaw_action_history (target, tool, run_id, status, at) VALUES (?, ?, ?, ?, ?)",
                (target, tool, run_id, RESERVED, float(at)),
            )
        return Recent(int(count), last)

    def release(self, target: str, *, run_id: str) -> None:
        """Drop ``run_id``'s newest reservation of ``target`` (its verdict was not ``auto``)."""
        with self._connect() as conn, immediate(conn):
            conn.execute(
                "DELETE FROM openclaw_action_history WHERE id = (SELECT id FROM openclaw_action_history "
                "WHERE target = ? AND run_id = ? AND status = ? ORDER BY id DESC LIMIT 1)",
                (target, run_id, RESERVED),
            )

    def count(self, target: str, since: float) -> int:
        """Counted mutations of ``target`` at or after ``since`` (epoch seconds)."""
        return self.recent(target, since).count

    def recent(self, target: str, since: float) -> Recent:
        """The count since ``since`` and the time of the last counted mutation, in one query."""
        marks = ",".join("?" * len(COUNTED_STATUSES))
        with self._connect() as conn:
            count, last = conn.execute(
                f"SELECT COALESCE(SUM(at >= ?), 0), MAX(at) FROM openclaw_action_history "
                f"WHERE target = ? AND status IN ({marks})",
                (float(since), target, *COUNTED_STATUSES),
            ).fetchone()
        return Recent(int(count), last)
