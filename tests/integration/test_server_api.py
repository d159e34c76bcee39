"""The HTTP API in-process through ``httpx.ASGITransport`` (lifespan run by the test), embedded defaults.

Covers: POST /v1/incidents waits and returns the exact run-result contract; ``?wait=false``
returns 202 and the run finishes in the background; the same incident id returns the
existing run (also while the first is still in flight, against a stalled loopback LLM);
invalid JSON → 400, invalid incident → 422, oversized body → 413, each recorded with its
raw body; bearer auth (missing, malformed, wrong, right; health and metrics stay open;
the OpenAPI document is protected and lists every route); 20 concurrent submissions with
none lost; GET /v1/runs and /v1/runs/{id} (404 as a JSON error); the Alertmanager v4
webhook (one run per firing alert, resolved ones audited, not run); a signed approval
posted over HTTP resumes a paused run; a signed rejection vetoes it; a decision posted to
the wrong endpoint or for another run is refused; /readyz (503 naming the file when a config
breaks on disk); the webhook's ``?wait=false`` (202, the runs finish); OPENCLAW_MAX_BODY_BYTES
(applied, and a bad value named); the event loop answers /healthz while a run read, a run list
or an approval's store write is held in its worker thread.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from openclaw.approvals.approvers import add_approver
from openclaw.approvals.keys import generate_keypair
from openclaw.errors import ConfigError
from openclaw.models.run import RunResult
from openclaw.storage.sqlite.audit import AuditLog
from openclaw.storage.sqlite.runs import RunStore
from openclaw.server import create_app
from openclaw.settings import Settings, load_settings
from openclaw.signoff import sign_for_run
from openclaw.testing.llm_sim import LLMSimulator
from openclaw.testing.llm_sim_replies import ToolCall

pytestmark = pytest.mark.asyncio

TOKEN = "s3cret-token-for-tests"
READ_ONLY = "Show me all pods in awoooi-prod namespace"
PROD_RESTART = "The API is not responding, please restart the awoooi-api deployment"


class Api:
    """A running app and an authenticated client for it."""

    def __init__(self, app: Any, client: httpx.AsyncClient, settings: Settings) -> None:
        self.app, self.client, self.settings = app, client, settings

    async def post(self, path: str, body: Any = None, **kw: Any) -> httpx.Response:
        return await self.client.post(path, json=body, **kw) if body is not None else await self.client.post(path, **kw)

    def store(self) -> RunStore:
        return RunStore(self.settings.state_db)


async def _open(settings: Settings, **headers: str) -> AsyncIterator[Api]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://openclaw", headers=headers) as client:
            yield Api(app, client, settings)


@pytest_asyncio.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    settings = load_settings(environ={"OPENCLAW_HOME": str(tmp_path / "home"), "OPENCLAW_API_TOKEN": TOKEN})
    async for opened in _open(settings, authorization=f"Bearer {TOKEN}"):
        yield opened


# --- incidents ---------------------------------------------------------------------------------


async def test_post_incident_waits_and_returns_the_run_result_contract(api: Api) -> None:
    response = await api.post("/v1/incidents", {"id": "inc-read-1", "description": READ_ONLY})
    assert response.status_code == 200
    body = response.json()
    assert RunResult.model_validate(body).model_dump(mode="json") == body
    assert (body["incident_id"], body["status"]) == ("inc-read-1", "completed")
    assert response.headers["x-openclaw-run-id"] == body["run_id"]
    stored = await api.client.get(f"/v1/runs/{body['run_id']}")
    assert stored.json() == body


async def test_wait_false_returns_202_and_the_run_finishes_in_the_background(api: Api) -> None:
    response = await api.post("/v1/incidents?wait=false", {"id": "inc-bg-1", "description": READ_ONLY})
    assert response.status_code == 202
    accepted = response.json()
    assert accepted["status"] == "accepted" and accepted["incident_id"] == "inc-bg-1"
    assert accepted["run_id"].startswith("run-")
    await asyncio.gather(*api.app.state.service._tasks)
    run = (await api.client.get(f"/v1/runs/{accepted['run_id']}")).json()
    assert run["status"] == "completed"


async def test_same_incident_id_returns_the_existing_run(api: Api) -> None:
    first = (await api.post("/v1/incidents", {"id": "inc-dup", "description": READ_ONLY})).json()
    second = await api.post("/v1/incidents", {"id": "inc-dup", "description": "something else entirely"})
    assert second.status_code == 200
    assert second.json()["run_id"] == first["run_id"]
    assert [r["run_id"] for r in api.store().list() if r["incident_id"] == "inc-dup"] == [first["run_id"]]


async def test_same_incident_id_while_the_first_run_is_in_flight(tmp_path: Path) -> None:
    released = threading.Event()  # nim answers when the test says so, not after a delay a loaded machine may outlast

    def held(_body: dict) -> ToolCall:
        released.wait(60)
        return ToolCall("restart_deployment", {"deployment": "awoooi-api", "namespace": "awoooi-staging"})

    with LLMSimulator() as sim:
        sim.set_hook(held, prefix="nim")
        settings = load_settings(environ={"OPENCLAW_HOME": str(tmp_path / "home"), "NVIDIA_API_KEY": "k",
                                          "NVIDIA_API_BASE_URL": sim.openai_url("nim")})
        async for api in _open(settings):
            body = {"id": "inc-flight", "description": "restart deployment awoooi-api in namespace awoooi-staging"}
            try:
                accepted = await api.post("/v1/incidents?wait=false", body)
                assert accepted.status_code == 202
                assert api.app.state.service._inflight  # the first run is still going
                again = await api.post("/v1/incidents?wait=false", body)
                waiting = asyncio.ensure_future(api.post("/v1/incidents", body))
                await asyncio.sleep(0.05)  # usually joins the run in flight; after it ends, it gets the stored run
            finally:
                released.set()
            waited = await waiting
            assert again.status_code == 202 and again.json()["run_id"] == accepted.json()["run_id"]
            assert waited.status_code == 200 and waited.json()["run_id"] == accepted.json()["run_id"]
            assert waited.json()["decision"]["provider"] == "nim"
            assert len([r for r in sim.requests if r.path.endswith("/chat/completions")]) == 1
            assert len(api.store().list()) == 1


async def test_twenty_concurrent_submissions_none_lost(api: Api) -> None:
    bodies = [{"id": f"inc-c{i:02d}", "description": READ_ONLY if i % 2 else PROD_RESTART} for i in range(20)]
    responses = await asyncio.gather(*(api.post("/v1/incidents", b) for b in bodies))
    assert [r.status_code for r in responses] == [200] * 20
    results = [r.json() for r in responses]
    assert sorted(r["incident_id"] for r in results) == sorted(b["id"] for b in bodies)
    assert len({r["run_id"] for r in results}) == 20
    assert {r["status"] for r in results} == {"completed", "awaiting_approval"}
    listed = (await api.client.get("/v1/runs", params={"limit": 100})).json()["runs"]
    assert sorted(r["run_id"] for r in listed) == sorted(r["run_id"] for r in results)


# --- bad input ---------------------------------------------------------------------------------


async def test_invalid_json_is_400_and_recorded_with_the_raw_body(api: Api) -> None:
    response = await api.post("/v1/incidents", content=b'{"description": "restart', headers={"content-type": "application/json"})
    assert response.status_code == 400
    error = response.json()
    assert set(error) == {"error"} and "not valid JSON" in error["error"] and "line 1" in error["error"]
    record = api.store().record(response.headers["x-openclaw-run-id"])
    assert record["raw_input"] == '{"description": "restart'
    assert record["result"]["status"] == "failed" and "not valid JSON" in record["result"]["error"]


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"description": ""}, "description"),
        ({"id": "inc-x", "description": "ok", "colour": "red"}, "colour"),
        ({"description": "ok", "severity": "apocalyptic"}, "severity"),
        ([{"description": "a list"}], "JSON object"),
    ],
)
async def test_invalid_incident_is_422_and_recorded(api: Api, body: Any, needle: str) -> None:
    response = await api.post("/v1/incidents", body)
    assert response.status_code == 422
    assert needle in response.json()["error"]
    record = api.store().record(response.headers["x-openclaw-run-id"])
    assert json.loads(record["raw_input"]) == body
    assert record["result"]["status"] == "failed"


async def test_invalid_incident_does_not_block_a_later_valid_one_with_that_id(api: Api) -> None:
    bad = await api.post("/v1/incidents", {"id": "inc-fix", "description": ""})
    assert bad.status_code == 422
    good = await api.post("/v1/incidents", {"id": "inc-fix", "description": READ_ONLY})
    assert good.status_code == 200 and good.json()["status"] == "completed"
    assert good.json()["run_id"] != bad.headers["x-openclaw-run-id"]


async def test_oversized_body_is_413(tmp_path: Path) -> None:
    settings = load_settings(environ={"OPENCLAW_HOME": str(tmp_path / "home")})
    settings = settings.model_copy(update={"server": settings.server.model_copy(update={"max_body_bytes": 200})})
    async for api in _open(settings):
        response = await api.post("/v1/incidents", {"description": "x" * 500})
        assert response.status_code == 413
        assert "larger than 200 bytes" in response.json()["error"]
        assert api.store().get(response.headers["x-openclaw-run-id"])["status"] == "failed"


async def test_max_body_bytes_comes_from_the_environment(tmp_path: Path) -> None:
    settings = load_settings(environ={"OPENCLAW_HOME": str(tmp_path / "home"), "OPENCLAW_MAX_BODY_BYTES": "300"})
    assert settings.server.max_body_bytes == 300
    async for api in _open(settings):
        assert (await api.post("/v1/incidents", {"description": READ_ONLY})).status_code == 200
        response = await api.post("/v1/incidents", {"description": "x" * 400})
        assert response.status_code == 413 and "larger than 300 bytes" in response.json()["error"]


@pytest.mark.parametrize("raw", ["lots", "1.5", "0", "-1"])
async def test_max_body_bytes_that_is_not_a_positive_number_is_named(tmp_path: Path, raw: str) -> None:
    with pytest.raises(ConfigError, match="OPENCLAW_MAX_BODY_BYTES") as info:
        load_settings(environ={"OPENCLAW_HOME": str(tmp_path / "home"), "OPENCLAW_MAX_BODY_BYTES": raw})
    assert "\n" not in str(info.value)


async def test_readyz_is_503_when_a_config_breaks_on_disk(tmp_path: Path, config_dir: Path) -> None:
    configs = tmp_path / "configs"
    shutil.copytree(config_dir, configs)
    settings = load_settings(config_dir=configs, environ={"OPENCLAW_HOME": str(tmp_path / "home")})
    async for api in _open(settings):
        assert (await api.client.get("/readyz")).status_code == 200
        (configs / "routing.yaml").write_text("routes: [broken\n")
        ready = await api.client.get("/readyz")
        assert ready.status_code == 503
        body = ready.json()
        assert body["status"] == "not ready" and body["checks"] == {"store": "ok", "config": "failed", "database": "sqlite", "sweeper": "this replica"}
        assert "routing.yaml" in body["error"]


# --- auth ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "needle"),
    [(None, "missing"), ("Basic abc", "must be 'Bearer"), ("Bearer wrong-token", "invalid bearer token"),
     (f"Bearer {TOKEN}x", "invalid bearer token")],
)
async def test_protected_endpoints_need_the_bearer_token(api: Api, header: str | None, needle: str) -> None:
    headers = {"authorization": header} if header else {}
    for method, path in (("POST", "/v1/incidents"), ("GET", "/v1/runs"), ("GET", "/v1/runs/run-x"),
                         ("POST", "/v1/alertmanager"), ("POST", "/v1/runs/run-x/approvals"), ("GET", "/openapi.json")):
        request = api.client.build_request(method, path, json={"description": READ_ONLY} if method == "POST" else None)
        request.headers.pop("authorization", None)
        request.headers.update(headers)
        response = await api.client.send(request)
        assert response.status_code == 401, (method, path)
        assert needle in response.json()["error"]
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert api.store().list() == []  # nothing ran, nothing recorded


async def test_health_and_metrics_are_open(api: Api) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api.app), base_url="http://openclaw") as anonymous:
        assert (await anonymous.get("/healthz")).json() == {"status": "ok"}
        ready = await anonymous.get("/readyz")
        assert ready.status_code == 200 and ready.json()["checks"] == {"store": "ok", "config": "ok", "database": "sqlite", "sweeper": "this replica"}
        metrics = await anonymous.get("/metrics")
        assert metrics.status_code == 200 and "openclaw_approvals_pending" in metrics.text


async def test_openapi_document_lists_every_route(api: Api) -> None:
    document = (await api.client.get("/openapi.json")).json()
    assert set(document["paths"]) >= {
        "/v1/incidents", "/v1/alertmanager", "/v1/runs", "/v1/runs/{run_id}", "/v1/runs/{run_id}/approvals",
        "/v1/runs/{run_id}/rejections", "/healthz", "/readyz", "/metrics",
    }
    body = document["paths"]["/v1/incidents"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "description" in body["required"]


# --- runs ----------------------------------------------------------------------------------------


async def test_unknown_run_and_route_are_json_errors(api: Api) -> None:
    missing = await api.client.get("/v1/runs/run-doesnotexist")
    assert missing.status_code == 404 and "GET /v1/runs" in missing.json()["error"]
    assert "openclaw.db" not in missing.json()["error"]
    nowhere = await api.client.get("/v2/nothing")
    assert nowhere.status_code == 404 and set(nowhere.json()) == {"error"}
    bad_query = await api.client.get("/v1/runs", params={"limit": 0})
    assert bad_query.status_code == 422 and "limit" in bad_query.json()["error"]


# --- alertmanager --------------------------------------------------------------------------------


def _alert(status: str, fingerprint: str, **labels: str) -> dict[str, Any]:
    return {"status": status, "fingerprint": fingerprint, "startsAt": "2026-01-01T00:00:00Z",
            "labels": {"alertname": "PodsDown", **labels},
            "annotations": {"description": "Show me all pods in awoooi-prod namespace"}}


async def test_alertmanager_webhook_runs_each_subject_and_audits_resolved_ones(api: Api) -> None:
    payload = {"version": "4", "status": "firing", "receiver": "openclaw", "alerts": [
        _alert("firing", "aaa111", severity="warning", node="node-1"), _alert("firing", "bbb222", node="node-2"),
        _alert("firing", "aab111", node="node-1"), _alert("resolved", "ccc333"),
        {**_alert("firing", "ddd444"), "labels": {"alertname": "X", "namespace": "Not_A_Namespace!"}},
    ]}  # fmt: skip
    response = await api.post("/v1/alertmanager", payload)
    assert response.status_code == 200
    body = response.json()
    # One run per subject: the two alerts about node-1 are one incident (the earliest alert names it).
    assert sorted(r["incident_id"] for r in body["runs"]) == ["am-aaa111-1767225600", "am-bbb222-1767225600"]
    assert all(r["status"] == "completed" for r in body["runs"])
    assert body["resolved"] == ["am-ccc333-1767225600"]
    [rejected] = body["rejected"]
    assert rejected["incident_id"] == "am-ddd444-1767225600" and "namespace" in rejected["error"]
    assert api.store().get(rejected["run_id"])["status"] == "failed"
    kinds = [e.kind for e in AuditLog(api.settings.state_db).entries()]
    assert "alert_resolved" in kinds
    again = (await api.post("/v1/alertmanager", payload)).json()  # Alertmanager retries: no second run
    assert sorted(r["run_id"] for r in again["runs"]) == sorted(r["run_id"] for r in body["runs"])


async def test_alertmanager_webhook_wait_false_is_202_and_the_runs_finish(api: Api) -> None:
    payload = {"version": "4", "alerts": [_alert("firing", "eee555", node="node-1"),
                                          _alert("firing", "fff666", node="node-2"), _alert("resolved", "ggg777")]}
    response = await api.post("/v1/alertmanager?wait=false", payload)
    assert response.status_code == 202, response.text
    body = response.json()
    assert [r["status"] for r in body["runs"]] == ["accepted", "accepted"]
    assert sorted(r["incident_id"] for r in body["runs"]) == ["am-eee555-1767225600", "am-fff666-1767225600"]
    assert body["resolved"] == ["am-ggg777-1767225600"] and body["rejected"] == []
    await asyncio.gather(*api.app.state.service._tasks)
    for accepted in body["runs"]:
        assert (await api.client.get(f"/v1/runs/{accepted['run_id']}")).json()["status"] == "completed"
    only_resolved = await api.post("/v1/alertmanager?wait=false", {"version": "4", "alerts": [_alert("resolved", "hhh888")]})
    assert only_resolved.status_code == 200  # nothing started: nothing to accept


async def test_alertmanager_webhook_that_is_not_v4_is_422(api: Api) -> None:
    response = await api.post("/v1/alertmanager", {"version": "3", "alerts": []})
    assert response.status_code == 422 and "Alertmanager" in response.json()["error"]


# --- approvals -----------------------------------------------------------------------------------


@pytest_asyncio.fixture
async def approving(tmp_path: Path, config_dir: Path) -> AsyncIterator[tuple[Api, Path]]:
    configs = tmp_path / "configs"
    shutil.copytree(config_dir, configs)
    pair = generate_keypair("alice", tmp_path / "keys")
    add_approver(configs / "approvers.yaml", "alice", pair.public_key, ["sre"])
    settings = load_settings(config_dir=configs, environ={"OPENCLAW_HOME": str(tmp_path / "home"),
                                                         "OPENCLAW_API_TOKEN": TOKEN})
    async for api in _open(settings, authorization=f"Bearer {TOKEN}"):
        yield api, pair.private_path


async def _pending(api: Api) -> float:
    text = (await api.client.get("/metrics")).text
    return float(next(line.split()[1] for line in text.splitlines() if line.startswith("openclaw_approvals_pending ")))


async def test_signed_approval_over_http_resumes_the_run(approving: tuple[Api, Path]) -> None:
    api, key = approving
    paused = (await api.post("/v1/incidents", {"id": "inc-approve", "description": PROD_RESTART})).json()
    assert paused["status"] == "awaiting_approval"
    assert await _pending(api) == 1
    [decision] = sign_for_run(paused, key, kind="approve", approver="alice")
    response = await api.post(f"/v1/runs/{paused['run_id']}/approvals", decision.model_dump(mode="json"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["resumed"] is True and "approved" in body["message"]
    run = body["run"]
    assert run["status"] == "completed"
    [action] = run["actions"]
    assert action["status"] == "planned" and [a["approver"] for a in action["approvals"]] == ["alice"]
    assert (await api.client.get(f"/v1/runs/{paused['run_id']}")).json()["status"] == "completed"
    assert await _pending(api) == 0
    replay = await api.post(f"/v1/runs/{paused['run_id']}/approvals", decision.model_dump(mode="json"))
    assert replay.status_code == 403 and "no longer waiting" in replay.json()["error"]


async def test_signed_rejection_vetoes_and_wrong_endpoint_or_run_is_refused(approving: tuple[Api, Path]) -> None:
    api, key = approving
    paused = (await api.post("/v1/incidents", {"id": "inc-reject", "description": PROD_RESTART})).json()
    [veto] = sign_for_run(paused, key, kind="reject", approver="alice", reason="not during the release freeze")
    wrong = await api.post(f"/v1/runs/{paused['run_id']}/approvals", veto.model_dump(mode="json"))
    assert wrong.status_code == 422 and "/rejections" in wrong.json()["error"]
    other = await api.post("/v1/runs/run-someotherrun/rejections", veto.model_dump(mode="json"))
    assert other.status_code == 422 and "signed for run" in other.json()["error"]
    tampered = {**veto.model_dump(mode="json"), "reason": "changed after signing"}
    forged = await api.post(f"/v1/runs/{paused['run_id']}/rejections", tampered)
    assert forged.status_code == 403 and "bad signature" in forged.json()["error"]
    response = await api.post(f"/v1/runs/{paused['run_id']}/rejections", veto.model_dump(mode="json"))
    assert response.status_code == 200, response.text
    assert response.json()["run"]["status"] == "rejected"
    garbage = await api.post(f"/v1/runs/{paused['run_id']}/approvals", {"kind": "approve"})
    assert garbage.status_code == 422 and "invalid signed decision" in garbage.json()["error"]


# --- the event loop stays free -------------------------------------------------------------------

HELD_BOUND_S = 60.0
"""How long a held store call waits for the test at most (a failing test, not a passing one, waits this long)."""


async def _answers_while_held(api: Api, owner: Any, method: str, request: Any) -> httpx.Response:
    """Hold ``owner.method`` inside its call (a threading.Event, not a delay), send ``request``, check that the
    same event loop answers /healthz meanwhile, release. Were the call made on the loop, the loop would wait on
    the event the test sets only after /healthz answered, and the request would be done before the test looks."""
    real = getattr(owner, method)
    entered, release = threading.Event(), threading.Event()

    def held(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        release.wait(HELD_BOUND_S)
        return real(*args, **kwargs)

    setattr(owner, method, held)
    try:
        pending = asyncio.ensure_future(request())
        assert await asyncio.to_thread(entered.wait, HELD_BOUND_S)
        assert (await api.client.get("/healthz")).status_code == 200
        assert not pending.done()  # still inside the held call, and the loop answered anyway
    finally:
        release.set()
        setattr(owner, method, real)
    return await pending


async def test_reading_runs_leaves_the_loop_free(api: Api) -> None:
    run = (await api.post("/v1/incidents", {"id": "inc-loop-read", "description": READ_ONLY})).json()
    store = api.app.state.service.engine.store
    got = await _answers_while_held(api, store, "get", lambda: api.client.get(f"/v1/runs/{run['run_id']}"))
    assert got.json()["run_id"] == run["run_id"]
    listed = await _answers_while_held(api, store, "list", lambda: api.client.get("/v1/runs"))
    assert [r["run_id"] for r in listed.json()["runs"]] == [run["run_id"]]


async def test_an_approval_leaves_the_loop_free(approving: tuple[Api, Path]) -> None:
    api, key = approving
    paused = (await api.post("/v1/incidents", {"id": "inc-loop-approve", "description": PROD_RESTART})).json()
    assert paused["status"] == "awaiting_approval"
    [decision] = sign_for_run(paused, key, kind="approve", approver="alice")
    approvals = api.app.state.service.engine.storage.approvals
    answered = await _answers_while_held(
        api, approvals, "add",
        lambda: api.post(f"/v1/runs/{paused['run_id']}/approvals", decision.model_dump(mode="json")))
    assert answered.status_code == 200, answered.text
    assert answered.json()["run"]["status"] == "completed"
