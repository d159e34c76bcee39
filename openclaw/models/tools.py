"""The tools a decision may contain: the seed's test-script tools plus ``kubectl_execute``.

Names, enums and bounds are the contract (``shared/DESIGN.md``, seed §1.5 and §3.1).
Each tool has a pydantic argument model (unknown fields are refused) and an
OpenAI function schema that is handed to the LLMs verbatim.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, StrictInt, ValidationError

from openclaw.models._base import StrictModel
from openclaw.models.names import K8sLabel, K8sName

Resource = Literal["pods", "deployments", "services", "nodes", "events"]
Severity = Literal["info", "warning", "critical"]
ToolName = Literal[
    "kubectl_get", "restart_deployment", "scale_deployment", "get_logs", "send_alert", "kubectl_execute"
]

MAX_REPLICAS = 10
MAX_LOG_TAIL = 5000
MAX_ALERT_CHARS = 3500
MAX_COMMAND_CHARS = 512


class KubectlGetArgs(StrictModel):
    resource: Resource
    namespace: K8sLabel | None = None
    name: K8sName | None = None


class RestartDeploymentArgs(StrictModel):
    deployment: K8sName
    namespace: K8sLabel


class ScaleDeploymentArgs(StrictModel):
    deployment: K8sName
    namespace: K8sLabel
    replicas: StrictInt = Field(ge=0, le=MAX_REPLICAS)


class GetLogsArgs(StrictModel):
    pod: K8sName
    namespace: K8sLabel
    tail: StrictInt | None = Field(default=None, ge=1, le=MAX_LOG_TAIL)
    container: K8sLabel | None = None


class SendAlertArgs(StrictModel):
    severity: Severity
    message: str = Field(min_length=1, max_length=MAX_ALERT_CHARS)
    incident_id: str | None = Field(default=None, max_length=128)


class KubectlExecuteArgs(StrictModel):
    command: str = Field(min_length=1, max_length=MAX_COMMAND_CHARS)
    namespace: K8sLabel | None = None


@dataclass(frozen=True)
class ToolSpec:
    """One tool: its argument model, whether it changes the cluster, and its LLM schema."""

    name: str
    description: str
    args_model: type[StrictModel]
    mutating: bool
    parameters: dict[str, Any]

    def openai_schema(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }


TOOLS: dict[str, ToolSpec] = {
    spec.name: spec
    for spec in (
        ToolSpec(
            name="kubectl_get",
            description="Get Kubernetes resources (pods, deployments, services, etc.)",
            args_model=KubectlGetArgs,
            mutating=False,
            parameters={
                "type": "object",
                "properties": {
                    "resource": {
                        "type": "string",
                        "enum": ["pods", "deployments", "services", "nodes", "events"],
                        "description": "Resource type to query",
                    },
                    "namespace": {"type": "string", "description": "Kubernetes namespace (default: awoooi-prod)"},
                    "name": {"type": "string", "description": "Specific resource name (optional)"},
                },
                "required": ["resource"],
            },
        ),
        ToolSpec(
            name="restart_deployment",
            description="Restart a Kubernetes deployment by rolling restart",
            args_model=RestartDeploymentArgs,
            mutating=True,
            parameters={
                "type": "object",
                "properties": {
                    "deployment": {"type": "string", "description": "Deployment name"},
                    "namespace": {"type": "string", "description": "Kubernetes namespace"},
                },
                "required": ["deployment", "namespace"],
            },
        ),
        ToolSpec(
            name="scale_deployment",
            description="Scale a Kubernetes deployment to specified replicas",
            args_model=ScaleDeploymentArgs,
            mutating=True,
            parameters={
                "type": "object",
                "properties": {
                    "deployment": {"type": "string"},
                    "namespace": {"type": "string"},
                    "replicas": {"type": "integer", "minimum": 0, "maximum": MAX_REPLICAS},
                },
                "required": ["deployment", "namespace", "replicas"],
            },
        ),
        ToolSpec(
            name="get_logs",
            description="Get logs from a Kubernetes pod",
            args_model=GetLogsArgs,
            mutating=False,
            parameters={
                "type": "object",
                "properties": {
                    "pod": {"type": "string"},
                    "namespace": {"type": "string"},
                    "tail": {"type": "integer", "description": "Number of lines (default: 100)"},
                    "container": {"type": "string", "description": "Container name (optional)"},
                },
                "required": ["pod", "namespace"],
            },
        ),
        ToolSpec(
            name="send_alert",
            description="Send alert notification via Telegram",
            args_model=SendAlertArgs,
            mutating=False,
            parameters={
                "type": "object",
                "properties": {
                    "severity": {"type": "string", "enum": ["info", "warning", "critical"]},
                    "message": {"type": "string"},
                    "incident_id": {"type": "string"},
                },
                "required": ["severity", "message"],
            },
        ),
        ToolSpec(
            name="kubectl_execute",
            description="Execute kubectl command on K8s cluster",
            args_model=KubectlExecuteArgs,
            # Parsed into one of the typed tools before it is judged; see openclaw.models.kubectl.
            mutating=True,
            parameters={
                "type": "object",
                "properties": {
                    "command": {
                        "type": "string",
                        "description": "kubectl command (e.g., 'get pods -n awoooi-prod')",
                    },
                    "namespace": {"type": "string", "description": "Target namespace"},
                },
                "required": ["command"],
            },
        ),
    )
}

TYPED_TOOLS = ("kubectl_get", "restart_deployment", "scale_deployment", "get_logs", "send_alert")
"""The tools the executor runs directly; ``kubectl_execute`` is parsed into one of these."""


class ToolArgumentsError(ValueError):
    """A tool call whose name is unknown or whose arguments break the schema."""


def openai_tool_schemas(names: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    """The tools in OpenAI function-calling format, in a stable order."""
    return [TOOLS[n].openai_schema() for n in (names or tuple(TOOLS))]


def validate_tool_args(name: str, args: Any) -> StrictModel:
    """Validate ``args`` for the tool ``name``; raise ToolArgumentsError with one readable line."""
    spec = TOOLS.get(name)
    if spec is None:
        raise ToolArgumentsError(f"unknown tool {name!r}; known tools: {', '.join(TOOLS)}")
    if not isinstance(args, dict):
        raise ToolArgumentsError(f"{name}: arguments must be a JSON object, got {type(args).__name__}")
    try:
        return spec.args_model.model_validate(args)
    except ValidationError as exc:
        raise ToolArgumentsError(f"{name}: {describe_validation_error(exc)}") from None


def describe_validation_error(exc: ValidationError) -> str:
    """One line per problem, joined with '; ' — never a pydantic dump."""
    parts = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"]) or "value"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown field"
        elif msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        parts.append(f"{loc}: {msg}")
    return "; ".join(parts)
