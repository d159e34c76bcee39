"""Recovery: carry on every run whose process died, from its last checkpoint; never repeat a mutation.

``openclaw runs recover`` (cron-friendly) and ``openclaw serve`` (at start) call :func:`recover`.
A run is recovered when its record says ``running`` and its owner is gone: on this host, its
process no longer exists; on another host, its lease ran out (see :mod:`openclaw.storage.sqlite.runs`).
Exactly one recoverer takes a run over (a conditional update of its owner). Then:

1. **Reconcile.** Every idempotency record of the run left ``in_progress`` (the process died
   between claiming an action and completing it) is settled from the cluster as it is now
   (:meth:`openclaw.nodes.dispatch.ActionRunner.reconcile`: the ``restartedAt`` stamp the run
   wrote, the replicas it set): executed-and-verified, or failed with the reason. Nothing is
   re-sent. Reads and alerts are left to the execute node, which runs them again.
2. **Release** the deployment locks the run held (they are named after the run).
3. **Carry on.** No checkpoint yet: the run starts from its recorded incident. Paused at the
   approval gate: the record says ``awaiting_approval`` again, resume claims of dead processes
   are dropped and the run is settled (it resumes when every request is final). Otherwise it
   continues from its last checkpoint; the execute node finds reconciled actions in the ledger.

A run recorded ``awaiting_approval`` whose resume claim is held by a process of this host that
is gone (it died between claiming the resume and starting it) is settled too, without waiting
for the claim to go stale.

A run that cannot be carried on is failed with the reason. A run whose mutations were judged for
another executor mode (``--apply``), or that was accepted for another mode and not judged yet, is
left alone and reported (``skipped``): a dry run is never applied by a recovering process that applies.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any, Literal

from openclaw.engine import Engine, build_result
from openclaw.errors import OpenClawError
from openclaw.models.incident import Incident
from openclaw.owners import gone_from_this_host
from openclaw.nodes.approval_gate import waiting
from openclaw.signoff import settle

Outcome = Literal["continued", "restarted", "paused", "failed", "skipped"]


@dataclass(frozen=True)
class Recovered:
    """What recovery did with one run."""

    run_id: str
    outcome: Outcome
    status: str | None
    """The run's status afterwards."""
    detail: str = ""
    reconciled: tuple[dict[str, Any], ...] = ()
    """``{"digest", "status", "error"}`` of each interrupted action settled from the cluster."""

    def as_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "outcome": self.outcome, "status": self.status, "detail": self.detail,
                "reconciled": list(self.reconciled)}


def owner_alive(owner: str | None, lease_until: float | None, *, now: float | None = None) -> bool:
    """Whether the process that drives a run may still be alive: on this host, its pid exists in the same life
    (:mod:`openclaw.owners`); elsewhere, its lease has not run out."""
    gone = gone_from_this_host(owner)
    if gone is not None:
        return not gone
    now = time.time() if now is None else now
    return lease_until is not None and lease_until > now


def claim_holder_gone(owner: str) -> bool:
    """Whether the process holding a resume claim (``host:pid:boot:token``) is known to be gone: on this host,
    its pid no longer exists, or it is this pid in an earlier life. A claim of another host is never judged
    here (it goes stale after ``approvals.resume_takeover_s``)."""
    return bool(gone_from_this_host(owner))


async def recover(engine: Engine) -> list[Recovered]:
    """Recover every run whose owner is gone (see the module docstring), and settle every paused run whose
    resume claim is held by a process that died; one entry per run carried on or failed."""
    done = []
    for row in await asyncio.to_thread(engine.store.unsettled):
        if owner_alive(row["owner"], row["lease_until"]):
            continue
        done.append(await recover_run(engine, row))
    for row in await asyncio.to_thread(engine.store.list, limit=1_000_000, status="awaiting_approval"):
        if await asyncio.to_thread(_drop_dead_claims, engine, row["run_id"]):
            settlement = await settle(engine, row["run_id"])
            if settlement.resumed:
                done.append(Recovered(row["run_id"], "continued", settlement.status,
                                      "its resume was claimed by a process that died; resumed here"))
    return done


def _drop_dead_claims(engine: Engine, run_id: str) -> bool:
    """Release the run's resume claims held by processes that are gone; True when there were any."""
    approvals = engine.storage.approvals
    dead = [(key, owner) for key, owner in approvals.claims(run_id) if claim_holder_gone(owner)]
    for key, owner in dead:
        approvals.release_resume(run_id, key, owner=owner)
    return bool(dead)


async def recover_run(engine: Engine, row: dict[str, Any]) -> Recovered:
    """Take over and carry on one run (a row of ``RunStore.unsettled``); failed with the reason when it
    cannot be carried on."""
    run_id = row["run_id"]
    try:
        checkpoint: dict[str, Any] | None = await engine.checkpoint(run_id)
    except Exception as exc:  # noqa: BLE001 - an unreadable checkpoint fails the run, below
        checkpoint, unreadable = None, exc
    values = (checkpoint or {}).get("values") or {}
    held = _other_mode(engine, values) or _accepted_for_another_mode(engine, row, values)
    if held:
        return Recovered(run_id, "skipped", "running", held)
    if not await asyncio.to_thread(engine.store.take_over, run_id, owner=engine.owner, previous=row["owner"],
                                   lease_s=engine.lease_s):
        return Recovered(run_id, "skipped", "running", "another process took it over first")
    try:
        if checkpoint is None:
            raise OpenClawError(f"its checkpoint cannot be read ({type(unreadable).__name__}: {unreadable})")
        reconciled = await _reconcile(engine, run_id)
        await asyncio.to_thread(_release_locks, engine, run_id)
        if not values:
            if row["incident"] is None:
                raise OpenClawError("it has no checkpoint and no recorded incident to start from")
            result = await engine.start(run_id, Incident.model_validate(row["incident"]))
            return Recovered(run_id, "restarted", result["status"], "started again from its incident", reconciled)
        if checkpoint["interrupts"]:
            return await _paused(engine, run_id, values, reconciled)
        result = await engine.continue_from_checkpoint(run_id)
        return Recovered(run_id, "continued", result["status"], "carried on from its last checkpoint", reconciled)
    except Exception as exc:  # noqa: BLE001 - a run that cannot be carried on is failed, with the reason
        reason = f"recovery could not carry the run on: {exc}"
        await asyncio.to_thread(engine.store.fail, run_id, reason)
        if engine.context.audit is not None:
            await asyncio.to_thread(engine.context.audit.append, "recovery", run_id,
                                    {"outcome": "failed", "error": reason})
        return Recovered(run_id, "failed", "failed", reason)


async def _reconcile(engine: Engine, run_id: str) -> tuple[dict[str, Any], ...]:
    """Settle the run's interrupted actions from the cluster (nothing re-sent); audit each."""
    runner = engine.executor
    ledger = getattr(runner, "ledger", None)
    if ledger is None:
        return ()
    settled = []
    for record in await asyncio.to_thread(ledger.unfinished, run_id):
        outcome = await asyncio.to_thread(runner.reconcile, record.intent)
        if outcome is None:
            continue
        status, result = outcome
        await asyncio.to_thread(ledger.complete, run_id, record.digest, status=status, result=result)
        entry = {"digest": record.digest, "status": status, "error": result.get("error"),
                 "claimed_by": record.owner, "tool": (record.intent or {}).get("tool")}
        settled.append(entry)
        if engine.context.audit is not None:
            await asyncio.to_thread(engine.context.audit.append, "reconciled", run_id, entry)
    return tuple(settled)


def _release_locks(engine: Engine, run_id: str) -> None:
    freed = engine.storage.locks.release_all(owner=run_id)
    if freed and engine.context.audit is not None:
        engine.context.audit.append("lock_released", run_id, {"targets": freed, "reason": "its process died"})


async def _paused(engine: Engine, run_id: str, values: dict[str, Any],
                  reconciled: tuple[dict[str, Any], ...]) -> Recovered:
    """A run at the approval gate: record it as waiting, drop resume claims of dead processes, settle it."""
    await asyncio.to_thread(engine.store.save, build_result(run_id, values, status="awaiting_approval"),
                            release=engine.owner)
    await asyncio.to_thread(_drop_dead_claims, engine, run_id)
    settlement = await settle(engine, run_id)
    detail = "resumed: every request was final" if settlement.resumed else "waiting for approval"
    return Recovered(run_id, "paused" if not settlement.resumed else "continued", settlement.status, detail,
                     reconciled)


def _accepted_for_another_mode(engine: Engine, row: dict[str, Any], values: dict[str, Any]) -> str | None:
    """A run not judged yet (no actions) starts over in the mode it was accepted for, never another: a dry
    run must not be applied because the recovering process happens to apply."""
    here, accepted = getattr(engine.executor, "mode", None), row.get("mode")
    if values.get("actions") or not accepted or not here or accepted == here:
        return None
    flag = " --apply" if accepted == "apply" else ""
    return (f"it was accepted for {accepted} and this process runs {here}: recover it with "
            f"`openclaw runs recover{flag}` (same cluster and context)")


def _other_mode(engine: Engine, values: dict[str, Any]) -> str | None:
    """Why this process must not carry the run on: a mutation still to run (or interrupted) was judged for
    another executor mode. None when the modes agree."""
    here = getattr(engine.executor, "mode", None)
    pending = {a["index"] for a in waiting(values)}  # type: ignore[arg-type]
    for action in values.get("actions", []):
        judged = (action.get("request") or {}).get("mode")
        if (action.get("mutating") and action["status"] == "awaiting_approval" and action["index"] not in pending
                and judged and here and judged != here):
            flag = " --apply" if judged == "apply" else ""
            return (f"action {action['index']} was judged for {judged} and this process runs {here}: recover it "
                    f"with `openclaw runs recover{flag}` (same cluster and context)")
    return None
