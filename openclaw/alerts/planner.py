"""Deciding about an alert the way an SRE would: read first, mutate only where the runbook supports it, page.

:func:`rules_answer` is the embedded answer for an alert, driven by the catalog:
while evidence is missing it asks for the next round of reads; then it proposes the
mutations the catalog lists. :func:`shape` turns any provider's answer into an
evidence round or a final decision.

:func:`screen` applies the catalog's policy to any provider's final answer (an LLM's
included): a mutation is withheld unless the catalog entry lists it, its evidence
condition holds on what was read, nothing read argues against it (a crash loop, an
image pull failure, an OOM kill, an unschedulable pod, a stuck rollout, an HPA at its
maximum, a full quota) and it targets the alert's subject; duplicate proposals for one
target are merged; a page is added when required, and only one is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from openclaw.alerts.evidence import GENERIC_EVIDENCE, MAX_READS_PER_ROUND, MAX_ROUNDS, Plan, plan_reads, read_key
from openclaw.alerts.paging import page_message
from openclaw.alerts.subject import Subject
from openclaw.models.incident import Incident
from openclaw.tools import TOOLS

MUTATING = frozenset(name for name, spec in TOOLS.items() if spec.mutating)
READS = frozenset(name for name, spec in TOOLS.items() if spec.risk == "read")
NO_ACTION_ALERTS = frozenset({"Watchdog", "InfoInhibitor"})


@dataclass
class AlertContext:
    """Everything the alert decision needs, rebuilt from the run state at every round."""

    incident: Incident
    entry: Any | None
    """The primary alert's catalog entry (openclaw.config.alerts.AlertEntry), or None for an unknown alertname."""
    subject: Subject
    evidence: list[dict[str, Any]] = field(default_factory=list)
    rounds: int = 0
    cluster: bool = False
    """True when a cluster answers reads (executor mode dry_run or apply)."""
    run_id: str = ""
    final: bool = False
    """No more reads: the round budget or the deadline is spent."""
    name: str = ""
    """The primary alert's name (a group's primary alert is the one about its workload)."""
    related: list[tuple[Subject, Any | None]] = field(default_factory=list)
    """The other subjects of the group's alerts (a Deployment's crash-looping pods), with their entries."""
    production: frozenset[str] = frozenset()
    """The trust policy's production namespaces (``page: production``)."""

    @property
    def alertname(self) -> str:
        return self.name or self.incident.alertname or "UnnamedAlert"

    @property
    def severity(self) -> str | None:
        return self.incident.severity

    @property
    def no_action(self) -> bool:
        """Info alerts, Watchdog and InfoInhibitor: recorded, nothing read, nothing done."""
        if self.alertname in NO_ACTION_ALERTS or (self.entry is not None and self.entry.subject.kind == "none"):
            return True
        return self.severity == "info"

    def evidence_kinds(self, entry: Any | None = None, subject: Subject | None = None) -> tuple[str, ...]:
        entry = self.entry if subject is None else entry
        subject = subject or self.subject
        if self.no_action:
            return ()
        if entry is not None:
            return tuple(entry.evidence)
        return GENERIC_EVIDENCE.get(subject.kind, ())

    def next_reads(self) -> Plan:
        if self.final or self.rounds >= MAX_ROUNDS:
            return Plan()
        plan = plan_reads(self.subject, self.evidence_kinds(), self.evidence, cluster=self.cluster)
        for subject, entry in self.related:
            more = plan_reads(subject, self.evidence_kinds(entry, subject), self.evidence, cluster=self.cluster,
                              planned=plan.reads)
            plan.reads += more.reads
        return plan

    def pages(self) -> bool:
        if self.no_action:
            return False
        policies = {self.entry.page if self.entry is not None else "critical"}
        policies |= {e.page for _s, e in self.related if e is not None}
        if "always" in policies or self.severity == "critical" and policies & {"critical", "production"}:
            return True
        if "production" in policies and self.subject.namespace in self.production:
            # A production workload failing now needs a person, unless the reads show its object is gone.
            return not any((e.get("facts") or {}).get("not_found") for e in self.evidence
                           if e.get("kind") in ("pod_status", "workload"))
        return False


@dataclass
class AlertDecision:
    tool_calls: list[dict[str, Any]]
    """``{"id", "name", "args"}`` as in the run result."""
    reply: str
    phase: str
    """``evidence`` (reads to make before deciding) or ``final``."""
    purposes: list[dict[str, Any]] = field(default_factory=list)
    """Aligned with ``tool_calls``: ``{"kind", "guess", "why"}`` for reads (internal)."""
    withheld: list[dict[str, Any]] = field(default_factory=list)
    rests_on: list[str] = field(default_factory=list)


def rules_answer(ctx: AlertContext) -> tuple[list[dict[str, Any]], str]:
    """The embedded answer for an alert, before :func:`shape`: the next reads while evidence is missing,
    then the mutations the catalog lists (screened by :func:`shape` against what was read)."""
    if ctx.no_action:
        why = "an info alert" if ctx.severity == "info" else f"{ctx.alertname} is not a problem to act on"
        return [], f"{ctx.alertname}: {why}; recorded, no action."
    plan = ctx.next_reads()
    if plan.reads:
        return _read_calls(ctx, plan), ""
    return proposals(ctx), ""


def shape(ctx: AlertContext, calls: list[dict[str, Any]], reply: str, *, kind_of: Any) -> AlertDecision:
    """Any provider's answer for an alert, as an evidence round or a screened final decision.

    Evidence comes before any mutation: while the catalog's reads are missing and rounds
    remain, an answer that proposes a mutation or a page (or nothing) becomes a round of
    those reads; an answer of reads only is a round of its own reads. Otherwise the answer
    is final and goes through :func:`screen`. ``kind_of(tool, args, subject)`` names the
    evidence kind of a read the provider chose itself.
    """
    reads = [c for c in calls if c.get("name") in READS]
    others = [c for c in calls if c.get("name") not in READS]
    if not ctx.final and not ctx.no_action:
        plan = ctx.next_reads()
        if plan.reads and (others or not calls):
            return _evidence(ctx, _read_calls(ctx, plan), kind_of)
        if reads and not others:
            return _evidence(ctx, reads + _read_calls(ctx, plan), kind_of)
    return screen(ctx, calls, reply=reply)


def _read_calls(ctx: AlertContext, plan: Plan) -> list[dict[str, Any]]:
    return [{"id": f"read-{ctx.rounds + 1}-{i}", "name": r.tool, "args": dict(r.args),
             "purpose": {"kind": r.kind, "guess": r.guess, "why": r.why, "about": r.about}} for i, r in enumerate(plan.reads)]


def _evidence(ctx: AlertContext, reads: list[dict[str, Any]], kind_of: Any) -> AlertDecision:
    seen: set[str] = {e.get("key") for e in ctx.evidence}
    known = {read_key(c["name"], c["args"]): c["purpose"] for c in reads if c.get("purpose")}
    calls, purposes = [], []
    for call in reads:
        args = call.get("args") if isinstance(call.get("args"), dict) else {}
        key = read_key(str(call.get("name")), args)
        if key in seen or len(calls) >= MAX_READS_PER_ROUND or not about_the_alert(ctx, args):
            continue
        seen.add(key)
        purpose = known.get(key) or {"kind": kind_of(call.get("name"), args, ctx.subject), "guess": False,
                                     "why": "asked for by the model"}
        calls.append({"id": str(call.get("id") or f"read-{ctx.rounds + 1}-{len(calls)}"), "name": call["name"],
                      "args": dict(args)})
        purposes.append(purpose)
    if not calls:
        return screen(ctx, [], reply="")
    kinds = ", ".join(dict.fromkeys(p["kind"] for p in purposes))
    return AlertDecision(calls, f"{ctx.alertname} on {ctx.subject.ref}: reading {kinds} first.", "evidence",
                         purposes)


def proposals(ctx: AlertContext) -> list[dict[str, Any]]:
    """The mutations the catalog entry lists for this alert (screened afterwards against the evidence)."""
    if ctx.entry is None or not ctx.entry.remediation:
        return []
    owner = ctx.subject.owner
    out = []
    for fix in ctx.entry.remediation:
        if fix.tool == "restart_deployment" and owner is not None and owner.kind == "deployment" and ctx.subject.namespace:
            out.append({"id": f"fix-{len(out)}", "name": "restart_deployment",
                        "args": {"deployment": owner.name, "namespace": ctx.subject.namespace}})
    return out


def screen(ctx: AlertContext, calls: list[dict[str, Any]], *, reply: str) -> AlertDecision:
    """A final answer made safe for an alert (see the module docstring)."""
    kept: list[dict[str, Any]] = []
    withheld: list[dict[str, Any]] = []
    targets: set[str] = set()
    llm_pages: list[str] = []
    for call in calls:
        name, args = call.get("name"), call.get("args") if isinstance(call.get("args"), dict) else {}
        if name == "send_alert":
            llm_pages.append(str(args.get("message") or ""))
            continue
        if name not in MUTATING:
            if name in READS and not about_the_alert(ctx, args):
                withheld.append({"name": name, "args": args, "reason": "a read of an object the alert is not about"})
            else:
                kept.append(call)
            continue
        problem = why_not(ctx, name, args)
        if problem is not None:
            withheld.append({"name": name, "args": args, "reason": problem})
            continue
        target = f"{name}:{args.get('namespace')}/{args.get('deployment')}"
        if target in targets:
            continue  # one proposal per target
        targets.add(target)
        kept.append(call)
    rests_on = [e["id"] for e in ctx.evidence if e.get("status") not in ("denied",)]
    if ctx.pages() or (withheld and ctx.severity == "critical"):
        assessment = next((m for m in llm_pages if m.strip()), "") or reply
        message = page_message(ctx, withheld=withheld, assessment=assessment)
        kept.append({"id": "page", "name": "send_alert",
                     "args": {"severity": "critical" if ctx.severity == "critical" else "warning",
                              "message": message, "incident_id": ctx.incident.id}})
    summary = _summary(ctx, kept, withheld)
    return AlertDecision(kept, (reply.strip() + "\n" if reply.strip() else "") + summary, "final",
                         withheld=withheld, rests_on=rests_on)


def related_names(ctx: AlertContext) -> set[str]:
    """Every object name a read for this alert may name: its subjects, their owners, and what the reads
    found about them (the pod's node, the workload's pods, the claim's volume, the HPA's target)."""
    names: set[str] = set()
    for subject in [ctx.subject, *(s for s, _e in ctx.related)]:
        names |= {n for n in (subject.name, subject.owner.name if subject.owner else None,
                              subject.owner.replicaset if subject.owner else None) if n}
    for record in ctx.evidence:
        facts = record.get("facts") or {}
        for key in ("node", "volume"):
            if isinstance(facts.get(key), str):
                names.add(facts[key])
        if isinstance(facts.get("focus"), dict) and facts["focus"].get("name"):
            names.add(facts["focus"]["name"])
        owner, target = facts.get("owner"), facts.get("target")
        for ref in (owner, target):
            if isinstance(ref, dict) and ref.get("name"):
                names.add(ref["name"])
    return names


def about_the_alert(ctx: AlertContext, args: dict[str, Any]) -> bool:
    """Whether a read names only objects of this alert (a list without a name is about its namespace or the
    cluster). Reads of anything else (the exporter's pod, another team's deployment) are never made."""
    named = [str(args[k]) for k in ("name", "pod") if args.get(k)]
    if not named:
        return True
    return all(n in related_names(ctx) for n in named)


def why_not(ctx: AlertContext, name: str, args: dict[str, Any]) -> str | None:
    """Why a mutation may not be proposed for this alert, or None when the catalog and the evidence support it."""
    if name == "kubectl_execute":
        return "a free-form kubectl command is never a remediation for an alert"
    namespace = args.get("namespace")
    if namespace in ("kube-system", "kube-public", "kube-node-lease"):
        return f"never a mutation in {namespace}"
    entry = ctx.entry
    if entry is None:
        return f"{ctx.alertname} is not in the alert catalog: no automated mutation is known to help"
    fixes = [f for f in entry.remediation if f.tool == name]
    if not fixes:
        return f"the runbook for {ctx.alertname} supports no automated {name}; a human decides"
    facts = _facts(ctx)
    blocker = _blocker(facts, name)
    if blocker is not None:
        return blocker
    owner = ctx.subject.owner
    if owner is None or owner.guessed or owner.kind != "deployment":
        return "the pod's owning Deployment was not confirmed from the cluster (ownerReferences)"
    if args.get("deployment") != owner.name or namespace != ctx.subject.namespace:
        return f"the target is not the alert's subject (its Deployment is {ctx.subject.namespace}/{owner.name})"
    for fix in fixes:
        if fix.when == "running_not_ready" and facts.get("running_not_ready"):
            return None
    if facts.get("planned"):
        return "the evidence it needs was only planned (no cluster configured): nothing was read"
    return f"the evidence does not show the condition the runbook requires ({', '.join(f.when for f in fixes)})"


def _facts(ctx: AlertContext) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for record in ctx.evidence:
        for key, value in (record.get("facts") or {}).items():
            if isinstance(value, bool):
                merged[key] = merged.get(key, False) or value
            elif value not in (None, [], {}):
                merged[key] = value
    return merged


_RESTART_BLOCKERS = (
    ("crash_loop", "the container is in CrashLoopBackOff: a restart replaces it without fixing why it crashes"),
    ("image_pull", "the image cannot be pulled: a restart pulls the same image again"),
    ("config_error", "the container cannot be created from its configuration: a restart does not change it"),
    ("oom", "the container was OOMKilled: it needs memory or a fix, not a restart"),
    ("unschedulable", "the pod cannot be scheduled: a restart creates another pod that cannot be scheduled"),
    ("failed_scheduling", "the scheduler reports FailedScheduling: a restart does not add capacity"),
    ("rollout_stuck", "the rollout is stuck (ProgressDeadlineExceeded): a restart starts another rollout"),
    ("not_found", "the object the alert names does not exist in the cluster"),
)
_SCALE_BLOCKERS = (
    ("hpa_at_max", "the HPA is at its maximum: scaling by hand fights the autoscaler"),
    ("quota_full", "the namespace quota is used up: more replicas cannot be admitted"),
    ("not_found", "the object the alert names does not exist in the cluster"),
)


def _blocker(facts: dict[str, Any], name: str) -> str | None:
    for key, reason in _RESTART_BLOCKERS if name == "restart_deployment" else _SCALE_BLOCKERS:
        if facts.get(key):
            return reason
    return None


def _summary(ctx: AlertContext, kept: list[dict[str, Any]], withheld: list[dict[str, Any]]) -> str:
    """One line for the run result's ``decision.reply``: what, on what, how many reads, what was held back."""
    details = [f"{len(ctx.evidence)} reads"] if ctx.evidence else []
    if withheld:
        details.append("withheld: " + "; ".join(f"{w['name']} ({w['reason']})" for w in withheld))
    details.append("proposes " + ", ".join(c["name"] for c in kept) if kept else "no action")
    return f"{ctx.alertname} on {ctx.subject.ref} — " + "; ".join(details)
