"""``openclaw bench startup --json``: cold-start figures from fresh interpreters.

Covers: the report's shape (medians of ``--runs`` samples for the run, the bare LangGraph
import and ``--help``; the ratio is the run's median over the baseline's); the sampled
commands run on the embedded defaults (every vendor variable, the cluster and the state
directory of the caller are dropped, so a developer's NVIDIA_API_KEY or KUBECONFIG cannot
turn the benchmark into a network or cluster run); a usage error for nonsense arguments.
Timings are figures, never asserted.
"""

from __future__ import annotations

import json

import pytest

from openclaw.bench.startup import embedded_environ
from openclaw.cli.main import main
from openclaw.providers.vendors import VENDORS


def test_bench_startup_reports_medians_and_the_ratio(capsys):
    assert main(["bench", "startup", "--runs", "1", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["runs"] == 1
    assert {len(v) for v in report["samples_ms"].values()} == {1}
    for name in ("openclaw", "baseline", "help"):
        assert report[f"{name}_ms"] == report["samples_ms"][name][0] > 0
    assert report["ratio"] == pytest.approx(report["openclaw_ms"] / report["baseline_ms"], abs=0.01)  # from unrounded medians
    assert report["target_ratio"] == 1.3
    if report["cpu_ratio"] is not None:  # where the OS reports children's CPU time
        assert report["openclaw_cpu_ms"] > 0 and report["baseline_cpu_ms"] > 0


def test_sampled_commands_see_no_vendor_cluster_or_state_variable():
    caller = {var: "set" for vendor in VENDORS.values() for var in vendor.env_vars}
    caller.update(KUBECONFIG="/k", OPENCLAW_HOME="/h", OTEL_EXPORTER_OTLP_ENDPOINT="http://x", PATH="/bin", LANG="C")
    assert embedded_environ(caller) == {"PATH": "/bin", "LANG": "C"}


def test_bench_startup_refuses_nonsense(capsys):
    assert main(["bench", "startup", "--runs", "0"]) == 2
    assert "--runs" in capsys.readouterr().err
