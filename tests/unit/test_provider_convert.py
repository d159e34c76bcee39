"""The exception boundary (openclaw.providers.convert): no client exception escapes unconverted.

Covers: every exception class exported by openai, httpx, httpx2, ollama and
langchain_core.exceptions (and langchain_openai's subclasses) maps to a ProviderError
subclass (in the spirit of httpx's test_httpcore_all_exceptions_mapped); the mapping of
each fault of the simulator table (timeout before connection, 429 with Retry-After,
401/403, 5xx, other 4xx, stream error line, non-JSON, empty choices, validation);
``converting`` keeps the cause and lets cancellation through; a connection error names the
base URL; an ExceptionGroup (anyio) is mapped by its first exception; a malformed base URL
(bad port, no scheme) is refused before any client is built, naming the env variable.
"""

from __future__ import annotations

import asyncio
import inspect
import json

import httpx
import httpx2
import ollama
import openai
import pydantic
import pytest
from langchain_core import exceptions as lc_exceptions
from langchain_openai.chat_models import base as lc_openai

from openclaw import errors
from openclaw.providers.config import ProviderConfig
from openclaw.providers.convert import converting, retry_after_seconds, to_provider_error
from openclaw.providers.endpoints import checked_base_url, shown
from openclaw.providers.ollama import ollama_provider
from openclaw.providers.openai_compat import openai_compat_provider


def _exception_classes(module) -> list[type[BaseException]]:
    return sorted(
        {c for _, c in inspect.getmembers(module, inspect.isclass) if issubclass(c, Exception) and not c.__name__.startswith("_")},
        key=lambda c: (c.__module__, c.__name__),
    )


def _response(lib, status: int = 500, headers: dict | None = None):
    request = lib.Request("POST", "http://127.0.0.1/v1/chat/completions")
    return lib.Response(status, request=request, headers=headers or {}, json={"error": {"message": "boom"}})


def _instance(cls: type[BaseException]) -> BaseException:
    """A real instance of ``cls``, its constructor's parameters filled in from their names."""
    lib = httpx2 if cls.__module__.startswith(("openai", "httpx2", "langchain_openai")) else httpx
    if issubclass(cls, pydantic.ValidationError):
        try:
            pydantic.TypeAdapter(int).validate_python("x")
        except pydantic.ValidationError as exc:
            return exc
    if issubclass(cls, json.JSONDecodeError):
        return cls("Expecting value", "<html>", 0)
    status = getattr(cls, "status_code", None)
    status = status if isinstance(status, int) else {"RateLimitError": 429}.get(cls.__name__, 500)
    values = {
        "message": "boom", "error": "boom", "msg": "boom",
        "response": _response(lib, status), "request": lib.Request("POST", "http://127.0.0.1/v1/chat/completions"),
        "body": None, "unsent_messages": [], "status_code": status,
    }  # fmt: skip
    params = [p for p in inspect.signature(cls.__init__).parameters.values() if p.name != "self"]
    if not params:
        return cls()
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return cls("boom")
    if not all(p.name in values or p.default is not p.empty for p in params if p.kind not in (p.VAR_KEYWORD,)):
        exc = cls.__new__(cls)  # e.g. LengthFinishReasonError(completion=...): the type is what matters
        Exception.__init__(exc, "boom")
        return exc
    args, kwargs = [], {}
    for p in params:
        if p.name not in values:
            continue
        if p.kind is p.POSITIONAL_OR_KEYWORD and p.default is p.empty:
            args.append(values[p.name])
        elif p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD):
            kwargs[p.name] = values[p.name]
    return cls(*args, **kwargs)


LIBRARY_EXCEPTIONS = [
    *_exception_classes(openai),
    *_exception_classes(httpx),
    *_exception_classes(httpx2),
    *_exception_classes(ollama),
    *_exception_classes(lc_exceptions),
    *[c for c in _exception_classes(lc_openai) if c.__module__.startswith("langchain_openai")],
    json.JSONDecodeError,
    pydantic.ValidationError,
    ConnectionError,
    TimeoutError,
    IndexError,
]


def test_the_enumeration_is_not_empty():
    names = {c.__name__ for c in LIBRARY_EXCEPTIONS}
    assert {"RateLimitError", "APITimeoutError", "ConnectError", "ResponseError", "OutputParserException"} <= names
    assert len(LIBRARY_EXCEPTIONS) > 60


@pytest.mark.parametrize("cls", LIBRARY_EXCEPTIONS, ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_every_library_exception_is_mapped(cls):
    exc = _instance(cls)
    with pytest.raises(errors.ProviderError) as caught:
        with converting("nim"):
            raise exc
    assert type(caught.value) is not errors.ProviderError, "mapped to a specific subclass"
    assert caught.value.__cause__ is exc
    assert str(caught.value).startswith("nim")


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (openai.APITimeoutError(request=httpx2.Request("POST", "http://x/")), errors.ProviderTimeout),
        (httpx.ReadTimeout("slow"), errors.ProviderTimeout),
        (httpx.ConnectError("refused"), errors.ProviderConnectionError),
        (httpx.RemoteProtocolError("reset"), errors.ProviderConnectionError),
        (openai.APIConnectionError(request=httpx2.Request("POST", "http://x/")), errors.ProviderConnectionError),
        (ConnectionError("refused"), errors.ProviderConnectionError),
        (openai.AuthenticationError("bad key", response=_response(httpx2, 401), body=None), errors.ProviderAuthError),
        (openai.PermissionDeniedError("no", response=_response(httpx2, 403), body=None), errors.ProviderAuthError),
        (openai.InternalServerError("down", response=_response(httpx2, 503), body=None), errors.ProviderServerError),
        (openai.APIStatusError("teapot", response=_response(httpx2, 418), body=None), errors.ProviderUnavailable),
        (openai.NotFoundError("no model", response=_response(httpx2, 404), body=None), errors.ProviderUnavailable),
        (ollama.ResponseError("slow down", 429), errors.ProviderRateLimited),
        (ollama.ResponseError("bad key", 401), errors.ProviderAuthError),
        (ollama.ResponseError("oops", 503), errors.ProviderServerError),
        (ollama.ResponseError("error line inside the stream"), errors.ProviderServerError),
        (ollama.ResponseError("model 'x' not found, try pulling it first", 404), errors.ProviderUnavailable),
        (json.JSONDecodeError("Expecting value", "<html>", 0), errors.ProviderInvalidOutput),
        (IndexError("list index out of range"), errors.ProviderInvalidOutput),
        (lc_exceptions.OutputParserException("bad"), errors.ProviderInvalidOutput),
        (RuntimeError("something new"), errors.ProviderServerError),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, BaseException) else v.__name__,
)
def test_mapping_of_each_fault(exc, expected):
    assert type(to_provider_error(exc, "vendor")) is expected


def test_429_keeps_retry_after_from_the_header():
    exc = openai.RateLimitError("slow down", response=_response(httpx2, 429, {"retry-after": "2.5"}), body=None)
    converted = to_provider_error(exc, "nim")
    assert isinstance(converted, errors.ProviderRateLimited)
    assert converted.retry_after == 2.5
    assert "Retry-After 2.5s" in str(converted)


def test_retry_after_header_forms():
    assert retry_after_seconds({"retry-after-ms": "250"}) == 0.25
    assert retry_after_seconds({"retry-after": "3"}) == 3.0
    assert retry_after_seconds({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) is None
    assert retry_after_seconds({}) is None


def test_cancellation_is_not_converted():
    with pytest.raises(asyncio.CancelledError):
        with converting("nim"):
            raise asyncio.CancelledError()


def test_provider_errors_pass_through_unchanged():
    original = errors.ProviderInvalidOutput("already ours")
    with pytest.raises(errors.ProviderInvalidOutput) as caught:
        with converting("nim"):
            raise original
    assert caught.value is original


def test_connection_error_names_the_base_url():
    with pytest.raises(errors.ProviderConnectionError, match=r"nim: cannot reach http://127\.0\.0\.1:9/v1 "):
        with converting("nim", "http://127.0.0.1:9/v1"):
            raise httpx2.ConnectError("All connection attempts failed")


def test_an_exception_group_is_mapped_by_its_first_exception():
    group = ExceptionGroup("unhandled errors in a TaskGroup", [httpx2.ConnectError("refused"), ValueError("x")])
    converted = to_provider_error(group, "nim", "http://h/v1")
    assert type(converted) is errors.ProviderConnectionError and "ExceptionGroup" not in str(converted)


@pytest.mark.parametrize(
    ("vendor", "url", "needle"),
    [("nim", "http://127.0.0.1:99999/v1", "Port out of range"), ("gemini", "http://127.0.0.1:abc/v1", "'abc'"),
     ("claude", "127.0.0.1:8000/v1", "http:// or https://"), ("ollama", "http://localhost:70000", "Port out of range")],
)  # fmt: skip
def test_a_malformed_base_url_is_one_clear_line(vendor, url, needle):
    var = {"nim": "NVIDIA_API_BASE_URL", "gemini": "GEMINI_BASE_URL", "claude": "ANTHROPIC_BASE_URL",
           "ollama": "OLLAMA_BASE_URL"}[vendor]  # fmt: skip
    with pytest.raises(errors.ProviderUnavailable) as caught:
        if vendor == "ollama":
            ollama_provider(base_url=url, config=ProviderConfig(kind="ollama"))
        else:
            openai_compat_provider(vendor, base_url=url, api_key="k", config=ProviderConfig(kind="openai_compat"))
    message = str(caught.value)
    assert needle in message and var in message and url in message and "\n" not in message


def test_valid_base_urls_pass():
    for vendor, url in [("nim", "https://integrate.api.nvidia.com/v1"), ("claude", "https://api.anthropic.com/v1/"),
                        ("nim", "http://[::1]:8000/v1"), ("ollama", "localhost:11434")]:  # fmt: skip
        assert checked_base_url(vendor, url) == url

    assert shown("https://user:secret@nim.internal:8000/v1") == "https://nim.internal:8000/v1"
