"""Rate how hard a request is: simple (one clear action), moderate, complex.

``score`` in 0..1 starts from a prior per task type and adds weights for what makes
incidents hard: several requests or services, several symptoms, analysis, multi-step
wording, critical-severity words, vagueness, length. ``level`` is cut from ``score``
at 0.34 and 0.67, so the score is monotone with the level; ``confidence`` grows with
the distance from the nearest cut (a score next to a cut is a coin toss).
"""

from __future__ import annotations

from openclaw.providers.rules.signals import measure
from openclaw.providers.rules.types import ComplexityGuess, Level, TaskType

MODERATE_AT = 0.34
COMPLEX_AT = 0.67
_PRIOR: dict[str, float] = {
    "tool_calling": 0.1, "k8s_operation": 0.4, "incident_analysis": 0.5, "general_chat": 0.05,
    "code_generation": 0.45,
}


def analyze_complexity(text: str, task_type: TaskType) -> ComplexityGuess:
    """The complexity of ``text`` read as ``task_type``; never raises, whatever the string."""
    if not isinstance(text, str) or not text.strip():
        return ComplexityGuess("simple", 0.0, 0.5, ("empty text",))
    sig = measure(text)
    score = _PRIOR.get(task_type, 0.35)
    why = [f"{task_type} starts at {score:.2f}"]

    def add(weight: float, reason: str) -> None:
        nonlocal score
        score += weight
        why.append(f"+{weight:.2f} {reason}")

    requests = sig.targeted + sig.untargeted
    if requests > 1:
        add(min(0.36, 0.12 * (requests - 1)), f"{requests} requests")
    if sig.workloads > 1:
        add(min(0.24, 0.06 * (sig.workloads - 1)), f"{sig.workloads} workloads named")
    if sig.symptoms:
        add(min(0.3, 0.06 * len(sig.symptoms)), f"{len(sig.symptoms)} kinds of symptom")
    if sig.analysis:
        add(min(0.3, 0.15 + 0.05 * (sig.analysis - 1)), "analysis asked for")
    if sig.multi_step:
        add(0.1, "several steps")
    if sig.critical:
        direct = sig.targeted and not sig.untargeted and not sig.analysis
        add(0.08 if direct else 0.15, "critical-severity wording")
    if sig.vague or sig.untargeted:
        add(0.08, "vague about what to act on")
    if sig.destroy:
        add(0.1, "destructive request")
    if sig.alert_format:
        add(0.1, "alert text")
    if sig.chars > 400:
        add(0.1 if sig.chars <= 1500 else 0.2, f"long text ({sig.chars} characters)")
    score = round(max(0.0, min(1.0, score)), 3)
    level: Level = "simple" if score < MODERATE_AT else "moderate" if score < COMPLEX_AT else "complex"
    distance = min(abs(score - MODERATE_AT), abs(score - COMPLEX_AT))
    confidence = 0.5 + 0.45 * min(1.0, distance / 0.15)
    if sig.vague:  # "something", "maybe", "not sure": the level is a guess
        confidence = min(confidence - 0.1, 0.6)
    return ComplexityGuess(level, score, round(max(0.05, min(0.97, confidence)), 3), tuple(why))
