"""The run result: the JSON contract of ``openclaw run --json`` and ``openclaw runs show --json``.

Field names are fixed by the contract in ``docs/contracts.md``; the platform and other tools read them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_serializer

TaskType = Literal["tool_calling", "k8s_operation", "incident_analysis", "general_chat", "code_generation"]
Level = Literal["simple", "moderate", "complex"]
RunStatus = Literal["running", "completed", "awaiting_approval", "denied", "rejected", "expired", "failed"]
Outcome = Literal[
    "ok", "timeout", "rate_limited", "server_error", "auth_error", "connection_error",
    "invalid_output", "unavailable", "circuit_open", "budget_exceeded",
]
Verdict = Literal["auto", "approval", "deny"]
ActionStatus = Literal[
    "executed", "dry_run", "planned", "awaiting_approval", "denied", "rejected", "expired", "failed", "skipped"
]
NodeName = Literal["classify_intent", "analyze_complexity", "decide"]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Intent(_Out):
    task_type: TaskType
    confidence: float = Field(ge=0, le=1)
    provider: str


class Complexity(_Out):
    level: Level
    score: float = Field(ge=0, le=1)
    provider: str


class Route(_Out):
    task_type: TaskType
    chain: list[str]
    """Providers in the order they are asked, as "provider/model"; ``rules`` closes every chain."""


class Attempt(_Out):
    node: NodeName
    provider: str
    model: str
    """The model as routing.yaml names it (before any ``model_aliases`` mapping)."""
    outcome: Outcome
    latency_ms: float
    error: str | None = None
    vendor_model: str | None = None
    """Optional: the id actually sent to the vendor when providers.yaml's ``model_aliases`` maps ``model``
    to another (e.g. gemini-1.5-flash -> gemini-2.5-flash); absent from the JSON when they are the same."""

    @model_serializer(mode="wrap")
    def _omit_same_model(self, handler: Any) -> dict[str, Any]:
        data = handler(self)
        if data.get("vendor_model") is None:
            data.pop("vendor_model", None)
        return data


class ToolCall(_Out):
    id: str
    name: str
    args: dict[str, Any]


class Withheld(_Out):
    name: str
    args: dict[str, Any]
    reason: str


class Decision(_Out):
    provider: str
    model: str
    tool_calls: list[ToolCall] = Field(default_factory=list)
    reply: str = ""
    phase: Literal["evidence", "final"] = "final"
    """``evidence`` while the decision only asks for reads (an alert's earlier rounds)."""
    rests_on: list[str] = Field(default_factory=list)
    """The ids of the evidence records (``evidence[].id``) the decision was made on."""
    withheld: list[Withheld] = Field(default_factory=list)
    """Mutations a provider proposed that the alert's runbook or the evidence does not support."""


class Subject(_Out):
    """The object an alert is about, read from its labels (and the cluster's ownerReferences)."""

    kind: str
    name: str | None = None
    namespace: str | None = None
    container: str | None = None
    owner: dict[str, Any] | None = None
    source: str
    ignored: list[str] = Field(default_factory=list)
    problem: str | None = None


class Evidence(_Out):
    """One read made before the decision, and what it found."""

    id: str
    round: int
    kind: str
    action_index: int
    name: str
    args: dict[str, Any]
    status: str
    finding: str
    guess: bool = False
    why: str = ""


class ApprovalRecord(_Out):
    approver: str
    at: str
    action: int | None = None
    """The index of the action this approval counts for."""


class Action(_Out):
    index: int
    name: str
    args: dict[str, Any]
    mutating: bool
    verdict: Verdict
    risk: float = Field(ge=0, le=1)
    reasons: list[str]
    approvals_required: int = 0
    approvals: list[ApprovalRecord] = Field(default_factory=list)
    digest: str
    status: ActionStatus
    result: dict[str, Any] | None = None
    policy_version: str | None = None


class RunResult(_Out):
    run_id: str
    incident_id: str | None
    status: RunStatus
    intent: Intent | None = None
    complexity: Complexity | None = None
    route: Route | None = None
    attempts: list[Attempt] = Field(default_factory=list)
    decision: Decision | None = None
    actions: list[Action] = Field(default_factory=list)
    subject: Subject | None = None
    evidence: list[Evidence] = Field(default_factory=list)
    degraded: bool = False
    """True when the rules provider answered because the LLM chain failed or the deadline passed."""
    error: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    rerun_of: str | None = None
    """The first run of the same incident id, when this run was started deliberately again (``--rerun``)."""


_PRIORITY: tuple[tuple[str, RunStatus], ...] = (
    ("awaiting_approval", "awaiting_approval"),
    ("failed", "failed"),
    ("rejected", "rejected"),
    ("expired", "expired"),
    ("denied", "denied"),
)


def run_status(action_statuses: list[str]) -> RunStatus:
    """The run's status from its actions: a paused or failed action outranks a refused one."""
    present = set(action_statuses)
    for action_status, status in _PRIORITY:
        if action_status in present:
            return status
    return "completed"
