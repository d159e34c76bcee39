"""configs/trust.yaml: the trust policy, versioned; every verdict records the version.

The policy is data; the rules that can never be configured away (protected namespaces
never mutate, kubectl verbs outside the allowlist, replicas outside 0..10, invalid
names) live in code (:mod:`openclaw.trust.engine`). Every number here has a unit or
is a risk contribution on the 0..1 scale. ``openclaw policy check`` validates the file.

:func:`load_policy` is the fail-closed path the engine uses: a missing or invalid
policy does not stop the pipeline; it yields a :class:`PolicyLoad` with the error,
and the trust node then denies every action naming it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from openclaw.errors import PolicyError
from openclaw.models.names import K8sLabel

ActionClass = Literal["read", "notify", "restart", "scale", "scale_to_zero"]
TRUST_FILE = "trust.yaml"


class _Cfg(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NamespacePolicy(_Cfg):
    production: list[K8sLabel] = Field(default_factory=lambda: ["awoooi-prod"])
    """Namespaces where a mutation needs approval."""
    protected: list[K8sLabel] = Field(default_factory=lambda: ["kube-system", "kube-public", "kube-node-lease"])
    """Namespaces that never mutate (reads are allowed). kube-system, kube-public and kube-node-lease are
    protected in code (openclaw.trust.engine.ALWAYS_PROTECTED) whatever this list says; it only adds."""


class ClassRisk(_Cfg):
    """Base risk of each class of action (0..1)."""

    read: float = Field(default=0.05, ge=0, le=1)
    notify: float = Field(default=0.10, ge=0, le=1)
    restart: float = Field(default=0.45, ge=0, le=1)
    scale: float = Field(default=0.50, ge=0, le=1)
    scale_to_zero: float = Field(default=0.85, ge=0, le=1)


class RiskFactors(_Cfg):
    """How much each factor adds to the risk score (0..1 each; the sum is capped at 1)."""

    classes: ClassRisk = ClassRisk()
    production_namespace: float = Field(default=0.20, ge=0, le=1)
    """Added when the target namespace is a production namespace."""
    blast_radius_max: float = Field(default=0.35, ge=0, le=1)
    """Added in full when a scale changes the replica count by ``blast_radius_full_at`` or more of the current count."""
    blast_radius_full_at: float = Field(default=3.0, gt=0)
    """The relative replica change (1.0 = 100%) at which the blast-radius contribution is full; linear below."""
    blast_radius_unknown: float = Field(default=0.0, ge=0, le=1)
    """Added to a scale when the current replica count is unknown in plan mode (no cluster). With a cluster
    configured an unknown count means the lookup failed, and the scale scores ``blast_radius_max``."""
    automated_source: float = Field(default=0.10, ge=0, le=1)
    """Added when the incident is automated alert text, not an authenticated operator request."""
    fallback_step: float = Field(default=0.03, ge=0, le=1)
    """Added per failed decide attempt before the provider that answered."""
    fallback_max: float = Field(default=0.09, ge=0, le=1)
    """Cap of the fallback contribution."""
    degraded: float = Field(default=0.05, ge=0, le=1)
    """Added when the decision is degraded (the rules provider answered because the LLM chain failed)."""
    history_step: float = Field(default=0.02, ge=0, le=1)
    """Added per mutation of the same target within the flapping window."""
    history_max: float = Field(default=0.10, ge=0, le=1)
    """Cap of the history contribution."""
    suspicious_input: float = Field(default=0.15, ge=0, le=1)
    """Added when the incident text carries shell syntax, look-alike letters, hidden characters or approval claims."""
    approval_at: float = Field(default=0.80, gt=0, le=1)
    """A mutation outside production whose risk reaches this needs approval (tier ``elevated``)."""


class ApprovalRule(_Cfg):
    """Which approvers.yaml tier decides a kind of approval, and the count used when that tier is not defined."""

    tier: str = Field(pattern=r"^[a-z0-9]([-a-z0-9._]{0,61}[a-z0-9])?$")
    count: int = Field(ge=1, le=20)
    """Sign-offs required when approvers.yaml has no tier of this name (any registered approver counts)."""


class ApprovalPolicy(_Cfg):
    request_ttl_s: int = Field(default=3600, ge=60, le=7 * 24 * 3600)
    """Seconds an approval request stays open before it expires."""
    resume_takeover_s: int = Field(default=300, ge=10, le=24 * 3600)
    """Seconds without a heartbeat after which the claim to resume a run (held by a process that crashed)
    may be taken over by the next approval, ``openclaw runs expire`` or ``openclaw runs resume``."""
    production_mutation: ApprovalRule = ApprovalRule(tier="standard", count=1)
    """A mutation in a production namespace."""
    scale_to_zero: ApprovalRule = ApprovalRule(tier="high", count=2)
    """Scaling a deployment to zero replicas, anywhere (always, whatever the score)."""
    elevated_risk: ApprovalRule = ApprovalRule(tier="standard", count=1)
    """A mutation outside production whose risk reached ``risk.approval_at``."""
    flapping: ApprovalRule = ApprovalRule(tier="standard", count=1)
    """A mutation stopped by the anti-flapping cooldown or cap."""
    suspicious_input: ApprovalRule = ApprovalRule(tier="standard", count=1)
    """A mutation proposed for an incident whose text looks hostile (see openclaw.trust.signals)."""


class FlappingPolicy(_Cfg):
    """Anti-flapping: recent mutations of the same target (from the state database)."""

    window_s: int = Field(default=600, ge=1, le=7 * 24 * 3600)
    """Length of the window in which mutations of one target are counted, in seconds."""
    max_actions: int = Field(default=4, ge=1, le=1000)
    """Mutations of one target allowed to run on their own within the window; the next needs approval."""
    cooldown_s: int = Field(default=60, ge=0, le=24 * 3600)
    """After a mutation of a target, seconds during which the next one needs approval (0: off)."""


class ScorerPolicy(_Cfg):
    budget_ms: float = Field(default=250.0, gt=0, le=10_000)
    """Time budget of one action's evaluation, in milliseconds; over it the action is denied."""


class TrustPolicy(_Cfg):
    version: str = Field(min_length=1, max_length=128)
    namespaces: NamespacePolicy = NamespacePolicy()
    risk: RiskFactors = RiskFactors()
    approvals: ApprovalPolicy = ApprovalPolicy()
    flapping: FlappingPolicy = FlappingPolicy()
    scorer: ScorerPolicy = ScorerPolicy()

    @model_validator(mode="after")
    def _disjoint(self) -> TrustPolicy:
        both = set(self.namespaces.production) & set(self.namespaces.protected)
        if both:
            raise ValueError(f"namespaces {sorted(both)} are both production and protected; pick one")
        return self

    def approval_rules(self) -> dict[str, ApprovalRule]:
        """Every approval rule by its key in ``approvals:``."""
        a = self.approvals
        return {"production_mutation": a.production_mutation, "scale_to_zero": a.scale_to_zero,
                "elevated_risk": a.elevated_risk, "flapping": a.flapping, "suspicious_input": a.suspicious_input}


UNAVAILABLE_VERSION = "unavailable"
"""The policy version recorded on verdicts when trust.yaml could not be loaded."""


@dataclass(frozen=True)
class PolicyLoad:
    """The outcome of loading trust.yaml: the policy, or the error that makes every action a deny."""

    policy: TrustPolicy | None
    error: str | None = None
    sha256: str | None = None
    """sha256 of the file's bytes (None when it could not be read)."""

    @property
    def version(self) -> str:
        return self.policy.version if self.policy is not None else UNAVAILABLE_VERSION


def read_policy(path: Path) -> tuple[TrustPolicy, str]:
    """Load and validate ``path``; PolicyError naming the file and the field (for ``openclaw policy check``)."""
    from openclaw.config.loader import load_yaml

    return load_yaml(path, TrustPolicy, error=PolicyError)


def load_policy(path: Path) -> PolicyLoad:
    """Load ``path`` without raising: a broken policy becomes ``PolicyLoad(None, error)`` (fail closed)."""
    try:
        policy, digest = read_policy(path)
    except PolicyError as exc:
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            digest = None
        return PolicyLoad(None, str(exc), digest)
    return PolicyLoad(policy, None, digest)
