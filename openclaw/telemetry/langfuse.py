"""Langfuse tracing (the seed's Phase N.2) through Langfuse's LangChain callback handler.

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

    def shutdown(self) -> None:
        """Flush what is buffered and stop Langfuse's background threads (blocking)."""
        try:
            self.client.shutdown()
        finally:
            self.tracer_provider.shutdown()


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
    return LangfuseTracing(client=client, handler=handler, tracer_provider=provider)
