"""``restart_deployment(deployment, namespace)``: what ``kubectl rollout restart`` sends.

A strategic merge patch of ``spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"]``
(RFC 3339, UTC, seconds). The executor verifies the rollout by reading the deployment.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from openclaw.models._base import StrictModel
from openclaw.models.names import K8sLabel, K8sName
from openclaw.tools import objects
from openclaw.tools.base import (
    FIELD_MANAGER,
    ApiRequest,
    ApiResource,
    Args,
    CallContext,
    ObjectRef,
    Permission,
    ToolSpec,
)

RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
DEPLOYMENTS = ApiResource("apps", "v1", "deployments")


class RestartDeploymentArgs(StrictModel):
    deployment: K8sName
    namespace: K8sLabel


def restarted_at(now: dt.datetime | None = None) -> str:
    """The annotation value ``kubectl rollout restart`` writes: RFC 3339 UTC to the second."""
    now = now or dt.datetime.now(dt.UTC)
    return now.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def target(args: Args) -> ObjectRef:
    return ObjectRef("deployment", DEPLOYMENTS, args["namespace"], args["deployment"])


def requests(args: Args, ctx: CallContext) -> list[ApiRequest]:
    body = {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: restarted_at(ctx.now)}}}}}
    return [ApiRequest("PATCH", DEPLOYMENTS, args["namespace"], args["deployment"],
                       query={"fieldManager": FIELD_MANAGER},
                       content_type="application/strategic-merge-patch+json", body=body)]


def summarize(args: Args, request: ApiRequest, body: Any, ctx: CallContext) -> dict[str, Any]:
    body = body if isinstance(body, dict) else {}
    annotations = ((((body.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("annotations")) or {}
    return {"restarted_at": annotations.get(RESTARTED_AT), "deployment": objects.deployment(body)}


SPEC = ToolSpec(
    name="restart_deployment",
    description="Restart a Kubernetes deployment by rolling restart",
    args_model=RestartDeploymentArgs,
    parameters={
        "type": "object",
        "properties": {
            "deployment": {"type": "string", "description": "Deployment name"},
            "namespace": {"type": "string", "description": "Kubernetes namespace"},
        },
        "required": ["deployment", "namespace"],
    },
    mutating=True,
    risk="restart",
    namespaced=True,
    target=target,
    requests=requests,
    summarize=summarize,
    permissions=(Permission("apps", "deployments", "patch"), Permission("apps", "deployments", "get")),
)
