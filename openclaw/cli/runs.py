"""``openclaw runs list|show|expire|resume|recover|export``: recorded runs, and carrying them on
(``list`` and ``show`` also print ``-o json|yaml``)."""

from __future__ import annotations

import argparse
import json
import sys

from openclaw.cli.output import add_output_option, emit, output_format


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("runs", help="list and show recorded runs")
    verbs = p.add_subparsers(dest="runs_command", metavar="VERB", required=True)
    ls = verbs.add_parser("list", help="the newest runs first")
    ls.add_argument("--json", action="store_true", help="one JSON object per line")
    ls.add_argument("--limit", type=int, default=50, help="how many runs (default 50)")
    ls.add_argument("--status", help="only runs with this status")
    add_output_option(ls)
    ls.set_defaults(handler=_list)
    show = verbs.add_parser("show", help="one run's timeline, or its run-result JSON")
    show.add_argument("run_id", metavar="RUN_ID")
    show.add_argument("--json", action="store_true", help="the run-result JSON")
    add_output_option(show)
    show.set_defaults(handler=_show)
    expire = verbs.add_parser("expire", help="end approval requests past their expiry (for cron; `serve` does it itself)")
    expire.add_argument("--json", action="store_true", help="one JSON object per settled run")
    expire.set_defaults(handler=_expire, reads_config=True)
    resume = verbs.add_parser(
        "resume", help="settle a paused run now: resume it when every request is final (takes over a stale claim)",
        description="Tally the run's approvals now and, when every waiting action is final, resume it here. "
        "A resume claim left by a process that died is taken over once it is older than "
        "approvals.resume_takeover_s (trust.yaml). Exit 0 when resumed or still waiting, 1 when the run failed.")
    resume.add_argument("run_id", metavar="RUN_ID")
    resume.add_argument("--json", action="store_true", help="one JSON object: run_id, status, resumed, claimed_by")
    resume.add_argument("--apply", action="store_true",
                        help="apply the approved mutations (use it when the run was judged with --apply)")
    resume.add_argument("--context", metavar="NAME", help="kubeconfig context (the one the run was judged for)")
    resume.add_argument("--config-dir", metavar="DIR", default=argparse.SUPPRESS, help="config directory")
    resume.set_defaults(handler=_resume, reads_config=True)
    recover = verbs.add_parser(
        "recover", help="carry on every run whose process died, from its last checkpoint (for cron; `serve` does it "
        "at start)",
        description="Find runs recorded as running whose process is gone, settle their interrupted actions from the "
        "cluster (never re-sent), release their locks and carry them on from their last checkpoint. A run that "
        "cannot be carried on is failed with the reason. Exit 0 when every run found was recovered, 1 otherwise.")
    recover.add_argument("--json", action="store_true", help="one JSON object per run looked at")
    recover.add_argument("--apply", action="store_true",
                         help="the cluster mode of runs started with --apply (needed to reconcile what they applied)")
    recover.add_argument("--context", metavar="NAME", help="kubeconfig context (the one the runs were judged for)")
    recover.add_argument("--config-dir", metavar="DIR", default=argparse.SUPPRESS, help="config directory")
    recover.set_defaults(handler=_recover, reads_config=True)
    export = verbs.add_parser("export", help="a self-contained JSON bundle of one run, on stdout (for replay)")
    export.add_argument("run_id", metavar="RUN_ID")
    export.set_defaults(handler=_export)


def _store():
    from openclaw.settings import load_settings
    from openclaw.storage import open_storage

    return open_storage(load_settings()).runs


def _list(args: argparse.Namespace) -> int:
    store = _store()
    rows = store.list(limit=args.limit, status=args.status)
    if output_format(args):
        emit(rows, output_format(args), many=True)
        return 0
    from rich.console import Console

    from openclaw.cli.render import runs_table

    if not rows:
        print(f"no runs with status {args.status} in {store.where}" if args.status else f"no runs recorded in {store.where}")
        return 0
    runs_table(rows, Console(highlight=False))
    return 0


def _show(args: argparse.Namespace) -> int:
    store = _store()
    result = store.get(args.run_id)
    if output_format(args):
        emit(result, output_format(args))
        return 0
    from rich.console import Console

    from openclaw.cli.render import approve_flags, timeline

    judged = next((o["output"] or {} for o in store.node_outputs(args.run_id) if o["node"] == "__environment__"), {})
    timeline(result, Console(highlight=False, soft_wrap=True), flags=approve_flags(judged.get("mode")))
    return 0


def _export(args: argparse.Namespace) -> int:
    from openclaw.replay.recording import from_store, recorded_approvals, scrub
    from openclaw.settings import load_settings
    from openclaw.storage import open_storage

    settings = load_settings()
    storage = open_storage(settings)
    try:
        bundle = from_store(storage.runs, args.run_id, audit=storage.audit,
                            approvals=recorded_approvals(storage.approvals, args.run_id)).as_bundle()
    finally:
        storage.close()
    keys = [vendor.api_key for vendor in settings.providers.values()]
    secrets = [s.get_secret_value() for s in (*keys, settings.telegram.bot_token, settings.server.api_token)
               if s is not None]
    sys.stdout.write(json.dumps(scrub(bundle, secrets), ensure_ascii=False) + "\n")
    return 0


def _expire(args: argparse.Namespace) -> int:
    import asyncio

    from openclaw.settings import load_settings
    from openclaw.signoff import expire_overdue
    from openclaw.wiring import open_engine

    async def go() -> list:
        async with open_engine(load_settings()) as engine:
            return await expire_overdue(engine)

    settled = asyncio.run(go())
    for s in settled:
        line = {"run_id": s.run_id, "status": s.status, "resumed": s.resumed}
        print(json.dumps(line) if args.json else f"{s.run_id}: {s.status}" + (" (resumed)" if s.resumed else ""))
    if not settled and not args.json:
        print("no approval request is past its expiry")
    return 0


def _recover(args: argparse.Namespace) -> int:
    import asyncio

    from openclaw.recovery import recover
    from openclaw.settings import load_settings
    from openclaw.wiring import open_engine

    settings = load_settings(config_dir=getattr(args, "config_dir", None), apply=args.apply,
                             kube_context=args.context)

    async def go() -> list:
        async with open_engine(settings) as engine:
            return await recover(engine)

    found = asyncio.run(go())
    for r in found:
        if args.json:
            print(json.dumps(r.as_dict()))
        else:
            print(f"{r.run_id}: {r.outcome}: status {r.status} ({r.detail})")
    if not found and not args.json:
        print("nothing to recover: no run was left behind by a process that died")
    return 1 if any(r.outcome in ("failed", "skipped") for r in found) else 0


def _resume(args: argparse.Namespace) -> int:
    import asyncio

    from openclaw.errors import RunNotFound
    from openclaw.settings import load_settings
    from openclaw.signoff import settle
    from openclaw.wiring import open_engine

    settings = load_settings(config_dir=getattr(args, "config_dir", None), apply=args.apply,
                             kube_context=args.context)

    async def go():
        async with open_engine(settings) as engine:
            engine.store.get(args.run_id)  # RunNotFound with the fix when there is no such run
            if not (await engine.checkpoint(args.run_id))["values"]:
                raise RunNotFound(f"run {args.run_id} has no checkpoint to resume")
            return await settle(engine, args.run_id)

    s = asyncio.run(go())
    if args.json:
        print(json.dumps({"run_id": s.run_id, "status": s.status, "resumed": s.resumed, "claimed_by": s.claimed_by}))
    elif s.resumed:
        print(f"{s.run_id}: resumed here: status {s.status}")
    elif s.held:
        print(f"{s.run_id}: every request is final, but {s.held}")
    elif s.claimed_by:
        print(f"{s.run_id}: being resumed by {s.claimed_by} (claim renewed at {s.claimed_at}; taken over when "
              f"older than {s.takeover_s} s)")
    elif s.status == "awaiting_approval":
        missing = ", ".join(f"action {t.index}: {t.missing} more approval(s)" for t in s.tallies.values()
                            if t.resolution is None)
        print(f"{s.run_id}: still waiting for approval ({missing})")
    elif s.status == "running":
        print(f"{s.run_id}: nothing waits for approval: the run is running; if the process driving it died, "
              "carry it on with `openclaw runs recover` (add --apply for a run judged with --apply)")
    else:
        print(f"{s.run_id}: nothing waits for approval (status {s.status})")
    return 1 if s.status == "failed" else 0
