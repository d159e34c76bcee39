"""Compact, JSON-serialisable summaries of API objects for the run result.

Pods: phase, ready containers, restarts (and the waiting reason, e.g. CrashLoopBackOff).
Deployments: ready/desired replicas, updated/available, image(s), generations.
Services: type, cluster IP, ports. Nodes: Ready, roles, kubelet version.
Events: the last ``MAX_EVENTS`` by time, oldest first. Lists keep at most
``MAX_ITEMS`` items (``truncated`` says when more were there, including when the list
call's ``limit`` left some on the server: ``note`` then says so).
"""

from __future__ import annotations

from typing import Any

MAX_ITEMS = 100
MAX_EVENTS = 20


def _meta(obj: dict[str, Any]) -> dict[str, Any]:
    return obj.get("metadata") or {}


def pod(obj: dict[str, Any]) -> dict[str, Any]:
    status = obj.get("status") or {}
    containers = status.get("containerStatuses") or []
    total = len(containers) or len((obj.get("spec") or {}).get("containers") or [])
    ready = sum(1 for c in containers if c.get("ready"))
    reason = next(
        (((c.get("state") or {}).get("waiting") or {}).get("reason") for c in containers
         if ((c.get("state") or {}).get("waiting") or {}).get("reason")),
        None,
    )
    out = {
        "name": _meta(obj).get("name"),
        "namespace": _meta(obj).get("namespace"),
        "phase": status.get("phase"),
        "ready": f"{ready}/{total}",
        "restarts": sum(int(c.get("restartCount") or 0) for c in containers),
        "node": (obj.get("spec") or {}).get("nodeName"),
    }
    if reason:
        out["reason"] = reason
    return out


def deployment(obj: dict[str, Any]) -> dict[str, Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    desired = int(spec.get("replicas", 1) if spec.get("replicas") is not None else 1)
    containers = (((spec.get("template") or {}).get("spec") or {}).get("containers")) or []
    images = [c.get("image") for c in containers if c.get("image")]
    ready = int(status.get("readyReplicas") or 0)
    return {
        "name": _meta(obj).get("name"),
        "namespace": _meta(obj).get("namespace"),
        "ready": f"{ready}/{desired}",
        "desired": desired,
        "ready_replicas": ready,
        "updated": int(status.get("updatedReplicas") or 0),
        "available": int(status.get("availableReplicas") or 0),
        "image": images[0] if len(images) == 1 else images,
        "generation": _meta(obj).get("generation"),
        "observed_generation": status.get("observedGeneration"),
    }


def service(obj: dict[str, Any]) -> dict[str, Any]:
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


def node(obj: dict[str, Any]) -> dict[str, Any]:
    status = obj.get("status") or {}
    conds = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
    labels = _meta(obj).get("labels") or {}
    roles = sorted(k.split("/", 1)[1] for k in labels if k.startswith("node-role.kubernetes.io/"))
    return {
        "name": _meta(obj).get("name"),
        "ready": conds.get("Ready") == "True",
        "roles": roles,
        "kubelet_version": (status.get("nodeInfo") or {}).get("kubeletVersion"),
        "unschedulable": bool((obj.get("spec") or {}).get("unschedulable")),
    }


def event_time(obj: dict[str, Any]) -> str:
    """The best timestamp of an event (RFC 3339 strings sort by time)."""
    series = (obj.get("series") or {}).get("lastObservedTime")
    return (obj.get("lastTimestamp") or series or obj.get("eventTime") or obj.get("firstTimestamp")
            or _meta(obj).get("creationTimestamp") or "")


def event(obj: dict[str, Any]) -> dict[str, Any]:
    inv = obj.get("involvedObject") or {}
    return {
        "time": event_time(obj),
        "type": obj.get("type"),
        "reason": obj.get("reason"),
        "object": f"{inv.get('kind', '?')}/{inv.get('name', '?')}",
        "message": (obj.get("message") or "")[:500],
        "count": obj.get("count") or 1,
    }


SUMMARISERS = {"pods": pod, "deployments": deployment, "services": service, "nodes": node, "events": event}


def one(resource: str, obj: dict[str, Any]) -> dict[str, Any]:
    """``{"resource", "item"}`` for a single object."""
    return {"resource": resource, "item": SUMMARISERS[resource](obj)}


def listing(resource: str, namespace: str | None, body: dict[str, Any]) -> dict[str, Any]:
    """``{"resource", "namespace", "count", "items", "truncated"}`` for a list response."""
    items = [i for i in body.get("items") or [] if isinstance(i, dict)]
    if resource == "events":
        items = sorted(items, key=event_time)[-MAX_EVENTS:]
        kept = items
    else:
        items = sorted(items, key=lambda o: (_meta(o).get("namespace") or "", _meta(o).get("name") or ""))
        kept = items[:MAX_ITEMS]
    total = len(body.get("items") or [])
    more = bool((body.get("metadata") or {}).get("continue"))  # the list call's ``limit`` stopped the server
    remaining = (body.get("metadata") or {}).get("remainingItemCount")
    out = {
        "resource": resource,
        "namespace": namespace,
        "count": total + int(remaining) if more and isinstance(remaining, int) else total,
        "items": [SUMMARISERS[resource](o) for o in kept],
        "truncated": len(kept) < total or more,
    }
    if more:
        out["note"] = (f"only the first {total} {resource} were fetched (list limit); "
                       + ("the newest events may be missing" if resource == "events" else "more exist"))
    return out
