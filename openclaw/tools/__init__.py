"""The tool registry: every tool a decision may contain, one module each.

A tool module declares a :class:`~openclaw.tools.base.ToolSpec` named ``SPEC``: its
argument model and LLM schema, whether it mutates, whether it takes a namespace, its
trust class, the object it acts on, the Kubernetes requests it makes, the summary of
its result, and the RBAC permissions it needs. Registering it here is the only other
step: the LLM schemas, argument validation, the trust engine (``openclaw.trust``), the
planner and executor (``openclaw.kube``) and the RBAC test all read :data:`TOOLS`.

The names, enums and bounds of the tools are a contract with the platform;
``kubectl_get`` reads more kinds than pods, deployments, services, nodes and events, and
``get_logs`` takes ``previous`` (additions, see the README).
"""

from __future__ import annotations

from typing import Any

from openclaw.models._base import StrictModel
from openclaw.tools import get_logs, kubectl_execute, kubectl_get, restart_deployment, scale_deployment, send_alert
from openclaw.tools.base import Permission, ToolArgumentsError, ToolSpec

TOOLS: dict[str, ToolSpec] = {
    module.SPEC.name: module.SPEC
    for module in (kubectl_get, restart_deployment, scale_deployment, get_logs, send_alert, kubectl_execute)
}
"""Every tool by name, in the order the LLMs see them."""

TYPED_TOOLS = tuple(name for name, spec in TOOLS.items() if spec.expand is None)
"""The tools the executor runs directly; ``kubectl_execute`` is parsed into one of these."""
KUBE_TOOLS = tuple(name for name, spec in TOOLS.items() if spec.kube)
"""The tools the Kubernetes executor runs."""
MUTATING_TOOLS = tuple(name for name, spec in TOOLS.items() if spec.mutating and spec.expand is None)


def openai_tool_schemas(names: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    """The tools in OpenAI function-calling format, in a stable order."""
    return [TOOLS[n].openai_schema() for n in (names or tuple(TOOLS))]


def validate_tool_args(name: str, args: Any) -> StrictModel:
    """Validate ``args`` for the tool ``name``; raise ToolArgumentsError with one readable line."""
    spec = TOOLS.get(name)
    if spec is None:
        raise ToolArgumentsError(f"unknown tool {name!r}; known tools: {', '.join(TOOLS)}")
    return spec.validate(args)


def permissions() -> frozenset[Permission]:
    """Every RBAC grant the registered tools may need."""
    return frozenset(p for spec in TOOLS.values() for p in spec.permissions)


__all__ = ["KUBE_TOOLS", "MUTATING_TOOLS", "TOOLS", "TYPED_TOOLS", "ToolArgumentsError", "ToolSpec",
           "openai_tool_schemas", "permissions", "validate_tool_args"]
