"""The engine: runs incidents through the compiled graph, pauses and resumes them, records them.

This is the one service object the CLI and the HTTP server use. It owns the
storage (:func:`openclaw.storage.open_storage`: the run store, audit, approvals, ledger, locks,
history and the LangGraph checkpointer, on SQLite or PostgreSQL) and the live collaborators of
the nodes, built once from the settings.

**Write-ahead.** :meth:`Engine.accept` records a run (status ``running``, the incident,
the raw input) before anything else happens to it; :meth:`Engine.start` then drives the
graph. The driving process owns the run in the store (``host:pid``) and renews a lease
while it drives, so recovery (:mod:`openclaw.recovery`) can tell a run in flight from one
whose process died.

**Checkpoints where something depends on them.** A new run's steps up to the approval gate
only read and decide, so they are checkpointed once (``durability="exit"``): when the run
stops in front of ``execute`` (``interrupt_before``), pauses for approval, or ends. From
``execute`` on, and for every resume, recovery and replay, each superstep's checkpoint is
written before the next one starts (``"sync"``): a crash never loses a step whose effects
(an action's digest, its ledger record) already left the process. A process killed before
its run reached ``execute`` leaves no checkpoint, and recovery starts the run again from its
recorded incident. The commits do not wait for the disk; the checkpoint a run pauses in, and
every one before an action's ledger claim, is flushed to it (``Database.make_durable``), so a
power cut cannot lose those either.
"""

from __future__ import annotations

import asyncio
import json
import time
import traceback
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, get_type_hints

from langchain_core.callbacks import AsyncCallbackManager
from langgraph.types import Command
from pydantic import ValidationError

from graphs.decision_pipeline import build_graph
from openclaw import coldstart
from openclaw.config import Configs, load_configs
from openclaw.config.snapshot import snapshot_configs
from openclaw.errors import StoreError
from openclaw.models.incident import Incident, Rejected
from openclaw.models.run import Decision, RunResult
from openclaw.nodes.dispatch import ActionRunner
from openclaw.nodes.evidence import public as public_evidence
from openclaw.nodes.state import PipelineContext, PipelineState
from openclaw.notify.approval_request import announce_approval_request
from openclaw.owners import process_owner
from openclaw.providers.recording import Tape, current_tape
from openclaw.providers.registry import ProviderRegistry
from openclaw.providers.router import Router
from openclaw.providers.vendors import VENDORS
from openclaw.runs.counted import VerifiedApprovals
from openclaw.settings import Settings
from openclaw.storage import open_storage
from openclaw.storage.ports import RunRepository, Storage
from openclaw.storage.records import Accepted

_DECISION_FIELDS = tuple(Decision.model_fields)
_ACTION_FIELDS = tuple(RunResult.model_fields["actions"].annotation.__args__[0].model_fields)  # type: ignore[attr-defined]


RUN_LEASE_S = 60.0
"""Seconds a driving process's claim on a run lasts without renewal (renewed every third of it)."""
PROGRESS_EVERY_S = 1.0
"""A step that changes no action updates the run's record when this many seconds passed since the last update
(steps that judge, carry out or pause actions always do): a long run shows where it is, a fast one costs no
write per step."""


def new_run_id() -> str:
    return f"run-{uuid.uuid4().hex[:16]}"


def model_environment(settings: Settings) -> dict[str, str]:
    """The vendors' model variables as a run records them: ``nemotron_tool_model`` for NEMOTRON_TOOL_MODEL."""
    return {
        var.lower(): settings.providers[name].models.get(replaced, replaced)
        for name, vendor in VENDORS.items() for var, replaced in vendor.model_envs.items()
    }


def build_result(run_id: str, values: dict[str, Any], *, status: str | None = None, error: str | None = None) -> dict:
    """The contract's run result from graph state (internal action fields are dropped)."""
    incident = values.get("incident") or {}
    result = RunResult(
        run_id=run_id,
        incident_id=incident.get("id"),
        status=status or values.get("status") or "failed",
        intent=values.get("intent"),
        complexity=values.get("complexity"),
        route=values.get("route"),
        attempts=values.get("attempts", []),
        decision=_public_decision(values.get("decision")),
        actions=[{k: a[k] for k in _ACTION_FIELDS if k in a} for a in values.get("actions", [])],
        subject=values.get("subject"),
        evidence=public_evidence(values.get("evidence") or []),
        degraded=bool(values.get("degraded")),
        error=error,
    )
    return result.model_dump(mode="json")


def _public_decision(decision: dict[str, Any] | None) -> dict[str, Any] | None:
    return {k: decision[k] for k in _DECISION_FIELDS if k in decision} if decision else None


class Engine:
    """Use as ``async with Engine(settings) as engine: await engine.run(incident)``."""

    def __init__(
        self,
        settings: Settings,
        *,
        configs: Configs | None = None,
        registry: ProviderRegistry | None = None,
        executor: ActionRunner | None = None,
        callbacks: list[Any] | None = None,
        router: Router | None = None,
        storage: Storage | None = None,
        checkpoint_each_step: bool = False,
    ) -> None:
        self.settings = settings
        self.checkpoint_each_step = checkpoint_each_step
        """Checkpoint a new run after every step from the start (replays fork from any step), not only from
        the stop in front of ``execute`` on (see the module docstring)."""
        self.callbacks = list(callbacks or [])
        """LangChain callback handlers attached to every graph run (telemetry, Langfuse); children inherit them."""
        self.configs = configs or load_configs(settings.config_dir)
        self.registry = registry or ProviderRegistry(settings)
        self.router = router or Router(
            self.registry, attempt_timeout_s=self.configs.routing.attempt_timeout_s, routing=self.configs.routing
        )
        self.executor = executor or ActionRunner(mode="plan")
        self.storage: Storage | None = storage
        """Where state lives; opened from the settings on enter unless given (then the caller closes it)."""
        self.store: RunRepository | None = None
        self.owner = process_owner()
        """Who drives the runs this engine starts or resumes (see :func:`process_owner`)."""
        self.lease_s = RUN_LEASE_S
        self._stack = AsyncExitStack()
        self.graph: Any = None

    async def __aenter__(self) -> Engine:
        if self.storage is None:
            self.storage = open_storage(self.settings)
            self._stack.callback(self.storage.close)
        storage = self.storage
        self.store = storage.runs
        snapshot = snapshot_configs(self.configs.directory)
        self.store.save_config_blobs(snapshot)
        self.config_hashes = {name: entry["sha256"] for name, entry in snapshot.items()}
        saver = await self._stack.enter_async_context(storage.database.checkpointer())
        self.graph = build_graph().compile(checkpointer=saver)
        self.context = PipelineContext(
            settings=self.settings,
            configs=self.configs,
            registry=self.registry,
            router=self.router,
            executor=self.executor,
            store=self.store,
            audit=storage.audit,
            history=storage.history,
            approvals=VerifiedApprovals(storage.approvals, self.settings.config_dir),
            current_replicas=getattr(self.executor, "acurrent_replicas", None),
        )
        coldstart.resume()  # what is built so far lives as long as the engine: out of the collector's way
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.registry.aclose()
        await self._stack.aclose()

    # --- running ---------------------------------------------------------------------

    async def run(
        self, incident: Incident, *, run_id: str | None = None, raw_input: str | None = None, rerun: bool = False
    ) -> dict[str, Any]:
        """Carry one incident through the graph until it completes or pauses for approval.

        An incident id that already has a run gets that run's current result back (nothing
        starts) unless ``rerun``; see :meth:`accept`.
        """
        accepted = await asyncio.to_thread(self.accept, incident, run_id=run_id, raw_input=raw_input, rerun=rerun)
        if not accepted.created:
            return accepted.result
        return await self.start(accepted.run_id, incident)

    def accept(
        self, incident: Incident, *, run_id: str | None = None, raw_input: str | None = None, rerun: bool = False
    ) -> Accepted:
        """Record the incident's run durably (status ``running``) before it starts; or find its existing run.

        ``raw_input``: the text the incident came from (default: the incident as JSON). ``rerun``:
        start a new run even when the incident id has one (linked to the first by ``rerun_of``).
        """
        run_id = run_id or new_run_id()
        doc = incident.model_dump(mode="json")
        result = build_result(run_id, {"incident": doc}, status="running")
        raw = raw_input if raw_input is not None else json.dumps(doc, ensure_ascii=False)
        return self.store.accept(result, incident=doc, raw_input=raw, owner=self.owner, lease_s=self.lease_s,
                                 rerun=rerun, config_hashes=self.config_hashes,
                                 mode=getattr(self.executor, "mode", None))

    async def start(self, run_id: str, incident: Incident) -> dict[str, Any]:
        """Drive an accepted run (see :meth:`accept`) from the start until it completes or pauses."""
        state = {
            "run_id": run_id,
            "incident": incident.model_dump(mode="json"),
            "deadline_at": time.time() + self.configs.routing.deadline_s,
            "cursor": {},
            "attempts": [],
            "actions": [],
            "degraded": False,
        }
        result = await self._drive(run_id, state, incident=state["incident"], environment=self.environment(),
                                   fresh=not self.checkpoint_each_step)
        await announce_approval_request(getattr(self.executor, "notifier", None), result, incident=state["incident"],
                                        public_url=self.settings.server.public_url, audit=self.context.audit)
        return result

    def environment(self) -> dict[str, Any]:
        """What outside the config shaped this run's decisions: recorded so a replay can restore it."""
        return {
            "providers": sorted(n for n in VENDORS if self.registry.configured(n)),
            **model_environment(self.settings),
            "cluster": getattr(self.executor, "identity", None),
            "mode": getattr(self.executor, "mode", None),
        }

    async def checkpoint(self, run_id: str) -> dict[str, Any]:
        """The run's latest checkpoint: its state values, the nodes it would run next, and open interrupts."""
        snapshot = await self.graph.aget_state({"configurable": {"thread_id": run_id}})
        return {
            "values": snapshot.values,
            "next": list(snapshot.next),
            "interrupts": [i.value for i in snapshot.interrupts],
        }

    async def resume(self, run_id: str, answer: dict[str, Any]) -> dict[str, Any]:
        """Wake a paused run at the approval gate. The gate counts the approvals it verifies itself in the
        approvals store; ``answer`` is recorded (replay) but never counted (see ``openclaw.nodes.approval_gate``)."""
        await asyncio.to_thread(self._take_over, run_id)
        return await self._drive(run_id, Command(resume=answer))

    async def continue_from_checkpoint(self, run_id: str) -> dict[str, Any]:
        """Carry a run on from its last checkpoint (recovery; the caller owns the run)."""
        return await self._drive(run_id, None)

    async def _drive(
        self, run_id: str, graph_input: Any, *, incident: dict | None = None, environment: dict | None = None,
        fresh: bool = False,
    ) -> dict[str, Any]:
        """Stream the graph from ``graph_input`` until it ends or pauses, keeping the run's record.

        ``fresh`` (a new run): the steps before ``execute`` are checkpointed once, when the graph stops in
        front of ``execute`` (``durability="exit"`` with ``interrupt_before``), a pause or the end; from
        ``execute`` on, after every step (``"sync"``). See the module docstring."""
        config: dict[str, Any] = {"configurable": {"thread_id": run_id}}
        outputs: list[tuple[str, Any]] = [("__environment__", environment)] if environment else []
        if isinstance(graph_input, Command):
            outputs.append(("__resume__", graph_input.resume))
        values: dict[str, Any] = graph_input if isinstance(graph_input, dict) else {}
        status = error = None
        tape = Tape()
        token = current_tape.set(tape)
        lease = asyncio.create_task(self._renew_lease(run_id))
        progress = dict(values) if values else dict((await self.graph.aget_state(config)).values or {})
        recorded_at = time.monotonic()
        legs = [(graph_input, "exit", FIRST_LEG_STOPS_BEFORE), (None, "sync", None)] if fresh else \
            [(graph_input, "sync", None)]
        try:
            async with self._root_run(run_id) as callbacks:
                if callbacks is not None:
                    config["callbacks"] = callbacks
                for leg_input, durability, stop_before in legs:
                    stopped = False
                    async for chunk in self.graph.astream(leg_input, config, context=self.context,
                                                          stream_mode="updates", durability=durability,
                                                          interrupt_before=stop_before):
                        for node, update in chunk.items():
                            if node == "__interrupt__" and not update:  # the stop in front of execute: no pause
                                stopped = True
                            elif node == "__interrupt__":
                                status = "awaiting_approval"
                                outputs.append((node, [i.value for i in update]))
                            else:
                                outputs.append((node, update))
                                progress = _advance(progress, update)
                                if (isinstance(update, dict) and "actions" in update) or \
                                        time.monotonic() - recorded_at >= PROGRESS_EVERY_S:
                                    await asyncio.to_thread(self._record_progress, run_id, progress)
                                    recorded_at = time.monotonic()
                    if not stopped:
                        break
        except Exception as exc:  # noqa: BLE001 - a crashed node still leaves a record
            status, error = "failed", _describe_crash(exc)
            outputs.append(("__error__", {"error": error, "traceback": traceback.format_exc(limit=8)}))
        finally:
            current_tape.reset(token)
            lease.cancel()
        if error is None:
            values = progress  # the state the checkpoint holds: every update, through the state's reducers
        else:  # a node raised: its update never reached the checkpoint, read what did
            values = (await self.graph.aget_state(config)).values or values
        if status == "awaiting_approval":  # approvers will act on this pause: its checkpoint goes to the disk first
            await asyncio.to_thread(self.storage.database.make_durable)
        result = build_result(run_id, values, status=status, error=error)
        await asyncio.to_thread(self.store.save, result, incident=incident, node_outputs=outputs,
                                config_hashes=self.config_hashes, exchanges=tape.exchanges, release=self.owner)
        return result

    @asynccontextmanager
    async def _root_run(self, run_id: str) -> AsyncIterator[Any]:
        """The callbacks for one drive of a run: with handlers attached, one LangChain root run (a chain group)
        holds both legs of a new run, so telemetry shows one ``openclaw.run`` span and a trace has one root
        (what ``atrace_as_chain_group`` does, without its LangSmith-only callbacks);
        None without handlers."""
        if not self.callbacks:
            yield None
            return
        manager = AsyncCallbackManager.configure(inheritable_callbacks=self.callbacks,
                                                 inheritable_metadata={"thread_id": run_id})
        root = await manager.on_chain_start({"name": "LangGraph"}, {}, name="LangGraph")
        try:
            yield root.get_child()
        except BaseException as exc:
            await root.on_chain_error(exc)
            raise
        await root.on_chain_end({})

    def _take_over(self, run_id: str) -> None:
        """This process drives the paused run from now on; its record says ``running`` until it pauses or ends."""
        self.store.take_over(run_id, owner=self.owner, previous=self.store.owner_of(run_id)[0], lease_s=self.lease_s)
        self.store.mark_running(run_id)

    def _record_progress(self, run_id: str, values: dict[str, Any]) -> None:
        """After each step, the run's record shows what it has so far (status ``running``); best effort: the
        record written at the pause or the end is the one that counts."""
        try:
            self.store.progress(build_result(run_id, values, status="running"), owner=self.owner, lease_s=self.lease_s)
        except (ValidationError, StoreError):
            pass

    async def _renew_lease(self, run_id: str) -> None:
        """Keep this process's claim on a run it drives alive (recovery leaves a live owner's runs alone)."""
        while True:
            await asyncio.sleep(self.lease_s / 3)
            await asyncio.to_thread(self.store.renew, run_id, owner=self.owner, lease_s=self.lease_s)

    def record_rejected(self, rejected: Rejected, *, raw_input: str | None = None) -> dict[str, Any]:
        """Store an input that could not become an incident, as a failed run with its error."""
        run_id = new_run_id()
        result = build_result(run_id, {"incident": {"id": rejected.incident_id}}, status="failed", error=rejected.error)
        raw = raw_input if raw_input is not None else _dump(rejected.raw)
        self.store.save(result, raw_input=raw, config_hashes=self.config_hashes)
        return result


def _reducers() -> dict[str, Any]:
    """The state's reducers by key (``Annotated[type, reducer]`` in :class:`PipelineState`)."""
    hints = get_type_hints(PipelineState, include_extras=True)
    return {key: hint.__metadata__[-1] for key, hint in hints.items() if getattr(hint, "__metadata__", None)}


_REDUCERS = _reducers()

FIRST_LEG_STOPS_BEFORE = ("execute",)
"""A new run's first leg (``durability="exit"``) stops in front of these nodes, so its checkpoint is written
before anything can leave the process; the run goes on from there with a checkpoint after every step."""


def _advance(values: dict[str, Any], update: Any) -> dict[str, Any]:
    """``values`` after one node's ``update``, as LangGraph applies it (keys with a reducer combine, e.g.
    attempts and evidence add up and the cursor merges; the others are replaced)."""
    if not isinstance(update, dict):
        return values
    out = dict(values)
    for key, value in update.items():
        reducer = _REDUCERS.get(key)
        out[key] = reducer(out[key], value) if reducer is not None and key in out else value
    return out


def _describe_crash(exc: BaseException) -> str:
    return f"internal error ({type(exc).__name__}): {exc}"


def _dump(raw: Any) -> str:
    import json

    try:
        return json.dumps(raw, ensure_ascii=False, default=repr)
    except (TypeError, ValueError):
        return repr(raw)
