"""The run store: every run, its incident, every node's output and its result, in SQLite.

It lives under ``OPENCLAW_HOME`` next to the LangGraph checkpoints, so any process
(``openclaw runs show``, ``openclaw approve``, the HTTP service) sees every run.
An input that failed validation is stored too (status ``failed``, the error and the
raw input): nothing is lost.

**Write-ahead.** An accepted incident is recorded by :meth:`RunStore.accept` (status
``running``, the incident, the raw input) before its graph starts; the record is then
updated at every pause and at the end (:meth:`RunStore.save`).

**One run per incident id.** Accepted runs carry ``accepted = 1`` and an ``attempt``
number; a unique index on ``(incident_id, attempt)`` over them makes a second
:meth:`RunStore.accept` of the same id, from any process, return the existing run. A
deliberate re-run (``rerun=True``) takes the next attempt and records ``rerun_of``
(the first run's id). Rejected inputs are not accepted runs and never collide.

**Ownership.** The process driving a run writes itself as ``owner`` (``host:pid``) with a
lease (``lease_until``, epoch seconds) it renews while it drives; recovery
(:mod:`openclaw.recovery`) takes over only runs whose owner is gone.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from openclaw.errors import RunNotFound
from openclaw.storage.records import Accepted, apply_approvals, cut_raw, utc_now
from openclaw.storage.sqlite.connection import SharedConnection, immediate

_SCHEMA = """
CREATE TABLE IF NOT EXISTS openclaw_runs (
    run_id       TEXT PRIMARY KEY,
    incident_id  TEXT,
    status       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    incident     TEXT,
    raw_input    TEXT,
    result       TEXT NOT NULL,
    error        TEXT,
    config_hashes TEXT,
    accepted     INTEGER,
    attempt      INTEGER,
    rerun_of     TEXT,
    owner        TEXT,
    lease_until  REAL,
    mode         TEXT
);
CREATE INDEX IF NOT EXISTS openclaw_runs_incident ON openclaw_runs (incident_id);
CREATE INDEX IF NOT EXISTS openclaw_runs_status ON openclaw_runs (status);
CREATE INDEX IF NOT EXISTS openclaw_runs_created ON openclaw_runs (created_at);
CREATE TABLE IF NOT EXISTS openclaw_exchanges (
    run_id   TEXT NOT NULL,
    seq      INTEGER NOT NULL,
    exchange TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);
CREATE TABLE IF NOT EXISTS openclaw_config_blobs (
    sha256 TEXT PRIMARY KEY,
    name   TEXT NOT NULL,
    text   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS openclaw_node_outputs (
    run_id  TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    node    TEXT NOT NULL,
    output  TEXT NOT NULL,
    at      TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);
"""


_ADDED_COLUMNS = {"accepted": "INTEGER", "attempt": "INTEGER", "rerun_of": "TEXT", "owner": "TEXT",
                  "lease_until": "REAL", "mode": "TEXT"}
"""Columns a store created before write-ahead runs lacks (added in place; old rows keep NULL)."""

_UNIQUE = ("CREATE UNIQUE INDEX IF NOT EXISTS openclaw_runs_one_per_incident "
           "ON openclaw_runs (incident_id, attempt) WHERE accepted = 1")


class RunStore:
    """Runs in one SQLite file; safe to share between threads and processes."""

    def __init__(self, db_path: Path) -> None:
        self.path = Path(db_path)
        self.where = str(self.path)
        self._shared = SharedConnection(self.path, what="the run store", schema=_SCHEMA, synchronous="NORMAL")
        self._migrate()

    def _migrate(self) -> None:
        with self._tx() as conn:
            have = {row[1] for row in conn.execute("PRAGMA table_info(openclaw_runs)")}
            for name, kind in _ADDED_COLUMNS.items():
                if name not in have:
                    conn.execute(f"ALTER TABLE openclaw_runs ADD COLUMN {name} {kind}")
            conn.execute(_UNIQUE)

    def close(self) -> None:
        self._shared.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._shared.use() as conn, immediate(conn):
            yield conn

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
        """Record an accepted incident's run (``result``, status ``running``) before it starts, durably.

        When the incident id already has an accepted run, nothing is written and that run is
        returned (``created=False``), unless ``rerun``: then a new run is recorded as the next
        attempt, linked to the first by ``rerun_of``. ``mode``: the executor mode it was accepted
        for (``plan``, ``dry_run``, ``apply``), so recovery never carries it on in another.
        """
        now = utc_now()
        incident_id = result.get("incident_id")
        raw_input = cut_raw(raw_input)
        result = {**result, "created_at": now, "updated_at": now}
        # Encoded before the write lock is taken: other processes wait for it only while SQLite works.
        incident_json, result_json = json.dumps(incident), json.dumps(result)
        hashes_json = json.dumps(config_hashes) if config_hashes else None
        with self._tx() as conn:
            first = conn.execute(
                "SELECT run_id, result FROM openclaw_runs WHERE accepted = 1 AND incident_id = ? AND attempt = 0",
                (incident_id,),
            ).fetchone()
            attempt, rerun_of = 0, None
            if first is not None:
                if not rerun:
                    return Accepted(first[0], False, json.loads(first[1]))
                (last,) = conn.execute(
                    "SELECT MAX(attempt) FROM openclaw_runs WHERE accepted = 1 AND incident_id = ?", (incident_id,)
                ).fetchone()
                attempt, rerun_of = int(last) + 1, first[0]
                result["rerun_of"] = rerun_of
                result_json = json.dumps(result)
            conn.execute(
                """INSERT INTO openclaw_runs (run_id, incident_id, status, created_at, updated_at, incident, raw_input,
                                              result, error, config_hashes, accepted, attempt, rerun_of, owner,
                                              lease_until, mode)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)""",
                (
                    result["run_id"], incident_id, result["status"], now, now, incident_json, raw_input,
                    result_json, result.get("error"), hashes_json, attempt, rerun_of, owner, time.time() + lease_s,
                    mode,
                ),
            )
        return Accepted(result["run_id"], True, result, rerun_of)

    def renew(self, run_id: str, *, owner: str, lease_s: float) -> bool:
        """Extend ``owner``'s lease on a run it drives; False when another process took the run over."""
        with self._tx() as conn:
            cur = conn.execute("UPDATE openclaw_runs SET lease_until = ? WHERE run_id = ? AND owner = ?",
                               (time.time() + lease_s, run_id, owner))
            return cur.rowcount == 1

    def renew_all(self, *, owner: str, lease_s: float) -> int:
        """Extend the lease on every ``running`` run ``owner`` holds (also those still waiting for a slot)."""
        with self._tx() as conn:
            cur = conn.execute("UPDATE openclaw_runs SET lease_until = ? WHERE owner = ? AND status = 'running'",
                               (time.time() + lease_s, owner))
            return cur.rowcount

    def take_over(self, run_id: str, *, owner: str, previous: str | None, lease_s: float) -> bool:
        """Become the owner of a run whose owner was ``previous``; True for exactly one caller."""
        with self._tx() as conn:
            cur = conn.execute(
                "UPDATE openclaw_runs SET owner = ?, lease_until = ? WHERE run_id = ? AND owner IS ?",
                (owner, time.time() + lease_s, run_id, previous),
            )
            return cur.rowcount == 1

    def release(self, run_id: str, *, owner: str) -> None:
        """``owner`` stops driving the run (it paused or ended): the lease is dropped."""
        with self._tx() as conn:
            conn.execute("UPDATE openclaw_runs SET lease_until = NULL WHERE run_id = ? AND owner = ?",
                         (run_id, owner))

    def progress(self, result: dict[str, Any], *, owner: str, lease_s: float) -> None:
        """The result so far of a run ``owner`` is driving (status ``running``); renews its lease too."""
        now = utc_now()
        encoded = json.dumps(result)  # before the write lock (see accept)
        with self._tx() as conn:
            conn.execute(
                "UPDATE openclaw_runs SET updated_at = ?, lease_until = ?, result = json_set(?, '$.updated_at', ?, "
                "'$.created_at', json_extract(result, '$.created_at'), "
                "'$.rerun_of', json_extract(result, '$.rerun_of')) "
                "WHERE run_id = ? AND owner = ? AND status = 'running'",
                (now, time.time() + lease_s, encoded, now, result["run_id"], owner),
            )

    def mark_running(self, run_id: str) -> None:
        """A paused run is being carried on (resumed): its record says ``running`` until it pauses or ends."""
        with self._tx() as conn:
            conn.execute(
                "UPDATE openclaw_runs SET status = 'running', updated_at = ?, "
                "result = json_set(result, '$.status', 'running') WHERE run_id = ?",
                (utc_now(), run_id),
            )

    def fail(self, run_id: str, error: str) -> dict[str, Any]:
        """End a run that cannot be carried on: status ``failed`` with ``error``; returns its result."""
        with self._tx() as conn:
            conn.execute(
                "UPDATE openclaw_runs SET status = 'failed', error = ?, updated_at = ?, lease_until = NULL, "
                "result = json_set(result, '$.status', 'failed', '$.error', ?, '$.updated_at', ?) WHERE run_id = ?",
                (error, utc_now(), error, utc_now(), run_id),
            )
        return self.get(run_id)

    def record_approvals(self, run_id: str, approvals: dict[int, list[dict[str, Any]]]) -> None:
        """Show the approvals counted so far on a waiting run's actions (``actions[i].approvals``)."""
        with self._tx() as conn:
            row = conn.execute("SELECT result FROM openclaw_runs WHERE run_id = ?", (run_id,)).fetchone()
            if row is None:
                return
            result = json.loads(row[0])
            changed = apply_approvals(result, approvals)
            if changed:
                now = utc_now()
                result["updated_at"] = now
                conn.execute("UPDATE openclaw_runs SET result = ?, updated_at = ? WHERE run_id = ?",
                             (json.dumps(result), now, run_id))

    def unsettled(self) -> list[dict[str, Any]]:
        """Runs that are neither terminal nor recorded as paused: ``running``, oldest first, with their owner
        and lease (``run_id``, ``incident_id``, ``owner``, ``lease_until``, ``incident``, ``mode``)."""
        with self._shared.use() as conn:
            rows = conn.execute(
                "SELECT run_id, incident_id, owner, lease_until, incident, mode FROM openclaw_runs "
                "WHERE status = 'running' ORDER BY created_at, rowid"
            ).fetchall()
        return [
            {"run_id": r, "incident_id": i, "owner": o, "lease_until": lu,
             "incident": json.loads(inc) if inc else None, "mode": m}
            for r, i, o, lu, inc, m in rows
        ]

    def owner_of(self, run_id: str) -> tuple[str | None, float | None]:
        """(owner, lease_until) of a run; (None, None) for a run recorded before ownership existed."""
        row = self._one("SELECT owner, lease_until FROM openclaw_runs WHERE run_id = ?", (run_id,))
        if row is None:
            raise RunNotFound(f"no run {run_id!r} in {self.path}; list runs with: openclaw runs list")
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
        release: str | None = None,
    ) -> None:
        """Insert or update a run with its result; node outputs and exchanges are appended. ``release``: the
        owner that drove it stops (it paused or ended): its lease is dropped in the same transaction."""
        now = utc_now()
        run_id = result["run_id"]
        # created_at and rerun_of never change once a run is recorded: read them, and encode everything,
        # before the write lock is taken (see accept).
        row = self._one("SELECT created_at, rerun_of FROM openclaw_runs WHERE run_id = ?", (run_id,))
        result["created_at"] = row[0] if row else result.get("created_at") or now
        if row and row[1]:
            result["rerun_of"] = row[1]
        result["updated_at"] = now
        values = (run_id, result.get("incident_id"), result["status"], result["created_at"], now,
                  json.dumps(incident) if incident is not None else None, cut_raw(raw_input), json.dumps(result),
                  result.get("error"), json.dumps(config_hashes) if config_hashes else None)
        outputs = [(node, json.dumps(output, default=str)) for node, output in node_outputs]
        exchanged = [json.dumps(x, default=str) for x in exchanges]
        with self._tx() as conn:
            conn.execute(
                """INSERT INTO openclaw_runs (run_id, incident_id, status, created_at, updated_at, incident,
                                              raw_input, result, error, config_hashes)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (run_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at,
                       result = excluded.result, error = excluded.error,
                       incident = COALESCE(excluded.incident, openclaw_runs.incident),
                       raw_input = COALESCE(openclaw_runs.raw_input, excluded.raw_input),
                       config_hashes = COALESCE(openclaw_runs.config_hashes, excluded.config_hashes)""",
                values,
            )
            if release is not None:
                conn.execute("UPDATE openclaw_runs SET lease_until = NULL WHERE run_id = ? AND owner = ?",
                             (run_id, release))
            (seq,) = conn.execute(
                "SELECT COALESCE(MAX(seq), -1) FROM openclaw_node_outputs WHERE run_id = ?", (run_id,)
            ).fetchone()
            conn.executemany(
                "INSERT INTO openclaw_node_outputs (run_id, seq, node, output, at) VALUES (?, ?, ?, ?, ?)",
                [(run_id, seq + 1 + i, node, output, now) for i, (node, output) in enumerate(outputs)],
            )
            if exchanged:
                (seq,) = conn.execute(
                    "SELECT COALESCE(MAX(seq), -1) FROM openclaw_exchanges WHERE run_id = ?", (run_id,)
                ).fetchone()
                conn.executemany(
                    "INSERT INTO openclaw_exchanges (run_id, seq, exchange) VALUES (?, ?, ?)",
                    [(run_id, seq + 1 + i, x) for i, x in enumerate(exchanged)],
                )

    def save_config_blobs(self, snapshot: dict[str, dict[str, str]]) -> None:
        """Keep the text of each config file once per content hash (see openclaw.config.snapshot)."""
        with self._tx() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO openclaw_config_blobs (sha256, name, text) VALUES (?, ?, ?)",
                [(entry["sha256"], name, entry["text"]) for name, entry in snapshot.items()],
            )

    def config_blobs(self, hashes: dict[str, str]) -> dict[str, dict[str, str]]:
        """The config texts a run used, by file name (files whose text is not stored are left out)."""
        out = {}
        for name, sha in hashes.items():
            row = self._one("SELECT text FROM openclaw_config_blobs WHERE sha256 = ?", (sha,))
            if row is not None:
                out[name] = {"sha256": sha, "text": row[0]}
        return out

    def exchanges(self, run_id: str) -> list[dict[str, Any]]:
        """Every recorded LLM exchange of a run, in order."""
        with self._shared.use() as conn:
            rows = conn.execute(
                "SELECT exchange FROM openclaw_exchanges WHERE run_id = ? ORDER BY seq", (run_id,)
            ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def get(self, run_id: str) -> dict[str, Any]:
        row = self._one("SELECT result FROM openclaw_runs WHERE run_id = ?", (run_id,))
        if row is None:
            raise RunNotFound(f"no run {run_id!r} in {self.path}; list runs with: openclaw runs list")
        return json.loads(row[0])

    def record(self, run_id: str) -> dict[str, Any]:
        """Everything stored about a run: result, incident, raw input, config hashes, node outputs."""
        row = self._one(
            "SELECT result, incident, raw_input, config_hashes FROM openclaw_runs WHERE run_id = ?", (run_id,)
        )
        if row is None:
            raise RunNotFound(f"no run {run_id!r} in {self.path}; list runs with: openclaw runs list")
        return {
            "result": json.loads(row[0]),
            "incident": json.loads(row[1]) if row[1] else None,
            "raw_input": row[2],
            "config_hashes": json.loads(row[3]) if row[3] else {},
            "node_outputs": self.node_outputs(run_id),
            "exchanges": self.exchanges(run_id),
        }

    def node_outputs(self, run_id: str) -> list[dict[str, Any]]:
        with self._shared.use() as conn:
            rows = conn.execute(
                "SELECT seq, node, output, at FROM openclaw_node_outputs WHERE run_id = ? ORDER BY seq", (run_id,)
            ).fetchall()
        return [{"seq": s, "node": n, "output": json.loads(o), "at": at} for s, n, o, at in rows]

    def list(self, *, limit: int = 50, status: str | None = None) -> list[dict[str, Any]]:
        """The newest runs first: run_id, incident_id, status, created_at, updated_at."""
        sql = "SELECT run_id, incident_id, status, created_at, updated_at FROM openclaw_runs"
        params: tuple[Any, ...] = ()
        if status:
            sql += " WHERE status = ?"
            params = (status,)
        sql += " ORDER BY created_at DESC, rowid DESC LIMIT ?"
        with self._shared.use() as conn:
            rows = conn.execute(sql, (*params, limit)).fetchall()
        keys = ("run_id", "incident_id", "status", "created_at", "updated_at")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def find_by_incident(self, incident_id: str) -> str | None:
        """The newest run of an incident id (accepted runs before records of refused input), or None."""
        row = self._one(
            "SELECT run_id FROM openclaw_runs WHERE incident_id = ? "
            "ORDER BY COALESCE(accepted, 0) DESC, created_at DESC, rowid DESC LIMIT 1", (incident_id,)
        )
        return row[0] if row else None

    def find_by_alert(self, alert_id: str) -> str | None:
        """The newest run holding the Alertmanager alert ``alert_id``: as its incident id, or as one of the
        alerts grouped into its incident (SQLite JSON1)."""
        found = self.find_by_incident(alert_id)
        if found is not None:
            return found
        row = self._one(
            """SELECT r.run_id FROM openclaw_runs AS r, json_each(r.incident, '$.alerts') AS a
               WHERE r.incident IS NOT NULL AND json_extract(a.value, '$.id') = ?
               ORDER BY r.created_at DESC LIMIT 1""",
            (alert_id,),
        )
        return row[0] if row else None

    def pending_approvals(self) -> int:
        """Actions waiting for sign-off (verdict ``approval``, status ``awaiting_approval``) across every
        run that waits for approval: one SQL query (SQLite JSON1), however many runs are paused."""
        row = self._one(
            """SELECT COUNT(*) FROM openclaw_runs AS r, json_each(r.result, '$.actions') AS a
               WHERE r.status = 'awaiting_approval'
                 AND json_extract(a.value, '$.status') = 'awaiting_approval'
                 AND json_extract(a.value, '$.verdict') = 'approval'""",
            (),
        )
        return int(row[0]) if row else 0

    def _one(self, sql: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
        with self._shared.use() as conn:
            return conn.execute(sql, params).fetchone()
