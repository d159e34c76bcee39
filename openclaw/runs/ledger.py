"""Exactly-once bookkeeping for actions: idempotency records and per-target locks (SQLite).

Both live in the shared state database (one file, several processes). Every write
runs in ``BEGIN IMMEDIATE`` on a fresh connection with WAL and a busy timeout, so
two processes that race for the same record or lock serialise on SQLite's write
lock instead of corrupting each other.

**Idempotency** (``ActionLedger``): the key is ``(run_id, digest)``. A record is
written as ``in_progress`` *before* the action runs and completed with its outcome
after it. A replay or a resumed run that claims the same key gets the recorded
outcome back (``state="done"``) and never calls the cluster again.

**Crashed claims.** A record still ``in_progress`` means another process is running
the action right now, or crashed between the call and ``complete()``. Its outcome
is unknown: the mutation may or may not have reached the API server. OpenClaw never
re-runs such a mutation blindly. ``run_once`` reports it as ``failed`` with
"outcome unknown; check the deployment before retrying" and leaves the record as it
is, so every later replay says the same thing until a person looks. Read-only
actions have nothing to lose by running twice; callers pass ``takeover=True``
(``run_once(..., mutating=False)`` does) to claim them again.

**Intent.** A claim may carry what the action is about to do (``intent``: the tool, its
arguments, the mode and, for a restart, the ``restartedAt`` stamp it will write), so
recovery can reconcile a record left ``in_progress`` by reading the cluster instead of
guessing (:meth:`ActionLedger.unfinished`, then :meth:`ActionLedger.complete`).

**Locks** (``TargetLocks``): one row per target (e.g. a deployment's API path) with
its owner and an expiry (wall clock, seconds). A lock whose holder crashed expires
after ``ttl_s``. Locks are not re-entrant: the same owner acquiring twice refreshes
the expiry, and the first release frees it.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from openclaw.errors import ExecutionError, StoreError
from openclaw.runs.sqlite import immediate, session


UNKNOWN_OUTCOME = "outcome unknown; check the deployment before retrying"

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


@dataclass(frozen=True)
class Unfinished:
    """A ledger record left ``in_progress``: its key, who claimed it, and what it was about to do."""

    run_id: str
    digest: str
    owner: str
    claimed_at: float
    intent: dict[str, Any] | None


@dataclass(frozen=True)
class Claim:
    """The answer to ``ActionLedger.claim``.

    ``claimed``: you own the record; run the action, then ``complete()``.
    ``done``: it ran before; ``status``/``result`` are what was recorded.
    ``in_progress``: someone else claimed it at ``claimed_at`` (epoch seconds) and
    has not completed it (still running, or crashed: the outcome is unknown).
    """

    state: Literal["claimed", "done", "in_progress"]
    owner: str
    claimed_at: float
    status: str | None = None
    result: dict[str, Any] | None = None

    def unknown_outcome(self) -> dict[str, Any]:
        """The ``result`` to report for an ``in_progress`` claim, naming who holds it."""
        since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.claimed_at))
        return {
            "error": f"{UNKNOWN_OUTCOME} (claimed by {self.owner} at {since} and never completed: "
            "still running elsewhere, or that process crashed)",
            "status": None,
            "outcome_unknown": True,
        }


@dataclass(frozen=True)
class Recorded:
    """What ``run_once`` returns: the outcome and whether it came from the ledger."""

    status: str
    result: dict[str, Any]
    replayed: bool


class ActionLedger:
    """Idempotency records per ``(run_id, digest)`` in the SQLite file at ``path``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
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
        now = time.time()
        with _write(self.path) as conn:
            row = conn.execute(
                "SELECT owner, state, status, result, claimed_at FROM openclaw_action_ledger"
                " WHERE run_id = ? AND digest = ?",
                (run_id, digest),
            ).fetchone()
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
        try:
            encoded = json.dumps(result, sort_keys=True)
        except (TypeError, ValueError) as exc:
            raise StoreError(f"the result of action {digest} in run {run_id} is not JSON: {exc}") from exc
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
            row = conn.execute(
                "SELECT owner, state, status, result, claimed_at FROM openclaw_action_ledger"
                " WHERE run_id = ? AND digest = ?",
                (run_id, digest),
            ).fetchone()
        if row is None:
            return None
        owner, state, status, result, claimed_at = row
        return Claim(state, owner, claimed_at, status, json.loads(result) if result else None)

    def run_once(
        self,
        run_id: str,
        digest: str,
        *,
        owner: str,
        mutating: bool,
        fn: Callable[[], tuple[str, dict[str, Any]]],
        intent: dict[str, Any] | None = None,
    ) -> Recorded:
        """Claim, run ``fn() -> (status, result)``, complete; or return what was recorded.

        An ``in_progress`` record of a mutating action is reported as ``failed`` with
        "outcome unknown" and ``fn`` is not called (see the module docstring). If ``fn``
        raises, the action is completed as ``failed`` with "outcome unknown" and the
        exception propagates.
        """
        claim = self.claim(run_id, digest, owner=owner, takeover=not mutating, intent=intent)
        if claim.state == "done":
            return Recorded(claim.status or "failed", claim.result or {}, replayed=True)
        if claim.state == "in_progress":
            return Recorded("failed", claim.unknown_outcome(), replayed=True)
        try:
            status, result = fn()
        except BaseException as exc:
            self.complete(
                run_id, digest, status="failed",
                result={"error": f"{UNKNOWN_OUTCOME} (the executor raised {type(exc).__name__}: {exc})",
                        "status": None, "outcome_unknown": True},
            )
            raise
        self.complete(run_id, digest, status=status, result=result)
        return Recorded(status, result, replayed=False)


class TargetLocks:
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

    @contextmanager
    def hold(self, target: str, *, owner: str, ttl_s: float = 300.0, wait_s: float = 0.0) -> Iterator[None]:
        """Hold the lock on ``target`` for the ``with`` block, waiting up to ``wait_s`` seconds.

        Raises ExecutionError naming the holder when the lock stays taken.
        """
        deadline = time.monotonic() + wait_s
        while True:
            held = self.try_acquire(target, owner=owner, ttl_s=ttl_s)
            if held is None:
                break
            if time.monotonic() >= deadline:
                holder, expires_at = held
                left = max(0.0, expires_at - time.time())
                raise ExecutionError(
                    f"{target} is locked by {holder} (another run is changing it; the lock expires in "
                    f"{left:.0f} s); wait for that run to finish, then retry"
                )
            time.sleep(self.poll_interval_s)
        try:
            yield
        finally:
            self.release(target, owner=owner)
