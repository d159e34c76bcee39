"""Request bodies: size-limited reading, JSON parsing, and the one error shape of the API.

Every error response is ``{"error": "<one clear line>"}`` with the right status.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from openclaw.errors import (
    ApprovalRefused,
    ConfigError,
    InputError,
    OpenClawError,
    RunNotFound,
    StoreError,
    UsageError,
)

_STATUS: tuple[tuple[type[OpenClawError], int], ...] = (
    (RunNotFound, 404),
    (ApprovalRefused, 403),
    (ConfigError, 500),
    (InputError, 422),
    (UsageError, 422),
    (StoreError, 503),
)


def status_of(exc: OpenClawError) -> int:
    """The HTTP status of an OpenClaw error (500 for anything not listed)."""
    return next((code for kind, code in _STATUS if isinstance(exc, kind)), 500)


class ApiError(Exception):
    """An HTTP error with a one-line message; ``headers`` are added to the response."""

    def __init__(self, status: int, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


class BodyTooLarge(ApiError):
    def __init__(self, limit: int, partial: bytes) -> None:
        super().__init__(413, f"request body is larger than {limit} bytes; send one incident per request")
        self.partial = partial


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, at most ``limit`` bytes; raise BodyTooLarge (with what was read) beyond it."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit, b"")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            chunks.append(chunk[: max(0, limit - (size - len(chunk)))])
            raise BodyTooLarge(limit, b"".join(chunks))
        chunks.append(chunk)
    return b"".join(chunks)


class InvalidJSON(ApiError):
    def __init__(self, message: str, text: str) -> None:
        super().__init__(400, message)
        self.text = text


def parse_json(body: bytes) -> tuple[Any, str]:
    """(parsed value, body as text); raise InvalidJSON (400) with line and column."""
    text = body.decode("utf-8", errors="replace")
    if not text.strip():
        raise InvalidJSON("the request body is empty; send a JSON object", text)
    try:
        return json.loads(text), text
    except json.JSONDecodeError as exc:
        raise InvalidJSON(f"the request body is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})", text) from None


def incident_id_guess(data: Any) -> str | None:
    """The ``id`` of an object that failed validation, to file the record under (when it is a short string)."""
    value = data.get("id") if isinstance(data, dict) else None
    return value if isinstance(value, str) and 0 < len(value) <= 128 else None
