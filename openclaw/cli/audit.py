"""``openclaw audit verify``: check the hash chain of the audit log."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from openclaw.settings import load_settings
from openclaw.storage.sqlite.audit import AuditLog, missing_reason


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``audit`` noun and its verbs to the top-level sub-parsers."""
    p = sub.add_parser("audit", help="inspect the append-only audit log")
    verbs = p.add_subparsers(dest="audit_command", metavar="VERB", required=True)
    verify = verbs.add_parser(
        "verify",
        help="check the hash chain (exit 0 intact, 1 tampered or missing)",
        description=(
            "Recompute every entry's hash and the chain links, and compare the last entry with the head "
            "record. Prints 'audit log intact: N entries' or one line per problem (exit 1); exit 1 too, with "
            "'no audit log at PATH', when there is no audit log there (no file, an empty file, not SQLite, no "
            "audit table)."
        ),
    )
    verify.add_argument("--db", metavar="FILE", help="SQLite state database to check (default: OPENCLAW_DATABASE_URL, "
                        "else OPENCLAW_HOME/openclaw.db)")
    verify.add_argument("--config-dir", metavar="DIR", default=argparse.SUPPRESS, help="config directory")
    verify.set_defaults(handler=_verify)


def verify_db(db_path: Path) -> tuple[int, list[str]]:
    """(exit code, output lines) for the audit log in ``db_path``; no audit log there (a missing or empty
    file, no audit table) is exit 1, said plainly: a wrong OPENCLAW_HOME or --db must not pass as an intact log."""
    missing = missing_reason(db_path)
    if missing is not None:
        return 1, [f"no audit log at {db_path}: {missing} (check OPENCLAW_HOME or --db)"]
    log = AuditLog(db_path)
    try:
        problems = log.verify()
        return (1, problems) if problems else (0, [f"audit log intact: {log.head()[0]} entries"])
    finally:
        log.close()


def verify_storage(settings: Any) -> tuple[int, list[str]]:
    """(exit code, output lines) for the audit log of OPENCLAW_DATABASE_URL."""
    from openclaw.storage import open_storage

    storage = open_storage(settings)
    try:
        problems = storage.audit.verify()
        return (1, problems) if problems else (0, [f"audit log intact: {storage.audit.head()[0]} entries"])
    finally:
        storage.close()


def _verify(args: argparse.Namespace) -> int:
    settings = None if args.db else load_settings(config_dir=getattr(args, "config_dir", None))
    if settings is not None and settings.database_url is not None:
        code, lines = verify_storage(settings)
    else:
        code, lines = verify_db(Path(args.db) if args.db else settings.state_db)
    for line in lines:
        print(line)
    return code
