"""OpenTelemetry from a real run: the app's engine calls NIM (the loopback LLM simulator) through ChatOpenAI.

Covers: a span per graph run and per node, parented correctly; a ``chat <model>`` span per
LLM call under its node with the NIM page's attributes (gen_ai.system, request model,
max_tokens, temperature, response model, prompt/completion tokens, finish reason, api base);
``gen_ai.request.top_p`` when the call sets it; prompt and completion text ``[redacted]``
by default and captured (secrets scrubbed) when OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT
is on; a failed LLM call is an error span; the OTel gen_ai histograms (InMemoryMetricReader);
the approval pause is not an error; OTLP/HTTP export to a loopback collector when
OTEL_EXPORTER_OTLP_ENDPOINT is set; the Langfuse handler is attached only when the three
LANGFUSE_* variables are set (loopback host).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from langchain_openai import ChatOpenAI
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from openclaw.server import create_app
from openclaw.settings import Settings, load_settings
from openclaw.telemetry import build_telemetry, telemetry_options
from openclaw.telemetry.tracing import provider_systems
from openclaw.testing.llm_sim import LLMSimulator
from openclaw.testing.llm_sim_replies import ToolCall, ToolCalls, Usage, server_error

pytestmark = pytest.mark.asyncio

STAGING_RESTART = "restart deployment awoooi-api in namespace awoooi-staging"
PROD_RESTART = "The API is not responding, please restart the awoooi-api deployment"
GEN_AI_ATTRIBUTES = {
    "gen_ai.system", "gen_ai.request.model", "gen_ai.request.max_tokens", "gen_ai.request.temperature",
    "gen_ai.response.model", "gen_ai.usage.prompt_tokens", "gen_ai.usage.completion_tokens",
    "gen_ai.completion.0.finish_reason", "gen_ai.openai.api_base",
}


@pytest.fixture
def sim() -> Iterator[LLMSimulator]:
    with LLMSimulator() as s:
        yield s


def _settings(tmp_path: Path, sim: LLMSimulator, **env: str) -> Settings:
    return load_settings(environ={"OPENCLAW_HOME": str(tmp_path / "home"), "NVIDIA_API_KEY": "nvapi-test-key-123456",
                                  "NVIDIA_API_BASE_URL": sim.openai_url("nim"), **env})


async def _post(settings: Settings, *bodies: dict[str, Any], **telemetry_kw: Any) -> tuple[list[dict], Any]:
    telemetry = build_telemetry(telemetry_options(settings.environ), systems=provider_systems(settings), **telemetry_kw)
    app = create_app(settings, telemetry=telemetry)
    results = []
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://openclaw") as client:
            for body in bodies:
                response = await client.post("/v1/incidents", json=body)
                assert response.status_code == 200, response.text
                results.append(response.json())
    telemetry.shutdown()
    return results, telemetry


def _by_name(spans: tuple[ReadableSpan, ...], name: str) -> list[ReadableSpan]:
    return [s for s in spans if s.name == name]


async def test_spans_per_run_node_and_llm_call_with_the_nim_attributes(tmp_path: Path, sim: LLMSimulator) -> None:
    call = ToolCall("restart_deployment", {"deployment": "awoooi-api", "namespace": "awoooi-staging"})
    sim.enqueue(ToolCalls((call,), usage=Usage(prompt_tokens=321, completion_tokens=17), model="nemotron-served"), prefix="nim")
    exporter, reader = InMemorySpanExporter(), InMemoryMetricReader()
    [result], _ = await _post(_settings(tmp_path, sim), {"description": STAGING_RESTART},
                              span_exporters=[exporter], metric_readers=[reader])
    assert result["decision"]["provider"] == "nim"
    spans = exporter.get_finished_spans()
    [run] = _by_name(spans, "openclaw.run")
    assert run.attributes["openclaw.run_id"] == result["run_id"]
    nodes = {s.name: s for s in spans if s.name.startswith("node ")}
    assert set(nodes) == {f"node {n}" for n in ("classify_intent", "analyze_complexity", "decide", "trust",
                                                "approval_gate", "execute", "report")}
    assert all(s.parent.span_id == run.context.span_id for s in nodes.values())
    [chat] = [s for s in spans if s.name.startswith("chat ")]
    assert chat.name == "chat nvidia/nemotron-mini-4b-instruct"
    assert chat.parent.span_id == nodes["node decide"].context.span_id
    assert chat.context.trace_id == run.context.trace_id
    attrs = dict(chat.attributes)
    assert GEN_AI_ATTRIBUTES <= set(attrs)
    assert attrs["gen_ai.system"] == "nim"
    assert attrs["gen_ai.request.model"] == "nvidia/nemotron-mini-4b-instruct"
    assert attrs["gen_ai.response.model"] == "nemotron-served"
    assert (attrs["gen_ai.usage.prompt_tokens"], attrs["gen_ai.usage.completion_tokens"]) == (321, 17)
    assert attrs["gen_ai.completion.0.finish_reason"] == "tool_calls"
    assert attrs["gen_ai.openai.api_base"] == sim.openai_url("nim")
    assert isinstance(attrs["gen_ai.request.max_tokens"], int) and isinstance(attrs["gen_ai.request.temperature"], float)
    assert "gen_ai.request.top_p" not in attrs  # the providers do not set top_p
    assert attrs["gen_ai.prompt.0.role"] == "system" and attrs["gen_ai.prompt.1.role"] == "user"
    assert attrs["gen_ai.prompt.1.content"] == "[redacted]" and attrs["gen_ai.completion.0.content"] == "[redacted]"

    points = {m.name: m for rm in reader.get_metrics_data().resource_metrics for sm in rm.scope_metrics for m in sm.metrics}
    [duration] = points["gen_ai.client.operation.duration"].data.data_points
    assert duration.count == 1 and duration.attributes["gen_ai.system"] == "nim"
    assert points["gen_ai.client.operation.duration"].unit == "s"
    tokens = {p.attributes["gen_ai.token.type"]: p.sum for p in points["gen_ai.client.token.usage"].data.data_points}
    assert tokens == {"input": 321, "output": 17}


async def test_content_is_captured_and_scrubbed_when_enabled(tmp_path: Path, sim: LLMSimulator) -> None:
    sim.enqueue(ToolCall("restart_deployment", {"deployment": "awoooi-api", "namespace": "awoooi-staging"}), prefix="nim")
    exporter = InMemorySpanExporter()
    settings = _settings(tmp_path, sim, OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT="true")
    description = f"{STAGING_RESTART}; the admin password=hunter2 and key nvapi-abcdefghijklmnop"
    await _post(settings, {"description": description}, span_exporters=[exporter])
    [chat] = [s for s in exporter.get_finished_spans() if s.name.startswith("chat ")]
    prompt = chat.attributes["gen_ai.prompt.1.content"]
    assert "restart deployment awoooi-api" in prompt
    assert "hunter2" not in prompt and "nvapi-abcdefghijklmnop" not in prompt and "[redacted]" in prompt
    assert "restart_deployment" in chat.attributes["gen_ai.completion.0.content"]


async def test_failed_llm_call_is_an_error_span_and_the_pause_is_not(tmp_path: Path, sim: LLMSimulator) -> None:
    sim.enqueue(server_error(503), prefix="nim")
    exporter, reader = InMemorySpanExporter(), InMemoryMetricReader()
    [result], _ = await _post(_settings(tmp_path, sim), {"description": PROD_RESTART},
                              span_exporters=[exporter], metric_readers=[reader])
    assert result["status"] == "awaiting_approval"
    assert result["attempts"][2]["outcome"] == "server_error"
    spans = exporter.get_finished_spans()
    [chat] = [s for s in spans if s.name.startswith("chat ")]
    assert chat.status.status_code == StatusCode.ERROR and chat.attributes["error.type"]
    [gate] = _by_name(spans, "node approval_gate")
    assert gate.status.status_code != StatusCode.ERROR and gate.attributes["openclaw.interrupted"] is True
    points = [m for rm in reader.get_metrics_data().resource_metrics for sm in rm.scope_metrics for m in sm.metrics]
    [duration] = [m for m in points if m.name == "gen_ai.client.operation.duration"]
    assert duration.data.data_points[0].attributes["error.type"] == chat.attributes["error.type"]


async def test_top_p_is_recorded_when_the_call_sets_it(sim: LLMSimulator) -> None:
    sim.enqueue(ToolCall("kubectl_get", {"resource": "pods"}), prefix="direct")
    exporter = InMemorySpanExporter()
    telemetry = build_telemetry(telemetry_options({}), span_exporters=[exporter])
    chat = ChatOpenAI(base_url=sim.openai_url("direct"), api_key="k", model="m-1", top_p=0.9, temperature=0.1,
                      max_tokens=64, max_retries=0)  # fmt: skip
    await chat.ainvoke("list pods", config={"callbacks": [telemetry.handler]})
    [span] = exporter.get_finished_spans()
    assert span.attributes["gen_ai.request.top_p"] == 0.9
    assert span.attributes["gen_ai.request.max_tokens"] == 64
    assert span.attributes["gen_ai.system"] == "openai"  # not a configured vendor: LangChain's provider name
    telemetry.shutdown()


class _Collector(BaseHTTPRequestHandler):
    received: list[tuple[str, str, int]]

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        self.server.received.append((self.path, self.headers.get("content-type", ""), length))  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


async def test_otlp_export_when_the_endpoint_is_set(tmp_path: Path, sim: LLMSimulator, collector: ThreadingHTTPServer) -> None:
    sim.enqueue(ToolCall("restart_deployment", {"deployment": "awoooi-api", "namespace": "awoooi-staging"}), prefix="nim")
    endpoint = f"http://127.0.0.1:{collector.server_address[1]}"
    settings = _settings(tmp_path, sim, OTEL_EXPORTER_OTLP_ENDPOINT=endpoint, OTEL_SERVICE_NAME="openclaw-test")
    await _post(settings, {"description": STAGING_RESTART})  # shutdown flushes spans and metrics
    paths = {path for path, _, _ in collector.received}  # type: ignore[attr-defined]
    assert paths == {"/v1/traces", "/v1/metrics"}
    assert all(ctype == "application/x-protobuf" and size > 0 for _, ctype, size in collector.received)  # type: ignore[attr-defined]


async def test_langfuse_handler_only_when_all_three_variables_are_set(collector: ThreadingHTTPServer) -> None:
    host = f"http://127.0.0.1:{collector.server_address[1]}"
    partial = build_telemetry(telemetry_options({"LANGFUSE_PUBLIC_KEY": "pk-lf-a", "LANGFUSE_HOST": host}))
    assert partial.langfuse is None and partial.callbacks == [partial.handler]
    partial.shutdown()
    full = build_telemetry(telemetry_options(
        {"LANGFUSE_PUBLIC_KEY": "pk-lf-test-attach", "LANGFUSE_SECRET_KEY": "sk-lf-test", "LANGFUSE_HOST": host}))
    try:
        from langfuse.langchain import CallbackHandler

        assert full.langfuse is not None
        assert isinstance(full.langfuse.handler, CallbackHandler)
        assert full.callbacks == [full.handler, full.langfuse.handler]
        assert full.langfuse.client._base_url == host
    finally:
        full.shutdown()

