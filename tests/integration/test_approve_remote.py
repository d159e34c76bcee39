"""Approving on the approver's own machine: ``openclaw approve|reject --server URL`` against a real uvicorn.

The service runs on 127.0.0.1 with its own OPENCLAW_HOME; the approver's CLI runs in
another process with a DIFFERENT OPENCLAW_HOME (nothing of the run there), the same
approvers.yaml, and only the signatures travel. Runs get two waiting actions (a
production restart and a scale to zero) from a real LLM client talking to the loopback
simulator.

Covers: ``approve --server`` signs both waiting actions and the run resumes on the server;
without ``--server`` the approver's machine does not know the run (the reason for the
flag); ``reject --server`` vetoes; ``--print --server`` prints two JSON lines, and posting
them as one JSON list counts each (one tampered item is refused with its own outcome and
the first refusal's status); ``GET /v1/runs/{id}/pending`` shows the gate's request with
``expires_at``; an unreachable server and a wrong token are one line with exit 1 / 2.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
import yaml

from openclaw.approvals.approvers import add_approver
from openclaw.approvals.keys import generate_keypair
from openclaw.cli.main import main
from openclaw.server import create_app
from openclaw.settings import load_settings, shipped_config_dir
from openclaw.testing.llm_sim import LLMSimulator, ToolCall, ToolCalls

TOKEN = "remote-approve-token"
REPO = Path(__file__).resolve().parents[2]
RESTART = ToolCall("restart_deployment", {"deployment": "awoooi-api", "namespace": "awoooi-prod"})
SCALE_ZERO = ToolCall("scale_deployment", {"deployment": "awoooi-web", "namespace": "awoooi-prod", "replicas": 0})
INCIDENT = {"description": "API down: restart awoooi-api, scale awoooi-web to 0", "requested_by": "carol",
            "source": "chat"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def world(tmp_path: Path):
    cfg = tmp_path / "configs"
    shutil.copytree(shipped_config_dir(), cfg)
    pair = generate_keypair("alice", tmp_path / "keys")
    add_approver(cfg / "approvers.yaml", "alice", pair.public_key, ["sre"])
    data = yaml.safe_load((cfg / "approvers.yaml").read_text())
    data["tiers"] = {"standard": "1 from group sre", "high": "1 from group sre"}
    (cfg / "approvers.yaml").write_text(yaml.safe_dump(data))
    with LLMSimulator() as sim:
        sim.set_default(ToolCalls((RESTART, SCALE_ZERO)), prefix="nim")
        env = {"NVIDIA_API_KEY": "nvapi-test", "NVIDIA_API_BASE_URL": sim.openai_url("nim"),
               "OPENCLAW_HOME": str(tmp_path / "server-home"), "OPENCLAW_API_TOKEN": TOKEN}
        yield load_settings(config_dir=cfg, environ=env), cfg, pair.private_path


@asynccontextmanager
async def serving(settings) -> AsyncIterator[httpx.AsyncClient]:
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            assert not task.done(), "uvicorn exited before it started"
            await asyncio.sleep(0.02)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60,
                                     headers={"authorization": f"Bearer {TOKEN}"}) as client:
            yield client
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)


async def approver_cli(tmp_path: Path, cfg: Path, *args: str, token: str = TOKEN) -> tuple[int, str, str]:
    """The approver's own machine: another process, another OPENCLAW_HOME, the same approvers.yaml."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENCLAW_", "NVIDIA_"))}
    env.update(OPENCLAW_HOME=str(tmp_path / "approver-home"), OPENCLAW_CONFIG_DIR=str(cfg), OPENCLAW_API_TOKEN=token)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "openclaw.cli.main", *args, env=env, cwd=REPO,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    return proc.returncode or 0, out.decode(), err.decode()


async def _paused(client: httpx.AsyncClient, incident_id: str) -> dict:
    run = (await client.post("/v1/incidents", json={"id": incident_id, **INCIDENT})).json()
    assert run["status"] == "awaiting_approval", run
    assert [a["verdict"] for a in run["actions"]] == ["approval", "approval"]
    return run


@pytest.mark.asyncio
async def test_approver_on_another_machine_approves_over_http_and_the_run_resumes(world, tmp_path: Path) -> None:
    settings, cfg, key = world
    async with serving(settings) as client:
        run = await _paused(client, "inc-remote")
        url = str(client.base_url)
        local = await approver_cli(tmp_path, cfg, "approve", run["run_id"], "--key", str(key))
        assert local[0] == 2 and "no run" in local[2]  # the approver's store does not have it
        code, out, err = await approver_cli(tmp_path, cfg, "approve", run["run_id"], "--key", str(key),
                                            "--server", url)
        assert code == 0, err
        assert out.count("approved action") == 2 and "run resumed by the server: status completed" in out
        assert "resumed here" not in out and "action 0 planned only: no cluster is configured" in out
        done = (await client.get(f"/v1/runs/{run['run_id']}")).json()
        assert done["status"] == "completed"
        assert [a["status"] for a in done["actions"]] == ["planned", "planned"]
        assert [[x["approver"] for x in a["approvals"]] for a in done["actions"]] == [["alice"], ["alice"]]
        assert (await client.get(f"/v1/runs/{run['run_id']}/pending")).json()["pending"] == []
        again = await approver_cli(tmp_path, cfg, "approve", run["run_id"], "--key", str(key), "--server", url)
        assert again[0] == 2 and "no action waiting" in again[2] and "Traceback" not in again[2]


@pytest.mark.asyncio
async def test_reject_over_http_vetoes(world, tmp_path: Path) -> None:
    settings, cfg, key = world
    async with serving(settings) as client:
        run = await _paused(client, "inc-remote-veto")
        code, out, err = await approver_cli(tmp_path, cfg, "reject", run["run_id"], "--key", str(key),
                                            "--reason", "release freeze", "--server", str(client.base_url))
        assert code == 0, err
        done = (await client.get(f"/v1/runs/{run['run_id']}")).json()
        assert done["status"] == "rejected" and [a["status"] for a in done["actions"]] == ["rejected", "rejected"]


@pytest.mark.asyncio
async def test_printed_decisions_of_two_actions_post_as_one_list(world, tmp_path: Path) -> None:
    settings, cfg, key = world
    async with serving(settings) as client:
        run = await _paused(client, "inc-remote-print")
        pending = (await client.get(f"/v1/runs/{run['run_id']}/pending")).json()
        assert [(p["index"], p["name"]) for p in pending["pending"]] == [(0, "restart_deployment"),
                                                                         (1, "scale_deployment")]
        assert all(p["expires_at"] and p["digest"] == a["digest"] for p, a in zip(pending["pending"], run["actions"]))
        code, out, err = await approver_cli(tmp_path, cfg, "approve", run["run_id"], "--key", str(key),
                                            "--server", str(client.base_url), "--print")
        assert code == 0, err
        lines = [json.loads(line) for line in out.splitlines()]
        assert [d["action_index"] for d in lines] == [0, 1]
        assert (await client.get(f"/v1/runs/{run['run_id']}")).json()["status"] == "awaiting_approval"  # not posted
        tampered = {**lines[1], "action_index": 0}
        partly = await client.post(f"/v1/runs/{run['run_id']}/approvals", json=[lines[0], tampered])
        assert partly.status_code == 403, partly.text
        body = partly.json()
        assert [r["ok"] for r in body["results"]] == [True, False] and "1 of 2" in body["error"]
        assert body["run"]["status"] == "awaiting_approval"
        rest = await client.post(f"/v1/runs/{run['run_id']}/approvals", content=json.dumps([lines[1]]),
                                 headers={"content-type": "application/json"})
        assert rest.status_code == 200, rest.text
        assert rest.json()["resumed"] is True and rest.json()["run"]["status"] == "completed"
        empty = await client.post(f"/v1/runs/{run['run_id']}/approvals", json=[])
        assert empty.status_code == 422 and "list" in empty.json()["error"]


@pytest.mark.asyncio
async def test_whole_print_output_posted_as_a_list_resumes(world, tmp_path: Path) -> None:
    settings, cfg, key = world
    async with serving(settings) as client:
        run = await _paused(client, "inc-remote-list")
        _, out, _ = await approver_cli(tmp_path, cfg, "approve", run["run_id"], "--key", str(key),
                                       "--server", str(client.base_url), "--print")
        body = [json.loads(line) for line in out.splitlines()]
        response = await client.post(f"/v1/runs/{run['run_id']}/approvals", json=body)
        assert response.status_code == 200, response.text
        assert [r["ok"] for r in response.json()["results"]] == [True, True]
        assert response.json()["run"]["status"] == "completed"


@pytest.mark.asyncio
async def test_wrong_token_is_one_line_exit_2(world, tmp_path: Path) -> None:
    settings, cfg, key = world
    async with serving(settings) as client:
        run = await _paused(client, "inc-remote-token")
        code, _, err = await approver_cli(tmp_path, cfg, "approve", run["run_id"], "--key", str(key),
                                          "--server", str(client.base_url), token="wrong")
        assert code == 2 and "OPENCLAW_API_TOKEN" in err and len(err.strip().splitlines()) == 1


def test_unreachable_server_is_one_line_exit_1(world, capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    _, cfg, key = world
    monkeypatch.setenv("OPENCLAW_CONFIG_DIR", str(cfg))
    code = main(["approve", "run-0123456789abcdef", "--key", str(key), "--server", f"http://127.0.0.1:{_free_port()}",
                 "--timeout", "5"])
    err = capsys.readouterr().err
    assert code == 1 and "cannot reach" in err and len(err.strip().splitlines()) == 1
    assert main(["approve", "run-x", "--key", str(key), "--server", "ftp://nope"]) == 2
