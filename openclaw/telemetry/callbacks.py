"""A LangChain callback handler that turns a graph run into OpenTelemetry spans and gen_ai metrics.

Attached once to the graph run's config (``Engine(callbacks=[...])``), it is inherited
by every child run through LangChain's context variables, so the providers need no
telemetry code. It produces:

- ``openclaw.run``: one span per graph run (resume included), attribute ``openclaw.run_id``;
- ``node <name>``: one span per graph node (LangGraph reports the node in the metadata key
  ``langgraph_node``; routers and other inner runnables get no span);
- ``chat <model>``: one span per LLM call, child of its node, with the attributes of the
  NIM monitoring page: ``gen_ai.system``, ``gen_ai.request.model``, ``gen_ai.request.max_tokens``,
  ``gen_ai.request.temperature``, ``gen_ai.request.top_p``, ``gen_ai.response.model``,
  ``gen_ai.usage.prompt_tokens``, ``gen_ai.usage.completion_tokens``,
  ``gen_ai.completion.0.finish_reason``, ``gen_ai.openai.api_base``, ``llm.request.type``,
  and ``gen_ai.prompt.N.role|content``, ``gen_ai.completion.0.role|content`` under the
  :class:`~openclaw.telemetry.redact.ContentPolicy` (``[redacted]`` unless capture is on).
  Request attributes that the call did not set (``top_p`` by default) are absent.

``gen_ai.system`` is OpenClaw's provider name (``nim``, ``gemini``, ``claude``, ``ollama``)
when the call's base URL is one the settings name, else LangChain's ``ls_provider``.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langgraph.errors import GraphBubbleUp
from opentelemetry import trace
from opentelemetry.trace import Span, Status, StatusCode, Tracer

from openclaw.telemetry.metrics import GenAIInstruments
from openclaw.telemetry.redact import ContentPolicy

MAX_OPEN_RUNS = 10_000
"""Open runs tracked at once; beyond it the oldest are forgotten (their spans end unfinished)."""

_ROLES = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool", "function": "tool", "chat": "user"}


@dataclass
class _Open:
    span: Span | None
    parent: UUID | None = None
    started: float = field(default_factory=time.perf_counter)
    system: str = ""
    model: str = ""


def _first(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)


class TelemetryCallbackHandler(BaseCallbackHandler):
    """Spans for runs, nodes and LLM calls; gen_ai histograms for LLM calls."""

    run_inline = True
    """Called on the event loop in order (LangChain would otherwise use a thread pool)."""
    raise_error = False

    def __init__(
        self,
        tracer: Tracer,
        instruments: GenAIInstruments | None = None,
        *,
        content: ContentPolicy | None = None,
        systems: Mapping[str, str] | None = None,
    ) -> None:
        self.tracer = tracer
        self.instruments = instruments
        self.content = content or ContentPolicy(capture=False)
        self.systems = {url.rstrip("/"): name for url, name in (systems or {}).items() if url}
        """Base URL → OpenClaw provider name, for ``gen_ai.system``."""
        self._runs: OrderedDict[UUID, _Open] = OrderedDict()

    # --- bookkeeping ---------------------------------------------------------------------

    def _track(self, run_id: UUID, parent_run_id: UUID | None, span: Span | None, **info: Any) -> _Open:
        entry = _Open(span=span, parent=parent_run_id, **info)
        self._runs[run_id] = entry
        while len(self._runs) > MAX_OPEN_RUNS:
            self._runs.popitem(last=False)
        return entry

    def _parent_span(self, parent_run_id: UUID | None) -> Span | None:
        while parent_run_id is not None:
            entry = self._runs.get(parent_run_id)
            if entry is None:
                return None
            if entry.span is not None:
                return entry.span
            parent_run_id = entry.parent
        return None

    def _start(self, name: str, parent_run_id: UUID | None, attributes: dict[str, Any]) -> Span:
        parent = self._parent_span(parent_run_id)
        context = trace.set_span_in_context(parent) if parent is not None else None
        kind = trace.SpanKind.CLIENT if name.startswith("chat ") else trace.SpanKind.INTERNAL
        return self.tracer.start_span(name, context=context, kind=kind, attributes=_clean(attributes))

    # --- chains: the graph and its nodes -------------------------------------------------

    def on_chain_start(
        self, serialized: dict[str, Any] | None, inputs: Any, *, run_id: UUID, parent_run_id: UUID | None = None,
        tags: list[str] | None = None, metadata: dict[str, Any] | None = None, **kwargs: Any,
    ) -> None:  # fmt: skip
        metadata = metadata or {}
        name, node = kwargs.get("name"), metadata.get("langgraph_node")
        span = None
        if parent_run_id is None:
            span = self._start("openclaw.run", None, {"openclaw.run_id": metadata.get("thread_id")})
        elif node and name == node:
            span = self._start(f"node {node}", parent_run_id, {
                "langgraph.node": node, "langgraph.step": metadata.get("langgraph_step"),
                "openclaw.run_id": metadata.get("thread_id"),
            })  # fmt: skip
        self._track(run_id, parent_run_id, span)

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        entry = self._runs.pop(run_id, None)
        if entry is not None and entry.span is not None:
            entry.span.end()

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        entry = self._runs.pop(run_id, None)
        if entry is None or entry.span is None:
            return
        if isinstance(error, GraphBubbleUp):  # interrupt(): the run pauses for approval, not an error
            entry.span.set_attribute("openclaw.interrupted", True)
        else:
            entry.span.record_exception(error)
            entry.span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"[:300]))
        entry.span.end()

    # --- LLM calls -----------------------------------------------------------------------

    def on_chat_model_start(
        self, serialized: dict[str, Any] | None, messages: list[list[Any]], *, run_id: UUID,
        parent_run_id: UUID | None = None, metadata: dict[str, Any] | None = None, **kwargs: Any,
    ) -> None:  # fmt: skip
        metadata = metadata or {}
        params = kwargs.get("invocation_params") or {}
        ctor = (serialized or {}).get("kwargs") or {}
        api_base = _first(ctor.get("openai_api_base"), ctor.get("base_url"), params.get("base_url"))
        model = str(_first(params.get("model"), params.get("model_name"), metadata.get("ls_model_name"), "unknown"))
        system = self.systems.get(str(api_base or "").rstrip("/")) or str(metadata.get("ls_provider") or "unknown")
        options = params.get("options") or {}  # ChatOllama
        extra = params.get("extra_body") or {}  # ChatOpenAI with vendor-specific fields
        attributes: dict[str, Any] = {
            "gen_ai.system": system,
            "gen_ai.operation.name": "chat",
            "llm.request.type": "chat",
            "gen_ai.request.model": model,
            "gen_ai.request.max_tokens": _first(
                params.get("max_tokens"), params.get("max_completion_tokens"), extra.get("max_tokens"),
                params.get("num_predict"), options.get("num_predict"), metadata.get("ls_max_tokens"),
            ),
            "gen_ai.request.temperature": _first(params.get("temperature"), options.get("temperature"), metadata.get("ls_temperature")),
            "gen_ai.request.top_p": _first(params.get("top_p"), extra.get("top_p"), options.get("top_p")),
            "gen_ai.openai.api_base": api_base,
            "langgraph.node": metadata.get("langgraph_node"),
            "openclaw.run_id": metadata.get("thread_id"),
        }  # fmt: skip
        for i, message in enumerate(messages[0] if messages else []):
            attributes[f"gen_ai.prompt.{i}.role"] = _ROLES.get(getattr(message, "type", ""), getattr(message, "type", "user"))
            attributes[f"gen_ai.prompt.{i}.content"] = self.content(getattr(message, "content", ""))
        span = self._start(f"chat {model}", parent_run_id, attributes)
        self._track(run_id, parent_run_id, span, system=system, model=model)

    def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        entry = self._runs.pop(run_id, None)
        if entry is None or entry.span is None:
            return
        span, llm_output = entry.span, getattr(response, "llm_output", None) or {}
        generation = (response.generations[0] or [None])[0] if getattr(response, "generations", None) else None
        message = getattr(generation, "message", None)
        meta = getattr(message, "response_metadata", None) or {}
        info = getattr(generation, "generation_info", None) or {}
        usage = getattr(message, "usage_metadata", None) or {}
        token_usage = llm_output.get("token_usage") or {}
        prompt_tokens = _first(usage.get("input_tokens"), token_usage.get("prompt_tokens"), meta.get("prompt_eval_count"))
        completion_tokens = _first(usage.get("output_tokens"), token_usage.get("completion_tokens"), meta.get("eval_count"))
        span.set_attributes(_clean({
            "gen_ai.response.model": _first(llm_output.get("model_name"), meta.get("model_name"), meta.get("model")),
            "gen_ai.usage.prompt_tokens": prompt_tokens,
            "gen_ai.usage.completion_tokens": completion_tokens,
            "gen_ai.completion.0.finish_reason": _first(info.get("finish_reason"), meta.get("finish_reason"), meta.get("done_reason")),
            "gen_ai.openai.system_fingerprint": llm_output.get("system_fingerprint"),
        }))  # fmt: skip
        if message is not None:
            text: Any = message.content
            if not text and getattr(message, "tool_calls", None):
                text = [{"name": c["name"], "args": c["args"]} for c in message.tool_calls]
            span.set_attribute("gen_ai.completion.0.role", "assistant")
            span.set_attribute("gen_ai.completion.0.content", self.content(text))
        span.end()
        self._record(entry, prompt_tokens, completion_tokens, None)

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        entry = self._runs.pop(run_id, None)
        if entry is None or entry.span is None:
            return
        entry.span.record_exception(error)
        entry.span.set_attribute("error.type", type(error).__name__)
        entry.span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"[:300]))
        entry.span.end()
        self._record(entry, None, None, type(error).__name__)

    def _record(self, entry: _Open, prompt_tokens: Any, completion_tokens: Any, error_type: str | None) -> None:
        if self.instruments is None:
            return
        self.instruments.record(
            system=entry.system, model=entry.model, duration_s=time.perf_counter() - entry.started,
            input_tokens=_int(prompt_tokens), output_tokens=_int(completion_tokens), error_type=error_type,
        )  # fmt: skip

    # --- everything else keeps the parent chain intact ------------------------------------

    def on_tool_start(self, serialized: Any, input_str: str, *, run_id: UUID, parent_run_id: UUID | None = None, **kwargs: Any) -> None:
        self._track(run_id, parent_run_id, None)

    def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._runs.pop(run_id, None)

    def on_tool_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._runs.pop(run_id, None)


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) else None


def _clean(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """Drop None values (OTel refuses them) and stringify what OTel cannot carry."""
    out: dict[str, Any] = {}
    for key, value in attributes.items():
        if value is None:
            continue
        out[key] = value if isinstance(value, str | bool | int | float) else str(value)
    return out
