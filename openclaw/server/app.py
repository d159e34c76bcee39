"""``create_app(settings)``: the FastAPI application of ``openclaw serve``.

Nothing happens at import time. ``create_app_from_env()`` is the same app built in a worker process of
``openclaw serve --workers N`` (uvicorn imports it by name, ``factory=True``), from the environment and
the flags the CLI left in ``OPENCLAW_SERVE_ARGS``. The lifespan opens the one shared engine
(:func:`openclaw.wiring.open_engine`), attaches the telemetry callbacks to it, and on
shutdown waits for runs in flight, closes the engine and flushes the exporters.

Routes: ``POST /v1/incidents``, ``POST /v1/alertmanager``, ``GET /v1/runs``,
``GET /v1/runs/{id}``, ``POST /v1/runs/{id}/approvals``, ``POST /v1/runs/{id}/rejections``,
``GET /v1/approvals/queue``, ``GET /v1/approvers``, ``GET /openapi.json`` (all behind the bearer
token when ``OPENCLAW_API_TOKEN`` is set); ``GET /healthz``, ``GET /readyz``, ``GET /metrics`` and
the approvals page's static shell ``GET /ui/`` (open; it holds no data, see :mod:`routes_ui`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from openclaw import __version__
from openclaw.errors import OpenClawError
from openclaw.server import routes_health, routes_incidents, routes_runs, routes_ui
from openclaw.server.auth import require_token
from openclaw.server.bodies import ApiError, error_response, error_responses, status_of
from openclaw.server.service import IncidentService
from openclaw.settings import Settings
from openclaw.telemetry import Telemetry, build_telemetry, telemetry_options
from openclaw.telemetry.tracing import provider_systems

log = logging.getLogger("openclaw.server")

SERVE_ARGS_ENV = "OPENCLAW_SERVE_ARGS"
"""The environment variable through which ``openclaw serve --workers N`` hands its flags to the workers."""

APP_FACTORY = "openclaw.server.app:create_app_from_env"
"""The import string uvicorn's worker processes build the app from (``factory=True``)."""


def create_app_from_env() -> FastAPI:
    """The app of one worker of ``openclaw serve --workers N``: settings from the environment, with the
    flags of ``serve`` (``config_dir``, ``apply``, ``kube_context``: JSON in ``OPENCLAW_SERVE_ARGS``) on top.
    SIGTERM/SIGINT make the worker refuse new incidents at once, as a single-process ``serve`` does."""
    from openclaw.settings import load_settings

    flags = json.loads(os.environ.get(SERVE_ARGS_ENV) or "{}")
    settings = load_settings(config_dir=flags.get("config_dir"), apply=bool(flags.get("apply")),
                             kube_context=flags.get("kube_context"))
    return create_app(settings, refuse_on_signal=True)


def create_app(
    settings: Settings,
    *,
    telemetry: Telemetry | None = None,
    registry: Any = None,
    recover_on_start: bool = True,
    shutdown_grace_s: float | None = None,
    refuse_on_signal: bool = False,
) -> FastAPI:
    """The app for ``settings``. ``telemetry`` (tests: in-memory exporters) defaults to one built
    from ``settings.environ``; ``registry`` replaces the provider registry :mod:`openclaw.wiring` builds;
    ``recover_on_start`` carries on, in the background, the runs of processes that died (:mod:`openclaw.recovery`);
    ``shutdown_grace_s`` overrides ``settings.server.shutdown_grace_s``; ``refuse_on_signal`` makes SIGTERM and
    SIGINT stop the service accepting incidents before uvicorn's own handler runs (a worker process, where
    ``openclaw serve`` cannot subclass uvicorn's server).

    Several processes may serve one store (``serve --workers N`` on one ``OPENCLAW_HOME``, or replicas on one
    ``OPENCLAW_DATABASE_URL``): the one holding the sweeper lease recovers runs whose owner process is gone
    (a conditional update of the owner lets exactly one take each over) and ends expired approval requests;
    a run resumes once, by its resume claim, whichever replica its approvals reach."""
    owns_telemetry = telemetry is None
    if telemetry is None:
        telemetry = build_telemetry(telemetry_options(settings.environ), systems=provider_systems(settings))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from openclaw.wiring import open_engine

        try:
            async with open_engine(settings, registry=registry, callbacks=list(telemetry.callbacks)) as engine:
                grace = settings.server.shutdown_grace_s if shutdown_grace_s is None else shutdown_grace_s
                service = IncidentService(engine, telemetry.metrics, grace_s=grace,
                                          max_concurrent=settings.server.max_concurrent_runs)
                app.state.service = service
                service.start_lease_renewal()
                await service.start_sweeper(expiry_every_s=settings.server.expiry_sweep_s, recover=recover_on_start)
                if refuse_on_signal:
                    _refuse_on_signal(service)
                try:
                    yield
                finally:
                    await service.aclose()
        finally:
            if owns_telemetry:
                await asyncio.to_thread(telemetry.shutdown)

    app = FastAPI(
        title="OpenClaw",
        version=__version__,
        description="Decision engine for Kubernetes incident response: incidents in, decisions out, "
        "signed approvals, metrics. Bearer token required when OPENCLAW_API_TOKEN is set.",
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.telemetry = telemetry
    protected = [Depends(require_token)]
    app.include_router(routes_health.router)
    app.include_router(routes_incidents.router, dependencies=protected, responses=error_responses(401))
    app.include_router(routes_runs.router, dependencies=protected, responses=error_responses(401))
    app.include_router(routes_ui.api, dependencies=protected, responses=error_responses(401))
    app.include_router(routes_ui.page)

    @app.get("/openapi.json", include_in_schema=False, dependencies=protected)
    async def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    _install_error_handlers(app)
    return app


def _refuse_on_signal(service: IncidentService) -> None:
    """Chain SIGTERM/SIGINT: the service refuses new incidents (503), then the handler uvicorn installed runs."""
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(sig)
        if not callable(previous):
            continue

        def handler(signum: int, frame: Any, previous: Any = previous) -> None:
            service.stop_accepting()
            previous(signum, frame)

        signal.signal(sig, handler)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.message, exc.headers)

    @app.exception_handler(OpenClawError)
    async def openclaw_error(_: Request, exc: OpenClawError) -> JSONResponse:
        return error_response(status_of(exc), str(exc))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return error_response(422, f"{where}: {first.get('msg')}" if where else str(first.get("msg")))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else "HTTP error"
        if exc.status_code == 404 and message == "Not Found":
            message = f"no route {request.url.path}; see GET /openapi.json"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}"
        return error_response(exc.status_code, message, getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def crash(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return error_response(500, f"internal error ({type(exc).__name__}); see the server log")
