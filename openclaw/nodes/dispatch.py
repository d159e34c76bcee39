"""Carrying out one approved action: Kubernetes operations and Telegram alerts, exactly once.

Modes (``ActionRunner.mode``):

- ``plan`` (no cluster configured): records the exact API calls an action would make;
  status ``planned``.
- ``dry_run`` (a cluster, the default): reads run for real (``executed``); mutations go to
  the API server with ``dryRun=All`` (``dry_run``).
- ``apply`` (``--apply`` or ``mode: apply`` in configs/executor.yaml): mutations are
  applied after a server-side dry run, then the rollout is verified (``executed``).

``send_alert`` goes to Telegram in every mode, or is ``planned`` without a bot token.

**Exactly once.** With a ledger, every action is keyed by ``(run_id, digest)``: the
record is written before the call and completed after it (see
``openclaw.storage.ports.Ledger.run_once``). Resuming or replaying a run returns
the recorded outcome (``Outcome.replayed``) and never calls the cluster again; a
mutation whose earlier attempt never completed is reported failed ("outcome
unknown"), not re-sent. Mutations also hold a per-deployment lock named after the
run (the executor's ``locks``), so two runs never change one deployment at once.

The blocking work (Kubernetes client, SQLite, httpx) runs in a worker thread
(``asyncio.to_thread``) so the event loop is never blocked.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from dataclasses import dataclass, field
from typing import Any, Literal

from openclaw.errors import ExecutionError, StoreError
from openclaw.kube.plan import DEFAULT_LOG_MAX_BYTES, planned_calls, resolve, restarted_at
from openclaw.storage.records import UNKNOWN_OUTCOME

Mode = Literal["plan", "dry_run", "apply"]


@dataclass
class Outcome:
    """What one action did. ``exchanges``: the API/Bot API requests with their answers.

    ``replayed``: the outcome came from the idempotency ledger (nothing was sent now).
    """

    status: str
    result: dict[str, Any]
    exchanges: list[dict[str, Any]] = field(default_factory=list)
    replayed: bool = False


class ActionRunner:
    """Runs typed actions in the configured mode. ``identity`` names the cluster approvers sign for.

    ``kube``: an ``openclaw.kube.executor.KubeExecutor`` (required unless ``mode="plan"``);
    ``notifier``: an ``openclaw.notify.telegram.TelegramNotifier`` (None: alerts are planned);
    ``ledger``: an ``openclaw.storage.ports.Ledger`` (None: no exactly-once bookkeeping);
    ``log_max_bytes``: the log bound plan mode records for get_logs, in bytes.
    """

    def __init__(
        self,
        *,
        mode: Mode = "plan",
        kube: Any = None,
        notifier: Any = None,
        identity: str | None = None,
        ledger: Any = None,
        log_max_bytes: int = DEFAULT_LOG_MAX_BYTES,
    ) -> None:
        if mode != "plan" and kube is None:
            raise ValueError(f"mode {mode!r} needs a Kubernetes executor")
        self.mode = mode
        self.kube = kube
        self.notifier = notifier
        self.identity = identity or "plan:no-cluster"
        self.ledger = ledger
        self.log_max_bytes = log_max_bytes

    def close(self) -> None:
        """Close the cluster connection, if any (idempotent)."""
        cluster = getattr(self.kube, "cluster", None)
        if cluster is not None:
            cluster.close()

    async def run(
        self,
        tool: str,
        args: dict[str, Any],
        *,
        namespace: str,
        incident_id: str | None,
        run_id: str | None = None,
        digest: str | None = None,
    ) -> Outcome:
        """Run one action once. With ``run_id`` and ``digest`` (and a ledger) a repeat returns the record.

        ``namespace`` fills actions that name none (the incident's); never raises for an
        action that fails: status ``failed`` with ``result["error"]`` saying why.
        """
        if self.ledger is None or not run_id or not digest or not self._side_effect(tool):
            return await asyncio.to_thread(self._attempt, tool, args, namespace, incident_id, run_id)
        return await asyncio.to_thread(self._once, tool, args, namespace, incident_id, run_id, digest)

    def current_replicas(self, namespace: str, deployment: str) -> int | None:
        """The deployment's desired replicas, one real GET; None in plan mode or when it has no count.

        Raises LookupError naming the cause when the read fails (e.g. the deployment does not
        exist, RBAC). Blocking (bounded by the executor's request timeout and retries): from
        async code use :meth:`acurrent_replicas`.
        """
        if self.mode == "plan":
            return None
        args = {"resource": "deployments", "namespace": namespace, "name": deployment}
        out = self.kube.execute("kubectl_get", args, mode="dry_run", default_namespace=namespace)
        if out.status != "executed":
            raise LookupError(f"reading deployment {namespace}/{deployment} failed: "
                              f"{(out.result or {}).get('error') or out.status}")
        desired = (out.result.get("item") or {}).get("desired")
        return desired if isinstance(desired, int) else None

    async def acurrent_replicas(self, namespace: str, deployment: str) -> int | None:
        """:meth:`current_replicas` in a worker thread, for the event loop."""
        if self.mode == "plan":
            return None
        return await asyncio.to_thread(self.current_replicas, namespace, deployment)

    # --- in the worker thread ------------------------------------------------------------

    def _once(self, tool: str, args: dict[str, Any], namespace: str, incident_id: str | None, run_id: str,
              digest: str) -> Outcome:
        ran: list[Outcome] = []
        now = dt.datetime.now(dt.UTC)
        intent: dict[str, Any] = {"tool": tool, "args": args, "namespace": namespace, "mode": self.mode}
        if tool != "send_alert":
            intent["restarted_at"] = restarted_at(now)  # the stamp a restart writes: how recovery recognises it

        def fn() -> tuple[str, dict[str, Any]]:
            ran.append(self._attempt(tool, args, namespace, incident_id, run_id, now=now))
            return ran[0].status, ran[0].result

        try:
            recorded = self.ledger.run_once(run_id, digest, owner=f"{run_id} (pid {os.getpid()})",
                                            mutating=self._mutating(tool, args, namespace), fn=fn, intent=intent)
        except StoreError as exc:
            if ran:  # the action ran but its outcome could not be recorded
                out = ran[0]
                return Outcome(out.status, {**out.result, "ledger_error": str(exc)}, out.exchanges)
            return Outcome("failed", {"error": f"not run: the idempotency ledger is unusable: {exc}",
                                      "status": None})
        if recorded.replayed or not ran:
            return Outcome(recorded.status, recorded.result, [], replayed=True)
        return ran[0]

    def reconcile(self, intent: dict[str, Any] | None) -> tuple[str, dict[str, Any]] | None:
        """The outcome of an action whose ledger record was left ``in_progress`` (its process died), from the
        cluster as it is now; nothing is re-sent. ``(status, result)``, for ``ActionLedger.complete``.

        An apply is ``executed`` when the deployment carries what the action wrote (the restart's
        ``restartedAt`` stamp, the replicas it set) and the rollout verifies, else ``failed``; an
        interrupted dry run changed nothing and is ``failed`` with that reason. None for a read or an
        alert: running those again is harmless, so the execute node claims them again itself."""
        if intent and (intent.get("tool") == "send_alert"
                       or not self._mutating(intent["tool"], intent.get("args") or {}, intent.get("namespace") or "")):
            return None
        if not intent:
            return "failed", {"error": f"{UNKNOWN_OUTCOME} (the process died before it completed)",
                              "status": None, "outcome_unknown": True}
        if intent.get("mode") != "apply":
            return "failed", {"error": f"interrupted during a {intent.get('mode')} run (the process died); nothing "
                              "was changed in the cluster", "status": None, "applied": False, "reconciled": True}
        if self.kube is None or self.mode != "apply":
            raise ExecutionError("reconciling an interrupted apply needs the cluster it was applied to: recover "
                                 "with --apply (and the same KUBECONFIG and --context)")
        out = self.kube.reconcile(intent["tool"], intent.get("args") or {}, default_namespace=intent.get("namespace"),
                                  restarted_at=intent.get("restarted_at"))
        return out.status, {**out.result, "reconciled": True}

    def _side_effect(self, tool: str) -> bool:
        """Whether running ``tool`` reaches the outside world (a plan or a token-less alert does not:
        such actions need no idempotency record, and skipping it saves a durable write per action)."""
        if tool == "send_alert":
            return bool(getattr(self.notifier, "configured", False))
        return self.mode != "plan"

    def _mutating(self, tool: str, args: dict[str, Any], namespace: str) -> bool:
        if tool == "send_alert":
            return False
        try:
            return resolve(tool, args, default_namespace=namespace).mutating
        except ExecutionError:
            return False  # refused before any request: nothing to protect

    def _attempt(self, tool: str, args: dict[str, Any], namespace: str, incident_id: str | None,
                 run_id: str | None, *, now: dt.datetime | None = None) -> Outcome:
        try:
            if tool == "send_alert":
                return self._alert(args, incident_id)
            if self.mode == "plan":
                calls = planned_calls(tool, args, default_namespace=namespace, log_max_bytes=self.log_max_bytes)
                return Outcome("planned", {"mode": "plan", "calls": calls})
            out = self.kube.execute(tool, args, mode=self.mode, lock_owner=run_id, default_namespace=namespace, now=now)
            return Outcome(out.status, out.result, list(out.exchanges))
        except ExecutionError as exc:
            return Outcome("failed", {"error": str(exc), "status": None})

    def _alert(self, args: dict[str, Any], incident_id: str | None) -> Outcome:
        if self.notifier is None:
            return Outcome("planned", {"mode": "plan", "channel": "telegram", "note": "no notifier configured"})
        out = self.notifier.send(
            severity=args["severity"],
            message=args["message"],
            incident_id=args.get("incident_id") or incident_id,
        )
        return Outcome(out.status, out.result, list(out.exchanges))
