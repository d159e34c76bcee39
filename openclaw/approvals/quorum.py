"""Counting verified decisions against a tier's quorum: pure, no I/O, no clock.

Rules (the contract):

- Only decisions already passed through :func:`~openclaw.approvals.signing.verify_decision`
  go in; each comes with the registered :class:`Approver` entry that signed it.
- People are identified by the registered name: the same person twice, or two keys
  registered to one name, count once.
- With a ``group``, only entries carrying that group count, for approvals and for
  rejections alike (someone outside the group can neither approve nor veto).
- A rejection from a person withdraws that person's approval (a reject wins over an
  approve from the same person, whatever the order).
- ``rejected`` when at least ``veto_threshold`` distinct people rejected; ``approved``
  when not rejected and at least ``quorum`` distinct people approved.
- With ``digest`` given, decisions over another digest are ignored (defence in depth;
  verification already refuses them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from openclaw.approvals.approvers import Approver
from openclaw.approvals.signing import SignedDecision
from openclaw.errors import PolicyError


@dataclass(frozen=True)
class Tally:
    """The state of one action's sign-off."""

    approved: bool
    rejected: bool
    counted: list[str]
    """Names of the distinct people whose approvals count, in arrival order."""
    ignored: list[tuple[str, str]]
    """(approver name, reason) for every decision that did not count."""
    rejected_by: list[str] = field(default_factory=list)
    """Names of the distinct people whose rejections count, in arrival order."""
    quorum: int = 1
    missing: int = 0
    """Approvals still needed (0 once approved or when rejected)."""


def tally(
    decisions: Iterable[tuple[Approver, SignedDecision]],
    *,
    quorum: int,
    group: str | None,
    veto_threshold: int = 1,
    digest: str | None = None,
) -> Tally:
    """Count ``decisions`` (in arrival order) for one action; see the module docstring for the rules."""
    if quorum < 1:
        raise PolicyError(f"quorum must be at least 1, not {quorum}: a quorum of 0 would approve unsigned actions")
    if veto_threshold < 1:
        raise PolicyError(f"veto_threshold must be at least 1, not {veto_threshold}")

    eligible: list[tuple[str, SignedDecision]] = []
    ignored: list[tuple[str, str]] = []
    for approver, decision in decisions:
        if digest is not None and decision.digest != digest:
            ignored.append((approver.name, f"{decision.kind} over another digest ({decision.digest[:12]}...)"))
        elif group is not None and group not in approver.groups:
            ignored.append((approver.name, f"{decision.kind} does not count: not in group {group!r}"))
        else:
            eligible.append((approver.name, decision))

    rejected_by: list[str] = []
    for name, decision in eligible:
        if decision.kind != "reject":
            continue
        if name in rejected_by:
            ignored.append((name, "reject already counted for this person"))
        else:
            rejected_by.append(name)

    counted: list[str] = []
    for name, decision in eligible:
        if decision.kind != "approve":
            continue
        if name in rejected_by:
            ignored.append((name, "approve withdrawn: the same person rejected"))
        elif name in counted:
            ignored.append((name, "approve already counted for this person"))
        else:
            counted.append(name)

    rejected = len(rejected_by) >= veto_threshold
    approved = not rejected and len(counted) >= quorum
    missing = 0 if (approved or rejected) else quorum - len(counted)
    return Tally(
        approved=approved,
        rejected=rejected,
        counted=counted,
        ignored=ignored,
        rejected_by=rejected_by,
        quorum=quorum,
        missing=missing,
    )
