"""The page a human reads at 3 a.m.: what fired, about what, what was found, where the runbook is.

One ``send_alert`` message per run, within the tool's bound (``MAX_ALERT_CHARS``)::

    [CRITICAL] KubePodCrashLooping: pod awoooi-prod/api-7d4b9c8f6-x2k9p (container api)
    Pod awoooi-prod/api-7d4b9c8f6-x2k9p (api) is in waiting state (reason: "CrashLoopBackOff").
    Found:
    - pod api-7d4b9c8f6-x2k9p: Running, ready 0/1, restarts 14; api CrashLoopBackOff, last terminated Error exit 1
    - previous container of api (200 lines): panic: config key DATABASE_URL missing
    Not done automatically: restart_deployment (the container is in CrashLoopBackOff: ...)
    Runbook: https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubepodcrashlooping
    OpenClaw run run-1a2b3c4d5e6f7a8b, incident am-3f1c0a9b7e2d4c51-1764213120
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from openclaw.models.tools import MAX_ALERT_CHARS

if TYPE_CHECKING:
    from openclaw.alerts.planner import AlertContext

MAX_SUMMARY = 300
MAX_FINDINGS = 8


def page_message(ctx: AlertContext, *, withheld: list[dict[str, Any]], assessment: str = "") -> str:
    incident = ctx.incident
    severity = (ctx.severity or "unknown").upper()
    subject = ctx.subject.ref
    if ctx.subject.container:
        subject += f" (container {ctx.subject.container})"
    lines = [f"[{severity}] {ctx.alertname}: {subject}"]
    if len(incident.alerts) > 1:
        lines[0] += f" — {len(incident.alerts)} alerts in this group"
    annotations = _primary_annotations(ctx)
    summary = annotations.get("description") or annotations.get("summary") or ""
    if summary.strip():
        lines.append(_cut(summary, MAX_SUMMARY))
    findings = [e for e in ctx.evidence if e.get("finding") and e.get("status") not in ("planned", "skipped")]
    planned = sorted({e["kind"] for e in ctx.evidence if e.get("status") == "planned"})
    if findings:
        lines.append("Found:")
        lines += [f"- {e['finding']}" for e in findings[:MAX_FINDINGS]]
    elif planned:
        lines.append(f"Found: nothing yet, no cluster is configured (planned reads: {', '.join(planned)})")
    elif ctx.evidence_kinds():
        lines.append("Found: nothing could be read")
    if withheld:
        lines.append("Not done automatically: " + "; ".join(f"{w['name']} ({w['reason']})" for w in withheld))
    if assessment.strip():
        lines.append("Assessment: " + _cut(assessment, MAX_SUMMARY))
    runbook = annotations.get("runbook_url") or (ctx.entry.runbook_url if ctx.entry is not None else None)
    if runbook:
        lines.append(f"Runbook: {runbook}")
    footer = f"OpenClaw run {ctx.run_id}, incident {incident.id}"
    body = "\n".join(lines)
    room = MAX_ALERT_CHARS - len(footer) - 1
    if len(body) > room:
        body = body[: room - 1] + "…"
    return f"{body}\n{footer}"


def _primary_annotations(ctx: AlertContext) -> dict[str, str]:
    """The annotations of the alert the page is about (a group's primary alert, the one about its workload)."""
    primary = next((a for a in ctx.incident.alerts if a.alertname == ctx.alertname), None)
    return dict(primary.annotations) if primary is not None else dict(ctx.incident.annotations)


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
