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
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from openclaw.errors import ConfigError
from openclaw.providers.vendors import VENDORS, Vendor

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_TELEGRAM_BASE_URL = "https://api.telegram.org"


def shipped_config_dir() -> Path:
    """The ``configs/`` that ships with OpenClaw (packaged copy in a wheel, the repo's in a checkout)."""
    packaged = PACKAGE_DIR / "_configs"
    return packaged if packaged.is_dir() else PACKAGE_DIR.parent / "configs"


ConfigSource = Literal["--config-dir", "OPENCLAW_CONFIG_DIR", "OPENCLAW_HOME", "shipped"]
USER_CONFIGS = "configs"
"""The user's config dir under OPENCLAW_HOME, seeded from the shipped configs/ on the first write."""


def resolve_config_dir(flag: str | Path | None, env: Mapping[str, str], home: Path) -> tuple[Path, ConfigSource]:
    """The config dir to read and where it came from: the flag, OPENCLAW_CONFIG_DIR, the user's
    ``OPENCLAW_HOME/configs`` when it exists, else the shipped (read-only) defaults."""
    if flag:
        return Path(flag), "--config-dir"
    if env.get("OPENCLAW_CONFIG_DIR"):
        return Path(env["OPENCLAW_CONFIG_DIR"]), "OPENCLAW_CONFIG_DIR"
    if (home / USER_CONFIGS).is_dir():
        return home / USER_CONFIGS, "OPENCLAW_HOME"
    return shipped_config_dir(), "shipped"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class VendorSettings(_Section):
    """One LLM vendor's endpoint and key, from the variables its module in ``openclaw/providers/vendors`` names.
    A missing key means the vendor is skipped (outcome ``unavailable``)."""

    api_key: SecretStr | None = None
    """Its key variable (NVIDIA_API_KEY, GEMINI_API_KEY, ANTHROPIC_API_KEY); None for a keyless vendor."""
    base_url: str | None = None
    """Its base-URL variable, else its default URL; None for a keyless vendor (Ollama) whose variable is unset."""
    models: dict[str, str] = Field(default_factory=dict)
    """routing.yaml model name -> the model id asked instead (NEMOTRON_TOOL_MODEL, NEMOTRON_REASONING_MODEL)."""
    rpm_limit: int | None = Field(default=None, ge=1)
    """Requests per minute from its variable (NEMOTRON_RPM_LIMIT); None: providers.yaml decides."""
    tpm_limit: int | None = Field(default=None, ge=1)
    """Tokens per minute from its variable (NEMOTRON_TPM_LIMIT); None: providers.yaml decides."""


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
    public_url: str | None = None
    """OPENCLAW_PUBLIC_URL: the service's address as approvers reach it (e.g. https://openclaw.example.com);
    approval requests sent to Telegram link to its approvals page, ``<public_url>/ui/#run=<run_id>``."""
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
    """--config-dir, OPENCLAW_CONFIG_DIR, else OPENCLAW_HOME/configs when it exists, else the shipped configs/."""
    config_source: ConfigSource = "shipped"
    """Where ``config_dir`` came from (said by ``openclaw -v`` and the JSON of commands that read config)."""
    providers: dict[str, VendorSettings] = Field(default_factory=lambda: vendor_settings({}))
    """Every vendor of ``openclaw.providers.vendors.VENDORS`` by name, configured or not."""
    telegram: TelegramSettings = TelegramSettings()
    kube: KubeSettings = KubeSettings()
    server: ServerSettings = ServerSettings()
    database_url: SecretStr | None = None
    """OPENCLAW_DATABASE_URL: the shared database (``postgresql://user:pass@host:5432/db``) for the run store,
    audit, approvals, ledger, locks, history and the checkpoints; unset: SQLite files under ``home``."""
    environ: Mapping[str, str] = Field(default_factory=dict, repr=False)
    """The OTEL_* and LANGFUSE_* variables, passed on to those SDKs as they are."""
    redis_url: SecretStr | None = None
    """OPENCLAW_REDIS_URL: Redis holding the providers' RPM/TPM budgets for all replicas together
    (``redis://``, ``rediss://`` or ``unix://``; secret because it may carry a password). None: each
    replica keeps its own share (``replicas``)."""
    replicas: int = Field(default=1, ge=1)
    """OPENCLAW_REPLICAS: how many replicas run; without Redis each one budgets a provider's RPM/TPM
    divided by this (rounded down)."""

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

    def model_overrides(self) -> dict[str, dict[str, str]]:
        """Vendor -> {routing.yaml model name: model id asked instead}, from the vendors' model variables."""
        return {name: dict(v.models) for name, v in self.providers.items() if v.models}


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


def _limit(env: Mapping[str, str], name: str | None) -> int | None:
    value = _int(env, name) if name else None
    if value is not None and value < 1:
        raise ConfigError(f"environment variable {name}={env[name]!r}: Input should be greater than or equal to 1")
    return value


def _vendor(vendor: Vendor, env: Mapping[str, str]) -> VendorSettings:
    url = env.get(vendor.base_url_env) or None
    return VendorSettings(
        api_key=_secret(env.get(vendor.key_env)) if vendor.key_env else None,
        base_url=url if vendor.keyless else url or vendor.default_base_url,
        models={default: env.get(var) or default for var, default in vendor.model_envs.items()},
        rpm_limit=_limit(env, vendor.rpm_env),
        tpm_limit=_limit(env, vendor.tpm_env),
    )


def vendor_settings(env: Mapping[str, str]) -> dict[str, VendorSettings]:
    """Every vendor's settings from the environment ``env``."""
    return {name: _vendor(vendor, env) for name, vendor in VENDORS.items()}


def _server_settings(env: Mapping[str, str]) -> ServerSettings:
    max_body = _int(env, "OPENCLAW_MAX_BODY_BYTES")
    if max_body is not None and max_body < 1:
        raise ConfigError(f"environment variable OPENCLAW_MAX_BODY_BYTES={max_body} must be a positive number of bytes")
    concurrent = _int(env, "OPENCLAW_MAX_CONCURRENT_RUNS")
    if concurrent is not None and concurrent < 1:
        raise ConfigError(f"environment variable OPENCLAW_MAX_CONCURRENT_RUNS={concurrent} must be at least 1")
    return ServerSettings(
        api_token=_secret(env.get("OPENCLAW_API_TOKEN")),
        public_url=(env.get("OPENCLAW_PUBLIC_URL") or "").rstrip("/") or None,
        **({"max_body_bytes": max_body} if max_body is not None else {}),
        **({"max_concurrent_runs": concurrent} if concurrent is not None else {}),
    )


REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def _redis_url(env: Mapping[str, str]) -> SecretStr | None:
    raw = env.get("OPENCLAW_REDIS_URL") or None
    if raw is not None and not raw.startswith(REDIS_SCHEMES):
        scheme = raw.split("://", 1)[0] + "://" if "://" in raw else "no scheme"  # the rest may hold a password
        raise ConfigError(f"environment variable OPENCLAW_REDIS_URL must start with redis://, rediss:// or unix:// "
                          f"(got {scheme})")
    try:
        urlsplit(raw or "").port
    except ValueError:
        raise ConfigError("environment variable OPENCLAW_REDIS_URL has a port that is not a number 0-65535") from None
    return _secret(raw)


def _replicas(env: Mapping[str, str]) -> int:
    replicas = _int(env, "OPENCLAW_REPLICAS")
    if replicas is not None and replicas < 1:
        raise ConfigError(f"environment variable OPENCLAW_REPLICAS={replicas} must be at least 1")
    return 1 if replicas is None else replicas


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
    home_dir = Path(home or env.get("OPENCLAW_HOME") or ".openclaw")
    cfg, source = resolve_config_dir(config_dir, env, home_dir)
    if not cfg.is_dir():
        raise ConfigError(f"config directory {cfg} does not exist (set --config-dir or OPENCLAW_CONFIG_DIR)")
    kubeconfig = env.get("KUBECONFIG") or None
    try:
        return Settings(
            home=home_dir,
            config_dir=cfg,
            config_source=source,
            providers=vendor_settings(env),
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
            database_url=_secret(env.get("OPENCLAW_DATABASE_URL")),
            environ={k: v for k, v in env.items() if k.startswith(("OTEL_", "LANGFUSE_"))},
            redis_url=_redis_url(env),
            replicas=_replicas(env),
        )
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        field = ".".join(str(part) for part in err["loc"])
        raise ConfigError(f"invalid settings: {field}: {err['msg']}") from None
