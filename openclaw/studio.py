"""The decision pipeline for LangGraph Studio / ``langgraph dev`` (``langgraph.json`` names :func:`make_graph`).

The LangGraph server runs the graph itself: it passes its own checkpointer and, as the run's
context, whatever the client sent (Studio sends ``{}``). LangGraph turns a dict context into
the graph's context schema, so the served graph's schema is :class:`StudioContext`, a
:class:`~openclaw.nodes.state.PipelineContext` built from the environment exactly as
``openclaw run`` builds it (``OPENCLAW_HOME``, ``OPENCLAW_CONFIG_DIR``, provider keys,
``KUBECONFIG``..., read once per server process): the same providers, trust policy, run
store, audit log and executor mode. Building it reads files and opens SQLite, so
:func:`make_graph` does it once in a worker thread, never on the server's event loop.

Input: ``{"incident": {...}}``. The served graph starts with one more node, ``accept``, that
starts the run the way :meth:`openclaw.engine.Engine.run` does: ``run_id`` (default
``run-<thread id>``), ``deadline_at`` (now plus routing.yaml's deadline) and empty
attempts/actions, each unless the input gives it; the pipeline's own graph is unchanged. A
run that needs approval pauses at the gate. Its checkpoints
live in the LangGraph server, not in ``OPENCLAW_HOME``'s run store, so ``openclaw approve``
and the approvals page do not see it: Studio is for watching and debugging decisions; runs
that should really be approved go through ``openclaw run`` or ``openclaw serve``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import uuid
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.graph import START
from langgraph.runtime import Runtime

from graphs.decision_pipeline import build_graph
from openclaw.nodes.state import PipelineContext, PipelineState

ENTRY = "classify_intent"
"""The pipeline's first node (graphs/decision_pipeline.py), which ``accept`` now precedes."""

_lock = threading.Lock()
_shared: PipelineContext | None = None
_graph: Any = None


def build_context(settings: Any = None) -> PipelineContext:
    """A PipelineContext for ``settings`` (default: from the environment), with the collaborators an
    engine would have: providers, router, executor (with the Telegram notifier), run store, audit, history."""
    from openclaw.config import load_configs
    from openclaw.providers.recording import recording_transports
    from openclaw.providers.router import Router
    from openclaw.settings import load_settings
    from openclaw.storage import open_storage
    from openclaw.wiring import build_action_runner, build_registry

    settings = settings or load_settings()
    configs = load_configs(settings.config_dir)
    storage = open_storage(settings)  # lives as long as the context (the server process)
    registry = build_registry(settings, transports=recording_transports())
    executor = build_action_runner(settings, storage)
    return PipelineContext(
        settings=settings,
        configs=configs,
        registry=registry,
        router=Router(registry, attempt_timeout_s=configs.routing.attempt_timeout_s, routing=configs.routing),
        executor=executor,
        store=storage.runs,
        audit=storage.audit,
        history=storage.history,
        current_replicas=getattr(executor, "acurrent_replicas", None),
    )


def shared_context() -> PipelineContext:
    """The one context of this process, built from the environment on first use (blocking: call it in a thread).

    It lives as long as the server process (its provider clients and executor are not closed before exit)."""
    global _shared
    with _lock:
        if _shared is None:
            _shared = build_context()
        return _shared


@dataclasses.dataclass(init=False)
class StudioContext(PipelineContext):
    """The context LangGraph builds from the run's (empty) context dict: the process's shared context."""

    def __init__(self, **given: Any) -> None:
        if given:
            raise ValueError(f"OpenClaw builds its context from the environment; unexpected context keys: "
                             f"{sorted(given)} (set OPENCLAW_* variables for the langgraph dev server instead)")
        if _shared is None:
            raise RuntimeError("the OpenClaw context is not built yet; "
                               "serve the graph through openclaw.studio:make_graph")
        for field in dataclasses.fields(PipelineContext):
            setattr(self, field.name, getattr(_shared, field.name))


async def accept(state: PipelineState, config: RunnableConfig, runtime: Runtime[PipelineContext]) -> dict[str, Any]:
    """Start a run as ``Engine.run`` does: run id, deadline and empty lists, where the input left them out."""
    thread_id = (config.get("configurable") or {}).get("thread_id")
    defaults: dict[str, Any] = {
        "run_id": f"run-{thread_id}" if thread_id else f"run-{uuid.uuid4().hex[:16]}",
        "deadline_at": runtime.context.clock() + runtime.context.configs.routing.deadline_s,
        "cursor": {}, "actions": [], "degraded": False,
    }
    return {key: value for key, value in defaults.items() if state.get(key) is None}


async def make_graph() -> Any:
    """Graph factory for ``langgraph.json``: the compiled pipeline behind :func:`accept`, with
    :class:`StudioContext` as its context schema.

    The first call builds the shared context in a worker thread (file reads and SQLite stay off the loop)."""
    global _graph
    await asyncio.to_thread(shared_context)
    if _graph is None:
        builder = build_graph()
        builder.context_schema = StudioContext
        if (START, ENTRY) not in builder.edges:
            raise RuntimeError(f"the pipeline no longer starts at {ENTRY!r}; update openclaw.studio.ENTRY")
        builder.edges.discard((START, ENTRY))
        builder.add_node("accept", accept)
        builder.add_edge(START, "accept")
        builder.add_edge("accept", ENTRY)
        _graph = builder.compile()
    return _graph
