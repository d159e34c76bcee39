"""The risk factors: each one names itself and what it adds to the score.

A factor is a function ``(action, klass, policy, facts) -> Contribution | None``;
None means it does not apply. The engine sums the contributions (capped at 1) and
lists every one of them in the verdict's reasons, so a reader sees why a score is
what it is. Factors are pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from openclaw.config.trust import TrustPolicy
from openclaw.trust.actions import ProposedAction
from openclaw.trust.facts import ActionClass, Facts


@dataclass(frozen=True)
class Contribution:
    factor: str
    """Short name: class, namespace, blast_radius, source, provenance, degraded, history."""
    delta: float
    """What it adds to the risk score (0..1)."""
    reason: str

    def line(self) -> str:
        return f"{self.factor}: {self.reason} (+{self.delta:.2f})"


Factor = Callable[[ProposedAction, ActionClass, TrustPolicy, Facts], "Contribution | None"]


def class_factor(action: ProposedAction, klass: ActionClass, policy: TrustPolicy, facts: Facts) -> Contribution:
    return Contribution("class", getattr(policy.risk.classes, klass), klass.replace("_", " "))


def namespace_factor(action: ProposedAction, klass: ActionClass, policy: TrustPolicy, facts: Facts) -> Contribution | None:
    namespace = action.namespace
    if klass in ("read", "notify") or namespace not in policy.namespaces.production:
        return None
    return Contribution("namespace", policy.risk.production_namespace, f"{namespace} is a production namespace")


def blast_radius_factor(action: ProposedAction, klass: ActionClass, policy: TrustPolicy, facts: Facts) -> Contribution | None:
    if klass not in ("scale", "scale_to_zero"):
        return None
    wanted = action.tool_args["replicas"]
    current = facts.current_replicas
    if current is None and facts.replicas_lookup_failed:
        return Contribution("blast_radius", policy.risk.blast_radius_max,
                            f"current replica count unknown although a cluster is configured (the lookup failed"
                            f"{': ' + facts.replicas_lookup_error if facts.replicas_lookup_error else ''}): "
                            f"scored as the largest change; scaling to {wanted}")
    if current is None:
        return Contribution("blast_radius", policy.risk.blast_radius_unknown,
                            f"current replica count unknown (no cluster, plan mode); scaling to {wanted}")
    change = abs(wanted - current) / max(current, 1)
    delta = policy.risk.blast_radius_max * min(1.0, change / policy.risk.blast_radius_full_at)
    return Contribution("blast_radius", delta, f"{current} -> {wanted} replicas ({change:.0%} of the current count)")


def source_factor(action: ProposedAction, klass: ActionClass, policy: TrustPolicy, facts: Facts) -> Contribution:
    if facts.authenticated:
        return Contribution("source", 0.0, f"requested by operator {facts.requested_by!r} via {facts.source}")
    who = "no authenticated requester" if facts.source != "alertmanager" else "alert text"
    return Contribution("source", policy.risk.automated_source, f"{facts.source} incident, {who}")


def provenance_factor(action: ProposedAction, klass: ActionClass, policy: TrustPolicy, facts: Facts) -> Contribution:
    depth = max(0, facts.failed_attempts)
    delta = min(policy.risk.fallback_max, policy.risk.fallback_step * depth)
    provider = facts.provider or "unknown provider"
    return Contribution("provenance", delta, f"decided by {provider} after {depth} failed attempt(s)")


def degraded_factor(action: ProposedAction, klass: ActionClass, policy: TrustPolicy, facts: Facts) -> Contribution | None:
    if not facts.degraded:
        return None
    return Contribution("degraded", policy.risk.degraded, "degraded decision (LLM chain failed, rules answered)")


def history_factor(action: ProposedAction, klass: ActionClass, policy: TrustPolicy, facts: Facts) -> Contribution | None:
    if klass in ("read", "notify"):
        return None
    n = max(0, facts.recent_actions)
    delta = min(policy.risk.history_max, policy.risk.history_step * n)
    return Contribution("history", delta, f"{n} mutation(s) of this target in the last {policy.flapping.window_s} s")


def input_factor(action: ProposedAction, klass: ActionClass, policy: TrustPolicy, facts: Facts) -> Contribution | None:
    if not facts.suspicious:
        return None
    return Contribution("input", policy.risk.suspicious_input, "suspicious incident text: " + "; ".join(facts.suspicious))


DEFAULT_FACTORS: tuple[Factor, ...] = (
    class_factor, namespace_factor, blast_radius_factor, source_factor, provenance_factor, degraded_factor,
    history_factor, input_factor,
)
"""The factors of the score, in the order their reasons are listed."""
