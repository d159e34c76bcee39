"""``openclaw replay RUN_ID|BUNDLE [--json] [--live] [--config-dir DIR] [--from NODE] [--all [--since DATE]]``."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

EXIT_SAME, EXIT_CHANGED = 0, 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "replay",
        help="re-run a recorded incident and show what changed",
        description=(
            "Without options: re-execute the run against its recorded LLM answers, cluster responses and config, "
            "with no network and no side effects, and check that the path and the decision are identical. "
            "--live or --config-dir: decide the incident again with today's providers or another config (nothing "
            "is executed) and diff intent, route, tool calls and verdicts. --from NODE: fork from the checkpoint "
            "before NODE. --all: a what-if run of every recorded run. Exit code 1 when anything changed."
        ),
    )
    p.add_argument("target", nargs="?", metavar="RUN_ID|BUNDLE", help="a run id, or a bundle from `runs export`")
    p.add_argument("--json", action="store_true", help="print {identical, differences, original, replay}")
    p.add_argument("--live", action="store_true", help="ask today's providers instead of the recorded answers")
    p.add_argument("--config-dir", metavar="DIR", help="decide under this config directory (what-if)")
    p.add_argument("--from", dest="from_node", metavar="NODE", help="fork from the checkpoint before NODE (e.g. trust)")
    p.add_argument("--all", action="store_true", help="what-if run of every recorded run; a table of changed decisions")
    p.add_argument("--since", metavar="DATE", help="with --all: only runs created on or after DATE (ISO 8601)")
    p.set_defaults(handler=_replay, reads_config=True)


def _recording(target: str, settings: Any) -> Any:
    from openclaw.replay.recording import from_bundle, from_store, recorded_approvals
    from openclaw.storage import open_storage

    if Path(target).is_file():
        return from_bundle(target)
    storage = open_storage(settings)
    try:
        return from_store(storage.runs, target, audit=storage.audit,
                          approvals=recorded_approvals(storage.approvals, target))
    finally:
        storage.close()


def _replay(args: argparse.Namespace) -> int:
    from openclaw.errors import UsageError
    from openclaw.settings import load_settings

    if args.all == bool(args.target):
        raise UsageError("give a RUN_ID or BUNDLE, or --all")
    if args.since and not args.all:
        raise UsageError("--since goes with --all")
    settings = load_settings()
    config_dir = Path(args.config_dir) if args.config_dir else None
    if config_dir is not None and not config_dir.is_dir():
        raise UsageError(f"--config-dir {config_dir}: no such directory")
    if args.all:
        return _replay_all(args, settings, config_dir)
    rec = _recording(args.target, settings)
    report = asyncio.run(_one(rec, args, settings, config_dir))
    _print(report, as_json=args.json)
    return EXIT_SAME if report.identical else EXIT_CHANGED


async def _one(rec: Any, args: argparse.Namespace, settings: Any, config_dir: Path | None) -> Any:
    from openclaw.replay.runner import fork, replay, what_if

    if args.from_node:
        from openclaw.storage import open_storage

        storage = open_storage(settings)
        try:
            return await fork(rec, args.from_node, config_dir=config_dir, live=args.live, checkpoints=storage.database)
        finally:
            storage.close()
    if args.live or config_dir is not None:
        return await what_if(rec, config_dir=config_dir, live=args.live)
    return await replay(rec)


def _print(report: Any, *, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, default=str) + "\n")
        return
    from rich.console import Console
    from rich.markup import escape

    from openclaw.cli.render import timeline

    console = Console(highlight=False, soft_wrap=True)
    console.print(f"[bold]{report.mode} of run {escape(report.run_id)}[/]")
    timeline(report.replay, console, hints=False)  # a replay's waiting actions are not approvable
    if report.identical:
        console.print("[green]identical:[/] same path, same decision" if report.mode == "replay"
                      else "[green]unchanged:[/] same intent, route, tool calls and verdicts")
        return
    console.print(f"[red]{len(report.differences)} difference(s):[/]")
    for d in report.differences:
        console.print(f"  {escape(d['field'])}: {escape(_short(d['original']))} → {escape(_short(d['replay']))}")


def _short(value: Any, limit: int = 160) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _created(row: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(row["created_at"].replace("Z", "+00:00"))


def _replay_all(args: argparse.Namespace, settings: Any, config_dir: Path | None) -> int:
    from openclaw.errors import UsageError
    from openclaw.replay.recording import from_store
    from openclaw.replay.runner import what_if
    from openclaw.storage import open_storage

    since = None
    if args.since:
        try:
            parsed = datetime.fromisoformat(args.since.replace("Z", "+00:00"))
        except ValueError:
            raise UsageError(f"--since {args.since!r} is not an ISO 8601 date") from None
        parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)  # a bare date means UTC
        since = parsed.astimezone(UTC)
    storage = open_storage(settings)
    store = storage.runs
    rows = [r for r in store.list(limit=100_000) if since is None or _created(r) >= since]

    async def go(advance: Any) -> list[Any]:
        reports = []
        for row in reversed(rows):
            rec = from_store(store, row["run_id"])
            if rec.incident:
                reports.append(await what_if(rec, config_dir=config_dir, live=args.live))
            advance(1)
        return reports

    from openclaw.cli.progress import progress

    try:
        with progress("deciding recorded runs again", len(rows), as_json=args.json) as advance:
            reports = asyncio.run(go(advance))
    finally:
        storage.close()
    changed = [r for r in reports if not r.identical]
    if args.json:
        for r in reports:
            sys.stdout.write(json.dumps({"run_id": r.run_id, "identical": r.identical,
                                         "differences": r.differences}, ensure_ascii=False, default=str) + "\n")
    else:
        from rich.console import Console
        from rich.markup import escape

        console = Console(highlight=False, soft_wrap=True)
        console.print(f"{len(reports)} run(s) decided again; {len(changed)} changed")
        for r in changed:
            console.print(f"[bold]{r.run_id}[/] (incident {escape(str(r.original.get('incident_id')))})")
            for d in r.differences:
                console.print(f"  {escape(d['field'])}: {escape(_short(d['original'], 80))} → {escape(_short(d['replay'], 80))}")
    return EXIT_CHANGED if changed else EXIT_SAME
