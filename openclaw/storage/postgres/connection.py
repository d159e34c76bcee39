"""One connection pool per :class:`openclaw.storage.ports.Storage`, and one way to use it.

Every table owner of one ``Storage`` borrows connections from the same synchronous
``psycopg_pool.ConnectionPool`` (the port is synchronous). Connections are in autocommit mode;
every write, and every read that must be consistent, runs in one explicit transaction
(:meth:`Pg.tx`), committed on success and rolled back on any error. psycopg errors become
StoreError with one line naming the database as a URL without its password.

Atomicity comes from PostgreSQL itself, per row or per key, never from a whole-database lock:
unique constraints with ``INSERT ... ON CONFLICT``, row locks (``SELECT ... FOR UPDATE``) and
transaction-scoped advisory locks (``pg_advisory_xact_lock``); each table owner's docstring says
which.

**Durability per write.** A commit waits for its WAL to reach the disk (``synchronous_commit =
on``) where a lost commit could repeat a mutation, drop a signature or lose an accepted incident:
the ledger, approvals and resume claims, locks, a run's acceptance and its record at a pause or
the end. The bookkeeping written on every step (a run's progress and lease, the audit chain, the
anti-flapping history, LangGraph's checkpoints) commits with ``synchronous_commit = off``
(:meth:`Pg.tx` with ``durable=False``), the counterpart of SQLite's ``synchronous = NORMAL``: a
crash of OpenClaw loses nothing (the commit is in PostgreSQL), a power cut of the database
server may lose the newest such commits, never corrupting anything. PostgreSQL flushes its WAL
in order, so the next durable commit makes every earlier one durable too: the ledger claim
written before a mutation carries the checkpoints that led to it, and the record written at a
pause carries the run's whole history.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import psycopg_pool

from openclaw.errors import StoreError

POOL_MIN_SIZE = 1
POOL_MAX_SIZE = 10
CONNECT_TIMEOUT_S = 10.0
"""How long opening the pool, or borrowing a connection from it, may wait, in seconds."""


def one_line(exc: BaseException) -> str:
    """The first line of a psycopg error (its primary message, without DETAIL/HINT lines)."""
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    text = primary or str(exc) or type(exc).__name__
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


class Pg:
    """The pool and the redacted URL (``where``) of one database."""

    def __init__(self, pool: psycopg_pool.ConnectionPool, where: str) -> None:
        self.pool = pool
        self.where = where

    @contextmanager
    def tx(self, what: str, *, durable: bool = True) -> Iterator[psycopg.Connection]:
        """A pooled connection inside one transaction for ``what`` (named in errors); ``durable=False``:
        its commit does not wait for the disk (see the module docstring)."""
        try:
            with self.pool.connection(timeout=CONNECT_TIMEOUT_S) as conn, conn.transaction():
                if not durable:
                    conn.execute("SET LOCAL synchronous_commit = off")
                yield conn
        except psycopg.Error as exc:  # the pool's errors are psycopg errors too
            raise StoreError(f"{what} in {self.where}: {one_line(exc)}") from exc

    @contextmanager
    def read(self, what: str) -> Iterator[psycopg.Connection]:
        """A pooled connection for one read-only statement (autocommit: one round trip, no BEGIN/COMMIT)."""
        try:
            with self.pool.connection(timeout=CONNECT_TIMEOUT_S) as conn:
                yield conn
        except psycopg.Error as exc:
            raise StoreError(f"{what} in {self.where}: {one_line(exc)}") from exc

    def advisory_lock(self, conn: psycopg.Connection, key: str) -> None:
        """Hold a transaction-scoped advisory lock on ``key`` (a text) until the transaction ends."""
        conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (key,))


def open_pool(url: str, where: str, *, min_size: int = POOL_MIN_SIZE, max_size: int = POOL_MAX_SIZE,
              timeout_s: float = CONNECT_TIMEOUT_S) -> psycopg_pool.ConnectionPool:
    """An open pool of autocommit connections to ``url``; StoreError (one line) when the database does not
    answer. One direct connection first: a pool retries a refused connection until its timeout and then
    only says it timed out, while this says why at once."""
    try:
        psycopg.connect(url, connect_timeout=max(2, int(timeout_s))).close()
    except psycopg.Error as exc:
        raise StoreError(f"cannot connect to the database {where}: {one_line(exc)}; "
                         "check OPENCLAW_DATABASE_URL") from exc
    pool = psycopg_pool.ConnectionPool(url, min_size=min_size, max_size=max_size, open=False,
                                       kwargs={"autocommit": True}, name="openclaw")
    try:
        pool.open(wait=True, timeout=timeout_s)
    except psycopg.Error as exc:
        pool.close()
        raise StoreError(f"cannot connect to the database {where}: {one_line(exc)}; "
                         "check OPENCLAW_DATABASE_URL") from exc
    return pool
