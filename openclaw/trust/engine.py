"""The trust engine: a verdict, a risk score and the reasons for every proposed action.

Authorization happens here, in code, never in a prompt. The LLM's output and the
incident text are untrusted: nothing in them can grant anything (an "approved by
admin" claim is just text; no factor reads annotations).

Order of judgement (the first hard rule that applies wins)::

    no policy loaded                   -> deny   (fail closed)
    invalid action (schema, names, kubectl verb, replicas) -> deny
    mutation of a protected namespace  -> deny   (kube-system, kube-public, kube-node-lease always,
                                                  plus trust.yaml's namespaces.protected)
    risk factors summed (budgeted)     -> deny on error or over budget (fail closed)
    read-only / notification           -> auto
    otherwise approval when any applies: scale to zero (always), production namespace,
    anti-flapping cap or cooldown, suspicious incident text (shell syntax, look-alike
    letters, hidden characters, approval claims), risk >= risk.approval_at; else auto.

When several approval rules apply, the one needing the most sign-offs decides. The
quorum comes from approvers.yaml when it defines the rule's tier, else from the rule's
``count`` in trust.yaml (then any registered approver may sign).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from openclaw.config.trust import UNAVAILABLE_VERSION, ApprovalRule, TrustPolicy
from openclaw.trust.actions import ProposedAction
from openclaw.trust.facts import Facts, action_class
from openclaw.trust.factors import DEFAULT_FACTORS, Contribution, Factor

VerdictName = Literal["auto", "approval", "deny"]

ALWAYS_PROTECTED = frozenset({"kube-system", "kube-public", "kube-node-lease"})
"""Namespaces that never mutate whatever trust.yaml says (its ``namespaces.protected`` only adds to them)."""


@dataclass(frozen=True)
class Verdict:
    verdict: VerdictName
    risk: float
    """0..1, the capped sum of the contributions (1.0 for a deny by a hard rule)."""
    reasons: tuple[str, ...]
    approvals_required: int = 0
    policy_version: str | None = None
    tier: str | None = None
    """The approvers.yaml tier that signs (approval only)."""
    group: str | None = None
    """Only approvers in this group count (from the tier); None: any registered approver."""
    contributions: tuple[Contribution, ...] = field(default_factory=tuple)


def evaluate(
    action: ProposedAction,
    policy: TrustPolicy | None,
    facts: Facts | None = None,
    *,
    approvers: Any = None,
    policy_error: str | None = None,
    factors: Sequence[Factor] = DEFAULT_FACTORS,
    clock: Callable[[], float] = time.monotonic,
) -> Verdict:
    """Judge one action; never raises. Any error, or a scorer over its budget, becomes a deny.

    ``approvers`` is an ``ApproversConfig`` (or None) whose tiers set quorums; ``clock``
    (seconds, monotonic) measures the scorer's budget (``policy.scorer.budget_ms``).
    """
    if policy is None:
        why = policy_error or "no trust policy loaded"
        return Verdict("deny", 1.0, (f"policy unavailable, every action is denied (fail closed): {why}",),
                       0, UNAVAILABLE_VERSION)
    try:
        return _evaluate(action, policy, facts or Facts(), approvers, factors, clock)
    except Exception as exc:  # noqa: BLE001 - fail closed on anything
        return Verdict("deny", 1.0, (f"trust engine error, denied to be safe: {type(exc).__name__}: {exc}",),
                       0, policy.version)


def _evaluate(action: ProposedAction, policy: TrustPolicy, facts: Facts, approvers: Any,
              factors: Sequence[Factor], clock: Callable[[], float]) -> Verdict:
    version = policy.version
    if action.problem is not None:
        return Verdict("deny", 1.0, (f"invalid action: {action.problem}",), 0, version)
    klass = action_class(action)
    mutating = klass not in ("read", "notify")
    namespace = action.namespace or ""
    if mutating and (namespace in ALWAYS_PROTECTED or namespace in policy.namespaces.protected):
        return Verdict("deny", 1.0, (f"namespace {namespace} is protected: mutations are never allowed",), 0, version)

    started, budget_s = clock(), policy.scorer.budget_ms / 1000.0
    contributions: list[Contribution] = []
    for factor in factors:
        contribution = factor(action, klass, policy, facts)
        if contribution is not None:
            if not 0.0 <= contribution.delta <= 1.0:
                raise ValueError(f"factor {contribution.factor} returned {contribution.delta}, outside 0..1")
            contributions.append(contribution)
        elapsed = clock() - started
        if elapsed > budget_s:
            return Verdict("deny", 1.0, (
                f"trust scoring took {elapsed * 1000:.0f} ms, over its budget of {policy.scorer.budget_ms:.0f} ms: "
                "denied to be safe (fail closed)",), 0, version)
    risk = round(min(1.0, sum(c.delta for c in contributions)), 4)
    reasons = [c.line() for c in contributions]

    if not mutating:
        reasons.append(f"risk {risk:.2f}: read-only or notification, runs without approval")
        return Verdict("auto", risk, tuple(reasons), 0, version, contributions=tuple(contributions))

    rules: list[tuple[ApprovalRule, str]] = []
    if klass == "scale_to_zero":
        rules.append((policy.approvals.scale_to_zero, "scaling to zero takes the service down: always needs approval"))
    if namespace in policy.namespaces.production:
        rules.append((policy.approvals.production_mutation, f"mutation in production namespace {namespace}"))
    flap = policy.flapping
    if facts.recent_actions >= flap.max_actions:
        rules.append((policy.approvals.flapping,
                      f"anti-flapping: {facts.recent_actions} mutations of this target in the last {flap.window_s} s "
                      f"(at most {flap.max_actions} run on their own)"))
    elif facts.last_action_age_s is not None and facts.last_action_age_s < flap.cooldown_s:
        rules.append((policy.approvals.flapping,
                      f"anti-flapping: last mutation of this target {facts.last_action_age_s:.0f} s ago, "
                      f"within the {flap.cooldown_s} s cooldown"))
    if facts.suspicious:
        rules.append((policy.approvals.suspicious_input, "the incident text looks hostile: no mutation runs on its own"))
    if risk >= policy.risk.approval_at:
        rules.append((policy.approvals.elevated_risk, f"risk {risk:.2f} reaches {policy.risk.approval_at:.2f}"))

    if not rules:
        reasons.append(f"risk {risk:.2f} below {policy.risk.approval_at:.2f}, not production: runs without approval")
        return Verdict("auto", risk, tuple(reasons), 0, version, contributions=tuple(contributions))

    resolved = [(*_quorum(rule, approvers), rule, why) for rule, why in rules]
    need, group, rule, _ = max(resolved, key=lambda r: r[0])
    for _n, _g, _r, why in resolved:
        reasons.append(why)
    scope = f"group {group}" if group else "any registered approver"
    reasons.append(f"needs {need} approval(s), tier {rule.tier} ({scope})")
    return Verdict("approval", risk, tuple(reasons), need, version, rule.tier, group, tuple(contributions))


def _quorum(rule: ApprovalRule, approvers: Any) -> tuple[int, str | None]:
    """(sign-offs required, group) for ``rule``: the approvers.yaml tier when defined, else trust.yaml's count."""
    tiers = getattr(approvers, "tiers", None) or {}
    tier = tiers.get(rule.tier)
    if tier is None:
        return rule.count, None
    return max(1, tier.quorum), tier.group
