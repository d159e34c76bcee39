"""Tool-calling accuracy and latency per provider, over the eight cases TC001–TC008 or a file of cases.

Cases have the fields id, description, prompt, expected_tool,
expected_params and an optional ``also_accept: [{tool, params}]``, in YAML or JSON.
A case is correct when the first tool call has the expected name and every
expected parameter equals the expected value.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from openclaw.bench.stats import percentile
from openclaw.errors import InputError, OpenClawError, ProviderError
from openclaw.models.incident import Incident
from openclaw.models.tools import describe_validation_error
from openclaw.providers.base import DecisionAnswer, Provider

DEFAULT_CASES = Path(__file__).parent / "cases" / "toolcalls.yaml"


class Accept(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tool: str
    params: dict[str, Any] = Field(default_factory=dict)


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    description: str = ""
    prompt: str = Field(min_length=1)
    expected_tool: str
    expected_params: dict[str, Any] = Field(default_factory=dict)
    also_accept: list[Accept] = Field(default_factory=list)

    def accepts(self, name: str | None, args: dict[str, Any]) -> bool:
        options = [Accept(tool=self.expected_tool, params=self.expected_params), *self.also_accept]
        return any(
            name == option.tool and all(args.get(k) == v for k, v in option.params.items()) for option in options
        )


def load_cases(path: Path) -> list[Case]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such cases file") from None
    except yaml.YAMLError:
        raise InputError(f"{path}: not valid YAML or JSON") from None
    if isinstance(data, dict) and "cases" in data:
        data = data["cases"]
    if not isinstance(data, list) or not data:
        raise InputError(f"{path}: expected a list of cases (id, prompt, expected_tool, expected_params)")
    try:
        return [Case.model_validate(item) for item in data]
    except ValidationError as exc:
        raise InputError(f"{path}: {describe_validation_error(exc)}") from None


async def run_case(provider: Provider, model: str, case: Case, *, timeout_s: float) -> dict[str, Any]:
    incident = Incident(id=f"bench-{case.id}", description=case.prompt)
    started = time.perf_counter()
    error = None
    answer = DecisionAnswer()
    try:
        answer = await provider.decide(incident, "tool_calling", "simple", model=model, timeout_s=timeout_s)
    except ProviderError as exc:
        error = f"{exc.outcome}: {exc}"
    except OpenClawError as exc:
        error = str(exc)
    latency_ms = (time.perf_counter() - started) * 1000
    calls = [{"name": c.name, "args": dict(c.args)} for c in answer.tool_calls]
    first = calls[0] if calls else {"name": None, "args": {}}
    return {
        "id": case.id,
        "ok": error is None and case.accepts(first["name"], first["args"]),
        "tool_calls": calls,
        "latency_ms": round(latency_ms, 3),
        "error": error,
    }


async def run_bench(provider_name: str, provider: Provider, model: str, cases: list[Case], *, timeout_s: float) -> dict:
    results = [await run_case(provider, model, case, timeout_s=timeout_s) for case in cases]
    latencies = [r["latency_ms"] for r in results]
    correct = sum(r["ok"] for r in results)
    return {
        "provider": provider_name,
        "model": model,
        "total": len(results),
        "correct": correct,
        "accuracy": round(correct / len(results), 4) if results else 0.0,
        "latency_ms": {"p50": round(percentile(latencies, 50), 3), "p95": round(percentile(latencies, 95), 3)},
        "results": results,
    }
