"""Langfuse tracing through Langfuse's LangChain callback handler.

On only when ``LANGFUSE_PUBLIC_KEY``, ``LANGFUSE_SECRET_KEY`` and ``LANGFUSE_HOST`` are
all set. The Langfuse client gets its own private OTel ``TracerProvider`` (Langfuse v3+
is built on OTel and would otherwise install itself as the global provider), and the
same content policy as the spans (``mask``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider

from openclaw.errors import ConfigError
from openclaw.telemetry.options import LangfuseOptions
from openclaw.telemetry.redact import ContentPolicy


@dataclass
class LangfuseTracing:
    """The Langfuse client and its LangChain handler (attach ``handler`` to the engine's callbacks)."""

    client: Any
    handler: Any
    tracer_provider: TracerProvider
    public_key: str | None = None

    def shutdown(self) -> None:
        """Flush what is buffered and stop Langfuse's background threads (blocking)."""
        try:
            self.client.shutdown()
        finally:
            self.tracer_provider.shutdown()
            _forget(self.public_key)


def _forget(public_key: str | None) -> None:
    """Drop Langfuse's per-process resource manager for ``public_key`` after shutdown.

    Langfuse keeps one per public key for the life of the process, even shut down; a later
    client with that key (a second app in the same process: tests, ``bench serve``) would
    reuse it and silently export nothing."""
    if public_key is None:
        return
    try:
        from langfuse._client.resource_manager import LangfuseResourceManager
    except ImportError:  # a Langfuse without that registry has nothing to forget
        return
    with LangfuseResourceManager._lock:
        LangfuseResourceManager._instances.pop(public_key, None)


def build_langfuse(options: LangfuseOptions, *, content: ContentPolicy, service_name: str = "openclaw") -> LangfuseTracing:
    """A Langfuse client for ``options.host`` and its LangChain callback handler."""
    from langfuse import Langfuse
    from langfuse.langchain import CallbackHandler

    if not options.host.startswith(("http://", "https://")):
        raise ConfigError(f"LANGFUSE_HOST={options.host!r} must be an http:// or https:// URL")
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    client = Langfuse(
        public_key=options.public_key,
        secret_key=options.secret_key,
        host=options.host,
        tracer_provider=provider,
        mask=content.mask,
    )
    handler = CallbackHandler(public_key=options.public_key)
    return LangfuseTracing(client=client, handler=handler, tracer_provider=provider, public_key=options.public_key)
