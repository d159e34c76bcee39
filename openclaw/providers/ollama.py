"""Ollama through ``langchain_ollama.ChatOllama`` (``/api/chat``, always streamed by the client).

The client's HTTP transport is ours: ``transport`` (an ``httpx.AsyncBaseTransport``;
ollama runs on httpx, not httpx2) is passed as ``async_client_kwargs={"transport": ...}``
so a recording or replaying transport can be slipped in. ChatOllama builds its httpx
client at construction, so one instance is kept per (event loop, model).
Structured output uses Ollama's ``format`` (JSON schema) by default.
"""

from __future__ import annotations

import asyncio
from typing import Any

from langchain_ollama import ChatOllama

from openclaw.providers.budget import Budget
from openclaw.providers.chat import ChatProvider, ExchangeHook
from openclaw.providers.config import ProviderConfig
from openclaw.providers.endpoints import checked_base_url, shown
from openclaw.providers.vendors import Vendor


class OllamaChatFactory:
    """Builds ``ChatOllama`` per model for the running loop. Timeouts are enforced by the provider."""

    def __init__(self, *, base_url: str, config: ProviderConfig, transport: Any = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.config = config
        self.transport = transport
        self._loop: asyncio.AbstractEventLoop | None = None
        self._models: dict[str, ChatOllama] = {}

    def __call__(self, model: str, timeout_s: float) -> ChatOllama:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop, self._models = loop, {}
        chat = self._models.get(model)
        if chat is None:
            extra = {"transport": self.transport} if self.transport is not None else {}
            chat = self._models[model] = ChatOllama(
                base_url=self.base_url,
                model=model,
                temperature=self.config.temperature,
                num_predict=self.config.max_tokens,
                async_client_kwargs=extra,
            )
        return chat

    async def aclose(self) -> None:
        models, self._models = self._models, {}
        if self._loop is not asyncio.get_running_loop():
            return
        for chat in models.values():
            client = getattr(chat, "_async_client", None)  # ollama.AsyncClient, built by ChatOllama
            if client is not None:
                await client.close()


def ollama_provider(
    *,
    base_url: str,
    config: ProviderConfig,
    budget: Budget | None = None,
    transport: Any = None,
    on_exchange: ExchangeHook | None = None,
    name: str = "ollama",
) -> ChatProvider:
    """A provider for an Ollama server at ``base_url`` (e.g. ``http://localhost:11434``)."""
    base_url = checked_base_url(name, base_url)
    factory = OllamaChatFactory(base_url=base_url, config=config, transport=transport)
    return ChatProvider(
        name, factory, config, budget=budget, on_exchange=on_exchange, close=factory.aclose, endpoint=shown(base_url)
    )


def provider(vendor: Vendor, *, base_url: str, api_key: str | None = None, **options: Any) -> ChatProvider:
    """The factories' entry point for an ``ollama`` vendor (every adapter module has one); Ollama takes no key.
    ``options``: ``config``, ``budget``, ``transport``, ``on_exchange`` as for :func:`ollama_provider`."""
    return ollama_provider(base_url=base_url, name=vendor.name, **options)
