"""The one boundary where LLM client exceptions become :class:`openclaw.errors.ProviderError`.

Every call into a LangChain chat model runs inside :func:`converting`; nothing from
``openai``, ``ollama``, ``httpx``/``httpx2``, ``langchain_core`` or ``pydantic`` gets
past it (``raise ... from exc`` keeps the cause for debugging)::

    cause (what the real clients raise, see openclaw.testing.llm_sim)     becomes
    --------------------------------------------------------------------  ------------------------
    openai.APITimeoutError, httpx*.TimeoutException, TimeoutError         ProviderTimeout
    HTTP 429 (openai.RateLimitError, ollama.ResponseError 429)            ProviderRateLimited (retry_after from Retry-After)
    HTTP 401/403                                                          ProviderAuthError
    HTTP 5xx, 408, an error line inside a stream (ollama status -1)       ProviderServerError
    other HTTP 4xx (400 bad request, 404 unknown model, 422, ...)         ProviderUnavailable (deterministic: never retried)
    openai.APIConnectionError, httpx*.TransportError, ConnectionError     ProviderConnectionError (names the base URL)
    an ExceptionGroup (raised from inside anyio)                          whatever its first exception becomes
    non-JSON body, empty choices, a response that fails the SDK's model,
    a refusal / length / content-filter stop, an output parser error      ProviderInvalidOutput
    anything else raised from inside the client call                      ProviderServerError ("unexpected ...")

The last row is deliberate: a vendor that makes its SDK raise something new must cost
one attempt, not the run. Our own validation runs outside the ``with`` block.

The SDKs (``openai``, ``ollama``, ``langchain_openai``) are not imported here: an exception
of theirs can only exist once its module has been imported (by the adapter of a configured
vendor), so their classes are looked up in ``sys.modules`` when an exception is converted.
A process with no vendor of that kind configured never pays for importing its SDK.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import httpx2
import pydantic
from langchain_core import exceptions as lc_exceptions

from openclaw.errors import (
    ProviderAuthError,
    ProviderConnectionError,
    ProviderError,
    ProviderInvalidOutput,
    ProviderRateLimited,
    ProviderServerError,
    ProviderTimeout,
    ProviderUnavailable,
)

_TIMEOUTS: tuple[type[BaseException], ...] = (httpx.TimeoutException, httpx2.TimeoutException, TimeoutError)
_CONNECTION: tuple[type[BaseException], ...] = (
    httpx.TransportError, httpx2.TransportError, ConnectionError,
    httpx.InvalidURL, httpx2.InvalidURL, httpx.TooManyRedirects, httpx2.TooManyRedirects,
)  # fmt: skip
_BAD_OUTPUT: tuple[type[BaseException], ...] = (
    json.JSONDecodeError, pydantic.ValidationError, lc_exceptions.OutputParserException,
    httpx.DecodingError, httpx2.DecodingError, httpx.StreamError, httpx2.StreamError, IndexError, KeyError,
)  # fmt: skip
_NONE: tuple[type[BaseException], ...] = ()


class _SDKs:
    """The SDK exception classes that can exist in this process (their modules are imported)."""

    def __init__(self) -> None:
        openai = sys.modules.get("openai")
        ollama = sys.modules.get("ollama")
        lc_openai = sys.modules.get("langchain_openai.chat_models.base")
        self.openai_timeout = (openai.APITimeoutError,) if openai else _NONE
        self.openai_connection = (openai.APIConnectionError,) if openai else _NONE
        self.openai_status = (openai.APIStatusError,) if openai else _NONE
        self.openai_bad_output = (
            (openai.APIResponseValidationError, openai.LengthFinishReasonError, openai.ContentFilterFinishReasonError)
            if openai else _NONE
        )  # fmt: skip
        self.openai_any = (openai.OpenAIError,) if openai else _NONE
        self.refusal = (lc_openai.OpenAIRefusalError,) if lc_openai else _NONE
        self.ollama_response = (ollama.ResponseError,) if ollama else _NONE
        self.ollama_request = (ollama.RequestError,) if ollama else _NONE


def _short(text: Any, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def retry_after_seconds(headers: Any) -> float | None:
    """Seconds from a ``Retry-After`` (or ``retry-after-ms``) header; None when absent or an HTTP date."""
    if headers is None:
        return None
    raw_ms = headers.get("retry-after-ms")
    raw = headers.get("retry-after")
    try:
        if raw_ms is not None:
            return max(0.0, float(raw_ms) / 1000)
        if raw is not None:
            return max(0.0, float(raw))
    except ValueError:
        return None
    return None


def from_status(vendor: str, status: int, message: str, *, retry_after: float | None = None) -> ProviderError:
    """The error for an HTTP status from ``vendor`` (see the table in the module docstring)."""
    text = f"{vendor}: HTTP {status}: {_short(message)}"
    if status == 429:
        hint = f"; Retry-After {retry_after:g}s" if retry_after is not None else ""
        return ProviderRateLimited(text + hint, retry_after=retry_after)
    if status in (401, 403):
        return ProviderAuthError(text + " (check the API key and its permissions for this model)")
    if status >= 500 or status in (408, -1):
        return ProviderServerError(text)
    if status == 404:
        return ProviderUnavailable(text + " (check the model name in configs/routing.yaml and providers.yaml)")
    return ProviderUnavailable(text + " (the request was refused; not retried)")


def to_provider_error(exc: BaseException, vendor: str, endpoint: str | None = None) -> ProviderError:
    """Map one exception raised by an LLM client call to the project's error tree.
    ``endpoint`` (the base URL) is named in connection errors."""
    if isinstance(exc, ProviderError):
        return exc
    if isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        return to_provider_error(exc.exceptions[0], vendor, endpoint)
    sdk = _SDKs()
    if isinstance(exc, (*_TIMEOUTS, *sdk.openai_timeout)):  # before _CONNECTION: APITimeoutError is an APIConnectionError
        return ProviderTimeout(f"{vendor}: no answer in time ({type(exc).__name__})")
    if isinstance(exc, sdk.openai_status):
        return from_status(vendor, exc.status_code, exc.message,  # type: ignore[attr-defined]
                           retry_after=retry_after_seconds(exc.response.headers))  # type: ignore[attr-defined]
    if isinstance(exc, (httpx.HTTPStatusError, httpx2.HTTPStatusError)):
        return from_status(vendor, exc.response.status_code, exc.response.text,
                           retry_after=retry_after_seconds(exc.response.headers))  # fmt: skip
    if isinstance(exc, sdk.ollama_response):
        return from_status(vendor, exc.status_code, exc.error)  # type: ignore[attr-defined]
    if isinstance(exc, (*_CONNECTION, *sdk.openai_connection)):
        where = endpoint or "the endpoint"
        return ProviderConnectionError(f"{vendor}: cannot reach {where} ({type(exc).__name__}: {_short(exc)})")
    if isinstance(exc, sdk.ollama_request):
        return ProviderUnavailable(f"{vendor}: request refused by the client: {_short(exc.error)}")  # type: ignore[attr-defined]
    if isinstance(exc, (*_BAD_OUTPUT, *sdk.openai_bad_output, *sdk.refusal)):
        return ProviderInvalidOutput(f"{vendor}: unusable response ({type(exc).__name__}: {_short(exc)})")
    if isinstance(exc, (*sdk.openai_any, lc_exceptions.LangChainException, httpx.HTTPError, httpx2.HTTPError)):
        return ProviderServerError(f"{vendor}: {type(exc).__name__}: {_short(exc)}")
    return ProviderServerError(f"{vendor}: unexpected {type(exc).__name__} from the client: {_short(exc)}")


@contextmanager
def converting(vendor: str, endpoint: str | None = None) -> Iterator[None]:
    """Run a client call; any exception (not cancellation) leaves as a ProviderError, ``from`` the original."""
    try:
        yield
    except ProviderError:
        raise
    except Exception as exc:  # noqa: BLE001 - the boundary: see the module docstring
        raise to_provider_error(exc, vendor, endpoint) from exc
