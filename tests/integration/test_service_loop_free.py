"""The service's store calls leave the event loop: while one request's store call is held (a threading.Event,
not a delay), the same event loop still answers ``/healthz``.

Covers: ``GET /v1/runs/{id}`` with the run store's read held, ``GET /v1/runs`` with its list held, and
``POST /v1/runs/{id}/approvals`` with the approvals store's write held. Were a call made on the loop, the
loop would wait on the event the test sets only after ``/healthz`` answered (up to the event's bound), and
the request would be done before the test looks.
"""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from openclaw.approvals.approvers import add_approver
from openclaw.approvals.keys import generate_keypair
from openclaw.server import create_app
from openclaw.settings import load_settings
from openclaw.signoff import sign_for_run

pytestmark = pytest.mark.asyncio

TOKEN = "loop-free-token"
READ_ONLY = "Show me all pods in awoooi-prod namespace"
PROD_RESTART = "The API is not responding, please restart the awoooi-api deployment"
BOUND_S = 60.0
"""How long a held call waits for the test at most (a failing test, not a passing one, waits this long)."""


@pytest_asyncio.fixture
async def served(tmp_path: Path, config_dir: Path) -> AsyncIterator[tuple[Any, httpx.AsyncClient, Path]]:
    configs = tmp_path / "configs"
    shutil.copytree(config_dir, configs)
    pair = generate_keypair("alice", tmp_path / "keys")
    add_approver(configs / "approvers.yaml", "alice", pair.public_key, ["sre"])
    settings = load_settings(config_dir=configs, environ={"OPENCLAW_HOME": str(tmp_path / "home"),
                                                         "OPENCLAW_API_TOKEN": TOKEN})
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://openclaw",
                                     headers={"authorization": f"Bearer {TOKEN}"}) as client:
            yield app, client, pair.private_path


async def _answers_while_held(client: httpx.AsyncClient, owner: Any, method: str,
                              request: Callable[[], Any]) -> httpx.Response:
    """Hold ``owner.method`` inside its call, send ``request``, check /healthz answers meanwhile, release."""
    real = getattr(owner, method)
    entered, release = threading.Event(), threading.Event()

    def held(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        release.wait(BOUND_S)
        return real(*args, **kwargs)

    setattr(owner, method, held)
    try:
        pending = asyncio.ensure_future(request())
        assert await asyncio.to_thread(entered.wait, BOUND_S)
        health = await client.get("/healthz")
        assert health.status_code == 200
        assert not pending.done()  # still inside the held call, and the loop answered anyway
    finally:
        release.set()
        setattr(owner, method, real)
    return await pending


async def test_reading_a_run_leaves_the_loop_free(served) -> None:
    app, client, _ = served
    run = (await client.post("/v1/incidents", json={"id": "inc-loop-read", "description": READ_ONLY})).json()
    store = app.state.service.engine.store
    got = await _answers_while_held(client, store, "get", lambda: client.get(f"/v1/runs/{run['run_id']}"))
    assert got.json()["run_id"] == run["run_id"]
    listed = await _answers_while_held(client, store, "list", lambda: client.get("/v1/runs"))
    assert [r["run_id"] for r in listed.json()["runs"]] == [run["run_id"]]


async def test_an_approval_leaves_the_loop_free(served) -> None:
    app, client, key = served
    paused = (await client.post("/v1/incidents", json={"id": "inc-loop-approve", "description": PROD_RESTART})).json()
    assert paused["status"] == "awaiting_approval"
    [decision] = sign_for_run(paused, key, kind="approve", approver="alice")
    approvals = app.state.service.engine.storage.approvals
    answered = await _answers_while_held(
        client, approvals, "add",
        lambda: client.post(f"/v1/runs/{paused['run_id']}/approvals", json=decision.model_dump(mode="json")))
    assert answered.status_code == 200, answered.text
    assert answered.json()["run"]["status"] == "completed"
