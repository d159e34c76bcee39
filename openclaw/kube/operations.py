"""Sending ``ApiCall``s through the real ``kubernetes`` client, with retries and a record.

``ApiSession.send`` serialises the call with the client's own ``ApiClient``
(authentication, TLS, host from the kubeconfig), sends it, and returns the parsed
JSON (or text for ``pods/log``). HTTP errors and client exceptions become
``KubeError``s at ``openclaw.kube.errors``. Only retryable errors (connection, 409,
429, 5xx) are retried, at most ``max_retries`` times, with exponential backoff
(``backoff_s`` doubling, capped at ``max_backoff_s``) or the server's ``Retry-After``
if longer. Every attempt is appended to ``exchanges``: the request, and the status
and body of the response or the error. Headers are never recorded, so neither is
the bearer token.

Retrying a mutation is safe here: each patch sets absolute values (the restart
timestamp is fixed once per action, the replica count is absolute), so sending it
twice leaves the object as sending it once.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from typing import Any

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from openclaw.config.executor import MAX_BACKOFF_S
from openclaw.errors import KubeError
from openclaw.kube.access import Cluster
from openclaw.kube.errors import boundary, from_status
from openclaw.kube.plan import ApiCall

MAX_RECORDED_CHARS = 200_000
"""A recorded response body longer than this (characters) is cut, with ``truncated: true``."""


class ApiSession:
    """Sends calls for one action and keeps the exchanges. Not shared between actions."""

    def __init__(
        self,
        cluster: Cluster,
        *,
        max_retries: int = 3,
        backoff_s: float = 0.5,
        max_backoff_s: float = MAX_BACKOFF_S,
        request_timeout_s: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.cluster = cluster
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.request_timeout_s = request_timeout_s
        self.sleep = sleep
        self.exchanges: list[dict[str, Any]] = []

    def send(self, call: ApiCall) -> Any:
        """Send ``call`` (retrying what is retryable); the parsed body, or raise KubeError."""
        retrying = Retrying(
            stop=stop_after_attempt(self.max_retries + 1),
            wait=self._wait,
            retry=retry_if_exception(lambda e: isinstance(e, KubeError) and e.retryable),
            sleep=self.sleep,
            reraise=True,
        )
        attempts = itertools.count(1)
        return retrying(lambda: self._once(call, next(attempts)))

    def _wait(self, state: RetryCallState) -> float:
        exp = self.backoff_s * (2 ** (state.attempt_number - 1))
        exc = state.outcome.exception() if state.outcome else None
        hint = getattr(exc, "retry_after", None) or 0.0
        return min(self.max_backoff_s, max(exp, hint))

    def _once(self, call: ApiCall, attempt: int) -> Any:
        record: dict[str, Any] = {**call.as_dict(), "attempt": attempt}
        api = self.cluster.api_client
        try:
            with boundary(call.target, server=self.cluster.server):
                headers = {"Accept": "application/json" if call.response == "json" else "text/plain, */*"}
                if call.content_type:
                    headers["Content-Type"] = call.content_type
                request = api.param_serialize(
                    call.method, call.path, query_params=list(call.query.items()), header_params=headers,
                    body=call.body, auth_settings=["BearerToken"],
                )
                response = api.call_api(*request, _request_timeout=self.request_timeout_s)
                raw = response.read() or b""
                status = int(response.status)
                retry_after = _float(response.headers.get("Retry-After") if response.headers else None)
        except KubeError as err:
            record.update(status=err.status, error=str(err), error_type=type(err).__name__)
            self.exchanges.append(record)
            raise
        text = raw.decode("utf-8", errors="replace")
        body: Any = text
        if call.response == "json" or status >= 400:
            try:
                body = json.loads(text) if text else None
            except ValueError:
                body = text
        record["status"] = status
        record["response"] = _bounded(body)
        if status >= 400:
            err = from_status(status, body, call.target, retry_after=retry_after, who=self._who())
            record.update(error=str(err), error_type=type(err).__name__)
            self.exchanges.append(record)
            raise err
        self.exchanges.append(record)
        return body

    def _who(self) -> str:
        if self.cluster.context == "in-cluster":
            return "the service account"
        return f"the credentials of context {self.cluster.context!r}"


def _float(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _bounded(body: Any) -> Any:
    if isinstance(body, str) and len(body) > MAX_RECORDED_CHARS:
        return {"truncated": True, "text": body[:MAX_RECORDED_CHARS]}
    if isinstance(body, dict | list):
        encoded = json.dumps(body)
        if len(encoded) > MAX_RECORDED_CHARS:
            return {"truncated": True, "text": encoded[:MAX_RECORDED_CHARS]}
    return body
