"""Settings in, collaborators out: the one place that builds providers, executor and notifier."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from openclaw.engine import Engine
from openclaw.nodes.dispatch import ActionRunner
from openclaw.providers.registry import ProviderRegistry
from openclaw.settings import Settings


def build_registry(settings: Settings, **options: Any) -> ProviderRegistry:
    """The providers the settings allow: real LangChain clients for every vendor whose credentials are set.

    ``options`` go to :func:`openclaw.providers.factories.provider_factories`
    (``transports`` per vendor for recording/replay, ``clock``, ``on_exchange``).
    """
    from openclaw.providers.factories import provider_factories

    return ProviderRegistry(settings, provider_factories(settings, **options))


def build_action_runner(settings: Settings) -> ActionRunner:
    return ActionRunner(mode="plan")


@asynccontextmanager
async def open_engine(settings: Settings, *, registry: ProviderRegistry | None = None) -> AsyncIterator[Engine]:
    async with Engine(settings, registry=registry or build_registry(settings), executor=build_action_runner(settings)) as engine:
        yield engine


def default_model(settings: Settings, configs, provider: str) -> str:
    """The model a provider uses for tool calling when none is named: its first entry in the routes."""
    from openclaw.config.routing import with_model_overrides

    if provider == "rules":
        return "embedded"
    for task in ("tool_calling", "k8s_operation", "general_chat", "incident_analysis", "code_generation"):
        chain = with_model_overrides(
            configs.routing.routes[task].chain,
            tool_model=settings.providers.nemotron_tool_model,
            reasoning_model=settings.providers.nemotron_reasoning_model,
        )
        for ref in chain:
            if ref.provider == provider:
                return ref.model
    return "default"
