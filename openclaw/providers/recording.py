"""Recording and replaying the HTTP exchanges of the LLM clients.

The LangChain clients are built on an HTTP transport of ours (httpx2 for the OpenAI
SDK, httpx for Ollama). :class:`RecordingTransport` passes every request through and
appends the exchange to the current run's :class:`Tape` (a context variable set by
the engine around one run): vendor, method, URL without query, the JSON request body
(messages, tools, parameters), status, the response body, latency and error. Request
and response headers are never recorded, so API keys and Authorization headers never
reach the run store.

:class:`ReplayTransport` answers from a recording, in order per vendor, raising the
recorded transport error where the original call failed. A request that differs from
the recorded one is still answered (so the rest of the run can be compared) and the
difference is noted on the tape.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict, deque
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import httpx
import httpx2

from openclaw.providers.vendors import VENDORS

MAX_BODY_CHARS = 200_000
"""Largest response body kept per exchange, in characters (the rest is cut and marked)."""
_KEPT_HEADERS = ("content-type", "retry-after")
_WIRE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


@dataclass
class Tape:
    """The LLM exchanges of one run."""

    exchanges: list[dict[str, Any]] = field(default_factory=list)


current_tape: ContextVar[Tape | None] = ContextVar("openclaw_tape", default=None)


def _module(flavour: str) -> Any:
    return httpx2 if flavour == "httpx2" else httpx


def _json_or_text(raw: bytes) -> Any:
    text = raw.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return text[:MAX_BODY_CHARS] + ("[... cut ...]" if len(text) > MAX_BODY_CHARS else "")


def _url(request: Any) -> str:
    url = request.url
    return f"{url.scheme}://{url.host}{':' + str(url.port) if url.port else ''}{url.path}"


class RecordingTransport:
    """Wraps a transport; records each exchange on the current tape (if any)."""

    def __init__(self, vendor: str, *, flavour: str, inner: Any = None) -> None:
        self.vendor = vendor
        self.flavour = flavour
        self._inner = inner

    @property
    def inner(self) -> Any:
        """The wrapped transport; the default one is built on first use (its TLS context costs ~20 ms, and
        most vendors are never asked in a given process)."""
        if self._inner is None:
            self._inner = _module(self.flavour).AsyncHTTPTransport()
        return self._inner

    async def handle_async_request(self, request: Any) -> Any:
        tape = current_tape.get()
        if tape is None:
            return await self.inner.handle_async_request(request)
        body = await request.aread() if hasattr(request, "aread") else request.content
        entry: dict[str, Any] = {
            "kind": "llm", "vendor": self.vendor, "method": request.method, "url": _url(request),
            "request": _json_or_text(body or b""),
        }
        started = time.perf_counter()
        try:
            response = await self.inner.handle_async_request(request)
            content = await response.aread()
        except BaseException as exc:  # a timeout cancels the request: record that too, then re-raise
            error = "cancelled" if isinstance(exc, asyncio.CancelledError) else type(exc).__name__
            entry.update(error={"type": error, "message": str(exc)[:500]},
                         latency_ms=round((time.perf_counter() - started) * 1000, 3))
            tape.exchanges.append(entry)
            raise
        entry.update(
            status=response.status_code,
            headers={k: v for k, v in response.headers.items() if k.lower() in _KEPT_HEADERS},
            response=_json_or_text(content),
            latency_ms=round((time.perf_counter() - started) * 1000, 3),
        )
        tape.exchanges.append(entry)
        # ``content`` is decoded: the rebuilt response must not announce an encoding or a length of the wire.
        headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _WIRE_HEADERS]
        return _module(self.flavour).Response(
            status_code=response.status_code, headers=headers, content=content, request=request
        )

    async def aclose(self) -> None:
        if self._inner is not None:
            await self._inner.aclose()


class ReplayTransport:
    """Answers from recorded exchanges, in order per vendor; never touches the network."""

    def __init__(self, vendor: str, exchanges: Iterable[dict[str, Any]], *, flavour: str) -> None:
        self.vendor = vendor
        self.flavour = flavour
        self.queue = deque(x for x in exchanges if x.get("vendor") == vendor)
        self.mismatches: list[dict[str, Any]] = []
        """Requests that differ from the recorded ones (e.g. a prompt changed), or had no recording."""

    async def handle_async_request(self, request: Any) -> Any:
        mod = _module(self.flavour)
        body = await request.aread() if hasattr(request, "aread") else request.content
        sent = _json_or_text(body or b"")
        tape = current_tape.get()
        if not self.queue:
            self.mismatches.append({"vendor": self.vendor, "request": sent, "recorded": None})
            raise mod.ConnectError(f"replay: no recorded exchange left for {self.vendor}", request=request)
        recorded = self.queue.popleft()
        if tape is not None:
            tape.exchanges.append({**recorded, "request": sent, "replayed": True})
        if recorded.get("request") != sent:
            self.mismatches.append({"vendor": self.vendor, "request": sent, "recorded": recorded.get("request")})
        error = recorded.get("error")
        if error and error.get("type") == "cancelled":  # the original attempt timed out waiting
            raise mod.ReadTimeout("replay: the recorded attempt timed out", request=request)
        if error:
            cls = getattr(mod, error.get("type", ""), None)
            if not (isinstance(cls, type) and issubclass(cls, mod.TransportError)):
                cls = mod.ConnectError
            raise cls(f"replay: {error.get('message', '')}", request=request)
        response = recorded.get("response")
        content = response.encode() if isinstance(response, str) else json.dumps(response).encode()
        return mod.Response(
            status_code=recorded.get("status", 200), headers=recorded.get("headers") or {}, content=content,
            request=request,
        )

    async def aclose(self) -> None:
        return None


def replay_transports(exchanges: list[dict[str, Any]]) -> dict[str, ReplayTransport]:
    """A replaying transport for every vendor (on its client's HTTP library, see ``Vendor.transport``): a
    vendor the recording never reached answers nothing (connection error), so a replay can never reach the
    network. A vendor in the recording that no longer exists gets one too (httpx2), so its requests fail."""
    recorded: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for x in exchanges:
        recorded[x.get("vendor")].append(x)
    names = [*VENDORS, *(v for v in recorded if v and v not in VENDORS)]
    return {v: ReplayTransport(v, recorded.get(v, []), flavour=_flavour(v)) for v in names}


def recording_transports(vendors: Iterable[str] = VENDORS) -> dict[str, RecordingTransport]:
    """A recording transport for every vendor (default: all of ``VENDORS``)."""
    return {v: RecordingTransport(v, flavour=_flavour(v)) for v in vendors}


def _flavour(vendor: str) -> str:
    spec = VENDORS.get(vendor)
    return spec.transport if spec is not None else "httpx2"
