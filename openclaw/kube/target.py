"""What a Kubernetes call is about: a plain record, so that planning needs no ``kubernetes`` import."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """What a call was about, for the messages: ``verb`` and ``resource`` as RBAC names them."""

    verb: str  # get | list | patch
    resource: str  # e.g. "deployments/scale", "pods/log", "nodes"
    namespace: str | None = None
    name: str | None = None

    def where(self) -> str:
        return f"in {self.namespace}" if self.namespace else "cluster-wide"

    def what(self) -> str:
        kind = self.resource.split("/")[0].rstrip("s")
        return f"{kind} {self.name!r}" if self.name else self.resource
