"""configs/trust.yaml: the trust policy, versioned; every verdict records the version."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from openclaw.models.names import K8sLabel


class _Cfg(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NamespacePolicy(_Cfg):
    production: list[K8sLabel] = Field(default_factory=lambda: ["awoooi-prod"])
    """Namespaces where a mutation needs approval."""
    protected: list[K8sLabel] = Field(default_factory=lambda: ["kube-system", "kube-public", "kube-node-lease"])
    """Namespaces that never mutate."""


class ApprovalCounts(_Cfg):
    production_mutation: int = Field(default=1, ge=1)
    """Sign-offs required for a mutation in a production namespace."""
    scale_to_zero: int = Field(default=2, ge=1)
    """Sign-offs required to scale a deployment to zero, anywhere."""
    request_ttl_s: int = Field(default=3600, ge=60, le=7 * 24 * 3600)
    """Seconds an approval request stays open before it expires."""


class TrustPolicy(_Cfg):
    version: str = Field(min_length=1)
    namespaces: NamespacePolicy = NamespacePolicy()
    approvals: ApprovalCounts = ApprovalCounts()

    @model_validator(mode="after")
    def _disjoint(self) -> "TrustPolicy":
        both = set(self.namespaces.production) & set(self.namespaces.protected)
        if both:
            raise ValueError(f"namespaces {sorted(both)} are both production and protected; pick one")
        return self
