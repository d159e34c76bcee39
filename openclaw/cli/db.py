"""``openclaw db status`` and ``openclaw db upgrade``: the state database's schema.

With ``OPENCLAW_DATABASE_URL`` set (PostgreSQL), the schema is versioned: ``upgrade`` applies
the migrations this version ships (once, whoever runs it first: the migration tool locks), and
every other command refuses to start while any is missing, saying to run ``upgrade``. Without
it, the SQLite files under ``OPENCLAW_HOME`` are created and upgraded in place when opened, and
both verbs just say so.
"""

from __future__ import annotations

import argparse

from openclaw.cli.output import add_output_option, emit, output_format

EXIT_OK, EXIT_BEHIND = 0, 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("db", help="the state database's schema (status, upgrade)")
    verbs = p.add_subparsers(dest="db_command", metavar="VERB", required=True)
    status = verbs.add_parser("status", help="which migrations are not applied yet (exit 1 when any)",
                              description="Say where the state is and which schema migrations it lacks (exit 1).")
    upgrade = verbs.add_parser("upgrade", help="apply the schema migrations this version ships",
                               description="Apply every schema migration not applied yet; safe to run from "
                                           "several replicas at once (one applies, the others wait).")
    for verb, handler in ((status, _status), (upgrade, _upgrade)):
        verb.add_argument("--config-dir", metavar="DIR", default=argparse.SUPPRESS, help="config directory")
        add_output_option(verb)
        verb.set_defaults(handler=handler)


def _open(args: argparse.Namespace):  # noqa: ANN202 - a Storage
    from openclaw.settings import load_settings
    from openclaw.storage import open_storage

    return open_storage(load_settings(config_dir=getattr(args, "config_dir", None)), check_schema=False)


def _status(args: argparse.Namespace) -> int:
    storage = _open(args)
    try:
        pending = storage.database.pending_migrations()
        report = {"backend": storage.backend, "database": storage.where, "pending": pending}
    finally:
        storage.close()
    if output_format(args):
        emit(report, output_format(args))
    elif pending:
        print(f"{storage.where}: {len(pending)} migration{'s' if len(pending) != 1 else ''} not applied "
              f"({', '.join(pending)}); run: openclaw db upgrade")
    else:
        print(f"{storage.where}: up to date ({storage.backend})")
    return EXIT_BEHIND if pending else EXIT_OK


def _upgrade(args: argparse.Namespace) -> int:
    storage = _open(args)
    try:
        applied = storage.database.upgrade()
        report = {"backend": storage.backend, "database": storage.where, "applied": applied}
    finally:
        storage.close()
    if output_format(args):
        emit(report, output_format(args))
    elif applied:
        print(f"{storage.where}: applied {', '.join(applied)}")
    else:
        print(f"{storage.where}: up to date ({storage.backend}); nothing to apply")
    return EXIT_OK
