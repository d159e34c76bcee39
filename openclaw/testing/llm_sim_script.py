"""Scripts and recordings of the loopback LLM simulator (see :mod:`openclaw.testing.llm_sim`).

A :class:`Script` holds the replies for one (vendor prefix, model): a FIFO queue,
then a hook, then a default, optionally thinned by a :class:`FaultPlan`. A
:class:`RecordedRequest` is one request as the simulator received it.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Any, Literal

from openclaw.testing.llm_sim_replies import FaultPlan, Hook, Reply

Api = Literal["openai", "ollama", "other"]
"""Which protocol a path belongs to: ``/v1/...`` is openai, ``/api/...`` is ollama."""


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
