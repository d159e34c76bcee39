"""A loopback Telegram Bot API (``sendMessage`` only) with scripted answers, for tests.

::

    with telegram_server(token="123:abc") as bot:
        bot.script(429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                         "parameters": {"retry_after": 1}})
        notifier = TelegramNotifier(token="123:abc", chat_id="42", base_url=bot.url)
        ...
        assert bot.messages[-1]["text"].startswith(...)

Unscripted requests to ``/bot<TOKEN>/sendMessage`` succeed with a growing
``message_id``; any other token gets 401, any other path 404. ``requests`` keeps
every request (method, path, JSON body) in order.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class FakeTelegram:
    token: str
    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    _script: list[tuple[int, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def script(self, status: int, body: Any) -> None:
        """Answer the next unanswered request with ``status`` and JSON ``body`` (in order)."""
        with self._lock:
            self._script.append((status, body))

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The bodies of the sendMessage requests that were answered with success."""
        return [r["body"] for r in self.requests if r.get("answered") == 200]

    def _answer(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        record = {"method": method, "path": path, "body": body}
        with self._lock:
            self.requests.append(record)
            if path != f"/bot{self.token}/sendMessage":
                if path.endswith("/sendMessage"):
                    status, answer = 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
                else:
                    status, answer = 404, {"ok": False, "error_code": 404, "description": "Not Found"}
            elif self._script:
                status, answer = self._script.pop(0)
            else:
                sent = sum(1 for r in self.requests if r.get("answered") == 200) + 1
                status, answer = 200, {"ok": True, "result": {"message_id": sent, "chat": {
                    "id": (body or {}).get("chat_id")}, "text": (body or {}).get("text")}}
            record["answered"] = status
        return status, answer


@contextmanager
def telegram_server(*, token: str) -> Iterator[FakeTelegram]:
    """Serve a ``FakeTelegram`` on 127.0.0.1 (random port) for the ``with`` block."""
    fake = FakeTelegram(token=token)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode(errors="replace")
            status, answer = fake._answer("POST", self.path, body)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="fake-telegram", daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
