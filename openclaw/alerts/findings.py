"""What a read found: a one-line finding for people and a few facts for the decision.

:func:`facts_of` reads the executor's result of one read (the summaries of
``openclaw.kube.summaries``, or a log text) and keeps what the remediation rules and
the page need: crash loops, image pulls, OOM kills, scheduling failures, stuck
rollouts, an HPA at its maximum, a node that is not ready, a quota in use, a 404. A
read that failed is evidence too (the object does not exist, access is denied).
"""

from __future__ import annotations

from typing import Any

CRASH_REASONS = frozenset({"CrashLoopBackOff", "RunContainerError"})
IMAGE_REASONS = frozenset({"ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"})
CONFIG_REASONS = frozenset({"CreateContainerConfigError", "CreateContainerError"})
ERROR_WORDS = ("panic", "fatal", "error", "exception", "oom", "killed", "refused", "denied", "timeout", "failed")
MAX_FINDING = 300


def facts_of(kind: str, status: str, result: dict[str, Any] | None, *, about: str | None = None
             ) -> tuple[str, dict[str, Any]]:
    """``(finding, facts)`` for one read's outcome. ``about``: the subject's name (a list of pods is narrowed
    to the pods named after it, the workload's)."""
    result = result or {}
    if status == "planned":
        return "planned (no cluster configured): nothing was read", {"planned": True}
    if status in ("denied", "rejected", "expired", "awaiting_approval", "skipped"):
        return f"not read ({status})", {"unread": status}
    if status == "failed":
        error = str(result.get("error") or "the read failed")
        facts: dict[str, Any] = {"failed": True, "http_status": result.get("status")}
        if result.get("status") == 404 or "not found" in error.lower():
            facts["not_found"] = True
        return _cut(f"read failed: {error}"), facts
    if kind in ("logs", "logs_previous"):
        return _logs(kind, result)
    item = result.get("item")
    if isinstance(item, dict):
        resource = result.get("resource")
        reader = _ONE.get(resource)
        return reader(item) if reader else (_cut(f"{resource} {item.get('name')}"), {})
    if isinstance(result.get("items"), list):
        if result.get("resource") == "pods":
            return _pods(result, about)
        return _listing(result)
    return "read", {}


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_FINDING else text[: MAX_FINDING - 1] + "…"


def _pod(item: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    containers = [c for c in item.get("containers") or [] if isinstance(c, dict)]
    reasons = {c.get("reason") for c in containers if c.get("reason")}
    last = {((c.get("last_terminated") or {}).get("reason")) for c in containers if c.get("last_terminated")}
    conditions = {c.get("type"): c for c in item.get("conditions") or [] if isinstance(c, dict)}
    scheduled = conditions.get("PodScheduled") or {}
    facts: dict[str, Any] = {
        "phase": item.get("phase"),
        "node": item.get("node"),
        "containers": containers,
        "restarts": item.get("restarts"),
        "owner": item.get("owner"),
        "crash_loop": bool(reasons & CRASH_REASONS),
        "image_pull": bool(reasons & IMAGE_REASONS),
        "config_error": bool(reasons & CONFIG_REASONS),
        "oom": "OOMKilled" in last or "OOMKilled" in reasons,
        "unschedulable": scheduled.get("status") == "False" or (item.get("phase") == "Pending" and not item.get("node")),
        "evicted": item.get("status_reason") == "Evicted",
    }
    not_ready = [c for c in containers if not c.get("ready")]
    facts["running_not_ready"] = (
        item.get("phase") == "Running" and bool(not_ready) and all(c.get("state") == "running" for c in not_ready)
        and not (facts["crash_loop"] or facts["image_pull"] or facts["config_error"] or facts["oom"])
    )
    parts = [f"pod {item.get('name')}: {item.get('phase')}, ready {item.get('ready')}, restarts {item.get('restarts')}"]
    for c in containers:
        state = c.get("reason") or c.get("state")
        bit = f"{c.get('name')} {state}"
        if c.get("exit_code") is not None:
            bit += f" (exit {c['exit_code']})"
        if c.get("last_terminated"):
            lt = c["last_terminated"]
            bit += f", last terminated {lt.get('reason')} exit {lt.get('exit_code')}"
        if c.get("message"):
            bit += f": {c['message']}"
        parts.append(bit)
    if facts["unschedulable"] and scheduled.get("message"):
        parts.append(f"not scheduled: {scheduled.get('message')}")
    if item.get("status_reason"):
        parts.append(f"{item['status_reason']}: {item.get('status_message') or ''}")
    return _cut("; ".join(parts)), facts


def _pods(result: dict[str, Any], about: str | None) -> tuple[str, dict[str, Any]]:
    """A list of pods, narrowed to the workload's (named ``about-…``): the pod most in trouble is the focus,
    whose logs the next round reads."""
    items = [i for i in result.get("items") or [] if isinstance(i, dict)]
    mine = [i for i in items if about and str(i.get("name", "")).startswith(f"{about}-")] if about else items
    if not mine:
        return _cut(f"{len(items)} pods in {result.get('namespace')}, none named after {about}"), {"pods": 0}
    ranked = sorted(mine, key=lambda i: (not i.get("reason"), i.get("phase") == "Running" and
                                         str(i.get("ready", "")).split("/")[0] == str(i.get("ready", "")).split("/")[-1],
                                         -int(i.get("restarts") or 0)))
    focus = ranked[0]
    _text, facts = _pod(focus)
    troubled = [i for i in mine if i.get("reason") or i.get("phase") != "Running"]
    text = (f"{len(mine)} pods of {about}: " + ", ".join(
        f"{i.get('name')} {i.get('phase')} {i.get('ready')} restarts {i.get('restarts')}"
        + (f" {i['reason']}" if i.get("reason") else "") for i in ranked[:4]))
    facts = {**facts, "node": None, "owner": None, "pods": len(mine), "troubled": len(troubled),
             "focus": {"name": focus.get("name"), "containers": focus.get("containers") or []}}
    return _cut(text), facts


def _workload(item: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    conditions = [c for c in item.get("conditions") or [] if isinstance(c, dict)]
    stuck = any(c.get("reason") == "ProgressDeadlineExceeded" for c in conditions)
    failed_job = any(c.get("type") == "Failed" and c.get("status") == "True" for c in conditions)
    facts = {"owner": item.get("owner"), "rollout_stuck": stuck, "job_failed": failed_job or bool(item.get("failed")),
             "desired": item.get("desired"), "ready_replicas": item.get("ready_replicas")}
    if "failed" in item and "succeeded" in item:  # a Job
        text = (f"job {item.get('name')}: active {item.get('active')}, succeeded {item.get('succeeded')}, "
                f"failed {item.get('failed')}")
    else:
        text = f"{item.get('name')}: ready {item.get('ready')}" + "".join(
            f", {key} {item[key]}" for key in ("updated", "available") if item.get(key) is not None)
        if item.get("generation") != item.get("observed_generation") and item.get("observed_generation") is not None:
            text += f", generation {item.get('generation')} not yet observed ({item.get('observed_generation')})"
            facts["generation_mismatch"] = True
    bad = [c for c in conditions if c.get("status") != "True" or c.get("type") in ("Failed", "ReplicaFailure")]
    if bad:
        text += "; " + "; ".join(f"{c.get('type')}={c.get('status')} {c.get('reason') or ''}: {c.get('message') or ''}"
                                 for c in bad)
    return _cut(text), facts


def _hpa(item: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    current, maximum = item.get("current"), item.get("max")
    limited = any(c.get("type") == "ScalingLimited" and c.get("status") == "True"
                  for c in item.get("conditions") or [] if isinstance(c, dict))
    at_max = limited or (isinstance(current, int) and isinstance(maximum, int) and current >= maximum)
    target = item.get("target") or {}
    text = (f"hpa {item.get('name')} → {target.get('kind')}/{target.get('name')}: current {current}, desired "
            f"{item.get('desired')}, min {item.get('min')}, max {maximum}" + (" (at its maximum)" if at_max else ""))
    return _cut(text), {"hpa_at_max": at_max, "target": target}


def _node(item: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    conditions = [c for c in item.get("conditions") or [] if isinstance(c, dict)]
    bad = [c for c in conditions if (c.get("type") == "Ready") != (c.get("status") == "True")]
    text = f"node {item.get('name')}: {'Ready' if item.get('ready') else 'NOT Ready'}"
    if item.get("unschedulable"):
        text += ", cordoned"
    if bad:
        text += "; " + "; ".join(f"{c.get('type')}={c.get('status')} {c.get('reason') or ''}" for c in bad)
    taints = [t.get("key") for t in item.get("taints") or [] if isinstance(t, dict)]
    if taints:
        text += f"; taints {', '.join(str(t) for t in taints)}"
    return _cut(text), {"node_not_ready": not item.get("ready"), "node": item.get("name")}


def _pvc(item: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    text = (f"pvc {item.get('name')}: {item.get('phase')}, capacity {item.get('capacity')}, class "
            f"{item.get('storage_class')}, volume {item.get('volume')}")
    return _cut(text), {"volume": item.get("volume"), "phase": item.get("phase")}


def _pv(item: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    text = f"pv {item.get('name')}: {item.get('phase')}, claim {item.get('claim')}"
    if item.get("reason") or item.get("message"):
        text += f"; {item.get('reason') or ''} {item.get('message') or ''}"
    return _cut(text), {"phase": item.get("phase")}


def _quota(item: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    hard, used = item.get("hard") or {}, item.get("used") or {}
    parts = [f"{k} {used.get(k, '?')}/{v}" for k, v in sorted(hard.items())]
    full = [k for k, v in hard.items() if used.get(k) == v]
    return _cut(f"quota {item.get('name')}: " + ", ".join(parts)), {"quota_full": full}


def _service(item: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return _cut(f"service {item.get('name')}: {item.get('type')} {item.get('cluster_ip')} ports "
                f"{', '.join(item.get('ports') or [])}"), {}


def _listing(result: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    resource, items = result.get("resource"), [i for i in result.get("items") or [] if isinstance(i, dict)]
    if resource == "events":
        warnings = [e for e in items if e.get("type") == "Warning"]
        shown = (warnings or items)[-3:]
        if not items:
            return "no events", {"event_reasons": []}
        text = "; ".join(f"{e.get('reason')} ×{e.get('count')}: {e.get('message')}" for e in shown)
        return _cut(f"{len(items)} events ({len(warnings)} warnings): {text}"), {
            "event_reasons": sorted({str(e.get("reason")) for e in items}),
            "failed_scheduling": any(e.get("reason") == "FailedScheduling" for e in items)}
    if resource == "nodes":
        down = [n.get("name") for n in items if not n.get("ready")]
        text = f"{len(items)} nodes, {len(down)} not ready" + (f": {', '.join(map(str, down[:10]))}" if down else "")
        return _cut(text), {"nodes_not_ready": down}
    if resource == "resourcequotas" and items:
        return _quota(items[0])
    return _cut(f"{result.get('count', len(items))} {resource}"), {}


def _logs(kind: str, result: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    text = str(result.get("text") or "")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    telling = [line for line in lines if any(w in line.lower() for w in ERROR_WORDS)]
    shown = (telling or lines)[-2:]
    which = "previous container" if kind == "logs_previous" else "logs"
    where = f"{result.get('container')}" if result.get("container") else "the pod"
    if not lines:
        return f"{which} of {where}: empty", {"log_lines": 0}
    return _cut(f"{which} of {where} ({len(lines)} lines): " + " | ".join(shown)), {
        "log_lines": len(lines), "log_errors": len(telling)}


_ONE = {"pods": _pod, "deployments": _workload, "statefulsets": _workload, "daemonsets": _workload,
        "replicasets": _workload, "jobs": _workload, "horizontalpodautoscalers": _hpa, "nodes": _node,
        "persistentvolumeclaims": _pvc, "persistentvolumes": _pv, "resourcequotas": _quota, "services": _service}
