"""``send_alert`` through the Telegram Bot API (``sendMessage``) with httpx.

- Without a bot token the alert is ``planned``: the request that would be sent is
  recorded (token redacted) and nothing leaves the machine.
- The message is HTML (``parse_mode=HTML``) with the text escaped, and carries the
  severity and the incident id.
- A 429 honours ``parameters.retry_after`` when it is at most ``max_wait_s``
  seconds (otherwise it fails at once, saying how long Telegram asked to wait);
  5xx and connection errors are retried with a short backoff; at most
  ``max_attempts`` attempts in all. 4xx errors are not retried.
  ``sendMessage`` is not idempotent: after a 5xx, a timeout or a connection dropped
  mid-request, Telegram may already have posted the message, so a retry can deliver
  the same alert twice. Duplicates are preferred to a lost critical alert.
- The token is part of the URL path (``/bot<TOKEN>/sendMessage``). It never appears
  in a result, an exchange or a log line: every recorded string is redacted, and a
  logging filter redacts it from httpx's and httpcore's own request logs.
"""

from __future__ import annotations

import html
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import httpx

REDACTED = "<redacted>"
TELEGRAM_MAX_CHARS = 4096
_ICONS = {"info": "ℹ️", "warning": "⚠️", "critical": "🔴"}


class _RedactTokens(logging.Filter):
    """Replaces every registered token in log records (message and arguments)."""

    def __init__(self) -> None:
        super().__init__("openclaw-redact")
        self.tokens: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if self.tokens:
            message = record.getMessage()
            if any(t in message for t in self.tokens):
                for token in self.tokens:
                    message = message.replace(token, REDACTED)
                record.msg, record.args = message, ()
        return True


_FILTER = _RedactTokens()
# Logger filters only see records created by that very logger, so each one is named.
_HTTP_LOGGERS = ("httpx", "httpcore", "httpcore.connection", "httpcore.http11", "httpcore.http2", "httpcore.proxy")


def _register_token(token: str) -> None:
    if token not in _FILTER.tokens:
        _FILTER.tokens.add(token)
        for name in _HTTP_LOGGERS:
            logger = logging.getLogger(name)
            if _FILTER not in logger.filters:
                logger.addFilter(_FILTER)


@dataclass(frozen=True)
class NotifyOutcome:
    status: Literal["executed", "planned", "failed"]
    result: dict[str, Any]
    exchanges: list[dict[str, Any]]


def format_message(*, severity: str, message: str, incident_id: str | None) -> str:
    """The HTML text: icon and severity in bold, the incident id, then the escaped message."""
    head = f"{_ICONS.get(severity, '')} <b>{html.escape(severity.upper(), quote=False)}</b>".strip()
    if incident_id:
        head += f" · incident <code>{html.escape(incident_id, quote=False)}</code>"
    text = f"{head}\n{html.escape(message, quote=False)}"
    if len(text) > TELEGRAM_MAX_CHARS:
        text = text[: TELEGRAM_MAX_CHARS - 1] + "…"
    return text


class TelegramNotifier:
    """Sends alerts to one chat. ``transport`` lets tests route httpx to a loopback server."""

    def __init__(
        self,
        *,
        token: str | None,
        chat_id: str | None,
        base_url: str = "https://api.telegram.org",
        timeout_s: float = 10.0,
        max_wait_s: float = 30.0,
        max_attempts: int = 3,
        backoff_s: float = 1.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._token = token or None
        self.chat_id = chat_id or None
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.max_wait_s = max_wait_s
        self.max_attempts = max(1, max_attempts)
        self.backoff_s = backoff_s
        self._transport = transport
        self._sleep = sleep
        if self._token:
            _register_token(self._token)

    @property
    def configured(self) -> bool:
        """True when a bot token is set: alerts are really sent (otherwise they are planned)."""
        return self._token is not None

    def __repr__(self) -> str:
        token = "set" if self._token else None
        return f"TelegramNotifier(base_url={self.base_url!r}, chat_id={self.chat_id!r}, token={token})"

    def _redact(self, value: Any) -> Any:
        if isinstance(value, str) and self._token:
            return value.replace(self._token, REDACTED)
        if isinstance(value, dict):
            return {k: self._redact(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._redact(v) for v in value]
        return value

    def send(self, *, severity: str, message: str, incident_id: str | None) -> NotifyOutcome:
        """Deliver one alert; never raises for delivery errors (status ``failed`` instead)."""
        body = {"chat_id": self.chat_id, "text": format_message(severity=severity, message=message,
                                                                incident_id=incident_id),
                "parse_mode": "HTML", "disable_web_page_preview": True}
        request = {"method": "POST", "url": f"{self.base_url}/bot{REDACTED}/sendMessage", "body": body}
        if not self._token:
            return NotifyOutcome("planned", {"channel": "telegram", "severity": severity, "incident_id": incident_id,
                                             "reason": "TELEGRAM_BOT_TOKEN is not set; the alert was not sent",
                                             "request": request}, [request])
        if not self.chat_id:
            return NotifyOutcome("failed", {"channel": "telegram", "error": "TELEGRAM_CHAT_ID is not set: "
                                            "the bot has nowhere to send the alert; set it to the chat's id",
                                            "status": None}, [])
        exchanges: list[dict[str, Any]] = []
        outcome = self._deliver(body, request, exchanges, severity=severity, incident_id=incident_id)
        return NotifyOutcome(outcome.status, self._redact(outcome.result), self._redact(exchanges))

    def _deliver(self, body: dict[str, Any], request: dict[str, Any], exchanges: list[dict[str, Any]], *,
                 severity: str, incident_id: str | None) -> NotifyOutcome:
        url = f"{self.base_url}/bot{self._token}/sendMessage"
        base = {"channel": "telegram", "severity": severity, "incident_id": incident_id}
        error = "no attempt made"
        status: int | None = None
        with httpx.Client(timeout=self.timeout_s, transport=self._transport) as client:
            for attempt in range(1, self.max_attempts + 1):
                record = {**request, "attempt": attempt}
                exchanges.append(record)
                try:
                    response = client.post(url, json=body)
                except httpx.HTTPError as exc:  # the boundary: connection, timeout, protocol
                    status, error = None, f"cannot reach the Telegram Bot API at {self.base_url}: " \
                                          f"{type(exc).__name__}: {exc}"
                    record["error"] = error
                    if attempt < self.max_attempts:
                        self._sleep(self.backoff_s * attempt)
                    continue
                status = response.status_code
                data = _json(response)
                record.update(status=status, response=data)
                if status == 200 and isinstance(data, dict) and data.get("ok"):
                    result = data.get("result") or {}
                    return NotifyOutcome("executed", {**base, "chat_id": self.chat_id,
                                                      "message_id": result.get("message_id")}, exchanges)
                description = data.get("description") if isinstance(data, dict) else None
                if status == 429:
                    retry_after = _retry_after(data, response)
                    if retry_after > self.max_wait_s:
                        error = (f"Telegram rate limit (429): it asks to wait {retry_after:g} s, more than the "
                                 f"{self.max_wait_s:g} s allowed; the alert was not sent")
                        record["error"] = error
                        break
                    error = f"Telegram rate limit (429): retry after {retry_after:g} s"
                    record["error"] = error
                    if attempt < self.max_attempts:
                        self._sleep(retry_after)
                    continue
                if status >= 500:
                    error = f"Telegram Bot API server error {status}: {description or response.reason_phrase}"
                    record["error"] = error
                    if attempt < self.max_attempts:
                        self._sleep(self.backoff_s * attempt)
                    continue
                error = _client_error(status, description)
                record["error"] = error
                break
        return NotifyOutcome("failed", {**base, "error": error, "status": status}, exchanges)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text[:500]


def _retry_after(data: Any, response: httpx.Response) -> float:
    params = data.get("parameters") if isinstance(data, dict) else None
    value = (params or {}).get("retry_after") if isinstance(params, dict) else None
    if value is None:
        value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else 1.0
    except (TypeError, ValueError):
        return 1.0


def _client_error(status: int, description: str | None) -> str:
    said = f": {description}" if description else ""
    if status == 401:
        return f"Telegram refused the bot token (401{said}); check TELEGRAM_BOT_TOKEN"
    if status == 403:
        return f"the bot may not post in that chat (403{said}); add the bot to the chat or check TELEGRAM_CHAT_ID"
    if status == 400:
        return f"Telegram rejected the message (400{said}); check TELEGRAM_CHAT_ID and the message text"
    if status == 404:
        return f"Telegram Bot API method not found (404{said}); check TELEGRAM_API_BASE_URL and TELEGRAM_BOT_TOKEN"
    return f"Telegram Bot API error {status}{said}"
