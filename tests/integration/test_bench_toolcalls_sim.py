"""``openclaw bench toolcalls --provider nim`` against the simulator, through the real ChatOpenAI.

Covers: the eight tool-calling cases answered by a scripted NIM (the hook reads the prompt out of
the user message and answers the expected tool), accuracy and per-case results in the
``--json`` report, the key and NEMOTRON_TOOL_MODEL reaching the wire; a wrong tool and an
unknown tool count as misses with the error recorded; without NVIDIA_API_KEY the command
exits 2 naming the variable; ``--provider nim,gemini`` without a Gemini key exits 2 before
nim is asked at all.
"""

from __future__ import annotations

import json

import pytest

from openclaw.bench.toolcalls import DEFAULT_CASES, load_cases
from openclaw.cli.main import main
from openclaw.testing.llm_sim import LLMSimulator, ToolCall, unknown_tool

CASES = load_cases(DEFAULT_CASES)
BASE_ARGS = {
    "kubectl_get": {"resource": "pods"},
    "restart_deployment": {"deployment": "awoooi-worker", "namespace": "awoooi-prod"},
    "scale_deployment": {"deployment": "awoooi-web", "namespace": "awoooi-prod", "replicas": 3},
    "get_logs": {"pod": "awoooi-api-xxx", "namespace": "awoooi-prod"},
    "send_alert": {"severity": "critical", "message": "Database connection failed"},
}


def answer_for(body: dict, *, wrong: set[str] = frozenset(), unknown: set[str] = frozenset()):
    user = body["messages"][-1]["content"]
    case = next(c for c in CASES if c.prompt in user)
    if case.id in unknown:
        return unknown_tool()
    tool = "send_alert" if case.id in wrong else case.expected_tool
    args = {**BASE_ARGS[tool], **(case.expected_params if tool == case.expected_tool else {})}
    return ToolCall(tool, args)


@pytest.fixture
def sim(monkeypatch):
    with LLMSimulator() as s:
        monkeypatch.setenv("NVIDIA_API_KEY", "nvapi-bench")
        monkeypatch.setenv("NVIDIA_API_BASE_URL", s.openai_url("nim"))
        monkeypatch.setenv("NEMOTRON_TOOL_MODEL", "nvidia/nemotron-test-tool")
        yield s


def bench(capsys) -> dict:
    assert main(["bench", "toolcalls", "--provider", "nim", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_all_eight_cases_correct(sim, capsys):
    sim.set_hook(answer_for, prefix="nim")
    report = bench(capsys)
    assert (report["provider"], report["total"], report["correct"], report["accuracy"]) == ("nim", 8, 8, 1.0)
    assert report["model"] == "nvidia/nemotron-test-tool"
    requests = sim.chat_requests("nim")
    assert len(requests) == 8
    assert {r.headers["authorization"] for r in requests} == {"Bearer nvapi-bench"}
    assert {r.body["model"] for r in requests} == {"nvidia/nemotron-test-tool"}
    assert all(r["ok"] and r["error"] is None for r in report["results"])


def test_wrong_and_unknown_tools_are_misses(sim, capsys):
    sim.set_hook(lambda body: answer_for(body, wrong={"TC001"}, unknown={"TC002"}), prefix="nim")
    report = bench(capsys)
    assert report["correct"] == 6 and report["accuracy"] == 0.75
    by_id = {r["id"]: r for r in report["results"]}
    assert by_id["TC001"]["tool_calls"][0]["name"] == "send_alert" and not by_id["TC001"]["ok"]
    assert by_id["TC002"]["error"].startswith("invalid_output: ") and "delete_cluster" in by_id["TC002"]["error"]


def test_missing_key_is_a_usage_error(monkeypatch, capsys):
    assert main(["bench", "toolcalls", "--provider", "nim", "--json"]) == 2
    assert "NVIDIA_API_KEY" in capsys.readouterr().err


def test_a_missing_key_fails_before_any_provider_is_asked(sim, capsys):
    sim.set_hook(answer_for, prefix="nim")
    assert main(["bench", "toolcalls", "--provider", "nim,gemini", "--json"]) == 2
    captured = capsys.readouterr()
    assert "GEMINI_API_KEY" in captured.err and len(captured.err.strip().splitlines()) == 1
    assert captured.out == ""
    assert sim.chat_requests("nim") == [], "nim's requests were spent before the missing key was noticed"
