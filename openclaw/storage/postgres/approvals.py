"""Signed decisions and resume claims in PostgreSQL (reference: :mod:`openclaw.storage.sqlite.approvals`).

``openclaw_approvals`` keeps one row per (run, action, person, kind), its primary key:
:meth:`ApprovalStore.add` is ``INSERT ... ON CONFLICT DO NOTHING``, so the same person approving
twice, from two replicas at once, is stored once. Cancellations are the same (the first wins).
``seq`` (bigserial) keeps arrival order.

``openclaw_resume_claims``: :meth:`ApprovalStore.claim_resume` inserts the round's claim with
``ON CONFLICT DO NOTHING RETURNING``; exactly one caller's insert returns a row. Taking over a
stale claim locks the claim row (``SELECT ... FOR UPDATE``) and updates it only while its owner is
still the stale one, so two processes taking over at once still yield one winner.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from openclaw.approvals.digest import parse_utc
from openclaw.approvals.signing import SignedDecision
from openclaw.storage.postgres.connection import Pg
from openclaw.storage.records import StoredDecision

_WHAT = "the approvals table"


class ApprovalStore:
    """Accepted decisions and resume claims in one PostgreSQL database."""

    def __init__(self, pg: Pg) -> None:
        self._pg = pg

    def add(self, person: str, decision: SignedDecision, *, received_at: str) -> bool:
        """Store an accepted decision; False when this person's decision of this kind is already stored."""
        with self._pg.tx(_WHAT) as conn:
            cur = conn.execute(
                "INSERT INTO openclaw_approvals (run_id, action_index, person, kind, digest, decision, received_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                (decision.run_id, decision.action_index, person, decision.kind, decision.digest,
                 decision.model_dump_json(), received_at),
            )
            return cur.rowcount == 1

    def decisions(self, run_id: str, action_index: int | None = None) -> list[StoredDecision]:
        """Stored decisions of a run (or one action), in arrival order."""
        sql = "SELECT person, decision, received_at FROM openclaw_approvals WHERE run_id = %s"
        params: tuple[Any, ...] = (run_id,)
        if action_index is not None:
            sql += " AND action_index = %s"
            params += (action_index,)
        with self._pg.tx(_WHAT) as conn:
            rows = conn.execute(sql + " ORDER BY seq", params).fetchall()
        return [StoredDecision(p, SignedDecision.model_validate_json(d), at) for p, d, at in rows]

    def cancel(self, run_id: str, *, reason: str, at: str) -> bool:
        """Cancel the open requests of ``run_id`` (the first cancellation wins); False when already cancelled."""
        with self._pg.tx(_WHAT) as conn:
            cur = conn.execute(
                "INSERT INTO openclaw_approval_cancellations (run_id, reason, at) VALUES (%s, %s, %s) "
                "ON CONFLICT (run_id) DO NOTHING",
                (run_id, reason, at),
            )
            return cur.rowcount == 1

    def cancellation(self, run_id: str) -> tuple[str, str] | None:
        """(reason, at) when the run's open requests were cancelled, else None."""
        with self._pg.tx(_WHAT) as conn:
            row = conn.execute("SELECT reason, at FROM openclaw_approval_cancellations WHERE run_id = %s",
                               (run_id,)).fetchone()
        return (row[0], row[1]) if row else None

    def claim_resume(self, run_id: str, round_key: str, *, owner: str, at: str,
                     stale_before: datetime | None = None) -> bool:
        """Claim the right to resume ``run_id`` for this gate round; True for exactly one caller.

        With ``stale_before`` (aware UTC), an existing claim last renewed before it is taken over.
        """
        with self._pg.tx(_WHAT) as conn:
            inserted = conn.execute(
                "INSERT INTO openclaw_resume_claims (run_id, round, owner, claimed_at) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (run_id, round) DO NOTHING RETURNING owner",
                (run_id, round_key, owner, at),
            ).fetchone()
            if inserted is not None:
                return True
            if stale_before is None:
                return False
            row = conn.execute(
                "SELECT owner, claimed_at FROM openclaw_resume_claims WHERE run_id = %s AND round = %s FOR UPDATE",
                (run_id, round_key),
            ).fetchone()
            if row is None or parse_utc(row[1]) >= stale_before:
                return False
            cur = conn.execute(
                "UPDATE openclaw_resume_claims SET owner = %s, claimed_at = %s "
                "WHERE run_id = %s AND round = %s AND owner = %s",
                (owner, at, run_id, round_key, row[0]),
            )
            return cur.rowcount == 1

    def heartbeat(self, run_id: str, round_key: str, *, owner: str, at: str) -> bool:
        """Renew ``owner``'s claim; False when it no longer holds it (it was taken over or released)."""
        with self._pg.tx(_WHAT) as conn:
            cur = conn.execute(
                "UPDATE openclaw_resume_claims SET claimed_at = %s WHERE run_id = %s AND round = %s AND owner = %s",
                (at, run_id, round_key, owner),
            )
            return cur.rowcount == 1

    def release_resume(self, run_id: str, round_key: str, *, owner: str) -> None:
        """Give up ``owner``'s claim (its resume failed), so the next settle may claim the round again."""
        with self._pg.tx(_WHAT) as conn:
            conn.execute("DELETE FROM openclaw_resume_claims WHERE run_id = %s AND round = %s AND owner = %s",
                         (run_id, round_key, owner))

    def claims(self, run_id: str) -> list[tuple[str, str]]:
        """(round, owner) of every resume claim on the run."""
        with self._pg.tx(_WHAT) as conn:
            rows = conn.execute("SELECT round, owner FROM openclaw_resume_claims WHERE run_id = %s",
                                (run_id,)).fetchall()
        return [(r[0], r[1]) for r in rows]

    def resume_claim(self, run_id: str, round_key: str) -> tuple[str, str] | None:
        """(owner, claimed_at) of the round's claim, or None."""
        with self._pg.tx(_WHAT) as conn:
            row = conn.execute(
                "SELECT owner, claimed_at FROM openclaw_resume_claims WHERE run_id = %s AND round = %s",
                (run_id, round_key),
            ).fetchone()
        return (row[0], row[1]) if row else None
