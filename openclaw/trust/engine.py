"""The trust engine: a verdict, a risk score and the reasons for every proposed action.

Authorization happens here, in code, never in a prompt. The engine fails closed:
an error while judging an action yields ``deny``, never ``auto``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from openclaw.config.trust import TrustPolicy
from openclaw.trust.actions import ProposedAction

VerdictName = Literal["auto", "approval", "deny"]

# Base risk of each class of action, before the namespace is considered.
_CLASS_RISK = {"read": 0.05, "notify": 0.1, "restart": 0.45, "scale": 0.5, "scale_to_zero": 0.85}


@dataclass(frozen=True)
class Verdict:
    verdict: VerdictName
    risk: float
    reasons: tuple[str, ...]
    approvals_required: int = 0
    policy_version: str | None = None


def action_class(action: ProposedAction) -> str:
    if action.tool in ("kubectl_get", "get_logs"):
        return "read"
    if action.tool == "send_alert":
        return "notify"
    if action.tool == "restart_deployment":
        return "restart"
    if action.tool == "scale_deployment":
        return "scale_to_zero" if action.tool_args.get("replicas") == 0 else "scale"
    raise ValueError(f"no action class for tool {action.tool!r}")


def evaluate(action: ProposedAction, policy: TrustPolicy) -> Verdict:
    """Judge one action; any error inside the scorer becomes a deny (fail closed)."""
    try:
        return _evaluate(action, policy)
    except Exception as exc:  # noqa: BLE001 - fail closed on anything
        return Verdict("deny", 1.0, (f"trust engine error, denied to be safe: {exc}",), 0, policy.version)


def _evaluate(action: ProposedAction, policy: TrustPolicy) -> Verdict:
    version = policy.version
    if action.problem is not None:
        return Verdict("deny", 1.0, (f"invalid action: {action.problem}",), 0, version)
    klass = action_class(action)
    risk = _CLASS_RISK[klass]
    reasons = [f"class {klass}: base risk {risk:.2f}"]
    if klass in ("read", "notify"):
        reasons.append("read-only or notification: runs without approval")
        return Verdict("auto", risk, tuple(reasons), 0, version)

    namespace = action.namespace or ""
    if namespace in policy.namespaces.protected:
        reasons.append(f"namespace {namespace} is protected: mutations are never allowed")
        return Verdict("deny", 1.0, tuple(reasons), 0, version)
    production = namespace in policy.namespaces.production
    if production:
        risk = min(1.0, risk + 0.2)
        reasons.append(f"namespace {namespace} is production (+0.20)")
    if klass == "scale_to_zero":
        need = policy.approvals.scale_to_zero
        reasons.append(f"scaling to zero replicas takes the service down: {need} approvals required")
        return Verdict("approval", risk, tuple(reasons), need, version)
    if production:
        need = policy.approvals.production_mutation
        reasons.append(f"mutation in production: {need} approval(s) required")
        return Verdict("approval", risk, tuple(reasons), need, version)
    reasons.append(f"namespace {namespace} is not production: runs without approval")
    return Verdict("auto", risk, tuple(reasons), 0, version)
