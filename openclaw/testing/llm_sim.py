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

Replies (:mod:`openclaw.testing.llm_sim_replies`): ``Text``, ``ToolCall``, ``ToolCalls``,
``JSONContent`` (structured output: the object becomes the message content), each with a
``Usage``; faults ``HTTPError`` (shorthands ``rate_limited``, ``server_error``,
``auth_error``), ``Stall``, ``Disconnect``, ``NonJSON``, ``EmptyChoices``,
``malformed_tool_call()``, ``unknown_tool()``; ``refused_url()`` for connection refused;
``FaultPlan(fault, fraction, seed)`` for benchmarks. ``sim.requests`` records everything.

What each fault raises in the real clients, measured by tests/integration/test_llm_sim_*.py
(openai 3.54 on **httpx2**, langchain-openai 1.7 with ``max_retries=0``; ollama 0.6.3 on
**httpx** 0.28, langchain-ollama 1.1). Same type for ``.invoke`` and ``.ainvoke``::

    fault                     ChatOpenAI                                ChatOllama (always streams)
    ------------------------  ----------------------------------------  ---------------------------------------
    429 rate_limited(s)       openai.RateLimitError                     ollama.ResponseError  .status_code == 429
    500 / 503 server_error    openai.InternalServerError                ollama.ResponseError  .status_code == 5xx
    401 auth_error(401)       openai.AuthenticationError                ollama.ResponseError  .status_code == 401
    403 auth_error(403)       openai.PermissionDeniedError              ollama.ResponseError  .status_code == 403
    nothing scripted (418)    openai.APIStatusError (not wrapped)       ollama.ResponseError  .status_code == 418
    Stall > client timeout    openai.APITimeoutError                    httpx.ReadTimeout
    Disconnect                openai.APIConnectionError                 httpx.RemoteProtocolError
    refused_url()             openai.APIConnectionError                 httpx.ConnectError
                                                                        (ollama.Client(stream=False): builtin
                                                                        ConnectionError, not an httpx error)
    NonJSON (200, app/json)   json.JSONDecodeError (not wrapped)        json.JSONDecodeError
    EmptyChoices              IndexError (langchain_openai)             pydantic.ValidationError (no message)
    malformed_tool_call()     no exception: AIMessage.invalid_tool_calls pydantic.ValidationError (arguments
                              holds name + raw args, tool_calls == []   is a string, not an object)
    unknown_tool()            no exception: AIMessage.tool_calls carries the unknown name (validate it)

- ChatOpenAI's errors are langchain_openai subclasses that inherit both the openai class
  above and ``langchain_core.exceptions.Model*Error`` (``ModelRateLimitError``,
  ``ModelAPIError``, ``ModelAuthenticationError``, ``ModelPermissionDeniedError``,
  ``ModelTimeoutError``, ``ModelConnectionError``). ``openai.APITimeoutError`` is a subclass
  of ``openai.APIConnectionError``: test for the timeout first.
- 429: ``exc.response.headers["retry-after"]`` (openai) holds the seconds; ollama's
  ``ResponseError`` keeps no headers, so Retry-After is unknown there. ``ResponseError.error``
  is the message, ``.status_code`` the status (-1 for an ``{"error"}`` line inside a stream,
  per ollama's source; the simulator does not send those).
- openai uses httpx2 and ollama uses httpx: catch ``httpx.TimeoutException``,
  ``httpx.TransportError`` (ConnectError, RemoteProtocolError, ...) for Ollama.
- With ``max_retries > 0`` ChatOpenAI retries 408/409/429/5xx and connection errors itself,
  consuming one scripted reply per attempt.
- langchain-openai caches one async HTTP client per (base_url, timeout) for the whole
  process, bound to the event loop that first used it. A second ``asyncio.run`` against the
  same URL can then fail with ``RuntimeError: Event loop is closed``. Keep one loop, pass
  ``http_async_client``, or give each test its own URL (a fresh simulator or
  ``sim.openai_url(unique_prefix)``, which falls back to the root script).
"""

from __future__ import annotations

import re
import socket
import threading
from typing import Any

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
from openclaw.testing.llm_sim_script import RecordedRequest, Script
from openclaw.testing.llm_sim_server import SimServer

__all__ = [
    "LLMSimulator", "Script", "RecordedRequest", "refused_url",
    "Text", "ToolCall", "ToolCalls", "JSONContent", "Usage",
    "HTTPError", "Stall", "NonJSON", "EmptyChoices", "Disconnect", "FaultPlan", "Reply", "Hook",
    "rate_limited", "server_error", "auth_error", "malformed_tool_call", "unknown_tool",
]  # fmt: skip

_RESERVED = {"v1", "api"}


class LLMSimulator:
    """A loopback server speaking the OpenAI and Ollama chat protocols; see the module docstring.

    ``with LLMSimulator() as sim:`` or ``sim.start()`` / ``sim.stop()``. Port 0 picks a free port.
    ``gzip=True`` compresses JSON responses for clients that accept it, as the real vendors do.
    """

    def __init__(self, port: int = 0, *, gzip: bool = False) -> None:
        self._port = port
        self.gzip = gzip
        self._server: SimServer | None = None
        self._thread: threading.Thread | None = None
        self.closing = threading.Event()
        self._lock = threading.Lock()
        self._scripts: dict[tuple[str, str | None], Script] = {("", None): Script()}
        self._requests: list[RecordedRequest] = []
        self._seq = 0

    # --- lifecycle ---

    def start(self) -> LLMSimulator:
        if self._server is not None:
            raise RuntimeError("LLMSimulator is already running; call stop() first")
        self.closing.clear()
        self._server = SimServer(("127.0.0.1", self._port), self)
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
        self.closing.set()
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

    # --- the Backend protocol, used by the server ---

    def record(self, request: RecordedRequest) -> int:
        with self._lock:
            self._requests.append(request)
            self._seq += 1
            return self._seq

    def reply_for(self, prefix: str, body: dict[str, Any]) -> Reply | None:
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
