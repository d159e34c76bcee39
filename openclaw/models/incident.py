"""The incident: OpenClaw's input, in the three forms a file or HTTP body may take.

1. one incident object (``description`` required, unknown fields refused);
2. a JSON list of incident objects;
3. an Alertmanager webhook payload, version 4: one incident per firing alert.

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
from openclaw.models.names import K8sLabel
from openclaw.models.tools import describe_validation_error

DEFAULT_NAMESPACE = "awoooi-prod"
MAX_DESCRIPTION_CHARS = 32_000
MAX_LABELS = 64

Severity = Literal["info", "warning", "critical"]
Source = Literal["manual", "alertmanager", "platform", "chat"]
_ShortStr = Field(max_length=1024)


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
    """One incident per firing alert; resolved alerts are returned separately."""
    try:
        payload = _AlertmanagerPayload.model_validate(data)
    except ValidationError as exc:
        raise InputError(f"invalid Alertmanager webhook: {describe_validation_error(exc)}") from None
    out = LoadedIncidents()
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
        alertname = labels.get("alertname", "alert")
        description = annotations.get("description") or annotations.get("summary") or alertname
        raw = {
            "id": incident_id,
            "title": annotations.get("summary") or alertname,
            "description": description,
            "severity": _AM_SEVERITY.get(labels.get("severity", "").lower()),
            "namespace": labels.get("namespace"),
            "source": "alertmanager",
            "labels": labels,
            "annotations": annotations,
            "created_at": alert.startsAt.isoformat() if alert.startsAt else None,
        }
        try:
            out.incidents.append(parse_incident(raw))
        except InputError as exc:
            out.rejected.append(Rejected(raw=raw, error=str(exc), incident_id=incident_id))
    return out


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
