"""Exactly-once and mutual exclusion on top of any ledger and lock table.

**Idempotency.** The ledger's key is ``(run_id, digest)``. A record is written as
``in_progress`` *before* the action runs and completed with its outcome after it. A replay or
a resumed run that claims the same key gets the recorded outcome back (``state="done"``) and
never calls the cluster again.

**Crashed claims.** A record still ``in_progress`` means another process is running the action
right now, or crashed between the call and ``complete()``. Its outcome is unknown: the mutation
may or may not have reached the API server. OpenClaw never re-runs such a mutation blindly.
:meth:`RunOnce.run_once` reports it as ``failed`` with "outcome unknown; check the deployment
before retrying" and leaves the record as it is, so every later replay says the same thing until
a person looks. Read-only actions have nothing to lose by running twice: they are claimed again.

**Intent.** A claim may carry what the action is about to do (the tool, its arguments, the mode
and, for a restart, the ``restartedAt`` stamp it will write), so recovery can reconcile a record
left ``in_progress`` by reading the cluster instead of guessing.

**Locks** are leases: one row per target (e.g. a deployment's API path) with its owner and an
expiry (wall clock, seconds). A lock whose holder crashed expires after ``ttl_s``. Locks are not
re-entrant: the same owner acquiring twice refreshes the expiry, and the first release frees it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from openclaw.errors import ExecutionError, StoreError
from openclaw.storage.records import UNKNOWN_OUTCOME, Claim, Recorded


def encode_outcome(run_id: str, digest: str, result: dict[str, Any]) -> str:
    """An action's outcome as the ledger keeps it (sorted JSON); StoreError when it is not JSON."""
    try:
        return json.dumps(result, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise StoreError(f"the result of action {digest} in run {run_id} is not JSON: {exc}") from exc


class RunOnce:
    """``run_once`` for a ledger that has ``claim`` and ``complete``."""

    def claim(self, run_id: str, digest: str, *, owner: str, takeover: bool = False,
              intent: dict[str, Any] | None = None) -> Claim:
        raise NotImplementedError

    def complete(self, run_id: str, digest: str, *, status: str, result: dict[str, Any]) -> None:
        raise NotImplementedError

    def run_once(
        self,
        run_id: str,
        digest: str,
        *,
        owner: str,
        mutating: bool,
        fn: Callable[[], tuple[str, dict[str, Any]]],
        intent: dict[str, Any] | None = None,
    ) -> Recorded:
        """Claim, run ``fn() -> (status, result)``, complete; or return what was recorded.

        An ``in_progress`` record of a mutating action is reported as ``failed`` with
        "outcome unknown" and ``fn`` is not called (see the module docstring). If ``fn``
        raises, the action is completed as ``failed`` with "outcome unknown" and the
        exception propagates.
        """
        claim = self.claim(run_id, digest, owner=owner, takeover=not mutating, intent=intent)
        if claim.state == "done":
            return Recorded(claim.status or "failed", claim.result or {}, replayed=True)
        if claim.state == "in_progress":
            return Recorded("failed", claim.unknown_outcome(), replayed=True)
        try:
            status, result = fn()
        except BaseException as exc:
            self.complete(
                run_id, digest, status="failed",
                result={"error": f"{UNKNOWN_OUTCOME} (the executor raised {type(exc).__name__}: {exc})",
                        "status": None, "outcome_unknown": True},
            )
            raise
        self.complete(run_id, digest, status=status, result=result)
        return Recorded(status, result, replayed=False)


class HoldLock:
    """``hold`` for a lock table that has ``try_acquire`` and ``release``."""

    poll_interval_s = 0.05

    def try_acquire(self, target: str, *, owner: str, ttl_s: float = 300.0) -> tuple[str, float] | None:
        raise NotImplementedError

    def release(self, target: str, *, owner: str) -> None:
        raise NotImplementedError

    @contextmanager
    def hold(self, target: str, *, owner: str, ttl_s: float = 300.0, wait_s: float = 0.0) -> Iterator[None]:
        """Hold the lock on ``target`` for the ``with`` block, waiting up to ``wait_s`` seconds.

        Raises ExecutionError naming the holder when the lock stays taken.
        """
        deadline = time.monotonic() + wait_s
        while True:
            held = self.try_acquire(target, owner=owner, ttl_s=ttl_s)
            if held is None:
                break
            if time.monotonic() >= deadline:
                holder, expires_at = held
                left = max(0.0, expires_at - time.time())
                raise ExecutionError(
                    f"{target} is locked by {holder} (another run is changing it; the lock expires in "
                    f"{left:.0f} s); wait for that run to finish, then retry"
                )
            time.sleep(self.poll_interval_s)
        try:
            yield
        finally:
            self.release(target, owner=owner)
