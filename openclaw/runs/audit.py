"""Append-only, hash-chained audit log in SQLite.

Every trust verdict, approval, rejection and execution is appended as one entry::

    hash = sha256_hex(canonical_json({"seq", "at", "kind", "run_id", "payload", "prev_hash"}))

with ``prev_hash`` the previous entry's hash (``GENESIS_HASH`` for the first). A separate
one-row head table records the last ``seq`` and ``hash``, so removing the newest entries
is detected too. :meth:`AuditLog.verify` reports edited, reordered and removed entries.

The tables (``audit_log``, ``audit_head``) live in the shared state database next to the
run store; triggers refuse UPDATE and DELETE on entries, and nothing in OpenClaw deletes
them, so entries outlive expired requests and pruned runs. The chain is tamper-evident,
not tamper-proof: someone who can rewrite the whole file can rebuild it. Copy
``head()`` somewhere else (a ticket, a log shipper) to anchor it.

Writes take ``BEGIN IMMEDIATE`` so several processes can append safely; WAL mode and a
busy timeout let readers and writers overlap (openclaw.runs.sqlite). Each call opens its
own connection, so an ``AuditLog`` may be shared between threads.

**Fail closed.** :meth:`AuditLog.check` tells whether the chain may be trusted: the first
call (per ``AuditLog``, i.e. per engine) verifies the whole chain, later calls only the
entries appended since (by any process) and that the entry verified last is unchanged. A
chain found broken stays broken for that ``AuditLog``: the trust node denies every
mutation with :meth:`AuditLog.refusal` as the reason (reads still run), and nothing more
is appended to it, until someone investigates (``openclaw audit verify``) and restarts.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openclaw.approvals.digest import canonical_json, iso_utc, sha256_hex
from openclaw.errors import StoreError
from openclaw.runs.sqlite import immediate, session

GENESIS_HASH = "0" * 64

log = logging.getLogger("openclaw.audit")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_log (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    kind      TEXT NOT NULL,
    run_id    TEXT,
    payload   TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_log_run_id ON audit_log (run_id);
CREATE TABLE IF NOT EXISTS audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
"""


@dataclass(frozen=True)
class AuditEntry:
    """One link of the chain."""

    seq: int
    """Position, 1-based, contiguous."""
    at: str
    """When it was appended, ISO 8601 UTC."""
    kind: str
    """What happened, e.g. ``verdict``, ``approval``, ``rejection``, ``execution``, ``expired``."""
    run_id: str | None
    payload: dict[str, Any]
    prev_hash: str
    hash: str

    def expected_hash(self) -> str:
        """The hash these fields should have."""
        return entry_hash(self.seq, self.at, self.kind, self.run_id, self.payload, self.prev_hash)


def entry_hash(seq: int, at: str, kind: str, run_id: str | None, payload: dict[str, Any], prev_hash: str) -> str:
    """sha256 hex over the canonical JSON of an entry's fields (all but ``hash``)."""
    return sha256_hex(
        canonical_json(
            {"seq": seq, "at": at, "kind": kind, "run_id": run_id, "payload": payload, "prev_hash": prev_hash}
        )
    )


def missing_reason(db_path: Path | str) -> str | None:
    """Why there is no audit log in ``db_path`` (no file, an empty file, not SQLite, no ``audit_log``
    table), or None when there is one. Read-only: unlike :class:`AuditLog`, it creates nothing."""
    path = Path(db_path)
    if not path.exists():
        return "there is no state database there"
    if path.is_dir():
        return "it is a directory, not a state database"
    if path.stat().st_size == 0:
        return "the file is empty"
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10.0)
        try:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return f"it cannot be read as an SQLite database ({exc})"
    if "audit_log" not in tables:
        return "the database has no audit_log table"
    return None


class AuditLog:
    """The audit log in the SQLite file ``db_path`` (created with its directory when missing)."""

    def __init__(self, db_path: Path | str) -> None:
        self.db_path = Path(db_path)
        self._lock = threading.Lock()
        self._verified: tuple[int, str] | None = None
        """(seq, hash) of the last entry this object has verified, with everything before it; None: not yet."""
        self._broken: tuple[str, ...] = ()
        """The problems found; once set, the chain is treated as broken until a new AuditLog is made."""

    def _connect(self) -> AbstractContextManager[sqlite3.Connection]:
        # NORMAL (see openclaw.runs.sqlite): written on every run; a power cut may lose the newest
        # entries but never breaks the chain.
        return session(self.db_path, what="the audit log", schema=_SCHEMA, synchronous="NORMAL")

    def append(self, kind: str, run_id: str | None, payload: dict[str, Any], *, at: datetime | None = None) -> AuditEntry | None:
        """Append one entry and move the head; returns it (None: not appended, the chain is broken).
        ``payload`` must be JSON (no NaN)."""
        appended = self.append_many([(kind, run_id, payload)], at=at)
        return appended[0] if appended else None

    def append_many(
        self, items: list[tuple[str, str | None, dict[str, Any]]], *, at: datetime | None = None
    ) -> list[AuditEntry]:
        """Append several ``(kind, run_id, payload)`` entries in one transaction (one connection, one commit).

        Nothing is appended to a chain :meth:`check` finds broken: the entries are dropped (logged) and
        ``[]`` is returned; the run record still says what happened."""
        if not items:
            return []
        if self.check():
            log.warning("audit log %s is broken: %d entr%s not appended (%s); run `openclaw audit verify`",
                        self.db_path, len(items), "y" if len(items) == 1 else "ies",
                        ", ".join(sorted({kind for kind, _, _ in items})))
            return []
        prepared = []
        for kind, run_id, payload in items:
            if not kind or not isinstance(kind, str):
                raise ValueError("audit entry kind must be a non-empty string")
            prepared.append((kind, run_id, json.loads(canonical_json(payload))))
        stamp = iso_utc(at or datetime.now(UTC))
        out: list[AuditEntry] = []
        with self._connect() as conn, immediate(conn):
            row = conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
            if row is None:
                row = conn.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
            seq, prev = (row[0], row[1]) if row else (0, GENESIS_HASH)
            start = (seq, prev)
            for kind, run_id, payload in prepared:
                seq += 1
                digest = entry_hash(seq, stamp, kind, run_id, payload, prev)
                conn.execute(
                    "INSERT INTO audit_log (seq, at, kind, run_id, payload, prev_hash, hash) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (seq, stamp, kind, run_id, canonical_json(payload).decode("utf-8"), prev, digest),
                )
                out.append(AuditEntry(seq, stamp, kind, run_id, payload, prev, digest))
                prev = digest
            conn.execute(
                "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
                (seq, prev),
            )
        with self._lock:
            if self._verified == start:  # our own entries extend the verified chain
                self._verified = (seq, prev)
        return out

    def entries(self, run_id: str | None = None) -> list[AuditEntry]:
        """All entries in ``seq`` order, or only those of ``run_id``."""
        query = "SELECT seq, at, kind, run_id, payload, prev_hash, hash FROM audit_log"
        params: tuple[Any, ...] = ()
        if run_id is not None:
            query += " WHERE run_id = ?"
            params = (run_id,)
        with self._connect() as conn:
            rows = conn.execute(query + " ORDER BY seq", params).fetchall()
        return [self._entry(row) for row in rows]

    def head(self) -> tuple[int, str]:
        """(last seq, last hash) as recorded in the head table; (0, GENESIS_HASH) when empty."""
        with self._connect() as conn:
            row = conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
        return (row[0], row[1]) if row else (0, GENESIS_HASH)

    def verify(self) -> list[str]:
        """One line per problem found in the chain; an empty list means intact."""
        with self._connect() as conn:
            conn.execute("BEGIN")  # one consistent snapshot of entries and head
            rows = conn.execute(
                "SELECT seq, at, kind, run_id, payload, prev_hash, hash FROM audit_log ORDER BY seq"
            ).fetchall()
            head = conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
            conn.execute("COMMIT")
        return self._problems(rows, head)

    def check(self) -> tuple[str, ...]:
        """The chain's problems, ``()`` while it is intact; cheap after the first call.

        The first call verifies every entry. Later calls verify the entry verified last (unchanged?),
        the entries appended since by any process, and the head record. Edits further back are found
        by the next engine's first check and by ``openclaw audit verify``. A broken chain stays broken
        for this object."""
        with self._lock:
            if self._broken:
                return self._broken
            verified = self._verified
        if verified is None:
            problems, mark = self._verify_from(0, GENESIS_HASH)
        else:
            problems, mark = self._verify_from(*verified)
        with self._lock:
            if problems:
                if not self._broken:
                    log.error("audit log %s is broken: %s; mutations are refused", self.db_path, problems[0])
                self._broken = tuple(problems)
                return self._broken
            if self._verified == verified:
                self._verified = mark
            return ()

    def refusal(self) -> str | None:
        """Why mutations are refused (one line naming the first problem and how to investigate), or None."""
        problems = self.check()
        if not problems:
            return None
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return (f"the audit log is broken: {problems[0]}{more}; mutations are refused until it is investigated "
                f"(run `openclaw audit verify --db {self.db_path}`, then restore the log and restart)")

    def _verify_from(self, seq: int, digest: str) -> tuple[list[str], tuple[int, str]]:
        """Problems in the entries after ``(seq, digest)`` (already verified), and the new verified mark."""
        with self._connect() as conn:
            conn.execute("BEGIN")
            head = conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
            rows = conn.execute(
                "SELECT seq, at, kind, run_id, payload, prev_hash, hash FROM audit_log WHERE seq >= ? ORDER BY seq",
                (seq,),
            ).fetchall()
            conn.execute("COMMIT")
        problems: list[str] = []
        if seq:
            anchor, rows = (rows[0], rows[1:]) if rows and rows[0][0] == seq else (None, rows)
            if anchor is None or anchor[6] != digest:
                problems.append(f"entry {seq}: changed or removed since it was verified")
            else:
                try:
                    if self._entry(anchor).expected_hash() != digest:
                        problems.append(f"entry {seq} ({anchor[2]}): content does not match its hash: it was edited")
                except StoreError as exc:
                    problems.append(str(exc))
        problems += self._problems(rows, head, first_seq=seq + 1, prev=digest)
        last = (rows[-1][0], rows[-1][6]) if rows else (seq, digest)
        return problems, last

    def _problems(self, rows: list[tuple[Any, ...]], head: tuple[Any, ...] | None, *, first_seq: int = 1,
                  prev: str = GENESIS_HASH) -> list[str]:
        """What is wrong with ``rows`` (entries from ``first_seq`` on, the one before hashing to ``prev``)
        and the head record."""
        problems: list[str] = []
        expected_seq = first_seq
        for row in rows:
            try:
                entry = self._entry(row)
            except StoreError as exc:
                problems.append(str(exc))
                expected_seq, prev = row[0] + 1, row[6]
                continue
            if entry.seq != expected_seq:
                missing = f"{expected_seq}" if entry.seq == expected_seq + 1 else f"{expected_seq}-{entry.seq - 1}"
                problems.append(
                    f"entry {missing} removed: the log jumps from seq {expected_seq - 1} to {entry.seq}"
                    if entry.seq > expected_seq
                    else f"entry {entry.seq}: out of order after seq {expected_seq - 1}"
                )
            if entry.prev_hash != prev:
                problems.append(
                    f"entry {entry.seq}: prev_hash {entry.prev_hash[:12]}... does not match the hash of the entry "
                    f"before it ({prev[:12]}...): entries were removed, inserted or reordered"
                )
            if entry.hash != entry.expected_hash():
                problems.append(f"entry {entry.seq} ({entry.kind}): content does not match its hash: it was edited")
            expected_seq, prev = entry.seq + 1, entry.hash
        last_seq = rows[-1][0] if rows else first_seq - 1
        if head is None:
            if last_seq > 0:
                problems.append(f"head record is missing but the log has {last_seq} entries: it was removed")
        elif head[0] != last_seq or head[1] != prev:
            if head[0] > last_seq:
                problems.append(
                    f"head record says the log ends at seq {head[0]} but the last entry is seq {last_seq}: "
                    "the newest entries were removed"
                )
            else:
                problems.append(
                    f"head record (seq {head[0]}, {head[1][:12]}...) does not match the last entry "
                    f"(seq {last_seq}, {prev[:12]}...): the end of the log was changed"
                )
        return problems

    @staticmethod
    def _entry(row: tuple[Any, ...]) -> AuditEntry:
        seq, at, kind, run_id, payload, prev_hash, digest = row
        try:
            data = json.loads(payload)
        except (TypeError, ValueError) as exc:
            raise StoreError(f"entry {seq}: payload is not JSON: it was edited") from exc
        return AuditEntry(seq, at, kind, run_id, data, prev_hash, digest)
