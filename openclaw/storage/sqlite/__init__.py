"""The SQLite adapter: the embedded default, two files under ``OPENCLAW_HOME``.

``openclaw.db`` holds the run store, the audit chain, approvals and resume claims, the
idempotency ledger, the locks and the history; ``checkpoints.db`` holds LangGraph's
checkpoints. Several processes on one host may share them (WAL, ``BEGIN IMMEDIATE``); pods on
different disks may not. The tables are created, and older files upgraded in place, when a
process first opens them: there is no separate migration step.

**Checkpoints reach the disk when something depends on them.** LangGraph commits the checkpoints
the engine asks for (every step from ``execute`` on, see :mod:`openclaw.engine`) with
``synchronous = NORMAL``: a commit is in the operating system's cache when the next step starts,
so a crashed or killed process loses none, but it does not wait for the disk. :meth:`SqliteDatabase.make_durable` flushes every checkpoint
committed so far (one ``fdatasync`` of the WAL); the ledger does it before each claim, and the
engine when a run pauses for approval. So after a power cut, the checkpoint before any action
that left the process and before any pause is there, as on PostgreSQL, where a durable commit
flushes the WAL written before it.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

from openclaw.errors import StoreError
from openclaw.storage.ports import Storage
from openclaw.storage.sqlite.approvals import ApprovalStore
from openclaw.storage.sqlite.audit import AuditLog
from openclaw.storage.sqlite.history import History
from openclaw.storage.sqlite.ledger import ActionLedger, TargetLocks
from openclaw.storage.sqlite.runs import RunStore

STATE_FILE = "openclaw.db"
CHECKPOINT_FILE = "checkpoints.db"


class SqliteDatabase:
    """The two files as a :class:`openclaw.storage.ports.Database`."""

    backend = "sqlite"

    def __init__(self, home: Path) -> None:
        self.home = Path(home)
        self.state_db = self.home / STATE_FILE
        self.checkpoint_db = self.home / CHECKPOINT_FILE
        self.where = str(self.state_db)

    @asynccontextmanager
    async def checkpointer(self) -> AsyncIterator[Any]:
        from openclaw.storage.sqlite.checkpoints import autocommit_saver

        async with AsyncExitStack() as stack:
            try:
                saver = await stack.enter_async_context(autocommit_saver(self.checkpoint_db))
            except (sqlite3.Error, OSError) as exc:
                raise StoreError(f"cannot open the checkpoints in {self.checkpoint_db}: {exc}; "
                                 "check OPENCLAW_HOME") from exc
            yield saver

    @asynccontextmanager
    async def checkpoint_reader(self) -> AsyncIterator[Any | None]:
        if not self.checkpoint_db.exists():
            yield None
            return
        import aiosqlite
        from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

        conn = await aiosqlite.connect(f"file:{self.checkpoint_db}?mode=ro", uri=True)  # never write the real one
        try:
            yield AsyncSqliteSaver(conn)
        finally:
            await conn.close()

    def make_durable(self) -> None:
        """Flush every checkpoint committed so far to the disk: one ``fdatasync`` of the checkpoints' WAL,
        which holds every commit SQLite has not copied into the database file yet (copying syncs both)."""
        try:
            fd = os.open(self.checkpoint_db.with_name(f"{CHECKPOINT_FILE}-wal"), os.O_RDONLY)
            try:
                _sync(fd)
            finally:
                os.close(fd)
        except FileNotFoundError:
            return  # no WAL: every commit is in the database file, synced when it was copied there
        except OSError as exc:
            raise StoreError(f"cannot flush the checkpoints in {self.checkpoint_db}: {exc}") from exc

    def pending_migrations(self) -> list[str]:
        return []  # created and upgraded in place on open

    def upgrade(self) -> list[str]:
        open_sqlite(self.home).close()
        return []

    def ping(self) -> None:
        try:
            conn = sqlite3.connect(self.state_db, timeout=5.0)
            try:
                conn.execute("SELECT 1 FROM openclaw_runs LIMIT 1").fetchall()
            finally:
                conn.close()
        except sqlite3.Error as exc:
            raise StoreError(f"the state database {self.state_db} does not answer: {exc}") from exc

    def close(self) -> None:
        pass


_sync = getattr(os, "fdatasync", os.fsync)
"""The file's data to the disk (macOS has no fdatasync)."""


def open_sqlite(home: Path) -> Storage:
    """The storage under ``home`` (created when missing)."""
    database = SqliteDatabase(home)
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the state directory {home}: {exc}; check OPENCLAW_HOME") from exc
    path = database.state_db
    return Storage(database=database, runs=RunStore(path), audit=AuditLog(path), approvals=ApprovalStore(path),
                   ledger=ActionLedger(path, before_claim=database.make_durable), locks=TargetLocks(path),
                   history=History(path))


__all__ = ["ActionLedger", "ApprovalStore", "AuditLog", "History", "RunStore", "SqliteDatabase", "TargetLocks",
           "open_sqlite"]
