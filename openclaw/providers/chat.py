"""The LLM provider: the three questions of the graph asked through a LangChain chat model.

:class:`ChatProvider` is vendor-neutral; the vendor adapters
(:mod:`openclaw.providers.openai_compat`, :mod:`openclaw.providers.ollama`) hand it a
``ChatFactory`` that builds the real client. For each question it renders the prompt
files, reserves rate budget with an estimate of the tokens, calls the model inside the
exception boundary (:func:`openclaw.providers.convert.converting`), validates the output
(:mod:`openclaw.providers.outputs`) and reports usage through ``on_exchange``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any, Protocol

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from openclaw import prompts
from openclaw.errors import ProviderInvalidOutput
from openclaw.models.incident import Incident
from openclaw.models.tools import TOOLS, openai_tool_schemas
from openclaw.providers.base import ComplexityAnswer, DecideContext, DecisionAnswer, Exchange, IntentAnswer
from openclaw.providers.budget import Budget, RateBudget, estimate_tokens
from openclaw.providers.config import ProviderConfig
from openclaw.providers.convert import converting
from openclaw.providers.outputs import (
    COMPLEXITY_SCHEMA,
    INTENT_SCHEMA,
    ResponseInfo,
    complexity_answer,
    decision_answer,
    intent_answer,
    response_info,
)

TOOL_TASKS = frozenset({"tool_calling", "k8s_operation", "incident_analysis"})
"""Task types whose decision may carry tool calls (the tool schemas are offered)."""
TOOL_REQUIRED = frozenset({"tool_calling", "k8s_operation"})
"""Task types whose decision must carry at least one tool call."""


def _turn_messages(context: DecideContext | None) -> list[BaseMessage]:
    """The tool-calling loop so far: each round's calls as the assistant's message, each result as a tool
    message (untrusted cluster data, bounded), then, when the reads are spent, the request to decide now."""
    if context is None or not context.turns:
        return []
    out: list[BaseMessage] = []
    for turn in context.turns:
        calls = [{"name": c.name, "args": dict(c.args), "id": c.id, "type": "tool_call"} for c in turn.calls]
        out.append(AIMessage(content="", tool_calls=calls))
        out += [ToolMessage(content=result, tool_call_id=c.id) for c, result in zip(turn.calls, turn.results, strict=True)]
    out.append(HumanMessage(prompts.render("decide_evidence", final="yes" if context.final else "no")))
    return out


class ChatFactory(Protocol):
    """Builds (or reuses) the chat model for ``model`` with a client timeout of ``timeout_s`` seconds."""

    def __call__(self, model: str, timeout_s: float) -> BaseChatModel: ...


ExchangeHook = Callable[[Exchange], None]


def _instruction(task_type: str, namespace: str) -> str:
    if task_type in TOOL_REQUIRED:
        return prompts.render("decide_tools", namespace=namespace)
    if task_type in TOOL_TASKS:
        return prompts.render("decide_analysis", namespace=namespace)
    return prompts.render("decide_reply")


class ChatProvider:
    """One vendor behind a LangChain chat model; implements :class:`openclaw.providers.base.Provider`."""

    def __init__(
        self,
        name: str,
        chat: ChatFactory,
        config: ProviderConfig,
        *,
        budget: Budget | None = None,
        on_exchange: ExchangeHook | None = None,
        close: Callable[[], Any] | None = None,
        endpoint: str | None = None,
    ) -> None:
        self.name = name
        self.endpoint = endpoint
        """The base URL, named when the vendor cannot be reached."""
        self._chat = chat
        self.config = config
        self.budget: Budget = budget or RateBudget(name)
        self.on_exchange = on_exchange
        self._close = close
        self.last_response: ResponseInfo | None = None
        """Usage, model and finish reason of the latest answer (for spans and run records)."""

    # --- the three questions -----------------------------------------------------------

    async def classify_intent(self, incident: Incident, *, model: str, timeout_s: float) -> IntentAnswer:
        messages = self._messages(incident, prompts.render("intent", incident=prompts.untrusted(incident.prompt_text)))
        result = await self._structured(messages, INTENT_SCHEMA, model, timeout_s, kind="intent")
        return intent_answer(result, self.name)

    async def analyze_complexity(
        self, incident: Incident, task_type: str, *, model: str, timeout_s: float
    ) -> ComplexityAnswer:
        text = prompts.render("complexity", task_type=task_type, incident=prompts.untrusted(incident.prompt_text))
        result = await self._structured(self._messages(incident, text), COMPLEXITY_SCHEMA, model, timeout_s, kind="complexity")
        return complexity_answer(result, self.name)

    async def decide(
        self, incident: Incident, task_type: str, level: str, *, model: str, timeout_s: float,
        context: DecideContext | None = None,
    ) -> DecisionAnswer:
        alert_text = context.alert_text if context is not None else ""
        text = prompts.render(
            "decide",
            task_type=task_type,
            level=level,
            incident_id=incident.id,
            severity=incident.severity or "unknown",
            instruction=(prompts.render("decide_alert", namespace=incident.effective_namespace) if alert_text
                         else _instruction(task_type, incident.effective_namespace)),
            incident=prompts.untrusted(alert_text or incident.text),
        )
        messages = self._messages(incident, text) + _turn_messages(context)
        offered = tuple(TOOLS) if task_type in TOOL_TASKS else ()
        tools = openai_tool_schemas(offered) if offered else []
        with converting(self.name, self.endpoint):  # building the client can raise too (a malformed URL)
            chat = self._chat(self.config.vendor_model(model), timeout_s)
        runnable = chat.bind_tools(tools) if tools else chat
        message = await self._call(runnable, messages, model, timeout_s, kind="decide", extra=json.dumps(tools) if tools else "")
        require = task_type in TOOL_REQUIRED and not alert_text
        answer = decision_answer(message, self.name, offered=offered, require_tool=require)
        if not answer.tool_calls and not answer.reply:
            raise ProviderInvalidOutput(f"{self.name}: empty answer (no tool call and no text)")
        return answer

    # --- plumbing ----------------------------------------------------------------------

    def _messages(self, incident: Incident, user: str) -> list[BaseMessage]:
        return [SystemMessage(prompts.render("system", namespace=incident.effective_namespace)), HumanMessage(user)]

    async def _structured(
        self, messages: list[BaseMessage], schema: dict[str, Any], model: str, timeout_s: float, *, kind: str
    ) -> Any:
        with converting(self.name, self.endpoint):
            chat = self._chat(self.config.vendor_model(model), timeout_s)
        runnable = chat.with_structured_output(schema, method=self.config.structured_output, include_raw=True)
        return await self._call(runnable, messages, model, timeout_s, kind=kind, extra=json.dumps(schema))

    async def _call(
        self, runnable: Any, messages: list[BaseMessage], model: str, timeout_s: float, *, kind: str, extra: str
    ) -> Any:
        """Reserve budget, invoke inside the exception boundary within ``timeout_s``, record usage."""
        sent = [m.content if isinstance(m.content, str) else json.dumps(m.content) for m in messages]
        tokens = estimate_tokens(*sent, extra, completion=self.config.max_tokens)
        reservation = await self.budget.reserve(tokens)
        with converting(self.name, self.endpoint):
            result = await asyncio.wait_for(runnable.ainvoke(messages), timeout=max(0.001, timeout_s))
        raw = result.get("raw") if isinstance(result, dict) else result
        info = response_info(raw)
        self.budget.settle(reservation, info.usage.get("total_tokens"))
        self.last_response = info
        if self.on_exchange is not None:
            self.on_exchange(
                Exchange(
                    provider=self.name,
                    model=model,
                    request={"kind": kind, "estimated_tokens": tokens},
                    response={"model": info.model, "finish_reason": info.finish_reason},
                    usage=dict(info.usage),
                )
            )
        return result

    async def aclose(self) -> None:
        if self._close is not None:
            result = self._close()
            if hasattr(result, "__await__"):
                await result
