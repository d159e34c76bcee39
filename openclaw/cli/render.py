"""Human-readable timelines of runs (rich), for ``openclaw run`` and ``openclaw runs show``."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

_STATUS_STYLE = {
    "completed": "green", "awaiting_approval": "yellow", "denied": "red", "rejected": "red",
    "expired": "magenta", "failed": "bold red",
}
_VERDICT_STYLE = {"auto": "green", "approval": "yellow", "deny": "red"}


def _attempts(result: dict[str, Any], node: str, said: set[str]) -> list[str]:
    """One line per attempt of ``node``. An error already in ``said`` (e.g. "GEMINI_API_KEY is not set",
    which every node and evidence round repeats) is shown once per run, then "as above"."""
    lines = []
    for a in result.get("attempts", []):
        if a["node"] != node:
            continue
        mark = "[green]✓[/]" if a["outcome"] == "ok" else "[red]✗[/]"
        err = ""
        if a.get("error"):
            err = " (as above)" if a["error"] in said else f" — {escape(a['error'])}"
            said.add(a["error"])
        model = escape(a["model"])
        if a.get("vendor_model") and a["vendor_model"] != a["model"]:
            model += f" (called {escape(a['vendor_model'])})"
        lines.append(f"    {mark} {escape(a['provider'])}/{model} {a['outcome']} {a['latency_ms']:.1f} ms{err}")
    return lines


def _args(args: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in args.items())


def incident_label(incident_id: str | None) -> str:
    """The incident id, or what a run without one is (an input rejected before it had an id)."""
    return incident_id if incident_id else "- (input rejected before it had an id)"


def approve_flags(mode: str | None, context: str | None = None) -> str:
    """The flags an approve hint needs so the quorum's resume runs in the mode the run was judged for."""
    return (" --apply" if mode == "apply" else "") + (f" --context {context}" if context else "")


def timeline(result: dict[str, Any], console: Console, *, flags: str = "", hints: bool = True) -> None:
    """Print one run. ``flags``: added to the approve hint (see :func:`approve_flags`); ``hints=False``
    for a replay, whose waiting actions nobody can approve."""
    status = result["status"]
    style = _STATUS_STYLE.get(status, "white")
    degraded = " [magenta](degraded: rules answered)[/]" if result.get("degraded") else ""
    console.print(
        f"[bold]run {escape(result['run_id'])}[/]  incident {escape(incident_label(result.get('incident_id')))}  "
        f"[{style}]● {status}[/]{degraded}"
    )
    if result.get("error"):
        console.print(f"  [red]error:[/] {escape(result['error'])}")
    said: set[str] = set()
    intent = result.get("intent")
    if intent:
        console.print(f"  1 classify_intent     {intent['task_type']} (confidence {intent['confidence']:.2f}) by {intent['provider']}")
        for line in _attempts(result, "classify_intent", said):
            console.print(line)
    complexity = result.get("complexity")
    if complexity:
        console.print(f"  2 analyze_complexity  {complexity['level']} (score {complexity['score']:.2f}) by {complexity['provider']}")
        for line in _attempts(result, "analyze_complexity", said):
            console.print(line)
    route, decision = result.get("route"), result.get("decision")
    if route:
        console.print(f"  3 decide              route {route['task_type']}: {escape(' → '.join(route['chain']))}")
        for line in _attempts(result, "decide", said):
            console.print(line)
    _subject_and_evidence(result, console)
    if decision:
        for item in decision.get("withheld") or []:
            console.print(f"    [red]withheld[/] {escape(item['name'])}({escape(_args(item['args']))}): "
                          f"{escape(item['reason'])}")
        for call in decision.get("tool_calls", []):
            console.print(f"    → {escape(call['name'])}({escape(_args(call['args']))})")
        if decision.get("reply"):
            console.print(f"    reply: {escape(decision['reply'][:500])}")
    actions = result.get("actions", [])
    if actions:
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False, padding=(0, 1))
        for col in ("#", "action", "verdict", "risk", "approvals", "status"):
            table.add_column(col)
        for a in actions:
            vstyle = _VERDICT_STYLE.get(a["verdict"], "white")
            need = f"{len(a['approvals'])}/{a['approvals_required']}" if a["approvals_required"] else "-"
            table.add_row(str(a["index"]), escape(f"{a['name']}({_args(a['args'])})"),
                          f"[{vstyle}]{a['verdict']}[/]", f"{a['risk']:.2f}", need, a["status"])
        console.print("  4 trust / 5 approval_gate / 6 execute")
        console.print(table)
        for a in actions:
            console.print(f"    #{a['index']} " + escape("; ".join(a["reasons"])))
            for approval in a.get("approvals") or []:  # counted so far, also while the run waits
                console.print(f"       approved by {escape(str(approval['approver']))} at {escape(str(approval['at']))}")
            if a.get("result") and a["status"] in ("planned", "dry_run", "executed", "failed"):
                console.print(f"       result: {escape(_short(a['result']))}")
    elif decision:
        console.print("  no actions proposed")
    if status == "awaiting_approval" and hints:
        waiting = [a["index"] for a in actions if a["verdict"] == "approval" and a["status"] == "awaiting_approval"]
        for i in waiting:
            console.print(f"  [yellow]waiting for sign-off:[/] openclaw approve {result['run_id']} --key KEYFILE --action {i}{escape(flags)}")


def _subject_and_evidence(result: dict[str, Any], console: Console) -> None:
    """For an alert: the object it is about and what each read before the decision found."""
    subject = result.get("subject")
    if subject:
        where = f"{subject['namespace']}/" if subject.get("namespace") and subject.get("name") else ""
        text = f"{subject['kind']} {where}{subject.get('name') or ''}".strip()
        owner = subject.get("owner")
        if owner:
            text += f", owner {owner['kind']} {owner['name']}" + (" (guessed from the name)" if owner.get("guessed") else "")
        if subject.get("ignored"):
            text += f"; exporter labels ignored: {', '.join(subject['ignored'])}"
        console.print(f"    subject: {escape(text)}")
    for item in result.get("evidence") or []:
        mark = "[green]✓[/]" if item["status"] == "executed" else "[dim]·[/]" if item["status"] == "planned" else "[red]✗[/]"
        guess = " [dim](guess)[/]" if item.get("guess") else ""
        console.print(f"    {mark} {item['id']} round {item['round']} {escape(item['kind'])}{guess}: "
                      f"{escape(item['finding'])}")


def _short(value: Any, limit: int = 300) -> str:
    import json

    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def runs_table(rows: list[dict[str, Any]], console: Console) -> None:
    table = Table(show_header=True, header_style="bold", box=None, padding=(0, 2, 0, 0))
    table.add_column("run", no_wrap=True)
    table.add_column("incident", overflow="fold")
    table.add_column("status", no_wrap=True)
    table.add_column("created (UTC)", no_wrap=True)
    for r in rows:
        style = _STATUS_STYLE.get(r["status"], "white")
        created = r["created_at"][:19].replace("T", " ")
        table.add_row(r["run_id"], escape(r["incident_id"] or "-"), f"[{style}]{r['status']}[/]", created)
    console.print(table)
