"""Compact, JSON-serialisable summaries of Kubernetes objects: the evidence a decision reads.

Each function takes one API object (a dict as the API server sends it) and keeps what
a person triaging an incident looks at first, never the whole object:

- pods: phase, ready containers, restarts, the waiting reason (e.g. CrashLoopBackOff),
  and per container its state, reason, message, exit code and last termination (an
  OOMKilled previous instance); conditions (PodScheduled False Unschedulable), the
  controller owner, the pod's own reason/message (Evicted);
- deployments, statefulsets, daemonsets, replicasets: ready/desired, updated,
  available, image(s), generations, conditions, owner (each computed from its kind's
  status fields);
- jobs, horizontalpodautoscalers, persistentvolumeclaims, persistentvolumes,
  resourcequotas, services, nodes (conditions, taints), events (the involved object).

Free text from the cluster (messages) is cut to ``MAX_MESSAGE`` characters.
"""

from __future__ import annotations

from typing import Any

MAX_MESSAGE = 300
MAX_EVENT_MESSAGE = 500

Obj = dict[str, Any]


def _meta(obj: Obj) -> Obj:
    return obj.get("metadata") or {}


def _text(value: Any, limit: int = MAX_MESSAGE) -> str | None:
    return value[:limit] if isinstance(value, str) and value else None


def _int(value: Any) -> int:
    return int(value) if isinstance(value, int | float) else 0


def conditions(status: Obj) -> list[Obj]:
    """``[{type, status, reason, message}]`` of an object's ``status.conditions``."""
    return [{"type": c.get("type"), "status": c.get("status"), "reason": c.get("reason"),
             "message": _text(c.get("message"))}
            for c in status.get("conditions") or [] if isinstance(c, dict)]


def owner(obj: Obj) -> Obj | None:
    """``{kind, name}`` of the controller ownerReference, or None."""
    for ref in _meta(obj).get("ownerReferences") or []:
        if isinstance(ref, dict) and ref.get("controller"):
            return {"kind": ref.get("kind"), "name": ref.get("name")}
    return None


def _images(obj: Obj) -> str | list[str]:
    containers = ((((obj.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers")) or []
    images = [c.get("image") for c in containers if c.get("image")]
    return images[0] if len(images) == 1 else images


# --- pods ----------------------------------------------------------------------------------


def container(status: Obj) -> Obj:
    """One container status: state, its reason/message/exit code, and the last termination."""
    state = status.get("state") or {}
    name = next((k for k in ("running", "waiting", "terminated") if k in state), None)
    detail = (state.get(name) or {}) if name else {}
    last = (status.get("lastState") or {}).get("terminated")
    return {
        "name": status.get("name"),
        "ready": bool(status.get("ready")),
        "restarts": _int(status.get("restartCount")),
        "state": name,
        "reason": detail.get("reason"),
        "message": _text(detail.get("message")),
        "exit_code": detail.get("exitCode"),
        "last_terminated": None if not isinstance(last, dict) else {
            "reason": last.get("reason"), "exit_code": last.get("exitCode"), "finished_at": last.get("finishedAt")},
    }


def _containers(spec_list: list[Obj], statuses: list[Obj]) -> list[Obj]:
    """Every container of the spec, with its status when the kubelet reported one (not yet: state None)."""
    by_name = {s.get("name"): s for s in statuses if isinstance(s, dict)}
    names = [c.get("name") for c in spec_list if isinstance(c, dict)] or list(by_name)
    return [container(by_name.get(n) or {"name": n}) for n in names]


def pod(obj: Obj) -> Obj:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    statuses = status.get("containerStatuses") or []
    total = len(statuses) or len(spec.get("containers") or [])
    ready = sum(1 for c in statuses if c.get("ready"))
    reason = next(
        (((c.get("state") or {}).get("waiting") or {}).get("reason") for c in statuses
         if ((c.get("state") or {}).get("waiting") or {}).get("reason")),
        None,
    )
    out: Obj = {
        "name": _meta(obj).get("name"),
        "namespace": _meta(obj).get("namespace"),
        "phase": status.get("phase"),
        "ready": f"{ready}/{total}",
        "restarts": sum(_int(c.get("restartCount")) for c in statuses),
        "node": spec.get("nodeName"),
        "containers": _containers(spec.get("containers") or [], statuses),
        "conditions": conditions(status),
        "owner": owner(obj),
        "status_reason": status.get("reason"),
        "status_message": _text(status.get("message")),
    }
    if spec.get("initContainers") or status.get("initContainerStatuses"):
        out["init_containers"] = _containers(spec.get("initContainers") or [],
                                             status.get("initContainerStatuses") or [])
    if reason:
        out["reason"] = reason
    return out


# --- workloads -----------------------------------------------------------------------------


def _workload(obj: Obj, *, desired: int, ready: int, updated: int | None, available: int) -> Obj:
    return {
        "name": _meta(obj).get("name"),
        "namespace": _meta(obj).get("namespace"),
        "ready": f"{ready}/{desired}",
        "desired": desired,
        "ready_replicas": ready,
        "updated": updated,
        "available": available,
        "image": _images(obj),
        "generation": _meta(obj).get("generation"),
        "observed_generation": (obj.get("status") or {}).get("observedGeneration"),
        "conditions": conditions(obj.get("status") or {}),
        "owner": owner(obj),
    }


def _replicas(spec: Obj) -> int:
    return int(spec["replicas"]) if isinstance(spec.get("replicas"), int) else 1


def deployment(obj: Obj) -> Obj:
    status = obj.get("status") or {}
    return _workload(obj, desired=_replicas(obj.get("spec") or {}), ready=_int(status.get("readyReplicas")),
                     updated=_int(status.get("updatedReplicas")), available=_int(status.get("availableReplicas")))


def statefulset(obj: Obj) -> Obj:
    status = obj.get("status") or {}
    out = _workload(obj, desired=_replicas(obj.get("spec") or {}), ready=_int(status.get("readyReplicas")),
                    updated=_int(status.get("updatedReplicas")), available=_int(status.get("availableReplicas")))
    out.update(current_revision=status.get("currentRevision"), update_revision=status.get("updateRevision"))
    return out


def daemonset(obj: Obj) -> Obj:
    status = obj.get("status") or {}
    out = _workload(obj, desired=_int(status.get("desiredNumberScheduled")), ready=_int(status.get("numberReady")),
                    updated=_int(status.get("updatedNumberScheduled")), available=_int(status.get("numberAvailable")))
    out["misscheduled"] = _int(status.get("numberMisscheduled"))
    return out


def replicaset(obj: Obj) -> Obj:
    """A replica set has no rollout of its own: ``updated`` is None."""
    status = obj.get("status") or {}
    return _workload(obj, desired=_replicas(obj.get("spec") or {}), ready=_int(status.get("readyReplicas")),
                     updated=None, available=_int(status.get("availableReplicas")))


def job(obj: Obj) -> Obj:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    return {
        "name": _meta(obj).get("name"),
        "namespace": _meta(obj).get("namespace"),
        "active": _int(status.get("active")),
        "succeeded": _int(status.get("succeeded")),
        "failed": _int(status.get("failed")),
        "completions": spec.get("completions"),
        "backoff_limit": spec.get("backoffLimit"),
        "conditions": conditions(status),
        "owner": owner(obj),
        "start_time": status.get("startTime"),
        "completion_time": status.get("completionTime"),
    }


def horizontalpodautoscaler(obj: Obj) -> Obj:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    ref = spec.get("scaleTargetRef") or {}
    return {
        "name": _meta(obj).get("name"),
        "namespace": _meta(obj).get("namespace"),
        "target": {"kind": ref.get("kind"), "name": ref.get("name")},
        "min": spec.get("minReplicas", 1),
        "max": spec.get("maxReplicas"),
        "current": status.get("currentReplicas"),
        "desired": status.get("desiredReplicas"),
        "conditions": conditions(status),
    }


# --- storage and quotas --------------------------------------------------------------------


def persistentvolumeclaim(obj: Obj) -> Obj:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    return {
        "name": _meta(obj).get("name"),
        "namespace": _meta(obj).get("namespace"),
        "phase": status.get("phase"),
        "capacity": (status.get("capacity") or {}).get("storage"),
        "requested": ((spec.get("resources") or {}).get("requests") or {}).get("storage"),
        "storage_class": spec.get("storageClassName"),
        "volume": spec.get("volumeName"),
        "access_modes": list(spec.get("accessModes") or []),
        "conditions": conditions(status),
    }


def persistentvolume(obj: Obj) -> Obj:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    claim = spec.get("claimRef") or {}
    return {
        "name": _meta(obj).get("name"),
        "phase": status.get("phase"),
        "capacity": (spec.get("capacity") or {}).get("storage"),
        "claim": f"{claim.get('namespace')}/{claim.get('name')}" if claim.get("name") else None,
        "storage_class": spec.get("storageClassName"),
        "reason": status.get("reason"),
        "message": _text(status.get("message")),
    }


def resourcequota(obj: Obj) -> Obj:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    return {
        "name": _meta(obj).get("name"),
        "namespace": _meta(obj).get("namespace"),
        "hard": dict(status.get("hard") or spec.get("hard") or {}),
        "used": dict(status.get("used") or {}),
    }


# --- services, nodes, events ---------------------------------------------------------------


def service(obj: Obj) -> Obj:
    spec = obj.get("spec") or {}
    ports = [
        f"{p.get('port')}/{p.get('protocol', 'TCP')}" + (f"->{p['targetPort']}" if p.get("targetPort") else "")
        for p in spec.get("ports") or []
    ]
    return {
        "name": _meta(obj).get("name"),
        "namespace": _meta(obj).get("namespace"),
        "type": spec.get("type", "ClusterIP"),
        "cluster_ip": spec.get("clusterIP"),
        "ports": ports,
    }


def node(obj: Obj) -> Obj:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    conds = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
    labels = _meta(obj).get("labels") or {}
    roles = sorted(k.split("/", 1)[1] for k in labels if k.startswith("node-role.kubernetes.io/"))
    return {
        "name": _meta(obj).get("name"),
        "ready": conds.get("Ready") == "True",
        "roles": roles,
        "kubelet_version": (status.get("nodeInfo") or {}).get("kubeletVersion"),
        "unschedulable": bool(spec.get("unschedulable")),
        "conditions": conditions(status),
        "taints": [{"key": t.get("key"), "effect": t.get("effect")} for t in spec.get("taints") or []
                   if isinstance(t, dict)],
    }


def event_time(obj: Obj) -> str:
    """The best timestamp of an event (RFC 3339 strings sort by time)."""
    series = (obj.get("series") or {}).get("lastObservedTime")
    return (obj.get("lastTimestamp") or series or obj.get("eventTime") or obj.get("firstTimestamp")
            or _meta(obj).get("creationTimestamp") or "")


def event(obj: Obj) -> Obj:
    inv = obj.get("involvedObject") or {}
    return {
        "time": event_time(obj),
        "type": obj.get("type"),
        "reason": obj.get("reason"),
        "object": f"{inv.get('kind', '?')}/{inv.get('name', '?')}",
        "involved": {"kind": inv.get("kind"), "name": inv.get("name"), "namespace": inv.get("namespace")},
        "message": (obj.get("message") or "")[:MAX_EVENT_MESSAGE],
        "count": obj.get("count") or 1,
    }
