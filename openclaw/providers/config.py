"""configs/providers.yaml: which vendors exist, how they are spoken to, and their limits.

Which vendors exist is :data:`openclaw.providers.vendors.VENDORS` (plus the embedded ``rules``);
endpoints and keys come from the environment (:class:`openclaw.settings.VendorSettings`);
this file holds what is not secret: the wire adapter (``kind``), structured-output
method, sampling, per-provider RPM/TPM budgets, breaker and auth-cooldown settings, and
model aliases (the model names routing.yaml uses mapped to a vendor's real ids).
A vendor's limit variables (``NEMOTRON_RPM_LIMIT`` / ``NEMOTRON_TPM_LIMIT`` for ``nim``) override its limits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from openclaw.config.loader import load_yaml
from openclaw.config.routing import PROVIDERS
from openclaw.providers.vendors import VENDORS
from openclaw.settings import Settings

Kind = Literal["openai_compat", "ollama", "embedded"]
StructuredMethod = Literal["function_calling", "json_schema", "json_mode"]


class _Cfg(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BreakerConfig(_Cfg):
    failures: int = Field(default=3, ge=1)
    """Consecutive failures (timeout, 5xx, connection, 429) that open the breaker."""
    cooldown_s: float = Field(default=30.0, ge=0)
    """Seconds the breaker stays open before one probe is let through."""


class ProviderConfig(_Cfg):
    kind: Kind
    enabled: bool | None = None
    """None: used when its credentials are set (Ollama: when OLLAMA_BASE_URL is set). True: Ollama also
    without OLLAMA_BASE_URL, at the default URL. False: never used."""
    structured_output: StructuredMethod = "function_calling"
    """How intent/complexity get structured output: a forced tool call, or response_format/format JSON schema."""
    temperature: float = Field(default=0.2, ge=0, le=2)
    max_tokens: int = Field(default=1024, ge=1)
    """Completion allowance per request (also counted in the TPM estimate)."""
    rpm_limit: int | None = Field(default=None, ge=1)
    """Requests per minute (None: unlimited)."""
    tpm_limit: int | None = Field(default=None, ge=1)
    """Tokens per minute, estimated before the call (None: unlimited)."""
    breaker: BreakerConfig = BreakerConfig()
    auth_cooldown_s: float = Field(default=300.0, ge=0)
    """Seconds out of rotation after HTTP 401/403."""
    model_aliases: dict[str, str] = Field(default_factory=dict)
    """routing.yaml model name -> the id sent to the vendor."""

    def vendor_model(self, model: str) -> str:
        return self.model_aliases.get(model, model)


def _default_providers() -> dict[str, ProviderConfig]:
    vendors = {name: ProviderConfig(kind=v.adapter, **v.defaults) for name, v in VENDORS.items()}
    return {**vendors, "rules": ProviderConfig(kind="embedded")}


def _kind_of(name: str) -> Kind:
    return "embedded" if name == "rules" else VENDORS[name].adapter


class ProvidersConfig(_Cfg):
    version: int = 1
    providers: dict[str, ProviderConfig] = Field(default_factory=_default_providers)
    """Keys: the vendors of ``openclaw.providers.vendors`` and ``rules``."""

    @field_validator("providers", mode="before")
    @classmethod
    def _known(cls, value: object) -> object:
        for name in value if isinstance(value, dict) else ():
            if name not in PROVIDERS:
                raise ValueError(f"unknown provider {name!r}; known: {', '.join(PROVIDERS)}")
        return value

    @model_validator(mode="after")
    def _kinds_match(self) -> "ProvidersConfig":
        for name, cfg in self.providers.items():
            expected = _kind_of(name)
            if cfg.kind != expected:
                raise ValueError(f"providers.{name}.kind must be {expected!r}, not {cfg.kind!r}")
        return self

    def get(self, name: str) -> ProviderConfig:
        return self.providers.get(name) or _default_providers().get(name) or ProviderConfig(kind="openai_compat")


def load_providers_config(config_dir: Path) -> ProvidersConfig:
    """``config_dir/providers.yaml``, or the built-in defaults when the file is absent."""
    path = Path(config_dir) / "providers.yaml"
    if not path.is_file():
        return ProvidersConfig()
    return load_yaml(path, ProvidersConfig)[0]


def effective_limits(settings: Settings, name: str, cfg: ProviderConfig) -> tuple[int | None, int | None]:
    """(rpm, tpm) for ``name``: the vendor's limit variables (NEMOTRON_RPM_LIMIT / NEMOTRON_TPM_LIMIT for
    ``nim``) win over providers.yaml."""
    vendor = settings.providers.get(name)
    if vendor is None:
        return cfg.rpm_limit, cfg.tpm_limit
    return vendor.rpm_limit or cfg.rpm_limit, vendor.tpm_limit or cfg.tpm_limit
