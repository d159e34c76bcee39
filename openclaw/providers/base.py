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
class EvidenceTurn:
    """One earlier round of reads: the calls the model (or the catalog) made and what each returned."""

    calls: tuple[ProposedToolCall, ...]
    results: tuple[str, ...]
    """JSON text per call, bounded: what goes back to the model as the tool's answer."""


@dataclass(frozen=True)
class DecideContext:
    """What ``decide`` knows besides the incident: for an alert, OpenClaw's structured reading of it and
    the evidence rounds so far (the tool-calling loop)."""

    alert_text: str = ""
    """The alert rendered for the model (``openclaw.alerts.render``); empty for other incidents."""
    turns: tuple[EvidenceTurn, ...] = ()
    final: bool = False
    """True when no more reads will be made: the model must decide now."""
    alert: Any = None
    """The ``openclaw.alerts.planner.AlertContext`` (the rules provider decides from it)."""


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
        self, incident: Incident, task_type: str, level: str, *, model: str, timeout_s: float,
        context: DecideContext | None = None,
    ) -> DecisionAnswer: ...
