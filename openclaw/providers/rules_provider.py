"""The embedded ``rules`` provider as a :class:`~openclaw.providers.base.Provider`.

It closes every chain: deterministic, local, never fails. The classification
logic lives in :mod:`openclaw.providers.rules`; this module adapts it.
"""

from __future__ import annotations

from openclaw.models.incident import Incident
from openclaw.providers import rules
from openclaw.providers.base import ComplexityAnswer, DecisionAnswer, IntentAnswer, ProposedToolCall

NO_ACTION_TASKS = frozenset({"general_chat", "code_generation"})


def extraction_context(incident: Incident) -> rules.ExtractionContext:
    return rules.ExtractionContext(
        default_namespace=incident.effective_namespace,
        incident_id=incident.id,
        severity=incident.severity,
        labels=dict(incident.labels),
    )


class RulesProvider:
    """Deterministic intent, complexity and tool-call extraction from the incident text."""

    name = "rules"
    model = "embedded"

    def intent(self, incident: Incident) -> rules.IntentGuess:
        return rules.classify_intent(incident.text)

    def complexity(self, incident: Incident, task_type: str) -> rules.ComplexityGuess:
        return rules.analyze_complexity(incident.text, task_type)  # type: ignore[arg-type]

    def decision(self, incident: Incident, task_type: str) -> DecisionAnswer:
        calls = [] if task_type in NO_ACTION_TASKS else rules.extract_tool_calls(incident.text, extraction_context(incident))
        reply = rules.compose_reply(incident.text, task_type, calls)  # type: ignore[arg-type]
        return DecisionAnswer(
            tool_calls=tuple(ProposedToolCall(name=c.name, args=dict(c.args), id=f"rules-{i}") for i, c in enumerate(calls)),
            reply=reply,
        )

    async def classify_intent(self, incident: Incident, *, model: str, timeout_s: float) -> IntentAnswer:
        guess = self.intent(incident)
        return IntentAnswer(task_type=guess.task_type, confidence=guess.confidence)

    async def analyze_complexity(
        self, incident: Incident, task_type: str, *, model: str, timeout_s: float
    ) -> ComplexityAnswer:
        guess = self.complexity(incident, task_type)
        return ComplexityAnswer(level=guess.level, score=guess.score)

    async def decide(
        self, incident: Incident, task_type: str, level: str, *, model: str, timeout_s: float
    ) -> DecisionAnswer:
        return self.decision(incident, task_type)
