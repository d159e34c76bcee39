"""The rules provider's public value types (frozen dataclasses)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

TaskType = Literal["tool_calling", "k8s_operation", "incident_analysis", "general_chat", "code_generation"]
Level = Literal["simple", "moderate", "complex"]

TASK_TYPES: tuple[TaskType, ...] = (
    "tool_calling", "k8s_operation", "incident_analysis", "general_chat", "code_generation",
)

DEFAULT_NAMESPACE = "awoooi-prod"


@dataclass(frozen=True)
class IntentGuess:
    """What kind of request the text is; ``confidence`` in 0..1 (>= 0.8 clear, <= 0.6 mixed)."""

    task_type: TaskType
    confidence: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ComplexityGuess:
    """How hard the request is; ``score`` in 0..1 grows with ``level``; ``confidence`` in 0..1."""

    level: Level
    score: float
    confidence: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ProposedCall:
    """One tool call proposed by the rules engine; ``args`` are not validated yet."""

    name: str
    args: dict[str, Any]


@dataclass(frozen=True)
class ExtractionContext:
    """What the caller knows about the incident besides its text.

    ``default_namespace`` is the incident's namespace (the caller falls back to awoooi-prod);
    ``labels`` are incident / Alertmanager labels (deployment, pod, container, namespace, ...).
    """

    default_namespace: str = DEFAULT_NAMESPACE
    incident_id: str | None = None
    severity: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
