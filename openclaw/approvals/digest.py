"""What an approver signs: a canonical digest of one frozen action request.

Canonical JSON (the contract, used for digests, signatures and the audit chain):
``json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
allow_nan=False)`` encoded as UTF-8. Non-ASCII text is therefore hashed as its UTF-8
bytes, not as ``\\uXXXX`` escapes; NaN and infinities are refused; keys must be strings.

The digest is the sha256 hex of the canonical JSON of::

    {"domain": "openclaw.action-request/v1", "run_id": ..., "action_index": ...,
     "action": {"name": ..., "args": {...}}, "nonce": ..., "cluster": ...,
     "policy_version": ..., "expires_at": "2025-01-01T12:00:00Z"}

so a signature over action A never matches action B, another argument value, another
run, another request (nonce), another cluster, another policy or another deadline.
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import UTC, datetime
from typing import Any

from pydantic import Field, StrictInt, field_validator

from openclaw.models._base import StrictModel

DIGEST_DOMAIN = "openclaw.action-request/v1"
"""Domain separator inside every digested object; bump it when the layout changes."""


def canonical_json(obj: Any) -> bytes:
    """``obj`` as canonical JSON bytes: sorted keys, no whitespace, UTF-8, no NaN.

    Raises ValueError for values JSON cannot carry exactly (NaN, inf, non-string keys,
    sets, bytes, datetimes: convert them first).
    """
    _check_keys(obj)
    try:
        text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"cannot canonicalise value: {exc}") from exc
    return text.encode("utf-8")


def _check_keys(obj: Any) -> None:
    if isinstance(obj, dict):
        for key, value in obj.items():
            if not isinstance(key, str):
                raise ValueError(f"cannot canonicalise value: object key {key!r} is not a string")
            _check_keys(value)
    elif isinstance(obj, (list, tuple)):
        for value in obj:
            _check_keys(value)
    elif isinstance(obj, float) and not math.isfinite(obj):
        raise ValueError(f"cannot canonicalise value: {obj!r} is not a finite number")


def sha256_hex(data: bytes) -> str:
    """Lower-case hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def iso_utc(value: datetime | str) -> str:
    """``value`` as ISO 8601 UTC with a ``Z`` suffix and microseconds only when non-zero.

    Naive datetimes and offset-less strings are refused: a deadline must say its zone.
    """
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError as exc:
            raise ValueError(f"{value!r} is not an ISO 8601 timestamp") from exc
    if not isinstance(value, datetime):
        raise ValueError(f"{value!r} is not a timestamp")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"timestamp {value.isoformat()} has no time zone; use UTC, e.g. 2025-01-01T12:00:00Z")
    value = value.astimezone(UTC)
    spec = "%Y-%m-%dT%H:%M:%S.%fZ" if value.microsecond else "%Y-%m-%dT%H:%M:%SZ"
    return value.strftime(spec)


def parse_utc(value: datetime | str) -> datetime:
    """Parse an ISO 8601 timestamp with a zone into an aware UTC datetime."""
    return datetime.fromisoformat(iso_utc(value).replace("Z", "+00:00"))


class ActionRequest(StrictModel):
    """One action frozen for sign-off. Immutable; the digest covers every field."""

    run_id: str = Field(min_length=1, max_length=128)
    action_index: StrictInt = Field(ge=0)
    name: str = Field(min_length=1, max_length=64)
    """Tool name, e.g. ``restart_deployment``."""
    args: dict[str, Any]
    """Tool arguments, exactly as they will be executed."""
    nonce: str = Field(min_length=16, max_length=128)
    """Unique per request (e.g. ``secrets.token_hex(16)``), so an old signature never replays."""
    cluster: str = Field(min_length=1, max_length=256)
    """Cluster or kubeconfig-context identity the action will run against."""
    policy_version: str = Field(min_length=1, max_length=128)
    """Version (or hash) of the trust policy that asked for approval."""
    expires_at: str
    """Deadline of the request, ISO 8601 UTC (normalised to ``...Z``)."""

    @field_validator("expires_at", mode="before")
    @classmethod
    def _normalise_expiry(cls, value: Any) -> str:
        return iso_utc(value)

    @field_validator("args")
    @classmethod
    def _args_canonical(cls, value: dict[str, Any]) -> dict[str, Any]:
        # Refuse anything the digest could not carry exactly, and keep a private deep copy
        # so that later changes to the caller's dict cannot alter what was approved.
        return json.loads(canonical_json(value))

    def digest_payload(self) -> dict[str, Any]:
        """The object whose canonical JSON is hashed (see the module docstring)."""
        return {
            "domain": DIGEST_DOMAIN,
            "run_id": self.run_id,
            "action_index": self.action_index,
            "action": {"name": self.name, "args": self.args},
            "nonce": self.nonce,
            "cluster": self.cluster,
            "policy_version": self.policy_version,
            "expires_at": self.expires_at,
        }

    def expired(self, now: datetime) -> bool:
        """True when ``now`` (aware) is at or after ``expires_at``."""
        return now >= parse_utc(self.expires_at)


def request_digest(req: ActionRequest) -> str:
    """sha256 hex of the canonical JSON of ``req.digest_payload()``."""
    return sha256_hex(canonical_json(req.digest_payload()))
