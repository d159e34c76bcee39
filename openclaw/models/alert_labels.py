"""What an alert's labels say about the object it concerns, without a catalog or a cluster.

Prometheus alerts carry two kinds of labels side by side:

- **subject labels**, kept by the rule's expression: ``pod``, ``container``, ``deployment``,
  ``statefulset``, ``daemonset``, ``job_name``, ``horizontalpodautoscaler``,
  ``persistentvolumeclaim``, ``node``, ``resourcequota``, ``namespace``;
- **scrape labels** of the exporter that produced the metric: ``job``, ``instance``,
  ``service``, ``endpoint``, and, for a kube-state-metrics metric that has no pod of its own
  (node conditions, jobs, quotas, daemonsets), the exporter's own ``pod``, ``container`` and
  ``namespace``. Acting on those would act on kube-state-metrics or node-exporter.

:func:`exporter_labels` tells the second kind apart; :func:`kind_labels` lists the first in
the order a generic reading prefers them; :func:`owner_guess` reads a pod's owner from
the naming conventions of its controllers (a guess, used in plan mode and for grouping,
never instead of the cluster's ``ownerReferences`` when a cluster can be read).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from openclaw.models.names import label_problem, subdomain_problem

SCRAPE_LABELS = ("job", "instance", "service", "endpoint", "prometheus", "metrics_path")
"""Labels that name the scrape target or the Prometheus that evaluated the rule, never an object to act on."""

KIND_LABELS: tuple[tuple[str, str], ...] = (
    ("pod", "pod"),
    ("deployment", "deployment"),
    ("statefulset", "statefulset"),
    ("daemonset", "daemonset"),
    ("job", "job_name"),
    ("horizontalpodautoscaler", "horizontalpodautoscaler"),
    ("persistentvolumeclaim", "persistentvolumeclaim"),
    ("persistentvolume", "persistentvolume"),
    ("node", "node"),
    ("resourcequota", "resourcequota"),
)
"""(kind, label) in the order a generic reading looks for the alert's subject; ``namespace`` comes last."""

CLUSTER_SCOPED_KINDS = frozenset({"node", "persistentvolume", "cluster", "none"})

EXPORTERS = ("kube-state-metrics", "node-exporter", "prometheus-node-exporter", "kube-prometheus-stack",
             "prometheus-operator", "blackbox-exporter")
"""Name stems of the exporters kube-prometheus deploys; a ``pod`` label starting with one names the exporter."""

# A ReplicaSet's pod: <deployment>-<pod-template-hash>-<5 random>. Kubernetes draws both from an alphabet
# without vowels, but names written by hand (tests, other tools) often do not: a hash of 8 to 10 characters
# holding a digit is accepted, which a word such as "server" never is.
_RS_POD = re.compile(r"^(?P<owner>[a-z0-9]([-a-z0-9]*[a-z0-9])?)-(?P<hash>(?=[a-z]*[0-9])[a-z0-9]{8,10})-[a-z0-9]{5}$")
_STS_POD = re.compile(r"^(?P<owner>[a-z0-9]([-a-z0-9]*[a-z0-9])?)-(?P<ordinal>\d{1,5})$")
_GEN_POD = re.compile(r"^(?P<owner>[a-z0-9]([-a-z0-9]*[a-z0-9])?)-[a-z0-9]{5}$")


@dataclass(frozen=True)
class OwnerGuess:
    """A pod's owner read from its name. ``kind`` is ``Deployment``, ``StatefulSet`` or ``DaemonSet/Job``
    (the two are named alike); ``replicaset`` is set for a Deployment's pod."""

    kind: str
    name: str
    replicaset: str | None = None


def valid_name(value: str | None) -> bool:
    return isinstance(value, str) and subdomain_problem(value) is None


def valid_namespace(value: str | None) -> bool:
    return isinstance(value, str) and label_problem(value) is None


def exporter_labels(labels: dict[str, str]) -> frozenset[str]:
    """The labels that describe the exporter rather than the alert's subject.

    Always the scrape labels. Also ``pod`` (and ``container``) when they name the exporter:
    the pod's name holds a known exporter's name, or starts with the ``job`` of one, or the ``container``
    label equals the ``job`` of a known exporter (an application that exports its own metrics is its own
    scrape target, so its ``pod`` names it). ``namespace`` is the exporter's too when the pod was and no
    namespaced subject label remains (a node's or a persistent volume's metric).
    """
    out = {k for k in SCRAPE_LABELS if k in labels}
    job = labels.get("job") or ""
    pod = labels.get("pod") or ""
    container = labels.get("container") or ""
    # An application that exports its own metrics is its own scrape target: its pod label names it. Only the
    # pods of the known exporters (kube-state-metrics, node-exporter, …) are never the subject.
    exporter_job = any(stem in job for stem in EXPORTERS)
    pod_is_exporter = bool(pod) and (any(stem in pod for stem in EXPORTERS)
                                     or (exporter_job and (pod.startswith(job) or container == job)))
    if pod_is_exporter:
        out.add("pod")
        if container and (container == job or any(stem in container for stem in EXPORTERS)):
            out.add("container")
    elif container and exporter_job and container == job:
        out.add("container")
    if pod_is_exporter and "namespace" in labels:
        namespaced = [label for kind, label in KIND_LABELS
                      if label in labels and label != "pod" and kind not in CLUSTER_SCOPED_KINDS]
        if not namespaced:
            out.add("namespace")
    return frozenset(out)


def kind_labels(labels: dict[str, str]) -> list[tuple[str, str, str]]:
    """``(kind, label, value)`` for each subject label present and valid, most specific first;
    exporter labels are left out. ``namespace`` is not included (see :func:`subject_namespace`)."""
    ignored = exporter_labels(labels)
    out = []
    for kind, label in KIND_LABELS:
        value = labels.get(label)
        if label in ignored or not value or not valid_name(value):
            continue
        out.append((kind, label, value))
    return out


def subject_namespace(labels: dict[str, str]) -> str | None:
    """The subject's namespace from the labels, unless it is the exporter's or invalid."""
    value = labels.get("namespace")
    if not value or "namespace" in exporter_labels(labels) or not valid_namespace(value):
        return None
    return value


def owner_guess(pod: str) -> OwnerGuess | None:
    """The controller that probably created ``pod``, from the naming conventions; None when unclear.

    ``api-7d4b9c8f6-x2k9p`` → Deployment ``api`` (ReplicaSet ``api-7d4b9c8f6``);
    ``db-0`` → StatefulSet ``db``; ``fluentbit-x2k9p`` → a DaemonSet or Job ``fluentbit``.
    """
    if not valid_name(pod):
        return None
    if m := _RS_POD.match(pod):
        return OwnerGuess("Deployment", m["owner"], replicaset=f"{m['owner']}-{m['hash']}")
    if m := _STS_POD.match(pod):
        return OwnerGuess("StatefulSet", m["owner"])
    if m := _GEN_POD.match(pod):
        return OwnerGuess("DaemonSet/Job", m["owner"])
    return None


def group_key(labels: dict[str, str]) -> str:
    """Which subject an alert is about, coarsely, for grouping the alerts of one webhook.

    Alerts about a deployment and about that deployment's pods share a key (the pod's owner
    is read from its name); alerts without a subject label are grouped by alertname, so two
    unrelated cluster-wide alerts are never merged.
    """
    namespace = subject_namespace(labels) or "-"
    found = kind_labels(labels)
    if not found:
        return f"alert:{labels.get('alertname', '?')}:{namespace}"
    kind, _label, value = found[0]
    if kind == "pod" and (guess := owner_guess(value)) is not None:
        return f"workload:{namespace}/{guess.name}"
    if kind in ("deployment", "statefulset", "daemonset"):
        return f"workload:{namespace}/{value}"
    scope = "-" if kind in CLUSTER_SCOPED_KINDS else namespace
    return f"{kind}:{scope}/{value}"
