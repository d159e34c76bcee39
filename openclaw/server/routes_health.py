"""``GET /healthz`` (the process answers), ``GET /readyz`` (store and config usable), ``GET /metrics``.

None of these needs the bearer token: probes and Prometheus scrape them.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from openclaw.config import load_configs
from openclaw.errors import OpenClawError
from openclaw.server.bodies import error_responses
from openclaw.telemetry.metrics import CONTENT_TYPE

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: the database answers and the configs load", responses=error_responses(503))
async def readyz(request: Request) -> JSONResponse:
    service = request.app.state.service
    engine = service.engine
    checks: dict[str, Any] = {}
    problems: list[str] = []
    if service.closing:
        return JSONResponse({"status": "not ready", "checks": {"service": "stopping"},
                             "error": "the service is shutting down"}, status_code=503)
    try:  # the database every replica shares (or the SQLite file), bounded by the ping's own timeout
        await asyncio.to_thread(engine.storage.database.ping)
        checks["store"] = "ok"
    except OpenClawError as exc:
        checks["store"] = "failed"
        problems.append(str(exc))
    checks["database"] = engine.storage.backend
    checks["sweeper"] = "this replica" if service.leader else "another replica"
    try:
        configs = await asyncio.to_thread(load_configs, request.app.state.settings.config_dir)
        checks["config"] = "ok" if configs.hashes == engine.configs.hashes else "changed on disk (restart to apply)"
    except OpenClawError as exc:
        checks["config"] = "failed"
        problems.append(str(exc))
    if problems:
        return JSONResponse({"status": "not ready", "checks": checks, "error": "; ".join(problems)}, status_code=503)
    return JSONResponse({"status": "ready", "checks": checks})


@router.get(
    "/metrics",
    summary="Prometheus metrics (text exposition format)",
    response_class=Response,
    responses={200: {"description": "Prometheus text format 0.0.4",
                     "content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def metrics(request: Request) -> Response:
    body = await asyncio.to_thread(request.app.state.telemetry.metrics.exposition)
    return Response(body, media_type=CONTENT_TYPE)
