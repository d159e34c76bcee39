"""Stand-ins that make a replay deterministic and side-effect free.

:class:`ReplayRouter` reproduces the attempts that never reached a vendor's HTTP API
(no credentials, circuit open, over budget) exactly as recorded; everything else goes
through the real providers, whose HTTP transport answers from the recording.
:class:`RecordedExecutor` hands back each action's recorded outcome instead of
touching a cluster or Telegram.
"""

from __future__ import annotations

from collections import defaultdict, deque
from typing import Any

from openclaw.config.routing import ModelRef
from openclaw.nodes.dispatch import Outcome
from openclaw.providers.router import AttemptResult, Router, attempt_record

FORCED_OUTCOMES = frozenset({"unavailable", "circuit_open", "budget_exceeded"})
"""Outcomes decided before any HTTP request: replayed from the record, not re-derived."""


class ReplayRouter(Router):
    """A router that replays the recorded pre-flight failures of each node, in order."""

    def __init__(self, registry: Any, recorded_attempts: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(registry, **kwargs)
        self._recorded: dict[str, deque[dict[str, Any]]] = defaultdict(deque)
        for attempt in recorded_attempts:
            if attempt["provider"] != "rules":
                self._recorded[attempt["node"]].append(attempt)

    def skip_unconfigured(self, node: str, chain: list[ModelRef], index: int) -> tuple[list[dict[str, Any]], int]:
        """The vendors the original run found unconfigured at this point, as recorded."""
        import time

        queue, records = self._recorded[node], []
        while (index < len(chain) and queue and queue[0]["outcome"] == "unavailable"
               and queue[0]["provider"] == chain[index].provider and not self.registry.configured(chain[index].provider)):
            expected = queue.popleft()
            records.append(attempt_record(node, chain[index], "unavailable", time.perf_counter(), expected["error"]))
            index += 1
        return records, index

    async def attempt(self, node: str, chain: list[ModelRef], index: int, ask: Any, **kwargs: Any) -> AttemptResult[Any]:
        queue = self._recorded[node]
        expected = queue[0] if queue else None
        if expected is not None and expected["provider"] == chain[index].provider:
            queue.popleft()
            if expected["outcome"] in FORCED_OUTCOMES:
                import time

                record = attempt_record(node, chain[index], expected["outcome"], time.perf_counter(), expected["error"])
                return AttemptResult(None, [record], index + 1)
        return await super().attempt(node, chain, index, ask, **kwargs)


class RecordedExecutor:
    """Returns the recorded outcome of each action; an action the recording lacks is not run."""

    mode = "replay"

    def __init__(self, recorded_actions: list[dict[str, Any]], *, identity: str, recorded_mode: str | None = None) -> None:
        self.identity = identity
        self.recorded_mode = recorded_mode
        """The mode the original run had (plan, dry_run, apply): an alert's evidence rounds depend on it."""
        self._unused = [a for a in recorded_actions if a.get("tool")]

    async def run(self, tool: str, args: dict[str, Any], **_: Any) -> Outcome:
        for i, action in enumerate(self._unused):
            if action["tool"] == tool and action.get("tool_args") == args and action["status"] != "awaiting_approval":
                del self._unused[i]
                return Outcome(action["status"], action.get("result") or {}, list(action.get("exchanges") or []), True)
        return Outcome("skipped", {"replay": f"not run: the recording has no executed {tool} with these arguments"})

    def current_replicas(self, namespace: str, deployment: str) -> int | None:
        return None

    async def acurrent_replicas(self, namespace: str, deployment: str) -> int | None:
        return None

    def close(self) -> None:
        return None


class RecordedFacts:
    """The anti-flapping history and replica counts the original trust node saw, served in the same order.

    Used as ``PipelineContext.history`` and ``.current_replicas`` in an exact replay, so a verdict that
    depended on the run store or on the cluster is judged on the same facts again.
    """

    def __init__(self, recorded_actions: list[dict[str, Any]], *, clock: Any) -> None:
        from openclaw.trust.actions import ProposedAction
        from openclaw.trust.facts import target_of

        self._clock = clock
        self._history: dict[str, deque[tuple[int, float | None]]] = defaultdict(deque)
        self._replicas: dict[tuple[str, str], deque[tuple[int | None, bool]]] = defaultdict(deque)
        seen: dict[str, int] = defaultdict(int)
        for action in recorded_actions:
            facts = action.get("facts")
            if not facts or not action.get("tool"):
                continue
            proposed = ProposedAction(action["name"], action["args"], action["tool"], action.get("tool_args") or {})
            target = target_of(proposed)
            if target is not None:
                # The trust node adds earlier mutations of the same decision itself: take them out again.
                stored = max(0, int(facts.get("recent_actions") or 0) - seen[target])
                age = facts.get("last_action_age_s") if not seen[target] else None
                self._history[target].append((stored, age))
                seen[target] += 1
            if action["tool"] == "scale_deployment":
                args = action.get("tool_args") or {}
                self._replicas[(args.get("namespace"), args.get("deployment"))].append(
                    (facts.get("current_replicas"), bool(facts.get("replicas_lookup_failed")),
                     facts.get("replicas_lookup_error")))

    def recent(self, target: str, since: float) -> Any:
        from openclaw.storage.records import Recent

        queue = self._history.get(target)
        count, age = queue.popleft() if queue else (0, None)
        return Recent(count, None if age is None else self._clock() - age)

    def reserve(self, target: str, *, since: float, **_: Any) -> Any:
        """Like ``History.reserve``: the recorded facts, and nothing is written."""
        return self.recent(target, since)

    def release(self, target: str, **_: Any) -> None:
        return None

    def record(self, **_: Any) -> None:
        return None

    async def current_replicas(self, namespace: str, deployment: str) -> int | None:
        """The recorded count; raises LookupError where the original lookup failed (scored as it was then)."""
        queue = self._replicas.get((namespace, deployment))
        count, failed, cause = queue.popleft() if queue else (None, False, None)
        if failed:  # the original cause, so the reason reads as it did then
            raise LookupError(cause or f"the original run could not read the replicas of {namespace}/{deployment}")
        return count


class RecordedAnswers:
    """The approval gate's source in a replay: the answers the original run's gate was resumed with
    (re-addressed to the replay's digests), set one round at a time. Replays execute nothing; the
    approvals they show are the ones counted in the original run, not counted again."""

    def __init__(self) -> None:
        self.current: dict[str, Any] = {}

    def answer(self, values: dict[str, Any], pending: list[dict[str, Any]], now: float) -> dict[str, Any]:
        return self.current if isinstance(self.current, dict) else {}
