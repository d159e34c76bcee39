"""The exact Kubernetes API calls an action makes: method, path, query, content type, body.

This is the single description of every operation. Plan mode records it as is, and
the executor sends exactly these calls (adding ``dryRun=All`` for a dry run), so a
plan and an execution can never disagree.

- ``kubectl_get``: ``GET`` one object or a list. Nodes are cluster-scoped (the
  namespace is ignored). For events, ``name`` selects the events *about* that
  object (``fieldSelector=involvedObject.name=NAME``): event names are generated,
  the object they concern is what a person asks for.
- ``restart_deployment``: what ``kubectl rollout restart`` sends: a strategic merge
  patch of ``spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"]``
  (RFC 3339, UTC, seconds).
- ``scale_deployment``: a merge patch of ``spec.replicas`` on the ``scale`` subresource.
- ``get_logs``: ``GET pods/NAME/log`` with ``tailLines`` (default 100), ``container``
  and ``limitBytes = LOG_FETCH_FACTOR × log_max_bytes``, a safety cap only. The server's
  ``limitBytes`` keeps the *first* bytes of the tail (the oldest lines), so it cannot be
  the bound itself: the executor keeps the *last* ``log_max_bytes`` bytes client-side,
  cut at a line boundary. Only when the server hits the cap (the newest lines were cut
  off) does the executor send one more, identical call with fewer ``tailLines``
  (``smaller_log_tail``), so the crash line at the end is never lost to the bound.
- Lists (``kubectl_get`` without a name, and events) pass ``limit=LIST_LIMIT`` so a
  namespace with thousands of events is not fetched whole.
- ``kubectl_execute``: parsed with ``openclaw.models.kubectl.parse_kubectl`` (shlex,
  never a shell) into one of the typed tools above, or refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from openclaw.errors import ExecutionError
from openclaw.kube.target import Target
from openclaw.models.tools import ToolArgumentsError, validate_tool_args

DEFAULT_NAMESPACE = "awoooi-prod"
DEFAULT_LOG_TAIL = 100
DEFAULT_LOG_MAX_BYTES = 65536
LOG_FETCH_FACTOR = 8
"""get_logs asks the server for at most this many times ``log_max_bytes`` (a memory cap, see above)."""
LIST_LIMIT = 500
"""Most objects one list call asks for (``limit``); the rest is reported, never fetched."""
FIELD_MANAGER = "openclaw"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
KUBE_TOOLS = ("kubectl_get", "restart_deployment", "scale_deployment", "get_logs", "kubectl_execute")
MUTATING_TOOLS = ("restart_deployment", "scale_deployment")

_CORE = {"pods", "services", "events", "nodes"}


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

    @property
    def mutating(self) -> bool:
        return self.method != "GET"

    def with_dry_run(self) -> ApiCall:
        """The same call with ``dryRun=All`` (only mutations take it)."""
        if not self.mutating:
            return self
        return ApiCall(self.method, self.path, {**self.query, "dryRun": "All"}, self.content_type, self.body,
                       self.target, self.response)

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
        return self.tool in MUTATING_TOOLS


def resolve(tool: str, args: dict[str, Any], *, default_namespace: str = DEFAULT_NAMESPACE) -> ResolvedAction:
    """Validate the arguments and turn ``kubectl_execute`` into its typed tool; ExecutionError if refused."""
    if tool not in KUBE_TOOLS:
        if tool == "send_alert":
            raise ExecutionError("send_alert is delivered by openclaw.notify.telegram.TelegramNotifier, "
                                 "not by the Kubernetes executor")
        raise ExecutionError(f"unknown tool {tool!r}; the Kubernetes executor runs {', '.join(KUBE_TOOLS)}")
    try:
        model = validate_tool_args(tool, args)
    except ToolArgumentsError as exc:
        raise ExecutionError(f"refused: {exc}") from None
    clean = model.model_dump(exclude_none=True)
    if tool != "kubectl_execute":
        return ResolvedAction(tool, clean)
    from openclaw.models.kubectl import KubectlRefused, parse_kubectl  # written concurrently; imported lazily

    command = clean["command"]
    try:
        parsed = parse_kubectl(command, default_namespace=clean.get("namespace") or default_namespace)
    except KubectlRefused as exc:
        raise ExecutionError(f"kubectl command refused: {exc}") from None
    inner = resolve(parsed.tool, dict(parsed.args), default_namespace=default_namespace)
    return ResolvedAction(inner.tool, inner.args, command=command)


def restarted_at(now: dt.datetime | None = None) -> str:
    """The annotation value ``kubectl rollout restart`` writes: RFC 3339 UTC to the second."""
    now = now or dt.datetime.now(dt.UTC)
    return now.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def deployment_path(namespace: str, name: str) -> str:
    return f"/apis/apps/v1/namespaces/{namespace}/deployments/{name}"


def build_calls(
    action: ResolvedAction,
    *,
    default_namespace: str = DEFAULT_NAMESPACE,
    now: dt.datetime | None = None,
    log_max_bytes: int = DEFAULT_LOG_MAX_BYTES,
) -> list[ApiCall]:
    """The API calls for a resolved action (without ``dryRun``)."""
    a = action.args
    if action.tool == "kubectl_get":
        resource, name = a["resource"], a.get("name")
        ns = None if resource == "nodes" else a.get("namespace") or default_namespace
        base = "/api/v1" if resource in _CORE else "/apis/apps/v1"
        coll = f"{base}/nodes" if ns is None else f"{base}/namespaces/{ns}/{resource}"
        if resource == "events" and name:
            return [ApiCall("GET", coll, {"fieldSelector": f"involvedObject.name={name}", "limit": str(LIST_LIMIT)},
                            target=Target("list", "events", ns, None))]
        if name:
            return [ApiCall("GET", f"{coll}/{name}", target=Target("get", resource, ns, name))]
        return [ApiCall("GET", coll, {"limit": str(LIST_LIMIT)}, target=Target("list", resource, ns, None))]
    if action.tool == "restart_deployment":
        ns, name = a["namespace"], a["deployment"]
        body = {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: restarted_at(now)}}}}}
        return [ApiCall("PATCH", deployment_path(ns, name), {"fieldManager": FIELD_MANAGER},
                        "application/strategic-merge-patch+json", body, Target("patch", "deployments", ns, name))]
    if action.tool == "scale_deployment":
        ns, name = a["namespace"], a["deployment"]
        return [ApiCall("PATCH", deployment_path(ns, name) + "/scale", {"fieldManager": FIELD_MANAGER},
                        "application/merge-patch+json", {"spec": {"replicas": a["replicas"]}},
                        Target("patch", "deployments/scale", ns, name))]
    if action.tool == "get_logs":
        ns, pod = a["namespace"], a["pod"]
        query = {"tailLines": str(a.get("tail") or DEFAULT_LOG_TAIL),
                 "limitBytes": str(log_max_bytes * LOG_FETCH_FACTOR)}
        if a.get("container"):
            query["container"] = a["container"]
        return [ApiCall("GET", f"/api/v1/namespaces/{ns}/pods/{pod}/log", query,
                        target=Target("get", "pods/log", ns, pod), response="text")]
    raise ExecutionError(f"no API mapping for tool {action.tool!r}")  # unreachable: resolve() checked


def smaller_log_tail(call: ApiCall, received: bytes, log_max_bytes: int) -> ApiCall | None:
    """The get_logs call again with fewer ``tailLines`` when ``received`` hit the server's cap; else None.

    The server kept the oldest ``limitBytes`` of the tail, so the newest lines are
    missing; ask for about as many lines as fit in ``log_max_bytes`` at the average
    length seen (at least one).
    """
    cap = int(call.query.get("limitBytes") or 0)
    if not cap or len(received) < cap:
        return None
    tail = int(call.query["tailLines"])
    complete = received.count(b"\n")
    fewer = max(1, min(tail - 1, complete * log_max_bytes // max(1, len(received))))
    if fewer >= tail:
        return None
    return ApiCall(call.method, call.path, {**call.query, "tailLines": str(fewer)}, call.content_type, call.body,
                   call.target, call.response)


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
