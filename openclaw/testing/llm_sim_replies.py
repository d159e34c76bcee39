"""What the loopback LLM simulator answers: scripted replies, faults, and fault plans.

Every reply kind is a small frozen dataclass; :data:`Reply` is their union. The wire
rendering (OpenAI chat completions, Ollama ``/api/chat``) lives in
:mod:`openclaw.testing.llm_sim_wire`; the server in :mod:`openclaw.testing.llm_sim`.
"""

from __future__ import annotations

import json
import random
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Union

# --- successful answers ----------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    """Token counts reported with a reply (``usage`` / ``prompt_eval_count``, ``eval_count``)."""

    prompt_tokens: int = 42
    completion_tokens: int = 7

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class Text:
    """A plain assistant message (``finish_reason="stop"``)."""

    content: str
    usage: Usage = field(default_factory=Usage)
    model: str | None = None
    """Model name to report; None echoes the request's ``model``."""


@dataclass(frozen=True)
class ToolCall:
    """One tool call. ``raw_arguments`` (if set) is sent verbatim instead of ``args``.

    Use ``raw_arguments`` for malformed JSON, e.g. ``'{"deployment": "awoooi-api",'``.
    For Ollama, ``raw_arguments`` is sent as a JSON *string* where a JSON object belongs.
    """

    name: str
    args: dict[str, Any] = field(default_factory=dict)
    raw_arguments: str | None = None
    id: str | None = None
    """Tool call id (OpenAI only); None generates ``call_<n>``."""

    def arguments_json(self) -> str:
        return self.raw_arguments if self.raw_arguments is not None else json.dumps(self.args)


@dataclass(frozen=True)
class ToolCalls:
    """An assistant message carrying tool calls (``finish_reason="tool_calls"``)."""

    calls: tuple[ToolCall, ...]
    content: str = ""
    usage: Usage = field(default_factory=Usage)
    model: str | None = None


@dataclass(frozen=True)
class JSONContent:
    """Structured output: ``obj`` serialised as the message content (json_schema / format)."""

    obj: Any
    usage: Usage = field(default_factory=Usage)
    model: str | None = None

    @property
    def content(self) -> str:
        return json.dumps(self.obj)


# --- faults ----------------------------------------------------------------------------


@dataclass(frozen=True)
class HTTPError:
    """An HTTP error status with the vendor's error body (OpenAI ``{"error": {...}}``, Ollama ``{"error": "..."}``)."""

    status: int
    message: str = "simulated error"
    retry_after: float | None = None
    """Seconds, sent as the ``Retry-After`` header when not None."""
    code: str | None = None


@dataclass(frozen=True)
class Stall:
    """Wait ``seconds`` before answering with ``then`` (interrupted when the simulator stops)."""

    seconds: float
    then: "Reply | None" = None
    """What to send after the wait; None sends ``Text("stalled reply")``."""


@dataclass(frozen=True)
class NonJSON:
    """A 200 response whose body is not JSON, although the content type says it is."""

    body: str = "<html><body>502 upstream hiccup</body></html>"
    content_type: str = "application/json"


@dataclass(frozen=True)
class EmptyChoices:
    """OpenAI: a chat.completion with ``choices: []``. Ollama: a final chunk without ``message``."""

    usage: Usage = field(default_factory=Usage)


@dataclass(frozen=True)
class Disconnect:
    """Close the connection without sending a response (a reset, from the client's side)."""


Reply = Union[Text, ToolCall, ToolCalls, JSONContent, HTTPError, Stall, NonJSON, EmptyChoices, Disconnect]
"""Everything the simulator can answer with."""

Hook = Callable[[dict[str, Any]], Reply]
"""A dynamic answer: called with the parsed request body, returns the reply."""


# --- shorthands ------------------------------------------------------------------------


def rate_limited(retry_after: float = 2.0, message: str = "Rate limit reached for requests") -> HTTPError:
    """HTTP 429 with ``Retry-After: <retry_after>`` (seconds)."""
    return HTTPError(429, message, retry_after=retry_after, code="rate_limit_exceeded")


def server_error(status: Literal[500, 502, 503, 504] = 500, message: str = "simulated server error") -> HTTPError:
    """An HTTP 5xx."""
    return HTTPError(status, message, code="server_error")


def auth_error(status: Literal[401, 403] = 401, message: str = "Incorrect API key provided") -> HTTPError:
    """HTTP 401 (bad key) or 403 (key without permission)."""
    return HTTPError(status, message, code="invalid_api_key" if status == 401 else "permission_denied")


MALFORMED_ARGUMENTS = '{"deployment": "awoooi-api",'
"""Truncated tool-call arguments, as a model cut off mid-JSON would send them."""


def malformed_tool_call(name: str = "restart_deployment", raw_arguments: str = MALFORMED_ARGUMENTS) -> ToolCalls:
    """A tool call whose ``arguments`` are not valid JSON."""
    return ToolCalls((ToolCall(name, raw_arguments=raw_arguments),))


def unknown_tool(name: str = "delete_cluster", args: dict[str, Any] | None = None) -> ToolCalls:
    """A well-formed call to a tool that the request never offered."""
    return ToolCalls((ToolCall(name, args or {"cluster": "awoooi-prod"}),))


def as_tool_calls(reply: ToolCall | ToolCalls) -> ToolCalls:
    """A single ToolCall is a ToolCalls of one."""
    return reply if isinstance(reply, ToolCalls) else ToolCalls((reply,))


# --- fault plans -----------------------------------------------------------------------


@dataclass
class FaultPlan:
    """Replace a fraction of default/hook replies with ``fault``, deterministically.

    The n-th reply drawn from a script's default (or hook) is faulted when the n-th
    draw of ``random.Random(seed)`` is below ``fraction``; the same seed and the same
    request order give the same faults. Explicitly queued replies are never faulted.
    """

    fault: Reply
    fraction: float
    seed: int = 0
    _rng: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if not 0.0 <= self.fraction <= 1.0:
            raise ValueError(f"FaultPlan.fraction must be within 0..1, got {self.fraction}")
        self._rng = random.Random(self.seed)

    def apply(self, reply: Reply) -> Reply:
        """The fault or ``reply``, according to the next draw."""
        with self._lock:
            hit = self._rng.random() < self.fraction
        return self.fault if hit else reply
