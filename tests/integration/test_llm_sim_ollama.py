"""The loopback LLM simulator driven by the real ``langchain_ollama.ChatOllama`` and ``ollama`` clients.

Covers: scripted tool calls through ``bind_tools`` (parsed dict args, usage metadata,
NDJSON streaming which ChatOllama always uses) sync and async; what the client sent
(model, tools, ``stream``, ``format``); structured output with ``format`` (json_schema
and json_mode); non-streaming ``/api/chat`` through ``ollama.Client``; ``/api/tags``,
``/api/show`` and ``/api/version``; the exact exception for every fault (HTTP statuses,
stall past the timeout, disconnect, connection refused streaming and not, non-JSON
200, empty response, malformed and unknown tool calls); a vendor prefix.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import ollama
import pydantic
import pytest
from langchain_ollama import ChatOllama
from pydantic import BaseModel

from openclaw.models.tools import TOOLS, openai_tool_schemas
from openclaw.testing.llm_sim import (
    Disconnect,
    EmptyChoices,
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

MODEL = "qwen2.5:7b"
SCALE = ToolCall("scale_deployment", {"deployment": "awoooi-api", "namespace": "awoooi-prod", "replicas": 3})


@pytest.fixture
def sim():
    with LLMSimulator() as s:
        yield s


def chat(url: str, *, timeout: float = 60.0, **kw: Any) -> ChatOllama:
    """``timeout`` far beyond a loopback answer (a loaded machine must not turn an answer into a timeout)."""
    return ChatOllama(base_url=url, model=MODEL, client_kwargs={"timeout": timeout}, **kw)


def call(llm: Any, mode: str, prompt: str = "scale awoooi-api to 3") -> Any:
    return llm.invoke(prompt) if mode == "sync" else asyncio.run(llm.ainvoke(prompt))


modes = pytest.mark.parametrize("mode", ["sync", "async"])


@modes
def test_scripted_tool_call_is_parsed_with_usage(sim: LLMSimulator, mode: str) -> None:
    sim.enqueue(ToolCalls((SCALE,), usage=Usage(prompt_tokens=90, completion_tokens=12)))
    msg = call(chat(sim.ollama_base_url, temperature=0.1).bind_tools(openai_tool_schemas()), mode)
    assert [(c["name"], c["args"]) for c in msg.tool_calls] == [(SCALE.name, SCALE.args)]
    assert msg.usage_metadata == {"input_tokens": 90, "output_tokens": 12, "total_tokens": 102}
    assert msg.response_metadata["done_reason"] == "stop"
    (req,) = sim.chat_requests()
    assert req.path == "/api/chat"
    assert req.model == MODEL
    assert req.body["stream"] is True
    assert req.body["options"]["temperature"] == 0.1
    assert [t["function"]["name"] for t in req.body["tools"]] == list(TOOLS)


@modes
def test_streamed_text_is_aggregated(sim: LLMSimulator, mode: str) -> None:
    sim.enqueue(Text("deployment awoooi-api looks healthy"))
    assert call(chat(sim.ollama_base_url), mode).content == "deployment awoooi-api looks healthy"


class Complexity(BaseModel):
    level: str
    score: float


@modes
@pytest.mark.parametrize("method", ["json_schema", "json_mode"])
def test_structured_output_sends_format_and_parses_scripted_json(sim: LLMSimulator, mode: str, method: str) -> None:
    sim.enqueue(JSONContent({"level": "moderate", "score": 0.5}))
    out = call(chat(sim.ollama_base_url).with_structured_output(Complexity, method=method), mode)
    assert out == Complexity(level="moderate", score=0.5)
    sent = sim.chat_requests()[0].body["format"]
    if method == "json_schema":
        assert sent["required"] == ["level", "score"]
    else:
        assert sent == "json"


def test_non_streaming_chat_and_model_endpoints(sim: LLMSimulator) -> None:
    sim.enqueue(SCALE)
    client = ollama.Client(host=sim.ollama_base_url, timeout=60)
    resp = client.chat(model=MODEL, messages=[{"role": "user", "content": "x"}], tools=openai_tool_schemas(), stream=False)
    assert resp.message.tool_calls[0].function.name == "scale_deployment"
    assert resp.message.tool_calls[0].function.arguments == SCALE.args
    assert resp.done and resp.eval_count == Usage().completion_tokens
    assert sim.chat_requests()[0].body["stream"] is False
    assert [m.model for m in client.list().models] == [MODEL]
    assert "tools" in client.show(MODEL).capabilities
    assert httpx.get(sim.ollama_base_url + "/api/version").json()["version"]


def test_vendor_prefix(sim: LLMSimulator) -> None:
    sim.set_default(Text("from the gpu box"), prefix="gpu")
    sim.set_default(Text("from the laptop"))
    assert chat(sim.ollama_url("gpu")).invoke("x").content == "from the gpu box"
    assert chat(sim.ollama_base_url).invoke("x").content == "from the laptop"
    assert [r.path for r in sim.chat_requests()] == ["/gpu/api/chat", "/api/chat"]


@modes
@pytest.mark.parametrize(
    "fault",
    [rate_limited(5), server_error(500), server_error(503), auth_error(401), auth_error(403)],
    ids=["429", "500", "503", "401", "403"],
)
def test_http_status_faults_raise_response_error(sim: LLMSimulator, mode: str, fault: Any) -> None:
    sim.enqueue(fault)
    with pytest.raises(ollama.ResponseError) as info:
        call(chat(sim.ollama_base_url).bind_tools(openai_tool_schemas()), mode)
    assert info.value.status_code == fault.status
    assert info.value.error == fault.message


@modes
def test_unscripted_request_says_what_to_script(sim: LLMSimulator, mode: str) -> None:
    with pytest.raises(ollama.ResponseError) as info:
        call(chat(sim.ollama_base_url), mode)
    assert info.value.status_code == 418
    assert "sim.enqueue" in info.value.error


TRANSPORT_FAULTS = [
    pytest.param(Stall(30), httpx.ReadTimeout, id="stall"),
    pytest.param(Disconnect(), httpx.RemoteProtocolError, id="disconnect"),
    pytest.param(NonJSON(), json.JSONDecodeError, id="non-json-200"),
    pytest.param(EmptyChoices(), pydantic.ValidationError, id="empty"),
    pytest.param(malformed_tool_call(), pydantic.ValidationError, id="malformed-arguments"),
]


@modes
@pytest.mark.parametrize("fault,exc", TRANSPORT_FAULTS)
def test_transport_and_body_faults(sim: LLMSimulator, mode: str, fault: Any, exc: type) -> None:
    sim.enqueue(fault)
    timeout = 0.5 if isinstance(fault, Stall) else 60.0  # only the stall is about the timeout (see the openai twin)
    with pytest.raises(exc):
        call(chat(sim.ollama_base_url, timeout=timeout).bind_tools(openai_tool_schemas()), mode)


@modes
def test_unknown_tool_is_passed_through(sim: LLMSimulator, mode: str) -> None:
    sim.enqueue(unknown_tool("drop_database", {"name": "prod"}))
    msg = call(chat(sim.ollama_base_url).bind_tools(openai_tool_schemas()), mode)
    assert [(c["name"], c["args"]) for c in msg.tool_calls] == [("drop_database", {"name": "prod"})]


@modes
def test_connection_refused_streaming_is_httpx_connect_error(mode: str) -> None:
    with pytest.raises(httpx.ConnectError):
        call(chat(refused_url()), mode)


def test_connection_refused_non_streaming_is_builtin_connection_error() -> None:
    client = ollama.Client(host=refused_url(), timeout=5)
    with pytest.raises(ConnectionError) as info:
        client.chat(model=MODEL, messages=[{"role": "user", "content": "x"}], stream=False)
    assert not isinstance(info.value, httpx.HTTPError)
