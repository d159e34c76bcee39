"""The graph's state and the per-run context handed to every node.

State holds JSON-shaped values only (dicts, lists, strings, numbers), so every
checkpoint can be read back by another process and by replay. The context holds
the live collaborators (providers, store, executor); it is never checkpointed and
is passed again on resume.
"""

from __future__ import annotations

import operator
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from typing_extensions import TypedDict

from openclaw.config.loader import Configs
from openclaw.models.incident import Incident
from openclaw.providers.registry import ProviderRegistry
from openclaw.providers.router import Router
from openclaw.settings import Settings


def _merge(left: dict[str, Any] | None, right: dict[str, Any] | None) -> dict[str, Any]:
    return {**(left or {}), **(right or {})}


class PipelineState(TypedDict, total=False):
    run_id: str
    incident: dict[str, Any]
    deadline_at: float
    """Epoch seconds after which the LLM nodes stop asking vendors and rules answers."""
    cursor: Annotated[dict[str, int], _merge]
    """Per LLM node: index of the next provider of its chain to ask (absent: not started)."""
    attempts: Annotated[list[dict[str, Any]], operator.add]
    intent: dict[str, Any] | None
    complexity: dict[str, Any] | None
    route: dict[str, Any] | None
    decision: dict[str, Any] | None
    actions: list[dict[str, Any]]
    degraded: bool
    status: str
    error: str | None
    subject: dict[str, Any] | None
    """For an alert: the object it is about (``openclaw.alerts.subject.Subject.as_dict``), refined by reads."""
    evidence: Annotated[list[dict[str, Any]], operator.add]
    """For an alert: one record per read made before the decision (see ``openclaw.nodes.evidence``)."""
    rounds: int
    """Evidence rounds done (decide → trust → approval_gate → execute → decide)."""


@dataclass
class PipelineContext:
    """Everything a node may use besides the state. Built once per engine."""

    settings: Settings
    configs: Configs
    registry: ProviderRegistry
    router: Router
    executor: Any
    """Carries out approved actions; see openclaw.nodes.dispatch.ActionRunner."""
    store: Any = None
    """The run store (openclaw.storage.ports.RunRepository): history for anti-flapping."""
    audit: Any = None
    """The hash-chained audit log (openclaw.storage.ports.AuditSink); None in replays."""
    history: Any = None
    """Recent mutations per target for anti-flapping (openclaw.storage.ports.HistoryStore); None: no history."""
    approvals: Any = None
    """Where the approval gate reads sign-off: verified signatures from the approvals store
    (openclaw.runs.counted.VerifiedApprovals); None: no signature counts (requests can still expire)."""
    current_replicas: Callable[[str, str], Awaitable[int | None]] | None = None
    """Async lookup of a deployment's replica count (namespace, name) for blast radius; None when unknown."""
    clock: Callable[[], float] = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.clock is None:
            import time

            self.clock = time.time


def incident_of(state: PipelineState) -> Incident:
    return Incident.model_validate(state["incident"])
