"""A throwaway PostgreSQL database for the benchmarks that compare stores or run replicas.

``OPENCLAW_BENCH_DATABASE_URL`` (or ``--database-url``) names a server where the user may ``CREATE
DATABASE`` (default: ``postgresql://postgres@127.0.0.1:5432/postgres``). A benchmark creates its own
database there, applies the schema (as ``openclaw db upgrade`` does), and drops it afterwards: nothing
of an existing database is read or written.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from openclaw.errors import StoreError

if TYPE_CHECKING:
    from openclaw.settings import Settings

BENCH_DATABASE_ENV = "OPENCLAW_BENCH_DATABASE_URL"
DEFAULT_BENCH_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def bench_database_url(explicit: str | None = None) -> str:
    """``explicit``, else OPENCLAW_BENCH_DATABASE_URL, else the local default."""
    return explicit or os.environ.get(BENCH_DATABASE_ENV) or DEFAULT_BENCH_DATABASE_URL


@contextmanager
def throwaway_database(base: str) -> Iterator[str]:
    """A new, upgraded database on the server of ``base``; its URL for the block, dropped afterwards.
    StoreError (one line) when the server does not answer."""
    from openclaw.settings import load_settings
    from openclaw.storage import open_storage
    from openclaw.testing.postgres import temporary_database, unreachable_reason

    reason = unreachable_reason(base)
    if reason is not None:
        raise StoreError(f"{reason}; set {BENCH_DATABASE_ENV} or --database-url")
    with temporary_database(base, prefix="openclaw_bench") as url:
        storage = open_storage(load_settings(environ={}), url=url, check_schema=False)
        try:
            storage.database.upgrade()
        finally:
            storage.close()
        yield url


def count_runs(settings: Settings | None = None, *, url: str | None = None) -> int:
    """How many runs the store of ``settings`` (or the database at ``url``) holds; the benchmarks report it,
    proof the store was used."""
    from openclaw.settings import load_settings
    from openclaw.storage import open_storage

    storage = open_storage(settings or load_settings(environ={}), url=url)
    try:
        return len(storage.runs.list(limit=10_000_000))
    finally:
        storage.close()
