"""The incident: OpenClaw's input, in the three forms a file or HTTP body may take.

1. one incident object (``description`` required, unknown fields refused);
2. a JSON list of incident objects;
3. an Alertmanager webhook payload, version 4: the firing alerts of one group that concern one
   subject form one incident (``alerts`` holds them all); resolved alerts are returned apart.

Alert incidents keep the ``alertname``, every label and annotation, the severity and the
group key: they are structured input, never chat (see :mod:`openclaw.models.alert_labels`).

See ``docs/contracts.md``, "Incident (input)".
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from openclaw.errors import InputError
from openclaw.models._base import StrictModel
from openclaw.models.alert_labels import exporter_labels
from openclaw.models.alert_labels import group_key as subject_group_key
from openclaw.models.names import K8sLabel
from openclaw.models.tools import describe_validation_error

DEFAULT_NAMESPACE = "awoooi-prod"
MAX_DESCRIPTION_CHARS = 32_000
MAX_LABELS = 64
MAX_ANNOTATION_CHARS = 4096
MAX_GROUP_ALERTS = 100

Severity = Literal["info", "warning", "critical"]
Source = Literal["manual", "alertmanager", "platform", "chat"]
_ShortStr = Field(max_length=1024)


class AlertInfo(StrictModel):
    """One Alertmanager alert inside an incident: its own id, labels and annotations."""

    id: str = Field(max_length=160)
    alertname: str = Field(max_length=200)
    status: Literal["firing", "resolved"] = "firing"
    labels: dict[str, str] = Field(default_factory=dict, max_length=MAX_LABELS)
    annotations: dict[str, str] = Field(default_factory=dict, max_length=MAX_LABELS)
    starts_at: datetime | None = None
    fingerprint: str | None = Field(default=None, max_length=64)


class Incident(StrictModel):
    """One incident, validated. ``effective_namespace`` is where actions go by default."""

    description: str = Field(min_length=1, max_length=MAX_DESCRIPTION_CHARS)
    id: str = Field(default_factory=lambda: f"inc-{uuid.uuid4().hex[:12]}", pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
    title: str | None = Field(default=None, max_length=500)
    severity: Severity | None = None
    namespace: K8sLabel | None = None
    source: Source = "manual"
    requested_by: str | None = Field(default=None, min_length=1, max_length=200)
    labels: dict[str, str] = Field(default_factory=dict, max_length=MAX_LABELS)
    annotations: dict[str, str] = Field(default_factory=dict, max_length=MAX_LABELS)
    created_at: datetime | None = None
    alertname: str | None = Field(default=None, max_length=200)
    """The Prometheus alert's name (``labels.alertname``) when the incident is an alert."""
    group_key: str | None = Field(default=None, max_length=2048)
    """Alertmanager's ``groupKey`` of the webhook the alert came in."""
    alerts: list[AlertInfo] = Field(default_factory=list, max_length=MAX_GROUP_ALERTS)
    """Every alert of the group that concerns this incident's subject (the first is the primary one)."""

    @field_validator("description")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value

    @field_validator("labels", "annotations")
    @classmethod
    def _bounded_values(cls, value: dict[str, str]) -> dict[str, str]:
        for key, item in value.items():
            if len(key) > 256 or len(item) > 4096:
                raise ValueError(f"entry {key[:40]!r} is too long (keys up to 256, values up to 4096 characters)")
        return value

    @property
    def effective_namespace(self) -> str:
        return self.namespace or DEFAULT_NAMESPACE

    @property
    def is_alert(self) -> bool:
        """An alert is structured input (alertname, labels, annotations), never chat."""
        return self.alertname is not None or self.source == "alertmanager"

    @property
    def prompt_text(self) -> str:
        """What an LLM reads of the incident: for an alert, a compact structured rendering (alertname,
        severity, labels, annotations, the group's other alerts); otherwise :attr:`text`."""
        if not self.is_alert:
            return self.text
        lines = [f"alertname: {self.alertname or self.labels.get('alertname') or 'unknown'}",
                 f"severity: {self.severity or 'unknown'}"]
        labels = {k: v for k, v in self.labels.items() if k not in ("alertname", "severity")}
        if labels:
            lines.append("labels: " + ", ".join(f"{k}={v}" for k, v in sorted(labels.items())))
        for key in ("summary", "description", "message", "runbook_url"):
            if self.annotations.get(key):
                lines.append(f"{key}: {' '.join(self.annotations[key].split())[:1500]}")
        for alert in self.alerts[1:11]:
            extra = {k: v for k, v in alert.labels.items() if self.labels.get(k) != v}
            lines.append(f"also firing: {alert.alertname} " + ", ".join(f"{k}={v}" for k, v in sorted(extra.items())))
        if len(self.alerts) > 11:
            lines.append(f"… and {len(self.alerts) - 11} more alerts in the group")
        if self.group_key:
            lines.append(f"group: {self.group_key[:300]}")
        return "\n".join(lines)

    @property
    def text(self) -> str:
        """What the classifiers read: the title (when it adds something) and the description."""
        if self.title and self.title.strip() and self.title.strip() not in self.description:
            return f"{self.title.strip()}\n{self.description}"
        return self.description


class _AlertmanagerAlert(BaseModel):
    model_config = ConfigDict(extra="ignore")
    status: Literal["firing", "resolved"]
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    startsAt: datetime | None = None
    endsAt: datetime | None = None
    generatorURL: str | None = None
    fingerprint: str | None = None


class _AlertmanagerPayload(BaseModel):
    model_config = ConfigDict(extra="ignore")
    version: Literal["4"]
    status: str | None = None
    receiver: str | None = None
    groupKey: str | None = None
    commonLabels: dict[str, str] = Field(default_factory=dict)
    commonAnnotations: dict[str, str] = Field(default_factory=dict)
    alerts: list[_AlertmanagerAlert]


_AM_SEVERITY = {"critical": "critical", "page": "critical", "error": "critical", "high": "critical",
                "warning": "warning", "warn": "warning", "medium": "warning",
                "info": "info", "none": "info", "low": "info"}


@dataclass(frozen=True)
class Rejected:
    """An input item that could not be turned into an incident: kept so it can be recorded."""

    raw: Any
    error: str
    incident_id: str | None = None


@dataclass
class LoadedIncidents:
    incidents: list[Incident] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    resolved: list[dict[str, Any]] = field(default_factory=list)
    """Resolved Alertmanager alerts: recorded, never acted on."""


def is_alertmanager_payload(data: Any) -> bool:
    return isinstance(data, dict) and "alerts" in data and "version" in data


def parse_incident(data: Any) -> Incident:
    """Validate one incident object; raise InputError with a one-line reason."""
    if not isinstance(data, dict):
        raise InputError(f"an incident must be a JSON object, got {type(data).__name__}")
    try:
        return Incident.model_validate(data)
    except ValidationError as exc:
        raise InputError(f"invalid incident: {describe_validation_error(exc)}") from None


def incidents_from_alertmanager(data: dict[str, Any]) -> LoadedIncidents:
    """The firing alerts of the webhook, grouped per subject into incidents; resolved alerts apart."""
    try:
        payload = _AlertmanagerPayload.model_validate(data)
    except ValidationError as exc:
        raise InputError(f"invalid Alertmanager webhook: {describe_validation_error(exc)}") from None
    out = LoadedIncidents()
    groups: dict[str, list[dict[str, Any]]] = {}
    for alert in payload.alerts:
        labels = {**payload.commonLabels, **alert.labels}
        annotations = {**payload.commonAnnotations, **alert.annotations}
        fingerprint = alert.fingerprint or hashlib.sha256(json.dumps(labels, sort_keys=True).encode()).hexdigest()[:16]
        # Alertmanager's fingerprint depends on the labels only: the start time tells one firing from the
        # next, so a re-delivered webhook dedupes while an alert that fires again is a new incident.
        started = f"-{int(alert.startsAt.timestamp())}" if alert.startsAt else ""
        incident_id = f"am-{fingerprint}{started}"
        if alert.status == "resolved":
            out.resolved.append({"id": incident_id, "labels": labels, "annotations": annotations})
            continue
        item = {"id": incident_id, "alertname": labels.get("alertname") or "UnnamedAlert", "status": "firing",
                "labels": labels, "annotations": _bounded_annotations(annotations),
                "starts_at": alert.startsAt.isoformat() if alert.startsAt else None, "fingerprint": fingerprint}
        groups.setdefault(subject_group_key(labels), []).append(item)
    for members in groups.values():
        members.sort(key=lambda a: (a["starts_at"] or "", a["id"]))
        raw = _alert_incident(members, payload.groupKey)
        try:
            out.incidents.append(parse_incident(raw))
        except InputError as exc:
            out.rejected.append(Rejected(raw=raw, error=str(exc), incident_id=raw["id"]))
    return out


def _bounded_annotations(annotations: dict[str, str]) -> dict[str, str]:
    """Annotation values cut to the model's bound, saying so: an oversized alert is still an alert."""
    out = {}
    for key, value in annotations.items():
        if isinstance(value, str) and len(value) > MAX_ANNOTATION_CHARS:
            note = f" [cut by OpenClaw: {len(value) - MAX_ANNOTATION_CHARS + 64} more characters]"
            value = value[: MAX_ANNOTATION_CHARS - len(note)] + note
        out[key] = value
    return out


def _alert_incident(members: list[dict[str, Any]], group_key: str | None) -> dict[str, Any]:
    """The incident for the alerts of one group about one subject; the earliest alert is the primary one."""
    primary = members[0]
    labels, annotations = primary["labels"], primary["annotations"]
    alertname = primary["alertname"]
    others = sorted({m["alertname"] for m in members[1:]} - {alertname})
    title = annotations.get("summary") or alertname
    if len(members) > 1:
        title = f"{title} (+{len(members) - 1} more alert{'s' if len(members) > 2 else ''}" + (
            f": {', '.join(others)})" if others else ")")
    description = annotations.get("description") or annotations.get("message") or annotations.get("summary") or alertname
    severities = [_AM_SEVERITY.get((m["labels"].get("severity") or "").lower()) for m in members]
    severity = next((s for s in ("critical", "warning", "info") if s in severities), None)
    namespace = labels.get("namespace")
    if namespace and "namespace" in exporter_labels(labels):
        namespace = None  # the exporter's namespace, not the subject's: a cluster-wide alert has none
    return {
        "id": primary["id"],
        "title": title[:500],
        "description": description[:MAX_DESCRIPTION_CHARS],
        "severity": severity,
        "namespace": namespace or None,
        "source": "alertmanager",
        "labels": labels,
        "annotations": annotations,
        "created_at": primary["starts_at"],
        "alertname": alertname,
        "group_key": group_key[:2048] if group_key else None,
        "alerts": members[:MAX_GROUP_ALERTS],
    }


def load_incidents(data: Any) -> LoadedIncidents:
    """Turn parsed JSON (object, list or Alertmanager payload) into incidents, keeping the rejects."""
    if is_alertmanager_payload(data):
        return incidents_from_alertmanager(data)
    items = data if isinstance(data, list) else [data]
    if not items:
        raise InputError("the input is an empty list; expected at least one incident")
    out = LoadedIncidents()
    for item in items:
        try:
            out.incidents.append(parse_incident(item))
        except InputError as exc:
            guess = item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else None
            out.rejected.append(Rejected(raw=item, error=str(exc), incident_id=guess))
    return out
