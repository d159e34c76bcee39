"""The last node: the run's status, from its actions (see ``openclaw.models.run.run_status``)."""

from __future__ import annotations

from typing import Any

from openclaw.models.run import run_status
from openclaw.nodes.state import PipelineState


async def report(state: PipelineState) -> dict[str, Any]:
    # A read made as evidence that failed or was refused (a 404 for an object the alert names) is a finding,
    # not the run's outcome; one still waiting for approval keeps the run waiting.
    statuses = [a["status"] for a in state.get("actions", [])
                if not a.get("evidence") or a["status"] == "awaiting_approval"]
    return {"status": run_status(statuses)}
