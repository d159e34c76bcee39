"""Provider factories from the settings: which vendors the registry can hand out, built lazily.

A vendor without credentials gets no factory, so :class:`ProviderRegistry` answers
``unavailable`` naming the env var to set. Ollama is used only when
``OLLAMA_BASE_URL`` is set, or when providers.yaml says ``ollama.enabled: true`` (then
at the default URL): the embedded defaults never touch the network.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from openclaw.errors import ProviderUnavailable
from openclaw.providers.base import Provider
from openclaw.providers.breaker import Clock
from openclaw.providers.budget import RateBudget
from openclaw.providers.chat import ExchangeHook
from openclaw.providers.config import ProvidersConfig, effective_limits, load_providers_config
from openclaw.settings import DEFAULT_OLLAMA_BASE_URL, Settings

Factory = Callable[[], Provider]


def _disabled(name: str) -> Factory:
    def refuse() -> Provider:
        raise ProviderUnavailable(f"{name} is disabled in providers.yaml (providers.{name}.enabled: false)")

    refuse.disabled = True  # type: ignore[attr-defined]  # ProviderRegistry.configured() reads it
    return refuse


def provider_factories(
    settings: Settings,
    *,
    config: ProvidersConfig | None = None,
    transports: Mapping[str, Any] | None = None,
    clock: Clock = time.monotonic,
    on_exchange: ExchangeHook | None = None,
) -> dict[str, Factory]:
    """One factory per usable vendor. ``transports`` maps a vendor name to an HTTP transport
    (httpx2 for nim/gemini/claude, httpx for ollama) for recording or replay; ``clock`` drives budgets."""
    from openclaw.providers.ollama import ollama_provider
    from openclaw.providers.openai_compat import openai_compat_provider

    cfg = config or load_providers_config(settings.config_dir)
    creds = settings.providers
    transports = transports or {}
    keyed = {
        "nim": (creds.nvidia_api_key, creds.nvidia_base_url),
        "gemini": (creds.gemini_api_key, creds.gemini_base_url),
        "claude": (creds.anthropic_api_key, creds.anthropic_base_url),
    }
    factories: dict[str, Factory] = {}

    def budget(name: str) -> RateBudget:
        rpm, tpm = effective_limits(settings, name, cfg.get(name))
        return RateBudget(name, rpm=rpm, tpm=tpm, clock=clock)

    for name, (key, url) in keyed.items():
        pc = cfg.get(name)
        if pc.enabled is False:
            factories[name] = _disabled(name)
        elif key is not None:
            factories[name] = lambda name=name, key=key, url=url, pc=pc: openai_compat_provider(  # type: ignore[misc]
                name, base_url=url, api_key=key.get_secret_value(), config=pc, budget=budget(name),
                transport=transports.get(name), on_exchange=on_exchange,
            )  # fmt: skip
    pc = cfg.get("ollama")
    url = creds.ollama_base_url or (DEFAULT_OLLAMA_BASE_URL if pc.enabled else None)
    if pc.enabled is False:
        factories["ollama"] = _disabled("ollama")
    elif url:
        factories["ollama"] = lambda: ollama_provider(
            base_url=url, config=pc, budget=budget("ollama"), transport=transports.get("ollama"), on_exchange=on_exchange
        )
    return factories
