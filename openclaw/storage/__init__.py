"""Where shared state lives: :func:`open_storage` picks the adapter for ``OPENCLAW_DATABASE_URL``.

Unset: SQLite under ``OPENCLAW_HOME`` (:mod:`openclaw.storage.sqlite`), the embedded default.
``postgresql://…``: PostgreSQL (:mod:`openclaw.storage.postgres`), for several replicas. A third
backend is one adapter package and one line in :data:`BACKENDS`.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from openclaw.errors import ConfigError, StoreError
from openclaw.settings import Settings
from openclaw.storage.ports import Storage
from openclaw.storage.records import redacted

__all__ = ["BACKENDS", "database_url", "open_storage", "redacted"]


def _sqlite(settings: Settings, url: str | None) -> Storage:
    from openclaw.storage.sqlite import open_sqlite

    return open_sqlite(settings.home)


def _postgres(settings: Settings, url: str | None) -> Storage:
    from openclaw.storage.postgres import open_postgres

    assert url is not None
    return open_postgres(url)


BACKENDS: dict[str, Callable[[Settings, str | None], Storage]] = {
    "": _sqlite,
    "postgresql": _postgres,
    "postgres": _postgres,
}
"""URL scheme -> opener; ``""`` is the default (no URL)."""


def database_url(settings: Settings) -> str | None:
    return settings.database_url.get_secret_value() if settings.database_url else None


def open_storage(settings: Settings, *, url: str | None = None, check_schema: bool = True) -> Storage:
    """The storage ``url`` (default: OPENCLAW_DATABASE_URL) names; close it with ``Storage.close()``.

    ConfigError (one line) for a URL no adapter serves; StoreError when the database can't be opened,
    or (``check_schema``) when its schema is behind this version: ``openclaw db upgrade`` applies it.
    """
    url = url if url is not None else database_url(settings)
    scheme = urlsplit(url).scheme.lower() if url else ""
    opener = BACKENDS.get(scheme)
    if opener is None:
        raise ConfigError(
            f"OPENCLAW_DATABASE_URL: unsupported scheme {scheme!r}; use postgresql://user:password@host:5432/db "
            "or leave it unset for SQLite under OPENCLAW_HOME"
        )
    storage = opener(settings, url)
    if check_schema:
        try:
            pending = storage.database.pending_migrations()
        except BaseException:
            storage.close()
            raise
        if pending:
            storage.close()
            raise StoreError(
                f"the database {storage.where} is behind this version of OpenClaw ({len(pending)} migration"
                f"{'s' if len(pending) != 1 else ''} not applied: {', '.join(pending)}); run: openclaw db upgrade"
            )
    return storage
