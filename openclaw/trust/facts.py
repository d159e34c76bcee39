"""What the trust engine knows about an action besides the action itself.

:class:`Facts` is plain data gathered by the trust node (incident source, decision
provenance, recent history of the target, the current replica count when known) so
the scorer itself stays pure and can be tested from a table.
"""

from __future__ import annotations

from dataclasses import dataclass

from openclaw.tools import TOOLS
from openclaw.tools.base import ActionClass
from openclaw.trust.actions import ProposedAction

__all__ = ["AUTHENTICATED_SOURCES", "ActionClass", "Facts", "action_class", "target_of"]

AUTHENTICATED_SOURCES = frozenset({"manual", "platform", "chat"})
"""Sources that count as an operator request when the incident names ``requested_by``."""


@dataclass(frozen=True)
class Facts:
    """Context of one action. Defaults describe the least trusted case that is still ordinary."""

    source: str = "alertmanager"
    """The incident's ``source``: manual, alertmanager, platform or chat."""
    requested_by: str | None = None
    """The incident's ``requested_by`` (who asked); None for alerts."""
    provider: str | None = None
    """``decision.provider``: which provider produced the tool call."""
    failed_attempts: int = 0
    """Failed ``decide`` attempts before the provider that answered (fallback depth)."""
    degraded: bool = False
    """True when the rules provider answered because the LLM chain failed or the deadline passed."""
    recent_actions: int = 0
    """Mutations of the same target recorded within the flapping window."""
    last_action_age_s: float | None = None
    """Seconds since the last recorded mutation of the same target; None when there was none."""
    current_replicas: int | None = None
    """The deployment's current replica count, when known (None in plan mode)."""
    replicas_lookup_failed: bool = False
    """True when a cluster is configured but the count could not be read (scored as the largest change)."""
    replicas_lookup_error: str | None = None
    """Why the count could not be read (e.g. the API server's 404), named in the blast-radius reason."""
    suspicious: tuple[str, ...] = ()
    """Signals of hostile incident text (openclaw.trust.signals.suspicious_signals)."""

    @property
    def authenticated(self) -> bool:
        """An authenticated operator request: an operator source with a named requester."""
        return self.source in AUTHENTICATED_SOURCES and bool(self.requested_by and self.requested_by.strip())


def action_class(action: ProposedAction) -> ActionClass:
    """The class of a valid action, as its tool declares it; ValueError for a tool without one."""
    spec = TOOLS.get(action.tool or "")
    if spec is None:
        raise ValueError(f"no action class for tool {action.tool!r}")
    return spec.action_class(action.tool_args)


def target_of(action: ProposedAction) -> str | None:
    """The object a mutation changes, as ``deployment:NAMESPACE/NAME``; None for reads and invalid actions."""
    spec = TOOLS.get(action.tool or "")
    if action.problem is not None or spec is None or not spec.mutating or spec.target is None:
        return None
    return spec.target(action.tool_args).key()
