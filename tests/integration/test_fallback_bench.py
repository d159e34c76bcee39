"""``openclaw bench fallback --json``: the three strategies run against the simulator and report figures.

Covers: the report's shape (p50/p99 per strategy, the hedged/naive ratio, the goal flag),
every decision answered in every strategy (faults are absorbed, never raised), each strategy
on its own simulator, stopped before the next starts (figures independent of run order), and
a usage error for nonsense arguments. Timings are figures, never asserted, and the
attempt timeout is far beyond a loopback answer (a stall is far longer still), so that a
loaded machine cannot leave a decision unanswered.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from openclaw.bench.fallback import FallbackBenchConfig, run_bench
from openclaw.cli.main import main
from openclaw.testing.llm_sim import LLMSimulator


@pytest.mark.slow
def test_bench_fallback_reports_every_strategy(capsys):
    argv = ["bench", "fallback", "--json", "--requests", "8", "--fault-rate", "0.5", "--stall-ms", "60000",
            "--attempt-timeout-ms", "2000", "--hedge-after-ms", "60", "--retry-after-s", "0.2", "--concurrency", "8"]  # fmt: skip
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["requests"] == 8 and report["fault_rate"] == 0.5
    assert set(report["strategies"]) == {"naive", "fallback", "hedged"}
    for figures in report["strategies"].values():
        assert figures["unanswered"] == 0
        assert 0 < figures["p50_ms"] <= figures["p99_ms"] <= figures["max_ms"]
    assert isinstance(report["goal_met"], bool) and report["hedged_vs_naive_p99"] > 0


def test_bench_fallback_refuses_nonsense(capsys):
    assert main(["bench", "fallback", "--fault-rate", "2"]) == 2
    assert "--fault-rate" in capsys.readouterr().err


def test_each_strategy_gets_its_own_simulator():
    events: list[tuple[str, int]] = []

    class Tracked(LLMSimulator):
        def start(self):
            events.append(("start", id(self)))
            return super().start()

        def stop(self):
            events.append(("stop", id(self)))
            super().stop()

    # No faults: this is about the simulators' lifetimes, and a fault-free decision never needs a timeout.
    cfg = FallbackBenchConfig(requests=4, fault_rate=0.0, attempt_timeout_ms=60_000, stall_ms=120_000,
                              retry_after_s=0.1, hedge_after_ms=50, concurrency=2)  # fmt: skip
    report = asyncio.run(run_bench(cfg, simulator=Tracked))
    assert [kind for kind, _ in events] == ["start", "stop"] * 3, "a strategy ran while another's simulator served"
    assert len({sim for _, sim in events}) == 3
    assert all(figures["unanswered"] == 0 for figures in report["strategies"].values())
