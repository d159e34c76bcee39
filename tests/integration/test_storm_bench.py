"""``openclaw bench storm`` smoke test: a small storm (40 alerts about 5 workloads, no LLM latency).

Covers: the storm webhook groups into exactly one incident per workload (pods named after their
deployment group with it), every alert with its own fingerprint; the report's keys; every
accepted run finished (none left ``running``); one incident per subject; the catalog's reads cost
no LLM request, so the model was asked exactly once per subject, as the run results record it (no
step over NIM's rate budget at this size); the CLI prints the same object
with ``--json``; with a budget of one request a minute the other steps are answered by the rules
(every step either asked the LLM or was over budget). No timing is asserted.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openclaw.bench.storm import run_bench, storm_webhook
from openclaw.cli.main import main
from openclaw.models.incident import incidents_from_alertmanager

KEYS = {"alerts", "subjects", "llm_latency_ms", "max_concurrent_runs", "accept_s", "last_decision_s", "incidents",
        "rejected", "statuses", "llm_steps", "llm_attempts_recorded", "llm_over_budget", "llm_requests", "llm_calls_per_alert",
        "llm_calls_per_subject"}


def test_the_storm_webhook_groups_into_one_incident_per_workload() -> None:
    webhook = storm_webhook(40, 5)
    assert webhook["version"] == "4" and len(webhook["alerts"]) == 40
    assert len({a["fingerprint"] for a in webhook["alerts"]}) == 40
    assert {a["labels"]["job"] for a in webhook["alerts"]} == {"kube-state-metrics"}
    assert {"pod", "deployment"} <= {k for a in webhook["alerts"] for k in a["labels"]}
    loaded = incidents_from_alertmanager(webhook)
    assert not loaded.rejected and len(loaded.incidents) == 5
    assert sorted(len(i.alerts) for i in loaded.incidents) == [8] * 5
    assert all(len({a.alertname for a in i.alerts}) > 1 for i in loaded.incidents)  # pod and deployment alerts together


@pytest.mark.asyncio
async def test_a_small_storm_finishes_with_one_llm_call_per_subject_and_round(tmp_path: Path) -> None:
    report = await run_bench(alerts=40, subjects=5, llm_latency_ms=0, poll_s=0.05, home=tmp_path / "bench")
    assert set(report) == KEYS
    assert (report["alerts"], report["subjects"], report["incidents"], report["rejected"]) == (40, 5, 5, 0)
    assert sum(report["statuses"].values()) == 5 and "running" not in report["statuses"]
    assert set(report["statuses"]) <= {"completed", "awaiting_approval"}
    assert report["llm_over_budget"] == 0  # 15 requests at most: within NIM's 60 a minute
    assert report["llm_requests"] == report["llm_attempts_recorded"] == report["llm_steps"] == 5  # one per subject
    assert report["llm_calls_per_subject"] == report["llm_requests"] / 5
    assert report["llm_calls_per_alert"] == round(report["llm_requests"] / 40, 3)


def test_bench_storm_cli_prints_one_json_object(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "storm", "--alerts", "6", "--subjects", "2", "--llm-latency-ms", "0", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) == KEYS and report["incidents"] == 2 and "running" not in report["statuses"]
    assert main(["bench", "storm", "--alerts", "2", "--subjects", "3"]) == 2


@pytest.mark.asyncio
async def test_steps_over_the_llm_rate_budget_are_answered_by_the_rules(tmp_path: Path) -> None:
    report = await run_bench(alerts=6, subjects=2, llm_latency_ms=0, llm_rpm=1, poll_s=0.05, home=tmp_path / "bench")
    assert report["incidents"] == 2 and "running" not in report["statuses"]
    assert report["llm_over_budget"] > 0
    assert report["llm_requests"] == report["llm_attempts_recorded"]
    assert report["llm_requests"] + report["llm_over_budget"] == report["llm_steps"]
