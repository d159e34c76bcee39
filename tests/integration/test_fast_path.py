"""The fast path: a confident rules classifier spends no LLM call on intent or complexity.

Covers, with Ollama (the intent/complexity chain's first provider) on the loopback simulator:
a clear request is classified by rules alone (one `rules` attempt per node, no request reaches
Ollama for them); an ambiguous one is sent to Ollama, whose structured answer is used; the
threshold lives in routing.yaml (raising it to 1.0 sends even a clear request to the LLM).
"""

from __future__ import annotations

import shutil

import pytest
import yaml

from openclaw.engine import Engine
from openclaw.models.incident import Incident
from openclaw.settings import load_settings, shipped_config_dir
from openclaw.testing.llm_sim import JSONContent, LLMSimulator
from openclaw.wiring import build_registry

pytestmark = pytest.mark.asyncio


def _configs(tmp_path, threshold=None):
    target = tmp_path / "configs"
    shutil.copytree(shipped_config_dir(), target, ignore=shutil.ignore_patterns("k8s"))
    if threshold is not None:
        routing = yaml.safe_load((target / "routing.yaml").read_text())
        routing["fast_path"] = {"intent_confidence": threshold, "complexity_confidence": threshold}
        (target / "routing.yaml").write_text(yaml.safe_dump(routing))
    return target


async def _run(tmp_path, sim, description, threshold=None):
    env = {"OLLAMA_BASE_URL": sim.ollama_base_url, "OPENCLAW_HOME": str(tmp_path / "home")}
    settings = load_settings(config_dir=_configs(tmp_path, threshold), environ=env)
    async with Engine(settings, registry=build_registry(settings)) as engine:
        return await engine.run(Incident(description=description))


def _asked(result, node):
    return [(a["provider"], a["outcome"]) for a in result["attempts"] if a["node"] == node]


@pytest.fixture
def sim():
    with LLMSimulator() as s:
        s.set_hook(lambda body: JSONContent({"task_type": "incident_analysis", "confidence": 0.9}
                                            if "task_type" in str(body.get("format")) else
                                            {"level": "complex", "score": 0.8}))
        yield s


async def test_a_clear_request_spends_no_llm_call_on_intent_or_complexity(tmp_path, sim):
    result = await _run(tmp_path, sim, "Show me all pods in awoooi-prod namespace")
    assert _asked(result, "classify_intent") == [("rules", "ok")]
    assert _asked(result, "analyze_complexity") == [("rules", "ok")]
    assert sim.chat_requests() == []


async def test_an_ambiguous_incident_is_classified_by_the_llm(tmp_path, sim):
    result = await _run(tmp_path, sim, "the numbers on the dashboard look weird since this morning")
    assert _asked(result, "classify_intent") == [("ollama", "ok")]
    assert result["intent"] == {"task_type": "incident_analysis", "confidence": 0.9, "provider": "ollama"}
    assert sim.chat_requests()


async def test_the_threshold_is_configuration(tmp_path, sim):
    result = await _run(tmp_path, sim, "Show me all pods in awoooi-prod namespace", threshold=1.0)
    assert _asked(result, "classify_intent") == [("ollama", "ok")]
