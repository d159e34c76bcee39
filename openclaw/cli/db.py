"""``openclaw db status`` and ``openclaw db upgrade``: the state database's schema.

With ``OPENCLAW_DATABASE_URL`` set (PostgreSQL), the schema is versioned: ``upgrade`` applies
the migrations this version ships (once, whoever runs it first: the migration tool locks), and
every other command refuses to start while any is missing, saying to run ``upgrade``. Without
it, the SQLite files under ``OPENCLAW_HOME`` are created and upgraded in place when opened, and
both verbs just say so.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

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


def _report(args: argparse.Namespace, key: str, ask: Callable[[Any], list[str]]) -> dict[str, Any]:
    """``{"backend", "database", key: ask(database)}`` for the store the settings name (schema not checked)."""
    from openclaw.settings import load_settings
    from openclaw.storage import open_storage

    storage = open_storage(load_settings(config_dir=getattr(args, "config_dir", None)), check_schema=False)
    try:
        return {"backend": storage.backend, "database": storage.where, key: ask(storage.database)}
    finally:
        storage.close()


def _status(args: argparse.Namespace) -> int:
    report = _report(args, "pending", lambda database: database.pending_migrations())
    pending, where = report["pending"], report["database"]
    if output_format(args):
        emit(report, output_format(args))
    elif pending:
        print(f"{where}: {len(pending)} migration{'s' if len(pending) != 1 else ''} not applied "
              f"({', '.join(pending)}); run: openclaw db upgrade")
    else:
        print(f"{where}: up to date ({report['backend']})")
    return EXIT_BEHIND if pending else EXIT_OK


def _upgrade(args: argparse.Namespace) -> int:
    report = _report(args, "applied", lambda database: database.upgrade())
    if output_format(args):
        emit(report, output_format(args))
    elif report["applied"]:
        print(f"{report['database']}: applied {', '.join(report['applied'])}")
    else:
        print(f"{report['database']}: up to date ({report['backend']}); nothing to apply")
    return EXIT_OK
