"""Which read-only evidence an alert needs, as tool calls, one round at a time.

An evidence *kind* (``pod_status``, ``events``, ``logs``, ``logs_previous``, ``owner``,
``workload``, ``hpa``, ``pvc``, ``pv``, ``node``, ``nodes``, ``resourcequota``, ``service``)
becomes a read tool call about the alert's subject. Some reads depend on others: the
right container, whether a previous container exists, the pod's owner and its node come
from the pod's status, so with a cluster they wait for the round after ``pod_status``. In
plan mode (no cluster) nothing comes back, so every read is planned at once from the
labels, and what comes from the pod's name (its owner) is marked as a guess.

The evidence gathered so far is a list of records (see :func:`record`), kept in the run
state and in the run result.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from openclaw.alerts.subject import Subject

LOG_TAIL = 200
MAX_ROUNDS = 3
"""Evidence rounds before the final decision (a round: decide asks, trust judges, execute reads)."""
MAX_READS = 12
"""Reads one incident may make in all its rounds."""
MAX_READS_PER_ROUND = 6

PLURAL = {"pod": "pods", "deployment": "deployments", "statefulset": "statefulsets", "daemonset": "daemonsets",
          "replicaset": "replicasets", "job": "jobs", "horizontalpodautoscaler": "horizontalpodautoscalers",
          "persistentvolumeclaim": "persistentvolumeclaims", "persistentvolume": "persistentvolumes",
          "node": "nodes", "resourcequota": "resourcequotas", "service": "services"}
WORKLOADS = ("deployment", "statefulset", "daemonset", "replicaset", "job")

GENERIC_EVIDENCE: dict[str, tuple[str, ...]] = {
    "pod": ("pod_status", "events", "logs_previous", "logs", "owner"),
    "deployment": ("workload", "events"),
    "statefulset": ("workload", "events"),
    "daemonset": ("workload", "events"),
    "replicaset": ("workload", "events"),
    "job": ("workload", "events"),
    "horizontalpodautoscaler": ("hpa", "events"),
    "persistentvolumeclaim": ("pvc", "events"),
    "persistentvolume": ("pv",),
    "node": ("node", "events"),
    "resourcequota": ("resourcequota",),
    "service": ("service", "events"),
    "namespace": ("events",),
    "cluster": ("nodes",),
    "none": (),
}
"""What an unknown alert's subject gets read for."""


@dataclass(frozen=True)
class Read:
    """One read to make: the evidence kind it serves and the tool call."""

    kind: str
    tool: str
    args: dict[str, Any]
    guess: bool = False
    why: str = ""
    about: str | None = None
    """The name of the subject the read is about (a group has several subjects)."""

    @property
    def key(self) -> str:
        return read_key(self.tool, self.args)


@dataclass
class Plan:
    """The reads of one round. A kind that needs an earlier read's result waits for the next round; one
    that does not apply (the reason is the string its reader returns) is left out."""

    reads: list[Read] = field(default_factory=list)


def read_key(tool: str, args: dict[str, Any]) -> str:
    return f"{tool}:{json.dumps(args, sort_keys=True)}"


def plan_reads(subject: Subject, kinds: tuple[str, ...] | list[str], gathered: list[dict[str, Any]], *,
               cluster: bool, planned: list[Read] = ()) -> Plan:  # type: ignore[assignment]
    """The next round's reads for ``kinds`` about ``subject``, given the evidence ``gathered`` so far
    (and the reads already ``planned`` for this round about other subjects)."""
    plan = Plan()
    done = {e.get("key") for e in gathered} | {r.key for r in planned}
    budget = min(MAX_READS_PER_ROUND, MAX_READS - len(gathered)) - len(planned)
    gathered = [e for e in gathered if e.get("about") in (None, subject.name)]
    pod = _latest(gathered, "pod_status")
    for kind in kinds:
        produced = _reads_for(kind, subject, gathered, pod, cluster)
        if isinstance(produced, str):  # WAIT, or why the kind does not apply
            continue
        for read in produced:
            read = replace(read, about=read.about or subject.name)
            if read.key in done or any(r.key == read.key for r in plan.reads):
                continue
            if len(plan.reads) >= budget:  # over the read budget of this incident
                break
            plan.reads.append(read)
    return plan


WAIT = "wait"


def _reads_for(kind: str, s: Subject, gathered: list[dict[str, Any]], pod: dict[str, Any] | None,
               cluster: bool) -> list[Read] | str:
    ns = s.namespace
    if kind == "pod_status":
        if s.kind == "horizontalpodautoscaler" and s.name and ns:
            target = _hpa_target(s, gathered, cluster)
            if isinstance(target, str):
                return target
            name = target[0].args["name"]
            return [Read(kind, "kubectl_get", {"resource": "pods", "namespace": ns}, guess=target[0].guess,
                         why=f"the pods of {name}, which the HPA scales", about=name)]
        if s.kind in (*WORKLOADS, "service") and s.name:
            # The workload's pods: the namespace's pods, of which the finding keeps those named after it.
            return [Read(kind, "kubectl_get", {"resource": "pods", "namespace": ns}, why=f"the pods of {s.kind} {s.name}")] \
                if ns else _no_ns()
        if s.kind != "pod" or not s.name:
            return "the alert is not about a pod"
        return [Read(kind, "kubectl_get", {"resource": "pods", "namespace": ns, "name": s.name})] if ns else _no_ns()
    if kind == "events":
        if s.kind in ("cluster", "none"):
            return "nothing specific to list events for"
        if s.kind == "namespace":
            return [Read(kind, "kubectl_get", {"resource": "events", "namespace": s.namespace})] if s.namespace \
                else _no_ns()
        if not s.name:
            return "the subject has no name"
        # Events about cluster-scoped objects (nodes, volumes) are recorded in the default namespace.
        where = "default" if s.cluster_scoped else ns
        return [Read(kind, "kubectl_get", {"resource": "events", "namespace": where, "name": s.name})] if where \
            else _no_ns()
    if kind in ("logs", "logs_previous"):
        return _logs(kind, s, pod, cluster)
    if kind == "owner":
        return _owner(s, gathered, pod, cluster)
    if kind == "workload":
        if s.kind == "horizontalpodautoscaler" and s.name and ns:
            return _hpa_target(s, gathered, cluster)
        if s.kind not in WORKLOADS or not s.name:
            return "the subject is not a workload"
        return [Read(kind, "kubectl_get", {"resource": PLURAL[s.kind], "namespace": ns, "name": s.name})] if ns \
            else _no_ns()
    if kind == "hpa":
        return _named(kind, s, "horizontalpodautoscaler")
    if kind == "pvc":
        return _named(kind, s, "persistentvolumeclaim")
    if kind == "resourcequota":
        if s.kind == "resourcequota" and s.name and ns:
            return [Read(kind, "kubectl_get", {"resource": "resourcequotas", "namespace": ns, "name": s.name})]
        return [Read(kind, "kubectl_get", {"resource": "resourcequotas", "namespace": ns})] if ns else _no_ns()
    if kind == "service":
        return _named(kind, s, "service")
    if kind == "pv":
        if s.kind == "persistentvolume" and s.name:
            return [Read(kind, "kubectl_get", {"resource": "persistentvolumes", "name": s.name})]
        pvc = _latest(gathered, "pvc")
        volume = ((pvc or {}).get("facts") or {}).get("volume")
        if volume:
            return [Read(kind, "kubectl_get", {"resource": "persistentvolumes", "name": volume})]
        if s.kind == "persistentvolumeclaim" and cluster and pvc is None:
            return WAIT
        return "no volume is known"
    if kind == "node":
        if s.kind == "node" and s.name:
            return [Read(kind, "kubectl_get", {"resource": "nodes", "name": s.name})]
        node = ((pod or {}).get("facts") or {}).get("node")
        if node:
            return [Read(kind, "kubectl_get", {"resource": "nodes", "name": node})]
        if s.kind == "pod" and cluster and pod is None:
            return WAIT
        return "no node is known"
    if kind == "nodes":
        return [Read(kind, "kubectl_get", {"resource": "nodes"})]
    return f"unknown evidence kind {kind!r}"


def _hpa_target(s: Subject, gathered: list[dict[str, Any]], cluster: bool) -> list[Read] | str:
    """The workload an HPA scales: from the HPA's ``scaleTargetRef`` once read (plan mode: guessed as the
    Deployment of the HPA's name, the usual convention)."""
    hpa = _latest(gathered, "hpa")
    target = ((hpa or {}).get("facts") or {}).get("target") or {}
    kind = {"Deployment": "deployment", "StatefulSet": "statefulset"}.get(target.get("kind"))
    if kind and target.get("name"):
        return [Read("workload", "kubectl_get", {"resource": PLURAL[kind], "namespace": s.namespace,
                                                 "name": target["name"]}, why="the HPA's scale target")]
    if cluster:
        return WAIT if hpa is None else "the HPA names no Deployment or StatefulSet"
    return [Read("workload", "kubectl_get", {"resource": "deployments", "namespace": s.namespace, "name": s.name},
                 guess=True, why="the HPA's target, guessed as the Deployment of the same name")]


def _no_ns() -> str:
    return "the alert names no namespace"


def _named(kind: str, s: Subject, subject_kind: str) -> list[Read] | str:
    if s.kind != subject_kind or not s.name:
        return f"the alert is not about a {subject_kind}"
    if not s.namespace:
        return _no_ns()
    return [Read(kind, "kubectl_get", {"resource": PLURAL[subject_kind], "namespace": s.namespace, "name": s.name})]


def _logs(kind: str, s: Subject, pod: dict[str, Any] | None, cluster: bool) -> list[Read] | str:
    if s.kind in WORKLOADS and s.name and s.namespace:
        focus = ((pod or {}).get("facts") or {}).get("focus")
        if not cluster or not isinstance(focus, dict):
            return WAIT if cluster and pod is None else "none of the workload's pods is known to be in trouble"
        s = Subject("pod", focus.get("name"), s.namespace)
        pod = {"status": "executed", "facts": {"containers": focus.get("containers") or []}}
    if s.kind != "pod" or not s.name or not s.namespace:
        return "the alert is not about a pod"
    args: dict[str, Any] = {"pod": s.name, "namespace": s.namespace, "tail": LOG_TAIL}
    previous = kind == "logs_previous"
    if not cluster:
        if s.container:
            args["container"] = s.container
        if previous:
            args["previous"] = True
        return [Read(kind, "get_logs", args, guess=not s.container,
                     why="container from the alert's labels" if s.container else "container unknown before the pod is read")]
    if pod is None:
        return WAIT
    facts = pod.get("facts") or {}
    if pod.get("status") != "executed" or not facts.get("containers"):
        return "the pod could not be read"
    containers = facts["containers"]
    chosen = _pick_container(containers, s.container, previous=previous)
    if chosen is None:
        return "no container has a previous instance" if previous else "no container to read"
    args["container"] = chosen
    if previous:
        args["previous"] = True
    return [Read(kind, "get_logs", args, why=f"container {chosen}")]


def _pick_container(containers: list[dict[str, Any]], named: str | None, *, previous: bool) -> str | None:
    names = [c.get("name") for c in containers if c.get("name")]
    if named and named in names:
        candidates = [c for c in containers if c.get("name") == named]
    else:
        # The container in trouble first: waiting or terminated, then not ready, then any.
        candidates = sorted(containers, key=lambda c: (c.get("state") == "running", bool(c.get("ready"))))
    for c in candidates:
        if not previous or int(c.get("restarts") or 0) > 0 or c.get("last_terminated"):
            return c.get("name")
    return None


def _owner(s: Subject, gathered: list[dict[str, Any]], pod: dict[str, Any] | None, cluster: bool) -> list[Read] | str:
    if s.kind != "pod" or not s.namespace:
        return "the alert is not about a pod"
    owner = s.owner
    if not cluster:
        if owner is None or owner.kind not in PLURAL:
            return "the pod's owner cannot be told from its name"
        return [Read("owner", "kubectl_get", {"resource": PLURAL[owner.kind], "namespace": s.namespace,
                                              "name": owner.name}, guess=True,
                     why=f"owner {owner.kind} {owner.name} guessed from the pod's name")]
    if pod is None:
        return WAIT
    if owner is None or owner.guessed:
        return "the pod has no owner" if pod.get("status") == "executed" else "the pod could not be read"
    if owner.kind == "replicaset":
        return [Read("owner", "kubectl_get", {"resource": "replicasets", "namespace": s.namespace, "name": owner.name},
                     why="the pod's ReplicaSet, to find its Deployment")]
    return [Read("owner", "kubectl_get", {"resource": PLURAL[owner.kind], "namespace": s.namespace,
                                          "name": owner.name}, why=f"the pod's {owner.kind}")]


def _latest(gathered: list[dict[str, Any]], kind: str) -> dict[str, Any] | None:
    found = [e for e in gathered if e.get("kind") == kind]
    return found[-1] if found else None


def kind_of(tool: str, args: dict[str, Any], subject: Subject | None) -> str:
    """The evidence kind a read serves, for reads an LLM asked for."""
    if tool == "get_logs":
        return "logs_previous" if args.get("previous") else "logs"
    resource = args.get("resource")
    name = args.get("name")
    if resource == "events":
        return "events"
    if resource == "pods":
        return "pod_status"
    if resource == "nodes":
        return "node" if name else "nodes"
    by_resource = {"horizontalpodautoscalers": "hpa", "persistentvolumeclaims": "pvc", "persistentvolumes": "pv",
                   "resourcequotas": "resourcequota", "services": "service"}
    if resource in by_resource:
        return by_resource[resource]
    if subject is not None and subject.kind in WORKLOADS and name == subject.name:
        return "workload"
    return "owner" if resource in ("deployments", "statefulsets", "daemonsets", "replicasets", "jobs") else "read"
