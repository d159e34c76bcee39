"""``openclaw approve`` and ``openclaw reject``: sign a decision on a run's waiting actions and submit it.

    openclaw approve RUN_ID --key KEYFILE [--action N] [--print] [--ttl SECONDS] [--server URL]
    openclaw reject  RUN_ID --key KEYFILE --reason TEXT [--action N] [--print] [--server URL]

The approver's name comes from the key's registration in approvers.yaml, never from a
flag. Without ``--action`` every action of the run that waits for approval is signed.
``--print`` prints the signed decisions (one JSON object per line, what the HTTP API
accepts) instead of submitting them. Every refused decision prints one line and the
command exits 2; nothing refused is counted. When the last request becomes final the
run resumes in this process and executes.

With ``--server URL`` the run is read from an ``openclaw serve`` instance
(``GET URL/v1/runs/RUN_ID``, bearer token from ``OPENCLAW_API_TOKEN``) instead of the
local store, signed here, and posted to ``URL/v1/runs/RUN_ID/approvals|rejections`` as one
JSON list; the run resumes on the server. Only the signatures travel: the private key
stays on the approver's machine, whose ``OPENCLAW_HOME`` need not hold the run.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from openclaw.errors import ApprovalRefused

EXIT_OK, EXIT_USAGE = 0, 2


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``approve`` and ``reject`` commands."""
    for kind in ("approve", "reject"):
        p = sub.add_parser(
            kind,
            help="add a signed approval; resumes the run when the quorum is met" if kind == "approve"
            else "veto a run's waiting actions with a signed rejection",
            description="Sign an approval of the run's waiting actions (or of action N) with your key; the name "
            "comes from the key's registration in approvers.yaml. When every request is final the run resumes "
            "here and executes." if kind == "approve" else
            "Sign a rejection of the run's waiting actions (or of action N) with your key. "
            "A rejection ends the request (veto); the run then resumes and reports 'rejected'.",
        )
        p.add_argument("run_id", metavar="RUN_ID", help="the run waiting for approval (see: openclaw runs list)")
        p.add_argument("--key", metavar="KEYFILE", required=True, help="your private key (NAME.key from `openclaw keys generate`)")
        p.add_argument("--action", metavar="N", type=int, help="only action N (default: every waiting action)")
        if kind == "reject":
            p.add_argument("--reason", metavar="TEXT", required=True, help="why (recorded and audited)")
        p.add_argument("--print", dest="print_only", action="store_true",
                       help="print the signed decision JSON (one per line) instead of submitting it")
        p.add_argument("--ttl", metavar="SECONDS", type=float, default=3600.0,
                       help="how long the signature stays valid (default 3600)")
        p.add_argument("--config-dir", metavar="DIR", default=argparse.SUPPRESS, help="config directory")
        if kind == "approve":  # a rejection applies nothing; a run it leaves paused says `runs resume --apply`
            p.add_argument("--apply", action="store_true",
                           help="when this completes the quorum, apply the approved mutations (default: dry run)")
        p.add_argument("--context", metavar="NAME", help="kubeconfig context (use the one the run was judged for)")
        p.add_argument("--server", metavar="URL",
                       help="an `openclaw serve` base URL: read the run from it and post the signed decision(s) "
                       "to it (token: OPENCLAW_API_TOKEN); with --print, print them instead")
        p.add_argument("--timeout", metavar="SECONDS", type=float, default=60.0,
                       help="with --server: seconds to wait for each HTTP answer (default 60)")
        p.set_defaults(handler=_handle, kind=kind, reads_config=True)


def _handle(args: argparse.Namespace) -> int:
    from openclaw.settings import load_settings
    from openclaw.signoff import approver_for_key, load_current_approvers

    settings = load_settings(config_dir=getattr(args, "config_dir", None), apply=getattr(args, "apply", False),
                             kube_context=getattr(args, "context", None))
    config = load_current_approvers(settings.config_dir)
    entry = approver_for_key(config, args.key, config_dir=settings.config_dir)
    if getattr(args, "server", None):
        from openclaw.cli.approve_remote import approve_remote

        return approve_remote(settings, args, entry.name, _sign)
    if args.print_only:
        return _print(settings, args, entry.name)
    return asyncio.run(_submit(settings, args, entry.name))


def _sign(run: dict[str, Any], args: argparse.Namespace, name: str) -> list[Any]:
    from openclaw.signoff import sign_for_run

    return sign_for_run(run, args.key, kind=args.kind, approver=name, action_index=args.action,
                        reason=getattr(args, "reason", None), ttl_s=args.ttl)


def _stored_run(settings: Any, run_id: str) -> dict[str, Any]:
    """The run's stored result; RunNotFound (with the fix) when there is no such run."""
    from openclaw.storage import open_storage

    storage = open_storage(settings)
    try:
        return storage.runs.get(run_id)
    finally:
        storage.close()


def _print(settings: Any, args: argparse.Namespace, name: str) -> int:
    run = _stored_run(settings, args.run_id)
    for decision in _sign(run, args, name):
        sys.stdout.write(decision.model_dump_json() + "\n")
    return EXIT_OK


async def _submit(settings: Any, args: argparse.Namespace, name: str) -> int:
    _stored_run(settings, args.run_id)  # an unknown run is refused before the engine (and LangGraph) is loaded
    from openclaw.signoff import submit
    from openclaw.wiring import open_engine

    code = EXIT_OK
    async with open_engine(settings) as engine:
        values = (await engine.checkpoint(args.run_id))["values"]
        if not values:
            engine.store.get(args.run_id)  # RunNotFound with the fix when the run does not exist at all
            raise ApprovalRefused(f"run {args.run_id} has no checkpoint to resume; it cannot take approvals")
        decisions = _sign(values, args, name)
        for decision in decisions:
            try:
                outcome = await submit(engine, decision)
            except ApprovalRefused as exc:
                print(f"openclaw: error: refused: {exc}", file=sys.stderr)
                code = EXIT_USAGE
                continue
            print(outcome.message)
    return code
