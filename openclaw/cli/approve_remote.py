"""``openclaw approve|reject RUN_ID --key KEY --server URL``: sign here, count on an ``openclaw serve``.

The run is read over HTTP (``GET URL/v1/runs/RUN_ID``), so the approver's own
``OPENCLAW_HOME`` need not hold it; the decisions are signed locally with the private key
and posted as one JSON list to ``URL/v1/runs/RUN_ID/approvals`` (or ``/rejections``),
where the service verifies and counts each one and resumes the run when every request is
final. With ``--print`` they are printed (one JSON object per line) instead of posted.
The bearer token is ``OPENCLAW_API_TOKEN`` when set. HTTP failures become one line:
exit 2 for a bad URL, token, unknown run or refused decision, 1 when the service cannot
be reached or answers with a server error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

import httpx

from openclaw.errors import OpenClawError, RunNotFound, UsageError

EXIT_OK, EXIT_USAGE = 0, 2

Signer = Callable[[dict[str, Any], argparse.Namespace, str], list[Any]]


def approve_remote(settings: Any, args: argparse.Namespace, name: str, sign: Signer) -> int:
    """Fetch the run from ``args.server``, sign with ``sign``, then print or post; the exit code."""
    base = args.server.rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise UsageError(f"--server {args.server!r} is not an http(s) URL (e.g. http://openclaw:8080)")
    headers = {"accept": "application/json"}
    if settings.server.api_token is not None:
        headers["authorization"] = f"Bearer {settings.server.api_token.get_secret_value()}"
    with httpx.Client(base_url=base, headers=headers, timeout=args.timeout) as client:
        run = _json(_call(client, "GET", f"/v1/runs/{args.run_id}", base), base)
        decisions = sign(run, args, name)
        if args.print_only:
            for decision in decisions:
                sys.stdout.write(decision.model_dump_json() + "\n")
            return EXIT_OK
        endpoint = "approvals" if args.kind == "approve" else "rejections"
        body = [d.model_dump(mode="json") for d in decisions]
        response = _call(client, "POST", f"/v1/runs/{args.run_id}/{endpoint}", base, json=body, answered=True)
        return _report(_json(response, base), response, base)


def _call(client: httpx.Client, method: str, path: str, base: str, *, answered: bool = False,
          **kw: Any) -> httpx.Response:
    """One request; transport failures and error statuses become OpenClaw errors (one line).

    ``answered``: a 403/422 with per-decision ``results`` is returned for :func:`_report`."""
    try:
        response = client.request(method, path, **kw)
    except httpx.HTTPError as exc:
        raise OpenClawError(f"cannot reach the OpenClaw service at {base} ({type(exc).__name__}: {exc})") from exc
    if response.is_success:
        return response
    message = _error_of(response)
    if answered and response.status_code < 500 and "results" in _maybe_json(response):
        return response
    if response.status_code == 401:
        raise UsageError(f"{base} refused the request: {message}; set OPENCLAW_API_TOKEN to the service's token")
    if response.status_code == 404:
        raise RunNotFound(f"{base}: {message}")
    if response.status_code < 500:
        raise UsageError(f"{base} refused the request ({response.status_code}): {message}")
    raise OpenClawError(f"{base} answered {response.status_code}: {message}")


def _maybe_json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _error_of(response: httpx.Response) -> str:
    error = _maybe_json(response).get("error")
    return str(error) if error else (response.text.strip().splitlines() or [response.reason_phrase])[0][:300]


def _json(response: httpx.Response, base: str) -> dict[str, Any]:
    data = _maybe_json(response)
    if not data:
        raise OpenClawError(f"{base} answered {response.status_code} without a JSON object; is it an OpenClaw service?")
    return data


def _report(body: dict[str, Any], response: httpx.Response, base: str) -> int:
    """Print one line per decision (refusals on stderr); 2 when any was refused."""
    code = EXIT_OK
    for result in body.get("results", []):
        if result.get("ok"):
            print(result.get("message"))
        else:
            print(f"openclaw: error: refused: {result.get('error')}", file=sys.stderr)
            code = EXIT_USAGE
    if not body.get("results"):
        raise OpenClawError(f"{base} answered {response.status_code} without per-decision results")
    return code
