"""What OpenClaw needs to know about one LLM vendor: a frozen record, pure data.

A vendor module (``openclaw/providers/vendors/<name>.py``) declares one :class:`Vendor` as
``VENDOR``. Settings read its environment variables, the factories pick its wire adapter,
recording and replay pick its HTTP transport, the registry names its key in the
``unavailable`` message: nobody else spells a vendor's name or variables.

This module and the vendor modules import nothing from OpenClaw, so the settings and
config layers below ``openclaw.providers`` may read them (see ``.importlinter``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

Adapter = Literal["openai_compat", "ollama"]
"""The wire: OpenAI chat completions (``langchain_openai``) or Ollama's ``/api/chat`` (``langchain_ollama``)."""


@dataclass(frozen=True)
class Vendor:
    name: str
    """The provider name in routing.yaml chains (``name/model``) and providers.yaml keys."""
    title: str
    """Its name for people, in messages (``NVIDIA NIM``)."""
    adapter: Adapter
    """The wire adapter; providers.yaml's ``kind`` for this vendor must be the same."""
    base_url_env: str
    """The variable holding its base URL (``NVIDIA_API_BASE_URL``)."""
    default_base_url: str
    """The base URL used when that variable is empty."""
    key_env: str | None = None
    """The variable holding its API key. None: a keyless vendor (Ollama), used only when ``base_url_env`` is
    set or providers.yaml says ``enabled: true`` (then at ``default_base_url``)."""
    key_example: str = "..."
    """What a key looks like, for the hint when it is missing (``nvapi-...``)."""
    model_envs: Mapping[str, str] = field(default_factory=dict)
    """Variable -> the routing.yaml model name it replaces (``NEMOTRON_TOOL_MODEL`` -> the tool-calling model)."""
    rpm_env: str | None = None
    """Variable overriding providers.yaml's ``rpm_limit`` (requests per minute)."""
    tpm_env: str | None = None
    """Variable overriding providers.yaml's ``tpm_limit`` (tokens per minute)."""
    defaults: Mapping[str, Any] = field(default_factory=dict)
    """Its providers.yaml entry when the file is absent (fields of ``ProviderConfig`` besides ``kind``)."""
    order: int = 100
    """Position in listings (``known: nim, ollama, ...``); ties are broken by name."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "model_envs", MappingProxyType(dict(self.model_envs)))
        object.__setattr__(self, "defaults", MappingProxyType(dict(self.defaults)))

    @property
    def keyless(self) -> bool:
        """True for a vendor switched on by its URL (or ``enabled: true``) rather than by a key."""
        return self.key_env is None

    @property
    def transport(self) -> Literal["httpx", "httpx2"]:
        """The HTTP library under its client: ollama runs on httpx, the openai SDK (>=3) on httpx2."""
        return "httpx" if self.adapter == "ollama" else "httpx2"

    @property
    def env_vars(self) -> tuple[str, ...]:
        """Every environment variable it reads."""
        names = (self.key_env, self.base_url_env, *self.model_envs, self.rpm_env, self.tpm_env)
        return tuple(n for n in names if n)

    @property
    def missing_hint(self) -> str:
        """The ``unavailable`` message when it is not configured: what to set, with an example."""
        if self.key_env is not None:
            return f"{self.key_env} is not set; export {self.key_env}={self.key_example} to use {self.title}"
        return f"{self.base_url_env} is not set; export {self.base_url_env}={self.default_base_url} to use {self.title}"
