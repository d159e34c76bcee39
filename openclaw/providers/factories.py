"""Provider factories from the settings: which vendors the registry can hand out, built lazily.

One factory per vendor of :data:`openclaw.providers.vendors.VENDORS` that can be used: a
vendor with a key needs its key; a keyless vendor (Ollama) is used only when its base-URL
variable is set, or when providers.yaml says ``enabled: true`` (then at its default URL):
the embedded defaults never touch the network. A vendor without a factory is answered
``unavailable`` by :class:`ProviderRegistry`, naming the variable to set.

The wire adapter of a vendor's kind (and with it its LLM SDK: ``langchain_openai`` and
``openai``, or ``langchain_ollama`` and ``ollama``) is imported here, when a vendor of
that kind is configured, and nowhere else: with no vendor configured none of them is
loaded, which keeps ``openclaw run`` on the embedded rules fast to start.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from openclaw.errors import ProviderUnavailable
from openclaw.providers.base import Provider
from openclaw.providers.breaker import Clock
from openclaw.providers.budget import Budget, RateBudget, per_replica
from openclaw.providers.config import ProviderConfig, ProvidersConfig, effective_limits, load_providers_config
from openclaw.providers.vendors import VENDORS, Adapter, Vendor
from openclaw.settings import Settings

if TYPE_CHECKING:
    from openclaw.providers.chat import ExchangeHook

Factory = Callable[[], Provider]

ADAPTERS: Mapping[Adapter, str] = {
    "openai_compat": "openclaw.providers.openai_compat",
    "ollama": "openclaw.providers.ollama",
}
"""Adapter kind -> the module whose ``provider(vendor, ...)`` builds a provider of that kind."""


def _disabled(name: str) -> Factory:
    def refuse() -> Provider:
        raise ProviderUnavailable(f"{name} is disabled in providers.yaml (providers.{name}.enabled: false)")

    refuse.disabled = True  # type: ignore[attr-defined]  # ProviderRegistry.configured() reads it
    return refuse


def _endpoint(vendor: Vendor, settings: Settings, pc: ProviderConfig) -> tuple[str | None, str | None]:
    """(base URL, key) when ``vendor`` can be used, else (None, None)."""
    creds = settings.providers[vendor.name]
    if vendor.keyless:
        return creds.base_url or (vendor.default_base_url if pc.enabled else None), None
    if creds.api_key is None:
        return None, None
    return creds.base_url or vendor.default_base_url, creds.api_key.get_secret_value()


def provider_factories(
    settings: Settings,
    *,
    config: ProvidersConfig | None = None,
    transports: Mapping[str, Any] | None = None,
    clock: Clock | None = None,
    on_exchange: ExchangeHook | None = None,
) -> dict[str, Factory]:
    """One factory per usable vendor. ``transports`` maps a vendor name to an HTTP transport
    (httpx2 for the OpenAI-compatible ones, httpx for ollama) for recording or replay; ``clock`` drives budgets
    (default: the monotonic clock, or the wall clock when the budgets are in Redis and replicas compare times)."""
    cfg = config or load_providers_config(settings.config_dir)
    transports = transports or {}
    factories: dict[str, Factory] = {}
    client = None
    if settings.redis_url is not None:  # one client (and connection pool) for every vendor's budget
        from openclaw.providers.budget_redis import redis_client

        client = redis_client(settings.redis_url.get_secret_value())
    tick = clock or (time.monotonic if client is None else time.time)

    def budget(name: str) -> Budget:
        """The vendor's RPM/TPM: in Redis for all replicas, else (and while Redis is down) this replica's share."""
        rpm, tpm = effective_limits(settings, name, cfg.get(name))
        share = RateBudget(name, rpm=per_replica(rpm, settings.replicas), tpm=per_replica(tpm, settings.replicas),
                           clock=tick)
        if client is None:
            return share
        from openclaw.providers.budget_redis import RedisBudget

        return RedisBudget(name, client, rpm=rpm, tpm=tpm, fallback=share, clock=tick)

    for name, vendor in VENDORS.items():
        pc = cfg.get(name)
        if pc.enabled is False:
            factories[name] = _disabled(name)
            continue
        url, key = _endpoint(vendor, settings, pc)
        if url is None:
            continue
        adapter = importlib.import_module(ADAPTERS[vendor.adapter])
        factories[name] = lambda adapter=adapter, vendor=vendor, url=url, key=key, pc=pc: adapter.provider(  # type: ignore[misc]
            vendor, base_url=url, api_key=key, config=pc, budget=budget(vendor.name),
            transport=transports.get(vendor.name), on_exchange=on_exchange,
        )  # fmt: skip
    return factories
