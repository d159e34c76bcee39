"""Bearer-token authentication: ``Authorization: Bearer <OPENCLAW_API_TOKEN>``, compared in constant time.

With no token configured every request is let through (bind to loopback then; ``openclaw
serve`` warns otherwise). Health and metrics routes do not use this dependency.
"""

from __future__ import annotations

import hmac

from fastapi import Request

from openclaw.server.bodies import ApiError

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="openclaw"'}


def token_matches(presented: str, expected: str) -> bool:
    """Constant-time comparison of the UTF-8 bytes (length differences leak nothing useful)."""
    return hmac.compare_digest(presented.encode("utf-8"), expected.encode("utf-8"))


async def require_token(request: Request) -> None:
    """FastAPI dependency: 401 unless the request carries the configured bearer token."""
    secret = request.app.state.settings.server.api_token
    if secret is None:
        return
    header = request.headers.get("authorization", "")
    scheme, _, presented = header.partition(" ")
    if not header:
        raise ApiError(401, "missing 'Authorization: Bearer <token>' header (the token is OPENCLAW_API_TOKEN)", headers=_CHALLENGE)
    if scheme.lower() != "bearer" or not presented.strip():
        raise ApiError(401, "the Authorization header must be 'Bearer <token>'", headers=_CHALLENGE)
    if not token_matches(presented.strip(), secret.get_secret_value()):
        raise ApiError(401, "invalid bearer token", headers=_CHALLENGE)
