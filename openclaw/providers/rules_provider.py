"""The embedded ``rules`` provider as a :class:`~openclaw.providers.base.Provider`.

It closes every chain: deterministic, local, never fails. The classification
logic lives in :mod:`openclaw.providers.rules`; this module adapts it.
"""

from __future__ import annotations

from openclaw.alerts.planner import rules_answer
from openclaw.models.incident import Incident
from openclaw.providers import rules
from openclaw.providers.base import ComplexityAnswer, DecideContext, DecisionAnswer, IntentAnswer, ProposedToolCall

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
        if incident.is_alert:
            return rules.IntentGuess("incident_analysis", 0.95, ("an alert: structured input, analysed from its evidence",))
        return rules.classify_intent(incident.text)

    def complexity(self, incident: Incident, task_type: str) -> rules.ComplexityGuess:
        if incident.is_alert:
            return alert_complexity(incident)
        return rules.analyze_complexity(incident.text, task_type)  # type: ignore[arg-type]

    def alert_decision(self, context: DecideContext) -> DecisionAnswer:
        """The catalog-driven answer for an alert (:func:`openclaw.alerts.planner.rules_answer`)."""
        calls, reply = rules_answer(context.alert)
        return DecisionAnswer(
            tool_calls=tuple(ProposedToolCall(name=c["name"], args=dict(c["args"]), id=c["id"]) for c in calls),
            reply=reply,
        )

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
        self, incident: Incident, task_type: str, level: str, *, model: str, timeout_s: float,
        context: DecideContext | None = None,
    ) -> DecisionAnswer:
        if context is not None and context.alert is not None:
            return self.alert_decision(context)
        return self.decision(incident, task_type)


def alert_complexity(incident: Incident) -> rules.ComplexityGuess:
    """An alert's complexity from its severity and the size of its group (info: simple; critical or a group of
    three or more: complex)."""
    if incident.severity == "critical" or len(incident.alerts) >= 3:
        return rules.ComplexityGuess("complex", 0.8, 0.9, ("critical, or several alerts in one group",))
    if incident.severity == "info":
        return rules.ComplexityGuess("simple", 0.2, 0.9, ("an info alert",))
    return rules.ComplexityGuess("moderate", 0.5, 0.9, ("a warning alert",))
