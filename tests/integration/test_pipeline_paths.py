"""Every path through the decision graph on the embedded defaults (no keys, no cluster, no network).

Covers: read-only → completed (planned API calls); production restart → awaiting_approval with a
persisted checkpoint paused at the gate; staging restart → auto, planned; scale to zero → 2
approvals; kube-system → denied; invalid arguments → denied and never executed; general chat →
a reply and no actions; attempts record the fast path and every unavailable vendor in the route;
a node that crashes still leaves a failed record; unconfigured vendors take no superstep of their own; the
tool-calling cases TC001–TC008 as incidents.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from openclaw.engine import Engine
from openclaw.models.incident import Incident
from openclaw.settings import load_settings

pytestmark = pytest.mark.asyncio

TOOLCALL_CASES = Path(__file__).resolve().parents[2] / "openclaw" / "bench" / "cases" / "toolcalls.yaml"


async def _run(description: str, **fields):
    async with Engine(load_settings()) as engine:
        result = await engine.run(Incident(description=description, **fields))
        checkpoint = await engine.checkpoint(result["run_id"])
        stored = engine.store.get(result["run_id"])
    assert stored == result
    return result, checkpoint


async def test_read_only_completes_with_planned_calls():
    result, checkpoint = await _run("Show me all pods in awoooi-prod namespace")
    assert result["status"] == "completed"
    assert result["intent"]["provider"] == "rules"
    [action] = result["actions"]
    assert action["name"] == "kubectl_get" and action["args"]["resource"] == "pods"
    assert (action["verdict"], action["status"], action["mutating"]) == ("auto", "planned", False)
    assert action["result"]["calls"][0]["method"] == "GET"
    assert action["result"]["calls"][0]["path"] == "/api/v1/namespaces/awoooi-prod/pods"
    assert checkpoint["next"] == []


async def test_production_restart_waits_for_approval_at_the_gate():
    result, checkpoint = await _run("The API is not responding, please restart the awoooi-api deployment")
    assert result["status"] == "awaiting_approval"
    [action] = result["actions"]
    assert action["name"] == "restart_deployment"
    assert action["args"] == {"deployment": "awoooi-api", "namespace": "awoooi-prod"}
    assert (action["verdict"], action["approvals_required"], action["status"]) == ("approval", 1, "awaiting_approval")
    assert action["result"] is None
    assert len(action["digest"]) == 64
    assert any("production" in r for r in action["reasons"])
    assert checkpoint["next"] == ["approval_gate"]
    assert checkpoint["interrupts"][0]["pending"][0]["digest"] == action["digest"]


async def test_staging_restart_runs_on_its_own():
    result, _ = await _run("restart deployment awoooi-api in namespace awoooi-staging")
    [action] = result["actions"]
    assert (action["verdict"], action["status"]) == ("auto", "planned")
    call = action["result"]["calls"][0]
    assert call["method"] == "PATCH" and call["path"].endswith("/namespaces/awoooi-staging/deployments/awoooi-api")
    assert "kubectl.kubernetes.io/restartedAt" in str(call["body"])
    assert result["status"] == "completed"


async def test_scale_to_zero_needs_two_approvals_even_outside_production():
    result, _ = await _run("scale deployment awoooi-web to 0 replicas in namespace awoooi-staging")
    [action] = result["actions"]
    assert (action["verdict"], action["approvals_required"]) == ("approval", 2)


async def test_kube_system_mutation_is_denied():
    result, checkpoint = await _run("restart deployment coredns in namespace kube-system")
    [action] = result["actions"]
    assert (action["verdict"], action["status"]) == ("deny", "denied")
    assert action["result"] is None
    assert result["status"] == "denied"
    assert checkpoint["next"] == []


async def test_invalid_arguments_are_denied_and_never_executed():
    result, _ = await _run("scale deployment awoooi-web to 40 replicas in namespace awoooi-staging")
    [action] = result["actions"]
    assert action["verdict"] == "deny" and action["status"] == "denied"
    assert any("replicas" in r for r in action["reasons"])
    assert action["result"] is None


async def test_general_chat_replies_without_actions():
    result, _ = await _run("hi there, thanks for the help yesterday!")
    assert result["intent"]["task_type"] == "general_chat"
    assert result["actions"] == [] and result["decision"]["tool_calls"] == []
    assert result["decision"]["reply"]
    assert result["status"] == "completed"


async def test_attempts_show_fast_path_and_unavailable_vendors():
    result, _ = await _run("Show me all pods in awoooi-prod namespace")
    decide = [a for a in result["attempts"] if a["node"] == "decide"]
    assert [a["provider"] for a in decide] == ["nim", "gemini", "claude", "rules"]
    assert [a["outcome"] for a in decide] == ["unavailable", "unavailable", "unavailable", "ok"]
    assert "NVIDIA_API_KEY" in decide[0]["error"]
    assert result["route"]["chain"][0] == "nim/nvidia/nemotron-mini-4b-instruct"
    assert result["route"]["chain"][-1] == "rules/embedded"
    assert result["decision"]["provider"] == "rules"
    assert result["degraded"] is False, "vendors without credentials are not a degradation: rules is the provider"


async def test_unconfigured_vendors_cost_no_superstep_of_their_own():
    async with Engine(load_settings()) as engine:
        result = await engine.run(Incident(description="Show me all pods in awoooi-prod namespace"))
        steps = [o["node"] for o in engine.store.node_outputs(result["run_id"]) if not o["node"].startswith("__")]
    # Three vendors are recorded unavailable and rules answers, all in decide's one superstep.
    assert steps == ["classify_intent", "analyze_complexity", "decide", "trust", "approval_gate", "execute", "report"]


class _ExplodingExecutor:
    identity = "plan:test"

    async def run(self, *args, **kwargs):
        raise RuntimeError("executor blew up")


async def test_a_crashing_node_still_leaves_a_record():
    async with Engine(load_settings(), executor=_ExplodingExecutor()) as engine:
        result = await engine.run(Incident(description="Show me all pods in awoooi-prod namespace"))
        stored = engine.store.record(result["run_id"])
    assert result["status"] == "failed"
    assert "executor blew up" in result["error"]
    assert stored["result"]["status"] == "failed"
    assert stored["incident"]["description"].startswith("Show me")
    assert any(o["node"] == "__error__" for o in stored["node_outputs"])


@pytest.mark.parametrize("case", yaml.safe_load(TOOLCALL_CASES.read_text()) if TOOLCALL_CASES.exists() else [],
                         ids=lambda c: c["id"])
async def test_toolcall_cases_as_incidents(case):
    result, _ = await _run(case["prompt"])
    options = [(case["expected_tool"], case["expected_params"])] + [
        (a["tool"], a.get("params", {})) for a in case.get("also_accept", [])
    ]
    first = result["decision"]["tool_calls"][0]
    assert any(first["name"] == tool and all(first["args"].get(k) == v for k, v in params.items())
               for tool, params in options), first
