"""From a proposed tool call to the action the trust engine judges.

The LLM's output is untrusted: arguments are validated against the tool's schema,
the incident's namespace fills a missing namespace (never overrides a given one),
and ``kubectl_execute`` is parsed (never run by a shell) into the typed action it
stands for. Whatever cannot be validated is kept with the reason, to be denied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from openclaw.models.kubectl import KubectlRefused, parse_kubectl
from openclaw.models.tools import TOOLS, ToolArgumentsError, validate_tool_args

_NAMESPACED = frozenset({"kubectl_get", "restart_deployment", "scale_deployment", "get_logs"})


@dataclass(frozen=True)
class ProposedAction:
    """A tool call made concrete: ``name``/``args`` as proposed (namespace filled in),
    ``tool``/``tool_args`` the typed operation it stands for, or ``problem`` why it is invalid."""

    name: str
    args: dict[str, Any]
    tool: str | None = None
    tool_args: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None

    @property
    def mutating(self) -> bool:
        if self.tool is not None:
            return TOOLS[self.tool].mutating
        return TOOLS[self.name].mutating if self.name in TOOLS else True

    @property
    def namespace(self) -> str | None:
        return self.tool_args.get("namespace")


def _with_namespace(name: str, args: dict[str, Any], default_namespace: str) -> dict[str, Any]:
    if name in _NAMESPACED and args.get("namespace") in (None, ""):
        return {**args, "namespace": default_namespace}
    return args


def propose(name: str, args: Any, *, default_namespace: str) -> ProposedAction:
    """Validate one tool call; never raises."""
    if not isinstance(args, dict):
        return ProposedAction(name, {"_raw": repr(args)[:200]}, problem="arguments must be a JSON object")
    args = _with_namespace(name, args, default_namespace)
    try:
        validated = validate_tool_args(name, args)
    except ToolArgumentsError as exc:
        return ProposedAction(name, args, problem=str(exc))
    clean = validated.model_dump(exclude_none=True)
    if name != "kubectl_execute":
        return ProposedAction(name, clean, tool=name, tool_args=clean)
    try:
        parsed = parse_kubectl(clean["command"], default_namespace=clean.get("namespace") or default_namespace)
    except KubectlRefused as exc:
        return ProposedAction(name, clean, problem=f"kubectl_execute refused: {exc}")
    return ProposedAction(name, clean, tool=parsed.tool, tool_args=dict(parsed.args))
