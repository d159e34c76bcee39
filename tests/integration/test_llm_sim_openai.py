"""The loopback LLM simulator driven by the real ``langchain_openai.ChatOpenAI``.

Covers: scripted tool calls (parsed args, ids, usage metadata) sync and async; what the
client sent (model, tools, temperature, max_tokens, ``Authorization: Bearer``);
malformed tool-call JSON landing in ``invalid_tool_calls``; unknown tool names passed
through; structured output (json_schema, json_mode); SSE streaming with usage; the
exact exception for every fault (429 + Retry-After, 500, 503, 401, 403, stall past the
timeout, disconnect, connection refused, non-JSON 200, empty choices, nothing
scripted); vendor prefixes and per-model scripts; hooks; FIFO-then-default order;
deterministic fraction faults; concurrent requests while one is stalled and a prompt
stop; reset.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import threading
from typing import Any

import openai
import pytest
from langchain_core import exceptions as lc
from langchain_openai import ChatOpenAI
from pydantic import BaseModel

from openclaw.models.tools import TOOLS, openai_tool_schemas
from openclaw.testing.llm_sim import (
    Disconnect,
    EmptyChoices,
    FaultPlan,
    JSONContent,
    LLMSimulator,
    NonJSON,
    Stall,
    Text,
    ToolCall,
    ToolCalls,
    Usage,
    auth_error,
    malformed_tool_call,
    rate_limited,
    refused_url,
    server_error,
    unknown_tool,
)

RESTART = ToolCall("restart_deployment", {"deployment": "awoooi-api", "namespace": "awoooi-prod"})
_fresh = itertools.count()


@pytest.fixture
def sim():
    with LLMSimulator() as s:
        yield s


def base_url(sim: LLMSimulator, mode: str) -> str:
    """The root script's URL. Async calls get a never-seen prefix (it falls back to the root
    script) because langchain-openai caches one async HTTP client per (base_url, timeout)
    process-wide, bound to the first event loop; a reused port would hit a closed loop."""
    return sim.openai_base_url if mode == "sync" else sim.openai_url(f"loop{next(_fresh)}")


def chat(url: str, *, timeout: float = 60.0, model: str = "nvidia/nemotron-mini-4b-instruct", **kw: Any) -> ChatOpenAI:
    """``timeout`` far beyond a loopback answer (a loaded machine must not turn an answer into a timeout)."""
    return ChatOpenAI(base_url=url, api_key="test", model=model, max_retries=0, timeout=timeout, **kw)


def call(llm: Any, mode: str, prompt: str = "restart awoooi-api") -> Any:
    return llm.invoke(prompt) if mode == "sync" else asyncio.run(llm.ainvoke(prompt))


modes = pytest.mark.parametrize("mode", ["sync", "async"])


@modes
def test_scripted_tool_call_is_parsed_with_usage(sim: LLMSimulator, mode: str) -> None:
    sim.enqueue(ToolCalls((RESTART,), usage=Usage(prompt_tokens=120, completion_tokens=30)))
    llm = chat(base_url(sim, mode), temperature=0.2, max_tokens=256).bind_tools(openai_tool_schemas())
    msg = call(llm, mode)
    assert [(c["name"], c["args"]) for c in msg.tool_calls] == [(RESTART.name, RESTART.args)]
    assert msg.tool_calls[0]["id"].startswith("call_")
    assert msg.invalid_tool_calls == []
    assert msg.usage_metadata["input_tokens"] == 120
    assert msg.usage_metadata["total_tokens"] == 150
    assert msg.response_metadata["finish_reason"] == "tool_calls"
    (req,) = sim.chat_requests()
    assert req.headers["authorization"] == "Bearer test"
    assert req.model == "nvidia/nemotron-mini-4b-instruct"
    assert [t["function"]["name"] for t in req.body["tools"]] == list(TOOLS)
    assert req.body["temperature"] == 0.2
    assert req.body.get("max_tokens", req.body.get("max_completion_tokens")) == 256


@modes
def test_malformed_arguments_become_invalid_tool_calls(sim: LLMSimulator, mode: str) -> None:
    sim.enqueue(malformed_tool_call())
    msg = call(chat(base_url(sim, mode)).bind_tools(openai_tool_schemas()), mode)
    assert msg.tool_calls == []
    (bad,) = msg.invalid_tool_calls
    assert bad["name"] == "restart_deployment"
    assert bad["args"] == '{"deployment": "awoooi-api",'


def test_unknown_tool_name_is_passed_through(sim: LLMSimulator) -> None:
    sim.enqueue(unknown_tool("delete_cluster"))
    msg = chat(sim.openai_base_url).bind_tools(openai_tool_schemas()).invoke("x")
    assert [c["name"] for c in msg.tool_calls] == ["delete_cluster"]


class Intent(BaseModel):
    task_type: str
    confidence: float


@pytest.mark.parametrize("method,format_type", [("json_schema", "json_schema"), ("json_mode", "json_object")])
def test_structured_output_returns_scripted_json(sim: LLMSimulator, method: str, format_type: str) -> None:
    sim.enqueue(JSONContent({"task_type": "k8s_operation", "confidence": 0.9}))
    out = chat(sim.openai_base_url).with_structured_output(Intent, method=method).invoke("classify")
    assert out == Intent(task_type="k8s_operation", confidence=0.9)
    assert sim.chat_requests()[0].body["response_format"]["type"] == format_type


def test_streaming_aggregates_tool_calls_text_and_usage(sim: LLMSimulator) -> None:
    sim.enqueue(RESTART, Text("all pods healthy"))
    llm = chat(sim.openai_base_url, streaming=True, stream_usage=True).bind_tools(openai_tool_schemas())
    first, second = llm.invoke("a"), llm.invoke("b")
    assert [(c["name"], c["args"]) for c in first.tool_calls] == [(RESTART.name, RESTART.args)]
    assert second.content == "all pods healthy"
    assert second.usage_metadata["total_tokens"] == Usage().total_tokens
    assert all(r.body["stream"] is True for r in sim.chat_requests())


FAULTS = [
    pytest.param(rate_limited(3), openai.RateLimitError, lc.ModelRateLimitError, id="429"),
    pytest.param(server_error(500), openai.InternalServerError, lc.ModelAPIError, id="500"),
    pytest.param(server_error(503), openai.InternalServerError, lc.ModelAPIError, id="503"),
    pytest.param(auth_error(401), openai.AuthenticationError, lc.ModelAuthenticationError, id="401"),
    pytest.param(auth_error(403), openai.PermissionDeniedError, lc.ModelPermissionDeniedError, id="403"),
    pytest.param(Stall(30), openai.APITimeoutError, lc.ModelTimeoutError, id="stall"),
    pytest.param(Disconnect(), openai.APIConnectionError, lc.ModelConnectionError, id="disconnect"),
]


@modes
@pytest.mark.parametrize("fault,openai_exc,langchain_exc", FAULTS)
def test_fault_raises(sim: LLMSimulator, mode: str, fault: Any, openai_exc: type, langchain_exc: type) -> None:
    sim.enqueue(fault)
    # Only the stall is about the timeout (and never answers within it); every other fault gets a timeout far
    # beyond a loopback answer, so a loaded machine cannot turn it into APITimeoutError.
    timeout = 0.5 if isinstance(fault, Stall) else 60.0
    with pytest.raises(openai_exc) as info:
        call(chat(base_url(sim, mode), timeout=timeout).bind_tools(openai_tool_schemas()), mode)
    assert isinstance(info.value, langchain_exc)
    if openai_exc is openai.APIConnectionError:
        assert not isinstance(info.value, openai.APITimeoutError)


def test_rate_limit_carries_retry_after_and_error_body(sim: LLMSimulator) -> None:
    sim.enqueue(rate_limited(retry_after=7))
    with pytest.raises(openai.RateLimitError) as info:
        chat(sim.openai_base_url).invoke("x")
    assert info.value.response.headers["retry-after"] == "7"
    assert info.value.status_code == 429
    assert info.value.code == "rate_limit_exceeded"


@modes
def test_connection_refused(mode: str) -> None:
    with pytest.raises(openai.APIConnectionError) as info:
        call(chat(refused_url() + "/v1"), mode)
    assert not isinstance(info.value, openai.APITimeoutError)


@pytest.mark.parametrize(
    "fault,exc",
    [
        pytest.param(NonJSON(), json.JSONDecodeError, id="non-json-200"),  # not wrapped by openai
        pytest.param(EmptyChoices(), IndexError, id="empty-choices"),
        pytest.param(None, openai.APIStatusError, id="unscripted-418"),
    ],
)
@modes
def test_broken_bodies_raise(sim: LLMSimulator, mode: str, fault: Any, exc: type) -> None:
    if fault is not None:
        sim.enqueue(fault)
    with pytest.raises(exc) as info:
        call(chat(base_url(sim, mode)), mode)
    if fault is None:
        assert info.value.status_code == 418
        assert "sim.enqueue" in info.value.message
    assert not isinstance(info.value, openai.APIConnectionError)


def test_queue_first_then_default_and_model_echo(sim: LLMSimulator) -> None:
    sim.enqueue(Text("one"), Text("two", model="scripted-model"))
    sim.set_default(Text("default"))
    llm = chat(sim.openai_base_url)
    replies = [llm.invoke(str(i)) for i in range(4)]
    assert [m.content for m in replies] == ["one", "two", "default", "default"]
    assert replies[0].response_metadata["model_name"] == "nvidia/nemotron-mini-4b-instruct"
    assert replies[1].response_metadata["model_name"] == "scripted-model"
    assert sim.script().pending == 0


def test_vendor_prefixes_and_models_have_their_own_scripts(sim: LLMSimulator) -> None:
    sim.set_default(Text("from nim"), prefix="nim")
    sim.set_default(Text("from gemini"), prefix="gemini")
    sim.set_default(Text("from claude model"), model="claude-sonnet")
    sim.set_default(Text("root"))
    assert chat(sim.openai_url("nim")).invoke("x").content == "from nim"
    assert chat(sim.openai_url("gemini")).invoke("x").content == "from gemini"
    assert chat(sim.openai_url("claude"), model="claude-sonnet").invoke("x").content == "from claude model"
    assert chat(sim.openai_base_url).invoke("x").content == "root"
    assert [r.prefix for r in sim.chat_requests()] == ["nim", "gemini", "claude", ""]
    assert [r.path for r in sim.chat_requests("nim")] == ["/nim/v1/chat/completions"]
    with pytest.raises(ValueError, match="one path segment"):
        sim.openai_url("v1")


def test_hook_answers_from_the_request(sim: LLMSimulator) -> None:
    def hook(body: dict[str, Any]) -> Any:
        last = body["messages"][-1]["content"]
        return ToolCall("scale_deployment", {"deployment": last, "namespace": "awoooi-prod", "replicas": 3})

    sim.set_hook(hook)
    msg = chat(sim.openai_base_url).bind_tools(openai_tool_schemas()).invoke("awoooi-worker")
    assert msg.tool_calls[0]["args"]["deployment"] == "awoooi-worker"


def outcomes(seed: int, n: int = 24) -> list[str]:
    with LLMSimulator() as s:
        s.set_default(Text("ok"), faults=FaultPlan(server_error(503), fraction=0.3, seed=seed))
        llm, out = chat(s.openai_base_url), []
        for i in range(n):
            try:
                out.append(llm.invoke(str(i)).content)
            except openai.InternalServerError:
                out.append("503")
        return out


def test_fraction_faults_are_deterministic_with_the_seed() -> None:
    first, again, other = outcomes(7), outcomes(7), outcomes(8)
    rng = random.Random(7)
    assert first == again == ["503" if rng.random() < 0.3 else "ok" for _ in range(24)]
    assert other != first
    assert 0 < first.count("503") < 24
    with pytest.raises(ValueError, match="0..1"):
        FaultPlan(server_error(), fraction=1.5)


def test_stalled_request_does_not_block_others_and_stop_is_prompt() -> None:
    sim = LLMSimulator().start()
    sim.set_hook(lambda body: Stall(600) if body["messages"][-1]["content"] == "slow" else Text("fast"))
    errors: list[BaseException] = []

    def slow() -> None:
        try:
            chat(sim.openai_base_url, timeout=1200).invoke("slow")
        except BaseException as exc:  # noqa: BLE001 - recorded and asserted below
            errors.append(exc)

    thread = threading.Thread(target=slow, daemon=True)
    thread.start()
    while not sim.chat_requests():
        threading.Event().wait(0.01)
    assert chat(sim.openai_base_url).invoke("quick").content == "fast"
    sim.stop()
    thread.join(timeout=120)  # far less than the stall, far more than a prompt stop takes on a loaded machine
    assert not thread.is_alive(), "stop() left the stalled request hanging"
    assert len(errors) == 1 and isinstance(errors[0], openai.APIConnectionError)


def test_reset_forgets_requests_and_scripts(sim: LLMSimulator) -> None:
    sim.set_default(Text("x"))
    chat(sim.openai_base_url).invoke("x")
    sim.reset()
    assert sim.requests == []
    with pytest.raises(openai.APIStatusError):
        chat(sim.openai_base_url).invoke("x")


def test_models_endpoint_and_unknown_route(sim: LLMSimulator) -> None:
    client = openai.OpenAI(base_url=sim.openai_base_url, api_key="test", max_retries=0)
    assert [m.id for m in client.models.list()] == ["sim-model"]
    with pytest.raises(openai.NotFoundError):
        client.embeddings.create(model="e", input="x")
