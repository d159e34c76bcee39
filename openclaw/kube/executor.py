"""The only part of OpenClaw that changes a cluster: run one approved action, report what happened.

Modes (``mode``):

- ``dry_run``: mutations are sent with ``dryRun=All`` (the API server validates and
  admits them, nothing changes); status ``dry_run``.
- ``apply``: under the target's lock, the same mutation first runs as a server-side
  dry run (a missing target is a clear 404 failure here, never retried), then for
  real, then the rollout is verified within ``verify_timeout_s``; status ``executed``
  when the rollout completes, ``failed`` (with ``applied: true`` and an error that
  starts with ``APPLIED, but``) when it fails or times out, so the caller raises an
  alert and nobody re-runs it blindly. The lock is renewed (same owner, ``lock_ttl_s``
  again) before the real patch and before every verification read, so a long
  verification never outlives it; a lock lost in between fails the action (before the
  patch: nothing applied).

Reads run for real in both modes; status ``executed``. Every tool is run the same way
from its declaration in ``openclaw.tools``: the requests it makes, the object a mutation
locks and verifies (``target``), a read's one follow-up (``refine``: ``get_logs`` asks
for fewer lines when the server's byte cap cut the newest) and the summary of the
response. ``get_logs`` keeps the *last* ``log_max_bytes`` bytes of the log, from a line
boundary, and says what it dropped (``truncated``, ``dropped_lines``, ``dropped_bytes``,
``note``). Plan mode (no cluster) does not need an executor: see
``openclaw.kube.plan.planned_calls``.

``execute`` never raises for API or argument errors: it returns status ``failed``
with ``result = {"error": "...", "status": <HTTP status or None>, ...}``.
"""

from __future__ import annotations

import datetime as dt
import os
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from openclaw.errors import ExecutionError, KubeError
from openclaw.kube.access import Cluster
from openclaw.kube.errors import Target
from openclaw.kube.operations import ApiSession
from openclaw.kube.plan import (
    DEFAULT_NAMESPACE,
    RESTARTED_AT,
    ApiCall,
    ResolvedAction,
    build_calls,
    deployment_path,
    resolve,
)
from openclaw.kube.verify import wait_for_rollout
from openclaw.tools import TOOLS
from openclaw.tools.base import CallContext


@dataclass(frozen=True)
class ExecOutcome:
    """What really happened. ``exchanges``: every API request with its response or error."""

    status: Literal["executed", "dry_run", "failed"]
    result: dict[str, Any]
    exchanges: list[dict[str, Any]]


class Locks(Protocol):
    """What the executor needs from ``openclaw.storage.ports.Locks``."""

    def hold(self, target: str, *, owner: str, ttl_s: float = ..., wait_s: float = ...) -> AbstractContextManager[None]:
        ...

    def try_acquire(self, target: str, *, owner: str, ttl_s: float = ...) -> tuple[str, float] | None:
        """Take or (same owner) extend the lock; ``(holder, expires_at)`` when another run has it."""
        ...


class KubeExecutor:
    """Executes typed tool calls (and parsed ``kubectl_execute``) against one cluster."""

    def __init__(
        self,
        cluster: Cluster,
        *,
        verify_timeout_s: float = 60.0,
        poll_interval_s: float = 1.0,
        log_max_bytes: int = 65536,
        max_retries: int = 3,
        backoff_s: float = 0.5,
        default_namespace: str = DEFAULT_NAMESPACE,
        locks: Locks | None = None,
        lock_ttl_s: float = 300.0,
        lock_wait_s: float = 0.0,
        request_timeout_s: float = 30.0,
    ) -> None:
        self.cluster = cluster
        self.verify_timeout_s = verify_timeout_s
        self.poll_interval_s = poll_interval_s
        self.log_max_bytes = log_max_bytes
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.default_namespace = default_namespace
        self.locks = locks
        self.lock_ttl_s = lock_ttl_s
        self.lock_wait_s = lock_wait_s
        self.request_timeout_s = request_timeout_s

    def lock_target(self, namespace: str, deployment: str) -> str:
        """The lock name of a deployment: its API URL on this cluster's server."""
        return f"{self.cluster.server}{deployment_path(namespace, deployment)}"

    def execute(
        self,
        tool: str,
        args: dict[str, Any],
        *,
        mode: Literal["dry_run", "apply"],
        lock_owner: str | None = None,
        now: dt.datetime | None = None,
        default_namespace: str | None = None,
    ) -> ExecOutcome:
        """Run one action.

        ``default_namespace`` (e.g. the incident's) overrides the executor's for actions that
        name none; ``lock_owner`` names the run in lock messages; ``now`` fixes the restart time.
        """
        namespace = default_namespace or self.default_namespace
        started = self._start(tool, args, namespace)
        if isinstance(started, ExecOutcome):
            return started
        session, action = started
        base: dict[str, Any] = {"tool": action.tool, "args": action.args}
        if action.command is not None:
            base["command"] = action.command
        spec = TOOLS[action.tool]
        ctx = CallContext(default_namespace=namespace, now=now, log_max_bytes=self.log_max_bytes)
        calls = build_calls(action, default_namespace=namespace, now=now, log_max_bytes=self.log_max_bytes)
        applied = False
        try:
            if not action.mutating:
                call, body = calls[0], session.send(calls[0])
                call, body = self._refined(session, action, call, body, ctx)
                return ExecOutcome("executed", {**base, **self._summary(action, call, body, ctx)},
                                   session.exchanges)
            call = calls[0]
            if mode == "dry_run":
                body = session.send(call.with_dry_run())
                return ExecOutcome("dry_run", {**base, "dry_run": True, **self._summary(action, call, body, ctx)},
                                   session.exchanges)
            if mode != "apply":
                raise ExecutionError(f"unknown mode {mode!r}; use 'dry_run' or 'apply'")
            if spec.target is None:
                raise ExecutionError(f"{action.tool} declares no target object to lock and verify")
            obj = spec.target(action.args)
            ns, name = obj.namespace, obj.name
            owner = lock_owner or f"pid-{os.getpid()}"
            target = f"{self.cluster.server}{obj.path()}"
            lock = (self.locks.hold(target, owner=owner, ttl_s=self.lock_ttl_s, wait_s=self.lock_wait_s)
                    if self.locks else nullcontext())

            def renew() -> None:
                # The lock is extended before every request that follows the first, so its TTL only has
                # to cover one request with its retries (ExecutorConfig checks that), not the whole action.
                if self.locks is None:
                    return
                held = self.locks.try_acquire(target, owner=owner, ttl_s=self.lock_ttl_s)
                if held is not None:
                    raise ExecutionError(f"the lock on {target} expired and was taken by {held[0]} (lock_ttl_s="
                                         f"{self.lock_ttl_s:g} s was shorter than one request with its "
                                         "retries); raise lock_ttl_s in configs/executor.yaml")

            def fetch() -> Any:
                renew()
                return session.send(get)

            get = ApiCall("GET", obj.path(), target=Target("get", obj.resource.plural, ns, name))
            with lock:
                session.send(call.with_dry_run())
                renew()
                body = session.send(call)
                applied = True
                verification = wait_for_rollout(fetch, generation=None, timeout_s=self.verify_timeout_s,
                                                poll_interval_s=self.poll_interval_s)
            result = {**base, "applied": True, **self._summary(action, call, body, ctx),
                      "verification": verification}
            if verification["outcome"] != "succeeded":
                result.update(error=f"APPLIED, but not verified: {action.tool} of {ns}/{name} was applied and "
                                    f"{verification['message']}; do not re-run it blindly", status=None)
                return ExecOutcome("failed", result, session.exchanges)
            return ExecOutcome("executed", result, session.exchanges)
        except (KubeError, ExecutionError) as exc:
            result = {**base, "error": str(exc), "status": getattr(exc, "status", None),
                      "error_type": type(exc).__name__}
            if action.mutating:
                result["applied"] = applied
                if applied:
                    result["error"] = (f"APPLIED, but verifying the rollout failed: {action.tool} was applied; "
                                       f"{exc}; check the deployment before re-running it")
            return ExecOutcome("failed", result, session.exchanges)

    def _start(self, tool: str, args: dict[str, Any], namespace: str) -> tuple[ApiSession, ResolvedAction] | ExecOutcome:
        """A session for one action and the action resolved, or the failed outcome of an action refused as given."""
        try:
            action = resolve(tool, args, default_namespace=namespace)
        except ExecutionError as exc:
            return ExecOutcome("failed", {"tool": tool, "error": str(exc), "status": None}, [])
        session = ApiSession(self.cluster, max_retries=self.max_retries, backoff_s=self.backoff_s,
                             request_timeout_s=self.request_timeout_s)
        return session, action

    def reconcile(self, tool: str, args: dict[str, Any], *, default_namespace: str | None = None,
                  restarted_at: str | None = None) -> ExecOutcome:
        """What became of a mutation whose process died mid-way, read from the cluster; nothing is re-sent.

        Applied when the deployment carries what the action wrote: a restart's ``restartedAt`` stamp
        (``restarted_at``, recorded before the request), a scale's replica count. Applied: the rollout
        is verified (``executed``, or ``failed`` "APPLIED, but not verified"). Not applied: ``failed``
        with ``applied: false``; a person decides whether to run it again."""
        started = self._start(tool, args, default_namespace or self.default_namespace)
        if isinstance(started, ExecOutcome):
            return started
        session, action = started
        base: dict[str, Any] = {"tool": action.tool, "args": action.args}
        if not action.mutating:
            return ExecOutcome("failed", {**base, "error": "a read has nothing to reconcile", "status": None}, [])
        ns, name = action.args["namespace"], action.args["deployment"]
        get = ApiCall("GET", deployment_path(ns, name), target=Target("get", "deployments", ns, name))
        try:
            body = session.send(get)
            body = body if isinstance(body, dict) else {}
            if action.tool == "scale_deployment":
                seen = (body.get("spec") or {}).get("replicas")
                applied, what = seen == action.args["replicas"], f"spec.replicas is {seen}"
            else:
                annotations = ((((body.get("spec") or {}).get("template") or {}).get("metadata") or {})
                               .get("annotations")) or {}
                seen = annotations.get(RESTARTED_AT)
                applied = restarted_at is not None and seen == restarted_at
                what = f"{RESTARTED_AT} is {seen!r}, this run's stamp {restarted_at!r}"
            if not applied:
                return ExecOutcome("failed", {**base, "applied": False, "status": None, "error": (
                    f"not applied: the process died before {action.tool} of {ns}/{name} took effect ({what}); "
                    "nothing was re-sent: run it again deliberately if it is still needed")}, session.exchanges)
            verification = wait_for_rollout(lambda: session.send(get), generation=None,
                                            timeout_s=self.verify_timeout_s, poll_interval_s=self.poll_interval_s)
        except (KubeError, ExecutionError) as exc:
            return ExecOutcome("failed", {**base, "status": getattr(exc, "status", None), "error": (
                f"outcome unknown: reading {ns}/{name} to reconcile the interrupted {action.tool} failed: {exc}; "
                "check the deployment before retrying")}, session.exchanges)
        result = {**base, "applied": True, **_applied_result(action, body), "verification": verification}
        if verification["outcome"] != "succeeded":
            result.update(error=f"APPLIED, but not verified: {action.tool} of {ns}/{name} was applied (found after "
                                f"its process died) and {verification['message']}; do not re-run it blindly",
                          status=None)
            return ExecOutcome("failed", result, session.exchanges)
        return ExecOutcome("executed", result, session.exchanges)

    @staticmethod
    def _refined(session: ApiSession, action: ResolvedAction, call: ApiCall, body: Any,
                 ctx: CallContext) -> tuple[ApiCall, Any]:
        """A read the tool wants to ask once more (get_logs: the server's byte cap cut the newest lines)."""
        refine = TOOLS[action.tool].refine
        smaller = refine(call.request, body, ctx) if refine is not None and call.request is not None else None
        if smaller is None:
            return call, body
        again = ApiCall.of(smaller)
        return again, session.send(again)

    @staticmethod
    def _summary(action: ResolvedAction, call: ApiCall, body: Any, ctx: CallContext) -> dict[str, Any]:
        summarize = TOOLS[action.tool].summarize
        if summarize is None or call.request is None:
            return {}
        return summarize(action.args, call.request, body, ctx)


def _applied_result(action: ResolvedAction, body: dict[str, Any]) -> dict[str, Any]:
    """What a reconciled mutation left on the deployment: the replicas, or the restart stamp and the rollout."""
    from openclaw.tools import objects

    if action.tool == "scale_deployment":
        return {"replicas": (body.get("spec") or {}).get("replicas")}
    annotations = ((((body.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("annotations")) or {}
    return {"restarted_at": annotations.get(RESTARTED_AT), "deployment": objects.deployment(body)}
