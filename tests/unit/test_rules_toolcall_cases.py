"""The tool-calling cases TC001–TC008 (openclaw/bench/cases/toolcalls.yaml) against the embedded rules provider.

Covers: the YAML file's shape (the case fields, ids TC001-TC008, the Chinese descriptions kept,
TC008's also_accept); every case correct by the contract rule (first call's name is the expected
tool or an also_accept tool, every expected parameter equal); every proposed call valid for its
tool schema; a deliberately wrong expectation is scored as wrong (the rule can fail).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from openclaw.models.tools import validate_tool_args
from openclaw.providers.rules import ExtractionContext, ProposedCall, extract_tool_calls

CASES_FILE = Path(__file__).resolve().parents[2] / "openclaw" / "bench" / "cases" / "toolcalls.yaml"
CASES: list[dict[str, Any]] = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))


def is_correct(case: dict[str, Any], calls: list[ProposedCall]) -> bool:
    """The correctness rule of `bench toolcalls` (openclaw/bench/toolcalls.py)."""
    if not calls:
        return False
    first = calls[0]
    accepted = [(case["expected_tool"], case.get("expected_params") or {})]
    accepted += [(alt["tool"], alt.get("params") or {}) for alt in case.get("also_accept") or []]
    return any(
        first.name == tool and all(first.args.get(k) == v for k, v in params.items()) for tool, params in accepted
    )


def test_file_has_the_eight_cases_and_their_fields() -> None:
    assert [c["id"] for c in CASES] == [f"TC00{i}" for i in range(1, 9)]
    for case in CASES:
        assert set(case) <= {"id", "description", "prompt", "expected_tool", "expected_params", "also_accept"}
        assert case["prompt"] and case["expected_tool"]
    assert CASES[6]["prompt"] == "請重啟 awoooi-worker 這個 deployment"
    assert CASES[0]["description"] == "簡單查詢 - 列出所有 pods"
    assert CASES[7]["also_accept"] == [{"tool": "get_logs", "params": {}}]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_rules_answer_the_case_correctly(case: dict[str, Any]) -> None:
    calls = extract_tool_calls(case["prompt"], ExtractionContext())
    assert is_correct(case, calls), calls
    for call in calls:
        validate_tool_args(call.name, call.args)


def test_all_eight_correct() -> None:
    correct = sum(is_correct(c, extract_tool_calls(c["prompt"], ExtractionContext())) for c in CASES)
    assert correct == 8


def test_the_rule_can_fail() -> None:
    wrong = dict(CASES[2], expected_params={"deployment": "awoooi-web", "replicas": 4})
    assert not is_correct(wrong, extract_tool_calls(wrong["prompt"], ExtractionContext()))
    assert not is_correct(CASES[0], [])
