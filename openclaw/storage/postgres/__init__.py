"""The PostgreSQL adapter: shared state for several replicas in one database.

``open_postgres(url)`` opens one ``psycopg_pool.ConnectionPool`` (:mod:`.connection`) shared by
the run store, the audit chain, approvals and resume claims, the idempotency ledger, the target
locks and the history; ``Storage.close()`` closes it. LangGraph's checkpoints live in the same
database (``langgraph-checkpoint-postgres``), read and written through their own async pool.

Every guarantee the SQLite adapter gets from ``BEGIN IMMEDIATE`` on one file comes here from
PostgreSQL, per row or key, so replicas do not queue on one lock: unique constraints with
``INSERT ... ON CONFLICT`` (one run per incident id, ledger claims, approvals, resume claims,
config blobs), a row lock on the audit head (the chain), advisory locks per target (the
anti-flapping history) and conditional upserts (lock leases). Each module says which.

**The schema is versioned.** Nothing is created when a process opens the database: the SQL files
in ``migrations/`` are applied by yoyo, and LangGraph's checkpoint tables by its own ``setup()``,
both through :meth:`PostgresDatabase.upgrade` (``openclaw db upgrade``).
:meth:`PostgresDatabase.pending_migrations` says what is missing, and ``open_storage`` refuses a
database that is behind.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import psycopg_pool
from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from psycopg.rows import dict_row
from yoyo import get_backend, read_migrations
from yoyo.exceptions import LockTimeout

from openclaw.errors import StoreError
from openclaw.storage.records import redacted
from openclaw.storage.ports import Storage
from openclaw.storage.postgres.approvals import ApprovalStore
from openclaw.storage.postgres.audit import AuditLog
from openclaw.storage.postgres.connection import (
    CONNECT_TIMEOUT_S,
    POOL_MAX_SIZE,
    POOL_MIN_SIZE,
    Pg,
    one_line,
    open_pool,
)
from openclaw.storage.postgres.history import History
from openclaw.storage.postgres.ledger import ActionLedger, TargetLocks
from openclaw.storage.postgres.runs import RunStore

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
YOYO_TABLE = "_yoyo_migration"
CHECKPOINT_MIGRATIONS = len(AsyncPostgresSaver.MIGRATIONS)
"""How many schema steps this version of langgraph-checkpoint-postgres has (versions 0..N-1)."""
CHECKPOINT_STEP = f"langgraph-checkpoints-v{CHECKPOINT_MIGRATIONS}"
"""How the checkpointer's schema appears in ``pending_migrations``."""
UPGRADE_LOCK_TIMEOUT_S = 60
"""How long ``upgrade`` waits for another process's upgrade (yoyo's lock), in seconds."""


def yoyo_url(url: str) -> str:
    """``url`` with the scheme yoyo's psycopg 3 backend answers to (``postgresql+psycopg``)."""
    return urlsplit(url)._replace(scheme="postgresql+psycopg").geturl()


class PostgresDatabase:
    """One PostgreSQL database as a :class:`openclaw.storage.ports.Database`."""

    backend = "postgresql"

    def __init__(self, url: str, pg: Pg) -> None:
        self.url = url
        self.where = pg.where
        self._pg = pg

    @asynccontextmanager
    async def checkpointer(self) -> AsyncIterator[Any]:
        """An ``AsyncPostgresSaver`` over its own async pool, open for the block (the tables come from
        ``upgrade``). Its commits do not wait for the disk (``synchronous_commit = off``, see
        :mod:`.connection`): the durable commit that precedes every mutation (the ledger claim) and every
        pause (the run's record) flushes them."""
        pool = psycopg_pool.AsyncConnectionPool(
            self.url, min_size=POOL_MIN_SIZE, max_size=POOL_MAX_SIZE, open=False, name="openclaw-checkpoints",
            kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row,
                    "options": "-c synchronous_commit=off"},
        )
        try:
            await pool.open(wait=True, timeout=CONNECT_TIMEOUT_S)
        except psycopg.Error as exc:  # PoolTimeout, PoolClosed included
            await pool.close()
            raise StoreError(f"cannot open the checkpoints in {self.where}: {one_line(exc)}; "
                             "check OPENCLAW_DATABASE_URL") from exc
        try:
            yield AsyncPostgresSaver(pool)
        finally:
            await pool.close()

    @asynccontextmanager
    async def checkpoint_reader(self) -> AsyncIterator[Any | None]:
        """A saver on one connection, only read; None when the checkpoint tables do not exist yet."""
        try:
            conn = await psycopg.AsyncConnection.connect(self.url, autocommit=True, prepare_threshold=0,
                                                         row_factory=dict_row, connect_timeout=int(CONNECT_TIMEOUT_S))
        except psycopg.Error as exc:
            raise StoreError(f"cannot open the checkpoints in {self.where}: {one_line(exc)}") from exc
        try:
            row = await (await conn.execute("SELECT to_regclass('checkpoints') IS NOT NULL AS present")).fetchone()
            yield AsyncPostgresSaver(conn) if row and row["present"] else None
        finally:
            await conn.close()

    def make_durable(self) -> None:
        """Nothing to do: the next durable commit (the ledger claim before an action, the record at a pause)
        flushes the WAL up to it, and so every checkpoint committed before it."""

    def pending_migrations(self) -> list[str]:
        """The ids of the SQL migrations not applied yet, then ``langgraph-checkpoints-v<N>`` when the
        checkpoint tables are behind. Reads only (yoyo's table may not exist yet)."""
        with self._pg.tx("the schema") as conn:
            if conn.execute("SELECT to_regclass(%s)", (YOYO_TABLE,)).fetchone()[0] is None:
                applied: set[str] = set()
            else:
                applied = {r[0] for r in conn.execute(f"SELECT migration_id FROM {YOYO_TABLE}").fetchall()}
            checkpoints_behind = self._checkpoints_behind(conn)
        pending = [m.id for m in read_migrations(str(MIGRATIONS_DIR)) if m.id not in applied]
        return pending + ([CHECKPOINT_STEP] if checkpoints_behind else [])

    @staticmethod
    def _checkpoints_behind(conn: psycopg.Connection) -> bool:
        if conn.execute("SELECT to_regclass('checkpoint_migrations')").fetchone()[0] is None:
            return True
        (version,) = conn.execute("SELECT MAX(v) FROM checkpoint_migrations").fetchone()
        return version is None or version < CHECKPOINT_MIGRATIONS - 1

    def upgrade(self) -> list[str]:
        """Apply the pending SQL migrations (yoyo, under its lock) and bring LangGraph's checkpoint tables
        up to date (its ``setup()``, under the same lock); the steps applied, ``[]`` when up to date."""
        try:
            backend = get_backend(yoyo_url(self.url))
        except psycopg.Error as exc:
            raise StoreError(f"cannot upgrade the database {self.where}: {one_line(exc)}") from exc
        try:
            with backend.lock(timeout=UPGRADE_LOCK_TIMEOUT_S):
                todo = backend.to_apply(read_migrations(str(MIGRATIONS_DIR)))
                backend.apply_migrations(todo)
                applied = [m.id for m in todo]
                with self._pg.tx("the schema") as conn:
                    behind = self._checkpoints_behind(conn)
                if behind:
                    with PostgresSaver.from_conn_string(self.url) as saver:
                        saver.setup()
                    applied.append(CHECKPOINT_STEP)
        except LockTimeout as exc:
            raise StoreError(f"cannot upgrade the database {self.where}: {exc}") from exc
        except psycopg.Error as exc:
            raise StoreError(f"cannot upgrade the database {self.where}: {one_line(exc)}") from exc
        finally:
            backend.connection.close()
        return applied

    def ping(self) -> None:
        """StoreError (one line) unless the database answers ``SELECT 1`` within a few seconds."""
        try:
            with self._pg.pool.connection(timeout=5.0) as conn:
                conn.execute("SET statement_timeout = 5000")
                conn.execute("SELECT 1").fetchone()
                conn.execute("RESET statement_timeout")
        except psycopg.Error as exc:  # PoolTimeout, PoolClosed included
            raise StoreError(f"the database {self.where} does not answer: {one_line(exc)}") from exc

    def close(self) -> None:
        self._pg.pool.close()


def open_postgres(url: str, *, min_size: int = POOL_MIN_SIZE, max_size: int = POOL_MAX_SIZE) -> Storage:
    """The storage in the PostgreSQL database at ``url`` (its schema as it is: see ``upgrade``); one pool of
    ``min_size``..``max_size`` connections for all of it."""
    where = redacted(url)
    pg = Pg(open_pool(url, where, min_size=min_size, max_size=max_size), where)
    return Storage(database=PostgresDatabase(url, pg), runs=RunStore(pg), audit=AuditLog(pg),
                   approvals=ApprovalStore(pg), ledger=ActionLedger(pg), locks=TargetLocks(pg), history=History(pg))


__all__ = ["ActionLedger", "ApprovalStore", "AuditLog", "History", "PostgresDatabase", "RunStore", "TargetLocks",
           "open_postgres"]
