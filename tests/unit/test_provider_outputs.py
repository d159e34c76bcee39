"""Validation of LLM output into answers (openclaw.providers.outputs).

Covers: a valid tool call becomes a ProposedToolCall with validated args (nulls dropped);
invalid_output for an unknown tool, malformed argument JSON (invalid_tool_calls), args
that break the schema (enum, bounds, RFC 1123 names, unknown fields), a missing tool call
where one is required, too many calls; a plain reply is fine where no tool is required.
Structured output: valid intent/complexity, parsing errors, free text (parsed None),
out-of-range or unknown values, extra fields. Usage/model/finish_reason extraction.
"""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage

from openclaw.errors import ProviderInvalidOutput
from openclaw.models.tools import TOOLS
from openclaw.providers.outputs import (
    COMPLEXITY_SCHEMA,
    INTENT_SCHEMA,
    complexity_answer,
    decision_answer,
    intent_answer,
    response_info,
)

OFFERED = tuple(TOOLS)


def _msg(*calls, invalid=(), content=""):
    return AIMessage(
        content=content,
        tool_calls=[{"name": n, "args": a, "id": f"c{i}", "type": "tool_call"} for i, (n, a) in enumerate(calls)],
        invalid_tool_calls=list(invalid),
    )


def test_valid_tool_call_is_kept_with_validated_args():
    answer = decision_answer(
        _msg(("kubectl_get", {"resource": "pods", "namespace": "awoooi-prod", "name": None}), content=" checking "),
        "nim", offered=OFFERED, require_tool=True,
    )  # fmt: skip
    [call] = answer.tool_calls
    assert (call.name, call.args, call.id) == ("kubectl_get", {"resource": "pods", "namespace": "awoooi-prod"}, "c0")
    assert answer.reply == "checking"


@pytest.mark.parametrize(
    ("message", "needle"),
    [
        (_msg(("delete_cluster", {"cluster": "prod"})), "unknown tool 'delete_cluster'"),
        (_msg(invalid=[{"name": "restart_deployment", "args": '{"deployment": "a",', "id": "x", "error": "bad", "type": "invalid_tool_call"}]),
         "not a JSON object"),
        (_msg(("scale_deployment", {"deployment": "web", "namespace": "prod", "replicas": 40})), "replicas"),
        (_msg(("kubectl_get", {"resource": "secrets"})), "resource"),
        (_msg(("restart_deployment", {"deployment": "Bad_Name", "namespace": "prod"})), "deployment"),
        (_msg(("restart_deployment", {"deployment": "api", "namespace": "prod", "force": True})), "unknown field"),
        (_msg(content="I would restart it."), "no tool call"),
        (_msg(*[("kubectl_get", {"resource": "pods"})] * 9), "at most 8"),
    ],
    ids=["unknown-tool", "malformed-json", "out-of-bounds", "bad-enum", "bad-name", "extra-field", "no-call", "too-many"],
)
def test_defective_decisions_are_invalid_output(message, needle):
    with pytest.raises(ProviderInvalidOutput, match=needle) as caught:
        decision_answer(message, "gemini", offered=OFFERED, require_tool=True)
    assert caught.value.outcome == "invalid_output"


def test_tool_not_offered_is_unknown_even_if_it_exists():
    with pytest.raises(ProviderInvalidOutput, match="offered: none"):
        decision_answer(_msg(("kubectl_get", {"resource": "pods"})), "nim", offered=(), require_tool=False)


def test_reply_without_tools_is_fine_when_none_is_required():
    answer = decision_answer(_msg(content="Glad it helped!"), "ollama", offered=(), require_tool=False)
    assert answer.tool_calls == () and answer.reply == "Glad it helped!"


def test_structured_intent_and_complexity():
    assert intent_answer({"parsed": {"task_type": "k8s_operation", "confidence": 0.8}, "parsing_error": None}, "x").task_type == "k8s_operation"
    assert complexity_answer({"parsed": {"level": "complex", "score": 0.9}, "parsing_error": None}, "x").score == 0.9


@pytest.mark.parametrize(
    ("result", "needle"),
    [
        ({"parsed": None, "parsing_error": ValueError("Invalid json output")}, "does not parse"),
        ({"parsed": None, "parsing_error": None}, "free text"),
        ({"parsed": {"task_type": "world_domination", "confidence": 0.9}, "parsing_error": None}, "task_type"),
        ({"parsed": {"task_type": "general_chat", "confidence": 1.5}, "parsing_error": None}, "confidence"),
        ({"parsed": {"task_type": "general_chat", "confidence": 0.5, "why": "x"}, "parsing_error": None}, "unknown field"),
        ("not a dict", "came back as str"),
    ],
)
def test_defective_structured_output_is_invalid_output(result, needle):
    with pytest.raises(ProviderInvalidOutput, match=needle):
        intent_answer(result, "ollama")


def test_llm_schemas_are_closed_and_named():
    assert INTENT_SCHEMA["title"] == "report_intent" and COMPLEXITY_SCHEMA["title"] == "report_complexity"
    assert INTENT_SCHEMA["additionalProperties"] is False
    assert set(INTENT_SCHEMA["properties"]["task_type"]["enum"]) == {
        "tool_calling", "k8s_operation", "incident_analysis", "general_chat", "code_generation",
    }  # fmt: skip


def test_response_info_reads_usage_model_and_finish_reason():
    msg = AIMessage(
        content="",
        response_metadata={"model_name": "nvidia/nemotron-mini-4b-instruct", "finish_reason": "tool_calls"},
        usage_metadata={"input_tokens": 120, "output_tokens": 30, "total_tokens": 150},
    )
    info = response_info(msg)
    assert (info.model, info.finish_reason) == ("nvidia/nemotron-mini-4b-instruct", "tool_calls")
    assert info.usage == {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150}
    assert response_info(None).usage == {}
