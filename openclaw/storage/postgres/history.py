"""Recent mutations per target, for anti-flapping, in PostgreSQL (reference: :mod:`openclaw.storage.sqlite.history`).

:meth:`History.reserve` takes a transaction-scoped advisory lock on the target
(``pg_advisory_xact_lock(hashtextextended('openclaw_action_history:' || target, 0))``), then counts
the recent mutations and inserts the ``reserved`` row in the same transaction: two runs judged at the
same moment, on any replicas, queue on that lock and never both see an empty history, while other
targets are not held up. :meth:`History.record` and :meth:`History.release`, which rewrite a run's
reservation, take the same lock.
"""

from __future__ import annotations

from typing import Any

from openclaw.storage.postgres.connection import Pg
from openclaw.storage.records import COUNTED_STATUSES, RESERVED, Recent

_WHAT = "the action history"
_COUNT = ("SELECT COALESCE(SUM(CASE WHEN at >= %s THEN 1 ELSE 0 END), 0), MAX(at) FROM openclaw_action_history "
          "WHERE target = %s AND status = ANY(%s)")


class History:
    """The action history in one PostgreSQL database."""

    def __init__(self, pg: Pg) -> None:
        self._pg = pg

    def close(self) -> None:
        """Nothing to do: the pool is the database's (``PostgresDatabase.close``)."""

    def _lock(self, conn: Any, target: str) -> None:
        self._pg.advisory_lock(conn, f"openclaw_action_history:{target}")

    def record(self, *, target: str, tool: str, run_id: str, status: str, at: float) -> None:
        """One mutation attempt (any status; only ``COUNTED_STATUSES`` count): completes the run's oldest
        reservation of ``target`` when there is one, else appends a row."""
        with self._pg.tx(_WHAT, durable=False) as conn:
            self._lock(conn, target)
            cur = conn.execute(
                "UPDATE openclaw_action_history SET tool = %s, status = %s, at = %s WHERE id = ("
                "SELECT id FROM openclaw_action_history WHERE target = %s AND run_id = %s AND status = %s "
                "ORDER BY id LIMIT 1)",
                (tool, status, float(at), target, run_id, RESERVED),
            )
            if cur.rowcount == 0:
                conn.execute(
                    "INSERT INTO openclaw_action_history (target, tool, run_id, status, at) "
                    "VALUES (%s, %s, %s, %s, %s)",
                    (target, tool, run_id, status, float(at)),
                )

    def reserve(self, target: str, *, tool: str, run_id: str, at: float, since: float) -> Recent:
        """Read the target's recent mutations and reserve one more for ``run_id``, in one transaction.

        Returns what was there before the reservation, leaving out ``run_id``'s own rows (the trust
        node counts earlier mutations of the same decision itself).
        """
        with self._pg.tx(_WHAT, durable=False) as conn:
            self._lock(conn, target)
            count, last = conn.execute(_COUNT + " AND run_id != %s",
                                       (float(since), target, list(COUNTED_STATUSES), run_id)).fetchone()
            conn.execute(
                "INSERT INTO openclaw_action_history (target, tool, run_id, status, at) VALUES (%s, %s, %s, %s, %s)",
                (target, tool, run_id, RESERVED, float(at)),
            )
        return Recent(int(count), last)

    def release(self, target: str, *, run_id: str) -> None:
        """Drop ``run_id``'s newest reservation of ``target`` (its verdict was not ``auto``)."""
        with self._pg.tx(_WHAT, durable=False) as conn:
            self._lock(conn, target)
            conn.execute(
                "DELETE FROM openclaw_action_history WHERE id = (SELECT id FROM openclaw_action_history "
                "WHERE target = %s AND run_id = %s AND status = %s ORDER BY id DESC LIMIT 1)",
                (target, run_id, RESERVED),
            )

    def count(self, target: str, since: float) -> int:
        """Counted mutations of ``target`` at or after ``since`` (epoch seconds)."""
        return self.recent(target, since).count

    def recent(self, target: str, since: float) -> Recent:
        """The count since ``since`` and the time of the last counted mutation, in one query."""
        with self._pg.read(_WHAT) as conn:
            count, last = conn.execute(_COUNT, (float(since), target, list(COUNTED_STATUSES))).fetchone()
        return Recent(int(count), last)
