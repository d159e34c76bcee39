"""The run store: every run, its incident, every node's output and its result, in SQLite.

It lives under ``OPENCLAW_HOME`` next to the LangGraph checkpoints, so any process
(``openclaw runs show``, ``openclaw approve``, the HTTP service) sees every run.
An input that failed validation is stored too (status ``failed``, the error and the
raw input): nothing is lost.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openclaw.errors import RunNotFound, StoreError
from openclaw.runs.sqlite import connect, immediate

MAX_RAW_INPUT_CHARS = 1_000_000
"""Raw input kept for a rejected incident, in characters (the rest is cut and marked)."""

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
    config_hashes TEXT
);
CREATE INDEX IF NOT EXISTS openclaw_runs_incident ON openclaw_runs (incident_id);
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


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class RunStore:
    """Runs in one SQLite file; safe to share between threads and processes."""

    def __init__(self, db_path: Path) -> None:
        self.path = Path(db_path)
        self._lock = threading.Lock()
        self._conn = connect(self.path, what="the run store", schema=_SCHEMA, synchronous="NORMAL", shared=True)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                with immediate(self._conn):
                    yield self._conn
            except sqlite3.Error as exc:
                raise StoreError(f"run store {self.path}: {exc}") from exc

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
        if raw_input is not None and len(raw_input) > MAX_RAW_INPUT_CHARS:
            raw_input = raw_input[:MAX_RAW_INPUT_CHARS] + "\n[... cut: input too large ...]"
        with self._tx() as conn:
            row = conn.execute("SELECT created_at FROM openclaw_runs WHERE run_id = ?", (result["run_id"],)).fetchone()
            if row:
                result["created_at"] = row[0]
            conn.execute(
                """INSERT INTO openclaw_runs (run_id, incident_id, status, created_at, updated_at, incident,
                                              raw_input, result, error, config_hashes)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (run_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at,
                       result = excluded.result, error = excluded.error,
                       incident = COALESCE(excluded.incident, openclaw_runs.incident),
                       config_hashes = COALESCE(openclaw_runs.config_hashes, excluded.config_hashes)""",
                (
                    result["run_id"], result.get("incident_id"), result["status"], result["created_at"], now,
                    json.dumps(incident) if incident is not None else None, raw_input,
                    json.dumps(result), result.get("error"),
                    json.dumps(config_hashes) if config_hashes else None,
                ),
            )
            (seq,) = conn.execute(
                "SELECT COALESCE(MAX(seq), -1) FROM openclaw_node_outputs WHERE run_id = ?", (result["run_id"],)
            ).fetchone()
            conn.executemany(
                "INSERT INTO openclaw_node_outputs (run_id, seq, node, output, at) VALUES (?, ?, ?, ?, ?)",
                [
                    (result["run_id"], seq + 1 + i, node, json.dumps(output, default=str), now)
                    for i, (node, output) in enumerate(node_outputs)
                ],
            )
            exchanges = list(exchanges)
            if exchanges:
                (seq,) = conn.execute(
                    "SELECT COALESCE(MAX(seq), -1) FROM openclaw_exchanges WHERE run_id = ?", (result["run_id"],)
                ).fetchone()
                conn.executemany(
                    "INSERT INTO openclaw_exchanges (run_id, seq, exchange) VALUES (?, ?, ?)",
                    [(result["run_id"], seq + 1 + i, json.dumps(x, default=str)) for i, x in enumerate(exchanges)],
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
        with self._lock:
            rows = self._conn.execute(
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
        with self._lock:
            rows = self._conn.execute(
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
        with self._lock:
            rows = self._conn.execute(sql, (*params, limit)).fetchall()
        keys = ("run_id", "incident_id", "status", "created_at", "updated_at")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def find_by_incident(self, incident_id: str) -> str | None:
        """The newest run of an incident id, or None."""
        row = self._one(
            "SELECT run_id FROM openclaw_runs WHERE incident_id = ? ORDER BY created_at DESC LIMIT 1", (incident_id,)
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
        try:
            with self._lock:
                return self._conn.execute(sql, params).fetchone()
        except sqlite3.Error as exc:
            raise StoreError(f"run store {self.path}: {exc}") from exc
