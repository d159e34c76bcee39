"""Classify what a text asks for: one of the five task types, with a meaningful confidence.

Each task type collects points from :class:`~.signals.Signals`; the winner's confidence
grows with its lead over the runner-up and with the strength of its own evidence::

    confidence = 0.35 + 0.6 * (lead / best) * min(1, best / 3)

so one strong, uncontested signal gives >= 0.8 and two competing ones give <= 0.6 (the
caller asks an LLM below its threshold, 0.75 by default). Text with no signal at all is
``general_chat`` at 0.3.
"""

from __future__ import annotations

from openclaw.providers.rules.signals import Signals, measure
from openclaw.providers.rules.types import TASK_TYPES, IntentGuess, TaskType


def classify_intent(text: str) -> IntentGuess:
    """The task type of ``text``; never raises, whatever the string."""
    if not isinstance(text, str) or not text.strip():
        return IntentGuess("general_chat", 0.3, ("empty text",))
    sig = measure(text)
    points, reasons = _points(sig)
    ranked = sorted(TASK_TYPES, key=lambda t: (-points[t], TASK_TYPES.index(t)))
    best, second = points[ranked[0]], points[ranked[1]]
    if best <= 0:
        return IntentGuess("general_chat", 0.3, ("no operational, analytic or code signal",))
    confidence = 0.35 + 0.6 * ((best - second) / best) * min(1.0, best / 3.0)
    confidence = round(max(0.05, min(0.97, confidence)), 3)
    if best - second < 0.5:
        reasons.append(f"{ranked[0]} and {ranked[1]} are about equally likely")
    return IntentGuess(ranked[0], confidence, tuple(reasons))


def _points(sig: Signals) -> tuple[dict[TaskType, float], list[str]]:
    p: dict[TaskType, float] = dict.fromkeys(TASK_TYPES, 0.0)
    why: list[str] = []
    symptoms = len(sig.symptoms)
    if sig.targeted:
        p["tool_calling"] += 3 + min(1.5, 0.5 * (sig.targeted - 1))
        why.append(f"{sig.targeted} direct request(s) with a target")
    if sig.untargeted:
        p["tool_calling"] += 1
        p["k8s_operation"] += 1
        why.append(f"{sig.untargeted} request(s) without a clear target")
    if symptoms:
        why.append("symptoms: " + ", ".join(sorted(sig.symptoms)))
        if sig.targeted:
            p["incident_analysis"] += 0.25 * symptoms
        elif sig.fix:
            p["k8s_operation"] += 3 + 0.25 * symptoms
        else:
            p["incident_analysis"] += 1 + symptoms
            p["k8s_operation"] += 1
    if sig.fix:
        why.append("asks to fix or handle something")
        if not symptoms and not sig.targeted:
            p["k8s_operation"] += 2
        elif sig.targeted:
            p["k8s_operation"] += 0.5
    if sig.analysis:
        p["incident_analysis"] += 3 + (1 if sig.analysis > 1 else 0)
        why.append("asks for analysis or a root cause")
    if sig.alert_format:
        p["incident_analysis"] += 2
        why.append("reads like alert text")
    if sig.code:
        p["code_generation"] += 4
        why.append("asks to write a script, manifest, playbook or runbook")
    if sig.greeting:
        p["general_chat"] += 3 if sig.words <= 6 else 1
        why.append("greeting or thanks")
    if sig.question or sig.question_mark:
        points = (2.0 if sig.question else 1.0) + (1 if not sig.requests and not symptoms else 0)
        p["general_chat"] += min(points, 1.0 if sig.question else 0.5) if sig.targeted else points
        why.append("a question")
    return p, why
