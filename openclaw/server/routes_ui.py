"""The approvals page: ``GET /ui/`` (static HTML, JS and CSS shipped in ``openclaw/server/static``)
and the two reads it needs, ``GET /v1/approvals/queue`` and ``GET /v1/approvers``.

The page is a shell with no data in it: it is served without the bearer token, and every
datum it shows comes from the API behind the token (the page asks for it, or reads it from
the link's ``#token=`` fragment, which browsers never send to the server). Signing happens
in the browser with WebCrypto Ed25519 on a non-extractable key; the signed decision is
posted to ``/v1/runs/{id}/approvals`` or ``/rejections`` like ``openclaw approve --server``.

Every page response carries a strict Content-Security-Policy (no inline script or style,
only this origin, no framing), ``X-Content-Type-Options: nosniff``, ``Referrer-Policy:
no-referrer`` and ``Cache-Control: no-store``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from openclaw.approvals.digest import iso_utc, parse_utc
from openclaw.server.service import IncidentService

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
}
_FILES = {
    "index.html": "text/html; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
}
QUEUE_LIMIT = 200
"""Runs awaiting approval the queue shows at most (newest first)."""

page = APIRouter(include_in_schema=False)
"""The static shell: open (it holds no data)."""
api = APIRouter(prefix="/v1", tags=["approvals page"])
"""What the page reads: behind the bearer token like the rest of ``/v1``."""


def _static(name: str) -> Response:
    body = resources.files("openclaw.server").joinpath("static", name).read_bytes()
    return Response(body, media_type=_FILES[name], headers=PAGE_HEADERS)


@page.get("/ui")
async def ui_root() -> Response:
    return RedirectResponse("/ui/", status_code=308, headers=PAGE_HEADERS)


@page.get("/ui/")
async def ui_index() -> Response:
    return _static("index.html")


@page.get("/ui/{name}")
async def ui_file(name: str) -> Response:
    if name not in _FILES:
        return Response(status_code=404, headers=PAGE_HEADERS)
    return _static(name)


def _service(request: Request) -> IncidentService:
    return request.app.state.service


@api.get("/approvers", summary="Registered approvers and their public keys (the page finds the signer's name here)")
async def list_approvers(request: Request) -> dict[str, Any]:
    from openclaw.signoff import load_current_approvers

    config = load_current_approvers(_service(request).engine.settings.config_dir)
    return {"approvers": [
        {"name": a.name, "groups": list(a.groups), "public_key": a.public_key, "fingerprint": a.fingerprint}
        for a in config.approvers
    ]}


@api.get("/approvals/queue", summary="Runs awaiting approval, each waiting action with what an approver needs")
async def approval_queue(request: Request) -> JSONResponse:
    """``{"now", "runs": [{run_id, incident_id, incident, created_at, decision_reply, subject, evidence, rests_on,
    actions}]}`` (``evidence`` and ``subject`` as in the run result; ``rests_on``: the evidence ids the
    decision names).

    Each action: the gate's pending entry (index, name, args, digest, approvals_required, tier,
    group, expires_at), its risk, reasons and policy version, the verified approvals so far,
    ``expired`` and ``request`` (nonce, cluster, policy_version, expires_at: with the action
    they make the digest, which the page recomputes before it signs). ``now`` is the service's
    clock; ``expired`` is judged by it, so the page does not offer to sign a request the service
    would refuse as expired."""
    service = _service(request)
    now = datetime.fromtimestamp(service.engine.context.clock(), UTC)
    runs = []
    for row in await service.list(limit=QUEUE_LIMIT, status="awaiting_approval"):
        entry = await _queue_entry(service, row["run_id"], now)
        if entry is not None:
            runs.append(entry)
    return JSONResponse({"now": iso_utc(now), "runs": runs})


async def _queue_entry(service: IncidentService, run_id: str, now: datetime) -> dict[str, Any] | None:
    from openclaw.nodes.approval_gate import pending_view, waiting
    from openclaw.signoff import current_tallies

    result = await service.get(run_id)
    values = (await service.engine.checkpoint(run_id))["values"] or {}
    pending = [pending_view(a) for a in waiting(values)]  # type: ignore[arg-type]
    if not pending:
        return None
    tallies = await current_tallies(service.engine, run_id, now=now)
    by_index = {a["index"]: a for a in result.get("actions", [])}
    requests = {a["index"]: a.get("request") or {} for a in values.get("actions", [])}
    incident = values.get("incident") or {}
    actions = []
    for view in pending:
        shown = by_index.get(view["index"], {})
        expires_at = view.get("expires_at")
        actions.append({
            **view,
            "risk": shown.get("risk"),
            "reasons": shown.get("reasons", []),
            "approvals": tallies[view["index"]].approvals if view["index"] in tallies else shown.get("approvals", []),
            "policy_version": shown.get("policy_version"),
            "expired": expires_at is not None and now >= parse_utc(expires_at),
            # What the digest covers besides the action, so the page can check the digest it signs.
            "request": {k: requests.get(view["index"], {}).get(k) for k in ("nonce", "cluster", "policy_version",
                                                                            "expires_at")},
        })
    return {
        "run_id": run_id,
        "incident_id": result.get("incident_id"),
        "incident": {k: incident.get(k) for k in ("title", "description", "severity", "source", "requested_by",
                                                  "namespace")},
        "created_at": result.get("created_at"),
        "decision_reply": (result.get("decision") or {}).get("reply"),
        "subject": result.get("subject"),
        "evidence": _as_list(result.get("evidence")),
        "rests_on": (result.get("decision") or {}).get("rests_on") or [],
        "actions": actions,
    }


def _as_list(value: Any) -> list[Any]:
    """The run result's ``evidence`` as a list (absent: empty)."""
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]
