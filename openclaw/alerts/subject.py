"""The object an alert is about, read from its labels (never from words in its text).

The catalog entry for the alertname says which labels name the subject; an unknown
alertname (or one whose labels are missing) takes the generic reading of
:mod:`openclaw.models.alert_labels`: kind-specific labels first, exporter labels never.
A pod's owner is guessed from its name here, and replaced by what the cluster's
``ownerReferences`` say once a read has returned them (:func:`with_owner`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from openclaw.models.alert_labels import (
    CLUSTER_SCOPED_KINDS,
    exporter_labels,
    kind_labels,
    owner_guess,
    subject_namespace,
    valid_name,
    valid_namespace,
)
from openclaw.models.incident import Incident

WORKLOAD_KINDS = {"Deployment": "deployment", "StatefulSet": "statefulset", "DaemonSet": "daemonset",
                  "Job": "job", "ReplicaSet": "replicaset"}
"""ownerReferences kinds → subject kinds."""


@dataclass(frozen=True)
class Owner:
    kind: str
    """A subject kind: deployment, statefulset, daemonset, job, replicaset (or ``daemonset/job`` when guessed)."""
    name: str
    guessed: bool
    """True when read from the pod's name (plan mode, or before the pod was read); False from ownerReferences."""
    replicaset: str | None = None


@dataclass(frozen=True)
class Subject:
    kind: str
    """pod, deployment, statefulset, daemonset, replicaset, job, horizontalpodautoscaler, persistentvolumeclaim,
    persistentvolume, node, namespace, resourcequota, service, cluster or none."""
    name: str | None = None
    namespace: str | None = None
    container: str | None = None
    owner: Owner | None = None
    source: str = "labels"
    """``catalog`` (the alert's catalog entry named the labels) or ``labels`` (the generic reading)."""
    ignored: tuple[str, ...] = ()
    """Labels left out because they describe the exporter or the scrape, not the subject."""
    problem: str | None = None
    """Why a label that should name the subject could not be used (missing, invalid)."""

    @property
    def cluster_scoped(self) -> bool:
        return self.kind in CLUSTER_SCOPED_KINDS

    @property
    def ref(self) -> str:
        """``kind namespace/name`` for people."""
        if self.name is None:
            return self.kind if self.namespace is None else f"{self.kind} in namespace {self.namespace}"
        where = f"{self.namespace}/" if self.namespace and not self.cluster_scoped else ""
        return f"{self.kind} {where}{self.name}"

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["ignored"] = list(self.ignored)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Subject:
        owner = data.get("owner")
        return cls(**{**data, "owner": Owner(**owner) if owner else None, "ignored": tuple(data.get("ignored") or ())})


def resolve_subject(incident: Incident, entry: Any | None) -> Subject:
    """The subject of ``incident`` (an alert), from its catalog ``entry`` or, without one, from its labels."""
    return subject_of_labels(dict(incident.labels), entry)


def subject_of_labels(labels: dict[str, str], entry: Any | None) -> Subject:
    """The subject one alert's ``labels`` name, read as its catalog ``entry`` says (or generically)."""
    ignored = tuple(sorted(exporter_labels(labels)))
    if entry is not None:
        found = _from_entry(labels, entry.subject, ignored)
        if found is not None:
            return _with_guess(found)
    return _with_guess(_generic(labels, ignored))


def _from_entry(labels: dict[str, str], spec: Any, ignored: tuple[str, ...]) -> Subject | None:
    kind = spec.kind
    if kind in ("none", "cluster"):
        return Subject(kind, source="catalog", ignored=ignored)
    name = spec.name or (labels.get(spec.name_label) if spec.name_label else None)
    if not name:
        return Subject(kind, source="catalog", ignored=ignored,
                       problem=f"label {spec.name_label!r} is missing") if spec.name_label else None
    if not valid_name(name):
        return Subject("cluster" if kind in CLUSTER_SCOPED_KINDS else "namespace", namespace=None, source="catalog",
                       ignored=ignored, problem=f"label {spec.name_label}={name[:80]!r} is not a Kubernetes name")
    if kind == "namespace":
        return Subject(kind, name, name, source="catalog", ignored=ignored)
    namespace = None
    if kind not in CLUSTER_SCOPED_KINDS:
        namespace = spec.namespace or (labels.get(spec.namespace_label) if spec.namespace_label else None)
        if namespace is not None and not valid_namespace(namespace):
            return Subject(kind, source="catalog", ignored=ignored,
                           problem=f"label {spec.namespace_label}={namespace[:80]!r} is not a namespace name")
    container = labels.get(spec.container_label) if spec.container_label else None
    if container is not None and not valid_namespace(container):
        container = None
    return Subject(kind, name, namespace, container, source="catalog", ignored=ignored)


def _generic(labels: dict[str, str], ignored: tuple[str, ...]) -> Subject:
    found = kind_labels(labels)
    namespace = subject_namespace(labels)
    if not found:
        if namespace is not None:
            return Subject("namespace", namespace, namespace, ignored=ignored)
        return Subject("cluster", ignored=ignored)
    kind, _label, name = found[0]
    container = labels.get("container") if kind == "pod" and "container" not in ignored else None
    if container is not None and not valid_namespace(container):
        container = None
    if kind in CLUSTER_SCOPED_KINDS:
        return Subject(kind, name, None, ignored=ignored)
    if namespace is None:
        return Subject(kind, name, None, container, ignored=ignored,
                       problem="the alert names no namespace for this namespaced object")
    return Subject(kind, name, namespace, container, ignored=ignored)


def _with_guess(subject: Subject) -> Subject:
    if subject.kind != "pod" or subject.name is None:
        return subject
    guess = owner_guess(subject.name)
    if guess is None:
        return subject
    kind = WORKLOAD_KINDS.get(guess.kind, guess.kind.lower())
    return replace(subject, owner=Owner(kind, guess.name, guessed=True, replicaset=guess.replicaset))


def with_owner(subject: Subject, kind: str, name: str) -> Subject:
    """The subject with the owner the cluster reported (``ownerReferences``); a ReplicaSet is kept as the
    intermediate step until its own owner (the Deployment) is read."""
    if not valid_name(name):
        return subject
    mapped = WORKLOAD_KINDS.get(kind)
    if mapped is None:
        return subject
    if mapped == "replicaset":
        return replace(subject, owner=Owner("replicaset", name, guessed=False, replicaset=name))
    previous = subject.owner.replicaset if subject.owner else None
    return replace(subject, owner=Owner(mapped, name, guessed=False, replicaset=previous))


def group_subjects(incident: Incident, catalog: Any | None) -> list[tuple[Subject, Any | None, str]]:
    """``(subject, entry, alertname)`` for every alert of the incident's group, the primary one first.

    The primary subject is the first alert's, unless another alert of the group is about a
    workload (a Deployment whose pods crash loop): then that workload is, and the pods are
    related subjects read alongside it.
    """
    alerts = incident.alerts or []
    if not alerts:
        entry = catalog.get(incident.alertname) if catalog is not None and incident.alertname else None
        return [(resolve_subject(incident, entry), entry, incident.alertname or "")]
    out = []
    seen: set[tuple[str, str | None, str | None]] = set()
    for alert in alerts:
        entry = catalog.get(alert.alertname) if catalog is not None else None
        subject = subject_of_labels(dict(alert.labels), entry)
        key = (subject.kind, subject.namespace, subject.name)
        if key in seen:
            continue
        seen.add(key)
        out.append((subject, entry, alert.alertname))
    workloads = [i for i, (s, _e, _n) in enumerate(out) if s.kind in WORKLOAD_KINDS.values() and s.name]
    if workloads and workloads[0] != 0:
        out.insert(0, out.pop(workloads[0]))
    return out
