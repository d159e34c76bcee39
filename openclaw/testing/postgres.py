"""A throwaway PostgreSQL database per test (or per test module), for tests of the PostgreSQL adapter.

``OPENCLAW_TEST_DATABASE_URL`` names a server where the test user may ``CREATE DATABASE`` (default:
``postgresql://postgres@127.0.0.1:5432/postgres``). When it does not answer, tests that need it skip
with the reason, unless ``OPENCLAW_REQUIRE_SERVICES=1`` (CI with the service): then they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

from openclaw.storage import redacted

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def base_url() -> str:
    """The server tests may create databases on."""
    return os.environ.get("OPENCLAW_TEST_DATABASE_URL") or DEFAULT_URL


def services_required() -> bool:
    return os.environ.get("OPENCLAW_REQUIRE_SERVICES") == "1"


def unreachable_reason(url: str) -> str | None:
    """Why PostgreSQL at ``url`` cannot be used (one line), or None when it answers."""
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"PostgreSQL at {redacted(url)} does not answer: {first}"
    return None


def postgres_url_or_skip(url: str | None = None, *, required: bool | None = None) -> str:
    """``url`` (default: :func:`base_url`); skips the test when the server does not answer, or fails it when
    ``required`` (default: OPENCLAW_REQUIRE_SERVICES=1). Read the environment before any fixture that scrubs
    it: pass what you read at import time."""
    import pytest  # only when a test asks: the package itself does not need pytest

    url = url or base_url()
    required = services_required() if required is None else required
    reason = unreachable_reason(url)
    if reason is not None:
        if required:
            pytest.fail(f"{reason} (OPENCLAW_REQUIRE_SERVICES=1)")
        pytest.skip(f"{reason}; set OPENCLAW_TEST_DATABASE_URL")
    return url


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def database_url(base: str, name: str) -> str:
    """``base`` pointing at database ``name`` instead."""
    return urlsplit(base)._replace(path=f"/{name}").geturl()


@contextmanager
def temporary_database(base: str, *, prefix: str = "openclaw_test", template: str | None = None) -> Iterator[str]:
    """A new database on the server of ``base`` (empty, or a copy of the database ``template``, which must
    have no open connections); its URL for the block, dropped afterwards (``WITH (FORCE)``: connections a
    test left open do not keep it)."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template is not None:
        create += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
    with psycopg.connect(base, autocommit=True, connect_timeout=5) as conn:
        conn.execute(create)
    try:
        yield database_url(base, name)
    finally:
        with psycopg.connect(base, autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

