"""``GET /v1/runs``, ``GET /v1/runs/{id}``, and signed approvals/rejections of a run's actions.

The approval body is a :class:`~openclaw.approvals.signing.SignedDecision` exactly as
``openclaw approve --print`` prints it: the approver signs on their own machine and the
private key never reaches the server. :func:`openclaw.signoff.submit` verifies it,
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
from openclaw.server.bodies import ApiError, parse_json, read_body
from openclaw.server.service import IncidentService

router = APIRouter(prefix="/v1", tags=["runs"])

_RUN_ID = Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")


def _service(request: Request) -> IncidentService:
    return request.app.state.service


@router.get("/runs", summary="The newest runs first")
async def list_runs(
    request: Request,
    limit: int = Query(50, ge=1, le=1000, description="how many runs (1..1000)"),
    status: RunStatus | None = Query(None, description="only runs with this status"),
) -> dict[str, Any]:
    return {"runs": _service(request).list(limit=limit, status=status)}


@router.get("/runs/{run_id}", summary="One run result (the contract of `openclaw runs show --json`)")
async def get_run(request: Request, run_id: str = _RUN_ID) -> JSONResponse:
    return JSONResponse(_service(request).get(run_id))


_DECISION_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": SignedDecision.model_json_schema(mode="validation")}},
    }
}


@router.post("/runs/{run_id}/approvals", summary="Add a signed approval (`openclaw approve --print`)", openapi_extra=_DECISION_BODY)
async def post_approval(request: Request, run_id: str = _RUN_ID) -> JSONResponse:
    return await _decide(request, run_id, "approve")


@router.post("/runs/{run_id}/rejections", summary="Add a signed rejection (veto)", openapi_extra=_DECISION_BODY)
async def post_rejection(request: Request, run_id: str = _RUN_ID) -> JSONResponse:
    return await _decide(request, run_id, "reject")


async def _decide(request: Request, run_id: str, kind: Literal["approve", "reject"]) -> JSONResponse:
    service = _service(request)
    data, _ = parse_json(await read_body(request, request.app.state.settings.server.max_body_bytes))
    try:
        decision = SignedDecision.model_validate(data)
    except ValidationError as exc:
        raise ApiError(422, f"invalid signed decision: {describe_validation_error(exc)}") from None
    if decision.kind != kind:
        other = "approvals" if decision.kind == "approve" else "rejections"
        raise ApiError(422, f"this is a signed {decision.kind!r}; post it to /v1/runs/{run_id}/{other}")
    if decision.run_id != run_id:
        raise ApiError(422, f"the decision is signed for run {decision.run_id!r}, not {run_id!r}")
    service.get(run_id)  # 404 before anything else
    submit = _signoff_submit()
    outcome = await service.decide(run_id, lambda: submit(service.engine, decision))
    settlement = getattr(outcome, "settlement", None)
    return JSONResponse({
        "message": getattr(outcome, "message", None),
        "tally": _plain(getattr(outcome, "tally", None)),
        "resumed": bool(getattr(settlement, "resumed", False)),
        "run": service.get(run_id),
    })  # fmt: skip


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
