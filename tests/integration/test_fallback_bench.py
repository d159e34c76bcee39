"""``openclaw bench fallback --json``: the three strategies run against the simulator and report figures.

Covers: the report's shape (p50/p99 per strategy, the hedged/naive ratio, the goal flag),
every decision answered in every strategy (faults are absorbed, never raised), and a
usage error for nonsense arguments. Timings are figures, never asserted.
"""

from __future__ import annotations

import json

from openclaw.cli.main import main


def test_bench_fallback_reports_every_strategy(capsys):
    argv = ["bench", "fallback", "--json", "--requests", "12", "--fault-rate", "0.5", "--stall-ms", "400",
            "--attempt-timeout-ms", "300", "--hedge-after-ms", "60", "--retry-after-s", "0.2", "--concurrency", "6"]  # fmt: skip
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["requests"] == 12 and report["fault_rate"] == 0.5
    assert set(report["strategies"]) == {"naive", "fallback", "hedged"}
    for figures in report["strategies"].values():
        assert figures["unanswered"] == 0
        assert 0 < figures["p50_ms"] <= figures["p99_ms"] <= figures["max_ms"]
    assert isinstance(report["goal_met"], bool) and report["hedged_vs_naive_p99"] > 0


def test_bench_fallback_refuses_nonsense(capsys):
    assert main(["bench", "fallback", "--fault-rate", "2"]) == 2
    assert "--fault-rate" in capsys.readouterr().err
