"""Recent mutations per target, for anti-flapping (a table in the shared state database).

The execute node records every mutating action it runs (``PipelineContext.history``);
the trust node asks :meth:`History.recent` how many mutations of the same target
happened within the policy's window and how long ago the last one was. Planned and
dry-run mutations count as well as executed ones, so the limits behave the same
without a cluster. Times are epoch seconds from the pipeline's clock.

Each call opens its own connection (openclaw.runs.sqlite), like the audit log, so any
number of processes may record and read at once.
"""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from openclaw.runs.sqlite import session

COUNTED_STATUSES = ("planned", "dry_run", "executed")
"""Outcomes that count as a mutation of the target."""

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


@dataclass(frozen=True)
class Recent:
    count: int
    """Counted mutations of the target at or after ``since``."""
    last_at: float | None
    """Epoch seconds of the newest counted mutation of the target (any time), or None."""


class History:
    """The action history in the SQLite file ``db_path``."""

    def __init__(self, db_path: Path | str) -> None:
        self.db_path = Path(db_path)

    def _connect(self) -> AbstractContextManager[sqlite3.Connection]:
        # NORMAL: written on every mutating run; losing the newest row on a power cut only shortens the window.
        return session(self.db_path, what="the action history", schema=_SCHEMA, synchronous="NORMAL")

    def record(self, *, target: str, tool: str, run_id: str, status: str, at: float) -> None:
        """Append one mutation attempt (any status; only ``COUNTED_STATUSES`` count)."""
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO openclaw_action_history (target, tool, run_id, status, at) VALUES (?, ?, ?, ?, ?)",
                (target, tool, run_id, status, float(at)),
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
