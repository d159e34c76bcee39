"""The storage contract: every test here runs on each adapter (SQLite, PostgreSQL) with the same assertions.

``storage`` is one open ``Storage``; ``open_more`` opens more ``Storage`` objects on the same database, one
per simulated replica (each has its own connections, as separate processes would). PostgreSQL tests get a
fresh database per test, copied from one migrated template per session; they skip when PostgreSQL is not
reachable, unless OPENCLAW_REQUIRE_SERVICES=1.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from openclaw.storage.ports import Storage
from openclaw.storage.postgres import open_postgres
from openclaw.storage.sqlite import open_sqlite
from openclaw.testing.postgres import (
    base_url,
    database_name,
    postgres_url_or_skip,
    services_required,
    temporary_database,
)

OpenMore = Callable[[], Storage]

# Read at import: the autouse clean_environ fixture scrubs OPENCLAW_* before a test's own fixtures run.
POSTGRES_BASE_URL = base_url()
REQUIRE_SERVICES = services_required()


@pytest.fixture(scope="session")
def postgres_base() -> str:
    """The server tests create their databases on (OPENCLAW_TEST_DATABASE_URL)."""
    return postgres_url_or_skip(POSTGRES_BASE_URL, required=REQUIRE_SERVICES)


@pytest.fixture(scope="session")
def postgres_template(postgres_base: str) -> Iterator[str]:
    """A database with every migration applied, copied for each test (CREATE DATABASE ... TEMPLATE)."""
    with temporary_database(postgres_base, prefix="openclaw_contract_tmpl") as url:
        storage = open_postgres(url)
        try:
            storage.database.upgrade()
        finally:
            storage.close()
        yield database_name(url)


@pytest.fixture
def postgres_url(postgres_base: str, postgres_template: str) -> Iterator[str]:
    with temporary_database(postgres_base, prefix="openclaw_contract", template=postgres_template) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def open_more(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OpenMore]:
    opened: list[Storage] = []
    if backend == "postgresql":
        url = request.getfixturevalue("postgres_url")

        def opener() -> Storage:
            return open_postgres(url, max_size=4)
    else:
        home = tmp_path / "state"

        def opener() -> Storage:
            return open_sqlite(home)

    def open_one() -> Storage:
        storage = opener()
        opened.append(storage)
        return storage

    yield open_one
    for storage in opened:
        storage.close()


@pytest.fixture
def storage(open_more: OpenMore) -> Storage:
    return open_more()
