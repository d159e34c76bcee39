"""The service on a real uvicorn bound to 127.0.0.1 (the way ``openclaw serve`` runs it).

Covers: lifespan start and stop under uvicorn; bearer auth over a real socket; an incident
posted and its run read back; an Alertmanager webhook; ``/metrics`` scraped without the
token and parsed; a ``?wait=false`` run still in flight is finished, not lost, when the
server shuts down; ``openclaw serve`` refuses a port that is not a TCP port.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import httpx
import pytest
import uvicorn
from prometheus_client.parser import text_string_to_metric_families

from openclaw.cli.main import main
from openclaw.storage.sqlite.runs import RunStore
from openclaw.server import create_app
from openclaw.settings import load_settings

TOKEN = "uvicorn-test-token"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.asyncio
async def test_real_uvicorn_on_loopback(tmp_path: Path) -> None:
    settings = load_settings(environ={"OPENCLAW_HOME": str(tmp_path / "home"), "OPENCLAW_API_TOKEN": TOKEN})
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            assert not serving.done(), "uvicorn exited before it started"
            await asyncio.sleep(0.02)
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base, headers={"authorization": f"Bearer {TOKEN}"}, timeout=30) as client:
            async with httpx.AsyncClient(base_url=base, timeout=30) as anonymous:
                refused = await anonymous.post("/v1/incidents", json={"description": "show pods"})
                assert refused.status_code == 401 and "Bearer" in refused.json()["error"]
                assert (await anonymous.get("/healthz")).json() == {"status": "ok"}
            posted = await client.post("/v1/incidents", json={"id": "inc-uv", "description": "Show me all pods in awoooi-prod namespace"})
            assert posted.status_code == 200 and posted.json()["status"] == "completed"
            assert (await client.get(f"/v1/runs/{posted.json()['run_id']}")).json() == posted.json()
            webhook = {"version": "4", "alerts": [{"status": "firing", "fingerprint": "f00d",
                       "labels": {"alertname": "PodsDown", "namespace": "awoooi-staging"},
                       "annotations": {"description": "restart deployment awoooi-api in namespace awoooi-staging"}}]}
            alert = await client.post("/v1/alertmanager", json=webhook)
            assert alert.status_code == 200 and alert.json()["runs"][0]["incident_id"] == "am-f00d"
            background = await client.post("/v1/incidents?wait=false", json={"id": "inc-late", "description": "show pods"})
            assert background.status_code == 202
            async with httpx.AsyncClient(base_url=base, timeout=30) as anonymous:
                metrics = (await anonymous.get("/metrics")).text
        families = {f.name: f for f in text_string_to_metric_families(metrics)}
        assert families["openclaw_incidents"].type == "counter"
        assert families["openclaw_decision_latency_seconds"].type == "histogram"
        assert families["gen_ai_client_operation_duration_seconds"].type == "histogram"
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, 30)
    store = RunStore(settings.state_db)
    assert store.get(background.json()["run_id"])["status"] == "completed"  # finished during shutdown, not lost
    store.close()


def test_serve_refuses_a_bad_port(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", "70000"]) == 2
    assert "not a TCP port" in capsys.readouterr().err
