"""Settings: one typed tree, built once and passed explicitly.

The order is defaults -> ``configs/*.yaml`` (see :mod:`openclaw.config`) -> environment
-> command-line flags. Nothing in the library reads ``os.environ`` except
:func:`load_settings`; nothing is configured at import time. Secrets are
``SecretStr`` so they never show up in a repr, a log line or a run record.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from openclaw.errors import ConfigError

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_NVIDIA_BASE_URL = "https://integrate.api.nvidia.com/v1"
DEFAULT_OLLAMA_BASE_URL = "http://localhost:11434"
DEFAULT_GEMINI_BASE_URL = "https://generativelanguage.googleapis.com/v1beta/openai/"
DEFAULT_ANTHROPIC_BASE_URL = "https://api.anthropic.com/v1/"
DEFAULT_TELEGRAM_BASE_URL = "https://api.telegram.org"
DEFAULT_TOOL_MODEL = "nvidia/nemotron-mini-4b-instruct"
DEFAULT_REASONING_MODEL = "nvidia/llama-3.1-nemotron-70b-instruct"


def shipped_config_dir() -> Path:
    """The ``configs/`` that ships with OpenClaw (packaged copy in a wheel, the repo's in a checkout)."""
    packaged = PACKAGE_DIR / "_configs"
    return packaged if packaged.is_dir() else PACKAGE_DIR.parent / "configs"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProviderCredentials(_Section):
    """Vendor endpoints and keys, from the environment (seed §2.4). A missing key means the provider is skipped."""

    nvidia_api_key: SecretStr | None = None
    """NVIDIA_API_KEY: NIM API key (nvapi-...)."""
    nvidia_base_url: str = DEFAULT_NVIDIA_BASE_URL
    """NVIDIA_API_BASE_URL: NIM's OpenAI-compatible base URL."""
    nemotron_tool_model: str = DEFAULT_TOOL_MODEL
    """NEMOTRON_TOOL_MODEL: the NIM model used where routing.yaml names the tool model."""
    nemotron_reasoning_model: str = DEFAULT_REASONING_MODEL
    """NEMOTRON_REASONING_MODEL: the NIM model used where routing.yaml names the reasoning model."""
    nemotron_rpm_limit: int | None = Field(default=None, ge=1)
    """NEMOTRON_RPM_LIMIT: requests per minute allowed to NIM (None: providers.yaml decides)."""
    nemotron_tpm_limit: int | None = Field(default=None, ge=1)
    """NEMOTRON_TPM_LIMIT: tokens per minute allowed to NIM (None: providers.yaml decides)."""
    ollama_base_url: str | None = None
    """OLLAMA_BASE_URL: Ollama server; Ollama is used only when this is set (default URL when it is empty)."""
    gemini_api_key: SecretStr | None = None
    """GEMINI_API_KEY: Google AI Studio key for Gemini's OpenAI-compatible endpoint."""
    gemini_base_url: str = DEFAULT_GEMINI_BASE_URL
    """GEMINI_BASE_URL: Gemini's OpenAI-compatible base URL."""
    anthropic_api_key: SecretStr | None = None
    """ANTHROPIC_API_KEY: Anthropic key for Claude's OpenAI-compatible endpoint."""
    anthropic_base_url: str = DEFAULT_ANTHROPIC_BASE_URL
    """ANTHROPIC_BASE_URL: Claude's OpenAI-compatible base URL."""


class TelegramSettings(_Section):
    bot_token: SecretStr | None = None
    """TELEGRAM_BOT_TOKEN: without it alerts are recorded as planned, not sent."""
    chat_id: str | None = None
    """TELEGRAM_CHAT_ID: the chat that receives alerts."""
    api_base_url: str = DEFAULT_TELEGRAM_BASE_URL
    """TELEGRAM_API_BASE_URL: a self-hosted Bot API server, if any."""


class KubeSettings(_Section):
    kubeconfig: str | None = None
    """KUBECONFIG: path to a kubeconfig; None and not in a pod means plan mode."""
    context: str | None = None
    """OPENCLAW_KUBE_CONTEXT or --context: the kubeconfig context to use (None: the current one)."""
    in_cluster: bool = False
    """True when running in a pod (KUBERNETES_SERVICE_HOST is set) and no kubeconfig is given."""
    apply: bool = False
    """--apply: mutations are applied instead of dry-run (server-side dryRun=All); also configs/executor.yaml."""


class ServerSettings(_Section):
    api_token: SecretStr | None = None
    """OPENCLAW_API_TOKEN: when set, the HTTP API requires 'Authorization: Bearer <token>'."""
    max_body_bytes: int = Field(default=1_048_576, ge=1)
    """OPENCLAW_MAX_BODY_BYTES: largest request body the HTTP API accepts, in bytes (default 1 MiB)."""
    expiry_sweep_s: float = 30.0
    """Seconds between sweeps that end approval requests past their expiry (0: no sweep)."""
    max_concurrent_runs: int = Field(default=8, ge=1)
    """OPENCLAW_MAX_CONCURRENT_RUNS: runs the service drives at once; accepted runs beyond it wait their turn."""
    shutdown_grace_s: float = Field(default=10.0, ge=0)
    """Seconds a stopping service lets runs in flight reach a checkpoint before it cancels them (recovery
    finishes them on the next start)."""


class Settings(_Section):
    """Everything a run needs to know about its environment."""

    home: Path = Path(".openclaw")
    """OPENCLAW_HOME: state directory (run store, checkpoints, audit log)."""
    config_dir: Path = Field(default_factory=shipped_config_dir)
    """OPENCLAW_CONFIG_DIR or --config-dir: where routing/providers/trust/approvers.yaml live."""
    providers: ProviderCredentials = ProviderCredentials()
    telegram: TelegramSettings = TelegramSettings()
    kube: KubeSettings = KubeSettings()
    server: ServerSettings = ServerSettings()
    environ: Mapping[str, str] = Field(default_factory=dict, repr=False)
    """The OTEL_* and LANGFUSE_* variables, passed on to those SDKs as they are."""

    @property
    def state_db(self) -> Path:
        """SQLite file holding runs, attempts, the audit log and the idempotency ledger."""
        return self.home / "openclaw.db"

    @property
    def checkpoint_db(self) -> Path:
        """SQLite file holding LangGraph checkpoints."""
        return self.home / "checkpoints.db"

    @property
    def mode(self) -> Literal["plan", "dry_run", "apply"]:
        """What the executor does with mutations: plan without a cluster, else dry-run unless --apply."""
        if not (self.kube.kubeconfig or self.kube.in_cluster):
            return "plan"
        return "apply" if self.kube.apply else "dry_run"


def _secret(value: str | None) -> SecretStr | None:
    return SecretStr(value) if value else None


def _int(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name)
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"environment variable {name}={raw!r} must be a whole number") from None


def _server_settings(env: Mapping[str, str]) -> ServerSettings:
    max_body = _int(env, "OPENCLAW_MAX_BODY_BYTES")
    if max_body is not None and max_body < 1:
        raise ConfigError(f"environment variable OPENCLAW_MAX_BODY_BYTES={max_body} must be a positive number of bytes")
    concurrent = _int(env, "OPENCLAW_MAX_CONCURRENT_RUNS")
    if concurrent is not None and concurrent < 1:
        raise ConfigError(f"environment variable OPENCLAW_MAX_CONCURRENT_RUNS={concurrent} must be at least 1")
    return ServerSettings(
        api_token=_secret(env.get("OPENCLAW_API_TOKEN")),
        **({"max_body_bytes": max_body} if max_body is not None else {}),
        **({"max_concurrent_runs": concurrent} if concurrent is not None else {}),
    )


def load_settings(
    *,
    config_dir: str | Path | None = None,
    home: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
    kube_context: str | None = None,
    apply: bool = False,
) -> Settings:
    """Build the settings from the environment and command-line overrides (flags win)."""
    env = dict(os.environ if environ is None else environ)
    cfg = Path(config_dir or env.get("OPENCLAW_CONFIG_DIR") or shipped_config_dir())
    if not cfg.is_dir():
        raise ConfigError(f"config directory {cfg} does not exist (set --config-dir or OPENCLAW_CONFIG_DIR)")
    kubeconfig = env.get("KUBECONFIG") or None
    try:
        return Settings(
            home=Path(home or env.get("OPENCLAW_HOME") or ".openclaw"),
            config_dir=cfg,
            providers=ProviderCredentials(
                nvidia_api_key=_secret(env.get("NVIDIA_API_KEY")),
                nvidia_base_url=env.get("NVIDIA_API_BASE_URL") or DEFAULT_NVIDIA_BASE_URL,
                nemotron_tool_model=env.get("NEMOTRON_TOOL_MODEL") or DEFAULT_TOOL_MODEL,
                nemotron_reasoning_model=env.get("NEMOTRON_REASONING_MODEL") or DEFAULT_REASONING_MODEL,
                nemotron_rpm_limit=_int(env, "NEMOTRON_RPM_LIMIT"),
                nemotron_tpm_limit=_int(env, "NEMOTRON_TPM_LIMIT"),
                ollama_base_url=env.get("OLLAMA_BASE_URL") or None,
                gemini_api_key=_secret(env.get("GEMINI_API_KEY")),
                gemini_base_url=env.get("GEMINI_BASE_URL") or DEFAULT_GEMINI_BASE_URL,
                anthropic_api_key=_secret(env.get("ANTHROPIC_API_KEY")),
                anthropic_base_url=env.get("ANTHROPIC_BASE_URL") or DEFAULT_ANTHROPIC_BASE_URL,
            ),
            telegram=TelegramSettings(
                bot_token=_secret(env.get("TELEGRAM_BOT_TOKEN")),
                chat_id=env.get("TELEGRAM_CHAT_ID") or None,
                api_base_url=env.get("TELEGRAM_API_BASE_URL") or DEFAULT_TELEGRAM_BASE_URL,
            ),
            kube=KubeSettings(
                kubeconfig=kubeconfig,
                context=kube_context or env.get("OPENCLAW_KUBE_CONTEXT") or None,
                in_cluster=not kubeconfig and bool(env.get("KUBERNETES_SERVICE_HOST")),
                apply=apply,
            ),
            server=_server_settings(env),
            environ={k: v for k, v in env.items() if k.startswith(("OTEL_", "LANGFUSE_"))},
        )
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        field = ".".join(str(part) for part in err["loc"])
        var = field.rsplit(".", 1)[-1].upper()
        if var.startswith("NEMOTRON_") and var in env:  # read from the env variable of that name
            raise ConfigError(f"environment variable {var}={env[var]!r}: {err['msg']}") from None
        raise ConfigError(f"invalid settings: {field}: {err['msg']}") from None
