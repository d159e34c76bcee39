"""The service behind the routes: runs incidents concurrently on the one shared engine.

- **Write-ahead, one run per incident id.** Every incident is recorded (status ``running``)
  by ``engine.accept`` before it is answered; the store's uniqueness constraint returns the
  existing run for an id that has one (``duplicate``), from this process or any other on the
  same store. With ``wait`` a duplicate waits for that run to finish or pause, also when
  another process drives it (polling the store). ``rerun=True`` starts a new run linked to the first.
- **Background runs, bounded.** ``wait=False`` answers as soon as the run is recorded and
  drives it in a task owned by the service; at most ``max_concurrent_runs`` runs are driven
  at once, the others wait their turn (durably recorded). Tasks are shielded from client
  disconnects.
- **Shutdown.** :meth:`IncidentService.stop_accepting` (SIGTERM) makes new submissions fail
  with :class:`ServiceClosing` (HTTP 503 with Retry-After); :meth:`IncidentService.aclose`
  lets runs in flight go on for ``grace_s``, then cancels them at their current step: their
  last checkpoint stays, and recovery (:mod:`openclaw.recovery`) finishes them on the next start.
- **One sweeper per cluster.** Every replica (or ``serve --workers`` process) on one store tries to
  hold the sweeper lease (:data:`SWEEPER_LEASE`, a lease in the store's lock table, renewed while held);
  the holder alone ends expired approval requests and recovers the runs of dead processes. A holder
  that dies loses it when the lease runs out (at once when it was a process of this host).
- **Metrics.** Every run result and every refused input is counted here, by the replica that saw it;
  ``openclaw_approvals_pending`` (a store-wide count) is reported by the sweeper lease holder only (0
  elsewhere), so summing over replicas gives the true count.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from openclaw.engine import Engine
from openclaw.errors import OpenClawError, RunNotFound
from openclaw.models.incident import Incident, Rejected
from openclaw.telemetry.metrics import Metrics

log = logging.getLogger("openclaw.server")

SubmitKind = Literal["finished", "accepted", "duplicate"]

RETRY_AFTER_S = 5
"""What a stopping service tells clients to wait before they retry, in seconds."""
SWEEPER_LEASE = "openclaw:sweeper"
"""The lock-table target whose holder runs the cluster-wide sweeps (expiry, recovery)."""
SWEEPER_LEASE_S = 15.0
"""How long the sweeper lease lasts without renewal, in seconds (renewed every third of it)."""
RECOVERY_EVERY_S = 10.0
"""Seconds between the lease holder's looks for runs whose process died."""
DUPLICATE_POLL_S = 0.1
"""How often a waiting submission of an incident id another process is driving looks at its run, in seconds."""
DUPLICATE_WAIT_S = 600.0
"""How long such a submission waits for that run to finish or pause before it answers with the run as it is."""


class ServiceClosing(OpenClawError):
    """The service is shutting down and takes no new incidents (HTTP 503 with Retry-After)."""


@dataclass(frozen=True)
class Submitted:
    """What happened to one submitted incident."""

    kind: SubmitKind
    run_id: str
    incident_id: str
    result: dict[str, Any] | None = None
    """The run result (None while a run is still going)."""

    def accepted_body(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "incident_id": self.incident_id, "status": "accepted"}


@dataclass
class _InFlight:
    run_id: str
    task: asyncio.Task[dict[str, Any]]


class IncidentService:
    """Use as ``service = IncidentService(engine, metrics)``; ``await service.aclose()`` on shutdown."""

    def __init__(self, engine: Engine, metrics: Metrics, *, grace_s: float = 10.0, max_concurrent: int = 8) -> None:
        self.engine = engine
        self.metrics = metrics
        self.grace_s = grace_s
        """Seconds shutdown waits for runs in flight before cancelling them."""
        self.closing = False
        """True once the service stopped accepting incidents (shutdown)."""
        self._slots = asyncio.Semaphore(max_concurrent)
        self._inflight: dict[str, _InFlight] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._run_locks: dict[str, asyncio.Lock] = {}
        self._sweeper: asyncio.Task[None] | None = None
        self._renewer: asyncio.Task[None] | None = None
        self.leader = False
        """Whether this process holds the sweeper lease (see :data:`SWEEPER_LEASE`)."""
        self._skipped: set[str] = set()
        """Runs recovery left alone (another executor mode), reported once."""
        metrics.count_pending_with(self.pending_approvals)

    # --- incidents ---------------------------------------------------------------------

    async def submit(self, incident: Incident, *, wait: bool = True, rerun: bool = False,
                     raw_input: str | None = None) -> Submitted:
        """Record ``incident``'s run and drive it (or find its run). With ``wait`` the result is there
        unless the run crashed; without, the run is recorded before this returns. ServiceClosing while
        the service shuts down."""
        if self.closing:
            raise ServiceClosing(f"the service is shutting down; retry in {RETRY_AFTER_S} s")
        accepted = await asyncio.to_thread(self.engine.accept, incident, raw_input=raw_input, rerun=rerun)
        if not accepted.created:
            existing = self._inflight.get(accepted.run_id)
            if existing is None:
                result = await asyncio.to_thread(self.engine.store.get, accepted.run_id)
                if wait and result.get("status") == "running":  # driven by another process (replica, worker)
                    result = await self._settled(accepted.run_id, result)
                return Submitted("duplicate", accepted.run_id, incident.id, result)
            if not wait:
                return Submitted("duplicate", existing.run_id, incident.id)
            result = await asyncio.shield(existing.task)
            return Submitted("duplicate", existing.run_id, incident.id, result)
        run_id = accepted.run_id
        task = self.drive(run_id, lambda: self.engine.start(run_id, incident))
        if not wait:
            return Submitted("accepted", run_id, incident.id)
        result = await asyncio.shield(task)
        return Submitted("finished", run_id, incident.id, result)

    async def _settled(self, run_id: str, result: dict[str, Any]) -> dict[str, Any]:
        """The run's result once it is no longer ``running``, polled every :data:`DUPLICATE_POLL_S` while the
        process driving it is alive (a recoverer that takes it over counts); as it is when that process is gone
        or after :data:`DUPLICATE_WAIT_S`."""
        from openclaw.recovery import owner_alive

        store, clock = self.engine.store, asyncio.get_running_loop().time
        deadline = clock() + DUPLICATE_WAIT_S
        while result.get("status") == "running" and clock() < deadline:
            gone = not owner_alive(*await asyncio.to_thread(store.owner_of, run_id))
            if not gone:
                await asyncio.sleep(DUPLICATE_POLL_S)
            result = await asyncio.to_thread(store.get, run_id)  # read after the owner: a run just released is final
            if gone:
                break
        return result

    def drive(self, run_id: str, step: Callable[[], Awaitable[dict[str, Any]]]) -> asyncio.Task[dict[str, Any]]:
        """Carry a run on with ``step()`` in a service task, within the concurrency bound (recovery uses it too)."""
        task = self._spawn(self._run(step))
        self._inflight[run_id] = _InFlight(run_id, task)
        task.add_done_callback(lambda _t, key=run_id: self._inflight.pop(key, None))
        return task

    async def _run(self, step: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
        async with self._slots:
            started = time.perf_counter()
            result = await step()
        self.metrics.observe_result(result, latency_s=time.perf_counter() - started)
        return result

    def start_lease_renewal(self) -> None:
        """Keep the leases of every run this process holds alive, queued ones included, until :meth:`aclose`
        (so another replica never takes over a run that is only waiting for a slot here)."""
        self._renewer = asyncio.ensure_future(self._renew_leases())

    async def _renew_leases(self) -> None:
        engine = self.engine
        while True:
            await asyncio.sleep(engine.lease_s / 3)
            try:
                await asyncio.to_thread(engine.store.renew_all, owner=engine.owner, lease_s=engine.lease_s)
            except Exception:  # noqa: BLE001 - renewal must outlive one busy store
                log.exception("renewing run leases failed; retrying")

    async def recover(self) -> list[Any]:
        """Recover every run whose owner is gone, each in a service task; their outcomes (``Recovered``)."""
        from openclaw.recovery import owner_alive, recover_run

        rows = await asyncio.to_thread(self.engine.store.unsettled)
        outcomes: list[Any] = []

        async def one(row: dict[str, Any]) -> dict[str, Any]:
            outcome = await recover_run(self.engine, row)
            outcomes.append(outcome)
            if outcome.outcome == "skipped":
                if outcome.run_id not in self._skipped:
                    log.warning("run %s not recovered here: %s", outcome.run_id, outcome.detail)
                self._skipped.add(outcome.run_id)
            else:
                log.info("recovered run %s: %s (%s)", outcome.run_id, outcome.status, outcome.detail)
            return await asyncio.to_thread(self.engine.store.get, outcome.run_id)

        tasks = [self.drive(row["run_id"], lambda row=row: one(row)) for row in rows
                 if not owner_alive(row["owner"], row["lease_until"]) and row["run_id"] not in self._inflight]
        await asyncio.gather(*tasks, return_exceptions=True)
        return outcomes

    def stop_accepting(self) -> None:
        """Refuse new incidents from now on (SIGTERM); runs in flight go on until :meth:`aclose`."""
        self.closing = True

    def reject(self, error: str, *, raw_input: str | None, incident_id: str | None = None, raw: Any = None) -> str:
        """Record an input that could not become an incident; returns its run id."""
        result = self.engine.record_rejected(Rejected(raw=raw, error=error, incident_id=incident_id), raw_input=raw_input)
        self.metrics.observe_invalid()
        return result["run_id"]

    # --- runs ----------------------------------------------------------------------------

    async def get(self, run_id: str) -> dict[str, Any]:
        """The run result; RunNotFound says how to list runs over HTTP (no file paths). Read in a worker
        thread, like every store call of the service: no request waits behind a database round trip."""
        try:
            return await asyncio.to_thread(self.engine.store.get, run_id)
        except RunNotFound:
            raise RunNotFound(f"no run {run_id!r}; list runs with GET /v1/runs") from None

    async def list(self, *, limit: int, status: str | None) -> list[dict[str, Any]]:
        return await asyncio.to_thread(self.engine.store.list, limit=limit, status=status)

    async def decide(self, run_id: str, submit: Callable[[], Awaitable[Any]]) -> Any:
        """Apply one approval/rejection (``submit``) to a run, one at a time per run; count the resumed step."""
        lock = self._run_locks.setdefault(run_id, asyncio.Lock())
        async with lock:
            before = await asyncio.to_thread(self.engine.store.get, run_id)
            started = time.perf_counter()
            outcome = await submit()
            try:
                after = await asyncio.to_thread(self.engine.store.get, run_id)
            except RunNotFound:
                after = before
            if after.get("status") != before.get("status") or after.get("actions") != before.get("actions"):
                self.metrics.observe_result(after, previous=before, latency_s=time.perf_counter() - started)
        if len(self._run_locks) > 10_000:
            for key in [k for k, v in self._run_locks.items() if not v.locked()]:
                self._run_locks.pop(key, None)
        return outcome

    async def pending(self, run_id: str) -> list[dict[str, Any]]:
        """The run's actions waiting for sign-off, as the approval gate presents them (from the checkpoint)."""
        from openclaw.nodes.approval_gate import pending_view, waiting

        values = (await self.engine.checkpoint(run_id))["values"]
        return [pending_view(a) for a in waiting(values)] if values else []

    def pending_approvals(self) -> float:
        """Actions waiting for sign-off across every run in the store (one query at scrape time), said by the
        sweeper lease holder only: 0 on every other replica, so a sum over replicas counts each action once."""
        return float(self.engine.store.pending_approvals()) if self.leader else 0.0

    # --- expiry --------------------------------------------------------------------------

    async def expire_overdue(self, *, now: datetime | None = None) -> list[Any]:
        """End approval requests past their expiry, each run under its lock like an approval (and counted)."""
        from openclaw.signoff import overdue, settle

        return [
            await self.decide(run_id, lambda run_id=run_id: settle(self.engine, run_id, now=now))
            for run_id in await overdue(self.engine, now=now)
        ]

    async def start_sweeper(self, *, expiry_every_s: float, recover: bool = True,
                            recover_every_s: float = RECOVERY_EVERY_S) -> None:
        """Try for the sweeper lease now (so a single process reports as the holder from its first request),
        then run :meth:`sweep` in the background until :meth:`aclose`."""
        self.leader = await asyncio.to_thread(self._hold_sweeper_lease)
        self._sweeper = asyncio.ensure_future(self.sweep(expiry_every_s=expiry_every_s, recover=recover,
                                                         recover_every_s=recover_every_s))

    async def sweep(self, *, expiry_every_s: float, recover: bool = True,
                    recover_every_s: float = RECOVERY_EVERY_S) -> None:
        """While this process holds the sweeper lease: recover the runs of dead processes (at once on taking
        the lease, then every ``recover_every_s``; not with ``recover=False``) and end expired requests every
        ``expiry_every_s`` (0: never). Any replica takes the lease over when its holder is gone. A failed
        sweep is logged and retried."""
        tick = SWEEPER_LEASE_S / 3
        if expiry_every_s > 0:
            tick = min(tick, expiry_every_s)
        clock = asyncio.get_running_loop().time
        next_expiry = next_recovery = 0.0
        was_leader = False
        try:
            while True:
                if was_leader or not self.leader:  # the first round uses the answer start_sweeper got
                    self.leader = await asyncio.to_thread(self._hold_sweeper_lease)
                if self.leader and not was_leader:
                    log.info("this process runs the sweeps now (it holds %s)", SWEEPER_LEASE)
                    next_expiry, next_recovery = clock() + expiry_every_s, clock()
                if self.leader:
                    if recover and clock() >= next_recovery:
                        next_recovery = clock() + recover_every_s
                        await self._guarded(self.recover, "recovery")
                    if expiry_every_s > 0 and clock() >= next_expiry:
                        next_expiry = clock() + expiry_every_s
                        await self._guarded(self.expire_overdue, "approval expiry sweep")
                was_leader = self.leader
                await asyncio.sleep(tick)
        finally:
            if self.leader:
                self.leader = False
                await asyncio.to_thread(self.engine.storage.locks.release, SWEEPER_LEASE, owner=self.engine.owner)

    def _hold_sweeper_lease(self) -> bool:
        """Take or renew the sweeper lease; a lease held by a process of this host that is gone is taken over."""
        from openclaw.recovery import owner_alive

        locks, me = self.engine.storage.locks, self.engine.owner
        try:
            held = locks.try_acquire(SWEEPER_LEASE, owner=me, ttl_s=SWEEPER_LEASE_S)
            if held is not None and not owner_alive(held[0], held[1]):
                locks.release(SWEEPER_LEASE, owner=held[0])
                held = locks.try_acquire(SWEEPER_LEASE, owner=me, ttl_s=SWEEPER_LEASE_S)
        except OpenClawError:
            log.exception("the sweeper lease could not be renewed; retrying")
            return False
        return held is None

    async def _guarded(self, sweep: Callable[[], Awaitable[Any]], what: str) -> None:
        try:
            await sweep()
        except Exception:  # noqa: BLE001 - the sweep must outlive one bad run
            log.exception("%s failed; retrying", what)

    # --- tasks ---------------------------------------------------------------------------

    def _spawn(self, coro: Awaitable[Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(_log_failure)
        return task

    def spawn(self, coro: Awaitable[Any]) -> asyncio.Task[Any]:
        """Run ``coro`` in a task the service owns (awaited or cancelled on shutdown)."""
        return self._spawn(coro)

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    async def aclose(self) -> None:
        """Stop accepting and the expiry sweep; wait up to ``grace_s`` for runs in flight, then cancel the
        rest (each keeps its last checkpoint and its ``running`` record: recovery finishes it)."""
        self.closing = True
        for background in (self._sweeper, self._renewer):
            if background is not None:
                background.cancel()
                await asyncio.gather(background, return_exceptions=True)
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=self.grace_s)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


def _log_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("a run task failed", exc_info=task.exception())
