"""The kinds of object ``kubectl_get`` reads: API group/version, scope, kind, and summary.

One row per resource. The argument enum and LLM schema of ``kubectl_get``, the API
paths, the RBAC permissions (configs/k8s/rbac.yaml is checked against them) and the
test emulator's resource table are all derived from this table: a new readable kind
is one row here, its summary in ``openclaw.tools.objects``, and a line in the RBAC manifest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from openclaw.tools import objects
from openclaw.tools.base import ApiResource


@dataclass(frozen=True)
class ObjectKind:
    """A resource ``kubectl_get`` can read."""

    api: ApiResource
    kind: str
    """The ``kind`` of its objects (Pod, Deployment, ...)."""
    summary: Callable[[dict[str, Any]], dict[str, Any]]
    short_names: tuple[str, ...] = ()
    """kubectl's short names (``kubectl api-resources``), accepted by kubectl_execute."""
    about_field: str | None = None
    """With a ``name``, list the objects *about* NAME through this field selector (events) instead of GET NAME."""
    time_ordered: bool = False
    """Lists keep the newest items (by time) rather than the first by name (events)."""

    @property
    def name(self) -> str:
        return self.api.plural


def _core(plural: str, *, namespaced: bool = True) -> ApiResource:
    return ApiResource("", "v1", plural, namespaced)


def _apps(plural: str) -> ApiResource:
    return ApiResource("apps", "v1", plural)


KINDS: dict[str, ObjectKind] = {
    k.name: k
    for k in (
        ObjectKind(_core("pods"), "Pod", objects.pod, ("po",)),
        ObjectKind(_apps("deployments"), "Deployment", objects.deployment, ("deploy",)),
        ObjectKind(_core("services"), "Service", objects.service, ("svc",)),
        ObjectKind(_core("nodes", namespaced=False), "Node", objects.node, ("no",)),
        ObjectKind(_core("events"), "Event", objects.event, ("ev",), about_field="involvedObject.name",
                   time_ordered=True),
        ObjectKind(_apps("statefulsets"), "StatefulSet", objects.statefulset, ("sts",)),
        ObjectKind(_apps("daemonsets"), "DaemonSet", objects.daemonset, ("ds",)),
        ObjectKind(_apps("replicasets"), "ReplicaSet", objects.replicaset, ("rs",)),
        ObjectKind(ApiResource("batch", "v1", "jobs"), "Job", objects.job),
        ObjectKind(ApiResource("autoscaling", "v2", "horizontalpodautoscalers"), "HorizontalPodAutoscaler",
                   objects.horizontalpodautoscaler, ("hpa",)),
        ObjectKind(_core("persistentvolumeclaims"), "PersistentVolumeClaim", objects.persistentvolumeclaim,
                   ("pvc",)),
        ObjectKind(_core("persistentvolumes", namespaced=False), "PersistentVolume", objects.persistentvolume,
                   ("pv",)),
        ObjectKind(_core("resourcequotas"), "ResourceQuota", objects.resourcequota, ("quota",)),
    )
}
"""Every readable kind, by its plural (the ``resource`` argument of kubectl_get)."""

RESOURCE_NAMES: tuple[str, ...] = tuple(KINDS)
