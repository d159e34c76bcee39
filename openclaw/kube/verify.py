"""Waiting, within a bound, for a deployment's rollout to progress after a mutation.

The checks mirror ``kubectl rollout status``: the controller has seen the new
generation (``status.observedGeneration >= metadata.generation``), then all desired
replicas are updated, no old replicas remain, and all are available. A
``Progressing`` condition with reason ``ProgressDeadlineExceeded`` is a failure.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Literal

Outcome = Literal["succeeded", "timeout", "failed"]


def rollout_state(obj: dict[str, Any], *, generation: int | None) -> tuple[Outcome | None, str, dict[str, Any]]:
    """``(outcome or None while in progress, human text, numbers)`` for one observation."""
    meta, spec, status = obj.get("metadata") or {}, obj.get("spec") or {}, obj.get("status") or {}
    want_gen = generation if generation is not None else meta.get("generation")
    desired = 1 if spec.get("replicas") is None else int(spec["replicas"])
    observed = status.get("observedGeneration")
    updated = int(status.get("updatedReplicas") or 0)
    available = int(status.get("availableReplicas") or 0)
    total = int(status.get("replicas") or 0)
    numbers = {"generation": want_gen, "observed_generation": observed, "desired": desired,
               "updated": updated, "available": available, "replicas": total}
    for cond in status.get("conditions") or []:
        if cond.get("type") == "Progressing" and cond.get("reason") == "ProgressDeadlineExceeded":
            return "failed", f"rollout failed: {cond.get('message') or 'progress deadline exceeded'}", numbers
    if want_gen is not None and (observed is None or int(observed) < int(want_gen)):
        return None, f"waiting for the controller to observe generation {want_gen} (observed: {observed})", numbers
    if updated < desired:
        return None, f"{updated} of {desired} replicas updated", numbers
    if total > updated:
        return None, f"{total - updated} old replicas pending termination", numbers
    if available < desired:
        return None, f"{available} of {desired} updated replicas available", numbers
    return "succeeded", f"rollout complete: {available}/{desired} available", numbers


def wait_for_rollout(
    fetch: Callable[[], dict[str, Any]],
    *,
    generation: int | None,
    timeout_s: float,
    poll_interval_s: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Poll ``fetch()`` until the rollout of ``generation`` succeeds, fails, or ``timeout_s`` passes.

    Returns ``{"outcome", "message", "polls", "waited_s", **numbers}``. ``fetch`` may
    raise KubeError; the caller decides what that means.
    """
    start = clock()
    polls = 0
    while True:
        polls += 1
        outcome, text, numbers = rollout_state(fetch(), generation=generation)
        waited = round(clock() - start, 3)
        if outcome is not None:
            return {"outcome": outcome, "message": text, "polls": polls, "waited_s": waited, **numbers}
        if waited >= timeout_s:
            return {"outcome": "timeout", "polls": polls, "waited_s": waited, **numbers,
                    "message": f"rollout did not complete within {timeout_s:g} s: {text}; "
                               "check it with kubectl rollout status before acting again"}
        sleep(min(poll_interval_s, max(0.0, timeout_s - waited)))
