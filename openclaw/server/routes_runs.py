"""``GET /v1/runs``, ``GET /v1/runs/{id}``, and signed approvals/rejections of a run's actions.

The approval body is a :class:`~openclaw.approvals.signing.SignedDecision` exactly as
``openclaw approve --print`` prints it, or a JSON list of them (each verified and counted
in order; ``results`` lists each outcome): the approver signs on their own machine and the
private key never reaches the server. ``GET /v1/runs/{id}/pending`` shows what waits for
sign-off, as the approval gate asked (with each request's ``expires_at``). :func:`openclaw.signoff.submit` verifies it,
stores it, tallies the quorum and resumes the run when the quorum is met.
"""

from __future__ import annotations

import dataclasses
import importlib
from typing import Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from openclaw.approvals.signing import SignedDecision
from openclaw.models.run import RunStatus
from openclaw.models.tools import describe_validation_error
from openclaw.errors import OpenClawError
from openclaw.server.bodies import ApiError, error_responses, inline_schema, parse_json, read_body, status_of
from openclaw.server.service import IncidentService

router = APIRouter(prefix="/v1", tags=["runs"])

_RUN_ID = Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")


def _service(request: Request) -> IncidentService:
    return request.app.state.service


@router.get("/runs", summary="The newest runs first", responses=error_responses(422, 503))
async def list_runs(
    request: Request,
    limit: int = Query(50, ge=1, le=1000, description="how many runs (1..1000)"),
    # Typed without None: absent means every status, and a query string cannot carry a null (the schema says so).
    status: RunStatus = Query(None, description="only runs with this status"),  # type: ignore[assignment]
) -> dict[str, Any]:
    return {"runs": await _service(request).list(limit=limit, status=status)}


@router.get("/runs/{run_id}", summary="One run result (the contract of `openclaw runs show --json`)",
            responses=error_responses(404, 422, 503))
async def get_run(request: Request, run_id: str = _RUN_ID) -> JSONResponse:
    return JSONResponse(await _service(request).get(run_id))


_DECISION_SCHEMA = inline_schema(SignedDecision.model_json_schema(mode="validation"))
_DECISION_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"anyOf": [
            _DECISION_SCHEMA, {"type": "array", "items": _DECISION_SCHEMA, "minItems": 1, "maxItems": 100},
        ]}}},
    }
}
_DECISION_ERRORS = error_responses(400, 403, 404, 409, 413, 422, 501, 503)
MAX_DECISIONS = 100
"""Signed decisions one request may carry."""


@router.get("/runs/{run_id}/pending", summary="What waits for sign-off (the approval gate's request, with expires_at)",
            responses=error_responses(404, 422, 503))
async def get_pending(request: Request, run_id: str = _RUN_ID) -> JSONResponse:
    service = _service(request)
    run = await service.get(run_id)
    return JSONResponse({"run_id": run_id, "status": run.get("status"), "pending": await service.pending(run_id)})


@router.post("/runs/{run_id}/approvals", summary="Add signed approval(s) (`openclaw approve --print`)",
             openapi_extra=_DECISION_BODY, responses=_DECISION_ERRORS)
async def post_approval(request: Request, run_id: str = _RUN_ID) -> JSONResponse:
    return await _decide(request, run_id, "approve")


@router.post("/runs/{run_id}/rejections", summary="Add signed rejection(s) (veto)",
             openapi_extra=_DECISION_BODY, responses=_DECISION_ERRORS)
async def post_rejection(request: Request, run_id: str = _RUN_ID) -> JSONResponse:
    return await _decide(request, run_id, "reject")


async def _decide(request: Request, run_id: str, kind: Literal["approve", "reject"]) -> JSONResponse:
    """One signed decision (object) → its outcome; a JSON list of them → each outcome under ``results``."""
    service = _service(request)
    data, _ = parse_json(await read_body(request, request.app.state.settings.server.max_body_bytes))
    if isinstance(data, list):
        return await _decide_many(service, run_id, kind, data)
    decision = _decision_of(data, run_id, kind)
    await service.get(run_id)  # 404 before anything else
    outcome = await _submit(service, run_id, decision)
    return JSONResponse({**_outcome_body(outcome), "run": await service.get(run_id)})


async def _decide_many(service: IncidentService, run_id: str, kind: str, items: list[Any]) -> JSONResponse:
    """Each decision verified and counted in order; 200 when all counted, else the first refusal's status."""
    if not items or len(items) > MAX_DECISIONS:
        raise ApiError(422, f"send one signed decision or a list of 1..{MAX_DECISIONS}, not {len(items)}")
    await service.get(run_id)
    results: list[dict[str, Any]] = []
    for item in items:
        index = item.get("action_index") if isinstance(item, dict) else None
        try:
            outcome = await _submit(service, run_id, _decision_of(item, run_id, kind))
        except ApiError as exc:
            results.append({"action_index": index, "ok": False, "status": exc.status, "error": exc.message})
        except OpenClawError as exc:
            results.append({"action_index": index, "ok": False, "status": status_of(exc), "error": str(exc)})
        else:
            results.append({"action_index": index, "ok": True, "status": 200, **_outcome_body(outcome)})
    body: dict[str, Any] = {"results": results, "resumed": any(r.get("resumed") for r in results),
                            "run": await service.get(run_id)}
    refused = [r for r in results if not r["ok"]]
    if not refused:
        return JSONResponse(body)
    error = f"{len(refused)} of {len(results)} decision(s) refused; first: {refused[0]['error']}"
    return JSONResponse({"error": error, **body}, status_code=refused[0]["status"])


def _decision_of(data: Any, run_id: str, kind: str) -> SignedDecision:
    try:
        decision = SignedDecision.model_validate(data)
    except ValidationError as exc:
        raise ApiError(422, f"invalid signed decision: {describe_validation_error(exc)}") from None
    if decision.kind != kind:
        other = "approvals" if decision.kind == "approve" else "rejections"
        raise ApiError(422, f"this is a signed {decision.kind!r}; post it to /v1/runs/{run_id}/{other}")
    if decision.run_id != run_id:
        raise ApiError(422, f"the decision is signed for run {decision.run_id!r}, not {run_id!r}")
    return decision


async def _submit(service: IncidentService, run_id: str, decision: SignedDecision) -> Any:
    submit = _signoff_submit()
    return await service.decide(run_id, lambda: submit(service.engine, decision))


def _outcome_body(outcome: Any) -> dict[str, Any]:
    settlement = getattr(outcome, "settlement", None)
    return {
        "message": outcome.describe("by the server") if hasattr(outcome, "describe") else getattr(outcome, "message", None),
        "tally": _plain(getattr(outcome, "tally", None)),
        "resumed": bool(getattr(settlement, "resumed", False)),
    }


def _signoff_submit() -> Any:
    try:
        module = importlib.import_module("openclaw.signoff")
    except ModuleNotFoundError as exc:
        if exc.name != "openclaw.signoff":
            raise
        raise ApiError(501, "approvals over HTTP need openclaw.signoff, which this build lacks; use `openclaw approve`") from None
    return module.submit


def _plain(value: Any) -> Any:
    """A tally (pydantic model or dataclass) as JSON-ready data."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return value
