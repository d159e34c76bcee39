"""Engine overhead: the whole pipeline on the embedded defaults vs a bare seven-node LangGraph graph.

All run in the same process, each checkpointer on its own file under a temporary directory, one
thread per incident. The bare graph runs on LangGraph's stock ``AsyncSqliteSaver`` (the baseline)
and on the engine's own SQLite checkpointer (see :func:`run_bench`). The figures are the median
wall time per incident, ``ratio`` = openclaw / baseline and ``ratio_same_saver`` = openclaw / the
bare graph on the engine's checkpointer.

:func:`run_store_bench` (``openclaw bench pipeline --store postgres``) runs the same incidents through
the engine on SQLite and on a throwaway PostgreSQL database instead, and reports postgres / sqlite.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TypedDict

from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.graph import END, START, StateGraph

from openclaw.bench.stats import median, percentile
from openclaw.models.incident import Incident
from openclaw.settings import Settings, load_settings

# A mix of the paths the pipeline takes: reads, mutations in and out of production, alerts, chat.
SAMPLE_PROMPTS = (
    "Show me all pods in awoooi-prod namespace",
    "The API is not responding, please restart the awoooi-api deployment",
    "We're getting high traffic, scale awoooi-web to 3 replicas",
    "Get the last 50 lines of logs from awoooi-api-7d9f pod",
    "Send a critical alert: Database connection failed for incident INC-2026-001",
    "The web frontend is showing 502 errors. Check if the API pods are running.",
    "請重啟 awoooi-worker 這個 deployment",
    "Something is wrong with the worker, it keeps crashing. Fix it.",
    "restart deployment awoooi-api in awoooi-staging",
    "hello, what can you do?",
)

TARGET_RATIO = 1.2
"""The goal: the engine at most this many times the bare graph on LangGraph's stock SQLite saver."""
POSTGRES_TARGET_RATIO = 1.5
"""The goal for ``--store postgres``: the engine on PostgreSQL at most this many times its time on SQLite."""

NODES = ("classify_intent", "analyze_complexity", "decide", "trust", "approval_gate", "execute", "report")


class _BareState(TypedDict, total=False):
    incident: dict[str, Any]
    steps: list[str]


def _trivial(name: str):
    async def node(state: _BareState) -> dict[str, Any]:
        return {"steps": [*state.get("steps", []), name]}

    return node


def bare_graph(checkpointer: Any) -> Any:
    """Seven trivial async nodes in a line, the same shape as the pipeline (async, like OpenClaw's nodes)."""
    builder = StateGraph(_BareState)
    for name in NODES:
        builder.add_node(name, _trivial(name))
    builder.add_edge(START, NODES[0])
    for a, b in zip(NODES, NODES[1:], strict=False):
        builder.add_edge(a, b)
    builder.add_edge(NODES[-1], END)
    return builder.compile(checkpointer=checkpointer)


def _incidents(n: int, prefix: str = "bench") -> list[Incident]:
    return [
        Incident(id=f"{prefix}-{i}", description=SAMPLE_PROMPTS[i % len(SAMPLE_PROMPTS)], namespace=None)
        for i in range(n)
    ]


Step = Callable[[int, Incident], Awaitable[Any]]


async def _alternate(steps: Sequence[Step], n: int, warmup: int,
                     on_progress: Callable[[int], None] | None) -> list[list[float]]:
    """Each incident through every step in turn, one by one so all see the same machine load; the
    milliseconds each step took per incident, warm-up left out. ``on_progress(1)`` after each incident,
    warm-up included."""
    took: list[list[float]] = [[] for _ in steps]
    for i, incident in enumerate(_incidents(warmup, "warmup") + _incidents(n)):
        for step, times in zip(steps, took, strict=True):
            started = time.perf_counter()
            await step(i, incident)
            if i >= warmup:
                times.append((time.perf_counter() - started) * 1000)
        if on_progress is not None:
            on_progress(1)
    return took


async def run_bench(n: int = 200, *, warmup: int = 10, settings: Settings | None = None,
                    on_progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Push ``n`` incidents through the engine and the bare graph, alternating one by one so all see the same
    machine load. The bare graph runs twice per incident: on LangGraph's stock ``AsyncSqliteSaver``
    (``baseline``, the target's reference) and on the checkpointer the engine uses (``same_saver``: the
    SQLite adapter's, which commits without waiting for the disk and flushes when an action or a pause
    depends on it), so the figure says how much is the pipeline and how much the checkpointer.

    ``on_progress(1)`` is called after each incident, warm-up included (``n + warmup`` calls)."""
    from openclaw.storage.sqlite import open_sqlite
    from openclaw.wiring import open_engine

    with tempfile.TemporaryDirectory(prefix="openclaw-bench-") as tmp:
        home = Path(tmp)
        base = settings or load_settings(environ={})
        settings = base.model_copy(update={"home": home / "engine", "database_url": None})
        (home / "bare").mkdir()
        same = open_sqlite(home / "bare-same-saver")
        try:
            async with open_engine(settings) as engine, AsyncSqliteSaver.from_conn_string(
                str(home / "bare" / "checkpoints.db")
            ) as stock, same.database.checkpointer() as ours:
                def bare(graph: Any) -> Step:
                    async def step(i: int, incident: Incident) -> None:
                        await graph.ainvoke({"incident": incident.model_dump(mode="json"), "steps": []},
                                            {"configurable": {"thread_id": f"bare-{i}"}})

                    return step

                engine_ms, baseline_ms, same_ms = await _alternate(
                    (lambda _i, incident: engine.run(incident), bare(bare_graph(stock)), bare(bare_graph(ours))),
                    n, warmup, on_progress)
        finally:
            same.close()

    openclaw_med, baseline_med, same_med = median(engine_ms), median(baseline_ms), median(same_ms)
    return {
        "incidents": n,
        "openclaw_ms": round(openclaw_med, 3),
        "baseline_ms": round(baseline_med, 3),
        "ratio": round(openclaw_med / baseline_med, 3) if baseline_med else None,
        "target_ratio": TARGET_RATIO,
        "same_saver_ms": round(same_med, 3),
        "ratio_same_saver": round(openclaw_med / same_med, 3) if same_med else None,
        "openclaw_p95_ms": round(percentile(engine_ms, 95), 3),
        "baseline_p95_ms": round(percentile(baseline_ms, 95), 3),
        "same_saver_p95_ms": round(percentile(same_ms, 95), 3),
    }


async def run_store_bench(n: int = 200, *, warmup: int = 10, database_url: str, settings: Settings | None = None,
                          on_progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """The same incidents through the engine on SQLite (a temporary OPENCLAW_HOME) and on PostgreSQL (a
    throwaway database on the server of ``database_url``, upgraded first, dropped after), alternating one
    by one so both see the same machine load; medians and p95 per incident, and postgres / sqlite.

    ``on_progress(1)`` is called after each incident pair, warm-up included (``n + warmup`` calls).
    StoreError (one line) when PostgreSQL does not answer."""
    from pydantic import SecretStr

    from openclaw.bench.database import count_runs, throwaway_database
    from openclaw.wiring import open_engine

    base = settings or load_settings(environ={})
    with tempfile.TemporaryDirectory(prefix="openclaw-bench-") as tmp, throwaway_database(database_url) as url:
        home = Path(tmp)
        on_sqlite = base.model_copy(update={"home": home / "sqlite", "database_url": None})
        on_postgres = base.model_copy(update={"home": home / "postgres", "database_url": SecretStr(url)})
        async with open_engine(on_sqlite) as lite, open_engine(on_postgres) as pg:
            sqlite_ms, postgres_ms = await _alternate((lambda _i, incident: lite.run(incident),
                                                       lambda _i, incident: pg.run(incident)), n, warmup, on_progress)
        runs = {"sqlite": count_runs(on_sqlite), "postgres": count_runs(url=url)}

    sqlite_med, postgres_med = median(sqlite_ms), median(postgres_ms)
    return {
        "incidents": n,
        "store": "postgres",
        "sqlite_ms": round(sqlite_med, 3),
        "postgres_ms": round(postgres_med, 3),
        "sqlite_p95_ms": round(percentile(sqlite_ms, 95), 3),
        "postgres_p95_ms": round(percentile(postgres_ms, 95), 3),
        "ratio": round(postgres_med / sqlite_med, 3) if sqlite_med else None,
        "target_ratio": POSTGRES_TARGET_RATIO,
        "runs": runs,
    }
