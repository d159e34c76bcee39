"""Request bodies: size-limited reading, strict JSON parsing, and the one error shape of the API.

Every error response is ``{"error": "<one clear line>"}`` with the right status
(:class:`ErrorBody`; :data:`ERROR_RESPONSES` documents them in the OpenAPI schema).

:func:`parse_json` accepts only what every other JSON parser would read back the same way,
and what the rest of OpenClaw can store: UTF-8 text, at most :data:`MAX_DEPTH` levels of
arrays and objects (Python's parser would raise RecursionError on deep nesting), numbers of
at most :data:`MAX_NUMBER_CHARS` characters (a 5,000-digit integer raises ValueError), no
``NaN``/``Infinity`` (which Python's ``json`` accepts but JSON does not have) and no unpaired
UTF-16 surrogate escapes (which cannot be written back as UTF-8). Anything else is a 400.
"""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

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


class ErrorBody(BaseModel):
    """The body of every error response."""

    model_config = ConfigDict(extra="allow")
    error: str
    """One line: what was wrong and, where it helps, how to fix it. A list of signed decisions with a
    refusal among them also carries ``results``, ``resumed`` and ``run``; ``/readyz`` adds ``status`` and ``checks``."""


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for these error statuses, each with the :class:`ErrorBody` model."""
    return {status: {"model": ErrorBody, "description": ERROR_DESCRIPTIONS[status]} for status in statuses}


ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "the body is not JSON that OpenClaw accepts (syntax, UTF-8, nesting deeper than 64, "
    "a number longer than 64 characters, NaN/Infinity, an unpaired surrogate escape)",
    401: "missing or wrong bearer token (OPENCLAW_API_TOKEN)",
    403: "a signed decision that does not count (bad signature, unknown key, own request, already final)",
    404: "no such run",
    409: "the run is in a state that conflicts with this request",
    413: "the body is larger than OPENCLAW_MAX_BODY_BYTES",
    422: "the body or a parameter is not valid (the message names the field)",
    501: "approvals over HTTP are not available in this build",
    503: "the state store cannot be used, or the service is shutting down (retry after Retry-After seconds)",
}


def inline_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A pydantic JSON Schema with its ``$defs`` references replaced by the definitions (no recursion),
    for an OpenAPI request body, where ``#/$defs/...`` would point into the wrong document."""
    defs = schema.get("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {k: resolve(v) for k, v in node.items() if k != "$defs"}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    return resolve(schema)


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


MAX_DEPTH = 64
"""Deepest nesting of arrays and objects a request body may have."""
MAX_NUMBER_CHARS = 64
"""Longest number (sign, digits, point and exponent) a request body may have."""

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class _Refused(ValueError):
    """Raised from inside the parser's hooks: a value JSON allows but OpenClaw does not."""


def _number(kind: type[int] | type[float]) -> Any:
    def parse(token: str) -> int | float:
        if len(token) > MAX_NUMBER_CHARS:
            raise _Refused(f"has a number of {len(token)} characters (at most {MAX_NUMBER_CHARS})")
        value = kind(token)
        if isinstance(value, float) and not math.isfinite(value):
            raise _Refused(f"has a number too large for a 64-bit float ({token})")
        return value

    return parse


def _constant(token: str) -> Any:
    raise _Refused(f"has {token}, which is not JSON; send a number or null")


def nesting_depth(text: str) -> int:
    """How deep arrays and objects nest in ``text`` (JSON; brackets inside strings do not count)."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def parse_json(body: bytes) -> tuple[Any, str]:
    """(parsed value, body as text); raise InvalidJSON (400) with one line saying what is wrong."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = body.decode("utf-8", errors="replace")
        raise InvalidJSON(f"the request body is not valid UTF-8 (byte {exc.start}); send JSON encoded as UTF-8", text) from None
    if not text.strip():
        raise InvalidJSON("the request body is empty; send a JSON object", text)
    if nesting_depth(text) > MAX_DEPTH:
        raise InvalidJSON(f"the request body nests arrays and objects deeper than {MAX_DEPTH} levels", text)
    try:
        data = json.loads(text, parse_int=_number(int), parse_float=_number(float), parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise InvalidJSON(f"the request body is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})", text) from None
    except _Refused as exc:
        raise InvalidJSON(f"the request body {exc}", text) from None
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidJSON("the request body has an unpaired UTF-16 surrogate escape (\\ud800-\\udfff); "
                          "send text as valid Unicode", text) from None
    return data, text


def incident_id_guess(data: Any) -> str | None:
    """The ``id`` of an object that failed validation, to file the record under (when it is a short string)."""
    value = data.get("id") if isinstance(data, dict) else None
    return value if isinstance(value, str) and 0 < len(value) <= 128 else None
