"""Re-running a recorded incident: exact replays, what-if runs and forks.

- :func:`replay` re-executes the graph under the recorded config, with every LLM
  answer served from the recording by the real clients' HTTP transport, and every
  action's outcome taken from the recording: no network, no cluster, no side effects.
  Approvals are not counted again: the gate is resumed with the recorded answers.
- :func:`what_if` decides the same incident again under today's (or another) config,
  with the recorded LLM answers or, with ``live``, today's providers; nothing is
  executed (plan mode) and the gate is not resumed.
- :func:`fork` starts from the checkpoint before a node (LangGraph ``update_state``
  into a fresh thread, so the old resume values are not reused) and runs the rest
  under today's config, e.g. trust under a new policy.

Every one of them runs under a temporary ``OPENCLAW_HOME``: the real run store,
checkpoints and audit log are never written.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from openclaw.config.snapshot import write_configs
from openclaw.engine import Engine
from openclaw.errors import UsageError
from openclaw.models.incident import Incident
from openclaw.nodes.dispatch import ActionRunner
from openclaw.providers.recording import replay_transports
from openclaw.providers.vendors import VENDORS
from openclaw.replay.diff import decision_view, diff, full_view
from openclaw.replay.doubles import RecordedAnswers, RecordedExecutor, RecordedFacts, ReplayRouter
from openclaw.replay.recording import Recording
from openclaw.settings import Settings, load_settings, shipped_config_dir

Mode = Literal["replay", "what-if", "fork"]
NODES = ("classify_intent", "analyze_complexity", "decide", "trust", "approval_gate", "execute", "report")
_PREDECESSOR = dict(zip(NODES[1:], NODES[:-1], strict=True))


@dataclass
class ReplayReport:
    mode: Mode
    run_id: str
    identical: bool
    differences: list[dict[str, Any]]
    original: dict[str, Any]
    replay: dict[str, Any]
    request_mismatches: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode, "run_id": self.run_id, "identical": self.identical, "differences": self.differences,
            "request_mismatches": self.request_mismatches, "original": self.original, "replay": self.replay,
        }


def _environment(rec: Recording) -> dict[str, Any]:
    for output in rec.node_outputs:
        if output["node"] == "__environment__":
            return output["output"] or {}
    used = {a["provider"] for a in rec.result.get("attempts", []) if a["outcome"] != "unavailable"}
    return {"providers": sorted(used - {"rules"})}


def _replay_environ(rec: Recording) -> dict[str, str]:
    """Stand-in credentials for the vendors the original run could use (the transport never sends them),
    and the model variables it ran with."""
    env = _environment(rec)
    out: dict[str, str] = {}
    for name in env.get("providers", []):
        vendor = VENDORS.get(name)
        if vendor is None:
            continue
        if vendor.keyless:
            out[vendor.base_url_env] = "http://replay.invalid"
        else:
            out[vendor.key_env] = "replay-no-key"  # type: ignore[index]  # key_env is set: not keyless
    for vendor in VENDORS.values():
        for var in vendor.model_envs:
            if env.get(var.lower()):  # recorded by Engine.environment()
                out[var] = env[var.lower()]
    return out


def _incident(rec: Recording) -> Incident:
    if not rec.incident:
        raise UsageError(f"run {rec.run_id} has no valid incident to replay (its input failed validation)")
    return Incident.model_validate(rec.incident)


@asynccontextmanager
async def _engine(
    settings: Settings, rec: Recording, *, live: bool, execute: Literal["recorded", "plan"]
) -> AsyncIterator[tuple[Engine, list[Any]]]:
    """An engine for a replay: recorded or live providers, recorded or planned actions, no audit."""
    from openclaw.config import load_configs
    from openclaw.wiring import build_registry

    configs = load_configs(settings.config_dir)
    transports: dict[str, Any] = {} if live else replay_transports(rec.exchanges)
    registry = build_registry(settings, transports=transports) if transports or live else build_registry(settings)
    router = None
    if not live:
        router = ReplayRouter(registry, rec.result.get("attempts", []),
                              attempt_timeout_s=configs.routing.attempt_timeout_s)
    identity = _environment(rec).get("cluster") or "plan:no-cluster"
    executor: Any = (RecordedExecutor(rec.final_actions(), identity=identity,
                                      recorded_mode=_environment(rec).get("mode")) if execute == "recorded"
                     else ActionRunner(mode="plan", identity=identity))
    async with Engine(settings, configs=configs, registry=registry, executor=executor, router=router,
                      checkpoint_each_step=True) as engine:  # a fork reads the checkpoint before any step
        engine.context.audit = None  # replays never write the audit log
        engine.context.approvals = RecordedAnswers()  # the original's counted approvals, not counted again
        if not live:  # judge on the facts the original saw (history, replica counts), not today's store
            facts = RecordedFacts(rec.final_actions(), clock=engine.context.clock)
            engine.context.history, engine.context.current_replicas = facts, facts.current_replicas
        yield engine, list(transports.values())


def _mismatches(transports: list[Any]) -> list[dict[str, Any]]:
    return [m for t in transports for m in getattr(t, "mismatches", [])]


def _report(mode: Mode, rec: Recording, result: dict[str, Any], transports: list[Any], *, view: Any) -> ReplayReport:
    differences = [d.as_dict() for d in diff(view(rec.result), view(result))]
    mismatches = _mismatches(transports)
    for i, m in enumerate(mismatches):
        where = f"llm_request[{m['vendor']}#{i}]"
        differences.extend(d.as_dict() for d in diff(m["recorded"], m["request"], where))
    return ReplayReport(mode, rec.run_id, not differences, differences, rec.result, result, mismatches)


async def replay(rec: Recording) -> ReplayReport:
    """Re-run the recording under its own config and recorded answers; compare path and decision."""
    incident = _incident(rec)
    with tempfile.TemporaryDirectory(prefix="openclaw-replay-") as tmp:
        config_dir = write_configs(rec.configs, Path(tmp) / "configs") if rec.configs else shipped_config_dir()
        settings = load_settings(config_dir=config_dir, home=Path(tmp) / "home", environ=_replay_environ(rec))
        async with _engine(settings, rec, live=False, execute="recorded") as (engine, transports):
            result = await _run_with_answers(engine, rec, incident)
    return _report("replay", rec, result, transports, view=full_view)


async def _run_with_answers(engine: Engine, rec: Recording, incident: Incident) -> dict[str, Any]:
    """Run the incident and resume the gate with the recorded answers (approvals are not counted again)."""
    result = await engine.run(incident, run_id=rec.run_id)
    for answer in rec.resume_answers():
        if result["status"] != "awaiting_approval":
            break
        rebound = _rebind(answer, result, rec.result)
        engine.context.approvals.current = rebound
        result = await engine.resume(rec.run_id, rebound)
    return result


def _rebind(answer: Any, paused: dict[str, Any], original: dict[str, Any]) -> Any:
    """The recorded answer re-addressed to the replay's actions: each digest covers a fresh nonce, so the
    answer for action i is given action i's new digest, but only when that action is the same action
    (name and arguments); otherwise the gate ignores it, as it would in production."""
    if not isinstance(answer, dict) or not isinstance(answer.get("actions"), dict):
        return answer
    now = {str(a["index"]): a for a in paused.get("actions", [])}
    was = {str(a["index"]): a for a in original.get("actions", [])}
    rebound = {}
    for index, tally in answer["actions"].items():
        action, before = now.get(index), was.get(index)
        same = action is not None and before is not None and (action["name"], action["args"]) == (before["name"], before["args"])
        rebound[index] = {**tally, "digest": action["digest"]} if same and isinstance(tally, dict) else tally
    return {**answer, "actions": rebound}


def _what_if_settings(tmp: str, config_dir: Path | None, live: bool, rec: Recording) -> Settings:
    today = load_settings(config_dir=config_dir)
    environ = None if live else _replay_environ(rec)
    scratch = load_settings(config_dir=today.config_dir, home=Path(tmp) / "home", environ=environ)
    return scratch.model_copy(update={"database_url": None})  # a what-if never writes the shared database


async def what_if(rec: Recording, *, config_dir: Path | None = None, live: bool = False) -> ReplayReport:
    """Decide the incident again with today's config (or ``config_dir``) and providers; execute nothing."""
    incident = _incident(rec)
    with tempfile.TemporaryDirectory(prefix="openclaw-whatif-") as tmp:
        settings = _what_if_settings(tmp, config_dir, live, rec)
        async with _engine(settings, rec, live=live, execute="plan") as (engine, transports):
            result = await engine.run(incident, run_id=rec.run_id)
    return _report("what-if", rec, result, transports, view=decision_view)


async def fork(
    rec: Recording, node: str, *, config_dir: Path | None = None, live: bool = False, checkpoints: Any = None
) -> ReplayReport:
    """Fork from the checkpoint before ``node`` and run the rest under today's config; execute nothing.
    ``checkpoints``: the database whose checkpoints are read, when it still has the run
    (``openclaw.storage.ports.Database``; it is never written)."""
    if node not in _PREDECESSOR:
        choices = ", ".join(NODES[1:])
        raise UsageError(f"--from {node!r}: choose one of {choices} (to redo everything, replay without --from)")
    incident = _incident(rec)
    with tempfile.TemporaryDirectory(prefix="openclaw-fork-") as tmp:
        before = await _checkpoint_before(rec, node, checkpoints, Path(tmp) / "original")
        settings = _what_if_settings(tmp, config_dir, live, rec)
        async with _engine(settings, rec, live=live, execute="plan") as (engine, transports):
            fork_id = f"{rec.run_id}-fork"
            config = {"configurable": {"thread_id": fork_id}}
            await engine.graph.aupdate_state(config, before, as_node=_PREDECESSOR[node])
            result = await engine._drive(fork_id, None, incident=incident.model_dump(mode="json"))
    result = {**result, "run_id": rec.run_id}
    return _report("fork", rec, result, transports, view=decision_view)


async def _checkpoint_before(rec: Recording, node: str, checkpoints: Any, scratch: Path) -> dict[str, Any]:
    """The state values of the checkpoint just before ``node`` first ran: from the local checkpoint
    database when it still has the run, else from an exact replay of the recording."""
    from graphs.decision_pipeline import build_graph

    config = {"configurable": {"thread_id": rec.run_id}}
    if checkpoints is not None:
        async with checkpoints.checkpoint_reader() as saver:
            values = None if saver is None else await _values_before(build_graph().compile(checkpointer=saver),
                                                                     config, node)
        if values is not None:
            return values
    scratch.mkdir(parents=True)
    config_dir = write_configs(rec.configs, scratch / "configs") if rec.configs else shipped_config_dir()
    settings = load_settings(config_dir=config_dir, home=scratch / "home", environ=_replay_environ(rec))
    async with _engine(settings, rec, live=False, execute="recorded") as (engine, _):
        await _run_with_answers(engine, rec, _incident(rec))
        values = await _values_before(engine.graph, config, node)
    if values is None:
        raise UsageError(f"run {rec.run_id} never reached {node}; nothing to fork from")
    return values


async def _values_before(graph: Any, config: dict[str, Any], node: str) -> dict[str, Any] | None:
    found = None
    async for snapshot in graph.aget_state_history(config):  # newest first: keep the oldest match
        if tuple(snapshot.next) == (node,):
            found = snapshot.values
    return found
