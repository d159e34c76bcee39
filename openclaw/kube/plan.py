"""The exact Kubernetes API calls an action makes: method, path, query, content type, body.

Every tool declares its requests as data (``ToolSpec.requests`` in ``openclaw.tools``:
resource, namespace, name, subresource, query, body); this module turns them into
calls, the same way for every tool. Plan mode records them as they are, and the executor
sends exactly these calls (adding ``dryRun=All`` for a dry run), so a plan and an
execution can never disagree. What each tool sends is documented in its module
(``openclaw.tools.kubectl_get``, ``get_logs``, ``restart_deployment``, ``scale_deployment``);
``kubectl_execute`` is parsed (shlex, never a shell) into one of them, or refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from openclaw.errors import ExecutionError
from openclaw.kube.target import Target
from openclaw.tools import KUBE_TOOLS, MUTATING_TOOLS, TOOLS, ToolArgumentsError
from openclaw.tools.base import DEFAULT_NAMESPACE, FIELD_MANAGER, LIST_LIMIT, ApiRequest, CallContext
from openclaw.tools.get_logs import DEFAULT_LOG_TAIL, LOG_FETCH_FACTOR, smaller_tail
from openclaw.tools.restart_deployment import DEPLOYMENTS, RESTARTED_AT, restarted_at

DEFAULT_LOG_MAX_BYTES = 65536

__all__ = [
    "DEFAULT_LOG_MAX_BYTES", "DEFAULT_LOG_TAIL", "DEFAULT_NAMESPACE", "FIELD_MANAGER", "KUBE_TOOLS", "LIST_LIMIT",
    "LOG_FETCH_FACTOR", "MUTATING_TOOLS", "RESTARTED_AT", "ApiCall", "ResolvedAction", "build_calls",
    "deployment_path", "planned_calls", "resolve", "restarted_at", "smaller_log_tail",
]


@dataclass(frozen=True)
class ApiCall:
    """One API request. ``target`` names it for RBAC-aware error messages and locks."""

    method: Literal["GET", "PATCH"]
    path: str
    query: dict[str, str] = field(default_factory=dict)
    content_type: str | None = None
    body: dict[str, Any] | None = None
    target: Target = field(default=Target("get", ""), compare=False)
    response: Literal["json", "text"] = "json"
    request: ApiRequest | None = field(default=None, compare=False)
    """The tool's declarative request this call was built from (None for calls made by hand)."""

    @property
    def mutating(self) -> bool:
        return self.method != "GET"

    def with_dry_run(self) -> ApiCall:
        """The same call with ``dryRun=All`` (only mutations take it)."""
        if not self.mutating:
            return self
        return ApiCall(self.method, self.path, {**self.query, "dryRun": "All"}, self.content_type, self.body,
                       self.target, self.response, self.request)

    @classmethod
    def of(cls, request: ApiRequest) -> ApiCall:
        """The call for a tool's declarative request."""
        target = Target(request.verb, request.rbac_resource, request.scope_namespace, request.name)
        return cls(request.method, request.path(), dict(request.query), request.content_type, request.body, target,
                   request.response, request)

    def as_dict(self) -> dict[str, Any]:
        return {"method": self.method, "path": self.path, "query": dict(self.query),
                "content_type": self.content_type, "body": self.body}


@dataclass(frozen=True)
class ResolvedAction:
    """A typed tool with validated arguments; ``command`` is set when it came from kubectl_execute."""

    tool: str
    args: dict[str, Any]
    command: str | None = None

    @property
    def mutating(self) -> bool:
        return TOOLS[self.tool].mutating


def resolve(tool: str, args: dict[str, Any], *, default_namespace: str = DEFAULT_NAMESPACE) -> ResolvedAction:
    """Validate the arguments and turn ``kubectl_execute`` into its typed tool; ExecutionError if refused."""
    spec = TOOLS.get(tool)
    if spec is None or not spec.kube:
        if spec is not None:
            raise ExecutionError(f"{tool} is delivered by openclaw.notify.telegram.TelegramNotifier, "
                                 "not by the Kubernetes executor")
        raise ExecutionError(f"unknown tool {tool!r}; the Kubernetes executor runs {', '.join(KUBE_TOOLS)}")
    try:
        clean = spec.validate(args).model_dump(exclude_none=True)
    except ToolArgumentsError as exc:
        raise ExecutionError(f"refused: {exc}") from None
    if spec.expand is None:
        return ResolvedAction(tool, clean)
    try:
        inner_tool, inner_args = spec.expand(clean, default_namespace)
    except ToolArgumentsError as exc:
        raise ExecutionError(f"kubectl command refused: {exc}") from None
    inner = resolve(inner_tool, inner_args, default_namespace=default_namespace)
    return ResolvedAction(inner.tool, inner.args, command=clean["command"])


def deployment_path(namespace: str, name: str) -> str:
    return DEPLOYMENTS.path(namespace, name)


def build_calls(
    action: ResolvedAction,
    *,
    default_namespace: str = DEFAULT_NAMESPACE,
    now: dt.datetime | None = None,
    log_max_bytes: int = DEFAULT_LOG_MAX_BYTES,
) -> list[ApiCall]:
    """The API calls for a resolved action (without ``dryRun``), from the tool's declared requests."""
    spec = TOOLS[action.tool]
    if spec.requests is None:  # unreachable: resolve() only returns tools that make requests
        raise ExecutionError(f"no API requests declared for tool {action.tool!r}")
    ctx = CallContext(default_namespace=default_namespace, now=now, log_max_bytes=log_max_bytes)
    return [ApiCall.of(r) for r in spec.requests(action.args, ctx)]


def smaller_log_tail(call: ApiCall, received: bytes, log_max_bytes: int) -> ApiCall | None:
    """The get_logs call again with fewer ``tailLines`` when ``received`` hit the server's cap; else None
    (see ``openclaw.tools.get_logs.smaller_tail``)."""
    if call.request is None:
        return None
    smaller = smaller_tail(call.request, received, CallContext(log_max_bytes=log_max_bytes))
    return None if smaller is None else ApiCall.of(smaller)


def planned_calls(
    tool: str,
    args: dict[str, Any],
    *,
    default_namespace: str = DEFAULT_NAMESPACE,
    now: dt.datetime | None = None,
    log_max_bytes: int = DEFAULT_LOG_MAX_BYTES,
) -> list[dict[str, Any]]:
    """The exact API calls ``tool(args)`` would make, as JSON-serialisable dicts.

    ``now`` fixes the restart timestamp (default: the current time). Raises
    ExecutionError for a refused kubectl command, bad arguments or a non-Kubernetes tool.
    """
    action = resolve(tool, args, default_namespace=default_namespace)
    calls = build_calls(action, default_namespace=default_namespace, now=now, log_max_bytes=log_max_bytes)
    return [c.as_dict() for c in calls]
