"""Langfuse export end to end: one incident through the app, Langfuse's OTLP export to a loopback collector.

Covers: with LANGFUSE_PUBLIC_KEY/SECRET_KEY/HOST pointing at 127.0.0.1, running one incident
(the decision from NIM, the loopback LLM simulator) POSTs the trace to
``/api/public/otel/v1/traces`` with Basic auth of the key pair; with content capture off
neither the incident text nor a secret in it reaches the collector (``[redacted]`` does);
with capture on the text arrives but the secret is still scrubbed; a second app in the same
process with the same key pair (each test builds one) exports too (Langfuse keeps one client
per public key per process, even after shutdown, unless OpenClaw drops it).
"""

from __future__ import annotations

import base64
import gzip
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from openclaw.server import create_app
from openclaw.settings import load_settings
from openclaw.testing.llm_sim import LLMSimulator
from openclaw.testing.llm_sim_replies import ToolCall

pytestmark = pytest.mark.asyncio

SECRET = "password=hunter2-very-secret"
DESCRIPTION = f"restart deployment awoooi-api in namespace awoooi-staging; the admin {SECRET}"
PUBLIC, PRIVATE = "pk-lf-e2e-public", "sk-lf-e2e-secret"


class _Langfuse(BaseHTTPRequestHandler):
    """Records every request (path, headers, body gunzipped) and answers 200 with an empty JSON object."""

    def _record(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        if self.headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        self.server.received.append((self.command, self.path, dict(self.headers), body))  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    do_POST = do_GET = _record  # noqa: N815

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def langfuse_host() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Langfuse)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


async def _run_one(tmp_path: Path, host: ThreadingHTTPServer, **env: str) -> list[tuple[str, str, dict, bytes]]:
    with LLMSimulator() as sim:
        sim.enqueue(ToolCall("restart_deployment", {"deployment": "awoooi-api", "namespace": "awoooi-staging"}),
                    prefix="nim")
        settings = load_settings(environ={
            "OPENCLAW_HOME": str(tmp_path / "home"), "NVIDIA_API_KEY": "nvapi-test-key-123456",
            "NVIDIA_API_BASE_URL": sim.openai_url("nim"), "LANGFUSE_PUBLIC_KEY": PUBLIC,
            "LANGFUSE_SECRET_KEY": PRIVATE, "LANGFUSE_HOST": f"http://127.0.0.1:{host.server_address[1]}", **env})
        app = create_app(settings)  # builds its telemetry (Langfuse included) from the settings; lifespan flushes it
        async with app.router.lifespan_context(app):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://openclaw") as client:
                response = await client.post("/v1/incidents", json={"description": DESCRIPTION})
        assert response.status_code == 200, response.text
        assert response.json()["decision"]["provider"] == "nim"
    return list(host.received)  # type: ignore[attr-defined]


def _traces(received: list[tuple[str, str, dict, bytes]]) -> list[tuple[dict, bytes]]:
    return [(headers, body) for method, path, headers, body in received
            if method == "POST" and path == "/api/public/otel/v1/traces"]


async def test_one_incident_is_exported_to_langfuse_with_content_redacted(
        tmp_path: Path, langfuse_host: ThreadingHTTPServer) -> None:
    traces = _traces(await _run_one(tmp_path, langfuse_host))
    assert traces, "no trace export reached the loopback Langfuse"
    expected_auth = "Basic " + base64.b64encode(f"{PUBLIC}:{PRIVATE}".encode()).decode()
    assert all({k.lower(): v for k, v in h.items()}.get("authorization") == expected_auth for h, _ in traces)
    sent = b"".join(body for _, body in traces)
    assert b"[redacted]" in sent
    assert b"hunter2" not in sent and b"awoooi-staging; the admin" not in sent


async def test_captured_content_reaches_langfuse_with_secrets_scrubbed(
        tmp_path: Path, langfuse_host: ThreadingHTTPServer) -> None:
    received = await _run_one(tmp_path, langfuse_host, OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT="true")
    sent = b"".join(body for _, body in _traces(received))
    assert b"restart deployment awoooi-api" in sent
    assert b"hunter2" not in sent
    assert b"hunter2" not in b"".join(body for *_, body in received)  # nor in any other request
