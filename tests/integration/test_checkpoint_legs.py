"""Where a new run is checkpointed: once in front of execute (or at a pause, or at the end), then after every step.

Covers: a plan-mode restart's stored checkpoints are the stop in front of ``execute``, then one after each
later step (none for intent, complexity, decision, trust or the gate); a run that only reads stops in front
of execute too and goes on to complete; a run that pauses for approval has its pause stored with the
interrupt; an engine made with ``checkpoint_each_step`` (replays) stores one before every node; a run whose
process died before it reached execute has no checkpoint and is started again from its incident by
recovery, ending completed with its action planned once.
"""

from __future__ import annotations

import asyncio
from typing import Any

from openclaw.engine import Engine
from openclaw.models.incident import Incident
from openclaw.recovery import recover

READ_ONLY = "Show me all pods in awoooi-prod namespace"
AUTO_RESTART = "restart deployment awoooi-api in awoooi-staging"
PROD_RESTART = "restart deployment awoooi-api in namespace awoooi-prod"


async def _stored(engine: Engine, run_id: str) -> list[tuple[str, ...]]:
    """``next`` of every checkpoint stored for the run, oldest first."""
    config = {"configurable": {"thread_id": run_id}}
    return [tuple(s.next) async for s in engine.graph.aget_state_history(config)][::-1]


def _run(settings: Any, text: str, **engine_args: Any) -> tuple[dict[str, Any], list[tuple[str, ...]]]:
    async def go() -> tuple[dict[str, Any], list[tuple[str, ...]]]:
        async with Engine(settings, **engine_args) as engine:
            result = await engine.run(Incident(description=text))
            return result, await _stored(engine, result["run_id"])

    return asyncio.run(go())


def test_a_new_run_is_checkpointed_in_front_of_execute_then_after_every_step(settings):
    result, stored = _run(settings, AUTO_RESTART)
    assert result["status"] == "completed" and [a["status"] for a in result["actions"]] == ["planned"]
    assert stored == [("execute",), ("report",), ()]


def test_a_read_only_run_stops_in_front_of_execute_too_and_completes(settings):
    result, stored = _run(settings, READ_ONLY)
    assert result["status"] == "completed" and result["actions"][0]["status"] == "planned"
    assert stored[0] == ("execute",) and stored[-1] == ()


def test_a_pause_is_stored_with_its_interrupt(settings):
    async def go() -> tuple[dict[str, Any], list[tuple[str, ...]], dict[str, Any]]:
        async with Engine(settings) as engine:
            result = await engine.run(Incident(description=PROD_RESTART))
            return result, await _stored(engine, result["run_id"]), await engine.checkpoint(result["run_id"])

    result, stored, checkpoint = asyncio.run(go())
    assert result["status"] == "awaiting_approval"
    assert stored == [("approval_gate",)]
    assert checkpoint["interrupts"] and checkpoint["next"] == ["approval_gate"]


def test_an_engine_for_replays_stores_a_checkpoint_before_every_node(settings):
    _, stored = _run(settings, AUTO_RESTART, checkpoint_each_step=True)
    for node in ("classify_intent", "analyze_complexity", "decide", "trust", "approval_gate", "execute", "report"):
        assert (node,) in stored, (node, stored)


def test_a_run_that_died_before_execute_starts_again_from_its_incident(settings):
    async def go() -> tuple[Any, dict[str, Any], list[tuple[str, ...]]]:
        async with Engine(settings) as engine:
            accepted = engine.accept(Incident(description=AUTO_RESTART))
            # the process that accepted it died before the run reached execute: no checkpoint, a dead owner
            engine.store.take_over(accepted.run_id, owner="gone-host:1:dead", previous=engine.owner, lease_s=-1.0)
            assert await _stored(engine, accepted.run_id) == []
            [recovered] = await recover(engine)
            return recovered, engine.store.get(accepted.run_id), await _stored(engine, accepted.run_id)

    recovered, stored_result, stored = asyncio.run(go())
    assert (recovered.outcome, recovered.status) == ("restarted", "completed")
    assert [a["status"] for a in stored_result["actions"]] == ["planned"]
    assert stored == [("execute",), ("report",), ()]
