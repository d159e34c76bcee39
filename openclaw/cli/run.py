"""``openclaw run PATH... [--json] [--apply] [--config-dir DIR]``: incidents in, decisions out."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from openclaw.cli.inputs import read_input

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="run incidents through the decision pipeline",
        description=(
            "Run each incident (a JSON object, a JSON list of them, or an Alertmanager v4 webhook; '-' reads "
            "stdin) through classify_intent → analyze_complexity → decide → trust → approval_gate → execute → "
            "report. Without a cluster the executor plans; with KUBECONFIG it dry-runs unless --apply."
        ),
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="incident file(s)")
    p.add_argument("--json", action="store_true", help="print one run-result JSON object per line")
    p.add_argument("--apply", action="store_true", help="apply mutations (default: server-side dry run)")
    p.add_argument("--config-dir", metavar="DIR", help="configs directory (default: OPENCLAW_CONFIG_DIR or shipped)")
    p.add_argument("--context", metavar="NAME", help="kubeconfig context to use")
    p.add_argument("--rerun", action="store_true",
                   help="start a new run even when the incident id already has one (linked to it by rerun_of); "
                   "without it, an incident id that has a run prints that run")
    p.set_defaults(handler=_run, reads_config=True)


def _run(args: argparse.Namespace) -> int:
    from openclaw.settings import load_settings

    settings = load_settings(config_dir=args.config_dir, apply=args.apply, kube_context=args.context)
    inputs = [read_input(path) for path in args.paths]
    return asyncio.run(_run_all(settings, inputs, as_json=args.json, rerun=args.rerun))


async def _run_all(settings: Any, inputs: list, *, as_json: bool, rerun: bool = False) -> int:
    from openclaw.signoff import resolve_alert
    from openclaw.wiring import open_engine

    console: Any = None
    if not as_json:  # rich is for people: --json never imports it
        from rich.console import Console

        console = Console(highlight=False, soft_wrap=True)
    code = EXIT_OK

    def emit(result: dict[str, Any]) -> None:
        if as_json:
            sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
            sys.stdout.flush()
        else:
            from openclaw.cli.render import approve_flags, timeline

            timeline(result, console, flags=approve_flags(settings.mode, settings.kube.context))
            console.print()

    from openclaw.cli.progress import aprogress

    total = sum(len(item.loaded.incidents) for item in inputs)  # a bar for a batch, not for one incident
    async with open_engine(settings) as engine, aprogress("incidents", total, as_json=as_json or total < 2) as advance:
        for item in inputs:
            for rejected in item.loaded.rejected:
                result = engine.record_rejected(rejected, raw_input=item.raw_text)
                print(f"openclaw: error: {rejected.error} (recorded as run {result['run_id']})", file=sys.stderr)
                emit(result)
                code = EXIT_USAGE
            for resolved in item.loaded.resolved:
                outcome = await resolve_alert(engine, resolved)
                if as_json:
                    sys.stdout.write(json.dumps({"resolved": outcome}, ensure_ascii=False) + "\n")
                else:
                    where = f" under run {outcome['run_id']}" if outcome["run_id"] else ""
                    cancelled = "; its open approval requests are cancelled" if outcome["cancelled"] else ""
                    console.print(f"[dim]alert {resolved['id']} is resolved: recorded{where}{cancelled}[/]")
            for incident in item.loaded.incidents:
                accepted = engine.accept(incident, raw_input=item.text, rerun=rerun)
                if accepted.created:
                    result = await engine.start(accepted.run_id, incident)
                else:
                    result = accepted.result
                    print(f"openclaw: incident {incident.id} already has run {accepted.run_id} (status "
                          f"{result['status']}); shown, not run again; --rerun starts a new run", file=sys.stderr)
                emit(result)
                advance(1)
                if result["status"] == "failed" and code == EXIT_OK:
                    code = EXIT_FAILED
    return code
