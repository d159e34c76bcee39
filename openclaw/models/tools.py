"""The tools a decision may contain: a re-export of the registry in :mod:`openclaw.tools`.

Kept so that ``from openclaw.models.tools import TOOLS, validate_tool_args, ...`` goes on
working; new code imports :mod:`openclaw.tools` (one module per tool) directly.
"""

from __future__ import annotations

from openclaw.models.validation import describe_validation_error
from openclaw.tools import TOOLS, TYPED_TOOLS, ToolArgumentsError, ToolSpec, openai_tool_schemas, validate_tool_args
from openclaw.tools.get_logs import MAX_LOG_TAIL, GetLogsArgs
from openclaw.tools.kubectl_command import MAX_COMMAND_CHARS
from openclaw.tools.kubectl_execute import KubectlExecuteArgs
from openclaw.tools.kubectl_get import KubectlGetArgs, Resource
from openclaw.tools.restart_deployment import RestartDeploymentArgs
from openclaw.tools.scale_deployment import MAX_REPLICAS, ScaleDeploymentArgs
from openclaw.tools.send_alert import MAX_ALERT_CHARS, SendAlertArgs, Severity

__all__ = [
    "MAX_ALERT_CHARS", "MAX_COMMAND_CHARS", "MAX_LOG_TAIL", "MAX_REPLICAS", "TOOLS", "TYPED_TOOLS",
    "GetLogsArgs", "KubectlExecuteArgs", "KubectlGetArgs", "Resource", "RestartDeploymentArgs",
    "ScaleDeploymentArgs", "SendAlertArgs", "Severity", "ToolArgumentsError", "ToolSpec",
    "describe_validation_error", "openai_tool_schemas", "validate_tool_args",
]
