"""Loopback LLM simulator: the OpenAI chat-completions and Ollama ``/api/chat`` wire protocols.

Tests point the real clients (``langchain_openai.ChatOpenAI``, ``langchain_ollama.ChatOllama``)
at a ``ThreadingHTTPServer`` on 127.0.0.1 that answers from a script and injects faults::

    with LLMSimulator() as sim:
        sim.enqueue(ToolCall("restart_deployment", {"deployment": "awoooi-api", "namespace": "awoooi-prod"}))
        llm = ChatOpenAI(base_url=sim.openai_base_url, api_key="test", model="m", max_retries=0)
        msg = llm.bind_tools(openai_tool_schemas()).invoke("restart awoooi-api")
        assert sim.requests[-1].headers["authorization"] == "Bearer test"

Endpoints (``{p}`` is an optional vendor prefix such as ``/nim``; ``v1`` and ``api`` are reserved):
``POST {p}/v1/chat/completions`` (JSON, or SSE when ``stream: true``), ``GET {p}/v1/models``,
``POST {p}/api/chat`` (NDJSON unless ``stream: false``; Ollama streams by default and
ChatOllama always sends ``stream: true``), ``GET {p}/api/tags``, ``POST {p}/api/show``,
``GET {p}/api/version``.

Scripts. Each (prefix, model) key may have a :class:`Script`: a FIFO queue of replies,
then a hook ``(request_body) -> Reply``, then a default, optionally with a
:class:`FaultPlan`. A request uses the first script that exists among (its prefix, its
model), (its prefix, any model), (no prefix, its model), (no prefix, any model). So one
simulator serves several vendors distinctly: ``sim.script("nim")`` answers
``sim.openai_url("nim")`` = ``.../nim/v1``, ``sim.script("gemini")`` answers ``.../gemini/v1``.
Nothing scripted answers HTTP 418 with a message saying what to script.

What each fault raises in the real clients (openai 3.54 on httpx2, ollama 0.6.3 on httpx,
langchain-openai 1.7, langchain-ollama 1.1; ChatOpenAI with ``max_retries=0``; measured by
tests/integration/test_llm_sim_*.py, sync and async alike)::

    fault                          ChatOpenAI (.invoke / .ainvoke)        ChatOllama (.invoke / .ainvoke)
    HTTPError 429 (rate_limited)   openai.RateLimitError                  ollama.ResponseError status_code=429
    HTTPError 500 / 502 / 503      openai.InternalServerError             ollama.ResponseError status_code=5xx
    HTTPError 401                  openai.AuthenticationError             ollama.ResponseError status_code=401
    HTTPError 403                  openai.PermissionDeniedError           ollama.ResponseError status_code=403
    unscripted (418)               openai.APIStatusError status_code=418  ollama.ResponseError status_code=418
    Stall > client timeout         openai.APITimeoutError                 httpx.ReadTimeout
    Disconnect (no response)       openai.APIConnectionError              httpx.RemoteProtocolError
    refused_url()                  openai.APIConnectionError              httpx.ConnectError (streaming, the
                                                                          ChatOllama default); builtin
                                                                          ConnectionError if stream=False
    NonJSON (200, app/json)        json.JSONDecodeError                   json.JSONDecodeError
    EmptyChoices                   TypeError (no choices)                 ValueError "No data received ..."
    malformed_tool_call            no exception: AIMessage.invalid_tool_calls, tool_calls == []
                                   (Ollama: pydantic.ValidationError, arguments is a string not a dict)
    unknown_tool                   no exception: AIMessage.tool_calls has the unknown name (check it yourself)

Notes: ``openai.APITimeoutError`` subclasses ``openai.APIConnectionError``; both, and all
status errors, subclass ``openai.APIError``. ``RateLimitError.response.headers["retry-after"]``
carries the Retry-After seconds. ``ollama.ResponseError`` has ``.status_code`` and ``.error``.
ollama's ``ResponseError`` for 429 does not expose headers; read Retry-After as None there.
With ``max_retries > 0`` ChatOpenAI retries 408/409/429/5xx and connection errors itself,
consuming one scripted reply per attempt.
"""

from __future__ import annotations

import json
import re
import socket
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

from openclaw.testing import llm_sim_wire as wire
from openclaw.testing.llm_sim_replies import (
    EmptyChoices,
    Disconnect,
    FaultPlan,
    Hook,
    HTTPError,
    JSONContent,
    NonJSON,
    Reply,
    Stall,
    Text,
    ToolCall,
    ToolCalls,
    Usage,
    auth_error,
    malformed_tool_call,
    rate_limited,
    server_error,
    unknown_tool,
)

__all__ = [
    "LLMSimulator", "Script", "RecordedRequest", "refused_url",
    "Text", "ToolCall", "ToolCalls", "JSONContent", "Usage",
    "HTTPError", "Stall", "NonJSON", "EmptyChoices", "Disconnect", "FaultPlan", "Reply", "Hook",
    "rate_limited", "server_error", "auth_error", "malformed_tool_call", "unknown_tool",
]  # fmt: skip

Api = Literal["openai", "ollama", "other"]
_ROUTE = re.compile(r"^(?:/(?P<prefix>[A-Za-z0-9_.-]+))?(?P<rest>/(?:v1|api)/[^?]*)")
_RESERVED = {"v1", "api"}


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the simulator received it. ``at`` is ``time.time()`` seconds."""

    method: str
    path: str
    prefix: str
    api: Api
    headers: dict[str, str]
    """Header names lower-cased."""
    body: Any
    """The parsed JSON body, or None when there was none or it was not JSON."""
    at: float

    @property
    def model(self) -> str | None:
        return self.body.get("model") if isinstance(self.body, dict) else None


class Script:
    """Replies for one (prefix, model): a FIFO queue first, then the hook, then the default."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: deque[Reply] = deque()
        self._default: Reply | None = None
        self._hook: Hook | None = None
        self._faults: FaultPlan | None = None

    def enqueue(self, *replies: Reply) -> Script:
        """Answer the next requests with ``replies``, in order, once each."""
        with self._lock:
            self._queue.extend(replies)
        return self

    def set_default(self, reply: Reply | None, *, faults: FaultPlan | None = None) -> Script:
        """Answer with ``reply`` whenever the queue is empty (and no hook is set)."""
        with self._lock:
            self._default, self._faults = reply, faults
        return self

    def set_hook(self, hook: Hook | None, *, faults: FaultPlan | None = None) -> Script:
        """Answer with ``hook(request_body)`` whenever the queue is empty."""
        with self._lock:
            self._hook, self._faults = hook, faults
        return self

    @property
    def pending(self) -> int:
        """How many queued replies have not been sent yet."""
        with self._lock:
            return len(self._queue)

    def next_reply(self, body: dict[str, Any]) -> Reply | None:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
            hook, default, faults = self._hook, self._default, self._faults
        reply = hook(body) if hook is not None else default
        if reply is not None and faults is not None:
            reply = faults.apply(reply)
        return reply


class LLMSimulator:
    """A loopback server speaking the OpenAI and Ollama chat protocols; see the module docstring.

    ``with LLMSimulator() as sim:`` or ``sim.start()`` / ``sim.stop()``. Port 0 picks a free port.
    """

    def __init__(self, port: int = 0) -> None:
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._closing = threading.Event()
        self._lock = threading.Lock()
        self._scripts: dict[tuple[str, str | None], Script] = {("", None): Script()}
        self._requests: list[RecordedRequest] = []
        self._seq = 0

    # --- lifecycle ---

    def start(self) -> LLMSimulator:
        if self._server is not None:
            raise RuntimeError("LLMSimulator is already running; call stop() first")
        self._closing.clear()
        self._server = _Server(("127.0.0.1", self._port), _Handler, self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="llm-sim", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; wakes stalled requests and closes open connections."""
        server, self._server = self._server, None
        if server is None:
            return
        self._closing.set()
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> LLMSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- addresses ---

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (only valid while running)."""
        if self._server is None:
            raise RuntimeError("LLMSimulator is not running; use `with LLMSimulator() as sim:` or sim.start()")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def openai_base_url(self) -> str:
        return self.url + "/v1"

    @property
    def ollama_base_url(self) -> str:
        return self.url

    def openai_url(self, prefix: str) -> str:
        """Base URL of a vendor prefix for OpenAI clients: ``url/<prefix>/v1``."""
        return f"{self.url}/{_check_prefix(prefix)}/v1"

    def ollama_url(self, prefix: str) -> str:
        """Base URL of a vendor prefix for Ollama clients: ``url/<prefix>``."""
        return f"{self.url}/{_check_prefix(prefix)}"

    # --- scripting ---

    def script(self, prefix: str = "", model: str | None = None) -> Script:
        """The script for (prefix, model), created on first use. ``""`` / None mean any."""
        key = (_check_prefix(prefix) if prefix else "", model)
        with self._lock:
            return self._scripts.setdefault(key, Script())

    def enqueue(self, *replies: Reply, prefix: str = "", model: str | None = None) -> Script:
        return self.script(prefix, model).enqueue(*replies)

    def set_default(
        self, reply: Reply | None, *, prefix: str = "", model: str | None = None, faults: FaultPlan | None = None
    ) -> Script:
        return self.script(prefix, model).set_default(reply, faults=faults)

    def set_hook(
        self, hook: Hook | None, *, prefix: str = "", model: str | None = None, faults: FaultPlan | None = None
    ) -> Script:
        return self.script(prefix, model).set_hook(hook, faults=faults)

    # --- recording ---

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of every request received so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    def chat_requests(self, prefix: str | None = None) -> list[RecordedRequest]:
        """Only the chat requests (both protocols), optionally of one prefix."""
        chat = ("/v1/chat/completions", "/api/chat")
        return [r for r in self.requests if r.path.endswith(chat) and (prefix is None or r.prefix == prefix)]

    def reset(self) -> None:
        """Forget recorded requests and every script."""
        with self._lock:
            self._requests.clear()
            self._scripts = {("", None): Script()}

    # --- used by the handler ---

    def _record(self, request: RecordedRequest) -> int:
        with self._lock:
            self._requests.append(request)
            self._seq += 1
            return self._seq

    def _reply_for(self, prefix: str, body: dict[str, Any]) -> Reply | None:
        model = body.get("model")
        with self._lock:
            for key in ((prefix, model), (prefix, None), ("", model), ("", None)):
                if key in self._scripts:
                    script = self._scripts[key]
                    break
        return script.next_reply(body)


def refused_url() -> str:
    """``http://127.0.0.1:PORT`` on which nothing listens (the port was free a moment ago)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _check_prefix(prefix: str) -> str:
    prefix = prefix.strip("/")
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", prefix) or prefix in _RESERVED:
        raise ValueError(f"bad simulator prefix {prefix!r}: use one path segment such as 'nim', not 'v1' or 'api'")
    return prefix


# --- server ----------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], handler: type, sim: LLMSimulator) -> None:
        self.sim = sim
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._conns_lock:
            self._conns.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._conns_lock:
            self._conns.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about clients that went away (timeouts, resets); report anything else."""
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)

    def close_connections(self) -> None:
        with self._conns_lock:
            conns, self._conns = list(self._conns), set()
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # no 40 ms delayed-ACK stalls between headers and body
    server_version = "llm-sim/1"
    timeout = 30  # seconds an idle keep-alive connection may hold a thread
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        sim = self.server.sim
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        match = _ROUTE.match(self.path)
        prefix, rest = (match["prefix"] or "", match["rest"]) if match else ("", self.path)
        api: Api = "openai" if rest.startswith("/v1/") else "ollama" if rest.startswith("/api/") else "other"
        headers = {k.lower(): v for k, v in self.headers.items()}
        seq = sim._record(RecordedRequest(self.command, self.path, prefix, api, headers, body, time.time()))
        request = body if isinstance(body, dict) else {}
        route = (self.command, rest)
        if route == ("POST", "/v1/chat/completions"):
            self._chat(sim, "openai", prefix, request, seq)
        elif route == ("POST", "/api/chat"):
            self._chat(sim, "ollama", prefix, request, seq)
        elif route == ("GET", "/v1/models"):
            self._json(200, wire.openai_models())
        elif route == ("GET", "/api/tags"):
            self._json(200, wire.ollama_tags())
        elif route == ("POST", "/api/show"):
            self._json(200, wire.ollama_show(request))
        elif route == ("GET", "/api/version"):
            self._json(200, wire.ollama_version())
        else:
            self._error(api, HTTPError(404, f"llm_sim: no route for {self.command} {self.path}"))

    def _chat(self, sim: LLMSimulator, api: Api, prefix: str, request: dict[str, Any], seq: int) -> None:
        try:
            reply = sim._reply_for(prefix, request)
        except Exception as exc:  # a broken hook must show up in the test, not as a fault
            self._error(api, HTTPError(418, f"llm_sim: the reply hook raised {exc!r}"))
            return
        while isinstance(reply, Stall):
            if sim._closing.wait(reply.seconds):
                self.close_connection = True
                return
            reply = reply.then if reply.then is not None else Text("stalled reply")
        if reply is None:
            message = (
                f"llm_sim: nothing scripted for prefix={prefix!r} model={request.get('model')!r}; "
                "call sim.enqueue(...), sim.set_default(...) or sim.set_hook(...)"
            )
            self._error(api, HTTPError(418, message))
        elif isinstance(reply, Disconnect):
            self.close_connection = True
        elif isinstance(reply, HTTPError):
            self._error(api, reply)
        elif isinstance(reply, NonJSON):
            self._send(200, reply.body.encode(), reply.content_type)
        elif api == "openai":
            if request.get("stream"):
                self._stream(wire.openai_stream(reply, request, seq), "text/event-stream")
            else:
                self._json(200, wire.openai_completion(reply, request, seq))
        elif request.get("stream", True):
            self._stream(wire.ollama_stream(reply, request), "application/x-ndjson")
        else:
            self._json(200, wire.ollama_chat(reply, request))

    def _error(self, api: Api, err: HTTPError) -> None:
        body = wire.ollama_error_body(err) if api == "ollama" else wire.openai_error_body(err)
        extra = {} if err.retry_after is None else {"Retry-After": f"{err.retry_after:g}"}
        self._json(err.status, body, extra)

    def _json(self, status: int, obj: Any, extra: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(obj).encode(), "application/json", extra)

    def _send(self, status: int, data: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, frames: list[bytes], content_type: str) -> None:
        """Send ``frames`` with chunked transfer encoding, one chunk each."""
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for frame in frames:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(frame), frame))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
