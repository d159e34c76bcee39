"""``send_alert(severity, message, incident_id?)``: a notification (Telegram), never a cluster call."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from openclaw.models._base import StrictModel
from openclaw.tools.base import ToolSpec

MAX_ALERT_CHARS = 3500
Severity = Literal["info", "warning", "critical"]


class SendAlertArgs(StrictModel):
    severity: Severity
    message: str = Field(min_length=1, max_length=MAX_ALERT_CHARS)
    incident_id: str | None = Field(default=None, max_length=128)


SPEC = ToolSpec(
    name="send_alert",
    description="Send alert notification via Telegram",
    args_model=SendAlertArgs,
    parameters={
        "type": "object",
        "properties": {
            "severity": {"type": "string", "enum": ["info", "warning", "critical"]},
            "message": {"type": "string"},
            "incident_id": {"type": "string"},
        },
        "required": ["severity", "message"],
    },
    mutating=False,
    risk="notify",
)
