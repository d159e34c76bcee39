"""``scale_deployment(deployment, namespace, replicas 0..10)``: a merge patch of ``spec.replicas``
on the ``scale`` subresource. Scaling to zero is its own trust class (``scale_to_zero``)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, StrictInt

from openclaw.models._base import StrictModel
from openclaw.models.names import K8sLabel, K8sName
from openclaw.tools.base import (
    FIELD_MANAGER,
    ActionClass,
    ApiRequest,
    Args,
    CallContext,
    ObjectRef,
    Permission,
    ToolSpec,
)
from openclaw.tools.restart_deployment import DEPLOYMENTS

MAX_REPLICAS = 10


class ScaleDeploymentArgs(StrictModel):
    deployment: K8sName
    namespace: K8sLabel
    replicas: StrictInt = Field(ge=0, le=MAX_REPLICAS)


def risk(args: Args) -> ActionClass:
    return "scale_to_zero" if args.get("replicas") == 0 else "scale"


def target(args: Args) -> ObjectRef:
    return ObjectRef("deployment", DEPLOYMENTS, args["namespace"], args["deployment"])


def requests(args: Args, ctx: CallContext) -> list[ApiRequest]:
    return [ApiRequest("PATCH", DEPLOYMENTS, args["namespace"], args["deployment"], "scale",
                       query={"fieldManager": FIELD_MANAGER}, content_type="application/merge-patch+json",
                       body={"spec": {"replicas": args["replicas"]}})]


def summarize(args: Args, request: ApiRequest, body: Any, ctx: CallContext) -> dict[str, Any]:
    body = body if isinstance(body, dict) else {}
    return {"replicas": (body.get("spec") or {}).get("replicas", args["replicas"])}


SPEC = ToolSpec(
    name="scale_deployment",
    description="Scale a Kubernetes deployment to specified replicas",
    args_model=ScaleDeploymentArgs,
    parameters={
        "type": "object",
        "properties": {
            "deployment": {"type": "string"},
            "namespace": {"type": "string"},
            "replicas": {"type": "integer", "minimum": 0, "maximum": MAX_REPLICAS},
        },
        "required": ["deployment", "namespace", "replicas"],
    },
    mutating=True,
    risk=risk,
    namespaced=True,
    target=target,
    requests=requests,
    summarize=summarize,
    permissions=(Permission("apps", "deployments/scale", "patch"), Permission("apps", "deployments", "get")),
)
