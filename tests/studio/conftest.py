"""The ``langgraph dev`` server (langgraph-cli[inmem]) for the Studio tests: a subprocess on 127.0.0.1.

Random port, its own OPENCLAW_HOME and working directory (it keeps its in-memory state under
``./.langgraph_api``), no vendor keys, the blocking-call detector on (no ``--allow-blocking``);
the start and every request are bounded, and the process group is killed at the end.
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


class Studio:
    """The running server: ``client`` (httpx, base URL set), ``log`` (its output file), ``run``."""

    def __init__(self, client: httpx.Client, log: Path) -> None:
        self.client, self.log = client, log

    def run(self, incident: dict[str, Any], *, run_id: str | None = None) -> tuple[str, dict[str, Any]]:
        """Start a run of one incident on a new thread, as Studio does (no context): its thread id and final values."""
        thread = self.client.post("/threads", json={}).json()["thread_id"]
        graph_input: dict[str, Any] = {"incident": incident}
        if run_id is not None:
            graph_input["run_id"] = run_id
        answer = self.client.post(f"/threads/{thread}/runs/wait", json={
            "assistant_id": "decision_pipeline", "input": graph_input})
        assert answer.status_code == 200, answer.text
        return thread, answer.json()


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Studio]:
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
        yield Studio(client, tmp / "langgraph-dev.log")
    finally:
        client.close()
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=20)
        log.close()

