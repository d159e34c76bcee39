"""Which providers exist and whether they can be used: built once per engine from the settings."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from openclaw.errors import ProviderUnavailable
from openclaw.providers.base import Provider
from openclaw.providers.rules_provider import RulesProvider
from openclaw.providers.vendors import VENDORS
from openclaw.settings import Settings


class ProviderRegistry:
    """Hands out provider instances by name; an unconfigured vendor raises ProviderUnavailable."""

    def __init__(self, settings: Settings, factories: Mapping[str, Callable[[], Provider]] | None = None) -> None:
        self.settings = settings
        self.rules = RulesProvider()
        self._factories = dict(factories or {})
        self._instances: dict[str, Provider] = {"rules": self.rules}

    def configured(self, name: str) -> bool:
        """Whether ``name`` can be asked at all: credentials set and not ``enabled: false`` in providers.yaml.
        A failure of a configured vendor is a degradation; an unconfigured one is simply not in use."""
        if name in self._instances:
            return True
        factory = self._factories.get(name)
        return factory is not None and not getattr(factory, "disabled", False)

    def get(self, name: str) -> Provider:
        provider = self._instances.get(name)
        if provider is not None:
            return provider
        factory = self._factories.get(name)
        if factory is None:
            # What to set to enable the vendor: named in the `unavailable` attempt so the fix is obvious.
            vendor = VENDORS.get(name)
            raise ProviderUnavailable(vendor.missing_hint if vendor else f"provider {name!r} is not configured")
        provider = self._instances[name] = factory()
        return provider

    async def aclose(self) -> None:
        for provider in self._instances.values():
            close = getattr(provider, "aclose", None)
            if close is not None:
                await close()
