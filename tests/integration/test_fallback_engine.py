"""Fallback through the whole graph: Engine.run with real providers against the simulator.

Covers: for each vendor fault at nim, the run completes through gemini with the right
outcome recorded (a stall costs no more than the attempt timeout) and no traceback (status not failed, no error); the whole chain walked:
nim (fault) → gemini (fault) → claude (fault) → rules, every hop recorded and the run
marked degraded; no openai/ollama/httpx exception escapes Engine.run whatever every
vendor does (each fault at every vendor, Ollama and structured intent/complexity
included); an incident deadline that passes while a vendor stalls hands the turn to rules;
every configured vendor answering 404 "model not found" is a degradation (and counts in the
trust provenance factor), while vendors disabled in providers.yaml are not; a connection
error names the base URL and an invalid port is one clear line; hedge_after_ms in
routing.yaml races a silent primary through Engine.run.

Nothing here depends on the machine's speed: the attempt timeout is far longer than a
loopback answer takes, except in the tests about stalls, where it is short and the stall
far longer than it (a stalled reply never arrives in time, however loaded the machine).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from openclaw.engine import Engine
from openclaw.models.incident import Incident
from openclaw.settings import load_settings, shipped_config_dir
from openclaw.testing.llm_sim import (
    Disconnect,
    EmptyChoices,
    HTTPError,
    JSONContent,
    LLMSimulator,
    NonJSON,
    Stall,
    Text,
    ToolCall,
    auth_error,
    malformed_tool_call,
    rate_limited,
    refused_url,
    server_error,
    unknown_tool,
)
from openclaw.wiring import build_registry

pytestmark = pytest.mark.asyncio

SHOW_PODS = "Show me all pods in awoooi-prod namespace"
GET_PODS = ToolCall("kubectl_get", {"resource": "pods", "namespace": "awoooi-prod"})


@pytest.fixture
def sim():
    with LLMSimulator() as s:
        yield s


ATTEMPT_TIMEOUT_S = 10
"""Far beyond what a loopback answer takes, even on a loaded machine (Retry-After 30 still does not fit)."""
STALL_TIMEOUT_S = 2
"""The attempt timeout of the tests that cut a stall (STALL); the other vendors answer well within it."""
STALL = Stall(120)
"""Far longer than any attempt timeout or deadline here: never answers in time."""


def config_dir(tmp_path: Path, **routing_changes) -> Path:
    target = tmp_path / "configs"
    shutil.copytree(shipped_config_dir(), target)
    routing = yaml.safe_load((target / "routing.yaml").read_text())
    routing.update({"attempt_timeout_s": ATTEMPT_TIMEOUT_S, "deadline_s": 60})
    for key, value in routing_changes.items():
        if key == "fast_path":
            routing["fast_path"] = value
        else:
            routing[key] = value
    (target / "routing.yaml").write_text(yaml.safe_dump(routing))
    return target


def environ(sim, **overrides):
    env = {
        "NVIDIA_API_KEY": "nvapi-test", "NVIDIA_API_BASE_URL": sim.openai_url("nim"),
        "GEMINI_API_KEY": "g-test", "GEMINI_BASE_URL": sim.openai_url("gemini"),
        "ANTHROPIC_API_KEY": "a-test", "ANTHROPIC_BASE_URL": sim.openai_url("claude"),
    }  # fmt: skip
    env.update(overrides)
    return env


async def run(tmp_path, env, description=SHOW_PODS, **routing_changes):
    settings = load_settings(config_dir=config_dir(tmp_path, **routing_changes), home=tmp_path / "home", environ=env)
    async with Engine(settings, registry=build_registry(settings)) as engine:
        return await engine.run(Incident(description=description))


def hops(result, node="decide"):
    return [(a["provider"], a["outcome"]) for a in result["attempts"] if a["node"] == node]


def decide_errors(result):
    return [a["error"] for a in result["attempts"] if a["node"] == "decide"]


def assert_clean(result):
    assert result["status"] != "failed", result["error"]
    assert result["error"] is None


NIM_FAULTS = [
    (rate_limited(30), "rate_limited"),
    (server_error(500), "server_error"),
    (server_error(503), "server_error"),
    (auth_error(401), "auth_error"),
    (auth_error(403), "auth_error"),
    (STALL, "timeout"),
    (Disconnect(), "connection_error"),
    (NonJSON(), "invalid_output"),
    (EmptyChoices(), "invalid_output"),
    (malformed_tool_call(), "invalid_output"),
    (unknown_tool(), "invalid_output"),
    (ToolCall("kubectl_get", {"resource": "secrets"}), "invalid_output"),
    (Text("All pods look fine."), "invalid_output"),
    (None, "unavailable"),
]


@pytest.mark.parametrize(("fault", "outcome"), NIM_FAULTS, ids=[o + "-" + str(i) for i, (_, o) in enumerate(NIM_FAULTS)])
async def test_each_fault_falls_through_to_the_next_provider(sim, tmp_path, fault, outcome):
    if fault is not None:
        sim.enqueue(fault, prefix="nim")
    else:
        sim.set_default(None, prefix="nim")
    sim.enqueue(GET_PODS, prefix="gemini")
    timeout = {"attempt_timeout_s": STALL_TIMEOUT_S} if fault is STALL else {}
    result = await run(tmp_path, environ(sim), **timeout)
    assert_clean(result)
    assert hops(result) == [("nim", outcome), ("gemini", "ok")]
    assert result["decision"]["provider"] == "gemini"
    assert result["decision"]["tool_calls"][0]["args"] == {"resource": "pods", "namespace": "awoooi-prod"}
    assert result["degraded"] is False
    assert result["status"] == "completed"
    if outcome == "timeout":  # the promise: a stall costs the attempt timeout, not the stall
        assert result["attempts"][-2]["latency_ms"] < STALL.seconds * 1000 / 2


async def test_connection_refused_falls_through(sim, tmp_path):
    sim.enqueue(GET_PODS, prefix="gemini")
    url = refused_url() + "/v1"
    result = await run(tmp_path, environ(sim, NVIDIA_API_BASE_URL=url))
    assert_clean(result)
    assert hops(result) == [("nim", "connection_error"), ("gemini", "ok")]
    assert f"cannot reach {url}" in decide_errors(result)[0]


async def test_an_invalid_port_is_one_clear_line(sim, tmp_path):
    sim.enqueue(GET_PODS, prefix="gemini")
    result = await run(tmp_path, environ(sim, NVIDIA_API_BASE_URL="http://127.0.0.1:99999/v1"))
    assert_clean(result)
    assert hops(result) == [("nim", "unavailable"), ("gemini", "ok")]
    error = decide_errors(result)[0]
    assert "NVIDIA_API_BASE_URL" in error and "99999" in error and "ExceptionGroup" not in error


async def test_hedging_through_the_engine(sim, tmp_path):
    """hedge_after_ms in routing.yaml: a silent nim is raced by gemini, whose answer is used."""
    sim.enqueue(Stall(120, then=GET_PODS), prefix="nim")  # cancelled when gemini wins
    sim.enqueue(GET_PODS, prefix="gemini")
    routes = yaml.safe_load((shipped_config_dir() / "routing.yaml").read_text())["routes"]
    routes["tool_calling"]["hedge_after_ms"] = 100
    result = await run(tmp_path, environ(sim), routes=routes)
    assert_clean(result)
    assert sorted(hops(result)) == [("gemini", "ok"), ("nim", "timeout")]
    nim = next(a for a in result["attempts"] if a["node"] == "decide" and a["provider"] == "nim")
    assert "answered first" in nim["error"] and "hedged" in nim["error"]
    assert result["decision"]["provider"] == "gemini" and result["degraded"] is False
    assert len(sim.chat_requests("gemini")) == 1 and sim.chat_requests("claude") == []


async def test_whole_chain_nim_gemini_claude_rules(sim, tmp_path):
    sim.enqueue(server_error(503), prefix="nim")
    sim.enqueue(malformed_tool_call(), prefix="gemini")
    sim.enqueue(rate_limited(30), prefix="claude")
    result = await run(tmp_path, environ(sim))
    assert_clean(result)
    assert hops(result) == [("nim", "server_error"), ("gemini", "invalid_output"), ("claude", "rate_limited"), ("rules", "ok")]
    assert result["route"]["chain"] == [
        "nim/nvidia/nemotron-mini-4b-instruct", "gemini/gemini-1.5-flash", "claude/claude-3-haiku", "rules/embedded",
    ]  # fmt: skip
    assert result["decision"]["provider"] == "rules"
    assert result["degraded"] is True
    assert [a["action"] if "action" in a else a["name"] for a in result["actions"]] == ["kubectl_get"]
    errors = [a["error"] for a in result["attempts"] if a["node"] == "decide"][:3]
    assert "503" in errors[0] and "not a JSON object" in errors[1] and "Retry-After 30s" in errors[2]


FAULT_KINDS = [rate_limited(30), server_error(500), auth_error(401), STALL, Disconnect(), NonJSON(), EmptyChoices(),
               malformed_tool_call(), unknown_tool(), Text("no"), JSONContent({"task_type": "nonsense"})]  # fmt: skip


@pytest.mark.parametrize("fault", FAULT_KINDS, ids=lambda f: type(f).__name__)
async def test_no_client_exception_escapes_engine_run(sim, tmp_path, fault):
    """Every vendor (Ollama included, every LLM node asked) answers with the same fault."""
    for prefix in ("nim", "gemini", "claude", "ollama"):
        sim.set_default(fault, prefix=prefix)
    env = environ(sim, OLLAMA_BASE_URL=sim.ollama_url("ollama"))
    always_ask = {"intent_confidence": 1.0, "complexity_confidence": 1.0}
    # Every vendor stalls, so no answer can be cut by a short timeout: 0.5 s keeps the 12 stalls quick.
    timeout = {"attempt_timeout_s": 0.5} if fault is STALL else {}
    result = await run(tmp_path, env, "the web frontend is slow and pods restart now and then", fast_path=always_ask,
                       **timeout)
    assert_clean(result)
    for node in ("classify_intent", "analyze_complexity", "decide"):
        walked = hops(result, node)
        assert walked[-1] == ("rules", "ok"), (node, walked)
        assert all(outcome != "ok" for _, outcome in walked[:-1])
    assert result["degraded"] is True
    assert sim.chat_requests("ollama"), "Ollama was asked"


async def test_llm_answers_intent_and_complexity_when_rules_is_unsure(sim, tmp_path):
    sim.enqueue(JSONContent({"task_type": "tool_calling", "confidence": 0.9}), prefix="ollama")
    sim.enqueue(JSONContent({"level": "simple", "score": 0.2}), prefix="ollama")
    sim.enqueue(GET_PODS, prefix="nim")
    env = environ(sim, OLLAMA_BASE_URL=sim.ollama_url("ollama"))
    result = await run(tmp_path, env, fast_path={"intent_confidence": 1.0, "complexity_confidence": 1.0})
    assert_clean(result)
    assert result["intent"] == {"task_type": "tool_calling", "confidence": 0.9, "provider": "ollama"}
    assert result["complexity"]["provider"] == "ollama" and result["complexity"]["level"] == "simple"
    assert result["decision"]["provider"] == "nim"


async def test_deadline_passing_hands_the_turn_to_rules(sim, tmp_path):
    sim.set_default(STALL, prefix="nim")
    sim.set_default(GET_PODS, prefix="gemini")
    result = await run(tmp_path, environ(sim), deadline_s=1)
    assert_clean(result)
    assert hops(result) == [("nim", "timeout"), ("rules", "ok")]
    assert result["degraded"] is True
    assert sim.chat_requests("gemini") == []


async def test_every_configured_vendor_404_is_a_degradation(sim, tmp_path):
    """A retired model id (HTTP 404, outcome unavailable) at a configured vendor is a failure, not "no key"."""
    for prefix in ("nim", "gemini", "claude"):
        sim.set_default(HTTPError(404, "model not found"), prefix=prefix)
    result = await run(tmp_path, environ(sim))
    assert_clean(result)
    assert hops(result) == [("nim", "unavailable"), ("gemini", "unavailable"), ("claude", "unavailable"), ("rules", "ok")]
    assert "HTTP 404" in result["attempts"][-2]["error"]
    assert result["decision"]["provider"] == "rules"
    assert result["degraded"] is True
    assert any("after 3 failed attempt(s)" in r for r in result["actions"][0]["reasons"])


async def test_vendors_disabled_in_providers_yaml_are_not_a_degradation(sim, tmp_path):
    target = config_dir(tmp_path)
    providers = yaml.safe_load((target / "providers.yaml").read_text())
    for name in ("nim", "gemini", "claude"):
        providers["providers"][name]["enabled"] = False
    (target / "providers.yaml").write_text(yaml.safe_dump(providers))
    settings = load_settings(config_dir=target, home=tmp_path / "home", environ=environ(sim))
    async with Engine(settings, registry=build_registry(settings)) as engine:
        result = await engine.run(Incident(description=SHOW_PODS))
    assert_clean(result)
    assert hops(result) == [("nim", "unavailable"), ("gemini", "unavailable"), ("claude", "unavailable"), ("rules", "ok")]
    assert "disabled in providers.yaml" in result["attempts"][-2]["error"]
    assert result["degraded"] is False
    assert any("after 0 failed attempt(s)" in r for r in result["actions"][0]["reasons"])
    assert sim.chat_requests() == []
