"""Vendors that speak OpenAI chat completions: NVIDIA NIM, Gemini and Claude (their OpenAI-compatible endpoints).

The real client is ``langchain_openai.ChatOpenAI`` with ``max_retries=0`` (the router
decides about retries). Its HTTP client is ours: an ``httpx2.AsyncClient`` (openai>=3
runs on httpx2) built on ``transport`` when one is given, so a recording or replaying
transport can be slipped in. One client per event loop: langchain-openai would
otherwise cache one per base URL, bound to the first loop that used it.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

import httpx2
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from openclaw.errors import ProviderUnavailable
from openclaw.providers.budget import Budget
from openclaw.providers.chat import ChatProvider, ExchangeHook
from openclaw.providers.config import ProviderConfig
from openclaw.providers.endpoints import checked_base_url, shown
from openclaw.providers.vendors import Vendor

_MAX_CACHED_MODELS = 64


class OpenAIChatFactory:
    """Builds ``ChatOpenAI`` instances that share one HTTP client per event loop.

    ``transport`` is an ``httpx2.AsyncBaseTransport`` (e.g. ``httpx2.MockTransport`` or a
    recorder); None uses httpx2's default transport.
    """

    def __init__(self, *, base_url: str, api_key: str, config: ProviderConfig, transport: Any = None) -> None:
        self.base_url = base_url
        self._api_key = SecretStr(api_key)
        self.config = config
        self.transport = transport
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: httpx2.AsyncClient | None = None
        self._sync_client: httpx2.Client | None = None
        self._models: dict[tuple[str, float], ChatOpenAI] = {}

    def _http_client(self) -> httpx2.AsyncClient:
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            self._loop = loop
            self._client = httpx2.AsyncClient(transport=self.transport) if self.transport else httpx2.AsyncClient()
            self._models.clear()
        return self._client

    def __call__(self, model: str, timeout_s: float) -> ChatOpenAI:
        # The client timeout backs up the router's asyncio deadline; rounded up to 0.1 s so instances are reused.
        timeout = max(0.1, math.ceil(timeout_s * 10) / 10)
        client = self._http_client()
        key = (model, timeout)
        chat = self._models.get(key)
        if chat is None:
            if len(self._models) >= _MAX_CACHED_MODELS:
                self._models.clear()
            if self._sync_client is None:
                self._sync_client = httpx2.Client()  # required alongside http_async_client; never used (async only)
            chat = self._models[key] = ChatOpenAI(
                base_url=self.base_url,
                api_key=self._api_key,
                model=model,
                temperature=self.config.temperature,
                # `max_tokens` under that name, in the body: langchain-openai would rename its own field to
                # `max_completion_tokens`, which not every OpenAI-compatible vendor accepts.
                extra_body={"max_tokens": self.config.max_tokens},
                max_retries=0,
                timeout=timeout,
                http_async_client=client,
                http_client=self._sync_client,
            )
        return chat

    async def aclose(self) -> None:
        client, self._client = self._client, None
        self._models.clear()
        if client is not None and self._loop is asyncio.get_running_loop():
            await client.aclose()
        if self._sync_client is not None:
            self._sync_client.close()
            self._sync_client = None


def openai_compat_provider(
    name: str,
    *,
    base_url: str,
    api_key: str,
    config: ProviderConfig,
    budget: Budget | None = None,
    transport: Any = None,
    on_exchange: ExchangeHook | None = None,
) -> ChatProvider:
    """A provider for an OpenAI-compatible endpoint (``base_url`` ends in ``/v1`` or the vendor's equivalent)."""
    base_url = checked_base_url(name, base_url)
    factory = OpenAIChatFactory(base_url=base_url, api_key=api_key, config=config, transport=transport)
    return ChatProvider(
        name, factory, config, budget=budget, on_exchange=on_exchange, close=factory.aclose, endpoint=shown(base_url)
    )


def provider(vendor: Vendor, *, base_url: str, api_key: str | None, **options: Any) -> ChatProvider:
    """The factories' entry point for an ``openai_compat`` vendor (every adapter module has one);
    ``options``: ``config``, ``budget``, ``transport``, ``on_exchange`` as for :func:`openai_compat_provider`."""
    if api_key is None:
        raise ProviderUnavailable(vendor.missing_hint)
    return openai_compat_provider(vendor.name, base_url=base_url, api_key=api_key, **options)
