"""LangGraph's SQLite checkpointer, with writes that hold the file's write lock only while SQLite runs them.

The stock ``AsyncSqliteSaver`` sends an INSERT and then a COMMIT to its connection's thread as two
trips through the event loop, and SQLite's write lock is held from the first to the second. In
one process that costs nothing; with several processes on one file (``serve --workers``, a CLI
beside the service) the other processes wait for the lock through every event-loop turn in
between, and under load those are milliseconds (measured: two workers busy only 0.6 of the time
each). Here the connection is in autocommit mode, so each write is one statement committed in
the thread that runs it:

- ``aput`` is the stock method: its one INSERT now commits where it runs (the COMMIT after it has
  nothing left to do);
- ``aput_writes`` writes a task's writes as one multi-row INSERT: one statement, so they are
  stored all or none, as the stock transaction did (9 values a row: SQLite's 32,766 variables
  allow 3,640 writes, and a node of this graph writes at most one per state key).

Reads, ``setup`` and the schema are the stock saver's. The connection commits with
``synchronous = NORMAL`` (see :class:`openclaw.storage.sqlite.SqliteDatabase.make_durable`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite
from langgraph.checkpoint.base import WRITES_IDX_MAP
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

_COLUMNS = "(thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, value)"
_ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?)"


class AutocommitSaver(AsyncSqliteSaver):
    """``AsyncSqliteSaver`` on an autocommit connection (see the module docstring)."""

    async def aput_writes(self, config: Any, writes: Sequence[tuple[str, Any]], task_id: str,
                          task_path: str = "") -> None:
        if not writes:
            return
        verb = "REPLACE" if all(w[0] in WRITES_IDX_MAP for w in writes) else "IGNORE"
        configurable = config["configurable"]
        head = (str(configurable["thread_id"]), str(configurable["checkpoint_ns"]), str(configurable["checkpoint_id"]),
                task_id, task_path)
        values: list[Any] = []
        for idx, (channel, value) in enumerate(writes):
            values += [*head, WRITES_IDX_MAP.get(channel, idx), channel, *self.serde.dumps_typed(value)]
        query = f"INSERT OR {verb} INTO writes {_COLUMNS} VALUES {', '.join([_ROW] * len(writes))}"
        await self.setup()
        async with self.lock, self.conn.execute(query, values):
            pass  # committed where it ran: autocommit


@asynccontextmanager
async def autocommit_saver(path: Path) -> AsyncIterator[AutocommitSaver]:
    """The saver on ``path`` (created with its tables), open for the block."""
    async with aiosqlite.connect(str(path), isolation_level=None) as conn:
        saver = AutocommitSaver(conn)
        await saver.setup()
        await conn.execute("PRAGMA synchronous = NORMAL")
        yield saver
