"""The run store in PostgreSQL: every run, its incident, every node's output and its result.

Same behaviour as the SQLite run store (:mod:`openclaw.storage.sqlite.runs`); the result and the
incident are ``jsonb`` (queried by :meth:`RunStore.pending_approvals` and
:meth:`RunStore.find_by_alert`), node outputs and LLM exchanges are JSON text (only read back).
A ``seq`` column (bigserial) orders runs created in the same millisecond, as SQLite's rowid does.

**One run per incident id**, across every replica: a partial unique index on
``(incident_id, attempt) WHERE accepted``. :meth:`RunStore.accept` inserts attempt 0 with
``ON CONFLICT ... DO NOTHING RETURNING``: exactly one transaction's insert returns a row, the
others read the winner's run. A re-run inserts ``MAX(attempt) + 1`` the same way and tries the
next attempt when another re-run took it first.

**Read-modify-write** of one run (:meth:`RunStore.save`, :meth:`RunStore.record_approvals`) locks
its row (``SELECT ... FOR UPDATE``) for the transaction; :meth:`RunStore.progress`,
:meth:`RunStore.mark_running` and :meth:`RunStore.fail` are single ``UPDATE`` statements with
jsonb operators. Ownership changes (:meth:`RunStore.take_over`) are conditional ``UPDATE``\\ s:
exactly one caller sees its row updated.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

from psycopg.types.json import Jsonb

from openclaw.errors import RunNotFound
from openclaw.storage.postgres.connection import Pg
from openclaw.storage.records import Accepted, apply_approvals, cut_raw, utc_now

_WHAT = "the run store"


class RunStore:
    """Runs in one PostgreSQL database; safe to share between threads and processes."""

    def __init__(self, pg: Pg) -> None:
        self._pg = pg
        self.where = pg.where

    def close(self) -> None:
        """Nothing to do: the pool is the database's (``PostgresDatabase.close``)."""

    def _not_found(self, run_id: str) -> RunNotFound:
        return RunNotFound(f"no run {run_id!r} in {self.where}; list runs with: openclaw runs list")

    def accept(
        self,
        result: dict[str, Any],
        *,
        incident: dict[str, Any],
        raw_input: str | None,
        owner: str,
        lease_s: float,
        rerun: bool = False,
        config_hashes: dict[str, str] | None = None,
        mode: str | None = None,
    ) -> Accepted:
        """Record an accepted incident's run (``result``, status ``running``) before it starts.

        When the incident id already has an accepted run, nothing is written and that run is returned
        (``created=False``), unless ``rerun``: then a new run is recorded as the next attempt, linked to
        the first by ``rerun_of``. ``mode``: the executor mode it was accepted for.
        """
        now = utc_now()
        incident_id = result.get("incident_id")
        raw_input = cut_raw(raw_input)
        row = {**result, "created_at": now, "updated_at": now}
        with self._pg.tx(_WHAT) as conn:
            if self._insert_accepted(conn, row, incident, raw_input, 0, None, owner, lease_s, config_hashes, mode):
                return Accepted(row["run_id"], True, row)
            first = conn.execute(
                "SELECT run_id, result FROM openclaw_runs WHERE accepted AND incident_id = %s AND attempt = 0",
                (incident_id,),
            ).fetchone()
            if not rerun:
                return Accepted(first[0], False, first[1])
            row["rerun_of"] = first[0]
            while True:  # another re-run may take the attempt we computed: then take the next one
                (last,) = conn.execute(
                    "SELECT MAX(attempt) FROM openclaw_runs WHERE accepted AND incident_id = %s", (incident_id,)
                ).fetchone()
                if self._insert_accepted(conn, row, incident, raw_input, int(last) + 1, first[0], owner, lease_s,
                                         config_hashes, mode):
                    return Accepted(row["run_id"], True, row, first[0])

    @staticmethod
    def _insert_accepted(conn: Any, result: dict[str, Any], incident: dict[str, Any], raw_input: str | None,
                         attempt: int, rerun_of: str | None, owner: str, lease_s: float,
                         config_hashes: dict[str, str] | None, mode: str | None) -> bool:
        """Insert the accepted run as ``attempt``; False when that attempt of the incident exists."""
        cur = conn.execute(
            """INSERT INTO openclaw_runs (run_id, incident_id, status, created_at, updated_at, incident, raw_input,
                                          result, error, config_hashes, accepted, attempt, rerun_of, owner,
                                          lease_until, mode)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, TRUE, %s, %s, %s, %s, %s)
               ON CONFLICT (incident_id, attempt) WHERE accepted DO NOTHING
               RETURNING run_id""",
            (
                result["run_id"], result.get("incident_id"), result["status"], result["created_at"],
                result["updated_at"], Jsonb(incident), raw_input, Jsonb(result), result.get("error"),
                Jsonb(config_hashes) if config_hashes else None, attempt, rerun_of, owner,
                time.time() + lease_s, mode,
            ),
        )
        return cur.fetchone() is not None

    def renew(self, run_id: str, *, owner: str, lease_s: float) -> bool:
        """Extend ``owner``'s lease on a run it drives; False when another process took the run over."""
        with self._pg.tx(_WHAT) as conn:
            cur = conn.execute("UPDATE openclaw_runs SET lease_until = %s WHERE run_id = %s AND owner = %s",
                               (time.time() + lease_s, run_id, owner))
            return cur.rowcount == 1

    def renew_all(self, *, owner: str, lease_s: float) -> int:
        """Extend the lease on every ``running`` run ``owner`` holds (also those still waiting for a slot)."""
        with self._pg.tx(_WHAT) as conn:
            cur = conn.execute("UPDATE openclaw_runs SET lease_until = %s WHERE owner = %s AND status = 'running'",
                               (time.time() + lease_s, owner))
            return cur.rowcount

    def take_over(self, run_id: str, *, owner: str, previous: str | None, lease_s: float) -> bool:
        """Become the owner of a run whose owner was ``previous``; True for exactly one caller."""
        with self._pg.tx(_WHAT) as conn:
            cur = conn.execute(
                "UPDATE openclaw_runs SET owner = %s, lease_until = %s "
                "WHERE run_id = %s AND owner IS NOT DISTINCT FROM %s",
                (owner, time.time() + lease_s, run_id, previous),
            )
            return cur.rowcount == 1

    def release(self, run_id: str, *, owner: str) -> None:
        """``owner`` stops driving the run (it paused or ended): the lease is dropped."""
        with self._pg.tx(_WHAT) as conn:
            conn.execute("UPDATE openclaw_runs SET lease_until = NULL WHERE run_id = %s AND owner = %s",
                         (run_id, owner))

    def progress(self, result: dict[str, Any], *, owner: str, lease_s: float) -> None:
        """The result so far of a run ``owner`` is driving (status ``running``); renews its lease too.
        ``created_at`` and ``rerun_of`` are kept from the stored result (JSON null when it had none, as
        SQLite's ``json_set`` does)."""
        now = utc_now()
        with self._pg.tx(_WHAT) as conn:
            conn.execute(
                "UPDATE openclaw_runs SET updated_at = %s, lease_until = %s, result = %s::jsonb || "
                "jsonb_build_object('updated_at', %s::text, 'created_at', result->'created_at', "
                "'rerun_of', result->'rerun_of') "
                "WHERE run_id = %s AND owner = %s AND status = 'running'",
                (now, time.time() + lease_s, Jsonb(result), now, result["run_id"], owner),
            )

    def mark_running(self, run_id: str) -> None:
        """A paused run is being carried on (resumed): its record says ``running`` until it pauses or ends."""
        with self._pg.tx(_WHAT) as conn:
            conn.execute(
                "UPDATE openclaw_runs SET status = 'running', updated_at = %s, "
                "result = result || jsonb_build_object('status', 'running') WHERE run_id = %s",
                (utc_now(), run_id),
            )

    def fail(self, run_id: str, error: str) -> dict[str, Any]:
        """End a run that cannot be carried on: status ``failed`` with ``error``; returns its result."""
        now = utc_now()
        with self._pg.tx(_WHAT) as conn:
            conn.execute(
                "UPDATE openclaw_runs SET status = 'failed', error = %s, updated_at = %s, lease_until = NULL, "
                "result = result || jsonb_build_object('status', 'failed', 'error', %s::text, "
                "'updated_at', %s::text) WHERE run_id = %s",
                (error, now, error, now, run_id),
            )
        return self.get(run_id)

    def record_approvals(self, run_id: str, approvals: dict[int, list[dict[str, Any]]]) -> None:
        """Show the approvals counted so far on a waiting run's actions (``actions[i].approvals``)."""
        with self._pg.tx(_WHAT) as conn:
            row = conn.execute("SELECT result FROM openclaw_runs WHERE run_id = %s FOR UPDATE", (run_id,)).fetchone()
            if row is None:
                return
            result = row[0]
            if apply_approvals(result, approvals):
                now = utc_now()
                result["updated_at"] = now
                conn.execute("UPDATE openclaw_runs SET result = %s, updated_at = %s WHERE run_id = %s",
                             (Jsonb(result), now, run_id))

    def unsettled(self) -> list[dict[str, Any]]:
        """Runs that are neither terminal nor recorded as paused: ``running``, oldest first, with their owner
        and lease (``run_id``, ``incident_id``, ``owner``, ``lease_until``, ``incident``, ``mode``)."""
        with self._pg.tx(_WHAT) as conn:
            rows = conn.execute(
                "SELECT run_id, incident_id, owner, lease_until, incident, mode FROM openclaw_runs "
                "WHERE status = 'running' ORDER BY created_at, seq"
            ).fetchall()
        return [
            {"run_id": r, "incident_id": i, "owner": o, "lease_until": lu, "incident": inc, "mode": m}
            for r, i, o, lu, inc, m in rows
        ]

    def owner_of(self, run_id: str) -> tuple[str | None, float | None]:
        """(owner, lease_until) of a run; (None, None) for a run recorded before ownership existed."""
        row = self._one("SELECT owner, lease_until FROM openclaw_runs WHERE run_id = %s", (run_id,))
        if row is None:
            raise self._not_found(run_id)
        return row[0], row[1]

    def save(
        self,
        result: dict[str, Any],
        *,
        incident: dict[str, Any] | None = None,
        raw_input: str | None = None,
        node_outputs: Iterable[tuple[str, Any]] = (),
        config_hashes: dict[str, str] | None = None,
        exchanges: Iterable[dict[str, Any]] = (),
    ) -> None:
        """Insert or update a run with its result; node outputs and exchanges are appended."""
        now = utc_now()
        result["created_at"] = result.get("created_at") or now
        result["updated_at"] = now
        raw_input = cut_raw(raw_input)
        run_id = result["run_id"]
        with self._pg.tx(_WHAT) as conn:
            row = conn.execute("SELECT created_at, rerun_of FROM openclaw_runs WHERE run_id = %s FOR UPDATE",
                               (run_id,)).fetchone()
            if row:
                result["created_at"] = row[0]
                if row[1]:
                    result["rerun_of"] = row[1]
            # The upsert locks the row (new or not) until commit, so the seq numbers below cannot collide.
            conn.execute(
                """INSERT INTO openclaw_runs (run_id, incident_id, status, created_at, updated_at, incident,
                                              raw_input, result, error, config_hashes)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                   ON CONFLICT (run_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at,
                       result = excluded.result, error = excluded.error,
                       incident = COALESCE(excluded.incident, openclaw_runs.incident),
                       raw_input = COALESCE(openclaw_runs.raw_input, excluded.raw_input),
                       config_hashes = COALESCE(openclaw_runs.config_hashes, excluded.config_hashes)""",
                (
                    run_id, result.get("incident_id"), result["status"], result["created_at"], now,
                    Jsonb(incident) if incident is not None else None, raw_input, Jsonb(result),
                    result.get("error"), Jsonb(config_hashes) if config_hashes else None,
                ),
            )
            outputs = [(node, json.dumps(output, default=str)) for node, output in node_outputs]
            if outputs:
                (seq,) = conn.execute(
                    "SELECT COALESCE(MAX(seq), -1) FROM openclaw_node_outputs WHERE run_id = %s", (run_id,)
                ).fetchone()
                with conn.cursor() as cur:
                    cur.executemany(
                        "INSERT INTO openclaw_node_outputs (run_id, seq, node, output, at) VALUES (%s, %s, %s, %s, %s)",
                        [(run_id, seq + 1 + i, node, text, now) for i, (node, text) in enumerate(outputs)],
                    )
            texts = [json.dumps(x, default=str) for x in exchanges]
            if texts:
                (seq,) = conn.execute(
                    "SELECT COALESCE(MAX(seq), -1) FROM openclaw_exchanges WHERE run_id = %s", (run_id,)
                ).fetchone()
                with conn.cursor() as cur:
                    cur.executemany(
                        "INSERT INTO openclaw_exchanges (run_id, seq, exchange) VALUES (%s, %s, %s)",
                        [(run_id, seq + 1 + i, text) for i, text in enumerate(texts)],
                    )

    def save_config_blobs(self, snapshot: dict[str, dict[str, str]]) -> None:
        """Keep the text of each config file once per content hash (see openclaw.config.snapshot)."""
        if not snapshot:
            return
        with self._pg.tx(_WHAT) as conn, conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO openclaw_config_blobs (sha256, name, text) VALUES (%s, %s, %s) "
                "ON CONFLICT (sha256) DO NOTHING",
                [(entry["sha256"], name, entry["text"]) for name, entry in snapshot.items()],
            )

    def config_blobs(self, hashes: dict[str, str]) -> dict[str, dict[str, str]]:
        """The config texts a run used, by file name (files whose text is not stored are left out)."""
        if not hashes:
            return {}
        with self._pg.tx(_WHAT) as conn:
            rows = conn.execute("SELECT sha256, text FROM openclaw_config_blobs WHERE sha256 = ANY(%s)",
                                (list(hashes.values()),)).fetchall()
        texts = dict(rows)
        return {name: {"sha256": sha, "text": texts[sha]} for name, sha in hashes.items() if sha in texts}

    def exchanges(self, run_id: str) -> list[dict[str, Any]]:
        """Every recorded LLM exchange of a run, in order."""
        with self._pg.tx(_WHAT) as conn:
            rows = conn.execute("SELECT exchange FROM openclaw_exchanges WHERE run_id = %s ORDER BY seq",
                                (run_id,)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def get(self, run_id: str) -> dict[str, Any]:
        row = self._one("SELECT result FROM openclaw_runs WHERE run_id = %s", (run_id,))
        if row is None:
            raise self._not_found(run_id)
        return row[0]

    def record(self, run_id: str) -> dict[str, Any]:
        """Everything stored about a run: result, incident, raw input, config hashes, node outputs."""
        row = self._one(
            "SELECT result, incident, raw_input, config_hashes FROM openclaw_runs WHERE run_id = %s", (run_id,)
        )
        if row is None:
            raise self._not_found(run_id)
        return {
            "result": row[0],
            "incident": row[1],
            "raw_input": row[2],
            "config_hashes": row[3] or {},
            "node_outputs": self.node_outputs(run_id),
            "exchanges": self.exchanges(run_id),
        }

    def node_outputs(self, run_id: str) -> list[dict[str, Any]]:
        with self._pg.tx(_WHAT) as conn:
            rows = conn.execute(
                "SELECT seq, node, output, at FROM openclaw_node_outputs WHERE run_id = %s ORDER BY seq", (run_id,)
            ).fetchall()
        return [{"seq": s, "node": n, "output": json.loads(o), "at": at} for s, n, o, at in rows]

    def list(self, *, limit: int = 50, status: str | None = None) -> list[dict[str, Any]]:
        """The newest runs first: run_id, incident_id, status, created_at, updated_at."""
        sql = "SELECT run_id, incident_id, status, created_at, updated_at FROM openclaw_runs"
        params: tuple[Any, ...] = ()
        if status:
            sql += " WHERE status = %s"
            params = (status,)
        sql += " ORDER BY created_at DESC, seq DESC LIMIT %s"
        with self._pg.tx(_WHAT) as conn:
            rows = conn.execute(sql, (*params, limit)).fetchall()
        keys = ("run_id", "incident_id", "status", "created_at", "updated_at")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def find_by_incident(self, incident_id: str) -> str | None:
        """The newest run of an incident id (accepted runs before records of refused input), or None."""
        row = self._one(
            "SELECT run_id FROM openclaw_runs WHERE incident_id = %s "
            "ORDER BY COALESCE(accepted, FALSE) DESC, created_at DESC, seq DESC LIMIT 1", (incident_id,)
        )
        return row[0] if row else None

    def find_by_alert(self, alert_id: str) -> str | None:
        """The newest run holding the Alertmanager alert ``alert_id``: as its incident id, or as one of the
        alerts grouped into its incident (``jsonb_array_elements``)."""
        found = self.find_by_incident(alert_id)
        if found is not None:
            return found
        row = self._one(
            """SELECT r.run_id FROM openclaw_runs AS r
               CROSS JOIN LATERAL jsonb_array_elements(
                   CASE WHEN jsonb_typeof(r.incident->'alerts') = 'array' THEN r.incident->'alerts'
                        ELSE '[]'::jsonb END) AS a
               WHERE r.incident IS NOT NULL AND a->>'id' = %s
               ORDER BY r.created_at DESC, r.seq DESC LIMIT 1""",
            (alert_id,),
        )
        return row[0] if row else None

    def pending_approvals(self) -> int:
        """Actions waiting for sign-off (verdict ``approval``, status ``awaiting_approval``) across every
        run that waits for approval: one SQL query, however many runs are paused."""
        row = self._one(
            """SELECT COUNT(*) FROM openclaw_runs AS r
               CROSS JOIN LATERAL jsonb_array_elements(
                   CASE WHEN jsonb_typeof(r.result->'actions') = 'array' THEN r.result->'actions'
                        ELSE '[]'::jsonb END) AS a
               WHERE r.status = 'awaiting_approval'
                 AND a->>'status' = 'awaiting_approval' AND a->>'verdict' = 'approval'""",
            (),
        )
        return int(row[0]) if row else 0

    def _one(self, sql: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
        with self._pg.tx(_WHAT) as conn:
            return conn.execute(sql, params).fetchone()
