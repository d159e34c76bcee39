"""Wire formats for the loopback LLM simulator: OpenAI chat completions and Ollama ``/api/chat``.

Pure functions from a successful reply (:class:`Text`, :class:`ToolCalls`,
:class:`JSONContent`, :class:`EmptyChoices`) and the request body to the response
body, either one JSON document or a list of stream frames (SSE for OpenAI, NDJSON
for Ollama). No sockets here.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Any, Union

from openclaw.testing.llm_sim_replies import (
    EmptyChoices,
    HTTPError,
    JSONContent,
    Text,
    ToolCall,
    ToolCalls,
    Usage,
    as_tool_calls,
)

Answer = Union[Text, ToolCall, ToolCalls, JSONContent, EmptyChoices]
"""The replies that produce a 200 response with a well-formed envelope."""

OLLAMA_VERSION = "0.12.6"
"""What ``GET /api/version`` reports."""


def _parts(reply: Answer) -> tuple[str, tuple[ToolCall, ...], Usage, str | None]:
    """(content, tool calls, usage, model override) of any answer."""
    if isinstance(reply, (ToolCall, ToolCalls)):
        calls = as_tool_calls(reply)
        return calls.content, calls.calls, calls.usage, calls.model
    if isinstance(reply, EmptyChoices):
        return "", (), reply.usage, None
    return reply.content, (), reply.usage, reply.model


def _model(request: dict[str, Any], override: str | None) -> str:
    return override or str(request.get("model") or "sim-model")


def _call_id(call: ToolCall, seq: int, index: int) -> str:
    return call.id or f"call_{seq}_{index}"


def _usage(usage: Usage) -> dict[str, int]:
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
    }


# --- OpenAI ----------------------------------------------------------------------------


def openai_completion(reply: Answer, request: dict[str, Any], seq: int) -> dict[str, Any]:
    """A ``chat.completion`` object; ``seq`` makes the id and tool-call ids unique."""
    content, calls, usage, model = _parts(reply)
    body: dict[str, Any] = {
        "id": f"chatcmpl-sim-{seq}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": _model(request, model),
        "choices": [],
        "usage": _usage(usage),
        "system_fingerprint": None,
    }
    if isinstance(reply, EmptyChoices):
        return body
    message: dict[str, Any] = {"role": "assistant", "content": content or None, "refusal": None}
    if calls:
        message["tool_calls"] = [
            {
                "id": _call_id(call, seq, i),
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments_json()},
            }
            for i, call in enumerate(calls)
        ]
    finish = "tool_calls" if calls else "stop"
    body["choices"] = [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}]
    return body


def openai_stream(reply: Answer, request: dict[str, Any], seq: int) -> list[bytes]:
    """Server-sent events of ``chat.completion.chunk`` objects, ending with ``data: [DONE]``."""
    content, calls, usage, model = _parts(reply)
    base = {
        "id": f"chatcmpl-sim-{seq}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": _model(request, model),
        "system_fingerprint": None,
    }

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}]}

    chunks: list[dict[str, Any]] = []
    if not isinstance(reply, EmptyChoices):
        chunks.append(chunk({"role": "assistant", "content": ""}))
        for piece in _split(content):
            chunks.append(chunk({"content": piece}))
        for i, call in enumerate(calls):
            head = {"index": i, "id": _call_id(call, seq, i), "type": "function"}
            chunks.append(chunk({"tool_calls": [{**head, "function": {"name": call.name, "arguments": ""}}]}))
            chunks.append(chunk({"tool_calls": [{"index": i, "function": {"arguments": call.arguments_json()}}]}))
        chunks.append(chunk({}, "tool_calls" if calls else "stop"))
    if (request.get("stream_options") or {}).get("include_usage") or isinstance(reply, EmptyChoices):
        chunks.append({**base, "choices": [], "usage": _usage(usage)})
    frames = [f"data: {json.dumps(c)}\n\n".encode() for c in chunks]
    frames.append(b"data: [DONE]\n\n")
    return frames


def openai_error_body(err: HTTPError) -> dict[str, Any]:
    kind = {401: "invalid_request_error", 403: "permission_error", 429: "requests"}.get(err.status, "server_error")
    return {"error": {"message": err.message, "type": kind, "param": None, "code": err.code}}


def openai_models() -> dict[str, Any]:
    return {"object": "list", "data": [{"id": "sim-model", "object": "model", "created": 0, "owned_by": "llm-sim"}]}


# --- Ollama ----------------------------------------------------------------------------


def _ollama_head(request: dict[str, Any], model: str | None) -> dict[str, Any]:
    return {"model": _model(request, model), "created_at": datetime.now(timezone.utc).isoformat()}


def _ollama_tool_calls(calls: tuple[ToolCall, ...]) -> list[dict[str, Any]]:
    out = []
    for i, call in enumerate(calls):
        args: Any = call.raw_arguments if call.raw_arguments is not None else call.args
        out.append({"function": {"index": i, "name": call.name, "arguments": args}})
    return out


def _ollama_final(usage: Usage) -> dict[str, Any]:
    """The statistics of the last chunk; durations are nanoseconds."""
    return {
        "done": True,
        "done_reason": "stop",
        "total_duration": 1_500_000,
        "load_duration": 100_000,
        "prompt_eval_count": usage.prompt_tokens,
        "prompt_eval_duration": 400_000,
        "eval_count": usage.completion_tokens,
        "eval_duration": 900_000,
    }


def ollama_chat(reply: Answer, request: dict[str, Any]) -> dict[str, Any]:
    """A non-streaming ``/api/chat`` response."""
    content, calls, usage, model = _parts(reply)
    body = {**_ollama_head(request, model), **_ollama_final(usage)}
    if not isinstance(reply, EmptyChoices):
        message: dict[str, Any] = {"role": "assistant", "content": content}
        if calls:
            message["tool_calls"] = _ollama_tool_calls(calls)
        body["message"] = message
    return body


def ollama_stream(reply: Answer, request: dict[str, Any]) -> list[bytes]:
    """NDJSON lines of a streaming ``/api/chat`` response, the last one with ``done: true``."""
    content, calls, usage, model = _parts(reply)
    head = _ollama_head(request, model)
    lines: list[dict[str, Any]] = []
    if not isinstance(reply, EmptyChoices):
        for piece in _split(content):
            lines.append({**head, "message": {"role": "assistant", "content": piece}, "done": False})
        if calls:
            message = {"role": "assistant", "content": "", "tool_calls": _ollama_tool_calls(calls)}
            lines.append({**head, "message": message, "done": False})
        lines.append({**head, "message": {"role": "assistant", "content": ""}, **_ollama_final(usage)})
    else:
        lines.append({**head, **_ollama_final(usage)})
    return [json.dumps(line).encode() + b"\n" for line in lines]


def ollama_error_body(err: HTTPError) -> dict[str, Any]:
    return {"error": err.message}


def ollama_tags() -> dict[str, Any]:
    return {"models": [_ollama_model_entry("qwen2.5:7b")]}


def ollama_show(request: dict[str, Any]) -> dict[str, Any]:
    name = str(request.get("model") or request.get("name") or "qwen2.5:7b")
    return {
        "modelfile": f"FROM {name}",
        "parameters": "",
        "template": "{{ .Prompt }}",
        "details": _ollama_model_entry(name)["details"],
        "model_info": {"general.architecture": "qwen2"},
        "capabilities": ["completion", "tools"],
    }


def ollama_version() -> dict[str, Any]:
    return {"version": OLLAMA_VERSION}


def _ollama_model_entry(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "model": name,
        "modified_at": "2025-01-01T00:00:00Z",
        "size": 4_683_087_332,
        "digest": "0" * 64,
        "details": {
            "parent_model": "",
            "format": "gguf",
            "family": "qwen2",
            "families": ["qwen2"],
            "parameter_size": "7.6B",
            "quantization_level": "Q4_K_M",
        },
    }


def _split(content: str) -> list[str]:
    """Two pieces (so that clients really aggregate), or none for empty content."""
    if not content:
        return []
    mid = len(content) // 2
    return [p for p in (content[:mid], content[mid:]) if p]
