"""The approvals that count: signed decisions from the approvals store, verified now.

One implementation of "what is the sign-off state of this waiting action", used by the
approval service (:mod:`openclaw.signoff`, to decide when to resume a run) and by the
approval gate itself (:mod:`openclaw.nodes.approval_gate`, which never trusts the value
a run is resumed with). Every stored decision is re-verified at ``now`` against
approvers.yaml as it is now, the action's frozen request (digest, run, index, expiry)
and the incident's requester: an expired approval or a revoked key stops counting.

Quorum of an action: the count frozen by the trust node, raised (never lowered) by the
quorum approvers.yaml sets for the action's tier now; the group is the frozen one, or
the tier's group when the tier was defined later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from openclaw.approvals.approvers import APPROVERS_FILE, Approver, ApproversConfig, load_approvers
from openclaw.approvals.digest import parse_utc
from openclaw.approvals.quorum import tally
from openclaw.approvals.signing import SignedDecision, verify_decision
from openclaw.errors import ApprovalRefused, PolicyError
from openclaw.storage.ports import ApprovalRepository
from openclaw.storage.records import StoredDecision

Resolution = Literal["approved", "rejected", "expired"]


@dataclass(frozen=True)
class ActionTally:
    """The sign-off state of one waiting action."""

    index: int
    resolution: Resolution | None
    """None while it still waits."""
    quorum: int
    group: str | None
    counted: list[str]
    rejected_by: list[str]
    missing: int
    approvals: list[dict[str, Any]]
    """``[{"approver", "at", "action"}]`` for the counted approvals (``at``: when OpenClaw accepted it)."""
    reason: str | None = None
    ignored: list[tuple[str, str]] = field(default_factory=list)

    def answer(self, digest: str) -> dict[str, Any]:
        """This action's entry in the gate's answer."""
        return {"resolution": self.resolution, "digest": digest, "approvals": self.approvals, "reason": self.reason}


def approvers_path(config_dir: Path) -> Path:
    return Path(config_dir) / APPROVERS_FILE


def load_current_approvers(config_dir: Path) -> ApproversConfig:
    """approvers.yaml as it is now; a missing file is an empty config. PolicyError when invalid."""
    path = approvers_path(config_dir)
    return load_approvers(path) if path.exists() else ApproversConfig()


def requester(values: dict[str, Any]) -> str | None:
    return (values.get("incident") or {}).get("requested_by")


def expired(action: dict[str, Any], now: datetime) -> bool:
    return now >= parse_utc(action["request"]["expires_at"])


def verify(decision: SignedDecision, config: ApproversConfig, action: dict[str, Any],
           values: dict[str, Any], now: datetime) -> Approver:
    return verify_decision(decision, config, expected_digest=action["digest"], run_id=values["run_id"],
                           action_index=action["index"], requester=requester(values), now=now,
                           request_expires_at=action["request"]["expires_at"])


def quorum_of(action: dict[str, Any], config: ApproversConfig | None) -> tuple[int, str | None]:
    frozen = action.get("approval") or {}
    quorum, group = max(1, int(action["approvals_required"])), frozen.get("group")
    tier = (config.tiers.get(frozen["tier"]) if config is not None and frozen.get("tier") else None)
    if tier is not None:
        quorum = max(quorum, tier.quorum)
        group = group or tier.group
    return quorum, group


def tally_action(action: dict[str, Any], stored: list[StoredDecision], config: ApproversConfig | None,
                 values: dict[str, Any], now: datetime, *, cancelled: tuple[str, str] | None = None) -> ActionTally:
    """Verify every stored decision of one waiting action at ``now`` and count them. ``cancelled``:
    ``(reason, at)`` when the run's open requests were cancelled (the alert they answer resolved): an action
    not approved or rejected by then ends ``expired`` with that reason."""
    quorum, group = quorum_of(action, config)
    verified: list[tuple[Approver, SignedDecision]] = []
    ignored: list[tuple[str, str]] = []
    received: dict[str, str] = {}
    for item in stored:
        try:
            if config is None:
                raise ApprovalRefused("approvers.yaml is invalid")
            entry = verify(item.decision, config, action, values, now)
        except ApprovalRefused as exc:
            ignored.append((item.person, str(exc)))
            continue
        verified.append((entry, item.decision))
        if item.decision.kind == "approve":
            received.setdefault(entry.name, item.received_at)
    veto = config.veto_threshold if config is not None else 1
    t = tally(verified, quorum=quorum, group=group, veto_threshold=veto, digest=action["digest"])
    approvals = [{"approver": name, "at": received[name], "action": action["index"]} for name in t.counted]
    resolution: Resolution | None = None
    reason = None
    if t.rejected:
        resolution = "rejected"
        reasons = {d.approver: d.reason for _, d in verified if d.kind == "reject"}
        reason = "; ".join(f"{name}: {reasons.get(name)}" for name in t.rejected_by)
    elif t.approved:
        resolution = "approved"
    elif cancelled is not None:
        resolution, reason = "expired", f"cancelled at {cancelled[1]}: {cancelled[0]}"
    elif expired(action, now):
        resolution, reason = "expired", f"the request expired at {action['request']['expires_at']}"
    return ActionTally(action["index"], resolution, quorum, group, t.counted, t.rejected_by,
                       t.missing if resolution is None else 0, approvals, reason, [*ignored, *t.ignored])


class VerifiedApprovals:
    """The gate's source of sign-off: the approvals in ``store``, verified against approvers.yaml
    in ``config_dir`` at the moment of asking."""

    def __init__(self, store: ApprovalRepository, config_dir: Path | str) -> None:
        self.store = store
        self.config_dir = Path(config_dir)

    def tallies(self, values: dict[str, Any], pending: list[dict[str, Any]], now: float) -> dict[int, ActionTally]:
        """The tally of each waiting action of the run whose state is ``values``, at ``now`` (epoch seconds)."""
        at = datetime.fromtimestamp(now, UTC)
        try:
            config: ApproversConfig | None = load_current_approvers(self.config_dir)
        except PolicyError:
            config = None  # nobody's signature counts until approvers.yaml is fixed; expiry still applies
        store = self.store
        stored, cancelled = store.decisions(values["run_id"]), store.cancellation(values["run_id"])
        return {
            a["index"]: tally_action(a, [s for s in stored if s.decision.action_index == a["index"]], config,
                                     values, at, cancelled=cancelled)
            for a in pending
        }

    def answer(self, values: dict[str, Any], pending: list[dict[str, Any]], now: float) -> dict[str, Any]:
        """The gate's answer for the waiting actions: ``{"actions": {"<index>": ActionTally.answer(digest)}}``."""
        tallies = self.tallies(values, pending, now)
        return {"actions": {str(a["index"]): tallies[a["index"]].answer(a["digest"]) for a in pending}}
