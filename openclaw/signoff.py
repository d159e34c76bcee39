"""The approval service, above the graph: signed decisions in, a resumed run out.

:func:`submit` is the one way a signed approval or rejection counts. The CLI
(``openclaw approve`` / ``openclaw reject``) and the HTTP API call it with a
:class:`~openclaw.approvals.signing.SignedDecision`. It

1. reads the run's checkpoint: the action must exist and still wait for approval;
2. verifies the decision against approvers.yaml (reloaded every time), the action's
   frozen request (digest, run, index, expiry) and the incident's requester, and that
   the signer is in the tier's group; a refusal raises ApprovalRefused (one line) and
   is audited as ``approval_refused``, never stored, never counted;
3. stores it (once per person and kind, race-safe) and audits it;
4. :func:`settle`: re-verifies every stored decision of every waiting action at ``now``
   (an expired approval or a revoked key stops counting), tallies them, and when every
   waiting action is final (approved, rejected or expired) claims the resume in the
   database and resumes the graph with ``engine.resume``; only the claimant resumes,
   so a run resumes once even when two processes complete the quorum together. The
   claimant renews the claim while it resumes and releases it if ``engine.resume``
   raises; a claim not renewed for ``approvals.resume_takeover_s`` (trust.yaml; its
   process died) is taken over by the next settle of the still-paused run (safe: the
   executor's idempotency ledger runs each action at most once). ``openclaw runs resume
   RUN_ID`` settles a run on demand.

Quorum of an action: the count frozen by the trust node, raised (never lowered) by the
quorum approvers.yaml sets for the action's tier now; the group is the frozen one, or
the tier's group when the tier was defined later.

With an empty approvers.yaml (a fresh install) runs that need approval simply wait;
``openclaw approve`` explains how to register approvers. A request left alone expires
at its ``expires_at``: the next :func:`submit` or :func:`settle` on the run finalises it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from openclaw.approvals.approvers import Approver, ApproversConfig
from openclaw.approvals.digest import canonical_json, iso_utc, sha256_hex
from openclaw.approvals.keys import fingerprint_of, load_private_key
from openclaw.approvals.signing import DEFAULT_TTL_S, DecisionKind, SignedDecision, sign_decision
from openclaw.errors import ApprovalRefused, PolicyError, RunNotFound
from openclaw.owners import claim_owner
from openclaw.storage.ports import ApprovalRepository
from openclaw.runs.counted import ActionTally, approvers_path, load_current_approvers
from openclaw.runs.counted import expired as _expired
from openclaw.runs.counted import quorum_of as _quorum_of
from openclaw.runs.counted import tally_action as _tally
from openclaw.runs.counted import verify as _verify

DEFAULT_TAKEOVER_S = 300
"""Seconds without renewal after which a resume claim may be taken over (trust.yaml approvals.resume_takeover_s)."""
_REGISTER_HINT = ("create a key with `openclaw keys generate NAME --out DIR`, then register it with "
                  "`openclaw approvers add NAME --public-key DIR/NAME.pub --group sre`")


@dataclass(frozen=True)
class Settlement:
    """What :func:`settle` found and did."""

    run_id: str
    tallies: dict[int, ActionTally]
    resumed: bool
    """True when this call resumed the run."""
    status: str | None
    """The run's status afterwards (``awaiting_approval`` while it still waits)."""
    claimed_by: str | None = None
    """Who holds the resume claim, when another process does."""
    claimed_at: str | None = None
    """When that claim was taken or last renewed (ISO 8601 UTC)."""
    takeover_s: int | None = None
    """Seconds without renewal after which that claim may be taken over."""
    result: dict[str, Any] | None = None
    """The run result when this call resumed it."""
    held: str | None = None
    """Why a run whose requests are all final was not resumed here (e.g. judged for another mode)."""


@dataclass(frozen=True)
class SubmitResult:
    run_id: str
    action_index: int
    kind: DecisionKind
    approver: str
    tally: ActionTally
    settlement: Settlement

    @property
    def message(self) -> str:
        return self.describe()

    def describe(self, where: str = "here") -> str:
        """One line for the approver; ``where`` the run resumed (``here``, or ``by the server``)."""
        t, verb = self.tally, ("approved" if self.kind == "approve" else "rejected")
        line = f"{verb} action {self.action_index} of run {self.run_id} as {self.approver}"
        if t.resolution is None:
            line += f": {len(t.counted)} of {t.quorum} approval(s), {t.missing} more needed"
        else:
            line += f": action {t.resolution}"
        s = self.settlement
        if s.resumed:
            line += f"; every request is final, run resumed {where}: status {s.status}{_not_applied(s.result)}"
        elif s.held:
            line += f"; every request is final, but {s.held}"
        elif s.claimed_by:
            line += f"; every request is final, run resumed by {s.claimed_by}"
            if s.claimed_at:
                line += (f" (claim renewed at {s.claimed_at}; if that process died, `openclaw runs resume "
                         f"{self.run_id}` takes over {s.takeover_s} s later)")
        return line


_NOT_APPLIED = {
    "dry_run": "dry run only: the API server accepted it with dryRun=All and nothing changed",
    "planned": "planned only: no cluster is configured; the API calls it would make are recorded",
}


def _not_applied(result: dict[str, Any] | None) -> str:
    """What a 'completed' run did not do: its approved actions that were only dry-run or planned."""
    notes = [f"action {a['index']} {_NOT_APPLIED[a['status']]}" for a in (result or {}).get("actions", [])
             if a.get("mutating") and a.get("status") in _NOT_APPLIED]
    return f" ({'; '.join(notes)})" if notes else ""


# --- time and configuration -----------------------------------------------------------------


def now_of(engine: Any) -> datetime:
    """The engine's clock as an aware UTC datetime (tests inject ``engine.context.clock``)."""
    return datetime.fromtimestamp(engine.context.clock(), UTC)


def approver_for_key(config: ApproversConfig, key_path: Path | str, *, config_dir: Path) -> Approver:
    """The registered entry of the private key at ``key_path``; ApprovalRefused explaining how to register."""
    fingerprint = fingerprint_of(load_private_key(key_path).public_key())
    path = approvers_path(config_dir)
    if not config.approvers:
        raise ApprovalRefused(f"no approvers are registered in {path} yet; {_REGISTER_HINT}")
    entry = config.find_by_key(fingerprint)
    if entry is None:
        raise ApprovalRefused(
            f"key {fingerprint} ({key_path}) is not registered in {path}; register its .pub with "
            "`openclaw approvers add NAME --public-key FILE`"
        )
    return entry


# --- building decisions ------------------------------------------------------------------------


def waiting(state: Any) -> list[dict[str, Any]]:
    """:func:`openclaw.nodes.approval_gate.waiting`, imported on first use: the gate's module imports
    LangGraph, which a refused approval (no key, unknown run) never needs."""
    from openclaw.nodes.approval_gate import waiting as gate_waiting

    return gate_waiting(state)


def waiting_in(actions: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The actions of a run result or checkpoint that wait for sign-off."""
    return waiting({"actions": list(actions)})  # type: ignore[typeddict-item]


def sign_for_run(
    run: dict[str, Any],
    key_path: Path | str,
    *,
    kind: DecisionKind,
    approver: str,
    action_index: int | None = None,
    reason: str | None = None,
    ttl_s: float = DEFAULT_TTL_S,
    now: datetime | None = None,
) -> list[SignedDecision]:
    """Sign ``kind`` for the waiting actions of ``run`` (a run result or checkpoint values), or one of them.

    UsageError when nothing waits, or ``action_index`` is not a waiting action.
    """
    run_id = run.get("run_id") or "?"
    pending = waiting_in(run.get("actions", []))
    if action_index is not None:
        chosen = [a for a in pending if a["index"] == action_index]
        if not chosen:
            indexes = ", ".join(str(a["index"]) for a in pending) or "none"
            raise ApprovalRefused(
                f"action {action_index} of run {run_id} is not waiting for approval (waiting: {indexes})"
            )
        pending = chosen
    if not pending:
        raise ApprovalRefused(
            f"run {run_id} has no action waiting for approval (status {run.get('status', 'unknown')})"
        )
    return [
        sign_decision(key_path, kind=kind, run_id=run_id, action_index=a["index"], digest=a["digest"],
                      approver=approver, reason=reason, ttl_s=ttl_s, now=now)
        for a in pending
    ]


# --- submitting and settling ---------------------------------------------------------------------


async def _values(engine: Any, run_id: str) -> dict[str, Any]:
    values = (await engine.checkpoint(run_id))["values"]
    if not values:
        raise RunNotFound(f"no run {run_id!r} is paused in {engine.storage.where}; list runs with: openclaw runs list")
    return values


def _store(engine: Any) -> ApprovalRepository:
    return engine.storage.approvals


def _audit(engine: Any, kind: str, run_id: str, payload: dict[str, Any]) -> None:
    audit = getattr(engine.context, "audit", None)
    if audit is not None:
        audit.append(kind, run_id, payload)


async def submit(engine: Any, decision: SignedDecision, *, now: datetime | None = None) -> SubmitResult:
    """Verify, store, audit and count one signed decision; resume the run when every request is final.

    Raises ApprovalRefused (one line, nothing counted) for any decision that does not count,
    RunNotFound for an unknown run, PolicyError when approvers.yaml is invalid.
    """
    now = now or now_of(engine)
    values = await _values(engine, decision.run_id)
    entry, refused, final = await asyncio.to_thread(_count, engine, decision, values, now)
    if refused is not None:
        await _settle_if_expired(engine, values, decision.action_index, now, final=final)
        raise refused
    settlement = await settle(engine, decision.run_id, now=now, values=values)
    return SubmitResult(decision.run_id, decision.action_index, decision.kind, entry.name,
                        settlement.tallies[decision.action_index], settlement)


def _count(engine: Any, decision: SignedDecision, values: dict[str, Any],
           now: datetime) -> tuple[Any, ApprovalRefused | None, bool]:
    """Verify, store and audit ``decision`` (blocking: approvers.yaml, the store; called in a worker thread).
    ``(approver entry, None, False)`` when it counts; ``(None, refusal, final)`` when it does not, the refusal
    audited (``final``: the action was already final)."""
    run_id = decision.run_id
    final = False
    try:
        config = load_current_approvers(engine.settings.config_dir)
        action = _open_action(values, decision.action_index, run_id)
        if not config.approvers:
            raise ApprovalRefused(f"no approvers are registered in {approvers_path(engine.settings.config_dir)}; "
                                  f"{_REGISTER_HINT}")
        entry = _verify(decision, config, action, values, now)
        quorum, group = _quorum_of(action, config)
        if group is not None and group not in entry.groups:
            raise ApprovalRefused(f"{decision.kind} by {entry.name!r}: action {action['index']} needs approvers "
                                  f"from group {group!r}; {entry.name} is not in it")
        current = _tally(action, _store(engine).decisions(run_id, action["index"]), config, values, now,
                         cancelled=_store(engine).cancellation(run_id))
        if current.resolution is not None:
            final = True
            raise ApprovalRefused(f"{decision.kind} by {entry.name!r}: action {action['index']} of run {run_id} "
                                  f"is already final ({current.resolution}); this decision has no effect")
        if not _store(engine).add(entry.name, decision, received_at=iso_utc(now)):
            raise ApprovalRefused(f"{decision.kind} by {entry.name!r} of action {action['index']} was already "
                                  "counted; each person counts once")
    except ApprovalRefused as exc:
        _audit(engine, "approval_refused", run_id, {
            "action_index": decision.action_index, "kind": decision.kind, "approver": decision.approver,
            "key_fingerprint": decision.key_fingerprint, "digest": decision.digest, "reason": str(exc)})
        return None, exc, final
    _audit(engine, "approval" if decision.kind == "approve" else "rejection", run_id, {
        "action_index": decision.action_index, "approver": entry.name, "key_fingerprint": decision.key_fingerprint,
        "digest": decision.digest, "reason": decision.reason, "signed_at": decision.signed_at,
        "expires_at": decision.expires_at, "signature": decision.signature})
    return entry, None, False


async def current_tallies(engine: Any, run_id: str, *, now: datetime | None = None) -> dict[int, ActionTally]:
    """The tally of every waiting action of ``run_id`` at ``now``, read-only: nothing is resumed or recorded
    (what the approvals page shows as the approvals so far)."""
    now = now or now_of(engine)
    values = await _values(engine, run_id)
    return await asyncio.to_thread(_tallies, engine, run_id, values, waiting(values), now)  # type: ignore[arg-type]


def _tallies(engine: Any, run_id: str, values: dict[str, Any], pending: list[dict[str, Any]],
             now: datetime) -> dict[int, ActionTally]:
    """Each of ``pending``'s tally from the stored decisions, re-verified against approvers.yaml as it is now
    (blocking: called in a worker thread). An invalid approvers.yaml counts nobody; expiry still applies."""
    try:
        config: ApproversConfig | None = load_current_approvers(engine.settings.config_dir)
    except PolicyError:
        config = None
    stored = _store(engine).decisions(run_id)
    cancelled = _store(engine).cancellation(run_id)
    return {a["index"]: _tally(a, [s for s in stored if s.decision.action_index == a["index"]], config, values, now,
                               cancelled=cancelled)
            for a in pending}


async def settle(engine: Any, run_id: str, *, now: datetime | None = None,
                 values: dict[str, Any] | None = None) -> Settlement:
    """Tally every waiting action of ``run_id``; resume the run (once, by claim) when all are final."""
    now = now or now_of(engine)
    values = values if values is not None else await _values(engine, run_id)
    pending = waiting(values)  # type: ignore[arg-type]
    if not pending:
        status = values.get("status") or await asyncio.to_thread(_stored_status, engine, run_id)
        return Settlement(run_id, {}, False, status)
    tallies = await asyncio.to_thread(_tallies, engine, run_id, values, pending, now)
    await asyncio.to_thread(engine.store.record_approvals, run_id, {i: t.approvals for i, t in tallies.items()})
    if any(t.resolution is None for t in tallies.values()):
        return Settlement(run_id, tallies, False, "awaiting_approval")
    held = _other_mode(engine, run_id, values, tallies)
    if held:  # resuming here would refuse the approved mutations: leave the run paused, say how to finish it
        return Settlement(run_id, tallies, False, "awaiting_approval", held=held)
    key = round_key(run_id, pending)
    owner = claim_owner()
    store = _store(engine)
    takeover_s = resume_takeover_s(engine)
    claimed, before, holder = await asyncio.to_thread(_claim_round, store, run_id, key, owner, now, takeover_s)
    if not claimed:
        return Settlement(run_id, tallies, False, "awaiting_approval",
                          claimed_by=holder[0] if holder else "another process",
                          claimed_at=holder[1] if holder else None, takeover_s=takeover_s)
    if before is not None:  # a stale claim was taken over: make sure its owner never got the run past the gate
        current = await _values(engine, run_id)
        if round_key(run_id, waiting(current)) != key:  # type: ignore[arg-type]
            return Settlement(run_id, tallies, False, current.get("status"))
    answer = {"actions": {str(a["index"]): tallies[a["index"]].answer(a["digest"]) for a in pending}}
    payload: dict[str, Any] = {"round": key, "owner": owner, "answer": answer}
    if before is not None:
        payload["took_over_from"] = {"owner": before[0], "claimed_at": before[1]}
    await asyncio.to_thread(_audit, engine, "resume", run_id, payload)
    beat = asyncio.create_task(_heartbeat(engine, store, run_id, key, owner, takeover_s / 3))
    try:
        result = await engine.resume(run_id, answer)
    except BaseException:
        store.release_resume(run_id, key, owner=owner)  # let the next settle try again (here even when cancelled)
        raise
    finally:
        beat.cancel()
    return Settlement(run_id, tallies, True, result.get("status"), result=result)


def _claim_round(store: ApprovalRepository, run_id: str, key: str, owner: str, now: datetime,
                 takeover_s: float) -> tuple[bool, tuple[str, str] | None, tuple[str, str] | None]:
    """Claim the resume of round ``key`` (blocking: called in a worker thread): ``(claimed, the claim found
    before, the holder when not claimed)``; a claim older than ``takeover_s`` is taken over."""
    before = store.resume_claim(run_id, key)
    if store.claim_resume(run_id, key, owner=owner, at=iso_utc(now), stale_before=now - timedelta(seconds=takeover_s)):
        return True, before, None
    return False, before, store.resume_claim(run_id, key)


def _stored_status(engine: Any, run_id: str) -> str | None:
    """The run store's status of a run whose checkpoint has none yet (it is between steps: ``running``)."""
    try:
        return engine.store.get(run_id).get("status")
    except RunNotFound:
        return None


def _other_mode(engine: Any, run_id: str, values: dict[str, Any], tallies: dict[int, ActionTally]) -> str | None:
    """Why this process must not resume the run: a mutation that would run on resume was judged for
    another executor mode (the execute node would refuse it). None when the modes agree."""
    here = getattr(engine.executor, "mode", None)
    for action in values.get("actions", []):
        approved = action["verdict"] == "approval" and getattr(tallies.get(action["index"]), "resolution", None) == "approved"
        runs = action["status"] == "awaiting_approval" and (action["verdict"] == "auto" or approved)
        judged = (action.get("request") or {}).get("mode")
        if runs and action.get("mutating") and judged and here and judged != here:
            flag = " --apply" if judged == "apply" else ""
            return (f"action {action['index']} was judged for {judged} and this process runs {here}: the run stays "
                    f"paused; finish it with `openclaw runs resume {run_id}{flag}` (same cluster and context)")
    return None


def round_key(run_id: str, pending: Iterable[dict[str, Any]]) -> str:
    """The resume claim's key for one gate round: the run and the digests of its waiting actions."""
    return sha256_hex(canonical_json({"run_id": run_id, "digests": sorted(a["digest"] for a in pending)}))


def resume_takeover_s(engine: Any) -> int:
    """trust.yaml's ``approvals.resume_takeover_s`` (its default when the policy did not load)."""
    trust = getattr(getattr(engine, "configs", None), "trust", None)
    approvals = getattr(getattr(trust, "policy", trust), "approvals", None)
    return int(getattr(approvals, "resume_takeover_s", DEFAULT_TAKEOVER_S))


async def _heartbeat(engine: Any, store: ApprovalRepository, run_id: str, key: str, owner: str, every_s: float) -> None:
    """Renew the resume claim every ``every_s`` seconds while this process resumes the run."""
    while True:
        await asyncio.sleep(every_s)
        await asyncio.to_thread(store.heartbeat, run_id, key, owner=owner, at=iso_utc(now_of(engine)))


async def overdue(engine: Any, *, now: datetime | None = None) -> list[str]:
    """Paused runs with a request past its ``expires_at`` (they stay paused until someone settles them)."""
    now = now or now_of(engine)
    found = []
    for row in await asyncio.to_thread(engine.store.list, limit=100_000, status="awaiting_approval"):
        try:
            values = await _values(engine, row["run_id"])
        except RunNotFound:
            continue
        if any(_expired(a, now) for a in waiting(values)):  # type: ignore[arg-type]
            found.append(row["run_id"])
    return found


async def expire_overdue(engine: Any, *, now: datetime | None = None) -> list[Settlement]:
    """Settle every :func:`overdue` run: one whose requests are now all final resumes and ends ``expired``
    (or with what was approved). The HTTP service runs this periodically; ``openclaw runs expire`` once."""
    now = now or now_of(engine)
    return [await settle(engine, run_id, now=now) for run_id in await overdue(engine, now=now)]


async def _settle_if_expired(engine: Any, values: dict[str, Any], index: int, now: datetime, *,
                             final: bool = False) -> None:
    """After a refusal: if the refused action's request has expired, or it was already final (the run may
    wait on a resume claim whose process died), settle the run (best effort)."""
    action = next((a for a in waiting(values) if a["index"] == index), None)  # type: ignore[arg-type]
    if action is not None and (final or _expired(action, now)):
        await settle(engine, values["run_id"], now=now, values=values)


async def resolve_alert(engine: Any, alert: dict[str, Any], *, now: datetime | None = None) -> dict[str, Any]:
    """A resolved Alertmanager alert: audited (``alert_resolved``) under the run that holds it, and that run's
    open approval requests cancelled (they end ``expired``, with the reason) and settled. Returns
    ``{"id", "run_id", "cancelled"}``; ``run_id`` is None when no run holds the alert."""
    now = now or now_of(engine)
    run_id = await asyncio.to_thread(engine.store.find_by_alert, alert["id"])
    await asyncio.to_thread(_audit, engine, "alert_resolved", run_id, {"incident_id": alert["id"], **alert})
    cancelled = False
    if run_id is not None:
        values = await _values(engine, run_id)
        if waiting(values):  # type: ignore[arg-type]
            name = (alert.get("labels") or {}).get("alertname") or "the alert"
            reason = f"{name} resolved ({alert['id']}); the request is no longer needed"
            await asyncio.to_thread(_cancel, engine, run_id, reason, now, alert["id"])
            cancelled = True
            await settle(engine, run_id, now=now, values=values)
    return {"id": alert["id"], "run_id": run_id, "cancelled": cancelled}


def _cancel(engine: Any, run_id: str, reason: str, now: datetime, alert_id: str) -> None:
    """Cancel the run's open requests, audited once (blocking: called in a worker thread)."""
    if _store(engine).cancel(run_id, reason=reason, at=iso_utc(now)):
        _audit(engine, "approvals_cancelled", run_id, {"alert_id": alert_id, "reason": reason})


# --- checks ----------------------------------------------------------------------------------------


def _open_action(values: dict[str, Any], index: int, run_id: str) -> dict[str, Any]:
    actions = {a["index"]: a for a in values.get("actions", [])}
    action = actions.get(index)
    if action is None:
        raise ApprovalRefused(f"run {run_id} has no action {index} (it has {len(actions)})")
    if action["verdict"] != "approval":
        raise ApprovalRefused(f"action {index} of run {run_id} does not take approvals (verdict {action['verdict']})")
    if action not in waiting(values):  # type: ignore[arg-type]
        state = "approved" if action.get("approved") else action["status"]
        raise ApprovalRefused(f"action {index} of run {run_id} is no longer waiting for approval ({state}); "
                              "this decision has no effect")
    return action


__all__ = [
    "ActionTally", "Settlement", "SubmitResult", "approver_for_key", "current_tallies", "load_current_approvers",
    "now_of",
    "resume_takeover_s", "round_key", "settle", "sign_for_run", "submit", "waiting_in",
]
