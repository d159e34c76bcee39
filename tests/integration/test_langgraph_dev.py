"""``langgraph dev`` (langgraph-cli[inmem]) serves the pipeline from langgraph.json, as LangGraph Studio uses it.

The in-memory server runs in a subprocess on 127.0.0.1 (random port, bounded start and
requests, killed at the end) with its blocking-call detector on (no ``--allow-blocking``),
on the embedded defaults (rules provider, plan mode) with its own ``OPENCLAW_HOME``.

Covers: the input and output schemas render (typing_extensions.TypedDict); a run started
through the HTTP API with no context (as Studio does) gets the context built from the
environment and goes to the end: a read, and a mutation that passes trust's history and
audit and execute's history without a blocking SQLite call on the loop; a run that needs
approval pauses at the gate (interrupt) with its digest.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 90
REQUEST_TIMEOUT_S = 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.Client, Path]]:
    langgraph = Path(sys.executable).parent / "langgraph"
    if not langgraph.exists():
        pytest.fail("langgraph-cli is not installed: run `make sync` (it is a dev dependency)")
    tmp = tmp_path_factory.mktemp("langgraph-dev")
    work = tmp / "work"  # langgraph dev keeps its in-memory state under ./.langgraph_api: not in the checkout
    work.mkdir()
    shutil.copy(REPO / "langgraph.json", work / "langgraph.json")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("OPENCLAW_", "NVIDIA_", "GEMINI_", "ANTHROPIC_", "OLLAMA_", "TELEGRAM_", "LANGSMITH_",
                                "LANGCHAIN_", "LANGFUSE_", "OTEL_", "KUBE"))}
    env.update(OPENCLAW_HOME=str(tmp / "home"), LANGGRAPH_CLI_NO_ANALYTICS="1", LANGSMITH_TRACING="false",
               OTEL_SDK_DISABLED="true", PYTHONPATH=str(REPO))
    port = _free_port()
    log = (tmp / "langgraph-dev.log").open("wb")
    proc = subprocess.Popen(
        [str(langgraph), "dev", "--no-browser", "--no-reload", "--host", "127.0.0.1", "--port", str(port),
         "--config", str(work / "langgraph.json")],
        cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=REQUEST_TIMEOUT_S)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            assert proc.poll() is None, f"langgraph dev exited: {(tmp / 'langgraph-dev.log').read_text()[-3000:]}"
            assert time.monotonic() < deadline, "langgraph dev did not answer /ok in time"
            try:
                if client.get("/ok", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        yield client, tmp / "langgraph-dev.log"
    finally:
        client.close()
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=20)
        log.close()


def _run(client: httpx.Client, run_id: str, description: str) -> dict[str, Any]:
    thread = client.post("/threads", json={}).json()["thread_id"]
    answer = client.post(f"/threads/{thread}/runs/wait", json={
        "assistant_id": "decision_pipeline",
        "input": {"run_id": run_id, "incident": {"id": f"inc-{run_id}", "description": description}},
    })
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_schemas_render(server: tuple[httpx.Client, Path]) -> None:
    client, _ = server
    [assistant] = client.post("/assistants/search", json={"graph_id": "decision_pipeline"}).json()
    schemas = client.get(f"/assistants/{assistant['assistant_id']}/schemas").json()
    assert {"run_id", "incident", "actions", "status"} <= set(schemas["input_schema"]["properties"])
    assert {"decision", "actions", "status"} <= set(schemas["output_schema"]["properties"])


def test_an_incident_runs_to_the_end(server: tuple[httpx.Client, Path]) -> None:
    client, log = server
    read = _run(client, "run-studio-read", "show me all pods in awoooi-prod")
    assert "__error__" not in read, read
    assert read["status"] == "completed"
    assert [(a["name"], a["verdict"], a["status"]) for a in read["actions"]] == [("kubectl_get", "auto", "planned")]

    mutation = _run(client, "run-studio-restart", "restart the awoooi-api deployment in awoooi-staging")
    assert "__error__" not in mutation, mutation
    assert mutation["status"] == "completed"
    assert [(a["name"], a["verdict"], a["status"]) for a in mutation["actions"]] == [
        ("restart_deployment", "auto", "planned")]
    assert "BlockingError" not in log.read_text(errors="replace")


def test_a_run_that_needs_approval_pauses_at_the_gate(server: tuple[httpx.Client, Path]) -> None:
    client, _ = server
    waiting = _run(client, "run-studio-prod", "restart the awoooi-api deployment in awoooi-prod")
    assert "__error__" not in waiting, waiting
    [action] = waiting["actions"]
    assert (action["verdict"], action["status"]) == ("approval", "awaiting_approval")
    [interrupt] = waiting["__interrupt__"]
    assert interrupt["value"]["pending"][0]["digest"] == action["digest"]
