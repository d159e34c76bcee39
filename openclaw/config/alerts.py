"""configs/alerts.yaml: what OpenClaw knows about each Prometheus alert, by alertname.

For every alert the catalog says what it means, which object it is about and which
labels name that object, which read-only evidence to gather before deciding, which
mutations (if any) can ever help and on what evidence, whether to page a human, and
the runbook. The shipped file covers the rules of kube-prometheus-stack (kubernetes-mixin,
node-exporter, kube-prometheus general rules, kube-state-metrics, CoreDNS); see
docs/alerts.md.

Users extend it without editing the shipped file: every ``alerts.d/*.yaml`` of the config
directory (``alerts:`` only, same entry schema) is merged over it in file-name order, and an
entry replaces the one of the same alertname. A config directory without ``alerts.yaml``
gets the shipped one (its own ``alerts.d/`` still applies).

Every error is one line naming the file and the field.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal, TypeVar, get_args

import yaml
from pydantic import BaseModel, Field, field_validator, model_validator

from openclaw.config.loader import load_yaml
from openclaw.errors import ConfigError
from openclaw.models._base import StrictModel
from openclaw.models.names import K8sLabel, K8sName

M = TypeVar("M", bound=BaseModel)
ALERTS_FILE = "alerts.yaml"
ALERTS_DIR = "alerts.d"

SubjectKind = Literal[
    "pod", "deployment", "statefulset", "daemonset", "replicaset", "job", "horizontalpodautoscaler",
    "persistentvolumeclaim", "persistentvolume", "node", "namespace", "resourcequota", "service",
    "cluster", "none",
]
EvidenceKind = Literal[
    "pod_status", "events", "logs", "logs_previous", "owner", "workload", "hpa", "pvc", "pv",
    "node", "nodes", "resourcequota", "service",
]
PagePolicy = Literal["always", "critical", "production", "never"]
RemediationTool = Literal["restart_deployment", "scale_deployment"]
RemediationWhen = Literal["running_not_ready"]

SUBJECT_KINDS: tuple[str, ...] = get_args(SubjectKind)
EVIDENCE_KINDS: tuple[str, ...] = get_args(EvidenceKind)
CLUSTER_SCOPED: frozenset[str] = frozenset({"node", "persistentvolume", "namespace", "cluster", "none"})
"""Subject kinds that live outside any namespace: their subject has no ``namespace_label`` or ``namespace``.
(A namespace is itself cluster-scoped: its name comes from ``name_label``.)"""

NO_OBJECT: frozenset[str] = frozenset({"cluster", "none"})
"""Subject kinds with no single object to inspect: no ``name_label``, ``name`` or ``container_label``."""

WORKLOAD_KINDS: frozenset[str] = frozenset({"deployment", "statefulset", "daemonset", "replicaset", "job"})

EVIDENCE_SUBJECTS: dict[str, frozenset[str]] = {
    "pod_status": frozenset({"pod", "service", "horizontalpodautoscaler"}) | WORKLOAD_KINDS,
    "events": frozenset(SUBJECT_KINDS) - NO_OBJECT,
    "logs": frozenset({"pod"}) | WORKLOAD_KINDS,
    "logs_previous": frozenset({"pod"}) | WORKLOAD_KINDS,
    "owner": frozenset({"pod"}),
    "workload": WORKLOAD_KINDS | {"horizontalpodautoscaler"},
    "hpa": frozenset({"horizontalpodautoscaler"}),
    "pvc": frozenset({"persistentvolumeclaim"}),
    "pv": frozenset({"persistentvolumeclaim", "persistentvolume"}),
    "node": frozenset({"node", "pod"}),
    "nodes": frozenset(SUBJECT_KINDS),
    "resourcequota": frozenset({"resourcequota"}),
    "service": frozenset({"service"}),
}
"""Which subject kinds each evidence kind can be gathered for (``node`` of a pod is the node it runs on,
``pv`` of a claim is the volume bound to it, ``pod_status`` and the logs of a workload or a service are
those of its pods, the one most in trouble first, ``workload`` of an HPA is its scale target); anything
else is refused when the catalog loads."""

PROTECTED_NAMESPACES: frozenset[str] = frozenset({"kube-system", "kube-public", "kube-node-lease"})
"""A subject fixed in one of these namespaces can carry no remediation: they never mutate (the same list as
``openclaw.trust.engine.ALWAYS_PROTECTED``, which a config module may not import)."""

_PROM_LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def _label_name(value: str | None) -> str | None:
    if value is not None and not _PROM_LABEL.fullmatch(value):
        raise ValueError(f"{value!r} is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)")
    return value


class Subject(StrictModel):
    """The object an alert is about, and the alert labels that name it."""

    kind: SubjectKind
    name_label: str | None = None
    """The label holding the object's name (absent for cluster/none, or when ``name`` is fixed)."""
    namespace_label: str | None = None
    """The label holding the object's namespace; absent for cluster-scoped kinds."""
    container_label: str | None = None
    """The label holding the container's name (pod subjects only)."""
    name: K8sName | None = None
    """A fixed object name, for alerts always about the same object (CoreDNS: deployment coredns)."""
    namespace: K8sLabel | None = None
    """A fixed namespace, for alerts always about the same namespace."""

    @field_validator("name_label", "namespace_label", "container_label")
    @classmethod
    def _labels(cls, value: str | None) -> str | None:
        return _label_name(value)

    @model_validator(mode="after")
    def _consistent(self) -> Subject:
        kind = self.kind
        if kind in CLUSTER_SCOPED and (self.namespace_label or self.namespace):
            field = "namespace_label" if self.namespace_label else "namespace"
            raise ValueError(f"{field} must be absent: a {kind} subject is not namespaced")
        if kind in NO_OBJECT:
            for field in ("name_label", "name", "container_label"):
                if getattr(self, field) is not None:
                    raise ValueError(f"{field} must be absent: a {kind} subject names no object")
            return self
        if (self.name_label is None) == (self.name is None):
            raise ValueError(f"a {kind} subject needs exactly one of name_label (the label naming it) or name (fixed)")
        if kind not in CLUSTER_SCOPED and (self.namespace_label is None) == (self.namespace is None):
            raise ValueError(f"a {kind} subject needs exactly one of namespace_label or namespace (fixed)")
        if self.container_label is not None and kind != "pod":
            raise ValueError(f"container_label is only for pod subjects, not {kind}")
        return self


class Remediation(StrictModel):
    """A mutation that can help with an alert, and the evidence condition under which it may be proposed."""

    tool: RemediationTool
    when: RemediationWhen
    """``running_not_ready``: the pod is Running, a container is not ready with no waiting reason, it was not
    OOMKilled, and a Deployment owns the pod."""
    why: str = Field(min_length=1, max_length=1000)


class AlertEntry(StrictModel):
    """What OpenClaw knows about one alertname."""

    source: str = Field(min_length=1, max_length=200)
    """Which rule set ships the alert (free text)."""
    meaning: str = Field(min_length=1, max_length=2000)
    """What fires the alert and its usual causes."""
    subject: Subject
    evidence: list[EvidenceKind] = Field(default_factory=list)
    """Read-only evidence to gather, in order, before a decision."""
    remediation: list[Remediation] = Field(default_factory=list)
    """Mutations that can help; empty for almost every alert."""
    page: PagePolicy
    """always | critical (page when the alert's severity is critical) | production (critical, or a warning
    about a subject in one of trust.yaml's production namespaces that still exists) | never."""
    runbook_url: str = Field(max_length=500)

    @field_validator("runbook_url")
    @classmethod
    def _https(cls, value: str) -> str:
        if not re.fullmatch(r"https://[^\s/]+(/\S*)?", value):
            raise ValueError(f"{value!r} is not an https:// URL")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> AlertEntry:
        seen: set[str] = set()
        for kind in self.evidence:
            if kind in seen:
                raise ValueError(f"evidence lists {kind!r} twice")
            seen.add(kind)
            if self.subject.kind not in EVIDENCE_SUBJECTS[kind]:
                raise ValueError(f"evidence {kind!r} cannot be gathered for a {self.subject.kind} subject")
        for fix in self.remediation:
            if self.subject.namespace in PROTECTED_NAMESPACES:
                raise ValueError(f"remediation is not allowed: {self.subject.namespace} never mutates")
            if fix.when == "running_not_ready":
                missing = [k for k in ("pod_status", "owner") if k not in seen]
                if self.subject.kind != "pod" or missing:
                    raise ValueError("remediation when running_not_ready needs a pod subject with evidence "
                                     "pod_status and owner")
        return self


def _alertnames(alerts: dict[str, AlertEntry]) -> dict[str, AlertEntry]:
    for name in alerts:
        if not name or any(c.isspace() for c in name):
            raise ValueError(f"{name!r} is not an alertname (not empty, no spaces)")
    return alerts


class AlertCatalog(StrictModel):
    """configs/alerts.yaml, with the user's alerts.d/ merged over it."""

    version: str = Field(min_length=1, max_length=128)
    """Changes whenever the shipped file changes."""
    alerts: dict[str, AlertEntry]

    @field_validator("alerts")
    @classmethod
    def _names(cls, alerts: dict[str, AlertEntry]) -> dict[str, AlertEntry]:
        return _alertnames(alerts)

    def get(self, alertname: str) -> AlertEntry | None:
        """The entry for ``alertname``, or None when the catalog does not know it."""
        return self.alerts.get(alertname)


class AlertCatalogExtension(StrictModel):
    """One ``alerts.d/*.yaml`` file: entries only; each replaces the shipped entry of the same alertname."""

    alerts: dict[str, AlertEntry]

    @field_validator("alerts")
    @classmethod
    def _names(cls, alerts: dict[str, AlertEntry]) -> dict[str, AlertEntry]:
        return _alertnames(alerts)


def extension_files(config_dir: Path) -> list[Path]:
    """The ``alerts.d/*.yaml`` files of ``config_dir``, in the order they are merged (by file name)."""
    directory = Path(config_dir) / ALERTS_DIR
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.glob("*.yaml") if p.is_file())


def catalog_path(config_dir: Path) -> Path:
    """``config_dir/alerts.yaml``, or the shipped one when the config dir has none."""
    path = Path(config_dir) / ALERTS_FILE
    if path.exists():
        return path
    from openclaw.settings import shipped_config_dir

    return shipped_config_dir() / ALERTS_FILE


def _refuse_duplicates(path: Path, root: yaml.Node) -> None:
    """ConfigError when one file defines an alertname twice (YAML would silently keep the last)."""
    if not isinstance(root, yaml.MappingNode):
        return
    for key, value in root.value:
        if key.value != "alerts" or not isinstance(value, yaml.MappingNode):
            continue
        seen: set[str] = set()
        for name, _ in value.value:
            if name.value in seen:
                line = name.start_mark.line + 1
                raise ConfigError(f"{path}: alerts.{name.value}: defined twice (again at line {line})")
            seen.add(name.value)


def _load(path: Path, model: type[M]) -> tuple[M, str]:
    return load_yaml(path, model, check=_refuse_duplicates)


def read_alert_catalog(config_dir: Path) -> tuple[AlertCatalog, dict[str, str]]:
    """The merged catalog and the sha256 of every file it was read from, by name
    (``alerts.yaml``, ``alerts.d/<file>.yaml``). ConfigError naming the file and the field."""
    catalog, digest = _load(catalog_path(config_dir), AlertCatalog)
    hashes = {ALERTS_FILE: digest}
    files = extension_files(config_dir)
    if not files:
        return catalog, hashes
    merged = dict(catalog.alerts)
    for path in files:
        extension, digest = _load(path, AlertCatalogExtension)
        hashes[f"{ALERTS_DIR}/{path.name}"] = digest
        merged.update(extension.alerts)
    return AlertCatalog(version=catalog.version, alerts=merged), hashes


def load_alert_catalog(config_dir: Path) -> AlertCatalog:
    """Read alerts.yaml (the config dir's, else the shipped one) and merge ``alerts.d/*.yaml`` over it.

    Raises ConfigError naming the file and the field on the first problem.
    """
    return read_alert_catalog(config_dir)[0]


__all__ = [
    "CLUSTER_SCOPED", "EVIDENCE_KINDS", "SUBJECT_KINDS", "AlertCatalog", "AlertEntry", "Remediation", "Subject",
    "load_alert_catalog",
]
