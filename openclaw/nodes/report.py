"""The last node: the run's status, from its actions (see ``openclaw.models.run.run_status``)."""

from __future__ import annotations

from typing import Any

from openclaw.models.run import run_status
from openclaw.nodes.state import PipelineState


async def report(state: PipelineState) -> dict[str, Any]:
    return {"status": run_status([a["status"] for a in state.get("actions", [])])}
