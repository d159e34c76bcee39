"""The idempotency ledger and the per-target locks in the SQLite state database.

The logic (what a claim means, run-once, lock leases) is :mod:`openclaw.storage.once`. Both
tables live in the shared state database (one file, several processes). Every write runs in
``BEGIN IMMEDIATE`` on a fresh connection with WAL and a busy timeout, so two processes that race
for the same record or lock serialise on SQLite's write lock instead of corrupting each other.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from openclaw.errors import StoreError
from openclaw.storage.once import HoldLock, RunOnce, encode_outcome
from openclaw.storage.records import Claim, Unfinished
from openclaw.storage.sqlite.connection import immediate, session


_SCHEMA = """
CREATE TABLE IF NOT EXISTS openclaw_action_ledger (
    run_id       TEXT NOT NULL,
    digest       TEXT NOT NULL,
    owner        TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('in_progress', 'done')),
    status       TEXT,
    result       TEXT,
    claimed_at   REAL NOT NULL,
    completed_at REAL,
    intent       TEXT,
    PRIMARY KEY (run_id, digest)
);
CREATE TABLE IF NOT EXISTS openclaw_target_locks (
    target      TEXT PRIMARY KEY,
    owner       TEXT NOT NULL,
    acquired_at REAL NOT NULL,
    expires_at  REAL NOT NULL
);
"""


_WHAT = "the idempotency ledger"
_RECORD = ("SELECT owner, state, status, result, claimed_at FROM openclaw_action_ledger"
           " WHERE run_id = ? AND digest = ?")


@contextmanager
def _write(path: Path) -> Iterator[sqlite3.Connection]:
    """One ``BEGIN IMMEDIATE`` transaction, fsynced (FULL): a forgotten claim could repeat a mutation."""
    with session(path, what=_WHAT, schema=_SCHEMA) as conn, immediate(conn):
        yield conn


_MIGRATED: set[Path] = set()


def _migrate(path: Path) -> None:
    """Add ``intent`` to a ledger created before it existed (once per process and file)."""
    if path in _MIGRATED:
        return
    with _write(path) as conn:
        if "intent" not in {row[1] for row in conn.execute("PRAGMA table_info(openclaw_action_ledger)")}:
            conn.execute("ALTER TABLE openclaw_action_ledger ADD COLUMN intent TEXT")
    _MIGRATED.add(path)


class ActionLedger(RunOnce):
    """Idempotency records per ``(run_id, digest)`` in the SQLite file at ``path``."""

    def __init__(self, path: str | Path, *, before_claim: Callable[[], None] | None = None) -> None:
        self.path = Path(path)
        self.before_claim = before_claim
        """Called before every claim: the database's ``make_durable``, so the checkpoint a claimed action
        was decided in is on the disk before the action can leave the process."""
        with session(self.path, what=_WHAT, schema=_SCHEMA):
            pass
        _migrate(self.path)

    def unfinished(self, run_id: str) -> list[Unfinished]:
        """The run's records still ``in_progress`` (their outcome is unknown until reconciled)."""
        with session(self.path, what=_WHAT, schema=_SCHEMA) as conn:
            rows = conn.execute(
                "SELECT digest, owner, claimed_at, intent FROM openclaw_action_ledger"
                " WHERE run_id = ? AND state = 'in_progress' ORDER BY claimed_at",
                (run_id,),
            ).fetchall()
        return [Unfinished(run_id, d, o, c, json.loads(i) if i else None) for d, o, c, i in rows]

    def claim(self, run_id: str, digest: str, *, owner: str, takeover: bool = False,
              intent: dict[str, Any] | None = None) -> Claim:
        """Write an ``in_progress`` record unless one exists; see ``Claim`` for the states.

        ``takeover=True`` re-claims an ``in_progress`` record (only for read-only actions).
        """
        if self.before_claim is not None:
            self.before_claim()
        now = time.time()
        with _write(self.path) as conn:
            row = conn.execute(_RECORD, (run_id, digest)).fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO openclaw_action_ledger (run_id, digest, owner, state, claimed_at, intent)"
                    " VALUES (?, ?, ?, 'in_progress', ?, ?)",
                    (run_id, digest, owner, now, json.dumps(intent, sort_keys=True) if intent else None),
                )
                return Claim(state="claimed", owner=owner, claimed_at=now)
            prev_owner, state, status, result, claimed_at = row
            if state == "done":
                return Claim("done", prev_owner, claimed_at, status, json.loads(result) if result else {})
            if takeover:
                conn.execute(
                    "UPDATE openclaw_action_ledger SET owner = ?, claimed_at = ? WHERE run_id = ? AND digest = ?",
                    (owner, now, run_id, digest),
                )
                return Claim(state="claimed", owner=owner, claimed_at=now)
            return Claim(state="in_progress", owner=prev_owner, claimed_at=claimed_at)

    def complete(self, run_id: str, digest: str, *, status: str, result: dict[str, Any]) -> None:
        """Record the outcome of a claimed action. A second ``complete`` keeps the first outcome."""
        encoded = encode_outcome(run_id, digest, result)
        with _write(self.path) as conn:
            cur = conn.execute(
                "UPDATE openclaw_action_ledger SET state = 'done', status = ?, result = ?, completed_at = ?"
                " WHERE run_id = ? AND digest = ? AND state = 'in_progress'",
                (status, encoded, time.time(), run_id, digest),
            )
            if cur.rowcount == 0:
                exists = conn.execute(
                    "SELECT 1 FROM openclaw_action_ledger WHERE run_id = ? AND digest = ?", (run_id, digest)
                ).fetchone()
                if exists is None:
                    raise StoreError(f"no ledger record for action {digest} in run {run_id}; claim() it first")

    def get(self, run_id: str, digest: str) -> Claim | None:
        """The record for a key, or None (read-only; ``state`` is ``done`` or ``in_progress``)."""
        with session(self.path, what=_WHAT, schema=_SCHEMA) as conn:
            row = conn.execute(_RECORD, (run_id, digest)).fetchone()
        if row is None:
            return None
        owner, state, status, result, claimed_at = row
        return Claim(state, owner, claimed_at, status, json.loads(result) if result else None)


class TargetLocks(HoldLock):
    """Per-target mutual exclusion across threads and processes, with expiry."""

    def __init__(self, path: str | Path, *, poll_interval_s: float = 0.05) -> None:
        self.path = Path(path)
        self.poll_interval_s = poll_interval_s
        with session(self.path, what=_WHAT, schema=_SCHEMA):
            pass

    def try_acquire(self, target: str, *, owner: str, ttl_s: float = 300.0) -> tuple[str, float] | None:
        """Take the lock if free, expired or already ours; else return ``(holder, expires_at)``."""
        now = time.time()
        with _write(self.path) as conn:
            row = conn.execute(
                "SELECT owner, expires_at FROM openclaw_target_locks WHERE target = ?", (target,)
            ).fetchone()
            if row is not None and row[0] != owner and row[1] > now:
                return row[0], row[1]
            conn.execute(
                "INSERT INTO openclaw_target_locks (target, owner, acquired_at, expires_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(target) DO UPDATE SET owner = excluded.owner,"
                " acquired_at = excluded.acquired_at, expires_at = excluded.expires_at",
                (target, owner, now, now + ttl_s),
            )
            return None

    def release(self, target: str, *, owner: str) -> None:
        """Free the lock if ``owner`` still holds it (an expired and re-taken lock is left alone)."""
        with _write(self.path) as conn:
            conn.execute("DELETE FROM openclaw_target_locks WHERE target = ? AND owner = ?", (target, owner))

    def release_all(self, *, owner: str) -> list[str]:
        """Free every lock ``owner`` holds (recovery, once that owner's run is reconciled); the targets freed."""
        with _write(self.path) as conn:
            rows = conn.execute("SELECT target FROM openclaw_target_locks WHERE owner = ?", (owner,)).fetchall()
            conn.execute("DELETE FROM openclaw_target_locks WHERE owner = ?", (owner,))
        return [r[0] for r in rows]
