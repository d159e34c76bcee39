"""The values the storage port hands back, whichever database holds them.

Every adapter (``openclaw.storage.sqlite``, ``openclaw.storage.postgres``) returns these,
so nothing above the port depends on a row layout.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from openclaw.approvals.digest import canonical_json, sha256_hex
from openclaw.approvals.signing import SignedDecision

# --- where -----------------------------------------------------------------------------------------


def redacted(url: str) -> str:
    """``url`` without its password, for messages (also ``openclaw.storage.redacted``)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


# --- runs ------------------------------------------------------------------------------------------

MAX_RAW_INPUT_CHARS = 1_000_000
"""Raw input kept for a rejected incident, in characters (the rest is cut and marked)."""


@dataclass(frozen=True)
class Accepted:
    """What ``RunRepository.accept`` did: ``created`` False means the incident id already had this run."""

    run_id: str
    created: bool
    result: dict[str, Any]
    rerun_of: str | None = None


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def cut_raw(raw_input: str | None) -> str | None:
    """``raw_input`` within :data:`MAX_RAW_INPUT_CHARS`, marked when cut."""
    if raw_input is not None and len(raw_input) > MAX_RAW_INPUT_CHARS:
        return raw_input[:MAX_RAW_INPUT_CHARS] + "\n[... cut: input too large ...]"
    return raw_input


def apply_approvals(result: dict[str, Any], approvals: dict[int, list[dict[str, Any]]]) -> bool:
    """Write the approvals counted so far into a waiting run's actions (``actions[i].approvals``);
    True when anything changed."""
    changed = False
    for action in result.get("actions", []):
        counted = approvals.get(action.get("index"))
        if counted is not None and action.get("approvals") != counted:
            action["approvals"], changed = counted, True
    return changed


# --- approvals -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredDecision:
    person: str
    """The registered approver name the key belongs to."""
    decision: SignedDecision
    received_at: str
    """When OpenClaw accepted it, ISO 8601 UTC."""


# --- anti-flapping history -------------------------------------------------------------------------

RESERVED = "reserved"
"""Status of a mutation judged ``auto`` that has not run yet (it counts)."""
COUNTED_STATUSES = ("planned", "dry_run", "executed", RESERVED)
"""Outcomes that count as a mutation of the target."""


@dataclass(frozen=True)
class Recent:
    count: int
    """Counted mutations of the target at or after ``since``."""
    last_at: float | None
    """Epoch seconds of the newest counted mutation of the target (any time), or None."""


# --- idempotency ledger ----------------------------------------------------------------------------

UNKNOWN_OUTCOME = "outcome unknown; check the deployment before retrying"


@dataclass(frozen=True)
class Unfinished:
    """A ledger record left ``in_progress``: its key, who claimed it, and what it was about to do."""

    run_id: str
    digest: str
    owner: str
    claimed_at: float
    intent: dict[str, Any] | None


@dataclass(frozen=True)
class Claim:
    """The answer to ``Ledger.claim``.

    ``claimed``: you own the record; run the action, then ``complete()``.
    ``done``: it ran before; ``status``/``result`` are what was recorded.
    ``in_progress``: someone else claimed it at ``claimed_at`` (epoch seconds) and
    has not completed it (still running, or crashed: the outcome is unknown).
    """

    state: Literal["claimed", "done", "in_progress"]
    owner: str
    claimed_at: float
    status: str | None = None
    result: dict[str, Any] | None = None

    def unknown_outcome(self) -> dict[str, Any]:
        """The ``result`` to report for an ``in_progress`` claim, naming who holds it."""
        since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.claimed_at))
        return {
            "error": f"{UNKNOWN_OUTCOME} (claimed by {self.owner} at {since} and never completed: "
            "still running elsewhere, or that process crashed)",
            "status": None,
            "outcome_unknown": True,
        }


@dataclass(frozen=True)
class Recorded:
    """What ``run_once`` returns: the outcome and whether it came from the ledger."""

    status: str
    result: dict[str, Any]
    replayed: bool


# --- audit -----------------------------------------------------------------------------------------

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    """One link of the chain."""

    seq: int
    """Position, 1-based, contiguous."""
    at: str
    """When it was appended, ISO 8601 UTC."""
    kind: str
    """What happened, e.g. ``verdict``, ``approval``, ``rejection``, ``execution``, ``expired``."""
    run_id: str | None
    payload: dict[str, Any]
    prev_hash: str
    hash: str

    def expected_hash(self) -> str:
        """The hash these fields should have."""
        return entry_hash(self.seq, self.at, self.kind, self.run_id, self.payload, self.prev_hash)


def entry_hash(seq: int, at: str, kind: str, run_id: str | None, payload: dict[str, Any], prev_hash: str) -> str:
    """sha256 hex over the canonical JSON of an entry's fields (all but ``hash``)."""
    return sha256_hex(
        canonical_json(
            {"seq": seq, "at": at, "kind": kind, "run_id": run_id, "payload": payload, "prev_hash": prev_hash}
        )
    )
