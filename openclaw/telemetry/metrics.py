"""Prometheus metrics of one app (a private ``CollectorRegistry``) and the gen_ai histograms.

Exposed on ``GET /metrics``:

- ``openclaw_incidents_total{status}``: runs that finished a step, by run status
  (``completed``, ``awaiting_approval``, ...; ``invalid`` for input refused before a run).
  A resumed run counts again with its new status.
- ``openclaw_actions_total{name,verdict,status}``: actions that reached a final status
  (an action still ``awaiting_approval`` is counted when it is decided).
- ``openclaw_provider_attempts_total{provider,outcome}``: LLM attempts (``attempts[]``).
- ``openclaw_decision_latency_seconds``: histogram, incident in → run result out, seconds.
- ``openclaw_approvals_pending``: gauge, actions waiting for sign-off (read from the run store
  at scrape time, so runs paused by ``openclaw run`` count too).
- ``gen_ai_client_operation_duration_seconds`` and ``gen_ai_client_token_usage``: the
  Prometheus names of the OTel ``gen_ai.client.operation.duration`` (s) and
  ``gen_ai.client.token.usage`` histograms; the OTel instruments are recorded alongside
  (see :class:`GenAIInstruments`) for OTLP export.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from opentelemetry.metrics import Meter
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

DURATION_BUCKETS_S = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92)
"""OTel GenAI semantic-convention advice for ``gen_ai.client.operation.duration``, seconds."""
TOKEN_BUCKETS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864)
"""OTel GenAI semantic-convention advice for ``gen_ai.client.token.usage``, tokens."""
DECISION_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 40.0, 60.0, 120.0)
"""Buckets of ``openclaw_decision_latency_seconds``, seconds (the routing deadline is 60 s)."""

CONTENT_TYPE = CONTENT_TYPE_LATEST

_GENAI_LABELS = ("gen_ai_system", "gen_ai_request_model", "gen_ai_operation_name")


class GenAIInstruments:
    """The two gen_ai histograms, recorded both as OTel instruments and under their Prometheus names."""

    def __init__(self, registry: CollectorRegistry, meter: Meter | None) -> None:
        self.duration = Histogram(
            "gen_ai_client_operation_duration_seconds", "GenAI operation duration (gen_ai.client.operation.duration)",
            [*_GENAI_LABELS, "error_type"], buckets=DURATION_BUCKETS_S, registry=registry,
        )  # fmt: skip
        self.tokens = Histogram(
            "gen_ai_client_token_usage", "Input and output tokens used (gen_ai.client.token.usage)",
            [*_GENAI_LABELS, "gen_ai_token_type"], buckets=TOKEN_BUCKETS, registry=registry,
        )  # fmt: skip
        self._otel_duration = self._otel_tokens = None
        if meter is not None:
            self._otel_duration = meter.create_histogram(
                "gen_ai.client.operation.duration", unit="s", description="GenAI operation duration",
                explicit_bucket_boundaries_advisory=DURATION_BUCKETS_S,
            )  # fmt: skip
            self._otel_tokens = meter.create_histogram(
                "gen_ai.client.token.usage", unit="{token}", description="Number of input and output tokens used",
                explicit_bucket_boundaries_advisory=TOKEN_BUCKETS,
            )  # fmt: skip

    def record(
        self,
        *,
        system: str,
        model: str,
        duration_s: float,
        input_tokens: int | None,
        output_tokens: int | None,
        error_type: str | None = None,
        operation: str = "chat",
    ) -> None:
        """One LLM call: its duration (seconds) and, when the vendor reported them, its token counts."""
        attrs: dict[str, Any] = {"gen_ai.system": system, "gen_ai.request.model": model, "gen_ai.operation.name": operation}
        labels = (system, model, operation)
        self.duration.labels(*labels, error_type or "").observe(duration_s)
        if self._otel_duration is not None:
            self._otel_duration.record(duration_s, {**attrs, **({"error.type": error_type} if error_type else {})})
        for kind, count in (("input", input_tokens), ("output", output_tokens)):
            if count is None:
                continue
            self.tokens.labels(*labels, kind).observe(count)
            if self._otel_tokens is not None:
                self._otel_tokens.record(count, {**attrs, "gen_ai.token.type": kind})


class Metrics:
    """All metrics of one app, in a private registry (tests build many apps; nothing is global)."""

    def __init__(self, *, meter: Meter | None = None, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.incidents = Counter("openclaw_incidents", "Runs that finished a step, by run status", ["status"], registry=r)
        self.actions = Counter(
            "openclaw_actions", "Actions that reached a final status", ["name", "verdict", "status"], registry=r
        )
        self.provider_attempts = Counter(
            "openclaw_provider_attempts", "LLM provider attempts by outcome", ["provider", "outcome"], registry=r
        )
        self.decision_latency = Histogram(
            "openclaw_decision_latency_seconds", "Incident in to run result out, seconds",
            buckets=DECISION_BUCKETS_S, registry=r,
        )  # fmt: skip
        self.approvals_pending = Gauge("openclaw_approvals_pending", "Actions waiting for sign-off", registry=r)
        self.genai = GenAIInstruments(r, meter)

    def count_pending_with(self, source: Callable[[], float]) -> None:
        """Read ``openclaw_approvals_pending`` from ``source()`` at every scrape."""
        self.approvals_pending.set_function(source)

    def observe_result(
        self, result: Mapping[str, Any], *, previous: Mapping[str, Any] | None = None, latency_s: float | None = None
    ) -> None:
        """Count one run result. ``previous`` is the same run's result before this step (a resume):
        its attempts and its already-final actions are not counted again."""
        self.incidents.labels(result.get("status") or "failed").inc()
        seen_attempts = len((previous or {}).get("attempts") or [])
        seen_actions = {a.get("index") for a in (previous or {}).get("actions") or [] if a.get("status") != "awaiting_approval"}
        for attempt in list(result.get("attempts") or [])[seen_attempts:]:
            self.provider_attempts.labels(attempt.get("provider", "?"), attempt.get("outcome", "?")).inc()
        for action in result.get("actions") or []:
            if action.get("status") != "awaiting_approval" and action.get("index") not in seen_actions:
                self.actions.labels(action.get("name", "?"), action.get("verdict", "?"), action.get("status", "?")).inc()
        if latency_s is not None:
            self.decision_latency.observe(latency_s)

    def observe_invalid(self) -> None:
        """An input refused before it became a run (bad JSON, invalid incident, too large)."""
        self.incidents.labels("invalid").inc()

    def exposition(self) -> bytes:
        """The text exposition format of every metric in this registry."""
        return generate_latest(self.registry)
