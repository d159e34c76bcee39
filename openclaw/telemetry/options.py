"""Telemetry options from the ``OTEL_*`` and ``LANGFUSE_*`` variables the settings carry.

``Settings.environ`` holds those variables as they were; this module turns them into
one frozen value, so the rest of :mod:`openclaw.telemetry` takes plain parameters.

Variables read (all optional):

- ``OTEL_SERVICE_NAME``: the ``service.name`` resource attribute (default ``openclaw``).
- ``OTEL_SDK_DISABLED``: ``true`` turns span and metric export off (``/metrics`` stays).
- ``OTEL_EXPORTER_OTLP_ENDPOINT``: OTLP/HTTP base URL; spans go to ``{base}/v1/traces``
  and metrics to ``{base}/v1/metrics``. ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` and
  ``OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`` override one signal with a full URL.
- ``OTEL_EXPORTER_OTLP_HEADERS``: ``key=value,key2=value2`` sent with every export.
- ``OTEL_METRIC_EXPORT_INTERVAL``: milliseconds between OTLP metric exports (default 60000).
- ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT``: ``true`` records prompt and
  completion text on LLM spans (secrets scrubbed); otherwise the text is ``[redacted]``.
- ``LANGFUSE_PUBLIC_KEY``, ``LANGFUSE_SECRET_KEY``, ``LANGFUSE_HOST`` (or
  ``LANGFUSE_BASE_URL``): all three set turns Langfuse tracing on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote

from openclaw.errors import ConfigError

_TRUE = frozenset({"1", "true", "yes", "on"})


@dataclass(frozen=True)
class LangfuseOptions:
    public_key: str
    secret_key: str = field(repr=False)
    host: str


@dataclass(frozen=True)
class TelemetryOptions:
    service_name: str = "openclaw"
    enabled: bool = True
    traces_endpoint: str | None = None
    """Full OTLP/HTTP URL for spans, or None for no span export."""
    metrics_endpoint: str | None = None
    """Full OTLP/HTTP URL for metrics, or None for no OTLP metric export."""
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    metric_export_interval_ms: int = 60_000
    capture_content: bool = False
    """Record prompt/completion text on spans (scrubbed of secrets); False records ``[redacted]``."""
    langfuse: LangfuseOptions | None = None


def _flag(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "").strip().lower() in _TRUE


def _headers(raw: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in raw.split(","):
        if not item.strip():
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"OTEL_EXPORTER_OTLP_HEADERS: {item.strip()!r} is not key=value; use 'k1=v1,k2=v2'")
        out[unquote(key.strip()).lower()] = unquote(value.strip())
    return out


def telemetry_options(environ: Mapping[str, str]) -> TelemetryOptions:
    """Read the options from ``environ`` (``Settings.environ``); raise ConfigError naming a bad variable."""
    base = (environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or "").strip().rstrip("/")
    traces = (environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or "").strip() or (f"{base}/v1/traces" if base else None)
    metrics = (environ.get("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT") or "").strip() or (f"{base}/v1/metrics" if base else None)
    for name, url in (("OTEL_EXPORTER_OTLP_ENDPOINT", traces), ("OTEL_EXPORTER_OTLP_ENDPOINT", metrics)):
        if url and not url.startswith(("http://", "https://")):
            raise ConfigError(f"{name}={url!r} must be an http:// or https:// URL (OTLP over HTTP, e.g. http://collector:4318)")
    interval_raw = environ.get("OTEL_METRIC_EXPORT_INTERVAL") or "60000"
    try:
        interval = int(interval_raw)
        if interval < 1:
            raise ValueError
    except ValueError:
        raise ConfigError(f"OTEL_METRIC_EXPORT_INTERVAL={interval_raw!r} must be a positive number of milliseconds") from None
    langfuse = None
    public, secret = environ.get("LANGFUSE_PUBLIC_KEY"), environ.get("LANGFUSE_SECRET_KEY")
    host = environ.get("LANGFUSE_HOST") or environ.get("LANGFUSE_BASE_URL")
    if public and secret and host:
        langfuse = LangfuseOptions(public_key=public, secret_key=secret, host=host.rstrip("/"))
    return TelemetryOptions(
        service_name=environ.get("OTEL_SERVICE_NAME") or "openclaw",
        enabled=not _flag(environ, "OTEL_SDK_DISABLED"),
        traces_endpoint=traces,
        metrics_endpoint=metrics,
        headers=_headers(environ.get("OTEL_EXPORTER_OTLP_HEADERS") or ""),
        metric_export_interval_ms=interval,
        capture_content=_flag(environ, "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"),
        langfuse=langfuse,
    )
