"""What a provider is: the three questions the graph asks, and the answers it accepts.

Every provider (the embedded ``rules`` and the LLM vendors) implements
:class:`Provider`. A failed attempt raises a :class:`openclaw.errors.ProviderError`
subclass whose ``outcome`` is what ``attempts[]`` records; nothing else escapes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from openclaw.models.incident import Incident


@dataclass(frozen=True)
class IntentAnswer:
    task_type: str
    confidence: float


@dataclass(frozen=True)
class ComplexityAnswer:
    level: str
    score: float


@dataclass(frozen=True)
class ProposedToolCall:
    name: str
    args: dict[str, Any]
    id: str = ""


@dataclass(frozen=True)
class DecisionAnswer:
    tool_calls: tuple[ProposedToolCall, ...] = ()
    reply: str = ""


@dataclass(frozen=True)
class Exchange:
    """One request to a provider and what came back: kept for the run record and replay."""

    provider: str
    model: str
    request: dict[str, Any] = field(default_factory=dict)
    response: Any = None
    usage: dict[str, int] = field(default_factory=dict)


@runtime_checkable
class Provider(Protocol):
    """One vendor (or the embedded rules). ``model`` comes from the route."""

    name: str

    async def classify_intent(self, incident: Incident, *, model: str, timeout_s: float) -> IntentAnswer: ...

    async def analyze_complexity(
        self, incident: Incident, task_type: str, *, model: str, timeout_s: float
    ) -> ComplexityAnswer: ...

    async def decide(
        self, incident: Incident, task_type: str, level: str, *, model: str, timeout_s: float
    ) -> DecisionAnswer: ...
