"""Signed decisions and resume claims, durable in the shared state database.

``openclaw_approvals`` holds every *accepted* signed decision (verified before it
gets here), one row per (run, action, person, kind): the same person approving
twice, from two processes at once or with two keys registered to the same name,
is stored once, so a race can never double count. A person may still reject after
approving (the tally lets the rejection win).

``openclaw_approval_cancellations`` holds the runs whose open requests were cancelled
(the alert they answer resolved): the tally then ends each still-open request of the run
as ``expired`` with the recorded reason.

``openclaw_resume_claims`` makes "resume the run" happen once per gate round even
when two processes complete the quorum at the same moment: each tries to insert the
claim row in a ``BEGIN IMMEDIATE`` transaction, and only the one whose insert
succeeded calls ``engine.resume``. (The executor's ActionLedger is the second line
of defence.) The claimant renews ``claimed_at`` while it resumes (:meth:`ApprovalStore.heartbeat`)
and deletes the claim if the resume raises; a claim left by a process that died goes
stale, and a later claim with ``stale_before`` takes it over. Every call opens its own
connection (WAL, busy timeout).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from openclaw.approvals.digest import parse_utc
from openclaw.approvals.signing import SignedDecision
from openclaw.storage.records import StoredDecision
from openclaw.storage.sqlite.connection import immediate, session


_SCHEMA = """
CREATE TABLE IF NOT EXISTS openclaw_approvals (
    run_id       TEXT NOT NULL,
    action_index INTEGER NOT NULL,
    person       TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('approve', 'reject')),
    digest       TEXT NOT NULL,
    decision     TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    PRIMARY KEY (run_id, action_index, person, kind)
);
CREATE TABLE IF NOT EXISTS openclaw_approval_cancellations (
    run_id TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    at     TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS openclaw_resume_claims (
    run_id     TEXT NOT NULL,
    round      TEXT NOT NULL,
    owner      TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    PRIMARY KEY (run_id, round)
);
"""


class ApprovalStore:
    """Accepted decisions and resume claims in the SQLite file ``db_path``."""

    def __init__(self, db_path: Path | str) -> None:
        self.db_path = Path(db_path)
        with self._connect():
            pass

    def _connect(self) -> AbstractContextManager[sqlite3.Connection]:
        # FULL: an accepted signature must survive a power cut.
        return session(self.db_path, what="the approvals table", schema=_SCHEMA)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as conn, immediate(conn):
            yield conn

    def add(self, person: str, decision: SignedDecision, *, received_at: str) -> bool:
        """Store an accepted decision; False when this person's decision of this kind is already stored."""
        with self._write() as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO openclaw_approvals "
                "(run_id, action_index, person, kind, digest, decision, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (decision.run_id, decision.action_index, person, decision.kind, decision.digest,
                 decision.model_dump_json(), received_at),
            )
            return cur.rowcount == 1

    def decisions(self, run_id: str, action_index: int | None = None) -> list[StoredDecision]:
        """Stored decisions of a run (or one action), in arrival order."""
        sql = "SELECT person, decision, received_at FROM openclaw_approvals WHERE run_id = ?"
        params: tuple[Any, ...] = (run_id,)
        if action_index is not None:
            sql += " AND action_index = ?"
            params += (action_index,)
        with self._connect() as conn:
            rows = conn.execute(sql + " ORDER BY rowid", params).fetchall()
        return [StoredDecision(p, SignedDecision.model_validate(json.loads(d)), at) for p, d, at in rows]

    def cancel(self, run_id: str, *, reason: str, at: str) -> bool:
        """Cancel the open requests of ``run_id`` (the first cancellation wins); False when already cancelled."""
        with self._write() as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO openclaw_approval_cancellations (run_id, reason, at) VALUES (?, ?, ?)",
                (run_id, reason, at),
            )
            return cur.rowcount == 1

    def cancellation(self, run_id: str) -> tuple[str, str] | None:
        """(reason, at) when the run's open requests were cancelled, else None."""
        with self._connect() as conn:
            row = conn.execute("SELECT reason, at FROM openclaw_approval_cancellations WHERE run_id = ?",
                               (run_id,)).fetchone()
        return (row[0], row[1]) if row else None

    def claim_resume(self, run_id: str, round_key: str, *, owner: str, at: str,
                     stale_before: datetime | None = None) -> bool:
        """Claim the right to resume ``run_id`` for this gate round; True for exactly one caller.

        With ``stale_before`` (aware UTC), an existing claim last renewed before it is taken over.
        """
        with self._write() as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO openclaw_resume_claims (run_id, round, owner, claimed_at) VALUES (?, ?, ?, ?)",
                (run_id, round_key, owner, at),
            )
            if cur.rowcount == 1:
                return True
            if stale_before is None:
                return False
            row = conn.execute(
                "SELECT owner, claimed_at FROM openclaw_resume_claims WHERE run_id = ? AND round = ?",
                (run_id, round_key),
            ).fetchone()
            if row is None or parse_utc(row[1]) >= stale_before:
                return False
            cur = conn.execute(
                "UPDATE openclaw_resume_claims SET owner = ?, claimed_at = ? WHERE run_id = ? AND round = ? AND owner = ?",
                (owner, at, run_id, round_key, row[0]),
            )
            return cur.rowcount == 1

    def heartbeat(self, run_id: str, round_key: str, *, owner: str, at: str) -> bool:
        """Renew ``owner``'s claim; False when it no longer holds it (it was taken over or released)."""
        with self._write() as conn:
            cur = conn.execute(
                "UPDATE openclaw_resume_claims SET claimed_at = ? WHERE run_id = ? AND round = ? AND owner = ?",
                (at, run_id, round_key, owner),
            )
            return cur.rowcount == 1

    def release_resume(self, run_id: str, round_key: str, *, owner: str) -> None:
        """Give up ``owner``'s claim (its resume failed), so the next settle may claim the round again."""
        with self._write() as conn:
            conn.execute("DELETE FROM openclaw_resume_claims WHERE run_id = ? AND round = ? AND owner = ?",
                         (run_id, round_key, owner))

    def claims(self, run_id: str) -> list[tuple[str, str]]:
        """(round, owner) of every resume claim on the run."""
        with self._connect() as conn:
            rows = conn.execute("SELECT round, owner FROM openclaw_resume_claims WHERE run_id = ?",
                                (run_id,)).fetchall()
        return [(r[0], r[1]) for r in rows]

    def resume_claim(self, run_id: str, round_key: str) -> tuple[str, str] | None:
        """(owner, claimed_at) of the round's claim, or None."""
        with self._connect() as conn:
            row = conn.execute(
                "SELECT owner, claimed_at FROM openclaw_resume_claims WHERE run_id = ? AND round = ?",
                (run_id, round_key),
            ).fetchone()
        return (row[0], row[1]) if row else None
