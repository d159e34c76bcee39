"""Prometheus metrics and telemetry options.

Covers: ``GET /metrics`` of a real app parsed with prometheus_client's parser (incidents
by status incl. refused input, actions by name/verdict/status, provider attempts, the
decision-latency histogram, approvals pending, and the gen_ai histograms under their
Prometheus names after an LLM call to the loopback simulator); a resumed run counts its
new attempts and newly final actions only; every app has its own registry; the
OTEL_*/LANGFUSE_* options (OTLP endpoints, headers, bad values named); the content
policy (``[redacted]`` by default, secrets scrubbed when captured).
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from openclaw.errors import ConfigError
from openclaw.server import create_app
from openclaw.settings import load_settings
from openclaw.telemetry import telemetry_options
from openclaw.telemetry.metrics import Metrics
from openclaw.telemetry.redact import REDACTED, ContentPolicy
from openclaw.testing.llm_sim import LLMSimulator
from openclaw.testing.llm_sim_replies import ToolCall


def _samples(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    out: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out.setdefault(sample.name, []).append((dict(sample.labels), sample.value))
    return out


def _value(samples: dict, metric: str, /, **labels: str) -> float:
    return sum(v for lbl, v in samples.get(metric, []) if all(lbl.get(k) == val for k, val in labels.items()))


@pytest.mark.asyncio
async def test_metrics_endpoint_parses_and_counts_runs(tmp_path: Path) -> None:
    with LLMSimulator() as sim:
        sim.enqueue(ToolCall("restart_deployment", {"deployment": "awoooi-api", "namespace": "awoooi-staging"}), prefix="nim")
        settings = load_settings(environ={"OPENCLAW_HOME": str(tmp_path / "home"), "NVIDIA_API_KEY": "k",
                                          "NVIDIA_API_BASE_URL": sim.openai_url("nim")})
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://o") as client:
                ok = await client.post("/v1/incidents", json={"description": "restart deployment awoooi-api in namespace awoooi-staging"})
                assert ok.json()["decision"]["provider"] == "nim"
                paused = await client.post("/v1/incidents", json={"description": "show me the logs of pod web-1 in awoooi-prod",
                                                                  "id": "inc-logs"})  # fmt: skip
                await client.post("/v1/incidents", content=b"not json")
                await client.post("/v1/incidents", json={"description": "please restart the awoooi-api deployment"})
                response = await client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    s = _samples(response.text)
    assert paused.status_code == 200
    assert _value(s, "openclaw_incidents_total", status="completed") == 2
    assert _value(s, "openclaw_incidents_total", status="awaiting_approval") == 1
    assert _value(s, "openclaw_incidents_total", status="invalid") == 1
    assert _value(s, "openclaw_actions_total", name="restart_deployment", verdict="auto", status="planned") == 1
    assert _value(s, "openclaw_actions_total", name="get_logs", verdict="auto", status="planned") == 1
    assert _value(s, "openclaw_actions_total", status="awaiting_approval") == 0  # counted once decided
    assert _value(s, "openclaw_provider_attempts_total", provider="nim", outcome="ok") == 1
    assert _value(s, "openclaw_provider_attempts_total", provider="gemini", outcome="unavailable") >= 1
    assert _value(s, "openclaw_provider_attempts_total", provider="rules", outcome="ok") >= 4
    assert _value(s, "openclaw_decision_latency_seconds_count") == 3
    assert _value(s, "openclaw_decision_latency_seconds_bucket", le="+Inf") == 3
    assert _value(s, "openclaw_approvals_pending") == 1
    assert _value(s, "gen_ai_client_operation_duration_seconds_count", gen_ai_system="nim", error_type="",
                  gen_ai_request_model="nvidia/nemotron-mini-4b-instruct") == 1  # fmt: skip
    # the other two asked NIM too; the simulator had nothing scripted (HTTP 418), so they are errors
    assert _value(s, "gen_ai_client_operation_duration_seconds_count", gen_ai_system="nim") == 3
    assert _value(s, "gen_ai_client_token_usage_sum", gen_ai_token_type="input") == 42  # the simulator's default usage
    assert _value(s, "gen_ai_client_token_usage_sum", gen_ai_token_type="output") == 7


def _result(status: str, attempts: int, actions: list[tuple[int, str]]) -> dict:
    return {
        "status": status,
        "attempts": [{"provider": "rules", "outcome": "ok"}] * attempts,
        "actions": [{"index": i, "name": "restart_deployment", "verdict": "approval", "status": st} for i, st in actions],
    }


def test_a_resumed_run_counts_only_what_is_new() -> None:
    metrics = Metrics()
    before = _result("awaiting_approval", 3, [(0, "planned"), (1, "awaiting_approval")])
    after = _result("completed", 3, [(0, "planned"), (1, "planned")])
    metrics.observe_result(before, latency_s=0.1)
    metrics.observe_result(after, previous=before, latency_s=0.2)
    s = _samples(metrics.exposition().decode())
    assert _value(s, "openclaw_provider_attempts_total") == 3
    assert _value(s, "openclaw_actions_total", status="planned") == 2
    assert _value(s, "openclaw_incidents_total", status="awaiting_approval") == 1
    assert _value(s, "openclaw_incidents_total", status="completed") == 1


def test_every_app_has_its_own_registry() -> None:
    one, two = Metrics(), Metrics()
    one.observe_invalid()
    assert _value(_samples(one.exposition().decode()), "openclaw_incidents_total", status="invalid") == 1
    assert _value(_samples(two.exposition().decode()), "openclaw_incidents_total", status="invalid") == 0


def test_telemetry_options_from_the_environment() -> None:
    options = telemetry_options({
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/", "OTEL_EXPORTER_OTLP_HEADERS": "Authorization=Bearer%20x, team=sre",
        "OTEL_SERVICE_NAME": "claw", "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "True",
    })  # fmt: skip
    assert options.traces_endpoint == "http://collector:4318/v1/traces"
    assert options.metrics_endpoint == "http://collector:4318/v1/metrics"
    assert options.headers == {"authorization": "Bearer x", "team": "sre"}
    assert (options.service_name, options.capture_content, options.langfuse) == ("claw", True, None)
    empty = telemetry_options({})
    assert (empty.traces_endpoint, empty.metrics_endpoint, empty.capture_content) == (None, None, False)
    override = telemetry_options({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://t.example/x"})
    assert (override.traces_endpoint, override.metrics_endpoint) == ("https://t.example/x", None)


@pytest.mark.parametrize(
    ("env", "needle"),
    [({"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"}, "OTEL_EXPORTER_OTLP_ENDPOINT"),
     ({"OTEL_EXPORTER_OTLP_HEADERS": "novalue"}, "OTEL_EXPORTER_OTLP_HEADERS"),
     ({"OTEL_METRIC_EXPORT_INTERVAL": "soon"}, "OTEL_METRIC_EXPORT_INTERVAL")],
)
def test_bad_telemetry_variables_are_named(env: dict[str, str], needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        telemetry_options(env)


def test_content_policy_redacts_by_default_and_scrubs_when_captured() -> None:
    assert ContentPolicy(capture=False)("restart awoooi-api") == REDACTED
    captured = ContentPolicy(capture=True)
    text = captured("restart awoooi-api; Authorization: Bearer abcdef123456789 password=hunter2 nvapi-AAAABBBBCCCC")
    assert "restart awoooi-api" in text
    assert "abcdef123456789" not in text and "hunter2" not in text and "nvapi-AAAABBBBCCCC" not in text
    assert captured.mask(data={"messages": ["x password: p4ss"], "n": 3}) == {"messages": [f"x {REDACTED}"], "n": 3}
