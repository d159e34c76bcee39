"""``kubectl_execute(command, namespace?)``: a kubectl command line, parsed (never run by a shell)
into the typed tool it stands for, or refused (see :mod:`openclaw.tools.kubectl_command`).

It is judged and executed as that typed tool; on its own it counts as mutating, so a
command that cannot be parsed is never treated as a harmless read.
"""

from __future__ import annotations

from pydantic import Field

from openclaw.models._base import StrictModel
from openclaw.models.names import K8sLabel
from openclaw.tools.base import Args, ToolArgumentsError, ToolSpec
from openclaw.tools.kubectl_command import MAX_COMMAND_CHARS, KubectlRefused, parse_kubectl


class KubectlExecuteArgs(StrictModel):
    command: str = Field(min_length=1, max_length=MAX_COMMAND_CHARS)
    namespace: K8sLabel | None = None


def expand(args: Args, default_namespace: str) -> tuple[str, dict]:
    """(typed tool, its validated arguments); ToolArgumentsError with the refusal when not allowed."""
    try:
        parsed = parse_kubectl(args["command"], default_namespace=args.get("namespace") or default_namespace)
    except KubectlRefused as exc:
        raise ToolArgumentsError(str(exc)) from None
    return parsed.tool, dict(parsed.args)


SPEC = ToolSpec(
    name="kubectl_execute",
    description="Execute kubectl command on K8s cluster",
    args_model=KubectlExecuteArgs,
    parameters={
        "type": "object",
        "properties": {
            "command": {"type": "string", "description": "kubectl command (e.g., 'get pods -n awoooi-prod')"},
            "namespace": {"type": "string", "description": "Target namespace"},
        },
        "required": ["command"],
    },
    # Parsed into one of the typed tools before it is judged; unparsed, it is never a harmless read.
    mutating=True,
    risk=None,
    expand=expand,
)
