"""Validation of LLM output into answers: nothing a model says is used before it passes here.

A provider whose output fails any check has failed with ``outcome=invalid_output``
(:class:`~openclaw.errors.ProviderInvalidOutput`) and the next provider gets the turn:

- intent / complexity: the structured answer must match :class:`IntentOutput` /
  :class:`ComplexityOutput` (closed enums, 0..1 numbers, no extra fields);
- decisions: every tool call must name one of the offered tools, carry arguments that
  parse as a JSON object (LangChain puts unparseable ones in ``invalid_tool_calls``
  without raising) and pass the tool's schema (:func:`openclaw.models.tools.validate_tool_args`);
  when the task requires a tool call, an answer without one is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage
from pydantic import Field, ValidationError

from openclaw.errors import ProviderInvalidOutput
from openclaw.models._base import StrictModel
from openclaw.models.run import Level, TaskType
from openclaw.models.tools import ToolArgumentsError, describe_validation_error, validate_tool_args
from openclaw.providers.base import ComplexityAnswer, DecisionAnswer, IntentAnswer, ProposedToolCall

MAX_TOOL_CALLS = 8
MAX_REPLY_CHARS = 4000


class IntentOutput(StrictModel):
    """Report the task type of the incident."""

    task_type: TaskType
    confidence: float = Field(ge=0, le=1)


class ComplexityOutput(StrictModel):
    """Report how hard the incident is to handle."""

    level: Level
    score: float = Field(ge=0, le=1)


def llm_schema(model: type[StrictModel], name: str) -> dict[str, Any]:
    """The JSON schema handed to ``with_structured_output``; ``name`` becomes the tool / schema name."""
    schema = model.model_json_schema()
    return {
        "title": name,
        "description": (model.__doc__ or name).strip(),
        "type": "object",
        "properties": schema["properties"],
        "required": schema.get("required", []),
        "additionalProperties": False,
    }


INTENT_SCHEMA = llm_schema(IntentOutput, "report_intent")
COMPLEXITY_SCHEMA = llm_schema(ComplexityOutput, "report_complexity")


@dataclass(frozen=True)
class ResponseInfo:
    """What came back besides the answer: for run records and (later) OpenTelemetry spans."""

    model: str | None = None
    """The model the vendor says answered (``response_metadata.model_name``)."""
    finish_reason: str | None = None
    """``stop``, ``tool_calls``, ``length``, ... (Ollama: ``done_reason``)."""
    usage: dict[str, int] = field(default_factory=dict)
    """``prompt_tokens``, ``completion_tokens``, ``total_tokens`` as reported by the vendor."""


def response_info(message: Any) -> ResponseInfo:
    """Usage, model and finish reason of an ``AIMessage`` (empty when it is not one)."""
    if not isinstance(message, AIMessage):
        return ResponseInfo()
    meta = message.response_metadata or {}
    usage = message.usage_metadata or {}
    return ResponseInfo(
        model=meta.get("model_name") or meta.get("model"),
        finish_reason=meta.get("finish_reason") or meta.get("done_reason"),
        usage={
            "prompt_tokens": int(usage.get("input_tokens", 0)),
            "completion_tokens": int(usage.get("output_tokens", 0)),
            "total_tokens": int(usage.get("total_tokens", 0)),
        }
        if usage
        else {},
    )


def _structured(result: Any, model: type[StrictModel], vendor: str) -> StrictModel:
    """Validate the ``include_raw=True`` result of ``with_structured_output``."""
    if not isinstance(result, dict):
        raise ProviderInvalidOutput(f"{vendor}: structured output came back as {type(result).__name__}")
    if result.get("parsing_error") is not None:
        raise ProviderInvalidOutput(f"{vendor}: structured output does not parse: {result['parsing_error']}")
    parsed = result.get("parsed")
    if parsed is None:
        raise ProviderInvalidOutput(f"{vendor}: no structured answer (the model replied with free text)")
    if isinstance(parsed, StrictModel):
        parsed = parsed.model_dump()
    try:
        return model.model_validate(parsed)
    except ValidationError as exc:
        raise ProviderInvalidOutput(f"{vendor}: structured answer breaks the schema: {describe_validation_error(exc)}") from None


def intent_answer(result: Any, vendor: str) -> IntentAnswer:
    out = _structured(result, IntentOutput, vendor)
    return IntentAnswer(task_type=out.task_type, confidence=float(out.confidence))  # type: ignore[attr-defined]


def complexity_answer(result: Any, vendor: str) -> ComplexityAnswer:
    out = _structured(result, ComplexityOutput, vendor)
    return ComplexityAnswer(level=out.level, score=float(out.score))  # type: ignore[attr-defined]


def decision_answer(
    message: Any, vendor: str, *, offered: tuple[str, ...], require_tool: bool
) -> DecisionAnswer:
    """A validated decision from the model's message; raise ProviderInvalidOutput on any defect."""
    if not isinstance(message, AIMessage):
        raise ProviderInvalidOutput(f"{vendor}: expected an assistant message, got {type(message).__name__}")
    if message.invalid_tool_calls:
        bad = message.invalid_tool_calls[0]
        raise ProviderInvalidOutput(
            f"{vendor}: tool call {bad.get('name')!r} has arguments that are not a JSON object: "
            f"{str(bad.get('args'))[:120]!r}"
        )
    if len(message.tool_calls) > MAX_TOOL_CALLS:
        raise ProviderInvalidOutput(f"{vendor}: {len(message.tool_calls)} tool calls; at most {MAX_TOOL_CALLS} are accepted")
    calls = []
    for i, call in enumerate(message.tool_calls):
        name = call.get("name") or ""
        if name not in offered:
            raise ProviderInvalidOutput(f"{vendor}: unknown tool {name!r}; offered: {', '.join(offered) or 'none'}")
        try:
            args = validate_tool_args(name, call.get("args"))
        except ToolArgumentsError as exc:
            raise ProviderInvalidOutput(f"{vendor}: arguments break the schema: {exc}") from None
        calls.append(ProposedToolCall(name=name, args=args.model_dump(exclude_none=True), id=call.get("id") or f"call-{i}"))
    if require_tool and not calls:
        raise ProviderInvalidOutput(f"{vendor}: no tool call, but this task type requires one")
    reply = message.content if isinstance(message.content, str) else _text_of(message.content)
    return DecisionAnswer(tool_calls=tuple(calls), reply=reply.strip()[:MAX_REPLY_CHARS])


def _text_of(content: Any) -> str:
    """The text parts of a list-shaped message content (some vendors send blocks)."""
    if isinstance(content, list):
        return "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
    return str(content or "")
