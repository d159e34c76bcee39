"""configs/routing.yaml: the provider chains for intent, complexity and each decision route."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from openclaw.models.run import TaskType
from openclaw.providers.vendors import VENDORS

ProviderName = str
"""A vendor of ``openclaw.providers.vendors.VENDORS`` or ``rules``."""
PROVIDERS: tuple[str, ...] = (*VENDORS, "rules")
TASK_TYPES: tuple[str, ...] = ("tool_calling", "k8s_operation", "incident_analysis", "general_chat", "code_generation")


class _Cfg(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModelRef(_Cfg):
    """One entry of a chain: a provider and the model it should use."""

    provider: ProviderName
    model: str

    @field_validator("provider")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in PROVIDERS:
            raise ValueError(f"unknown provider {value!r}; known: {', '.join(PROVIDERS)}")
        return value

    @classmethod
    def parse(cls, value: str) -> "ModelRef":
        if value == "rules":
            return cls(provider="rules", model="embedded")
        provider, sep, model = value.partition("/")
        if not sep or not model:
            raise ValueError(f"{value!r} must look like 'provider/model' (e.g. 'nim/nvidia/nemotron-mini-4b-instruct')")
        if provider not in PROVIDERS:
            raise ValueError(f"{value!r}: unknown provider {provider!r}; known: {', '.join(PROVIDERS)}")
        return cls(provider=provider, model=model)

    def __str__(self) -> str:
        return f"{self.provider}/{self.model}"


def _refs(values: list[str] | list[ModelRef]) -> list[ModelRef]:
    return [v if isinstance(v, ModelRef) else ModelRef.parse(v) for v in values]


class FastPath(_Cfg):
    intent_confidence: float = Field(default=0.75, ge=0, le=1)
    """Rules' intent confidence at or above which no LLM is asked about intent."""
    complexity_confidence: float = Field(default=0.75, ge=0, le=1)
    """Rules' complexity confidence at or above which no LLM is asked about complexity."""


class NodeChain(_Cfg):
    chain: list[ModelRef] = Field(default_factory=list)

    @field_validator("chain", mode="before")
    @classmethod
    def _parse(cls, value):
        return _refs(value or [])


class RouteRule(_Cfg):
    """The decision route of one task type: primary, then fallbacks, then rules."""

    primary: ModelRef
    fallback: list[ModelRef] = Field(default_factory=list)
    hedge_after_ms: int | None = Field(default=None, ge=1)
    """Start the next provider concurrently when the current one has not answered after this long."""
    wait_for_budget: bool = False
    """Wait for rate-limit budget instead of falling through with budget_exceeded."""

    @field_validator("primary", mode="before")
    @classmethod
    def _parse_primary(cls, value):
        return value if isinstance(value, ModelRef) else ModelRef.parse(value)

    @field_validator("fallback", mode="before")
    @classmethod
    def _parse_fallback(cls, value):
        return _refs(value or [])

    @property
    def chain(self) -> list[ModelRef]:
        return [self.primary, *self.fallback]


class RoutingConfig(_Cfg):
    version: int = 1
    deadline_s: float = Field(default=60.0, gt=0)
    """Seconds one incident may spend in the LLM nodes before rules answers."""
    attempt_timeout_s: float = Field(default=20.0, gt=0)
    """Seconds one LLM attempt may take."""
    fast_path: FastPath = FastPath()
    intent: NodeChain = NodeChain()
    complexity: NodeChain = NodeChain()
    routes: dict[TaskType, RouteRule]

    @model_validator(mode="after")
    def _every_task_type_routed(self) -> "RoutingConfig":
        missing = [t for t in TASK_TYPES if t not in self.routes]
        if missing:
            raise ValueError(f"routes: no route for {', '.join(missing)}")
        return self

    def node_chain(self, node: str, task_type: str | None = None) -> list[ModelRef]:
        """The chain for an LLM node, without the closing rules entry."""
        if node == "classify_intent":
            return list(self.intent.chain)
        if node == "analyze_complexity":
            return list(self.complexity.chain)
        if node == "decide":
            return self.routes[task_type].chain  # type: ignore[index]
        raise KeyError(node)


def with_model_overrides(chain: list[ModelRef], overrides: Mapping[str, Mapping[str, str]]) -> list[ModelRef]:
    """Apply the vendors' model variables (NEMOTRON_TOOL_MODEL / NEMOTRON_REASONING_MODEL for NIM) to the
    entries that name the model they replace; ``overrides`` is ``Settings.model_overrides()``."""
    return [
        ModelRef(provider=ref.provider, model=overrides[ref.provider][ref.model])
        if ref.model in overrides.get(ref.provider, {}) else ref
        for ref in chain
    ]
