"""The HTTP side of the loopback LLM simulator: a ThreadingHTTPServer and its request handler.

The handler records each request, routes it (``{prefix}/v1/...`` OpenAI,
``{prefix}/api/...`` Ollama), asks the :class:`Backend` for a reply, and renders it
with :mod:`openclaw.testing.llm_sim_wire`. One thread per connection, so a stalled
request never blocks the others; :meth:`SimServer.close_connections` wakes them all.
"""

from __future__ import annotations

import gzip
import json
import re
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from openclaw.testing import llm_sim_wire as wire
from openclaw.testing.llm_sim_replies import Disconnect, HTTPError, NonJSON, Reply, Stall, Text
from openclaw.testing.llm_sim_script import Api, RecordedRequest

_ROUTE = re.compile(r"^(?:/(?P<prefix>[A-Za-z0-9_.-]+))?(?P<rest>/(?:v1|api)/[^?]*)")


class Backend(Protocol):
    """What the handler needs from the simulator."""

    closing: threading.Event
    gzip: bool
    """Compress JSON responses (Content-Encoding: gzip) when the client accepts it, as real vendors do."""

    def record(self, request: RecordedRequest) -> int:
        """Store the request; return its sequence number (1, 2, ...)."""
        ...

    def reply_for(self, prefix: str, body: dict[str, Any]) -> Reply | None:
        """The scripted reply, or None when nothing is scripted."""
        ...


class SimServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that tracks its connections so that stop() can close them."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 128
    """Listen backlog: the default of 5 drops connections when many clients connect at once."""

    def __init__(self, address: tuple[str, int], sim: Backend) -> None:
        self.sim = sim
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        super().__init__(address, _Handler)

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
    server: SimServer

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
        seq = sim.record(RecordedRequest(self.command, self.path, prefix, api, headers, body, time.time()))
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

    def _chat(self, sim: Backend, api: Api, prefix: str, request: dict[str, Any], seq: int) -> None:
        try:
            reply = sim.reply_for(prefix, request)
        except Exception as exc:  # a broken hook must show up in the test, not as a fault
            self._error(api, HTTPError(418, f"llm_sim: the reply hook raised {exc!r}"))
            return
        while isinstance(reply, Stall):
            if sim.closing.wait(reply.seconds):
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
        if self.server.sim.gzip and "gzip" in self.headers.get("Accept-Encoding", ""):
            data = gzip.compress(data)
            extra = {**(extra or {}), "Content-Encoding": "gzip"}
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
