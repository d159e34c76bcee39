"""Signed approvals and rejections: made on the approver's machine, verified by OpenClaw.

A :class:`SignedDecision` is what ``openclaw approve --print`` prints and what the HTTP API
accepts, so the private key never leaves the approver. The Ed25519 signature covers the
canonical JSON (see :mod:`openclaw.approvals.digest`) of every other field, prefixed by
the domain string ``openclaw.decision/v1`` and a newline, so a decision cannot be
re-labelled (approve <-> reject), re-targeted (other run, action or digest) or
re-dated without breaking the signature.

:func:`verify_decision` is the only way a decision counts; it raises
:class:`~openclaw.errors.ApprovalRefused` with a one-line reason otherwise.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from cryptography.exceptions import InvalidSignature
from pydantic import Field, StrictInt, ValidationError, field_validator, model_validator

from openclaw.approvals.approvers import Approver, ApproversConfig
from openclaw.approvals.digest import canonical_json, iso_utc, parse_utc
from openclaw.approvals.keys import b64decode_strict, fingerprint_of, load_private_key, parse_public_key
from openclaw.errors import ApprovalRefused, UsageError
from openclaw.models._base import StrictModel

SIGNATURE_DOMAIN = b"openclaw.decision/v1\n"
DEFAULT_TTL_S = 3600.0
"""Default lifetime of a signed decision, in seconds."""
MAX_CLOCK_SKEW_S = 300.0
"""How far in the future ``signed_at`` may be (approver's clock ahead of ours), in seconds."""

DecisionKind = Literal["approve", "reject"]


class SignedDecision(StrictModel):
    """One approver's signed approve/reject of one action of one run."""

    kind: DecisionKind
    run_id: str = Field(min_length=1, max_length=128)
    action_index: StrictInt = Field(ge=0)
    digest: str = Field(pattern=r"^[0-9a-f]{64}$")
    """``request_digest`` of the frozen action request (sha256 hex)."""
    approver: str = Field(min_length=1, max_length=64)
    """Name the signer claims; must match the name registered for the key."""
    key_fingerprint: str = Field(pattern=r"^SHA256:[A-Za-z0-9+/]{43}$")
    reason: str | None = Field(default=None, max_length=2000)
    """Why the action is rejected (required for ``reject``, absent for ``approve``)."""
    signed_at: str
    """ISO 8601 UTC."""
    expires_at: str
    """ISO 8601 UTC; after this the decision no longer counts."""
    signature: str
    """Base64 Ed25519 signature over :func:`signing_payload`."""

    @field_validator("signed_at", "expires_at", mode="before")
    @classmethod
    def _utc(cls, value: object) -> str:
        return iso_utc(value)  # type: ignore[arg-type]

    @model_validator(mode="after")
    def _reason_matches_kind(self) -> SignedDecision:
        if self.kind == "reject" and not (self.reason and self.reason.strip()):
            raise ValueError("a rejection needs a reason")
        if self.kind == "approve" and self.reason is not None:
            raise ValueError("an approval carries no reason")
        return self


def signing_payload(decision: SignedDecision) -> bytes:
    """The exact bytes that are signed: domain line + canonical JSON of all fields but ``signature``."""
    return SIGNATURE_DOMAIN + canonical_json(decision.model_dump(exclude={"signature"}))


def sign_decision(
    private_key_path: Path | str,
    *,
    kind: DecisionKind,
    run_id: str,
    action_index: int,
    digest: str,
    approver: str,
    reason: str | None = None,
    ttl_s: float = DEFAULT_TTL_S,
    now: datetime | None = None,
) -> SignedDecision:
    """Sign an approval or rejection with the key at ``private_key_path``.

    ``ttl_s`` (seconds, > 0) sets ``expires_at`` = ``now`` + ``ttl_s``; ``now`` defaults to
    the current UTC time. Raises UsageError for a bad key file or invalid fields.
    """
    if ttl_s <= 0:
        raise UsageError(f"ttl_s must be positive (seconds), not {ttl_s}")
    key = load_private_key(private_key_path)
    at = now or datetime.now(UTC)
    unsigned = dict(
        kind=kind,
        run_id=run_id,
        action_index=action_index,
        digest=digest,
        approver=approver,
        key_fingerprint=fingerprint_of(key.public_key()),
        reason=reason,
        signed_at=iso_utc(at),
        expires_at=iso_utc(at + timedelta(seconds=ttl_s)),
        signature="",
    )
    try:
        draft = SignedDecision(**unsigned)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'decision'}: {e['msg']}" for e in exc.errors())
        raise UsageError(f"cannot sign this decision: {problems}") from None
    signature = base64.b64encode(key.sign(signing_payload(draft))).decode("ascii")
    return draft.model_copy(update={"signature": signature})


def verify_decision(
    decision: SignedDecision,
    config: ApproversConfig,
    *,
    expected_digest: str,
    run_id: str,
    action_index: int,
    requester: str | None,
    now: datetime,
    request_expires_at: datetime | str | None = None,
) -> Approver:
    """Return the registered approver entry behind ``decision``, or raise ApprovalRefused.

    Checked, in this order: the key is registered; the signature is valid for that key;
    the claimed name is the key's name; the signer is not ``requester`` (case-insensitive);
    run, action index and digest are the ones being decided; the request
    (``request_expires_at``, pass the ActionRequest's ``expires_at``) and the decision
    have not expired at ``now``; ``signed_at`` is not more than ``MAX_CLOCK_SKEW_S`` ahead.
    """
    if now.tzinfo is None:
        raise ValueError("verify_decision needs an aware 'now' (UTC)")
    who = f"{decision.kind} by {decision.approver!r}"
    entry = config.find_by_key(decision.key_fingerprint)
    if entry is None:
        raise ApprovalRefused(
            f"{who}: key {decision.key_fingerprint} is not registered in approvers.yaml; "
            "register it with `openclaw approvers add NAME --public-key FILE`"
        )
    try:
        signature = b64decode_strict(decision.signature, "signature")
        parse_public_key(entry.public_key).verify(signature, signing_payload(decision))
    except (UsageError, InvalidSignature):
        raise ApprovalRefused(f"{who}: bad signature for key {decision.key_fingerprint}; the decision was altered or signed with another key") from None
    if decision.approver != entry.name:
        raise ApprovalRefused(
            f"{who}: key {decision.key_fingerprint} is registered to {entry.name!r}, not {decision.approver!r}"
        )
    if requester and entry.name.casefold() == requester.strip().casefold():
        raise ApprovalRefused(f"{who}: {entry.name!r} requested this action and cannot decide on it")
    if decision.run_id != run_id:
        raise ApprovalRefused(f"{who}: signed for run {decision.run_id!r}, not run {run_id!r}")
    if decision.action_index != action_index:
        raise ApprovalRefused(f"{who}: signed for action {decision.action_index}, not action {action_index}")
    if decision.digest != expected_digest:
        raise ApprovalRefused(
            f"{who}: signed digest {decision.digest[:12]}... but action {action_index} of run {run_id!r} "
            f"has digest {expected_digest[:12]}...; the action changed or this is another request"
        )
    if request_expires_at is not None and now >= parse_utc(request_expires_at):
        raise ApprovalRefused(f"{who}: the approval request expired at {iso_utc(request_expires_at)}")
    if now >= parse_utc(decision.expires_at):
        raise ApprovalRefused(f"{who}: the signed decision expired at {decision.expires_at}; sign it again")
    if parse_utc(decision.signed_at) > now + timedelta(seconds=MAX_CLOCK_SKEW_S):
        raise ApprovalRefused(f"{who}: signed_at {decision.signed_at} is in the future; check the signer's clock")
    return entry
