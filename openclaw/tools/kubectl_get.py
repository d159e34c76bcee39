"""``kubectl_get(resource, namespace?, name?)``: read one object or list a collection (never a mutation).

``resource`` is one of :data:`openclaw.tools.kinds.KINDS`. Cluster-scoped kinds (nodes,
persistentvolumes) ignore the namespace. For events, ``name`` selects the events *about*
that object (``fieldSelector=involvedObject.name=NAME``): event names are generated, the
object they concern is what a person asks for. Lists pass ``limit=LIST_LIMIT`` so a
namespace with thousands of events is not fetched whole; the result keeps at most
``MAX_ITEMS`` items (the newest ``MAX_EVENTS`` for events) and says what it left out.
"""

from __future__ import annotations

from typing import Any, Literal

from openclaw.models._base import StrictModel
from openclaw.models.names import K8sLabel, K8sName
from openclaw.tools.base import LIST_LIMIT, ApiRequest, Args, CallContext, Permission, ToolSpec
from openclaw.tools.kinds import KINDS, RESOURCE_NAMES
from openclaw.tools.objects import event_time

MAX_ITEMS = 100
MAX_EVENTS = 20

Resource = Literal[RESOURCE_NAMES]  # type: ignore[valid-type]


class KubectlGetArgs(StrictModel):
    resource: Resource
    namespace: K8sLabel | None = None
    name: K8sName | None = None


def requests(args: Args, ctx: CallContext) -> list[ApiRequest]:
    kind = KINDS[args["resource"]]
    namespace = args.get("namespace") or ctx.default_namespace
    name = args.get("name")
    if name and kind.about_field:
        query = {"fieldSelector": f"{kind.about_field}={name}", "limit": str(LIST_LIMIT)}
        return [ApiRequest("GET", kind.api, namespace, query=query)]
    if name:
        return [ApiRequest("GET", kind.api, namespace, name)]
    return [ApiRequest("GET", kind.api, namespace, query={"limit": str(LIST_LIMIT)})]


def one(resource: str, obj: dict[str, Any]) -> dict[str, Any]:
    """``{"resource", "item"}`` for a single object."""
    return {"resource": resource, "item": KINDS[resource].summary(obj)}


def _name_key(obj: dict[str, Any]) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    return meta.get("namespace") or "", meta.get("name") or ""


def listing(resource: str, namespace: str | None, body: dict[str, Any]) -> dict[str, Any]:
    """``{"resource", "namespace", "count", "items", "truncated"}`` (and ``note``) for a list response."""
    kind = KINDS[resource]
    items = [i for i in body.get("items") or [] if isinstance(i, dict)]
    if kind.time_ordered:
        kept = sorted(items, key=event_time)[-MAX_EVENTS:]
    else:
        kept = sorted(items, key=_name_key)[:MAX_ITEMS]
    total = len(body.get("items") or [])
    more = bool((body.get("metadata") or {}).get("continue"))  # the list call's ``limit`` stopped the server
    remaining = (body.get("metadata") or {}).get("remainingItemCount")
    out = {
        "resource": resource,
        "namespace": namespace,
        "count": total + int(remaining) if more and isinstance(remaining, int) else total,
        "items": [kind.summary(o) for o in kept],
        "truncated": len(kept) < total or more,
    }
    if more:
        out["note"] = (f"only the first {total} {resource} were fetched (list limit); "
                       + ("the newest events may be missing" if kind.time_ordered else "more exist"))
    return out


def summarize(args: Args, request: ApiRequest, body: Any, ctx: CallContext) -> dict[str, Any]:
    body = body if isinstance(body, dict) else {}
    if request.verb == "get":
        return one(args["resource"], body)
    return listing(args["resource"], request.scope_namespace, body)


SPEC = ToolSpec(
    name="kubectl_get",
    description="Get Kubernetes resources (pods, deployments, services, etc.)",
    args_model=KubectlGetArgs,
    parameters={
        "type": "object",
        "properties": {
            "resource": {"type": "string", "enum": list(RESOURCE_NAMES), "description": "Resource type to query"},
            "namespace": {"type": "string", "description": "Kubernetes namespace (default: awoooi-prod)"},
            "name": {"type": "string", "description": "Specific resource name (optional)"},
        },
        "required": ["resource"],
    },
    mutating=False,
    risk="read",
    namespaced=True,
    requests=requests,
    summarize=summarize,
    permissions=tuple(Permission(k.api.group, k.api.plural, verb, k.api.namespaced)
                      for k in KINDS.values() for verb in ("get", "list")),
)
