"""The alert as an LLM sees it: the incident's structured rendering plus what OpenClaw worked out.

The incident part (alertname, severity, labels, annotations, the group's alerts) is
untrusted and is fenced by the provider (``openclaw.prompts.untrusted``). What follows
it here is OpenClaw's own reading, also inside the fence so that nothing in it can pose
as an instruction: the subject read from the labels, the labels it ignored as the
exporter's, the catalog's meaning, the evidence it expects and whether any automated
mutation can help.
"""

from __future__ import annotations

from openclaw.alerts.planner import AlertContext


def render_alert(ctx: AlertContext) -> str:
    lines = [ctx.incident.prompt_text, "", f"subject (from labels): {ctx.subject.ref}"]
    if ctx.subject.container:
        lines.append(f"container: {ctx.subject.container}")
    if ctx.subject.owner is not None:
        owner = ctx.subject.owner
        lines.append(f"owner: {owner.kind} {owner.name}" + (" (guessed from the pod's name)" if owner.guessed else ""))
    if ctx.subject.ignored:
        lines.append(f"exporter labels, not the subject: {', '.join(ctx.subject.ignored)}")
    if ctx.subject.problem:
        lines.append(f"subject problem: {ctx.subject.problem}")
    entry = ctx.entry
    if entry is None:
        lines.append("catalog: unknown alertname; no automated mutation is known to help")
    else:
        lines.append(f"catalog: {' '.join(entry.meaning.split())}")
        lines.append(f"evidence to gather: {', '.join(entry.evidence) or 'none'}")
        fixes = "; ".join(f"{f.tool} when {f.when}" for f in entry.remediation) or "none (page a human instead)"
        lines.append(f"automated mutations the runbook supports: {fixes}")
        lines.append(f"runbook: {entry.runbook_url}")
    return "\n".join(lines)
