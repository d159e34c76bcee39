"""Hostile request bodies against the HTTP API (in-process through ``httpx.ASGITransport``).

Covers: JSON nested 10,000 deep, an integer of 5,000 digits, a float that overflows to
infinity, ``NaN``/``Infinity``/``-Infinity``, bytes that are not UTF-8 and an unpaired
UTF-16 surrogate escape each get a 400 with one line (no traceback, no 500), on
``/v1/incidents`` and ``/v1/alertmanager``, and each is recorded as refused input: a
failed run holding the raw body, named by ``X-OpenClaw-Run-Id`` and counted as
``invalid`` in ``/metrics``; the same bodies on the approvals endpoint are 400 too; nesting
up to the limit, brackets inside strings, a valid surrogate pair and ordinary numbers are
still accepted; the OpenAPI document declares every error status with the error body
model and ``/metrics`` as text/plain.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from openclaw.storage.sqlite.runs import RunStore
from openclaw.server import create_app
from openclaw.server.bodies import MAX_DEPTH, nesting_depth
from openclaw.settings import Settings, load_settings

pytestmark = pytest.mark.asyncio

JSON = {"content-type": "application/json"}


class Api:
    def __init__(self, client: httpx.AsyncClient, settings: Settings) -> None:
        self.client, self.settings = client, settings

    async def post(self, path: str, body: bytes) -> httpx.Response:
        return await self.client.post(path, content=body, headers=JSON)

    def record(self, response: httpx.Response) -> dict[str, Any]:
        return RunStore(self.settings.state_db).record(response.headers["x-openclaw-run-id"])


@pytest_asyncio.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    settings = load_settings(environ={"OPENCLAW_HOME": str(tmp_path / "home")})
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://openclaw") as client:
            yield Api(client, settings)


DEEP = b'{"description": "deep", "labels": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"
HOSTILE = {
    "nested 10,000 deep": (DEEP, "deeper than 64 levels"),
    "5,000-digit integer": (b'{"description": "big", "replicas": ' + b"7" * 5000 + b"}", "5000 characters"),
    "float overflowing to infinity": (b'{"description": "x", "n": 1e999}', "too large for a 64-bit float"),
    "NaN": (b'{"description": "x", "n": NaN}', "NaN, which is not JSON"),
    "Infinity": (b'{"description": "x", "n": Infinity}', "Infinity, which is not JSON"),
    "-Infinity": (b'{"description": "x", "n": -Infinity}', "-Infinity, which is not JSON"),
    "not UTF-8": (b'{"description": "caf\xe9 restart"}', "not valid UTF-8 (byte 20)"),
    "unpaired surrogate": (b'{"description": "restart \\ud800 now"}', "unpaired UTF-16 surrogate"),
}


def invalid_count(metrics_text: str) -> float:
    line = next((ln for ln in metrics_text.splitlines() if ln.startswith('openclaw_incidents_total{status="invalid"}')), None)
    return float(line.split()[-1]) if line else 0.0


@pytest.mark.parametrize("path", ["/v1/incidents", "/v1/alertmanager"])
@pytest.mark.parametrize("case", list(HOSTILE), ids=list(HOSTILE))
async def test_hostile_body_is_400_one_line_and_recorded(api: Api, path: str, case: str) -> None:
    body, needle = HOSTILE[case]
    before = invalid_count((await api.client.get("/metrics")).text)
    response = await api.post(path, body)
    assert response.status_code == 400, response.text
    error = response.json()
    assert set(error) == {"error"} and needle in error["error"]
    assert "\n" not in error["error"] and "Traceback" not in error["error"]
    record = api.record(response)
    assert record["result"]["status"] == "failed" and needle in record["result"]["error"]
    assert record["raw_input"] and record["raw_input"][:15] == body[:15].decode("utf-8", errors="replace")
    assert error["error"].endswith(f"(recorded as run {record['result']['run_id']})")
    assert invalid_count((await api.client.get("/metrics")).text) == before + 1


@pytest.mark.parametrize("case", ["nested 10,000 deep", "5,000-digit integer", "NaN", "not UTF-8"])
async def test_hostile_signed_decision_is_400(api: Api, case: str) -> None:
    response = await api.post("/v1/runs/run-0123456789abcdef/approvals", HOSTILE[case][0])
    assert response.status_code == 400 and HOSTILE[case][1] in response.json()["error"]


async def test_what_is_still_json_is_still_accepted(api: Api) -> None:
    too_deep = b"[" * MAX_DEPTH + b"1" + b"]" * MAX_DEPTH  # inside the incident object: one level too many
    body = (b'{"description": "show me all pods in awoooi-prod \\ud83d\\ude00 [[[[ {{{{", '
            b'"labels": {"n": "' + b"[" * 500 + b'"}, "annotations": {"big": "' + b"9" * 2000 + b'"}}')
    response = await api.post("/v1/incidents", body)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "completed"
    refused = await api.post("/v1/incidents", b'{"description": "x", "labels": ' + too_deep + b"}")
    assert refused.status_code == 400 and f"deeper than {MAX_DEPTH}" in refused.json()["error"]
    within = await api.post("/v1/incidents", b'{"description": "x", "labels": ' + too_deep[1:-1] + b"}")
    assert within.status_code == 422  # deep enough to reach validation, which refuses a list as labels


async def test_nesting_depth_ignores_brackets_in_strings() -> None:
    assert nesting_depth('{"a": "[[[{{{\\"[[["}') == 1
    assert nesting_depth('[[], [[]], {"x": [1]}]') == 3
    assert nesting_depth("42") == 0


async def test_openapi_declares_every_error_status_with_the_error_body(api: Api) -> None:
    doc = (await api.client.get("/openapi.json")).json()
    error_ref = {"$ref": "#/components/schemas/ErrorBody"}
    assert doc["components"]["schemas"]["ErrorBody"]["required"] == ["error"]
    expected = {
        ("post", "/v1/incidents"): {"400", "401", "409", "413", "422", "503"},
        ("post", "/v1/alertmanager"): {"400", "401", "413", "422", "503"},
        ("get", "/v1/runs"): {"401", "422", "503"},
        ("get", "/v1/runs/{run_id}"): {"401", "404", "422", "503"},
        ("get", "/v1/runs/{run_id}/pending"): {"401", "404", "422", "503"},
        ("post", "/v1/runs/{run_id}/approvals"): {"400", "401", "403", "404", "409", "413", "422", "501", "503"},
        ("post", "/v1/runs/{run_id}/rejections"): {"400", "401", "403", "404", "409", "413", "422", "501", "503"},
        ("get", "/readyz"): {"503"},
    }
    for (method, path), statuses in expected.items():
        responses = doc["paths"][path][method]["responses"]
        errors = {code for code in responses if code.startswith(("4", "5"))}
        assert errors == statuses, (method, path)
        for code in statuses:
            assert responses[code]["content"]["application/json"]["schema"] == error_ref, (method, path, code)
    metrics = doc["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert list(metrics) == ["text/plain"]
    body = doc["paths"]["/v1/incidents"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "$defs" not in json.dumps(body)
    assert body["properties"]["namespace"]["anyOf"][0]["pattern"] == "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
