"""From a proposed tool call to the action the trust engine judges.

The LLM's output is untrusted: arguments are validated against the tool's schema,
the incident's namespace fills a missing namespace (never overrides a given one),
and ``kubectl_execute`` is parsed (never run by a shell) into the typed action it
stands for (``ToolSpec.expand``). Which tools take a namespace is declared by each tool
(``ToolSpec.namespaced`` in ``openclaw.tools``). Whatever cannot be validated is kept with the reason, to be denied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from openclaw.tools import TOOLS, ToolArgumentsError, validate_tool_args


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
    spec = TOOLS.get(name)
    if spec is not None and spec.namespaced and args.get("namespace") in (None, ""):
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
    expand = TOOLS[name].expand
    if expand is None:
        return ProposedAction(name, clean, tool=name, tool_args=clean)
    try:
        tool, tool_args = expand(clean, default_namespace)
    except ToolArgumentsError as exc:
        return ProposedAction(name, clean, problem=f"{name} refused: {exc}")
    return ProposedAction(name, clean, tool=tool, tool_args=tool_args)
