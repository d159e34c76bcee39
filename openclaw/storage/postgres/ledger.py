"""The idempotency ledger and the per-target locks in PostgreSQL (logic: :mod:`openclaw.storage.once`).

**Claims** (:meth:`ActionLedger.claim`) insert the ``in_progress`` record with
``INSERT ... ON CONFLICT (run_id, digest) DO NOTHING RETURNING``: exactly one racing caller gets
``claimed``; the others lock the existing row (``SELECT ... FOR UPDATE``) and report it ``done`` or
``in_progress`` (or re-claim it, for a read-only action). :meth:`ActionLedger.complete` is a
conditional ``UPDATE``, so a second completion keeps the first outcome.

**Locks** are leases, one row per target: :meth:`TargetLocks.try_acquire` is a single
``INSERT ... ON CONFLICT (target) DO UPDATE ... WHERE expires_at <= now OR owner = excluded.owner
RETURNING``, which takes a free, expired or already-held lock atomically; when it returns no row the
lock is someone else's and its holder is read in the same transaction.
"""

from __future__ import annotations

import json
import time
from typing import Any

from openclaw.errors import StoreError
from openclaw.storage.once import HoldLock, RunOnce, encode_outcome
from openclaw.storage.postgres.connection import Pg
from openclaw.storage.records import Claim, Unfinished

_WHAT = "the idempotency ledger"


def _loads(text: str | None) -> Any:
    return json.loads(text) if text else None


class ActionLedger(RunOnce):
    """Idempotency records per ``(run_id, digest)`` in one PostgreSQL database."""

    def __init__(self, pg: Pg) -> None:
        self._pg = pg

    def unfinished(self, run_id: str) -> list[Unfinished]:
        """The run's records still ``in_progress`` (their outcome is unknown until reconciled)."""
        with self._pg.tx(_WHAT) as conn:
            rows = conn.execute(
                "SELECT digest, owner, claimed_at, intent FROM openclaw_action_ledger"
                " WHERE run_id = %s AND state = 'in_progress' ORDER BY claimed_at",
                (run_id,),
            ).fetchall()
        return [Unfinished(run_id, d, o, c, _loads(i)) for d, o, c, i in rows]

    def claim(self, run_id: str, digest: str, *, owner: str, takeover: bool = False,
              intent: dict[str, Any] | None = None) -> Claim:
        """Write an ``in_progress`` record unless one exists; see ``Claim`` for the states.

        ``takeover=True`` re-claims an ``in_progress`` record (only for read-only actions).
        """
        now = time.time()
        with self._pg.tx(_WHAT) as conn:
            inserted = conn.execute(
                "INSERT INTO openclaw_action_ledger (run_id, digest, owner, state, claimed_at, intent)"
                " VALUES (%s, %s, %s, 'in_progress', %s, %s) ON CONFLICT (run_id, digest) DO NOTHING RETURNING owner",
                (run_id, digest, owner, now, json.dumps(intent, sort_keys=True) if intent else None),
            ).fetchone()
            if inserted is not None:
                return Claim(state="claimed", owner=owner, claimed_at=now)
            prev_owner, state, status, result, claimed_at = conn.execute(
                "SELECT owner, state, status, result, claimed_at FROM openclaw_action_ledger"
                " WHERE run_id = %s AND digest = %s FOR UPDATE",
                (run_id, digest),
            ).fetchone()
            if state == "done":
                return Claim("done", prev_owner, claimed_at, status, _loads(result) or {})
            if takeover:
                conn.execute(
                    "UPDATE openclaw_action_ledger SET owner = %s, claimed_at = %s WHERE run_id = %s AND digest = %s",
                    (owner, now, run_id, digest),
                )
                return Claim(state="claimed", owner=owner, claimed_at=now)
            return Claim(state="in_progress", owner=prev_owner, claimed_at=claimed_at)

    def complete(self, run_id: str, digest: str, *, status: str, result: dict[str, Any]) -> None:
        """Record the outcome of a claimed action. A second ``complete`` keeps the first outcome."""
        encoded = encode_outcome(run_id, digest, result)
        with self._pg.tx(_WHAT) as conn:
            cur = conn.execute(
                "UPDATE openclaw_action_ledger SET state = 'done', status = %s, result = %s, completed_at = %s"
                " WHERE run_id = %s AND digest = %s AND state = 'in_progress'",
                (status, encoded, time.time(), run_id, digest),
            )
            if cur.rowcount == 0:
                exists = conn.execute(
                    "SELECT 1 FROM openclaw_action_ledger WHERE run_id = %s AND digest = %s", (run_id, digest)
                ).fetchone()
                if exists is None:
                    raise StoreError(f"no ledger record for action {digest} in run {run_id}; claim() it first")

    def get(self, run_id: str, digest: str) -> Claim | None:
        """The record for a key, or None (read-only; ``state`` is ``done`` or ``in_progress``)."""
        with self._pg.tx(_WHAT) as conn:
            row = conn.execute(
                "SELECT owner, state, status, result, claimed_at FROM openclaw_action_ledger"
                " WHERE run_id = %s AND digest = %s",
                (run_id, digest),
            ).fetchone()
        if row is None:
            return None
        owner, state, status, result, claimed_at = row
        return Claim(state, owner, claimed_at, status, _loads(result))


class TargetLocks(HoldLock):
    """Per-target mutual exclusion across threads and processes, with expiry."""

    def __init__(self, pg: Pg, *, poll_interval_s: float = 0.05) -> None:
        self._pg = pg
        self.poll_interval_s = poll_interval_s

    def try_acquire(self, target: str, *, owner: str, ttl_s: float = 300.0) -> tuple[str, float] | None:
        """Take the lock if free, expired or already ours; else return ``(holder, expires_at)``."""
        now = time.time()
        with self._pg.tx("the target locks") as conn:
            taken = conn.execute(
                "INSERT INTO openclaw_target_locks (target, owner, acquired_at, expires_at) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (target) DO UPDATE SET owner = excluded.owner,"
                " acquired_at = excluded.acquired_at, expires_at = excluded.expires_at"
                " WHERE openclaw_target_locks.expires_at <= %s OR openclaw_target_locks.owner = excluded.owner"
                " RETURNING owner",
                (target, owner, now, now + ttl_s, now),
            ).fetchone()
            if taken is not None:
                return None
            holder = conn.execute("SELECT owner, expires_at FROM openclaw_target_locks WHERE target = %s",
                                  (target,)).fetchone()
        return holder[0], holder[1]

    def release(self, target: str, *, owner: str) -> None:
        """Free the lock if ``owner`` still holds it (an expired and re-taken lock is left alone)."""
        with self._pg.tx("the target locks") as conn:
            conn.execute("DELETE FROM openclaw_target_locks WHERE target = %s AND owner = %s", (target, owner))

    def release_all(self, *, owner: str) -> list[str]:
        """Free every lock ``owner`` holds (recovery, once that owner's run is reconciled); the targets freed."""
        with self._pg.tx("the target locks") as conn:
            rows = conn.execute("DELETE FROM openclaw_target_locks WHERE owner = %s RETURNING target",
                                (owner,)).fetchall()
        return [r[0] for r in rows]
