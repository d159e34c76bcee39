"""openclaw.providers.rules.analyze_complexity: simple / moderate / complex with a score and confidence.

Covers: one clear action is simple; symptom-driven operations and multi-request texts are
moderate; analysis, many services, multi-step or critical-severity texts are complex; zh-TW and
zh-CN texts; the score is in 0..1 and monotone with the level (cuts at MODERATE_AT/COMPLEX_AT);
more of what makes incidents hard never lowers the score; confidence is higher far from a cut and
for clear text than for vague text; never raises on arbitrary strings.
"""

from __future__ import annotations

import pytest

from openclaw.providers.rules import ComplexityGuess, analyze_complexity, classify_intent
from openclaw.providers.rules.complexity import COMPLEX_AT, MODERATE_AT


def level_of(text: str) -> ComplexityGuess:
    return analyze_complexity(text, classify_intent(text).task_type)


LEVELS: list[tuple[str, str]] = [
    ("Show me all pods in awoooi-prod namespace", "simple"),
    ("please restart the awoooi-api deployment", "simple"),
    ("scale awoooi-web to 3 replicas", "simple"),
    ("Get the last 50 lines of logs from awoooi-api-xxx pod", "simple"),
    ("Send a critical alert: Database connection failed for incident INC-2026-001", "simple"),
    ("請重啟 awoooi-worker 這個 deployment", "simple"),
    ("查看 awoooi-prod 命名空間的 pods", "simple"),
    ("kubectl rollout restart deployment awoooi-api -n awoooi-staging", "simple"),
    ("hi", "simple"),
    ("what is a statefulset?", "simple"),
    ("Something is wrong with the worker, it keeps crashing. Fix it.", "moderate"),
    ("the worker keeps crashing, fix it", "moderate"),
    ("awoooi-worker 崩溃了，请处理", "moderate"),
    ("restart awoooi-api, then scale awoooi-web to 3, then page the on-call", "moderate"),
    ("write a bash script to restart all deployments", "moderate"),
    ("Why did awoooi-api start returning 502s after the deploy? Investigate the root cause.", "complex"),
    ("analyze these symptoms: 502 errors on web, OOMKilled api pods, slow database queries", "complex"),
    ("分析一下 awoooi-api 為什麼一直重啟", "complex"),
    ("Critical outage: awoooi-api, awoooi-web and awoooi-worker are all crashing with OOMKilled and 503s, "
     "customers affected. First figure out the root cause, then restart what is needed and page the on-call.",
     "complex"),
    ("[FIRING:3] KubePodCrashLooping, KubeNodeNotReady, HighLatency: awoooi-api-7d9f8c6b5-x2x9q is crash looping, "
     "node-3 NotReady, p99 latency above 2s on awoooi-web, disk pressure on node-4", "complex"),
]


@pytest.mark.parametrize(("text", "level"), LEVELS, ids=[c[0][:50] for c in LEVELS])
def test_levels(text: str, level: str) -> None:
    guess = level_of(text)
    assert guess.level == level, guess
    assert guess.reasons


@pytest.mark.parametrize("text", [t for t, _ in LEVELS], ids=[t[:40] for t, _ in LEVELS])
def test_score_is_monotone_with_level(text: str) -> None:
    guess = level_of(text)
    assert 0.0 <= guess.score <= 1.0
    expected = "simple" if guess.score < MODERATE_AT else "moderate" if guess.score < COMPLEX_AT else "complex"
    assert guess.level == expected


def test_scores_order_across_levels() -> None:
    by_level: dict[str, list[float]] = {"simple": [], "moderate": [], "complex": []}
    for text, _ in LEVELS:
        guess = level_of(text)
        by_level[guess.level].append(guess.score)
    assert max(by_level["simple"]) < min(by_level["moderate"])
    assert max(by_level["moderate"]) < min(by_level["complex"])


@pytest.mark.parametrize(
    ("base", "harder"),
    [
        ("restart awoooi-api", "restart awoooi-api and then scale awoooi-web to 3"),
        ("restart awoooi-api", "restart awoooi-api, it is a critical outage"),
        ("the worker keeps crashing, fix it", "the worker keeps crashing with OOMKilled and 503s and high latency, fix it"),
        ("why is awoooi-api slow?", "why is awoooi-api slow? investigate the root cause and correlate with the deploy"),
        ("restart awoooi-api", "restart awoooi-api " + "because the users complain " * 30),
    ],
)
def test_more_difficulty_never_lowers_the_score(base: str, harder: str) -> None:
    task = "tool_calling"
    assert analyze_complexity(harder, task).score > analyze_complexity(base, task).score


def test_task_type_prior_orders_the_same_text() -> None:
    text = "awoooi-api"
    scores = [analyze_complexity(text, t).score for t in ("general_chat", "tool_calling", "k8s_operation", "incident_analysis")]
    assert scores == sorted(scores)


def test_confidence_is_higher_for_clear_text() -> None:
    clear = analyze_complexity("restart awoooi-api", "tool_calling")
    vague = analyze_complexity("something weird, maybe the api? not sure", "k8s_operation")
    assert clear.confidence >= 0.8
    assert vague.confidence <= 0.6
    assert clear.confidence > vague.confidence


ARBITRARY = ["", " ", "\U0001f525" * 1000, "a" * 50_000, "\x00\xff" * 5000, "重啟" * 20_000, "then " * 5000]


@pytest.mark.parametrize("text", ARBITRARY, ids=[repr(t[:10]) for t in ARBITRARY])
@pytest.mark.parametrize("task", ["tool_calling", "general_chat", "nonsense"])
def test_never_raises(text: str, task: str) -> None:
    guess = analyze_complexity(text, task)  # type: ignore[arg-type]
    assert guess.level in ("simple", "moderate", "complex")
    assert 0.0 <= guess.score <= 1.0 and 0.0 <= guess.confidence <= 1.0
