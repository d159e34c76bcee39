"""One way to open the state database (SQLite, WAL) and to write to it, shared by every table owner.

Several processes share the file (the CLI, the HTTP service, approvers' commands), so
every connection sets a busy timeout and WAL, and every write is one ``BEGIN IMMEDIATE``
transaction: writers queue on SQLite's lock instead of failing or corrupting each other.

``synchronous`` is chosen per table by what a lost commit would cost after a power cut
(an application crash loses nothing in either mode): ``FULL`` (an fsync per commit) for
the idempotency ledger and the approvals, where a forgotten row could repeat a mutation
or drop a signature; ``NORMAL`` for the run store, the audit log and the history, which
are written on every run. In WAL mode ``NORMAL`` never corrupts the file or breaks the
audit chain; it can only lose the newest commits on power loss.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_random_exponential

from openclaw.errors import StoreError

BUSY_TIMEOUT_S = 10.0
"""How long a connection waits for another process's write lock, in seconds."""

Synchronous = Literal["FULL", "NORMAL"]
_SCHEMAS_READY: set[tuple[Path, str]] = set()
_SETUP_LOCK = threading.Lock()


def connect(path: Path, *, what: str, schema: str | None = None, synchronous: Synchronous = "FULL",
            shared: bool = False) -> sqlite3.Connection:
    """A configured connection to ``path``; ``schema`` (CREATE ... IF NOT EXISTS) runs once per process.

    ``what`` names the table owner in errors. ``shared`` allows use from several threads (the caller locks).
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=not shared)
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        conn.execute(f"PRAGMA synchronous = {synchronous}")
        if schema is not None and (path, schema) not in _SCHEMAS_READY:
            with _SETUP_LOCK:  # one thread at a time switches to WAL and creates tables
                if (path, schema) not in _SCHEMAS_READY:
                    _wal(conn)
                    conn.executescript(schema)
                    _SCHEMAS_READY.add((path, schema))
        return conn
    except (sqlite3.Error, OSError) as exc:
        raise StoreError(f"cannot open {what} in {path}: {exc}; check OPENCLAW_HOME") from exc


def _wal(conn: sqlite3.Connection) -> None:
    """Switch the file to WAL. Two processes opening a new file at once can both try, and the loser is told
    "database is locked" at once (SQLite does not wait on its busy timeout for this): try again, within
    the busy timeout, until the winner's switch is visible."""
    for attempt in Retrying(stop=stop_after_delay(BUSY_TIMEOUT_S), wait=wait_random_exponential(0.005, max=0.2),
                            retry=retry_if_exception(_locked), reraise=True):
        with attempt:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")


def _locked(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)


@contextmanager
def session(path: Path, *, what: str, schema: str | None = None,
            synchronous: Synchronous = "FULL") -> Iterator[sqlite3.Connection]:
    """A connection for one unit of work, closed afterwards; SQLite errors become StoreError."""
    conn = connect(path, what=what, schema=schema, synchronous=synchronous)
    try:
        yield conn
    except sqlite3.Error as exc:
        raise StoreError(f"{what} in {path}: {exc}") from exc
    finally:
        conn.close()


class SharedConnection:
    """One table owner's connection to ``path``, opened on first use and then kept, used by one thread at a
    time (any thread); :meth:`close` closes it. Opening a connection costs more than most of the statements
    an owner runs on each step (the file, the PRAGMAs, the schema), so owners written on every run keep one.
    Other processes' commits are visible to it as to a new connection: each statement or transaction reads
    the newest snapshot (WAL)."""

    def __init__(self, path: Path, *, what: str, schema: str, synchronous: Synchronous) -> None:
        self.path = Path(path)
        self._what, self._schema, self._synchronous = what, schema, synchronous
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    @contextmanager
    def use(self) -> Iterator[sqlite3.Connection]:
        """The connection, for one unit of work under the lock; SQLite errors become StoreError, and a
        transaction the work left open (it raised) is rolled back."""
        with self._lock:
            if self._conn is None:
                self._conn = connect(self.path, what=self._what, schema=self._schema,
                                     synchronous=self._synchronous, shared=True)
            conn = self._conn
            try:
                yield conn
            except sqlite3.Error as exc:
                raise StoreError(f"{self._what} in {self.path}: {exc}") from exc
            finally:
                if conn.in_transaction:
                    conn.rollback()

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


@contextmanager
def immediate(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One ``BEGIN IMMEDIATE`` transaction on ``conn``: committed on success, rolled back on any error."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
