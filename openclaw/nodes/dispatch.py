"""Carrying out one approved action: Kubernetes operations and Telegram alerts.

Plan mode (no cluster) records the exact API calls an action would make. With a
cluster, the Kubernetes executor dry-runs or applies them. ``send_alert`` goes to
Telegram, or is recorded as planned when no bot token is configured.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Literal

from openclaw.errors import ExecutionError
from openclaw.kube.plan import planned_calls

Mode = Literal["plan", "dry_run", "apply"]


@dataclass
class Outcome:
    status: str
    result: dict[str, Any]
    exchanges: list[dict[str, Any]] = field(default_factory=list)


class ActionRunner:
    """Runs typed actions in the configured mode. ``identity`` names the cluster approvers sign for."""

    def __init__(self, *, mode: Mode = "plan", kube: Any = None, notifier: Any = None, identity: str | None = None) -> None:
        if mode != "plan" and kube is None:
            raise ValueError(f"mode {mode!r} needs a Kubernetes executor")
        self.mode = mode
        self.kube = kube
        self.notifier = notifier
        self.identity = identity or "plan:no-cluster"

    async def run(self, tool: str, args: dict[str, Any], *, namespace: str, incident_id: str | None) -> Outcome:
        try:
            if tool == "send_alert":
                return await self._alert(args, incident_id)
            if self.mode == "plan":
                calls = planned_calls(tool, args, default_namespace=namespace)
                return Outcome("planned", {"mode": "plan", "calls": calls})
            out = await asyncio.to_thread(self.kube.execute, tool, args, mode=self.mode)
            return Outcome(out.status, out.result, list(out.exchanges))
        except ExecutionError as exc:
            return Outcome("failed", {"error": str(exc)})

    async def _alert(self, args: dict[str, Any], incident_id: str | None) -> Outcome:
        if self.notifier is None:
            return Outcome("planned", {"mode": "plan", "channel": "telegram", "note": "no notifier configured"})
        out = await asyncio.to_thread(
            self.notifier.send,
            severity=args["severity"],
            message=args["message"],
            incident_id=args.get("incident_id") or incident_id,
        )
        return Outcome(out.status, out.result, list(out.exchanges))
