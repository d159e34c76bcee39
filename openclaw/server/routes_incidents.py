"""``POST /v1/incidents`` and ``POST /v1/alertmanager``: incidents in, run results out.

Invalid JSON is 400, an invalid incident 422; either way the raw body is recorded as a
failed run (``engine.record_rejected``) and the message names that run. An incident id
that already has a run returns that run (200) instead of starting another (``?rerun=true``
starts a new one, linked to the first). Every accepted incident is recorded before it is
answered; a webhook's incidents are driven at most ``max_concurrent_runs`` at a time.
"""

from __future__ import annotations

import asyncio
from typing import Any, NoReturn

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from openclaw.errors import InputError
from openclaw.models.incident import Incident, alertmanager_json_schema, incidents_from_alertmanager, parse_incident
from openclaw.server.bodies import (
    ApiError,
    BodyTooLarge,
    InvalidJSON,
    error_responses,
    incident_id_guess,
    inline_schema,
    parse_json,
    read_body,
)
from openclaw.server.service import RETRY_AFTER_S, IncidentService, ServiceClosing, Submitted

router = APIRouter(prefix="/v1", tags=["incidents"])

_RUN_ID_HEADER = "X-OpenClaw-Run-Id"
_WAIT = Query(True, description="wait for the run to finish or pause (default); false: 202 with the run id")
_RERUN = Query(False, description="start a new run even when the incident id has one (linked to it by rerun_of)")


async def _submit(service: IncidentService, incident: Incident, *, wait: bool, rerun: bool = False,
                  raw_input: str | None = None) -> Submitted:
    try:
        return await service.submit(incident, wait=wait, rerun=rerun, raw_input=raw_input)
    except ServiceClosing as exc:
        raise ApiError(503, str(exc), headers={"Retry-After": str(RETRY_AFTER_S)}) from None


def _service(request: Request) -> IncidentService:
    return request.app.state.service


async def _read_json(request: Request, service: IncidentService) -> tuple[Any, str]:
    """Parse the body; record and raise 413/400 for an oversized or non-JSON body."""
    limit = request.app.state.settings.server.max_body_bytes
    try:
        return parse_json(await read_body(request, limit))
    except BodyTooLarge as exc:
        _refuse(service, exc, raw_input=exc.partial.decode("utf-8", errors="replace"))
    except InvalidJSON as exc:
        _refuse(service, exc, raw_input=exc.text)


def _refuse(service: IncidentService, exc: ApiError, *, raw_input: str | None, incident_id: str | None = None, raw: Any = None) -> NoReturn:
    run_id = service.reject(exc.message, raw_input=raw_input, incident_id=incident_id, raw=raw)
    raise ApiError(exc.status, f"{exc.message} (recorded as run {run_id})", headers={_RUN_ID_HEADER: run_id})


def _response(submitted: Submitted) -> JSONResponse:
    headers = {_RUN_ID_HEADER: submitted.run_id}
    if submitted.result is None:
        return JSONResponse(submitted.accepted_body(), status_code=202, headers=headers)
    return JSONResponse(submitted.result, status_code=200, headers=headers)


_ACCEPTED = {
    "type": "object",
    "required": ["run_id", "incident_id", "status"],
    "properties": {"run_id": {"type": "string"}, "incident_id": {"type": "string"}, "status": {"type": "string"}},
}
_INCIDENT_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": inline_schema(Incident.model_json_schema(mode="validation"))}},
    }
}


@router.post(
    "/incidents",
    summary="Run one incident through the decision pipeline",
    openapi_extra=_INCIDENT_BODY,
    responses={
        200: {"description": "the run result (also for an incident id that already has a run)"},
        202: {"description": "?wait=false: {run_id, incident_id, status: accepted}",
              "content": {"application/json": {"schema": _ACCEPTED}}},
        **error_responses(400, 409, 413, 422, 503),
    },
)
async def post_incident(request: Request, wait: bool = _WAIT, rerun: bool = _RERUN) -> JSONResponse:
    service = _service(request)
    data, text = await _read_json(request, service)
    try:
        incident = parse_incident(data)
    except InputError as exc:
        _refuse(service, ApiError(422, str(exc)), raw_input=text, incident_id=incident_id_guess(data), raw=data)
    return _response(await _submit(service, incident, wait=wait, rerun=rerun, raw_input=text))


@router.post(
    "/alertmanager",
    summary="Alertmanager webhook (version 4): one run per group of firing alerts about one subject",
    openapi_extra={"requestBody": {"required": True,
                                   "content": {"application/json": {"schema": inline_schema(alertmanager_json_schema())}}}},
    responses={
        200: {"description": "{runs: [run result], rejected: [{incident_id, error, run_id}], resolved: [incident_id]}"},
        202: {"description": "?wait=false: runs are {run_id, incident_id, status: accepted}",
              "content": {"application/json": {"schema": {"type": "object", "required": ["runs", "rejected", "resolved"]}}}},
        **error_responses(400, 413, 422, 503),
    },
)
async def post_alertmanager(request: Request, wait: bool = _WAIT) -> JSONResponse:
    service = _service(request)
    if service.closing:
        raise ApiError(503, f"the service is shutting down; retry in {RETRY_AFTER_S} s",
                       headers={"Retry-After": str(RETRY_AFTER_S)})
    data, text = await _read_json(request, service)
    if not isinstance(data, dict):
        _refuse(service, ApiError(422, f"an Alertmanager webhook is a JSON object, got {type(data).__name__}"), raw_input=text)
    try:
        loaded = incidents_from_alertmanager(data)
    except InputError as exc:
        _refuse(service, ApiError(422, str(exc)), raw_input=text, raw=data)
    rejected = [
        {"incident_id": r.incident_id, "error": r.error,
         "run_id": service.reject(r.error, raw_input=None, incident_id=r.incident_id, raw=r.raw)}
        for r in loaded.rejected
    ]  # fmt: skip
    resolved = [await _record_resolved(service, alert) for alert in loaded.resolved]
    submitted = await asyncio.gather(*(_submit(service, i, wait=wait) for i in loaded.incidents))
    runs = [s.result if s.result is not None else s.accepted_body() for s in submitted]
    body = {"runs": runs, "rejected": rejected, "resolved": resolved}
    return JSONResponse(body, status_code=200 if wait or not submitted else 202)


async def _record_resolved(service: IncidentService, alert: dict[str, Any]) -> str:
    """A resolved alert goes to the audit log (kind ``alert_resolved``) under the run that holds it, and that
    run's open approval requests are cancelled (see :func:`openclaw.signoff.resolve_alert`)."""
    from openclaw.signoff import resolve_alert

    await resolve_alert(service.engine, alert)
    return alert["id"]
